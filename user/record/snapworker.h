/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: a thread that takes the recorder's /proc snapshots, so
 * that the thread draining the rings never waits on file I/O.
 *
 * A snapshot reads /proc/PID/maps and opens every mapped file for its
 * build-id: over a network file system, or 9p in a guest, one open can
 * stall for longer than a ring holds samples.  perf record keeps such
 * reads out of its ring reading for the same reason (it reads build-ids
 * after the session).  The recorder's thread queues a pid with
 * snap_worker__request() and later takes the finished snapshots with
 * snap_worker__collect(), writing them into the recording itself: the
 * worker owns only what it is given to take snapshots with, never the
 * writer.
 *
 * Threads: every function is called from one thread, the owner's; the
 * worker thread runs the take function only.  The queue and the results
 * are shared under one mutex; the worker waits on a condition for work,
 * snap_worker__wait() on another for the queue to empty.  The worker
 * blocks every signal: the recorder reads its signals from a signalfd.
 */
#ifndef SONDE_SNAPWORKER_H
#define SONDE_SNAPWORKER_H

#include <linux/types.h>

#include "lib/util.h"

struct snap_worker;

/*
 * snap_take_fn - append the snapshot of @pid (SREC_PROC_* @flags), taken
 * now, at @time_ns (CLOCK_MONOTONIC, read just before the call), to
 * @out.  Runs on the worker thread: it must touch only what @ctx gives it
 * and nothing the owner uses meanwhile.  Returns 0 or a negative errno
 * (-ESRCH: the process is gone).
 */
typedef int (*snap_take_fn)(__u32 pid, __u32 flags, __u64 time_ns,
			    struct buf *out, void *ctx);

/* One finished request: @err is the take function's return. */
struct snap_result {
	__u32 pid;
	__u32 flags;
	__u64 time_ns;
	int err;
	struct buf payload;	/* what the take function appended */
};

/*
 * snap_done_fn - one result, on the owner's thread, in request order.
 * Nonzero stops snap_worker__collect(), which returns it.
 */
typedef int (*snap_done_fn)(const struct snap_result *res, void *ctx);

/*
 * snap_worker__new - start the worker thread; it calls @take(..., @ctx)
 * for each request.  Returns 0 or a negative errno (-ENOMEM, or
 * pthread_create()'s error, negated).
 */
int snap_worker__new(struct snap_worker **wp, snap_take_fn take, void *ctx);

/*
 * snap_worker__request - queue a snapshot of @pid with @flags; returns at
 * once: 0, or -ENOMEM (nothing queued).
 */
int snap_worker__request(struct snap_worker *w, __u32 pid, __u32 flags);

/*
 * snap_worker__collect - hand every result finished so far to @done, in
 * request order, without waiting for the ones still queued or running.
 * Each result is freed after @done returns, whatever it returns.
 * Returns 0, the first nonzero return of @done (the results after it are
 * freed unseen), or -ENOMEM when the worker could not keep a result.
 */
int snap_worker__collect(struct snap_worker *w, snap_done_fn done,
			 void *ctx);

/*
 * snap_worker__wait - block until every request so far has finished;
 * the results are still to be collected.
 */
void snap_worker__wait(struct snap_worker *w);

/* Requests queued or running (for tests and the status line). */
unsigned int snap_worker__nr_pending(struct snap_worker *w);

/*
 * snap_worker__free - drop the requests not started, wait for the one
 * running, stop the thread and free what was not collected.  NULL is
 * accepted.
 */
void snap_worker__free(struct snap_worker *w);

#endif /* SONDE_SNAPWORKER_H */
