// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded, reproducible fuzzer of the VFIO uAPI.
 *
 * For each kind of file (a container without a backend, with type1 v2 or,
 * on POWER, sPAPR TCE v2 and v1; a group; the edu device; and where the
 * device cdev exists, that cdev not bound, bound, and bound and attached,
 * with a quarter of the calls going to its iommufd instead, as a user
 * interleaves them) it makes FUZZ_ITERS calls (default 3000) with
 * arguments that are random or sit on a boundary: argsz 0, one below the
 * minimum, the minimum, huge; flags of one random bit, all bits; indexes
 * and counts at and past the limits; offsets near 2^64 and region offsets
 * (index << 40) with counts that wrap; file descriptors of the wrong kind
 * and closed ones.  Every ioctl number of the uAPI is tried on every kind
 * of file, plus read/write/mmap at random offsets of the device.  Each
 * call must return success or an errno, and the kernel must not complain
 * (the harness reads its log); afterwards the device still works and no
 * page is left pinned.  It prints, per ioctl, how often each errno came
 * back, as a sign of how many distinct paths were reached.
 *
 * The PRNG seed is FUZZ_SEED (default fixed), so a failure reproduces.
 *
 * Left out on purpose, because the device model, not the kernel, would
 * misbehave:
 *  - writes to edu's BAR0: its DMA engine would write wherever a random
 *    IOVA points and fault in the IOMMU; so are ioeventfds on an eventfd
 *    that anything signals;
 *  - reads of edu's BAR0 narrower than 4 bytes or unaligned: QEMU's edu
 *    answers them with a bus error, which arm64 takes as a synchronous
 *    external abort, a host panic under any kernel (stock 6.12 included;
 *    x86 reads all ones).
 */
#include <fcntl.h>
#include <sys/eventfd.h>
#include <linux/iommufd.h>

#include "kselftest_harness.h"
#include "vfio_harness.h"
#include "type1_common.h"

static const struct { unsigned long cmd; const char *name; } cmds[] = {
#define C(x) { x, #x }
	C(VFIO_GET_API_VERSION), C(VFIO_CHECK_EXTENSION), C(VFIO_SET_IOMMU),
	C(VFIO_GROUP_GET_STATUS), C(VFIO_GROUP_SET_CONTAINER),
	C(VFIO_GROUP_UNSET_CONTAINER), C(VFIO_GROUP_GET_DEVICE_FD),
	C(VFIO_DEVICE_GET_INFO), C(VFIO_DEVICE_GET_REGION_INFO),
	C(VFIO_DEVICE_GET_IRQ_INFO), C(VFIO_DEVICE_SET_IRQS),
	C(VFIO_DEVICE_RESET), C(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO),
	C(VFIO_DEVICE_PCI_HOT_RESET), C(VFIO_DEVICE_QUERY_GFX_PLANE),
	C(VFIO_DEVICE_GET_GFX_DMABUF), C(VFIO_DEVICE_IOEVENTFD),
	C(VFIO_DEVICE_FEATURE), C(VFIO_MIG_GET_PRECOPY_INFO),
	C(VFIO_DEVICE_BIND_IOMMUFD), C(VFIO_DEVICE_ATTACH_IOMMUFD_PT),
	C(VFIO_DEVICE_DETACH_IOMMUFD_PT), C(VFIO_IOMMU_GET_INFO),
	C(VFIO_IOMMU_MAP_DMA), C(VFIO_IOMMU_UNMAP_DMA), C(VFIO_IOMMU_ENABLE),
	C(VFIO_IOMMU_DISABLE), C(VFIO_IOMMU_DIRTY_PAGES),
	C(VFIO_IOMMU_SPAPR_TCE_GET_INFO), C(VFIO_EEH_PE_OP),
	C(VFIO_IOMMU_SPAPR_REGISTER_MEMORY),
	C(VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY), C(VFIO_IOMMU_SPAPR_TCE_CREATE),
	C(VFIO_IOMMU_SPAPR_TCE_REMOVE),
	/* From here on iommufd's, which a cdev user interleaves. */
	C(IOMMU_IOAS_ALLOC), C(IOMMU_IOAS_MAP), C(IOMMU_IOAS_UNMAP),
	C(IOMMU_IOAS_COPY), C(IOMMU_IOAS_IOVA_RANGES),
	C(IOMMU_IOAS_ALLOW_IOVAS), C(IOMMU_DESTROY), C(IOMMU_OPTION),
	C(IOMMU_HWPT_ALLOC), C(IOMMU_GET_HW_INFO),
#undef C
};
#define NR_CMDS		(sizeof(cmds) / sizeof(cmds[0]))

