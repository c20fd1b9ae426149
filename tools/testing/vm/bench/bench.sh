#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark this repo's VFIO against the stock VFIO of Debian's 6.12, in
# the same QEMU configuration, side by side (make bench).
#
#   bench.sh [-r ROUNDS] [-k KERNELS] [-x SCALE] [-w WORKLOADS] [-B]
#     -r ROUNDS   boots per kernel, alternating stock and ours (default
#                 $ROUNDS or 5)
#     -k KERNELS  which kernels to boot: "stock ours" (default), "stock"...
#     -x SCALE    scale vfio-bench's repetition counts
#     -w LIST     only these vfio-bench workloads (comma separated prefixes)
#     -B          do not build the kernels, use the ones already built
#                 (without -B only the kernels of -k are built)
#
# Kernels, both without debug options (configs vm + vfio / stock-vfio):
#   stock  pristine linux-source-6.12 in build/src-stock, O=build/x86_64-stock
#   ours   the overlaid tree build/src,                  O=build/x86_64-bench
# Results: build/bench/results.csv, build/bench/ratios.png, the table on
# stdout and in tools/testing/vm/bench/LATEST.md; every boot's folder under
# build/bench/session-<time>/.  A workload that fails on a kernel is n/a in
# the table; a kernel whose VM hangs or dies is not booted again.
set -euo pipefail
VM=$(cd "$(dirname "$0")/.." && pwd)
. "$VM/lib.sh"

rounds=${ROUNDS:-5}
kernels="stock ours"
scale=
only=
build=1
while getopts "r:k:x:w:B" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	k) kernels=$OPTARG ;;
	x) scale=$OPTARG ;;
	w) only=$OPTARG ;;
	B) build=0 ;;
	*) sed -n '3,21s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

BENCHDIR=$BUILD/bench
STOCK_SRC=$BUILD/src-stock
mkdir -p "$BENCHDIR"
export CCACHE_DIR=${CCACHE_DIR:-$BUILD/ccache}

# Run a command with the variables lib.sh and build-kernel.sh honour set
# for one of the two kernels.
with_kernel() {
	local k=$1
	shift
	(
	case $k in
	stock)
		export SRC=$STOCK_SRC OUT=$BUILD/$ARCH-stock MODROOT=$BUILD/$ARCH-stock-mod
		export LOCALVERSION=-stock OVERLAY=0 FRAGMENTS="vm stock-vfio"
		;;
	ours)
		export SRC=$BUILD/src OUT=$BUILD/$ARCH-bench MODROOT=$BUILD/$ARCH-bench-mod
		export LOCALVERSION=-vfio OVERLAY=1 FRAGMENTS="vm vfio"
		;;
	*)
		echo "bench.sh: unknown kernel '$k'" >&2
		exit 2
		;;
	esac
	"$@"
	)
}

# One bench session at a time (they share the output folders).
exec 9>"$BENCHDIR/.lock"
flock -n 9 || { say "another bench.sh is running"; exit 1; }

if [ $build = 1 ]; then
	if [ ! -f "$STOCK_SRC/Makefile" ]; then
		say "extracting pristine $TARBALL into $STOCK_SRC"
		rm -rf "$STOCK_SRC.tmp"
		mkdir -p "$STOCK_SRC.tmp"
		tar -xJf "$TARBALL" -C "$STOCK_SRC.tmp" --strip-components=1
		mv "$STOCK_SRC.tmp" "$STOCK_SRC"
	fi
	for k in $kernels; do
		say "kernel '$k'"
		# BENCH_NICE=10 leaves the cores to other work on a shared host.
		with_kernel $k nice -n "${BENCH_NICE:-0}" "$VM/build-kernel.sh"
	done
fi

hdr=$BUILD/$ARCH-bench/usr/include
[ -f "$hdr/linux/vfio.h" ] || hdr=/usr/include
say "building vfio-bench (uAPI headers from $hdr)"
gcc -O2 -Wall -Wextra -isystem "$hdr" -o "$BENCHDIR/vfio-bench" \
	"$VM/bench/vfio-bench.c"

