// SPDX-License-Identifier: GPL-2.0
/*
 * Every call of the container, group, device, type1 and sPAPR TCE uAPI,
 * and of the device cdev with iommufd, with each of its fault points
 * failing in turn.
 *
 * /proc/thread-self/fail-nth makes the Nth fault point this thread passes
 * fail: a slab allocation (failslab), a page allocation (fail_page_alloc)
 * or a user copy (fail_usercopy), whichever comes Nth.  For N = 1, 2, ...
 * each operation below is run with fault N armed, until a run passes all
 * its fault points without reaching N.  After a run that was failed:
 *
 *   - the call returned an errno (or succeeded, where the kernel has a
 *     fallback), never crashed or warned (the harness reads the log);
 *   - the objects it was called on are still usable: the same call, now
 *     without a fault, succeeds;
 *
 * and at the end of each operation no page is left pinned and locked_vm
 * is back to where it was (kmemleak is scanned by the harness after the
 * program).  The objects are reused from one run to the next, so a failed
 * call that corrupted them shows up in the following runs.
 *
 * Faults are not injected, through the stack-trace filter of the fault
 * attributes, where code that is not VFIO's breaks under them:
 *  - x86_64: ACPICA (the AML interpreter).  Opening a PCI device
 *    evaluates _PRT, and an allocation failing inside AML execution makes
 *    6.12's ACPICA drop a reference twice (a KFENCE use-after-free, then
 *    an oops), whoever opens the device.
 *  - ppc64le: pseries' DMA window code (platforms/pseries/iommu.c, from
 *    copy_property() to spapr_tce_create_table()).  Taking a group's DMA
 *    ownership (VFIO_GROUP_SET_CONTAINER) backs up the default window's
 *    property, gives up silently when that allocation fails and removes
 *    the property anyway: the release of ownership then oopses in
 *    of_parse_dma_window().  And any failure while it creates a window
 *    (CREATE, or the default window again) puts the host bridge on its
 *    "failed DDW" list for good: every later window, the default one
 *    included, is -ENODEV until reboot.
 *
 * The paths: the group with the container and type1 v2 (x86_64) or sPAPR
 * TCE v2 and v1 (ppc64le), and the device cdev bound to an iommufd
 * (x86_64).
 */
#include <fcntl.h>
#include <sys/eventfd.h>
#include <linux/iommufd.h>

#include "kselftest_harness.h"
#include "vfio_harness.h"
#include "type1_common.h"

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define MAX_FAULTS	5000
#define BUF_SIZE	T1_SZ_2M
/* sPAPR: where maps go in the default window (1 GiB at 0), and windows. */
#define SPAPR_IOVA	0x100000ULL
#define SPAPR_WIN_SHIFT	16
#define SPAPR_WIN_SIZE	0x40000000ULL

/*
 * How far the setup of a VFIO user has got, along one of two paths:
 *
 *            group path                      cdev path
 * CONTAINER  /dev/vfio/vfio open             /dev/iommu open
 * GROUP      /dev/vfio/N open                an IOAS allocated
 * ATTACHED   VFIO_GROUP_SET_CONTAINER done   /dev/vfio/devices/vfioN open
 * BACKEND    VFIO_SET_IOMMU done             VFIO_DEVICE_BIND_IOMMUFD done
 * DEVICE     device fd from the group        ATTACH_IOMMUFD_PT to the IOAS
 *
 * The backend of the group path is type1 v2 (x86_64), or sPAPR TCE v2 or
 * v1 (ppc64le).
 */
enum stage {
	NOTHING,
	CONTAINER,
	GROUP,
	ATTACHED,
	BACKEND,
	DEVICE,
};

enum path {
	GROUP_PATH,
	CDEV_PATH,
};

struct ctx {
	struct vfio_util_dev d;
	char bdf[32];
	char cdev[64];		/* /dev/vfio/devices/vfioN */
	enum path path;
	int iommu_type;		/* of the group path */
	enum stage stage;
	char *buf;		/* BUF_SIZE bytes, populated before any fault */
	void *bar;		/* a BAR0 mapping made by an operation */
	uint32_t ioas2;		/* cdev: a second IOAS, for a replace */
	uint64_t win;		/* sPAPR: start of the window an op made */
	int efd;
	int nth;		/* fd of FAIL_NTH */
};

static int ioas_destroy(int iommufd, uint32_t id)
{
	struct iommu_destroy ds = { .size = sizeof(ds), .id = id };

	return ioctl(iommufd, IOMMU_DESTROY, &ds) ? -errno : 0;
}

static int group_up(struct ctx *c)
{
	struct vfio_util_dev *d = &c->d;
	char path[64];

	switch (c->stage) {
	case NOTHING:
		return d->container = open("/dev/vfio/vfio", O_RDWR);
	case CONTAINER:
		snprintf(path, sizeof(path), "/dev/vfio/%d", d->group_id);
		return d->group = open(path, O_RDWR);
	case GROUP:
		return ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container);
	case ATTACHED:
		return ioctl(d->container, VFIO_SET_IOMMU, c->iommu_type);
	case BACKEND:
		return d->device = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD,
					 c->bdf);
	default:
		errno = EINVAL;
		return -1;
	}
}

