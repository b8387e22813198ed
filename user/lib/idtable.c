// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: a hash set of dense ids (idtable.h).  Linear probing at a
 * load of at most one half.  The 64-bit hash is folded to a 32-bit tag
 * that is kept in the slot: its low bits pick the slot (so growing the
 * table needs nothing else), and comparing all of it ends most probes
 * without calling @eq.
 */
#include <errno.h>
#include <stdlib.h>

#include "lib/idtable.h"
#include "lib/util.h"

void idtable__init(struct idtable *t)
{
	t->slots = NULL;
	t->cap = 0;
	t->nr = 0;
}

void idtable__free(struct idtable *t)
{
	free(t->slots);
	idtable__init(t);
}

static __u32 tag_of(__u64 hash)
{
	return (__u32)(hash ^ (hash >> 32));
}

long idtable__find(const struct idtable *t, __u64 hash, idtable_eq_fn eq,
		   const void *ctx, const void *key)
{
	__u32 tag = tag_of(hash);
	size_t i;

	if (!t->cap)
		return -1;
	for (i = tag & (t->cap - 1); t->slots[i].id_plus1;
	     i = (i + 1) & (t->cap - 1))
		if (t->slots[i].hash_tag == tag &&
		    eq(ctx, t->slots[i].id_plus1 - 1, key))
			return t->slots[i].id_plus1 - 1;
	return -1;
}

static void place(struct idtable_slot *slots, size_t cap, __u32 id_plus1,
		  __u32 tag)
{
	size_t i;

	for (i = tag & (cap - 1); slots[i].id_plus1; i = (i + 1) & (cap - 1))
		;
	slots[i].id_plus1 = id_plus1;
	slots[i].hash_tag = tag;
}

static int resize(struct idtable *t, size_t cap)
{
	struct idtable_slot *slots = calloc(cap, sizeof(*slots));
	size_t i;

	if (!slots)
		return -ENOMEM;
	advise_huge(slots, cap * sizeof(*slots));
	for (i = 0; i < t->cap; i++)
		if (t->slots[i].id_plus1)
			place(slots, cap, t->slots[i].id_plus1,
			      t->slots[i].hash_tag);
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

int idtable__insert(struct idtable *t, __u64 hash, __u32 id)
{
	if ((t->nr + 1) * 2 > t->cap &&
	    resize(t, t->cap ? t->cap * 2 : 64))
		return -ENOMEM;
	place(t->slots, t->cap, id + 1, tag_of(hash));
	t->nr++;
	return 0;
}
