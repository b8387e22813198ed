// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: ring accounting and wakeups.  With the reader
 * stalled the producer never blocks, counts every loss, marks the gap with
 * a LOST record, and samples == records consumed + lost holds exactly.  A
 * hostile consumer position cannot hurt the kernel.  poll() wakes at the
 * watermark.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "helpers.h"

FIXTURE(ring) {
	int fd;
	struct sonde_info info;
	struct test_ring *rings;
	struct drain_counts *c;
	struct sonde_cpu_stats *st;
	int nr;
};

FIXTURE_SETUP(ring)
{
	self->fd = dev_open();
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, dev_info(self->fd, &self->info));
	self->nr = self->info.nr_cpu_ids;
	self->rings = calloc(self->nr, sizeof(*self->rings));
	self->c = calloc(self->nr, sizeof(*self->c));
	self->st = calloc(self->nr, sizeof(*self->st));
	ASSERT_NE(NULL, self->rings);
	ASSERT_NE(NULL, self->c);
	ASSERT_NE(NULL, self->st);
}

FIXTURE_TEARDOWN(ring)
{
	for (int i = 0; i < self->nr; i++)
		ring_unmap(&self->rings[i]);
	free(self->rings);
	free(self->c);
	free(self->st);
	close(self->fd);
}

static int setup_rings(int fd, const struct sonde_info *info,
		       struct test_ring *rings, uint32_t freq, uint32_t pages,
		       uint32_t wakeup)
{
	struct sonde_config cfg;
	int ret;

	config_init(&cfg, freq, pages);
	cfg.wakeup_bytes = wakeup;
	ret = dev_configure(fd, &cfg);
	for (unsigned int cpu = 0; !ret && cpu < info->nr_cpu_ids; cpu++)
		ret = ring_map(fd, info, cpu, pages, &rings[cpu]);
	return ret;
}

static void drain(struct test_ring *rings, struct drain_counts *c, int nr)
{
	for (int cpu = 0; cpu < nr; cpu++)
		ring_drain(&rings[cpu], &c[cpu], NULL, NULL);
}

static uint64_t lost_sum(const struct sonde_cpu_stats *st)
{
	uint64_t n = 0;

	for (int i = 0; i < SONDE_LOST_NR_REASONS; i++)
		n += st->lost[i];
	return n;
}

/*
 * With the reader stalled, wait until every online CPU's ring has lost
 * samples.  A fixed sleep is not enough: a virtual CPU that the busy host
 * does not run takes few samples (a third of its periods or fewer), so
 * the ring may not have filled yet.  Returns false after 10 s.
 */
static bool wait_for_losses(int fd, const struct sonde_info *info,
			    struct sonde_cpu_stats *st)
{
	for (int i = 0; i < 200; i++) {
		bool all = true;

		usleep(50000);
		if (dev_stats(fd, info, st))
			return false;
		for (int cpu = 0; cpu < nr_online_cpus(); cpu++)
			if (!lost_sum(&st[cpu]))
				all = false;
		if (all)
			return true;
	}
	return false;
}

