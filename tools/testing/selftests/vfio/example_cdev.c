// SPDX-License-Identifier: GPL-2.0
/*
 * The cdev/iommufd flow of Documentation/driver-api/vfio/userspace.rst: a
 * complete user of QEMU's edu device through its device node
 * /dev/vfio/devices/vfioN and an iommufd.  The page includes the parts
 * between the "doc:NAME {" and "doc:NAME }" markers, so what the reader
 * sees is what this test compiles and runs.
 *
 * The example part uses only libc and the uAPI headers.  The test at the
 * end finds the edu function, binds it to vfio-pci and checks that the
 * example's DMA moved the bytes it should have.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

/* doc:open { */
/*
 * Open the device node of a PCI function bound to a VFIO driver: sysfs
 * lists it as vfio-dev/vfioN under the function.  Returns the fd.
 */
static int example_open_cdev(const char *bdf)
{
	char path[300];
	struct dirent *e;
	int fd = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (strncmp(e->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", e->d_name);
		fd = open(path, O_RDWR);
		if (fd < 0)
			fd = -errno;
		break;
	}
	closedir(dir);
	return fd;
}

/*
 * Bind the device to @iommufd and attach it to a new IOAS (an I/O
 * address space).  Until the bind succeeds, the device file refuses
 * everything else.  Returns the IOAS id.
 */
static int example_bind_and_attach(int device, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};

	if (ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind) ||
	    ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return -errno;
	attach.pt_id = alloc.out_ioas_id;
	if (ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return -errno;
	return alloc.out_ioas_id;
}

/* doc:open } */

/* doc:map { */
/* Let the devices attached to @ioas reach @size bytes at @buf as @iova. */
static int example_ioas_map(int iommufd, uint32_t ioas, void *buf,
			    uint64_t iova, uint64_t size)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = size,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &map) ? -errno : 0;
}

static int example_ioas_unmap(int iommufd, uint32_t ioas, uint64_t iova,
			      uint64_t size)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = ioas,
		.iova = iova,
		.length = size,
	};

	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap))
		return -errno;
	return unmap.length == size ? 0 : -EIO;
}

/* doc:map } */

/* doc:regs { */
/* QEMU's edu device: registers in BAR 0 and a 4 KiB DMA buffer. */
#define EDU_ID			0x00
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_CMD_START		0x1
#define EDU_CMD_TO_RAM		0x2
#define EDU_BUFFER		0x40000

/* The file offset of region @index, or 0 with errno set. */
static uint64_t example_region_offset(int device, unsigned int index)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = index,
	};

	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &info))
		return 0;
	return info.offset;
}

/* A 32-bit register of BAR 0, through read(2)/write(2) on the file. */
static uint32_t example_rd(int device, uint64_t bar0, uint32_t reg)
{
	uint32_t v = ~0u;

	if (pread(device, &v, 4, bar0 + reg) != 4)
		return ~0u;
	return v;
}

static void example_wr(int device, uint64_t bar0, uint32_t reg, uint32_t v)
{
	if (pwrite(device, &v, 4, bar0 + reg) != 4)
		fprintf(stderr, "write of BAR 0 at %#x failed\n", reg);
}

/* Copy @len bytes between IOVA @iova and edu's buffer (IOVA < 4 GiB). */
static int example_dma(int device, uint64_t bar0, uint32_t iova,
		       uint32_t len, int to_ram)
{
	int i;

	example_wr(device, bar0, EDU_DMA_SRC, to_ram ? EDU_BUFFER : iova);
	example_wr(device, bar0, EDU_DMA_DST, to_ram ? iova : EDU_BUFFER);
	example_wr(device, bar0, EDU_DMA_COUNT, len);
	example_wr(device, bar0, EDU_DMA_CMD,
		   EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	for (i = 0; i < 500; i++) {
		if (!(example_rd(device, bar0, EDU_DMA_CMD) & EDU_CMD_START))
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* doc:regs } */

/* doc:msi { */
/*
 * Give MSI vector 0 an eventfd, raise it from the device and wait for
 * it; then turn MSI off again.  Edge triggered: nothing to unmask.
 */
static int example_msi(int device, uint64_t bar0)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	struct pollfd pfd = { .events = POLLIN };
	uint64_t count = 0;
	int ret = 0;

	pfd.fd = eventfd(0, 0);
	if (pfd.fd < 0)
		return -errno;
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &pfd.fd, sizeof(int32_t));
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, set)) {
		ret = -errno;
		goto out;
	}
	example_wr(device, bar0, EDU_IRQ_RAISE, 1);
	if (poll(&pfd, 1, 2000) != 1 ||
	    read(pfd.fd, &count, sizeof(count)) != sizeof(count))
		ret = -ETIMEDOUT;
	example_wr(device, bar0, EDU_IRQ_ACK,
		   example_rd(device, bar0, EDU_IRQ_STATUS));

	set->argsz = sizeof(*set);
	set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->count = 0;
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, set) && !ret)
		ret = -errno;
out:
	close(pfd.fd);
	return ret ? ret : (count == 1 ? 0 : -EIO);
}

/* doc:msi } */

/* doc:power { */
/*
 * Reset the device when it can be reset alone, then let the host put it
 * in a low power state and take it out again.  A feature with no data
 * is just the header.
 */
