// SPDX-License-Identifier: GPL-2.0
/*
 * Limits and accounting of the Type1 backend: the dma_entry_limit module
 * parameter, RLIMIT_MEMLOCK for a user without CAP_IPC_LOCK, locked_vm
 * charged to the mm that created a mapping (also when a child after
 * fork() unmaps it), and no pin left behind by a process killed while it
 * holds mappings.
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "type1_common.h"

FIXTURE(limits) {
	struct vfio_util_dev d;
	char old_limit[32];
	long pins;
};

FIXTURE_VARIANT(limits) {
	int type;
};

FIXTURE_VARIANT_ADD(limits, v1) {
	.type = VFIO_TYPE1_IOMMU,
};

FIXTURE_VARIANT_ADD(limits, v2) {
	.type = VFIO_TYPE1v2_IOMMU,
};

FIXTURE_SETUP(limits)
{
	int ret;

	vfio_util_modprobe("vfio_iommu_type1");
	ASSERT_LT(0, vfio_util_read_file(T1_ENTRY_LIMIT, self->old_limit,
					 sizeof(self->old_limit)));
	self->pins = t1_pins_held();
	ret = t1_open(&self->d, variant->type);
	if (ret == T1_NO_DEVICE)
		SKIP(return, "no edu device");
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(limits)
{
	vfio_util_write_file(T1_ENTRY_LIMIT, self->old_limit);
	if (self->d.container >= 0) {
		t1_unmap_all(&self->d);
		vfio_util_close(&self->d);
	}
	EXPECT_EQ(self->pins, t1_pins_held());
}

/* The limit is read when the container selects the backend. */
static int reopen(struct vfio_util_dev *d, int type)
{
	vfio_util_close(d);
	return t1_open(d, type);
}

TEST_F(limits, dma_entry_limit_gives_enospc)
{
	char *buf = t1_anon(8 * T1_SZ_4K);
	int i;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, vfio_util_write_file(T1_ENTRY_LIMIT, "4"));
	ASSERT_EQ(0, reopen(&self->d, variant->type));
	EXPECT_EQ(4, t1_dma_avail(&self->d));

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, t1_map(&self->d, buf + i * T1_SZ_4K,
				    T1_IOVA + i * T1_SZ_4K, T1_SZ_4K, T1_RW));
	EXPECT_EQ(0, t1_dma_avail(&self->d));
	EXPECT_EQ(-ENOSPC, t1_map(&self->d, buf + 4 * T1_SZ_4K,
				  T1_IOVA + 4 * T1_SZ_4K, T1_SZ_4K, T1_RW));
	/* Overlap is reported before the limit. */
	EXPECT_EQ(-EEXIST, t1_map(&self->d, buf, T1_IOVA, T1_SZ_4K, T1_RW));

	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, T1_SZ_4K, 0, NULL));
	EXPECT_EQ(0, t1_map(&self->d, buf + 4 * T1_SZ_4K,
			    T1_IOVA + 4 * T1_SZ_4K, T1_SZ_4K, T1_RW));
	t1_unmap_all(&self->d);
	munmap(buf, 8 * T1_SZ_4K);
}

/* Run @fn in a child; returns its exit status (0 is success). */
static int in_child(struct vfio_util_dev *d, int (*fn)(struct vfio_util_dev *))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(d));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * As "nobody" with a 64 KiB RLIMIT_MEMLOCK: a 1 MiB mapping is refused
 * with ENOMEM and pins nothing; 32 KiB fits, and a second 64 KiB does not.
 */
static int unprivileged_rlimit(struct vfio_util_dev *d)
{
	struct rlimit rl = { .rlim_cur = 64 << 10, .rlim_max = 64 << 10 };
	long lck = t1_vmlck_kb();
	char *buf = t1_anon(T1_SZ_1M);

	if (!buf || setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(65534) ||
	    setuid(65534))
		return 10;
	if (t1_map(d, buf, T1_IOVA, T1_SZ_1M, T1_RW) != -ENOMEM)
		return 11;
	if (t1_vmlck_kb() != lck)
		return 12;
	if (t1_map(d, buf, T1_IOVA, 32 << 10, T1_RW))
		return 13;
	if (t1_vmlck_kb() != lck + 32)
		return 14;
	if (t1_map(d, buf + (32 << 10), T1_IOVA + T1_SZ_1M, 64 << 10,
		   T1_RW) != -ENOMEM)
		return 15;
	if (t1_unmap(d, T1_IOVA, T1_SZ_1M, 0, NULL))
		return 16;
	if (t1_vmlck_kb() != lck)
		return 17;
	return 0;
}

TEST_F(limits, rlimit_memlock_without_cap_ipc_lock)
{
	long pins = t1_pins_held();

	if (geteuid())
		SKIP(return, "needs root to become nobody");
	EXPECT_EQ(0, in_child(&self->d, unprivileged_rlimit));
	/* The refused mapping pinned nothing, the other was released. */
	EXPECT_EQ(pins, t1_pins_held());
}

static int unmap_everything(struct vfio_util_dev *d)
{
	long lck = t1_vmlck_kb();
	uint64_t done = 0;

	if (t1_unmap(d, T1_IOVA, T1_SZ_1M, 0, &done) || done != T1_SZ_1M)
		return 1;
	/* The child's own mm was never charged, nor uncharged. */
	return t1_vmlck_kb() != lck;
}

TEST_F(limits, locked_vm_stays_with_the_mapping_creator)
{
	char *buf = t1_anon(T1_SZ_1M);
	long lck = t1_vmlck_kb();

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, t1_map(&self->d, buf, T1_IOVA, T1_SZ_1M, T1_RW));
	EXPECT_EQ(lck + 1024, t1_vmlck_kb());
	/* A forked child unmaps: the parent's charge goes away. */
	EXPECT_EQ(0, in_child(&self->d, unmap_everything));
	EXPECT_EQ(lck, t1_vmlck_kb());
	munmap(buf, T1_SZ_1M);
}

TEST_F(limits, killed_holder_leaves_no_pins)
{
	long pins = t1_pins_held();
	int ready[2], status, i;
	char c;
	pid_t pid;

	/* The child holds the only container reference. */
	vfio_util_close(&self->d);
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct vfio_util_dev d;
		char *buf = t1_anon(16 * T1_SZ_1M);

		close(ready[0]);
		if (!buf || t1_open(&d, variant->type) ||
		    t1_map(&d, buf, T1_IOVA, 16 * T1_SZ_1M, T1_RW) ||
		    t1_map(&d, buf, T1_IOVA + 16 * T1_SZ_1M, T1_SZ_4K,
			   VFIO_DMA_MAP_FLAG_READ))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	EXPECT_LE(pins + 4096, t1_pins_held());

	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* The last fput may still be running when the parent wakes up. */
	for (i = 0; i < 100 && t1_pins_held() != pins; i++)
		usleep(20000);
	EXPECT_EQ(pins, t1_pins_held());

	ASSERT_EQ(0, t1_open(&self->d, variant->type));
}

TEST_HARNESS_MAIN
