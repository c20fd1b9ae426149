// SPDX-License-Identifier: GPL-2.0
/*
 * The device cdev (/dev/vfio/devices/vfioN) and iommufd: the node and its
 * sysfs entry, what an unbound file may do, VFIO_DEVICE_BIND_IOMMUFD,
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT and VFIO_DEVICE_DETACH_IOMMUFD_PT with
 * their argument checks, exclusion between the cdev and the group path,
 * close ordering, an emulated device's DMA through an iommufd access, and
 * KVM's VFIO device taking a cdev file.
 *
 * Errno values are those of 6.12.  The edu DMA, MSI and mapping tests in
 * cdev mode are pci_edu's "cdev" variant.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vfio_util.h"
#include "../../../../drivers/vfio/test/vfio_emulated_test.h"

static int bind_raw(int device, uint32_t argsz, uint32_t flags, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = argsz,
		.flags = flags,
		.iommufd = iommufd,
	};

	return ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind) ? -errno : 0;
}

static int attach_raw(int device, uint32_t argsz, uint32_t flags,
		      uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt a = {
		.argsz = argsz,
		.flags = flags,
		.pt_id = pt_id,
	};

	return ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) ? -errno : 0;
}

static int detach_raw(int device, uint32_t argsz, uint32_t flags)
{
	struct vfio_device_detach_iommufd_pt d = {
		.argsz = argsz,
		.flags = flags,
	};

	return ioctl(device, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d) ? -errno : 0;
}

static int iommufd_destroy(int iommufd, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(iommufd, IOMMU_DESTROY, &d) ? -errno : 0;
}

static int device_info(int device)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	return ioctl(device, VFIO_DEVICE_GET_INFO, &info) ? -errno : 0;
}

static int open_group_node(int group_id)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group_id);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	return fd;
}

FIXTURE(cdev) {
	char bdf[32];
	char path[PATH_MAX];
	int group_id;
	int device;
	int iommufd;
	int ioas;
};

FIXTURE_SETUP(cdev)
{
	const char *bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);

	self->device = self->iommufd = -1;
	if (!bdf)
		SKIP(return, "no edu device");
	snprintf(self->bdf, sizeof(self->bdf), "%s", bdf);
	ASSERT_EQ(0, vfio_util_bind(self->bdf, "vfio-pci"));
	self->group_id = vfio_util_group_id(self->bdf);
	ASSERT_LE(0, self->group_id);
	ASSERT_EQ(0, vfio_util_cdev_path(self->bdf, self->path,
					 sizeof(self->path)));
	self->device = open(self->path, O_RDWR);
	ASSERT_LE(0, self->device);
	self->iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, self->iommufd);
	self->ioas = vfio_util_ioas_alloc(self->iommufd);
	ASSERT_LT(0, self->ioas);
}

FIXTURE_TEARDOWN(cdev)
{
	if (self->device >= 0)
		close(self->device);
	if (self->iommufd >= 0)
		close(self->iommufd);
}

TEST_F(cdev, node_matches_sysfs_dev)
{
	char sys[PATH_MAX], buf[32];
	unsigned int maj, min;
	struct stat st;

	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	snprintf(sys, sizeof(sys), "/sys/bus/pci/devices/%s/vfio-dev/%s/dev",
		 self->bdf, strrchr(self->path, '/') + 1);
	ASSERT_LT(0, vfio_util_read_file(sys, buf, sizeof(buf)));
	ASSERT_EQ(2, sscanf(buf, "%u:%u", &maj, &min));
	EXPECT_EQ(maj, major(st.st_rdev));
	EXPECT_EQ(min, minor(st.st_rdev));
}

TEST_F(cdev, unbound_file_has_no_access)
{
	uint32_t v;
	void *p;

	EXPECT_EQ(-EINVAL, device_info(self->device));
	EXPECT_EQ(-1, pread(self->device, &v, 4, 0));
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->device, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, attach_raw(self->device, 16, 0, self->ioas));
	EXPECT_EQ(-EINVAL, detach_raw(self->device, 8, 0));
}

TEST_F(cdev, bind_argument_checks)
{
	struct vfio_device_bind_iommufd b = {};
	int fd;

	EXPECT_EQ(-EINVAL, bind_raw(self->device, 8, 0, self->iommufd));
	EXPECT_EQ(-EINVAL, bind_raw(self->device, sizeof(b), 1,
				    self->iommufd));
	EXPECT_EQ(-EINVAL, bind_raw(self->device, sizeof(b), 0, -1));
	/* A file that is not an iommufd. */
	fd = open("/dev/null", O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADFD, bind_raw(self->device, sizeof(b), 0, fd));
	/* A closed iommufd: no file at all. */
	close(fd);
	EXPECT_EQ(-EBADF, bind_raw(self->device, sizeof(b), 0, fd));
	/* A bad pointer. */
	EXPECT_EQ(-1, ioctl(self->device, VFIO_DEVICE_BIND_IOMMUFD, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* None of that bound the file. */
	EXPECT_EQ(-EINVAL, device_info(self->device));
}

TEST_F(cdev, bind_gives_a_device_id)
{
	struct iommu_hw_info hw = { .size = sizeof(hw) };
	uint32_t devid = 0;

	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, &devid));
	EXPECT_NE(0, devid);
	EXPECT_NE((uint32_t)self->ioas, devid);
	EXPECT_EQ(0, device_info(self->device));
	/* The id names the device in the iommufd. */
	hw.dev_id = devid;
	EXPECT_EQ(0, ioctl(self->iommufd, IOMMU_GET_HW_INFO, &hw));
	/* It is not something that can be destroyed by the user. */
	EXPECT_EQ(-EBUSY, iommufd_destroy(self->iommufd, devid));
}

