// SPDX-License-Identifier: GPL-2.0-only
/*
 * SR-IOV: enabling VFs, and the VF token.
 *
 * The user of a VF can disturb, or be disturbed by, whoever drives its PF
 * (the PF may reset all VFs, or read what they are given).  When the PF
 * is itself driven by a vfio-pci user, both users must show that they
 * cooperate: the PF's user sets a token, a UUID, with
 * VFIO_DEVICE_FEATURE_PCI_VF_TOKEN (or by naming the PF "BDF vf_token=UUID"
 * while none of its VFs is open), and a VF can only be opened under the
 * name "BDF vf_token=UUID" with that same token.  A PF whose VFs are open
 * can only be opened with the current token.
 *
 * PFs whose VFs this library enabled are on vfio_pci_sriov_pfs (under
 * vfio_pci_sriov_lock), so a probing VF finds its PF; the PF's VFs are
 * removed before it goes away, so &vfio_pci_core_device.sriov_pf stays
 * valid for the VF's lifetime.  The token (struct vfio_pci_vf_token) has
 * its own lock and counts the open VFs.  A PF watches the PCI bus so its
 * new VFs get a driver_override for the PF's driver and are not grabbed
 * by a host driver.
 */
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uuid.h>

#include "priv.h"

/**
 * struct vfio_pci_vf_token - what VF users must present
 * @lock: protects @uuid and @users
 * @uuid: the token
 * @users: number of open VFs of this PF
 */
struct vfio_pci_vf_token {
	struct mutex lock;	/* @uuid, @users */
	uuid_t uuid;
	int users;
};

static DEFINE_MUTEX(vfio_pci_sriov_lock);
static LIST_HEAD(vfio_pci_sriov_pfs);

static int vfio_pci_bus_notify(struct notifier_block *nb,
			       unsigned long action, void *data)
{
	struct vfio_pci_core_device *vdev =
		container_of(nb, struct vfio_pci_core_device, bus_nb);
	struct pci_dev *pdev = to_pci_dev(data);
	struct pci_driver *drv;

	if (!pdev->is_virtfn || pci_physfn(pdev) != vdev->pdev)
		return NOTIFY_DONE;

	if (action == BUS_NOTIFY_ADD_DEVICE) {
		pci_info(vdev->pdev, "VF %s will bind to %s\n",
			 pci_name(pdev), vdev->vdev.ops->name);
		if (device_set_driver_override(&pdev->dev,
					       vdev->vdev.ops->name))
			pci_warn(vdev->pdev, "cannot set driver_override of %s\n",
				 pci_name(pdev));
	} else if (action == BUS_NOTIFY_BOUND_DRIVER) {
		drv = pci_dev_driver(pdev);
		if (drv && drv != pci_dev_driver(vdev->pdev))
			pci_warn(vdev->pdev,
				 "VF %s bound to %s, not to the PF's driver\n",
				 pci_name(pdev), drv->name);
	}
	return NOTIFY_DONE;
}

/* Remember the PF of a VF, if vfio-pci drives that PF too. */
static void vfio_pci_find_pf(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *physfn = pci_physfn(vdev->pdev);
	struct vfio_pci_core_device *cur;

	mutex_lock(&vfio_pci_sriov_lock);
	list_for_each_entry(cur, &vfio_pci_sriov_pfs, sriov_link)
		if (cur->pdev == physfn) {
			vdev->sriov_pf = cur;
			break;
		}
	mutex_unlock(&vfio_pci_sriov_lock);
}

int vfio_pci_vf_init(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vf_token *tok;
	int err;

	if (vdev->pdev->is_virtfn) {
		vfio_pci_find_pf(vdev);
		return 0;
	}
	if (!vdev->pdev->is_physfn)
		return 0;

	tok = kzalloc(sizeof(*tok), GFP_KERNEL);
	if (!tok)
		return -ENOMEM;
	uuid_gen(&tok->uuid);
	mutex_init(&tok->lock);

	vdev->bus_nb.notifier_call = vfio_pci_bus_notify;
	vdev->vf_token = tok;
	err = bus_register_notifier(&pci_bus_type, &vdev->bus_nb);
	if (err) {
		vdev->vf_token = NULL;
		mutex_destroy(&tok->lock);
		kfree(tok);
	}
	return err;
}

