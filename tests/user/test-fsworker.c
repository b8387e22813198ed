// SPDX-License-Identifier: GPL-2.0
/*
 * The recorder's file system worker (record/fsworker.c): a job that
 * stalls (a file read over a slow file system, here a read from a pipe
 * nobody writes yet) stalls the worker only: the owner's submissions and
 * collects return at once, and the results come in submission order, with
 * the job's kind, pid, flags and bytes, once it goes on.  Errors reach
 * the owner; freeing drops what was not started; with the recorder's
 * real snapshot job, procmap__snapshot(), the worker snapshots this
 * process and reports a vanished one as -ESRCH.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "helpers.h"
#include "record/procmap.h"
#include "record/fsworker.h"

/* A run function that waits on @gate for pids from @stall_from on. */
struct gated {
	int gate[2];		/* a byte written to [1] lets one job go */
	__u32 stall_from;	/* pids >= this wait on the gate */
	__u32 gone;		/* this pid's job fails with -ESRCH */
	atomic_uint taken;
	atomic_long tid;	/* the thread the jobs ran on */
};

static int gated_run(const struct fs_job *job, __u64 time_ns,
		     struct buf *out, void *ctx)
{
	struct gated *g = ctx;
	char c;

	atomic_store(&g->tid, syscall(SYS_gettid));
	if (job->pid >= g->stall_from && read(g->gate[0], &c, 1) != 1)
		return -EIO;
	atomic_fetch_add(&g->taken, 1);
	if (g->gone && job->pid == g->gone)
		return -ESRCH;
	return buf__printf(out, "kind %u pid %u flags %u %.*s", job->kind,
			   job->pid, job->flags, (int)job->len,
			   job->data ? (const char *)job->data : "");
}

struct seen_results {
	__u32 pids[16];
	int errs[16];
	__u64 times[16];
	char text[16][64];
	unsigned int nr;
	int fail_at;		/* pid whose result @done refuses, or 0 */
};

static int note_result(const struct fs_result *res, void *ctx)
{
	struct seen_results *s = ctx;

	if (s->nr == 16)
		return -E2BIG;
	s->pids[s->nr] = res->pid;
	s->errs[s->nr] = res->err;
	s->times[s->nr] = res->time_ns;
	snprintf(s->text[s->nr], sizeof(s->text[0]), "%.*s",
		 (int)res->payload.len, res->payload.data ?: "");
	s->nr++;
	return res->pid == (__u32)s->fail_at ? -EPIPE : 0;
}

TEST(a_stalled_snapshot_does_not_stall_the_owner)
{
	struct gated g = { .stall_from = 1 };
	struct seen_results s = { 0 };
	struct fs_worker *w;
	__u64 before = now_ns(CLOCK_MONOTONIC);
	unsigned int i;

	ASSERT_EQ(0, pipe(g.gate));
	ASSERT_EQ(0, fs_worker__new(&w, gated_run, &g));
	for (i = 1; i <= 3; i++) {
		char word[8];

		/* A stack buffer: the worker must run on its own copy. */
		snprintf(word, sizeof(word), "w%u", i);
		ASSERT_EQ(0, fs_worker__submit(w, 7 + i, i, i * 2, word,
					       strlen(word)));
		memset(word, 'x', sizeof(word));
	}
	/* The worker waits on the gate in pid 1's job: nothing finished. */
	ASSERT_EQ(0, fs_worker__collect(w, note_result, &s));
	EXPECT_EQ(0, s.nr);
	EXPECT_EQ(3, fs_worker__nr_pending(w));
	EXPECT_EQ(0, atomic_load(&g.taken));

	ASSERT_EQ(3, write(g.gate[1], "abc", 3));
	fs_worker__wait(w);
	EXPECT_EQ(0, fs_worker__nr_pending(w));
	ASSERT_EQ(0, fs_worker__collect(w, note_result, &s));
	ASSERT_EQ(3, s.nr);
	for (i = 0; i < 3; i++) {
		char want[64];

		snprintf(want, sizeof(want), "kind %u pid %u flags %u w%u",
			 8 + i, i + 1, (i + 1) * 2, i + 1);
		EXPECT_EQ(i + 1, s.pids[i]);
		EXPECT_EQ(0, s.errs[i]);
		EXPECT_STREQ(want, s.text[i]);
		EXPECT_LE(before, s.times[i]);
		if (i)
			EXPECT_LE(s.times[i - 1], s.times[i]);
	}
	/* Taken on the worker's thread, not this one. */
	EXPECT_NE(syscall(SYS_gettid), atomic_load(&g.tid));
	/* Collected once: a second collect hands nothing again. */
	ASSERT_EQ(0, fs_worker__collect(w, note_result, &s));
	EXPECT_EQ(3, s.nr);

	/* Idle, then more work: it wakes for it. */
	ASSERT_EQ(0, fs_worker__submit(w, 0, 4, 0, NULL, 0));
	ASSERT_EQ(1, write(g.gate[1], "d", 1));
	fs_worker__wait(w);
	ASSERT_EQ(0, fs_worker__collect(w, note_result, &s));
	ASSERT_EQ(4, s.nr);
	EXPECT_EQ(4, s.pids[3]);
	fs_worker__free(w);
	close(g.gate[0]);
	close(g.gate[1]);
}

