/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: every sample as text, in the layout of `perf script` with
 * call chains, so that tools written for it (FlameGraph's
 * stackcollapse-perf.pl, speedscope, inferno, the Firefox Profiler's
 * import) read it:
 *
 *   comm PID/TID [CPU] SECS.USECS: PERIOD cpu-clock:
 *   \t    ADDR symbol+0xOFF (dso)
 *   (blank line)
 *
 * Samples go in time order across CPUs, as perf prints them; equal times
 * in CPU order, then in recording order.
 */
#ifndef SONDE_EXPORT_SCRIPT_H
#define SONDE_EXPORT_SCRIPT_H

#include <stdio.h>

#include "profile/profile.h"

/*
 * script__write - the samples of @p to @out.  Returns 0, -ENOMEM, or the
 * -errno of the failing write (-EPIPE: the reader went away).
 */
int script__write(const struct profile *p, FILE *out);
/*
 * script__sample - sample @s of @p to @out (a FILE *): a profile_sink_t,
 * for a profile built with PROFILE_KEEP_NONE, which hands the samples
 * over in time order while it reads them; script__end() after the
 * build.  Both return 0 or the -errno of the failing write.  Nothing is
 * held per sample.
 */
int script__sample(const struct profile *p, const struct profile_sample *s,
		   void *out);
int script__end(FILE *out);

#endif /* SONDE_EXPORT_SCRIPT_H */
