// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ioctl dispatcher used by every VFIO file.
 *
 * Almost every VFIO ioctl takes a structure that opens with a u32 argsz
 * (the number of bytes the caller made available) and a u32 flags.  A
 * table row (struct vfio_ioctl_op) tells the dispatcher how large the
 * kernel's idea of the structure is, how much of it the caller must
 * provide, and which flags are known.  The dispatcher then does, once for
 * all handlers:
 *
 *   argsz < min_size                    -> -EINVAL
 *   copy min(argsz, size) bytes in, zero the rest
 *   flags outside valid_flags           -> -EINVAL
 *   handler(obj, kernel copy, user pointer)
 *   copy min(argsz, size) bytes back    (rows with copy_out, on success;
 *                                        rows with copy_out_enospc also
 *                                        on -ENOSPC)
 *
 * The argsz field of the kernel copy is the one validated here, so a
 * handler may trust it; a handler that needs more room than the caller
 * gave (capability chains) raises it to say how much, and the copy back
 * never writes past what the caller supplied.  A row's min_size is
 * checked at build time (VFIO_IOCTL_OP()) to cover argsz and flags.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

/* Kernel copies up to this size live on the stack. */
#define VFIO_IOCTL_ONSTACK	128

static const struct vfio_ioctl_op *
vfio_ioctl_lookup(const struct vfio_ioctl_op *table, size_t nr_ops,
		  unsigned int cmd)
{
	size_t i;

	for (i = 0; i < nr_ops; i++)
		if (table[i].cmd == cmd)
			return &table[i];
	return NULL;
}

static long vfio_ioctl_run(void *obj, const struct vfio_ioctl_op *op,
			   void __user *uarg, void *karg)
{
	u32 *head = karg;
	size_t len;
	u32 argsz;
	long ret;

	if (get_user(argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (argsz < op->min_size)
		return -EINVAL;

	len = min_t(size_t, argsz, op->size);
	if (copy_from_user(karg, uarg, len))
		return -EFAULT;
	/* Only an older, shorter structure leaves a tail to clear. */
	if (len < op->size)
		memset(karg + len, 0, op->size - len);

	/* The user may have changed argsz since we read it: use ours. */
	head[0] = argsz;
	if (head[1] & ~op->valid_flags)
		return -EINVAL;

	ret = op->handler(obj, karg, uarg);
	if (!op->copy_out || (ret < 0 && !(ret == -ENOSPC && op->copy_out_enospc)))
		return ret;

	if (copy_to_user(uarg, karg, len))
		return -EFAULT;
	return ret;
}

/**
 * vfio_ioctl_dispatch - run an ioctl through a table of handlers
 * @obj: passed to the handler unchanged
 * @table: the rows, built with VFIO_IOCTL_OP() and VFIO_IOCTL_RAW()
 * @nr_ops: number of rows in @table
 * @cmd: the ioctl number
 * @arg: the ioctl argument
 *
 * A row made with VFIO_IOCTL_INT() is passed the argument as an integer.
 * A row whose @min_size is 0 is passed the raw argument as a user
 * pointer and no kernel copy.  Otherwise the argsz, copy-in, flags and
 * copy-out steps described at the top of this file happen here, and the
 * handler works on a kernel copy.  Use %VFIO_IOCTL_ANY_FLAGS as
 * @valid_flags when flags is an output of the ioctl.
 *
 * Context: process context; the handler may sleep.
 * Return: what the handler returned, a negative errno from the common
 * checks, or -ENOIOCTLCMD if @cmd is not in @table (the VFS turns that
 * into -ENOTTY if it reaches userspace).
 */
long vfio_ioctl_dispatch(void *obj, const struct vfio_ioctl_op *table,
			 size_t nr_ops, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const struct vfio_ioctl_op *op;
	u64 onstack[VFIO_IOCTL_ONSTACK / sizeof(u64)];
	void *karg;
	long ret;

	op = vfio_ioctl_lookup(table, nr_ops, cmd);
	if (!op)
		return -ENOIOCTLCMD;
	if (op->int_handler)
		return op->int_handler(obj, arg);
	if (!op->min_size)
		return op->handler(obj, NULL, uarg);

	if (op->size <= sizeof(onstack)) {
		karg = onstack;
	} else {
		karg = kmalloc(op->size, GFP_KERNEL);
		if (!karg)
			return -ENOMEM;
	}

	ret = vfio_ioctl_run(obj, op, uarg, karg);

	if (karg != onstack)
		kfree(karg);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_ioctl_dispatch);
