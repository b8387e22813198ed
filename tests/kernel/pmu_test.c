// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: the perf counter source (struct sonde_event).
 * Software counters, which every kernel has, drive the whole counter
 * path in the guests: page-faults and context-switches counted one by
 * one must give at least the faults and switches this process made;
 * task-clock by frequency gives samples that stand for about its
 * period; the timer's samples and the counters' interleave in time in
 * each CPU's ring; a hardware event on a machine without a hardware PMU
 * is refused with EOPNOTSUPP; counters follow CPU hotplug; the
 * accounting still closes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include "kselftest_harness.h"
#include "helpers.h"

#define RING_PAGES	256
#define NR_PAGES	2000
#define NR_SLEEPS	200

FIXTURE(pmu) {
	int fd;
	struct sonde_info info;
	struct test_ring *rings;
};

FIXTURE_SETUP(pmu)
{
	self->fd = dev_open();
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, dev_info(self->fd, &self->info));
	self->rings = calloc(self->info.nr_cpu_ids, sizeof(*self->rings));
	ASSERT_NE(NULL, self->rings);
}

FIXTURE_TEARDOWN(pmu)
{
	for (unsigned int i = 0; i < self->info.nr_cpu_ids; i++)
		ring_unmap(&self->rings[i]);
	free(self->rings);
	close(self->fd);
}

struct seen {
	uint64_t timer, by_event[SONDE_MAX_EVENTS], bad;
	uint64_t period_sum[SONDE_MAX_EVENTS];
	uint64_t user_faults;	/* page-fault samples taken in user mode */
	uint64_t last_ns, out_of_order;
	unsigned int cpu;
};

static void see(const struct sonde_record_header *h, void *arg)
{
	struct seen *seen = arg;
	const struct sonde_sample *s = (const void *)h;
	const struct sonde_sample_event *ev;

	if (h->type != SONDE_RECORD_SAMPLE)
		return;
	if (s->cpu != seen->cpu)
		seen->bad++;
	/* One ring, one CPU: its samples in the order they were taken. */
	if (s->time_ns < seen->last_ns)
		seen->out_of_order++;
	seen->last_ns = s->time_ns;
	ev = sample_event_of(s);
	/* A timer sample after missed periods says how many it stands for. */
	if (!(s->flags & SONDE_SAMPLE_EVENT) ||
	    (ev && ev->event == SONDE_EVENT_TIMER)) {
		seen->timer++;
		return;
	}
	if (!ev || ev->event >= SONDE_MAX_EVENTS || ev->__reserved ||
	    !ev->period) {
		seen->bad++;
		return;
	}
	seen->by_event[ev->event]++;
	seen->period_sum[ev->event] += ev->period;
	if (ev->event == 0 && s->context == SONDE_CTX_USER)
		seen->user_faults++;
}

static void walk_all(FIXTURE_DATA(pmu) * self, struct seen *seen)
{
	for (unsigned int cpu = 0; cpu < self->info.nr_cpu_ids; cpu++) {
		struct seen one = { .cpu = cpu };

		ring_walk(&self->rings[cpu], see, &one);
		seen->timer += one.timer;
		seen->bad += one.bad;
		seen->out_of_order += one.out_of_order;
		seen->user_faults += one.user_faults;
		for (int i = 0; i < SONDE_MAX_EVENTS; i++) {
			seen->by_event[i] += one.by_event[i];
			seen->period_sum[i] += one.period_sum[i];
		}
	}
}

TEST_F(pmu, hardware_event_without_pmu)
{
	struct sonde_event cycles = {
		.type = PERF_TYPE_HARDWARE,
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.frequency = 1000,
	};
	struct sonde_config cfg;
	int ret;

	ASSERT_TRUE(self->info.features & SONDE_FEAT_PMU);
	config_init(&cfg, 0, RING_PAGES);
	cfg.source = SONDE_SOURCE_PMU;
	cfg.events_ptr = (uintptr_t)&cycles;
	cfg.nr_events = 1;
	ret = dev_configure(self->fd, &cfg);
	if (!ret)
		SKIP(return, "this machine has a hardware PMU");
	EXPECT_EQ(-EOPNOTSUPP, ret);
}

/*
 * The timer at 1 kHz and three counters in one session, this process
 * only: page-faults and context-switches every event, task-clock at
 * 1 kHz.  The process touches NR_PAGES new pages, sleeps NR_SLEEPS
 * times, and burns CPU.
 */
