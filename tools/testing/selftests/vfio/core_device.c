// SPDX-License-Identifier: GPL-2.0
/*
 * What the core itself does on a device file: VFIO_DEVICE_FEATURE
 * argument checks and the migration features of a device that cannot
 * migrate, file properties, and the sysfs node of the device.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

FIXTURE(device) {
	struct vfio_util_dev d;
};

FIXTURE_SETUP(device)
{
	const char *bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);

	vfio_util_dev_init(&self->d);
	if (!bdf)
		SKIP(return, "no edu device");
	vfio_util_modprobe("vfio_iommu_type1");
	ASSERT_EQ(0, vfio_util_open(&self->d, bdf, VFIO_TYPE1v2_IOMMU));
}

FIXTURE_TEARDOWN(device)
{
	vfio_util_close(&self->d);
}

/* A feature request: the header and room for a payload. */
struct feature_buf {
	struct vfio_device_feature hdr;
	__u64 payload[4];
};

static int feature(int fd, __u32 argsz, __u32 flags)
{
	struct feature_buf buf = {
		.hdr = { .argsz = argsz, .flags = flags },
	};

	return ioctl(fd, VFIO_DEVICE_FEATURE, &buf) ? errno : 0;
}

TEST_F(device, feature_argsz_below_header_is_einval)
{
	EXPECT_EQ(EINVAL, feature(self->d.device, 4,
				  VFIO_DEVICE_FEATURE_PROBE |
				  VFIO_DEVICE_FEATURE_GET |
				  VFIO_DEVICE_FEATURE_MIGRATION));
}

TEST_F(device, feature_unknown_flag_is_einval)
{
	EXPECT_EQ(EINVAL, feature(self->d.device, sizeof(struct feature_buf),
				  VFIO_DEVICE_FEATURE_GET | (1u << 20) |
				  VFIO_DEVICE_FEATURE_MIGRATION));
}

TEST_F(device, feature_get_and_set_need_probe)
{
	EXPECT_EQ(EINVAL, feature(self->d.device, sizeof(struct feature_buf),
				  VFIO_DEVICE_FEATURE_GET |
				  VFIO_DEVICE_FEATURE_SET | 0x7fff));
}

TEST_F(device, unknown_feature_is_enotty)
{
	EXPECT_EQ(ENOTTY, feature(self->d.device, sizeof(struct feature_buf),
				  VFIO_DEVICE_FEATURE_PROBE |
				  VFIO_DEVICE_FEATURE_GET | 0x7fff));
}

/* The edu device has no migration driver. */
TEST_F(device, migration_features_are_enotty)
{
	__u32 ids[] = {
		VFIO_DEVICE_FEATURE_MIGRATION,
		VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
		VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
		VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP,
		VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		EXPECT_EQ(ENOTTY,
			  feature(self->d.device, sizeof(struct feature_buf),
				  VFIO_DEVICE_FEATURE_PROBE |
				  VFIO_DEVICE_FEATURE_GET |
				  VFIO_DEVICE_FEATURE_SET | ids[i]));
		EXPECT_EQ(ENOTTY,
			  feature(self->d.device, sizeof(struct feature_buf),
				  VFIO_DEVICE_FEATURE_GET | ids[i]));
	}
}

TEST_F(device, device_file_is_anonymous_vfio_device)
{
	char link[PATH_MAX], path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->d.device);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = '\0';
	EXPECT_STREQ("anon_inode:[vfio-device]", link);
}

TEST_F(device, device_has_vfio_dev_node_in_sysfs)
{
	char path[PATH_MAX];
	struct dirent *e;
	int found = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev",
		 self->d.bdf);
	dir = opendir(path);
	ASSERT_NE(NULL, dir);
	while ((e = readdir(dir)))
		found += !strncmp(e->d_name, "vfio", 4);
	closedir(dir);
	EXPECT_EQ(1, found);
}

TEST_F(device, group_node_is_in_vfio_class)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/vfio/%d", self->d.group_id);
	EXPECT_EQ(0, stat(path, &st));
}

/* pread/pwrite work (the core sets FMODE_PREAD/PWRITE). */
TEST_F(device, pread_reaches_the_driver)
{
	__u16 vendor = 0;

	ASSERT_EQ(2, vfio_util_region_read(&self->d,
					   VFIO_PCI_CONFIG_REGION_INDEX, 0,
					   &vendor, 2));
	EXPECT_EQ(EDU_VENDOR, vendor);
}

TEST_HARNESS_MAIN
