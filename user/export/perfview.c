// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: PerfView's XML stack format (perfview.h).
 *
 * The format is PerfView's own (src/TraceEvent/Stacks in
 * microsoft/perfview: XmlStackSourceWriter writes it, XmlStackSource
 * reads it): the element and attribute names Frames, Frame, Stacks,
 * Stack (ID, CallerID, FrameID), Samples and Sample (ID, Time, StackID,
 * Metric), Count on each list, Time in milliseconds as a decimal number.
 *
 * Frames are named "module!function", PerfView's convention (it groups by
 * what precedes the first '!'): the module is the basename of the DSO,
 * "kernel" for the kernel, the module's name for a kernel module's
 * frames, the perf map or jitdump's basename for JIT frames; a '!' in a
 * module's name becomes '_'.  Frames without a DSO (the "[truncated]"
 * marks) are their name alone.  Each distinct text is one Frame; each
 * (caller, frame) one Stack, in the order met, so a caller's ID is below
 * its callees'.  Samples are written in time order (equal times in
 * recording order), one Sample per profile sample.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export/perfview.h"
#include "lib/hmap.h"
#include "lib/util.h"
#include "lib/xml.h"

struct pv_stack {
	__s32 caller;
	__u32 frame;
};

struct perfview {
	const struct profile *p;
	struct hmap names;		/* frame text -> id + 1 */
	const char **frames;		/* id -> text (the hmap's copies) */
	__u32 nr_frames, cap_frames;
	struct hmap nodes;		/* caller + 1 << 32 | frame -> id + 1 */
	struct pv_stack *stacks;
	__u32 nr_stacks, cap_stacks;
	struct hmap leaves;		/* stack << 32 | thread -> id + 1 */
	__u32 *fn_frame;		/* function -> frame id + 1 */
	__u32 *proc_node;		/* process -> its Stack id + 1 */
	__u32 *thread_node;		/* thread -> its Stack id + 1 */
	struct buf b;
};

static int grow(void **arr, __u32 *cap, __u32 nr, size_t size)
{
	__u32 n = *cap ? *cap * 2 : 256;
	void *a;

	if (nr < *cap)
		return 0;
	a = realloc(*arr, (size_t)n * size);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = n;
	return 0;
}

/* The id of the frame whose text is @pv->b (NUL-terminated). */
static int frame_id(struct perfview *pv, __u32 *id)
{
	const char *text = pv->b.data;
	__u64 h = hash_str(text);
	uintptr_t v = (uintptr_t)hmap__find(&pv->names, h, text);
	char *copy;

	if (v) {
		*id = v - 1;
		return 0;
	}
	if (grow((void **)&pv->frames, &pv->cap_frames, pv->nr_frames,
		 sizeof(*pv->frames)))
		return -ENOMEM;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	*id = pv->nr_frames;
	if (hmap__insert(&pv->names, h, copy,
			 (void *)(uintptr_t)(*id + 1))) {
		free(copy);
		return -ENOMEM;
	}
	pv->frames[pv->nr_frames++] = copy;
	return 0;
}

static int text(struct perfview *pv, const char *s, size_t len)
{
	return buf__append(&pv->b, s, len);
}

/* The module part of a function's frame name, to @pv->b. */
static int module(struct perfview *pv, const struct profile_function *fn)
{
	const char *dso = profile__str(pv->p, fn->dso), *base, *c;
	size_t len = strlen(dso);

	if (fn->kernel && !strcmp(dso, "[kernel.kallsyms]"))
		return text(pv, "kernel", 6);
	if (fn->kernel && len > 2 && dso[0] == '[' && dso[len - 1] == ']')
		return text(pv, dso + 1, len - 2);
	base = strrchr(dso, '/');
	base = base && base[1] ? base + 1 : dso;
	for (c = base; *c; c++)
		if (text(pv, *c == '!' ? "_" : c, 1))
			return -ENOMEM;
	return 0;
}

