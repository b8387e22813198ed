// SPDX-License-Identifier: GPL-2.0
/*
 * The processes sonde record has seen (record/seen.c) and the hash map
 * under them (lib/hmap.c): an exited process is forgotten two flushes
 * after its EXIT, so the recorder's memory follows the processes alive,
 * not all that ever ran; a sample outside its process's last snapshot
 * asks for another, one inside does not (whichever range it is in, with
 * other processes' samples between); hmap__remove() keeps every other
 * key findable (checked against a plain array over random inserts and
 * removals); a pid queued while a flush runs is snapshotted by the next
 * flush; a pid handed to the snapshot worker asks for no other snapshot
 * until the answer is noted, taken or not.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "kselftest_harness.h"

#include "helpers.h"
#include "lib/hmap.h"
#include "record/seen.h"

#define NR_KEYS		4096

TEST(hmap_remove_keeps_the_rest)
{
	static bool present[NR_KEYS];
	unsigned int seed = 12345, i, op;
	struct hmap m;
	size_t nr = 0;

	hmap__init(&m, NULL);
	for (op = 0; op < 200000; op++) {
		/* Few distinct hashes: long probe runs, and runs that wrap. */
		unsigned int k = rand_r(&seed) % NR_KEYS;
		__u64 h = k % 97;
		void *key = (void *)(uintptr_t)(k + 1);

		if (present[k]) {
			ASSERT_EQ(key, hmap__remove(&m, h, key));
			present[k] = false;
			nr--;
		} else {
			ASSERT_EQ(NULL, hmap__remove(&m, h, key));
			ASSERT_EQ(0, hmap__insert(&m, h, key, key));
			present[k] = true;
			nr++;
		}
		ASSERT_EQ(nr, m.nr);
		if (op % 10000)
			continue;
		for (i = 0; i < NR_KEYS; i++)
			ASSERT_EQ(present[i] ? (void *)(uintptr_t)(i + 1) : NULL,
				  hmap__find(&m, i % 97,
					     (void *)(uintptr_t)(i + 1)));
	}
	hmap__free(&m);
}

static int collect(__u32 pid, void *ctx)
{
	__u32 *sum = ctx;

	*sum += pid;
	return 0;
}

static void sample_at(struct __test_metadata *_metadata,
		      struct seen_pids *s, __u32 pid, __u64 ip, __u64 time_ns)
{
	struct sonde_sample smp = { .pid = pid, .tid = pid,
				    .context = SONDE_CTX_USER,
				    .ip = ip, .time_ns = time_ns };

	ASSERT_EQ(0, seen_pids__note_sample(s, &smp));
}

static void sample(struct __test_metadata *_metadata, struct seen_pids *s,
		   __u32 pid)
{
	sample_at(_metadata, s, pid, 0x1000, 0);
}

TEST(exited_processes_are_forgotten)
{
	struct seen_pids s;
	__u32 pid, sum = 0, queued = 0;

	seen_pids__init(&s);
	/* 10,000 short-lived processes: each seen, then its EXIT. */
	for (pid = 1; pid <= 10000; pid++) {
		sample(_metadata, &s, pid);
		ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
		ASSERT_EQ(0, seen_pids__note_exit(&s, pid));
		/* Twice: the second is a no-op. */
		ASSERT_EQ(0, seen_pids__note_exit(&s, pid));
	}
	EXPECT_EQ((__u32)(10000 * 10001 / 2), queued);
	/* Two flushes' grace, then only the still-alive ones remain. */
	sample(_metadata, &s, 20000);
	EXPECT_LE(s.seen.nr, 3);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(1, s.seen.nr);
	/* The final snapshot walk sees the live one only. */
	ASSERT_EQ(0, seen_pids__for_each(&s, collect, &sum));
	EXPECT_EQ(20000, sum);

	/*
	 * An exited process asks for no snapshot in its grace; a late
	 * sample after it is forgotten makes it new again.
	 */
	ASSERT_EQ(0, seen_pids__note_exit(&s, 20000));
	queued = 0;
	sample(_metadata, &s, 20000);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(0, queued);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(0, s.seen.nr);
	sample(_metadata, &s, 20000);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(20000, queued);
	EXPECT_EQ(1, s.seen.nr);
	seen_pids__free(&s);
}

/* A flush callback that drains more samples as it goes. */
struct drain_during {
	struct seen_pids *s;
	__u32 calls[8];
	unsigned int nr;
};

static int note_while_flushing(__u32 pid, void *ctx)
{
	struct drain_during *d = ctx;
	struct sonde_sample smp = { .pid = pid + 100, .tid = pid + 100,
				    .context = SONDE_CTX_USER, .ip = 0x1000 };

	if (d->nr == 8)
		return -E2BIG;
	d->calls[d->nr++] = pid;
	return pid < 100 ? seen_pids__note_sample(d->s, &smp) : 0;
}

