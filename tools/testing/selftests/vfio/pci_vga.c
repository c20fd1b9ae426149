// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-pci's legacy VGA region (VFIO_PCI_VGA_REGION_INDEX) on QEMU's
 * standard VGA (-device VGA, the pci-extra VM profile).
 *
 * The region covers the legacy addresses 0 to 0xbffff, of which only the
 * VGA ranges are accessible: memory 0xa0000-0xbffff and the I/O ports
 * 0x3b0-0x3bb and 0x3c0-0x3df.  Everything here is checked against the
 * device's behaviour (QEMU hw/display/vga.c): the sequencer and graphics
 * controller index registers read back what was written, and with chain-4
 * addressing the memory window at 0xa0000 is plain video RAM.
 * vfio-pci's disable_vga parameter hides the region.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define VGA		VFIO_PCI_VGA_REGION_INDEX
#define VGA_VENDOR	0x1234
#define VGA_DEVICE	0x1111

#define VGA_REGION_SIZE	0xc0000
#define VGA_MEM		0xa0000
#define SEQ_INDEX	0x3c4	/* sequencer */
#define SEQ_DATA	0x3c5
#define GFX_INDEX	0x3ce	/* graphics controller */
#define GFX_DATA	0x3cf
#define SEQ_PLANE_WRITE	0x02
#define SEQ_MEMORY_MODE	0x04
#define  SEQ_CHAIN4	0x08
#define GFX_MISC	0x06
#define  GFX_MAP_A0_64K	0x04	/* memory map mode 1: 0xa0000-0xaffff */

static const char *find_vga(void)
{
	return vfio_util_find_pci(VGA_VENDOR, VGA_DEVICE);
}

static int vga_read(struct vfio_util_dev *d, uint64_t addr, void *buf,
		    size_t len)
{
	return vfio_util_region_read(d, VGA, addr, buf, len);
}

static int vga_write(struct vfio_util_dev *d, uint64_t addr, const void *buf,
		     size_t len)
{
	return vfio_util_region_write(d, VGA, addr, buf, len);
}

static uint8_t port_in(struct vfio_util_dev *d, uint16_t port)
{
	uint8_t v = 0xee;

	if (vga_read(d, port, &v, 1) != 1)
		return 0xee;
	return v;
}

static int port_out(struct vfio_util_dev *d, uint16_t port, uint8_t v)
{
	return vga_write(d, port, &v, 1) == 1 ? 0 : -1;
}

/* Linear, byte addressed video RAM at 0xa0000 (chain-4, all planes). */
static int vga_linear_mode(struct vfio_util_dev *d)
{
	uint8_t misc;

	if (port_out(d, SEQ_INDEX, SEQ_MEMORY_MODE) ||
	    port_out(d, SEQ_DATA, SEQ_CHAIN4 | 0x06) ||
	    port_out(d, SEQ_INDEX, SEQ_PLANE_WRITE) ||
	    port_out(d, SEQ_DATA, 0x0f) ||
	    port_out(d, GFX_INDEX, GFX_MISC))
		return -1;
	misc = port_in(d, GFX_DATA);
	return port_out(d, GFX_DATA, (misc & ~0x0c) | GFX_MAP_A0_64K);
}

FIXTURE(vga) {
	struct vfio_util_dev d;
};

FIXTURE_SETUP(vga)
{
	const char *bdf = find_vga();

	vfio_util_dev_init(&self->d);
	if (!bdf)
		SKIP(return, "no VGA device");
	vfio_util_modprobe("vfio_iommu_type1");
	ASSERT_EQ(0, vfio_util_open(&self->d, bdf, VFIO_TYPE1v2_IOMMU));
}

FIXTURE_TEARDOWN(vga)
{
	vfio_util_close(&self->d);
}

TEST_F(vga, region_info)
{
	struct vfio_region_info info;

	ASSERT_LT(VGA, self->d.info.num_regions);
	ASSERT_EQ(0, vfio_util_region_info(&self->d, VGA, &info));
	EXPECT_EQ(VGA_REGION_SIZE, info.size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		  info.flags);
	EXPECT_EQ((uint64_t)VGA << 40, info.offset);
	EXPECT_EQ(0, info.cap_offset);
}

/* The index registers of the sequencer and graphics controller. */
TEST_F(vga, io_ports_reach_the_device)
{
	uint16_t w;
	uint32_t l;

	ASSERT_EQ(0, port_out(&self->d, SEQ_INDEX, SEQ_PLANE_WRITE));
	EXPECT_EQ(SEQ_PLANE_WRITE, port_in(&self->d, SEQ_INDEX));
	ASSERT_EQ(0, port_out(&self->d, GFX_INDEX, GFX_MISC));
	EXPECT_EQ(GFX_MISC, port_in(&self->d, GFX_INDEX));

	/* 16 bit: index and data in one go, as outw does. */
	w = SEQ_PLANE_WRITE | 0x0f << 8;
	ASSERT_EQ(2, vga_write(&self->d, SEQ_INDEX, &w, 2));
	w = 0;
	ASSERT_EQ(2, vga_read(&self->d, SEQ_INDEX, &w, 2));
	EXPECT_EQ(SEQ_PLANE_WRITE | 0x0f << 8, w);
	w = SEQ_MEMORY_MODE | 0x06 << 8;
	ASSERT_EQ(2, vga_write(&self->d, SEQ_INDEX, &w, 2));
	EXPECT_EQ(0x06, port_in(&self->d, SEQ_DATA));

	/*
	 * A 32 bit access is one inl/outl (QEMU answers those on VGA ports
	 * with all ones and ignores them): the index stays put.
	 */
	ASSERT_EQ(4, vga_read(&self->d, SEQ_INDEX, &l, 4));
	EXPECT_EQ(SEQ_MEMORY_MODE, port_in(&self->d, SEQ_INDEX));
}

