// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the VFIO selftests; see vfio_util.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>

#include "vfio_util.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

int vfio_util_read_file(const char *path, char *buf, size_t size)
{
	int fd, n;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

int vfio_util_write_file(const char *path, const char *val)
{
	int fd, n;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

long vfio_util_read_long(const char *path)
{
	char buf[64];
	int n = vfio_util_read_file(path, buf, sizeof(buf));

	return n < 0 ? n : strtol(buf, NULL, 0);
}

static unsigned int read_id(const char *bdf, const char *attr)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	return (unsigned int)vfio_util_read_long(path);
}

const char *vfio_util_find_pci_nth(unsigned int vendor, unsigned int device,
				   int nth)
{
	static char found[300];
	struct dirent **names;
	int i, n;

	found[0] = '\0';
	n = scandir(PCI_DEVICES, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *bdf = names[i]->d_name;

		if (bdf[0] != '.' && !found[0] &&
		    read_id(bdf, "vendor") == vendor &&
		    read_id(bdf, "device") == device && nth-- == 0)
			snprintf(found, sizeof(found), "%s", bdf);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return found[0] ? found : NULL;
}

const char *vfio_util_find_pci(unsigned int vendor, unsigned int device)
{
	return vfio_util_find_pci_nth(vendor, device, 0);
}

#define BUS_DEVICE "/sys/bus/%s/devices/%s"

const char *vfio_util_driver_on(const char *bus, const char *dev)
{
	static char name[64];
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), BUS_DEVICE "/driver", bus, dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return "";
	link[n] = '\0';
	snprintf(name, sizeof(name), "%s", strrchr(link, '/') + 1);
	return name;
}

const char *vfio_util_current_driver(const char *bdf)
{
	return vfio_util_driver_on("pci", bdf);
}

int vfio_util_sysfs_config(const char *bdf, unsigned int off, void *buf,
			   size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, off);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

unsigned int vfio_util_sysfs_cap(const char *bdf, unsigned int id)
{
	uint8_t pos = 0, hdr[2];
	int guard;

	if (vfio_util_sysfs_config(bdf, PCI_CAPABILITY_LIST, &pos, 1) != 1)
		return 0;
	for (guard = 0; pos >= 0x40 && guard < 48; guard++) {
		if (vfio_util_sysfs_config(bdf, pos & ~3, hdr, 2) != 2)
			return 0;
		if (hdr[0] == id)
			return pos & ~3;
		pos = hdr[1];
	}
	return 0;
}

int vfio_util_modprobe(const char *module)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "modprobe %s", module);
	return system(cmd);
}

int vfio_util_bind_on(const char *bus, const char *dev, const char *driver)
{
	char path[PATH_MAX];
	int ret;

	if (!strcmp(vfio_util_driver_on(bus, dev), driver))
		return 0;
	/* VFIO's bus drivers are modules that nothing else loads. */
	if (!strncmp(driver, "vfio-", 5))
		vfio_util_modprobe(driver);

	snprintf(path, sizeof(path), BUS_DEVICE "/driver/unbind", bus, dev);
	if (vfio_util_driver_on(bus, dev)[0]) {
		ret = vfio_util_write_file(path, dev);
		if (ret)
			return ret;
	}
	snprintf(path, sizeof(path), BUS_DEVICE "/driver_override", bus, dev);
	ret = vfio_util_write_file(path, driver[0] ? driver : "\n");
	if (ret)
		return ret;
	if (!driver[0])
		return 0;
	snprintf(path, sizeof(path), "/sys/bus/%s/drivers/%s/bind", bus,
		 driver);
	ret = vfio_util_write_file(path, dev);
	if (ret)
		return ret;
	return strcmp(vfio_util_driver_on(bus, dev), driver) ? -EIO : 0;
}

int vfio_util_bind(const char *bdf, const char *driver)
{
	return vfio_util_bind_on("pci", bdf, driver);
}

int vfio_util_group_id_on(const char *bus, const char *dev)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), BUS_DEVICE "/iommu_group", bus, dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	return atoi(strrchr(link, '/') + 1);
}

int vfio_util_group_id(const char *bdf)
{
	return vfio_util_group_id_on("pci", bdf);
}

