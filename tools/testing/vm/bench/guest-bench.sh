#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of bench.sh: reserve hugepages, bind edu to vfio-pci, run
# vfio-bench on it.  Its BENCH lines land in the run folder's output.
#
#   guest-bench.sh VFIO_BENCH_BINARY [vfio-bench options...]
set -u
bin=$1
shift

# Early, before memory fragments: 512 pages back the 1 GiB hugetlb buffer.
echo 520 >/proc/sys/vm/nr_hugepages
huge=$(awk '/^HugePages_Total:/ {print $2}' /proc/meminfo)
echo "# hugepages reserved: $huge"
[ "$huge" -ge 512 ] || echo "guest-bench: only $huge hugepages; the hugetlb workloads will fail" >&2

for m in vfio-pci vfio_iommu_type1; do
	if ! modprobe $m; then
		echo "guest-bench: modprobe $m failed" >&2
		exit 1
	fi
done
echo "# modules: $(lsmod | awk 'NR > 1 && /vfio|irqbypass/ {printf "%s ", $1}')"

dev=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ]; then
		dev=$d
		break
	fi
done
[ -n "$dev" ] || { echo "guest-bench: no edu device (1234:11e8)" >&2; exit 1; }
bdf=${dev##*/}

echo vfio-pci >"$dev/driver_override"
if [ -e "$dev/driver" ]; then
	echo "$bdf" >"$dev/driver/unbind"
fi
echo "$bdf" >/sys/bus/pci/drivers_probe
drv=$(basename "$(readlink "$dev/driver" 2>/dev/null)" 2>/dev/null)
if [ "$drv" != vfio-pci ]; then
	echo "guest-bench: $bdf did not bind to vfio-pci (driver: ${drv:-none})" >&2
	exit 1
fi
echo "# edu at $bdf, iommu group $(basename "$(readlink "$dev/iommu_group")")"

"$bin" "$@" "$bdf"
rc=$?
# Anything the kernel said while we ran (a WARN would be news).
dmesg | grep -iE 'vfio|warn|bug|oops|call trace' | tail -20 | sed 's/^/# dmesg: /'
exit $rc
