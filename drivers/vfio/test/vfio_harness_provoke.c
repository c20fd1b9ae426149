// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel bugs on request, so that the VFIO test harness can prove its
 * detectors fire: writing to /sys/kernel/debug/vfio-harness-provoke/
 * lock_inversion takes two mutexes in one order and then in the other
 * (lockdep reports a possible circular dependency without any real
 * deadlock, since one thread does both), and writing to .../leak
 * allocates buffers and forgets them (kmemleak reports them once they
 * have been unreferenced for a while).  Test-only; see the Kconfig help.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

static DEFINE_MUTEX(provoke_first);
static DEFINE_MUTEX(provoke_second);
static struct dentry *provoke_dir;

static ssize_t lock_inversion_write(struct file *file, const char __user *buf,
				    size_t count, loff_t *ppos)
{
	mutex_lock(&provoke_first);
	mutex_lock(&provoke_second);
	mutex_unlock(&provoke_second);
	mutex_unlock(&provoke_first);

	mutex_lock(&provoke_second);
	mutex_lock(&provoke_first);
	mutex_unlock(&provoke_first);
	mutex_unlock(&provoke_second);
	return count;
}

/*
 * Several objects, so that a stale copy of the last pointer on some stack
 * (kmemleak then counts it as referenced) cannot hide the leak.
 */
#define PROVOKE_LEAKS	16

static ssize_t leak_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	void *lost;
	int i;

	for (i = 0; i < PROVOKE_LEAKS; i++) {
		lost = kmalloc(96, GFP_KERNEL);
		if (!lost)
			return -ENOMEM;
		/* Keep the compiler from dropping the allocation. */
		memset(lost, 0x5a, 96);
		OPTIMIZER_HIDE_VAR(lost);
	}
	pr_info("vfio-harness-provoke: leaked %d objects on purpose\n",
		PROVOKE_LEAKS);
	return count;
}

static const struct file_operations lock_inversion_fops = {
	.owner = THIS_MODULE,
	.write = lock_inversion_write,
};

static const struct file_operations leak_fops = {
	.owner = THIS_MODULE,
	.write = leak_write,
};

static int __init provoke_init(void)
{
	provoke_dir = debugfs_create_dir("vfio-harness-provoke", NULL);
	debugfs_create_file("lock_inversion", 0200, provoke_dir, NULL,
			    &lock_inversion_fops);
	debugfs_create_file("leak", 0200, provoke_dir, NULL, &leak_fops);
	return 0;
}

static void __exit provoke_exit(void)
{
	debugfs_remove(provoke_dir);
}

module_init(provoke_init);
module_exit(provoke_exit);
MODULE_DESCRIPTION("Deliberate lockdep and kmemleak reports for the VFIO test harness");
MODULE_LICENSE("GPL");
