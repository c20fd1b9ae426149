// SPDX-License-Identifier: GPL-2.0
/*
 * Threads racing on one VFIO user's files, each test a bounded number of
 * rounds (RACE_ROUNDS, default 300).  What must hold whatever the
 * interleaving: every call returns success or an errno, the kernel does
 * not complain (the harness reads its log), a BAR mapping shows the
 * device's registers or faults (SIGBUS), never something stale, and at
 * the end no page is pinned and locked_vm is back where it was.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/eventfd.h>

#include "kselftest_harness.h"
#include "vfio_harness.h"
#include "type1_common.h"

#define POOL_PAGES	64

static unsigned int rounds(void)
{
	const char *s = getenv("RACE_ROUNDS");

	return s ? atoi(s) : 300;
}

/* A flag the threads poll to know when to stop. */
static int stop;

static bool stopping(void)
{
	return __atomic_load_n(&stop, __ATOMIC_ACQUIRE);
}

static void set_stop(int v)
{
	__atomic_store_n(&stop, v, __ATOMIC_RELEASE);
}

struct race {
	struct vfio_util_dev d;
	char *pool;		/* POOL_PAGES populated pages to map */
	long pins;
	long vmlck;
	unsigned int seed;
};

FIXTURE(race) {
	struct race r;
};

FIXTURE_SETUP(race)
{
	struct race *r = &self->r;

	vfio_util_dev_init(&r->d);
	ASSERT_EQ(0, t1_open(&r->d, VFIO_TYPE1v2_IOMMU));
	r->pool = t1_anon(POOL_PAGES * T1_SZ_4K);
	ASSERT_NE(NULL, r->pool);
	r->pins = t1_pins_held();
	r->vmlck = t1_vmlck_kb();
	set_stop(0);
}

FIXTURE_TEARDOWN(race)
{
	struct race *r = &self->r;

	set_stop(1);
	if (r->d.container >= 0)
		t1_unmap_all(&r->d);
	vfio_util_close(&r->d);
	munmap(r->pool, POOL_PAGES * T1_SZ_4K);
	EXPECT_EQ(r->pins, t1_pins_held());
	EXPECT_EQ(r->vmlck, t1_vmlck_kb());
}

/* Map and unmap random, overlapping page ranges of the pool. */
static void *mapper(void *arg)
{
	struct race *r = arg;
	unsigned int seed = __atomic_add_fetch(&r->seed, 7919, __ATOMIC_RELAXED);
	unsigned int i, n = rounds();

	for (i = 0; i < n && !stopping(); i++) {
		unsigned int first = rand_r(&seed) % POOL_PAGES;
		unsigned int len = 1 + rand_r(&seed) % (POOL_PAGES - first);
		uint64_t iova = T1_IOVA + first * T1_SZ_4K;

		if (rand_r(&seed) % 2)
			t1_map(&r->d, r->pool + first * T1_SZ_4K, iova,
			       len * T1_SZ_4K, T1_RW);
		else
			t1_unmap(&r->d, iova, len * T1_SZ_4K, 0, NULL);
	}
	return NULL;
}

TEST_F(race, map_and_unmap_of_overlapping_ranges)
{
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, mapper, &self->r));
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	/* Whatever is left mapped is exactly unmappable, all at once. */
	t1_unmap_all(&self->r.d);
	EXPECT_EQ(0, t1_dma_avail(&self->r.d) < 0);
}

/*
 * Held for writing while MSI is turned on or off: between enabling MSI
 * and activating a vector (and between freeing it and disabling MSI) the
 * vector's message reads address 0, and a function raising it then
 * writes to 0 (an IOMMU fault of the device's making, on any kernel).
 */
static pthread_rwlock_t msi_switch = PTHREAD_RWLOCK_INITIALIZER;

/* The device raises MSIs as fast as it can be told to. */
static void *raiser(void *arg)
{
	struct race *r = arg;

	while (!stopping()) {
		pthread_rwlock_rdlock(&msi_switch);
		vfio_util_bar_write32(&r->d, 0, EDU_REG_IRQ_RAISE, 1);
		vfio_util_bar_write32(&r->d, 0, EDU_REG_IRQ_ACK, 1);
		pthread_rwlock_unlock(&msi_switch);
	}
	return NULL;
}

