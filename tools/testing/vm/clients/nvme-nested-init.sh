#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the nested guest of test-nvme-assign.sh, run from an initramfs
# that holds a static busybox and the pattern: write the pattern to the
# assigned NVMe with O_DIRECT, read it back, compare, power off.  Nothing
# comes over 9p: every exec would cross two levels of TCG.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mb=$(($(stat -c %s /pattern) >> 20))
i=0
while [ ! -b /dev/nvme0n1 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "NESTED: $(ls /sys/class/nvme) $(cat /sys/block/nvme0n1/size) sectors;" \
	"writing $mb MiB with O_DIRECT, reading back"
if dd if=/pattern of=/dev/nvme0n1 bs=1M count="$mb" oflag=direct 2>/dev/null &&
   dd if=/dev/nvme0n1 of=/readback bs=1M count="$mb" iflag=direct 2>/dev/null &&
   cmp /pattern /readback; then
	echo "NESTED-RESULT: pattern verified"
else
	echo "NESTED-RESULT: pattern mismatch or I/O error"
fi
sync
poweroff -f
