// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device files: what VFIO_GROUP_GET_DEVICE_FD returns.
 *
 * A device may be open through several files at once; &vfio_device.open_count
 * counts them under the device set lock.  The first open readies the
 * device: it pins the bus driver's module, makes sure the group's
 * container has a backend (and holds the group file, hence the
 * container, in place), tells the backend about the device and calls the
 * driver's open_device.  The last close undoes all that in reverse.  The
 * KVM instance the group was given, if any, is referenced for exactly as
 * long as the device is open.
 *
 * Each file owns one registration reference on the device, which is what
 * vfio_unregister_group_dev() waits for.
 *
 * Lock order: group lock, then device set lock.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pm_runtime.h>
#include <linux/sched.h>
#include "core.h"

static int vfio_device_first_open(struct vfio_device *vdev)
{
	struct vfio_group *group = vdev->group;
	int ret;

	lockdep_assert_held(&group->lock);
	lockdep_assert_held(&vdev->dev_set->lock);

	if (!try_module_get(vdev->dev->driver->owner))
		return -ENODEV;

	ret = vfio_container_use(group, vdev);
	if (ret)
		goto err_module;

	if (vdev->ops->open_device) {
		ret = vdev->ops->open_device(vdev);
		if (ret)
			goto err_unuse;
	}
	return 0;

err_unuse:
	vfio_container_unuse(group, vdev);
err_module:
	module_put(vdev->dev->driver->owner);
	return ret;
}

static void vfio_device_last_close(struct vfio_device *vdev)
{
	lockdep_assert_held(&vdev->group->lock);
	lockdep_assert_held(&vdev->dev_set->lock);

	if (vdev->ops->close_device)
		vdev->ops->close_device(vdev);
	vfio_container_unuse(vdev->group, vdev);
	module_put(vdev->dev->driver->owner);
}

/*
 * Count one more open of @vdev.  The count already includes this open
 * when the driver's open_device runs, as drivers looking at the open
 * counts of a device set expect.
 */
static int vfio_device_open(struct vfio_device *vdev)
{
	struct vfio_group *group = vdev->group;
	int ret = 0;

	mutex_lock(&group->lock);
	if (!group->container) {
		ret = -EINVAL;
		goto out_group;
	}

	mutex_lock(&vdev->dev_set->lock);
	if (!vdev->open_count)
		vfio_device_get_kvm(vdev);

	vdev->open_count++;
	if (vdev->open_count == 1) {
		ret = vfio_device_first_open(vdev);
		if (ret) {
			vdev->open_count--;
			vfio_device_put_kvm(vdev);
		}
	}
	mutex_unlock(&vdev->dev_set->lock);
out_group:
	mutex_unlock(&group->lock);
	return ret;
}

/* The driver's close_device still sees this open counted. */
static void vfio_device_close(struct vfio_device *vdev)
{
	struct vfio_group *group = vdev->group;

	mutex_lock(&group->lock);
	mutex_lock(&vdev->dev_set->lock);
	if (!WARN_ON_ONCE(!vdev->open_count)) {
		if (vdev->open_count == 1)
			vfio_device_last_close(vdev);
		vdev->open_count--;
		if (!vdev->open_count)
			vfio_device_put_kvm(vdev);
	}
	mutex_unlock(&vdev->dev_set->lock);
	mutex_unlock(&group->lock);
}

bool vfio_device_is_open(struct vfio_device *vdev)
{
	return READ_ONCE(vdev->open_count);
}

static struct vfio_device *vfio_device_of_file(struct file *file)
{
	return file->private_data;
}

static int vfio_device_fops_release(struct inode *inode, struct file *file)
{
	struct vfio_device *vdev = vfio_device_of_file(file);

	vfio_device_close(vdev);
	vfio_device_put_registration(vdev);
	return 0;
}

static ssize_t vfio_device_fops_read(struct file *file, char __user *buf,
				     size_t count, loff_t *ppos)
{
	struct vfio_device *vdev = vfio_device_of_file(file);

	if (!vdev->ops->read)
		return -EINVAL;
	return vdev->ops->read(vdev, buf, count, ppos);
}

