// SPDX-License-Identifier: GPL-2.0-only
/*
 * Config space virtualization.
 *
 * The user reads and writes the function's config space through region
 * VFIO_PCI_CONFIG_REGION_INDEX, but must not be able to move a BAR, turn on
 * interrupts behind SET_IRQS' back or otherwise break the host's view of
 * the function.  When the device is opened we build, per device, three
 * byte arrays as large as config space:
 *
 *   @val    the value of every virtualized bit (and the last user values
 *           of the command register's memory and I/O enables)
 *   @virt   1 for a virtualized bit: reads return @val, writes the user is
 *           allowed to make land in @val and never reach the hardware
 *   @wmask  1 for a bit the user may write; a writable bit that is not
 *           virtualized is written to the hardware (read-modify-write)
 *
 * and a map @owner from each byte to the block (the standard header, or
 * one capability the user can see) that holds it.  The kind of a block
 * fills its masks and may wrap the plain rules with side effects: BAR
 * sizing, memory decode and INTx masking from the command register, power
 * state changes, function level resets, VPD accesses.  Bytes no block owns
 * (gaps between capabilities, hidden capabilities) go to the hardware
 * unchanged: some devices keep registers there.
 *
 * Invariants:
 *  - the ID and next bytes of every visible capability (dword 0 of an
 *    extended one) are virtualized and read-only, so a hidden capability
 *    is simply unlinked in @val;
 *  - BARs and the ROM BAR are fully virtualized; the hardware BARs are only
 *    ever rewritten with the values the host assigned, after a reset this
 *    driver did not see;
 *  - the MSI and MSI-X enable bits never reach the hardware from here,
 *    only VFIO_DEVICE_SET_IRQS enables interrupts;
 *  - one access never spans two blocks or a dword boundary: it is split.
 * @lock serialises the accesses, so virtual registers change atomically.
 *
 * @val, @virt, @wmask and @owner are only written when the device is
 * opened, except for the bytes of @val that are virtualized and writable
 * (the user's writes, and what the kinds' hooks derive from them).  A byte
 * therefore reads the same with and without @lock if no block owns it, or
 * if it is not both virtualized and writable and its block's hooks are
 * quiet (or it has none).  A dword whose four bytes have one owner (or
 * none), like every access of the locked path, and are all such bytes is
 * marked in @quick at open; aligned reads inside it are done without
 * @lock.
 */
#include <kunit/visibility.h>
#include <linux/bitfield.h>
#include <linux/pci.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "priv.h"

/* @owner of a byte no block holds; all ones, so memset() can set it. */
#define CFG_NO_OWNER	0xffff

struct vfio_pci_cfg_kind;

/**
 * struct vfio_pci_cfg_block - a capability (or the header) the user sees
 * @start: its first byte in config space
 * @len: its length in bytes
 * @id: capability ID (0 for the standard header)
 * @kind: how accesses to it behave
 */
struct vfio_pci_cfg_block {
	u16 start;
	u16 len;
	u16 id;
	const struct vfio_pci_cfg_kind *kind;
};

/**
 * struct vfio_pci_vconfig - virtual config space of an open device
 * @lock: serialises config space accesses and protects everything below
 * @size: bytes of config space
 * @val: virtual values, see the top of this file
 * @virt: virtualized bits
 * @wmask: user writable bits
 * @owner: index into @blocks of each byte, or CFG_NO_OWNER
 * @nr_blocks: used entries of @blocks
 * @max_blocks: allocated entries of @blocks
 * @blocks: the visible blocks, as many as the function has (a header, up
 *	to 48 standard and 960 extended capabilities)
 * @host_bar: raw BAR0-5 values the host assigned, to repair a reset
 * @host_rom: raw ROM BAR value the host assigned
 * @bars_stale: the virtual BARs were written and need the sizing fix-up
 * @has_ecaps: extended config space holds capabilities
 * @quick: dwords an aligned read may take without @lock (see top of file)
 */
struct vfio_pci_vconfig {
	struct mutex lock;	/* all of this struct, and accesses */
	unsigned int size;
	u8 *val;
	u8 *virt;
	u8 *wmask;
	u16 *owner;
	unsigned int nr_blocks;
	unsigned int max_blocks;
	struct vfio_pci_cfg_block *blocks;
	u32 host_bar[PCI_STD_NUM_BARS];
	u32 host_rom;
	bool bars_stale;
	bool has_ecaps;
	DECLARE_BITMAP(quick, PCI_CFG_SPACE_EXP_SIZE / 4);
};

/**
 * struct vfio_pci_cfg_kind - behaviour of a kind of block
 * @perms: set the masks of @blk (its values are already in @val)
 * @read: replaces the plain read; optional
 * @write: replaces the plain write; optional
 * @quiet: the hooks change only virtualized bytes the user may write, and
 *	reads of the other bytes have no side effect (a kind without hooks
 *	is quiet by nature)
 */
struct vfio_pci_cfg_kind {
	void (*perms)(struct vfio_pci_vconfig *vc,
		      const struct vfio_pci_cfg_block *blk);
	int (*read)(struct vfio_pci_core_device *vdev,
		    const struct vfio_pci_cfg_block *blk, unsigned int pos,
		    unsigned int len, u32 *val);
	int (*write)(struct vfio_pci_core_device *vdev,
		     const struct vfio_pci_cfg_block *blk, unsigned int pos,
		     unsigned int len, u32 val);
	bool quiet;
};

/* Accesses are 1, 2 or 4 bytes; values are assembled little-endian. */
static u32 cfg_get(const u8 *arr, unsigned int pos, unsigned int len)
{
	u32 v = 0;
	unsigned int i;

	for (i = 0; i < len; i++)
		v |= (u32)arr[pos + i] << (8 * i);
	return v;
}

static void cfg_put(u8 *arr, unsigned int pos, unsigned int len, u32 v)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		arr[pos + i] = v >> (8 * i);
}

static u32 cfg_all_ones(unsigned int len)
{
	return len == 4 ? U32_MAX : (1U << (8 * len)) - 1;
}

static int cfg_hw_read(struct pci_dev *pdev, unsigned int pos,
		       unsigned int len, u32 *val)
{
	u16 w;
	u8 b;
	int ret;

	switch (len) {
	case 1:
		ret = pci_user_read_config_byte(pdev, pos, &b);
		*val = b;
		return ret;
	case 2:
		ret = pci_user_read_config_word(pdev, pos, &w);
		*val = w;
		return ret;
	default:
		return pci_user_read_config_dword(pdev, pos, val);
	}
}

static int cfg_hw_write(struct pci_dev *pdev, unsigned int pos,
			unsigned int len, u32 val)
{
	switch (len) {
	case 1:
		return pci_user_write_config_byte(pdev, pos, val);
	case 2:
		return pci_user_write_config_word(pdev, pos, val);
	default:
		return pci_user_write_config_dword(pdev, pos, val);
	}
}

/* Set the masks of the @n bytes at @off in @blk, if @blk is that long. */
static void cfg_perm(struct vfio_pci_vconfig *vc,
		     const struct vfio_pci_cfg_block *blk, unsigned int off,
		     unsigned int n, u32 virt, u32 wmask)
{
	if (off + n > blk->len)
		return;
	cfg_put(vc->virt, blk->start + off, n, virt);
	cfg_put(vc->wmask, blk->start + off, n, wmask);
}

/* The plain rules: virtualized bits from @val, the others from hardware. */
static int cfg_plain_read(struct vfio_pci_core_device *vdev, unsigned int pos,
			  unsigned int len, u32 *out)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	u32 virt = cfg_get(vc->virt, pos, len);
	u32 v = cfg_get(vc->val, pos, len) & virt;
	u32 hw;
	int ret;

	if (virt != cfg_all_ones(len)) {
		ret = cfg_hw_read(vdev->pdev, pos, len, &hw);
		if (ret)
			return ret;
		v |= hw & ~virt;
	}
	*out = v;
	return 0;
}

