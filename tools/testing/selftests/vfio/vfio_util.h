/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the VFIO selftests: find an emulated PCI device, move
 * it between drivers, and walk the container/group/device setup that every
 * VFIO user performs.
 */
#ifndef __SELFTESTS_VFIO_UTIL_H
#define __SELFTESTS_VFIO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vfio.h>

/* PCI ids of the devices the test VM is booted with. */
/*
 * Whether the architecture's containers offer the type1 backend: where the
 * platform IOMMU is an IOMMU API domain (x86 VT-d, Arm SMMU), not on
 * POWER, whose TCE tables are served by the sPAPR backends instead.
 */
#if defined(__x86_64__) || defined(__aarch64__)
#define VFIO_UTIL_ARCH_HAS_TYPE1	1
#else
#define VFIO_UTIL_ARCH_HAS_TYPE1	0
#endif

/*
 * The backend a test selects when any will do: its module, and its v2 and
 * v1 SET_IOMMU types (type1, or sPAPR TCE on POWER).
 */
#if defined(__powerpc64__)
#define VFIO_UTIL_ARCH_HAS_SPAPR	1
#define VFIO_UTIL_ARCH_IOMMU_MODULE	"vfio_iommu_spapr_tce"
#define VFIO_UTIL_ARCH_IOMMU		VFIO_SPAPR_TCE_v2_IOMMU
#define VFIO_UTIL_ARCH_IOMMU_V1		VFIO_SPAPR_TCE_IOMMU
#else
#define VFIO_UTIL_ARCH_HAS_SPAPR	0
#define VFIO_UTIL_ARCH_IOMMU_MODULE	"vfio_iommu_type1"
#define VFIO_UTIL_ARCH_IOMMU		VFIO_TYPE1v2_IOMMU
#define VFIO_UTIL_ARCH_IOMMU_V1		VFIO_TYPE1_IOMMU
#endif

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define NVME_VENDOR	0x1b36
#define NVME_DEVICE	0x0010
#define E1000E_VENDOR	0x8086
#define E1000E_DEVICE	0x10d3
/* ivshmem-plain: BAR2 is the memory backend, prefetchable, 64-bit. */
#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110
#define IVSHMEM_MEM_BAR	VFIO_PCI_BAR2_REGION_INDEX

/*
 * Return the BDF ("0000:00:03.0") of the first PCI function with these
 * ids, or NULL.  The string is static: copy it to keep it.
 */
const char *vfio_util_find_pci(unsigned int vendor, unsigned int device);

/* Same, the nth (from 0) such function. */
const char *vfio_util_find_pci_nth(unsigned int vendor, unsigned int device,
				   int nth);

/*
 * Bind @bdf to @driver ("vfio-pci", "nvme", "e1000e", or "" for no driver)
 * using driver_override.  Unbinds the current driver first.  Returns 0 or
 * -errno.
 */
int vfio_util_bind(const char *bdf, const char *driver);

/* Name of the driver @bdf is bound to ("" when none); static string. */
const char *vfio_util_current_driver(const char *bdf);
/*
 * The function's config space as the PCI core reads it from the device,
 * through sysfs rather than VFIO: ground truth for what VFIO reports.
 * vfio_util_sysfs_config() returns bytes read or -errno;
 * vfio_util_sysfs_cap() the offset of capability @id, or 0.
 */
int vfio_util_sysfs_config(const char *bdf, unsigned int off, void *buf,
			   size_t len);
unsigned int vfio_util_sysfs_cap(const char *bdf, unsigned int id);

/* IOMMU group number of @bdf, or -errno. */
int vfio_util_group_id(const char *bdf);

/*
 * The same three for a device on any bus ("pci", "platform", "amba"),
 * named as in /sys/bus/BUS/devices.  Binding to a "vfio-*" driver loads
 * its module first.
 */
int vfio_util_bind_on(const char *bus, const char *dev, const char *driver);
const char *vfio_util_driver_on(const char *bus, const char *dev);
int vfio_util_group_id_on(const char *bus, const char *dev);

/* Load a module with modprobe; returns its exit status. */
int vfio_util_modprobe(const char *module);

/* Read or write a whole sysfs (or proc) file; return bytes or -errno. */
int vfio_util_read_file(const char *path, char *buf, size_t size);
int vfio_util_write_file(const char *path, const char *val);
long vfio_util_read_long(const char *path);

#define VFIO_UTIL_MAX_REGIONS	16

/*
 * One opened device: container, group and device fds; or, opened through
 * its cdev, the device fd and the iommufd it is bound to (@container and
 * @group are then -1).
 */
struct vfio_util_dev {
	char bdf[32];
	int group_id;
	int container;
	int group;
	int device;
	int iommufd;
	uint32_t ioas_id;
	uint32_t devid;
	struct vfio_device_info info;
	/* File offsets of regions, filled in on first access. */
	uint64_t region_offset[VFIO_UTIL_MAX_REGIONS];
	bool region_known[VFIO_UTIL_MAX_REGIONS];
};

/*
 * Bind @bdf to vfio-pci, open /dev/vfio/vfio and /dev/vfio/N, attach the
 * group, select @iommu_type (VFIO_TYPE1v2_IOMMU, ...) and get the device
 * fd and its info.  Returns 0 or -errno (with every fd closed).
 */
/* A device with no file open yet: vfio_util_close() on it does nothing. */
void vfio_util_dev_init(struct vfio_util_dev *d);
int vfio_util_open(struct vfio_util_dev *d, const char *bdf, int iommu_type);
/*
 * The same for @dev on @bus, already bound to a VFIO bus driver; with
 * VFIO_NOIOMMU_IOMMU it opens /dev/vfio/noiommu-N.
 */
