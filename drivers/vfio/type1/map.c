// SPDX-License-Identifier: GPL-2.0-only
/*
 * Type1 IOMMU backend: creating and destroying mappings.
 *
 * A struct t1_map is in the tree from the moment it is usable until it is
 * taken apart.  While the container has at least one domain,
 * &t1_map.iommu_mapped says that every page of the mapping is pinned once
 * and mapped at the same IOVA in every domain; without a domain nothing
 * is pinned for it (only emulated devices can use it, page by page).
 *
 * A mapping is made in two stages: t1_pin_map() pins the user range batch
 * by batch into the mapping's run record (physically contiguous frames of
 * one kind), charging each batch; t1_map_record() then maps the recorded
 * runs into each domain: a long run with one call, short ones up to 64
 * at a time with one iommu_map_sg() call (one IOTLB sync).  The record is
 * kept while the pages are pinned, so tearing down, or copying into a new
 * domain, is a walk over it (t1_record_walk()) and never reads
 * translations back.
 *
 * Unmapping takes mappings out of the tree and out of the IOMMU with
 * deferred-flush calls, flushes the IOTLB once per T1_ZAP_MAX mappings,
 * and only then unpins their recorded runs: a page is never unpinned
 * while a device could still reach it.  Other domains are unmapped with
 * one call each, before that.
 *
 * Everything here runs under &t1_container.lock, except pinning and
 * mapping a new mapping of 64 KiB or more, which only MAP_DMA's check
 * sees until it is mapped (&t1_container.inflight, map_new()), and, for
 * VFIO_IOMMU_UNMAP_DMA, unpinning the mappings it took out of the tree
 * (t1_zap_finish() after dropping the lock).  The other teardowns
 * (t1_destroy_all_maps(), and unpinning every mapping when the last
 * domain leaves) unpin under the lock: they run with the VFIO container's
 * rwsem held for writing, so no ioctl is waiting for it.
 */
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "type1.h"

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
static int t1_iommu_map_run(struct iommu_domain *domain, u64 iova,
			    phys_addr_t phys, u64 len, int prot)
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

/* Runs handed to iommu_map_sg() per call, at most. */
#define T1_SG_RUNS	64

/* Longer runs are mapped on their own (a scatterlist entry is 32-bit). */
#define T1_SG_RUN_MAX	SZ_1G

/**
 * struct map_walk - t1_map_record() into one domain, in progress
 * @domain: the domain
 * @sg: runs gathered for one iommu_map_sg() call, @nr of them, from IOVA
 *	@iova on; NULL to map every run with its own call
 * @cap: entries in @sg
 * @nr: entries used in @sg
 * @iova: IOVA of the first gathered run
 * @done: bytes from &t1_map.iova on mapped so far
 *
 * Discontiguous memory makes many short runs: gathering them saves the
 * IOTLB sync and the checks that each iommu_map() call makes.
 */
struct map_walk {
	struct iommu_domain *domain;
	struct scatterlist *sg;
	unsigned int cap;
	unsigned int nr;
	u64 iova;
	u64 done;
};

/* Map the gathered runs with one call. */
static int map_gathered(struct map_walk *w, int prot)
{
	ssize_t mapped;

	if (!w->nr)
		return 0;
	sg_mark_end(&w->sg[w->nr - 1]);
	mapped = iommu_map_sg(w->domain, w->iova, w->sg, w->nr,
			      prot | IOMMU_CACHE, GFP_KERNEL_ACCOUNT);
	sg_unmark_end(&w->sg[w->nr - 1]);
	w->nr = 0;
	if (mapped < 0)
		return mapped;
	w->done += mapped;
	return 0;
}

/*
 * t1_record_walk() step of map_into(): gather the run, or map it on its
 * own if it has no struct page (reserved) or is long.
 */
static int map_recorded_run(struct t1_map *map, u64 iova,
			    const struct t1_run *run, void *arg)
{
	u64 len = (u64)run->npages << PAGE_SHIFT;
	struct map_walk *w = arg;
	int ret;

	if (!w->sg || run->reserved || len > T1_SG_RUN_MAX) {
		ret = map_gathered(w, map->prot);
		if (!ret)
			ret = t1_iommu_map_run(w->domain, iova,
					       PFN_PHYS(run->pfn), len,
					       map->prot);
		if (!ret)
			w->done += len;
		return ret;
	}

	if (!w->nr)
		w->iova = iova;
	sg_set_page(&w->sg[w->nr++], pfn_to_page(run->pfn), len, 0);
	return w->nr == w->cap ? map_gathered(w, map->prot) : 0;
}

