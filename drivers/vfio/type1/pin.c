// SPDX-License-Identifier: GPL-2.0-only
/*
 * Type1 IOMMU backend: pinning the user's pages and charging them.
 *
 * Pages are pinned with FOLL_LONGTERM, so that they are migrated out of
 * movable zones first and stay put while a device may DMA to them, into
 * a struct t1_pin_batch: an array of page frame numbers (the pinning
 * functions write struct page pointers into the same storage, which are
 * turned into frame numbers in place, reserved ones tagged).  Pinning a
 * page's worth of frames per call, without the mmap lock when the mapping
 * belongs to the calling process, keeps the cost per page low.  Each
 * batch is then appended to the mapping's run record (tree.c) and
 * charged; the IOMMU side maps from the record (map.c: a long run with
 * one call, short runs gathered into one iommu_map_sg() call), and
 * unpinning is one call per recorded run.
 *
 * Ranges of a VM_PFNMAP mapping (another device's MMIO BAR, typically)
 * cannot be pinned: their frames are looked up one at a time and are
 * treated as "reserved", like any frame without a struct page or with
 * PG_reserved set.  Reserved frames are never unpinned and never charged.
 *
 * Accounting: every pinned, non-reserved page is charged once to the
 * locked_vm of the mm that owns the mapping (&t1_map.mm), and checked
 * against the RLIMIT_MEMLOCK of its task unless that task had
 * CAP_IPC_LOCK.  A page that an emulated device pinned as well
 * (&t1_map.pins) is charged only once, by whichever pinned it first.
 * The charge stays with that mm when the mapping is used from a child
 * process after fork().
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/vfio.h>

#include "type1.h"

/**
 * struct t1_pin_batch - pages pinned but not yet recorded
 * @pfns: their page frame numbers, with T1_PFN_RESERVED set for those
 *	reserved in the sense of t1_pfn_is_reserved()
 * @cap: entries available in @pfns
 * @nr: entries filled
 * @pos: next entry to consume
 * @stack: storage for small requests, so they need no allocation
 */
struct t1_pin_batch {
	unsigned long *pfns;
	unsigned long cap;
	unsigned long nr;
	unsigned long pos;
	unsigned long stack[16];
};

/* Tag of a reserved frame in &t1_pin_batch.pfns: never set in a pfn. */
#define T1_PFN_RESERVED		BIT(BITS_PER_LONG - 1)

/**
 * t1_pfn_is_reserved - a frame that is neither pinned nor charged
 * @pfn: the frame
 *
 * Return: true for frames without a struct page (MMIO) and for pages
 * marked PG_reserved (the zero page, for example).
 */
bool t1_pfn_is_reserved(unsigned long pfn)
{
	return !pfn_valid(pfn) || PageReserved(pfn_to_page(pfn));
}

/**
 * t1_charge_mm - add to or take from an mm's locked_vm
 * @mm: the address space charged
 * @task: whose RLIMIT_MEMLOCK applies
 * @lock_cap: @task may exceed its limit (CAP_IPC_LOCK)
 * @npages: pages to add (positive) or to remove (negative)
 *
 * Return: 0, -ENOMEM when adding would exceed the limit, or -EINTR.
 */
int t1_charge_mm(struct mm_struct *mm, struct task_struct *task,
		 bool lock_cap, long npages)
{
	int ret;

	if (npages > 0) {
		ret = mmap_write_lock_killable(mm);
		if (ret)
			return ret;
	} else {
		/* Releasing must happen even while a fatal signal is pending. */
		mmap_write_lock(mm);
	}
	ret = __account_locked_vm(mm, abs(npages), npages > 0, task, lock_cap);
	mmap_write_unlock(mm);
	return ret;
}

/**
 * t1_account - change the pages charged for a mapping
 * @map: the mapping
 * @npages: pages to charge (positive) or release (negative)
 * @async: the caller may run outside the owner's process, and the mm may
 *	be gone; nothing is done then
 *
 * Return: 0, or the error of t1_charge_mm(), or -ESRCH if @async and the
 * owner's address space no longer exists.
 */
int t1_account(struct t1_map *map, long npages, bool async)
{
	int ret;

	if (!npages)
		return 0;
	if (async && !mmget_not_zero(map->mm))
		return -ESRCH;

	ret = t1_charge_mm(map->mm, map->task, map->lock_cap, npages);
	if (!ret)
		map->locked_vm += npages;

	if (async)
		mmput(map->mm);
	return ret;
}

