// SPDX-License-Identifier: GPL-2.0-only
/*
 * sPAPR TCE IOMMU backend for VFIO containers (POWER): module entry
 * points, the backend operations and the container ioctls.
 *
 * v1 (VFIO_SPAPR_TCE_IOMMU) is the old model: one group, the platform's
 * 32-bit window, pages pinned at map time, and the whole window charged to
 * locked_vm by VFIO_IOMMU_ENABLE.  v2 (VFIO_SPAPR_TCE_v2_IOMMU) adds
 * preregistered memory and dynamic DMA windows and lets several groups
 * share the windows when their platform can.  The ioctls both kinds know
 * are one table; each kind has its own table of what it adds, so the
 * ioctls of the other kind are unknown (-ENOTTY) to it.
 */
#include <kunit/visibility.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "spapr.h"

/**
 * spapr_bind_mm - tie the container to the calling process's mm
 * @ctr: the container, locked
 *
 * TCEs and preregistered memory are addresses of one mm, which the
 * container keeps (grabbed) until it is released.
 *
 * Return: 0, or -EPERM when another mm is already bound.
 */
int spapr_bind_mm(struct spapr_ctr *ctr)
{
	lockdep_assert_held(&ctr->lock);
	if (ctr->mm)
		return ctr->mm == current->mm ? 0 : -EPERM;
	ctr->mm = current->mm;
	mmgrab(ctr->mm);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(spapr_bind_mm);

static void *spapr_open(unsigned long type)
{
	struct spapr_ctr *ctr;

	if (type != VFIO_SPAPR_TCE_IOMMU && type != VFIO_SPAPR_TCE_v2_IOMMU)
		return ERR_PTR(-EINVAL);

	ctr = kzalloc(sizeof(*ctr), GFP_KERNEL_ACCOUNT);
	if (!ctr)
		return ERR_PTR(-ENOMEM);
	mutex_init(&ctr->lock);
	INIT_LIST_HEAD(&ctr->groups);
	INIT_LIST_HEAD(&ctr->regions);
	ctr->v2 = type == VFIO_SPAPR_TCE_v2_IOMMU;
	return ctr;
}

static struct spapr_grp *spapr_grp_of(struct spapr_ctr *ctr,
				      struct iommu_group *grp)
{
	struct spapr_grp *g;

	list_for_each_entry(g, &ctr->groups, link)
		if (g->grp == grp)
			return g;
	return NULL;
}

static int spapr_attach_group(void *data, struct iommu_group *grp,
			      enum vfio_group_type type)
{
	struct spapr_ctr *ctr = data;
	struct iommu_table_group *tg;
	struct spapr_grp *g;
	int ret;

	/* Only groups with real TCE tables: no emulated or noiommu ones. */
	if (type != VFIO_IOMMU)
		return -EINVAL;
	tg = iommu_group_get_iommudata(grp);
	if (!tg || !tg->ops)
		return -ENODEV;

	mutex_lock(&ctr->lock);
	ret = -EINVAL;
	if (ctr->v2 && !tg->max_dynamic_windows_supported)
		goto out_unlock;
	/* v1 tables belong to their one PE. */
	ret = -EBUSY;
	if (!ctr->v2 && !list_empty(&ctr->groups))
		goto out_unlock;
	list_for_each_entry(g, &ctr->groups, link) {
		ret = -EBUSY;
		if (g->grp == grp)
			goto out_unlock;
		/* Windows are shared: the tables must be of one kind. */
		ret = -EPERM;
		if (g->tg->ops->create_table != tg->ops->create_table)
			goto out_unlock;
	}

	ret = -ENOMEM;
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		goto out_unlock;
	ret = spapr_win_join(ctr, tg);
	if (ret) {
		kfree(g);
		goto out_unlock;
	}
	/*
	 * The platform removed the first group's default window when the
	 * core took the group over; it comes back on first use.
	 */
	if (list_empty(&ctr->groups) && !ctr->win[0])
		ctr->default_pending = true;
	g->grp = grp;
	g->tg = tg;
	list_add_tail(&g->link, &ctr->groups);
out_unlock:
	mutex_unlock(&ctr->lock);
	return ret;
}

/* Called with &spapr_ctr.lock held. */
static void spapr_detach_locked(struct spapr_ctr *ctr, struct spapr_grp *g)
{
	list_del(&g->link);
	spapr_win_leave(ctr, g->tg, list_empty(&ctr->groups));
	kfree(g);
}

static void spapr_detach_group(void *data, struct iommu_group *grp)
{
	struct spapr_ctr *ctr = data;
	struct spapr_grp *g;

	mutex_lock(&ctr->lock);
	g = spapr_grp_of(ctr, grp);
	if (!WARN_ON(!g))
		spapr_detach_locked(ctr, g);
	mutex_unlock(&ctr->lock);
}

static void spapr_release(void *data)
{
	struct spapr_ctr *ctr = data;
	struct spapr_grp *g, *next;

	mutex_lock(&ctr->lock);
	/* The core detaches groups first, except when SET_IOMMU fails. */
	list_for_each_entry_safe(g, next, &ctr->groups, link)
		spapr_detach_locked(ctr, g);
	spapr_win_free_all(ctr);
	if (ctr->mm) {
		spapr_mem_release_all(ctr);
		account_locked_vm(ctr->mm, ctr->v1_charged, false);
		mmdrop(ctr->mm);
	}
	mutex_unlock(&ctr->lock);
	mutex_destroy(&ctr->lock);
	kfree(ctr);
}

/*
 * Answered to anyone: before a container uses the backend (@ctr NULL) and
 * whichever mm the container is bound to.
 */
static long spapr_ioctl_check_extension(struct spapr_ctr *ctr,
					unsigned long ext)
{
	switch (ext) {
	case VFIO_SPAPR_TCE_IOMMU:
	case VFIO_SPAPR_TCE_v2_IOMMU:
		return 1;
	case VFIO_EEH:
		return spapr_eeh_supported();
	}
	return 0;
}

static long spapr_ioctl_get_info(struct spapr_ctr *ctr, void *karg,
				 void __user *uarg)
{
	struct vfio_iommu_spapr_tce_info *info = karg;
	struct iommu_table_group *tg = spapr_first_tg(ctr);

	if (!tg)
		return -ENXIO;
	info->flags = 0;
	info->dma32_window_start = tg->tce32_start;
	info->dma32_window_size = tg->tce32_size;
	memset(&info->ddw, 0, sizeof(info->ddw));
	/* v1 users cannot create windows: they are not told about DDW. */
	if (ctr->v2 && tg->max_dynamic_windows_supported) {
		info->flags |= VFIO_IOMMU_SPAPR_INFO_DDW;
		info->ddw.pgsizes = tg->pgsizes;
		info->ddw.max_dynamic_windows_supported =
			tg->max_dynamic_windows_supported;
		info->ddw.levels = tg->max_levels;
	}
	return 0;
}

/*
 * The window holding [@iova, @iova + @size) for a map or unmap, made ready
 * first if it is the pending default window.  Returns the table, or an
 * ERR_PTR: -ENXIO when no window holds @iova, -EINVAL when the range is
 * not aligned to the window's page size or runs past its end.
 */
static struct iommu_table *spapr_range_window(struct spapr_ctr *ctr, u64 iova,
					      u64 size)
{
	struct iommu_table *tbl;
	u64 first, n;
	long ret;
	int num;

	ret = spapr_win_default(ctr);
	if (ret)
		return ERR_PTR(ret);
	num = spapr_win_find(ctr, iova);
	if (num < 0)
		return ERR_PTR(-ENXIO);
	tbl = ctr->win[num];
	if ((iova | size) & ~IOMMU_PAGE_MASK(tbl))
		return ERR_PTR(-EINVAL);
	first = iova >> tbl->it_page_shift;
	n = size >> tbl->it_page_shift;
	if (n > tbl->it_size - (first - tbl->it_offset))
		return ERR_PTR(-EINVAL);
	return tbl;
}

static long spapr_ioctl_map(struct spapr_ctr *ctr, void *karg,
			    void __user *uarg)
{
	struct vfio_iommu_type1_dma_map *map = karg;
	enum dma_data_direction dir;
	struct iommu_table *tbl;
	long ret;

	switch (map->flags) {
	case VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE:
		dir = DMA_BIDIRECTIONAL;
		break;
	case VFIO_DMA_MAP_FLAG_READ:	/* the device reads memory */
		dir = DMA_TO_DEVICE;
		break;
	case VFIO_DMA_MAP_FLAG_WRITE:
		dir = DMA_FROM_DEVICE;
		break;
	default:
		dir = DMA_NONE;
		break;
	}

	mutex_lock(&ctr->lock);
	ret = -EPERM;
	if (!ctr->enabled)
		goto out_unlock;
	tbl = spapr_range_window(ctr, map->iova, map->size);
	ret = PTR_ERR_OR_ZERO(tbl);
	if (ret)
		goto out_unlock;
	ret = -EINVAL;
	if ((map->vaddr & ~IOMMU_PAGE_MASK(tbl)) || dir == DMA_NONE)
		goto out_unlock;
	ret = spapr_tce_map(ctr, tbl, map->iova >> tbl->it_page_shift,
			    map->vaddr, map->size >> tbl->it_page_shift, dir);
	iommu_flush_tce(tbl);
out_unlock:
	mutex_unlock(&ctr->lock);
	return ret;
}

static long spapr_ioctl_unmap(struct spapr_ctr *ctr, void *karg,
			      void __user *uarg)
{
	struct vfio_iommu_type1_dma_unmap *unmap = karg;
	struct iommu_table *tbl;
	long ret;

	mutex_lock(&ctr->lock);
	ret = -EPERM;
	if (!ctr->enabled)
		goto out_unlock;
	tbl = spapr_range_window(ctr, unmap->iova, unmap->size);
	ret = PTR_ERR_OR_ZERO(tbl);
	if (ret)
		goto out_unlock;
	spapr_tce_clear(ctr, tbl, unmap->iova >> tbl->it_page_shift,
			unmap->size >> tbl->it_page_shift);
	iommu_flush_tce(tbl);
out_unlock:
	mutex_unlock(&ctr->lock);
	return ret;
}

static long spapr_ioctl_enable(struct spapr_ctr *ctr, void *karg,
			       void __user *uarg)
{
	struct iommu_table_group *tg;
	unsigned long pages;
	long ret;

	mutex_lock(&ctr->lock);
	ret = -EBUSY;
	if (ctr->enabled)
		goto out_unlock;
	tg = spapr_first_tg(ctr);
	ret = -ENODEV;
	if (!tg)
		goto out_unlock;
	ret = -EPERM;
	if (!tg->tce32_size)
		goto out_unlock;
	ret = spapr_bind_mm(ctr);
	if (ret)
		goto out_unlock;
	/*
	 * Pinning pages on the map path is not accounted page by page: the
	 * worst case, the whole 32-bit window mapped, is charged up front.
	 */
	pages = tg->tce32_size >> PAGE_SHIFT;
	ret = account_locked_vm(ctr->mm, pages, true);
	if (ret)
		goto out_unlock;
	ctr->v1_charged = pages;
	ctr->enabled = true;
out_unlock:
	mutex_unlock(&ctr->lock);
	return ret;
}

static long spapr_ioctl_disable(struct spapr_ctr *ctr, void *karg,
				void __user *uarg)
{
	mutex_lock(&ctr->lock);
	if (ctr->enabled) {
		account_locked_vm(ctr->mm, ctr->v1_charged, false);
		ctr->v1_charged = 0;
		ctr->enabled = false;
	}
	mutex_unlock(&ctr->lock);
	return 0;
}

static long spapr_ioctl_register(struct spapr_ctr *ctr, void *karg,
				 void __user *uarg)
{
	struct vfio_iommu_spapr_register_memory *reg = karg;
	long ret;

	mutex_lock(&ctr->lock);
	ret = spapr_bind_mm(ctr);
	if (!ret)
		ret = spapr_mem_register(ctr, reg->vaddr, reg->size);
	mutex_unlock(&ctr->lock);
	return ret;
}

static long spapr_ioctl_unregister(struct spapr_ctr *ctr, void *karg,
				   void __user *uarg)
{
	struct vfio_iommu_spapr_register_memory *reg = karg;
	long ret = -EPERM;

	mutex_lock(&ctr->lock);
	if (ctr->mm)
		ret = spapr_mem_unregister(ctr, reg->vaddr, reg->size);
	mutex_unlock(&ctr->lock);
	return ret;
}

/*
 * A geometry no platform can make: levels beyond what GET_INFO reports, a
 * window that is not a power of two or smaller than one page, or a TCE
 * table larger than memory.  Refused here because 6.12's pseries code
 * shifts by a negative amount for the small window and leaks its table
 * when the hypervisor finds the window too large.
 */
static bool spapr_geometry_ok(struct iommu_table_group *tg, u32 shift,
			      u64 size, u32 levels)
{
	unsigned long bytes;

	if (!levels || levels > tg->max_levels || shift >= 64 ||
	    !is_power_of_2(size) || size < (1ULL << shift))
		return false;
	if (!(tg->pgsizes & (1ULL << shift)) || !tg->ops->get_table_size)
		return true;	/* spapr_win_create() answers these */
	bytes = tg->ops->get_table_size(shift, size, levels);
	return bytes >> PAGE_SHIFT <= totalram_pages();
}

/*
 * What CREATE and REMOVE need: windows are programmed into the attached
 * groups, and their tables are charged to the bound mm.
 */
static long spapr_windows_ready(struct spapr_ctr *ctr)
{
	long ret;

	lockdep_assert_held(&ctr->lock);
	ret = spapr_bind_mm(ctr);
	if (ret)
		return ret;
	return list_empty(&ctr->groups) ? -ENXIO : 0;
}

/*
 * The window's start is the one result of CREATE, and the user needs it to
 * map into or remove the window: when it cannot be written back, the
 * window goes again, so that a failed call leaves nothing behind (6.12
 * keeps a window the user cannot name, and a second CREATE then finds no
 * free slot).  So this row copies out itself (copy_to_user(), which
 * fault injection reaches, unlike put_user()).
 */
static long spapr_ioctl_create(struct spapr_ctr *ctr, void *karg,
			       void __user *uarg)
{
	struct vfio_iommu_spapr_tce_create *create = karg;
	struct vfio_iommu_spapr_tce_create __user *ucreate = uarg;
	long ret;

	mutex_lock(&ctr->lock);
	ret = spapr_windows_ready(ctr);
	if (ret)
		goto out_unlock;
	ret = -EINVAL;
	if (!spapr_geometry_ok(spapr_first_tg(ctr), create->page_shift,
			       create->window_size, create->levels))
		goto out_unlock;
	/* Settle the default window first so that it keeps slot 0. */
	ret = spapr_win_default(ctr);
	if (!ret)
		ret = spapr_win_create(ctr, create->page_shift,
				       create->window_size, create->levels,
				       &create->start_addr);
	if (!ret && copy_to_user(&ucreate->start_addr, &create->start_addr,
				 sizeof(create->start_addr))) {
		/*
		 * Removing cannot fail here: the window was made a moment ago
		 * under the same lock, so it is found at its start, and it is
		 * in groups that all share one platform's table ops (attach
		 * insists on one create_table), whose unset_window
		 * spapr_win_create() required.  Nothing is mapped in it yet.
		 */
		WARN_ON_ONCE(spapr_win_remove(ctr, create->start_addr));
		ret = -EFAULT;
	}
out_unlock:
	mutex_unlock(&ctr->lock);
	return ret;
}

static long spapr_ioctl_remove(struct spapr_ctr *ctr, void *karg,
			       void __user *uarg)
{
	struct vfio_iommu_spapr_tce_remove *remove = karg;
	long ret;

	mutex_lock(&ctr->lock);
	ret = spapr_windows_ready(ctr);
	if (ret)
		goto out_unlock;
	/* Removing the default window before it was made: just owe nothing. */
	if (ctr->default_pending && !remove->start_addr)
		ctr->default_pending = false;
	else
		ret = spapr_win_remove(ctr, remove->start_addr);
out_unlock:
	mutex_unlock(&ctr->lock);
	return ret;
}

static long spapr_ioctl_eeh(struct spapr_ctr *ctr, void *karg,
			    void __user *uarg)
{
	return spapr_eeh_pe_op(ctr, karg);
}

#define SPAPR_MAP_FLAGS	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/*
 * What both kinds of container know; GET_INFO's flags are an output.  A
 * v1 container knows nothing of preregistration and windows, a v2 one has
 * no ENABLE/DISABLE: the numbers of the other kind's table are unknown
 * ioctls (-ENOTTY) to each.
 */
static const VFIO_IOCTL_TABLE(spapr_ctr) spapr_common_ops[] = {
	VFIO_IOCTL_INT(VFIO_CHECK_EXTENSION, spapr_ioctl_check_extension),
	VFIO_IOCTL_OP(VFIO_IOMMU_SPAPR_TCE_GET_INFO, spapr_ioctl_get_info,
		      struct vfio_iommu_spapr_tce_info, dma32_window_size,
		      VFIO_IOCTL_ANY_FLAGS, true),
	VFIO_IOCTL_OP(VFIO_IOMMU_MAP_DMA, spapr_ioctl_map,
		      struct vfio_iommu_type1_dma_map, size, SPAPR_MAP_FLAGS,
		      false),
	VFIO_IOCTL_OP(VFIO_IOMMU_UNMAP_DMA, spapr_ioctl_unmap,
		      struct vfio_iommu_type1_dma_unmap, size, 0, false),
	VFIO_IOCTL_OP(VFIO_EEH_PE_OP, spapr_ioctl_eeh, struct vfio_eeh_pe_op,
		      op, 0, false),
};

static const VFIO_IOCTL_TABLE(spapr_ctr) spapr_v1_ops[] = {
	VFIO_IOCTL_RAW(VFIO_IOMMU_ENABLE, spapr_ioctl_enable),
	VFIO_IOCTL_RAW(VFIO_IOMMU_DISABLE, spapr_ioctl_disable),
};

static const VFIO_IOCTL_TABLE(spapr_ctr) spapr_v2_ops[] = {
	VFIO_IOCTL_OP(VFIO_IOMMU_SPAPR_REGISTER_MEMORY, spapr_ioctl_register,
		      struct vfio_iommu_spapr_register_memory, size, 0, false),
	VFIO_IOCTL_OP(VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
		      spapr_ioctl_unregister,
		      struct vfio_iommu_spapr_register_memory, size, 0, false),
	VFIO_IOCTL_OP(VFIO_IOMMU_SPAPR_TCE_CREATE, spapr_ioctl_create,
		      struct vfio_iommu_spapr_tce_create, start_addr, 0, false),
	VFIO_IOCTL_OP(VFIO_IOMMU_SPAPR_TCE_REMOVE, spapr_ioctl_remove,
		      struct vfio_iommu_spapr_tce_remove, start_addr, 0, false),
};

static long spapr_ioctl(void *data, unsigned int cmd, unsigned long arg)
{
	struct spapr_ctr *ctr = data;
	struct mm_struct *mm;
	long ret;

	/* Extensions are answered before the checks below. */
	if (cmd == VFIO_CHECK_EXTENSION)
		return vfio_ioctl_dispatch(ctr, spapr_common_ops, cmd, arg);
	if (!ctr)
		return -EINVAL;
	/* No other process may touch TCEs holding this mm's addresses. */
	mm = READ_ONCE(ctr->mm);
	if (mm && mm != current->mm)
		return -EPERM;
	ret = vfio_ioctl_dispatch(ctr, spapr_common_ops, cmd, arg);
	if (ret != -ENOIOCTLCMD)
		return ret;
	if (ctr->v2)
		return vfio_ioctl_dispatch(ctr, spapr_v2_ops, cmd, arg);
	return vfio_ioctl_dispatch(ctr, spapr_v1_ops, cmd, arg);
}

VISIBLE_IF_KUNIT const struct vfio_iommu_backend_ops spapr_backend = {
	.owner		= THIS_MODULE,
	.open		= spapr_open,
	.release	= spapr_release,
	.ioctl		= spapr_ioctl,
	.attach_group	= spapr_attach_group,
	.detach_group	= spapr_detach_group,
};
EXPORT_SYMBOL_IF_KUNIT(spapr_backend);

static int __init spapr_init(void)
{
	return vfio_register_iommu_backend(&spapr_backend);
}

static void __exit spapr_exit(void)
{
	vfio_unregister_iommu_backend(&spapr_backend);
}

module_init(spapr_init);
module_exit(spapr_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO sPAPR TCE IOMMU backend (POWER DMA windows)");
