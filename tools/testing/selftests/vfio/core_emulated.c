// SPDX-License-Identifier: GPL-2.0
/*
 * DMA of emulated-IOMMU devices: vfio_pin_pages(), vfio_unpin_pages(),
 * vfio_dma_rw() and the dma_unmap notification, driven through the
 * test-only device of vfio_emulated_test.ko (CONFIG_VFIO_EMULATED_TEST).
 *
 * The device sits alone in a group of its own, in a Type1 v2 container
 * with no IOMMU domain: pages are pinned only when the driver asks, and
 * are then charged to the mapping owner's locked_vm.  Every test ends
 * with nothing pinned and locked_vm back where it started.
 *
 * On a kernel without VFIO's container (the compat VM) /dev/vfio/vfio is
 * iommufd's compatibility container and the device an iommufd_access.
 * 6.12 behaves the same there except for what drivers/iommu/iommufd says
 * itself: pins are charged to no one when the caller has CAP_IPC_LOCK
 * (type1 charges locked_vm whatever the capabilities; these tests run as
 * root), an IOVA with nothing mapped is ENOENT (type1: EINVAL); a Type1 v1
 * container pins for emulated devices as v2 does (type1 refuses with
 * EACCES); and a driver that keeps its pins across the unmap
 * notification makes iommufd WARN and fail with EDEADLOCK after 100 tries
 * (type1 fails the unmap with EBUSY), so that test is not run there.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/iommufd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "type1_common.h"
#include "vfio_util.h"
#include "../../../../drivers/vfio/test/vfio_emulated_test.h"

#define PG		4096UL
#define BUF_PAGES	16
#define BUF_SIZE	(BUF_PAGES * PG)
#define MEM_SIZE	(5 * BUF_SIZE)
#define IOVA_RW		0x100000ULL			/* buf, read/write */
#define IOVA_NEXT	(IOVA_RW + BUF_SIZE)		/* buf2, adjacent */
#define IOVA_RO		0x400000ULL			/* ro, read only */
#define IOVA_HOLE	0x800000ULL			/* nothing mapped */

#define PLATFORM_DEVS	"/sys/bus/platform/devices"

/* IOMMU group number of a platform device, or -1. */
static int platform_group(const char *name)
{
	char path[PATH_MAX], link[PATH_MAX], *base;
	ssize_t len;

	snprintf(path, sizeof(path), PLATFORM_DEVS "/%s/iommu_group", name);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return -1;
	link[len] = '\0';
	base = strrchr(link, '/');
	return base ? atoi(base + 1) : -1;
}

/* Container, group and device fds of a test device; -errno on failure. */
static int emu_open(const char *name, int iommu_type, int *container,
		    int *group, int *device)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	int id;

	*container = *group = *device = -1;
	id = platform_group(name);
	if (id < 0)
		return -ENODEV;
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);

	*container = open("/dev/vfio/vfio", O_RDWR);
	if (*container < 0)
		return -errno;
	*group = open(path, O_RDWR);
	if (*group < 0)
		return -errno;
	if (ioctl(*group, VFIO_GROUP_GET_STATUS, &st) ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EBUSY;
	if (ioctl(*group, VFIO_GROUP_SET_CONTAINER, container) ||
	    ioctl(*container, VFIO_SET_IOMMU, iommu_type))
		return -errno;
	*device = ioctl(*group, VFIO_GROUP_GET_DEVICE_FD, name);
	return *device < 0 ? -errno : 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int emu_map(int container, void *vaddr, __u64 iova, __u64 size,
		   __u32 flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags,
		.vaddr = (uintptr_t)vaddr, .iova = iova, .size = size,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

/* UNMAP_DMA; *@done gets the bytes unmapped. */
static int emu_unmap(int container, __u64 iova, __u64 size,
		     __u64 *done)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = size,
	};
	int ret = ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u) ? -errno : 0;

	if (done)
		*done = u.size;
	return ret;
}

/* What the driver's vfio_pin_pages() returned: npage or -errno. */
static int emu_pin(int device, __u64 iova, __u32 npage, __u32 prot)
{
	struct vfio_emu_test_pin p = {
		.iova = iova, .npage = npage, .prot = prot,
	};
	int ret = ioctl(device, VFIO_EMU_TEST_PIN, &p);

	return ret < 0 ? -errno : ret;
}

