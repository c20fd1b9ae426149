// SPDX-License-Identifier: GPL-2.0-only
/*
 * A test-only emulated-IOMMU VFIO device.
 *
 * It exists so that the selftest core_emulated can exercise the DMA API of
 * emulated devices (vfio_pin_pages(), vfio_unpin_pages(), vfio_dma_rw())
 * and the dma_unmap notification of the IOMMU backend without a mediated
 * device driver.  Loading the module creates two platform devices and
 * registers each with vfio_register_emulated_iommu_dev():
 *
 *  - "vfio_emu_test" handles dma_unmap by releasing its pins in the range;
 *  - "vfio_emu_nounmap" has no dma_unmap callback, so it may not pin.
 *
 * The test asks the device, through the ioctls of vfio_emulated_test.h on
 * its device file, to pin, copy and unpin, and reads back what the device
 * was told.  Nothing here touches hardware.
 */
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_emulated_test.h"

/**
 * struct emu_pin - pages held from one VFIO_EMU_TEST_PIN
 * @link: in &emu_dev.pins
 * @iova: first IOVA
 * @npage: number of pages
 * @pages: the pages vfio_pin_pages() returned
 */
struct emu_pin {
	struct list_head link;
	u64 iova;
	int npage;
	struct page *pages[] __counted_by(npage);
};

/**
 * struct emu_dev - one test device
 * @vdev: the VFIO device; first member
 * @lock: protects every member below; taken before the backend's locks
 * @pins: the held &emu_pin records
 * @nr_pinned: pages over all @pins
 * @unmaps: dma_unmap callbacks since the last open
 * @last_iova: range of the last dma_unmap callback
 * @last_length: its length
 * @keep_pins: ignore dma_unmap callbacks (a misbehaving driver)
 */
struct emu_dev {
	struct vfio_device vdev;
	struct mutex lock;	/* see above */
	struct list_head pins;
	unsigned int nr_pinned;
	unsigned int unmaps;
	u64 last_iova;
	u64 last_length;
	bool keep_pins;
};

static struct emu_dev *to_emu(struct vfio_device *vdev)
{
	return container_of(vdev, struct emu_dev, vdev);
}

static void emu_release_pin(struct emu_dev *emu, struct emu_pin *pin)
{
	lockdep_assert_held(&emu->lock);

	vfio_unpin_pages(&emu->vdev, pin->iova, pin->npage);
	emu->nr_pinned -= pin->npage;
	list_del(&pin->link);
	kfree(pin);
}

static void emu_release_all(struct emu_dev *emu)
{
	struct emu_pin *pin, *tmp;

	lockdep_assert_held(&emu->lock);

	list_for_each_entry_safe(pin, tmp, &emu->pins, link)
		emu_release_pin(emu, pin);
}

static int emu_pin(struct emu_dev *emu, void __user *uarg)
{
	struct vfio_emu_test_pin req;
	struct emu_pin *pin;
	int prot = 0, nr, ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.prot & ~(VFIO_EMU_TEST_READ | VFIO_EMU_TEST_WRITE))
		return -EINVAL;
	if (req.prot & VFIO_EMU_TEST_READ)
		prot |= IOMMU_READ;
	if (req.prot & VFIO_EMU_TEST_WRITE)
		prot |= IOMMU_WRITE;

	/*
	 * Counts the core refuses (0, more than VFIO_PIN_PAGES_MAX_ENTRIES)
	 * are passed on so that the test sees its answer; the record is
	 * sized for what can succeed.
	 */
	if (req.npage > INT_MAX)
		return -EINVAL;
	nr = clamp_t(int, req.npage, 1, VFIO_PIN_PAGES_MAX_ENTRIES);
	pin = kzalloc(struct_size(pin, pages, nr), GFP_KERNEL);
	if (!pin)
		return -ENOMEM;
	pin->iova = req.iova;
	pin->npage = nr;

	mutex_lock(&emu->lock);
	ret = vfio_pin_pages(&emu->vdev, req.iova, req.npage, prot,
			     pin->pages);
	if (ret > 0 && ret != nr) {
		/* The contract is all or nothing; never keep a partial pin. */
		vfio_unpin_pages(&emu->vdev, req.iova, ret);
		ret = -EIO;
	}
	if (ret > 0) {
		list_add_tail(&pin->link, &emu->pins);
		emu->nr_pinned += pin->npage;
		pin = NULL;
	}
	mutex_unlock(&emu->lock);

	kfree(pin);
	return ret;
}

