// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolize layer: parsing perf maps, and a recording's perf maps by
 * process (perfmap.h).
 *
 * "The last line wins per address" is resolved once, when parsing, by a
 * sweep over the entries' starts and ends in address order that keeps the
 * active entries in a heap ordered by line number: between two
 * consecutive boundaries, the address range belongs to the latest active
 * entry.  The result is a sorted array of disjoint ranges, so lookups are
 * a binary search and hostile overlaps cost O(n log n), never O(n^2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/util.h"
#include "symbolize/perfmap.h"

/* A used line: [start, end) named names + @name. */
struct pm_entry {
	__u64 start;
	__u64 end;
	__u32 name;
};

/* A range of addresses the latest entry covering it names. */
struct pm_range {
	__u64 start;
	__u64 end;
	__u32 entry;
};

struct perfmap {
	struct pm_entry *entries;	/* in line order */
	size_t nr_entries, cap_entries;
	struct pm_range *ranges;	/* sorted, disjoint */
	size_t nr_ranges;
	char *names;			/* NUL-terminated names, back to back */
	size_t names_len;
};

/* A boundary of the sweep: where entry @entry starts, or ends. */
struct pm_event {
	__u64 at;
	__u32 entry;
	__u32 is_start;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A hex number at *@p (before @end), with or without 0x, followed by a
 * blank; *@p is left on the first character after the blanks.
 */
static bool parse_hex(const char **p, const char *end, __u64 *out)
{
	const char *s = *p;
	__u64 v = 0;
	int d, n = 0;

	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s < end && (d = hex_digit(*s)) >= 0; s++, n++) {
		if (v >> 60)
			return false;
		v = v << 4 | d;
	}
	if (!n || s == end || !is_blank(*s))
		return false;
	while (s < end && is_blank(*s))
		s++;
	*p = s;
	*out = v;
	return true;
}

/* One line, without its newline: an entry, or counted in @st. */
static int parse_line(struct perfmap *pm, const char *line, size_t len,
		      struct perfmap_stats *st)
{
	const char *p = line, *end = line + len;
	struct pm_entry *e;
	__u64 start, size;

	if (len && line[len - 1] == '\r')
		end--;
	if (end == line)
		return 0;
	st->lines++;
	if (len > PERFMAP_MAX_LINE) {
		st->too_long++;
		return 0;
	}
	if (memchr(line, '\0', len) || !parse_hex(&p, end, &start) ||
	    !parse_hex(&p, end, &size) || p == end || !size ||
	    start + size < start) {
		st->bad++;
		return 0;
	}
	if (pm->nr_entries == pm->cap_entries) {
		size_t cap = pm->cap_entries ? 2 * pm->cap_entries : 256;

		e = reallocarray(pm->entries, cap, sizeof(*e));
		if (!e)
			return -ENOMEM;
		pm->entries = e;
		pm->cap_entries = cap;
	}
	e = &pm->entries[pm->nr_entries++];
	e->start = start;
	e->end = start + size;
	e->name = pm->names_len;
	/* Room was made for the whole text: a name is shorter than its line. */
	memcpy(pm->names + pm->names_len, p, end - p);
	pm->names_len += end - p;
	pm->names[pm->names_len++] = '\0';
	st->entries++;
	return 0;
}

static int event_cmp(const void *a, const void *b)
{
	const struct pm_event *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* Max-heap of entry indexes: the latest line on top. */
static void heap_push(__u32 *heap, size_t *nr, __u32 v)
{
	size_t i = (*nr)++;

	while (i && heap[(i - 1) / 2] < v) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = v;
}

static void heap_pop(__u32 *heap, size_t *nr)
{
	size_t i = 0, n = --(*nr), c;
	__u32 v = heap[n];

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && heap[c + 1] > heap[c])
			c++;
		if (heap[c] <= v)
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = v;
}

/* Give [from, to) to entry @entry, merging with the range before it. */
static void add_range(struct perfmap *pm, __u64 from, __u64 to, __u32 entry)
{
	struct pm_range *r = pm->nr_ranges ? &pm->ranges[pm->nr_ranges - 1]
					   : NULL;

	if (r && r->entry == entry && r->end == from) {
		r->end = to;
		return;
	}
	r = &pm->ranges[pm->nr_ranges++];
	r->start = from;
	r->end = to;
	r->entry = entry;
}

/*
 * The sweep: the ranges each address belongs to, and how many entries
 * lost addresses to later ones.  At most 2n - 1 ranges come out of n
 * entries (each boundary starts at most one).
 */
static int resolve_overlaps(struct perfmap *pm, struct perfmap_stats *st)
{
	size_t n = pm->nr_entries, nr_ev = 2 * n, nr_heap = 0, i, j;
	struct pm_event *ev;
	__u64 *owned, x = 0;
	bool *ended;
	__u32 *heap;
	int err = -ENOMEM;

	if (!n)
		return 0;
	ev = calloc(nr_ev, sizeof(*ev));
	heap = calloc(n, sizeof(*heap));
	ended = calloc(n, sizeof(*ended));
	owned = calloc(n, sizeof(*owned));
	pm->ranges = calloc(nr_ev, sizeof(*pm->ranges));
	if (!ev || !heap || !ended || !owned || !pm->ranges)
		goto out;
	for (i = 0; i < n; i++) {
		ev[2 * i] = (struct pm_event){ pm->entries[i].start, i, 1 };
		ev[2 * i + 1] = (struct pm_event){ pm->entries[i].end, i, 0 };
	}
	qsort(ev, nr_ev, sizeof(*ev), event_cmp);
	for (i = 0; i < nr_ev; i = j) {
		__u64 at = ev[i].at;

		while (nr_heap && ended[heap[0]])
			heap_pop(heap, &nr_heap);
		if (nr_heap && at > x) {
			add_range(pm, x, at, heap[0]);
			owned[heap[0]] += at - x;
		}
		for (j = i; j < nr_ev && ev[j].at == at; j++) {
			if (ev[j].is_start)
				heap_push(heap, &nr_heap, ev[j].entry);
			else
				ended[ev[j].entry] = true;
		}
		x = at;
	}
	for (i = 0; i < n; i++)
		if (owned[i] < pm->entries[i].end - pm->entries[i].start)
			st->overlapped++;
	err = 0;
out:
	free(ev);
	free(heap);
	free(ended);
	free(owned);
	return err;
}

int perfmap__parse(struct perfmap **pmp, const char *text, size_t len,
		   struct perfmap_stats *st)
{
	struct perfmap *pm = calloc(1, sizeof(*pm));
	const char *p = text, *end = text + len, *nl;
	int err = -ENOMEM;

	memset(st, 0, sizeof(*st));
	*pmp = NULL;
	if (!pm)
		return -ENOMEM;
	pm->names = malloc(len + 1);
	if (!pm->names)
		goto err;
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		err = parse_line(pm, p, nl - p, st);
		if (err)
			goto err;
		p = nl + 1;
	}
	err = resolve_overlaps(pm, st);
	if (err)
		goto err;
	*pmp = pm;
	return 0;
err:
	perfmap__free(pm);
	return err;
}

