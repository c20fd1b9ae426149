// SPDX-License-Identifier: GPL-2.0
/*
 * The group/container flow of Documentation/driver-api/vfio/userspace.rst:
 * a complete user of QEMU's edu device through a type1 container.  The
 * page includes the parts between the "doc:NAME {" and "doc:NAME }"
 * markers, so what the reader sees is what this test compiles and runs.
 *
 * The example part uses only libc and the uAPI header.  The test at the
 * end finds the edu function, binds it to vfio-pci and checks that the
 * example's DMA moved the bytes it should have.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

/* doc:container { */
/* A container with the type1 IOMMU backend, or -errno. */
static int example_open_container(void)
{
	int container = open("/dev/vfio/vfio", O_RDWR);

	if (container < 0)
		return -errno;
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1) {
		close(container);
		return -EINVAL;
	}
	return container;
}

/* doc:container } */

/* doc:group { */
/* The IOMMU group number of a PCI function ("0000:00:03.0"), or -errno. */
static int example_group_number(const char *bdf)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t len;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0)
		return -errno;
	target[len] = '\0';
	return atoi(basename(target));
}

/*
 * Open the group of @bdf and put it in @container; the first group in a
 * container lets the container choose its backend.  Returns the group fd.
 */
static int example_open_group(int container, const char *bdf)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int nr, group;

	nr = example_group_number(bdf);
	if (nr < 0)
		return nr;
	snprintf(path, sizeof(path), "/dev/vfio/%d", nr);
	group = open(path, O_RDWR);
	if (group < 0)
		return -errno;

	/* Viable: every device of the group is bound to VFIO (or to none). */
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE) ||
	    ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		int err = errno ? -errno : -EBUSY;

		close(group);
		return err;
	}
	return group;
}

/* doc:group } */

/* doc:map { */
/* Let the devices of @container reach @size bytes at @buf as @iova. */
static int example_map(int container, void *buf, uint64_t iova,
		       uint64_t size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = size,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

static int example_unmap(int container, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	/* The kernel reports how much it unmapped. */
	return unmap.size == size ? 0 : -EIO;
}

/* doc:map } */

/* doc:regions { */
/*
 * Where region @index of the device sits in the device file (its
 * @offset), how large it is and what it allows (@flags).
 */
static int example_region(int device, unsigned int index,
			  struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info) ? -errno : 0;
}

/* Set bits of the function's command register, through config space. */
static int example_set_command(int device, uint16_t bits)
{
	struct vfio_region_info cfg;
	uint16_t cmd;
	int ret;

	ret = example_region(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (ret)
		return ret;
	if (pread(device, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		return -EIO;
	cmd |= bits;
	if (pwrite(device, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		return -EIO;
	return 0;
}

/* Map BAR 0 of the device, if the driver allows it. */
static volatile uint32_t *example_map_bar0(int device, size_t *size)
{
	struct vfio_region_info bar;
	void *p;

	if (example_region(device, VFIO_PCI_BAR0_REGION_INDEX, &bar) ||
	    !(bar.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return NULL;
	p = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, device,
		 bar.offset);
	if (p == MAP_FAILED)
		return NULL;
	*size = bar.size;
	return p;
}

/* doc:regions } */

/* doc:edu { */
/* QEMU's edu device: a few registers in BAR 0 and a 4 KiB DMA buffer. */
#define EDU_ID			(0x00 / 4)
#define EDU_IRQ_STATUS		(0x24 / 4)
#define EDU_IRQ_RAISE		(0x60 / 4)
#define EDU_IRQ_ACK		(0x64 / 4)
#define EDU_DMA_SRC		(0x80 / 4)
#define EDU_DMA_DST		(0x88 / 4)
#define EDU_DMA_COUNT		(0x90 / 4)
#define EDU_DMA_CMD		(0x98 / 4)
#define EDU_CMD_START		0x1
#define EDU_CMD_TO_RAM		0x2
#define EDU_BUFFER		0x40000	/* the buffer, in the device's space */

/*
 * Copy @len bytes between IOVA @iova and the device's buffer, and wait
 * (up to 5 s) for the copy to finish.  A 32-bit write to one of edu's
 * 64-bit DMA registers sets the whole register, so IOVAs stay below
 * 4 GiB here.
 */
static int example_edu_dma(volatile uint32_t *bar, uint32_t iova,
			   uint32_t len, int to_ram)
{
	int i;

	bar[EDU_DMA_SRC] = to_ram ? EDU_BUFFER : iova;
	bar[EDU_DMA_DST] = to_ram ? iova : EDU_BUFFER;
	bar[EDU_DMA_COUNT] = len;
	bar[EDU_DMA_CMD] = EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0);
	for (i = 0; i < 500; i++) {
		if (!(bar[EDU_DMA_CMD] & EDU_CMD_START))
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* doc:edu } */

/* doc:intx { */
/*
 * Route INTx to an eventfd, raise it, and wait for it.  INTx is level
 * triggered: VFIO masks it when it fires, and the user unmasks it once
 * the device stopped asserting it.
 */
static int example_intx(int device, volatile uint32_t *bar)
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
	set->index = VFIO_PCI_INTX_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &pfd.fd, sizeof(int32_t));
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, set)) {
		ret = -errno;
		goto out;
	}

	bar[EDU_IRQ_RAISE] = 1;
	if (poll(&pfd, 1, 2000) != 1 ||
	    read(pfd.fd, &count, sizeof(count)) != sizeof(count)) {
		ret = -ETIMEDOUT;
	} else {
		bar[EDU_IRQ_ACK] = bar[EDU_IRQ_STATUS];
		set->argsz = sizeof(*set);
		set->flags = VFIO_IRQ_SET_DATA_NONE |
			     VFIO_IRQ_SET_ACTION_UNMASK;
		if (ioctl(device, VFIO_DEVICE_SET_IRQS, set))
			ret = -errno;
	}

	/* count 0 with DATA_NONE and TRIGGER: stop using the interrupt. */
	set->argsz = sizeof(*set);
	set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->count = 0;
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, set) && !ret)
		ret = -errno;
out:
	close(pfd.fd);
	return ret ? ret : (count == 1 ? 0 : -EIO);
}

