// SPDX-License-Identifier: GPL-2.0-only
/*
 * read(2)/write(2) of the BARs, the ROM and the legacy VGA ranges, and
 * VFIO_DEVICE_IOEVENTFD.
 *
 * A BAR is reached through a kernel mapping made on its first use
 * (&vfio_pci_core_device.barmap, set up under bar_lock together with a
 * request of the BAR's resource, so no host driver claims it meanwhile);
 * mappings live until the device is closed.  An access is cut into
 * naturally aligned 8, 4, 2 or 1 byte device accesses; the bytes keep the
 * order they have on the device whatever the CPU's endianness.  Each
 * device access to a memory BAR holds memory_lock for read and fails with
 * -EIO when the user turned memory decode off or the function is in D3.
 * The user's buffer is copied outside that lock.
 *
 * The MSI-X vector table belongs to the host's MSI code: reads of it return
 * all ones and writes are dropped, and no ioeventfd may point into it.
 */
#include <linux/eventfd.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/vgaarb.h>

#include "priv.h"

/**
 * struct vfio_pci_ioeventfd - a write done by the kernel on an eventfd
 * @link: in &vfio_pci_core_device.ioeventfds
 * @vdev: owner
 * @virqfd: the eventfd hook
 * @addr: where to write, in a BAR mapping
 * @data: what to write
 * @pos: offset in the BAR
 * @bar: the BAR
 * @count: width of the write
 * @test_mem: the BAR is memory: honour memory_lock and decode
 */
struct vfio_pci_ioeventfd {
	struct list_head link;
	struct vfio_pci_core_device *vdev;
	struct virqfd *virqfd;
	void __iomem *addr;
	u64 data;
	loff_t pos;
	int bar;
	int count;
	bool test_mem;
};

/*
 * One device access of @width bytes; @val is in CPU order.  8 bytes is
 * one access, never two halves, but exists only for memory BARs.
 */
static __always_inline void io_do(void __iomem *io, unsigned int width,
				  u64 *val, bool iswrite)
{
	switch (width) {
	case 1:
		if (iswrite)
			iowrite8(*val, io);
		else
			*val = ioread8(io);
		break;
	case 2:
		if (iswrite)
			iowrite16(*val, io);
		else
			*val = ioread16(io);
		break;
	case 4:
		if (iswrite)
			iowrite32(*val, io);
		else
			*val = ioread32(io);
		break;
#ifdef CONFIG_64BIT
	case 8:
		/* Only memory BARs get here: iomap cookies are plain MMIO. */
		if (iswrite)
			writeq(*val, io);
		else
			*val = readq(io);
		break;
#endif
	}
}

static __always_inline int io_xfer(struct vfio_pci_core_device *vdev,
				   bool test_mem, void __iomem *io,
				   unsigned int width, u64 *val, bool iswrite)
{
	if (test_mem) {
		down_read(&vdev->memory_lock);
		if (!vfio_pci_memory_enabled(vdev)) {
			up_read(&vdev->memory_lock);
			return -EIO;
		}
	}
	io_do(io, width, val, iswrite);
	if (test_mem)
		up_read(&vdev->memory_lock);
	return 0;
}

/*
 * vfio_pci_core_ioread8/16/32/64() and vfio_pci_core_iowrite8/16/32/64()
 * access @bits of a BAR mapped with vfio_pci_core_setup_barmap(), values
 * in CPU order as ioread16() and friends give them.  With @test_mem (a
 * memory BAR) they fail with -EIO while memory decode is off or the
 * function is powered down, and return 0 otherwise.  The 64-bit pair is
 * for memory BARs only, on 64-bit kernels.  One body for all widths of
 * each direction (two macros, not one: checkpatch wants each export
 * right after its function).
 */
