// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ioctl dispatcher used by every VFIO file.
 *
 * Almost every VFIO ioctl takes a structure that opens with a u32 argsz
 * (the number of bytes the caller made available) and a u32 flags.  A
 * table row (of a VFIO_IOCTL_TABLE() type) names the handler and tells
 * the dispatcher (in its struct vfio_ioctl_desc) how large the kernel's
 * idea of the structure is, how much of it the caller must provide, and
 * which flags are known.  The dispatcher then does, once for all
 * handlers:
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
 *
 * Each table is declared for one type of object, and its handlers take
 * that type, not a void pointer.  So that the compiler can check the
 * call, vfio_ioctl_dispatch() is a macro calling the handler in the
 * caller; the steps before and after the handler, which need no type,
 * are the two functions here.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

/**
 * vfio_ioctl_begin - find an ioctl's row and make its kernel copy
 * @call: filled in for vfio_ioctl_end()
 * @first: the descriptor of the table's first row
 * @stride: the size of a row (the descriptor opens each row)
 * @nr: the number of rows
 * @cmd: the ioctl number
 * @arg: the ioctl argument
 *
 * The first half of vfio_ioctl_dispatch(), which then calls the row's
 * handler itself, with the table's types.
 *
 * Return: 0 when the handler is to run (@call->index names its row; for a
 * row with a kernel copy, vfio_ioctl_end() must follow), -ENOIOCTLCMD
 * when no row has @cmd, or the errno of the common checks.
 */
long vfio_ioctl_begin(struct vfio_ioctl_call *call,
		      const struct vfio_ioctl_desc *first, size_t stride,
		      size_t nr, unsigned int cmd, unsigned long arg)
{
	const struct vfio_ioctl_desc *desc;
	u32 *head;
	u32 argsz;
	size_t i;

	call->uarg = (void __user *)arg;
	call->karg = NULL;
	for (i = 0; i < nr; i++) {
		desc = (const void *)first + i * stride;
		if (desc->cmd == cmd)
			break;
	}
	if (i == nr)
		return -ENOIOCTLCMD;
	call->desc = desc;
	call->index = i;
	if (!desc->min_size)
		return 0;

	if (get_user(argsz, (u32 __user *)call->uarg))
		return -EFAULT;
	if (argsz < desc->min_size)
		return -EINVAL;

	if (desc->size <= sizeof(call->onstack)) {
		call->karg = call->onstack;
	} else {
		call->karg = kmalloc(desc->size, GFP_KERNEL);
		if (!call->karg)
			return -ENOMEM;
	}

	call->len = min_t(size_t, argsz, desc->size);
	if (copy_from_user(call->karg, call->uarg, call->len))
		goto err_fault;
	/* Only an older, shorter structure leaves a tail to clear. */
	if (call->len < desc->size)
		memset(call->karg + call->len, 0, desc->size - call->len);

	/* The user may have changed argsz since we read it: use ours. */
	head = call->karg;
	head[0] = argsz;
	if (head[1] & ~desc->valid_flags) {
		vfio_ioctl_end(call, -EINVAL);
		return -EINVAL;
	}
	return 0;

err_fault:
	vfio_ioctl_end(call, -EFAULT);
	return -EFAULT;
}
EXPORT_SYMBOL_GPL(vfio_ioctl_begin);

/**
 * vfio_ioctl_end - copy a handler's result back and free the kernel copy
 * @call: from vfio_ioctl_begin()
 * @ret: what the handler returned
 *
 * The second half of vfio_ioctl_dispatch().
 *
 * Return: @ret, or -EFAULT when the result could not be copied back.
 */
long vfio_ioctl_end(struct vfio_ioctl_call *call, long ret)
{
	const struct vfio_ioctl_desc *desc = call->desc;
	bool out;

	if (!call->karg)
		return ret;
	out = desc->copy_out &&
	      (ret >= 0 || (ret == -ENOSPC && desc->copy_out_enospc));
	if (out && copy_to_user(call->uarg, call->karg, call->len))
		ret = -EFAULT;
	if (call->karg != call->onstack)
		kfree(call->karg);
	call->karg = NULL;
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_ioctl_end);