TEST(errors_reach_the_owner)
{
	struct gated g = { .stall_from = 1000, .gone = 13 };
	struct seen_results s = { .fail_at = 14 };
	struct fs_worker *w;
	__u32 pid;

	ASSERT_EQ(0, pipe(g.gate));
	ASSERT_EQ(0, fs_worker__new(&w, gated_run, &g));
	for (pid = 12; pid <= 15; pid++)
		ASSERT_EQ(0, fs_worker__submit(w, 0, pid, 0, NULL, 0));
	fs_worker__wait(w);
	/* 13 is gone; the owner refuses 14, and 15 is freed unseen. */
	EXPECT_EQ(-EPIPE, fs_worker__collect(w, note_result, &s));
	ASSERT_EQ(3, s.nr);
	EXPECT_EQ(0, s.errs[0]);
	EXPECT_EQ(13, s.pids[1]);
	EXPECT_EQ(-ESRCH, s.errs[1]);
	EXPECT_STREQ("", s.text[1]);
	EXPECT_EQ(14, s.pids[2]);
	EXPECT_EQ(0, fs_worker__collect(w, note_result, &s));
	EXPECT_EQ(3, s.nr);
	fs_worker__free(w);
	close(g.gate[0]);
	close(g.gate[1]);
}

/* Waits (polling) until @n jobs have passed the gate. */
static void wait_taken(struct gated *g, unsigned int n)
{
	while (atomic_load(&g->taken) < n)
		usleep(1000);
}

/*
 * Urgent jobs go before the others queued, and the others keep their
 * order; a kind dropped while queued never runs.
 */
TEST(urgent_jobs_first_and_dropped_ones_never)
{
	static const __u32 order[] = { 1, 4, 6, 2, 5 };
	struct gated g = { .stall_from = 1 };
	struct seen_results s = { 0 };
	struct fs_worker *w;
	unsigned int i;

	ASSERT_EQ(0, pipe(g.gate));
	ASSERT_EQ(0, fs_worker__new(&w, gated_run, &g));
	ASSERT_EQ(0, fs_worker__submit(w, 1, 1, 0, NULL, 0));
	/* The worker holds pid 1 at the gate: the rest stays queued. */
	while (!atomic_load(&g.tid))
		usleep(1000);
	ASSERT_EQ(0, fs_worker__submit(w, 1, 2, 0, NULL, 0));
	ASSERT_EQ(0, fs_worker__submit(w, 2, 3, 0, NULL, 0));
	ASSERT_EQ(0, fs_worker__submit(w, 1, 4, FS_URGENT, NULL, 0));
	ASSERT_EQ(0, fs_worker__submit(w, 1, 5, 0, NULL, 0));
	ASSERT_EQ(0, fs_worker__submit(w, 2, 7, FS_URGENT, NULL, 0));
	ASSERT_EQ(0, fs_worker__submit(w, 1, 6, FS_URGENT | 3, NULL, 0));
	EXPECT_EQ(2, fs_worker__drop(w, 2));
	EXPECT_EQ(0, fs_worker__drop(w, 2));
	EXPECT_EQ(5, fs_worker__nr_pending(w));
	ASSERT_EQ(5, write(g.gate[1], "abcde", 5));
	fs_worker__wait(w);
	ASSERT_EQ(0, fs_worker__collect(w, note_result, &s));
	ASSERT_EQ(5, s.nr);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(order[i], s.pids[i]);
	/* FS_URGENT is the worker's: the job sees its own flags only. */
	EXPECT_STREQ("kind 1 pid 6 flags 3 ", s.text[2]);
	fs_worker__free(w);
	close(g.gate[0]);
	close(g.gate[1]);
}

/* Results must come with consecutive pids from @next on. */
struct in_order {
	__u32 next;
	unsigned int n;
};

static int check_order(const struct fs_result *res, void *ctx)
{
	struct in_order *o = ctx;

	if (res->pid != o->next || res->err)
		return -EBADMSG;
	o->next++;
	o->n++;
	return 0;
}

/*
 * The slots of jobs already run are reused when the queue is full: the
 * order of those still queued survives it.
 */
