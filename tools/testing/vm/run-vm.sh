#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the built test kernel under QEMU (TCG) and run one command in it.
#
#   run-vm.sh [options] [--] COMMAND...
#     -d DEVICE   extra QEMU -device argument (repeatable), e.g. -d edu
#     -q ARG      extra raw QEMU argument (repeatable)
#     -n          no default devices (edu, nvme, two e1000e on one hub)
#     -m MEM      guest memory (default 2G)
#     -t SECONDS  time limit for the whole run (default 1800)
#     -o DIR      run folder (default build/runs/<time>-<pid>)
#     -a ARGS     extra kernel command line
#     -v          also show the guest console on stdout
#
# The guest's root is the host's root, read-only over virtio-9p, so the
# command can run any host program (QEMU, DPDK, test binaries).  Our
# modules are on /lib/modules; /tmp, /run, /root are tmpfs; /run/out is
# the run folder, writable, where the command's output also goes.
# Exit status: the command's own, or 124 when the time limit is hit,
# or 125 when the guest died before reporting one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mem=2G
limit=1800
defaults=1
verbose=0
rundir=
append=
devices=()
qextra=()
while getopts "d:q:nm:t:o:a:v" opt; do
	case $opt in
	d) devices+=("$OPTARG") ;;
	q) qextra+=("$OPTARG") ;;
	n) defaults=0 ;;
	m) mem=$OPTARG ;;
	t) limit=$OPTARG ;;
	o) rundir=$OPTARG ;;
	a) append="$append $OPTARG" ;;
	v) verbose=1 ;;
	*) sed -n '3,22s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "run-vm.sh: no command given" >&2; exit 2; }

kernel=$OUT/$KIMAGE
[ -f "$kernel" ] || { echo "run-vm.sh: no kernel at $kernel; run 'make kernel'" >&2; exit 2; }
[ -d "$MODROOT/lib/modules" ] || { echo "run-vm.sh: no modules in $MODROOT" >&2; exit 2; }
# The guest bind-mounts our modules here; the host needs the mount point.
[ -d /lib/modules ] || mkdir -p /lib/modules

rundir=${rundir:-$RUNS/$(date +%Y%m%d-%H%M%S)-$$}
mkdir -p "$rundir"
rundir=$(cd "$rundir" && pwd)
rm -f "$rundir/status" "$rundir/output"
printf '%s\n' "$*" >"$rundir/cmd"
printf '%s\n' "$MODROOT" >"$rundir/modroot"

if [ $defaults = 1 ]; then
	[ -f "$rundir/nvme.img" ] || truncate -s 64M "$rundir/nvme.img"
	devices=(edu "nvme,serial=vfio0,drive=nvm0" "e1000e,netdev=hub0p0,romfile=,mac=52:54:00:00:00:10"
		 "e1000e,netdev=hub0p1,romfile=,mac=52:54:00:00:00:11" "${devices[@]}")
	qextra=(-drive "if=none,id=nvm0,file=$rundir/nvme.img,format=raw"
		-netdev hubport,id=hub0p0,hubid=0 -netdev hubport,id=hub0p1,hubid=0
		"${qextra[@]}")
fi
devargs=()
for d in "${devices[@]}"; do devargs+=(-device "$d"); done

cmdline="console=ttyS0 root=/dev/root rootfstype=9p ro"
cmdline+=" rootflags=trans=virtio,version=9p2000.L,cache=loose,msize=262144"
cmdline+=" init=$REPO/tools/testing/vm/guest-init.sh intel_iommu=on panic=-1"
# no_timer_check: under TCG on a loaded host the IO-APIC timer check can
# miss its window and panic the boot.
cmdline+=" loglevel=7 no_timer_check $append"

qemu=(qemu-system-x86_64 -M q35 -accel tcg -cpu max -smp 2 -m "$mem"
	-device intel-iommu,intremap=on
	-kernel "$kernel" -append "$cmdline"
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=/dev/root
	-fsdev "local,id=runout,path=$rundir,security_model=none,multidevs=remap"
	-device virtio-9p-pci,fsdev=runout,mount_tag=vfioout
	-nographic -no-reboot -display none -vga none -net none
	"${devargs[@]}" "${qextra[@]}")
printf '%q ' "${qemu[@]}" >"$rundir/qemu-cmdline"
echo >>"$rundir/qemu-cmdline"

say "VM run in $rundir (console: $rundir/console.log)"
set +e
if [ $verbose = 1 ]; then
	timeout --foreground -k 10 "$limit" "${qemu[@]}" </dev/null 2>&1 |
		tee "$rundir/console.log"
	qrc=${PIPESTATUS[0]}
else
	timeout -k 10 "$limit" "${qemu[@]}" </dev/null >"$rundir/console.log" 2>&1
	qrc=$?
fi
set -e
if [ $qrc = 124 ] || [ $qrc = 137 ]; then
	say "VM hit the time limit of ${limit}s"
	exit 124
fi
[ $verbose = 1 ] || cat "$rundir/output" 2>/dev/null
if [ ! -f "$rundir/status" ]; then
	say "guest died before reporting a status (qemu exit $qrc); see $rundir/console.log"
	exit 125
fi
exit "$(cat "$rundir/status")"
