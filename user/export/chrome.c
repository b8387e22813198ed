// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: the Trace Event Format that Chrome's trace viewer
 * (chrome://tracing, catapult's Trace-Viewer) reads, as Google's "Trace
 * Event Format" document describes it
 * (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU):
 * its JSON object form, with the "Global Samples" of an OS-level
 * profiler and the "StackFrames Dictionary" they point into:
 *
 *   {"displayTimeUnit": "ns", "otherData": {"exporter": "sonde VERSION"},
 *    "samples": [{"cpu": C, "pid": P, "tid": T, "ts": MICROSECONDS,
 *                 "name": "sample" or the counter's, "sf": ID, "weight": COUNT}, ...],
 *    "stackFrames": {"ID": {"name": ..., "category": DSO,
 *                           "parent": "ID"}, ...},
 *    "traceEvents": [metadata events, "ph": "M": process_name per pid
 *                    and thread_name per (pid, tid), each with the name
 *                    it ran the most samples under]}
 *
 * The samples come first, so that they can be written while the
 * recording is read (the keys of a JSON object have no order); the frames
 * and names, which only the whole recording knows, follow.
 *
 * A stack frame is a node of the tree of the samples' stacks, root
 * first: a (parent, function) pair, numbered from 1 in the order first
 * met.  Frames are functions as in report; a function inlined into its
 * caller is a frame of its own, "NAME (inlined)", above it (as in the
 * folded output).  "category" is the function's DSO ("[kernel.kallsyms]"
 * for the kernel, the perf map for JIT code).  A sample's "ts" is in
 * microseconds from the recording's start (nanosecond digits kept), in
 * the order the samples are handed over (chrome__sample(): time order
 * when streamed; chrome__write(): the profile's order); its "weight" is
 * its count; its "pid", which the format document's samples lack, is
 * what speedscope's importer groups samples by (without it, one profile
 * of "pid NaN"); a sample with no frame has no "sf".  Names are JSON
 * strings escaped by lib/json.h (invalid UTF-8 becomes U+FFFD).
 *
 * Memory: the output is streamed.  Besides the model, the writer holds
 * the tree of stack frames (12 bytes per node and its hash map's slots;
 * measured, about 210 bytes per node at the peak, while the map's old
 * and new tables coexist as it grows: docs/cli.md "Memory"; nodes are at
 * most the stacks' frames) and 4 bytes per stack (its leaf node);
 * nothing per sample.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export/chrome.h"
#include "lib/hmap.h"
#include "lib/json.h"
#include "lib/util.h"
#include "sonde-version.h"

struct node {
	__u32 parent;	/* 0: a root */
	__u32 key;	/* function * 2 + inlined */
};

struct chrome {
	FILE *out;
	struct hmap index;	/* parent << 32 | key -> node id */
	struct node *nodes;	/* by id - 1 */
	__u32 nr_nodes;
	size_t cap_nodes;
	/* stack -> its leaf node + 1; 1: empty stack, 0: not built yet */
	__u32 *leaf;
	size_t cap_leaf;
	size_t nr_written;	/* samples */
};

static int write_err(FILE *out)
{
	return ferror(out) ? (errno ? -errno : -EIO) : 0;
}

/* The node of function @fn (@inlined) under @parent, made when new. */
static int child(struct chrome *c, __u32 *parent, __u32 fn, bool inlined)
{
	__u64 k = (__u64)*parent << 32 | ((__u64)fn * 2 + inlined);
	void *id = hmap__find(&c->index, hash_u64(k), (void *)k);

	if (!id) {
		if (c->nr_nodes == c->cap_nodes) {
			size_t cap = c->cap_nodes ? 2 * c->cap_nodes : 256;
			struct node *n = realloc(c->nodes, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			c->nodes = n;
			c->cap_nodes = cap;
		}
		c->nodes[c->nr_nodes].parent = *parent;
		c->nodes[c->nr_nodes].key = fn * 2 + inlined;
		c->nr_nodes++;
		id = (void *)(uintptr_t)c->nr_nodes;
		if (hmap__insert(&c->index, hash_u64(k), (void *)k, id))
			return -ENOMEM;
	}
	*parent = (__u32)(uintptr_t)id;
	return 0;
}

/* The leaf node of @stack (0: it has no frame), added to the tree. */
static int stack_leaf(struct chrome *c, const struct profile *p,
		      __u32 stack, __u32 *leaf)
{
	const struct profile_stack *ps = &p->stacks[stack];
	__u32 j, k, node = 0;
	int err = 0;

	if (stack >= c->cap_leaf) {
		size_t cap = max_t(size_t, 2 * c->cap_leaf, stack + 1024);
		__u32 *l = reallocarray(c->leaf, cap, sizeof(*l));

		if (!l)
			return -ENOMEM;
		memset(l + c->cap_leaf, 0, (cap - c->cap_leaf) * sizeof(*l));
		c->leaf = l;
		c->cap_leaf = cap;
	}
	if (c->leaf[stack]) {
		*leaf = c->leaf[stack] - 1;
		return 0;
	}
	/* Root first: a location's function, then its inlined ones. */
	for (j = ps->nr; !err && j-- > 0;) {
		const struct profile_location *loc = &p->locations[ps->locs[j]];

		err = child(c, &node, loc->function, false);
		for (k = loc->nr_inlined; !err && k-- > 0;)
			err = child(c, &node,
				    p->lines[loc->inlined + k].function, true);
	}
	if (err)
		return err;
	c->leaf[stack] = node + 1;
	*leaf = node;
	return 0;
}

/* One "ph": "M" event naming @pid/@tid (@what: process or thread). */
static int write_name(struct chrome *c, bool first, const char *what,
		      __u32 pid, __u32 tid, const char *name)
{
	fprintf(c->out, "%s{\"ph\":\"M\",\"name\":\"%s_name\",\"pid\":%u,"
		"\"tid\":%u,\"args\":{\"name\":", first ? "\n" : ",\n", what,
		pid, tid);
	if (json__write_str(c->out, name))
		return write_err(c->out);
	fputs("}}", c->out);
	return write_err(c->out);
}

/* Weights of the entries being ordered, and the key that orders them. */
struct name_order {
	const struct profile *p;
	const __u64 *weight;
	bool threads;
};

/* By pid (and tid), then the most samples first, then the latest met. */
static int cmp_named(const void *a, const void *b, void *ctx)
{
	const struct name_order *o = ctx;
	__u32 i = *(const __u32 *)a, j = *(const __u32 *)b;
	__u32 pi, pj, ti = 0, tj = 0;

	if (o->threads) {
		pi = o->p->threads[i].pid;
		pj = o->p->threads[j].pid;
		ti = o->p->threads[i].tid;
		tj = o->p->threads[j].tid;
	} else {
		pi = o->p->processes[i].pid;
		pj = o->p->processes[j].pid;
	}
	if (pi != pj)
		return pi < pj ? -1 : 1;
	if (ti != tj)
		return ti < tj ? -1 : 1;
	if (o->weight[i] != o->weight[j])
		return o->weight[i] > o->weight[j] ? -1 : 1;
	return i < j ? 1 : i > j ? -1 : 0;
}

/*
 * The names of the processes (@threads false) or threads of @p, one per
 * pid or (pid, tid): the model has an entry per name a pid ran under
 * (an exec, a prctl rename), a trace viewer one track per pid or tid,
 * whose name it takes from the last event given.  Each gets the name
 * it ran the most samples under; on a tie, the later one, what it
 * became.
 */
static int write_names_of(struct chrome *c, const struct profile *p,
			  bool threads, bool *first)
{
	__u32 n = threads ? p->nr_threads : p->nr_processes, i, k;
	__u32 *order = calloc(n + 1, sizeof(*order));
	__u64 *weight = calloc(n + 1, sizeof(*weight));
	struct name_order o = { p, weight, threads };
	__u32 pid, tid, prev_pid = 0, prev_tid = 0;
	int err = 0;

	if (!order || !weight) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p->nr_threads; i++)
		weight[threads ? i : p->threads[i].process] +=
			p->threads[i].count;
	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_named, &o);
	for (k = 0; !err && k < n; k++) {
		i = order[k];
		pid = threads ? p->threads[i].pid : p->processes[i].pid;
		tid = threads ? p->threads[i].tid : pid;
		if (k && pid == prev_pid && tid == prev_tid)
			continue;
		prev_pid = pid;
		prev_tid = tid;
		err = write_name(c, *first, threads ? "thread" : "process",
				 pid, tid, profile__str(p, threads ?
							p->threads[i].comm :
							p->processes[i].comm));
		*first = false;
	}
out:
	free(order);
	free(weight);
	return err;
}

static int write_names(struct chrome *c, const struct profile *p)
{
	bool first = true;
	int err;

	fputs("\"traceEvents\":[", c->out);
	err = write_names_of(c, p, false, &first) ?:
	      write_names_of(c, p, true, &first);
	if (err)
		return err;
	fputs("]}\n", c->out);
	return write_err(c->out);
}

static int write_frames(struct chrome *c, const struct profile *p)
{
	__u32 i;
	int err;

	fputs("\"stackFrames\":{", c->out);
	for (i = 0; i < c->nr_nodes; i++) {
		const struct node *n = &c->nodes[i];
		const struct profile_function *fn = &p->functions[n->key / 2];

		fprintf(c->out, "%s\"%u\":{\"name\":", i ? ",\n" : "\n", i + 1);
		err = json__write_str2(c->out, profile__str(p, fn->name),
				       n->key & 1 ? " (inlined)" : NULL);
		if (!err) {
			fputs(",\"category\":", c->out);
			err = json__write_str(c->out, profile__str(p, fn->dso));
		}
		if (err)
			return err;
		if (n->parent)
			fprintf(c->out, ",\"parent\":\"%u\"", n->parent);
		putc('}', c->out);
	}
	fputs("},\n", c->out);
	return write_err(c->out);
}

int chrome__new(struct chrome **cp, FILE *out)
{
	struct chrome *c = calloc(1, sizeof(*c));

	*cp = c;
	if (!c)
		return -ENOMEM;
	c->out = out;
	hmap__init(&c->index, NULL);
	errno = 0;
	fputs("{\"displayTimeUnit\":\"ns\","
	      "\"otherData\":{\"exporter\":\"sonde " SONDE_VERSION "\"},\n"
	      "\"samples\":[", out);
	return write_err(out);
}

int chrome__sample(const struct profile *p, const struct profile_sample *s,
		   void *ctx)
{
	struct chrome *c = ctx;
	__u64 t = s->time_ns > p->start_ns ? s->time_ns - p->start_ns : 0;
	__u32 leaf;
	int err = stack_leaf(c, p, s->stack, &leaf);

	if (err)
		return err;
	errno = 0;
	fprintf(c->out, "%s{\"cpu\":%u,\"pid\":%u,\"tid\":%u,"
		"\"ts\":%llu.%03u,\"name\":",
		c->nr_written++ ? ",\n" : "\n", s->cpu,
		p->threads[s->thread].pid, p->threads[s->thread].tid,
		(unsigned long long)(t / 1000), (unsigned int)(t % 1000));
	/* The timer's are "sample"; a counter's, the counter's name. */
	if (json__write_str(c->out, s->event && s->event < p->nr_events ?
			    profile__str(p, p->events[s->event].name) :
			    "sample"))
		return write_err(c->out);
	putc(',', c->out);
	if (leaf)
		fprintf(c->out, "\"sf\":%u,", leaf);
	fprintf(c->out, "\"weight\":%u}", s->count);
	return write_err(c->out);
}

int chrome__end(struct chrome *c, const struct profile *p)
{
	int err;

	errno = 0;
	fputs("],\n", c->out);
	err = write_err(c->out) ?: write_frames(c, p) ?: write_names(c, p);
	if (!err && fflush(c->out))
		err = errno ? -errno : -EIO;
	return err;
}

void chrome__free(struct chrome *c)
{
	if (!c)
		return;
	hmap__free(&c->index);
	free(c->nodes);
	free(c->leaf);
	free(c);
}

int chrome__write(const struct profile *p, FILE *out)
{
	struct chrome *c;
	size_t i;
	int err = chrome__new(&c, out);

	for (i = 0; !err && i < p->nr_samples; i++)
		err = chrome__sample(p, &p->samples[i], c);
	if (!err)
		err = chrome__end(c, p);
	chrome__free(c);
	return err;
}
