// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: report's call graphs (callgraph.h): the index of the
 * stack sums' functions, a caller tree per symbol built from it, and
 * its printing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export/callgraph.h"

/*
 * A caller in a call graph: @fn called the function of its parent;
 * @child and @next are node indexes + 1 (0: none).
 */
struct cg_node {
	__u32 fn;
	__u32 child;
	__u32 next;
	__u64 weight;
};

struct callgraph {
	const struct profile *p;
	bool children;
	double percent;
	__u64 weight;		/* what percentages are of */
	struct stack_frames scratch;
	struct cg_node *nodes;	/* the tree being built */
	size_t nr_nodes, cap_nodes;
	/*
	 * Over all the stack sums (sc): their functions, leaf first, at
	 * frames[start[i] .. start[i + 1]); and per function the sums it is
	 * in, in increasing order, at sums[fn_start[f] .. fn_start[f + 1]).
	 */
	const struct stack_count *sc;
	__u32 *frames;
	size_t *start;
	size_t *sums;
	size_t *fn_start;
};

long stack_frames__fill(struct stack_frames *f, const struct profile *p,
			__u32 stack)
{
	const struct profile_stack *st = &p->stacks[stack];
	size_t n = 0;
	__u32 j, k;

	for (j = 0; j < st->nr; j++)
		n += 1 + p->locations[st->locs[j]].nr_inlined;
	if (n > f->cap) {
		__u32 *fn = reallocarray(f->fn, n, sizeof(*fn));

		if (!fn)
			return -ENOMEM;
		f->fn = fn;
		f->cap = n;
	}
	n = 0;
	for (j = 0; j < st->nr; j++) {
		const struct profile_location *loc = &p->locations[st->locs[j]];

		for (k = 0; k < loc->nr_inlined; k++)
			f->fn[n++] = p->lines[loc->inlined + k].function;
		f->fn[n++] = loc->function;
	}
	return n;
}

/* The caller @fn of node @parent, added with a zero count if new. */
static long cg_child(struct callgraph *cg, size_t parent, __u32 fn)
{
	struct cg_node *n;
	__u32 c;

	for (c = cg->nodes[parent].child; c; c = cg->nodes[c - 1].next)
		if (cg->nodes[c - 1].fn == fn)
			return c - 1;
	if (cg->nr_nodes == cg->cap_nodes) {
		size_t cap = cg->cap_nodes ? 2 * cg->cap_nodes : 256;

		n = reallocarray(cg->nodes, cap, sizeof(*n));
		if (!n || cap > UINT32_MAX)
			return -ENOMEM;
		cg->nodes = n;
		cg->cap_nodes = cap;
	}
	n = &cg->nodes[cg->nr_nodes];
	n->fn = fn;
	n->child = 0;
	n->weight = 0;
	n->next = cg->nodes[parent].child;
	cg->nodes[parent].child = cg->nr_nodes + 1;
	return cg->nr_nodes++;
}

