/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: folded stacks (the "collapsed" format of FlameGraph's
 * stackcollapse scripts), one line per distinct stack:
 *
 *   comm;root;...;leaf COUNT
 *
 * kernel frames suffixed "_[k]", lines sorted (strcmp order) so that one
 * profile always gives the same bytes.  Per thread, the root is
 * "comm-PID/TID" instead of "comm", spaces in comm made '_', as
 * FlameGraph's `stackcollapse-perf.pl --tid` writes it.
 */
#ifndef SONDE_EXPORT_FOLDED_H
#define SONDE_EXPORT_FOLDED_H

#include <stdbool.h>
#include <stdio.h>

#include "profile/profile.h"

/*
 * folded__write - the folded stacks of @p to @out.  Returns 0, -ENOMEM,
 * or the -errno of the failing write (-EPIPE: the reader went away).
 */
int folded__write(const struct profile *p, FILE *out);

/*
 * struct folded_opts
 * @per_thread: a root per thread, "comm-PID/TID", instead of per process
 *	name
 */
struct folded_opts {
	bool per_thread;
};

/* folded__write_opts - folded__write() with options @o (NULL: none). */
int folded__write_opts(const struct profile *p, const struct folded_opts *o,
		       FILE *out);

#endif /* SONDE_EXPORT_FOLDED_H */