TEST_F(cdev, bind_twice_is_einval)
{
	int second;

	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	EXPECT_EQ(-EINVAL, vfio_util_cdev_bind(self->device, self->iommufd,
					       NULL));
	/* Another file of the same device cannot share it either. */
	second = open(self->path, O_RDWR);
	ASSERT_LE(0, second);
	EXPECT_EQ(-EINVAL, vfio_util_cdev_bind(second, self->iommufd, NULL));
	EXPECT_EQ(-EINVAL, device_info(second));
	close(second);
	EXPECT_EQ(0, device_info(self->device));
}

TEST_F(cdev, rebind_after_close)
{
	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	close(self->device);
	self->device = open(self->path, O_RDWR);
	ASSERT_LE(0, self->device);
	EXPECT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	EXPECT_EQ(0, device_info(self->device));
}

TEST_F(cdev, group_open_while_bound_is_ebusy)
{
	int group;

	/* Merely opened, the cdev does not hold the group. */
	group = open_group_node(self->group_id);
	ASSERT_LE(0, group);
	/* And while the group is open, binding is refused. */
	EXPECT_EQ(-EBUSY, vfio_util_cdev_bind(self->device, self->iommufd,
					      NULL));
	close(group);

	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	EXPECT_EQ(-EBUSY, open_group_node(self->group_id));
	close(self->device);
	self->device = -1;
	group = open_group_node(self->group_id);
	EXPECT_LE(0, group);
	if (group >= 0)
		close(group);
}

TEST_F(cdev, bind_while_group_device_open_is_ebusy)
{
	struct vfio_util_dev d;

	ASSERT_EQ(0, vfio_util_open(&d, self->bdf, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(-EBUSY, vfio_util_cdev_bind(self->device, self->iommufd,
					      NULL));
	vfio_util_close(&d);
	EXPECT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
}

TEST_F(cdev, attach_argument_checks)
{
	struct vfio_device_attach_iommufd_pt a;

	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	EXPECT_EQ(-EINVAL, attach_raw(self->device, 8, 0, self->ioas));
	EXPECT_EQ(-EINVAL, attach_raw(self->device, sizeof(a), 1,
				      self->ioas));
	EXPECT_EQ(-1, ioctl(self->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
			    NULL));
	EXPECT_EQ(EFAULT, errno);
	/* No such object. */
	EXPECT_EQ(-ENOENT, attach_raw(self->device, sizeof(a), 0, 0xffff));
	EXPECT_EQ(0, attach_raw(self->device, sizeof(a), 0, self->ioas));
}

TEST_F(cdev, attach_to_wrong_object_is_einval)
{
	uint32_t devid;

	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, &devid));
	/* A device is not a page table. */
	EXPECT_EQ(-EINVAL, attach_raw(self->device, 16, 0, devid));
}

