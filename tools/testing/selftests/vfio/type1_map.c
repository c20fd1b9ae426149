// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA of the Type1 backend, in
 * both interface versions: argument checks and their errno, overlap, the
 * v1 and v2 rules for unmaps that cut mappings, UNMAP_ALL, invalidating
 * and updating user addresses, and that nothing stays pinned or charged.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "type1_common.h"

FIXTURE(map) {
	struct vfio_util_dev d;
	uint64_t pg;		/* smallest IOMMU page */
	char *buf;		/* 4 MiB of anonymous memory */
	size_t len;
	long pins;		/* pins held when the test started */
};

FIXTURE_VARIANT(map) {
	int type;
	bool v2;
};

FIXTURE_VARIANT_ADD(map, v1) {
	.type = VFIO_TYPE1_IOMMU,
	.v2 = false,
};

FIXTURE_VARIANT_ADD(map, v2) {
	.type = VFIO_TYPE1v2_IOMMU,
	.v2 = true,
};

FIXTURE_SETUP(map)
{
	int ret = t1_open(&self->d, variant->type);

	if (ret == T1_NO_DEVICE)
		SKIP(return, "no edu device");
	ASSERT_EQ(0, ret);
	self->pg = t1_pgsize(&self->d);
	ASSERT_EQ(T1_SZ_4K, self->pg);
	self->len = 4 * T1_SZ_1M;
	self->buf = t1_anon(self->len);
	ASSERT_NE(NULL, self->buf);
	self->pins = t1_pins_held();
}

FIXTURE_TEARDOWN(map)
{
	if (self->d.container < 0)
		return;
	t1_unmap_all(&self->d);
	/* Whatever the test did, nothing may stay pinned. */
	EXPECT_EQ(self->pins, t1_pins_held());
	vfio_util_close(&self->d);
	munmap(self->buf, self->len);
}

TEST_F(map, map_unmap_reports_size_and_balances_pins)
{
	long before = t1_pins_held(), lck = t1_vmlck_kb();
	uint64_t done = 0;

	ASSERT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, self->len, T1_RW));
	EXPECT_EQ(before + (long)(self->len / T1_SZ_4K), t1_pins_held());
	EXPECT_EQ(lck + (long)(self->len >> 10), t1_vmlck_kb());
	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, self->len, 0, &done));
	EXPECT_EQ(self->len, done);
	EXPECT_EQ(before, t1_pins_held());
	EXPECT_EQ(lck, t1_vmlck_kb());
}

TEST_F(map, zero_size_is_einval)
{
	uint64_t done = 1;

	EXPECT_EQ(-EINVAL, t1_map(&self->d, self->buf, T1_IOVA, 0, T1_RW));
	EXPECT_EQ(-EINVAL, t1_unmap(&self->d, T1_IOVA, 0, 0, &done));
}

TEST_F(map, unaligned_arguments_are_einval)
{
	EXPECT_EQ(-EINVAL, t1_map(&self->d, self->buf, T1_IOVA + 1, self->pg,
				  T1_RW));
	EXPECT_EQ(-EINVAL, t1_map(&self->d, self->buf + 0x800, T1_IOVA,
				  self->pg, T1_RW));
	EXPECT_EQ(-EINVAL, t1_map(&self->d, self->buf, T1_IOVA,
				  self->pg + 0x200, T1_RW));
	ASSERT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, self->pg, T1_RW));
	EXPECT_EQ(-EINVAL, t1_unmap(&self->d, T1_IOVA + 0x10, self->pg, 0,
				    NULL));
	EXPECT_EQ(-EINVAL, t1_unmap(&self->d, T1_IOVA, self->pg - 1, 0, NULL));
}

TEST_F(map, wrapping_ranges_are_einval)
{
	uint64_t top = -self->pg;

	EXPECT_EQ(-EINVAL, t1_map(&self->d, self->buf, top, 2 * self->pg,
				  T1_RW));
	EXPECT_EQ(-EINVAL, t1_map(&self->d, (void *)(uintptr_t)top, T1_IOVA,
				  2 * self->pg, T1_RW));
	EXPECT_EQ(-EINVAL, t1_unmap(&self->d, top, 2 * self->pg, 0, NULL));
}

