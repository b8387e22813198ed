# SPDX-License-Identifier: GPL-2.0
#
# `make dkms-source`: build/dkms/sonde-VERSION/, the module's source tree
# as DKMS wants it (scripts/module-tree) with its dkms.conf, made from
# packaging/dkms/dkms.conf.in with the version of scripts/version.
# Copied to /usr/src/sonde-VERSION it is what `dkms install sonde/VERSION`
# builds (docs/install.md).  Included by the top Makefile.

DKMS_SRC := build/dkms/sonde-$(SONDE_VERSION)

dkms-source:
	@rm -rf $(DKMS_SRC)
	@scripts/module-tree $(DKMS_SRC)
	@sed 's/@VERSION@/$(SONDE_VERSION)/g' packaging/dkms/dkms.conf.in \
		>$(DKMS_SRC)/dkms.conf
	@echo $(DKMS_SRC)

.PHONY: dkms-source
