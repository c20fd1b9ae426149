// SPDX-License-Identifier: GPL-2.0
/*
 * The sPAPR TCE IOMMU backend (vfio_iommu_spapr_tce) on QEMU pseries:
 * v1 and v2 containers, DMA windows, preregistered memory, locked-memory
 * accounting, EEH, and edu DMA both ways through TCEs.
 *
 * pseries facts these tests rely on (QEMU 7.2, measured): each PCI host
 * bridge is one IOMMU group; its 32-bit default window is 1 GiB at bus
 * address 0 with 4 KiB pages; dynamic windows come in 4 KiB, 64 KiB,
 * 2 MiB and 16 MiB pages, two per group, with one-level tables, at
 * 1 << 59 (6.12's pseries code leaves the default window in the
 * hypervisor, so a new window is always QEMU's second); a 4 KiB window
 * no larger than 1 GiB is the default window again, at 0; and the
 * platform cannot program one table into two groups.  edu's registers
 * are big-endian there; the "spapr" VM profile lifts its DMA mask to 64
 * bits so that it reaches dynamic windows.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define SZ_4K		0x1000ULL
#define SZ_64K		0x10000ULL
#define SZ_1M		0x100000ULL
#define SZ_256M		0x10000000ULL
#define SZ_1G		0x40000000ULL
/* Where the tests map their buffer: inside edu's 28-bit DMA reach. */
#define TEST_IOVA	0x100000ULL
#define BUF_SIZE	SZ_1M

#ifndef offsetofend
#define offsetofend(T, m)	(offsetof(T, m) + sizeof(((T *)0)->m))
#endif

static int sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int get_info(int c, struct vfio_iommu_spapr_tce_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return sys_ioctl(c, VFIO_IOMMU_SPAPR_TCE_GET_INFO, info);
}

static int reg_mem(int c, unsigned long cmd, void *va, uint64_t size)
{
	struct vfio_iommu_spapr_register_memory r = {
		.argsz = sizeof(r), .vaddr = (uintptr_t)va, .size = size,
	};

	return sys_ioctl(c, cmd, &r);
}

static int create_win(int c, uint32_t shift, uint64_t size, uint32_t levels,
		      uint64_t *start)
{
	struct vfio_iommu_spapr_tce_create cr = {
		.argsz = sizeof(cr), .page_shift = shift, .window_size = size,
		.levels = levels, .start_addr = ~0ULL,
	};
	int ret = sys_ioctl(c, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr);

	if (start)
		*start = cr.start_addr;
	return ret;
}

static int remove_win(int c, uint64_t start)
{
	struct vfio_iommu_spapr_tce_remove rm = {
		.argsz = sizeof(rm), .start_addr = start,
	};

	return sys_ioctl(c, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm);
}

static int map(int c, void *va, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags, .vaddr = (uintptr_t)va,
		.iova = iova, .size = size,
	};

	return sys_ioctl(c, VFIO_IOMMU_MAP_DMA, &m);
}

static int unmap(int c, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = size,
	};

	return sys_ioctl(c, VFIO_IOMMU_UNMAP_DMA, &u);
}

static int eeh_op(int c, uint32_t op)
{
	struct vfio_eeh_pe_op o = { .argsz = sizeof(o), .op = op };
	int ret = ioctl(c, VFIO_EEH_PE_OP, &o);

	return ret < 0 ? -errno : ret;
}

/* This process's locked_vm (VmLck), in KiB. */
static long vmlck_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * Pages pinned with FOLL_PIN and not yet released, system-wide; the
 * per-CPU counter deltas are folded first so the numbers are exact.
 */
static long pins_held(void)
{
	vfio_util_write_file("/proc/sys/vm/stat_refresh", "1");
	return vfio_util_vmstat("nr_foll_pin_acquired") -
	       vfio_util_vmstat("nr_foll_pin_released");
}

/*
 * Wait (up to 2 s) for the pin count to come back to @want: preregistered
 * memory is unpinned after an RCU grace period.  Returns the last count.
 */
static long pins_settle(long want)
{
	long now = pins_held();
	int i;

	for (i = 0; i < 100 && now != want; i++) {
		usleep(20000);
		now = pins_held();
	}
	return now;
}

static uint32_t edu_read(struct vfio_util_dev *d, uint64_t reg)
{
	return vfio_util_edu32(vfio_util_bar_read32(d, 0, reg));
}

static void edu_write(struct vfio_util_dev *d, uint64_t reg, uint32_t v)
{
	vfio_util_bar_write32(d, 0, reg, vfio_util_edu32(v));
}

/* The DMA address registers take 64-bit bus addresses in one access. */
static void edu_write64(struct vfio_util_dev *d, uint64_t reg, uint64_t v)
{
	vfio_util_bar_write64(d, 0, reg, vfio_util_edu64(v));
}

/*
 * One edu DMA of @len bytes between bus address @iova and the start of
 * edu's buffer.
 */
static int edu_dma(struct vfio_util_dev *d, uint64_t iova, uint32_t len,
		   bool to_ram)
{
	uint64_t edu = EDU_DMA_BUF;
	int i;

	edu_write64(d, EDU_REG_DMA_SRC, to_ram ? edu : iova);
	edu_write64(d, EDU_REG_DMA_DST, to_ram ? iova : edu);
	edu_write(d, EDU_REG_DMA_COUNT, len);
	edu_write(d, EDU_REG_DMA_CMD,
		  EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0));
	for (i = 0; i < 500; i++) {
		if (!(edu_read(d, EDU_REG_DMA_CMD) & EDU_DMA_START))
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/*
 * RAM -> device -> RAM through the mapping of @buf at @iova: the first 256
 * bytes go to edu, come back 2 KiB further on, and must match.
 */
static int dma_round_trip(struct vfio_util_dev *d, uint8_t *buf,
			  uint64_t iova)
{
	int i, ret;

	for (i = 0; i < 256; i++) {
		buf[i] = (uint8_t)(i * 7 + 3);
		buf[2048 + i] = 0;
	}
	ret = edu_dma(d, iova, 256, false);
	if (ret)
		return ret;
	ret = edu_dma(d, iova + 2048, 256, true);
	if (ret)
		return ret;
	return memcmp(buf, buf + 2048, 256) ? -EIO : 0;
}

FIXTURE(spapr) {
	struct vfio_util_dev d;
	char path[64];
	uint8_t *buf;
};

/* Bind edu, open container and group, attach; no backend chosen yet. */
FIXTURE_SETUP(spapr)
{
	const char *bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);

	vfio_util_dev_init(&self->d);
	self->buf = MAP_FAILED;
	ASSERT_NE(NULL, bdf);
	snprintf(self->d.bdf, sizeof(self->d.bdf), "%s", bdf);
	ASSERT_EQ(0, vfio_util_modprobe("vfio_iommu_spapr_tce"));
	ASSERT_EQ(0, vfio_util_bind(bdf, "vfio-pci"));
	self->d.group_id = vfio_util_group_id(bdf);
	ASSERT_LE(0, self->d.group_id);
	snprintf(self->path, sizeof(self->path), "/dev/vfio/%d",
		 self->d.group_id);
	self->d.container = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, self->d.container);
	self->d.group = open(self->path, O_RDWR);
	ASSERT_LE(0, self->d.group);
	ASSERT_EQ(0, sys_ioctl(self->d.group, VFIO_GROUP_SET_CONTAINER,
			       &self->d.container));
	self->buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0, BUF_SIZE);
}

