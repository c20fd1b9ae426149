#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (POSIX sh: busybox on ppc64le and arm64): every
# entry of a test plan, each writing TAP or KTAP to
# /run/out/results/NAME.tap.  The kernel log gets a begin and an end
# marker around each entry, so that the host can tell which test was
# running when the kernel printed a warning.  After each entry kmemleak
# is scanned (on kernels that have it); after the last, every VFIO module
# must unload.
#
#   guest-tests.sh PLAN
# PLAN lines: NAME<space>COMMAND...   ('#' starts a comment); COMMAND
# "kunit_module MOD" loads MOD and prints the KTAP of the suites it ran.
# Per-entry time limit: TEST_TIMEOUT seconds (default 900: the nested QEMU
# assignment takes minutes under TCG on a busy host).
plan=$1
res=/run/out/results
mkdir -p "$res"
limit=${TEST_TIMEOUT:-900}
kml=/sys/kernel/debug/kmemleak

# KTAP of the KUnit suites a module runs when it loads.
kunit_module() {
	mod=$1
	before=" $(ls /sys/kernel/debug/kunit 2>/dev/null | tr '\n' ' ') "
	if ! modprobe "$mod"; then
		echo "Bail out! modprobe $mod failed"
		return 1
	fi
	ran=0
	for s in $(ls /sys/kernel/debug/kunit); do
		case $before in *" $s "*) continue ;; esac
		cat "/sys/kernel/debug/kunit/$s/results"
		ran=$((ran + 1))
	done
	[ $ran -gt 0 ] || echo "Bail out! $mod ran no KUnit suite"
	rmmod "$mod"
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# A kernel built with kmemleak must have it running: the harness counts
# on it to find leaks.  Forget what the boot itself left behind.
leakcheck=0
if zcat /proc/config.gz 2>/dev/null | grep -qx 'CONFIG_DEBUG_KMEMLEAK=y'; then
	leakcheck=1
	if ! echo scan >"$kml" 2>/dev/null || ! echo clear >"$kml"; then
		echo "vfio-harness: kmemleak is configured but not usable" | tee /dev/kmsg
		printf 'TAP version 13\n1..1\nnot ok 1 kmemleak is on and writable\n' >"$res/harness-kmemleak.tap"
		echo 1 >"$res/harness-kmemleak.rc"
		leakcheck=0
	fi
fi

# leaks NAME: report what kmemleak finds now, charged to NAME.  It
# reports an object unreferenced for 5 s or more whose contents did not
# change between two scans, hence two scans; a leak made in the last
# seconds of an entry shows after the next one.
leaks() {
	[ $leakcheck = 1 ] || return 0
	echo scan >"$kml"
	echo scan >"$kml"
	# debugfs files have no size: read the report to see if it is empty.
	cat "$kml" >/tmp/kmemleak.now
	if [ -s /tmp/kmemleak.now ]; then
		mv /tmp/kmemleak.now "$res/$1.kmemleak"
		echo clear >"$kml"
	fi
}

while read -r name cmd; do
	case $name in ''|'#'*) continue ;; esac
	echo "vfio-harness: begin $name" >/dev/kmsg
	echo "=== $name"
	start=$(uptime_s)
	case $cmd in
	"kunit_module "*)
		# shellcheck disable=SC2086 # the module name is one word
		kunit_module ${cmd#kunit_module } >"$res/$name.tap" 2>"$res/$name.err" </dev/null
		;;
	*)
		timeout -k 5 "$limit" sh -c "$cmd" >"$res/$name.tap" 2>"$res/$name.err" </dev/null
		;;
	esac
	rc=$?
	end=$(uptime_s)
	# 124 for an entry stopped at its limit, as GNU timeout says it
	# (busybox's answers with the signal's status).
	if [ $rc -ne 0 ] && [ "$(echo "$end - $start >= $limit" | bc)" = 1 ]; then
		rc=124
	fi
	echo "$rc" >"$res/$name.rc"
	echo "vfio-harness: end $name rc=$rc" >/dev/kmsg
	leaks "$name"
	echo "    exit $rc, $(echo "$end - $start" | bc)s"
done <"$plan"

# Every VFIO module must go: one that cannot has a reference leaked by
# some test.  Reported as a result of its own.
echo "vfio-harness: begin module-unload" >/dev/kmsg
{
	echo "TAP version 13"
	mods="vfio_emulated_test vfio_pci vfio_pci_core vfio_iommu_type1 vfio_iommu_spapr_tce vfio_platform vfio_amba vfio_platform_pl031 vfio_platform_base vfio kvm_amd kvm_intel kvm"
	echo "1..$(echo $mods | wc -w)"
	n=0
	for m in $mods; do
		n=$((n + 1))
		if [ ! -d "/sys/module/$m" ]; then
			echo "ok $n $m is not loaded"
		elif rmmod "$m" 2>/tmp/rmmod.err; then
			echo "ok $n rmmod $m"
		else
			echo "not ok $n rmmod $m: $(cat /tmp/rmmod.err) (refcnt $(cat "/sys/module/$m/refcnt" 2>/dev/null))"
		fi
	done
} >"$res/module-unload.tap"
echo 0 >"$res/module-unload.rc"
echo "vfio-harness: end module-unload" >/dev/kmsg

# Leaks show up only after objects have been unreferenced for a while and
# a scan has seen them twice.
if [ $leakcheck = 1 ]; then
	echo "vfio-harness: begin kmemleak-scan" >/dev/kmsg
	sleep 6
	echo scan >"$kml"
	sleep 1
	echo scan >"$kml"
	cat "$kml" >/run/out/kmemleak.txt
	echo "vfio-harness: end kmemleak-scan" >/dev/kmsg
fi
dmesg >/run/out/dmesg.txt
exit 0
