// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device files: struct vfio_device_file, one per open file of a device.
 *
 * A file gets access to its device in one of two ways.  One made by
 * VFIO_GROUP_GET_DEVICE_FD has it from birth and uses the DMA context of
 * its group: the container, or the iommufd the user gave the group
 * instead of one.  One opened through /dev/vfio/devices/vfioN (cdev.c) has
 * none until VFIO_DEVICE_BIND_IOMMUFD, and then uses the iommufd it was
 * bound to.  Until access is granted every file operation but the bind
 * fails with -EINVAL.
 *
 * A device may be open through several group files at once;
 * &vfio_device.open_count counts them under the device set lock.  A cdev
 * file has its device to itself.  The first open readies the device: it
 * takes the KVM instance of the file, pins the bus driver's module, sets
 * up the DMA context (struct vfio_dma_ctx_ops) and calls the driver's
 * open_device.  The last close undoes all that in reverse.
 *
 * Each file owns one registration reference on the device, which is what
 * vfio_unregister_group_dev() waits for.  The lock order is in core.h.
 */
#include <linux/file.h>
#include <linux/fs.h>
#if IS_ENABLED(CONFIG_KVM)
#include <linux/kvm_host.h>
#endif
#include <linux/module.h>
#include <linux/pm_runtime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "core.h"

/**
 * vfio_df_alloc - a new device file, not yet open
 * @vdev: the device; the caller's registration reference goes to the file
 * @group: the group making it (VFIO_GROUP_GET_DEVICE_FD), or NULL for a
 *	cdev file
 * @ops: what the maker does at release and which ioctls it adds
 *
 * Return: the file's state, or NULL.
 */
struct vfio_device_file *vfio_df_alloc(struct vfio_device *vdev,
				       struct vfio_group *group,
				       const struct vfio_df_ops *ops)
{
	struct vfio_device_file *df;

	df = kzalloc(sizeof(*df), GFP_KERNEL_ACCOUNT);
	if (!df)
		return NULL;
	df->vdev = vdev;
	df->group = group;
	df->ops = ops;
	spin_lock_init(&df->kvm_lock);
	return df;
}

/*
 * KVM is reached through symbol_get(), so that neither module needs the
 * other; kvm.ko stays pinned while a device holds a reference.
 */
#if IS_ENABLED(CONFIG_KVM)
/*
 * Where the KVM instance of a device file is kept: in the group for a
 * file of the group, in the file itself for a cdev file.
 */
static struct kvm **vfio_df_kvm_slot(struct vfio_device_file *df,
				     spinlock_t **lock)
{
	if (df->group) {
		*lock = &df->group->kvm_lock;
		return &df->group->kvm;
	}
	*lock = &df->kvm_lock;
	return &df->kvm;
}

/* Take a reference on the KVM of @df, if it has one, for its device. */
static void vfio_df_get_kvm(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->vdev;
	bool (*get_safe)(struct kvm *kvm);
	void (*put)(struct kvm *kvm);
	struct kvm **slot, *kvm;
	spinlock_t *lock;	/* the one guarding *slot */

	lockdep_assert_held(&vdev->dev_set->lock);

	slot = vfio_df_kvm_slot(df, &lock);
	if (!READ_ONCE(*slot))
		return;

	/* This module reference stays with the device until put. */
	put = symbol_get(kvm_put_kvm);
	if (WARN_ON(!put))
		return;
	get_safe = symbol_get(kvm_get_kvm_safe);
	if (WARN_ON(!get_safe)) {
		symbol_put(kvm_put_kvm);
		return;
	}

	/* Under the lock the instance cannot be unset and freed meanwhile. */
	spin_lock(lock);
	kvm = *slot;
	if (kvm && !get_safe(kvm))
		kvm = NULL;
	spin_unlock(lock);
	symbol_put(kvm_get_kvm_safe);

	if (!kvm) {
		symbol_put(kvm_put_kvm);
		return;
	}
	vdev->kvm = kvm;
}

static void vfio_device_put_kvm(struct vfio_device *vdev)
{
	void (*put)(struct kvm *kvm);

	lockdep_assert_held(&vdev->dev_set->lock);

	if (!vdev->kvm)
		return;

	/* kvm.ko is pinned by the reference taken in vfio_df_get_kvm(). */
	put = symbol_get(kvm_put_kvm);
	if (!WARN_ON(!put)) {
		put(vdev->kvm);
		symbol_put(kvm_put_kvm);
	}
	vdev->kvm = NULL;
	symbol_put(kvm_put_kvm);
}
#else
static void vfio_df_get_kvm(struct vfio_device_file *df)
{
}

