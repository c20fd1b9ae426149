// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci-core: device lifetime, open and close, and the ioctls that
 * describe the device.
 *
 * A struct vfio_pci_core_device goes through three states:
 *
 *   allocated   vfio_alloc_device() ran init_dev: locks and lists exist,
 *               nothing touches the hardware;
 *   registered  vfio_pci_core_register_device(): in a device set (its
 *               slot, its bus or alone, depending on how it can be reset),
 *               runtime PM may suspend it while unused, and userspace can
 *               find it in its group;
 *   open        between open_device and close_device (under the device
 *               set lock): the function is enabled, reset if possible, its
 *               config space is saved, virtual config space, MSI-X layout
 *               and BAR mmap policy exist.  Everything else the user does
 *               happens in this state.
 *
 * Close undoes open in reverse and leaves the function as it was found,
 * reset when possible.  The ioctls are one table run by the VFIO core's
 * dispatcher; the GET_*_INFO handlers live here, the others next to what
 * they act on.
 */
#include <linux/aperture.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/nospec.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vgaarb.h>

#include "priv.h"

/* Set by vfio-pci from its module parameters. */
static bool param_nointxmask;
static bool param_disable_vga = true;
static bool param_disable_idle_d3;

/**
 * vfio_pci_core_set_params - module wide settings
 * @nointxmask: never use PCI 2.3 INTx masking (INTx lines become exclusive)
 * @is_disable_vga: do not expose legacy VGA ranges
 * @is_disable_idle_d3: keep unused functions in D0
 *
 * Called by vfio-pci before it registers its driver.
 */
void vfio_pci_core_set_params(bool nointxmask, bool is_disable_vga,
			      bool is_disable_idle_d3)
{
	param_nointxmask = nointxmask;
	param_disable_vga = is_disable_vga;
	param_disable_idle_d3 = is_disable_idle_d3;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_set_params);

static bool vfio_pci_vga_disabled(void)
{
	return !IS_ENABLED(CONFIG_VFIO_PCI_VGA) || param_disable_vga;
}

/* --- VGA arbitration --- */

/*
 * What legacy VGA resources the function decodes, for the VGA arbiter.
 * Without VGA access for the user, nobody reaches the legacy ranges
 * through us; we can then say we do not decode them, unless a VGA device
 * behind our bus needs them routed through.
 */
static unsigned int vfio_pci_vga_decode(struct pci_dev *pdev, bool single_vga)
{
	const unsigned int legacy = VGA_RSRC_LEGACY_IO | VGA_RSRC_LEGACY_MEM;
	const unsigned int normal = VGA_RSRC_NORMAL_IO | VGA_RSRC_NORMAL_MEM;
	struct pci_dev *other = NULL;
	unsigned char last_bus;

	if (single_vga || !vfio_pci_vga_disabled() ||
	    pci_is_root_bus(pdev->bus))
		return normal | legacy;

	last_bus = pci_bus_max_busnr(pdev->bus);
	while ((other = pci_get_class(PCI_CLASS_DISPLAY_VGA << 8, other))) {
		if (other == pdev || pci_is_root_bus(other->bus) ||
		    pci_domain_nr(other->bus) != pci_domain_nr(pdev->bus))
			continue;
		if (other->bus->number >= pdev->bus->number &&
		    other->bus->number <= last_bus) {
			pci_dev_put(other);
			return normal | legacy;
		}
	}
	return normal;
}

#define VFIO_PCI_VGA_RSRC_ALL \
	(VGA_RSRC_LEGACY_IO | VGA_RSRC_LEGACY_MEM | \
	 VGA_RSRC_NORMAL_IO | VGA_RSRC_NORMAL_MEM)

/*
 * Take the device over from any firmware framebuffer and join VGA arbitration.
 * Devices that are not VGA class need none of this.
 */
static int vfio_pci_vga_init(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	int err = 0;

	if (vfio_pci_is_vga(pdev)) {
		err = aperture_remove_conflicting_pci_devices(pdev,
							      vdev->vdev.ops->name);
		if (!err)
			err = vga_client_register(pdev, vfio_pci_vga_decode);
		if (!err)
			vga_set_legacy_decoding(pdev,
						vfio_pci_vga_decode(pdev, false));
	}
	return err;
}

static void vfio_pci_vga_uninit(struct vfio_pci_core_device *vdev)
{
	if (vfio_pci_is_vga(vdev->pdev)) {
		vga_client_unregister(vdev->pdev);
		vga_set_legacy_decoding(vdev->pdev, VFIO_PCI_VGA_RSRC_ALL);
	}
}

/* --- lifetime --- */

