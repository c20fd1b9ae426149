// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA windows and the TCEs in them.
 *
 * A window is an iommu_table made by the first attached group's
 * create_table op and programmed into every attached group with
 * set_window; its slot number in &spapr_ctr.win is the platform's table
 * number.  Its locked_vm charge (the size of the table itself) is kept
 * next to it so that freeing uncharges exactly what creating charged.
 *
 * A TCE is written with iommu_tce_xchg_no_kill(), which hands back the
 * entry it replaced; the page behind a replaced or cleared entry is let go
 * here (v1: unpinned; v2: its preregistered range's mapped count
 * dropped).  The table's userspace view, an array of big-endian user
 * addresses beside the TCEs, records which user page an entry maps: v2
 * needs it to find the range again on clear, and both kinds use it to
 * skip entries that were never written instead of exchanging every TCE of
 * a large window (each exchange is a hypervisor call on pseries).
 */
#include <kunit/visibility.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <asm/mmu_context.h>

#include "spapr.h"

/**
 * spapr_win_find - the window translating a bus address
 * @ctr: the container, locked
 * @iova: the bus address
 *
 * Return: the window's slot, or -1.
 */
int spapr_win_find(struct spapr_ctr *ctr, u64 iova)
{
	int i;

	for (i = 0; i < IOMMU_TABLE_GROUP_MAX_TABLES; i++) {
		struct iommu_table *tbl = ctr->win[i];
		u64 e;

		if (!tbl)
			continue;
		e = iova >> tbl->it_page_shift;
		if (e >= tbl->it_offset && e - tbl->it_offset < tbl->it_size)
			return i;
	}
	return -1;
}
EXPORT_SYMBOL_IF_KUNIT(spapr_win_find);

/* The user address recorded for @e, or NULL when the view has no leaf. */
static __be64 *spapr_view(struct iommu_table *tbl, unsigned long e,
			  bool alloc)
{
	if (!tbl->it_ops->useraddrptr)
		return NULL;
	return tbl->it_ops->useraddrptr(tbl, e, alloc);
}

/*
 * Whether the IOMMU page at @hpa is backed by one host page at least as
 * large, so the device cannot reach past what the user owns.
 */
static bool spapr_page_fits(struct spapr_ctr *ctr, unsigned long hpa,
			    unsigned int shift)
{
	unsigned long size = 0;

	if (mm_iommu_is_devmem(ctr->mm, hpa, shift, &size))
		return size == 1UL << shift;
	return page_shift(compound_head(pfn_to_page(hpa >> PAGE_SHIFT))) >=
	       shift;
}

/* Let go of what a replaced or cleared TCE at @e pointed to (@hpa). */
static void spapr_entry_drop(struct spapr_ctr *ctr, struct iommu_table *tbl,
			     unsigned long e, unsigned long hpa)
{
	__be64 *view = spapr_view(tbl, e, false);

	if (ctr->v2) {
		struct mm_iommu_table_group_mem_t *mem;
		unsigned long ua = view ? be64_to_cpu(*view) : 0;

		mem = ua ? mm_iommu_lookup(ctr->mm, ua,
					   IOMMU_PAGE_SIZE(tbl)) : NULL;
		if (mem)
			mm_iommu_mapped_dec(mem);
	} else {
		unpin_user_page(pfn_to_page(hpa >> PAGE_SHIFT));
	}
	if (view)
		*view = 0;
}

/* v1: pin the user page behind @ua for a TCE of direction @dir. */
static long spapr_v1_get(struct spapr_ctr *ctr, struct iommu_table *tbl,
			 unsigned long ua, enum dma_data_direction dir,
			 unsigned long *hpa)
{
	unsigned int gup = FOLL_LONGTERM;
	struct page *page;

	/* A device that only reads the page does not dirty it. */
	if (dir != DMA_TO_DEVICE)
		gup |= FOLL_WRITE;
	if (pin_user_pages_fast(ua & PAGE_MASK, 1, gup, &page) != 1)
		return -EFAULT;
	*hpa = page_to_phys(page) | (ua & ~PAGE_MASK);
	if (!spapr_page_fits(ctr, *hpa, tbl->it_page_shift)) {
		unpin_user_page(page);
		return -EPERM;
	}
	return 0;
}

