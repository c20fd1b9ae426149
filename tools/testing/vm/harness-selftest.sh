#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of the harness itself: a failing test, a kernel WARN, a crashed
# test program and a short plan must all fail a run, charged to the right
# entry; a clean run must pass.  Two real VM boots, plus the result
# parser on hand-written KTAP.  Output is TAP.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

n=0
failed=0
check() {	# check DESCRIPTION COMMAND...
	local desc=$1
	shift
	n=$((n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		failed=1
	fi
}

echo "TAP version 13"
echo "1..9"
tmp=$RUNS/harness-selftest-$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

# --- the result parser alone ---
mkdir -p "$tmp/p/results"
cat >"$tmp/p/results/kunit-x.tap" <<'KTAP'
KTAP version 1
1..1
    KTAP version 1
    # Subtest: suite
    1..3
    ok 1 plain
        KTAP version 1
        # Subtest: param
        ok 1 param-a
        not ok 2 param-b
    not ok 2 param
    ok 3 skipped # SKIP no device
not ok 1 suite
KTAP
echo 0 >"$tmp/p/results/kunit-x.rc"
printf 'TAP version 13\n1..3\nok 1 a\n' >"$tmp/p/results/short.tap"
echo 0 >"$tmp/p/results/short.rc"
: >"$tmp/p/results/crashed.tap"
echo 139 >"$tmp/p/results/crashed.rc"
out=$("$REPO/tools/testing/vm/results.py" "$tmp/p")
rc=$?
check "parser counts KTAP leaves, nested parameters and skips" \
	grep -qx "3 passed, 3 failed, 1 skipped" <<<"$out"
check "parser names the failed parameter" grep -q "FAIL kunit-x: param-b" <<<"$out"
check "parser fails a program that printed no results" grep -q "FAIL crashed: no results" <<<"$out"
check "parser fails a short plan" grep -q "FAIL short: fewer results" <<<"$out"
check "parser exits non-zero on failures" test $rc = 1

# --- a real VM run with a failing test and a kernel WARN ---
bad=$tmp/bad
mkdir -p "$bad/results"
cat >"$bad/plan" <<'PLAN'
deliberate-fail printf 'TAP version 13\n1..2\nok 1 fine\nnot ok 2 deliberately-broken\n'
deliberate-warn modprobe lkdtm && echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT; printf 'TAP version 13\n1..1\nok 1 warned\n'
PLAN
"$REPO/tools/testing/vm/run-vm.sh" -n -m 1G -t 300 -o "$bad" -- \
	"$REPO/tools/testing/vm/guest-tests.sh $bad/plan" >/dev/null 2>&1
out=$("$REPO/tools/testing/vm/results.py" "$bad")
rc=$?
check "failing test fails the run" grep -q "FAIL deliberate-fail: deliberately-broken" <<<"$out"
check "kernel WARN fails the run, charged to the running test" \
	grep -q "FAIL kernel log during deliberate-warn: .*WARNING:" <<<"$out"
check "run with failures exits non-zero" test $rc = 1

# --- and a clean run passes ---
good=$tmp/good
mkdir -p "$good/results"
echo "clean printf 'TAP version 13\n1..1\nok 1 fine\n'" >"$good/plan"
"$REPO/tools/testing/vm/run-vm.sh" -n -m 1G -t 300 -o "$good" -- \
	"$REPO/tools/testing/vm/guest-tests.sh $good/plan" >/dev/null 2>&1
out=$("$REPO/tools/testing/vm/results.py" "$good")
rc=$?
check "clean run passes with the exact count" \
	test "$rc:$(tail -n1 <<<"$out")" = "0:1 passed, 0 failed, 0 skipped"
exit $failed
