/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the type1_*.c selftests: a container with the edu device's
 * group behind the Type1 backend (v1 or v2), GET_INFO with its capability
 * chain, and the counters that show leaks (pins, locked_vm).
 */
#ifndef __SELFTESTS_VFIO_TYPE1_COMMON_H
#define __SELFTESTS_VFIO_TYPE1_COMMON_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "vfio_util.h"

#ifndef offsetofend
#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))
#endif

#define T1_SZ_4K	0x1000ULL
#define T1_SZ_2M	0x200000ULL
#define T1_SZ_1M	0x100000ULL

/* edu can only reach 28 bits by default: stay below 256 MiB. */
#define T1_IOVA		0x1000000ULL
/*
 * The IOVA window the platform keeps for MSI doorbells, which type1 must
 * leave out of the usable ranges: the x86 interrupt address range, and on
 * Arm the software MSI window the SMMU driver reserves (MSI_IOVA_BASE).
 * POWER has no type1; the programs that share the rest of this file there
 * (fault_nth, fuzz_ioctl) do not use the window.
 */
#if defined(__x86_64__)
#define T1_MSI_START	0xfee00000ULL
#define T1_MSI_LAST	0xfeefffffULL
#elif defined(__aarch64__)
#define T1_MSI_START	0x8000000ULL
#define T1_MSI_LAST	0x80fffffULL
#endif

#define T1_NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define T1_ENTRY_LIMIT	"/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"

/*
 * Load the modules and open edu in a container of @type: 0, -errno, or
 * T1_NO_DEVICE when the machine has no edu at all (the only case a test
 * may skip; any error of the kernel's is a failure).
 */
#define T1_NO_DEVICE	1

static inline int t1_open(struct vfio_util_dev *d, int type)
{
	const char *bdf;

	if (vfio_util_modprobe("vfio_iommu_type1") ||
	    vfio_util_modprobe("vfio-pci"))
		return -ENOEXEC;
	bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);
	if (!bdf)
		return T1_NO_DEVICE;
	return vfio_util_open(d, bdf, type);
}

#ifdef T1_MSI_START
/*
 * 0 if the group of @d lists [T1_MSI_START, T1_MSI_LAST] as its "msi"
 * reserved region in sysfs, so that the tests check the window the kernel
 * really reserves, not only the one they assume.
 */
static inline int t1_msi_window_reserved(struct vfio_util_dev *d)
{
	char path[96], line[128], type[32];
	unsigned long long start, last;
	int found = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/iommu_groups/%d/reserved_regions", d->group_id);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %llx %31s", &start, &last, type) == 3 &&
		    !strcmp(type, "msi") && start == T1_MSI_START &&
		    last == T1_MSI_LAST)
			found = 0;
	fclose(f);
	return found;
}

#endif /* T1_MSI_START */

static inline int t1_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static inline int t1_map(struct vfio_util_dev *d, void *vaddr, uint64_t iova,
			 uint64_t size, uint32_t flags)
{
	return vfio_util_map(d, vaddr, iova, size, flags);
}

#define T1_RW	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/* UNMAP_DMA with any flags; the size unmapped goes to *@done. */
static inline int t1_unmap(struct vfio_util_dev *d, uint64_t iova,
			   uint64_t size, uint32_t flags, uint64_t *done)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .iova = iova, .size = size,
	};
	int ret = t1_ioctl(d->container, VFIO_IOMMU_UNMAP_DMA, &u);

	if (done)
		*done = u.size;
	return ret;
}

static inline void t1_unmap_all(struct vfio_util_dev *d)
{
	t1_unmap(d, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL);
}

/* GET_INFO with room for the capabilities; free() the result. */
static inline struct vfio_iommu_type1_info *t1_get_info(struct vfio_util_dev *d)
{
	struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) };
	struct vfio_iommu_type1_info *info;

	if (t1_ioctl(d->container, VFIO_IOMMU_GET_INFO, &probe))
		return NULL;
	info = calloc(1, probe.argsz);
	if (!info)
		return NULL;
	info->argsz = probe.argsz;
	if (t1_ioctl(d->container, VFIO_IOMMU_GET_INFO, info)) {
		free(info);
		return NULL;
	}
	return info;
}

static inline struct vfio_info_cap_header *
t1_find_cap(struct vfio_iommu_type1_info *info, uint16_t id)
{
	uint32_t off = info->cap_offset;

	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		return NULL;
	while (off) {
		struct vfio_info_cap_header *h = (void *)((char *)info + off);

		if (off + sizeof(*h) > info->argsz)
			return NULL;
		if (h->id == id)
			return h;
		off = h->next;
	}
	return NULL;
}

/* Smallest page size of the container. */
static inline uint64_t t1_pgsize(struct vfio_util_dev *d)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	if (t1_ioctl(d->container, VFIO_IOMMU_GET_INFO, &info))
		return 0;
	return info.iova_pgsizes & -info.iova_pgsizes;
}

/* DMA_AVAIL capability, or -1. */
static inline long t1_dma_avail(struct vfio_util_dev *d)
{
	struct vfio_iommu_type1_info *info = t1_get_info(d);
	struct vfio_iommu_type1_info_dma_avail *cap;
	long avail = -1;

	if (!info)
		return -1;
	cap = (void *)t1_find_cap(info, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	if (cap)
		avail = cap->avail;
	free(info);
	return avail;
}

/*
 * Pages pinned by FOLL_PIN and not released, system wide.  The counters
 * are folded from per-CPU deltas first (stat_refresh), and sampled a few
 * times: other pins (9p I/O of the harness) only come and go, so the
 * smallest sample is the one without them.
 */
static inline long t1_pins_held(void)
{
	long best = 0, now;
	int i;

	for (i = 0; i < 5; i++) {
		vfio_util_write_file("/proc/sys/vm/stat_refresh", "1");
		now = vfio_util_vmstat("nr_foll_pin_acquired") -
		      vfio_util_vmstat("nr_foll_pin_released");
		if (!i || now < best)
			best = now;
		if (i < 4)
			usleep(2000);
	}
	return best;
}

/*
 * Pages pinned, once the count is back to @want or @ms milliseconds have
 * passed: releases can lag the call that caused them (the last fput of a
 * killed process, sPAPR's unpin after an RCU grace period).
 */
static inline long t1_pins_settled(long want, unsigned int ms)
{
	long now = t1_pins_held();
	unsigned int waited;

	for (waited = 0; waited < ms && now != want; waited += 20) {
		usleep(20000);
		now = t1_pins_held();
	}
	return now;
}

/* VmLck of this process in KiB, or -1. */
static inline long t1_vmlck_kb(void)
{
	char buf[4096], *p;

	if (vfio_util_read_file("/proc/self/status", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "VmLck:");
	return p ? atol(p + 6) : -1;
}

/* Anonymous, populated, written memory without transparent huge pages. */
static inline void *t1_anon(size_t size)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t off;

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_NOHUGEPAGE);
	for (off = 0; off < size; off += T1_SZ_4K)
		p[off] = (char)(off >> 12);
	return p;
}

/* Let the device master the bus (DMA), or stop it. */
static inline void t1_bus_master(struct vfio_util_dev *d, bool on)
{
	uint16_t cmd = 0;

	vfio_util_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND,
			      &cmd, sizeof(cmd));
	if (on)
		cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	else
		cmd &= ~PCI_COMMAND_MASTER;
	vfio_util_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND,
			       &cmd, sizeof(cmd));
}

#endif /* __SELFTESTS_VFIO_TYPE1_COMMON_H */
