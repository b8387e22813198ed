// SPDX-License-Identifier: GPL-2.0
/*
 * sonde report: where the time went, as a table of self
 * and total ("children") sample percentages per symbol, DSO, command,
 * process or thread.
 *
 * Self counts a sample for its leaf frame only; total counts it once for
 * every distinct entry anywhere on its stack, so recursion is not counted
 * twice and total >= self always holds.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmds.h"
#include "lib/hmap.h"
#include "recording/session.h"
#include "lib/untrusted.h"
#include "lib/util.h"

enum sort_key { SORT_SYM, SORT_DSO, SORT_COMM, SORT_PID, SORT_TID };

static const char *const sort_names[] = {
	[SORT_SYM] = "sym", [SORT_DSO] = "dso", [SORT_COMM] = "comm",
	[SORT_PID] = "pid", [SORT_TID] = "tid",
};

struct report_opts {
	const char *input;
	enum sort_key sort;
	bool children;
	__u64 limit;
	bool has_pid;
	__u32 pid;
	const char *comm;
};

struct entry {
	const struct frame_id *id;	/* SORT_SYM */
	const char *label;
	__u64 self;
	__u64 total;
	__u64 stamp;			/* last sample counted in @total */
};

struct report {
	struct report_opts *o;
	struct hmap entries;
	__u64 nr_samples;		/* after filters */
	__u64 stamp;
};

void help_report(FILE *f)
{
	fprintf(f,
"usage: sonde report [-i FILE] [--sort sym|dso|comm|pid|tid] [--children]\n"
"                    [--limit N] [--pid PID] [--comm NAME]\n"
"\n"
"Print the hottest entries of a recording, with self and total (children)\n"
"percentages.  Kernel symbols are marked [k], user ones [.].\n"
"\n"
"  -i, --input FILE   recording to read (default sonde.data)\n"
"  -s, --sort KEY     sym (default), dso, comm, pid or tid\n"
"      --children     order by total instead of self, and list entries\n"
"                     that only appear as callers\n"
"  -n, --limit N      print at most N entries\n"
"      --pid PID      only samples of this process\n"
"      --comm NAME    only samples of processes named NAME\n"
"  -h, --help         this help\n");
}

static int parse_report_args(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "sort", required_argument, NULL, 's' },
		{ "children", no_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, 'P' },
		{ "comm", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	unsigned int i;
	int c;

	o->input = "sonde.data";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:s:n:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'i':
			o->input = optarg;
			break;
		case 's':
			for (i = 0; i < ARRAY_SIZE(sort_names); i++)
				if (!strcmp(optarg, sort_names[i]))
					break;
			if (i == ARRAY_SIZE(sort_names))
				return usage_error("report: --sort takes sym, dso, comm, pid or tid, not '%s'",
						   optarg);
			o->sort = i;
			break;
		case 'c':
			o->children = true;
			break;
		case 'n':
			if (parse_u64(optarg, &o->limit) || !o->limit)
				return usage_error("report: --limit needs a positive number, not '%s'",
						   optarg);
			break;
		case 'P':
			if (parse_u32(optarg, &o->pid))
				return usage_error("report: --pid needs a process id, not '%s'",
						   optarg);
			o->has_pid = true;
			break;
		case 'N':
			o->comm = optarg;
			break;
		case 'h':
			help_report(stdout);
			return 1;
		default:
			return opt_error("report", c, argv, longopts);
		}
	}
	if (optind < argc)
		return usage_error("report: unexpected argument '%s'",
				   argv[optind]);
	return 0;
}

/*
 * Entries by pid or tid are keyed by their label, "PID COMM": a pid that
 * was reused by another command is another process, and gets its own row.
 */
static bool by_label(const struct report *r)
{
	return r->o->sort == SORT_PID || r->o->sort == SORT_TID;
}

static bool label_eq(const void *a, const void *b)
{
	return !strcmp(a, b);
}

