// SPDX-License-Identifier: GPL-2.0
/*
 * Unbinding a device from vfio-pci while userspace uses it: the removal
 * waits for the device file to be closed, asking the user through the
 * REQ interrupt meanwhile; the group then goes away under its still open
 * file, and its container loses the backend.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_harness.h"
#include "vfio_util.h"

struct unbind_job {
	char bdf[32];
	pthread_t thread;
	int done;	/* read and written with __atomic builtins */
	int ret;
};

static void *unbind_thread(void *arg)
{
	struct unbind_job *job = arg;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 job->bdf);
	job->ret = vfio_util_write_file(path, job->bdf);
	__atomic_store_n(&job->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int unbind_done(struct unbind_job *job)
{
	return __atomic_load_n(&job->done, __ATOMIC_ACQUIRE);
}

static void start_unbind(struct unbind_job *job, const char *bdf)
{
	snprintf(job->bdf, sizeof(job->bdf), "%s", bdf);
	__atomic_store_n(&job->done, 0, __ATOMIC_RELEASE);
	pthread_create(&job->thread, NULL, unbind_thread, job);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int group_status(int group)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	return ioctl(group, VFIO_GROUP_GET_STATUS, &status) ? -errno :
							     (int)status.flags;
}

FIXTURE(unplug) {
	struct vfio_util_dev d;
	int efd;
};

FIXTURE_SETUP(unplug)
{
	const char *bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);

	vfio_util_dev_init(&self->d);
	self->efd = -1;
	if (!bdf)
		SKIP(return, "no edu device");
	vfio_util_modprobe("vfio_iommu_type1");
	ASSERT_EQ(0, vfio_util_open(&self->d, bdf, VFIO_TYPE1v2_IOMMU));
	self->efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(unplug)
{
	vfio_util_close(&self->d);
	if (self->efd >= 0)
		close(self->efd);
	/* Leave the device with vfio-pci for the next test. */
	if (self->d.bdf[0])
		vfio_util_bind(self->d.bdf, "vfio-pci");
}

TEST_F(unplug, unbind_waits_for_device_close_and_asks_for_it)
{
	struct unbind_job job;
	int i;

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
						&self->efd));
	start_unbind(&job, self->d.bdf);

	/* The request comes at once; the removal waits for us. */
	EXPECT_LE(1, vfio_util_eventfd_wait(self->efd, 10000));
	usleep(200 * 1000);
	EXPECT_EQ(0, unbind_done(&job));

	close(self->d.device);
	self->d.device = -1;
	for (i = 0; i < 100 && !unbind_done(&job); i++)
		usleep(100 * 1000);
	pthread_join(job.thread, NULL);
	EXPECT_EQ(0, job.ret);
	EXPECT_STREQ("", vfio_util_current_driver(self->d.bdf));

	/* The group file outlived its group. */
	EXPECT_EQ(-ENODEV, group_status(self->d.group));
	EXPECT_EQ(-1, ioctl(self->d.group, VFIO_GROUP_SET_CONTAINER,
			    &self->d.container));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, ioctl(self->d.group, VFIO_GROUP_GET_DEVICE_FD,
			    self->d.bdf));
	/* The container lost its only group, and with it the backend. */
	EXPECT_EQ(-1, ioctl(self->d.container, VFIO_SET_IOMMU,
			    VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(EINVAL, errno);
}

/* Nobody answers: the request is repeated (every 10 seconds). */
TEST_F_TIMEOUT(unplug, request_is_repeated_until_released, 60)
{
	struct unbind_job job;
	double start;
	__u64 seen = 0;

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
						&self->efd));
	start = now();
	start_unbind(&job, self->d.bdf);

	while (seen < 2 && now() - start < 30)
		seen += vfio_util_eventfd_wait(self->efd, 1000);
	EXPECT_LE(2, seen);
	EXPECT_LE(9, now() - start);
	EXPECT_EQ(0, unbind_done(&job));

	close(self->d.device);
	self->d.device = -1;
	pthread_join(job.thread, NULL);
	EXPECT_EQ(0, job.ret);
}