FIXTURE_TEARDOWN(spapr)
{
	vfio_util_close(&self->d);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, BUF_SIZE);
}

static void use_iommu(struct __test_metadata *_metadata,
		      struct _test_data_spapr *self, int type)
{
	ASSERT_EQ(0, ioctl(self->d.container, VFIO_SET_IOMMU, type));
}

/* The device file, for tests that drive edu. */
static void open_device(struct __test_metadata *_metadata,
			struct _test_data_spapr *self)
{
	uint16_t cmd = 0;

	self->d.device = ioctl(self->d.group, VFIO_GROUP_GET_DEVICE_FD,
			       self->d.bdf);
	ASSERT_LE(0, self->d.device);
	/* DMA needs bus mastering, which the user turns on. */
	ASSERT_EQ(2, vfio_util_region_read(&self->d, VFIO_PCI_CONFIG_REGION_INDEX,
					   PCI_COMMAND, &cmd, 2));
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	ASSERT_EQ(2, vfio_util_region_write(&self->d,
					    VFIO_PCI_CONFIG_REGION_INDEX,
					    PCI_COMMAND, &cmd, 2));
	/* The byte order the tests assume, checked on the ID register. */
	ASSERT_EQ(EDU_ID_VALUE, edu_read(&self->d, EDU_REG_ID));
}

TEST_F(spapr, extensions)
{
	int c = self->d.container;
	char eeh[256] = "";
	bool eeh_on;

	EXPECT_EQ(1, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU));
	EXPECT_EQ(1, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU));
	EXPECT_EQ(0, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(0, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	/* VFIO_EEH follows the platform's EEH state, as /proc reports it. */
	ASSERT_LT(0, vfio_util_read_file("/proc/powerpc/eeh", eeh,
					 sizeof(eeh) - 1));
	eeh_on = strstr(eeh, "EEH Subsystem is enabled");
	EXPECT_EQ(eeh_on, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_EEH));

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	/* Once chosen, the backend itself answers. */
	EXPECT_EQ(1, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU));
	EXPECT_EQ(eeh_on, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_EEH));
	EXPECT_EQ(0, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
}

TEST_F(spapr, get_info_v1_has_no_ddw)
{
	struct vfio_iommu_spapr_tce_info info;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_IOMMU);
	ASSERT_EQ(0, get_info(self->d.container, &info));
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0, info.dma32_window_start);
	EXPECT_EQ(SZ_1G, info.dma32_window_size);
	EXPECT_EQ(0, info.ddw.pgsizes);
	EXPECT_EQ(0, info.ddw.max_dynamic_windows_supported);
	EXPECT_EQ(0, info.ddw.levels);
}

TEST_F(spapr, get_info_v2_reports_ddw)
{
	struct vfio_iommu_spapr_tce_info info;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	ASSERT_EQ(0, get_info(self->d.container, &info));
	EXPECT_EQ(VFIO_IOMMU_SPAPR_INFO_DDW, info.flags);
	EXPECT_EQ(0, info.dma32_window_start);
	EXPECT_EQ(SZ_1G, info.dma32_window_size);
	/* 4 KiB, 64 KiB, 2 MiB and 16 MiB */
	EXPECT_EQ(0x1211000, info.ddw.pgsizes);
	EXPECT_EQ(2, info.ddw.max_dynamic_windows_supported);
	EXPECT_EQ(1, info.ddw.levels);
}

TEST_F(spapr, get_info_argsz)
{
	size_t min = offsetofend(struct vfio_iommu_spapr_tce_info,
				 dma32_window_size);
	struct vfio_iommu_spapr_tce_info info;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	memset(&info, 0xa5, sizeof(info));
	info.argsz = min - 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->d.container,
				     VFIO_IOMMU_SPAPR_TCE_GET_INFO, &info));
	/* An old, short structure: nothing past it is written. */
	info.argsz = min;
	ASSERT_EQ(0, sys_ioctl(self->d.container,
			       VFIO_IOMMU_SPAPR_TCE_GET_INFO, &info));
	EXPECT_EQ(SZ_1G, info.dma32_window_size);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, info.ddw.pgsizes);
}