/* Map the record of @map into @domain; on failure none of it stays. */
static int map_into(struct iommu_domain *domain, struct t1_map *map,
		    struct scatterlist *sg, unsigned int cap)
{
	struct map_walk w = { .domain = domain, .sg = sg, .cap = cap };
	int ret;

	ret = t1_record_walk(map, map->size, map_recorded_run, &w);
	if (!ret)
		ret = map_gathered(&w, map->prot);
	if (ret && w.done)
		iommu_unmap(domain, map->iova, w.done);
	return ret;
}

/*
 * A scatterlist for map_into(), when the record has runs to gather and
 * huge pages are allowed (iommu_map_sg() picks the page sizes itself);
 * NULL otherwise, or if there is no memory for it: every run then gets
 * its own call.
 */
static struct scatterlist *alloc_gather(struct t1_map *map, unsigned int *cap)
{
	struct scatterlist *sg;

	*cap = min_t(unsigned long, map->nr_runs, T1_SG_RUNS);
	if (*cap < 2 || READ_ONCE(t1_disable_hugepages))
		return NULL;
	sg = kmalloc_array(*cap, sizeof(*sg), GFP_KERNEL | __GFP_NOWARN);
	if (sg)
		sg_init_table(sg, *cap);
	return sg;
}

/**
 * t1_map_record - map the run record of a mapping into the IOMMU
 * @t1: the container
 * @map: the mapping, pinned by t1_pin_map()
 * @only: map into this domain only (a new one, or a copy from the
 *	others); NULL for every domain of @t1
 *
 * The second stage of making a mapping: the recorded runs go into each
 * domain in turn, short ones gathered for iommu_map_sg(), long ones with
 * one iommu_map() call each, with the largest IOMMU pages they allow.
 *
 * Context: the VFIO container rwsem held for reading (any backend ioctl)
 * or writing, so the domains cannot change; and &t1_container.lock held,
 * unless @map is in &t1_container.inflight (map_new()), whose IOVA range
 * no other thread touches.
 *
 * Return: 0, or the IOMMU's error with nothing of @map left mapped in
 * the domains concerned.
 */
int t1_map_record(struct t1_container *t1, struct t1_map *map,
		  struct t1_domain *only)
{
	struct scatterlist *sg;
	struct t1_domain *dom;
	unsigned int cap;
	int ret = 0;

	sg = alloc_gather(map, &cap);
	if (only) {
		lockdep_assert_held(&t1->lock);	/* a domain being filled */
		ret = map_into(only->domain, map, sg, cap);
		goto out;
	}
	list_for_each_entry(dom, &t1->domains, link) {
		ret = map_into(dom->domain, map, sg, cap);
		if (ret)
			break;
	}
	if (ret)
		list_for_each_entry_continue_reverse(dom, &t1->domains, link)
			iommu_unmap(dom->domain, map->iova, map->size);
out:
	kfree(sg);
	return ret;
}

/*
 * Unmap all of @map from @only, or from every domain of @t1: the first
 * domain (or @only) with its IOTLB flush deferred into @gather, the others
 * with one call each.  Returns the domain @gather belongs to (NULL if
 * there is none) and in *@unmapped the bytes that domain took out.
 */
static struct iommu_domain *unmap_deferred(struct t1_container *t1,
					   struct t1_domain *only,
					   struct t1_map *map,
					   struct iommu_iotlb_gather *gather,
					   u64 *unmapped)
{
	struct t1_domain *first = only, *dom;
	u64 done;

	*unmapped = 0;
	if (!first) {
		first = list_first_entry_or_null(&t1->domains,
						 struct t1_domain, link);
		if (!first)
			return NULL;
		dom = first;
		list_for_each_entry_continue(dom, &t1->domains, link) {
			iommu_unmap(dom->domain, map->iova, map->size);
			cond_resched();
		}
	}

	done = iommu_unmap_fast(first->domain, map->iova, map->size, gather);
	if (done < map->size)
		done += iommu_unmap(first->domain, map->iova + done,
				    map->size - done);
	*unmapped = done;
	return first->domain;
}

