// SPDX-License-Identifier: GPL-2.0
/*
 * Viability: a group is usable only if no host driver drives any of its
 * devices, and while userspace owns it no host driver may bind.  Needs an
 * IOMMU group with two endpoints, such as two functions behind a
 * conventional PCI bridge (QEMU: -device pci-bridge,id=br,chassis_nr=1
 * -device edu,bus=br,addr=1 -device e1000,bus=br,addr=2,romfile=).
 *
 * The device cdev claims DMA ownership per device at
 * VFIO_DEVICE_BIND_IOMMUFD (iommu_device_claim_dma_owner(), the iommufd
 * context as owner): refused (EPERM) while a host driver drives another
 * device of the group or another context owns it, and while it holds the
 * claim no host driver can probe in the group (EBUSY from the driver
 * core's iommu_device_use_default_domain()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/iommufd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define PCI_HEADER_TYPE_NORMAL	0

/* An endpoint (header type 0) PCI function. */
static int is_endpoint(const char *bdf)
{
	char path[PATH_MAX], cfg[0x10];
	int fd, n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	return n == sizeof(cfg) && (cfg[0x0e] & 0x7f) == PCI_HEADER_TYPE_NORMAL;
}

static int is_host_driven(const char *bdf)
{
	const char *drv = vfio_util_current_driver(bdf);

	return drv[0] && strcmp(drv, "vfio-pci");
}

/*
 * Find an IOMMU group with two endpoints; @victim gets one that a host
 * driver drives (or can drive), @user the other.
 */
static int find_shared_group(char *user, char *victim, size_t size)
{
	struct dirent **groups;
	int i, n, found = -1;

	n = scandir("/sys/kernel/iommu_groups", &groups, NULL, alphasort);
	for (i = 0; i < n; i++) {
		char path[PATH_MAX], names[2][256];
		struct dirent *e;
		int count = 0;
		DIR *dir;

		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices",
			 groups[i]->d_name);
		dir = opendir(path);
		while (dir && (e = readdir(dir))) {
			if (e->d_name[0] == '.' || !is_endpoint(e->d_name))
				continue;
			if (count < 2)
				snprintf(names[count], sizeof(names[0]), "%s",
					 e->d_name);
			count++;
		}
		if (dir)
			closedir(dir);
		if (found < 0 && count == 2) {
			/* The victim is the one a host driver drives. */
			int v = is_host_driven(names[0]) ? 0 : 1;

			snprintf(victim, size, "%.255s", names[v]);
			snprintf(user, size, "%.255s", names[!v]);
			found = atoi(groups[i]->d_name);
		}
		free(groups[i]);
	}
	if (n >= 0)
		free(groups);
	return found;
}

FIXTURE(viability) {
	char user[256];
	char victim[256];
	char host_driver[64];
	int group_id;
	char path[64];
};

FIXTURE_SETUP(viability)
{
	self->group_id = find_shared_group(self->user, self->victim,
					   sizeof(self->user));
	if (self->group_id < 0)
		SKIP(return, "no IOMMU group with two endpoints");
	snprintf(self->host_driver, sizeof(self->host_driver), "%s",
		 vfio_util_current_driver(self->victim));
	if (!self->host_driver[0] || !strcmp(self->host_driver, "vfio-pci"))
		SKIP(return, "%s has no host driver", self->victim);
	ASSERT_EQ(0, vfio_util_bind(self->user, "vfio-pci"));
	snprintf(self->path, sizeof(self->path), "/dev/vfio/%d",
		 self->group_id);
	vfio_util_modprobe("vfio_iommu_type1");
}

FIXTURE_TEARDOWN(viability)
{
	if (self->host_driver[0])
		vfio_util_bind(self->victim, self->host_driver);
}

static int status_flags(int group)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	return ioctl(group, VFIO_GROUP_GET_STATUS, &status) ? -errno :
							     (int)status.flags;
}

TEST_F(viability, host_driver_in_group_makes_it_not_viable)
{
	int group, container;

	group = open(self->path, O_RDWR);
	ASSERT_LE(0, group);
	EXPECT_EQ(0, status_flags(group));

	container = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, container);
	EXPECT_EQ(-1, ioctl(group, VFIO_GROUP_SET_CONTAINER, &container));
	EXPECT_EQ(EPERM, errno);
	close(container);
	close(group);
}