/* Index of the first iommufd row. */
static unsigned int first_iommufd(void)
{
	unsigned int c = 0;

	while (cmds[c].cmd != IOMMU_IOAS_ALLOC)
		c++;
	return c;
}
#define NR_ERRNO	140
#define QUIET_FD	777

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t pick(const uint32_t *v, unsigned int n)
{
	return v[rnd() % n];
}

/* The fuzzer's world: the files, and eventfds nothing ever signals. */
struct world {
	struct vfio_util_dev d;
	int irq_efd;		/* only interrupts signal it */
	int quiet_efd;		/* nothing signals it: safe for ioeventfds */
	int closed_fd;		/* a number that was an eventfd, now closed */
	char *mem;		/* 2 MiB of populated memory to map */
	unsigned int count[NR_CMDS][NR_ERRNO + 1];
};

/* A value a kernel check could get wrong. */
static uint32_t boundary32(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 63, 64,
		255, 256, 4095, 4096, 0x7fffffff, 0x80000000, 0xfffffffe,
		0xffffffff,
	};

	switch (rnd() % 4) {
	case 0:
		return (uint32_t)rnd();
	case 1:
		return 1u << (rnd() % 32);
	default:
		return pick(v, sizeof(v) / sizeof(v[0]));
	}
}

static uint64_t boundary64(void)
{
	static const uint64_t v[] = {
		0, 1, 0x1000, T1_IOVA, T1_SZ_2M, 1ull << 40, (1ull << 40) - 1,
		7ull << 40, 0x7fffffffffffffffull, 0x8000000000000000ull,
		0xfffffffffffff000ull, ~0ull,
	};

	switch (rnd() % 3) {
	case 0:
		return rnd();
	default:
		return v[rnd() % (sizeof(v) / sizeof(v[0]))];
	}
}

static int32_t some_fd(struct world *w)
{
	const int32_t v[] = {
		-1, 0, 1, 2, w->irq_efd, w->closed_fd, w->d.container,
		w->d.group, w->d.device, w->d.iommufd, 0x7fffffff,
	};

	return v[rnd() % (sizeof(v) / sizeof(v[0]))];
}

/*
 * An argument: argsz on a boundary, then u32 fields that each are a
 * boundary value, an fd, or a plausible small number, then 64-bit fields
 * (vaddr/iova/size/offset) near the interesting addresses.
 */