static int emu_unpin(int device, __u64 iova, __u32 npage)
{
	struct vfio_emu_test_pin p = { .iova = iova, .npage = npage };

	return ioctl(device, VFIO_EMU_TEST_UNPIN, &p) ? -errno : 0;
}

static int emu_rw(int device, __u64 iova, void *data, size_t len,
		  __u32 flags)
{
	struct vfio_emu_test_rw rw = {
		.iova = iova, .len = len, .data = (uintptr_t)data,
		.flags = flags,
	};

	return ioctl(device, VFIO_EMU_TEST_RW, &rw) ? -errno : 0;
}

static struct vfio_emu_test_status emu_status(int device)
{
	struct vfio_emu_test_status st;

	memset(&st, 0xff, sizeof(st));
	ioctl(device, VFIO_EMU_TEST_STATUS, &st);
	return st;
}

static void fill(void *p, size_t len, unsigned int seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		c[i] = (unsigned char)(i * 7 + seed + (i >> 12));
}

/* /dev/vfio/vfio is iommufd's (set by load_modules()). */
static bool compat;

/*
 * KiB of locked_vm a pin of @bytes charges: type1 always charges it;
 * iommufd charges nothing to a caller with CAP_IPC_LOCK, as these tests
 * (root) are.
 */
static long charged_kb(unsigned long bytes)
{
	return compat ? 0 : bytes / 1024;
}

/* The errno of an IOVA range with nothing mapped. */
static int enoent(void)
{
	return compat ? ENOENT : EINVAL;
}

/* /dev/vfio/vfio is an iommufd when IOMMU_IOAS_ALLOC works on it. */
static bool container_is_iommufd(void)
{
	int fd = open("/dev/vfio/vfio", O_RDWR);
	bool ret;

	if (fd < 0)
		return false;
	ret = vfio_util_ioas_alloc(fd) > 0;
	close(fd);
	return ret;
}

/*
 * The test module is built with this tree's test kernels: it must load.
 * A kernel without the type1 module is one without VFIO's container,
 * whose /dev/vfio/vfio must then be iommufd's.
 */
static bool load_modules(void)
{
	compat = access("/sys/module/vfio_iommu_type1", F_OK) &&
		 vfio_util_modprobe("vfio_iommu_type1 2>/dev/null");
	if (compat && !container_is_iommufd())
		return false;
	if (!access("/sys/module/vfio_emulated_test", F_OK))
		return true;
	return vfio_util_modprobe("vfio_emulated_test") == 0;
}

/* Pins held system wide, and this process's locked memory. */
struct usage {
	long pins;
	long vmlck_kb;
};

static struct usage usage_now(void)
{
	struct usage u = { t1_pins_held(), t1_vmlck_kb() };

	return u;
}

FIXTURE(emu) {
	int container, group, device;
	unsigned char *mem, *buf, *buf2, *ro;
	struct usage base;
	bool loaded;
};

FIXTURE_SETUP(emu)
{
	int ret;

	self->container = -1;
	self->group = -1;
	self->device = -1;
	self->mem = NULL;
	self->loaded = false;
	ASSERT_TRUE(load_modules());

	self->base = usage_now();
	self->loaded = true;
	ret = emu_open(VFIO_EMU_TEST_NAME, VFIO_TYPE1v2_IOMMU, &self->container,
		       &self->group, &self->device);
	ASSERT_EQ(0, ret);

	/*
	 * buf and buf2 are adjacent in IOVA but not in the address space,
	 * so that they stay two mappings.
	 */
	self->mem = t1_anon(MEM_SIZE);
	ASSERT_NE(NULL, self->mem);
	self->buf = self->mem;
	self->buf2 = self->mem + 2 * BUF_SIZE;
	self->ro = self->mem + 4 * BUF_SIZE;
	ASSERT_EQ(0, emu_map(self->container, self->buf, IOVA_RW, BUF_SIZE,
			     T1_RW));
	ASSERT_EQ(0, emu_map(self->container, self->buf2, IOVA_NEXT,
			     BUF_SIZE, T1_RW));
	ASSERT_EQ(0, emu_map(self->container, self->ro, IOVA_RO, BUF_SIZE,
			     VFIO_DMA_MAP_FLAG_READ));

	/* No IOMMU domain: mapping pins and charges nothing. */
	ASSERT_EQ(self->base.vmlck_kb, t1_vmlck_kb());
}

