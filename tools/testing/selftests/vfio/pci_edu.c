// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-pci on QEMU's edu device: device and region info, virtual config
 * space, BAR access through read/write and mmap, mmap revocation while
 * memory decode is off, MSI and INTx delivery, ioeventfds, and DMA through
 * type1 mappings.  The edu fixture runs in every way of reaching a device
 * (its variants): group with type1 v1 and v2, group with /dev/iommu as the
 * container, and the device cdev bound to an iommufd IOAS.
 *
 * edu (QEMU docs/specs/edu.rst): BAR0 is 1 MiB of registers, MSI and INTx
 * pin A, a DMA engine limited to 28 bit addresses by default, no reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define CFG	VFIO_PCI_CONFIG_REGION_INDEX
#define BAR0_SIZE	0x100000
/* IOVAs the edu DMA engine can reach with its default 28 bit mask. */
#define DMA_IOVA	0x400000

FIXTURE(edu) {
	struct vfio_util_dev d;
	char bdf[32];
};

FIXTURE_VARIANT(edu) {
	enum vfio_util_mode mode;
};

FIXTURE_VARIANT_ADD(edu, type1) {
	.mode = VFIO_UTIL_TYPE1,
};

FIXTURE_VARIANT_ADD(edu, type1v2) {
	.mode = VFIO_UTIL_TYPE1v2,
};

FIXTURE_VARIANT_ADD(edu, group_iommufd) {
	.mode = VFIO_UTIL_GROUP_IOMMUFD,
};

FIXTURE_VARIANT_ADD(edu, cdev) {
	.mode = VFIO_UTIL_CDEV,
};

FIXTURE_SETUP(edu)
{
	const char *bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);

	vfio_util_dev_init(&self->d);
	if (!bdf)
		SKIP(return, "no edu device");
	snprintf(self->bdf, sizeof(self->bdf), "%s", bdf);
	/* Absent where iommufd serves /dev/vfio/vfio: then not needed. */
	vfio_util_modprobe("vfio_iommu_type1 2>/dev/null");
	ASSERT_EQ(0, vfio_util_open_mode(&self->d, bdf, variant->mode));
}

FIXTURE_TEARDOWN(edu)
{
	vfio_util_close(&self->d);
}

static uint32_t cfg_read(struct vfio_util_dev *d, unsigned int off,
			 unsigned int len)
{
	uint32_t v = 0;

	if (vfio_util_region_read(d, CFG, off, &v, len) != len)
		return 0xdeadbeef;
	return v;
}

static int cfg_write(struct vfio_util_dev *d, unsigned int off, uint32_t v,
		     unsigned int len)
{
	return vfio_util_region_write(d, CFG, off, &v, len) == len ? 0 : -1;
}

static int sysfs_config(const char *bdf, void *buf, size_t len)
{
	char path[128];
	int fd, n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, 0);
	close(fd);
	return n;
}

static int irq_info(struct vfio_util_dev *d, unsigned int index,
		    struct vfio_irq_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(d->device, VFIO_DEVICE_GET_IRQ_INFO, info) ? -errno : 0;
}

static void set_command(struct vfio_util_dev *d, uint16_t set, uint16_t clear)
{
	uint16_t cmd = cfg_read(d, PCI_COMMAND, 2);

	cfg_write(d, PCI_COMMAND, (cmd | set) & ~clear, 2);
}

TEST_F(edu, device_info)
{
	EXPECT_TRUE(self->d.info.flags & VFIO_DEVICE_FLAGS_PCI);
	EXPECT_EQ(VFIO_PCI_NUM_REGIONS, self->d.info.num_regions);
	EXPECT_EQ(VFIO_PCI_NUM_IRQS, self->d.info.num_irqs);
}

TEST_F(edu, region_layout)
{
	struct vfio_region_info info;
	char path[128];
	struct stat st;
	unsigned int i;

	for (i = 0; i < VFIO_PCI_VGA_REGION_INDEX; i++) {
		ASSERT_EQ(0, vfio_util_region_info(&self->d, i, &info));
		EXPECT_EQ((uint64_t)i << 40, info.offset);
	}

	ASSERT_EQ(0, vfio_util_region_info(&self->d, 0, &info));
	EXPECT_EQ(BAR0_SIZE, info.size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		  VFIO_REGION_INFO_FLAG_MMAP, info.flags);
	for (i = 1; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		ASSERT_EQ(0, vfio_util_region_info(&self->d, i, &info));
		EXPECT_EQ(0, info.size);
		EXPECT_EQ(0, info.flags);
	}

	/* Config space: as large as the kernel's view of it. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config",
		 self->bdf);
	ASSERT_EQ(0, stat(path, &st));
	ASSERT_EQ(0, vfio_util_region_info(&self->d, CFG, &info));
	EXPECT_EQ(st.st_size, info.size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		  info.flags);

	/* Not a VGA device, and no device specific regions. */
	EXPECT_EQ(-EINVAL, vfio_util_region_info(&self->d,
						 VFIO_PCI_VGA_REGION_INDEX,
						 &info));
	EXPECT_EQ(-EINVAL, vfio_util_region_info(&self->d,
						 VFIO_PCI_NUM_REGIONS, &info));
}

