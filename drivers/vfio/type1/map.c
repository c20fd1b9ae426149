// SPDX-License-Identifier: GPL-2.0-only
/*
 * Type1 IOMMU backend: creating and destroying mappings.
 *
 * A struct t1_map is in the tree from the moment its range is reserved
 * until it is destroyed.  While the container has at least one domain,
 * &t1_map.iommu_mapped says that every page of the mapping is pinned once
 * and mapped at the same IOVA in every domain; without a domain nothing
 * is pinned for it (only emulated devices can use it, page by page).
 *
 * Mapping walks the user range in pinned batches and hands each
 * physically contiguous run to the IOMMU in one call, carrying the last
 * run of a batch over to the next one so that a huge page split by a
 * batch boundary still becomes one run.
 *
 * Unmapping takes the runs from the mapping's run record when it covers
 * the range, and otherwise reads them back from one domain with
 * iommu_iova_to_phys(); it unmaps a whole chunk of runs with one
 * deferred-flush call, flushes the IOTLB once per chunk, and only then
 * unpins the chunk's pages: a page is never unpinned while a device could
 * still reach it.  Other domains are unmapped with one call each, before
 * that.
 *
 * Everything here runs under &t1_container.lock.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "type1.h"

/* Runs gathered per IOTLB flush when unmapping. */
#define T1_UNMAP_RUNS	1024

/*
 * Record runs only while they average at least this many pages, so the
 * record stays below 1/8 of a byte per pinned page.
 */
#define T1_RUN_MIN_AVG	128

/**
 * t1_iommu_map_run - map a physically contiguous run into one domain
 * @domain: the IOMMU domain
 * @iova: where
 * @phys: first physical address
 * @len: length in bytes
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 *
 * The IOMMU core picks the largest page sizes the run allows, unless the
 * disable_hugepages parameter restricts the domain to CPU-sized pages.
 *
 * Return: 0, or the error of iommu_map() with nothing left mapped.
 */
int t1_iommu_map_run(struct iommu_domain *domain, u64 iova, phys_addr_t phys,
		     u64 len, int prot)
{
	unsigned long small = domain->pgsize_bitmap & (PAGE_SIZE | ~PAGE_MASK);
	u64 off = 0;
	int ret;

	prot |= IOMMU_CACHE;
	if (!READ_ONCE(t1_disable_hugepages))
		return iommu_map(domain, iova, phys, len, prot,
				 GFP_KERNEL_ACCOUNT);

	while (off < len) {
		unsigned long step = t1_run_pgsize(small, iova + off,
						   phys + off, len - off);

		ret = step ? iommu_map(domain, iova + off, phys + off, step,
				       prot, GFP_KERNEL_ACCOUNT) : -EINVAL;
		if (ret) {
			if (off)
				iommu_unmap(domain, iova, off);
			return ret;
		}
		off += step;
	}
	return 0;
}

/**
 * t1_drop_runs - forget the run record of a mapping
 * @map: the mapping
 */
static void t1_drop_runs(struct t1_map *map)
{
	/* No call for the usual cases: no record, or the inline one. */
	if (map->runs && map->runs != &map->run0)
		kvfree(map->runs);
	map->runs = NULL;
	map->nr_runs = 0;
	map->max_runs = 0;
}

/**
 * t1_runs_cover - whether the run record describes a mapped prefix
 * @map: the mapping
 * @size: bytes mapped from @map->iova on
 *
 * Return: true if the recorded runs add up to exactly @size.
 */
bool t1_runs_cover(struct t1_map *map, u64 size)
{
	unsigned int i;
	u64 total = 0;

	if (!map->runs || map->runs_dropped)
		return false;
	for (i = 0; i < map->nr_runs; i++)
		total += (u64)map->runs[i].npages << PAGE_SHIFT;
	return total == size;
}