TEST_F(ring, stalled_reader_accounting)
{
	uint64_t total_lost = 0;

	ASSERT_EQ(0, setup_rings(self->fd, &self->info, self->rings, 1000, self->info.min_ring_pages, 0));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	/* stall: the rings overflow */
	EXPECT_TRUE(wait_for_losses(self->fd, &self->info, self->st));
	drain(self->rings, self->c, self->nr);		/* the records before the gap */
	/*
	 * Room again: the next record on each CPU is LOST, written while
	 * sampling.  Wait for it on every CPU, however slowly a starved
	 * virtual CPU takes its next sample.
	 */
	for (int i = 0, all = 0; !all; i++) {
		ASSERT_LT(i, 200) TH_LOG("no LOST record within 10 s");
		usleep(50000);
		drain(self->rings, self->c, self->nr);
		all = 1;
		for (int cpu = 0; cpu < nr_online_cpus(); cpu++)
			if (!self->c[cpu].lost_records)
				all = 0;
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	drain(self->rings, self->c, self->nr);
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, self->st));
	/* A second loss after the first LOST record may still be pending. */
	drain(self->rings, self->c, self->nr);

	for (int cpu = 0; cpu < nr_online_cpus(); cpu++) {
		struct sonde_cpu_stats *st = &self->st[cpu];
		struct drain_counts *c = &self->c[cpu];

		ksft_print_msg("cpu%d: produced %llu consumed %llu lost %llu (in %llu LOST records: %llu)\n",
			       cpu, (unsigned long long)st->samples,
			       (unsigned long long)c->samples,
			       (unsigned long long)lost_sum(st),
			       (unsigned long long)c->lost_records,
			       (unsigned long long)c->lost);
		EXPECT_EQ(st->samples, c->samples + lost_sum(st));
		EXPECT_EQ(st->records, c->samples);
		EXPECT_EQ(lost_sum(st), st->lost[SONDE_LOST_RING_FULL]);
		EXPECT_GT(lost_sum(st), 0);
		EXPECT_GE(c->lost_records, 1);
		EXPECT_EQ(lost_sum(st), c->lost);
		EXPECT_EQ(0, c->bad_records);
		EXPECT_EQ(0, c->bad_cpu);
		total_lost += c->lost;
	}
	EXPECT_GT(total_lost, 0);
}

/*
 * Stalled until STOP, so no LOST record fits at STOP: after the drain,
 * GET_STATS writes it, and a second drain closes the accounting.
 */
TEST_F(ring, lost_record_after_stop)
{
	ASSERT_EQ(0, setup_rings(self->fd, &self->info, self->rings, 1000,
				 self->info.min_ring_pages, 0));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	EXPECT_TRUE(wait_for_losses(self->fd, &self->info, self->st));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	drain(self->rings, self->c, self->nr);
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, self->st));
	drain(self->rings, self->c, self->nr);
	for (int cpu = 0; cpu < nr_online_cpus(); cpu++) {
		struct sonde_cpu_stats *st = &self->st[cpu];
		struct drain_counts *c = &self->c[cpu];

		ksft_print_msg("cpu%d: produced %llu, lost %llu\n", cpu,
			       (unsigned long long)st->samples,
			       (unsigned long long)lost_sum(st));
		EXPECT_GT(lost_sum(st), 0);
		EXPECT_EQ(1, c->lost_records);
		EXPECT_EQ(lost_sum(st), c->lost);
		EXPECT_EQ(st->samples, c->samples + c->lost);
	}
}

/*
 * A watermark below the size of a LOST record: the first record after a
 * loss is LOST + SAMPLE, and that crossing must wake the poller too.
 */
TEST_F(ring, poll_wakes_after_loss)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };

	ASSERT_EQ(0, setup_rings(self->fd, &self->info, self->rings, 1000,
				 self->info.min_ring_pages, 8));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (int round = 0; round < 3; round++) {
		uint64_t t0;

		usleep(300000);		/* overflow: samples get lost */
		drain(self->rings, self->c, self->nr);
		t0 = mono_ns();
		EXPECT_EQ(1, poll(&pfd, 1, 2000));
		EXPECT_LT(mono_ns() - t0, 500000000ull)
			TH_LOG("round %d: woken late or not at all", round);
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
}

/* Samples read back after the hostile phase: all must be fresh. */
struct fresh {
	uint64_t since_ns;
	uint64_t stale;
};

static void check_fresh(const struct sonde_sample *s, void *arg)
{
	struct fresh *f = arg;

	if (s->time_ns < f->since_ns)
		f->stale++;
}

/*
 * The consumer position is untrusted: garbage only loses its own data.
 * Then a sane consumer takes over and must read a clean stream, whose
 * records and LOST counts agree exactly with GET_STATS: the garbage left
 * nothing behind in the producer.
 */
