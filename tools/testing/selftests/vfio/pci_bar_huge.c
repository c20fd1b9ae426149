// SPDX-License-Identifier: GPL-2.0
/*
 * Huge BAR mappings, on QEMU's ivshmem-plain with a 1 GiB memory backend:
 * its BAR2 is 1 GiB of prefetchable memory, naturally aligned.
 *
 * A mapping whose virtual address agrees with the BAR's physical address
 * modulo a huge page size gets PUD (x86_64) or PMD (arm64) entries; one
 * that does not agree gets a fault per 4 KiB page.  mmap(2) without an
 * address chooses an agreeing address itself (vfio-pci's
 * get_unmapped_area), and keeps a fixed address or a free hint as given.
 * The other tests place their mappings themselves (MAP_FIXED), so that
 * only the first depends on that choice.
 * The faults are counted with getrusage()'s ru_minflt while every page of
 * the BAR is read; the data is checked through the mapping against
 * read/write of the region; and huge entries are revoked like small ones:
 * with memory decode off or in low power an access gets SIGBUS, after a
 * reset it faults again, and the memory behind it is unchanged.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define CFG	VFIO_PCI_CONFIG_REGION_INDEX
#define BAR	IVSHMEM_MEM_BAR
#define KIB	(1ULL << 10)
#define MIB	(1ULL << 20)
#define GIB	(1ULL << 30)
#define PMD_BYTES	(2 * MIB)
#define SMALL	(4 * KIB)

/* The largest entry the architecture inserts for a BAR mapping. */
#if defined(__x86_64__)
#define HUGE_BYTES	GIB
#else
#define HUGE_BYTES	PMD_BYTES
#endif

/* Faults that are not the BAR's: the test's own stack, libc. */
#define SLACK	16

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

FIXTURE(huge) {
	struct vfio_util_dev d;
	uint64_t size;		/* of the BAR */
	uint64_t offset;	/* of the BAR in the device file */
	uint64_t phys;		/* where the BAR is, as the PCI core says */
};

/* Start of BAR @bar of @bdf from sysfs "resource", or 0. */
static uint64_t sysfs_bar_start(const char *bdf, int bar)
{
	char path[128], buf[2048], *line = buf;
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	if (vfio_util_read_file(path, buf, sizeof(buf) - 1) <= 0)
		return 0;
	for (i = 0; i < bar && line; i++) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return line ? strtoull(line, NULL, 16) : 0;
}

FIXTURE_SETUP(huge)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	struct vfio_region_info info;
	const char *bdf = vfio_util_find_pci(IVSHMEM_VENDOR, IVSHMEM_DEVICE);

	vfio_util_dev_init(&self->d);
	if (!bdf)
		SKIP(return, "no ivshmem-plain device");
	vfio_util_modprobe("vfio_iommu_type1 2>/dev/null");
	ASSERT_EQ(0, vfio_util_open(&self->d, bdf, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, vfio_util_region_info(&self->d, BAR, &info));
	self->size = info.size;
	self->offset = info.offset;
	self->phys = sysfs_bar_start(bdf, BAR);
	ASSERT_EQ(GIB, self->size);
	ASSERT_NE(0, info.flags & VFIO_REGION_INFO_FLAG_MMAP);
	/* A BAR is naturally aligned. */
	ASSERT_EQ(0, self->phys & (GIB - 1));
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
}

FIXTURE_TEARDOWN(huge)
{
	signal(SIGBUS, SIG_DFL);
	vfio_util_close(&self->d);
}

static void *map_bar(FIXTURE_DATA(huge) *self, void *addr, uint64_t off,
		     size_t len, int flags)
{
	return mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | flags,
		    self->d.device, self->offset + off);
}

/* An address range of @len nobody uses: reserved, then given back. */
static uint8_t *free_range(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, len);
	return p;
}

/*
 * Map @len bytes from @off at an address that is @phase bytes past
 * agreeing with the BAR modulo 1 GiB, with MAP_FIXED.
 */
static uint8_t *map_bar_at_phase(FIXTURE_DATA(huge) *self, uint64_t off,
				 size_t len, uint64_t phase)
{
	uint8_t *base = free_range(len + 2 * GIB), *at;
	uint64_t want;

	if (!base)
		return MAP_FAILED;
	want = (self->phys + off + phase) & (GIB - 1);
	at = base + ((want - (uintptr_t)base) & (GIB - 1));
	return map_bar(self, at, off, len, MAP_FIXED);
}

