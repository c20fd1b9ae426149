// SPDX-License-Identifier: GPL-2.0
/*
 * The core's virqfd, as vfio-pci uses it: an INTx unmask eventfd.  The
 * edu device raises a level interrupt; vfio-pci masks it and signals the
 * trigger eventfd; writing the unmask eventfd runs the unmask in the
 * kernel, which signals the trigger again while edu still asserts it.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

static int set_intx_eventfd(struct vfio_util_dev *d, uint32_t action, int fd)
{
	return vfio_util_set_irq_fd(d, VFIO_PCI_INTX_IRQ_INDEX,
				    VFIO_IRQ_SET_DATA_EVENTFD | action, fd);
}

static void signal_eventfd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		ksft_print_msg("eventfd write failed\n");
}

FIXTURE(virqfd) {
	struct vfio_util_dev d;
	int trigger;
	int unmask;
};

FIXTURE_SETUP(virqfd)
{
	const char *bdf = vfio_util_find_pci(EDU_VENDOR, EDU_DEVICE);
	struct vfio_irq_info info = {
		.argsz = sizeof(info), .index = VFIO_PCI_INTX_IRQ_INDEX,
	};
	uint8_t pin = 0;

	vfio_util_dev_init(&self->d);
	self->trigger = -1;
	self->unmask = -1;
	if (!bdf)
		SKIP(return, "no edu device");
	vfio_util_modprobe("vfio_iommu_type1");
	ASSERT_EQ(0, vfio_util_open(&self->d, bdf, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_GET_IRQ_INFO, &info));
	/* Whether there is an INTx line is the device's Interrupt Pin. */
	ASSERT_EQ(1, vfio_util_sysfs_config(self->d.bdf, PCI_INTERRUPT_PIN, &pin, 1));
	if (!pin)
		SKIP(return, "edu has no INTx pin here");
	ASSERT_EQ(1, info.count);

	self->trigger = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	self->unmask = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->trigger);
	ASSERT_LE(0, self->unmask);
	ASSERT_EQ(0, set_intx_eventfd(&self->d, VFIO_IRQ_SET_ACTION_TRIGGER,
				      self->trigger));
	ASSERT_EQ(0, set_intx_eventfd(&self->d, VFIO_IRQ_SET_ACTION_UNMASK,
				      self->unmask));
}

FIXTURE_TEARDOWN(virqfd)
{
	if (self->d.device >= 0)
		vfio_util_bar_write32(&self->d, 0, EDU_REG_IRQ_ACK, ~0u);
	vfio_util_close(&self->d);
	if (self->trigger >= 0)
		close(self->trigger);
	if (self->unmask >= 0)
		close(self->unmask);
}

TEST_F(virqfd, unmask_eventfd_reenables_a_pending_interrupt)
{
	vfio_util_bar_write32(&self->d, 0, EDU_REG_IRQ_RAISE, 1);
	ASSERT_LE(1, vfio_util_eventfd_wait(self->trigger, 5000));

	/* Masked: nothing more while edu keeps asserting. */
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->trigger, 300));

	/* Unmasked from the eventfd: still pending, so it fires again. */
	signal_eventfd(self->unmask);
	EXPECT_LE(1, vfio_util_eventfd_wait(self->trigger, 5000));

	/* Acknowledged: an unmask brings nothing. */
	vfio_util_bar_write32(&self->d, 0, EDU_REG_IRQ_ACK, 1);
	signal_eventfd(self->unmask);
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->trigger, 500));
}

/* Closing the unmask eventfd tears the virqfd down; a new one fits. */
TEST_F(virqfd, closing_the_eventfd_releases_the_slot)
{
	int again;

	close(self->unmask);
	self->unmask = -1;
	again = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, again);
	/* The teardown is asynchronous; the driver waits for it. */
	EXPECT_EQ(0, set_intx_eventfd(&self->d, VFIO_IRQ_SET_ACTION_UNMASK,
				      again));
	self->unmask = again;

	vfio_util_bar_write32(&self->d, 0, EDU_REG_IRQ_RAISE, 1);
	ASSERT_LE(1, vfio_util_eventfd_wait(self->trigger, 5000));
	signal_eventfd(self->unmask);
	EXPECT_LE(1, vfio_util_eventfd_wait(self->trigger, 5000));
}

TEST_F(virqfd, unmask_eventfd_can_be_removed)
{
	EXPECT_EQ(0, set_intx_eventfd(&self->d, VFIO_IRQ_SET_ACTION_UNMASK,
				      -1));
	vfio_util_bar_write32(&self->d, 0, EDU_REG_IRQ_RAISE, 1);
	ASSERT_LE(1, vfio_util_eventfd_wait(self->trigger, 5000));
	/* Nobody listens to the old eventfd any more. */
	signal_eventfd(self->unmask);
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->trigger, 500));
}

TEST_HARNESS_MAIN
