// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and VFIO_DEVICE_PCI_HOT_RESET.
 *
 * Functions on the root bus of the test VM have no slot or bus reset, so
 * this needs one behind a bridge, e.g. run-vm.sh
 * -d pcie-root-port,id=rp1,chassis=1,x-speed=2_5 -d nvme,bus=rp1,...
 * (at faster link speeds the PCI core waits for a link-active report that
 * QEMU's root port does not give after a secondary bus reset).  Every nvme
 * and e1000e function is tried (the profiles topology and arm64-msi put an
 * NVMe controller behind a root port); with none that can be reset the
 * tests skip, which the harness counts as a failure unless listed.
 *
 * Two variants: the device opened through its group (ownership proven
 * with group files), and bound through its cdev to an iommufd (ownership
 * proven by the iommufd itself: an empty array, and the info answers
 * with iommufd device ids).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_harness.h"
#include "vfio_util.h"

/*
 * Functions QEMU resets for real, each with a BAR0 register that keeps
 * what is written and reads 0 after a reset, so that a reset that did
 * nothing shows (edu has no reset at all in QEMU), and one that never
 * changes, for the tests of BAR mappings.
 */
static const struct {
	unsigned int vendor, device;
	unsigned int scratch;
	uint32_t scratch_val;
	unsigned int id_off;
} ids[] = {
	/* INTMS; VS */
	{ NVME_VENDOR, NVME_DEVICE, 0x0c, 0x1, 0x08 },
	/* RDBAL0; the first half of the MAC address (RAL0) */
	{ E1000E_VENDOR, E1000E_DEVICE, 0x2800, 0x12345000, 0x5400 },
};

FIXTURE(hot_reset) {
	struct vfio_util_dev d;
	struct vfio_pci_hot_reset_info *info;
	unsigned int vendor;
	unsigned int scratch;
	uint32_t scratch_val;
	unsigned int id_off;	/* BAR0 register whose value never changes */
	uint32_t id_val;
};

FIXTURE_VARIANT(hot_reset) {
	enum vfio_util_mode mode;
};

FIXTURE_VARIANT_ADD(hot_reset, group) {
	.mode = VFIO_UTIL_TYPE1v2,
};

FIXTURE_VARIANT_ADD(hot_reset, cdev) {
	.mode = VFIO_UTIL_CDEV,
};

static int hot_reset_info(int fd, struct vfio_pci_hot_reset_info *info)
{
	return ioctl(fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info) ? -errno : 0;
}

/* Whether the PCI core lists a bus or slot reset for @bdf. */
static bool has_bus_reset(const char *bdf)
{
	char path[128], methods[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset_method",
		 bdf);
	if (vfio_util_read_file(path, methods, sizeof(methods)) <= 0)
		return false;
	return strstr(methods, "bus") || strstr(methods, "slot");
}

/*
 * How many functions a bus reset of @bdf's bus takes with it, from sysfs
 * alone: every function on that bus (QEMU puts no bridge below ours).
 */
static unsigned int functions_on_bus(const char *bdf)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *dir = opendir("/sys/bus/pci/devices");

	if (!dir)
		return 0;
	/* "DDDD:BB:" is the first 8 characters of the name. */
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.' && !strncmp(e->d_name, bdf, 8))
			n++;
	closedir(dir);
	return n;
}

/* Open the first function that has a slot or bus reset. */
FIXTURE_SETUP(hot_reset)
{
	struct vfio_pci_hot_reset_info hdr;
	const char *bdf;
	char name[32];
	unsigned int i;
	size_t size;
	int n;

	vfio_util_dev_init(&self->d);
	self->info = NULL;
	vfio_util_modprobe("vfio_iommu_type1");
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		for (n = 0; (bdf = vfio_util_find_pci_nth(ids[i].vendor,
							  ids[i].device, n));
		     n++) {
			snprintf(name, sizeof(name), "%s", bdf);
			/*
			 * A function whose group another driver holds (not
			 * viable) cannot be opened: take the next one.
			 */
			if (has_bus_reset(name) &&
			    !vfio_util_open_mode(&self->d, name,
						 variant->mode)) {
				self->vendor = ids[i].vendor;
				self->scratch = ids[i].scratch;
				self->scratch_val = ids[i].scratch_val;
				self->id_off = ids[i].id_off;
				goto found;
			}
		}
	}
	SKIP(return, "no function with a slot or bus reset in a viable group");

