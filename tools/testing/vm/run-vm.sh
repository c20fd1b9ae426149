#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the built test kernel under QEMU (TCG) and run one command in it.
#
#   run-vm.sh [options] [--] COMMAND...
#     -d DEVICE   extra QEMU -device argument (repeatable), e.g. -d edu
#     -q ARG      extra raw QEMU argument (repeatable)
#     -n          no default devices (edu, nvme, two e1000e on one hub,
#                 a second edu with an option ROM)
#     -m MEM      guest memory (default 2G)
#     -t SECONDS  time limit for the whole run (default 1800)
#     -o DIR      run folder (default build/runs/<time>-<pid>)
#     -a ARGS     extra kernel command line
#     -v          also show the guest console on stdout
#
# ARCH (x86_64, ppc64le, arm64) picks the machine.  On x86_64 the guest's
# root is the host's root, read-only over virtio-9p, so the command can
# run any host program (QEMU, DPDK); the others boot an initramfs of
# static busybox.  The repository and build folder are shared at their
# host paths, our modules are on /lib/modules, /tmp, /run, /root are
# tmpfs, and /run/out is the run folder, writable, where the command's
# output also goes.  See guest-init.sh.
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

command -v "$QEMU" >/dev/null ||
	{ echo "run-vm.sh: $ARCH: $QEMU is not installed (make deps)" >&2; exit 2; }
kernel=$OUT/$KIMAGE
[ -f "$kernel" ] || { echo "run-vm.sh: $ARCH: no kernel at $kernel; run 'make kernel'" >&2; exit 2; }
[ -d "$MODROOT/lib/modules" ] || { echo "run-vm.sh: $ARCH: no modules in $MODROOT" >&2; exit 2; }

rundir=${rundir:-$RUNS/$(date +%Y%m%d-%H%M%S)-$$}
mkdir -p "$rundir"
rundir=$(cd "$rundir" && pwd)
rm -f "$rundir/status" "$rundir/output"
printf '%s\n' "$*" >"$rundir/cmd"
# Where guest-init.sh mounts the shared folders: at their host paths.
printf 'repo=%s\nbuild=%s\nmodroot=%s\n' "$REPO" "$BUILD" "$MODROOT" >"$rundir/paths"

# qemu_path PATH: a path inside a QEMU option value (commas doubled).
qemu_path() { printf '%s' "${1//,/,,}"; }
shares=(vfioout "$rundir" vfiorepo "$REPO")
case $BUILD/ in
"$REPO"/*) ;;
*) shares+=(vfiobuild "$BUILD") ;;
esac
[ "$MODROOT" = "${MODROOT#"$BUILD"/}" ] && [ "$MODROOT" = "${MODROOT#"$REPO"/}" ] &&
	{ echo "run-vm.sh: modules must live under $BUILD or $REPO" >&2; exit 2; }
printf '%s\n' "${shares[@]}" | sed -n 'p;n' >"$rundir/shares"
fsargs=()
if [ "$HOSTROOT" = 1 ]; then
	fsargs+=(-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
		 -device virtio-9p-pci,fsdev=hostroot,mount_tag=/dev/root)
fi
for ((i = 0; i < ${#shares[@]}; i += 2)); do
	fsargs+=(-fsdev "local,id=${shares[i]},path=$(qemu_path "${shares[i + 1]}"),security_model=none,multidevs=remap"
		 -device "virtio-9p-pci,fsdev=${shares[i]},mount_tag=${shares[i]}")
done

if [ $defaults = 1 ]; then
	[ -f "$rundir/nvme.img" ] || truncate -s 64M "$rundir/nvme.img"
	# A second edu with a 4 KiB option ROM, for the ROM region; the
	# first one, which most tests use, has none.  The kernel checks the
	# PCI data structure ("PCIR"); firmware that runs the image finds a
	# far return at its entry point and a valid checksum.
	rom=$rundir/edu-rom.bin
	[ -f "$rom" ] || python3 -c '
import struct, sys
rom = bytearray(4096)
rom[0:3] = b"\x55\xaa\x08"                 # signature, 8 x 512 bytes
rom[3] = 0xcb                                # entry point: retf
struct.pack_into("<H", rom, 0x18, 0x1c)      # where the PCIR structure is
struct.pack_into("<4sHHHHB3sHHBBH", rom, 0x1c, b"PCIR", 0x1234, 0x11e8,
                 0, 0x18, 0, b"\x00\xff\x00", 8, 0, 0, 0x80, 0)
rom[-1] = (256 - sum(rom) % 256) % 256
sys.stdout.buffer.write(rom)' >"$rom"
	devices=(edu "nvme,serial=vfio0,drive=nvm0" "e1000e,netdev=hub0p0,romfile=,mac=52:54:00:00:00:10"
		 "e1000e,netdev=hub0p1,romfile=,mac=52:54:00:00:00:11"
		 "edu,romfile=$(qemu_path "$rom")" "${devices[@]}")
	qextra=(-drive "if=none,id=nvm0,file=$(qemu_path "$rundir/nvme.img"),format=raw"
		-netdev hubport,id=hub0p0,hubid=0 -netdev hubport,id=hub0p1,hubid=0
		"${qextra[@]}")
fi
# pseries has one IOMMU group per PCI host bridge, and the 9p devices sit
# on the first one: every PCI device a test may assign gets a host
# bridge (a group) of its own.
devargs=()
if [ "$ARCH" = ppc64le ]; then
	for i in "${!devices[@]}"; do
		case ${devices[i]} in *bus=*) continue ;; esac
		devargs+=(-device "spapr-pci-host-bridge,index=$((i + 1)),id=phb$((i + 1))")
		devices[i]+=",bus=phb$((i + 1)).0"
	done
fi
for d in "${devices[@]}"; do devargs+=(-device "$d"); done

# The init script: from the host root (x86_64), or /init of an initramfs
# of static busybox that the harness builds once per architecture.
init=$REPO/tools/testing/vm/guest-init.sh
cmdline="console=$CONSOLE panic=-1 loglevel=7"
machine=()
case $ARCH in
x86_64)
	# no_timer_check: under TCG on a loaded host the IO-APIC timer check
	# can miss its window and panic the boot.
	cmdline+=" root=/dev/root rootfstype=9p ro init=\"$init\" intel_iommu=on no_timer_check"
	cmdline+=" rootflags=trans=virtio,version=9p2000.L,cache=loose,msize=262144"
	machine=(-M q35 -cpu max -device intel-iommu,intremap=on)
	;;
ppc64le)
	machine=(-M pseries -cpu power9)
	;;
arm64)
	# pauth-impdef: QEMU's own pointer-authentication hash, much cheaper
	# under TCG than the architected one.
	machine=(-M virt,iommu=smmuv3,gic-version=3 -cpu max,pauth-impdef=on)
	;;
esac
if [ "$HOSTROOT" = 0 ]; then
	initrd=$("$REPO/tools/testing/vm/make-initramfs.sh") || exit 2
	machine+=(-initrd "$initrd")
fi
cmdline+=" $append"

qemu=("$QEMU" "${machine[@]}" -accel tcg -smp 2 -m "$mem"
	-kernel "$kernel" -append "$cmdline" "${fsargs[@]}"
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
