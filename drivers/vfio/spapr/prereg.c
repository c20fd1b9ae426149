// SPDX-License-Identifier: GPL-2.0-only
/*
 * v2 memory preregistration: VFIO_IOMMU_SPAPR_REGISTER_MEMORY and
 * VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY.
 *
 * The powerpc mm_iommu API keeps, per mm, a list of user ranges pinned and
 * charged to locked_vm once, however many containers (or KVM TCE tables)
 * use them.  A v2 map only looks the user address up in that list, so
 * the hot path neither pins nor accounts.  The API also counts the TCEs
 * that point into a range, and refuses to drop its last use while any
 * does: that is what makes unregistering mapped memory fail with EBUSY.
 */
#include <kunit/visibility.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/mmu_context.h>

#include "spapr.h"

static struct spapr_region *spapr_region_of(struct spapr_ctr *ctr,
					    struct mm_iommu_table_group_mem_t *mem)
{
	struct spapr_region *r;

	list_for_each_entry(r, &ctr->regions, link)
		if (r->mem == mem)
			return r;
	return NULL;
}

static bool spapr_range_ok(u64 ua, u64 size)
{
	return !((ua | size) & ~PAGE_MASK) && ua + size >= ua;
}

/**
 * spapr_mem_register - VFIO_IOMMU_SPAPR_REGISTER_MEMORY
 * @ctr: the container, locked, with its mm bound
 * @ua: page-aligned start of the user range
 * @size: page-aligned length
 *
 * A range another container of the same mm registered already is shared
 * with it (and not charged again); the same range twice in one container
 * is -EBUSY.
 *
 * Return: 0 or a negative errno (-ENOMEM beyond RLIMIT_MEMLOCK or beyond
 * the memory there is).
 */
long spapr_mem_register(struct spapr_ctr *ctr, u64 ua, u64 size)
{
	unsigned long npages = size >> PAGE_SHIFT;
	struct mm_iommu_table_group_mem_t *mem;
	struct spapr_region *r;
	long ret;

	lockdep_assert_held(&ctr->lock);
	if (!spapr_range_ok(ua, size) || !size)
		return -EINVAL;
	/*
	 * More than memory can never be pinned; mm_iommu would find out only
	 * after a failed (and loudly reported) allocation of its page array.
	 */
	if (npages > totalram_pages())
		return -ENOMEM;

	/* An existing identical range: the reference taken here is ours. */
	mem = mm_iommu_get(ctr->mm, ua, npages);
	if (mem) {
		if (spapr_region_of(ctr, mem)) {
			ret = -EBUSY;
			goto err_put;
		}
	} else {
		ret = mm_iommu_new(ctr->mm, ua, npages, &mem);
		if (ret)
			return ret;
	}

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r) {
		ret = -ENOMEM;
		goto err_put;
	}
	r->mem = mem;
	list_add_tail(&r->link, &ctr->regions);
	ctr->enabled = true;
	return 0;

err_put:
	mm_iommu_put(ctr->mm, mem);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(spapr_mem_register);

/**
 * spapr_mem_unregister - VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY
 * @ctr: the container, locked, with its mm bound
 * @ua: start, as registered
 * @size: length, as registered
 *
 * Return: 0; -EINVAL for a misaligned range; -ENOENT when this container
 * did not register exactly this range; -EBUSY while TCEs still point into
 * it and no other user keeps it registered.
 */
long spapr_mem_unregister(struct spapr_ctr *ctr, u64 ua, u64 size)
{
	struct mm_iommu_table_group_mem_t *mem;
	struct spapr_region *r;
	long ret;

	lockdep_assert_held(&ctr->lock);
	if (!spapr_range_ok(ua, size))
		return -EINVAL;

	mem = mm_iommu_get(ctr->mm, ua, size >> PAGE_SHIFT);
	if (!mem)
		return -ENOENT;
	r = spapr_region_of(ctr, mem);
	/*
	 * Drop the lookup's reference first: the mapped check of the API only
	 * runs when the last use goes, and that must be the container's one.
	 */
	mm_iommu_put(ctr->mm, mem);
	if (!r)
		return -ENOENT;
	ret = mm_iommu_put(ctr->mm, mem);
	if (!ret) {
		list_del(&r->link);
		kfree(r);
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(spapr_mem_unregister);

/**
 * spapr_mem_release_all - drop every registration of a dying container
 * @ctr: the container; its windows are already gone, so nothing is mapped
 */
void spapr_mem_release_all(struct spapr_ctr *ctr)
{
	struct spapr_region *r, *next;

	list_for_each_entry_safe(r, next, &ctr->regions, link) {
		/* The windows were cleared: a failure is a leak of ours. */
		WARN_ON_ONCE(mm_iommu_put(ctr->mm, r->mem));
		list_del(&r->link);
		kfree(r);
	}
}

/**
 * spapr_mem_translate - host address of a preregistered user page
 * @ctr: the container
 * @ua: user address of an IOMMU page
 * @shift: the IOMMU page shift; the page must lie in one registered range
 *	whose pinned pages are at least that large
 * @hpa: the host physical address, with @ua's offset in the system page
 * @memp: the range it was found in
 *
 * Return: 0, or -EINVAL when @ua is not registered memory that fits.
 */
long spapr_mem_translate(struct spapr_ctr *ctr, unsigned long ua,
			 unsigned int shift, unsigned long *hpa,
			 struct mm_iommu_table_group_mem_t **memp)
{
	struct mm_iommu_table_group_mem_t *mem;

	mem = mm_iommu_lookup(ctr->mm, ua, 1UL << shift);
	if (!mem || mm_iommu_ua_to_hpa(mem, ua, shift, hpa))
		return -EINVAL;
	*memp = mem;
	return 0;
}
