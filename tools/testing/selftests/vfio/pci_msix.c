// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-pci on PCIe functions with MSI-X (QEMU's nvme and e1000e): MSI-X
 * vector setup and changing single vectors while enabled, the layout of
 * the BAR holding the MSI-X table (never mappable unless the platform
 * says it is safe), function reset, hot reset info, the REQ interrupt
 * when the device is unbound while open, and giving the function back to
 * its host driver afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define CFG	VFIO_PCI_CONFIG_REGION_INDEX
#define MAX_VEC	4

FIXTURE(msix) {
	struct vfio_util_dev d;
	char bdf[32];
	int nvec;		/* vectors the function has */
	bool noresize;
	int efd[MAX_VEC];
};

FIXTURE_VARIANT(msix) {
	unsigned int vendor;
	unsigned int device;
	const char *host_driver;
	/* A BAR0 register that keeps what is written and resets to 0. */
	unsigned int scratch;
	uint32_t scratch_val;
	bool pm_reset_only;
};

FIXTURE_VARIANT_ADD(msix, nvme) {
	.vendor = NVME_VENDOR,
	.device = NVME_DEVICE,
	.host_driver = "nvme",
	.scratch = 0x0c,		/* INTMS */
	.scratch_val = 0x1,
};

FIXTURE_VARIANT_ADD(msix, e1000e) {
	.vendor = E1000E_VENDOR,
	.device = E1000E_DEVICE,
	.host_driver = "e1000e",
	/*
	 * No scratch: QEMU's e1000e has only the PM reset, and QEMU 7.2
	 * changes no device state on D3hot -> D0.
	 */
	.pm_reset_only = true,
};

FIXTURE_SETUP(msix)
{
	const char *bdf = vfio_util_find_pci(variant->vendor, variant->device);
	struct vfio_irq_info irq = {
		.argsz = sizeof(irq),
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
	};
	unsigned int msix;
	uint16_t flags;
	int i;

	vfio_util_dev_init(&self->d);
	for (i = 0; i < MAX_VEC; i++)
		self->efd[i] = -1;
	if (!bdf)
		SKIP(return, "no %s device", variant->host_driver);
	snprintf(self->bdf, sizeof(self->bdf), "%s", bdf);
	vfio_util_modprobe("vfio_iommu_type1");
	ASSERT_EQ(0, vfio_util_open(&self->d, bdf, VFIO_TYPE1v2_IOMMU));

	ASSERT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_TRUE(irq.flags & VFIO_IRQ_INFO_EVENTFD);
	EXPECT_FALSE(irq.flags & VFIO_IRQ_INFO_MASKABLE);
	/*
	 * The vector count is the device's MSI-X table size, read through
	 * sysfs, so that the tests below that need several vectors are
	 * chosen by the hardware, not by the count under test.
	 */
	msix = vfio_util_sysfs_cap(bdf, PCI_CAP_ID_MSIX);
	ASSERT_NE(0, msix);
	ASSERT_EQ(2, vfio_util_sysfs_config(bdf, msix + PCI_MSIX_FLAGS,
					    &flags, 2));
	self->nvec = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	ASSERT_EQ(self->nvec, irq.count);
	self->noresize = irq.flags & VFIO_IRQ_INFO_NORESIZE;
	for (i = 0; i < MAX_VEC; i++) {
		self->efd[i] = eventfd(0, EFD_NONBLOCK);
		ASSERT_LE(0, self->efd[i]);
	}
}

FIXTURE_TEARDOWN(msix)
{
	int i;

	vfio_util_close(&self->d);
	for (i = 0; i < MAX_VEC; i++)
		if (self->efd[i] >= 0)
			close(self->efd[i]);
}

static uint32_t cfg_read(struct vfio_util_dev *d, unsigned int off,
			 unsigned int len)
{
	uint32_t v = 0;

	if (vfio_util_region_read(d, CFG, off, &v, len) != len)
		return 0;
	return v;
}

