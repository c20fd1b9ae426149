// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-amba on the ARM PL031 real-time clock of QEMU's virt machine.
 *
 * The PL031 sits on the AMBA bus with one 4 KiB register block and one
 * level interrupt, raised when the counter (DR) reaches the match register
 * (MR) while the interrupt is enabled (IMSC).  Nothing stands between it
 * and memory on virt, so VFIO offers it only in noiommu mode, which the
 * fixture turns on before binding.  Our reset module vfio-platform-pl031
 * is loaded on demand through its "vfio-reset:arm,pl031" alias.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define NOIOMMU_PARAM "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define AMBA_DEVICES "/sys/bus/amba/devices"

/* PL031 registers (ARM DDI 0224) */
#define RTC_DR		0x00	/* counter, seconds */
#define RTC_MR		0x04	/* match */
#define RTC_CR		0x0c	/* control */
#define RTC_IMSC	0x10	/* interrupt enable */
#define RTC_RIS		0x14	/* raw interrupt status */
#define RTC_ICR		0x1c	/* interrupt clear */
#define RTC_PERIPH_ID0	0xfe0	/* four registers, one ID byte each */
#define RTC_CELL_ID0	0xff0
#define PL031_PERIPH_ID	0x00141031
#define PRIMECELL_ID	0xb105f00d

/* The PL031's name on the AMBA bus ("9010000.pl031" on virt). */
static const char *find_pl031(void)
{
	static char name[64];
	char path[PATH_MAX], compat[64], dev[64];
	FILE *ls;

	name[0] = '\0';
	ls = popen("ls " AMBA_DEVICES, "r");
	if (!ls)
		return NULL;
	while (fscanf(ls, "%63s", dev) == 1 && !name[0]) {
		snprintf(path, sizeof(path), AMBA_DEVICES "/%s/of_node/compatible",
			 dev);
		if (vfio_util_read_file(path, compat, sizeof(compat)) > 0 &&
		    !strcmp(compat, "arm,pl031"))
			snprintf(name, sizeof(name), "%s", dev);
	}
	pclose(ls);
	return name[0] ? name : NULL;
}

static uint32_t rd(struct vfio_util_dev *d, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	if (vfio_util_region_read(d, 0, off, &v, 4) != 4)
		return 0xdeadbeef;
	return v;
}

static void wr(struct vfio_util_dev *d, uint64_t off, uint32_t v)
{
	vfio_util_region_write(d, 0, off, &v, 4);
}

/* The four ID registers at @base hold one byte each, low byte first. */
static uint32_t id_word(struct vfio_util_dev *d, uint64_t base)
{
	uint32_t id = 0;
	int i;

	for (i = 0; i < 4; i++)
		id |= (rd(d, base + 4 * i) & 0xff) << (8 * i);
	return id;
}

/* Raise the match interrupt about a second from now. */
static void arm_match(struct vfio_util_dev *d)
{
	wr(d, RTC_ICR, 1);
	wr(d, RTC_MR, rd(d, RTC_DR) + 2);
	wr(d, RTC_IMSC, 1);
}

