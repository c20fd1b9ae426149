// SPDX-License-Identifier: GPL-2.0
/*
 * SIGKILL at random points of a QEMU-like VFIO user, and in the middle of
 * a large MAP_DMA.
 *
 * The user is a child process that, in a loop, opens the container, group
 * and device, maps a few hundred MiB for DMA, enables MSI, maps BAR0, has
 * edu copy a page to its buffer and back, raises an interrupt and tears it
 * all down (every other time leaving the teardown to close(), as a VM that
 * exits does).  The parent kills it after a random delay drawn from a
 * seeded generator (KILL_SEED; the seed is logged so that a failing run can
 * be replayed), KILL_ROUNDS times.  After each kill: no page is left
 * pinned (nr_foll_pin_acquired == nr_foll_pin_released) and the parent's
 * locked_vm has not moved; the next child opens and uses the device again.
 * At the end the device is unbound and probed by vfio-pci again (edu has
 * no host driver) and used, and the VFIO modules hold no more references
 * than before (the harness also unloads them after the run).
 *
 * make test keeps to small settings: KILL_ROUNDS (5), KILL_MAP_MB (128)
 * for the workload, KILL_BIG_MB (256) for the large MAP_DMA, which is
 * killed KILL_BIG_ROUNDS (2) times while it pins; make stress raises them
 * (within the 2 GiB of the test VM).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vfio_harness.h"
#include "type1_common.h"

#define DMA_LEN		2048

/* Where the child is, for the parent to read after the kill. */
enum phase {
	PH_START,
	PH_OPEN,
	PH_MAP,
	PH_MSI,
	PH_BAR,
	PH_DMA,
	PH_IRQ,
	PH_TEARDOWN,
	PH_CLOSE,
	PH_NR,
};

static const char *const phase_name[PH_NR] = {
	"start", "open", "map_dma", "msi", "bar_mmap", "dma", "irq",
	"teardown", "close",
};

/* One page shared between parent and child. */
struct shared {
	int phase;
	int err_phase;
	int err;
	unsigned long iters;	/* workload loops the child completed */
};

static const char *const modules[] = {
	"vfio", "vfio_pci_core", "vfio_pci", "vfio_iommu_type1",
};

#define NR_MODULES	ARRAY_SIZE(modules)

FIXTURE(kill) {
	char bdf[32];
	struct shared *sh;
	long pins;
	long vmlck;
	long refcnt[NR_MODULES];
	unsigned int seed;
};

static long module_refcnt(const char *mod)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	return vfio_util_read_long(path);
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void set_phase(struct shared *sh, int phase)
{
	__atomic_store_n(&sh->phase, phase, __ATOMIC_RELEASE);
}

static int get_phase(struct shared *sh)
{
	return __atomic_load_n(&sh->phase, __ATOMIC_ACQUIRE);
}

/* Record the first failure of the child's and leave. */
static void child_fail(struct shared *sh, int err)
{
	sh->err_phase = get_phase(sh);
	sh->err = err ? err : -EIO;
	_exit(1);
}

#define CHILD_CHECK(sh, expr) do {			\
	int __ret = (expr);				\
	if (__ret)					\
		child_fail(sh, __ret < 0 ? __ret : -EIO); \
} while (0)

/*
 * Where the workload maps @size: at T1_IOVA, or past the platform's MSI
 * window when that would overlap it (arm64's is at 128 MiB); either way
 * low enough for edu's 28-bit DMA to reach the start.
 */
static uint64_t map_iova(size_t size)
{
	if (T1_IOVA + size <= T1_MSI_START || T1_IOVA > T1_MSI_LAST)
		return T1_IOVA;
	return T1_MSI_LAST + 1;
}

