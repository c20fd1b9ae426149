// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers for bus drivers: capability chains of the *_INFO ioctls,
 * SET_IRQS argument checks, and DMA on behalf of emulated devices.
 *
 * A capability chain is built in one kernel buffer.  Each capability
 * starts with a struct vfio_info_cap_header whose @next is the offset of
 * the following one; 0 ends the chain.  While building, offsets count
 * from the start of the buffer (the first capability is at 0, so 0 can
 * only mean "end").  When the chain is copied out after the info
 * structure, every nonzero offset is moved by the size of that structure,
 * because userspace counts from the start of its own buffer.  Each
 * capability is padded to 8 bytes so the next one stays aligned.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "core.h"

/* Free the whole chain and leave @caps as a new, empty one. */
static void vfio_info_cap_empty(struct vfio_info_cap *caps)
{
	kfree(caps->buf);
	caps->buf = NULL;
	caps->size = 0;
}

/**
 * vfio_info_cap_add - append a capability to a chain
 * @caps: the chain; starts zeroed
 * @size: size of the capability, header included
 * @id: capability id
 * @version: capability version
 *
 * Return: the new, zeroed capability with @id and @version filled in, for
 * the caller to complete; or ERR_PTR(-ENOMEM), in which case the whole
 * chain has been freed and @caps is empty again.
 */
struct vfio_info_cap_header *vfio_info_cap_add(struct vfio_info_cap *caps,
					       size_t size, u16 id,
					       u16 version)
{
	struct vfio_info_cap_header *hdr;
	size_t at = caps->size;
	size_t pos = 0;
	void *buf;

	size = ALIGN(size, sizeof(u64));
	buf = krealloc(caps->buf, at + size, GFP_KERNEL);
	if (unlikely(!buf)) {
		vfio_info_cap_empty(caps);
		return ERR_PTR(-ENOMEM);
	}
	caps->buf = buf;
	caps->size = at + size;

	hdr = buf + at;
	memset(hdr, 0, size);
	hdr->id = id;
	hdr->version = version;

	/* Link the old tail to the new capability. */
	if (at) {
		struct vfio_info_cap_header *tail;

		for (tail = buf; tail->next; tail = buf + pos)
			pos = tail->next;
		tail->next = at;
	}
	return hdr;
}
EXPORT_SYMBOL_GPL(vfio_info_cap_add);

/**
 * vfio_info_cap_shift - make a chain's offsets relative to a larger buffer
 * @caps: the chain
 * @offset: where the chain will start in the user's buffer (the size of
 *	the info structure); a multiple of 8
 */
void vfio_info_cap_shift(struct vfio_info_cap *caps, size_t offset)
{
	struct vfio_info_cap_header *hdr;
	void *buf = caps->buf;
	u32 next;

	WARN_ON(!IS_ALIGNED(offset, sizeof(u64)));
	if (!caps->size)
		return;

	for (hdr = buf; hdr->next; hdr = buf + next) {
		next = hdr->next;
		hdr->next = next + offset;
	}
}
EXPORT_SYMBOL_GPL(vfio_info_cap_shift);

/**
 * vfio_info_add_capability - append a ready-made capability to a chain
 * @caps: the chain
 * @src: the capability; its header gives the id and version, its @next
 *	is ignored
 * @len: size of @src, header included
 *
 * Return: 0, or -ENOMEM (and the chain is freed).
 */
int vfio_info_add_capability(struct vfio_info_cap *caps,
			     struct vfio_info_cap_header *src, size_t len)
{
	struct vfio_info_cap_header *dst =
		vfio_info_cap_add(caps, len, src->id, src->version);

	/* Everything after the header is copied as is. */
	if (!IS_ERR(dst))
		memcpy(&dst[1], &src[1], len - sizeof(*src));
	return PTR_ERR_OR_ZERO(dst);
}
EXPORT_SYMBOL_GPL(vfio_info_add_capability);

/**
 * vfio_info_cap_copy_out - deliver a chain after an info structure
 * @caps: the chain (may be empty); freed on return
 * @argsz: the argsz of the kernel copy of the info structure
 * @cap_offset: its cap_offset field
 * @info_size: sizeof the info structure (a multiple of 8)
 * @uinfo: the user's info structure
 *
 * This is the argsz protocol of every *_INFO ioctl with capabilities.  If
 * the user's buffer (@argsz bytes) cannot hold the structure followed by
 * the chain, *@argsz is raised to the size needed, *@cap_offset is set to
 * 0 and nothing else is written: the user retries with a larger buffer.
 * Otherwise the chain is written at @info_size and *@cap_offset points to
 * it.  Setting the CAPS flag of the structure is left to the caller,
 * which then copies the structure itself out.
 *
 * Return: 0, or -EFAULT.
 */
int vfio_info_cap_copy_out(struct vfio_info_cap *caps, u32 *argsz,
			   u32 *cap_offset, size_t info_size,
			   void __user *uinfo)
{
	size_t needed = info_size + caps->size;
	int ret = 0;

	*cap_offset = 0;
	if (!caps->size)
		return 0;

	if (*argsz < needed) {
		*argsz = needed;
	} else {
		vfio_info_cap_shift(caps, info_size);
		if (copy_to_user(uinfo + info_size, caps->buf, caps->size))
			ret = -EFAULT;
		else
			*cap_offset = info_size;
	}

	vfio_info_cap_empty(caps);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_info_cap_copy_out);

