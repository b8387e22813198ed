# SPDX-License-Identifier: GPL-2.0
# The tool's sources by layer, for user/Makefile and tests/user/Makefile:
# every .c file of each layer's folder, named relative to user/.
# LIB_SRCS is every layer but cli/: what the unit tests link against.

SONDE_USER_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
SONDE_LAYERS := lib recording record unwind symbolize profile export serve

sonde_srcs = $(sort $(patsubst $(SONDE_USER_DIR)/%,%, \
	$(wildcard $(addprefix $(SONDE_USER_DIR)/,$(addsuffix /*.c,$(1))))))

LIB_SRCS := $(call sonde_srcs,$(SONDE_LAYERS))
CLI_SRCS := $(call sonde_srcs,cli)
TOOL_SRCS := $(LIB_SRCS) $(CLI_SRCS)

# pprof's profile.proto as Debian ships it (golang-github-google-pprof-dev):
# export/pprof.c includes the C that protoc-c generates from it, at build
# time, into $(GEN_DIR) (each Makefile sets it).
PPROF_PROTO ?= /usr/share/gocode/src/github.com/google/pprof/proto/profile.proto
# The generated code is not ours: built without our warning flags.
GEN_CFLAGS := -O2 -g -std=gnu11

# What a compile needs generated first: the pprof code, and the tool's
# version (scripts/version) as sonde-version.h for the files that print
# it.  The version header is remade at every make but rewritten only when
# the version changed, so only its includers rebuild.
SONDE_GEN_HDRS = $(GEN_DIR)/profile.pb-c.h $(GEN_DIR)/sonde-version.h
SONDE_VERSION_SH := $(SONDE_USER_DIR)/../scripts/version

define sonde_gen_rules
$(1)/profile.pb-c.c $(1)/profile.pb-c.h: $$(PPROF_PROTO)
	@mkdir -p $(1)
	cp $$< $(1)/profile.proto
	cd $(1) && protoc-c --c_out=. profile.proto

$(1)/sonde-version.h: sonde-version-force
	@mkdir -p $(1)
	@$$(SONDE_VERSION_SH) --c-header >$$@.new
	@if cmp -s $$@.new $$@; then rm -f $$@.new; else mv $$@.new $$@; fi
sonde-version-force:
.PHONY: sonde-version-force
endef