static int cfg_plain_write(struct vfio_pci_core_device *vdev,
			   unsigned int pos, unsigned int len, u32 in)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	u32 wmask = cfg_get(vc->wmask, pos, len);
	u32 virt = cfg_get(vc->virt, pos, len);
	u32 to_virt = wmask & virt, to_hw = wmask & ~virt;
	u32 v;
	int ret;

	if (to_virt) {
		v = cfg_get(vc->val, pos, len);
		cfg_put(vc->val, pos, len, (v & ~to_virt) | (in & to_virt));
	}
	if (to_hw) {
		ret = cfg_hw_read(vdev->pdev, pos, len, &v);
		if (ret)
			return ret;
		ret = cfg_hw_write(vdev->pdev, pos, len,
				   (v & ~to_hw) | (in & to_hw));
		if (ret)
			return ret;
	}
	return 0;
}

static bool cfg_covers(unsigned int pos, unsigned int len, unsigned int byte)
{
	return byte >= pos && byte < pos + len;
}

static u16 cfg_val16(struct vfio_pci_vconfig *vc, unsigned int pos)
{
	return cfg_get(vc->val, pos, 2);
}

/*
 * Copy what the other files of the driver read of the virtual config
 * space into the device: the INTx pin (fixed once the space is built)
 * and the virtual memory enable bit (called again, under memory_lock,
 * whenever the command register is written).
 */
static void vfio_pci_config_publish(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;

	vdev->intx_pin = vc->val[PCI_INTERRUPT_PIN];
	vdev->virt_memory = cfg_val16(vc, PCI_COMMAND) & PCI_COMMAND_MEMORY;
}

/* Reset the function on behalf of a user FLR request. */
static void cfg_user_flr(struct vfio_pci_core_device *vdev)
{
	vfio_pci_gate_shut(vdev);
	pci_try_reset_function(vdev->pdev);
	up_write(&vdev->memory_lock);
}

/* --- Standard header --- */

static bool cfg_is_bar(unsigned int pos, unsigned int len)
{
	return (pos < PCI_BASE_ADDRESS_5 + 4 &&
		pos + len > PCI_BASE_ADDRESS_0) ||
	       (pos < PCI_ROM_ADDRESS + 4 && pos + len > PCI_ROM_ADDRESS);
}

static void cfg_basic_perms(struct vfio_pci_vconfig *vc,
			    const struct vfio_pci_cfg_block *blk)
{
	unsigned int bar;

	/* IDs come from @val so VFs (which read 0xffff) show real ones. */
	cfg_perm(vc, blk, PCI_VENDOR_ID, 4, U32_MAX, 0);
	/* INTx disable is ours: the INTx code drives the physical bit. */
	cfg_perm(vc, blk, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE, 0xffff);
	/* The capability list bit follows the capabilities we show. */
	cfg_perm(vc, blk, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, 0);
	cfg_perm(vc, blk, PCI_CACHE_LINE_SIZE, 1, 0, 0xff);
	cfg_perm(vc, blk, PCI_LATENCY_TIMER, 1, 0, 0xff);
	cfg_perm(vc, blk, PCI_BIST, 1, 0, 0xff);
	for (bar = PCI_BASE_ADDRESS_0; bar <= PCI_BASE_ADDRESS_5; bar += 4)
		cfg_perm(vc, blk, bar, 4, U32_MAX, U32_MAX);
	cfg_perm(vc, blk, PCI_ROM_ADDRESS, 4, U32_MAX, U32_MAX);
	cfg_perm(vc, blk, PCI_CAPABILITY_LIST, 1, 0xff, 0);
	cfg_perm(vc, blk, PCI_INTERRUPT_LINE, 1, 0xff, 0xff);
	/* The pin is virtual, so INTx can be hidden. */
	cfg_perm(vc, blk, PCI_INTERRUPT_PIN, 1, 0xff, 0);
}

static u32 cfg_bar_type_bits(struct pci_dev *pdev, int bar)
{
	unsigned long flags = pci_resource_flags(pdev, bar);
	u32 bits;

	if (flags & IORESOURCE_IO)
		return PCI_BASE_ADDRESS_SPACE_IO;
	bits = PCI_BASE_ADDRESS_SPACE_MEMORY;
	if (flags & IORESOURCE_PREFETCH)
		bits |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	if (flags & IORESOURCE_MEM_64)
		bits |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	return bits;
}

/*
 * Make the virtual BARs behave like real ones: only the address bits a
 * BAR of that size implements keep what the user wrote, the low bits show
 * the BAR's type.  Writing all ones and reading back gives the size.
 * BARs the host left unassigned read as zero (unimplemented).
 */
static void cfg_size_bars(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	struct pci_dev *pdev = vdev->pdev;
	unsigned int pos;
	u64 mask;
	u32 v;
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		pos = PCI_BASE_ADDRESS_0 + 4 * bar;
		if (!pci_resource_start(pdev, bar)) {
			cfg_put(vc->val, pos, 4, 0);
			continue;
		}
		mask = ~(pci_resource_len(pdev, bar) - 1);
		v = cfg_get(vc->val, pos, 4) & (u32)mask;
		v |= cfg_bar_type_bits(pdev, bar);
		cfg_put(vc->val, pos, 4, v);
		if (v & PCI_BASE_ADDRESS_MEM_TYPE_64 && bar + 1 < PCI_STD_NUM_BARS) {
			bar++;
			pos += 4;
			v = cfg_get(vc->val, pos, 4) & (u32)(mask >> 32);
			cfg_put(vc->val, pos, 4, v);
		}
	}

	if (pci_resource_start(pdev, PCI_ROM_RESOURCE))
		mask = ~(pci_resource_len(pdev, PCI_ROM_RESOURCE) - 1);
	else if (pdev->resource[PCI_ROM_RESOURCE].flags & IORESOURCE_ROM_SHADOW)
		mask = ~(u64)(VFIO_PCI_SHADOW_ROM_SIZE - 1);
	else
		mask = 0;
	if (mask)
		mask |= PCI_ROM_ADDRESS_ENABLE;
	v = cfg_get(vc->val, PCI_ROM_ADDRESS, 4) & (u32)mask;
	cfg_put(vc->val, PCI_ROM_ADDRESS, 4, v);

	vc->bars_stale = false;
}

static int cfg_basic_read(struct vfio_pci_core_device *vdev,
			  const struct vfio_pci_cfg_block *blk,
			  unsigned int pos, unsigned int len, u32 *val)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	int ret;

	if (vc->bars_stale && cfg_is_bar(pos, len))
		cfg_size_bars(vdev);

	ret = cfg_plain_read(vdev, pos, len, val);
	if (ret)
		return ret;

	/* Functions without a memory enable bit show the virtual one. */
	if (vdev->pdev->no_command_memory && cfg_covers(pos, len, PCI_COMMAND))
		*val |= cfg_val16(vc, PCI_COMMAND) & PCI_COMMAND_MEMORY;
	return 0;
}

/* Did something (a reset we did not see) clear the host's BAR values? */
static bool cfg_bars_lost(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	u32 cur;
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (!vc->host_bar[bar])
			continue;
		if (pci_user_read_config_dword(vdev->pdev,
					       PCI_BASE_ADDRESS_0 + 4 * bar,
					       &cur) ||
		    cur != vc->host_bar[bar])
			return true;
	}
	return false;
}

static void cfg_repair_bars(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	struct pci_dev *pdev = vdev->pdev;
	u16 cmd;
	int bar;

	/* A VF's BARs live in the PF's SR-IOV capability. */
	if (pdev->is_virtfn)
		return;

	pci_info(pdev, "restoring BARs after an unexpected reset\n");
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		pci_user_write_config_dword(pdev, PCI_BASE_ADDRESS_0 + 4 * bar,
					    vc->host_bar[bar]);
	pci_user_write_config_dword(pdev, PCI_ROM_ADDRESS, vc->host_rom);

	if (vdev->nointx) {
		pci_user_read_config_word(pdev, PCI_COMMAND, &cmd);
		pci_user_write_config_word(pdev, PCI_COMMAND,
					   cmd | PCI_COMMAND_INTX_DISABLE);
	}
}

/*
 * A write to the low byte of the command register.  Turning memory decode
 * off revokes every user mapping of the BARs first; turning decode on
 * after the function lost its BARs behind our back puts them back before
 * the hardware decodes garbage addresses.
 */
