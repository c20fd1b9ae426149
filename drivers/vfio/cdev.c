// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device cdev: /dev/vfio/devices/vfioN, one node per registered
 * device (the "vfioN" device of class vfio-dev gets a dev_t).
 *
 * Opening the node gives a device file without access to the device.
 * VFIO_DEVICE_BIND_IOMMUFD binds the file to an iommufd context, which
 * opens the device (the DMA context of the open is the iommufd, see
 * iommufd.c) and grants access; VFIO_DEVICE_ATTACH_IOMMUFD_PT and
 * VFIO_DEVICE_DETACH_IOMMUFD_PT then choose the IOAS or HWPT the device's
 * DMA goes through.  Closing the file unbinds it.
 *
 * Binding blocks the group path of the device's group (see group.c), so
 * that the device is reached either through the group or through cdevs,
 * never both.  A device can be bound through one cdev file at a time.
 *
 * A noiommu device gets no node, as in 6.12: it has no IOMMU to claim,
 * so only its /dev/vfio/noiommu-N group (with a container or an iommufd
 * in noiommu mode) opens it.
 */
#include <linux/fs.h>
#include <linux/iommufd.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "core.h"

static dev_t vfio_cdev_devt;

static char *vfio_cdev_devnode(const struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "vfio/devices/%s", dev_name(dev));
}

int vfio_cdev_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&vfio_cdev_devt, 0, MINORMASK + 1,
				  "vfio-dev");
	if (ret)
		return ret;
	vfio_device_class->devnode = vfio_cdev_devnode;
	return 0;
}

void vfio_cdev_exit(void)
{
	unregister_chrdev_region(vfio_cdev_devt, MINORMASK + 1);
}

static bool vfio_cdev_wanted(struct vfio_device *vdev)
{
	return vdev->group->type != VFIO_NO_IOMMU;
}

static long vfio_cdev_bind(struct vfio_device_file *df,
			   struct vfio_device_bind_iommufd __user *uarg)
{
	struct vfio_device *vdev = df->vdev;
	struct vfio_device_bind_iommufd bind;
	struct iommufd_ctx *ictx;
	long ret;

	if (copy_from_user(&bind, uarg, offsetofend(typeof(bind), out_devid)))
		return -EFAULT;
	if (bind.argsz < offsetofend(typeof(bind), out_devid) || bind.flags ||
	    bind.iommufd < 0)
		return -EINVAL;

	ret = vfio_group_block_cdev(vdev->group);
	if (ret)
		return ret;

	mutex_lock(&vdev->dev_set->lock);
	if (df->access_granted) {
		ret = -EINVAL;	/* this file is bound already */
		goto out_unlock;
	}

	ictx = iommufd_ctx_from_fd(bind.iommufd);
	if (IS_ERR(ictx)) {
		ret = PTR_ERR(ictx);
		goto out_unlock;
	}
	df->iommufd = ictx;

	ret = vfio_df_open(df);
	if (ret)
		goto out_put_ctx;

	if (copy_to_user(&uarg->out_devid, &df->devid, sizeof(df->devid))) {
		ret = -EFAULT;
		goto out_close;
	}

	vdev->cdev_opened = true;
	/* The open above is complete for whoever sees access granted. */
	smp_store_release(&df->access_granted, true);
	mutex_unlock(&vdev->dev_set->lock);
	return 0;

out_close:
	vfio_df_close(df);
out_put_ctx:
	df->iommufd = NULL;
	iommufd_ctx_put(ictx);
out_unlock:
	mutex_unlock(&vdev->dev_set->lock);
	vfio_group_unblock_cdev(vdev->group);
	return ret;
}

/* The file is closed; undo its bind, if any. */
static void vfio_cdev_release(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->vdev;

	/* Nobody else uses the file any more: no ordering needed. */
	if (!df->access_granted)
		return;

	mutex_lock(&vdev->dev_set->lock);
	vfio_df_close(df);
	vdev->cdev_opened = false;
	mutex_unlock(&vdev->dev_set->lock);

	iommufd_ctx_put(df->iommufd);
	df->iommufd = NULL;
	vfio_group_unblock_cdev(vdev->group);
}

static long vfio_cdev_attach(struct vfio_device_file *df,
			     struct vfio_device_attach_iommufd_pt __user *uarg)
{
	struct vfio_device_attach_iommufd_pt attach;
	struct vfio_device *vdev = df->vdev;
	long ret;