static unsigned int find_cap(struct vfio_util_dev *d, unsigned int id)
{
	unsigned int pos, n = 0;

	for (pos = cfg_read(d, PCI_CAPABILITY_LIST, 1); pos && n++ < 48;
	     pos = cfg_read(d, pos + PCI_CAP_LIST_NEXT, 1))
		if (cfg_read(d, pos, 1) == id)
			return pos;
	return 0;
}

/* Fire vector @v from the kernel (SET_IRQS DATA_NONE). */
static int loopback(struct vfio_util_dev *d, unsigned int v)
{
	return vfio_util_irq_action(d, VFIO_PCI_MSIX_IRQ_INDEX, v, 1,
				    VFIO_IRQ_SET_ACTION_TRIGGER);
}

TEST_F(msix, enable_fire_and_disable)
{
	int n = self->nvec < MAX_VEC ? self->nvec : MAX_VEC, i;

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 0, n,
						self->efd));
	/* The function itself now has MSI-X on. */
	EXPECT_TRUE(cfg_read(&self->d, find_cap(&self->d, PCI_CAP_ID_MSIX) +
			     PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, loopback(&self->d, i));
		EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd[i], 1000));
	}
	/* MSI cannot be enabled on top. */
	EXPECT_EQ(-EINVAL, vfio_util_set_irq_eventfds(&self->d,
						      VFIO_PCI_INTX_IRQ_INDEX,
						      0, 1, self->efd));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 0, 0,
						NULL));
	EXPECT_FALSE(cfg_read(&self->d, find_cap(&self->d, PCI_CAP_ID_MSIX) +
			      PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE);
}

/* What QEMU does when a guest reprograms one vector. */
TEST_F(msix, change_one_vector_while_enabled)
{
	int fds[3] = { self->efd[0], self->efd[1], self->efd[2] };
	int off = -1;

	if (self->nvec < 3)
		SKIP(return, "fewer than 3 vectors");
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 0, 3,
						fds));

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 1, 1,
						&self->efd[3]));
	ASSERT_EQ(0, loopback(&self->d, 1));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd[3], 1000));
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd[1], 100));

	/* Detach vector 2: firing it reaches nobody. */
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 2, 1,
						&off));
	ASSERT_EQ(0, loopback(&self->d, 2));
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd[2], 100));
	/* And attach it again. */
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 2, 1,
						&self->efd[2]));
	ASSERT_EQ(0, loopback(&self->d, 2));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd[2], 1000));

	/* Vector 0 was never touched. */
	ASSERT_EQ(0, loopback(&self->d, 0));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd[0], 1000));

	/* Beyond the table: refused. */
	EXPECT_EQ(-EINVAL, vfio_util_set_irq_eventfds(&self->d,
						      VFIO_PCI_MSIX_IRQ_INDEX,
						      self->nvec, 1,
						      self->efd));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 0, 0,
						NULL));
}

/* Adding a vector past those enabled needs dynamic MSI-X. */
TEST_F(msix, add_vector_while_enabled)
{
	int ret;

	if (self->nvec < 4)
		SKIP(return, "fewer than 4 vectors");
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
						self->efd));
	ret = vfio_util_set_irq_eventfds(&self->d, VFIO_PCI_MSIX_IRQ_INDEX, 3,
					 1, &self->efd[3]);
	if (self->noresize) {
		/* No vector 3 was allocated, and none can be added. */
		EXPECT_EQ(-EINVAL, ret);
	} else {
		ASSERT_EQ(0, ret);
		ASSERT_EQ(0, loopback(&self->d, 3));
		EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd[3], 1000));
	}
	ASSERT_EQ(0, loopback(&self->d, 0));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd[0], 1000));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 0, 0,
						NULL));
}

