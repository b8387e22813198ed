/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: the perf maps of the JIT processes sonde record sees
 * (symbolize/perfmap.h has the format), read into PERFMAP sections.
 *
 * A process is a JIT when its samples hit anonymous executable memory
 * (an MMAP record with SONDE_MMAP_ANON).  Its /tmp/perf-NSPID.map grows
 * as it compiles, so it is read as late as possible: when the process
 * exits (its main thread's EXIT record), else at the end.  The process's
 * root directory is opened as soon as the process is seen, while
 * /proc/PID exists, and the map as soon as it exists: through them the
 * map is found and read later even if the process removed it or is gone
 * (the EXIT record is read after the task let go of its root).
 *
 * The file is written by the process being profiled, and sonde record
 * runs as root: it is opened through /proc/PID/root (the process's own
 * root, a container's), never following a symlink in its last component
 * and, where openat2() exists, resolving every other one inside that
 * root; it is used only if it is a regular file owned by the process's
 * user (the owner of /proc/PID) or by root, and at most SREC_PERFMAP_MAX
 * bytes of it are kept.  A file that is refused is named in one line.
 *
 * The process's jitdump (record/jitdump.h) is looked for, opened and
 * written into a JITDUMP section at the same points, the same way.
 *
 * Single-threaded; nothing here is global.
 */
#ifndef SONDE_JITMAPS_H
#define SONDE_JITMAPS_H

#include <sys/types.h>
#include <linux/types.h>

#include "lib/util.h"
#include "recording/recording.h"

/*
 * jit_root__open - the root directory of process @pid (O_PATH, a
 * directory of @proc_root), and in *@owner the owner of @proc_root/PID.
 * Returns the descriptor or -errno (-ENOENT: no such process).
 */
int jit_root__open(const char *proc_root, __u32 pid, uid_t *owner);

/*
 * jit_file__open_in - open @name, relative to @root_fd (from
 * jit_root__open()), with the checks and returns of perfmap_file__open()
 * (@owner, or root, must own it).
 */
int jit_file__open_in(int root_fd, uid_t owner, const char *name);

/*
 * jit_file__open - open @name (relative to the process's root) of process
 * @pid as perfmap_file__open() does, with the same checks and returns.
 */
int jit_file__open(const char *proc_root, __u32 pid, const char *name);

/*
 * perfmap_file__open - open /tmp/perf-@ns_pid.map of process @pid (a
 * directory of @proc_root, "/proc" except in tests) as described above.
 * Returns the descriptor (O_CLOEXEC), or -ENOENT (no such file or
 * process), -ELOOP (a symlink), -SONDE_ENOTREG, -EPERM (another user's
 * file), or another -errno.
 */
int perfmap_file__open(const char *proc_root, __u32 pid, __u32 ns_pid);

/*
 * perfmap_file__read - the PERFMAP payload of @fd (a perf map of @pid,
 * @ns_pid) into @out: struct srec_perfmap then whole lines, at most
 * SREC_PERFMAP_MAX bytes of them (SREC_PERFMAP_CUT when there were
 * more).  With @live (the process still runs) an unfinished last line
 * is left out: it is being written.  Returns 0 or -errno.
 */
int perfmap_file__read(int fd, __u32 pid, __u32 ns_pid, bool live,
		       struct buf *out);

struct jitmaps;

int jitmaps__new(struct jitmaps **jm, const char *proc_root);
void jitmaps__free(struct jitmaps *jm);

/*
 * jitmaps__note_process - open the root of process @pid (in our pid
 * namespace) now, while it surely lives: for the command sonde record
 * runs, at its exec.  A short-lived JIT may be gone before the record of
 * its first JIT sample is read; its map is then still found through
 * this.  Nothing is written for @pid unless it turns out to be a JIT.
 * 0 or -ENOMEM (a process that cannot be opened is not an error).
 */
int jitmaps__note_process(struct jitmaps *jm, __u32 pid);

/*
 * jitmaps__note_mmap - account an MMAP record (@len bytes at @ev): one
 * of anonymous memory (no path: not the vDSO) makes its process a JIT,
 * whose map and jitdump are opened now if they exist, or at its next
 * such record.
 * 0 or -ENOMEM.
 */
int jitmaps__note_mmap(struct jitmaps *jm,
		       const struct sonde_mmap_event *ev, size_t len);

/*
 * jitmaps__note_exit - process @pid exited: if it is a JIT, write its
 * perf map and jitdump to @w now.  0 or the writer's -errno.
 */
int jitmaps__note_exit(struct jitmaps *jm, __u32 pid, struct rec_writer *w);

/*
 * jitmaps__write - at the end: write the perf map and jitdump of every
 * other JIT.
 */
int jitmaps__write(struct jitmaps *jm, struct rec_writer *w);

#endif /* SONDE_JITMAPS_H */
