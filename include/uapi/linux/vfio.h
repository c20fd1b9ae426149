/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * VFIO: userspace interface for device assignment
 *
 * A VFIO user works with three kinds of file descriptor:
 *
 *  - a container (/dev/vfio/vfio), which owns an IOMMU context and the DMA
 *    mappings made in it;
 *  - a group (/dev/vfio/$GROUP), the smallest set of devices the IOMMU can
 *    isolate, which is attached to a container;
 *  - a device, obtained from its group or opened directly from a
 *    /dev/vfio/devices/vfioX character device and bound to an iommufd.
 *
 * Every ioctl argument that can grow starts with "argsz" (the size the caller
 * provides, in bytes) and "flags".  The kernel ignores nothing it does not
 * understand: unknown flags are rejected, so new fields can be added at the
 * end of a structure and advertised by a flag or a capability.
 *
 * Variable sized information is returned as a chain of capabilities, each
 * starting with struct vfio_info_cap_header; "next" is the byte offset of the
 * next capability from the start of the enclosing info structure, 0 ending
 * the chain.
 *
 * Layouts, names and numbers in this file are userspace ABI.
 */
#ifndef _UAPIVFIO_H
#define _UAPIVFIO_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Value returned by VFIO_GET_API_VERSION. */
#define VFIO_API_VERSION	0

/*
 * Extensions, queried with VFIO_CHECK_EXTENSION.  The IOMMU model ids among
 * them are also the argument of VFIO_SET_IOMMU.
 */
#define VFIO_TYPE1_IOMMU		1
#define VFIO_SPAPR_TCE_IOMMU		2
#define VFIO_TYPE1v2_IOMMU		3
#define VFIO_DMA_CC_IOMMU		4	/* DMA is cache coherent */
#define VFIO_EEH			5	/* PowerPC EEH available */
#define VFIO_TYPE1_NESTING_IOMMU	6	/* obsolete, never usable */
#define VFIO_SPAPR_TCE_v2_IOMMU		7
#define VFIO_NOIOMMU_IOMMU		8	/* unsafe: no DMA isolation */
#define VFIO_UNMAP_ALL			9	/* UNMAP_DMA takes FLAG_ALL */
#define VFIO_UPDATE_VADDR		10	/* MAP/UNMAP take FLAG_VADDR */

/*
 * All VFIO ioctls share one magic and a base number.  They are declared with
 * _IO() and carry no size in the number: the size is in "argsz".
 */
#define VFIO_TYPE	(';')
#define VFIO_BASE	100

/* Common header of every capability in an info chain. */
struct vfio_info_cap_header {
	__u16	id;		/* meaning depends on the chain */
	__u16	version;	/* per-id layout version */
	__u32	next;		/* offset of the next one, 0 = last */
};

/* ---------------------------------------------------------------------- */
/* Container                                                               */
/* ---------------------------------------------------------------------- */

/* Returns VFIO_API_VERSION. */
#define VFIO_GET_API_VERSION		_IO(VFIO_TYPE, VFIO_BASE + 0)

/* Argument: an extension id.  Returns > 0 when it is supported, else 0. */
#define VFIO_CHECK_EXTENSION		_IO(VFIO_TYPE, VFIO_BASE + 1)

/*
 * Argument: an IOMMU model id.  Picks the container's IOMMU backend; needs at
 * least one group attached first.
 */
#define VFIO_SET_IOMMU			_IO(VFIO_TYPE, VFIO_BASE + 2)

/* ---------------------------------------------------------------------- */
/* Group                                                                   */
/* ---------------------------------------------------------------------- */

struct vfio_group_status {
	__u32	argsz;
	__u32	flags;
#define VFIO_GROUP_FLAGS_VIABLE		(1 << 0)	/* all devices usable */
#define VFIO_GROUP_FLAGS_CONTAINER_SET	(1 << 1)	/* is in a container */
};

/* Fills struct vfio_group_status. */
#define VFIO_GROUP_GET_STATUS		_IO(VFIO_TYPE, VFIO_BASE + 3)

/* Argument: pointer to an int holding the container fd. */
#define VFIO_GROUP_SET_CONTAINER	_IO(VFIO_TYPE, VFIO_BASE + 4)

/* Leaves the container; the last group out tears the IOMMU context down. */
#define VFIO_GROUP_UNSET_CONTAINER	_IO(VFIO_TYPE, VFIO_BASE + 5)

/* Argument: device name string.  Returns a new device fd. */
#define VFIO_GROUP_GET_DEVICE_FD	_IO(VFIO_TYPE, VFIO_BASE + 6)

/* ---------------------------------------------------------------------- */
/* Device: basic information                                               */
/* ---------------------------------------------------------------------- */