static void vfio_device_put_kvm(struct vfio_device *vdev)
{
}
#endif

static const struct vfio_dma_ctx_ops *
vfio_df_dma_ctx(struct vfio_device_file *df)
{
#if IS_ENABLED(CONFIG_IOMMUFD)
	if (df->iommufd)
		return &vfio_iommufd_dma_ops;
#endif
#if IS_ENABLED(CONFIG_VFIO_CONTAINER)
	return &vfio_container_dma_ops;
#else
	return NULL;
#endif
}

static int vfio_df_first_open(struct vfio_device_file *df)
{
	const struct vfio_dma_ctx_ops *dma = vfio_df_dma_ctx(df);
	struct vfio_device *vdev = df->vdev;
	int ret;

	lockdep_assert_held(&vdev->dev_set->lock);

	if (WARN_ON(!dma))
		return -EINVAL;
	if (!try_module_get(vdev->dev->driver->owner))
		return -ENODEV;

	ret = dma->use(df);
	if (ret)
		goto err_module;
	vdev->dma_ctx = dma;

	if (vdev->ops->open_device) {
		ret = vdev->ops->open_device(vdev);
		if (ret)
			goto err_unuse;
	}
	return 0;

err_unuse:
	vdev->dma_ctx = NULL;
	dma->unuse(df);
err_module:
	module_put(vdev->dev->driver->owner);
	return ret;
}

static void vfio_df_last_close(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->vdev;
	const struct vfio_dma_ctx_ops *dma = vdev->dma_ctx;

	lockdep_assert_held(&vdev->dev_set->lock);

	if (vdev->ops->close_device)
		vdev->ops->close_device(vdev);
	vdev->dma_ctx = NULL;
	dma->unuse(df);
	module_put(vdev->dev->driver->owner);
}

/**
 * vfio_df_open - count one more open of a device, through @df
 * @df: the file; its DMA context (@df->group or @df->iommufd) is set
 *
 * The count already includes this open when the driver's open_device
 * runs, as drivers looking at the open counts of a device set expect.
 * Only group files may share an open device: a cdev file has no way to
 * prove it belongs to the same user as the others.
 *
 * Context: the device set lock is held.
 * Return: 0, -EINVAL when the device is open and @df is a cdev file, or
 * the error of the first open.
 */
int vfio_df_open(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->vdev;
	int ret;

	lockdep_assert_held(&vdev->dev_set->lock);

	if (vdev->open_count && !df->group)
		return -EINVAL;

	if (!vdev->open_count)
		vfio_df_get_kvm(df);

	vdev->open_count++;
	if (vdev->open_count == 1) {
		ret = vfio_df_first_open(df);
		if (ret) {
			vdev->open_count--;
			vfio_device_put_kvm(vdev);
			return ret;
		}
	}
	return 0;
}

/*
 * The reverse of vfio_df_open().  The driver's close_device still sees
 * this open counted.  Under the device set lock.
 */
void vfio_df_close(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->vdev;

	lockdep_assert_held(&vdev->dev_set->lock);

	if (WARN_ON_ONCE(!vdev->open_count))
		return;
	if (vdev->open_count == 1)
		vfio_df_last_close(df);
	vdev->open_count--;
	if (!vdev->open_count)
		vfio_device_put_kvm(vdev);
}

bool vfio_device_is_open(struct vfio_device *vdev)
{
	return READ_ONCE(vdev->open_count);
}

static struct vfio_device_file *vfio_df_of_own_file(struct file *file)
{
	return file->private_data;
}

/*
 * The device behind @file, if the file may use it.  Paired with the
 * store-release that grants access, so that what the open set up is
 * visible here.
 */
static struct vfio_device *vfio_df_device(struct file *file)
{
	struct vfio_device_file *df = vfio_df_of_own_file(file);

	/* Pairs with the store-release of whoever granted access. */
	if (!smp_load_acquire(&df->access_granted))
		return NULL;
	return df->vdev;
}

static int vfio_device_fops_release(struct inode *inode, struct file *file)
{
	struct vfio_device_file *df = vfio_df_of_own_file(file);
	struct vfio_device *vdev = df->vdev;

	df->ops->release(df);
	vfio_device_put_registration(vdev);
	kfree(df);
	return 0;
}

static ssize_t vfio_device_fops_read(struct file *file, char __user *buf,
				     size_t count, loff_t *ppos)
{
	struct vfio_device *vdev = vfio_df_device(file);

	if (!vdev || !vdev->ops->read)
		return -EINVAL;
	return vdev->ops->read(vdev, buf, count, ppos);
}

