// SPDX-License-Identifier: GPL-2.0-only
/*
 * Groups: /dev/vfio/N, the unit of ownership.
 *
 * The IOMMU can only isolate an iommu_group as a whole, so userspace owns
 * all devices of a group or none.  A vfio_group exists while at least one
 * device of its iommu_group is registered by a VFIO bus driver (counted
 * by @registered); it is found by its iommu_group on a global list.
 *
 * The group file is exclusive: one open at a time.  Through it the user
 * attaches the group to a container, which claims DMA ownership of the
 * iommu_group (so no host driver can bind to any of its devices), and
 * then opens device files.  A device file keeps the group file alive and
 * the group in its container until it is closed.
 *
 * When the last device is unregistered the group leaves the list, its
 * node disappears, it is detached from its container, and @iommu_group is
 * cleared: a group file still open only gets -ENODEV from then on.  The
 * memory lives until the last reference to @dev (the open file holds one
 * through the cdev).
 *
 * noiommu and emulated groups are made up by the core for a single
 * device, with an iommu_group of their own.
 *
 * Instead of a container the user may give VFIO_GROUP_SET_CONTAINER an
 * iommufd (with CONFIG_IOMMUFD; /dev/vfio/vfio itself is one when iommufd
 * serves it).  The group then claims no DMA ownership of its own: each
 * device opened through it is bound to the iommufd, which claims the
 * device, and attached to the iommufd's compatibility IOAS.
 *
 * The group path and the device cdev (cdev.c) exclude each other: while
 * the group file is open no device of the group can be bound through its
 * cdev, and while one is bound the group cannot be opened.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kdev_t.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "core.h"

/* Protects vfio_groups, and creation and removal of group nodes. */
static DEFINE_MUTEX(vfio_groups_lock);
static LIST_HEAD(vfio_groups);
static DEFINE_IDA(vfio_group_minors);

#ifdef CONFIG_VFIO_NOIOMMU
bool vfio_noiommu __read_mostly;
module_param_named(enable_unsafe_noiommu_mode, vfio_noiommu, bool, 0644);
MODULE_PARM_DESC(enable_unsafe_noiommu_mode,
		 "Expose devices without an IOMMU (/dev/vfio/noiommu-N). UNSAFE: the device can DMA anywhere in memory, so the user (who needs CAP_SYS_RAWIO) owns the machine; the kernel is tainted. Not for VMs. (default: false)");
#endif

static struct class *vfio_group_class;
static dev_t vfio_group_devt;

static struct vfio_group *vfio_group_of_own_file(struct file *file)
{
	return file->private_data;
}

static long vfio_group_get_status(struct vfio_group *group, void *karg,
				  void __user *uarg)
{
	struct vfio_group_status *status = karg;
	long ret = 0;

	status->flags = 0;
	mutex_lock(&group->lock);
	if (!group->iommu_group) {
		ret = -ENODEV;
	} else if (group->container || group->iommufd) {
		status->flags = VFIO_GROUP_FLAGS_VIABLE |
				VFIO_GROUP_FLAGS_CONTAINER_SET;
	} else if (!iommu_group_dma_owner_claimed(group->iommu_group)) {
		/*
		 * Nobody (no host driver, no other owner) uses the DMA of the
		 * group, so attaching it to a container would succeed.
		 */
		status->flags = VFIO_GROUP_FLAGS_VIABLE;
	}
	mutex_unlock(&group->lock);
	return ret;
}

static long vfio_group_set_container(struct vfio_group *group, void *karg,
				     void __user *uarg)
{
	struct vfio_container *container;
	struct iommufd_ctx *ictx;
	struct file *file;
	int fd, ret;

	if (get_user(fd, (int __user *)uarg))
		return -EFAULT;

	file = fget(fd);
	if (!file)
		return -EBADF;

	mutex_lock(&group->lock);
	if (group->container || group->iommufd) {
		ret = -EINVAL;
		goto out;
	}
	if (!group->iommu_group) {
		ret = -ENODEV;
		goto out;
	}
	container = vfio_container_from_file(file);
	if (container) {
		ret = vfio_container_attach(container, group);
		goto out;
	}
	ictx = vfio_iommufd_ctx_from_file(file);
	if (IS_ERR(ictx)) {
		ret = -EBADFD;
		goto out;
	}
	ret = vfio_iommufd_group_set(group, ictx);
	if (ret)
		vfio_iommufd_ctx_put(ictx);
out:
	mutex_unlock(&group->lock);
	fput(file);
	return ret;
}