/* PCIe functions report AER errors through the ERR interrupt. */
TEST_F(msix, err_interrupt)
{
	struct vfio_irq_info irq = {
		.argsz = sizeof(irq),
		.index = VFIO_PCI_ERR_IRQ_INDEX,
	};

	ASSERT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(1, irq.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, irq.flags);

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_ERR_IRQ_INDEX, 0, 1,
						&self->efd[0]));
	ASSERT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_ERR_IRQ_INDEX,
					  0, 1, VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd[0], 1000));
	/* Only triggering exists for ERR. */
	EXPECT_EQ(-ENOTTY, vfio_util_irq_action(&self->d,
						VFIO_PCI_ERR_IRQ_INDEX, 0, 1,
						VFIO_IRQ_SET_ACTION_MASK));
}

/* No action bit, or several: no index offers such an operation. */
TEST_F(msix, set_irqs_needs_exactly_one_action)
{
	static const uint32_t bad[] = {
		0,
		VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK,
		VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_TRIGGER,
		VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_ACTION_TRIGGER,
		VFIO_IRQ_SET_ACTION_TYPE_MASK,
	};
	static const unsigned int index[] = {
		VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSIX_IRQ_INDEX,
		VFIO_PCI_ERR_IRQ_INDEX,
	};
	unsigned int i, a;

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
						self->efd));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_ERR_IRQ_INDEX, 0, 1,
						&self->efd[1]));
	for (i = 0; i < ARRAY_SIZE(index); i++) {
		for (a = 0; a < ARRAY_SIZE(bad); a++) {
			TH_LOG("index %u flags %#x", index[i], bad[a]);
			EXPECT_EQ(-ENOTTY, vfio_util_irq_action(&self->d,
								index[i], 0, 1,
								bad[a]));
		}
	}
	/* Nothing fired. */
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd[0], 100));
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd[1], 10));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 0, 0,
						NULL));
}

/* A dword of the function's own config space, as the host sees it. */
static uint32_t host_cfg32(const char *bdf, unsigned int off)
{
	char path[128];
	uint32_t v = ~0u;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return v;
	if (pread(fd, &v, 4, off) != 4)
		v = ~0u;
	close(fd);
	return v;
}

static int cfg_write32(struct vfio_util_dev *d, unsigned int off, uint32_t v)
{
	return vfio_util_region_write(d, CFG, off, &v, 4) == 4 ? 0 : -1;
}

/* Walk the extended list the user sees for capability @id. */
static unsigned int find_ecap(struct vfio_util_dev *d, unsigned int id)
{
	unsigned int pos = PCI_CFG_SPACE_SIZE, n = 0;
	uint32_t hdr;

	while (pos >= PCI_CFG_SPACE_SIZE && n++ < 960) {
		hdr = cfg_read(d, pos, 4);
		if (!hdr)
			return 0;
		if (PCI_EXT_CAP_ID(hdr) == id)
			return pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return 0;
}

/*
 * Extended capabilities keep their protection: the header cannot be
 * rewritten, and of AER's capabilities and control register only the
 * ECRC enables reach the function (QEMU's e1000e has AER at 0x100 and
 * implements more writable bits there, Multiple Header Recording).
 */
TEST(ext_caps_stay_protected)
{
	const uint32_t ecrc = PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE;
	uint32_t hdr, host_hdr, cap, now;
	struct vfio_util_dev d;
	const char *found;
	unsigned int aer;
	char bdf[32];

	vfio_util_dev_init(&d);
	found = vfio_util_find_pci(E1000E_VENDOR, E1000E_DEVICE);
	if (!found)
		SKIP(return, "no e1000e");
	snprintf(bdf, sizeof(bdf), "%s", found);
	vfio_util_modprobe("vfio_iommu_type1");
	ASSERT_EQ(0, vfio_util_open(&d, bdf, VFIO_TYPE1v2_IOMMU));

	aer = find_ecap(&d, PCI_EXT_CAP_ID_ERR);
	ASSERT_NE(0, aer);
	hdr = cfg_read(&d, aer, 4);
	host_hdr = host_cfg32(bdf, aer);
	ASSERT_EQ(0, cfg_write32(&d, aer, ~hdr));
	EXPECT_EQ(hdr, cfg_read(&d, aer, 4));
	EXPECT_EQ(host_hdr, host_cfg32(bdf, aer));

	cap = host_cfg32(bdf, aer + PCI_ERR_CAP);
	ASSERT_EQ(0, cfg_write32(&d, aer + PCI_ERR_CAP, ~0u));
	now = host_cfg32(bdf, aer + PCI_ERR_CAP);
	TH_LOG("AER control %#x, after writing all ones %#x", cap, now);
	EXPECT_EQ(0, (now ^ cap) & ~ecrc);
	/* What the device can do and the user may set did reach it. */
	if (cap & PCI_ERR_CAP_ECRC_GENC)
		EXPECT_TRUE(now & PCI_ERR_CAP_ECRC_GENE);
	ASSERT_EQ(0, cfg_write32(&d, aer + PCI_ERR_CAP, cap));
	EXPECT_EQ(cap, host_cfg32(bdf, aer + PCI_ERR_CAP));
	vfio_util_close(&d);
}

/* GET_REGION_INFO with the argsz growth protocol. */
static struct vfio_region_info *region_info(int fd, unsigned int index)
{
	struct vfio_region_info *info = calloc(1, sizeof(*info));
	uint32_t want;

	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, info))
		goto fail;
	if (info->argsz <= sizeof(*info))
		return info;
	if (!(info->flags & VFIO_REGION_INFO_FLAG_CAPS) || info->cap_offset)
		goto fail;	/* growth asked for without caps: bogus */
	want = info->argsz;
	info = realloc(info, want);
	memset(info, 0, want);
	info->argsz = want;
	info->index = index;
	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, info))
		goto fail;
	return info;