TEST_F(edu, region_info_argsz_too_small)
{
	struct vfio_region_info info = { .argsz = 8 };

	EXPECT_EQ(-1, ioctl(self->d.device, VFIO_DEVICE_GET_REGION_INFO,
			    &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(edu, config_header_matches_sysfs)
{
	uint8_t ours[64], host[64];

	ASSERT_EQ(64, vfio_util_region_read(&self->d, CFG, 0, ours, 64));
	ASSERT_EQ(64, sysfs_config(self->bdf, host, 64));
	EXPECT_EQ(0, memcmp(ours, host, 64));
	EXPECT_EQ(EDU_VENDOR | EDU_DEVICE << 16, cfg_read(&self->d, 0, 4));
}

TEST_F(edu, config_capability_list_matches_sysfs)
{
	uint8_t ours[256], host[256];
	unsigned int pos, n = 0;

	ASSERT_EQ(256, vfio_util_region_read(&self->d, CFG, 0, ours, 256));
	ASSERT_EQ(256, sysfs_config(self->bdf, host, 256));
	ASSERT_TRUE(ours[PCI_STATUS] & PCI_STATUS_CAP_LIST);
	for (pos = ours[PCI_CAPABILITY_LIST]; pos && n < 48;
	     pos = ours[pos + 1], n++) {
		EXPECT_EQ(host[pos], ours[pos]);
		EXPECT_EQ(host[pos + 1], ours[pos + 1]);
	}
	EXPECT_LT(0, n);
}

TEST_F(edu, config_unaligned_access_is_split)
{
	uint8_t whole[8], part[8];

	ASSERT_EQ(8, vfio_util_region_read(&self->d, CFG, 0, whole, 8));
	ASSERT_EQ(5, vfio_util_region_read(&self->d, CFG, 1, part, 5));
	EXPECT_EQ(0, memcmp(whole + 1, part, 5));
}

TEST_F(edu, config_access_past_end_fails)
{
	struct vfio_region_info info;
	uint32_t v;

	ASSERT_EQ(0, vfio_util_region_info(&self->d, CFG, &info));
	EXPECT_EQ(-EFAULT, vfio_util_region_read(&self->d, CFG, info.size,
						 &v, 4));
	EXPECT_EQ(-EFAULT, vfio_util_region_read(&self->d, CFG, info.size - 2,
						 &v, 4));
}

TEST_F(edu, bar_sizing_uses_virtual_bar)
{
	uint32_t orig = cfg_read(&self->d, PCI_BASE_ADDRESS_0, 4);

	ASSERT_EQ(0, cfg_write(&self->d, PCI_BASE_ADDRESS_0, ~0u, 4));
	/* 1 MiB, 32 bit, not prefetchable memory. */
	EXPECT_EQ(0xfff00000, cfg_read(&self->d, PCI_BASE_ADDRESS_0, 4));

	/* The real BAR did not move: the device still answers. */
	EXPECT_EQ(EDU_ID_VALUE, vfio_util_bar_read32(&self->d, 0, EDU_REG_ID));

	ASSERT_EQ(0, cfg_write(&self->d, PCI_BASE_ADDRESS_0, orig, 4));
	EXPECT_EQ(orig, cfg_read(&self->d, PCI_BASE_ADDRESS_0, 4));

	/* Unimplemented BARs and the missing ROM size as zero. */
	ASSERT_EQ(0, cfg_write(&self->d, PCI_BASE_ADDRESS_1, ~0u, 4));
	EXPECT_EQ(0, cfg_read(&self->d, PCI_BASE_ADDRESS_1, 4));
	ASSERT_EQ(0, cfg_write(&self->d, PCI_ROM_ADDRESS, ~0u, 4));
	EXPECT_EQ(0, cfg_read(&self->d, PCI_ROM_ADDRESS, 4));
}

TEST_F(edu, bar_write_never_reaches_host_bar)
{
	uint8_t before[64], after[64];

	ASSERT_EQ(64, sysfs_config(self->bdf, before, 64));
	ASSERT_EQ(0, cfg_write(&self->d, PCI_BASE_ADDRESS_0, 0x12300000, 4));
	ASSERT_EQ(64, sysfs_config(self->bdf, after, 64));
	EXPECT_EQ(0, memcmp(before + PCI_BASE_ADDRESS_0,
			    after + PCI_BASE_ADDRESS_0, 4));
	EXPECT_EQ(EDU_ID_VALUE, vfio_util_bar_read32(&self->d, 0, EDU_REG_ID));
}

TEST_F(edu, msi_enable_bit_is_not_passed_through)
{
	uint8_t host[256];
	unsigned int pos;
	uint16_t flags;

	for (pos = cfg_read(&self->d, PCI_CAPABILITY_LIST, 1); pos;
	     pos = cfg_read(&self->d, pos + 1, 1))
		if (cfg_read(&self->d, pos, 1) == PCI_CAP_ID_MSI)
			break;
	ASSERT_NE(0, pos);

	flags = cfg_read(&self->d, pos + PCI_MSI_FLAGS, 2);
	ASSERT_EQ(0, cfg_write(&self->d, pos + PCI_MSI_FLAGS,
			       flags | PCI_MSI_FLAGS_ENABLE, 2));
	EXPECT_EQ(0, cfg_read(&self->d, pos + PCI_MSI_FLAGS, 2) &
		  PCI_MSI_FLAGS_ENABLE);
	ASSERT_EQ(256, sysfs_config(self->bdf, host, 256));
	EXPECT_EQ(0, host[pos + PCI_MSI_FLAGS] & PCI_MSI_FLAGS_ENABLE);
}

TEST_F(edu, bar0_read_write)
{
	EXPECT_EQ(EDU_ID_VALUE, vfio_util_bar_read32(&self->d, 0, EDU_REG_ID));
	vfio_util_bar_write32(&self->d, 0, EDU_REG_LIVENESS, 0x12345678);
	EXPECT_EQ(~0x12345678u,
		  vfio_util_bar_read32(&self->d, 0, EDU_REG_LIVENESS));
	vfio_util_bar_write64(&self->d, 0, EDU_REG_DMA_SRC, 0x1000);
	EXPECT_EQ(0x1000, vfio_util_bar_read64(&self->d, 0, EDU_REG_DMA_SRC));
}

TEST_F(edu, bar0_out_of_range)
{
	uint32_t v[2];

	EXPECT_EQ(-EINVAL, vfio_util_region_read(&self->d, 0, BAR0_SIZE,
						 v, 4));
	/* Crossing the end: short read. */
	EXPECT_EQ(4, vfio_util_region_read(&self->d, 0, BAR0_SIZE - 4, v, 8));
	/* Unimplemented BAR. */
	EXPECT_EQ(-EINVAL, vfio_util_region_read(&self->d, 1, 0, v, 4));
	/* The ROM cannot be written. */
	EXPECT_EQ(-EINVAL, vfio_util_region_write(&self->d,
						  VFIO_PCI_ROM_REGION_INDEX,
						  0, v, 4));
}

static void *map_bar0(struct vfio_util_dev *d)
{
	void *p = mmap(NULL, BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       d->device, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Device registers: one 32 bit access each, never merged or cached. */
static uint32_t mmio_rd(void *bar, unsigned int off)
{
	return __atomic_load_n((uint32_t *)(bar + off), __ATOMIC_RELAXED);
}

static void mmio_wr(void *bar, unsigned int off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(bar + off), v, __ATOMIC_RELAXED);
}

TEST_F(edu, bar0_mmap)
{
	void *bar = map_bar0(&self->d);

	ASSERT_NE(NULL, bar);
	EXPECT_EQ(EDU_ID_VALUE, mmio_rd(bar, EDU_REG_ID));
	mmio_wr(bar, EDU_REG_LIVENESS, 0xa5a5a5a5);
	EXPECT_EQ(~0xa5a5a5a5u, mmio_rd(bar, EDU_REG_LIVENESS));
	EXPECT_EQ(~0xa5a5a5a5u,
		  vfio_util_bar_read32(&self->d, 0, EDU_REG_LIVENESS));
	munmap(bar, BAR0_SIZE);
}

TEST_F(edu, mmap_rules)
{
	void *p;

	p = mmap(NULL, BAR0_SIZE, PROT_READ, MAP_PRIVATE, self->d.device, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);

	p = mmap(NULL, 2 * BAR0_SIZE, PROT_READ, MAP_SHARED, self->d.device,
		 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);

	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->d.device,
		 BAR0_SIZE);
	EXPECT_EQ(MAP_FAILED, p);

	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->d.device,
		 (off_t)CFG << 40);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);

	/* A page in the middle of the BAR is fine. */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->d.device, 4096);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, 4096);
}