/* The frame of function @f, its text "module!name". */
static int function_frame(struct perfview *pv, __u32 f, __u32 *id)
{
	const struct profile_function *fn = &pv->p->functions[f];
	const char *name = profile__str(pv->p, fn->name);
	const char *dso = profile__str(pv->p, fn->dso);
	int err;

	if (pv->fn_frame[f]) {
		*id = pv->fn_frame[f] - 1;
		return 0;
	}
	pv->b.len = 0;
	if (*dso && strcmp(dso, name)) {
		err = module(pv, fn);
		if (err || text(pv, "!", 1))
			return -ENOMEM;
	}
	if (text(pv, name, strlen(name) + 1))
		return -ENOMEM;
	err = frame_id(pv, id);
	if (!err)
		pv->fn_frame[f] = *id + 1;
	return err;
}

/* The frame "@kind @name (@n)", or "@kind (@n)" when @name is NULL. */
static int pseudo_frame(struct perfview *pv, const char *kind,
			const char *name, __u32 n, __u32 *id)
{
	char num[16];

	snprintf(num, sizeof(num), " (%u)", n);
	pv->b.len = 0;
	if (text(pv, kind, strlen(kind)) ||
	    (name && (text(pv, " ", 1) || text(pv, name, strlen(name)))) ||
	    text(pv, num, strlen(num) + 1))
		return -ENOMEM;
	return frame_id(pv, id);
}

/* The Stack whose frame is @frame under @caller (-1: a root). */
static int node(struct perfview *pv, __s32 caller, __u32 frame, __u32 *id)
{
	__u64 key = (__u64)(__u32)(caller + 1) << 32 | frame;
	uintptr_t v = (uintptr_t)hmap__find(&pv->nodes, hash_u64(key),
					    (void *)(uintptr_t)key);

	if (v) {
		*id = v - 1;
		return 0;
	}
	if (grow((void **)&pv->stacks, &pv->cap_stacks, pv->nr_stacks,
		 sizeof(*pv->stacks)))
		return -ENOMEM;
	*id = pv->nr_stacks;
	if (hmap__insert(&pv->nodes, hash_u64(key), (void *)(uintptr_t)key,
			 (void *)(uintptr_t)(*id + 1)))
		return -ENOMEM;
	pv->stacks[pv->nr_stacks++] = (struct pv_stack){ caller, frame };
	return 0;
}

/* The Stack of thread @t's pseudo-frame, below its process's. */
static int thread_node(struct perfview *pv, __u32 t, __u32 *id)
{
	const struct profile_thread *th = &pv->p->threads[t];
	const struct profile_process *pr = &pv->p->processes[th->process];
	const char *comm = profile__str(pv->p, pr->comm);
	__u32 frame, proc;
	int err;

	if (pv->thread_node[t]) {
		*id = pv->thread_node[t] - 1;
		return 0;
	}
	if (!pv->proc_node[th->process]) {
		err = pseudo_frame(pv, "Process", *comm ? comm : "[unknown]",
				   pr->pid, &frame);
		err = err ?: node(pv, -1, frame, &proc);
		if (err)
			return err;
		pv->proc_node[th->process] = proc + 1;
	}
	proc = pv->proc_node[th->process] - 1;
	err = pseudo_frame(pv, "Thread", NULL, th->tid, &frame);
	err = err ?: node(pv, proc, frame, id);
	if (!err)
		pv->thread_node[t] = *id + 1;
	return err;
}

/* The leaf Stack of a sample of profile stack @st run by thread @t. */
static int leaf(struct perfview *pv, __u32 st, __u32 t, __u32 *id)
{
	const struct profile *p = pv->p;
	const struct profile_stack *ps = &p->stacks[st];
	__u64 key = (__u64)st << 32 | t;
	uintptr_t v = (uintptr_t)hmap__find(&pv->leaves, hash_u64(key),
					    (void *)(uintptr_t)key);
	__u32 i, j, frame, cur;
	int err;

	if (v) {
		*id = v - 1;
		return 0;
	}
	err = thread_node(pv, t, &cur);
	/* Root first: a location's function, then what was inlined in it. */
	for (i = ps->nr; !err && i-- > 0;) {
		const struct profile_location *loc =
			&p->locations[ps->locs[i]];

		err = function_frame(pv, loc->function, &frame);
		err = err ?: node(pv, cur, frame, &cur);
		for (j = loc->nr_inlined; !err && j-- > 0;) {
			err = function_frame(pv,
				p->lines[loc->inlined + j].function, &frame);
			err = err ?: node(pv, cur, frame, &cur);
		}
	}
	if (err)
		return err;
	if (hmap__insert(&pv->leaves, hash_u64(key), (void *)(uintptr_t)key,
			 (void *)(uintptr_t)(cur + 1)))
		return -ENOMEM;
	*id = cur;
	return 0;
}