fail:
	free(info);
	return NULL;
}

static struct vfio_info_cap_header *region_cap(struct vfio_region_info *info,
					       unsigned int id)
{
	uint32_t off = info->cap_offset;
	struct vfio_info_cap_header *hdr;

	while (off) {
		hdr = (void *)info + off;
		if (hdr->id == id)
			return hdr;
		off = hdr->next;
	}
	return NULL;
}

static bool can_map(int fd, unsigned int bar, uint64_t off, uint64_t len)
{
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd,
		       ((off_t)bar << 40) + off);

	if (p == MAP_FAILED)
		return false;
	munmap(p, len);
	return true;
}

TEST_F(msix, msix_bar_layout)
{
	unsigned int cap = find_cap(&self->d, PCI_CAP_ID_MSIX);
	struct vfio_region_info_cap_sparse_mmap *sparse;
	uint64_t tstart, tend, page = getpagesize();
	struct vfio_region_info *info;
	uint32_t table, i;
	uint8_t buf[16];

	ASSERT_NE(0, cap);
	table = cfg_read(&self->d, cap + PCI_MSIX_TABLE, 4);
	tstart = table & PCI_MSIX_TABLE_OFFSET;
	tend = tstart + self->nvec * PCI_MSIX_ENTRY_SIZE;

	info = region_info(self->d.device, table & PCI_MSIX_TABLE_BIR);
	ASSERT_NE(NULL, info);
	ASSERT_TRUE(info->flags & VFIO_REGION_INFO_FLAG_MMAP);

	/* The table is not reachable through read/write: all ones. */
	ASSERT_EQ(sizeof(buf), vfio_util_region_read(&self->d,
						     table & PCI_MSIX_TABLE_BIR,
						     tstart, buf, sizeof(buf)));
	for (i = 0; i < sizeof(buf); i++)
		EXPECT_EQ(0xff, buf[i]);

	if (region_cap(info, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE)) {
		TH_LOG("MSI-X table mappable (interrupts isolated)");
		EXPECT_EQ(NULL, region_cap(info,
					   VFIO_REGION_INFO_CAP_SPARSE_MMAP));
		EXPECT_TRUE(can_map(self->d.device, info->index,
				    tstart & ~(page - 1), page));
		goto out;
	}

	sparse = (void *)region_cap(info, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	ASSERT_NE(NULL, sparse);
	for (i = 0; i < sparse->nr_areas; i++) {
		uint64_t a = sparse->areas[i].offset;
		uint64_t e = a + sparse->areas[i].size;

		EXPECT_TRUE(e <= (tstart & ~(page - 1)) || a >= tend);
		EXPECT_TRUE(can_map(self->d.device, info->index, a, e - a));
	}
	EXPECT_FALSE(can_map(self->d.device, info->index,
			     tstart & ~(page - 1), page));
out:
	free(info);
}

TEST_F(msix, function_reset)
{
	unsigned int exp = find_cap(&self->d, PCI_CAP_ID_EXP);
	uint32_t devcap;

	ASSERT_NE(0, exp);
	devcap = cfg_read(&self->d, exp + PCI_EXP_DEVCAP, 4);
	/* Both of QEMU's functions here can be reset (FLR or PM reset). */
	ASSERT_TRUE(self->d.info.flags & VFIO_DEVICE_FLAGS_RESET);

	if (variant->pm_reset_only) {
		char path[128], method[32] = "";

		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/reset_method", self->bdf);
		ASSERT_LT(0, vfio_util_read_file(path, method,
						 sizeof(method)));
		EXPECT_STREQ("pm\n", method);
	} else {
		/* Dirty a register, so that a reset that did nothing shows. */
		vfio_util_bar_write32(&self->d, 0, variant->scratch,
				      variant->scratch_val);
		ASSERT_EQ(variant->scratch_val,
			  vfio_util_bar_read32(&self->d, 0, variant->scratch));
	}
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
						self->efd));
	EXPECT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_RESET));
	if (!variant->pm_reset_only)
		EXPECT_EQ(0, vfio_util_bar_read32(&self->d, 0,
						  variant->scratch));
	/* Config space and interrupts survive the reset. */
	EXPECT_EQ(variant->vendor | variant->device << 16,
		  cfg_read(&self->d, 0, 4));
	ASSERT_EQ(0, loopback(&self->d, 0));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd[0], 1000));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 0, 0,
						NULL));

	/* The FLR bit of the virtual PCIe capability resets too. */
	if (devcap & PCI_EXP_DEVCAP_FLR) {
		uint16_t ctl = cfg_read(&self->d, exp + PCI_EXP_DEVCTL, 2);

		ctl |= PCI_EXP_DEVCTL_BCR_FLR;
		ASSERT_EQ(2, vfio_util_region_write(&self->d, CFG,
						    exp + PCI_EXP_DEVCTL,
						    &ctl, 2));
		EXPECT_FALSE(cfg_read(&self->d, exp + PCI_EXP_DEVCTL, 2) &
			     PCI_EXP_DEVCTL_BCR_FLR);
	}
}