TEST_F(spapr, v1_flow_with_edu_dma)
{
	long base = vmlck_kb();
	int c = self->d.container;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_IOMMU);
	open_device(_metadata, self);
	/* Mapping needs ENABLE, which charges the whole 1 GiB window. */
	EXPECT_EQ(-EPERM, map(c, self->buf, TEST_IOVA, SZ_64K,
			      VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	ASSERT_EQ(0, sys_ioctl(c, VFIO_IOMMU_ENABLE, NULL));
	EXPECT_EQ(-EBUSY, sys_ioctl(c, VFIO_IOMMU_ENABLE, NULL));
	EXPECT_EQ(base + (long)(SZ_1G >> 10), vmlck_kb());

	/* The first map brings the default window back (its table: 2 MiB). */
	ASSERT_EQ(0, map(c, self->buf, TEST_IOVA, SZ_64K,
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	EXPECT_EQ(base + (long)(SZ_1G >> 10) + 2048, vmlck_kb());
	EXPECT_EQ(0, dma_round_trip(&self->d, self->buf, TEST_IOVA));
	EXPECT_EQ(0, unmap(c, TEST_IOVA, SZ_64K));

	EXPECT_EQ(0, sys_ioctl(c, VFIO_IOMMU_DISABLE, NULL));
	EXPECT_EQ(base + 2048, vmlck_kb());
	EXPECT_EQ(-EPERM, map(c, self->buf, TEST_IOVA, SZ_64K,
			      VFIO_DMA_MAP_FLAG_READ));
	/* DISABLE twice is harmless. */
	EXPECT_EQ(0, sys_ioctl(c, VFIO_IOMMU_DISABLE, NULL));
}

TEST_F(spapr, v1_read_only_and_write_only_maps)
{
	long pins = pins_held();
	int c = self->d.container;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_IOMMU);
	ASSERT_EQ(0, sys_ioctl(c, VFIO_IOMMU_ENABLE, NULL));
	EXPECT_EQ(0, map(c, self->buf, TEST_IOVA, SZ_64K,
			 VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(0, map(c, self->buf + SZ_64K, TEST_IOVA + SZ_64K, SZ_64K,
			 VFIO_DMA_MAP_FLAG_WRITE));
	/* v1 pins one page per 4 KiB TCE. */
	EXPECT_LE(pins + 32, pins_held());
	/* Remapping an entry replaces it and releases the old page. */
	EXPECT_EQ(0, map(c, self->buf, TEST_IOVA + SZ_64K, SZ_64K,
			 VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(0, unmap(c, TEST_IOVA, 2 * SZ_64K));
	EXPECT_EQ(pins, pins_settle(pins));
}

TEST_F(spapr, v2_flow_with_edu_dma)
{
	struct vfio_iommu_spapr_tce_info info;
	long base = vmlck_kb();
	int c = self->d.container;
	uint64_t start = 1;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	open_device(_metadata, self);
	ASSERT_EQ(0, get_info(c, &info));
	EXPECT_EQ(-EPERM, map(c, self->buf, TEST_IOVA, SZ_64K,
			      VFIO_DMA_MAP_FLAG_READ));

	/*
	 * Drop the default window and make a 4 KiB one at its place (a 64
	 * KiB one lands above edu's 28-bit reach, see below).
	 */
	ASSERT_EQ(0, remove_win(c, info.dma32_window_start));
	ASSERT_EQ(0, create_win(c, 12, SZ_256M, 1, &start));
	EXPECT_EQ(0, start);
	/* 65536 entries of 8 bytes. */
	EXPECT_EQ(base + 512, vmlck_kb());

	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	EXPECT_EQ(base + 512 + (long)(BUF_SIZE >> 10), vmlck_kb());
	ASSERT_EQ(0, map(c, self->buf, TEST_IOVA, BUF_SIZE,
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	/* Registered memory is not charged again by a map. */
	EXPECT_EQ(base + 512 + (long)(BUF_SIZE >> 10), vmlck_kb());
	EXPECT_EQ(0, dma_round_trip(&self->d, self->buf, TEST_IOVA));
	EXPECT_EQ(0, dma_round_trip(&self->d, self->buf + SZ_64K * 3,
				    TEST_IOVA + SZ_64K * 3));

	/* Still mapped: refused. */
	EXPECT_EQ(-EBUSY, reg_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
				  self->buf, BUF_SIZE));
	EXPECT_EQ(0, unmap(c, TEST_IOVA, BUF_SIZE));
	/* Unmapped: the device gets nothing any more. */
	EXPECT_NE(0, dma_round_trip(&self->d, self->buf, TEST_IOVA));
	EXPECT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	EXPECT_EQ(base + 512, vmlck_kb());
	EXPECT_EQ(0, remove_win(c, start));
	EXPECT_EQ(base, vmlck_kb());
}

TEST_F(spapr, v2_default_window_when_untouched)
{
	int c = self->d.container;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	open_device(_metadata, self);
	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	/* QEMU's order: no window calls, map in the 4 KiB default window. */
	ASSERT_EQ(0, map(c, self->buf, TEST_IOVA, SZ_64K,
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	EXPECT_EQ(0, dma_round_trip(&self->d, self->buf, TEST_IOVA));
	/* 4 KiB granularity: a 4 KiB aligned IOVA is fine here. */
	EXPECT_EQ(0, map(c, self->buf + SZ_4K, TEST_IOVA + SZ_1M + SZ_4K,
			 SZ_4K, VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(-ENXIO, map(c, self->buf, SZ_1G, SZ_4K,
			      VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(-EINVAL, map(c, self->buf, SZ_1G - SZ_4K, 2 * SZ_4K,
			       VFIO_DMA_MAP_FLAG_READ));
	/* Closing with live mappings is the teardown's job. */
}

TEST_F(spapr, windows_create_and_remove)
{
	struct vfio_iommu_spapr_tce_info info;
	uint64_t start0 = 1, start1 = 1, s;
	long base = vmlck_kb();
	int c = self->d.container;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	ASSERT_EQ(0, get_info(c, &info));
	/* With the default window kept, a new one is the second. */
	ASSERT_EQ(0, create_win(c, 16, SZ_1G, 1, &start1));
	EXPECT_NE(0, start1);
	/* The default 1 GiB window: 2 MiB; the new 1 GiB/64 KiB: 128 KiB. */
	EXPECT_EQ(base + 2048 + 128, vmlck_kb());
	EXPECT_EQ(-ENOSPC, create_win(c, 16, SZ_1G, 1, &s));

	EXPECT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	EXPECT_EQ(0, map(c, self->buf, start1, SZ_64K,
			 VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(0, map(c, self->buf, TEST_IOVA, SZ_64K,
			 VFIO_DMA_MAP_FLAG_READ));
	/* Removing a window clears its TCEs: the memory is free again. */
	EXPECT_EQ(0, remove_win(c, start1));
	EXPECT_EQ(-EINVAL, remove_win(c, start1));
	EXPECT_EQ(-ENXIO, map(c, self->buf, start1, SZ_64K,
			      VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(0, remove_win(c, 0));
	EXPECT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	EXPECT_EQ(base, vmlck_kb());
	EXPECT_EQ(-ENXIO, map(c, self->buf, TEST_IOVA, SZ_64K,
			      VFIO_DMA_MAP_FLAG_READ));

	/*
	 * With no window left, a 64 KiB one is still a dynamic window: QEMU
	 * puts those at its 64-bit window address, aligned to their size.
	 */
	ASSERT_EQ(0, create_win(c, 16, SZ_256M, 1, &start0));
	EXPECT_NE(0, start0);
	EXPECT_EQ(0, start0 % SZ_256M);
	EXPECT_EQ(0, remove_win(c, start0));
	EXPECT_EQ(base, vmlck_kb());
}

TEST_F(spapr, remove_default_window_before_use)
{
	int c = self->d.container;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	EXPECT_EQ(0, remove_win(c, 0));
	/* It is not owed any more: no window to map into. */
	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	EXPECT_EQ(-ENXIO, map(c, self->buf, TEST_IOVA, SZ_64K,
			      VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(-ENXIO, unmap(c, TEST_IOVA, SZ_64K));
	EXPECT_EQ(-EINVAL, remove_win(c, 0));
}

TEST_F(spapr, create_argument_checks)
{
	struct vfio_iommu_spapr_tce_create cr = {
		.argsz = sizeof(cr), .page_shift = 16, .window_size = SZ_256M,
		.levels = 1,
	};
	int c = self->d.container;
	long base = vmlck_kb();

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	ASSERT_EQ(0, remove_win(c, 0));
	cr.argsz = offsetofend(struct vfio_iommu_spapr_tce_create,
			       start_addr) - 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr));
	cr.argsz = sizeof(cr);
	cr.flags = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr));
	/* 8 KiB pages: not one of the platform's sizes. */
	EXPECT_EQ(-EINVAL, create_win(c, 13, SZ_256M, 1, NULL));
	EXPECT_EQ(-EINVAL, create_win(c, 64, SZ_256M, 1, NULL));
	/* pseries makes one-level tables only. */
	EXPECT_EQ(-EINVAL, create_win(c, 16, SZ_256M, 2, NULL));
	EXPECT_EQ(-EINVAL, create_win(c, 16, SZ_256M, 0, NULL));
	/*
	 * Not a power of two; smaller than one page (6.12's pseries code
	 * shifts by a negative amount there).
	 */
	EXPECT_EQ(-EINVAL, create_win(c, 16, SZ_256M + SZ_64K, 1, NULL));
	EXPECT_EQ(-EINVAL, create_win(c, 16, SZ_4K, 1, NULL));
	/* A TCE table larger than memory (6.12's pseries code leaks one). */
	EXPECT_EQ(-EINVAL, create_win(c, 12, 1ULL << 62, 1, NULL));
	/* Nothing stayed charged. */
	EXPECT_EQ(base, vmlck_kb());

	struct vfio_iommu_spapr_tce_remove rm = { .argsz = 8 };

	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm));
	rm.argsz = sizeof(rm);
	rm.flags = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm));
}

TEST_F(spapr, map_argument_checks)
{
	struct vfio_iommu_type1_dma_map m = { .argsz = 8 };
	int c = self->d.container;
	uint64_t start = 1;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	ASSERT_EQ(0, remove_win(c, 0));
	ASSERT_EQ(0, create_win(c, 16, SZ_256M, 1, &start));
	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     BUF_SIZE));

	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_IOMMU_MAP_DMA, &m));
	/* No direction, an unknown flag. */
	EXPECT_EQ(-EINVAL, map(c, self->buf, start + TEST_IOVA, SZ_64K, 0));
	EXPECT_EQ(-EINVAL, map(c, self->buf, start + TEST_IOVA, SZ_64K,
			       VFIO_DMA_MAP_FLAG_READ |
			       VFIO_DMA_MAP_FLAG_VADDR));
	/* The window's page is 64 KiB: IOVA, vaddr and size align to it. */
	EXPECT_EQ(-EINVAL, map(c, self->buf, start + TEST_IOVA + SZ_4K, SZ_64K,
			       VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(-EINVAL, map(c, self->buf + SZ_4K, start + TEST_IOVA, SZ_64K,
			       VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(-EINVAL, map(c, self->buf, start + TEST_IOVA, SZ_4K,
			       VFIO_DMA_MAP_FLAG_READ));
	/* Outside every window, and running past the end of one. */
	EXPECT_EQ(-ENXIO, map(c, self->buf, start + SZ_256M, SZ_64K,
			      VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(-EINVAL, map(c, self->buf, start + SZ_256M - SZ_64K, 2 * SZ_64K,
			       VFIO_DMA_MAP_FLAG_READ));
	/* v2 maps registered memory only. */
	EXPECT_EQ(-EINVAL, map(c, self->buf + BUF_SIZE, start + TEST_IOVA, SZ_64K,
			       VFIO_DMA_MAP_FLAG_READ));

	struct vfio_iommu_type1_dma_unmap u = { .argsz = 8 };

	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_IOMMU_UNMAP_DMA, &u));
	u.argsz = sizeof(u);
	u.flags = VFIO_DMA_UNMAP_FLAG_ALL;
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_IOMMU_UNMAP_DMA, &u));
	EXPECT_EQ(-EINVAL, unmap(c, start + TEST_IOVA + SZ_4K, SZ_64K));
	EXPECT_EQ(-ENXIO, unmap(c, start + SZ_256M, SZ_64K));
	EXPECT_EQ(-EINVAL, unmap(c, start + SZ_256M - SZ_64K, 2 * SZ_64K));
}

TEST_F(spapr, register_argument_checks)
{
	struct vfio_iommu_spapr_register_memory r = { .argsz = 8 };
	long pins = pins_held();
	int c = self->d.container;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, &r));
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
				     &r));
	r.argsz = sizeof(r);
	r.flags = 1;
	r.vaddr = (uintptr_t)self->buf;
	r.size = SZ_64K;
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, &r));
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
				     &r));
	EXPECT_EQ(-EINVAL, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
				   self->buf + 1, SZ_64K));
	EXPECT_EQ(-EINVAL, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
				   self->buf, getpagesize() + 1));
	EXPECT_EQ(-EINVAL, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
				   (void *)-(long)getpagesize(),
				   2 * getpagesize()));
	/* An empty range (6.12 would try to allocate nothing). */
	EXPECT_EQ(-EINVAL, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
				   self->buf, 0));
	/* More than the memory there is. */
	EXPECT_EQ(-ENOMEM, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
				   self->buf, 1ULL << 50));
	/* Unmapped user memory cannot be pinned. */
	EXPECT_EQ(-EFAULT, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
				   self->buf + BUF_SIZE + 16 * SZ_1M, SZ_64K));

	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     SZ_64K * 4));
	EXPECT_EQ(-EBUSY, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
				  self->buf, SZ_64K * 4));
	/* Overlapping a registered range differently. */
	EXPECT_EQ(-EINVAL, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
				   self->buf + SZ_64K, SZ_64K * 4));
	EXPECT_EQ(-ENOENT, reg_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
				   self->buf, SZ_64K * 2));
	EXPECT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, self->buf,
			     SZ_64K * 4));
	EXPECT_EQ(-ENOENT, reg_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
				   self->buf, SZ_64K * 4));
	EXPECT_EQ(pins, pins_settle(pins));
}