/* Touch @bar in a child; return the signal that killed it, or 0. */
static int touch_in_child(void *bar)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		mmio_rd(bar, EDU_REG_ID);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

TEST_F(edu, mmap_revoked_while_memory_decode_off)
{
	void *bar = map_bar0(&self->d);
	uint32_t v;

	ASSERT_NE(NULL, bar);
	EXPECT_EQ(EDU_ID_VALUE, mmio_rd(bar, EDU_REG_ID));

	set_command(&self->d, 0, PCI_COMMAND_MEMORY);
	EXPECT_EQ(SIGBUS, touch_in_child(bar));
	EXPECT_EQ(-EIO, vfio_util_region_read(&self->d, 0, EDU_REG_ID, &v, 4));

	set_command(&self->d, PCI_COMMAND_MEMORY, 0);
	EXPECT_EQ(0, touch_in_child(bar));
	EXPECT_EQ(EDU_ID_VALUE, mmio_rd(bar, EDU_REG_ID));
	munmap(bar, BAR0_SIZE);
}

TEST_F(edu, irq_info)
{
	struct vfio_irq_info info;

	ASSERT_EQ(0, irq_info(&self->d, VFIO_PCI_INTX_IRQ_INDEX, &info));
	EXPECT_EQ(1, info.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
		  VFIO_IRQ_INFO_AUTOMASKED, info.flags);

	ASSERT_EQ(0, irq_info(&self->d, VFIO_PCI_MSI_IRQ_INDEX, &info));
	EXPECT_EQ(1, info.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, info.flags);

	ASSERT_EQ(0, irq_info(&self->d, VFIO_PCI_MSIX_IRQ_INDEX, &info));
	EXPECT_EQ(0, info.count);

	/* Conventional PCI: no AER, so no error interrupt. */
	EXPECT_EQ(-EINVAL, irq_info(&self->d, VFIO_PCI_ERR_IRQ_INDEX, &info));

	ASSERT_EQ(0, irq_info(&self->d, VFIO_PCI_REQ_IRQ_INDEX, &info));
	EXPECT_EQ(1, info.count);

	EXPECT_EQ(-EINVAL, irq_info(&self->d, VFIO_PCI_NUM_IRQS, &info));
}

