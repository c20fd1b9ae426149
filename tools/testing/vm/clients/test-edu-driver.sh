#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM: the example edu driver (tools/vfio/edu-driver.c)
# against the emulated edu device through our vfio-pci.  Prints TAP.
set -u
repo=$(cd "$(dirname "$0")/../../../.." && pwd)
. "$repo/tools/testing/vm/lib.sh"
. "$(dirname "$0")/lib.sh"
echo "TAP version 13"
echo "1..5"
bdf=$(grep -l 0x11e8 /sys/bus/pci/devices/*/device | head -n1 | xargs dirname | xargs basename)
modprobe vfio-pci
bind_pci "$bdf" vfio-pci
our_vfio_loaded && echo "ok 1 our VFIO modules are loaded" ||
	echo "not ok 1 our VFIO modules are loaded"
out=$("${VFIO_TOOLS:-$BUILD/$ARCH-tools}/edu-driver" "$bdf")
rc=$?
echo "$out" | sed 's/^/# /'
n=1
check() { n=$((n + 1)); if grep -q "$1" <<<"$out"; then echo "ok $n $2"; else echo "not ok $n $2"; fi; }
check "ID register 0x010000ed" "BAR0 mmap reads edu's ID register"
check "DMA 1024 bytes to the device and back: identical" "DMA both ways, byte for byte"
check "MSI: interrupt received" "MSI delivered through the eventfd"
[ $rc = 0 ] && echo "ok 5 edu-driver exits 0" || echo "not ok 5 edu-driver exits $rc"
echo "" >"/sys/bus/pci/devices/$bdf/driver_override"
echo "$bdf" >"/sys/bus/pci/devices/$bdf/driver/unbind"