found:
	/*
	 * The PCI core can reset its bus or slot, so VFIO must offer the hot
	 * reset: with no room for an entry, -ENOSPC and the count.
	 */
	memset(&hdr, 0, sizeof(hdr));
	hdr.argsz = sizeof(hdr);
	ASSERT_EQ(-ENOSPC, hot_reset_info(self->d.device, &hdr));
	ASSERT_LT(0, hdr.count);
	size = sizeof(hdr) + hdr.count * sizeof(self->info->devices[0]);
	self->info = calloc(1, size);
	self->info->argsz = size;
	ASSERT_EQ(0, hot_reset_info(self->d.device, self->info));
	ASSERT_EQ(hdr.count, self->info->count);
	TH_LOG("%s: %u function(s) share its reset", self->d.bdf, hdr.count);
}

FIXTURE_TEARDOWN(hot_reset)
{
	free(self->info);
	vfio_util_close(&self->d);
}

TEST_F(hot_reset, info_lists_the_function_and_its_group)
{
	bool cdev = variant->mode == VFIO_UTIL_CDEV;
	bool found = false;
	uint32_t i;

	EXPECT_EQ(functions_on_bus(self->d.bdf), self->info->count);

	if (cdev) {
		EXPECT_TRUE(self->info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID);
		/* Alone in its reset, the function is all the user needs. */
		if (self->info->count == 1) {
			EXPECT_TRUE(self->info->flags &
				    VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED);
		}
	} else {
		EXPECT_EQ(0, self->info->flags);
	}
	for (i = 0; i < self->info->count; i++) {
		struct vfio_pci_dependent_device *dev = &self->info->devices[i];
		char bdf[32];

		snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", dev->segment,
			 dev->bus, dev->devfn >> 3, dev->devfn & 7);
		if (strcmp(bdf, self->d.bdf))
			continue;
		found = true;
		if (cdev) {
			EXPECT_EQ(self->d.devid, dev->devid);
		} else {
			EXPECT_EQ(self->d.group_id, (int)dev->group_id);
		}
	}
	EXPECT_TRUE(found);
}

static int hot_reset(struct vfio_util_dev *d, int count, const int *fds)
{
	size_t size = sizeof(struct vfio_pci_hot_reset) + count * sizeof(int);
	struct vfio_pci_hot_reset *r = calloc(1, size + sizeof(int));
	int ret;

	r->argsz = size;
	r->count = count;
	memcpy(r->group_fds, fds, count * sizeof(int));
	ret = ioctl(d->device, VFIO_DEVICE_PCI_HOT_RESET, r) ? -errno : 0;
	free(r);
	return ret;
}

TEST_F(hot_reset, needs_proof_of_ownership)
{
	int bad = -1;

	if (variant->mode == VFIO_UTIL_CDEV) {
		/* The iommufd is the proof: group files are refused. */
		EXPECT_EQ(-EINVAL, hot_reset(&self->d, 1, &bad));
		EXPECT_EQ(-EINVAL, hot_reset(&self->d, 1, &self->d.device));
		return;
	}

	/* No groups at all: refused for a group-opened device. */
	EXPECT_EQ(-EINVAL, hot_reset(&self->d, 0, NULL));
	EXPECT_EQ(-EBADF, hot_reset(&self->d, 1, &bad));
	/* A file that is not a group proves nothing. */
	EXPECT_EQ(-EINVAL, hot_reset(&self->d, 1, &self->d.device));
	/* More groups than affected functions. */
	if (self->info->count == 1) {
		int two[2] = { self->d.group, self->d.group };

		EXPECT_EQ(-EINVAL, hot_reset(&self->d, 2, two));
	}
}

TEST_F(hot_reset, reset_with_our_group)
{
	uint32_t id = 0;

	if (functions_on_bus(self->d.bdf) > 1)
		SKIP(return, "other functions share the reset");
	ASSERT_EQ(1, self->info->count);
	vfio_util_bar_write32(&self->d, 0, self->scratch, self->scratch_val);
	ASSERT_EQ(self->scratch_val,
		  vfio_util_bar_read32(&self->d, 0, self->scratch));
	if (variant->mode == VFIO_UTIL_CDEV) {
		EXPECT_EQ(0, hot_reset(&self->d, 0, NULL));
	} else {
		EXPECT_EQ(0, hot_reset(&self->d, 1, &self->d.group));
	}
	ASSERT_EQ(4, vfio_util_region_read(&self->d,
					   VFIO_PCI_CONFIG_REGION_INDEX, 0,
					   &id, 4));
	EXPECT_EQ(self->vendor, id & 0xffff);
	/* The function was reset, and its BAR works again. */
	EXPECT_EQ(0, vfio_util_bar_read32(&self->d, 0, self->scratch));
}