/**
 * vfio_pci_core_init_dev - &vfio_device_ops.init for vfio-pci drivers
 * @core_vdev: the new device, embedded in a struct vfio_pci_core_device
 *
 * Return: 0.
 */
int vfio_pci_core_init_dev(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);

	vdev->pdev = to_pci_dev(core_vdev->dev);
	vdev->irq_type = VFIO_PCI_NUM_IRQS;
	vdev->msix.bar = -1;
	vdev->disable_idle_d3 = param_disable_idle_d3;
	mutex_init(&vdev->bar_lock);
	mutex_init(&vdev->rom_lock);
	init_rwsem(&vdev->memory_lock);
	mutex_init(&vdev->igate);
	spin_lock_init(&vdev->irqlock);
	spin_lock_init(&vdev->trigger_lock);
	mutex_init(&vdev->ioeventfds_lock);
	INIT_LIST_HEAD(&vdev->ioeventfds);
	INIT_LIST_HEAD(&vdev->sriov_link);
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_init_dev);

/**
 * vfio_pci_core_release_dev - &vfio_device_ops.release for vfio-pci drivers
 * @core_vdev: the device, about to be freed
 */
void vfio_pci_core_release_dev(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);

	mutex_destroy(&vdev->ioeventfds_lock);
	mutex_destroy(&vdev->igate);
	mutex_destroy(&vdev->rom_lock);
	mutex_destroy(&vdev->bar_lock);
	kfree(vdev->region);
	kfree(vdev->pm_save);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_release_dev);

/* Functions sharing a slot or bus reset must be opened and reset together. */
static int vfio_pci_assign_dev_set(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	/* Nothing else is reset with these: each is its own set. */
	if (pci_is_root_bus(pdev->bus) || pdev->is_virtfn)
		return vfio_assign_device_set(&vdev->vdev, vdev);
	if (!pci_probe_reset_slot(pdev->slot))
		return vfio_assign_device_set(&vdev->vdev, pdev->slot);
	return vfio_assign_device_set(&vdev->vdev, pdev->bus);
}

/* Runtime PM needs our callbacks to save and restore what the user set. */
static bool vfio_pci_has_runtime_pm(struct vfio_pci_core_device *vdev)
{
	return vdev->pdev->dev.driver->pm == &vfio_pci_core_pm_ops;
}

/*
 * Device set, SR-IOV token and VGA arbitration: everything register sets up
 * before the device is visible.  vfio_pci_detach_side_state() undoes it.
 */
static int vfio_pci_attach_side_state(struct vfio_pci_core_device *vdev)
{
	int err;

	err = vfio_pci_assign_dev_set(vdev);
	if (!err)
		err = vfio_pci_vf_init(vdev);
	if (err)
		return err;

	err = vfio_pci_vga_init(vdev);
	if (err)
		vfio_pci_vf_uninit(vdev);
	return err;
}

static void vfio_pci_detach_side_state(struct vfio_pci_core_device *vdev)
{
	vfio_pci_vf_uninit(vdev);
	vfio_pci_vga_uninit(vdev);
}

/*
 * Undo the runtime PM setup of registration: the PCI core expects the
 * usage count it took for probe back, and runtime PM forbidden again.
 */
static void vfio_pci_rpm_reclaim(struct vfio_pci_core_device *vdev)
{
	struct device *dev = &vdev->pdev->dev;

	if (!vfio_pci_has_runtime_pm(vdev))
		return;
	if (!vdev->disable_idle_d3)
		pm_runtime_get_noresume(dev);
	pm_runtime_forbid(dev);
}

/**
 * vfio_pci_core_register_device - publish a function to VFIO users
 * @vdev: the device, set as the pci_dev's driver data
 *
 * Refuses anything but a normal (type 0) header: bridges and CardBus
 * bridges are not for userspace.  Also refuses a PF with VFs already
 * enabled, as their users cannot be tracked.
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_core_register_device(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	struct device *dev = &pdev->dev;
	int ret;

	if (WARN_ON(vdev != dev_get_drvdata(dev)))
		return -EINVAL;
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return -EINVAL;

	/*
	 * Disabling SR-IOV here would unbind the VFs' drivers, which may
	 * block on their users: let the administrator sort it out.
	 */
	if (pci_num_vf(pdev)) {
		pci_warn(pdev, "cannot bind to a PF with SR-IOV enabled\n");
		return -EBUSY;
	}

	ret = vfio_pci_attach_side_state(vdev);
	if (ret)
		return ret;

	vfio_pci_probe_power_state(vdev);
	/*
	 * After boot or a previous driver the PCI core only allows D0 as the
	 * next state; go there now so idle D3 works before the first open.
	 */
	vfio_pci_set_power_state(vdev, PCI_D0);

	/*
	 * The PCI core took a usage count for probe.  Dropping it lets the
	 * function suspend while unused.  With idle D3 disabled it is kept,
	 * and stands for the count an open takes otherwise: the user's low
	 * power request can still drop it.
	 */
	if (vfio_pci_has_runtime_pm(vdev)) {
		pm_runtime_allow(dev);
		if (!vdev->disable_idle_d3)
			pm_runtime_put(dev);
	} else {
		/* Runtime PM stays forbidden: the count is never used. */
		vdev->disable_idle_d3 = true;
	}

	ret = vfio_register_group_dev(&vdev->vdev);
	if (!ret)
		return 0;

	vfio_pci_rpm_reclaim(vdev);
	vfio_pci_detach_side_state(vdev);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_register_device);

