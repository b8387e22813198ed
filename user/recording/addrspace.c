// SPDX-License-Identifier: GPL-2.0
/*
 * Recording layer: snapshots of a recorded process: read from PROCESS
 * sections, and the lookup of an address among them (addrspace.h).
 *
 * Within one snapshot the mappings do not overlap (they come from
 * /proc/PID/maps), so a binary search over them sorted by start finds an
 * address.  When the snapshot chosen for a sample does not map the
 * address (around an exec), every snapshot is a candidate: instead of
 * scanning them all per sample (500k samples took minutes with 1,000
 * snapshots), the first miss builds an index of the process's distinct
 * mappings, each with the sorted list of snapshots that hold it.  A
 * process snapshotted 1,000 times with the same layout has as many index
 * entries as one snapshot has mappings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "recording/addrspace.h"
#include "recording/recording.h"
#include "lib/untrusted.h"
#include "lib/util.h"

struct span {
	const struct map *map;	/* one of the identical mappings */
	__u64 max_end;		/* the largest end of spans up to this one */
	unsigned int *gens;	/* snapshots holding it, ascending */
	unsigned int nr_gens;
};

struct map_index {
	struct span *spans;	/* sorted by start */
	size_t nr;
	unsigned int *gens;	/* storage of every span's gens */
};