/* The group leaves its container or iommufd; no device is open. */
static void vfio_group_drop_dma(struct vfio_group *group)
{
	lockdep_assert_held(&group->lock);

	if (group->container)
		vfio_container_detach(group);
	if (group->iommufd) {
		vfio_iommufd_ctx_put(group->iommufd);
		group->iommufd = NULL;
	}
}

static long vfio_group_unset_container(struct vfio_group *group, void *karg,
				       void __user *uarg)
{
	long ret = 0;

	mutex_lock(&group->lock);
	if (!group->container && !group->iommufd)
		ret = -EINVAL;
	else if (group->device_users)
		ret = -EBUSY;
	else
		vfio_group_drop_dma(group);
	mutex_unlock(&group->lock);
	return ret;
}

/*
 * Find the registered device called @name and take a registration
 * reference on it.  A bus driver's match callback may veto with an errno.
 */
static struct vfio_device *vfio_group_find_device(struct vfio_group *group,
						  char *name)
{
	struct vfio_device *vdev, *found = ERR_PTR(-ENODEV);

	mutex_lock(&group->device_lock);
	list_for_each_entry(vdev, &group->device_list, group_node) {
		int match;

		if (vdev->ops->match)
			match = vdev->ops->match(vdev, name);
		else
			match = !strcmp(dev_name(vdev->dev), name);
		if (match < 0) {
			found = ERR_PTR(match);
			break;
		}
		if (match && vfio_device_get_registration(vdev)) {
			found = vdev;
			break;
		}
	}
	mutex_unlock(&group->device_lock);
	return found;
}

/*
 * The release of a device file made by the group: drop its open, and its
 * hold on the group file; the group lock orders it against the group.
 */
static void vfio_group_df_release(struct vfio_device_file *df)
{
	struct vfio_group *group = df->group;
	struct vfio_device *vdev = df->vdev;

	mutex_lock(&group->lock);
	mutex_lock(&vdev->dev_set->lock);
	vfio_df_close(df);
	mutex_unlock(&vdev->dev_set->lock);
	group->device_users--;
	fput(group->opened_file);
	mutex_unlock(&group->lock);
}

/* A group's device files have no ioctls of their own. */
static const struct vfio_df_ops vfio_group_df_ops = {
	.release	= vfio_group_df_release,
};

/*
 * Open @vdev for VFIO_GROUP_GET_DEVICE_FD on @group, whose lock is held
 * and which has a container or an iommufd.  The caller holds a
 * registration reference, which the returned file takes over.
 */
static struct file *vfio_device_open_file(struct vfio_device *vdev,
					  struct vfio_group *group)
{
	struct vfio_device_file *df;
	struct file *file;
	int ret;

	lockdep_assert_held(&group->lock);

	df = vfio_df_alloc(vdev, group, &vfio_group_df_ops);
	if (!df)
		return ERR_PTR(-ENOMEM);
	df->iommufd = group->iommufd;

	mutex_lock(&vdev->dev_set->lock);
	ret = vfio_df_open(df);
	mutex_unlock(&vdev->dev_set->lock);
	if (ret)
		goto err_free;

	/* anon_inode_getfd() would not let us set the modes and mapping. */
	file = anon_inode_getfile("[vfio-device]", &vfio_device_fops, df,
				  O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_close;
	}
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;
	/* All files of the device share one mapping: zapping it hits all. */
	file->f_mapping = vdev->inode->i_mapping;

	/* The file pins the group file, hence the group's DMA context. */
	get_file(group->opened_file);
	group->device_users++;
	/* No one else sees @df yet; release only for symmetry. */
	smp_store_release(&df->access_granted, true);

	if (group->type == VFIO_NO_IOMMU)
		dev_warn(vdev->dev,
			 "vfio-noiommu device opened by user (%s:%d)\n",
			 current->comm, task_pid_nr(current));
	return file;

err_close:
	mutex_lock(&vdev->dev_set->lock);
	vfio_df_close(df);
	mutex_unlock(&vdev->dev_set->lock);
err_free:
	kfree(df);
	return ERR_PTR(ret);
}

