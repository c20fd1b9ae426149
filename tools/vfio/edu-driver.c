// SPDX-License-Identifier: GPL-2.0
/*
 * edu-driver: the smallest complete userspace driver on the VFIO uAPI.
 *
 * It drives QEMU's "edu" teaching device (QEMU docs/specs/edu.rst): opens
 * the container and the device's group, selects the type1 IOMMU, maps a
 * buffer for DMA, runs the DMA engine both ways, and takes an MSI through
 * an eventfd.  Every step prints what it did.
 *
 *   edu-driver [BDF]     (default: the first 1234:11e8 function)
 *
 * The device must be bound to vfio-pci first, for example:
 *   echo vfio-pci > /sys/bus/pci/devices/BDF/driver_override
 *   echo BDF > /sys/bus/pci/drivers_probe
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#define EDU_ID		0x00
#define EDU_FACTORIAL	0x08
#define EDU_STATUS	0x20
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_BUF		0x40000
#define DMA_START	1
#define DMA_TO_RAM	2

#define IOVA		0x100000	/* below edu's default 28-bit DMA mask */
#define LEN		1024

static void die(const char *what)
{
	fprintf(stderr, "edu-driver: %s: %s\n", what, strerror(errno));
	exit(1);
}

static const char *find_edu(void)
{
	static char bdf[300];
	char path[600], id[16];
	struct dirent *e;
	DIR *d = opendir("/sys/bus/pci/devices");
	FILE *f;

	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* The lowest address wins, so runs are repeatable. */
		if (fgets(id, sizeof(id), f) && !strncmp(id, "0x11e8", 6) &&
		    (!bdf[0] || strcmp(e->d_name, bdf) < 0))
			snprintf(bdf, sizeof(bdf), "%s", e->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return bdf[0] ? bdf : NULL;
}

static int group_of(const char *bdf)
{
	char path[400], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die("iommu_group");
	link[n] = 0;
	return atoi(strrchr(link, '/') + 1);
}

/* BAR0 through mmap: the fast path a real driver uses. */
static volatile uint8_t *bar;

static uint32_t rd32(unsigned int off) { return *(volatile uint32_t *)(bar + off); }
static void wr32(unsigned int off, uint32_t v) { *(volatile uint32_t *)(bar + off) = v; }
static uint64_t rd64(unsigned int off) { return *(volatile uint64_t *)(bar + off); }
static void wr64(unsigned int off, uint64_t v) { *(volatile uint64_t *)(bar + off) = v; }

static int dma(uint64_t src, uint64_t dst, int to_ram)
{
	int i;

	wr64(EDU_DMA_SRC, src);
	wr64(EDU_DMA_DST, dst);
	wr64(EDU_DMA_COUNT, LEN);
	wr64(EDU_DMA_CMD, DMA_START | (to_ram ? DMA_TO_RAM : 0));
	for (i = 0; i < 1000 && (rd64(EDU_DMA_CMD) & DMA_START); i++)
		usleep(1000);
	return rd64(EDU_DMA_CMD) & DMA_START ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_region_info bar0 = { .argsz = sizeof(bar0) };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	struct { struct vfio_irq_set set; int32_t fd; } irq;
	int container, group, device, efd, i, errors = 0;
	const char *bdf = argc > 1 ? argv[1] : find_edu();
	char path[64];
	uint8_t *mem;
	uint64_t count;
	struct pollfd pfd;

	if (!bdf) {
		fprintf(stderr, "edu-driver: no edu device found\n");
		return 1;
	}

	/* 1. Container and group: the IOMMU context and the isolation unit. */
	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("open /dev/vfio/vfio");
	printf("container: API version %d, type1v2 %s\n",
	       ioctl(container, VFIO_GET_API_VERSION),
	       ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0 ?
	       "supported" : "missing");
	snprintf(path, sizeof(path), "/dev/vfio/%d", group_of(bdf));
	group = open(path, O_RDWR);
	if (group < 0)
		die(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "edu-driver: group %s not viable\n", path);
		return 1;
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
	printf("group %s: viable, attached to the container (type1v2)\n", path);

	/* 2. The device and its BAR0. */
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	bar0.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &bar0))
		die("GET_REGION_INFO");
	bar = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED, device,
		   bar0.offset);
	if (bar == MAP_FAILED)
		die("mmap BAR0");
	printf("device %s: BAR0 %llu KiB mapped, ID register 0x%08x\n", bdf,
	       (unsigned long long)bar0.size >> 10, rd32(EDU_ID));
	wr32(EDU_FACTORIAL, 10);
	for (i = 0; i < 1000 && (rd32(EDU_STATUS) & 1); i++)
		usleep(1000);
	printf("factorial(10) computed by the device: %u\n", rd32(EDU_FACTORIAL));

	/* 3. Bus mastering on, through the virtualized config space. */
	{
		uint16_t cmd;
		struct vfio_region_info cfg = { .argsz = sizeof(cfg),
			.index = VFIO_PCI_CONFIG_REGION_INDEX };

		if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &cfg) ||
		    pread(device, &cmd, 2, cfg.offset + 4) != 2)
			die("config read");
		cmd |= 0x4;
		if (pwrite(device, &cmd, 2, cfg.offset + 4) != 2)
			die("config write");
	}

	/* 4. Memory for DMA, mapped at an IOVA of our choice. */
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	for (i = 0; i < LEN; i++)
		mem[i] = (uint8_t)(i * 7 + 3);
	map.vaddr = (uintptr_t)mem;
	map.iova = IOVA;
	map.size = 4096;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		die("VFIO_IOMMU_MAP_DMA");
	printf("mapped 4 KiB at IOVA 0x%x\n", IOVA);

	/* 5. DMA RAM -> device, clear RAM, DMA device -> RAM, compare. */
	if (dma(IOVA, EDU_BUF, 0))
		errors++;
	memset(mem, 0, LEN);
	if (dma(EDU_BUF, IOVA, 1))
		errors++;
	for (i = 0; i < LEN; i++)
		if (mem[i] != (uint8_t)(i * 7 + 3))
			errors++;
	printf("DMA %d bytes to the device and back: %s\n", LEN,
	       errors ? "MISMATCH" : "identical");

	/* 6. MSI: one vector, signalled on an eventfd. */
	efd = eventfd(0, 0);
	irq.set.argsz = sizeof(irq);
	irq.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	irq.set.index = VFIO_PCI_MSI_IRQ_INDEX;
	irq.set.start = 0;
	irq.set.count = 1;
	irq.fd = efd;
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, &irq))
		die("VFIO_DEVICE_SET_IRQS");
	wr32(EDU_IRQ_RAISE, 0x1234);
	pfd.fd = efd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1 || read(efd, &count, 8) != 8) {
		printf("MSI: no interrupt within 5 s\n");
		errors++;
	} else {
		printf("MSI: interrupt received (status 0x%x)\n", rd32(EDU_IRQ_STATUS));
	}
	wr32(EDU_IRQ_ACK, rd32(EDU_IRQ_STATUS));

	/* 7. Teardown: interrupts off, unmap, close. */
	irq.set.argsz = sizeof(irq.set);
	irq.set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	irq.set.count = 0;
	ioctl(device, VFIO_DEVICE_SET_IRQS, &irq.set);
	unmap.iova = IOVA;
	unmap.size = 4096;
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) || unmap.size != 4096)
		errors++;
	printf("unmapped %llu bytes\n", (unsigned long long)unmap.size);
	munmap((void *)bar, bar0.size);
	close(device);
	close(group);
	close(container);
	printf("edu-driver: %s\n", errors ? "FAILED" : "all steps succeeded");
	return errors ? 1 : 0;
}