static int cdev_up(struct ctx *c)
{
	struct vfio_util_dev *d = &c->d;
	uint32_t pt = d->ioas_id;
	int ret;

	switch (c->stage) {
	case NOTHING:
		return d->iommufd = open("/dev/iommu", O_RDWR);
	case CONTAINER:
		ret = vfio_util_ioas_alloc(d->iommufd);
		if (ret >= 0)
			d->ioas_id = ret;
		break;
	case GROUP:
		return d->device = open(c->cdev, O_RDWR);
	case ATTACHED:
		ret = vfio_util_cdev_bind(d->device, d->iommufd, &d->devid);
		break;
	case BACKEND:
		ret = vfio_util_cdev_attach(d->device, &pt);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return 0;
}

/* One step up, without faults; 0 or -errno. */
static int stage_up(struct ctx *c)
{
	int ret = c->path == CDEV_PATH ? cdev_up(c) : group_up(c);

	if (ret < 0)
		return -errno;
	c->stage++;
	return 0;
}

/* One step down: close or undo what the top stage holds. */
static void stage_down(struct ctx *c)
{
	struct vfio_util_dev *d = &c->d;
	struct vfio_device_detach_iommufd_pt det = { .argsz = sizeof(det) };

	switch (c->stage) {
	case DEVICE:
		if (c->path == CDEV_PATH) {
			ioctl(d->device, VFIO_DEVICE_DETACH_IOMMUFD_PT, &det);
			break;
		}
		close(d->device);
		d->device = -1;
		break;
	case BACKEND:
	case ATTACHED:
		if (c->path == CDEV_PATH) {
			/* Only the close of the device file unbinds it. */
			close(d->device);
			d->device = -1;
		} else {
			/* Unsetting the container also drops its backend. */
			ioctl(d->group, VFIO_GROUP_UNSET_CONTAINER);
		}
		c->stage = ATTACHED;
		break;
	case GROUP:
		if (c->path == CDEV_PATH) {
			ioas_destroy(d->iommufd, d->ioas_id);
			if (c->ioas2)
				ioas_destroy(d->iommufd, c->ioas2);
			c->ioas2 = 0;
			break;
		}
		close(d->group);
		d->group = -1;
		break;
	case CONTAINER:
		if (c->path == CDEV_PATH) {
			close(d->iommufd);
			d->iommufd = -1;
			break;
		}
		close(d->container);
		d->container = -1;
		break;
	default:
		return;
	}
	c->stage--;
}
static int stage_goto(struct ctx *c, enum stage want)
{
	int ret;

	while (c->stage > want)
		stage_down(c);
	while (c->stage < want) {
		ret = stage_up(c);
		if (ret)
			return ret;
	}
	return 0;
}

/* Arm fault @n for this thread. */
static int nth_arm(struct ctx *c, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(c->nth, buf, len, 0) == len ? 0 : -errno;
}

/*
 * Disarm; true when the armed fault was injected.  Reading and writing the
 * file pass fault points themselves: a fault that fires there (EFAULT)
 * means the operation ended before reaching it.
 */
static bool nth_disarm(struct ctx *c)
{
	char buf[16] = "";
	bool injected;
	ssize_t n;

	n = pread(c->nth, buf, sizeof(buf) - 1, 0);
	injected = n > 0 && buf[0] == '0';
	if (pwrite(c->nth, "0", 1, 0) != 1)
		pwrite(c->nth, "0", 1, 0);
	return injected;
}

/*
 * An operation: @act is the call under test, run at stage @needs; @prep
 * and @undo, without faults, set up what it needs beyond the stage and
 * undo what a successful @act did.  @act moves the stage up itself when
 * it creates the next object.  @no_fault_points: the call neither
 * allocates nor copies from or to the user.  @retry, when the call may
 * have done its work before failing (a result that could not be copied
 * out): checks the state after a failed call instead of repeating it.
 */
struct op {
	bool no_fault_points;
	enum stage needs;
	int (*prep)(struct ctx *c);
	int (*act)(struct ctx *c);
	int (*retry)(struct ctx *c);
	void (*undo)(struct ctx *c);
};

static int sys(int ret)
{
	return ret < 0 ? -errno : 0;
}

static int act_check_extension(struct ctx *c)
{
	int ret = ioctl(c->d.container, VFIO_CHECK_EXTENSION, c->iommu_type);

	return ret < 0 ? -errno : ret == 1 ? 0 : -EPROTO;
}

static int act_group_status(struct ctx *c)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	return sys(ioctl(c->d.group, VFIO_GROUP_GET_STATUS, &st));
}

#if VFIO_UTIL_ARCH_HAS_TYPE1
/* type1 */
static int act_iommu_info(struct ctx *c)
{
	char buf[4096] = {};
	struct vfio_iommu_type1_info *info = (void *)buf;

	info->argsz = sizeof(buf);
	return sys(ioctl(c->d.container, VFIO_IOMMU_GET_INFO, info));
}

static int act_map(struct ctx *c)
{
	return t1_map(&c->d, c->buf, T1_IOVA, BUF_SIZE, T1_RW);
}

static int prep_map(struct ctx *c)
{
	return act_map(c);
}

static int act_unmap(struct ctx *c)
{
	uint64_t done = 0;
	int ret = t1_unmap(&c->d, T1_IOVA, BUF_SIZE, 0, &done);

	return ret ? ret : done == BUF_SIZE ? 0 : -EPROTO;
}

