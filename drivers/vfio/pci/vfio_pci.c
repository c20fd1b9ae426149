// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: the generic VFIO driver for PCI functions.
 *
 * It binds to nothing by itself: the administrator hands it a function
 * with driver_override, a new_id, or the ids= parameter at load time.
 * Each bound function becomes a struct vfio_pci_core_device and all the
 * work is done by vfio-pci-core; this file only holds the pci_driver, the
 * module parameters and the denylist of functions known to be unsafe in a
 * user's hands.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio_pci_core.h>

static char ids[1024] __initdata;
module_param_string(ids, ids, sizeof(ids), 0);
MODULE_PARM_DESC(ids, "Comma separated PCI IDs to bind at load time, each \"vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]\" in hex");

static bool nointxmask;
module_param(nointxmask, bool, 0644);
MODULE_PARM_DESC(nointxmask, "Never mask INTx with the command register (PCI 2.3 DisINTx); INTx lines must then be exclusive.  A device that needs this deserves a broken_intx_masking quirk: please report it to linux-pci@vger.kernel.org with lspci -vvvxxx");

#ifdef CONFIG_VFIO_PCI_VGA
static bool disable_vga;
module_param(disable_vga, bool, 0444);
MODULE_PARM_DESC(disable_vga, "Do not give users the legacy VGA ranges of VGA devices");
#endif

static bool disable_idle_d3;
module_param(disable_idle_d3, bool, 0644);
MODULE_PARM_DESC(disable_idle_d3, "Keep bound devices in D0 while nobody uses them");

static bool enable_sriov;
#ifdef CONFIG_PCI_IOV
module_param(enable_sriov, bool, 0644);
MODULE_PARM_DESC(enable_sriov, "Allow enabling VFs of a bound PF through sysfs sriov_numvfs.  The VFs usually only work if the PF's user supports them");
#endif

static bool disable_denylist;
module_param(disable_denylist, bool, 0444);
MODULE_PARM_DESC(disable_denylist, "Bind even devices on the denylist, whose errata let a user crash or compromise the host");

/* Functions with errata that let a user take down or subvert the host. */
static const struct pci_device_id vfio_pci_denylist[] = {
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C3XXX) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C3XXX_VF) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C62X) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C62X_VF) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_DH895XCC) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_DH895XCC_VF) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_DSA_SPR0) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_IAX_SPR0) },
	{}
};

static bool vfio_pci_refused(struct pci_dev *pdev)
{
	if (!pci_match_id(vfio_pci_denylist, pdev))
		return false;

	if (disable_denylist) {
		pci_warn(pdev, "%04x:%04x is denylisted, binding anyway (disable_denylist)\n",
			 pdev->vendor, pdev->device);
		return false;
	}
	pci_warn(pdev, "%04x:%04x is denylisted: not binding\n",
		 pdev->vendor, pdev->device);
	return true;
}

static const struct vfio_device_ops vfio_pci_ops = {
	.open_device	= vfio_pci_core_open_device,
	.match		= vfio_pci_core_match,
	.request	= vfio_pci_core_request,
	.close_device	= vfio_pci_core_close_device,
	.read		= vfio_pci_core_read,
	.write		= vfio_pci_core_write,
	.mmap		= vfio_pci_core_mmap,
	.get_unmapped_area = vfio_pci_core_place_mmap,
	.ioctl		= vfio_pci_core_ioctl,
	.device_feature	= vfio_pci_core_ioctl_feature,
	.init		= vfio_pci_core_init_dev,
	.release	= vfio_pci_core_release_dev,
	.bind_iommufd	= vfio_iommufd_physical_bind,
	.unbind_iommufd	= vfio_iommufd_physical_unbind,
	.attach_ioas	= vfio_iommufd_physical_attach_ioas,
	.detach_ioas	= vfio_iommufd_physical_detach_ioas,
	.name		= "vfio-pci",
};

static int vfio_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vfio_pci_core_device *core;
	int err;

	if (vfio_pci_refused(pdev))
		return -EINVAL;

	core = vfio_alloc_device(vfio_pci_core_device, vdev, &pdev->dev,
				 &vfio_pci_ops);
	err = PTR_ERR_OR_ZERO(core);
	if (!err) {
		dev_set_drvdata(&pdev->dev, core);
		err = vfio_pci_core_register_device(core);
		if (err)
			vfio_put_device(&core->vdev);
	}
	return err;
}

static void vfio_pci_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_put_device(&vdev->vdev);
}

static int vfio_pci_sriov_configure(struct pci_dev *pdev, int nr_virtfn)
{
	if (!enable_sriov)
		return -ENOENT;
	return vfio_pci_core_sriov_configure(dev_get_drvdata(&pdev->dev),
					     nr_virtfn);
}

/* Any function, but only when driver_override names us. */
static const struct pci_device_id vfio_pci_table[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_ANY_ID, PCI_ANY_ID) },
	{}
};
MODULE_DEVICE_TABLE(pci, vfio_pci_table);

static struct pci_driver vfio_pci_driver = {
	.name			= "vfio-pci",
	.driver.pm		= &vfio_pci_core_pm_ops,
	.driver_managed_dma	= true,
	.err_handler		= &vfio_pci_core_err_handlers,
	.id_table		= vfio_pci_table,
	.sriov_configure	= vfio_pci_sriov_configure,
	.probe			= vfio_pci_probe,
	.remove			= vfio_pci_remove,
};

/* One "vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]" entry. */
static void __init vfio_pci_add_one_id(const char *text)
{
	/* vendor, device, subvendor, subdevice, class, class_mask */
	unsigned int f[6] = { 0, 0, PCI_ANY_ID, PCI_ANY_ID, 0, 0 };
	int err;

	if (sscanf(text, "%x:%x:%x:%x:%x:%x",
		   &f[0], &f[1], &f[2], &f[3], &f[4], &f[5]) < 2) {
		pr_warn("ignoring bad id \"%s\"\n", text);
		return;
	}

	err = pci_add_dynid(&vfio_pci_driver, f[0], f[1], f[2], f[3], f[4],
			    f[5], 0);
	if (err) {
		pr_warn("cannot add id %04x:%04x sub %04x:%04x class %#08x/%08x: %d\n",
			f[0], f[1], f[2], f[3], f[4], f[5], err);
		return;
	}
	pr_info("added id %04x:%04x sub %04x:%04x class %#08x/%08x\n",
		f[0], f[1], f[2], f[3], f[4], f[5]);
}

/* ids= is a comma separated list; empty entries are skipped. */
static void __init vfio_pci_add_ids(void)
{
	char *cursor = ids, *entry;

	while ((entry = strsep(&cursor, ",")) != NULL)
		if (*entry)
			vfio_pci_add_one_id(entry);
}

static int __init vfio_pci_init(void)
{
	bool no_vga = true;
	int ret;

#ifdef CONFIG_VFIO_PCI_VGA
	no_vga = disable_vga;
#endif
	vfio_pci_core_set_params(nointxmask, no_vga, disable_idle_d3);

	ret = pci_register_driver(&vfio_pci_driver);
	if (ret)
		return ret;
	vfio_pci_add_ids();
	if (disable_denylist)
		pr_warn("denylist disabled: known unsafe devices may bind\n");
	return 0;
}
module_init(vfio_pci_init);

static void __exit vfio_pci_exit(void)
{
	pci_unregister_driver(&vfio_pci_driver);
}
module_exit(vfio_pci_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO: the generic PCI driver");
