#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the nested guest of test-nvme-assign.sh: write the pattern to the
# assigned NVMe with O_DIRECT, read it back, compare, power off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
work=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^nested_work=//p')
mb=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^nested_mb=//p')
# /tmp stays the outer guest's (it holds the pattern); scratch goes to /mnt.
mount -t tmpfs tmpfs /mnt
for i in $(seq 100); do [ -b /dev/nvme0n1 ] && break; sleep 0.1; done
echo "NESTED: $(ls /sys/class/nvme 2>/dev/null) $(cat /sys/block/nvme0n1/size 2>/dev/null) sectors"
if dd if="$work/pattern" of=/dev/nvme0n1 bs=1M count="$mb" oflag=direct status=none &&
   dd if=/dev/nvme0n1 of=/mnt/readback bs=1M count="$mb" iflag=direct status=none &&
   cmp "$work/pattern" /mnt/readback; then
	echo "NESTED-RESULT: pattern verified"
else
	echo "NESTED-RESULT: pattern mismatch or I/O error"
fi
sync
echo o >/proc/sysrq-trigger
while :; do sleep 1; done
