// SPDX-License-Identifier: GPL-2.0
/*
 * Group files (/dev/vfio/N): status, attaching to a container, getting
 * device files, and their error paths, on the edu device (and the NVMe
 * device when two groups are needed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

/*
 * Bind the first @vendor:@device function to vfio-pci; its group path.
 * 0, -ENXIO when the machine has no such function, or another -errno.
 */
static int take_device(unsigned int vendor, unsigned int device,
		       char *bdf, size_t bdf_size, char *path, size_t size)
{
	const char *found = vfio_util_find_pci(vendor, device);
	int group;

	if (!found)
		return -ENXIO;
	snprintf(bdf, bdf_size, "%s", found);
	if (vfio_util_bind(bdf, "vfio-pci"))
		return -EIO;
	group = vfio_util_group_id(bdf);
	if (group < 0)
		return group;
	snprintf(path, size, "/dev/vfio/%d", group);
	return 0;
}

static int group_flags(int group)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		return -errno;
	return status.flags;
}

FIXTURE(group) {
	char bdf[32];
	char path[64];
	int container;
	int group;
};

FIXTURE_SETUP(group)
{
	int ret;

	self->container = -1;
	self->group = -1;
	ret = take_device(EDU_VENDOR, EDU_DEVICE, self->bdf, sizeof(self->bdf),
			  self->path, sizeof(self->path));
	if (ret == -ENXIO)
		SKIP(return, "no edu device");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, vfio_util_modprobe(VFIO_UTIL_ARCH_IOMMU_MODULE));
	self->container = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, self->container);
	self->group = open(self->path, O_RDWR);
	ASSERT_LE(0, self->group);
}

FIXTURE_TEARDOWN(group)
{
	if (self->group >= 0)
		close(self->group);
	if (self->container >= 0)
		close(self->container);
}

/* Attach the group and select the architecture's v2 backend. */
static int attach(struct _test_data_group *self)
{
	if (ioctl(self->group, VFIO_GROUP_SET_CONTAINER, &self->container))
		return -errno;
	if (ioctl(self->container, VFIO_SET_IOMMU, VFIO_UTIL_ARCH_IOMMU))
		return -errno;
	return 0;
}

TEST_F(group, node_is_for_root_only)
{
	struct stat st;

	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0, st.st_mode & 0077);
}

TEST_F(group, fresh_group_is_viable_without_container)
{
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_flags(self->group));
}

TEST_F(group, status_argsz_too_small_is_einval)
{
	struct vfio_group_status status = { .argsz = 4 };

	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_GET_STATUS, &status));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(group, second_open_is_ebusy)
{
	EXPECT_EQ(-1, open(self->path, O_RDWR));
	EXPECT_EQ(EBUSY, errno);
}

TEST_F(group, reopen_after_close_works)
{
	close(self->group);
	self->group = open(self->path, O_RDWR);
	EXPECT_LE(0, self->group);
}

TEST_F(group, set_container_bad_fd_is_ebadf)
{
	int fd = 1000;

	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER, &fd));
	EXPECT_EQ(EBADF, errno);
	fd = -1;
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER, &fd));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(group, set_container_bad_pointer_is_efault)
{
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(group, set_container_with_other_file_is_ebadfd)
{
	int fd = open("/dev/null", O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER, &fd));
	EXPECT_EQ(EBADFD, errno);
	/* A group file is not a container either. */
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			    &self->group));
	EXPECT_EQ(EBADFD, errno);
	close(fd);
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_flags(self->group));
}

TEST_F(group, set_container_twice_is_einval)
{
	int other = open("/dev/vfio/vfio", O_RDWR);

	ASSERT_LE(0, other);
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container));
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  group_flags(self->group));
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			    &self->container));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER, &other));
	EXPECT_EQ(EINVAL, errno);
	close(other);
}

TEST_F(group, unset_without_container_is_einval)
{
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(group, unset_returns_to_viable)
{
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container));
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_flags(self->group));
	/* The container lost its only group: no backend may be chosen. */
	EXPECT_EQ(-1, ioctl(self->container, VFIO_SET_IOMMU,
			    VFIO_UTIL_ARCH_IOMMU));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(group, unset_releases_the_backend)
{
	/* The sPAPR GET_INFO has the same number and a smaller minimum. */
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, attach(self));
	ASSERT_EQ(0, ioctl(self->container, VFIO_IOMMU_GET_INFO, &info));
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(-1, ioctl(self->container, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	/* And the container can start over. */
	EXPECT_EQ(0, attach(self));
}

TEST_F(group, set_iommu_twice_is_einval)
{
	ASSERT_EQ(0, attach(self));
	EXPECT_EQ(-1, ioctl(self->container, VFIO_SET_IOMMU,
			    VFIO_UTIL_ARCH_IOMMU));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(group, set_iommu_unknown_type_is_enodev)
{
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container));
	EXPECT_EQ(-1, ioctl(self->container, VFIO_SET_IOMMU, 12345));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_UTIL_ARCH_IOMMU_V1));
}

