#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM: every entry of a test plan, each writing TAP or
# KTAP to /run/out/results/NAME.tap.  The kernel log gets a begin and an
# end marker around each entry, so that the host can tell which test was
# running when the kernel printed a warning.
#
#   guest-tests.sh PLAN
# PLAN lines: NAME<space>COMMAND...   ('#' starts a comment)
# Per-entry time limit: TEST_TIMEOUT seconds (default 900: the nested QEMU
# assignment takes minutes under TCG on a busy host).
plan=$1
res=/run/out/results
mkdir -p "$res"
limit=${TEST_TIMEOUT:-900}

# KTAP of the KUnit suites a module runs when it loads.
kunit_module() {
	local mod=$1 before after s
	before=$(ls /sys/kernel/debug/kunit 2>/dev/null)
	if ! modprobe "$mod"; then
		echo "not ok 1 $mod # modprobe failed"
		return 1
	fi
	after=$(ls /sys/kernel/debug/kunit)
	for s in $(comm -13 <(echo "$before") <(echo "$after")); do
		cat "/sys/kernel/debug/kunit/$s/results"
	done
	rmmod "$mod"
}
export -f kunit_module

# Forget what the boot itself left behind; report only what tests leak.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
fi

while read -r name cmd; do
	case $name in ''|'#'*) continue ;; esac
	echo "vfio-harness: begin $name" >/dev/kmsg
	echo "=== $name"
	start=$(date +%s.%N)
	timeout -k 5 "$limit" bash -c "$cmd" >"$res/$name.tap" 2>"$res/$name.err" </dev/null
	rc=$?
	end=$(date +%s.%N)
	echo "$rc" >"$res/$name.rc"
	echo "vfio-harness: end $name rc=$rc" >/dev/kmsg
	printf '    exit %s, %.1fs\n' "$rc" "$(echo "$end - $start" | bc)"
done <"$plan"

# Leaks show up only after objects have been unreferenced for a while and
# a scan has seen them twice.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo "vfio-harness: begin kmemleak-scan" >/dev/kmsg
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >/run/out/kmemleak.txt
	echo "vfio-harness: end kmemleak-scan" >/dev/kmsg
fi
dmesg >/run/out/dmesg.txt
exit 0