static void fill_arg(struct world *w, unsigned long cmd, uint32_t *arg,
		     size_t words)
{
	uint64_t *q;
	size_t i;

	for (i = 0; i < words; i++)
		arg[i] = rnd() % 3 ? boundary32() : (uint32_t)rnd();
	arg[0] = rnd() % 3 ? _IOC_SIZE(cmd) ? boundary32() % 64 : boundary32()
			   : boundary32();
	for (i = 2; i < 8; i++)
		if (!(rnd() % 4))
			arg[i] = (uint32_t)some_fd(w);
	q = (uint64_t *)&arg[4];
	for (i = 0; i < 4; i++)
		if (!(rnd() % 2))
			q[i] = boundary64();
	/* iommufd's size field is not in the ioctl number: keep it near. */
	if (_IOC_TYPE(cmd) == IOMMUFD_TYPE && rnd() % 2)
		arg[0] = rnd() % 64;
	/*
	 * Memory we own, sometimes, so that maps and registrations get past
	 * the pinning: vaddr at byte 8 (MAP_DMA: then iova, size; sPAPR
	 * REGISTER_MEMORY: then size), user_va at byte 16 (IOAS_MAP: then
	 * length, iova).
	 */
	if ((cmd == VFIO_IOMMU_MAP_DMA ||
	     cmd == VFIO_IOMMU_SPAPR_REGISTER_MEMORY ||
	     cmd == VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY) && rnd() % 2) {
		q = (uint64_t *)&arg[2];
		q[0] = (uintptr_t)w->mem + (rnd() % 2 ? 0 : rnd() % T1_SZ_2M);
		if (cmd == VFIO_IOMMU_MAP_DMA) {
			q[1] = rnd() % 2 ? T1_IOVA : boundary64();
			q[2] = rnd() % 2 ? T1_SZ_2M : boundary64();
		} else {
			q[1] = rnd() % 2 ? T1_SZ_2M : boundary64();
		}
		/* ... with a valid head half the time, to get further. */
		if (rnd() % 2) {
			arg[0] = cmd == VFIO_IOMMU_MAP_DMA ?
				 sizeof(struct vfio_iommu_type1_dma_map) :
				 sizeof(struct vfio_iommu_spapr_register_memory);
			arg[1] = cmd == VFIO_IOMMU_MAP_DMA ? rnd() % 4 : 0;
		}
	}
	if (cmd == IOMMU_IOAS_MAP && rnd() % 2) {
		arg[1] = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 (rnd() % 2 ? IOMMU_IOAS_MAP_WRITEABLE : 0);
		arg[2] = w->d.ioas_id;
		q[0] = (uintptr_t)w->mem;
		q[1] = rnd() % 2 ? T1_SZ_2M : boundary64();
		q[2] = rnd() % 2 ? T1_IOVA : boundary64();
		if (rnd() % 2)
			arg[0] = sizeof(struct iommu_ioas_map);
	}
	/* An ioeventfd (fd at byte 24) only on the quiet eventfd, or none. */
	if (cmd == VFIO_DEVICE_IOEVENTFD)
		arg[6] = rnd() % 2 ? (uint32_t)w->quiet_efd :
			 rnd() % 2 ? (uint32_t)-1 : (uint32_t)w->closed_fd;
}

static void record(struct world *w, unsigned int c, long ret)
{
	int e = ret < 0 ? errno : 0;

	w->count[c][e > NR_ERRNO ? NR_ERRNO : e]++;
}

/* Is this an access to edu's BAR0 (see the top)? */
static bool is_bar0(uint64_t off)
{
	return (off >> 40) == VFIO_PCI_BAR0_REGION_INDEX;
}

static void fuzz_one(struct world *w, int fd, bool is_device)
{
	static uint32_t argbuf[1024] __attribute__((aligned(4096)));
	unsigned int c = rnd() % NR_CMDS, first;
	unsigned long cmd;
	char io[64];
	uint64_t off;
	size_t len;
	long ret;
	void *p;

	/* A cdev user's other file: iommufd calls in between. */
	if (w->d.iommufd >= 0 && fd != w->d.iommufd && !(rnd() % 4)) {
		fd = w->d.iommufd;
		is_device = false;
		first = first_iommufd();
		c = first + rnd() % (NR_CMDS - first);
	}
	cmd = cmds[c].cmd;
	if (is_device && !(rnd() % 8)) {
		/* read/write/mmap at region offsets, sizes that may wrap */
		off = rnd() % 2 ? boundary64() :
		      ((rnd() % 12) << 40) + (rnd() % 0x1100);
		switch (rnd() % 3) {
		case 0:
			len = 1 + rnd() % sizeof(io);
			if (is_bar0(off) && (len % 4 || off % 4))
				return;
			ret = pread(fd, io, len, off);
			break;
		case 1:
			if (is_bar0(off))
				return;
			memset(io, (int)rnd(), sizeof(io));
			ret = pwrite(fd, io, 1 + rnd() % sizeof(io), off);
			break;
		default:
			len = 4096 << (rnd() % 3);
			p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd,
				 off & ~0xfffull);
			if (p != MAP_FAILED)
				munmap(p, len);
			break;
		}
		return;
	}

	if (_IOC_DIR(cmd) == _IOC_NONE && !_IOC_SIZE(cmd) &&
	    (cmd == VFIO_CHECK_EXTENSION || cmd == VFIO_SET_IOMMU ||
	     cmd == VFIO_GET_API_VERSION || cmd == VFIO_GROUP_UNSET_CONTAINER ||
	     cmd == VFIO_DEVICE_RESET || cmd == VFIO_IOMMU_ENABLE ||
	     cmd == VFIO_IOMMU_DISABLE) && rnd() % 2) {
		ret = ioctl(fd, cmd, (unsigned long)boundary32());
	} else if (cmd == VFIO_GROUP_SET_CONTAINER) {
		int32_t cfd = some_fd(w);

		ret = ioctl(fd, cmd, &cfd);
	} else if (cmd == VFIO_GROUP_GET_DEVICE_FD) {
		snprintf(io, sizeof(io), "%s", rnd() % 2 ? w->d.bdf : "0000:zz");
		ret = ioctl(fd, cmd, io);
		if (ret >= 0)
			close((int)ret);
	} else {
		fill_arg(w, cmd, argbuf, 64);
		ret = ioctl(fd, cmd, rnd() % 16 ? (void *)argbuf :
			    (void *)boundary64());
		/* A device feature or dmabuf may hand out a file. */
		if (ret > 2 && (cmd == VFIO_DEVICE_FEATURE ||
				cmd == VFIO_DEVICE_GET_GFX_DMABUF))
			close((int)ret);
	}
	record(w, c, ret);
}

