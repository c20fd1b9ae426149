#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make test-stock: run the same selftests and client tests on stock 6.12
# VFIO (run-tests.sh -s, kernel flavour stock-test: the same config as our
# test kernel), merge the outcome of every test into the checked-in
# tools/testing/vm/stock-outcomes, and report every test whose result
# differs between stock and our last run.  make test fails on any such
# difference that tools/testing/vm/expected does not list ("stock" lines,
# each with its reason).
#   stock-parity.sh [run-tests.sh options, e.g. -k REGEX]
set -uo pipefail
. "$(dirname "$0")/lib.sh"
VM=$REPO/tools/testing/vm

"$VM/run-tests.sh" -s "$@"
new=$RUNS/last-test-stock/outcomes
[ -f "$new" ] || { say "the stock run wrote no outcomes"; exit 1; }
# Merge: the new run's outcomes replace the old ones of the same tests.
python3 - "$VM/stock-outcomes" "$new" <<'PY'
import os, sys
old, new = sys.argv[1], sys.argv[2]
res = {}
for path in (old, new):
    if os.path.exists(path):
        for line in open(path):
            w = line.split()
            # A program that did not build has no outcome to compare.
            if len(w) == 4 and not line.startswith('#') and 'did_not_build' not in w[2]:
                res[tuple(w[:3])] = w[3]
with open(old, 'w') as f:
    f.write('# ARCH ENTRY TEST OUTCOME on stock 6.12 VFIO (make test-stock)\n')
    for k in sorted(res):
        f.write(' '.join(k + (res[k],)) + '\n')
PY
say "stock outcomes merged into $VM/stock-outcomes"
if [ -d "$RUNS/last-test" ]; then
	say "differences from our last run ($(readlink "$RUNS/last-test")):"
	"$VM/results.py" "$RUNS/last-test" --stock "$VM/stock-outcomes" |
		grep -E 'on stock 6.12|stock-parity' || say "none"
fi
