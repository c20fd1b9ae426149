/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-pci-core: the PCI bus driver library of VFIO.
 *
 * A PCI driver that wants to hand a function to userspace (the plain
 * vfio-pci driver, or a vendor "variant" driver that adds migration or
 * device quirks) embeds struct vfio_pci_core_device in its own state and
 * lets this library implement the device file:
 *
 *   probe:   vfio_alloc_device(my_state, core.vdev, &pdev->dev, &my_ops);
 *            dev_set_drvdata(&pdev->dev, &my_state->core);
 *            vfio_pci_core_register_device(&my_state->core);
 *   remove:  vfio_pci_core_unregister_device(); vfio_put_device();
 *
 * where my_ops points .init/.release at vfio_pci_core_init_dev() and
 * vfio_pci_core_release_dev(), and the file operations at the
 * vfio_pci_core_*() functions below (or wrappers around them).  A
 * driver's own .open_device calls vfio_pci_core_enable(), does its own
 * setup (device specific regions, for instance) and finishes with
 * vfio_pci_core_finish_enable().  The driver's pci_driver should point
 * .err_handler at vfio_pci_core_err_handlers and .driver.pm at
 * vfio_pci_core_pm_ops, and set .driver_managed_dma.
 *
 * Userspace sees each region of the device at a fixed offset of the
 * device file: region N starts at N << VFIO_PCI_OFFSET_SHIFT.  That
 * encoding is ABI (DPDK hard-codes it for config space and I/O BARs).
 */
#ifndef __LINUX_VFIO_PCI_CORE_H
#define __LINUX_VFIO_PCI_CORE_H

#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vfio.h>

#define VFIO_PCI_OFFSET_SHIFT		40
#define VFIO_PCI_OFFSET_MASK		((1ULL << VFIO_PCI_OFFSET_SHIFT) - 1)
#define VFIO_PCI_OFFSET_TO_INDEX(off)	((u64)(off) >> VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_INDEX_TO_OFFSET(index)	((u64)(index) << VFIO_PCI_OFFSET_SHIFT)

struct eventfd_ctx;
struct vfio_pci_core_device;
struct vfio_pci_region;
struct vfio_pci_vconfig;
struct vfio_pci_irq_vec;
struct vfio_pci_intx;
struct vfio_pci_vf_token;

/**
 * struct vfio_pci_regops - callbacks of a device specific region
 * @rw: read(2)/write(2) at *@ppos (which still holds the region index in
 *	its top bits); returns bytes done or a negative errno
 * @release: the device is being closed; free @region's data
 * @mmap: map the region; optional, only called when the region was
 *	registered with VFIO_REGION_INFO_FLAG_MMAP
 * @add_capability: append region capabilities for GET_REGION_INFO;
 *	optional
 */
struct vfio_pci_regops {
	ssize_t (*rw)(struct vfio_pci_core_device *vdev, char __user *ubuf,
		      size_t len, loff_t *off, bool write);
	int (*add_capability)(struct vfio_pci_core_device *vdev,
			      struct vfio_pci_region *region,
			      struct vfio_info_cap *caps);
	int (*mmap)(struct vfio_pci_core_device *vdev,
		    struct vfio_pci_region *region,
		    struct vm_area_struct *vma);
	void (*release)(struct vfio_pci_core_device *vdev,
			struct vfio_pci_region *region);
};

/**
 * struct vfio_pci_region - a region beyond the VFIO_PCI_NUM_REGIONS fixed
 *	ones, reported with a VFIO_REGION_INFO_CAP_TYPE capability
 * @ops: the region's callbacks
 * @data: owned by @ops
 * @size: bytes
 * @type: VFIO_REGION_TYPE_*
 * @subtype: type specific subtype
 * @flags: VFIO_REGION_INFO_FLAG_*
 */
struct vfio_pci_region {
	const struct vfio_pci_regops *ops;
	void *data;
	size_t size;
	u32 type;
	u32 subtype;
	u32 flags;
};

