/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VFIO: the in-kernel interface of the VFIO core.
 *
 * Three kinds of code talk to the core through this header:
 *
 *  - bus drivers (vfio-pci, vfio-platform, mediated drivers) publish a
 *    device: they embed struct vfio_device as the first member of their
 *    own state, allocate it with vfio_alloc_device() and publish it with
 *    vfio_register_group_dev() (DMA isolated by a real IOMMU group) or
 *    vfio_register_emulated_iommu_dev() (the driver performs DMA itself,
 *    through vfio_pin_pages() and vfio_dma_rw());
 *  - KVM, which learns about VFIO files through the vfio_file_*() hooks
 *    (called through symbol_get(), so vfio.ko stays optional);
 *  - bus drivers again, for the helpers that every *_INFO, SET_IRQS and
 *    DEVICE_FEATURE implementation needs.
 */
#ifndef __LINUX_VFIO_H
#define __LINUX_VFIO_H

#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <uapi/linux/vfio.h>

struct file;
struct iommufd_access;
struct iommufd_ctx;
struct iommufd_device;
struct kvm;
struct vfio_device;
struct vfio_dma_ctx_ops;
struct vfio_group;
struct virqfd;

/**
 * struct vfio_device_set - devices that are opened and reset as a unit
 * @members: the devices of the set, linked through &vfio_device.set_node;
 *	private to the core: bus drivers use vfio_device_set_for_each()
 * @nr_members: length of @members; private to the core
 * @lock: held around every open_device and close_device callback of a
 *	member; protects @members and each member's &vfio_device.open_count
 * @id: what the members share (a PCI slot or bus, or the device itself)
 *
 * A bus driver that can only reset several functions together (a PCI
 * bus reset, for instance) puts them in one set with
 * vfio_assign_device_set(); it can then look at the open counts of all
 * members, under @lock, to decide whether such a reset is safe.
 */
struct vfio_device_set {
	struct list_head members;
	unsigned int nr_members;
	struct mutex lock;	/* see above */
	void *id;
};

/**
 * struct vfio_device - a device published to userspace through VFIO
 *
 * Set by the bus driver (before registration):
 * @dev: the device being exposed (a pci_dev's &pci_dev.dev, for example)
 * @ops: the bus driver's callbacks
 * @mig_ops: migration callbacks, or NULL when the device cannot migrate
 * @log_ops: DMA dirty logging callbacks, or NULL
 * @migration_flags: VFIO_MIGRATION_* the device supports
 *
 * Maintained by the core, readable by the bus driver:
 * @dev_set: the set this device belongs to (itself alone by default)
 * @open_count: how many times the device is open (under @dev_set's lock)
 * @kvm: KVM instance associated through the group (or, for a device
 *	bound through its cdev, through the device file), while open
 * @iommufd_device: the iommufd device of a physical device bound to an
 *	iommufd (vfio_iommufd_physical_bind()), or NULL
 * @iommufd_access: the iommufd access of an emulated device bound to an
 *	iommufd (vfio_iommufd_emulated_bind()), or NULL
 * @iommufd_attached: @iommufd_device or @iommufd_access is attached to
 *	an IOAS or HWPT
 * @cdev_opened: the device is open through /dev/vfio/devices/vfioN
 *
 * Private to the core:
 * @set_node: link in &vfio_device_set.members
 * @device: the "vfioN" class device shown in sysfs
 * @index: the N of "vfioN"
 * @group: the VFIO group the device belongs to
 * @group_node: link in the group's device list
 * @registration: references that keep the device registered; the
 *	unregister path drops the initial one and waits for the rest
 * @unregistered: completed when @registration drops to zero
 * @inode: owns the address space of every file of the device, so that
 *	vfio_device_zap_mappings() reaches all user mappings
 * @cdev: the character device of /dev/vfio/devices/vfioN (with
 *	CONFIG_VFIO_DEVICE_CDEV)
 * @iommufd_ictx: the iommufd context the device is bound to, or NULL
 * @dma_ctx: how the device reaches memory while it is open
 */
struct vfio_device {
	const struct vfio_device_ops *ops;
	struct device *dev;
	u32 migration_flags;
	const struct vfio_migration_ops *mig_ops;
	const struct vfio_log_ops *log_ops;

