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
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
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

TEST_HARNESS_MAIN