/* Lines of /proc/interrupts naming vectors of @bdf that VFIO requested. */
static int vfio_irq_lines(const char *bdf)
{
	char line[512], name[64];
	int n = 0;
	FILE *f;

	snprintf(name, sizeof(name), "(%s)", bdf);
	f = fopen("/proc/interrupts", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "vfio-") && strstr(line, name))
			n++;
	fclose(f);
	return n;
}

/*
 * Unbind while the user has BAR0 mapped and MSI enabled.  6.12 only asks
 * (REQ) and waits: nothing is revoked while the device is open, so the
 * mapping keeps reading the device and MSI keeps being delivered.  The
 * mapping holds the device file, so closing every fd is not enough: the
 * removal completes once the mapping goes too, and then the vectors are
 * gone.
 */
TEST_F_TIMEOUT(unplug, unbind_with_bar_mapped_and_msi_enabled, 60)
{
	struct vfio_region_info info;
	volatile uint32_t *bar;
	struct unbind_job job;
	uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	int msi, i;

	msi = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, msi);
	ASSERT_EQ(sizeof(cmd), vfio_util_region_write(&self->d,
			VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND, &cmd,
			sizeof(cmd)));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
						&self->efd));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
						&msi));
	ASSERT_EQ(0, vfio_util_region_info(&self->d,
					   VFIO_PCI_BAR0_REGION_INDEX, &info));
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->d.device, info.offset);
	ASSERT_NE(MAP_FAILED, bar);
	ASSERT_EQ(EDU_ID_VALUE, bar[EDU_REG_ID / 4]);
	ASSERT_EQ(1, vfio_irq_lines(self->d.bdf));

	start_unbind(&job, self->d.bdf);
	EXPECT_LE(1, vfio_util_eventfd_wait(self->efd, 10000));
	usleep(200 * 1000);
	EXPECT_EQ(0, unbind_done(&job));

	/* While the removal waits, the device is still the user's. */
	EXPECT_EQ(EDU_ID_VALUE, bar[EDU_REG_ID / 4]);
	bar[EDU_REG_IRQ_RAISE / 4] = 1;
	EXPECT_LE(1, vfio_util_eventfd_wait(msi, 5000));
	bar[EDU_REG_IRQ_ACK / 4] = 1;

	/* Every fd closed; the mapping still holds the device file. */
	vfio_util_close(&self->d);
	usleep(500 * 1000);
	EXPECT_EQ(0, unbind_done(&job));
	EXPECT_EQ(EDU_ID_VALUE, bar[EDU_REG_ID / 4]);

	/* The last reference goes with the mapping: the unbind completes. */
	munmap((void *)bar, 4096);
	for (i = 0; i < 100 && !unbind_done(&job); i++)
		usleep(100 * 1000);
	EXPECT_EQ(1, unbind_done(&job));
	pthread_join(job.thread, NULL);
	EXPECT_EQ(0, job.ret);
	EXPECT_STREQ("", vfio_util_current_driver(self->d.bdf));
	EXPECT_EQ(0, vfio_irq_lines(self->d.bdf));
	close(msi);
}

/* A group file alone does not hold the device back. */
TEST_F(unplug, unbind_with_only_group_open_is_immediate)
{
	struct unbind_job job;
	char path[64];
	int i;

	close(self->d.device);
	self->d.device = -1;
	start_unbind(&job, self->d.bdf);
	for (i = 0; i < 100 && !unbind_done(&job); i++)
		usleep(100 * 1000);
	EXPECT_EQ(1, unbind_done(&job));
	pthread_join(job.thread, NULL);
	EXPECT_EQ(-ENODEV, group_status(self->d.group));

	/* Binding again makes a new group of the same number. */
	ASSERT_EQ(0, vfio_util_bind(self->d.bdf, "vfio-pci"));
	snprintf(path, sizeof(path), "/dev/vfio/%d", self->d.group_id);
	i = open(path, O_RDWR);
	ASSERT_LE(0, i);
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_status(i));
	close(i);
}

VFIO_HARNESS_MAIN
