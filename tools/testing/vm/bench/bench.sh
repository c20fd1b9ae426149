#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark this repo's VFIO against the stock VFIO of Debian's 6.12, in
# the same QEMU configuration, side by side (make bench).
#
#   bench.sh [-r ROUNDS] [-k KERNELS] [-x SCALE] [-w WORKLOADS] [-W|-I] [-B] [-b OUTDIR]
#     -r ROUNDS   boots per kernel and clock, kernels alternating (default
#                 $ROUNDS or 5)
#     -k KERNELS  which kernels to boot: "stock stock-compat ours"
#                 (default), or a subset
#     -W          only the wall-clock session (also BENCH_CLOCK=wall)
#     -I          only the -icount session (also BENCH_CLOCK=icount)
#     -x SCALE    scale vfio-bench's repetition counts
#     -w LIST     only these vfio-bench workloads (comma separated prefixes)
#     -B          do not build the kernels, use the ones already built
#                 (without -B only the kernels of -k are built)
#     -b OUTDIR   one-kernel mode, no kernel build, stock and ours only:
#                 both boot the kernel already built in OUTDIR (e.g.
#                 build/x86_64, the test kernel, or build/x86_64-bench),
#                 ours with its modules (OUTDIR-mod), stock with stock
#                 6.12's drivers/vfio built out of tree against OUTDIR
#
# Kernels, all without debug options (configs base + ARCH + ...):
#   stock         pristine linux-source-6.12 in build/src-stock, + stock-vfio:
#                 VFIO's container and type1, no IOMMUFD; O=build/x86_64-stock
#   stock-compat  the same source, + stock-vfio + compat: no VFIO container,
#                 iommufd's compat container serves /dev/vfio/vfio, and the
#                 device cdev; O=build/x86_64-stock-compat
#   ours          the overlaid tree build/src, + vfio + iommufd;
#                 O=build/x86_64-bench
# The VM: TCG, q35 + intel-iommu, 2 vCPUs, 3 GiB, edu (most workloads),
# an ivshmem-plain whose BAR2 is 1 GiB of host memory (/dev/shm, removed
# after the boot; the bar_* workloads and map_bar_1g) and an e1000e
# (device_reset).
# Clocks: two sessions.  -icount (QEMU -icount shift=0,sleep=off: 1 ns
# per guest instruction, idle time skipped) runs every workload: the same
# from boot to boot whatever the host's load, but what QEMU's device
# models and IOTLB emulation do costs no guest time.  The wall-clock
# session then runs the map, MSI and BAR workloads again (map_, unmap_,
# msi_, bar, cdev_map, cdev_unmap) without -icount, so such work shows:
# noisy on a shared host, read its spread.
# Checks: the run counts only if every boot of every kernel and clock
# came up, exited 0, passed vfio-bench's checks of its own work (no
# "# FAIL"), left no kernel WARN/BUG/lockdep report in its console, and
# reported every workload (but for the kernel facts summarize.py lists).
# Otherwise bench.sh says why and exits 1, and LATEST.md stays as it is.
# Results: build/bench/results.csv, build/bench/ratios.png, the table on
# stdout; every boot's folder under build/bench/session-<time>/.  A run
# that counts, of all kernels and both clocks with at least 5 rounds,
# also writes tools/testing/vm/bench/LATEST.md and LATEST.png.  A kernel
# whose VM hangs or dies is not booted again (its missing boots fail the
# run).
set -euo pipefail
VM=$(cd "$(dirname "$0")/.." && pwd)
. "$VM/lib.sh"

rounds=${ROUNDS:-5}
kernels="stock stock-compat ours"
scale=
only=
build=1
base=
kgiven=0
clocks=${BENCH_CLOCK:-icount wall}
while getopts "r:k:x:w:WIBb:" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	k) kernels=$OPTARG; kgiven=1 ;;
	x) scale=$OPTARG ;;
	w) only=$OPTARG ;;
	W) clocks=wall ;;
	I) clocks=icount ;;
	B) build=0 ;;
	b) base=$(cd "$OPTARG" && pwd); build=0 ;;
	*) sed -n '3,52s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

# One-kernel mode compares two sides only: no stock-compat there.
[ -n "$base" ] && [ $kgiven = 0 ] && kernels="stock ours"
for k in $kernels; do
	case ${base:+one-}$k in
	stock | stock-compat | ours | one-stock | one-ours) ;;
	one-*) say "one-kernel mode has kernels stock and ours only, not '$k'"; exit 2 ;;
	*) say "unknown kernel '$k' (stock, stock-compat, ours)"; exit 2 ;;
	esac