	struct kvm *kvm;
	unsigned int open_count;
	struct vfio_device_set *dev_set;
	struct iommufd_device *iommufd_device;
	struct iommufd_access *iommufd_access;
	u8 iommufd_attached:1;
	u8 cdev_opened:1;

	struct list_head set_node;
	struct vfio_group *group;
	struct list_head group_node;
	refcount_t registration;
	struct completion unregistered;
	int index;
	struct device device;
	struct inode *inode;
	struct cdev cdev;
	struct iommufd_ctx *iommufd_ictx;
	const struct vfio_dma_ctx_ops *dma_ctx;
};

/**
 * struct vfio_device_ops - what a bus driver implements
 * @name: driver name, for messages
 * @init: set up the driver part after vfio_alloc_device(); optional
 * @release: free what @init set up; called on the last vfio_put_device()
 * @open_device: the first open of the device fd; under dev_set->lock
 * @close_device: the last close of the device fd; under dev_set->lock
 * @read: read(2) on the device fd
 * @write: write(2) on the device fd
 * @ioctl: ioctls the core does not handle itself
 * @mmap: mmap(2) on the device fd
 * @get_unmapped_area: choose the address of a new mmap(2) of the device
 *	fd, for a driver whose mappings work better at some alignment (huge
 *	page entries, say); optional, the mm's usual choice otherwise.  Same
 *	contract as &file_operations.get_unmapped_area: MAP_FIXED in @flags
 *	gets @addr unchanged, a free hint is taken, and mm_get_unmapped_area()
 *	is the way to ask the mm for room;
 *	vfio_device_default_unmapped_area() gives what the mm would without
 *	the callback.
 * @request: the device is being unregistered while userspace holds it
 *	open; ask userspace to release it.  @count is how many times this
 *	has been asked so far.
 * @match: return nonzero if @buf names this device for
 *	VFIO_GROUP_GET_DEVICE_FD; optional, the default compares
 *	dev_name(@dev)
 * @dma_unmap: an IOVA range this (emulated) device pinned is being
 *	unmapped; the driver must unpin it before returning
 * @device_feature: VFIO_DEVICE_FEATURE requests the core does not
 *	handle; optional
 * @bind_iommufd: the device is opened with an iommufd providing DMA; set
 *	*@out_device_id to the iommufd object id.  Under the device set
 *	lock.  Optional: without it the core uses
 *	vfio_iommufd_physical_bind() for a device registered with
 *	vfio_register_group_dev() and vfio_iommufd_emulated_bind() for one
 *	registered with vfio_register_emulated_iommu_dev().  Likewise for
 *	the three below.
 * @unbind_iommufd: undo @bind_iommufd (after @detach_ioas)
 * @attach_ioas: attach the bound device to the IOAS or HWPT *@pt_id,
 *	replacing any current attachment; *@pt_id returns the HWPT used
 * @detach_ioas: undo @attach_ioas; nothing to do when not attached
 */
struct vfio_device_ops {
	/* Lifetime of the driver's state */
	int (*init)(struct vfio_device *vdev);
	void (*release)(struct vfio_device *vdev);

	/* Finding the device and being asked to give it back */
	int (*match)(struct vfio_device *vdev, char *buf);
	void (*request)(struct vfio_device *vdev, unsigned int count);

	/* The device file */
	int (*open_device)(struct vfio_device *vdev);
	void (*close_device)(struct vfio_device *vdev);
	long (*ioctl)(struct vfio_device *vdev, unsigned int cmd,
		      unsigned long arg);
	int (*device_feature)(struct vfio_device *vdev, u32 flags,
			      void __user *arg, size_t argsz);
	int (*mmap)(struct vfio_device *vdev, struct vm_area_struct *vma);
	unsigned long (*get_unmapped_area)(struct vfio_device *vdev,
					   struct file *file,
					   unsigned long addr,
					   unsigned long len,
					   unsigned long pgoff,
					   unsigned long flags);
	ssize_t (*write)(struct vfio_device *vdev, const char __user *buf,
			 size_t count, loff_t *ppos);
	ssize_t (*read)(struct vfio_device *vdev, char __user *buf,
			size_t count, loff_t *ppos);

	/* Emulated devices: a pinned range goes away */
	void (*dma_unmap)(struct vfio_device *vdev, u64 iova, u64 length);

