/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: where the time went, as a table of self and total
 * ("children") sample percentages per symbol, DSO, command, process or
 * thread, in the spirit of `perf report --stdio`, with a header that
 * describes the recording.
 *
 * Percentages are of the periods the samples stand for (nanoseconds of
 * the timer, events of a counter), as perf report's overhead is: under
 * throttling, --jitter or a counter's adaptive period, samples do not
 * all weigh the same.  The Samples column counts samples (self).
 *
 * Self counts a sample for its leaf frame only; total counts it once for
 * every distinct entry anywhere on its stack, so recursion is not counted
 * twice and total >= self always holds.  Entries by pid or tid are keyed
 * by their label, "PID COMM": a pid reused by another command is another
 * process, and gets its own row.
 */
#ifndef SONDE_EXPORT_REPORT_H
#define SONDE_EXPORT_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "profile/profile.h"
#include "recording/session.h"

enum report_sort {
	REPORT_SORT_SYM,
	REPORT_SORT_DSO,
	REPORT_SORT_COMM,
	REPORT_SORT_PID,
	REPORT_SORT_TID,
	REPORT_NR_SORTS,
};

/* The --sort name of each key ("sym", "dso", "comm", "pid", "tid"). */
extern const char *const report_sort_names[REPORT_NR_SORTS];

/*
 * struct report_opts
 * @children: order by total instead of self, and list entries that only
 *	appear as callers
 * @limit: print at most this many entries (0: all)
 * @per_thread: a section per thread (heaviest first), each with its
 *	own table of the thread's samples; percentages stay of all the
 *	samples shown (perf report --sort tid,sym).  For sym and dso.
 * @call_graph: under each symbol (sym only), the chains of callers that
 *	led to it, as an indented tree: per sample the entry was the leaf
 *	of (with @children: was anywhere in, from its innermost frame), its
 *	caller, that one's caller, and so on up to the root, each with the
 *	share of all samples shown that came that way; callers under
 *	@cg_percent are left out.  Siblings: the heaviest first, then
 *	by name, shared object, user before kernel.  A straight chain (a
 *	caller that is its callee's only one, with all of its share) is
 *	folded as perf report folds it: its next links listed under its
 *	first without a share.
 */
struct report_opts {
	enum report_sort sort;
	bool children;
	__u64 limit;
	bool per_thread;
	bool call_graph;
	double cg_percent;
};

/*
 * report__write - the report of @p (built from @s, whose counts and
 * metadata fill the header) to @out.  Returns 0, -ENOMEM, or the -errno
 * of the failing write (-EPIPE: the reader went away).
 */
int report__write(const struct profile *p, const struct session *s,
		  const struct report_opts *o, FILE *out);

#endif /* SONDE_EXPORT_REPORT_H */
