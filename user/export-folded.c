// SPDX-License-Identifier: GPL-2.0
/*
 * Folded stacks, the input of flamegraph.pl, inferno and
 * speedscope: one line per distinct stack,
 *
 *   comm;root;...;leaf COUNT
 *
 * with kernel frames suffixed "_[k]" (bcc's convention).  Lines are sorted
 * so that the same recording always exports the same bytes.
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

/* ';' separates frames and the count follows the last space of a line. */
static int put_name(struct buf *b, const char *name)
{
	int err = 0;

	for (; *name && !err; name++) {
		char c = *name;

		if (c == ';' || c == '\n' || c == '\r' || c == '\t')
			c = '_';
		err = buf__append(b, &c, 1);
	}
	return err;
}

static int format_line(const struct stack *st, struct buf *b)
{
	unsigned int i;
	char count[32];
	int err;

	b->len = 0;
	err = put_name(b, st->comm[0] ? st->comm : "[unknown]");
	for (i = 0; !err && i < st->nr; i++) {
		err = buf__append(b, ";", 1);
		if (!err)
			err = put_name(b, st->ids[i]->name);
		if (!err && st->ids[i]->kernel)
			err = buf__append(b, "_[k]", 4);
	}
	snprintf(count, sizeof(count), " %llu", (unsigned long long)st->count);
	if (!err)
		err = buf__append(b, count, strlen(count) + 1);
	return err;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

int export_folded(struct session *s, FILE *out)
{
	struct folded f = { 0 };
	struct hmap_entry *e;
	struct buf b = { 0 };
	char **lines = NULL;
	size_t nr = 0, i;
	int err;

	hmap__init(&f.stacks, stack_eq);
	err = session__iter_samples(s, add_cb, &f);
	if (!err) {
		lines = calloc(f.stacks.nr + 1, sizeof(*lines));
		if (!lines)
			err = -ENOMEM;
	}
	hmap__for_each(&f.stacks, e) {
		if (!err) {
			err = format_line(e->val, &b);
			if (!err) {
				lines[nr] = strdup(b.data);
				err = lines[nr] ? 0 : -ENOMEM;
				nr += !err;
			}
		}
		free(e->val);
	}
	if (!err) {
		qsort(lines, nr, sizeof(*lines), cmp_line);
		/* -errno of the failing write: -EPIPE is a closed reader. */
		for (i = 0; i < nr && !err; i++)
			if (fprintf(out, "%s\n", lines[i]) < 0)
				err = -errno;
		if (!err && fflush(out))
			err = -errno;
	}
	for (i = 0; i < nr; i++)
		free(lines[i]);
	free(lines);
	buf__free(&b);
	free(f.scratch);
	hmap__free(&f.stacks);
	return err;
}