/*
 * Give the caller a new fd for @vdev.  On success the file owns the
 * registration reference the caller holds; on failure the caller keeps it.
 */
static int vfio_group_new_device_fd(struct vfio_group *group,
				    struct vfio_device *vdev)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;

	mutex_lock(&group->lock);
	if (!group->container && !group->iommufd)
		file = ERR_PTR(-EINVAL);
	else if (group->type == VFIO_NO_IOMMU && !capable(CAP_SYS_RAWIO))
		file = ERR_PTR(-EPERM);
	else
		file = vfio_device_open_file(vdev, group);
	mutex_unlock(&group->lock);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
}

static long vfio_group_get_device_fd(struct vfio_group *group, void *karg,
				     void __user *uarg)
{
	struct vfio_device *vdev;
	char *name;
	int fd;

	name = strndup_user(uarg, PAGE_SIZE);
	if (IS_ERR(name))
		return PTR_ERR(name);
	vdev = vfio_group_find_device(group, name);
	kfree(name);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	fd = vfio_group_new_device_fd(group, vdev);
	if (fd < 0)
		vfio_device_put_registration(vdev);
	return fd;
}

static const VFIO_IOCTL_TABLE(vfio_group) vfio_group_ioctls[] = {
	VFIO_IOCTL_OP(VFIO_GROUP_GET_STATUS, vfio_group_get_status,
		      struct vfio_group_status, flags, VFIO_IOCTL_ANY_FLAGS,
		      true),
	VFIO_IOCTL_RAW(VFIO_GROUP_SET_CONTAINER, vfio_group_set_container),
	VFIO_IOCTL_RAW(VFIO_GROUP_UNSET_CONTAINER, vfio_group_unset_container),
	VFIO_IOCTL_RAW(VFIO_GROUP_GET_DEVICE_FD, vfio_group_get_device_fd),
};

static long vfio_group_fops_ioctl(struct file *file, unsigned int cmd,
				  unsigned long arg)
{
	return vfio_ioctl_dispatch(vfio_group_of_own_file(file),
				   vfio_group_ioctls, cmd, arg);
}

static int vfio_group_fops_open(struct inode *inode, struct file *file)
{
	struct vfio_group *group =
		container_of(inode->i_cdev, struct vfio_group, cdev);
	int ret = 0;

	mutex_lock(&group->lock);
	if (!group->iommu_group || !refcount_read(&group->registered))
		ret = -ENODEV;
	else if (group->type == VFIO_NO_IOMMU && !capable(CAP_SYS_RAWIO))
		ret = -EPERM;
	else if (group->opened_file)
		ret = -EBUSY;	/* one user owns the group */
	else if (group->cdev_users)
		ret = -EBUSY;	/* a device is bound through its cdev */

	if (!ret) {
		group->opened_file = file;
		file->private_data = group;
	}
	mutex_unlock(&group->lock);
	return ret;
}

static int vfio_group_fops_release(struct inode *inode, struct file *file)
{
	struct vfio_group *group = vfio_group_of_own_file(file);

	/* Open device files hold this file, so none is left here. */
	mutex_lock(&group->lock);
	vfio_group_drop_dma(group);
	group->opened_file = NULL;
	mutex_unlock(&group->lock);
	return 0;
}

static const struct file_operations vfio_group_fops = {
	.open		= vfio_group_fops_open,
	.unlocked_ioctl	= vfio_group_fops_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= vfio_group_fops_release,
	.owner		= THIS_MODULE,
};

static void vfio_group_release(struct device *dev)
{
	struct vfio_group *group = container_of(dev, struct vfio_group, dev);

	/* Only set here when creating the node failed. */
	if (group->iommu_group)
		iommu_group_put(group->iommu_group);
	ida_free(&vfio_group_minors, MINOR(dev->devt));
	mutex_destroy(&group->device_lock);
	mutex_destroy(&group->lock);
	kfree(group);
}

/* Make the group of @iommu_group and its node; it starts with one device. */
static struct vfio_group *vfio_group_create(struct iommu_group *iommu_group,
					    enum vfio_group_type type)
{
	struct vfio_group *group;
	int minor, ret;

	lockdep_assert_held(&vfio_groups_lock);

	group = kzalloc(sizeof(*group), GFP_KERNEL);
	if (!group)
		return ERR_PTR(-ENOMEM);