TEST_F(ring, hostile_tail)
{
	static const uint64_t tails[] = {
		~0ull, 1ull << 63, 7, 0x1234567, 0xfffffffffffff000ull, 0,
	};
	struct sonde_cpu_stats *st1 = calloc(self->nr, sizeof(*st1));
	struct fresh f = { 0 };
	uint64_t total = 0;

	ASSERT_NE(NULL, st1);
	ASSERT_EQ(0, setup_rings(self->fd, &self->info, self->rings, 2000, 4, 0));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (int i = 0; i < 60; i++) {
		for (int cpu = 0; cpu < self->nr; cpu++)
			__atomic_store_n(&self->rings[cpu].ctrl->data_tail,
					 tails[i % 6] + i, __ATOMIC_RELEASE);
		usleep(5000);
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, self->st));
	for (int cpu = 0; cpu < nr_online_cpus(); cpu++) {
		struct sonde_cpu_stats *st = &self->st[cpu];

		EXPECT_EQ(st->samples, st->records + lost_sum(st));
		EXPECT_GT(st->samples, 0);
	}

	/*
	 * A sane tail: everything so far is given up.  GET_STATS then
	 * writes the LOST record still pending (there is room now), and
	 * the first drain takes it: from here on, what is read must be
	 * exactly what the counters add.
	 */
	for (int cpu = 0; cpu < self->nr; cpu++)
		if (self->rings[cpu].meta)
			self->rings[cpu].ctrl->data_tail =
				self->rings[cpu].meta->data_head;
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, st1));
	drain(self->rings, self->c, self->nr);
	memset(self->c, 0, self->nr * sizeof(*self->c));

	f.since_ns = mono_ns();
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (int i = 0; i < 30; i++) {
		usleep(10000);
		for (int cpu = 0; cpu < self->nr; cpu++)
			if (self->rings[cpu].meta)
				ring_drain(&self->rings[cpu], &self->c[cpu],
					   check_fresh, &f);
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	drain(self->rings, self->c, self->nr);
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, self->st));
	drain(self->rings, self->c, self->nr);

	for (int cpu = 0; cpu < nr_online_cpus(); cpu++) {
		struct sonde_cpu_stats *st = &self->st[cpu];
		struct drain_counts *c = &self->c[cpu];

		ksft_print_msg("cpu%d after the hostile phase: %llu records read, %llu lost in %llu LOST records\n",
			       cpu, (unsigned long long)c->samples,
			       (unsigned long long)c->lost,
			       (unsigned long long)c->lost_records);
		EXPECT_EQ(0, c->bad_records);
		EXPECT_EQ(0, c->bad_cpu);
		EXPECT_EQ(st->records - st1[cpu].records, c->samples);
		EXPECT_EQ(lost_sum(st) - lost_sum(&st1[cpu]), c->lost);
		EXPECT_EQ(st->samples - st1[cpu].samples, c->samples + c->lost);
		/* The head is where the records read end: none is hidden. */
		EXPECT_EQ(self->rings[cpu].meta->data_head,
			  self->rings[cpu].ctrl->data_tail);
		total += c->samples;
	}
	EXPECT_EQ(0, f.stale) TH_LOG("records from before the sane tail");
	EXPECT_GT(total, 0);
	free(st1);
}

TEST_F(ring, poll_wakes_at_watermark)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	uint64_t t0;
	int n;

	ASSERT_EQ(0, setup_rings(self->fd, &self->info, self->rings, 1000, 16, 4096));
	/* Nothing recorded: not readable. */
	EXPECT_EQ(0, poll(&pfd, 1, 50));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	t0 = mono_ns();
	n = poll(&pfd, 1, 5000);
	EXPECT_EQ(1, n);
	EXPECT_TRUE(pfd.revents & POLLIN);
	ksft_print_msg("woken after %.1f ms\n", (mono_ns() - t0) / 1e6);
	drain(self->rings, self->c, self->nr);
	/* Below the watermark right after a drain, unless it refilled. */
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	drain(self->rings, self->c, self->nr);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
}

TEST_HARNESS_MAIN
