# SPDX-License-Identifier: GPL-2.0
#
# Entry points of the VFIO tree.  The kernel itself is built from Debian's
# linux-source-6.12 with this tree overlaid on it (tools/testing/vm/).
#
#   make deps      install build and test dependencies (apt)
#   make kernel    build the test kernel(s) with our VFIO (incremental)
#   make lean-kernel  x86_64 without debug options (nested guest, bench)
#   make test      deps, kernels, then every test in the VMs, on every
#                  architecture (x86_64 ppc64le arm64)
#   make stress    fault_nth, fuzz_ioctl, races and kill_workload with long
#                  settings, through the same harness (x86_64 unless
#                  ARCH= is given; FUZZ_ITERS=, RACE_ROUNDS=, KILL_ROUNDS=,
#                  KILL_BIG_ROUNDS=, FAULT_PASSES=, KILL_SEED= override)
#   make test-stock  the same tests on stock 6.12 VFIO; records each
#                  test's outcome in tools/testing/vm/stock-outcomes and
#                  lists where ours differs (make test fails on a
#                  difference not listed in tools/testing/vm/expected)
#   make check     checkpatch --strict, sparse, W=1 and structure rules
#                  on our code, the docs and the MAINTAINERS coverage
#   make docs      Documentation/driver-api/vfio with the kernel's Sphinx
#                  (HTML in build/docs); fails on any warning
#   make vm CMD='...' [DEVICES='edu ...'] [QEMU_ARGS='...']
#                  boot the test kernel and run CMD inside
#   make demo      the main job: QEMU assigns an NVMe through our VFIO
#   ARCH=x86_64|ppc64le|arm64  one architecture only (default: all for
#                  make test and make kernel, x86_64 for the others)
#   T=REGEX        with 'make test': only tests whose name matches
#   KERNEL=kasan   with 'make test': the main VMs boot the KASAN flavour of
#                  the test kernel (x86_64; see README, "Reliability")

VM := tools/testing/vm
# ARCH here names our architectures (x86_64, ppc64le, arm64), not kbuild's
# (x86, powerpc, arm64): keep it out of MAKEFLAGS and the environment, or
# a kernel make further down (merge_config.sh's) would take it.
MAKEOVERRIDES := $(filter-out ARCH=%,$(MAKEOVERRIDES))
unexport ARCH
ALL_ARCHES := x86_64 ppc64le arm64
ARCHES := $(if $(ARCH),$(ARCH),$(ALL_ARCHES))
export ARCHES

.PHONY: all deps kernel lean-kernel test stress test-stock check docs vm demo help
all: kernel

help:
	@sed -n '3,30s/^# \{0,1\}//p' Makefile

deps:
	@$(VM)/deps.sh

kernel: deps
	@set -e; for a in $(ARCHES); do ARCH=$$a $(VM)/build-kernel.sh; done

lean-kernel: deps
	@ARCH=x86_64 $(VM)/build-kernel.sh lean

# run-tests.sh builds the kernels itself, so that one architecture whose
# kernel does not build is a counted failure and the others still run.
test: deps
	@TEST_KERNEL=$(KERNEL) $(VM)/run-tests.sh $(if $(T),-k '$(T)')

# The long runs: x86_64 by default (make test's default is every
# architecture).
stress: deps
	@ARCHES='$(or $(ARCH),x86_64)' $(VM)/run-tests.sh -S $(if $(T),-k '$(T)')

test-stock: deps
	@$(VM)/stock-parity.sh $(if $(T),-k '$(T)')

check: deps
	@ARCH=$(or $(ARCH),x86_64) $(VM)/build-kernel.sh && \
		ARCH=$(or $(ARCH),x86_64) $(VM)/check.sh

docs: deps
	@$(VM)/docs.sh

vm:
	@ARCH=$(or $(ARCH),x86_64) $(VM)/run-vm.sh -v $(foreach d,$(DEVICES),-d $(d)) \
		$(foreach a,$(QEMU_ARGS),-q $(a)) -- '$(CMD)'

demo: deps
	@ARCH=x86_64 $(VM)/build-kernel.sh && ARCH=x86_64 $(VM)/build-kernel.sh lean && \
		ARCH=x86_64 $(VM)/demo.sh

# Our VFIO against the stock 6.12 VFIO (tools/testing/vm/bench/); ROUNDS=N,
# BENCH_BASE=build/x86_64 compares on one already-built kernel (no builds).
.PHONY: bench
bench: deps
	@ARCH=x86_64 $(VM)/bench/bench.sh $(if $(ROUNDS),-r $(ROUNDS)) $(if $(BENCH_BASE),-b $(BENCH_BASE))