static void memory_and_master_on(struct vfio_util_dev *d)
{
	uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;

	vfio_util_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND,
			       &cmd, sizeof(cmd));
}

TEST_F(race, set_irqs_while_the_device_interrupts)
{
	struct race *r = &self->r;
	int efd[2] = { eventfd(0, EFD_NONBLOCK), eventfd(0, EFD_NONBLOCK) };
	unsigned int i, n = rounds();
	pthread_t t;

	ASSERT_LE(0, efd[0]);
	ASSERT_LE(0, efd[1]);
	memory_and_master_on(&r->d);
	ASSERT_EQ(0, pthread_create(&t, NULL, raiser, r));
	/*
	 * Enable, swap the eventfd of the live vector (racing the device:
	 * the swap must never leave the vector without a message), and
	 * disable.  Not tried: removing one vector's eventfd with MSI left
	 * on, which frees the vector (see msi_switch).
	 */
	for (i = 0; i < n; i++) {
		switch (i % 3) {
		case 1:
			EXPECT_EQ(0, vfio_util_set_irq_eventfds(&r->d,
					VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd[1]));
			break;
		case 0:
			pthread_rwlock_wrlock(&msi_switch);
			EXPECT_EQ(0, vfio_util_set_irq_eventfds(&r->d,
					VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd[0]));
			pthread_rwlock_unlock(&msi_switch);
			break;
		default:
			pthread_rwlock_wrlock(&msi_switch);
			EXPECT_EQ(0, vfio_util_set_irq_eventfds(&r->d,
					VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL));
			pthread_rwlock_unlock(&msi_switch);
			break;
		}
	}
	set_stop(1);
	pthread_join(t, NULL);

	/* Still delivers afterwards. */
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&r->d, VFIO_PCI_MSI_IRQ_INDEX,
						0, 1, &efd[0]));
	vfio_util_eventfd_wait(efd[0], 100);
	vfio_util_bar_write32(&r->d, 0, EDU_REG_IRQ_RAISE, 1);
	EXPECT_NE(0, vfio_util_eventfd_wait(efd[0], 2000));
	vfio_util_set_irq_eventfds(&r->d, VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL);
	close(efd[0]);
	close(efd[1]);
}

/* BAR reads through a mapping: the ID, or SIGBUS while revoked. */
static __thread sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

struct reader {
	struct race *r;
	volatile uint32_t *bar;
	unsigned int good, faults, wrong;
};

static void *bar_reader(void *arg)
{
	struct reader *rd = arg;
	uint32_t v;

	while (!stopping()) {
		if (sigsetjmp(bus_jmp, 1)) {
			rd->faults++;
			continue;
		}
		v = rd->bar[EDU_REG_ID / 4];
		if (v == EDU_ID_VALUE)
			rd->good++;
		else
			rd->wrong++;
		/* pread is allowed to fail (decode off), not to lie. */
		v = vfio_util_bar_read32(&rd->r->d, 0, EDU_REG_ID);
		if (v != EDU_ID_VALUE && v != 0xffffffff)
			rd->wrong++;
	}
	return NULL;
}