TEST_F(spapr, v1_ioctls_on_v2_are_enotty)
{
	int c = self->d.container;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	EXPECT_EQ(-ENOTTY, sys_ioctl(c, VFIO_IOMMU_ENABLE, NULL));
	EXPECT_EQ(-ENOTTY, sys_ioctl(c, VFIO_IOMMU_DISABLE, NULL));
}

TEST_F(spapr, v2_ioctls_on_v1_are_enotty)
{
	int c = self->d.container;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_IOMMU);
	EXPECT_EQ(-ENOTTY, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
				   self->buf, SZ_64K));
	EXPECT_EQ(-ENOTTY, reg_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
				   self->buf, SZ_64K));
	EXPECT_EQ(-ENOTTY, create_win(c, 16, SZ_256M, 1, NULL));
	EXPECT_EQ(-ENOTTY, remove_win(c, 0));
}

TEST_F(spapr, another_process_is_eperm)
{
	int c = self->d.container, status;
	pid_t pid;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     SZ_64K));
	/* The container is bound to this mm; a child has its own. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct vfio_iommu_spapr_tce_info info;

		_exit(get_info(c, &info) == -EPERM &&
		      map(c, self->buf, TEST_IOVA, SZ_64K,
			  VFIO_DMA_MAP_FLAG_READ) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* As a non-root user with a small RLIMIT_MEMLOCK. */
