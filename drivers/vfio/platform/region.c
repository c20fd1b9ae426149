// SPDX-License-Identifier: GPL-2.0-only
/*
 * The regions of a platform device: its memory (and I/O) resources.
 *
 * Region N is reached at file offset N << VFIO_PLATFORM_OFFSET_SHIFT.
 * read(2) and write(2) go through a kernel mapping made when the device is
 * opened.  Device registers are accessed at their natural width: each
 * chunk is the widest of 4, 2 or 1 bytes that the offset is aligned to and
 * the remaining count allows.  An 8-byte access is therefore two 4-byte
 * ones, as in 6.12: many platform devices (and QEMU's models of them)
 * reject 8-byte bus accesses, which would fault in the kernel.
 *
 * mmap(2) is offered only for regions whose start and size are both page
 * aligned, so that a user mapping never exposes a neighbouring device.
 */
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "vfio_platform_private.h"

/* At bind: one region per resource, until the binder has no more. */
int vfio_platform_regions_probe(struct vfio_platform_device *vdev)
{
	struct vfio_platform_region *reg;
	struct resource *res;
	unsigned int i, n = 0;

	while (vdev->bus->resource(vdev->device, n))
		n++;
	if (!n)
		return 0;

	vdev->regions = kcalloc(n, sizeof(*vdev->regions), GFP_KERNEL_ACCOUNT);
	if (!vdev->regions)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		res = vdev->bus->resource(vdev->device, i);
		reg = &vdev->regions[i];
		reg->addr = res->start;
		reg->size = resource_size(res);

		switch (resource_type(res)) {
		case IORESOURCE_MEM:
			reg->is_mmio = true;
			reg->flags = VFIO_REGION_INFO_FLAG_READ;
			if (!(res->flags & IORESOURCE_READONLY))
				reg->flags |= VFIO_REGION_INFO_FLAG_WRITE;
			if (PAGE_ALIGNED(reg->addr) && PAGE_ALIGNED(reg->size))
				reg->flags |= VFIO_REGION_INFO_FLAG_MMAP;
			break;
		case IORESOURCE_IO:
			/* Listed, with no access: nothing uses it on Arm. */
			break;
		default:
			kfree(vdev->regions);
			vdev->regions = NULL;
			return -EINVAL;
		}
	}
	vdev->num_regions = n;
	return 0;
}

/* At open. */
int vfio_platform_regions_map(struct vfio_platform_device *vdev)
{
	struct vfio_platform_region *reg;
	unsigned int i;

	for (i = 0; i < vdev->num_regions; i++) {
		reg = &vdev->regions[i];
		if (!reg->is_mmio)
			continue;
		reg->ioaddr = ioremap(reg->addr, reg->size);
		if (!reg->ioaddr) {
			vfio_platform_regions_unmap(vdev);
			return -ENOMEM;
		}
	}
	return 0;
}

/* At close (also undoes a mapping a reset module made itself). */
void vfio_platform_regions_unmap(struct vfio_platform_device *vdev)
{
	unsigned int i;

	for (i = 0; i < vdev->num_regions; i++) {
		if (vdev->regions[i].ioaddr)
			iounmap(vdev->regions[i].ioaddr);
		vdev->regions[i].ioaddr = NULL;
	}
}

/*
 * Find the region of a file position, check it allows @need, and clip
 * @count to its end.  Returns the region or an ERR_PTR(-EINVAL).
 */
static struct vfio_platform_region *
vfio_platform_rw_region(struct vfio_platform_device *vdev, loff_t pos,
			u32 need, size_t *count, u64 *off)
{
	unsigned int index = vfio_platform_offset_index(pos);
	struct vfio_platform_region *reg;

	if (index >= vdev->num_regions)
		return ERR_PTR(-EINVAL);
	reg = &vdev->regions[index];
	*off = pos & VFIO_PLATFORM_OFFSET_MASK;
	if (!(reg->flags & need) || !reg->is_mmio || *off >= reg->size)
		return ERR_PTR(-EINVAL);
	*count = min_t(u64, *count, reg->size - *off);
	return reg;
}

/* The widest access of 4, 2 or 1 bytes that fits @off and @left. */
static size_t vfio_platform_chunk(u64 off, size_t left)
{
	if (left >= 4 && IS_ALIGNED(off, 4))
		return 4;
	if (left >= 2 && IS_ALIGNED(off, 2))
		return 2;
	return 1;
}

/* One device access of @chunk bytes at @addr, into the user's buffer. */
static int vfio_platform_read_chunk(void __iomem *addr, char __user *ubuf,
				    size_t chunk)
{
	u32 v32;
	u16 v16;
	u8 v8;

	switch (chunk) {
	case 4:
		v32 = ioread32(addr);
		return copy_to_user(ubuf, &v32, 4) ? -EFAULT : 0;
	case 2:
		v16 = ioread16(addr);
		return copy_to_user(ubuf, &v16, 2) ? -EFAULT : 0;
	default:
		v8 = ioread8(addr);
		return copy_to_user(ubuf, &v8, 1) ? -EFAULT : 0;
	}
}

