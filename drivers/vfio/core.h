/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of vfio.ko share and nobody else sees.
 *
 * The objects and who owns whom:
 *
 *  - a container (container.c) is created by each open of /dev/vfio/vfio.
 *    It is referenced by its file and by every group attached to it; once
 *    the user selected an IOMMU backend with VFIO_SET_IOMMU it holds the
 *    backend's per-container state.
 *  - a group (group.c) stands for one iommu_group that has at least one
 *    device registered by a VFIO bus driver.  Its struct device (the
 *    /dev/vfio/N node) is referenced by each registered device and, through
 *    the cdev, by the open group file.
 *  - a device (device.c) is the bus driver's struct vfio_device.  While it
 *    is registered it sits on its group's device list; each open device
 *    file holds a registration reference, which unregistration waits for.
 *  - a device file (device_file.c, struct vfio_device_file) is one open
 *    file of a device.  It is made either by VFIO_GROUP_GET_DEVICE_FD, and
 *    then pins the group file so that the group keeps its container (or
 *    iommufd) while the device is open, or by opening the device's node
 *    /dev/vfio/devices/vfioN (cdev.c), and then has no access to the
 *    device until VFIO_DEVICE_BIND_IOMMUFD binds it to an iommufd.
 *  - while a device is open, its DMA context (struct vfio_dma_ctx_ops)
 *    says how the device reaches user memory: through the group's
 *    container and its IOMMU backend (container.c) or through an iommufd
 *    context (iommufd.c).  device_file.c, helpers.c and group.c only go
 *    through that seam and never look inside either.
 *
 * The layers and the lock order follow, as the documentation's overview
 * shows them (Documentation/driver-api/vfio/overview.rst pulls them in).
 */

/**
 * DOC: Layers
 *
 * The files of vfio.ko call each other in one direction only: a file
 * uses functions and variables of the files on the lines below its own,
 * never of one above.  ``make check`` fails on a call cycle between files
 * (tools/testing/vm/check-structure.py)::
 *
 *   main.c          module setup: brings every part up and down
 *   register.c      publishing a device: its group, then its vfioN node
 *   cdev.c          /dev/vfio/devices/vfioN: makes device files, binds
 *   group.c         /dev/vfio/N: makes device files; the vfio_file_*()
 *                   hooks of KVM
 *   helpers.c       what bus drivers call (capabilities, SET_IRQS, DMA)
 *   device_file.c   an open device file and its file operations
 *   noiommu.c       the noiommu backend of the container
 *   container.c     the DMA contexts of an open device; /dev/vfio/vfio
 *   iommufd.c
 *   feature.c       VFIO_DEVICE_FEATURE
 *   device.c        struct vfio_device, device sets, registration count
 *   ioctl.c         the ioctl dispatcher
 *   virqfd.c        eventfd-driven handlers
 *
 * Two seams keep it so.  A device file's maker (group.c or cdev.c) gives
 * it a &struct vfio_df_ops for what only that kind of file does at
 * release and in its ioctls, so the file operations need not know the
 * makers.  The cdev's own open only makes the file and then hands it to
 * the device file operations (replace_fops(), as chrdev_open() does).
 */

