// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the Type1 backend's hardware-free logic (tree.c): the
 * mapping tree, the v1 and v2 unmap rules, runs of contiguous frames, the
 * run record of a mapping and its walker, the IOMMU page size a run gets,
 * and usable IOVA range sets.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/vfio.h>

#include "type1.h"

#define K(n)	((u64)(n) * SZ_1K)

/* Mappings allocated with kunit_kzalloc(), freed with the test. */
static struct t1_map *mk(struct kunit *test, u64 iova, u64 size)
{
	struct t1_map *map = kunit_kzalloc(test, sizeof(*map), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, map);
	map->iova = iova;
	map->size = size;
	return map;
}

static int try_insert(struct kunit *test, struct rb_root *root, u64 iova,
		      u64 size)
{
	return t1_tree_insert(root, mk(test, iova, size));
}

static struct t1_map *add(struct kunit *test, struct rb_root *root, u64 iova,
			  u64 size)
{
	struct t1_map *map = mk(test, iova, size);

	KUNIT_ASSERT_EQ(test, t1_tree_insert(root, map), 0);
	return map;
}

/* Three mappings: [16K, 32K) [32K, 48K) [64K, 128K). */
static void three(struct kunit *test, struct rb_root *root,
		  struct t1_map **m)
{
	*root = RB_ROOT;
	m[0] = add(test, root, SZ_16K, SZ_16K);
	m[1] = add(test, root, SZ_32K, SZ_16K);
	m[2] = add(test, root, SZ_64K, SZ_64K);
}

static void insert_keeps_iova_order(struct kunit *test)
{
	static const u64 starts[] = { 9, 3, 7, 1, 5, 0, 8, 2, 6, 4 };
	struct rb_root root = RB_ROOT;
	struct rb_node *node;
	u64 expect = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(starts); i++)
		add(test, &root, starts[i] * SZ_4K, SZ_4K);

	for (node = rb_first(&root); node; node = rb_next(node)) {
		KUNIT_EXPECT_EQ(test, rb_entry(node, struct t1_map, node)->iova,
				expect);
		expect += SZ_4K;
	}
	KUNIT_EXPECT_EQ(test, expect, 10 * SZ_4K);
}