TEST_F(group, backend_answers_extensions_once_chosen)
{
	ASSERT_EQ(0, attach(self));
	EXPECT_EQ(1, ioctl(self->container, VFIO_CHECK_EXTENSION,
			   VFIO_UTIL_ARCH_IOMMU));
	EXPECT_EQ(0, ioctl(self->container, VFIO_CHECK_EXTENSION,
			   VFIO_NOIOMMU_IOMMU));
}

TEST_F(group, device_fd_before_container_is_einval)
{
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->bdf));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(group, device_fd_before_set_iommu_is_einval)
{
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container));
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->bdf));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(group, device_fd_unknown_name_is_enodev)
{
	ASSERT_EQ(0, attach(self));
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD,
			    "0000:ff:1f.7"));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, ""));
	EXPECT_EQ(ENODEV, errno);
}

TEST_F(group, device_fd_bad_pointer_is_efault)
{
	ASSERT_EQ(0, attach(self));
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(group, device_fd_is_cloexec_and_rdwr)
{
	int dev;

	ASSERT_EQ(0, attach(self));
	dev = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->bdf);
	ASSERT_LE(0, dev);
	EXPECT_EQ(FD_CLOEXEC, fcntl(dev, F_GETFD));
	EXPECT_EQ(O_RDWR, fcntl(dev, F_GETFL) & O_ACCMODE);
	close(dev);
}

TEST_F(group, device_may_be_opened_twice)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int a, b;

	ASSERT_EQ(0, attach(self));
	a = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->bdf);
	ASSERT_LE(0, a);
	b = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->bdf);
	ASSERT_LE(0, b);
	close(a);
	EXPECT_EQ(0, ioctl(b, VFIO_DEVICE_GET_INFO, &info));
	close(b);
}

TEST_F(group, unset_with_open_device_is_ebusy)
{
	int dev;

	ASSERT_EQ(0, attach(self));
	dev = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->bdf);
	ASSERT_LE(0, dev);
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(EBUSY, errno);
	close(dev);
	EXPECT_EQ(0, ioctl(self->group, VFIO_GROUP_UNSET_CONTAINER));
}

/* A device file keeps the group (and its container) in use. */
TEST_F(group, device_outlives_group_and_container_files)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int dev;

	ASSERT_EQ(0, attach(self));
	dev = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->bdf);
	ASSERT_LE(0, dev);
	close(self->group);
	close(self->container);
	self->group = -1;
	self->container = -1;

	EXPECT_EQ(0, ioctl(dev, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PCI);
	/* The group is still owned through the device file. */
	EXPECT_EQ(-1, open(self->path, O_RDWR));
	EXPECT_EQ(EBUSY, errno);

	close(dev);
	self->group = open(self->path, O_RDWR);
	ASSERT_LE(0, self->group);
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_flags(self->group));
}

TEST_F(group, closing_group_detaches_it)
{
	ASSERT_EQ(0, attach(self));
	close(self->group);
	self->group = open(self->path, O_RDWR);
	ASSERT_LE(0, self->group);
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_flags(self->group));
	EXPECT_EQ(0, attach(self));
}

TEST_F(group, unknown_ioctl_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->group, _IO(VFIO_TYPE, VFIO_BASE + 70)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(group, unprivileged_user_cannot_open)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		close(self->group);
		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (open(self->path, O_RDWR) >= 0)
			_exit(3);
		_exit(errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Two groups share one container and its backend. */
TEST_F(group, two_groups_share_a_container)
{
	char bdf2[32], path2[64];
	int group2, dev, other, ret;

	ret = take_device(NVME_VENDOR, NVME_DEVICE, bdf2, sizeof(bdf2), path2,
			  sizeof(path2));
	if (ret == -ENXIO)
		SKIP(return, "no NVMe device for a second group");
	ASSERT_EQ(0, ret);
	group2 = open(path2, O_RDWR);
	ASSERT_LE(0, group2);

	ASSERT_EQ(0, attach(self));
	/* Joining a container whose backend is chosen attaches at once. */
	ASSERT_EQ(0, ioctl(group2, VFIO_GROUP_SET_CONTAINER,
			   &self->container));
	dev = ioctl(group2, VFIO_GROUP_GET_DEVICE_FD, bdf2);
	EXPECT_LE(0, dev);

	/* The first group may leave; the backend stays for the second. */
	EXPECT_EQ(0, ioctl(self->group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(1, ioctl(self->container, VFIO_CHECK_EXTENSION,
			   VFIO_UTIL_ARCH_IOMMU));

	other = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, other);
	EXPECT_EQ(-1, ioctl(group2, VFIO_GROUP_SET_CONTAINER, &other));
	EXPECT_EQ(EINVAL, errno);
	close(other);

	if (dev >= 0)
		close(dev);
	close(group2);
}

TEST_HARNESS_MAIN