struct vfio_device_info {
	__u32	argsz;
	__u32	flags;
#define VFIO_DEVICE_FLAGS_RESET		(1 << 0)	/* VFIO_DEVICE_RESET works */
#define VFIO_DEVICE_FLAGS_PCI		(1 << 1)
#define VFIO_DEVICE_FLAGS_PLATFORM	(1 << 2)
#define VFIO_DEVICE_FLAGS_AMBA		(1 << 3)
#define VFIO_DEVICE_FLAGS_CCW		(1 << 4)
#define VFIO_DEVICE_FLAGS_AP		(1 << 5)
#define VFIO_DEVICE_FLAGS_FSL_MC	(1 << 6)
#define VFIO_DEVICE_FLAGS_CAPS		(1 << 7)	/* cap_offset is valid */
#define VFIO_DEVICE_FLAGS_CDX		(1 << 8)
	__u32	num_regions;
	__u32	num_irqs;
	__u32	cap_offset;	/* first capability, from start of struct */
	__u32	pad;
};

#define VFIO_DEVICE_GET_INFO		_IO(VFIO_TYPE, VFIO_BASE + 7)

/* Values of the "device_api" sysfs attribute of mediated device types. */
#define VFIO_DEVICE_API_PCI_STRING		"vfio-pci"
#define VFIO_DEVICE_API_PLATFORM_STRING		"vfio-platform"
#define VFIO_DEVICE_API_AMBA_STRING		"vfio-amba"
#define VFIO_DEVICE_API_CCW_STRING		"vfio-ccw"
#define VFIO_DEVICE_API_AP_STRING		"vfio-ap"

/*
 * Capability ids of the device info chain.  The s390 zPCI layouts live in
 * <linux/vfio_zdev.h>.
 */
#define VFIO_DEVICE_INFO_CAP_ZPCI_BASE		1
#define VFIO_DEVICE_INFO_CAP_ZPCI_GROUP		2
#define VFIO_DEVICE_INFO_CAP_ZPCI_UTIL		3
#define VFIO_DEVICE_INFO_CAP_ZPCI_PFIP		4
#define VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP	5

/* Which PCIe AtomicOp completer sizes the root port handles for the device. */
struct vfio_device_info_cap_pci_atomic_comp {
	struct vfio_info_cap_header header;
	__u32	flags;
#define VFIO_PCI_ATOMIC_COMP32		(1 << 0)
#define VFIO_PCI_ATOMIC_COMP64		(1 << 1)
#define VFIO_PCI_ATOMIC_COMP128		(1 << 2)
	__u32	reserved;
};

/* ---------------------------------------------------------------------- */
/* Device: regions                                                         */
/* ---------------------------------------------------------------------- */

/*
 * A region is a window of the device fd: read(), write() and possibly mmap()
 * at "offset" reach the device resource selected by "index".
 */
struct vfio_region_info {
	__u32	argsz;
	__u32	flags;
#define VFIO_REGION_INFO_FLAG_READ	(1 << 0)
#define VFIO_REGION_INFO_FLAG_WRITE	(1 << 1)
#define VFIO_REGION_INFO_FLAG_MMAP	(1 << 2)
#define VFIO_REGION_INFO_FLAG_CAPS	(1 << 3)	/* cap_offset is valid */
	__u32	index;		/* in: region index */
	__u32	cap_offset;	/* out: first capability */
	__aligned_u64	size;	/* out: bytes, 0 if absent */
	__aligned_u64	offset;	/* out: where it sits in the device fd */
};

#define VFIO_DEVICE_GET_REGION_INFO	_IO(VFIO_TYPE, VFIO_BASE + 8)

/* Region capability: only these parts of the region may be mmap()ed. */
#define VFIO_REGION_INFO_CAP_SPARSE_MMAP	1

struct vfio_region_sparse_mmap_area {
	__aligned_u64	offset;	/* relative to the region start */
	__aligned_u64	size;
};

struct vfio_region_info_cap_sparse_mmap {
	struct vfio_info_cap_header header;
	__u32	nr_areas;
	__u32	reserved;
	struct vfio_region_sparse_mmap_area areas[];
};

/* Region capability: a device specific region, identified by type/subtype. */
#define VFIO_REGION_INFO_CAP_TYPE	2

struct vfio_region_info_cap_type {
	struct vfio_info_cap_header header;
	__u32	type;
	__u32	subtype;
};

/*
 * Region types.  A PCI vendor specific type has the top bit set and the PCI
 * vendor id in the low 16 bits; its subtypes are the vendor's own.
 */