done
for c in $clocks; do
	case $c in
	icount | wall) ;;
	*) say "unknown clock '$c' (BENCH_CLOCK: icount, wall or both)"; exit 2 ;;
	esac
done

BENCHDIR=${BENCHDIR:-$BUILD/bench}
STOCK_SRC=$BUILD/src-stock
mkdir -p "$BENCHDIR"
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}

# Run a command with the variables lib.sh and build-kernel.sh honour set
# for one of the kernels.
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
	stock-compat)
		use_kernel stock-compat
		;;
	ours)
		use_kernel lean
		;;
	/*)
		echo "bench.sh: one-kernel mode has kernels stock and ours only, not '$k'" >&2
		exit 2
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
		with_kernel "$k" nice -n "${BENCH_NICE:-0}" "$VM/build-kernel.sh"
	done
fi

hdr=${base:-$BUILD/$ARCH-bench}/usr/include
[ -f "$hdr/linux/vfio.h" ] || hdr=/usr/include
say "building vfio-bench (uAPI headers from $hdr)"
gcc -O2 -Wall -Wextra -isystem "$hdr" -o "$BENCHDIR/vfio-bench" \
	"$VM/bench/vfio-bench.c" -lpthread

session=$BENCHDIR/session-$(date +%Y%m%d-%H%M%S)
mkdir -p "$session"
ln -sfn "$session" "$BENCHDIR/last"
args=()
[ -n "$scale" ] && args+=(-x "$scale")
# The wall-clock session: the rows whose cost the instruction count may
# not see (the device model, IOTLB flushes, the emulated MMU).
wall_only=map_,unmap_,msi_,bar,cdev_map,cdev_unmap
{
	echo "kernels $kernels"
	echo "clocks $clocks"
	echo "rounds $rounds"
} >"$session/plan"
for c in $clocks; do
	w=$only
	[ "$c" = wall ] && [ -z "$only" ] && w=$wall_only
	"$BENCHDIR/vfio-bench" -l ${w:+-w "$w"} >"$session/workloads.$c"
done
# The VM: edu (the workloads), ivshmem-plain (the 1 GiB BAR), an e1000e
# (device_reset: edu has no reset method, the e1000e has PM reset),
# nothing else but the harness's 9p.
shm=
trap '[ -z "$shm" ] || rm -f "$shm"' EXIT
start=$(date +%s)
dead=
for ((r = 1; r <= rounds; r++)); do
	for c in $clocks; do
		w=$(paste -sd, "$session/workloads.$c")
		pfx=r
		vmargs=(-n -d edu -d "e1000e,romfile=,mac=52:54:00:00:00:20" -m 3G -a no_timer_check)
		case $c in
		icount) vmargs+=(-q -icount -q shift=0,sleep=off) ;;
		wall) pfx=w ;;
		esac
		for k in $kernels; do
			case " $dead " in *" $k "*) continue ;; esac
			run=$session/$pfx$r-$k
			say "round $r/$rounds, clock $c: $k"
			# A boot that dies before the guest runs anything (under TCG on
			# a loaded host, rarely) is retried once.
			for try in 1 2; do
				rm -rf "$run"
				shm=/dev/shm/vfio-bench-$$-$pfx$r-$k
				rm -f "$shm"
				set +e
				# no_timer_check: the IO-APIC timer check can fail under
				# TCG on a busy host and panic the boot.
				with_kernel "$k" "$VM/run-vm.sh" "${vmargs[@]}" \
					-q -object -q "memory-backend-file,id=benchshm,size=1G,share=on,mem-path=$shm" \
					-d ivshmem-plain,memdev=benchshm \
					-t "${BENCH_TIMEOUT:-900}" -o "$run" -- \
					"bash $VM/bench/guest-bench.sh $BENCHDIR/vfio-bench ${args[*]} -w $w" >/dev/null
				rc=$?
				set -e
				rm -f "$shm"
				shm=
				[ -e "$run/output" ] && break
				say "$k: the guest did not come up (exit $rc)$([ $try = 1 ] && echo ', retrying')"
				cp "$run/console.log" "$run.boot$try.log" 2>/dev/null || true
			done
			grep -h '^BENCH' "$run/output" 2>/dev/null | sed 's/^/    /' >&2 || true
			if [ "$rc" = 124 ] || [ "$rc" = 125 ]; then
				say "$k: the VM hung or died (see $run/console.log); not booting it again"
				dead="$dead $k"
			elif [ "$rc" != 0 ]; then
				say "$k: vfio-bench or its setup failed (exit $rc); see $run/output"
			fi
		done
	done
done
say "$((($(date +%s) - start) / 60)) minutes for $rounds rounds of: $kernels; clocks: $clocks"

set +e
python3 "$VM/bench/summarize.py" "$session" "$BENCHDIR/results.csv" \
	"$session/table.md" "$session/ratios.dat" | tee "$session/table.txt"
passed=$((PIPESTATUS[0] == 0))
set -e

# Ratios as bars, parity at 1.0.
if [ -s "$session/ratios.dat" ]; then
	term=png
	gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1 && term=pngcairo
	ymax=$(awk 'BEGIN {m = 1.2} $2 * 1.15 > m {m = $2 * 1.15} END {print m}' "$session/ratios.dat")
	nbar=$(wc -l <"$session/ratios.dat")
	gnuplot <<-EOF || say "gnuplot failed"
		set terminal $term size 1400,600 noenhanced
		set output '$session/ratios.png'
		set title "VFIO: ours / best stock 6.12 peer (median over $rounds rounds; @wall: wall clock, else -icount; below 1 is faster)"
		set style data histograms
		set style fill solid 0.6 border -1
		set boxwidth 0.7
		set xtics rotate by -45 nomirror font ',8'
		set ylabel 'time ratio ours / best peer'
		set yrange [0:$ymax]
		set xrange [-0.6:$nbar - 0.4]
		set bmargin 9
		set grid ytics
		set key top left
		plot '$session/ratios.dat' using 2:xtic(1) title 'ours / best peer', \
			'' using 0:2:(sprintf('%.2f', \$2)) with labels offset 0,0.8 font ',7' notitle, \
			1 with lines lw 2 dt 2 lc rgb 'black' title 'parity', \
			0.5 with lines lw 1 dt 3 lc rgb 'red' title 'goal of map_anon_1g, bar_fault_1g(_kernel)'
	EOF
	cp -f "$session/ratios.png" "$BENCHDIR/ratios.png" 2>/dev/null || true
else
	say "no workload has numbers for ours and a peer: no plot"
fi

if [ $passed != 1 ]; then
	say "the run does not count (see the problems above): LATEST.md unchanged"
	exit 1
fi
want="stock stock-compat ours"
[ -n "$base" ] && want="stock ours"
if [ "$kernels" != "$want" ] || [ "$clocks" != "icount wall" ] || [ "$rounds" -lt 5 ] || [ -n "$only$scale" ]; then
	say "results: $BENCHDIR/results.csv (LATEST.md is only written by a full run: -k '$want', both clocks, all workloads, at least 5 rounds)"
	exit 0
fi
if [ -n "$base" ]; then
	mode="One kernel for both sides: ${base#"$REPO"/} ($(grep -q '^CONFIG_PROVE_LOCKING=y' "$base/.config" &&
		echo 'debug options on' || echo 'no debug options')), stock's drivers/vfio built out of tree against it (no stock-compat)."
else
	mode="Three kernels without debug options: stock (VFIO's container, type1) and stock-compat (iommufd's compat container, the device cdev) from the pristine source, ours from the overlaid tree."
fi
{
	echo "<!-- Written by tools/testing/vm/bench/bench.sh; do not edit. -->"
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`make bench\`: $rounds rounds," \
		"QEMU $(qemu-system-x86_64 --version | awk 'NR == 1 {print $4}') TCG, q35 +" \
		"intel-iommu, 2 vCPUs, 3 GiB, edu + ivshmem-plain (1 GiB BAR) + e1000e" \
		"(device_reset); times are per operation, medians of per-boot medians;" \
		"spread is (max - min) / median over the boots.  Every boot passed" \
		"its checks." \
		"$mode" \
		"Clock icount: QEMU -icount shift=0,sleep=off, 1 ns per guest instruction," \
		"independent of host load, blind to work inside QEMU's device models." \
		"Clock wall: host wall-clock time through TCG, noisy under host load:" \
		"read it with its spread."
	echo
	cat "$session/table.md"
	[ -s "$session/ratios.png" ] && echo && echo "![ours / best peer](LATEST.png)"
} >"$VM/bench/LATEST.md"
# The chart goes next to the table, for the README.
[ -s "$session/ratios.png" ] && cp -f "$session/ratios.png" "$VM/bench/LATEST.png"
say "results: $BENCHDIR/results.csv, $BENCHDIR/ratios.png, $VM/bench/LATEST.md, LATEST.png"
