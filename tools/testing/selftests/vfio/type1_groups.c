// SPDX-License-Identifier: GPL-2.0
/*
 * Several IOMMU groups in one Type1 container: a group joining a
 * container that already has mappings gets them (edu keeps doing DMA
 * through them), groups leave in any order, and when the last one leaves
 * every mapping is gone: no pin and no locked_vm left.
 */
#include <fcntl.h>

#include "kselftest_harness.h"
#include "type1_common.h"

FIXTURE(groups) {
	struct vfio_util_dev d;		/* edu, owns the container */
	char other[32];			/* an e1000e, second group */
	int other_group;
	char *buf;
	long pins, lck;
};

FIXTURE_VARIANT(groups) {
	int type;
};

FIXTURE_VARIANT_ADD(groups, v1) {
	.type = VFIO_TYPE1_IOMMU,
};

FIXTURE_VARIANT_ADD(groups, v2) {
	.type = VFIO_TYPE1v2_IOMMU,
};

static int open_group(const char *bdf)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	int fd;

	if (vfio_util_bind(bdf, "vfio-pci"))
		return -1;
	snprintf(path, sizeof(path), "/dev/vfio/%d", vfio_util_group_id(bdf));
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st) ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE_SETUP(groups)
{
	const char *bdf = vfio_util_find_pci(E1000E_VENDOR, E1000E_DEVICE);
	int ret;

	self->other_group = -1;
	if (!bdf)
		SKIP(return, "no e1000e device");
	snprintf(self->other, sizeof(self->other), "%s", bdf);
	self->pins = t1_pins_held();
	self->lck = t1_vmlck_kb();
	ret = t1_open(&self->d, variant->type);
	if (ret == T1_NO_DEVICE)
		SKIP(return, "no edu device");
	ASSERT_EQ(0, ret);
	self->other_group = open_group(self->other);
	ASSERT_LE(0, self->other_group);
	self->buf = t1_anon(4 * T1_SZ_1M);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(groups)
{
	if (self->other_group >= 0)
		close(self->other_group);
	if (self->d.container >= 0) {
		t1_unmap_all(&self->d);
		vfio_util_close(&self->d);
	}
	if (self->buf)
		munmap(self->buf, 4 * T1_SZ_1M);
	vfio_util_bind(self->other, "e1000e");
}

/* edu copies 256 bytes from @src to @dst through the IOMMU. */
static int edu_copy(struct vfio_util_dev *d, uint64_t src, uint64_t dst)
{
	int ret = vfio_util_edu_dma(d, src, 0, 0x100, false);

	return ret ? ret : vfio_util_edu_dma(d, dst, 0, 0x100, true);
}

TEST_F(groups, second_group_joins_and_leaves)
{
	uint64_t done = 0;
	int i;

	for (i = 0; i < 0x100; i++)
		self->buf[i] = i ^ 0x5a;
	ASSERT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, 4 * T1_SZ_1M,
			    T1_RW));

	ASSERT_EQ(0, ioctl(self->other_group, VFIO_GROUP_SET_CONTAINER,
			   &self->d.container));
	/* Mappings made after the join reach both groups' domains. */
	ASSERT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA + 4 * T1_SZ_1M,
			    T1_SZ_1M, T1_RW));
	t1_bus_master(&self->d, true);
	ASSERT_EQ(0, edu_copy(&self->d, T1_IOVA, T1_IOVA + T1_SZ_1M));
	EXPECT_EQ(0, memcmp(self->buf, self->buf + T1_SZ_1M, 0x100));

	/* The second group leaves: edu's mappings stay. */
	ASSERT_EQ(0, ioctl(self->other_group, VFIO_GROUP_UNSET_CONTAINER));
	memset(self->buf + 2 * T1_SZ_1M, 0, 0x100);
	ASSERT_EQ(0, edu_copy(&self->d, T1_IOVA, T1_IOVA + 2 * T1_SZ_1M));
	EXPECT_EQ(0, memcmp(self->buf, self->buf + 2 * T1_SZ_1M, 0x100));

	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, 5 * T1_SZ_1M, 0, &done));
	EXPECT_EQ(5 * T1_SZ_1M, done);
	EXPECT_EQ(self->pins, t1_pins_held());
	EXPECT_EQ(self->lck, t1_vmlck_kb());
}

