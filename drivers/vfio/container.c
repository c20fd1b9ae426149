// SPDX-License-Identifier: GPL-2.0-only
/*
 * The container: /dev/vfio/vfio and the IOMMU backends behind it.
 *
 * A container is an IOMMU context shared by the groups attached to it.
 * Opening /dev/vfio/vfio gives an empty one; VFIO_GROUP_SET_CONTAINER adds
 * groups; VFIO_SET_IOMMU then picks the backend (type1, sPAPR TCE,
 * noiommu) among those registered, and every later container ioctl is
 * the backend's.  Invariants:
 *
 *  - a container has a backend only while it has at least one group: the
 *    user gets no IOMMU resources without owning a group, and detaching
 *    the last group releases the backend and the module reference taken
 *    when it was selected;
 *  - all groups of a container are noiommu groups or none is, and a
 *    noiommu container can only use the noiommu backend (and the other
 *    way round);
 *  - a container lives as long as its file or any attached group.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "core.h"

/**
 * struct vfio_container - one open of /dev/vfio/vfio
 * @kref: one for the file, one per attached group
 * @lock: protects @groups, @backend, @backend_data and @noiommu; held for
 *	reading around calls into the backend, so the backend cannot be
 *	released under them
 * @groups: attached groups, linked through &vfio_group.container_link
 * @backend: the backend chosen by VFIO_SET_IOMMU, or NULL
 * @backend_data: what @backend's open returned
 * @noiommu: the attached groups are noiommu groups
 */
struct vfio_container {
	struct kref kref;
	struct rw_semaphore lock;
	struct list_head groups;
	const struct vfio_iommu_backend_ops *backend;
	void *backend_data;
	bool noiommu;
};

/* A registered backend. */
struct vfio_backend {
	const struct vfio_iommu_backend_ops *ops;
	struct list_head node;
};

/* Protects vfio_backends. */
static DEFINE_MUTEX(vfio_backends_lock);
static LIST_HEAD(vfio_backends);

/**
 * vfio_register_iommu_backend - offer an IOMMU backend to containers
 * @ops: the backend; must stay valid until unregistered
 *
 * Return: 0, -EINVAL if @ops is already registered, or -ENOMEM.
 */