static struct entry *get_entry(struct report *r, const struct sample_view *v,
			       const struct frame *f)
{
	const void *key = NULL;
	char buf[64];
	struct entry *e;
	__u64 h;

	switch (r->o->sort) {
	case SORT_SYM:
		key = f->id;
		break;
	case SORT_DSO:
		key = f->id->dso;	/* interned: equal strings, equal ptrs */
		break;
	case SORT_COMM:
		key = v->comm;
		break;
	case SORT_PID:
	case SORT_TID:
		snprintf(buf, sizeof(buf), "%7u %s",
			 r->o->sort == SORT_PID ? v->raw->pid : v->raw->tid,
			 v->comm);
		key = buf;
		break;
	}
	h = by_label(r) ? hash_str(key) : hash_u64((unsigned long)key);
	e = hmap__find(&r->entries, h, key);
	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	switch (r->o->sort) {
	case SORT_SYM:
		e->id = f->id;
		e->label = f->id->name;
		break;
	case SORT_DSO:
		e->label = f->id->dso;
		break;
	case SORT_COMM:
		e->label = v->comm;
		break;
	case SORT_PID:
	case SORT_TID:
		/* Owned by the entry, freed with it; also its key. */
		e->label = strdup(buf);
		if (!e->label) {
			free(e);
			return NULL;
		}
		key = e->label;
		break;
	}
	if (hmap__insert(&r->entries, h, key, e)) {
		if (by_label(r))
			free((char *)e->label);
		free(e);
		return NULL;
	}
	return e;
}

static int sample_cb(const struct sample_view *v, void *ctx)
{
	static const struct frame none_frame;
	struct report *r = ctx;
	bool per_frame = r->o->sort == SORT_SYM || r->o->sort == SORT_DSO;
	unsigned int i, n = per_frame ? v->nr_frames : 1;
	struct entry *e;

	if (r->o->has_pid && v->raw->pid != r->o->pid)
		return 0;
	if (r->o->comm && strcmp(v->comm, r->o->comm))
		return 0;
	r->nr_samples++;
	r->stamp++;
	if (per_frame && !v->nr_frames)
		return 0;
	for (i = 0; i < n; i++) {
		const struct frame *f = per_frame ? &v->frames[i] : &none_frame;

		e = get_entry(r, v, f);
		if (!e)
			return -ENOMEM;
		if (i == 0)
			e->self++;
		if (e->stamp != r->stamp) {
			e->stamp = r->stamp;
			e->total++;
		}
	}
	return 0;
}

static int cmp_entry(const void *a, const void *b, void *ctx)
{
	const struct entry *x = *(struct entry * const *)a;
	const struct entry *y = *(struct entry * const *)b;
	bool by_total = *(bool *)ctx;
	__u64 xa = by_total ? x->total : x->self;
	__u64 ya = by_total ? y->total : y->self;

	if (xa != ya)
		return xa > ya ? -1 : 1;
	if (x->self != y->self)
		return x->self > y->self ? -1 : 1;
	return strcmp(x->label, y->label);
}