#define VFIO_REGION_TYPE_PCI_VENDOR_TYPE	(1 << 31)
#define VFIO_REGION_TYPE_PCI_VENDOR_MASK	(0xffff)
#define VFIO_REGION_TYPE_GFX			(1)
#define VFIO_REGION_TYPE_CCW			(2)
#define VFIO_REGION_TYPE_MIGRATION_DEPRECATED	(3)

/* Subtypes of the Intel (0x8086) vendor type: IGD support regions. */
#define VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION	(1)
#define VFIO_REGION_SUBTYPE_INTEL_IGD_HOST_CFG	(2)
#define VFIO_REGION_SUBTYPE_INTEL_IGD_LPC_CFG	(3)

/* Subtype of the NVIDIA (0x10de) vendor type; kept for the numbering only. */
#define VFIO_REGION_SUBTYPE_NVIDIA_NVLINK2_RAM	(1)

/* Subtype of the IBM (0x1014) vendor type; kept for the numbering only. */
#define VFIO_REGION_SUBTYPE_IBM_NVLINK2_ATSD	(1)

/* Subtype of VFIO_REGION_TYPE_GFX: EDID of a virtual display. */
#define VFIO_REGION_SUBTYPE_GFX_EDID		(1)

/* Register block at the start of the GFX EDID region. */
struct vfio_region_gfx_edid {
	__u32 edid_offset;	/* ro: where the EDID blob is, in the region */
	__u32 edid_max_size;	/* ro: room for the blob */
	__u32 edid_size;	/* rw: blob length, written last */
	__u32 max_xres;		/* ro: 0 when unknown */
	__u32 max_yres;		/* ro: 0 when unknown */
	__u32 link_state;	/* rw: one of the LINK_STATE values */
#define VFIO_DEVICE_GFX_LINK_STATE_UP	1
#define VFIO_DEVICE_GFX_LINK_STATE_DOWN	2
};

/* Subtypes of VFIO_REGION_TYPE_CCW (s390 channel I/O). */
#define VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD	(1)
#define VFIO_REGION_SUBTYPE_CCW_SCHIB		(2)
#define VFIO_REGION_SUBTYPE_CCW_CRW		(3)

/*
 * Subtype of VFIO_REGION_TYPE_MIGRATION_DEPRECATED.  The region based (v1)
 * migration protocol is gone; its layout and state bits stay for the ABI
 * only.  Use VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE instead.
 */
#define VFIO_REGION_SUBTYPE_MIGRATION_DEPRECATED (1)

struct vfio_device_migration_info {
	__u32 device_state;
#define VFIO_DEVICE_STATE_V1_STOP	(0)
#define VFIO_DEVICE_STATE_V1_RUNNING	(1 << 0)
#define VFIO_DEVICE_STATE_V1_SAVING	(1 << 1)
#define VFIO_DEVICE_STATE_V1_RESUMING	(1 << 2)
#define VFIO_DEVICE_STATE_MASK		(VFIO_DEVICE_STATE_V1_RUNNING | \
					 VFIO_DEVICE_STATE_V1_SAVING | \
					 VFIO_DEVICE_STATE_V1_RESUMING)
/* RESUMING may not be combined with any other bit. */
#define VFIO_DEVICE_STATE_VALID(state) \
	((state) & VFIO_DEVICE_STATE_V1_RESUMING ? \
	 ((state) & VFIO_DEVICE_STATE_MASK) == VFIO_DEVICE_STATE_V1_RESUMING : 1)
/* SAVING together with RESUMING is how v1 signalled an error. */
#define VFIO_DEVICE_STATE_IS_ERROR(state) \
	(((state) & VFIO_DEVICE_STATE_MASK) == \
	 (VFIO_DEVICE_STATE_V1_SAVING | VFIO_DEVICE_STATE_V1_RESUMING))
#define VFIO_DEVICE_STATE_SET_ERROR(state) \
	(((state) & ~VFIO_DEVICE_STATE_MASK) | \
	 VFIO_DEVICE_STATE_V1_SAVING | VFIO_DEVICE_STATE_V1_RESUMING)
	__u32 reserved;
	__aligned_u64 pending_bytes;
	__aligned_u64 data_offset;
	__aligned_u64 data_size;
};

/* Region capability, no payload: the MSI-X table BAR may be mmap()ed. */
#define VFIO_REGION_INFO_CAP_MSIX_MAPPABLE	3

/* Region capabilities of the (removed) NVLink2 support; ids are reserved. */
#define VFIO_REGION_INFO_CAP_NVLINK2_SSATGT	4

struct vfio_region_info_cap_nvlink2_ssatgt {
	struct vfio_info_cap_header header;
	__aligned_u64 tgt;
};

#define VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD	5

struct vfio_region_info_cap_nvlink2_lnkspd {
	struct vfio_info_cap_header header;
	__u32 link_speed;
	__u32 __pad;
};