static int irq_set(struct vfio_util_dev *d, uint32_t flags, uint32_t start,
		   uint32_t count, const void *data, size_t len)
{
	char buf[sizeof(struct vfio_irq_set) + 8] = {};
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

	set->argsz = sizeof(*set) + len;
	set->flags = flags;
	set->index = 0;
	set->start = start;
	set->count = count;
	memcpy(set->data, data, len);
	return ioctl(d->device, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
}

/* Point (or with -1, stop pointing) @action of IRQ 0 at an eventfd. */
static int set_efd(struct vfio_util_dev *d, uint32_t action, int fd)
{
	return vfio_util_set_irq_fd(d, 0, VFIO_IRQ_SET_DATA_EVENTFD | action,
				    fd);
}

FIXTURE(pl031) {
	char name[64];
	char old_param[8];
	struct vfio_util_dev d;
	int efd;
};

FIXTURE_SETUP(pl031)
{
	const char *name = find_pl031();

	vfio_util_dev_init(&self->d);
	self->efd = -1;
	ASSERT_NE(NULL, name) TH_LOG("no PL031 on the AMBA bus");
	snprintf(self->name, sizeof(self->name), "%s", name);

	ASSERT_EQ(0, vfio_util_modprobe("vfio"));
	ASSERT_LT(0, vfio_util_read_file(NOIOMMU_PARAM, self->old_param,
					 sizeof(self->old_param)));
	ASSERT_EQ(0, vfio_util_write_file(NOIOMMU_PARAM, "Y"));
	ASSERT_EQ(0, vfio_util_bind_on("amba", self->name, "vfio-amba"));
	ASSERT_EQ(0, vfio_util_open_on(&self->d, "amba", self->name,
				       VFIO_NOIOMMU_IOMMU));
	self->efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(pl031)
{
	vfio_util_close(&self->d);
	if (self->efd >= 0)
		close(self->efd);
	if (self->name[0])
		vfio_util_bind_on("amba", self->name, "rtc-pl031");
	if (self->old_param[0])
		vfio_util_write_file(NOIOMMU_PARAM,
				     self->old_param[0] == 'Y' ? "Y" : "N");
}

TEST_F(pl031, device_info_says_amba_with_reset)
{
	EXPECT_EQ(VFIO_DEVICE_FLAGS_AMBA | VFIO_DEVICE_FLAGS_RESET,
		  self->d.info.flags);
	EXPECT_EQ(1, self->d.info.num_regions);
	EXPECT_EQ(1, self->d.info.num_irqs);
}

TEST_F(pl031, region_is_one_mappable_page)
{
	struct vfio_region_info info;

	ASSERT_EQ(0, vfio_util_region_info(&self->d, 0, &info));
	EXPECT_EQ(4096, info.size);
	EXPECT_EQ(0, info.offset);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		  VFIO_REGION_INFO_FLAG_MMAP, info.flags);
}

TEST_F(pl031, read_gives_the_primecell_ids)
{
	EXPECT_EQ(PL031_PERIPH_ID, id_word(&self->d, RTC_PERIPH_ID0));
	EXPECT_EQ(PRIMECELL_ID, id_word(&self->d, RTC_CELL_ID0));
}

TEST_F(pl031, counter_runs)
{
	uint32_t t0 = rd(&self->d, RTC_DR);

	/* QEMU's PL031 starts from the host's clock: a date after 2001. */
	EXPECT_LT(1000000000u, t0);
	sleep(2);
	EXPECT_LE(t0 + 1, rd(&self->d, RTC_DR));
}

TEST_F(pl031, mmap_sees_the_same_registers)
{
	volatile uint32_t *regs;

	regs = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->d.device, 0);
	ASSERT_NE(MAP_FAILED, regs);
	EXPECT_EQ(0x31, regs[RTC_PERIPH_ID0 / 4] & 0xff);
	EXPECT_EQ(0x0d, regs[RTC_CELL_ID0 / 4] & 0xff);
	regs[RTC_MR / 4] = 0x1234;
	EXPECT_EQ(0x1234, rd(&self->d, RTC_MR));
	wr(&self->d, RTC_MR, 0x4321);
	EXPECT_EQ(0x4321, regs[RTC_MR / 4]);
	munmap((void *)regs, 4096);
}