/* v2: translate @ua through preregistered memory and count the use. */
static long spapr_v2_get(struct spapr_ctr *ctr, struct iommu_table *tbl,
			 unsigned long ua, unsigned long *hpa,
			 struct mm_iommu_table_group_mem_t **memp)
{
	long ret;

	ret = spapr_mem_translate(ctr, ua, tbl->it_page_shift, hpa, memp);
	if (ret)
		return ret;
	if (!spapr_page_fits(ctr, *hpa, tbl->it_page_shift))
		return -EPERM;
	/* Fails once the range's last registration is going away. */
	return mm_iommu_mapped_inc(*memp);
}

/**
 * spapr_tce_map - point @n TCEs from @entry at the user pages from @ua
 * @ctr: the container, locked
 * @tbl: the window; the range was checked against it
 * @entry: first TCE (in IOMMU pages, including the window's offset)
 * @ua: user address of the first IOMMU page
 * @n: number of IOMMU pages
 * @dir: DMA direction the device is allowed
 *
 * An entry already in use is replaced, as H_PUT_TCE does.  On failure the
 * entries written by this call are cleared again.
 *
 * Return: 0 or a negative errno.
 */
long spapr_tce_map(struct spapr_ctr *ctr, struct iommu_table *tbl,
		   unsigned long entry, unsigned long ua, unsigned long n,
		   enum dma_data_direction dir)
{
	unsigned long i, hpa, old;
	enum dma_data_direction olddir;
	long ret = 0;

	for (i = 0; i < n; i++, ua += IOMMU_PAGE_SIZE(tbl)) {
		struct mm_iommu_table_group_mem_t *mem = NULL;
		__be64 *view = spapr_view(tbl, entry + i, true);

		/* A whole window is a quarter million hypervisor calls. */
		cond_resched();
		/* v2 cannot find a mapping's range again without the view. */
		if (ctr->v2 && !view) {
			ret = -ENOMEM;
			break;
		}
		if (ctr->v2)
			ret = spapr_v2_get(ctr, tbl, ua, &hpa, &mem);
		else
			ret = spapr_v1_get(ctr, tbl, ua, dir, &hpa);
		if (ret)
			break;

		old = hpa;
		olddir = dir;
		ret = iommu_tce_xchg_no_kill(ctr->mm, tbl, entry + i, &old,
					     &olddir);
		/* pseries passes hypervisor return codes through. */
		if (ret > 0)
			ret = -EIO;
		if (ret) {
			if (mem)
				mm_iommu_mapped_dec(mem);
			else
				unpin_user_page(pfn_to_page(hpa >> PAGE_SHIFT));
			break;
		}
		if (olddir != DMA_NONE)
			spapr_entry_drop(ctr, tbl, entry + i, old);
		if (view)
			*view = cpu_to_be64(ua);
	}