/*
 * UNMAP_DMA unmaps, then copies the unmapped size out: when that copy
 * fails the range is already gone.  Either way it is now all or nothing.
 */
static int retry_unmap(struct ctx *c)
{
	uint64_t done = 0;
	int ret = t1_unmap(&c->d, T1_IOVA, BUF_SIZE, 0, &done);

	return ret ? ret : done == BUF_SIZE || !done ? 0 : -EPROTO;
}

static void undo_unmap_all(struct ctx *c)
{
	t1_unmap_all(&c->d);
}

static int act_dirty_start(struct ctx *c)
{
	struct vfio_iommu_type1_dirty_bitmap db = {
		.argsz = sizeof(db),
		.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
	};

	return sys(ioctl(c->d.container, VFIO_IOMMU_DIRTY_PAGES, &db));
}

static void undo_dirty_stop(struct ctx *c)
{
	struct vfio_iommu_type1_dirty_bitmap db = {
		.argsz = sizeof(db),
		.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
	};

	ioctl(c->d.container, VFIO_IOMMU_DIRTY_PAGES, &db);
	t1_unmap_all(&c->d);
}
#endif

#if VFIO_UTIL_ARCH_HAS_SPAPR
/* sPAPR TCE (ppc64le) */
static int spapr_info(struct ctx *c)
{
	struct vfio_iommu_spapr_tce_info info = { .argsz = sizeof(info) };

	return sys(ioctl(c->d.container, VFIO_IOMMU_SPAPR_TCE_GET_INFO, &info));
}

static int spapr_mem(struct ctx *c, unsigned long cmd)
{
	struct vfio_iommu_spapr_register_memory r = {
		.argsz = sizeof(r), .vaddr = (uintptr_t)c->buf,
		.size = BUF_SIZE,
	};

	return sys(ioctl(c->d.container, cmd, &r));
}

static int spapr_register(struct ctx *c)
{
	return spapr_mem(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY);
}

static int spapr_unregister(struct ctx *c)
{
	return spapr_mem(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY);
}

static int spapr_create(struct ctx *c)
{
	struct vfio_iommu_spapr_tce_create cr = {
		.argsz = sizeof(cr), .page_shift = SPAPR_WIN_SHIFT,
		.window_size = SPAPR_WIN_SIZE, .levels = 1,
	};
	int ret = sys(ioctl(c->d.container, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr));

	if (!ret)
		c->win = cr.start_addr;
	return ret;
}

static int spapr_remove(struct ctx *c)
{
	struct vfio_iommu_spapr_tce_remove rm = {
		.argsz = sizeof(rm), .start_addr = c->win,
	};
	int ret = sys(ioctl(c->d.container, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm));

	if (!ret)
		c->win = 0;
	return ret;
}

static void undo_spapr_remove(struct ctx *c)
{
	spapr_remove(c);
}

static void undo_spapr_unregister(struct ctx *c)
{
	spapr_unregister(c);
}

/* MAP_DMA at @iova: the default window, or the window an op made. */
static int spapr_map_at(struct ctx *c, uint64_t iova)
{
	return t1_map(&c->d, c->buf, iova, BUF_SIZE, T1_RW);
}

static int spapr_unmap_at(struct ctx *c, uint64_t iova)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = BUF_SIZE,
	};

	return sys(ioctl(c->d.container, VFIO_IOMMU_UNMAP_DMA, &u));
}

static int spapr_map(struct ctx *c)
{
	return spapr_map_at(c, SPAPR_IOVA);
}

static int spapr_unmap(struct ctx *c)
{
	return spapr_unmap_at(c, SPAPR_IOVA);
}

static int prep_spapr_reg_map(struct ctx *c)
{
	return spapr_register(c) ?: spapr_map(c);
}

static void undo_spapr_unmap_unreg(struct ctx *c)
{
	spapr_unmap(c);
	spapr_unregister(c);
}

static int prep_spapr_win_reg(struct ctx *c)
{
	return spapr_create(c) ?: spapr_register(c);
}

static int spapr_map_win(struct ctx *c)
{
	return spapr_map_at(c, c->win + SPAPR_IOVA);
}

static void undo_spapr_win(struct ctx *c)
{
	spapr_unmap_at(c, c->win + SPAPR_IOVA);
	spapr_remove(c);
	spapr_unregister(c);
}

/* v1: ENABLE charges the default window, DISABLE gives it back. */
static int spapr_enable(struct ctx *c)
{
	return sys(ioctl(c->d.container, VFIO_IOMMU_ENABLE));
}

static int spapr_disable(struct ctx *c)
{
	return sys(ioctl(c->d.container, VFIO_IOMMU_DISABLE));
}

static void undo_spapr_disable(struct ctx *c)
{
	spapr_disable(c);
}

static int prep_spapr_enable_map(struct ctx *c)
{
	return spapr_enable(c) ?: spapr_map(c);
}

static void undo_spapr_unmap_disable(struct ctx *c)
{
	spapr_unmap(c);
	spapr_disable(c);
}

/*
 * EEH on the container's PE: the state when the platform has EEH, else
 * the one answer without a PE (-ENODEV).
 */