void vfio_pci_vf_uninit(struct vfio_pci_core_device *vdev)
{
	if (!vdev->vf_token)
		return;
	bus_unregister_notifier(&pci_bus_type, &vdev->bus_nb);
	if (vdev->vf_token->users)
		pci_warn(vdev->pdev, "%d VFs still open\n",
			 vdev->vf_token->users);
	mutex_destroy(&vdev->vf_token->lock);
	kfree(vdev->vf_token);
	vdev->vf_token = NULL;
}

/* A VF of ours was opened (or closed): its PF's token is in use. */
void vfio_pci_vf_token_user(struct vfio_pci_core_device *vdev, bool opened)
{
	struct vfio_pci_vf_token *token;

	if (!vdev->sriov_pf)
		return;
	token = vdev->sriov_pf->vf_token;
	mutex_lock(&token->lock);
	token->users += opened ? 1 : -1;
	mutex_unlock(&token->lock);
}

/**
 * vfio_pci_feature_vf_token - VFIO_DEVICE_FEATURE_PCI_VF_TOKEN
 * @vdev: the device, a PF
 * @flags: feature flags
 * @arg: the new token
 * @argsz: bytes at @arg
 *
 * Only SET: reading the token back could reveal a previous user's.
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_feature_vf_token(struct vfio_pci_core_device *vdev, u32 flags,
			      void __user *arg, size_t argsz)
{
	struct vfio_pci_vf_token *tok = vdev->vf_token;
	uuid_t fresh;
	int rc;

	if (!tok)
		return -ENOTTY;
	rc = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET,
				sizeof(fresh));
	if (rc <= 0)
		return rc;
	if (copy_from_user(&fresh, arg, sizeof(fresh)))
		return -EFAULT;

	mutex_lock(&tok->lock);
	tok->uuid = fresh;
	mutex_unlock(&tok->lock);
	return 0;
}

static int vf_check_token(struct vfio_pci_core_device *vdev, bool given,
			  const uuid_t *uuid)
{
	struct vfio_pci_vf_token *token;
	int ret = 0;

	if (vdev->pdev->is_virtfn) {
		if (!vdev->sriov_pf) {
			if (!given)
				return 0;	/* PF not ours: no token */
			pci_info_ratelimited(vdev->pdev,
					     "VF token given, but the PF is not bound to vfio-pci\n");
			return -EINVAL;
		}
		if (!given) {
			pci_info_ratelimited(vdev->pdev,
					     "VF token required to open this VF\n");
			return -EACCES;
		}
		token = vdev->sriov_pf->vf_token;
		mutex_lock(&token->lock);
		if (!uuid_equal(uuid, &token->uuid))
			ret = -EACCES;
		mutex_unlock(&token->lock);
		if (ret)
			pci_info_ratelimited(vdev->pdev, "wrong VF token\n");
		return ret;
	}

	if (!vdev->vf_token) {
		if (!given)
			return 0;
		pci_info_ratelimited(vdev->pdev,
				     "VF token given for a device that is neither PF nor VF\n");
		return -EINVAL;
	}

	token = vdev->vf_token;
	mutex_lock(&token->lock);
	if (token->users) {
		/* VFs in use: prove cooperation with their users. */
		if (!given || !uuid_equal(uuid, &token->uuid))
			ret = -EACCES;
	} else if (given) {
		uuid_copy(&token->uuid, uuid);
	}
	mutex_unlock(&token->lock);
	if (ret)
		pci_info_ratelimited(vdev->pdev,
				     "VFs are open: the current VF token is required\n");
	return ret;
}

#define VF_TOKEN_OPT	"vf_token="

