// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap of the BARs, and taking those mappings away again.
 *
 * A user mapping of a BAR is a VM_PFNMAP vma whose pages are inserted by
 * the fault handler, one at a time, and only while the function decodes
 * memory (virtual command register) and is powered (see
 * vfio_pci_memory_enabled()).  Whenever that stops being true -- memory
 * decode turned off through config space, a D3 transition, a reset -- the
 * path making the change takes memory_lock for write and zaps every page
 * of every mapping of the device's BARs; a later access faults, and either
 * gets the page back or SIGBUS.  The fault handler takes memory_lock for
 * read, so it cannot insert a page while a change is in progress.
 *
 * To zap "every mapping of this device" in one call, the VFIO core makes
 * all files of a device share one address space, so that
 * vfio_device_zap_mappings() on the BAR offsets finds every vma, in every
 * process.  A vma holds its device file, so the device stays open, and
 * this state valid, as long as a mapping exists.
 *
 * Where the architecture has huge PFN mappings (ARCH_SUPPORTS_PMD_PFNMAP,
 * ARCH_SUPPORTS_PUD_PFNMAP) the mm core first offers a fault as a PMD or
 * PUD one.  A huge entry is used when the whole naturally aligned block
 * around the address lies inside the vma and the frame it would start at
 * is aligned the same way; otherwise the fault falls back to the next
 * smaller size, down to the single page.  The gate is the same for every
 * size, and zapping removes huge entries as it does pages.  So that a
 * mapping made without an address can use huge entries at all,
 * vfio_pci_core_place_mmap() places it at a virtual address that
 * agrees with the BAR's physical address modulo the largest huge size
 * the mapping can hold.
 *
 * Userspace may not map the pages holding the MSI-X table and PBA unless
 * the platform isolates MSI (then the table is harmless to the host);
 * GET_REGION_INFO describes the mappable parts with a sparse mmap
 * capability.  Sub-page memory BARs are mappable when page aligned: the
 * rest of their page is reserved so no other BAR can land there.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pci.h>
#include <linux/pfn_t.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "priv.h"

/* --- which BARs can be mapped --- */

/**
 * vfio_pci_probe_mmaps - decide which BARs the user may mmap
 * @vdev: the device being opened
 */
void vfio_pci_probe_mmaps(struct vfio_pci_core_device *vdev)
{
	struct resource *res, *pad;
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		res = &vdev->pdev->resource[bar];
		vdev->bar_mmap_ok[bar] = false;

		if (!IS_ENABLED(CONFIG_VFIO_PCI_MMAP) ||
		    !(res->flags & IORESOURCE_MEM) || !resource_size(res))
			continue;
		if (resource_size(res) >= PAGE_SIZE) {
			vdev->bar_mmap_ok[bar] = true;
			continue;
		}
		/*
		 * A BAR smaller than a page can only be mapped if it starts a
		 * page: the mapping then exposes the rest of the page, which
		 * we claim so a hot-added device cannot be put there.  A BAR
		 * elsewhere in a page stays read/write only.
		 */
		if (res->start & ~PAGE_MASK)
			continue;
		pad = kzalloc(sizeof(*pad), GFP_KERNEL_ACCOUNT);
		if (!pad)
			continue;
		pad->name = "vfio sub-page reserved";
		pad->start = res->end + 1;
		pad->end = res->start + PAGE_SIZE - 1;
		pad->flags = res->flags;
		if (request_resource(res->parent, pad)) {
			kfree(pad);
			continue;
		}
		vdev->bar_pad[bar] = pad;
		vdev->bar_mmap_ok[bar] = true;
	}
}

void vfio_pci_release_mmaps(struct vfio_pci_core_device *vdev)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		vdev->bar_mmap_ok[bar] = false;
		if (!vdev->bar_pad[bar])
			continue;
		release_resource(vdev->bar_pad[bar]);
		kfree(vdev->bar_pad[bar]);
		vdev->bar_pad[bar] = NULL;
	}
}

/* Pages [@lo, @hi) of @bar that hold MSI-X structures, if any. */
static bool msix_pages(struct vfio_pci_core_device *vdev, int bar, bool pba,
		       u64 *lo, u64 *hi)
{
	const struct vfio_pci_msix_layout *m = &vdev->msix;

	if (m->bar < 0)
		return false;
	if (!pba && m->bar == bar) {
		*lo = round_down(m->table_start, PAGE_SIZE);
		*hi = round_up(m->table_end, PAGE_SIZE);
		return true;
	}
	if (pba && m->pba_bar == bar) {
		*lo = round_down(m->pba_start, PAGE_SIZE);
		*hi = round_up(m->pba_end, PAGE_SIZE);
		return true;
	}
	return false;
}

