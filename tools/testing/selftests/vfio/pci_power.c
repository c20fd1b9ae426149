// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-pci power management on functions with a PCI PM capability
 * (QEMU's e1000e and nvme).
 *
 * VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY lets the host runtime suspend an
 * open function: it really goes to D3hot (the host's power_state and the
 * PMCSR in config space say so), BAR mappings fault, and every access
 * through the device file powers it up for its duration.  With
 * LOW_POWER_ENTRY_WITH_WAKEUP, the first wakeup, whoever causes it, is
 * signalled on the eventfd and ends the low power request; LOW_POWER_EXIT
 * ends it by hand.  A user can also move the function to D3hot through
 * the PMCSR it sees in config space; BAR access then fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define CFG		VFIO_PCI_CONFIG_REGION_INDEX
#define PCI_DEVICES	"/sys/bus/pci/devices"

/* Read @len bytes of @bdf's config space as the host sees it. */
static int host_config(const char *bdf, unsigned int off, void *buf,
		       size_t len)
{
	char path[128];
	int fd, n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, off);
	close(fd);
	return n == len ? 0 : -EIO;
}

static unsigned int find_pm_cap(const char *bdf)
{
	uint8_t pos = 0, id = 0;
	int hops;

	if (host_config(bdf, PCI_CAPABILITY_LIST, &pos, 1))
		return 0;
	for (hops = 0; pos >= 0x40 && hops < 48; hops++) {
		if (host_config(bdf, pos, &id, 1))
			return 0;
		if (id == PCI_CAP_ID_PM)
			return pos;
		if (host_config(bdf, pos + 1, &pos, 1))
			return 0;
	}
	return 0;
}

/*
 * The D-state in the function's PMCSR.  Reading config space through
 * sysfs does not resume a function in D3hot (config space still works
 * there), so this does not disturb what is measured.
 */
static int pmcsr_state(const char *bdf, unsigned int pm)
{
	uint16_t ctrl = 0xffff;

	if (host_config(bdf, pm + PCI_PM_CTRL, &ctrl, 2))
		return -1;
	return ctrl & PCI_PM_CTRL_STATE_MASK;
}

static int dev_attr(const char *bdf, const char *attr, char *buf,
		    size_t size)
{
	char path[160];
	int n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	n = vfio_util_read_file(path, buf, size);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return n;
}

static int dev_attr_write(const char *bdf, const char *attr, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	return vfio_util_write_file(path, val);
}

/* Wait up to @ms for power_state to read @want; true if it did. */
static bool wait_power_state(const char *bdf, const char *want, int ms)
{
	char state[32] = "";

	for (; ms >= 0; ms -= 20) {
		dev_attr(bdf, "power_state", state, sizeof(state));
		if (!strcmp(state, want))
			return true;
		usleep(20 * 1000);
	}
	return false;
}

static int feature(int device, uint32_t flags, void *data, size_t len)
{
	struct {
		struct vfio_device_feature f;
		uint8_t data[16];
	} arg = {};

	arg.f.argsz = sizeof(arg.f) + len;
	arg.f.flags = flags;
	if (len)
		memcpy(arg.data, data, len);
	return ioctl(device, VFIO_DEVICE_FEATURE, &arg) ? -errno : 0;
}

static int lp_entry(int device)
{
	return feature(device, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0);
}

static int lp_entry_wakeup(int device, int efd)
{
	struct vfio_device_low_power_entry_with_wakeup w = {
		.wakeup_eventfd = efd,
	};

	return feature(device, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
		       &w, sizeof(w));
}

static int lp_exit(int device)
{
	return feature(device, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, NULL, 0);
}

/* Exit status of a child that reads the first word of @bar. */
static int touch_in_child(void *bar)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		(void)__atomic_load_n((uint32_t *)bar, __ATOMIC_RELAXED);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
}

static uint16_t vfio_vendor(struct vfio_util_dev *d)
{
	uint16_t v = 0;

	if (vfio_util_region_read(d, CFG, PCI_VENDOR_ID, &v, 2) != 2)
		return 0;
	return v;
}