/**
 * t1_unmap_unpin_from - unmap a mapping from domains and unpin it
 * @t1: the container
 * @only: the one domain the mapping is in; NULL for every domain of @t1
 * @map: the mapping, pinned and mapped in full
 *
 * One IOTLB flush, then the pages are unpinned: a page is never unpinned
 * while a device could still reach it.
 *
 * Return: the pages to release from the owner's locked_vm.
 */
long t1_unmap_unpin_from(struct t1_container *t1, struct t1_domain *only,
			 struct t1_map *map)
{
	struct iommu_iotlb_gather gather;
	struct iommu_domain *domain;
	u64 unmapped;

	iommu_iotlb_gather_init(&gather);
	domain = unmap_deferred(t1, only, map, &gather, &unmapped);
	if (domain)
		iommu_iotlb_sync(domain, &gather);
	return t1_unpin_record(map, unmapped);
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

	release = t1_unmap_unpin_from(t1, NULL, map);
	map->iommu_mapped = false;
	if (account)
		t1_account(map, -release, true);
	return release;
}

/* Take a mapping out of the tree; from here on it is private. */
static void map_unlink(struct t1_container *t1, struct t1_map *map)
{
	t1_tree_remove(&t1->maps, map);
	if (map->vaddr_invalid)
		t1->nr_vaddr_invalid--;
	t1->maps_avail++;
}

/* Free a mapping out of the tree, with nothing pinned for it. */
static void map_free(struct t1_map *map)
{
	t1_record_free(map);
	/* Both are rare; this runs once per mapping of every unmap. */
	if (!RB_EMPTY_ROOT(&map->pins))
		t1_pins_unpin_all(map);
	if (map->dirty)
		t1_dirty_free(map);
	put_task_struct(map->task);
	mmdrop(map->mm);
	kfree(map);
}

/* Mappings torn down per IOTLB flush, at most. */
#define T1_ZAP_MAX	1024

/**
 * struct t1_zap - mappings torn down together, with one IOTLB flush
 * @t1: the container
 * @gather: the flush being collected, for @domain
 * @domain: the domain @gather belongs to, once a mapping was unmapped
 * @head: mappings unmapped but not yet flushed (through @zap_next)
 * @done: mappings flushed, to unpin and free (through @zap_next)
 * @nr: entries in @head
 *
 * Three steps: t1_zap_add() takes each mapping out of the tree and the
 * IOMMU, t1_zap_flush() flushes the IOTLB once for all, both under the
 * container lock; t1_zap_finish() unpins and frees them, and needs no
 * lock since the mappings are private by then.
 */
struct t1_zap {
	struct t1_container *t1;
	struct iommu_iotlb_gather gather;
	struct iommu_domain *domain;
	struct t1_map *head;
	struct t1_map *done;
	unsigned int nr;
};

/**
 * t1_zap_init - start a teardown of several mappings
 * @zap: the teardown
 * @t1: the container, locked
 */
