/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: a thread for the recorder's file system work, so that
 * the thread draining the rings does not wait on the file I/O of its
 * snapshots and its archive.  (The perf fallback's build-ids for perf's
 * MMAP2 records, and JIT perf maps, are still read on the drain's
 * thread: perfsource-side-records.c, jitmaps.c.)
 *
 * The recorder's /proc snapshots read /proc/PID/maps and open every
 * mapped file for its build-id; its archive stat()s and watches each
 * mapped file, and copies those at risk.  Over a network file system,
 * or 9p in a guest, one such call can stall for longer than a ring
 * holds samples.  perf record keeps file reads out of its ring reading
 * for the same reason (it reads build-ids after the session).
 *
 * The owner submits jobs (fs_worker__submit()): a kind of its own
 * numbering, a pid, flags and bytes, copied.  The worker runs them one
 * at a time through the run function given at creation, the urgent ones
 * (FS_URGENT) first, each queue in submission order; the owner takes the
 * results later with fs_worker__collect() and does what needs its own
 * state (writing the recording) itself.
 *
 * Threads: every function is called from the owner's thread (the tests
 * call fs_worker__nr_pending() from another, which the lock allows); the
 * worker thread runs the run function only, which must touch nothing
 * the owner uses meanwhile.  What the run function leaves behind (an
 * archive it updated) is the owner's to read again once fs_worker__wait()
 * returns: the mutex orders the two.  The queue and the results are
 * shared under that one mutex; the worker waits on a condition for work,
 * fs_worker__wait() on another for the queues to empty.  The worker
 * blocks every signal but those of its own faults: the recorder reads
 * its signals from a signalfd.
 */
#ifndef SONDE_FSWORKER_H
#define SONDE_FSWORKER_H

#include <stddef.h>
#include <linux/types.h>

#include "lib/util.h"

struct fs_worker;

/* One job, as submitted; @data is the worker's copy (NULL: none). */
struct fs_job {
	__u32 kind;		/* the owner's */
	__u32 pid;
	__u32 flags;
	__u32 len;		/* bytes at @data */
	void *data;
};

/*
 * fs_run_fn - run @job on the worker thread, at @time_ns
 * (CLOCK_MONOTONIC, read just before the call); what it appends to @out
 * goes back to the owner.  Returns 0 or a negative errno, which goes
 * back too.
 */
typedef int (*fs_run_fn)(const struct fs_job *job, __u64 time_ns,
			 struct buf *out, void *ctx);

/* One finished job: @err is the run function's return. */
struct fs_result {
	__u32 kind;
	__u32 pid;
	__u32 flags;
	int err;
	__u64 time_ns;
	struct buf payload;	/* what the run function appended */
};

/*
 * fs_done_fn - one result, on the owner's thread, in the order they ran.
 * Nonzero stops fs_worker__collect(), which returns it.
 */
typedef int (*fs_done_fn)(const struct fs_result *res, void *ctx);

/*
 * fs_worker__new - start the worker thread; it calls @run(..., @ctx) for
 * each job.  Returns 0 or a negative errno (-ENOMEM, or
 * pthread_create()'s error, negated).
 */
int fs_worker__new(struct fs_worker **wp, fs_run_fn run, void *ctx);

/*
 * FS_URGENT in fs_worker__submit()'s @flags: run before every job
 * submitted without it (one about a process that may soon be gone).  The
 * job's own flags are the rest.
 */
#define FS_URGENT	(1U << 31)

/*
 * fs_worker__submit - queue a job: @kind, @pid, @flags and a copy of the
 * @len bytes at @data.  Returns at once: 0, or -ENOMEM (nothing queued).
 */
int fs_worker__submit(struct fs_worker *w, __u32 kind, __u32 pid,
		      __u32 flags, const void *data, size_t len);

/*
 * fs_worker__drop - take the jobs of @kind not started yet off the
 * queues, unrun; returns how many.
 */
unsigned int fs_worker__drop(struct fs_worker *w, __u32 kind);

/*
 * fs_worker__collect - hand every result finished so far to @done, in
 * the order they ran, without waiting for the jobs still queued or
 * running.  Each result is freed after @done returns, whatever it
 * returns.  Returns 0, the first nonzero return of @done (the results
 * after it are freed unseen), or -ENOMEM when the worker could not keep
 * a result.
 */
int fs_worker__collect(struct fs_worker *w, fs_done_fn done, void *ctx);

/*
 * fs_worker__wait - block until every job so far has run; the results
 * are still to be collected.
 */
void fs_worker__wait(struct fs_worker *w);

/* Jobs queued or running. */
unsigned int fs_worker__nr_pending(struct fs_worker *w);

/*
 * fs_worker__free - drop the jobs not started, wait for the one running,
 * stop the thread and free what was not collected.  NULL is accepted.
 */
void fs_worker__free(struct fs_worker *w);

#endif /* SONDE_FSWORKER_H */
