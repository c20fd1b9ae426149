// SPDX-License-Identifier: GPL-2.0-only
/*
 * Devices: the life of a struct vfio_device, from the bus driver's point
 * of view.
 *
 * Two counts govern a device:
 *
 *  - the reference count of the embedded struct device (@vdev->device),
 *    which keeps the memory: vfio_alloc_device() starts it, every
 *    vfio_put_device() drops it, and the last one calls the driver's
 *    release callback and frees the structure;
 *  - @vdev->registration, which keeps the device published: it is one
 *    from vfio_register_*_dev() until vfio_unregister_group_dev() drops
 *    it, plus one per open device file (register.c publishes and
 *    withdraws the device; this file keeps the count).
 *
 * A device set groups devices that must be opened, closed and reset
 * together.  Sets live in an xarray keyed by their set_id and are freed
 * with their last member.  A device that is not put in a set by its
 * driver gets a set of its own at registration.
 *
 * Every device also has an inode on a small pseudo filesystem: its device
 * files share that inode's address space, so a driver can zap every user
 * mapping of the device at once (vfio-pci does when it disables memory).
 */
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include "core.h"

/* f_type of the device files, as upstream: "VFIO" */
#define VFIO_FS_MAGIC		0x5646494f

static DEFINE_IDA(vfio_device_ida);
struct class *vfio_device_class;

/* Protects vfio_device_sets and &vfio_device_set.nr_members. */
static DEFINE_MUTEX(vfio_device_sets_lock);
static DEFINE_XARRAY(vfio_device_sets);

/* The pseudo filesystem holding the device inodes; pinned per device. */
static struct vfsmount *vfio_fs_mnt;
static int vfio_fs_pins;

static int vfio_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, VFIO_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type vfio_fs_type = {
	.name			= "vfio",
	.owner			= THIS_MODULE,
	.init_fs_context	= vfio_fs_init_fs_context,
	.kill_sb		= kill_anon_super,
};

static struct inode *vfio_fs_get_inode(void)
{
	struct inode *inode;
	int ret;

	ret = simple_pin_fs(&vfio_fs_type, &vfio_fs_mnt, &vfio_fs_pins);
	if (ret)
		return ERR_PTR(ret);

	inode = alloc_anon_inode(vfio_fs_mnt->mnt_sb);
	if (IS_ERR(inode))
		simple_release_fs(&vfio_fs_mnt, &vfio_fs_pins);
	return inode;
}

static void vfio_fs_put_inode(struct inode *inode)
{
	iput(inode);
	simple_release_fs(&vfio_fs_mnt, &vfio_fs_pins);
}

/**
 * vfio_assign_device_set - put a device in a device set
 * @vdev: the device, not yet registered
 * @set_id: what identifies the set; devices passing the same value share
 *	a set
 *
 * Call between vfio_alloc_device() and registration.  The set is created
 * on first use and freed with its last member.
 *
 * Return: 0, -EINVAL for a NULL @set_id, or -ENOMEM.
 */