TEST_F(map, access_flags_are_checked)
{
	/* No access at all; VADDR with access bits; an unknown flag. */
	EXPECT_EQ(-EINVAL, t1_map(&self->d, self->buf, T1_IOVA, self->pg, 0));
	EXPECT_EQ(-EINVAL, t1_map(&self->d, self->buf, T1_IOVA, self->pg,
				  VFIO_DMA_MAP_FLAG_READ |
				  VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(-EINVAL, t1_map(&self->d, self->buf, T1_IOVA, self->pg,
				  T1_RW | (1u << 7)));
	EXPECT_EQ(-EINVAL, t1_unmap(&self->d, T1_IOVA, self->pg, 1u << 7,
				    NULL));
	/* Read-only and write-only mappings are both fine. */
	EXPECT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, self->pg,
			    VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA + self->pg, self->pg,
			    VFIO_DMA_MAP_FLAG_WRITE));
}

TEST_F(map, short_argsz_is_einval)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = offsetof(struct vfio_iommu_type1_dma_map, size),
		.flags = T1_RW, .vaddr = (uintptr_t)self->buf,
		.iova = T1_IOVA, .size = self->pg,
	};

	EXPECT_EQ(-EINVAL, t1_ioctl(self->d.container, VFIO_IOMMU_MAP_DMA,
				    &m));
	/* A larger argsz than the structure is fine. */
	m.argsz = sizeof(m) + 64;
	EXPECT_EQ(0, t1_ioctl(self->d.container, VFIO_IOMMU_MAP_DMA, &m));
}

TEST_F(map, unmapped_user_memory_is_efault_and_leaves_nothing)
{
	long avail = t1_dma_avail(&self->d), pins = t1_pins_held();
	char *hole = self->buf + self->len - T1_SZ_1M;

	ASSERT_EQ(0, munmap(hole, T1_SZ_1M));
	/* Entirely unmapped, then partly: the first half would pin. */
	EXPECT_EQ(-EFAULT, t1_map(&self->d, hole, T1_IOVA, T1_SZ_1M, T1_RW));
	EXPECT_EQ(-EFAULT, t1_map(&self->d, hole - T1_SZ_1M, T1_IOVA,
				  2 * T1_SZ_1M, T1_RW));
	EXPECT_EQ(pins, t1_pins_held());
	EXPECT_EQ(avail, t1_dma_avail(&self->d));
	/* And the range is free again. */
	EXPECT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, T1_SZ_1M, T1_RW));
	self->len -= T1_SZ_1M;
}

TEST_F(map, write_mapping_of_read_only_memory_is_efault)
{
	char *ro = mmap(NULL, T1_SZ_1M, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);

	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-EFAULT, t1_map(&self->d, ro, T1_IOVA, T1_SZ_1M, T1_RW));
	EXPECT_EQ(0, t1_map(&self->d, ro, T1_IOVA, T1_SZ_1M,
			    VFIO_DMA_MAP_FLAG_READ));
	t1_unmap_all(&self->d);
	munmap(ro, T1_SZ_1M);
}

TEST_F(map, overlaps_are_eexist)
{
	uint64_t base = T1_IOVA + 4 * self->pg;

	ASSERT_EQ(0, t1_map(&self->d, self->buf, base, 4 * self->pg, T1_RW));
	EXPECT_EQ(-EEXIST, t1_map(&self->d, self->buf, base, 4 * self->pg,
				  T1_RW));
	EXPECT_EQ(-EEXIST, t1_map(&self->d, self->buf, base - self->pg,
				  2 * self->pg, T1_RW));
	EXPECT_EQ(-EEXIST, t1_map(&self->d, self->buf, base + 3 * self->pg,
				  2 * self->pg, T1_RW));
	EXPECT_EQ(-EEXIST, t1_map(&self->d, self->buf, base + self->pg,
				  self->pg, T1_RW));
	EXPECT_EQ(-EEXIST, t1_map(&self->d, self->buf, T1_IOVA,
				  16 * self->pg, T1_RW));
	/* Both neighbours are free. */
	EXPECT_EQ(0, t1_map(&self->d, self->buf, base - self->pg, self->pg,
			    T1_RW));
	EXPECT_EQ(0, t1_map(&self->d, self->buf, base + 4 * self->pg,
			    self->pg, T1_RW));
}

TEST_F(map, iova_outside_the_usable_ranges_is_einval)
{
	/* The MSI window, straddling its start, and past the aperture. */
	ASSERT_EQ(0, t1_msi_window_reserved(&self->d));
	EXPECT_EQ(-EINVAL, t1_map(&self->d, self->buf, T1_MSI_START,
				  self->pg, T1_RW));
	EXPECT_EQ(-EINVAL, t1_map(&self->d, self->buf,
				  T1_MSI_START - self->pg, 2 * self->pg,
				  T1_RW));
	EXPECT_EQ(-EINVAL, t1_map(&self->d, self->buf, 1ULL << 60, self->pg,
				  T1_RW));
	/* Right below the window is fine. */
	EXPECT_EQ(0, t1_map(&self->d, self->buf, T1_MSI_START - self->pg,
			    self->pg, T1_RW));
}