#define VFIO_PCI_IOREAD(bits)						\
int vfio_pci_core_ioread##bits(struct vfio_pci_core_device *vdev,	\
			       bool test_mem, typeof(u##bits) *val,	\
			       void __iomem *io)			\
{									\
	u64 v;								\
	int ret = io_xfer(vdev, test_mem, io, sizeof(*val), &v, false);	\
									\
	if (!ret)							\
		*val = v;						\
	return ret;							\
}									\
EXPORT_SYMBOL_GPL(vfio_pci_core_ioread##bits)

#define VFIO_PCI_IOWRITE(bits)						\
int vfio_pci_core_iowrite##bits(struct vfio_pci_core_device *vdev,	\
				bool test_mem, u##bits val,		\
				void __iomem *io)			\
{									\
	u64 v = val;							\
									\
	return io_xfer(vdev, test_mem, io, sizeof(val), &v, true);	\
}									\
EXPORT_SYMBOL_GPL(vfio_pci_core_iowrite##bits)

VFIO_PCI_IOREAD(8);
VFIO_PCI_IOREAD(16);
VFIO_PCI_IOREAD(32);
VFIO_PCI_IOWRITE(8);
VFIO_PCI_IOWRITE(16);
VFIO_PCI_IOWRITE(32);
#ifdef CONFIG_64BIT
VFIO_PCI_IOREAD(64);
VFIO_PCI_IOWRITE(64);
#define IO_MAX_WIDTH	8
#else
#define IO_MAX_WIDTH	4
#endif

static u64 bytes_to_val(const u8 *b, unsigned int width)
{
	switch (width) {
	case 1:
		return b[0];
	case 2:
		return get_unaligned_le16(b);
	case 4:
		return get_unaligned_le32(b);
	default:
		return get_unaligned_le64(b);
	}
}

static void val_to_bytes(u64 v, u8 *b, unsigned int width)
{
	switch (width) {
	case 1:
		b[0] = v;
		break;
	case 2:
		put_unaligned_le16(v, b);
		break;
	case 4:
		put_unaligned_le32(v, b);
		break;
	default:
		put_unaligned_le64(v, b);
		break;
	}
}

/* Widest naturally aligned access at @off that fits in @avail bytes. */
static unsigned int io_width(loff_t off, size_t avail, unsigned int max)
{
	unsigned int w = min_t(unsigned int, max, IO_MAX_WIDTH);

	while (w > 1 && (avail < w || (off & (w - 1))))
		w >>= 1;
	return w;
}

/*
 * Move one device access's worth of bytes between the user buffer and
 * @val (CPU order; the buffer holds the device's little-endian bytes).
 * A buffer aligned to @width takes a single get_user()/put_user(), the
 * common case by far (a VMM's emulated MMIO access); others go through
 * a byte array.
 */
static noinline int io_user_get_slow(const char __user *buf,
				     unsigned int width, u64 *val)
{
	u8 bytes[8];

	if (copy_from_user(bytes, buf, width))
		return -EFAULT;
	*val = bytes_to_val(bytes, width);
	return 0;
}

static noinline int io_user_put_slow(char __user *buf, unsigned int width,
				     u64 val)
{
	u8 bytes[8];

	val_to_bytes(val, bytes, width);
	return copy_to_user(buf, bytes, width) ? -EFAULT : 0;
}

/* @buf is aligned to @width. */
static __always_inline int io_user_get_aligned(const char __user *buf,
					       unsigned int width, u64 *val)
{
	switch (width) {
	case 1: {
		u8 v;

		if (get_user(v, (const u8 __user *)buf))
			return -EFAULT;
		*val = v;
		return 0;
	}
	case 2: {
		u16 v;

		if (get_user(v, (const u16 __user *)buf))
			return -EFAULT;
		*val = le16_to_cpu((__force __le16)v);
		return 0;
	}
	case 4: {
		u32 v;

		if (get_user(v, (const u32 __user *)buf))
			return -EFAULT;
		*val = le32_to_cpu((__force __le32)v);
		return 0;
	}
#ifdef CONFIG_64BIT
	case 8: {
		u64 v;

		if (get_user(v, (const u64 __user *)buf))
			return -EFAULT;
		*val = le64_to_cpu((__force __le64)v);
		return 0;
	}
#endif
	}
	return -EINVAL;
}

static __always_inline int io_user_put_aligned(char __user *buf,
					       unsigned int width, u64 val)
{
	switch (width) {
	case 1:
		return put_user((u8)val, (u8 __user *)buf) ? -EFAULT : 0;
	case 2:
		return put_user(cpu_to_le16(val),
				(__le16 __user *)buf) ? -EFAULT : 0;
	case 4:
		return put_user(cpu_to_le32(val),
				(__le32 __user *)buf) ? -EFAULT : 0;
#ifdef CONFIG_64BIT
	case 8:
		return put_user(cpu_to_le64(val),
				(__le64 __user *)buf) ? -EFAULT : 0;
#endif
	}
	return -EINVAL;
}

static __always_inline int io_user_get(const char __user *buf,
				       unsigned int width, u64 *val)
{
	if (!((unsigned long)buf & (width - 1)))
		return io_user_get_aligned(buf, width, val);
	return io_user_get_slow(buf, width, val);
}

static __always_inline int io_user_put(char __user *buf, unsigned int width,
				       u64 val)
{
	if (!((unsigned long)buf & (width - 1)))
		return io_user_put_aligned(buf, width, val);
	return io_user_put_slow(buf, width, val);
}

static int io_fill_ones(char __user *buf, size_t n)
{
	static const u8 ones[64] = {
		[0 ... 63] = 0xff
	};
	size_t chunk;

	while (n) {
		chunk = min(n, sizeof(ones));
		if (copy_to_user(buf, ones, chunk))
			return -EFAULT;
		buf += chunk;
		n -= chunk;
	}
	return 0;
}

/**
 * vfio_pci_core_do_io_rw - copy between a user buffer and device memory
 * @vdev: the device
 * @test_mem: the mapping is of a memory BAR: fail with -EIO while it
 *	does not decode
 * @io: start of the mapping
 * @buf: user buffer
 * @off: offset in the mapping
 * @count: bytes
 * @x_start: start of a range that must not be touched
 * @x_end: its end (equal to @x_start when there is none); reads of it
 *	return all ones, writes to it are dropped
 * @iswrite: direction
 * @max_width: widest device access allowed
 *
 * Return: bytes done, or a negative errno.
 */
ssize_t vfio_pci_core_do_io_rw(struct vfio_pci_core_device *vdev,
			       bool test_mem, void __iomem *io,
			       char __user *buf, loff_t off, size_t count,
			       size_t x_start, size_t x_end, bool iswrite,
			       enum vfio_pci_io_width max_width)
{
	size_t done = 0, n;
	unsigned int w;
	u64 val;
	int ret;

	while (done < count) {
		if (off >= x_start && off < x_end) {
			n = min_t(size_t, count - done, x_end - off);
			if (!iswrite) {
				ret = io_fill_ones(buf + done, n);
				if (ret)
					return ret;
			}
		} else {
			n = count - done;
			if (off < x_start)
				n = min_t(size_t, n, x_start - off);
			w = io_width(off, n, test_mem ? max_width :
				     min(max_width, VFIO_PCI_IO_WIDTH_4));
			if (iswrite) {
				ret = io_user_get(buf + done, w, &val);
				if (ret)
					return ret;
			}
			ret = io_xfer(vdev, test_mem, io + off, w, &val,
				      iswrite);
			if (ret)
				return ret;
			if (!iswrite) {
				ret = io_user_put(buf + done, w, val);
				if (ret)
					return ret;
			}
			n = w;
		}
		done += n;
		off += n;
	}
	return done;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_do_io_rw);

void vfio_pci_bars_unmap(struct vfio_pci_core_device *vdev)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (!vdev->barmap[bar])
			continue;
		pci_iounmap(vdev->pdev, vdev->barmap[bar]);
		pci_release_selected_regions(vdev->pdev, BIT(bar));
		vdev->barmap[bar] = NULL;
	}
}

