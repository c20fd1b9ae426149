// SPDX-License-Identifier: GPL-2.0
/*
 * The container file /dev/vfio/vfio on its own: what it answers before
 * any group is attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define NOIOMMU_PARAM "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"

FIXTURE(container) {
	int fd;
};

FIXTURE_SETUP(container)
{
	vfio_util_modprobe("vfio");
	vfio_util_modprobe(VFIO_UTIL_ARCH_IOMMU_MODULE);
	self->fd = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(container)
{
	close(self->fd);
}

TEST_F(container, node_is_world_accessible_misc_device)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/vfio/vfio", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(10, major(st.st_rdev));
	EXPECT_EQ(196, minor(st.st_rdev));
	EXPECT_EQ(0666, st.st_mode & 0777);
}

TEST_F(container, api_version_is_zero)
{
	EXPECT_EQ(0, ioctl(self->fd, VFIO_GET_API_VERSION));
}

TEST_F(container, type1_extensions_are_announced)
{
	EXPECT_EQ(VFIO_UTIL_ARCH_HAS_TYPE1,
		  ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(VFIO_UTIL_ARCH_HAS_TYPE1,
		  ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
}

/* POWER's backends, which only POWER has. */
TEST_F(container, spapr_extensions_are_announced)
{
	EXPECT_EQ(VFIO_UTIL_ARCH_HAS_SPAPR,
		  ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU));
	EXPECT_EQ(VFIO_UTIL_ARCH_HAS_SPAPR,
		  ioctl(self->fd, VFIO_CHECK_EXTENSION,
			VFIO_SPAPR_TCE_v2_IOMMU));
}

TEST_F(container, unknown_extension_is_zero)
{
	EXPECT_EQ(0, ioctl(self->fd, VFIO_CHECK_EXTENSION, 12345));
}

TEST_F(container, set_iommu_without_group_is_einval)
{
	EXPECT_EQ(-1, ioctl(self->fd, VFIO_SET_IOMMU, VFIO_UTIL_ARCH_IOMMU));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VFIO_SET_IOMMU, 12345));
	EXPECT_EQ(EINVAL, errno);
}

/* Without a backend, ioctls it would serve have nobody to go to. */
TEST_F(container, backend_ioctl_without_backend_is_einval)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	EXPECT_EQ(-1, ioctl(self->fd, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(VFIO_TYPE, VFIO_BASE + 60)));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(container, every_open_is_a_new_container)
{
	int other = open("/dev/vfio/vfio", O_RDWR);

	ASSERT_LE(0, other);
	EXPECT_EQ(0, ioctl(other, VFIO_GET_API_VERSION));
	close(other);
}

/* The noiommu extension follows the module parameter. */
TEST_F(container, noiommu_extension_follows_parameter)
{
	char old[8] = "";
	int other;

	if (vfio_util_read_file(NOIOMMU_PARAM, old, sizeof(old)) < 0)
		SKIP(return, "no noiommu support (CONFIG_VFIO_NOIOMMU=n)");

	ASSERT_EQ(0, vfio_util_write_file(NOIOMMU_PARAM, "N"));
	EXPECT_EQ(0, ioctl(self->fd, VFIO_CHECK_EXTENSION,
			   VFIO_NOIOMMU_IOMMU));

	ASSERT_EQ(0, vfio_util_write_file(NOIOMMU_PARAM, "Y"));
	other = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, other);
	EXPECT_EQ(1, ioctl(other, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU));
	/* An empty container may still pick any backend. */
	EXPECT_EQ(VFIO_UTIL_ARCH_HAS_TYPE1,
		  ioctl(other, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(VFIO_UTIL_ARCH_HAS_SPAPR,
		  ioctl(other, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU));
	close(other);

	vfio_util_write_file(NOIOMMU_PARAM, old[0] == 'Y' ? "Y" : "N");
}

TEST_F(container, unprivileged_user_may_open_it)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open("/dev/vfio/vfio", O_RDWR);
		_exit(fd >= 0 && ioctl(fd, VFIO_GET_API_VERSION) == 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