FIXTURE_TEARDOWN(emu)
{
	struct usage end;

	close_fd(&self->device);
	close_fd(&self->group);
	close_fd(&self->container);
	if (self->mem)
		munmap(self->mem, MEM_SIZE);
	if (!self->loaded)
		return;

	/* Whatever a test did, closing releases every pin. */
	end = usage_now();
	EXPECT_EQ(self->base.pins, end.pins);
	EXPECT_EQ(self->base.vmlck_kb, end.vmlck_kb);
}

/* The pages handed to the driver are the user's pages, both ways. */
TEST_F(emu, pinned_pages_are_the_users_pages)
{
	unsigned char got[3 * PG], want[3 * PG];
	struct usage u;

	fill(self->buf + 2 * PG, 3 * PG, 1);
	ASSERT_EQ(3, emu_pin(self->device, IOVA_RW + 2 * PG, 3,
			     VFIO_EMU_TEST_READ | VFIO_EMU_TEST_WRITE));
	EXPECT_EQ(3, emu_status(self->device).pinned);

	u = usage_now();
	EXPECT_EQ(self->base.pins + 3, u.pins);
	EXPECT_EQ(self->base.vmlck_kb + charged_kb(3 * PG), u.vmlck_kb);

	/* The device reads what userspace wrote ... */
	ASSERT_EQ(0, emu_rw(self->device, IOVA_RW + 2 * PG, got, sizeof(got),
			    VFIO_EMU_TEST_RW_PINNED));
	EXPECT_EQ(0, memcmp(got, self->buf + 2 * PG, sizeof(got)));

	/* ... and what it writes, at any offset, userspace sees. */
	fill(want, sizeof(want), 99);
	ASSERT_EQ(0, emu_rw(self->device, IOVA_RW + 2 * PG + 100, want,
			    2 * PG, VFIO_EMU_TEST_RW_PINNED |
			    VFIO_EMU_TEST_RW_WRITE));
	EXPECT_EQ(0, memcmp(self->buf + 2 * PG + 100, want, 2 * PG));

	/* A range the record does not cover is not reachable that way. */
	EXPECT_EQ(-ENOENT, emu_rw(self->device, IOVA_RW + PG, got, PG,
				  VFIO_EMU_TEST_RW_PINNED));

	ASSERT_EQ(0, emu_unpin(self->device, IOVA_RW + 2 * PG, 3));
	EXPECT_EQ(0, emu_status(self->device).pinned);
	u = usage_now();
	EXPECT_EQ(self->base.pins, u.pins);
	EXPECT_EQ(self->base.vmlck_kb, u.vmlck_kb);
	/* Unpinning only ever happened through the driver's own call. */
	EXPECT_EQ(0, emu_status(self->device).unmaps);
}