/**
 * DOC: Lock order
 *
 * The lock order of the whole subsystem, outermost first.  This is where
 * the modules' locks meet; each module's own order is detailed in the
 * file named::
 *
 *   vfio_groups_lock                  (group.c: the global group list)
 *     group->lock                     (container, iommufd, open file)
 *       dev_set->lock                 (open/close of every member)
 *         the bus driver's device locks, taken in open_device,
 *         close_device and the device file operations
 *         (vfio-pci: cfg->lock > igate > rom_lock > memory_lock,
 *         pci/priv.h)
 *         container->lock             (read; write from group ioctls)
 *           vfio_backends_lock        (the list of IOMMU backends)
 *           the backend's locks, taken in its ops:
 *             type1: notify_lock > lock (type1/main.c)
 *             sPAPR TCE: &spapr_ctr.lock (spapr/spapr.h)
 *               the mmap_lock of the user memory being pinned
 *                 the IOMMU driver's locks
 *         iommufd's own locks         (bind, attach, access)
 *       group->device_lock            (the group's device list)
 *   group->kvm_lock, df->kvm_lock, and vfio-pci's irqlock and
 *   trigger_lock: spinlocks, innermost, nothing nests in them
 *
 * Two paths enter the middle of this order from a driver:
 *
 * - an emulated device's driver calls vfio_pin_pages(), vfio_unpin_pages()
 *   and vfio_dma_rw() with its own locks held and no VFIO lock: the
 *   backend's lock comes after the driver's;
 * - type1 calls &vfio_device_ops.dma_unmap with its notify_lock held,
 *   so the callback must not take a driver lock that is held around a
 *   pin call.
 *
 * A cdev file never takes group->lock while holding dev_set->lock: it
 * blocks the group (vfio_group_block_cdev()) before taking dev_set->lock
 * to bind, and unblocks it after dropping it.
 */
#ifndef __DRIVERS_VFIO_CORE_H
#define __DRIVERS_VFIO_CORE_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include "vfio.h"

struct iommufd_ctx;
struct vfio_container;
struct vfio_device_file;

/**
 * struct vfio_dma_ctx_ops - how an open device reaches user memory
 * @use: the first open of the device through @df; called with the
 *	device set lock held (and the group lock for group files).  Sets
 *	up whatever the device needs to do DMA.
 * @unuse: the last close; undoes @use (on any file of the device)
 * @pin_pages: vfio_pin_pages() for an emulated device; @npage was
 *	checked to be 1..VFIO_PIN_PAGES_MAX_ENTRIES
 * @unpin_pages: vfio_unpin_pages()
 * @dma_rw: vfio_dma_rw()
 *
 * The context is chosen at first open and kept in
 * &vfio_device.dma_ctx until the last close, so the helpers that
 * emulated devices call while open need no lock to find it.
 */
struct vfio_dma_ctx_ops {
	int (*use)(struct vfio_device_file *df);
	void (*unuse)(struct vfio_device_file *df);
	int (*pin_pages)(struct vfio_device *vdev, dma_addr_t iova, int npage,
			 int prot, struct page **pages);
	void (*unpin_pages)(struct vfio_device *vdev, dma_addr_t iova,
			    int npage);
	int (*dma_rw)(struct vfio_device *vdev, dma_addr_t iova, void *data,
		      size_t len, bool write);
};

/**
 * struct vfio_df_ops - what the maker of a device file adds to it
 * @release: the file is closed: undo what the maker did to open it (drop
 *	the group file's open, or undo a cdev bind)
 * @ioctl: ioctls of this kind of file, tried before the device's (and
 *	VFIO_DEVICE_BIND_IOMMUFD even before the file has access); returns
 *	-ENOIOCTLCMD for the others.  Optional.
 *
 * group.c and cdev.c make device files; with these the file operations in
 * device_file.c, a layer below both, need not know either.
 */
struct vfio_df_ops {
	void (*release)(struct vfio_device_file *df);
	long (*ioctl)(struct vfio_device_file *df, unsigned int cmd,
		      unsigned long arg);
};

/**
 * struct vfio_device_file - one open file of a device
 * @vdev: the device; the file holds a registration reference on it
 * @group: the group whose file made this one (VFIO_GROUP_GET_DEVICE_FD),
 *	or NULL for a file of /dev/vfio/devices/vfioN
 * @ops: its maker's operations
 * @iommufd: the iommufd context providing DMA: the one bound with
 *	VFIO_DEVICE_BIND_IOMMUFD (the file holds a reference), or the
 *	group's when the group was given an iommufd as its container (the
 *	group holds the reference); NULL when a container provides DMA
 * @devid: the iommufd object id of the bound device
 * @access_granted: the file may use the device: set once when a group
 *	file is made, or when a cdev file is bound (store-release, read with
 *	load-acquire by the file operations)
 * @kvm_lock: protects @kvm
 * @kvm: for a cdev file, the KVM instance given with vfio_file_set_kvm();
 *	taken by the device when the file is bound
 */