static void edu_raise(struct vfio_util_dev *d, uint32_t bits)
{
	vfio_util_bar_write32(d, 0, EDU_REG_IRQ_RAISE, bits);
}

static void edu_ack(struct vfio_util_dev *d)
{
	uint32_t st = vfio_util_bar_read32(d, 0, EDU_REG_IRQ_STATUS);

	vfio_util_bar_write32(d, 0, EDU_REG_IRQ_ACK, st);
}

TEST_F(edu, msi_delivery)
{
	int efd = eventfd(0, EFD_NONBLOCK);
	int i;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
						&efd));
	/* An MSI is a memory write: the function must be a bus master. */
	set_command(&self->d, PCI_COMMAND_MASTER, 0);
	for (i = 0; i < 3; i++) {
		edu_raise(&self->d, 1);
		EXPECT_NE(0, vfio_util_eventfd_wait(efd, 2000));
		edu_ack(&self->d);
	}

	/* DATA_NONE triggers the eventfd from the kernel (loopback). */
	ASSERT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_MSI_IRQ_INDEX,
					  0, 1, VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd, 1000));

	/* Masking MSI is not offered. */
	EXPECT_EQ(-ENOTTY, vfio_util_irq_action(&self->d,
						VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
						VFIO_IRQ_SET_ACTION_MASK));
	/* One index at a time. */
	EXPECT_EQ(-EINVAL, vfio_util_set_irq_eventfds(&self->d,
						      VFIO_PCI_INTX_IRQ_INDEX,
						      0, 1, &efd));

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_MSI_IRQ_INDEX, 0, 0,
						NULL));
	close(efd);
}

TEST_F(edu, intx_delivery_and_masking)
{
	int efd = eventfd(0, EFD_NONBLOCK);

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
						&efd));

	edu_raise(&self->d, 1);
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd, 2000));
	/* Automasked: the line is still asserted, but no more signals. */
	EXPECT_EQ(0, vfio_util_eventfd_wait(efd, 200));
	edu_ack(&self->d);

	/* Raised while masked: unmasking finds it pending and signals. */
	edu_raise(&self->d, 2);
	EXPECT_EQ(0, vfio_util_eventfd_wait(efd, 200));
	ASSERT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_INTX_IRQ_INDEX,
					  0, 1, VFIO_IRQ_SET_ACTION_UNMASK));
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd, 2000));
	edu_ack(&self->d);
	ASSERT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_INTX_IRQ_INDEX,
					  0, 1, VFIO_IRQ_SET_ACTION_UNMASK));

	/* Masked by the user: nothing arrives until unmasked. */
	ASSERT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_INTX_IRQ_INDEX,
					  0, 1, VFIO_IRQ_SET_ACTION_MASK));
	edu_raise(&self->d, 4);
	EXPECT_EQ(0, vfio_util_eventfd_wait(efd, 200));
	ASSERT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_INTX_IRQ_INDEX,
					  0, 1, VFIO_IRQ_SET_ACTION_UNMASK));
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd, 2000));
	edu_ack(&self->d);

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_INTX_IRQ_INDEX, 0, 0,
						NULL));
	close(efd);
}