/**
 * vfio_pci_mmap_overlaps_msix - would a mapping expose MSI-X structures?
 * @vdev: the open device
 * @bar: the BAR
 * @start: offset of the mapping in the BAR
 * @len: its length
 *
 * Return: true if the user may not map that range.
 */
static bool vfio_pci_mmap_overlaps_msix(struct vfio_pci_core_device *vdev,
					int bar, u64 start, u64 len)
{
	u64 lo, hi;
	int i;

	if (vdev->msix_mappable)
		return false;
	for (i = 0; i < 2; i++)
		if (msix_pages(vdev, bar, i == 1, &lo, &hi) &&
		    start < hi && start + len > lo)
			return true;
	return false;
}

/**
 * vfio_pci_mmap_areas - the parts of a BAR the user may map
 * @vdev: the open device
 * @bar: a mappable BAR
 * @areas: filled with up to three areas
 *
 * Return: the number of areas; the whole BAR is one area unless MSI-X
 * structures must be left out.
 */
int vfio_pci_mmap_areas(struct vfio_pci_core_device *vdev, int bar,
			struct vfio_region_sparse_mmap_area *areas)
{
	u64 size = PAGE_ALIGN(pci_resource_len(vdev->pdev, bar)), pos = 0;
	struct {
		u64 lo, hi;
	} cut[2];
	int n = 0, i, nr_cut = 0;

	for (i = 0; i < 2 && !vdev->msix_mappable; i++)
		if (msix_pages(vdev, bar, i == 1, &cut[nr_cut].lo,
			       &cut[nr_cut].hi))
			nr_cut++;
	/* Walk the holes in address order; they may overlap. */
	if (nr_cut == 2 && cut[1].lo < cut[0].lo)
		swap(cut[0], cut[1]);

	for (i = 0; i < nr_cut; i++) {
		if (cut[i].lo > pos) {
			areas[n].offset = pos;
			areas[n].size = cut[i].lo - pos;
			n++;
		}
		pos = max(pos, cut[i].hi);
	}
	if (pos < size) {
		areas[n].offset = pos;
		areas[n].size = size - pos;
		n++;
	}
	return n;
}

/* --- the mapping itself --- */

/*
 * The region index a file page offset falls in (a BAR for the indexes up
 * to VFIO_PCI_BAR5_REGION_INDEX), and the byte offset inside it.
 */
static unsigned long vfio_pci_pgoff_index(unsigned long pgoff, u64 *offset)
{
	unsigned int shift = VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT;

	*offset = (u64)(pgoff & ((1UL << shift) - 1)) << PAGE_SHIFT;
	return pgoff >> shift;
}

static unsigned long vfio_pci_vma_pfn(struct vm_area_struct *vma,
				      unsigned long addr)
{
	struct vfio_pci_core_device *vdev = vma->vm_private_data;
	u64 offset;
	unsigned long bar = vfio_pci_pgoff_index(vma->vm_pgoff, &offset);

	return PHYS_PFN(pci_resource_start(vdev->pdev, bar) + offset) +
	       ((addr - vma->vm_start) >> PAGE_SHIFT);
}

/*
 * What one fault maps: @size bytes (a page, or a PMD or PUD block) of user
 * address space, aligned to @size, around the fault address, backed by the
 * frames from @pfn on.
 */
struct vfio_pci_bar_block {
	unsigned long size;
	unsigned long pfn;
};

/*
 * Find the block of 1 << @order pages holding the fault address.  A huge
 * entry maps a naturally aligned range of both address and frames, so the
 * block fits only if the address and its frame agree modulo the block
 * size and the whole block is inside the vma.  A single page always fits.
 */
static bool vfio_pci_bar_block_fits(struct vm_fault *vmf, unsigned int order,
				    struct vfio_pci_bar_block *blk)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long pages = 1UL << order;
	unsigned long pfn = vfio_pci_vma_pfn(vma, vmf->address);
	unsigned long head = (vmf->address >> PAGE_SHIFT) & (pages - 1);
	unsigned long start = ALIGN_DOWN(vmf->address, PAGE_SIZE << order);

	if ((pfn & (pages - 1)) != head)
		return false;
	blk->size = PAGE_SIZE << order;
	blk->pfn = pfn - head;
	return start >= vma->vm_start && blk->size <= vma->vm_end - start;
}

