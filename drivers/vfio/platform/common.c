// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform-base: what the platform and AMBA binders share.
 *
 * Bind (init_common): learn the device's identity, list its regions and
 * interrupts, and find a reset function; a device that needs one and has
 * none is refused here, before it can reach a user.
 *
 * Open: runtime-resume the device, map its regions, request its interrupt
 * handlers (lines disabled until the user sets a trigger) and reset it,
 * so each user starts from a known state.  Close undoes the same steps in
 * reverse order, resetting the device while the handlers are still
 * installed so that an interrupt the reset clears is not left pending on
 * a line nobody owns.
 */
#include <linux/acpi.h>
#include <linux/module.h>
#include <linux/pm_runtime.h>
#include <linux/property.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "vfio_platform_private.h"

/* ACPI names the device by _HID; device tree by its first compatible. */
static int vfio_platform_identify(struct vfio_platform_device *vdev)
{
	struct device *dev = vdev->device;
	int ret;

	if (has_acpi_companion(dev)) {
		vdev->acpihid = vfio_platform_acpi_hid(dev);
		return vdev->acpihid ? 0 : -EINVAL;
	}
	ret = device_property_read_string(dev, "compatible", &vdev->compat);
	if (ret)
		dev_err(dev, "no compatible string: cannot match a reset\n");
	return ret;
}

/**
 * vfio_platform_init_common - set up a device being bound
 * @vdev: allocated by vfio_alloc_device() around its &vfio_device
 * @bus: the binder's description of its bus
 * @reset_required: refuse the device if it cannot be reset
 *
 * Called from the binder's &vfio_device_ops.init.
 *
 * Return: 0, or a negative errno (-ENOENT: no reset function while one is
 * required).
 */
int vfio_platform_init_common(struct vfio_platform_device *vdev,
			      const struct vfio_platform_bus *bus,
			      bool reset_required)
{
	int ret;

	vdev->device = vdev->vdev.dev;
	vdev->bus = bus;
	vdev->reset_required = reset_required;
	mutex_init(&vdev->igate);

	ret = vfio_platform_identify(vdev);
	if (ret)
		goto err_mutex;

	ret = vfio_platform_reset_probe(vdev);
	if (ret && reset_required) {
		dev_err(vdev->device,
			"no reset function for %s, refusing the device (reset_required)\n",
			vdev->compat ?: vdev->acpihid);
		goto err_mutex;
	}

	ret = vfio_platform_regions_probe(vdev);
	if (ret)
		goto err_reset;
	ret = vfio_platform_irqs_probe(vdev);
	if (ret)
		goto err_regions;
	return 0;

err_regions:
	kfree(vdev->regions);
	vdev->regions = NULL;
	vdev->num_regions = 0;
err_reset:
	vfio_platform_reset_put(vdev);
err_mutex:
	mutex_destroy(&vdev->igate);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_platform_init_common);

/**
 * vfio_platform_release_common - free what vfio_platform_init_common() set up
 * @vdev: the device; called from the binder's &vfio_device_ops.release
 */
void vfio_platform_release_common(struct vfio_platform_device *vdev)
{
	vfio_platform_irqs_free(vdev);
	kfree(vdev->regions);
	vdev->regions = NULL;
	vdev->num_regions = 0;
	vfio_platform_reset_put(vdev);
	mutex_destroy(&vdev->igate);
}
EXPORT_SYMBOL_GPL(vfio_platform_release_common);

/**
 * vfio_platform_probe_common - allocate and publish a device being bound
 * @dev: the platform or AMBA device
 * @ops: the binder's callbacks; their .init calls vfio_platform_init_common()
 *
 * Return: 0 or a negative errno; on success the device's driver data
 * points at the new &struct vfio_platform_device.
 */
