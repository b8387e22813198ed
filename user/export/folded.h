/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The folded-stacks (collapsed) export.
 */
#ifndef SONDE_EXPORT_FOLDED_H
#define SONDE_EXPORT_FOLDED_H

#include <stdio.h>

#include "recording/session.h"

int export_folded(struct session *s, FILE *out);

#endif /* SONDE_EXPORT_FOLDED_H */
