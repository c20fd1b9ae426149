// SPDX-License-Identifier: GPL-2.0
/*
 * Peer to peer DMA through type1: a mapping of another device's BAR
 * (VM_PFNMAP) given to VFIO_IOMMU_MAP_DMA.  QEMU's edu does the DMA, and
 * ivshmem-plain's 1 GiB BAR2 is the peer; both groups are in one
 * container.  The VM profiles (bar-huge, arm64-bar-huge) give edu a 64-bit
 * DMA mask.
 *
 * What 6.12 does, and so what is asserted: the frames of the BAR are
 * looked up (faulting the mapping in) instead of pinned, so MAP_DMA needs
 * the BAR mapping to be accessible at that moment: with the peer's memory
 * decode off it fails with EFAULT, as does a range that runs past the
 * mapping.  Once mapped, the IOVA range is the container's, not the
 * peer's: it is unmapped like any other, and still can be after the
 * peer's device file is closed and its BAR unmapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define CFG	VFIO_PCI_CONFIG_REGION_INDEX
#define MIB	(1ULL << 20)
#define GIB	(1ULL << 30)
#define RW	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
/*
 * The BAR at IOVA 1 GiB, aligned as it is, so the IOMMU may use large
 * pages; edu's DMA mask is lifted to 64 bits to reach it (the VM
 * profiles).  Both clear of arm64's software MSI window (128 MiB).
 */
#define RAM_IOVA	0x400000ULL
#define RAM_SIZE	0x10000ULL
#define BAR_IOVA	0x40000000ULL
/* Short of the end of edu's 4 KiB buffer (QEMU 7.2 refuses reaching it). */
#define XFER	2048

FIXTURE(p2p) {
	struct vfio_util_dev peer;	/* ivshmem, owns the container */
	struct vfio_util_dev edu;	/* its group joins that container */
	uint64_t size;
	uint64_t bar_offset;		/* of BAR2 in the device file */
	uint8_t *bar;			/* all of the peer's BAR2 */
	uint8_t *ram;
};

/* Open edu's group into @container and get its device; 0 or -errno. */
static int open_into(struct vfio_util_dev *d, const char *bdf, int container)
{
	char path[64];

	vfio_util_dev_init(d);
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	if (vfio_util_bind(bdf, "vfio-pci"))
		return -ENODEV;
	d->group_id = vfio_util_group_id(bdf);
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group_id);
	d->group = open(path, O_RDWR);
	if (d->group < 0 ||
	    ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &container))
		return -errno;
	d->device = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	return d->device < 0 ? -errno : 0;
}

static void set_command(struct vfio_util_dev *d, uint16_t set, uint16_t clear)
{
	uint16_t cmd = 0;

	vfio_util_region_read(d, CFG, PCI_COMMAND, &cmd, 2);
	cmd = (cmd | set) & ~clear;
	vfio_util_region_write(d, CFG, PCI_COMMAND, &cmd, 2);
}

FIXTURE_SETUP(p2p)
{
	const char *ivshmem = vfio_util_find_pci(IVSHMEM_VENDOR,
						 IVSHMEM_DEVICE);
	struct vfio_region_info info;
	char bdf[32];

	vfio_util_dev_init(&self->peer);
	vfio_util_dev_init(&self->edu);
	self->bar = MAP_FAILED;
	self->ram = MAP_FAILED;
	if (!ivshmem)
		SKIP(return, "no ivshmem-plain device");
	snprintf(bdf, sizeof(bdf), "%s", ivshmem);
	ASSERT_NE(NULL, vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE));
	vfio_util_modprobe("vfio_iommu_type1 2>/dev/null");
	ASSERT_EQ(0, vfio_util_open(&self->peer, bdf, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, open_into(&self->edu,
			       vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE),
			       self->peer.container));

	ASSERT_EQ(0, vfio_util_region_info(&self->peer, IVSHMEM_MEM_BAR,
					   &info));
	self->size = info.size;
	self->bar_offset = info.offset;
	ASSERT_EQ(GIB, self->size);
	self->bar = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->peer.device, info.offset);
	ASSERT_NE(MAP_FAILED, self->bar);
	self->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->ram);
	ASSERT_EQ(0, vfio_util_map(&self->peer, self->ram, RAM_IOVA, RAM_SIZE,
				   RW));
	set_command(&self->edu, PCI_COMMAND_MASTER, 0);
}

FIXTURE_TEARDOWN(p2p)
{
	set_command(&self->edu, 0, PCI_COMMAND_MASTER);
	if (self->bar != MAP_FAILED)
		munmap(self->bar, self->size);
	if (self->ram != MAP_FAILED)
		munmap(self->ram, RAM_SIZE);
	vfio_util_close(&self->edu);
	vfio_util_close(&self->peer);
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (i * 13 + seed) & 0xff;
}

/* MAP_DMA of the whole BAR; the time it took in *@us. */
static int map_bar(FIXTURE_DATA(p2p) *self, long *us)
{
	struct timespec t0, t1;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = vfio_util_map(&self->peer, self->bar, BAR_IOVA, self->size, RW);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*us = (t1.tv_sec - t0.tv_sec) * 1000000L +
	      (t1.tv_nsec - t0.tv_nsec) / 1000;
	return ret;
}

