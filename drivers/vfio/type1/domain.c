// SPDX-License-Identifier: GPL-2.0-only
/*
 * Type1 IOMMU backend: groups and IOMMU domains.
 *
 * Each group of a real IOMMU is attached to a struct t1_domain.  Groups
 * behind the same IOMMU driver with the same cache coherency enforcement
 * share a domain when the driver accepts it, so each page is mapped in
 * as few page tables as possible; a group the existing domains cannot take
 * gets a new domain, into which every existing mapping is replayed.
 *
 * The usable IOVA space, &t1_container.usable, is recomputed whenever the
 * set of groups changes: the intersection of the apertures of all domains
 * (&t1_container.aperture) minus the reserved regions of all their groups
 * (the x86 MSI window, RMRRs, ...).  A group whose aperture or reserved
 * regions collide with an existing mapping is refused.
 *
 * Emulated groups have no domain: they are only listed, so that pinning
 * through them is allowed and their dirty tracking scope is known.
 */
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "type1.h"

/* Reserved regions that restrict the IOVA; relaxable ones do not. */
static bool region_blocks_iova(const struct iommu_resv_region *region)
{
	return region->type != IOMMU_RESV_DIRECT_RELAXABLE && region->length;
}

static void free_regions(struct list_head *regions)
{
	struct iommu_resv_region *region, *tmp;

	list_for_each_entry_safe(region, tmp, regions, list) {
		list_del(&region->list);
		kfree(region);
	}
}

/*
 * The reserved regions of @regions that block IOVA, stored into @holes
 * unless it is NULL (to count them first).  Return: how many there are.
 */
static unsigned int regions_to_holes(struct list_head *regions,
				     struct t1_iova_range *holes)
{
	struct iommu_resv_region *region;
	unsigned int nr = 0;

	list_for_each_entry(region, regions, list) {
		if (!region_blocks_iova(region))
			continue;
		if (holes) {
			holes[nr].start = region->start;
			holes[nr].last = region->start + region->length - 1;
		}
		nr++;
	}
	return nr;
}

/*
 * Recompute the usable ranges: @aperture minus the reserved regions of
 * every group in a domain, plus those of @extra (a group being attached).
 */
static int compute_usable(struct t1_container *t1,
			  const struct t1_iova_range *aperture,
			  struct list_head *extra, struct t1_ranges *out)
{
	struct t1_iova_range *holes = NULL;
	struct t1_domain *dom;
	unsigned int nr, i;
	struct t1_group *g;
	LIST_HEAD(regions);
	int ret;

	list_for_each_entry(dom, &t1->domains, link) {
		list_for_each_entry(g, &dom->groups, link) {
			ret = iommu_get_group_resv_regions(g->iommu_group,
							   &regions);
			if (ret)
				goto out;
		}
	}

	nr = regions_to_holes(&regions, NULL);
	if (extra)
		nr += regions_to_holes(extra, NULL);

	ret = -ENOMEM;
	holes = kcalloc(max(nr, 1U), sizeof(*holes), GFP_KERNEL);
	if (!holes)
		goto out;
	i = regions_to_holes(&regions, holes);
	if (extra)
		regions_to_holes(extra, holes + i);
	ret = t1_ranges_build(out, aperture->start, aperture->last, holes, nr);
out:
	kfree(holes);
	free_regions(&regions);
	return ret;
}

/* Narrow @range to the aperture of @domain. */
static void narrow_to_aperture(struct t1_iova_range *range,
			       const struct iommu_domain *domain)
{
	range->start = max_t(u64, range->start,
			     domain->geometry.aperture_start);
	range->last = min_t(u64, range->last, domain->geometry.aperture_end);
}

/*
 * Would a domain with aperture [start, last] cut off existing mappings?
 * Only the span the current usable ranges cover is checked: mappings made
 * while no IOMMU restricted the IOVA are the replay's problem.
 */
static bool aperture_conflict(struct t1_container *t1, u64 start, u64 last)
{
	u64 lo, hi;

	if (!t1->usable.nr)
		return false;
	lo = t1->usable.r[0].start;
	hi = t1->usable.r[t1->usable.nr - 1].last;
	if (start > hi || last < lo)
		return true;
	if (start > lo && t1_tree_find(&t1->maps, lo, start - 1))
		return true;
	if (last < hi && t1_tree_find(&t1->maps, last + 1, hi))
		return true;
	return false;
}

static bool regions_conflict(struct t1_container *t1,
			     struct list_head *regions)
{
	struct iommu_resv_region *region;

	list_for_each_entry(region, regions, list) {
		if (!region_blocks_iova(region))
			continue;
		if (t1_tree_find(&t1->maps, region->start,
				 region->start + region->length - 1))
			return true;
	}
	return false;
}

