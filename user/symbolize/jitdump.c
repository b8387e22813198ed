// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolize layer: parsing jitdumps, and a recording's jitdumps by
 * process (jitdump.h).
 *
 * A dump becomes codes (one per CODE_LOAD: name and source lines) and
 * placements: code C covered [start, end) from time @from until @to (a
 * CODE_MOVE of C ends one placement and starts another).  Placements are
 * sorted by start, with the highest end of every prefix, so a lookup is a
 * binary search and a walk back over the placements that may cover the
 * address, at most JITDUMP_MAX_SCAN of them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/util.h"
#include "symbolize/jitdump.h"

#define HEADER_SIZE	40	/* magic .. flags */
#define RECORD_SIZE	16	/* id, total_size, timestamp */
#define LOAD_SIZE	40	/* pid .. code_index, before the name */
#define MOVE_SIZE	48
#define DEBUG_SIZE	16	/* code_addr, nr_entry */
#define ENTRY_SIZE	16	/* addr, lineno, discrim, before the name */
#define UNWIND_SIZE	24	/* unwinding, eh_frame_hdr and mapped sizes */

struct jd_line {
	__u64 addr;
	size_t file;		/* offset in names */
	__u32 line;
};

struct jd_code {
	size_t name;		/* offset in names */
	size_t first_line;	/* in lines, sorted by address */
	size_t nr_lines;
	__u64 start;		/* where it was loaded: lines are relative */
};

struct jd_place {
	__u64 start, end;
	__u64 from, to;		/* [from, to) in time */
	__u32 code;
};

struct jitdump {
	struct jd_code *codes;
	size_t nr_codes, cap_codes;
	struct jd_place *places;	/* sorted by start once parsed */
	size_t nr_places, cap_places;
	__u64 *max_end;			/* per place: highest end up to it */
	struct jd_line *lines;
	size_t nr_lines, cap_lines;
	struct buf names;		/* NUL-terminated strings */
	struct hmap current;		/* code index -> its place index */
	/* The last CODE_DEBUG_INFO, waiting for its CODE_LOAD. */
	__u64 pending_addr;
	size_t pending_first, pending_nr;
	bool pending;
};

