// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resets.
 *
 * Two scopes exist:
 *  - a function reset (FLR, AF FLR, PM reset, ...), done with
 *    pci_try_reset_function() for VFIO_DEVICE_RESET and the FLR bits of
 *    config space, and at open and close;
 *  - a slot or bus reset, which resets every function below a slot or a
 *    bridge.  Functions that can only be reset this way share a device set
 *    (per slot or per bus, see vfio_pci_core_register_device()), so the
 *    set's lock covers all of them.  Such a reset is allowed only when
 *    every affected function is in the set (bound to a vfio-pci driver)
 *    and, for VFIO_DEVICE_PCI_HOT_RESET, when the user proves it owns each
 *    of them: by passing the files of their groups when the device was
 *    opened through its group, or, when it was bound through its cdev,
 *    by an empty array, each function then being bound to the same
 *    iommufd or in an IOMMU group that iommufd owns.  When the last user of
 *    a set closes and some member could not be reset otherwise
 *    (needs_reset), the set is reset as a whole.
 *
 * While a function resets, its BAR mappings are zapped and memory_lock
 * is held for write, so nothing reaches it through the BARs.  Closing
 * also restores the config space saved at open.
 */
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "priv.h"

/**
 * vfio_pci_function_reset - reset one function on the user's behalf
 * @vdev: the open device
 *
 * Return: 0 or a negative errno (-EAGAIN when the PCI core is busy with
 * the function).
 */
static int vfio_pci_function_reset(struct vfio_pci_core_device *vdev)
{
	int ret;

	vfio_pci_gate_shut(vdev);
	/* A function in D3 cannot be reset; and a D3->D0 may lose state. */
	vfio_pci_set_power_state(vdev, PCI_D0);
	ret = pci_try_reset_function(vdev->pdev);
	up_write(&vdev->memory_lock);
	return ret;
}

long vfio_pci_ioctl_reset(struct vfio_pci_core_device *vdev, void *karg,
			  void __user *uarg)
{
	if (!vdev->reset_works)
		return -EINVAL;
	return vfio_pci_function_reset(vdev);
}

/* --- the functions a slot or bus reset affects --- */

struct reset_walk {
	struct pci_slot *slot;	/* NULL: the whole bus */
	int (*fn)(struct pci_dev *pdev, void *arg);
	void *arg;
	int ret;
};

static bool pdev_in_slot(struct pci_dev *pdev, struct pci_slot *slot)
{
	for (; pdev; pdev = pdev->bus->self)
		if (pdev->bus == slot->bus)
			return pdev->slot == slot;
	return false;
}

static int reset_walk_one(struct pci_dev *pdev, void *data)
{
	struct reset_walk *w = data;

	if (!w->slot || pdev_in_slot(pdev, w->slot))
		w->ret = w->fn(pdev, w->arg);
	return w->ret;
}

/* Call @fn on every function the reset of @pdev's slot or bus hits. */
static int reset_scope_walk(struct pci_dev *pdev, bool slot,
			    int (*fn)(struct pci_dev *pdev, void *arg),
			    void *arg)
{
	struct reset_walk w = {
		.slot = slot ? pdev->slot : NULL,
		.fn = fn,
		.arg = arg,
	};

	pci_walk_bus(pdev->bus, reset_walk_one, &w);
	return w.ret;
}

/* Is a slot reset possible (true), or else a bus reset (false)? */
static int reset_scope(struct pci_dev *pdev, bool *slot)
{
	*slot = !pci_probe_reset_slot(pdev->slot);
	if (*slot)
		return 0;
	return pci_probe_reset_bus(pdev->bus) ? -ENODEV : 0;
}

static int count_one(struct pci_dev *pdev, void *arg)
{
	(*(unsigned int *)arg)++;
	return 0;
}

/*
 * @ictx: for a device bound through its cdev, the iommufd whose view the
 *	entries give (device ids instead of group ids); @dev_set is then the
 *	set whose members are looked up, and @all_owned tells whether the
 *	user owns every function
 */