/* vfio_dma_rw() copies both ways, across adjacent mappings, unpinned. */
TEST_F(emu, dma_rw_both_ways)
{
	size_t len = 3 * PG;
	__u64 iova = IOVA_NEXT - PG - 123;	/* spans buf and buf2 */
	unsigned char *got = malloc(len), *want = malloc(len);
	struct usage u;

	ASSERT_NE(NULL, got);
	ASSERT_NE(NULL, want);

	fill(self->buf + BUF_SIZE - PG - 123, PG + 123, 5);
	fill(self->buf2, len - PG - 123, 6);
	ASSERT_EQ(0, emu_rw(self->device, iova, got, len, 0));
	EXPECT_EQ(0, memcmp(got, self->buf + BUF_SIZE - PG - 123, PG + 123));
	EXPECT_EQ(0, memcmp(got + PG + 123, self->buf2, len - PG - 123));

	fill(want, len, 42);
	ASSERT_EQ(0, emu_rw(self->device, iova, want, len,
			    VFIO_EMU_TEST_RW_WRITE));
	EXPECT_EQ(0, memcmp(self->buf + BUF_SIZE - PG - 123, want, PG + 123));
	EXPECT_EQ(0, memcmp(self->buf2, want + PG + 123, len - PG - 123));

	/* A read-only mapping can be read, not written. */
	fill(self->ro, PG, 7);
	ASSERT_EQ(0, emu_rw(self->device, IOVA_RO, got, PG, 0));
	EXPECT_EQ(0, memcmp(got, self->ro, PG));
	EXPECT_EQ(-EPERM, emu_rw(self->device, IOVA_RO, want, PG,
				 VFIO_EMU_TEST_RW_WRITE));
	EXPECT_EQ(0, memcmp(got, self->ro, PG));

	/* Nothing mapped there, or the copy runs off the end of a mapping. */
	EXPECT_EQ(-enoent(), emu_rw(self->device, IOVA_HOLE, got, 16, 0));
	EXPECT_EQ(-enoent(), emu_rw(self->device, IOVA_NEXT + BUF_SIZE - 8,
				    got, 16, 0));

	/* Copies pin nothing. */
	u = usage_now();
	EXPECT_EQ(self->base.pins, u.pins);
	EXPECT_EQ(self->base.vmlck_kb, u.vmlck_kb);
	free(got);
	free(want);
}

/* The same page pinned twice is one pin, held until both are released. */
TEST_F(emu, pins_of_one_page_are_counted)
{
	ASSERT_EQ(1, emu_pin(self->device, IOVA_RW, 1, VFIO_EMU_TEST_READ));
	ASSERT_EQ(2, emu_pin(self->device, IOVA_RW, 2, VFIO_EMU_TEST_READ));
	EXPECT_EQ(self->base.vmlck_kb + charged_kb(2 * PG), t1_vmlck_kb());
	EXPECT_EQ(self->base.pins + 2, t1_pins_held());

	ASSERT_EQ(0, emu_unpin(self->device, IOVA_RW, 2));
	EXPECT_EQ(self->base.vmlck_kb + charged_kb(PG), t1_vmlck_kb());
	EXPECT_EQ(self->base.pins + 1, t1_pins_held());

	ASSERT_EQ(0, emu_unpin(self->device, IOVA_RW, 1));
	EXPECT_EQ(self->base.vmlck_kb, t1_vmlck_kb());
	EXPECT_EQ(self->base.pins, t1_pins_held());
}

/* UNMAP_DMA of pinned pages makes the driver release them first. */
TEST_F(emu, unmap_notifies_the_driver)
{
	struct vfio_emu_test_status st;
	__u64 done = 0;

	/* Unpinned mappings go away without bothering the driver. */
	ASSERT_EQ(0, emu_unmap(self->container, IOVA_RO, BUF_SIZE, &done));
	EXPECT_EQ(BUF_SIZE, done);
	EXPECT_EQ(0, emu_status(self->device).unmaps);

	ASSERT_EQ(4, emu_pin(self->device, IOVA_RW + 4 * PG, 4,
			     VFIO_EMU_TEST_WRITE));
	ASSERT_EQ(1, emu_pin(self->device, IOVA_NEXT, 1,
			     VFIO_EMU_TEST_READ));
	EXPECT_EQ(self->base.vmlck_kb + charged_kb(5 * PG), t1_vmlck_kb());

	/* The pins hold until the user unmaps ... */
	usleep(10000);
	st = emu_status(self->device);
	EXPECT_EQ(5, st.pinned);
	EXPECT_EQ(0, st.unmaps);
	EXPECT_EQ(self->base.pins + 5, t1_pins_held());

	/* ... and then the driver is told the whole mapping goes. */
	ASSERT_EQ(0, emu_unmap(self->container, IOVA_RW, BUF_SIZE, &done));
	EXPECT_EQ(BUF_SIZE, done);
	st = emu_status(self->device);
	EXPECT_EQ(1, st.unmaps);
	EXPECT_EQ(IOVA_RW, st.last_iova);
	EXPECT_EQ(BUF_SIZE, st.last_length);
	EXPECT_EQ(1, st.pinned);
	EXPECT_EQ(self->base.vmlck_kb + charged_kb(PG), t1_vmlck_kb());
	EXPECT_EQ(self->base.pins + 1, t1_pins_held());

	/* The range is gone for the device as well. */
	EXPECT_EQ(-enoent(), emu_pin(self->device, IOVA_RW + 4 * PG, 1,
				     VFIO_EMU_TEST_READ));

	ASSERT_EQ(0, emu_unmap(self->container, IOVA_NEXT, BUF_SIZE, &done));
	st = emu_status(self->device);
	EXPECT_EQ(2, st.unmaps);
	EXPECT_EQ(IOVA_NEXT, st.last_iova);
	EXPECT_EQ(0, st.pinned);
	EXPECT_EQ(self->base.vmlck_kb, t1_vmlck_kb());
	EXPECT_EQ(self->base.pins, t1_pins_held());
}

