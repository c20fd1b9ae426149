// SPDX-License-Identifier: GPL-2.0-only
/*
 * Type1 IOMMU backend: dirty page tracking for migration.
 *
 * While tracking is on, every mapping carries a bitmap with one bit per
 * page of the container's smallest page size.  The IOMMUs used here
 * cannot tell which pages a device wrote, so the bitmap is filled from
 * what is known:
 *
 *  - pages pinned by emulated devices, and pages written by vfio_dma_rw(),
 *    are marked as they happen;
 *  - while any attached group may DMA without pinning (it is not
 *    "pin scoped", see &t1_group.pin_scoped), every page of every mapping
 *    mapped in the IOMMU is reported dirty.
 *
 * Reading the bitmap of a mapping reports it and then resets it to the
 * pages still pinned, which stay dirty as long as they are pinned.
 *
 * The user's bitmap covers a range of IOVA starting at a base the user
 * chose, so a mapping's bits generally start in the middle of a 64-bit
 * word: the copy shifts them into place and merges the word they share
 * with the previous mapping.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "type1.h"

/**
 * t1_bitmap_size_ok - check a user bitmap size for a range
 * @npages: pages in the range
 * @bytes: size of the user's bitmap
 *
 * Return: 0, or -EINVAL if @bytes is too small for @npages bits, zero or
 * above what the migration capability reports.
 */
int t1_bitmap_size_ok(u64 npages, u64 bytes)
{
	if (!npages || !bytes || bytes > T1_DIRTY_BYTES_MAX ||
	    bytes < T1_BITMAP_BYTES(npages))
		return -EINVAL;
	return 0;
}

/**
 * t1_dirty_alloc - give a mapping its (clean) dirty bitmap
 * @map: the mapping
 * @pgsize: bytes per bit
 *
 * Return: 0, -EINVAL for a mapping too large to track, or -ENOMEM.
 */
int t1_dirty_alloc(struct t1_map *map, u64 pgsize)
{
	u64 nbits = map->size / pgsize;

	if (nbits > T1_DIRTY_PAGES_MAX)
		return -EINVAL;
	/* One spare word, so that reading 64 bits past the end is safe. */
	map->dirty = kvzalloc(T1_BITMAP_BYTES(nbits) + sizeof(u64),
			      GFP_KERNEL_ACCOUNT);
	return map->dirty ? 0 : -ENOMEM;
}

/**
 * t1_dirty_free - drop a mapping's dirty bitmap
 * @map: the mapping
 */
void t1_dirty_free(struct t1_map *map)
{
	kvfree(map->dirty);
	map->dirty = NULL;
}

/* Mark the pages emulated devices hold pinned. */
static void mark_pins(struct t1_map *map, unsigned int shift)
{
	struct rb_node *node;

	for (node = rb_first(&map->pins); node; node = rb_next(node)) {
		struct t1_pin *pin = rb_entry(node, struct t1_pin, node);

		__set_bit((pin->iova - map->iova) >> shift, map->dirty);
	}
}

/**
 * t1_dirty_mark - record a write by an emulated device
 * @t1: the container
 * @map: the mapping written
 * @iova: first IOVA written
 * @len: bytes written, at least one
 */
void t1_dirty_mark(struct t1_container *t1, struct t1_map *map, u64 iova,
		   u64 len)
{
	unsigned int shift = __ffs64(t1->pgsize_bitmap);
	u64 first = (iova - map->iova) >> shift;
	u64 last = (iova + len - 1 - map->iova) >> shift;

	lockdep_assert_held(&t1->lock);
	if (t1->dirty_tracking)
		bitmap_set(map->dirty, first, last - first + 1);
}

/**
 * t1_dirty_all_mapped - report every page of every mapping dirty
 * @t1: the container, with tracking on
 *
 * Used when a group that could write anywhere leaves: what it wrote is
 * no longer known.
 */
void t1_dirty_all_mapped(struct t1_container *t1)
{
	unsigned int shift = __ffs64(t1->pgsize_bitmap);
	struct rb_node *node;

	lockdep_assert_held(&t1->lock);
	for (node = rb_first(&t1->maps); node; node = rb_next(node)) {
		struct t1_map *map = rb_entry(node, struct t1_map, node);

		bitmap_set(map->dirty, 0, map->size >> shift);
	}
}

/* The @k-th 64-bit word of a bitmap, whatever the size of a long. */
static u64 word64(const unsigned long *bits, u64 k)
{
#if BITS_PER_LONG == 64
	return bits[k];
#else
	return bits[2 * k] | (u64)bits[2 * k + 1] << 32;
#endif
}

/* Output word @w of a bitmap shifted up by @shift (< 64) bits. */
static u64 shifted_word(const unsigned long *bits, u64 w, unsigned int shift)
{
	u64 val = word64(bits, w);

	if (!shift)
		return val;
	val <<= shift;
	if (w)
		val |= word64(bits, w - 1) >> (64 - shift);
	return val;
}

/**
 * t1_dirty_report_map - copy a mapping's dirty bits to the user
 * @t1: the container
 * @map: the mapping, inside the reported range
 * @base_iova: IOVA of bit 0 of @ubitmap
 * @ubitmap: the user's bitmap
 *
 * The bits of the word the mapping shares with what precedes it are kept.
 *
 * Return: 0 or -EFAULT.
 */