static ssize_t vfio_device_fops_write(struct file *file,
				      const char __user *buf, size_t count,
				      loff_t *ppos)
{
	struct vfio_device *vdev = vfio_df_device(file);

	if (!vdev || !vdev->ops->write)
		return -EINVAL;
	return vdev->ops->write(vdev, buf, count, ppos);
}

static int vfio_device_fops_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vfio_device *vdev = vfio_df_device(file);

	if (!vdev || !vdev->ops->mmap)
		return -EINVAL;
	return vdev->ops->mmap(vdev, vma);
}

/*
 * Where a new mapping goes: the bus driver may place it (vfio-pci aligns
 * BAR mappings for huge entries); a file without access yet, or a driver
 * that does not care, gets what it would without this operation.
 */
static unsigned long vfio_device_fops_get_unmapped_area(struct file *file,
							unsigned long addr,
							unsigned long len,
							unsigned long pgoff,
							unsigned long flags)
{
	struct vfio_device *vdev = vfio_df_device(file);

	if (!vdev || !vdev->ops->get_unmapped_area)
		return vfio_device_default_unmapped_area(file, addr, len,
							 pgoff, flags);
	return vdev->ops->get_unmapped_area(vdev, file, addr, len, pgoff,
					    flags);
}

static long vfio_device_feature_ioctl(struct vfio_device *vdev, void *karg,
				      void __user *uarg)
{
	return vfio_device_feature(vdev, karg, uarg);
}

static const VFIO_IOCTL_TABLE(vfio_device) vfio_device_ioctls[] = {
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
	struct vfio_device_file *df = vfio_df_of_own_file(file);
	struct vfio_device *vdev;
	long ret;

	/* Binding (a cdev file's) is what grants access, so it comes first. */
	if (df->ops->ioctl && cmd == VFIO_DEVICE_BIND_IOMMUFD)
		return df->ops->ioctl(df, cmd, arg);

	vdev = vfio_df_device(file);
	if (!vdev)
		return -EINVAL;

	ret = vfio_device_pm_get(vdev);
	if (ret)
		return ret;

	ret = -ENOIOCTLCMD;
	if (df->ops->ioctl)
		ret = df->ops->ioctl(df, cmd, arg);
	if (ret == -ENOIOCTLCMD)
		ret = vfio_ioctl_dispatch(vdev, vfio_device_ioctls, cmd, arg);
	if (ret == -ENOIOCTLCMD) {
		if (vdev->ops->ioctl)
			ret = vdev->ops->ioctl(vdev, cmd, arg);
		else
			ret = -EINVAL;
	}

	vfio_device_pm_put(vdev);
	return ret;
}

static struct vfio_device_file *vfio_df_from_file(struct file *file)
{
	if (file->f_op != &vfio_device_fops)
		return NULL;
	return vfio_df_of_own_file(file);
}

/* The device of @file, or NULL when @file is not a VFIO device file. */
struct vfio_device *vfio_device_from_file(struct file *file)
{
	struct vfio_device_file *df = vfio_df_from_file(file);

	return df ? df->vdev : NULL;
}

/*
 * vfio_file_enforced_coherent() for a file that is not a group file: a
 * device file answers for its device, any other file is coherent.
 */
bool vfio_df_file_coherent(struct file *file)
{
	struct vfio_device *vdev = vfio_device_from_file(file);

	if (!vdev)
		return true;
	return device_iommu_capable(vdev->dev,
				    IOMMU_CAP_ENFORCE_CACHE_COHERENCY);
}

/*
 * vfio_file_set_kvm() for a file that is not a group file: a cdev file
 * keeps @kvm until it is bound; a file made by VFIO_GROUP_GET_DEVICE_FD
 * (its device took its group's KVM when opened) and any other file are
 * left alone.
 */
void vfio_df_file_set_kvm(struct file *file, struct kvm *kvm)
{
	struct vfio_device_file *df = vfio_df_from_file(file);

	if (!df || df->group)
		return;
	spin_lock(&df->kvm_lock);
	WRITE_ONCE(df->kvm, kvm);
	spin_unlock(&df->kvm_lock);
}

/* Opened by the group (anon inode) or handed over by the cdev's open. */
const struct file_operations vfio_device_fops = {
	.read		= vfio_device_fops_read,
	.write		= vfio_device_fops_write,
	.mmap		= vfio_device_fops_mmap,
	.get_unmapped_area = vfio_device_fops_get_unmapped_area,
	.unlocked_ioctl	= vfio_device_fops_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= vfio_device_fops_release,
	.owner		= THIS_MODULE,
};
