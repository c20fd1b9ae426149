// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-pci and SR-IOV, on QEMU's nvme with virtual functions (the
 * pci-extra VM profile: nvme-subsys + nvme,sriov_max_vfs=N).
 *
 * The PF is bound to vfio-pci and opened; with vfio-pci's enable_sriov
 * parameter set, sriov_numvfs creates VFs that vfio-pci captures.  The
 * PF's user sets a VF token (a UUID), and a VF can only be opened as
 * "BDF vf_token=UUID" with that token.  While a VF is open, opening the
 * PF again needs the token as well; while none is, naming the PF with a
 * token sets it.  Disabling the VFs while one is open asks its user to
 * let go (the REQ interrupt) and waits for it.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define ENABLE_SRIOV	"/sys/module/vfio_pci/parameters/enable_sriov"
#define DISABLE_IDLE_D3	"/sys/module/vfio_pci/parameters/disable_idle_d3"

/* NVMe controller registers (BAR0) used below. */
#define NVME_CAP		0x00
#define NVME_CC			0x14
#define  NVME_CC_EN		0x1
#define  NVME_CC_QES		(6 << 16 | 4 << 20)	/* 64 B SQE, 16 B CQE */
#define NVME_CSTS		0x1c
#define  NVME_CSTS_RDY		0x1
#define  NVME_CSTS_CFS		0x2
#define NVME_AQA		0x24
#define NVME_ASQ		0x28
#define NVME_ACQ		0x30
#define NVME_DBS		0x1000

static const char token_a[] = "2ab74924-c335-45f4-9b16-8569e5b08258";
static const char token_b[] = "8c2f35f0-1d2a-4c1e-9b3e-6f7a0c9d4e11";

/* UUID text to the 16 bytes VFIO_DEVICE_FEATURE_PCI_VF_TOKEN takes. */
static void uuid_bytes(const char *text, uint8_t *out)
{
	int i = 0;

	while (*text && i < 16) {
		unsigned int byte;

		if (*text == '-') {
			text++;
			continue;
		}
		sscanf(text, "%2x", &byte);
		out[i++] = byte;
		text += 2;
	}
}

static int set_token(int device, const char *text, uint32_t extra,
		     size_t len)
{
	struct {
		struct vfio_device_feature f;
		uint8_t uuid[16];
	} arg = {};

	arg.f.argsz = sizeof(arg.f) + len;
	arg.f.flags = VFIO_DEVICE_FEATURE_PCI_VF_TOKEN | extra;
	if (text)
		uuid_bytes(text, arg.uuid);
	return ioctl(device, VFIO_DEVICE_FEATURE, &arg) ? -errno : 0;
}

/* VFIO_GROUP_GET_DEVICE_FD under "@bdf" or "@bdf vf_token=@token". */
static int get_fd(int group, const char *bdf, const char *token)
{
	char name[128];
	int fd;

	if (token)
		snprintf(name, sizeof(name), "%s vf_token=%s", bdf, token);
	else
		snprintf(name, sizeof(name), "%s", bdf);
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name);
	return fd < 0 ? -errno : fd;
}

static int get_and_close(int group, const char *bdf, const char *token)
{
	int fd = get_fd(group, bdf, token);

	if (fd >= 0) {
		close(fd);
		fd = 0;
	}
	return fd;
}

static int dev_attr_write(const char *bdf, const char *attr, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	return vfio_util_write_file(path, val);
}

static long dev_attr_long(const char *bdf, const char *attr)
{
	char path[256];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	return vfio_util_read_long(path);
}

static bool dev_exists(const char *bdf)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s", bdf);
	return !stat(path, &st);
}

/* The nvme PF with SR-IOV; NULL without one (or without PCI_IOV). */
static const char *find_pf(void)
{
	const char *bdf;
	int n;

	for (n = 0; (bdf = vfio_util_find_pci_nth(NVME_VENDOR, NVME_DEVICE,
						  n)); n++)
		if (dev_attr_long(bdf, "sriov_totalvfs") > 0)
			return bdf;
	return NULL;
}

/* BDF of VF @n of @pf from its virtfnN link; 0 or -errno. */
static int vf_bdf(const char *pf, int n, char *out, size_t size)
{
	char path[256], link[256];
	ssize_t len;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/virtfn%d", pf, n);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return -errno;
	link[len] = '\0';
	snprintf(out, size, "%s", strrchr(link, '/') + 1);
	return 0;
}

