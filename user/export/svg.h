/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: an interactive flame graph as one self-contained SVG
 * file (the layout of Brendan Gregg's FlameGraph, flamegraph.pl: one
 * <g> per frame holding a <title>, a <rect> and a <text>, x by
 * cumulative count, y by depth), written from the profile model's
 * merged call tree.  See svg.c.
 */
#ifndef SONDE_EXPORT_SVG_H
#define SONDE_EXPORT_SVG_H

#include <stdbool.h>
#include <stdio.h>

#include "profile/profile.h"

/*
 * struct svg_opts - a zero struct gives the defaults.
 * @reverse: an icicle of callers: the tree runs leaf -> root (leaf
 *	functions in the row under "all", their callers below them)
 * @width: of the image in px (0: 1200; at least 100)
 * @min_width: frames narrower than this (px) are pruned with what they
 *	call (0: 0.1; negative: keep every frame)
 * @title: NULL for "Flame Graph" ("Icicle Graph (callers)" if @reverse)
 */
struct svg_opts {
	bool reverse;
	unsigned int width;
	double min_width;
	const char *title;
};

/*
 * svg__write - the flame graph of @p to @out.  Returns 0, -ENOMEM,
 * -EOVERFLOW (more than 2^30 functions), or the -errno of the failing
 * write (-EPIPE: the reader went away).
 */
int svg__write(const struct profile *p, const struct svg_opts *o, FILE *out);

/* private to svg.c: its stylesheet and script (svg-script.c) */
extern const char svg__style[];
extern const char svg__script[];

#endif /* SONDE_EXPORT_SVG_H */