TEST_F(cdev, attach_to_destroyed_ioas_is_enoent)
{
	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	ASSERT_EQ(0, iommufd_destroy(self->iommufd, self->ioas));
	EXPECT_EQ(-ENOENT, attach_raw(self->device, 16, 0, self->ioas));
}

TEST_F(cdev, attached_ioas_cannot_be_destroyed)
{
	uint32_t pt = self->ioas;

	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	ASSERT_EQ(0, vfio_util_cdev_attach(self->device, &pt));
	/* The device is attached to a HWPT made in the IOAS. */
	EXPECT_NE((uint32_t)self->ioas, pt);
	EXPECT_EQ(-EBUSY, iommufd_destroy(self->iommufd, self->ioas));
	EXPECT_EQ(0, detach_raw(self->device, 8, 0));
	EXPECT_EQ(0, iommufd_destroy(self->iommufd, self->ioas));
}

TEST_F(cdev, detach_argument_checks)
{
	uint32_t pt = self->ioas;

	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	/* Detaching what is not attached is no error. */
	EXPECT_EQ(0, detach_raw(self->device, 8, 0));
	ASSERT_EQ(0, vfio_util_cdev_attach(self->device, &pt));
	EXPECT_EQ(-EINVAL, detach_raw(self->device, 4, 0));
	EXPECT_EQ(-EINVAL, detach_raw(self->device, 8, 1));
	EXPECT_EQ(-1, ioctl(self->device, VFIO_DEVICE_DETACH_IOMMUFD_PT,
			    NULL));
	EXPECT_EQ(EFAULT, errno);
	/* Still attached: the IOAS is busy. */
	EXPECT_EQ(-EBUSY, iommufd_destroy(self->iommufd, self->ioas));
	EXPECT_EQ(0, detach_raw(self->device, 8, 0));
}

TEST_F(cdev, attach_replaces_the_ioas)
{
	int second = vfio_util_ioas_alloc(self->iommufd);
	uint32_t pt = self->ioas;

	ASSERT_LT(0, second);
	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	ASSERT_EQ(0, vfio_util_cdev_attach(self->device, &pt));
	pt = second;
	ASSERT_EQ(0, vfio_util_cdev_attach(self->device, &pt));
	/* The first IOAS is free again, the second is in use. */
	EXPECT_EQ(0, iommufd_destroy(self->iommufd, self->ioas));
	EXPECT_EQ(-EBUSY, iommufd_destroy(self->iommufd, second));
}

TEST_F(cdev, iommufd_closed_before_the_device)
{
	uint32_t pt = self->ioas;

	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	ASSERT_EQ(0, vfio_util_cdev_attach(self->device, &pt));
	close(self->iommufd);
	self->iommufd = -1;
	/* The bound file keeps the context: the device still works. */
	EXPECT_EQ(0, device_info(self->device));
	EXPECT_EQ(0, detach_raw(self->device, 8, 0));
	/* The HWPT made for the device went with it; the IOAS is still there. */
	EXPECT_EQ(-ENOENT, attach_raw(self->device, 16, 0, pt));
	pt = self->ioas;
	EXPECT_EQ(0, vfio_util_cdev_attach(self->device, &pt));
}

