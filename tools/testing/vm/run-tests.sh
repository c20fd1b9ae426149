#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the test suite: host-side checks, then the VM boots that run every
# KUnit module, selftest program and client test (one boot per profile in
# profiles/, and one for the rest).  Prints a result line per failure and
# ends with "N passed, N failed, N skipped".
#
#   run-tests.sh [-k REGEX] [-H]
#     -k REGEX  only plan entries whose name matches (e.g. -k smoke_api)
#     -H        skip the host-side checks (ABI check, harness self-test)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

filter=
host=1
while getopts "k:H" opt; do
	case $opt in
	k) filter=$OPTARG ;;
	H) host=0 ;;
	*) sed -n '3,10s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

rundir=$RUNS/test-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$rundir/results"
# Test programs are built per run, so runs may overlap without one
# rebuilding the binaries another is executing.
STOUT=$rundir/bin
TOOLSOUT=$rundir/tools
ln -sfn "$rundir" "$RUNS/last-test"

say "building selftests into $STOUT"
mkdir -p "$STOUT" "$TOOLSOUT"
# -k: one broken test program must not hide the others; each program that
# did not build is a failed result of its own.
make -k -s -C "$SRC/tools/testing/selftests/vfio" OUTPUT="$STOUT" \
	KSFT="$SRC/tools/testing/selftests" \
	KHDR_INCLUDES="-isystem $OUT/usr/include" >"$rundir/selftests-build.log" 2>&1 || true
make -k -s -C "$REPO/tools/vfio" OUTPUT="$TOOLSOUT" \
	KHDR_INCLUDES="-isystem $OUT/usr/include" >>"$rundir/selftests-build.log" 2>&1 || true
{
	echo "TAP version 13"
	i=0
	for c in "$REPO"/tools/testing/selftests/vfio/*.c "$REPO"/tools/vfio/*.c; do
		prog=$(basename "${c%.c}")
		[ "$prog" = vfio_util ] && continue
		i=$((i + 1))
		if [ -x "$STOUT/$prog" ] || [ -x "$TOOLSOUT/$prog" ]; then
			echo "ok $i build $prog"
		else
			echo "not ok $i build $prog (see selftests-build.log)"
		fi
	done
	echo "1..$i"
} >"$rundir/results/host-build.tap"
echo 0 >"$rundir/results/host-build.rc"
grep -E 'error|warning' "$rundir/selftests-build.log" >&2 || true

want() { [ -z "$filter" ] || [[ $1 =~ $filter ]]; }

# Host-side checks write their TAP beside the guest's results.
if [ $host = 1 ]; then
	for entry in host-vfio-abi:vfio-abi/check.sh host-harness:vm/harness-selftest.sh; do
		name=${entry%%:*}
		t=$REPO/tools/testing/${entry#*:}
		want "$name" || continue
		say "host check $name"
		set +e
		args=()
		[ $name = host-vfio-abi ] && args=(--stock "$BUILD/stock-uapi-vfio.h")
		"$t" "${args[@]}" >"$rundir/results/$name.tap" 2>"$rundir/results/$name.err"
		echo $? >"$rundir/results/$name.rc"
		set -e
	done
fi

plan=$rundir/plan-all
: >"$plan"
for ko in $(find "$MODROOT" -name '*_kunit.ko*' | sort); do
	mod=$(basename "${ko%%.ko*}")
	want "kunit-$mod" && echo "kunit-$mod kunit_module $mod" >>"$plan"
done
for t in $(find "$STOUT" -maxdepth 1 -type f -perm -u+x | sort); do
	name=$(basename "$t")
	want "$name" && echo "$name $t" >>"$plan"
done
# Real clients (QEMU assignment, DPDK, the example edu driver, found
# through VFIO_TOOLS): the longest entries, run last.
for t in "$REPO"/tools/testing/vm/clients/test-*.sh; do
	name=client-$(basename "${t%.sh}" | sed 's/^test-//')
	want "$name" && echo "$name $t" >>"$plan"
done

# One VM boot per profile (profiles/NAME.conf: the entries it takes, by
# TESTS regex, and its run-vm.sh options); whatever no profile takes runs
# in the default VM, "main".  Each boot has its own folder vm-NAME.
declare -A vm_args
rest=$(cat "$plan")
for conf in "$REPO"/tools/testing/vm/profiles/*.conf; do
	prof=$(basename "${conf%.conf}")
	TESTS= VM_ARGS=()
	. "$conf"
	mine=$(awk -v re="$TESTS" '$1 ~ re' <<<"$rest")
	[ -n "$mine" ] || continue
	mkdir -p "$rundir/vm-$prof"
	echo "$mine" >"$rundir/vm-$prof/plan"
	vm_args[$prof]=$(printf '%q ' "${VM_ARGS[@]}")
	rest=$(awk -v re="$TESTS" '$1 !~ re' <<<"$rest")
done
if [ -n "$rest" ]; then
	mkdir -p "$rundir/vm-main"
	echo "$rest" >"$rundir/vm-main/plan"
	vm_args[main]=
fi

for prof in $(printf '%s\n' "${!vm_args[@]}" | sort); do
	vmdir=$rundir/vm-$prof
	eval "args=(${vm_args[$prof]})"
	say "VM '$prof': $(wc -l <"$vmdir/plan") test programs"
	set +e
	"$REPO/tools/testing/vm/run-vm.sh" -o "$vmdir" -t 3000 \
		"${args[@]}" -- \
		"VFIO_TOOLS=$TOOLSOUT NESTED_KERNEL=$NESTED_KERNEL $REPO/tools/testing/vm/guest-tests.sh $vmdir/plan"
	vmrc=$?
	set -e
	[ $vmrc = 0 ] || say "VM '$prof' ended with status $vmrc"
done

say "results (logs in $rundir)"
"$REPO/tools/testing/vm/results.py" "$rundir"