/**
 * vfio_pci_core_unregister_device - withdraw a function from VFIO users
 * @vdev: the device
 *
 * Waits until the user closed the device (asking it to, through the REQ
 * interrupt).  Called from the driver's remove, with the device locked.
 */
void vfio_pci_core_unregister_device(struct vfio_pci_core_device *vdev)
{
	vfio_pci_core_sriov_configure(vdev, 0);
	vfio_unregister_group_dev(&vdev->vdev);
	vfio_pci_detach_side_state(vdev);
	vfio_pci_rpm_reclaim(vdev);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_unregister_device);

/* --- open and close --- */

/* Functions whose DisINTx works but whose status bit does not. */
static bool vfio_pci_broken_intx_status(struct pci_dev *pdev)
{
	if (pdev->vendor != PCI_VENDOR_ID_INTEL)
		return false;
	switch (pdev->device) {
	case 0x1572:			/* i40e */
	case 0x1574:
	case 0x1580 ... 0x1581:
	case 0x1583 ... 0x158b:
	case 0x37d0 ... 0x37d2:
	case 0x1563:			/* X550 */
		return true;
	default:
		return false;
	}
}

/*
 * INTx masking needs DisINTx *and* the status bit telling whether the
 * function asserts the line.  Functions with only the former get INTx
 * hidden from the user (virtual pin 0) and DisINTx kept set.
 */
static void vfio_pci_probe_intx(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	u16 cmd;

	vdev->pci_2_3 = false;
	vdev->nointx = false;
	if (param_nointxmask)
		return;

	if (vfio_pci_broken_intx_status(pdev)) {
		pci_info(pdev, "hiding INTx: its masking is broken\n");
		vdev->nointx = true;
		pci_intx(pdev, 0);
		return;
	}

	vdev->pci_2_3 = pci_intx_mask_supported(pdev);
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (vdev->pci_2_3 && (cmd & PCI_COMMAND_INTX_DISABLE))
		pci_write_config_word(pdev, PCI_COMMAND,
				      cmd & ~PCI_COMMAND_INTX_DISABLE);
}

static void vfio_pci_probe_msix(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_msix_layout *m = &vdev->msix;
	struct pci_dev *pdev = vdev->pdev;
	u32 table, pba;
	u16 flags;

	vdev->has_dyn_msix = false;
	m->bar = -1;
	if (!pdev->msix_cap)
		return;

	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &flags);
	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE, &table);
	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_PBA, &pba);

	m->vectors = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	m->bar = table & PCI_MSIX_TABLE_BIR;
	m->table_start = table & PCI_MSIX_TABLE_OFFSET;
	m->table_end = m->table_start + m->vectors * PCI_MSIX_ENTRY_SIZE;
	m->pba_bar = pba & PCI_MSIX_PBA_BIR;
	m->pba_start = pba & PCI_MSIX_PBA_OFFSET;
	m->pba_end = m->pba_start + DIV_ROUND_UP(m->vectors, 64) * 8;
	vdev->has_dyn_msix = pci_msix_can_alloc_dyn(pdev);
}

/*
 * Turn the function on, try a reset and keep a copy of its config space for
 * close.  On failure the function is left disabled.
 */
static int vfio_pci_enable_and_reset(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	int err;

	/* Bus mastering must be off in the copy that close restores. */
	pci_clear_master(pdev);
	err = pci_enable_device(pdev);
	if (err)
		return err;

	/*
	 * -EAGAIN: somebody else holds the device lock, so the function could
	 * not be reset; refuse the open rather than hand out a dirty device.
	 */
	err = pci_try_reset_function(pdev);
	if (err == -EAGAIN) {
		pci_disable_device(pdev);
		return err;
	}
	vdev->reset_works = err == 0;

	pci_save_state(pdev);
	vdev->saved_state = pci_store_saved_state(pdev);
	if (!vdev->saved_state)
		pci_dbg(pdev, "cannot store config space for close\n");
	return 0;
}