FIXTURE(fuzz) {
	struct world w;
	char bdf[32];
	long pins;
	unsigned int iters;
};

FIXTURE_SETUP(fuzz)
{
	const char *seed = getenv("FUZZ_SEED");
	const char *iters = getenv("FUZZ_ITERS");
	struct world *w = &self->w;
	const char *bdf;

	rng_state = seed ? strtoull(seed, NULL, 0) : 0x5eed0f0f1e5ull;
	self->iters = iters ? atoi(iters) : 3000;
	vfio_util_dev_init(&w->d);
	ASSERT_EQ(0, vfio_util_modprobe(VFIO_UTIL_ARCH_IOMMU_MODULE));
	ASSERT_EQ(0, vfio_util_modprobe("vfio-pci"));
	bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);
	ASSERT_NE(NULL, bdf);
	snprintf(self->bdf, sizeof(self->bdf), "%s", bdf);
	ASSERT_EQ(0, vfio_util_open(&w->d, self->bdf, VFIO_UTIL_ARCH_IOMMU));
	w->irq_efd = eventfd(0, EFD_NONBLOCK);
	/*
	 * At a number no boundary value hits, so that no random SET_IRQS or
	 * low-power wakeup makes it the eventfd of something that fires.
	 */
	w->quiet_efd = dup2(eventfd(0, EFD_NONBLOCK), QUIET_FD);
	ASSERT_EQ(QUIET_FD, w->quiet_efd);
	w->closed_fd = eventfd(0, 0);
	ASSERT_LE(0, w->closed_fd);
	close(w->closed_fd);
	w->mem = t1_anon(T1_SZ_2M);
	ASSERT_NE(NULL, w->mem);
	self->pins = t1_pins_held();
}

FIXTURE_TEARDOWN(fuzz)
{
	vfio_util_close(&self->w.d);
	close(self->w.irq_efd);
	close(self->w.quiet_efd);
	munmap(self->w.mem, T1_SZ_2M);
}

static void report(struct world *w, const char *what, unsigned int iters)
{
	unsigned int c, e, paths = 0;
	char line[512];
	int n;

	printf("# %s: %u calls\n", what, iters);
	for (c = 0; c < NR_CMDS; c++) {
		n = snprintf(line, sizeof(line), "#   %s:", cmds[c].name);
		for (e = 0; e <= NR_ERRNO; e++) {
			if (!w->count[c][e])
				continue;
			paths++;
			n += snprintf(line + n, sizeof(line) - n, " %s=%u",
				      e ? strerrorname_np(e) ?: "?" : "ok",
				      w->count[c][e]);
		}
		if (n > (int)strlen(cmds[c].name) + 6)
			printf("%s\n", line);
	}
	printf("# %s: %u distinct (ioctl, result) pairs\n", what, paths);
}

