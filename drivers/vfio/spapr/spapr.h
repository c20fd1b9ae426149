/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sPAPR TCE IOMMU backend: what the files of vfio_iommu_spapr_tce.ko
 * share.
 *
 * On POWER a PCI device reaches memory through DMA windows: ranges of bus
 * addresses translated page by page by a TCE table.  Each IOMMU group (a
 * partitionable endpoint) has an iommu_table_group describing what its
 * platform allows (the 32-bit default window, the page sizes and number of
 * dynamic windows) and the operations that create tables and program them
 * into the hardware.
 *
 * One struct spapr_ctr exists per container that selected
 * VFIO_SPAPR_TCE_IOMMU (v1) or VFIO_SPAPR_TCE_v2_IOMMU (v2).  It owns:
 *
 *  - the attached groups (struct spapr_grp);
 *  - up to IOMMU_TABLE_GROUP_MAX_TABLES windows, each an iommu_table that
 *    is programmed into every attached group (window.c); the TCEs in them
 *    are the only record of what is mapped;
 *  - v1: pages pinned per TCE at map time, the whole 32-bit window
 *    charged to locked_vm by VFIO_IOMMU_ENABLE (main.c, window.c);
 *  - v2: memory the user preregistered with the powerpc mm_iommu API,
 *    pinned and charged once at registration; a map only translates
 *    through it (prereg.c);
 *  - the mm of the process that first used it: every ioctl after that
 *    must come from the same mm, because TCEs hold that mm's addresses.
 *
 * Locking: the core holds its container lock for reading around ioctls and
 * for writing around attach, detach and release, so the group list is
 * stable in an ioctl; &spapr_ctr.lock serialises ioctls against each other
 * and is taken before mmap_lock and the platform's locks.
 */
#ifndef __VFIO_SPAPR_H
#define __VFIO_SPAPR_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <asm/iommu.h>

#include "../vfio.h"

struct mm_iommu_table_group_mem_t;

/**
 * struct spapr_grp - an IOMMU group attached to a container
 * @link: in &spapr_ctr.groups
 * @grp: the group
 * @tg: its platform description, iommu_group_get_iommudata(@grp)
 */
struct spapr_grp {
	struct list_head link;
	struct iommu_group *grp;
	struct iommu_table_group *tg;
};

/**
 * struct spapr_region - v2 memory this container registered
 * @link: in &spapr_ctr.regions
 * @mem: the mm_iommu region; this container holds one use of it
 */
struct spapr_region {
	struct list_head link;
	struct mm_iommu_table_group_mem_t *mem;
};

/**
 * struct spapr_ctr - a container using the sPAPR TCE backend
 * @lock: see the top of this file
 * @v2: VFIO_SPAPR_TCE_v2_IOMMU was selected
 * @enabled: maps are allowed (v1: VFIO_IOMMU_ENABLE; v2: memory was
 *	registered once)
 * @default_pending: the platform dropped the default 32-bit window when
 *	the first group was taken over; it is recreated on first use unless
 *	the user removes it first
 * @v1_charged: pages charged to @mm's locked_vm by VFIO_IOMMU_ENABLE
 * @mm: the user's mm (grabbed), or NULL before the first ioctl needing it
 * @win: the DMA windows, indexed like the platform's table numbers
 * @win_charge: pages charged to @mm's locked_vm for each window's table
 * @groups: struct spapr_grp list; the first one's ops create tables
 * @regions: struct spapr_region list (v2)
 */
struct spapr_ctr {
	struct mutex lock;	/* see the top of this file */
	bool v2;
	bool enabled;
	bool default_pending;
	unsigned long v1_charged;
	struct mm_struct *mm;
	struct iommu_table *win[IOMMU_TABLE_GROUP_MAX_TABLES];
	unsigned long win_charge[IOMMU_TABLE_GROUP_MAX_TABLES];
	struct list_head groups;
	struct list_head regions;
};

/**
 * spapr_first_tg - the table group whose ops make the container's tables
 * @ctr: the container
 *
 * Return: the first attached group's table group, or NULL with no group.
 */
static inline struct iommu_table_group *spapr_first_tg(struct spapr_ctr *ctr)
{
	struct spapr_grp *g;

	g = list_first_entry_or_null(&ctr->groups, struct spapr_grp, link);
	return g ? g->tg : NULL;
}

/* main.c */
#if IS_ENABLED(CONFIG_KUNIT)
extern const struct vfio_iommu_backend_ops spapr_backend;
#endif
int spapr_bind_mm(struct spapr_ctr *ctr);

/* window.c */
int spapr_win_find(struct spapr_ctr *ctr, u64 iova);
long spapr_win_create(struct spapr_ctr *ctr, u32 page_shift, u64 size,
		      u32 levels, u64 *start);
long spapr_win_remove(struct spapr_ctr *ctr, u64 start);
long spapr_win_default(struct spapr_ctr *ctr);
long spapr_win_join(struct spapr_ctr *ctr, struct iommu_table_group *tg);
void spapr_win_leave(struct spapr_ctr *ctr, struct iommu_table_group *tg,
		     bool last);
void spapr_win_free_all(struct spapr_ctr *ctr);
long spapr_tce_map(struct spapr_ctr *ctr, struct iommu_table *tbl,
		   unsigned long entry, unsigned long ua, unsigned long n,
		   enum dma_data_direction dir);
void spapr_tce_clear(struct spapr_ctr *ctr, struct iommu_table *tbl,
		     unsigned long entry, unsigned long n);

/* prereg.c */
long spapr_mem_register(struct spapr_ctr *ctr, u64 ua, u64 size);
long spapr_mem_unregister(struct spapr_ctr *ctr, u64 ua, u64 size);
void spapr_mem_release_all(struct spapr_ctr *ctr);
long spapr_mem_translate(struct spapr_ctr *ctr, unsigned long ua,
			 unsigned int shift, unsigned long *hpa,
			 struct mm_iommu_table_group_mem_t **memp);

/* eeh.c */
long spapr_eeh_supported(void);
long spapr_eeh_pe_op(struct spapr_ctr *ctr, struct vfio_eeh_pe_op *op);

#endif /* __VFIO_SPAPR_H */
