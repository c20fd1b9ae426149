#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM: QEMU device assignment of the emulated NVMe
# through our VFIO.  A nested guest (TCG, booting the lean kernel: the
# debug options of the test kernel make a TCG-in-TCG boot take minutes)
# writes a random pattern to the assigned disk with O_DIRECT and reads it
# back; then the NVMe goes back to the host nvme driver, which must read
# the same pattern.  Prints TAP.  NESTED_KERNEL, NESTED_MEM, PATTERN_MB
# may be set.
set -u
repo=$(cd "$(dirname "$0")/../../../.." && pwd)
. "$repo/tools/testing/vm/lib.sh"
. "$(dirname "$0")/lib.sh"
mb=${PATTERN_MB:-8}
n=0
fails=0
step() {	# step DESCRIPTION RESULT(0 ok)
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n $1"; else echo "not ok $n $1"; fails=1; fi
}
find_nvme() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1b36 ] && [ "$(cat "$d/device")" = 0x0010 ] &&
			{ basename "$d"; return; }
	done
}

echo "TAP version 13"
echo "1..9"
bdf=$(find_nvme)
work=/tmp/nvme-assign
mkdir -p "$work"
head -c $((mb << 20)) /dev/urandom >"$work/pattern"

modprobe vfio-pci
our_vfio_loaded
step "our vfio, vfio_iommu_type1, vfio_pci_core and vfio_pci are loaded" $?

bind_pci "$bdf" vfio-pci
group=$(basename "$(readlink "/sys/bus/pci/devices/$bdf/iommu_group")")
[ "$(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")")" = vfio-pci ] &&
	[ -c "/dev/vfio/$group" ]
step "NVMe $bdf bound to vfio-pci, /dev/vfio/$group exists" $?

# The nested guest runs from an initramfs: static busybox, its /init and
# the pattern.
kernel=$NESTED_KERNEL
[ -f "$kernel" ]
step "nested guest kernel $kernel exists (make lean-kernel)" $?
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys"
cp /bin/busybox "$rootfs/bin/busybox"
cp "$repo/tools/testing/vm/clients/nvme-nested-init.sh" "$rootfs/init"
cp "$work/pattern" "$rootfs/pattern"
(cd "$rootfs" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio"
# loglevel=5: every console line costs a lot under TCG inside TCG, but
# the nvme driver's timeout warnings must show.  The
# nested console is shown as it comes (TAP comments), for make demo.
append="console=ttyS0 panic=-1 no_timer_check loglevel=${NESTED_LOGLEVEL:-5} rdinit=/init"
echo "# starting the nested guest (QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}'), -device vfio-pci,host=$bdf)"
timeout 780 qemu-system-x86_64 -M q35 -accel tcg -cpu max -m "${NESTED_MEM:-512M}" \
	-kernel "$kernel" -initrd "$work/initramfs.cpio" -append "$append" \
	-nographic -no-reboot -display none -vga none -net none \
	-device vfio-pci,host="$bdf" </dev/null 2>&1 |
	sed -u 's/\r//g; s/\x1b[[0-9;?]*[a-zA-Z]//g' | tee "$work/nested.log" |
	sed -u 's/^/# nested: /'
qrc=${PIPESTATUS[0]}
cp "$work/nested.log" /run/out/ 2>/dev/null
step "nested QEMU ran and exited cleanly (status $qrc)" $qrc
grep -q '^NESTED-RESULT: pattern verified' "$work/nested.log"
step "nested guest's nvme driver wrote and read back the pattern" $?
# A lost interrupt shows as an nvme timeout the driver recovered by
# polling the completion queue: the data may still be right, but the
# assignment's interrupt path was not.
! grep -qiE 'completion polled|nvme.*timeout' "$work/nested.log"
step "nested guest's nvme driver ran on interrupts (no timeout, no polled completion)" $?
grep -q 'reboot: Power down' "$work/nested.log"
step "nested guest shut down cleanly" $?

bind_pci "$bdf" nvme
for i in $(seq 50); do
	dev=$(ls -d /sys/bus/pci/devices/"$bdf"/nvme/nvme*/nvme*n1 2>/dev/null | head -n1)
	[ -n "$dev" ] && [ -b "/dev/$(basename "$dev")" ] && break
	sleep 0.2
done
blk=/dev/$(basename "${dev:-none}")
dd if="$blk" of="$work/readback" bs=1M count="$mb" iflag=direct status=none
cmp -s "$work/pattern" "$work/readback"
step "host nvme driver reads the same pattern from $blk after unbind" $?

# The comparison must be able to fail: flip one byte on the disk itself
# (through the host driver, O_DIRECT) and the same check must see it.
off=$(((mb << 20) / 2))
dd if="$work/pattern" of="$work/block" bs=4096 skip=$((off / 4096)) count=1 status=none
byte=$(od -An -tu1 -N1 "$work/block" | tr -d ' ')
# shellcheck disable=SC2059
printf "\\$(printf '%03o' $((byte ^ 0xff)))" |
	dd of="$work/block" bs=1 count=1 conv=notrunc status=none
dd if="$work/block" of="$blk" bs=4096 seek=$((off / 4096)) count=1 oflag=direct status=none
dd if="$blk" of="$work/readback" bs=1M count="$mb" iflag=direct status=none
! cmp -s "$work/pattern" "$work/readback"
step "one byte corrupted on the disk is detected by the same comparison" $?
exit $fails
