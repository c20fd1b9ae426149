// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_ioctl_dispatch(): the argsz, copy-in, flags and copy-out rules,
 * exercised with a made-up ioctl on user memory mapped for the test.
 */
#include <kunit/test.h>
#include <linux/mman.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#define TEST_CMD	_IO(VFIO_TYPE, 200)
#define TEST_CMD_NOOUT	_IO(VFIO_TYPE, 201)
#define TEST_CMD_RAW	_IO(VFIO_TYPE, 202)
#define TEST_CMD_BIG	_IO(VFIO_TYPE, 203)
#define TEST_CMD_SIZING	_IO(VFIO_TYPE, 204)
#define TEST_CMD_INT	_IO(VFIO_TYPE, 205)
#define TEST_FLAG_A	BIT(0)
#define TEST_FLAG_B	BIT(1)

struct test_arg {
	u32 argsz;
	u32 flags;
	u32 in;		/* last mandatory member */
	u32 out;
	u64 extra;
};

struct test_big {
	u32 argsz;
	u32 flags;
	u8 payload[248];
};

/* What the handler saw, and what it should return. */
struct dispatch_ctx {
	int calls;
	struct test_arg seen;
	void __user *uarg;
	long ret;
};

static long test_handler(struct dispatch_ctx *ctx, void *karg,
			 void __user *uarg)
{
	struct test_arg *arg = karg;

	ctx->calls++;
	ctx->seen = *arg;
	ctx->uarg = uarg;
	arg->out = arg->in + 1;
	arg->extra = 0x1122334455667788ULL;
	return ctx->ret;
}

static long test_raw_handler(struct dispatch_ctx *ctx, void *karg,
			     void __user *uarg)
{
	ctx->calls++;
	ctx->uarg = uarg;
	return karg ? -EINVAL : 42;
}

static long test_int_handler(struct dispatch_ctx *ctx, unsigned long arg)
{
	ctx->calls++;
	return arg == ULONG_MAX ? 43 : -EINVAL;
}

static long test_big_handler(struct dispatch_ctx *ctx, void *karg,
			     void __user *uarg)
{
	struct test_big *big = karg;

	ctx->calls++;
	big->payload[247] = 0x5a;
	return 0;
}

static const VFIO_IOCTL_TABLE(dispatch_ctx) test_ops[] = {
	VFIO_IOCTL_OP(TEST_CMD, test_handler, struct test_arg, in,
		      TEST_FLAG_A | TEST_FLAG_B, true),
	VFIO_IOCTL_OP(TEST_CMD_NOOUT, test_handler, struct test_arg, in,
		      TEST_FLAG_A, false),
	VFIO_IOCTL_RAW(TEST_CMD_RAW, test_raw_handler),
	VFIO_IOCTL_OP(TEST_CMD_BIG, test_big_handler, struct test_big, flags,
		      VFIO_IOCTL_ANY_FLAGS, true),
	VFIO_IOCTL_OP_SIZING(TEST_CMD_SIZING, test_handler, struct test_arg,
			     in, 0),
	VFIO_IOCTL_INT(TEST_CMD_INT, test_int_handler),
};

struct dispatch_fixture {
	struct dispatch_ctx ctx;
	void __user *ubuf;
};

static int dispatch_init(struct kunit *test)
{
	struct dispatch_fixture *fx;
	unsigned long addr;

	fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	if (!fx)
		return -ENOMEM;
	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	fx->ubuf = (void __user *)addr;
	test->priv = fx;
	return 0;
}

