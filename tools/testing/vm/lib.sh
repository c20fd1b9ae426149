# SPDX-License-Identifier: GPL-2.0
# Shared settings of the harness scripts.  Source it; do not run it.
#
# Layout of the ignored build folder (BUILD, default <repo>/build, or a
# folder of the cache when the repository's path has blanks):
#   src/        Debian's linux-source-6.12, extracted once; upstream's VFIO
#               removed and this repo's files symlinked in their place
#   $ARCH/      O= output of the kernel build (config, bzImage, modules)
#   $ARCH-mod/  modules_install tree the guest bind-mounts on /lib/modules
#   runs/       one folder per VM run: console.log, test results, and for
#               test runs the test programs built for that run (bin/)
#   $ARCH-bench/, $ARCH-bench-mod/   the lean kernel (see use_kernel)
#   src-stock/, $ARCH-stock/, $ARCH-stock-mod/   the stock kernel

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
# Caches that outlive a clone: ccache and unpacked foreign packages.  A
# second clone on the same machine builds warm.
CACHE=${VFIO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-harness}
if [ -z "${BUILD:-}" ]; then
	BUILD=$REPO/build
	# Kbuild refuses a source or output folder whose path has blanks or
	# colons: a clone at such a path builds under the cache instead,
	# with <repo>/build a symlink to it.
	case $REPO in
	*[[:space:]:]*)
		BUILD=$CACHE/build-$(printf '%s' "$REPO" | sha1sum | cut -c1-12)
		mkdir -p "$BUILD"
		[ -e "$REPO/build" ] || ln -s "$BUILD" "$REPO/build"
		;;
	esac
fi
case $BUILD in
*[[:space:]:]*)
	echo "harness: the build folder '$BUILD' has blanks or colons, which Kbuild refuses; set BUILD= or VFIO_CACHE=" >&2
	exit 2
	;;
esac
ARCH=${ARCH:-x86_64}
# SRC, OUT, MODROOT, STOUT and LOCALVERSION may be preset by the caller,
# e.g. to build or boot another kernel (tools/testing/vm/bench/).
SRC=${SRC:-$BUILD/src}
OUT=${OUT:-$BUILD/$ARCH}
MODROOT=${MODROOT:-$BUILD/$ARCH-mod}
STOUT=${STOUT:-$BUILD/$ARCH-st}
RUNS=$BUILD/runs
TARBALL=/usr/src/linux-source-6.12.tar.xz
LOCALVERSION=${LOCALVERSION:--vfio}
JOBS=${JOBS:-$(nproc)}

ALL_ARCHES="x86_64 ppc64le arm64"

# arch_vars ARCH: what differs between the architectures.
#   KARCH     the kernel's ARCH=       CROSS    CROSS_COMPILE prefix
#   KIMAGE    the image QEMU boots     QEMU     the system emulator
#   DEBARCH   Debian's name            CONSOLE  the guest's serial console
#   HOSTROOT  1: the guest's root is the host's (x86 runs host programs:
#             QEMU, DPDK); 0: an initramfs of busybox built by the harness
arch_vars() {
	case $1 in
	x86_64)
		KARCH=x86 CROSS= KIMAGE=arch/x86/boot/bzImage
		QEMU=qemu-system-x86_64 DEBARCH=amd64 CONSOLE=ttyS0 HOSTROOT=1
		;;
	ppc64le)
		KARCH=powerpc CROSS=powerpc64le-linux-gnu- KIMAGE=vmlinux
		QEMU=qemu-system-ppc64 DEBARCH=ppc64el CONSOLE=hvc0 HOSTROOT=0
		;;
	arm64)
		KARCH=arm64 CROSS=aarch64-linux-gnu- KIMAGE=arch/arm64/boot/Image
		QEMU=qemu-system-aarch64 DEBARCH=arm64 CONSOLE=ttyAMA0 HOSTROOT=0
		;;
	*)
		echo "harness: unknown ARCH '$1' (one of: $ALL_ARCHES)" >&2
		return 2
		;;
	esac
}
arch_vars "$ARCH" || exit 2

# The lean kernel: our VFIO without the debug options.  It is the kernel
# of the nested guest in the QEMU assignment test and "ours" in the
# benchmarks.
NESTED_KERNEL=${NESTED_KERNEL:-$BUILD/$ARCH-bench/$KIMAGE}

