// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capability chains of the *_INFO ioctls: building, shifting, and the
 * argsz growth protocol of vfio_info_cap_copy_out().
 */
#include <kunit/test.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

/* A made-up info structure: 16 bytes, like most of the real ones. */
struct test_info {
	u32 argsz;
	u32 flags;
	u32 index;
	u32 cap_offset;
};

/* 16 bytes: a chain of these has no padding between them. */
struct test_cap {
	struct vfio_info_cap_header header;
	u32 value;
	u32 reserved;
};

static void free_caps(void *caps)
{
	kfree(((struct vfio_info_cap *)caps)->buf);
}

static struct vfio_info_cap *new_caps(struct kunit *test)
{
	struct vfio_info_cap *caps;

	caps = kunit_kzalloc(test, sizeof(*caps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, caps);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_caps, caps),
			0);
	return caps;
}

static struct vfio_info_cap_header *at(struct vfio_info_cap *caps,
				       size_t off)
{
	return (void *)caps->buf + off;
}

static void first_cap_is_at_zero_and_ends_chain(struct kunit *test)
{
	struct vfio_info_cap *caps = new_caps(test);
	struct vfio_info_cap_header *hdr;

	hdr = vfio_info_cap_add(caps, sizeof(struct test_cap), 3, 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, hdr);
	KUNIT_EXPECT_PTR_EQ(test, hdr, caps->buf);
	KUNIT_EXPECT_EQ(test, hdr->id, 3);
	KUNIT_EXPECT_EQ(test, hdr->version, 2);
	KUNIT_EXPECT_EQ(test, hdr->next, 0U);
	KUNIT_EXPECT_EQ(test, caps->size, sizeof(struct test_cap));
}

static void caps_are_padded_to_eight_bytes(struct kunit *test)
{
	struct vfio_info_cap *caps = new_caps(test);

	KUNIT_ASSERT_FALSE(test, IS_ERR(vfio_info_cap_add(caps, 9, 1, 1)));
	KUNIT_EXPECT_EQ(test, caps->size, (size_t)16);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vfio_info_cap_add(caps, 4, 2, 1)));
	KUNIT_EXPECT_EQ(test, caps->size, (size_t)24);
	KUNIT_EXPECT_EQ(test, at(caps, 0)->next, 16U);
}

static void new_caps_are_linked_at_the_tail(struct kunit *test)
{
	struct vfio_info_cap *caps = new_caps(test);
	struct test_cap *cap;
	int i;

	for (i = 1; i <= 3; i++) {
		cap = (void *)vfio_info_cap_add(caps, sizeof(*cap), i, 1);
		KUNIT_ASSERT_FALSE(test, IS_ERR(cap));
		cap->value = i * 10;
	}

	KUNIT_EXPECT_EQ(test, at(caps, 0)->id, 1);
	KUNIT_EXPECT_EQ(test, at(caps, 0)->next, 16U);
	KUNIT_EXPECT_EQ(test, at(caps, 16)->id, 2);
	KUNIT_EXPECT_EQ(test, at(caps, 16)->next, 32U);
	KUNIT_EXPECT_EQ(test, at(caps, 32)->id, 3);
	KUNIT_EXPECT_EQ(test, at(caps, 32)->next, 0U);
	/* Earlier contents survive the buffer growing. */
	KUNIT_EXPECT_EQ(test, ((struct test_cap *)at(caps, 16))->value, 20U);
}

static void shift_moves_every_link_but_the_last(struct kunit *test)
{
	struct vfio_info_cap *caps = new_caps(test);
	int i;

	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_FALSE(test,
				   IS_ERR(vfio_info_cap_add(caps, 16, i, 1)));

	vfio_info_cap_shift(caps, 32);
	KUNIT_EXPECT_EQ(test, at(caps, 0)->next, 48U);
	KUNIT_EXPECT_EQ(test, at(caps, 16)->next, 64U);
	KUNIT_EXPECT_EQ(test, at(caps, 32)->next, 0U);
}

static void add_capability_copies_the_body(struct kunit *test)
{
	struct vfio_info_cap *caps = new_caps(test);
	struct test_cap src = {
		.header = { .id = 7, .version = 4, .next = 0xdead },
		.value = 0xabcd,
	};
	struct test_cap *dst;

	KUNIT_ASSERT_EQ(test,
			vfio_info_add_capability(caps, &src.header,
						 sizeof(src)), 0);
	dst = (struct test_cap *)caps->buf;
	KUNIT_EXPECT_EQ(test, dst->header.id, 7);
	KUNIT_EXPECT_EQ(test, dst->header.version, 4);
	KUNIT_EXPECT_EQ(test, dst->header.next, 0U);
	KUNIT_EXPECT_EQ(test, dst->value, 0xabcdU);
}

/* copy_out needs a user buffer. */
static void __user *user_page(struct kunit *test)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	return (void __user *)addr;
}

static void build_two_caps(struct kunit *test, struct vfio_info_cap *caps)
{
	struct test_cap *cap;

	cap = (void *)vfio_info_cap_add(caps, sizeof(*cap), 1, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(cap));
	cap->value = 111;
	cap = (void *)vfio_info_cap_add(caps, sizeof(*cap), 2, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(cap));
	cap->value = 222;
}

