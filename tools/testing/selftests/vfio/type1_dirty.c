// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_IOMMU_DIRTY_PAGES and VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP of the
 * Type1 backend.  A vfio-pci device never pins pages itself, so while it
 * is attached every mapped page must be reported dirty; the tests check
 * which bits are set where, including mappings whose bits start in the
 * middle of a 64-bit word of the user's bitmap.
 */
#include "kselftest_harness.h"
#include "type1_common.h"

#define NPAGES	256

FIXTURE(dirty) {
	struct vfio_util_dev d;
	char *buf;
	uint64_t bits[NPAGES / 64 + 2];
};

/*
 * Dirty tracking is a v2 feature: the tests below run on a v2 container,
 * and dirty_v1 checks that a v1 container refuses it.
 */
static void dirty_open(struct vfio_util_dev *d, char **buf, int type,
			struct __test_metadata *_metadata)
{
	int ret = t1_open(d, type);

	if (ret == T1_NO_DEVICE)
		SKIP(return, "no edu device");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(T1_SZ_4K, t1_pgsize(d));
	*buf = t1_anon(NPAGES * T1_SZ_4K);
	ASSERT_NE(NULL, *buf);
}

static void dirty_close(struct vfio_util_dev *d, char *buf)
{
	if (d->container < 0)
		return;
	t1_unmap_all(d);
	vfio_util_close(d);
	if (buf)
		munmap(buf, NPAGES * T1_SZ_4K);
}

FIXTURE_SETUP(dirty)
{
	dirty_open(&self->d, &self->buf, VFIO_TYPE1v2_IOMMU, _metadata);
}

FIXTURE_TEARDOWN(dirty)
{
	dirty_close(&self->d, self->buf);
}

FIXTURE(dirty_v1) {
	struct vfio_util_dev d;
	char *buf;
};

FIXTURE_SETUP(dirty_v1)
{
	dirty_open(&self->d, &self->buf, VFIO_TYPE1_IOMMU, _metadata);
}

FIXTURE_TEARDOWN(dirty_v1)
{
	dirty_close(&self->d, self->buf);
}

static int dirty_op(struct vfio_util_dev *d, uint32_t flags)
{
	struct vfio_iommu_type1_dirty_bitmap op = {
		.argsz = sizeof(op), .flags = flags,
	};

	return t1_ioctl(d->container, VFIO_IOMMU_DIRTY_PAGES, &op);
}

/* GET_BITMAP of [iova, iova + size) into @bits, bitmap of @bytes. */
static int get_bitmap(struct vfio_util_dev *d, uint64_t iova, uint64_t size,
		      uint64_t pgsize, uint64_t *bits, uint64_t bytes)
{
	struct {
		struct vfio_iommu_type1_dirty_bitmap op;
		struct vfio_iommu_type1_dirty_bitmap_get range;
	} req = {
		.op = {
			.argsz = sizeof(req),
			.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
		},
		.range = {
			.iova = iova, .size = size,
			.bitmap = { .pgsize = pgsize, .size = bytes,
				    .data = (void *)bits },
		},
	};

	return t1_ioctl(d->container, VFIO_IOMMU_DIRTY_PAGES, &req);
}

static bool bit(const uint64_t *bits, unsigned int n)
{
	return bits[n / 64] >> (n % 64) & 1;
}

