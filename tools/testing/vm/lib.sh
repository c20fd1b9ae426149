# SPDX-License-Identifier: GPL-2.0
# Shared settings of the harness scripts.  Source it; do not run it.
#
# Layout of the ignored build folder (BUILD, default <repo>/build):
#   src/        Debian's linux-source-6.12, extracted once; upstream's VFIO
#               removed and this repo's files symlinked in their place
#   $ARCH/      O= output of the kernel build (config, bzImage, modules)
#   $ARCH-mod/  modules_install tree the guest bind-mounts on /lib/modules
#   runs/       one folder per VM run: console.log, test results, and for
#               test runs the test programs built for that run (bin/)
#   $ARCH-bench/, $ARCH-bench-mod/   the lean kernel (see use_kernel)
#   src-stock/, $ARCH-stock/, $ARCH-stock-mod/   the stock kernel

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BUILD=${BUILD:-$REPO/build}
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

case $ARCH in
x86_64)
	KARCH=x86
	CROSS=
	KIMAGE=arch/x86/boot/bzImage
	DEFCONFIGS="x86_64_defconfig kvm_guest.config"
	;;
*)
	echo "harness: architecture '$ARCH' is not wired up yet" >&2
	exit 2
	;;
esac

# The lean kernel: our VFIO without the debug options.  It is the kernel
# of the nested guest in the QEMU assignment test and "ours" in the
# benchmarks.
NESTED_KERNEL=${NESTED_KERNEL:-$BUILD/$ARCH-bench/$KIMAGE}

# use_kernel FLAVOUR: point the build and boot scripts at another kernel.
#   test   this repo's VFIO with debug options (the default)
#   lean   this repo's VFIO, no debug options
#   stock  pristine linux-source-6.12 (its own VFIO), no debug options
# Exports what build-kernel.sh, run-vm.sh and this file read.
use_kernel() {
	case $1 in
	test)
		SRC=$BUILD/src OUT=$BUILD/$ARCH MODROOT=$BUILD/$ARCH-mod
		LOCALVERSION=-vfio OVERLAY=1 FRAGMENTS="vm vfio debug"
		;;
	lean)
		SRC=$BUILD/src OUT=$BUILD/$ARCH-bench MODROOT=$BUILD/$ARCH-bench-mod
		LOCALVERSION=-vfio OVERLAY=1 FRAGMENTS="vm vfio"
		;;
	stock)
		SRC=$BUILD/src-stock OUT=$BUILD/$ARCH-stock MODROOT=$BUILD/$ARCH-stock-mod
		LOCALVERSION=-stock OVERLAY=0 FRAGMENTS="vm stock-vfio"
		;;
	*)
		echo "harness: unknown kernel '$1' (test, lean, stock)" >&2
		return 2
		;;
	esac
	export SRC OUT MODROOT LOCALVERSION OVERLAY FRAGMENTS
}

# Paths of the upstream tree that this project owns and replaces.
OWNED_PATHS="drivers/vfio include/linux/vfio.h include/linux/vfio_pci_core.h
include/uapi/linux/vfio.h tools/testing/selftests/vfio"

kmake() {
	make -C "$SRC" O="$OUT" ARCH=$KARCH ${CROSS:+CROSS_COMPILE=$CROSS} \
		LOCALVERSION=$LOCALVERSION CC="ccache ${CROSS}gcc" -j"$JOBS" "$@"
}

say() {
	printf '[%s] %s\n' "$(date +%T)" "$*" >&2
}
