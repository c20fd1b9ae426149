// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_EEH_PE_OP: EEH (Enhanced Error Handling) of the partitionable
 * endpoints behind the container's groups.
 *
 * On POWER an error on a PCI device freezes its whole PE; the owner of the
 * device (a guest, through QEMU) sees the freeze and drives recovery
 * itself.  vfio-pci tells EEH when a device is passed through
 * (eeh_dev_open()), so the host's recovery leaves the PE alone, and this
 * ioctl hands the recovery steps to the user.
 */
#include <linux/iommu.h>
#include <linux/nospec.h>
#include <linux/pci.h>
#include <asm/eeh.h>

#include "spapr.h"

/**
 * spapr_eeh_supported - the answer to VFIO_CHECK_EXTENSION(VFIO_EEH)
 *
 * Return: 1 when the platform's EEH is enabled, else 0.
 */
long spapr_eeh_supported(void)
{
	return eeh_enabled();
}

#if IS_ENABLED(CONFIG_EEH)
/* What each VFIO_EEH_PE_* operation asks of the EEH core. */
enum spapr_eeh_call { SPAPR_EEH_NONE, SPAPR_EEH_OPTION, SPAPR_EEH_STATE,
		      SPAPR_EEH_RESET, SPAPR_EEH_CONFIGURE, SPAPR_EEH_INJECT };

static const struct {
	u8 call;
	u8 arg;		/* EEH_OPT_* or EEH_RESET_* */
} spapr_eeh_ops[] = {
	[VFIO_EEH_PE_DISABLE]		= { SPAPR_EEH_OPTION, EEH_OPT_DISABLE },
	[VFIO_EEH_PE_ENABLE]		= { SPAPR_EEH_OPTION, EEH_OPT_ENABLE },
	[VFIO_EEH_PE_UNFREEZE_IO]	= { SPAPR_EEH_OPTION, EEH_OPT_THAW_MMIO },
	[VFIO_EEH_PE_UNFREEZE_DMA]	= { SPAPR_EEH_OPTION, EEH_OPT_THAW_DMA },
	[VFIO_EEH_PE_GET_STATE]		= { SPAPR_EEH_STATE },
	[VFIO_EEH_PE_RESET_DEACTIVATE]	= { SPAPR_EEH_RESET, EEH_RESET_DEACTIVATE },
	[VFIO_EEH_PE_RESET_HOT]		= { SPAPR_EEH_RESET, EEH_RESET_HOT },
	[VFIO_EEH_PE_RESET_FUNDAMENTAL]	= { SPAPR_EEH_RESET,
					    EEH_RESET_FUNDAMENTAL },
	[VFIO_EEH_PE_CONFIGURE]		= { SPAPR_EEH_CONFIGURE },
	[VFIO_EEH_PE_INJECT_ERR]	= { SPAPR_EEH_INJECT },
};

/* One operation on one PE; 0 or a state for GET_STATE, or -errno. */
static long spapr_eeh_one(struct eeh_pe *pe, unsigned int call,
			  unsigned int arg, const struct vfio_eeh_pe_err *err)
{
	switch (call) {
	case SPAPR_EEH_OPTION:
		return eeh_pe_set_option(pe, arg);
	case SPAPR_EEH_STATE:
		return eeh_pe_get_state(pe);
	case SPAPR_EEH_RESET:
		/* The user owns every device of the PE: all take the reset. */
		return eeh_pe_reset(pe, arg, true);
	case SPAPR_EEH_CONFIGURE:
		return eeh_pe_configure(pe);
	case SPAPR_EEH_INJECT:
		return eeh_pe_inject_err(pe, err->type, err->func, err->addr,
					 err->mask);
	}
	return -EINVAL;
}

/**
 * spapr_eeh_pe_op - VFIO_EEH_PE_OP on every group of the container
 * @ctr: the container; the core keeps its group list stable
 * @op: the validated kernel copy (argsz covers @op->op, flags are 0)
 *
 * Return: the first non-zero result (a failure, or the VFIO_EEH_PE_STATE_*
 * value of GET_STATE), else 0; -ENODEV for a group with no PE.
 */
long spapr_eeh_pe_op(struct spapr_ctr *ctr, struct vfio_eeh_pe_op *op)
{
	unsigned int call = SPAPR_EEH_NONE, arg = 0;
	struct spapr_grp *g;
	long ret = 0;

	if (op->op < ARRAY_SIZE(spapr_eeh_ops)) {
		unsigned int i = array_index_nospec(op->op,
						    ARRAY_SIZE(spapr_eeh_ops));

		call = spapr_eeh_ops[i].call;
		arg = spapr_eeh_ops[i].arg;
	}
	/* Only injection reads past @op. */
	if (call == SPAPR_EEH_INJECT &&
	    op->argsz < offsetofend(struct vfio_eeh_pe_op, err.mask))
		return -EINVAL;

	list_for_each_entry(g, &ctr->groups, link) {
		struct eeh_pe *pe = eeh_iommu_group_to_pe(g->grp);

		if (!pe)
			return -ENODEV;
		ret = spapr_eeh_one(pe, call, arg, &op->err);
		if (ret)
			return ret;
	}
	return ret;
}
#else
long spapr_eeh_pe_op(struct spapr_ctr *ctr, struct vfio_eeh_pe_op *op)
{
	return -ENODEV;
}
#endif
