/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Type1 IOMMU backend: private definitions shared by the files of
 * vfio_iommu_type1.ko.
 *
 * One struct t1_container exists per VFIO container that selected
 * VFIO_TYPE1_IOMMU or VFIO_TYPE1v2_IOMMU.  It owns:
 *
 *  - the user's mappings (struct t1_map), kept in an rb-tree sorted by
 *    IOVA; mappings never overlap, so the tree is also sorted by the last
 *    IOVA of each mapping (tree.c);
 *  - one struct t1_domain per distinct IOMMU behind the attached groups;
 *    every mapping is present, with the same pages, in every domain, and
 *    its pages are pinned once no matter how many domains there are
 *    (domain.c, map.c, pin.c);
 *  - the groups of emulated devices, which have no domain and reach
 *    memory only through pin_pages and dma_rw (emulated.c);
 *  - the IOVA ranges a mapping may use: the intersection of the domain
 *    apertures minus the reserved regions of the groups (tree.c, domain.c).
 *
 * Which page backs which IOVA is known from the run record of a mapping
 * (&t1_map.run0 and &t1_map.chunks), kept for as long as its pages are
 * pinned: teardown and domain copy never read translations back from an
 * IOMMU.
 */
#ifndef __VFIO_TYPE1_H
#define __VFIO_TYPE1_H

#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "../vfio.h"

/* Module parameters (params.c). */
extern bool t1_allow_unsafe_interrupts;
extern bool t1_disable_hugepages;

/* Limits of the dirty bitmaps, in pages and in bytes. */
#define T1_DIRTY_PAGES_MAX	((u64)INT_MAX)
#define T1_BITMAP_BYTES(nbits)	(ALIGN((u64)(nbits), 64) / BITS_PER_BYTE)
#define T1_DIRTY_BYTES_MAX	T1_BITMAP_BYTES(T1_DIRTY_PAGES_MAX)

/**
 * struct t1_iova_range - an inclusive range of usable IOVA
 * @start: first usable address
 * @last: last usable address
 */
struct t1_iova_range {
	u64 start;
	u64 last;
};

/**
 * struct t1_ranges - a sorted set of disjoint IOVA ranges
 * @r: the ranges, in increasing order, never adjacent or overlapping
 * @nr: number of entries in @r
 *
 * An empty set (@nr == 0) means that no IOMMU limits the IOVA: this is
 * the case while the container only holds emulated groups.
 */
struct t1_ranges {
	struct t1_iova_range *r;
	unsigned int nr;
};

/**
 * struct t1_run - physically contiguous frames pinned for consecutive IOVA
 * @pfn: first page frame
 * @npages: number of frames, at most T1_RUN_MAX_PAGES
 * @reserved: the frames are reserved in the sense of t1_pfn_is_reserved():
 *	neither unpinned nor charged; a run never mixes the two kinds
 */
struct t1_run {
	unsigned long pfn;
	unsigned int npages;
	bool reserved;
};

#define T1_RUN_MAX_PAGES	UINT_MAX

/**
 * struct t1_run_chunk - one block of a run record, after its first run
 * @next: the next block, or NULL
 * @nr: runs used in @runs
 * @cap: runs @runs has room for
 * @runs: the runs, in IOVA order
 *
 * A record is a list of blocks rather than one array so that it grows
 * without copying and without one large allocation: 1 TiB of scattered
 * 4 KiB pages is 2^28 runs, 4 GiB of record, more than one kvmalloc()
 * may give.
 */
struct t1_run_chunk {
	struct t1_run_chunk *next;
	unsigned int nr;
	unsigned int cap;
	struct t1_run runs[];
};

/* Runs in a record's first block; blocks grow 4x up to T1_CHUNK_MAX. */
#define T1_CHUNK_FIRST	16
#define T1_CHUNK_MAX	((SZ_64K - sizeof(struct t1_run_chunk)) / \
			 sizeof(struct t1_run))

/**
 * struct t1_map - one VFIO_IOMMU_MAP_DMA mapping
 * @node: link in &t1_container.maps, or in &t1_container.inflight while
 *	map_new() pins and maps it
 * @iova: first IOVA
 * @size: length in bytes, a multiple of the smallest IOMMU page size
 * @vaddr: user address of the first byte in @mm
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @iommu_mapped: the pages are pinned and mapped in every domain
 * @vaddr_invalid: VFIO_DMA_UNMAP_FLAG_VADDR cut @vaddr loose; nothing may
 *	pin from it until VFIO_DMA_MAP_FLAG_VADDR provides a new one
 * @lock_cap: @task had CAP_IPC_LOCK when it became the owner
 * @task: the thread group leader charged for the pinned pages
 * @mm: the address space @vaddr lives in, charged in its locked_vm;
 *	held with mmgrab() so accounting works after the owner exits
 * @locked_vm: pages currently charged to @mm for this mapping
 * @pins: struct t1_pin entries of emulated devices, by IOVA
 * @dirty: dirty bitmap, one bit per smallest IOMMU page, while dirty
 *	tracking is on
 * @run0: the first run of the run record: the frames pinned for the
 *	mapping, as runs in IOVA order from @iova on (most mappings have one)
 * @chunks: the runs after @run0, in blocks; NULL while there are none
 * @chunk_tail: the last block of @chunks, where runs are added
 * @nr_runs: runs in the record, @run0 included; 0 while nothing is pinned
 * @zap_next: link in a struct t1_zap while being torn down with others
 * @zapped: bytes unmapped from the IOMMU for that teardown
 *
 * All members are protected by &t1_container.lock, but for a mapping in
 * &t1_container.inflight, which only the thread making it touches.
 */
