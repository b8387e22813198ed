// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: off-CPU samples (SONDE_CONFIG_OFFCPU).  A thread of
 * this process sleeps in nanosleep() a known number of times for a known
 * time: each sleep must come back as one off-CPU sample of that thread
 * whose period is about the sleep, whose kernel chain names the nanosleep
 * path and whose user chain holds the sleeping function; with stack
 * copies on, each carries the top of the thread's stack as it blocked
 * (holding the return address into the sleeping function), at most
 * SONDE_OFFCPU_MAX_STACK bytes; waits shorter than the threshold write
 * nothing; the accounting still closes; bad configurations are refused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include "kselftest_harness.h"
#include "helpers.h"

#define RING_PAGES	256

FIXTURE(offcpu) {
	int fd;
	struct sonde_info info;
	struct test_ring *rings;
};

FIXTURE_SETUP(offcpu)
{
	self->fd = dev_open();
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, dev_info(self->fd, &self->info));
	if (!(self->info.features & SONDE_FEAT_OFFCPU))
		SKIP(return, "no SONDE_FEAT_OFFCPU (no sched_switch tracepoint)");
	self->rings = calloc(self->info.nr_cpu_ids, sizeof(*self->rings));
	ASSERT_NE(NULL, self->rings);
}

FIXTURE_TEARDOWN(offcpu)
{
	for (unsigned int i = 0; self->rings && i < self->info.nr_cpu_ids; i++)
		ring_unmap(&self->rings[i]);
	free(self->rings);
	close(self->fd);
}

/* What the sleeping thread does: @n sleeps of @ms each, then @n_long of @long_ms. */
struct sleeper {
	unsigned int n, ms, n_long, long_ms;
	pid_t tid;
};

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Frame pointers kept (tests/kernel/Makefile): the user chain shows it. */
__attribute__((noinline)) void offcpu_test_sleeps(struct sleeper *sl)
{
	for (unsigned int i = 0; i < sl->n; i++)
		sleep_ms(sl->ms);
	for (unsigned int i = 0; i < sl->n_long; i++)
		sleep_ms(sl->long_ms);
	__asm__ volatile("" ::: "memory");
}

static void *sleeper_main(void *arg)
{
	struct sleeper *sl = arg;

	sl->tid = syscall(SYS_gettid);
	offcpu_test_sleeps(sl);
	return NULL;
}

struct offcpu_seen {
	pid_t tid;			/* the sleeper */
	const struct ksyms *ksyms;
	uint64_t min_ns;
	uint64_t samples, bad, short_waits;
	uint64_t mine, mine_ns, mine_ge_ms[2];	/* >= half of the two lengths */
	uint64_t with_nanosleep, with_user_fn;
	uint32_t stack_max;		/* bytes a copy may have */
	uint64_t with_stack, stack_with_fn;
	unsigned int short_ms, long_ms;
};

/* Does the stack copy of @s hold a word in [@lo, @hi)? */
static bool stack_holds(const struct sonde_sample *s, uint64_t lo,
			uint64_t hi)
{
	const uint8_t *stack = (const uint8_t *)(s->frames + s->nr_kernel +
						 s->nr_user);
	uint64_t w;

	for (uint32_t off = 0; off + 8 <= s->user_stack_size; off += 8) {
		memcpy(&w, stack + off, 8);
		if (w > lo && w < hi)
			return true;
	}
	return false;
}

