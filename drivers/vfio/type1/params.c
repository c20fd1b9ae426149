// SPDX-License-Identifier: GPL-2.0-only
/*
 * Type1 IOMMU backend: the module parameters that more than one file
 * reads.  A leaf: it uses nothing of the other files.
 */
#include <linux/moduleparam.h>

#include "type1.h"

bool t1_allow_unsafe_interrupts;
module_param_named(allow_unsafe_interrupts, t1_allow_unsafe_interrupts, bool,
		   0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Accept IOMMU groups whose MSIs are not isolated by interrupt remapping (unsafe: a device could raise arbitrary interrupts)");

bool t1_disable_hugepages;
module_param_named(disable_hugepages, t1_disable_hugepages, bool, 0644);
MODULE_PARM_DESC(disable_hugepages,
		 "Map every page separately instead of using IOMMU huge pages");
