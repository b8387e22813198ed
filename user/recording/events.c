// SPDX-License-Identifier: GPL-2.0
/*
 * Recording layer: a recording's task and MMAP records (events.h).
 *
 * Four arrays, each sorted once: EXEC records by (pid, time), thread
 * names by (tid, time), MMAP records by (pid, time), sampling periods
 * (THROTTLE and UNTHROTTLE records) by (CPU, time).  A query is a binary
 * search for the key's run, then one inside it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/untrusted.h"
#include "lib/util.h"
#include "recording/events.h"
#include "recording/recording.h"

/* The path of an anonymous executable mapping, as perf names it. */
#define ANON_PATH	"//anon"
/* A file whose path the module could not write: not anonymous memory. */
#define LONG_PATH	"(path too long)"

struct ev_key {
	__u32 id;		/* pid, or tid for names */
	__u64 time_ns;
	unsigned int seq;	/* load order, among equal times */
};

struct ev_exec {
	struct ev_key k;
	const char *comm;
};

struct ev_name {
	struct ev_key k;
	const char *comm;
};

struct ev_map {
	struct ev_key k;
	const struct sonde_mmap_event *rec;
};

/* A CPU's sampling period from a THROTTLE or UNTHROTTLE record on. */
struct ev_period {
	struct ev_key k;	/* id: the CPU */
	__u64 period_ns;
};

struct task_events {
	struct hmap *strings;
	struct ev_exec *execs;
	struct ev_name *names;
	struct ev_map *maps;
	struct ev_period *periods;
	size_t nr_execs, nr_names, nr_maps, nr_periods;
	size_t cap_execs, cap_names, cap_maps, cap_periods;
	unsigned int seq;
	__u64 bad;
};

int task_events__new(struct task_events **te, struct hmap *strings)
{
	*te = calloc(1, sizeof(**te));
	if (!*te)
		return -ENOMEM;
	(*te)->strings = strings;
	return 0;
}

void task_events__free(struct task_events *te)
{
	if (!te)
		return;
	free(te->execs);
	free(te->names);
	free(te->maps);
	free(te->periods);
	free(te);
}

