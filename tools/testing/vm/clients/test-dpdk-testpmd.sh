#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM: DPDK's testpmd drives the two e1000e NICs (on
# one QEMU hub) through our vfio-pci.  Both ports transmit; each must
# receive what the other sent.  Once per IOVA mode.  Prints TAP.
set -u
. "$(dirname "$0")/lib.sh"
pmds=$(ls -d /usr/lib/*-linux-gnu/dpdk/pmds-* | head -n1)
n=0
fails=0
step() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n $1"; else echo "not ok $n $1"; fails=1; fi
}
nics=()
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x10d3 ] &&
		nics+=("$(basename "$d")")
done

echo "TAP version 13"
echo "1..8"
modprobe vfio-pci
our_vfio_loaded
step "our vfio, vfio_iommu_type1, vfio_pci_core and vfio_pci are loaded" $?
echo 256 >/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
[ ${#nics[@]} = 2 ]
step "two e1000e found (${nics[*]})" $?
ok=0
for b in "${nics[@]}"; do
	bind_pci "$b" vfio-pci || ok=1
done
step "both bound to vfio-pci" $ok

for mode in va pa; do
	log=/tmp/testpmd-$mode.log
	# io forwarding after a first burst: what port 0 sends crosses the hub
	# to port 1, which forwards it back, so both ports keep receiving.  The
	# links come up a few seconds after the ports start, and a burst sent
	# before that is lost, so wait, and send a second burst later on.
	{ sleep 8; echo "start tx_first"; sleep 4; echo "stop"; sleep 1
	  echo "start tx_first"; sleep 4; echo "stop"; sleep 1
	  echo "show port stats all"; sleep 1; echo quit; } |
		timeout 120 dpdk-testpmd -l 0-1 -n 1 --iova-mode=$mode \
			-d "$pmds/librte_net_e1000.so" -d "$pmds/librte_mempool_ring.so" \
			-a "${nics[0]}" -a "${nics[1]}" -- -i --forward-mode=io \
			--total-num-mbufs=2048 >"$log" 2>&1
	rc=$?
	sed 's/^/# /' "$log" | grep -E 'EAL|VFIO|vfio|RX-packets|TX-packets|error|Error' | head -30
	step "testpmd --iova-mode=$mode ran and quit cleanly (status $rc)" $rc
	# The last two RX-packets lines are the per-port hardware counters
	# printed by "show port stats all"; both must be non-zero.
	rx=$(grep -oE 'RX-packets: +[0-9]+' "$log" | tail -n2 | awk '{print $2}' | xargs)
	bad=$(grep -ciE 'vfio.*(error|fail)|cannot|panic' "$log")
	ok=1
	case $rx in [1-9]*\ [1-9]*) [ "$bad" = 0 ] && ok=0 ;; esac
	step "iova-mode=$mode: each port received the other's packets (rx: $rx)" $ok
done
for b in "${nics[@]}"; do bind_pci "$b" e1000e; done
ok=0
for b in "${nics[@]}"; do
	[ -d "/sys/bus/pci/devices/$b/net" ] || ok=1
done
step "both NICs back on e1000e with a net device" $ok
exit $fails