	/* DMA through an iommufd */
	int (*bind_iommufd)(struct vfio_device *vdev, struct iommufd_ctx *ictx,
			    u32 *out_device_id);
	void (*unbind_iommufd)(struct vfio_device *vdev);
	int (*attach_ioas)(struct vfio_device *vdev, u32 *pt_id);
	void (*detach_ioas)(struct vfio_device *vdev);

	char *name;
};

/**
 * struct vfio_migration_ops - migration callbacks of a bus driver
 * @migration_set_state: move to @new_state, as the user asked; the driver
 *	walks there one arc at a time with vfio_mig_get_next_state() and
 *	returns the data transfer file of the last arc (or NULL, or an
 *	ERR_PTR)
 * @migration_get_state: report the current state
 * @migration_get_data_size: estimate of the STOP_COPY data size
 */
struct vfio_migration_ops {
	struct file *(*migration_set_state)(struct vfio_device *vdev,
					    enum vfio_device_mig_state new_state);
	int (*migration_get_state)(struct vfio_device *vdev,
				   enum vfio_device_mig_state *cur_state);
	int (*migration_get_data_size)(struct vfio_device *vdev,
				       unsigned long *stop_copy_length);
};

struct iova_bitmap;
struct rb_root_cached;

/**
 * struct vfio_log_ops - device DMA dirty logging callbacks
 * @log_start: start logging the given IOVA ranges
 * @log_stop: stop logging
 * @log_read_and_clear: report and clear dirty pages of a range
 */
struct vfio_log_ops {
	int (*log_start)(struct vfio_device *vdev, struct rb_root_cached *ranges,
			 u32 nnodes, u64 *page_size);
	int (*log_stop)(struct vfio_device *vdev);
	int (*log_read_and_clear)(struct vfio_device *vdev, unsigned long iova,
				  unsigned long length,
				  struct iova_bitmap *dirty);
};

/* Device lifetime */
struct vfio_device *_vfio_alloc_device(size_t size, struct device *dev,
				       const struct vfio_device_ops *ops);
/**
 * vfio_alloc_device - allocate a bus driver's state with its vfio_device
 * @tag: the tag of the driver's structure (without "struct"), as in-tree
 *	callers written for 6.12 pass it
 * @member: the struct vfio_device member of struct @tag; must be at
 *	offset 0
 * @dev: the device being exposed
 * @ops: the driver's callbacks
 *
 * Return: a pointer to the new struct @tag, or an ERR_PTR.  Free it with
 * vfio_put_device().
 */
#define vfio_alloc_device(tag, member, dev, ops)			\
	__vfio_alloc_device_of(struct tag, member, dev, ops)
#define __vfio_alloc_device_of(type, member, dev, ops)			\
	((type *)_vfio_alloc_device(sizeof(type) +			\
				    BUILD_BUG_ON_ZERO(offsetof(type, member)), \
				    dev, ops))

void vfio_put_device(struct vfio_device *vdev);
int vfio_register_group_dev(struct vfio_device *vdev);
int vfio_register_emulated_iommu_dev(struct vfio_device *vdev);
void vfio_unregister_group_dev(struct vfio_device *vdev);
int vfio_assign_device_set(struct vfio_device *vdev, void *id);
unsigned int vfio_device_set_open_count(struct vfio_device_set *dev_set);
struct vfio_device *
vfio_find_device_in_devset(struct vfio_device_set *dev_set,
			   struct device *dev);
int vfio_device_set_for_each(struct vfio_device_set *dev_set,
			     int (*fn)(struct vfio_device *vdev, void *arg),
			     void *arg, struct vfio_device **stopped);
void vfio_device_set_unwind(struct vfio_device_set *dev_set,
			    struct vfio_device *end,
			    void (*fn)(struct vfio_device *vdev, void *arg),
			    void *arg);
void vfio_device_zap_mappings(struct vfio_device *vdev, loff_t start,
			      loff_t len);
unsigned long vfio_device_default_unmapped_area(struct file *file,
						unsigned long addr,
						unsigned long len,
						unsigned long pgoff,
						unsigned long flags);

/*
 * iommufd: the implementations of the four &vfio_device_ops callbacks
 * above for devices behind an IOMMU (physical) and for devices whose
 * driver does the DMA (emulated), and what bus drivers ask of a bound
 * device.
 */
