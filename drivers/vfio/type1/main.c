// SPDX-License-Identifier: GPL-2.0-only
/*
 * Type1 IOMMU backend for VFIO containers: module entry points, the
 * backend operations and the container ioctls.
 *
 * The container ioctls go through the core's table-driven dispatcher, so
 * the handlers below receive a validated kernel copy of the argument.  A
 * v1 container refuses dirty page tracking before the dispatch.
 *
 * Locking, for the whole module: &t1_container.notify_lock, then
 * &t1_container.lock, then the mmap lock of a mapping's owner (pinning
 * and locked_vm accounting), then IOMMU driver locks.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "type1.h"

static unsigned int dma_entry_limit __read_mostly = U16_MAX;
module_param(dma_entry_limit, uint, 0644);
MODULE_PARM_DESC(dma_entry_limit,
		 "Maximum number of DMA mappings per container (default 65535)");

static void *t1_open(unsigned long type)
{
	struct t1_container *t1;

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU &&
	    type != VFIO_TYPE1_NESTING_IOMMU)
		return ERR_PTR(-EINVAL);

	t1 = kzalloc(sizeof(*t1), GFP_KERNEL);
	if (!t1)
		return ERR_PTR(-ENOMEM);

	t1->v2 = type != VFIO_TYPE1_IOMMU;
	t1->nesting = type == VFIO_TYPE1_NESTING_IOMMU;
	mutex_init(&t1->lock);
	mutex_init(&t1->notify_lock);
	t1->maps = RB_ROOT;
	t1->inflight = RB_ROOT;
	INIT_LIST_HEAD(&t1->domains);
	INIT_LIST_HEAD(&t1->emulated_groups);
	INIT_LIST_HEAD(&t1->devices);
	t1->aperture.start = 0;
	t1->aperture.last = U64_MAX;
	t1->pgsize_bitmap = PAGE_MASK;
	t1->maps_avail = READ_ONCE(dma_entry_limit);
	return t1;
}

static void t1_release(void *data)
{
	struct t1_container *t1 = data;

	/* Nothing else can reach the container any more. */
	mutex_lock(&t1->lock);
	WARN_ON_ONCE(!RB_EMPTY_ROOT(&t1->inflight));
	t1_destroy_all_maps(t1);
	t1_release_domains(t1);
	t1_ranges_free(&t1->usable);
	t1_forget_devices(t1);
	mutex_unlock(&t1->lock);

	mutex_destroy(&t1->lock);
	mutex_destroy(&t1->notify_lock);
	kfree(t1);
}

/* VFIO_DMA_CC_IOMMU: can KVM rely on every domain to force snooping? */
static bool all_domains_coherent(struct t1_container *t1)
{
	struct t1_domain *dom;
	bool coherent = true;

	mutex_lock(&t1->lock);
	list_for_each_entry(dom, &t1->domains, link)
		coherent = coherent && dom->coherent;
	mutex_unlock(&t1->lock);
	return coherent;
}

/*
 * VFIO_UPDATE_VADDR is offered only for a container in use, and not with
 * emulated devices: they pin through the user address at any moment.
 */
static bool vaddr_update_allowed(struct t1_container *t1)
{
	bool emulated;

	if (!t1)
		return false;
	mutex_lock(&t1->lock);
	emulated = !list_empty(&t1->emulated_groups);
	mutex_unlock(&t1->lock);
	return !emulated;
}

static long t1_ioctl_check_extension(struct t1_container *t1, unsigned long ext)
{
	switch (ext) {
	case VFIO_DMA_CC_IOMMU:
		return t1 && all_domains_coherent(t1);
	case VFIO_UPDATE_VADDR:
		return vaddr_update_allowed(t1);
	case VFIO_UNMAP_ALL:
	case VFIO_TYPE1_NESTING_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_TYPE1_IOMMU:
		return 1;
	}
	return 0;
}

static int add_iova_cap(struct t1_container *t1, struct vfio_info_cap *caps)
{
	struct vfio_iommu_type1_info_cap_iova_range *cap;
	struct vfio_info_cap_header *hdr;
	unsigned int i;

	/* No IOMMU domain (emulated groups only): no restriction to report. */
	if (!t1->usable.nr)
		return 0;

	hdr = vfio_info_cap_add(caps, struct_size(cap, iova_ranges,
						  t1->usable.nr),
				VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1);
	if (IS_ERR(hdr))
		return PTR_ERR(hdr);
	cap = container_of(hdr, typeof(*cap), header);
	cap->nr_iovas = t1->usable.nr;
	for (i = 0; i < t1->usable.nr; i++) {
		cap->iova_ranges[i].start = t1->usable.r[i].start;
		cap->iova_ranges[i].end = t1->usable.r[i].last;
	}
	return 0;
}

static int add_info_caps(struct t1_container *t1, struct vfio_info_cap *caps)
{
	struct vfio_iommu_type1_info_cap_migration *mig;
	struct vfio_iommu_type1_info_dma_avail *avail;
	struct vfio_info_cap_header *hdr;

	hdr = vfio_info_cap_add(caps, sizeof(*mig),
				VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 1);
	if (IS_ERR(hdr))
		return PTR_ERR(hdr);
	mig = container_of(hdr, typeof(*mig), header);
	mig->flags = 0;
	/* Dirty bitmaps have one bit per smallest page. */
	mig->pgsize_bitmap = t1_min_pgsize(t1);
	mig->max_dirty_bitmap_size = T1_DIRTY_BYTES_MAX;

	hdr = vfio_info_cap_add(caps, sizeof(*avail),
				VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1);
	if (IS_ERR(hdr))
		return PTR_ERR(hdr);
	avail = container_of(hdr, typeof(*avail), header);
	avail->avail = t1->maps_avail;

	return add_iova_cap(t1, caps);
}