/* ---------------------------------------------------------------------- */
/* Device: interrupts                                                      */
/* ---------------------------------------------------------------------- */

struct vfio_irq_info {
	__u32	argsz;
	__u32	flags;
#define VFIO_IRQ_INFO_EVENTFD		(1 << 0)	/* can signal an eventfd */
#define VFIO_IRQ_INFO_MASKABLE		(1 << 1)	/* MASK/UNMASK work */
#define VFIO_IRQ_INFO_AUTOMASKED	(1 << 2)	/* level: masked on fire */
#define VFIO_IRQ_INFO_NORESIZE		(1 << 3)	/* count fixed once set */
	__u32	index;		/* in: irq index */
	__u32	count;		/* out: number of vectors */
};

#define VFIO_DEVICE_GET_IRQ_INFO	_IO(VFIO_TYPE, VFIO_BASE + 9)

/*
 * Acts on vectors [start, start + count) of irq "index".  Exactly one DATA
 * flag says what data[] holds (nothing, one __u8 per vector, or one __s32
 * eventfd per vector, -1 to release); exactly one ACTION flag says what to do
 * with it.  DATA_NONE with count 0 and ACTION_TRIGGER disables the index.
 */
struct vfio_irq_set {
	__u32	argsz;
	__u32	flags;
#define VFIO_IRQ_SET_DATA_NONE		(1 << 0)
#define VFIO_IRQ_SET_DATA_BOOL		(1 << 1)
#define VFIO_IRQ_SET_DATA_EVENTFD	(1 << 2)
#define VFIO_IRQ_SET_ACTION_MASK	(1 << 3)
#define VFIO_IRQ_SET_ACTION_UNMASK	(1 << 4)
#define VFIO_IRQ_SET_ACTION_TRIGGER	(1 << 5)
	__u32	index;
	__u32	start;
	__u32	count;
	__u8	data[];
};

#define VFIO_DEVICE_SET_IRQS		_IO(VFIO_TYPE, VFIO_BASE + 10)

#define VFIO_IRQ_SET_DATA_TYPE_MASK	(VFIO_IRQ_SET_DATA_NONE | \
					 VFIO_IRQ_SET_DATA_BOOL | \
					 VFIO_IRQ_SET_DATA_EVENTFD)
#define VFIO_IRQ_SET_ACTION_TYPE_MASK	(VFIO_IRQ_SET_ACTION_MASK | \
					 VFIO_IRQ_SET_ACTION_UNMASK | \
					 VFIO_IRQ_SET_ACTION_TRIGGER)

/* Resets the device, when VFIO_DEVICE_FLAGS_RESET is reported. */
#define VFIO_DEVICE_RESET		_IO(VFIO_TYPE, VFIO_BASE + 11)

/* ---------------------------------------------------------------------- */
/* Bus specific region and irq indexes                                     */
/* ---------------------------------------------------------------------- */

/* vfio-pci: fixed region indexes; device specific ones follow the VGA one. */
enum {
	VFIO_PCI_BAR0_REGION_INDEX,
	VFIO_PCI_BAR1_REGION_INDEX,
	VFIO_PCI_BAR2_REGION_INDEX,
	VFIO_PCI_BAR3_REGION_INDEX,
	VFIO_PCI_BAR4_REGION_INDEX,
	VFIO_PCI_BAR5_REGION_INDEX,
	VFIO_PCI_ROM_REGION_INDEX,
	VFIO_PCI_CONFIG_REGION_INDEX,
	VFIO_PCI_VGA_REGION_INDEX,	/* legacy VGA MMIO and I/O ports */
	VFIO_PCI_NUM_REGIONS = 9	/* fixed; not grown by new indexes */
};

/* vfio-pci: irq indexes.  ERR and REQ are host notifications, count 1. */
enum {
	VFIO_PCI_INTX_IRQ_INDEX,
	VFIO_PCI_MSI_IRQ_INDEX,
	VFIO_PCI_MSIX_IRQ_INDEX,
	VFIO_PCI_ERR_IRQ_INDEX,
	VFIO_PCI_REQ_IRQ_INDEX,
	VFIO_PCI_NUM_IRQS
};

/* vfio-ccw (s390 subchannels). */
enum {
	VFIO_CCW_CONFIG_REGION_INDEX,
	VFIO_CCW_NUM_REGIONS
};

enum {
	VFIO_CCW_IO_IRQ_INDEX,
	VFIO_CCW_CRW_IRQ_INDEX,
	VFIO_CCW_REQ_IRQ_INDEX,
	VFIO_CCW_NUM_IRQS
};

/* vfio-ap (s390 crypto adapters). */
enum {
	VFIO_AP_REQ_IRQ_INDEX,
	VFIO_AP_NUM_IRQS
};