/* The unmask eventfd (what KVM's resamplefd is) re-enables the line. */
TEST_F(edu, intx_unmask_eventfd)
{
	int efd = eventfd(0, EFD_NONBLOCK), ufd = eventfd(0, EFD_NONBLOCK);
	uint64_t one = 1;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, ufd);
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
						&efd));
	ASSERT_EQ(0, vfio_util_set_irq_fd(&self->d, VFIO_PCI_INTX_IRQ_INDEX,
					  VFIO_IRQ_SET_DATA_EVENTFD |
					  VFIO_IRQ_SET_ACTION_UNMASK, ufd));

	edu_raise(&self->d, 1);
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd, 2000));
	edu_ack(&self->d);
	ASSERT_EQ(sizeof(one), write(ufd, &one, sizeof(one)));

	edu_raise(&self->d, 1);
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd, 2000));
	edu_ack(&self->d);

	ASSERT_EQ(0, vfio_util_set_irq_fd(&self->d, VFIO_PCI_INTX_IRQ_INDEX,
					  VFIO_IRQ_SET_DATA_EVENTFD |
					  VFIO_IRQ_SET_ACTION_UNMASK, -1));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_INTX_IRQ_INDEX, 0, 0,
						NULL));
	close(ufd);
	close(efd);
}

/* DisINTx in the virtual command register masks delivery too. */
TEST_F(edu, intx_disable_bit_masks)
{
	int efd = eventfd(0, EFD_NONBLOCK);

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
						&efd));
	set_command(&self->d, PCI_COMMAND_INTX_DISABLE, 0);
	EXPECT_TRUE(cfg_read(&self->d, PCI_COMMAND, 2) &
		    PCI_COMMAND_INTX_DISABLE);
	edu_raise(&self->d, 1);
	EXPECT_EQ(0, vfio_util_eventfd_wait(efd, 300));
	set_command(&self->d, 0, PCI_COMMAND_INTX_DISABLE);
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd, 2000));
	edu_ack(&self->d);

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_INTX_IRQ_INDEX, 0, 0,
						NULL));
	close(efd);
}

TEST_F(edu, err_and_req_triggers)
{
	int efd = eventfd(0, EFD_NONBLOCK);

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
						&efd));
	ASSERT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_REQ_IRQ_INDEX,
					  0, 1, VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd, 1000));
	/* count 0 with DATA_NONE clears it; then there is nothing to fire. */
	ASSERT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_REQ_IRQ_INDEX,
					  0, 0, VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(-EINVAL, vfio_util_irq_action(&self->d,
						VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
						VFIO_IRQ_SET_ACTION_TRIGGER));
	/* No error interrupt on conventional PCI. */
	EXPECT_EQ(-EINVAL, vfio_util_set_irq_eventfds(&self->d,
						      VFIO_PCI_ERR_IRQ_INDEX,
						      0, 1, &efd));
	close(efd);
}

/* SET_IRQS flags with no action bit, or with more than one. */
static const uint32_t bad_actions[] = {
	0,
	VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK,
	VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_TRIGGER,
	VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_ACTION_TRIGGER,
	VFIO_IRQ_SET_ACTION_TYPE_MASK,
};

/* Every index wants exactly one action: anything else is no operation. */
TEST_F(edu, set_irqs_needs_exactly_one_action)
{
	static const unsigned int index[] = {
		VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX,
		VFIO_PCI_REQ_IRQ_INDEX,
	};
	int efd = eventfd(0, EFD_NONBLOCK);
	unsigned int i, a;

	ASSERT_LE(0, efd);
	for (i = 0; i < ARRAY_SIZE(index); i++) {
		for (a = 0; a < ARRAY_SIZE(bad_actions); a++) {
			TH_LOG("index %u flags %#x", index[i], bad_actions[a]);
			EXPECT_EQ(-ENOTTY,
				  vfio_util_irq_action(&self->d, index[i], 0, 1,
						       bad_actions[a]));
			EXPECT_EQ(-ENOTTY,
				  vfio_util_set_irq_fd(&self->d, index[i],
					     VFIO_IRQ_SET_DATA_EVENTFD |
					     bad_actions[a], efd));
		}
	}
	/* None of that attached the eventfd: REQ has nothing to fire. */
	EXPECT_EQ(-EINVAL, vfio_util_irq_action(&self->d,
						VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
						VFIO_IRQ_SET_ACTION_TRIGGER));

	/* Nor did it enable INTx, which still can be; then again refused. */
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
						&efd));
	for (a = 0; a < ARRAY_SIZE(bad_actions); a++)
		EXPECT_EQ(-ENOTTY,
			  vfio_util_irq_action(&self->d,
					       VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
					       bad_actions[a]));
	/* Not a trigger either. */
	EXPECT_EQ(0, vfio_util_eventfd_wait(efd, 100));
	ASSERT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_INTX_IRQ_INDEX,
					  0, 1, VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd, 1000));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_INTX_IRQ_INDEX, 0, 0,
						NULL));
	close(efd);
}