FIXTURE(power) {
	struct vfio_util_dev d;
	char bdf[32];
	unsigned int pm;
	uint64_t bar0_size;
	int efd;
};

FIXTURE_VARIANT(power) {
	unsigned int vendor;
	unsigned int device;
};

FIXTURE_VARIANT_ADD(power, e1000e) {
	.vendor = E1000E_VENDOR,
	.device = E1000E_DEVICE,
};

FIXTURE_VARIANT_ADD(power, nvme) {
	.vendor = NVME_VENDOR,
	.device = NVME_DEVICE,
};

FIXTURE_SETUP(power)
{
	const char *bdf = vfio_util_find_pci(variant->vendor, variant->device);
	struct vfio_region_info info;
	char val[8] = "";

	vfio_util_dev_init(&self->d);
	self->efd = -1;
	if (!bdf)
		SKIP(return, "no such device");
	snprintf(self->bdf, sizeof(self->bdf), "%s", bdf);
	self->pm = find_pm_cap(bdf);
	if (!self->pm)
		SKIP(return, "no PM capability");
	vfio_util_modprobe("vfio_iommu_type1");
	vfio_util_modprobe("vfio-pci");
	vfio_util_read_file("/sys/module/vfio_pci/parameters/disable_idle_d3",
			    val, sizeof(val));
	if (val[0] == 'Y')
		SKIP(return, "vfio-pci disable_idle_d3 is set");
	ASSERT_EQ(0, vfio_util_open(&self->d, bdf, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, vfio_util_region_info(&self->d, 0, &info));
	self->bar0_size = info.size;
	ASSERT_TRUE(info.flags & VFIO_REGION_INFO_FLAG_MMAP);
	self->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);

	/* Open means in use: powered. */
	ASSERT_TRUE(wait_power_state(bdf, "D0", 0));
	ASSERT_EQ(0, pmcsr_state(bdf, self->pm));
}

FIXTURE_TEARDOWN(power)
{
	if (self->efd >= 0)
		close(self->efd);
	vfio_util_close(&self->d);
}

/* Feature flags and data, checked before anything happens. */
TEST_F(power, feature_arguments)
{
	int dev = self->d.device, null;

	EXPECT_EQ(0, feature(dev, VFIO_DEVICE_FEATURE_PROBE |
			     VFIO_DEVICE_FEATURE_SET |
			     VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
			     NULL, 0));
	EXPECT_EQ(0, feature(dev, VFIO_DEVICE_FEATURE_PROBE |
			     VFIO_DEVICE_FEATURE_SET |
			     VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, NULL, 0));
	EXPECT_EQ(-EINVAL, feature(dev, VFIO_DEVICE_FEATURE_GET |
				   VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
				   NULL, 0));
	/* The wakeup variant needs its eventfd argument... */
	EXPECT_EQ(-EINVAL, feature(dev, VFIO_DEVICE_FEATURE_SET |
				   VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
				   NULL, 0));
	/* ...which must be an eventfd. */
	EXPECT_EQ(-EINVAL, lp_entry_wakeup(dev, -1));
	EXPECT_EQ(-EBADF, lp_entry_wakeup(dev, 1000));
	null = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, null);
	EXPECT_EQ(-EINVAL, lp_entry_wakeup(dev, null));
	close(null);

	/* None of that entered low power. */
	usleep(100 * 1000);
	EXPECT_TRUE(wait_power_state(self->bdf, "D0", 0));
}

