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
 *  - a device file (device_file.c) pins the group file that created it,
 *    so a group cannot leave its container while devices are open.
 */
#ifndef __DRIVERS_VFIO_CORE_H
#define __DRIVERS_VFIO_CORE_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include "vfio.h"

struct vfio_container;

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

	struct mutex device_lock;	/* protects @device_list */
	struct list_head device_list;

	spinlock_t kvm_lock;		/* protects @kvm */
	struct kvm *kvm;
};

#ifdef CONFIG_VFIO_NOIOMMU
extern bool vfio_noiommu;
#else
#define vfio_noiommu false
#endif

/* main.c */
extern struct class *vfio_group_class;
extern struct class *vfio_device_class;
extern dev_t vfio_group_devt;

/* container.c */
int vfio_container_init(void);
void vfio_container_exit(void);
struct vfio_container *vfio_container_from_file(struct file *file);
int vfio_container_attach(struct vfio_container *container,
			  struct vfio_group *group);
void vfio_container_detach(struct vfio_group *group);
void vfio_container_notify(struct vfio_group *group);
int vfio_container_use(struct vfio_group *group, struct vfio_device *vdev);
void vfio_container_unuse(struct vfio_group *group, struct vfio_device *vdev);
int vfio_container_pin_pages(struct vfio_device *vdev, dma_addr_t iova,
			     int npage, int prot, struct page **pages);
void vfio_container_unpin_pages(struct vfio_device *vdev, dma_addr_t iova,
				int npage);
int vfio_container_dma_rw(struct vfio_device *vdev, dma_addr_t iova,
			  void *data, size_t len, bool write);

/* noiommu.c */
#ifdef CONFIG_VFIO_NOIOMMU
int vfio_noiommu_init(void);
void vfio_noiommu_exit(void);
bool vfio_backend_is_noiommu(const struct vfio_iommu_backend_ops *ops);
#else
static inline int vfio_noiommu_init(void)
{
	return 0;
}

static inline void vfio_noiommu_exit(void)
{
}

static inline bool
vfio_backend_is_noiommu(const struct vfio_iommu_backend_ops *ops)
{
	return false;
}
#endif

/* group.c */
void vfio_group_exit(void);
int vfio_group_add_device(struct vfio_device *vdev, enum vfio_group_type type);
void vfio_group_publish_device(struct vfio_device *vdev);
void vfio_group_hide_device(struct vfio_device *vdev);
void vfio_group_remove_device(struct vfio_device *vdev);
struct vfio_group *vfio_group_from_file(struct file *file);

/* device.c */
int vfio_device_init(void);
void vfio_device_exit(void);
bool vfio_device_get_registration(struct vfio_device *vdev);
void vfio_device_put_registration(struct vfio_device *vdev);

/* device_file.c */
struct file *vfio_device_open_file(struct vfio_device *vdev);
struct vfio_device *vfio_device_from_file(struct file *file);
bool vfio_device_is_open(struct vfio_device *vdev);

/* feature.c */
long vfio_device_feature(struct vfio_device *vdev,
			 struct vfio_device_feature *feat, void __user *uarg);

/* kvm.c */
void vfio_device_get_kvm(struct vfio_device *vdev);
void vfio_device_put_kvm(struct vfio_device *vdev);

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