static int cfg_command_write(struct vfio_pci_core_device *vdev,
			     unsigned int pos, unsigned int len, u32 in)
{
	const u16 decode = PCI_COMMAND_MEMORY | PCI_COMMAND_IO;
	struct vfio_pci_vconfig *vc = vdev->cfg;
	struct pci_dev *pdev = vdev->pdev;
	u16 new = in, old = cfg_val16(vc, PCI_COMMAND), hw;
	int ret;

	ret = pci_user_read_config_word(pdev, PCI_COMMAND, &hw);
	if (ret)
		return ret;

	if (new & PCI_COMMAND_MEMORY)
		down_write(&vdev->memory_lock);
	else
		vfio_pci_gate_shut(vdev);

	if ((new & old & ~hw & PCI_COMMAND_MEMORY && !pdev->no_command_memory) ||
	    (new & old & ~hw & PCI_COMMAND_IO) || cfg_bars_lost(vdev))
		cfg_repair_bars(vdev);

	ret = cfg_plain_write(vdev, pos, len, in);
	if (!ret)	/* record the decode bits next to the virtual ones */
		cfg_put(vc->val, PCI_COMMAND, 2,
			(cfg_val16(vc, PCI_COMMAND) & ~decode) |
			(new & decode));
	vfio_pci_config_publish(vdev);

	up_write(&vdev->memory_lock);
	return ret;
}

static int cfg_basic_write(struct vfio_pci_core_device *vdev,
			   const struct vfio_pci_cfg_block *blk,
			   unsigned int pos, unsigned int len, u32 in)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	int ret;

	if (cfg_covers(pos, len, PCI_COMMAND))
		ret = cfg_command_write(vdev, pos, len, in);
	else
		ret = cfg_plain_write(vdev, pos, len, in);
	if (ret)
		return ret;

	if (cfg_covers(pos, len, PCI_COMMAND + 1))
		vfio_pci_intx_set_disabled(vdev, cfg_val16(vc, PCI_COMMAND) &
					   PCI_COMMAND_INTX_DISABLE);
	if (cfg_is_bar(pos, len))
		vc->bars_stale = true;
	return 0;
}

static const struct vfio_pci_cfg_kind cfg_kind_basic = {
	.perms = cfg_basic_perms,
	.read = cfg_basic_read,
	.write = cfg_basic_write,
	/* BAR sizing, decode and INTx disable: all in writable registers */
	.quiet = true,
};

/* --- Capabilities that are read-only apart from their header --- */

static void cfg_cap_header_perms(struct vfio_pci_vconfig *vc,
				 const struct vfio_pci_cfg_block *blk)
{
	cfg_perm(vc, blk, PCI_CAP_LIST_ID, 2, 0xffff, 0);
}

static const struct vfio_pci_cfg_kind cfg_kind_ro = {
	.perms = cfg_cap_header_perms,
};

/* Vendor specific: opaque to us, the user may write all of it. */
static void cfg_vndr_perms(struct vfio_pci_vconfig *vc,
			   const struct vfio_pci_cfg_block *blk)
{
	memset(vc->wmask + blk->start + PCI_CAP_FLAGS, 0xff,
	       blk->len - PCI_CAP_FLAGS);
	cfg_cap_header_perms(vc, blk);
}

static const struct vfio_pci_cfg_kind cfg_kind_vndr = {
	.perms = cfg_vndr_perms,
};

/* --- Power management --- */

static void cfg_pm_perms(struct vfio_pci_vconfig *vc,
			 const struct vfio_pci_cfg_block *blk)
{
	const u32 pme = PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS;

	cfg_cap_header_perms(vc, blk);
	/*
	 * The user cannot receive PME events, so PME support reads as none
	 * and PME enable/status as clear.  The D-state bits are written by
	 * us, through the PCI core, when the user writes them.
	 */
	cfg_perm(vc, blk, PCI_PM_PMC, 2, PCI_PM_CAP_PME_MASK, 0);
	cfg_perm(vc, blk, PCI_PM_CTRL, 4, pme,
		 ~(pme | PCI_PM_CTRL_STATE_MASK));
	cfg_put(vc->val, blk->start + PCI_PM_PMC, 2,
		cfg_val16(vc, blk->start + PCI_PM_PMC) & ~PCI_PM_CAP_PME_MASK);
	cfg_put(vc->val, blk->start + PCI_PM_CTRL, 2,
		cfg_val16(vc, blk->start + PCI_PM_CTRL) & ~pme);
}

static int cfg_pm_write(struct vfio_pci_core_device *vdev,
			const struct vfio_pci_cfg_block *blk,
			unsigned int pos, unsigned int len, u32 in)
{
	static const pci_power_t states[] = {
		PCI_D0, PCI_D1, PCI_D2, PCI_D3hot
	};
	pci_power_t state;
	int ret;

	ret = cfg_plain_write(vdev, pos, len, in);
	if (ret || !cfg_covers(pos, len, blk->start + PCI_PM_CTRL))
		return ret;

	/* PM_CTRL is dword aligned, so the state is in the low bits. */
	state = states[in & PCI_PM_CTRL_STATE_MASK];
	if (vfio_pci_dstate(state) >= vfio_pci_dstate(PCI_D3hot))
		vfio_pci_gate_shut(vdev);
	else
		down_write(&vdev->memory_lock);
	vfio_pci_set_power_state(vdev, state);
	up_write(&vdev->memory_lock);
	return 0;
}

static const struct vfio_pci_cfg_kind cfg_kind_pm = {
	.perms = cfg_pm_perms,
	.write = cfg_pm_write,
};

/* --- Vital product data: accesses go through the PCI core's VPD code --- */

static void cfg_vpd_perms(struct vfio_pci_vconfig *vc,
			  const struct vfio_pci_cfg_block *blk)
{
	cfg_cap_header_perms(vc, blk);
	cfg_perm(vc, blk, PCI_VPD_ADDR, 2, 0xffff, 0xffff);
	cfg_perm(vc, blk, PCI_VPD_DATA, 4, U32_MAX, U32_MAX);
}

static int cfg_vpd_write(struct vfio_pci_core_device *vdev,
			 const struct vfio_pci_cfg_block *blk,
			 unsigned int pos, unsigned int len, u32 in)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	unsigned int addr_pos = blk->start + PCI_VPD_ADDR;
	unsigned int data_pos = blk->start + PCI_VPD_DATA;
	u16 addr;
	u32 data;
	int ret;

	ret = cfg_plain_write(vdev, pos, len, in);
	/* Only a write of the address register's flag byte starts a cycle. */
	if (ret || !cfg_covers(pos, len, addr_pos + 1))
		return ret;

	addr = cfg_val16(vc, addr_pos);
	if (addr & PCI_VPD_ADDR_F) {
		data = cfg_get(vc->val, data_pos, 4);
		if (pci_write_vpd(vdev->pdev, addr & ~PCI_VPD_ADDR_F, 4,
				  &data) != 4)
			return 0;
	} else {
		data = 0;
		if (pci_read_vpd(vdev->pdev, addr, 4, &data) < 0)
			return 0;
		cfg_put(vc->val, data_pos, 4, data);
	}
	/* Completion is signalled by the flag flipping; a failure never does. */
	cfg_put(vc->val, addr_pos, 2, addr ^ PCI_VPD_ADDR_F);
	return 0;
}

static const struct vfio_pci_cfg_kind cfg_kind_vpd = {
	.perms = cfg_vpd_perms,
	.write = cfg_vpd_write,
};

/* --- PCI-X --- */

static void cfg_pcix_perms(struct vfio_pci_vconfig *vc,
			   const struct vfio_pci_cfg_block *blk)
{
	cfg_cap_header_perms(vc, blk);
	cfg_perm(vc, blk, PCI_X_CMD, 2, 0, 0xffff);
	cfg_perm(vc, blk, PCI_X_ECC_CSR, 4, 0, U32_MAX);
}

static const struct vfio_pci_cfg_kind cfg_kind_pcix = {
	.perms = cfg_pcix_perms,
};

/* --- PCI Express --- */

static void cfg_exp_perms(struct vfio_pci_vconfig *vc,
			  const struct vfio_pci_cfg_block *blk)
{
	cfg_cap_header_perms(vc, blk);
	/*
	 * Phantom functions would confuse the IOMMU, and MPS must agree with
	 * the rest of the hierarchy: the user may not change them.  FLR and
	 * the max read request size are acted upon by us.  ARI forwarding
	 * is the host's business.
	 */
	cfg_perm(vc, blk, PCI_EXP_DEVCTL, 2,
		 PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_PAYLOAD |
		 PCI_EXP_DEVCTL_READRQ,
		 (u16)~PCI_EXP_DEVCTL_PHANTOM);
	cfg_perm(vc, blk, PCI_EXP_DEVCTL2, 2, 0, (u16)~PCI_EXP_DEVCTL2_ARI);
}

