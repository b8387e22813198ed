// SPDX-License-Identifier: GPL-2.0
/*
 * sonde script: every sample as text, in the layout of
 * `perf script` with call chains, so that tools written for it
 * (FlameGraph's stackcollapse-perf.pl, speedscope, inferno) read it:
 *
 *   comm PID/TID [CPU] SECS.USECS: PERIOD cpu-clock:
 *   \t    ADDR symbol+0xOFF (dso)
 *   (blank line)
 *
 * Samples are printed in time order across CPUs, as perf does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmds.h"
#include "recording/session.h"
#include "lib/util.h"

void help_script(FILE *f)
{
	fprintf(f,
"usage: sonde script [-i FILE]\n"
"\n"
"Print every sample with its call chain, in the text layout of perf script.\n"
"\n"
"  -i, --input FILE   recording to read (default sonde.data)\n"
"  -h, --help         this help\n");
}

struct collect {
	const struct sonde_sample **samples;
	size_t nr;
	size_t cap;
};

static int collect_cb(const struct sonde_record_header *h, void *ctx)
{
	struct collect *c = ctx;

	if (h->type != SONDE_RECORD_SAMPLE)
		return 0;
	if (c->nr == c->cap) {
		const struct sonde_sample **p;

		c->cap = c->cap ? c->cap * 2 : 4096;
		p = realloc(c->samples, c->cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->samples = p;
	}
	c->samples[c->nr++] = (const void *)h;
	return 0;
}

static int cmp_time(const void *a, const void *b)
{
	const struct sonde_sample *x = *(const struct sonde_sample * const *)a;
	const struct sonde_sample *y = *(const struct sonde_sample * const *)b;

	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	/* Same time and CPU: keep file order (ring order). */
	return x < y ? -1 : x > y;
}

/* comm may hold anything a process set: keep the line parseable. */
static void print_comm(const char *comm)
{
	for (; *comm; comm++)
		putchar(*comm == '\n' || *comm == '\t' ? ' ' : *comm);
}

static void print_sample(const struct sample_view *v, __u64 period)
{
	const struct sonde_sample *s = v->raw;
	unsigned int i;

	print_comm(v->comm[0] ? v->comm : ":");
	/*
	 * perf's layout, trailing space after "cpu-clock:" included:
	 * stackcollapse-perf.pl and friends match on it.  The newline is a
	 * separate putchar() so that space is not mistaken for a typo.
	 */
	printf(" %5u/%-5u [%03u] %5llu.%06llu: %10llu cpu-clock: ",
	       s->pid, s->tid, s->cpu,
	       (unsigned long long)(s->time_ns / 1000000000ULL),
	       (unsigned long long)(s->time_ns % 1000000000ULL / 1000),
	       (unsigned long long)period);
	putchar('\n');
	for (i = 0; i < v->nr_frames; i++) {
		const struct frame *f = &v->frames[i];

		if (f->id->known)
			printf("\t%16llx %s+0x%llx (%s)\n",
			       (unsigned long long)f->addr, f->id->name,
			       (unsigned long long)f->off, f->id->dso);
		else
			printf("\t%16llx [unknown] (%s)\n",
			       (unsigned long long)f->addr, f->id->dso);
	}
	putchar('\n');
}

int cmd_script(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *input = "sonde.data";
	const struct srec_session *info;
	struct collect c = { 0 };
	struct session *s;
	__u64 period = 0;
	size_t i;
	int opt, err;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":i:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			input = optarg;
			break;
		case 'h':
			help_script(stdout);
			return 0;
		default:
			return opt_error("script", opt, argv, longopts);
		}
	}
	if (optind < argc)
		return usage_error("script: unexpected argument '%s'",
				   argv[optind]);
	err = session__open_verbose(&s, input);
	if (err)
		return err;
	info = session__info(s);
	if (info && info->frequency)
		period = 1000000000ULL / info->frequency;
	else if (info)
		period = info->period_ns;
	err = session__iter_records(s, collect_cb, &c);
	if (!err && c.nr)
		qsort(c.samples, c.nr, sizeof(*c.samples), cmp_time);
	errno = 0;
	for (i = 0; !err && i < c.nr; i++) {
		struct sample_view v;

		err = session__resolve(s, c.samples[i], &v);
		if (!err)
			print_sample(&v, period);
		if (!err && ferror(stdout))
			err = errno ? -errno : -EIO;
	}
	if (!err && fflush(stdout))
		err = -errno;
	/* The reader went away (sonde script | head): not our failure. */
	if (err == -EPIPE)
		err = 0;
	else if (err && ferror(stdout))
		pr_err("writing standard output: %s", strerror(-err));
	else if (err)
		pr_err("reading %s: %s", input, strerror(-err));
	free(c.samples);
	session__close(s);
	return err;
}