/* A D3hot request through the PM capability takes the BARs away. */
TEST_F(msix, d3hot_through_config_space)
{
	unsigned int pm = find_cap(&self->d, PCI_CAP_ID_PM);
	uint16_t ctl, d3 = 3;
	uint32_t id, v;

	if (!vfio_util_sysfs_cap(self->bdf, PCI_CAP_ID_PM))
		SKIP(return, "no PM capability");
	ASSERT_NE(0, pm);
	ctl = cfg_read(&self->d, pm + PCI_PM_CTRL, 2);
	ASSERT_EQ(0, ctl & PCI_PM_CTRL_STATE_MASK);
	ASSERT_EQ(4, vfio_util_region_read(&self->d, 0, 0, &v, 4));

	d3 |= ctl & ~PCI_PM_CTRL_STATE_MASK;
	ASSERT_EQ(2, vfio_util_region_write(&self->d, CFG, pm + PCI_PM_CTRL,
					    &d3, 2));
	EXPECT_EQ(3, cfg_read(&self->d, pm + PCI_PM_CTRL, 2) &
		  PCI_PM_CTRL_STATE_MASK);
	EXPECT_EQ(-EIO, vfio_util_region_read(&self->d, 0, 0, &v, 4));

	ASSERT_EQ(2, vfio_util_region_write(&self->d, CFG, pm + PCI_PM_CTRL,
					    &ctl, 2));
	EXPECT_EQ(0, cfg_read(&self->d, pm + PCI_PM_CTRL, 2) &
		  PCI_PM_CTRL_STATE_MASK);
	EXPECT_EQ(4, vfio_util_region_read(&self->d, 0, 0, &v, 4));
	id = cfg_read(&self->d, 0, 4);
	EXPECT_EQ(variant->vendor | variant->device << 16, id);
}

