// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reset of the ARM PrimeCell PL031 real-time clock for vfio-amba.
 *
 * The PL031 has no reset register; its reset state (ARM DDI 0224) is the
 * match register at zero, the interrupt masked and nothing pending.  The
 * data and load registers hold the time and are left alone, and the
 * counter keeps running as the host's rtc-pl031 started it: anything else
 * would set the machine's clock back for the next user.
 */
#include <linux/io.h>
#include <linux/module.h>
#include "../vfio_platform_private.h"

#define PL031_MR	0x04	/* match */
#define PL031_CR	0x0c	/* control: bit 0 starts the counter */
#define PL031_IMSC	0x10	/* interrupt mask set/clear: 1 enables */
#define PL031_ICR	0x1c	/* interrupt clear: write 1 */

static int vfio_platform_pl031_reset(struct vfio_platform_device *vdev)
{
	void __iomem *base = vdev->num_regions ? vdev->regions[0].ioaddr : NULL;

	if (!base)
		return -ENODEV;
	writel(0, base + PL031_IMSC);
	writel(1, base + PL031_ICR);
	writel(0, base + PL031_MR);
	writel(1, base + PL031_CR);
	return 0;
}

module_vfio_reset_handler("arm,pl031", vfio_platform_pl031_reset);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Reset of the PL031 RTC for vfio-amba");