/*
 * Install the entry of the block's size.  A size the architecture cannot
 * map in one entry is a fallback: the mm core retries one level down.
 */
static vm_fault_t vfio_pci_bar_insert_block(struct vm_fault *vmf,
					    const struct vfio_pci_bar_block *blk)
{
	if (blk->size == PAGE_SIZE)
		return vmf_insert_pfn(vmf->vma, vmf->address, blk->pfn);
	if (IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) &&
	    blk->size == PMD_SIZE)
		return vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(blk->pfn, PFN_DEV),
					  false);
	if (IS_ENABLED(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP) &&
	    blk->size == PUD_SIZE)
		return vmf_insert_pfn_pud(vmf, __pfn_to_pfn_t(blk->pfn, PFN_DEV),
					  false);
	return VM_FAULT_FALLBACK;
}

/*
 * The gate, the same for every size: memory_lock is read-held so that a
 * change of decode, power or reset (which zaps under the write lock)
 * cannot run between the test and the insertion.
 */
static vm_fault_t vfio_pci_bar_map(struct vm_fault *vmf,
				   const struct vfio_pci_bar_block *blk)
{
	struct vfio_pci_core_device *vdev = vmf->vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&vdev->memory_lock);
	if (vfio_pci_memory_enabled(vdev) && !vdev->pm_runtime_engaged)
		ret = vfio_pci_bar_insert_block(vmf, blk);
	up_read(&vdev->memory_lock);
	return ret;
}

/* A single page needs no fit test: it is inside the vma by definition. */
static vm_fault_t vfio_pci_bar_fault(struct vm_fault *vmf)
{
	struct vfio_pci_bar_block blk = {
		.size = PAGE_SIZE,
		.pfn = vfio_pci_vma_pfn(vmf->vma, vmf->address),
	};

	return vfio_pci_bar_map(vmf, &blk);
}

static vm_fault_t vfio_pci_bar_huge_fault(struct vm_fault *vmf,
					  unsigned int order)
{
	struct vfio_pci_bar_block blk;

	if (!vfio_pci_bar_block_fits(vmf, order, &blk))
		return VM_FAULT_FALLBACK;
	return vfio_pci_bar_map(vmf, &blk);
}

static const struct vm_operations_struct vfio_pci_bar_vm_ops = {
	.fault = vfio_pci_bar_fault,
	/* Without huge PFN maps the mm core must not offer huge faults. */
	.huge_fault = IS_ENABLED(CONFIG_ARCH_SUPPORTS_HUGE_PFNMAP) ?
		      vfio_pci_bar_huge_fault : NULL,
};

/*
 * The phase a mapping of @len bytes of a BAR of @bar_len bytes should
 * keep: the biggest entry the architecture can insert that the mapping
 * (and the BAR) can hold at least once, or just a page.
 */
static unsigned long vfio_pci_mmap_align(u64 bar_len, unsigned long len)
{
	u64 room = min_t(u64, bar_len, len);
	unsigned long align = PAGE_SIZE;

	if (IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) && room >= PMD_SIZE)
		align = PMD_SIZE;
	if (IS_ENABLED(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP) && room >= PUD_SIZE)
		align = PUD_SIZE;
	return align;
}

/**
 * vfio_pci_core_place_mmap - choose where a new BAR mapping goes
 * @core_vdev: the device
 * @file: the device file being mapped
 * @addr: the caller's hint, or 0
 * @len: length of the mapping
 * @pgoff: file page offset (region index in the top bits)
 * @flags: the mmap flags
 *
 * The &vfio_device_ops.get_unmapped_area of vfio-pci.  A mapping of a BAR
 * with neither MAP_FIXED nor a usable hint is placed so that its virtual
 * address and the physical address it maps are equal modulo the largest
 * huge entry size it can hold (see vfio_pci_mmap_align()): the fault
 * handler can then use PUD or PMD entries for all of it but its unaligned
 * ends.  A fixed address, a hint the mm can honour, other regions, and
 * architectures without huge PFN mappings get what they would without
 * the callback (vfio_device_default_unmapped_area()).
 *
 * Return: the address, or a negative errno as an unsigned long.
 */
