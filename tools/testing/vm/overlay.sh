#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Extract Debian's 6.12 source once, then replace upstream's VFIO with the
# files of this repository.  The replacement is a set of symlinks, so an
# edit in the repo is seen by the next build without copying, and make's
# timestamps rebuild exactly what depends on the edited file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ ! -f "$SRC/Makefile" ]; then
	say "extracting $TARBALL"
	rm -rf "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	tar -xJf "$TARBALL" -C "$SRC.tmp" --strip-components=1
	# Stock uAPI header, the reference of the ABI check.
	cp "$SRC.tmp/include/uapi/linux/vfio.h" "$SRC.tmp/../stock-uapi-vfio.h"
	mv "$SRC.tmp" "$SRC"
fi

for p in $OWNED_PATHS; do
	dst=$SRC/$p
	if [ -L "$dst" ] && [ "$(readlink "$dst")" = "$REPO/$p" ]; then
		continue
	fi
	rm -rf "$dst"
	if [ -e "$REPO/$p" ]; then
		ln -s "$REPO/$p" "$dst"
	fi
done