TEST_F(pmu, software_counters)
{
	struct sonde_event ev[3] = {
		{ .type = PERF_TYPE_SOFTWARE,
		  .config = PERF_COUNT_SW_PAGE_FAULTS, .period = 1 },
		{ .type = PERF_TYPE_SOFTWARE,
		  .config = PERF_COUNT_SW_CONTEXT_SWITCHES, .period = 1 },
		{ .type = PERF_TYPE_SOFTWARE,
		  .config = PERF_COUNT_SW_TASK_CLOCK, .frequency = 1000 },
	};
	struct sonde_cpu_stats *st;
	struct seen seen = { 0 };
	struct sonde_config cfg;
	uint32_t self_pid = getpid();
	uint64_t produced = 0, records = 0, lost = 0;
	struct rusage ru_start, ru_end;
	long switches;
	char *mem;

	st = calloc(self->info.nr_cpu_ids, sizeof(*st));
	ASSERT_NE(NULL, st);
	config_init(&cfg, 1000, RING_PAGES);
	cfg.events_ptr = (uintptr_t)ev;
	cfg.nr_events = 3;
	cfg.tgids_ptr = (uintptr_t)&self_pid;
	cfg.nr_tgids = 1;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	for (unsigned int cpu = 0; cpu < self->info.nr_cpu_ids; cpu++)
		ASSERT_EQ(0, ring_map(self->fd, &self->info, cpu, RING_PAGES,
				      &self->rings[cpu]));
	mem = mmap(NULL, NR_PAGES * 4096ul, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	/* One fault per page: no transparent huge page for the region. */
	madvise(mem, NR_PAGES * 4096ul, MADV_NOHUGEPAGE);

	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	ASSERT_EQ(0, getrusage(RUSAGE_THREAD, &ru_start));
	for (int i = 0; i < NR_PAGES; i++) {
		mem[i * 4096ul] = 1;
		if (i % 256 == 0)
			walk_all(self, &seen);
	}
	for (int i = 0; i < NR_SLEEPS; i++) {
		usleep(100);
		if (i % 50 == 0)
			walk_all(self, &seen);
	}
	burn_cpu_ms(500);
	ASSERT_EQ(0, getrusage(RUSAGE_THREAD, &ru_end));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	/*
	 * The kernel's own count of this thread's switches in between:
	 * __schedule() bumps nvcsw or nivcsw exactly where it calls
	 * perf_event_task_sched_out(), for every switch to another task.
	 * Not NR_SLEEPS: a sleep whose timer expired before schedule() (a
	 * vCPU held up on a loaded host) returns without a switch.
	 */
	switches = ru_end.ru_nvcsw - ru_start.ru_nvcsw +
		   ru_end.ru_nivcsw - ru_start.ru_nivcsw;
	walk_all(self, &seen);
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, st));
	walk_all(self, &seen);
	munmap(mem, NR_PAGES * 4096ul);

	ksft_print_msg("timer %llu; page-faults %llu (%llu in user mode), context-switches %llu (the kernel counted %ld), task-clock %llu (periods %llu ns in all)\n",
		       (unsigned long long)seen.timer,
		       (unsigned long long)seen.by_event[0],
		       (unsigned long long)seen.user_faults,
		       (unsigned long long)seen.by_event[1], switches,
		       (unsigned long long)seen.by_event[2],
		       (unsigned long long)seen.period_sum[2]);
	EXPECT_EQ(0, seen.bad);
	EXPECT_EQ(0, seen.out_of_order);
	/* Each counted event is a sample: at least what the test did. */
	EXPECT_LE(NR_PAGES, seen.by_event[0]);
	EXPECT_LE(NR_PAGES, seen.user_faults);
	EXPECT_EQ(seen.by_event[0], seen.period_sum[0]);
	EXPECT_LT(0, switches);
	EXPECT_LE(switches, seen.by_event[1]);
	EXPECT_EQ(seen.by_event[1], seen.period_sum[1]);
	/* 500 ms of task-clock at 1 kHz, on a busy host maybe less. */
	EXPECT_LE(100, seen.by_event[2]);
	EXPECT_LE(100000000ull, seen.period_sum[2]);
	EXPECT_LE(100, seen.timer);
	for (unsigned int cpu = 0; cpu < self->info.nr_cpu_ids; cpu++) {
		produced += stats_produced(&st[cpu]);
		records += st[cpu].records;
		lost += stats_lost(&st[cpu]);
	}
	EXPECT_EQ(produced, records + lost);
	free(st);
}

/* Counters alone: no timer sample at all. */
TEST_F(pmu, counters_without_timer)
{
	struct sonde_event ev = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK, .frequency = 500,
	};
	struct seen seen = { 0 };
	struct sonde_config cfg;

	config_init(&cfg, 0, RING_PAGES);
	cfg.source = SONDE_SOURCE_PMU;
	cfg.events_ptr = (uintptr_t)&ev;
	cfg.nr_events = 1;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	for (unsigned int cpu = 0; cpu < self->info.nr_cpu_ids; cpu++)
		ASSERT_EQ(0, ring_map(self->fd, &self->info, cpu, RING_PAGES,
				      &self->rings[cpu]));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	burn_cpu_ms(400);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	walk_all(self, &seen);
	ksft_print_msg("cpu-clock at 500 Hz: %llu samples, timer %llu\n",
		       (unsigned long long)seen.by_event[0],
		       (unsigned long long)seen.timer);
	EXPECT_EQ(0, seen.timer);
	EXPECT_LE(50, seen.by_event[0]);
	EXPECT_EQ(0, seen.bad);
}