/* ---------------------------------------------------------------------- */
/* vfio-pci: bus reset                                                     */
/* ---------------------------------------------------------------------- */

/*
 * One device affected by a bus or slot reset.  With the group interface the
 * union holds its IOMMU group number; with FLAG_DEV_ID it holds the iommufd
 * device id, or one of the two special values below.
 */
struct vfio_pci_dependent_device {
	union {
		__u32	group_id;
		__u32	devid;
#define VFIO_PCI_DEVID_OWNED		0	/* owned, but no id in this ctx */
#define VFIO_PCI_DEVID_NOT_OWNED	-1	/* not owned by the caller */
	};
	__u16	segment;
	__u8	bus;
	__u8	devfn;		/* PCI_SLOT()/PCI_FUNC() encoding */
};

struct vfio_pci_hot_reset_info {
	__u32	argsz;
	__u32	flags;
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID		(1 << 0)	/* out: devid used */
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED	(1 << 1)	/* out: all owned */
	__u32	count;
	struct vfio_pci_dependent_device	devices[];
};

/* Lists the devices a hot reset of this device would also reset. */
#define VFIO_DEVICE_GET_PCI_HOT_RESET_INFO	_IO(VFIO_TYPE, VFIO_BASE + 12)

/*
 * Resets the bus or slot.  group_fds[] proves ownership of every affected
 * group; with the cdev interface count is 0 and ownership comes from the
 * iommufd context.
 */
struct vfio_pci_hot_reset {
	__u32	argsz;
	__u32	flags;
	__u32	count;
	__s32	group_fds[];
};

#define VFIO_DEVICE_PCI_HOT_RESET	_IO(VFIO_TYPE, VFIO_BASE + 13)

/* ---------------------------------------------------------------------- */
/* Mediated graphics: display planes                                       */
/* ---------------------------------------------------------------------- */

struct vfio_device_gfx_plane_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_GFX_PLANE_TYPE_PROBE	(1 << 0)	/* ask what is supported */
#define VFIO_GFX_PLANE_TYPE_DMABUF	(1 << 1)	/* plane as a dma-buf */
#define VFIO_GFX_PLANE_TYPE_REGION	(1 << 2)	/* plane in a region */
	/* in */
	__u32 drm_plane_type;	/* DRM_PLANE_TYPE_* */
	/* out, all below */
	__u32 drm_format;	/* DRM_FORMAT_* fourcc */
	__aligned_u64 drm_format_mod;
	__u32 width;
	__u32 height;
	__u32 stride;
	__u32 size;		/* bytes of the surface */
	__u32 x_pos;		/* cursor position, when a cursor plane */
	__u32 y_pos;
	__u32 x_hot;		/* cursor hotspot */
	__u32 y_hot;
	union {
		__u32 region_index;	/* TYPE_REGION */
		__u32 dmabuf_id;	/* TYPE_DMABUF */
	};
	__u32 reserved;
};

#define VFIO_DEVICE_QUERY_GFX_PLANE	_IO(VFIO_TYPE, VFIO_BASE + 14)

/* Argument: pointer to a __u32 dmabuf_id.  Returns a dma-buf fd. */
#define VFIO_DEVICE_GET_GFX_DMABUF	_IO(VFIO_TYPE, VFIO_BASE + 15)

/* ---------------------------------------------------------------------- */
/* Device: ioeventfd                                                       */
/* ---------------------------------------------------------------------- */

/*
 * When eventfd "fd" is signalled, the kernel writes "data" (of the size given
 * by the flag) at "offset" of the device fd.  fd == -1 removes the entry.
 */
struct vfio_device_ioeventfd {
	__u32	argsz;
	__u32	flags;
#define VFIO_DEVICE_IOEVENTFD_8		(1 << 0)
#define VFIO_DEVICE_IOEVENTFD_16	(1 << 1)
#define VFIO_DEVICE_IOEVENTFD_32	(1 << 2)
#define VFIO_DEVICE_IOEVENTFD_64	(1 << 3)
#define VFIO_DEVICE_IOEVENTFD_SIZE_MASK	(0xf)
	__aligned_u64	offset;
	__aligned_u64	data;
	__s32	fd;
	__u32	reserved;
};

#define VFIO_DEVICE_IOEVENTFD		_IO(VFIO_TYPE, VFIO_BASE + 16)

/* ---------------------------------------------------------------------- */
/* Device: features                                                        */
/* ---------------------------------------------------------------------- */

/*
 * The low 16 bits of flags select a feature; one of GET, SET or PROBE says
 * what to do.  PROBE may be combined with GET and/or SET to ask whether
 * those would be accepted.  The feature payload follows in data[].
 */
