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

#endif /* SONDE_EXPORT_CHROME_H */
