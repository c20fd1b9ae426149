#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the test suite on every architecture in ARCHES (default: all):
# the host-side ABI check, then per architecture its kernels, its test
# programs, the harness self-test, and the VM boots that run every entry
# of the manifest for that architecture (one boot per profile in
# profiles/, and one, "main", for the rest).  One architecture's failure
# (no cross compiler, a kernel that does not build or boot, a hung
# guest) is counted and named, and the others still run.  Ends with a
# line per architecture and "N passed, N failed, N skipped".
#
#   run-tests.sh [-k REGEX] [-H] [-s]
#     -k REGEX  only manifest entries whose name matches (e.g. -k smoke_api)
#     -H        skip the host-side checks (ABI check, harness self-test)
#     -s        parity run: the same selftests and clients on stock 6.12
#               VFIO (kernel flavour stock-test); writes the outcomes of
#               every test to RUNDIR/outcomes for tools/testing/vm/
#               stock-outcomes.  A normal run fails every result that
#               differs from stock-outcomes unless "expected" lists it.
#     -S        stress run (make stress): by default only the fault,
#               fuzz, race and kill programs, with long settings passed to
#               the guest in the environment (each overridable from the
#               caller's: FAULT_PASSES, FUZZ_ITERS, RACE_ROUNDS,
#               KILL_ROUNDS, KILL_BIG_ROUNDS, KILL_MAP_MB, KILL_BIG_MB;
#               the programs' time limits are scaled by
#               VFIO_TIMEOUT_SCALE).  Same plan, VMs and result parser
#               as a normal run; results in build/runs/last-stress.
#   TEST_KERNEL=kasan  run the main VMs on another flavour of our kernel
#               (lib.sh use_kernel) instead of the test kernel
set -uo pipefail
# ARCHES (or ARCH) picks the architectures; lib.sh itself needs a valid
# one, and an unknown name is reported below as that architecture's
# failure.
want_arches=${ARCHES:-${ARCH:-}}
ARCH=x86_64
. "$(dirname "$0")/lib.sh"

filter=
host=1
flavour=test
stress=0
while getopts "k:HsS" opt; do
	case $opt in
	k) filter=$OPTARG ;;
	H) host=0 ;;
	s) flavour=stock-test host=0 ;;
	S) stress=1 host=0 ;;
	*) sed -n '3,23s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
# What a stress run changes: the entries, and the guest's environment
# (the guest's per-entry and the VM's time limits grow with it).
guest_env=()
vm_limit=3000
if [ $stress = 1 ]; then
	filter=${filter:-'^(fault_nth|fuzz_ioctl|races|kill_workload)$'}
	guest_env=("FAULT_PASSES=${FAULT_PASSES:-3}" "FUZZ_ITERS=${FUZZ_ITERS:-30000}"
		"RACE_ROUNDS=${RACE_ROUNDS:-5000}" "KILL_ROUNDS=${KILL_ROUNDS:-200}"
		"KILL_BIG_ROUNDS=${KILL_BIG_ROUNDS:-20}" "KILL_MAP_MB=${KILL_MAP_MB:-256}"
		"KILL_BIG_MB=${KILL_BIG_MB:-768}"
		"VFIO_TIMEOUT_SCALE=${VFIO_TIMEOUT_SCALE:-40}" "TEST_TIMEOUT=${TEST_TIMEOUT:-10800}")
	[ -z "${KILL_SEED:-}" ] || guest_env+=("KILL_SEED=$KILL_SEED")
	[ -z "${FUZZ_SEED:-}" ] || guest_env+=("FUZZ_SEED=$FUZZ_SEED")
	vm_limit=${STRESS_VM_LIMIT:-43200}
fi
arches=${want_arches:-$ALL_ARCHES}
# The kernel of the main VMs: the flavour, or for our tests TEST_KERNEL.
kernel=$flavour
[ $flavour != test ] || kernel=${TEST_KERNEL:-test}
if ! (use_kernel "$kernel") >/dev/null; then
	exit 2
fi
VM=$REPO/tools/testing/vm

tag=test
[ $flavour = test ] || tag=test-stock
[ $stress = 0 ] || tag=stress
rundir=$RUNS/$tag-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$rundir"
ln -sfn "$rundir" "$RUNS/last-$tag"
want() { [ -z "$filter" ] || [[ $1 =~ $filter ]]; }

# fail_result DIR NAME MESSAGE: a result file holding one failure.
fail_result() {
	mkdir -p "$1/results"
	printf 'TAP version 13\n1..1\nnot ok 1 %s\n' "$3" >"$1/results/$2.tap"
	echo 1 >"$1/results/$2.rc"
	say "FAILED: $3"
}

# timed STEPNAME COMMAND...: run a step, log its duration for the README's
# budget table (rundir/times).
timed() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	"$@"
	rc=$?
	printf '%-40s %5ss rc=%s\n' "$name" $(($(date +%s) - t0)) $rc >>"$rundir/times"
	return $rc
}