/*
 * A software-managed MSI window (SMMU-style) needs a cookie in the domain,
 * unless the platform also reports a hardware MSI window.
 */
static bool sw_msi_base(struct list_head *regions, phys_addr_t *base)
{
	struct iommu_resv_region *region;
	bool found = false;

	list_for_each_entry(region, regions, list) {
		if (region->type == IOMMU_RESV_MSI)
			return false;
		if (region->type == IOMMU_RESV_SW_MSI) {
			*base = region->start;
			found = true;
		}
	}
	return found;
}

static int alloc_domain_for(struct device *dev, void *data)
{
	struct iommu_domain **domain = data;

	*domain = iommu_paging_domain_alloc(dev);
	return 1;	/* one device is enough */
}

static void update_pgsizes(struct t1_container *t1)
{
	struct t1_domain *dom;
	u64 sizes = ULONG_MAX;

	list_for_each_entry(dom, &t1->domains, link)
		sizes &= dom->domain->pgsize_bitmap;

	/*
	 * Pinning works on CPU pages: an IOMMU page size below PAGE_SIZE is
	 * reported as PAGE_SIZE, which it can map with several entries.
	 */
	if (sizes & ~PAGE_MASK) {
		sizes &= PAGE_MASK;
		sizes |= PAGE_SIZE;
	}
	t1->pgsize_bitmap = sizes;
}

/*
 * Make @map present in the new domain @dom: a copy of its record if it is
 * mapped elsewhere, else pin it first (it was made while the container
 * had no domain).  On failure nothing of @map is in @dom or pinned anew.
 */
static int replay_map(struct t1_container *t1, struct t1_domain *dom,
		      struct t1_map *map)
{
	int ret;

	if (map->iommu_mapped)
		return t1_map_record(t1, map, dom);

	ret = t1_pin_map(map);
	if (ret)
		return ret;
	ret = t1_map_record(t1, map, dom);
	if (ret)
		t1_account(map, -t1_unpin_record(map, map->size), true);
	return ret;
}

/* Undo replay_map() of @map into @dom. */
static void unreplay(struct t1_container *t1, struct t1_domain *dom,
		     struct t1_map *map)
{
	if (map->iommu_mapped)
		iommu_unmap(dom->domain, map->iova, map->size);
	else
		t1_account(map, -t1_unmap_unpin_from(t1, dom, map), true);
}

/* Make every mapping present in the new domain @dom, or none. */
static int replay(struct t1_container *t1, struct t1_domain *dom)
{
	struct rb_node *node, *undo;
	int ret = 0;

	for (node = rb_first(&t1->maps); node; node = rb_next(node)) {
		ret = replay_map(t1, dom, rb_entry(node, struct t1_map, node));
		if (ret)
			goto unwind;
	}

	for (node = rb_first(&t1->maps); node; node = rb_next(node))
		rb_entry(node, struct t1_map, node)->iommu_mapped = true;
	return 0;

unwind:
	for (undo = rb_first(&t1->maps); undo != node; undo = rb_next(undo))
		unreplay(t1, dom, rb_entry(undo, struct t1_map, node));
	return ret;
}

/*
 * Attach @g, already attached to the new domain @dom, to an existing
 * compatible domain instead.  Returns the domain that took it, or NULL if
 * @g stays with @dom; an error if @g could not go back to @dom.
 */
static struct t1_domain *share_domain(struct t1_container *t1,
				      struct t1_domain *dom,
				      struct t1_group *g)
{
	struct t1_domain *d;
	int ret;

	list_for_each_entry(d, &t1->domains, link) {
		if (d->domain->ops != dom->domain->ops ||
		    d->coherent != dom->coherent)
			continue;

		iommu_detach_group(dom->domain, g->iommu_group);
		if (!iommu_attach_group(d->domain, g->iommu_group))
			return d;
		ret = iommu_attach_group(dom->domain, g->iommu_group);
		if (ret)
			return ERR_PTR(ret);
	}
	return NULL;
}

/* A new domain for the devices of @g, with @g attached to it. */
static struct t1_domain *attached_domain(struct t1_container *t1,
					 struct t1_group *g)
{
	struct t1_domain *dom;
	int ret;

	dom = kzalloc(sizeof(*dom), GFP_KERNEL);
	if (!dom)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&dom->groups);

	dom->domain = ERR_PTR(-ENODEV);
	iommu_group_for_each_dev(g->iommu_group, &dom->domain,
				 alloc_domain_for);
	if (IS_ERR(dom->domain)) {
		ret = PTR_ERR(dom->domain);
		goto out_free;
	}

	if (t1->nesting) {
		ret = iommu_enable_nesting(dom->domain);
		if (ret)
			goto out_domain;
	}

	ret = iommu_attach_group(dom->domain, g->iommu_group);
	if (ret)
		goto out_domain;
	return dom;