static void copy_out_small_argsz_asks_for_more(struct kunit *test)
{
	struct vfio_info_cap *caps = new_caps(test);
	void __user *ubuf = user_page(test);
	struct test_info info = { .argsz = sizeof(info), .cap_offset = 77 };
	u32 word = 0;

	build_two_caps(test, caps);
	KUNIT_ASSERT_EQ(test, clear_user(ubuf, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test,
			vfio_info_cap_copy_out(caps, &info.argsz,
					       &info.cap_offset, sizeof(info),
					       ubuf), 0);
	KUNIT_EXPECT_EQ(test, info.argsz, (u32)(sizeof(info) + 32));
	KUNIT_EXPECT_EQ(test, info.cap_offset, 0U);
	/* Nothing was written to the user and the chain is freed. */
	KUNIT_EXPECT_EQ(test, get_user(word, (u32 __user *)(ubuf + 16)), 0);
	KUNIT_EXPECT_EQ(test, word, 0U);
	KUNIT_EXPECT_NULL(test, caps->buf);
	KUNIT_EXPECT_EQ(test, caps->size, (size_t)0);
}

static void copy_out_large_argsz_writes_the_chain(struct kunit *test)
{
	struct vfio_info_cap *caps = new_caps(test);
	void __user *ubuf = user_page(test);
	struct test_info info = { .argsz = 200 };
	struct test_cap got[2];

	build_two_caps(test, caps);
	KUNIT_EXPECT_EQ(test,
			vfio_info_cap_copy_out(caps, &info.argsz,
					       &info.cap_offset, sizeof(info),
					       ubuf), 0);
	KUNIT_EXPECT_EQ(test, info.argsz, 200U);
	KUNIT_EXPECT_EQ(test, info.cap_offset, (u32)sizeof(info));
	KUNIT_ASSERT_EQ(test, copy_from_user(got, ubuf + sizeof(info),
					     sizeof(got)), 0);
	/* Offsets now count from the start of the user's structure. */
	KUNIT_EXPECT_EQ(test, got[0].header.id, 1);
	KUNIT_EXPECT_EQ(test, got[0].header.next, (u32)(sizeof(info) + 16));
	KUNIT_EXPECT_EQ(test, got[0].value, 111U);
	KUNIT_EXPECT_EQ(test, got[1].header.id, 2);
	KUNIT_EXPECT_EQ(test, got[1].header.next, 0U);
	KUNIT_EXPECT_EQ(test, got[1].value, 222U);
	KUNIT_EXPECT_NULL(test, caps->buf);
}

static void copy_out_exact_argsz_is_enough(struct kunit *test)
{
	struct vfio_info_cap *caps = new_caps(test);
	void __user *ubuf = user_page(test);
	struct test_info info = { .argsz = sizeof(info) + 32 };

	build_two_caps(test, caps);
	KUNIT_EXPECT_EQ(test,
			vfio_info_cap_copy_out(caps, &info.argsz,
					       &info.cap_offset, sizeof(info),
					       ubuf), 0);
	KUNIT_EXPECT_EQ(test, info.cap_offset, (u32)sizeof(info));
}

static void copy_out_empty_chain_changes_nothing(struct kunit *test)
{
	struct vfio_info_cap *caps = new_caps(test);
	struct test_info info = { .argsz = sizeof(info), .cap_offset = 5 };

	KUNIT_EXPECT_EQ(test,
			vfio_info_cap_copy_out(caps, &info.argsz,
					       &info.cap_offset, sizeof(info),
					       NULL), 0);
	KUNIT_EXPECT_EQ(test, info.argsz, (u32)sizeof(info));
	KUNIT_EXPECT_EQ(test, info.cap_offset, 0U);
}

static void copy_out_bad_pointer_is_efault(struct kunit *test)
{
	struct vfio_info_cap *caps = new_caps(test);
	struct test_info info = { .argsz = 4096 };

	build_two_caps(test, caps);
	KUNIT_EXPECT_EQ(test,
			vfio_info_cap_copy_out(caps, &info.argsz,
					       &info.cap_offset, sizeof(info),
					       (void __user *)16), -EFAULT);
	KUNIT_EXPECT_NULL(test, caps->buf);
}

static struct kunit_case caps_cases[] = {
	KUNIT_CASE(first_cap_is_at_zero_and_ends_chain),
	KUNIT_CASE(caps_are_padded_to_eight_bytes),
	KUNIT_CASE(new_caps_are_linked_at_the_tail),
	KUNIT_CASE(shift_moves_every_link_but_the_last),
	KUNIT_CASE(add_capability_copies_the_body),
	KUNIT_CASE(copy_out_small_argsz_asks_for_more),
	KUNIT_CASE(copy_out_large_argsz_writes_the_chain),
	KUNIT_CASE(copy_out_exact_argsz_is_enough),
	KUNIT_CASE(copy_out_empty_chain_changes_nothing),
	KUNIT_CASE(copy_out_bad_pointer_is_efault),
	{}
};

static struct kunit_suite caps_suite = {
	.name = "vfio_info_caps",
	.test_cases = caps_cases,
};

kunit_test_suite(caps_suite);