static int emu_unpin(struct emu_dev *emu, void __user *uarg)
{
	struct vfio_emu_test_pin req;
	struct emu_pin *pin;
	int ret = -ENOENT;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;

	mutex_lock(&emu->lock);
	list_for_each_entry(pin, &emu->pins, link) {
		if (pin->iova == req.iova && pin->npage == req.npage) {
			emu_release_pin(emu, pin);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&emu->lock);
	return ret;
}

/* Copy between @buf and the held pages covering [iova, iova + len). */
static int emu_copy_pinned(struct emu_dev *emu, u64 iova, void *buf,
			   size_t len, bool write)
{
	struct emu_pin *pin;

	lockdep_assert_held(&emu->lock);

	list_for_each_entry(pin, &emu->pins, link) {
		u64 size = (u64)pin->npage << PAGE_SHIFT;

		if (iova < pin->iova || iova - pin->iova + len > size)
			continue;

		while (len) {
			u64 off = iova - pin->iova;
			struct page *page = pin->pages[off >> PAGE_SHIFT];
			size_t in_page = offset_in_page(off);
			size_t chunk = min_t(size_t, len, PAGE_SIZE - in_page);
			void *va = kmap_local_page(page);

			if (write)
				memcpy(va + in_page, buf, chunk);
			else
				memcpy(buf, va + in_page, chunk);
			kunmap_local(va);
			if (write)
				set_page_dirty_lock(page);
			iova += chunk;
			buf += chunk;
			len -= chunk;
		}
		return 0;
	}
	return -ENOENT;
}

static int emu_rw(struct emu_dev *emu, void __user *uarg)
{
	struct vfio_emu_test_rw req;
	void __user *data;
	bool write;
	void *buf;
	int ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~(VFIO_EMU_TEST_RW_WRITE | VFIO_EMU_TEST_RW_PINNED) ||
	    req.pad || !req.len || req.len > VFIO_EMU_TEST_RW_MAX ||
	    req.iova + req.len < req.iova)
		return -EINVAL;
	write = req.flags & VFIO_EMU_TEST_RW_WRITE;
	data = u64_to_user_ptr(req.data);

	buf = kvmalloc(req.len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (write && copy_from_user(buf, data, req.len)) {
		ret = -EFAULT;
		goto out;
	}

	if (req.flags & VFIO_EMU_TEST_RW_PINNED) {
		mutex_lock(&emu->lock);
		ret = emu_copy_pinned(emu, req.iova, buf, req.len, write);
		mutex_unlock(&emu->lock);
	} else {
		ret = vfio_dma_rw(&emu->vdev, req.iova, buf, req.len, write);
	}

	if (!ret && !write && copy_to_user(data, buf, req.len))
		ret = -EFAULT;
out:
	kvfree(buf);
	return ret;
}

static int emu_status(struct emu_dev *emu, void __user *uarg)
{
	struct vfio_emu_test_status st = {};

	mutex_lock(&emu->lock);
	st.pinned = emu->nr_pinned;
	st.unmaps = emu->unmaps;
	st.last_iova = emu->last_iova;
	st.last_length = emu->last_length;
	mutex_unlock(&emu->lock);

	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long emu_ioctl(struct vfio_device *vdev, unsigned int cmd,
		      unsigned long arg)
{
	struct emu_dev *emu = to_emu(vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_EMU_TEST_PIN:
		return emu_pin(emu, uarg);
	case VFIO_EMU_TEST_UNPIN:
		return emu_unpin(emu, uarg);
	case VFIO_EMU_TEST_RW:
		return emu_rw(emu, uarg);
	case VFIO_EMU_TEST_STATUS:
		return emu_status(emu, uarg);
	case VFIO_EMU_TEST_KEEP_PINS:
		if (arg > 1)
			return -EINVAL;
		mutex_lock(&emu->lock);
		emu->keep_pins = arg;
		mutex_unlock(&emu->lock);
		return 0;
	}
	return -ENOTTY;
}

/* Called by the backend, without its locks, before it unmaps a range. */
static void emu_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	struct emu_dev *emu = to_emu(vdev);
	struct emu_pin *pin, *tmp;

	mutex_lock(&emu->lock);
	emu->unmaps++;
	emu->last_iova = iova;
	emu->last_length = length;
	if (emu->keep_pins)
		goto out;

	list_for_each_entry_safe(pin, tmp, &emu->pins, link) {
		u64 last = pin->iova + ((u64)pin->npage << PAGE_SHIFT) - 1;

		/* Inclusive ends: a range may end at the top of the space. */
		if (length && pin->iova <= iova + length - 1 && iova <= last)
			emu_release_pin(emu, pin);
	}
out:
	mutex_unlock(&emu->lock);
}

static int emu_open_device(struct vfio_device *vdev)
{
	struct emu_dev *emu = to_emu(vdev);

	mutex_lock(&emu->lock);
	emu->unmaps = 0;
	emu->last_iova = 0;
	emu->last_length = 0;
	emu->keep_pins = false;
	mutex_unlock(&emu->lock);
	return 0;
}

/* Whatever the user left pinned is released before the device closes. */
static void emu_close_device(struct vfio_device *vdev)
{
	struct emu_dev *emu = to_emu(vdev);

	mutex_lock(&emu->lock);
	emu_release_all(emu);
	mutex_unlock(&emu->lock);
}

static int emu_init(struct vfio_device *vdev)
{
	struct emu_dev *emu = to_emu(vdev);

	mutex_init(&emu->lock);
	INIT_LIST_HEAD(&emu->pins);
	return 0;
}

static void emu_release(struct vfio_device *vdev)
{
	mutex_destroy(&to_emu(vdev)->lock);
}

static const struct vfio_device_ops emu_ops = {
	.name = "vfio-emu-test",
	.init = emu_init,
	.release = emu_release,
	.open_device = emu_open_device,
	.close_device = emu_close_device,
	.ioctl = emu_ioctl,
	.dma_unmap = emu_dma_unmap,
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};

/* The same device without dma_unmap: vfio_pin_pages() must refuse it. */
static const struct vfio_device_ops emu_nounmap_ops = {
	.name = "vfio-emu-test-nounmap",
	.init = emu_init,
	.release = emu_release,
	.open_device = emu_open_device,
	.close_device = emu_close_device,
	.ioctl = emu_ioctl,
};

static int emu_probe(struct platform_device *pdev)
{
	const struct vfio_device_ops *ops;
	struct emu_dev *emu;
	int ret;

	ops = (const void *)platform_get_device_id(pdev)->driver_data;
	emu = vfio_alloc_device(emu_dev, vdev, &pdev->dev, ops);
	if (IS_ERR(emu))
		return PTR_ERR(emu);

	ret = vfio_register_emulated_iommu_dev(&emu->vdev);
	if (ret) {
		vfio_put_device(&emu->vdev);
		return ret;
	}
	platform_set_drvdata(pdev, emu);
	return 0;
}

static void emu_remove(struct platform_device *pdev)
{
	struct emu_dev *emu = platform_get_drvdata(pdev);

	vfio_unregister_group_dev(&emu->vdev);
	vfio_put_device(&emu->vdev);
}

static const struct platform_device_id emu_ids[] = {
	{ VFIO_EMU_TEST_NAME, (kernel_ulong_t)&emu_ops },
	{ VFIO_EMU_TEST_NOUNMAP_NAME, (kernel_ulong_t)&emu_nounmap_ops },
	{ }
};
MODULE_DEVICE_TABLE(platform, emu_ids);

static struct platform_driver emu_driver = {
	.driver = { .name = "vfio_emulated_test" },
	.id_table = emu_ids,
	.probe = emu_probe,
	.remove = emu_remove,
};

static struct platform_device *emu_pdevs[ARRAY_SIZE(emu_ids) - 1];

static void emu_destroy_pdevs(void)
{
	int i;

	for (i = ARRAY_SIZE(emu_pdevs) - 1; i >= 0; i--) {
		platform_device_unregister(emu_pdevs[i]);
		emu_pdevs[i] = NULL;
	}
}

static int __init emu_test_init(void)
{
	int i, ret;

	ret = platform_driver_register(&emu_driver);
	if (ret)
		return ret;

	for (i = 0; i < ARRAY_SIZE(emu_pdevs); i++) {
		struct platform_device *pdev;

		pdev = platform_device_register_simple(emu_ids[i].name,
						       PLATFORM_DEVID_NONE,
						       NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err_pdevs;
		}
		emu_pdevs[i] = pdev;
	}
	return 0;

err_pdevs:
	emu_destroy_pdevs();
	platform_driver_unregister(&emu_driver);
	return ret;
}
module_init(emu_test_init);

static void __exit emu_test_exit(void)
{
	emu_destroy_pdevs();
	platform_driver_unregister(&emu_driver);
}
module_exit(emu_test_exit);

MODULE_DESCRIPTION("Test-only emulated-IOMMU VFIO device");
MODULE_LICENSE("GPL");