static int limited_child(int c, int v2, uint8_t *buf)
{
	struct rlimit rl = { 4 * SZ_1M, 4 * SZ_1M };
	long base = vmlck_kb();
	uint64_t start;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(65534) || setuid(65534))
		return 10;
	if (ioctl(c, VFIO_SET_IOMMU, v2 ? VFIO_SPAPR_TCE_v2_IOMMU :
					  VFIO_SPAPR_TCE_IOMMU))
		return 11;
	if (!v2) {
		/* The 1 GiB window does not fit in 4 MiB. */
		if (sys_ioctl(c, VFIO_IOMMU_ENABLE, NULL) != -ENOMEM)
			return 12;
		return vmlck_kb() == base ? 0 : 13;
	}
	/* The default window's 2 MiB table fits, once. */
	if (remove_win(c, 0))
		return 20;
	if (create_win(c, 12, SZ_1G, 1, &start) || start)
		return 21;
	/* 2 MiB used: 4 MiB more does not fit, 1 MiB does. */
	if (reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, buf, 4 * SZ_1M) !=
	    -ENOMEM)
		return 22;
	if (vmlck_kb() != base + 2048)
		return 23;
	if (reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, buf, SZ_1M))
		return 24;
	if (map(c, buf, TEST_IOVA, SZ_1M, VFIO_DMA_MAP_FLAG_READ))
		return 25;
	if (vmlck_kb() != base + 3072)
		return 26;
	/* A second window's table would pass the limit. */
	if (create_win(c, 12, SZ_1G, 1, &start) != -ENOMEM)
		return 27;
	return 0;
}

static void run_limited(struct __test_metadata *_metadata,
			struct _test_data_spapr *self, int v2)
{
	uint8_t *big;
	int status;
	pid_t pid;

	big = mmap(NULL, 8 * SZ_1M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(limited_child(self->d.container, v2, big));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	munmap(big, 8 * SZ_1M);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(spapr, memlock_limit_v1_non_root)
{
	run_limited(_metadata, self, 0);
}

TEST_F(spapr, memlock_limit_v2_non_root)
{
	run_limited(_metadata, self, 1);
}

/* Set up live mappings of both kinds, say so, and wait to be killed. */
static void doomed_child(int c, int ready, uint8_t *buf)
{
	uint64_t start;
	char ok = 1;

	if (ioctl(c, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU) ||
	    reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, buf, BUF_SIZE) ||
	    map(c, buf, TEST_IOVA, BUF_SIZE, VFIO_DMA_MAP_FLAG_READ) ||
	    create_win(c, 16, SZ_1G, 1, &start) ||
	    map(c, buf, start, BUF_SIZE, VFIO_DMA_MAP_FLAG_WRITE))
		ok = 0;
	if (write(ready, &ok, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

TEST_F(spapr, kill_with_live_mappings_releases_everything)
{
	long pins = pins_held();
	int pipefd[2], status;
	char ok = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The container and group files are only the child's. */
		close(pipefd[0]);
		doomed_child(self->d.container, pipefd[1], self->buf);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &ok, 1));
	close(pipefd[0]);
	EXPECT_EQ(1, ok);
	EXPECT_LT(pins, pins_held());

	/* Our copies of the files would keep the container alive. */
	vfio_util_close(&self->d);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(pins, pins_settle(pins));
	/* The group is free again: nothing holds it. */
	self->d.group = open(self->path, O_RDWR);
	EXPECT_LE(0, self->d.group);
}

TEST_F(spapr, eeh_pe_ops)
{
	struct vfio_eeh_pe_op op = { .argsz = sizeof(op) };
	int c = self->d.container;
	int eeh = ioctl(c, VFIO_CHECK_EXTENSION, VFIO_EEH);
	int state;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	open_device(_metadata, self);
	op.argsz = offsetofend(struct vfio_eeh_pe_op, op) - 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_EEH_PE_OP, &op));
	op.argsz = sizeof(op);
	op.flags = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_EEH_PE_OP, &op));
	op.flags = 0;

	if (eeh != 1) {
		/* Without platform EEH the device has no PE to act on. */
		EXPECT_EQ(-ENODEV, eeh_op(c, VFIO_EEH_PE_GET_STATE));
		EXPECT_EQ(-ENODEV, eeh_op(c, VFIO_EEH_PE_ENABLE));
		return;
	}
	op.op = 99;
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_EEH_PE_OP, &op));
	/* Injection needs the error parameters. */
	op.op = VFIO_EEH_PE_INJECT_ERR;
	op.argsz = offsetofend(struct vfio_eeh_pe_op, op);
	EXPECT_EQ(-EINVAL, sys_ioctl(c, VFIO_EEH_PE_OP, &op));

	EXPECT_EQ(0, eeh_op(c, VFIO_EEH_PE_ENABLE));
	state = eeh_op(c, VFIO_EEH_PE_GET_STATE);
	EXPECT_EQ(VFIO_EEH_PE_STATE_NORMAL, state);
	EXPECT_EQ(0, eeh_op(c, VFIO_EEH_PE_UNFREEZE_IO));
	EXPECT_EQ(0, eeh_op(c, VFIO_EEH_PE_UNFREEZE_DMA));
	EXPECT_EQ(0, eeh_op(c, VFIO_EEH_PE_RESET_HOT));
	EXPECT_EQ(0, eeh_op(c, VFIO_EEH_PE_RESET_DEACTIVATE));
	EXPECT_EQ(0, eeh_op(c, VFIO_EEH_PE_CONFIGURE));
	EXPECT_EQ(VFIO_EEH_PE_STATE_NORMAL, eeh_op(c, VFIO_EEH_PE_GET_STATE));
	/* The device answers again after the PE reset. */
	EXPECT_EQ(EDU_ID_VALUE, edu_read(&self->d, EDU_REG_ID));
}

FIXTURE(two) {
	struct vfio_util_dev a, b;
	uint8_t *buf;
};