static int cfg_exp_write(struct vfio_pci_core_device *vdev,
			 const struct vfio_pci_cfg_block *blk,
			 unsigned int pos, unsigned int len, u32 in)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	unsigned int ctl_pos = blk->start + PCI_EXP_DEVCTL;
	u16 old = cfg_val16(vc, ctl_pos), ctl;
	u32 devcap;
	int ret, mrrs;

	ret = cfg_plain_write(vdev, pos, len, in);
	if (ret || !cfg_covers(pos, len, ctl_pos))
		return ret;

	ctl = cfg_val16(vc, ctl_pos);
	if (ctl & PCI_EXP_DEVCTL_BCR_FLR) {
		/* The bit always reads as zero. */
		ctl &= ~PCI_EXP_DEVCTL_BCR_FLR;
		cfg_put(vc->val, ctl_pos, 2, ctl);
		if (!pci_user_read_config_dword(vdev->pdev,
						blk->start + PCI_EXP_DEVCAP,
						&devcap) &&
		    devcap & PCI_EXP_DEVCAP_FLR)
			cfg_user_flr(vdev);
	}

	/*
	 * Pass a new max read request size on, but never below the payload
	 * size the host configured: a user that cannot see the topology may
	 * pick a safe but slow value.
	 */
	if ((ctl ^ old) & PCI_EXP_DEVCTL_READRQ) {
		mrrs = 128 << ((ctl & PCI_EXP_DEVCTL_READRQ) >> 12);
		pcie_set_readrq(vdev->pdev,
				max(mrrs, pcie_get_mps(vdev->pdev)));
	}
	return 0;
}

static const struct vfio_pci_cfg_kind cfg_kind_exp = {
	.perms = cfg_exp_perms,
	.write = cfg_exp_write,
};

/* --- Advanced features (conventional PCI FLR) --- */

static void cfg_af_perms(struct vfio_pci_vconfig *vc,
			 const struct vfio_pci_cfg_block *blk)
{
	cfg_cap_header_perms(vc, blk);
	cfg_perm(vc, blk, PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR, PCI_AF_CTRL_FLR);
}

static int cfg_af_write(struct vfio_pci_core_device *vdev,
			const struct vfio_pci_cfg_block *blk,
			unsigned int pos, unsigned int len, u32 in)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	unsigned int ctl_pos = blk->start + PCI_AF_CTRL;
	u8 cap;
	int ret;

	ret = cfg_plain_write(vdev, pos, len, in);
	if (ret || !(vc->val[ctl_pos] & PCI_AF_CTRL_FLR))
		return ret;

	vc->val[ctl_pos] &= ~PCI_AF_CTRL_FLR;
	if (!pci_user_read_config_byte(vdev->pdev, blk->start + PCI_AF_CAP,
				       &cap) &&
	    (cap & PCI_AF_CAP_FLR) && (cap & PCI_AF_CAP_TP))
		cfg_user_flr(vdev);
	return 0;
}

static const struct vfio_pci_cfg_kind cfg_kind_af = {
	.perms = cfg_af_perms,
	.write = cfg_af_write,
};

/* --- MSI: fully virtual, the user enables it with SET_IRQS --- */

static void cfg_msi_perms(struct vfio_pci_vconfig *vc,
			  const struct vfio_pci_cfg_block *blk)
{
	u16 flags = cfg_val16(vc, blk->start + PCI_MSI_FLAGS);
	unsigned int data, mask;

	cfg_cap_header_perms(vc, blk);
	/*
	 * The upper byte of the flags is read-only or reserved.  Multiple
	 * Message Capable keeps what the function reported at open, so the
	 * user can size its MSI setup before enabling anything.  Deliberately
	 * unlike 6.12, which shows 0 there until the first enable and lets
	 * the user write its copy: QEMU sizes a guest's MSI from this field,
	 * so with 6.12 a guest gets one vector (tools/testing/vm/expected).
	 */
	cfg_perm(vc, blk, PCI_MSI_FLAGS, 1, 0xff,
		 0xff & ~PCI_MSI_FLAGS_QMASK);
	cfg_perm(vc, blk, PCI_MSI_ADDRESS_LO, 4, U32_MAX, U32_MAX);
	if (flags & PCI_MSI_FLAGS_64BIT) {
		cfg_perm(vc, blk, PCI_MSI_ADDRESS_HI, 4, U32_MAX, U32_MAX);
		data = PCI_MSI_DATA_64;
		mask = PCI_MSI_MASK_64;
	} else {
		data = PCI_MSI_DATA_32;
		mask = PCI_MSI_MASK_32;
	}
	cfg_perm(vc, blk, data, 2, 0xffff, 0xffff);
	/* Per vector masking goes to the device, like any other register. */
	if (flags & PCI_MSI_FLAGS_MASKBIT) {
		cfg_perm(vc, blk, mask, 4, 0, U32_MAX);
		cfg_perm(vc, blk, mask + 4, 4, 0, U32_MAX);
	}
}

static int cfg_msi_write(struct vfio_pci_core_device *vdev,
			 const struct vfio_pci_cfg_block *blk,
			 unsigned int pos, unsigned int len, u32 in)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	unsigned int flags_pos = blk->start + PCI_MSI_FLAGS;
	u8 qmax = READ_ONCE(vdev->msi_qmax);
	u16 flags;
	int ret;

	ret = cfg_plain_write(vdev, pos, len, in);
	if (ret || !cfg_covers(pos, len, flags_pos))
		return ret;

	flags = cfg_val16(vc, flags_pos);
	if (READ_ONCE(vdev->irq_type) != VFIO_PCI_MSI_IRQ_INDEX)
		flags &= ~PCI_MSI_FLAGS_ENABLE;
	if (FIELD_GET(PCI_MSI_FLAGS_QSIZE, flags) > qmax) {
		flags &= ~PCI_MSI_FLAGS_QSIZE;
		flags |= FIELD_PREP(PCI_MSI_FLAGS_QSIZE, qmax);
	}
	cfg_put(vc->val, flags_pos, 2, flags);
	return 0;
}

static const struct vfio_pci_cfg_kind cfg_kind_msi = {
	.perms = cfg_msi_perms,
	.write = cfg_msi_write,
	.quiet = true,
};

/* --- Extended capabilities --- */

static void cfg_ecap_header_perms(struct vfio_pci_vconfig *vc,
				  const struct vfio_pci_cfg_block *blk)
{
	cfg_perm(vc, blk, 0, 4, U32_MAX, 0);
}

static const struct vfio_pci_cfg_kind cfg_kind_ecap_ro = {
	.perms = cfg_ecap_header_perms,
};

static void cfg_ecap_vndr_perms(struct vfio_pci_vconfig *vc,
				const struct vfio_pci_cfg_block *blk)
{
	memset(vc->wmask + blk->start, 0xff, blk->len);
	cfg_ecap_header_perms(vc, blk);
}

static const struct vfio_pci_cfg_kind cfg_kind_ecap_vndr = {
	.perms = cfg_ecap_vndr_perms,
};