/* The group path is unaffected by files of the cdev merely opened. */
TEST_F(cdev, group_path_works_with_unbound_cdev_open)
{
	struct vfio_util_dev d;

	ASSERT_EQ(0, vfio_util_open(&d, self->bdf, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(EDU_ID_VALUE, vfio_util_bar_read32(&d, 0, EDU_REG_ID));
	vfio_util_close(&d);
}

/* --- an emulated device through an iommufd access --- */

#define PG	4096UL
#define EMU_IOVA	0x100000ULL

static int emu_cdev_open(const char *name)
{
	char path[PATH_MAX];
	DIR *dp;
	struct dirent *e;
	int fd = -ENOENT;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/vfio-dev",
		 name);
	dp = opendir(path);
	if (!dp)
		return -errno;
	while ((e = readdir(dp))) {
		if (strncmp(e->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s",
			 e->d_name);
		fd = open(path, O_RDWR);
		if (fd < 0)
			fd = -errno;
		break;
	}
	closedir(dp);
	return fd;
}

static int ioas_map(int iommufd, uint32_t ioas, void *va, uint64_t iova,
		    uint64_t len)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &m) ? -errno : 0;
}

static int ioas_unmap(int iommufd, uint32_t ioas, uint64_t iova,
		      uint64_t len)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};

	return ioctl(iommufd, IOMMU_IOAS_UNMAP, &u) ? -errno : 0;
}

static int emu_pin(int device, uint64_t iova, uint32_t npage)
{
	struct vfio_emu_test_pin p = {
		.iova = iova, .npage = npage,
		.prot = VFIO_EMU_TEST_READ | VFIO_EMU_TEST_WRITE,
	};
	int ret = ioctl(device, VFIO_EMU_TEST_PIN, &p);

	return ret < 0 ? -errno : ret;
}

static int emu_rw(int device, uint64_t iova, void *buf, uint64_t len,
		  bool write)
{
	struct vfio_emu_test_rw rw = {
		.iova = iova, .len = len, .data = (uintptr_t)buf,
		.flags = write ? VFIO_EMU_TEST_RW_WRITE : 0,
	};

	return ioctl(device, VFIO_EMU_TEST_RW, &rw) ? -errno : 0;
}

static int emu_status(int device, struct vfio_emu_test_status *st)
{
	return ioctl(device, VFIO_EMU_TEST_STATUS, st) ? -errno : 0;
}

FIXTURE(emu) {
	int device;
	int iommufd;
	int ioas;
	uint8_t *buf;
};

FIXTURE_VARIANT(emu) {
	const char *name;
};

FIXTURE_VARIANT_ADD(emu, unmap) {
	.name = VFIO_EMU_TEST_NAME,
};

FIXTURE_VARIANT_ADD(emu, nounmap) {
	.name = VFIO_EMU_TEST_NOUNMAP_NAME,
};

FIXTURE_SETUP(emu)
{
	uint32_t pt;

	self->device = self->iommufd = -1;
	self->buf = MAP_FAILED;
	ASSERT_EQ(0, vfio_util_modprobe("vfio_emulated_test"));
	self->device = emu_cdev_open(variant->name);
	ASSERT_LE(0, self->device);
	self->iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, self->iommufd);
	self->ioas = vfio_util_ioas_alloc(self->iommufd);
	ASSERT_LT(0, self->ioas);
	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	pt = self->ioas;
	ASSERT_EQ(0, vfio_util_cdev_attach(self->device, &pt));
	/* An access is attached to the IOAS itself. */
	EXPECT_EQ((uint32_t)self->ioas, pt);
	self->buf = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	ASSERT_EQ(0, ioas_map(self->iommufd, self->ioas, self->buf, EMU_IOVA,
			      4 * PG));
}

FIXTURE_TEARDOWN(emu)
{
	if (self->device >= 0)
		close(self->device);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, 4 * PG);
}

TEST_F(emu, dma_rw_both_ways)
{
	char out[64], in[64];

	memset(out, 0x5a, sizeof(out));
	ASSERT_EQ(0, emu_rw(self->device, EMU_IOVA + PG + 8, out, sizeof(out),
			    true));
	EXPECT_EQ(0, memcmp(self->buf + PG + 8, out, sizeof(out)));
	memcpy(self->buf + 3 * PG, "iommufd access", 15);
	ASSERT_EQ(0, emu_rw(self->device, EMU_IOVA + 3 * PG, in, 15, false));
	EXPECT_STREQ("iommufd access", in);
	/* Nothing mapped there. */
	EXPECT_EQ(-ENOENT, emu_rw(self->device, EMU_IOVA + 16 * PG, in, 8,
				  false));
}

