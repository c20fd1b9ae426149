// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupts of a platform device, one VFIO IRQ index per interrupt.
 *
 * Each interrupt has two pieces of state the user controls: the trigger
 * eventfd it is delivered to, and a mask.  The host interrupt line is
 * enabled exactly when there is a trigger and the mask is clear; every
 * change of either goes through vfio_platform_irq_sync_line(), so the
 * line's disable depth never drifts however the user orders its calls.
 *
 * A level interrupt keeps firing until the user has serviced the device,
 * so delivery sets the mask (AUTOMASKED) and the user clears it by an
 * UNMASK through SET_IRQS or through an unmask eventfd (which KVM's
 * resampler signals when the guest EOIs).  An edge interrupt is delivered
 * and forgotten; it cannot be masked.
 *
 * The handler picks the trigger under irq->lock but signals it after
 * dropping the lock: the wake-up of an unmask eventfd takes irq->lock
 * under the eventfd's own lock, and the user may pass the same eventfd
 * for both.  A replaced trigger is therefore released only after
 * synchronize_irq() has waited out a handler that may still hold it; the
 * software trigger runs under igate, as every replacement does.
 */
#include <linux/eventfd.h>
#include <linux/irq.h>
#include <linux/slab.h>
#include "vfio_platform_private.h"

/* At bind: one IRQ index per interrupt, until the binder has no more. */
int vfio_platform_irqs_probe(struct vfio_platform_device *vdev)
{
	struct vfio_platform_irq *irq;
	unsigned int i, n = 0;

	while (vdev->bus->irq(vdev->device, n) >= 0)
		n++;
	if (!n)
		return 0;

	vdev->irqs = kcalloc(n, sizeof(*vdev->irqs), GFP_KERNEL_ACCOUNT);
	if (!vdev->irqs)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		irq = &vdev->irqs[i];
		irq->hwirq = vdev->bus->irq(vdev->device, i);
		spin_lock_init(&irq->lock);
		irq->flags = VFIO_IRQ_INFO_EVENTFD;
		if (irq_get_trigger_type(irq->hwirq) & IRQ_TYPE_LEVEL_MASK)
			irq->flags |= VFIO_IRQ_INFO_MASKABLE |
				      VFIO_IRQ_INFO_AUTOMASKED;
	}
	vdev->num_irqs = n;
	return 0;
}

void vfio_platform_irqs_free(struct vfio_platform_device *vdev)
{
	kfree(vdev->irqs);
	vdev->irqs = NULL;
	vdev->num_irqs = 0;
}

static bool vfio_platform_irq_is_level(struct vfio_platform_irq *irq)
{
	return irq->flags & VFIO_IRQ_INFO_AUTOMASKED;
}

/* Enable or disable the host line to match the trigger and the mask. */
static void vfio_platform_irq_sync_line(struct vfio_platform_irq *irq)
{
	bool want = irq->trigger && !irq->masked;

	lockdep_assert_held(&irq->lock);
	if (want == irq->line_on)
		return;
	if (want)
		enable_irq(irq->hwirq);
	else
		disable_irq_nosync(irq->hwirq);
	irq->line_on = want;
}

/*
 * Deliver one interrupt to the user: automask a level interrupt, then
 * signal the trigger.  Also the loopback of a TRIGGER action with
 * DATA_NONE or DATA_BOOL.  False when the interrupt was masked.
 */
static bool vfio_platform_irq_deliver(struct vfio_platform_irq *irq)
{
	struct eventfd_ctx *trigger = NULL;
	unsigned long flags;
	bool delivered = false;

	spin_lock_irqsave(&irq->lock, flags);
	if (!irq->masked) {
		if (vfio_platform_irq_is_level(irq)) {
			irq->masked = true;
			vfio_platform_irq_sync_line(irq);
		}
		trigger = irq->trigger;
		delivered = true;
	}
	spin_unlock_irqrestore(&irq->lock, flags);
	if (trigger)
		eventfd_signal(trigger);
	return delivered;
}

static irqreturn_t vfio_platform_irq_handler(int hwirq, void *data)
{
	return vfio_platform_irq_deliver(data) ? IRQ_HANDLED : IRQ_NONE;
}

static void vfio_platform_irq_set_masked(struct vfio_platform_irq *irq,
					 bool masked)
{
	unsigned long flags;

	spin_lock_irqsave(&irq->lock, flags);
	irq->masked = masked;
	vfio_platform_irq_sync_line(irq);
	spin_unlock_irqrestore(&irq->lock, flags);
}

/* virqfd handlers: run in the eventfd's wake-up, atomic context. */
static int vfio_platform_irq_mask_fd(void *opaque, void *unused)
{
	vfio_platform_irq_set_masked(opaque, true);
	return 0;
}

static int vfio_platform_irq_unmask_fd(void *opaque, void *unused)
{
	vfio_platform_irq_set_masked(opaque, false);
	return 0;
}

/* Install @trigger (or none) and drop the one it replaces. */
static void vfio_platform_irq_swap_trigger(struct vfio_platform_irq *irq,
					   struct eventfd_ctx *trigger)
{
	struct eventfd_ctx *old;
	unsigned long flags;

	might_sleep();
	spin_lock_irqsave(&irq->lock, flags);
	old = irq->trigger;
	irq->trigger = trigger;
	vfio_platform_irq_sync_line(irq);
	spin_unlock_irqrestore(&irq->lock, flags);
	if (old) {
		/* A handler on another CPU may be signalling @old. */
		synchronize_irq(irq->hwirq);
		eventfd_ctx_put(old);
	}
}

