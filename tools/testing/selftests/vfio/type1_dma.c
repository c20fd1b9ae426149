// SPDX-License-Identifier: GPL-2.0
/*
 * Device DMA through Type1 mappings, with the edu device: data crosses
 * page boundaries of 4 KiB-backed and huge-page-backed memory intact in
 * both directions, and a device write to an IOVA that is unmapped or
 * mapped read-only never reaches memory (the IOMMU faults it; the kernel
 * logs a DMAR fault).
 */
#include "kselftest_harness.h"
#include "type1_common.h"

FIXTURE(dma) {
	struct vfio_util_dev d;
	uint8_t *buf;
	size_t len;
};

FIXTURE_VARIANT(dma) {
	int type;
};

FIXTURE_VARIANT_ADD(dma, v1) {
	.type = VFIO_TYPE1_IOMMU,
};

FIXTURE_VARIANT_ADD(dma, v2) {
	.type = VFIO_TYPE1v2_IOMMU,
};

FIXTURE_SETUP(dma)
{
	int ret = t1_open(&self->d, variant->type);

	if (ret == T1_NO_DEVICE)
		SKIP(return, "no edu device");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(EDU_ID_VALUE, vfio_util_bar_read32(&self->d, 0, EDU_REG_ID));
	self->len = 64 * T1_SZ_4K;
	self->buf = t1_anon(self->len);
	ASSERT_NE(NULL, self->buf);
	t1_bus_master(&self->d, true);
}

FIXTURE_TEARDOWN(dma)
{
	if (self->d.container < 0)
		return;
	t1_bus_master(&self->d, false);
	t1_unmap_all(&self->d);
	vfio_util_close(&self->d);
	munmap(self->buf, self->len);
}

static void pattern(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

/*
 * Each page of the mapping comes from a different place: mapping every
 * other page of the buffer one page at a time makes the IOVA range
 * contiguous while the memory behind it is not.
 */
TEST_F(dma, both_ways_across_pages)
{
	uint64_t src = T1_IOVA, dst = T1_IOVA + T1_SZ_1M;
	uint8_t *in = self->buf, *out = self->buf + 32 * T1_SZ_4K;
	uint32_t off = 0x800, len = 0xc00;
	int i;

	/* Two IOVA pages each: source and destination cross a page. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, t1_map(&self->d, in + 2 * i * T1_SZ_4K,
				    src + i * T1_SZ_4K, T1_SZ_4K,
				    VFIO_DMA_MAP_FLAG_READ));
		ASSERT_EQ(0, t1_map(&self->d, out + 2 * i * T1_SZ_4K,
				    dst + i * T1_SZ_4K, T1_SZ_4K,
				    VFIO_DMA_MAP_FLAG_WRITE));
	}
	pattern(in + off, T1_SZ_4K - off, 1);
	pattern(in + 2 * T1_SZ_4K, len - (T1_SZ_4K - off), 1 + T1_SZ_4K - off);
	memset(out, 0, 4 * T1_SZ_4K);

	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, src + off, 8, len, false));
	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, dst + off, 8, len, true));

	EXPECT_EQ(0, memcmp(in + off, out + off, T1_SZ_4K - off));
	EXPECT_EQ(0, memcmp(in + 2 * T1_SZ_4K, out + 2 * T1_SZ_4K,
			    len - (T1_SZ_4K - off)));
	/* Nothing outside the target bytes was written. */
	for (i = 0; i < (int)off; i++)
		ASSERT_EQ(0, out[i]);
	EXPECT_EQ(0, out[T1_SZ_4K]);
}

TEST_F(dma, huge_page_backed_mapping)
{
	size_t size = T1_SZ_2M;
	uint8_t *huge;
	char old[32] = "0";

	vfio_util_read_file(T1_NR_HUGEPAGES, old, sizeof(old));
	if (atol(old) < 4)
		vfio_util_write_file(T1_NR_HUGEPAGES, "4");
	huge = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge == MAP_FAILED) {
		vfio_util_write_file(T1_NR_HUGEPAGES, old);
		SKIP(return, "no 2 MiB huge pages");
	}
	memset(huge, 0, size);
	pattern(huge + 0x1ff000, 0x800, 5);

	ASSERT_EQ(0, t1_map(&self->d, huge, T1_SZ_2M, size, T1_RW));
	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, T1_SZ_2M + 0x1ff000, 0,
				       0x800, false));
	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, T1_SZ_2M + 0x10, 0, 0x800,
				       true));
	EXPECT_EQ(0, memcmp(huge + 0x1ff000, huge + 0x10, 0x800));
	t1_unmap_all(&self->d);
	munmap(huge, size);
	vfio_util_write_file(T1_NR_HUGEPAGES, old);
}

TEST_F(dma, write_to_unmapped_iova_does_not_reach_memory)
{
	uint8_t *page = self->buf;
	uint64_t done = 0;

	pattern(page + T1_SZ_4K, 0x100, 9);
	ASSERT_EQ(0, t1_map(&self->d, page, T1_IOVA, 2 * T1_SZ_4K, T1_RW));
	/* Load the edu buffer, then take the mapping away. */
	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, T1_IOVA + T1_SZ_4K, 0, 0x100,
				       false));
	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, 2 * T1_SZ_4K, 0, &done));
	ASSERT_EQ(2 * T1_SZ_4K, done);

	memset(page, 0xee, T1_SZ_4K);
	/* The engine completes, but the IOMMU drops the write. */
	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, T1_IOVA, 0, 0x100, true));
	for (int i = 0; i < 0x100; i++)
		ASSERT_EQ(0xee, page[i]);
}

TEST_F(dma, write_to_read_only_mapping_does_not_reach_memory)
{
	uint8_t *src = self->buf, *ro = self->buf + 8 * T1_SZ_4K;

	pattern(src, 0x80, 3);
	memset(ro, 0x11, T1_SZ_4K);
	ASSERT_EQ(0, t1_map(&self->d, src, T1_IOVA, T1_SZ_4K,
			    VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, t1_map(&self->d, ro, T1_IOVA + T1_SZ_4K, T1_SZ_4K,
			    VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, T1_IOVA, 0, 0x80, false));
	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, T1_IOVA + T1_SZ_4K, 0, 0x80,
				       true));
	for (int i = 0; i < 0x80; i++)
		ASSERT_EQ(0x11, ro[i]);
}

TEST_F(dma, mapping_keeps_working_while_its_vaddr_is_invalid)
{
	uint8_t *p = self->buf;

	/* 6.12 offers it whenever no emulated device is in the container. */
	ASSERT_EQ(1, ioctl(self->d.container, VFIO_CHECK_EXTENSION,
			   VFIO_UPDATE_VADDR));
	pattern(p, 0x200, 7);
	ASSERT_EQ(0, t1_map(&self->d, p, T1_IOVA, 2 * T1_SZ_4K, T1_RW));
	ASSERT_EQ(0, t1_unmap(&self->d, T1_IOVA, 2 * T1_SZ_4K,
			      VFIO_DMA_UNMAP_FLAG_VADDR, NULL));
	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, T1_IOVA, 0, 0x200, false));
	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, T1_IOVA + T1_SZ_4K, 0, 0x200,
				       true));
	EXPECT_EQ(0, memcmp(p, p + T1_SZ_4K, 0x200));
	ASSERT_EQ(0, t1_map(&self->d, p, T1_IOVA, 2 * T1_SZ_4K,
			    VFIO_DMA_MAP_FLAG_VADDR));
}

TEST_HARNESS_MAIN