/* The ROM, mapped for the duration of one access; kept out of line. */
static noinline ssize_t rom_rw(struct vfio_pci_core_device *vdev,
			       char __user *buf, size_t count, loff_t pos,
			       size_t end)
{
	void __iomem *io;
	size_t rom_size;
	ssize_t done;

	mutex_lock(&vdev->rom_lock);
	io = pci_map_rom(vdev->pdev, &rom_size);
	if (!io) {
		mutex_unlock(&vdev->rom_lock);
		return -ENOMEM;
	}
	/*
	 * Past the image read ones instead of touching the device, which is
	 * fast for large ROM BARs.  Some devices fault on 8 byte ROM reads.
	 */
	done = vfio_pci_core_do_io_rw(vdev, true, io, buf, pos, count,
				      rom_size, end, false,
				      VFIO_PCI_IO_WIDTH_4);
	pci_unmap_rom(vdev->pdev, io);
	mutex_unlock(&vdev->rom_lock);
	return done;
}

/*
 * Most BAR accesses are one register: 1, 2, 4 or (memory BARs) 8 bytes,
 * aligned both in the BAR and in the user's buffer.  Those skip the
 * general loop of vfio_pci_core_do_io_rw() and go straight through
 * get_user()/put_user().
 */
static bool bar_access_is_single(u64 pos, const char __user *buf,
				 size_t count, bool test_mem)
{
	if (count > (test_mem ? IO_MAX_WIDTH : 4) || !is_power_of_2(count))
		return false;
	return !((pos | (unsigned long)buf) & (count - 1));
}