/* The index of every stack sum's functions (struct callgraph's). */
static int cg_index(struct callgraph *cg, const struct stack_count *sc,
		    size_t nr)
{
	size_t nf = cg->p->nr_functions, total = 0, i, *seen;
	long n, j;
	__u32 f;

	cg->sc = sc;
	cg->start = calloc(nr + 1, sizeof(*cg->start));
	cg->fn_start = calloc(nf + 2, sizeof(*cg->fn_start));
	seen = calloc(nf + 1, sizeof(*seen));	/* sum index + 1 */
	if (!cg->start || !cg->fn_start || !seen)
		goto nomem;
	for (i = 0; i < nr; i++) {
		n = stack_frames__fill(&cg->scratch, cg->p, sc[i].stack);
		if (n < 0)
			goto nomem;
		cg->start[i] = total;
		total += n;
	}
	cg->start[nr] = total;
	cg->frames = calloc(total + 1, sizeof(*cg->frames));
	if (!cg->frames)
		goto nomem;
	/* Count each function once per sum, into fn_start[f + 1]. */
	for (i = 0; i < nr; i++) {
		n = stack_frames__fill(&cg->scratch, cg->p, sc[i].stack);
		if (n < 0)
			goto nomem;
		memcpy(cg->frames + cg->start[i], cg->scratch.fn,
		       n * sizeof(*cg->scratch.fn));
		for (j = 0; j < n; j++) {
			f = cg->scratch.fn[j];
			if (seen[f] != i + 1) {
				seen[f] = i + 1;
				cg->fn_start[f + 1]++;
			}
		}
	}
	for (i = 0; i < nf; i++)
		cg->fn_start[i + 1] += cg->fn_start[i];
	cg->sums = calloc(cg->fn_start[nf] + 1, sizeof(*cg->sums));
	if (!cg->sums)
		goto nomem;
	/* Fill: fn_start[f] moves to its end, then back by one. */
	memset(seen, 0, (nf + 1) * sizeof(*seen));
	for (i = 0; i < nr; i++) {
		for (j = cg->start[i]; j < (long)cg->start[i + 1]; j++) {
			f = cg->frames[j];
			if (seen[f] != i + 1) {
				seen[f] = i + 1;
				cg->sums[cg->fn_start[f]++] = i;
			}
		}
	}
	for (i = nf; i > 0; i--)
		cg->fn_start[i] = cg->fn_start[i - 1];
	cg->fn_start[0] = 0;
	free(seen);
	return 0;
nomem:
	free(seen);
	return -ENOMEM;
}

int callgraph__new(struct callgraph **cgp, const struct profile *p,
		   const struct stack_count *sc, size_t nr, bool children,
		   double percent, __u64 weight)
{
	struct callgraph *cg = calloc(1, sizeof(*cg));
	int err;

	*cgp = NULL;
	if (!cg)
		return -ENOMEM;
	cg->p = p;
	cg->children = children;
	cg->percent = percent;
	cg->weight = weight;
	err = cg_index(cg, sc, nr);
	if (err) {
		callgraph__free(cg);
		return err;
	}
	*cgp = cg;
	return 0;
}

/*
 * The callers of function @fid in the stack sums [@lo, @hi) of cg->sc,
 * as a tree at node 0: per stack whose leaf it is (with children: where
 * it is anywhere; its innermost frame then), the frames above it, up to
 * the root.
 */
static int cg_build(struct callgraph *cg, __u32 fid, size_t lo, size_t hi)
{
	const size_t *sums = cg->sums + cg->fn_start[fid];
	size_t nr = cg->fn_start[fid + 1] - cg->fn_start[fid];
	size_t a = 0, b = nr, i, j, end;
	const __u32 *frames;
	__u64 weight;
	long node;

	if (!cg->cap_nodes) {
		cg->nodes = calloc(256, sizeof(*cg->nodes));
		if (!cg->nodes)
			return -ENOMEM;
		cg->cap_nodes = 256;
	}
	memset(&cg->nodes[0], 0, sizeof(cg->nodes[0]));
	cg->nodes[0].fn = fid;
	cg->nr_nodes = 1;
	/* The first of the function's sums at or after @lo. */
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (sums[mid] < lo)
			a = mid + 1;
		else
			b = mid;
	}
	for (i = a; i < nr && sums[i] < hi; i++) {
		frames = cg->frames + cg->start[sums[i]];
		end = cg->start[sums[i] + 1] - cg->start[sums[i]];
		weight = cg->sc[sums[i]].weight;
		for (j = 0; j < end && frames[j] != fid; j++)
			;
		if (j && !cg->children)
			continue;
		cg->nodes[0].weight += weight;
		node = 0;
		for (j++; j < end; j++) {
			node = cg_child(cg, node, frames[j]);
			if (node < 0)
				return node;
			cg->nodes[node].weight += weight;
		}
	}
	return 0;
}

