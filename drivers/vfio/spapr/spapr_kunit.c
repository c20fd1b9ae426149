// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the sPAPR TCE backend on a software platform: table
 * groups whose TCE tables are plain arrays and which, unlike pseries but
 * like powernv, can program one table into several groups.  They cover
 * what the pseries test machine cannot: windows shared by groups, groups
 * joining and leaving with live mappings, unwinding a window no group may
 * take, and two-level tables whose missing leaves are skipped on clear.
 *
 * The container's mm is a KUnit user mm attached to the test thread, so
 * preregistration and pinning work on real user pages.
 */
#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/iommu.h>
#include <asm/tce.h>

#include "spapr.h"

/* Entries per leaf of a two-level table. */
#define FAKE_LEAF	16
/* Window 1 starts here; window 0 at 0. */
#define FAKE_WIN1	BIT_ULL(40)

struct fake_tbl {
	struct iommu_table tbl;	/* first: iommu_table_free() kfree()s it */
	u64 *tce;
	__be64 **leaf;		/* the userspace view, allocated by leaf */
	unsigned long xchgs;
};

static struct fake_tbl *to_fake(struct iommu_table *tbl)
{
	return container_of(tbl, struct fake_tbl, tbl);
}

static int fake_xchg(struct iommu_table *tbl, long index, unsigned long *hpa,
		     enum dma_data_direction *dir)
{
	struct fake_tbl *f = to_fake(tbl);
	unsigned long i = index - tbl->it_offset;
	u64 old;

	if (i >= tbl->it_size)
		return -EINVAL;
	f->xchgs++;
	old = f->tce[i];
	f->tce[i] = *dir == DMA_NONE ? 0 :
		    *hpa | iommu_direction_to_tce_perm(*dir);
	*dir = iommu_tce_direction(old);
	*hpa = old & ~(u64)(TCE_PCI_READ | TCE_PCI_WRITE);
	return 0;
}

static __be64 *fake_view(struct iommu_table *tbl, long index, bool alloc)
{
	struct fake_tbl *f = to_fake(tbl);
	unsigned long i = index - tbl->it_offset;
	unsigned long n = i / tbl->it_level_size;

	if (i >= tbl->it_size)
		return NULL;
	if (!f->leaf[n]) {
		if (!alloc)
			return NULL;
		f->leaf[n] = kcalloc(tbl->it_level_size, sizeof(__be64),
				     GFP_KERNEL);
		if (!f->leaf[n])
			return NULL;
	}
	return &f->leaf[n][i % tbl->it_level_size];
}

static void fake_free(struct iommu_table *tbl)
{
	struct fake_tbl *f = to_fake(tbl);
	unsigned long i;

	for (i = 0; i < tbl->it_size / tbl->it_level_size; i++)
		kfree(f->leaf[i]);
	kfree(f->leaf);
	kfree(f->tce);
}

static struct iommu_table_ops fake_tbl_ops = {
	.xchg_no_kill	= fake_xchg,
	.useraddrptr	= fake_view,
	.free		= fake_free,
};

struct fake_tg {
	struct iommu_table_group tg;
	struct iommu_group *grp;
	bool refuse_set;
};

static unsigned long fake_table_size(__u32 shift, __u64 size, __u32 levels)
{
	return (size >> shift) * sizeof(u64);
}