TEST_F(race, reset_and_decode_changes_under_bar_access)
{
	struct race *r = &self->r;
	struct sigaction sa = { .sa_handler = on_sigbus };
	struct reader rd = { .r = r };
	struct vfio_region_info info;
	unsigned int i, n = rounds();
	uint16_t cmd;
	pthread_t t;

	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	memory_and_master_on(&r->d);
	ASSERT_EQ(0, vfio_util_region_info(&r->d, VFIO_PCI_BAR0_REGION_INDEX,
					   &info));
	rd.bar = mmap(NULL, 4096, PROT_READ, MAP_SHARED, r->d.device,
		      info.offset);
	ASSERT_NE(MAP_FAILED, rd.bar);
	ASSERT_EQ(0, pthread_create(&t, NULL, bar_reader, &rd));
	for (i = 0; i < n; i++) {
		if (i % 3 == 0) {
			ioctl(r->d.device, VFIO_DEVICE_RESET);
			memory_and_master_on(&r->d);
			continue;
		}
		cmd = i % 3 == 1 ? 0 : PCI_COMMAND_MEMORY;
		vfio_util_region_write(&r->d, VFIO_PCI_CONFIG_REGION_INDEX,
				       PCI_COMMAND, &cmd, sizeof(cmd));
	}
	memory_and_master_on(&r->d);
	set_stop(1);
	pthread_join(t, NULL);
	signal(SIGBUS, SIG_DFL);
	TH_LOG("%u good reads, %u faults", rd.good, rd.faults);
	EXPECT_EQ(0, rd.wrong);
	EXPECT_LT(0, rd.good);
	EXPECT_EQ(EDU_ID_VALUE, rd.bar[EDU_REG_ID / 4]);
	munmap((void *)rd.bar, 4096);
}

/* The group leaves its container while another thread maps. */
TEST_F(race, unset_container_while_mapping)
{
	struct race *r = &self->r;
	unsigned int i, n = rounds() / 10;
	pthread_t t;

	/* The device fd would keep the group attached: close it. */
	close(r->d.device);
	r->d.device = -1;
	for (i = 0; i < n; i++) {
		set_stop(0);
		ASSERT_EQ(0, pthread_create(&t, NULL, mapper, r));
		usleep(1000 * (i % 5));
		EXPECT_EQ(0, ioctl(r->d.group, VFIO_GROUP_UNSET_CONTAINER));
		set_stop(1);
		pthread_join(t, NULL);
		/* Back for the next round: attach and select type1 again. */
		ASSERT_EQ(0, ioctl(r->d.group, VFIO_GROUP_SET_CONTAINER,
				   &r->d.container));
		ASSERT_EQ(0, ioctl(r->d.container, VFIO_SET_IOMMU,
				   VFIO_TYPE1v2_IOMMU));
	}
}

struct opener {
	struct race *r;
	int group;
	unsigned int opened;
};

static void *device_opener(void *arg)
{
	struct opener *o = arg;
	int fd;

	while (!stopping()) {
		fd = ioctl(o->group, VFIO_GROUP_GET_DEVICE_FD, o->r->d.bdf);
		if (fd >= 0) {
			o->opened++;
			close(fd);
		}
	}
	return NULL;
}

/* GET_DEVICE_FD on a group file that another thread closes. */
TEST_F(race, get_device_fd_while_the_group_closes)
{
	struct race *r = &self->r;
	unsigned int i, n = rounds() / 10;
	struct opener o = { .r = r };
	char path[64], bdf[32];
	pthread_t t;

	/* Only this test's group file may be open: drop the fixture's. */
	vfio_util_close(&r->d);
	snprintf(path, sizeof(path), "/dev/vfio/%d", r->d.group_id);
	for (i = 0; i < n; i++) {
		int container = open("/dev/vfio/vfio", O_RDWR);

		o.group = open(path, O_RDWR);
		ASSERT_LE(0, o.group);
		ASSERT_EQ(0, ioctl(o.group, VFIO_GROUP_SET_CONTAINER,
				   &container));
		ASSERT_EQ(0, ioctl(container, VFIO_SET_IOMMU,
				   VFIO_TYPE1v2_IOMMU));
		set_stop(0);
		ASSERT_EQ(0, pthread_create(&t, NULL, device_opener, &o));
		usleep(2000 * (i % 4));
		close(o.group);
		close(container);
		set_stop(1);
		pthread_join(t, NULL);
	}
	TH_LOG("%u device files opened", o.opened);
	/* The group is free again: a new user gets it. */
	snprintf(bdf, sizeof(bdf), "%s", r->d.bdf);
	ASSERT_EQ(0, vfio_util_open(&r->d, bdf, VFIO_TYPE1v2_IOMMU));
}

VFIO_HARNESS_MAIN
