// SPDX-License-Identifier: GPL-2.0-only
/*
 * Power management.
 *
 * Three things move a function between D-states:
 *  - the user, through the PM capability in config space (config.c calls
 *    vfio_pci_set_power_state());
 *  - runtime PM: an unused function, or one whose user asked for low
 *    power with VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY(_WITH_WAKEUP), is
 *    runtime suspended by the PCI core (D3hot, or D3cold where possible);
 *  - close, reset and SR-IOV enabling, which need D0.
 * The runtime PM usage count is held while the device is open (with idle
 * D3 disabled, all the time it is registered), and dropped while the
 * user's low power request is in force (@pm_runtime_engaged).  Every path
 * into the hardware (read/write, ioctls) resumes the function first and a
 * BAR fault fails while in low power.
 *
 * Functions that lose their config space on D3hot->D0 (No_Soft_Reset
 * clear) get it saved on the way down and restored on the way up, apart
 * from the PCI core's own saved state, which resets use.
 *
 * The power state, @pm_runtime_engaged and @pm_wake_eventfd are protected
 * by memory_lock, since BAR access depends on them.
 */
#include <linux/eventfd.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "priv.h"

/*
 * A function without No_Soft_Reset loses its config space on D3hot->D0,
 * so we must restore it ourselves after such a transition.
 */
void vfio_pci_probe_power_state(struct vfio_pci_core_device *vdev)
{
	u8 pm = vdev->pdev->pm_cap;
	u16 ctrl = 0;

	if (pm)
		pci_read_config_word(vdev->pdev, pm + PCI_PM_CTRL, &ctrl);
	vdev->needs_pm_restore = pm && !(ctrl & PCI_PM_CTRL_NO_SOFT_RESET);
}

/**
 * vfio_pci_set_power_state - move the function to @state
 * @vdev: the device
 * @state: the target state
 *
 * Caller holds memory_lock for write when leaving D0 (and has zapped the
 * BAR mappings).  A PF with VFs enabled stays in D0.
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_set_power_state(struct vfio_pci_core_device *vdev,
			     pci_power_t state)
{
	struct pci_dev *pdev = vdev->pdev;
	int cur = vfio_pci_dstate(pdev->current_state);
	int to = vfio_pci_dstate(state);
	bool save = false, restore = false;
	int ret;

	if (to > vfio_pci_dstate(PCI_D0)) {
		lockdep_assert_held_write(&vdev->memory_lock);
		if (vdev->sriov_active)
			return -EBUSY;
	}

	if (vdev->needs_pm_restore) {
		if (cur < vfio_pci_dstate(PCI_D3hot) &&
		    to >= vfio_pci_dstate(PCI_D3hot)) {
			pci_save_state(pdev);
			save = true;
		}
		if (cur >= vfio_pci_dstate(PCI_D3hot) &&
		    to <= vfio_pci_dstate(PCI_D0))
			restore = true;
	}

	ret = pci_set_power_state(pdev, state);
	if (ret)
		return ret;

	/* A quirk may keep the function out of D3: then nothing was lost. */
	if (save && vfio_pci_dstate(pdev->current_state) >=
		    vfio_pci_dstate(PCI_D3hot)) {
		/* D0 may have been reached behind our back since last time. */
		kfree(vdev->pm_save);
		vdev->pm_save = pci_store_saved_state(pdev);
	} else if (restore) {
		pci_load_and_free_saved_state(pdev, &vdev->pm_save);
		pci_restore_state(pdev);
	}
	return 0;
}

/* --- the user's low power requests --- */

static void pm_exit_locked(struct vfio_pci_core_device *vdev)
{
	lockdep_assert_held_write(&vdev->memory_lock);

	if (!vdev->pm_runtime_engaged)
		return;
	vdev->pm_runtime_engaged = false;
	pm_runtime_get_noresume(&vdev->pdev->dev);
	if (vdev->pm_wake_eventfd) {
		eventfd_ctx_put(vdev->pm_wake_eventfd);
		vdev->pm_wake_eventfd = NULL;
	}
}

void vfio_pci_runtime_pm_exit(struct vfio_pci_core_device *vdev)
{
	down_write(&vdev->memory_lock);
	pm_exit_locked(vdev);
	up_write(&vdev->memory_lock);
}

/*
 * Drop the usage count taken at open.  The caller's own reference (held
 * around every ioctl) keeps the function up until the ioctl returns.
 */