struct t1_map {
	struct rb_node node;
	u64 iova;
	u64 size;
	unsigned long vaddr;
	int prot;
	bool iommu_mapped;
	bool vaddr_invalid;
	bool lock_cap;
	struct task_struct *task;
	struct mm_struct *mm;
	unsigned long locked_vm;
	struct rb_root pins;
	unsigned long *dirty;
	struct t1_run run0;
	struct t1_run_chunk *chunks;
	struct t1_run_chunk *chunk_tail;
	unsigned long nr_runs;
	struct t1_map *zap_next;
	u64 zapped;
};

/**
 * struct t1_pin - one page pinned through vfio_pin_pages()
 * @node: link in &t1_map.pins
 * @iova: IOVA of the page
 * @pfn: the page pinned for it
 * @refs: how many vfio_pin_pages() calls hold it
 */
struct t1_pin {
	struct rb_node node;
	u64 iova;
	unsigned long pfn;
	unsigned int refs;
};

/**
 * struct t1_group - an IOMMU group attached to the container
 * @iommu_group: the group
 * @link: in &t1_domain.groups, or &t1_container.emulated_groups
 * @pin_scoped: the group's devices only touch memory they pinned with
 *	vfio_pin_pages(), so the pinned pages tell which memory is dirty
 */
struct t1_group {
	struct iommu_group *iommu_group;
	struct list_head link;
	bool pin_scoped;
};

/**
 * struct t1_domain - an IOMMU domain shared by compatible groups
 * @domain: the IOMMU API domain
 * @link: in &t1_container.domains
 * @groups: struct t1_group attached to @domain
 * @coherent: @domain enforces cache coherency (blocks no-snoop)
 */
struct t1_domain {
	struct iommu_domain *domain;
	struct list_head link;
	struct list_head groups;
	bool coherent;
};

/**
 * struct t1_container - state of one Type1 container
 * @lock: protects every member below except @devices, and every
 *	struct t1_map, t1_pin, t1_group and t1_domain of the container
 * @maps: the mappings, struct t1_map by IOVA
 * @inflight: new mappings being pinned and mapped without @lock, by IOVA:
 *	their IOVA ranges and slots (@maps_avail) are taken, but no other
 *	ioctl sees them until they move to @maps
 * @domains: struct t1_domain, one per IOMMU in use
 * @emulated_groups: struct t1_group of emulated devices (no domain)
 * @usable: where mappings may be placed
 * @aperture: intersection of the domain apertures, [0, U64_MAX] when
 *	there is no domain; @usable is @aperture minus reserved regions
 * @pgsize_bitmap: page sizes every domain supports, never below
 *	PAGE_SIZE
 * @maps_avail: mappings that may still be created (dma_entry_limit)
 * @nr_vaddr_invalid: mappings with &t1_map.vaddr_invalid set
 * @unscoped_groups: attached groups without &t1_group.pin_scoped
 * @v2: VFIO_TYPE1v2_IOMMU semantics
 * @nesting: VFIO_TYPE1_NESTING_IOMMU: domains are set up for nesting
 * @dirty_tracking: VFIO_IOMMU_DIRTY_PAGES_FLAG_START is in effect
 * @notify_lock: serialises telling emulated devices about unmaps with
 *	their registration; always taken before @lock
 * @devices: struct t1_device of registered emulated devices; changed
 *	with both @notify_lock and @lock held, so either one is enough to
 *	read it
 */
struct t1_container {
	struct mutex lock;		/* see above */
	struct rb_root maps;
	struct rb_root inflight;
	struct list_head domains;
	struct list_head emulated_groups;
	struct t1_ranges usable;
	struct t1_iova_range aperture;
	u64 pgsize_bitmap;
	unsigned int maps_avail;
	unsigned int nr_vaddr_invalid;
	unsigned int unscoped_groups;
	bool v2;
	bool nesting;
	bool dirty_tracking;
	struct mutex notify_lock;	/* see above */
	struct list_head devices;
};

/* Smallest page size of the container, the granule of every mapping. */
static inline u64 t1_min_pgsize(struct t1_container *t1)
{
	return 1ULL << __ffs64(t1->pgsize_bitmap);
}