static void t1_zap_init(struct t1_zap *zap, struct t1_container *t1)
{
	zap->t1 = t1;
	zap->domain = NULL;
	zap->head = NULL;
	zap->done = NULL;
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
 * t1_zap_flush - flush the IOTLB for the mappings added so far
 * @zap: the teardown; its mappings move on to t1_zap_finish()
 */
static void t1_zap_flush(struct t1_zap *zap)
{
	struct t1_map *map;

	if (!zap->head)
		return;
	/*
	 * iommu_iotlb_sync() also empties the gather.  Forget the domain
	 * with it, so that a later flush only syncs a domain that a later
	 * mapping was unmapped from.  Domains cannot leave while an unmap
	 * drops the container lock in notify_pinned() (the VFIO container's
	 * rwsem keeps them), but the flush should not depend on that.
	 */
	if (zap->domain)
		iommu_iotlb_sync(zap->domain, &zap->gather);
	zap->domain = NULL;
	while ((map = zap->head)) {
		zap->head = map->zap_next;
		map->zap_next = zap->done;
		zap->done = map;
	}
	zap->nr = 0;
}

/**
 * t1_zap_finish - unpin and free the flushed mappings of a teardown
 * @zap: the teardown
 *
 * May run without the container lock.  The locked_vm charge is given
 * back once per owner rather than once per mapping: consecutive mappings
 * almost always share their owner.
 */
static void t1_zap_finish(struct t1_zap *zap)
{
	struct t1_map *map, *next, *owner = NULL;
	long pages = 0;

	/* Unpin everything, then free: @owner's mm stays referenced. */
	for (map = zap->done; map; map = map->zap_next) {
		if (!map->iommu_mapped)
			continue;
		if (owner && owner->mm != map->mm) {
			release_locked(owner->mm, owner->task, pages);
			pages = 0;
		}
		owner = map;
		pages += t1_unpin_record(map, map->zapped);
		map->iommu_mapped = false;
	}
	if (owner)
		release_locked(owner->mm, owner->task, pages);

	for (map = zap->done; map; map = next) {
		next = map->zap_next;
		map->locked_vm = 0;
		map_free(map);
	}
	zap->done = NULL;
}

/**
 * t1_zap_add - take a mapping out of the tree and the IOMMU, for later
 * @zap: the teardown
 * @map: the mapping
 *
 * Its pages are unpinned, and it is freed, by t1_zap_finish().
 */
static void t1_zap_add(struct t1_zap *zap, struct t1_map *map)
{
	struct t1_container *t1 = zap->t1;

	lockdep_assert_held(&t1->lock);
	map_unlink(t1, map);
	if (map->iommu_mapped)
		zap->domain = unmap_deferred(t1, NULL, map, &zap->gather,
					     &map->zapped);
	map->zap_next = zap->head;
	zap->head = map;
	if (++zap->nr >= T1_ZAP_MAX)
		t1_zap_flush(zap);
}

/**
 * t1_destroy_all_maps - destroy every mapping of a container
 * @t1: the container, locked
 */
void t1_destroy_all_maps(struct t1_container *t1)
{
	struct rb_node *node;
	struct t1_zap zap;

	t1_zap_init(&zap, t1);
	while ((node = rb_first(&t1->maps)))
		t1_zap_add(&zap, rb_entry(node, struct t1_map, node));
	t1_zap_flush(&zap);
	t1_zap_finish(&zap);
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

static struct t1_map *new_map(struct vfio_iommu_type1_dma_map *req, int prot)
{
	struct t1_map *map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);

	if (!map)
		return NULL;
	map->iova = req->iova;
	map->size = req->size;
	map->vaddr = req->vaddr;
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

/*
 * Whether a new mapping for @req may go into the container now: 0, or
 * the errno MAP_DMA returns.
 */
static int map_check(struct t1_container *t1,
		     const struct vfio_iommu_type1_dma_map *req)
{
	u64 pgmask = t1_min_pgsize(t1) - 1, last;

	lockdep_assert_held(&t1->lock);
	if (!req->size || ((req->size | req->iova | req->vaddr) & pgmask))
		return -EINVAL;
	last = req->iova + req->size - 1;
	if (last < req->iova || req->vaddr + req->size - 1 < req->vaddr)
		return -EINVAL;
	if (t1_tree_find(&t1->maps, req->iova, last) ||
	    t1_tree_find(&t1->inflight, req->iova, last))
		return -EEXIST;
	if (!t1->maps_avail)
		return -ENOSPC;
	if (!t1_ranges_contain(&t1->usable, req->iova, last))
		return -EINVAL;
	return 0;
}

/*
 * Map the pinned pages of @map into every domain.  On failure nothing of
 * it stays mapped, pinned or charged.
 */
static int map_pinned(struct t1_container *t1, struct t1_map *map)
{
	int ret = t1_map_record(t1, map, NULL);

	if (ret)
		t1_account(map, -t1_unpin_record(map, map->size), false);
	else
		map->iommu_mapped = true;
	return ret;
}

/*
 * Put the new mapping @map into the container: pinned and mapped in every
 * domain if there is one (@pinned then says map_new() did that), neither
 * if there is none.  On failure @map is out of the container, with
 * nothing mapped, pinned or charged, for the caller to free.
 */
static int map_publish(struct t1_container *t1, struct t1_map *map,
		       bool pinned)
{
	int ret = 0;

	lockdep_assert_held(&t1->lock);
	/*
	 * map_new() decided whether to pin by looking at the domains, and
	 * they cannot have changed since: groups join and leave the
	 * container (and SET_IOMMU and release run) with the VFIO
	 * container's rwsem, &vfio_container.lock, held for writing, while
	 * every backend ioctl, this one included, holds it for reading.
	 */
	if (WARN_ON_ONCE(list_empty(&t1->domains) == pinned)) {
		t1_unmap_unpin(t1, map, true);
		return -EBUSY;
	}

	WARN_ON_ONCE(t1_tree_insert(&t1->maps, map));	/* checked before */
	t1->maps_avail--;
	if (t1->dirty_tracking) {
		ret = t1_dirty_alloc(map, t1_min_pgsize(t1));
		if (ret) {
			t1_unmap_unpin(t1, map, true);
			map_unlink(t1, map);
		}
	}
	return ret;
}

/*
 * Below this size pinning takes little time, and doing it under the lock
 * in one pass costs less than taking the range first and publishing the
 * mapping after (map_4k_each: about 260 guest instructions a call).
 */
#define T1_PIN_UNLOCKED_MIN	SZ_64K

/* MAP_DMA of a new mapping in one pass under the container lock. */
static int map_new_locked(struct t1_container *t1,
			  struct vfio_iommu_type1_dma_map *req, int prot)
{
	bool pin = !list_empty(&t1->domains);
	struct t1_map *map;
	int ret;

	lockdep_assert_held(&t1->lock);
	ret = map_check(t1, req);
	if (ret)
		return ret;
	map = new_map(req, prot);
	if (!map)
		return -ENOMEM;
	ret = pin ? t1_pin_map(map) : 0;
	if (!ret && pin)
		ret = map_pinned(t1, map);
	if (!ret)
		ret = map_publish(t1, map, pin);
	if (ret)
		map_free(map);
	return ret;
}

/*
 * MAP_DMA of a new mapping.  Pinning and mapping into the IOMMU are most
 * of the work and need nothing of the container but its domains: they run
 * without the container lock, so that threads mapping different ranges
 * only take it briefly, twice each (the charge of each pinned batch still
 * takes the owner's mmap lock, see t1_charge_mm()).  Under the lock the request is checked and
 * its IOVA range taken (the mapping goes into &t1_container.inflight,
 * where MAP_DMA's check sees it and nothing else looks); under it again
 * the mapping moves into the container.
 *
 * Between the two, the domains cannot change: they only change when a
 * group joins or leaves, which takes &vfio_container.lock for writing,
 * and the caller holds it for reading.  No other thread maps or unmaps
 * the range in the IOMMU: a MAP_DMA overlapping it fails with -EEXIST,
 * and UNMAP_DMA, DIRTY_PAGES, vaddr updates and emulated devices see
 * only the mappings in the container.  Dirty tracking may start or stop,
 * which map_publish() looks at under the lock.
 */
static int map_new(struct t1_container *t1,
		   struct vfio_iommu_type1_dma_map *req, int prot)
{
	struct t1_map *map = NULL;
	bool pin = false;
	int ret;

	if (req->size < T1_PIN_UNLOCKED_MIN) {
		mutex_lock(&t1->lock);
		ret = map_new_locked(t1, req, prot);
		mutex_unlock(&t1->lock);
		return ret;
	}

	mutex_lock(&t1->lock);
	ret = map_check(t1, req);
	if (!ret) {
		map = new_map(req, prot);
		ret = map ? 0 : -ENOMEM;
	}
	if (!ret) {
		pin = !list_empty(&t1->domains);
		WARN_ON_ONCE(t1_tree_insert(&t1->inflight, map));
		t1->maps_avail--;
	}
	mutex_unlock(&t1->lock);
	if (ret)
		return ret;

	if (pin) {
		ret = t1_pin_map(map);
		if (!ret)
			ret = map_pinned(t1, map);
	}

	mutex_lock(&t1->lock);
	t1_tree_remove(&t1->inflight, map);
	t1->maps_avail++;
	if (!ret)
		ret = map_publish(t1, map, pin);
	mutex_unlock(&t1->lock);
	if (ret)
		map_free(map);
	return ret;
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
	if (!set_vaddr)
		return map_new(t1, req, prot);

	mutex_lock(&t1->lock);
	pgmask = t1_min_pgsize(t1) - 1;
	ret = -EINVAL;
	if (!req->size || ((req->size | req->iova | vaddr) & pgmask))
		goto out;
	last = req->iova + req->size - 1;
	if (last < req->iova || vaddr + req->size - 1 < vaddr)
		goto out;

	map = t1_tree_find(&t1->maps, req->iova, last);
	ret = update_vaddr(t1, map, req->iova, req->size, vaddr);
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
	t1_zap_finish(&zap);
	if (notify.locked)
		mutex_unlock(&t1->notify_lock);
	req->size = unmapped;
	return ret;
}