static int ioctl_err(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* The last step of every open: the device's info, or all closed. */
static int device_info(struct vfio_util_dev *d)
{
	int ret;

	d->info.argsz = sizeof(d->info);
	ret = ioctl_err(d->device, VFIO_DEVICE_GET_INFO, &d->info);
	if (ret)
		vfio_util_close(d);
	return ret;
}

/*
 * The group path for @dev on @bus, already bound to a VFIO bus driver:
 * @container is /dev/vfio/vfio or, for the group with an iommufd as its
 * container, /dev/iommu; noiommu groups are /dev/vfio/noiommu-N.
 */
static int open_group(struct vfio_util_dev *d, const char *bus,
		      const char *dev, const char *container, int iommu_type);

int vfio_util_open_on(struct vfio_util_dev *d, const char *bus,
		      const char *dev, int iommu_type)
{
	return open_group(d, bus, dev, "/dev/vfio/vfio", iommu_type);
}

int vfio_util_open(struct vfio_util_dev *d, const char *bdf, int iommu_type)
{
	int ret;

	vfio_util_dev_init(d);
	ret = vfio_util_bind(bdf, "vfio-pci");
	return ret ? ret : open_group(d, "pci", bdf, "/dev/vfio/vfio",
				      iommu_type);
}

int vfio_util_cdev_path(const char *bdf, char *path, size_t size)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *dp;
	int ret = -ENOENT;

	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s/vfio-dev", bdf);
	dp = opendir(dir);
	if (!dp)
		return -errno;
	while ((e = readdir(dp))) {
		if (strncmp(e->d_name, "vfio", 4))
			continue;
		snprintf(path, size, "/dev/vfio/devices/%s", e->d_name);
		ret = 0;
		break;
	}
	closedir(dp);
	return ret;
}

int vfio_util_ioas_alloc(int iommufd)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return -errno;
	return alloc.out_ioas_id;
}

int vfio_util_cdev_bind(int device, int iommufd, uint32_t *devid)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	if (ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	if (devid)
		*devid = bind.out_devid;
	return 0;
}

int vfio_util_cdev_attach(int device, uint32_t *pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = *pt_id,
	};

	if (ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return -errno;
	*pt_id = attach.pt_id;
	return 0;
}

static int open_cdev(struct vfio_util_dev *d, const char *bdf)
{
	char path[PATH_MAX];
	uint32_t pt;
	int ret;

	vfio_util_dev_init(d);
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	ret = vfio_util_bind(bdf, "vfio-pci");
	if (ret)
		return ret;
	d->group_id = vfio_util_group_id(bdf);
	ret = vfio_util_cdev_path(bdf, path, sizeof(path));
	if (ret)
		return ret;

	d->device = open(path, O_RDWR);
	if (d->device < 0)
		goto fail;
	d->iommufd = open("/dev/iommu", O_RDWR);
	if (d->iommufd < 0)
		goto fail;
	ret = vfio_util_ioas_alloc(d->iommufd);
	if (ret < 0)
		goto fail_ret;
	d->ioas_id = ret;
	ret = vfio_util_cdev_bind(d->device, d->iommufd, &d->devid);
	if (ret)
		goto fail_ret;
	pt = d->ioas_id;
	ret = vfio_util_cdev_attach(d->device, &pt);
	if (ret)
		goto fail_ret;
	return device_info(d);

fail:
	ret = -errno;
fail_ret:
	vfio_util_close(d);
	return ret;
}

int vfio_util_open_mode(struct vfio_util_dev *d, const char *bdf,
			enum vfio_util_mode mode)
{
	int ret;

	if (mode == VFIO_UTIL_CDEV)
		return open_cdev(d, bdf);
	vfio_util_dev_init(d);
	ret = vfio_util_bind(bdf, "vfio-pci");
	if (ret)
		return ret;
	switch (mode) {
	case VFIO_UTIL_TYPE1:
		return open_group(d, "pci", bdf, "/dev/vfio/vfio",
				  VFIO_TYPE1_IOMMU);
	case VFIO_UTIL_TYPE1v2:
		return open_group(d, "pci", bdf, "/dev/vfio/vfio",
				  VFIO_TYPE1v2_IOMMU);
	case VFIO_UTIL_GROUP_IOMMUFD:
		return open_group(d, "pci", bdf, "/dev/iommu",
				  VFIO_TYPE1v2_IOMMU);
	default:
		return -EINVAL;
	}
}