#if IS_ENABLED(CONFIG_IOMMUFD)
struct iommufd_ctx *vfio_iommufd_device_ictx(struct vfio_device *vdev);
int vfio_iommufd_get_dev_id(struct vfio_device *vdev, struct iommufd_ctx *ictx);
int vfio_iommufd_physical_bind(struct vfio_device *vdev,
			       struct iommufd_ctx *ictx, u32 *out_device_id);
void vfio_iommufd_physical_unbind(struct vfio_device *vdev);
int vfio_iommufd_physical_attach_ioas(struct vfio_device *vdev, u32 *pt_id);
void vfio_iommufd_physical_detach_ioas(struct vfio_device *vdev);
int vfio_iommufd_emulated_bind(struct vfio_device *vdev,
			       struct iommufd_ctx *ictx, u32 *out_device_id);
void vfio_iommufd_emulated_unbind(struct vfio_device *vdev);
int vfio_iommufd_emulated_attach_ioas(struct vfio_device *vdev, u32 *pt_id);
void vfio_iommufd_emulated_detach_ioas(struct vfio_device *vdev);
#else
static inline struct iommufd_ctx *
vfio_iommufd_device_ictx(struct vfio_device *vdev)
{
	return NULL;
}

static inline int vfio_iommufd_get_dev_id(struct vfio_device *vdev,
					  struct iommufd_ctx *ictx)
{
	return VFIO_PCI_DEVID_NOT_OWNED;
}

/* Without iommufd the callbacks are simply absent from the ops. */
#define vfio_iommufd_physical_bind		NULL
#define vfio_iommufd_physical_unbind		NULL
#define vfio_iommufd_physical_attach_ioas	NULL
#define vfio_iommufd_physical_detach_ioas	NULL
#define vfio_iommufd_emulated_bind		NULL
#define vfio_iommufd_emulated_unbind		NULL
#define vfio_iommufd_emulated_attach_ioas	NULL
#define vfio_iommufd_emulated_detach_ioas	NULL
#endif

/**
 * vfio_device_cdev_opened - whether a device is open through its cdev
 * @vdev: the device
 *
 * Return: true while a /dev/vfio/devices/vfioN file of @vdev is bound.
 */
static inline bool vfio_device_cdev_opened(struct vfio_device *vdev)
{
	return vdev->cdev_opened;
}

/* KVM hooks, reached through symbol_get() */
bool vfio_file_is_valid(struct file *file);
bool vfio_file_is_group(struct file *file);
bool vfio_file_enforced_coherent(struct file *file);
void vfio_file_set_kvm(struct file *file, struct kvm *kvm);
struct iommu_group *vfio_file_iommu_group(struct file *file);
bool vfio_file_has_dev(struct file *file, struct vfio_device *vdev);

/* DMA for emulated devices, served by the container's IOMMU backend */
#define VFIO_PIN_PAGES_MAX_ENTRIES	(PAGE_SIZE / sizeof(unsigned long))
int vfio_pin_pages(struct vfio_device *vdev, dma_addr_t iova, int npage,
		   int prot, struct page **pages);
void vfio_unpin_pages(struct vfio_device *vdev, dma_addr_t iova, int npage);
int vfio_dma_rw(struct vfio_device *vdev, dma_addr_t iova, void *data,
		size_t len, bool write);

/**
 * struct vfio_ioctl_desc - what the dispatcher needs to know of a row
 * @cmd: the ioctl number
 * @min_size: bytes the user's argsz must at least cover (the end of the
 *	last mandatory member); 0 for ioctls whose argument is not a
 *	struct starting with argsz (the handler gets the raw argument)
 * @size: size of the kernel copy handed to the handler; user bytes
 *	beyond it are ignored, missing bytes read as zero
 * @valid_flags: bits allowed in the u32 flags that follows argsz; any
 *	other bit fails with -EINVAL before the handler runs
 * @copy_out: copy the kernel copy back (up to argsz) when the handler
 *	returns 0 or more
 * @copy_out_enospc: also copy it back when the handler returns -ENOSPC:
 *	that is how a handler tells the user the size it needs (the
 *	count of HOT_RESET_INFO, for instance)
 */
struct vfio_ioctl_desc {
	unsigned int cmd;
	u32 min_size;
	u32 size;
	u32 valid_flags;
	bool copy_out;
	bool copy_out_enospc;
};

