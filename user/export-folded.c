// SPDX-License-Identifier: GPL-2.0
/*
 * Folded stacks, the input of flamegraph.pl, inferno and
 * speedscope: one line per distinct stack,
 *
 *   comm;root;...;leaf COUNT
 *
 * with kernel frames suffixed "_[k]" (bcc's convention).  Lines are sorted
 * so that the same recording always exports the same bytes, and stacks
 * that format the same are merged into one line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export-folded.h"
#include "hmap.h"
#include "util.h"

struct stack {
	const char *comm;
	unsigned int nr;
	__u64 count;
	const struct frame_id *ids[];	/* root first */
};

struct folded {
	struct hmap stacks;
	const struct frame_id **scratch;
	size_t cap;
};

static bool stack_eq(const void *a, const void *b)
{
	const struct stack *x = a, *y = b;

	return x->comm == y->comm && x->nr == y->nr &&
	       !memcmp(x->ids, y->ids, x->nr * sizeof(x->ids[0]));
}

static int add_cb(const struct sample_view *v, void *ctx)
{
	struct folded *f = ctx;
	struct stack *key, *st;
	unsigned int i;
	__u64 h;

	if (f->cap < v->nr_frames + 1) {
		size_t cap = v->nr_frames + 1;

		free(f->scratch);
		f->scratch = malloc(sizeof(struct stack) +
				    cap * sizeof(f->scratch[0]));
		if (!f->scratch)
			return -ENOMEM;
		f->cap = cap;
	}
	key = (struct stack *)f->scratch;
	key->comm = v->comm;
	key->nr = v->nr_frames;
	/* Frames come leaf first; folded lines go root first. */
	for (i = 0; i < v->nr_frames; i++)
		key->ids[i] = v->frames[v->nr_frames - 1 - i].id;
	h = hash_bytes(key->ids, key->nr * sizeof(key->ids[0]),
		       (unsigned long)key->comm);
	st = hmap__find(&f->stacks, h, key);
	if (!st) {
		size_t size = sizeof(*st) + key->nr * sizeof(key->ids[0]);

		st = malloc(size);
		if (!st)
			return -ENOMEM;
		memcpy(st, key, size);
		st->count = 0;
		if (hmap__insert(&f->stacks, h, st, st)) {
			free(st);
			return -ENOMEM;
		}
	}
	st->count++;
	return 0;
}

/*
 * ';' separates frames and the count follows the last space of a line;
 * control characters were replaced when the names were interned.
 */
static char folded_char(char c)
{
	return c == ';' || c == '\n' || c == '\r' || c == '\t' ? '_' : c;
}

static int put_name(struct buf *b, const char *name)
{
	int err = 0;

	for (; *name && !err; name++) {
		char c = folded_char(*name);

		err = buf__append(b, &c, 1);
	}
	return err;
}

static const char *comm_of(const struct stack *st)
{
	return st->comm[0] ? st->comm : "[unknown]";
}

/* The line of @st without its count, NUL-terminated, in @b. */
static int format_stack(const struct stack *st, struct buf *b)
{
	unsigned int i;
	int err;

	b->len = 0;
	err = put_name(b, comm_of(st));
	for (i = 0; !err && i < st->nr; i++) {
		err = buf__append(b, ";", 1);
		if (!err)
			err = put_name(b, st->ids[i]->name);
		if (!err && st->ids[i]->kernel)
			err = buf__append(b, "_[k]", 4);
	}
	return err;
}

/*
 * struct cursor - the characters format_stack() would produce, one at a
 * time, so that stacks sort by their text without every line being kept
 * formatted in memory (2M distinct stacks took gigabytes that way).
 */
struct cursor {
	const struct stack *st;
	const char *p;
	unsigned int next;	/* frame to start after *p */
	bool kernel;		/* "_[k]" follows *p */
};

static int cursor_next(struct cursor *c)
{
	while (!*c->p) {
		const struct frame_id *id;

		if (c->kernel) {
			c->kernel = false;
			c->p = "_[k]";
			continue;
		}
		if (c->next >= c->st->nr)
			return -1;
		id = c->st->ids[c->next++];
		c->p = id->name;
		c->kernel = id->kernel;
		return ';';
	}
	return (unsigned char)folded_char(*c->p++);
}

static int cmp_stack(const void *a, const void *b)
{
	const struct stack *sa = *(struct stack * const *)a;
	const struct stack *sb = *(struct stack * const *)b;
	struct cursor x = { .st = sa, .p = comm_of(sa) };
	struct cursor y = { .st = sb, .p = comm_of(sb) };

	for (;;) {
		int cx = cursor_next(&x), cy = cursor_next(&y);

		if (cx != cy)
			return cx < cy ? -1 : 1;
		if (cx < 0)
			return 0;
	}
}

/*
 * Two different stacks can format the same (two libraries with a function
 * of the same name): they are one line, merged once sorted.  Returns 0 or
 * the -errno of the failing write (-EPIPE: the reader went away).
 */
static int write_lines(struct stack **arr, size_t nr, FILE *out)
{
	struct buf b = { 0 };
	size_t i, j;
	int err = 0;

	for (i = 0; i < nr && !err; i = j) {
		__u64 count = arr[i]->count;

		for (j = i + 1; j < nr && !cmp_stack(&arr[i], &arr[j]); j++)
			count = sat_add_u64(count, arr[j]->count);
		err = format_stack(arr[i], &b);
		if (!err)
			err = buf__append(&b, "", 1);
		if (!err && fprintf(out, "%s %llu\n", b.data,
				    (unsigned long long)count) < 0)
			err = -errno;
	}
	if (!err && fflush(out))
		err = -errno;
	buf__free(&b);
	return err;
}

int export_folded(struct session *s, FILE *out)
{
	struct folded f = { 0 };
	struct hmap_entry *e;
	struct stack **arr = NULL;
	size_t nr = 0;
	int err;

	hmap__init(&f.stacks, stack_eq);
	err = session__iter_samples(s, add_cb, &f);
	if (!err) {
		arr = calloc(f.stacks.nr + 1, sizeof(*arr));
		if (!arr)
			err = -ENOMEM;
	}
	if (!err) {
		hmap__for_each(&f.stacks, e)
			arr[nr++] = e->val;
		/* Lines sorted: one recording always exports the same bytes. */
		qsort(arr, nr, sizeof(*arr), cmp_stack);
		err = write_lines(arr, nr, out);
	}
	hmap__for_each(&f.stacks, e)
		free(e->val);
	free(arr);
	free(f.scratch);
	hmap__free(&f.stacks);
	return err;
}