# use_kernel FLAVOUR: point the build and boot scripts at another kernel.
#   test   this repo's VFIO with debug options (the default)
#   lean   this repo's VFIO, no debug options
#   kasan  the test kernel plus generic KASAN (x86_64; the opt-in
#          sanitizer run: run-tests.sh with TEST_KERNEL=kasan)
#   compat the test kernel without VFIO's container: iommufd serves
#          /dev/vfio/vfio (x86_64)
#   stock  pristine linux-source-6.12 (its own VFIO), no debug options
#   stock-compat  stock without VFIO's container: iommufd's compat
#          container serves /dev/vfio/vfio (IOMMUFD_VFIO_CONTAINER), with
#          the device cdev; no debug options (x86_64; make bench's third
#          kernel)
#   stock-test  the same as stock with the test kernel's debug options and, like
#          it, iommufd with the device cdev: the baseline of the parity
#          runs (run-tests.sh -s)
# Exports what build-kernel.sh, run-vm.sh and this file read.
#
# A VFIO fragment (vfio, stock-vfio) may have a per-architecture part,
# configs/NAME-ARCH.config, for drivers only that architecture has; it
# keeps ARCH.config free of options a stock kernel lacks.
vfio_fragments() {
	if [ -f "$REPO/tools/testing/vm/configs/$1-$ARCH.config" ]; then
		echo "$1 $1-$ARCH"
	else
		echo "$1"
	fi
}

# The iommufd fragment (iommufd and the device cdev) where 6.12 allows
# the cdev: not with the sPAPR TCE IOMMU.
iommufd_fragment() {
	[ "$ARCH" = ppc64le ] || echo iommufd
}

use_kernel() {
	local iommufd
	iommufd=$(iommufd_fragment)
	case $1 in
	test)
		SRC=$BUILD/src OUT=$BUILD/$ARCH MODROOT=$BUILD/$ARCH-mod
		LOCALVERSION=-vfio OVERLAY=1 FRAGMENTS="base $ARCH $(vfio_fragments vfio) $iommufd debug"
		;;
	kasan)
		SRC=$BUILD/src OUT=$BUILD/$ARCH-kasan MODROOT=$BUILD/$ARCH-kasan-mod
		LOCALVERSION=-vfio OVERLAY=1 FRAGMENTS="base $ARCH $(vfio_fragments vfio) $iommufd debug kasan"
		;;
	lean)
		SRC=$BUILD/src OUT=$BUILD/$ARCH-bench MODROOT=$BUILD/$ARCH-bench-mod
		LOCALVERSION=-vfio OVERLAY=1 FRAGMENTS="base $ARCH $(vfio_fragments vfio) $iommufd"
		;;
	compat)
		SRC=$BUILD/src OUT=$BUILD/$ARCH-compat MODROOT=$BUILD/$ARCH-compat-mod
		LOCALVERSION=-vfio OVERLAY=1 FRAGMENTS="base $ARCH $(vfio_fragments vfio) compat debug"
		;;
	stock)
		SRC=$BUILD/src-stock OUT=$BUILD/$ARCH-stock MODROOT=$BUILD/$ARCH-stock-mod
		LOCALVERSION=-stock OVERLAY=0 FRAGMENTS="base $ARCH $(vfio_fragments stock-vfio)"
		;;
	stock-compat)
		SRC=$BUILD/src-stock OUT=$BUILD/$ARCH-stock-compat MODROOT=$BUILD/$ARCH-stock-compat-mod
		LOCALVERSION=-stock OVERLAY=0 FRAGMENTS="base $ARCH $(vfio_fragments stock-vfio) compat"
		;;
	stock-test)
		SRC=$BUILD/src-stock OUT=$BUILD/$ARCH-stock-test MODROOT=$BUILD/$ARCH-stock-test-mod
		LOCALVERSION=-stock OVERLAY=0 FRAGMENTS="base $ARCH $(vfio_fragments stock-vfio) $iommufd debug"
		;;
	*)
		echo "harness: unknown kernel '$1' (test, kasan, lean, compat, stock, stock-compat, stock-test)" >&2
		return 2
		;;
	esac
	export SRC OUT MODROOT LOCALVERSION OVERLAY FRAGMENTS
}

# Paths of the upstream tree that this project owns and replaces.
OWNED_PATHS="Documentation/driver-api/vfio drivers/vfio include/linux/vfio.h include/linux/vfio_pci_core.h
include/uapi/linux/vfio.h tools/testing/selftests/vfio"

kmake() {
	make -C "$SRC" O="$OUT" ARCH=$KARCH ${CROSS:+CROSS_COMPILE=$CROSS} \
		LOCALVERSION=$LOCALVERSION CC="ccache ${CROSS}gcc" -j"$JOBS" "$@"
}

say() {
	printf '[%s] %s\n' "$(date +%T)" "$*" >&2
}
