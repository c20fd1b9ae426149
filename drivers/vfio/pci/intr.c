// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupts: VFIO_DEVICE_SET_IRQS for INTx, MSI, MSI-X, ERR and REQ.
 *
 * A function delivers through at most one of INTx, MSI and MSI-X at a
 * time; &vfio_pci_core_device.irq_type says which (VFIO_PCI_NUM_IRQS for
 * none) and changes only under igate.  Each delivery mechanism forwards
 * interrupts to eventfds the user supplied:
 *
 *  - INTx (struct vfio_pci_intx) is level triggered, so the handler masks
 *    the line before signalling: with DisINTx in the command register when
 *    the function supports PCI 2.3 masking (the line may then be shared),
 *    at the interrupt controller otherwise (the line must be exclusive).
 *    The user unmasks with SET_IRQS or through an unmask eventfd (KVM's
 *    resample fd).  @masked is protected by irqlock because the hard
 *    interrupt handler and the unmask eventfd callback change it.
 *  - MSI and MSI-X get one struct vfio_pci_irq_vec per vector the user
 *    gave an eventfd, in &vfio_pci_core_device.vec (sized for every vector
 *    the function had at enable time, which bounds every later index).
 *    A vector's Linux interrupt stays allocated while MSI/MSI-X is
 *    enabled, even when the user detaches its eventfd; it is registered
 *    as an irqbypass producer so KVM can post it directly.
 *  - ERR and REQ are plain eventfds the PCI error handler and the
 *    unregistration path signal; trigger_lock protects them since those
 *    callers cannot take igate.
 *
 * Enabling or disabling MSI-X writes the vector table in a BAR, so those
 * paths turn memory decode on for the duration, under memory_lock.
 */
#include <linux/bitfield.h>
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irqbypass.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "priv.h"

/**
 * struct vfio_pci_intx - INTx delivery state
 * @vdev: owner
 * @trigger: signalled on each assertion; may be NULL.  Replaced under
 *	igate, then the interrupt is synchronized before the old one is put.
 * @unmask: the user's unmask eventfd, or NULL
 * @masked: the line is masked (DisINTx or disabled at the controller);
 *	protected by irqlock
 * @name: name of the interrupt action
 */
struct vfio_pci_intx {
	struct vfio_pci_core_device *vdev;
	struct eventfd_ctx *trigger;
	struct virqfd *unmask;
	bool masked;
	char *name;
};

/**
 * struct vfio_pci_irq_vec - an MSI or MSI-X vector forwarded to an eventfd
 * @trigger: the user's eventfd
 * @irq: the Linux interrupt of the vector
 * @producer: irqbypass registration, for KVM posted interrupts
 * @name: name of the interrupt action
 */
struct vfio_pci_irq_vec {
	struct eventfd_ctx *trigger;
	int irq;
	struct irq_bypass_producer producer;
	char *name;
};

static bool irq_none(struct vfio_pci_core_device *vdev)
{
	return vdev->irq_type == VFIO_PCI_NUM_IRQS;
}

/**
 * vfio_pci_irq_count - how many interrupts of @index the function has
 * @vdev: the device
 * @index: VFIO_PCI_*_IRQ_INDEX
 *
 * Return: the count reported by GET_IRQ_INFO and enforced by SET_IRQS.
 */
int vfio_pci_irq_count(struct vfio_pci_core_device *vdev, unsigned int index)
{
	struct pci_dev *pdev = vdev->pdev;
	u16 flags;

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return vdev->intx_pin ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		if (!pdev->msi_cap)
			return 0;
		pci_read_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS, &flags);
		return 1 << FIELD_GET(PCI_MSI_FLAGS_QMASK, flags);
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (!pdev->msix_cap)
			return 0;
		pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS,
				     &flags);
		return (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return pci_is_pcie(pdev) ? 1 : 0;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return 0;
	}
}

/* --- INTx --- */

static void intx_signal(struct vfio_pci_core_device *vdev,
			struct vfio_pci_intx *intx)
{
	struct eventfd_ctx *trigger = READ_ONCE(intx->trigger);

	if (trigger && !READ_ONCE(vdev->virq_disabled))
		eventfd_signal(trigger);
}

