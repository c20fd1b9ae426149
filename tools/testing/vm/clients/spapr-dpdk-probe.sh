#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DPDK 22.11's testpmd over the sPAPR v2 backend on the ppc64le guest (not
# in the test plan: it cannot work on this machine, see below).
#
#   spapr-dpdk-probe.sh          on the host: unpack Debian's ppc64el dpdk
#                                and its libraries into
#                                build/dpdk-ppc64el/root (once), then boot
#                                the ppc64le test kernel and run the guest
#                                part; prints testpmd's EAL log
#   spapr-dpdk-probe.sh guest    in the guest: both e1000e to vfio-pci,
#                                testpmd in a chroot of that root, twice
#
# What it shows (QEMU 7.2 pseries, TCG): the guest offers no hugepage size
# (/sys/kernel/mm/hugepages is absent), so testpmd runs with --no-huge;
# with hugepages EAL would ask for a window of their size, a dynamic
# window, and meet the problem of run 1.
#  1. At EAL's default base address its memory ends above 4 GiB, so it
#     asks for an 8 GiB window of 4 KiB pages: a dynamic window, which
#     QEMU places at 1 << 59 because 6.12's pseries code leaves the
#     default window in the hypervisor.  EAL needs its window at 0:
#     "Received unsupported start address 0x800000000000000".
#  2. With --base-virtaddr=0x10000000 the window fits in 1 GiB and is the
#     default window at 0, but --no-huge memory segments are 4 KiB and EAL
#     registers each, which a 64 KiB-page kernel refuses: "Cannot register
#     vaddr for IOMMU, error 22".
# spapr_tce's dpdk_22_11_* tests replay both sequences.
set -u
repo=$(cd "$(dirname "$0")/../../../.." && pwd)
root=$repo/build/dpdk-ppc64el/root

if [ "${1:-}" != guest ]; then
	set -e
	if [ ! -x "$root/usr/bin/dpdk-testpmd" ]; then
		debs=$repo/build/dpdk-ppc64el/debs
		mkdir -p "$debs" "$root"
		# testpmd is in dpdk-dev; its runtime libraries are that
		# package's dependencies (not libdpdk-dev, the headers).
		pkgs=$(apt-cache show dpdk-dev:ppc64el | sed -n 's/^Depends: //p' |
			tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' |
			grep -vxE 'libdpdk-dev|python3' | sed 's/$/:ppc64el/')
		pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests \
			--no-conflicts --no-breaks --no-replaces --no-enhances \
			dpdk-dev:ppc64el $pkgs | grep -v '^[ <]' | grep ':ppc64el$' |
			grep -vE '^(cdebconf|dpkg|install-info|passwd|perl|perl-base|sysvinit-utils|tar|udev|rdma-core|libdpdk-dev):' |
			sort -u)
		(cd "$debs" && apt-get download $pkgs >/dev/null)
		for d in "$debs"/*.deb; do dpkg -x "$d" "$root"; done
		mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
			"$root/run" "$root/var/run"
	fi
	cd "$repo"
	exec make --no-print-directory vm ARCH=ppc64le \
		CMD="sh $repo/tools/testing/vm/clients/spapr-dpdk-probe.sh guest"
fi

# The guest part runs in busybox sh: POSIX only.
modprobe vfio-pci
modprobe vfio_iommu_spapr_tce
nics=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x10d3 ] &&
		nics="$nics ${d##*/}"
done
for b in $nics; do
	[ -e "/sys/bus/pci/devices/$b/driver" ] &&
		echo "$b" >"/sys/bus/pci/devices/$b/driver/unbind"
	echo vfio-pci >"/sys/bus/pci/devices/$b/driver_override"
	echo "$b" >/sys/bus/pci/drivers/vfio-pci/bind
done
set -- $nics
for m in proc sys dev; do mount -o bind "/$m" "$root/$m"; done
# EAL maps its runtime files shared: not on 9p.
for m in tmp run var/run; do mount -t tmpfs none "$root/$m"; done

echo "hugepage sizes: $(ls /sys/kernel/mm/hugepages 2>/dev/null || echo none)"
pmds=/usr/lib/powerpc64le-linux-gnu/dpdk/pmds-23.0
for extra in "" "--base-virtaddr=0x10000000"; do
	echo "=== testpmd --no-huge $extra"
	{ sleep 8; echo "start tx_first"; sleep 6; echo stop; sleep 1
	  echo "show port stats all"; sleep 1; echo quit; } |
		timeout 120 chroot "$root" /lib64/ld64.so.2 \
			--library-path /lib/powerpc64le-linux-gnu:/usr/lib/powerpc64le-linux-gnu \
			/usr/bin/dpdk-testpmd -l 0-1 -n 1 --no-huge -m 256 $extra \
			--iova-mode=va --log-level=eal,debug \
			-d $pmds/librte_net_e1000.so.23 \
			-d $pmds/librte_mempool_ring.so.23 \
			-a "$1" -a "$2" -- -i --forward-mode=io \
			--total-num-mbufs=2048 >/tmp/testpmd.log 2>&1
	echo "testpmd exit status $?"
	sed -n '/Probing VFIO/,/Bus (pci) probe/p' /tmp/testpmd.log |
		grep -vE 'open shared lib|log level changed|^EAL: (Ask|Virtual|VA res)'
done