/* Entry really powers the function down; exit brings it back. */
TEST_F(power, entry_suspends_to_d3hot)
{
	char status[32] = "";
	void *bar;

	bar = mmap(NULL, self->bar0_size, PROT_READ, MAP_SHARED,
		   self->d.device, 0);
	ASSERT_NE(MAP_FAILED, bar);
	EXPECT_EQ(0, touch_in_child(bar));

	ASSERT_EQ(0, lp_entry(self->d.device));
	ASSERT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));
	EXPECT_EQ(3, pmcsr_state(self->bdf, self->pm));
	dev_attr(self->bdf, "power/runtime_status", status, sizeof(status));
	EXPECT_STREQ("suspended", status);
	/* Already in low power. */
	EXPECT_EQ(-EINVAL, lp_entry(self->d.device));
	EXPECT_EQ(-EINVAL, lp_entry_wakeup(self->d.device, self->efd));
	ASSERT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));

	/* The mapping cannot reach a sleeping function. */
	EXPECT_EQ(SIGBUS, touch_in_child(bar));

	ASSERT_EQ(0, lp_exit(self->d.device));
	EXPECT_TRUE(wait_power_state(self->bdf, "D0", 0));
	EXPECT_EQ(0, pmcsr_state(self->bdf, self->pm));
	EXPECT_EQ(0, touch_in_child(bar));
	/* And it stays up. */
	usleep(300 * 1000);
	EXPECT_TRUE(wait_power_state(self->bdf, "D0", 0));
	EXPECT_EQ(0, lp_exit(self->d.device));
	munmap(bar, self->bar0_size);
}

/*
 * Without a wakeup eventfd, an access through the device file powers the
 * function up for the access only.
 */
TEST_F(power, access_wakes_for_its_duration)
{
	uint32_t bar_word;

	ASSERT_EQ(0, lp_entry(self->d.device));
	ASSERT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));

	EXPECT_EQ(variant->vendor, vfio_vendor(&self->d));
	ASSERT_EQ(4, vfio_util_region_read(&self->d, 0, 0, &bar_word, 4));
	/* Config space was restored on the way up: BAR reads are real. */
	EXPECT_NE(0xffffffffu, bar_word);
	EXPECT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));

	ASSERT_EQ(0, lp_exit(self->d.device));
	EXPECT_TRUE(wait_power_state(self->bdf, "D0", 0));
}

/* The host waking the function is reported, and ends low power. */
TEST_F(power, wakeup_eventfd_on_host_wake)
{
	uint64_t count = 0;

	ASSERT_EQ(0, lp_entry_wakeup(self->d.device, self->efd));
	ASSERT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));
	EXPECT_EQ(-1, read(self->efd, &count, sizeof(count)));

	/* As the host would for its own use: forbid runtime PM. */
	ASSERT_EQ(0, dev_attr_write(self->bdf, "power/control", "on"));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd, 2000));
	EXPECT_TRUE(wait_power_state(self->bdf, "D0", 0));
	ASSERT_EQ(0, dev_attr_write(self->bdf, "power/control", "auto"));

	/* The request is over: the function stays up. */
	usleep(300 * 1000);
	EXPECT_TRUE(wait_power_state(self->bdf, "D0", 0));
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd, 100));
	EXPECT_EQ(0, lp_exit(self->d.device));

	/* A new request can be made. */
	ASSERT_EQ(0, lp_entry(self->d.device));
	EXPECT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));
	ASSERT_EQ(0, lp_exit(self->d.device));
}

/* The user's own access is a wakeup too: read(2), or any ioctl. */
TEST_F(power, wakeup_eventfd_on_user_access)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, lp_entry_wakeup(self->d.device, self->efd));
	ASSERT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));
	ASSERT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd, 2000));
	EXPECT_TRUE(wait_power_state(self->bdf, "D0", 0));

	ASSERT_EQ(0, lp_entry_wakeup(self->d.device, self->efd));
	ASSERT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));
	EXPECT_EQ(variant->vendor, vfio_vendor(&self->d));
	EXPECT_EQ(1, vfio_util_eventfd_wait(self->efd, 2000));
	usleep(300 * 1000);
	EXPECT_TRUE(wait_power_state(self->bdf, "D0", 0));
	/* Low power ended with the wakeup: entry works again. */
	ASSERT_EQ(0, lp_entry(self->d.device));
	EXPECT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));
	ASSERT_EQ(0, lp_exit(self->d.device));
	EXPECT_EQ(0, vfio_util_eventfd_wait(self->efd, 100));
}