	minor = ida_alloc_max(&vfio_group_minors, MINORMASK, GFP_KERNEL);
	if (minor < 0) {
		kfree(group);
		return ERR_PTR(minor);
	}

	group->type = type;
	refcount_set(&group->registered, 1);
	mutex_init(&group->lock);
	mutex_init(&group->device_lock);
	INIT_LIST_HEAD(&group->device_list);
	spin_lock_init(&group->kvm_lock);
	iommu_group_ref_get(iommu_group);
	group->iommu_group = iommu_group;

	/* From here on put_device() frees everything above. */
	device_initialize(&group->dev);
	group->dev.devt = MKDEV(MAJOR(vfio_group_devt), minor);
	group->dev.class = vfio_group_class;
	group->dev.release = vfio_group_release;
	cdev_init(&group->cdev, &vfio_group_fops);
	group->cdev.owner = THIS_MODULE;

	ret = dev_set_name(&group->dev, "%s%d",
			   type == VFIO_NO_IOMMU ? "noiommu-" : "",
			   iommu_group_id(iommu_group));
	if (ret)
		goto err_put;
	ret = cdev_device_add(&group->cdev, &group->dev);
	if (ret)
		goto err_put;

	list_add(&group->node, &vfio_groups);
	return group;

err_put:
	put_device(&group->dev);
	return ERR_PTR(ret);
}

static bool vfio_group_holds(struct vfio_group *group, struct device *dev)
{
	struct vfio_device *vdev;
	bool ret = false;

	mutex_lock(&group->device_lock);
	list_for_each_entry(vdev, &group->device_list, group_node) {
		if (vdev->dev == dev) {
			ret = true;
			break;
		}
	}
	mutex_unlock(&group->device_lock);
	return ret;
}

/* The group of a device behind a real IOMMU: shared by its devices. */
static struct vfio_group *vfio_group_get_shared(struct iommu_group *iommu_group,
						struct device *dev)
{
	struct vfio_group *group;

	mutex_lock(&vfio_groups_lock);
	list_for_each_entry(group, &vfio_groups, node) {
		if (group->iommu_group != iommu_group)
			continue;
		/* A device registered twice is a bus driver bug. */
		if (WARN_ON(vfio_group_holds(group, dev)))
			group = ERR_PTR(-EINVAL);
		else
			refcount_inc(&group->registered);
		goto out;
	}
	group = vfio_group_create(iommu_group, VFIO_IOMMU);
out:
	mutex_unlock(&vfio_groups_lock);
	return group;
}

/*
 * A group of its own for @dev, around a new iommu_group: for emulated
 * devices, and for noiommu devices which have no IOMMU at all.
 */
static struct vfio_group *vfio_group_make_private(struct device *dev,
						  enum vfio_group_type type)
{
	struct vfio_group *group;
	struct iommu_group *grp;
	int err;

	grp = iommu_group_alloc();
	if (IS_ERR(grp))
		return ERR_CAST(grp);

	err = iommu_group_set_name(grp, "vfio-noiommu");
	if (!err)
		err = iommu_group_add_device(grp, dev);
	if (err) {
		group = ERR_PTR(err);
		goto out;
	}

	mutex_lock(&vfio_groups_lock);
	group = vfio_group_create(grp, type);
	mutex_unlock(&vfio_groups_lock);
	if (IS_ERR(group))
		iommu_group_remove_device(dev);
out:
	/* Either the vfio_group took its own reference, or we failed. */
	iommu_group_put(grp);
	return group;
}

/*
 * Registration of @vdev: find or make its group.  The device is not
 * visible to the user until vfio_group_publish_device().
 */
int vfio_group_add_device(struct vfio_device *vdev, enum vfio_group_type type)
{
	struct iommu_group *iommu_group;
	struct vfio_group *group;

	if (type != VFIO_IOMMU) {
		group = vfio_group_make_private(vdev->dev, type);
	} else {
		iommu_group = iommu_group_get(vdev->dev);
		if (iommu_group) {
			group = vfio_group_get_shared(iommu_group, vdev->dev);
			iommu_group_put(iommu_group);
		} else if (vfio_noiommu) {
			group = vfio_group_make_private(vdev->dev,
							VFIO_NO_IOMMU);
			if (!IS_ERR(group)) {
				add_taint(TAINT_USER, LOCKDEP_STILL_OK);
				dev_warn(vdev->dev,
					 "vfio-noiommu group created, kernel tainted\n");
			}
		} else {
			group = ERR_PTR(-EINVAL);
		}
	}
	if (IS_ERR(group))
		return PTR_ERR(group);

	vdev->group = group;
	return 0;
}