/* At open: the host handlers, each requested with its line disabled. */
void vfio_platform_irqs_request(struct vfio_platform_device *vdev)
{
	struct vfio_platform_irq *irq;
	unsigned int i;
	int ret;

	lockdep_assert_held(&vdev->igate);
	for (i = 0; i < vdev->num_irqs; i++) {
		irq = &vdev->irqs[i];
		irq->masked = false;
		irq->line_on = false;
		irq->request_err = 0;
		irq->name = kasprintf(GFP_KERNEL_ACCOUNT, "vfio-irq[%d](%s)",
				      irq->hwirq, vdev->name);
		if (!irq->name) {
			irq->request_err = -ENOMEM;
			continue;
		}
		ret = request_irq(irq->hwirq, vfio_platform_irq_handler,
				  IRQF_NO_AUTOEN, irq->name, irq);
		if (ret) {
			/*
			 * Only this index fails (at SET_IRQS): the user can
			 * still drive the device, polling for instance.
			 */
			irq->request_err = ret;
			kfree(irq->name);
			irq->name = NULL;
		}
	}
}

/* At close: undo every user setting, then free the handlers. */
void vfio_platform_irqs_release(struct vfio_platform_device *vdev)
{
	struct vfio_platform_irq *irq;
	unsigned int i;

	lockdep_assert_held(&vdev->igate);
	for (i = 0; i < vdev->num_irqs; i++) {
		irq = &vdev->irqs[i];
		vfio_virqfd_disable(&irq->mask_fd);
		vfio_virqfd_disable(&irq->unmask_fd);
		if (!irq->name)
			continue;
		vfio_platform_irq_swap_trigger(irq, NULL);
		free_irq(irq->hwirq, irq);
		kfree(irq->name);
		irq->name = NULL;
	}
}

/*
 * MASK or UNMASK (@masked) of a maskable interrupt: now (DATA_NONE, or
 * DATA_BOOL when true), or on each signal of an eventfd (DATA_EVENTFD;
 * -1 removes it).
 */
static int vfio_platform_irq_mask_action(struct vfio_platform_irq *irq,
					 bool masked, u32 flags,
					 unsigned int count, void *data)
{
	struct virqfd **slot = masked ? &irq->mask_fd : &irq->unmask_fd;
	s32 fd;

	if (count != 1 || !(irq->flags & VFIO_IRQ_INFO_MASKABLE))
		return -EINVAL;

	switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_EVENTFD:
		fd = *(s32 *)data;
		if (fd < 0) {
			vfio_virqfd_disable(slot);
			return 0;
		}
		return vfio_virqfd_enable(irq, masked ?
					  vfio_platform_irq_mask_fd :
					  vfio_platform_irq_unmask_fd,
					  NULL, NULL, slot, fd);
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!*(u8 *)data)
			return 0;
		fallthrough;
	default:
		vfio_platform_irq_set_masked(irq, masked);
		return 0;
	}
}

/*
 * TRIGGER: set the eventfd (DATA_EVENTFD; -1 removes it, as does count 0
 * with DATA_NONE), or fire the interrupt from software (DATA_NONE, or
 * DATA_BOOL when true).
 */
static int vfio_platform_irq_trigger_action(struct vfio_platform_irq *irq,
					    u32 flags, unsigned int count,
					    void *data)
{
	u32 type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	struct eventfd_ctx *trigger;
	s32 fd;

	if (!count && type == VFIO_IRQ_SET_DATA_NONE) {
		vfio_platform_irq_swap_trigger(irq, NULL);
		return 0;
	}
	if (count != 1)
		return -EINVAL;

	switch (type) {
	case VFIO_IRQ_SET_DATA_EVENTFD:
		fd = *(s32 *)data;
		if (fd < 0) {
			vfio_platform_irq_swap_trigger(irq, NULL);
			return 0;
		}
		trigger = eventfd_ctx_fdget(fd);
		if (IS_ERR(trigger))
			return PTR_ERR(trigger);
		vfio_platform_irq_swap_trigger(irq, trigger);
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!*(u8 *)data)
			return 0;
		fallthrough;
	default:
		vfio_platform_irq_deliver(irq);
		return 0;
	}
}

/**
 * vfio_platform_set_irqs - carry out a checked VFIO_DEVICE_SET_IRQS
 * @vdev: the open device
 * @flags: one data type and the action
 * @index: the interrupt, below @vdev->num_irqs
 * @start: 0 (each index has one interrupt; checked by the caller)
 * @count: 0 or 1
 * @data: the payload of @count elements, or NULL
 *
 * Return: 0, -EINVAL for a bad combination, -ENOTTY for an unknown or
 * ambiguous action, or why the interrupt could not be requested at open.
 */
int vfio_platform_set_irqs(struct vfio_platform_device *vdev, u32 flags,
			   unsigned int index, unsigned int start,
			   unsigned int count, void *data)
{
	struct vfio_platform_irq *irq = &vdev->irqs[index];

	lockdep_assert_held(&vdev->igate);
	if (irq->request_err)
		return irq->request_err;

	switch (flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) {
	case VFIO_IRQ_SET_ACTION_MASK:
		return vfio_platform_irq_mask_action(irq, true, flags, count,
						     data);
	case VFIO_IRQ_SET_ACTION_UNMASK:
		return vfio_platform_irq_mask_action(irq, false, flags, count,
						     data);
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		return vfio_platform_irq_trigger_action(irq, flags, count,
							data);
	default:
		return -ENOTTY;
	}
}