/* The device still does what it did before: its ID reads back. */
static void device_still_works(struct __test_metadata *_metadata,
			       struct world *w)
{
	unsigned int pm = vfio_util_sysfs_cap(w->d.bdf, PCI_CAP_ID_PM);
	uint16_t cmd = PCI_COMMAND_MEMORY, d0 = 0;

	/* Undo what random config writes may have done: D0, decode on. */
	vfio_util_set_irq_eventfds(&w->d, VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL);
	if (pm)
		vfio_util_region_write(&w->d, VFIO_PCI_CONFIG_REGION_INDEX,
				       pm + PCI_PM_CTRL, &d0, 2);
	ASSERT_EQ(2, vfio_util_region_write(&w->d, VFIO_PCI_CONFIG_REGION_INDEX,
					    PCI_COMMAND, &cmd, 2));
	EXPECT_EQ(EDU_ID_VALUE,
		  vfio_util_edu32(vfio_util_bar_read32(&w->d, 0, EDU_REG_ID)));
}

/*
 * Fuzz @fd; then the device, if @fd is it (bound and attached), still
 * works through it; with every file closed nothing stays pinned; and the
 * device opened afresh through its group works.
 */
static void fuzz_fd(struct __test_metadata *_metadata,
		    FIXTURE_DATA(fuzz) *self, int fd, bool is_device,
		    bool check_fd, const char *what)
{
	struct world *w = &self->w;
	unsigned int i;

	for (i = 0; i < self->iters; i++)
		fuzz_one(w, fd, is_device);
	report(w, what, self->iters);
	if (check_fd)
		device_still_works(_metadata, w);
	vfio_util_close(&w->d);
	EXPECT_EQ(self->pins, t1_pins_settled(self->pins, 2000));
	ASSERT_EQ(0, vfio_util_open(&w->d, self->bdf, VFIO_UTIL_ARCH_IOMMU));
	device_still_works(_metadata, w);
}

TEST_F(fuzz, container_without_backend)
{
	int fd = open("/dev/vfio/vfio", O_RDWR);

	ASSERT_LE(0, fd);
	fuzz_fd(_metadata, self, fd, false, true, "container without backend");
	close(fd);
}

#if VFIO_UTIL_ARCH_HAS_TYPE1
TEST_F(fuzz, container_type1v2)
{
	fuzz_fd(_metadata, self, self->w.d.container, false, true,
		"type1v2 container");
}
#endif

#if VFIO_UTIL_ARCH_HAS_SPAPR
static int spapr_reg(int c, void *mem)
{
	struct vfio_iommu_spapr_register_memory r = {
		.argsz = sizeof(r), .vaddr = (uintptr_t)mem, .size = T1_SZ_2M,
	};

	return t1_ioctl(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, &r);
}

/* v2, with the buffer preregistered so that maps of it can succeed. */
TEST_F(fuzz, container_spapr_v2)
{
	ASSERT_EQ(0, spapr_reg(self->w.d.container, self->w.mem));
	fuzz_fd(_metadata, self, self->w.d.container, false, true,
		"sPAPR TCE v2 container");
}

/* v1, enabled: maps pin on their own. */
TEST_F(fuzz, container_spapr_v1)
{
	struct world *w = &self->w;

	vfio_util_close(&w->d);
	ASSERT_EQ(0, vfio_util_open(&w->d, self->bdf, VFIO_SPAPR_TCE_IOMMU));
	ASSERT_EQ(0, t1_ioctl(w->d.container, VFIO_IOMMU_ENABLE, NULL));
	fuzz_fd(_metadata, self, w->d.container, false, true,
		"sPAPR TCE v1 container");
}
#endif

TEST_F(fuzz, group)
{
	fuzz_fd(_metadata, self, self->w.d.group, false, true, "group");
}

TEST_F(fuzz, device)
{
	fuzz_fd(_metadata, self, self->w.d.device, true, true, "device");
}

#if VFIO_UTIL_ARCH_HAS_TYPE1
/*
 * The device cdev (x86_64, arm64) at each step of its setup, with iommufd
 * calls interleaved: opened only, bound to an iommufd, bound and attached
 * to an IOAS.
 */
