// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_IOMMU_GET_INFO and VFIO_CHECK_EXTENSION of the Type1 backend: page
 * sizes, the capability chain (IOVA ranges, migration, DMA entries left)
 * and the argsz growth protocol that QEMU relies on.
 */
#include <dirent.h>

#include "kselftest_harness.h"
#include "type1_common.h"

FIXTURE(info) {
	struct vfio_util_dev d;
};

FIXTURE_VARIANT(info) {
	int type;
};

FIXTURE_VARIANT_ADD(info, v1) {
	.type = VFIO_TYPE1_IOMMU,
};

FIXTURE_VARIANT_ADD(info, v2) {
	.type = VFIO_TYPE1v2_IOMMU,
};

FIXTURE_SETUP(info)
{
	int ret = t1_open(&self->d, variant->type);

	if (ret == T1_NO_DEVICE)
		SKIP(return, "no edu device");
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(info)
{
	if (self->d.container >= 0) {
		t1_unmap_all(&self->d);
		vfio_util_close(&self->d);
	}
}

/*
 * What VFIO_DMA_CC_IOMMU must answer, from sysfs: Intel's IOMMU can force
 * snooping when every unit has Snoop Control (ECAP bit 7); an SMMUv3
 * described by a device tree gives no such promise.
 */
static int expected_dma_cc(void)
{
	char path[300], ecap[64];
	int units = 0, sc = 0;
	struct dirent *e;
	DIR *dir = opendir("/sys/class/iommu");

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		snprintf(path, sizeof(path),
			 "/sys/class/iommu/%s/intel-iommu/ecap", e->d_name);
		if (vfio_util_read_file(path, ecap, sizeof(ecap)) <= 0)
			continue;
		units++;
		sc += strtoull(ecap, NULL, 16) >> 7 & 1;
	}
	closedir(dir);
	return units && units == sc;
}

TEST_F(info, extensions)
{
	int fd = self->d.container;
	int cc = ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU);

	EXPECT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL));
	EXPECT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR));
	EXPECT_EQ(expected_dma_cc(), cc);
	EXPECT_EQ(0, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU));
	EXPECT_EQ(0, ioctl(fd, VFIO_CHECK_EXTENSION, 1000));
}

TEST_F(info, page_sizes_and_flags)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, t1_ioctl(self->d.container, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_TRUE(info.flags & VFIO_IOMMU_INFO_PGSIZES);
	EXPECT_TRUE(info.flags & VFIO_IOMMU_INFO_CAPS);
	EXPECT_TRUE(info.iova_pgsizes & T1_SZ_4K);
	/* Nothing below the CPU page size is offered. */
	EXPECT_EQ(0, info.iova_pgsizes & (T1_SZ_4K - 1));
}

TEST_F(info, argsz_growth)
{
	struct vfio_iommu_type1_info *full;
	struct {
		struct vfio_iommu_type1_info info;
		uint32_t canary[4];
	} small;

	/* Below the mandatory fields. */
	memset(&small, 0, sizeof(small));
	small.info.argsz = offsetof(struct vfio_iommu_type1_info,
				    iova_pgsizes);
	EXPECT_EQ(-EINVAL, t1_ioctl(self->d.container, VFIO_IOMMU_GET_INFO,
				    &small.info));

	/* Just the mandatory fields: told how much room the caps need. */
	memset(&small, 0xa5, sizeof(small));
	small.info.argsz = offsetofend(struct vfio_iommu_type1_info,
				       iova_pgsizes);
	ASSERT_EQ(0, t1_ioctl(self->d.container, VFIO_IOMMU_GET_INFO,
			      &small.info));
	EXPECT_GT(small.info.argsz, sizeof(small.info));
	EXPECT_TRUE(small.info.flags & VFIO_IOMMU_INFO_CAPS);
	/* Nothing written past what argsz allowed. */
	EXPECT_EQ(0xa5a5a5a5, small.info.cap_offset);
	EXPECT_EQ(0xa5a5a5a5, small.canary[0]);

	/* The whole structure, no room for caps: cap_offset is zero. */
	memset(&small, 0, sizeof(small));
	small.info.argsz = sizeof(small.info);
	small.info.cap_offset = 77;
	ASSERT_EQ(0, t1_ioctl(self->d.container, VFIO_IOMMU_GET_INFO,
			      &small.info));
	EXPECT_GT(small.info.argsz, sizeof(small.info));
	EXPECT_EQ(0, small.info.cap_offset);

	/* With the size asked for: the chain starts right after. */
	full = t1_get_info(&self->d);
	ASSERT_NE(NULL, full);
	EXPECT_EQ(sizeof(*full), full->cap_offset);
	free(full);
}