static long run(struct kunit *test, unsigned int cmd,
		const struct test_arg *arg)
{
	struct dispatch_fixture *fx = test->priv;

	/* Fill the whole buffer with a pattern, then put the argument. */
	KUNIT_ASSERT_EQ(test, clear_user(fx->ubuf, PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, copy_to_user(fx->ubuf, arg, sizeof(*arg)), 0);
	return vfio_ioctl_dispatch(&fx->ctx, test_ops, cmd,
				   (unsigned long)fx->ubuf);
}

static struct test_arg read_back(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	struct test_arg arg;

	KUNIT_EXPECT_EQ(test, copy_from_user(&arg, fx->ubuf, sizeof(arg)), 0);
	return arg;
}

static void unknown_command_is_not_handled(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	struct test_arg arg = { .argsz = sizeof(arg) };

	KUNIT_EXPECT_EQ(test, run(test, _IO(VFIO_TYPE, 250), &arg),
			(long)-ENOIOCTLCMD);
	KUNIT_EXPECT_EQ(test, fx->ctx.calls, 0);
}

static void argsz_below_minimum_is_einval(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	struct test_arg arg = { .argsz = offsetof(struct test_arg, in) };

	KUNIT_EXPECT_EQ(test, run(test, TEST_CMD, &arg), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, fx->ctx.calls, 0);
}

static void short_argsz_reads_zeroes_and_writes_only_argsz(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	struct test_arg arg = {
		.argsz = offsetofend(struct test_arg, in),
		.in = 7, .out = 99, .extra = 1234,
	};
	struct test_arg back;

	KUNIT_EXPECT_EQ(test, run(test, TEST_CMD, &arg), 0L);
	KUNIT_EXPECT_EQ(test, fx->ctx.calls, 1);
	KUNIT_EXPECT_EQ(test, fx->ctx.seen.in, 7U);
	/* Bytes past argsz are not read ... */
	KUNIT_EXPECT_EQ(test, fx->ctx.seen.out, 0U);
	KUNIT_EXPECT_EQ(test, fx->ctx.seen.extra, 0ULL);
	/* ... nor written. */
	back = read_back(test);
	KUNIT_EXPECT_EQ(test, back.out, 99U);
	KUNIT_EXPECT_EQ(test, back.extra, 1234ULL);
}

static void full_argsz_copies_result_back(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	struct test_arg arg = { .argsz = sizeof(arg), .in = 41,
				.flags = TEST_FLAG_B };
	struct test_arg back;

	KUNIT_EXPECT_EQ(test, run(test, TEST_CMD, &arg), 0L);
	KUNIT_EXPECT_EQ(test, fx->ctx.seen.flags, TEST_FLAG_B);
	KUNIT_EXPECT_EQ(test, (unsigned long)fx->ctx.uarg,
			(unsigned long)fx->ubuf);
	back = read_back(test);
	KUNIT_EXPECT_EQ(test, back.out, 42U);
	KUNIT_EXPECT_EQ(test, back.extra, 0x1122334455667788ULL);
}

static void larger_argsz_is_accepted_and_bounded(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	struct test_arg arg = { .argsz = 1000, .in = 1 };
	struct test_arg back;

	KUNIT_EXPECT_EQ(test, run(test, TEST_CMD, &arg), 0L);
	KUNIT_EXPECT_EQ(test, fx->ctx.seen.argsz, 1000U);
	back = read_back(test);
	KUNIT_EXPECT_EQ(test, back.argsz, 1000U);
	KUNIT_EXPECT_EQ(test, back.out, 2U);
}

static void unknown_flag_is_einval(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	struct test_arg arg = { .argsz = sizeof(arg), .flags = BIT(5) };

	KUNIT_EXPECT_EQ(test, run(test, TEST_CMD, &arg), (long)-EINVAL);
	arg.flags = TEST_FLAG_B;
	KUNIT_EXPECT_EQ(test, run(test, TEST_CMD_NOOUT, &arg), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, fx->ctx.calls, 0);
}

static void failing_handler_copies_nothing_back(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	struct test_arg arg = { .argsz = sizeof(arg), .in = 5, .out = 3 };

	fx->ctx.ret = -EIO;
	KUNIT_EXPECT_EQ(test, run(test, TEST_CMD, &arg), (long)-EIO);
	KUNIT_EXPECT_EQ(test, read_back(test).out, 3U);
}

static void enospc_is_copied_back_by_sizing_rows_only(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	struct test_arg arg = { .argsz = sizeof(arg), .in = 5, .out = 3 };

	fx->ctx.ret = -ENOSPC;
	KUNIT_EXPECT_EQ(test, run(test, TEST_CMD, &arg), (long)-ENOSPC);
	KUNIT_EXPECT_EQ(test, read_back(test).out, 3U);
	KUNIT_EXPECT_EQ(test, run(test, TEST_CMD_SIZING, &arg), (long)-ENOSPC);
	KUNIT_EXPECT_EQ(test, read_back(test).out, 6U);
	/* Other errors still copy nothing back. */
	fx->ctx.ret = -EIO;
	KUNIT_EXPECT_EQ(test, run(test, TEST_CMD_SIZING, &arg), (long)-EIO);
	KUNIT_EXPECT_EQ(test, read_back(test).out, 3U);
	KUNIT_EXPECT_EQ(test, fx->ctx.calls, 3);
}

static void row_without_copy_out_writes_nothing(struct kunit *test)
{
	struct test_arg arg = { .argsz = sizeof(arg), .in = 5, .out = 3 };

	KUNIT_EXPECT_EQ(test, run(test, TEST_CMD_NOOUT, &arg), 0L);
	KUNIT_EXPECT_EQ(test, read_back(test).out, 3U);
}

static void raw_row_gets_the_raw_argument(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	long ret;

	ret = vfio_ioctl_dispatch(&fx->ctx, test_ops, TEST_CMD_RAW, 0x1234);
	KUNIT_EXPECT_EQ(test, ret, 42L);
	KUNIT_EXPECT_EQ(test, (unsigned long)fx->ctx.uarg, 0x1234UL);
}

static void int_row_gets_the_integer(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;

	KUNIT_EXPECT_EQ(test, vfio_ioctl_dispatch(&fx->ctx, test_ops,
						  TEST_CMD_INT, ULONG_MAX),
			43L);
	KUNIT_EXPECT_EQ(test, fx->ctx.calls, 1);
}

static void large_struct_is_supported(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	struct test_big big = { .argsz = sizeof(big), .flags = U32_MAX };
	u8 last = 0;
	long ret;

	KUNIT_ASSERT_EQ(test, copy_to_user(fx->ubuf, &big, sizeof(big)), 0);
	ret = vfio_ioctl_dispatch(&fx->ctx, test_ops, TEST_CMD_BIG,
				  (unsigned long)fx->ubuf);
	KUNIT_EXPECT_EQ(test, ret, 0L);
	KUNIT_EXPECT_EQ(test, get_user(last, (u8 __user *)fx->ubuf +
				       offsetof(struct test_big, payload[247])),
			0);
	KUNIT_EXPECT_EQ(test, last, 0x5a);
}

static void bad_pointer_is_efault(struct kunit *test)
{
	struct dispatch_fixture *fx = test->priv;
	long ret;

	ret = vfio_ioctl_dispatch(&fx->ctx, test_ops, TEST_CMD, 16);
	KUNIT_EXPECT_EQ(test, ret, (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, fx->ctx.calls, 0);
}

static struct kunit_case dispatch_cases[] = {
	KUNIT_CASE(unknown_command_is_not_handled),
	KUNIT_CASE(argsz_below_minimum_is_einval),
	KUNIT_CASE(short_argsz_reads_zeroes_and_writes_only_argsz),
	KUNIT_CASE(full_argsz_copies_result_back),
	KUNIT_CASE(larger_argsz_is_accepted_and_bounded),
	KUNIT_CASE(unknown_flag_is_einval),
	KUNIT_CASE(failing_handler_copies_nothing_back),
	KUNIT_CASE(enospc_is_copied_back_by_sizing_rows_only),
	KUNIT_CASE(row_without_copy_out_writes_nothing),
	KUNIT_CASE(raw_row_gets_the_raw_argument),
	KUNIT_CASE(int_row_gets_the_integer),
	KUNIT_CASE(large_struct_is_supported),
	KUNIT_CASE(bad_pointer_is_efault),
	{}
};

static struct kunit_suite dispatch_suite = {
	.name = "vfio_ioctl_dispatch",
	.init = dispatch_init,
	.test_cases = dispatch_cases,
};

kunit_test_suite(dispatch_suite);
