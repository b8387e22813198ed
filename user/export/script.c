// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: samples as perf script text (script.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "export/script.h"

static int cmp_time(const void *a, const void *b, void *ctx)
{
	const struct profile *p = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct profile_sample *x = &p->samples[i], *y = &p->samples[j];

	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	/* Same time and CPU: keep recording order (ring order). */
	return i < j ? -1 : i > j;
}

/* comm may hold anything a process set: keep the line parseable. */
static void print_comm(FILE *out, const char *comm)
{
	for (; *comm; comm++)
		putc(*comm == '\n' || *comm == '\t' ? ' ' : *comm, out);
}

static void print_sample(FILE *out, const struct profile *p,
			 const struct profile_sample *s)
{
	const struct profile_thread *t = &p->threads[s->thread];
	const struct profile_stack *st = &p->stacks[s->stack];
	const char *comm = profile__str(p, t->comm);
	unsigned int i;

	print_comm(out, comm[0] ? comm : ":");
	/*
	 * perf's layout, trailing space after "cpu-clock:" (the event's
	 * name) included:
	 * stackcollapse-perf.pl and friends match on it.  The newline is a
	 * separate putc() so that space is not mistaken for a typo.
	 */
	fprintf(out, " %5u/%-5u [%03u] %5llu.%06llu: %10llu %s: ",
		t->pid, t->tid, s->cpu,
		(unsigned long long)(s->time_ns / 1000000000ULL),
		(unsigned long long)(s->time_ns % 1000000000ULL / 1000),
		(unsigned long long)s->period_ns,
		s->event < p->nr_events ?
		profile__str(p, p->events[s->event].name) : "cpu-clock");
	putc('\n', out);
	for (i = 0; i < st->nr; i++) {
		const struct profile_location *loc = &p->locations[st->locs[i]];
		const struct profile_function *fn =
			&p->functions[loc->function];
		unsigned int j;

		/*
		 * Inlined functions first, as perf prints them; "(inlined)"
		 * before the DSO so that importers (Firefox Profiler,
		 * speedscope) still find the DSO in the last parentheses.
		 */
		for (j = 0; j < loc->nr_inlined; j++)
			fprintf(out, "\t%16llx %s (inlined) (%s)\n",
				(unsigned long long)loc->address,
				profile__str(p, p->functions[
					p->lines[loc->inlined + j].function].name),
				profile__str(p, fn->dso));
		if (fn->known)
			fprintf(out, "\t%16llx %s+0x%llx (%s)\n",
				(unsigned long long)loc->address,
				profile__str(p, fn->name),
				(unsigned long long)loc->sym_off,
				profile__str(p, fn->dso));
		else
			fprintf(out, "\t%16llx [unknown] (%s)\n",
				(unsigned long long)loc->address,
				profile__str(p, fn->dso));
	}
	putc('\n', out);
}

int script__sample(const struct profile *p, const struct profile_sample *s,
		   void *out)
{
	errno = 0;
	print_sample(out, p, s);
	return ferror((FILE *)out) ? (errno ? -errno : -EIO) : 0;
}

int script__end(FILE *out)
{
	errno = 0;
	if (fflush(out) || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

int script__write(const struct profile *p, FILE *out)
{
	size_t *order, i;
	int err = 0;

	order = calloc(p->nr_samples + 1, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < p->nr_samples; i++)
		order[i] = i;
	qsort_r(order, p->nr_samples, sizeof(*order), cmp_time, (void *)p);
	errno = 0;
	for (i = 0; i < p->nr_samples; i++) {
		print_sample(out, p, &p->samples[order[i]]);
		if (ferror(out)) {
			err = errno ? -errno : -EIO;
			break;
		}
	}
	if (!err && fflush(out))
		err = errno ? -errno : -EIO;
	free(order);
	return err;
}