static int grow(void **arr, size_t *cap, size_t nr, size_t size)
{
	void *p;

	if (nr < *cap)
		return 0;
	p = reallocarray(*arr, *cap ? 2 * *cap : 64, size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = *cap ? 2 * *cap : 64;
	return 0;
}

static int add_name(struct task_events *te, __u32 tid, __u64 t,
		    const char *comm)
{
	if (grow((void **)&te->names, &te->cap_names, te->nr_names,
		 sizeof(*te->names)))
		return -ENOMEM;
	te->names[te->nr_names++] = (struct ev_name){ { tid, t, te->seq++ },
						      comm };
	return 0;
}

static int load_task(struct task_events *te, const struct sonde_task_event *e)
{
	char clean[sizeof(e->comm) + 1];
	const char *comm;

	if (e->hdr.size < sizeof(*e) ||
	    e->path_size > e->hdr.size - sizeof(*e)) {
		te->bad++;
		return 0;
	}
	text_clean(clean, sizeof(clean), e->comm, sizeof(e->comm));
	comm = hmap__intern_str(te->strings, clean);
	if (!comm)
		return -ENOMEM;
	switch (e->hdr.type) {
	case SONDE_RECORD_FORK:
		return e->child_tid ? add_name(te, e->child_tid, e->time_ns,
					       comm) : 0;
	case SONDE_RECORD_COMM:
		return add_name(te, e->tid, e->time_ns, comm);
	case SONDE_RECORD_EXEC:
		if (grow((void **)&te->execs, &te->cap_execs, te->nr_execs,
			 sizeof(*te->execs)))
			return -ENOMEM;
		te->execs[te->nr_execs++] =
			(struct ev_exec){ { e->pid, e->time_ns, te->seq++ },
					  comm };
		return add_name(te, e->tid, e->time_ns, comm);
	}
	return 0;	/* EXIT: nothing to keep yet */
}

static int load_map(struct task_events *te, const struct sonde_mmap_event *m)
{
	if (m->hdr.size < sizeof(*m) ||
	    m->path_size > m->hdr.size - sizeof(*m) ||
	    (m->path_size && m->path[m->path_size - 1]) ||
	    m->build_id_size > SONDE_BUILD_ID_MAX || m->start >= m->end) {
		te->bad++;
		return 0;
	}
	if (grow((void **)&te->maps, &te->cap_maps, te->nr_maps,
		 sizeof(*te->maps)))
		return -ENOMEM;
	te->maps[te->nr_maps++] = (struct ev_map){
		{ m->pid, m->time_ns, te->seq++ }, m };
	return 0;
}

static int load_period(struct task_events *te, const struct sonde_throttle *t)
{
	if (t->hdr.size < sizeof(*t) || !t->period_ns) {
		te->bad++;
		return 0;
	}
	if (grow((void **)&te->periods, &te->cap_periods, te->nr_periods,
		 sizeof(*te->periods)))
		return -ENOMEM;
	te->periods[te->nr_periods++] = (struct ev_period){
		{ t->cpu, t->time_ns, te->seq++ }, t->period_ns };
	return 0;
}

static int load_record(const struct sonde_record_header *h, void *ctx)
{
	struct task_events *te = ctx;

	switch (h->type) {
	case SONDE_RECORD_THROTTLE:
	case SONDE_RECORD_UNTHROTTLE:
		return load_period(te, (const struct sonde_throttle *)h);
	case SONDE_RECORD_FORK:
	case SONDE_RECORD_EXEC:
	case SONDE_RECORD_EXIT:
	case SONDE_RECORD_COMM:
		return load_task(te, (const struct sonde_task_event *)h);
	case SONDE_RECORD_MMAP:
		return load_map(te, (const struct sonde_mmap_event *)h);
	}
	return 0;
}

int task_events__load(struct task_events *te, const void *data, __u64 size)
{
	struct rec_record_stats st = { 0 };
	int err;

	if (size < sizeof(struct srec_records)) {
		te->bad++;
		return 0;
	}
	err = rec_records__iter((const char *)data +
				sizeof(struct srec_records),
				size - sizeof(struct srec_records),
				load_record, te, &st);
	te->bad += st.bad + (st.stopped_at >= 0);
	return err;
}

static int cmp_key(const void *a, const void *b)
{
	const struct ev_key *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void task_events__finish(struct task_events *te)
{
	/* Each element starts with its key; qsort() wants no NULL base. */
	if (te->nr_execs)
		qsort(te->execs, te->nr_execs, sizeof(*te->execs), cmp_key);
	if (te->nr_names)
		qsort(te->names, te->nr_names, sizeof(*te->names), cmp_key);
	if (te->nr_maps)
		qsort(te->maps, te->nr_maps, sizeof(*te->maps), cmp_key);
	if (te->nr_periods)
		qsort(te->periods, te->nr_periods, sizeof(*te->periods),
		      cmp_key);
}

__u64 task_events__nr_bad(const struct task_events *te)
{
	return te->bad;
}

/*
 * Index of the first element of @arr (@nr elements of @size bytes, each
 * starting with a key) whose key is above (@id, @time_ns): that is, the
 * count of elements at or before it, with the run of @id starting at
 * *@first.
 */
static size_t key_upper(const void *arr, size_t nr, size_t size, __u32 id,
			__u64 time_ns, size_t *first)
{
	const char *base = arr;
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ev_key *k = (const void *)(base + mid * size);

		if (k->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	hi = nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ev_key *k = (const void *)(base + mid * size);

		if (k->id == id && k->time_ns <= time_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

unsigned int task_events__epoch(const struct task_events *te, __u32 pid,
				__u64 time_ns)
{
	size_t first, upto = key_upper(te->execs, te->nr_execs,
				       sizeof(*te->execs), pid, time_ns, &first);

	return upto - first;
}

__u64 task_events__epoch_end(const struct task_events *te, __u32 pid,
			     unsigned int epoch)
{
	size_t first;

	key_upper(te->execs, te->nr_execs, sizeof(*te->execs), pid, 0, &first);
	if (first + epoch < te->nr_execs &&
	    te->execs[first + epoch].k.id == pid)
		return te->execs[first + epoch].k.time_ns ?
		       te->execs[first + epoch].k.time_ns - 1 : 0;
	return UINT64_MAX;
}

const char *task_events__exec_comm(const struct task_events *te, __u32 pid,
				   unsigned int epoch)
{
	size_t first;

	if (!epoch)
		return NULL;
	key_upper(te->execs, te->nr_execs, sizeof(*te->execs), pid, 0, &first);
	if (first + epoch - 1 < te->nr_execs &&
	    te->execs[first + epoch - 1].k.id == pid)
		return te->execs[first + epoch - 1].comm;
	return NULL;
}

const char *task_events__thread_comm(const struct task_events *te,
				     __u32 tid, __u64 time_ns)
{
	size_t first, upto = key_upper(te->names, te->nr_names,
				       sizeof(*te->names), tid, time_ns,
				       &first);

	return upto > first ? te->names[upto - 1].comm : NULL;
}

bool task_events__period(const struct task_events *te, __u32 cpu,
			 __u64 time_ns, __u64 *period_ns)
{
	size_t first, upto;

	if (!te->nr_periods)
		return false;
	upto = key_upper(te->periods, te->nr_periods, sizeof(*te->periods),
			 cpu, time_ns, &first);
	if (upto <= first)
		return false;
	*period_ns = te->periods[upto - 1].period_ns;
	return true;
}

size_t task_events__nr_periods(const struct task_events *te)
{
	return te->nr_periods;
}

static int cmp_map(const void *a, const void *b)
{
	return map__cmp(a, b);
}

/* Most records of one process and epoch whose overlaps are sorted out. */
#define MAX_SPLIT_RECORDS	4096

static void map_of_record(struct map *m, const struct sonde_mmap_event *r)
{
	m->start = r->start;
	m->end = r->end;
	m->pgoff = r->pgoff;
	m->path = r->path_size > 1 ? r->path :
		  r->flags & SONDE_MMAP_ANON ? ANON_PATH :
		  r->flags & SONDE_MMAP_PATH_TRUNCATED ? LONG_PATH : "";
	m->build_id = r->build_id;
	m->build_id_size = r->build_id_size;
}

/*
 * Hand @n maps (a copy of @maps, sorted, each once) to @add as the
 * snapshot of @pid's @epoch that holds until @time_ns.
 */
static int emit_snapshot(const struct map *maps, size_t n, __u32 pid,
			 unsigned int epoch, __u64 time_ns,
			 int (*add)(void *ctx, __u32 pid,
				    struct snapshot *snap),
			 void *ctx)
{
	struct snapshot snap = { .epoch = epoch, .time_ns = time_ns };
	size_t i, kept;

	snap.maps = calloc(n + 1, sizeof(*snap.maps));
	if (!snap.maps)
		return -ENOMEM;
	memcpy(snap.maps, maps, n * sizeof(*maps));
	/* The same mapping reported again (another CPU, a new mm): once. */
	if (n > 1)
		qsort(snap.maps, n, sizeof(*snap.maps), cmp_map);
	for (i = 1, kept = n ? 1 : 0; i < n; i++)
		if (map__cmp(&snap.maps[kept - 1], &snap.maps[i]))
			snap.maps[kept++] = snap.maps[i];
	snap.nr_maps = kept;
	return add(ctx, pid, &snap);
}

static bool maps_overlap(const struct map *a, const struct map *b)
{
	return a->start < b->end && b->start < a->end;
}

/* Whether sorted, distinct @maps overlap anywhere. */
static bool any_overlap(struct map *maps, size_t n)
{
	size_t i, kept;

	if (n > 1)
		qsort(maps, n, sizeof(*maps), cmp_map);
	for (i = 1, kept = n ? 1 : 0; i < n; i++)
		if (map__cmp(&maps[kept - 1], &maps[i]))
			maps[kept++] = maps[i];
	for (i = 1; i < kept; i++)
		if (maps[i].start < maps[i - 1].end)
			return true;
	return false;
}

/*
 * The snapshots of te->maps[from, to): one process, one epoch.  Usually
 * one, with every mapping reported in it.  When a range was mapped
 * again by something else (dlclose() then dlopen(), a reused JIT
 * region), the records are taken in time order and a new snapshot
 * starts at each record that overlaps a mapping of the current one,
 * which it replaces; so a snapshot never holds two mappings of one
 * address.  Past MAX_SPLIT_RECORDS records (an untrusted file could ask
 * for quadratic work) the group stays one snapshot.
 */
static int make_snapshots(struct task_events *te, size_t from, size_t to,
			  unsigned int epoch,
			  int (*add)(void *ctx, __u32 pid,
				     struct snapshot *snap),
			  void *ctx)
{
	__u32 pid = te->maps[from].k.id;
	__u64 end = task_events__epoch_end(te, pid, epoch);
	size_t i, j, n = to - from, cur = 0;
	struct map *maps, *run;
	int err = 0;

	maps = calloc(2 * n, sizeof(*maps));
	if (!maps)
		return -ENOMEM;
	run = maps + n;
	for (i = 0; i < n; i++)
		map_of_record(&maps[i], te->maps[from + i].rec);
	memcpy(run, maps, n * sizeof(*maps));
	if (n > MAX_SPLIT_RECORDS || !any_overlap(run, n)) {
		err = emit_snapshot(maps, n, pid, epoch, end, add, ctx);
		free(maps);
		return err;
	}
	for (i = 0; i < n && !err; i++) {
		bool clash = false, same = false;

		for (j = 0; j < cur; j++) {
			if (!map__cmp(&run[j], &maps[i]))
				same = true;
			else if (maps_overlap(&run[j], &maps[i]))
				clash = true;
		}
		if (same && !clash)
			continue;
		if (clash) {
			__u64 t = te->maps[from + i].k.time_ns;

			err = emit_snapshot(run, cur, pid, epoch, t ? t - 1 : 0,
					    add, ctx);
			/* The mappings it replaces go. */
			for (j = 0; j < cur;)
				if (maps_overlap(&run[j], &maps[i]))
					run[j] = run[--cur];
				else
					j++;
		}
		run[cur++] = maps[i];
	}
	if (!err)
		err = emit_snapshot(run, cur, pid, epoch, end, add, ctx);
	free(maps);
	return err;
}

int task_events__snapshots(struct task_events *te,
			   int (*add)(void *ctx, __u32 pid,
				      struct snapshot *snap),
			   void *ctx)
{
	size_t i, from = 0;
	unsigned int epoch = 0, e;
	int err;

	for (i = 0; i < te->nr_maps; i++) {
		const struct ev_key *k = &te->maps[i].k;

		e = task_events__epoch(te, k->id, k->time_ns);
		if (i > from && (k->id != te->maps[from].k.id || e != epoch)) {
			err = make_snapshots(te, from, i, epoch, add, ctx);
			if (err)
				return err;
			from = i;
		}
		epoch = e;
	}
	if (te->nr_maps)
		return make_snapshots(te, from, te->nr_maps, epoch, add, ctx);
	return 0;
}