static void insert_refuses_any_overlap(struct kunit *test)
{
	struct rb_root root;
	struct t1_map *m[3];

	three(test, &root, m);
	/* Same range, inside, straddling either end, covering it. */
	KUNIT_EXPECT_EQ(test, try_insert(test, &root, SZ_16K, SZ_16K),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, try_insert(test, &root, SZ_64K + SZ_4K, SZ_4K),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, try_insert(test, &root, SZ_8K, SZ_16K),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, try_insert(test, &root, SZ_32K + SZ_8K, SZ_16K),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, try_insert(test, &root, 0, SZ_1M),
			-EEXIST);
	/* The byte before, and the hole between two mappings, are free. */
	KUNIT_EXPECT_EQ(test, try_insert(test, &root, SZ_4K, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, try_insert(test, &root, SZ_32K + SZ_16K, SZ_16K),
			0);
}

static void insert_at_top_of_address_space(struct kunit *test)
{
	struct rb_root root = RB_ROOT;

	add(test, &root, U64_MAX - SZ_4K + 1, SZ_4K);
	KUNIT_EXPECT_NOT_NULL(test, t1_tree_find(&root, U64_MAX, U64_MAX));
	KUNIT_EXPECT_EQ(test, try_insert(test, &root, U64_MAX - SZ_8K + 1, SZ_8K),
			-EEXIST);
}

static void find_and_first_return_overlapping_mappings(struct kunit *test)
{
	struct rb_root root;
	struct t1_map *m[3];

	three(test, &root, m);
	KUNIT_EXPECT_PTR_EQ(test, t1_tree_find(&root, SZ_16K, SZ_16K), m[0]);
	KUNIT_EXPECT_PTR_EQ(test, t1_tree_find(&root, SZ_64K + 5,
					       SZ_64K + 5), m[2]);
	KUNIT_EXPECT_NULL(test, t1_tree_find(&root, K(48), SZ_64K - 1));
	KUNIT_EXPECT_NULL(test, t1_tree_find(&root, SZ_128K, U64_MAX));
	KUNIT_EXPECT_NULL(test, t1_tree_find(&root, 0, SZ_16K - 1));

	/* first: the lowest one, even if another one is found earlier. */
	KUNIT_EXPECT_PTR_EQ(test, t1_tree_first(&root, 0, U64_MAX), m[0]);
	KUNIT_EXPECT_PTR_EQ(test, t1_tree_first(&root, SZ_32K - 1, U64_MAX),
			    m[0]);
	KUNIT_EXPECT_PTR_EQ(test, t1_tree_first(&root, SZ_32K, U64_MAX), m[1]);
	KUNIT_EXPECT_PTR_EQ(test, t1_tree_first(&root, K(48), U64_MAX), m[2]);
	KUNIT_EXPECT_NULL(test, t1_tree_first(&root, K(48), SZ_64K - 1));
	KUNIT_EXPECT_PTR_EQ(test, t1_tree_next(m[0]), m[1]);
	KUNIT_EXPECT_NULL(test, t1_tree_next(m[2]));
}

static void remove_frees_the_range(struct kunit *test)
{
	struct rb_root root;
	struct t1_map *m[3];

	three(test, &root, m);
	t1_tree_remove(&root, m[1]);
	KUNIT_EXPECT_NULL(test, t1_tree_find(&root, SZ_32K, K(48) - 1));
	KUNIT_EXPECT_PTR_EQ(test, t1_tree_next(m[0]), m[2]);
	KUNIT_EXPECT_EQ(test, try_insert(test, &root, SZ_32K, SZ_16K),
			0);
}

/* Collect the span of an unmap request; returns the count or an error. */
static int span(struct rb_root *root, u64 iova, u64 size, bool v2,
		struct t1_map **out, int max)
{
	u64 last = iova + size - 1;
	struct t1_map *map;
	int n = 0, ret;

	ret = t1_tree_unmap_span(root, iova, last, v2, &map);
	if (ret)
		return ret;
	for (; map && n < max; map = t1_tree_unmap_next(map, last))
		out[n++] = map;
	return n;
}

static void v2_unmap_removes_exactly_covered_mappings(struct kunit *test)
{
	struct t1_map *m[3], *got[4];
	struct rb_root root;

	three(test, &root, m);
	KUNIT_EXPECT_EQ(test, span(&root, SZ_16K, SZ_16K, true, got, 4), 1);
	KUNIT_EXPECT_PTR_EQ(test, got[0], m[0]);
	KUNIT_EXPECT_EQ(test, span(&root, 0, SZ_1M, true, got, 4), 3);
	KUNIT_EXPECT_EQ(test, span(&root, SZ_16K, SZ_32K, true, got, 4), 2);
	KUNIT_EXPECT_PTR_EQ(test, got[1], m[1]);
	/* Only a hole: success, nothing to remove. */
	KUNIT_EXPECT_EQ(test, span(&root, K(48), SZ_16K, true, got, 4), 0);
	/* Unmap all. */
	KUNIT_EXPECT_EQ(test, span(&root, 0, 0, true, got, 4), 3);
}

static void v2_unmap_refuses_to_split(struct kunit *test)
{
	struct t1_map *m[3], *got[4];
	struct rb_root root;

	three(test, &root, m);
	/* Starts inside the first mapping. */
	KUNIT_EXPECT_EQ(test, span(&root, SZ_16K + SZ_4K, SZ_16K, true, got, 4),
			-EINVAL);
	/* Ends inside the last mapping. */
	KUNIT_EXPECT_EQ(test, span(&root, SZ_16K, SZ_64K, true, got, 4),
			-EINVAL);
	/* Starts in a hole, ends inside a mapping. */
	KUNIT_EXPECT_EQ(test, span(&root, K(48), SZ_32K, true, got, 4),
			-EINVAL);
	/* Entirely inside one mapping. */
	KUNIT_EXPECT_EQ(test, span(&root, SZ_64K + SZ_4K, SZ_4K, true, got, 4),
			-EINVAL);
}

static void v1_unmap_never_splits_and_never_fails(struct kunit *test)
{
	struct t1_map *m[3], *got[4];
	struct rb_root root;

	three(test, &root, m);
	/* Starting inside a mapping removes nothing, not even later ones. */
	KUNIT_EXPECT_EQ(test, span(&root, SZ_16K + SZ_4K, SZ_1M, false, got,
				   4), 0);
	/* Covering a first IOVA removes the whole mapping beyond the end. */
	KUNIT_EXPECT_EQ(test, span(&root, K(48), SZ_32K, false, got, 4), 1);
	KUNIT_EXPECT_PTR_EQ(test, got[0], m[2]);
	KUNIT_EXPECT_EQ(test, span(&root, SZ_16K, SZ_4K, false, got, 4), 1);
	KUNIT_EXPECT_PTR_EQ(test, got[0], m[0]);
	KUNIT_EXPECT_EQ(test, span(&root, SZ_16K, SZ_16K + SZ_4K, false, got,
				   4), 2);
}

static void pfn_runs_split_at_discontinuities(struct kunit *test)
{
	static const unsigned long pfns[] = {
		100, 101, 102, 103,	/* run of 4 */
		200,			/* run of 1 */
		50, 51,			/* run of 2 */
		52 + 1,			/* gap of one frame: new run */
		99,			/* backwards: new run */
	};
	static const unsigned long runs[] = { 4, 1, 2, 1, 1 };
	unsigned long pos = 0, n;
	unsigned int i = 0;

	while (pos < ARRAY_SIZE(pfns)) {
		n = t1_pfn_run(pfns + pos, ARRAY_SIZE(pfns) - pos);
		KUNIT_ASSERT_LT(test, i, ARRAY_SIZE(runs));
		KUNIT_EXPECT_EQ(test, n, runs[i]);
		pos += n;
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, ARRAY_SIZE(runs));
	KUNIT_EXPECT_EQ(test, t1_pfn_run(pfns, 1), 1UL);
}

static void run_pgsize_picks_largest_fitting_page(struct kunit *test)
{
	unsigned long x86 = SZ_4K | SZ_2M | SZ_1G;

	/* Aligned and long enough: the huge sizes. */
	KUNIT_EXPECT_EQ(test, t1_run_pgsize(x86, SZ_2M, SZ_4M, SZ_4M),
			(unsigned long)SZ_2M);
	KUNIT_EXPECT_EQ(test, t1_run_pgsize(x86, SZ_1G, 2ULL * SZ_1G, SZ_1G),
			(unsigned long)SZ_1G);
	KUNIT_EXPECT_EQ(test, t1_run_pgsize(x86, 0, 0, 4ULL * SZ_1G),
			(unsigned long)SZ_1G);
	/* Too short, or one address not aligned: small pages. */
	KUNIT_EXPECT_EQ(test, t1_run_pgsize(x86, SZ_2M, SZ_2M, SZ_2M - SZ_4K),
			(unsigned long)SZ_4K);
	KUNIT_EXPECT_EQ(test, t1_run_pgsize(x86, SZ_2M, SZ_2M + SZ_4K, SZ_4M),
			(unsigned long)SZ_4K);
	KUNIT_EXPECT_EQ(test, t1_run_pgsize(x86, SZ_2M + SZ_4K, SZ_2M, SZ_4M),
			(unsigned long)SZ_4K);
	/* Nothing fits. */
	KUNIT_EXPECT_EQ(test, t1_run_pgsize(x86, 0, 0, SZ_2K), 0UL);
	KUNIT_EXPECT_EQ(test, t1_run_pgsize(SZ_2M, SZ_4K, 0, SZ_4M), 0UL);
	KUNIT_EXPECT_EQ(test, t1_run_pgsize(x86, 0, 0, 0), 0UL);
}

/*
 * Walk a run the way the IOMMU core maps it: the page sizes used for a
 * 2M-aligned run of 2M + 12K starting 8K before a 2M boundary.
 */
static void run_pgsize_sequence_for_a_run(struct kunit *test)
{
	static const unsigned long expect[] = { SZ_4K, SZ_4K, SZ_2M, SZ_4K };
	unsigned long x86 = SZ_4K | SZ_2M | SZ_1G;
	u64 iova = SZ_2M - SZ_8K, phys = SZ_1G - SZ_8K, len = SZ_2M + K(12);
	unsigned int i = 0;

	while (len) {
		unsigned long pg = t1_run_pgsize(x86, iova, phys, len);

		KUNIT_ASSERT_LT(test, i, ARRAY_SIZE(expect));
		KUNIT_EXPECT_EQ(test, pg, expect[i]);
		iova += pg;
		phys += pg;
		len -= pg;
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, ARRAY_SIZE(expect));
}

static void ranges_exclude_reserved_regions(struct kunit *test)
{
	struct t1_iova_range holes[] = {
		{ 0xfee00000, 0xfeefffff },	/* x86 MSI window */
		{ 0, 0xfff },			/* at the start */
		{ 0xfee80000, 0xfef0ffff },	/* overlapping the first */
	};
	struct t1_ranges set;

	KUNIT_ASSERT_EQ(test, t1_ranges_build(&set, 0, (1ULL << 48) - 1, holes,
					      ARRAY_SIZE(holes)), 0);
	KUNIT_ASSERT_EQ(test, set.nr, 2U);
	KUNIT_EXPECT_EQ(test, set.r[0].start, 0x1000ULL);
	KUNIT_EXPECT_EQ(test, set.r[0].last, 0xfedfffffULL);
	KUNIT_EXPECT_EQ(test, set.r[1].start, 0xfef10000ULL);
	KUNIT_EXPECT_EQ(test, set.r[1].last, (1ULL << 48) - 1);

	KUNIT_EXPECT_TRUE(test, t1_ranges_contain(&set, 0x1000, 0xfedfffff));
	KUNIT_EXPECT_FALSE(test, t1_ranges_contain(&set, 0, 0xfff));
	KUNIT_EXPECT_FALSE(test, t1_ranges_contain(&set, 0xfed00000,
						   0xfee00fff));
	KUNIT_EXPECT_TRUE(test, t1_ranges_contain(&set, 1ULL << 40,
						  (1ULL << 40) + 0xfff));
	KUNIT_EXPECT_FALSE(test, t1_ranges_contain(&set, 1ULL << 48,
						   (1ULL << 48) + 0xfff));
	t1_ranges_free(&set);
	KUNIT_EXPECT_EQ(test, set.nr, 0U);
}

static void ranges_empty_set_allows_everything(struct kunit *test)
{
	struct t1_ranges none = {};

	KUNIT_EXPECT_TRUE(test, t1_ranges_contain(&none, 0, U64_MAX));
}

static void ranges_fully_reserved_window_is_an_error(struct kunit *test)
{
	struct t1_iova_range holes[] = { { 0, 0x7fff }, { 0x8000, 0xffff } };
	struct t1_ranges set;

	KUNIT_EXPECT_EQ(test, t1_ranges_build(&set, 0x1000, 0xffff, holes,
					      ARRAY_SIZE(holes)), -EINVAL);
	KUNIT_EXPECT_EQ(test, t1_ranges_build(&set, 5, 4, NULL, 0), -EINVAL);
	KUNIT_ASSERT_EQ(test, t1_ranges_build(&set, 0, U64_MAX, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, set.nr, 1U);
	KUNIT_EXPECT_EQ(test, set.r[0].last, U64_MAX);
	t1_ranges_free(&set);
}

/* Record of a mapping at 1 MiB, from runs given as {pfn, npages, rsvd}. */
static void record(struct kunit *test, struct t1_map *map,
		   const unsigned long (*runs)[3], unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, t1_record_add(map, runs[i][0], runs[i][1],
						    runs[i][2]), 0);
}

static void expect_run(struct kunit *test, const struct t1_run *run,
		       unsigned long pfn, unsigned long npages, bool reserved)
{
	KUNIT_EXPECT_EQ(test, run->pfn, pfn);
	KUNIT_EXPECT_EQ(test, (unsigned long)run->npages, npages);
	KUNIT_EXPECT_EQ(test, run->reserved, reserved);
}

/* Finds the run a walk visits as its @want-th (from 0). */
struct nth_run {
	unsigned long want;
	unsigned long seen;
	const struct t1_run *run;
};

static int find_nth_run(struct t1_map *map, u64 iova, const struct t1_run *run,
			void *arg)
{
	struct nth_run *w = arg;

	if (w->seen++ != w->want)
		return 0;
	w->run = run;
	return 1;
}

static const struct t1_run *nth_run(struct kunit *test, struct t1_map *map,
				    unsigned long n)
{
	struct nth_run w = { .want = n };

	t1_record_walk(map, U64_MAX, find_nth_run, &w);
	KUNIT_ASSERT_NOT_NULL(test, w.run);
	return w.run;
}

static void record_merges_contiguous_frames_of_one_kind(struct kunit *test)
{
	static const unsigned long adds[][3] = {
		{ 100, 4, 0 }, { 104, 2, 0 },	/* one run of 6 */
		{ 106, 1, 1 }, { 107, 1, 1 },	/* contiguous, reserved: new */
		{ 108, 3, 0 },			/* ordinary again: new */
		{ 50, 1, 0 },			/* backwards: new */
	};
	struct t1_map *map = mk(test, SZ_1M, SZ_1M);

	record(test, map, adds, ARRAY_SIZE(adds));
	KUNIT_ASSERT_EQ(test, map->nr_runs, 4UL);
	expect_run(test, nth_run(test, map, 0), 100, 6, false);
	expect_run(test, nth_run(test, map, 1), 106, 2, true);
	expect_run(test, nth_run(test, map, 2), 108, 3, false);
	expect_run(test, nth_run(test, map, 3), 50, 1, false);
	KUNIT_EXPECT_EQ(test, t1_record_bytes(map), 12ULL << PAGE_SHIFT);

	t1_record_free(map);
	KUNIT_EXPECT_EQ(test, map->nr_runs, 0UL);
	KUNIT_EXPECT_EQ(test, t1_record_bytes(map), 0ULL);
}

/* Checks that a walk sees runs of one frame at every other frame. */
struct every_other {
	unsigned long next_pfn;
	unsigned long runs;
	bool bad;
};

static int check_every_other(struct t1_map *map, u64 iova,
			     const struct t1_run *run, void *arg)
{
	struct every_other *w = arg;

	if (run->pfn != w->next_pfn || run->npages != 1 || run->reserved ||
	    iova != map->iova + ((u64)w->runs << PAGE_SHIFT))
		w->bad = true;
	w->next_pfn += 2;
	w->runs++;
	return 0;
}

static void record_grows_and_keeps_its_runs(struct kunit *test)
{
	const unsigned long nr = 3 * T1_CHUNK_MAX + 10;
	struct t1_map *map = mk(test, 0, SZ_1G);
	struct every_other w = { .next_pfn = 1000 };
	const struct t1_run_chunk *chunk;
	unsigned long i, in_blocks = 0;
	unsigned int cap = T1_CHUNK_FIRST;

	/* Every other frame: each one a run, over many blocks. */
	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, t1_record_add(map, 1000 + 2 * i, 1,
						    false), 0);
	KUNIT_ASSERT_EQ(test, map->nr_runs, nr);
	KUNIT_EXPECT_EQ(test, t1_record_walk(map, U64_MAX, check_every_other,
					     &w), 0);
	KUNIT_EXPECT_EQ(test, w.runs, nr);
	KUNIT_EXPECT_FALSE(test, w.bad);
	KUNIT_EXPECT_EQ(test, t1_record_bytes(map), (u64)nr << PAGE_SHIFT);

	/* Blocks grow 4x from the first, up to the cap, all but the last full. */
	for (chunk = map->chunks; chunk; chunk = chunk->next) {
		KUNIT_EXPECT_EQ(test, chunk->cap, cap);
		if (chunk->next)
			KUNIT_EXPECT_EQ(test, chunk->nr, chunk->cap);
		else
			KUNIT_EXPECT_PTR_EQ(test, chunk, map->chunk_tail);
		in_blocks += chunk->nr;
		cap = min_t(unsigned int, cap * 4, T1_CHUNK_MAX);
	}
	KUNIT_EXPECT_EQ(test, in_blocks + 1, nr);
	t1_record_free(map);
	KUNIT_EXPECT_NULL(test, map->chunks);
	KUNIT_EXPECT_EQ(test, t1_record_bytes(map), 0ULL);
}

