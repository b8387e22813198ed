// SPDX-License-Identifier: GPL-2.0
/*
 * Profile layer: the tables of a profile being built (builder.h):
 * interned strings, mappings, functions, threads and processes, each
 * added once and found again by value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/untrusted.h"
#include "lib/util.h"
#include "profile/builder.h"

static bool func_key_eq(const void *a, const void *b)
{
	const struct func_key *x = a, *y = b;

	return x->name == y->name && x->dso == y->dso &&
	       x->kernel == y->kernel;
}

static bool map_key_eq(const void *a, const void *b)
{
	const struct map_key *x = a, *y = b;

	return x->start == y->start && x->limit == y->limit &&
	       x->offset == y->offset && x->kernel == y->kernel &&
	       x->build_id_size == y->build_id_size &&
	       (!x->build_id_size ||
		!memcmp(x->build_id, y->build_id, x->build_id_size)) &&
	       !strcmp(x->raw_path, y->raw_path);
}

static __u64 map_key_hash(const struct map_key *k)
{
	return hash_str(k->raw_path) ^
	       hash_bytes(k->build_id, k->build_id_size, k->kernel) ^
	       hash_u64(k->start ^ hash_u64(k->limit ^ hash_u64(k->offset)));
}

/* Room for one more element in *@arr of *@cap (doubling). */
int builder__grow(void *arr, size_t *cap, size_t nr, size_t size)
{
	void **p = arr;
	size_t n;
	void *q;

	if (nr < *cap)
		return 0;
	n = *cap ? *cap * 2 : 64;
	q = reallocarray(*p, n, size);
	if (!q)
		return -ENOMEM;
	advise_huge(q, n * size);
	*p = q;
	*cap = n;
	return 0;
}

/* ---- interning ---- */

int builder__intern(struct builder *b, const char *str, __u32 *id)
{
	struct profile *p = b->p;
	__u64 h = hash_str(str);
	unsigned long v = (unsigned long)hmap__find(&b->strings, h, str);
	char *copy;

	if (v) {
		*id = v - 1;
		return 0;
	}
	if (builder__grow(&p->strings, &b->cap_strings, p->nr_strings,
			  sizeof(*p->strings)))
		return -ENOMEM;
	copy = strdup(str);
	if (!copy || hmap__insert(&b->strings, h, copy,
				  (void *)(unsigned long)(p->nr_strings + 1))) {
		free(copy);
		return -ENOMEM;
	}
	p->strings[p->nr_strings] = copy;
	*id = p->nr_strings++;
	return 0;
}

/* The id of a string the symbolizer interned: by its pointer. */
int builder__intern_sym(struct builder *b, const char *str, __u32 *id)
{
	__u64 h = hash_u64((unsigned long)str);
	unsigned long v = (unsigned long)hmap__find(&b->str_by_ptr, h, str);
	int err;

	if (v) {
		*id = v - 1;
		return 0;
	}
	err = builder__intern(b, str, id);
	if (!err && hmap__insert(&b->str_by_ptr, h, str,
				 (void *)(unsigned long)(*id + 1)))
		err = -ENOMEM;
	return err;
}

/*
 * The mapping of @key: *@added says it is new, and its path and build-id
 * are the caller's to set.
 */
static int add_mapping(struct builder *b, const struct map_key *key,
		       __u32 *id, bool *added)
{
	struct profile *p = b->p;
	__u64 h = map_key_hash(key);
	struct map_key *k = hmap__find(&b->mappings, h, key);
	struct profile_mapping *m;

	*added = false;
	if (k) {
		*id = k->id;
		return 0;
	}
	if (builder__grow(&p->mappings, &b->cap_mappings, p->nr_mappings,
			  sizeof(*p->mappings)))
		return -ENOMEM;
	k = malloc(sizeof(*k));
	if (!k)
		return -ENOMEM;
	*k = *key;
	k->id = p->nr_mappings;
	if (hmap__insert(&b->mappings, h, k, k)) {
		free(k);
		return -ENOMEM;
	}
	m = &p->mappings[p->nr_mappings++];
	memset(m, 0, sizeof(*m));
	m->start = key->start;
	m->limit = key->limit;
	m->offset = key->offset;
	m->kernel = key->kernel;
	*added = true;
	*id = k->id;
	return 0;
}