TEST_F(info, iova_ranges_exclude_the_msi_window)
{
	struct vfio_iommu_type1_info *info = t1_get_info(&self->d);
	struct vfio_iommu_type1_info_cap_iova_range *cap;
	uint32_t i;

	ASSERT_NE(NULL, info);
	ASSERT_EQ(0, t1_msi_window_reserved(&self->d));
	cap = (void *)t1_find_cap(info, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	ASSERT_NE(NULL, cap);
	EXPECT_EQ(1, cap->header.version);
	ASSERT_LE(2, cap->nr_iovas);
	for (i = 0; i < cap->nr_iovas; i++) {
		struct vfio_iova_range *r = &cap->iova_ranges[i];

		TH_LOG("usable IOVA 0x%llx-0x%llx",
		       (unsigned long long)r->start,
		       (unsigned long long)r->end);
		EXPECT_LE(r->start, r->end);
		if (i)
			EXPECT_LT(cap->iova_ranges[i - 1].end + 1, r->start);
		EXPECT_TRUE(r->end < T1_MSI_START || r->start > T1_MSI_LAST);
	}
	/* The ranges on either side of the window touch it. */
	for (i = 0; i + 1 < cap->nr_iovas; i++)
		if (cap->iova_ranges[i].end == T1_MSI_START - 1)
			EXPECT_EQ(T1_MSI_LAST + 1,
				  cap->iova_ranges[i + 1].start);
	free(info);
}

TEST_F(info, migration_capability)
{
	struct vfio_iommu_type1_info *info = t1_get_info(&self->d);
	struct vfio_iommu_type1_info_cap_migration *cap;

	ASSERT_NE(NULL, info);
	cap = (void *)t1_find_cap(info, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
	ASSERT_NE(NULL, cap);
	EXPECT_EQ(1, cap->header.version);
	EXPECT_EQ(0, cap->flags);
	EXPECT_EQ(info->iova_pgsizes & -info->iova_pgsizes,
		  cap->pgsize_bitmap);
	/* 2^31 pages' worth of bits. */
	EXPECT_EQ(1ULL << 28, cap->max_dirty_bitmap_size);
	free(info);
}

TEST_F(info, dma_avail_counts_mappings)
{
	long limit = vfio_util_read_long(T1_ENTRY_LIMIT);
	long avail = t1_dma_avail(&self->d);
	char *buf = t1_anon(2 * T1_SZ_4K);

	ASSERT_NE(NULL, buf);
	EXPECT_EQ(limit, avail);
	ASSERT_EQ(0, t1_map(&self->d, buf, T1_IOVA, T1_SZ_4K, T1_RW));
	ASSERT_EQ(0, t1_map(&self->d, buf + T1_SZ_4K, T1_IOVA + T1_SZ_4K,
			    T1_SZ_4K, T1_RW));
	EXPECT_EQ(avail - 2, t1_dma_avail(&self->d));
	t1_unmap_all(&self->d);
	EXPECT_EQ(avail, t1_dma_avail(&self->d));
	munmap(buf, 2 * T1_SZ_4K);
}

TEST_F(info, unknown_ioctl_is_enotty)
{
	EXPECT_EQ(-ENOTTY, t1_ioctl(self->d.container,
				    _IO(VFIO_TYPE, VFIO_BASE + 90), NULL));
}

TEST_HARNESS_MAIN
