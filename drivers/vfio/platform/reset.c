// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resetting platform devices.
 *
 * Nothing on a platform bus says how to reset a device, so the knowledge
 * lives in small reset modules, each registering one function for one
 * device tree compatible string.  At bind time the device's compatible is
 * looked up in the registry; if nobody registered it yet, the module
 * aliased "vfio-reset:COMPAT" is loaded and the lookup repeated.  The
 * module found is pinned for as long as the device stays bound, so the
 * function cannot go away under an open device.
 *
 * On ACPI systems the firmware's _RST method is the reset instead.
 */
#include <linux/acpi.h>
#include <linux/kmod.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include "vfio_platform_private.h"

static LIST_HEAD(vfio_platform_resets);
static DEFINE_MUTEX(vfio_platform_resets_lock);	/* protects the list */

/**
 * __vfio_platform_register_reset - add a reset function to the registry
 * @node: static storage of the caller's module, with @compat, @owner and
 *	@reset filled in (see vfio_platform_register_reset())
 */
void __vfio_platform_register_reset(struct vfio_platform_reset_node *node)
{
	mutex_lock(&vfio_platform_resets_lock);
	list_add_tail(&node->link, &vfio_platform_resets);
	mutex_unlock(&vfio_platform_resets_lock);
}
EXPORT_SYMBOL_GPL(__vfio_platform_register_reset);

/**
 * vfio_platform_unregister_reset - remove a reset function
 * @compat: the compatible string it was registered for
 * @fn: the function
 *
 * Devices using @fn hold a reference on its module, so this only runs once
 * none is bound.
 */
void vfio_platform_unregister_reset(const char *compat,
				    vfio_platform_reset_fn_t fn)
{
	struct vfio_platform_reset_node *node;

	mutex_lock(&vfio_platform_resets_lock);
	list_for_each_entry(node, &vfio_platform_resets, link) {
		if (node->reset == fn && !strcmp(node->compat, compat)) {
			list_del(&node->link);
			break;
		}
	}
	mutex_unlock(&vfio_platform_resets_lock);
}
EXPORT_SYMBOL_GPL(vfio_platform_unregister_reset);

/* Find and pin the reset function for vdev->compat; false if none. */
static bool vfio_platform_reset_lookup(struct vfio_platform_device *vdev)
{
	struct vfio_platform_reset_node *node;

	mutex_lock(&vfio_platform_resets_lock);
	list_for_each_entry(node, &vfio_platform_resets, link) {
		if (strcmp(node->compat, vdev->compat) ||
		    !try_module_get(node->owner))
			continue;
		vdev->reset = node->reset;
		vdev->reset_owner = node->owner;
		break;
	}
	mutex_unlock(&vfio_platform_resets_lock);
	return vdev->reset;
}

#ifdef CONFIG_ACPI
const char *vfio_platform_acpi_hid(struct device *dev)
{
	return acpi_device_hid(ACPI_COMPANION(dev));
}

static bool vfio_platform_acpi_can_reset(struct vfio_platform_device *vdev)
{
	return acpi_has_method(ACPI_HANDLE(vdev->device), "_RST");
}

static int vfio_platform_acpi_reset(struct vfio_platform_device *vdev)
{
	acpi_status status;

	status = acpi_evaluate_object(ACPI_HANDLE(vdev->device), "_RST",
				      NULL, NULL);
	if (ACPI_FAILURE(status)) {
		dev_warn(vdev->device, "_RST failed: %s\n",
			 acpi_format_exception(status));
		return -EINVAL;
	}
	return 0;
}
#else
const char *vfio_platform_acpi_hid(struct device *dev)
{
	return NULL;
}

static bool vfio_platform_acpi_can_reset(struct vfio_platform_device *vdev)
{
	return false;
}

static int vfio_platform_acpi_reset(struct vfio_platform_device *vdev)
{
	return -ENOENT;
}
#endif

/*
 * At bind: find how to reset the device.  -ENOENT when there is no way;
 * the caller decides whether that is fatal (reset_required).
 */
int vfio_platform_reset_probe(struct vfio_platform_device *vdev)
{
	if (vdev->acpihid)
		return vfio_platform_acpi_can_reset(vdev) ? 0 : -ENOENT;

	if (vfio_platform_reset_lookup(vdev))
		return 0;
	request_module("vfio-reset:%s", vdev->compat);
	return vfio_platform_reset_lookup(vdev) ? 0 : -ENOENT;
}

/* At unbind: let the reset module go. */
void vfio_platform_reset_put(struct vfio_platform_device *vdev)
{
	if (vdev->reset)
		module_put(vdev->reset_owner);
	vdev->reset = NULL;
	vdev->reset_owner = NULL;
}

bool vfio_platform_can_reset(struct vfio_platform_device *vdev)
{
	if (vdev->acpihid)
		return vfio_platform_acpi_can_reset(vdev);
	return vdev->reset;
}

/* Reset the open device: -EINVAL (as 6.12) when it cannot be reset. */
int vfio_platform_do_reset(struct vfio_platform_device *vdev)
{
	if (vdev->acpihid)
		return vfio_platform_acpi_reset(vdev);
	if (!vdev->reset)
		return -EINVAL;
	dev_dbg(vdev->device, "reset through the reset module\n");
	return vdev->reset(vdev);
}
