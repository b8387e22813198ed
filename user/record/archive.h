/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: keeping the binaries a recording needs (lib/buildcache.h).
 *
 * A binary that is deleted or replaced while it runs can only be read
 * while a process still maps it: through /proc/PID/map_files/, which
 * names the mapped file itself, whatever became of its path.  So each
 * MMAP record is looked at as it is drained, and again when inotify says
 * the file was unlinked or renamed (or every tick, for a file it cannot
 * watch), while a process maps the file: a file whose path no longer leads to it as
 * the recorder sees it (" (deleted)", another inode there now, or a
 * container's file, in another mount namespace) is copied into the build-id
 * cache then; with --archive every other mapped ELF file is too, at the
 * end (archive__finish()).  Each build-id is copied at most once per
 * recording.  A file without a
 * build-id cannot be archived (nothing tells its copies apart); its
 * identity is kept instead, for reports to check the file against.
 *
 * Single-threaded: while sampling runs, on the recorder's file system
 * worker (record/fsworker.h), so that its stat()s, watches and copies
 * never delay a drain; at the end, on the recorder's thread once the
 * worker is idle.  Only files at risk are copied by default: a copy
 * still delays the snapshots queued behind it.
 */
#ifndef SONDE_RECORD_ARCHIVE_H
#define SONDE_RECORD_ARCHIVE_H

#include <stdbool.h>
#include <linux/types.h>

#include "recording/recording.h"
#include "sonde.h"

struct archive;

/*
 * archive__new - @all: copy every mapped ELF file (--archive), not only
 * those at risk.  The cache directory is buildcache__dir()'s; without
 * one, nothing is archived (*@a is still set).  Returns 0 or -ENOMEM.
 */
int archive__new(struct archive **a, bool all);
void archive__free(struct archive *a);

/*
 * archive__note_mmap - look at one MMAP record (@ev, @size bytes, from
 * the ring: untrusted sizes are checked).  Failing to copy is not an
 * error of the recording: it is counted, and said by archive__free()'s
 * caller through archive__summary().  Returns 0 or -ENOMEM.
 */
int archive__note_mmap(struct archive *a, const struct sonde_mmap_event *ev,
		       __u32 size);

/*
 * archive__recheck - copy the files seen so far whose path no longer
 * leads to them (deleted or replaced since their MMAP record), through a
 * process that mapped them, if it still lives.  Called every tick, at
 * @now_ns (CLOCK_MONOTONIC): a file replaced and its last process gone
 * between two ticks is missed.  Only the files inotify has news of, and
 * those it cannot watch, are looked at, except every 10 s, when all are
 * (inotify misses a parent directory renamed, or a mount over a path).
 */
void archive__recheck(struct archive *a, __u64 now_ns);

/* archive__checks - paths looked at (stat()ed) by rechecks so far. */
unsigned int archive__checks(const struct archive *a);

/*
 * archive__finish - at the end of recording: every file rechecked, then
 * with --archive every file not copied yet (through a live process that
 * maps it, else its path when that still leads to it).
 */
void archive__finish(struct archive *a);

/*
 * archive__write_files - the identity (inode, size, modification time) of
 * every mapped file without a build-id seen so far, as a FILES section of
 * @w (nothing when there were none).  Returns 0 or the writer's -errno.
 */
int archive__write_files(struct archive *a, struct rec_writer *w);

/*
 * Files copied, and files that could not be, so far; returns the first
 * failure as "PATH: reason", or NULL.
 */
const char *archive__summary(const struct archive *a, unsigned int *copied,
			     unsigned int *failed);

#endif /* SONDE_RECORD_ARCHIVE_H */
