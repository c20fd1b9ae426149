// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA through the kernel's iommufd (drivers/iommu/iommufd).
 *
 * A device gets an iommufd context in two ways: its cdev file is bound
 * with VFIO_DEVICE_BIND_IOMMUFD (cdev.c), or it is opened through a group
 * that was given an iommufd as its container.  Either way, its first open
 * binds it to the context here and its last close unbinds it.  What
 * binding means depends on the device:
 *
 *  - a physical device becomes an iommufd_device, which claims the
 *    device's DMA ownership for the context (the per-device counterpart
 *    of the group's claim in the container path) and can be attached to
 *    an IOAS or a HWPT;
 *  - an emulated device becomes an iommufd_access: the driver's
 *    vfio_pin_pages() and vfio_dma_rw() are served from the IOAS the
 *    access is attached to, and iommufd calls back (dma_unmap) when the
 *    user unmaps a range the driver pinned.
 *
 * A device opened through a group is attached at once to the context's
 * compatibility IOAS, the one the VFIO container ioctls of the iommufd
 * work on; a cdev file attaches with VFIO_DEVICE_ATTACH_IOMMUFD_PT.
 *
 * noiommu devices have nothing to bind (and no cdev, see cdev.c): a
 * group in noiommu mode opens one with CAP_SYS_RAWIO, as in the container
 * path, provided the context has no compatibility IOAS, whose existence
 * would mean the user expects DMA translation.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/iommufd.h>
#include <linux/module.h>
#include <linux/sched.h>
#include "core.h"

MODULE_IMPORT_NS(IOMMUFD);
MODULE_IMPORT_NS(IOMMUFD_VFIO);

/* --- physical devices --- */

/**
 * vfio_iommufd_physical_bind - &vfio_device_ops.bind_iommufd of a device
 *	behind an IOMMU
 * @vdev: the device being opened
 * @ictx: the iommufd context
 * @out_device_id: receives the id of the new iommufd device object
 *
 * Claims the DMA ownership of @vdev's device for @ictx.
 *
 * Return: 0, or iommufd_device_bind()'s error (-EPERM when a host driver
 * or another iommufd context owns the device's group).
 */
int vfio_iommufd_physical_bind(struct vfio_device *vdev,
			       struct iommufd_ctx *ictx, u32 *out_device_id)
{
	struct iommufd_device *idev;

	lockdep_assert_held(&vdev->dev_set->lock);

	idev = iommufd_device_bind(ictx, vdev->dev, out_device_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	vdev->iommufd_device = idev;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_physical_bind);

/**
 * vfio_iommufd_physical_unbind - undo vfio_iommufd_physical_bind()
 * @vdev: the device being closed; detached first if still attached
 */
void vfio_iommufd_physical_unbind(struct vfio_device *vdev)
{
	lockdep_assert_held(&vdev->dev_set->lock);

	if (WARN_ON(!vdev->iommufd_device))
		return;
	vfio_iommufd_physical_detach_ioas(vdev);
	iommufd_device_unbind(vdev->iommufd_device);
	vdev->iommufd_device = NULL;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_physical_unbind);

/*
 * A bound device reaches its page table through its iommufd_device
 * (physical) or its iommufd_access (emulated).  Either way the first
 * attach sets @iommufd_attached, a later one replaces the page table
 * without a window of blocked DMA, and detach clears it.
 */
enum vfio_iommufd_kind {
	VFIO_IOMMUFD_PHYSICAL,
	VFIO_IOMMUFD_EMULATED,
};

static bool vfio_iommufd_bound_as(struct vfio_device *vdev,
				  enum vfio_iommufd_kind kind)
{
	if (kind == VFIO_IOMMUFD_PHYSICAL)
		return vdev->iommufd_device;
	return vdev->iommufd_access;
}

static int vfio_iommufd_set_pt(struct vfio_device *vdev,
			       enum vfio_iommufd_kind kind, u32 *pt_id)
{
	bool again = vdev->iommufd_attached;
	int ret;

	lockdep_assert_held(&vdev->dev_set->lock);
	if (WARN_ON(!vfio_iommufd_bound_as(vdev, kind)))
		return -EINVAL;

