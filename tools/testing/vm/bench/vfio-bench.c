// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-bench: time the VFIO uAPI paths a userspace driver or a VMM hits,
 * on QEMU's edu device (1234:11e8) bound to vfio-pci, through the legacy
 * container/group interface and the type1v2 IOMMU backend, and (the
 * cdev_* workloads) through the device cdev bound to an iommufd, with
 * IOMMU_IOAS_MAP/UNMAP on an IOAS.
 *
 *   vfio-bench [-w NAME[,NAME...]] [-x SCALE] [-R BDF] [-l] BDF
 *     -w  run only the workloads whose name starts with one of NAMEs
 *     -x  multiply every repetition count by SCALE (default 1)
 *     -R  the device (bound to vfio-pci) whose VFIO_DEVICE_RESET is timed:
 *         edu, BDF, has no reset method
 *     -l  list the workloads and exit
 *
 * Every workload prints one line
 *
 *   BENCH <workload> <median_ns> <p10_ns> <p90_ns>
 *
 * over its repetitions (after one untimed warm-up), or n/a in the three
 * number fields when the kernel refused a step; the reason goes to stderr.
 * The cdev_* workloads check their work (each unmap reports the bytes
 * mapped, the pins taken by a map are exactly its pages and all are
 * released again): a failed check prints "# FAIL <workload>: why" and
 * makes the exit status 3.  A kernel without the device cdev or iommufd
 * says so in a "# cdev: ..." line and reports them n/a.
 * Fast operations are timed in batches and reported per operation, so the
 * cost of reading the clock (large under TCG) does not swamp them.
 * Lines starting with '#' are informational.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <linux/vfio.h>
#include <linux/iommufd.h>

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define NSMALL		4096		/* single-page mappings */

/* edu register offsets in BAR0 */
#define EDU_ID		0x00
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define EDU_ID_VALUE	0x010000edU

struct bench_ctx {
	const char *bdf;
	char group_path[PATH_MAX];
	int container;
	int group;
	int device;
	struct vfio_device_info info;
	uint64_t cfg_off;		/* file offset of config space */
	uint64_t bar0_off;		/* file offset of BAR0 */
	uint64_t bar0_size;
	volatile uint8_t *bar0;		/* mmap of BAR0, or NULL */
	uint64_t iova_base;		/* start of our IOVA window */
	void *anon;			/* 1 GiB, 4 KiB pages */
	void *huge;			/* 1 GiB, 2 MiB hugetlb pages */
	void *small;			/* NSMALL pages */
};

/* The cdev + iommufd stack of the cdev_* workloads. */
struct cdev_ctx {
	char path[PATH_MAX];		/* /dev/vfio/devices/vfioN */
	int iommufd;
	int device;
	uint32_t devid;
	uint32_t ioas;
	uint64_t iova_base;
	long pins0;			/* pins held before a workload */
};

static double scale = 1.0;
static int verify_failed;	/* a cdev_* check failed: exit status 3 */
static const char *only;	/* -w list, comma separated */
static const char *reset_bdf;	/* -R: the device of device_reset */

static bool wanted(const char *name);

/* ------------------------------------------------------------------ */
/* reporting                                                           */

static void __printf(1, 2) err(const char *fmt, ...)
{
	va_list ap;

	fputs("vfio-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Report a failed system call with its errno, and return -1. */
static int __printf(1, 2) fail(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	fputs("vfio-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s (errno %d)\n", strerror(e), e);
	return -1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Percentile p (0..1) with linear interpolation; v must be sorted. */
static double pct(const double *v, int n, double p)
{
	double pos = p * (n - 1);
	int lo = (int)pos;

	if (lo >= n - 1)
		return v[n - 1];
	return v[lo] + (v[lo + 1] - v[lo]) * (pos - lo);
}

static void report(const char *name, double *v, int n)
{
	if (n <= 0) {
		printf("BENCH %s n/a n/a n/a\n", name);
	} else {
		qsort(v, n, sizeof(*v), cmp_double);
		printf("BENCH %s %.0f %.0f %.0f\n", name, pct(v, n, 0.5),
		       pct(v, n, 0.1), pct(v, n, 0.9));
	}
	fflush(stdout);
}

static int reps(int base)
{
	int n = (int)(base * scale + 0.5);

	return n < 1 ? 1 : n;
}

/*
 * Time reps(21) batches of @batch operations after @warmup untimed ones
 * and report the time per operation.  @run does a whole batch, so that
 * the loop around a cheap operation stays inline; it returns non-zero on
 * failure, which reports the workload as failed.
 */
static void time_batches(const char *name, int warmup, int batch,
			 int (*run)(void *arg, int batch), void *arg)
{
	int n = reps(21), got = 0;
	double *t = calloc(n, sizeof(double));

	for (int i = -warmup; t && i < n; i++) {
		uint64_t t0 = now_ns();

		if (run(arg, batch)) {
			got = 0;
			break;
		}
		if (i >= 0)
			t[got++] = (double)(now_ns() - t0) / batch;
	}
	report(name, t, got);
	free(t);
}

/* ------------------------------------------------------------------ */
/* setup                                                               */

static int find_group(struct bench_ctx *c)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *slash;
	ssize_t len;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", c->bdf);
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0)
		return fail("readlink %s", link);
	target[len] = '\0';
	slash = strrchr(target, '/');
	snprintf(c->group_path, sizeof(c->group_path), "/dev/vfio/%.32s",
		 slash ? slash + 1 : target);
	return 0;
}

/*
 * The sequence timed by open_to_ready: container, group, attach, IOMMU
 * model, device fd.  On failure everything opened here is closed again.
 */
static int open_stack(struct bench_ctx *c)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	c->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (c->container < 0)
		return fail("open /dev/vfio/vfio");
	c->group = open(c->group_path, O_RDWR | O_CLOEXEC);
	if (c->group < 0) {
		fail("open %s", c->group_path);
		goto close_container;
	}
	if (ioctl(c->group, VFIO_GROUP_GET_STATUS, &st)) {
		fail("VFIO_GROUP_GET_STATUS");
		goto close_group;
	}
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		err("group %s is not viable (flags 0x%x): is every device in it bound to vfio-pci?",
		    c->group_path, st.flags);
		goto close_group;
	}
	if (ioctl(c->group, VFIO_GROUP_SET_CONTAINER, &c->container)) {
		fail("VFIO_GROUP_SET_CONTAINER");
		goto close_group;
	}
	if (ioctl(c->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		fail("VFIO_SET_IOMMU(TYPE1v2)");
		goto close_group;
	}
	c->device = ioctl(c->group, VFIO_GROUP_GET_DEVICE_FD, c->bdf);
	if (c->device < 0) {
		fail("VFIO_GROUP_GET_DEVICE_FD(%s)", c->bdf);
		goto close_group;
	}
	return 0;

close_group:
	close(c->group);
	c->group = -1;
close_container:
	close(c->container);
	c->container = -1;
	return -1;
}

