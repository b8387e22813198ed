/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: speedscope's JSON file format (file-format-schema.json in
 * the speedscope npm package, also at
 * https://www.speedscope.app/file-format-schema.json), one sampled profile
 * per thread, weights in nanoseconds.
 */
#ifndef SONDE_EXPORT_SPEEDSCOPE_H
#define SONDE_EXPORT_SPEEDSCOPE_H

#include <stdio.h>

#include "profile/profile.h"

/*
 * speedscope__write - @p as a speedscope file to @out.  Returns 0,
 * -ENOMEM, or the -errno of the failing write (-EPIPE: the reader went
 * away).
 */
int speedscope__write(const struct profile *p, FILE *out);

#endif /* SONDE_EXPORT_SPEEDSCOPE_H */
