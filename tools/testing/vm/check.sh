#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of our kernel code: checkpatch --strict, kernel-doc,
# structure (check-structure.py: symbols that should be static,
# prototypes without a definition, new cycles between files), sparse
# (C=2: every file, not only recompiled ones) and W=1; then the
# documentation build (docs.sh: every Sphinx or kernel-doc warning) and
# the MAINTAINERS coverage (maintainers.py: a file without an entry, an
# entry matching nothing).  Prints each finding and a count; exits
# non-zero when there is any.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

cd "$REPO" || exit 1
files=$(find drivers/vfio include/linux/vfio*.h include/uapi/linux/vfio*.h \
	-name '*.[ch]' | sort)
log=$BUILD/check.log
: >"$log"
findings=0

say "checkpatch --strict on $(echo "$files" | wc -w) files"
for f in $files; do
	ignore=FILE_PATH_CHANGES
	# The uAPI header keeps 6.12's function-like macros exactly as they
	# are (ABI); one of them necessarily reads its argument twice.
	[[ $f == include/uapi/* ]] && ignore+=,MACRO_ARG_REUSE
	# The reset-module macros take a string literal (needed both in the
	# module alias and in the registry entry) and a function name.
	[[ $f == drivers/vfio/platform/vfio_platform_private.h ]] &&
		ignore+=,MACRO_ARG_REUSE
	# VFIO_IOCTL_MIN_SIZE() names a type and a member twice (to check
	# the row at build time); neither can have side effects.
	[[ $f == include/linux/vfio.h ]] && ignore+=,MACRO_ARG_REUSE
	# VFIO_IOCTL_TABLE(tag) takes a structure tag, which cannot be put in
	# parentheses: only that argument is let through.
	out=$("$SRC/scripts/checkpatch.pl" --strict --no-tree --quiet --terse \
		--ignore "$ignore" -f "$f" 2>&1 |
		grep -v '^total: ' |
		grep -v "^include/linux/vfio.h:[0-9]*: CHECK: Macro argument '_tag' may be better as '(_tag)'")
	if [ -n "$out" ]; then
		echo "$out" | tee -a "$log"
		findings=$((findings + $(echo "$out" | grep -c ': [A-Z]*:')))
	fi
done

say "kernel-doc"
out=$("$SRC/scripts/kernel-doc" -none -Wall $files 2>&1)
if [ -n "$out" ]; then
	echo "$out" | tee -a "$log"
	findings=$((findings + $(echo "$out" | wc -l)))
fi

say "structure: single-file symbols, undefined prototypes, file cycles"
out=$(python3 "$REPO/tools/testing/vm/check-structure.py" 2>>"$log")
if [ -n "$out" ]; then
	echo "$out" | tee -a "$log"
	findings=$((findings + $(echo "$out" | wc -l)))
fi

say "sparse (C=2) and W=1 on drivers/vfio"
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
# Paths are hashed relative to the build folder, so that a clone at
# another path (a second worktree, a CI checkout) hits the same entries.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-/}
out=$(flock "$BUILD/.kbuild.lock" bash -c "$(declare -f kmake); $(declare -p SRC OUT KARCH CROSS LOCALVERSION JOBS); kmake C=2 W=1 drivers/vfio/" 2>&1 |
	grep -E '(warning|error):' | grep -E 'drivers/vfio|include/(uapi/)?linux/vfio')
if [ -n "$out" ]; then
	echo "$out" | tee -a "$log"
	findings=$((findings + $(echo "$out" | wc -l)))
fi

say "documentation (make docs)"
# docs.sh prints each warning on stdout and its summary on stderr.
out=$("$(dirname "$0")/docs.sh")
rc=$?
n=$(printf '%s' "$out" | grep -c .)
[ "$rc" != 0 ] && [ "$n" = 0 ] && n=1
if [ "$n" != 0 ]; then
	echo "$out" | tee -a "$log"
	findings=$((findings + n))
fi

say "MAINTAINERS"
out=$(python3 "$(dirname "$0")/maintainers.py" "$REPO" 2>/dev/null)
if [ -n "$out" ]; then
	echo "$out" | tee -a "$log"
	findings=$((findings + $(echo "$out" | wc -l)))
fi

say "$findings findings (log: $log)"
[ "$findings" = 0 ]