TEST_F(emu, pin_and_unmap_notifies)
{
	struct vfio_emu_test_status st = {};
	int ret = emu_pin(self->device, EMU_IOVA + PG, 2);

	if (!strcmp(variant->name, VFIO_EMU_TEST_NOUNMAP_NAME)) {
		/* Without dma_unmap a driver may not pin. */
		EXPECT_EQ(-EINVAL, ret);
		return;
	}
	ASSERT_EQ(2, ret);
	ASSERT_EQ(0, emu_status(self->device, &st));
	EXPECT_EQ(2, st.pinned);
	/* Unmapping the pinned range makes the driver let go. */
	ASSERT_EQ(0, ioas_unmap(self->iommufd, self->ioas, EMU_IOVA, 4 * PG));
	ASSERT_EQ(0, emu_status(self->device, &st));
	EXPECT_EQ(0, st.pinned);
	EXPECT_LE(1, st.unmaps);
	/* And then nothing is there to pin. */
	EXPECT_GT(0, emu_pin(self->device, EMU_IOVA + PG, 1));
}

TEST_F(emu, close_with_pins_releases_them)
{
	if (!strcmp(variant->name, VFIO_EMU_TEST_NOUNMAP_NAME))
		return;
	ASSERT_EQ(1, emu_pin(self->device, EMU_IOVA, 1));
	/* The IOAS cannot go while the access uses it. */
	EXPECT_EQ(-EBUSY, iommufd_destroy(self->iommufd, self->ioas));
	close(self->device);
	self->device = -1;
	EXPECT_EQ(0, ioas_unmap(self->iommufd, self->ioas, EMU_IOVA, 4 * PG));
	EXPECT_EQ(0, iommufd_destroy(self->iommufd, self->ioas));
}

/* --- KVM's VFIO device takes a cdev file --- */

static int kvm_vfio_file(int kvm_dev, uint64_t op, int fd)
{
	int32_t value = fd;
	struct kvm_device_attr attr = {
		.group = KVM_DEV_VFIO_FILE,
		.attr = op,
		.addr = (uint64_t)(unsigned long)&value,
	};

	return ioctl(kvm_dev, KVM_SET_DEVICE_ATTR, &attr) ? errno : 0;
}

TEST_F(cdev, kvm_takes_a_cdev_file_before_bind)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_VFIO };
	long refs, held;
	int kvm, vm;

	if (access("/dev/kvm", F_OK))
		vfio_util_modprobe("kvm_amd 2>/dev/null");
	if (access("/dev/kvm", F_OK))
		vfio_util_modprobe("kvm_intel 2>/dev/null");
	kvm = open("/dev/kvm", O_RDWR);
	if (kvm < 0)
		SKIP(return, "no /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, ioctl(vm, KVM_CREATE_DEVICE, &cd));

	ASSERT_EQ(0, kvm_vfio_file(cd.fd, KVM_DEV_VFIO_FILE_ADD,
				   self->device));
	refs = vfio_util_read_long("/sys/module/kvm/refcnt");
	/* Bound afterwards, the device takes the VM (and pins kvm.ko). */
	ASSERT_EQ(0, vfio_util_cdev_bind(self->device, self->iommufd, NULL));
	held = vfio_util_read_long("/sys/module/kvm/refcnt");
	EXPECT_EQ(refs + 1, held);
	EXPECT_EQ(0, kvm_vfio_file(cd.fd, KVM_DEV_VFIO_FILE_DEL,
				   self->device));
	close(self->device);
	self->device = -1;
	EXPECT_EQ(refs, vfio_util_read_long("/sys/module/kvm/refcnt"));
	close(cd.fd);
	close(vm);
	close(kvm);
}

TEST_HARNESS_MAIN
