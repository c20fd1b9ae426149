// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device lifetime with a fake bus driver on a KUnit device: allocation
 * and release, registration as an emulated device (which makes a group
 * of its own), and device sets.
 */
#include <kunit/device.h>
#include <kunit/test-bug.h>
#include <kunit/test.h>
#include <linux/vfio.h>
#include "../core.h"

struct fake_counts {
	int inits;
	int releases;
	int init_ret;
};

struct fake_vdev {
	struct vfio_device vdev;
	u32 cookie;
};

static struct fake_counts *counts(void)
{
	return kunit_get_current_test()->priv;
}

static int fake_init(struct vfio_device *vdev)
{
	struct fake_vdev *fake = container_of(vdev, struct fake_vdev, vdev);

	counts()->inits++;
	fake->cookie = 0xc0ffee;
	return counts()->init_ret;
}

static void fake_release(struct vfio_device *vdev)
{
	counts()->releases++;
}

static const struct vfio_device_ops fake_ops = {
	.name		= "vfio-kunit-fake",
	.init		= fake_init,
	.release	= fake_release,
};

static int lifetime_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct fake_counts),
				   GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

KUNIT_DEFINE_ACTION_WRAPPER(put_vdev, vfio_put_device, struct vfio_device *);
KUNIT_DEFINE_ACTION_WRAPPER(unregister_vdev, vfio_unregister_group_dev,
			    struct vfio_device *);

/* A fake device on a KUnit device, put automatically at the end. */
static struct fake_vdev *fake_alloc(struct kunit *test, const char *name)
{
	struct fake_vdev *fake;
	struct device *dev;

	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	fake = vfio_alloc_device(fake_vdev, vdev, dev, &fake_ops);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fake);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, put_vdev,
							&fake->vdev), 0);
	return fake;
}

static void fake_register(struct kunit *test, struct fake_vdev *fake)
{
	KUNIT_ASSERT_EQ(test, vfio_register_emulated_iommu_dev(&fake->vdev),
			0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unregister_vdev,
							&fake->vdev), 0);
}

static void alloc_runs_init_and_put_runs_release(struct kunit *test)
{
	struct fake_vdev *fake = fake_alloc(test, "a");

	KUNIT_EXPECT_EQ(test, counts()->inits, 1);
	KUNIT_EXPECT_EQ(test, fake->cookie, 0xc0ffeeU);
	KUNIT_EXPECT_PTR_EQ(test, fake->vdev.ops, &fake_ops);
	KUNIT_EXPECT_EQ(test, counts()->releases, 0);

	kunit_release_action(test, put_vdev, &fake->vdev);
	KUNIT_EXPECT_EQ(test, counts()->releases, 1);
}

static void extra_reference_delays_release(struct kunit *test)
{
	struct fake_vdev *fake = fake_alloc(test, "a");

	get_device(&fake->vdev.device);
	kunit_release_action(test, put_vdev, &fake->vdev);
	KUNIT_EXPECT_EQ(test, counts()->releases, 0);
	vfio_put_device(&fake->vdev);
	KUNIT_EXPECT_EQ(test, counts()->releases, 1);
}

static void failed_init_fails_alloc_without_release(struct kunit *test)
{
	struct fake_vdev *fake;
	struct device *dev;

	dev = kunit_device_register(test, "a");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	counts()->init_ret = -ENOSPC;
	fake = vfio_alloc_device(fake_vdev, vdev, dev, &fake_ops);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(fake), -ENOSPC);
	KUNIT_EXPECT_EQ(test, counts()->releases, 0);
}

static void emulated_registration_makes_a_private_group(struct kunit *test)
{
	struct fake_vdev *fake = fake_alloc(test, "a");
	struct vfio_device *vdev = &fake->vdev;
	struct iommu_group *iommu_group;
	char name[16];

	fake_register(test, fake);
	KUNIT_ASSERT_NOT_NULL(test, vdev->group);
	KUNIT_EXPECT_EQ(test, vdev->group->type, VFIO_EMULATED_IOMMU);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&vdev->device));
	snprintf(name, sizeof(name), "vfio%d", vdev->index);
	KUNIT_EXPECT_STREQ(test, dev_name(&vdev->device), name);
	KUNIT_EXPECT_PTR_EQ(test, vdev->device.parent, vdev->dev);

	/* The group node is named after the iommu_group made for it. */
	iommu_group = iommu_group_get(vdev->dev);
	KUNIT_ASSERT_NOT_NULL(test, iommu_group);
	KUNIT_EXPECT_PTR_EQ(test, vdev->group->iommu_group, iommu_group);
	snprintf(name, sizeof(name), "%d", iommu_group_id(iommu_group));
	KUNIT_EXPECT_STREQ(test, dev_name(&vdev->group->dev), name);
	iommu_group_put(iommu_group);

	/* Nobody has it open: unregistration returns at once. */
	kunit_release_action(test, unregister_vdev, vdev);
	KUNIT_EXPECT_FALSE(test, device_is_registered(&vdev->device));
	KUNIT_EXPECT_NULL(test, iommu_group_get(vdev->dev));
	KUNIT_EXPECT_EQ(test, counts()->releases, 0);

	kunit_release_action(test, put_vdev, vdev);
	KUNIT_EXPECT_EQ(test, counts()->releases, 1);
}