int vfio_assign_device_set(struct vfio_device *vdev, void *set_id)
{
	unsigned long key = (unsigned long)set_id;
	struct vfio_device_set *set;
	int ret;

	if (WARN_ON(!set_id))
		return -EINVAL;

	mutex_lock(&vfio_device_sets_lock);
	set = xa_load(&vfio_device_sets, key);
	if (!set) {
		set = kzalloc(sizeof(*set), GFP_KERNEL);
		if (!set) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		set->id = set_id;
		mutex_init(&set->lock);
		INIT_LIST_HEAD(&set->members);
		ret = xa_err(xa_store(&vfio_device_sets, key, set, GFP_KERNEL));
		if (ret) {
			mutex_destroy(&set->lock);
			kfree(set);
			goto out_unlock;
		}
	}
	set->nr_members++;
	mutex_unlock(&vfio_device_sets_lock);

	mutex_lock(&set->lock);
	vdev->dev_set = set;
	list_add_tail(&vdev->set_node, &set->members);
	mutex_unlock(&set->lock);
	return 0;

out_unlock:
	mutex_unlock(&vfio_device_sets_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_assign_device_set);

static void vfio_device_leave_set(struct vfio_device *vdev)
{
	struct vfio_device_set *set = vdev->dev_set;

	if (!set)
		return;

	mutex_lock(&set->lock);
	list_del(&vdev->set_node);
	mutex_unlock(&set->lock);
	vdev->dev_set = NULL;

	mutex_lock(&vfio_device_sets_lock);
	if (!--set->nr_members) {
		xa_erase(&vfio_device_sets, (unsigned long)set->id);
		mutex_destroy(&set->lock);
		kfree(set);
	}
	mutex_unlock(&vfio_device_sets_lock);
}

/**
 * vfio_device_set_open_count - how many times the members of a set are open
 * @dev_set: the set; its lock must be held
 *
 * Return: the sum of the open counts of every member.
 */
unsigned int vfio_device_set_open_count(struct vfio_device_set *dev_set)
{
	struct vfio_device *vdev;
	unsigned int count = 0;

	lockdep_assert_held(&dev_set->lock);

	list_for_each_entry(vdev, &dev_set->members, set_node)
		count += vdev->open_count;
	return count;
}
EXPORT_SYMBOL_GPL(vfio_device_set_open_count);

/**
 * vfio_find_device_in_devset - the member of a set that exposes a device
 * @dev_set: the set; its lock must be held
 * @dev: the device looked for (&vfio_device.dev of a member)
 *
 * Return: the member, or NULL if no member exposes @dev.
 */
struct vfio_device *
vfio_find_device_in_devset(struct vfio_device_set *dev_set,
			   struct device *dev)
{
	struct vfio_device *vdev;

	lockdep_assert_held(&dev_set->lock);

	list_for_each_entry(vdev, &dev_set->members, set_node)
		if (vdev->dev == dev)
			return vdev;
	return NULL;
}
EXPORT_SYMBOL_GPL(vfio_find_device_in_devset);

/**
 * vfio_device_set_for_each - call a function for each member of a set
 * @dev_set: the set; its lock must be held
 * @fn: called with each member in turn, in the order they joined; a
 *	non-zero return stops the walk
 * @arg: passed to @fn
 * @stopped: when not NULL, set to the member whose @fn stopped the walk,
 *	or to NULL when every member was visited
 *
 * Bus drivers walk their device sets with this instead of the member
 * list, which is the core's.  A member may be of another bus driver than
 * the caller's: @fn checks its type before converting it.
 *
 * Return: the non-zero value that stopped the walk, or 0.
 */
int vfio_device_set_for_each(struct vfio_device_set *dev_set,
			     int (*fn)(struct vfio_device *vdev, void *arg),
			     void *arg, struct vfio_device **stopped)
{
	struct vfio_device *vdev;
	int ret;

	lockdep_assert_held(&dev_set->lock);

	list_for_each_entry(vdev, &dev_set->members, set_node) {
		ret = fn(vdev, arg);
		if (ret) {
			if (stopped)
				*stopped = vdev;
			return ret;
		}
	}
	if (stopped)
		*stopped = NULL;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_device_set_for_each);

/**
 * vfio_device_set_unwind - undo a vfio_device_set_for_each() walk
 * @dev_set: the set; its lock must be held
 * @end: the member that stopped the walk, or NULL if it visited them all
 * @fn: called with each member before @end, in reverse order
 * @arg: passed to @fn
 */
void vfio_device_set_unwind(struct vfio_device_set *dev_set,
			    struct vfio_device *end,
			    void (*fn)(struct vfio_device *vdev, void *arg),
			    void *arg)
{
	struct vfio_device *vdev;

	lockdep_assert_held(&dev_set->lock);

	vdev = end ? end : list_entry(&dev_set->members, struct vfio_device,
				      set_node);
	list_for_each_entry_continue_reverse(vdev, &dev_set->members, set_node)
		fn(vdev, arg);
}
EXPORT_SYMBOL_GPL(vfio_device_set_unwind);

/**
 * vfio_device_zap_mappings - take away user mappings of a device's files
 * @vdev: the device
 * @start: first byte, as an offset into the device file
 * @len: bytes
 *
 * Every file of @vdev shares one address space, so this reaches the
 * mappings made through any of them.  The bus driver's fault handler
 * decides whether they may come back.
 */
void vfio_device_zap_mappings(struct vfio_device *vdev, loff_t start,
			      loff_t len)
{
	unmap_mapping_range(vdev->inode->i_mapping, start, len, true);
}
EXPORT_SYMBOL_GPL(vfio_device_zap_mappings);

/**
 * vfio_device_default_unmapped_area - place a mapping as the mm alone would
 * @file: the device file being mapped
 * @addr: the caller's hint or fixed address, or 0
 * @len: length of the mapping
 * @pgoff: file page offset
 * @flags: the mmap flags
 *
 * The address a mapping of a file without &file_operations.get_unmapped_area
 * gets: with THP, one of a length that is a multiple of PMD_SIZE and no
 * hint is aligned by its file offset modulo PMD_SIZE, else wherever the
 * architecture puts it.  For a &vfio_device_ops.get_unmapped_area with no
 * better idea for a given mapping.
 *
 * Return: the address, or a negative errno as an unsigned long.
 */
unsigned long vfio_device_default_unmapped_area(struct file *file,
						unsigned long addr,
						unsigned long len,
						unsigned long pgoff,
						unsigned long flags)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	if (!addr && IS_ALIGNED(len, PMD_SIZE))
		return thp_get_unmapped_area(file, addr, len, pgoff, flags);
#endif
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff,
				    flags);
}
EXPORT_SYMBOL_GPL(vfio_device_default_unmapped_area);

