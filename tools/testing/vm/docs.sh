#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build Documentation/driver-api/vfio with the kernel's own Sphinx setup
# (conf.py, the kernel-doc extension) on the overlaid source tree, into
# $BUILD/docs.  Any warning fails: Sphinx's own, and kernel-doc's about
# the comments the pages pull in.  Prints the warnings on stdout, and
# their count and the time taken on stderr.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

"$(dirname "$0")/overlay.sh" || exit 1
out=$BUILD/docs
log=$out/sphinx.log
mkdir -p "$out"
start=$(date +%s)
# -E: read every page again, so that the warnings of an unchanged page
# (or of a header a kernel-doc directive reads) are printed every time.
# Make's own error lines count as warnings too: a missing tool is a failure.
# The pages do not depend on the architecture: kbuild gets the host's (our
# ARCH names, ppc64le for one, are not all kbuild's).
env -u ARCH -u CROSS_COMPILE make -s -C "$SRC" O="$out" \
	SPHINXDIRS=driver-api/vfio SPHINXOPTS=-E htmldocs >"$log" 2>&1
rc=$?
warnings=$(grep -Ei 'warning|error' "$log")
n=$(printf '%s' "$warnings" | grep -c .)
if [ -n "$warnings" ]; then
	echo "$warnings"
elif [ "$rc" != 0 ]; then
	tail -n 20 "$log"
	n=1
fi
say "docs: $n warnings in $(($(date +%s) - start)) s (html: $out/Documentation/output/driver-api/vfio/index.html, log: $log)"
[ "$rc" = 0 ] && [ "$n" = 0 ]
