// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_set_irqs_validate_and_prepare(): one row per rule of the
 * VFIO_DEVICE_SET_IRQS header check, for a device with 4 interrupt
 * indexes whose checked index has 8 interrupts.
 */
#include <kunit/test.h>
#include <linux/vfio.h>

#define NUM_IRQS	8
#define NUM_INDEXES	4
#define HDR		offsetofend(struct vfio_irq_set, count)

#define NONE		VFIO_IRQ_SET_DATA_NONE
#define BOOL		VFIO_IRQ_SET_DATA_BOOL
#define EVENTFD		VFIO_IRQ_SET_DATA_EVENTFD
#define TRIGGER		VFIO_IRQ_SET_ACTION_TRIGGER
#define MASK		VFIO_IRQ_SET_ACTION_MASK

struct irqs_case {
	const char *name;
	u32 argsz, flags, index, start, count;
	bool no_data_size;	/* pass NULL for data_size */
	int ret;
	size_t data_size;
};

static const struct irqs_case irqs_cases[] = {
	{ "trigger eventfds for all", HDR + 4 * NUM_IRQS, EVENTFD | TRIGGER,
	  0, 0, NUM_IRQS, false, 0, 4 * NUM_IRQS },
	{ "one eventfd in the middle", HDR + 4, EVENTFD | TRIGGER, 1, 3, 1,
	  false, 0, 4 },
	{ "bools", HDR + 3, BOOL | MASK, 0, 5, 3, false, 0, 3 },
	{ "data none", HDR, NONE | MASK, 0, 0, 1, false, 0, 0 },
	{ "data none with no data_size", HDR, NONE | TRIGGER, 0, 0, 0, true,
	  0, 0 },
	{ "disable: data none, count 0", HDR, NONE | TRIGGER, 2, 0, 0, false,
	  0, 0 },
	{ "eventfd count 0", HDR, EVENTFD | TRIGGER, 0, 0, 0, false, 0, 0 },
	{ "argsz below header", HDR - 1, NONE | TRIGGER, 0, 0, 1, false,
	  -EINVAL, 0 },
	{ "argsz short of payload", HDR + 4 * 2 - 1, EVENTFD | TRIGGER, 0, 0,
	  2, false, -EINVAL, 0 },
	{ "index out of range", HDR, NONE | TRIGGER, NUM_INDEXES, 0, 1, false,
	  -EINVAL, 0 },
	{ "unknown flag", HDR, NONE | TRIGGER | BIT(9), 0, 0, 1, false,
	  -EINVAL, 0 },
	{ "no data type", HDR, TRIGGER, 0, 0, 1, false, -EINVAL, 0 },
	{ "two data types", HDR + 8, NONE | EVENTFD | TRIGGER, 0, 0, 1, false,
	  -EINVAL, 0 },
	{ "start past the end", HDR, NONE | TRIGGER, 0, NUM_IRQS, 0, false,
	  -EINVAL, 0 },
	{ "range past the end", HDR + 4 * 2, EVENTFD | TRIGGER, 0,
	  NUM_IRQS - 1, 2, false, -EINVAL, 0 },
	{ "start plus count wraps", HDR, NONE | TRIGGER, 0, 2, U32_MAX - 1,
	  false, -EINVAL, 0 },
	{ "payload without data_size", HDR + 4, EVENTFD | TRIGGER, 0, 0, 1,
	  true, -EINVAL, 0 },
	/* The action is the caller's to check. */
	{ "no action", HDR, NONE, 0, 0, 1, false, 0, 0 },
};

static void irqs_case_desc(const struct irqs_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(irqs, irqs_cases, irqs_case_desc);

static void set_irqs_header_check(struct kunit *test)
{
	const struct irqs_case *c = test->param_value;
	struct vfio_irq_set hdr = {
		.argsz = c->argsz, .flags = c->flags, .index = c->index,
		.start = c->start, .count = c->count,
	};
	size_t data_size = 12345;
	int ret;

	ret = vfio_set_irqs_validate_and_prepare(&hdr, NUM_IRQS, NUM_INDEXES,
						 c->no_data_size ? NULL :
						 &data_size);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (!ret && !c->no_data_size)
		KUNIT_EXPECT_EQ(test, data_size, c->data_size);
}

static void index_without_irqs_is_einval(struct kunit *test)
{
	struct vfio_irq_set hdr = {
		.argsz = HDR, .flags = NONE | TRIGGER, .count = 0,
	};
	size_t data_size;

	KUNIT_EXPECT_EQ(test,
			vfio_set_irqs_validate_and_prepare(&hdr, 0, NUM_INDEXES,
							   &data_size),
			-EINVAL);
}

static struct kunit_case set_irqs_cases[] = {
	KUNIT_CASE_PARAM(set_irqs_header_check, irqs_gen_params),
	KUNIT_CASE(index_without_irqs_is_einval),
	{}
};

static struct kunit_suite set_irqs_suite = {
	.name = "vfio_set_irqs_validate",
	.test_cases = set_irqs_cases,
};

kunit_test_suite(set_irqs_suite);