FIXTURE(sriov) {
	struct vfio_util_dev pf;
	char pf_bdf[32];
	char vf_bdf[32];
	int vf_group;		/* the VF's group fd (the PF's if shared) */
	bool own_vf_group;
	int vf_dev;
};

FIXTURE_SETUP(sriov)
{
	const char *bdf;
	char path[64];

	vfio_util_dev_init(&self->pf);
	self->vf_group = -1;
	self->vf_dev = -1;
	self->own_vf_group = false;
	vfio_util_modprobe("vfio_iommu_type1");
	vfio_util_modprobe("vfio-pci");
	bdf = find_pf();
	if (!bdf)
		SKIP(return, "no nvme with SR-IOV");
	snprintf(self->pf_bdf, sizeof(self->pf_bdf), "%s", bdf);

	ASSERT_EQ(0, vfio_util_write_file(ENABLE_SRIOV, "0"));
	ASSERT_EQ(0, vfio_util_open(&self->pf, bdf, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, dev_attr_long(bdf, "sriov_numvfs"));

	/* Without enable_sriov vfio-pci refuses to create VFs. */
	EXPECT_EQ(-ENOENT, dev_attr_write(bdf, "sriov_numvfs", "1"));
	ASSERT_EQ(0, vfio_util_write_file(ENABLE_SRIOV, "1"));
	ASSERT_EQ(0, dev_attr_write(bdf, "sriov_numvfs", "1"));
	ASSERT_EQ(1, dev_attr_long(bdf, "sriov_numvfs"));
	ASSERT_EQ(0, vf_bdf(bdf, 0, self->vf_bdf, sizeof(self->vf_bdf)));

	/* The new VF went to vfio-pci, not to the nvme driver. */
	ASSERT_STREQ("vfio-pci", vfio_util_current_driver(self->vf_bdf));

	if (vfio_util_group_id(self->vf_bdf) == self->pf.group_id) {
		self->vf_group = self->pf.group;
		return;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d",
		 vfio_util_group_id(self->vf_bdf));
	self->vf_group = open(path, O_RDWR);
	ASSERT_LE(0, self->vf_group);
	self->own_vf_group = true;
	ASSERT_EQ(0, ioctl(self->vf_group, VFIO_GROUP_SET_CONTAINER,
			   &self->pf.container));
}

FIXTURE_TEARDOWN(sriov)
{
	if (self->vf_dev >= 0)
		close(self->vf_dev);
	if (self->own_vf_group)
		close(self->vf_group);
	if (self->pf_bdf[0])
		dev_attr_write(self->pf_bdf, "sriov_numvfs", "0");
	vfio_util_close(&self->pf);
	vfio_util_write_file(ENABLE_SRIOV, "0");
}

/* SET only, 16 bytes, and only on a PF. */
TEST_F(sriov, token_feature_rules)
{
	int vf;

	EXPECT_EQ(0, set_token(self->pf.device, NULL,
			       VFIO_DEVICE_FEATURE_PROBE |
			       VFIO_DEVICE_FEATURE_SET, 16));
	/* Reading the token back would leak a previous user's. */
	EXPECT_EQ(-EINVAL, set_token(self->pf.device, NULL,
				     VFIO_DEVICE_FEATURE_PROBE |
				     VFIO_DEVICE_FEATURE_GET, 16));
	EXPECT_EQ(-EINVAL, set_token(self->pf.device, NULL,
				     VFIO_DEVICE_FEATURE_GET, 16));
	EXPECT_EQ(-EINVAL, set_token(self->pf.device, token_a,
				     VFIO_DEVICE_FEATURE_SET, 15));
	EXPECT_EQ(0, set_token(self->pf.device, token_a,
			       VFIO_DEVICE_FEATURE_SET, 16));

	/* A VF has no token of its own. */
	vf = get_fd(self->vf_group, self->vf_bdf, token_a);
	ASSERT_LE(0, vf);
	EXPECT_EQ(-ENOTTY, set_token(vf, token_a, VFIO_DEVICE_FEATURE_SET,
				     16));
	close(vf);
}

/* The VF opens with the PF's current token only. */
TEST_F(sriov, vf_needs_token)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, set_token(self->pf.device, token_a,
			       VFIO_DEVICE_FEATURE_SET, 16));
	EXPECT_EQ(-EACCES, get_and_close(self->vf_group, self->vf_bdf, NULL));
	EXPECT_EQ(-EACCES, get_and_close(self->vf_group, self->vf_bdf,
					 token_b));
	EXPECT_EQ(-EINVAL, get_and_close(self->vf_group, self->vf_bdf,
					 "2ab74924-c335"));
	EXPECT_EQ(-EINVAL, get_and_close(self->vf_group, self->vf_bdf,
					 "2ab74924-c335-45f4-9b16-8569e5b0825z"));

	self->vf_dev = get_fd(self->vf_group, self->vf_bdf, token_a);
	ASSERT_LE(0, self->vf_dev);
	ASSERT_EQ(0, ioctl(self->vf_dev, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PCI);

	/* A new token applies to later opens; the open VF is unaffected. */
	ASSERT_EQ(0, set_token(self->pf.device, token_b,
			       VFIO_DEVICE_FEATURE_SET, 16));
	EXPECT_EQ(-EACCES, get_and_close(self->vf_group, self->vf_bdf,
					 token_a));
	EXPECT_EQ(0, get_and_close(self->vf_group, self->vf_bdf, token_b));
	EXPECT_EQ(0, ioctl(self->vf_dev, VFIO_DEVICE_GET_INFO, &info));
}