struct hot_reset_fill {
	struct vfio_pci_dependent_device *devs;
	unsigned int max;
	unsigned int n;
	struct iommufd_ctx *ictx;
	struct vfio_device_set *dev_set;
	bool all_owned;
};

/* The id of a function as the user of @ictx knows it; see the uAPI. */
static int hot_reset_devid(struct vfio_device_set *dev_set,
			   struct pci_dev *pdev, struct iommufd_ctx *ictx)
{
	struct vfio_device *member;
	int id;

	member = vfio_find_device_in_devset(dev_set, &pdev->dev);
	if (!member)	/* not even bound to vfio-pci */
		return VFIO_PCI_DEVID_NOT_OWNED;
	id = vfio_iommufd_get_dev_id(member, ictx);
	return id < 0 ? VFIO_PCI_DEVID_NOT_OWNED : id;
}

static int fill_one(struct pci_dev *pdev, void *arg)
{
	struct hot_reset_fill *f = arg;
	struct vfio_pci_dependent_device *d;
	struct iommu_group *group;

	if (f->n == f->max)	/* a function appeared since we counted */
		return -EAGAIN;
	group = iommu_group_get(&pdev->dev);
	if (!group)		/* not isolated: can never be reset by a user */
		return -EPERM;

	d = &f->devs[f->n++];
	if (f->ictx) {
		int id = hot_reset_devid(f->dev_set, pdev, f->ictx);

		if (id == VFIO_PCI_DEVID_NOT_OWNED)
			f->all_owned = false;
		d->devid = id;
	} else {
		d->group_id = iommu_group_id(group);
	}
	d->segment = pci_domain_nr(pdev->bus);
	d->bus = pdev->bus->number;
	d->devfn = pdev->devfn;
	iommu_group_put(group);
	return 0;
}

/**
 * vfio_pci_ioctl_hot_reset_info - VFIO_DEVICE_GET_PCI_HOT_RESET_INFO
 * @vdev: the device
 * @karg: kernel copy of the struct vfio_pci_hot_reset_info header
 * @uarg: the user's argument, for the devices array
 *
 * The user passes argsz for as many entries as it expects.  When that is
 * too few, count says how many are needed and the call fails with
 * -ENOSPC, so the user can size its buffer and ask again.
 *
 * Return: 0 or a negative errno.
 */
long vfio_pci_ioctl_hot_reset_info(struct vfio_pci_core_device *vdev,
				   void *karg, void __user *uarg)
{
	struct vfio_pci_hot_reset_info *hdr = karg;
	struct vfio_pci_hot_reset_info __user *uhdr = uarg;
	struct hot_reset_fill fill = {};
	unsigned int needed = 0;
	bool slot;
	long ret;

	hdr->flags = 0;
	ret = reset_scope(vdev->pdev, &slot);
	if (ret)
		return ret;

	/* A cdev user has no group files: it is told device ids instead. */
	if (vfio_device_cdev_opened(&vdev->vdev)) {
		fill.ictx = vfio_iommufd_device_ictx(&vdev->vdev);
		fill.dev_set = vdev->vdev.dev_set;
		fill.all_owned = true;
		hdr->flags = VFIO_PCI_HOT_RESET_FLAG_DEV_ID;
	}

	reset_scope_walk(vdev->pdev, slot, count_one, &needed);
	if (!needed)
		return -ERANGE;

	/* The dispatcher copies the header back, count included. */
	if (needed > (hdr->argsz - sizeof(*hdr)) / sizeof(*fill.devs)) {
		hdr->count = needed;
		return -ENOSPC;
	}

	fill.devs = kcalloc(needed, sizeof(*fill.devs), GFP_KERNEL);
	if (!fill.devs)
		return -ENOMEM;
	fill.max = needed;

	mutex_lock(&vdev->vdev.dev_set->lock);
	ret = reset_scope_walk(vdev->pdev, slot, fill_one, &fill);
	mutex_unlock(&vdev->vdev.dev_set->lock);
	if (ret)
		goto out_free;

	if (copy_to_user(uhdr->devices, fill.devs,
			 fill.n * sizeof(*fill.devs))) {
		ret = -EFAULT;
		goto out_free;
	}
	hdr->count = fill.n;
	if (fill.ictx && fill.all_owned)
		hdr->flags |= VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
out_free:
	kfree(fill.devs);
	return ret;
}

