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
#   make check        every test: host unit tests, then the kernel suite
#                     in 6.1 and 6.12 guests (installs what it needs)
#   make check-debug  the kernel suite under a KASAN/lockdep/kmemleak 6.12
#                     kernel built from linux-source-6.12 (once, ~12 min)
#   make check-fuzz   the seeded kernel fuzzer (100,000 operations) in
#                     6.1 and 6.12 guests
#   make demo         a demo recording in a guest, into demo-out/
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
# The tree module-for builds against: Debian's headers, or a full tree
# (the debug kernel of scripts/debug-kernel).
KTREE ?= /usr/src/linux-headers-$(KVER)
KMOD_SRCS := Kbuild $(wildcard kmod/*.c kmod/*.h kmod/Kbuild kmod/probes/*.c) \
	uapi/sonde.h

all: tool
ifneq ($(wildcard $(KDIR)/Makefile),)
all: module
endif

tool:
	$(MAKE) -C user

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

ifneq ($(KVER),)
build/$(KVER)/kmod/sonde.ko: $(KMOD_SRCS)
	@mkdir -p build/$(KVER)/kmod/probes build/$(KVER)/uapi
	@cp Kbuild build/$(KVER)/
	@cp kmod/*.c kmod/*.h kmod/Kbuild build/$(KVER)/kmod/
	@cp kmod/probes/*.c build/$(KVER)/kmod/probes/
	@cp uapi/sonde.h build/$(KVER)/uapi/
	$(MAKE) -s -C $(KTREE) M=$(CURDIR)/build/$(KVER) \
		CONFIG_DEBUG_INFO_BTF_MODULES= \
		$(if $(W),W=$(W)) $(if $(C),C=$(C)) modules
endif
module-for:
	@test -n "$(KVER)" || { echo "make module-for: set KVER=" >&2; exit 2; }
	@$(MAKE) -s build/$(KVER)/kmod/sonde.ko

lint:
	scripts/lint

check:
	scripts/check

check-debug:
	scripts/check --debug

check-fuzz:
	scripts/check --fuzz

demo:
	scripts/demo

bench:
	scripts/bench

clean:
	$(MAKE) -C user clean || true
	$(MAKE) -C tests clean || true
	rm -rf build demo-out
	rm -f kmod/*.o kmod/*.ko kmod/*.mod* kmod/.*.cmd kmod/modules.order \
		Module.symvers modules.order .*.cmd

.PHONY: all tool module module-for lint check check-debug check-fuzz demo bench clean
