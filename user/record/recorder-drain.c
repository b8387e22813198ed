// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: the recorder's drain (recorder-internal.h): the records
 * of every ring into the recording, and the /proc snapshots of the
 * processes they show.
 *
 * Samples go to the writer as each ring is consumed (record -t drops the
 * other threads' here).  A ring's task and MMAP records are gathered in
 * ->events and written as one EVENTS section once that ring is drained:
 * readers load EVENTS sections before they walk the samples, since a
 * sample's MMAP record comes after it.  MMAP records are shown to the
 * archive and to the JIT maps as they are drained, and a JIT's perf map
 * is read when its main thread's EXIT record is.  The snapshots the
 * samples ask for (seen.h) are asked of the file system worker
 * (fsworker.h) once every ring is drained, and written as PROCESS
 * sections by a later drain, once taken: the drain never waits on them.
 * MMAP records go to the archive through the worker too.
 *
 * With the perf fallback (record/perfsource.h) the perf rings are read
 * instead, their records converted into the module's as they are read:
 * samples, and task and MMAP records from perf's side records, which
 * take the same way as the module's.
 *
 * Runs on recorder__run()'s thread: from the loop on each wakeup and
 * tick, and once more after STOP (recorder.c); run_job() alone runs on
 * the file system worker's.  Nothing here is global.
 */
#include <errno.h>
#include <stdbool.h>
#include <time.h>

#include "lib/util.h"
#include "recording/recording.h"
#include "record/archive.h"
#include "record/fsworker.h"
#include "record/jitmaps.h"
#include "record/perfsource.h"
#include "record/procmap.h"
#include "record/recorder-internal.h"
#include "record/ring.h"
#include "record/seen.h"

/* What the recorder asks of its file system worker. */
enum recorder_job {
	JOB_SNAPSHOT,		/* @pid's PROCESS section, in the payload */
	JOB_ARCHIVE_MMAP,	/* archive__note_mmap() of the MMAP record */
	JOB_ARCHIVE_RECHECK,	/* archive__recheck(), the tick's */
};

struct drain_ctx {
	struct recorder *r;
	__u32 cpu;
};

/* record -t: the module filters by process, this by thread. */
static bool tid_wanted(const struct recorder_opts *o, __u32 tid)
{
	unsigned int i;

	for (i = 0; i < o->nr_tids; i++)
		if (o->tids[i] == tid)
			return true;
	return false;
}

/*
 * A JIT's perf map is read when its main thread exits: the file is then
 * complete, and the process may remove it before the recording ends.
 */
static int note_jit(struct recorder *r, const struct sonde_record_header *h)
{
	const struct sonde_task_event *te = (const void *)h;

	if (h->type == SONDE_RECORD_MMAP)
		return jitmaps__note_mmap(r->jitmaps, (const void *)h,
					  h->size);
	if (h->type == SONDE_RECORD_EXIT && h->size >= sizeof(*te) &&
	    te->pid && te->tid == te->pid)
		return jitmaps__note_exit(r->jitmaps, te->pid, r->writer);
	return 0;
}

/* A process's main thread exited: its seen_pids entry can go. */
static int note_exit(struct recorder *r, const struct sonde_record_header *h)
{
	const struct sonde_task_event *te = (const void *)h;

	if (h->type != SONDE_RECORD_EXIT || h->size < sizeof(*te) ||
	    !te->pid || te->tid != te->pid)
		return 0;
	return seen_pids__note_exit(&r->seen, te->pid);
}

static int drain_record(const struct sonde_record_header *h, void *ctx)
{
	struct drain_ctx *d = ctx;
	struct recorder *r = d->r;
	int err;

	if (h->type == SONDE_RECORD_SAMPLE) {
		if (r->o->nr_tids &&
		    !tid_wanted(r->o, ((const struct sonde_sample *)h)->tid))
			return 0;
		r->samples++;
		err = seen_pids__note_sample(&r->seen,
					     (const struct sonde_sample *)h);
		if (err)
			return err;
	} else if (h->type == SONDE_RECORD_LOST) {
		r->lost += ((const struct sonde_lost *)h)->nr_lost;
	} else if (h->type != SONDE_RECORD_SAMPLE) {
		if (h->type == SONDE_RECORD_FORK &&
		    h->size >= sizeof(struct sonde_task_event) &&
		    (((const struct sonde_task_event *)h)->flags &
		     SONDE_TASK_NOT_FOLLOWED))
			r->not_followed++;
		if (h->type == SONDE_RECORD_MMAP) {
			/*
			 * The archive stat()s and watches: the worker's, before
			 * its snapshots, while the process is likely alive.
			 */
			err = fs_worker__submit(r->fsw, JOB_ARCHIVE_MMAP, 0,
						FS_URGENT, h, h->size);
			if (err)
				return err;
		}
		err = note_jit(r, h);
		if (err)
			return err;
		err = note_exit(r, h);
		if (err)
			return err;
		/*
		 * Task and MMAP records go to an EVENTS section, which
		 * readers load before they walk the samples: a sample's
		 * MMAP record comes after it.
		 */
		if (!r->events.len) {
			struct srec_records hdr = { .cpu = d->cpu };

			err = buf__append(&r->events, &hdr, sizeof(hdr));
			if (err)
				return err;
		}
		return buf__append(&r->events, h, h->size);
	}
	return rec_writer__append_records(r->writer, d->cpu, h, h->size);
}

/* The events of one ring's drain, as one section. */
static int flush_events(struct recorder *r)
{
	int err = 0;

	if (r->events.len)
		err = rec_writer__add_section(r->writer, SREC_SEC_EVENTS, 0,
					      r->events.data, r->events.len);
	r->events.len = 0;
	return err;
}

/* A snapshot taken of @pid at @time_ns: noted, then written. */
static int write_process(struct recorder *r, __u32 pid, const void *snap,
			 size_t len, __u64 time_ns)
{
	return seen_pids__note_snapshot(&r->seen, pid, snap, len, time_ns) ?:
	       rec_writer__add_section(r->writer, SREC_SEC_PROCESS, 0, snap,
				       len);
}

int recorder__snapshot(struct recorder *r, __u32 pid, __u32 flags)
{
	__u64 t = now_ns(CLOCK_MONOTONIC);
	int err;

	r->scratch.len = 0;
	err = procmap__snapshot(r->procmap, pid, flags, t, &r->scratch);
	if (err == -ESRCH)
		return 0;	/* gone before we looked: nothing to add */
	return err ?: write_process(r, pid, r->scratch.data, r->scratch.len,
				    t);
}

static int drain_rings(struct recorder *r)
{
	unsigned int i;

	for (i = 0; r->perf_mode && i < perfsource__nr_rings(r->perf); i++) {
		struct drain_ctx d = { r, perfsource__cpu(r->perf, i) };
		long n = perfsource__consume(r->perf, i, drain_record, &d,
					     &r->errors);

		if (n < 0)
			return n;
		n = flush_events(r);
		if (n)
			return n;
	}
	for (i = 0; !r->perf_mode && i < r->nr_rings; i++) {
		struct drain_ctx d = { r, sonde_ring__cpu(r->rings[i]) };
		long n = sonde_ring__consume(r->rings[i], drain_record, &d,
					     &r->errors);

		if (n < 0)
			return n;
		n = flush_events(r);
		if (n)
			return n;
	}
	return 0;
}

/*
 * Runs on the worker's thread, and touches only ->fs_procmap and
 * ->archive, which nothing on the recorder's thread uses until
 * recorder__finish_jobs() has waited for the worker.  Build-id reads
 * open their own libelf descriptors, and elfutils keeps libelf's error
 * state per thread (libelf/elf_error.c), so the recorder's thread may
 * read ELF files meanwhile.
 */
static int run_job(const struct fs_job *job, __u64 time_ns, struct buf *out,
		   void *ctx)
{
	struct recorder *r = ctx;

	switch (job->kind) {
	case JOB_SNAPSHOT:
		return procmap__snapshot(r->fs_procmap, job->pid, job->flags,
					 time_ns, out);
	case JOB_ARCHIVE_MMAP:
		return archive__note_mmap(r->archive, job->data, job->len);
	case JOB_ARCHIVE_RECHECK:
		archive__recheck(r->archive, time_ns);
		return 0;
	}
	return -EINVAL;
}

int recorder__start_jobs(struct recorder *r)
{
	int err = procmap__new(&r->fs_procmap, "/proc");

	return err ?: fs_worker__new(&r->fsw, run_job, r);
}

/*
 * A snapshot reads /proc and opens the mapped files for their build-ids
 * (over a network file system, a cold disk) while the rings go on
 * filling: the first drain of a busy host asks for one of every process
 * running.  So the drain only asks, and the worker takes them.
 */
static int request_snapshot(__u32 pid, void *ctx)
{
	struct recorder *r = ctx;

	return fs_worker__submit(r->fsw, JOB_SNAPSHOT, pid, 0, NULL, 0);
}

static int write_snapshot(struct recorder *r, const struct fs_result *res)
{
	if (res->err == -ESRCH)	/* gone before it was looked at */
		return seen_pids__note_no_snapshot(&r->seen, res->pid,
						   res->time_ns);
	return res->err ?: write_process(r, res->pid, res->payload.data,
					 res->payload.len, res->time_ns);
}

static int job_done(const struct fs_result *res, void *ctx)
{
	struct recorder *r = ctx;

	if (res->kind == JOB_SNAPSHOT)
		return write_snapshot(r, res);
	if (res->kind == JOB_ARCHIVE_RECHECK)
		r->recheck_asked = false;
	return res->err;
}

int recorder__drain(struct recorder *r)
{
	return drain_rings(r) ?:
	       seen_pids__flush(&r->seen, request_snapshot, r) ?:
	       fs_worker__collect(r->fsw, job_done, r);
}

int recorder__archive_recheck(struct recorder *r)
{
	int err = 0;

	/*
	 * One at a time: a slow file system must not pile them up.  Urgent:
	 * a file at risk is copied through a process that still maps it.
	 */
	if (!r->recheck_asked)
		err = fs_worker__submit(r->fsw, JOB_ARCHIVE_RECHECK, 0,
					FS_URGENT, NULL, 0);
	if (!err)
		r->recheck_asked = true;
	return err;
}

static int request_final(__u32 pid, void *ctx)
{
	struct recorder *r = ctx;

	return fs_worker__submit(r->fsw, JOB_SNAPSHOT, pid, SREC_PROC_FINAL,
				 NULL, 0);
}

int recorder__finish_jobs(struct recorder *r)
{
	int err;

	/*
	 * The snapshots still queued would only delay the end: every process
	 * alive gets its final one below, and one gone has nothing to show.
	 */
	fs_worker__drop(r->fsw, JOB_SNAPSHOT);
	fs_worker__wait(r->fsw);
	err = fs_worker__collect(r->fsw, job_done, r);
	/*
	 * The processes still alive, once more: their maps may have grown
	 * (dlopen).  On the worker, whose build-id cache the snapshots
	 * before have filled.
	 */
	if (!err)
		err = seen_pids__for_each(&r->seen, request_final, r);
	if (err)
		return err;
	fs_worker__wait(r->fsw);
	return fs_worker__collect(r->fsw, job_done, r);
}
