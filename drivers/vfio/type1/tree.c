// SPDX-License-Identifier: GPL-2.0-only
/*
 * Type1 IOMMU backend: the bookkeeping that needs no hardware.
 *
 * The mapping tree is an rb-tree of struct t1_map ordered by IOVA.  The
 * mappings in it never overlap (t1_tree_insert() refuses an overlap), so
 * ordering by first IOVA is also ordering by last IOVA, and the mappings
 * overlapping any range form one contiguous in-order run of the tree.
 * Every operation here is a single descent, O(log n), plus the length of
 * the run it returns.
 *
 * Ranges are inclusive ([start, last]) throughout, so that a mapping that
 * ends at the top of the 64-bit space needs no special case.
 *
 * The rest of the file is small arithmetic the mapping paths rely on:
 * runs of physically contiguous page frames and the run record of a
 * mapping, the largest IOMMU page that fits a run, and sets of usable IOVA
 * ranges, all exported to the KUnit
 * suite in type1_kunit.c.  Last come the lookups the other files share:
 * the pins of a mapping (by IOVA) and the groups of a container.  The
 * file uses nothing of the others.
 */
#include <kunit/visibility.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vfio.h>

#include "type1.h"

static inline u64 map_last(const struct t1_map *map)
{
	return map->iova + map->size - 1;
}

static inline struct t1_map *to_map(struct rb_node *node)
{
	return node ? rb_entry(node, struct t1_map, node) : NULL;
}

/**
 * t1_tree_first - find the lowest mapping overlapping a range
 * @root: the mapping tree
 * @start: first IOVA of the range
 * @last: last IOVA of the range, at least @start
 *
 * Return: the mapping with the lowest IOVA among those that share at least
 * one byte with [@start, @last], or NULL if there is none.
 */
struct t1_map *t1_tree_first(struct rb_root *root, u64 start, u64 last)
{
	struct rb_node *node = root->rb_node;
	struct t1_map *best = NULL;

