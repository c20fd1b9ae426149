// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform: the binder for devices on the platform bus.
 *
 * Bind a device with driver_override ("vfio-platform").  A platform
 * device must be resettable to be handed to a user, unless the module is
 * loaded with reset_required=0.
 */
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/pm_runtime.h>
#include "vfio_platform_private.h"

static bool reset_required = true;
module_param(reset_required, bool, 0444);
MODULE_PARM_DESC(reset_required,
		 "refuse devices no reset function is known for (default: 1)");

static struct resource *vfio_platform_bus_resource(struct device *dev,
						   unsigned int i)
{
	return platform_get_mem_or_io(to_platform_device(dev), i);
}

static int vfio_platform_bus_irq(struct device *dev, unsigned int i)
{
	return platform_get_irq_optional(to_platform_device(dev), i);
}

static const struct vfio_platform_bus vfio_platform_bus = {
	.device_flags = VFIO_DEVICE_FLAGS_PLATFORM,
	.resource = vfio_platform_bus_resource,
	.irq = vfio_platform_bus_irq,
};

static int vfio_platform_bus_init(struct vfio_device *core_vdev)
{
	struct vfio_platform_device *vdev = to_vfio_platform(core_vdev);

	vdev->name = to_platform_device(core_vdev->dev)->name;
	return vfio_platform_init_common(vdev, &vfio_platform_bus,
					 reset_required);
}

static void vfio_platform_bus_release(struct vfio_device *core_vdev)
{
	vfio_platform_release_common(to_vfio_platform(core_vdev));
}

static const struct vfio_device_ops vfio_platform_bus_ops = {
	.name = "vfio-platform",
	.init = vfio_platform_bus_init,
	.release = vfio_platform_bus_release,
	VFIO_PLATFORM_SHARED_OPS,
};

static int vfio_platform_bus_probe(struct platform_device *pdev)
{
	int ret;

	/* The platform bus leaves runtime PM to the driver. */
	pm_runtime_enable(&pdev->dev);
	ret = vfio_platform_probe_common(&pdev->dev, &vfio_platform_bus_ops);
	if (ret)
		pm_runtime_disable(&pdev->dev);
	return ret;
}

static void vfio_platform_bus_remove(struct platform_device *pdev)
{
	vfio_platform_remove_common(&pdev->dev);
	pm_runtime_disable(&pdev->dev);
}

static struct platform_driver vfio_platform_driver = {
	.driver.name = "vfio-platform",
	.probe = vfio_platform_bus_probe,
	.remove = vfio_platform_bus_remove,
	/* VFIO claims DMA ownership for the user, per group. */
	.driver_managed_dma = true,
};
module_platform_driver(vfio_platform_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO bus driver for platform devices");