TEST_F(map, unmap_of_nothing_succeeds_with_zero)
{
	uint64_t done = 1;

	EXPECT_EQ(0, t1_unmap(&self->d, T1_IOVA, T1_SZ_1M, 0, &done));
	EXPECT_EQ(0, done);
}

TEST_F(map, unmap_covering_several_mappings_and_holes)
{
	uint64_t done = 0;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, t1_map(&self->d, self->buf + i * self->pg,
				    T1_IOVA + 2 * i * self->pg, self->pg,
				    T1_RW));
	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, 8 * self->pg, 0, &done));
	EXPECT_EQ(4 * self->pg, done);
}

TEST_F(map, unmap_cutting_a_mapping)
{
	uint64_t done = 1;

	ASSERT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, 4 * self->pg,
			    T1_RW));

	/* Starting inside: v2 refuses, v1 does nothing. */
	if (variant->v2) {
		EXPECT_EQ(-EINVAL, t1_unmap(&self->d, T1_IOVA + self->pg,
					    self->pg, 0, &done));
	} else {
		EXPECT_EQ(0, t1_unmap(&self->d, T1_IOVA + self->pg, self->pg,
				      0, &done));
		EXPECT_EQ(0, done);
	}

	/* Covering the start only: v2 refuses, v1 removes it all. */
	if (variant->v2) {
		EXPECT_EQ(-EINVAL, t1_unmap(&self->d, T1_IOVA, self->pg, 0,
					    &done));
		EXPECT_EQ(-EEXIST, t1_map(&self->d, self->buf, T1_IOVA,
					  self->pg, T1_RW));
	} else {
		EXPECT_EQ(0, t1_unmap(&self->d, T1_IOVA, self->pg, 0, &done));
		EXPECT_EQ(4 * self->pg, done);
		EXPECT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, self->pg,
				    T1_RW));
	}
}

TEST_F(map, unmap_all)
{
	uint64_t done = 0;
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, t1_map(&self->d, self->buf + i * self->pg,
				    T1_IOVA + 16 * i * self->pg, self->pg,
				    T1_RW));
	EXPECT_EQ(1, ioctl(self->d.container, VFIO_CHECK_EXTENSION,
			   VFIO_UNMAP_ALL));
	/* iova and size must both be zero. */
	EXPECT_EQ(-EINVAL, t1_unmap(&self->d, T1_IOVA, 0,
				    VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	EXPECT_EQ(-EINVAL, t1_unmap(&self->d, 0, self->pg,
				    VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	ASSERT_EQ(0, t1_unmap(&self->d, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done));
	EXPECT_EQ(3 * self->pg, done);
	ASSERT_EQ(0, t1_unmap(&self->d, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done));
	EXPECT_EQ(0, done);
}

TEST_F(map, dirty_bitmap_flag_cannot_combine_with_all_or_vaddr)
{
	EXPECT_EQ(-EINVAL, t1_unmap(&self->d, 0, 0,
				    VFIO_DMA_UNMAP_FLAG_ALL |
				    VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
				    NULL));
	EXPECT_EQ(-EINVAL, t1_unmap(&self->d, T1_IOVA, self->pg,
				    VFIO_DMA_UNMAP_FLAG_VADDR |
				    VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
				    NULL));
}

TEST_F(map, vaddr_invalidate_and_update)
{
	uint64_t size = 16 * self->pg, done = 0;
	char *other = t1_anon(size);
	long pins;

	ASSERT_NE(NULL, other);
	EXPECT_EQ(1, ioctl(self->d.container, VFIO_CHECK_EXTENSION,
			   VFIO_UPDATE_VADDR));
	ASSERT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, size, T1_RW));
	pins = t1_pins_held();

	/* Nothing to update yet. */
	EXPECT_EQ(-EINVAL, t1_map(&self->d, other, T1_IOVA, size,
				  VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(-ENOENT, t1_map(&self->d, other, T1_IOVA + T1_SZ_1M, size,
				  VFIO_DMA_MAP_FLAG_VADDR));

	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, size,
			      VFIO_DMA_UNMAP_FLAG_VADDR, &done));
	EXPECT_EQ(size, done);
	/* The pages stay pinned and mapped meanwhile. */
	EXPECT_EQ(pins, t1_pins_held());
	/* Invalidating twice fails (and the structure is not copied back). */
	EXPECT_EQ(-EINVAL, t1_unmap(&self->d, T1_IOVA, size,
				    VFIO_DMA_UNMAP_FLAG_VADDR, &done));
	/* The update must name the exact mapping. */
	EXPECT_EQ(-EINVAL, t1_map(&self->d, other, T1_IOVA, size / 2,
				  VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(0, t1_map(&self->d, other, T1_IOVA, size,
			    VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(-EINVAL, t1_map(&self->d, other, T1_IOVA, size,
				  VFIO_DMA_MAP_FLAG_VADDR));

	/* Invalidate everything at once, then update and unmap. */
	ASSERT_EQ(0, t1_unmap(&self->d, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL |
			      VFIO_DMA_UNMAP_FLAG_VADDR, &done));
	EXPECT_EQ(size, done);
	EXPECT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, size,
			    VFIO_DMA_MAP_FLAG_VADDR));
	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, size, 0, &done));
	EXPECT_EQ(size, done);
	munmap(other, size);
}

TEST_F(map, unmap_removes_an_invalidated_mapping)
{
	uint64_t done = 0;
	long pins = t1_pins_held();

	ASSERT_EQ(0, t1_map(&self->d, self->buf, T1_IOVA, T1_SZ_1M, T1_RW));
	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, T1_SZ_1M,
			      VFIO_DMA_UNMAP_FLAG_VADDR, NULL));
	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, T1_SZ_1M, 0, &done));
	EXPECT_EQ(T1_SZ_1M, done);
	EXPECT_EQ(pins, t1_pins_held());
}