/* Append a run that was just mapped; @mapped counts pages up to its end. */
static void note_run(struct t1_map *map, unsigned long pfn,
		     unsigned long npages, unsigned long mapped)
{
	struct t1_run *runs;
	unsigned int want;

	if (map->runs_dropped)
		return;
	if (map->nr_runs >= mapped / T1_RUN_MIN_AVG + 4)
		goto drop;

	if (!map->runs) {
		map->runs = &map->run0;
		map->max_runs = 1;
	} else if (map->nr_runs == map->max_runs) {
		want = map->max_runs * 4;
		runs = kvmalloc_array(want, sizeof(*runs),
				      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!runs)
			goto drop;
		memcpy(runs, map->runs, map->nr_runs * sizeof(*runs));
		if (map->runs != &map->run0)
			kvfree(map->runs);
		map->runs = runs;
		map->max_runs = want;
	}
	map->runs[map->nr_runs].pfn = pfn;
	map->runs[map->nr_runs].npages = npages;
	map->nr_runs++;
	return;

drop:
	t1_drop_runs(map);
	map->runs_dropped = true;
}

/* Map a run into @only, or into every domain of the container. */
static int map_run(struct t1_container *t1, struct t1_domain *only,
		   struct t1_map *map, u64 iova, unsigned long pfn,
		   unsigned long npages)
{
	phys_addr_t phys = PFN_PHYS(pfn);
	u64 len = (u64)npages << PAGE_SHIFT;
	struct t1_domain *dom;
	int ret;

	if (only)
		return t1_iommu_map_run(only->domain, iova, phys, len,
					map->prot);

	list_for_each_entry(dom, &t1->domains, link) {
		ret = t1_iommu_map_run(dom->domain, iova, phys, len, map->prot);
		if (ret)
			goto undo;
	}
	return 0;

undo:
	list_for_each_entry_continue_reverse(dom, &t1->domains, link)
		iommu_unmap(dom->domain, iova, len);
	return ret;
}

/*
 * One pin-and-map walk over a mapping, as a pipeline: pin a batch of
 * pages and charge them (pin_batch()), cut the batch into physically
 * contiguous runs (map_batch()), map each run and record it
 * (flush_run()).  The last run of a batch stays pending, so that a huge
 * page split by a batch boundary still becomes one run.  Whatever is
 * pinned but not mapped when a step fails is undone in one place
 * (drop_unmapped()).
 *
 * @t1: the container
 * @only: the domain to map into, or NULL for every domain of @t1
 * @map: the mapping
 * @b: the pages pinned and charged by the last pin_batch(); those from
 *	@b.pos on are not consumed yet
 * @batch_iova: IOVA of the first page of @b
 * @run_iova: IOVA of @run: everything before it is mapped and recorded
 * @run: pinned and charged but not mapped yet (none when @run.npages
 *	is 0)
 */
struct pin_walk {
	struct t1_container *t1;
	struct t1_domain *only;
	struct t1_map *map;
	struct t1_pin_batch b;
	u64 batch_iova;
	u64 run_iova;
	struct t1_run run;
};

/* Pin @want pages from page @pos of the mapping on, and charge them. */
static long pin_batch(struct pin_walk *w, unsigned long pos,
		      unsigned long want)
{
	struct t1_map *map = w->map;
	long nr, charge;
	int ret;

	w->batch_iova = map->iova + ((u64)pos << PAGE_SHIFT);
	nr = t1_batch_fill(&w->b, map, map->mm,
			   map->vaddr + (pos << PAGE_SHIFT), want);
	if (nr < 0)
		return nr;

	charge = t1_pages_to_charge(map, w->batch_iova, w->b.pfns, nr);
	ret = t1_account(map, charge, false);
	if (ret) {
		if (ret == -ENOMEM)
			pr_warn_ratelimited("%s (%d): RLIMIT_MEMLOCK of %lu bytes reached while mapping IOVA 0x%llx\n",
					    map->task->comm,
					    task_pid_nr(map->task),
					    task_rlimit(map->task,
							RLIMIT_MEMLOCK),
					    w->batch_iova);
		t1_batch_drop(&w->b, map);
		return ret;
	}
	return nr;
}

/* Map the pending run and record it; no run is pending afterwards. */
static int flush_run(struct pin_walk *w)
{
	struct t1_map *map = w->map;
	int ret;

	if (!w->run.npages)
		return 0;
	ret = map_run(w->t1, w->only, map, w->run_iova, w->run.pfn,
		      w->run.npages);
	if (ret)
		return ret;
	w->run_iova += (u64)w->run.npages << PAGE_SHIFT;
	note_run(map, w->run.pfn, w->run.npages,
		 (w->run_iova - map->iova) >> PAGE_SHIFT);
	w->run.npages = 0;
	return 0;
}