/**
 * vfio_pci_core_match - does a VFIO_GROUP_GET_DEVICE_FD name mean us?
 * @core_vdev: the device
 * @buf: the name: "BDF", optionally followed by " vf_token=UUID"
 *
 * Return: 1 for a match, 0 for another device, or a negative errno when
 * the name is ours but the options are bad or the VF token is refused.
 */
int vfio_pci_core_match(struct vfio_device *core_vdev, char *buf)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);
	const char *name = pci_name(vdev->pdev);
	size_t len = strlen(name);
	bool given = false;
	uuid_t uuid;
	int ret;

	if (strncmp(buf, name, len))
		return 0;
	buf += len;
	if (*buf && *buf != ' ')
		return 0;	/* a longer name, not ours */

	while (*buf) {
		if (*buf == ' ') {
			buf++;
			continue;
		}
		if (given || strncmp(buf, VF_TOKEN_OPT, strlen(VF_TOKEN_OPT)))
			return -EINVAL;	/* unknown or repeated option */
		buf += strlen(VF_TOKEN_OPT);
		if (strnlen(buf, UUID_STRING_LEN) < UUID_STRING_LEN)
			return -EINVAL;
		ret = uuid_parse(buf, &uuid);
		if (ret)
			return ret;
		given = true;
		buf += UUID_STRING_LEN;
	}

	ret = vf_check_token(vdev, given, &uuid);
	return ret ? ret : 1;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_match);

/* Leave the global PF list; the VFs can no longer find this PF. */
static void vfio_pci_sriov_unlist(struct vfio_pci_core_device *vdev)
{
	/* A racing power change sees -EBUSY at worst: no lock needed. */
	vdev->sriov_active = false;
	mutex_lock(&vfio_pci_sriov_lock);
	list_del_init(&vdev->sriov_link);
	mutex_unlock(&vfio_pci_sriov_lock);
}

static void vfio_pci_sriov_off(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	if (pci_num_vf(pdev)) {
		pci_disable_sriov(pdev);
		pm_runtime_put(&pdev->dev);
	}
	vfio_pci_sriov_unlist(vdev);
}

static int vfio_pci_sriov_on(struct vfio_pci_core_device *vdev, int nr)
{
	struct device *dev = &vdev->pdev->dev;
	bool listed = false;
	int err;

	mutex_lock(&vfio_pci_sriov_lock);
	if (list_empty(&vdev->sriov_link)) {
		list_add_tail(&vdev->sriov_link, &vfio_pci_sriov_pfs);
		listed = true;
	}
	mutex_unlock(&vfio_pci_sriov_lock);
	if (!listed)
		return -EINVAL;	/* enabled already */

	/* VFs need their PF in D0, and it must stay there. */
	err = pm_runtime_resume_and_get(dev);
	if (err)
		goto unlist;

	down_write(&vdev->memory_lock);
	vfio_pci_set_power_state(vdev, PCI_D0);
	vdev->sriov_active = true;
	up_write(&vdev->memory_lock);

	err = pci_enable_sriov(vdev->pdev, nr);
	if (!err)
		return nr;

	pm_runtime_put(dev);
unlist:
	vfio_pci_sriov_unlist(vdev);
	return err;
}

/**
 * vfio_pci_core_sriov_configure - enable or disable the VFs of a PF
 * @vdev: the PF
 * @nr_virtfn: number of VFs, 0 to disable
 *
 * For &pci_driver.sriov_configure; called with the PF's device lock held.
 * VFs can be enabled once, until they are disabled again.
 *
 * Return: @nr_virtfn, 0, or a negative errno.
 */
int vfio_pci_core_sriov_configure(struct vfio_pci_core_device *vdev,
				  int nr_virtfn)
{
	device_lock_assert(&vdev->pdev->dev);

	if (!nr_virtfn) {
		vfio_pci_sriov_off(vdev);
		return 0;
	}
	return vfio_pci_sriov_on(vdev, nr_virtfn);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_sriov_configure);
