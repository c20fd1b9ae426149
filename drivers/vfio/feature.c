// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_FEATURE, and the migration state machine behind two of its
 * features.
 *
 * The core serves the features that are the same for every driver
 * (migration and device DMA dirty logging, both through callbacks the
 * driver set in its vfio_device) and hands any other to the driver's
 * device_feature callback.  The generic header (argsz, flags) has already
 * been checked by the ioctl dispatcher; here a feature sees only its own
 * payload, which follows the header.
 *
 * The migration states form a graph (see the uAPI header): a driver only
 * ever implements single arcs, and vfio_mig_get_next_state() splits a
 * user request that spans several arcs into those steps, skipping states
 * of optional features (P2P, PRE_COPY) the device does not have.
 */
#include <linux/file.h>
#include <linux/interval_tree.h>
#include <linux/iova_bitmap.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "core.h"

/* The range list of DMA_LOGGING_START must fit in one page. */
#define VFIO_LOG_MAX_RANGES \
	(PAGE_SIZE / sizeof(struct vfio_device_feature_dma_logging_range))

/* Highest valid enum vfio_device_mig_state */
#define VFIO_MIG_STATE_LAST	VFIO_DEVICE_STATE_PRE_COPY_P2P

/* The VFIO_MIGRATION_* a device needs to have @state. */
static u32 vfio_mig_state_needs(enum vfio_device_mig_state state)
{
	switch (state) {
	case VFIO_DEVICE_STATE_STOP:
	case VFIO_DEVICE_STATE_RUNNING:
	case VFIO_DEVICE_STATE_STOP_COPY:
	case VFIO_DEVICE_STATE_RESUMING:
		return VFIO_MIGRATION_STOP_COPY;
	case VFIO_DEVICE_STATE_RUNNING_P2P:
		return VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
	case VFIO_DEVICE_STATE_PRE_COPY:
		return VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY;
	case VFIO_DEVICE_STATE_PRE_COPY_P2P:
		return VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
		       VFIO_MIGRATION_PRE_COPY;
	default:
		/* ERROR is never a state one can ask for. */
		return U32_MAX;
	}
}

static bool vfio_mig_state_ok(struct vfio_device *vdev,
			      enum vfio_device_mig_state state)
{
	u32 needs = vfio_mig_state_needs(state);

	return (vdev->migration_flags & needs) == needs;
}

/*
 * One step from @cur towards @target in the full graph, where the device
 * has every optional state.  Ties between equally short routes go to the
 * one that enters PRE_COPY as late as possible and leaves it as early as
 * possible.  ERROR means there is no way.
 */
static enum vfio_device_mig_state
vfio_mig_full_step(enum vfio_device_mig_state cur,
		   enum vfio_device_mig_state target)
{
	if (cur == VFIO_DEVICE_STATE_ERROR || target == VFIO_DEVICE_STATE_ERROR)
		return VFIO_DEVICE_STATE_ERROR;
	if (cur == target)
		return cur;

