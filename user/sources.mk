# SPDX-License-Identifier: GPL-2.0
# The tool's sources by layer, for user/Makefile and tests/user/Makefile.
# LIB_SRCS is everything but cli/: what the unit tests link against.

LIB_SRCS := \
	lib/util.c lib/hmap.c lib/untrusted.c lib/outfile.c lib/buildid.c \
	recording/writer.c recording/reader.c recording/addrspace.c \
	recording/session.c \
	record/dev.c record/ring.c record/loop.c record/procmap.c \
	record/target.c record/kallsyms.c \
	symbolize/dso.c symbolize/debuginfo.c symbolize/kallsyms.c \
	export/folded.c

CLI_SRCS := cli/main.c cli/cmd-record.c cli/cmd-report.c cli/cmd-script.c \
	cli/cmd-export.c

TOOL_SRCS := $(LIB_SRCS) $(CLI_SRCS)