/* The last vfio_put_device(). */
static void vfio_device_release(struct device *device)
{
	struct vfio_device *vdev =
		container_of(device, struct vfio_device, device);
	struct inode *inode = vdev->inode;

	vfio_device_leave_set(vdev);
	ida_free(&vfio_device_ida, vdev->index);
	if (vdev->ops->release)
		vdev->ops->release(vdev);
	vfio_fs_put_inode(inode);
	kvfree(vdev);
}

/**
 * _vfio_alloc_device - allocate a bus driver's state with its vfio_device
 * @size: size of the driver's structure, whose first member is the
 *	struct vfio_device
 * @dev: the device being exposed
 * @ops: the driver's callbacks; @ops->init runs before this returns
 *
 * Use the vfio_alloc_device() wrapper rather than this.
 *
 * Return: the zeroed and initialised structure (free it with
 * vfio_put_device()), or an ERR_PTR: -EINVAL, -ENOMEM, -ENOSPC when all
 * device numbers are used, or what @ops->init returned.
 */
struct vfio_device *_vfio_alloc_device(size_t size, struct device *dev,
				       const struct vfio_device_ops *ops)
{
	struct vfio_device *vdev;
	int ret;

	if (WARN_ON(size < sizeof(*vdev)))
		return ERR_PTR(-EINVAL);

	vdev = kvzalloc(size, GFP_KERNEL);
	if (!vdev)
		return ERR_PTR(-ENOMEM);

	ret = ida_alloc_max(&vfio_device_ida, MINORMASK, GFP_KERNEL);
	if (ret < 0)
		goto err_free;
	vdev->index = ret;
	vdev->dev = dev;
	vdev->ops = ops;
	init_completion(&vdev->unregistered);

	vdev->inode = vfio_fs_get_inode();
	if (IS_ERR(vdev->inode)) {
		ret = PTR_ERR(vdev->inode);
		goto err_ida;
	}

	if (ops->init) {
		ret = ops->init(vdev);
		if (ret)
			goto err_inode;
	}

	/* From here on the release callback undoes everything. */
	device_initialize(&vdev->device);
	vdev->device.release = vfio_device_release;
	vdev->device.class = vfio_device_class;
	vdev->device.parent = dev;
	return vdev;

err_inode:
	vfio_device_leave_set(vdev);
	vfio_fs_put_inode(vdev->inode);
err_ida:
	ida_free(&vfio_device_ida, vdev->index);
err_free:
	kvfree(vdev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(_vfio_alloc_device);

/**
 * vfio_put_device - drop a reference to a device
 * @vdev: from vfio_alloc_device()
 *
 * The last reference runs &vfio_device_ops.release and frees @vdev.
 */
void vfio_put_device(struct vfio_device *vdev)
{
	put_device(&vdev->device);
}
EXPORT_SYMBOL_GPL(vfio_put_device);

bool vfio_device_get_registration(struct vfio_device *vdev)
{
	return refcount_inc_not_zero(&vdev->registration);
}

void vfio_device_put_registration(struct vfio_device *vdev)
{
	if (refcount_dec_and_test(&vdev->registration))
		complete(&vdev->unregistered);
}

/* The class of the "vfioN" devices. */
int vfio_device_init(void)
{
	vfio_device_class = class_create("vfio-dev");
	return PTR_ERR_OR_ZERO(vfio_device_class);
}

void vfio_device_exit(void)
{
	ida_destroy(&vfio_device_ida);
	WARN_ON(!xa_empty(&vfio_device_sets));
	xa_destroy(&vfio_device_sets);
	class_destroy(vfio_device_class);
}