TEST(pids_queued_during_a_flush_wait_for_the_next)
{
	struct seen_pids s;
	struct drain_during d = { .s = &s };

	seen_pids__init(&s);
	sample(_metadata, &s, 1);
	sample(_metadata, &s, 2);
	ASSERT_EQ(0, seen_pids__flush(&s, note_while_flushing, &d));
	ASSERT_EQ(2, d.nr);
	EXPECT_EQ(1, d.calls[0]);
	EXPECT_EQ(2, d.calls[1]);
	/* 101 and 102 were queued inside; none is dropped or run twice. */
	ASSERT_EQ(0, seen_pids__flush(&s, note_while_flushing, &d));
	ASSERT_EQ(4, d.nr);
	EXPECT_EQ(101, d.calls[2]);
	EXPECT_EQ(102, d.calls[3]);
	ASSERT_EQ(0, seen_pids__flush(&s, note_while_flushing, &d));
	EXPECT_EQ(4, d.nr);
	seen_pids__free(&s);
}

/* A snapshot of @pid mapping [0x1000, 0x2000) and [0x5000, 0x6000). */
static void snapshot_two_ranges(struct __test_metadata *_metadata,
				struct seen_pids *s, __u32 pid)
{
	struct {
		struct srec_process ph;
		struct { struct srec_map m; char path[8]; } maps[2];
	} snap = {
		.ph = { .pid = pid, .nr_maps = 2 },
		.maps = { { { .start = 0x1000, .end = 0x2000, .path_len = 1 }, "a" },
			  { { .start = 0x5000, .end = 0x6000, .path_len = 1 }, "b" } },
	};

	ASSERT_EQ(0, seen_pids__note_snapshot(s, pid, &snap, sizeof(snap), 0));
}

/*
 * Samples inside the last snapshot's ranges ask for nothing, whichever
 * range and in whatever order, with another process's samples between;
 * one outside asks for a new snapshot of its own process only.
 */
TEST(samples_outside_the_snapshot_ask_for_another)
{
	static const __u64 inside[] = { 0x1800, 0x5800, 0x5000, 0x1fff,
					0x1000, 0x5fff };
	const __u64 later = 1000000000ULL;
	struct seen_pids s;
	__u32 queued = 0;
	unsigned int i;

	seen_pids__init(&s);
	sample_at(_metadata, &s, 7, 0x1800, 1);
	sample_at(_metadata, &s, 8, 0x1800, 1);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(15, queued);
	snapshot_two_ranges(_metadata, &s, 7);
	snapshot_two_ranges(_metadata, &s, 8);
	queued = 0;
	for (i = 0; i < 3 * ARRAY_SIZE(inside); i++) {
		sample_at(_metadata, &s, 7, inside[i % ARRAY_SIZE(inside)],
			  later);
		sample_at(_metadata, &s, 8, inside[(i + 1) % ARRAY_SIZE(inside)],
			  later);
	}
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(0, queued);
	/* Just past each range's end, and between them. */
	sample_at(_metadata, &s, 7, 0x5800, later);
	sample_at(_metadata, &s, 8, 0x2000, later);
	sample_at(_metadata, &s, 7, 0x5800, later);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(8, queued);
	sample_at(_metadata, &s, 7, 0x5800, later);
	sample_at(_metadata, &s, 7, 0x6000, later);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(15, queued);
	seen_pids__free(&s);
}

/*
 * The recorder's flush only asks the snapshot worker: until the answer
 * is noted, samples outside every range (none are known yet) ask for
 * nothing more.  A process gone before its snapshot asks again only
 * after the backoff.
 */
TEST(asked_pids_wait_for_the_answer)
{
	const __u64 second = 1000000000ULL;
	struct seen_pids s;
	__u32 queued = 0;

	seen_pids__init(&s);
	sample_at(_metadata, &s, 7, 0x1800, 1);
	sample_at(_metadata, &s, 9, 0x1800, 1);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(16, queued);
	/* In flight: no ranges yet, but no second request either. */
	queued = 0;
	sample_at(_metadata, &s, 7, 0x9000, 5 * second);
	sample_at(_metadata, &s, 9, 0x9000, 5 * second);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(0, queued);

	/* 7's snapshot came; 9 was gone when the worker looked. */
	snapshot_two_ranges(_metadata, &s, 7);
	ASSERT_EQ(0, seen_pids__note_no_snapshot(&s, 9, 5 * second));
	sample_at(_metadata, &s, 7, 0x9000, 5 * second);
	sample_at(_metadata, &s, 9, 0x9000, 5 * second);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(7, queued);
	/* After 9's backoff (100 ms), its samples ask again. */
	queued = 0;
	sample_at(_metadata, &s, 9, 0x9000, 5 * second + second / 20);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(0, queued);
	sample_at(_metadata, &s, 9, 0x9000, 6 * second);
	ASSERT_EQ(0, seen_pids__flush(&s, collect, &queued));
	EXPECT_EQ(9, queued);
	/* A pid not seen is ignored: no entry is made for it. */
	queued = s.seen.nr;
	EXPECT_EQ(0, seen_pids__note_no_snapshot(&s, 12345, 0));
	EXPECT_EQ(queued, s.seen.nr);
	seen_pids__free(&s);
}

TEST_HARNESS_MAIN