/* Closing the device ends low power; the next user finds it working. */
TEST_F(power, close_in_low_power)
{
	struct vfio_util_dev d2;

	ASSERT_EQ(0, lp_entry_wakeup(self->d.device, self->efd));
	ASSERT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));
	vfio_util_close(&self->d);

	ASSERT_EQ(0, vfio_util_open(&d2, self->bdf, VFIO_TYPE1v2_IOMMU));
	EXPECT_TRUE(wait_power_state(self->bdf, "D0", 0));
	EXPECT_EQ(variant->vendor, vfio_vendor(&d2));
	EXPECT_EQ(0, lp_entry(d2.device));
	EXPECT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));
	vfio_util_close(&d2);
}

/* D3hot set by the user through the virtual PMCSR. */
TEST_F(power, user_d3hot_through_pmcsr)
{
	uint16_t ctrl = 0;
	uint32_t word;
	void *bar;

	bar = mmap(NULL, self->bar0_size, PROT_READ, MAP_SHARED,
		   self->d.device, 0);
	ASSERT_NE(MAP_FAILED, bar);
	ASSERT_EQ(2, vfio_util_region_read(&self->d, CFG,
					   self->pm + PCI_PM_CTRL, &ctrl, 2));
	ctrl = (ctrl & ~PCI_PM_CTRL_STATE_MASK) | 3;
	ASSERT_EQ(2, vfio_util_region_write(&self->d, CFG,
					    self->pm + PCI_PM_CTRL, &ctrl, 2));
	EXPECT_TRUE(wait_power_state(self->bdf, "D3hot", 0));
	EXPECT_EQ(3, pmcsr_state(self->bdf, self->pm));
	ctrl = 0;
	ASSERT_EQ(2, vfio_util_region_read(&self->d, CFG,
					   self->pm + PCI_PM_CTRL, &ctrl, 2));
	EXPECT_EQ(3, ctrl & PCI_PM_CTRL_STATE_MASK);

	/* No BAR access in D3hot, by read/write or by mapping. */
	EXPECT_EQ(-EIO, vfio_util_region_read(&self->d, 0, 0, &word, 4));
	EXPECT_EQ(-EIO, vfio_util_region_write(&self->d, 0, 0, &word, 4));
	EXPECT_EQ(SIGBUS, touch_in_child(bar));

	ctrl &= ~PCI_PM_CTRL_STATE_MASK;
	ASSERT_EQ(2, vfio_util_region_write(&self->d, CFG,
					    self->pm + PCI_PM_CTRL, &ctrl, 2));
	EXPECT_TRUE(wait_power_state(self->bdf, "D0", 0));
	EXPECT_EQ(4, vfio_util_region_read(&self->d, 0, 0, &word, 4));
	EXPECT_EQ(0, touch_in_child(bar));
	munmap(bar, self->bar0_size);
}

static uint16_t host_command(const char *bdf)
{
	uint16_t cmd = 0;

	host_config(bdf, PCI_COMMAND, &cmd, 2);
	return cmd;
}

/*
 * INTx the user enabled is masked at the function while it sleeps, so it
 * cannot assert a (shared) line nobody would service, and unmasked again
 * when it wakes.
 */
