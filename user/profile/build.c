// SPDX-License-Identifier: GPL-2.0
/*
 * Profile layer: build the profile model from a recording (profile.h).
 *
 * One walk over the records.  Per sample: its call chain (unwind/), the
 * process snapshot that ran it (recording/), the filters, then per frame
 * one lookup by (mapping, address, return?) that, the first time,
 * symbolizes the address (symbolize/) and adds its function and mapping
 * (tables.c); then one lookup of the whole stack and one of the thread.
 * Locations and stacks are found through id sets (lib/idtable.h) over
 * the profile's own arrays; a stack's frames live in an arena that never
 * moves.  Small direct-mapped caches skip most lookups, because samples
 * come in runs of a few threads, mappings and names.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "profile/builder.h"

#define ARENA_BLOCK_WORDS	(64 * 1024)

/* A location by what it resolves from. */
struct loc_key {
	__u64 addr;
	__u32 mapping;		/* profile mapping id + 1; 0: kernel, unmapped */
	__u16 kernel;
	__u16 is_return;
	/*
	 * struct symbol.jit_code: code a jitdump loaded, so code reused at
	 * one address is a location per load; 0 for the rest.
	 */
	__u32 jit_code;
};


static bool loc_key_eq(const void *ctx, __u32 id, const void *key)
{
	const struct builder *b = ctx;
	const struct profile_location *loc = &b->p->locations[id];
	const struct loc_key *k = key;

	return loc->address == k->addr && b->loc_mapping[id] == k->mapping &&
	       loc->kernel == k->kernel && loc->is_return == k->is_return &&
	       b->loc_code[id] == k->jit_code;
}

/* @key: [nr, location ids...] */
static bool stack_eq(const void *ctx, __u32 id, const void *key)
{
	const struct profile_stack *st = &((const struct builder *)ctx)->p->stacks[id];
	const __u32 *k = key;

	return st->nr == k[0] && !memcmp(st->locs, k + 1, k[0] * sizeof(*k));
}

/* ---- frames and stacks ---- */

/*
 * Room for the next location, zeroed, at p->locations[p->nr_locations]
 * (not counted yet); NULL without memory.
 */
static struct profile_location *next_location(struct builder *b)
{
	struct profile *p = b->p;
	struct profile_location *loc;

	if (builder__grow(&b->loc_mapping, &b->cap_loc_mapping,
			  p->nr_locations, sizeof(*b->loc_mapping)) ||
	    builder__grow(&b->loc_code, &b->cap_loc_code, p->nr_locations,
			  sizeof(*b->loc_code)) ||
	    builder__grow(&p->locations, &b->cap_locations, p->nr_locations,
			  sizeof(*p->locations)))
		return NULL;
	loc = &p->locations[p->nr_locations];
	memset(loc, 0, sizeof(*loc));
	return loc;
}

/*
 * Markers' locations have no mapping: their loc_key.mapping is one of
 * these, above any mapping id + 1.
 */
#define MARK_MAPPING(mark)	(UINT32_MAX - (mark))

/* The function of @sym with its source file, when DWARF gave one. */
static int function_of(struct builder *b, const struct symbol *sym,
		       __u32 *id)
{
	struct profile_function *fn;
	int err = builder__function(b, sym, id);

	if (err || !sym->file)
		return err;
	fn = &b->p->functions[*id];
	return fn->filename ? 0 : builder__intern_sym(b, sym->file,
						      &fn->filename);
}

/*
 * The functions inlined at @loc (@sym's), innermost first, appended to
 * the profile's lines.  They belong to the DSO of the function they were
 * inlined into.
 */
static int add_inlined(struct builder *b, struct profile_location *loc,
		       const struct symbol *sym)
{
	struct profile *p = b->p;
	__u32 i;
	int err;

	loc->inlined = p->nr_lines;
	for (i = 0; i < sym->nr_inlined; i++) {
		const struct symbol_line *sl = &sym->inlined[i];
		struct symbol fake = {
			.name = sl->name,
			.dso = sym->dso,
			.file = sl->file,
			.id = SYMBOL_NO_ID,
			.known = true,
		};
		struct profile_line *line;

		if (builder__grow(&p->lines, &b->cap_lines, p->nr_lines,
				  sizeof(*p->lines)))
			return -ENOMEM;
		line = &p->lines[p->nr_lines];
		err = function_of(b, &fake, &line->function);
		if (err)
			return err;
		line->line = sl->line;
		p->nr_lines++;
	}
	loc->nr_inlined = sym->nr_inlined;
	return 0;
}

