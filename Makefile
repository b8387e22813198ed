# SPDX-License-Identifier: GPL-2.0
#
# sonde: top-level build.
#
#   make              the sonde tool, and sonde.ko when headers for the
#                     running kernel are installed
#   make tool         the sonde tool (user/sonde)
#   make module       sonde.ko in kmod/ against KDIR (default: the running
#                     kernel's headers); W=1 and C=1 pass through
#   make module-for KVER=6.12.117+deb12-amd64 [KTREE=DIR]
#                     sonde.ko in build/KVER/kmod/ against
#                     /usr/src/linux-headers-KVER or KTREE (what the
#                     guests load)
#   make lint         checkpatch, W=1 and sparse on both guest kernels
#   make check        every test (installs what it needs): lint and host
#                     tests, then the kernel suite in one boot each of a
#                     6.1, a 6.12 and the debug kernel's guest, and the
#                     end-to-end tests in the 6.1 and 6.12 guests; the
#                     debug kernel builds in the background meanwhile
#                     (scripts/check says what runs where)
#   make check-debug  only the kernel suite and fuzz_test under the
#                     KASAN/lockdep/kmemleak/UBSAN 6.12 kernel built from
#                     linux-source-6.12 (once: about 5 minutes on two
#                     idle cores, more when they are busy)
#   make check-fuzz   the seeded kernel fuzzer (100,000 operations) in
#                     6.1 and 6.12 guests
#   make check-dkms   dkms build of make dkms-source's tree against the
#                     6.1 and 6.12 headers (tests/packaging/dkms.sh)
#   make soak [SOAK_SECONDS=1800] [SOAK_KERNEL=6.12]
#                     record -a over a churn workload in a guest for half
#                     an hour: flat memory, no loss, a clean report
#   make demo         a demo recording in a guest, into demo-out/
#   make install      the tool, its man pages, bash completion and the
#                     uapi header under DESTDIR/PREFIX (default
#                     /usr/local); make uninstall removes exactly those
#   make install-module [KVER=...]
#                     sonde.ko into DESTDIR/lib/modules/KVER/updates
#                     (Kbuild's modules_install, then depmod): for the
#                     running kernel from KDIR, or build/KVER's module
#                     (make module-for); uninstall-module removes it
#   make dkms-source  build/dkms/sonde-VERSION/: the module's source tree
#                     with its dkms.conf (docs/install.md)
#   make version      print the version (scripts/version)
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
# The tree module-for builds against: Debian's headers, or a full tree
# (the debug kernel of scripts/debug-kernel).
KTREE ?= /usr/src/linux-headers-$(KVER)
KMOD_SRCS := Kbuild $(wildcard kmod/*.c kmod/*.h kmod/Kbuild kmod/probes/*.c) \
	uapi/sonde.h build/VERSION

# One version for the tool, the module and DKMS (scripts/version).
SONDE_VERSION := $(shell scripts/version)
ifeq ($(SONDE_VERSION),)
$(error sonde: scripts/version gave no version)
endif

all: tool
ifneq ($(wildcard $(KDIR)/Makefile),)
all: module
endif

tool:
	$(MAKE) -C user

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) SONDE_VERSION=$(SONDE_VERSION) modules

# The version, rewritten only when it changes: copied trees (build/KVER,
# the DKMS tree) carry it as their VERSION file, and rebuild on a change.
build/VERSION: FORCE
	@mkdir -p build
	@echo $(SONDE_VERSION) >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

version:
	@echo $(SONDE_VERSION)

ifneq ($(KVER),)
# The tree's Module.symvers too: a rebuilt debug kernel (same KVER, new
# configuration) needs the module built again.
build/$(KVER)/kmod/sonde.ko: $(KMOD_SRCS) $(wildcard $(KTREE)/Module.symvers)
	@scripts/module-tree build/$(KVER)
	$(MAKE) -s -C $(KTREE) M=$(CURDIR)/build/$(KVER) \
		CONFIG_DEBUG_INFO_BTF_MODULES= \
		$(if $(W),W=$(W)) $(if $(C),C=$(C)) modules
endif
module-for:
	@test -n "$(KVER)" || { echo "make module-for: set KVER=" >&2; exit 2; }
	@$(MAKE) -s build/$(KVER)/kmod/sonde.ko


include packaging/install.mk
include packaging/dkms.mk

lint:
	scripts/lint

check:
	scripts/check

check-debug:
	scripts/check --debug

check-fuzz:
	scripts/check --fuzz

check-dkms:
	scripts/check --dkms

demo:
	scripts/demo

SOAK_SECONDS ?= 1800
SOAK_KERNEL ?= 6.12
soak:
	scripts/soak --kernel $(SOAK_KERNEL) $(SOAK_SECONDS)

bench:
	scripts/bench
	scripts/bench --host
	scripts/bench --symbolize
	scripts/bench --growth
	scripts/bench --postproc
	scripts/bench --unwind
	scripts/bench --goals

clean:
	$(MAKE) -C user clean || true
	$(MAKE) -C tests clean || true
	rm -rf build demo-out
	rm -f kmod/*.o kmod/*.ko kmod/*.mod* kmod/.*.cmd kmod/modules.order \
		Module.symvers modules.order .*.cmd

.PHONY: all tool module module-for version lint check check-debug check-fuzz check-dkms \
	demo soak bench clean FORCE