/**
 * vfio_pci_core_enable - first part of open_device
 * @vdev: the device
 *
 * Enables and resets the function, saves its config space and builds the
 * state of an open device.  A driver's open_device calls this, then adds
 * its own regions, then calls vfio_pci_core_finish_enable().
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_core_enable(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	bool use_rpm = !vdev->disable_idle_d3;
	int err;

	lockdep_assert_held(&vdev->vdev.dev_set->lock);

	if (use_rpm) {
		err = pm_runtime_resume_and_get(&pdev->dev);
		if (err < 0)
			return err;
	}

	err = vfio_pci_enable_and_reset(vdev);
	if (err)
		goto put_rpm;

	/*
	 * vfio_pci_config_init() takes the header from the copy
	 * pci_save_state() just made: only the command register, which the
	 * INTx probe writes, may change config space before it.
	 */
	vfio_pci_probe_intx(vdev);
	err = vfio_pci_config_init(vdev);
	if (err)
		goto drop_state;

	vfio_pci_probe_msix(vdev);
	/*
	 * With MSI isolated by the platform (interrupt remapping), a user
	 * writing the MSI-X table can only hurt itself: let it map the table.
	 */
	vdev->msix_mappable = msi_device_has_isolated_msi(&pdev->dev);
	vdev->has_vga = !vfio_pci_vga_disabled() && vfio_pci_is_vga(pdev);
	return 0;

drop_state:
	kfree(vdev->saved_state);
	vdev->saved_state = NULL;
	pci_disable_device(pdev);
put_rpm:
	if (use_rpm)
		pm_runtime_put(&pdev->dev);
	return err;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_enable);

/**
 * vfio_pci_core_finish_enable - last part of open_device
 * @vdev: the device
 */
void vfio_pci_core_finish_enable(struct vfio_pci_core_device *vdev)
{
	vfio_pci_probe_mmaps(vdev);
#if IS_ENABLED(CONFIG_EEH)
	/* The user recovers the PE now (VFIO_EEH_PE_OP), not the host. */
	eeh_dev_open(vdev->pdev);
#endif
	vfio_pci_vf_token_user(vdev, true);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_finish_enable);

/**
 * vfio_pci_core_open_device - &vfio_device_ops.open_device
 * @core_vdev: the device
 *
 * For drivers without setup of their own between enable and
 * finish_enable.
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_core_open_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;
	vfio_pci_core_finish_enable(vdev);
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_open_device);

static void vfio_pci_regions_release(struct vfio_pci_core_device *vdev)
{
	int i;

	for (i = 0; i < vdev->num_regions; i++)
		vdev->region[i].ops->release(vdev, &vdev->region[i]);
	vdev->num_regions = 0;
	kfree(vdev->region);
	vdev->region = NULL;
}

/**
 * vfio_pci_core_disable - undo vfio_pci_core_enable()
 * @vdev: the device
 *
 * Stops DMA and interrupts, drops all state of the open device, restores
 * the config space saved at open with a reset in between when possible.
 */
void vfio_pci_core_disable(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	lockdep_assert_held(&vdev->vdev.dev_set->lock);

	/* Wake it up: resets need D0, and the user may have left it in D3. */
	vfio_pci_runtime_pm_exit(vdev);
	pm_runtime_resume(&pdev->dev);
	vfio_pci_set_power_state(vdev, PCI_D0);

	pci_clear_master(pdev);
	vfio_pci_irqs_teardown(vdev);
	vfio_pci_ioeventfds_release(vdev);
	vfio_pci_regions_release(vdev);
	vfio_pci_config_free(vdev);
	vfio_pci_bars_unmap(vdev);
	vfio_pci_release_mmaps(vdev);
	vdev->msix.bar = -1;

	vfio_pci_reset_on_close(vdev);

	if (!vdev->disable_idle_d3)
		pm_runtime_put(&pdev->dev);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_disable);

/**
 * vfio_pci_core_close_device - &vfio_device_ops.close_device
 * @core_vdev: the device
 */
void vfio_pci_core_close_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);

	vfio_pci_vf_token_user(vdev, false);
#if IS_ENABLED(CONFIG_EEH)
	eeh_dev_release(vdev->pdev);
#endif
	vfio_pci_core_disable(vdev);
	vfio_pci_triggers_release(vdev);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_close_device);