/* How far @p is from agreeing with BAR offset @off modulo @align. */
static uint64_t phase_of(FIXTURE_DATA(huge) *self, void *p, uint64_t off,
			 uint64_t align)
{
	return ((uintptr_t)p - (self->phys + off)) & (align - 1);
}

/*
 * Read one byte every @stride bytes of [@p, @p + @len): the minor faults
 * that took, or -1 if the access got SIGBUS.  *@ns, if given, gets the
 * time it took.
 */
static long touch(volatile uint8_t *p, size_t len, size_t stride, long *ns)
{
	struct timespec t0, t1;
	struct rusage r0, r1;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	getrusage(RUSAGE_THREAD, &r0);
	if (sigsetjmp(bus_jmp, 1))
		return -1;
	for (i = 0; i < len; i += stride)
		(void)p[i];
	getrusage(RUSAGE_THREAD, &r1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ns)
		*ns = (t1.tv_sec - t0.tv_sec) * 1000000000L +
		      (t1.tv_nsec - t0.tv_nsec);
	return r1.ru_minflt - r0.ru_minflt;
}

/*
 * The first guest access of each page of the BAR makes QEMU allocate the
 * backend's page: do that before timing anything.  0 or -1.
 */
static int warm_up(FIXTURE_DATA(huge) *self)
{
	uint8_t *p = map_bar_at_phase(self, 0, self->size, 0);
	long ret;

	if (p == MAP_FAILED)
		return -1;
	ret = touch(p, self->size, SMALL, NULL);
	munmap(p, self->size);
	return ret < 0 ? -1 : 0;
}

/* Offsets the data tests use: page, PMD and PUD boundaries, the end. */
static const uint64_t marks[] = {
	0, SMALL - 8, PMD_BYTES - 8, PMD_BYTES, 513 * MIB + 24, GIB - 8,
};

/* Write a distinct value per mark through the mapping. */
static void put_marks(volatile uint8_t *p, uint64_t seed)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(marks); i++)
		*(volatile uint64_t *)(p + marks[i]) = seed + i;
}

/* How many marks read back as put_marks(@seed) wrote them, via @p. */
static int marks_in_map(volatile uint8_t *p, uint64_t seed)
{
	int good = 0;
	size_t i;

	if (sigsetjmp(bus_jmp, 1))
		return -1;
	for (i = 0; i < ARRAY_SIZE(marks); i++)
		good += *(volatile uint64_t *)(p + marks[i]) == seed + i;
	return good;
}

/* The same through read(2) of the region. */
static int marks_in_region(struct vfio_util_dev *d, uint64_t seed)
{
	uint64_t v;
	int good = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(marks); i++)
		good += vfio_util_region_read(d, BAR, marks[i], &v, 8) == 8 &&
			v == seed + i;
	return good;
}

static void region_put_marks(struct vfio_util_dev *d, uint64_t seed)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(marks); i++) {
		v = seed + i;
		vfio_util_region_write(d, BAR, marks[i], &v, 8);
	}
}

static void set_command(struct vfio_util_dev *d, uint16_t set, uint16_t clear)
{
	uint16_t cmd = 0;

	vfio_util_region_read(d, CFG, PCI_COMMAND, &cmd, 2);
	cmd = (cmd | set) & ~clear;
	vfio_util_region_write(d, CFG, PCI_COMMAND, &cmd, 2);
}

TEST_F(huge, mmap_without_address_agrees_with_the_bar)
{
	uint8_t *p, *q, *hint;
	long flt, ns;

	ASSERT_EQ(0, warm_up(self));
	p = map_bar(self, NULL, 0, self->size, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, phase_of(self, p, 0, HUGE_BYTES));
	/* And so it takes the fewest faults. */
	flt = touch(p, self->size, SMALL, &ns);
	TH_LOG("mmap(NULL) of 1 GiB: %ld faults, %ld us", flt, ns / 1000);
	EXPECT_LE(1, flt);
	EXPECT_GE(self->size / HUGE_BYTES + SLACK, flt);
	munmap(p, self->size);

	/* Smaller than a PUD, at an offset: PMD agreement. */
	q = map_bar(self, NULL, 6 * MIB, 8 * MIB, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, phase_of(self, q, 6 * MIB, PMD_BYTES));
	munmap(q, 8 * MIB);

	/* A free hint is kept even where it does not agree. */
	hint = free_range(self->size + 2 * GIB);
	ASSERT_NE(NULL, hint);
	hint += GIB - phase_of(self, hint, 0, GIB) + SMALL;
	p = map_bar(self, hint, 0, self->size, 0);
	EXPECT_EQ(hint, p);
	EXPECT_EQ(SMALL, phase_of(self, p, 0, GIB));
	munmap(p, self->size);

	/* So is a fixed address. */
	p = map_bar_at_phase(self, 0, self->size, 3 * SMALL);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(3 * SMALL, phase_of(self, p, 0, GIB));
	munmap(p, self->size);
}