static void cdev_open_at(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fuzz) *self, int step)
{
	struct vfio_util_dev *d = &self->w.d;
	char path[64];
	int ret;

	vfio_util_close(d);
	if (step == 2) {
		ASSERT_EQ(0, vfio_util_open_mode(d, self->bdf, VFIO_UTIL_CDEV));
		return;
	}
	ASSERT_EQ(0, vfio_util_cdev_path(self->bdf, path, sizeof(path)));
	d->iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, d->iommufd);
	ret = vfio_util_ioas_alloc(d->iommufd);
	ASSERT_LT(0, ret);
	d->ioas_id = ret;
	d->device = open(path, O_RDWR);
	ASSERT_LE(0, d->device);
	if (step == 1)
		ASSERT_EQ(0, vfio_util_cdev_bind(d->device, d->iommufd,
						 &d->devid));
}

TEST_F(fuzz, cdev_unbound)
{
	cdev_open_at(_metadata, self, 0);
	fuzz_fd(_metadata, self, self->w.d.device, true, false,
		"cdev, not bound");
}

TEST_F(fuzz, cdev_bound)
{
	cdev_open_at(_metadata, self, 1);
	fuzz_fd(_metadata, self, self->w.d.device, true, false,
		"cdev, bound");
}

TEST_F(fuzz, cdev_attached)
{
	cdev_open_at(_metadata, self, 2);
	fuzz_fd(_metadata, self, self->w.d.device, true, true,
		"cdev, bound and attached");
}
#endif

/*
 * Stock 6.12.117 oopses here: the offset's top bit makes a negative BAR
 * index that passes its "> BAR5" check.
 */
TEST_F(fuzz, ioeventfd_offset_with_top_bit_is_refused)
{
	struct vfio_device_ioeventfd ev = {
		.argsz = sizeof(ev), .flags = VFIO_DEVICE_IOEVENTFD_32,
		.offset = 0x8000000000000000ull, .data = 1,
		.fd = self->w.quiet_efd,
	};
	static const uint64_t offsets[] = {
		0x8000000000000000ull, 0xffffff0000000000ull, ~0ull,
		0xfffffffffffffffcull, (uint64_t)-1 << 40,
	};
	unsigned int i;

	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		ev.offset = offsets[i];
		EXPECT_EQ(-1, ioctl(self->w.d.device, VFIO_DEVICE_IOEVENTFD,
				    &ev));
		EXPECT_EQ(EINVAL, errno);
	}
}

/* The same class everywhere an offset is decoded: read/write/mmap. */
TEST_F(fuzz, offsets_near_2_64_are_refused)
{
	static const uint64_t rw_offsets[] = {
		0x8000000000000000ull, 0xffffff0000000000ull,
		0xfffffffffffff000ull, (uint64_t)0x7f << 40,
	};
	/* mmap offsets are a signed off_t: the largest page-aligned ones. */
	static const uint64_t mmap_offsets[] = {
		0x7ffffffffffff000ull, (uint64_t)0x7f << 40,
		(uint64_t)VFIO_PCI_NUM_REGIONS << 40,
	};
	char buf[8];
	unsigned int i;
	void *p;

	for (i = 0; i < sizeof(rw_offsets) / sizeof(rw_offsets[0]); i++) {
		EXPECT_EQ(-1, pread(self->w.d.device, buf, 4, rw_offsets[i]));
		EXPECT_EQ(-1, pwrite(self->w.d.device, buf, 4, rw_offsets[i]));
	}
	for (i = 0; i < sizeof(mmap_offsets) / sizeof(mmap_offsets[0]); i++) {
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->w.d.device,
			 mmap_offsets[i]);
		EXPECT_EQ(MAP_FAILED, p);
	}
	/* A count that wraps past the end of the BAR. */
	EXPECT_EQ(-1, pread(self->w.d.device, buf, 8,
			    ((uint64_t)VFIO_PCI_BAR0_REGION_INDEX << 40) +
			    0xfffffffffcull));
}

VFIO_HARNESS_MAIN