/**
 * vfio_pci_core_register_dev_region - add a device specific region
 * @vdev: the device, between vfio_pci_core_enable() and
 *	vfio_pci_core_finish_enable()
 * @type: VFIO_REGION_TYPE_*
 * @subtype: subtype
 * @ops: the region's callbacks; @ops->release is called at close
 * @size: bytes
 * @flags: VFIO_REGION_INFO_FLAG_*
 * @data: for @ops
 *
 * The region gets index VFIO_PCI_NUM_REGIONS + (regions added before).
 *
 * Return: 0 or -ENOMEM.
 */
int vfio_pci_core_register_dev_region(struct vfio_pci_core_device *vdev,
				      unsigned int type, unsigned int subtype,
				      const struct vfio_pci_regops *ops,
				      size_t size, u32 flags, void *data)
{
	struct vfio_pci_region *regions, *r;

	regions = krealloc_array(vdev->region, vdev->num_regions + 1,
				 sizeof(*regions), GFP_KERNEL_ACCOUNT);
	if (!regions)
		return -ENOMEM;
	vdev->region = regions;

	r = &regions[vdev->num_regions++];
	r->type = type;
	r->subtype = subtype;
	r->ops = ops;
	r->size = size;
	r->flags = flags;
	r->data = data;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_register_dev_region);

/* --- the INFO ioctls --- */

/* Atomic completer capabilities the root port will route to us. */
static int vfio_pci_info_atomics(struct vfio_pci_core_device *vdev,
				 struct vfio_info_cap *caps)
{
	static const struct {
		u32 devcap2;
		u32 flag;
	} ops[] = {
		{ PCI_EXP_DEVCAP2_ATOMIC_COMP32, VFIO_PCI_ATOMIC_COMP32 },
		{ PCI_EXP_DEVCAP2_ATOMIC_COMP64, VFIO_PCI_ATOMIC_COMP64 },
		{ PCI_EXP_DEVCAP2_ATOMIC_COMP128, VFIO_PCI_ATOMIC_COMP128 },
	};
	struct vfio_device_info_cap_pci_atomic_comp cap = {
		.header.id = VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP,
		.header.version = 1,
	};
	struct pci_dev *pdev = pci_physfn(vdev->pdev);
	u32 devcap2 = 0;
	int i;

	pcie_capability_read_dword(pdev, PCI_EXP_DEVCAP2, &devcap2);
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if ((devcap2 & ops[i].devcap2) &&
		    !pci_enable_atomic_ops_to_root(pdev, ops[i].devcap2))
			cap.flags |= ops[i].flag;
	if (!cap.flags)
		return 0;
	return vfio_info_add_capability(caps, &cap.header, sizeof(cap));
}

static long vfio_pci_ioctl_get_info(struct vfio_pci_core_device *vdev,
				    void *karg, void __user *uarg)
{
	struct vfio_device_info *info = karg;
	struct vfio_info_cap caps = {};
	int ret;

	info->flags = VFIO_DEVICE_FLAGS_PCI;
	if (vdev->reset_works)
		info->flags |= VFIO_DEVICE_FLAGS_RESET;
	info->num_regions = VFIO_PCI_NUM_REGIONS + vdev->num_regions;
	info->num_irqs = VFIO_PCI_NUM_IRQS;

	ret = vfio_pci_info_atomics(vdev, &caps);
	if (ret)
		return ret;
	if (caps.size)
		info->flags |= VFIO_DEVICE_FLAGS_CAPS;
	return vfio_info_cap_copy_out(&caps, &info->argsz, &info->cap_offset,
				      sizeof(*info), uarg);
}

/* Tell the user which parts of an MSI-X BAR it may map. */
static int vfio_pci_info_msix(struct vfio_pci_core_device *vdev, int bar,
			      struct vfio_info_cap *caps)
{
	struct vfio_region_info_cap_sparse_mmap *sparse;
	struct vfio_region_sparse_mmap_area areas[3];
	struct vfio_info_cap_header hdr = {
		.id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE,
		.version = 1,
	};
	struct vfio_info_cap_header *cap;
	int n;

	if (vdev->msix_mappable)
		return bar == vdev->msix.bar ?
		       vfio_info_add_capability(caps, &hdr, sizeof(hdr)) : 0;

	n = vfio_pci_mmap_areas(vdev, bar, areas);
	cap = vfio_info_cap_add(caps, struct_size(sparse, areas, n),
				VFIO_REGION_INFO_CAP_SPARSE_MMAP, 1);
	if (IS_ERR(cap))
		return PTR_ERR(cap);
	sparse = container_of(cap, struct vfio_region_info_cap_sparse_mmap,
			      header);
	sparse->nr_areas = n;
	memcpy(sparse->areas, areas, n * sizeof(*areas));
	return 0;
}