static void print_header(struct report *r, struct session *s)
{
	const struct session_counts *c = session__counts(s);
	const struct srec_session *info = session__info(s);

	/* Every string from the file is bounded and printable. */
	char node[SREC_UTS_LEN + 1], sys[SREC_UTS_LEN + 1];
	char rel[SREC_UTS_LEN + 1], cmd[sizeof(info->command) + 1];
	char src[PATH_MAX];
	const char *path = session__path(s);

	text_clean(src, sizeof(src), path, strlen(path));
	printf("# sonde report\n");
	printf("# source: %s\n", src);
	if (info) {
		text_clean(node, sizeof(node), info->nodename, SREC_UTS_LEN);
		text_clean(sys, sizeof(sys), info->sysname, SREC_UTS_LEN);
		text_clean(rel, sizeof(rel), info->release, SREC_UTS_LEN);
		text_clean(cmd, sizeof(cmd), info->command,
			   sizeof(info->command));
		printf("# host: %s %s %s, %u Hz%s\n", node, sys, rel,
		       info->frequency,
		       info->capture & SONDE_CAPTURE_USER_CHAIN ?
		       ", call chains" : "");
		if (cmd[0])
			printf("# command: %s\n", cmd);
	}
	printf("# samples: %llu\n", (unsigned long long)c->samples);
	printf("# lost: %llu%s\n", (unsigned long long)c->lost,
	       c->lost == UINT64_MAX ? " (or more: the count saturated)" : "");
	if (c->has_stats) {
		printf("# timer periods missed: %llu\n",
		       (unsigned long long)c->timer_missed);
		if (c->handler_samples)
			printf("# sampling handler: mean %llu ns, max %llu ns\n",
			       (unsigned long long)(c->handler_ns_total /
						    c->handler_samples),
			       (unsigned long long)c->handler_ns_max);
	}
	if (r->nr_samples != c->samples)
		printf("# shown: %llu samples after --pid/--comm\n",
		       (unsigned long long)r->nr_samples);
	if (c->bad || c->corrupt_sections)
		printf("# corrupt: %llu records, %llu sections cut\n",
		       (unsigned long long)c->bad,
		       (unsigned long long)c->corrupt_sections);
	if (c->kernel_hidden)
		printf("# kernel-hidden: %llu samples (kernel addresses withheld from the recording user)\n",
		       (unsigned long long)c->kernel_hidden);
	printf("# sort: %s%s\n#\n", sort_names[r->o->sort],
	       r->o->children ? " (children)" : "");
}

static void print_table(struct report *r, struct entry **arr, size_t nr)
{
	double base = r->nr_samples ? r->nr_samples : 1;
	static const char *const titles[] = {
		[SORT_SYM] = "Symbol", [SORT_DSO] = "Shared Object",
		[SORT_COMM] = "Command", [SORT_PID] = "    Pid Command",
		[SORT_TID] = "    Tid Command",
	};
	size_t i;

	printf("# %8s %8s %9s  %s%s\n", "Children", "Self", "Samples",
	       r->o->sort == SORT_SYM ? "    " : "", titles[r->o->sort]);
	for (i = 0; i < nr; i++) {
		const struct entry *e = arr[i];

		if (r->o->limit && i >= r->o->limit)
			break;
		printf("  %7.2f%% %7.2f%% %9llu  ", 100.0 * e->total / base,
		       100.0 * e->self / base, (unsigned long long)e->self);
		if (e->id)
			printf("[%c] %s  %s\n", e->id->kernel ? 'k' : '.',
			       e->label, e->id->dso);
		else
			printf("%s\n", e->label);
	}
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = { 0 };
	struct report r = { .o = &o };
	struct entry **arr = NULL;
	struct hmap_entry *he;
	struct session *s;
	size_t nr = 0;
	int err;

	err = parse_report_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	err = session__open_verbose(&s, o.input);
	if (err)
		return err;
	hmap__init(&r.entries, by_label(&r) ? label_eq : NULL);
	err = session__iter_samples(s, sample_cb, &r);
	if (!err) {
		arr = calloc(r.entries.nr + 1, sizeof(*arr));
		if (!arr)
			err = -ENOMEM;
	}
	if (!err) {
		hmap__for_each(&r.entries, he) {
			struct entry *e = he->val;

			if (o.children || e->self)
				arr[nr++] = e;
		}
		qsort_r(arr, nr, sizeof(*arr), cmp_entry, &o.children);
		errno = 0;
		print_header(&r, s);
		print_table(&r, arr, nr);
		if (fflush(stdout) || ferror(stdout)) {
			err = errno ? -errno : -EIO;
			/* The reader went away (report | head): no failure. */
			if (err == -EPIPE)
				err = 0;
			else
				pr_err("writing standard output: %s",
				       strerror(-err));
		}
	} else {
		pr_err("reading %s: %s", o.input, strerror(-err));
	}
	free(arr);
	hmap__for_each(&r.entries, he) {
		struct entry *e = he->val;

		if (o.sort == SORT_PID || o.sort == SORT_TID)
			free((char *)e->label);
		free(e);
	}
	hmap__free(&r.entries);
	session__close(s);
	return err;
}