struct unbinder {
	const char *bdf;
	int ret;
};

static void *unbind_thread(void *arg)
{
	struct unbinder *u = arg;
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 u->bdf);
	u->ret = vfio_util_write_file(path, u->bdf);
	return NULL;
}

/* Unbinding an open device asks the user to let go, through REQ. */
TEST_F_TIMEOUT(msix, req_signalled_on_unbind, 120)
{
	struct unbinder u = { .bdf = self->bdf };
	struct timespec deadline;
	pthread_t t;
	int ret;

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
						&self->efd[0]));
	ASSERT_EQ(0, pthread_create(&t, NULL, unbind_thread, &u));
	EXPECT_NE(0, vfio_util_eventfd_wait(self->efd[0], 10000));

	/* Let go: the unbind completes. */
	vfio_util_close(&self->d);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 60;
	ret = pthread_timedjoin_np(t, NULL, &deadline);
	if (ret) {
		/* Leave the kernel's view of every task in the log. */
		vfio_util_write_file("/proc/sysrq-trigger", "t");
		ASSERT_EQ(0, ret);
	}
	EXPECT_EQ(0, u.ret);
	EXPECT_STREQ("", vfio_util_current_driver(self->bdf));

	EXPECT_EQ(0, vfio_util_bind(self->bdf, variant->host_driver));
}

/* After a user is done, the host driver can have the function back. */
TEST_F_TIMEOUT(msix, host_driver_rebinds_after_use, 120)
{
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
						self->efd));
	vfio_util_close(&self->d);
	EXPECT_EQ(0, vfio_util_bind(self->bdf, variant->host_driver));
	EXPECT_STREQ(variant->host_driver,
		     vfio_util_current_driver(self->bdf));
}

/*
 * Multi-vector MSI on QEMU's xHCI with MSI-X off (-device
 * nec-usb-xhci,msi=on,msix=off, the msi VM profile): 16 vectors.
 */
#define XHCI_VENDOR	0x1033
#define XHCI_DEVICE	0x0194
#define XHCI_MSI_QMAX	4	/* log2 of its 16 vectors */

FIXTURE(msi) {
	struct vfio_util_dev d;
	char bdf[32];
	unsigned int cap;
	int efd[MAX_VEC];
};

FIXTURE_SETUP(msi)
{
	const char *bdf = vfio_util_find_pci(XHCI_VENDOR, XHCI_DEVICE);
	int i;

	vfio_util_dev_init(&self->d);
	for (i = 0; i < MAX_VEC; i++)
		self->efd[i] = -1;
	if (!bdf)
		SKIP(return, "no nec-usb-xhci (the msi VM profile has one)");
	snprintf(self->bdf, sizeof(self->bdf), "%s", bdf);
	vfio_util_modprobe("vfio_iommu_type1");
	ASSERT_EQ(0, vfio_util_open(&self->d, bdf, VFIO_TYPE1v2_IOMMU));
	self->cap = find_cap(&self->d, PCI_CAP_ID_MSI);
	ASSERT_NE(0, self->cap);
	ASSERT_EQ(0, find_cap(&self->d, PCI_CAP_ID_MSIX));
	for (i = 0; i < MAX_VEC; i++) {
		self->efd[i] = eventfd(0, EFD_NONBLOCK);
		ASSERT_LE(0, self->efd[i]);
	}
}

FIXTURE_TEARDOWN(msi)
{
	int i;

	vfio_util_close(&self->d);
	for (i = 0; i < MAX_VEC; i++)
		if (self->efd[i] >= 0)
			close(self->efd[i]);
}

static unsigned int msi_qmax(uint16_t flags)
{
	return (flags & PCI_MSI_FLAGS_QMASK) >> 1;
}