static int cmp_node(const void *a, const void *b, void *ctx)
{
	const struct callgraph *cg = ctx;
	const struct cg_node *x = &cg->nodes[*(const __u32 *)a];
	const struct cg_node *y = &cg->nodes[*(const __u32 *)b];
	const struct profile_function *fx = &cg->p->functions[x->fn];
	const struct profile_function *fy = &cg->p->functions[y->fn];
	int c;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	c = strcmp(profile__str(cg->p, fx->name),
		   profile__str(cg->p, fy->name));
	if (!c)
		c = strcmp(profile__str(cg->p, fx->dso),
			   profile__str(cg->p, fy->dso));
	return c ? c : (int)fx->kernel - (int)fy->kernel;
}

/*
 * Node @node's line at @depth: its share, or (@share false, the next
 * link of a straight chain) blanks where the share would be, so that
 * its function lines up under the chain's first.
 */
static void cg_line(FILE *out, const struct callgraph *cg, __u32 node,
		    unsigned int depth, bool share)
{
	const struct cg_node *n = &cg->nodes[node];
	const struct profile_function *fn = &cg->p->functions[n->fn];
	double base = cg->weight ? cg->weight : 1;

	if (share)
		fprintf(out, "%*s%6.2f%%  ", 14 + 2 * depth, "",
			100.0 * n->weight / base);
	else
		fprintf(out, "%*s", 14 + 2 * depth + 9, "");
	fprintf(out, "[%c] %s  %s\n", profile_function__kind(fn),
		profile__str(cg->p, fn->name), profile__str(cg->p, fn->dso));
}

/*
 * The callers of node @node at @depth, the most samples first, each
 * indented under the function it called; callers under the threshold
 * are left out.  A straight chain (a caller that is its callee's only
 * one, with all of its weight: no sample stopped between them) is one
 * entry, its links listed under its first without their equal shares,
 * as perf report folds them; the callers of its last link follow.
 */
static int cg_print(FILE *out, struct callgraph *cg, __u32 node,
		    unsigned int depth)
{
	double base = cg->weight ? cg->weight : 1;
	__u32 *kids, nr = 0, c, i;
	int err = 0;

	for (c = cg->nodes[node].child; c; c = cg->nodes[c - 1].next)
		if (100.0 * cg->nodes[c - 1].weight / base >= cg->percent)
			nr++;
	if (!nr)
		return 0;
	kids = calloc(nr, sizeof(*kids));
	if (!kids)
		return -ENOMEM;
	nr = 0;
	for (c = cg->nodes[node].child; c; c = cg->nodes[c - 1].next)
		if (100.0 * cg->nodes[c - 1].weight / base >= cg->percent)
			kids[nr++] = c - 1;
	qsort_r(kids, nr, sizeof(*kids), cmp_node, cg);
	for (i = 0; !err && i < nr; i++) {
		__u32 at = kids[i];

		cg_line(out, cg, at, depth, true);
		while ((c = cg->nodes[at].child) && !cg->nodes[c - 1].next &&
		       cg->nodes[c - 1].weight == cg->nodes[at].weight) {
			at = c - 1;
			cg_line(out, cg, at, depth, false);
		}
		err = cg_print(out, cg, at, depth + 1);
	}
	free(kids);
	return err;
}

int callgraph__print(struct callgraph *cg, FILE *out, __u32 fid,
		     const struct stack_count *sc, size_t nr)
{
	size_t lo = sc - cg->sc;

	return cg_build(cg, fid, lo, lo + nr) ?: cg_print(out, cg, 0, 0);
}

void callgraph__free(struct callgraph *cg)
{
	if (!cg)
		return;
	free(cg->scratch.fn);
	free(cg->nodes);
	free(cg->frames);
	free(cg->start);
	free(cg->sums);
	free(cg->fn_start);
	free(cg);
}