TEST_F(huge, data_through_aligned_and_unaligned_mappings)
{
	uint8_t *a = map_bar_at_phase(self, 0, self->size, 0);
	uint8_t *u = map_bar_at_phase(self, 0, self->size, SMALL);
	const int n = ARRAY_SIZE(marks);

	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, u);
	ASSERT_EQ(0, phase_of(self, a, 0, HUGE_BYTES));

	/* Through the huge mapping, seen by read(2) and the small one. */
	put_marks(a, 0x1111000000000000ULL);
	EXPECT_EQ(n, marks_in_region(&self->d, 0x1111000000000000ULL));
	EXPECT_EQ(n, marks_in_map(u, 0x1111000000000000ULL));

	/* Through the small mapping, seen by read(2) and the huge one. */
	put_marks(u, 0x2222000000000000ULL);
	EXPECT_EQ(n, marks_in_region(&self->d, 0x2222000000000000ULL));
	EXPECT_EQ(n, marks_in_map(a, 0x2222000000000000ULL));

	/* By write(2), seen through both. */
	region_put_marks(&self->d, 0x3333000000000000ULL);
	EXPECT_EQ(n, marks_in_map(a, 0x3333000000000000ULL));
	EXPECT_EQ(n, marks_in_map(u, 0x3333000000000000ULL));

	munmap(a, self->size);
	munmap(u, self->size);
}

/*
 * Every 4 KiB page of the BAR read once: a PUD fault per GiB (x86_64), a
 * PMD fault per 2 MiB, or a fault per page when nothing agrees.
 */
TEST_F(huge, faults_per_page_size)
{
	const long pages = self->size / SMALL;
	long flt, again, ns;
	uint8_t *p;

	ASSERT_EQ(0, warm_up(self));
	p = map_bar_at_phase(self, 0, self->size, 0);
	ASSERT_NE(MAP_FAILED, p);
	flt = touch(p, self->size, SMALL, &ns);
	again = touch(p, self->size, SMALL, NULL);
	TH_LOG("aligned 1 GiB: %ld faults, %ld us; again: %ld faults",
	       flt, ns / 1000, again);
	EXPECT_LE(1, flt);
	EXPECT_GE(self->size / HUGE_BYTES + SLACK, flt);
	EXPECT_GE(SLACK, again);
	munmap(p, self->size);

	/* Too short for a PUD, so PMDs: 511 of them. */
	p = map_bar_at_phase(self, PMD_BYTES, self->size - PMD_BYTES,
			     0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, phase_of(self, p, PMD_BYTES, PMD_BYTES));
	flt = touch(p, self->size - PMD_BYTES, SMALL, &ns);
	TH_LOG("aligned 1 GiB - 2 MiB: %ld faults, %ld us", flt, ns / 1000);
	EXPECT_LE((self->size - PMD_BYTES) / PMD_BYTES, flt);
	EXPECT_GE((self->size - PMD_BYTES) / PMD_BYTES + SLACK, flt);
	munmap(p, self->size - PMD_BYTES);

	/* Off by a page: every page on its own. */
	p = map_bar_at_phase(self, 0, self->size, SMALL);
	ASSERT_NE(MAP_FAILED, p);
	flt = touch(p, self->size, SMALL, &ns);
	TH_LOG("unaligned 1 GiB: %ld faults, %ld us", flt, ns / 1000);
	EXPECT_LE(pages, flt);
	EXPECT_GE(pages + SLACK, flt);
	munmap(p, self->size);
}