/* Pages of [iova, iova + npages pages) pinned for emulated devices. */
static unsigned long count_pinned(struct t1_map *map, u64 iova,
				  unsigned long npages)
{
	unsigned long k, count = 0;

	if (RB_EMPTY_ROOT(&map->pins))
		return 0;
	for (k = 0; k < npages; k++)
		count += !!t1_find_pin(map, iova + k * PAGE_SIZE);
	return count;
}

/**
 * t1_batch_init - set up an empty batch
 * @b: the batch
 * @want: pages the caller intends to pin in total
 *
 * Small requests use storage inside @b; larger ones get a page of frame
 * numbers, or fall back to the small storage if that allocation fails.
 */
static void t1_batch_init(struct t1_pin_batch *b, unsigned long want)
{
	b->nr = 0;
	b->pos = 0;
	b->pfns = b->stack;
	b->cap = ARRAY_SIZE(b->stack);
	if (want <= b->cap)
		return;

	b->pfns = (unsigned long *)__get_free_page(GFP_KERNEL | __GFP_NOWARN);
	if (b->pfns) {
		b->cap = PAGE_SIZE / sizeof(*b->pfns);
	} else {
		b->pfns = b->stack;
		b->cap = ARRAY_SIZE(b->stack);
	}
}

/**
 * t1_batch_fini - free a batch's storage
 * @b: the batch, which must hold no pinned page
 */
static void t1_batch_fini(struct t1_pin_batch *b)
{
	if (b->pfns != b->stack)
		free_page((unsigned long)b->pfns);
}

/**
 * t1_batch_drop - unpin the frames of a batch not consumed yet
 * @b: the batch
 * @map: the mapping they were pinned for
 *
 * Charging is up to the caller.
 */
static void t1_batch_drop(struct t1_pin_batch *b, struct t1_map *map)
{
	bool dirty = map->prot & IOMMU_WRITE;

	for (; b->pos < b->nr; b->pos++) {
		unsigned long pfn = b->pfns[b->pos];

		if (!(pfn & T1_PFN_RESERVED))
			unpin_user_page_range_dirty_lock(pfn_to_page(pfn), 1,
							 dirty);
	}
}

/* Fault @vaddr in for us; -EAGAIN if that dropped the mmap lock. */
static int pfnmap_fault_in(struct mm_struct *mm, unsigned long vaddr,
			   bool write)
{
	unsigned int flags = write ? FAULT_FLAG_REMOTE | FAULT_FLAG_WRITE :
				     FAULT_FLAG_REMOTE;
	bool dropped = false;
	int err;

	err = fixup_user_fault(mm, vaddr, flags, &dropped);
	return dropped ? -EAGAIN : err;
}

/*
 * Find the frame behind @vaddr in a VM_PFNMAP mapping, faulting it in if
 * needed.  Returns 0 with *@pfn set, -EAGAIN if the mmap lock was dropped
 * (the caller looks the VMA up again), or another error.
 */
static int pfnmap_frame(struct mm_struct *mm, struct vm_area_struct *vma,
			unsigned long vaddr, bool write, unsigned long *pfn)
{
	struct follow_pfnmap_args args = { .vma = vma, .address = vaddr };
	int err;

	if (follow_pfnmap_start(&args)) {
		/* Nothing mapped there yet: fault it in, then look again. */
		err = pfnmap_fault_in(mm, vaddr, write);
		if (!err)
			err = follow_pfnmap_start(&args);
		if (err)
			return err;
	}

	err = 0;
	if (!write || args.writable)
		*pfn = args.pfn;
	else
		err = -EFAULT;
	follow_pfnmap_end(&args);
	return err;
}

/*
 * @vaddr could not be pinned (the pinning error is @pin_err): if it is in
 * a VM_PFNMAP mapping, look its frame up instead, and those of the pages
 * after it in the same mapping, up to @max.  Only frames that are reserved
 * in the sense of t1_pfn_is_reserved() are accepted, since nothing holds a
 * reference on them.  Returns the number of frames stored in @pfns.
 */