static void cfg_aer_perms(struct vfio_pci_vconfig *vc,
			  const struct vfio_pci_cfg_block *blk)
{
	const u32 unc = PCI_ERR_UNC_UND | PCI_ERR_UNC_DLP |
			PCI_ERR_UNC_SURPDN | PCI_ERR_UNC_POISON_TLP |
			PCI_ERR_UNC_FCP | PCI_ERR_UNC_COMP_TIME |
			PCI_ERR_UNC_COMP_ABORT | PCI_ERR_UNC_UNX_COMP |
			PCI_ERR_UNC_RX_OVER | PCI_ERR_UNC_MALF_TLP |
			PCI_ERR_UNC_ECRC | PCI_ERR_UNC_UNSUP |
			PCI_ERR_UNC_ACSV | PCI_ERR_UNC_INTN |
			PCI_ERR_UNC_MCBTLP | PCI_ERR_UNC_ATOMEG |
			PCI_ERR_UNC_TLPPRE;
	const u32 cor = PCI_ERR_COR_RCVR | PCI_ERR_COR_BAD_TLP |
			PCI_ERR_COR_BAD_DLLP | PCI_ERR_COR_REP_ROLL |
			PCI_ERR_COR_REP_TIMER | PCI_ERR_COR_ADV_NFAT |
			PCI_ERR_COR_INTERNAL | PCI_ERR_COR_LOG_OVER;

	cfg_ecap_header_perms(vc, blk);
	cfg_perm(vc, blk, PCI_ERR_UNCOR_STATUS, 4, 0, unc);
	cfg_perm(vc, blk, PCI_ERR_UNCOR_MASK, 4, 0, unc);
	cfg_perm(vc, blk, PCI_ERR_UNCOR_SEVER, 4, 0, unc);
	cfg_perm(vc, blk, PCI_ERR_COR_STATUS, 4, 0, cor);
	cfg_perm(vc, blk, PCI_ERR_COR_MASK, 4, 0, cor);
	cfg_perm(vc, blk, PCI_ERR_CAP, 4, 0,
		 PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE);
}

static const struct vfio_pci_cfg_kind cfg_kind_aer = {
	.perms = cfg_aer_perms,
};

static void cfg_pwr_perms(struct vfio_pci_vconfig *vc,
			  const struct vfio_pci_cfg_block *blk)
{
	cfg_ecap_header_perms(vc, blk);
	/* Selecting which budget entry to read is harmless. */
	cfg_perm(vc, blk, PCI_PWR_DSR, 1, 0, 0xff);
}

static const struct vfio_pci_cfg_kind cfg_kind_pwr = {
	.perms = cfg_pwr_perms,
};

/* --- Discovering the capabilities --- */

static int cfg_hw_byte(struct pci_dev *pdev, unsigned int pos, u8 *b)
{
	return pcibios_err_to_errno(pci_read_config_byte(pdev, pos, b));
}

static int cfg_hw_dword(struct pci_dev *pdev, unsigned int pos, u32 *d)
{
	return pcibios_err_to_errno(pci_read_config_dword(pdev, pos, d));
}

/* Extended capabilities are looked at only behind PCIe or PCI-X 2.0. */
static void cfg_probe_ecaps(struct vfio_pci_core_device *vdev)
{
	u32 first = 0;

	if (vdev->pdev->cfg_size <= PCI_CFG_SPACE_SIZE)
		return;
	cfg_hw_dword(vdev->pdev, PCI_CFG_SPACE_SIZE, &first);
	vdev->cfg->has_ecaps = first != 0;
}

/* Returns the length of the MSI capability from its flags. */
static int cfg_msi_len(u16 flags)
{
	int len = 10;

	if (flags & PCI_MSI_FLAGS_64BIT)
		len += 4;
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		len += 10;
	return len;
}

static int cfg_exp_len(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	bool rc_end = pci_pcie_type(pdev) == PCI_EXP_TYPE_RC_END;

	cfg_probe_ecaps(vdev);
	if ((pcie_caps_reg(pdev) & PCI_EXP_FLAGS_VERS) == 1)
		return rc_end ? PCI_CAP_EXP_RC_ENDPOINT_SIZEOF_V1 :
				PCI_CAP_EXP_ENDPOINT_SIZEOF_V1;
	return rc_end ? PCI_CAP_EXP_RC_ENDPOINT_SIZEOF_V2 :
			PCI_CAP_EXP_ENDPOINT_SIZEOF_V2;
}

/*
 * Length and kind of the standard capability at @pos, whose first dword
 * is @hdr (ID, next pointer, and the 16 bits most capabilities keep their
 * flags or length in); a length of zero hides it (unknown, or only
 * meaningful to the host: bridges, hot swap, debug).
 */
static int cfg_std_cap(struct vfio_pci_core_device *vdev, u32 hdr,
		       unsigned int pos,
		       const struct vfio_pci_cfg_kind **kind)
{
	struct pci_dev *pdev = vdev->pdev;
	u16 flags = hdr >> 16;
	u8 b;
	int ret;

	*kind = &cfg_kind_ro;
	switch (hdr & 0xff) {
	case PCI_CAP_ID_PM:
		*kind = &cfg_kind_pm;
		return PCI_PM_SIZEOF;
	case PCI_CAP_ID_AGP:
		return PCI_AGP_SIZEOF;
	case PCI_CAP_ID_VPD:
		*kind = &cfg_kind_vpd;
		return PCI_CAP_VPD_SIZEOF;
	case PCI_CAP_ID_MSI:
		*kind = &cfg_kind_msi;
		return cfg_msi_len(flags);	/* PCI_MSI_FLAGS */
	case PCI_CAP_ID_PCIX:
		*kind = &cfg_kind_pcix;
		if (!PCI_X_CMD_VERSION(flags))	/* PCI_X_CMD */
			return PCI_CAP_PCIX_SIZEOF_V0;
		cfg_probe_ecaps(vdev);
		return PCI_CAP_PCIX_SIZEOF_V2;
	case PCI_CAP_ID_HT:
		/* the capability type, in the byte at offset 3 */
		return (flags >> 8 & HT_3BIT_CAP_MASK) ? HT_CAP_SIZEOF_SHORT :
							  HT_CAP_SIZEOF_LONG;
	case PCI_CAP_ID_VNDR:
		*kind = &cfg_kind_vndr;
		return flags & 0xff;		/* length, at PCI_CAP_FLAGS */
	case PCI_CAP_ID_EXP:
		*kind = &cfg_kind_exp;
		return cfg_exp_len(vdev);
	case PCI_CAP_ID_MSIX:
		return PCI_CAP_MSIX_SIZEOF;
	case PCI_CAP_ID_SATA:
		ret = cfg_hw_byte(pdev, pos + PCI_SATA_REGS, &b);
		if (ret)
			return ret;
		return (b & PCI_SATA_REGS_MASK) == PCI_SATA_REGS_INLINE ?
			PCI_SATA_SIZEOF_LONG : PCI_SATA_SIZEOF_SHORT;
	case PCI_CAP_ID_AF:
		*kind = &cfg_kind_af;
		return PCI_CAP_AF_SIZEOF;
	default:
		return 0;
	}
}

static int cfg_vc_len(struct pci_dev *pdev, unsigned int pos)
{
	u32 cap1, cap2;
	int len, phases = 0;

	if (cfg_hw_dword(pdev, pos + PCI_VC_PORT_CAP1, &cap1) ||
	    cfg_hw_dword(pdev, pos + PCI_VC_PORT_CAP2, &cap2))
		return -EIO;

	len = PCI_CAP_VC_BASE_SIZEOF +
	      (1 + (cap1 & PCI_VC_CAP1_EVCC)) * PCI_CAP_VC_PER_VC_SIZEOF;
	if (cap2 & PCI_VC_CAP2_128_PHASE)
		phases = 128;
	else if (cap2 & PCI_VC_CAP2_64_PHASE)
		phases = 64;
	else if (cap2 & PCI_VC_CAP2_32_PHASE)
		phases = 32;
	/* The arbitration table: 4 bits per phase, never user writable. */
	if (phases)
		len = round_up(len, 16) + phases / 2;
	return len;
}

