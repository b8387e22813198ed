// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: the report table (report.h).
 *
 * Percentages are of the periods the samples stand for, as perf report's
 * overhead is: a sample taken while the timer was throttled, lengthened
 * by --jitter, or of a counter whose period adapts, weighs what it
 * stands for; the Samples column counts samples.  (A sample without a
 * known period weighs 1.)  The profile's samples are summed per stack
 * (or per thread and stack) first; each sum's entries are counted once
 * with that sum, so the cost grows with distinct stacks, not with
 * samples.  Per thread, the samples are first summed per (thread,
 * stack), and each thread's sums make its section.  The call graphs
 * under the entries are built from the same sums (callgraph.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/callgraph.h"
#include "export/report.h"
#include "lib/hmap.h"
#include "lib/untrusted.h"
#include "lib/util.h"

const char *const report_sort_names[REPORT_NR_SORTS] = {
	[REPORT_SORT_SYM] = "sym", [REPORT_SORT_DSO] = "dso",
	[REPORT_SORT_COMM] = "comm", [REPORT_SORT_PID] = "pid",
	[REPORT_SORT_TID] = "tid",
};

struct entry {
	const struct profile_function *fn;	/* REPORT_SORT_SYM */
	__u32 fid;				/* fn's id */
	const char *label;
	__u64 self;			/* weight: periods summed */
	__u64 total;			/* weight, with children */
	__u64 samples;			/* samples of @self */
	__u64 stamp;			/* last stack counted in @total */
};

struct report {
	const struct profile *p;
	const struct report_opts *o;
	struct entry *by_id;	/* sym, dso, comm: by function/string id */
	struct hmap by_label;	/* pid, tid: label -> struct entry */
	struct entry **touched;	/* the by_id entries counted so far */
	size_t nr_touched;
	__u64 nr_samples;	/* shown */
	__u64 weight;		/* theirs: what percentages are of */
	__u64 *thread_weight;	/* per thread */
	struct stack_frames frames;
	struct callgraph *cg;	/* with --call-graph */
};

/* The by_id entry @e, counted from now on. */
static void touch(struct report *r, struct entry *e)
{
	if (!e->label)
		r->touched[r->nr_touched++] = e;
}

static struct entry *label_entry(struct report *r, const char *label)
{
	__u64 h = hash_str(label);
	struct entry *e = hmap__find(&r->by_label, h, label);

	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	/* Owned by the entry, freed with it; also its key. */
	e->label = strdup(label);
	if (!e->label || hmap__insert(&r->by_label, h, e->label, e)) {
		free((char *)e->label);
		free(e);
		return NULL;
	}
	return e;
}

/* Per thread: comm, pid and tid entries; self == total. */
static int count_threads(struct report *r)
{
	const struct profile *p = r->p;
	struct entry *e;
	char buf[64];
	__u32 i;

	for (i = 0; i < p->nr_threads; i++) {
		const struct profile_thread *t = &p->threads[i];

		if (!t->count)
			continue;
		if (r->o->sort == REPORT_SORT_COMM) {
			e = &r->by_id[t->comm];
			touch(r, e);
			e->label = profile__str(p, t->comm);
		} else {
			snprintf(buf, sizeof(buf), "%7u %s",
				 r->o->sort == REPORT_SORT_PID ? t->pid : t->tid,
				 profile__str(p, t->comm));
			e = label_entry(r, buf);
			if (!e)
				return -ENOMEM;
		}
		e->self += r->thread_weight[i];
		e->total += r->thread_weight[i];
		e->samples += t->count;
	}
	return 0;
}

/*
 * Function @fid's entry counts the @i-th stack sum @sc: its self when
 * @leaf.
 */
static void count_function(struct report *r, __u32 fid, size_t i,
			   const struct stack_count *sc, bool leaf)
{
	const struct profile *p = r->p;
	const struct profile_function *fn = &p->functions[fid];
	bool sym = r->o->sort == REPORT_SORT_SYM;
	struct entry *e = &r->by_id[sym ? fid : fn->dso];

	touch(r, e);
	if (sym) {
		e->fn = fn;
		e->fid = fid;
		e->label = profile__str(p, fn->name);
	} else {
		e->label = profile__str(p, fn->dso);
	}
	if (leaf) {
		e->self += sc->weight;
		e->samples += sc->count;
	}
	if (e->stamp != i + 1) {
		e->stamp = i + 1;
		e->total += sc->weight;
	}
}

/* Per stack sum: sym or dso entries, self for the leaf, total for all. */
static int count_stacks(struct report *r, const struct stack_count *sc,
			size_t nr)
{
	size_t i;
	long n, j;

	for (i = 0; i < nr; i++) {
		n = stack_frames__fill(&r->frames, r->p, sc[i].stack);
		if (n < 0)
			return n;
		for (j = 0; j < n; j++)
			count_function(r, r->frames.fn[j], i, &sc[i], j == 0);
	}
	return 0;
}

/* The samples the profile kept are its threads' (or its stacks') counts. */
static int count(struct report *r, const struct stack_count *sc, size_t nr)
{
	if (r->o->sort == REPORT_SORT_SYM || r->o->sort == REPORT_SORT_DSO)
		return count_stacks(r, sc, nr);
	return count_threads(r);
}

static int cmp_entry(const void *a, const void *b, void *ctx)
{
	const struct entry *x = *(struct entry * const *)a;
	const struct entry *y = *(struct entry * const *)b;
	const struct profile *p = ctx;
	int c;

	if (x->self != y->self)
		return x->self > y->self ? -1 : 1;
	c = strcmp(x->label, y->label);
	if (c || !x->fn)
		return c;
	/* One name in two DSOs, or in the kernel and in user space. */
	c = strcmp(profile__str(p, x->fn->dso), profile__str(p, y->fn->dso));
	return c ? c : (int)x->fn->kernel - (int)y->fn->kernel;
}

static int cmp_entry_total(const void *a, const void *b, void *ctx)
{
	const struct entry *x = *(struct entry * const *)a;
	const struct entry *y = *(struct entry * const *)b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return cmp_entry(a, b, ctx);
}

/*
 * The events the table weighs: one, or (--weight wall) the timer's
 * samples and the off-CPU waits, each weighed by the time it stands for.
 */
static void print_events(FILE *out, const struct report *r)
{
	const struct profile *p = r->p;
	__u64 seen = 0, waits = 0, wait_ns = 0;
	size_t i;

	for (i = 0; i < p->nr_samples; i++) {
		const struct profile_sample *ps = &p->samples[i];

		seen |= PROFILE_EVENT_BIT(ps->event);
		if (p->offcpu_event && ps->event == p->offcpu_event) {
			waits++;
			wait_ns = sat_add_u64(wait_ns, ps->period_ns);
		}
	}
	if (seen & (seen - 1)) {
		fprintf(out, "# event: cpu-clock and offcpu-time, by time: the wall-clock view, each wait weighed as %.3f ms of samples would be, under an [off-cpu] frame\n",
			p->offcpu_unit_ns / 1e6);
		fprintf(out, "# off-CPU: %llu waits, %.3f s in all\n",
			(unsigned long long)waits, wait_ns / 1e9);
		return;
	}
	if (waits) {
		fprintf(out, "# event: offcpu-time (%llu waits, %.3f s in all; Samples: %.3f ms each)\n",
			(unsigned long long)waits, wait_ns / 1e9,
			p->offcpu_unit_ns / 1e6);
		return;
	}
	fprintf(out, "# event: %s (%llu of these samples)\n",
		profile__str(p, p->events[p->samples[0].event].name),
		(unsigned long long)r->nr_samples);
}

static void print_header(FILE *out, const struct report *r,
			 const struct session *s)
{
	const struct session_counts *c = session__counts(s);
	const struct srec_session *info = session__info(s);

	/* Every string from the file is bounded and printable. */
	char node[SREC_UTS_LEN + 1], sys[SREC_UTS_LEN + 1];
	char rel[SREC_UTS_LEN + 1], cmd[sizeof(info->command) + 1];
	char src[PATH_MAX];
	const char *path = session__path(s);

	text_clean(src, sizeof(src), path, strlen(path));
	fprintf(out, "# sonde report\n");
	fprintf(out, "# source: %s\n", src);
	if (info) {
		text_clean(node, sizeof(node), info->nodename, SREC_UTS_LEN);
		text_clean(sys, sizeof(sys), info->sysname, SREC_UTS_LEN);
		text_clean(rel, sizeof(rel), info->release, SREC_UTS_LEN);
		text_clean(cmd, sizeof(cmd), info->command,
			   sizeof(info->command));
		fprintf(out, "# host: %s %s %s, %u Hz%s%s\n", node, sys, rel,
			info->frequency,
			info->capture & SONDE_CAPTURE_USER_CHAIN ?
			", call chains" : "",
			info->capture & SONDE_CAPTURE_USER_STACK ?
			", user stack copies" : "");
		if (cmd[0])
			fprintf(out, "# command: %s\n", cmd);
		if (info->flags & SREC_SESSION_PERF_SOURCE)
			fprintf(out, "# sampled through: perf_event_open (no sonde module)\n");
	}
	fprintf(out, "# samples: %llu\n", (unsigned long long)c->samples);
	/* Counters or waits beside the timer: say which the table is of. */
	if (r->p->nr_events > 1 && r->p->nr_samples)
		print_events(out, r);
	fprintf(out, "# lost: %llu%s\n", (unsigned long long)c->lost,
		c->lost == UINT64_MAX ? " (or more: the count saturated)" : "");
	if (c->has_stats) {
		fprintf(out, "# timer periods missed: %llu\n",
			(unsigned long long)c->timer_missed);
		if (c->handler_samples)
			fprintf(out, "# sampling handler: mean %llu ns, max %llu ns\n",
				(unsigned long long)(c->handler_ns_total /
						     c->handler_samples),
				(unsigned long long)c->handler_ns_max);
		if (c->ring_records)
			fprintf(out, "# ring data: %.1f MiB, %llu bytes per record\n",
				c->ring_bytes / 1048576.0,
				(unsigned long long)(c->ring_bytes /
						     c->ring_records));
	}
	if (session__kallsyms(s) == SESSION_KALLSYMS_RESTRICTED)
		fprintf(out, "# kernel symbols: hidden when recorded (kptr_restrict): kernel frames show as %s\n",
			SYMBOL_KERNEL);
	if (r->nr_samples != c->samples)
		fprintf(out, "# shown: %llu samples after filters\n",
			(unsigned long long)r->nr_samples);
	if (c->bad || c->corrupt_sections)
		fprintf(out, "# corrupt: %llu records, %llu sections cut\n",
			(unsigned long long)c->bad,
			(unsigned long long)c->corrupt_sections);
	if (r->p->kernel_hidden)
		fprintf(out, "# kernel-hidden: %llu samples (kernel addresses withheld from the recording user)\n",
			(unsigned long long)r->p->kernel_hidden);
	if (r->p->truncated)
		fprintf(out, "# truncated: %llu stacks miss frames (a [truncated] frame stands where they would be)\n",
			(unsigned long long)r->p->truncated);
	fprintf(out, "# sort: %s%s%s\n", report_sort_names[r->o->sort],
		r->o->children ? " (children)" : "",
		r->o->per_thread ? ", per thread" : "");
	if (r->o->call_graph)
		fprintf(out, "# call graph: callers of each entry, %.2f%% and more\n",
			r->o->cg_percent);
	fprintf(out, "#\n");
}

static int print_table(FILE *out, struct report *r, struct entry **arr,
		       size_t nr, const struct stack_count *sc, size_t nr_sc)
{
	double base = r->weight ? r->weight : 1;
	static const char *const titles[] = {
		[REPORT_SORT_SYM] = "Symbol",
		[REPORT_SORT_DSO] = "Shared Object",
		[REPORT_SORT_COMM] = "Command",
		[REPORT_SORT_PID] = "    Pid Command",
		[REPORT_SORT_TID] = "    Tid Command",
	};
	__u64 share;
	size_t i;
	int err;

	fprintf(out, "# %8s %8s %9s  %s%s\n", "Children", "Self", "Samples",
		r->o->sort == REPORT_SORT_SYM ? "    " : "",
		titles[r->o->sort]);
	for (i = 0; i < nr; i++) {
		const struct entry *e = arr[i];

		if (r->o->limit && i >= r->o->limit)
			break;
		fprintf(out, "  %7.2f%% %7.2f%% %9llu  ",
			100.0 * e->total / base, 100.0 * e->self / base,
			(unsigned long long)e->samples);
		if (e->fn)
			fprintf(out, "[%c] %s  %s\n", profile_function__kind(e->fn), e->label,
				profile__str(r->p, e->fn->dso));
		else
			fprintf(out, "%s\n", e->label);
		if (!r->o->call_graph || !e->fn)
			continue;
		/*
		 * A caller has at most the share of what it called: under
		 * the threshold, no tree has a line to print.
		 */
		share = r->o->children ? e->total : e->self;
		if (100.0 * share / base >= r->o->cg_percent) {
			err = callgraph__print(r->cg, out, e->fid, sc, nr_sc);
			if (err)
				return err;
		}
		fprintf(out, "\n");
	}
	return 0;
}

/*
 * Count the stack sums @sc (one thread's, per thread) and print their
 * table.  The by_id entries counted are zeroed again afterwards.
 */
static int write_table(FILE *out, struct report *r,
		       const struct stack_count *sc, size_t nr_sc)
{
	struct entry **arr;
	struct hmap_entry *he;
	size_t nr = 0, i;
	int err;

	err = count(r, sc, nr_sc);
	if (err)
		return err;
	arr = calloc(r->nr_touched + r->by_label.nr + 1, sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	for (i = 0; i < r->nr_touched; i++)
		if (r->o->children || r->touched[i]->self)
			arr[nr++] = r->touched[i];
	hmap__for_each(&r->by_label, he) {
		struct entry *e = he->val;

		if (r->o->children || e->self)
			arr[nr++] = e;
	}
	qsort_r(arr, nr, sizeof(*arr),
		r->o->children ? cmp_entry_total : cmp_entry, (void *)r->p);
	err = print_table(out, r, arr, nr, sc, nr_sc);
	for (i = 0; i < r->nr_touched; i++)
		memset(r->touched[i], 0, sizeof(*r->touched[i]));
	r->nr_touched = 0;
	free(arr);
	return err;
}

static int cmp_stack_count(const void *a, const void *b)
{
	const struct stack_count *x = a, *y = b;

	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/*
 * What @ps stands for: its periods summed (1 each when not known), or
 * an off-CPU sample's wait.
 */
static __u64 sample_weight(const struct profile *p,
			   const struct profile_sample *ps)
{
	__u64 period = ps->period_ns ? ps->period_ns : 1;

	if (p->time_counts ||
	    (p->offcpu_event && ps->event == p->offcpu_event))
		return profile__sample_ns(p, ps);
	if (period > UINT64_MAX / ps->count)
		return UINT64_MAX;
	return period * ps->count;
}

/*
 * The stack sums: per stack, or per thread (sorted by thread) per
 * (thread, stack); and r->weight, r->thread_weight.  *@nr is their
 * number.
 */
static struct stack_count *stack_counts(struct report *r, size_t *nr)
{
	const struct profile *p = r->p;
	bool per_thread = r->o->per_thread;
	struct stack_count *sc;
	size_t i, n = 0;
	__u64 w;

	r->thread_weight = calloc(p->nr_threads + 1,
				  sizeof(*r->thread_weight));
	sc = calloc((per_thread ? p->nr_samples : p->nr_stacks) + 1,
		    sizeof(*sc));
	if (!sc || !r->thread_weight) {
		free(sc);
		return NULL;
	}
	for (i = 0; i < p->nr_samples; i++) {
		const struct profile_sample *ps = &p->samples[i];
		struct stack_count *c = &sc[per_thread ? i : ps->stack];

		w = sample_weight(p, ps);
		r->weight = sat_add_u64(r->weight, w);
		r->thread_weight[ps->thread] =
			sat_add_u64(r->thread_weight[ps->thread], w);
		c->thread = per_thread ? ps->thread : 0;
		c->stack = ps->stack;
		c->count = sat_add_u64(c->count, ps->count);
		c->weight = sat_add_u64(c->weight, w);
	}
	if (!per_thread) {
		for (i = 0; i < p->nr_stacks; i++)
			if (sc[i].count)
				sc[n++] = sc[i];
		*nr = n;
		return sc;
	}
	qsort(sc, p->nr_samples, sizeof(*sc), cmp_stack_count);
	for (i = 0; i < p->nr_samples; i++) {
		if (n && sc[n - 1].thread == sc[i].thread &&
		    sc[n - 1].stack == sc[i].stack) {
			sc[n - 1].count = sat_add_u64(sc[n - 1].count,
						      sc[i].count);
			sc[n - 1].weight = sat_add_u64(sc[n - 1].weight,
						       sc[i].weight);
		} else {
			sc[n++] = sc[i];
		}
	}
	*nr = n;
	return sc;
}

/* Threads: the heaviest first, then by tid, pid and name. */
static int cmp_thread(const void *a, const void *b, void *ctx)
{
	const struct report *r = ctx;
	const struct profile *p = r->p;
	__u32 i = *(const __u32 *)a, j = *(const __u32 *)b;
	const struct profile_thread *x = &p->threads[i];
	const struct profile_thread *y = &p->threads[j];

	if (r->thread_weight[i] != r->thread_weight[j])
		return r->thread_weight[i] > r->thread_weight[j] ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return strcmp(profile__str(p, x->comm), profile__str(p, y->comm));
}

/* A section per thread that ran samples, each with its own table. */
static int write_threads(FILE *out, struct report *r,
			 const struct stack_count *sc, size_t nr_sc)
{
	const struct profile *p = r->p;
	double base = r->weight ? r->weight : 1;
	size_t *first = calloc(p->nr_threads + 1, sizeof(*first));
	__u32 *order = calloc(p->nr_threads + 1, sizeof(*order));
	size_t i, end;
	__u32 n = 0, t;
	int err = 0;

	if (!first || !order) {
		err = -ENOMEM;
		goto out;
	}
	/* sc is sorted by thread: each thread's sums are a run. */
	for (i = nr_sc; i-- > 0;)
		first[sc[i].thread] = i;
	for (t = 0; t < p->nr_threads; t++)
		if (p->threads[t].count)
			order[n++] = t;
	qsort_r(order, n, sizeof(*order), cmp_thread, r);
	for (t = 0; !err && t < n; t++) {
		const struct profile_thread *th = &p->threads[order[t]];

		for (end = first[order[t]]; end < nr_sc &&
		     sc[end].thread == order[t]; end++)
			;
		fprintf(out, "%s# thread: %s %u/%u: %llu samples, %.2f%%\n#\n",
			t ? "\n" : "", profile__str(p, th->comm), th->pid,
			th->tid, (unsigned long long)th->count,
			100.0 * r->thread_weight[order[t]] / base);
		err = write_table(out, r, sc + first[order[t]],
				  end - first[order[t]]);
	}
out:
	free(first);
	free(order);
	return err;
}

int report__write(const struct profile *p, const struct session *s,
		  const struct report_opts *o, FILE *out)
{
	struct report r = { .p = p, .o = o };
	size_t n = o->sort == REPORT_SORT_SYM ? p->nr_functions : p->nr_strings;
	struct stack_count *sc = NULL;
	struct hmap_entry *he;
	size_t nr_sc = 0;
	__u32 i;
	int err = 0;

	hmap__init(&r.by_label, hmap_str_eq);
	for (i = 0; i < p->nr_threads; i++)
		r.nr_samples += p->threads[i].count;
	r.by_id = calloc(n + 1, sizeof(*r.by_id));
	r.touched = calloc(n + 1, sizeof(*r.touched));
	if (r.by_id && r.touched)
		sc = stack_counts(&r, &nr_sc);
	if (!sc)
		err = -ENOMEM;
	if (!err && o->call_graph)
		err = callgraph__new(&r.cg, p, sc, nr_sc, o->children,
				     o->cg_percent, r.weight);
	if (!err) {
		errno = 0;
		print_header(out, &r, s);
		err = o->per_thread ? write_threads(out, &r, sc, nr_sc) :
				      write_table(out, &r, sc, nr_sc);
		if (!err && (fflush(out) || ferror(out)))
			err = errno ? -errno : -EIO;
	}
	hmap__for_each(&r.by_label, he) {
		struct entry *e = he->val;

		free((char *)e->label);
		free(e);
	}
	hmap__free(&r.by_label);
	free(r.by_id);
	free(r.touched);
	free(r.frames.fn);
	callgraph__free(r.cg);
	free(r.thread_weight);
	free(sc);
	return err;
}
