#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark this repo's VFIO against the stock VFIO of Debian's 6.12, in
# the same QEMU configuration, side by side (make bench).
#
#   bench.sh [-r ROUNDS] [-k KERNELS] [-x SCALE] [-w WORKLOADS] [-W] [-B] [-b OUTDIR]
#     -r ROUNDS   boots per kernel, alternating stock and ours (default
#                 $ROUNDS or 5)
#     -W          wall-clock mode: QEMU without -icount (see below;
#                 also BENCH_CLOCK=wall)
#     -k KERNELS  which kernels to boot: "stock ours" (default), "stock"...
#     -x SCALE    scale vfio-bench's repetition counts
#     -w LIST     only these vfio-bench workloads (comma separated prefixes)
#     -B          do not build the kernels, use the ones already built
#                 (without -B only the kernels of -k are built)
#     -b OUTDIR   one-kernel mode, no kernel build: both sides boot the
#                 kernel already built in OUTDIR (e.g. build/x86_64, the
#                 test kernel, or build/x86_64-bench), ours with its modules
#                 (OUTDIR-mod), stock with stock 6.12's drivers/vfio built
#                 out of tree against OUTDIR; only VFIO differs
#
# Kernels, both without debug options (configs vm + vfio / stock-vfio):
#   stock  pristine linux-source-6.12 in build/src-stock, O=build/x86_64-stock
#   ours   the overlaid tree build/src,                  O=build/x86_64-bench
# Clock: by default QEMU runs with -icount shift=0,sleep=off: the guest's
# clocks advance by 1 ns per guest instruction executed (and jump over
# idle time), so every time vfio-bench measures is an instruction count,
# the same from boot to boot whatever the host's load.  Device emulation
# inside QEMU costs no guest time there.  -W measures host wall-clock
# time through TCG instead: closer to "real" but noisy on a shared host.
# Results: build/bench/results.csv, build/bench/ratios.png, the table on
# stdout and in tools/testing/vm/bench/LATEST.md (chart: LATEST.png);
# every boot's folder under build/bench/session-<time>/.  A workload that
# fails on a kernel is n/a in the table; a kernel whose VM hangs or dies
# is not booted again.  The cdev_* workloads (device cdev + iommufd) check
# their own work: a failed check ("# FAIL" in a boot's output), or ours
# offering no cdev path, fails the run and leaves LATEST.md alone (stock's
# bench kernel has no IOMMUFD: its cdev_* rows are n/a).
set -euo pipefail
VM=$(cd "$(dirname "$0")/.." && pwd)
. "$VM/lib.sh"

rounds=${ROUNDS:-5}
kernels="stock ours"
scale=
only=
build=1
base=
clock=${BENCH_CLOCK:-icount}
while getopts "r:k:x:w:WBb:" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	k) kernels=$OPTARG ;;
	x) scale=$OPTARG ;;
	w) only=$OPTARG ;;
	W) clock=wall ;;
	B) build=0 ;;
	b) base=$(cd "$OPTARG" && pwd); build=0 ;;
	*) sed -n '3,36s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

BENCHDIR=${BENCHDIR:-$BUILD/bench}
STOCK_SRC=$BUILD/src-stock
mkdir -p "$BENCHDIR"
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}

