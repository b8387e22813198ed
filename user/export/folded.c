// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: folded stacks, the input of flamegraph.pl, inferno and
 * speedscope, written from the profile model: one line per distinct
 * stack,
 *
 *   comm;root;...;leaf COUNT
 *
 * with kernel frames suffixed "_[k]" (bcc's convention), JIT frames named
 * by a perf map "_[j]" (FlameGraph's) and functions inlined into their
 * caller "_[i]" (perf's flame graph convention), each inlined function a
 * frame of its own above its caller.  Lines are sorted
 * so that the same recording always exports the same bytes.  Per thread
 * (folded_opts.per_thread) the root is "comm-PID/TID" instead, as
 * FlameGraph's stackcollapse-perf.pl --tid writes it.  ';', newline,
 * CR and tab in a name become '_'; ill-formed UTF-8 becomes U+FFFD, one
 * per maximal subpart (lib/utf8.h), so the text is always UTF-8.
 *
 * The profile's samples are first summed per (process name, stack); each
 * function's text (its name as folded, with the suffix) is interned once,
 * and those sums are merged by their texts: two different functions that
 * format the same (two libraries with a function of the same name) are
 * one line.  Lines are sorted from the interned texts, comparing
 * characters only where two stacks' texts differ, and are formatted one
 * at a time as they are written: keeping every formatted line in memory
 * took gigabytes with millions of distinct stacks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export/folded.h"
#include "lib/hmap.h"
#include "lib/utf8.h"
#include "lib/util.h"

struct stack {
	unsigned int nr;	/* texts: the comm, then frames root first */
	__u64 count;
	const char *texts[];
};

struct folded {
	struct hmap stacks;
	struct hmap texts;	/* interned folded texts */
	/* function id * 2 + inlined -> its text, or NULL */
	const char **by_fn;
	struct stack *scratch;
	size_t cap;
	struct buf b;
	bool per_thread;
};

static bool stack_eq(const void *a, const void *b)
{
	const struct stack *x = a, *y = b;

	return x->nr == y->nr &&
	       !memcmp(x->texts, y->texts, x->nr * sizeof(x->texts[0]));
}

/*
 * ';' separates frames and the count follows the last space of a line;
 * control characters were replaced when the names were interned.
 * Ill-formed UTF-8 is repaired by fold(): inferno's reader refuses a
 * line that is not UTF-8, speedscope's decodes it to U+FFFD anyway.
 */
static char folded_char(char c)
{
	return c == ';' || c == '\n' || c == '\r' || c == '\t' ? '_' : c;
}

/* The interned folded text of @name followed by @suffix. */
static const char *fold(struct folded *f, const char *name,
			const char *suffix)
{
	char *repaired = NULL;
	const char *c;
	int err = 0;

	if (!utf8__valid(name)) {
		repaired = utf8__repair(name);
		if (!repaired)
			return NULL;
		name = repaired;
	}
	f->b.len = 0;
	for (c = name; !err && *c; c++) {
		char fc = folded_char(*c);

		err = buf__append(&f->b, &fc, 1);
	}
	free(repaired);
	if (err || buf__append(&f->b, suffix, strlen(suffix) + 1))
		return NULL;
	return hmap__intern_str(&f->texts, f->b.data);
}

static const char *function_text(struct folded *f, const struct profile *p,
				 __u32 fn, bool inlined)
{
	const char **text = &f->by_fn[(size_t)fn * 2 + inlined];
	const struct profile_function *pf = &p->functions[fn];

	if (!*text)
		*text = fold(f, profile__str(p, pf->name),
			     inlined ? "_[i]" : pf->kernel ? "_[k]" :
			     pf->jit ? "_[j]" : "");
	return *text;
}

/*
 * The root text of thread @t's samples: its process name, or per thread
 * "comm-PID/TID" with spaces made '_' (stackcollapse-perf.pl --tid).
 */
static const char *root_text(struct folded *f, const struct profile *p,
			     __u32 t)
{
	const struct profile_thread *th = &p->threads[t];
	const char *name = profile__str(p, th->comm);
	char *root, *c;
	const char *text;

	if (!name[0])
		name = "[unknown]";
	if (!f->per_thread)
		return fold(f, name, "");
	if (asprintf(&root, "%s-%u/%u", name, th->pid, th->tid) < 0)
		return NULL;
	for (c = root; *c; c++)
		if (*c == ' ')
			*c = '_';
	text = fold(f, root, "");
	free(root);
	return text;
}

/*
 * Add @count samples of @stack run by thread @t: a process named as
 * its, or per thread that thread.
 */
static int add_stack(struct folded *f, const struct profile *p, __u32 t,
		     __u32 stack, __u64 count)
{
	const struct profile_stack *ps = &p->stacks[stack];
	unsigned int i, j, n = 1;
	struct stack *key, *st;
	size_t size;
	__u64 h;

	for (i = 0; i < ps->nr; i++)
		n += 1 + p->locations[ps->locs[i]].nr_inlined;
	if (f->cap < n) {
		size_t cap = n;

		free(f->scratch);
		f->scratch = malloc(sizeof(*key) + cap * sizeof(key->texts[0]));
		if (!f->scratch)
			return -ENOMEM;
		f->cap = cap;
	}
	key = f->scratch;
	key->nr = n;
	key->texts[0] = root_text(f, p, t);
	if (!key->texts[0])
		return -ENOMEM;
	/*
	 * Frames come leaf first; folded lines go root first: a location's
	 * function, then what was inlined into it, innermost last.
	 */
	for (i = 0, n = 1; i < ps->nr; i++) {
		const struct profile_location *loc =
			&p->locations[ps->locs[ps->nr - 1 - i]];

		key->texts[n++] = function_text(f, p, loc->function, false);
		for (j = loc->nr_inlined; j-- > 0;)
			key->texts[n++] = function_text(f, p,
				p->lines[loc->inlined + j].function, true);
	}
	for (i = 0; i < n; i++)
		if (!key->texts[i])
			return -ENOMEM;
	size = key->nr * sizeof(key->texts[0]);
	h = hash_bytes(key->texts, size, 0);
	st = hmap__find(&f->stacks, h, key);
	if (!st) {
		st = malloc(sizeof(*st) + size);
		if (!st)
			return -ENOMEM;
		memcpy(st, key, sizeof(*st) + size);
		st->count = 0;
		if (hmap__insert(&f->stacks, h, st, st)) {
			free(st);
			return -ENOMEM;
		}
	}
	st->count = sat_add_u64(st->count, count);
	return 0;
}

/*
 * Sum the samples per (root, stack), then fold each sum: a stack's texts
 * are looked up once, not once per sample.  Nearly every stack runs
 * under one root: its sum sits in arrays indexed by stack, and only a
 * stack seen under a second root goes to a hash map.  A root is a
 * thread's name (an id in the strings) or, per thread, the thread; each
 * sum keeps a thread of its root, @thread, to name it.
 */
struct other {
	__u64 sum;
	__u32 thread;
};

static int add_samples(struct folded *f, const struct profile *p)
{
	__u32 *comm = malloc((p->nr_stacks + 1) * sizeof(*comm));
	__u32 *thread = malloc((p->nr_stacks + 1) * sizeof(*thread));
	__u64 *sum = calloc(p->nr_stacks + 1, sizeof(*sum));
	/* root << 32 | stack -> struct other */
	struct hmap others;
	struct hmap_entry *e;
	size_t i;
	int err = 0;

	hmap__init(&others, NULL);
	if (!comm || !thread || !sum)
		err = -ENOMEM;
	for (i = 0; !err && i < p->nr_stacks; i++)
		comm[i] = UINT32_MAX;
	for (i = 0; !err && i < p->nr_samples; i++) {
		const struct profile_sample *s = &p->samples[i];
		__u32 c = f->per_thread ? s->thread : p->threads[s->thread].comm;
		struct other *other;
		__u64 key;

		if (comm[s->stack] == UINT32_MAX) {
			comm[s->stack] = c;
			thread[s->stack] = s->thread;
		}
		if (comm[s->stack] == c) {
			sum[s->stack] = sat_add_u64(sum[s->stack], s->count);
			continue;
		}
		key = (__u64)c << 32 | s->stack;
		other = hmap__find(&others, hash_u64(key), (void *)key);
		if (!other) {
			other = calloc(1, sizeof(*other));
			if (!other || hmap__insert(&others, hash_u64(key),
						   (void *)key, other)) {
				free(other);
				err = -ENOMEM;
				break;
			}
			other->thread = s->thread;
		}
		other->sum = sat_add_u64(other->sum, s->count);
	}
	for (i = 0; !err && i < p->nr_stacks; i++)
		if (sum[i])
			err = add_stack(f, p, thread[i], i, sum[i]);
	hmap__for_each(&others, e) {
		__u64 key = (__u64)(unsigned long)e->key;
		struct other *other = e->val;

		if (!err)
			err = add_stack(f, p, other->thread, (__u32)key,
					other->sum);
		free(other);
	}
	hmap__free(&others);
	free(comm);
	free(thread);
	free(sum);
	return err;
}

/*
 * The order of two different texts followed by ';' (@x_more, @y_more) or
 * by the end of the line, as strcmp() orders the whole lines.
 */
static int cmp_text(const char *x, bool x_more, const char *y, bool y_more)
{
	int cx, cy;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	cx = *x ? (unsigned char)*x : x_more ? ';' : -1;
	cy = *y ? (unsigned char)*y : y_more ? ';' : -1;
	return cx < cy ? -1 : cx > cy;
}

static int cmp_stack(const void *a, const void *b)
{
	const struct stack *x = *(struct stack * const *)a;
	const struct stack *y = *(struct stack * const *)b;
	unsigned int i;

	for (i = 0; i < x->nr && i < y->nr; i++)
		if (x->texts[i] != y->texts[i])
			return cmp_text(x->texts[i], i + 1 < x->nr,
					y->texts[i], i + 1 < y->nr);
	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

/* Returns 0 or the -errno of the failing write (-EPIPE: reader gone). */
static int write_lines(struct stack **arr, size_t nr, FILE *out)
{
	size_t i;
	unsigned int j;

	for (i = 0; i < nr; i++) {
		for (j = 0; j < arr[i]->nr; j++)
			if (fputs(arr[i]->texts[j], out) < 0 ||
			    (j + 1 < arr[i]->nr && putc(';', out) < 0))
				return -errno;
		if (fprintf(out, " %llu\n",
			    (unsigned long long)arr[i]->count) < 0)
			return -errno;
	}
	return fflush(out) ? -errno : 0;
}

int folded__write(const struct profile *p, FILE *out)
{
	return folded__write_opts(p, NULL, out);
}

int folded__write_opts(const struct profile *p, const struct folded_opts *o,
		       FILE *out)
{
	struct folded f = { .per_thread = o && o->per_thread };
	struct hmap_entry *e;
	struct stack **arr = NULL;
	size_t nr = 0;
	int err;

	hmap__init(&f.stacks, stack_eq);
	hmap__init(&f.texts, hmap_str_eq);
	f.by_fn = calloc(2 * (size_t)p->nr_functions + 1, sizeof(*f.by_fn));
	err = f.by_fn ? add_samples(&f, p) : -ENOMEM;
	if (!err) {
		arr = calloc(f.stacks.nr + 1, sizeof(*arr));
		if (!arr)
			err = -ENOMEM;
	}
	if (!err) {
		hmap__for_each(&f.stacks, e)
			arr[nr++] = e->val;
		qsort(arr, nr, sizeof(*arr), cmp_stack);
		err = write_lines(arr, nr, out);
	}
	hmap__for_each(&f.stacks, e)
		free(e->val);
	hmap__for_each(&f.texts, e)
		free(e->val);
	hmap__free(&f.stacks);
	hmap__free(&f.texts);
	free(arr);
	free(f.by_fn);
	free(f.scratch);
	buf__free(&f.b);
	return err;
}