	switch (cur) {
	case VFIO_DEVICE_STATE_STOP:
		if (target == VFIO_DEVICE_STATE_STOP_COPY ||
		    target == VFIO_DEVICE_STATE_RESUMING)
			return target;
		return VFIO_DEVICE_STATE_RUNNING_P2P;
	case VFIO_DEVICE_STATE_RUNNING:
		if (target == VFIO_DEVICE_STATE_PRE_COPY)
			return target;
		return VFIO_DEVICE_STATE_RUNNING_P2P;
	case VFIO_DEVICE_STATE_RUNNING_P2P:
		switch (target) {
		case VFIO_DEVICE_STATE_RUNNING:
		case VFIO_DEVICE_STATE_PRE_COPY:
			return VFIO_DEVICE_STATE_RUNNING;
		case VFIO_DEVICE_STATE_PRE_COPY_P2P:
			return target;
		default:
			return VFIO_DEVICE_STATE_STOP;
		}
	case VFIO_DEVICE_STATE_PRE_COPY:
		if (target == VFIO_DEVICE_STATE_PRE_COPY_P2P ||
		    target == VFIO_DEVICE_STATE_STOP_COPY)
			return VFIO_DEVICE_STATE_PRE_COPY_P2P;
		return VFIO_DEVICE_STATE_RUNNING;
	case VFIO_DEVICE_STATE_PRE_COPY_P2P:
		if (target == VFIO_DEVICE_STATE_PRE_COPY ||
		    target == VFIO_DEVICE_STATE_STOP_COPY)
			return target;
		return VFIO_DEVICE_STATE_RUNNING_P2P;
	case VFIO_DEVICE_STATE_STOP_COPY:
		/* Once stopped for the copy, there is no way back to it. */
		if (target == VFIO_DEVICE_STATE_PRE_COPY ||
		    target == VFIO_DEVICE_STATE_PRE_COPY_P2P)
			return VFIO_DEVICE_STATE_ERROR;
		return VFIO_DEVICE_STATE_STOP;
	case VFIO_DEVICE_STATE_RESUMING:
		return VFIO_DEVICE_STATE_STOP;
	default:
		return VFIO_DEVICE_STATE_ERROR;
	}
}

/**
 * vfio_mig_get_next_state - the next single arc towards a migration state
 * @vdev: the device; its &vfio_device.migration_flags say which optional
 *	states exist
 * @cur_fsm: the state the device is in
 * @new_fsm: the state the user asked for
 * @next_fsm: where the next arc leads
 *
 * Drivers call this in a loop, carrying out each arc, until @next_fsm is
 * @new_fsm.  Arcs through states the device does not support are joined
 * so that the driver sees one arc over them.
 *
 * Return: 0, or -EINVAL when @new_fsm is not a state of this device or
 * cannot be reached from @cur_fsm.
 */
int vfio_mig_get_next_state(struct vfio_device *vdev,
			    enum vfio_device_mig_state cur_fsm,
			    enum vfio_device_mig_state new_fsm,
			    enum vfio_device_mig_state *next_fsm)
{
	enum vfio_device_mig_state next;

	/* The current state comes from the driver: a bad one is its bug. */
	if (WARN_ON(cur_fsm > VFIO_MIG_STATE_LAST ||
		    !vfio_mig_state_ok(vdev, cur_fsm)))
		return -EINVAL;
	if (new_fsm > VFIO_MIG_STATE_LAST || !vfio_mig_state_ok(vdev, new_fsm))
		return -EINVAL;

	next = vfio_mig_full_step(cur_fsm, new_fsm);
	while (next != VFIO_DEVICE_STATE_ERROR && !vfio_mig_state_ok(vdev, next))
		next = vfio_mig_full_step(next, new_fsm);

	*next_fsm = next;
	return next == VFIO_DEVICE_STATE_ERROR ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(vfio_mig_get_next_state);

static int vfio_feature_migration(struct vfio_device *vdev, u32 flags,
				  void __user *data, size_t size)
{
	struct vfio_device_feature_migration mig = {
		.flags = vdev->migration_flags,
	};
	int ret;

	if (!vdev->mig_ops)
		return -ENOTTY;
	ret = vfio_check_feature(flags, size, VFIO_DEVICE_FEATURE_GET,
				 sizeof(mig));
	if (ret != 1)
		return ret;
	return copy_to_user(data, &mig, sizeof(mig)) ? -EFAULT : 0;
}

/* Hand the data transfer file of a state change to the user as an fd. */
static int vfio_feature_install_data_fd(struct file *file, void __user *data,
					struct vfio_device_feature_mig_state *mig)
{
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		fput(file);
		return fd;
	}

