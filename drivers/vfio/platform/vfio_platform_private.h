/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The platform bus drivers of VFIO: what vfio-platform-base.ko shares with
 * the two bus binders (vfio-platform.ko, vfio-amba.ko) and with the reset
 * modules.  (The file name is the one 6.12's reset modules include.)
 *
 * A platform or AMBA device is described by firmware, not by a bus that can
 * be enumerated, so a binder only answers two questions for the shared
 * code: what is your Nth memory resource, and what is your Nth interrupt.
 * Everything else is common:
 *
 *   common.c  identity (DT compatible or ACPI HID), resource discovery at
 *             probe, open/close, the ioctl table
 *   region.c  read(2)/write(2) and mmap(2) of the MMIO regions
 *   irq.c     the interrupts: eventfd triggers, automasking of level
 *             interrupts, mask/unmask (SET_IRQS and virqfds)
 *   reset.c   the registry of reset functions, matched by compatible
 *             string and loaded on demand as "vfio-reset:COMPAT"; ACPI _RST
 *
 * Lifetimes: regions and interrupts are discovered once, when the device
 * is bound; the MMIO mappings and the host interrupt handlers exist only
 * while the device is open.  Reset functions run only while it is open,
 * so they find region 0 mapped.
 *
 * Lock order: dev_set->lock (open/close) > igate > irq->lock (a leaf
 * spinlock, also taken in hard interrupt context).
 */
#ifndef __VFIO_PLATFORM_PRIVATE_H
#define __VFIO_PLATFORM_PRIVATE_H

#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vfio.h>

/*
 * A region's file offset is its index in the top bits (the uAPI reports
 * it in VFIO_DEVICE_GET_REGION_INFO; the value is 6.12's, which QEMU does
 * not depend on but tools printing offsets might).
 */
#define VFIO_PLATFORM_OFFSET_SHIFT	40
#define VFIO_PLATFORM_OFFSET_MASK	(BIT_ULL(VFIO_PLATFORM_OFFSET_SHIFT) - 1)

static inline unsigned int vfio_platform_offset_index(u64 off)
{
	return off >> VFIO_PLATFORM_OFFSET_SHIFT;
}

static inline u64 vfio_platform_index_offset(unsigned int index)
{
	return (u64)index << VFIO_PLATFORM_OFFSET_SHIFT;
}

/**
 * struct vfio_platform_region - one resource of the device
 * @addr: physical address
 * @size: length in bytes
 * @flags: VFIO_REGION_INFO_FLAG_* reported to the user
 * @is_mmio: a memory resource; I/O port resources are listed but can be
 *	neither read nor mapped
 * @ioaddr: kernel mapping while the device is open, else NULL
 */
struct vfio_platform_region {
	u64 addr;
	resource_size_t size;
	u32 flags;
	bool is_mmio;
	void __iomem *ioaddr;
};

/**
 * struct vfio_platform_irq - one interrupt of the device
 * @hwirq: the Linux interrupt number
 * @flags: VFIO_IRQ_INFO_* reported to the user; level interrupts are
 *	MASKABLE and AUTOMASKED, edge interrupts neither
 * @name: "vfio-irq[N](DEVICE)" while the handler is requested
 * @request_err: why request_irq() failed at open, reported by SET_IRQS on
 *	this index only (the device stays usable, e.g. polled)
 * @lock: protects @masked, @line_on and @trigger against the handler
 * @masked: the user's (or the automask's) mask
 * @line_on: the host interrupt is enabled: exactly when @trigger is set
 *	and @masked is clear
 * @trigger: the eventfd signalled on each interrupt, or NULL
 * @unmask_fd: virqfd unmasking on each signal of a user eventfd
 * @mask_fd: virqfd masking on each signal of a user eventfd
 */
struct vfio_platform_irq {
	int hwirq;
	u32 flags;
	char *name;
	int request_err;
	spinlock_t lock;	/* see above */
	bool masked;
	bool line_on;
	struct eventfd_ctx *trigger;
	struct virqfd *unmask_fd;
	struct virqfd *mask_fd;
};

struct vfio_platform_device;

/**
 * struct vfio_platform_bus - what a bus binder tells the shared code
 * @device_flags: VFIO_DEVICE_FLAGS_PLATFORM or VFIO_DEVICE_FLAGS_AMBA
 * @resource: the @i-th memory or I/O resource, NULL past the last
 * @irq: the Linux number of the @i-th interrupt, negative past the last
 */
struct vfio_platform_bus {
	u32 device_flags;
	struct resource *(*resource)(struct device *dev, unsigned int i);
	int (*irq)(struct device *dev, unsigned int i);
};

typedef int (*vfio_platform_reset_fn_t)(struct vfio_platform_device *vdev);

/**
 * struct vfio_platform_device - a platform or AMBA device bound to VFIO
 * @vdev: the core's part; first member
 * @device: the platform or AMBA device (what reset functions use)
 * @bus: the binder's answers
 * @name: shown in interrupt names and messages
 * @compat: the first "compatible" string (device tree), or NULL
 * @acpihid: the ACPI hardware ID, or NULL on device tree systems
 * @regions: the device's resources, discovered at probe
 * @num_regions: length of @regions
 * @irqs: the device's interrupts, discovered at probe
 * @num_irqs: length of @irqs
 * @igate: serializes SET_IRQS and the interrupt setup of open/close
 * @reset: the registered reset function for @compat, or NULL
 * @reset_owner: the module providing @reset, held while bound
 * @reset_required: refuse the device (at probe) without a way to reset it
 */
struct vfio_platform_device {
	struct vfio_device vdev;
	struct device *device;
	const struct vfio_platform_bus *bus;
	const char *name;
	const char *compat;
	const char *acpihid;

	struct vfio_platform_region *regions;
	u32 num_regions;
	struct vfio_platform_irq *irqs;
	u32 num_irqs;
	struct mutex igate;	/* see above */

	vfio_platform_reset_fn_t reset;
	struct module *reset_owner;
	bool reset_required;
};

static inline struct vfio_platform_device *
to_vfio_platform(struct vfio_device *core_vdev)
{
	return container_of(core_vdev, struct vfio_platform_device, vdev);
}

/* common.c: what the binders call, and put in their vfio_device_ops */
int vfio_platform_probe_common(struct device *dev,
			       const struct vfio_device_ops *ops);
void vfio_platform_remove_common(struct device *dev);
int vfio_platform_init_common(struct vfio_platform_device *vdev,
			      const struct vfio_platform_bus *bus,
			      bool reset_required);
void vfio_platform_release_common(struct vfio_platform_device *vdev);
int vfio_platform_open_device(struct vfio_device *core_vdev);
void vfio_platform_close_device(struct vfio_device *core_vdev);
long vfio_platform_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
			 unsigned long arg);

