/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Long settings for the programs `make stress` runs (tools/testing/vm/
 * run-tests.sh -S): the same code as in `make test`, with larger counts
 * taken from the environment, and every test's time limit multiplied by
 * VFIO_TIMEOUT_SCALE so that the harness does not stop a long run.
 * Include after kselftest_harness.h; end the program with
 * VFIO_HARNESS_MAIN instead of TEST_HARNESS_MAIN.
 */
#ifndef __SELFTESTS_VFIO_HARNESS_H
#define __SELFTESTS_VFIO_HARNESS_H

#include <stdlib.h>

/* The number in environment variable @name, or @def when it is unset. */
static inline unsigned long vfio_env_ulong(const char *name, unsigned long def)
{
	const char *s = getenv(name);

	return s && *s ? strtoul(s, NULL, 0) : def;
}

static inline int vfio_harness_run(int argc, char **argv)
{
	unsigned long scale = vfio_env_ulong("VFIO_TIMEOUT_SCALE", 1);
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	if (scale > 1)
		for (f = __fixture_list; f; f = f->next)
			for (t = f->tests; t; t = t->next)
				t->timeout *= scale;
	return test_harness_run(argc, argv);
}

#define VFIO_HARNESS_MAIN \
	int main(int argc, char **argv) \
	{ \
		return vfio_harness_run(argc, argv); \
	}

#endif /* __SELFTESTS_VFIO_HARNESS_H */