static ssize_t bar_rw_single(struct vfio_pci_core_device *vdev,
			     bool test_mem, void __iomem *io,
			     char __user *buf, size_t count, bool iswrite)
{
	u64 val = 0;
	int ret;

	if (iswrite) {
		ret = io_user_get_aligned(buf, count, &val);
		if (ret)
			return ret;
	}
	ret = io_xfer(vdev, test_mem, io, count, &val, iswrite);
	if (!ret && !iswrite)
		ret = io_user_put_aligned(buf, count, val);
	return ret ? ret : count;
}

/**
 * vfio_pci_bar_rw - read(2)/write(2) on a BAR or the ROM region
 * @vdev: the open device
 * @buf: user buffer
 * @count: bytes
 * @ppos: file position; advanced by what was done
 * @iswrite: direction (never true for the ROM)
 *
 * An access that starts inside the region but runs past its end is cut
 * short at the end.
 *
 * Return: bytes done, or a negative errno (-EINVAL when it starts outside
 * the region or the BAR is not implemented).
 */
ssize_t vfio_pci_bar_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite)
{
	struct pci_dev *pdev = vdev->pdev;
	int bar = VFIO_PCI_OFFSET_TO_INDEX(*ppos);
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK;
	size_t x_start = 0, x_end = 0;
	resource_size_t end;
	bool test_mem;
	ssize_t done;
	int ret;

	if (pci_resource_start(pdev, bar))
		end = pci_resource_len(pdev, bar);
	else if (bar == PCI_ROM_RESOURCE &&
		 pdev->resource[bar].flags & IORESOURCE_ROM_SHADOW)
		end = VFIO_PCI_SHADOW_ROM_SIZE;
	else
		return -EINVAL;

	if (pos >= end)
		return -EINVAL;
	count = min_t(u64, count, end - pos);

	if (bar == PCI_ROM_RESOURCE) {
		done = rom_rw(vdev, buf, count, pos, end);
	} else {
		ret = vfio_pci_core_setup_barmap(vdev, bar);
		if (ret)
			return ret;
		if (bar == vdev->msix.bar) {
			x_start = vdev->msix.table_start;
			x_end = vdev->msix.table_end;
		}
		test_mem = pci_resource_flags(pdev, bar) & IORESOURCE_MEM;
		if (bar_access_is_single(pos, buf, count, test_mem) &&
		    (pos + count <= x_start || pos >= x_end))
			done = bar_rw_single(vdev, test_mem,
					     vdev->barmap[bar] + pos, buf,
					     count, iswrite);
		else
			done = vfio_pci_core_do_io_rw(vdev, test_mem,
						      vdev->barmap[bar], buf,
						      pos, count, x_start,
						      x_end, iswrite,
						      VFIO_PCI_IO_WIDTH_8);
	}

	if (done > 0)
		*ppos += done;
	return done;
}