FIXTURE_SETUP(two)
{
	struct vfio_util_dev *d[2] = { &self->a, &self->b };
	const char *found;
	char path[64];
	int i;

	vfio_util_dev_init(&self->a);
	vfio_util_dev_init(&self->b);
	self->buf = MAP_FAILED;
	/* The lookup's result is a static string: copy each one. */
	found = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);
	ASSERT_NE(NULL, found);
	snprintf(self->a.bdf, sizeof(self->a.bdf), "%s", found);
	found = vfio_util_find_pci(NVME_VENDOR, NVME_DEVICE);
	ASSERT_NE(NULL, found);
	snprintf(self->b.bdf, sizeof(self->b.bdf), "%s", found);
	ASSERT_EQ(0, vfio_util_modprobe("vfio_iommu_spapr_tce"));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vfio_util_bind(d[i]->bdf, "vfio-pci"));
		d[i]->group_id = vfio_util_group_id(d[i]->bdf);
		ASSERT_LE(0, d[i]->group_id);
		snprintf(path, sizeof(path), "/dev/vfio/%d", d[i]->group_id);
		d[i]->group = open(path, O_RDWR);
		ASSERT_LE(0, d[i]->group);
		d[i]->container = open("/dev/vfio/vfio", O_RDWR);
		ASSERT_LE(0, d[i]->container);
	}
	/* pseries: one host bridge, one group, per device. */
	ASSERT_NE(self->a.group_id, self->b.group_id);
	self->buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(two)
{
	vfio_util_close(&self->a);
	vfio_util_close(&self->b);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, BUF_SIZE);
}

static int join(int group, int container)
{
	return sys_ioctl(group, VFIO_GROUP_SET_CONTAINER, &container);
}

TEST_F(two, v1_takes_one_group)
{
	int c = self->a.container;

	ASSERT_EQ(0, join(self->a.group, c));
	ASSERT_EQ(0, ioctl(c, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU));
	EXPECT_EQ(-EBUSY, join(self->b.group, c));
}