int vfio_register_iommu_backend(const struct vfio_iommu_backend_ops *ops)
{
	struct vfio_backend *new, *b;

	if (WARN_ON(!ops->register_device != !ops->unregister_device))
		return -EINVAL;

	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	new->ops = ops;

	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(b, &vfio_backends, node) {
		if (b->ops == ops) {
			mutex_unlock(&vfio_backends_lock);
			kfree(new);
			return -EINVAL;
		}
	}
	list_add(&new->node, &vfio_backends);
	mutex_unlock(&vfio_backends_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_register_iommu_backend);

/**
 * vfio_unregister_iommu_backend - withdraw an IOMMU backend
 * @ops: what was passed to vfio_register_iommu_backend()
 *
 * Containers already using the backend hold a reference on its module,
 * so this only runs once none does.
 */
void vfio_unregister_iommu_backend(const struct vfio_iommu_backend_ops *ops)
{
	struct vfio_backend *b;

	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(b, &vfio_backends, node) {
		if (b->ops == ops) {
			list_del(&b->node);
			kfree(b);
			break;
		}
	}
	mutex_unlock(&vfio_backends_lock);
}
EXPORT_SYMBOL_GPL(vfio_unregister_iommu_backend);

static void vfio_container_free(struct kref *kref)
{
	kfree(container_of(kref, struct vfio_container, kref));
}

static void vfio_container_put(struct vfio_container *container)
{
	kref_put(&container->kref, vfio_container_free);
}

/* noiommu containers and noiommu backends only go together. */
static bool vfio_backend_fits(struct vfio_container *container,
			      const struct vfio_iommu_backend_ops *ops)
{
	return container->noiommu == ops->noiommu;
}

static long vfio_backend_check(const struct vfio_iommu_backend_ops *ops,
			       unsigned long ext)
{
	return ops->ioctl(NULL, VFIO_CHECK_EXTENSION, ext);
}

static long vfio_container_check_extension(struct vfio_container *container,
					   unsigned long ext)
{
	struct vfio_backend *b;
	long ret = 0;

	down_read(&container->lock);
	if (container->backend) {
		ret = container->backend->ioctl(container->backend_data,
						VFIO_CHECK_EXTENSION, ext);
		goto out;
	}

	/* No backend chosen yet: the first one that says yes answers. */
	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(b, &vfio_backends, node) {
		if (!list_empty(&container->groups) &&
		    !vfio_backend_fits(container, b->ops))
			continue;
		if (!try_module_get(b->ops->owner))
			continue;
		ret = vfio_backend_check(b->ops, ext);
		module_put(b->ops->owner);
		if (ret > 0)
			break;
	}
	mutex_unlock(&vfio_backends_lock);
out:
	up_read(&container->lock);
	return ret;
}

static void vfio_backend_detach_groups(const struct vfio_iommu_backend_ops *ops,
				       void *data, struct list_head *stop,
				       struct list_head *groups)
{
	struct vfio_group *group;

	list_for_each_entry(group, groups, container_link) {
		if (&group->container_link == stop)
			break;
		ops->detach_group(data, group->iommu_group);
	}
}

static int vfio_backend_attach_groups(struct vfio_container *container,
				      const struct vfio_iommu_backend_ops *ops,
				      void *data)
{
	struct vfio_group *group;
	int ret;

	lockdep_assert_held_write(&container->lock);

	list_for_each_entry(group, &container->groups, container_link) {
		ret = ops->attach_group(data, group->iommu_group, group->type);
		if (ret) {
			vfio_backend_detach_groups(ops, data,
						   &group->container_link,
						   &container->groups);
			return ret;
		}
	}
	return 0;
}

/*
 * Try one backend for VFIO_SET_IOMMU.  On success the container owns the
 * module reference taken here.
 */
static int vfio_container_try_backend(struct vfio_container *container,
				      const struct vfio_iommu_backend_ops *ops,
				      unsigned long type)
{
	void *data;
	int ret;

	if (!try_module_get(ops->owner))
		return -ENODEV;

	/* The SET_IOMMU type doubles as the extension that announces it. */
	if (vfio_backend_check(ops, type) <= 0) {
		ret = -ENODEV;
		goto err_put;
	}

	data = ops->open(type);
	if (IS_ERR(data)) {
		ret = PTR_ERR(data);
		goto err_put;
	}

	ret = vfio_backend_attach_groups(container, ops, data);
	if (ret)
		goto err_release;

	container->backend = ops;
	container->backend_data = data;
	return 0;

err_release:
	ops->release(data);
err_put:
	module_put(ops->owner);
	return ret;
}

static long vfio_container_set_iommu(struct vfio_container *container,
				     unsigned long type)
{
	struct vfio_backend *b;
	int ret = -ENODEV;

	down_write(&container->lock);
	/*
	 * Only a container holding a group may allocate IOMMU resources, and
	 * there is no way back short of detaching every group.
	 */
	if (list_empty(&container->groups) || container->backend) {
		ret = -EINVAL;
		goto out;
	}

	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(b, &vfio_backends, node) {
		int err;

		if (!vfio_backend_fits(container, b->ops))
			continue;
		err = vfio_container_try_backend(container, b->ops, type);
		if (!err) {
			ret = 0;
			break;
		}
		/* A backend that does not serve the type keeps -ENODEV. */
		if (err != -ENODEV)
			ret = err;
	}
	mutex_unlock(&vfio_backends_lock);
out:
	up_write(&container->lock);
	return ret;
}

static long vfio_container_api_version(struct vfio_container *container,
				       unsigned long arg)
{
	return VFIO_API_VERSION;
}

static const VFIO_IOCTL_TABLE(vfio_container) vfio_container_ioctls[] = {
	VFIO_IOCTL_INT(VFIO_GET_API_VERSION, vfio_container_api_version),
	VFIO_IOCTL_INT(VFIO_CHECK_EXTENSION, vfio_container_check_extension),
	VFIO_IOCTL_INT(VFIO_SET_IOMMU, vfio_container_set_iommu),
};

static long vfio_container_fops_ioctl(struct file *file, unsigned int cmd,
				      unsigned long arg)
{
	struct vfio_container *container = file->private_data;
	long ret;

	ret = vfio_ioctl_dispatch(container, vfio_container_ioctls, cmd, arg);
	if (ret != -ENOIOCTLCMD)
		return ret;

	/* Everything else belongs to the backend, once there is one. */
	down_read(&container->lock);
	if (container->backend)
		ret = container->backend->ioctl(container->backend_data, cmd,
						arg);
	else
		ret = -EINVAL;
	up_read(&container->lock);
	return ret;
}

static int vfio_container_fops_open(struct inode *inode, struct file *file)
{
	struct vfio_container *container;

	container = kzalloc(sizeof(*container), GFP_KERNEL_ACCOUNT);
	if (!container)
		return -ENOMEM;

	kref_init(&container->kref);
	init_rwsem(&container->lock);
	INIT_LIST_HEAD(&container->groups);
	file->private_data = container;
	return 0;
}

static int vfio_container_fops_release(struct inode *inode, struct file *file)
{
	vfio_container_put(file->private_data);
	return 0;
}

static const struct file_operations vfio_container_fops = {
	.owner		= THIS_MODULE,
	.open		= vfio_container_fops_open,
	.release	= vfio_container_fops_release,
	.unlocked_ioctl	= vfio_container_fops_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice vfio_container_misc = {
	.minor		= VFIO_MINOR,
	.name		= "vfio",
	.fops		= &vfio_container_fops,
	.nodename	= "vfio/vfio",
	.mode		= 0666,
};

struct vfio_container *vfio_container_from_file(struct file *file)
{
	if (file->f_op != &vfio_container_fops)
		return NULL;
	return file->private_data;
}

/* VFIO_GROUP_SET_CONTAINER: @group joins @container. */
int vfio_container_attach(struct vfio_container *container,
			  struct vfio_group *group)
{
	bool noiommu = group->type == VFIO_NO_IOMMU;
	int ret;

	lockdep_assert_held(&group->lock);

	if (noiommu && !capable(CAP_SYS_RAWIO))
		return -EPERM;

	down_write(&container->lock);
	if (!list_empty(&container->groups) && container->noiommu != noiommu) {
		ret = -EPERM;
		goto out_unlock;
	}

	/*
	 * Take the DMA ownership of a real group: this fails while a host
	 * driver is bound to any of its devices, and from now on the driver
	 * core refuses to bind one.
	 */
	if (group->type == VFIO_IOMMU) {
		ret = iommu_group_claim_dma_owner(group->iommu_group, group);
		if (ret)
			goto out_unlock;
	}

	if (container->backend) {
		ret = container->backend->attach_group(container->backend_data,
						       group->iommu_group,
						       group->type);
		if (ret)
			goto err_release_owner;
	}

	kref_get(&container->kref);
	list_add(&group->container_link, &container->groups);
	container->noiommu = noiommu;
	group->container = container;
	up_write(&container->lock);
	return 0;

err_release_owner:
	if (group->type == VFIO_IOMMU)
		iommu_group_release_dma_owner(group->iommu_group);
out_unlock:
	up_write(&container->lock);
	return ret;
}

/*
 * @group leaves its container.  No device of the group may be open; the
 * last group out takes the backend with it.
 */
void vfio_container_detach(struct vfio_group *group)
{
	struct vfio_container *container = group->container;
	const struct vfio_iommu_backend_ops *backend;

	lockdep_assert_held(&group->lock);
	WARN_ON(group->device_users);

	down_write(&container->lock);
	backend = container->backend;
	if (backend)
		backend->detach_group(container->backend_data,
				      group->iommu_group);
	if (group->type == VFIO_IOMMU)
		iommu_group_release_dma_owner(group->iommu_group);

	list_del(&group->container_link);
	group->container = NULL;

	if (backend && list_empty(&container->groups)) {
		backend->release(container->backend_data);
		container->backend = NULL;
		container->backend_data = NULL;
		module_put(backend->owner);
	}
	up_write(&container->lock);

	vfio_container_put(container);
}

/*
 * The DMA context of a device opened through a group attached to a
 * container.  The first open needs the container to have a backend; the
 * group cannot leave the container while the device is open (its files
 * pin the group file), and the backend cannot go away while the group is
 * attached, so the helpers below look at both without a lock.
 */
static int vfio_container_use(struct vfio_device_file *df)
{
	struct vfio_group *group = df->group;
	struct vfio_container *container = group->container;
	int ret = 0;

	lockdep_assert_held(&group->lock);
	lockdep_assert_held(&df->vdev->dev_set->lock);

	down_read(&container->lock);
	if (!container->backend)
		ret = -EINVAL;
	else if (container->backend->register_device)
		container->backend->register_device(container->backend_data,
						    df->vdev);
	up_read(&container->lock);
	return ret;
}

static void vfio_container_unuse(struct vfio_device_file *df)
{
	struct vfio_container *container = df->vdev->group->container;

	lockdep_assert_held(&df->vdev->group->lock);
	lockdep_assert_held(&df->vdev->dev_set->lock);

	down_read(&container->lock);
	if (container->backend->unregister_device)
		container->backend->unregister_device(container->backend_data,
						      df->vdev);
	up_read(&container->lock);
}

static int vfio_container_pin_pages(struct vfio_device *vdev, dma_addr_t iova,
				    int npage, int prot, struct page **pages)
{
	struct vfio_container *container = vdev->group->container;
	const struct vfio_iommu_backend_ops *backend = container->backend;

	if (!backend->pin_pages)
		return -ENOTTY;
	return backend->pin_pages(container->backend_data,
				  vdev->group->iommu_group, iova, npage, prot,
				  pages);
}

static void vfio_container_unpin_pages(struct vfio_device *vdev,
				       dma_addr_t iova, int npage)
{
	struct vfio_container *container = vdev->group->container;
	const struct vfio_iommu_backend_ops *backend = container->backend;

	if (WARN_ON(!backend->unpin_pages))
		return;
	backend->unpin_pages(container->backend_data, iova, npage);
}

static int vfio_container_dma_rw(struct vfio_device *vdev, dma_addr_t iova,
				 void *data, size_t len, bool write)
{
	struct vfio_container *container = vdev->group->container;
	const struct vfio_iommu_backend_ops *backend = container->backend;

	if (!backend->dma_rw)
		return -ENOTTY;
	return backend->dma_rw(container->backend_data, iova, data, len,
			       write);
}

const struct vfio_dma_ctx_ops vfio_container_dma_ops = {
	.use		= vfio_container_use,
	.unuse		= vfio_container_unuse,
	.pin_pages	= vfio_container_pin_pages,
	.unpin_pages	= vfio_container_unpin_pages,
	.dma_rw		= vfio_container_dma_rw,
};

int vfio_container_init(void)
{
	int ret;

	ret = misc_register(&vfio_container_misc);
	if (ret)
		pr_err("vfio: cannot register /dev/vfio/vfio: %d\n", ret);
	return ret;
}

void vfio_container_exit(void)
{
	misc_deregister(&vfio_container_misc);
}

MODULE_ALIAS_MISCDEV(VFIO_MINOR);
MODULE_ALIAS("devname:vfio/vfio");