static void see(const struct sonde_record_header *h, void *arg)
{
	struct offcpu_seen *seen = arg;
	const struct sonde_sample *s = (const void *)h;
	const struct sonde_sample_event *ev;
	uint64_t fn = (uintptr_t)offcpu_test_sleeps;
	bool named = false, in_fn = false;

	if (h->type != SONDE_RECORD_SAMPLE || !(s->flags & SONDE_SAMPLE_EVENT))
		return;
	ev = sample_event_of(s);
	if (!ev || ev->event != SONDE_EVENT_OFFCPU)
		return;
	seen->samples++;
	if (ev->__reserved || s->context != SONDE_CTX_KERNEL ||
	    s->user_stack_size > seen->stack_max)
		seen->bad++;
	if (ev->period < seen->min_ns)
		seen->short_waits++;
	if ((pid_t)s->tid != seen->tid)
		return;
	seen->mine++;
	seen->mine_ns += ev->period;
	/*
	 * At least half: the wait is timed from the switch, the sleep from
	 * its timer's start before it, and a host that deschedules the guest
	 * CPU in between (a loaded host did, for 3 ms) shortens the wait.
	 */
	if (ev->period >= seen->short_ms * 500000ull)
		seen->mine_ge_ms[0]++;
	if (ev->period >= seen->long_ms * 500000ull)
		seen->mine_ge_ms[1]++;
	for (unsigned int i = 0; i < s->nr_kernel && seen->ksyms; i++) {
		const char *name = ksyms_name(seen->ksyms, s->frames[i]);

		if (name && strstr(name, "nanosleep"))
			named = true;
	}
	/* A return address inside the function, which is short. */
	for (unsigned int i = 0; i < s->nr_user; i++) {
		uint64_t a = s->frames[s->nr_kernel + i];

		if (a > fn && a < fn + 256)
			in_fn = true;
	}
	seen->with_nanosleep += named;
	seen->with_user_fn += in_fn;
	seen->with_stack += s->user_stack_size != 0;
	seen->stack_with_fn += stack_holds(s, fn, fn + 256);
}

/*
 * One session: the timer at 100 Hz and off-CPU samples of waits of at
 * least @min_ms, this process only, while a thread runs @sl; the samples
 * copy @stack bytes of user stack (0: none).
 */
static void run(FIXTURE_DATA(offcpu) * self,
		struct __test_metadata *_metadata, struct sleeper *sl,
		unsigned int min_ms, uint32_t stack, struct offcpu_seen *seen)
{
	struct sonde_cpu_stats *st;
	struct sonde_config cfg;
	uint32_t self_pid = getpid();
	uint64_t produced = 0, records = 0, lost = 0, no_slot = 0;
	pthread_t t;

	st = calloc(self->info.nr_cpu_ids, sizeof(*st));
	ASSERT_NE(NULL, st);
	config_init(&cfg, 100, RING_PAGES);
	cfg.flags = SONDE_CONFIG_OFFCPU;
	cfg.offcpu_min_ns = min_ms * 1000000ull;
	cfg.tgids_ptr = (uintptr_t)&self_pid;
	cfg.nr_tgids = 1;
	if (stack) {
		cfg.capture |= SONDE_CAPTURE_USER_STACK;
		cfg.user_stack_bytes = stack;
	}
	seen->stack_max = stack < SONDE_OFFCPU_MAX_STACK ? stack :
			  SONDE_OFFCPU_MAX_STACK;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	for (unsigned int cpu = 0; cpu < self->info.nr_cpu_ids; cpu++)
		ASSERT_EQ(0, ring_map(self->fd, &self->info, cpu, RING_PAGES,
				      &self->rings[cpu]));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, sleeper_main, sl));
	pthread_join(t, NULL);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, st));
	seen->tid = sl->tid;
	seen->min_ns = cfg.offcpu_min_ns;
	seen->short_ms = sl->ms;
	seen->long_ms = sl->long_ms;
	for (unsigned int cpu = 0; cpu < self->info.nr_cpu_ids; cpu++)
		ring_walk(&self->rings[cpu], see, seen);
	for (unsigned int cpu = 0; cpu < self->info.nr_cpu_ids; cpu++) {
		produced += stats_produced(&st[cpu]);
		records += st[cpu].records;
		lost += stats_lost(&st[cpu]);
		no_slot += st[cpu].lost[SONDE_LOST_OFFCPU_FULL];
	}
	EXPECT_EQ(produced, records + lost);
	EXPECT_EQ(0, no_slot);
	free(st);
}