static int spapr_eeh(struct ctx *c)
{
	struct vfio_eeh_pe_op op = {
		.argsz = sizeof(op), .op = VFIO_EEH_PE_GET_STATE,
	};
	int eeh = ioctl(c->d.container, VFIO_CHECK_EXTENSION, VFIO_EEH);
	int ret = ioctl(c->d.container, VFIO_EEH_PE_OP, &op);

	if (eeh != 1)
		return ret < 0 && errno == ENODEV ? 0 : ret < 0 ? -errno : -EPROTO;
	return ret < 0 ? -errno : 0;
}
#endif

static int act_device_info(struct ctx *c)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	return sys(ioctl(c->d.device, VFIO_DEVICE_GET_INFO, &info));
}

/* Region infos with room for capabilities (config space, BAR0, ROM). */
static int act_region_infos(struct ctx *c)
{
	static const unsigned int index[] = {
		VFIO_PCI_CONFIG_REGION_INDEX, VFIO_PCI_BAR0_REGION_INDEX,
		VFIO_PCI_ROM_REGION_INDEX,
	};
	char buf[1024];
	struct vfio_region_info *info = (void *)buf;
	unsigned int i;

	for (i = 0; i < sizeof(index) / sizeof(index[0]); i++) {
		memset(buf, 0, sizeof(buf));
		info->argsz = sizeof(buf);
		info->index = index[i];
		if (ioctl(c->d.device, VFIO_DEVICE_GET_REGION_INFO, info))
			return -errno;
	}
	return 0;
}

static int act_irq_info(struct ctx *c)
{
	struct vfio_irq_info info = {
		.argsz = sizeof(info), .index = VFIO_PCI_MSI_IRQ_INDEX,
	};

	return sys(ioctl(c->d.device, VFIO_DEVICE_GET_IRQ_INFO, &info));
}

static int act_msi_enable(struct ctx *c)
{
	return vfio_util_set_irq_eventfds(&c->d, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
					  &c->efd);
}

static int act_msi_disable(struct ctx *c)
{
	return vfio_util_set_irq_eventfds(&c->d, VFIO_PCI_MSI_IRQ_INDEX, 0, 0,
					  NULL);
}

static void undo_msi(struct ctx *c)
{
	act_msi_disable(c);
}

static int act_intx_enable(struct ctx *c)
{
	return vfio_util_set_irq_eventfds(&c->d, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
					  &c->efd);
}

static void undo_intx(struct ctx *c)
{
	vfio_util_set_irq_eventfds(&c->d, VFIO_PCI_INTX_IRQ_INDEX, 0, 0, NULL);
}

static int act_config_rw(struct ctx *c)
{
	uint16_t cmd;
	uint32_t cap;
	int ret;

	ret = vfio_util_region_read(&c->d, VFIO_PCI_CONFIG_REGION_INDEX,
				    PCI_COMMAND, &cmd, sizeof(cmd));
	if (ret < 0)
		return ret;
	ret = vfio_util_region_read(&c->d, VFIO_PCI_CONFIG_REGION_INDEX,
				    0x40, &cap, sizeof(cap));
	if (ret < 0)
		return ret;
	cmd |= PCI_COMMAND_MEMORY;
	ret = vfio_util_region_write(&c->d, VFIO_PCI_CONFIG_REGION_INDEX,
				     PCI_COMMAND, &cmd, sizeof(cmd));
	return ret < 0 ? ret : 0;
}

static int act_bar_read(struct ctx *c)
{
	uint32_t id = 0;
	int ret = vfio_util_region_read(&c->d, VFIO_PCI_BAR0_REGION_INDEX,
					EDU_REG_ID, &id, sizeof(id));

	return ret < 0 ? ret : vfio_util_edu32(id) == EDU_ID_VALUE ? 0 : -EPROTO;
}

static int prep_memory_on(struct ctx *c)
{
	return act_config_rw(c);
}

static int act_bar_mmap(struct ctx *c)
{
	struct vfio_region_info info;
	int ret = vfio_util_region_info(&c->d, VFIO_PCI_BAR0_REGION_INDEX,
					&info);

	if (ret)
		return ret;
	c->bar = mmap(NULL, 4096, PROT_READ, MAP_SHARED, c->d.device,
		      info.offset);
	if (c->bar == MAP_FAILED) {
		c->bar = NULL;
		return -errno;
	}
	return 0;
}

static void undo_bar_mmap(struct ctx *c)
{
	if (c->bar)
		munmap(c->bar, 4096);
	c->bar = NULL;
}

static int act_ioeventfd(struct ctx *c)
{
	struct vfio_region_info info;
	struct vfio_device_ioeventfd ev = {
		.argsz = sizeof(ev), .flags = VFIO_DEVICE_IOEVENTFD_32,
		.data = 1, .fd = c->efd,
	};
	int ret = vfio_util_region_info(&c->d, VFIO_PCI_BAR0_REGION_INDEX,
					&info);

	if (ret)
		return ret;
	ev.offset = info.offset + EDU_REG_LIVENESS;
	return sys(ioctl(c->d.device, VFIO_DEVICE_IOEVENTFD, &ev));
}

static void undo_ioeventfd(struct ctx *c)
{
	struct vfio_region_info info;
	struct vfio_device_ioeventfd ev = {
		.argsz = sizeof(ev), .flags = VFIO_DEVICE_IOEVENTFD_32,
		.data = 1, .fd = -1,
	};

	if (vfio_util_region_info(&c->d, VFIO_PCI_BAR0_REGION_INDEX, &info))
		return;
	ev.offset = info.offset + EDU_REG_LIVENESS;
	ioctl(c->d.device, VFIO_DEVICE_IOEVENTFD, &ev);
}

