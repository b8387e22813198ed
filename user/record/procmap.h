/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: snapshots of a process as report needs it later: its comm
 * and its executable mappings, each with the build-id of the mapped file.
 * The same lookups serve the perf fallback's task and MMAP records
 * (perfsource.h), which name a thread or a file but not what /proc knows.
 *
 * Single-threaded: a procmap belongs to one thread (the recorder has
 * one for its own thread and one for its file system worker); it caches
 * build-ids by file, nothing else.
 */
#ifndef SONDE_PROCMAP_H
#define SONDE_PROCMAP_H

#include <linux/types.h>

#include "lib/util.h"

struct procmap;

/* @proc_root is "/proc" except in tests. */
int procmap__new(struct procmap **pm, const char *proc_root);
void procmap__free(struct procmap *pm);

/*
 * procmap__snapshot - append a SREC_SEC_PROCESS payload for @pid to @out.
 * Returns -ESRCH when the process is gone (nothing appended).
 */
int procmap__snapshot(struct procmap *pm, __u32 pid, __u32 flags,
		      __u64 time_ns, struct buf *out);

/*
 * procmap__build_id - the GNU build-id of the file that @pid maps at
 * [@start, @end) from @path (as the process sees it), inode @ino: read
 * from the mapped file itself while /proc shows it, else from @path
 * through /proc/@pid/root, else from @path here, and only from a file
 * that is inode @ino (a replaced binary must not lend its build-id).
 * At most @cap bytes go to @id.  Returns the build-id's size, 0 when the
 * file has none, or -ENOENT when no file found is the mapped inode.
 */
int procmap__build_id(struct procmap *pm, __u32 pid, const char *path,
		      __u64 start, __u64 end, __u64 ino, unsigned char *id,
		      size_t cap);

/*
 * procmap__thread_comm - the name thread @tid of process @pid has now
 * (/proc/PID/task/TID/comm), NUL-terminated in @comm (@len bytes, cut to
 * fit).  Returns 0 or -ESRCH when the thread cannot be read (gone).
 */
int procmap__thread_comm(struct procmap *pm, __u32 pid, __u32 tid,
			 char *comm, size_t len);

#endif /* SONDE_PROCMAP_H */