TEST_F(dirty_v1, has_no_dirty_tracking)
{
	EXPECT_EQ(-EACCES, dirty_op(&self->d,
				    VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	/* Refused before the argument is even looked at. */
	EXPECT_EQ(-EACCES, dirty_op(&self->d, 0));
}

TEST_F(dirty, one_operation_per_call)
{
	EXPECT_EQ(-EINVAL, dirty_op(&self->d, 0));
	EXPECT_EQ(-EINVAL, dirty_op(&self->d,
				    VFIO_IOMMU_DIRTY_PAGES_FLAG_START |
				    VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP));
	EXPECT_EQ(-EINVAL, dirty_op(&self->d, 1u << 3));
	/* START and STOP are idempotent. */
	EXPECT_EQ(0, dirty_op(&self->d, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	EXPECT_EQ(0, dirty_op(&self->d, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	EXPECT_EQ(0, dirty_op(&self->d, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP));
	EXPECT_EQ(0, dirty_op(&self->d, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP));
}

TEST_F(dirty, get_bitmap_argument_checks)
{
	uint64_t iova = T1_IOVA, size = 64 * T1_SZ_4K;

	ASSERT_EQ(0, t1_map(&self->d, self->buf, iova, size, T1_RW));
	/* Not tracking. */
	EXPECT_EQ(-EINVAL, get_bitmap(&self->d, iova, size, T1_SZ_4K,
				      self->bits, sizeof(self->bits)));
	ASSERT_EQ(0, dirty_op(&self->d, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	/* Wrong page size, too small a bitmap, zero and unaligned sizes. */
	EXPECT_EQ(-EINVAL, get_bitmap(&self->d, iova, size, T1_SZ_2M,
				      self->bits, sizeof(self->bits)));
	EXPECT_EQ(-EINVAL, get_bitmap(&self->d, iova, size, T1_SZ_4K,
				      self->bits, 4));
	EXPECT_EQ(-EINVAL, get_bitmap(&self->d, iova, 0, T1_SZ_4K,
				      self->bits, sizeof(self->bits)));
	EXPECT_EQ(-EINVAL, get_bitmap(&self->d, iova + 1, size, T1_SZ_4K,
				      self->bits, sizeof(self->bits)));
	/* Cutting the mapping at either end. */
	EXPECT_EQ(-EINVAL, get_bitmap(&self->d, iova + T1_SZ_4K, size,
				      T1_SZ_4K, self->bits,
				      sizeof(self->bits)));
	EXPECT_EQ(-EINVAL, get_bitmap(&self->d, iova, size - T1_SZ_4K,
				      T1_SZ_4K, self->bits,
				      sizeof(self->bits)));
	/* Wrapping. */
	EXPECT_EQ(-EINVAL, get_bitmap(&self->d, -T1_SZ_4K, 2 * T1_SZ_4K,
				      T1_SZ_4K, self->bits,
				      sizeof(self->bits)));
	EXPECT_EQ(0, get_bitmap(&self->d, iova, size, T1_SZ_4K, self->bits,
				sizeof(self->bits)));
	ASSERT_EQ(0, dirty_op(&self->d, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP));
	EXPECT_EQ(-EINVAL, get_bitmap(&self->d, iova, size, T1_SZ_4K,
				      self->bits, sizeof(self->bits)));
}

TEST_F(dirty, mapped_pages_of_an_unpinning_device_are_dirty)
{
	/* Mappings at page 3 (5 pages), 61 (10 pages, across a word). */
	uint64_t base = T1_IOVA;
	unsigned int n;

	ASSERT_EQ(0, dirty_op(&self->d, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	ASSERT_EQ(0, t1_map(&self->d, self->buf, base + 3 * T1_SZ_4K,
			    5 * T1_SZ_4K, T1_RW));
	ASSERT_EQ(0, t1_map(&self->d, self->buf, base + 61 * T1_SZ_4K,
			    10 * T1_SZ_4K, T1_RW));

	/* The user clears the bitmap: bits below a mapping are kept. */
	memset(self->bits, 0, sizeof(self->bits));
	self->bits[1] = ~0ULL;
	ASSERT_EQ(0, get_bitmap(&self->d, base, 128 * T1_SZ_4K, T1_SZ_4K,
				self->bits, 16));
	for (n = 0; n < 128; n++) {
		bool want = (n >= 3 && n < 8) || (n >= 61 && n < 71);

		EXPECT_EQ(want, bit(self->bits, n))
			TH_LOG("bit %u", n);
	}

	/*
	 * Still dirty on the next read: the device may write anywhere.  Only
	 * the bits of the requested range are defined (stock 6.12 writes
	 * whole words of its own bitmap, bits past the range included).
	 */
	memset(self->bits, 0, sizeof(self->bits));
	ASSERT_EQ(0, get_bitmap(&self->d, base + 61 * T1_SZ_4K,
				10 * T1_SZ_4K, T1_SZ_4K, self->bits, 8));
	EXPECT_EQ(0x3ffULL, self->bits[0] & 0x3ffULL);
}

TEST_F(dirty, mappings_made_while_tracking_are_tracked)
{
	ASSERT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, 8 * T1_SZ_4K, T1_RW));
	ASSERT_EQ(0, dirty_op(&self->d, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	ASSERT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA + 8 * T1_SZ_4K,
			    8 * T1_SZ_4K, T1_RW));
	memset(self->bits, 0, sizeof(self->bits));
	ASSERT_EQ(0, get_bitmap(&self->d, T1_IOVA, 16 * T1_SZ_4K, T1_SZ_4K,
				self->bits, 8));
	EXPECT_EQ(0xffffULL, self->bits[0]);
}

static int unmap_dirty(struct vfio_util_dev *d, uint64_t iova, uint64_t size,
		       uint64_t pgsize, uint64_t *bits, uint64_t bytes,
		       uint64_t *done)
{
	struct {
		struct vfio_iommu_type1_dma_unmap u;
		struct vfio_bitmap bm;
	} req = {
		.u = {
			.argsz = sizeof(req),
			.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
			.iova = iova, .size = size,
		},
		.bm = { .pgsize = pgsize, .size = bytes, .data = (void *)bits },
	};
	int ret = t1_ioctl(d->container, VFIO_IOMMU_UNMAP_DMA, &req);

	if (done)
		*done = req.u.size;
	return ret;
}

TEST_F(dirty, unmap_reports_dirty_pages)
{
	uint64_t done = 0;

	ASSERT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA + 2 * T1_SZ_4K,
			    4 * T1_SZ_4K, T1_RW));
	/* Not tracking: refused. */
	EXPECT_EQ(-EINVAL, unmap_dirty(&self->d, T1_IOVA, 8 * T1_SZ_4K,
				       T1_SZ_4K, self->bits, 8, NULL));
	ASSERT_EQ(0, dirty_op(&self->d, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	/* Wrong page size; bitmap too small; argsz without the bitmap. */
	EXPECT_EQ(-EINVAL, unmap_dirty(&self->d, T1_IOVA, 8 * T1_SZ_4K,
				       T1_SZ_2M, self->bits, 8, NULL));
	EXPECT_EQ(-EINVAL, unmap_dirty(&self->d, T1_IOVA, 128 * T1_SZ_4K,
				       T1_SZ_4K, self->bits, 8, NULL));
	EXPECT_EQ(-EINVAL, t1_unmap(&self->d, T1_IOVA, 8 * T1_SZ_4K,
				    VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
				    NULL));

	memset(self->bits, 0, sizeof(self->bits));
	ASSERT_EQ(0, unmap_dirty(&self->d, T1_IOVA, 8 * T1_SZ_4K, T1_SZ_4K,
				 self->bits, 8, &done));
	EXPECT_EQ(4 * T1_SZ_4K, done);
	EXPECT_EQ(0x3cULL, self->bits[0]);
}

TEST_HARNESS_MAIN
