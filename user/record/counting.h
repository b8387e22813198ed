/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: one counting run of `sonde stat`: counters opened on a
 * forked command, on existing processes or on every CPU, counted until
 * the command exits, the processes are gone, or SIGINT/SIGTERM; with an
 * interval, the counts of each interval handed to a callback as it ends.
 *
 * Contexts: called from the command's thread; SIGINT, SIGTERM and
 * SIGCHLD are blocked and read through a signalfd during the run, and
 * the mask is restored after.  No global state.
 */
#ifndef SONDE_COUNTING_H
#define SONDE_COUNTING_H

#include <stdbool.h>
#include <sys/resource.h>
#include <linux/types.h>

#include "lib/evspec.h"

/*
 * counting_interval_fn - called at the end of each interval with @time_ns
 * (nanoseconds from the start of counting to the interval's end),
 * @len_ns (the interval's length) and @delta (one struct evcount per
 * event: the counts of this interval alone).  A non-zero return (a
 * -errno) ends the run with that error.
 */
typedef int (*counting_interval_fn)(void *ctx, __u64 time_ns, __u64 len_ns,
				     const struct evcount *delta);

struct counting_opts {
	const struct evspec *specs;	/* the events, in output order */
	unsigned int nr;
	bool all;			/* every CPU (-a) */
	const __u32 *pids;		/* existing processes (-p) */
	unsigned int nr_pids;
	char *const *command;		/* NULL-terminated, or NULL */
	unsigned int interval_ms;	/* -I; 0: none */
	counting_interval_fn interval;
	void *ctx;
};

struct counting_result {
	struct evcount *counts;	/* the caller's array of nr: the totals */
	__u64 elapsed_ns;	/* wall time counted */
	unsigned int nr_cpus;	/* CPUs counted (all) */
	bool reaped;		/* the command ran: status and ru are set */
	int status;		/* its wait status */
	struct rusage ru;	/* its user and system time (wait4) */
	int exec_err;		/* -errno when the command could not be run */
};

/*
 * counting__run - count as @o says, the totals and times into *@r.
 * Prints its own one-line diagnostics.  Returns 0; -EACCES or -EPERM
 * when the kernel refuses to count (the message names
 * /proc/sys/kernel/perf_event_paranoid); -ESRCH when a -p process ended
 * before it could be counted; r->exec_err (-ENOENT...) when the command
 * could not be run (reaped, its status set); or another -errno.
 */
int counting__run(const struct counting_opts *o, struct counting_result *r);

#endif /* SONDE_COUNTING_H */