#ifdef CONFIG_VFIO_PCI_VGA
/**
 * vfio_pci_vga_rw - read(2)/write(2) on the legacy VGA region
 * @vdev: the open device, a VGA function
 * @buf: user buffer
 * @count: bytes
 * @ppos: file position: the legacy address (0xa0000-0xbffff memory,
 *	0x3b0-0x3bb and 0x3c0-0x3df I/O ports)
 * @iswrite: direction
 *
 * Return: bytes done, or a negative errno.
 */
ssize_t vfio_pci_vga_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite)
{
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK;
	void __iomem *io;
	unsigned long base, len;
	unsigned int rsrc;
	bool port;
	ssize_t done;
	int ret;

	if (!vdev->has_vga)
		return -EINVAL;

	if (pos >= 0xa0000 && pos < 0xc0000) {
		base = 0xa0000;
		len = 0x20000;
		port = false;
	} else if (pos >= 0x3b0 && pos < 0x3bc) {
		base = 0x3b0;
		len = 0xc;
		port = true;
	} else if (pos >= 0x3c0 && pos < 0x3e0) {
		base = 0x3c0;
		len = 0x20;
		port = true;
	} else {
		return -EINVAL;
	}
	count = min_t(u64, count, base + len - pos);
	rsrc = port ? VGA_RSRC_LEGACY_IO : VGA_RSRC_LEGACY_MEM;

	io = port ? ioport_map(base, len) : ioremap(base, len);
	if (!io)
		return -ENOMEM;

	ret = vga_get_interruptible(vdev->pdev, rsrc);
	if (ret) {
		done = ret;
		goto out_unmap;
	}
	/* Legacy VGA memory is not behind the memory enable bit. */
	done = vfio_pci_core_do_io_rw(vdev, false, io, buf, pos - base, count,
				      0, 0, iswrite, VFIO_PCI_IO_WIDTH_8);
	vga_put(vdev->pdev, rsrc);
	if (done > 0)
		*ppos += done;

out_unmap:
	if (port)
		ioport_unmap(io);
	else
		iounmap(io);
	return done;
}
#else
ssize_t vfio_pci_vga_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite)
{
	return -EINVAL;
}
#endif

/* --- ioeventfds --- */

static void ioeventfd_write(struct vfio_pci_ioeventfd *ioe, bool test_mem)
{
	u64 val = ioe->data;

	io_xfer(ioe->vdev, test_mem, ioe->addr, ioe->count, &val, true);
}

/*
 * Called from the eventfd's wakeup, where we cannot sleep: when
 * memory_lock is contended, have the virqfd thread do the write.
 */
static int ioeventfd_fast(void *opaque, void *unused)
{
	struct vfio_pci_ioeventfd *ioe = opaque;
	struct vfio_pci_core_device *vdev = ioe->vdev;

	if (!ioe->test_mem) {
		ioeventfd_write(ioe, false);
		return 0;
	}
	if (!down_read_trylock(&vdev->memory_lock))
		return 1;
	if (vfio_pci_memory_enabled(vdev))
		ioeventfd_write(ioe, false);
	up_read(&vdev->memory_lock);
	return 0;
}

static void ioeventfd_slow(void *opaque, void *unused)
{
	struct vfio_pci_ioeventfd *ioe = opaque;

	ioeventfd_write(ioe, ioe->test_mem);
}

static void ioeventfd_free(struct vfio_pci_core_device *vdev,
			   struct vfio_pci_ioeventfd *ioe)
{
	lockdep_assert_held(&vdev->ioeventfds_lock);

	vfio_virqfd_disable(&ioe->virqfd);
	list_del(&ioe->link);
	vdev->ioeventfds_nr--;
	kfree(ioe);
}