static int open_group(struct vfio_util_dev *d, const char *bus,
		      const char *dev, const char *container, int iommu_type)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int ret;

	vfio_util_dev_init(d);
	snprintf(d->bdf, sizeof(d->bdf), "%s", dev);

	d->group_id = vfio_util_group_id_on(bus, dev);
	if (d->group_id < 0)
		return d->group_id;

	d->container = open(container, O_RDWR);
	if (d->container < 0)
		goto fail;
	snprintf(path, sizeof(path), "/dev/vfio/%s%d",
		 iommu_type == VFIO_NOIOMMU_IOMMU ? "noiommu-" : "",
		 d->group_id);
	d->group = open(path, O_RDWR);
	if (d->group < 0)
		goto fail;
	ret = ioctl_err(d->group, VFIO_GROUP_GET_STATUS, &status);
	if (ret)
		goto fail_ret;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ret = -EBUSY;
		goto fail_ret;
	}
	ret = ioctl_err(d->group, VFIO_GROUP_SET_CONTAINER, &d->container);
	if (ret)
		goto fail_ret;
	if (ioctl(d->container, VFIO_SET_IOMMU, iommu_type) < 0)
		goto fail;
	d->device = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, dev);
	if (d->device < 0)
		goto fail;
	return device_info(d);

fail:
	ret = -errno;
fail_ret:
	vfio_util_close(d);
	return ret;
}

void vfio_util_dev_init(struct vfio_util_dev *d)
{
	memset(d, 0, sizeof(*d));
	d->device = d->group = d->container = d->iommufd = -1;
}

void vfio_util_close(struct vfio_util_dev *d)
{
	if (d->device >= 0)
		close(d->device);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	if (d->iommufd >= 0)
		close(d->iommufd);
	d->device = d->group = d->container = d->iommufd = -1;
}

int vfio_util_region_info(struct vfio_util_dev *d, unsigned int index,
			  struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl_err(d->device, VFIO_DEVICE_GET_REGION_INFO, info);
}

/*
 * pread/pwrite at @off in region @index.  The region's file offset is
 * looked up once per device and kept, since tests poll registers in loops.
 */
static ssize_t region_io(struct vfio_util_dev *d, unsigned int index,
			 uint64_t off, void *buf, size_t len, bool write)
{
	struct vfio_region_info info;
	ssize_t n;
	int ret;

	if (index >= VFIO_UTIL_MAX_REGIONS)
		return -EINVAL;
	if (!d->region_known[index]) {
		ret = vfio_util_region_info(d, index, &info);
		if (ret)
			return ret;
		d->region_offset[index] = info.offset;
		d->region_known[index] = true;
	}
	off += d->region_offset[index];
	n = write ? pwrite(d->device, buf, len, off) :
		    pread(d->device, buf, len, off);
	return n < 0 ? -errno : n;
}

ssize_t vfio_util_region_read(struct vfio_util_dev *d, unsigned int index,
			      uint64_t off, void *buf, size_t len)
{
	return region_io(d, index, off, buf, len, false);
}

ssize_t vfio_util_region_write(struct vfio_util_dev *d, unsigned int index,
			       uint64_t off, const void *buf, size_t len)
{
	return region_io(d, index, off, (void *)buf, len, true);
}

uint32_t vfio_util_bar_read32(struct vfio_util_dev *d, int bar, uint64_t off)
{
	uint32_t v = ~0u;

	vfio_util_region_read(d, bar, off, &v, sizeof(v));
	return v;
}

void vfio_util_bar_write32(struct vfio_util_dev *d, int bar, uint64_t off,
			   uint32_t val)
{
	vfio_util_region_write(d, bar, off, &val, sizeof(val));
}

uint64_t vfio_util_bar_read64(struct vfio_util_dev *d, int bar, uint64_t off)
{
	uint64_t v = ~0ull;

	vfio_util_region_read(d, bar, off, &v, sizeof(v));
	return v;
}

void vfio_util_bar_write64(struct vfio_util_dev *d, int bar, uint64_t off,
			   uint64_t val)
{
	vfio_util_region_write(d, bar, off, &val, sizeof(val));
}