static int vfio_platform_write_chunk(void __iomem *addr,
				     const char __user *ubuf, size_t chunk)
{
	u32 v32;
	u16 v16;
	u8 v8;

	switch (chunk) {
	case 4:
		if (copy_from_user(&v32, ubuf, 4))
			return -EFAULT;
		iowrite32(v32, addr);
		return 0;
	case 2:
		if (copy_from_user(&v16, ubuf, 2))
			return -EFAULT;
		iowrite16(v16, addr);
		return 0;
	default:
		if (copy_from_user(&v8, ubuf, 1))
			return -EFAULT;
		iowrite8(v8, addr);
		return 0;
	}
}

/* read(2) or write(2), as @need says (VFIO_REGION_INFO_FLAG_READ/WRITE). */
static ssize_t vfio_platform_rw(struct vfio_platform_device *vdev,
				char __user *buf, size_t count, loff_t *ppos,
				u32 need)
{
	bool is_write = need == VFIO_REGION_INFO_FLAG_WRITE;
	struct vfio_platform_region *reg;
	size_t done, chunk;
	u64 off;
	int ret;

	reg = vfio_platform_rw_region(vdev, *ppos, need, &count, &off);
	if (IS_ERR(reg))
		return PTR_ERR(reg);

	for (done = 0; done < count; done += chunk, off += chunk) {
		chunk = vfio_platform_chunk(off, count - done);
		if (is_write)
			ret = vfio_platform_write_chunk(reg->ioaddr + off,
							buf + done, chunk);
		else
			ret = vfio_platform_read_chunk(reg->ioaddr + off,
						       buf + done, chunk);
		if (ret)
			return ret;
	}
	*ppos += done;
	return done;
}

/**
 * vfio_platform_read - &vfio_device_ops.read of the binders
 * @core_vdev: the open device
 * @buf: user buffer
 * @count: bytes wanted; clipped at the end of the region
 * @ppos: file position (region index and offset); advanced
 *
 * Return: bytes read, or -EINVAL (no such region, not readable, offset
 * past its end), -EFAULT.
 */
ssize_t vfio_platform_read(struct vfio_device *core_vdev, char __user *buf,
			   size_t count, loff_t *ppos)
{
	return vfio_platform_rw(to_vfio_platform(core_vdev), buf, count, ppos,
				VFIO_REGION_INFO_FLAG_READ);
}
EXPORT_SYMBOL_GPL(vfio_platform_read);

/**
 * vfio_platform_write - &vfio_device_ops.write of the binders
 * @core_vdev: the open device
 * @buf: user buffer
 * @count: bytes to write; clipped at the end of the region
 * @ppos: file position (region index and offset); advanced
 *
 * Return: bytes written, or -EINVAL (no such region, read-only, offset
 * past its end), -EFAULT.
 */
ssize_t vfio_platform_write(struct vfio_device *core_vdev,
			    const char __user *buf, size_t count, loff_t *ppos)
{
	/* The buffer is only read from on this path. */
	return vfio_platform_rw(to_vfio_platform(core_vdev),
				(char __user *)buf, count, ppos,
				VFIO_REGION_INFO_FLAG_WRITE);
}
EXPORT_SYMBOL_GPL(vfio_platform_write);

/**
 * vfio_platform_mmap - &vfio_device_ops.mmap of the binders
 * @core_vdev: the open device
 * @vma: a shared mapping of (part of) one region
 *
 * Return: 0, or -EINVAL when the region cannot be mapped, the range
 * passes its end, or the protection asks for an access the region lacks.
 */
int vfio_platform_mmap(struct vfio_device *core_vdev,
		       struct vm_area_struct *vma)
{
	struct vfio_platform_device *vdev = to_vfio_platform(core_vdev);
	const unsigned int index_shift = VFIO_PLATFORM_OFFSET_SHIFT - PAGE_SHIFT;
	unsigned int index = vma->vm_pgoff >> index_shift;
	u64 pgoff = vma->vm_pgoff & (BIT_ULL(index_shift) - 1);
	u64 len = vma->vm_end - vma->vm_start;
	struct vfio_platform_region *reg;

	if (index >= vdev->num_regions || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	reg = &vdev->regions[index];
	if (!(reg->flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -EINVAL;
	if ((vma->vm_flags & VM_READ) && !(reg->flags & VFIO_REGION_INFO_FLAG_READ))
		return -EINVAL;
	if ((vma->vm_flags & VM_WRITE) &&
	    !(reg->flags & VFIO_REGION_INFO_FLAG_WRITE))
		return -EINVAL;
	if (pgoff > (reg->size >> PAGE_SHIFT) ||
	    len > reg->size - (pgoff << PAGE_SHIFT))
		return -EINVAL;

	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_pgoff = (reg->addr >> PAGE_SHIFT) + pgoff;
	return io_remap_pfn_range(vma, vma->vm_start, vma->vm_pgoff, len,
				  vma->vm_page_prot);
}
EXPORT_SYMBOL_GPL(vfio_platform_mmap);
