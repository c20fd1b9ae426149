#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test VM.  The root is the host's, read-only; make the few
# writable places a test needs, put our modules on /lib/modules, run the
# command the host left in the run folder, report its status, power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm 2>/dev/null
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
for d in /tmp /run /root /var/tmp /var/run /mnt; do
	mount -t tmpfs -o mode=1777 tmpfs "$d"
done
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /run/out /dev/hugepages
mount -t hugetlbfs hugetlbfs /dev/hugepages
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vfioout /run/out
mount --bind "$(cat /run/out/modroot)/lib/modules" /lib/modules
hostname vfio-vm

cd "$(dirname "$0")/../../.." || cd /
echo "vfio-harness: guest up, running: $(cat /run/out/cmd)" >/dev/kmsg
bash /run/out/cmd 2>&1 | tee /run/out/output
echo "${PIPESTATUS[0]}" >/run/out/status
sync
umount /run/out
# Power off; PID 1 must not exit meanwhile, or the kernel panics.
echo o >/proc/sysrq-trigger
while :; do sleep 1; done