/* A driver that ignores the notification cannot have the pages taken. */
TEST_F(emu, unmap_of_pages_kept_pinned_fails)
{
	struct vfio_emu_test_status st;
	__u64 done = 0;

	/* iommufd WARNs there: see the top of the file. */
	if (compat)
		SKIP(return, "iommufd's compat container WARNs on kept pins");
	ASSERT_EQ(0, ioctl(self->device, VFIO_EMU_TEST_KEEP_PINS, 1));
	ASSERT_EQ(2, emu_pin(self->device, IOVA_RW, 2, VFIO_EMU_TEST_READ));

	/* Asked again and again, in vain: the unmap fails as a whole. */
	EXPECT_EQ(-EBUSY, emu_unmap(self->container, IOVA_RW, BUF_SIZE,
				    NULL));
	st = emu_status(self->device);
	EXPECT_LT(1, st.unmaps);
	EXPECT_EQ(2, st.pinned);
	/* The mapping is intact: the device still reaches it. */
	EXPECT_EQ(1, emu_pin(self->device, IOVA_RW + PG, 1,
			     VFIO_EMU_TEST_READ));
	EXPECT_EQ(0, emu_unpin(self->device, IOVA_RW + PG, 1));

	ASSERT_EQ(0, ioctl(self->device, VFIO_EMU_TEST_KEEP_PINS, 0));
	EXPECT_EQ(0, emu_unmap(self->container, IOVA_RW, BUF_SIZE, &done));
	EXPECT_EQ(BUF_SIZE, done);
	EXPECT_EQ(0, emu_status(self->device).pinned);
}

/* Bad requests get upstream's errno and leave nothing pinned. */
TEST_F(emu, bad_pins_are_refused)
{
	struct usage u;

	/* Nothing mapped at the IOVA. */
	EXPECT_EQ(-enoent(), emu_pin(self->device, IOVA_HOLE, 1,
				     VFIO_EMU_TEST_READ));
	/* Runs past the end of the last mapping: the first pages unwind. */
	EXPECT_EQ(-enoent(), emu_pin(self->device,
				     IOVA_NEXT + BUF_SIZE - 2 * PG, 3,
				     VFIO_EMU_TEST_READ));
	/* Write access to a read-only mapping. */
	EXPECT_EQ(-EPERM, emu_pin(self->device, IOVA_RO, 1,
				  VFIO_EMU_TEST_READ | VFIO_EMU_TEST_WRITE));
	/* No pages, and more than VFIO_PIN_PAGES_MAX_ENTRIES. */
	EXPECT_EQ(-EINVAL, emu_pin(self->device, IOVA_RW, 0,
				   VFIO_EMU_TEST_READ));
	EXPECT_EQ(-E2BIG, emu_pin(self->device, IOVA_RW, PG / 8 + 1,
				  VFIO_EMU_TEST_READ));

	/* Spanning two mappings is fine. */
	EXPECT_EQ(2, emu_pin(self->device, IOVA_NEXT - PG, 2,
			     VFIO_EMU_TEST_READ));
	EXPECT_EQ(0, emu_unpin(self->device, IOVA_NEXT - PG, 2));

	u = usage_now();
	EXPECT_EQ(self->base.pins, u.pins);
	EXPECT_EQ(self->base.vmlck_kb, u.vmlck_kb);
	EXPECT_EQ(0, emu_status(self->device).pinned);
}