/* Undo vfio_group_add_device(); the device is hidden and closed. */
void vfio_group_remove_device(struct vfio_device *vdev)
{
	struct vfio_group *group = vdev->group;
	struct iommu_group *iommu_group;

	if (group->type != VFIO_IOMMU)
		iommu_group_remove_device(vdev->dev);

	if (!refcount_dec_and_mutex_lock(&group->registered,
					 &vfio_groups_lock))
		return;

	/*
	 * Last device: remove the node under the list lock, so that a new
	 * device of the same iommu_group registering right now makes a new
	 * node of the same name only after this one is gone.
	 */
	list_del(&group->node);
	cdev_device_del(&group->cdev, &group->dev);

	mutex_lock(&group->lock);
	WARN_ON(!list_empty(&group->device_list));
	vfio_group_drop_dma(group);
	iommu_group = group->iommu_group;
	group->iommu_group = NULL;
	mutex_unlock(&group->lock);
	mutex_unlock(&vfio_groups_lock);

	iommu_group_put(iommu_group);
	put_device(&group->dev);
}

/* Let VFIO_GROUP_GET_DEVICE_FD find @vdev. */
void vfio_group_publish_device(struct vfio_device *vdev)
{
	struct vfio_group *group = vdev->group;

	mutex_lock(&group->device_lock);
	list_add(&vdev->group_node, &group->device_list);
	mutex_unlock(&group->device_lock);
}

void vfio_group_hide_device(struct vfio_device *vdev)
{
	struct vfio_group *group = vdev->group;

	mutex_lock(&group->device_lock);
	list_del(&vdev->group_node);
	mutex_unlock(&group->device_lock);
}

static char *vfio_group_devnode(const struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "vfio/%s", dev_name(dev));
}

/* The class of the group nodes and their character device region. */
int vfio_group_init(void)
{
	int ret;

	vfio_group_class = class_create("vfio");
	if (IS_ERR(vfio_group_class))
		return PTR_ERR(vfio_group_class);
	vfio_group_class->devnode = vfio_group_devnode;

	ret = alloc_chrdev_region(&vfio_group_devt, 0, MINORMASK + 1, "vfio");
	if (ret)
		class_destroy(vfio_group_class);
	return ret;
}

void vfio_group_exit(void)
{
	WARN_ON(!list_empty(&vfio_groups));
	ida_destroy(&vfio_group_minors);
	unregister_chrdev_region(vfio_group_devt, MINORMASK + 1);
	class_destroy(vfio_group_class);
}

/**
 * vfio_group_block_cdev - keep the group path away while a device of the
 *	group is bound through its cdev
 * @group: the device's group
 *
 * Return: 0, or -EBUSY while the group file is open.
 */
int vfio_group_block_cdev(struct vfio_group *group)
{
	int ret = 0;

	mutex_lock(&group->lock);
	if (group->opened_file)
		ret = -EBUSY;
	else
		group->cdev_users++;
	mutex_unlock(&group->lock);
	return ret;
}

void vfio_group_unblock_cdev(struct vfio_group *group)
{
	mutex_lock(&group->lock);
	WARN_ON(!group->cdev_users);
	group->cdev_users--;
	mutex_unlock(&group->lock);
}

static struct vfio_group *vfio_group_from_file(struct file *file)
{
	if (file->f_op != &vfio_group_fops)
		return NULL;
	return vfio_group_of_own_file(file);
}

/*
 * The hooks KVM's VFIO pseudo device (virt/kvm/vfio.c) calls, through
 * symbol_get() so that neither module needs the other, on the group or
 * device files userspace gives it.  A group file is answered here; any
 * other file is handed to device_file.c, below this file.  The KVM
 * instance set on a group file is kept in the group, the one set on a
 * cdev file in that file; a device takes a reference on the instance of
 * the file it is first opened (or bound) through (device_file.c).
 */

/**
 * vfio_file_is_valid - whether a file is a VFIO group or device file
 * @file: any file
 *
 * Return: true for a VFIO group or device file.
 */