static int pm_entry(struct vfio_pci_core_device *vdev,
		    struct eventfd_ctx *wake)
{
	vfio_pci_gate_shut(vdev);
	if (vdev->pm_runtime_engaged) {
		up_write(&vdev->memory_lock);
		return -EINVAL;
	}
	vdev->pm_runtime_engaged = true;
	vdev->pm_wake_eventfd = wake;
	pm_runtime_put_noidle(&vdev->pdev->dev);
	up_write(&vdev->memory_lock);
	return 0;
}

/**
 * vfio_pci_feature_low_power - the LOW_POWER_* device features
 * @vdev: the open device
 * @flags: the VFIO_DEVICE_FEATURE flags, the feature in the low bits
 * @arg: feature data
 * @argsz: bytes of feature data
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_feature_low_power(struct vfio_pci_core_device *vdev, u32 flags,
			       void __user *arg, size_t argsz)
{
	struct vfio_device_low_power_entry_with_wakeup entry;
	u32 feature = flags & VFIO_DEVICE_FEATURE_MASK;
	struct eventfd_ctx *wake;
	size_t minsz = 0;
	int ret;

	if (feature == VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP)
		minsz = sizeof(entry);
	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, minsz);
	if (ret != 1)
		return ret;

	switch (feature) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
		return pm_entry(vdev, NULL);
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
		if (copy_from_user(&entry, arg, sizeof(entry)))
			return -EFAULT;
		if (entry.wakeup_eventfd < 0)
			return -EINVAL;
		wake = eventfd_ctx_fdget(entry.wakeup_eventfd);
		if (IS_ERR(wake))
			return PTR_ERR(wake);
		ret = pm_entry(vdev, wake);
		if (ret)
			eventfd_ctx_put(wake);
		return ret;
	default:
		/*
		 * LOW_POWER_EXIT.  The function is already up (the ioctl
		 * resumed it); if it woke on its own with a wakeup eventfd,
		 * the resume path has already left low power.
		 */
		vfio_pci_runtime_pm_exit(vdev);
		return 0;
	}
}

/* --- runtime PM --- */

/* The slow half of vfio_pci_pm_get(), out of the read/write fast path. */
void vfio_pci_pm_get_failed(struct vfio_pci_core_device *vdev, int err)
{
	pci_info_ratelimited(vdev->pdev, "runtime resume failed %d\n", err);
}

#ifdef CONFIG_PM
/*
 * If the user parked the function in D3hot through config space, bring it
 * back to D0 so that the PCI core does the transition its own way (and we
 * restore what a function without No_Soft_Reset forgot).
 */
static void vfio_pci_rpm_back_to_d0(struct vfio_pci_core_device *vdev)
{
	down_write(&vdev->memory_lock);
	vfio_pci_set_power_state(vdev, PCI_D0);
	up_write(&vdev->memory_lock);
}

/* A wakeup while the user asked for low power: signal it and leave. */
static void vfio_pci_rpm_wake_user(struct vfio_pci_core_device *vdev)
{
	struct eventfd_ctx *trigger;

	down_write(&vdev->memory_lock);
	trigger = vdev->pm_wake_eventfd;
	if (trigger) {
		eventfd_signal(trigger);
		pm_exit_locked(vdev);
	}
	up_write(&vdev->memory_lock);
}

static int vfio_pci_runtime_suspend(struct device *dev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(dev);
	bool masked = false;

	vfio_pci_rpm_back_to_d0(vdev);

	/* INTx the user left unmasked must not fire while suspended. */
	if (vdev->irq_type == VFIO_PCI_INTX_IRQ_INDEX)
		masked = vfio_pci_intx_mask(vdev);
	vdev->pm_intx_masked = masked;
	return 0;
}

static int vfio_pci_runtime_resume(struct device *dev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(dev);

	vfio_pci_rpm_wake_user(vdev);
	if (vdev->pm_intx_masked)
		vfio_pci_intx_unmask(vdev);
	return 0;
}
#endif

/*
 * Runtime PM callbacks for vfio-pci drivers: point &pci_driver.driver.pm
 * at these.  The PCI core saves config space before runtime suspend, so
 * they only deal with what the user changed.
 */
const struct dev_pm_ops vfio_pci_core_pm_ops = {
	SET_RUNTIME_PM_OPS(vfio_pci_runtime_suspend, vfio_pci_runtime_resume,
			   NULL)
};
EXPORT_SYMBOL_GPL(vfio_pci_core_pm_ops);