/*
 * VFIO_DEVICE_FLAGS_RESET says whether the PCI core has a reset method
 * for the function, which sysfs shows independently (reset_method is
 * only there when there is one).  edu, on a root bus and without FLR or
 * PM reset, has none: the ioctl is refused.
 */
TEST_F(edu, reset_matches_flags)
{
	char path[128], methods[128] = "";
	bool can_reset;
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset_method",
		 self->bdf);
	can_reset = vfio_util_read_file(path, methods, sizeof(methods)) > 1;
	EXPECT_EQ(can_reset,
		  !!(self->d.info.flags & VFIO_DEVICE_FLAGS_RESET));
	ret = ioctl(self->d.device, VFIO_DEVICE_RESET);
	if (can_reset) {
		EXPECT_EQ(0, ret);
	} else {
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(EDU_ID_VALUE, vfio_util_bar_read32(&self->d, 0, EDU_REG_ID));
}

TEST_F(edu, ioeventfd_writes_register)
{
	int efd = eventfd(0, EFD_NONBLOCK);
	struct vfio_device_ioeventfd ioe = {
		.argsz = sizeof(ioe),
		.flags = VFIO_DEVICE_IOEVENTFD_32,
		.offset = EDU_REG_LIVENESS,
		.data = 0x0badcafe,
		.fd = efd,
	};
	uint64_t one = 1;
	int i;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_IOEVENTFD, &ioe));
	EXPECT_EQ(-1, ioctl(self->d.device, VFIO_DEVICE_IOEVENTFD, &ioe));
	EXPECT_EQ(EEXIST, errno);

	vfio_util_bar_write32(&self->d, 0, EDU_REG_LIVENESS, 0);
	ASSERT_EQ(sizeof(one), write(efd, &one, sizeof(one)));
	for (i = 0; i < 100; i++) {
		if (vfio_util_bar_read32(&self->d, 0, EDU_REG_LIVENESS) ==
		    ~0x0badcafeu)
			break;
		usleep(10000);
	}
	EXPECT_LT(i, 100);

	ioe.fd = -1;
	EXPECT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_IOEVENTFD, &ioe));
	EXPECT_EQ(-1, ioctl(self->d.device, VFIO_DEVICE_IOEVENTFD, &ioe));
	EXPECT_EQ(ENODEV, errno);

	/* Two sizes at once, and config space, are refused. */
	ioe.flags = VFIO_DEVICE_IOEVENTFD_32 | VFIO_DEVICE_IOEVENTFD_16;
	ioe.fd = efd;
	EXPECT_EQ(-1, ioctl(self->d.device, VFIO_DEVICE_IOEVENTFD, &ioe));
	ioe.flags = VFIO_DEVICE_IOEVENTFD_32;
	ioe.offset = (uint64_t)CFG << 40;
	EXPECT_EQ(-1, ioctl(self->d.device, VFIO_DEVICE_IOEVENTFD, &ioe));
	EXPECT_EQ(EINVAL, errno);
	close(efd);
}

TEST_F(edu, dma_both_ways)
{
	size_t size = 0x10000;
	uint8_t *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	ASSERT_NE(MAP_FAILED, buf);
	for (i = 0; i < 2048; i++)
		buf[i] = i * 7 + 3;
	ASSERT_EQ(0, vfio_util_map(&self->d, buf, DMA_IOVA, size,
				   VFIO_DMA_MAP_FLAG_READ |
				   VFIO_DMA_MAP_FLAG_WRITE));
	set_command(&self->d, PCI_COMMAND_MASTER, 0);

	/* RAM -> edu buffer, then edu buffer -> elsewhere in RAM. */
	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, DMA_IOVA, 0, 2048, false));
	ASSERT_EQ(0, vfio_util_edu_dma(&self->d, DMA_IOVA + 0x8000, 0, 2048,
				       true));
	EXPECT_EQ(0, memcmp(buf, buf + 0x8000, 2048));

	set_command(&self->d, 0, PCI_COMMAND_MASTER);
	EXPECT_EQ(0, vfio_util_unmap(&self->d, DMA_IOVA, size, NULL));
	munmap(buf, size);
}

static int get_device_fd(struct vfio_util_dev *d, const char *name)
{
	int fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, name);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* "BDF", optionally followed by options; vf_token only means SR-IOV. */
