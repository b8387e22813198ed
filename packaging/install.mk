# SPDX-License-Identifier: GPL-2.0
#
# Installation: `make install` / `make uninstall` of the tool and its
# files, `make install-module` / `make uninstall-module` of sonde.ko.
# Included by the top Makefile (run from the top of the tree).
#
# Every path is DESTDIR + the directory below, so that a package build can
# stage into DESTDIR.  The uapi header goes to INCLUDEDIR/sonde/sonde.h
# (#include <sonde/sonde.h>), not into include/linux/, which belongs to
# the kernel's own uapi headers (linux-libc-dev).  docs/install.md says
# what goes where.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL ?= install
DEPMOD ?= depmod
# Where modules_install puts an external module, below
# DESTDIR/lib/modules/KVER (Kbuild's default for external modules); the
# module lands in its kmod/ folder there.  Kbuild signs it only where
# the kernel tree holds the signing key (not in Debian's header
# packages: it says so and goes on); docs/install.md has MOK signing.
INSTALL_MOD_DIR ?= updates

MAN_PAGES := $(sort $(wildcard docs/man/*.1))

# What install writes, as uninstall removes it.
INSTALLED_FILES := $(BINDIR)/sonde $(INCLUDEDIR)/sonde/sonde.h \
	$(addprefix $(MANDIR)/man1/,$(notdir $(MAN_PAGES))) \
	$(BASHCOMPDIR)/sonde

install: tool
	$(INSTALL) -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(INCLUDEDIR)/sonde" \
		"$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(BASHCOMPDIR)"
	$(INSTALL) -m 0755 user/sonde "$(DESTDIR)$(BINDIR)/sonde"
	$(INSTALL) -m 0644 uapi/sonde.h "$(DESTDIR)$(INCLUDEDIR)/sonde/sonde.h"
	$(INSTALL) -m 0644 $(MAN_PAGES) "$(DESTDIR)$(MANDIR)/man1/"
	$(INSTALL) -m 0644 packaging/bash-completion/sonde \
		"$(DESTDIR)$(BASHCOMPDIR)/sonde"

# Only the files install wrote, and the one directory that is sonde's own.
uninstall:
	rm -f $(patsubst %,"$(DESTDIR)%",$(INSTALLED_FILES))
	rmdir "$(DESTDIR)$(INCLUDEDIR)/sonde" 2>/dev/null || true

# The module: with KVER=, build/KVER's (make module-for, against KTREE);
# without, kmod/'s for the running kernel (against KDIR).  Kbuild's own
# depmod needs System.map, which header packages lack: depmod is run here
# instead, when installing into the live system (no DESTDIR; a package
# runs it from its maintainer scripts).
ifneq ($(KVER),)
MOD_KDIR = $(KTREE)
MOD_TREE = $(CURDIR)/build/$(KVER)
MOD_KVER = $(KVER)
MOD_BUILD = module-for
else
MOD_KDIR = $(KDIR)
MOD_TREE = $(CURDIR)
MOD_KVER = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
MOD_BUILD = module
endif

# Where modules_install puts it: kmod/ is its folder below M.
MOD_DEST = $(DESTDIR)/lib/modules/$(MOD_KVER)/$(INSTALL_MOD_DIR)/kmod

install-module: $(MOD_BUILD)
	@test -n "$(MOD_KVER)" || { echo "make install-module: no kernel headers in $(MOD_KDIR) (install linux-headers-$$(uname -r), or set KVER=)" >&2; exit 2; }
	$(MAKE) -s -C $(MOD_KDIR) M=$(MOD_TREE) SONDE_VERSION=$(SONDE_VERSION) \
		CONFIG_DEBUG_INFO_BTF_MODULES= INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	$(if $(DESTDIR),,$(DEPMOD) -a $(MOD_KVER))

uninstall-module:
	@test -n "$(MOD_KVER)" || { echo "make uninstall-module: no kernel headers in $(MOD_KDIR) (set KVER=)" >&2; exit 2; }
	rm -f "$(MOD_DEST)/sonde.ko" "$(MOD_DEST)/sonde.ko".*
	rmdir "$(MOD_DEST)" 2>/dev/null || true
	$(if $(DESTDIR),,$(DEPMOD) -a $(MOD_KVER))

.PHONY: install uninstall install-module uninstall-module
