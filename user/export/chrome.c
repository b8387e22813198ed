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
 *    "traceEvents": [metadata events, "ph": "M": process_name and
 *                    thread_name per process and thread of the model],
 *    "stackFrames": {"ID": {"name": ..., "category": DSO,
 *                           "parent": "ID"}, ...},
 *    "samples": [{"cpu": C, "pid": P, "tid": T, "ts": MICROSECONDS,
 *                 "name": "sample", "sf": ID, "weight": COUNT}, ...]}
 *
 * A stack frame is a node of the tree of the samples' stacks, root
 * first: a (parent, function) pair, numbered from 1 in the order first
 * met.  Frames are functions as in report; a function inlined into its
 * caller is a frame of its own, "NAME (inlined)", above it (as in the
 * folded output).  "category" is the function's DSO ("[kernel.kallsyms]"
 * for the kernel, the perf map for JIT code).  A sample's "ts" is in
 * microseconds from the recording's start (nanosecond digits kept), in
 * file order; its "weight" is its count; its "pid", which the format
 * document's samples lack, is what speedscope's importer groups samples
 * by (without it, one profile of "pid NaN"); a sample with no frame has no
 * "sf".  Names are JSON strings escaped by lib/json.h (invalid UTF-8
 * becomes U+FFFD).
 *
 * Memory: the output is streamed.  Besides the model, the writer holds
 * the tree of stack frames (12 bytes per node and its hash map's slots;
 * measured, about 210 bytes per node at the peak, while the map's old
 * and new tables coexist as it grows: docs/cli.md "Memory"; nodes are at
 * most the stacks' frames), 4 bytes per
 * stack (its leaf node) and 1 per stack while building; nothing per
 * sample.
 */
#include <errno.h>
#include <stdlib.h>

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
	const struct profile *p;
	FILE *out;
	struct hmap index;	/* parent << 32 | key -> node id */
	struct node *nodes;	/* by id - 1 */
	__u32 nr_nodes;
	size_t cap_nodes;
	__u32 *leaf;		/* stack -> its leaf node, 0: empty stack */
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

/* The tree of the stacks the samples use, and each one's leaf. */
static int build_tree(struct chrome *c)
{
	const struct profile *p = c->p;
	bool *used = calloc(p->nr_stacks + 1, sizeof(*used));
	__u32 i, j, k, node;
	size_t n;
	int err = 0;

	c->leaf = calloc(p->nr_stacks + 1, sizeof(*c->leaf));
	if (!used || !c->leaf) {
		free(used);
		return -ENOMEM;
	}
	for (n = 0; n < p->nr_samples; n++)
		used[p->samples[n].stack] = true;
	for (i = 0; !err && i < p->nr_stacks; i++) {
		const struct profile_stack *ps = &p->stacks[i];

		if (!used[i])
			continue;
		node = 0;
		/* Root first: a location's function, then its inlined ones. */
		for (j = ps->nr; !err && j-- > 0;) {
			const struct profile_location *loc =
				&p->locations[ps->locs[j]];

			err = child(c, &node, loc->function, false);
			for (k = loc->nr_inlined; !err && k-- > 0;)
				err = child(c, &node,
					    p->lines[loc->inlined + k].function,
					    true);
		}
		c->leaf[i] = node;
	}
	free(used);
	return err;
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

static int write_names(struct chrome *c)
{
	const struct profile *p = c->p;
	bool first = true;
	__u32 i;
	int err;

	fputs("\"traceEvents\":[", c->out);
	for (i = 0; i < p->nr_processes; i++, first = false) {
		err = write_name(c, first, "process", p->processes[i].pid,
				 p->processes[i].pid,
				 profile__str(p, p->processes[i].comm));
		if (err)
			return err;
	}
	for (i = 0; i < p->nr_threads; i++, first = false) {
		err = write_name(c, first, "thread", p->threads[i].pid,
				 p->threads[i].tid,
				 profile__str(p, p->threads[i].comm));
		if (err)
			return err;
	}
	fputs("],\n", c->out);
	return write_err(c->out);
}

static int write_frames(struct chrome *c)
{
	const struct profile *p = c->p;
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

static int write_samples(struct chrome *c)
{
	const struct profile *p = c->p;
	size_t i;
	int err;

	fputs("\"samples\":[", c->out);
	for (i = 0; i < p->nr_samples; i++) {
		const struct profile_sample *s = &p->samples[i];
		__u64 t = s->time_ns > p->start_ns ? s->time_ns - p->start_ns : 0;

		fprintf(c->out, "%s{\"cpu\":%u,\"pid\":%u,\"tid\":%u,"
			"\"ts\":%llu.%03u,\"name\":\"sample\",",
			i ? ",\n" : "\n", s->cpu, p->threads[s->thread].pid,
			p->threads[s->thread].tid,
			(unsigned long long)(t / 1000), (unsigned int)(t % 1000));
		if (c->leaf[s->stack])
			fprintf(c->out, "\"sf\":%u,", c->leaf[s->stack]);
		fprintf(c->out, "\"weight\":%u}", s->count);
		err = write_err(c->out);
		if (err)
			return err;
	}
	fputs("]}\n", c->out);
	return write_err(c->out);
}

int chrome__write(const struct profile *p, FILE *out)
{
	struct chrome c = { .p = p, .out = out };
	int err;

	hmap__init(&c.index, NULL);
	err = build_tree(&c);
	if (!err) {
		errno = 0;
		fputs("{\"displayTimeUnit\":\"ns\","
		      "\"otherData\":{\"exporter\":\"sonde " SONDE_VERSION "\"},\n",
		      out);
		err = write_names(&c);
	}
	if (!err)
		err = write_frames(&c);
	if (!err)
		err = write_samples(&c);
	if (!err)
		err = fflush(out) ? -errno : write_err(out);
	hmap__free(&c.index);
	free(c.nodes);
	free(c.leaf);
	return err;
}