TEST(a_full_queue_reuses_the_slots_of_jobs_run)
{
	struct gated g = { .stall_from = 1 };
	struct fs_worker *w;
	__u32 next = 1, i;
	unsigned int round;

	ASSERT_EQ(0, pipe(g.gate));
	ASSERT_EQ(0, fs_worker__new(&w, gated_run, &g));
	for (round = 0; round < 3; round++) {
		struct in_order o = { .next = next };

		/* 64 fill the array; 10 run; 6 more fit where those were. */
		for (i = 0; i < 64; i++)
			ASSERT_EQ(0, fs_worker__submit(w, 0, next++, 0, NULL, 0));
		ASSERT_EQ(10, write(g.gate[1], "0123456789", 10));
		wait_taken(&g, round * 70 + 10);
		for (i = 0; i < 6; i++)
			ASSERT_EQ(0, fs_worker__submit(w, 0, next++, 0, NULL, 0));
		for (i = 0; i < 60; i++)
			ASSERT_EQ(1, write(g.gate[1], "x", 1));
		fs_worker__wait(w);
		ASSERT_EQ(0, fs_worker__collect(w, check_order, &o));
		EXPECT_EQ(next, o.next);
		EXPECT_EQ(70, o.n);
	}
	fs_worker__free(w);
	close(g.gate[0]);
	close(g.gate[1]);
}

struct freeing {
	struct fs_worker *w;
};

static void *free_worker(void *arg)
{
	fs_worker__free(((struct freeing *)arg)->w);
	return NULL;
}

/*
 * Freed while a job is stalled: the jobs not started are dropped,
 * the running one finishes, and free returns once it has.
 */
TEST(free_drops_what_was_not_started)
{
	struct gated g = { .stall_from = 1 };
	struct freeing f;
	pthread_t t;
	__u32 pid;

	ASSERT_EQ(0, pipe(g.gate));
	ASSERT_EQ(0, fs_worker__new(&f.w, gated_run, &g));
	for (pid = 1; pid <= 100; pid++)
		ASSERT_EQ(0, fs_worker__submit(f.w, 0, pid, 0, &pid,
					       sizeof(pid)));
	/* The worker is in pid 1's job before free is called. */
	while (!atomic_load(&g.tid))
		usleep(1000);
	ASSERT_EQ(0, pthread_create(&t, NULL, free_worker, &f));
	/* Free has dropped the 99 queued once only the running one is left. */
	while (fs_worker__nr_pending(f.w) != 1)
		usleep(1000);
	ASSERT_EQ(1, write(g.gate[1], "a", 1));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(1, atomic_load(&g.taken));
	close(g.gate[0]);
	close(g.gate[1]);
}

static int procmap_run(const struct fs_job *job, __u64 time_ns,
		       struct buf *out, void *ctx)
{
	return procmap__snapshot(ctx, job->pid, job->flags, time_ns, out);
}

struct proc_result {
	__u32 pid;
	int err;
	struct srec_process ph;
	__u64 time_ns;
};

static int note_proc(const struct fs_result *res, void *ctx)
{
	struct proc_result *p = ctx;

	p->pid = res->pid;
	p->err = res->err;
	p->time_ns = res->time_ns;
	if (!res->err && res->payload.len >= sizeof(p->ph))
		memcpy(&p->ph, res->payload.data, sizeof(p->ph));
	return 0;
}

TEST(snapshots_with_procmap)
{
	struct proc_result p = { 0 };
	struct fs_worker *w;
	struct procmap *pm;
	pid_t gone = fork();

	ASSERT_LE(0, gone);
	if (!gone)
		_exit(0);
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));

	ASSERT_EQ(0, procmap__new(&pm, "/proc"));
	ASSERT_EQ(0, fs_worker__new(&w, procmap_run, pm));
	ASSERT_EQ(0, fs_worker__submit(w, 0, getpid(), SREC_PROC_FINAL, NULL,
				       0));
	fs_worker__wait(w);
	ASSERT_EQ(0, fs_worker__collect(w, note_proc, &p));
	EXPECT_EQ(0, p.err);
	EXPECT_EQ((__u32)getpid(), p.ph.pid);
	EXPECT_EQ(SREC_PROC_FINAL, p.ph.flags);
	EXPECT_EQ(p.time_ns, p.ph.time_ns);
	/* This binary, libc and the vDSO at least. */
	EXPECT_LE(3, p.ph.nr_maps);

	/* Reaped: /proc has no such process any more. */
	ASSERT_EQ(0, fs_worker__submit(w, 0, gone, 0, NULL, 0));
	fs_worker__wait(w);
	ASSERT_EQ(0, fs_worker__collect(w, note_proc, &p));
	EXPECT_EQ((__u32)gone, p.pid);
	EXPECT_EQ(-ESRCH, p.err);
	fs_worker__free(w);
	procmap__free(pm);
}

TEST_HARNESS_MAIN