	if (kind == VFIO_IOMMUFD_PHYSICAL)
		ret = again ? iommufd_device_replace(vdev->iommufd_device, pt_id) :
			      iommufd_device_attach(vdev->iommufd_device, pt_id);
	else	/* an access takes an IOAS only and leaves @pt_id as it is */
		ret = again ? iommufd_access_replace(vdev->iommufd_access, *pt_id) :
			      iommufd_access_attach(vdev->iommufd_access, *pt_id);
	if (!ret)
		vdev->iommufd_attached = true;
	return ret;
}

static void vfio_iommufd_clear_pt(struct vfio_device *vdev,
				  enum vfio_iommufd_kind kind)
{
	lockdep_assert_held(&vdev->dev_set->lock);
	if (WARN_ON(!vfio_iommufd_bound_as(vdev, kind)) ||
	    !vdev->iommufd_attached)
		return;

	if (kind == VFIO_IOMMUFD_PHYSICAL)
		iommufd_device_detach(vdev->iommufd_device);
	else
		iommufd_access_detach(vdev->iommufd_access);
	vdev->iommufd_attached = false;
}

/**
 * vfio_iommufd_physical_attach_ioas - attach a bound device to an IOAS or
 *	HWPT
 * @vdev: the bound device
 * @pt_id: in, the IOAS or HWPT id; out, the HWPT the device now uses
 *
 * An attached device moves to the new page table without a window in
 * which its DMA is blocked.
 *
 * Return: 0 or iommufd's error (-ENOENT for an id that names nothing
 * attachable, -EINVAL for an incompatible one).
 */
int vfio_iommufd_physical_attach_ioas(struct vfio_device *vdev, u32 *pt_id)
{
	return vfio_iommufd_set_pt(vdev, VFIO_IOMMUFD_PHYSICAL, pt_id);
}
EXPORT_SYMBOL_GPL(vfio_iommufd_physical_attach_ioas);

/**
 * vfio_iommufd_physical_detach_ioas - detach a bound device
 * @vdev: the bound device; nothing happens if it is not attached
 *
 * The device's DMA is blocked afterwards.
 */
void vfio_iommufd_physical_detach_ioas(struct vfio_device *vdev)
{
	vfio_iommufd_clear_pt(vdev, VFIO_IOMMUFD_PHYSICAL);
}
EXPORT_SYMBOL_GPL(vfio_iommufd_physical_detach_ioas);

/* --- emulated devices --- */

/* The user unmapped IOVA the driver may have pinned: it must let go. */
static void vfio_iommufd_access_unmap(void *data, unsigned long iova,
				      unsigned long length)
{
	struct vfio_device *vdev = data;

	if (vdev->ops->dma_unmap)
		vdev->ops->dma_unmap(vdev, iova, length);
}

static const struct iommufd_access_ops vfio_iommufd_access_ops = {
	.needs_pin_pages = 1,
	.unmap = vfio_iommufd_access_unmap,
};

/**
 * vfio_iommufd_emulated_bind - &vfio_device_ops.bind_iommufd of a device
 *	whose driver does its DMA itself
 * @vdev: the device being opened
 * @ictx: the iommufd context
 * @out_device_id: receives the id of the new iommufd access object
 *
 * Return: 0 or iommufd_access_create()'s error.
 */
int vfio_iommufd_emulated_bind(struct vfio_device *vdev,
			       struct iommufd_ctx *ictx, u32 *out_device_id)
{
	struct iommufd_access *access;

	lockdep_assert_held(&vdev->dev_set->lock);