TEST_F(groups, first_group_leaves_then_the_last)
{
	ASSERT_EQ(0, ioctl(self->other_group, VFIO_GROUP_SET_CONTAINER,
			   &self->d.container));
	ASSERT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, 4 * T1_SZ_1M,
			    T1_RW));
	EXPECT_EQ(self->lck + 4096, t1_vmlck_kb());

	/* edu goes away first: the container lives on through e1000e. */
	close(self->d.device);
	self->d.device = -1;
	ASSERT_EQ(0, ioctl(self->d.group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(-EEXIST, t1_map(&self->d, self->buf, T1_IOVA, T1_SZ_4K,
				  T1_RW));
	EXPECT_EQ(self->lck + 4096, t1_vmlck_kb());

	/* The last group leaving takes every mapping with it. */
	ASSERT_EQ(0, ioctl(self->other_group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(self->pins, t1_pins_held());
	EXPECT_EQ(self->lck, t1_vmlck_kb());

	/* And the container can be set up again from scratch. */
	ASSERT_EQ(0, ioctl(self->d.group, VFIO_GROUP_SET_CONTAINER,
			   &self->d.container));
	ASSERT_EQ(0, ioctl(self->d.container, VFIO_SET_IOMMU, variant->type));
	EXPECT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, T1_SZ_1M, T1_RW));
}

/*
 * Two containers are two address spaces: the same IOVA maps different
 * memory in each, and unmapping in one leaves the other's mapping alone.
 */
TEST_F(groups, containers_are_independent)
{
	struct vfio_util_dev other;
	char *mine = self->buf, *theirs = self->buf + T1_SZ_1M;
	char *out = self->buf + 2 * T1_SZ_1M;
	uint64_t done = 0;
	int i;

	vfio_util_dev_init(&other);
	other.container = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, other.container);
	ASSERT_EQ(0, ioctl(self->other_group, VFIO_GROUP_SET_CONTAINER,
			   &other.container));
	ASSERT_EQ(0, ioctl(other.container, VFIO_SET_IOMMU, variant->type));

	for (i = 0; i < 0x100; i++) {
		mine[i] = i;
		theirs[i] = ~i;
	}
	ASSERT_EQ(0, t1_map(&self->d, mine, T1_IOVA, T1_SZ_4K, T1_RW));
	ASSERT_EQ(0, t1_map(&self->d, out, T1_IOVA + T1_SZ_1M, T1_SZ_4K,
			    T1_RW));
	/* The same IOVA, other memory, in the other container. */
	ASSERT_EQ(0, t1_map(&other, theirs, T1_IOVA, T1_SZ_4K, T1_RW));
	t1_bus_master(&self->d, true);
	ASSERT_EQ(0, edu_copy(&self->d, T1_IOVA, T1_IOVA + T1_SZ_1M));
	EXPECT_EQ(0, memcmp(mine, out, 0x100));

	/* Unmapping there takes nothing from here. */
	ASSERT_EQ(0, t1_unmap(&other, T1_IOVA, T1_SZ_4K, 0, &done));
	EXPECT_EQ(T1_SZ_4K, done);
	memset(out, 0, 0x100);
	ASSERT_EQ(0, edu_copy(&self->d, T1_IOVA, T1_IOVA + T1_SZ_1M));
	EXPECT_EQ(0, memcmp(mine, out, 0x100));
	/* Nor the other way round: theirs stays mapped when ours goes. */
	ASSERT_EQ(0, t1_map(&other, theirs, T1_IOVA, T1_SZ_4K, T1_RW));
	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, T1_SZ_4K, 0, &done));
	EXPECT_EQ(T1_SZ_4K, done);
	EXPECT_EQ(-EEXIST, t1_map(&other, theirs, T1_IOVA, T1_SZ_4K, T1_RW));
	ASSERT_EQ(0, t1_unmap(&other, T1_IOVA, T1_SZ_4K, 0, &done));

	ASSERT_EQ(0, ioctl(self->other_group, VFIO_GROUP_UNSET_CONTAINER));
	close(other.container);
}

TEST_HARNESS_MAIN