static ssize_t vfio_device_fops_write(struct file *file,
				      const char __user *buf, size_t count,
				      loff_t *ppos)
{
	struct vfio_device *vdev = vfio_device_of_file(file);

	if (!vdev->ops->write)
		return -EINVAL;
	return vdev->ops->write(vdev, buf, count, ppos);
}

static int vfio_device_fops_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vfio_device *vdev = vfio_device_of_file(file);

	if (!vdev->ops->mmap)
		return -EINVAL;
	return vdev->ops->mmap(vdev, vma);
}

static long vfio_device_feature_ioctl(void *obj, void *karg,
				      void __user *uarg)
{
	return vfio_device_feature(obj, karg, uarg);
}

static const struct vfio_ioctl_op vfio_device_ioctls[] = {
	VFIO_IOCTL_OP(VFIO_DEVICE_FEATURE, vfio_device_feature_ioctl,
		      struct vfio_device_feature, flags,
		      VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PROBE,
		      false),
};

/* A device with runtime PM is resumed for the duration of each ioctl. */
static int vfio_device_pm_get(struct vfio_device *vdev)
{
	struct device *dev = vdev->dev;
	int ret;

	if (!dev->driver || !dev->driver->pm)
		return 0;

	ret = pm_runtime_resume_and_get(dev);
	if (ret) {
		dev_info_ratelimited(dev, "vfio: runtime resume failed %d\n",
				     ret);
		return -EIO;
	}
	return 0;
}

static void vfio_device_pm_put(struct vfio_device *vdev)
{
	struct device *dev = vdev->dev;

	if (dev->driver && dev->driver->pm)
		pm_runtime_put(dev);
}

static long vfio_device_fops_ioctl(struct file *file, unsigned int cmd,
				   unsigned long arg)
{
	struct vfio_device *vdev = vfio_device_of_file(file);
	long ret;

	ret = vfio_device_pm_get(vdev);
	if (ret)
		return ret;

	ret = vfio_ioctl_dispatch(vdev, vfio_device_ioctls,
				  ARRAY_SIZE(vfio_device_ioctls), cmd, arg);
	if (ret == -ENOIOCTLCMD) {
		if (vdev->ops->ioctl)
			ret = vdev->ops->ioctl(vdev, cmd, arg);
		else
			ret = -EINVAL;
	}

	vfio_device_pm_put(vdev);
	return ret;
}

static const struct file_operations vfio_device_fops;

/*
 * Open @vdev for VFIO_GROUP_GET_DEVICE_FD.  The caller holds a
 * registration reference, which the returned file takes over.
 */
struct file *vfio_device_open_file(struct vfio_device *vdev)
{
	int err = vfio_device_open(vdev);
	struct file *file;

	if (err)
		return ERR_PTR(err);

	/* anon_inode_getfd() would not let us set the modes and mapping. */
	file = anon_inode_getfile("[vfio-device]", &vfio_device_fops, vdev,
				  O_RDWR);
	if (IS_ERR(file)) {
		vfio_device_close(vdev);
		return file;
	}
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;
	/* All files of the device share one mapping: zapping it hits all. */
	file->f_mapping = vdev->inode->i_mapping;

	if (vdev->group->type == VFIO_NO_IOMMU)
		dev_warn(vdev->dev,
			 "vfio-noiommu device opened by user (%s:%d)\n",
			 current->comm, task_pid_nr(current));
	return file;
}

struct vfio_device *vfio_device_from_file(struct file *file)
{
	if (file->f_op != &vfio_device_fops)
		return NULL;
	return vfio_device_of_file(file);
}

static const struct file_operations vfio_device_fops = {
	.read		= vfio_device_fops_read,
	.write		= vfio_device_fops_write,
	.mmap		= vfio_device_fops_mmap,
	.unlocked_ioctl	= vfio_device_fops_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= vfio_device_fops_release,
	.owner		= THIS_MODULE,
};