/* virqfd "thread" callback: a deferred signal, see intx_try_unmask(). */
static void intx_signal_deferred(void *opaque, void *data)
{
	intx_signal(opaque, data);
}

/* Mask INTx if it is not already; true if this call masked it. */
static bool intx_mask_locked(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_intx *intx = vdev->intx;
	unsigned long flags;
	bool changed = false;

	lockdep_assert_held(&vdev->igate);

	spin_lock_irqsave(&vdev->irqlock, flags);
	if (vdev->irq_type != VFIO_PCI_INTX_IRQ_INDEX) {
		/* Not delivering: keep DisINTx in line with the user's view. */
		if (vdev->pci_2_3)
			pci_intx(pdev, 0);
	} else if (!intx->masked) {
		if (vdev->pci_2_3)
			pci_intx(pdev, 0);
		else
			disable_irq_nosync(pdev->irq);
		intx->masked = true;
		changed = true;
	}
	spin_unlock_irqrestore(&vdev->irqlock, flags);
	return changed;
}

/*
 * Unmask INTx.  Runs under igate, or as the unmask eventfd's callback in
 * the eventfd's wakeup path, where no eventfd may be signalled: when the
 * function still asserts the line it stays masked and we return 1 so the
 * caller signals the user again (from the virqfd thread in that case).
 */
static int intx_try_unmask(void *opaque, void *data)
{
	struct vfio_pci_core_device *vdev = opaque;
	struct vfio_pci_intx *intx = data;
	struct pci_dev *pdev = vdev->pdev;
	unsigned long flags;
	int pending = 0;

	spin_lock_irqsave(&vdev->irqlock, flags);
	if (vdev->irq_type != VFIO_PCI_INTX_IRQ_INDEX) {
		if (vdev->pci_2_3)
			pci_intx(pdev, 1);
	} else if (intx->masked && !vdev->virq_disabled) {
		if (!vdev->pci_2_3)
			enable_irq(pdev->irq);
		else if (!pci_check_and_unmask_intx(pdev))
			pending = 1;
		intx->masked = pending;
	}
	spin_unlock_irqrestore(&vdev->irqlock, flags);
	return pending;
}

static void intx_unmask_locked(struct vfio_pci_core_device *vdev)
{
	lockdep_assert_held(&vdev->igate);

	if (intx_try_unmask(vdev, vdev->intx) > 0)
		intx_signal(vdev, vdev->intx);
}

/**
 * vfio_pci_intx_mask - mask INTx on behalf of the kernel (runtime PM)
 * @vdev: the device
 *
 * Return: true if INTx was delivering and unmasked, and is now masked.
 */
bool vfio_pci_intx_mask(struct vfio_pci_core_device *vdev)
{
	bool changed;

	mutex_lock(&vdev->igate);
	changed = intx_mask_locked(vdev);
	mutex_unlock(&vdev->igate);
	return changed;
}

void vfio_pci_intx_unmask(struct vfio_pci_core_device *vdev)
{
	mutex_lock(&vdev->igate);
	intx_unmask_locked(vdev);
	mutex_unlock(&vdev->igate);
}

/**
 * vfio_pci_intx_set_disabled - the user wrote DisINTx in the command register
 * @vdev: the device
 * @disabled: the new value of the virtual bit
 *
 * The virtual bit masks delivery exactly like the hardware bit would.
 */
void vfio_pci_intx_set_disabled(struct vfio_pci_core_device *vdev,
				bool disabled)
{
	unsigned long flags;
	bool was;

	mutex_lock(&vdev->igate);
	spin_lock_irqsave(&vdev->irqlock, flags);
	was = vdev->virq_disabled;
	WRITE_ONCE(vdev->virq_disabled, disabled);
	spin_unlock_irqrestore(&vdev->irqlock, flags);

	if (disabled && !was)
		intx_mask_locked(vdev);
	else if (!disabled && was)
		intx_unmask_locked(vdev);
	mutex_unlock(&vdev->igate);
}

