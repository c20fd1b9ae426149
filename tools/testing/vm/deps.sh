#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build and the tests need from Debian, once, for the
# architectures in ARCHES (default: all three).  Quiet when everything is
# already there.  Foreign-architecture pieces (a static busybox for the
# ppc64le and arm64 guests' initramfs) are downloaded and unpacked into
# the harness cache, not installed on the host.
set -euo pipefail
# An unknown architecture is run-tests.sh's to report; install for the rest.
want_arches=${ARCHES:-}
ARCH=x86_64
. "$(dirname "$0")/lib.sh"
ARCHES=${want_arches:-$ALL_ARCHES}

pkgs=(linux-source-6.12 bc flex bison libelf-dev libssl-dev cpio dwarves
      ccache sparse gcc make perl python3 kmod xz-utils rsync
      qemu-system-x86 qemu-utils iproute2 procps dpdk-dev gnuplot-nox
      busybox-static binutils python3-sphinx graphviz universal-ctags)
for a in $ARCHES; do
	case $a in
	ppc64le) pkgs+=(gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross qemu-system-ppc) ;;
	arm64) pkgs+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
		      qemu-efi-aarch64 acpica-tools) ;;
	esac
done
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
updated=0
apt_update() {
	[ $updated = 1 ] && return
	# A partial failure (one mirror mid-sync) still leaves usable lists;
	# what cannot be found then fails the install or download below.
	apt-get update -q >/dev/null || echo "deps: apt-get update reported errors" >&2
	updated=1
}
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt_update
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# Static busybox of each foreign guest architecture, unpacked once.
for a in $ARCHES; do
	arch_vars "$a" 2>/dev/null || continue
	[ -n "$DEBARCH" ] && [ "$DEBARCH" != "$(dpkg --print-architecture)" ] || continue
	bb=$CACHE/busybox-$DEBARCH/bin/busybox
	[ -x "$bb" ] && continue
	echo "deps: fetching busybox-static:$DEBARCH" >&2
	if ! dpkg --print-foreign-architectures | grep -qx "$DEBARCH"; then
		dpkg --add-architecture "$DEBARCH"
		updated=0
	fi
	apt_update
	dl=$CACHE/dl-$DEBARCH
	rm -rf "$dl" "$CACHE/busybox-$DEBARCH"
	mkdir -p "$dl"
	# apt warns when its sandbox user cannot write there (a cache under
	# /root): the download works all the same, as root.
	if ! (cd "$dl" && apt-get download -q "busybox-static:$DEBARCH" >/dev/null 2>"$dl.err"); then
		cat "$dl.err" >&2
		exit 1
	fi
	grep -v 'Download is performed unsandboxed' "$dl.err" >&2 || true
	rm -f "$dl.err"
	dpkg -x "$dl"/busybox-static_*.deb "$CACHE/busybox-$DEBARCH"
	rm -rf "$dl"
	[ -x "$bb" ] || { echo "deps: no busybox in busybox-static:$DEBARCH" >&2; exit 1; }
done
# The x86 test VM bind-mounts our modules over the host's /lib/modules.
[ -d /lib/modules ] || mkdir -p /lib/modules