/* Like cfg_std_cap() for extended capabilities. */
static int cfg_ext_cap(struct vfio_pci_core_device *vdev, u16 id,
		       unsigned int pos,
		       const struct vfio_pci_cfg_kind **kind)
{
	struct pci_dev *pdev = vdev->pdev;
	u32 d;
	u8 b;
	int bits;

	*kind = &cfg_kind_ecap_ro;
	switch (id) {
	case PCI_EXT_CAP_ID_ERR:
		*kind = &cfg_kind_aer;
		return PCI_ERR_ROOT_COMMAND;
	case PCI_EXT_CAP_ID_VC:
	case PCI_EXT_CAP_ID_VC9:
	case PCI_EXT_CAP_ID_MFVC:
		return cfg_vc_len(pdev, pos);
	case PCI_EXT_CAP_ID_DSN:
		return PCI_EXT_CAP_DSN_SIZEOF;
	case PCI_EXT_CAP_ID_PWR:
		*kind = &cfg_kind_pwr;
		return PCI_EXT_CAP_PWR_SIZEOF;
	case PCI_EXT_CAP_ID_VNDR:
		*kind = &cfg_kind_ecap_vndr;
		if (cfg_hw_dword(pdev, pos + PCI_VSEC_HDR, &d))
			return -EIO;
		return d >> PCI_VSEC_HDR_LEN_SHIFT;
	case PCI_EXT_CAP_ID_ACS:
		if (cfg_hw_byte(pdev, pos + PCI_ACS_CAP, &b))
			return -EIO;
		if (!(b & PCI_ACS_EC))
			return 8;
		if (cfg_hw_byte(pdev, pos + PCI_ACS_EGRESS_BITS, &b))
			return -EIO;
		bits = b ? round_up(b, 32) : 256;
		return 8 + bits / 8;
	case PCI_EXT_CAP_ID_ARI:
		return PCI_EXT_CAP_ARI_SIZEOF;
	case PCI_EXT_CAP_ID_ATS:
		return PCI_EXT_CAP_ATS_SIZEOF;
	case PCI_EXT_CAP_ID_SRIOV:
		return PCI_EXT_CAP_SRIOV_SIZEOF;
	case PCI_EXT_CAP_ID_MCAST:
		return PCI_EXT_CAP_MCAST_ENDPOINT_SIZEOF;
	case PCI_EXT_CAP_ID_PRI:
		return PCI_EXT_CAP_PRI_SIZEOF;
	case PCI_EXT_CAP_ID_REBAR:
		if (cfg_hw_byte(pdev, pos + PCI_REBAR_CTRL, &b))
			return -EIO;
		return 4 + 8 * FIELD_GET(PCI_REBAR_CTRL_NBAR_MASK, b);
	case PCI_EXT_CAP_ID_DPA:
		if (cfg_hw_byte(pdev, pos + PCI_DPA_CAP, &b))
			return -EIO;
		return PCI_DPA_BASE_SIZEOF + (b & PCI_DPA_CAP_SUBSTATE_MASK) + 1;
	case PCI_EXT_CAP_ID_TPH:
		if (cfg_hw_dword(pdev, pos + PCI_TPH_CAP, &d))
			return -EIO;
		if ((d & PCI_TPH_CAP_LOC_MASK) != PCI_TPH_LOC_CAP)
			return PCI_TPH_BASE_SIZEOF;
		return PCI_TPH_BASE_SIZEOF + 2 +
		       2 * FIELD_GET(PCI_TPH_CAP_ST_MASK, d);
	case PCI_EXT_CAP_ID_LTR:
		return PCI_EXT_CAP_LTR_SIZEOF;
	case PCI_EXT_CAP_ID_DVSEC:
		*kind = &cfg_kind_ecap_vndr;
		if (cfg_hw_dword(pdev, pos + PCI_DVSEC_HEADER1, &d))
			return -EIO;
		return PCI_DVSEC_HEADER1_LEN(d);
	default:
		return 0;
	}
}

/* Copy @len bytes of hardware config space at @pos into @val. */
static int cfg_snapshot(struct vfio_pci_core_device *vdev, unsigned int pos,
			unsigned int len)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	unsigned int end = pos + len, n;
	u32 v;
	int ret;

	while (pos < end) {
		if (!(pos & 3) && end - pos >= 4)
			n = 4;
		else if (!(pos & 1) && end - pos >= 2)
			n = 2;
		else
			n = 1;
		ret = cfg_hw_read(vdev->pdev, pos, n, &v);
		if (ret)
			return ret;
		cfg_put(vc->val, pos, n, v);
		pos += n;
	}
	return 0;
}

/* An earlier block with bytes in [@pos, @pos + @len), if there is one. */
static const struct vfio_pci_cfg_block *
cfg_overlap(struct vfio_pci_vconfig *vc, unsigned int pos, unsigned int len)
{
	const struct vfio_pci_cfg_block *blk;
	unsigned int n;

	for (n = 0; n < vc->nr_blocks; n++) {
		blk = &vc->blocks[n];
		if (pos < blk->start + blk->len && blk->start < pos + len)
			return blk;
	}
	return NULL;
}

/*
 * Make [@pos, @pos + @len) a block of @kind; @val holds its values.  A
 * block over bytes of an earlier one (a broken capability list) takes
 * them over.
 */
static int cfg_claim(struct vfio_pci_vconfig *vc, u16 id, unsigned int pos,
		     unsigned int len, const struct vfio_pci_cfg_kind *kind)
{
	struct vfio_pci_cfg_block *blk;
	unsigned int n;

	if (vc->nr_blocks == vc->max_blocks) {
		n = vc->max_blocks ? 2 * vc->max_blocks : 16;
		blk = krealloc_array(vc->blocks, n, sizeof(*blk),
				     GFP_KERNEL_ACCOUNT);
		if (!blk)
			return -ENOMEM;
		vc->blocks = blk;
		vc->max_blocks = n;
	}

	blk = &vc->blocks[vc->nr_blocks];
	blk->start = pos;
	blk->len = len;
	blk->id = id;
	blk->kind = kind;
	memset16(&vc->owner[pos], vc->nr_blocks, len);
	vc->nr_blocks++;
	kind->perms(vc, blk);
	return 0;
}

/* Make [@pos, @pos + @len) a block of @kind, reading its current values. */
static int cfg_add_block(struct vfio_pci_core_device *vdev, u16 id,
			 unsigned int pos, unsigned int len,
			 const struct vfio_pci_cfg_kind *kind)
{
	const struct vfio_pci_cfg_block *other;
	int ret;

	ret = cfg_snapshot(vdev, pos, len);
	if (ret)
		return ret;
	other = cfg_overlap(vdev->cfg, pos, len);
	if (other)
		pci_warn(vdev->pdev,
			 "config space capability %#x at %#x overlaps another starting at %#x\n",
			 id, pos, other->start);
	return cfg_claim(vdev->cfg, id, pos, len, kind);
}