static void record_run_length_is_capped(struct kunit *test)
{
	struct t1_map *map = mk(test, 0, SZ_1G);
	unsigned long first = T1_RUN_MAX_PAGES - 2;

	KUNIT_ASSERT_EQ(test, t1_record_add(map, 10, first, false), 0);
	/* Continues the run: 2 frames fill it, 3 start the next one. */
	KUNIT_ASSERT_EQ(test, t1_record_add(map, 10 + first, 5, false), 0);
	KUNIT_ASSERT_EQ(test, map->nr_runs, 2UL);
	expect_run(test, nth_run(test, map, 0), 10, T1_RUN_MAX_PAGES, false);
	expect_run(test, nth_run(test, map, 1),
		   10 + (unsigned long)T1_RUN_MAX_PAGES, 3, false);
	t1_record_free(map);
}

struct walk_log {
	unsigned int calls;
	unsigned int fail_at;
	u64 iova[4];
	unsigned long pfn[4];
};

static int log_run(struct t1_map *map, u64 iova, const struct t1_run *run,
		   void *arg)
{
	struct walk_log *log = arg;

	if (log->calls < ARRAY_SIZE(log->iova)) {
		log->iova[log->calls] = iova;
		log->pfn[log->calls] = run->pfn;
	}
	if (++log->calls == log->fail_at)
		return -EIO;
	return 0;
}