int builder__pseudo_mapping(struct builder *b, const struct symbol *sym,
			    __u32 *id)
{
	struct map_key key = { .raw_path = sym->dso, .kernel = sym->kernel };
	bool added;
	int err;

	err = add_mapping(b, &key, id, &added);
	if (!err && added)
		err = builder__intern_sym(b, sym->dso,
					  &b->p->mappings[*id].path);
	return err;
}

/* A recorded build-id's room: snapshot__parse() bounds its size by it. */
#define MAP_BUILD_ID_BYTES	sizeof(((struct srec_map *)0)->build_id)

/* Set the printable path and hex build-id of the new mapping @id of @m. */
static int name_mapping(struct builder *b, const struct map *m, __u32 id)
{
	char hex[2 * MAP_BUILD_ID_BYTES + 1];
	struct profile_mapping *pm = &b->p->mappings[id];
	char *clean = strdup(m->path);
	unsigned int i;
	int err;

	if (!clean)
		return -ENOMEM;
	text_clean(clean, strlen(clean) + 1, m->path, strlen(m->path));
	err = builder__intern(b, clean, &pm->path);
	free(clean);
	if (!err && m->build_id_size) {
		for (i = 0; i < m->build_id_size && i < MAP_BUILD_ID_BYTES; i++)
			snprintf(hex + 2 * i, 3, "%02x", m->build_id[i]);
		err = builder__intern(b, hex, &pm->build_id);
	}
	return err;
}

int builder__find_mapping(struct builder *b, const struct map *m, __u32 *id)
{
	struct map_key key = {
		.start = m->start,
		.limit = m->end,
		.offset = m->pgoff,
		.raw_path = m->path,
		.build_id = m->build_id,
		.build_id_size = m->build_id_size,
	};
	unsigned long v;
	size_t slot;
	bool added;
	__u64 h;
	int err;

	h = hash_u64((unsigned long)m);
	slot = h % ARRAY_SIZE(b->map_cache);
	if (b->map_cache[slot].map == m) {
		*id = b->map_cache[slot].mapping;
		return 0;
	}
	v = (unsigned long)hmap__find(&b->map_by_ptr, h, m);
	if (v) {
		*id = v - 1;
	} else {
		err = add_mapping(b, &key, id, &added);
		if (!err && added)
			err = name_mapping(b, m, *id);
		if (!err && hmap__insert(&b->map_by_ptr, h, m,
					 (void *)(unsigned long)(*id + 1)))
			err = -ENOMEM;
		if (err)
			return err;
	}
	b->map_cache[slot].map = m;
	b->map_cache[slot].mapping = *id;
	return 0;
}

static int get_function(struct builder *b, const struct symbol *sym,
			__u32 *id)
{
	struct func_key key = { sym->name, sym->dso, sym->kernel, 0 }, *k;
	struct profile *p = b->p;
	struct profile_function *fn;
	__u64 h;
	int err;

	h = hash_u64((unsigned long)sym->name) ^
	    hash_u64((unsigned long)sym->dso + sym->kernel);
	k = hmap__find(&b->functions, h, &key);
	if (k) {
		*id = k->id;
		return 0;
	}
	if (builder__grow(&p->functions, &b->cap_functions, p->nr_functions,
			  sizeof(*p->functions)))
		return -ENOMEM;
	fn = &p->functions[p->nr_functions];
	memset(fn, 0, sizeof(*fn));
	err = builder__intern_sym(b, sym->name, &fn->name) ?:
	      builder__intern_sym(b, sym->dso, &fn->dso);
	if (err)
		return err;
	fn->system_name = fn->name;
	fn->kernel = sym->kernel;
	fn->known = sym->known;
	fn->jit = sym->jit;
	k = malloc(sizeof(*k));
	if (!k)
		return -ENOMEM;
	*k = key;
	k->id = p->nr_functions;
	if (hmap__insert(&b->functions, h, k, k)) {
		free(k);
		return -ENOMEM;
	}
	*id = p->nr_functions++;
	return 0;
}

/*
 * The function of @sym: by the symbolizer's id when it has one (an
 * array), else by name.  Many processes map one file at different
 * addresses: their locations differ, their functions do not.
 */