/* Walk the standard capability list, unlinking what the user must not see. */
static int cfg_scan_caps(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	const struct vfio_pci_cfg_kind *kind;
	unsigned int link = PCI_CAPABILITY_LIST, shown = 0;
	int budget = (PCI_CFG_SPACE_SIZE - PCI_STD_HEADER_SIZEOF) /
		     PCI_CAP_SIZEOF;
	u8 pos, id, next;
	u32 hdr;
	int len, ret;

	if (!(cfg_val16(vc, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;

	pos = vc->val[PCI_CAPABILITY_LIST] & ~3;
	while (pos >= PCI_STD_HEADER_SIZEOF && budget--) {
		/* ID, next and flags in one read: @pos is dword aligned */
		ret = cfg_hw_dword(vdev->pdev, pos, &hdr);
		if (ret)
			return ret;
		id = hdr & 0xff;
		next = (hdr >> 8) & 0xfc;

		len = cfg_std_cap(vdev, hdr, pos, &kind);
		if (len < 0)
			return len;
		len = min_t(int, len, PCI_CFG_SPACE_SIZE - pos);
		if (len < PCI_CAP_SIZEOF) {
			pci_dbg(vdev->pdev, "hiding capability %#x at %#x\n",
				id, pos);
			vc->val[link] = next;
			pos = next;
			continue;
		}

		ret = cfg_add_block(vdev, id, pos, len, kind);
		if (ret)
			return ret;
		/* The block's next byte is what the hardware has: fine. */
		link = pos + PCI_CAP_LIST_NEXT;
		vc->val[link] = next;
		pos = next;
		shown++;
	}
	/* Whatever stopped the walk (a bogus pointer too) ends the list. */
	if (pos)
		vc->val[link] = 0;

	if (!shown)
		cfg_put(vc->val, PCI_STATUS, 2,
			cfg_val16(vc, PCI_STATUS) & ~PCI_STATUS_CAP_LIST);
	return 0;
}

static void cfg_set_ecap_next(struct vfio_pci_vconfig *vc, unsigned int hdr,
			      unsigned int next)
{
	u32 v = cfg_get(vc->val, hdr, 4) & ~(0xfffU << 20);

	cfg_put(vc->val, hdr, 4, v | (next << 20));
}

/*
 * Walk the extended list.  Hidden capabilities are unlinked; the list
 * must start at 0x100 though, so a hidden first one leaves a header with
 * ID and version zero that still points to the next one.
 */
static int cfg_scan_ecaps(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	const struct vfio_pci_cfg_kind *kind;
	unsigned int pos = PCI_CFG_SPACE_SIZE, prev = 0, shown = 0;
	int budget = (vc->size - PCI_CFG_SPACE_SIZE) / PCI_CAP_SIZEOF;
	u32 hdr;
	int len, ret;

	if (!vc->has_ecaps)
		return 0;

	while (pos >= PCI_CFG_SPACE_SIZE && budget--) {
		ret = cfg_hw_dword(vdev->pdev, pos, &hdr);
		if (ret)
			return ret;

		len = cfg_ext_cap(vdev, PCI_EXT_CAP_ID(hdr), pos, &kind);
		if (len < 0)
			return len;
		len = min_t(int, len, vc->size - pos);

		if (len < PCI_CAP_SIZEOF && prev) {
			pci_dbg(vdev->pdev, "hiding ext capability %#x at %#x\n",
				PCI_EXT_CAP_ID(hdr), pos);
			cfg_set_ecap_next(vc, prev, PCI_EXT_CAP_NEXT(hdr));
			pos = PCI_EXT_CAP_NEXT(hdr);
			continue;
		}

		ret = cfg_add_block(vdev, PCI_EXT_CAP_ID(hdr), pos,
				    max_t(int, len, PCI_CAP_SIZEOF), kind);
		if (ret)
			return ret;

		if (len < PCI_CAP_SIZEOF)	/* hidden, but first: a stub */
			cfg_put(vc->val, pos, 4, hdr & (0xfffU << 20));
		else
			shown++;
		prev = pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}

	if (!shown)
		cfg_put(vc->val, PCI_CFG_SPACE_SIZE, 4, 0);
	return 0;
}

/* Devices known to report an INTx pin on their VFs, against the spec. */
static const struct pci_device_id cfg_vf_pin_quirks[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_INTEL, 0x270c) },
	{}
};

/*
 * The header's values.  pci_save_state() read all of it at the end of the
 * reset, a moment ago: take them from its copy rather than read the 16
 * dwords again (on real hardware a config read takes about a
 * microsecond).  Only the command register may have been written since
 * (vfio_pci_probe_intx()): read that one again.
 */
static int cfg_header_values(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	unsigned int i;
	u32 cmd;
	int ret;

	BUILD_BUG_ON(sizeof(pdev->saved_config_space) != PCI_STD_HEADER_SIZEOF);
	if (!pdev->state_saved)
		return cfg_snapshot(vdev, 0, PCI_STD_HEADER_SIZEOF);
	for (i = 0; i < PCI_STD_HEADER_SIZEOF / 4; i++)
		cfg_put(vdev->cfg->val, 4 * i, 4, pdev->saved_config_space[i]);
	ret = cfg_hw_read(pdev, PCI_COMMAND, 2, &cmd);
	if (!ret)
		cfg_put(vdev->cfg->val, PCI_COMMAND, 2, cmd);
	return ret;
}

static int cfg_init_header(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	struct pci_dev *pdev = vdev->pdev;
	int bar, ret;

	ret = cfg_header_values(vdev);
	if (!ret)
		ret = cfg_claim(vc, 0, 0, PCI_STD_HEADER_SIZEOF,
				&cfg_kind_basic);
	if (ret)
		return ret;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		vc->host_bar[bar] = cfg_get(vc->val, PCI_BASE_ADDRESS_0 + 4 * bar,
					    4);
	vc->host_rom = cfg_get(vc->val, PCI_ROM_ADDRESS, 4);
	vc->bars_stale = true;

	if (pdev->is_virtfn) {
		/* VFs read 0xffff here; show what the PCI core found. */
		cfg_put(vc->val, PCI_VENDOR_ID, 2, pdev->vendor);
		cfg_put(vc->val, PCI_DEVICE_ID, 2, pdev->device);
		/* A VF's pin must read as zero (SR-IOV spec 3.4.1.18). */
		if (vc->val[PCI_INTERRUPT_PIN] &&
		    !pci_match_id(cfg_vf_pin_quirks, pdev))
			pci_warn(pdev, "VF reports an INTx pin (%d), hiding it\n",
				 vc->val[PCI_INTERRUPT_PIN]);
		vc->val[PCI_INTERRUPT_PIN] = 0;
	}

	/* The memory enable bit these functions lack starts out "on". */
	if (pdev->no_command_memory)
		cfg_put(vc->val, PCI_COMMAND, 2,
			cfg_val16(vc, PCI_COMMAND) | PCI_COMMAND_MEMORY);

	if (!IS_ENABLED(CONFIG_VFIO_PCI_INTX) || vdev->nointx ||
	    pdev->irq == IRQ_NOTCONNECTED)
		vc->val[PCI_INTERRUPT_PIN] = 0;
	return 0;
}

/*
 * Find the dwords whose reads need no @lock, once the masks are final:
 * all but those a block's edge cuts (bytes of two owners, unlike any
 * access of the locked path), those of blocks whose hooks are not quiet,
 * and those holding a virtualized byte the user can write.  Per block,
 * not per byte: a PCIe function has 1024 dwords, most of them in no block.
 */
static void cfg_mark_quick(struct vfio_pci_vconfig *vc)
{
	const struct vfio_pci_cfg_block *blk;
	const struct vfio_pci_cfg_kind *kind;
	unsigned int n, pos, end;

	bitmap_fill(vc->quick, vc->size / 4);
	for (n = 0; n < vc->nr_blocks; n++) {
		blk = &vc->blocks[n];
		kind = blk->kind;
		end = blk->start + blk->len;
		if (blk->start & 3)
			__clear_bit(blk->start / 4, vc->quick);
		if (end & 3)
			__clear_bit(end / 4, vc->quick);
		if (!kind->quiet && (kind->read || kind->write)) {
			bitmap_clear(vc->quick, blk->start / 4,
				     DIV_ROUND_UP(end, 4) - blk->start / 4);
			continue;
		}
		for (pos = blk->start; pos < end; pos++)
			if (vc->virt[pos] && vc->wmask[pos])
				__clear_bit(pos / 4, vc->quick);
	}
}

/* An empty virtual config space of @size bytes: no blocks, no owners. */
static struct vfio_pci_vconfig *cfg_alloc(unsigned int size)
{
	struct vfio_pci_vconfig *vc;

	/* @owner first, where the u16s are aligned; then the byte arrays. */
	vc = kzalloc(sizeof(*vc) + size * (sizeof(*vc->owner) + 3),
		     GFP_KERNEL_ACCOUNT);
	if (!vc)
		return NULL;
	mutex_init(&vc->lock);
	vc->size = size;
	vc->owner = (u16 *)(vc + 1);
	vc->val = (u8 *)(vc->owner + size);
	vc->virt = vc->val + size;
	vc->wmask = vc->virt + size;
	memset(vc->owner, 0xff, size * sizeof(*vc->owner));
	return vc;
}

/**
 * vfio_pci_config_init - build the virtual config space of an opening device
 * @vdev: the device, enabled and reset
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_config_init(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vconfig *vc;
	int ret;

	vc = cfg_alloc(vdev->pdev->cfg_size);
	if (!vc)
		return -ENOMEM;
	vdev->cfg = vc;

	ret = cfg_init_header(vdev);
	if (!ret)
		ret = cfg_scan_caps(vdev);
	if (!ret)
		ret = cfg_scan_ecaps(vdev);
	if (ret) {
		vfio_pci_config_free(vdev);
		return ret;
	}
	cfg_mark_quick(vc);
	vfio_pci_config_publish(vdev);
	return 0;
}

void vfio_pci_config_free(struct vfio_pci_core_device *vdev)
{
	vdev->intx_pin = 0;
	vdev->virt_memory = false;
	if (!vdev->cfg)
		return;
	mutex_destroy(&vdev->cfg->lock);
	kfree(vdev->cfg->blocks);
	kfree(vdev->cfg);
	vdev->cfg = NULL;
}

/*
 * Bytes from @pos that one access may cover: up to the end of the dword,
 * and not past the block @pos belongs to.
 */
static unsigned int cfg_chunk(struct vfio_pci_vconfig *vc, unsigned int pos,
			      size_t count)
{
	unsigned int n = 1;

	while (n < count && (pos + n) & 3 &&
	       vc->owner[pos + n] == vc->owner[pos])
		n++;
	if (n == 4)
		return 4;
	if (n >= 2 && !(pos & 1))
		return 2;
	return 1;
}

/* An aligned 1, 2 or 4 byte read inside a dword marked in @quick? */
static bool cfg_read_is_quick(struct vfio_pci_vconfig *vc, unsigned int pos,
			      size_t count)
{
	if (count != 4 && count != 2 && count != 1)
		return false;
	return !(pos & (count - 1)) && test_bit(pos / 4, vc->quick);
}

static int cfg_access(struct vfio_pci_core_device *vdev, unsigned int pos,
		      unsigned int len, u32 *val, bool iswrite)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	const struct vfio_pci_cfg_block *blk;

	lockdep_assert_held(&vc->lock);

	if (vc->owner[pos] == CFG_NO_OWNER) {
		if (iswrite)
			return cfg_hw_write(vdev->pdev, pos, len, *val);
		return cfg_hw_read(vdev->pdev, pos, len, val);
	}

	blk = &vc->blocks[vc->owner[pos]];
	if (iswrite)
		return blk->kind->write ?
		       blk->kind->write(vdev, blk, pos, len, *val) :
		       cfg_plain_write(vdev, pos, len, *val);
	return blk->kind->read ? blk->kind->read(vdev, blk, pos, len, val) :
				 cfg_plain_read(vdev, pos, len, val);
}

