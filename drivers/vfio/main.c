// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio.ko: module setup.
 *
 * Each object file owns what userspace sees of it: group.c the class
 * "vfio" of the group nodes (/dev/vfio/N, /dev/vfio/noiommu-N) and their
 * character device region, device.c the class "vfio-dev" of the "vfioN"
 * devices (children of the devices they expose), cdev.c their nodes
 * /dev/vfio/devices/vfioN with CONFIG_VFIO_DEVICE_CDEV, and container.c
 * the misc device /dev/vfio/vfio.  This file only brings them up in
 * order and down in reverse.
 */
#include <linux/module.h>
#include "core.h"

static int __init vfio_init(void)
{
	int ret;

	ret = vfio_virqfd_init();
	if (ret)
		return ret;
	ret = vfio_group_init();
	if (ret)
		goto err_virqfd;
	ret = vfio_device_init();
	if (ret)
		goto err_group;
	ret = vfio_cdev_init();
	if (ret)
		goto err_device;

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
err_device:
	vfio_device_exit();
err_group:
	vfio_group_exit();
err_virqfd:
	vfio_virqfd_exit();
	return ret;
}

static void __exit vfio_exit(void)
{
	vfio_noiommu_exit();
	vfio_container_exit();
	vfio_cdev_exit();
	vfio_device_exit();
	vfio_group_exit();
	vfio_virqfd_exit();
}

module_init(vfio_init);
module_exit(vfio_exit);

MODULE_VERSION("0.3");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO: userspace access to devices through the IOMMU");
MODULE_SOFTDEP("post: vfio_iommu_type1 vfio_iommu_spapr_tce");