static long fake_create(struct iommu_table_group *tg, int num, __u32 shift,
			__u64 size, __u32 levels, struct iommu_table **ptbl)
{
	unsigned long n = size >> shift;
	struct fake_tbl *f;

	if (levels < 1 || levels > 2 || n < FAKE_LEAF)
		return -EINVAL;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->tbl.it_level_size = levels == 2 ? FAKE_LEAF : n;
	f->tce = kcalloc(n, sizeof(u64), GFP_KERNEL);
	f->leaf = kcalloc(n / f->tbl.it_level_size, sizeof(*f->leaf),
			  GFP_KERNEL);
	if (!f->tce || !f->leaf) {
		kfree(f->tce);
		kfree(f->leaf);
		kfree(f);
		return -ENOMEM;
	}
	f->tbl.it_indirect_levels = levels - 1;
	f->tbl.it_offset = (num ? FAKE_WIN1 : 0) >> shift;
	f->tbl.it_size = n;
	f->tbl.it_page_shift = shift;
	f->tbl.it_allocated_size = fake_table_size(shift, size, levels);
	f->tbl.it_ops = &fake_tbl_ops;
	/* Only tested for being set: the view is f->leaf. */
	f->tbl.it_userspace = (__be64 *)f->leaf;
	kref_init(&f->tbl.it_kref);
	*ptbl = &f->tbl;
	return 0;
}

/* As powernv: each group holds a reference while the table is set. */
static long fake_set(struct iommu_table_group *tg, int num,
		     struct iommu_table *tbl)
{
	if (container_of(tg, struct fake_tg, tg)->refuse_set)
		return -EPERM;
	tg->tables[num] = iommu_tce_table_get(tbl);
	return 0;
}

static long fake_unset(struct iommu_table_group *tg, int num)
{
	if (tg->tables[num])
		iommu_tce_table_put(tg->tables[num]);
	tg->tables[num] = NULL;
	return 0;
}

static struct iommu_table_group_ops fake_tg_ops = {
	.get_table_size	= fake_table_size,
	.create_table	= fake_create,
	.set_window	= fake_set,
	.unset_window	= fake_unset,
};

/* Another platform: same functions but one, so not compatible. */
static long other_create(struct iommu_table_group *tg, int num, __u32 shift,
			 __u64 size, __u32 levels, struct iommu_table **ptbl)
{
	return fake_create(tg, num, shift, size, levels, ptbl);
}

static struct iommu_table_group_ops other_tg_ops = {
	.get_table_size	= fake_table_size,
	.create_table	= other_create,
	.set_window	= fake_set,
	.unset_window	= fake_unset,
};

static void fake_tg_release(void *data)
{
	struct fake_tg *f = data;

	iommu_group_put(f->grp);
}

static struct fake_tg *fake_group(struct kunit *test,
				  struct iommu_table_group_ops *ops,
				  u32 windows)
{
	struct fake_tg *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->grp = iommu_group_alloc();
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->grp));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_tg_release,
							f), 0);
	f->tg.tce32_size = SZ_256M;
	f->tg.pgsizes = 1ULL << PAGE_SHIFT;
	f->tg.max_dynamic_windows_supported = windows;
	f->tg.max_levels = 2;
	f->tg.ops = ops;
	f->tg.group = f->grp;
	iommu_group_set_iommudata(f->grp, &f->tg, NULL);
	return f;
}

static int attach(struct spapr_ctr *ctr, struct fake_tg *f)
{
	return spapr_backend.attach_group(ctr, f->grp, VFIO_IOMMU);
}

static void detach(struct spapr_ctr *ctr, struct fake_tg *f)
{
	spapr_backend.detach_group(ctr, f->grp);
}

/* @pages user pages of a KUnit mm that the test thread now runs in. */
static unsigned long user_pages(struct kunit *test, unsigned long pages)
{
	unsigned long ua;

	ua = kunit_vm_mmap(test, NULL, 0, pages << PAGE_SHIFT,
			   PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
			   0);
	KUNIT_ASSERT_NE(test, ua, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(ua));
	return ua;
}

static struct spapr_ctr *open_v2(struct kunit *test)
{
	struct spapr_ctr *ctr = spapr_backend.open(VFIO_SPAPR_TCE_v2_IOMMU);

	KUNIT_ASSERT_FALSE(test, IS_ERR(ctr));
	return ctr;
}