static void close_stack(struct bench_ctx *c)
{
	if (c->bar0) {
		munmap((void *)c->bar0, c->bar0_size);
		c->bar0 = NULL;
	}
	if (c->device >= 0)
		close(c->device);
	if (c->group >= 0)
		close(c->group);
	if (c->container >= 0)
		close(c->container);
	c->device = c->group = c->container = -1;
}

/* One-time checks of the API version and the extensions we rely on. */
static int check_container_api(void)
{
	int fd, ver, rc = 0;

	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail("open /dev/vfio/vfio");
	ver = ioctl(fd, VFIO_GET_API_VERSION);
	if (ver != VFIO_API_VERSION) {
		err("VFIO_GET_API_VERSION returned %d, want %d", ver, VFIO_API_VERSION);
		rc = -1;
	} else if (ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1) {
		err("container does not offer VFIO_TYPE1v2_IOMMU");
		rc = -1;
	}
	close(fd);
	return rc;
}

static int region_info(struct bench_ctx *c, unsigned int index,
		       struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	if (ioctl(c->device, VFIO_DEVICE_GET_REGION_INFO, ri))
		return fail("VFIO_DEVICE_GET_REGION_INFO(%u)", index);
	return 0;
}

static int cfg_rw16(struct bench_ctx *c, unsigned int off, uint16_t *val, bool wr)
{
	ssize_t n;

	if (wr)
		n = pwrite(c->device, val, 2, c->cfg_off + off);
	else
		n = pread(c->device, val, 2, c->cfg_off + off);
	if (n != 2)
		return fail("%s config offset 0x%x returned %zd", wr ? "pwrite" : "pread", off, n);
	return 0;
}

/* Device info, region offsets, BAR0 mapping, memory and bus master on. */
static int probe_device(struct bench_ctx *c)
{
	struct vfio_region_info ri;
	uint16_t cmd;
	uint32_t id;

	memset(&c->info, 0, sizeof(c->info));
	c->info.argsz = sizeof(c->info);
	if (ioctl(c->device, VFIO_DEVICE_GET_INFO, &c->info))
		return fail("VFIO_DEVICE_GET_INFO");
	if (!(c->info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    c->info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX) {
		err("device info: flags 0x%x, %u regions: not a vfio-pci device",
		    c->info.flags, c->info.num_regions);
		return -1;
	}
	if (region_info(c, VFIO_PCI_CONFIG_REGION_INDEX, &ri))
		return -1;
	c->cfg_off = ri.offset;
	if (region_info(c, VFIO_PCI_BAR0_REGION_INDEX, &ri))
		return -1;
	c->bar0_off = ri.offset;
	c->bar0_size = ri.size;
	if (ri.size < 0x100) {
		err("BAR0 is %llu bytes, too small for edu", (unsigned long long)ri.size);
		return -1;
	}
	printf("# device %s: flags 0x%x, %u regions, %u irqs, config at 0x%llx, BAR0 %llu bytes at 0x%llx flags 0x%x\n",
	       c->bdf, c->info.flags, c->info.num_regions, c->info.num_irqs,
	       (unsigned long long)c->cfg_off, (unsigned long long)ri.size,
	       (unsigned long long)ri.offset, ri.flags);

	/* Memory decoding for BAR access, bus mastering for MSI writes. */
	if (cfg_rw16(c, 0x4, &cmd, false))
		return -1;
	cmd |= 0x2 | 0x4;
	if (cfg_rw16(c, 0x4, &cmd, true))
		return -1;

	if (pread(c->device, &id, 4, c->bar0_off + EDU_ID) != 4)
		return fail("pread BAR0 offset 0");
	if (id != EDU_ID_VALUE) {
		err("BAR0 ID register reads 0x%08x, edu has 0x%08x", id, EDU_ID_VALUE);
		return -1;
	}
	if (ri.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		void *p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			       c->device, ri.offset);

		if (p == MAP_FAILED)
			fail("mmap BAR0");
		else
			c->bar0 = p;
	} else {
		err("BAR0 is not mmap-capable (flags 0x%x)", ri.flags);
	}
	return 0;
}

/*
 * Print the IOMMU's page sizes and usable IOVA ranges, and check that our
 * window [iova_base, iova_base + 1 GiB + 64 MiB) sits inside one range.
 */
