#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of bench.sh: reserve hugepages, bind edu, an ivshmem-plain
# (the 1 GiB BAR of the bar_* workloads and map_bar_1g) and an e1000e
# (device_reset) to vfio-pci, run vfio-bench on edu.  Its BENCH lines land
# in the run folder's output.
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

# type1 goes with VFIO's own container; without it (stock-compat) iommufd
# serves /dev/vfio/vfio and there is no type1 to load.
# It charges pins to the user, not to VmLck: vfio-bench -U.
mods=vfio-pci
if zcat /proc/config.gz | grep -qx 'CONFIG_VFIO_CONTAINER=y'; then
	mods="$mods vfio_iommu_type1"
else
	set -- -U "$@"
fi
for m in $mods; do
	if ! modprobe "$m"; then
		echo "guest-bench: modprobe $m failed" >&2
		exit 1
	fi
done
echo "# modules: $(lsmod | awk 'NR > 1 && /vfio|irqbypass/ {printf "%s ", $1}')"

# find_dev VENDOR DEVICE: the sysfs folder of the first such function.
find_dev() {
	local d
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

# bind_vfio SYSFS_DIR: hand the function to vfio-pci.
bind_vfio() {
	local dev=$1 bdf=${1##*/} drv
	echo vfio-pci >"$dev/driver_override"
	if [ -e "$dev/driver" ]; then
		echo "$bdf" >"$dev/driver/unbind"
	fi
	echo "$bdf" >/sys/bus/pci/drivers_probe
	drv=$(basename "$(readlink "$dev/driver" 2>/dev/null)" 2>/dev/null)
	if [ "$drv" != vfio-pci ]; then
		echo "guest-bench: $bdf did not bind to vfio-pci (driver: ${drv:-none})" >&2
		return 1
	fi
	echo "# $bdf ($(cat "$dev/vendor"):$(cat "$dev/device")) on vfio-pci, iommu group" \
		"$(basename "$(readlink "$dev/iommu_group")"), reset methods: $(cat "$dev/reset_method" 2>/dev/null)"
}

dev=$(find_dev 0x1234 0x11e8) || { echo "guest-bench: no edu device (1234:11e8)" >&2; exit 1; }
bdf=${dev##*/}
bind_vfio "$dev" || exit 1

# The large BAR: ivshmem-plain's BAR2, 1 GiB of host shared memory; in a
# group of its own, which vfio-bench adds to edu's container.
if idev=$(find_dev 0x1af4 0x1110) && bind_vfio "$idev"; then
	set -- -I "${idev##*/}" "$@"
else
	echo "guest-bench: no ivshmem-plain (1af4:1110) for the large BAR workloads" >&2
fi

# device_reset needs a function with a reset method, which edu lacks: an
# e1000e (PM reset: D3hot and back) if the VM has one.
if rdev=$(find_dev 0x8086 0x10d3) && bind_vfio "$rdev"; then
	set -- -R "${rdev##*/}" "$@"
else
	echo "guest-bench: no e1000e (8086:10d3) for device_reset" >&2
fi

# vfio-bench's output goes to tmpfs and the console while it runs, and to
# the run folder (9p) only after: the guest's 9p pins the pages of each
# write for a while, which its pin counts would see as noise.  Settle
# what this script's own writes pinned before it starts.
sync
sleep 1
set -o pipefail
"$bin" "$@" "$bdf" 2>&1 | tee /tmp/vfio-bench.out >/dev/console
rc=$?
cat /tmp/vfio-bench.out
# Anything the kernel said while we ran (a WARN would be news).
dmesg | grep -iE 'vfio|warn|bug|oops|call trace' | tail -20 | sed 's/^/# dmesg: /'
exit $rc