/**
 * VFIO_IOCTL_TABLE() - the row type of an ioctl table for one object type
 * @_tag: the structure tag of the object the handlers are given (the
 *	file's object: vfio_group, vfio_device, a backend's container, ...)
 *
 * Each row is a struct vfio_ioctl_desc and one of two handlers:
 *
 * - handler(obj, karg, uarg) does the work; @karg is the kernel copy
 *   (NULL when @min_size is 0), @uarg the user pointer (for data past
 *   the struct, such as capability chains and SET_IRQS payloads);
 * - int_handler(obj, arg), for ioctls whose argument is an integer
 *   (VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU), gets it as it is.
 *
 * A table is declared with its object type, so that a handler taking
 * another type, or a dispatch with another object, does not build::
 *
 *	static const VFIO_IOCTL_TABLE(foo) foo_ioctls[] = { ... };
 *
 * makes handlers that take a struct foo.
 */
#define VFIO_IOCTL_TABLE(_tag)						\
	struct {							\
		struct vfio_ioctl_desc desc;				\
		long (*handler)(struct _tag *obj, void *karg,		\
				void __user *uarg);			\
		long (*int_handler)(struct _tag *obj,			\
				    unsigned long arg);			\
	}

/*
 * A row must at least cover argsz and flags, which the build checks;
 * sizeof(_type) is then at least @min_size too.
 */
#define VFIO_IOCTL_MIN_SIZE(_type, _last)				\
	(offsetofend(_type, _last) +					\
	 BUILD_BUG_ON_ZERO(offsetofend(_type, _last) < 2 * sizeof(u32)))
#define VFIO_IOCTL_OP(_cmd, _fn, _type, _last, _flags, _out)		\
	{								\
		.desc = {						\
			.cmd = _cmd, .size = sizeof(_type),		\
			.min_size = VFIO_IOCTL_MIN_SIZE(_type, _last),	\
			.valid_flags = _flags, .copy_out = _out,	\
		},							\
		.handler = _fn,						\
	}
/* A row whose handler reports the size it needs with -ENOSPC. */
#define VFIO_IOCTL_OP_SIZING(_cmd, _fn, _type, _last, _flags)		\
	{								\
		.desc = {						\
			.cmd = _cmd, .size = sizeof(_type),		\
			.min_size = VFIO_IOCTL_MIN_SIZE(_type, _last),	\
			.valid_flags = _flags, .copy_out = true,	\
			.copy_out_enospc = true,			\
		},							\
		.handler = _fn,						\
	}
#define VFIO_IOCTL_RAW(_cmd, _fn) { .desc = { .cmd = _cmd }, .handler = _fn }
#define VFIO_IOCTL_INT(_cmd, _fn)					\
	{ .desc = { .cmd = _cmd }, .int_handler = _fn }

/* Added by the core: @valid_flags for ioctls whose flags are an output. */
#define VFIO_IOCTL_ANY_FLAGS	U32_MAX

/* Kernel copies up to this size live on the caller's stack. */
#define VFIO_IOCTL_ONSTACK	128

/**
 * struct vfio_ioctl_call - one ioctl on its way through vfio_ioctl_dispatch()
 * @desc: the row found
 * @index: its index in the table
 * @uarg: the argument as a user pointer
 * @karg: the kernel copy, or NULL for a row without one
 * @len: bytes copied in, and to copy back
 * @onstack: where small kernel copies live
 *
 * Only vfio_ioctl_dispatch() and the functions it calls use this.
 */
struct vfio_ioctl_call {
	const struct vfio_ioctl_desc *desc;
	size_t index;
	void __user *uarg;
	void *karg;
	size_t len;
	u64 onstack[VFIO_IOCTL_ONSTACK / sizeof(u64)];
};

long vfio_ioctl_begin(struct vfio_ioctl_call *call,
		      const struct vfio_ioctl_desc *first, size_t stride,
		      size_t nr, unsigned int cmd, unsigned long arg);
long vfio_ioctl_end(struct vfio_ioctl_call *call, long ret);