static int check_iommu(struct bench_ctx *c)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_info_cap_header *hdr;
	uint64_t lo = c->iova_base, hi = c->iova_base + SZ_1G + 64 * SZ_2M - 1;
	uint32_t argsz = sizeof(*info);
	bool covered = false, have_ranges = false;

	for (;;) {
		info = calloc(1, argsz);
		if (!info)
			return fail("calloc");
		info->argsz = argsz;
		if (ioctl(c->container, VFIO_IOMMU_GET_INFO, info)) {
			free(info);
			return fail("VFIO_IOMMU_GET_INFO");
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		free(info);
	}
	printf("# iommu: flags 0x%x, iova_pgsizes 0x%llx\n", info->flags,
	       (unsigned long long)info->iova_pgsizes);
	if ((info->flags & VFIO_IOMMU_INFO_CAPS) && info->cap_offset) {
		uint32_t off = info->cap_offset;

		while (off && off + sizeof(*hdr) <= argsz) {
			hdr = (void *)((char *)info + off);
			if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
				struct vfio_iommu_type1_info_cap_iova_range *r = (void *)hdr;

				have_ranges = true;
				for (uint32_t i = 0; i < r->nr_iovas; i++) {
					printf("# iova range 0x%llx-0x%llx\n",
					       (unsigned long long)r->iova_ranges[i].start,
					       (unsigned long long)r->iova_ranges[i].end);
					if (r->iova_ranges[i].start <= lo &&
					    r->iova_ranges[i].end >= hi)
						covered = true;
				}
			}
			if (hdr->next <= off)	/* chains move forward only */
				break;
			off = hdr->next;
		}
	}
	free(info);
	if (have_ranges && !covered) {
		err("IOVA window 0x%llx-0x%llx is outside the usable ranges",
		    (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	return 0;
}

/*
 * Anonymous memory, prefaulted.  Without MAP_HUGETLB it must really be
 * 4 KiB pages: the process has THP disabled (main()), and the range is
 * marked MADV_NOHUGEPAGE before its first touch, so neither the fault
 * path nor khugepaged can back it with huge pages (MAP_POPULATE would
 * fault it in before the madvise could take effect).
 */
static void *get_memory(size_t size, bool huge)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *p;

	if (huge)
		flags |= MAP_HUGETLB | MAP_HUGE_2MB | MAP_POPULATE;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED) {
		fail("mmap %zu bytes%s", size, huge ? " of 2 MiB hugetlb pages" : "");
		return NULL;
	}
	if (!huge && madvise(p, size, MADV_NOHUGEPAGE)) {
		fail("madvise(MADV_NOHUGEPAGE)");
		munmap(p, size);
		return NULL;
	}
	/* Fault in every page (MAP_POPULATE may also leave holes). */
	for (size_t off = 0; off < size; off += huge ? SZ_2M : SZ_4K)
		((volatile char *)p)[off] = 1;
	return p;
}

/*
 * Sum of the smaps fields @field ("AnonHugePages", "Rss", ...) of the
 * mappings that start inside [p, p + size), in KiB, or -1.
 */
static long smaps_kib(void *p, size_t size, const char *field)
{
	unsigned long lo = (uintptr_t)p, hi = lo + size, start, end;
	size_t flen = strlen(field);
	bool inside = false;
	char line[512];
	long sum = -1, kib;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			inside = start >= lo && start < hi;
			continue;
		}
		if (inside && !strncmp(line, field, flen) && line[flen] == ':' &&
		    sscanf(line + flen + 1, "%ld", &kib) == 1)
			sum = (sum < 0 ? 0 : sum) + kib;
	}
	fclose(f);
	return sum;
}

/*
 * The anonymous 4 KiB-page buffer: refuse it (NULL) when any of it ended
 * up in a transparent huge page, since the workload would then measure
 * something else.
 */
static void *get_small_pages(size_t size, const char *what)
{
	void *p = get_memory(size, false);
	long rss, thp;

	if (!p)
		return NULL;
	rss = smaps_kib(p, size, "Rss");
	thp = smaps_kib(p, size, "AnonHugePages");
	printf("# %s: %zu KiB anonymous, Rss %ld kB, AnonHugePages %ld kB\n",
	       what, size >> 10, rss, thp);
	if (thp != 0) {
		err("%s: %ld kB of the buffer is in transparent huge pages (want 0)",
		    what, thp);
		munmap(p, size);
		return NULL;
	}
	return p;
}

/* ------------------------------------------------------------------ */
/* DMA mapping                                                         */

static int dma_map(struct bench_ctx *c, void *vaddr, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	if (ioctl(c->container, VFIO_IOMMU_MAP_DMA, &m))
		return fail("VFIO_IOMMU_MAP_DMA iova 0x%llx size 0x%llx",
			    (unsigned long long)iova, (unsigned long long)size);
	return 0;
}

static int dma_unmap(struct bench_ctx *c, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.flags = flags,
		.iova = iova,
		.size = size,
	};

	if (ioctl(c->container, VFIO_IOMMU_UNMAP_DMA, &u))
		return fail("VFIO_IOMMU_UNMAP_DMA iova 0x%llx size 0x%llx flags 0x%x",
			    (unsigned long long)iova, (unsigned long long)size, flags);
	if (!(flags & VFIO_DMA_UNMAP_FLAG_ALL) && u.size != size)
		err("warning: UNMAP_DMA of 0x%llx bytes reported 0x%llx unmapped",
		    (unsigned long long)size, (unsigned long long)u.size);
	return 0;
}

/* Leave the container empty after a workload, whatever happened in it. */
static void unmap_everything(struct bench_ctx *c)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = VFIO_DMA_UNMAP_FLAG_ALL,
	};

	if (ioctl(c->container, VFIO_IOMMU_UNMAP_DMA, &u) == 0)
		return;
	/* Without UNMAP_ALL: one range over the whole window. */
	u.flags = 0;
	u.iova = c->iova_base;
	u.size = 2 * SZ_1G;
	ioctl(c->container, VFIO_IOMMU_UNMAP_DMA, &u);
}