/*
 * A BAR mapping held across VFIO_DEVICE_RESET and VFIO_DEVICE_PCI_HOT_RESET.
 * What 6.12 does, and so what is asserted: each reset takes memory_lock
 * for writing and zaps every mapping of the BARs first, so the next access
 * faults the page in again (a minor fault of the reading thread, which is
 * how the tests see the revocation).  A fault during the reset waits for
 * memory_lock and is then served: no SIGBUS from a reset alone.  Whether a
 * fault is served depends on the memory bit of the user's (virtual)
 * command register, which a reset does not change: with decode off the
 * mapping gives SIGBUS before and after the reset, and refaults once the
 * user turns decode on.  The hot reset takes memory_lock with a trylock
 * and answers EBUSY when a fault holds it.
 */
static __thread sigjmp_buf bus_jmp;

/* Each bus reset waits 100 ms and more for the link: keep them few. */
#define CONCURRENT_RESETS	5

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/*
 * The register at @off through the mapping, or -1 on SIGBUS; *@faults
 * gets the minor faults the read took (1 when the page had to be mapped
 * again).
 */
static long mapped_id(volatile uint32_t *bar, unsigned int off, long *faults)
{
	struct rusage r0, r1;
	volatile long v;

	getrusage(RUSAGE_THREAD, &r0);
	if (sigsetjmp(bus_jmp, 1))
		v = -1;
	else
		v = bar[off / 4];
	getrusage(RUSAGE_THREAD, &r1);
	if (faults)
		*faults = r1.ru_minflt - r0.ru_minflt;
	return v;
}

static void set_command(struct vfio_util_dev *d, uint16_t cmd)
{
	vfio_util_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND,
			       &cmd, sizeof(cmd));
}

static uint16_t get_command(struct vfio_util_dev *d)
{
	uint16_t cmd = 0;

	vfio_util_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND,
			      &cmd, sizeof(cmd));
	return cmd;
}

/* VFIO_DEVICE_RESET, or the hot reset with the proof of ownership. */
static int reset_kind(FIXTURE_DATA(hot_reset) *self, bool hot, bool cdev)
{
	if (!hot)
		return ioctl(self->d.device, VFIO_DEVICE_RESET) ? -errno : 0;
	if (cdev)
		return hot_reset(&self->d, 0, NULL);
	return hot_reset(&self->d, 1, &self->d.group);
}

struct mapped_reader {
	volatile uint32_t *bar;
	unsigned int off;
	uint32_t id;
	int stop;
	unsigned long good, sigbus, wrong, refaults;
};

static void *mapped_reader(void *arg)
{
	struct mapped_reader *r = arg;
	long v, faults;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		v = mapped_id(r->bar, r->off, &faults);
		if (v == r->id)
			r->good++;
		else if (v == -1)
			r->sigbus++;
		else
			r->wrong++;
		r->refaults += faults;
	}
	return NULL;
}