/* The VF reads as an nvme VF through its own config space region. */
TEST_F(sriov, vf_config_space)
{
	uint16_t vendor = 0, did = 0;
	int vf;

	ASSERT_EQ(0, set_token(self->pf.device, token_a,
			       VFIO_DEVICE_FEATURE_SET, 16));
	vf = get_fd(self->vf_group, self->vf_bdf, token_a);
	ASSERT_LE(0, vf);
	/* VFs read 0xffff in hardware; vfio-pci shows the real IDs. */
	ASSERT_EQ(2, pread(vf, &vendor, 2,
			   ((uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40) +
			   PCI_VENDOR_ID));
	ASSERT_EQ(2, pread(vf, &did, 2,
			   ((uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40) +
			   PCI_DEVICE_ID));
	EXPECT_EQ(dev_attr_long(self->vf_bdf, "vendor"), vendor);
	EXPECT_EQ(dev_attr_long(self->vf_bdf, "device"), did);
	close(vf);
}

/* Size of BAR @bar of @bdf from its sysfs resource file; 0 if none. */
static uint64_t host_bar_size(const char *bdf, int bar)
{
	unsigned long long start = 0, end = 0, flags;
	char path[256], line[128];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/resource", bdf);
	f = fopen(path, "r");
	if (!f)
		return 0;
	for (i = 0; i <= bar && fgets(line, sizeof(line), f); i++)
		if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3)
			end = start;
	fclose(f);
	return end > start ? end - start + 1 : 0;
}

/*
 * The VF's BAR0 by read(2) and by mmap.  A VF has no memory enable bit
 * of its own (the PF's SR-IOV control has it): access works whatever
 * the VF's command register says.  QEMU's offline VF reads as zeros
 * except CSTS, which has Controller Fatal Status set once the function
 * was reset, as vfio-pci does when the VF is opened: that value tells
 * the VF's registers from a mapping of nothing.
 */
TEST_F(sriov, vf_bar_access)
{
	struct vfio_util_dev vf = {};
	struct vfio_region_info info;
	uint32_t regs[8], *bar;
	int i;

	ASSERT_EQ(0, set_token(self->pf.device, token_a,
			       VFIO_DEVICE_FEATURE_SET, 16));
	self->vf_dev = get_fd(self->vf_group, self->vf_bdf, token_a);
	ASSERT_LE(0, self->vf_dev);
	vf.device = self->vf_dev;
	ASSERT_EQ(0, vfio_util_region_info(&vf, VFIO_PCI_BAR0_REGION_INDEX,
					   &info));
	EXPECT_EQ(host_bar_size(self->vf_bdf, 0), info.size);
	ASSERT_TRUE(info.flags & VFIO_REGION_INFO_FLAG_MMAP);

	/* 32 bit reads: QEMU answers a VF's registers by access width. */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(4, vfio_util_region_read(&vf,
						   VFIO_PCI_BAR0_REGION_INDEX,
						   i * 4, &regs[i], 4));
	bar = mmap(NULL, 0x1000, PROT_READ, MAP_SHARED, self->vf_dev,
		   info.offset);
	ASSERT_NE(MAP_FAILED, bar);
	EXPECT_EQ(NVME_CSTS_CFS, regs[NVME_CSTS / 4] & NVME_CSTS_CFS);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(regs[i], __atomic_load_n(&bar[i], __ATOMIC_RELAXED));
	munmap(bar, 0x1000);
}

/*
 * With a VF open the PF can only be opened again by someone who knows
 * the token; with none open, naming the PF with a token sets it.
 */
TEST_F(sriov, pf_token_rules)
{
	ASSERT_EQ(0, set_token(self->pf.device, token_a,
			       VFIO_DEVICE_FEATURE_SET, 16));
	/* No VF open yet: the plain name works, a token in it is taken. */
	EXPECT_EQ(0, get_and_close(self->pf.group, self->pf_bdf, NULL));
	EXPECT_EQ(0, get_and_close(self->pf.group, self->pf_bdf, token_b));
	EXPECT_EQ(-EACCES, get_and_close(self->vf_group, self->vf_bdf,
					 token_a));

	self->vf_dev = get_fd(self->vf_group, self->vf_bdf, token_b);
	ASSERT_LE(0, self->vf_dev);
	EXPECT_EQ(-EACCES, get_and_close(self->pf.group, self->pf_bdf, NULL));
	EXPECT_EQ(-EACCES, get_and_close(self->pf.group, self->pf_bdf,
					 token_a));
	EXPECT_EQ(0, get_and_close(self->pf.group, self->pf_bdf, token_b));
	/* The failed attempts did not change the token. */
	EXPECT_EQ(0, get_and_close(self->vf_group, self->vf_bdf, token_b));

	/* Last VF closed: the PF opens without a token again. */
	close(self->vf_dev);
	self->vf_dev = -1;
	EXPECT_EQ(0, get_and_close(self->pf.group, self->pf_bdf, NULL));
}

/* Offset of the SR-IOV capability in the PF's config space as @d sees it. */
static unsigned int vfio_sriov_cap(struct vfio_util_dev *d)
{
	unsigned int pos = PCI_CFG_SPACE_SIZE;
	uint32_t hdr;
	int hops;

	for (hops = 0; pos >= PCI_CFG_SPACE_SIZE && hops < 64; hops++) {
		if (vfio_util_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, pos,
					  &hdr, 4) != 4 || !hdr)
			return 0;
		if (PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_SRIOV)
			return pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return 0;
}

static uint16_t host_cfg16(const char *bdf, unsigned int off)
{
	char path[256];
	uint16_t v = 0xffff;
	int fd;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		if (pread(fd, &v, 2, off) != 2)
			v = 0xffff;
		close(fd);
	}
	return v;
}

