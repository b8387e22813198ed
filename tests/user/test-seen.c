// SPDX-License-Identifier: GPL-2.0
/*
 * The processes sonde record has seen (record/seen.c) and the hash map
 * under them (lib/hmap.c): an exited process is forgotten two flushes
 * after its EXIT, so the recorder's memory follows the processes alive,
 * not all that ever ran; hmap__remove() keeps every other key findable
 * (checked against a plain array over random inserts and removals).
 */
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

static void sample(struct __test_metadata *_metadata, struct seen_pids *s,
		   __u32 pid)
{
	struct sonde_sample smp = { .pid = pid, .tid = pid,
				    .context = SONDE_CTX_USER,
				    .ip = 0x1000 };

	ASSERT_EQ(0, seen_pids__note_sample(s, &smp));
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

TEST_HARNESS_MAIN
