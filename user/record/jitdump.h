/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: finding and reading the jitdump of a JIT process
 * (symbolize/jitdump.h has the format; the Linux kernel's
 * tools/perf/Documentation/jitdump-specification.txt its source) into a
 * JITDUMP section.
 *
 * A JIT that writes a jitdump maps it executable as a marker: that is how
 * perf finds it, through the MMAP record of a file named jit-PID.dump.
 * The module reports a file mapping only when a sample hits it, and no
 * sample hits a marker: the marker is looked for in /proc/PID/maps
 * instead, else the file is /tmp/jit-NSPID.dump.  It is opened with the
 * checks of a perf map (record/jitmaps.h: inside the process's root, no
 * symlink, a regular file of the process's user or root) and at most
 * SREC_JITDUMP_MAX bytes of it are kept.
 *
 * Single-threaded; nothing here is global.
 */
#ifndef SONDE_RECORD_JITDUMP_H
#define SONDE_RECORD_JITDUMP_H

#include <stddef.h>
#include <linux/types.h>

#include "lib/util.h"

/*
 * jitdump_file__find - where process @pid's jitdump is, in its root: the
 * marker's path from @proc_root/@pid/maps (a mapping of a file named
 * jit-@ns_pid.dump), else "/tmp/jit-@ns_pid.dump"; into @path (@size
 * bytes).  Returns 0, or -ENAMETOOLONG.
 */
int jitdump_file__find(const char *proc_root, __u32 pid, __u32 ns_pid,
		       char *path, size_t size);

/*
 * jitdump_file__open - open the jitdump of process @pid at @path (from
 * jitdump_file__find()).  Returns the descriptor or jit_file__open()'s
 * -errno.
 */
int jitdump_file__open(const char *proc_root, __u32 pid, const char *path);

/*
 * jitdump_file__read - the JITDUMP payload of @fd (the jitdump of @pid,
 * @ns_pid, found at @path) into @out: struct srec_jitdump, the path,
 * then at most SREC_JITDUMP_MAX bytes of the file (SREC_JITDUMP_CUT when
 * there were more).  Returns 0 or -errno.
 */
int jitdump_file__read(int fd, __u32 pid, __u32 ns_pid, const char *path,
		       struct buf *out);

#endif /* SONDE_RECORD_JITDUMP_H */