	/* Look for the leftmost mapping that ends at or after @start. */
	while (node) {
		struct t1_map *map = to_map(node);

		if (map_last(map) >= start) {
			best = map;
			if (map->iova <= start)
				break;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	if (best && best->iova > last)
		return NULL;
	return best;
}
EXPORT_SYMBOL_IF_KUNIT(t1_tree_first);

/**
 * t1_tree_find - find any mapping overlapping a range
 * @root: the mapping tree
 * @start: first IOVA of the range
 * @last: last IOVA of the range, at least @start
 *
 * Return: a mapping that shares at least one byte with [@start, @last], or
 * NULL if there is none.  Cheaper than t1_tree_first() when the caller
 * only needs to know whether the range is free.
 */
struct t1_map *t1_tree_find(struct rb_root *root, u64 start, u64 last)
{
	struct rb_node *node = root->rb_node;

	while (node) {
		struct t1_map *map = to_map(node);

		if (last < map->iova)
			node = node->rb_left;
		else if (start > map_last(map))
			node = node->rb_right;
		else
			return map;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(t1_tree_find);

/**
 * t1_tree_next - the mapping following @map in IOVA order
 * @map: a mapping in a tree
 *
 * Return: the next mapping, or NULL if @map is the last one.
 */
struct t1_map *t1_tree_next(struct t1_map *map)
{
	return to_map(rb_next(&map->node));
}
EXPORT_SYMBOL_IF_KUNIT(t1_tree_next);

/**
 * t1_tree_insert - add a mapping to the tree
 * @root: the mapping tree
 * @map: the new mapping; @map->iova and @map->size must be set and the
 *	range must not wrap around
 *
 * The neighbours @map would have in the tree are both on the path the
 * descent takes, so checking every node on that path is enough to detect
 * an overlap with any mapping.
 *
 * Return: 0, or -EEXIST (and the tree unchanged) if @map overlaps a
 * mapping already in the tree.
 */
int t1_tree_insert(struct rb_root *root, struct t1_map *map)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;
	u64 last = map_last(map);

	while (*link) {
		struct t1_map *cur = to_map(*link);

		parent = *link;
		if (last < cur->iova)
			link = &parent->rb_left;
		else if (map->iova > map_last(cur))
			link = &parent->rb_right;
		else
			return -EEXIST;
	}
	rb_link_node(&map->node, parent, link);
	rb_insert_color(&map->node, root);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(t1_tree_insert);

/**
 * t1_tree_remove - take a mapping out of the tree
 * @root: the mapping tree
 * @map: a mapping in @root
 */
void t1_tree_remove(struct rb_root *root, struct t1_map *map)
{
	rb_erase(&map->node, root);
	RB_CLEAR_NODE(&map->node);
}
EXPORT_SYMBOL_IF_KUNIT(t1_tree_remove);

/**
 * t1_tree_unmap_span - which mappings an unmap request removes
 * @root: the mapping tree
 * @iova: first IOVA of the request
 * @last: last IOVA of the request
 * @v2: apply the VFIO_TYPE1v2_IOMMU rules rather than the v1 ones
 * @first: set to the first mapping to remove, NULL if none
 *
 * The two interface versions disagree on requests that cut mappings:
 *
 *  - v2 refuses to split: the request must not start or end inside a
 *    mapping, and then removes exactly the mappings it covers;
 *  - v1 never fails: a mapping is removed whole when the request covers
 *    its first IOVA, even if it extends past @last, and a request that
 *    starts inside a mapping removes nothing at all.
 *
 * Walk the result with t1_tree_unmap_next().
 *
 * Return: 0, or -EINVAL if @v2 and the request would split a mapping.
 */
int t1_tree_unmap_span(struct rb_root *root, u64 iova, u64 last, bool v2,
		       struct t1_map **first)
{
	struct t1_map *map;

	*first = NULL;
	map = t1_tree_first(root, iova, last);
	if (!map)
		return 0;

	if (v2) {
		struct t1_map *tail;

		if (map->iova < iova)
			return -EINVAL;
		tail = t1_tree_find(root, last, last);
		if (tail && map_last(tail) != last)
			return -EINVAL;
	} else if (map->iova < iova) {
		return 0;
	}

	*first = map;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(t1_tree_unmap_span);

/**
 * t1_tree_unmap_next - the mapping after @map in an unmap span
 * @map: a mapping of the span (not yet removed from the tree)
 * @last: last IOVA of the request
 *
 * Return: the next mapping that starts at or before @last, or NULL.
 */
struct t1_map *t1_tree_unmap_next(struct t1_map *map, u64 last)
{
	struct t1_map *next = t1_tree_next(map);

	if (next && next->iova <= last)
		return next;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(t1_tree_unmap_next);

/**
 * t1_pfn_run - length of the physically contiguous run starting a batch
 * @pfns: page frame numbers, in IOVA order
 * @nr: entries in @pfns, at least one
 *
 * Return: the number of leading entries of @pfns that follow each other
 * frame by frame; the IOMMU can map them with one call.
 */
unsigned long t1_pfn_run(const unsigned long *pfns, unsigned long nr)
{
	unsigned long i;

	for (i = 1; i < nr; i++)
		if (pfns[i] != pfns[0] + i)
			break;
	return i;
}
EXPORT_SYMBOL_IF_KUNIT(t1_pfn_run);

/* The last run of the record of @map, or NULL if it is empty. */
static struct t1_run *record_last(struct t1_map *map)
{
	if (!map->nr_runs)
		return NULL;
	if (!map->chunk_tail)
		return &map->run0;
	return &map->chunk_tail->runs[map->chunk_tail->nr - 1];
}

/*
 * Room for one more run at the end of the record of @map, counted in the
 * block already (the caller fills it and counts it in &t1_map.nr_runs);
 * NULL without memory.
 */
static struct t1_run *record_slot(struct t1_map *map)
{
	struct t1_run_chunk *tail = map->chunk_tail, *chunk;
	unsigned int cap;

	if (!map->nr_runs)
		return &map->run0;
	if (tail && tail->nr < tail->cap)
		return &tail->runs[tail->nr++];

	cap = tail ? min_t(unsigned int, tail->cap * 4, T1_CHUNK_MAX) :
		     T1_CHUNK_FIRST;
	chunk = kvmalloc(struct_size(chunk, runs, cap), GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return NULL;
	chunk->next = NULL;
	chunk->cap = cap;
	chunk->nr = 1;
	if (tail)
		tail->next = chunk;
	else
		map->chunks = chunk;
	map->chunk_tail = chunk;
	return &chunk->runs[0];
}

/*
 * The run after the one a walk is at: *@chunk is the block the walk reads
 * (the first block while it is at &t1_map.run0), *@i the index in it of
 * the run to return next.  NULL at the end of the record.
 */
static struct t1_run *record_next(struct t1_run_chunk **chunk,
				  unsigned int *i)
{
	while (*chunk && *i == (*chunk)->nr) {
		*chunk = (*chunk)->next;
		*i = 0;
	}
	return *chunk ? &(*chunk)->runs[(*i)++] : NULL;
}

/**
 * t1_record_add - append pinned frames to the run record of a mapping
 * @map: the mapping; the frames back the IOVA right after its last run
 * @pfn: first frame
 * @npages: number of frames (1 to T1_RUN_MAX_PAGES), physically
 *	contiguous, all of one kind
 * @reserved: the kind: reserved frames (t1_pfn_is_reserved()) or not
 *
 * The frames extend the last run as far as they continue it physically
 * and are of the same kind; the rest starts a new run.  The new run's
 * slot is taken before the last run grows, so that a failure leaves the
 * record as it was: the caller still owns every frame of the call.
 *
 * Return: 0, -ENOMEM with the record unchanged, or -EINVAL for a count
 * out of range.
 */
int t1_record_add(struct t1_map *map, unsigned long pfn, unsigned long npages,
		  bool reserved)
{
	struct t1_run *last = record_last(map), *run;
	unsigned long merge = 0;

	if (WARN_ON_ONCE(!npages || npages > T1_RUN_MAX_PAGES))
		return -EINVAL;
	if (last && last->reserved == reserved &&
	    last->pfn + last->npages == pfn)
		merge = min_t(unsigned long, npages,
			      T1_RUN_MAX_PAGES - last->npages);
	if (merge < npages) {
		/* Blocks never move: @last stays valid across this. */
		run = record_slot(map);
		if (!run)
			return -ENOMEM;
		map->nr_runs++;
		run->pfn = pfn + merge;
		run->npages = npages - merge;
		run->reserved = reserved;
	}
	if (last)
		last->npages += merge;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(t1_record_add);

/**
 * t1_record_free - forget the run record of a mapping
 * @map: the mapping; the frames it recorded are unpinned already
 */
void t1_record_free(struct t1_map *map)
{
	struct t1_run_chunk *chunk, *next;

	for (chunk = map->chunks; chunk; chunk = next) {
		next = chunk->next;
		kvfree(chunk);
	}
	map->chunks = NULL;
	map->chunk_tail = NULL;
	map->nr_runs = 0;
}
EXPORT_SYMBOL_IF_KUNIT(t1_record_free);

/**
 * t1_record_bytes - how much IOVA the run record of a mapping covers
 * @map: the mapping
 *
 * Return: the bytes from &t1_map.iova on that have frames recorded.
 */
u64 t1_record_bytes(const struct t1_map *map)
{
	const struct t1_run_chunk *chunk;
	u64 pages = map->nr_runs ? map->run0.npages : 0;
	unsigned int i;

	for (chunk = map->chunks; chunk; chunk = chunk->next)
		for (i = 0; i < chunk->nr; i++)
			pages += chunk->runs[i].npages;
	return pages << PAGE_SHIFT;
}
EXPORT_SYMBOL_IF_KUNIT(t1_record_bytes);

/**
 * t1_record_walk - call a function for each recorded run of a mapping
 * @map: the mapping
 * @bytes: only the runs that end within this many bytes from
 *	&t1_map.iova are visited
 * @fn: called with the IOVA of each run and the run, in IOVA order
 * @arg: passed to @fn
 *
 * The one walker over the record: mapping it into a domain, and unpinning
 * it, are both a function called per run.
 *
 * Return: 0, or the first non-zero value @fn returned (the walk stops
 * there).
 */
int t1_record_walk(struct t1_map *map, u64 bytes, t1_run_fn fn, void *arg)
{
	struct t1_run *run = map->nr_runs ? &map->run0 : NULL;
	struct t1_run_chunk *chunk = map->chunks;
	u64 iova = map->iova, left = bytes;
	unsigned long seen = 0;
	unsigned int i = 0;
	int ret;

	for (; run; run = record_next(&chunk, &i)) {
		u64 len = (u64)run->npages << PAGE_SHIFT;

		if (len > left)
			break;
		ret = fn(map, iova, run, arg);
		if (ret)
			return ret;
		iova += len;
		left -= len;
		if (!(++seen % 64))
			cond_resched();
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(t1_record_walk);

/**
 * t1_run_pgsize - the largest IOMMU page that can start a run
 * @pgsizes: page sizes the IOMMU supports (bitmap of powers of two)
 * @iova: IOVA of the run
 * @phys: physical address of the run
 * @len: length of the run in bytes
 *
 * This is the choice the IOMMU core makes for each piece of a mapping:
 * the page must fit in @len and both addresses must be aligned to it.
 *
 * Return: the page size, or 0 if none of @pgsizes fits.
 */
unsigned long t1_run_pgsize(unsigned long pgsizes, u64 iova, u64 phys,
			    u64 len)
{
	u64 align = iova | phys;
	unsigned long fit = pgsizes;

	if (!len)
		return 0;
	/* Sizes up to the largest power of two not above @len... */
	if (len < (1ULL << (BITS_PER_LONG - 1)))
		fit &= GENMASK(__fls(len), 0);
	/* ...and no larger than the alignment of both addresses. */
	if (align)
		fit &= GENMASK(__ffs64(align), 0);
	return fit ? 1UL << __fls(fit) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(t1_run_pgsize);

/**
 * t1_ranges_contain - whether a range lies within one usable range
 * @set: the usable ranges
 * @start: first IOVA
 * @last: last IOVA
 *
 * Return: true if [@start, @last] is inside one range of @set, or if @set
 * is empty (nothing restricts the IOVA).
 */
bool t1_ranges_contain(const struct t1_ranges *set, u64 start, u64 last)
{
	unsigned int lo = 0, hi = set->nr;

	if (!set->nr)
		return true;
	/* Find the range with the highest start not above @start. */
	while (hi - lo > 1) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (set->r[mid].start <= start)
			lo = mid;
		else
			hi = mid;
	}
	return set->r[lo].start <= start && last <= set->r[lo].last;
}
EXPORT_SYMBOL_IF_KUNIT(t1_ranges_contain);

static int cmp_range_start(const void *a, const void *b)
{
	const struct t1_iova_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/**
 * t1_ranges_build - compute [start, last] minus a set of holes
 * @set: receives the result; its previous content is not freed
 * @start: first IOVA of the window
 * @last: last IOVA of the window
 * @holes: ranges to cut out, in any order, possibly overlapping; the
 *	array is sorted in place
 * @nr_holes: entries in @holes
 *
 * Return: 0, -ENOMEM, or -EINVAL if nothing of the window remains.
 */
int t1_ranges_build(struct t1_ranges *set, u64 start, u64 last,
		    struct t1_iova_range *holes, unsigned int nr_holes)
{
	struct t1_iova_range *out;
	unsigned int i, nr = 0;
	u64 pos = start;
	bool open = true;	/* [pos, last] not yet emitted */

	set->r = NULL;
	set->nr = 0;
	if (start > last)
		return -EINVAL;

	/* Each hole splits at most one range into two. */
	out = kcalloc(nr_holes + 1, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;

	sort(holes, nr_holes, sizeof(*holes), cmp_range_start, NULL);
	for (i = 0; i < nr_holes && open; i++) {
		if (holes[i].last < pos || holes[i].start > last)
			continue;
		if (holes[i].start > pos) {
			out[nr].start = pos;
			out[nr].last = holes[i].start - 1;
			nr++;
		}
		if (holes[i].last >= last)
			open = false;
		else
			pos = holes[i].last + 1;
	}
	if (open) {
		out[nr].start = pos;
		out[nr].last = last;
		nr++;
	}

	if (!nr) {
		kfree(out);
		return -EINVAL;
	}
	set->r = out;
	set->nr = nr;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(t1_ranges_build);

/**
 * t1_ranges_free - release the storage of a range set
 * @set: the set, left empty
 */
void t1_ranges_free(struct t1_ranges *set)
{
	kfree(set->r);
	set->r = NULL;
	set->nr = 0;
}
EXPORT_SYMBOL_IF_KUNIT(t1_ranges_free);

/* --- the pins of a mapping, and the groups of a container --- */

/* The pin of the page at @iova in @map, or NULL; under the container lock. */
struct t1_pin *t1_find_pin(struct t1_map *map, u64 iova)
{
	struct rb_node *node = map->pins.rb_node;

	while (node) {
		struct t1_pin *pin = rb_entry(node, struct t1_pin, node);

		if (iova < pin->iova)
			node = node->rb_left;
		else if (iova > pin->iova)
			node = node->rb_right;
		else
			return pin;
	}
	return NULL;
}

/**
 * t1_pin_insert - record a newly pinned page of a mapping
 * @map: the mapping
 * @iova: IOVA of the page, not yet in @map's pins
 * @pfn: the page pinned for it
 *
 * The record starts with one reference.  Under the container lock.
 *
 * Return: 0, or -ENOMEM.
 */
int t1_pin_insert(struct t1_map *map, u64 iova, unsigned long pfn)
{
	struct rb_node **link = &map->pins.rb_node, *parent = NULL;
	struct t1_pin *pin;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return -ENOMEM;
	pin->iova = iova;
	pin->pfn = pfn;
	pin->refs = 1;

	while (*link) {
		parent = *link;
		if (iova < rb_entry(parent, struct t1_pin, node)->iova)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&pin->node, parent, link);
	rb_insert_color(&pin->node, &map->pins);
	return 0;
}

/**
 * t1_group_in - look a group up in one list of groups
 * @groups: &t1_domain.groups or &t1_container.emulated_groups
 * @iommu_group: the group
 *
 * Return: the record of @iommu_group in @groups, or NULL.
 */
struct t1_group *t1_group_in(struct list_head *groups,
			     struct iommu_group *iommu_group)
{
	struct t1_group *g;

	list_for_each_entry(g, groups, link)
		if (g->iommu_group == iommu_group)
			return g;
	return NULL;
}

/**
 * t1_find_group - look a group up among the container's groups
 * @t1: the container
 * @iommu_group: the group
 *
 * Return: the container's record of @iommu_group, or NULL.
 */
struct t1_group *t1_find_group(struct t1_container *t1,
			       struct iommu_group *iommu_group)
{
	struct t1_domain *dom;
	struct t1_group *g;

	lockdep_assert_held(&t1->lock);
	list_for_each_entry(dom, &t1->domains, link) {
		g = t1_group_in(&dom->groups, iommu_group);
		if (g)
			return g;
	}
	return t1_group_in(&t1->emulated_groups, iommu_group);
}
