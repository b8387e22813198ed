/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: the state of one sonde record run, struct recorder, and
 * what the recorder's files call in each other.  recorder.c sets the
 * state up, runs the loop and tears it down (recorder__run(), recorder.h
 * is the interface); recorder-drain.c moves the rings' records into the
 * recording; recorder-finish.c writes the sections that end it.  Nothing
 * else includes this.
 *
 * Runs on recorder__run()'s thread, but for the file system worker's
 * jobs (recorder-drain.c), which use ->fs_procmap and ->archive alone.
 * Nothing here is global: each function works on the struct recorder it
 * is given.
 */
#ifndef SONDE_RECORDER_INTERNAL_H
#define SONDE_RECORDER_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#include "lib/outfile.h"
#include "lib/util.h"
#include "recording/recording.h"
#include "record/recorder.h"
#include "record/seen.h"
#include "sonde.h"

struct archive;
struct jitmaps;
struct perfsource;
struct procmap;
struct sonde_loop;
struct sonde_ring;
struct fs_worker;

/* struct recorder - one recording in progress, on recorder__run()'s stack. */
struct recorder {
	struct recorder_opts *o;	/* a copy: configure() sets ->pages */
	int dev_fd;		/* perf_mode: an eventfd for the loop */
	bool perf_mode;		/* sampling through perf_event_open */
	struct perfsource *perf;
	int sig_fd;
	struct outfile out;
	struct sonde_info info;
	__u64 *cpumask;		/* NULL: every possible CPU */
	unsigned int mask_words;
	__u32 *cpus;		/* the CPUs sampled, one ring each */
	struct sonde_ring **rings;
	unsigned int nr_rings;
	struct sonde_loop *loop;
	struct rec_writer *writer;
	struct procmap *procmap;
	/*
	 * The file system work off the drain's thread: snapshots with a
	 * procmap of its own, and the archive (recorder-drain.c).
	 */
	struct fs_worker *fsw;
	struct procmap *fs_procmap;
	bool recheck_asked;	/* an archive recheck is queued or running */
	struct seen_pids seen;
	struct archive *archive;
	struct jitmaps *jitmaps;
	struct buf scratch;
	pid_t child;
	int *pidfds;		/* one per -p process: has it ended? */
	int go_fd;		/* write end: lets the child exec */
	int exec_fd;		/* read end: EOF once the child exec'ed */
	bool child_done;
	int child_status;
	__u32 capture;		/* SONDE_CAPTURE_* as configured */
	bool timer;		/* the timer samples (cpu-clock) */
	struct sonde_event counters[SONDE_MAX_EVENTS];	/* -e, not cpu-clock */
	struct srec_sample_event counter_recs[SONDE_MAX_EVENTS];
	unsigned int nr_counters;
	__u64 not_followed;	/* FORKs of processes the module dropped */
	struct buf events;	/* this drain's task and MMAP records */
	__u64 samples, lost, errors;
	/*
	 * The module's statistics at the end, summed over the CPUs (the
	 * counters that add up): for the summary line.
	 */
	struct sonde_cpu_stats totals;
	bool has_totals;
	__u64 start_ns;
	bool status_shown;
	bool reported;		/* the error was already explained */
};

/*
 * recorder__perf_info - no /dev/sonde (or --source perf): say so once,
 * and describe what perf_event_open offers as a struct sonde_info
 * (recorder-perf.c).  recorder__perf_configure - open and map the perf
 * events for the options, in place of CONFIGURE and the rings.  Both
 * return 0 or a negative errno.
 */
int recorder__perf_info(struct recorder *r);
int recorder__perf_configure(struct recorder *r);

/*
 * recorder__drain - consume every ring into the recording, ask the file
 * system worker for the snapshots its samples asked for and the
 * archive's look at its MMAP records, and write the snapshots it has
 * finished (recorder-drain.c).  Returns 0 or a negative errno.
 */
int recorder__drain(struct recorder *r);

/*
 * recorder__start_jobs - start the file system worker (after the
 * command is forked: a child of a threaded process may only exec).
 * recorder__archive_recheck - ask the worker for the archive's recheck,
 * unless one is queued already; on the tick.
 * recorder__finish_jobs - after the last drain: drop the snapshots
 * still queued, wait for the jobs running, then take a final snapshot
 * (SREC_PROC_FINAL) of every process seen and alive, and write them.
 * From then on the archive is the recorder thread's again.  All return
 * 0 or a negative errno.
 */
int recorder__start_jobs(struct recorder *r);
int recorder__archive_recheck(struct recorder *r);
int recorder__finish_jobs(struct recorder *r);

/*
 * recorder__snapshot - write a PROCESS section: @pid's comm and maps as
 * /proc shows them now, with SREC_PROC_* @flags.  A process already gone
 * adds nothing.  Returns 0 or a negative errno.
 */
int recorder__snapshot(struct recorder *r, __u32 pid, __u32 flags);

/*
 * recorder__write_final - write the sections that end the recording, END
 * last, once sampling stopped and the rings were drained for the last
 * time (recorder-finish.c).  Returns 0 or a negative errno.
 */
int recorder__write_final(struct recorder *r);

/*
 * recorder__say_summary - the line that ends a recording on stderr:
 * samples, lost by reason, throttled time, the handler's p50 and p99 from
 * the module's histogram, where the recording went (recorder-finish.c).
 */
void recorder__say_summary(const struct recorder *r);

#endif /* SONDE_RECORDER_INTERNAL_H */