static int in_dev_set(struct pci_dev *pdev, void *arg)
{
	return vfio_find_device_in_devset(arg, &pdev->dev) ? 0 : -ENODEV;
}

/* Fails the walk at a member that is not a vfio-pci device. */
static int member_is_pci(struct vfio_device *member, void *arg)
{
	struct vfio_pci_core_device **first = arg;

	if (!vfio_pci_of_member(member))
		return -EINVAL;
	if (!*first)
		*first = vfio_pci_of_member(member);
	return 0;
}

/*
 * The function to hand to pci_reset_bus() for @dev_set, or NULL when a
 * slot or bus reset is impossible or would hit a function outside the set.
 * All members share the same reset, so any of them will do.  Every member
 * is checked to be a vfio-pci device, which the other walks below rely
 * on.
 */
static struct pci_dev *dev_set_reset_target(struct vfio_device_set *dev_set)
{
	struct vfio_pci_core_device *first = NULL;
	struct pci_dev *pdev;
	bool slot;

	lockdep_assert_held(&dev_set->lock);

	if (vfio_device_set_for_each(dev_set, member_is_pci, &first, NULL) ||
	    !first)
		return NULL;
	pdev = first->pdev;
	if (reset_scope(pdev, &slot))
		return NULL;
	if (reset_scope_walk(pdev, slot, in_dev_set, dev_set))
		return NULL;
	return pdev;
}

/*
 * The member of a set that dev_set_reset_target() accepted, for the walks
 * below, which all run after it under the same hold of the set lock.
 *
 * It checked every member with vfio_pci_of_member(), so each is a
 * struct vfio_pci_core_device; that does not change, and a member stays
 * in the set, its memory with it, until vfio_device_release() takes it
 * out under the set lock.  vfio_pci_of_member() itself could return NULL
 * here: once an unbinding driver's remove has returned, the PCI core
 * clears the drvdata it compares, while a last reference (a closing cdev
 * file's) may keep the member in the set a little longer.  So the member
 * is converted, not checked again.
 */
static struct vfio_pci_core_device *member_vdev(struct vfio_device *member)
{
	lockdep_assert_held(&member->dev_set->lock);
	return to_vfio_pci(member);
}

static int member_pm_get(struct vfio_device *member, void *arg)
{
	return pm_runtime_resume_and_get(&member_vdev(member)->pdev->dev);
}

static void member_pm_put(struct vfio_device *member, void *arg)
{
	pm_runtime_put(&member_vdev(member)->pdev->dev);
}

/* Wake every member: pci_reset_bus() cannot reset a suspended function. */
static int dev_set_pm_get(struct vfio_device_set *dev_set)
{
	struct vfio_device *failed;
	int ret;

	ret = vfio_device_set_for_each(dev_set, member_pm_get, NULL, &failed);
	if (ret)
		vfio_device_set_unwind(dev_set, failed, member_pm_put, NULL);
	return ret;
}

static void dev_set_pm_put(struct vfio_device_set *dev_set)
{
	vfio_device_set_unwind(dev_set, NULL, member_pm_put, NULL);
}

/*
 * Does the user own @vdev?  It passed the files @groups, or (cdev) it
 * is the user of @ictx, which must have @vdev bound or own its group.
 */
static bool owned_by_user(struct vfio_device *vdev, struct file **groups,
			  unsigned int nr, struct iommufd_ctx *ictx)
{
	unsigned int i;

	if (ictx)
		return vfio_iommufd_get_dev_id(vdev, ictx) >= 0;
	for (i = 0; i < nr; i++)
		if (vfio_file_has_dev(groups[i], vdev))
			return true;
	return false;
}

