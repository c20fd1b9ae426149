// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-bench: time the VFIO uAPI paths a userspace driver or a VMM hits,
 * on QEMU's edu device (1234:11e8) bound to vfio-pci, through the legacy
 * container/group interface and the type1v2 IOMMU backend (or whatever
 * serves /dev/vfio/vfio: iommufd's compat container), and (the cdev_*
 * workloads) through the device cdev bound to an iommufd, with
 * IOMMU_IOAS_MAP/UNMAP on an IOAS.  The bar_* workloads and map_bar_1g
 * use the 1 GiB BAR2 of a second device (-I, QEMU's ivshmem-plain), whose
 * group joins edu's container.
 *
 *   vfio-bench [-w NAME[,NAME...]] [-x SCALE] [-R BDF] [-I BDF] [-U] [-l] BDF
 *     -w  run only the workloads whose name starts with one of NAMEs
 *     -x  multiply every repetition count by SCALE (default 1)
 *     -R  the device (bound to vfio-pci) whose VFIO_DEVICE_RESET is timed:
 *         edu, BDF, has no reset method
 *     -I  the device (bound to vfio-pci, in a group of its own) with the
 *         1 GiB BAR2
 *     -U  /dev/vfio/vfio is iommufd's compat container, which charges
 *         pinned pages to the user, not to the process's VmLck
 *     -l  list the workloads (those -w selects) and exit
 *
 * Every workload prints one line
 *
 *   BENCH <workload> <median_ns> <p10_ns> <p90_ns>
 *
 * over its repetitions (after one untimed warm-up), or n/a in the three
 * number fields when the kernel refused a step; the reason goes to stderr.
 * Every workload checks its work outside the timed part (each unmap
 * reports the bytes mapped; the pins a map takes are exactly its pages,
 * charged to VmLck through the container, and all are released again;
 * the data read is what was written or read before): a failed check
 * prints "# FAIL <workload>: why" and makes the exit status 3.  A kernel
 * without the device cdev or iommufd says so in a "# cdev: ..." line and
 * reports them n/a.
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
#include <pthread.h>
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

#define SZ_1M		0x100000ULL
#define NBARPAGES	(SZ_1G / SZ_4K)	/* 4 KiB pages of the large BAR */

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
	/* The device with the large BAR (ivshmem-plain, -I), its group in
	 * the same container as edu's. */
	const char *big_bdf;
	char big_group_path[PATH_MAX];
	int big_group;
	int big_device;
	uint64_t big_off;		/* file offset of its BAR2 */
	uint64_t big_size;
	volatile uint32_t *big;		/* mmap of BAR2 (1 GiB), or NULL */
	uint32_t *big_want;		/* the word each BAR page must hold */
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
	uint64_t step[6];		/* open_cdev(): time after each step */
};

static double scale = 1.0;
static int verify_failed;	/* a check failed: exit status 3 */
static const char *only;	/* -w list, comma separated */
static const char *reset_bdf;	/* -R: the device of device_reset */
/*
 * Whether the container charges pinned pages to the process's VmLck:
 * type1 does, iommufd's compat container (-U) charges the user instead,
 * so VmLck must not move at all there.
 */
static bool vmlck_charged = true;

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

/*
 * What a workload must leave as it found it: the pages pinned system wide
 * and this process's VmLck (type1 and iommufd's compat container charge
 * pinned pages to it; the cdev's iommufd charges the user instead).
 */
struct acct {
	long pins;
	long lck_kib;
};

static struct acct acct_now(void)
{
	return (struct acct){ .pins = pins_held(), .lck_kib = locked_kib() };
}

/*
 * The pins held once they stop moving.  Our own output pins pages for a
 * while: the guest's 9p (netfs) pins a write's user buffer and releases
 * it from a worker after the write, so a count taken right after a
 * printf can lose one page by the time of the next.  Flush, then wait
 * (up to a second) for two equal counts 10 ms apart.
 */
static long pins_settled(void)
{
	long prev, now;

	fflush(stdout);
	now = pins_held();
	for (int i = 0; i < 100; i++) {
		usleep(10000);
		prev = now;
		now = pins_held();
		if (now == prev)
			break;
	}
	return now;
}

/* The start of a workload's checks: acct_now() with settled pins. */
static struct acct acct_base(void)
{
	return (struct acct){ .pins = pins_settled(), .lck_kib = locked_kib() };
}

/*
 * Now @pages more pages are pinned than at @base, and VmLck is @pages *
 * 4 KiB higher (unchanged if the container does not charge it), or the
 * workload @name failed its check.
 */
