// SPDX-License-Identifier: GPL-2.0
/*
 * noiommu mode: with enable_unsafe_noiommu_mode set, a device without an
 * IOMMU gets /dev/vfio/noiommu-N, usable only through the noiommu backend
 * and only with CAP_SYS_RAWIO.  Needs a PCI device outside any IOMMU
 * group (boot the VM without intel_iommu=on); skipped otherwise.
 *
 * iommufd as 6.12 has it for noiommu: the device gets no cdev (its
 * vfio-dev/vfioN has no dev_t), and the group takes an iommufd as its
 * container, which then is in noiommu mode: opening the device needs
 * CAP_SYS_RAWIO and a context without a compatibility IOAS.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/iommufd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define NOIOMMU_PARAM "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define TAINT_USER_BIT	6

static int has_iommu_group(const char *bdf)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	return !stat(path, &st);
}

/* No IOMMU behind it: no group, or one vfio made up in noiommu mode. */
static int is_unprotected(const char *bdf)
{
	char path[PATH_MAX], name[64] = "";

	if (!has_iommu_group(bdf))
		return 1;
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/name",
		 vfio_util_group_id(bdf));
	vfio_util_read_file(path, name, sizeof(name));
	return !strcmp(name, "vfio-noiommu\n");
}

static const char *find_unprotected(void)
{
	const char *bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);

	return bdf && is_unprotected(bdf) ? bdf : NULL;
}

static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[cap / 32].effective &= ~(1u << (cap % 32));
	data[cap / 32].permitted &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &hdr, data);
}

FIXTURE(noiommu) {
	char bdf[32];
	char path[64];
	char old_param[8];
};

FIXTURE_SETUP(noiommu)
{
	const char *bdf;

	vfio_util_modprobe("vfio");
	if (vfio_util_read_file(NOIOMMU_PARAM, self->old_param,
				sizeof(self->old_param)) < 0)
		SKIP(return, "CONFIG_VFIO_NOIOMMU is off");
	bdf = find_unprotected();
	if (!bdf)
		SKIP(return, "every device has an IOMMU (boot without intel_iommu=on)");
	snprintf(self->bdf, sizeof(self->bdf), "%s", bdf);

	ASSERT_EQ(0, vfio_util_write_file(NOIOMMU_PARAM, "Y"));
	/* The group is made when vfio-pci binds: rebind with the mode on. */
	ASSERT_EQ(0, vfio_util_bind(self->bdf, ""));
	ASSERT_EQ(0, vfio_util_bind(self->bdf, "vfio-pci"));
	ASSERT_TRUE(has_iommu_group(self->bdf));
	snprintf(self->path, sizeof(self->path), "/dev/vfio/noiommu-%d",
		 vfio_util_group_id(self->bdf));
}

FIXTURE_TEARDOWN(noiommu)
{
	if (self->bdf[0])
		vfio_util_bind(self->bdf, "");
	if (self->old_param[0])
		vfio_util_write_file(NOIOMMU_PARAM,
				     self->old_param[0] == 'Y' ? "Y" : "N");
}

TEST_F(noiommu, group_node_is_named_noiommu)
{
	char path[PATH_MAX], name[64] = "";
	struct stat st;

	EXPECT_EQ(0, stat(self->path, &st));
	snprintf(path, sizeof(path), "/dev/vfio/%d",
		 vfio_util_group_id(self->bdf));
	EXPECT_NE(0, stat(path, &st));
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/name",
		 vfio_util_group_id(self->bdf));
	vfio_util_read_file(path, name, sizeof(name));
	EXPECT_STREQ("vfio-noiommu\n", name);
}

/*
 * Making a noiommu group taints the kernel and says so, naming the
 * device: rebind and watch the log (the taint bit alone may be older).
 */
TEST_F(noiommu, making_the_group_taints_the_kernel)
{
	char rec[1024];
	bool said = false;
	ssize_t n;
	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	ASSERT_LE(0, kmsg);
	ASSERT_LE(0, lseek(kmsg, 0, SEEK_END));
	ASSERT_EQ(0, vfio_util_bind(self->bdf, ""));
	ASSERT_EQ(0, vfio_util_bind(self->bdf, "vfio-pci"));
	/* One record per read; EPIPE when records were overwritten. */
	while ((n = read(kmsg, rec, sizeof(rec) - 1)) != 0) {
		if (n < 0 && errno == EPIPE)
			continue;
		if (n < 0)
			break;
		rec[n] = 0;
		if (strstr(rec, self->bdf) && strstr(rec, "taint"))
			said = true;
	}
	close(kmsg);
	EXPECT_TRUE(said);
	EXPECT_TRUE(vfio_util_read_long("/proc/sys/kernel/tainted") &
		    (1L << TAINT_USER_BIT));
}