/*
 * Consume the batch run by run: pages that continue the pending run
 * extend it, any other run first flushes the pending one and replaces it.
 */
static int map_batch(struct pin_walk *w)
{
	struct t1_pin_batch *b = &w->b;
	int ret;

	while (b->pos < b->nr) {
		unsigned long len = t1_pfn_run(b->pfns + b->pos,
					       b->nr - b->pos);
		unsigned long pfn = b->pfns[b->pos];

		if (w->run.npages && pfn == w->run.pfn + w->run.npages) {
			w->run.npages += len;
		} else {
			ret = flush_run(w);
			if (ret)
				return ret;
			w->run.pfn = pfn;
			w->run.npages = len;
		}
		b->pos += len;
	}
	return 0;
}

/*
 * Pinned and charged but not mapped: the pending run and the unconsumed
 * part of the batch.  Unpin them and give the charge back.
 */
static void drop_unmapped(struct pin_walk *w)
{
	struct t1_map *map = w->map;
	struct t1_pin_batch *b = &w->b;
	long release = 0;

	if (b->pos < b->nr) {
		release += t1_pages_to_charge(map, w->batch_iova +
					      ((u64)b->pos << PAGE_SHIFT),
					      b->pfns + b->pos, b->nr - b->pos);
		t1_batch_drop(b, map);
	}
	if (w->run.npages)
		release += t1_unpin_run(map, w->run_iova, w->run.pfn,
					w->run.npages);
	w->run.npages = 0;
	t1_account(map, -release, false);
}

/**
 * t1_pin_and_map - pin a whole mapping and map it
 * @t1: the container
 * @map: the mapping, nothing of it pinned yet
 * @only: map into this domain only; NULL for every domain of @t1
 * @done: receives how many bytes from @map->iova on are pinned, charged
 *	and mapped, also on failure
 *
 * On failure the bytes past *@done are neither pinned nor mapped; the
 * caller undoes the first *@done bytes.
 *
 * Return: 0, -ENOMEM when the owner's locked memory limit is reached,
 * -EFAULT for an address that cannot be pinned, or an IOMMU error.
 */
int t1_pin_and_map(struct t1_container *t1, struct t1_map *map,
		   struct t1_domain *only, u64 *done)
{
	unsigned long npages = map->size >> PAGE_SHIFT, pos = 0;
	struct pin_walk w = {
		.t1 = t1, .only = only, .map = map,
		.batch_iova = map->iova, .run_iova = map->iova,
	};
	int ret = 0;

	lockdep_assert_held(&t1->lock);
	*done = 0;
	if (!mmget_not_zero(map->mm))
		return -ENODEV;
	t1_batch_init(&w.b, npages);
	t1_drop_runs(map);
	map->runs_dropped = false;

	while (!ret && pos < npages) {
		long nr = pin_batch(&w, pos, npages - pos);

		if (nr < 0) {
			ret = nr;
			break;
		}
		ret = map_batch(&w);
		pos += nr;
		cond_resched();
	}
	if (!ret)
		ret = flush_run(&w);
	if (ret)
		drop_unmapped(&w);

	*done = w.run_iova - map->iova;
	t1_batch_fini(&w.b);
	mmput(map->mm);
	return ret;
}

/**
 * t1_read_runs - read runs of a mapping back from a domain
 * @domain: the domain holding the translations
 * @iova: first IOVA, page aligned
 * @size: bytes to read at most
 * @runs: receives the runs, in IOVA order
 * @cap: entries in @runs
 * @covered: receives the bytes the runs cover
 *
 * For when the mapping's run record does not cover what is wanted: each
 * page's translation is looked up with iommu_iova_to_phys(), once.  Stops
 * before an untranslated page.
 *
 * Return: the number of runs read.
 */
unsigned int t1_read_runs(struct iommu_domain *domain, u64 iova, u64 size,
			  struct t1_run *runs, unsigned int cap, u64 *covered)
{
	phys_addr_t phys, next = iommu_iova_to_phys(domain, iova);
	unsigned int nr = 0;
	u64 off = 0, len;

