// SPDX-License-Identifier: GPL-2.0-only
/*
 * Publishing a device: vfio_register_group_dev(),
 * vfio_register_emulated_iommu_dev() and vfio_unregister_group_dev().
 *
 * Registration is the top of the core's layers (core.h): it puts the
 * device in its group (group.c), makes its vfioN device and node
 * (cdev.c), and only then lets files be opened, by setting
 * @vdev->registration to one.  Unregistration hides the device from new
 * opens, drops that reference and waits for the device files, which each
 * hold one, to be closed, asking the driver to nudge the user (the
 * request callback) every ten seconds meanwhile.
 */
#include <linux/module.h>
#include <linux/sched.h>
#include "core.h"

/* How often unregistration asks the user to release a device. */
#define VFIO_REQUEST_PERIOD	(10 * HZ)

/*
 * What the core relies on from every bus driver: the optional callback
 * tables it calls without checking each member are complete, and a
 * migratable device supports at least the STOP_COPY flow.
 */
static bool vfio_device_ops_complete(struct vfio_device *vdev)
{
	const struct vfio_migration_ops *mig = vdev->mig_ops;
	const struct vfio_log_ops *log = vdev->log_ops;

	if (mig && (!mig->migration_set_state || !mig->migration_get_state ||
		    !mig->migration_get_data_size ||
		    !(vdev->migration_flags & VFIO_MIGRATION_STOP_COPY)))
		return false;
	if (log && (!log->log_start || !log->log_stop ||
		    !log->log_read_and_clear))
		return false;
	return true;
}

static int vfio_device_register(struct vfio_device *vdev,
				enum vfio_group_type type)
{
	int ret;

	if (!vfio_device_ops_complete(vdev))
		return -EINVAL;

	if (!vdev->dev_set) {
		ret = vfio_assign_device_set(vdev, vdev);
		if (ret)
			return ret;
	}

	ret = dev_set_name(&vdev->device, "vfio%d", vdev->index);
	if (ret)
		return ret;

	ret = vfio_group_add_device(vdev, type);
	if (ret)
		return ret;

	/*
	 * The IOMMU mappings are always made cache coherent (userspace has
	 * no way to flush), which needs an IOMMU able to do so.
	 */
	if (vdev->group->type == VFIO_IOMMU &&
	    !device_iommu_capable(vdev->dev, IOMMU_CAP_CACHE_COHERENCY)) {
		ret = -EINVAL;
		goto err_group;
	}

	/* The vfioN device, and with CONFIG_VFIO_DEVICE_CDEV its node. */
	vfio_cdev_prepare(vdev);
	ret = vfio_cdev_add(vdev);
	if (ret)
		goto err_group;

	reinit_completion(&vdev->unregistered);
	refcount_set(&vdev->registration, 1);
	vfio_group_publish_device(vdev);
	return 0;

err_group:
	vfio_group_remove_device(vdev);
	return ret;
}

/**
 * vfio_register_group_dev - publish a device isolated by its IOMMU group
 * @vdev: from vfio_alloc_device()
 *
 * The device becomes reachable through /dev/vfio/N of its iommu_group
 * (created with the first device of the group).  Without an IOMMU the
 * device is refused, unless noiommu mode is enabled, in which case it
 * gets a /dev/vfio/noiommu-N of its own and the kernel is tainted.
 *
 * Return: 0 or a negative errno (-EINVAL when there is no usable IOMMU).
 */
int vfio_register_group_dev(struct vfio_device *vdev)
{
	return vfio_device_register(vdev, VFIO_IOMMU);
}
EXPORT_SYMBOL_GPL(vfio_register_group_dev);

/**
 * vfio_register_emulated_iommu_dev - publish a device whose DMA the driver
 *	performs itself
 * @vdev: from vfio_alloc_device(); @vdev->ops must have a dma_unmap
 *	callback to use vfio_pin_pages()
 *
 * The device gets a group of its own; the user's mappings reach the
 * driver through vfio_pin_pages() and vfio_dma_rw(), never the hardware.
 *
 * Return: 0 or a negative errno.
 */
int vfio_register_emulated_iommu_dev(struct vfio_device *vdev)
{
	return vfio_device_register(vdev, VFIO_EMULATED_IOMMU);
}
EXPORT_SYMBOL_GPL(vfio_register_emulated_iommu_dev);

/*
 * Wait until every device file is closed, asking the user to close them.
 * Each successful wait consumes the completion, so the loop ends on the
 * first one that sees it.
 */
static void vfio_device_wait_closed(struct vfio_device *vdev)
{
	bool interruptible = true;
	unsigned int asked = 0;
	long left;

	if (try_wait_for_completion(&vdev->unregistered))
		return;

	do {
		if (vdev->ops->request)
			vdev->ops->request(vdev, asked++);

		if (!interruptible) {
			left = wait_for_completion_timeout(&vdev->unregistered,
							   VFIO_REQUEST_PERIOD);
			continue;
		}

		left = wait_for_completion_interruptible_timeout(&vdev->unregistered,
								 VFIO_REQUEST_PERIOD);
		if (left < 0) {
			/* A signal cannot abort the removal, only note it. */
			interruptible = false;
			dev_warn(vdev->dev,
				 "device in use, \"%s\" (%d) waits for its release\n",
				 current->comm, task_pid_nr(current));
		}
	} while (left <= 0);
}

/**
 * vfio_unregister_group_dev - withdraw a published device
 * @vdev: registered with vfio_register_group_dev() or
 *	vfio_register_emulated_iommu_dev()
 *
 * No new device file can be opened once this starts.  It then waits for
 * the open ones to be closed, calling &vfio_device_ops.request every ten
 * seconds meanwhile; a signal does not end the wait.  After it returns
 * the driver may free @vdev with vfio_put_device().
 *
 * Context: process context; may sleep for as long as userspace keeps the
 * device open.
 */
void vfio_unregister_group_dev(struct vfio_device *vdev)
{
	vfio_group_hide_device(vdev);
	vfio_cdev_del(vdev);

	vfio_device_put_registration(vdev);
	vfio_device_wait_closed(vdev);

	vfio_group_remove_device(vdev);
}
EXPORT_SYMBOL_GPL(vfio_unregister_group_dev);
