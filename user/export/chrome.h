/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: Chrome's Trace Event Format (the "Trace Event Format"
 * document by Google, nduca@ and dsinclair@), JSON object form: the
 * samples with a stackFrames dictionary, and thread and process names.
 */
#ifndef SONDE_EXPORT_CHROME_H
#define SONDE_EXPORT_CHROME_H

#include <stdio.h>

#include "profile/profile.h"

/*
 * chrome__write - @p as a Trace Event Format JSON object to @out.
 * Returns 0, -ENOMEM, or the -errno of the failing write (-EPIPE: the
 * reader went away).
 */
int chrome__write(const struct profile *p, FILE *out);

/*
 * The same, streamed: chrome__new() writes the start to @out;
 * chrome__sample() (a profile_sink_t, @ctx the struct chrome) each sample
 * as PROFILE_KEEP_NONE hands it over; chrome__end() the rest, from the
 * complete profile; chrome__free() in every case.  Each returns 0,
 * -ENOMEM, or the -errno of the failing write.
 */
struct chrome;
int chrome__new(struct chrome **c, FILE *out);
int chrome__sample(const struct profile *p, const struct profile_sample *s,
		   void *ctx);
int chrome__end(struct chrome *c, const struct profile *p);
void chrome__free(struct chrome *c);

#endif /* SONDE_EXPORT_CHROME_H */