# The ABI check, and its self-test (each deliberate breakage of a copy
# of the header must be caught).
hres=$rundir/host/results
for name in host-vfio-abi host-vfio-abi-selftest; do
	[ $host = 1 ] && want "$name" || continue
	# The stock header kept by overlay.sh, or (cold) from the tarball.
	args=()
	[ -f "$BUILD/stock-uapi-vfio.h" ] && args=(--stock "$BUILD/stock-uapi-vfio.h")
	[ $name = host-vfio-abi-selftest ] && args+=(--self-test)
	mkdir -p "$hres"
	say "host check: $name"
	"$REPO/tools/testing/vfio-abi/check.sh" "${args[@]}" >"$hres/$name.tap" 2>"$hres/$name.err"
	echo $? >"$hres/$name.rc"
done

# arch_manifest: "NAME KIND ARG" of each manifest entry of $ARCH.
arch_manifest() {
	local name arches kind arg
	while read -r name arches kind arg; do
		case $name in ''|'#'*) continue ;; esac
		[ "$arches" = all ] || [[ ,$arches, == *,$ARCH,* ]] || continue
		echo "$name $kind $arg"
	done <"$VM/manifest"
}

# run_arch: everything of one architecture (ARCH and arch_vars set).
run_arch() {
	local adir=$rundir/$ARCH stout toolsout plan line name arches kind arg
	mkdir -p "$adir/results"
	say "=== $ARCH"
	command -v "${CROSS}gcc" >/dev/null ||
		{ fail_result "$adir" setup "$ARCH: cross compiler ${CROSS}gcc is missing (make deps)"; return; }
	command -v "$QEMU" >/dev/null ||
		{ fail_result "$adir" setup "$ARCH: $QEMU is missing (make deps)"; return; }
	# Kernels: the test kernel, and on x86_64 the lean one (the nested
	# guest of the QEMU assignment test; a parity run uses ours as is).
	if ! (use_kernel $kernel && timed "$ARCH kernel ($kernel)" "$VM/build-kernel.sh" $kernel); then
		fail_result "$adir" build-kernel "$ARCH: $kernel kernel did not build (see $(use_kernel $kernel; echo "$OUT")/build.log)"
		return
	fi
	if [ "$ARCH" = x86_64 ] && [ $flavour = test ] &&
	   { want client-nvme-assign || want compat-client-nvme; } &&
	   ! timed "$ARCH kernel (lean)" "$VM/build-kernel.sh" lean; then
		fail_result "$adir" build-lean-kernel "$ARCH: lean kernel did not build (see $BUILD/$ARCH-bench/build.log)"
	fi
	use_kernel $kernel

	# Test programs, built per run so that runs may overlap without one
	# rebuilding binaries another is executing.  Initramfs guests have
	# no C library: link those statically.
	stout=$adir/bin
	toolsout=$adir/tools
	mkdir -p "$stout" "$toolsout"
	local mk=(CROSS_COMPILE="$CROSS" KHDR_INCLUDES="-isystem $OUT/usr/include")
	[ "$HOSTROOT" = 0 ] && mk+=(LDFLAGS=-static)
	# Only the programs of this architecture's manifest entries.
	local progs=()
	while read -r name kind arg; do
		[ "$kind" = selftest ] && progs+=("$stout/${arg:-$name}")
	done < <(arch_manifest)
	say "$ARCH: building ${#progs[@]} test programs into $stout"
	# From the overlaid tree (ours), or from this repository next to the
	# stock tree's kselftest headers (a parity run: 6.12 has none of
	# these programs).
	local stdir=$SRC/tools/testing/selftests/vfio
	[ $flavour = test ] || stdir=$REPO/tools/testing/selftests/vfio
	make -k -s -C "$stdir" OUTPUT="$stout" \
		KSFT="$SRC/tools/testing/selftests" "${mk[@]}" "${progs[@]}" \
		>"$adir/selftests-build.log" 2>&1
	make -k -s -C "$REPO/tools/vfio" OUTPUT="$toolsout" "${mk[@]}" \
		>>"$adir/selftests-build.log" 2>&1
	grep -E 'error|warning' "$adir/selftests-build.log" >&2

	if [ $host = 1 ] && want harness-selftest; then
		say "$ARCH: harness self-test"
		timed "$ARCH harness self-test" "$VM/harness-selftest.sh" \
			>"$adir/results/harness-selftest.tap" 2>"$adir/results/harness-selftest.err"
		echo $? >"$adir/results/harness-selftest.rc"
	fi

	# The plan: this architecture's manifest entries.
	plan=$adir/plan-all
	: >"$plan"
	while read -r name kind arg; do
		want "$name" || continue
		case $kind in
		kunit)
			# Our KUnit suites test our internals: not on stock.
			[ $flavour = test ] || continue
			if ! find "$MODROOT" -name "$arg.ko*" | grep -q .; then
				fail_result "$adir" "$name" "$name: module $arg.ko was not built"
				continue
			fi
			echo "$name kunit_module $arg" >>"$plan"
			;;
		selftest)
			if [ ! -x "$stout/${arg:-$name}" ]; then
				fail_result "$adir" "$name" "$name: did not build (see $adir/selftests-build.log)"
				continue
			fi
			echo "$name $(printf %q "$stout/${arg:-$name}")" >>"$plan"
			;;
		client)
			line="$name $(printf %q "$VM/clients/test-${arg%% *}.sh")"
			# shellcheck disable=SC2086 # the arguments are words
			[ "$arg" = "${arg%% *}" ] || line+=$(printf ' %q' ${arg#* })
			echo "$line" >>"$plan"
			;;
		*)
			fail_result "$adir" "$name" "manifest: unknown kind '$kind' of $name"
			;;
		esac
	done < <(arch_manifest)

	# One VM boot per profile of this architecture (profiles/NAME.conf:
	# ARCH, the entries it takes by TESTS regex, its run-vm.sh options,
	# and KERNEL, a kernel flavour other than the run's); whatever no
	# profile takes runs in the default VM, "main".  A profile with its
	# own kernel tests our VFIO in another configuration: a parity run
	# leaves its entries out.
	local -A vm_args=() vm_kernel=()
	local rest conf prof mine vmdir vmrc
	rest=$(cat "$plan")
	for conf in "$VM"/profiles/*.conf; do
		prof=$(basename "${conf%.conf}")
		PROFILE_ARCH=x86_64 TESTS= VM_ARGS=() KERNEL=
		. "$conf"
		[ "$PROFILE_ARCH" = "$ARCH" ] || continue
		mine=$(awk -v re="$TESTS" '$1 ~ re' <<<"$rest")
		[ -n "$mine" ] || continue
		rest=$(awk -v re="$TESTS" '$1 !~ re' <<<"$rest")
		[ -n "$KERNEL" ] && [ $flavour != test ] && continue
		mkdir -p "$adir/vm-$prof"
		echo "$mine" >"$adir/vm-$prof/plan"
		# printf with no arguments would still print one empty word.
		vm_args[$prof]=
		[ ${#VM_ARGS[@]} = 0 ] || vm_args[$prof]=$(printf '%q ' "${VM_ARGS[@]}")
		vm_kernel[$prof]=$KERNEL
	done
	if [ -n "$rest" ]; then
		mkdir -p "$adir/vm-main"
		echo "$rest" >"$adir/vm-main/plan"
		vm_args[main]=
		vm_kernel[main]=
	fi
	for prof in $(printf '%s\n' "${!vm_args[@]}" | sort); do
		vmdir=$adir/vm-$prof
		eval "args=(${vm_args[$prof]})"
		if [ -n "${vm_kernel[$prof]}" ] &&
		   ! timed "$ARCH kernel (${vm_kernel[$prof]})" "$VM/build-kernel.sh" "${vm_kernel[$prof]}"; then
			fail_result "$vmdir" build-kernel "$ARCH: ${vm_kernel[$prof]} kernel did not build (see $(use_kernel "${vm_kernel[$prof]}"; echo "$OUT")/build.log)"
			continue
		fi
		say "$ARCH: VM '$prof': $(wc -l <"$vmdir/plan") entries"
		(
			[ -z "${vm_kernel[$prof]}" ] || use_kernel "${vm_kernel[$prof]}"
			timed "$ARCH VM $prof" "$VM/run-vm.sh" -o "$vmdir" -t $vm_limit "${args[@]}" -- \
				"${guest_env[@]}" "VFIO_UNDER_TEST=$([ $flavour = test ] && echo ours || echo stock)" \
				"VFIO_TOOLS=$(printf %q "$toolsout") NESTED_KERNEL=$(printf %q "$NESTED_KERNEL")" \
				"$(printf %q "$VM/guest-tests.sh")" "$(printf %q "$vmdir/plan")"
		)
		vmrc=$?
		case $vmrc in
		0) ;;
		124) fail_result "$vmdir" vm-timeout "$ARCH: VM '$prof' hit its time limit (console: $vmdir/console.log)" ;;
		125) fail_result "$vmdir" vm-status "$ARCH: VM '$prof': the guest died before reporting a status (kernel did not boot, panicked, or init failed; console: $vmdir/console.log)" ;;
		*) fail_result "$vmdir" vm-status "$ARCH: VM '$prof' ended with status $vmrc (console: $vmdir/console.log)" ;;
		esac
	done
}

for a in $arches; do
	if ! (arch_vars "$a") 2>/dev/null; then
		fail_result "$rundir/$a" setup "unknown architecture '$a' (one of: $ALL_ARCHES)"
		continue
	fi
	(
		export ARCH=$a
		arch_vars "$a"
		use_kernel $kernel
		run_arch
	)
done

say "results (logs in $rundir; step times in $rundir/times)"
if [ $flavour = test ]; then
	"$VM/results.py" "$rundir" --dump "$rundir/outcomes" --stock "$VM/stock-outcomes"
else
	"$VM/results.py" "$rundir" --dump "$rundir/outcomes"
fi