TEST_F(viability, group_is_viable_once_every_device_is_released)
{
	int group, container;

	ASSERT_EQ(0, vfio_util_bind(self->victim, ""));
	group = open(self->path, O_RDWR);
	ASSERT_LE(0, group);
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, status_flags(group));

	container = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, container);
	EXPECT_EQ(0, ioctl(group, VFIO_GROUP_SET_CONTAINER, &container));

	/* While userspace owns the group, the host driver cannot bind. */
	/* The PCI core's DMA ownership check refuses the probe. */
	EXPECT_EQ(-EBUSY, vfio_util_bind(self->victim, self->host_driver));
	EXPECT_STREQ("", vfio_util_current_driver(self->victim));

	/* Once released, it can again. */
	EXPECT_EQ(0, ioctl(group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(0, vfio_util_bind(self->victim, self->host_driver));
	EXPECT_EQ(0, status_flags(group));
	close(container);
	close(group);
}

TEST_F(viability, both_devices_with_vfio_pci_are_usable)
{
	struct vfio_util_dev d;

	ASSERT_EQ(0, vfio_util_bind(self->victim, "vfio-pci"));
	ASSERT_EQ(0, vfio_util_open(&d, self->user, VFIO_TYPE1v2_IOMMU));
	EXPECT_LE(0, d.device);
	vfio_util_close(&d);
}

/* The user device's cdev, opened; the test fails without one. */
static int open_cdev(struct __test_metadata *_metadata, const char *bdf)
{
	char path[PATH_MAX];
	int fd;

	EXPECT_EQ(0, vfio_util_cdev_path(bdf, path, sizeof(path)));
	fd = open(path, O_RDWR);
	EXPECT_LE(0, fd);
	return fd;
}

static int cdev_bind(int dev, int iommufd)
{
	uint32_t devid;
	int ret = vfio_util_cdev_bind(dev, iommufd, &devid);

	return ret < 0 ? ret : 0;
}

TEST_F(viability, cdev_bind_refused_while_a_host_driver_drives_the_group)
{
	int dev, iommufd;

	/* Opening needs no ownership; binding claims it. */
	dev = open_cdev(_metadata, self->user);
	ASSERT_LE(0, dev);
	iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, iommufd);
	EXPECT_EQ(-EPERM, cdev_bind(dev, iommufd));

	/* Once the host driver is gone, the same file binds. */
	ASSERT_EQ(0, vfio_util_bind(self->victim, ""));
	EXPECT_EQ(0, cdev_bind(dev, iommufd));
	close(dev);
	close(iommufd);
}

TEST_F(viability, cdev_bound_device_keeps_host_drivers_off_its_group)
{
	int dev, dev2, iommufd, other;

	ASSERT_EQ(0, vfio_util_bind(self->victim, ""));
	dev = open_cdev(_metadata, self->user);
	ASSERT_LE(0, dev);
	iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, iommufd);
	ASSERT_EQ(0, cdev_bind(dev, iommufd));

	/* The driver core cannot give the sibling to its host driver. */
	EXPECT_EQ(-EBUSY, vfio_util_bind(self->victim, self->host_driver));
	EXPECT_STREQ("", vfio_util_current_driver(self->victim));

	/*
	 * The sibling on vfio-pci (which manages DMA itself) binds through
	 * its cdev to the same context, not to another one.
	 */
	ASSERT_EQ(0, vfio_util_bind(self->victim, "vfio-pci"));
	dev2 = open_cdev(_metadata, self->victim);
	ASSERT_LE(0, dev2);
	other = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, other);
	EXPECT_EQ(-EPERM, cdev_bind(dev2, other));
	EXPECT_EQ(0, cdev_bind(dev2, iommufd));
	close(dev2);
	close(other);

	/* Both claims end with the files: the host driver binds again. */
	close(dev);
	close(iommufd);
	EXPECT_EQ(0, vfio_util_bind(self->victim, self->host_driver));
	EXPECT_STREQ(self->host_driver, vfio_util_current_driver(self->victim));
}

TEST_HARNESS_MAIN