TEST_F(pl031, widths_1_2_4_and_8_read_the_same_bytes)
{
	uint8_t b[8], w[8], q[8];
	uint32_t l[2];

	wr(&self->d, RTC_MR, 0xa1b2c3d4);
	l[0] = 0xa1b2c3d4;
	l[1] = rd(&self->d, RTC_MR + 4);
	/* An 8-byte read is carried out as two 4-byte accesses. */
	ASSERT_EQ(8, vfio_util_region_read(&self->d, 0, RTC_MR, q, 8));
	EXPECT_EQ(0, memcmp(q, l, 8));
	ASSERT_EQ(4, vfio_util_region_read(&self->d, 0, RTC_MR, w, 4));
	EXPECT_EQ(0, memcmp(w, l, 4));
	/* QEMU's PL031 answers narrower reads with the register's low part. */
	ASSERT_EQ(2, vfio_util_region_read(&self->d, 0, RTC_MR, b, 2));
	EXPECT_EQ(0, memcmp(b, l, 2));
	ASSERT_EQ(1, vfio_util_region_read(&self->d, 0, RTC_MR, b, 1));
	EXPECT_EQ(0xd4, b[0]);
}

TEST_F(pl031, offsets_past_the_region_are_refused)
{
	uint32_t v;
	uint64_t region1 = 1ull << 40;

	/* A read crossing the end is clipped to it. */
	EXPECT_EQ(2, vfio_util_region_read(&self->d, 0, 4094, &v, 4));
	EXPECT_EQ(-EINVAL, vfio_util_region_read(&self->d, 0, 4096, &v, 4));
	EXPECT_EQ(-EINVAL, vfio_util_region_write(&self->d, 0, 4096, &v, 4));
	EXPECT_EQ(-1, pread(self->d.device, &v, 4, region1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pwrite(self->d.device, &v, 4, region1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(pl031, bad_mmaps_are_refused)
{
	void *p;

	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, self->d.device, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, self->d.device, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->d.device, 4096);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->d.device, 1ull << 40);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(pl031, bad_indexes_are_refused)
{
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = 1 };
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = 1 };
	int32_t fd = self->efd;

	EXPECT_EQ(-1, ioctl(self->d.device, VFIO_DEVICE_GET_REGION_INFO, &reg));
	EXPECT_EQ(EINVAL, errno);
	reg.index = 0;
	reg.argsz = 8;
	EXPECT_EQ(-1, ioctl(self->d.device, VFIO_DEVICE_GET_REGION_INFO, &reg));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->d.device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(EINVAL, errno);
	/* One interrupt per index: start 1 or count 2 do not exist. */
	EXPECT_EQ(-EINVAL, irq_set(&self->d, VFIO_IRQ_SET_DATA_EVENTFD |
				   VFIO_IRQ_SET_ACTION_TRIGGER, 1, 1, &fd, 4));
	EXPECT_EQ(-EINVAL, irq_set(&self->d, VFIO_IRQ_SET_DATA_NONE |
				   VFIO_IRQ_SET_ACTION_MASK, 0, 2, NULL, 0));
	/* No action, or two at once, is not a request (6.12: -ENOTTY). */
	EXPECT_EQ(-ENOTTY, irq_set(&self->d, VFIO_IRQ_SET_DATA_NONE, 0, 1,
				   NULL, 0));
	EXPECT_EQ(-ENOTTY, irq_set(&self->d, VFIO_IRQ_SET_DATA_NONE |
				   VFIO_IRQ_SET_ACTION_MASK |
				   VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, NULL, 0));
	EXPECT_EQ(-EBADF, irq_set(&self->d, VFIO_IRQ_SET_DATA_EVENTFD |
				  VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
				  &(int32_t){ 1000 }, 4));
}

TEST_F(pl031, irq_is_level_automasked)
{
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = 0 };

	ASSERT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
		  VFIO_IRQ_INFO_AUTOMASKED, irq.flags);
	EXPECT_EQ(1, irq.count);
}

/* Delivered once, then held masked until the user unmasks. */
TEST_F(pl031, match_interrupt_is_delivered_and_automasked)
{
	struct vfio_util_dev *d = &self->d;

	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_TRIGGER, self->efd));
	arm_match(d);
	ASSERT_EQ(1, vfio_util_eventfd_wait(self->efd, 5000));
	EXPECT_EQ(1, rd(d, RTC_RIS) & 1);
	/* The line is still asserted, but masked: nothing more. */
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd, 500));
	/* Unmasking with the line asserted delivers it again. */
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_UNMASK));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd, 2000));
	/* Serviced: cleared at the device, then unmasked: quiet. */
	wr(d, RTC_ICR, 1);
	wr(d, RTC_IMSC, 0);
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_UNMASK));
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd, 500));
	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_TRIGGER, -1));
}