int builder__function(struct builder *b, const struct symbol *sym,
		      __u32 *id)
{
	size_t n;
	int err;

	if (sym->id == SYMBOL_NO_ID)
		return get_function(b, sym, id);
	if (sym->id < b->cap_fn_by_symbol && b->fn_by_symbol[sym->id]) {
		*id = b->fn_by_symbol[sym->id] - 1;
		return 0;
	}
	err = get_function(b, sym, id);
	if (err)
		return err;
	if (sym->id >= b->cap_fn_by_symbol) {
		__u32 *p;

		n = max_t(size_t, 2 * (size_t)sym->id + 2, 1024);
		p = reallocarray(b->fn_by_symbol, n, sizeof(*p));
		if (!p)
			return -ENOMEM;
		memset(p + b->cap_fn_by_symbol, 0,
		       (n - b->cap_fn_by_symbol) * sizeof(*p));
		b->fn_by_symbol = p;
		b->cap_fn_by_symbol = n;
	}
	b->fn_by_symbol[sym->id] = *id + 1;
	return 0;
}

/* ---- threads and processes ---- */

static __u64 thread_hash(const struct thread_key *k)
{
	return hash_u64((__u64)k->pid << 32 | k->tid) ^ hash_u64(k->comm);
}

static bool thread_eq(const void *ctx, __u32 id, const void *key)
{
	const struct profile_thread *t = &((const struct builder *)ctx)->p->threads[id];
	const struct thread_key *k = key;

	return t->pid == k->pid && t->tid == k->tid && t->comm == k->comm;
}

static bool process_eq(const void *ctx, __u32 id, const void *key)
{
	const struct profile_process *pr =
		&((const struct builder *)ctx)->p->processes[id];
	const struct thread_key *k = key;

	return pr->pid == k->pid && pr->comm == k->comm;
}

static int get_process(struct builder *b, __u32 pid, __u32 comm, __u32 *id)
{
	struct thread_key key = { pid, 0, comm, 0 };
	struct profile *p = b->p;
	__u64 h = thread_hash(&key);
	long known = idtable__find(&b->processes, h, process_eq, b, &key);

	if (known >= 0) {
		*id = known;
		return 0;
	}
	if (builder__grow(&p->processes, &b->cap_processes, p->nr_processes,
			  sizeof(*p->processes)) ||
	    idtable__insert(&b->processes, h, p->nr_processes))
		return -ENOMEM;
	p->processes[p->nr_processes].pid = pid;
	p->processes[p->nr_processes].comm = comm;
	*id = p->nr_processes++;
	return 0;
}

int builder__thread(struct builder *b, __u32 pid, __u32 tid, __u32 comm,
		    __u32 *id)
{
	struct thread_key key = { pid, tid, comm, 0 };
	struct profile *p = b->p;
	struct profile_thread *t;
	struct thread_key *cached;
	long known;
	__u64 h;
	int err;

	/* Samples come in runs of a few threads. */
	cached = &b->thread_cache[(pid ^ tid * 31) % ARRAY_SIZE(b->thread_cache)];
	if (cached->id && cached->pid == pid && cached->tid == tid &&
	    cached->comm == comm) {
		*id = cached->id - 1;
		return 0;
	}
	h = thread_hash(&key);
	known = idtable__find(&b->threads, h, thread_eq, b, &key);
	if (known >= 0) {
		*id = known;
	} else {
		if (builder__grow(&p->threads, &b->cap_threads, p->nr_threads,
				  sizeof(*p->threads)))
			return -ENOMEM;
		t = &p->threads[p->nr_threads];
		err = get_process(b, pid, comm, &t->process);
		if (!err)
			err = idtable__insert(&b->threads, h, p->nr_threads);
		if (err)
			return err;
		t->pid = pid;
		t->tid = tid;
		t->comm = comm;
		t->count = 0;
		*id = p->nr_threads++;
	}
	*cached = key;
	cached->id = *id + 1;
	return 0;
}

void builder__init_tables(struct builder *b)
{
	hmap__init(&b->strings, hmap_str_eq);
	hmap__init(&b->str_by_ptr, NULL);
	hmap__init(&b->functions, func_key_eq);
	hmap__init(&b->mappings, map_key_eq);
	hmap__init(&b->map_by_ptr, NULL);
	idtable__init(&b->threads);
	idtable__init(&b->processes);
}

static void free_keys(struct hmap *m)
{
	struct hmap_entry *e;

	hmap__for_each(m, e)
		free(e->val);
	hmap__free(m);
}

void builder__release_tables(struct builder *b)
{
	/* The strings' keys are the profile's strings: freed with it. */
	hmap__free(&b->strings);
	hmap__free(&b->str_by_ptr);
	hmap__free(&b->map_by_ptr);
	free(b->fn_by_symbol);
	free_keys(&b->functions);
	free_keys(&b->mappings);
	idtable__free(&b->threads);
	idtable__free(&b->processes);
}