/* Closing the device with pins held: the driver releases them. */
TEST_F(emu, close_releases_pins)
{
	struct usage u;

	ASSERT_EQ(8, emu_pin(self->device, IOVA_RW, 8,
			     VFIO_EMU_TEST_READ | VFIO_EMU_TEST_WRITE));
	ASSERT_EQ(1, emu_pin(self->device, IOVA_NEXT, 1, VFIO_EMU_TEST_READ));
	EXPECT_EQ(self->base.pins + 9, t1_pins_held());

	close_fd(&self->device);
	u = usage_now();
	EXPECT_EQ(self->base.pins, u.pins);
	EXPECT_EQ(self->base.vmlck_kb, u.vmlck_kb);

	/* The mappings stay, and unmapping them notifies no one. */
	EXPECT_EQ(0, emu_unmap(self->container, IOVA_RW, BUF_SIZE, NULL));
}

/* The device file keeps its group and container, and their pins, alive. */
TEST_F(emu, device_closed_last_releases_pins)
{
	unsigned char got[256];

	ASSERT_EQ(4, emu_pin(self->device, IOVA_RW, 4, VFIO_EMU_TEST_READ));
	close_fd(&self->container);
	close_fd(&self->group);

	/* Still usable: the pins and the mappings are there. */
	EXPECT_EQ(self->base.pins + 4, t1_pins_held());
	fill(self->buf, sizeof(got), 9);
	ASSERT_EQ(0, emu_rw(self->device, IOVA_RW, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, self->buf, sizeof(got)));
	ASSERT_EQ(1, emu_pin(self->device, IOVA_NEXT, 1, VFIO_EMU_TEST_READ));

	close_fd(&self->device);
	EXPECT_EQ(self->base.pins, t1_pins_held());
	EXPECT_EQ(self->base.vmlck_kb, t1_vmlck_kb());
}

/* The device file can be opened again and starts clean. */
TEST_F(emu, reopen_starts_clean)
{
	struct vfio_emu_test_status st;

	ASSERT_EQ(1, emu_pin(self->device, IOVA_RW, 1, VFIO_EMU_TEST_READ));
	close_fd(&self->device);
	self->device = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD,
			     VFIO_EMU_TEST_NAME);
	ASSERT_LE(0, self->device);
	st = emu_status(self->device);
	EXPECT_EQ(0, st.pinned);
	EXPECT_EQ(0, st.unmaps);
	EXPECT_EQ(1, emu_pin(self->device, IOVA_RW, 1, VFIO_EMU_TEST_READ));
}

/*
 * Where pinning is not offered, copies still work: a Type1 v1 container
 * has no pinning for emulated devices (EACCES; iommufd's compat
 * container pins there as in v2), and a device that cannot hear about
 * unmaps may never pin (EINVAL).
 */
FIXTURE(no_pins) {
};

FIXTURE_VARIANT(no_pins) {
	const char *device_name;
	int iommu_type;
	int pin_errno;
};

FIXTURE_VARIANT_ADD(no_pins, v1_container) {
	.device_name = VFIO_EMU_TEST_NAME,
	.iommu_type = VFIO_TYPE1_IOMMU,
	.pin_errno = EACCES,
};

FIXTURE_VARIANT_ADD(no_pins, device_without_dma_unmap) {
	.device_name = VFIO_EMU_TEST_NOUNMAP_NAME,
	.iommu_type = VFIO_TYPE1v2_IOMMU,
	.pin_errno = EINVAL,
};

FIXTURE_SETUP(no_pins)
{
}

FIXTURE_TEARDOWN(no_pins)
{
}