int t1_dirty_report_map(struct t1_container *t1, struct t1_map *map,
			u64 base_iova, u64 __user *ubitmap)
{
	unsigned int pgshift = __ffs64(t1->pgsize_bitmap);
	u64 nbits = map->size >> pgshift;
	u64 first_bit = (map->iova - base_iova) >> pgshift;
	unsigned int shift = first_bit % 64;
	u64 __user *dst = ubitmap + first_bit / 64;
	u64 nwords = DIV_ROUND_UP(nbits + shift, 64), w = 0;
	u64 buf[32];

	lockdep_assert_held(&t1->lock);
	if (t1->unscoped_groups && map->iommu_mapped)
		bitmap_set(map->dirty, 0, nbits);

	while (w < nwords) {
		unsigned int n = min_t(u64, ARRAY_SIZE(buf), nwords - w);
		unsigned int i;

		for (i = 0; i < n; i++)
			buf[i] = shifted_word(map->dirty, w + i, shift);
		if (!w && shift) {
			u64 prev;

			/* Keep the bits of mappings below this one. */
			if (get_user(prev, dst))
				return -EFAULT;
			buf[0] |= prev & GENMASK_ULL(shift - 1, 0);
		}
		if (copy_to_user(dst + w, buf, n * sizeof(u64)))
			return -EFAULT;
		w += n;
	}
	return 0;
}

/* Reset a reported mapping to its still-pinned pages. */
static void rearm(struct t1_container *t1, struct t1_map *map)
{
	unsigned int shift = __ffs64(t1->pgsize_bitmap);

	bitmap_clear(map->dirty, 0, map->size >> shift);
	mark_pins(map, shift);
}

static int start_tracking(struct t1_container *t1)
{
	unsigned int shift = __ffs64(t1->pgsize_bitmap);
	struct rb_node *node, *undo;
	int ret;

	for (node = rb_first(&t1->maps); node; node = rb_next(node)) {
		struct t1_map *map = rb_entry(node, struct t1_map, node);

		ret = t1_dirty_alloc(map, 1ULL << shift);
		if (ret)
			goto unwind;
		mark_pins(map, shift);
	}
	t1->dirty_tracking = true;
	return 0;

unwind:
	for (undo = rb_first(&t1->maps); undo != node; undo = rb_next(undo))
		t1_dirty_free(rb_entry(undo, struct t1_map, node));
	return ret;
}

static void stop_tracking(struct t1_container *t1)
{
	struct rb_node *node;

	for (node = rb_first(&t1->maps); node; node = rb_next(node))
		t1_dirty_free(rb_entry(node, struct t1_map, node));
	t1->dirty_tracking = false;
}

/* VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, under the container lock. */
static int report_range(struct t1_container *t1,
			struct vfio_iommu_type1_dirty_bitmap_get *range)
{
	u64 pgsize = t1_min_pgsize(t1);
	struct t1_map *map;
	u64 last;
	int ret;

	lockdep_assert_held(&t1->lock);
	if (range->bitmap.pgsize != pgsize || (range->iova & (pgsize - 1)) ||
	    !range->size || (range->size & (pgsize - 1)) ||
	    !t1->dirty_tracking)
		return -EINVAL;

	/* Like a v2 unmap: the range may not cut a mapping. */
	last = range->iova + range->size - 1;
	ret = t1_tree_unmap_span(&t1->maps, range->iova, last, true, &map);
	for (; !ret && map; map = t1_tree_unmap_next(map, last)) {
		ret = t1_dirty_report_map(t1, map, range->iova,
					  range->bitmap.data);
		if (!ret)
			rearm(t1, map);
	}
	return ret;
}

/**
 * t1_ioctl_dirty_pages - VFIO_IOMMU_DIRTY_PAGES on a v2 container
 * @t1: the container
 * @karg: struct vfio_iommu_type1_dirty_bitmap, flags already validated
 * @uarg: the user's argument, followed by the GET_BITMAP range
 *
 * Return: 0 or a negative errno.
 */
long t1_ioctl_dirty_pages(struct t1_container *t1, void *karg,
			  void __user *uarg)
{
	struct vfio_iommu_type1_dirty_bitmap *req = karg;
	struct vfio_iommu_type1_dirty_bitmap_get range;
	size_t minsz = offsetofend(typeof(*req), flags);
	int ret = 0;

	/* Exactly one operation per call. */
	if (hweight32(req->flags) != 1)
		return -EINVAL;

	if (req->flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_START) {
		mutex_lock(&t1->lock);
		if (!t1->dirty_tracking)
			ret = start_tracking(t1);
		mutex_unlock(&t1->lock);
		return ret;
	}
	if (req->flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
		mutex_lock(&t1->lock);
		if (t1->dirty_tracking)
			stop_tracking(t1);
		mutex_unlock(&t1->lock);
		return 0;
	}

	if (req->argsz < minsz + sizeof(range))
		return -EINVAL;
	if (copy_from_user(&range, uarg + minsz, sizeof(range)))
		return -EFAULT;
	if (range.iova + range.size < range.iova)
		return -EINVAL;
	if (!access_ok(range.bitmap.data, range.bitmap.size))
		return -EINVAL;
	if (!range.bitmap.pgsize ||
	    t1_bitmap_size_ok(range.size >> __ffs64(range.bitmap.pgsize),
			      range.bitmap.size))
		return -EINVAL;

	mutex_lock(&t1->lock);
	ret = report_range(t1, &range);
	mutex_unlock(&t1->lock);
	return ret;
}