/* VmLck of this process in KiB (type1 charges pinned pages to it), or -1. */
static long locked_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* MAP then UNMAP of 1 GiB in one call each. */
static void bench_map_1g(struct bench_ctx *c, void *buf, const char *map_name,
			 const char *unmap_name)
{
	int n = reps(7), got = 0;
	double *tm = calloc(n, sizeof(double)), *tu = calloc(n, sizeof(double));

	if (!buf || !tm || !tu)
		goto out;
	for (int i = -1; i < n; i++) {
		uint64_t t0, t1, t2;
		long lck = -1;

		t0 = now_ns();
		if (dma_map(c, buf, c->iova_base, SZ_1G))
			break;
		t1 = now_ns();
		/* A check that the pages were really pinned (and released). */
		if (i < 0)
			lck = locked_kib();
		if (dma_unmap(c, c->iova_base, SZ_1G, 0))
			break;
		t2 = now_ns();
		if (i < 0)
			printf("# %s: VmLck %ld kB after the map, %ld kB after the unmap\n",
			       map_name, lck, locked_kib());
		if (i >= 0) {
			tm[got] = t1 - t0;
			tu[got] = t2 - t1;
			got++;
		}
	}
	if (got < n)
		got = 0;
out:
	unmap_everything(c);
	report(map_name, tm, got);
	report(unmap_name, tu, got);
	free(tm);
	free(tu);
}

static int map_smalls(struct bench_ctx *c)
{
	for (int i = 0; i < NSMALL; i++)
		if (dma_map(c, (char *)c->small + i * SZ_4K,
			    c->iova_base + i * SZ_4K, SZ_4K))
			return -1;
	return 0;
}

/* NSMALL single-page MAP_DMAs, then as many UNMAP_DMAs: time per call. */
static void bench_small(struct bench_ctx *c)
{
	int n = reps(7), got = 0;
	double *tm = calloc(n, sizeof(double)), *tu = calloc(n, sizeof(double));

	if (!c->small || !tm || !tu)
		goto out;
	for (int i = -1; i < n; i++) {
		uint64_t t0, t1, t2;
		int j;

		t0 = now_ns();
		if (map_smalls(c))
			break;
		t1 = now_ns();
		for (j = 0; j < NSMALL; j++)
			if (dma_unmap(c, c->iova_base + j * SZ_4K, SZ_4K, 0))
				break;
		if (j < NSMALL)
			break;
		t2 = now_ns();
		if (i >= 0) {
			tm[got] = (double)(t1 - t0) / NSMALL;
			tu[got] = (double)(t2 - t1) / NSMALL;
			got++;
		}
	}
	if (got < n)
		got = 0;
out:
	unmap_everything(c);
	report("map_4k_each", tm, got);
	report("unmap_4k_each", tu, got);
	free(tm);
	free(tu);
}

/* One UNMAP_DMA with FLAG_ALL over NSMALL single-page mappings. */
static void bench_unmap_all(struct bench_ctx *c)
{
	int n = reps(7), got = 0;
	double *t = calloc(n, sizeof(double));

	if (!c->small || !t)
		goto out;
	if (ioctl(c->container, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL) != 1) {
		err("container does not offer VFIO_UNMAP_ALL");
		goto out;
	}
	for (int i = -1; i < n; i++) {
		uint64_t t0;

		if (map_smalls(c))
			break;
		t0 = now_ns();
		if (dma_unmap(c, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL))
			break;
		if (i >= 0)
			t[got++] = now_ns() - t0;
	}
	if (got < n)
		got = 0;
out:
	unmap_everything(c);
	report("unmap_all_4096", t, got);
	free(t);
}

/* ------------------------------------------------------------------ */
/* interrupts, config space, BAR access                                */

static int set_msi(struct bench_ctx *c, int efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)buf;

	memset(buf, 0, sizeof(buf));
	set->argsz = efd >= 0 ? sizeof(buf) : sizeof(*set);
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	if (efd >= 0) {
		set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 1;
		memcpy(set->data, &efd, sizeof(int32_t));
	} else {
		set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 0;
	}
	if (ioctl(c->device, VFIO_DEVICE_SET_IRQS, set))
		return fail("VFIO_DEVICE_SET_IRQS(MSI, %s)", efd >= 0 ? "enable" : "disable");
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;	/* only interrupts a blocked read() */
}

static void edu_write(struct bench_ctx *c, unsigned int reg, uint32_t val)
{
	*(volatile uint32_t *)(c->bar0 + reg) = val;
}

/* Raise edu's interrupt, wait for it on the eventfd, acknowledge it. */
static int msi_round_trip(struct bench_ctx *c, int efd)
{
	uint64_t cnt;

	edu_write(c, EDU_IRQ_RAISE, 1);
	if (read(efd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return fail("read eventfd");
	edu_write(c, EDU_IRQ_ACK, 1);
	return 0;
}

/*
 * The Linux interrupt number of @bdf's MSI vector 0, from /proc/interrupts
 * (the line naming the device and "msi"), or -1.
 */
static int find_msi_irq(const char *bdf)
{
	char line[1024];
	int irq = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (irq < 0 && fgets(line, sizeof(line), f)) {
		char *p = line;

		while (isspace((unsigned char)*p))
			p++;
		if (!isdigit((unsigned char)*p) || !strstr(line, bdf) ||
		    !strstr(line, "msi"))
			continue;
		irq = atoi(p);
	}
	fclose(f);
	return irq;
}

static int set_irq_cpu(int irq, int cpu)
{
	char path[64];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	f = fopen(path, "w");
	if (!f)
		return fail("open %s", path);
	rc = fprintf(f, "%d\n", cpu) < 0;
	rc |= fclose(f) != 0;
	if (rc)
		return fail("write %s", path);
	return 0;
}

static int run_on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return fail("sched_setaffinity(CPU %d)", cpu);
	return 0;
}

/*
 * Round trips with the interrupt steered to @irq_cpu and this thread on
 * CPU 0.  Where the interrupt lands decides whether the eventfd wakes a
 * waiter on its own CPU or sends an IPI, which costs several times more:
 * left to chance, boots of one kernel differed by 5x.
 */
struct msi_arg {
	struct bench_ctx *c;
	int efd;
};

static int msi_batch(void *arg, int batch)
{
	struct msi_arg *m = arg;

	for (int j = 0; j < batch; j++)
		if (msi_round_trip(m->c, m->efd))
			return -1;
	return 0;
}

static void msi_loop(struct bench_ctx *c, int efd, int irq, int irq_cpu,
		     const char *name)
{
	struct msi_arg m = { .c = c, .efd = efd };

	if (irq < 0 || set_irq_cpu(irq, irq_cpu) || run_on_cpu(0)) {
		report(name, NULL, 0);
		return;
	}
	printf("# %s: irq %d on CPU %d, waiter on CPU 0\n", name, irq, irq_cpu);
	/* A lost interrupt would block read() forever: the alarm ends it. */
	alarm(60);
	/* x86 moves an interrupt when it next fires: warm up longer. */
	time_batches(name, 5, 100, msi_batch, &m);
	alarm(0);
}

static void bench_msi(struct bench_ctx *c)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = VFIO_PCI_MSI_IRQ_INDEX };
	int efd = -1, irq = -1, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	bool enabled = false;
	cpu_set_t all;

	sched_getaffinity(0, sizeof(all), &all);
	if (!c->bar0) {
		err("msi_roundtrip needs the BAR0 mmap");
		goto out;
	}
	if (ioctl(c->device, VFIO_DEVICE_GET_IRQ_INFO, &ii)) {
		fail("VFIO_DEVICE_GET_IRQ_INFO(MSI)");
		goto out;
	}
	if (ii.count < 1 || !(ii.flags & VFIO_IRQ_INFO_EVENTFD)) {
		err("MSI index: count %u flags 0x%x: no usable MSI", ii.count, ii.flags);
		goto out;
	}
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0) {
		fail("eventfd");
		goto out;
	}
	if (set_msi(c, efd))
		goto out;
	enabled = true;
	irq = find_msi_irq(c->bdf);
	if (irq < 0)
		err("no MSI of %s in /proc/interrupts", c->bdf);