TEST_F(edu, device_name_matching)
{
	char name[96];

	if (variant->mode == VFIO_UTIL_CDEV) {
		/* No names through the group: it cannot even be opened. */
		snprintf(name, sizeof(name), "/dev/vfio/%d", self->d.group_id);
		EXPECT_EQ(-1, open(name, O_RDWR));
		EXPECT_EQ(EBUSY, errno);
		return;
	}

	snprintf(name, sizeof(name), "%s  ", self->bdf);
	EXPECT_EQ(0, get_device_fd(&self->d, name));
	/* Text after the name must be separated by a blank. */
	snprintf(name, sizeof(name), "%s0", self->bdf);
	EXPECT_EQ(-ENODEV, get_device_fd(&self->d, name));
	snprintf(name, sizeof(name), "%s vf_token=%s", self->bdf,
		 "2ab74924-c335-45f4-9b16-8569e5b08258");
	EXPECT_EQ(-EINVAL, get_device_fd(&self->d, name));
	snprintf(name, sizeof(name), "%s vf_token=2ab74924", self->bdf);
	EXPECT_EQ(-EINVAL, get_device_fd(&self->d, name));
	snprintf(name, sizeof(name), "%s colour=blue", self->bdf);
	EXPECT_EQ(-EINVAL, get_device_fd(&self->d, name));
}

static int feature(struct vfio_util_dev *d, uint32_t flags)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = flags,
	};

	return ioctl(d->device, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

TEST_F(edu, low_power_entry_and_exit)
{
	void *bar = map_bar0(&self->d);

	ASSERT_NE(NULL, bar);
	EXPECT_EQ(0, feature(&self->d, VFIO_DEVICE_FEATURE_PROBE |
			     VFIO_DEVICE_FEATURE_SET |
			     VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY));
	/* Only SET makes sense for these. */
	EXPECT_EQ(-EINVAL, feature(&self->d, VFIO_DEVICE_FEATURE_GET |
				   VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY));

	ASSERT_EQ(0, feature(&self->d, VFIO_DEVICE_FEATURE_SET |
			     VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY));
	EXPECT_EQ(-EINVAL, feature(&self->d, VFIO_DEVICE_FEATURE_SET |
				   VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY));
	/* Mappings fault while in low power; read(2) wakes the device. */
	EXPECT_EQ(SIGBUS, touch_in_child(bar));
	EXPECT_EQ(EDU_ID_VALUE, vfio_util_bar_read32(&self->d, 0, EDU_REG_ID));

	ASSERT_EQ(0, feature(&self->d, VFIO_DEVICE_FEATURE_SET |
			     VFIO_DEVICE_FEATURE_LOW_POWER_EXIT));
	EXPECT_EQ(0, touch_in_child(bar));
	/* Exit without entry is harmless. */
	EXPECT_EQ(0, feature(&self->d, VFIO_DEVICE_FEATURE_SET |
			     VFIO_DEVICE_FEATURE_LOW_POWER_EXIT));
	munmap(bar, BAR0_SIZE);
}

/* Size of @bdf's ROM BAR as the PCI core sized it (sysfs), or 0. */
#define SYSFS_ROM_LINE	6

static uint64_t sysfs_rom_size(const char *bdf)
{
	unsigned long long start, end, flags;
	char path[128], line[128];
	uint64_t size = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "r");
	if (!f)
		return 0;
	/* Lines 0-5 are the BARs, line 6 the ROM. */
	for (i = 0; i <= SYSFS_ROM_LINE && fgets(line, sizeof(line), f); i++)
		if (i == SYSFS_ROM_LINE &&
		    sscanf(line, "%llx %llx %llx", &start, &end, &flags) == 3 &&
		    end > start)
			size = end - start + 1;
	fclose(f);
	return size;
}

/*
 * The ROM region: read-only, the size of the ROM BAR.  Needs an edu with
 * an option ROM (QEMU -device edu,romfile=FILE, the harness's second
 * edu); which edu has one is read from sysfs, not from VFIO.
 */