/* The user sees the SR-IOV capability but cannot change it. */
TEST_F(sriov, sriov_cap_read_only)
{
	unsigned int cap = vfio_sriov_cap(&self->pf);
	uint16_t ctrl = 0, num = 0, zero = 0, host;

	ASSERT_NE(0, cap);
	host = host_cfg16(self->pf_bdf, cap + PCI_SRIOV_CTRL);
	ASSERT_TRUE(host & PCI_SRIOV_CTRL_VFE);
	ASSERT_EQ(2, vfio_util_region_read(&self->pf,
					   VFIO_PCI_CONFIG_REGION_INDEX,
					   cap + PCI_SRIOV_CTRL, &ctrl, 2));
	EXPECT_EQ(host, ctrl);
	ASSERT_EQ(2, vfio_util_region_read(&self->pf,
					   VFIO_PCI_CONFIG_REGION_INDEX,
					   cap + PCI_SRIOV_NUM_VF, &num, 2));
	EXPECT_EQ(1, num);

	/* Writes are dropped: the VF stays. */
	vfio_util_region_write(&self->pf, VFIO_PCI_CONFIG_REGION_INDEX,
			       cap + PCI_SRIOV_CTRL, &zero, 2);
	vfio_util_region_write(&self->pf, VFIO_PCI_CONFIG_REGION_INDEX,
			       cap + PCI_SRIOV_NUM_VF, &zero, 2);
	EXPECT_EQ(host, host_cfg16(self->pf_bdf, cap + PCI_SRIOV_CTRL));
	EXPECT_EQ(1, host_cfg16(self->pf_bdf, cap + PCI_SRIOV_NUM_VF));
	EXPECT_TRUE(dev_exists(self->vf_bdf));
	EXPECT_EQ(1, dev_attr_long(self->pf_bdf, "sriov_numvfs"));
}

