// SPDX-License-Identifier: GPL-2.0
/*
 * Folded stacks, the input of flamegraph.pl, inferno and
 * speedscope: one line per distinct stack,
 *
 *   comm;root;...;leaf COUNT
 *
 * with kernel frames suffixed "_[k]" (bcc's convention).  Lines are sorted
 * so that the same recording always exports the same bytes.
 *
 * Each frame's text (its name as folded, with the suffix) is interned once
 * per frame id, and stacks are keyed by those texts: two different frames
 * that format the same (two libraries with a function of the same name)
 * are one line.  Lines are sorted from the interned texts, comparing
 * characters only where two stacks' texts differ, and are formatted one
 * at a time as they are written: keeping every formatted line in memory
 * took gigabytes with millions of distinct stacks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export/folded.h"
#include "lib/hmap.h"
#include "lib/util.h"

struct stack {
	unsigned int nr;	/* texts: the comm, then frames root first */
	__u64 count;
	const char *texts[];
};

struct folded {
	struct hmap stacks;
	struct hmap texts;	/* interned folded texts */
	const char **by_id;	/* frame_id.idx -> its text, or NULL */
	size_t nr_by_id;
	struct stack *scratch;
	size_t cap;
	struct buf b;
};

static bool stack_eq(const void *a, const void *b)
{
	const struct stack *x = a, *y = b;

	return x->nr == y->nr &&
	       !memcmp(x->texts, y->texts, x->nr * sizeof(x->texts[0]));
}

static bool str_eq(const void *a, const void *b)
{
	return !strcmp(a, b);
}

/*
 * ';' separates frames and the count follows the last space of a line;
 * control characters were replaced when the names were interned.
 */
static char folded_char(char c)
{
	return c == ';' || c == '\n' || c == '\r' || c == '\t' ? '_' : c;
}

/* The interned folded text of @name (+ "_[k]" with @kernel). */
static const char *fold(struct folded *f, const char *name, bool kernel)
{
	char *p;
	__u64 h;

	f->b.len = 0;
	for (; *name; name++) {
		char c = folded_char(*name);

		if (buf__append(&f->b, &c, 1))
			return NULL;
	}
	if ((kernel && buf__append(&f->b, "_[k]", 4)) ||
	    buf__append(&f->b, "", 1))
		return NULL;
	h = hash_str(f->b.data);
	p = hmap__find(&f->texts, h, f->b.data);
	if (p)
		return p;
	p = strdup(f->b.data);
	if (!p || hmap__insert(&f->texts, h, p, p)) {
		free(p);
		return NULL;
	}
	return p;
}

static const char *frame_text(struct folded *f, const struct frame_id *id)
{
	if (id->idx >= f->nr_by_id) {
		size_t n = 2 * (id->idx + 1);
		const char **p = reallocarray(f->by_id, n, sizeof(*p));

		if (!p)
			return NULL;
		memset(p + f->nr_by_id, 0, (n - f->nr_by_id) * sizeof(*p));
		f->by_id = p;
		f->nr_by_id = n;
	}
	if (!f->by_id[id->idx])
		f->by_id[id->idx] = fold(f, id->name, id->kernel);
	return f->by_id[id->idx];
}

static int add_cb(const struct sample_view *v, void *ctx)
{
	struct folded *f = ctx;
	struct stack *key = f->scratch, *st;
	unsigned int i;
	size_t size;
	__u64 h;

	if (f->cap < v->nr_frames + 1) {
		size_t cap = v->nr_frames + 1;

		free(f->scratch);
		f->scratch = malloc(sizeof(*key) + cap * sizeof(key->texts[0]));
		if (!f->scratch)
			return -ENOMEM;
		f->cap = cap;
		key = f->scratch;
	}
	key->nr = v->nr_frames + 1;
	key->texts[0] = fold(f, v->comm[0] ? v->comm : "[unknown]", false);
	if (!key->texts[0])
		return -ENOMEM;
	/* Frames come leaf first; folded lines go root first. */
	for (i = 0; i < v->nr_frames; i++) {
		key->texts[i + 1] = frame_text(f,
					v->frames[v->nr_frames - 1 - i].id);
		if (!key->texts[i + 1])
			return -ENOMEM;
	}
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
	st->count = sat_add_u64(st->count, 1);
	return 0;
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

int export_folded(struct session *s, FILE *out)
{
	struct folded f = { 0 };
	struct hmap_entry *e;
	struct stack **arr = NULL;
	size_t nr = 0;
	int err;

	hmap__init(&f.stacks, stack_eq);
	hmap__init(&f.texts, str_eq);
	err = session__iter_samples(s, add_cb, &f);
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
	free(f.by_id);
	free(f.scratch);
	buf__free(&f.b);
	return err;
}
