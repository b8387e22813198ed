/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: which processes the recorder has seen samples of, and
 * when each needs a snapshot of its maps (first seen, or a sample outside
 * its last snapshot).  Used by the recorder only (recorder-internal.h).
 *
 * Single-threaded: the recorder's thread only (its file system worker,
 * fsworker.h, takes the snapshots but notes nothing here); nothing here
 * is global.
 */
#ifndef SONDE_SEEN_H
#define SONDE_SEEN_H

#include <stddef.h>
#include <linux/types.h>

#include "lib/hmap.h"

struct sonde_sample;

/* struct seen_pids - the processes seen; init with seen_pids__init(). */
struct seen_pids {
	struct hmap seen;	/* pid -> struct seen_pid (seen.c) */
	/*
	 * The entry of the last pid looked up: a ring holds runs of one
	 * process's samples, and this saves their hash lookups.
	 */
	__u32 last_pid;
	struct seen_pid *last;	/* NULL: none */
	__u32 *pending;		/* pids to ask a snapshot of, oldest first */
	unsigned int nr_pending, cap_pending;
	__u32 *gone;		/* exited pids, oldest first, from @first_gone */
	unsigned int first_gone, nr_gone, cap_gone;
	__u64 flushes;		/* seen_pids__flush() calls so far */
};

/* Callback for one pid; a nonzero return stops the walk and is returned. */
typedef int (*seen_pid_fn)(__u32 pid, void *ctx);

void seen_pids__init(struct seen_pids *s);
void seen_pids__free(struct seen_pids *s);

/*
 * seen_pids__note_sample - account @smp, a sample just drained: its
 * process is queued for a snapshot when first seen, or when its user IP
 * lies outside the last snapshot (at most once per backoff period).
 * Called for every sample: no syscall, only lookups.  Returns 0 or
 * -ENOMEM.
 */
int seen_pids__note_sample(struct seen_pids *s,
			   const struct sonde_sample *smp);

/*
 * seen_pids__note_snapshot - remember the ranges of @snap (@len bytes, a
 * SREC_SEC_PROCESS payload) taken of @pid at @time_ns (CLOCK_MONOTONIC),
 * and start the next backoff period: the answer to the snapshot its
 * samples asked for, after which they may ask again.  A pid not seen is
 * ignored.  Returns 0 or -ENOMEM.
 */
int seen_pids__note_snapshot(struct seen_pids *s, __u32 pid,
			     const void *snap, size_t len, __u64 time_ns);

/*
 * seen_pids__note_no_snapshot - the snapshot asked for @pid could not be
 * taken at @time_ns (the process was gone): its samples may ask again
 * after the next backoff period, its ranges stay as they were.  Returns
 * 0.
 */
int seen_pids__note_no_snapshot(struct seen_pids *s, __u32 pid,
				__u64 time_ns);

/*
 * seen_pids__note_exit - @pid's main thread exited (its EXIT record was
 * drained): no snapshot is asked for it any more, and it is forgotten two
 * flushes later, once every ring has been drained past its last samples,
 * so that a recorder's memory does not grow with the processes that come
 * and go.  A sample drained after that makes it new again.  Returns 0 or
 * -ENOMEM.
 */
int seen_pids__note_exit(struct seen_pids *s, __u32 pid);

/*
 * seen_pids__flush - call @fn for each pid queued since the last flush,
 * in queue order, then take them off the queue and forget the exited
 * pids due.  @fn asks for the snapshot (it may take it later, on another
 * thread): until seen_pids__note_snapshot() or _note_no_snapshot() answer
 * it, that pid's samples ask for no other.  @fn may note more samples:
 * pids they queue stay queued for the next flush.  Stops at the first
 * error.
 */
int seen_pids__flush(struct seen_pids *s, seen_pid_fn fn, void *ctx);

/*
 * seen_pids__for_each - call @fn for every pid seen and not known to have
 * exited; stops at an error.
 */
int seen_pids__for_each(struct seen_pids *s, seen_pid_fn fn, void *ctx);

#endif /* SONDE_SEEN_H */