int vfio_platform_probe_common(struct device *dev,
			       const struct vfio_device_ops *ops)
{
	struct vfio_platform_device *vdev;
	int ret;

	vdev = vfio_alloc_device(vfio_platform_device, vdev, dev, ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	ret = vfio_register_group_dev(&vdev->vdev);
	if (ret) {
		vfio_put_device(&vdev->vdev);
		return ret;
	}
	dev_set_drvdata(dev, vdev);
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_platform_probe_common);

/**
 * vfio_platform_remove_common - withdraw a device being unbound
 * @dev: the device vfio_platform_probe_common() published
 *
 * Waits for its users to close it, then frees it.
 */
void vfio_platform_remove_common(struct device *dev)
{
	struct vfio_platform_device *vdev = dev_get_drvdata(dev);

	vfio_unregister_group_dev(&vdev->vdev);
	vfio_put_device(&vdev->vdev);
}
EXPORT_SYMBOL_GPL(vfio_platform_remove_common);

/*
 * Reset at open and close.  A failure is fatal at open only when the
 * device requires a reset; otherwise the user gets the device as it is.
 */
static int vfio_platform_reset_for_user(struct vfio_platform_device *vdev,
					const char *when)
{
	int ret;

	if (!vfio_platform_can_reset(vdev))
		return 0;
	ret = vfio_platform_do_reset(vdev);
	if (ret)
		dev_warn(vdev->device, "reset at %s failed: %d\n", when, ret);
	return vdev->reset_required ? ret : 0;
}

/**
 * vfio_platform_open_device - &vfio_device_ops.open_device of the binders
 * @core_vdev: the device
 *
 * Return: 0 or a negative errno.
 */
int vfio_platform_open_device(struct vfio_device *core_vdev)
{
	struct vfio_platform_device *vdev = to_vfio_platform(core_vdev);
	int ret;

	ret = pm_runtime_resume_and_get(vdev->device);
	if (ret)
		return ret;
	ret = vfio_platform_regions_map(vdev);
	if (ret)
		goto err_pm;

	mutex_lock(&vdev->igate);
	vfio_platform_irqs_request(vdev);
	mutex_unlock(&vdev->igate);

	ret = vfio_platform_reset_for_user(vdev, "open");
	if (ret)
		goto err_irqs;
	return 0;

err_irqs:
	mutex_lock(&vdev->igate);
	vfio_platform_irqs_release(vdev);
	mutex_unlock(&vdev->igate);
	vfio_platform_regions_unmap(vdev);
err_pm:
	pm_runtime_put(vdev->device);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_platform_open_device);

/**
 * vfio_platform_close_device - &vfio_device_ops.close_device of the binders
 * @core_vdev: the device
 */
void vfio_platform_close_device(struct vfio_device *core_vdev)
{
	struct vfio_platform_device *vdev = to_vfio_platform(core_vdev);

	vfio_platform_reset_for_user(vdev, "close");
	mutex_lock(&vdev->igate);
	vfio_platform_irqs_release(vdev);
	mutex_unlock(&vdev->igate);
	vfio_platform_regions_unmap(vdev);
	pm_runtime_put(vdev->device);
}
EXPORT_SYMBOL_GPL(vfio_platform_close_device);

static long vfio_platform_ioctl_get_info(struct vfio_platform_device *vdev,
					 void *karg, void __user *uarg)
{
	struct vfio_device_info *info = karg;

	info->flags = vdev->bus->device_flags;
	if (vfio_platform_can_reset(vdev))
		info->flags |= VFIO_DEVICE_FLAGS_RESET;
	info->num_regions = vdev->num_regions;
	info->num_irqs = vdev->num_irqs;
	info->cap_offset = 0;
	return 0;
}

static long vfio_platform_ioctl_region_info(struct vfio_platform_device *vdev,
					    void *karg, void __user *uarg)
{
	struct vfio_region_info *info = karg;

	if (info->index >= vdev->num_regions)
		return -EINVAL;
	info->offset = vfio_platform_index_offset(info->index);
	info->size = vdev->regions[info->index].size;
	info->flags = vdev->regions[info->index].flags;
	info->cap_offset = 0;
	return 0;
}

static long vfio_platform_ioctl_irq_info(struct vfio_platform_device *vdev,
					 void *karg, void __user *uarg)
{
	struct vfio_irq_info *info = karg;

	if (info->index >= vdev->num_irqs)
		return -EINVAL;
	info->flags = vdev->irqs[info->index].flags;
	info->count = 1;
	return 0;
}

static long vfio_platform_ioctl_set_irqs(struct vfio_platform_device *vdev,
					 void *karg, void __user *uarg)
{
	struct vfio_irq_set *hdr = karg;
	size_t data_size = 0;
	void *data = NULL;
	int ret;

	/* Each index is one interrupt. */
	ret = vfio_set_irqs_validate_and_prepare(hdr, 1, vdev->num_irqs,
						 &data_size);
	if (ret)
		return ret;
	if (data_size) {
		data = memdup_user(uarg + offsetof(struct vfio_irq_set, data),
				   data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	mutex_lock(&vdev->igate);
	ret = vfio_platform_set_irqs(vdev, hdr->flags, hdr->index, hdr->start,
				     hdr->count, data);
	mutex_unlock(&vdev->igate);
	kfree(data);
	return ret;
}

static long vfio_platform_ioctl_reset(struct vfio_platform_device *vdev,
				      void *karg, void __user *uarg)
{
	return vfio_platform_do_reset(vdev);
}

static const VFIO_IOCTL_TABLE(vfio_platform_device) vfio_platform_ioctls[] = {
	VFIO_IOCTL_OP(VFIO_DEVICE_GET_INFO, vfio_platform_ioctl_get_info,
		      struct vfio_device_info, num_irqs,
		      VFIO_IOCTL_ANY_FLAGS, true),
	VFIO_IOCTL_OP(VFIO_DEVICE_GET_REGION_INFO,
		      vfio_platform_ioctl_region_info, struct vfio_region_info,
		      offset, VFIO_IOCTL_ANY_FLAGS, true),
	VFIO_IOCTL_OP(VFIO_DEVICE_GET_IRQ_INFO, vfio_platform_ioctl_irq_info,
		      struct vfio_irq_info, count, VFIO_IOCTL_ANY_FLAGS, true),
	/* The flags are checked by vfio_set_irqs_validate_and_prepare(). */
	VFIO_IOCTL_OP(VFIO_DEVICE_SET_IRQS, vfio_platform_ioctl_set_irqs,
		      struct vfio_irq_set, count, VFIO_IOCTL_ANY_FLAGS, false),
	VFIO_IOCTL_RAW(VFIO_DEVICE_RESET, vfio_platform_ioctl_reset),
};

/**
 * vfio_platform_ioctl - &vfio_device_ops.ioctl of the binders
 * @core_vdev: the device
 * @cmd: the ioctl
 * @arg: its argument
 *
 * Return: what the ioctl returns, -ENOTTY for one the device lacks.
 */
long vfio_platform_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
			 unsigned long arg)
{
	return vfio_ioctl_dispatch(to_vfio_platform(core_vdev),
				   vfio_platform_ioctls, cmd, arg);
}
EXPORT_SYMBOL_GPL(vfio_platform_ioctl);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO platform bus drivers: shared code");
