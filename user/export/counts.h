/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: the output of `sonde stat`: event counts as text in the
 * layout of perf stat, or as JSON (docs/cli.md names the fields), for a
 * whole run or for each interval of -I.
 *
 * Per event: the count, scaled by enabled/running time when the PMU
 * multiplexed it (and the running percentage then shown), its unit (msec
 * for task-clock and cpu-clock, which count nanoseconds) and one derived
 * metric: CPUs utilized for the clocks (their time over the wall time),
 * GHz for cycles, insn per cycle for instructions (over cycles), the
 * miss percentage for cache-misses (of cache-references) and
 * branch-misses (of branches), and otherwise a rate per second of
 * task-clock (else cpu-clock, else wall time).  A metric is shown only
 * when both its sides were counted.  Counts have no thousands
 * separators.  Events the machine lacks read "<not supported>", events
 * that never ran "<not counted>".
 */
#ifndef SONDE_EXPORT_COUNTS_H
#define SONDE_EXPORT_COUNTS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "lib/evspec.h"

/* Counts to write: @nr events and what they counted over @elapsed_ns. */
struct counts_view {
	const struct evspec *specs;
	const struct evcount *counts;
	unsigned int nr;
	__u64 elapsed_ns;		/* wall time of the run or interval */
};

/* What a whole run adds to its counts. */
struct counts_run {
	const char *target;		/* "sleep 1", "system wide", "12,34" */
	bool pids;			/* @target is -p's list */
	bool has_command;		/* the times and status below are set */
	__u64 user_ns, sys_ns;		/* the command's CPU time (wait4) */
	int exit_status;		/* its status as stat exits with it */
};

/*
 * counts__write_text - a whole run's counts in perf stat's layout: the
 * "Performance counter stats for 'TARGET':" header, a row per event,
 * the elapsed seconds, and the command's user and sys seconds.
 * Returns 0 or the -errno of the failing write.
 */
int counts__write_text(FILE *out, const struct counts_view *v,
		       const struct counts_run *run);

/*
 * counts__write_json - the same as one JSON object and a newline.
 * Returns 0 or the -errno of the failing write.
 */
int counts__write_json(FILE *out, const struct counts_view *v,
		       const struct counts_run *run);

/*
 * counts__write_interval_text - one interval of -I: each event's row
 * prefixed by @time_ns (nanoseconds from the start, shown in seconds);
 * with @header first perf's "# time counts unit events" line.  Returns 0
 * or the -errno of the failing write.
 */
int counts__write_interval_text(FILE *out, __u64 time_ns,
				const struct counts_view *v, bool header);

/*
 * counts__write_interval_json - one interval as one JSON line.  Returns 0
 * or the -errno of the failing write.
 */
int counts__write_interval_json(FILE *out, __u64 time_ns,
				const struct counts_view *v);

#endif /* SONDE_EXPORT_COUNTS_H */