/* Multiple Message Capable says what the function has, from the start. */
TEST_F(msi, multiple_message_capable_is_the_functions)
{
	unsigned int flags_pos = self->cap + PCI_MSI_FLAGS;
	struct vfio_irq_info irq = {
		.argsz = sizeof(irq),
		.index = VFIO_PCI_MSI_IRQ_INDEX,
	};
	uint8_t lo;

	ASSERT_EQ(XHCI_MSI_QMAX,
		  msi_qmax(host_cfg32(self->bdf, flags_pos & ~3) >>
			   8 * (flags_pos & 3)));
	ASSERT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(1 << XHCI_MSI_QMAX, irq.count);
	EXPECT_EQ(XHCI_MSI_QMAX, msi_qmax(cfg_read(&self->d, flags_pos, 2)));

	/* A read-only field: writing it changes nothing. */
	lo = cfg_read(&self->d, flags_pos, 1) & ~PCI_MSI_FLAGS_QMASK;
	ASSERT_EQ(1, vfio_util_region_write(&self->d, CFG, flags_pos, &lo, 1));
	EXPECT_EQ(XHCI_MSI_QMAX, msi_qmax(cfg_read(&self->d, flags_pos, 2)));

	/* Nor does enabling fewer vectors than that. */
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSI_IRQ_INDEX, 0, 2,
						self->efd));
	EXPECT_EQ(XHCI_MSI_QMAX, msi_qmax(cfg_read(&self->d, flags_pos, 2)));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSI_IRQ_INDEX, 0, 0,
						NULL));
	EXPECT_EQ(XHCI_MSI_QMAX, msi_qmax(cfg_read(&self->d, flags_pos, 2)));
}

/* Four vectors at once, each signalling its own eventfd. */
TEST_F(msi, four_vectors_each_fire)
{
	int i, j;

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSI_IRQ_INDEX, 0,
						MAX_VEC, self->efd));
	for (i = 0; i < MAX_VEC; i++) {
		ASSERT_EQ(0, vfio_util_irq_action(&self->d,
						  VFIO_PCI_MSI_IRQ_INDEX, i, 1,
						  VFIO_IRQ_SET_ACTION_TRIGGER));
		for (j = 0; j < MAX_VEC; j++)
			EXPECT_EQ(i == j,
				  vfio_util_eventfd_wait(self->efd[j],
							 i == j ? 1000 : 0));
	}
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSI_IRQ_INDEX, 0, 0,
						NULL));
}

/*
 * Vectors the function has but that were not enabled cannot be attached
 * while MSI is on (MSI cannot grow), and firing them reaches nobody.
 */
TEST_F(msi, vectors_past_those_enabled)
{
	int i;

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSI_IRQ_INDEX, 0, 2,
						self->efd));
	EXPECT_EQ(-EINVAL, vfio_util_set_irq_eventfds(&self->d,
						      VFIO_PCI_MSI_IRQ_INDEX,
						      2, 1, &self->efd[2]));
	EXPECT_EQ(-EINVAL, vfio_util_set_irq_eventfds(&self->d,
						      VFIO_PCI_MSI_IRQ_INDEX,
						      1, 2, &self->efd[1]));
	EXPECT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_MSI_IRQ_INDEX,
					  2, (1 << XHCI_MSI_QMAX) - 2,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	/* Past what the function has at all. */
	EXPECT_EQ(-EINVAL, vfio_util_irq_action(&self->d,
						VFIO_PCI_MSI_IRQ_INDEX,
						1 << XHCI_MSI_QMAX, 1,
						VFIO_IRQ_SET_ACTION_TRIGGER));
	for (i = 0; i < MAX_VEC; i++)
		EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd[i], 0));

	/*
	 * The failed range took its first vector back (all or nothing);
	 * vector 0 is untouched.
	 */
	ASSERT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_MSI_IRQ_INDEX,
					  0, 2, VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd[0], 1000));
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd[1], 100));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSI_IRQ_INDEX, 0, 0,
						NULL));
}

TEST_HARNESS_MAIN