/* A second VF count while enabled is refused; the same count is a no-op. */
TEST_F(sriov, numvfs_changes)
{
	long total = dev_attr_long(self->pf_bdf, "sriov_totalvfs");

	EXPECT_EQ(0, dev_attr_write(self->pf_bdf, "sriov_numvfs", "1"));
	if (total > 1)
		EXPECT_EQ(-EBUSY, dev_attr_write(self->pf_bdf, "sriov_numvfs",
						 "2"));
	if (self->own_vf_group) {
		close(self->vf_group);
		self->own_vf_group = false;
	}
	self->vf_group = -1;
	ASSERT_EQ(0, dev_attr_write(self->pf_bdf, "sriov_numvfs", "0"));
	EXPECT_FALSE(dev_exists(self->vf_bdf));

	/* Enabled again: a fresh VF, captured by vfio-pci again. */
	ASSERT_EQ(0, dev_attr_write(self->pf_bdf, "sriov_numvfs", "1"));
	EXPECT_TRUE(dev_exists(self->vf_bdf));
	EXPECT_STREQ("vfio-pci", vfio_util_current_driver(self->vf_bdf));
}

struct numvfs_writer {
	const char *pf;
	int ret;
	bool done;		/* read and written atomically */
};

static void *write_zero_numvfs(void *arg)
{
	struct numvfs_writer *w = arg;

	w->ret = dev_attr_write(w->pf, "sriov_numvfs", "0");
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Disabling VFs while one is open: the VF's user gets a REQ interrupt
 * and the disable waits until the VF is closed.
 */
TEST_F(sriov, disable_while_vf_open)
{
	struct numvfs_writer w = { .pf = self->pf_bdf };
	struct vfio_util_dev vf = {};
	uint16_t vendor = 0;
	pthread_t thread;
	int req, i;

	ASSERT_EQ(0, set_token(self->pf.device, token_a,
			       VFIO_DEVICE_FEATURE_SET, 16));
	self->vf_dev = get_fd(self->vf_group, self->vf_bdf, token_a);
	ASSERT_LE(0, self->vf_dev);
	req = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, req);
	vf.device = self->vf_dev;
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&vf, VFIO_PCI_REQ_IRQ_INDEX,
						0, 1, &req));

	ASSERT_EQ(0, pthread_create(&thread, NULL, write_zero_numvfs, &w));
	EXPECT_LT(0, vfio_util_eventfd_wait(req, 10000));
	/* Still waiting for us. */
	usleep(200 * 1000);
	EXPECT_FALSE(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE));
	EXPECT_TRUE(dev_exists(self->vf_bdf));

	close(self->vf_dev);
	self->vf_dev = -1;
	for (i = 0; i < 100 && !__atomic_load_n(&w.done, __ATOMIC_ACQUIRE);
	     i++)
		usleep(100 * 1000);
	ASSERT_TRUE(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE));
	pthread_join(thread, NULL);
	EXPECT_EQ(0, w.ret);
	EXPECT_FALSE(dev_exists(self->vf_bdf));
	EXPECT_EQ(0, dev_attr_long(self->pf_bdf, "sriov_numvfs"));
	close(req);

	/* The PF is still usable. */
	ASSERT_EQ(2, vfio_util_region_read(&self->pf,
					   VFIO_PCI_CONFIG_REGION_INDEX,
					   PCI_VENDOR_ID, &vendor, 2));
	EXPECT_EQ(NVME_VENDOR, vendor);
	if (self->own_vf_group) {
		close(self->vf_group);
		self->own_vf_group = false;
	}
}

/*
 * The PF stays in D0 while it has VFs, even when its user asks for low
 * power; once the VFs are gone, that request takes effect.  (Not tried by
 * closing the PF: its reset at close makes QEMU drop the VFs.)
 */
TEST_F(sriov, pf_stays_powered_with_vfs)
{
	char path[256], state[32] = "";
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
	};
	int i;

	vfio_util_read_file(DISABLE_IDLE_D3, state, sizeof(state));
	if (state[0] == 'Y')
		SKIP(return, "idle D3 disabled");
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/power_state",
		 self->pf_bdf);

	ASSERT_EQ(0, ioctl(self->pf.device, VFIO_DEVICE_FEATURE, &f));
	usleep(500 * 1000);
	ASSERT_LT(0, vfio_util_read_file(path, state, sizeof(state)));
	EXPECT_STREQ("D0\n", state);

	if (self->own_vf_group) {
		close(self->vf_group);
		self->own_vf_group = false;
	}
	self->vf_group = -1;
	ASSERT_EQ(0, dev_attr_write(self->pf_bdf, "sriov_numvfs", "0"));
	for (i = 0; i < 50; i++) {
		vfio_util_read_file(path, state, sizeof(state));
		if (strcmp(state, "D0\n"))
			break;
		usleep(100 * 1000);
	}
	EXPECT_STREQ("D3hot\n", state);

	f.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT;
	ASSERT_EQ(0, ioctl(self->pf.device, VFIO_DEVICE_FEATURE, &f));
	vfio_util_read_file(path, state, sizeof(state));
	EXPECT_STREQ("D0\n", state);
}