static void record_walk_visits_runs_within_bytes(struct kunit *test)
{
	static const unsigned long adds[][3] = {
		{ 10, 2, 0 }, { 20, 3, 1 }, { 30, 1, 0 },
	};
	struct t1_map *map = mk(test, SZ_1M, 6 * PAGE_SIZE);
	struct walk_log log = {};

	record(test, map, adds, ARRAY_SIZE(adds));

	/* All of it: three runs, each at the IOVA its predecessors end at. */
	KUNIT_EXPECT_EQ(test, t1_record_walk(map, map->size, log_run, &log), 0);
	KUNIT_EXPECT_EQ(test, log.calls, 3U);
	KUNIT_EXPECT_EQ(test, log.iova[0], (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, log.iova[1], SZ_1M + 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, log.iova[2], SZ_1M + 5 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, log.pfn[2], 30UL);

	/* A prefix ending inside the second run: only the first one. */
	memset(&log, 0, sizeof(log));
	KUNIT_EXPECT_EQ(test, t1_record_walk(map, 4 * PAGE_SIZE, log_run,
					     &log), 0);
	KUNIT_EXPECT_EQ(test, log.calls, 1U);

	/* An error stops the walk and is returned. */
	memset(&log, 0, sizeof(log));
	log.fail_at = 2;
	KUNIT_EXPECT_EQ(test, t1_record_walk(map, map->size, log_run, &log),
			-EIO);
	KUNIT_EXPECT_EQ(test, log.calls, 2U);
	t1_record_free(map);
}

static struct kunit_case vfio_type1_cases[] = {
	KUNIT_CASE(insert_keeps_iova_order),
	KUNIT_CASE(insert_refuses_any_overlap),
	KUNIT_CASE(insert_at_top_of_address_space),
	KUNIT_CASE(find_and_first_return_overlapping_mappings),
	KUNIT_CASE(remove_frees_the_range),
	KUNIT_CASE(v2_unmap_removes_exactly_covered_mappings),
	KUNIT_CASE(v2_unmap_refuses_to_split),
	KUNIT_CASE(v1_unmap_never_splits_and_never_fails),
	KUNIT_CASE(pfn_runs_split_at_discontinuities),
	KUNIT_CASE(run_pgsize_picks_largest_fitting_page),
	KUNIT_CASE(run_pgsize_sequence_for_a_run),
	KUNIT_CASE(ranges_exclude_reserved_regions),
	KUNIT_CASE(ranges_empty_set_allows_everything),
	KUNIT_CASE(ranges_fully_reserved_window_is_an_error),
	KUNIT_CASE(record_merges_contiguous_frames_of_one_kind),
	KUNIT_CASE(record_grows_and_keeps_its_runs),
	KUNIT_CASE(record_run_length_is_capped),
	KUNIT_CASE(record_walk_visits_runs_within_bytes),
	{}
};

static struct kunit_suite vfio_type1_suite = {
	.name = "vfio_type1",
	.test_cases = vfio_type1_cases,
};

kunit_test_suite(vfio_type1_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of the VFIO Type1 IOMMU backend's mapping tree");
