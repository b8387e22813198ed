// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: the processes sonde record has seen, and when to snapshot
 * their maps (seen.h).
 *
 * Single-threaded: called from the recorder's loop only; nothing here is
 * global.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/util.h"
#include "recording/recording.h"
#include "record/seen.h"

/* Re-snapshot backoff per process: first wait, and the longest. */
#define RESNAP_MIN_NS		100000000ULL
#define RESNAP_MAX_NS		8000000000ULL

/*
 * struct seen_pid - a process whose samples were drained.  Its snapshot is
 * taken when first seen; a process maps more code later (the dynamic
 * loader maps libc after exec, dlopen()), so a sample whose user IP lies
 * outside the last snapshot's ranges asks for another one.  The backoff
 * bounds that for code that is never in a snapshot (JIT, anonymous).
 */
struct seen_pid {
	__u64 *ranges;		/* start, end pairs of the last snapshot */
	unsigned int nr_ranges;
	unsigned int last_range;	/* where in_ranges() last found one */
	/*
	 * Queued for a snapshot, or one is being taken: no other is asked
	 * for until its answer is noted (note_snapshot, note_no_snapshot).
	 */
	bool pending;
	__u64 next_ns;		/* no re-snapshot for samples before this */
	__u64 backoff_ns;
	bool exited;		/* its main thread's EXIT was drained */
	__u64 forget_at;	/* seen_pids.flushes at which it goes */
};

/* Flushes between an EXIT and forgetting: each drains every ring once. */
#define FORGET_AFTER_FLUSHES	2

void seen_pids__init(struct seen_pids *s)
{
	memset(s, 0, sizeof(*s));
	hmap__init(&s->seen, NULL);
}

void seen_pids__free(struct seen_pids *s)
{
	struct hmap_entry *e;

	hmap__for_each(&s->seen, e) {
		struct seen_pid *sp = e->val;

		free(sp->ranges);
		free(sp);
	}
	hmap__free(&s->seen);
	s->last = NULL;
	free(s->pending);
	free(s->gone);
}

static struct seen_pid *find_seen(struct seen_pids *s, __u32 pid)
{
	struct seen_pid *sp;

	if (s->last && s->last_pid == pid)
		return s->last;
	sp = hmap__find(&s->seen, hash_u64(pid), (void *)(unsigned long)pid);
	if (sp) {
		s->last_pid = pid;
		s->last = sp;
	}
	return sp;
}