/* Register @pages from @ua and make window 0 of 1024 system pages. */
static struct iommu_table *setup_v2(struct kunit *test, struct spapr_ctr *ctr,
				    unsigned long ua, unsigned long pages,
				    u32 levels)
{
	u64 start = 1;

	mutex_lock(&ctr->lock);
	KUNIT_EXPECT_EQ(test, spapr_bind_mm(ctr), 0);
	KUNIT_EXPECT_EQ(test, spapr_mem_register(ctr, ua, pages << PAGE_SHIFT),
			0);
	KUNIT_EXPECT_EQ(test, spapr_win_create(ctr, PAGE_SHIFT,
					       1024UL << PAGE_SHIFT, levels,
					       &start), 0);
	mutex_unlock(&ctr->lock);
	KUNIT_EXPECT_EQ(test, start, 0);
	return ctr->win[0];
}

static long map(struct spapr_ctr *ctr, struct iommu_table *tbl,
		unsigned long entry, unsigned long ua, unsigned long n)
{
	long ret;

	mutex_lock(&ctr->lock);
	ret = spapr_tce_map(ctr, tbl, entry, ua, n, DMA_BIDIRECTIONAL);
	mutex_unlock(&ctr->lock);
	return ret;
}

static long unregister(struct spapr_ctr *ctr, unsigned long ua,
		       unsigned long pages)
{
	long ret;

	mutex_lock(&ctr->lock);
	ret = spapr_mem_unregister(ctr, ua, pages << PAGE_SHIFT);
	mutex_unlock(&ctr->lock);
	return ret;
}

static unsigned long tces_set(struct iommu_table *tbl)
{
	unsigned long i, n = 0;

	for (i = 0; i < tbl->it_size; i++)
		n += !!to_fake(tbl)->tce[i];
	return n;
}

/* A window lives in every group; leaving groups keep nothing of it. */
static void shared_window(struct kunit *test)
{
	struct fake_tg *a = fake_group(test, &fake_tg_ops, 2);
	struct fake_tg *b = fake_group(test, &fake_tg_ops, 2);
	unsigned long ua = user_pages(test, 8);
	struct spapr_ctr *ctr = open_v2(test);
	long locked = current->mm->locked_vm;
	struct iommu_table *tbl;

	KUNIT_ASSERT_EQ(test, attach(ctr, a), 0);
	KUNIT_ASSERT_EQ(test, attach(ctr, b), 0);
	tbl = setup_v2(test, ctr, ua, 8, 1);
	KUNIT_ASSERT_NOT_NULL(test, tbl);
	KUNIT_EXPECT_PTR_EQ(test, a->tg.tables[0], tbl);
	KUNIT_EXPECT_PTR_EQ(test, b->tg.tables[0], tbl);
	/* The pages and the table (8 KiB of TCEs) are charged. */
	KUNIT_EXPECT_EQ(test, current->mm->locked_vm,
			locked + 8 + DIV_ROUND_UP(SZ_8K, PAGE_SIZE));

	KUNIT_EXPECT_EQ(test, map(ctr, tbl, 0, ua, 4), 0);
	KUNIT_EXPECT_EQ(test, tces_set(tbl), 4);
	KUNIT_EXPECT_EQ(test, to_fake(tbl)->tce[0] &
			(TCE_PCI_READ | TCE_PCI_WRITE),
			TCE_PCI_READ | TCE_PCI_WRITE);

	/* a leaves: b keeps the window and the mappings. */
	detach(ctr, a);
	KUNIT_EXPECT_NULL(test, a->tg.tables[0]);
	KUNIT_EXPECT_PTR_EQ(test, b->tg.tables[0], tbl);
	KUNIT_EXPECT_EQ(test, tces_set(tbl), 4);
	/* Still mapped: the memory stays. */
	KUNIT_EXPECT_EQ(test, unregister(ctr, ua, 8), -EBUSY);

	/* a comes back and gets the window with its mappings. */
	KUNIT_EXPECT_EQ(test, attach(ctr, a), 0);
	KUNIT_EXPECT_PTR_EQ(test, a->tg.tables[0], tbl);

	/* The last group out clears the TCEs. */
	detach(ctr, b);
	KUNIT_EXPECT_EQ(test, tces_set(tbl), 4);
	detach(ctr, a);
	KUNIT_EXPECT_EQ(test, tces_set(tbl), 0);
	KUNIT_EXPECT_EQ(test, unregister(ctr, ua, 8), 0);
	spapr_backend.release(ctr);
	KUNIT_EXPECT_EQ(test, current->mm->locked_vm, locked);
}

