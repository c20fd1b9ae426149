// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of vfio-pci's hardware-free logic: which dwords of the
 * virtual config space a read may take without the config lock.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/pci_regs.h>

#include "priv.h"

static const unsigned int cfg_sizes[] = {
	PCI_CFG_SPACE_SIZE, PCI_CFG_SPACE_EXP_SIZE,
};

/* Made-up layouts of both config space sizes, many of each. */
static void check_layouts(struct kunit *test, bool overlap)
{
	unsigned int i;
	u32 seed;

	for (i = 0; i < ARRAY_SIZE(cfg_sizes); i++)
		for (seed = 1; seed <= 1000; seed++)
			KUNIT_ASSERT_EQ_MSG(test,
					    vfio_pci_cfg_test_quick(cfg_sizes[i],
								    seed, overlap),
					    0, "size %u, seed %u", cfg_sizes[i],
					    seed);
}

/*
 * The marks of the dwords readable without the lock, made block by block
 * at open, against the rule for each byte, on layouts of blocks apart
 * from each other, as in a sane capability list: they agree.
 */
static void quick_marks_follow_the_byte_rule(struct kunit *test)
{
	check_layouts(test, false);
}

/*
 * Overlapping blocks (a broken capability list): the marks may leave out
 * dwords the rule would allow, never include one it forbids.
 */
static void quick_marks_are_safe_on_overlapping_blocks(struct kunit *test)
{
	check_layouts(test, true);
}

static struct kunit_case vfio_pci_cases[] = {
	KUNIT_CASE(quick_marks_follow_the_byte_rule),
	KUNIT_CASE(quick_marks_are_safe_on_overlapping_blocks),
	{}
};

static struct kunit_suite vfio_pci_suite = {
	.name = "vfio_pci",
	.test_cases = vfio_pci_cases,
};

kunit_test_suite(vfio_pci_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of vfio-pci's virtual config space");
