// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test of the harness and the container: the VFIO modules load and
 * /dev/vfio/vfio answers the two ioctls every user calls first.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

TEST(container_node_is_misc_196)
{
	struct stat st;

	ASSERT_EQ(0, vfio_util_modprobe("vfio"));
	ASSERT_EQ(0, stat("/dev/vfio/vfio", &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(10, major(st.st_rdev));
	EXPECT_EQ(196, minor(st.st_rdev));
}

TEST(api_version_is_zero)
{
	int fd = open("/dev/vfio/vfio", O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(VFIO_API_VERSION, ioctl(fd, VFIO_GET_API_VERSION));
	EXPECT_EQ(0, VFIO_API_VERSION);
	close(fd);
}

/* Without a backend there is nobody to forward an unknown ioctl to. */
TEST(unknown_ioctl_without_backend_is_einval)
{
	int fd = open("/dev/vfio/vfio", O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, VFIO_IOMMU_GET_INFO, NULL));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/*
 * Which IOMMU backends a container offers is a property of the
 * architecture: type1 where the platform IOMMU is an IOMMU API domain
 * (x86 VT-d, Arm SMMU), the sPAPR TCE backends on POWER, never both.
 */
TEST(check_extension_matches_architecture)
{
	int fd = open("/dev/vfio/vfio", O_RDWR);
	int type1 = VFIO_UTIL_ARCH_HAS_TYPE1;
	int spapr = VFIO_UTIL_ARCH_HAS_SPAPR;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vfio_util_modprobe(VFIO_UTIL_ARCH_IOMMU_MODULE));
	EXPECT_EQ(type1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(type1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(type1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL));
	EXPECT_EQ(spapr, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU));
	EXPECT_EQ(spapr, ioctl(fd, VFIO_CHECK_EXTENSION,
			       VFIO_SPAPR_TCE_v2_IOMMU));
#if !defined(__powerpc64__)
	/* EEH is POWER's; there it follows the platform (spapr_tce). */
	EXPECT_EQ(0, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_EEH));
#endif
	/* An extension number nobody defines. */
	EXPECT_EQ(0, ioctl(fd, VFIO_CHECK_EXTENSION, 0x7fff));
	close(fd);
}

TEST_HARNESS_MAIN