/*
 * tree.c: the mapping tree, IOVA range sets, the pins of a mapping and the
 * groups of a container (no hardware involved)
 */
struct t1_map *t1_tree_find(struct rb_root *root, u64 start, u64 last);
struct t1_map *t1_tree_first(struct rb_root *root, u64 start, u64 last);
struct t1_map *t1_tree_next(struct t1_map *map);
int t1_tree_insert(struct rb_root *root, struct t1_map *map);
void t1_tree_remove(struct rb_root *root, struct t1_map *map);
int t1_tree_unmap_span(struct rb_root *root, u64 iova, u64 last, bool v2,
		       struct t1_map **first);
struct t1_map *t1_tree_unmap_next(struct t1_map *map, u64 last);
unsigned long t1_pfn_run(const unsigned long *pfns, unsigned long nr);
int t1_record_add(struct t1_map *map, unsigned long pfn, unsigned long npages,
		  bool reserved);
void t1_record_free(struct t1_map *map);
u64 t1_record_bytes(const struct t1_map *map);
typedef int (*t1_run_fn)(struct t1_map *map, u64 iova,
			 const struct t1_run *run, void *arg);
int t1_record_walk(struct t1_map *map, u64 bytes, t1_run_fn fn, void *arg);
unsigned long t1_run_pgsize(unsigned long pgsizes, u64 iova, u64 phys,
			    u64 len);
bool t1_ranges_contain(const struct t1_ranges *set, u64 start, u64 last);
int t1_ranges_build(struct t1_ranges *set, u64 start, u64 last,
		    struct t1_iova_range *holes, unsigned int nr_holes);
void t1_ranges_free(struct t1_ranges *set);
struct t1_pin *t1_find_pin(struct t1_map *map, u64 iova);
int t1_pin_insert(struct t1_map *map, u64 iova, unsigned long pfn);
struct t1_group *t1_group_in(struct list_head *groups,
			     struct iommu_group *iommu_group);
struct t1_group *t1_find_group(struct t1_container *t1,
			       struct iommu_group *iommu_group);

/* pin.c: pinning user pages and charging them to locked_vm */
int t1_account(struct t1_map *map, long npages, bool async);
int t1_charge_mm(struct mm_struct *mm, struct task_struct *task,
		 bool lock_cap, long npages);
bool t1_pfn_is_reserved(unsigned long pfn);
int t1_pin_map(struct t1_map *map);
long t1_unpin_record(struct t1_map *map, u64 bytes);
int t1_pin_one(struct t1_map *map, unsigned long vaddr, unsigned long *pfn);

/* map.c: MAP_DMA, UNMAP_DMA and mapping teardown */
int t1_map_dma(struct t1_container *t1, struct vfio_iommu_type1_dma_map *req);
int t1_unmap_dma(struct t1_container *t1,
		 struct vfio_iommu_type1_dma_unmap *req,
		 struct vfio_bitmap *bitmap);
int t1_map_record(struct t1_container *t1, struct t1_map *map,
		  struct t1_domain *only);
long t1_unmap_unpin_from(struct t1_container *t1, struct t1_domain *only,
			 struct t1_map *map);
long t1_unmap_unpin(struct t1_container *t1, struct t1_map *map,
		    bool account);
void t1_destroy_all_maps(struct t1_container *t1);

/* domain.c: attaching and detaching groups */
int t1_attach_group(void *data, struct iommu_group *group,
		    enum vfio_group_type type);
void t1_detach_group(void *data, struct iommu_group *group);
void t1_release_domains(struct t1_container *t1);

/* dirty.c: dirty page tracking */
long t1_ioctl_dirty_pages(struct t1_container *t1, void *karg,
			  void __user *uarg);
int t1_dirty_report_map(struct t1_container *t1, struct t1_map *map,
			u64 base_iova, u64 __user *ubitmap);
int t1_dirty_alloc(struct t1_map *map, u64 pgsize);
void t1_dirty_free(struct t1_map *map);
void t1_dirty_mark(struct t1_container *t1, struct t1_map *map, u64 iova,
		   u64 len);
void t1_dirty_all_mapped(struct t1_container *t1);
int t1_bitmap_size_ok(u64 npages, u64 bytes);

/* emulated.c: DMA by emulated devices */
int t1_pin_pages(void *data, struct iommu_group *group, dma_addr_t iova,
		 int npage, int prot, struct page **pages);
void t1_unpin_pages(void *data, dma_addr_t iova, int npage);
int t1_dma_rw(void *data, dma_addr_t iova, void *buf, size_t count,
	      bool write);
void t1_register_device(void *data, struct vfio_device *vdev);
void t1_unregister_device(void *data, struct vfio_device *vdev);
void t1_notify_unmap(struct t1_container *t1, u64 iova, u64 size);
void t1_forget_devices(struct t1_container *t1);
void t1_pins_unpin_all(struct t1_map *map);

#endif /* __VFIO_TYPE1_H */
