// SPDX-License-Identifier: GPL-2.0-only
/*
 * The link between VFIO files and KVM.
 *
 * KVM's VFIO pseudo device (virt/kvm/vfio.c) is given group or device
 * files by userspace and reaches the functions here through symbol_get(),
 * so that neither module needs the other.  The KVM instance it sets on a
 * group file is remembered in the group, the one it sets on a device
 * cdev file in that file.  A device takes a reference on the instance of
 * the file it is first opened (or bound) through and keeps it, in
 * &vfio_device.kvm, until its last close (device_file.c).  Nothing of
 * vfio.ko calls into this file: it only serves the hooks KVM uses.
 */
#include <linux/file.h>
#include <linux/module.h>
#include "core.h"

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
	struct vfio_device *vdev;
	struct vfio_group *group;

	group = vfio_group_from_file(file);
	if (group)
		return vfio_group_coherent(group);

	vdev = vfio_device_from_file(file);
	if (vdev)
		return device_iommu_capable(vdev->dev,
					    IOMMU_CAP_ENFORCE_CACHE_COHERENCY);
	return true;
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
	struct vfio_device_file *df;
	spinlock_t *lock;	/* the one guarding *slot */
	struct kvm **slot;

	if (group) {
		lock = &group->kvm_lock;
		slot = &group->kvm;
	} else {
		df = vfio_df_from_file(file);
		if (!df || df->group)
			return;
		lock = &df->kvm_lock;
		slot = &df->kvm;
	}

	spin_lock(lock);
	WRITE_ONCE(*slot, kvm);
	spin_unlock(lock);
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