struct vfio_device_feature {
	__u32	argsz;
	__u32	flags;
#define VFIO_DEVICE_FEATURE_MASK	(0xffff)	/* feature id */
#define VFIO_DEVICE_FEATURE_GET		(1 << 16)
#define VFIO_DEVICE_FEATURE_SET		(1 << 17)
#define VFIO_DEVICE_FEATURE_PROBE	(1 << 18)
	__u8	data[];
};

#define VFIO_DEVICE_FEATURE		_IO(VFIO_TYPE, VFIO_BASE + 17)

/* SET: a 16 byte UUID shared between a PF and its VFs. */
#define VFIO_DEVICE_FEATURE_PCI_VF_TOKEN	(0)

/* GET: which migration protocol variants the device supports. */
struct vfio_device_feature_migration {
	__aligned_u64 flags;
#define VFIO_MIGRATION_STOP_COPY	(1 << 0)
#define VFIO_MIGRATION_P2P		(1 << 1)
#define VFIO_MIGRATION_PRE_COPY		(1 << 2)
};

#define VFIO_DEVICE_FEATURE_MIGRATION	1

/*
 * SET moves the device to device_state and, for states with a data stream,
 * returns its fd in data_fd (else -1).  GET reads the current state.
 */
struct vfio_device_feature_mig_state {
	__u32	device_state;	/* enum vfio_device_mig_state */
	__s32	data_fd;
};

#define VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE	2

/*
 * Migration states.  ERROR is entered when a transition fails and only a
 * reset leaves it.  The numbers are ABI.
 */
enum vfio_device_mig_state {
	VFIO_DEVICE_STATE_ERROR = 0,
	VFIO_DEVICE_STATE_STOP = 1,
	VFIO_DEVICE_STATE_RUNNING = 2,
	VFIO_DEVICE_STATE_STOP_COPY = 3,
	VFIO_DEVICE_STATE_RESUMING = 4,
	VFIO_DEVICE_STATE_RUNNING_P2P = 5,
	VFIO_DEVICE_STATE_PRE_COPY = 6,
	VFIO_DEVICE_STATE_PRE_COPY_P2P = 7,
	VFIO_DEVICE_STATE_NR,
};

/* Issued on a PRE_COPY data fd: how much is left to read, as an estimate. */
struct vfio_precopy_info {
	__u32	argsz;
	__u32	flags;
	__aligned_u64	initial_bytes;
	__aligned_u64	dirty_bytes;
};

#define VFIO_MIG_GET_PRECOPY_INFO	_IO(VFIO_TYPE, VFIO_BASE + 21)

/* SET: allow runtime low power; any access to the device wakes it. */
#define VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY	3

/* SET: as above, and signal wakeup_eventfd when the device wakes itself. */
struct vfio_device_low_power_entry_with_wakeup {
	__s32	wakeup_eventfd;
	__u32	reserved;
};

#define VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP	4

/* SET: leave the low power state entered by one of the two above. */
#define VFIO_DEVICE_FEATURE_LOW_POWER_EXIT	5

/*
 * Device side dirty page tracking.  START takes the control structure, whose
 * "ranges" is a user pointer to num_ranges ranges of IOVA to track.
 */
struct vfio_device_feature_dma_logging_control {
	__aligned_u64	page_size;
	__u32	num_ranges;
	__u32	__reserved;
	__aligned_u64	ranges;
};

struct vfio_device_feature_dma_logging_range {
	__aligned_u64	iova;
	__aligned_u64	length;
};

#define VFIO_DEVICE_FEATURE_DMA_LOGGING_START	6

/* SET, no payload: stop tracking and drop the state. */
#define VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP	7

/*
 * GET: fill the user bitmap at "bitmap" with one bit per page_size page of
 * [iova, iova + length), and clear those bits in the tracker.
 */
struct vfio_device_feature_dma_logging_report {
	__aligned_u64	iova;
	__aligned_u64	length;
	__aligned_u64	page_size;
	__aligned_u64	bitmap;
};

#define VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT	8

/* GET: estimated size of the STOP_COPY data stream, in bytes. */
struct vfio_device_feature_mig_data_size {
	__aligned_u64	stop_copy_length;
};

#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE	9

/* SET: set or clear bus mastering on devices that lack a config space. */
struct vfio_device_feature_bus_master {
	__u32	op;
#define VFIO_DEVICE_FEATURE_CLEAR_MASTER	0
#define VFIO_DEVICE_FEATURE_SET_MASTER		1
};

#define VFIO_DEVICE_FEATURE_BUS_MASTER	10

/* ---------------------------------------------------------------------- */
/* Device cdev: iommufd binding                                            */
/* ---------------------------------------------------------------------- */