void perfmap__free(struct perfmap *pm)
{
	if (!pm)
		return;
	free(pm->entries);
	free(pm->ranges);
	free(pm->names);
	free(pm);
}

bool perfmap__lookup(const struct perfmap *pm, __u64 addr,
		     const char **name, __u64 *start)
{
	size_t lo = 0, hi = pm->nr_ranges;
	const struct pm_entry *e;

	/* The first range that ends after @addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->ranges[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == pm->nr_ranges || pm->ranges[lo].start > addr)
		return false;
	e = &pm->entries[pm->ranges[lo].entry];
	*name = pm->names + e->name;
	*start = e->start;
	return true;
}

size_t perfmap__nr_ranges(const struct perfmap *pm)
{
	return pm->nr_ranges;
}

/* ---- a recording's perf maps ---- */

struct perfmap_proc {
	struct perfmap *map;
	char path[64];
};

struct perfmaps {
	struct hmap by_pid;	/* pid -> struct perfmap_proc */
	const char *recording;
};

static void warn_skipped(const struct perfmaps *pms, const char *path,
			 __u32 pid, const struct perfmap_stats *st)
{
	__u64 bad = st->bad + st->too_long;

	if (!bad && !st->overlapped)
		return;
	pr_warn("%s: perf map %s of pid %u: %llu of %llu lines skipped (%llu unparsable, %llu longer than %u bytes), %llu entries overlapped by later ones",
		pms->recording, path, pid, (unsigned long long)bad,
		(unsigned long long)st->lines, (unsigned long long)st->bad,
		(unsigned long long)st->too_long, (unsigned int)PERFMAP_MAX_LINE,
		(unsigned long long)st->overlapped);
}

static int load_one(const struct session_perfmap *spm, void *ctx)
{
	struct perfmaps *pms = ctx;
	__u32 pid = spm->hdr.pid;
	void *key = (void *)(unsigned long)pid;
	struct perfmap_proc *pp;
	struct perfmap_stats st;
	struct perfmap *map;
	int err;

	err = perfmap__parse(&map, spm->text, spm->len, &st);
	if (err)
		return err;
	pp = hmap__find(&pms->by_pid, hash_u64(pid), key);
	if (pp) {
		/* A later read of the same file holds all the earlier did. */
		perfmap__free(pp->map);
	} else {
		pp = calloc(1, sizeof(*pp));
		if (!pp || hmap__insert(&pms->by_pid, hash_u64(pid), key, pp)) {
			free(pp);
			perfmap__free(map);
			return -ENOMEM;
		}
	}
	pp->map = map;
	if (spm->hdr.ns_pid == pid)
		snprintf(pp->path, sizeof(pp->path), "/tmp/perf-%u.map", pid);
	else
		snprintf(pp->path, sizeof(pp->path),
			 "/proc/%u/root/tmp/perf-%u.map", pid,
			 spm->hdr.ns_pid);
	warn_skipped(pms, pp->path, pid, &st);
	if (spm->hdr.flags & SREC_PERFMAP_CUT)
		pr_warn("%s: perf map %s of pid %u was cut at %u MiB of %llu bytes: later code stays unnamed",
			pms->recording, pp->path, pid, SREC_PERFMAP_MAX >> 20,
			(unsigned long long)spm->hdr.file_size);
	return 0;
}

int perfmaps__load(struct perfmaps **pmsp, struct session *s)
{
	struct perfmaps *pms = calloc(1, sizeof(*pms));
	int err;

	*pmsp = NULL;
	if (!pms)
		return -ENOMEM;
	hmap__init(&pms->by_pid, NULL);
	pms->recording = session__path(s);
	err = session__iter_perfmaps(s, load_one, pms);
	if (err) {
		perfmaps__free(pms);
		return err;
	}
	*pmsp = pms;
	return 0;
}

void perfmaps__free(struct perfmaps *pms)
{
	struct hmap_entry *e;

	if (!pms)
		return;
	hmap__for_each(&pms->by_pid, e) {
		struct perfmap_proc *pp = e->val;

		perfmap__free(pp->map);
		free(pp);
	}
	hmap__free(&pms->by_pid);
	free(pms);
}

const struct perfmap *perfmaps__find(const struct perfmaps *pms, __u32 pid,
				     const char **path)
{
	struct perfmap_proc *pp;

	pp = hmap__find(&pms->by_pid, hash_u64(pid),
			(void *)(unsigned long)pid);
	if (!pp)
		return NULL;
	*path = pp->path;
	return pp->map;
}