# Run a command with the variables lib.sh and build-kernel.sh honour set
# for one of the two kernels.
with_kernel() {
	local k=$1
	shift
	(
	case $base$k in
	/*stock)
		export OUT=$ONE/img MODROOT=$ONE/stock-mod
		;;
	/*ours)
		export OUT=$ONE/img MODROOT=$ONE/ours-mod
		;;
	stock)
		use_kernel stock
		;;
	ours)
		use_kernel lean
		;;
	*)
		echo "bench.sh: unknown kernel '$k'" >&2
		exit 2
		;;
	esac
	"$@"
	)
}

# One-kernel mode: snapshot OUTDIR's image and modules (a rebuild of the
# test kernel during the runs must not change what we boot), and build
# the pristine drivers/vfio against it.  Stock's own headers of the VFIO
# API shadow ours through NOSTDINC_FLAGS, which precede the tree's -I.
ONE=$BENCHDIR/one-kernel
one_kernel_setup() {
	local src rel ext=$ONE/stock-ext mods
	src=$(readlink -f "$base/source" 2>/dev/null || echo "$SRC")
	[ -f "$base/$KIMAGE" ] || { say "no kernel in $base"; exit 2; }
	[ -d "$base-mod/lib/modules" ] || { say "no modules in $base-mod"; exit 2; }
	rm -rf "$ONE"
	mkdir -p "$ONE/img/$(dirname "$KIMAGE")" "$ext/shim/linux" "$ext/shim/uapi/linux"
	say "one-kernel mode: snapshot of $base"
	flock "$BUILD/.kbuild.lock" sh -c "cp '$base/$KIMAGE' '$ONE/img/$KIMAGE' &&
		cp -a '$base-mod' '$ONE/ours-mod' && cp -a '$base-mod' '$ONE/stock-mod'"
	cp -a "$STOCK_SRC/drivers/vfio" "$ext/vfio"
	cp "$STOCK_SRC/include/linux/vfio.h" "$STOCK_SRC/include/linux/vfio_pci_core.h" \
		"$ext/shim/linux/"
	cp "$STOCK_SRC/include/uapi/linux/vfio.h" "$ext/shim/uapi/linux/"
	say "building stock drivers/vfio against $base (log: $ext/build.log)"
	if ! make -C "$src" O="$base" M="$ext/vfio" NOSTDINC_FLAGS="-nostdinc -I$ext/shim" \
		CC="ccache gcc" -j"$JOBS" modules >"$ext/build.log" 2>&1; then
		grep -E 'error|Error' "$ext/build.log" | head -20 >&2
		say "stock drivers/vfio did not build against $base"
		exit 1
	fi
	rel=$(ls "$ONE/stock-mod/lib/modules")
	mods=$ONE/stock-mod/lib/modules/$rel/kernel/drivers/vfio
	rm -rf "$mods"
	(cd "$ext/vfio" && find . -name '*.ko' | while read -r ko; do
		install -D -m 644 "$ko" "$mods/$ko"
		strip --strip-debug "$mods/$ko"
	done)
	depmod -b "$ONE/stock-mod" "$rel"
	say "stock modules: $(cd "$mods" && find . -name '*.ko' | tr '\n' ' ')"
}

# One bench session at a time (they share the output folders).
exec 9>"$BENCHDIR/.lock"
flock -n 9 || { say "another bench.sh is running"; exit 1; }

[ -z "$base" ] || one_kernel_setup

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

hdr=${base:-$BUILD/$ARCH-bench}/usr/include
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
# The VM: edu (the workloads), an e1000e (device_reset: edu has no reset
# method, the e1000e has PM reset), nothing else but the harness's 9p.
vmargs=(-n -d edu -d "e1000e,romfile=,mac=52:54:00:00:00:20" -m 3G -a no_timer_check)
case $clock in
icount) vmargs+=(-q -icount -q shift=0,sleep=off) ;;
wall) ;;
*) say "unknown BENCH_CLOCK '$clock' (icount, wall)"; exit 2 ;;
esac
say "clock: $clock"
dead=
for ((r = 1; r <= rounds; r++)); do
	for k in $kernels; do
		case " $dead " in *" $k "*) continue ;; esac
		say "round $r/$rounds: $k"
		# A boot that dies before the guest runs anything (under TCG on a
		# loaded host, rarely) is retried once.
		for try in 1 2; do
			rm -rf "$session/r$r-$k"
			set +e
			# no_timer_check: the IO-APIC timer check can fail under TCG
			# on a busy host and panic the boot.
			with_kernel $k "$VM/run-vm.sh" "${vmargs[@]}" \
				-t "${BENCH_TIMEOUT:-600}" -o "$session/r$r-$k" -- \
				"bash $VM/bench/guest-bench.sh $BENCHDIR/vfio-bench ${args[*]}" >/dev/null
			rc=$?
			set -e
			[ -e "$session/r$r-$k/output" ] && break
			say "$k: the guest did not come up (exit $rc)$([ $try = 1 ] && echo ', retrying')"
			cp "$session/r$r-$k/console.log" "$session/r$r-$k.boot$try.log" 2>/dev/null || true
		done
		grep -h '^BENCH' "$session/r$r-$k/output" 2>/dev/null | sed 's/^/    /' >&2 || true
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

# The checks of the cdev_* workloads: any failure fails the run.
checks_failed=0
for out in "$session"/r*-*/output; do
	[ -e "$out" ] || continue
	if grep -q '^# FAIL ' "$out"; then
		grep '^# FAIL ' "$out" | sed "s|^|    ${out#$session/}: |" >&2
		checks_failed=1
	fi
	case $out in
	*-ours/output)
		if ! grep -q '^# cdev: /dev/vfio/devices/' "$out"; then
			say "${out#$session/}: ours offered no cdev path: $(grep -h '^# cdev' "$out")"
			checks_failed=1
		fi
		;;
	esac
done
if [ $checks_failed = 1 ]; then
	say "a cdev_* check failed: the run does not count (LATEST.md unchanged)"
	exit 1
fi

# Ratios as bars, parity at 1.0.
if [ -s "$session/ratios.dat" ]; then
	term=png
	gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1 && term=pngcairo
	ymax=$(awk 'BEGIN {m = 1.2} $2 * 1.15 > m {m = $2 * 1.15} END {print m}' "$session/ratios.dat")
	nbar=$(wc -l <"$session/ratios.dat")
	gnuplot <<-EOF || say "gnuplot failed"
		set terminal $term size 1000,560 noenhanced
		set output '$BENCHDIR/ratios.png'
		set title "VFIO: ours / stock 6.12 (median over $rounds rounds, clock: $clock; below 1 is faster)"
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
if [ -n "$base" ]; then
	mode="One kernel for both sides: ${base#$REPO/} ($(grep -q '^CONFIG_PROVE_LOCKING=y' "$base/.config" &&
		echo 'debug options on' || echo 'no debug options')), stock's drivers/vfio built out of tree against it."