/* CPU 1's counter samples before, while and after it was offline. */
struct window {
	uint64_t off_ns, on_ns;
	uint64_t before, during, after, bad_cpu;
};

static void see_cpu1(const struct sonde_record_header *h, void *arg)
{
	const struct sonde_sample *s = (const void *)h;
	const struct sonde_sample_event *ev;
	struct window *w = arg;

	if (h->type != SONDE_RECORD_SAMPLE)
		return;
	if (s->cpu != 1)
		w->bad_cpu++;
	ev = sample_event_of(s);
	if (!(s->flags & SONDE_SAMPLE_EVENT) ||
	    (ev && ev->event == SONDE_EVENT_TIMER))
		return;
	if (s->time_ns < w->off_ns)
		w->before++;
	else if (s->time_ns < w->on_ns)
		w->during++;
	else
		w->after++;
}

/*
 * Counters follow CPU hotplug like the timer: CPU 1's cpu-clock counter
 * goes with the CPU (no sample while it is away) and is created again
 * when it comes back, three times over; ring 1 only ever holds CPU 1's
 * records, and the accounting still closes.  (cpu-clock, not the timer:
 * it fires on an idle CPU too, so the CPU's samples do not depend on
 * what else the machine runs.)
 */
TEST_F(pmu, counters_follow_cpu_hotplug)
{
	struct sonde_event ev = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK, .frequency = 500,
	};
	struct sonde_cpu_stats *st;
	struct sonde_config cfg;
	struct window w[3] = { 0 };
	struct seen seen0 = { .cpu = 0 };
	uint64_t produced, lost;
	int round;

	if (geteuid() != 0 || nr_online_cpus() < 2 ||
	    access("/sys/devices/system/cpu/cpu1/online", W_OK))
		SKIP(return, "needs root and a CPU 1 that can go offline");
	st = calloc(self->info.nr_cpu_ids, sizeof(*st));
	ASSERT_NE(NULL, st);
	config_init(&cfg, 0, RING_PAGES);
	cfg.source = SONDE_SOURCE_PMU;
	cfg.events_ptr = (uintptr_t)&ev;
	cfg.nr_events = 1;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, ring_map(self->fd, &self->info, 0, RING_PAGES,
			      &self->rings[0]));
	ASSERT_EQ(0, ring_map(self->fd, &self->info, 1, RING_PAGES,
			      &self->rings[1]));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (round = 0; round < 3; round++) {
		struct window *cur = &w[round];

		cur->off_ns = UINT64_MAX;
		cur->on_ns = UINT64_MAX;
		/* A starved virtual CPU samples slowly: wait for one. */
		for (int i = 0; i < 100 && !cur->before; i++) {
			usleep(20000);
			ring_walk(&self->rings[1], see_cpu1, cur);
			ring_walk(&self->rings[0], see, &seen0);
		}
		ASSERT_EQ(0, cpu_set_online(1, false));
		cur->off_ns = mono_ns();
		usleep(150000);
		ring_walk(&self->rings[1], see_cpu1, cur);
		cur->on_ns = mono_ns();
		ASSERT_EQ(0, cpu_set_online(1, true));
	}
	for (int i = 0; i < 100 && !w[2].after; i++) {
		usleep(20000);
		ring_walk(&self->rings[1], see_cpu1, &w[2]);
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, st));
	ring_walk(&self->rings[1], see_cpu1, &w[2]);
	ring_walk(&self->rings[0], see, &seen0);
	for (round = 0; round < 3; round++) {
		ksft_print_msg("round %d: cpu1 counter samples %llu before offline, %llu while offline, %llu after\n",
			       round, (unsigned long long)w[round].before,
			       (unsigned long long)w[round].during,
			       (unsigned long long)w[round].after);
		EXPECT_LT(0, w[round].before);
		EXPECT_EQ(0, w[round].during);
		EXPECT_EQ(0, w[round].bad_cpu);
	}
	EXPECT_LT(0, w[2].after);
	EXPECT_LT(0, seen0.by_event[0]);
	EXPECT_EQ(0, seen0.bad);
	for (int cpu = 0; cpu < 2; cpu++) {
		produced = st[cpu].samples + st[cpu].task_events +
			   st[cpu].map_events + st[cpu].throttle_events;
		lost = 0;
		for (int i = 0; i < SONDE_LOST_NR_REASONS; i++)
			lost += st[cpu].lost[i];
		EXPECT_EQ(produced, st[cpu].records + lost);
	}
	free(st);
	cpu_set_online(1, true);
}

TEST_HARNESS_MAIN