/* The user proving ownership: its group files, or its iommufd. */
struct reset_owner {
	struct file **groups;
	unsigned int nr;
	struct iommufd_ctx *ictx;
};

/* Check that the user owns @member, then lock it and zap its BARs. */
static int member_lock_owned(struct vfio_device *member, void *arg)
{
	struct vfio_pci_core_device *cur = member_vdev(member);
	struct reset_owner *owner = arg;

	if (!owned_by_user(member, owner->groups, owner->nr, owner->ictx))
		return -EINVAL;
	if (!down_write_trylock(&cur->memory_lock))
		return -EBUSY;
	vfio_pci_zap_bars(cur);
	return 0;
}

static void member_unlock(struct vfio_device *member, void *arg)
{
	up_write(&member_vdev(member)->memory_lock);
}

static int member_wake(struct vfio_device *member, void *arg)
{
	vfio_pci_set_power_state(member_vdev(member), PCI_D0);
	return 0;
}

/*
 * Reset @dev_set's slot or bus for a user holding the files @groups (or
 * using @ictx).  Every member must be owned by that user; every member's
 * memory lock is taken (trylock: these are unrelated devices, contention
 * means another user is busy with one, so give up rather than risk a
 * deadlock).
 */
static int dev_set_hot_reset(struct vfio_device_set *dev_set,
			     struct file **groups, unsigned int nr,
			     struct iommufd_ctx *ictx)
{
	struct reset_owner owner = { groups, nr, ictx };
	struct vfio_device *failed;
	struct pci_dev *pdev;
	int ret;

	mutex_lock(&dev_set->lock);
	pdev = dev_set_reset_target(dev_set);
	if (!pdev) {
		ret = -EINVAL;
		goto out_unlock;
	}
	ret = dev_set_pm_get(dev_set);
	if (ret)
		goto out_unlock;

	ret = vfio_device_set_for_each(dev_set, member_lock_owned, &owner,
				       &failed);
	if (!ret) {
		vfio_device_set_for_each(dev_set, member_wake, NULL, NULL);
		ret = pci_reset_bus(pdev);
	}
	/* Unlock the members we locked, which precede the one that failed. */
	vfio_device_set_unwind(dev_set, failed, member_unlock, NULL);
	dev_set_pm_put(dev_set);
out_unlock:
	mutex_unlock(&dev_set->lock);
	return ret;
}

/**
 * vfio_pci_ioctl_hot_reset - VFIO_DEVICE_PCI_HOT_RESET
 * @vdev: the device
 * @karg: kernel copy of the struct vfio_pci_hot_reset header
 * @uarg: the user's argument, for the group fd array
 *
 * Return: 0 or a negative errno.
 */
long vfio_pci_ioctl_hot_reset(struct vfio_pci_core_device *vdev, void *karg,
			      void __user *uarg)
{
	struct vfio_pci_hot_reset *hdr = karg;
	struct vfio_pci_hot_reset __user *uhdr = uarg;
	unsigned int max = 0, i, got = 0;
	struct file **files;
	s32 *fds;
	bool slot;
	long ret;

	/*
	 * A device opened through its group proves ownership with group
	 * files; one bound through its cdev with its iommufd, and no files.
	 */
	if (!hdr->count != vfio_device_cdev_opened(&vdev->vdev))
		return -EINVAL;
	ret = reset_scope(vdev->pdev, &slot);
	if (ret)
		return ret;
	if (!hdr->count)
		return dev_set_hot_reset(vdev->vdev.dev_set, NULL, 0,
					 vfio_iommufd_device_ictx(&vdev->vdev));

	/* One group per affected function at most bounds the array. */
	reset_scope_walk(vdev->pdev, slot, count_one, &max);
	if (hdr->count > max)
		return -EINVAL;

	fds = memdup_array_user(uhdr->group_fds, hdr->count, sizeof(*fds));
	if (IS_ERR(fds))
		return PTR_ERR(fds);
	files = kcalloc(hdr->count, sizeof(*files), GFP_KERNEL);
	if (!files) {
		ret = -ENOMEM;
		goto out_fds;
	}

	/* Hold the group files across the reset. */
	for (got = 0; got < hdr->count; got++) {
		files[got] = fget(fds[got]);
		if (!files[got]) {
			ret = -EBADF;
			goto out_put;
		}
		if (!vfio_file_is_group(files[got])) {
			fput(files[got]);
			ret = -EINVAL;
			goto out_put;
		}
	}

	ret = dev_set_hot_reset(vdev->vdev.dev_set, files, got, NULL);

out_put:
	for (i = 0; i < got; i++)
		fput(files[i]);
	kfree(files);
out_fds:
	kfree(fds);
	return ret;
}