/**
 * struct vfio_pci_msix_layout - where the MSI-X structures live
 * @bar: BAR holding the vector table, or -1 when there is no MSI-X
 * @table_start: offset of the table in @bar
 * @table_end: offset just past the table
 * @pba_bar: BAR holding the pending bit array
 * @pba_start: offset of the PBA in @pba_bar
 * @pba_end: offset just past the PBA
 * @vectors: table size
 */
struct vfio_pci_msix_layout {
	int bar;
	u32 table_start;
	u32 table_end;
	int pba_bar;
	u32 pba_start;
	u32 pba_end;
	u16 vectors;
};

/**
 * struct vfio_pci_core_device - a PCI function exposed through VFIO
 * @vdev: the VFIO core's part; must stay first
 * @pdev: the function
 *
 * Fixed from registration to unregistration:
 * @disable_idle_d3: do not runtime-suspend the function while unused (a
 *	user's low power request still may); also set when the driver has
 *	no runtime PM callbacks of ours, which rules runtime PM out
 * @needs_pm_restore: the function loses its state on D3hot->D0
 *	(No_Soft_Reset clear), so power transitions save and restore it
 * @vf_token: for an SR-IOV PF, the token its VF users must present
 * @sriov_pf: for a VF whose PF was enabled by this library, the PF
 * @sriov_link: link in the library's list of PFs with VFs enabled
 * @bus_nb: PF only: watches the VFs appear, to bind them to us
 *
 * Set up by open_device and constant until close_device (protected by
 * the dev_set lock):
 * @reset_works: a function reset (FLR, PM, ...) is available
 * @pci_2_3: INTx can be masked at the function (PCI 2.3 DisINTx)
 * @nointx: INTx hidden from the user because masking it is broken
 * @has_vga: the legacy VGA region is exposed
 * @has_dyn_msix: MSI-X vectors can be added while MSI-X is enabled
 * @msix_mappable: the MSI-X table and PBA may be mmapped by the user
 *	(interrupts are isolated by the platform)
 * @msix: MSI-X table and PBA location
 * @saved_state: config space at open, restored at close
 * @cfg: config space virtualization state (config.c)
 * @intx_pin: the INTx pin the virtual config space shows, 0 for none;
 *	set when the device is opened
 * @virt_memory: the memory enable bit of the virtual command register;
 *	written under @memory_lock held for write
 * @num_regions: number of device specific regions
 * @region: the device specific regions
 *
 * @bar_lock: serialises setting up @barmap and the BAR's resource request
 * @barmap: kernel mapping of each BAR, made on first use
 * @bar_mmap_ok: the BAR may be mmapped (memory BAR, page granular)
 * @bar_pad: resource reserving the rest of the page of a sub-page BAR
 * @rom_lock: serialises ROM accesses (mapping the ROM turns its decode on,
 *	unmapping turns it off)
 *
 * @memory_lock: protects the memory decode and power state of the
 *	function against access through the BARs.  Read-held around every
 *	BAR access (read/write, ioeventfd, mmap fault); write-held, with all
 *	user mappings zapped, while memory decode is being turned off, the
 *	power state changes or the function is reset.
 * @pm_runtime_engaged: the user asked for low power
 *	(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY); under @memory_lock
 * @pm_wake_eventfd: signalled when the function wakes up on its own from
 *	user requested low power; under @memory_lock
 * @pm_save: state saved on a D3hot entry of a @needs_pm_restore function
 * @pm_intx_masked: runtime suspend masked INTx and resume must unmask it
 * @sriov_active: VFs are enabled; the PF must stay in D0
 *
 * @igate: serialises interrupt setup (SET_IRQS, teardown at close, INTx
 *	mask changes coming from config space)
 * @irqlock: protects the INTx masked state against the hard interrupt
 *	handler and the unmask eventfd
 * @irq_type: the VFIO_PCI_*_IRQ_INDEX in use, VFIO_PCI_NUM_IRQS if none;
 *	written under @igate
 * @virq_disabled: the user set DisINTx in the virtual command register
 * @intx: INTx state while @irq_type is INTx
 * @nvec: entries in @vec
 * @vec: per vector MSI/MSI-X state, NULL for unused vectors
 * @msi_qmax: log2 of the MSI vectors last enabled, the most the virtual
 *	Multiple Message Enable field accepts
 * @trigger_lock: protects @err_trigger and @req_trigger, which are
 *	signalled from error recovery and unregistration
 * @err_trigger: eventfd for VFIO_PCI_ERR_IRQ_INDEX, or NULL
 * @req_trigger: eventfd for VFIO_PCI_REQ_IRQ_INDEX, or NULL
 *
 * @ioeventfds_lock: protects @ioeventfds and @ioeventfds_nr
 * @ioeventfds: VFIO_DEVICE_IOEVENTFD registrations
 * @ioeventfds_nr: their number
 *
 * @needs_reset: the function was used and not reset since; under the
 *	dev_set lock
 */
