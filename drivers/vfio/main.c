// SPDX-License-Identifier: GPL-2.0-only
/* Placeholder: replaced by the VFIO core. */
#include <linux/module.h>

static int __init vfio_init(void)
{
	return 0;
}
module_init(vfio_init);

static void __exit vfio_exit(void)
{
}
module_exit(vfio_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO core");