/* 20 sleeps of 20 ms: 20 samples of about 20 ms, at the nanosleep path. */
TEST_F(offcpu, each_wait_sampled)
{
	struct sleeper sl = { .n = 20, .ms = 20 };
	struct offcpu_seen seen = { .ksyms = ksyms_load() };

	run(self, _metadata, &sl, 1, 0, &seen);
	ksft_print_msg("%llu off-CPU samples, %llu of the sleeper: %llu ms in all, %llu of >= 10 ms, %llu through nanosleep, %llu in offcpu_test_sleeps\n",
		       (unsigned long long)seen.samples,
		       (unsigned long long)seen.mine,
		       (unsigned long long)seen.mine_ns / 1000000,
		       (unsigned long long)seen.mine_ge_ms[0],
		       (unsigned long long)seen.with_nanosleep,
		       (unsigned long long)seen.with_user_fn);
	EXPECT_EQ(0, seen.bad);
	EXPECT_EQ(0, seen.short_waits);
	/* Each sleep once; a page fault or the exit may block it too. */
	EXPECT_LE(20, seen.mine_ge_ms[0]);
	EXPECT_GE(24, seen.mine);
	/* 400 ms asleep; a starved guest CPU wakes it late, never early. */
	EXPECT_LE(380000000ull, seen.mine_ns);
	EXPECT_GE(4000000000ull, seen.mine_ns);
	if (seen.ksyms)
		EXPECT_LE(20, seen.with_nanosleep);
	EXPECT_LE(20, seen.with_user_fn);
	ksyms_free((struct ksyms *)seen.ksyms);
}

/* A 50 ms threshold: of 20 sleeps of 2 ms and 2 of 100 ms, the 2 long ones. */
TEST_F(offcpu, threshold)
{
	struct sleeper sl = { .n = 20, .ms = 2, .n_long = 2, .long_ms = 100 };
	struct offcpu_seen seen = { 0 };

	run(self, _metadata, &sl, 50, 0, &seen);
	ksft_print_msg("%llu off-CPU samples of the sleeper, %llu of >= 50 ms\n",
		       (unsigned long long)seen.mine,
		       (unsigned long long)seen.mine_ge_ms[1]);
	EXPECT_EQ(0, seen.bad);
	EXPECT_EQ(0, seen.short_waits);
	/* Both long ones; a 2 ms sleep the host delays past 50 ms may add. */
	EXPECT_LE(2, seen.mine_ge_ms[1]);
	EXPECT_GE(4, seen.mine);
}

/*
 * dwarf mode's 8 KiB stack copies: each wait keeps the first
 * SONDE_OFFCPU_MAX_STACK bytes, which hold the return address into the
 * sleeping function (the C library's wrappers use little stack).
 */
TEST_F(offcpu, stack_copied)
{
	struct sleeper sl = { .n = 10, .ms = 10 };
	struct offcpu_seen seen = { 0 };

	run(self, _metadata, &sl, 1, 8192, &seen);
	ksft_print_msg("%llu off-CPU samples of the sleeper, %llu with a stack copy, %llu of them holding a return address into offcpu_test_sleeps\n",
		       (unsigned long long)seen.mine,
		       (unsigned long long)seen.with_stack,
		       (unsigned long long)seen.stack_with_fn);
	EXPECT_EQ(0, seen.bad);
	EXPECT_LE(10, seen.mine_ge_ms[0]);
	EXPECT_LE(10, seen.with_stack);
	EXPECT_LE(10, seen.stack_with_fn);
}

TEST_F(offcpu, bad_configs)
{
	struct sonde_config cfg;

	config_init(&cfg, 100, RING_PAGES);
	cfg.offcpu_min_ns = 1000000;
	EXPECT_EQ(-EINVAL, dev_configure(self->fd, &cfg));
	cfg.flags = SONDE_CONFIG_OFFCPU;
	cfg.offcpu_min_ns = 11ull * 1000000000;
	EXPECT_EQ(-EINVAL, dev_configure(self->fd, &cfg));
	cfg.flags = 1U << 31;
	cfg.offcpu_min_ns = 0;
	EXPECT_EQ(-EINVAL, dev_configure(self->fd, &cfg));
	/* A caller that knows only version 1: the flag, every wait. */
	cfg.flags = SONDE_CONFIG_OFFCPU;
	cfg.size = SONDE_CONFIG_SIZE_VER1;
	EXPECT_EQ(0, dev_configure(self->fd, &cfg));
}

TEST_HARNESS_MAIN