TEST_F(noiommu, only_the_noiommu_backend_is_usable)
{
	int group, container, dev;

	group = open(self->path, O_RDWR);
	ASSERT_LE(0, group);
	container = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, container);
	ASSERT_EQ(0, ioctl(group, VFIO_GROUP_SET_CONTAINER, &container));

	EXPECT_EQ(1, ioctl(container, VFIO_CHECK_EXTENSION,
			   VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(0, ioctl(container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(-1, ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(ENODEV, errno);
	ASSERT_EQ(0, ioctl(container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU));

	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, self->bdf);
	EXPECT_LE(0, dev);
	if (dev >= 0)
		close(dev);
	close(container);
	close(group);
}

TEST_F(noiommu, needs_cap_sys_rawio)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		if (drop_cap(CAP_SYS_RAWIO))
			_exit(2);
		if (open(self->path, O_RDWR) >= 0)
			_exit(3);
		_exit(errno == EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* 6.12 gives a noiommu device no cdev: vfio-dev/vfioN has no dev_t. */
TEST_F(noiommu, no_device_cdev)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], node[64] = "";
	struct dirent *e;
	struct stat st;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev",
		 self->bdf);
	dp = opendir(dir);
	ASSERT_NE(NULL, dp);
	while ((e = readdir(dp)))
		if (!strncmp(e->d_name, "vfio", 4))
			snprintf(node, sizeof(node), "%.60s", e->d_name);
	closedir(dp);
	ASSERT_NE(0, node[0]);

	snprintf(path, sizeof(path), "%s/%s/dev", dir, node);
	EXPECT_NE(0, stat(path, &st));
	EXPECT_EQ(ENOENT, errno);
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", node);
	EXPECT_NE(0, stat(path, &st));
	EXPECT_EQ(ENOENT, errno);
}

/* IOMMU_VFIO_IOAS SET or CLEAR of the context's compatibility IOAS. */
static int set_compat_ioas(int iommufd, int ioas_id)
{
	struct iommu_vfio_ioas op = {
		.size = sizeof(op),
		.ioas_id = ioas_id > 0 ? ioas_id : 0,
		.op = ioas_id > 0 ? IOMMU_VFIO_IOAS_SET : IOMMU_VFIO_IOAS_CLEAR,
	};

	return ioctl(iommufd, IOMMU_VFIO_IOAS, &op) ? -errno : 0;
}

/* The device works: config space and edu's ID register in BAR0. */
static void check_device_works(struct __test_metadata *_metadata, int fd)
{
	struct vfio_util_dev d;
	uint16_t cmd;
	uint32_t id;

	vfio_util_dev_init(&d);
	d.device = fd;
	ASSERT_EQ(4, vfio_util_region_read(&d, VFIO_PCI_CONFIG_REGION_INDEX,
					   0, &id, 4));
	EXPECT_EQ((EDU_DEVICE << 16) | EDU_VENDOR, id);
	ASSERT_EQ(2, vfio_util_region_read(&d, VFIO_PCI_CONFIG_REGION_INDEX,
					   4, &cmd, 2));
	cmd |= 0x2;	/* memory space */
	ASSERT_EQ(2, vfio_util_region_write(&d, VFIO_PCI_CONFIG_REGION_INDEX,
					    4, &cmd, 2));
	EXPECT_EQ(0x010000edU, vfio_util_bar_read32(&d, 0, 0));
}

TEST_F(noiommu, iommufd_as_the_group_container)
{
	int group, iommufd, dev, ioas;

	group = open(self->path, O_RDWR);
	ASSERT_LE(0, group);
	iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, iommufd);
	ASSERT_EQ(0, ioctl(group, VFIO_GROUP_SET_CONTAINER, &iommufd));

	/* The context is in noiommu mode now: no type1 for it. */
	EXPECT_EQ(0, ioctl(iommufd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, ioctl(iommufd, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(-1, ioctl(iommufd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(EINVAL, errno);

	/* A compatibility IOAS means translation is expected: refused. */
	ioas = vfio_util_ioas_alloc(iommufd);
	ASSERT_LT(0, ioas);
	ASSERT_EQ(0, set_compat_ioas(iommufd, ioas));
	EXPECT_EQ(-1, ioctl(group, VFIO_GROUP_GET_DEVICE_FD, self->bdf));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, set_compat_ioas(iommufd, 0));

	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, self->bdf);
	ASSERT_LE(0, dev);
	check_device_works(_metadata, dev);
	close(dev);
	close(group);
	close(iommufd);
}

/* An iommufd already serving translated DMA cannot become noiommu. */
TEST_F(noiommu, iommufd_with_a_compat_ioas_is_refused)
{
	int group, iommufd, ioas;

	group = open(self->path, O_RDWR);
	ASSERT_LE(0, group);
	iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, iommufd);
	ioas = vfio_util_ioas_alloc(iommufd);
	ASSERT_LT(0, ioas);
	ASSERT_EQ(0, set_compat_ioas(iommufd, ioas));
	EXPECT_EQ(-1, ioctl(group, VFIO_GROUP_SET_CONTAINER, &iommufd));
	EXPECT_EQ(EINVAL, errno);
	close(group);
	close(iommufd);
}

/*
 * Opening the group needs CAP_SYS_RAWIO (tested above); so does opening
 * the device through an iommufd in noiommu mode.  The child keeps the
 * group and context it set up with the capability, then drops it.
 */
TEST_F(noiommu, iommufd_device_open_needs_cap_sys_rawio)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		int group = open(self->path, O_RDWR);
		int iommufd = open("/dev/iommu", O_RDWR);

		if (group < 0 || iommufd < 0 ||
		    ioctl(group, VFIO_GROUP_SET_CONTAINER, &iommufd))
			_exit(2);
		if (drop_cap(CAP_SYS_RAWIO))
			_exit(3);
		if (ioctl(group, VFIO_GROUP_GET_DEVICE_FD, self->bdf) >= 0)
			_exit(4);
		_exit(errno == EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
