/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Test-only interface of vfio_emulated_test.ko, shared with the selftest
 * tools/testing/selftests/vfio/core_emulated.c.  Not a uAPI: it exists to
 * drive vfio_pin_pages(), vfio_unpin_pages() and vfio_dma_rw() from a test
 * program, through ioctls on the device file of the test device.
 */
#ifndef __VFIO_EMULATED_TEST_H
#define __VFIO_EMULATED_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Platform device names: with and without a dma_unmap callback. */
#define VFIO_EMU_TEST_NAME		"vfio_emu_test"
#define VFIO_EMU_TEST_NOUNMAP_NAME	"vfio_emu_nounmap"

/* Largest transfer of VFIO_EMU_TEST_RW. */
#define VFIO_EMU_TEST_RW_MAX		(64 * 1024)

/**
 * struct vfio_emu_test_pin - VFIO_EMU_TEST_PIN and VFIO_EMU_TEST_UNPIN
 * @iova: first IOVA, page aligned
 * @npage: number of pages
 * @prot: VFIO_EMU_TEST_READ and/or VFIO_EMU_TEST_WRITE (PIN only)
 *
 * PIN returns what vfio_pin_pages() returned and, on success, keeps the
 * pages as one record.  UNPIN releases the record with exactly this
 * @iova and @npage (-ENOENT without one).
 */
struct vfio_emu_test_pin {
	__u64 iova;
	__u32 npage;
	__u32 prot;
#define VFIO_EMU_TEST_READ	0x1
#define VFIO_EMU_TEST_WRITE	0x2
};

/**
 * struct vfio_emu_test_rw - VFIO_EMU_TEST_RW
 * @iova: IOVA to access
 * @len: bytes, at most %VFIO_EMU_TEST_RW_MAX
 * @data: user buffer (pointer as integer)
 * @flags: VFIO_EMU_TEST_RW_WRITE to copy @data to @iova, otherwise the
 *	other way; VFIO_EMU_TEST_RW_PINNED to go through the pages of a
 *	held PIN record covering the range instead of vfio_dma_rw()
 * @pad: must be zero
 */
struct vfio_emu_test_rw {
	__u64 iova;
	__u64 len;
	__u64 data;
	__u32 flags;
#define VFIO_EMU_TEST_RW_WRITE	0x1
#define VFIO_EMU_TEST_RW_PINNED	0x2
	__u32 pad;
};

/**
 * struct vfio_emu_test_status - VFIO_EMU_TEST_STATUS
 * @pinned: pages the driver holds now, summed over its records
 * @unmaps: dma_unmap callbacks received since the device was opened
 * @last_iova: range of the last callback
 * @last_length: its length
 */
struct vfio_emu_test_status {
	__u32 pinned;
	__u32 unmaps;
	__u64 last_iova;
	__u64 last_length;
};

#define VFIO_EMU_TEST_PIN	_IOW(';', 0xe0, struct vfio_emu_test_pin)
#define VFIO_EMU_TEST_UNPIN	_IOW(';', 0xe1, struct vfio_emu_test_pin)
#define VFIO_EMU_TEST_RW	_IOW(';', 0xe2, struct vfio_emu_test_rw)
#define VFIO_EMU_TEST_STATUS	_IOR(';', 0xe3, struct vfio_emu_test_status)
/* Argument: 1 to ignore dma_unmap callbacks (misbehave), 0 to obey them. */
#define VFIO_EMU_TEST_KEEP_PINS	_IO(';', 0xe4)

#endif /* __VFIO_EMULATED_TEST_H */