static int check_acct(const char *name, const char *when,
		      const struct acct *base, long pages)
{
	struct acct a = acct_now();
	long lck_kib = vmlck_charged ? pages * 4 : 0;
	int rc = 0;

	if (a.pins < 0 || base->pins < 0 || a.pins - base->pins != pages) {
		verify_fail(name, "%s: %ld pages pinned, want %ld", when,
			    a.pins - base->pins, pages);
		rc = -1;
	}
	if (a.lck_kib < 0 || base->lck_kib < 0 ||
	    a.lck_kib - base->lck_kib != lck_kib) {
		verify_fail(name, "%s: VmLck %ld kB above the start, want %ld",
			    when, a.lck_kib - base->lck_kib, lck_kib);
		rc = -1;
	}
	return rc;
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

/*
 * UNMAP_DMA of [iova, iova + size) (FLAG_ALL: everything); it must
 * report @want bytes unmapped, or the workload @name failed its check.
 */
static int dma_unmap(struct bench_ctx *c, const char *name, uint64_t iova,
		     uint64_t size, uint32_t flags, uint64_t want)
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
	if (u.size != want) {
		verify_fail(name, "UNMAP_DMA of 0x%llx at 0x%llx (flags 0x%x) reported 0x%llx bytes, want 0x%llx",
			    (unsigned long long)size, (unsigned long long)iova, flags,
			    (unsigned long long)u.size, (unsigned long long)want);
		return -1;
	}
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

/*
 * MAP then UNMAP of 1 GiB in one call each, checked each time: the map
 * pins (and charges to VmLck) exactly its pages, or none for the BAR
 * (@pinned false: a VM_PFNMAP range has no struct pages), and the unmap
 * reports 1 GiB and releases them all.
 */
static void bench_map_1g(struct bench_ctx *c, void *buf, const char *map_name,
			 const char *unmap_name, bool pinned, int nreps)
{
	int n = reps(nreps), got = 0;
	double *tm = calloc(n, sizeof(double)), *tu = calloc(n, sizeof(double));
	long npages = pinned ? SZ_1G / SZ_4K : 0;
	struct acct base = acct_base();

	for (int i = -1; buf && tm && tu && i < n; i++) {
		uint64_t t0, t1, t2, t3;

		t0 = now_ns();
		if (dma_map(c, buf, c->iova_base, SZ_1G))
			break;
		t1 = now_ns();
		if (check_acct(map_name, "after the map", &base, npages))
			break;
		t2 = now_ns();
		if (dma_unmap(c, unmap_name, c->iova_base, SZ_1G, 0, SZ_1G))
			break;
		t3 = now_ns();
		if (check_acct(unmap_name, "after the unmap", &base, 0))
			break;
		if (i >= 0) {
			tm[got] = t1 - t0;
			tu[got] = t3 - t2;
			got++;
		}
	}
	if (got < n)
		got = 0;
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

/*
 * NSMALL single-page MAP_DMAs, then as many UNMAP_DMAs: time per call;
 * then the same mappings gone in one UNMAP_DMA with FLAG_ALL.  Checked:
 * pins and VmLck after the maps and after the unmaps, bytes unmapped.
 */
static void bench_small(struct bench_ctx *c)
{
	int n = reps(7), got = 0, got_all = 0;
	double *tm = calloc(n, sizeof(double)), *tu = calloc(n, sizeof(double));
	double *ta = calloc(n, sizeof(double));
	bool all = wanted("unmap_all_4096");
	struct acct base = acct_base();
	bool ok = c->small && tm && tu && ta;

	if (ok && all && ioctl(c->container, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL) != 1) {
		err("container does not offer VFIO_UNMAP_ALL");
		all = false;
	}
	for (int i = -1; ok && i < n; i++) {
		uint64_t t0, t1, t2;
		int j;

		ok = false;
		t0 = now_ns();
		if (map_smalls(c))
			break;
		t1 = now_ns();
		if (check_acct("map_4k_each", "after the maps", &base, NSMALL))
			break;
		t2 = now_ns();
		for (j = 0; j < NSMALL; j++)
			if (dma_unmap(c, "unmap_4k_each", c->iova_base + j * SZ_4K,
				      SZ_4K, 0, SZ_4K))
				break;
		if (j < NSMALL)
			break;
		if (i >= 0) {
			tm[got] = (double)(t1 - t0) / NSMALL;
			tu[got] = (double)(now_ns() - t2) / NSMALL;
			got++;
		}
		if (check_acct("unmap_4k_each", "after the unmaps", &base, 0))
			break;
		ok = true;
		if (!all)
			continue;

		ok = false;
		if (map_smalls(c))
			break;
		t0 = now_ns();
		if (dma_unmap(c, "unmap_all_4096", 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
			      NSMALL * SZ_4K))
			break;
		if (i >= 0)
			ta[got_all++] = now_ns() - t0;
		if (check_acct("unmap_all_4096", "after the unmap", &base, 0))
			break;
		ok = true;
	}
	if (!ok)
		got = got_all = 0;
	unmap_everything(c);
	if (wanted("map_4k_each") || wanted("unmap_4k_each")) {
		report("map_4k_each", tm, got);
		report("unmap_4k_each", tu, got);
	}
	if (wanted("unmap_all_4096"))
		report("unmap_all_4096", ta, got_all);
	free(tm);
	free(tu);
	free(ta);
}

/*
 * MAP_DMA then UNMAP_DMA of 1 GiB of 4 KiB pages split over @nthreads
 * threads on the one container, each mapping and unmapping its own slice
 * at the same time: the time from their start to the last one's end.
 * Under -icount the vCPUs take turns, so this counts the instructions of
 * all the threads (contention included), not a parallel speed-up.
 */
struct mt_arg {
	struct bench_ctx *c;
	pthread_barrier_t *bar;
	const char *name;
	char *vaddr;
	uint64_t iova, size;
	int rc;
};

static void *mt_worker(void *p)
{
	struct mt_arg *a = p;

	/* Map, both sides wait, unmap, both sides wait. */
	pthread_barrier_wait(a->bar);
	a->rc = dma_map(a->c, a->vaddr, a->iova, a->size);
	pthread_barrier_wait(a->bar);
	pthread_barrier_wait(a->bar);
	if (!a->rc)
		a->rc = dma_unmap(a->c, a->name, a->iova, a->size, 0, a->size);
	pthread_barrier_wait(a->bar);
	return NULL;
}

static void bench_map_threads(struct bench_ctx *c, void *buf, int nthreads)
{
	char map_name[32], unmap_name[32];
	int n = reps(5), got = 0;
	double *tm = calloc(n, sizeof(double)), *tu = calloc(n, sizeof(double));
	struct acct base = acct_base();
	uint64_t slice = SZ_1G / nthreads;

	snprintf(map_name, sizeof(map_name), "map_anon_1g_%dt", nthreads);
	snprintf(unmap_name, sizeof(unmap_name), "unmap_anon_1g_%dt", nthreads);
	for (int i = -1; buf && tm && tu && i < n; i++) {
		struct mt_arg a[8];
		pthread_t th[8];
		pthread_barrier_t bar;
		uint64_t t0, t1, t2, t3;
		int started = 0, rc = 0;

		pthread_barrier_init(&bar, NULL, nthreads + 1);
		for (int t = 0; t < nthreads; t++) {
			a[t] = (struct mt_arg){ .c = c, .bar = &bar, .name = unmap_name,
				.vaddr = (char *)buf + t * slice,
				.iova = c->iova_base + t * slice, .size = slice };
			if (pthread_create(&th[t], NULL, mt_worker, &a[t]))
				break;
			started++;
		}
		if (started < nthreads) {
			/* Cannot release the barrier: give up the process. */
			err("%s: pthread_create failed", map_name);
			exit(1);
		}
		t0 = now_ns();
		pthread_barrier_wait(&bar);
		pthread_barrier_wait(&bar);
		t1 = now_ns();
		for (int t = 0; t < nthreads; t++)
			rc |= a[t].rc;
		if (!rc && check_acct(map_name, "after the maps", &base,
				      SZ_1G / SZ_4K))
			rc = -1;
		t2 = now_ns();
		pthread_barrier_wait(&bar);
		pthread_barrier_wait(&bar);
		t3 = now_ns();
		for (int t = 0; t < nthreads; t++) {
			pthread_join(th[t], NULL);
			rc |= a[t].rc;
		}
		pthread_barrier_destroy(&bar);
		if (rc || check_acct(unmap_name, "after the unmaps", &base, 0))
			break;
		if (i >= 0) {
			tm[got] = t1 - t0;
			tu[got] = t3 - t2;
			got++;
		}
	}
	if (got < n)
		got = 0;
	unmap_everything(c);
	report(map_name, tm, got);
	report(unmap_name, tu, got);
	free(tm);
	free(tu);
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
	/* One interrupt raised, one signalled: no more, no fewer. */
	if (cnt != 1) {
		verify_fail("msi_roundtrip", "the eventfd counted %llu interrupts, want 1",
			    (unsigned long long)cnt);
		return -1;
	}
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

/*
 * A mix of config space reads, each compared with what the same read
 * gave once before the timing: bytes vfio-pci passes through, bytes it
 * virtualizes (command, BARs, the capability pointer) and the bytes of
 * the MSI capability, in 1, 2 and 4 byte widths.
 */
struct cfg_read {
	uint16_t off;
	uint8_t len;
	uint32_t want;
};

struct pread_arg {
	struct bench_ctx *c;
	const char *name;
	uint64_t off;		/* bar0_read_pread: the file offset */
	uint32_t want;
	struct cfg_read mix[16];
	int nmix;
};

static int pread_batch(void *arg, int batch)
{
	struct pread_arg *p = arg;
	uint32_t v = 0;

	for (int j = 0; j < batch; j++) {
		ssize_t r = pread(p->c->device, &v, 4, p->off);

		if (r != 4)
			return fail("%s: pread at 0x%llx returned %zd", p->name,
				    (unsigned long long)p->off, r);
	}
	if (v != p->want) {
		verify_fail(p->name, "read 0x%08x, want 0x%08x", v, p->want);
		return -1;
	}
	return 0;
}

/* Batches of 4-byte preads at one file offset: time per pread. */
static void bench_pread(struct bench_ctx *c, const char *name, uint64_t off,
			uint32_t want)
{
	struct pread_arg p = { .c = c, .name = name, .off = off, .want = want };

	time_batches(name, 1, 500, pread_batch, &p);
}

static int cfg_mix_batch(void *arg, int batch)
{
	struct pread_arg *p = arg;

	for (int j = 0; j < batch; j++) {
		const struct cfg_read *m = &p->mix[j % p->nmix];
		uint32_t v = 0;
		ssize_t r = pread(p->c->device, &v, m->len, p->c->cfg_off + m->off);

		if (r != m->len)
			return fail("%s: pread of %u at 0x%x returned %zd", p->name,
				    m->len, m->off, r);
		if (v != m->want) {
			verify_fail(p->name, "config 0x%x (%u bytes) read 0x%x, first 0x%x",
				    m->off, m->len, v, m->want);
			return -1;
		}
	}
	return 0;
}

static void bench_cfg_mix(struct bench_ctx *c)
{
	static const struct { uint16_t off; uint8_t len; } hdr[] = {
		{ 0x00, 4 },	/* vendor, device: passed through */
		{ 0x04, 2 },	/* command: virtualized */
		{ 0x08, 4 },	/* class, revision: passed through */
		{ 0x0e, 1 },	/* header type */
		{ 0x10, 4 },	/* BAR0: virtualized */
		{ 0x2c, 4 },	/* subsystem ids */
		{ 0x34, 1 },	/* capability pointer: virtualized */
		{ 0x3d, 1 },	/* interrupt pin */
	};
	struct pread_arg p = { .c = c, .name = "cfg_read_mix" };
	uint8_t cap = 0, id = 0;

	for (size_t i = 0; i < ARRAY_SIZE(hdr); i++)
		p.mix[p.nmix++] = (struct cfg_read){ .off = hdr[i].off, .len = hdr[i].len };
	/* The first capability (edu: MSI): its id/next, control, address. */
	if (pread(c->device, &cap, 1, c->cfg_off + 0x34) != 1 ||
	    (cap && pread(c->device, &id, 1, c->cfg_off + cap) != 1)) {
		fail("cfg_read_mix: pread of the capability list");
		report(p.name, NULL, 0);
		return;
	}
	if (cap < 0x40 || cap > 0xf0) {
		verify_fail(p.name, "capability pointer 0x%x", cap);
		report(p.name, NULL, 0);
		return;
	}
	printf("# cfg_read_mix: first capability 0x%02x at 0x%02x\n", id, cap);
	p.mix[p.nmix++] = (struct cfg_read){ .off = cap, .len = 2 };
	p.mix[p.nmix++] = (struct cfg_read){ .off = cap + 2, .len = 2 };
	p.mix[p.nmix++] = (struct cfg_read){ .off = cap + 4, .len = 4 };
	p.mix[p.nmix++] = (struct cfg_read){ .off = cap + 1, .len = 1 };
	for (int i = 0; i < p.nmix; i++) {
		struct cfg_read *m = &p.mix[i];

		if (pread(c->device, &m->want, m->len, c->cfg_off + m->off) != m->len) {
			fail("cfg_read_mix: pread of %u at 0x%x", m->len, m->off);
			report(p.name, NULL, 0);
			return;
		}
	}
	/* Batches of 12 rounds through the mix: time per pread. */
	time_batches(p.name, 1, 12 * p.nmix, cfg_mix_batch, &p);
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

/* ------------------------------------------------------------------ */
/* the large BAR (ivshmem-plain's BAR2, 1 GiB of host shared memory)    */

/*
 * Add the large BAR's device to edu's container (its own group) and take
 * its device fd: memory decoding on, BAR2 of 1 GiB, mmap-capable.
 */
static int open_big(struct bench_ctx *c)
{
	struct bench_ctx g = { .bdf = c->big_bdf };
	struct vfio_region_info ri;
	uint16_t cmd;

	if (find_group(&g))
		return -1;
	memcpy(c->big_group_path, g.group_path, sizeof(g.group_path));
	if (!strcmp(c->big_group_path, c->group_path)) {
		err("%s shares edu's group %s: want a group of its own", c->big_bdf,
		    c->group_path);
		return -1;
	}
	c->big_group = open(c->big_group_path, O_RDWR | O_CLOEXEC);
	if (c->big_group < 0)
		return fail("open %s", c->big_group_path);
	if (ioctl(c->big_group, VFIO_GROUP_SET_CONTAINER, &c->container))
		return fail("VFIO_GROUP_SET_CONTAINER(%s)", c->big_group_path);
	c->big_device = ioctl(c->big_group, VFIO_GROUP_GET_DEVICE_FD, c->big_bdf);
	if (c->big_device < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD(%s)", c->big_bdf);
	g.device = c->big_device;
	if (region_info(&g, VFIO_PCI_CONFIG_REGION_INDEX, &ri))
		return -1;
	g.cfg_off = ri.offset;
	if (cfg_rw16(&g, 0x4, &cmd, false))
		return -1;
	cmd |= 0x2;
	if (cfg_rw16(&g, 0x4, &cmd, true))
		return -1;
	if (region_info(&g, VFIO_PCI_BAR2_REGION_INDEX, &ri))
		return -1;
	printf("# large BAR: %s BAR2 %llu MiB at 0x%llx flags 0x%x, group %s\n",
	       c->big_bdf, (unsigned long long)(ri.size >> 20),
	       (unsigned long long)ri.offset, ri.flags, c->big_group_path);
	if (ri.size != SZ_1G || !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		err("%s: BAR2 is not 1 GiB and mmap-capable", c->big_bdf);
		return -1;
	}
	c->big_off = ri.offset;
	c->big_size = ri.size;
	c->big_want = calloc(NBARPAGES, sizeof(uint32_t));
	return c->big_want ? 0 : fail("calloc");
}

static void close_big(struct bench_ctx *c)
{
	if (c->big)
		munmap((void *)c->big, c->big_size);
	if (c->big_device >= 0)
		close(c->big_device);
	if (c->big_group >= 0)
		close(c->big_group);
	free(c->big_want);
	c->big = NULL;
	c->big_want = NULL;
	c->big_device = c->big_group = -1;
}

/* The word of BAR page @i that the workloads write and check. */
static inline size_t big_slot(size_t i)
{
	return i * (SZ_4K / 4) + ((i * 7) & 1023);
}

/*
 * Every page of the mapping holds what big_want says, and so does a
 * sample of 256 of them read with pread through the device fd (not the
 * mapping): the data went to the device's memory.
 */
static int check_big(struct bench_ctx *c, const char *name)
{
	for (size_t i = 0; i < NBARPAGES; i++) {
		uint32_t v = c->big[big_slot(i)];

		if (v != c->big_want[i]) {
			verify_fail(name, "BAR page %zu holds 0x%08x through the mapping, want 0x%08x",
				    i, v, c->big_want[i]);
			return -1;
		}
	}
	for (size_t i = 3; i < NBARPAGES; i += NBARPAGES / 256) {
		uint32_t v = 0;

		if (pread(c->big_device, &v, 4, c->big_off + big_slot(i) * 4) != 4)
			return fail("%s: pread of BAR page %zu", name, i);
		if (v != c->big_want[i]) {
			verify_fail(name, "BAR page %zu holds 0x%08x by pread, want 0x%08x",
				    i, v, c->big_want[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * mmap(NULL) of the whole BAR, as a user would, and a first write to
 * every 4 KiB page of it, in order: the time of the whole fault-in.
 * Each pass writes new values, checked after the timing; the last
 * mapping stays for bar_random_rw and map_bar_1g.
 */
static void bench_bar_fault(struct bench_ctx *c)
{
	int n = reps(3), got = 0;
	double *t = calloc(n, sizeof(double));
	double *k = calloc(n, sizeof(double));

	for (int i = 0; t && k && i < n; i++) {
		volatile uint32_t *p;
		uint64_t t0, t1, t2, again;

		if (c->big)
			munmap((void *)c->big, c->big_size);
		c->big = NULL;
		p = mmap(NULL, c->big_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 c->big_device, c->big_off);
		if (p == MAP_FAILED) {
			fail("mmap of the large BAR");
			break;
		}
		c->big = p;
		if (i == 0)
			printf("# bar_fault_1g: mapped at %p (1 GiB aligned: %s, 2 MiB aligned: %s)\n",
			       (void *)p, (uintptr_t)p % SZ_1G ? "no" : "yes",
			       (uintptr_t)p % SZ_2M ? "no" : "yes");
		for (size_t j = 0; j < NBARPAGES; j++)
			c->big_want[j] = (uint32_t)(i + 1) << 24 ^ (uint32_t)j;
		t0 = now_ns();
		for (size_t j = 0; j < NBARPAGES; j++)
			p[big_slot(j)] = c->big_want[j];
		t1 = now_ns();
		/*
		 * The same loop again, every page present now: what the loop
		 * costs by itself.  The difference is what the kernel's
		 * faults added (bar_fault_1g_kernel).
		 */
		for (size_t j = 0; j < NBARPAGES; j++)
			p[big_slot(j)] = c->big_want[j];
		t2 = now_ns();
		again = t2 - t1;
		if (check_big(c, "bar_fault_1g"))
			break;
		k[got] = t1 - t0 > again ? (double)(t1 - t0 - again) : 0;
		t[got++] = t1 - t0;
	}
	if (got < n)
		got = 0;
	report("bar_fault_1g", t, got);
	report("bar_fault_1g_kernel", k, got);
	free(t);
	free(k);
}

struct rand_arg {
	struct bench_ctx *c;
	uint64_t state;
};

/* Loads and stores at random pages of the faulted-in BAR, each checked. */
static int bar_random_batch(void *arg, int batch)
{
	struct rand_arg *r = arg;
	volatile uint32_t *p = r->c->big;
	uint32_t *want = r->c->big_want;

	for (int j = 0; j < batch; j++) {
		size_t i, slot;
		uint32_t v;

		/* xorshift64 */
		r->state ^= r->state << 13;
		r->state ^= r->state >> 7;
		r->state ^= r->state << 17;
		i = r->state % NBARPAGES;
		slot = big_slot(i);
		v = p[slot];
		if (v != want[i]) {
			verify_fail("bar_random_rw", "BAR page %zu read 0x%08x, want 0x%08x",
				    i, v, want[i]);
			return -1;
		}
		p[slot] = ++want[i];
	}
	return 0;
}

static void bench_bar_random(struct bench_ctx *c)
{
	struct rand_arg r = { .c = c, .state = 0x9e3779b97f4a7c15ULL };

	if (!c->big) {
		err("bar_random_rw: the large BAR is not mapped");
		report("bar_random_rw", NULL, 0);
		return;
	}
	time_batches("bar_random_rw", 1, 4096, bar_random_batch, &r);
	check_big(c, "bar_random_rw");
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
	struct vfio_region_info ri;
	uint16_t vendor0;

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
	if (region_info(&r, VFIO_PCI_CONFIG_REGION_INDEX, &ri))
		goto out;
	r.cfg_off = ri.offset;
	if (cfg_rw16(&r, 0, &vendor0, false))
		goto out;
	for (int i = -1; i < n; i++) {
		uint64_t t0 = now_ns();
		uint16_t vendor = 0;

		if (ioctl(r.device, VFIO_DEVICE_RESET)) {
			fail("VFIO_DEVICE_RESET(%s)", bdf);
			break;
		}
		if (i >= 0)
			t[got++] = now_ns() - t0;
		/* The function answers again after its reset. */
		if (cfg_rw16(&r, 0, &vendor, false))
			break;
		if (vendor != vendor0) {
			verify_fail("device_reset", "vendor id 0x%04x after the reset, 0x%04x before",
				    vendor, vendor0);
			break;
		}
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

		struct vfio_group_status st = { .argsz = sizeof(st) };

		if (open_stack(c))
			break;
		if (i >= 0)
			t[got++] = now_ns() - t0;
		/* The group is attached to the container now. */
		if (ioctl(c->group, VFIO_GROUP_GET_STATUS, &st) ||
		    !(st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET)) {
			verify_fail("open_to_ready", "group status flags 0x%x after the attach",
				    st.flags);
			close_stack(c);
			break;
		}
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
	k->step[0] = now_ns();
	k->device = open(k->path, O_RDWR | O_CLOEXEC);
	if (k->device < 0) {
		fail("open %s", k->path);
		goto close_iommufd;
	}
	k->step[1] = now_ns();
	bind.iommufd = k->iommufd;
	if (ioctl(k->device, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		fail("VFIO_DEVICE_BIND_IOMMUFD");
		goto close_device;
	}
	k->devid = bind.out_devid;
	k->step[2] = now_ns();
	if (ioctl(k->iommufd, IOMMU_IOAS_ALLOC, &alloc)) {
		fail("IOMMU_IOAS_ALLOC");
		goto close_device;
	}
	k->ioas = alloc.out_ioas_id;
	k->step[3] = now_ns();
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
	static const char *const steps[] = {
		"open /dev/iommu", "open vfioN", "BIND_IOMMUFD", "IOAS_ALLOC",
		"ATTACH_IOMMUFD_PT", "close both",
	};
	int n = reps(11), got = 0;
	double *t = calloc(n, sizeof(double));
	double *st[6];

	for (int s = 0; s < 6; s++)
		st[s] = calloc(n, sizeof(double));
	for (int i = -1; t && i < n; i++) {
		uint64_t t0 = now_ns(), t1;

		if (open_cdev(k))
			break;
		t1 = now_ns();
		if (i >= 0) {
			for (int s = 0; s < 5 && st[s]; s++)
				st[s][got] = (s == 4 ? t1 : k->step[s]) -
					     (s ? k->step[s - 1] : t0);
			t[got++] = t1 - t0;
		}
		/* The bind gave an object id; the attach kept the IOAS. */
		if (!k->devid || !k->ioas) {
			verify_fail("cdev_open_to_ready", "devid %u, IOAS %u",
				    k->devid, k->ioas);
			got = 0;
			close_cdev(k);
			break;
		}
		t1 = now_ns();
		close_cdev(k);
		if (i >= 0 && st[5])
			st[5][got - 1] = now_ns() - t1;
	}
	if (got < n) {
		got = 0;
		verify_fail("cdev_open_to_ready", "the stack did not open");
	}
	report("cdev_open_to_ready", t, got);
	/* Where the time goes, step by step (medians; not a table row). */
	if (got) {
		printf("# cdev_open_to_ready steps, ns:");
		for (int s = 0; s < 6; s++) {
			if (!st[s])
				continue;
			qsort(st[s], got, sizeof(double), cmp_double);
			printf("%s %s %.0f", s ? "," : "", steps[s], pct(st[s], got, 0.5));
		}
		printf("\n");
	}
	for (int s = 0; s < 6; s++)
		free(st[s]);
	free(t);
}

/* IOMMU_IOAS_MAP then UNMAP of 1 GiB in one call each, checked. */
static void bench_cdev_map_1g(struct cdev_ctx *k, void *buf, const char *map_name,
			      const char *unmap_name)
{
	int n = reps(7), got = 0;
	double *tm = calloc(n, sizeof(double)), *tu = calloc(n, sizeof(double));
	long npages = SZ_1G / SZ_4K;

	k->pins0 = pins_settled();
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

	k->pins0 = pins_settled();
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
	"open_to_ready", "map_anon_1g", "unmap_anon_1g", "map_anon_1g_2t",
	"unmap_anon_1g_2t", "map_anon_1g_4t", "unmap_anon_1g_4t", "map_huge_1g",
	"unmap_huge_1g", "map_4k_each", "unmap_4k_each", "unmap_all_4096",
	"msi_roundtrip", "msi_roundtrip_ipi", "cfg_read_mix", "bar0_read_pread",
	"bar0_read_mmap", "bar_fault_1g", "bar_fault_1g_kernel",
	"bar_random_rw", "map_bar_1g", "unmap_bar_1g", "cdev_open_to_ready",
	"cdev_map_anon_1g", "cdev_unmap_anon_1g", "cdev_map_huge_1g",
	"cdev_unmap_huge_1g", "cdev_map_4k_each", "cdev_unmap_4k_each",
	"cdev_unmap_all_4096", "device_reset",
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
	fprintf(stderr, "usage: vfio-bench [-w NAME[,NAME...]] [-x SCALE] [-R BDF] [-I BDF] [-U] [-l] BDF\n");
	exit(2);
}

/* Is any of the comma separated @names wanted? */
static bool wanted_any(const char *names)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", names);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (wanted(w))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct bench_ctx c = { .container = -1, .group = -1, .device = -1,
			       .big_group = -1, .big_device = -1,
			       .iova_base = SZ_1G };
	bool list = false;
	struct utsname u;
	int opt;

	while ((opt = getopt(argc, argv, "w:x:lR:I:U")) != -1) {
		switch (opt) {
		case 'U':
			vmlck_charged = false;
			break;
		case 'R':
			reset_bdf = optarg;
			break;
		case 'I':
			c.big_bdf = optarg;
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
			list = true;
			break;
		default:
			usage();
		}
	}
	if (list) {
		for (size_t i = 0; i < NWORK; i++)
			if (wanted(workloads[i]))
				puts(workloads[i]);
		return 0;
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
	printf("# container: %s\n", vmlck_charged ?
	       "VFIO's (type1), pins charged to VmLck" :
	       "iommufd's compat container, pins charged to the user (VmLck stays)");
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
	if (wanted_any("bar_fault_1g,bar_random_rw,map_bar_1g,unmap_bar_1g")) {
		if (!c.big_bdf)
			err("the large BAR workloads need its device (-I BDF)");
		else if (open_big(&c))
			close_big(&c);
	}

	if (wanted_any("map_anon_1g,unmap_anon_1g,map_anon_1g_2t,unmap_anon_1g_2t,map_anon_1g_4t,unmap_anon_1g_4t"))
		c.anon = get_small_pages(SZ_1G, "map_anon_1g");
	if (wanted("map_anon_1g") || wanted("unmap_anon_1g"))
		bench_map_1g(&c, c.anon, "map_anon_1g", "unmap_anon_1g", true, 7);
	if (wanted("map_anon_1g_2t") || wanted("unmap_anon_1g_2t"))
		bench_map_threads(&c, c.anon, 2);
	if (wanted("map_anon_1g_4t") || wanted("unmap_anon_1g_4t"))
		bench_map_threads(&c, c.anon, 4);
	if (c.anon)
		munmap(c.anon, SZ_1G);
	if (wanted("map_huge_1g") || wanted("unmap_huge_1g")) {
		c.huge = get_memory(SZ_1G, true);
		bench_map_1g(&c, c.huge, "map_huge_1g", "unmap_huge_1g", true, 7);
		if (c.huge)
			munmap(c.huge, SZ_1G);
	}
	if (wanted_any("map_4k_each,unmap_4k_each,unmap_all_4096")) {
		c.small = get_small_pages(NSMALL * SZ_4K, "map_4k_each");
		bench_small(&c);
		if (c.small)
			munmap(c.small, NSMALL * SZ_4K);
	}
	if (wanted("msi_roundtrip") || wanted("msi_roundtrip_ipi"))
		bench_msi(&c);
	if (wanted("cfg_read_mix"))
		bench_cfg_mix(&c);
	if (wanted("bar0_read_pread"))
		bench_pread(&c, "bar0_read_pread", c.bar0_off + EDU_ID, EDU_ID_VALUE);
	if (wanted("bar0_read_mmap"))
		bench_bar_mmap(&c);
	if (wanted_any("bar_fault_1g,bar_random_rw,map_bar_1g,unmap_bar_1g")) {
		/*
		 * The process-wide THP switch also keeps the mm from asking a
		 * driver for PMD/PUD entries: a user mapping a BAR (QEMU) has
		 * it on, so turn it back on for the BAR rows (the anonymous
		 * buffers above are gone by now).
		 */
		if (prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0))
			fail("prctl(PR_SET_THP_DISABLE, 0)");
		/* The later two need the mapping the fault-in leaves. */
		if (c.big_want)
			bench_bar_fault(&c);
		else
			report("bar_fault_1g", NULL, 0);
		if (wanted("bar_random_rw"))
			bench_bar_random(&c);
		if (wanted("map_bar_1g") || wanted("unmap_bar_1g"))
			bench_map_1g(&c, (void *)c.big, "map_bar_1g", "unmap_bar_1g",
				     false, 3);
	}
	close_big(&c);
	close_stack(&c);

	bench_cdev(c.bdf, c.iova_base);

	if (wanted("device_reset"))
		bench_reset(reset_bdf, c.iova_base);
	printf("# done%s\n", verify_failed ? ", a check FAILED" : "");
	return verify_failed ? 3 : 0;
}