static irqreturn_t intx_handler(int irq, void *dev_id)
{
	struct vfio_pci_intx *intx = dev_id;
	struct vfio_pci_core_device *vdev = intx->vdev;
	irqreturn_t ret = IRQ_NONE;
	unsigned long flags;

	spin_lock_irqsave(&vdev->irqlock, flags);
	if (!vdev->pci_2_3) {
		/* Exclusive line: it is ours, mask it at the controller. */
		disable_irq_nosync(irq);
		intx->masked = true;
		ret = IRQ_HANDLED;
	} else if (!intx->masked && pci_check_and_mask_intx(vdev->pdev)) {
		/* Shared line: only claim it if our function asserts it. */
		intx->masked = true;
		ret = IRQ_HANDLED;
	}
	spin_unlock_irqrestore(&vdev->irqlock, flags);

	if (ret == IRQ_HANDLED)
		intx_signal(vdev, intx);
	return ret;
}

static int intx_enable(struct vfio_pci_core_device *vdev,
		       struct eventfd_ctx *trigger)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_intx *intx;
	unsigned long irqflags;
	int ret;

	lockdep_assert_held(&vdev->igate);

	if (!pdev->irq || pdev->irq == IRQ_NOTCONNECTED)
		return -ENODEV;

	intx = kzalloc(sizeof(*intx), GFP_KERNEL_ACCOUNT);
	if (!intx)
		return -ENOMEM;
	intx->name = kasprintf(GFP_KERNEL_ACCOUNT, "vfio-intx(%s)",
			       pci_name(pdev));
	if (!intx->name) {
		kfree(intx);
		return -ENOMEM;
	}
	intx->vdev = vdev;
	intx->trigger = trigger;

	/*
	 * Start masked if the user already set DisINTx.  Nothing can race
	 * with us on @masked until the handler is installed.
	 */
	intx->masked = vdev->virq_disabled;
	if (vdev->pci_2_3) {
		pci_intx(pdev, !intx->masked);
		irqflags = IRQF_SHARED;
	} else {
		irqflags = intx->masked ? IRQF_NO_AUTOEN : 0;
		irq_set_status_flags(pdev->irq, IRQ_DISABLE_UNLAZY);
	}

	/* The handler relies on these from its first invocation. */
	vdev->intx = intx;
	vdev->irq_type = VFIO_PCI_INTX_IRQ_INDEX;

	ret = request_irq(pdev->irq, intx_handler, irqflags, intx->name, intx);
	if (ret) {
		vdev->irq_type = VFIO_PCI_NUM_IRQS;
		vdev->intx = NULL;
		if (!vdev->pci_2_3)
			irq_clear_status_flags(pdev->irq, IRQ_DISABLE_UNLAZY);
		kfree(intx->name);
		kfree(intx);
	}
	return ret;
}

static void intx_set_trigger(struct vfio_pci_core_device *vdev,
			     struct eventfd_ctx *trigger)
{
	struct vfio_pci_intx *intx = vdev->intx;
	struct eventfd_ctx *old = intx->trigger;

	WRITE_ONCE(intx->trigger, trigger);
	if (old) {
		/* No handler or deferred signal may still use @old. */
		synchronize_irq(vdev->pdev->irq);
		vfio_virqfd_flush_thread(&intx->unmask);
		eventfd_ctx_put(old);
	}
}

static void intx_disable(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_intx *intx = vdev->intx;
	struct pci_dev *pdev = vdev->pdev;

	lockdep_assert_held(&vdev->igate);

	vfio_virqfd_disable(&intx->unmask);
	free_irq(pdev->irq, intx);
	if (!vdev->pci_2_3)
		irq_clear_status_flags(pdev->irq, IRQ_DISABLE_UNLAZY);
	vdev->irq_type = VFIO_PCI_NUM_IRQS;
	vdev->intx = NULL;
	if (intx->trigger)
		eventfd_ctx_put(intx->trigger);
	kfree(intx->name);
	kfree(intx);
}

static int intx_set_unmask(struct vfio_pci_core_device *vdev,
			   unsigned int start, unsigned int count, u32 flags,
			   void *data)
{
	struct vfio_pci_intx *intx = vdev->intx;
	s32 fd;

	if (vdev->irq_type != VFIO_PCI_INTX_IRQ_INDEX || start || count != 1)
		return -EINVAL;

	switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		intx_unmask_locked(vdev);
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (*(u8 *)data)
			intx_unmask_locked(vdev);
		return 0;
	default:
		fd = *(s32 *)data;
		if (fd < 0) {
			vfio_virqfd_disable(&intx->unmask);
			return 0;
		}
		return vfio_virqfd_enable(vdev, intx_try_unmask,
					  intx_signal_deferred, intx,
					  &intx->unmask, fd);
	}
}