/*
 * The device callbacks both binders share; each adds its .name, .init
 * (which calls vfio_platform_init_common()) and .release.
 */
#define VFIO_PLATFORM_SHARED_OPS					\
	.open_device = vfio_platform_open_device,			\
	.close_device = vfio_platform_close_device,			\
	.ioctl = vfio_platform_ioctl,					\
	.read = vfio_platform_read,					\
	.write = vfio_platform_write,					\
	.mmap = vfio_platform_mmap

/* region.c */
int vfio_platform_regions_probe(struct vfio_platform_device *vdev);
int vfio_platform_regions_map(struct vfio_platform_device *vdev);
void vfio_platform_regions_unmap(struct vfio_platform_device *vdev);
ssize_t vfio_platform_read(struct vfio_device *core_vdev, char __user *buf,
			   size_t count, loff_t *ppos);
ssize_t vfio_platform_write(struct vfio_device *core_vdev,
			    const char __user *buf, size_t count,
			    loff_t *ppos);
int vfio_platform_mmap(struct vfio_device *core_vdev,
		       struct vm_area_struct *vma);

/* irq.c */
int vfio_platform_irqs_probe(struct vfio_platform_device *vdev);
void vfio_platform_irqs_free(struct vfio_platform_device *vdev);
void vfio_platform_irqs_request(struct vfio_platform_device *vdev);
void vfio_platform_irqs_release(struct vfio_platform_device *vdev);
int vfio_platform_set_irqs(struct vfio_platform_device *vdev, u32 flags,
			   unsigned int index, unsigned int start,
			   unsigned int count, void *data);

/* reset.c */
const char *vfio_platform_acpi_hid(struct device *dev);
int vfio_platform_reset_probe(struct vfio_platform_device *vdev);
void vfio_platform_reset_put(struct vfio_platform_device *vdev);
bool vfio_platform_can_reset(struct vfio_platform_device *vdev);
int vfio_platform_do_reset(struct vfio_platform_device *vdev);

/**
 * struct vfio_platform_reset_node - a registered reset function
 * @link: in the registry
 * @compat: the device tree compatible string it resets
 * @owner: the module providing @reset
 * @reset: resets the device; called with the device open and region 0
 *	mapped (vdev->regions[0].ioaddr)
 *
 * Reset modules do not fill this in themselves: they use
 * module_vfio_reset_handler() or vfio_platform_register_reset().
 */
struct vfio_platform_reset_node {
	struct list_head link;
	const char *compat;
	struct module *owner;
	vfio_platform_reset_fn_t reset;
};

void __vfio_platform_register_reset(struct vfio_platform_reset_node *node);
void vfio_platform_unregister_reset(const char *compat,
				    vfio_platform_reset_fn_t fn);

/* Register @_fn for @_compat; a statement, used in a module's init. */
#define vfio_platform_register_reset(_compat, _fn)			\
	do {								\
		static struct vfio_platform_reset_node _fn##_reset_node = { \
			.compat = (_compat),				\
			.owner = THIS_MODULE,				\
			.reset = (_fn),					\
		};							\
		__vfio_platform_register_reset(&_fn##_reset_node);	\
	} while (0)

/*
 * A whole reset module: registers @_fn for @_compat while loaded, and is
 * found by the alias "vfio-reset:@_compat" when a device needs it.
 */
#define module_vfio_reset_handler(_compat, _fn)			\
	MODULE_ALIAS("vfio-reset:" _compat);				\
	static int __init _fn##_init(void)				\
	{								\
		vfio_platform_register_reset(_compat, _fn);		\
		return 0;						\
	}								\
	static void __exit _fn##_exit(void)				\
	{								\
		vfio_platform_unregister_reset(_compat, _fn);		\
	}								\
	module_init(_fn##_init);					\
	module_exit(_fn##_exit)

#endif /* __VFIO_PLATFORM_PRIVATE_H */