out_domain:
	iommu_domain_free(dom->domain);
out_free:
	kfree(dom);
	return ERR_PTR(ret);
}

/*
 * May the container take @g, attached to @dom?  The IOVA left with @dom's
 * aperture and @g's reserved regions (returned in @aperture, @usable and
 * @regions, which the caller frees) must keep every mapping, and the
 * interrupts of @g must be isolated.
 */
static int check_group_fits(struct t1_container *t1, struct t1_domain *dom,
			    struct t1_group *g, struct list_head *regions,
			    struct t1_iova_range *aperture,
			    struct t1_ranges *usable)
{
	struct iommu_domain_geometry *geo = &dom->domain->geometry;
	int ret;

	if (aperture_conflict(t1, geo->aperture_start, geo->aperture_end))
		return -EINVAL;
	*aperture = t1->aperture;
	narrow_to_aperture(aperture, dom->domain);

	ret = iommu_get_group_resv_regions(g->iommu_group, regions);
	if (ret)
		return ret;
	if (regions_conflict(t1, regions))
		return -EINVAL;
	ret = compute_usable(t1, aperture, regions, usable);
	if (ret)
		return ret;

	if (!t1_allow_unsafe_interrupts &&
	    !iommu_group_has_isolated_msi(g->iommu_group)) {
		pr_warn("no interrupt remapping for IOMMU group %d: refusing it (the allow_unsafe_interrupts parameter overrides this)\n",
			iommu_group_id(g->iommu_group));
		return -EPERM;
	}
	return 0;
}

/*
 * @dom, with @g attached, joins the container as a domain of its own:
 * with the MSI cookie its reserved @regions ask for, and every mapping
 * made present in it.
 */
static int install_domain(struct t1_container *t1, struct t1_domain *dom,
			  struct t1_group *g, struct list_head *regions)
{
	phys_addr_t msi_base = 0;
	int ret;

	if (sw_msi_base(regions, &msi_base)) {
		ret = iommu_get_msi_cookie(dom->domain, msi_base);
		if (ret && ret != -ENODEV)
			return ret;
	}

	ret = replay(t1, dom);
	if (ret)
		return ret;

	list_add_tail(&g->link, &dom->groups);
	list_add_tail(&dom->link, &t1->domains);
	update_pgsizes(t1);
	return 0;
}

/*
 * Attach a group with a real IOMMU: give it a domain, check that it fits
 * the container, then let it share an existing compatible domain or
 * install its own; finally the container's IOVA limits become the ones
 * computed with it.
 */
static int attach_iommu_group(struct t1_container *t1, struct t1_group *g)
{
	struct t1_iova_range aperture;
	struct t1_ranges usable = {};
	struct t1_domain *dom, *shared;
	LIST_HEAD(regions);
	int ret;

	dom = attached_domain(t1, g);
	if (IS_ERR(dom))
		return PTR_ERR(dom);

	ret = check_group_fits(t1, dom, g, &regions, &aperture, &usable);
	if (ret)
		goto out_detach;

	/*
	 * Have the IOMMU force snooping when it can: KVM then need not
	 * emulate WBINVD for the guest.
	 */
	if (dom->domain->ops->enforce_cache_coherency)
		dom->coherent =
			dom->domain->ops->enforce_cache_coherency(dom->domain);

	shared = share_domain(t1, dom, g);
	if (IS_ERR(shared)) {
		ret = PTR_ERR(shared);
		goto out_domain;
	}
	if (shared) {
		list_add_tail(&g->link, &shared->groups);
		iommu_domain_free(dom->domain);
		kfree(dom);
	} else {
		ret = install_domain(t1, dom, g, &regions);
		if (ret)
			goto out_detach;
	}

	t1->aperture = aperture;
	t1_ranges_free(&t1->usable);
	t1->usable = usable;
	free_regions(&regions);
	return 0;

out_detach:
	iommu_detach_group(dom->domain, g->iommu_group);
out_domain:
	iommu_domain_free(dom->domain);
	t1_ranges_free(&usable);
	free_regions(&regions);
	kfree(dom);
	return ret;
}

/**
 * t1_attach_group - the backend's attach_group operation
 * @data: the container
 * @iommu_group: the group joining it
 * @type: VFIO_IOMMU for a real IOMMU group, VFIO_EMULATED_IOMMU for an
 *	emulated device's group
 *
 * Return: 0; -EBUSY while some mapping's user address is invalidated;
 * -EINVAL for a group already attached or whose IOVA restrictions
 * conflict with the mappings; -EPERM without interrupt isolation; or the
 * IOMMU's error.
 */