static int intx_set_mask(struct vfio_pci_core_device *vdev,
			 unsigned int start, unsigned int count, u32 flags,
			 void *data)
{
	if (vdev->irq_type != VFIO_PCI_INTX_IRQ_INDEX || start || count != 1)
		return -EINVAL;

	switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		intx_mask_locked(vdev);
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (*(u8 *)data)
			intx_mask_locked(vdev);
		return 0;
	default:
		/* Masking from an eventfd is not offered. */
		return -ENOTTY;
	}
}

static int intx_set_trigger_ioctl(struct vfio_pci_core_device *vdev,
				  unsigned int start, unsigned int count,
				  u32 flags, void *data)
{
	bool is_intx = vdev->irq_type == VFIO_PCI_INTX_IRQ_INDEX;
	struct eventfd_ctx *trigger = NULL;
	s32 fd;
	int ret;

	if (is_intx && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		intx_disable(vdev);
		return 0;
	}
	if (!(is_intx || irq_none(vdev)) || start || count != 1)
		return -EINVAL;

	switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_EVENTFD:
		fd = *(s32 *)data;
		if (fd >= 0) {
			trigger = eventfd_ctx_fdget(fd);
			if (IS_ERR(trigger))
				return PTR_ERR(trigger);
		}
		if (is_intx) {
			intx_set_trigger(vdev, trigger);
			return 0;
		}
		ret = intx_enable(vdev, trigger);
		if (ret && trigger)
			eventfd_ctx_put(trigger);
		return ret;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!is_intx)
			return -EINVAL;
		if (*(u8 *)data)
			intx_signal(vdev, vdev->intx);
		return 0;
	default:
		if (!is_intx)
			return -EINVAL;
		intx_signal(vdev, vdev->intx);
		return 0;
	}
}

/* --- MSI and MSI-X --- */

static irqreturn_t msi_handler(int irq, void *dev_id)
{
	struct vfio_pci_irq_vec *vec = dev_id;

	/* msi_vector_retarget() may be replacing it. */
	eventfd_signal(READ_ONCE(vec->trigger));
	return IRQ_HANDLED;
}

static int msi_enable(struct vfio_pci_core_device *vdev, unsigned int index,
		      unsigned int nvec)
{
	bool msix = index == VFIO_PCI_MSIX_IRQ_INDEX;
	struct pci_dev *pdev = vdev->pdev;
	unsigned int slots = vfio_pci_irq_count(vdev, index);
	u16 cmd;
	int ret;

	lockdep_assert_held(&vdev->igate);

	vdev->vec = kcalloc(slots, sizeof(*vdev->vec), GFP_KERNEL_ACCOUNT);
	if (!vdev->vec)
		return -ENOMEM;

	cmd = vfio_pci_gate_hold_for_kernel(vdev);
	ret = pci_alloc_irq_vectors(pdev, 1, nvec,
				    msix ? PCI_IRQ_MSIX : PCI_IRQ_MSI);
	if (ret > 0 && ret < nvec)
		pci_free_irq_vectors(pdev);
	vfio_pci_gate_release_for_kernel(vdev, cmd);

	if (ret < (int)nvec) {
		kfree(vdev->vec);
		vdev->vec = NULL;
		/* Fewer available than asked for: say how many there are. */
		return ret;
	}

	vdev->nvec = slots;
	vdev->irq_type = index;
	if (!msix)	/* the most Multiple Message Enable may now say */
		WRITE_ONCE(vdev->msi_qmax, order_base_2(nvec));
	return 0;
}

/* The Linux interrupt of vector @i, allocating it for dynamic MSI-X. */
static int msi_vector_irq(struct vfio_pci_core_device *vdev, unsigned int i)
{
	struct pci_dev *pdev = vdev->pdev;
	struct msi_map map;
	int irq;
	u16 cmd;

	irq = pci_irq_vector(pdev, i);
	if (irq > 0 || vdev->irq_type != VFIO_PCI_MSIX_IRQ_INDEX ||
	    !vdev->has_dyn_msix)
		return irq ? irq : -EINVAL;

	cmd = vfio_pci_gate_hold_for_kernel(vdev);
	map = pci_msix_alloc_irq_at(pdev, i, NULL);
	vfio_pci_gate_release_for_kernel(vdev, cmd);
	return map.index < 0 ? map.index : map.virq;
}

