// SPDX-License-Identifier: GPL-2.0
/*
 * Profile layer: build the profile model from a recording (profile.h).
 *
 * One walk over the records.  Per sample: its call chain (unwind/), the
 * process snapshot that ran it (recording/), the filters, then per frame
 * one hash lookup by (mapping, address, return?) that, the first time,
 * symbolizes the address (symbolize/) and interns its function and
 * mapping; then one lookup of the whole stack and one of the thread.
 * Keys the hash maps point at live in memory that never moves: small
 * nodes, and an arena for stacks.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/idtable.h"
#include "lib/untrusted.h"
#include "lib/util.h"
#include "profile/profile.h"
#include "unwind/callchain.h"

#define ARENA_BLOCK_WORDS	(64 * 1024)

/* A location by what it resolves from; hashed whole (no padding). */
struct loc_key {
	__u64 addr;
	__u32 mapping;		/* profile mapping id + 1; 0: kernel, unmapped */
	__u16 kernel;
	__u16 is_return;
};

struct func_key {
	const char *name;	/* interned by the symbolizer */
	const char *dso;
	bool kernel;
	__u32 id;
};

/* Hashed up to @id: no padding before it. */
struct map_key {
	__u64 start, limit, offset;
	__u32 path, build_id;
	__u32 kernel;
	__u32 id;
};

struct thread_key {
	__u32 pid, tid, comm;
	__u32 id;
};

struct profile_arena {
	struct profile_arena *next;
	size_t used;
	size_t cap;
	__u32 words[];
};

struct builder {
	struct profile *p;
	struct session *s;
	struct symbolizer *sym;
	const struct profile_filter *f;
	struct callchain cc;
	struct hmap strings;	/* string -> id + 1 */
	struct hmap str_by_ptr;	/* symbolizer's string -> id + 1 */
	struct idtable locations;	/* by struct loc_key */
	__u32 *loc_mapping;	/* per location: its loc_key.mapping */
	struct hmap functions;	/* struct func_key */
	__u32 *fn_by_symbol;	/* struct symbol.id -> function id + 1 */
	size_t cap_fn_by_symbol;
	struct hmap mappings;	/* struct map_key */
	struct hmap map_by_ptr;	/* struct map -> mapping id + 1 */
	struct idtable stacks;	/* by [nr, location ids...] */
	/* Mappings by pointer, direct-mapped: frames revisit few of them. */
	struct {
		const struct map *map;
		__u32 mapping;
	} map_cache[256];
	/* Process names by stable pointer, direct-mapped. */
	struct {
		const char *comm;
		__u32 id;
	} comm_cache[64];
	struct idtable threads;		/* by struct thread_key */
	struct idtable processes;	/* by struct thread_key, tid 0 */
	__u32 *scratch;		/* [nr, locs...] of the sample at hand */
	size_t scratch_cap;
	size_t cap_strings, cap_mappings, cap_functions, cap_locations;
	size_t cap_loc_mapping;
	size_t cap_stacks, cap_processes, cap_threads, cap_samples;
	/* Threads by (pid, tid), direct-mapped; .id is the id + 1. */
	struct thread_key thread_cache[1024];
	__u64 period_ns;
};

static bool str_eq(const void *a, const void *b)
{
	return !strcmp(a, b);
}

static bool loc_key_eq(const void *ctx, __u32 id, const void *key)
{
	const struct builder *b = ctx;
	const struct profile_location *loc = &b->p->locations[id];
	const struct loc_key *k = key;

	return loc->address == k->addr && b->loc_mapping[id] == k->mapping &&
	       loc->kernel == k->kernel && loc->is_return == k->is_return;
}

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
	       x->offset == y->offset && x->path == y->path &&
	       x->build_id == y->build_id && x->kernel == y->kernel;
}

/* @key: [nr, location ids...] */
static bool stack_eq(const void *ctx, __u32 id, const void *key)
{
	const struct profile_stack *st = &((const struct builder *)ctx)->p->stacks[id];
	const __u32 *k = key;

	return st->nr == k[0] && !memcmp(st->locs, k + 1, k[0] * sizeof(*k));
}