out:
	if (wanted("msi_roundtrip"))
		msi_loop(c, efd, enabled ? irq : -1, 0, "msi_roundtrip");
	if (wanted("msi_roundtrip_ipi")) {
		if (ncpu < 2)
			err("msi_roundtrip_ipi needs two CPUs");
		msi_loop(c, efd, enabled && ncpu >= 2 ? irq : -1, 1,
			 "msi_roundtrip_ipi");
	}
	sched_setaffinity(0, sizeof(all), &all);
	if (enabled)
		set_msi(c, -1);
	if (efd >= 0)
		close(efd);
}

struct pread_arg {
	struct bench_ctx *c;
	const char *name;
	uint64_t off;
};

static int pread_batch(void *arg, int batch)
{
	struct pread_arg *p = arg;
	uint32_t v;

	for (int j = 0; j < batch; j++) {
		ssize_t r = pread(p->c->device, &v, 4, p->off);

		if (r != 4)
			return fail("%s: pread at 0x%llx returned %zd", p->name,
				    (unsigned long long)p->off, r);
	}
	return 0;
}

/* Batches of 4-byte preads at one file offset: time per pread. */
static void bench_pread(struct bench_ctx *c, const char *name, uint64_t off)
{
	struct pread_arg p = { .c = c, .name = name, .off = off };

	time_batches(name, 1, 500, pread_batch, &p);
}

/* The loop stays here, inline: one read costs only a few instructions. */
static int mmap_batch(void *arg, int batch)
{
	volatile uint32_t *id = arg;
	uint32_t v = 0;

	for (int j = 0; j < batch; j++)
		v |= *id;
	if (v != EDU_ID_VALUE) {
		err("bar0_read_mmap: read 0x%08x through the mapping", v);
		return -1;
	}
	return 0;
}

static void bench_bar_mmap(struct bench_ctx *c)
{
	if (!c->bar0) {
		err("bar0_read_mmap: BAR0 is not mapped");
		report("bar0_read_mmap", NULL, 0);
		return;
	}
	time_batches("bar0_read_mmap", 1, 500, mmap_batch,
		     (void *)(c->bar0 + EDU_ID));
}

/*
 * VFIO_DEVICE_RESET of the device @bdf, which must have a reset method
 * (edu has none: no FLR, no PM reset, and it sits on the root bus).  It
 * gets its own container and group, as a second assigned device would.
 */
static void bench_reset(const char *bdf, uint64_t iova_base)
{
	struct bench_ctx r = { .bdf = bdf, .container = -1, .group = -1,
			       .device = -1, .iova_base = iova_base };
	int n = reps(11), got = 0;
	double *t = calloc(n, sizeof(double));

	if (!t)
		goto out;
	if (!bdf) {
		err("device_reset: no device with a reset method given (-R BDF)");
		goto out;
	}
	if (find_group(&r) || open_stack(&r))
		goto out;
	r.info.argsz = sizeof(r.info);
	if (ioctl(r.device, VFIO_DEVICE_GET_INFO, &r.info)) {
		fail("VFIO_DEVICE_GET_INFO(%s)", bdf);
		goto out;
	}
	printf("# device_reset on %s: device flags 0x%x%s\n", bdf, r.info.flags,
	       r.info.flags & VFIO_DEVICE_FLAGS_RESET ? " (RESET)" : "");
	if (!(r.info.flags & VFIO_DEVICE_FLAGS_RESET)) {
		err("device_reset: %s does not advertise VFIO_DEVICE_FLAGS_RESET", bdf);
		goto out;
	}
	for (int i = -1; i < n; i++) {
		uint64_t t0 = now_ns();

		if (ioctl(r.device, VFIO_DEVICE_RESET)) {
			fail("VFIO_DEVICE_RESET(%s)", bdf);
			break;
		}
		if (i >= 0)
			t[got++] = now_ns() - t0;
	}
	if (got < n)
		got = 0;
out:
	close_stack(&r);
	report("device_reset", t, got);
	free(t);
}

/* Open everything from scratch and close it again, each time. */
static void bench_open(struct bench_ctx *c)
{
	int n = reps(11), got = 0;
	double *t = calloc(n, sizeof(double));

	if (!t)
		goto out;
	for (int i = -1; i < n; i++) {
		uint64_t t0 = now_ns();

		if (open_stack(c))
			break;
		if (i >= 0)
			t[got++] = now_ns() - t0;
		close_stack(c);
	}
	if (got < n)
		got = 0;
out:
	report("open_to_ready", t, got);
	free(t);
}


