// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio.ko: module setup.
 *
 * The module owns two device classes and one character device region:
 *
 *  - class "vfio" holds the group nodes (/dev/vfio/N, /dev/vfio/noiommu-N),
 *    whose minors come from the region allocated here;
 *  - class "vfio-dev" holds one "vfioN" device per registered vfio_device,
 *    a child of the device it exposes; with CONFIG_VFIO_DEVICE_CDEV it has
 *    a node, /dev/vfio/devices/vfioN, from a second region (cdev.c).
 *
 * The container node /dev/vfio/vfio is a misc device (container.c).
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "core.h"

#ifdef CONFIG_VFIO_NOIOMMU
bool vfio_noiommu __read_mostly;
module_param_named(enable_unsafe_noiommu_mode, vfio_noiommu, bool, 0644);
MODULE_PARM_DESC(enable_unsafe_noiommu_mode,
		 "Expose devices without an IOMMU (/dev/vfio/noiommu-N). UNSAFE: the device can DMA anywhere in memory, so the user (who needs CAP_SYS_RAWIO) owns the machine; the kernel is tainted. Not for VMs. (default: false)");
#endif

struct class *vfio_group_class;
struct class *vfio_device_class;
dev_t vfio_group_devt;

static char *vfio_group_devnode(const struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "vfio/%s", dev_name(dev));
}

static int __init vfio_init(void)
{
	int ret;

	ret = vfio_virqfd_init();
	if (ret)
		return ret;

	vfio_group_class = class_create("vfio");
	if (IS_ERR(vfio_group_class)) {
		ret = PTR_ERR(vfio_group_class);
		goto err_virqfd;
	}
	vfio_group_class->devnode = vfio_group_devnode;

	ret = alloc_chrdev_region(&vfio_group_devt, 0, MINORMASK + 1, "vfio");
	if (ret)
		goto err_group_class;

	vfio_device_class = class_create("vfio-dev");
	if (IS_ERR(vfio_device_class)) {
		ret = PTR_ERR(vfio_device_class);
		goto err_chrdev;
	}

	ret = vfio_cdev_init();
	if (ret)
		goto err_device_class;

	/* Last: from here on userspace can open /dev/vfio/vfio. */
	ret = vfio_container_init();
	if (ret)
		goto err_cdev;
	ret = vfio_noiommu_init();
	if (ret)
		goto err_container;

	pr_info("VFIO core loaded\n");
	return 0;

err_container:
	vfio_container_exit();
err_cdev:
	vfio_cdev_exit();
err_device_class:
	class_destroy(vfio_device_class);
err_chrdev:
	unregister_chrdev_region(vfio_group_devt, MINORMASK + 1);
err_group_class:
	class_destroy(vfio_group_class);
err_virqfd:
	vfio_virqfd_exit();
	return ret;
}

static void __exit vfio_exit(void)
{
	vfio_noiommu_exit();
	vfio_container_exit();
	vfio_cdev_exit();
	class_destroy(vfio_device_class);
	unregister_chrdev_region(vfio_group_devt, MINORMASK + 1);
	class_destroy(vfio_group_class);
	vfio_virqfd_exit();
	vfio_group_exit();
	vfio_device_exit();
}

module_init(vfio_init);
module_exit(vfio_exit);

MODULE_VERSION("0.3");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO: userspace access to devices through the IOMMU");
MODULE_SOFTDEP("post: vfio_iommu_type1 vfio_iommu_spapr_tce");