int vfio_util_map(struct vfio_util_dev *d, void *vaddr, uint64_t iova,
		  uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};
	struct iommu_ioas_map imap = {
		.size = sizeof(imap),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = d->ioas_id,
		.user_va = (uintptr_t)vaddr,
		.length = size,
		.iova = iova,
	};

	if (d->iommufd < 0)
		return ioctl_err(d->container, VFIO_IOMMU_MAP_DMA, &map);
	if (flags & VFIO_DMA_MAP_FLAG_READ)
		imap.flags |= IOMMU_IOAS_MAP_READABLE;
	if (flags & VFIO_DMA_MAP_FLAG_WRITE)
		imap.flags |= IOMMU_IOAS_MAP_WRITEABLE;
	return ioctl_err(d->iommufd, IOMMU_IOAS_MAP, &imap);
}

int vfio_util_unmap(struct vfio_util_dev *d, uint64_t iova, uint64_t size,
		    uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};
	struct iommu_ioas_unmap iunmap = {
		.size = sizeof(iunmap),
		.ioas_id = d->ioas_id,
		.iova = iova,
		.length = size,
	};
	int ret;

	if (d->iommufd >= 0) {
		ret = ioctl_err(d->iommufd, IOMMU_IOAS_UNMAP, &iunmap);
		if (unmapped)
			*unmapped = iunmap.length;
		return ret;
	}
	ret = ioctl_err(d->container, VFIO_IOMMU_UNMAP_DMA, &unmap);
	if (unmapped)
		*unmapped = unmap.size;
	return ret;
}

int vfio_util_set_irq_eventfds(struct vfio_util_dev *d, unsigned int index,
			       unsigned int start, unsigned int count,
			       const int *fds)
{
	size_t sz = sizeof(struct vfio_irq_set) + count * sizeof(int32_t);
	struct vfio_irq_set *set = calloc(1, sz);
	int ret;

	if (!set)
		return -ENOMEM;
	set->argsz = sz;
	set->flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		     (count ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	set->index = index;
	set->start = start;
	set->count = count;
	if (count)
		memcpy(set->data, fds, count * sizeof(int32_t));
	ret = ioctl_err(d->device, VFIO_DEVICE_SET_IRQS, set);
	free(set);
	return ret;
}

int vfio_util_set_irq_fd(struct vfio_util_dev *d, unsigned int index,
			 uint32_t flags, int fd)
{
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} req = {
		.set = {
			.argsz = sizeof(req),
			.flags = flags,
			.index = index,
			.count = 1,
		},
		.fd = fd,
	};

	return ioctl_err(d->device, VFIO_DEVICE_SET_IRQS, &req);
}

int vfio_util_irq_action(struct vfio_util_dev *d, unsigned int index,
			 unsigned int start, unsigned int count,
			 uint32_t action)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = action | VFIO_IRQ_SET_DATA_NONE,
		.index = index,
		.start = start,
		.count = count,
	};

	return ioctl_err(d->device, VFIO_DEVICE_SET_IRQS, &set);
}

uint64_t vfio_util_eventfd_wait(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v = 0;

	if (poll(&p, 1, ms) != 1)
		return 0;
	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

long vfio_util_vmstat(const char *name)
{
	char line[128];
	size_t len = strlen(name);
	long val = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) && line[len] == ' ') {
			val = atol(line + len + 1);
			break;
		}
	}
	fclose(f);
	return val;
}

int vfio_util_edu_dma(struct vfio_util_dev *d, uint64_t iova,
		      uint32_t buf_off, uint32_t len, bool to_ram)
{
	uint64_t edu = EDU_DMA_BUF + buf_off;
	int i;

	vfio_util_bar_write64(d, 0, EDU_REG_DMA_SRC, to_ram ? edu : iova);
	vfio_util_bar_write64(d, 0, EDU_REG_DMA_DST, to_ram ? iova : edu);
	vfio_util_bar_write64(d, 0, EDU_REG_DMA_COUNT, len);
	vfio_util_bar_write64(d, 0, EDU_REG_DMA_CMD,
			      EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0));
	/* edu runs the transfer from a 100 ms timer of the emulator. */
	for (i = 0; i < 500; i++) {
		if (!(vfio_util_bar_read64(d, 0, EDU_REG_DMA_CMD) &
		      EDU_DMA_START))
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}
