/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: the fallback sampling source without the module.  When
 * /dev/sonde is absent (or record --source perf), samples come from
 * perf_event_open(2): one event per CPU and per -e event (per sampled
 * process too, with inherit), the events of a CPU redirected into one
 * perf ring buffer (PERF_EVENT_IOC_SET_OUTPUT).  Each PERF_RECORD_SAMPLE
 * is converted into the ring record the module writes, struct
 * sonde_sample (uapi/sonde.h), and PERF_RECORD_LOST into struct
 * sonde_lost, so the recording and everything that reads it are the same
 * as with the module.  The first event of each ring and task also asks
 * for perf's side records (attr.mmap and mmap2, comm with comm_exec, task,
 * and sample_id_all for their times): PERF_RECORD_MMAP2, COMM, FORK and EXIT
 * become the module's MMAP, EXEC, COMM, FORK and EXIT records
 * (perfsource-side-records.c), so that processes, names and mappings that
 * appear after the start are known as the module would tell them.
 *
 * Single-threaded: one perfsource is used by one thread (the recorder's).
 * perfsource__convert() is a pure function, callable anywhere; side
 * records need a struct perfsource_side, which remembers thread names.
 */
#ifndef SONDE_PERFSOURCE_H
#define SONDE_PERFSOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/perf_event.h>
#include <linux/types.h>

#include "lib/util.h"
#include "recording/recording.h"

struct procmap;

#define PERFSOURCE_MAX_EVENTS	9	/* cpu-clock and SONDE_MAX_EVENTS */
#define PERFSOURCE_MAX_IDS	4096

/* No SONDE_SAMPLE_EVENT trailer: a cpu-clock (timer) sample. */
#define PERFSOURCE_EV_TIMER	0xffffffffU

/*
 * struct perfsource_fmt - how the perf records read were laid out, and
 * what the converted ones say: @sample_type and @regs_mask as in
 * perf_event_attr; @stack_bytes of user stack asked for (0: none);
 * @ids[i] is a perf event id (PERF_SAMPLE_IDENTIFIER), @idx[i] the index
 * of its -e counter for the SONDE_SAMPLE_EVENT trailer, or
 * PERFSOURCE_EV_TIMER.  @default_idx is used for an id not listed.
 * @sample_id_all: records other than samples end with perf's struct
 * sample_id, its fields those of @sample_type (perf_event.h).
 */
struct perfsource_fmt {
	__u64 sample_type;
	__u64 regs_mask;
	__u32 stack_bytes;
	__u32 default_idx;
	bool sample_id_all;
	unsigned int nr_ids;
	__u64 ids[PERFSOURCE_MAX_IDS];
	__u32 idx[PERFSOURCE_MAX_IDS];
};

/*
 * perfsource__convert - the sonde ring record for the perf record at @h
 * (@len bytes, contiguous): a struct sonde_sample for
 * PERF_RECORD_SAMPLE, a struct sonde_lost for PERF_RECORD_LOST, appended
 * to @out.  @cpu is the ring's CPU (used when the record does not say).
 * Returns 1 when a record was appended, 0 for a record type it skips
 * (side records too: perfsource_side__convert() takes those), -EINVAL
 * for a record too short for what @f says it holds, -ENOMEM.
 */
int perfsource__convert(const struct perf_event_header *h, size_t len,
			const struct perfsource_fmt *f, __u32 cpu,
			struct buf *out);

/*
 * struct perfsource_side - what converting side records needs to
 * remember: each thread's name (a FORK or EXIT record does not say it,
 * the module's do), and the EXEC records waiting for their path (perf's
 * COMM record of an exec does not say it; the exec's first file mapping,
 * which follows it, does).
 */
struct perfsource_side;

/*
 * perfsource_side__new - @pm, when not NULL, reads what the records do
 * not say from /proc: the name of a thread first met in a FORK or EXIT
 * record, the build-id of a mapped file.  NULL (tests): names unknown
 * are empty, MMAP records have no build-id.  Returns 0 or -ENOMEM.
 */
int perfsource_side__new(struct perfsource_side **s, struct procmap *pm);
void perfsource_side__free(struct perfsource_side *s);

/*
 * perfsource_side__convert - the module's records for perf side record
 * @h (@len bytes, contiguous; its layout in perf_event.h, with the
 * struct sample_id trailer when @f->sample_id_all), appended to @out:
 *
 *   PERF_RECORD_MMAP2 (executable mappings)  -> SONDE_RECORD_MMAP
 *   PERF_RECORD_COMM with COMM_EXEC          -> SONDE_RECORD_EXEC, held
 *	until the process's next file mapping gives its path (then both
 *	are appended) or perfsource_side__flush()
 *   PERF_RECORD_COMM                         -> SONDE_RECORD_COMM
 *   PERF_RECORD_FORK                         -> SONDE_RECORD_FORK
 *   PERF_RECORD_EXIT                         -> SONDE_RECORD_EXIT
 *
 * Times are CLOCK_MONOTONIC ns as perf gives them (the events are opened
 * with use_clockid), or the conversion's when the record has none; @cpu
 * is the ring's, used when the record does not say.  Pids are perf's
 * (the recorder's namespace); ns_pid is 0 ("not known") and
 * SONDE_MMAP_OTHER_ROOT, SONDE_MMAP_EXEC are never set.  Returns the
 * number of records appended (0 for another type), -EINVAL for a record
 * whose sizes do not hold together (nothing appended), or -ENOMEM.
 */
int perfsource_side__convert(struct perfsource_side *s,
			     const struct perf_event_header *h, size_t len,
			     const struct perfsource_fmt *f, __u32 cpu,
			     struct buf *out);

/*
 * perfsource_side__flush - append the EXEC records still held, their
 * path unknown (empty, SONDE_TASK_PATH_TRUNCATED).  Returns their number
 * or -ENOMEM.
 */
int perfsource_side__flush(struct perfsource_side *s, struct buf *out);

/*
 * struct perfsource_config - what to open.  @events[@nr_events] are
 * (type, config) pairs; @is_timer[i] says which one stands for sonde's
 * timer (cpu-clock: no event trailer).  @freq, or @period when not 0.
 * @pids[@nr_pids]: processes to follow with inherit; none: every task
 * (-a).  @cpus[@nr_cpus]: the CPUs.  @callchain, @stack_bytes: fp chains,
 * and user stack copies (dwarf, or fp leaf repair).  @pages: data pages
 * per CPU ring, a power of two.  @procmap: what side records do not say
 * is read through it (perfsource_side__new()); NULL: nothing is.
 */
struct perfsource_config {
	__u32 types[PERFSOURCE_MAX_EVENTS];
	__u64 configs[PERFSOURCE_MAX_EVENTS];
	bool is_timer[PERFSOURCE_MAX_EVENTS];
	unsigned int nr_events;
	__u32 freq;
	__u64 period;
	const __u32 *pids;
	unsigned int nr_pids;
	const __u32 *cpus;
	unsigned int nr_cpus;
	bool callchain;
	__u32 stack_bytes;
	__u32 pages;
	struct procmap *procmap;
};

struct perfsource;

/*
 * perfsource__open - open, map and leave disabled every event @c asks
 * for.  Returns 0 or a negative errno (-EACCES, -ENOENT for an event the
 * machine lacks, ...); *@kernel_hidden says whether kernel addresses had
 * to be excluded (perf_event_paranoid).
 */
int perfsource__open(struct perfsource **ps, const struct perfsource_config *c,
		     bool *kernel_hidden);
/*
 * perfsource__wrap - a perfsource over one ring that someone else set up
 * (tests build one in memory): @pg is its control page, its data_offset
 * and data_size say where the records are; @f how they are laid out.
 * Side records are converted without /proc (perfsource_side__new() with
 * no procmap).  perfsource__close() then only frees.
 */
int perfsource__wrap(struct perfsource **ps, struct perf_event_mmap_page *pg,
		     const struct perfsource_fmt *f, __u32 cpu);
int perfsource__enable(struct perfsource *ps);
int perfsource__disable(struct perfsource *ps);
void perfsource__close(struct perfsource *ps);
unsigned int perfsource__nr_rings(const struct perfsource *ps);
__u32 perfsource__cpu(const struct perfsource *ps, unsigned int ring);

/*
 * perfsource__consume - convert every record of ring @ring and hand each
 * converted record to @cb, then release them to the kernel; the EXEC
 * records still waiting for a path are handed on last
 * (perfsource_side__flush()).  Returns the number of perf bytes
 * consumed, or the first negative value of @cb.  A record of impossible
 * size counts in *@errors and ends the window; one whose contents do
 * not hold together counts and is skipped.
 */
long perfsource__consume(struct perfsource *ps, unsigned int ring,
			 rec_record_cb_t cb, void *ctx, __u64 *errors);

#endif /* SONDE_PERFSOURCE_H */