/* The ROM region: the size of the BAR, readable if a ROM is there. */
static void vfio_pci_info_rom(struct vfio_pci_core_device *vdev,
			      struct vfio_region_info *info)
{
	struct pci_dev *pdev = vdev->pdev;
	void __iomem *io;
	size_t size;
	u16 cmd;

	info->flags = 0;
	info->size = pci_resource_len(pdev, PCI_ROM_RESOURCE);
	if (!info->size) {
		if (!(pdev->resource[PCI_ROM_RESOURCE].flags &
		      IORESOURCE_ROM_SHADOW))
			return;
		info->size = VFIO_PCI_SHADOW_ROM_SIZE;
	}

	/* Look for a ROM signature; mapping it needs memory decode. */
	mutex_lock(&vdev->rom_lock);
	cmd = vfio_pci_gate_hold_for_kernel(vdev);
	io = pci_map_rom(pdev, &size);
	if (io) {
		info->flags = VFIO_REGION_INFO_FLAG_READ;
		pci_unmap_rom(pdev, io);
	} else {
		info->size = 0;
	}
	vfio_pci_gate_release_for_kernel(vdev, cmd);
	mutex_unlock(&vdev->rom_lock);
}

static int vfio_pci_info_dev_region(struct vfio_pci_core_device *vdev,
				    struct vfio_region_info *info,
				    struct vfio_info_cap *caps)
{
	struct vfio_region_info_cap_type type = {
		.header.id = VFIO_REGION_INFO_CAP_TYPE,
		.header.version = 1,
	};
	struct vfio_pci_region *r;
	unsigned int i;
	int ret;

	if (info->index >= VFIO_PCI_NUM_REGIONS + vdev->num_regions)
		return -EINVAL;
	i = array_index_nospec(info->index - VFIO_PCI_NUM_REGIONS,
			       vdev->num_regions);
	r = &vdev->region[i];

	info->size = r->size;
	info->flags = r->flags;
	type.type = r->type;
	type.subtype = r->subtype;
	ret = vfio_info_add_capability(caps, &type.header, sizeof(type));
	if (ret || !r->ops->add_capability)
		return ret;
	return r->ops->add_capability(vdev, r, caps);
}

static long vfio_pci_ioctl_get_region_info(struct vfio_pci_core_device *vdev,
					   void *karg, void __user *uarg)
{
	struct vfio_region_info *info = karg;
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_info_cap caps = {};
	int ret = 0;

	info->cap_offset = 0;
	switch (info->index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info->size = pdev->cfg_size;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		info->size = pci_resource_len(pdev, info->index);
		info->flags = 0;
		if (!info->size)
			break;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		if (!vdev->bar_mmap_ok[info->index])
			break;
		info->flags |= VFIO_REGION_INFO_FLAG_MMAP;
		if (vdev->msix.bar >= 0 &&
		    (info->index == vdev->msix.bar ||
		     info->index == vdev->msix.pba_bar))
			ret = vfio_pci_info_msix(vdev, info->index, &caps);
		break;
	case VFIO_PCI_ROM_REGION_INDEX:
		vfio_pci_info_rom(vdev, info);
		break;
	case VFIO_PCI_VGA_REGION_INDEX:
		if (!vdev->has_vga)
			return -EINVAL;
		/* Legacy ranges at their legacy addresses: up to 0xbffff. */
		info->size = 0xc0000;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		break;
	default:
		ret = vfio_pci_info_dev_region(vdev, info, &caps);
		break;
	}
	if (ret) {
		kfree(caps.buf);
		return ret;
	}

	info->offset = VFIO_PCI_INDEX_TO_OFFSET(info->index);
	if (caps.size)
		info->flags |= VFIO_REGION_INFO_FLAG_CAPS;
	return vfio_info_cap_copy_out(&caps, &info->argsz, &info->cap_offset,
				      sizeof(*info), uarg);
}

