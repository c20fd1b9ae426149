#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of the harness itself, on the architecture in ARCH: the result
# parser on hand-written TAP/KTAP (each rule that keeps a broken run from
# reading green), then two real VM boots of this architecture's test
# kernel: a failing test, a kernel WARN, a lockdep report, a kmemleak
# report, a hung test and a missing program must each fail the run,
# charged to the right entry;
# a clean run must pass with the exact count.  Output is TAP.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
use_kernel test

n=0
failed=0
check() {	# check DESCRIPTION COMMAND...
	local desc=$1
	shift
	n=$((n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $n $ARCH: $desc"
	else
		echo "not ok $n $ARCH: $desc"
		failed=1
	fi
}
has() { grep -qE -- "$1" <<<"$out"; }

echo "TAP version 13"
echo "1..22"
tmp=$RUNS/harness-selftest-$ARCH-$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
results=$REPO/tools/testing/vm/results.py

# --- the result parser alone ---
p=$tmp/p/results
mkdir -p "$p"
put() {	# put NAME RC TEXT
	printf '%b' "$3" >"$p/$1.tap"
	echo "$2" >"$p/$1.rc"
}
put kunit-x 0 'KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: suite\n    1..3\n    ok 1 plain\n        KTAP version 1\n        # Subtest: param\n        ok 1 param-a\n        not ok 2 param-b\n    not ok 2 param\n    ok 3 after\nnot ok 1 suite\n'
put parent 0 'KTAP version 1\n1..1\n    # Subtest: s\n    1..1\n    ok 1 child\nnot ok 1 s\n'
put short 0 'TAP version 13\n1..3\nok 1 a\n'
put noplan 0 'TAP version 13\nok 1 a\n'
put dup 0 'TAP version 13\n1..2\nok 1 a\nok 1 b\n'
put bail 0 'TAP version 13\n1..2\nok 1 a\nBail out! gave up\n'
put skipfail 0 'TAP version 13\n1..1\nnot ok 1 a # SKIP no reason\n'
put todo 0 'TAP version 13\n1..2\nok 1 a # TODO later\nnot ok 2 b # XFAIL known\n'
put strayskip 4 'TAP version 13\n1..1\nok 1 not_in_the_list # SKIP whatever\n'
put crashed 139 ''
out=$(ARCH=$ARCH "$results" "$tmp/p")
rc=$?
check "parser counts KTAP leaves and a failed nested parameter" has "FAIL kunit-x: param-b$"
check "parser fails a KTAP parent not ok whose children passed" has "FAIL parent: s \(parent not ok\)"
check "parser fails a short plan" has "FAIL short: plan 1..3 at indent 0, 1 results"
check "parser fails output without a plan" has "FAIL noplan: no plan"
check "parser fails a duplicate result number" has "FAIL dup: duplicate result number 1"
check "parser fails Bail out!" has "FAIL bail: Bail out! gave up"
check "parser fails not ok with SKIP" has "FAIL skipfail: a \(not ok with SKIP\)"
check "parser does not pass TODO or XFAIL" has "FAIL todo: a \(# TODO" && has "FAIL todo: b \(# XFAIL"
check "parser fails a skip missing from the expectations" has "FAIL strayskip: not_in_the_list: unexpected skip"
check "parser fails a program that printed no results" has "FAIL crashed: no results \(exit 139\)"
check "parser exits non-zero on failures" test $rc = 1

# --- a real VM run: a failing test, a WARN, a hang, a missing program ---
bad=$tmp/bad
mkdir -p "$bad/results"
cat >"$bad/plan" <<'PLAN'
deliberate-fail printf 'TAP version 13\n1..2\nok 1 fine\nnot ok 2 deliberately-broken\n'
deliberate-warn modprobe lkdtm && echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT; printf 'TAP version 13\n1..1\nok 1 warned\n'
deliberate-hang sleep 60; printf 'TAP version 13\n1..1\nok 1 woke\n'
deliberate-missing /nonexistent/vfio-test-program
deliberate-lockdep modprobe vfio_harness_provoke && echo 1 >/sys/kernel/debug/vfio-harness-provoke/lock_inversion; printf 'TAP version 13\n1..1\nok 1 inverted\n'
deliberate-leak echo 1 >/sys/kernel/debug/vfio-harness-provoke/leak && sleep 6; printf 'TAP version 13\n1..1\nok 1 leaked\n'
deliberate-after printf 'TAP version 13\n1..1\nok 1 still-running\n'
PLAN
"$REPO/tools/testing/vm/run-vm.sh" -n -m 1G -t 600 -o "$bad" -- \
	"TEST_TIMEOUT=10 $(printf %q "$REPO/tools/testing/vm/guest-tests.sh") $(printf %q "$bad/plan")" >/dev/null 2>&1
out=$(ARCH=$ARCH "$results" "$bad")
rc=$?
check "failing test fails the run" has "FAIL deliberate-fail: deliberately-broken"
check "kernel WARN fails the run, charged to the running test" \
	has "FAIL kernel log during deliberate-warn: .*WARNING:"
check "a test past its time limit fails the run" has "FAIL deliberate-hang: no results \(exit 124\)"
check "a missing program fails the run" has "FAIL deliberate-missing: no results \(exit 127\)"
check "a lockdep report fails the run, charged to the running test" \
	has "FAIL kernel log during deliberate-lockdep: .*possible circular locking"
check "a kmemleak report fails the run, charged to the leaking test" \
	has "FAIL deliberate-leak: kmemleak report after it"
check "the entries after them still ran" test -s "$bad/results/deliberate-after.tap"
check "module unloading ran and passed" bash -c 'test -s "$1" && ! grep -q "^not ok" "$1"' _ "$bad/results/module-unload.tap"
check "run with failures exits non-zero" test $rc = 1

# --- and a clean run passes ---
good=$tmp/good
mkdir -p "$good/results"
echo "clean printf 'TAP version 13\n1..1\nok 1 fine\n'" >"$good/plan"
"$REPO/tools/testing/vm/run-vm.sh" -n -m 1G -t 300 -o "$good" -- \
	"$(printf %q "$REPO/tools/testing/vm/guest-tests.sh") $(printf %q "$good/plan")" >/dev/null 2>&1
out=$(ARCH=$ARCH "$results" "$good")
rc=$?
nmods=$(grep -c '^ok' "$good/results/module-unload.tap" 2>/dev/null)
check "clean run passes with the exact count" \
	test "$rc:$(tail -n1 <<<"$out")" = "0:$((1 + nmods)) passed, 0 failed, 0 skipped"
check "kmemleak ran on the debug kernel" test -f "$good/kmemleak.txt"
exit $failed