TEST_F(huge, revoked_while_memory_decode_off)
{
	uint8_t *p = map_bar_at_phase(self, 0, self->size, 0);
	const int n = ARRAY_SIZE(marks);
	uint64_t v;

	ASSERT_NE(MAP_FAILED, p);
	put_marks(p, 0x4444000000000000ULL);
	ASSERT_LE(0, touch(p, self->size, PMD_BYTES, NULL));
	EXPECT_EQ(0, touch(p, self->size, PMD_BYTES, NULL));

	set_command(&self->d, 0, PCI_COMMAND_MEMORY);
	EXPECT_EQ(-1, touch(p, SMALL, SMALL, NULL));
	EXPECT_EQ(-1, touch(p + 700 * MIB, SMALL, SMALL, NULL));
	EXPECT_EQ(-EIO, vfio_util_region_read(&self->d, BAR, 0, &v, 8));

	set_command(&self->d, PCI_COMMAND_MEMORY, 0);
	/* Back by faulting in again, with the data unchanged. */
	EXPECT_LE(1, touch(p, self->size, PMD_BYTES, NULL));
	EXPECT_EQ(n, marks_in_map(p, 0x4444000000000000ULL));
	munmap(p, self->size);
}

TEST_F(huge, revoked_across_reset)
{
	uint8_t *p = map_bar_at_phase(self, 0, self->size, 0);
	const int n = ARRAY_SIZE(marks);
	long flt;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(0, self->d.info.flags & VFIO_DEVICE_FLAGS_RESET);
	put_marks(p, 0x5555000000000000ULL);
	ASSERT_LE(0, touch(p, self->size, PMD_BYTES, NULL));
	EXPECT_EQ(0, touch(p, self->size, PMD_BYTES, NULL));

	ASSERT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_RESET));
	flt = touch(p, self->size, SMALL, NULL);
	TH_LOG("after reset: %ld faults", flt);
	EXPECT_LE(1, flt);
	EXPECT_GE(self->size / HUGE_BYTES + SLACK, flt);
	EXPECT_EQ(n, marks_in_map(p, 0x5555000000000000ULL));
	munmap(p, self->size);
}

static int low_power(struct vfio_util_dev *d, bool enter)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET |
			 (enter ? VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY :
				  VFIO_DEVICE_FEATURE_LOW_POWER_EXIT),
	};

	return ioctl(d->device, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

TEST_F(huge, revoked_in_low_power)
{
	uint8_t *p = map_bar_at_phase(self, 0, self->size, 0);
	const int n = ARRAY_SIZE(marks);

	ASSERT_NE(MAP_FAILED, p);
	put_marks(p, 0x6666000000000000ULL);
	ASSERT_LE(0, touch(p, self->size, PMD_BYTES, NULL));

	ASSERT_EQ(0, low_power(&self->d, true));
	EXPECT_EQ(-1, touch(p + GIB - SMALL, SMALL, SMALL, NULL));
	ASSERT_EQ(0, low_power(&self->d, false));
	EXPECT_LE(1, touch(p, self->size, PMD_BYTES, NULL));
	EXPECT_EQ(n, marks_in_map(p, 0x6666000000000000ULL));
	munmap(p, self->size);
}

/* mmap(2) of @len bytes at BAR offset @off: 0 or the errno. */
static int map_err(FIXTURE_DATA(huge) *self, uint64_t off, size_t len,
		   int type)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, type,
		       self->d.device, self->offset + off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

TEST_F(huge, bad_mappings_are_refused)
{
	EXPECT_EQ(0, map_err(self, self->size - PMD_BYTES, PMD_BYTES,
			     MAP_SHARED));
	/* Past the end, by a page or by a huge page's worth. */
	EXPECT_EQ(EINVAL, map_err(self, self->size - SMALL, 2 * SMALL,
				  MAP_SHARED));
	EXPECT_EQ(EINVAL, map_err(self, self->size - MIB, PMD_BYTES,
				  MAP_SHARED));
	EXPECT_EQ(EINVAL, map_err(self, 0, self->size + PMD_BYTES,
				  MAP_SHARED));
	EXPECT_EQ(EINVAL, map_err(self, self->size, SMALL, MAP_SHARED));
	/* Not at a page boundary. */
	EXPECT_EQ(EINVAL, map_err(self, PMD_BYTES + 100, PMD_BYTES,
				  MAP_SHARED));
	/*
	 * Private: a copy-on-write BAR makes no sense.  (Small, so that the
	 * mm's commit accounting of a private writable mapping passes.)
	 */
	EXPECT_EQ(EINVAL, map_err(self, 0, PMD_BYTES, MAP_PRIVATE));
}

TEST_HARNESS_MAIN