/* The registration with the same register, value and width, if any. */
static struct vfio_pci_ioeventfd *
ioeventfd_lookup(struct vfio_pci_core_device *vdev,
		 const struct vfio_pci_ioeventfd *key)
{
	struct vfio_pci_ioeventfd *cur;

	lockdep_assert_held(&vdev->ioeventfds_lock);
	list_for_each_entry(cur, &vdev->ioeventfds, link)
		if (cur->bar == key->bar && cur->pos == key->pos &&
		    cur->count == key->count && cur->data == key->data)
			return cur;
	return NULL;
}

/* Add a registration described by @key, fired by eventfd @fd. */
static int ioeventfd_install(struct vfio_pci_core_device *vdev,
			     const struct vfio_pci_ioeventfd *key, int fd)
{
	struct vfio_pci_ioeventfd *ioe;
	int err;

	lockdep_assert_held(&vdev->ioeventfds_lock);
	if (vdev->ioeventfds_nr >= VFIO_PCI_IOEVENTFD_MAX)
		return -ENOSPC;

	ioe = kzalloc(sizeof(*ioe), GFP_KERNEL_ACCOUNT);
	if (!ioe)
		return -ENOMEM;
	ioe->bar = key->bar;
	ioe->pos = key->pos;
	ioe->count = key->count;
	ioe->data = key->data;
	ioe->addr = vdev->barmap[key->bar] + key->pos;
	ioe->test_mem = !!(pci_resource_flags(vdev->pdev, key->bar) &
			   IORESOURCE_MEM);
	ioe->vdev = vdev;

	err = vfio_virqfd_enable(ioe, ioeventfd_fast, ioeventfd_slow, NULL,
				 &ioe->virqfd, fd);
	if (err) {
		kfree(ioe);
		return err;
	}
	list_add(&ioe->link, &vdev->ioeventfds);
	vdev->ioeventfds_nr++;
	return 0;
}

/**
 * vfio_pci_ioeventfd - VFIO_DEVICE_IOEVENTFD
 * @vdev: the open device
 * @offset: device file offset of the register (a BAR)
 * @data: value to write
 * @count: width of the write, 1, 2, 4 or 8
 * @fd: eventfd that triggers the write, or -1 to remove the registration
 *	with the same @offset, @data and @count
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_ioeventfd(struct vfio_pci_core_device *vdev, loff_t offset,
		       u64 data, int count, int fd)
{
	struct pci_dev *pdev = vdev->pdev;
	int bar = VFIO_PCI_OFFSET_TO_INDEX(offset);
	u64 pos = offset & VFIO_PCI_OFFSET_MASK;
	struct vfio_pci_ioeventfd key, *ioe;
	int ret;

	if (bar > VFIO_PCI_BAR5_REGION_INDEX)
		return -EINVAL;
	if (pos + count > pci_resource_len(pdev, bar))
		return -EINVAL;
	if (bar == vdev->msix.bar && pos < vdev->msix.table_end &&
	    pos + count > vdev->msix.table_start)
		return -EINVAL;
	if (count > IO_MAX_WIDTH ||
	    (count == 8 && !(pci_resource_flags(pdev, bar) & IORESOURCE_MEM)))
		return -EINVAL;

	ret = vfio_pci_core_setup_barmap(vdev, bar);
	if (ret)
		return ret;

	key.bar = bar;
	key.pos = pos;
	key.data = data;
	key.count = count;

	mutex_lock(&vdev->ioeventfds_lock);
	ioe = ioeventfd_lookup(vdev, &key);
	if (ioe && fd == -1) {
		ioeventfd_free(vdev, ioe);
		ret = 0;
	} else if (ioe) {
		ret = -EEXIST;
	} else if (fd < 0) {
		ret = -ENODEV;
	} else {
		ret = ioeventfd_install(vdev, &key, fd);
	}
	mutex_unlock(&vdev->ioeventfds_lock);
	return ret;
}

void vfio_pci_ioeventfds_release(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_ioeventfd *ioe, *tmp;

	mutex_lock(&vdev->ioeventfds_lock);
	list_for_each_entry_safe(ioe, tmp, &vdev->ioeventfds, link)
		ioeventfd_free(vdev, ioe);
	mutex_unlock(&vdev->ioeventfds_lock);
}