/* One QEMU-like life of the device; @tidy: tear down before closing. */
static void workload_once(struct shared *sh, const char *bdf, size_t size,
			  bool tidy)
{
	uint64_t iova = map_iova(size);
	struct vfio_region_info info;
	struct vfio_util_dev d;
	volatile uint32_t *bar;
	unsigned int i;
	char *buf;
	int efd;

	set_phase(sh, PH_OPEN);
	CHILD_CHECK(sh, vfio_util_open(&d, bdf, VFIO_TYPE1v2_IOMMU));

	set_phase(sh, PH_MAP);
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED)
		child_fail(sh, -errno);
	CHILD_CHECK(sh, t1_map(&d, buf, iova, size, T1_RW));

	set_phase(sh, PH_MSI);
	efd = eventfd(0, EFD_NONBLOCK);
	if (efd < 0)
		child_fail(sh, -errno);
	CHILD_CHECK(sh, vfio_util_set_irq_eventfds(&d, VFIO_PCI_MSI_IRQ_INDEX,
						   0, 1, &efd));

	set_phase(sh, PH_BAR);
	t1_bus_master(&d, true);
	CHILD_CHECK(sh, vfio_util_region_info(&d, VFIO_PCI_BAR0_REGION_INDEX,
					      &info));
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d.device,
		   info.offset);
	if (bar == MAP_FAILED)
		child_fail(sh, -errno);
	CHILD_CHECK(sh, bar[EDU_REG_ID / 4] != EDU_ID_VALUE);

	/*
	 * DMA_LEN bytes out through edu's buffer and back to the next page
	 * (QEMU's edu refuses a transfer that ends at its buffer's end).
	 */
	set_phase(sh, PH_DMA);
	for (i = 0; i < DMA_LEN; i++)
		buf[i] = (char)(i * 7 + sh->iters);
	memset(buf + 4096, 0, DMA_LEN);
	CHILD_CHECK(sh, vfio_util_edu_dma(&d, iova, 0, DMA_LEN, false));
	CHILD_CHECK(sh, vfio_util_edu_dma(&d, iova + 4096, 0, DMA_LEN, true));
	CHILD_CHECK(sh, memcmp(buf, buf + 4096, DMA_LEN) != 0);

	set_phase(sh, PH_IRQ);
	bar[EDU_REG_IRQ_RAISE / 4] = 1;
	CHILD_CHECK(sh, vfio_util_eventfd_wait(efd, 5000) == 0);
	bar[EDU_REG_IRQ_ACK / 4] = 1;

	set_phase(sh, PH_TEARDOWN);
	if (tidy) {
		CHILD_CHECK(sh, vfio_util_set_irq_eventfds(&d,
				VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL));
		munmap((void *)bar, 4096);
		CHILD_CHECK(sh, vfio_util_unmap(&d, iova, size, NULL));
		munmap(buf, size);
	}

	set_phase(sh, PH_CLOSE);
	vfio_util_close(&d);
	if (!tidy) {
		munmap((void *)bar, 4096);
		munmap(buf, size);
	}
	close(efd);
	sh->iters++;
}

static size_t env_mb(const char *name, unsigned long def)
{
	return vfio_env_ulong(name, def) << 20;
}

/* Fork the workload; @loops 0 runs it until killed. */
static pid_t start_workload(FIXTURE_DATA(kill) *self, unsigned long loops)
{
	size_t size = env_mb("KILL_MAP_MB", 128);
	pid_t pid = fork();
	unsigned long n;

	if (pid)
		return pid;
	for (n = 0; !loops || n < loops; n++)
		workload_once(self->sh, self->bdf, size, n % 2 == 0);
	_exit(0);
}