	if (ret)
		spapr_tce_clear(ctr, tbl, entry, i);
	else
		iommu_tce_kill(tbl, entry, n);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(spapr_tce_map);

/**
 * spapr_tce_clear - clear @n TCEs from @entry and let their pages go
 * @ctr: the container, locked
 * @tbl: the window
 * @entry: first TCE
 * @n: number of TCEs
 */
void spapr_tce_clear(struct spapr_ctr *ctr, struct iommu_table *tbl,
		     unsigned long entry, unsigned long n)
{
	unsigned long e, end = entry + n, hpa;
	enum dma_data_direction dir;

	for (e = entry; e < end; e++) {
		if (tbl->it_userspace) {
			__be64 *view = spapr_view(tbl, e, false);

			/*
			 * A leaf missing from the view of a multi-level
			 * table is missing from the TCE levels too.
			 */
			if (!view) {
				if (tbl->it_indirect_levels)
					e |= tbl->it_level_size - 1;
				continue;
			}
			if (!*view)
				continue;
		}
		cond_resched();

		hpa = 0;
		dir = DMA_NONE;
		if (iommu_tce_xchg_no_kill(ctr->mm, tbl, e, &hpa, &dir))
			continue;
		if (dir != DMA_NONE)
			spapr_entry_drop(ctr, tbl, e, hpa);
	}
	iommu_tce_kill(tbl, entry, n);
}
EXPORT_SYMBOL_IF_KUNIT(spapr_tce_clear);

static void spapr_win_free(struct spapr_ctr *ctr, int num)
{
	iommu_tce_table_put(ctr->win[num]);
	ctr->win[num] = NULL;
	account_locked_vm(ctr->mm, ctr->win_charge[num], false);
}

/* Undo set_window on the groups before @stop (NULL: on all). */
static void spapr_win_unset(struct spapr_ctr *ctr, int num,
			    struct spapr_grp *stop)
{
	struct spapr_grp *g;