TEST_F(power, intx_masked_while_suspended)
{
	struct vfio_irq_info irq = {
		.argsz = sizeof(irq),
		.index = VFIO_PCI_INTX_IRQ_INDEX,
	};
	uint8_t pin = 0;
	int intx;

	/* Whether there is a line is the function's Interrupt Pin. */
	ASSERT_EQ(0, host_config(self->bdf, PCI_INTERRUPT_PIN, &pin, 1));
	if (!pin)
		SKIP(return, "no INTx pin");
	ASSERT_EQ(0, ioctl(self->d.device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	ASSERT_EQ(1, irq.count);
	intx = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, intx);
	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
						&intx));
	EXPECT_FALSE(host_command(self->bdf) & PCI_COMMAND_INTX_DISABLE);

	ASSERT_EQ(0, lp_entry(self->d.device));
	ASSERT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));
	EXPECT_TRUE(host_command(self->bdf) & PCI_COMMAND_INTX_DISABLE);

	ASSERT_EQ(0, lp_exit(self->d.device));
	EXPECT_TRUE(wait_power_state(self->bdf, "D0", 0));
	EXPECT_FALSE(host_command(self->bdf) & PCI_COMMAND_INTX_DISABLE);

	/* A mask the user set survives the round trip. */
	ASSERT_EQ(0, vfio_util_irq_action(&self->d, VFIO_PCI_INTX_IRQ_INDEX,
					  0, 1, VFIO_IRQ_SET_ACTION_MASK));
	EXPECT_TRUE(host_command(self->bdf) & PCI_COMMAND_INTX_DISABLE);
	ASSERT_EQ(0, lp_entry(self->d.device));
	ASSERT_TRUE(wait_power_state(self->bdf, "D3hot", 2000));
	ASSERT_EQ(0, lp_exit(self->d.device));
	EXPECT_TRUE(host_command(self->bdf) & PCI_COMMAND_INTX_DISABLE);

	ASSERT_EQ(0, vfio_util_set_irq_eventfds(&self->d,
						VFIO_PCI_INTX_IRQ_INDEX, 0, 0,
						NULL));
	close(intx);
}

static int reload_vfio_pci(const char *bdf, const char *params)
{
	char cmd[96];

	if (vfio_util_bind(bdf, "") || system("rmmod vfio_pci"))
		return -1;
	snprintf(cmd, sizeof(cmd), "vfio-pci %s", params);
	if (vfio_util_modprobe(cmd))
		return -1;
	return vfio_util_bind(bdf, "vfio-pci");
}

/*
 * A bound but unused function sleeps in D3hot, unless vfio-pci's
 * disable_idle_d3 is set.  That parameter is only about idle: the user's
 * low power request still works.
 */
TEST(idle_d3)
{
	const char *found = vfio_util_find_pci(E1000E_VENDOR, E1000E_DEVICE);
	struct vfio_util_dev d;
	char bdf[32];

	if (!found || !find_pm_cap(found))
		SKIP(return, "no e1000e with a PM capability");
	snprintf(bdf, sizeof(bdf), "%s", found);
	vfio_util_modprobe("vfio_iommu_type1");
	vfio_util_modprobe("vfio-pci");

	ASSERT_EQ(0, reload_vfio_pci(bdf, "disable_idle_d3=1"));
	usleep(500 * 1000);
	EXPECT_TRUE(wait_power_state(bdf, "D0", 0));
	ASSERT_EQ(0, vfio_util_open(&d, bdf, VFIO_TYPE1v2_IOMMU));
	EXPECT_TRUE(wait_power_state(bdf, "D0", 0));
	ASSERT_EQ(0, lp_entry(d.device));
	EXPECT_TRUE(wait_power_state(bdf, "D3hot", 2000));
	ASSERT_EQ(0, lp_exit(d.device));
	EXPECT_TRUE(wait_power_state(bdf, "D0", 0));
	/* Low power again, then close: the function is left in D0. */
	ASSERT_EQ(0, lp_entry(d.device));
	EXPECT_TRUE(wait_power_state(bdf, "D3hot", 2000));
	vfio_util_close(&d);
	usleep(500 * 1000);
	EXPECT_TRUE(wait_power_state(bdf, "D0", 0));

	/* The default: idle means D3hot, and an open wakes it. */
	ASSERT_EQ(0, reload_vfio_pci(bdf, ""));
	EXPECT_TRUE(wait_power_state(bdf, "D3hot", 2000));
	EXPECT_EQ(3, pmcsr_state(bdf, find_pm_cap(bdf)));
	ASSERT_EQ(0, vfio_util_open(&d, bdf, VFIO_TYPE1v2_IOMMU));
	EXPECT_TRUE(wait_power_state(bdf, "D0", 0));
	EXPECT_EQ(E1000E_VENDOR, vfio_vendor(&d));
	vfio_util_close(&d);
	EXPECT_TRUE(wait_power_state(bdf, "D3hot", 2000));
}

TEST_HARNESS_MAIN