	while (off < size && nr < cap && next) {
		phys = next;
		for (len = PAGE_SIZE; off + len < size; len += PAGE_SIZE) {
			next = iommu_iova_to_phys(domain, iova + off + len);
			if (next != phys + len)
				break;
		}
		runs[nr].pfn = PHYS_PFN(phys);
		runs[nr].npages = len >> PAGE_SHIFT;
		nr++;
		off += len;
	}
	*covered = off;
	return nr;
}

/* Unmap what the run record covers, deferring the IOTLB flush. */
static u64 unmap_recorded(struct iommu_domain *domain, u64 start, u64 size,
			  struct iommu_iotlb_gather *gather)
{
	u64 unmapped = iommu_unmap_fast(domain, start, size, gather);

	if (unmapped < size)
		unmapped += iommu_unmap(domain, start + unmapped,
					size - unmapped);
	return unmapped;
}

/* After the flush: unpin the recorded runs within @unmapped bytes. */
static long unpin_recorded(struct t1_map *map, u64 start, u64 unmapped)
{
	long release = 0;
	unsigned int i;
	u64 pos = 0;

	for (i = 0; i < map->nr_runs; i++) {
		u64 bytes = (u64)map->runs[i].npages << PAGE_SHIFT;

		if (pos + bytes > unmapped) {
			pr_warn_ratelimited("IOMMU refused to unmap IOVA 0x%llx, its pages stay pinned\n",
					    start + pos);
			break;
		}
		release += t1_unpin_run(map, start + pos, map->runs[i].pfn,
					map->runs[i].npages);
		pos += bytes;
		if (!(i % 64))
			cond_resched();
	}
	t1_drop_runs(map);
	return release;
}

/* Teardown from the run record: one unmap, one flush, then unpin. */
static long unmap_unpin_recorded(struct iommu_domain *domain,
				 struct t1_map *map, u64 start, u64 size)
{
	struct iommu_iotlb_gather gather;
	u64 unmapped;

	iommu_iotlb_gather_init(&gather);
	unmapped = unmap_recorded(domain, start, size, &gather);
	iommu_iotlb_sync(domain, &gather);
	return unpin_recorded(map, start, unmapped);
}

/**
 * t1_domain_unmap_unpin - unmap part of a mapping from a domain, and unpin
 * @dom: the domain holding the translations (the only one still mapping
 *	the range)
 * @map: the mapping
 * @start: first IOVA, page aligned
 * @size: bytes, page aligned
 *
 * Return: pages to release from the owner's locked_vm.
 */
long t1_domain_unmap_unpin(struct t1_domain *dom, struct t1_map *map,
			   u64 start, u64 size)
{
	struct iommu_domain *domain = dom->domain;
	struct t1_run small[8], *runs = small;
	unsigned int cap = ARRAY_SIZE(small);
	struct iommu_iotlb_gather gather;
	long release = 0;
	u64 off = 0;

	if (start == map->iova && t1_runs_cover(map, size))
		return unmap_unpin_recorded(domain, map, start, size);
	t1_drop_runs(map);

	if (size > (u64)cap << PAGE_SHIFT) {
		runs = kmalloc_array(T1_UNMAP_RUNS, sizeof(*runs),
				     GFP_KERNEL | __GFP_NOWARN);
		if (runs)
			cap = T1_UNMAP_RUNS;
		else
			runs = small;
	}

	iommu_iotlb_gather_init(&gather);
	while (off < size) {
		u64 chunk = start + off, len, unmapped, pos;
		unsigned int nr, i;

		nr = t1_read_runs(domain, chunk, size - off, runs, cap, &len);
		if (!nr) {
			/* Nothing mapped here: a bug elsewhere, but go on. */
			pr_warn_ratelimited("IOVA 0x%llx of a mapping is not mapped\n",
					    chunk);
			off += PAGE_SIZE;
			continue;
		}

		unmapped = iommu_unmap_fast(domain, chunk, len, &gather);
		if (unmapped < len)
			unmapped += iommu_unmap(domain, chunk + unmapped,
						len - unmapped);
		iommu_iotlb_sync(domain, &gather);

		pos = 0;
		for (i = 0; i < nr; i++) {
			u64 bytes = (u64)runs[i].npages << PAGE_SHIFT;

			/* Still mapped: leave it pinned rather than unsafe. */
			if (pos + bytes > unmapped) {
				pr_warn_ratelimited("IOMMU refused to unmap IOVA 0x%llx, its pages stay pinned\n",
						    chunk + pos);
				break;
			}
			release += t1_unpin_run(map, chunk + pos, runs[i].pfn,
						runs[i].npages);
			pos += bytes;
		}
		off += len;
		cond_resched();
	}

	if (runs != small)
		kfree(runs);
	return release;
}