static void msi_vector_detach(struct vfio_pci_core_device *vdev,
			      unsigned int i)
{
	struct vfio_pci_irq_vec *vec;
	u16 cmd;

	if (i >= vdev->nvec)
		return;
	vec = vdev->vec[i];
	if (!vec)
		return;

	irq_bypass_unregister_producer(&vec->producer);
	/* Shutting an MSI-X vector down masks it in the table. */
	cmd = vfio_pci_gate_hold_for_kernel(vdev);
	free_irq(vec->irq, vec);
	vfio_pci_gate_release_for_kernel(vdev, cmd);

	vdev->vec[i] = NULL;
	eventfd_ctx_put(vec->trigger);
	kfree(vec->name);
	kfree(vec);
}

/*
 * A new eventfd for a vector that has one: swap it under the live
 * handler.  Freeing and requesting the interrupt again would deactivate
 * it in between, which clears the vector's message, and an interrupt the
 * function raised meanwhile would be a write to address 0 (an IOMMU
 * fault, and a lost interrupt).  QEMU does such swaps while the guest
 * runs, when a vector moves between KVM's irqfd and its own handler.
 */
static int msi_vector_retarget(struct vfio_pci_core_device *vdev,
			       struct vfio_pci_irq_vec *vec, int fd)
{
	struct eventfd_ctx *trigger = eventfd_ctx_fdget(fd);
	struct eventfd_ctx *old = vec->trigger;
	struct msi_msg msg;
	u16 cmd;

	if (IS_ERR(trigger))
		return PTR_ERR(trigger);

	/* As on attach: a reset we did not see may have cleared the table. */
	if (vdev->irq_type == VFIO_PCI_MSIX_IRQ_INDEX) {
		cmd = vfio_pci_gate_hold_for_kernel(vdev);
		get_cached_msi_msg(vec->irq, &msg);
		pci_write_msi_msg(vec->irq, &msg);
		vfio_pci_gate_release_for_kernel(vdev, cmd);
	}

	irq_bypass_unregister_producer(&vec->producer);
	WRITE_ONCE(vec->trigger, trigger);
	/* A handler on another CPU may still be signalling @old. */
	synchronize_irq(vec->irq);
	eventfd_ctx_put(old);

	vec->producer.token = trigger;
	if (irq_bypass_register_producer(&vec->producer))
		vec->producer.token = NULL;
	return 0;
}

/* Point vector @i at eventfd @fd, or detach it when @fd is negative. */
static int msi_vector_attach(struct vfio_pci_core_device *vdev,
			     unsigned int i, int fd)
{
	bool msix = vdev->irq_type == VFIO_PCI_MSIX_IRQ_INDEX;
	struct vfio_pci_irq_vec *vec;
	struct msi_msg msg;
	int irq, ret;
	u16 cmd;

	if (fd >= 0 && i < vdev->nvec && vdev->vec[i])
		return msi_vector_retarget(vdev, vdev->vec[i], fd);
	msi_vector_detach(vdev, i);
	if (fd < 0)
		return 0;

	irq = msi_vector_irq(vdev, i);
	if (irq < 0)
		return irq;
	/*
	 * SET_IRQS checks the range against the count the function reports
	 * now, which can exceed the one @vec was sized by at enable time
	 * (a reset that resized the MSI-X table, a function reading back
	 * all ones).  The MSI core fixed its range at enable time as well
	 * and refuses such vectors above; should it not, refuse them here.
	 */
	if (i >= vdev->nvec)
		return -EINVAL;

	vec = kzalloc(sizeof(*vec), GFP_KERNEL_ACCOUNT);
	if (!vec)
		return -ENOMEM;
	vec->irq = irq;
	vec->name = kasprintf(GFP_KERNEL_ACCOUNT, "vfio-msi%s[%u](%s)",
			      msix ? "x" : "", i, pci_name(vdev->pdev));
	if (!vec->name) {
		ret = -ENOMEM;
		goto err_free;
	}
	vec->trigger = eventfd_ctx_fdget(fd);
	if (IS_ERR(vec->trigger)) {
		ret = PTR_ERR(vec->trigger);
		goto err_free_name;
	}

	cmd = vfio_pci_gate_hold_for_kernel(vdev);
	/*
	 * The vector may have been set up before and the function reset
	 * since (a reset we did not see clears the table): write the
	 * message again before the interrupt can fire.
	 */
	if (msix) {
		get_cached_msi_msg(irq, &msg);
		pci_write_msi_msg(irq, &msg);
	}
	ret = request_irq(irq, msi_handler, 0, vec->name, vec);
	vfio_pci_gate_release_for_kernel(vdev, cmd);
	if (ret)
		goto err_put;

	vec->producer.token = vec->trigger;
	vec->producer.irq = irq;
	ret = irq_bypass_register_producer(&vec->producer);
	if (ret) {
		/* Delivery works without KVM's bypass; just say so. */
		pci_info(vdev->pdev,
			 "no irqbypass for vector %u (%d), using eventfd only\n",
			 i, ret);
		vec->producer.token = NULL;
	}
	vdev->vec[i] = vec;
	return 0;

err_put:
	eventfd_ctx_put(vec->trigger);
err_free_name:
	kfree(vec->name);
err_free:
	kfree(vec);
	return ret;
}