TEST_F(no_pins, pin_refused_copy_works)
{
	int container, group, device;
	unsigned char *buf, got[64];
	long pins;

	ASSERT_TRUE(load_modules());
	pins = t1_pins_held();
	ASSERT_EQ(0, emu_open(variant->device_name, variant->iommu_type,
			      &container, &group, &device));
	buf = t1_anon(BUF_SIZE);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, emu_map(container, buf, IOVA_RW, BUF_SIZE, T1_RW));

	if (compat && variant->iommu_type == VFIO_TYPE1_IOMMU) {
		EXPECT_EQ(1, emu_pin(device, IOVA_RW, 1, VFIO_EMU_TEST_READ));
		EXPECT_EQ(pins + 1, t1_pins_held());
		EXPECT_EQ(0, emu_unpin(device, IOVA_RW, 1));
	} else {
		EXPECT_EQ(-variant->pin_errno,
			  emu_pin(device, IOVA_RW, 1, VFIO_EMU_TEST_READ));
	}
	EXPECT_EQ(pins, t1_pins_held());
	fill(buf, sizeof(got), 3);
	EXPECT_EQ(0, emu_rw(device, IOVA_RW, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, buf, sizeof(got)));

	close_fd(&device);
	close_fd(&group);
	close_fd(&container);
	munmap(buf, BUF_SIZE);
}

/*
 * The emulated group shares a container with a device behind a real IOMMU
 * (edu): the mapping is pinned for the IOMMU domain and charged once; the
 * emulated device's pins add no charge, and everything is released when
 * the files are closed.
 */
TEST(shared_with_an_iommu_group)
{
	int container, egroup, edev, pgroup, pdev, id;
	struct vfio_group_status st = { .argsz = sizeof(st) };
	unsigned char *buf, got[128];
	struct usage base, u;
	const char *bdf;
	char path[64];

	ASSERT_TRUE(load_modules());
	vfio_util_modprobe("vfio-pci");
	bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);
	if (!bdf)
		SKIP(return, "no edu device");
	ASSERT_EQ(0, vfio_util_bind(bdf, "vfio-pci"));
	id = vfio_util_group_id(bdf);
	ASSERT_LE(0, id);

	base = usage_now();
	/* The emulated group first, so the container is set up already. */
	ASSERT_EQ(0, emu_open(VFIO_EMU_TEST_NAME, VFIO_TYPE1v2_IOMMU,
			      &container, &egroup, &edev));
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	pgroup = open(path, O_RDWR);
	ASSERT_LE(0, pgroup);
	ASSERT_EQ(0, ioctl(pgroup, VFIO_GROUP_GET_STATUS, &st));
	ASSERT_TRUE(st.flags & VFIO_GROUP_FLAGS_VIABLE);
	ASSERT_EQ(0, ioctl(pgroup, VFIO_GROUP_SET_CONTAINER, &container));
	pdev = ioctl(pgroup, VFIO_GROUP_GET_DEVICE_FD, bdf);
	ASSERT_LE(0, pdev);

	buf = t1_anon(BUF_SIZE);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, emu_map(container, buf, IOVA_RW, BUF_SIZE, T1_RW));
	u = usage_now();
	EXPECT_EQ(base.vmlck_kb + charged_kb(BUF_SIZE), u.vmlck_kb);
	EXPECT_LE(base.pins + BUF_PAGES, u.pins);

	ASSERT_EQ(4, emu_pin(edev, IOVA_RW, 4, VFIO_EMU_TEST_READ |
			     VFIO_EMU_TEST_WRITE));
	EXPECT_EQ(u.vmlck_kb, t1_vmlck_kb());
	fill(buf, sizeof(got), 8);
	ASSERT_EQ(0, emu_rw(edev, IOVA_RW, got, sizeof(got),
			    VFIO_EMU_TEST_RW_PINNED));
	EXPECT_EQ(0, memcmp(got, buf, sizeof(got)));

	/* Unmapping still asks the emulated device to let go. */
	EXPECT_EQ(0, emu_unmap(container, IOVA_RW, BUF_SIZE, NULL));
	EXPECT_EQ(1, emu_status(edev).unmaps);
	EXPECT_EQ(0, emu_status(edev).pinned);

	close_fd(&pdev);
	close_fd(&pgroup);
	close_fd(&edev);
	close_fd(&egroup);
	close_fd(&container);
	munmap(buf, BUF_SIZE);
	u = usage_now();
	EXPECT_EQ(base.pins, u.pins);
	EXPECT_EQ(base.vmlck_kb, u.vmlck_kb);
}

TEST_HARNESS_MAIN
