#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build a kernel, by default the test kernel with this
# repo's VFIO in it, from allnoconfig plus the fragments in configs/.
#   build-kernel.sh [FLAVOUR]   test (default), lean, stock or stock-test:
#                               see lib.sh
#   FRAGMENTS  config fragments merged on top of allnoconfig
#              (default: those of the test kernel)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ $# -gt 0 ]; then
	use_kernel "$1" || exit 2
fi

FRAGMENTS=${FRAGMENTS:-base $ARCH $(vfio_fragments vfio) $(iommufd_fragment) debug}
CFGDIR=$REPO/tools/testing/vm/configs

# OVERLAY=0 builds $SRC as it is: pristine 6.12, the stock baseline.
if [ "${OVERLAY:-1}" = 0 ] && [ ! -f "$SRC/Makefile" ]; then
	say "extracting pristine $TARBALL into $SRC"
	rm -rf "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	tar -xJf "$TARBALL" -C "$SRC.tmp" --strip-components=1
	mv "$SRC.tmp" "$SRC"
fi
if [ "${OVERLAY:-1}" != 0 ]; then
"$REPO/tools/testing/vm/overlay.sh"

# ABI drift of the uAPI header fails the build.
stock=$BUILD/stock-uapi-vfio.h
[ -f "$stock" ] || tar -xJOf "$TARBALL" linux-source-6.12/include/uapi/linux/vfio.h >"$stock"
if ! "$REPO/tools/testing/vfio-abi/check.sh" --stock "$stock" >"$BUILD/abi-check.log" 2>&1; then
	grep -E '^not ok|^#' "$BUILD/abi-check.log" >&2
	say "uAPI header differs from stock 6.12 in ABI (log: $BUILD/abi-check.log)"
	exit 1
fi
fi
mkdir -p "$OUT"
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
# Paths are hashed relative to the build folder, so that a clone at
# another path (a second worktree, a CI checkout) hits the same entries.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-/}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

# Reconfigure only when a fragment changed, so that a rebuild after an
# edit of one of our files recompiles only what depends on it.
frags=()
for f in $FRAGMENTS; do frags+=("$CFGDIR/$f.config"); done
stamp=$OUT/.vfio-config-stamp
want=$(cat "${frags[@]}" | sha1sum | cut -d' ' -f1)
if [ ! -f "$OUT/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	say "configuring $ARCH kernel (allnoconfig + $FRAGMENTS)"
	# allnoconfig with the fragments as its starting values: choices
	# (64-bit, endianness) take the fragments' side too.
	# merge_config.sh splits paths at blanks: give it copies in $OUT.
	rm -rf "$OUT/fragments"
	mkdir -p "$OUT/fragments"
	cp "${frags[@]}" "$OUT/fragments/"
	(cd "$SRC" && ARCH=$KARCH CROSS_COMPILE=$CROSS \
		scripts/kconfig/merge_config.sh -n -O "$OUT" \
		$(for f in $FRAGMENTS; do echo "$OUT/fragments/$f.config"; done)) \
		>"$OUT/config.log" 2>&1
	# A fragment line the kernel did not take is a harness bug.  A
	# later fragment may override an earlier one on purpose (the compat
	# kernel drops what x86_64.config builds): only the last setting of
	# a symbol is checked.
	for f in "${frags[@]}"; do
		grep -E '^CONFIG_[A-Z0-9_]+=' "$f" | while IFS= read -r line; do
			last=$(cat "${frags[@]}" | grep -E "^${line%%=*}=" | tail -n1)
			[ "$last" = "$line" ] || continue
			if [[ $line == *=n ]]; then
				! grep -qx "${line%=n}=[ym]" "$OUT/.config" && continue
			elif grep -qx "$line" "$OUT/.config"; then
				continue
			fi
			echo "config: $line did not take ($(basename "$f"))" >&2
			exit 1
		done
	done
	echo "$want" >"$stamp"
fi

say "building $ARCH kernel and modules (log: $OUT/build.log)"
if ! kmake ${KBUILD_TARGETS:-all} >"$OUT/build.log" 2>&1; then
	grep -E 'error|Error' "$OUT/build.log" | head -40 >&2
	say "kernel build failed, see $OUT/build.log"
	exit 1
fi
grep -E 'warning:' "$OUT/build.log" | grep -E 'drivers/vfio|include/(uapi/)?linux/vfio' >&2 || true

rm -rf "$MODROOT.tmp"
kmake -s INSTALL_MOD_PATH="$MODROOT.tmp" INSTALL_MOD_STRIP=1 modules_install >/dev/null
rm -rf "$MODROOT"
mv "$MODROOT.tmp" "$MODROOT"
kmake -s headers_install >/dev/null
say "kernel ready: $OUT/$KIMAGE ($(kmake -s kernelrelease))"
