// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's VFIO pseudo device accepts VFIO group and device files (through
 * the vfio_file_* hooks) and refuses other files.  Needs /dev/kvm in the
 * guest; skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

static int kvm_vfio_file(int kvm_dev, __u64 op, int fd)
{
	__s32 value = fd;
	struct kvm_device_attr attr = {
		.group = KVM_DEV_VFIO_GROUP,
		.attr = op,
		.addr = (__u64)(unsigned long)&value,
	};

	return ioctl(kvm_dev, KVM_SET_DEVICE_ATTR, &attr) ? errno : 0;
}

FIXTURE(kvm) {
	struct vfio_util_dev d;
	int kvm, vm, kvm_dev;
};

FIXTURE_SETUP(kvm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_VFIO };
	const char *bdf;

	self->d.device = -1;
	self->d.group = -1;
	self->d.container = -1;
	self->kvm = -1;
	self->vm = -1;
	vfio_util_modprobe("kvm_intel");
	self->kvm = open("/dev/kvm", O_RDWR);
	if (self->kvm < 0)
		SKIP(return, "no /dev/kvm");
	self->vm = ioctl(self->kvm, KVM_CREATE_VM, 0);
	if (self->vm < 0)
		SKIP(return, "KVM_CREATE_VM failed: %d", errno);
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
	if (self->vm >= 0)
		close(self->vm);
	if (self->kvm >= 0)
		close(self->kvm);
}

TEST_F(kvm, group_file_is_accepted_and_removed)
{
	EXPECT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_GROUP_ADD,
				   self->d.group));
	/* Added twice is refused by KVM. */
	EXPECT_EQ(EEXIST, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_GROUP_ADD,
					self->d.group));
	EXPECT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_GROUP_DEL,
				   self->d.group));
}

TEST_F(kvm, device_file_is_accepted)
{
	EXPECT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_GROUP_ADD,
				   self->d.device));
	EXPECT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_GROUP_DEL,
				   self->d.device));
}

TEST_F(kvm, other_files_are_refused)
{
	EXPECT_EQ(EINVAL, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_GROUP_ADD,
					self->d.container));
	EXPECT_EQ(EINVAL, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_GROUP_ADD,
					self->kvm));
}

/* A device opened while the group is known to KVM still works. */
TEST_F(kvm, device_opened_with_kvm_set)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int dev;

	ASSERT_EQ(0, kvm_vfio_file(self->kvm_dev, KVM_DEV_VFIO_GROUP_ADD,
				   self->d.group));
	close(self->d.device);
	dev = ioctl(self->d.group, VFIO_GROUP_GET_DEVICE_FD, self->d.bdf);
	ASSERT_LE(0, dev);
	self->d.device = dev;
	EXPECT_EQ(0, ioctl(dev, VFIO_DEVICE_GET_INFO, &info));
}

TEST_HARNESS_MAIN