/* doc:intx } */

/* doc:main { */
#define EXAMPLE_IOVA	0x100000
#define EXAMPLE_SIZE	0x10000

/*
 * The whole flow: copy @len bytes from the start of a buffer to its
 * second half through the device, then return it to the kernel.
 */
static int example_group_flow(const char *bdf, uint32_t len)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int container, group, device = -1, ret;
	volatile uint32_t *bar = NULL;
	size_t bar_size = 0;
	uint8_t *buf;
	uint32_t i;

	buf = mmap(NULL, EXAMPLE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -ENOMEM;
	for (i = 0; i < len; i++)
		buf[i] = i * 7 + 3;

	container = example_open_container();
	if (container < 0) {
		ret = container;
		goto out_buf;
	}
	group = example_open_group(container, bdf);
	if (group < 0) {
		ret = group;
		goto out_container;
	}
	ret = example_map(container, buf, EXAMPLE_IOVA, EXAMPLE_SIZE);
	if (ret)
		goto out_group;

	/* The group hands out a file per device, by name. */
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0 || ioctl(device, VFIO_DEVICE_GET_INFO, &info)) {
		ret = -errno;
		goto out_device;
	}
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI)) {
		ret = -ENODEV;
		goto out_device;
	}
	bar = example_map_bar0(device, &bar_size);
	if (!bar || bar[EDU_ID] != 0x010000ed) {
		ret = -ENODEV;
		goto out_device;
	}

	/* DMA is a memory write of the device: make it a bus master. */
	ret = example_set_command(device, PCI_COMMAND_MASTER);
	if (!ret)
		ret = example_edu_dma(bar, EXAMPLE_IOVA, len, 0);
	if (!ret)
		ret = example_edu_dma(bar, EXAMPLE_IOVA + EXAMPLE_SIZE / 2, len,
				      1);
	if (!ret && memcmp(buf, buf + EXAMPLE_SIZE / 2, len))
		ret = -EIO;
	if (!ret)
		ret = example_intx(device, bar);

out_device:
	if (bar)
		munmap((void *)bar, bar_size);
	if (device >= 0)
		close(device);
	if (example_unmap(container, EXAMPLE_IOVA, EXAMPLE_SIZE) && !ret)
		ret = -EIO;
out_group:
	close(group);
out_container:
	close(container);
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
	ASSERT_EQ(0, vfio_util_modprobe("vfio_iommu_type1"));
}

FIXTURE_TEARDOWN(edu)
{
}

TEST_F(edu, group_flow_copies_through_the_device)
{
	ASSERT_EQ(0, example_group_flow(self->bdf, 2048));
	/* Again, a shorter copy: the first run gave everything back. */
	ASSERT_EQ(0, example_group_flow(self->bdf, 1000));
}

/* The example's checks report what the kernel refuses. */
TEST_F(edu, refusals_are_reported)
{
	int container, group;

	container = example_open_container();
	ASSERT_LE(0, container);
	group = example_open_group(container, self->bdf);
	ASSERT_LE(0, group);
	/* The group file is open already. */
	EXPECT_EQ(-EBUSY, example_open_group(container, self->bdf));
	/* Nothing mapped there: the kernel unmaps 0 bytes. */
	EXPECT_EQ(-EIO, example_unmap(container, EXAMPLE_IOVA, EXAMPLE_SIZE));
	close(group);
	close(container);
}

TEST_HARNESS_MAIN