/*
 * Bind a device opened through its cdev to an iommufd; out_devid is the
 * object id of the device in that iommufd.  Must come before any other
 * ioctl on the device fd.
 */
struct vfio_device_bind_iommufd {
	__u32	argsz;
	__u32	flags;
	__s32	iommufd;
	__u32	out_devid;
};

#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)

/* Attach to an IOAS or HWPT; pt_id returns the HWPT actually used. */
struct vfio_device_attach_iommufd_pt {
	__u32	argsz;
	__u32	flags;
	__u32	pt_id;
};

#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)

/* Undo the attach above; DMA is blocked afterwards. */
struct vfio_device_detach_iommufd_pt {
	__u32	argsz;
	__u32	flags;
};

#define VFIO_DEVICE_DETACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 20)

/* ---------------------------------------------------------------------- */
/* Type1 IOMMU backend (container ioctls)                                  */
/* ---------------------------------------------------------------------- */

struct vfio_iommu_type1_info {
	__u32	argsz;
	__u32	flags;
#define VFIO_IOMMU_INFO_PGSIZES	(1 << 0)	/* iova_pgsizes is valid */
#define VFIO_IOMMU_INFO_CAPS	(1 << 1)	/* cap_offset is valid */
	__aligned_u64	iova_pgsizes;	/* bitmap of supported page sizes */
	__u32	cap_offset;
	__u32	pad;
};

/* Capability: the IOVA ranges usable for mappings. */
#define VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE	1

struct vfio_iova_range {
	__u64	start;
	__u64	end;		/* inclusive */
};

struct vfio_iommu_type1_info_cap_iova_range {
	struct	vfio_info_cap_header header;
	__u32	nr_iovas;
	__u32	reserved;
	struct	vfio_iova_range iova_ranges[];
};

/* Capability: limits of dirty page tracking through VFIO_IOMMU_DIRTY_PAGES. */
#define VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION	2

struct vfio_iommu_type1_info_cap_migration {
	struct	vfio_info_cap_header header;
	__u32	flags;
	__u64	pgsize_bitmap;		/* bitmap page sizes supported */
	__u64	max_dirty_bitmap_size;	/* bytes */
};

/* Capability: how many more DMA mappings the container accepts. */
#define VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL	3

struct vfio_iommu_type1_info_dma_avail {
	struct	vfio_info_cap_header header;
	__u32	avail;
};

#define VFIO_IOMMU_GET_INFO	_IO(VFIO_TYPE, VFIO_BASE + 12)

/*
 * Map [vaddr, vaddr + size) of the caller at iova.  With FLAG_VADDR only the
 * process address of an existing, vaddr-invalidated mapping is replaced.
 */
struct vfio_iommu_type1_dma_map {
	__u32	argsz;
	__u32	flags;
#define VFIO_DMA_MAP_FLAG_READ	(1 << 0)	/* device may read */
#define VFIO_DMA_MAP_FLAG_WRITE	(1 << 1)	/* device may write */
#define VFIO_DMA_MAP_FLAG_VADDR	(1 << 2)
	__u64	vaddr;
	__u64	iova;
	__u64	size;
};

#define VFIO_IOMMU_MAP_DMA	_IO(VFIO_TYPE, VFIO_BASE + 13)

/* A user buffer receiving one bit per pgsize page. */
struct vfio_bitmap {
	__u64		pgsize;	/* page size of one bit */
	__u64		size;	/* bytes at data */
	__u64 __user	*data;
};

/*
 * Unmap [iova, iova + size); "size" returns the bytes unmapped.  With
 * GET_DIRTY_BITMAP, data[] holds a struct vfio_bitmap filled on the way out.
 * FLAG_ALL unmaps everything (iova and size 0).  FLAG_VADDR keeps the
 * mappings but forgets their process addresses until re-mapped with
 * VFIO_DMA_MAP_FLAG_VADDR.
 */
struct vfio_iommu_type1_dma_unmap {
	__u32	argsz;
	__u32	flags;
#define VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP	(1 << 0)
#define VFIO_DMA_UNMAP_FLAG_ALL			(1 << 1)
#define VFIO_DMA_UNMAP_FLAG_VADDR		(1 << 2)
	__u64	iova;
	__u64	size;
	__u8	data[];
};

#define VFIO_IOMMU_UNMAP_DMA	_IO(VFIO_TYPE, VFIO_BASE + 14)

/* sPAPR only: start and stop using the TCE tables. */
#define VFIO_IOMMU_ENABLE	_IO(VFIO_TYPE, VFIO_BASE + 15)
#define VFIO_IOMMU_DISABLE	_IO(VFIO_TYPE, VFIO_BASE + 16)