static int cmp_time(const void *a, const void *b, void *ctx)
{
	const struct profile *p = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	__u64 x = p->samples[i].time_ns, y = p->samples[j].time_ns;

	if (x != y)
		return x < y ? -1 : 1;
	return i < j ? -1 : i > j;
}

static void write_xml(const struct perfview *pv, const __u32 *leaves,
		      const size_t *order, FILE *out)
{
	const struct profile *p = pv->p;
	size_t i;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<StackWindow>\n<StackSource>\n", out);
	fprintf(out, "<Frames Count=\"%u\">\n", pv->nr_frames);
	for (i = 0; i < pv->nr_frames; i++) {
		fprintf(out, "<Frame ID=\"%zu\">", i);
		xml__escape(out, pv->frames[i]);
		fputs("</Frame>\n", out);
	}
	fprintf(out, "</Frames>\n<Stacks Count=\"%u\">\n", pv->nr_stacks);
	for (i = 0; i < pv->nr_stacks; i++)
		fprintf(out, "<Stack ID=\"%zu\" CallerID=\"%d\" FrameID=\"%u\"/>\n",
			i, pv->stacks[i].caller, pv->stacks[i].frame);
	fprintf(out, "</Stacks>\n<Samples Count=\"%zu\">\n", p->nr_samples);
	for (i = 0; i < p->nr_samples; i++) {
		const struct profile_sample *s = &p->samples[order[i]];
		__u64 t = s->time_ns > p->start_ns ? s->time_ns - p->start_ns
						   : 0;

		fprintf(out, "<Sample ID=\"%zu\" Time=\"%llu.%06llu\" StackID=\"%u\" Metric=\"%u\"/>\n",
			i, (unsigned long long)(t / 1000000),
			(unsigned long long)(t % 1000000), leaves[order[i]],
			s->count);
	}
	fputs("</Samples>\n</StackSource>\n</StackWindow>\n", out);
}

int perfview__write(const struct profile *p, FILE *out)
{
	struct perfview pv = { .p = p };
	__u32 *leaves = NULL;
	size_t *order = NULL, i;
	int err = -ENOMEM;

	hmap__init(&pv.names, hmap_str_eq);
	hmap__init(&pv.nodes, NULL);
	hmap__init(&pv.leaves, NULL);
	pv.fn_frame = calloc(p->nr_functions + 1, sizeof(*pv.fn_frame));
	pv.proc_node = calloc(p->nr_processes + 1, sizeof(*pv.proc_node));
	pv.thread_node = calloc(p->nr_threads + 1, sizeof(*pv.thread_node));
	leaves = calloc(p->nr_samples + 1, sizeof(*leaves));
	order = calloc(p->nr_samples + 1, sizeof(*order));
	if (!pv.fn_frame || !pv.proc_node || !pv.thread_node || !leaves ||
	    !order)
		goto out;
	err = 0;
	for (i = 0; !err && i < p->nr_samples; i++) {
		order[i] = i;
		err = leaf(&pv, p->samples[i].stack, p->samples[i].thread,
			   &leaves[i]);
	}
	if (err)
		goto out;
	qsort_r(order, p->nr_samples, sizeof(*order), cmp_time, (void *)p);
	errno = 0;
	write_xml(&pv, leaves, order, out);
	if (ferror(out) || fflush(out))
		err = errno ? -errno : -EIO;
out:
	for (i = 0; i < pv.nr_frames; i++)
		free((void *)pv.frames[i]);
	free(pv.frames);
	free(pv.stacks);
	hmap__free(&pv.names);
	hmap__free(&pv.nodes);
	hmap__free(&pv.leaves);
	free(pv.fn_frame);
	free(pv.proc_node);
	free(pv.thread_node);
	free(leaves);
	free(order);
	buf__free(&pv.b);
	return err;
}