/* A group whose platform refuses the table does not join. */
static void join_refused(struct kunit *test)
{
	struct fake_tg *a = fake_group(test, &fake_tg_ops, 2);
	struct fake_tg *b = fake_group(test, &fake_tg_ops, 2);
	unsigned long ua = user_pages(test, 4);
	struct spapr_ctr *ctr = open_v2(test);

	KUNIT_ASSERT_EQ(test, attach(ctr, a), 0);
	setup_v2(test, ctr, ua, 4, 1);
	b->refuse_set = true;
	KUNIT_EXPECT_EQ(test, attach(ctr, b), -EPERM);
	KUNIT_EXPECT_NULL(test, b->tg.tables[0]);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&ctr->groups), 1);
	detach(ctr, a);
	spapr_backend.release(ctr);
}

/* A window one group refuses is taken out of the others and freed. */
static void create_unwinds(struct kunit *test)
{
	struct fake_tg *a = fake_group(test, &fake_tg_ops, 2);
	struct fake_tg *b = fake_group(test, &fake_tg_ops, 2);
	struct spapr_ctr *ctr = open_v2(test);
	long locked;
	u64 start;

	user_pages(test, 1);
	locked = current->mm->locked_vm;
	KUNIT_ASSERT_EQ(test, attach(ctr, a), 0);
	KUNIT_ASSERT_EQ(test, attach(ctr, b), 0);
	b->refuse_set = true;
	mutex_lock(&ctr->lock);
	KUNIT_EXPECT_EQ(test, spapr_bind_mm(ctr), 0);
	KUNIT_EXPECT_EQ(test, spapr_win_create(ctr, PAGE_SHIFT,
					       1024UL << PAGE_SHIFT, 1,
					       &start), -EPERM);
	mutex_unlock(&ctr->lock);
	KUNIT_EXPECT_NULL(test, ctr->win[0]);
	KUNIT_EXPECT_NULL(test, a->tg.tables[0]);
	KUNIT_EXPECT_EQ(test, current->mm->locked_vm, locked);
	detach(ctr, b);
	detach(ctr, a);
	spapr_backend.release(ctr);
}

/* Groups of another platform, v1 with two groups, v2 without DDW. */
static void attach_rules(struct kunit *test)
{
	struct fake_tg *a = fake_group(test, &fake_tg_ops, 2);
	struct fake_tg *b = fake_group(test, &fake_tg_ops, 2);
	struct fake_tg *other = fake_group(test, &other_tg_ops, 2);
	struct fake_tg *noddw = fake_group(test, &fake_tg_ops, 0);
	struct spapr_ctr *ctr = open_v2(test);
	struct spapr_ctr *v1;

	KUNIT_EXPECT_EQ(test, attach(ctr, noddw), -EINVAL);
	KUNIT_ASSERT_EQ(test, attach(ctr, a), 0);
	KUNIT_EXPECT_EQ(test, attach(ctr, a), -EBUSY);
	KUNIT_EXPECT_EQ(test, attach(ctr, other), -EPERM);
	KUNIT_EXPECT_EQ(test, spapr_backend.attach_group(ctr, b->grp,
							 VFIO_EMULATED_IOMMU),
			-EINVAL);
	detach(ctr, a);
	spapr_backend.release(ctr);

	v1 = spapr_backend.open(VFIO_SPAPR_TCE_IOMMU);
	KUNIT_ASSERT_FALSE(test, IS_ERR(v1));
	KUNIT_EXPECT_EQ(test, attach(v1, noddw), 0);
	KUNIT_EXPECT_EQ(test, attach(v1, a), -EBUSY);
	detach(v1, noddw);
	spapr_backend.release(v1);
}