/*
 * Container dirty page tracking: exactly one flag per call.  GET_BITMAP puts
 * a struct vfio_iommu_type1_dirty_bitmap_get in data[].
 */
struct vfio_iommu_type1_dirty_bitmap {
	__u32	argsz;
	__u32	flags;
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_START	(1 << 0)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP	(1 << 1)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP	(1 << 2)
	__u8	data[];
};

struct vfio_iommu_type1_dirty_bitmap_get {
	__u64	iova;		/* start of the range to report */
	__u64	size;		/* length of the range */
	struct vfio_bitmap bitmap;
};

#define VFIO_IOMMU_DIRTY_PAGES	_IO(VFIO_TYPE, VFIO_BASE + 17)

/* ---------------------------------------------------------------------- */
/* sPAPR TCE IOMMU backend and EEH (PowerPC)                               */
/* ---------------------------------------------------------------------- */

/* Dynamic DMA window limits. */
struct vfio_iommu_spapr_tce_ddw_info {
	__u64	pgsizes;			/* bitmap of page sizes */
	__u32	max_dynamic_windows_supported;
	__u32	levels;				/* max table levels */
};

struct vfio_iommu_spapr_tce_info {
	__u32	argsz;
	__u32	flags;
#define VFIO_IOMMU_SPAPR_INFO_DDW	(1 << 0)	/* ddw is valid */
	__u32	dma32_window_start;	/* 32-bit window start, bytes */
	__u32	dma32_window_size;	/* 32-bit window size, bytes */
	struct vfio_iommu_spapr_tce_ddw_info ddw;
};

#define VFIO_IOMMU_SPAPR_TCE_GET_INFO	_IO(VFIO_TYPE, VFIO_BASE + 12)

/* Error injection parameters of VFIO_EEH_PE_INJECT_ERR. */
struct vfio_eeh_pe_err {
	__u32	type;
	__u32	func;
	__u64	addr;
	__u64	mask;
};

/* Operation on the partitionable endpoint of the container's groups. */
struct vfio_eeh_pe_op {
	__u32	argsz;
	__u32	flags;
	__u32	op;
	union {
		struct vfio_eeh_pe_err	err;
	};
};

/* Values of vfio_eeh_pe_op.op. */
#define VFIO_EEH_PE_DISABLE		0
#define VFIO_EEH_PE_ENABLE		1
#define VFIO_EEH_PE_UNFREEZE_IO		2
#define VFIO_EEH_PE_UNFREEZE_DMA	3
#define VFIO_EEH_PE_GET_STATE		4
/* Results of VFIO_EEH_PE_GET_STATE. */
#define  VFIO_EEH_PE_STATE_NORMAL	0
#define  VFIO_EEH_PE_STATE_RESET	1
#define  VFIO_EEH_PE_STATE_STOPPED	2
#define  VFIO_EEH_PE_STATE_STOPPED_DMA	4
#define  VFIO_EEH_PE_STATE_UNAVAIL	5
#define VFIO_EEH_PE_RESET_DEACTIVATE	5
#define VFIO_EEH_PE_RESET_HOT		6
#define VFIO_EEH_PE_RESET_FUNDAMENTAL	7
#define VFIO_EEH_PE_CONFIGURE		8
#define VFIO_EEH_PE_INJECT_ERR		9

#define VFIO_EEH_PE_OP			_IO(VFIO_TYPE, VFIO_BASE + 21)

/* Pre-register (pin and account) user memory later used for TCE entries. */
struct vfio_iommu_spapr_register_memory {
	__u32	argsz;
	__u32	flags;
	__u64	vaddr;
	__u64	size;
};

#define VFIO_IOMMU_SPAPR_REGISTER_MEMORY	_IO(VFIO_TYPE, VFIO_BASE + 17)
#define VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY	_IO(VFIO_TYPE, VFIO_BASE + 18)

/* Create a dynamic DMA window; start_addr returns its bus address. */
struct vfio_iommu_spapr_tce_create {
	__u32	argsz;
	__u32	flags;
	/* in */
	__u32	page_shift;
	__u32	__resv1;
	__u64	window_size;
	__u32	levels;
	__u32	__resv2;
	/* out */
	__u64	start_addr;
};

#define VFIO_IOMMU_SPAPR_TCE_CREATE	_IO(VFIO_TYPE, VFIO_BASE + 19)

/* Remove the window starting at start_addr. */
struct vfio_iommu_spapr_tce_remove {
	__u32	argsz;
	__u32	flags;
	/* in */
	__u64	start_addr;
};

#define VFIO_IOMMU_SPAPR_TCE_REMOVE	_IO(VFIO_TYPE, VFIO_BASE + 20)

#endif /* _UAPIVFIO_H */
