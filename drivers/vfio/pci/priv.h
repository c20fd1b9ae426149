/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of vfio-pci-core.ko share and nobody else sees.
 *
 * One file per concern:
 *   core.c    registration, open/close, the ioctl table and the INFO ioctls
 *   gate.c    the memory gate: memory_lock, zapping, memory enable, and
 *             the kernel's BAR mappings (a leaf: uses none of the others)
 *   config.c  config space virtualization
 *   intr.c    INTx, MSI, MSI-X, ERR and REQ interrupts (SET_IRQS)
 *   rdwr.c    read(2)/write(2) of BARs, ROM and VGA; ioeventfds
 *   mmap.c    BAR mmap and its fault handler
 *   reset.c   function and bus resets, the hot reset ioctls
 *   power.c   D-states, runtime PM and the low power device features
 *   sriov.c   VF token, SR-IOV enabling and the device name match
 *
 * Lock order, outermost first:
 *
 *   dev_set->lock > cfg->lock > igate > rom_lock > memory_lock
 *   mmap_lock (of a user mm) > memory_lock      (the BAR fault handler)
 *   mmap_lock > bar_lock                         (mmap sets up the BAR map)
 *
 * memory_lock is therefore never held across a copy to or from user
 * memory (a fault there could need it); user buffers are copied before it
 * is taken or after it is released.  irqlock and trigger_lock are leaf
 * spinlocks.
 */
#ifndef __DRIVERS_VFIO_PCI_PRIV_H
#define __DRIVERS_VFIO_PCI_PRIV_H

#include <linux/pm_runtime.h>
#include <linux/vfio_pci_core.h>

/* Cap on VFIO_DEVICE_IOEVENTFD registrations per device */
#define VFIO_PCI_IOEVENTFD_MAX	1000

/* Size reported for a shadow (BIOS copied) ROM without a ROM BAR */
#define VFIO_PCI_SHADOW_ROM_SIZE	0x20000

static inline struct vfio_pci_core_device *
to_vfio_pci(struct vfio_device *core_vdev)
{
	return container_of(core_vdev, struct vfio_pci_core_device, vdev);
}

/*
 * A member of a device set, if it is a vfio-pci device, or NULL.  A set
 * is shared by whatever drivers use the same id, so its members are not
 * ours by construction; vfio_pci_core_register_device() requires our
 * device to be the pci_dev's driver data, which tells ours apart.
 */
static inline struct vfio_pci_core_device *
vfio_pci_of_member(struct vfio_device *member)
{
	struct vfio_pci_core_device *vdev;

	if (!member->dev || !dev_is_pci(member->dev))
		return NULL;
	vdev = dev_get_drvdata(member->dev);
	return vdev && &vdev->vdev == member ? vdev : NULL;
}

/* Orders D-states (pci_power_t is __bitwise, so sparse wants a cast). */
static inline int vfio_pci_dstate(pci_power_t state)
{
	return (__force int)state;
}

static inline bool vfio_pci_is_vga(struct pci_dev *pdev)
{
	return (pdev->class >> 8) == PCI_CLASS_DISPLAY_VGA;
}

/* core.c */

/* gate.c (vfio_pci_core_setup_barmap() is exported) */
bool vfio_pci_memory_enabled(struct vfio_pci_core_device *vdev);
void vfio_pci_zap_bars(struct vfio_pci_core_device *vdev);
void vfio_pci_gate_shut(struct vfio_pci_core_device *vdev);
u16 vfio_pci_gate_hold_for_kernel(struct vfio_pci_core_device *vdev);
void vfio_pci_gate_release_for_kernel(struct vfio_pci_core_device *vdev,
				      u16 user_cmd);

/* config.c */
int vfio_pci_config_init(struct vfio_pci_core_device *vdev);
void vfio_pci_config_free(struct vfio_pci_core_device *vdev);
ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vdev,
			   char __user *buf, size_t count, loff_t *ppos,
			   bool iswrite);