static long t1_ioctl_get_info(struct t1_container *t1, void *karg,
			      void __user *uarg)
{
	struct vfio_iommu_type1_info *info = karg;
	struct vfio_info_cap caps = {};
	int ret;

	mutex_lock(&t1->lock);
	info->flags = VFIO_IOMMU_INFO_PGSIZES;
	info->iova_pgsizes = t1->pgsize_bitmap;
	ret = add_info_caps(t1, &caps);
	mutex_unlock(&t1->lock);

	info->cap_offset = 0;
	info->pad = 0;
	if (!ret && caps.size) {
		info->flags |= VFIO_IOMMU_INFO_CAPS;
		ret = vfio_info_cap_copy_out(&caps, &info->argsz,
					     &info->cap_offset, sizeof(*info),
					     uarg);
	}
	kfree(caps.buf);
	return ret;
}

static long t1_ioctl_map_dma(struct t1_container *t1, void *karg,
			     void __user *uarg)
{
	return t1_map_dma(t1, karg);
}

static long t1_ioctl_unmap_dma(struct t1_container *t1, void *karg,
			       void __user *uarg)
{
	struct vfio_iommu_type1_dma_unmap *req = karg;
	size_t minsz = offsetofend(typeof(*req), size);
	struct vfio_bitmap bitmap = {};

	if (req->flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) {
		/* Reporting is only for plain unmaps of a given range. */
		if (req->flags & (VFIO_DMA_UNMAP_FLAG_ALL |
				  VFIO_DMA_UNMAP_FLAG_VADDR))
			return -EINVAL;
		if (req->argsz < minsz + sizeof(bitmap))
			return -EINVAL;
		if (copy_from_user(&bitmap, uarg + minsz, sizeof(bitmap)))
			return -EFAULT;
		if (!access_ok(bitmap.data, bitmap.size))
			return -EINVAL;
		if (!bitmap.pgsize ||
		    t1_bitmap_size_ok(req->size >> __ffs64(bitmap.pgsize),
				      bitmap.size))
			return -EINVAL;
	}

	return t1_unmap_dma(t1, req, &bitmap);
}

#define T1_MAP_FLAGS	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE | \
			 VFIO_DMA_MAP_FLAG_VADDR)
#define T1_UNMAP_FLAGS	(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | \
			 VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR)
#define T1_DIRTY_FLAGS	(VFIO_IOMMU_DIRTY_PAGES_FLAG_START | \
			 VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP | \
			 VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP)

/* GET_INFO's flags are an output: whatever the user passes is ignored. */
static const VFIO_IOCTL_TABLE(t1_container) t1_ops[] = {
	VFIO_IOCTL_INT(VFIO_CHECK_EXTENSION, t1_ioctl_check_extension),
	VFIO_IOCTL_OP(VFIO_IOMMU_GET_INFO, t1_ioctl_get_info,
		      struct vfio_iommu_type1_info, iova_pgsizes,
		      VFIO_IOCTL_ANY_FLAGS, true),
	VFIO_IOCTL_OP(VFIO_IOMMU_MAP_DMA, t1_ioctl_map_dma,
		      struct vfio_iommu_type1_dma_map, size, T1_MAP_FLAGS,
		      false),
	VFIO_IOCTL_OP(VFIO_IOMMU_UNMAP_DMA, t1_ioctl_unmap_dma,
		      struct vfio_iommu_type1_dma_unmap, size, T1_UNMAP_FLAGS,
		      true),
	VFIO_IOCTL_OP(VFIO_IOMMU_DIRTY_PAGES, t1_ioctl_dirty_pages,
		      struct vfio_iommu_type1_dirty_bitmap, flags,
		      T1_DIRTY_FLAGS, false),
};

static long t1_ioctl(void *data, unsigned int cmd, unsigned long arg)
{
	struct t1_container *t1 = data;

	/* Without a container, only extensions can be asked about. */
	if (!t1) {
		if (cmd != VFIO_CHECK_EXTENSION)
			return -EINVAL;
		return t1_ioctl_check_extension(NULL, arg);
	}
	/*
	 * A v1 container has no dirty tracking and refuses it before the
	 * argument is even read, so this cannot wait for the handler.
	 */
	if (!t1->v2 && cmd == VFIO_IOMMU_DIRTY_PAGES)
		return -EACCES;
	return vfio_ioctl_dispatch(t1, t1_ops, cmd, arg);
}

static const struct vfio_iommu_backend_ops t1_backend = {
	.open			= t1_open,
	.release		= t1_release,
	.attach_group		= t1_attach_group,
	.detach_group		= t1_detach_group,
	.register_device	= t1_register_device,
	.unregister_device	= t1_unregister_device,
	.pin_pages		= t1_pin_pages,
	.unpin_pages		= t1_unpin_pages,
	.dma_rw			= t1_dma_rw,
	.ioctl			= t1_ioctl,
	.owner			= THIS_MODULE,
};

static int __init t1_init(void)
{
	return vfio_register_iommu_backend(&t1_backend);
}
module_init(t1_init);

static void __exit t1_exit(void)
{
	vfio_unregister_iommu_backend(&t1_backend);
}
module_exit(t1_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO Type1 IOMMU backend: pinned user memory mapped through the IOMMU API");