/* Stops at a member other than @arg that is open, or that is dirty. */
static int member_busy(struct vfio_device *member, void *arg)
{
	return member != arg && member->open_count;
}

static int member_dirty(struct vfio_device *member, void *arg)
{
	return member_vdev(member)->needs_reset;
}

static int member_clean(struct vfio_device *member, void *arg)
{
	member_vdev(member)->needs_reset = false;
	return 0;
}

/*
 * @self was the last user of its set: if a member is dirty and could not
 * be reset on its own, reset the slot or bus now that nobody can notice.
 */
static void dev_set_try_reset(struct vfio_device_set *dev_set,
			      struct vfio_pci_core_device *self)
{
	struct pci_dev *pdev;

	lockdep_assert_held(&dev_set->lock);

	if (vfio_device_set_for_each(dev_set, member_busy, &self->vdev, NULL))
		return;
	pdev = dev_set_reset_target(dev_set);
	if (!pdev ||
	    !vfio_device_set_for_each(dev_set, member_dirty, NULL, NULL) ||
	    dev_set_pm_get(dev_set))
		return;
	if (!pci_reset_bus(pdev))
		vfio_device_set_for_each(dev_set, member_clean, NULL, NULL);
	dev_set_pm_put(dev_set);
}

/* Try a function reset without sleeping on the PCI core's device locks. */
static bool reset_function_trylock(struct pci_dev *pdev)
{
	struct pci_dev *bridge = pci_upstream_bridge(pdev);
	bool done = false;

	if (bridge && !pci_dev_trylock(bridge))
		return false;
	if (pci_dev_trylock(pdev)) {
		done = !__pci_reset_function_locked(pdev);
		pci_dev_unlock(pdev);
	}
	if (bridge)
		pci_dev_unlock(bridge);
	return done;
}

/**
 * vfio_pci_reset_on_close - put the function back as we found it
 * @vdev: the device being closed
 *
 * Restores the config space saved at open, resetting the function in
 * between when possible, disables it, and lets the device set try a bus
 * reset if the function stays dirty.
 */
void vfio_pci_reset_on_close(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	lockdep_assert_held(&vdev->vdev.dev_set->lock);

	vdev->needs_reset = true;

	/*
	 * Without the state saved at open, resetting and restoring the
	 * current state is still better than nothing; restoring it without
	 * a reset would be pointless.
	 */
	if (pci_load_and_free_saved_state(pdev, &vdev->saved_state)) {
		pci_info(pdev, "no saved config space to restore\n");
		if (!vdev->reset_works)
			goto out_disable;
		pci_save_state(pdev);
	}

	/* No interrupt, no decode, no DMA while resetting. */
	pci_write_config_word(pdev, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE);

	/*
	 * pci_try_reset_function() would save and restore the current
	 * state over ours; do the locking ourselves instead.
	 */
	if (vdev->reset_works && reset_function_trylock(pdev))
		vdev->needs_reset = false;

	pci_restore_state(pdev);
out_disable:
	pci_disable_device(pdev);
	dev_set_try_reset(vdev->vdev.dev_set, vdev);
}
