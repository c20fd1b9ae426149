// SPDX-License-Identifier: GPL-2.0-only
/*
 * virqfd: run a bus driver's function each time userspace signals an
 * eventfd (vfio-pci uses it for the INTx unmask eventfd that KVM's
 * resamplefd drives).
 *
 * A virqfd hooks a wait queue entry on the eventfd.  When the eventfd is
 * signalled, the wake-up callback consumes the count and calls @handler
 * right there, in atomic context; if there is no handler or it returns
 * nonzero, @thread is queued to run in process context.  When the eventfd
 * is closed (EPOLLHUP) or the driver disables the virqfd, the virqfd is
 * torn down from a work item.
 *
 * The driver refers to its virqfd through a pointer slot (@slot).  The
 * slot is set and cleared only under vfio_virqfd_lock, and whoever clears
 * it queues the teardown, so teardown is queued exactly once.  Teardowns
 * run on an ordered workqueue, which the disable and flush paths drain to
 * know that the virqfd is gone (or its thread has run).
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "core.h"

struct virqfd {
	void *opaque;
	int (*handler)(void *opaque, void *data);
	void (*thread)(void *opaque, void *data);
	void *data;
	struct virqfd **slot;

	struct eventfd_ctx *eventfd;
	wait_queue_entry_t wait;
	poll_table pt;

	struct work_struct run_thread;	/* calls @thread */
	struct work_struct teardown;	/* unhooks and frees */
	struct work_struct wait_thread;	/* waits for @run_thread */
};

/* Protects every driver's virqfd slot. */
static DEFINE_SPINLOCK(vfio_virqfd_lock);
/* Ordered: a wait_thread item never runs after the teardown it precedes. */
static struct workqueue_struct *vfio_virqfd_wq;

/* Fire the virqfd: the handler now, the thread later if asked for. */
static void vfio_virqfd_fire(struct virqfd *virqfd)
{
	bool want_thread = true;

	if (virqfd->handler)
		want_thread = virqfd->handler(virqfd->opaque, virqfd->data);
	if (want_thread && virqfd->thread)
		schedule_work(&virqfd->run_thread);
}

/* Clear the slot and queue the teardown; the caller holds the lock. */
static void vfio_virqfd_detach_locked(struct virqfd *virqfd)
{
	lockdep_assert_held(&vfio_virqfd_lock);

	*virqfd->slot = NULL;
	queue_work(vfio_virqfd_wq, &virqfd->teardown);
}

static int vfio_virqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			      int sync, void *key)
{
	struct virqfd *virqfd = container_of(wait, struct virqfd, wait);
	__poll_t events = key_to_poll(key);
	unsigned long flags;

	if (events & EPOLLIN) {
		u64 count;

		eventfd_ctx_do_read(virqfd->eventfd, &count);
		vfio_virqfd_fire(virqfd);
	}

	if (events & EPOLLHUP) {
		/*
		 * The eventfd is going away.  Tear down, unless the driver
		 * already did (then the slot no longer points to us).
		 */
		spin_lock_irqsave(&vfio_virqfd_lock, flags);
		if (*virqfd->slot == virqfd)
			vfio_virqfd_detach_locked(virqfd);
		spin_unlock_irqrestore(&vfio_virqfd_lock, flags);
	}
	return 0;
}

static void vfio_virqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
				   poll_table *pt)
{
	struct virqfd *virqfd = container_of(pt, struct virqfd, pt);

	add_wait_queue(wqh, &virqfd->wait);
}

static void vfio_virqfd_run_thread(struct work_struct *work)
{
	struct virqfd *virqfd = container_of(work, struct virqfd, run_thread);

	virqfd->thread(virqfd->opaque, virqfd->data);
}

static void vfio_virqfd_wait_thread(struct work_struct *work)
{
	struct virqfd *virqfd = container_of(work, struct virqfd, wait_thread);

	flush_work(&virqfd->run_thread);
}

static void vfio_virqfd_teardown(struct work_struct *work)
{
	struct virqfd *virqfd = container_of(work, struct virqfd, teardown);
	u64 count;

	eventfd_ctx_remove_wait_queue(virqfd->eventfd, &virqfd->wait, &count);
	flush_work(&virqfd->run_thread);
	eventfd_ctx_put(virqfd->eventfd);
	kfree(virqfd);
}

