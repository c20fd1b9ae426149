# SPDX-License-Identifier: GPL-2.0
#
# Entry points of the VFIO tree.  The kernel itself is built from Debian's
# linux-source-6.12 with this tree overlaid on it (tools/testing/vm/).
#
#   make deps      install build and test dependencies (apt)
#   make kernel    build the 6.12 test kernel with our VFIO (incremental)
#   make lean-kernel  the same without debug options (nested guest, bench)
#   make test      deps + both kernels, then every test in the VMs
#   make check     checkpatch --strict, sparse and W=1 on our code
#   make vm CMD='...' [DEVICES='edu ...'] [QEMU_ARGS='...']
#                  boot the test kernel and run CMD inside
#   make demo      the main job: QEMU assigns an NVMe through our VFIO
#   ARCH=x86_64    the architecture (only x86_64 is wired up so far)
#   T=REGEX        with 'make test': only tests whose name matches

VM := tools/testing/vm
export ARCH ?= x86_64

.PHONY: all deps kernel lean-kernel test check vm demo help
all: kernel

help:
	@sed -n '3,16s/^# \{0,1\}//p' Makefile

deps:
	@$(VM)/deps.sh

kernel: deps
	@$(VM)/build-kernel.sh

lean-kernel: deps
	@$(VM)/build-kernel.sh lean

test: kernel lean-kernel
	@$(VM)/run-tests.sh $(if $(T),-k '$(T)')

check: kernel
	@$(VM)/check.sh

vm:
	@$(VM)/run-vm.sh -v $(foreach d,$(DEVICES),-d $(d)) \
		$(foreach a,$(QEMU_ARGS),-q $(a)) -- '$(CMD)'

demo: kernel lean-kernel
	@$(VM)/demo.sh

# Our VFIO against the stock 6.12 VFIO (tools/testing/vm/bench/); ROUNDS=N,
# BENCH_BASE=build/x86_64 compares on one already-built kernel (no builds).
.PHONY: bench
bench: deps
	@$(VM)/bench/bench.sh $(if $(ROUNDS),-r $(ROUNDS)) $(if $(BENCH_BASE),-b $(BENCH_BASE))