/*
 * With the PF on its host driver there is no token: a VF opens by its
 * plain name and a token is refused.  vfio-pci does not take over a PF
 * whose VFs are enabled, as it could not track their users.
 */
TEST(pf_on_host_driver)
{
	struct vfio_util_dev vf;
	char pf[32], vfn[32];
	const char *bdf;
	int ret;

	vfio_util_modprobe("vfio_iommu_type1");
	vfio_util_modprobe("vfio-pci");
	bdf = find_pf();
	if (!bdf)
		SKIP(return, "no nvme with SR-IOV");
	snprintf(pf, sizeof(pf), "%s", bdf);
	ASSERT_EQ(0, vfio_util_bind(pf, "nvme"));
	/* Keep the nvme driver off the VF; it is given to vfio-pci below. */
	ASSERT_EQ(0, dev_attr_write(pf, "sriov_drivers_autoprobe", "0"));
	ASSERT_EQ(0, dev_attr_write(pf, "sriov_numvfs", "1"));
	ASSERT_EQ(0, vf_bdf(pf, 0, vfn, sizeof(vfn)));

	ASSERT_EQ(0, vfio_util_open(&vf, vfn, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(-EINVAL, get_and_close(vf.group, vfn, token_a));
	EXPECT_EQ(-ENOTTY, set_token(vf.device, token_a,
				     VFIO_DEVICE_FEATURE_SET, 16));
	vfio_util_close(&vf);

	ret = vfio_util_bind(pf, "vfio-pci");
	EXPECT_GT(0, ret);
	EXPECT_STRNE("vfio-pci", vfio_util_current_driver(pf));

	/* Only the PF's driver can disable the VFs. */
	ASSERT_EQ(0, vfio_util_bind(pf, "nvme"));
	ASSERT_EQ(0, dev_attr_write(pf, "sriov_numvfs", "0"));
	EXPECT_FALSE(dev_exists(vfn));
	EXPECT_EQ(0, dev_attr_write(pf, "sriov_drivers_autoprobe", "1"));
}

/*
 * Just enough of an NVMe admin queue, driven through the PF's vfio
 * device, to send the Virtualization Management command (NVMe 1.4,
 * 5.22): the PF's own flexible interrupt resources change its MSI-X
 * table size at its next function reset (QEMU hw/nvme).
 */
#define NVME_OP_IDENTIFY	0x06
#define NVME_OP_VIRT_MGMT	0x1c
#define  NVME_VIRT_PRIMARY_FLEX	0x1	/* action: primary flexible allocation */
#define  NVME_VIRT_RES_VI	0x1	/* resource type: interrupts */
#define NVME_ID_CNTLID		78
#define ADMIN_DEPTH		8
#define ADMIN_IOVA		0x200000

struct nvme_sqe {
	uint8_t opc;
	uint8_t flags;
	uint16_t cid;
	uint32_t nsid;
	uint64_t rsvd;
	uint64_t mptr;
	uint64_t prp1;
	uint64_t prp2;
	uint32_t cdw[6];	/* cdw10 to cdw15 */
};

struct nvme_cqe {
	uint32_t result;
	uint32_t rsvd;
	uint16_t sq_head;
	uint16_t sq_id;
	uint16_t cid;
	uint16_t status;	/* bit 0: phase */
};

struct nvme_admin {
	struct vfio_util_dev *d;
	uint8_t *mem;		/* a page each: SQ, CQ, data */
	unsigned int tail, head, stride;
	uint16_t phase;
};

static uint32_t nvme_rd(struct nvme_admin *a, unsigned int reg)
{
	return vfio_util_bar_read32(a->d, 0, reg);
}

static void nvme_wr(struct nvme_admin *a, unsigned int reg, uint32_t v)
{
	vfio_util_bar_write32(a->d, 0, reg, v);
}

/* Wait up to 5 s for CSTS.RDY to be @rdy. */
static int nvme_wait_rdy(struct nvme_admin *a, uint32_t rdy)
{
	struct timespec ts = { .tv_nsec = 1000000 };
	int i;

	for (i = 0; i < 5000; i++) {
		if ((nvme_rd(a, NVME_CSTS) & NVME_CSTS_RDY) == rdy)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

/* Disable the controller, point it at our queues and enable it again. */
static int nvme_admin_start(struct nvme_admin *a, struct vfio_util_dev *d)
{
	uint64_t page = getpagesize(), cap;
	uint16_t cmd;

	a->d = d;
	a->tail = 0;
	a->head = 0;
	a->phase = 1;
	a->mem = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->mem == MAP_FAILED)
		return -ENOMEM;
	if (vfio_util_map(d, a->mem, ADMIN_IOVA, 3 * page,
			  VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE))
		return -EIO;

	if (vfio_util_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX,
				  PCI_COMMAND, &cmd, 2) != 2)
		return -EIO;
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (vfio_util_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX,
				   PCI_COMMAND, &cmd, 2) != 2)
		return -EIO;

	cap = vfio_util_bar_read64(d, 0, NVME_CAP);
	a->stride = 4 << ((cap >> 32) & 0xf);
	nvme_wr(a, NVME_CC, 0);
	if (nvme_wait_rdy(a, 0))
		return -ETIMEDOUT;
	nvme_wr(a, NVME_AQA, (ADMIN_DEPTH - 1) << 16 | (ADMIN_DEPTH - 1));
	nvme_wr(a, NVME_ASQ, ADMIN_IOVA);
	nvme_wr(a, NVME_ASQ + 4, 0);
	nvme_wr(a, NVME_ACQ, ADMIN_IOVA + page);
	nvme_wr(a, NVME_ACQ + 4, 0);
	nvme_wr(a, NVME_CC, NVME_CC_QES | NVME_CC_EN);
	return nvme_wait_rdy(a, NVME_CSTS_RDY);
}

static void nvme_admin_stop(struct nvme_admin *a)
{
	uint64_t page = getpagesize();

	nvme_wr(a, NVME_CC, 0);
	nvme_wait_rdy(a, 0);
	vfio_util_unmap(a->d, ADMIN_IOVA, 3 * page, NULL);
	munmap(a->mem, 3 * page);
}

/* Run one admin command; its status field (0: success) or -ETIMEDOUT. */
static int nvme_admin_cmd(struct nvme_admin *a, struct nvme_sqe *sqe,
			  uint32_t *result)
{
	uint64_t page = getpagesize();
	struct nvme_sqe *sq = (struct nvme_sqe *)a->mem;
	struct nvme_cqe *cqe;
	struct timespec ts = { .tv_nsec = 1000000 };
	uint16_t status;
	int i;

	sqe->cid = a->tail;
	sq[a->tail] = *sqe;
	a->tail = (a->tail + 1) % ADMIN_DEPTH;
	__sync_synchronize();
	nvme_wr(a, NVME_DBS, a->tail);

	/* The device writes the entry, phase bit last in effect. */
	cqe = (struct nvme_cqe *)(a->mem + page) + a->head;
	for (i = 0; i < 5000; i++) {
		status = __atomic_load_n(&cqe->status, __ATOMIC_ACQUIRE);
		if ((status & 1) == a->phase)
			break;
		nanosleep(&ts, NULL);
	}
	if ((status & 1) != a->phase)
		return -ETIMEDOUT;
	status >>= 1;
	if (result)
		*result = cqe->result;
	a->head = (a->head + 1) % ADMIN_DEPTH;
	if (!a->head)
		a->phase ^= 1;
	nvme_wr(a, NVME_DBS + a->stride, a->head);
	return status;
}

/* Give the PF @nr flexible interrupt resources, from its next reset on. */
static int nvme_pf_flexible_vi(struct vfio_util_dev *d, unsigned int nr)
{
	uint64_t page = getpagesize();
	struct nvme_sqe id = {
		.opc = NVME_OP_IDENTIFY,
		.prp1 = ADMIN_IOVA + 2 * page,
		.cdw = { 1 },			/* CNS 1: the controller */
	};
	struct nvme_sqe vm = {
		.opc = NVME_OP_VIRT_MGMT,
	};
	struct nvme_admin a;
	uint16_t cntlid;
	int ret;

	ret = nvme_admin_start(&a, d);
	if (!ret)
		ret = nvme_admin_cmd(&a, &id, NULL);
	if (!ret) {
		memcpy(&cntlid, a.mem + 2 * page + NVME_ID_CNTLID, 2);
		vm.cdw[0] = NVME_VIRT_PRIMARY_FLEX | NVME_VIRT_RES_VI << 8 |
			    (uint32_t)cntlid << 16;
		vm.cdw[1] = nr;
		ret = nvme_admin_cmd(&a, &vm, NULL);
	}
	nvme_admin_stop(&a);
	return ret;
}

static int msix_count(struct vfio_util_dev *d, bool *noresize)
{
	struct vfio_irq_info irq = {
		.argsz = sizeof(irq),
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
	};

	if (ioctl(d->device, VFIO_DEVICE_GET_IRQ_INFO, &irq))
		return -errno;
	if (noresize)
		*noresize = irq.flags & VFIO_IRQ_INFO_NORESIZE;
	return irq.count;
}

/*
 * The PF's MSI-X table grows in a reset while MSI-X is enabled.  Vectors
 * past the table size MSI-X was enabled with have no state in vfio-pci,
 * nor a place in the MSI core, whatever the function reports now: they
 * cannot be attached (the MSI core's -ERANGE for a vector past the
 * dynamic MSI-X range, -EINVAL without dynamic MSI-X) and firing them
 * reaches nobody.
 */
TEST(pf_msix_table_grows_in_reset)
{
	int efd[4] = { -1, -1, -1, -1 }, i, n0, n1, want;
	struct vfio_util_dev pf;
	char bdf[32];
	bool noresize = true;

	vfio_util_dev_init(&pf);
	vfio_util_modprobe("vfio_iommu_type1");
	vfio_util_modprobe("vfio-pci");
	if (!find_pf())
		SKIP(return, "no nvme with SR-IOV");
	snprintf(bdf, sizeof(bdf), "%s", find_pf());
	ASSERT_EQ(0, vfio_util_open(&pf, bdf, VFIO_TYPE1v2_IOMMU));
	ASSERT_TRUE(pf.info.flags & VFIO_DEVICE_FLAGS_RESET);
	for (i = 0; i < 4; i++) {
		efd[i] = eventfd(0, EFD_NONBLOCK);
		ASSERT_LE(0, efd[i]);
	}

	n0 = msix_count(&pf, &noresize);
	ASSERT_LT(0, n0);
	ASSERT_EQ(0, nvme_pf_flexible_vi(&pf, 2));
	/* Nothing changes before the reset. */
	ASSERT_EQ(n0, msix_count(&pf, NULL));

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&pf, VFIO_PCI_MSIX_IRQ_INDEX,
						0, 1, efd));
	ASSERT_EQ(0, ioctl(pf.device, VFIO_DEVICE_RESET));
	n1 = msix_count(&pf, NULL);
	TH_LOG("MSI-X vectors: %d, after the reset %d", n0, n1);
	ASSERT_EQ(n0 + 2, n1);

	want = noresize ? -EINVAL : -ERANGE;
	for (i = n0; i < n1; i++)
		EXPECT_EQ(want, vfio_util_set_irq_eventfds(&pf,
							   VFIO_PCI_MSIX_IRQ_INDEX,
							   i, 1, &efd[1]));
	EXPECT_EQ(want, vfio_util_set_irq_eventfds(&pf,
						   VFIO_PCI_MSIX_IRQ_INDEX,
						   0, n1, &efd[1]));
	/* Detaching them is a no-op. */
	i = -1;
	EXPECT_EQ(0, vfio_util_set_irq_eventfds(&pf, VFIO_PCI_MSIX_IRQ_INDEX,
						n0, 1, &i));
	EXPECT_EQ(0, vfio_util_irq_action(&pf, VFIO_PCI_MSIX_IRQ_INDEX, n0,
					  n1 - n0,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	for (i = 1; i < 4; i++)
		EXPECT_EQ(0, vfio_util_eventfd_wait(efd[i], 0));

	/* The failed range gave vector 0 up; it can be set again. */
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&pf, VFIO_PCI_MSIX_IRQ_INDEX,
						0, 1, efd));
	ASSERT_EQ(0, vfio_util_irq_action(&pf, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd[0], 1000));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&pf, VFIO_PCI_MSIX_IRQ_INDEX,
						0, 0, NULL));

	/* Back to the PF's own interrupts only. */
	ASSERT_EQ(0, nvme_pf_flexible_vi(&pf, 0));
	ASSERT_EQ(0, ioctl(pf.device, VFIO_DEVICE_RESET));
	EXPECT_EQ(n0, msix_count(&pf, NULL));
	vfio_util_close(&pf);
	for (i = 0; i < 4; i++)
		close(efd[i]);
}

TEST_HARNESS_MAIN