TEST_F(two, v2_groups_share_a_container)
{
	struct vfio_iommu_spapr_tce_info info;
	int c = self->a.container;

	ASSERT_EQ(0, join(self->a.group, c));
	ASSERT_EQ(0, ioctl(c, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(0, join(self->b.group, c));
	ASSERT_EQ(0, get_info(c, &info));
	EXPECT_EQ(VFIO_IOMMU_SPAPR_INFO_DDW, info.flags);
	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	/*
	 * pseries cannot program one table into two host bridges, so a
	 * window for both is refused, and nothing stays behind.
	 */
	EXPECT_EQ(-EPERM, map(c, self->buf, TEST_IOVA, SZ_64K,
			      VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(-EPERM, create_win(c, 16, SZ_256M, 1, NULL));
	/* With the second group gone, the first gets its window. */
	ASSERT_EQ(0, sys_ioctl(self->b.group, VFIO_GROUP_UNSET_CONTAINER,
			       NULL));
	EXPECT_EQ(0, map(c, self->buf, TEST_IOVA, SZ_64K,
			 VFIO_DMA_MAP_FLAG_READ));
	/* A group cannot join a container whose windows it cannot share. */
	EXPECT_EQ(-EPERM, join(self->b.group, c));
	EXPECT_EQ(0, unmap(c, TEST_IOVA, SZ_64K));
}

TEST_F(two, preregistration_is_charged_once_per_mm)
{
	long base = vmlck_kb();

	ASSERT_EQ(0, join(self->a.group, self->a.container));
	ASSERT_EQ(0, join(self->b.group, self->b.container));
	ASSERT_EQ(0, ioctl(self->a.container, VFIO_SET_IOMMU,
			   VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(0, ioctl(self->b.container, VFIO_SET_IOMMU,
			   VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(0, reg_mem(self->a.container,
			     VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	ASSERT_EQ(0, reg_mem(self->b.container,
			     VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	EXPECT_EQ(base + (long)(BUF_SIZE >> 10), vmlck_kb());
	/* Each container maps it in its own default window. */
	EXPECT_EQ(0, map(self->a.container, self->buf, TEST_IOVA, BUF_SIZE,
			 VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(0, map(self->b.container, self->buf, TEST_IOVA, BUF_SIZE,
			 VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(0, unmap(self->a.container, TEST_IOVA, BUF_SIZE));
	EXPECT_EQ(0, reg_mem(self->a.container,
			     VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	/* Still registered for b: its mapping holds it, b cannot drop it. */
	EXPECT_EQ(-EBUSY, reg_mem(self->b.container,
				  VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
				  self->buf, BUF_SIZE));
	EXPECT_EQ(0, unmap(self->b.container, TEST_IOVA, BUF_SIZE));
	EXPECT_EQ(0, reg_mem(self->b.container,
			     VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	/* Only the two default windows' tables remain charged. */
	EXPECT_EQ(base + 2 * 2048, vmlck_kb());
}

/* Every DMA window, whatever its page size, carries DMA both ways. */
TEST_F(spapr, v2_dma_through_a_dynamic_window)
{
	int c = self->d.container;
	uint64_t start = 0;

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	open_device(_metadata, self);
	ASSERT_EQ(0, create_win(c, 16, SZ_1G, 1, &start));
	EXPECT_EQ(1ULL << 59, start);
	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	/* The same memory in both windows at once. */
	ASSERT_EQ(0, map(c, self->buf, start + SZ_256M, BUF_SIZE,
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	ASSERT_EQ(0, map(c, self->buf, TEST_IOVA, BUF_SIZE,
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	EXPECT_EQ(0, dma_round_trip(&self->d, self->buf, start + SZ_256M));
	EXPECT_EQ(0, dma_round_trip(&self->d, self->buf + 5 * SZ_64K,
				    start + SZ_256M + 5 * SZ_64K));
	EXPECT_EQ(0, dma_round_trip(&self->d, self->buf, TEST_IOVA));
	/* Removing the window with live mappings takes them away. */
	EXPECT_EQ(0, remove_win(c, start));
	EXPECT_NE(0, dma_round_trip(&self->d, self->buf, start + SZ_256M));
	EXPECT_EQ(0, dma_round_trip(&self->d, self->buf, TEST_IOVA));
	EXPECT_EQ(0, unmap(c, TEST_IOVA, BUF_SIZE));
	EXPECT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, self->buf,
			     BUF_SIZE));
}

/*
 * A TCE of a 16 MiB-page window must be backed by one 16 MiB host page:
 * preregistered memory of 64 KiB pages cannot be mapped there.
 */
TEST_F(spapr, huge_page_window_needs_huge_pages)
{
	const uint64_t sz16m = 16 * SZ_1M;
	int c = self->d.container;
	uint64_t start = 0;
	uint8_t *raw, *mem;

	raw = mmap(NULL, 2 * sz16m, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	mem = (uint8_t *)(((uintptr_t)raw + sz16m - 1) & ~(sz16m - 1));
	/* Small pages on purpose, whatever THP would do. */
	ASSERT_EQ(0, madvise(mem, sz16m, MADV_NOHUGEPAGE));
	memset(mem, 0, sz16m);

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	ASSERT_EQ(0, create_win(c, 24, SZ_1G, 1, &start));
	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, mem,
			     sz16m));
	EXPECT_EQ(-EINVAL, map(c, mem, start, sz16m, VFIO_DMA_MAP_FLAG_READ));
	/* Nothing was mapped: the memory goes away at once. */
	EXPECT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, mem,
			     sz16m));
	EXPECT_EQ(0, remove_win(c, start));
	munmap(raw, 2 * sz16m);
}

/*
 * READ lets the device read memory only, WRITE lets it write only: the
 * TCE's permission bits, enforced by the emulated IOMMU.
 */
TEST_F(spapr, direction_flags_reach_the_tces)
{
	uint8_t *ro, *wo;
	int c = self->d.container, i;

	ro = self->buf;
	wo = self->buf + SZ_64K;
	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	open_device(_metadata, self);
	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, self->buf,
			     BUF_SIZE));
	ASSERT_EQ(0, map(c, ro, TEST_IOVA, SZ_64K, VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, map(c, wo, TEST_IOVA + SZ_64K, SZ_64K,
			 VFIO_DMA_MAP_FLAG_WRITE));

	/* The device reads the read-only page into its buffer... */
	for (i = 0; i < 256; i++) {
		ro[i] = (uint8_t)(0x5a ^ i);
		wo[i] = 0;
		ro[1024 + i] = 0;
	}
	ASSERT_EQ(0, edu_dma(&self->d, TEST_IOVA, 256, false));
	/* ... may write it to the write-only page ... */
	ASSERT_EQ(0, edu_dma(&self->d, TEST_IOVA + SZ_64K, 256, true));
	EXPECT_EQ(0, memcmp(ro, wo, 256));
	/* ... but not to the read-only one. */
	ASSERT_EQ(0, edu_dma(&self->d, TEST_IOVA + 1024, 256, true));
	for (i = 0; i < 256; i++)
		ASSERT_EQ(0, ro[1024 + i]);
	/* Reading the write-only page gets the device nothing of it. */
	memset(wo, 0xee, 256);
	ASSERT_EQ(0, edu_dma(&self->d, TEST_IOVA + SZ_64K, 256, false));
	ASSERT_EQ(0, edu_dma(&self->d, TEST_IOVA + SZ_64K + 1024, 256, true));
	for (i = 0; i < 256; i++)
		ASSERT_NE(0xee, wo[1024 + i]);

	EXPECT_EQ(0, unmap(c, TEST_IOVA, 2 * SZ_64K));
}

/*
 * Random and boundary arguments to every sPAPR ioctl, on v1 and on v2
 * containers: each call succeeds or fails with an errno, the kernel stays
 * quiet (the harness reads its log) and, once the container is gone,
 * nothing stays pinned.  The seed is fixed (SPAPR_FUZZ_SEED overrides
 * it), so a failure reproduces.
 */
static uint64_t rng = 0x5eedf00dULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t pick(uint8_t *buf, uint64_t start)
{
	const uint64_t v[] = {
		0, 1, SZ_4K, SZ_64K, SZ_64K - 1, SZ_1M, SZ_256M, SZ_1G,
		SZ_1G - SZ_4K, 1ULL << 59, (1ULL << 59) + SZ_64K, ~0ULL,
		~0ULL - SZ_64K + 1, 1ULL << 63, (uintptr_t)buf,
		(uintptr_t)buf + SZ_64K, (uintptr_t)buf + BUF_SIZE, start,
		start + TEST_IOVA, 12, 16, 21, 24, 63, 64,
	};

	return rnd() % 4 ? v[rnd() % ARRAY_SIZE(v)] : rnd();
}

static void fuzz_container(struct __test_metadata *_metadata, int c,
			   uint8_t *buf)
{
	static const unsigned long cmds[] = {
		VFIO_IOMMU_SPAPR_TCE_GET_INFO, VFIO_IOMMU_MAP_DMA,
		VFIO_IOMMU_UNMAP_DMA, VFIO_IOMMU_ENABLE, VFIO_IOMMU_DISABLE,
		VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
		VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
		VFIO_IOMMU_SPAPR_TCE_CREATE, VFIO_IOMMU_SPAPR_TCE_REMOVE,
		VFIO_EEH_PE_OP, VFIO_CHECK_EXTENSION,
	};
	const char *seed = getenv("SPAPR_FUZZ_SEED");
	uint64_t arg[8], start = 0;
	int i, j, ret;

	if (seed)
		rng = strtoull(seed, NULL, 0) ?: rng;
	for (i = 0; i < 3000; i++) {
		unsigned long cmd = cmds[rnd() % ARRAY_SIZE(cmds)];
		uint32_t *head = (uint32_t *)arg;

		for (j = 0; j < 8; j++)
			arg[j] = pick(buf, start);
		switch (rnd() % 5) {
		case 0:
			head[0] = sizeof(arg);
			break;
		case 1:
			head[0] = rnd() % 48;
			break;
		default:
			head[0] = 48;
			break;
		}
		head[1] = rnd() % 4 ? 0 : 1U << (rnd() % 32);
		if (cmd == VFIO_IOMMU_MAP_DMA && rnd() % 2)
			head[1] = VFIO_DMA_MAP_FLAG_READ |
				  (rnd() % 2 ? VFIO_DMA_MAP_FLAG_WRITE : 0);
		ret = ioctl(c, cmd, cmd == VFIO_CHECK_EXTENSION ?
			    (void *)(uintptr_t)(rnd() % 16) : (void *)arg);
		if (ret < 0)
			ASSERT_TRUE(errno == EINVAL || errno == EPERM ||
				    errno == ENXIO || errno == EBUSY ||
				    errno == ENOENT || errno == ENOMEM ||
				    errno == EFAULT || errno == ENOSPC ||
				    errno == ENOTTY || errno == ENODEV ||
				    errno == EIO)
				TH_LOG("ioctl %lx: %s", cmd, strerror(errno));
		if (cmd == VFIO_IOMMU_SPAPR_TCE_CREATE && !ret)
			start = arg[4];
	}
}

TEST_F(spapr, fuzz_v1)
{
	long pins = pins_held();

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_IOMMU);
	fuzz_container(_metadata, self->d.container, self->buf);
	vfio_util_close(&self->d);
	EXPECT_EQ(pins, pins_settle(pins));
}

TEST_F(spapr, fuzz_v2)
{
	long pins = pins_held();

	use_iommu(_metadata, self, VFIO_SPAPR_TCE_v2_IOMMU);
	fuzz_container(_metadata, self->d.container, self->buf);
	vfio_util_close(&self->d);
	EXPECT_EQ(pins, pins_settle(pins));
}

/*
 * DPDK 22.11's EAL on an sPAPR v2 container (lib/eal/linux/eal_vfio.c),
 * call for call, on an e1000e as testpmd uses it, in IOVA-as-VA mode.
 * testpmd itself was run on this machine (Debian's ppc64el dpdk in a
 * chroot, tools/testing/vm/clients/spapr-dpdk-probe.sh) and cannot work
 * here; these tests replay the two runs that got furthest:
 *
 *  - hugepages (EAL's normal mode) do not exist in this TCG guest, and a
 *    window of any page size but 4 KiB is a dynamic window, which QEMU
 *    places at 1 << 59 because 6.12's pseries code never removes the
 *    default window from the hypervisor (only its device-tree
 *    property).  EAL insists on a window at 0: with --no-huge at its
 *    default base address 0x100000000 the window must cover 8 GiB, so
 *    it is dynamic, and EAL stops: "Received unsupported start address
 *    0x800000000000000".
 *  - --no-huge --base-virtaddr=0x10000000 keeps the window within the
 *    1 GiB the default window may have, so the 4 KiB window is the
 *    default one again, at 0; but --no-huge memory segments are 4 KiB,
 *    and EAL registers each one, which a 64 KiB-page kernel refuses
 *    (EINVAL): "Cannot register vaddr for IOMMU, error 22".
 *
 * Each replay then goes on as EAL would have with what it asked for.
 */
#define EAL_BASE_VA	0x100000000ULL
/* testpmd's segment was at 0x10000000, where this static program lives. */
#define EAL_LOW_VA	0x30000000ULL
#define EAL_SEG_LEN	(2 * SZ_1M)

/* rte_vfio_setup_device() up to SET_IOMMU and the device fd. */
static void eal_setup(struct __test_metadata *_metadata, int *c, int *g,
		      int *dev)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	const char *found;
	char bdf[32], path[64];
	int group_id;

	found = vfio_util_find_pci(E1000E_VENDOR, E1000E_DEVICE);
	ASSERT_NE(NULL, found);
	snprintf(bdf, sizeof(bdf), "%s", found);
	ASSERT_EQ(0, vfio_util_modprobe("vfio_iommu_spapr_tce"));
	ASSERT_EQ(0, vfio_util_bind(bdf, "vfio-pci"));
	group_id = vfio_util_group_id(bdf);
	ASSERT_LE(0, group_id);

	/* rte_vfio_get_container_fd(), vfio_get_iommu_type() */
	*c = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, *c);
	EXPECT_EQ(VFIO_API_VERSION, ioctl(*c, VFIO_GET_API_VERSION));
	EXPECT_EQ(0, ioctl(*c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(1, ioctl(*c, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU));
	EXPECT_EQ(0, ioctl(*c, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU));

	/* vfio_get_group_fd(), then the device */
	snprintf(path, sizeof(path), "/dev/vfio/%d", group_id);
	*g = open(path, O_RDWR);
	ASSERT_LE(0, *g);
	ASSERT_EQ(0, sys_ioctl(*g, VFIO_GROUP_GET_STATUS, &status));
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, status.flags);
	ASSERT_EQ(0, sys_ioctl(*g, VFIO_GROUP_SET_CONTAINER, c));
	/* EAL tries its types in order: type1 first, then sPAPR v2. */
	EXPECT_EQ(-ENODEV, sys_ioctl(*c, VFIO_SET_IOMMU,
				     (void *)VFIO_TYPE1_IOMMU));
	ASSERT_EQ(0, ioctl(*c, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU));
	*dev = ioctl(*g, VFIO_GROUP_GET_DEVICE_FD, bdf);
	ASSERT_LE(0, *dev);
	ASSERT_EQ(0, sys_ioctl(*dev, VFIO_DEVICE_GET_INFO, &dinfo));
	EXPECT_TRUE(dinfo.flags & VFIO_DEVICE_FLAGS_PCI);
}

/* vfio_spapr_create_dma_window() for a memseg list ending at @top. */
static int eal_create_window(int c, uint64_t top, uint32_t page_shift,
			     uint64_t *start)
{
	struct vfio_iommu_spapr_tce_info info;
	uint64_t win = 1;
	int ret;

	while (win < top)
		win <<= 1;
	ret = get_info(c, &info);
	if (!ret)
		ret = remove_win(c, info.dma32_window_start);
	if (!ret)
		ret = create_win(c, page_shift, win, 1, start);
	return ret;
}

TEST(dpdk_22_11_default_base_va)
{
	uint64_t start = 0;
	int c, g, dev;
	uint8_t *seg;

	seg = mmap((void *)EAL_BASE_VA, EAL_SEG_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ((void *)EAL_BASE_VA, seg);
	memset(seg, 0, EAL_SEG_LEN);
	eal_setup(_metadata, &c, &g, &dev);

	/* EAL saw its highest address at 0x110350000: an 8 GiB window. */
	ASSERT_EQ(0, eal_create_window(c, 0x110350000ULL, 12, &start));
	/* Where EAL gives up. */
	EXPECT_EQ(1ULL << 59, start);

	/* vfio_spapr_map_walk() -> vfio_spapr_dma_do_map(.., do_map=1) */
	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, seg,
			     EAL_SEG_LEN));
	EXPECT_EQ(-ENXIO, map(c, seg, EAL_BASE_VA, EAL_SEG_LEN,
			      VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	/* The same segment at its address inside the window it got. */
	EXPECT_EQ(0, map(c, seg, start + EAL_BASE_VA, EAL_SEG_LEN,
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	/* rte_vfio_container_dma_unmap(): unmap, then unregister */
	EXPECT_EQ(0, unmap(c, start + EAL_BASE_VA, EAL_SEG_LEN));
	EXPECT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, seg,
			     EAL_SEG_LEN));

	close(dev);
	close(g);
	close(c);
	munmap(seg, EAL_SEG_LEN);
}

TEST(dpdk_22_11_low_base_va)
{
	uint64_t start = 1;
	int c, g, dev;
	uint8_t *seg;

	seg = mmap((void *)EAL_LOW_VA, EAL_SEG_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ((void *)EAL_LOW_VA, seg);
	memset(seg, 0, EAL_SEG_LEN);
	eal_setup(_metadata, &c, &g, &dev);

	/* Highest address 0x20340000: a 1 GiB window of 4 KiB pages, at 0. */
	ASSERT_EQ(0, eal_create_window(c, 0x20340000ULL, 12, &start));
	EXPECT_EQ(0, start);

	/* Where EAL gives up: one registration per 4 KiB memseg. */
	EXPECT_EQ(-EINVAL, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, seg,
				   SZ_4K));
	/* Whole system pages, as hugepage memsegs would be, are fine. */
	ASSERT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, seg,
			     EAL_SEG_LEN));
	EXPECT_EQ(0, map(c, seg, EAL_LOW_VA, EAL_SEG_LEN,
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	EXPECT_EQ(0, unmap(c, EAL_LOW_VA, EAL_SEG_LEN));
	EXPECT_EQ(0, reg_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, seg,
			     EAL_SEG_LEN));

	close(dev);
	close(g);
	close(c);
	munmap(seg, EAL_SEG_LEN);
}

TEST_HARNESS_MAIN
