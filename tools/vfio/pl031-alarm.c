// SPDX-License-Identifier: GPL-2.0
/*
 * pl031-alarm: a userspace driver for the ARM PL031 real-time clock,
 * through vfio-amba -- the example of VFIO's platform path.
 *
 * Platform devices are found by name on their bus rather than by PCI ids,
 * describe their registers and interrupts through the same region and IRQ
 * info ioctls as PCI devices, and on machines without an IOMMU in front of
 * them (QEMU's virt) are only offered in noiommu mode.  This program reads
 * the clock through an mmap of the register page, sets the match register
 * a few seconds ahead, and waits for the alarm interrupt on an eventfd.
 * The interrupt is level triggered, so VFIO masks it on delivery; the
 * driver clears it at the device and unmasks it, as any level-interrupt
 * driver does.
 *
 *   pl031-alarm DEVICE [SECONDS]    (DEVICE: e.g. 9010000.pl031)
 *
 * The device must be bound to vfio-amba and noiommu mode enabled first:
 *   echo Y > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode
 *   echo vfio-amba > /sys/bus/amba/devices/DEVICE/driver_override
 *   echo DEVICE > /sys/bus/amba/drivers/vfio-amba/bind
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#define RTC_DR		0x00
#define RTC_MR		0x04
#define RTC_IMSC	0x10
#define RTC_RIS		0x14
#define RTC_MIS		0x18
#define RTC_ICR		0x1c
#define RTC_PERIPH_ID0	0xfe0

static void die(const char *what)
{
	fprintf(stderr, "pl031-alarm: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The noiommu group number of DEVICE on the AMBA bus. */
static int group_of(const char *dev)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/amba/devices/%s/iommu_group",
		 dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die("no IOMMU group: is the device bound to vfio-amba?");
	link[n] = '\0';
	return atoi(strrchr(link, '/') + 1);
}

static int open_device(const char *dev)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int container, group, device;

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("open /dev/vfio/vfio");
	if (!ioctl(container, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU)) {
		errno = ENODEV;
		die("noiommu mode is off");
	}
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", group_of(dev));
	group = open(path, O_RDWR);
	if (group < 0)
		die(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("group not viable");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU))
		die("VFIO_SET_IOMMU(NOIOMMU)");
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, dev);
	if (device < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	printf("opened %s through %s\n", dev, path);
	return device;
}

static int set_irq(int device, uint32_t flags, int32_t fd)
{
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} req = {
		.set = {
			.argsz = sizeof(req), .flags = flags, .index = 0,
			.start = 0, .count = 1,
		},
		.fd = fd,
	};

	if (!(flags & VFIO_IRQ_SET_DATA_EVENTFD))
		req.set.argsz = sizeof(req.set);
	return ioctl(device, VFIO_DEVICE_SET_IRQS, &req);
}

int main(int argc, char **argv)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };
	unsigned int secs = argc > 2 ? atoi(argv[2]) : 2;
	volatile uint32_t *rtc;
	struct pollfd pfd;
	uint32_t now, id = 0;
	uint64_t count;
	time_t t, start;
	int device, efd, i;
	char date[64];

	if (argc < 2) {
		fprintf(stderr, "usage: pl031-alarm DEVICE [SECONDS]\n");
		return 2;
	}
	device = open_device(argv[1]);

	if (ioctl(device, VFIO_DEVICE_GET_INFO, &info))
		die("VFIO_DEVICE_GET_INFO");
	printf("device: %s, %u region(s), %u irq(s)%s\n",
	       info.flags & VFIO_DEVICE_FLAGS_AMBA ? "AMBA" : "not AMBA",
	       info.num_regions, info.num_irqs,
	       info.flags & VFIO_DEVICE_FLAGS_RESET ? ", resettable" : "");
	if (!(info.flags & VFIO_DEVICE_FLAGS_AMBA) || info.num_regions < 1 ||
	    info.num_irqs < 1) {
		errno = ENODEV;
		die("not a PL031 through vfio-amba");
	}
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &reg))
		die("VFIO_DEVICE_GET_REGION_INFO");
	if (!(reg.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		errno = EINVAL;
		die("register page cannot be mapped");
	}
	rtc = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED, device,
		   reg.offset);
	if (rtc == MAP_FAILED)
		die("mmap of the registers");

	for (i = 0; i < 4; i++)
		id |= (rtc[RTC_PERIPH_ID0 / 4 + i] & 0xff) << (8 * i);
	printf("peripheral ID 0x%08x\n", id);

	now = rtc[RTC_DR / 4];
	t = now;
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	printf("time: %s (%u)\n", date, now);

	irq.index = 0;
	if (ioctl(device, VFIO_DEVICE_GET_IRQ_INFO, &irq))
		die("VFIO_DEVICE_GET_IRQ_INFO");
	printf("irq 0: %s\n", irq.flags & VFIO_IRQ_INFO_AUTOMASKED ?
	       "level, masked on delivery" : "edge");

	efd = eventfd(0, 0);
	if (efd < 0)
		die("eventfd");
	if (set_irq(device, VFIO_IRQ_SET_DATA_EVENTFD |
		    VFIO_IRQ_SET_ACTION_TRIGGER, efd))
		die("VFIO_DEVICE_SET_IRQS(trigger)");

	/* The alarm: match SECONDS from now, with the interrupt enabled. */
	rtc[RTC_ICR / 4] = 1;
	rtc[RTC_MR / 4] = now + secs;
	rtc[RTC_IMSC / 4] = 1;
	printf("alarm set for %u (in %u s)\n", now + secs, secs);
	start = time(NULL);

	pfd.fd = efd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (secs + 5) * 1000) != 1) {
		errno = ETIMEDOUT;
		die("no alarm interrupt");
	}
	if (read(efd, &count, sizeof(count)) != sizeof(count))
		die("read eventfd");
	printf("alarm interrupt received after %ld s: count %llu, counter %u, status 0x%x\n",
	       (long)(time(NULL) - start), (unsigned long long)count,
	       rtc[RTC_DR / 4], rtc[RTC_MIS / 4]);

	/* Service it: clear at the device, disable, then unmask in VFIO. */
	rtc[RTC_ICR / 4] = 1;
	rtc[RTC_IMSC / 4] = 0;
	if (set_irq(device, VFIO_IRQ_SET_DATA_NONE |
		    VFIO_IRQ_SET_ACTION_UNMASK, -1))
		die("VFIO_DEVICE_SET_IRQS(unmask)");
	printf("interrupt cleared: raw status 0x%x\n", rtc[RTC_RIS / 4]);

	if (info.flags & VFIO_DEVICE_FLAGS_RESET) {
		rtc[RTC_MR / 4] = 0x55aa;
		if (ioctl(device, VFIO_DEVICE_RESET))
			die("VFIO_DEVICE_RESET");
		printf("reset: match register 0x%x\n", rtc[RTC_MR / 4]);
	}
	munmap((void *)rtc, reg.size);
	close(efd);
	close(device);
	return 0;
}
