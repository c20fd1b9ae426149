#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The initramfs of the guests that do not run on the host's root
# (ppc64le, arm64): Debian's static busybox of the guest's architecture
# and guest-init.sh as /init.  Everything else (modules, test programs,
# scripts) comes over virtio-9p at run time, so this is built once per
# architecture and only rebuilt when guest-init.sh changes.  Prints the
# image's path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bb=$CACHE/busybox-$DEBARCH/bin/busybox
init=$REPO/tools/testing/vm/guest-init.sh
img=$BUILD/$ARCH-initramfs.cpio.gz
gen=$OUT/usr/gen_init_cpio
[ -x "$bb" ] || { echo "make-initramfs: $ARCH: no static busybox at $bb (make deps)" >&2; exit 1; }
[ -x "$gen" ] || { echo "make-initramfs: $ARCH: no $gen (make kernel)" >&2; exit 1; }
# arm64 also carries an ACPI table for the kernel's initrd table upgrade
# (used only when the guest boots with ACPI: profiles/arm64-acpi.conf).
asl=
[ "$ARCH" = arm64 ] && asl=$REPO/tools/testing/vm/acpi/vfio-rst.asl
if [ -f "$img" ] && [ "$img" -nt "$init" ] && [ "$img" -nt "$bb" ] &&
   { [ -z "$asl" ] || [ "$img" -nt "$asl" ]; }; then
	echo "$img"
	exit 0
fi
# gen_init_cpio's list is split at blanks: copy the inputs to a folder
# whose name has none.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$bb" "$tmp/busybox"
cp "$init" "$tmp/init"
cat >"$tmp/list" <<SPEC
dir /bin 755 0 0
dir /dev 755 0 0
nod /dev/console 600 0 0 c 5 1
file /bin/busybox $tmp/busybox 755 0 0
slink /bin/sh busybox 777 0 0
file /init $tmp/init 755 0 0
SPEC
: >"$img.tmp"
if [ -n "$asl" ]; then
	command -v iasl >/dev/null ||
		{ echo "make-initramfs: $ARCH: no iasl (make deps)" >&2; exit 1; }
	cp "$asl" "$tmp/vfio-rst.asl"
	iasl -p "$tmp/vfio-rst" "$tmp/vfio-rst.asl" >"$tmp/iasl.log" 2>&1 ||
		{ cat "$tmp/iasl.log" >&2; exit 1; }
	# The table upgrade reads an uncompressed cpio at the very start.
	cat >"$tmp/acpi-list" <<SPEC
dir /kernel 755 0 0
dir /kernel/firmware 755 0 0
dir /kernel/firmware/acpi 755 0 0
file /kernel/firmware/acpi/vfio-rst.aml $tmp/vfio-rst.aml 644 0 0
SPEC
	"$gen" "$tmp/acpi-list" >"$img.tmp"
fi
"$gen" "$tmp/list" | gzip -1 >>"$img.tmp"
mv "$img.tmp" "$img"
echo "$img"
