// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform on a device of the platform bus: one of the empty
 * virtio-mmio transports of QEMU's virt machine (compatible "virtio,mmio",
 * a 512-byte register block, an edge interrupt, no host driver built).
 *
 * No reset module knows such a device, so vfio-platform refuses it unless
 * loaded with reset_required=0; the fixture reloads it that way.  Like all
 * platform devices on virt it has no IOMMU: noiommu mode.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define NOIOMMU_PARAM "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define RESET_PARAM "/sys/module/vfio_platform/parameters/reset_required"
#define PLATFORM_DEVICES "/sys/bus/platform/devices"
#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */

/* The last virtio-mmio transport: none of them has a backend on virt. */
static const char *find_virtio_mmio(void)
{
	static char name[64];
	FILE *ls;

	name[0] = '\0';
	ls = popen("ls " PLATFORM_DEVICES " | grep 'virtio_mmio$' | tail -n1",
		   "r");
	if (!ls)
		return NULL;
	if (fscanf(ls, "%63s", name) != 1)
		name[0] = '\0';
	pclose(ls);
	return name[0] ? name : NULL;
}

/* Point (or with -1, stop pointing) @action of IRQ 0 at an eventfd. */
static int set_efd(struct vfio_util_dev *d, uint32_t action, int fd)
{
	return vfio_util_set_irq_fd(d, 0, VFIO_IRQ_SET_DATA_EVENTFD | action,
				    fd);
}

/* (Re)load vfio-platform with reset_required=@required. */
static int load_vfio_platform(int required)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd),
		 "rmmod vfio_platform 2>/dev/null; modprobe vfio-platform reset_required=%d",
		 required);
	return system(cmd);
}

static char old_noiommu[8];

static void noiommu_on(void)
{
	vfio_util_modprobe("vfio");
	if (!old_noiommu[0])
		vfio_util_read_file(NOIOMMU_PARAM, old_noiommu,
				    sizeof(old_noiommu));
	vfio_util_write_file(NOIOMMU_PARAM, "Y");
}

static void noiommu_restore(void)
{
	if (old_noiommu[0])
		vfio_util_write_file(NOIOMMU_PARAM,
				     old_noiommu[0] == 'Y' ? "Y" : "N");
}

/* 6.12's default: a device without a reset function is refused. */
TEST(reset_required_refuses_an_unresettable_device)
{
	const char *name = find_virtio_mmio();
	char param[8] = "";

	ASSERT_NE(NULL, name);
	noiommu_on();
	ASSERT_EQ(0, vfio_util_bind_on("platform", name, ""));
	ASSERT_EQ(0, load_vfio_platform(1));
	ASSERT_LT(0, vfio_util_read_file(RESET_PARAM, param, sizeof(param)));
	EXPECT_STREQ("Y\n", param);
	EXPECT_EQ(-ENOENT, vfio_util_bind_on("platform", name,
					     "vfio-platform"));
	EXPECT_STREQ("", vfio_util_driver_on("platform", name));
	vfio_util_bind_on("platform", name, "");
	noiommu_restore();
}

FIXTURE(vmmio) {
	char name[64];
	struct vfio_util_dev d;
	int efd;
};

FIXTURE_SETUP(vmmio)
{
	const char *name = find_virtio_mmio();

	vfio_util_dev_init(&self->d);
	self->efd = -1;
	ASSERT_NE(NULL, name);
	snprintf(self->name, sizeof(self->name), "%s", name);
	noiommu_on();
	ASSERT_EQ(0, vfio_util_bind_on("platform", name, ""));
	ASSERT_EQ(0, load_vfio_platform(0));
	ASSERT_EQ(0, vfio_util_bind_on("platform", name, "vfio-platform"));
	ASSERT_EQ(0, vfio_util_open_on(&self->d, "platform", name,
				       VFIO_NOIOMMU_IOMMU));
	self->efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(vmmio)
{
	vfio_util_close(&self->d);
	if (self->efd >= 0)
		close(self->efd);
	if (self->name[0])
		vfio_util_bind_on("platform", self->name, "");
	noiommu_restore();
}

TEST_F(vmmio, device_info_says_platform_without_reset)
{
	EXPECT_EQ(VFIO_DEVICE_FLAGS_PLATFORM, self->d.info.flags);
	EXPECT_EQ(1, self->d.info.num_regions);
	EXPECT_EQ(1, self->d.info.num_irqs);
	EXPECT_EQ(-1, ioctl(self->d.device, VFIO_DEVICE_RESET));
	EXPECT_EQ(EINVAL, errno);
}

/* 512 bytes: readable and writable, but not a whole page to map. */
TEST_F(vmmio, small_region_is_not_mappable)
{
	struct vfio_region_info info;
	void *p;

	ASSERT_EQ(0, vfio_util_region_info(&self->d, 0, &info));
	EXPECT_EQ(0x200, info.size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		  info.flags);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->d.device, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(vmmio, read_gives_the_virtio_magic)
{
	uint32_t magic = 0;

	ASSERT_EQ(4, vfio_util_region_read(&self->d, 0, 0, &magic, 4));
	EXPECT_EQ(VIRTIO_MMIO_MAGIC, magic);
	EXPECT_EQ(-EINVAL, vfio_util_region_read(&self->d, 0, 0x200, &magic,
						 4));
}

/* Edge: neither maskable nor automasked; every trigger is delivered. */
TEST_F(vmmio, edge_irq_is_delivered_every_time)
{
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = 0 };
	struct vfio_util_dev *d = &self->d;

	ASSERT_EQ(0, ioctl(d->device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD, irq.flags);
	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_TRIGGER, self->efd));
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(2, vfio_util_eventfd_wait(self->efd, 1000));
	EXPECT_EQ(-EINVAL, vfio_util_irq_action(d, 0, 0, 1,
						VFIO_IRQ_SET_ACTION_MASK));
	EXPECT_EQ(-EINVAL, vfio_util_irq_action(d, 0, 0, 1,
						VFIO_IRQ_SET_ACTION_UNMASK));
	EXPECT_EQ(-EINVAL, set_efd(d, VFIO_IRQ_SET_ACTION_UNMASK, self->efd));
	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_TRIGGER, -1));
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd, 200));
}

/* Close and open again: the interrupt and mapping setup is undone and redone. */
TEST_F(vmmio, reopen_after_close_works)
{
	vfio_util_close(&self->d);
	ASSERT_EQ(0, vfio_util_open_on(&self->d, "platform", self->name,
				       VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(VFIO_DEVICE_FLAGS_PLATFORM, self->d.info.flags);
}

TEST_HARNESS_MAIN