/* Unmap [start, start + size) of @map from all domains and unpin it. */
static long unmap_unpin_range(struct t1_container *t1, struct t1_map *map,
			      u64 start, u64 size)
{
	struct t1_domain *walk, *dom;

	if (!size || list_empty(&t1->domains))
		return 0;

	walk = list_first_entry(&t1->domains, struct t1_domain, link);
	dom = walk;
	list_for_each_entry_continue(dom, &t1->domains, link) {
		iommu_unmap(dom->domain, start, size);
		cond_resched();
	}
	return t1_domain_unmap_unpin(walk, map, start, size);
}

/**
 * t1_unmap_unpin - take a mapping out of every domain and unpin it
 * @t1: the container
 * @map: the mapping; stays in the tree
 * @account: also release the pages from the owner's locked_vm
 *
 * Return: the pages that were released or are to be released.
 */
long t1_unmap_unpin(struct t1_container *t1, struct t1_map *map,
		    bool account)
{
	long release;

	lockdep_assert_held(&t1->lock);
	if (!map->iommu_mapped)
		return 0;

	release = unmap_unpin_range(t1, map, map->iova, map->size);
	map->iommu_mapped = false;
	if (account)
		t1_account(map, -release, true);
	return release;
}

/* Free a mapping already out of the tree and of the IOMMU. */
static void map_free(struct t1_container *t1, struct t1_map *map)
{
	t1_drop_runs(map);
	/* Both are rare; this runs once per mapping of every unmap. */
	if (!RB_EMPTY_ROOT(&map->pins))
		t1_pins_unpin_all(map);
	if (map->dirty)
		t1_dirty_free(map);
	if (map->vaddr_invalid)
		t1->nr_vaddr_invalid--;
	put_task_struct(map->task);
	mmdrop(map->mm);
	kfree(map);
	t1->maps_avail++;
}

/**
 * t1_map_destroy - unmap, unpin and free a mapping
 * @t1: the container
 * @map: the mapping, in @t1's tree
 */
static void t1_map_destroy(struct t1_container *t1, struct t1_map *map)
{
	lockdep_assert_held(&t1->lock);

	t1_unmap_unpin(t1, map, true);
	t1_tree_remove(&t1->maps, map);
	map_free(t1, map);
}

/* Mappings torn down per IOTLB flush, at most. */
#define T1_ZAP_MAX	1024

/**
 * struct t1_zap - mappings torn down together, with one IOTLB flush
 * @t1: the container
 * @gather: the flush being collected, for the first domain
 * @head: mappings unmapped but not yet unpinned (through @zap_next)
 * @nr: entries in @head
 */
struct t1_zap {
	struct t1_container *t1;
	struct iommu_iotlb_gather gather;
	struct t1_map *head;
	unsigned int nr;
};

/**
 * t1_zap_init - start a teardown of several mappings
 * @zap: the teardown
 * @t1: the container, locked until t1_zap_flush()
 */
static void t1_zap_init(struct t1_zap *zap, struct t1_container *t1)
{
	zap->t1 = t1;
	zap->head = NULL;
	zap->nr = 0;
	iommu_iotlb_gather_init(&zap->gather);
}

/* Give back @pages of locked_vm to @mm, if it still exists. */
static void release_locked(struct mm_struct *mm, struct task_struct *task,
			   long pages)
{
	if (!pages || !mmget_not_zero(mm))
		return;
	t1_charge_mm(mm, task, false, -pages);
	mmput(mm);
}

/**
 * t1_zap_flush - finish a teardown: flush the IOTLB, unpin and free
 * @zap: the teardown, empty afterwards
 *
 * The locked_vm charge is given back once per owner rather than once per
 * mapping: consecutive mappings almost always share their owner.
 */