bool vfio_file_is_valid(struct file *file)
{
	return vfio_group_from_file(file) || vfio_device_from_file(file);
}
EXPORT_SYMBOL_GPL(vfio_file_is_valid);

/**
 * vfio_file_is_group - whether a file is a VFIO group file
 * @file: any file
 *
 * Return: true for a /dev/vfio/N file.
 */
bool vfio_file_is_group(struct file *file)
{
	return vfio_group_from_file(file);
}
EXPORT_SYMBOL_GPL(vfio_file_is_group);

static bool vfio_group_coherent(struct vfio_group *group)
{
	struct vfio_device *vdev;
	bool coherent = true;

	mutex_lock(&group->device_lock);
	list_for_each_entry(vdev, &group->device_list, group_node) {
		if (!device_iommu_capable(vdev->dev,
					  IOMMU_CAP_ENFORCE_CACHE_COHERENCY)) {
			coherent = false;
			break;
		}
	}
	mutex_unlock(&group->device_lock);
	return coherent;
}

/**
 * vfio_file_enforced_coherent - whether DMA through a VFIO file is always
 *	cache coherent
 * @file: a VFIO group or device file
 *
 * DMA is enforced coherent when the IOMMU of every device involved can
 * ignore no-snoop requests.  When it is not, KVM must let the guest flush
 * caches itself (WBINVD on x86).
 *
 * Return: true if the DMA is always coherent, or @file is not a VFIO file.
 */
bool vfio_file_enforced_coherent(struct file *file)
{
	struct vfio_group *group = vfio_group_from_file(file);

	if (group)
		return vfio_group_coherent(group);
	return vfio_df_file_coherent(file);
}
EXPORT_SYMBOL_GPL(vfio_file_enforced_coherent);

/**
 * vfio_file_set_kvm - associate a KVM instance with a VFIO file
 * @file: a VFIO group or device file
 * @kvm: the instance, or NULL to end the association
 *
 * Devices of a group opened afterwards, or a device whose cdev file is
 * bound afterwards, find @kvm in &vfio_device.kvm.  A file made by
 * VFIO_GROUP_GET_DEVICE_FD is accepted but changes nothing: the device
 * took its KVM from its group when it was opened.
 */
void vfio_file_set_kvm(struct file *file, struct kvm *kvm)
{
	struct vfio_group *group = vfio_group_from_file(file);

	if (!group) {
		vfio_df_file_set_kvm(file, kvm);
		return;
	}
	spin_lock(&group->kvm_lock);
	WRITE_ONCE(group->kvm, kvm);
	spin_unlock(&group->kvm_lock);
}
EXPORT_SYMBOL_GPL(vfio_file_set_kvm);

/**
 * vfio_file_iommu_group - the iommu_group behind a VFIO group file
 * @file: a VFIO group file
 *
 * Only for KVM's sPAPR TCE support; elsewhere this always returns NULL.
 *
 * Return: the iommu_group with a reference the caller must put, or NULL.
 */
struct iommu_group *vfio_file_iommu_group(struct file *file)
{
	struct iommu_group *iommu_group = NULL;
	struct vfio_group *group;

	if (!IS_ENABLED(CONFIG_SPAPR_TCE_IOMMU))
		return NULL;

	group = vfio_group_from_file(file);
	if (!group)
		return NULL;

	mutex_lock(&group->lock);
	if (group->iommu_group) {
		iommu_group = group->iommu_group;
		iommu_group_ref_get(iommu_group);
	}
	mutex_unlock(&group->lock);
	return iommu_group;
}
EXPORT_SYMBOL_GPL(vfio_file_iommu_group);

/**
 * vfio_file_has_dev - whether a VFIO file gives access to a device
 * @file: the file to check (bus drivers get it from the user, for
 *	example in VFIO_DEVICE_PCI_HOT_RESET)
 * @vdev: the device
 *
 * Return: true if @file is the group file of @vdev's group, or a file of
 * @vdev itself.
 */
bool vfio_file_has_dev(struct file *file, struct vfio_device *vdev)
{
	struct vfio_group *group = vfio_group_from_file(file);

	if (group)
		return group == vdev->group;
	return vfio_device_from_file(file) == vdev;
}
EXPORT_SYMBOL_GPL(vfio_file_has_dev);
