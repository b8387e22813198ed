/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lib layer: a hash set of dense ids (0, 1, 2...) whose keys live in the
 * caller's own arrays.  Each slot is 8 bytes (the id and 32 bits of its
 * hash), a quarter of a struct hmap_entry, and holds no pointer to chase
 * until the hash bits match: the table for a million distinct stacks
 * stays small and mostly in cache.  The caller compares keys: @eq gets
 * the candidate id and the key being looked up.
 *
 * Single-threaded.  Ids must be below UINT32_MAX; at most 2^31 of them.
 */
#ifndef SONDE_IDTABLE_H
#define SONDE_IDTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct idtable_slot {
	__u32 id_plus1;		/* 0: empty */
	__u32 hash_tag;		/* the hash folded to 32 bits */
};

struct idtable {
	struct idtable_slot *slots;
	size_t cap;		/* a power of two, or 0 */
	size_t nr;
};

typedef bool (*idtable_eq_fn)(const void *ctx, __u32 id, const void *key);

void idtable__init(struct idtable *t);
void idtable__free(struct idtable *t);
/* The id of @key (hashed to @hash), or -1 when absent. */
long idtable__find(const struct idtable *t, __u64 hash, idtable_eq_fn eq,
		   const void *ctx, const void *key);
/* Add @id, hashed to @hash, which must not be present.  0 or -ENOMEM. */
int idtable__insert(struct idtable *t, __u64 hash, __u32 id);

#endif /* SONDE_IDTABLE_H */