/* Bytes of payload per interrupt for a SET_IRQS data type, or -1. */
static int vfio_irq_data_elem_size(u32 flags)
{
	switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		return sizeof(u8);
	case VFIO_IRQ_SET_DATA_EVENTFD:
		return sizeof(s32);
	default:
		return -1;
	}
}

/**
 * vfio_set_irqs_validate_and_prepare - check a VFIO_DEVICE_SET_IRQS header
 * @hdr: kernel copy of the user's header
 * @num_irqs: interrupts the device has at @hdr->index
 * @max_irq_type: number of interrupt indexes of the device
 * @data_size: set to the size of the payload that follows the header
 *	(may be NULL only for DATA_NONE requests)
 *
 * Checks, all failing with -EINVAL: argsz covers the header; the index is
 * below @max_irq_type; no unknown flag; exactly one data type; the range
 * [start, start + count) lies within the @num_irqs interrupts (start must
 * be a valid interrupt even when count is 0); argsz covers count payload
 * elements of the data type.  The action is left to the caller.
 *
 * Return: 0 or -EINVAL.
 */
int vfio_set_irqs_validate_and_prepare(struct vfio_irq_set *hdr,
				       int num_irqs, int max_irq_type,
				       size_t *data_size)
{
	const size_t hdr_size = offsetofend(struct vfio_irq_set, count);
	const u32 known = VFIO_IRQ_SET_DATA_TYPE_MASK |
			  VFIO_IRQ_SET_ACTION_TYPE_MASK;
	int elem;

	if (hdr->argsz < hdr_size || hdr->index >= max_irq_type ||
	    (hdr->flags & ~known))
		return -EINVAL;
	/* start + count must not wrap (nor reach U32_MAX). */
	if (hdr->count >= U32_MAX - hdr->start)
		return -EINVAL;

	if (data_size)
		*data_size = 0;

	if (hdr->start >= num_irqs || hdr->start + hdr->count > num_irqs)
		return -EINVAL;

	elem = vfio_irq_data_elem_size(hdr->flags);
	if (elem < 0)
		return -EINVAL;
	if (!elem)
		return 0;

	if (hdr->argsz - hdr_size < (size_t)hdr->count * elem || !data_size)
		return -EINVAL;
	*data_size = (size_t)hdr->count * elem;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_set_irqs_validate_and_prepare);

/**
 * vfio_pin_pages - pin user pages an emulated device is about to access
 * @vdev: an open device registered with vfio_register_emulated_iommu_dev()
 * @iova: IOVA of the first page
 * @npage: number of pages, at most %VFIO_PIN_PAGES_MAX_ENTRIES
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @pages: receives the pages
 *
 * The pages stay pinned until vfio_unpin_pages(); the driver's dma_unmap
 * callback is called if the user unmaps them first.
 *
 * Return: the number of pages pinned, or -EINVAL (bad arguments, device
 * not open, no dma_unmap callback), -E2BIG (@npage too large), -ENOTTY
 * (the backend cannot pin), or the backend's error.
 */
int vfio_pin_pages(struct vfio_device *vdev, dma_addr_t iova, int npage,
		   int prot, struct page **pages)
{
	if (!pages || !npage || WARN_ON(!vfio_device_is_open(vdev)))
		return -EINVAL;
	if (!vdev->ops->dma_unmap)
		return -EINVAL;
	if (npage > VFIO_PIN_PAGES_MAX_ENTRIES)
		return -E2BIG;
	return vdev->dma_ctx->pin_pages(vdev, iova, npage, prot, pages);
}
EXPORT_SYMBOL_GPL(vfio_pin_pages);

/**
 * vfio_unpin_pages - release pages pinned with vfio_pin_pages()
 * @vdev: the device that pinned them, still open
 * @iova: IOVA of the first page
 * @npage: number of pages
 */
void vfio_unpin_pages(struct vfio_device *vdev, dma_addr_t iova, int npage)
{
	if (WARN_ON(!vfio_device_is_open(vdev)) ||
	    WARN_ON(!vdev->ops->dma_unmap))
		return;
	if (WARN_ON(npage <= 0 || npage > VFIO_PIN_PAGES_MAX_ENTRIES))
		return;
	vdev->dma_ctx->unpin_pages(vdev, iova, npage);
}
EXPORT_SYMBOL_GPL(vfio_unpin_pages);

/**
 * vfio_dma_rw - copy between a kernel buffer and the user's IOVA space
 * @vdev: an open emulated device
 * @iova: IOVA to access
 * @data: kernel buffer
 * @len: bytes to copy
 * @write: copy @data to @iova rather than the other way
 *
 * The CPU does the access on the device's behalf; nothing is pinned.
 *
 * Return: 0, -EINVAL, -ENOTTY (the backend cannot do it), or the
 * backend's error.
 */
int vfio_dma_rw(struct vfio_device *vdev, dma_addr_t iova, void *data,
		size_t len, bool write)
{
	const struct vfio_dma_ctx_ops *ctx;

	if (!data || !len || !vfio_device_is_open(vdev))
		return -EINVAL;
	ctx = READ_ONCE(vdev->dma_ctx);
	if (!ctx)
		return -EINVAL;
	return ctx->dma_rw(vdev, iova, data, len, write);
}
EXPORT_SYMBOL_GPL(vfio_dma_rw);
