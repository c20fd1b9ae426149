#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job, end to end: boot our kernel, bind the emulated NVMe to our
# vfio-pci, and let QEMU assign it to a nested guest that writes and reads
# a pattern on it.  Shows progress and the nested guest's own output.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rundir=$RUNS/demo-$(date +%Y%m%d-%H%M%S)
mkdir -p "$rundir"
say "booting the test VM (TCG); the nested guest takes a few minutes"
set +e
# -v streams the VM console; kernel messages are left in console.log.
"$REPO/tools/testing/vm/run-vm.sh" -v -o "$rundir" -t 1200 -- \
	"$REPO/tools/testing/vm/clients/test-nvme-assign.sh" |
	grep --line-buffered -vE '^\[ *[0-9]+\.[0-9]+\]|^$' |
	while IFS= read -r line; do say "$line"; done
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" = 0 ]; then
	say "RESULT: PASS - QEMU assigned the NVMe through our VFIO; data verified in the nested guest and on the host"
else
	say "RESULT: FAIL (status $rc); logs in $rundir"
fi
exit "$rc"