/* Video RAM through the legacy memory window, at every access width. */
TEST_F(vga, legacy_memory_reads_back)
{
	uint8_t pattern[64], back[64];
	uint64_t q = 0x0123456789abcdefull, q2 = 0;
	uint32_t l = 0;
	uint16_t w = 0;
	uint8_t b = 0;
	int i;

	ASSERT_EQ(0, vga_linear_mode(&self->d));
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = i * 37 + 11;
	ASSERT_EQ(sizeof(pattern), vga_write(&self->d, VGA_MEM + 0x100,
					     pattern, sizeof(pattern)));
	ASSERT_EQ(sizeof(back), vga_read(&self->d, VGA_MEM + 0x100, back,
					 sizeof(back)));
	EXPECT_EQ(0, memcmp(pattern, back, sizeof(back)));

	ASSERT_EQ(8, vga_write(&self->d, VGA_MEM + 0x200, &q, 8));
	ASSERT_EQ(8, vga_read(&self->d, VGA_MEM + 0x200, &q2, 8));
	EXPECT_EQ(q, q2);
	ASSERT_EQ(4, vga_read(&self->d, VGA_MEM + 0x204, &l, 4));
	EXPECT_EQ((uint32_t)(q >> 32), l);
	ASSERT_EQ(2, vga_read(&self->d, VGA_MEM + 0x202, &w, 2));
	EXPECT_EQ((uint16_t)(q >> 16), w);
	ASSERT_EQ(1, vga_read(&self->d, VGA_MEM + 0x201, &b, 1));
	EXPECT_EQ((uint8_t)(q >> 8), b);

	/* Map mode 1 decodes 64 KiB only: 0xb0000 reads as open bus. */
	ASSERT_EQ(1, vga_read(&self->d, 0xb0000, &b, 1));
	EXPECT_EQ(0xff, b);
}

/* Accesses outside the VGA ranges fail; ones crossing an end are cut. */
TEST_F(vga, access_limits)
{
	uint8_t buf[16];

	EXPECT_EQ(-EINVAL, vga_read(&self->d, 0, buf, 1));
	EXPECT_EQ(-EINVAL, vga_read(&self->d, 0x3af, buf, 1));
	EXPECT_EQ(-EINVAL, vga_read(&self->d, 0x3bc, buf, 1));
	EXPECT_EQ(-EINVAL, vga_read(&self->d, 0x3e0, buf, 1));
	EXPECT_EQ(-EINVAL, vga_read(&self->d, VGA_MEM - 1, buf, 1));
	EXPECT_EQ(-EINVAL, vga_read(&self->d, VGA_REGION_SIZE, buf, 1));
	EXPECT_EQ(-EINVAL, vga_write(&self->d, 0xc0000, buf, 1));

	EXPECT_EQ(2, vga_read(&self->d, 0x3de, buf, 4));
	EXPECT_EQ(4, vga_read(&self->d, 0x3b8, buf, 8));
	EXPECT_EQ(8, vga_read(&self->d, VGA_REGION_SIZE - 8, buf,
			      sizeof(buf)));
}

/* vfio-pci disable_vga=1: no VGA region, the rest of the device works. */
TEST(disable_vga_hides_region)
{
	struct vfio_region_info info;
	struct vfio_util_dev d;
	char bdf[32], val[8] = "";
	uint8_t b;

	if (!find_vga())
		SKIP(return, "no VGA device");
	snprintf(bdf, sizeof(bdf), "%s", find_vga());
	vfio_util_modprobe("vfio_iommu_type1");
	ASSERT_EQ(0, vfio_util_bind(bdf, ""));
	ASSERT_EQ(0, system("rmmod vfio_pci"));
	ASSERT_EQ(0, vfio_util_modprobe("vfio-pci disable_vga=1"));
	vfio_util_read_file("/sys/module/vfio_pci/parameters/disable_vga",
			    val, sizeof(val));
	EXPECT_STREQ("Y\n", val);

	ASSERT_EQ(0, vfio_util_open(&d, bdf, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(VFIO_PCI_NUM_REGIONS, d.info.num_regions);
	EXPECT_EQ(-EINVAL, vfio_util_region_info(&d, VGA, &info));
	EXPECT_EQ(-EINVAL, vga_read(&d, SEQ_INDEX, &b, 1));
	EXPECT_EQ(-EINVAL, vga_read(&d, VGA_MEM, &b, 1));
	EXPECT_EQ(0, vfio_util_region_info(&d, VFIO_PCI_BAR0_REGION_INDEX,
					   &info));
	EXPECT_LT(0, info.size);
	vfio_util_close(&d);

	/* Back to the default for whoever runs next. */
	ASSERT_EQ(0, vfio_util_bind(bdf, ""));
	ASSERT_EQ(0, system("rmmod vfio_pci"));
	ASSERT_EQ(0, vfio_util_modprobe("vfio-pci"));
	ASSERT_EQ(0, vfio_util_open(&d, bdf, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(0, vfio_util_region_info(&d, VGA, &info));
	vfio_util_close(&d);
}

TEST_HARNESS_MAIN
