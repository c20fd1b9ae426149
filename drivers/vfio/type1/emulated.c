// SPDX-License-Identifier: GPL-2.0-only
/*
 * Type1 IOMMU backend: DMA performed by emulated devices.
 *
 * An emulated (mediated) device has no IOMMU behind it: its driver pins
 * the pages of a mapping with vfio_pin_pages() and accesses them itself,
 * or copies through vfio_dma_rw().  Each pinned page is a struct t1_pin
 * in its mapping's &t1_map.pins tree, reference counted per pin call, so
 * that it can be found by IOVA to unpin it and to unmap it safely.
 *
 * Before a mapping with pins is removed, every registered device is told
 * through its dma_unmap callback and must unpin what it holds in the
 * range.  The callback runs without &t1_container.lock (it calls back
 * into t1_unpin_pages()) but with &t1_container.notify_lock, which also
 * guards registration, so the device list cannot change under it.
 *
 * Pinned pages are charged to the owner's locked_vm only while the
 * container has no IOMMU domain: with a domain, the mapping's own pin
 * already covers them.
 */
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "type1.h"

/**
 * struct t1_device - an emulated device to notify of unmaps
 * @link: in &t1_container.devices
 * @vdev: the device
 */
struct t1_device {
	struct list_head link;
	struct vfio_device *vdev;
};

/* Drop one reference; the last one unpins (and uncharges if @account). */
static void put_pin(struct t1_map *map, struct t1_pin *pin, bool account)
{
	if (--pin->refs)
		return;

	rb_erase(&pin->node, &map->pins);
	if (!t1_pfn_is_reserved(pin->pfn)) {
		unpin_user_page_range_dirty_lock(pfn_to_page(pin->pfn), 1,
						 map->prot & IOMMU_WRITE);
		if (account)
			t1_account(map, -1, true);
	}
	kfree(pin);
}

/**
 * t1_pins_unpin_all - forget every emulated pin of a mapping
 * @map: the mapping being destroyed
 *
 * Devices should have unpinned everything before; whatever is left is
 * unpinned and released here so that nothing leaks.
 */
void t1_pins_unpin_all(struct t1_map *map)
{
	struct rb_node *node;

	while ((node = rb_first(&map->pins))) {
		struct t1_pin *pin = rb_entry(node, struct t1_pin, node);

		pin->refs = 1;
		put_pin(map, pin, true);
	}
}

/* Unpin the page at @iova once, if it is pinned. */
static void unpin_iova(struct t1_container *t1, u64 iova, bool account)
{
	struct t1_map *map = t1_tree_find(&t1->maps, iova, iova);
	struct t1_pin *pin = map ? t1_find_pin(map, iova) : NULL;

	if (pin)
		put_pin(map, pin, account);
}

/* Pin the page at @iova of @map (for the first time) and record it. */
static int pin_new(struct t1_map *map, u64 iova, bool account,
		   unsigned long *pfn)
{
	int ret;

	ret = t1_pin_one(map, map->vaddr + (iova - map->iova), pfn);
	if (ret)
		return ret;

	if (account && !t1_pfn_is_reserved(*pfn)) {
		ret = t1_account(map, 1, true);
		if (ret) {
			if (ret == -ENOMEM)
				pr_warn_ratelimited("%s (%d): RLIMIT_MEMLOCK of %lu bytes reached by a device pin\n",
						    map->task->comm,
						    task_pid_nr(map->task),
						    task_rlimit(map->task,
								RLIMIT_MEMLOCK));
			goto unpin;
		}
	}

	/* Only pages with a struct page can be handed to the driver. */
	ret = -EINVAL;
	if (!pfn_valid(*pfn))
		goto uncharge;
	ret = t1_pin_insert(map, iova, *pfn);
	if (ret)
		goto uncharge;
	return 0;

uncharge:
	if (account && !t1_pfn_is_reserved(*pfn))
		t1_account(map, -1, true);
unpin:
	if (!t1_pfn_is_reserved(*pfn))
		unpin_user_page_range_dirty_lock(pfn_to_page(*pfn), 1, false);
	return ret;
}