static int cmp_map(const void *a, const void *b)
{
	const struct map *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

_Static_assert(SNAPSHOT_COMM_LEN ==
	       sizeof(((struct srec_process *)0)->comm) + 1,
	       "a recorded comm and its NUL");

int snapshot__parse(struct snapshot *snap, const void *data, __u64 size,
		    __u32 *pid, char comm[SNAPSHOT_COMM_LEN])
{
	const struct srec_process *ph = data;
	const char *p = data, *end = p + size;
	__u32 i;

	memset(snap, 0, sizeof(*snap));
	if (size < sizeof(*ph))
		return -EBADMSG;
	text_clean(comm, SNAPSHOT_COMM_LEN, ph->comm, sizeof(ph->comm));
	*pid = ph->pid;
	snap->time_ns = ph->time_ns;
	snap->flags = ph->flags;
	/* Bound the allocation by what the section can hold. */
	if (ph->nr_maps > size / sizeof(struct srec_map))
		return -EBADMSG;
	snap->maps = calloc(ph->nr_maps + 1, sizeof(*snap->maps));
	if (!snap->maps)
		return -ENOMEM;
	p += sizeof(*ph);
	for (i = 0; i < ph->nr_maps; i++) {
		const struct srec_map *m = (const void *)p;
		struct map *out = &snap->maps[snap->nr_maps];

		if ((size_t)(end - p) < sizeof(*m) ||
		    (size_t)(end - p) - sizeof(*m) < (__u64)m->path_len + 1 ||
		    p[sizeof(*m) + m->path_len] != '\0' ||
		    m->build_id_size > sizeof(m->build_id))
			break;
		out->start = m->start;
		out->end = m->end;
		out->pgoff = m->pgoff;
		out->path = p + sizeof(*m);
		out->build_id = m->build_id;
		out->build_id_size = m->build_id_size;
		if (m->end > m->start)
			snap->nr_maps++;
		p += ALIGN8(sizeof(*m) + m->path_len + 1);
		if (p > end)
			break;
	}
	return 0;
}

int proc__add_snapshot(struct proc *p, const struct snapshot *snap)
{
	if (p->nr_snaps == p->cap_snaps) {
		unsigned int cap = p->cap_snaps ? 2 * p->cap_snaps : 4;
		struct snapshot *sn = reallocarray(p->snaps, cap, sizeof(*sn));

		if (!sn) {
			free(snap->maps);
			return -ENOMEM;
		}
		p->snaps = sn;
		p->cap_snaps = cap;
	}
	p->snaps[p->nr_snaps] = *snap;
	p->snaps[p->nr_snaps].seq = p->nr_snaps;
	if (snap->nr_maps > 1)
		qsort(snap->maps, snap->nr_maps, sizeof(*snap->maps), cmp_map);
	p->nr_snaps++;
	return 0;
}

static int cmp_snapshot(const void *a, const void *b)
{
	const struct snapshot *x = a, *y = b;

	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void proc__finish(struct proc *p)
{
	if (p->nr_snaps > 1)
		qsort(p->snaps, p->nr_snaps, sizeof(*p->snaps), cmp_snapshot);
}

unsigned int proc__snapshot_at(const struct proc *p, __u64 time_ns)
{
	unsigned int lo = 0, hi = p->nr_snaps;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (p->snaps[mid].time_ns >= time_ns)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < p->nr_snaps ? lo : p->nr_snaps - 1;
}

bool proc__epoch_range(const struct proc *p, unsigned int epoch,
		       unsigned int *first, unsigned int *last)
{
	unsigned int lo = 0, hi = p->nr_snaps;

	/* Sorted by time, epochs never decrease: two binary searches. */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (p->snaps[mid].epoch < epoch)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	hi = p->nr_snaps;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (p->snaps[mid].epoch <= epoch)
			lo = mid + 1;
		else
			hi = mid;
	}
	*last = lo - 1;
	return lo > *first;
}

/* The mapping of @addr in @sn (maps sorted by start), or NULL. */
static struct map *snapshot_find(const struct snapshot *sn, __u64 addr)
{
	size_t lo = 0, hi = sn->nr_maps;

	/* lo: the number of maps starting at or below @addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sn->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr < sn->maps[lo - 1].end)
		return &sn->maps[lo - 1];
	return NULL;
}

struct entry {
	const struct map *map;
	unsigned int gen;
};

bool map__is_anon(const struct map *m)
{
	return !m->path || !m->path[0] || !strcmp(m->path, "//anon") ||
	       (m->path[0] == '[' && strcmp(m->path, "[vdso]"));
}

int map__cmp(const struct map *m, const struct map *n)
{
	int c;

	if (m->start != n->start)
		return m->start < n->start ? -1 : 1;
	if (m->end != n->end)
		return m->end < n->end ? -1 : 1;
	if (m->pgoff != n->pgoff)
		return m->pgoff < n->pgoff ? -1 : 1;
	c = strcmp(m->path, n->path);
	if (c)
		return c;
	if (m->build_id_size != n->build_id_size)
		return m->build_id_size < n->build_id_size ? -1 : 1;
	return memcmp(m->build_id, n->build_id, m->build_id_size);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = map__cmp(x->map, y->map);

	if (c)
		return c;
	return x->gen < y->gen ? -1 : x->gen > y->gen;
}

static bool same_map(const struct entry *x, const struct entry *y)
{
	struct entry a = *x, b = *y;

	a.gen = b.gen = 0;
	return !cmp_entry(&a, &b);
}

static void index_free(struct map_index *ix)
{
	if (!ix)
		return;
	free(ix->spans);
	free(ix->gens);
	free(ix);
}

/* Every distinct mapping of @p, each with the snapshots that hold it. */
static struct map_index *index_build(const struct proc *p)
{
	struct map_index *ix = calloc(1, sizeof(*ix));
	struct entry *ents = NULL;
	size_t nr = 0, i, j;
	unsigned int g;
	__u64 max_end = 0;

	if (!ix)
		return NULL;
	for (g = 0; g < p->nr_snaps; g++)
		nr += p->snaps[g].nr_maps;
	ents = calloc(nr + 1, sizeof(*ents));
	ix->gens = calloc(nr + 1, sizeof(*ix->gens));
	ix->spans = calloc(nr + 1, sizeof(*ix->spans));
	if (!ents || !ix->gens || !ix->spans) {
		free(ents);
		index_free(ix);
		return NULL;
	}
	nr = 0;
	for (g = 0; g < p->nr_snaps; g++)
		for (j = 0; j < p->snaps[g].nr_maps; j++) {
			ents[nr].map = &p->snaps[g].maps[j];
			ents[nr++].gen = g;
		}
	qsort(ents, nr, sizeof(*ents), cmp_entry);
	for (i = 0; i < nr; i = j) {
		struct span *sp = &ix->spans[ix->nr++];

		sp->map = ents[i].map;
		sp->gens = &ix->gens[i];
		for (j = i; j < nr && same_map(&ents[i], &ents[j]); j++)
			sp->gens[sp->nr_gens++] = ents[j].gen;
		if (sp->map->end > max_end)
			max_end = sp->map->end;
		sp->max_end = max_end;
	}
	free(ents);
	return ix;
}

/*
 * The snapshot in @sp nearest to @gen, earlier first, among snapshots
 * [@first, @last] (which hold @gen); its distance, ~0U when none is.
 */
static unsigned int nearest_gen(const struct span *sp, unsigned int gen,
				unsigned int first, unsigned int last,
				unsigned int *dist)
{
	unsigned int lo = 0, hi = sp->nr_gens, best;
	bool before, after;

	/* lo: the first snapshot at or after @gen. */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (sp->gens[mid] < gen)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The two neighbours of @gen, if they lie in the range. */
	before = lo && sp->gens[lo - 1] >= first;
	after = lo < sp->nr_gens && sp->gens[lo] <= last;
	if (!before && !after) {
		*dist = ~0U;
		return 0;
	}
	if (before && (!after || gen - sp->gens[lo - 1] <= sp->gens[lo] - gen))
		best = sp->gens[lo - 1];
	else
		best = sp->gens[lo];
	*dist = best > gen ? best - gen : gen - best;
	return best;
}

struct map *proc__find_map(struct proc *p, unsigned int gen, __u64 addr,
			   unsigned int *found)
{
	struct map *m = NULL;
	unsigned int best = 0, best_dist = ~0U, first, last;
	size_t lo, hi;
	long i;

	if (gen >= p->nr_snaps)
		return NULL;
	m = snapshot_find(&p->snaps[gen], addr);
	if (m) {
		*found = gen;
		return m;
	}
	if (p->nr_snaps == 1)
		return NULL;
	proc__epoch_range(p, p->snaps[gen].epoch, &first, &last);
	if (!p->index) {
		p->index = index_build(p);
		if (!p->index)
			return NULL;	/* out of memory: unresolved */
	}
	lo = 0;
	hi = p->index->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->index->spans[mid].map->start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/*
	 * Spans starting at or below @addr, walked down while one of them
	 * (or one before) still reaches past it.
	 */
	for (i = (long)lo - 1; i >= 0 && p->index->spans[i].max_end > addr;
	     i--) {
		const struct span *sp = &p->index->spans[i];
		unsigned int g, dist;

		if (addr >= sp->map->end)
			continue;
		g = nearest_gen(sp, gen, first, last, &dist);
		if (dist < best_dist || (dist == best_dist && g < best)) {
			best = g;
			best_dist = dist;
		}
	}
	if (best_dist == ~0U)
		return NULL;
	*found = best;
	return snapshot_find(&p->snaps[best], addr);
}

void proc__free(struct proc *p)
{
	unsigned int i;

	if (!p)
		return;
	for (i = 0; i < p->nr_snaps; i++)
		free(p->snaps[i].maps);
	free(p->snaps);
	index_free(p->index);
	free(p);
}
