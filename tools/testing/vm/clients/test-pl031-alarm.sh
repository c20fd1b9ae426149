#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the arm64 test VM (busybox, POSIX sh): the example platform
# driver (tools/vfio/pl031-alarm.c) reads the PL031 RTC and takes its
# alarm interrupt through our vfio-amba in noiommu mode, then the RTC goes
# back to rtc-pl031 and must keep time.  Prints TAP.
set -u
tools=${VFIO_TOOLS:?VFIO_TOOLS names the built tools/vfio programs}
amba=/sys/bus/amba/devices
param=/sys/module/vfio/parameters/enable_unsafe_noiommu_mode
n=0
check() {
	n=$((n + 1))
	if eval "$1"; then echo "ok $n $2"; else echo "not ok $n $2"; fi
}
echo "TAP version 13"
echo "1..8"

dev=
for d in "$amba"/*; do
	[ "$(cat "$d/of_node/compatible" 2>/dev/null | tr '\0' ' ')" = "arm,pl031 arm,primecell " ] &&
		dev=$(basename "$d")
done
check '[ -n "$dev" ]' "the virt machine has a PL031 on the AMBA bus ($dev)"

modprobe vfio-amba
echo Y >"$param"
[ -e "$amba/$dev/driver" ] && echo "$dev" >"$amba/$dev/driver/unbind"
echo vfio-amba >"$amba/$dev/driver_override"
echo "$dev" >/sys/bus/amba/drivers/vfio-amba/bind
check '[ "$(basename "$(readlink "$amba/$dev/driver")")" = vfio-amba ]' \
	"$dev is bound to vfio-amba"
# Only our vfio.ko exports the table dispatcher (vfio_ioctl_begin).
check 'grep -q " vfio_ioctl_begin[[:space:]]*\[vfio\]" /proc/kallsyms' \
	"the VFIO core is ours"

out=$("$tools/pl031-alarm" "$dev" 2 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check 'echo "$out" | grep -q "peripheral ID 0x00141031"' \
	"the register page is mapped: PL031 peripheral ID"
check 'echo "$out" | grep -q "alarm interrupt received after [1-4] s: count 1,"' \
	"the alarm interrupt arrives on the eventfd, once"
check 'echo "$out" | grep -q "reset: match register 0x0$"' \
	"VFIO_DEVICE_RESET through the PL031 reset module"
check '[ $rc = 0 ]' "pl031-alarm exits 0 (got $rc)"

echo "" >"$amba/$dev/driver_override"
echo "$dev" >"$amba/$dev/driver/unbind"
echo "$dev" >/sys/bus/amba/drivers/rtc-pl031/bind
echo N >"$param"
rtc=$(ls -d "$amba/$dev"/rtc/rtc* 2>/dev/null | head -n1)
t0=$(cat "$rtc/since_epoch" 2>/dev/null || echo 0)
sleep 2
t1=$(cat "$rtc/since_epoch" 2>/dev/null || echo 0)
check '[ "$t0" -gt 1000000000 ] && [ "$t1" -gt "$t0" ]' \
	"back on rtc-pl031 the clock runs ($t0 -> $t1)"
