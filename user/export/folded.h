/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: folded stacks (the "collapsed" format of FlameGraph's
 * stackcollapse scripts), one line per distinct stack:
 *
 *   comm;root;...;leaf COUNT
 *
 * kernel frames suffixed "_[k]", lines sorted (strcmp order) so that one
 * profile always gives the same bytes.
 */
#ifndef SONDE_EXPORT_FOLDED_H
#define SONDE_EXPORT_FOLDED_H

#include <stdio.h>

#include "profile/profile.h"

/*
 * folded__write - the folded stacks of @p to @out.  Returns 0, -ENOMEM,
 * or the -errno of the failing write (-EPIPE: the reader went away).
 */
int folded__write(const struct profile *p, FILE *out);

#endif /* SONDE_EXPORT_FOLDED_H */