/* intr.c */
int vfio_pci_irq_count(struct vfio_pci_core_device *vdev, unsigned int index);
int vfio_pci_set_irqs(struct vfio_pci_core_device *vdev, u32 flags,
		      unsigned int index, unsigned int start,
		      unsigned int count, void *data);
void vfio_pci_irqs_teardown(struct vfio_pci_core_device *vdev);
bool vfio_pci_intx_mask(struct vfio_pci_core_device *vdev);
void vfio_pci_intx_set_disabled(struct vfio_pci_core_device *vdev,
				bool disabled);
void vfio_pci_intx_unmask(struct vfio_pci_core_device *vdev);
void vfio_pci_signal_err(struct vfio_pci_core_device *vdev);
bool vfio_pci_signal_req(struct vfio_pci_core_device *vdev);
void vfio_pci_triggers_release(struct vfio_pci_core_device *vdev);

/* rdwr.c */
ssize_t vfio_pci_bar_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite);
ssize_t vfio_pci_vga_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite);
void vfio_pci_bars_unmap(struct vfio_pci_core_device *vdev);
int vfio_pci_ioeventfd(struct vfio_pci_core_device *vdev, loff_t offset,
		       u64 data, int count, int fd);
void vfio_pci_ioeventfds_release(struct vfio_pci_core_device *vdev);

/* mmap.c */
void vfio_pci_probe_mmaps(struct vfio_pci_core_device *vdev);
void vfio_pci_release_mmaps(struct vfio_pci_core_device *vdev);
int vfio_pci_mmap_areas(struct vfio_pci_core_device *vdev, int bar,
			struct vfio_region_sparse_mmap_area *areas);

/* reset.c */
long vfio_pci_ioctl_reset(struct vfio_pci_core_device *vdev, void *karg,
			  void __user *uarg);
long vfio_pci_ioctl_hot_reset_info(struct vfio_pci_core_device *vdev,
				   void *karg, void __user *uarg);
long vfio_pci_ioctl_hot_reset(struct vfio_pci_core_device *vdev, void *karg,
			      void __user *uarg);
void vfio_pci_reset_on_close(struct vfio_pci_core_device *vdev);

/* power.c */
int vfio_pci_set_power_state(struct vfio_pci_core_device *vdev,
			     pci_power_t state);
void vfio_pci_probe_power_state(struct vfio_pci_core_device *vdev);
void vfio_pci_runtime_pm_exit(struct vfio_pci_core_device *vdev);
int vfio_pci_feature_low_power(struct vfio_pci_core_device *vdev, u32 flags,
			       void __user *arg, size_t argsz);
void __cold vfio_pci_pm_get_failed(struct vfio_pci_core_device *vdev,
				   int err);

/*
 * Keep the function powered across one access (every read(2) and write(2)
 * goes through here, hence inline).  Returns 0 or a negative errno.
 */
static inline int vfio_pci_pm_get(struct vfio_pci_core_device *vdev)
{
	int ret = pm_runtime_resume_and_get(&vdev->pdev->dev);

	if (unlikely(ret))
		vfio_pci_pm_get_failed(vdev, ret);
	return ret;
}

static inline void vfio_pci_pm_put(struct vfio_pci_core_device *vdev)
{
	pm_runtime_put(&vdev->pdev->dev);
}

/* sriov.c */
int vfio_pci_vf_init(struct vfio_pci_core_device *vdev);
void vfio_pci_vf_uninit(struct vfio_pci_core_device *vdev);
void vfio_pci_vf_token_user(struct vfio_pci_core_device *vdev, bool opened);
int vfio_pci_feature_vf_token(struct vfio_pci_core_device *vdev, u32 flags,
			      void __user *arg, size_t argsz);

#if IS_ENABLED(CONFIG_VFIO_KUNIT_TEST)
int vfio_pci_cfg_test_quick(unsigned int size, u32 seed, bool overlap);
#endif

#endif /* __DRIVERS_VFIO_PCI_PRIV_H */
