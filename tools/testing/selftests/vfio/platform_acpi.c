// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform on a device described by ACPI, reset through its _RST.
 *
 * Runs in the arm64 guest booted with UEFI and ACPI (profile arm64-acpi),
 * whose initrd adds the SSDT of tools/testing/vm/acpi/vfio-rst.asl: a
 * device VFIO0001 whose one memory resource is the PL031 RTC's register
 * page and whose _RST clears the RTC's match register.  Such a device is
 * named by its ACPI hardware ID, needs no reset module (the firmware's
 * method is the reset), and so is accepted with reset_required=1.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define NOIOMMU_PARAM "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define RESET_PARAM "/sys/module/vfio_platform/parameters/reset_required"
#define DEV		"VFIO0001:00"
#define RTC_MR		0x04
#define RTC_PERIPH_ID0	0xfe0

static uint32_t rd(struct vfio_util_dev *d, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	vfio_util_region_read(d, 0, off, &v, 4);
	return v;
}

FIXTURE(acpi) {
	char old_param[8];
	struct vfio_util_dev d;
};

FIXTURE_SETUP(acpi)
{
	char path[PATH_MAX], param[8] = "";

	vfio_util_dev_init(&self->d);
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s", DEV);
	ASSERT_EQ(0, access(path, F_OK)) TH_LOG("no %s: booted with ACPI?", DEV);
	ASSERT_EQ(0, vfio_util_modprobe("vfio"));
	ASSERT_LT(0, vfio_util_read_file(NOIOMMU_PARAM, self->old_param,
					 sizeof(self->old_param)));
	ASSERT_EQ(0, vfio_util_write_file(NOIOMMU_PARAM, "Y"));
	ASSERT_EQ(0, vfio_util_modprobe("vfio-platform"));
	/* The default, which a device without any reset would fail. */
	ASSERT_LT(0, vfio_util_read_file(RESET_PARAM, param, sizeof(param)));
	ASSERT_STREQ("Y\n", param);
	ASSERT_EQ(0, vfio_util_bind_on("platform", DEV, "vfio-platform"));
	ASSERT_EQ(0, vfio_util_open_on(&self->d, "platform", DEV,
				       VFIO_NOIOMMU_IOMMU));
}

FIXTURE_TEARDOWN(acpi)
{
	vfio_util_close(&self->d);
	vfio_util_bind_on("platform", DEV, "");
	if (self->old_param[0])
		vfio_util_write_file(NOIOMMU_PARAM,
				     self->old_param[0] == 'Y' ? "Y" : "N");
}

TEST_F(acpi, device_info_offers_the_firmware_reset)
{
	EXPECT_EQ(VFIO_DEVICE_FLAGS_PLATFORM | VFIO_DEVICE_FLAGS_RESET,
		  self->d.info.flags);
	EXPECT_EQ(1, self->d.info.num_regions);
	/* The SSDT gives the device no interrupt. */
	EXPECT_EQ(0, self->d.info.num_irqs);
}

TEST_F(acpi, region_is_the_crs_memory)
{
	struct vfio_region_info info;
	volatile uint32_t *regs;

	ASSERT_EQ(0, vfio_util_region_info(&self->d, 0, &info));
	EXPECT_EQ(0x1000, info.size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		  VFIO_REGION_INFO_FLAG_MMAP, info.flags);
	/* It is the PL031's page: its peripheral ID's low byte. */
	EXPECT_EQ(0x31, rd(&self->d, RTC_PERIPH_ID0) & 0xff);
	regs = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->d.device, 0);
	ASSERT_NE(MAP_FAILED, regs);
	EXPECT_EQ(0x31, regs[RTC_PERIPH_ID0 / 4] & 0xff);
	munmap((void *)regs, 4096);
}

TEST_F(acpi, reset_runs_the_rst_method)
{
	uint32_t v = 0x5a5a;

	ASSERT_EQ(4, vfio_util_region_write(&self->d, 0, RTC_MR, &v, 4));
	ASSERT_EQ(0x5a5a, rd(&self->d, RTC_MR));
	ASSERT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_RESET));
	EXPECT_EQ(0, rd(&self->d, RTC_MR));
}

/* Opening resets too: a value left by the last user is gone. */
TEST_F(acpi, open_resets)
{
	uint32_t v = 0x77;

	ASSERT_EQ(4, vfio_util_region_write(&self->d, 0, RTC_MR, &v, 4));
	vfio_util_close(&self->d);
	ASSERT_EQ(0, vfio_util_open_on(&self->d, "platform", DEV,
				       VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(0, rd(&self->d, RTC_MR));
}

TEST_HARNESS_MAIN