static void t1_zap_flush(struct t1_zap *zap)
{
	struct t1_container *t1 = zap->t1;
	struct t1_map *map, *next, *owner = NULL;
	struct t1_domain *walk;
	long pages = 0;

	if (!zap->nr)
		return;
	walk = list_first_entry_or_null(&t1->domains, struct t1_domain, link);
	if (walk)
		iommu_iotlb_sync(walk->domain, &zap->gather);

	/* Unpin everything, then free: @owner's mm stays referenced. */
	for (map = zap->head; map; map = map->zap_next) {
		if (!map->iommu_mapped)
			continue;
		if (owner && owner->mm != map->mm) {
			release_locked(owner->mm, owner->task, pages);
			pages = 0;
		}
		owner = map;
		pages += unpin_recorded(map, map->iova, map->zapped);
		map->iommu_mapped = false;
	}
	if (owner)
		release_locked(owner->mm, owner->task, pages);

	for (map = zap->head; map; map = next) {
		next = map->zap_next;
		map->locked_vm = 0;
		map_free(t1, map);
	}
	zap->head = NULL;
	zap->nr = 0;
}

/**
 * t1_zap_add - take a mapping out of the tree and the IOMMU, for later
 * @zap: the teardown
 * @map: the mapping
 *
 * Its pages are unpinned, and it is freed, by t1_zap_flush().  Mappings
 * without a run record are destroyed right away instead.
 */
static void t1_zap_add(struct t1_zap *zap, struct t1_map *map)
{
	struct t1_container *t1 = zap->t1;
	struct t1_domain *walk, *dom;

	lockdep_assert_held(&t1->lock);
	if (map->iommu_mapped && !t1_runs_cover(map, map->size)) {
		t1_map_destroy(t1, map);
		return;
	}

	t1_tree_remove(&t1->maps, map);
	if (map->iommu_mapped) {
		walk = list_first_entry(&t1->domains, struct t1_domain, link);
		dom = walk;
		list_for_each_entry_continue(dom, &t1->domains, link)
			iommu_unmap(dom->domain, map->iova, map->size);
		map->zapped = unmap_recorded(walk->domain, map->iova,
					     map->size, &zap->gather);
	}
	map->zap_next = zap->head;
	zap->head = map;
	if (++zap->nr >= T1_ZAP_MAX)
		t1_zap_flush(zap);
}

/**
 * t1_destroy_all_maps - destroy every mapping of a container
 * @t1: the container
 */
void t1_destroy_all_maps(struct t1_container *t1)
{
	struct rb_node *node;
	struct t1_zap zap;

	t1_zap_init(&zap, t1);
	while ((node = rb_first(&t1->maps)))
		t1_zap_add(&zap, rb_entry(node, struct t1_map, node));
	t1_zap_flush(&zap);
}

/*
 * VFIO_DMA_MAP_FLAG_VADDR: the process (possibly a new one after exec)
 * gives the user address of a mapping whose address was invalidated.  The
 * charge for the pinned pages moves to the caller's mm if it changed.
 */
static int change_owner(struct t1_map *map)
{
	struct task_struct *task = current->group_leader;
	struct mm_struct *mm = current->mm;
	bool lock_cap;
	int ret;

	if (mm == map->mm)
		return 0;

	lock_cap = capable(CAP_IPC_LOCK);
	ret = t1_charge_mm(mm, task, lock_cap, map->locked_vm);
	if (ret)
		return ret;
	if (mmget_not_zero(map->mm)) {
		t1_charge_mm(map->mm, map->task, map->lock_cap,
			     -(long)map->locked_vm);
		mmput(map->mm);
	}

	if (map->task != task) {
		put_task_struct(map->task);
		map->task = get_task_struct(task);
	}
	mmdrop(map->mm);
	map->mm = mm;
	mmgrab(mm);
	map->lock_cap = lock_cap;
	return 0;
}

static int update_vaddr(struct t1_container *t1, struct t1_map *map,
			u64 iova, u64 size, unsigned long vaddr)
{
	int ret;

	if (!map)
		return -ENOENT;
	if (!map->vaddr_invalid || map->iova != iova || map->size != size)
		return -EINVAL;

	ret = change_owner(map);
	if (ret)
		return ret;
	map->vaddr = vaddr;
	map->vaddr_invalid = false;
	t1->nr_vaddr_invalid--;
	return 0;
}