/* What KVM's resampler does: unmask through an eventfd. */
TEST_F(pl031, unmask_eventfd_redelivers)
{
	struct vfio_util_dev *d = &self->d;
	uint64_t one = 1;
	int unmask = eventfd(0, EFD_NONBLOCK);

	ASSERT_LE(0, unmask);
	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_TRIGGER, self->efd));
	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_UNMASK, unmask));
	arm_match(d);
	ASSERT_EQ(1, vfio_util_eventfd_wait(self->efd, 5000));
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd, 300));
	ASSERT_EQ(8, write(unmask, &one, 8));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd, 2000));
	wr(d, RTC_ICR, 1);
	wr(d, RTC_IMSC, 0);
	ASSERT_EQ(8, write(unmask, &one, 8));
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd, 500));
	EXPECT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_UNMASK, -1));
	close(unmask);
}

/* A user mask holds the interrupt back until the user unmasks. */
TEST_F(pl031, masked_interrupt_waits_for_unmask)
{
	struct vfio_util_dev *d = &self->d;
	uint8_t yes = 1;

	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_TRIGGER, self->efd));
	ASSERT_EQ(0, irq_set(d, VFIO_IRQ_SET_DATA_BOOL |
			     VFIO_IRQ_SET_ACTION_MASK, 0, 1, &yes, 1));
	arm_match(d);
	sleep(3);
	EXPECT_EQ(1, rd(d, RTC_RIS) & 1);
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd, 100));
	ASSERT_EQ(0, irq_set(d, VFIO_IRQ_SET_DATA_BOOL |
			     VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, &yes, 1));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd, 2000));
}

/* A mask eventfd masks on each signal. */
TEST_F(pl031, mask_eventfd_masks)
{
	struct vfio_util_dev *d = &self->d;
	uint64_t one = 1;
	int mask = eventfd(0, EFD_NONBLOCK);

	ASSERT_LE(0, mask);
	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_TRIGGER, self->efd));
	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_MASK, mask));
	ASSERT_EQ(8, write(mask, &one, 8));
	usleep(100 * 1000);
	arm_match(d);
	sleep(3);
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd, 100));
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_UNMASK));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd, 2000));
	close(mask);
}

/* A software trigger of a level interrupt automasks it like a real one. */
TEST_F(pl031, loopback_trigger_automasks)
{
	struct vfio_util_dev *d = &self->d;

	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_TRIGGER, self->efd));
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd, 1000));
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd, 300));
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd, 1000));
	/* count 0 with DATA_NONE removes the trigger. */
	ASSERT_EQ(0, irq_set(d, VFIO_IRQ_SET_DATA_NONE |
			     VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL, 0));
}

/*
 * One eventfd as both trigger and unmask eventfd: each delivery unmasks
 * again at once.  The kernel must not take the interrupt's lock inside
 * the eventfd's (lockdep checks that in this run).
 */