session=$BENCHDIR/session-$(date +%Y%m%d-%H%M%S)
mkdir -p "$session"
ln -sfn "$session" "$BENCHDIR/last"
args=()
[ -n "$scale" ] && args+=(-x "$scale")
[ -n "$only" ] && args+=(-w "$only")
dead=
for ((r = 1; r <= rounds; r++)); do
	for k in $kernels; do
		case " $dead " in *" $k "*) continue ;; esac
		say "round $r/$rounds: $k"
		set +e
		with_kernel $k "$VM/run-vm.sh" -n -d edu -m 3G -t "${BENCH_TIMEOUT:-600}" \
			-o "$session/r$r-$k" -- \
			"bash $VM/bench/guest-bench.sh $BENCHDIR/vfio-bench ${args[*]}"
		rc=$?
		set -e
		grep -h '^BENCH' "$session/r$r-$k/output" 2>/dev/null | sed 's/^/    /' >&2
		if [ $rc = 124 ] || [ $rc = 125 ]; then
			say "$k: the VM hung or died (see $session/r$r-$k/console.log); not booting it again"
			dead="$dead $k"
		elif [ $rc != 0 ]; then
			say "$k: vfio-bench or its setup failed (exit $rc); see $session/r$r-$k/output"
		fi
	done
done

python3 "$VM/bench/summarize.py" "$session" "$BENCHDIR/results.csv" \
	"$session/table.md" "$session/ratios.dat" | tee "$session/table.txt"

# Ratios as bars, parity at 1.0.
if [ -s "$session/ratios.dat" ]; then
	term=png
	gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1 && term=pngcairo
	ymax=$(awk 'BEGIN {m = 1.2} $2 * 1.15 > m {m = $2 * 1.15} END {print m}' "$session/ratios.dat")
	nbar=$(wc -l <"$session/ratios.dat")
	gnuplot <<-EOF || say "gnuplot failed"
		set terminal $term size 1000,560 noenhanced
		set output '$BENCHDIR/ratios.png'
		set title "VFIO: ours / stock 6.12 (median over $rounds rounds; below 1 is faster)"
		set style data histograms
		set style fill solid 0.6 border -1
		set boxwidth 0.7
		set xtics rotate by -35 nomirror
		set ylabel 'time ratio ours / stock'
		set yrange [0:$ymax]
		set xrange [-0.6:$nbar - 0.4]
		set bmargin 7
		set grid ytics
		set key top left
		plot '$session/ratios.dat' using 2:xtic(1) title 'ours / stock', \
			'' using 0:2:(sprintf('%.2f', \$2)) with labels offset 0,0.8 notitle, \
			1 with lines lw 2 dt 2 lc rgb 'black' title 'parity'
	EOF
	cp -f "$BENCHDIR/ratios.png" "$session/" 2>/dev/null || true
else
	say "no workload has numbers for both kernels: no plot"
fi

if [[ " $kernels " != *" stock "* || " $kernels " != *" ours "* ]]; then
	say "results: $BENCHDIR/results.csv (LATEST.md is only written by a run of both kernels)"
	exit 0
fi
{
	echo "<!-- Written by tools/testing/vm/bench/bench.sh; do not edit. -->"
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`make bench\`: $rounds rounds," \
		"QEMU $(qemu-system-x86_64 --version | awk 'NR == 1 {print $4}') TCG, q35 +" \
		"intel-iommu, 2 vCPUs, 3 GiB, edu only; times are per operation, medians of" \
		"per-boot medians; spread is (max - min) / median over the boots." \
		"Absolute numbers under TCG are noisy: read the ratios."
	echo
	cat "$session/table.md"
} >"$VM/bench/LATEST.md"
say "results: $BENCHDIR/results.csv, $BENCHDIR/ratios.png, $VM/bench/LATEST.md"