/**
 * vfio_virqfd_enable - call a function whenever an eventfd is signalled
 * @opaque: first argument of @handler and @thread
 * @handler: called in atomic context on each signal; returns nonzero to
 *	have @thread run as well.  May be NULL (then @thread always runs).
 * @thread: called from a work item; may be NULL
 * @data: second argument of @handler and @thread
 * @pvirqfd: the driver's slot for the virqfd; must be NULL
 * @fd: the eventfd
 *
 * A signal pending when this is called is handled at once.  Closing the
 * eventfd disables the virqfd and clears *@pvirqfd.
 *
 * Return: 0, -EBUSY if *@pvirqfd is already set, -EBADF if @fd is not
 * open, -EINVAL if it is not an eventfd, or -ENOMEM.
 */
int vfio_virqfd_enable(void *opaque, int (*handler)(void *opaque, void *data),
		       void (*thread)(void *opaque, void *data), void *data,
		       struct virqfd **pvirqfd, int fd)
{
	struct eventfd_ctx *eventfd;
	struct virqfd *virqfd;
	struct file *file;
	__poll_t events;
	int ret;

	virqfd = kzalloc(sizeof(*virqfd), GFP_KERNEL_ACCOUNT);
	if (!virqfd)
		return -ENOMEM;
	virqfd->opaque = opaque;
	virqfd->handler = handler;
	virqfd->thread = thread;
	virqfd->data = data;
	virqfd->slot = pvirqfd;
	INIT_WORK(&virqfd->run_thread, vfio_virqfd_run_thread);
	INIT_WORK(&virqfd->teardown, vfio_virqfd_teardown);
	INIT_WORK(&virqfd->wait_thread, vfio_virqfd_wait_thread);

	file = fget(fd);
	if (!file) {
		ret = -EBADF;
		goto err_free;
	}
	eventfd = eventfd_ctx_fileget(file);
	if (IS_ERR(eventfd)) {
		ret = PTR_ERR(eventfd);
		goto err_fput;
	}
	virqfd->eventfd = eventfd;

	spin_lock_irq(&vfio_virqfd_lock);
	if (*pvirqfd) {
		spin_unlock_irq(&vfio_virqfd_lock);
		ret = -EBUSY;
		goto err_eventfd;
	}
	*pvirqfd = virqfd;
	spin_unlock_irq(&vfio_virqfd_lock);

	init_waitqueue_func_entry(&virqfd->wait, vfio_virqfd_wakeup);
	init_poll_funcptr(&virqfd->pt, vfio_virqfd_queue_proc);
	events = vfs_poll(file, &virqfd->pt);

	/* A signal that came before we were hooked is not lost. */
	if (events & EPOLLIN)
		vfio_virqfd_fire(virqfd);

	/* Hold the file until hooked up, so EPOLLHUP cannot come earlier. */
	fput(file);
	return 0;

err_eventfd:
	eventfd_ctx_put(eventfd);
err_fput:
	fput(file);
err_free:
	kfree(virqfd);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_virqfd_enable);

/**
 * vfio_virqfd_disable - stop a virqfd
 * @pvirqfd: the slot given to vfio_virqfd_enable(); may hold NULL
 *
 * On return *@pvirqfd is NULL, the virqfd is freed and neither its
 * handler nor its thread runs any more.
 *
 * Context: process context; sleeps.
 */
void vfio_virqfd_disable(struct virqfd **pvirqfd)
{
	unsigned long flags;

	spin_lock_irqsave(&vfio_virqfd_lock, flags);
	if (*pvirqfd)
		vfio_virqfd_detach_locked(*pvirqfd);
	spin_unlock_irqrestore(&vfio_virqfd_lock, flags);

	/* Also waits for a teardown queued by EPOLLHUP. */
	flush_workqueue(vfio_virqfd_wq);
}
EXPORT_SYMBOL_GPL(vfio_virqfd_disable);

/**
 * vfio_virqfd_flush_thread - wait for a queued thread call to finish
 * @pvirqfd: the slot given to vfio_virqfd_enable(); may hold NULL
 *
 * Context: process context; sleeps.
 */
void vfio_virqfd_flush_thread(struct virqfd **pvirqfd)
{
	unsigned long flags;

	/* Still in the slot: its teardown, if any, gets queued after us. */
	spin_lock_irqsave(&vfio_virqfd_lock, flags);
	if (*pvirqfd && (*pvirqfd)->thread)
		queue_work(vfio_virqfd_wq, &(*pvirqfd)->wait_thread);
	spin_unlock_irqrestore(&vfio_virqfd_lock, flags);

	flush_workqueue(vfio_virqfd_wq);
}
EXPORT_SYMBOL_GPL(vfio_virqfd_flush_thread);

int vfio_virqfd_init(void)
{
	vfio_virqfd_wq = alloc_ordered_workqueue("vfio-virqfd", 0);
	return vfio_virqfd_wq ? 0 : -ENOMEM;
}

void vfio_virqfd_exit(void)
{
	destroy_workqueue(vfio_virqfd_wq);
}