/* Open the device again and check its ID and DMA: it still works. */
static void device_works(struct __test_metadata *_metadata, const char *bdf)
{
	struct vfio_util_dev d;
	char *buf = t1_anon(2 * T1_SZ_4K);

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, vfio_util_open(&d, bdf, VFIO_TYPE1v2_IOMMU));
	t1_bus_master(&d, true);
	EXPECT_EQ(EDU_ID_VALUE, vfio_util_bar_read32(&d, 0, EDU_REG_ID));
	ASSERT_EQ(0, t1_map(&d, buf, T1_IOVA, 2 * T1_SZ_4K, T1_RW));
	memset(buf, 0x5a, DMA_LEN);
	EXPECT_EQ(0, vfio_util_edu_dma(&d, T1_IOVA, 0, DMA_LEN, false));
	EXPECT_EQ(0, vfio_util_edu_dma(&d, T1_IOVA + T1_SZ_4K, 0, DMA_LEN,
				       true));
	EXPECT_EQ(0, memcmp(buf, buf + T1_SZ_4K, DMA_LEN));
	EXPECT_EQ(0, vfio_util_unmap(&d, T1_IOVA, 2 * T1_SZ_4K, NULL));
	vfio_util_close(&d);
	munmap(buf, 2 * T1_SZ_4K);
}

FIXTURE_SETUP(kill)
{
	const char *bdf;
	unsigned int i;

	ASSERT_EQ(0, vfio_util_modprobe("vfio_iommu_type1"));
	ASSERT_EQ(0, vfio_util_modprobe("vfio-pci"));
	bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);
	if (!bdf)
		SKIP(return, "no edu device");
	snprintf(self->bdf, sizeof(self->bdf), "%s", bdf);
	self->sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	self->seed = vfio_env_ulong("KILL_SEED", now_ns() ^ getpid());
	TH_LOG("KILL_SEED=%u", self->seed);

	/* Bound to vfio-pci and working before anything is killed. */
	device_works(_metadata, self->bdf);
	self->pins = t1_pins_held();
	self->vmlck = t1_vmlck_kb();
	for (i = 0; i < NR_MODULES; i++)
		self->refcnt[i] = module_refcnt(modules[i]);
}

FIXTURE_TEARDOWN(kill)
{
	unsigned int i;

	if (!self->bdf[0])
		return;
	/* Removed from vfio-pci and probed again: still a working device. */
	EXPECT_EQ(0, vfio_util_bind(self->bdf, ""));
	EXPECT_EQ(0, vfio_util_bind(self->bdf, "vfio-pci"));
	device_works(_metadata, self->bdf);
	EXPECT_EQ(self->pins, t1_pins_settled(self->pins, 5000));
	EXPECT_EQ(self->vmlck, t1_vmlck_kb());
	for (i = 0; i < NR_MODULES; i++) {
		long now = module_refcnt(modules[i]);

		if (now != self->refcnt[i])
			ksft_print_msg("module %s: refcnt %ld, was %ld\n",
				       modules[i], now, self->refcnt[i]);
		EXPECT_EQ(self->refcnt[i], now);
	}
	munmap(self->sh, 4096);
}

/* Reap @pid; a child that ended on its own must have succeeded. */
static void reap(struct __test_metadata *_metadata,
		 FIXTURE_DATA(kill) *self, pid_t pid)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WIFSIGNALED(status)) {
		EXPECT_EQ(SIGKILL, WTERMSIG(status));
	} else {
		EXPECT_EQ(0, WEXITSTATUS(status))
			TH_LOG("child failed in %s: %d",
			       phase_name[self->sh->err_phase], self->sh->err);
	}
}

