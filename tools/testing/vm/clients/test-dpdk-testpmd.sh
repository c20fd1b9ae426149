#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM: DPDK's testpmd drives the two e1000e NICs (on
# one QEMU hub) through our vfio-pci, in io forwarding: a first burst from
# each port crosses the hub and is forwarded back and forth from then on.
# The port statistics must show it: every port received more than the
# first burst, what one port sent the other received (but for the two
# bursts that circulate, which may be in flight when forwarding stops),
# and no receive errors, misses or mbuf shortages.  Once per IOVA mode behind the IOMMU; with "noiommu", once in
# VFIO's no-IOMMU mode (physical addresses), as DPDK users run it on
# machines without an IOMMU.  Prints TAP.
set -u
. "$(dirname "$0")/lib.sh"
pmds=$(ls -d /usr/lib/*-linux-gnu/dpdk/pmds-* | head -n1)
burst=32	# testpmd's default burst, sent once per port by tx_first
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

if [ "${1:-}" = noiommu ]; then
	modes=(pa)
	modprobe vfio && echo Y >/sys/module/vfio/parameters/enable_unsafe_noiommu_mode
	mods=(vfio vfio_pci_core vfio_pci)
else
	modes=(va pa)
	mods=()
fi
echo "TAP version 13"
echo "1..$((4 + 3 * ${#modes[@]}))"
modprobe vfio-pci
our_vfio_loaded "${mods[@]}"
step "our ${mods[*]:-vfio, vfio_iommu_type1, vfio_pci_core and vfio_pci} loaded" $?
echo 256 >/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
[ ${#nics[@]} = 2 ]
step "two e1000e found (${nics[*]})" $?
ok=0
for b in "${nics[@]}"; do
	bind_pci "$b" vfio-pci || ok=1
done
step "both bound to vfio-pci${1:+ ($1)}" $ok

# stat LOG PORT FIELD: a counter of "show port stats all" in LOG.
stat() {
	awk -v port="$2" -v field="$3:" '
		/NIC statistics for port/ { cur = $(NF - 1) }
		cur == port { for (i = 1; i < NF; i++) if ($i == field) v = $(i + 1) }
		END { print v + 0 }' "$1"
}

for mode in "${modes[@]}"; do
	log=/tmp/testpmd-$mode.log
	: >"$log"
	# The links come up a few seconds after the ports start (longer on a
	# loaded host), and a burst sent before that is lost: ask testpmd
	# for the link states until both ports are up (at most 30 s), then
	# send the first burst.
	{ for _ in $(seq 30); do
		sleep 1
		echo "show port info all"
		sleep 1
		[ "$(grep 'Link status:' "$log" | tail -n2 | grep -c up)" = 2 ] && break
	  done
	  echo "start tx_first"; sleep 6; echo "stop"; sleep 1
	  echo "show port stats all"; sleep 1; echo quit; } |
		timeout 120 dpdk-testpmd -l 0-1 -n 1 --iova-mode=$mode \
			-d "$pmds/librte_net_e1000.so" -d "$pmds/librte_mempool_ring.so" \
			-a "${nics[0]}" -a "${nics[1]}" -- -i --forward-mode=io \
			--total-num-mbufs=2048 >"$log" 2>&1
	rc=$?
	sed 's/^/# /' "$log" | grep -E 'EAL|VFIO|vfio|-packets|-errors|-missed|nombuf|rror' | head -40
	step "testpmd --iova-mode=$mode ran and quit cleanly (status $rc)" $rc
	rx0=$(stat "$log" 0 RX-packets) rx1=$(stat "$log" 1 RX-packets)
	tx0=$(stat "$log" 0 TX-packets) tx1=$(stat "$log" 1 TX-packets)
	ok=1
	[ "$rx0" -gt $burst ] && [ "$rx1" -gt $burst ] &&
		[ $((tx0 - rx1)) -ge 0 ] && [ $((tx0 - rx1)) -le $((2 * burst)) ] &&
		[ $((tx1 - rx0)) -ge 0 ] && [ $((tx1 - rx0)) -le $((2 * burst)) ] && ok=0
	step "iova-mode=$mode: forwarding ran (port 0 tx $tx0 rx $rx0, port 1 tx $tx1 rx $rx1)" $ok
	bad=0
	for p in 0 1; do
		for f in RX-errors RX-missed RX-nombuf TX-errors; do
			v=$(stat "$log" $p $f)
			[ "$v" = 0 ] || { echo "# port $p $f: $v"; bad=1; }
		done
	done
	grep -qiE 'vfio.*(error|fail)|cannot|panic' "$log" && bad=1
	step "iova-mode=$mode: no receive errors, misses or mbuf shortages" $bad
done
for b in "${nics[@]}"; do bind_pci "$b" e1000e; done
ok=0
for b in "${nics[@]}"; do
	[ -d "/sys/bus/pci/devices/$b/net" ] || ok=1
done
step "both NICs back on e1000e with a net device" $ok
exit $fails