struct vfio_pci_core_device {
	struct vfio_device vdev;
	struct pci_dev *pdev;

	bool disable_idle_d3;
	bool needs_pm_restore;
	struct vfio_pci_vf_token *vf_token;
	struct vfio_pci_core_device *sriov_pf;
	struct list_head sriov_link;
	struct notifier_block bus_nb;

	bool reset_works;
	bool pci_2_3;
	bool nointx;
	bool has_vga;
	bool has_dyn_msix;
	bool msix_mappable;
	struct vfio_pci_msix_layout msix;
	struct pci_saved_state *saved_state;
	struct vfio_pci_vconfig *cfg;
	u8 intx_pin;
	bool virt_memory;
	int num_regions;
	struct vfio_pci_region *region;

	struct mutex bar_lock;		/* @barmap setup */
	void __iomem *barmap[PCI_STD_NUM_BARS];
	bool bar_mmap_ok[PCI_STD_NUM_BARS];
	struct resource *bar_pad[PCI_STD_NUM_BARS];
	struct mutex rom_lock;		/* ROM map/unmap */

	struct rw_semaphore memory_lock;	/* decode/power vs BARs */
	bool pm_runtime_engaged;
	struct eventfd_ctx *pm_wake_eventfd;
	struct pci_saved_state *pm_save;
	bool pm_intx_masked;
	bool sriov_active;

	struct mutex igate;		/* interrupt setup */
	spinlock_t irqlock;		/* INTx masked state */
	int irq_type;
	bool virq_disabled;
	struct vfio_pci_intx *intx;
	unsigned int nvec;
	struct vfio_pci_irq_vec **vec;
	u8 msi_qmax;
	spinlock_t trigger_lock;	/* ERR/REQ eventfds */
	struct eventfd_ctx *err_trigger;
	struct eventfd_ctx *req_trigger;

	struct mutex ioeventfds_lock;	/* @ioeventfds */
	struct list_head ioeventfds;
	unsigned int ioeventfds_nr;

	bool needs_reset;
};

/* Widest access vfio_pci_core_do_io_rw() may use. */
enum vfio_pci_io_width {
	VFIO_PCI_IO_WIDTH_1 = 1,
	VFIO_PCI_IO_WIDTH_2 = 2,
	VFIO_PCI_IO_WIDTH_4 = 4,
	VFIO_PCI_IO_WIDTH_8 = 8,
};

/* Module wide settings, from vfio-pci's parameters */
void vfio_pci_core_set_params(bool nointxmask, bool is_disable_vga,
			      bool is_disable_idle_d3);

/* Lifetime */
int vfio_pci_core_init_dev(struct vfio_device *core_vdev);
void vfio_pci_core_release_dev(struct vfio_device *core_vdev);
int vfio_pci_core_register_device(struct vfio_pci_core_device *vdev);
void vfio_pci_core_unregister_device(struct vfio_pci_core_device *vdev);