static const char *const mark_names[] = {
	[CALLCHAIN_MARK_TRUNCATED] = "[truncated]",
	[CALLCHAIN_MARK_SCAN] = "[stack scan]",
	[CALLCHAIN_MARK_OFFCPU] = "[off-cpu]",
};

/*
 * The one location of a marker: a pseudo frame whose function and
 * mapping are named for it ("[truncated]" where a depth limit cut the
 * stack, "[stack scan]" above a frame left by a scan), at address 0.
 */
static int mark_location(struct builder *b, enum callchain_mark mark,
			 __u32 *id)
{
	struct loc_key key = { 0, MARK_MAPPING(mark), 0, 0, 0 };
	/* Known: outputs print its name, not "[unknown]". */
	struct symbol sym = {
		.name = mark_names[mark],
		.dso = mark_names[mark],
		.id = SYMBOL_NO_ID,
		.known = true,
	};
	struct profile *p = b->p;
	struct profile_location *loc;
	__u64 h = hash_u64(MARK_MAPPING(mark));
	long known;
	int err;

	known = idtable__find(&b->locations, h, loc_key_eq, b, &key);
	if (known >= 0) {
		*id = known;
		return 0;
	}
	loc = next_location(b);
	if (!loc)
		return -ENOMEM;
	err = builder__function(b, &sym, &loc->function) ?:
	      builder__pseudo_mapping(b, &sym, &loc->mapping) ?:
	      idtable__insert(&b->locations, h, p->nr_locations);
	if (err)
		return err;
	b->loc_mapping[p->nr_locations] = MARK_MAPPING(mark);
	b->loc_code[p->nr_locations] = 0;
	*id = p->nr_locations++;
	return 0;
}

/*
 * JIT code is named by its process's jitdump or perf map, whatever else
 * runs at the same address in another process: its locations belong to a
 * pseudo mapping per process, the file's path, which is the symbol's DSO
 * too.  A jitdump names code by the sample's time @time_ns.  -ENOENT when
 * process @pid has neither.
 */
static int jit_mapping(struct builder *b, __u32 pid, __u64 look,
		       __u64 time_ns, struct symbol *sym, __u32 *mapping)
{
	int err = symbolizer__jit(b->sym, pid, look, time_ns, sym);

	return err ?: builder__pseudo_mapping(b, sym, mapping);
}