/* Close the device file as it is: through the cdev, still attached. */
static int act_close_device(struct ctx *c)
{
	if (c->path == CDEV_PATH) {
		close(c->d.device);
		c->d.device = -1;
		c->stage = GROUP;
		return 0;
	}
	stage_down(c);
	return 0;
}

#if defined(__x86_64__)
/* The device cdev and iommufd (x86_64) */
static int cdev_attach_pt(struct ctx *c, uint32_t pt)
{
	return vfio_util_cdev_attach(c->d.device, &pt);
}

static int prep_second_ioas(struct ctx *c)
{
	int ret;

	if (c->ioas2)
		return 0;
	ret = vfio_util_ioas_alloc(c->d.iommufd);
	if (ret < 0)
		return ret;
	c->ioas2 = ret;
	return 0;
}

/* ATTACH_IOMMUFD_PT while attached: a replace. */
static int act_attach_replace(struct ctx *c)
{
	return cdev_attach_pt(c, c->ioas2);
}

static void undo_attach_replace(struct ctx *c)
{
	cdev_attach_pt(c, c->d.ioas_id);
}

static int act_detach_pt(struct ctx *c)
{
	struct vfio_device_detach_iommufd_pt det = { .argsz = sizeof(det) };
	int ret = sys(ioctl(c->d.device, VFIO_DEVICE_DETACH_IOMMUFD_PT, &det));

	if (!ret)
		c->stage = BACKEND;
	return ret;
}

/* IOMMU_IOAS_MAP / UNMAP with the device attached: its domain is filled. */
static int act_ioas_map(struct ctx *c)
{
	return vfio_util_map(&c->d, c->buf, T1_IOVA, BUF_SIZE, T1_RW);
}

/*
 * IOMMU_IOAS_MAP maps, then copies the IOVA out: when that copy fails the
 * range is already mapped (iommufd's behaviour, as in 6.12).  All or
 * nothing: mapped in full or not at all, then the map works.
 */
static int retry_ioas_map(struct ctx *c)
{
	uint64_t done = 0;
	int ret = act_ioas_map(c);

	if (ret != -EEXIST)
		return ret;
	ret = vfio_util_unmap(&c->d, T1_IOVA, BUF_SIZE, &done);
	if (ret || done != BUF_SIZE)
		return ret ?: -EPROTO;
	return act_ioas_map(c);
}

static void undo_ioas_unmap(struct ctx *c)
{
	vfio_util_unmap(&c->d, T1_IOVA, BUF_SIZE, NULL);
}
#endif

/* What the operations of a path may leave mapped, unmapped. */
static void unmap_all(struct ctx *c)
{
	if (c->path == CDEV_PATH) {
		if (c->stage >= GROUP)
			vfio_util_unmap(&c->d, 0, UINT64_MAX, NULL);
		return;
	}
	if (c->stage < BACKEND)
		return;
#if VFIO_UTIL_ARCH_HAS_SPAPR
	undo_spapr_unmap_unreg(c);
	if (c->win)
		undo_spapr_win(c);
#else
	t1_unmap_all(&c->d);
#endif
}

struct ksym {
	unsigned long long addr;
	bool hit;	/* the symbol the caller looks for */
};

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * The kernel's text symbols (not modules', not out-of-line .cold parts)
 * sorted by address, each marked when @match says so; *@n of them.
 */
static struct ksym *ksyms(bool (*match)(const char *name), size_t *n)
{
	size_t cap = 1 << 16;
	char type, name[256], rest[64];
	unsigned long long addr;
	struct ksym *sym;
	char line[512];
	FILE *f = fopen("/proc/kallsyms", "r");

	*n = 0;
	if (!f)
		return NULL;
	sym = malloc(cap * sizeof(*sym));
	while (sym && fgets(line, sizeof(line), f)) {
		rest[0] = '\0';
		if (sscanf(line, "%llx %c %255s %63s", &addr, &type, name,
			   rest) < 3 || rest[0] == '[' ||
		    (type != 't' && type != 'T') || strstr(name, ".cold"))
			continue;
		if (*n == cap)
			sym = realloc(sym, (cap *= 2) * sizeof(*sym));
		if (!sym)
			break;
		sym[*n].addr = addr;
		sym[(*n)++].hit = match(name);
	}
	fclose(f);
	if (sym)
		qsort(sym, *n, sizeof(*sym), ksym_cmp);
	return sym;
}

#if defined(__x86_64__)
static bool is_acpi(const char *name)
{
	return !strncmp(name, "acpi_", 5);
}

/*
 * The address range of ACPICA's code: the longest run of consecutive
 * kernel text symbols named acpi_* (its folder is linked in one piece;
 * out-of-line .cold parts and init code lie elsewhere and are not run
 * by a device open).
 */