/* Room for one more element in *@arr of *@cap (doubling). */
static int grow(void *arr, size_t *cap, size_t nr, size_t size)
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

static int intern(struct builder *b, const char *str, __u32 *id)
{
	struct profile *p = b->p;
	__u64 h = hash_str(str);
	unsigned long v = (unsigned long)hmap__find(&b->strings, h, str);
	char *copy;

	if (v) {
		*id = v - 1;
		return 0;
	}
	if (grow(&p->strings, &b->cap_strings, p->nr_strings,
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
static int intern_sym(struct builder *b, const char *str, __u32 *id)
{
	__u64 h = hash_u64((unsigned long)str);
	unsigned long v = (unsigned long)hmap__find(&b->str_by_ptr, h, str);
	int err;

	if (v) {
		*id = v - 1;
		return 0;
	}
	err = intern(b, str, id);
	if (!err && hmap__insert(&b->str_by_ptr, h, str,
				 (void *)(unsigned long)(*id + 1)))
		err = -ENOMEM;
	return err;
}

static int add_mapping(struct builder *b, const struct map_key *key,
		       __u32 *id)
{
	struct profile *p = b->p;
	__u64 h = hash_bytes(key, offsetof(struct map_key, id), 0);
	struct map_key *k = hmap__find(&b->mappings, h, key);
	struct profile_mapping *m;

	if (k) {
		*id = k->id;
		return 0;
	}
	if (grow(&p->mappings, &b->cap_mappings, p->nr_mappings,
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
	m->start = key->start;
	m->limit = key->limit;
	m->offset = key->offset;
	m->path = key->path;
	m->build_id = key->build_id;
	m->kernel = key->kernel;
	*id = k->id;
	return 0;
}

/* The pseudo mapping of a frame no recorded mapping holds. */
static int get_pseudo_mapping(struct builder *b, const struct symbol *sym,
			      __u32 *id)
{
	struct map_key key = { .kernel = sym->kernel };

	return intern_sym(b, sym->dso, &key.path) ?: add_mapping(b, &key, id);
}

/*
 * The mapping of @m, by its pointer first: the snapshot's mappings live
 * as long as the session.  Its path is made printable as the
 * symbolizer's DSO names are.
 */
static int find_mapping(struct builder *b, const struct map *m, __u32 *id)
{
	char hex[2 * SREC_BUILD_ID_MAX + 1];
	struct map_key key = { 0 };
	unsigned long v;
	unsigned int i;
	size_t slot;
	char *clean;
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
		b->map_cache[slot].map = m;
		b->map_cache[slot].mapping = *id;
		return 0;
	}
	key.start = m->start;
	key.limit = m->end;
	key.offset = m->pgoff;
	clean = strdup(m->path);
	if (!clean)
		return -ENOMEM;
	text_clean(clean, strlen(clean) + 1, m->path, strlen(m->path));
	err = intern(b, clean, &key.path);
	free(clean);
	if (!err && m->build_id_size) {
		for (i = 0; i < m->build_id_size && i < SREC_BUILD_ID_MAX; i++)
			snprintf(hex + 2 * i, 3, "%02x", m->build_id[i]);
		err = intern(b, hex, &key.build_id);
	}
	if (!err)
		err = add_mapping(b, &key, id);
	if (!err && hmap__insert(&b->map_by_ptr, h, m,
				 (void *)(unsigned long)(*id + 1)))
		err = -ENOMEM;
	return err;
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
	if (grow(&p->functions, &b->cap_functions, p->nr_functions,
		 sizeof(*p->functions)))
		return -ENOMEM;
	fn = &p->functions[p->nr_functions];
	memset(fn, 0, sizeof(*fn));
	err = intern_sym(b, sym->name, &fn->name) ?:
	      intern_sym(b, sym->dso, &fn->dso);
	if (err)
		return err;
	fn->system_name = fn->name;
	fn->kernel = sym->kernel;
	fn->known = sym->known;
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
static int function_of(struct builder *b, const struct symbol *sym,
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

/* ---- frames and stacks ---- */

static int get_location(struct builder *b, struct proc *proc,
			unsigned int gen, const struct callchain_entry *e,
			__u32 *id)
{
	/*
	 * A return address points after its call, which may be the first
	 * byte of the next function: look up the call itself, as perf does.
	 */
	__u64 look = e->is_return && e->addr ? e->addr - 1 : e->addr;
	struct loc_key key = { e->addr, 0, e->kernel, e->is_return };
	struct profile *p = b->p;
	struct profile_location *loc;
	struct map *m = NULL;
	struct symbol sym;
	unsigned int found;
	__u32 mapping = 0;
	long known;
	__u64 h;
	int err;

	if (!e->kernel && proc && proc->nr_snaps)
		m = proc__find_map(proc, gen, look, &found);
	/*
	 * Equal mappings of different processes or snapshots are one
	 * mapping: their addresses are one location each.
	 */
	if (m) {
		err = find_mapping(b, m, &mapping);
		if (err)
			return err;
		key.mapping = mapping + 1;
	}
	h = hash_u64(key.addr ^ hash_u64((__u64)key.mapping << 2 |
					 key.kernel << 1 | key.is_return));
	known = idtable__find(&b->locations, h, loc_key_eq, b, &key);
	if (known >= 0) {
		*id = known;
		return 0;
	}
	err = e->kernel ? symbolizer__kernel(b->sym, look, &sym)
			: symbolizer__user(b->sym, m, look, &sym);
	if (err)
		return err;
	if (grow(&b->loc_mapping, &b->cap_loc_mapping, p->nr_locations,
		 sizeof(*b->loc_mapping)) ||
	    grow(&p->locations, &b->cap_locations, p->nr_locations,
		 sizeof(*p->locations)))
		return -ENOMEM;
	loc = &p->locations[p->nr_locations];
	memset(loc, 0, sizeof(*loc));
	loc->address = e->addr;
	loc->is_return = e->is_return;
	loc->kernel = e->kernel;
	loc->sym_off = sym.known ? sym.sym_off + (e->addr - look) : 0;
	err = function_of(b, &sym, &loc->function);
	if (!err && m)
		loc->mapping = mapping;
	else if (!err)
		err = get_pseudo_mapping(b, &sym, &loc->mapping);
	if (!err)
		err = idtable__insert(&b->locations, h, p->nr_locations);
	if (err)
		return err;
	b->loc_mapping[p->nr_locations] = key.mapping;
	*id = p->nr_locations++;
	return 0;
}

/* A copy of @words (@nr u32) in memory that never moves. */
static __u32 *arena_copy(struct builder *b, const __u32 *words, size_t nr)
{
	struct profile_arena *a = b->p->arena;
	__u32 *dst;

	if (!a || a->cap - a->used < nr) {
		size_t cap = max_t(size_t, ARENA_BLOCK_WORDS, nr);

		a = malloc(sizeof(*a) + cap * sizeof(a->words[0]));
		if (!a)
			return NULL;
		a->next = b->p->arena;
		a->used = 0;
		a->cap = cap;
		b->p->arena = a;
	}
	dst = a->words + a->used;
	a->used += nr;
	memcpy(dst, words, nr * sizeof(*dst));
	return dst;
}

/* The stack of b->scratch ([nr, location ids...]). */
static int get_stack(struct builder *b, __u32 *id)
{
	struct profile *p = b->p;
	__u32 nr = b->scratch[0];
	__u64 h = hash_u32s(b->scratch, 1 + nr);
	long known = idtable__find(&b->stacks, h, stack_eq, b, b->scratch);
	__u32 *locs;

	if (known >= 0) {
		*id = known;
		return 0;
	}
	if (grow(&p->stacks, &b->cap_stacks, p->nr_stacks,
		 sizeof(*p->stacks)))
		return -ENOMEM;
	locs = arena_copy(b, b->scratch + 1, nr);
	if (!locs || idtable__insert(&b->stacks, h, p->nr_stacks))
		return -ENOMEM;
	p->stacks[p->nr_stacks].locs = locs;
	p->stacks[p->nr_stacks].nr = nr;
	p->stacks[p->nr_stacks].count = 0;
	*id = p->nr_stacks++;
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
	if (grow(&p->processes, &b->cap_processes, p->nr_processes,
		 sizeof(*p->processes)) ||
	    idtable__insert(&b->processes, h, p->nr_processes))
		return -ENOMEM;
	p->processes[p->nr_processes].pid = pid;
	p->processes[p->nr_processes].comm = comm;
	*id = p->nr_processes++;
	return 0;
}

static int get_thread(struct builder *b, __u32 pid, __u32 tid, __u32 comm,
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
		if (grow(&p->threads, &b->cap_threads, p->nr_threads,
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

/* ---- samples ---- */

static bool in_list(const __u32 *list, unsigned int nr, __u32 v)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (list[i] == v)
			return true;
	return false;
}

/* The filters that need no symbols: pid, tid, cpu, time. */
static bool keep_sample(const struct builder *b,
			const struct sonde_sample *raw)
{
	const struct profile_filter *f = b->f;
	__u64 rel;

	if (!f)
		return true;
	if (f->nr_pids && !in_list(f->pids, f->nr_pids, raw->pid))
		return false;
	if (f->nr_tids && !in_list(f->tids, f->nr_tids, raw->tid))
		return false;
	if (f->cpus && (raw->cpu >= f->nr_cpu_bits ||
			!(f->cpus[raw->cpu / 64] & (1ULL << (raw->cpu % 64)))))
		return false;
	if (f->has_time) {
		rel = raw->time_ns >= b->p->start_ns ?
		      raw->time_ns - b->p->start_ns : 0;
		if (rel < f->time_start_ns || rel >= f->time_end_ns)
			return false;
	}
	return true;
}

/* The process name of a sample, as reports show it. */
static const char *sample_comm(const struct sonde_sample *raw,
			       const struct proc *proc, unsigned int gen,
			       char *buf, size_t size)
{
	if (!raw->pid && raw->context == SONDE_CTX_IDLE)
		return "swapper";
	/* A task the recorder's pid namespace cannot see. */
	if (raw->flags & SONDE_SAMPLE_PID_OUTSIDE)
		return "[outside pid namespace]";
	if (proc && proc->nr_snaps)
		return proc->snaps[gen].comm;
	snprintf(buf, size, raw->pid ? ":%u" : "swapper", raw->pid);
	return buf;
}

static int add_sample(struct builder *b, const struct sonde_sample *raw)
{
	struct profile *p = b->p;
	struct profile_sample *ps;
	struct proc *proc;
	const char *comm;
	unsigned int gen, i;
	char buf[40];
	__u32 comm_id, stack, thread;
	size_t slot;
	int err;

	err = callchain__from_sample(&b->cc, raw);
	if (err)
		return err;
	if (b->cc.kernel_hidden)
		p->kernel_hidden++;
	if (!keep_sample(b, raw))
		return 0;
	proc = session__find_proc(b->s, raw->pid, raw->time_ns,
				  b->cc.user_addr, &gen);
	comm = sample_comm(raw, proc, gen, buf, sizeof(buf));
	if (b->f && b->f->comm && strcmp(comm, b->f->comm))
		return 0;
	if (b->scratch_cap < b->cc.nr + 1) {
		__u32 *s = reallocarray(b->scratch, b->cc.nr + 1, sizeof(*s));

		if (!s)
			return -ENOMEM;
		b->scratch = s;
		b->scratch_cap = b->cc.nr + 1;
	}
	b->scratch[0] = b->cc.nr;
	for (i = 0; i < b->cc.nr; i++) {
		err = get_location(b, proc, gen, &b->cc.entries[i],
				   &b->scratch[1 + i]);
		if (err)
			return err;
	}
	/* Snapshot names and literals are stable pointers; @buf is not. */
	slot = hash_u64((unsigned long)comm) % ARRAY_SIZE(b->comm_cache);
	if (comm != buf && comm == b->comm_cache[slot].comm) {
		comm_id = b->comm_cache[slot].id;
	} else {
		err = intern(b, comm, &comm_id);
		if (err)
			return err;
		b->comm_cache[slot].comm = comm != buf ? comm : NULL;
		b->comm_cache[slot].id = comm_id;
	}
	err = get_stack(b, &stack) ?:
	      get_thread(b, raw->pid, raw->tid, comm_id, &thread);
	if (err)
		return err;
	if (grow(&p->samples, &b->cap_samples, p->nr_samples,
		 sizeof(*p->samples)))
		return -ENOMEM;
	ps = &p->samples[p->nr_samples++];
	ps->time_ns = raw->time_ns;
	ps->period_ns = b->period_ns;
	ps->stack = stack;
	ps->thread = thread;
	ps->cpu = raw->cpu;
	ps->count = 1;
	p->stacks[stack].count++;
	p->threads[thread].count++;
	return 0;
}

static int record_cb(const struct sonde_record_header *h, void *ctx)
{
	if (h->type != SONDE_RECORD_SAMPLE)
		return 0;
	return add_sample(ctx, (const struct sonde_sample *)h);
}

static void free_keys(struct hmap *m)
{
	struct hmap_entry *e;

	hmap__for_each(m, e)
		free(e->val);
	hmap__free(m);
}

static void builder__release(struct builder *b)
{
	/* The strings' keys are the profile's strings: freed with it. */
	hmap__free(&b->strings);
	hmap__free(&b->str_by_ptr);
	hmap__free(&b->map_by_ptr);
	idtable__free(&b->stacks);
	idtable__free(&b->locations);
	free(b->loc_mapping);
	free(b->fn_by_symbol);
	free_keys(&b->functions);
	free_keys(&b->mappings);
	idtable__free(&b->threads);
	idtable__free(&b->processes);
	callchain__free(&b->cc);
	free(b->scratch);
}

int profile__build(struct profile **pp, struct session *s,
		   struct symbolizer *sym, const struct profile_filter *f)
{
	const struct srec_session *info = session__info(s);
	struct builder b = { .s = s, .sym = sym, .f = f };
	__u32 empty;
	int err;

	b.p = calloc(1, sizeof(*b.p));
	if (!b.p)
		return -ENOMEM;
	hmap__init(&b.strings, str_eq);
	hmap__init(&b.str_by_ptr, NULL);
	idtable__init(&b.locations);
	hmap__init(&b.functions, func_key_eq);
	hmap__init(&b.mappings, map_key_eq);
	hmap__init(&b.map_by_ptr, NULL);
	idtable__init(&b.stacks);
	idtable__init(&b.threads);
	idtable__init(&b.processes);
	b.period_ns = session__period_ns(s);
	b.p->period_ns = b.period_ns;
	b.p->start_ns = info ? info->start_mono_ns : 0;
	/* Sized once when the END section says how many there are. */
	b.cap_samples = session__nr_samples_hint(s);
	if (b.cap_samples) {
		b.p->samples = calloc(b.cap_samples, sizeof(*b.p->samples));
		if (b.p->samples)
			advise_huge(b.p->samples,
				    b.cap_samples * sizeof(*b.p->samples));
		else
			b.cap_samples = 0;
	}
	/* String 0 is "", as pprof requires. */
	err = intern(&b, "", &empty);
	if (!err)
		err = session__iter_records(s, record_cb, &b);
	builder__release(&b);
	if (err) {
		profile__free(b.p);
		b.p = NULL;
	}
	*pp = b.p;
	return err;
}

void profile__free(struct profile *p)
{
	struct profile_arena *a, *next;
	__u32 i;

	if (!p)
		return;
	for (i = 0; i < p->nr_strings; i++)
		free((char *)p->strings[i]);
	for (a = p->arena; a; a = next) {
		next = a->next;
		free(a);
	}
	free(p->strings);
	free(p->mappings);
	free(p->functions);
	free(p->locations);
	free(p->stacks);
	free(p->processes);
	free(p->threads);
	free(p->samples);
	free(p);
}