static int get_location(struct builder *b, struct proc *proc,
			unsigned int gen, __u64 time_ns,
			const struct callchain_entry *e, __u32 *id)
{
	/*
	 * A return address points after its call, which may be the first
	 * byte of the next function: look up the call itself, as perf does.
	 */
	__u64 look = e->is_return && e->addr ? e->addr - 1 : e->addr;
	struct loc_key key = { e->addr, 0, e->kernel, e->is_return, 0 };
	struct profile *p = b->p;
	struct profile_location *loc;
	bool jit = false, asked_jit = false;
	struct frame_slot *fc;
	struct map *m = NULL;
	struct symbol sym;
	unsigned int found;
	__u32 mapping = 0;
	size_t slot;
	long known;
	__u64 h;
	int err;

	if (e->mark)
		return mark_location(b, e->mark, id);
	if (e->kernel) {
		proc = NULL;
		gen = 0;
	}
	slot = hash_u64(e->addr ^ hash_u64((unsigned long)proc + gen)) %
	       ARRAY_SIZE(b->frame_cache);
	fc = &b->frame_cache[slot];
	if (fc->id && fc->addr == e->addr && fc->proc == proc &&
	    fc->gen == gen && fc->kernel == e->kernel &&
	    fc->is_return == e->is_return) {
		*id = fc->id - 1;
		return 0;
	}
	if (!e->kernel && proc && proc->nr_snaps)
		m = proc__find_map(proc, gen, look, &found);
	if (!e->kernel && proc && (!m || map__is_anon(m))) {
		asked_jit = true;
		err = jit_mapping(b, proc->pid, look, time_ns, &sym, &mapping);
		if (err && err != -ENOENT)
			return err;
		jit = !err;
		if (jit) {
			m = NULL;
			key.mapping = mapping + 1;
			key.jit_code = sym.jit_code;
		}
	}
	/*
	 * Equal mappings of different processes or snapshots are one
	 * mapping: their addresses are one location each.
	 */
	if (m) {
		err = builder__find_mapping(b, m, &mapping);
		if (err)
			return err;
		key.mapping = mapping + 1;
	}
	h = hash_u64(key.addr ^ hash_u64((__u64)key.mapping << 2 |
					 key.kernel << 1 | key.is_return) ^
		     key.jit_code);
	known = idtable__find(&b->locations, h, loc_key_eq, b, &key);
	if (known >= 0) {
		*id = known;
		goto remember;
	}
	if (!jit) {
		err = e->kernel ? symbolizer__kernel(b->sym, look, &sym)
				: symbolizer__user(b->sym, m, look, &sym);
		if (err)
			return err;
	}
	loc = next_location(b);
	if (!loc)
		return -ENOMEM;
	loc->address = e->addr;
	loc->is_return = e->is_return;
	loc->kernel = e->kernel;
	loc->sym_off = sym.known ? sym.sym_off + (e->addr - look) : 0;
	loc->line = sym.line;
	err = function_of(b, &sym, &loc->function) ?:
	      add_inlined(b, loc, &sym);
	if (!err && m)
		loc->mapping = mapping;
	else if (!err)
		err = builder__pseudo_mapping(b, &sym, &loc->mapping);
	if (!err)
		err = idtable__insert(&b->locations, h, p->nr_locations);
	if (err)
		return err;
	b->loc_mapping[p->nr_locations] = key.mapping;
	b->loc_code[p->nr_locations] = key.jit_code;
	*id = p->nr_locations++;
remember:
	if (!asked_jit) {
		fc->proc = proc;
		fc->addr = e->addr;
		fc->gen = gen;
		fc->kernel = e->kernel;
		fc->is_return = e->is_return;
		fc->id = *id + 1;
	}
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
	if (builder__grow(&p->stacks, &b->cap_stacks, p->nr_stacks,
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

/* ---- samples ---- */

static bool in_list(const __u32 *list, unsigned int nr, __u32 v)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (list[i] == v)
			return true;
	return false;
}

/* The filters that need no symbols: pid, tid, cpu, time, event. */
static bool keep_sample(const struct builder *b,
			const struct sonde_sample *raw, __u32 event)
{
	const struct profile_filter *f = b->f;
	__u64 rel;

	if (!f)
		return true;
	if (f->has_event && !(f->events & PROFILE_EVENT_BIT(event)))
		return false;
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

/* Whether --kernel-only or --user-only keeps a frame of this side. */
static bool keep_frame(const struct profile_filter *f, bool kernel)
{
	if (!f || f->frames == PROFILE_FRAMES_ALL)
		return true;
	return kernel == (f->frames == PROFILE_FRAMES_KERNEL);
}

/*
 * The name of a sample's thread, as reports show it (perf's comm): what
 * the module's records say the thread was called then, else its
 * process's name in the snapshot.
 */
static const char *sample_comm(struct session *s,
			       const struct sonde_sample *raw,
			       const struct proc *proc, unsigned int gen,
			       char *buf, size_t size)
{
	const char *comm;

	if (!raw->pid && raw->context == SONDE_CTX_IDLE)
		return "swapper";
	/* A task the recorder's pid namespace cannot see. */
	if (raw->flags & SONDE_SAMPLE_PID_OUTSIDE)
		return "[outside pid namespace]";
	comm = session__thread_comm(s, raw->tid, raw->time_ns);
	if (comm)
		return comm;
	if (proc && proc->nr_snaps)
		return proc->snaps[gen].comm;
	snprintf(buf, size, raw->pid ? ":%u" : "swapper", raw->pid);
	return buf;
}

/* @key: a struct profile_sample; its time and count do not matter. */
static bool merged_eq(const void *ctx, __u32 id, const void *key)
{
	const struct profile_sample *s = &((const struct builder *)ctx)->p->samples[id];
	const struct profile_sample *k = key;

	return s->stack == k->stack && s->thread == k->thread &&
	       s->cpu == k->cpu && s->period_ns == k->period_ns &&
	       s->event == k->event;
}

/* Keep the sample @ps as b->keep says. */
static int keep_built(struct builder *b, const struct profile_sample *ps)
{
	struct profile *p = b->p;
	long known = -1;
	__u64 h = 0;
	bool merge;

	if (b->keep == PROFILE_KEEP_NONE)
		return order__push(&b->order, ps);
	/* Each wait stays one: its count is not a number of records. */
	merge = b->keep == PROFILE_KEEP_MERGED &&
		!(p->offcpu_event && ps->event == p->offcpu_event);
	if (merge) {
		h = hash_u64(ps->period_ns ^ hash_u64((__u64)ps->stack << 32 |
						       ps->thread) ^
			     ((__u64)ps->event << 32 | ps->cpu));
		known = idtable__find(&b->merged, h, merged_eq, b, ps);
		if (known >= 0 &&
		    p->samples[known].count <= UINT32_MAX - ps->count) {
			p->samples[known].count += ps->count;
			return 0;
		}
	}
	if (builder__grow(&p->samples, &b->cap_samples, p->nr_samples,
			  sizeof(*p->samples)))
		return -ENOMEM;
	/* A full entry stays the one found: the rest go one by one. */
	if (merge && known < 0 &&
	    idtable__insert(&b->merged, h, p->nr_samples))
		return -ENOMEM;
	p->samples[p->nr_samples++] = *ps;
	return 0;
}

static int add_sample(struct builder *b, const struct sonde_sample *raw)
{
	struct profile *p = b->p;
	struct proc *proc;
	const char *comm;
	unsigned int gen, i;
	char buf[40];
	__u32 comm_id, stack, thread, nr, event, count;
	__u64 period;
	bool truncated, kernel, offcpu;
	size_t slot;
	int err;

	if (raw->time_ns > b->last_time_ns)
		b->last_time_ns = raw->time_ns;
	if (!builder__sample_event(b, raw, &event, &period)) {
		p->bad_event++;
		return 0;
	}
	err = callchain__from_sample(&b->cc, raw);
	if (err)
		return err;
	if (b->cc.kernel_hidden)
		p->kernel_hidden++;
	if (!keep_sample(b, raw, event))
		return 0;
	proc = session__find_proc(b->s, raw->pid, raw->time_ns,
				  b->cc.user_addr, &gen);
	err = callchain__unwind_user(&b->cc, raw, b->unwinder, proc, gen);
	if (err)
		return err;
	comm = sample_comm(b->s, raw, proc, gen, buf, sizeof(buf));
	if (b->f && b->f->comm && strcmp(comm, b->f->comm))
		return 0;
	offcpu = p->offcpu_event && event == p->offcpu_event;
	if (b->scratch_cap < b->cc.nr + 2) {
		__u32 *s = reallocarray(b->scratch, b->cc.nr + 2, sizeof(*s));

		if (!s)
			return -ENOMEM;
		b->scratch = s;
		b->scratch_cap = b->cc.nr + 2;
	}
	nr = 0;
	/* Above the leaf, which comes first. */
	if (offcpu && b->f && b->f->mark_offcpu) {
		err = mark_location(b, CALLCHAIN_MARK_OFFCPU, &b->scratch[1]);
		if (err)
			return err;
		nr++;
	}
	truncated = false;
	kernel = false;
	for (i = 0; i < b->cc.nr; i++) {
		const struct callchain_entry *e = &b->cc.entries[i];

		/* A marker goes with the part it follows. */
		if (!e->mark)
			kernel = e->kernel;
		if (!keep_frame(b->f, kernel))
			continue;
		err = get_location(b, proc, gen, raw->time_ns, e,
				   &b->scratch[1 + nr]);
		if (err)
			return err;
		nr++;
		truncated |= e->mark == CALLCHAIN_MARK_TRUNCATED;
	}
	/* --kernel-only or --user-only left it nothing to show. */
	if (nr == (offcpu && b->f && b->f->mark_offcpu) && b->f &&
	    b->f->frames != PROFILE_FRAMES_ALL)
		return 0;
	b->scratch[0] = nr;
	/* Snapshot names and literals are stable pointers; @buf is not. */
	slot = hash_u64((unsigned long)comm) % ARRAY_SIZE(b->comm_cache);
	if (comm != buf && comm == b->comm_cache[slot].comm) {
		comm_id = b->comm_cache[slot].id;
	} else {
		err = builder__intern(b, comm, &comm_id);
		if (err)
			return err;
		b->comm_cache[slot].comm = comm != buf ? comm : NULL;
		b->comm_cache[slot].id = comm_id;
	}
	err = get_stack(b, &stack) ?:
	      builder__thread(b, raw->pid, raw->tid, comm_id, &thread);
	if (err)
		return err;
	count = 1;
	/*
	 * Waits count as time; so do the timer's samples where they mix
	 * with waits, so that one after missed periods counts them all.
	 */
	if (offcpu || (event == 0 && b->f && b->f->mark_offcpu)) {
		err = builder__time_units(b, thread, period, &count);
		if (err)
			return err;
	}
	if (truncated)
		p->truncated++;
	p->stacks[stack].count += count;
	p->threads[thread].count += count;
	return keep_built(b, &(struct profile_sample){
		.time_ns = raw->time_ns,
		.period_ns = period,
		.event = event,
		.stack = stack,
		.thread = thread,
		.cpu = raw->cpu,
		.count = count,
	});
}

static int record_cb(const struct sonde_record_header *h, void *ctx)
{
	struct builder *b = ctx;

	if (h->type != SONDE_RECORD_SAMPLE)
		return 0;
	if (b->keep == PROFILE_KEEP_NONE)
		order__saw(&b->order,
			   ((const struct sonde_sample *)h)->time_ns);
	return add_sample(b, (const struct sonde_sample *)h);
}

static int section_cb(unsigned int stream, bool last, void *ctx)
{
	struct builder *b = ctx;

	return order__section(&b->order, b->p, stream, last);
}

static void builder__release(struct builder *b)
{
	builder__release_tables(b);
	idtable__free(&b->stacks);
	idtable__free(&b->locations);
	idtable__free(&b->merged);
	order__free(&b->order);
	free(b->loc_mapping);
	free(b->loc_code);
	callchain__free(&b->cc);
	dwarf_unwinder__free(b->unwinder);
	free(b->scratch);
	free(b->time_carry);
}

/* The unwinder reads the files the symbolizer would. */
static int open_mapped(void *ctx, __u32 pid, const struct map *m)
{
	return symbolizer__open_mapped(ctx, pid, m);
}

int profile__build(struct profile **pp, struct session *s,
		   struct symbolizer *sym, const struct profile_filter *f)
{
	const struct profile_options o = { .filter = f };

	return profile__build_opts(pp, s, sym, &o);
}

int profile__build_opts(struct profile **pp, struct session *s,
			struct symbolizer *sym,
			const struct profile_options *o)
{
	const struct srec_session *info = session__info(s);
	const struct srec_end *end;
	struct profile *p;
	struct builder *b;
	__u32 empty;
	int err;

	*pp = NULL;
	if (o->keep == PROFILE_KEEP_NONE && !o->sink)
		return -EINVAL;
	/* Its caches (about 20 KiB) are kept off the stack. */
	b = calloc(1, sizeof(*b));
	p = calloc(1, sizeof(*p));
	if (!b || !p) {
		free(b);
		free(p);
		return -ENOMEM;
	}
	b->p = p;
	b->s = s;
	b->sym = sym;
	b->f = o->filter;
	b->keep = o->keep;
	builder__init_tables(b);
	idtable__init(&b->locations);
	idtable__init(&b->stacks);
	idtable__init(&b->merged);
	err = order__init(&b->order, session__nr_streams(s), o->sink,
			  o->sink_ctx);
	p->period_ns = session__period_ns(s);
	p->time_counts = o->filter && o->filter->mark_offcpu;
	b->throttled = session__nr_throttles(s) != 0;
	p->start_ns = info ? info->start_mono_ns : 0;
	p->start_real_ns = info ? info->start_real_ns : 0;
	/* Sized once when the END section says how many there are. */
	b->cap_samples = o->keep == PROFILE_KEEP_ALL ?
			 session__nr_samples_hint(s) : 0;
	if (b->cap_samples) {
		p->samples = calloc(b->cap_samples, sizeof(*p->samples));
		if (p->samples)
			advise_huge(p->samples,
				    b->cap_samples * sizeof(*p->samples));
		else
			b->cap_samples = 0;
	}
	/* String 0 is "", as pprof requires. */
	if (!err)
		err = builder__intern(b, "", &empty);
	if (!err)
		err = builder__add_events(b);
	if (!err && info && (info->capture & SONDE_CAPTURE_USER_STACK))
		err = dwarf_unwinder__new(&b->unwinder, &(struct unwind_file_ops){
					  open_mapped, sym });
	if (!err)
		err = session__walk_records(s, record_cb,
					    b->keep == PROFILE_KEEP_NONE ?
					    section_cb : NULL, b);
	end = session__end(s);
	if (end && end->time_ns > p->start_ns)
		p->duration_ns = end->time_ns - p->start_ns;
	else if (b->last_time_ns > p->start_ns)
		p->duration_ns = b->last_time_ns - p->start_ns;
	if (!err && b->keep == PROFILE_KEEP_NONE)
		err = order__flush(&b->order, p);
	p->late = b->order.late;
	p->held_max = b->order.held_max;
	builder__release(b);
	free(b);
	if (err) {
		profile__free(p);
		p = NULL;
	}
	*pp = p;
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
	free(p->lines);
	free(p->stacks);
	free(p->processes);
	free(p->threads);
	free(p->samples);
	free(p->events);
	free(p);
}