static struct file *
fake_mig_set_state(struct vfio_device *vdev,
		   enum vfio_device_mig_state new_state)
{
	return NULL;
}

static int fake_mig_get_state(struct vfio_device *vdev,
			      enum vfio_device_mig_state *state)
{
	*state = VFIO_DEVICE_STATE_RUNNING;
	return 0;
}

/* No migration_get_data_size. */
static const struct vfio_migration_ops fake_mig_incomplete = {
	.migration_set_state = fake_mig_set_state,
	.migration_get_state = fake_mig_get_state,
};

/* No log_read_and_clear. */
static int fake_log_start(struct vfio_device *vdev,
			  struct rb_root_cached *ranges, u32 nnodes,
			  u64 *page_size)
{
	return 0;
}

static int fake_log_stop(struct vfio_device *vdev)
{
	return 0;
}

static const struct vfio_log_ops fake_log_incomplete = {
	.log_start = fake_log_start,
	.log_stop = fake_log_stop,
};

/* The core checks the optional ops tables for every bus driver. */
static void registration_refuses_incomplete_ops_tables(struct kunit *test)
{
	struct fake_vdev *mig = fake_alloc(test, "vfio-kunit-mig");
	struct fake_vdev *log = fake_alloc(test, "vfio-kunit-log");

	mig->vdev.mig_ops = &fake_mig_incomplete;
	mig->vdev.migration_flags = VFIO_MIGRATION_STOP_COPY;
	KUNIT_EXPECT_EQ(test, vfio_register_emulated_iommu_dev(&mig->vdev),
			-EINVAL);
	log->vdev.log_ops = &fake_log_incomplete;
	KUNIT_EXPECT_EQ(test, vfio_register_emulated_iommu_dev(&log->vdev),
			-EINVAL);
}

static void registration_gives_a_singleton_set(struct kunit *test)
{
	struct fake_vdev *fake = fake_alloc(test, "a");
	struct vfio_device_set *set;

	KUNIT_EXPECT_NULL(test, fake->vdev.dev_set);
	fake_register(test, fake);
	set = fake->vdev.dev_set;
	KUNIT_ASSERT_NOT_NULL(test, set);
	KUNIT_EXPECT_PTR_EQ(test, set->id, (void *)&fake->vdev);
	KUNIT_EXPECT_EQ(test, set->nr_members, 1U);
}

static void devices_with_one_set_id_share_a_set(struct kunit *test)
{
	struct fake_vdev *a = fake_alloc(test, "a");
	struct fake_vdev *b = fake_alloc(test, "b");
	struct fake_vdev *c = fake_alloc(test, "c");
	static int key1, key2;
	struct vfio_device_set *set;

	KUNIT_ASSERT_EQ(test, vfio_assign_device_set(&a->vdev, &key1), 0);
	KUNIT_ASSERT_EQ(test, vfio_assign_device_set(&b->vdev, &key1), 0);
	KUNIT_ASSERT_EQ(test, vfio_assign_device_set(&c->vdev, &key2), 0);

	set = a->vdev.dev_set;
	KUNIT_EXPECT_PTR_EQ(test, b->vdev.dev_set, set);
	KUNIT_EXPECT_PTR_NE(test, c->vdev.dev_set, set);
	KUNIT_EXPECT_EQ(test, set->nr_members, 2U);

	mutex_lock(&set->lock);
	KUNIT_EXPECT_PTR_EQ(test, vfio_find_device_in_devset(set, b->vdev.dev),
			    &b->vdev);
	KUNIT_EXPECT_NULL(test, vfio_find_device_in_devset(set, c->vdev.dev));
	KUNIT_EXPECT_EQ(test, vfio_device_set_open_count(set), 0U);
	a->vdev.open_count = 2;
	b->vdev.open_count = 1;
	KUNIT_EXPECT_EQ(test, vfio_device_set_open_count(set), 3U);
	a->vdev.open_count = 0;
	b->vdev.open_count = 0;
	mutex_unlock(&set->lock);

	/* The set outlives one member, and is shared again by a new one. */
	kunit_release_action(test, put_vdev, &a->vdev);
	KUNIT_EXPECT_EQ(test, set->nr_members, 1U);
	a = fake_alloc(test, "d");
	KUNIT_ASSERT_EQ(test, vfio_assign_device_set(&a->vdev, &key1), 0);
	KUNIT_EXPECT_PTR_EQ(test, a->vdev.dev_set, set);
}

static struct kunit_case lifetime_cases[] = {
	KUNIT_CASE(alloc_runs_init_and_put_runs_release),
	KUNIT_CASE(extra_reference_delays_release),
	KUNIT_CASE(failed_init_fails_alloc_without_release),
	KUNIT_CASE(emulated_registration_makes_a_private_group),
	KUNIT_CASE(registration_refuses_incomplete_ops_tables),
	KUNIT_CASE(registration_gives_a_singleton_set),
	KUNIT_CASE(devices_with_one_set_id_share_a_set),
	{}
};

static struct kunit_suite lifetime_suite = {
	.name = "vfio_device_lifetime",
	.init = lifetime_init,
	.test_cases = lifetime_cases,
};

kunit_test_suite(lifetime_suite);