/* ------------------------------------------------------------------ */
/* the device cdev and iommufd                                         */

static void __printf(2, 3) verify_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("# FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	verify_failed = 1;
}

/*
 * Pages pinned (FOLL_PIN) system wide, from /proc/vmstat after folding
 * the per-CPU counters; -1 if unreadable.
 */
static long pins_held(void)
{
	long acq = -1, rel = -1, v;
	char line[128];
	FILE *f = fopen("/proc/sys/vm/stat_refresh", "w");

	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "nr_foll_pin_acquired %ld", &v) == 1)
			acq = v;
		else if (sscanf(line, "nr_foll_pin_released %ld", &v) == 1)
			rel = v;
	}
	fclose(f);
	return acq < 0 || rel < 0 ? -1 : acq - rel;
}

/*
 * /dev/vfio/devices/vfioN of the device, or why the kernel offers no
 * cdev path (NULL): the stock bench kernel is built without IOMMUFD.
 */
static const char *cdev_unavailable(struct cdev_ctx *k, const char *bdf)
{
	char dir[PATH_MAX], dev[PATH_MAX + 300];
	struct dirent *e;
	DIR *dp;

	if (access("/dev/iommu", R_OK | W_OK))
		return "no /dev/iommu (CONFIG_IOMMUFD off)";
	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dp = opendir(dir);
	if (!dp)
		return "no vfio-dev in sysfs";
	k->path[0] = '\0';
	while ((e = readdir(dp)))
		if (!strncmp(e->d_name, "vfio", 4))
			snprintf(k->path, sizeof(k->path), "/dev/vfio/devices/%.200s",
				 e->d_name);
	closedir(dp);
	if (!k->path[0])
		return "no vfioN device";
	snprintf(dev, sizeof(dev), "%s/%s/dev", dir, k->path + strlen("/dev/vfio/devices/"));
	if (access(dev, F_OK))
		return "the vfioN device has no cdev (CONFIG_VFIO_DEVICE_CDEV off)";
	return NULL;
}

/*
 * The sequence timed by cdev_open_to_ready: iommufd, device cdev, bind,
 * IOAS, attach.  On failure everything opened here is closed again.
 */
static int open_cdev(struct cdev_ctx *k)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	k->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (k->iommufd < 0)
		return fail("open /dev/iommu");
	k->device = open(k->path, O_RDWR | O_CLOEXEC);
	if (k->device < 0) {
		fail("open %s", k->path);
		goto close_iommufd;
	}
	bind.iommufd = k->iommufd;
	if (ioctl(k->device, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		fail("VFIO_DEVICE_BIND_IOMMUFD");
		goto close_device;
	}
	k->devid = bind.out_devid;
	if (ioctl(k->iommufd, IOMMU_IOAS_ALLOC, &alloc)) {
		fail("IOMMU_IOAS_ALLOC");
		goto close_device;
	}
	k->ioas = alloc.out_ioas_id;
	at.pt_id = k->ioas;
	if (ioctl(k->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at)) {
		fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT(%u)", k->ioas);
		goto close_device;
	}
	return 0;

close_device:
	close(k->device);
	k->device = -1;
close_iommufd:
	close(k->iommufd);
	k->iommufd = -1;
	return -1;
}

static void close_cdev(struct cdev_ctx *k)
{
	if (k->device >= 0)
		close(k->device);
	if (k->iommufd >= 0)
		close(k->iommufd);
	k->device = k->iommufd = -1;
}

static int ioas_map(struct cdev_ctx *k, void *vaddr, uint64_t iova, uint64_t size)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = k->ioas,
		.user_va = (uintptr_t)vaddr,
		.length = size,
		.iova = iova,
	};

	if (ioctl(k->iommufd, IOMMU_IOAS_MAP, &m))
		return fail("IOMMU_IOAS_MAP iova 0x%llx length 0x%llx",
			    (unsigned long long)iova, (unsigned long long)size);
	return 0;
}

/*
 * IOMMU_IOAS_UNMAP of [iova, iova + size) (iova 0 and size UINT64_MAX:
 * everything); it must report @want bytes unmapped.
 */
static int ioas_unmap(struct cdev_ctx *k, const char *name, uint64_t iova,
		      uint64_t size, uint64_t want)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = k->ioas, .iova = iova, .length = size,
	};

	if (ioctl(k->iommufd, IOMMU_IOAS_UNMAP, &u))
		return fail("IOMMU_IOAS_UNMAP iova 0x%llx length 0x%llx",
			    (unsigned long long)iova, (unsigned long long)size);
	if (u.length != want) {
		verify_fail(name, "IOMMU_IOAS_UNMAP of 0x%llx at 0x%llx reported 0x%llx bytes, want 0x%llx",
			    (unsigned long long)size, (unsigned long long)iova,
			    (unsigned long long)u.length, (unsigned long long)want);
		return -1;
	}
	return 0;
}

/* The IOAS is left empty after a workload, whatever happened in it. */
static void ioas_unmap_everything(struct cdev_ctx *k)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = k->ioas, .length = UINT64_MAX,
	};

	ioctl(k->iommufd, IOMMU_IOAS_UNMAP, &u);
}

/* Pins now are pins0 + @extra pages, or the workload @name failed. */
static int check_pins(struct cdev_ctx *k, const char *name, const char *when,
		      long extra)
{
	long now = pins_held();

	if (now - k->pins0 == extra)
		return 0;
	verify_fail(name, "%s: %ld pages pinned, want %ld", when,
		    now - k->pins0, extra);
	return -1;
}