/**
 * t1_pin_pages - the backend's pin_pages operation
 * @data: the container
 * @iommu_group: the group of the device pinning
 * @iova: first IOVA, page aligned
 * @npage: number of pages
 * @prot: IOMMU_READ and/or IOMMU_WRITE the device needs
 * @pages: receives the pages
 *
 * Return: @npage, or a negative errno with nothing pinned.
 */
int t1_pin_pages(void *data, struct iommu_group *iommu_group,
		 dma_addr_t iova, int npage, int prot, struct page **pages)
{
	struct t1_container *t1 = data;
	struct t1_group *g;
	bool account;
	int i, ret;

	if (!pages)
		return -EINVAL;
	if (!t1->v2)
		return -EACCES;

	mutex_lock(&t1->lock);
	ret = -EBUSY;
	if (t1->nr_vaddr_invalid)
		goto out;
	/* Whoever pins must be able to hear about unmaps. */
	ret = -EINVAL;
	if (list_empty(&t1->devices))
		goto out;

	account = list_empty(&t1->domains);
	for (i = 0; i < npage; i++) {
		u64 cur = iova + (u64)i * PAGE_SIZE;
		struct t1_map *map;
		struct t1_pin *pin;
		unsigned long pfn;

		map = t1_tree_find(&t1->maps, cur, cur + PAGE_SIZE - 1);
		ret = -EINVAL;
		if (!map)
			goto unwind;
		ret = -EPERM;
		if ((map->prot & prot) != prot)
			goto unwind;

		pin = t1_find_pin(map, cur);
		if (pin) {
			pin->refs++;
			pfn = pin->pfn;
		} else {
			ret = pin_new(map, cur, account, &pfn);
			if (ret)
				goto unwind;
		}
		pages[i] = pfn_to_page(pfn);
		t1_dirty_mark(t1, map, cur, PAGE_SIZE);
	}

	g = t1_find_group(t1, iommu_group);
	if (g && !g->pin_scoped) {
		/* The group showed it pins what it uses. */
		g->pin_scoped = true;
		t1->unscoped_groups--;
	}
	ret = npage;
	goto out;

unwind:
	pages[i] = NULL;
	while (--i >= 0) {
		unpin_iova(t1, iova + (u64)i * PAGE_SIZE, account);
		pages[i] = NULL;
	}
out:
	mutex_unlock(&t1->lock);
	return ret;
}

/**
 * t1_unpin_pages - the backend's unpin_pages operation
 * @data: the container
 * @iova: first IOVA
 * @npage: number of pages
 */
void t1_unpin_pages(void *data, dma_addr_t iova, int npage)
{
	struct t1_container *t1 = data;
	bool account;
	int i;

	if (!t1->v2)
		return;

	mutex_lock(&t1->lock);
	account = list_empty(&t1->domains);
	for (i = 0; i < npage; i++)
		unpin_iova(t1, iova + (u64)i * PAGE_SIZE, account);
	mutex_unlock(&t1->lock);
}

/* Copy within one mapping; returns bytes copied or an error. */
static long rw_one_map(struct t1_container *t1, dma_addr_t iova, void *buf,
		       size_t count, bool write)
{
	struct t1_map *map = t1_tree_find(&t1->maps, iova, iova);
	bool kthread = !current->mm;
	unsigned long vaddr;
	long ret = -EFAULT;
	u64 off;

	if (!map)
		return -EINVAL;
	if ((write && !(map->prot & IOMMU_WRITE)) ||
	    !(map->prot & IOMMU_READ))
		return -EPERM;
	if (!mmget_not_zero(map->mm))
		return -EPERM;

	if (kthread)
		kthread_use_mm(map->mm);
	else if (current->mm != map->mm)
		goto out;

	off = iova - map->iova;
	count = min_t(u64, count, map->size - off);
	vaddr = map->vaddr + off;
	if (write) {
		if (!copy_to_user((void __user *)vaddr, buf, count)) {
			t1_dirty_mark(t1, map, iova, count);
			ret = count;
		}
	} else if (!copy_from_user(buf, (void __user *)vaddr, count)) {
		ret = count;
	}

	if (kthread)
		kthread_unuse_mm(map->mm);
out:
	mmput(map->mm);
	return ret;
}

