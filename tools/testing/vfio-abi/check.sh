#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that our include/uapi/linux/vfio.h has the same userspace ABI as the
# Linux 6.12 header: same macros and values, same structs/unions with the
# same layout, same enumerators.  The stock header is taken from the Debian
# linux-source tarball into a temporary directory and never kept.
#
# Output is TAP; the exit status is 0 only if every check passes.
#
#   check.sh [-v] [--header FILE] [--stock FILE]   ABI check
#   check.sh [-v] --self-test                      prove the check catches breakage
#
# Environment: LINUX_SOURCE_TARBALL (default /usr/src/linux-source-6.12.tar.xz),
# CC, CXX, PAHOLE, VFIO_ABI_KEEP=1 to keep the probe directory.

set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TREE=$(cd "$HERE/../../.." && pwd)
TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
MEMBER=include/uapi/linux/vfio.h

header=$TREE/$MEMBER
stock=
self_test=0
verbose=

usage()
{
	sed -n '/^#   check.sh/s/^#   //p' "$0"
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--header)	header=$2; shift ;;
	--stock)	stock=$2; shift ;;
	--self-test)	self_test=1 ;;
	-v)		verbose=-v ;;
	-h|--help)	usage ;;
	*)		echo "check.sh: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done

bail()
{
	echo "Bail out! $*"
	exit 2
}

for tool in "${CC:-gcc}" "${CXX:-g++}" "${PAHOLE:-pahole}" python3 tar xz; do
	command -v "$tool" >/dev/null || bail "missing tool: $tool"
done
[ -r "$header" ] || bail "no header to check: $header"

work=$(mktemp -d "${TMPDIR:-/tmp}/vfio-abi-check.XXXXXX") || bail "mktemp failed"
trap 'rm -rf "$work"' EXIT

# The stock header, unless one was given.
if [ -z "$stock" ]; then
	[ -r "$TARBALL" ] || bail "stock source not found: $TARBALL"
	top=$(basename "$TARBALL" .tar.xz)
	tar -xJf "$TARBALL" -C "$work" --occurrence=1 "$top/$MEMBER" ||
		bail "cannot extract $top/$MEMBER from $TARBALL"
	stock=$work/$top/$MEMBER
fi
[ -r "$stock" ] || bail "stock header not readable: $stock"

compare()
{
	python3 "$HERE/abi_compare.py" $verbose "$stock" "$1"
}

if [ "$self_test" = 0 ]; then
	echo "# ours:  $header"
	echo "# stock: $stock (from $TARBALL)"
	out=$(compare "$header")
	rc=$?
	printf '%s\n' "$out" | grep -v '^1\.\.[0-9]*$'
	# A comparison that silently skipped part of the header would pass
	# with less to compare: every #define and every top-level struct or
	# union of the header must have been compared.
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' <<<"$out")
	counts='.*(\([0-9]*\) macros, \([0-9]*\) structs/unions.*'
	got_macros=$(sed -n "s|^# $counts|\\1|p" <<<"$out")
	got_structs=$(sed -n "s|^# $counts|\\2|p" <<<"$out")
	macros=$(grep -cE '^#define[[:space:]]+[A-Za-z_]' "$header")
	structs=$(grep -cE '^(struct|union)[[:space:]]+[A-Za-z_0-9]+[[:space:]]*\{' "$header")
	n=$((${planned:-0} + 1))
	what="all $macros macros and $structs structs/unions of the header were compared (${got_macros:-?}, ${got_structs:-?})"
	if [ "${got_macros:-0}" -ge "$macros" ] && [ "${got_structs:-0}" -ge "$structs" ]; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		rc=1
	fi
	echo "1..$n"
	exit $rc
fi

# ---------------------------------------------------------------------------
# Self-test: each perturbation of a copy of our header must make the check
# fail and name the damaged item; the untouched copy must pass.

n=0
failed=0

tap()
{
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

copy=$work/ours/vfio.h
mkdir -p "$work/ours"

# perturb WHAT ITEM CATEGORY SED-SCRIPT: apply the edit to a copy; the check
# must then fail, with a "not ok" line matching CATEGORY and a diagnostic
# naming ITEM.
perturb()
{
	local what=$1 item=$2 category=$3 script=$4 log=$work/log.$((n + 1)) rc

	sed -E "$script" "$header" >"$copy"
	if cmp -s "$header" "$copy"; then
		tap 1 "self-test: $what: the edit did not apply"
		return
	fi
	compare "$copy" >"$log" 2>&1
	rc=$?
	if [ "$rc" = 1 ] && grep -q "^not ok [0-9]* - $category" "$log" &&
	   grep '^#' "$log" | grep -qw -- "$item"; then
		tap 0 "self-test: $what is caught"
		grep -E '^(not ok|#   )' "$log" | grep -w -m 3 -- "$item"
	else
		tap 1 "self-test: $what is NOT caught (check exit $rc)"
		sed 's/^/#   /' "$log"
	fi
}

log=$work/log.0
cp "$header" "$copy"
compare "$copy" >"$log" 2>&1
rc=$?
tap "$rc" "self-test: the unmodified header passes"
[ "$rc" = 0 ] || sed 's/^/#   /' "$log"

perturb "changed ioctl number (VFIO_DEVICE_GET_INFO, +7 -> +70)" \
	VFIO_DEVICE_GET_INFO "integer macro values" \
	's/(define[[:space:]]+VFIO_DEVICE_GET_INFO[[:space:]]+_IO\(VFIO_TYPE, VFIO_BASE \+ )7\)/\170)/'

perturb "changed member type size (vfio_device_bind_iommufd.iommufd, __s32 -> __s64)" \
	vfio_device_bind_iommufd "struct/union members" \
	's/^([[:space:]]+)__s32([[:space:]]+iommufd;)/\1__s64\2/'

perturb "deleted macro (VFIO_UPDATE_VADDR)" \
	VFIO_UPDATE_VADDR "macro name set" \
	'/^#define[[:space:]]+VFIO_UPDATE_VADDR[[:space:]]/d'

echo "1..$n"
echo "# $([ $failed = 0 ] && echo PASS || echo FAIL): $((n - failed)) of $n self-tests passed"
[ $failed = 0 ]