struct vfio_device_file {
	struct vfio_device *vdev;
	struct vfio_group *group;
	const struct vfio_df_ops *ops;
	struct iommufd_ctx *iommufd;
	u32 devid;
	bool access_granted;
	spinlock_t kvm_lock;	/* protects @kvm */
	struct kvm *kvm;
};

/**
 * struct vfio_group - the VFIO view of one iommu_group
 * @dev: the class device behind /dev/vfio/N (or /dev/vfio/noiommu-N)
 * @cdev: the character device of @dev
 * @type: how the devices of the group reach memory
 * @registered: devices registered in the group; the group leaves the
 *	global list when it drops to zero
 * @node: link in the global group list
 * @lock: protects @iommu_group (cleared when the last device leaves),
 *	@opened_file, @container, @container_link and @device_users
 * @iommu_group: the group whose DMA is isolated; NULL once dead
 * @opened_file: the one open group file, or NULL
 * @container: the container the group is attached to, or NULL
 * @container_link: link in &vfio_container.groups
 * @device_users: device files open on this group; each pins @opened_file
 *	and therefore @container
 * @device_lock: protects @device_list
 * @device_list: registered devices, linked through &vfio_device.group_node
 * @iommufd: the iommufd given to VFIO_GROUP_SET_CONTAINER instead of a
 *	container (a reference), or NULL; protected by @lock
 * @cdev_users: devices of the group bound through their cdev; while
 *	nonzero the group cannot be opened, and while the group is open no
 *	device can be bound through its cdev (protected by @lock)
 * @kvm_lock: protects @kvm
 * @kvm: what KVM associated with the group file, passed to devices on open
 */
struct vfio_group {
	struct device dev;
	struct cdev cdev;
	enum vfio_group_type type;
	refcount_t registered;
	struct list_head node;

	struct mutex lock;		/* see @lock above */
	struct iommu_group *iommu_group;
	struct file *opened_file;
	struct vfio_container *container;
	struct list_head container_link;
	unsigned int device_users;
	struct iommufd_ctx *iommufd;
	unsigned int cdev_users;

	struct mutex device_lock;	/* protects @device_list */
	struct list_head device_list;

	spinlock_t kvm_lock;		/* protects @kvm */
	struct kvm *kvm;
};

/* group.c: the enable_unsafe_noiommu_mode parameter */
#ifdef CONFIG_VFIO_NOIOMMU
extern bool vfio_noiommu;
#else
#define vfio_noiommu false
#endif

/* container.c */
#if IS_ENABLED(CONFIG_VFIO_CONTAINER)
int vfio_container_init(void);
void vfio_container_exit(void);
struct vfio_container *vfio_container_from_file(struct file *file);
int vfio_container_attach(struct vfio_container *container,
			  struct vfio_group *group);
void vfio_container_detach(struct vfio_group *group);
extern const struct vfio_dma_ctx_ops vfio_container_dma_ops;
#else
/* iommufd serves /dev/vfio/vfio: a group never has a container. */
static inline int vfio_container_init(void)
{
	return 0;
}

static inline void vfio_container_exit(void)
{
}

static inline struct vfio_container *vfio_container_from_file(struct file *file)
{
	return NULL;
}

static inline int vfio_container_attach(struct vfio_container *container,
					struct vfio_group *group)
{
	return -EOPNOTSUPP;
}

static inline void vfio_container_detach(struct vfio_group *group)
{
}
#endif