unsigned long vfio_pci_core_place_mmap(struct vfio_device *core_vdev,
				       struct file *file,
				       unsigned long addr,
				       unsigned long len,
				       unsigned long pgoff,
				       unsigned long flags)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);
	struct mm_struct *mm = current->mm;
	unsigned long align, area, padded, bar;
	u64 offset, phys;

	bar = vfio_pci_pgoff_index(pgoff, &offset);
	if (bar > VFIO_PCI_BAR5_REGION_INDEX || (flags & MAP_FIXED))
		return vfio_device_default_unmapped_area(file, addr, len, pgoff,
							 flags);
	align = vfio_pci_mmap_align(pci_resource_len(vdev->pdev, bar), len);
	if (align <= PAGE_SIZE)
		return vfio_device_default_unmapped_area(file, addr, len, pgoff,
							 flags);

	/*
	 * A hint wins when it is free, as it would without us (the
	 * architectures round it to a page one way or the other).
	 */
	if (addr) {
		area = mm_get_unmapped_area(mm, file, addr, len, pgoff, flags);
		if (IS_ERR_VALUE(area) || area == (addr & PAGE_MASK) ||
		    area == PAGE_ALIGN(addr))
			return area;
	}

	/*
	 * Ask for @align more than needed; somewhere in the first @align
	 * bytes of that area is the address with the BAR's phase.
	 */
	padded = len + align;
	if (padded > len) {
		area = mm_get_unmapped_area(mm, file, 0, padded, pgoff, flags);
		if (!IS_ERR_VALUE(area)) {
			phys = pci_resource_start(vdev->pdev, bar) + offset;
			return area + ((phys - area) & (align - 1));
		}
	}
	/* No room for the padding: an unaligned mapping still works. */
	return vfio_device_default_unmapped_area(file, 0, len, pgoff, flags);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_place_mmap);

/*
 * Pages are inserted on fault; set up the VMA now as io_remap_pfn_range()
 * would (uncached, decrypted, a PFN map).  VM_ALLOW_ANY_UNCACHED lets KVM
 * on arm64 map the BAR write-combined into a guest.
 */
static void vfio_pci_prepare_bar_vma(struct vfio_pci_core_device *vdev,
				     struct vm_area_struct *vma)
{
	pgprot_t prot = pgprot_noncached(vma->vm_page_prot);

	vma->vm_page_prot = pgprot_decrypted(prot);
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP |
			  VM_ALLOW_ANY_UNCACHED);
	vma->vm_private_data = vdev;
	vma->vm_ops = &vfio_pci_bar_vm_ops;
}

/**
 * vfio_pci_core_mmap - mmap(2) on the device file
 * @core_vdev: the device
 * @vma: the new mapping; vm_pgoff holds the region index in its top bits
 *
 * Only memory BARs (and device specific regions that allow it) can be
 * mapped, shared, within the BAR rounded up to a page, and not over the
 * MSI-X table or PBA unless MSI-X is mappable.  Nothing is mapped yet:
 * pages are inserted on fault.
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_core_mmap(struct vfio_device *core_vdev,
		       struct vm_area_struct *vma)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);
	struct vfio_pci_region *region;
	unsigned long index;
	u64 start, len;
	int ret;

	index = vfio_pci_pgoff_index(vma->vm_pgoff, &start);
	if (index >= VFIO_PCI_NUM_REGIONS + vdev->num_regions)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	if (index >= VFIO_PCI_NUM_REGIONS) {
		region = &vdev->region[index - VFIO_PCI_NUM_REGIONS];
		if (region->ops->mmap &&
		    (region->flags & VFIO_REGION_INFO_FLAG_MMAP))
			return region->ops->mmap(vdev, region, vma);
		return -EINVAL;
	}
	if (index > VFIO_PCI_BAR5_REGION_INDEX || !vdev->bar_mmap_ok[index])
		return -EINVAL;

	len = vma->vm_end - vma->vm_start;
	if (start + len > PAGE_ALIGN(pci_resource_len(vdev->pdev, index)))
		return -EINVAL;
	if (vfio_pci_mmap_overlaps_msix(vdev, index, start, len))
		return -EINVAL;

	/* Claims the BAR's resource, so no host driver maps it meanwhile. */
	ret = vfio_pci_core_setup_barmap(vdev, index);
	if (ret)
		return ret;

	vfio_pci_prepare_bar_vma(vdev, vma);
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_mmap);
