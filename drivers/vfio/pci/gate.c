// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memory gate: what decides whether BAR accesses may reach the
 * function, and the kernel's mapping of the BARs.
 *
 * memory_lock is read-held around every access through a BAR and
 * write-held, with the user's mappings zapped, while memory decode goes
 * off, the power state changes or the function resets; an access may
 * reach the function only while vfio_pci_memory_enabled() says so.
 * config.c, intr.c, mmap.c, power.c, rdwr.c and reset.c all go through
 * here; the file itself uses nothing of theirs, so that they form no
 * cycle through it.
 */
#include <linux/pci.h>

#include "priv.h"

/**
 * vfio_pci_memory_enabled - may the user's BAR accesses reach the function?
 * @vdev: the open device
 *
 * Caller holds &vfio_pci_core_device.memory_lock.
 *
 * Return: true when the virtual command register enables memory decode
 * and the function is powered.
 */
bool vfio_pci_memory_enabled(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	lockdep_assert_held(&vdev->memory_lock);

	/* VFs take memory enable from the PF's SR-IOV control instead. */
	return vfio_pci_dstate(pdev->current_state) <
	       vfio_pci_dstate(PCI_D3hot) &&
	       (pdev->no_command_memory || vdev->virt_memory);
}

/**
 * vfio_pci_zap_bars - take all user mappings of the BARs away
 * @vdev: the device
 *
 * Caller holds memory_lock for write, so they cannot come back before it
 * is released.
 */
void vfio_pci_zap_bars(struct vfio_pci_core_device *vdev)
{
	loff_t start = VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_BAR0_REGION_INDEX);
	loff_t end = VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_ROM_REGION_INDEX);

	lockdep_assert_held_write(&vdev->memory_lock);
	vfio_device_zap_mappings(&vdev->vdev, start, end - start);
}

/**
 * vfio_pci_gate_shut - close the gate for a change of decode, power or reset
 * @vdev: the device
 *
 * Takes memory_lock for write, then revokes the user's BAR mappings, which
 * can only fault back in after the caller's up_write().
 */
void vfio_pci_gate_shut(struct vfio_pci_core_device *vdev)
{
	down_write(&vdev->memory_lock);
	vfio_pci_zap_bars(vdev);
}

/**
 * vfio_pci_gate_hold_for_kernel - let the kernel itself reach the BARs
 * @vdev: the device
 *
 * Holds memory_lock for write and, if the user left physical decode off,
 * turns it on for the kernel alone (the virtual bit still says off, so the
 * user's mappings stay revoked).  For kernel accesses such as MSI-X table
 * updates; vfio_pci_gate_release_for_kernel() ends it.
 *
 * Return: the command register as the user left it.
 */
u16 vfio_pci_gate_hold_for_kernel(struct vfio_pci_core_device *vdev)
{
	u16 user_cmd;

	down_write(&vdev->memory_lock);
	pci_read_config_word(vdev->pdev, PCI_COMMAND, &user_cmd);
	if (!(user_cmd & PCI_COMMAND_MEMORY))
		pci_write_config_word(vdev->pdev, PCI_COMMAND,
				      user_cmd | PCI_COMMAND_MEMORY);
	return user_cmd;
}

/**
 * vfio_pci_gate_release_for_kernel - end vfio_pci_gate_hold_for_kernel()
 * @vdev: the device
 * @user_cmd: what vfio_pci_gate_hold_for_kernel() returned
 */
void vfio_pci_gate_release_for_kernel(struct vfio_pci_core_device *vdev,
				      u16 user_cmd)
{
	if (!(user_cmd & PCI_COMMAND_MEMORY))
		pci_write_config_word(vdev->pdev, PCI_COMMAND, user_cmd);
	up_write(&vdev->memory_lock);
}

/**
 * vfio_pci_core_setup_barmap - map a BAR for kernel access
 * @vdev: the open device
 * @bar: BAR index
 *
 * Requests the BAR's resource for the device and maps it, once; the
 * mapping stays until the device is closed.
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_core_setup_barmap(struct vfio_pci_core_device *vdev, int bar)
{
	struct pci_dev *pdev = vdev->pdev;
	void __iomem *io;
	int ret = 0;

	/*
	 * Every read(2)/write(2) of a BAR comes through here: once the
	 * mapping exists, skip bar_lock.  The acquire pairs with the release
	 * below, so whoever sees the pointer also sees the mapping behind
	 * it; it is only cleared at close, when no access can be running.
	 */
	if (smp_load_acquire(&vdev->barmap[bar]))
		return 0;

	mutex_lock(&vdev->bar_lock);
	if (vdev->barmap[bar])
		goto out;

	ret = pci_request_selected_regions(pdev, BIT(bar), vdev->vdev.ops->name);
	if (ret)
		goto out;
	io = pci_iomap(pdev, bar, 0);
	if (!io) {
		pci_release_selected_regions(pdev, BIT(bar));
		ret = -ENOMEM;
		goto out;
	}
	/* Publish the mapping for the lockless check above. */
	smp_store_release(&vdev->barmap[bar], io);
out:
	mutex_unlock(&vdev->bar_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_setup_barmap);