TEST(rom_region_read_only)
{
	struct vfio_region_info info;
	struct vfio_util_dev d;
	uint8_t sig[2], buf[8];
	uint64_t rom_size;
	const char *bdf;
	char name[32];
	int n;

	vfio_util_modprobe("vfio_iommu_type1 2>/dev/null");
	for (n = 0; (bdf = vfio_util_find_pci_nth(EDU_VENDOR, EDU_DEVICE, n));
	     n++)
		if (sysfs_rom_size(bdf))
			break;
	if (!bdf)
		SKIP(return, "no edu with an option ROM");
	snprintf(name, sizeof(name), "%s", bdf);
	rom_size = sysfs_rom_size(name);
	ASSERT_EQ(0, vfio_util_open(&d, name, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, vfio_util_region_info(&d, VFIO_PCI_ROM_REGION_INDEX,
					   &info));
	ASSERT_EQ(rom_size, info.size);

	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ, info.flags);
	ASSERT_EQ(2, vfio_util_region_read(&d, VFIO_PCI_ROM_REGION_INDEX, 0,
					   sig, 2));
	EXPECT_EQ(0x55, sig[0]);
	EXPECT_EQ(0xaa, sig[1]);
	EXPECT_EQ(-EINVAL, vfio_util_region_write(&d,
						  VFIO_PCI_ROM_REGION_INDEX,
						  0, sig, 2));
	EXPECT_EQ(-EINVAL, vfio_util_region_read(&d,
						 VFIO_PCI_ROM_REGION_INDEX,
						 info.size, buf, 1));
	/* The virtual ROM BAR sizes like the real one, enable bit kept. */
	ASSERT_EQ(0, cfg_write(&d, PCI_ROM_ADDRESS, ~0u, 4));
	EXPECT_EQ((uint32_t)~(info.size - 1) | PCI_ROM_ADDRESS_ENABLE,
		  cfg_read(&d, PCI_ROM_ADDRESS, 4));
	vfio_util_close(&d);
}

/* vfio-pci's ids= parameter binds matching functions at load time. */
TEST(module_param_ids_binds)
{
	const char *found = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);
	char bdf[32], path[128];

	if (!found)
		SKIP(return, "no edu device");
	snprintf(bdf, sizeof(bdf), "%s", found);

	/* Unbound, no override: only the ids= dynamic id can bind it. */
	ASSERT_EQ(0, vfio_util_modprobe("vfio-pci"));
	ASSERT_EQ(0, vfio_util_bind(bdf, ""));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	ASSERT_EQ(0, vfio_util_write_file(path, "\n"));
	ASSERT_EQ(0, system("rmmod vfio_pci"));
	ASSERT_EQ(0, vfio_util_modprobe("vfio-pci ids=1234:11e8"));
	EXPECT_STREQ("vfio-pci", vfio_util_current_driver(bdf));

	/* Leave the module as the other tests expect it. */
	ASSERT_EQ(0, vfio_util_bind(bdf, ""));
	ASSERT_EQ(0, system("rmmod vfio_pci"));
	ASSERT_EQ(0, vfio_util_modprobe("vfio-pci"));
}

/*
 * Where an INTx is masked after delivery: by default with DisINTx in the
 * device's (physical) command register; with vfio-pci nointxmask=1 at the
 * interrupt line instead, the command register left alone.
 */
static void intx_mask_place(struct __test_metadata *_metadata,
			    const char *bdf, bool nointxmask)
{
	int efd = eventfd(0, EFD_NONBLOCK);
	struct vfio_util_dev d;
	uint8_t hdr[8];
	uint16_t cmd;

	vfio_util_dev_init(&d);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_util_modprobe("vfio-pci"));
	ASSERT_EQ(0, vfio_util_bind(bdf, ""));
	ASSERT_EQ(0, system("rmmod vfio_pci"));
	ASSERT_EQ(0, vfio_util_modprobe(nointxmask ? "vfio-pci nointxmask=1" :
					"vfio-pci"));
	ASSERT_EQ(0, vfio_util_open(&d, bdf, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&d, VFIO_PCI_INTX_IRQ_INDEX,
						0, 1, &efd));

	edu_raise(&d, 1);
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd, 2000));
	ASSERT_EQ(sizeof(hdr), sysfs_config(bdf, hdr, sizeof(hdr)));
	cmd = hdr[PCI_COMMAND] | hdr[PCI_COMMAND + 1] << 8;
	EXPECT_EQ(nointxmask ? 0 : PCI_COMMAND_INTX_DISABLE,
		  cmd & PCI_COMMAND_INTX_DISABLE);
	/* Either way the line stays masked until the user unmasks it. */
	EXPECT_EQ(0, vfio_util_eventfd_wait(efd, 200));
	edu_ack(&d);
	ASSERT_EQ(0, vfio_util_irq_action(&d, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
					  VFIO_IRQ_SET_ACTION_UNMASK));
	edu_raise(&d, 2);
	EXPECT_EQ(1, vfio_util_eventfd_wait(efd, 2000));
	edu_ack(&d);

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&d, VFIO_PCI_INTX_IRQ_INDEX,
						0, 0, NULL));
	vfio_util_close(&d);
	close(efd);
}

TEST(nointxmask_masks_at_the_line)
{
	const char *found = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);
	char bdf[32];

	if (!found)
		SKIP(return, "no edu device");
	snprintf(bdf, sizeof(bdf), "%s", found);
	vfio_util_modprobe("vfio_iommu_type1 2>/dev/null");

	intx_mask_place(_metadata, bdf, true);
	/* The default again, as the other tests expect it. */
	intx_mask_place(_metadata, bdf, false);
}

TEST_HARNESS_MAIN