/**
 * vfio_ioctl_dispatch - run an ioctl through a table of handlers
 * @_obj: passed to the handler; its type is the table's object type
 * @_table: an array of rows of VFIO_IOCTL_TABLE() type, built with
 *	VFIO_IOCTL_OP(), VFIO_IOCTL_OP_SIZING(), VFIO_IOCTL_RAW() and
 *	VFIO_IOCTL_INT()
 * @_cmd: the ioctl number
 * @_arg: the ioctl argument
 *
 * A row made with VFIO_IOCTL_INT() is passed the argument as an integer.
 * A row whose min_size is 0 is passed the raw argument as a user pointer
 * and no kernel copy.  Otherwise the argsz, copy-in, flags and copy-out
 * steps described in drivers/vfio/ioctl.c happen around the handler,
 * which works on a kernel copy.  Use %VFIO_IOCTL_ANY_FLAGS as the
 * valid flags when flags is an output of the ioctl.
 *
 * The handler is called here, in the caller, where the table's type is
 * known: the compiler checks @_obj against the handlers' first parameter.
 *
 * Context: process context; the handler may sleep.
 * Return: what the handler returned, a negative errno from the common
 * checks, or -ENOIOCTLCMD if @_cmd is not in @_table (the VFS turns that
 * into -ENOTTY if it reaches userspace).
 */
#define vfio_ioctl_dispatch(_obj, _table, _cmd, _arg)			\
({									\
	typeof(&(_table)[0]) __row;					\
	struct vfio_ioctl_call __call;					\
	unsigned long __arg = (_arg);					\
	long __ret;							\
									\
	BUILD_BUG_ON(offsetof(typeof(*__row), desc));			\
	__ret = vfio_ioctl_begin(&__call, &(_table)[0].desc,		\
				 sizeof(*__row), ARRAY_SIZE(_table),	\
				 (_cmd), __arg);			\
	if (!__ret) {							\
		__row = &(_table)[__call.index];			\
		if (__row->int_handler)					\
			__ret = __row->int_handler((_obj), __arg);	\
		else							\
			__ret = vfio_ioctl_end(&__call,			\
				__row->handler((_obj), __call.karg,	\
					       __call.uarg));		\
	}								\
	__ret;								\
})

/**
 * struct vfio_info_cap - a capability chain for an ``*_INFO`` ioctl
 * @buf: the chain; each header's @next is an offset from the start of @buf
 * @size: bytes used in @buf
 */
struct vfio_info_cap {
	size_t size;
	struct vfio_info_cap_header *buf;
};

/* Building a chain: append a blank or a ready-made capability ... */
struct vfio_info_cap_header *vfio_info_cap_add(struct vfio_info_cap *caps,
					       size_t size, u16 id,
					       u16 version);
int vfio_info_add_capability(struct vfio_info_cap *caps,
			     struct vfio_info_cap_header *cap, size_t size);
/* ... then place it after the info struct, or rebase its offsets by hand. */
int vfio_info_cap_copy_out(struct vfio_info_cap *caps, u32 *argsz,
			   u32 *cap_offset, size_t info_size,
			   void __user *uinfo);
void vfio_info_cap_shift(struct vfio_info_cap *caps, size_t offset);

/* Checks a SET_IRQS header; on success *data_size is the payload size. */
int vfio_set_irqs_validate_and_prepare(struct vfio_irq_set *hdr,
				       int num_irqs, int max_irq_type,
				       size_t *data_size);

/**
 * vfio_check_feature - common checks of a VFIO_DEVICE_FEATURE request
 * @flags: the request's flags
 * @argsz: bytes of feature data the user supplied
 * @supported_ops: VFIO_DEVICE_FEATURE_GET and/or _SET, what the feature
 *	allows
 * @minsz: feature data size the feature needs
 *
 * Return: 1 when the driver should carry out the GET or SET, 0 when the
 * request was a successful PROBE, or a negative errno.
 */
static inline int vfio_check_feature(u32 flags, size_t argsz,
				     u32 supported_ops, size_t minsz)
{
	u32 dir = flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET);

	if (dir & ~supported_ops)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (!dir || argsz < minsz)
		return -EINVAL;
	return 1;
}

int vfio_mig_get_next_state(struct vfio_device *vdev,
			    enum vfio_device_mig_state cur_fsm,
			    enum vfio_device_mig_state new_fsm,
			    enum vfio_device_mig_state *next_fsm);

/* virqfd: run a kernel handler when an eventfd is signalled */
int vfio_virqfd_enable(void *opaque, int (*handler)(void *opaque, void *data),
		       void (*thread)(void *opaque, void *data), void *data,
		       struct virqfd **pvirqfd, int fd);
void vfio_virqfd_disable(struct virqfd **pvirqfd);
void vfio_virqfd_flush_thread(struct virqfd **pvirqfd);

#endif /* __LINUX_VFIO_H */