	access = iommufd_access_create(ictx, &vfio_iommufd_access_ops, vdev,
				       out_device_id);
	if (IS_ERR(access))
		return PTR_ERR(access);
	vdev->iommufd_access = access;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_bind);

/**
 * vfio_iommufd_emulated_unbind - undo vfio_iommufd_emulated_bind()
 * @vdev: the device being closed; its driver unpinned everything
 */
void vfio_iommufd_emulated_unbind(struct vfio_device *vdev)
{
	lockdep_assert_held(&vdev->dev_set->lock);

	if (WARN_ON(!vdev->iommufd_access))
		return;
	vfio_iommufd_emulated_detach_ioas(vdev);
	iommufd_access_destroy(vdev->iommufd_access);
	vdev->iommufd_access = NULL;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_unbind);

/**
 * vfio_iommufd_emulated_attach_ioas - let an emulated device reach an IOAS
 * @vdev: the bound device
 * @pt_id: the IOAS id (a HWPT cannot serve an access); unchanged on return
 *
 * Return: 0 or iommufd's error.
 */
int vfio_iommufd_emulated_attach_ioas(struct vfio_device *vdev, u32 *pt_id)
{
	return vfio_iommufd_set_pt(vdev, VFIO_IOMMUFD_EMULATED, pt_id);
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_attach_ioas);

/**
 * vfio_iommufd_emulated_detach_ioas - cut an emulated device from its IOAS
 * @vdev: the bound device; nothing happens if it is not attached
 */
void vfio_iommufd_emulated_detach_ioas(struct vfio_device *vdev)
{
	vfio_iommufd_clear_pt(vdev, VFIO_IOMMUFD_EMULATED);
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_detach_ioas);

/* --- what bus drivers ask --- */

/**
 * vfio_iommufd_device_ictx - the iommufd context a device is bound to
 * @vdev: the device
 *
 * Return: the context, or NULL when the device is not open through an
 * iommufd.  Valid while the caller keeps the device open.
 */
struct iommufd_ctx *vfio_iommufd_device_ictx(struct vfio_device *vdev)
{
	return READ_ONCE(vdev->iommufd_ictx);
}
EXPORT_SYMBOL_GPL(vfio_iommufd_device_ictx);

/**
 * vfio_iommufd_get_dev_id - a device's id as seen from an iommufd context
 * @vdev: any device (another function affected by a reset, for example)
 * @ictx: the context of the caller
 *
 * Return: the iommufd device id when @vdev is bound to @ictx;
 * %VFIO_PCI_DEVID_OWNED when it is not, but @ictx owns a device of its
 * IOMMU group (so the user owns it too); %VFIO_PCI_DEVID_NOT_OWNED
 * otherwise; -ENODEV for a device without IOMMU group.
 */
int vfio_iommufd_get_dev_id(struct vfio_device *vdev, struct iommufd_ctx *ictx)
{
	struct iommu_group *group;
	int ret;

	if (vfio_iommufd_device_ictx(vdev) == ictx && vdev->iommufd_device)
		return iommufd_device_to_id(vdev->iommufd_device);

	group = iommu_group_get(vdev->dev);
	if (!group)
		return -ENODEV;
	ret = iommufd_ctx_has_group(ictx, group) ? VFIO_PCI_DEVID_OWNED :
						   VFIO_PCI_DEVID_NOT_OWNED;
	iommu_group_put(group);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_get_dev_id);

/* --- the core's side --- */

/*
 * The driver's callbacks, or the core's choice when the driver has none:
 * how the device was registered says whether it is physical or emulated.
 */
static bool vfio_iommufd_emulated(struct vfio_device *vdev)
{
	return vdev->group->type == VFIO_EMULATED_IOMMU;
}

static int vfio_iommufd_bind(struct vfio_device *vdev,
			     struct iommufd_ctx *ictx, u32 *id)
{
	if (vdev->ops->bind_iommufd)
		return vdev->ops->bind_iommufd(vdev, ictx, id);
	if (vfio_iommufd_emulated(vdev))
		return vfio_iommufd_emulated_bind(vdev, ictx, id);
	return vfio_iommufd_physical_bind(vdev, ictx, id);
}

static void vfio_iommufd_unbind(struct vfio_device *vdev)
{
	if (vdev->ops->unbind_iommufd)
		vdev->ops->unbind_iommufd(vdev);
	else if (vfio_iommufd_emulated(vdev))
		vfio_iommufd_emulated_unbind(vdev);
	else
		vfio_iommufd_physical_unbind(vdev);
}

/* VFIO_DEVICE_ATTACH_IOMMUFD_PT, and the compat IOAS of a group open. */
int vfio_iommufd_attach(struct vfio_device *vdev, u32 *pt_id)
{
	if (vdev->ops->attach_ioas)
		return vdev->ops->attach_ioas(vdev, pt_id);
	if (vfio_iommufd_emulated(vdev))
		return vfio_iommufd_emulated_attach_ioas(vdev, pt_id);
	return vfio_iommufd_physical_attach_ioas(vdev, pt_id);
}

void vfio_iommufd_detach(struct vfio_device *vdev)
{
	if (vdev->ops->detach_ioas)
		vdev->ops->detach_ioas(vdev);
	else if (vfio_iommufd_emulated(vdev))
		vfio_iommufd_emulated_detach_ioas(vdev);
	else
		vfio_iommufd_physical_detach_ioas(vdev);
}

static bool vfio_iommufd_noiommu(struct vfio_device *vdev)
{
	return IS_ENABLED(CONFIG_VFIO_NOIOMMU) &&
	       vdev->group->type == VFIO_NO_IOMMU;
}

static int vfio_iommufd_use(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->vdev;
	u32 ioas_id;
	int ret;

	lockdep_assert_held(&vdev->dev_set->lock);

	if (vfio_iommufd_noiommu(vdev)) {
		if (!capable(CAP_SYS_RAWIO) ||
		    !iommufd_vfio_compat_ioas_get_id(df->iommufd, &ioas_id))
			return -EPERM;
		return 0;
	}

	ret = vfio_iommufd_bind(vdev, df->iommufd, &df->devid);
	if (ret)
		return ret;

	if (df->group) {
		ret = iommufd_vfio_compat_ioas_get_id(df->iommufd, &ioas_id);
		if (!ret)
			ret = vfio_iommufd_attach(vdev, &ioas_id);
		if (ret) {
			vfio_iommufd_unbind(vdev);
			return ret;
		}
	}
	WRITE_ONCE(vdev->iommufd_ictx, df->iommufd);
	return 0;
}

static void vfio_iommufd_unuse(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->vdev;

	lockdep_assert_held(&vdev->dev_set->lock);

	if (vfio_iommufd_noiommu(vdev))
		return;
	WRITE_ONCE(vdev->iommufd_ictx, NULL);
	vfio_iommufd_detach(vdev);
	vfio_iommufd_unbind(vdev);
}

static int vfio_iommufd_pin_pages(struct vfio_device *vdev, dma_addr_t iova,
				  int npage, int prot, struct page **pages)
{
	unsigned int flags = 0;
	int ret;

	/* Only an access can pin; a physical device has nothing to ask. */
	if (!vdev->iommufd_access)
		return -EINVAL;
	if (iova > ULONG_MAX)
		return -EINVAL;
	if (prot & IOMMU_WRITE)
		flags |= IOMMUFD_ACCESS_RW_WRITE;
	ret = iommufd_access_pin_pages(vdev->iommufd_access,
				       ALIGN_DOWN(iova, PAGE_SIZE),
				       (unsigned long)npage * PAGE_SIZE, pages,
				       flags);
	return ret ? ret : npage;
}

static void vfio_iommufd_unpin_pages(struct vfio_device *vdev,
				     dma_addr_t iova, int npage)
{
	if (WARN_ON(!vdev->iommufd_access) || WARN_ON(iova > ULONG_MAX))
		return;
	iommufd_access_unpin_pages(vdev->iommufd_access,
				   ALIGN_DOWN(iova, PAGE_SIZE),
				   (unsigned long)npage * PAGE_SIZE);
}

static int vfio_iommufd_dma_rw(struct vfio_device *vdev, dma_addr_t iova,
			       void *data, size_t len, bool write)
{
	unsigned int flags = write ? IOMMUFD_ACCESS_RW_WRITE : 0;

	if (!vdev->iommufd_access || iova > ULONG_MAX)
		return -EINVAL;
	/* A kernel thread has no mm of its own to copy through. */
	if (current->flags & PF_KTHREAD)
		flags |= IOMMUFD_ACCESS_RW_KTHREAD;
	return iommufd_access_rw(vdev->iommufd_access, iova, data, len, flags);
}

const struct vfio_dma_ctx_ops vfio_iommufd_dma_ops = {
	.use		= vfio_iommufd_use,
	.unuse		= vfio_iommufd_unuse,
	.pin_pages	= vfio_iommufd_pin_pages,
	.unpin_pages	= vfio_iommufd_unpin_pages,
	.dma_rw		= vfio_iommufd_dma_rw,
};

/* The context behind an iommufd file (/dev/iommu, or iommufd's /dev/vfio/vfio). */
struct iommufd_ctx *vfio_iommufd_ctx_from_file(struct file *file)
{
	return iommufd_ctx_from_file(file);
}

void vfio_iommufd_ctx_put(struct iommufd_ctx *ictx)
{
	iommufd_ctx_put(ictx);
}

/*
 * VFIO_GROUP_SET_CONTAINER with an iommufd: make sure the context has
 * the IOAS its VFIO container ioctls work on (or, for a noiommu group,
 * tell it that no IOAS will ever be needed).  On success the group owns
 * the reference to @ictx.
 */
int vfio_iommufd_group_set(struct vfio_group *group, struct iommufd_ctx *ictx)
{
	int ret;

	lockdep_assert_held(&group->lock);

	/* Opening the group took CAP_SYS_RAWIO; opening a device will again. */
	if (IS_ENABLED(CONFIG_VFIO_NOIOMMU) && group->type == VFIO_NO_IOMMU)
		ret = iommufd_vfio_compat_set_no_iommu(ictx);
	else
		ret = iommufd_vfio_compat_ioas_create(ictx);
	if (ret)
		return ret;
	group->iommufd = ictx;
	return 0;
}