static struct t1_map *new_map(u64 iova, u64 size, unsigned long vaddr,
			      int prot)
{
	struct t1_map *map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);

	if (!map)
		return NULL;
	map->iova = iova;
	map->size = size;
	map->vaddr = vaddr;
	map->prot = prot;
	map->pins = RB_ROOT;
	/*
	 * The thread group leader is charged, so that every thread of the
	 * process shares one limit; the mm is kept (not its pages) so that
	 * the charge can be released after the process exits.
	 */
	map->task = get_task_struct(current->group_leader);
	map->lock_cap = capable(CAP_IPC_LOCK);
	map->mm = current->mm;
	mmgrab(map->mm);
	return map;
}

/**
 * t1_map_dma - VFIO_IOMMU_MAP_DMA
 * @t1: the container
 * @req: the user's request, flags already checked against the known ones
 *
 * Return: 0 or a negative errno; on failure nothing is left pinned,
 * charged or mapped.
 */
int t1_map_dma(struct t1_container *t1, struct vfio_iommu_type1_dma_map *req)
{
	bool set_vaddr = req->flags & VFIO_DMA_MAP_FLAG_VADDR;
	unsigned long vaddr = req->vaddr;
	struct t1_map *map;
	int prot = 0, ret;
	u64 pgmask, last;

	if (req->vaddr != vaddr || req->size != (size_t)req->size)
		return -EINVAL;
	if (req->flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (req->flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	/* Either a new mapping with access rights, or a new address. */
	if (!prot == !set_vaddr)
		return -EINVAL;

	mutex_lock(&t1->lock);
	pgmask = t1_min_pgsize(t1) - 1;
	ret = -EINVAL;
	if (!req->size || ((req->size | req->iova | vaddr) & pgmask))
		goto out;
	last = req->iova + req->size - 1;
	if (last < req->iova || vaddr + req->size - 1 < vaddr)
		goto out;

	map = t1_tree_find(&t1->maps, req->iova, last);
	if (set_vaddr) {
		ret = update_vaddr(t1, map, req->iova, req->size, vaddr);
		goto out;
	}
	ret = -EEXIST;
	if (map)
		goto out;
	ret = -ENOSPC;
	if (!t1->maps_avail)
		goto out;
	ret = -EINVAL;
	if (!t1_ranges_contain(&t1->usable, req->iova, last))
		goto out;

	ret = -ENOMEM;
	map = new_map(req->iova, req->size, vaddr, prot);
	if (!map)
		goto out;
	t1_tree_insert(&t1->maps, map);
	t1->maps_avail--;

	ret = 0;
	if (!list_empty(&t1->domains)) {
		u64 done;

		ret = t1_pin_and_map(t1, map, NULL, &done);
		if (ret) {
			long release = unmap_unpin_range(t1, map, map->iova,
							 done);

			t1_account(map, -release, false);
			t1_map_destroy(t1, map);
			goto out;
		}
		map->iommu_mapped = true;
	}

	if (t1->dirty_tracking) {
		ret = t1_dirty_alloc(map, pgmask + 1);
		if (ret)
			t1_map_destroy(t1, map);
	}
out:
	mutex_unlock(&t1->lock);
	return ret;
}

/* VFIO_DMA_UNMAP_FLAG_VADDR over the span starting at @first. */
static int invalidate_vaddr(struct t1_container *t1, struct t1_map *first,
			    u64 last, u64 *unmapped)
{
	struct t1_map *map, *undo;

	for (map = first; map; map = t1_tree_unmap_next(map, last)) {
		if (map->vaddr_invalid)
			goto revert;
		map->vaddr_invalid = true;
		t1->nr_vaddr_invalid++;
		*unmapped += map->size;
	}
	return 0;

revert:
	for (undo = first; undo != map;
	     undo = t1_tree_unmap_next(undo, last)) {
		undo->vaddr_invalid = false;
		t1->nr_vaddr_invalid--;
	}
	*unmapped = 0;
	return -EINVAL;
}

/*
 * Give up on a mapping that emulated devices keep pinned after being told
 * to unpin it this many times in a row.
 */
#define T1_NOTIFY_RETRIES	10

/*
 * Check an unmap request against the container.  On success *@last is
 * the last IOVA the request covers.
 */
static int unmap_check(struct t1_container *t1,
		       const struct vfio_iommu_type1_dma_unmap *req,
		       const struct vfio_bitmap *bitmap, u64 *last)
{
	bool dirty = req->flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	u64 pgmask;

	/* Emulated devices pin through the user address at any time. */
	if ((req->flags & VFIO_DMA_UNMAP_FLAG_VADDR) &&
	    !list_empty(&t1->emulated_groups))
		return -EBUSY;

	pgmask = t1_min_pgsize(t1) - 1;
	if (req->iova & pgmask)
		return -EINVAL;
	if (req->flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (req->iova || req->size)
			return -EINVAL;
		*last = U64_MAX;
	} else {
		if (!req->size || (req->size & pgmask))
			return -EINVAL;
		*last = req->iova + req->size - 1;
		if (*last < req->iova || req->size != (size_t)req->size)
			return -EINVAL;
	}
	if (dirty && (!t1->dirty_tracking || bitmap->pgsize != pgmask + 1))
		return -EINVAL;
	return 0;
}

/**
 * struct unmap_notify - telling emulated devices to unpin before an unmap
 * @map: the mapping notified last
 * @retries: how many times in a row @map was notified
 * @locked: &t1_container.notify_lock is held
 */
struct unmap_notify {
	struct t1_map *map;
	unsigned int retries;
	bool locked;
};

/*
 * @map has pages pinned by emulated devices: flush the queued teardown,
 * drop the container lock and have the devices unpin (they call back into
 * t1_unpin_pages()), then take the lock again; the caller must look the
 * range up anew.  notify_lock is only needed for this; it is taken the
 * first time (after dropping the container lock, to keep the lock order)
 * and then held until the unmap ends.  Unmaps of unpinned mappings never
 * touch it.
 */
static int notify_pinned(struct t1_container *t1, struct t1_map *map,
			 struct t1_zap *zap, struct unmap_notify *n)
{
	u64 iova = map->iova, size = map->size;

	if (map != n->map) {
		n->map = map;
		n->retries = 0;
	} else if (++n->retries > T1_NOTIFY_RETRIES) {
		pr_warn_ratelimited("emulated device keeps IOVA 0x%llx pinned, unmap refused\n",
				    iova);
		return -EBUSY;
	}
	t1_zap_flush(zap);
	mutex_unlock(&t1->lock);
	if (!n->locked) {
		mutex_lock(&t1->notify_lock);
		n->locked = true;
	}
	t1_notify_unmap(t1, iova, size);
	mutex_lock(&t1->lock);
	return 0;
}

/**
 * t1_unmap_dma - VFIO_IOMMU_UNMAP_DMA
 * @t1: the container
 * @req: the request; @req->size is set to the number of bytes unmapped
 * @bitmap: where to report dirty pages with
 *	VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, checked by the caller
 *
 * Return: 0 or a negative errno.
 */
int t1_unmap_dma(struct t1_container *t1,
		 struct vfio_iommu_type1_dma_unmap *req,
		 struct vfio_bitmap *bitmap)
{
	bool dirty = req->flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	struct unmap_notify notify = {};
	struct t1_map *map, *next;
	u64 last, unmapped = 0;
	struct t1_zap zap;
	int ret;

	mutex_lock(&t1->lock);
	t1_zap_init(&zap, t1);
	ret = unmap_check(t1, req, bitmap, &last);
	if (ret)
		goto out;

again:
	ret = t1_tree_unmap_span(&t1->maps, req->iova, last, t1->v2, &map);
	if (ret || !map)
		goto out;

	if (req->flags & VFIO_DMA_UNMAP_FLAG_VADDR) {
		ret = invalidate_vaddr(t1, map, last, &unmapped);
		goto out;
	}

	for (; map; map = next) {
		next = t1_tree_unmap_next(map, last);

		if (!RB_EMPTY_ROOT(&map->pins)) {
			ret = notify_pinned(t1, map, &zap, &notify);
			if (ret)
				goto out;
			goto again;
		}
		if (dirty) {
			ret = t1_dirty_report_map(t1, map, req->iova,
						  bitmap->data);
			if (ret)
				goto out;
		}
		unmapped += map->size;
		t1_zap_add(&zap, map);
	}
out:
	t1_zap_flush(&zap);
	mutex_unlock(&t1->lock);
	if (notify.locked)
		mutex_unlock(&t1->notify_lock);
	req->size = unmapped;
	return ret;
}