TEST_F(pl031, one_eventfd_can_trigger_and_unmask)
{
	struct vfio_util_dev *d = &self->d;

	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_TRIGGER, self->efd));
	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_UNMASK, self->efd));
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	ASSERT_EQ(0, set_efd(d, VFIO_IRQ_SET_ACTION_UNMASK, -1));
	/* Unmasked by the second signal: a third trigger is delivered. */
	ASSERT_EQ(0, vfio_util_irq_action(d, 0, 0, 1,
					  VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_LE(1, vfio_util_eventfd_wait(self->efd, 1000));
}

TEST_F(pl031, reset_restores_the_reset_values)
{
	struct vfio_util_dev *d = &self->d;

	wr(d, RTC_MR, 0x1234);
	wr(d, RTC_IMSC, 1);
	ASSERT_EQ(0x1234, rd(d, RTC_MR));
	ASSERT_EQ(1, rd(d, RTC_IMSC));
	ASSERT_EQ(0, ioctl(d->device, VFIO_DEVICE_RESET));
	EXPECT_EQ(0, rd(d, RTC_MR));
	EXPECT_EQ(0, rd(d, RTC_IMSC));
	EXPECT_EQ(0, rd(d, RTC_RIS) & 1);
	EXPECT_EQ(1, rd(d, RTC_CR) & 1);
}

/* Each open starts from the reset state. */
TEST_F(pl031, reopen_resets)
{
	struct vfio_util_dev *d = &self->d;

	wr(d, RTC_MR, 0x5678);
	vfio_util_close(d);
	ASSERT_EQ(0, vfio_util_open_on(d, "amba", self->name,
				       VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(0, rd(d, RTC_MR));
}

/* Back with its host driver, the RTC keeps time. */
TEST(pl031_returns_to_rtc_pl031)
{
	const char *name = find_pl031();
	char old[8] = "", dir[256], path[PATH_MAX], t[32];
	struct vfio_util_dev d;
	long s0, s1;
	FILE *ls;

	ASSERT_NE(NULL, name);
	ASSERT_EQ(0, vfio_util_modprobe("vfio"));
	ASSERT_LT(0, vfio_util_read_file(NOIOMMU_PARAM, old, sizeof(old)));
	ASSERT_EQ(0, vfio_util_write_file(NOIOMMU_PARAM, "Y"));
	ASSERT_EQ(0, vfio_util_bind_on("amba", name, "vfio-amba"));
	ASSERT_EQ(0, vfio_util_open_on(&d, "amba", name, VFIO_NOIOMMU_IOMMU));
	vfio_util_close(&d);
	ASSERT_EQ(0, vfio_util_bind_on("amba", name, "rtc-pl031"));
	vfio_util_write_file(NOIOMMU_PARAM, old[0] == 'Y' ? "Y" : "N");

	snprintf(dir, sizeof(dir), "ls -d " AMBA_DEVICES "/%s/rtc/rtc*", name);
	ls = popen(dir, "r");
	ASSERT_NE(NULL, ls);
	ASSERT_EQ(1, fscanf(ls, "%255s", dir));
	pclose(ls);
	snprintf(path, sizeof(path), "%s/since_epoch", dir);
	s0 = vfio_util_read_long(path);
	sleep(2);
	s1 = vfio_util_read_long(path);
	EXPECT_LT(1000000000L, s0);
	EXPECT_LE(s0 + 1, s1);
	snprintf(path, sizeof(path), "%s/time", dir);
	EXPECT_LT(0, vfio_util_read_file(path, t, sizeof(t)));
}

/* Without noiommu mode a device with no IOMMU cannot be bound at all. */
TEST(pl031_needs_noiommu_mode)
{
	const char *name = find_pl031();
	char old[8] = "";

	ASSERT_NE(NULL, name);
	ASSERT_EQ(0, vfio_util_modprobe("vfio"));
	ASSERT_LT(0, vfio_util_read_file(NOIOMMU_PARAM, old, sizeof(old)));
	ASSERT_EQ(0, vfio_util_write_file(NOIOMMU_PARAM, "N"));
	EXPECT_EQ(-EINVAL, vfio_util_bind_on("amba", name, "vfio-amba"));
	EXPECT_STRNE("vfio-amba", vfio_util_driver_on("amba", name));
	vfio_util_write_file(NOIOMMU_PARAM, old[0] == 'Y' ? "Y" : "N");
	EXPECT_EQ(0, vfio_util_bind_on("amba", name, "rtc-pl031"));
}

TEST_HARNESS_MAIN