/* open_device / close_device */
int vfio_pci_core_enable(struct vfio_pci_core_device *vdev);
void vfio_pci_core_finish_enable(struct vfio_pci_core_device *vdev);
void vfio_pci_core_disable(struct vfio_pci_core_device *vdev);
int vfio_pci_core_open_device(struct vfio_device *core_vdev);
void vfio_pci_core_close_device(struct vfio_device *core_vdev);

/* File operations */
long vfio_pci_core_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
			 unsigned long arg);
int vfio_pci_core_ioctl_feature(struct vfio_device *core_vdev, u32 flags,
				void __user *arg, size_t argsz);
ssize_t vfio_pci_core_read(struct vfio_device *core_vdev, char __user *buf,
			   size_t count, loff_t *ppos);
ssize_t vfio_pci_core_write(struct vfio_device *core_vdev,
			    const char __user *buf, size_t count,
			    loff_t *ppos);
int vfio_pci_core_mmap(struct vfio_device *core_vdev,
		       struct vm_area_struct *vma);
unsigned long vfio_pci_core_place_mmap(struct vfio_device *core_vdev,
				       struct file *file,
				       unsigned long addr,
				       unsigned long len,
				       unsigned long pgoff,
				       unsigned long flags);
void vfio_pci_core_request(struct vfio_device *core_vdev,
			   unsigned int count);
int vfio_pci_core_match(struct vfio_device *core_vdev, char *buf);

/* Device specific regions, registered between enable and finish_enable */
int vfio_pci_core_register_dev_region(struct vfio_pci_core_device *vdev,
				      unsigned int type, unsigned int subtype,
				      const struct vfio_pci_regops *ops,
				      size_t size, u32 flags, void *data);

/* PCI driver glue */
extern const struct pci_error_handlers vfio_pci_core_err_handlers;
extern const struct dev_pm_ops vfio_pci_core_pm_ops;
pci_ers_result_t vfio_pci_core_aer_err_detected(struct pci_dev *pdev,
						pci_channel_state_t state);
int vfio_pci_core_sriov_configure(struct vfio_pci_core_device *vdev,
				  int nr_virtfn);

/* BAR access for variant drivers */
int vfio_pci_core_setup_barmap(struct vfio_pci_core_device *vdev, int bar);
ssize_t vfio_pci_core_do_io_rw(struct vfio_pci_core_device *vdev,
			       bool test_mem, void __iomem *io,
			       char __user *buf, loff_t off, size_t count,
			       size_t x_start, size_t x_end, bool iswrite,
			       enum vfio_pci_io_width max_width);
bool vfio_pci_core_range_intersect_range(loff_t access, size_t access_len,
					 loff_t reg, size_t reg_len,
					 loff_t *access_skip, size_t *overlap,
					 size_t *reg_skip);

int vfio_pci_core_ioread8(struct vfio_pci_core_device *vdev, bool test_mem,
			  u8 *val, void __iomem *io);
int vfio_pci_core_ioread16(struct vfio_pci_core_device *vdev, bool test_mem,
			   u16 *val, void __iomem *io);
int vfio_pci_core_ioread32(struct vfio_pci_core_device *vdev, bool test_mem,
			   u32 *val, void __iomem *io);
int vfio_pci_core_iowrite8(struct vfio_pci_core_device *vdev, bool test_mem,
			   u8 val, void __iomem *io);
int vfio_pci_core_iowrite16(struct vfio_pci_core_device *vdev, bool test_mem,
			    u16 val, void __iomem *io);
int vfio_pci_core_iowrite32(struct vfio_pci_core_device *vdev, bool test_mem,
			    u32 val, void __iomem *io);
#ifdef CONFIG_64BIT
/* 8 byte accesses exist only where the CPU can make them in one go. */
int vfio_pci_core_ioread64(struct vfio_pci_core_device *vdev, bool test_mem,
			   u64 *val, void __iomem *io);
int vfio_pci_core_iowrite64(struct vfio_pci_core_device *vdev, bool test_mem,
			    u64 val, void __iomem *io);
#endif

#endif /* __LINUX_VFIO_PCI_CORE_H */
