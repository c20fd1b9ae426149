/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private interface of the VFIO core: what vfio.ko shares between its own
 * files, and the contract with the IOMMU backend modules (type1, sPAPR
 * TCE, noiommu) that plug into the container.
 */
#ifndef __DRIVERS_VFIO_VFIO_H
#define __DRIVERS_VFIO_VFIO_H

#include <linux/vfio.h>

/* How the devices of a group reach memory. */
enum vfio_group_type {
	/* A real IOMMU group: DMA is translated and isolated by the IOMMU. */
	VFIO_IOMMU,
	/*
	 * A fake group made for one emulated (mediated) device: the driver
	 * does all DMA itself through vfio_pin_pages() and vfio_dma_rw().
	 */
	VFIO_EMULATED_IOMMU,
	/* noiommu mode: a fake group, and no protection at all. */
	VFIO_NO_IOMMU,
};

/**
 * struct vfio_iommu_backend_ops - an IOMMU backend of the container
 * @owner: the module providing the backend; the core holds a reference
 *	while a container uses it
 * @noiommu: the backend serves containers of noiommu groups, and only
 *	them: such a container may use no other backend
 * @open: VFIO_SET_IOMMU with @type (VFIO_TYPE1_IOMMU, ...).  Returns the
 *	backend's per-container state, or ERR_PTR(-EINVAL) for a @type it
 *	does not serve.
 * @release: the container is gone; undo everything (unmap, unpin)
 * @ioctl: container ioctls other than the core's own.  Called with
 *	cmd VFIO_CHECK_EXTENSION and @data NULL to ask whether the backend
 *	supports an extension before any container uses it.
 * @attach_group: a group joins the container (under the container lock)
 * @detach_group: the group leaves; every mapping done for it is undone
 * @pin_pages: see vfio_pin_pages(); optional
 * @unpin_pages: see vfio_unpin_pages(); optional
 * @dma_rw: see vfio_dma_rw(); optional
 * @register_device: an emulated device of an attached group was opened;
 *	it must be told (through &vfio_device_ops.dma_unmap) about unmaps of
 *	ranges it pinned; optional
 * @unregister_device: the device was closed; optional
 */
struct vfio_iommu_backend_ops {
	struct module *owner;
	bool noiommu;
	void *(*open)(unsigned long type);
	void (*release)(void *data);
	long (*ioctl)(void *data, unsigned int cmd, unsigned long arg);
	int (*attach_group)(void *data, struct iommu_group *group,
			    enum vfio_group_type type);
	void (*detach_group)(void *data, struct iommu_group *group);
	int (*pin_pages)(void *data, struct iommu_group *group,
			 dma_addr_t iova, int npage, int prot,
			 struct page **pages);
	void (*unpin_pages)(void *data, dma_addr_t iova, int npage);
	int (*dma_rw)(void *data, dma_addr_t iova, void *buf, size_t count,
		      bool write);
	void (*register_device)(void *data, struct vfio_device *vdev);
	void (*unregister_device)(void *data, struct vfio_device *vdev);
};

int vfio_register_iommu_backend(const struct vfio_iommu_backend_ops *ops);
void vfio_unregister_iommu_backend(const struct vfio_iommu_backend_ops *ops);

#endif /* __DRIVERS_VFIO_VFIO_H */