int t1_attach_group(void *data, struct iommu_group *iommu_group,
		    enum vfio_group_type type)
{
	struct t1_container *t1 = data;
	struct t1_group *g;
	int ret;

	mutex_lock(&t1->lock);
	/* A new domain may need pinning, which needs valid addresses. */
	ret = -EBUSY;
	if (t1->nr_vaddr_invalid)
		goto out;
	ret = -EINVAL;
	if (t1_find_group(t1, iommu_group))
		goto out;

	ret = -ENOMEM;
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		goto out;
	g->iommu_group = iommu_group;

	if (type == VFIO_EMULATED_IOMMU) {
		/* It can only reach memory through pins: scoped by nature. */
		g->pin_scoped = true;
		list_add_tail(&g->link, &t1->emulated_groups);
		ret = 0;
		goto out;
	}

	ret = attach_iommu_group(t1, g);
	if (ret) {
		kfree(g);
		goto out;
	}
	/* Until it pins pages, the group may DMA anywhere it is mapped. */
	t1->unscoped_groups++;
out:
	mutex_unlock(&t1->lock);
	return ret;
}

/* The domain holds no group any more: free it and shrink the state. */
static void remove_domain(struct t1_container *t1, struct t1_domain *dom)
{
	struct t1_domain *d;

	if (list_is_singular(&t1->domains)) {
		struct rb_node *node;

		/*
		 * The last IOMMU goes: with no emulated group left, the
		 * mappings go too; otherwise they stay for the emulated
		 * devices, but unpinned, and only their pins stay charged.
		 */
		if (list_empty(&t1->emulated_groups)) {
			t1_destroy_all_maps(t1);
		} else {
			for (node = rb_first(&t1->maps); node;
			     node = rb_next(node))
				t1_unmap_unpin(t1, rb_entry(node, struct t1_map,
							    node), true);
		}
	}

	list_del(&dom->link);
	iommu_domain_free(dom->domain);
	kfree(dom);

	t1->aperture.start = 0;
	t1->aperture.last = U64_MAX;
	list_for_each_entry(d, &t1->domains, link)
		narrow_to_aperture(&t1->aperture, d->domain);
	update_pgsizes(t1);
}

/**
 * t1_detach_group - the backend's detach_group operation
 * @data: the container
 * @iommu_group: the group leaving it
 */
void t1_detach_group(void *data, struct iommu_group *iommu_group)
{
	struct t1_container *t1 = data;
	struct t1_ranges usable;
	struct t1_domain *dom;
	struct t1_group *g;
	bool was_unscoped = false;

	mutex_lock(&t1->lock);

	g = t1_group_in(&t1->emulated_groups, iommu_group);
	if (g) {
		was_unscoped = !g->pin_scoped;
		list_del(&g->link);
		kfree(g);
		if (list_empty(&t1->emulated_groups) &&
		    list_empty(&t1->domains))
			t1_destroy_all_maps(t1);
		goto done;
	}

	list_for_each_entry(dom, &t1->domains, link) {
		g = t1_group_in(&dom->groups, iommu_group);
		if (!g)
			continue;

		iommu_detach_group(dom->domain, iommu_group);
		was_unscoped = !g->pin_scoped;
		list_del(&g->link);
		kfree(g);
		if (list_empty(&dom->groups))
			remove_domain(t1, dom);

		/* Its reserved regions may be usable again. */
		if (!compute_usable(t1, &t1->aperture, NULL, &usable)) {
			t1_ranges_free(&t1->usable);
			t1->usable = usable;
		}
		break;
	}

done:
	if (was_unscoped) {
		t1->unscoped_groups--;
		if (t1->dirty_tracking)
			t1_dirty_all_mapped(t1);
	}
	mutex_unlock(&t1->lock);
}

/**
 * t1_release_domains - detach every group and free every domain
 * @t1: the container, with no mapping left
 */
void t1_release_domains(struct t1_container *t1)
{
	struct t1_domain *dom, *dtmp;
	struct t1_group *g, *gtmp;

	list_for_each_entry_safe(g, gtmp, &t1->emulated_groups, link) {
		list_del(&g->link);
		kfree(g);
	}
	list_for_each_entry_safe(dom, dtmp, &t1->domains, link) {
		list_for_each_entry_safe(g, gtmp, &dom->groups, link) {
			iommu_detach_group(dom->domain, g->iommu_group);
			list_del(&g->link);
			kfree(g);
		}
		list_del(&dom->link);
		iommu_domain_free(dom->domain);
		kfree(dom);
	}
}
