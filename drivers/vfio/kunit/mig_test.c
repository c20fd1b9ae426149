// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mig_get_next_state(): for each combination of optional migration
 * features, every request between two supported states must be reached
 * through arcs the driver is required to implement for that combination
 * (the list in the uAPI header), or refused; plus a few complete routes
 * spelled out.
 */
#include <kunit/test.h>
#include <linux/vfio.h>

#define ST(x)		VFIO_DEVICE_STATE_##x
#define NSTATES		(ST(PRE_COPY_P2P) + 1)
#define F_STOP_COPY	VFIO_MIGRATION_STOP_COPY
#define F_P2P		VFIO_MIGRATION_P2P
#define F_PRE_COPY	VFIO_MIGRATION_PRE_COPY

struct arc {
	u8 from, to;
};

/* Arcs every migratable driver implements. */
static const struct arc base_arcs[] = {
	{ ST(RESUMING), ST(STOP) }, { ST(STOP), ST(RESUMING) },
	{ ST(STOP), ST(STOP_COPY) }, { ST(STOP_COPY), ST(STOP) },
	{ /* end */ }
};

static const struct arc no_p2p_arcs[] = {
	{ ST(RUNNING), ST(STOP) }, { ST(STOP), ST(RUNNING) },
	{ /* end */ }
};

static const struct arc p2p_arcs[] = {
	{ ST(RUNNING), ST(RUNNING_P2P) }, { ST(RUNNING_P2P), ST(RUNNING) },
	{ ST(RUNNING_P2P), ST(STOP) }, { ST(STOP), ST(RUNNING_P2P) },
	{ /* end */ }
};

static const struct arc pre_copy_arcs[] = {
	{ ST(RUNNING), ST(PRE_COPY) }, { ST(PRE_COPY), ST(RUNNING) },
	{ ST(PRE_COPY), ST(STOP_COPY) },
	{ /* end */ }
};

static const struct arc p2p_pre_copy_arcs[] = {
	{ ST(PRE_COPY), ST(RUNNING) }, { ST(PRE_COPY), ST(PRE_COPY_P2P) },
	{ ST(PRE_COPY_P2P), ST(PRE_COPY) },
	{ ST(PRE_COPY_P2P), ST(RUNNING_P2P) },
	{ ST(PRE_COPY_P2P), ST(STOP_COPY) }, { ST(RUNNING), ST(PRE_COPY) },
	{ ST(RUNNING_P2P), ST(PRE_COPY_P2P) },
	{ /* end */ }
};

/* Lists end with an empty entry: ERROR -> ERROR is never an arc. */
static bool in_list(const struct arc *list, int from, int to)
{
	for (; list->from || list->to; list++)
		if (list->from == from && list->to == to)
			return true;
	return false;
}

static bool arc_allowed(u32 flags, int from, int to)
{
	bool p2p = flags & F_P2P, pre = flags & F_PRE_COPY;

	if (in_list(base_arcs, from, to))
		return true;
	if (!p2p && in_list(no_p2p_arcs, from, to))
		return true;
	if (p2p && in_list(p2p_arcs, from, to))
		return true;
	if (pre && !p2p && in_list(pre_copy_arcs, from, to))
		return true;
	return pre && p2p && in_list(p2p_pre_copy_arcs, from, to);
}

static bool supported(u32 flags, int state)
{
	switch (state) {
	case ST(ERROR):
		return false;
	case ST(RUNNING_P2P):
		return flags & F_P2P;
	case ST(PRE_COPY):
		return flags & F_PRE_COPY;
	case ST(PRE_COPY_P2P):
		return (flags & F_P2P) && (flags & F_PRE_COPY);
	default:
		return true;
	}
}

static const u32 feature_sets[] = {
	F_STOP_COPY,
	F_STOP_COPY | F_P2P,
	F_STOP_COPY | F_PRE_COPY,
	F_STOP_COPY | F_P2P | F_PRE_COPY,
};

static void flags_desc(const u32 *flags, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s%s%s", "STOP_COPY",
		 *flags & F_P2P ? "+P2P" : "",
		 *flags & F_PRE_COPY ? "+PRE_COPY" : "");
}

KUNIT_ARRAY_PARAM(mig_flags, feature_sets, flags_desc);

static void every_request_uses_required_arcs(struct kunit *test)
{
	struct vfio_device vdev = {
		.migration_flags = *(const u32 *)test->param_value,
	};
	u32 flags = vdev.migration_flags;
	int cur, target;

	for (cur = 0; cur < NSTATES; cur++) {
		if (!supported(flags, cur))
			continue;
		for (target = 0; target < NSTATES; target++) {
			bool blocked = cur == ST(STOP_COPY) &&
				       (target == ST(PRE_COPY) ||
					target == ST(PRE_COPY_P2P));
			enum vfio_device_mig_state at = cur, next;
			int steps, ret = 0;

			if (!supported(flags, target))
				continue;
			for (steps = 0; at != target && steps < NSTATES;
			     steps++) {
				ret = vfio_mig_get_next_state(&vdev, at, target,
							      &next);
				if (ret)
					break;
				KUNIT_EXPECT_TRUE_MSG(test,
						      arc_allowed(flags, at,
								  next),
						      "arc %d->%d (asked %d->%d)",
						      at, next, cur, target);
				at = next;
			}
			if (blocked) {
				KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL,
						    "%d->%d must be refused",
						    cur, target);
			} else {
				KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%d->%d",
						    cur, target);
				KUNIT_EXPECT_EQ_MSG(test, at, target,
						    "%d->%d not reached", cur,
						    target);
			}
		}
	}
}