TEST_F(p2p, edu_dma_reads_and_writes_the_peer_bar)
{
	uint8_t expect[XFER], got[XFER];
	uint64_t unmapped = 0;
	long us;

	ASSERT_EQ(0, map_bar(self, &us));
	TH_LOG("MAP_DMA of the 1 GiB BAR: %ld us", us);

	/* Peer BAR -> edu -> RAM. */
	fill(self->bar + 0x3000, XFER, 1);
	memcpy(expect, self->bar + 0x3000, XFER);
	ASSERT_EQ(0, vfio_util_edu_dma(&self->edu, BAR_IOVA + 0x3000, 0, XFER,
				       false));
	ASSERT_EQ(0, vfio_util_edu_dma(&self->edu, RAM_IOVA, 0, XFER, true));
	EXPECT_EQ(0, memcmp(expect, self->ram, XFER));

	/* RAM -> edu -> peer BAR, far into it (past the first 2 MiB). */
	fill(self->ram + 0x8000, XFER, 7);
	memset(self->bar + 5 * MIB, 0, XFER);
	ASSERT_EQ(0, vfio_util_edu_dma(&self->edu, RAM_IOVA + 0x8000, 0, XFER,
				       false));
	ASSERT_EQ(0, vfio_util_edu_dma(&self->edu, BAR_IOVA + 5 * MIB, 0, XFER,
				       true));
	EXPECT_EQ(0, memcmp(self->ram + 0x8000, self->bar + 5 * MIB, XFER));
	ASSERT_EQ(XFER, vfio_util_region_read(&self->peer, IVSHMEM_MEM_BAR,
					      5 * MIB, got, XFER));
	EXPECT_EQ(0, memcmp(self->ram + 0x8000, got, XFER));

	EXPECT_EQ(0, vfio_util_unmap(&self->peer, BAR_IOVA, self->size,
				     &unmapped));
	EXPECT_EQ(self->size, unmapped);
}

TEST_F(p2p, map_of_a_revoked_bar_fails)
{
	uint64_t unmapped = 1;
	long us;

	set_command(&self->peer, 0, PCI_COMMAND_MEMORY);
	EXPECT_EQ(-EFAULT, map_bar(self, &us));
	/* Nothing of it stayed mapped. */
	EXPECT_EQ(0, vfio_util_unmap(&self->peer, BAR_IOVA, self->size,
				     &unmapped));
	EXPECT_EQ(0, unmapped);

	set_command(&self->peer, PCI_COMMAND_MEMORY, 0);
	EXPECT_EQ(0, map_bar(self, &us));
	EXPECT_EQ(0, vfio_util_unmap(&self->peer, BAR_IOVA, self->size,
				     &unmapped));
	EXPECT_EQ(self->size, unmapped);
}

TEST_F(p2p, bad_ranges_are_refused)
{
	uint64_t unmapped = 1;
	uint8_t *part;

	/* 2 MiB of the BAR with nothing mapped after it. */
	part = mmap(NULL, 4 * MIB, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, part);
	ASSERT_EQ(0, munmap(part, 4 * MIB));
	ASSERT_EQ(part, mmap(part, 2 * MIB, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_FIXED, self->peer.device,
			     self->bar_offset));

	/* A range running past the mapping: nothing of it stays mapped. */
	EXPECT_EQ(-EFAULT, vfio_util_map(&self->peer, part, BAR_IOVA,
					 4 * MIB, RW));
	EXPECT_EQ(0, vfio_util_unmap(&self->peer, BAR_IOVA, 4 * MIB,
				     &unmapped));
	EXPECT_EQ(0, unmapped);
	/* Not page granular. */
	EXPECT_EQ(-EINVAL, vfio_util_map(&self->peer, part + 100, BAR_IOVA,
					 MIB, RW));
	EXPECT_EQ(-EINVAL, vfio_util_map(&self->peer, part, BAR_IOVA,
					 MIB + 100, RW));
	/* The part that is there maps. */
	EXPECT_EQ(0, vfio_util_map(&self->peer, part, BAR_IOVA, 2 * MIB, RW));
	EXPECT_EQ(0, vfio_util_unmap(&self->peer, BAR_IOVA, 2 * MIB,
				     &unmapped));
	EXPECT_EQ(2 * MIB, unmapped);
	munmap(part, 2 * MIB);
}

TEST_F(p2p, unmap_after_the_peer_is_closed)
{
	uint64_t unmapped = 0;

	ASSERT_EQ(0, vfio_util_map(&self->peer, self->bar, BAR_IOVA, 2 * MIB,
				   RW));
	ASSERT_EQ(0, vfio_util_map(&self->peer, self->bar + 2 * MIB,
				   BAR_IOVA + 2 * MIB, 2 * MIB, RW));
	EXPECT_EQ(0, vfio_util_unmap(&self->peer, BAR_IOVA, 2 * MIB,
				     &unmapped));
	EXPECT_EQ(2 * MIB, unmapped);

	/* The peer's file goes away with its last mapping. */
	munmap(self->bar, self->size);
	self->bar = MAP_FAILED;
	close(self->peer.device);
	self->peer.device = -1;

	unmapped = 0;
	EXPECT_EQ(0, vfio_util_unmap(&self->peer, BAR_IOVA + 2 * MIB, 2 * MIB,
				     &unmapped));
	EXPECT_EQ(2 * MIB, unmapped);
}

TEST_HARNESS_MAIN