/**
 * t1_dma_rw - the backend's dma_rw operation
 * @data: the container
 * @iova: first IOVA
 * @buf: kernel buffer
 * @count: bytes
 * @write: copy @buf to the IOVA (true) or the other way
 *
 * Return: 0 or a negative errno.
 */
int t1_dma_rw(void *data, dma_addr_t iova, void *buf, size_t count,
	      bool write)
{
	struct t1_container *t1 = data;
	int ret = 0;

	mutex_lock(&t1->lock);
	if (t1->nr_vaddr_invalid)
		ret = -EBUSY;
	while (!ret && count) {
		long done = rw_one_map(t1, iova, buf, count, write);

		if (done < 0) {
			ret = done;
			break;
		}
		iova += done;
		buf += done;
		count -= done;
	}
	mutex_unlock(&t1->lock);
	return ret;
}

/**
 * t1_register_device - the backend's register_device operation
 * @data: the container
 * @vdev: an emulated device being opened
 */
void t1_register_device(void *data, struct vfio_device *vdev)
{
	struct t1_container *t1 = data;
	struct t1_device *dev;

	if (!vdev->ops->dma_unmap)
		return;

	/* Tiny, and the callback has no way to report a failure. */
	dev = kzalloc(sizeof(*dev), GFP_KERNEL | __GFP_NOFAIL);
	dev->vdev = vdev;

	mutex_lock(&t1->notify_lock);
	mutex_lock(&t1->lock);
	list_add_tail(&dev->link, &t1->devices);
	mutex_unlock(&t1->lock);
	mutex_unlock(&t1->notify_lock);
}

/**
 * t1_unregister_device - the backend's unregister_device operation
 * @data: the container
 * @vdev: the device being closed
 */
void t1_unregister_device(void *data, struct vfio_device *vdev)
{
	struct t1_container *t1 = data;
	struct t1_device *dev, *found = NULL;

	mutex_lock(&t1->notify_lock);
	mutex_lock(&t1->lock);
	list_for_each_entry(dev, &t1->devices, link) {
		if (dev->vdev == vdev) {
			list_del(&dev->link);
			found = dev;
			break;
		}
	}
	mutex_unlock(&t1->lock);
	mutex_unlock(&t1->notify_lock);
	kfree(found);
}

/**
 * t1_forget_devices - drop the registrations left at release
 * @t1: the container being released
 *
 * The core unregisters every device before releasing the container; this
 * only makes sure nothing leaks if it did not.
 */
void t1_forget_devices(struct t1_container *t1)
{
	struct t1_device *dev, *tmp;

	list_for_each_entry_safe(dev, tmp, &t1->devices, link) {
		list_del(&dev->link);
		kfree(dev);
	}
}

/**
 * t1_notify_unmap - tell the emulated devices a range goes away
 * @t1: the container, with notify_lock held and lock not held
 * @iova: first IOVA
 * @size: bytes
 */
void t1_notify_unmap(struct t1_container *t1, u64 iova, u64 size)
{
	struct t1_device *dev;

	lockdep_assert_held(&t1->notify_lock);
	lockdep_assert_not_held(&t1->lock);
	list_for_each_entry(dev, &t1->devices, link)
		dev->vdev->ops->dma_unmap(dev->vdev, iova, size);
}
