/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: report's call graphs (report.h, --call-graph), and what
 * the report table and they share: the stack sums both count, and a
 * stack's functions with its inlined ones as frames of their own.
 *
 * A call graph is the tree of callers under one printed symbol, built
 * from the report's stack sums: one walk up each stack that has the
 * symbol.  An index of every sum's functions, and per function of the
 * sums it is in, lets each tree walk only those stacks, not all of them.
 * Only report.c uses this header.
 */
#ifndef SONDE_EXPORT_CALLGRAPH_H
#define SONDE_EXPORT_CALLGRAPH_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "profile/profile.h"

/*
 * struct stack_count - @count samples of @thread (per thread; else 0)
 * ran @stack; @weight: the periods they stand for.
 */
struct stack_count {
	__u32 thread;
	__u32 stack;
	__u64 count;
	__u64 weight;
};

/* struct stack_frames - a stack's functions, leaf first (@fn: scratch) */
struct stack_frames {
	__u32 *fn;
	size_t cap;
};

/*
 * stack_frames__fill - the functions of @stack's frames, leaf first, in
 * @f->fn: a location's inlined functions are frames of their own, the
 * innermost first.  Returns their number, or -ENOMEM.
 */
long stack_frames__fill(struct stack_frames *f, const struct profile *p,
			__u32 stack);

/* The kind report prints of @fn: [k]ernel, [j]it or user [.]. */
static inline char profile_function__kind(const struct profile_function *fn)
{
	return fn->kernel ? 'k' : fn->jit ? 'j' : '.';
}

struct callgraph;

/*
 * callgraph__new - the call graphs over the @nr stack sums @sc of @p
 * (which must outlive it).  @children: a symbol's callers from anywhere
 * it is on a stack (its innermost frame), not only where it is the leaf;
 * callers under @percent of @weight (the periods of all the samples
 * shown) are left out.  Returns 0 or -ENOMEM.
 */
int callgraph__new(struct callgraph **cgp, const struct profile *p,
		   const struct stack_count *sc, size_t nr, bool children,
		   double percent, __u64 weight);

/*
 * callgraph__print - the tree of the callers of function @fid in the
 * @nr stack sums at @sc (a run of those given to callgraph__new()), to
 * @out: the most samples first, each caller indented under the function
 * it called.  Returns 0 or -ENOMEM.
 */
int callgraph__print(struct callgraph *cg, FILE *out, __u32 fid,
		     const struct stack_count *sc, size_t nr);

void callgraph__free(struct callgraph *cg);

#endif /* SONDE_EXPORT_CALLGRAPH_H */
