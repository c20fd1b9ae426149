#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test VM, in POSIX sh (busybox on the initramfs guests).
#
# Two kinds of guest (lib.sh, HOSTROOT):
#   host root  (x86_64) the root is the host's, read-only over 9p, so tests
#              can run host programs (QEMU, DPDK); writable places are tmpfs
#   initramfs  (ppc64le, arm64) busybox and this script, from run-vm.sh
# Either way the host's repository, build folder and run folder arrive
# over virtio-9p and are mounted at the very paths they have on the host
# (written by run-vm.sh into the run folder's "paths"), so that a path
# the host wrote into a test plan means the same file in the guest
# wherever the repository was cloned, /root and /tmp included.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root TERM=dumb LANG=C.UTF-8
export PATH HOME TERM LANG

if [ -x /bin/busybox ] && [ ! -e /bin/mount ]; then
	/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp \
		/run /root /var/tmp /mnt /lib/modules
	/bin/busybox --install -s
fi
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
	[ -d "$d" ] && mount -t tmpfs -o mode=1777 tmpfs "$d"
done
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /run/out /dev/hugepages
mount -t hugetlbfs hugetlbfs /dev/hugepages
hostname vfio-vm

p9() {	# p9 TAG PATH
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 "$1" "$2"
}

# Powers off; PID 1 must not exit meanwhile, or the kernel panics.
halt_guest() {
	sync
	umount /run/out 2>/dev/null
	echo o >/proc/sysrq-trigger
	# (sleep comes over 9p, which goes away during the power-off)
	while :; do sleep 1 2>/dev/null; done
}

# complain MESSAGE: one line on the console (and in the run folder when it
# is there), then the status the host reads as "guest could not start".
complain() {
	echo "vfio-harness: $*" | tee /dev/kmsg
	[ -d /run/out ] && echo "vfio-harness: $*" >>/run/out/output
	echo 125 >/run/out/status 2>/dev/null
	halt_guest
}

p9 vfioout /run/out || complain "cannot mount the run folder (9p tag vfioout)"
[ -f /run/out/paths ] || complain "the run folder has no 'paths' file"
repo=$(sed -n 's/^repo=//p' /run/out/paths)
build=$(sed -n 's/^build=//p' /run/out/paths)
modroot=$(sed -n 's/^modroot=//p' /run/out/paths)
mkdir -p "$repo" 2>/dev/null
p9 vfiorepo "$repo" || complain "cannot mount the repository at $repo"
if grep -q '^vfiobuild$' /run/out/shares 2>/dev/null; then
	mkdir -p "$build" 2>/dev/null
	p9 vfiobuild "$build" || complain "cannot mount the build folder at $build"
fi
for need in "$repo/tools/testing/vm/guest-tests.sh" "$modroot/lib/modules"; do
	[ -e "$need" ] || complain "guest cannot see $need"
done
mount --bind "$modroot/lib/modules" /lib/modules ||
	complain "cannot bind $modroot/lib/modules on /lib/modules"

cd "$repo" || cd /
echo "vfio-harness: guest up, running: $(cat /run/out/cmd)" >/dev/kmsg
shell=sh
command -v bash >/dev/null && shell=bash
# The status goes through a file: a pipe would hide it in POSIX sh.
( $shell /run/out/cmd; echo $? >/run/out/status ) 2>&1 | tee /run/out/output
halt_guest
