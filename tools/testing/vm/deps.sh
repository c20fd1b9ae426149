#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build and the tests need from Debian, once.  Quiet when
# everything is already there.
set -euo pipefail

pkgs=(linux-source-6.12 bc flex bison libelf-dev libssl-dev cpio dwarves
      ccache sparse gcc make perl python3 kmod xz-utils rsync
      qemu-system-x86 qemu-utils iproute2 procps dpdk-dev gnuplot-nox
      busybox-static binutils)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
# The test VM bind-mounts our modules over the host's /lib/modules.
[ -d /lib/modules ] || mkdir -p /lib/modules