/**
 * vfio_pci_config_rw - read(2)/write(2) on the config space region
 * @vdev: the open device
 * @buf: user buffer
 * @count: bytes
 * @ppos: file position, region index in the top bits
 * @iswrite: direction
 *
 * The access is split at dword and capability boundaries; each piece is
 * done as one naturally aligned 1, 2 or 4 byte access.
 *
 * Return: bytes done, or a negative errno (-EFAULT for an access not
 * entirely inside config space).
 */
ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vdev,
			   char __user *buf, size_t count, loff_t *ppos,
			   bool iswrite)
{
	struct vfio_pci_vconfig *vc = vdev->cfg;
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK;
	size_t done = 0;
	unsigned int n;
	u8 bytes[4];
	u32 val;
	int ret;

	if (pos >= vc->size || count > vc->size - pos)
		return -EFAULT;

	if (!iswrite && cfg_read_is_quick(vc, pos, count)) {
		ret = cfg_plain_read(vdev, pos, count, &val);
		if (ret)
			return ret;
		cfg_put(bytes, 0, count, val);
		if (copy_to_user(buf, bytes, count))
			return -EFAULT;
		*ppos += count;
		return count;
	}

	while (done < count) {
		n = cfg_chunk(vc, pos, count - done);
		if (iswrite) {
			if (copy_from_user(bytes, buf + done, n))
				return -EFAULT;
			val = cfg_get(bytes, 0, n);
		}

		mutex_lock(&vc->lock);
		ret = cfg_access(vdev, pos, n, &val, iswrite);
		mutex_unlock(&vc->lock);
		if (ret)
			return ret;

		if (!iswrite) {
			cfg_put(bytes, 0, n, val);
			if (copy_to_user(buf + done, bytes, n))
				return -EFAULT;
		}
		pos += n;
		done += n;
	}

	*ppos += done;
	return done;
}

/**
 * vfio_pci_core_range_intersect_range - overlap of an access and a register
 * @access: offset of the access
 * @access_len: bytes of the access
 * @reg: offset of the register
 * @reg_len: bytes of the register
 * @access_skip: set to how far into the access the overlap begins
 * @overlap: set to the length of the overlap
 * @reg_skip: set to how far into the register the overlap begins
 *
 * For variant drivers that emulate a few registers of a region.
 *
 * Return: true, with the outputs set, when the ranges overlap.
 */
bool vfio_pci_core_range_intersect_range(loff_t access, size_t access_len,
					 loff_t reg, size_t reg_len,
					 loff_t *access_skip, size_t *overlap,
					 size_t *reg_skip)
{
	loff_t first = max(access, reg);
	loff_t past = min_t(loff_t, access + access_len, reg + reg_len);

	if (past <= first)
		return false;
	*overlap = past - first;
	*access_skip = first - access;
	*reg_skip = first - reg;
	return true;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_range_intersect_range);

#if IS_ENABLED(CONFIG_VFIO_KUNIT_TEST)
static void cfg_test_perms(struct vfio_pci_vconfig *vc,
			   const struct vfio_pci_cfg_block *blk)
{
}

static int cfg_test_read(struct vfio_pci_core_device *vdev,
			 const struct vfio_pci_cfg_block *blk, unsigned int pos,
			 unsigned int len, u32 *val)
{
	return -EIO;
}

/* The three sorts of block cfg_mark_quick() tells apart. */
static const struct vfio_pci_cfg_kind cfg_test_kinds[] = {
	{ .perms = cfg_test_perms },
	{ .perms = cfg_test_perms, .read = cfg_test_read, .quiet = true },
	{ .perms = cfg_test_perms, .read = cfg_test_read },
};

/* The rule at the top of this file, for one byte. */
static bool cfg_test_byte_is_fixed(struct vfio_pci_vconfig *vc,
				   unsigned int pos)
{
	const struct vfio_pci_cfg_kind *kind;

	if (vc->owner[pos] == CFG_NO_OWNER)
		return true;
	if (vc->virt[pos] && vc->wmask[pos])
		return false;
	kind = vc->blocks[vc->owner[pos]].kind;
	return kind->quiet || (!kind->read && !kind->write);
}

/**
 * vfio_pci_cfg_test_quick - check cfg_mark_quick() on a made-up layout
 * @size: bytes of config space (PCI_CFG_SPACE_SIZE or _EXP_SIZE)
 * @seed: chooses the layout: 1 to 16 blocks of any sort and of 1 to 64
 *	bytes, anywhere, and scattered virtualized and writable bytes
 * @overlap: blocks may overlap (a broken capability list), or they are
 *	apart, with gaps of 0 to 23 bytes, as in a sane one
 *
 * A dword may be read without the lock when its four bytes have one
 * owner (or none) and each byte is fixed by the rule above.  Where blocks
 * overlap, cfg_mark_quick() may leave out more dwords than the rule
 * allows, never mark one the rule forbids; otherwise it must agree.
 *
 * Return: how many dwords break that, or -ENOMEM.
 */
VISIBLE_IF_KUNIT int vfio_pci_cfg_test_quick(unsigned int size, u32 seed,
					     bool overlap)
{
	struct vfio_pci_vconfig *vc = cfg_alloc(size);
	unsigned int i, n, pos = 0, len, wrong = 0;
	struct rnd_state rnd;
	bool fixed, marked;
	int ret = 0;
	u32 r;

	if (!vc)
		return -ENOMEM;
	prandom_seed_state(&rnd, seed);
	n = 1 + prandom_u32_state(&rnd) % 16;
	for (i = 0; i < n && !ret; i++) {
		if (overlap)
			pos = prandom_u32_state(&rnd) % size;
		else
			pos += prandom_u32_state(&rnd) % 24;
		len = 1 + prandom_u32_state(&rnd) % 64;
		if (pos >= size || (!overlap && len > size - pos))
			break;
		len = min(len, size - pos);
		r = prandom_u32_state(&rnd) % ARRAY_SIZE(cfg_test_kinds);
		ret = cfg_claim(vc, i, pos, len, &cfg_test_kinds[r]);
		pos += len;
	}
	for (pos = 0; pos < size; pos++) {
		r = prandom_u32_state(&rnd);
		vc->virt[pos] = r % 8 ? 0 : 0x0f;
		vc->wmask[pos] = r & 0x100 ? 0x01 : 0;
	}
	if (!ret) {
		cfg_mark_quick(vc);
		for (pos = 0; pos < size; pos += 4) {
			fixed = true;
			for (i = 0; i < 4; i++)
				fixed = fixed &&
					vc->owner[pos + i] == vc->owner[pos] &&
					cfg_test_byte_is_fixed(vc, pos + i);
			marked = test_bit(pos / 4, vc->quick);
			wrong += marked && !fixed;
			wrong += !overlap && fixed && !marked;
		}
	}
	kfree(vc->blocks);
	kfree(vc);
	return ret ?: wrong;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_pci_cfg_test_quick);
#endif
