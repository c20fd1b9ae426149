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
/* One operation on one PE; 0 or a state for GET_STATE, or -errno. */
static long spapr_eeh_one(struct eeh_pe *pe, const struct vfio_eeh_pe_op *op)
{
	const struct vfio_eeh_pe_err *err = &op->err;

	switch (op->op) {
	case VFIO_EEH_PE_DISABLE:
		return eeh_pe_set_option(pe, EEH_OPT_DISABLE);
	case VFIO_EEH_PE_ENABLE:
		return eeh_pe_set_option(pe, EEH_OPT_ENABLE);
	case VFIO_EEH_PE_UNFREEZE_IO:
		return eeh_pe_set_option(pe, EEH_OPT_THAW_MMIO);
	case VFIO_EEH_PE_UNFREEZE_DMA:
		return eeh_pe_set_option(pe, EEH_OPT_THAW_DMA);
	case VFIO_EEH_PE_GET_STATE:
		return eeh_pe_get_state(pe);
	case VFIO_EEH_PE_RESET_DEACTIVATE:
		return eeh_pe_reset(pe, EEH_RESET_DEACTIVATE, true);
	case VFIO_EEH_PE_RESET_HOT:
		return eeh_pe_reset(pe, EEH_RESET_HOT, true);
	case VFIO_EEH_PE_RESET_FUNDAMENTAL:
		return eeh_pe_reset(pe, EEH_RESET_FUNDAMENTAL, true);
	case VFIO_EEH_PE_CONFIGURE:
		return eeh_pe_configure(pe);
	case VFIO_EEH_PE_INJECT_ERR:
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
	struct spapr_grp *g;
	long ret = 0;

	/* Only injection reads past @op. */
	if (op->op == VFIO_EEH_PE_INJECT_ERR &&
	    op->argsz < offsetofend(struct vfio_eeh_pe_op, err.mask))
		return -EINVAL;

	list_for_each_entry(g, &ctr->groups, link) {
		struct eeh_pe *pe = eeh_iommu_group_to_pe(g->grp);

		if (!pe)
			return -ENODEV;
		ret = spapr_eeh_one(pe, op);
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
