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
