// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's VFIO pseudo device (virt/kvm/vfio.c) against our hooks: it takes
 * VFIO group and device files (vfio_file_is_valid), refuses other files,
 * and hands its KVM instance to the group (vfio_file_set_kvm), which a
 * device opened afterwards keeps a reference to until its last close.
 *
 * Needs /dev/kvm in the guest: under TCG, QEMU's "max" CPU model is an
 * AMD one with SVM, so kvm_amd provides it.  Skipped without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

/* KVM_SET_DEVICE_ATTR of the VFIO pseudo device; 0 or errno. */
static int kvm_vfio_file(int kvm_dev, __u64 op, int fd)
{
	__s32 value = fd;
	struct kvm_device_attr attr = {
		.group = KVM_DEV_VFIO_FILE,
		.attr = op,
		.addr = (__u64)(unsigned long)&value,
	};

	return ioctl(kvm_dev, KVM_SET_DEVICE_ATTR, &attr) ? errno : 0;
}

/*
 * References on kvm.ko.  A VFIO device holding a KVM instance pins the
 * module (through symbol_get()) for as long as it holds the instance.
 */
static long kvm_module_refs(void)
{
	return vfio_util_read_long("/sys/module/kvm/refcnt");
}

static int reopen_device(struct vfio_util_dev *d)
{
	close(d->device);
	d->device = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	return d->device < 0 ? -errno : 0;
}

FIXTURE(kvm) {
	struct vfio_util_dev d;
	int kvm, vm, kvm_dev;
};

FIXTURE_SETUP(kvm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_VFIO };
	const char *bdf;

	vfio_util_dev_init(&self->d);
	self->kvm = -1;
	self->vm = -1;
	self->kvm_dev = -1;
	/* Whichever vendor module fits the CPU. */
	if (access("/dev/kvm", F_OK))
		vfio_util_modprobe("kvm_amd 2>/dev/null");
	if (access("/dev/kvm", F_OK))
		vfio_util_modprobe("kvm_intel 2>/dev/null");
	self->kvm = open("/dev/kvm", O_RDWR);
	if (self->kvm < 0)
		SKIP(return, "no /dev/kvm");
	self->vm = ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, self->vm);
	ASSERT_EQ(0, ioctl(self->vm, KVM_CREATE_DEVICE, &cd));
	self->kvm_dev = cd.fd;

	bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);
	if (!bdf)
		SKIP(return, "no edu device");
	vfio_util_modprobe("vfio_iommu_type1");
	ASSERT_EQ(0, vfio_util_open(&self->d, bdf, VFIO_TYPE1v2_IOMMU));
}

FIXTURE_TEARDOWN(kvm)
{
	vfio_util_close(&self->d);
	if (self->kvm_dev >= 0)
		close(self->kvm_dev);
	if (self->vm >= 0)
		close(self->vm);
	if (self->kvm >= 0)
		close(self->kvm);
}

TEST_F(kvm, group_file_is_added_and_removed)
{
	struct kvm_device_attr attr = {
		.group = KVM_DEV_VFIO_FILE, .attr = KVM_DEV_VFIO_FILE_ADD,
	};

	EXPECT_EQ(0, ioctl(self->kvm_dev, KVM_HAS_DEVICE_ATTR, &attr));
	EXPECT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_ADD,
				   self->d.group));
	/* Added twice is refused by KVM. */
	EXPECT_EQ(EEXIST, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_ADD,
					self->d.group));
	EXPECT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_DEL,
				   self->d.group));
	EXPECT_EQ(ENOENT, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_DEL,
					self->d.group));
	/* And can be added again. */
	EXPECT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_ADD,
				   self->d.group));
}

TEST_F(kvm, device_file_is_accepted)
{
	EXPECT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_ADD,
				   self->d.device));
	EXPECT_EQ(EEXIST, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_ADD,
					self->d.device));
	EXPECT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_DEL,
				   self->d.device));
}

TEST_F(kvm, other_files_are_refused)
{
	int null = open("/dev/null", O_RDWR);

	ASSERT_LE(0, null);
	EXPECT_EQ(EINVAL, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_ADD,
					self->d.container));
	EXPECT_EQ(EINVAL, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_ADD,
					self->kvm));
	EXPECT_EQ(EINVAL, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_ADD,
					null));
	EXPECT_EQ(EBADF, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_ADD,
				       -1));
	/* A VFIO file that was never added cannot be removed. */
	EXPECT_EQ(ENOENT, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_DEL,
					self->d.group));
	close(null);
}

/*
 * A device opened while its group is known to KVM takes the instance
 * (and pins kvm.ko) until its last close; one opened before, or after
 * the group was removed, takes nothing.
 */
TEST_F(kvm, device_opened_with_kvm_set_holds_it)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	long base = kvm_module_refs();
	int dev2;

	ASSERT_LE(0, base);
	ASSERT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_ADD,
				   self->d.group));
	/* The device was already open: it keeps running without KVM. */
	EXPECT_EQ(base, kvm_module_refs());

	ASSERT_EQ(0, reopen_device(&self->d));
	EXPECT_EQ(base + 1, kvm_module_refs());
	EXPECT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_GET_INFO, &info));

	/* A second file of the same device shares the first open's. */
	dev2 = ioctl(self->d.group, VFIO_GROUP_GET_DEVICE_FD, self->d.bdf);
	ASSERT_LE(0, dev2);
	EXPECT_EQ(base + 1, kvm_module_refs());
	close(dev2);
	EXPECT_EQ(base + 1, kvm_module_refs());

	ASSERT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_DEL,
				   self->d.group));
	/* Removing the group does not take the instance from an open device. */
	EXPECT_EQ(base + 1, kvm_module_refs());
	ASSERT_EQ(0, reopen_device(&self->d));
	EXPECT_EQ(base, kvm_module_refs());
}

/* The device's reference keeps the VM alive after userspace closed it. */
TEST_F(kvm, device_outlives_the_vm)
{
	long base = kvm_module_refs();

	ASSERT_LE(0, base);
	ASSERT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_FILE_ADD,
				   self->d.group));
	ASSERT_EQ(0, reopen_device(&self->d));
	EXPECT_EQ(base + 1, kvm_module_refs());

	/* The pseudo device's release unsets KVM on the group. */
	close(self->kvm_dev);
	self->kvm_dev = -1;
	close(self->vm);
	self->vm = -1;
	EXPECT_EQ(base + 1, kvm_module_refs());

	/* The last close drops the last reference: the VM is destroyed. */
	close(self->d.device);
	self->d.device = -1;
	EXPECT_EQ(base, kvm_module_refs());

	/* A new open of the group's device finds no KVM any more. */
	self->d.device = ioctl(self->d.group, VFIO_GROUP_GET_DEVICE_FD,
			       self->d.bdf);
	ASSERT_LE(0, self->d.device);
	EXPECT_EQ(base, kvm_module_refs());
}

TEST_HARNESS_MAIN