/* Open everything from scratch and close it again, each time. */
static void bench_cdev_open(struct cdev_ctx *k)
{
	int n = reps(11), got = 0;
	double *t = calloc(n, sizeof(double));

	for (int i = -1; t && i < n; i++) {
		uint64_t t0 = now_ns();

		if (open_cdev(k))
			break;
		if (i >= 0)
			t[got++] = now_ns() - t0;
		/* The bind gave an object id; the attach kept the IOAS. */
		if (!k->devid || !k->ioas) {
			verify_fail("cdev_open_to_ready", "devid %u, IOAS %u",
				    k->devid, k->ioas);
			got = 0;
			close_cdev(k);
			break;
		}
		close_cdev(k);
	}
	if (got < n) {
		got = 0;
		verify_fail("cdev_open_to_ready", "the stack did not open");
	}
	report("cdev_open_to_ready", t, got);
	free(t);
}

/* IOMMU_IOAS_MAP then UNMAP of 1 GiB in one call each, checked. */
static void bench_cdev_map_1g(struct cdev_ctx *k, void *buf, const char *map_name,
			      const char *unmap_name)
{
	int n = reps(7), got = 0;
	double *tm = calloc(n, sizeof(double)), *tu = calloc(n, sizeof(double));
	long npages = SZ_1G / SZ_4K;

	k->pins0 = pins_held();
	for (int i = -1; buf && tm && tu && i < n; i++) {
		uint64_t t0, t1, t2, t3;

		t0 = now_ns();
		if (ioas_map(k, buf, k->iova_base, SZ_1G))
			break;
		t1 = now_ns();
		/* Every page pinned once for the attached domain. */
		if (check_pins(k, map_name, "after the map", npages))
			break;
		t2 = now_ns();
		if (ioas_unmap(k, unmap_name, k->iova_base, SZ_1G, SZ_1G))
			break;
		t3 = now_ns();
		if (check_pins(k, unmap_name, "after the unmap", 0))
			break;
		if (i >= 0) {
			tm[got] = t1 - t0;
			tu[got] = t3 - t2;
			got++;
		}
	}
	if (got < n) {
		got = 0;
		verify_fail(map_name, "%s did not complete", buf ? "the loop" : "the buffer");
	}
	ioas_unmap_everything(k);
	report(map_name, tm, got);
	report(unmap_name, tu, got);
	free(tm);
	free(tu);
}

static int cdev_map_smalls(struct cdev_ctx *k, void *small)
{
	for (int i = 0; i < NSMALL; i++)
		if (ioas_map(k, (char *)small + i * SZ_4K,
			     k->iova_base + i * SZ_4K, SZ_4K))
			return -1;
	return 0;
}

/* NSMALL single-page maps, their unmaps one by one, then unmap-all. */
static void bench_cdev_small(struct cdev_ctx *k, void *small)
{
	int n = reps(7), got = 0, got_all = 0;
	double *tm = calloc(n, sizeof(double)), *tu = calloc(n, sizeof(double));
	double *ta = calloc(n, sizeof(double));
	bool ok = small && tm && tu && ta;

	k->pins0 = pins_held();
	for (int i = -1; ok && i < n; i++) {
		uint64_t t0, t1, t2;
		int j;

		ok = false;
		t0 = now_ns();
		if (cdev_map_smalls(k, small))
			break;
		t1 = now_ns();
		if (check_pins(k, "cdev_map_4k_each", "after the maps", NSMALL))
			break;
		t2 = now_ns();
		for (j = 0; j < NSMALL; j++)
			if (ioas_unmap(k, "cdev_unmap_4k_each",
				       k->iova_base + j * SZ_4K, SZ_4K, SZ_4K))
				break;
		if (j < NSMALL)
			break;
		if (i >= 0) {
			tm[got] = (double)(t1 - t0) / NSMALL;
			tu[got] = (double)(now_ns() - t2) / NSMALL;
			got++;
		}
		if (check_pins(k, "cdev_unmap_4k_each", "after the unmaps", 0))
			break;

		/* The same mappings again, all gone in one call. */
		if (cdev_map_smalls(k, small))
			break;
		t0 = now_ns();
		if (ioas_unmap(k, "cdev_unmap_all_4096", 0, UINT64_MAX,
			       NSMALL * SZ_4K))
			break;
		if (i >= 0)
			ta[got_all++] = now_ns() - t0;
		if (check_pins(k, "cdev_unmap_all_4096", "after the unmap", 0))
			break;
		ok = true;
	}
	if (!ok) {
		got = got_all = 0;
		verify_fail("cdev_map_4k_each", "%s did not complete",
			    small ? "the loop" : "the buffer");
	}
	ioas_unmap_everything(k);
	report("cdev_map_4k_each", tm, got);
	report("cdev_unmap_4k_each", tu, got);
	report("cdev_unmap_all_4096", ta, got_all);
	free(tm);
	free(tu);
	free(ta);
}

static const char *const cdev_workloads[] = {
	"cdev_open_to_ready", "cdev_map_anon_1g", "cdev_unmap_anon_1g",
	"cdev_map_huge_1g", "cdev_unmap_huge_1g", "cdev_map_4k_each",
	"cdev_unmap_4k_each", "cdev_unmap_all_4096",
};

