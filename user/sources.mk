# SPDX-License-Identifier: GPL-2.0
# The tool's sources by layer, for user/Makefile and tests/user/Makefile:
# every .c file of each layer's folder, named relative to user/.
# LIB_SRCS is every layer but cli/: what the unit tests link against.

SONDE_USER_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
SONDE_LAYERS := lib recording record unwind symbolize profile export

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

define sonde_gen_rules
$(1)/profile.pb-c.c $(1)/profile.pb-c.h: $$(PPROF_PROTO)
	@mkdir -p $(1)
	cp $$< $(1)/profile.proto
	cd $(1) && protoc-c --c_out=. profile.proto
endef