/* Room for one more pid in *@arr, @nr used of *@cap.  0 or -ENOMEM. */
static int pids_reserve(__u32 **arr, unsigned int nr, unsigned int *cap)
{
	unsigned int want = *cap ? *cap * 2 : 64;
	__u32 *p;

	if (nr < *cap)
		return 0;
	p = realloc(*arr, want * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = want;
	return 0;
}

static int queue_pid(struct seen_pids *s, __u32 pid)
{
	if (pids_reserve(&s->pending, s->nr_pending, &s->cap_pending))
		return -ENOMEM;
	s->pending[s->nr_pending++] = pid;
	return 0;
}

static bool range_holds(const struct seen_pid *sp, unsigned int i,
			__u64 addr)
{
	return addr >= sp->ranges[2 * i] && addr < sp->ranges[2 * i + 1];
}

/* The range that held the last address found is tried first. */
static bool in_ranges(struct seen_pid *sp, __u64 addr)
{
	unsigned int i;

	if (sp->last_range < sp->nr_ranges &&
	    range_holds(sp, sp->last_range, addr))
		return true;
	for (i = 0; i < sp->nr_ranges; i++)
		if (range_holds(sp, i, addr)) {
			sp->last_range = i;
			return true;
		}
	return false;
}

/* Called for every sample: no syscall here, only lookups. */
int seen_pids__note_sample(struct seen_pids *s,
			   const struct sonde_sample *smp)
{
	struct seen_pid *sp;
	__u64 addr = 0;

	if (!smp->pid)
		return 0;
	sp = find_seen(s, smp->pid);
	if (!sp) {
		sp = calloc(1, sizeof(*sp));
		if (!sp || hmap__insert(&s->seen, hash_u64(smp->pid),
					(void *)(unsigned long)smp->pid, sp)) {
			free(sp);
			return -ENOMEM;
		}
		sp->pending = true;
		return queue_pid(s, smp->pid);
	}
	if (sp->pending || sp->exited || smp->time_ns < sp->next_ns ||
	    (smp->flags & SONDE_SAMPLE_KTHREAD))
		return 0;
	if (smp->flags & SONDE_SAMPLE_USER_REGS)
		addr = smp->user_ip;
	else if (smp->context == SONDE_CTX_USER)
		addr = smp->ip;
	if (!addr || in_ranges(sp, addr))
		return 0;
	sp->pending = true;
	return queue_pid(s, smp->pid);
}

/* An answer to a snapshot: the next one waits a while, twice as long. */
static void start_backoff(struct seen_pid *sp, __u64 time_ns)
{
	sp->pending = false;
	sp->backoff_ns = sp->backoff_ns ?
			 min_t(__u64, 2 * sp->backoff_ns, RESNAP_MAX_NS) :
			 RESNAP_MIN_NS;
	sp->next_ns = time_ns + sp->backoff_ns;
}

/* Remember the ranges of the snapshot @snap for @pid. */
int seen_pids__note_snapshot(struct seen_pids *s, __u32 pid,
			     const void *snap, size_t len, __u64 time_ns)
{
	const struct srec_process *ph = snap;
	const char *p = (const char *)snap + sizeof(*ph);
	const char *end = (const char *)snap + len;
	struct seen_pid *sp = find_seen(s, pid);
	__u64 *ranges;
	__u32 i;

	if (!sp)
		return 0;
	ranges = realloc(sp->ranges, (ph->nr_maps + 1) * 2 * sizeof(__u64));
	if (!ranges)
		return -ENOMEM;
	sp->ranges = ranges;
	sp->nr_ranges = 0;
	for (i = 0; i < ph->nr_maps &&
	     (size_t)(end - p) >= sizeof(struct srec_map); i++) {
		const struct srec_map *m = (const void *)p;

		ranges[2 * sp->nr_ranges] = m->start;
		ranges[2 * sp->nr_ranges + 1] = m->end;
		sp->nr_ranges++;
		p += ALIGN8(sizeof(*m) + m->path_len + 1);
	}
	start_backoff(sp, time_ns);
	return 0;
}

int seen_pids__note_no_snapshot(struct seen_pids *s, __u32 pid,
				__u64 time_ns)
{
	struct seen_pid *sp = find_seen(s, pid);

	if (sp)
		start_backoff(sp, time_ns);
	return 0;
}

int seen_pids__note_exit(struct seen_pids *s, __u32 pid)
{
	struct seen_pid *sp = find_seen(s, pid);

	if (!sp || sp->exited)
		return 0;
	if (s->first_gone + s->nr_gone == s->cap_gone && s->first_gone) {
		/* Slide the live part down before growing. */
		memmove(s->gone, s->gone + s->first_gone,
			s->nr_gone * sizeof(*s->gone));
		s->first_gone = 0;
	}
	if (pids_reserve(&s->gone, s->first_gone + s->nr_gone, &s->cap_gone))
		return -ENOMEM;
	sp->exited = true;
	sp->forget_at = s->flushes + FORGET_AFTER_FLUSHES;
	s->gone[s->first_gone + s->nr_gone++] = pid;
	return 0;
}

/* Forget the exited pids whose time has come (oldest first). */
static void forget_gone(struct seen_pids *s)
{
	while (s->nr_gone) {
		__u32 pid = s->gone[s->first_gone];
		struct seen_pid *sp = find_seen(s, pid);

		if (sp && sp->exited && sp->forget_at > s->flushes)
			return;
		s->first_gone++;
		s->nr_gone--;
		/* A pid made new again by a late sample is kept. */
		if (!sp || !sp->exited)
			continue;
		hmap__remove(&s->seen, hash_u64(pid),
			     (void *)(unsigned long)pid);
		if (s->last == sp)
			s->last = NULL;
		free(sp->ranges);
		free(sp);
	}
}

int seen_pids__flush(struct seen_pids *s, seen_pid_fn fn, void *ctx)
{
	unsigned int i, n = s->nr_pending;
	int err;

	/* @fn may queue more (if it drains): those wait for the next flush. */
	for (i = 0; i < n; i++) {
		err = fn(s->pending[i], ctx);
		if (err)
			return err;
	}
	if (n) {	/* else @pending may be NULL, for memmove() too */
		s->nr_pending -= n;
		memmove(s->pending, s->pending + n,
			s->nr_pending * sizeof(*s->pending));
	}
	s->flushes++;
	forget_gone(s);
	return 0;
}

int seen_pids__for_each(struct seen_pids *s, seen_pid_fn fn, void *ctx)
{
	struct hmap_entry *e;
	int err;

	hmap__for_each(&s->seen, e) {
		const struct seen_pid *sp = e->val;

		if (sp->exited)
			continue;
		err = fn((unsigned long)e->key, ctx);
		if (err)
			return err;
	}
	return 0;
}