/*
 * Clearing a two-level window exchanges only the TCEs that were mapped:
 * leaves never allocated are skipped whole, unused entries one by one.
 */
static void two_level_clear(struct kunit *test)
{
	struct fake_tg *a = fake_group(test, &fake_tg_ops, 2);
	unsigned long ua = user_pages(test, 8);
	struct spapr_ctr *ctr = open_v2(test);
	struct iommu_table *tbl;

	KUNIT_ASSERT_EQ(test, attach(ctr, a), 0);
	tbl = setup_v2(test, ctr, ua, 8, 2);
	KUNIT_ASSERT_NOT_NULL(test, tbl);
	KUNIT_EXPECT_EQ(test, tbl->it_indirect_levels, 1);
	KUNIT_EXPECT_EQ(test, map(ctr, tbl, 0, ua, 4), 0);
	KUNIT_EXPECT_EQ(test, map(ctr, tbl, 100, ua + 4 * PAGE_SIZE, 2), 0);
	/* Mapping twice replaces: the old page's use is dropped. */
	KUNIT_EXPECT_EQ(test, map(ctr, tbl, 101, ua + 6 * PAGE_SIZE, 1), 0);
	KUNIT_EXPECT_EQ(test, tces_set(tbl), 6);

	to_fake(tbl)->xchgs = 0;
	mutex_lock(&ctr->lock);
	spapr_tce_clear(ctr, tbl, 0, tbl->it_size);
	mutex_unlock(&ctr->lock);
	KUNIT_EXPECT_EQ(test, to_fake(tbl)->xchgs, 6);
	KUNIT_EXPECT_EQ(test, tces_set(tbl), 0);
	KUNIT_EXPECT_EQ(test, unregister(ctr, ua, 8), 0);
	detach(ctr, a);
	spapr_backend.release(ctr);
}

/* A map that fails half-way leaves nothing mapped. */
static void map_failure_unwinds(struct kunit *test)
{
	struct fake_tg *a = fake_group(test, &fake_tg_ops, 2);
	unsigned long ua = user_pages(test, 8);
	struct spapr_ctr *ctr = open_v2(test);
	struct iommu_table *tbl;

	KUNIT_ASSERT_EQ(test, attach(ctr, a), 0);
	/* Only the first 4 pages are registered. */
	tbl = setup_v2(test, ctr, ua, 8, 1);
	KUNIT_ASSERT_NOT_NULL(test, tbl);
	KUNIT_EXPECT_EQ(test, unregister(ctr, ua, 8), 0);
	mutex_lock(&ctr->lock);
	KUNIT_EXPECT_EQ(test, spapr_mem_register(ctr, ua, 4 * PAGE_SIZE), 0);
	mutex_unlock(&ctr->lock);
	KUNIT_EXPECT_EQ(test, map(ctr, tbl, 10, ua, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, tces_set(tbl), 0);
	KUNIT_EXPECT_EQ(test, unregister(ctr, ua, 4), 0);
	detach(ctr, a);
	spapr_backend.release(ctr);
}

static struct kunit_case spapr_cases[] = {
	KUNIT_CASE(shared_window),
	KUNIT_CASE(join_refused),
	KUNIT_CASE(create_unwinds),
	KUNIT_CASE(attach_rules),
	KUNIT_CASE(two_level_clear),
	KUNIT_CASE(map_failure_unwinds),
	{}
};

static struct kunit_suite spapr_suite = {
	.name = "vfio_spapr",
	.test_cases = spapr_cases,
};

kunit_test_suite(spapr_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of the VFIO sPAPR TCE backend");