static __u32 get32(const unsigned char *p)
{
	__u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static __u64 get64(const unsigned char *p)
{
	__u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int grow(void **arr, size_t *cap, size_t nr, size_t size)
{
	size_t n = *cap ? 2 * *cap : 64;
	void *a;

	if (nr < *cap)
		return 0;
	a = reallocarray(*arr, n, size);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = n;
	return 0;
}

/* The NUL-terminated string at @p (@len bytes left) into names. */
static int add_name(struct jitdump *jd, const unsigned char *p, size_t len,
		    size_t *off, size_t *used)
{
	const unsigned char *nul = memchr(p, '\0', len);

	if (!nul)
		return -EBADMSG;
	*off = jd->names.len;
	*used = nul + 1 - p;
	return buf__append(&jd->names, p, *used);
}

static int add_place(struct jitdump *jd, __u64 start, __u64 size,
		     __u64 from, __u32 code, __u64 index)
{
	struct jd_place *pl;
	__u64 h = hash_u64(index);
	void *key = (void *)(uintptr_t)index;
	size_t *cur;
	int err;

	err = grow((void **)&jd->places, &jd->cap_places, jd->nr_places,
		   sizeof(*pl));
	if (err)
		return err;
	pl = &jd->places[jd->nr_places++];
	pl->start = start;
	pl->end = start + size;
	pl->from = from;
	pl->to = UINT64_MAX;
	pl->code = code;
	/* The index's latest placement is the one a CODE_MOVE ends. */
	cur = hmap__find(&jd->current, h, key);
	if (!cur) {
		cur = malloc(sizeof(*cur));
		if (!cur)
			return -ENOMEM;
		err = hmap__insert(&jd->current, h, key, cur);
		if (err) {
			free(cur);
			return err;
		}
	}
	*cur = jd->nr_places - 1;
	return 0;
}

static int parse_load(struct jitdump *jd, const unsigned char *p,
		      size_t len, __u64 time, struct jitdump_stats *st)
{
	__u64 addr, size, index;
	struct jd_code *c;
	size_t used;
	int err;

	if (len < LOAD_SIZE)
		return -EBADMSG;
	addr = get64(p + 16);
	size = get64(p + 24);
	index = get64(p + 32);
	if (!size || addr + size < addr || jd->nr_codes >= UINT32_MAX)
		return -EBADMSG;
	err = grow((void **)&jd->codes, &jd->cap_codes, jd->nr_codes,
		   sizeof(*c));
	if (err)
		return err;
	c = &jd->codes[jd->nr_codes];
	err = add_name(jd, p + LOAD_SIZE, len - LOAD_SIZE, &c->name, &used);
	if (err)
		return err;
	/* The code bytes follow the name: a record too short lies. */
	if (size > len - LOAD_SIZE - used)
		return -EBADMSG;
	c->start = addr;
	c->first_line = 0;
	c->nr_lines = 0;
	if (jd->pending && jd->pending_addr == addr) {
		c->first_line = jd->pending_first;
		c->nr_lines = jd->pending_nr;
	}
	jd->pending = false;
	err = add_place(jd, addr, size, time, jd->nr_codes, index);
	if (err)
		return err;
	jd->nr_codes++;
	st->loads++;
	return 0;
}

static int parse_move(struct jitdump *jd, const unsigned char *p,
		      size_t len, __u64 time, struct jitdump_stats *st)
{
	__u64 to, size, index;
	struct jd_place *old;
	size_t *cur;

	if (len < MOVE_SIZE)
		return -EBADMSG;
	to = get64(p + 24);
	size = get64(p + 32);
	index = get64(p + 40);
	cur = hmap__find(&jd->current, hash_u64(index),
			 (void *)(uintptr_t)index);
	if (!cur || !size || to + size < to)
		return -EBADMSG;
	old = &jd->places[*cur];
	/* A move in the past of its code's load would give it no time. */
	if (time < old->from)
		time = old->from;
	old->to = time;
	st->moves++;
	return add_place(jd, to, size, time, old->code, index);
}

static int line_cmp(const void *a, const void *b)
{
	const struct jd_line *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int parse_debug(struct jitdump *jd, const unsigned char *p,
		       size_t len, struct jitdump_stats *st)
{
	size_t first = jd->nr_lines, off = DEBUG_SIZE, prev = SIZE_MAX, used;
	__u64 nr, i;
	int err;

	if (len < DEBUG_SIZE)
		return -EBADMSG;
	nr = get64(p + 8);
	/* Each entry takes ENTRY_SIZE + 1 bytes at least: a huge count lies. */
	if (nr > (len - DEBUG_SIZE) / (ENTRY_SIZE + 1))
		return -EBADMSG;
	for (i = 0; i < nr; i++) {
		struct jd_line *l;

		if (len - off < ENTRY_SIZE + 1)
			goto bad;
		err = grow((void **)&jd->lines, &jd->cap_lines, jd->nr_lines,
			   sizeof(*l));
		if (err)
			return err;
		l = &jd->lines[jd->nr_lines];
		l->addr = get64(p + off);
		l->line = get32(p + off + 8);
		off += ENTRY_SIZE;
		/* "\xff" repeats the previous entry's file. */
		if (p[off] == 0xff && len - off >= 2 && !p[off + 1] &&
		    prev != SIZE_MAX) {
			l->file = prev;
			used = 2;
		} else {
			err = add_name(jd, p + off, len - off, &l->file, &used);
			if (err == -EBADMSG)
				goto bad;
			if (err)
				return err;
		}
		prev = l->file;
		off += used;
		jd->nr_lines++;
	}
	/* With no entries yet in the whole dump, jd->lines is NULL. */
	if (nr)
		qsort(jd->lines + first, nr, sizeof(*jd->lines), line_cmp);
	jd->pending = true;
	jd->pending_addr = get64(p);
	jd->pending_first = first;
	jd->pending_nr = nr;
	st->debug_infos++;
	return 0;
bad:
	jd->nr_lines = first;
	return -EBADMSG;
}

static int parse_unwinding(const unsigned char *p, size_t len,
			   struct jitdump_stats *st)
{
	__u64 unwind, hdr;

	if (len < UNWIND_SIZE)
		return -EBADMSG;
	unwind = get64(p);
	hdr = get64(p + 8);
	/* The .eh_frame and its header are inside the unwinding data. */
	if (unwind > len - UNWIND_SIZE || hdr > unwind)
		return -EBADMSG;
	st->unwinding_infos++;
	return 0;
}

static int place_cmp(const void *a, const void *b)
{
	const struct jd_place *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->from < y->from ? -1 : x->from > y->from;
}

static int finish(struct jitdump *jd)
{
	size_t i;

	if (!jd->nr_places)
		return 0;
	qsort(jd->places, jd->nr_places, sizeof(*jd->places), place_cmp);
	jd->max_end = calloc(jd->nr_places, sizeof(*jd->max_end));
	if (!jd->max_end)
		return -ENOMEM;
	for (i = 0; i < jd->nr_places; i++)
		jd->max_end[i] = max_t(__u64, jd->places[i].end,
				       i ? jd->max_end[i - 1] : 0);
	return 0;
}

/* The header, checked: 0 or the -errno jitdump__parse() returns. */
static int check_header(const unsigned char *p, size_t len, size_t *size)
{
	__u32 magic;

	if (len < HEADER_SIZE)
		return -EBADMSG;
	magic = get32(p);
	if (magic == __builtin_bswap32(JITDUMP_MAGIC))
		return -EPROTONOSUPPORT;
	if (magic != JITDUMP_MAGIC)
		return -EBADMSG;
	if (get32(p + 4) != JITDUMP_VERSION)
		return -EPROTONOSUPPORT;
	*size = get32(p + 8);
	if (*size < HEADER_SIZE || *size > len)
		return -EBADMSG;
	if (get64(p + 32) & JITDUMP_FLAGS_ARCH_TIMESTAMP)
		return -EOPNOTSUPP;
	return 0;
}

static int parse_records(struct jitdump *jd, const unsigned char *p,
			 size_t len, size_t off, struct jitdump_stats *st)
{
	int err;

	while (off < len) {
		__u32 id, size;
		__u64 time;

		if (len - off < RECORD_SIZE) {
			st->truncated = true;
			break;
		}
		id = get32(p + off);
		size = get32(p + off + 4);
		time = get64(p + off + 8);
		if (size < RECORD_SIZE) {
			/* No way to the next record: the rest is garbage. */
			st->bad++;
			break;
		}
		if (size > len - off) {
			st->truncated = true;
			break;
		}
		switch (id) {
		case JITDUMP_CODE_LOAD:
			err = parse_load(jd, p + off + RECORD_SIZE,
					 size - RECORD_SIZE, time, st);
			break;
		case JITDUMP_CODE_MOVE:
			err = parse_move(jd, p + off + RECORD_SIZE,
					 size - RECORD_SIZE, time, st);
			break;
		case JITDUMP_CODE_DEBUG_INFO:
			err = parse_debug(jd, p + off + RECORD_SIZE,
					  size - RECORD_SIZE, st);
			break;
		case JITDUMP_CODE_UNWINDING_INFO:
			err = parse_unwinding(p + off + RECORD_SIZE,
					      size - RECORD_SIZE, st);
			break;
		case JITDUMP_CODE_CLOSE:
			return 0;
		default:
			st->unknown++;
			err = 0;
		}
		if (err == -EBADMSG) {
			st->bad++;
			err = 0;
		}
		if (err)
			return err;
		off += size;
	}
	return 0;
}

static void free_current(struct jitdump *jd)
{
	struct hmap_entry *e;

	hmap__for_each(&jd->current, e)
		free(e->val);
	hmap__free(&jd->current);
	hmap__init(&jd->current, NULL);
}

int jitdump__parse(struct jitdump **jdp, const void *data, size_t len,
		   struct jitdump_stats *st)
{
	struct jitdump *jd;
	size_t off;
	int err;

	memset(st, 0, sizeof(*st));
	*jdp = NULL;
	err = check_header(data, len, &off);
	if (err)
		return err;
	jd = calloc(1, sizeof(*jd));
	if (!jd)
		return -ENOMEM;
	hmap__init(&jd->current, NULL);
	err = parse_records(jd, data, len, off, st) ?: finish(jd);
	/* Only parsing needs it. */
	free_current(jd);
	if (err) {
		jitdump__free(jd);
		return err;
	}
	*jdp = jd;
	return 0;
}

void jitdump__free(struct jitdump *jd)
{
	if (!jd)
		return;
	free(jd->codes);
	free(jd->places);
	free(jd->max_end);
	free(jd->lines);
	buf__free(&jd->names);
	free_current(jd);
	free(jd);
}

size_t jitdump__nr_codes(const struct jitdump *jd)
{
	return jd->nr_codes;
}

/* The source line of @addr inside code @c: the last entry at or below. */
static void find_line(const struct jitdump *jd, const struct jd_code *c,
		      __u64 addr, struct jitdump_hit *hit)
{
	const struct jd_line *l;
	size_t lo = 0, hi = c->nr_lines;

	hit->file = NULL;
	hit->line = 0;
	/* Without lines in the whole dump, jd->lines is NULL. */
	if (!hi)
		return;
	l = jd->lines + c->first_line;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo) {
		hit->file = jd->names.data + l[lo - 1].file;
		hit->line = l[lo - 1].line;
	}
}

bool jitdump__lookup(const struct jitdump *jd, __u64 addr, __u64 time_ns,
		     struct jitdump_hit *hit)
{
	const struct jd_place *best = NULL, *first = NULL, *pl;
	size_t lo = 0, hi = jd->nr_places, n;
	__u64 moved;

	/* Past the last placement that starts at or below @addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (jd->places[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (n = 0; lo && n < JITDUMP_MAX_SCAN; n++) {
		lo--;
		if (jd->max_end[lo] <= addr)
			break;
		pl = &jd->places[lo];
		if (pl->end <= addr)
			continue;
		if (pl->from <= time_ns && time_ns < pl->to &&
		    (!best || pl->from > best->from ||
		     (pl->from == best->from && pl->code > best->code)))
			best = pl;
		if (pl->from > time_ns && (!first || pl->from < first->from))
			first = pl;
	}
	if (!best)
		best = first;
	if (!best)
		return false;
	hit->name = jd->names.data + jd->codes[best->code].name;
	hit->start = best->start;
	hit->code = best->code;
	/* Lines are for the address the code was loaded at. */
	moved = jd->codes[best->code].start - best->start;
	find_line(jd, &jd->codes[best->code], addr + moved, hit);
	return true;
}

/* ---- a recording's jitdumps ---- */

struct jitdump_proc {
	struct jitdump *dump;
	char *path;
};

struct jitdumps {
	struct hmap by_pid;	/* pid -> struct jitdump_proc */
	const char *recording;
};

static const char *refusal(int err)
{
	switch (err) {
	case -EBADMSG:
		return "not a jitdump";
	case -EPROTONOSUPPORT:
		return "another jitdump version or byte order";
	case -EOPNOTSUPP:
		return "TSC timestamps (JITDUMP_FLAGS_ARCH_TIMESTAMP), which sonde cannot match to its CLOCK_MONOTONIC samples";
	}
	return strerror(-err);
}

static void warn_skipped(const struct jitdumps *jds, const char *path,
			 __u32 pid, const struct jitdump_stats *st)
{
	if (st->bad)
		pr_warn("%s: jitdump %s of pid %u: %llu bad records skipped",
			jds->recording, path, pid,
			(unsigned long long)st->bad);
}

static int load_one(const struct session_jitdump *sjd, void *ctx)
{
	struct jitdumps *jds = ctx;
	__u32 pid = sjd->hdr.pid;
	void *key = (void *)(unsigned long)pid;
	struct jitdump_proc *jp;
	struct jitdump_stats st;
	struct jitdump *dump;
	char *path = NULL;
	int err;

	err = jitdump__parse(&dump, sjd->data, sjd->len, &st);
	if (err == -ENOMEM)
		return err;
	if (sjd->hdr.ns_pid == pid || sjd->path[0] != '/')
		err = asprintf(&path, "%s", sjd->path) < 0 ? -ENOMEM : err;
	else
		err = asprintf(&path, "/proc/%u/root%s", pid, sjd->path) < 0 ?
		      -ENOMEM : err;
	if (err == -ENOMEM) {
		jitdump__free(dump);
		return err;
	}
	if (err) {
		pr_warn("%s: jitdump %s of pid %u not used: %s",
			jds->recording, path, pid, refusal(err));
		free(path);
		return 0;
	}
	jp = hmap__find(&jds->by_pid, hash_u64(pid), key);
	if (jp) {
		/* A later read of the same file holds all the earlier did. */
		jitdump__free(jp->dump);
		free(jp->path);
	} else {
		jp = calloc(1, sizeof(*jp));
		if (!jp || hmap__insert(&jds->by_pid, hash_u64(pid), key, jp)) {
			free(jp);
			free(path);
			jitdump__free(dump);
			return -ENOMEM;
		}
	}
	jp->dump = dump;
	jp->path = path;
	warn_skipped(jds, path, pid, &st);
	if (sjd->hdr.flags & SREC_JITDUMP_CUT)
		pr_warn("%s: jitdump %s of pid %u was cut at %u MiB of %llu bytes: later code stays unnamed",
			jds->recording, path, pid, SREC_JITDUMP_MAX >> 20,
			(unsigned long long)sjd->hdr.file_size);
	return 0;
}

int jitdumps__load(struct jitdumps **jdsp, struct session *s)
{
	struct jitdumps *jds = calloc(1, sizeof(*jds));
	int err;

	*jdsp = NULL;
	if (!jds)
		return -ENOMEM;
	hmap__init(&jds->by_pid, NULL);
	jds->recording = session__path(s);
	err = session__iter_jitdumps(s, load_one, jds);
	if (err) {
		jitdumps__free(jds);
		return err;
	}
	*jdsp = jds;
	return 0;
}

void jitdumps__free(struct jitdumps *jds)
{
	struct hmap_entry *e;

	if (!jds)
		return;
	hmap__for_each(&jds->by_pid, e) {
		struct jitdump_proc *jp = e->val;

		jitdump__free(jp->dump);
		free(jp->path);
		free(jp);
	}
	hmap__free(&jds->by_pid);
	free(jds);
}

const struct jitdump *jitdumps__find(const struct jitdumps *jds, __u32 pid,
				     const char **path)
{
	struct jitdump_proc *jp;

	jp = hmap__find(&jds->by_pid, hash_u64(pid),
			(void *)(unsigned long)pid);
	if (!jp)
		return NULL;
	*path = jp->path;
	return jp->dump;
}
