// SPDX-License-Identifier: GPL-2.0-only
/*
 * The noiommu backend: what VFIO_SET_IOMMU(VFIO_NOIOMMU_IOMMU) selects
 * for a container of noiommu groups.
 *
 * There is nothing to translate and nothing to isolate, so the backend
 * keeps no state: selecting it is how the user agrees that the devices
 * can reach all of memory.  It answers VFIO_CHECK_EXTENSION only
 * while the enable_unsafe_noiommu_mode parameter is set, and can only be
 * selected with CAP_SYS_RAWIO.
 */
#include <linux/capability.h>
#include <linux/module.h>
#include "core.h"

/* Devices are neither attached to nor detached from anything. */
static int vfio_noiommu_attach_group(void *data, struct iommu_group *group,
				     enum vfio_group_type type)
{
	return 0;
}

static void vfio_noiommu_detach_group(void *data, struct iommu_group *group)
{
}

static long vfio_noiommu_ioctl(void *data, unsigned int cmd,
			       unsigned long arg)
{
	if (cmd != VFIO_CHECK_EXTENSION)
		return -ENOTTY;
	return vfio_noiommu && arg == VFIO_NOIOMMU_IOMMU;
}

/* The backend has no state: NULL is its per-container data. */
static void *vfio_noiommu_open(unsigned long type)
{
	int err = 0;

	if (type != VFIO_NOIOMMU_IOMMU)
		err = -EINVAL;
	else if (!capable(CAP_SYS_RAWIO))
		err = -EPERM;
	return err ? ERR_PTR(err) : NULL;
}

static void vfio_noiommu_release(void *data)
{
}

static const struct vfio_iommu_backend_ops vfio_noiommu_backend = {
	.attach_group	= vfio_noiommu_attach_group,
	.detach_group	= vfio_noiommu_detach_group,
	.ioctl		= vfio_noiommu_ioctl,
	.open		= vfio_noiommu_open,
	.release	= vfio_noiommu_release,
	.owner		= THIS_MODULE,
	.noiommu	= true,
};

int vfio_noiommu_init(void)
{
	return vfio_register_iommu_backend(&vfio_noiommu_backend);
}

void vfio_noiommu_exit(void)
{
	vfio_unregister_iommu_backend(&vfio_noiommu_backend);
}