static void bar_mapping_across(struct __test_metadata *_metadata,
			       FIXTURE_DATA(hot_reset) *self, bool hot,
			       bool cdev)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	struct mapped_reader r = { 0 };
	struct vfio_region_info info;
	unsigned int i, ok = 0;
	volatile uint32_t *bar;
	long faults;
	pthread_t t;
	int ret;

	if (hot && functions_on_bus(self->d.bdf) > 1)
		SKIP(return, "other functions share the reset");
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	set_command(&self->d, PCI_COMMAND_MEMORY);
	ASSERT_EQ(0, vfio_util_region_info(&self->d,
					   VFIO_PCI_BAR0_REGION_INDEX, &info));
	bar = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->d.device,
		   info.offset);
	ASSERT_NE(MAP_FAILED, bar);

	ASSERT_EQ(4, vfio_util_region_read(&self->d, VFIO_PCI_BAR0_REGION_INDEX,
					   self->id_off, &self->id_val, 4));
	ASSERT_NE(0, self->id_val);
	ASSERT_NE(~0u, self->id_val);

	/* Mapped: a second read takes no fault. */
	ASSERT_EQ(self->id_val, mapped_id(bar, self->id_off, NULL));
	ASSERT_EQ(self->id_val, mapped_id(bar, self->id_off, &faults));
	EXPECT_EQ(0, faults);

	/* Revoked by the reset; decode is on, so it maps again at once. */
	ASSERT_EQ(0, reset_kind(self, hot, cdev));
	EXPECT_EQ(PCI_COMMAND_MEMORY, get_command(&self->d) & PCI_COMMAND_MEMORY);
	EXPECT_EQ(self->id_val, mapped_id(bar, self->id_off, &faults));
	EXPECT_EQ(1, faults);

	/* Decode off: SIGBUS, and still after a reset. */
	set_command(&self->d, 0);
	EXPECT_EQ(-1, mapped_id(bar, self->id_off, NULL));
	ASSERT_EQ(0, reset_kind(self, hot, cdev));
	EXPECT_EQ(0, get_command(&self->d) & PCI_COMMAND_MEMORY);
	EXPECT_EQ(-1, mapped_id(bar, self->id_off, NULL));
	/* Decode on again: the page comes back with the right value. */
	set_command(&self->d, PCI_COMMAND_MEMORY);
	EXPECT_EQ(self->id_val, mapped_id(bar, self->id_off, &faults));
	EXPECT_EQ(1, faults);

	/*
	 * Accesses during the resets: they wait for the reset and read the
	 * register, never SIGBUS; the hot reset may find memory_lock held by a
	 * fault and answer EBUSY.
	 */
	r.bar = bar;
	r.off = self->id_off;
	r.id = self->id_val;
	ASSERT_EQ(0, pthread_create(&t, NULL, mapped_reader, &r));
	for (i = 0; i < CONCURRENT_RESETS; i++) {
		ret = reset_kind(self, hot, cdev);
		if (!ret)
			ok++;
		else
			EXPECT_TRUE(hot && ret == -EBUSY) TH_LOG("reset: %d", ret);
		usleep(1000);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	TH_LOG("%u resets: %lu reads, %lu refaults, %lu SIGBUS", ok, r.good,
	       r.refaults, r.sigbus);
	EXPECT_LT(0, ok);
	EXPECT_EQ(0, r.wrong);
	EXPECT_EQ(0, r.sigbus);
	EXPECT_LT(0, r.good);
	EXPECT_LT(0, r.refaults);

	signal(SIGBUS, SIG_DFL);
	munmap((void *)bar, 4096);
}

TEST_F(hot_reset, bar_mapping_across_device_reset)
{
	bar_mapping_across(_metadata, self, false,
			   variant->mode == VFIO_UTIL_CDEV);
}

TEST_F(hot_reset, bar_mapping_across_hot_reset)
{
	bar_mapping_across(_metadata, self, true,
			   variant->mode == VFIO_UTIL_CDEV);
}

/* Bridges are not for users: vfio-pci refuses to bind one. */
TEST(bridge_is_refused)
{
	char path[300], bdf[32] = "", drv[64];
	struct dirent *e;
	uint8_t hdr;
	DIR *dir;
	int fd;

	dir = opendir("/sys/bus/pci/devices");
	ASSERT_NE(NULL, dir);
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config",
			 e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		if (pread(fd, &hdr, 1, PCI_HEADER_TYPE) == 1 &&
		    (hdr & 0x7f) == PCI_HEADER_TYPE_BRIDGE)
			snprintf(bdf, sizeof(bdf), "%.31s", e->d_name);
		close(fd);
		if (bdf[0])
			break;
	}
	closedir(dir);
	if (!bdf[0])
		SKIP(return, "no PCI-to-PCI bridge");

	snprintf(drv, sizeof(drv), "%s", vfio_util_current_driver(bdf));
	/* The probe's error reaches the writer of "bind". */
	EXPECT_EQ(-EINVAL, vfio_util_bind(bdf, "vfio-pci"));
	EXPECT_STRNE("vfio-pci", vfio_util_current_driver(bdf));
	/* Give it back to its driver (pcieport), or leave it unbound. */
	EXPECT_EQ(0, vfio_util_bind(bdf, drv));
}

VFIO_HARNESS_MAIN
