// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: the hash map behind every table sonde builds: seen processes
 * while recording, DSOs, interned frames and stacks while reporting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"

void hmap__init(struct hmap *m, hmap_eq_fn eq)
{
	memset(m, 0, sizeof(*m));
	m->eq = eq;
}

void hmap__free(struct hmap *m)
{
	free(m->ents);
	m->ents = NULL;
	m->cap = 0;
	m->nr = 0;
}

static bool key_eq(const struct hmap *m, const struct hmap_entry *e,
		   __u64 hash, const void *key)
{
	if (e->hash != hash)
		return false;
	return m->eq ? m->eq(e->key, key) : e->key == key;
}

void *hmap__find(const struct hmap *m, __u64 hash, const void *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = hash & (m->cap - 1); m->ents[i].used;
	     i = (i + 1) & (m->cap - 1))
		if (key_eq(m, &m->ents[i], hash, key))
			return m->ents[i].val;
	return NULL;
}

static void place(struct hmap_entry *ents, size_t cap,
		  const struct hmap_entry *e)
{
	size_t i;

	for (i = e->hash & (cap - 1); ents[i].used; i = (i + 1) & (cap - 1))
		;
	ents[i] = *e;
}

int hmap__insert(struct hmap *m, __u64 hash, const void *key, void *val)
{
	struct hmap_entry e = { hash, key, val, true };

	/* Keep the load under 1/2 so probe chains stay short. */
	if ((m->nr + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64, i;
		struct hmap_entry *ents = calloc(cap, sizeof(*ents));

		if (!ents)
			return -ENOMEM;
		for (i = 0; i < m->cap; i++)
			if (m->ents[i].used)
				place(ents, cap, &m->ents[i]);
		free(m->ents);
		m->ents = ents;
		m->cap = cap;
	}
	place(m->ents, m->cap, &e);
	m->nr++;
	return 0;
}

/*
 * Linear probing's deletion without tombstones (Knuth's algorithm R): the
 * entries after the hole in its probe run move back into it unless their
 * home slot lies cyclically after the hole, where a lookup would not pass
 * it.
 */
void *hmap__remove(struct hmap *m, __u64 hash, const void *key)
{
	size_t i, j, home, mask;
	void *val;

	if (!m->cap)
		return NULL;
	mask = m->cap - 1;
	for (i = hash & mask; m->ents[i].used; i = (i + 1) & mask)
		if (key_eq(m, &m->ents[i], hash, key))
			break;
	if (!m->ents[i].used)
		return NULL;
	val = m->ents[i].val;
	m->nr--;
	for (j = i;;) {
		m->ents[i].used = false;
		do {
			j = (j + 1) & mask;
			if (!m->ents[j].used)
				return val;
			home = m->ents[j].hash & mask;
		} while (i <= j ? i < home && home <= j :
				  i < home || home <= j);
		m->ents[i] = m->ents[j];
		i = j;
	}
}

__u64 hash_bytes(const void *p, size_t len, __u64 seed)
{
	const unsigned char *c = p;
	__u64 h = 0xcbf29ce484222325ULL ^ seed;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return hash_u64(h);
}

__u64 hash_u64(__u64 v)
{
	/* splitmix64 finalizer: spreads the low bits we index with. */
	v ^= v >> 30;
	v *= 0xbf58476d1ce4e5b9ULL;
	v ^= v >> 27;
	v *= 0x94d049bb133111ebULL;
	v ^= v >> 31;
	return v;
}

__u64 hash_u32s(const __u32 *w, size_t n)
{
	__u64 h = 0x9e3779b97f4a7c15ULL ^ n;
	size_t i;

	/* Two words per multiply; hash_u64() mixes the result. */
	for (i = 0; i + 1 < n; i += 2)
		h = (h ^ ((__u64)w[i] << 32 | w[i + 1])) * 0xff51afd7ed558ccdULL;
	if (i < n)
		h = (h ^ w[i]) * 0xff51afd7ed558ccdULL;
	return hash_u64(h);
}

bool hmap_str_eq(const void *a, const void *b)
{
	return !strcmp(a, b);
}

const char *hmap__intern_str(struct hmap *m, const char *str)
{
	__u64 h = hash_str(str);
	char *p = hmap__find(m, h, str);

	if (p)
		return p;
	p = strdup(str);
	if (!p || hmap__insert(m, h, p, p)) {
		free(p);
		return NULL;
	}
	return p;
}

__u64 hash_str(const char *s)
{
	return hash_bytes(s, strlen(s), 0);
}

struct hmap_entry *hmap__next(const struct hmap *m, struct hmap_entry *e)
{
	e = e ? e + 1 : m->ents;
	for (; m->ents && e < m->ents + m->cap; e++)
		if (e->used)
			return e;
	return NULL;
}
