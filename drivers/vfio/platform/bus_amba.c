// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-amba: the binder for ARM PrimeCell devices on the AMBA bus.
 *
 * Bind a device with driver_override ("vfio-amba").  An AMBA device has
 * one memory resource and up to AMBA_NR_IRQS interrupts (0 marks an unused
 * slot).  It is reset at open and close when a reset module knows it, but
 * does not have to be: as in 6.12, AMBA devices never require a reset.
 *
 * The AMBA bus core enables runtime PM around probe and disables it at
 * remove (holding a usage count in between), so this driver must not
 * enable it again: 6.12 did and got "Unbalanced pm_runtime_enable!".
 */
#include <linux/amba/bus.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "vfio_platform_private.h"

static struct resource *vfio_amba_resource(struct device *dev, unsigned int i)
{
	return i ? NULL : &to_amba_device(dev)->res;
}

static int vfio_amba_irq(struct device *dev, unsigned int i)
{
	struct amba_device *adev = to_amba_device(dev);

	if (i >= AMBA_NR_IRQS || !adev->irq[i])
		return -ENXIO;
	return adev->irq[i];
}

static const struct vfio_platform_bus vfio_amba_bus = {
	.device_flags = VFIO_DEVICE_FLAGS_AMBA,
	.resource = vfio_amba_resource,
	.irq = vfio_amba_irq,
};

static int vfio_amba_init(struct vfio_device *core_vdev)
{
	struct vfio_platform_device *vdev = to_vfio_platform(core_vdev);
	struct amba_device *adev = to_amba_device(core_vdev->dev);
	int ret;

	/* The peripheral ID names the device in interrupt names. */
	vdev->name = kasprintf(GFP_KERNEL, "vfio-amba-%08x", adev->periphid);
	if (!vdev->name)
		return -ENOMEM;
	ret = vfio_platform_init_common(vdev, &vfio_amba_bus, false);
	if (ret)
		kfree(vdev->name);
	return ret;
}

static void vfio_amba_release(struct vfio_device *core_vdev)
{
	struct vfio_platform_device *vdev = to_vfio_platform(core_vdev);

	vfio_platform_release_common(vdev);
	kfree(vdev->name);
}

static const struct vfio_device_ops vfio_amba_ops = {
	.name = "vfio-amba",
	.init = vfio_amba_init,
	.release = vfio_amba_release,
	VFIO_PLATFORM_SHARED_OPS,
};

static int vfio_amba_probe(struct amba_device *adev, const struct amba_id *id)
{
	return vfio_platform_probe_common(&adev->dev, &vfio_amba_ops);
}

static void vfio_amba_remove(struct amba_device *adev)
{
	vfio_platform_remove_common(&adev->dev);
}

/*
 * An empty table (the AMBA core walks it even when driver_override
 * decides the match): the driver binds only what it is told to.
 */
static const struct amba_id vfio_amba_ids[] = {
	{ }
};
MODULE_DEVICE_TABLE(amba, vfio_amba_ids);

static struct amba_driver vfio_amba_driver = {
	.drv.name = "vfio-amba",
	.id_table = vfio_amba_ids,
	.probe = vfio_amba_probe,
	.remove = vfio_amba_remove,
	/* VFIO claims DMA ownership for the user, per group. */
	.driver_managed_dma = true,
};
module_amba_driver(vfio_amba_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO bus driver for ARM AMBA (PrimeCell) devices");