TEST_F(map, many_small_mappings_then_one_unmap)
{
	uint64_t done = 0;
	int i, n = self->len / self->pg;

	for (i = 0; i < n; i++)
		ASSERT_EQ(0, t1_map(&self->d, self->buf + i * self->pg,
				    T1_IOVA + i * self->pg, self->pg, T1_RW));
	EXPECT_EQ(-EEXIST, t1_map(&self->d, self->buf, T1_IOVA + 7 * self->pg,
				  self->pg, T1_RW));
	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, self->len, 0, &done));
	EXPECT_EQ(self->len, done);
}

TEST_F(map, hugetlb_backed_mapping)
{
	size_t size = 4 * T1_SZ_2M;
	uint64_t done = 0;
	long pins;
	char *huge;
	char old[32] = "0";

	vfio_util_read_file(T1_NR_HUGEPAGES, old, sizeof(old));
	if (atol(old) < 8)
		vfio_util_write_file(T1_NR_HUGEPAGES, "8");
	huge = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge == MAP_FAILED) {
		vfio_util_write_file(T1_NR_HUGEPAGES, old);
		SKIP(return, "no 2 MiB huge pages");
	}
	memset(huge, 0x5a, size);
	pins = t1_pins_held();

	ASSERT_EQ(0, t1_map(&self->d, huge, T1_IOVA, size, T1_RW));
	EXPECT_EQ(pins + (long)(size / T1_SZ_4K), t1_pins_held());
	/* Offset by a page: no run is aligned for a 2 MiB IOMMU page. */
	ASSERT_EQ(0, t1_map(&self->d, huge + T1_SZ_4K, T1_IOVA + 2 * size,
			    size - T1_SZ_4K, T1_RW));
	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, 4 * size, 0, &done));
	EXPECT_EQ(2 * size - T1_SZ_4K, done);
	EXPECT_EQ(pins, t1_pins_held());
	munmap(huge, size);
	vfio_util_write_file(T1_NR_HUGEPAGES, old);
}

/* A BAR mmap (peer-to-peer DMA target): mapped, but neither pinned nor charged. */
TEST_F(map, device_mmio_mapping)
{
	struct vfio_region_info ri;
	long pins, lck;
	uint64_t done = 0;
	void *bar;

	ASSERT_EQ(0, vfio_util_region_info(&self->d, 0, &ri));
	/* edu's BAR0 is 1 MiB, page aligned: vfio-pci must offer mmap. */
	ASSERT_TRUE(ri.flags & VFIO_REGION_INFO_FLAG_MMAP);
	bar = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->d.device, ri.offset);
	ASSERT_NE(MAP_FAILED, bar);
	pins = t1_pins_held();
	lck = t1_vmlck_kb();

	ASSERT_EQ(0, t1_map(&self->d, bar, T1_IOVA, ri.size, T1_RW));
	EXPECT_EQ(pins, t1_pins_held());
	EXPECT_EQ(lck, t1_vmlck_kb());
	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, ri.size, 0, &done));
	EXPECT_EQ(ri.size, done);
	munmap(bar, ri.size);
}

TEST_HARNESS_MAIN