static int reject_range(unsigned long long *start, unsigned long long *end)
{
	size_t n, i, run = 0, best = 0, best_end = 0;
	struct ksym *sym = ksyms(is_acpi, &n);

	if (!sym)
		return -ENOMEM;
	for (i = 0; i + 1 < n; i++) {
		run = sym[i].hit ? run + 1 : 0;
		if (run > best) {
			best = run;
			best_end = i;
		}
	}
	if (best > 100) {
		*start = sym[best_end + 1 - best].addr;
		*end = sym[best_end + 1].addr;
	}
	free(sym);
	return best > 100 ? 0 : -ENOENT;
}
#else
/* pseries' DMA window functions that break under injection (the top). */
static bool is_pseries_window(const char *name)
{
	static const char *const names[] = {
		"copy_property", "remove_dma_window_named",
		"spapr_tce_take_ownership", "spapr_tce_release_ownership",
		"spapr_tce_create_table",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/*
 * The part of arch/powerpc/platforms/pseries/iommu.c from the first to the
 * end of the last of those functions (one file, linked in one piece; a
 * helper inlined into them is inside too).  At most 64 KiB: a sanity
 * check that the names did not match something elsewhere.
 */
static int reject_range(unsigned long long *start, unsigned long long *end)
{
	size_t n, i, first = 0, last = 0, hits = 0;
	struct ksym *sym = ksyms(is_pseries_window, &n);
	int ret = -ENOENT;

	if (!sym)
		return -ENOMEM;
	for (i = 0; i + 1 < n; i++) {
		if (!sym[i].hit)
			continue;
		if (!hits++)
			first = i;
		last = i;
	}
	if (hits >= 3 && sym[last + 1].addr - sym[first].addr < 0x10000) {
		*start = sym[first].addr;
		*end = sym[last + 1].addr;
		ret = 0;
	}
	free(sym);
	return ret;
}
#endif

/* What every fixture of this program holds. */
struct fstate {
	struct ctx c;
	long pins;
	long vmlck;
	unsigned int faults;	/* runs in which the armed fault fired */
	unsigned int errors;	/* ... and the call returned an error */
};

static void fstate_setup(struct __test_metadata *_metadata, struct fstate *s,
			 enum path path, int iommu_type)
{
	static const struct { const char *path, *val; } knobs[] = {
		/* GFP_KERNEL allocations too, not only atomic ones. */
		{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
		/* A stack dump per fault would flood the log. */
		{ "/sys/kernel/debug/failslab/verbose", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
		{ "/sys/kernel/debug/fail_usercopy/verbose", "0" },
	};
	struct ctx *c = &s->c;
	const char *bdf;
	unsigned int i;

	vfio_util_dev_init(&c->d);
	c->efd = -1;
	c->nth = -1;
	c->path = path;
	c->iommu_type = iommu_type;

	/* Each knob is there when the kernel has the fault type. */
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		ASSERT_EQ(0, vfio_util_write_file(knobs[i].path, knobs[i].val));
	{
		static const char *const attrs[] = {
			"failslab", "fail_page_alloc", "fail_usercopy",
		};
		unsigned long long start = 0, end = 0;
		char path[128], val[32];

		/* Code not ours that breaks under injection (see the top). */
		ASSERT_EQ(0, reject_range(&start, &end));
		for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
			snprintf(path, sizeof(path),
				 "/sys/kernel/debug/%s/reject-start", attrs[i]);
			snprintf(val, sizeof(val), "%llu", start);
			ASSERT_EQ(0, vfio_util_write_file(path, val));
			snprintf(path, sizeof(path),
				 "/sys/kernel/debug/%s/reject-end", attrs[i]);
			snprintf(val, sizeof(val), "%llu", end);
			ASSERT_EQ(0, vfio_util_write_file(path, val));
		}
	}

	/* Bound to vfio-pci; the group, and the cdev for that path. */
	ASSERT_EQ(0, vfio_util_modprobe(VFIO_UTIL_ARCH_IOMMU_MODULE));
	ASSERT_EQ(0, vfio_util_modprobe("vfio-pci"));
	bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);
	ASSERT_NE(NULL, bdf);
	snprintf(c->bdf, sizeof(c->bdf), "%s", bdf);
	ASSERT_EQ(0, vfio_util_bind(c->bdf, "vfio-pci"));
	c->d.group_id = vfio_util_group_id(c->bdf);
	ASSERT_LE(0, c->d.group_id);
	if (path == CDEV_PATH)
		ASSERT_EQ(0, vfio_util_cdev_path(c->bdf, c->cdev,
						 sizeof(c->cdev)));

	c->buf = t1_anon(BUF_SIZE);
	ASSERT_NE(NULL, c->buf);
	c->efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, c->efd);
	c->nth = open(FAIL_NTH, O_RDWR);
	ASSERT_LE(0, c->nth);
	s->pins = t1_pins_held();
	s->vmlck = t1_vmlck_kb();
}

static void fstate_teardown(struct fstate *s)
{
	struct ctx *c = &s->c;

	unmap_all(c);
	undo_bar_mmap(c);
	stage_goto(c, NOTHING);
	if (c->nth >= 0)
		close(c->nth);
	if (c->efd >= 0)
		close(c->efd);
	if (c->buf)
		munmap(c->buf, BUF_SIZE);
}

static void run_op(struct __test_metadata *_metadata, struct fstate *self,
		   const char *name, const struct op *op)
{
	struct ctx *c = &self->c;
	bool injected;
	unsigned int n;
	int ret;

	/* Each pass (FAULT_PASSES) is counted and checked on its own. */
	self->faults = 0;
	self->errors = 0;
	for (n = 1; n < MAX_FAULTS; n++) {
		ASSERT_EQ(0, stage_goto(c, op->needs));
		if (op->prep)
			ASSERT_EQ(0, op->prep(c));

		ASSERT_EQ(0, nth_arm(c, n));
		ret = op->act(c);
		injected = nth_disarm(c);

		if (!injected) {
			/* Every fault point passed: the call must work. */
			ASSERT_EQ(0, ret) TH_LOG("%s without a fault", name);
			if (op->undo)
				op->undo(c);
			break;
		}
		self->faults++;
		if (ret) {
			self->errors++;
			ASSERT_GT(0, ret);
			/* Still usable: the same call works now. */
			ASSERT_EQ(0, stage_goto(c, op->needs));
			ASSERT_EQ(0, op->retry ? op->retry(c) : op->act(c))
				TH_LOG("%s after fault %u failed it with %d",
				       name, n, ret);
		}
		if (op->undo)
			op->undo(c);
	}
	ASSERT_GT(MAX_FAULTS, n);

	undo_bar_mmap(c);
	unmap_all(c);
	stage_goto(c, NOTHING);
	EXPECT_EQ(self->pins, t1_pins_settled(self->pins, 2000));
	EXPECT_EQ(self->vmlck, t1_vmlck_kb());
	/* Each call allocates or copies something: faults were injected. */
	if (!op->no_fault_points)
		EXPECT_LT(0, self->faults);
	TH_LOG("%s: %u fault points, %u failed the call", name, self->faults,
	       self->errors);
}

/*
 * Closing the device file reaches fault points on x86_64 (the ACPI power
 * state and reset paths of the PCI core); on pseries it neither allocates
 * nor copies.
 */
#if defined(__powerpc64__)
#define CLOSE_NO_FAULT_POINTS	true
#else
#define CLOSE_NO_FAULT_POINTS	false
#endif

/*
 * One operation of fixture @_fix.  Up to a few hundred faulted runs, each
 * a syscall or a few under TCG on a shared host: more than the harness's
 * default 30 s.  FAULT_PASSES (make stress) sweeps each call again: the
 * later passes meet the objects and caches the earlier ones left behind.
 */
#define FAULT_TIMEOUT	300
#define FAULT_TEST_F(_fix, _name, ...)					\
	TEST_F_TIMEOUT(_fix, _name, FAULT_TIMEOUT)			\
	{								\
		static const struct op op = { __VA_ARGS__ };		\
		unsigned long pass;					\
									\
		for (pass = 0; pass < vfio_env_ulong("FAULT_PASSES", 1);	\
		     pass++)						\
			run_op(_metadata, &self->s, #_name, &op);	\
	}
#define FAULT_TEST(_name, ...)	FAULT_TEST_F(fault, _name, __VA_ARGS__)

/* The device file's calls, for the device of fixture @f (any path). */
#define DEVICE_FAULT_TESTS(f)						\
FAULT_TEST_F(f, device_get_info, .needs = DEVICE, .act = act_device_info) \
FAULT_TEST_F(f, region_infos, .needs = DEVICE, .act = act_region_infos)	\
FAULT_TEST_F(f, irq_info, .needs = DEVICE, .act = act_irq_info)		\
FAULT_TEST_F(f, msi_enable, .needs = DEVICE, .act = act_msi_enable,	\
	     .undo = undo_msi)						\
FAULT_TEST_F(f, msi_disable, .needs = DEVICE, .prep = act_msi_enable,	\
	     .act = act_msi_disable)					\
FAULT_TEST_F(f, intx_enable, .needs = DEVICE, .act = act_intx_enable,	\
	     .undo = undo_intx)						\
FAULT_TEST_F(f, config_read_write, .needs = DEVICE, .act = act_config_rw) \
FAULT_TEST_F(f, bar_read, .needs = DEVICE, .prep = prep_memory_on,	\
	     .act = act_bar_read)					\
FAULT_TEST_F(f, bar_mmap, .needs = DEVICE, .prep = prep_memory_on,	\
	     .act = act_bar_mmap, .undo = undo_bar_mmap)		\
FAULT_TEST_F(f, ioeventfd, .needs = DEVICE, .act = act_ioeventfd,	\
	     .undo = undo_ioeventfd)					\
FAULT_TEST_F(f, close_device, .no_fault_points = CLOSE_NO_FAULT_POINTS,	\
	     .needs = DEVICE, .act = act_close_device)

/* The group path with the architecture's v2 backend. */
FIXTURE(fault) {
	struct fstate s;
};

FIXTURE_SETUP(fault)
{
	fstate_setup(_metadata, &self->s, GROUP_PATH, VFIO_UTIL_ARCH_IOMMU);
}

FIXTURE_TEARDOWN(fault)
{
	fstate_teardown(&self->s);
}

/* The container and group files. */
FAULT_TEST(open_container, .needs = NOTHING, .act = stage_up)
FAULT_TEST(check_extension, .no_fault_points = true, .needs = CONTAINER,
	   .act = act_check_extension)
FAULT_TEST(open_group, .needs = CONTAINER, .act = stage_up)
FAULT_TEST(group_get_status, .needs = GROUP, .act = act_group_status)
FAULT_TEST(group_set_container, .no_fault_points = true, .needs = GROUP,
	   .act = stage_up)
FAULT_TEST(set_iommu, .needs = ATTACHED, .act = stage_up)
FAULT_TEST(get_device_fd, .needs = BACKEND, .act = stage_up)

#if VFIO_UTIL_ARCH_HAS_TYPE1
/* type1 */
FAULT_TEST(iommu_get_info, .needs = BACKEND, .act = act_iommu_info)
FAULT_TEST(map_dma, .needs = BACKEND, .act = act_map, .undo = undo_unmap_all)
FAULT_TEST(unmap_dma, .needs = BACKEND, .prep = prep_map, .act = act_unmap,
	   .retry = retry_unmap, .undo = undo_unmap_all)
FAULT_TEST(dirty_pages_start, .needs = BACKEND, .prep = prep_map,
	   .act = act_dirty_start, .undo = undo_dirty_stop)
#endif

#if VFIO_UTIL_ARCH_HAS_SPAPR
/* sPAPR TCE v2: preregistered memory and windows */
FAULT_TEST(spapr_get_info, .needs = BACKEND, .act = spapr_info)
FAULT_TEST(spapr_register_memory, .needs = BACKEND, .act = spapr_register,
	   .undo = undo_spapr_unregister)
FAULT_TEST(spapr_unregister_memory, .needs = BACKEND, .prep = spapr_register,
	   .act = spapr_unregister)
FAULT_TEST(spapr_create_window, .needs = BACKEND, .act = spapr_create,
	   .undo = undo_spapr_remove)
FAULT_TEST(spapr_remove_window, .needs = BACKEND, .prep = spapr_create,
	   .act = spapr_remove)
FAULT_TEST(spapr_map_default_window, .needs = BACKEND,
	   .prep = spapr_register, .act = spapr_map,
	   .undo = undo_spapr_unmap_unreg)
FAULT_TEST(spapr_map_new_window, .needs = BACKEND,
	   .prep = prep_spapr_win_reg, .act = spapr_map_win,
	   .undo = undo_spapr_win)
FAULT_TEST(spapr_unmap, .needs = BACKEND, .prep = prep_spapr_reg_map,
	   .act = spapr_unmap, .undo = undo_spapr_unregister)
FAULT_TEST(spapr_eeh_pe_op, .needs = DEVICE, .act = spapr_eeh)

/* sPAPR TCE v1: ENABLE/DISABLE and maps of unregistered memory. */
FIXTURE(fault_v1) {
	struct fstate s;
};

FIXTURE_SETUP(fault_v1)
{
	fstate_setup(_metadata, &self->s, GROUP_PATH, VFIO_SPAPR_TCE_IOMMU);
}

FIXTURE_TEARDOWN(fault_v1)
{
	fstate_teardown(&self->s);
}

FAULT_TEST_F(fault_v1, set_iommu, .needs = ATTACHED, .act = stage_up)
FAULT_TEST_F(fault_v1, spapr_get_info, .needs = BACKEND, .act = spapr_info)
/* ENABLE and DISABLE only charge and uncharge locked_vm. */
FAULT_TEST_F(fault_v1, enable, .no_fault_points = true, .needs = BACKEND,
	     .act = spapr_enable, .undo = undo_spapr_disable)
FAULT_TEST_F(fault_v1, disable, .no_fault_points = true, .needs = BACKEND,
	     .prep = spapr_enable, .act = spapr_disable)
FAULT_TEST_F(fault_v1, map_dma, .needs = BACKEND, .prep = spapr_enable,
	     .act = spapr_map, .undo = undo_spapr_unmap_disable)
FAULT_TEST_F(fault_v1, unmap_dma, .needs = BACKEND,
	     .prep = prep_spapr_enable_map, .act = spapr_unmap,
	     .undo = undo_spapr_disable)
#endif

/* The device file */
DEVICE_FAULT_TESTS(fault)

#if defined(__x86_64__)
/* The device cdev bound to an iommufd (x86_64: VT-d, CONFIG_VFIO_DEVICE_CDEV). */
FIXTURE(fault_cdev) {
	struct fstate s;
};

FIXTURE_SETUP(fault_cdev)
{
	fstate_setup(_metadata, &self->s, CDEV_PATH, 0);
}

FIXTURE_TEARDOWN(fault_cdev)
{
	fstate_teardown(&self->s);
}

FAULT_TEST_F(fault_cdev, open_cdev, .needs = GROUP, .act = stage_up)
FAULT_TEST_F(fault_cdev, bind_iommufd, .needs = ATTACHED, .act = stage_up)
FAULT_TEST_F(fault_cdev, attach_ioas, .needs = BACKEND, .act = stage_up)
FAULT_TEST_F(fault_cdev, attach_replace, .needs = DEVICE,
	     .prep = prep_second_ioas, .act = act_attach_replace,
	     .undo = undo_attach_replace)
FAULT_TEST_F(fault_cdev, detach_ioas, .needs = DEVICE, .act = act_detach_pt)
FAULT_TEST_F(fault_cdev, ioas_map_attached, .needs = DEVICE,
	     .act = act_ioas_map, .retry = retry_ioas_map,
	     .undo = undo_ioas_unmap)
DEVICE_FAULT_TESTS(fault_cdev)
#endif

VFIO_HARNESS_MAIN