static void unsupported_targets_are_refused(struct kunit *test)
{
	struct vfio_device vdev = {
		.migration_flags = *(const u32 *)test->param_value,
	};
	enum vfio_device_mig_state next;
	int target;

	for (target = 0; target < NSTATES + 3; target++) {
		if (target < NSTATES && supported(vdev.migration_flags, target))
			continue;
		KUNIT_EXPECT_EQ_MSG(test,
				    vfio_mig_get_next_state(&vdev, ST(STOP),
							    target, &next),
				    -EINVAL, "target %d", target);
	}
}

static void same_state_is_a_no_op(struct kunit *test)
{
	struct vfio_device vdev = {
		.migration_flags = *(const u32 *)test->param_value,
	};
	enum vfio_device_mig_state next;
	int s;

	for (s = 1; s < NSTATES; s++) {
		if (!supported(vdev.migration_flags, s))
			continue;
		KUNIT_EXPECT_EQ(test,
				vfio_mig_get_next_state(&vdev, s, s, &next), 0);
		KUNIT_EXPECT_EQ(test, next, s);
	}
}

/* Walk from the first state of @route to its last, expecting each step. */
static void expect_route(struct kunit *test, u32 flags, const u8 *route,
			 int len)
{
	struct vfio_device vdev = { .migration_flags = flags };
	enum vfio_device_mig_state next;
	int i;

	for (i = 0; i + 1 < len; i++) {
		KUNIT_ASSERT_EQ(test,
				vfio_mig_get_next_state(&vdev, route[i],
							route[len - 1], &next),
				0);
		KUNIT_EXPECT_EQ_MSG(test, next, route[i + 1], "step %d", i);
	}
}

#define ROUTE(flags, ...) do {						\
	static const u8 r[] = { __VA_ARGS__ };				\
	expect_route(test, flags, r, ARRAY_SIZE(r));			\
} while (0)

static void full_feature_routes(struct kunit *test)
{
	const u32 all = F_STOP_COPY | F_P2P | F_PRE_COPY;

	ROUTE(all, ST(PRE_COPY), ST(PRE_COPY_P2P), ST(STOP_COPY));
	ROUTE(all, ST(PRE_COPY), ST(RUNNING), ST(RUNNING_P2P), ST(STOP),
	      ST(RESUMING));
	ROUTE(all, ST(PRE_COPY_P2P), ST(RUNNING_P2P), ST(RUNNING));
	ROUTE(all, ST(RESUMING), ST(STOP), ST(RUNNING_P2P), ST(RUNNING),
	      ST(PRE_COPY));
	ROUTE(all, ST(RESUMING), ST(STOP), ST(RUNNING_P2P), ST(PRE_COPY_P2P));
	ROUTE(all, ST(RUNNING), ST(RUNNING_P2P), ST(STOP), ST(STOP_COPY));
	ROUTE(all, ST(RUNNING_P2P), ST(RUNNING), ST(PRE_COPY));
	ROUTE(all, ST(STOP_COPY), ST(STOP), ST(RUNNING_P2P), ST(RUNNING));
}

static void reduced_feature_routes(struct kunit *test)
{
	ROUTE(F_STOP_COPY, ST(RUNNING), ST(STOP), ST(STOP_COPY));
	ROUTE(F_STOP_COPY, ST(RESUMING), ST(STOP), ST(RUNNING));
	ROUTE(F_STOP_COPY | F_PRE_COPY, ST(PRE_COPY), ST(STOP_COPY));
	ROUTE(F_STOP_COPY | F_PRE_COPY, ST(PRE_COPY), ST(RUNNING), ST(STOP));
	ROUTE(F_STOP_COPY | F_PRE_COPY, ST(STOP), ST(RUNNING), ST(PRE_COPY));
	ROUTE(F_STOP_COPY | F_P2P, ST(RUNNING), ST(RUNNING_P2P), ST(STOP),
	      ST(RESUMING));
}

static void error_state_is_never_a_target(struct kunit *test)
{
	struct vfio_device vdev = {
		.migration_flags = F_STOP_COPY | F_P2P | F_PRE_COPY,
	};
	enum vfio_device_mig_state next;

	KUNIT_EXPECT_EQ(test,
			vfio_mig_get_next_state(&vdev, ST(RUNNING), ST(ERROR),
						&next), -EINVAL);
}

static struct kunit_case mig_cases[] = {
	KUNIT_CASE_PARAM(every_request_uses_required_arcs, mig_flags_gen_params),
	KUNIT_CASE_PARAM(unsupported_targets_are_refused, mig_flags_gen_params),
	KUNIT_CASE_PARAM(same_state_is_a_no_op, mig_flags_gen_params),
	KUNIT_CASE(full_feature_routes),
	KUNIT_CASE(reduced_feature_routes),
	KUNIT_CASE(error_state_is_never_a_target),
	{}
};

static struct kunit_suite mig_suite = {
	.name = "vfio_mig_next_state",
	.test_cases = mig_cases,
};

kunit_test_suite(mig_suite);