static int msi_attach_range(struct vfio_pci_core_device *vdev,
			    unsigned int start, unsigned int count, s32 *fds)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < count && !ret; i++)
		ret = msi_vector_attach(vdev, start + i, fds ? fds[i] : -1);
	if (ret)	/* all or nothing: undo the vectors we touched */
		while (i--)
			msi_vector_detach(vdev, start + i);
	return ret;
}

static void msi_disable(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	unsigned int i;
	u16 cmd;

	lockdep_assert_held(&vdev->igate);

	for (i = 0; i < vdev->nvec; i++)
		msi_vector_detach(vdev, i);

	cmd = vfio_pci_gate_hold_for_kernel(vdev);
	pci_free_irq_vectors(pdev);
	vfio_pci_gate_release_for_kernel(vdev, cmd);

	/* Disabling MSI clears DisINTx; put it back for hidden INTx. */
	if (vdev->nointx)
		pci_intx(pdev, 0);

	kfree(vdev->vec);
	vdev->vec = NULL;
	vdev->nvec = 0;
	vdev->irq_type = VFIO_PCI_NUM_IRQS;
}

static int msi_set_trigger(struct vfio_pci_core_device *vdev,
			   unsigned int index, unsigned int start,
			   unsigned int count, u32 flags, void *data)
{
	bool active = vdev->irq_type == index;
	unsigned int i;
	int ret;

	if (active && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		msi_disable(vdev);
		return 0;
	}
	if (!active && !irq_none(vdev))
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (active)
			return msi_attach_range(vdev, start, count, data);
		ret = msi_enable(vdev, index, start + count);
		if (ret)
			return ret;
		ret = msi_attach_range(vdev, start, count, data);
		if (ret)
			msi_disable(vdev);
		return ret;
	}

	/* DATA_NONE / DATA_BOOL: fire the vectors, for testing. */
	if (!active)
		return -EINVAL;
	for (i = start; i < start + count && i < vdev->nvec; i++) {
		if (!vdev->vec[i])
			continue;
		if ((flags & VFIO_IRQ_SET_DATA_BOOL) &&
		    !((u8 *)data)[i - start])
			continue;
		eventfd_signal(vdev->vec[i]->trigger);
	}
	return 0;
}

/* --- ERR and REQ --- */

static void trigger_replace(struct vfio_pci_core_device *vdev,
			    struct eventfd_ctx **slot,
			    struct eventfd_ctx *ctx)
{
	struct eventfd_ctx *old;

	spin_lock(&vdev->trigger_lock);
	old = *slot;
	*slot = ctx;
	spin_unlock(&vdev->trigger_lock);
	if (old)
		eventfd_ctx_put(old);
}

/* Returns whether there was an eventfd to signal. */
static bool trigger_fire(struct vfio_pci_core_device *vdev,
			 struct eventfd_ctx **slot)
{
	bool fired = false;