	if (copy_from_user(&attach, uarg, offsetofend(typeof(attach), pt_id)))
		return -EFAULT;
	if (attach.argsz < offsetofend(typeof(attach), pt_id) || attach.flags)
		return -EINVAL;

	mutex_lock(&vdev->dev_set->lock);
	ret = vfio_iommufd_attach(vdev, &attach.pt_id);
	if (ret)
		goto out_unlock;
	if (copy_to_user(&uarg->pt_id, &attach.pt_id, sizeof(attach.pt_id))) {
		/* The user cannot learn where it is attached: undo. */
		vfio_iommufd_detach(vdev);
		ret = -EFAULT;
	}
out_unlock:
	mutex_unlock(&vdev->dev_set->lock);
	return ret;
}

static long vfio_cdev_detach(struct vfio_device_file *df,
			     struct vfio_device_detach_iommufd_pt __user *uarg)
{
	struct vfio_device_detach_iommufd_pt detach;
	struct vfio_device *vdev = df->vdev;

	if (copy_from_user(&detach, uarg, offsetofend(typeof(detach), flags)))
		return -EFAULT;
	if (detach.argsz < offsetofend(typeof(detach), flags) || detach.flags)
		return -EINVAL;

	mutex_lock(&vdev->dev_set->lock);
	vfio_iommufd_detach(vdev);
	mutex_unlock(&vdev->dev_set->lock);
	return 0;
}

/*
 * The ioctls only a cdev file has.  BIND comes before access is granted,
 * the other two after.
 */
static long vfio_cdev_ioctl(struct vfio_device_file *df, unsigned int cmd,
			    unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_BIND_IOMMUFD:
		return vfio_cdev_bind(df, uarg);
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		return vfio_cdev_attach(df, uarg);
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return vfio_cdev_detach(df, uarg);
	}
	return -ENOIOCTLCMD;
}

static const struct vfio_df_ops vfio_cdev_df_ops = {
	.release	= vfio_cdev_release,
	.ioctl		= vfio_cdev_ioctl,
};

/*
 * The node's open.  It makes a device file without access and hands the
 * file over to the device file operations, as chrdev_open() handed it to
 * us: from then on it is a device file like one made by a group.
 */
static int vfio_cdev_open(struct inode *inode, struct file *file)
{
	struct vfio_device *vdev =
		container_of(inode->i_cdev, struct vfio_device, cdev);
	const struct file_operations *fops;
	struct vfio_device_file *df;

	/* The file holds this module already: this cannot fail. */
	fops = fops_get(&vfio_device_fops);
	if (WARN_ON(!fops))
		return -ENODEV;

	/* Unregistration waits for this reference, as for group files. */
	if (!vfio_device_get_registration(vdev)) {
		fops_put(fops);
		return -ENODEV;
	}

	df = vfio_df_alloc(vdev, NULL, &vfio_cdev_df_ops);
	if (!df) {
		vfio_device_put_registration(vdev);
		fops_put(fops);
		return -ENOMEM;
	}
	file->private_data = df;
	/* All files of the device share one mapping: zapping it hits all. */
	file->f_mapping = vdev->inode->i_mapping;
	replace_fops(file, fops);
	return 0;
}

static const struct file_operations vfio_cdev_fops = {
	.owner		= THIS_MODULE,
	.open		= vfio_cdev_open,
};

/* At registration: the device's minor is its index, as in its name. */
void vfio_cdev_prepare(struct vfio_device *vdev)
{
	if (!vfio_cdev_wanted(vdev))
		return;
	vdev->device.devt = MKDEV(MAJOR(vfio_cdev_devt), vdev->index);
	cdev_init(&vdev->cdev, &vfio_cdev_fops);
	vdev->cdev.owner = THIS_MODULE;
}

/* Publish the vfioN device and its node together. */
int vfio_cdev_add(struct vfio_device *vdev)
{
	if (!vfio_cdev_wanted(vdev))
		return device_add(&vdev->device);
	return cdev_device_add(&vdev->cdev, &vdev->device);
}

void vfio_cdev_del(struct vfio_device *vdev)
{
	if (!vfio_cdev_wanted(vdev)) {
		device_del(&vdev->device);
		return;
	}
	cdev_device_del(&vdev->cdev, &vdev->device);
}