static long lookup_pfnmap(struct mm_struct *mm, unsigned long vaddr,
			  bool write, int pin_err, unsigned long *pfns,
			  unsigned long max)
{
	struct vm_area_struct *vma;
	unsigned long n = 0;
	int ret;

	mmap_read_lock(mm);
	vaddr = untagged_addr_remote(mm, vaddr);
again:
	vma = vma_lookup(mm, vaddr);
	if (!vma || !(vma->vm_flags & VM_PFNMAP)) {
		ret = pin_err;
		goto out;
	}
	for (; n < max && vaddr < vma->vm_end; n++, vaddr += PAGE_SIZE) {
		ret = pfnmap_frame(mm, vma, vaddr, write, &pfns[n]);
		if (ret == -EAGAIN && !n)
			goto again;	/* the VMA may have changed */
		if (!ret && !t1_pfn_is_reserved(pfns[n]))
			ret = -EFAULT;
		if (ret)
			break;
	}
	/* A failure after the first frame only ends the batch early. */
	if (n)
		ret = 0;
out:
	mmap_read_unlock(mm);
	return ret ? ret : n;
}

/**
 * t1_batch_fill - pin the next pages of a mapping into an empty batch
 * @b: the batch; anything left in it is forgotten
 * @map: the mapping, for its protection
 * @mm: the address space of @vaddr, with a reference held by the caller
 * @vaddr: first user address to pin
 * @npages: pages still to pin from @vaddr on
 *
 * Return: the number of frames now in the batch (at least one), or an
 * error if not even the first page could be pinned.
 */
static long t1_batch_fill(struct t1_pin_batch *b, struct t1_map *map,
			  struct mm_struct *mm, unsigned long vaddr,
			  unsigned long npages)
{
	struct page **pages = (struct page **)b->pfns;
	bool write = map->prot & IOMMU_WRITE;
	unsigned int flags = FOLL_LONGTERM | (write ? FOLL_WRITE : 0);
	unsigned long want = min(npages, b->cap);
	unsigned long i;
	long ret;

	b->nr = 0;
	b->pos = 0;
	if (mm == current->mm) {
		ret = pin_user_pages_fast(vaddr, want, flags, pages);
	} else {
		mmap_read_lock(mm);
		ret = pin_user_pages_remote(mm, vaddr, want, flags, pages,
					    NULL);
		mmap_read_unlock(mm);
	}

	if (ret > 0) {
		/*
		 * Same storage: each pointer becomes its frame number, tagged
		 * if reserved.  A pinned page has a struct page, so PG_reserved
		 * is all there is to look at.
		 */
		for (i = 0; i < ret; i++)
			b->pfns[i] = page_to_pfn(pages[i]) |
				     (PageReserved(pages[i]) ? T1_PFN_RESERVED : 0);
		b->nr = ret;
		return ret;
	}

	ret = lookup_pfnmap(mm, vaddr, write, ret ? ret : -EFAULT, b->pfns,
			    want);
	if (ret <= 0)
		return ret;
	/* lookup_pfnmap() only accepts reserved frames. */
	for (i = 0; i < ret; i++)
		b->pfns[i] |= T1_PFN_RESERVED;
	b->nr = ret;
	return ret;
}

/**
 * t1_pin_one - pin the page behind one user address of a mapping
 * @map: the mapping
 * @vaddr: the address, inside @map's user range
 * @pfn: receives the frame
 *
 * Used for emulated devices, possibly from another process than the
 * owner's.  No accounting is done.
 *
 * Return: 0 or a negative errno (-ENODEV if the owner's mm is gone).
 */
int t1_pin_one(struct t1_map *map, unsigned long vaddr, unsigned long *pfn)
{
	struct t1_pin_batch b;
	long ret;

	if (!mmget_not_zero(map->mm))
		return -ENODEV;
	t1_batch_init(&b, 1);
	ret = t1_batch_fill(&b, map, map->mm, vaddr, 1);
	if (ret > 0) {
		*pfn = b.pfns[0] & ~T1_PFN_RESERVED;
		ret = 0;
	}
	t1_batch_fini(&b);
	mmput(map->mm);
	return ret;
}

/*
 * Append the frames of a freshly filled batch to the record of @map, in
 * runs of one kind, and count the pages to charge for them: those neither
 * reserved nor charged already through an emulated device's pin.  On
 * failure @b->pos is the first frame not recorded.
 */
static long record_batch(struct t1_map *map, u64 iova, struct t1_pin_batch *b)
{
	long charge = 0;
	unsigned long n;
	int ret;

	for (b->pos = 0; b->pos < b->nr; b->pos += n) {
		unsigned long pfn = b->pfns[b->pos];
		bool reserved = pfn & T1_PFN_RESERVED;

		/* The tag is in the numbers: a run is of one kind. */
		n = t1_pfn_run(b->pfns + b->pos, b->nr - b->pos);
		ret = t1_record_add(map, pfn & ~T1_PFN_RESERVED, n, reserved);
		if (ret)
			return ret;
		if (!reserved)
			charge += n - count_pinned(map, iova +
						   ((u64)b->pos << PAGE_SHIFT), n);
	}
	return charge;
}