static int example_feature(int device, uint32_t feature)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET | feature,
	};

	return ioctl(device, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

static int example_reset_and_power(int device, uint64_t bar0)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int ret;

	if (ioctl(device, VFIO_DEVICE_GET_INFO, &info))
		return -errno;
	if ((info.flags & VFIO_DEVICE_FLAGS_RESET) &&
	    ioctl(device, VFIO_DEVICE_RESET))
		return -errno;

	ret = example_feature(device, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
	if (ret)
		return ret;
	/* read(2) and write(2) still work: they wake the device up. */
	if (example_rd(device, bar0, EDU_ID) != 0x010000ed)
		ret = -EIO;
	if (example_feature(device, VFIO_DEVICE_FEATURE_LOW_POWER_EXIT) &&
	    !ret)
		ret = -errno;
	return ret;
}

/* doc:power } */

/* doc:main { */
#define EXAMPLE_IOVA	0x100000
#define EXAMPLE_SIZE	0x10000

/*
 * The whole flow: copy @len bytes from the start of a buffer to its
 * second half through the device, with an interrupt, a reset and a
 * low power round trip on the way.
 */
static int example_cdev_flow(const char *bdf, uint32_t len)
{
	int iommufd, device, ioas, ret;
	uint64_t bar0, cfg;
	uint16_t cmd;
	uint8_t *buf;
	uint32_t i;

	buf = mmap(NULL, EXAMPLE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -ENOMEM;
	for (i = 0; i < len; i++)
		buf[i] = i * 5 + 1;

	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0) {
		ret = -errno;
		goto out_buf;
	}
	device = example_open_cdev(bdf);
	if (device < 0) {
		ret = device;
		goto out_iommufd;
	}
	ioas = example_bind_and_attach(device, iommufd);
	if (ioas < 0) {
		ret = ioas;
		goto out_device;
	}
	ret = example_ioas_map(iommufd, ioas, buf, EXAMPLE_IOVA, EXAMPLE_SIZE);
	if (ret)
		goto out_device;

	bar0 = example_region_offset(device, VFIO_PCI_BAR0_REGION_INDEX);
	cfg = example_region_offset(device, VFIO_PCI_CONFIG_REGION_INDEX);
	if (example_rd(device, bar0, EDU_ID) != 0x010000ed ||
	    pread(device, &cmd, 2, cfg + PCI_COMMAND) != 2) {
		ret = -ENODEV;
		goto out_unmap;
	}
	/* DMA and MSI are memory writes of the device: a bus master. */
	cmd |= PCI_COMMAND_MASTER;
	if (pwrite(device, &cmd, 2, cfg + PCI_COMMAND) != 2) {
		ret = -EIO;
		goto out_unmap;
	}

	ret = example_dma(device, bar0, EXAMPLE_IOVA, len, 0);
	if (!ret)
		ret = example_dma(device, bar0, EXAMPLE_IOVA + EXAMPLE_SIZE / 2,
				  len, 1);
	if (!ret && memcmp(buf, buf + EXAMPLE_SIZE / 2, len))
		ret = -EIO;
	if (!ret)
		ret = example_msi(device, bar0);
	if (!ret)
		ret = example_reset_and_power(device, bar0);

out_unmap:
	if (example_ioas_unmap(iommufd, ioas, EXAMPLE_IOVA, EXAMPLE_SIZE) &&
	    !ret)
		ret = -EIO;
out_device:
	/* Closing the file detaches and unbinds the device. */
	close(device);
out_iommufd:
	close(iommufd);
out_buf:
	munmap(buf, EXAMPLE_SIZE);
	return ret;
}

/* doc:main } */

/* The test: the example on the VM's edu function, bound to vfio-pci. */
FIXTURE(edu) {
	const char *bdf;
};

FIXTURE_SETUP(edu)
{
	self->bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);
	if (!self->bdf)
		SKIP(return, "no edu device");
	ASSERT_EQ(0, vfio_util_bind(self->bdf, "vfio-pci"));
}

FIXTURE_TEARDOWN(edu)
{
}

TEST_F(edu, cdev_flow_copies_through_the_device)
{
	ASSERT_EQ(0, example_cdev_flow(self->bdf, 2048));
	/* Again, a shorter copy: the first run gave everything back. */
	ASSERT_EQ(0, example_cdev_flow(self->bdf, 1000));
}

/* The example's checks report what the kernel refuses. */
TEST_F(edu, refusals_are_reported)
{
	int iommufd, device, ioas;

	iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, iommufd);
	device = example_open_cdev(self->bdf);
	ASSERT_LE(0, device);
	/* Not bound yet: the file gives no access to the device. */
	EXPECT_EQ(0, example_region_offset(device, VFIO_PCI_BAR0_REGION_INDEX));
	ioas = example_bind_and_attach(device, iommufd);
	ASSERT_LE(0, ioas);
	/* Bound once per file. */
	EXPECT_EQ(-EINVAL, example_bind_and_attach(device, iommufd));
	/* Nothing mapped there. */
	EXPECT_EQ(-ENOENT, example_ioas_unmap(iommufd, ioas, EXAMPLE_IOVA,
					      EXAMPLE_SIZE));
	close(device);
	close(iommufd);
}

TEST_HARNESS_MAIN