static long vfio_pci_ioctl_get_irq_info(struct vfio_pci_core_device *vdev,
					void *karg, void __user *uarg)
{
	struct vfio_irq_info *info = karg;

	/* Error reporting comes from AER, a PCIe thing. */
	if (info->index == VFIO_PCI_ERR_IRQ_INDEX ?
	    !pci_is_pcie(vdev->pdev) : info->index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;

	info->count = vfio_pci_irq_count(vdev, info->index);
	info->flags = VFIO_IRQ_INFO_EVENTFD;
	if (info->index == VFIO_PCI_INTX_IRQ_INDEX)
		info->flags |= VFIO_IRQ_INFO_MASKABLE |
			       VFIO_IRQ_INFO_AUTOMASKED;
	else if (info->index != VFIO_PCI_MSIX_IRQ_INDEX || !vdev->has_dyn_msix)
		info->flags |= VFIO_IRQ_INFO_NORESIZE;
	return 0;
}

static long vfio_pci_ioctl_set_irqs(struct vfio_pci_core_device *vdev,
				    void *karg, void __user *uarg)
{
	struct vfio_irq_set *hdr = karg;
	int max = vfio_pci_irq_count(vdev, hdr->index);
	size_t data_size = 0;
	void *data = NULL;
	int ret;

	ret = vfio_set_irqs_validate_and_prepare(hdr, max, VFIO_PCI_NUM_IRQS,
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
	ret = vfio_pci_set_irqs(vdev, hdr->flags, hdr->index, hdr->start,
				hdr->count, data);
	mutex_unlock(&vdev->igate);
	kfree(data);
	return ret;
}

static long vfio_pci_ioctl_ioeventfd(struct vfio_pci_core_device *vdev,
				     void *karg, void __user *uarg)
{
	struct vfio_device_ioeventfd *ioe = karg;
	u32 size = ioe->flags & VFIO_DEVICE_IOEVENTFD_SIZE_MASK;

	if (hweight32(size) != 1 || ioe->fd < -1)
		return -EINVAL;
	return vfio_pci_ioeventfd(vdev, ioe->offset, ioe->data, size, ioe->fd);
}

static const VFIO_IOCTL_TABLE(vfio_pci_core_device) vfio_pci_ioctls[] = {
	VFIO_IOCTL_OP(VFIO_DEVICE_GET_INFO, vfio_pci_ioctl_get_info,
		      struct vfio_device_info, num_irqs,
		      VFIO_IOCTL_ANY_FLAGS, true),
	VFIO_IOCTL_OP(VFIO_DEVICE_GET_REGION_INFO,
		      vfio_pci_ioctl_get_region_info, struct vfio_region_info,
		      offset, VFIO_IOCTL_ANY_FLAGS, true),
	VFIO_IOCTL_OP(VFIO_DEVICE_GET_IRQ_INFO, vfio_pci_ioctl_get_irq_info,
		      struct vfio_irq_info, count, VFIO_IOCTL_ANY_FLAGS, true),
	/* The flags are checked by vfio_set_irqs_validate_and_prepare(). */
	VFIO_IOCTL_OP(VFIO_DEVICE_SET_IRQS, vfio_pci_ioctl_set_irqs,
		      struct vfio_irq_set, count, VFIO_IOCTL_ANY_FLAGS, false),
	VFIO_IOCTL_RAW(VFIO_DEVICE_RESET, vfio_pci_ioctl_reset),
	/* -ENOSPC reports the count needed. */
	VFIO_IOCTL_OP_SIZING(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
			     vfio_pci_ioctl_hot_reset_info,
			     struct vfio_pci_hot_reset_info, count,
			     VFIO_IOCTL_ANY_FLAGS),
	VFIO_IOCTL_OP(VFIO_DEVICE_PCI_HOT_RESET, vfio_pci_ioctl_hot_reset,
		      struct vfio_pci_hot_reset, count, 0, false),
	VFIO_IOCTL_OP(VFIO_DEVICE_IOEVENTFD, vfio_pci_ioctl_ioeventfd,
		      struct vfio_device_ioeventfd, fd,
		      VFIO_DEVICE_IOEVENTFD_SIZE_MASK, false),
};

/**
 * vfio_pci_core_ioctl - &vfio_device_ops.ioctl for vfio-pci drivers
 * @core_vdev: the device
 * @cmd: the ioctl
 * @arg: its argument
 *
 * Return: the ioctl's result; -ENOTTY for one we do not know.
 */
long vfio_pci_core_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
			 unsigned long arg)
{
	long ret = vfio_ioctl_dispatch(to_vfio_pci(core_vdev), vfio_pci_ioctls,
				       cmd, arg);

	return ret == -ENOIOCTLCMD ? -ENOTTY : ret;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_ioctl);

/**
 * vfio_pci_core_ioctl_feature - &vfio_device_ops.device_feature
 * @core_vdev: the device
 * @flags: VFIO_DEVICE_FEATURE flags and feature number
 * @arg: the feature's data
 * @argsz: bytes of data
 *
 * Return: 0, a negative errno, or -ENOTTY for an unknown feature.
 */
int vfio_pci_core_ioctl_feature(struct vfio_device *core_vdev, u32 flags,
				void __user *arg, size_t argsz)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);

	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		return vfio_pci_feature_low_power(vdev, flags, arg, argsz);
	case VFIO_DEVICE_FEATURE_PCI_VF_TOKEN:
		return vfio_pci_feature_vf_token(vdev, flags, arg, argsz);
	default:
		return -ENOTTY;
	}
}
EXPORT_SYMBOL_GPL(vfio_pci_core_ioctl_feature);