/* iommufd.c */
#if IS_ENABLED(CONFIG_IOMMUFD)
extern const struct vfio_dma_ctx_ops vfio_iommufd_dma_ops;
int vfio_iommufd_attach(struct vfio_device *vdev, u32 *pt_id);
void vfio_iommufd_detach(struct vfio_device *vdev);
struct iommufd_ctx *vfio_iommufd_ctx_from_file(struct file *file);
int vfio_iommufd_group_set(struct vfio_group *group,
			   struct iommufd_ctx *ictx);
void vfio_iommufd_ctx_put(struct iommufd_ctx *ictx);
#else
static inline struct iommufd_ctx *vfio_iommufd_ctx_from_file(struct file *file)
{
	return ERR_PTR(-EBADFD);
}

static inline int vfio_iommufd_group_set(struct vfio_group *group,
					 struct iommufd_ctx *ictx)
{
	return -EOPNOTSUPP;
}

static inline void vfio_iommufd_ctx_put(struct iommufd_ctx *ictx)
{
}
#endif

/* noiommu.c: the container's noiommu backend */
#if IS_ENABLED(CONFIG_VFIO_NOIOMMU) && IS_ENABLED(CONFIG_VFIO_CONTAINER)
int vfio_noiommu_init(void);
void vfio_noiommu_exit(void);
#else
static inline int vfio_noiommu_init(void)
{
	return 0;
}

static inline void vfio_noiommu_exit(void)
{
}
#endif

/* group.c */
int vfio_group_init(void);
void vfio_group_exit(void);
int vfio_group_add_device(struct vfio_device *vdev, enum vfio_group_type type);
void vfio_group_publish_device(struct vfio_device *vdev);
void vfio_group_hide_device(struct vfio_device *vdev);
void vfio_group_remove_device(struct vfio_device *vdev);
int vfio_group_block_cdev(struct vfio_group *group);
void vfio_group_unblock_cdev(struct vfio_group *group);

/* device.c */
extern struct class *vfio_device_class;
int vfio_device_init(void);
void vfio_device_exit(void);
bool vfio_device_get_registration(struct vfio_device *vdev);
void vfio_device_put_registration(struct vfio_device *vdev);

/* device_file.c */
extern const struct file_operations vfio_device_fops;
struct vfio_device_file *vfio_df_alloc(struct vfio_device *vdev,
				       struct vfio_group *group,
				       const struct vfio_df_ops *ops);
int vfio_df_open(struct vfio_device_file *df);
void vfio_df_close(struct vfio_device_file *df);
struct vfio_device *vfio_device_from_file(struct file *file);
bool vfio_df_file_coherent(struct file *file);
void vfio_df_file_set_kvm(struct file *file, struct kvm *kvm);
bool vfio_device_is_open(struct vfio_device *vdev);

/* cdev.c */
#if IS_ENABLED(CONFIG_VFIO_DEVICE_CDEV)
int vfio_cdev_init(void);
void vfio_cdev_exit(void);
void vfio_cdev_prepare(struct vfio_device *vdev);
int vfio_cdev_add(struct vfio_device *vdev);
void vfio_cdev_del(struct vfio_device *vdev);
#else
static inline int vfio_cdev_init(void)
{
	return 0;
}

static inline void vfio_cdev_exit(void)
{
}

static inline void vfio_cdev_prepare(struct vfio_device *vdev)
{
}

static inline int vfio_cdev_add(struct vfio_device *vdev)
{
	return device_add(&vdev->device);
}

static inline void vfio_cdev_del(struct vfio_device *vdev)
{
	device_del(&vdev->device);
}
#endif

/* feature.c */
long vfio_device_feature(struct vfio_device *vdev,
			 struct vfio_device_feature *feat, void __user *uarg);

/* virqfd.c */
#ifdef CONFIG_VFIO_VIRQFD
int vfio_virqfd_init(void);
void vfio_virqfd_exit(void);
#else
static inline int vfio_virqfd_init(void)
{
	return 0;
}

static inline void vfio_virqfd_exit(void)
{
}
#endif

#endif /* __DRIVERS_VFIO_CORE_H */