/* The cdev_* workloads, with the group path closed (they exclude). */
static void bench_cdev(const char *bdf, uint64_t iova_base)
{
	struct cdev_ctx k = { .iommufd = -1, .device = -1, .iova_base = iova_base };
	const char *why = cdev_unavailable(&k, bdf);
	bool any = false;
	void *buf;

	for (size_t i = 0; i < ARRAY_SIZE(cdev_workloads); i++)
		any |= wanted(cdev_workloads[i]);
	if (!any)
		return;
	if (why) {
		printf("# cdev: not offered by this kernel: %s\n", why);
		for (size_t i = 0; i < ARRAY_SIZE(cdev_workloads); i++)
			if (wanted(cdev_workloads[i]))
				printf("BENCH %s n/a n/a n/a\n", cdev_workloads[i]);
		return;
	}
	printf("# cdev: %s bound to /dev/iommu\n", k.path);
	if (wanted("cdev_open_to_ready"))
		bench_cdev_open(&k);
	if (open_cdev(&k)) {
		verify_fail("cdev", "the stack did not open");
		return;
	}
	if (wanted("cdev_map_anon_1g") || wanted("cdev_unmap_anon_1g")) {
		buf = get_small_pages(SZ_1G, "cdev_map_anon_1g");
		bench_cdev_map_1g(&k, buf, "cdev_map_anon_1g", "cdev_unmap_anon_1g");
		if (buf)
			munmap(buf, SZ_1G);
	}
	if (wanted("cdev_map_huge_1g") || wanted("cdev_unmap_huge_1g")) {
		buf = get_memory(SZ_1G, true);
		bench_cdev_map_1g(&k, buf, "cdev_map_huge_1g", "cdev_unmap_huge_1g");
		if (buf)
			munmap(buf, SZ_1G);
	}
	if (wanted("cdev_map_4k_each") || wanted("cdev_unmap_4k_each") ||
	    wanted("cdev_unmap_all_4096")) {
		buf = get_small_pages(NSMALL * SZ_4K, "cdev_map_4k_each");
		bench_cdev_small(&k, buf);
		if (buf)
			munmap(buf, NSMALL * SZ_4K);
	}
	close_cdev(&k);
	k.pins0 = 0;
	printf("# cdev: %ld pages pinned system wide at the end\n", pins_held());
}

/* ------------------------------------------------------------------ */

static const char *const workloads[] = {
	"open_to_ready", "map_anon_1g", "unmap_anon_1g", "map_huge_1g",
	"unmap_huge_1g", "map_4k_each", "unmap_4k_each", "unmap_all_4096",
	"msi_roundtrip", "msi_roundtrip_ipi", "cfg_read_pread", "bar0_read_pread", "bar0_read_mmap",
	"device_reset", "cdev_open_to_ready", "cdev_map_anon_1g",
	"cdev_unmap_anon_1g", "cdev_map_huge_1g", "cdev_unmap_huge_1g",
	"cdev_map_4k_each", "cdev_unmap_4k_each", "cdev_unmap_all_4096",
};
#define NWORK ARRAY_SIZE(workloads)


static bool wanted(const char *name)
{
	const char *p = only;

	if (!p)
		return true;
	while (*p) {
		size_t len = strcspn(p, ",");

		if (len && !strncmp(name, p, len))
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

static void skip_all(const char *why)
{
	err("%s: every remaining workload is n/a", why);
	for (size_t i = 0; i < NWORK; i++)
		if (strcmp(workloads[i], "open_to_ready") && wanted(workloads[i]))
			printf("BENCH %s n/a n/a n/a\n", workloads[i]);
}

static void usage(void)
{
	fprintf(stderr, "usage: vfio-bench [-w NAME[,NAME...]] [-x SCALE] [-R BDF] [-l] BDF\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench_ctx c = { .container = -1, .group = -1, .device = -1,
			       .iova_base = SZ_1G };
	struct utsname u;
	int opt;

	while ((opt = getopt(argc, argv, "w:x:lR:")) != -1) {
		switch (opt) {
		case 'R':
			reset_bdf = optarg;
			break;
		case 'w':
			only = optarg;
			break;
		case 'x':
			scale = atof(optarg);
			if (scale <= 0)
				usage();
			break;
		case 'l':
			for (size_t i = 0; i < NWORK; i++)
				puts(workloads[i]);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	c.bdf = argv[optind];
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Our anonymous memory is 4 KiB pages; see get_memory(). */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		fail("prctl(PR_SET_THP_DISABLE)");
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL);

	uname(&u);
	printf("# kernel %s %s\n", u.release, u.version);
	if (find_group(&c) || check_container_api()) {
		if (wanted("open_to_ready"))
			printf("BENCH open_to_ready n/a n/a n/a\n");
		skip_all("setup failed");
		return 1;
	}

	/* Needs the group closed: it opens and closes it repeatedly. */
	if (wanted("open_to_ready"))
		bench_open(&c);

	if (open_stack(&c) || probe_device(&c) || check_iommu(&c)) {
		close_stack(&c);
		skip_all("setup failed");
		return 1;
	}

	if (wanted("map_anon_1g") || wanted("unmap_anon_1g")) {
		c.anon = get_small_pages(SZ_1G, "map_anon_1g");
		bench_map_1g(&c, c.anon, "map_anon_1g", "unmap_anon_1g");
		if (c.anon)
			munmap(c.anon, SZ_1G);
	}
	if (wanted("map_huge_1g") || wanted("unmap_huge_1g")) {
		c.huge = get_memory(SZ_1G, true);
		bench_map_1g(&c, c.huge, "map_huge_1g", "unmap_huge_1g");
		if (c.huge)
			munmap(c.huge, SZ_1G);
	}
	if (wanted("map_4k_each") || wanted("unmap_4k_each") ||
	    wanted("unmap_all_4096"))
		c.small = get_small_pages(NSMALL * SZ_4K, "map_4k_each");
	if (wanted("map_4k_each") || wanted("unmap_4k_each"))
		bench_small(&c);
	if (wanted("unmap_all_4096"))
		bench_unmap_all(&c);
	if (wanted("msi_roundtrip") || wanted("msi_roundtrip_ipi"))
		bench_msi(&c);
	if (wanted("cfg_read_pread"))
		bench_pread(&c, "cfg_read_pread", c.cfg_off);
	if (wanted("bar0_read_pread"))
		bench_pread(&c, "bar0_read_pread", c.bar0_off + EDU_ID);
	if (wanted("bar0_read_mmap"))
		bench_bar_mmap(&c);
	close_stack(&c);

	bench_cdev(c.bdf, c.iova_base);

	if (wanted("device_reset"))
		bench_reset(reset_bdf, c.iova_base);
	printf("# done%s\n", verify_failed ? ", a cdev_* check FAILED" : "");
	return verify_failed ? 3 : 0;
}
