// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_core_kunit.ko: KUnit suites for the VFIO core.  Each *_test.c file
 * here adds one suite; this file only carries the module information.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the VFIO core");