/* --- read/write --- */

static ssize_t vfio_pci_rw(struct vfio_pci_core_device *vdev,
			   char __user *buf, size_t count, loff_t *ppos,
			   bool iswrite)
{
	u64 index = VFIO_PCI_OFFSET_TO_INDEX(*ppos);
	struct vfio_pci_region *r;
	ssize_t ret;

	if (!count)
		return 0;
	if (index >= VFIO_PCI_NUM_REGIONS + vdev->num_regions)
		return -EINVAL;
	if (vfio_pci_pm_get(vdev))
		return -EIO;

	if (index >= VFIO_PCI_NUM_REGIONS) {
		index = array_index_nospec(index - VFIO_PCI_NUM_REGIONS,
					   vdev->num_regions);
		r = &vdev->region[index];
		ret = r->ops->rw(vdev, buf, count, ppos, iswrite);
	} else if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		ret = vfio_pci_config_rw(vdev, buf, count, ppos, iswrite);
	} else if (index == VFIO_PCI_VGA_REGION_INDEX) {
		ret = vfio_pci_vga_rw(vdev, buf, count, ppos, iswrite);
	} else if (index != VFIO_PCI_ROM_REGION_INDEX) {
		/* one of the six BARs */
		ret = vfio_pci_bar_rw(vdev, buf, count, ppos, iswrite);
	} else {
		/* The option ROM is read-only. */
		ret = iswrite ? -EINVAL :
		      vfio_pci_bar_rw(vdev, buf, count, ppos, false);
	}

	vfio_pci_pm_put(vdev);
	return ret;
}

/**
 * vfio_pci_core_read - &vfio_device_ops.read for vfio-pci drivers
 * @core_vdev: the device
 * @buf: user buffer
 * @count: bytes
 * @ppos: file position: region index << VFIO_PCI_OFFSET_SHIFT | offset
 *
 * Return: bytes read, or a negative errno.
 */
ssize_t vfio_pci_core_read(struct vfio_device *core_vdev, char __user *buf,
			   size_t count, loff_t *ppos)
{
	return vfio_pci_rw(to_vfio_pci(core_vdev), buf, count, ppos, false);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_read);

/**
 * vfio_pci_core_write - &vfio_device_ops.write for vfio-pci drivers
 * @core_vdev: the device
 * @buf: user buffer
 * @count: bytes
 * @ppos: file position, as for vfio_pci_core_read()
 *
 * Return: bytes written, or a negative errno.
 */
ssize_t vfio_pci_core_write(struct vfio_device *core_vdev,
			    const char __user *buf, size_t count, loff_t *ppos)
{
	return vfio_pci_rw(to_vfio_pci(core_vdev), (char __user *)buf, count,
			   ppos, true);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_write);

/**
 * vfio_pci_core_request - &vfio_device_ops.request
 * @core_vdev: the device, being unregistered while open
 * @count: how many times we asked already
 *
 * Signals the user's REQ eventfd so it releases the device.
 */
void vfio_pci_core_request(struct vfio_device *core_vdev, unsigned int count)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);

	if (vfio_pci_signal_req(vdev)) {
		if (!(count % 10))
			pci_notice_ratelimited(vdev->pdev,
					       "asking the user to release the device (#%u)\n",
					       count);
	} else if (!count) {
		pci_warn(vdev->pdev,
			 "no request eventfd: waiting until the user releases the device\n");
	}
}
EXPORT_SYMBOL_GPL(vfio_pci_core_request);

/* --- PCI error recovery --- */

/**
 * vfio_pci_core_aer_err_detected - &pci_error_handlers.error_detected
 * @pdev: the function
 * @state: the channel state
 *
 * Forwards the error to the user's ERR eventfd; recovery is the user's.
 *
 * Return: PCI_ERS_RESULT_CAN_RECOVER.
 */
pci_ers_result_t vfio_pci_core_aer_err_detected(struct pci_dev *pdev,
						pci_channel_state_t state)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_signal_err(vdev);
	return PCI_ERS_RESULT_CAN_RECOVER;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_aer_err_detected);

const struct pci_error_handlers vfio_pci_core_err_handlers = {
	.error_detected = vfio_pci_core_aer_err_detected,
};
EXPORT_SYMBOL_GPL(vfio_pci_core_err_handlers);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO: library for PCI bus drivers");
