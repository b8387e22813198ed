/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lib layer: an open-addressing hash map from caller-hashed keys to
 * values. Keys are opaque pointers owned by the caller, compared with @eq,
 * or by identity when @eq is NULL (so small integers can be keys, cast).
 */
#ifndef SONDE_HMAP_H
#define SONDE_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

typedef bool (*hmap_eq_fn)(const void *a, const void *b);

struct hmap_entry {
	__u64 hash;
	const void *key;
	void *val;
	bool used;
};

struct hmap {
	struct hmap_entry *ents;
	size_t cap;		/* a power of two, or 0 */
	size_t nr;
	hmap_eq_fn eq;
};

void hmap__init(struct hmap *m, hmap_eq_fn eq);
void hmap__free(struct hmap *m);
void *hmap__find(const struct hmap *m, __u64 hash, const void *key);
/* Insert @key, which must not be present yet. */
int hmap__insert(struct hmap *m, __u64 hash, const void *key, void *val);
/*
 * hmap__remove - take @key out of @m.  Returns its value, or NULL when it
 * was not there.  Entries found with hmap__next() may move: do not remove
 * while walking.
 */
void *hmap__remove(struct hmap *m, __u64 hash, const void *key);

__u64 hash_bytes(const void *p, size_t len, __u64 seed);
__u64 hash_u64(__u64 v);
__u64 hash_str(const char *s);
/* hash_u32s - @n 32-bit words, a word at a time (faster than bytes). */
__u64 hash_u32s(const __u32 *w, size_t n);

/* An @eq for keys that are strings. */
bool hmap_str_eq(const void *a, const void *b);
/*
 * hmap__intern_str - the copy of @str that @m (a set of strings: keys and
 * values are the same malloc'd copies, @eq hmap_str_eq) holds, made when
 * new.  NULL when out of memory.  The caller frees the copies.
 */
const char *hmap__intern_str(struct hmap *m, const char *str);

/* The used entry after @e (the first with @e NULL), or NULL. */
struct hmap_entry *hmap__next(const struct hmap *m, struct hmap_entry *e);

#define hmap__for_each(m, e)						\
	for ((e) = hmap__next((m), NULL); (e); (e) = hmap__next((m), (e)))

#endif /* SONDE_HMAP_H */
