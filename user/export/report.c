// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: the report table (report.h).
 *
 * The profile keeps how many samples each stack and each thread has;
 * each stack's entries are counted once with that count, so the cost
 * grows with distinct stacks, not with samples.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	const char *label;
	__u64 self;
	__u64 total;
	__u64 stamp;			/* last stack counted in @total */
};

struct report {
	const struct profile *p;
	const struct report_opts *o;
	struct entry *by_id;	/* sym, dso, comm: by function/string id */
	struct hmap by_label;	/* pid, tid: label -> struct entry */
	__u64 nr_samples;
};

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
			e->label = profile__str(p, t->comm);
		} else {
			snprintf(buf, sizeof(buf), "%7u %s",
				 r->o->sort == REPORT_SORT_PID ? t->pid : t->tid,
				 profile__str(p, t->comm));
			e = label_entry(r, buf);
			if (!e)
				return -ENOMEM;
		}
		e->self += t->count;
		e->total += t->count;
	}
	return 0;
}

/* Function @fid's entry counts stack @i: its self when @leaf. */
static void count_function(struct report *r, __u32 fid, __u32 i,
			   bool leaf)
{
	const struct profile *p = r->p;
	const struct profile_stack *st = &p->stacks[i];
	const struct profile_function *fn = &p->functions[fid];
	bool sym = r->o->sort == REPORT_SORT_SYM;
	struct entry *e = &r->by_id[sym ? fid : fn->dso];

	if (sym) {
		e->fn = fn;
		e->label = profile__str(p, fn->name);
	} else {
		e->label = profile__str(p, fn->dso);
	}
	if (leaf)
		e->self += st->count;
	if (e->stamp != i + 1) {
		e->stamp = i + 1;
		e->total += st->count;
	}
}

/*
 * Per stack: sym or dso entries, self for the leaf, total for all.  A
 * location's inlined functions are frames of their own: the innermost
 * is the leaf.
 */
static void count_stacks(struct report *r)
{
	const struct profile *p = r->p;
	__u32 i, j, k;

	for (i = 0; i < p->nr_stacks; i++) {
		const struct profile_stack *st = &p->stacks[i];

		if (!st->count)
			continue;
		for (j = 0; j < st->nr; j++) {
			const struct profile_location *loc =
				&p->locations[st->locs[j]];

			for (k = 0; k < loc->nr_inlined; k++)
				count_function(r,
					p->lines[loc->inlined + k].function,
					i, j == 0 && k == 0);
			count_function(r, loc->function, i,
				       j == 0 && !loc->nr_inlined);
		}
	}
}

/* The samples the profile kept are its threads' (or its stacks') counts. */
static int count(struct report *r)
{
	const struct profile *p = r->p;
	__u32 i;

	for (i = 0; i < p->nr_threads; i++)
		r->nr_samples += p->threads[i].count;
	if (r->o->sort == REPORT_SORT_SYM || r->o->sort == REPORT_SORT_DSO) {
		count_stacks(r);
		return 0;
	}
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
	}
	fprintf(out, "# samples: %llu\n", (unsigned long long)c->samples);
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
	fprintf(out, "# sort: %s%s\n#\n", report_sort_names[r->o->sort],
		r->o->children ? " (children)" : "");
}

static void print_table(FILE *out, const struct report *r,
			struct entry **arr, size_t nr)
{
	double base = r->nr_samples ? r->nr_samples : 1;
	static const char *const titles[] = {
		[REPORT_SORT_SYM] = "Symbol",
		[REPORT_SORT_DSO] = "Shared Object",
		[REPORT_SORT_COMM] = "Command",
		[REPORT_SORT_PID] = "    Pid Command",
		[REPORT_SORT_TID] = "    Tid Command",
	};
	size_t i;

	fprintf(out, "# %8s %8s %9s  %s%s\n", "Children", "Self", "Samples",
		r->o->sort == REPORT_SORT_SYM ? "    " : "",
		titles[r->o->sort]);
	for (i = 0; i < nr; i++) {
		const struct entry *e = arr[i];

		if (r->o->limit && i >= r->o->limit)
			break;
		fprintf(out, "  %7.2f%% %7.2f%% %9llu  ",
			100.0 * e->total / base, 100.0 * e->self / base,
			(unsigned long long)e->self);
		if (e->fn)
			fprintf(out, "[%c] %s  %s\n",
				e->fn->kernel ? 'k' : e->fn->jit ? 'j' : '.',
				e->label, profile__str(r->p, e->fn->dso));
		else
			fprintf(out, "%s\n", e->label);
	}
}

int report__write(const struct profile *p, const struct session *s,
		  const struct report_opts *o, FILE *out)
{
	struct report r = { .p = p, .o = o };
	size_t n = o->sort == REPORT_SORT_SYM ? p->nr_functions : p->nr_strings;
	struct entry **arr = NULL;
	struct hmap_entry *he;
	size_t nr = 0, i;
	int err;

	hmap__init(&r.by_label, hmap_str_eq);
	r.by_id = calloc(n + 1, sizeof(*r.by_id));
	err = r.by_id ? count(&r) : -ENOMEM;
	if (!err) {
		arr = calloc(n + r.by_label.nr + 1, sizeof(*arr));
		if (!arr)
			err = -ENOMEM;
	}
	if (!err) {
		for (i = 0; i < n; i++)
			if (r.by_id[i].label &&
			    (o->children || r.by_id[i].self))
				arr[nr++] = &r.by_id[i];
		hmap__for_each(&r.by_label, he) {
			struct entry *e = he->val;

			if (o->children || e->self)
				arr[nr++] = e;
		}
		qsort_r(arr, nr, sizeof(*arr),
			o->children ? cmp_entry_total : cmp_entry, (void *)p);
		errno = 0;
		print_header(out, &r, s);
		print_table(out, &r, arr, nr);
		if (fflush(out) || ferror(out))
			err = errno ? -errno : -EIO;
	}
	free(arr);
	hmap__for_each(&r.by_label, he) {
		struct entry *e = he->val;

		free((char *)e->label);
		free(e);
	}
	hmap__free(&r.by_label);
	free(r.by_id);
	return err;
}