	list_for_each_entry(g, &ctr->groups, link) {
		if (g == stop)
			break;
		g->tg->ops->unset_window(g->tg, num);
	}
}

/**
 * spapr_win_create - a new DMA window in every attached group
 * @ctr: the container, locked, with at least one group and its mm bound
 * @page_shift: IOMMU page size, one of the platform's pgsizes
 * @size: window size in bytes
 * @levels: TCE table levels
 * @start: where the platform put the window (bus address)
 *
 * The table is charged to locked_vm before it is allocated.
 *
 * Return: 0; -ENOSPC when every slot is used; -EINVAL for a page size or
 * geometry the platform refuses; -EPERM when the platform cannot make
 * windows; -ENOMEM over RLIMIT_MEMLOCK; or the platform's error.
 */
long spapr_win_create(struct spapr_ctr *ctr, u32 page_shift, u64 size,
		      u32 levels, u64 *start)
{
	struct iommu_table_group *tg = spapr_first_tg(ctr);
	struct iommu_table *tbl = NULL;
	unsigned long bytes, pages;
	struct spapr_grp *g;
	long ret;
	int num;

	lockdep_assert_held(&ctr->lock);
	for (num = 0; num < IOMMU_TABLE_GROUP_MAX_TABLES; num++)
		if (!ctr->win[num])
			break;
	if (num == IOMMU_TABLE_GROUP_MAX_TABLES)
		return -ENOSPC;
	if (!tg)
		return -EFAULT;
	if (page_shift >= 64 || !(tg->pgsizes & (1ULL << page_shift)))
		return -EINVAL;
	if (!tg->ops->get_table_size || !tg->ops->create_table ||
	    !tg->ops->set_window || !tg->ops->unset_window)
		return -EPERM;

	bytes = tg->ops->get_table_size(page_shift, size, levels);
	if (!bytes)
		return -EINVAL;
	pages = PAGE_ALIGN(bytes) >> PAGE_SHIFT;
	ret = account_locked_vm(ctr->mm, pages, true);
	if (ret)
		return ret;

	ret = tg->ops->create_table(tg, num, page_shift, size, levels, &tbl);
	if (ret)
		goto err_uncharge;

	list_for_each_entry(g, &ctr->groups, link) {
		ret = g->tg->ops->set_window(g->tg, num, tbl);
		if (ret) {
			spapr_win_unset(ctr, num, g);
			goto err_put;
		}
	}

	ctr->win[num] = tbl;
	ctr->win_charge[num] = pages;
	*start = (u64)tbl->it_offset << tbl->it_page_shift;
	return 0;

err_put:
	iommu_tce_table_put(tbl);
err_uncharge:
	account_locked_vm(ctr->mm, pages, false);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(spapr_win_create);

/**
 * spapr_win_remove - clear and remove the window containing @start
 * @ctr: the container, locked
 * @start: a bus address in the window
 *
 * Return: 0; -EINVAL when no window contains @start; -EPERM when a group's
 * platform cannot remove windows (checked before anything is cleared).
 */
long spapr_win_remove(struct spapr_ctr *ctr, u64 start)
{
	struct iommu_table *tbl;
	struct spapr_grp *g;
	int num;

	lockdep_assert_held(&ctr->lock);
	num = spapr_win_find(ctr, start);
	if (num < 0)
		return -EINVAL;
	list_for_each_entry(g, &ctr->groups, link)
		if (!g->tg->ops->unset_window)
			return -EPERM;

	tbl = ctr->win[num];
	spapr_tce_clear(ctr, tbl, tbl->it_offset, tbl->it_size);
	spapr_win_unset(ctr, num, NULL);
	spapr_win_free(ctr, num);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(spapr_win_remove);

/**
 * spapr_win_default - recreate the 32-bit default window if still owed
 * @ctr: the container, locked, with its mm bound
 *
 * Taking a group over removes its default window; a user that neither
 * removed it nor created windows itself expects it back as reported by
 * VFIO_IOMMU_SPAPR_TCE_GET_INFO (4 KiB pages at the dma32 start).
 *
 * Return: 0 or what spapr_win_create() returned.
 */
long spapr_win_default(struct spapr_ctr *ctr)
{
	struct iommu_table_group *tg;
	u64 start;
	long ret;

	lockdep_assert_held(&ctr->lock);
	if (!ctr->default_pending)
		return 0;
	tg = spapr_first_tg(ctr);
	if (!tg)
		return -ENODEV;
	ret = spapr_win_create(ctr, IOMMU_PAGE_SHIFT_4K, tg->tce32_size, 1,
			       &start);
	if (!ret)
		ctr->default_pending = false;
	return ret;
}

/**
 * spapr_win_join - program the existing windows into a new group
 * @ctr: the container, locked
 * @tg: the group's table group
 *
 * Return: 0, or the platform's error (pseries cannot share a table
 * between groups: -EPERM) with nothing left programmed.
 */
long spapr_win_join(struct spapr_ctr *ctr, struct iommu_table_group *tg)
{
	long ret;
	int i;

	lockdep_assert_held(&ctr->lock);
	for (i = 0; i < IOMMU_TABLE_GROUP_MAX_TABLES; i++) {
		if (!ctr->win[i])
			continue;
		ret = tg->ops->set_window(tg, i, ctr->win[i]);
		if (ret)
			goto err_unset;
	}
	return 0;

err_unset:
	while (--i >= 0)
		if (ctr->win[i])
			tg->ops->unset_window(tg, i);
	return ret;
}

/**
 * spapr_win_leave - take the windows out of a departing group
 * @ctr: the container, locked; the group is no longer on its list
 * @tg: the group's table group
 * @last: no group remains
 *
 * The mappings stay for the groups that remain.  When the last one goes
 * they are cleared first, while the window still exists in the hardware
 * (pseries removes a window's TCEs with the window).
 */
void spapr_win_leave(struct spapr_ctr *ctr, struct iommu_table_group *tg,
		     bool last)
{
	int i;

	lockdep_assert_held(&ctr->lock);
	for (i = 0; i < IOMMU_TABLE_GROUP_MAX_TABLES; i++) {
		struct iommu_table *tbl = ctr->win[i];

		if (!tbl)
			continue;
		if (last)
			spapr_tce_clear(ctr, tbl, tbl->it_offset,
					tbl->it_size);
		if (tg->ops->unset_window)
			tg->ops->unset_window(tg, i);
	}
}

/**
 * spapr_win_free_all - free the windows of a container with no group left
 * @ctr: the container, locked; spapr_win_leave() cleared every TCE
 */
void spapr_win_free_all(struct spapr_ctr *ctr)
{
	int i;

	lockdep_assert_held(&ctr->lock);
	for (i = 0; i < IOMMU_TABLE_GROUP_MAX_TABLES; i++)
		if (ctr->win[i])
			spapr_win_free(ctr, i);
}