int vfio_util_open_on(struct vfio_util_dev *d, const char *bus,
		      const char *dev, int iommu_type);
void vfio_util_close(struct vfio_util_dev *d);

/*
 * The ways a test may reach a device (fixture variants): through the
 * group and VFIO's container with type1 v1 or v2; through the group with
 * an iommufd (/dev/iommu) as the container, type1 v2 emulated by
 * iommufd; through /dev/vfio/devices/vfioN bound to an iommufd and
 * attached to a new IOAS.
 */
enum vfio_util_mode {
	VFIO_UTIL_TYPE1,
	VFIO_UTIL_TYPE1v2,
	VFIO_UTIL_GROUP_IOMMUFD,
	VFIO_UTIL_CDEV,
};

/* vfio_util_open() for any mode; 0 or -errno (every fd closed). */
int vfio_util_open_mode(struct vfio_util_dev *d, const char *bdf,
			enum vfio_util_mode mode);

/* /dev/vfio/devices/vfioN of @bdf, bound to vfio-pci; 0 or -errno. */
int vfio_util_cdev_path(const char *bdf, char *path, size_t size);

/* IOMMU_IOAS_ALLOC on @iommufd: the new IOAS id, or -errno. */
int vfio_util_ioas_alloc(int iommufd);

/* VFIO_DEVICE_BIND_IOMMUFD / ATTACH_IOMMUFD_PT; 0 or -errno. */
int vfio_util_cdev_bind(int device, int iommufd, uint32_t *devid);
int vfio_util_cdev_attach(int device, uint32_t *pt_id);

/* VFIO_DEVICE_GET_REGION_INFO without capabilities; 0 or -errno. */
int vfio_util_region_info(struct vfio_util_dev *d, unsigned int index,
			  struct vfio_region_info *info);

/* pread/pwrite at an offset within a region; return bytes or -errno. */
ssize_t vfio_util_region_read(struct vfio_util_dev *d, unsigned int index,
			      uint64_t off, void *buf, size_t len);
ssize_t vfio_util_region_write(struct vfio_util_dev *d, unsigned int index,
			       uint64_t off, const void *buf, size_t len);

/* 32-bit register access on a BAR through read/write of the device fd. */
uint32_t vfio_util_bar_read32(struct vfio_util_dev *d, int bar, uint64_t off);
void vfio_util_bar_write32(struct vfio_util_dev *d, int bar, uint64_t off,
			   uint32_t val);
uint64_t vfio_util_bar_read64(struct vfio_util_dev *d, int bar, uint64_t off);
void vfio_util_bar_write64(struct vfio_util_dev *d, int bar, uint64_t off,
			   uint64_t val);

/*
 * Map / unmap through the type1 backend (or, for a cdev, the IOAS); 0 or
 * -errno.
 */
int vfio_util_map(struct vfio_util_dev *d, void *vaddr, uint64_t iova,
		  uint64_t size, uint32_t flags);
int vfio_util_unmap(struct vfio_util_dev *d, uint64_t iova, uint64_t size,
		    uint64_t *unmapped);

/*
 * Route interrupt @index (VFIO_PCI_MSI_IRQ_INDEX, ...) vectors
 * [start, start + count) to eventfds (@fds, -1 to leave one unset);
 * count 0 disables the index.  0 or -errno.
 */
int vfio_util_set_irq_eventfds(struct vfio_util_dev *d, unsigned int index,
			       unsigned int start, unsigned int count,
			       const int *fds);
/*
 * SET_IRQS of vector 0 of @index with one eventfd and any @flags (an
 * action, or none or several on purpose); 0 or -errno.
 */
int vfio_util_set_irq_fd(struct vfio_util_dev *d, unsigned int index,
			 uint32_t flags, int fd);
/* ACTION_* with DATA_NONE on [start, start + count); 0 or -errno. */
int vfio_util_irq_action(struct vfio_util_dev *d, unsigned int index,
			 unsigned int start, unsigned int count,
			 uint32_t action);

/* Wait up to @ms for an eventfd to fire; returns its count, 0 on timeout. */
uint64_t vfio_util_eventfd_wait(int efd, int ms);

/* /proc/vmstat counters, for pin leak checks. */
long vfio_util_vmstat(const char *name);

/* QEMU edu device registers (QEMU docs/specs/edu.rst). */
#define EDU_REG_ID		0x00
#define EDU_REG_LIVENESS	0x04
#define EDU_REG_FACTORIAL	0x08
#define EDU_REG_STATUS		0x20
#define  EDU_STATUS_BUSY	0x01
#define  EDU_STATUS_IRQFACT	0x80
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define  EDU_DMA_START		0x01
#define  EDU_DMA_TO_RAM		0x02	/* edu buffer -> RAM when set */
#define  EDU_DMA_IRQ		0x04
#define EDU_DMA_BUF		0x40000
#define EDU_DMA_BUF_SIZE	0x1000
#define EDU_ID_VALUE		0x010000ed

/*
 * edu's registers have the emulator's byte order: big-endian on POWER,
 * where a little-endian program swaps what it reads and writes.
 */
#if defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define vfio_util_edu32(v)	__builtin_bswap32(v)
#define vfio_util_edu64(v)	__builtin_bswap64(v)
#else
#define vfio_util_edu32(v)	(v)
#define vfio_util_edu64(v)	(v)
#endif

/*
 * Run an edu DMA of @len bytes between @iova and the edu buffer at
 * @buf_off; @to_ram picks the direction.  Waits for completion; returns 0,
 * or -ETIMEDOUT when the engine stays busy.
 */
int vfio_util_edu_dma(struct vfio_util_dev *d, uint64_t iova,
		      uint32_t buf_off, uint32_t len, bool to_ram);

#endif /* __SELFTESTS_VFIO_UTIL_H */