else
	mode="Two kernels without debug options: stock from the pristine source, ours from the overlaid tree."
fi
if [ $clock = icount ]; then
	clockdoc="Clock: QEMU -icount shift=0,sleep=off, so 1 ns is one guest instruction (idle time skipped): the times are instruction counts, independent of host load; work done inside QEMU's device models counts as nothing."
else
	clockdoc="Clock: host wall-clock time through TCG (-W), noisy under host load: read the ratios with the spread."
fi
{
	echo "<!-- Written by tools/testing/vm/bench/bench.sh; do not edit. -->"
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`make bench\`: $rounds rounds," \
		"QEMU $(qemu-system-x86_64 --version | awk 'NR == 1 {print $4}') TCG, q35 +" \
		"intel-iommu, 2 vCPUs, 3 GiB, edu + e1000e (device_reset); times are per" \
		"operation, medians of per-boot medians; spread is (max - min) / median" \
		"over the boots." \
		"$mode" \
		"$clockdoc"
	echo
	cat "$session/table.md"
	[ -s "$session/ratios.dat" ] && echo && echo "![ours / stock](LATEST.png)"
} >"$VM/bench/LATEST.md"
# The chart goes next to the table, for the README.
[ -s "$session/ratios.png" ] && cp -f "$session/ratios.png" "$VM/bench/LATEST.png"
say "results: $BENCHDIR/results.csv, $BENCHDIR/ratios.png, $VM/bench/LATEST.md, LATEST.png"