TEST_F_TIMEOUT(kill, at_random_points_of_a_qemu_like_user, 300)
{
	unsigned int i, n = vfio_env_ulong("KILL_ROUNDS", 5);
	unsigned int hits[PH_NR] = { 0 };
	unsigned long iters = 0;
	long t0, loop_us;
	pid_t pid;

	/* How long one loop takes here: the kills spread over 1.5 loops. */
	memset(self->sh, 0, sizeof(*self->sh));
	t0 = now_ns();
	pid = start_workload(self, 1);
	ASSERT_LE(0, pid);
	reap(_metadata, self, pid);
	ASSERT_EQ(1, self->sh->iters);
	loop_us = (now_ns() - t0) / 1000;
	TH_LOG("one loop: %ld ms", loop_us / 1000);
	ASSERT_EQ(self->pins, t1_pins_settled(self->pins, 5000));

	for (i = 0; i < n; i++) {
		unsigned int delay = rand_r(&self->seed) % (loop_us * 3 / 2);

		memset(self->sh, 0, sizeof(*self->sh));
		pid = start_workload(self, 0);
		ASSERT_LE(0, pid);
		usleep(delay);
		kill(pid, SIGKILL);
		reap(_metadata, self, pid);
		hits[self->sh->phase]++;
		iters += self->sh->iters;
		/* Nothing of the dead user stays pinned or charged. */
		ASSERT_EQ(self->pins, t1_pins_settled(self->pins, 5000))
			TH_LOG("round %u: killed after %u us in %s", i, delay,
			       phase_name[self->sh->phase]);
		ASSERT_EQ(self->vmlck, t1_vmlck_kb());
	}
	for (i = 0; i < PH_NR; i++)
		if (hits[i])
			TH_LOG("killed in %s: %u", phase_name[i], hits[i]);
	TH_LOG("%u kills, %lu loops completed before them", n, iters);
}

/* The child maps @size in one MAP_DMA and waits. */
static pid_t start_big_map(FIXTURE_DATA(kill) *self, size_t size)
{
	struct vfio_util_dev d;
	pid_t pid = fork();
	char *buf;

	if (pid)
		return pid;
	set_phase(self->sh, PH_OPEN);
	CHILD_CHECK(self->sh, vfio_util_open(&d, self->bdf,
					     VFIO_TYPE1v2_IOMMU));
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED)
		child_fail(self->sh, -errno);
	set_phase(self->sh, PH_MAP);
	CHILD_CHECK(self->sh, t1_map(&d, buf, map_iova(size), size, T1_RW));
	set_phase(self->sh, PH_TEARDOWN);
	for (;;)
		pause();
}

/*
 * Each round draws the share of the range (10% to 90%) that is to be
 * pinned when the kill comes, watches the pin counters and kills the
 * child once they get there: a kill in the middle of the pinning loop,
 * whose partial work type1 must undo.
 */
TEST_F_TIMEOUT(kill, in_the_middle_of_a_large_map_dma, 300)
{
	unsigned int i, n = vfio_env_ulong("KILL_BIG_ROUNDS", 2), mid = 0;
	size_t size = env_mb("KILL_BIG_MB", 256);
	long pages = size / getpagesize(), target, pinned;
	long t0, killed_ns;
	pid_t pid;

	for (i = 0; i < n; i++) {
		target = pages / 10 + rand_r(&self->seed) % (pages * 8 / 10);
		memset(self->sh, 0, sizeof(*self->sh));
		pid = start_big_map(self, size);
		ASSERT_LE(0, pid);
		t0 = now_ns();
		do {
			pinned = t1_pins_held() - self->pins;
		} while (pinned < target && get_phase(self->sh) < PH_TEARDOWN &&
			 !self->sh->err && now_ns() - t0 < 120000000000L);
		kill(pid, SIGKILL);
		t0 = now_ns();
		reap(_metadata, self, pid);
		killed_ns = now_ns() - t0;
		ASSERT_EQ(0, self->sh->err);
		/* Killed with part of the range pinned, the map not done. */
		if (get_phase(self->sh) == PH_MAP && pinned >= target)
			mid++;
		TH_LOG("round %u: killed at %ld of %ld pages pinned%s, dead %ld ms later",
		       i, pinned, pages,
		       get_phase(self->sh) == PH_MAP ? "" : " (map done)",
		       killed_ns / 1000000);
		ASSERT_EQ(self->pins, t1_pins_settled(self->pins, 5000));
		ASSERT_EQ(self->vmlck, t1_vmlck_kb());
	}
	/* The targets fall inside the range: the kills land mid-way. */
	EXPECT_LT(0, mid);
}

VFIO_HARNESS_MAIN