	mig->data_fd = fd;
	if (copy_to_user(data, mig, sizeof(*mig))) {
		put_unused_fd(fd);
		fput(file);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

static int vfio_feature_mig_state(struct vfio_device *vdev, u32 flags,
				  void __user *data, size_t size)
{
	struct vfio_device_feature_mig_state mig;
	enum vfio_device_mig_state state;
	struct file *file = NULL;
	int ret;

	if (!vdev->mig_ops)
		return -ENOTTY;
	ret = vfio_check_feature(flags, size,
				 VFIO_DEVICE_FEATURE_GET |
				 VFIO_DEVICE_FEATURE_SET, sizeof(mig));
	if (ret != 1)
		return ret;
	if (copy_from_user(&mig, data, sizeof(mig)))
		return -EFAULT;

	if (flags & VFIO_DEVICE_FEATURE_GET) {
		ret = vdev->mig_ops->migration_get_state(vdev, &state);
		if (ret)
			return ret;
		mig.device_state = state;
	} else {
		file = vdev->mig_ops->migration_set_state(vdev,
							   mig.device_state);
		if (!IS_ERR_OR_NULL(file))
			return vfio_feature_install_data_fd(file, data, &mig);
		ret = PTR_ERR_OR_ZERO(file);
	}

	/* No data transfer file; the result is reported even on failure. */
	mig.data_fd = -1;
	if (copy_to_user(data, &mig, sizeof(mig)))
		return -EFAULT;
	return ret;
}

static int vfio_feature_mig_data_size(struct vfio_device *vdev, u32 flags,
				      void __user *data, size_t size)
{
	struct vfio_device_feature_mig_data_size out = {};
	unsigned long length;
	int ret;

	if (!vdev->mig_ops)
		return -ENOTTY;
	ret = vfio_check_feature(flags, size, VFIO_DEVICE_FEATURE_GET,
				 sizeof(out));
	if (ret != 1)
		return ret;

	ret = vdev->mig_ops->migration_get_data_size(vdev, &length);
	if (ret)
		return ret;
	out.stop_copy_length = length;
	return copy_to_user(data, &out, sizeof(out)) ? -EFAULT : 0;
}

/*
 * Read the user's ranges into @nodes and an interval tree, refusing
 * misaligned, wrapping and overlapping ones.
 */
static int vfio_log_read_ranges(struct vfio_device_feature_dma_logging_control *ctl,
				struct interval_tree_node *nodes,
				struct rb_root_cached *root)
{
	struct vfio_device_feature_dma_logging_range __user *uranges =
		u64_to_user_ptr(ctl->ranges);
	struct vfio_device_feature_dma_logging_range range;
	u32 i;
	u64 end;

	for (i = 0; i < ctl->num_ranges; i++) {
		if (copy_from_user(&range, &uranges[i], sizeof(range)))
			return -EFAULT;
		if (!IS_ALIGNED(range.iova, ctl->page_size) ||
		    !IS_ALIGNED(range.length, ctl->page_size))
			return -EINVAL;
		if (check_add_overflow(range.iova, range.length, &end) ||
		    end > ULONG_MAX)
			return -EOVERFLOW;

		nodes[i].start = range.iova;
		nodes[i].last = range.iova + range.length - 1;
		if (interval_tree_iter_first(root, nodes[i].start,
					     nodes[i].last))
			return -EINVAL;
		interval_tree_insert(&nodes[i], root);
	}
	return 0;
}

static int vfio_feature_log_start(struct vfio_device *vdev, u32 flags,
				  void __user *data, size_t size)
{
	struct vfio_device_feature_dma_logging_control ctl;
	struct rb_root_cached root = RB_ROOT_CACHED;
	struct interval_tree_node *nodes;
	int ret;

	if (!vdev->log_ops)
		return -ENOTTY;
	ret = vfio_check_feature(flags, size, VFIO_DEVICE_FEATURE_SET,
				 sizeof(ctl));
	if (ret != 1)
		return ret;
	if (copy_from_user(&ctl, data, sizeof(ctl)))
		return -EFAULT;

	if (!ctl.num_ranges)
		return -EINVAL;
	if (ctl.num_ranges > VFIO_LOG_MAX_RANGES)
		return -E2BIG;

	nodes = kmalloc_array(ctl.num_ranges, sizeof(*nodes), GFP_KERNEL);
	if (!nodes)
		return -ENOMEM;

	ret = vfio_log_read_ranges(&ctl, nodes, &root);
	if (ret)
		goto out;

	ret = vdev->log_ops->log_start(vdev, &root, ctl.num_ranges,
				       &ctl.page_size);
	if (ret)
		goto out;

	/* The driver may have picked another page size: report it. */
	if (copy_to_user(data, &ctl, sizeof(ctl))) {
		vdev->log_ops->log_stop(vdev);
		ret = -EFAULT;
	}
out:
	kfree(nodes);
	return ret;
}

static int vfio_feature_log_stop(struct vfio_device *vdev, u32 flags,
				 void __user *data, size_t size)
{
	int ret;

	if (!vdev->log_ops)
		return -ENOTTY;
	ret = vfio_check_feature(flags, size, VFIO_DEVICE_FEATURE_SET, 0);
	if (ret != 1)
		return ret;
	return vdev->log_ops->log_stop(vdev);
}

#if IS_ENABLED(CONFIG_IOMMUFD_DRIVER)
static int vfio_log_report_chunk(struct iova_bitmap *bitmap,
				 unsigned long iova, size_t length,
				 void *opaque)
{
	struct vfio_device *vdev = opaque;

	return vdev->log_ops->log_read_and_clear(vdev, iova, length, bitmap);
}

static int vfio_log_report(struct vfio_device *vdev,
			   struct vfio_device_feature_dma_logging_report *rep)
{
	struct iova_bitmap *bitmap;
	int ret;

	bitmap = iova_bitmap_alloc(rep->iova, rep->length, rep->page_size,
				   u64_to_user_ptr(rep->bitmap));
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);
	ret = iova_bitmap_for_each(bitmap, vdev, vfio_log_report_chunk);
	iova_bitmap_free(bitmap);
	return ret;
}
#else
/* Drivers with dirty logging select IOMMUFD_DRIVER, which has the bitmap. */
static int vfio_log_report(struct vfio_device *vdev,
			   struct vfio_device_feature_dma_logging_report *rep)
{
	return -ENOTTY;
}
#endif

static int vfio_feature_log_report(struct vfio_device *vdev, u32 flags,
				   void __user *data, size_t size)
{
	struct vfio_device_feature_dma_logging_report rep;
	u64 end;
	int ret;

	if (!vdev->log_ops)
		return -ENOTTY;
	ret = vfio_check_feature(flags, size, VFIO_DEVICE_FEATURE_GET,
				 sizeof(rep));
	if (ret != 1)
		return ret;
	if (copy_from_user(&rep, data, sizeof(rep)))
		return -EFAULT;

	if (rep.page_size < SZ_4K || !is_power_of_2(rep.page_size))
		return -EINVAL;
	if (check_add_overflow(rep.iova, rep.length, &end) || end > ULONG_MAX)
		return -EOVERFLOW;
	return vfio_log_report(vdev, &rep);
}

/*
 * VFIO_DEVICE_FEATURE: @feat is the kernel copy of the header, checked by
 * the dispatcher; @uarg the user's copy, whose payload follows the header.
 */
long vfio_device_feature(struct vfio_device *vdev,
			 struct vfio_device_feature *feat, void __user *uarg)
{
	const u32 get_set = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET;
	void __user *data = uarg + sizeof(*feat);
	size_t size = feat->argsz - sizeof(*feat);
	u32 flags = feat->flags;

	/* Asking for GET and SET at once is only meaningful as a PROBE. */
	if ((flags & get_set) == get_set && !(flags & VFIO_DEVICE_FEATURE_PROBE))
		return -EINVAL;

	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_MIGRATION:
		return vfio_feature_migration(vdev, flags, data, size);
	case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
		return vfio_feature_mig_state(vdev, flags, data, size);
	case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
		return vfio_feature_mig_data_size(vdev, flags, data, size);
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
		return vfio_feature_log_start(vdev, flags, data, size);
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
		return vfio_feature_log_stop(vdev, flags, data, size);
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
		return vfio_feature_log_report(vdev, flags, data, size);
	default:
		if (!vdev->ops->device_feature)
			return -ENOTTY;
		return vdev->ops->device_feature(vdev, flags, data, size);
	}
}