/*
 * One step of t1_pin_map(): pin up to @want pages from page @pos of @map
 * on, record them and charge them.  Returns the pages pinned; on failure
 * the frames of @b from @b->pos on are pinned but not recorded.
 */
static long pin_batch(struct t1_map *map, struct t1_pin_batch *b,
		      unsigned long pos, unsigned long want)
{
	u64 iova = map->iova + ((u64)pos << PAGE_SHIFT);
	long nr, charge;
	int ret;

	nr = t1_batch_fill(b, map, map->mm, map->vaddr + (pos << PAGE_SHIFT),
			   want);
	if (nr < 0)
		return nr;
	charge = record_batch(map, iova, b);
	if (charge < 0)
		return charge;

	ret = t1_account(map, charge, false);
	if (ret == -ENOMEM)
		pr_warn_ratelimited("%s (%d): RLIMIT_MEMLOCK of %lu bytes reached while mapping IOVA 0x%llx\n",
				    map->task->comm, task_pid_nr(map->task),
				    task_rlimit(map->task, RLIMIT_MEMLOCK), iova);
	return ret ? ret : nr;
}

/**
 * t1_pin_map - pin the pages of a mapping into its run record
 * @map: the mapping, nothing of it pinned yet
 *
 * The first stage of making a mapping: pin a batch, record its runs,
 * charge it, until the whole user range is pinned.  Mapping the record
 * into the IOMMU domains is the second stage (t1_map_record()).  @map
 * must not be in the container's tree: it is new, or in
 * &t1_container.inflight, so this runs without the container lock.
 *
 * Return: 0, -ENOMEM when the owner's locked memory limit is reached or
 * the record cannot grow, -EFAULT for an address that cannot be pinned,
 * -ENODEV if the owner's address space is gone.  On failure nothing is
 * left pinned, recorded or charged.
 */
int t1_pin_map(struct t1_map *map)
{
	unsigned long npages = map->size >> PAGE_SHIFT, pos = 0;
	unsigned long charged = map->locked_vm;
	struct t1_pin_batch b;
	long ret = 0;

	if (!mmget_not_zero(map->mm))
		return -ENODEV;
	t1_batch_init(&b, npages);
	while (pos < npages) {
		ret = pin_batch(map, &b, pos, npages - pos);
		if (ret < 0)
			break;
		pos += ret;
		ret = 0;
		cond_resched();
	}
	if (ret) {
		/* The one unwind: what is not recorded, then the record. */
		t1_batch_drop(&b, map);
		t1_unpin_record(map, map->size);
		t1_account(map, -(long)(map->locked_vm - charged), false);
	}
	t1_batch_fini(&b);
	mmput(map->mm);
	return ret;
}

/**
 * struct unpin_walk - t1_unpin_record() in progress
 * @release: pages to release from locked_vm so far
 * @runs: runs visited
 */
struct unpin_walk {
	long release;
	unsigned long runs;
};

/* t1_record_walk() step of t1_unpin_record(). */
static int unpin_run(struct t1_map *map, u64 iova, const struct t1_run *run,
		     void *arg)
{
	struct unpin_walk *w = arg;

	w->runs++;
	if (run->reserved)
		return 0;
	unpin_user_page_range_dirty_lock(pfn_to_page(run->pfn), run->npages,
					 map->prot & IOMMU_WRITE);
	w->release += run->npages - count_pinned(map, iova, run->npages);
	return 0;
}

/**
 * t1_unpin_record - unpin what the run record of a mapping holds
 * @map: the mapping; no device may reach the pages any more
 * @bytes: unpin the runs within this many bytes from &t1_map.iova only:
 *	those past it are still mapped somewhere and stay pinned (and are
 *	forgotten, with a warning)
 *
 * Pages the device could write are marked dirty; reserved runs are
 * skipped.  The record is freed.
 *
 * Return: the pages to release from the owner's locked_vm: the unpinned
 * ones, less those still pinned (and charged) for an emulated device.
 */
long t1_unpin_record(struct t1_map *map, u64 bytes)
{
	struct unpin_walk w = {};

	t1_record_walk(map, bytes, unpin_run, &w);
	if (w.runs < map->nr_runs)
		pr_warn_ratelimited("IOMMU refused to unmap IOVA 0x%llx, its pages stay pinned\n",
				    map->iova + bytes);
	t1_record_free(map);
	return w.release;
}