	spin_lock(&vdev->trigger_lock);
	if (*slot) {
		eventfd_signal(*slot);
		fired = true;
	}
	spin_unlock(&vdev->trigger_lock);
	return fired;
}

static int trigger_set(struct vfio_pci_core_device *vdev,
		       struct eventfd_ctx **slot, unsigned int start,
		       unsigned int count, u32 flags, void *data)
{
	struct eventfd_ctx *ctx;
	s32 fd;

	if (start || count > 1)
		return -EINVAL;

	switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		if (!READ_ONCE(*slot))
			return -EINVAL;
		if (count)
			trigger_fire(vdev, slot);
		else
			trigger_replace(vdev, slot, NULL);
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!count)
			return -EINVAL;
		if (*(u8 *)data)
			trigger_fire(vdev, slot);
		return 0;
	default:
		if (!count)
			return -EINVAL;
		fd = *(s32 *)data;
		if (fd == -1) {
			trigger_replace(vdev, slot, NULL);
			return 0;
		}
		if (fd < 0)
			return -EINVAL;
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
		trigger_replace(vdev, slot, ctx);
		return 0;
	}
}

void vfio_pci_signal_err(struct vfio_pci_core_device *vdev)
{
	trigger_fire(vdev, &vdev->err_trigger);
}

bool vfio_pci_signal_req(struct vfio_pci_core_device *vdev)
{
	return trigger_fire(vdev, &vdev->req_trigger);
}

/* The device file is gone: nobody listens to ERR and REQ any more. */
void vfio_pci_triggers_release(struct vfio_pci_core_device *vdev)
{
	trigger_replace(vdev, &vdev->err_trigger, NULL);
	trigger_replace(vdev, &vdev->req_trigger, NULL);
}

/**
 * vfio_pci_set_irqs - carry out a validated VFIO_DEVICE_SET_IRQS
 * @vdev: the device
 * @flags: VFIO_IRQ_SET_DATA_* | VFIO_IRQ_SET_ACTION_*
 * @index: VFIO_PCI_*_IRQ_INDEX
 * @start: first interrupt of @index
 * @count: number of interrupts
 * @data: @count bools or eventfds, NULL for DATA_NONE
 *
 * Caller holds igate.
 *
 * Return: 0, a negative errno (-ENOTTY for an action, or a combination of
 * actions, that @index does not offer), or for an MSI/MSI-X enable the
 * platform could not fully satisfy, the (positive) number of vectors it
 * could.
 */
int vfio_pci_set_irqs(struct vfio_pci_core_device *vdev, u32 flags,
		      unsigned int index, unsigned int start,
		      unsigned int count, void *data)
{
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;

	lockdep_assert_held(&vdev->igate);

	/*
	 * Exactly one action per call: none, or several at once, is an
	 * operation no index implements.
	 */
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_MASK)
			return intx_set_mask(vdev, start, count, flags, data);
		if (action == VFIO_IRQ_SET_ACTION_UNMASK)
			return intx_set_unmask(vdev, start, count, flags, data);
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return intx_set_trigger_ioctl(vdev, start, count,
						      flags, data);
		return -ENOTTY;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		/* Per vector masking is the device's own business. */
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
			return -ENOTTY;
		return msi_set_trigger(vdev, index, start, count, flags, data);
	case VFIO_PCI_ERR_IRQ_INDEX:
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER ||
		    !pci_is_pcie(vdev->pdev))
			return -ENOTTY;
		return trigger_set(vdev, &vdev->err_trigger, start, count,
				   flags, data);
	case VFIO_PCI_REQ_IRQ_INDEX:
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
			return -ENOTTY;
		return trigger_set(vdev, &vdev->req_trigger, start, count,
				   flags, data);
	default:
		return -ENOTTY;
	}
}

/* close_device: stop all delivery and forget the user's eventfds. */
void vfio_pci_irqs_teardown(struct vfio_pci_core_device *vdev)
{
	mutex_lock(&vdev->igate);
	if (vdev->irq_type == VFIO_PCI_INTX_IRQ_INDEX)
		intx_disable(vdev);
	else if (!irq_none(vdev))
		msi_disable(vdev);
	WRITE_ONCE(vdev->virq_disabled, false);
	mutex_unlock(&vdev->igate);
}
