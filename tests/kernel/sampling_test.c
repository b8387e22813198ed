// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: what the timer source samples.  Rate per CPU, the
 * CPU of every record, the tgid filter, a hot function's share, user
 * frame-pointer chains, user stack copies and kernel ORC chains.
 *
 * The workload functions live in their own sections so that the test
 * knows their address ranges (__start_/__stop_ symbols) without any
 * symbolizer; built with frame pointers and without inlining.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "helpers.h"

#define PAGES 64

extern const char __start_sonde_leaf[], __stop_sonde_leaf[];
extern const char __start_sonde_mid[], __stop_sonde_mid[];
extern const char __start_sonde_top[], __stop_sonde_top[];
extern const char __start_sonde_main[], __stop_sonde_main[];

static volatile uint64_t sink;

/*
 * GCC 12 sets up no frame in a leaf that needs no stack, even with
 * -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer; a frame-pointer
 * walk from such a leaf skips its caller.  O0 keeps the frame, so the
 * test checks the walk, not the compiler.
 */
__attribute__((noinline, section("sonde_leaf"), optimize("O0")))
void hot_leaf(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		sink += i * i;
}

__attribute__((noinline, section("sonde_mid")))
void hot_mid(uint64_t n)
{
	hot_leaf(n);
	sink++;
}

/* Calls the chain until @ms of CLOCK_MONOTONIC time have passed. */
__attribute__((noinline, section("sonde_top")))
void hot_top(unsigned int ms)
{
	uint64_t end = mono_ns() + ms * 1000000ull;

	while (mono_ns() < end)
		hot_mid(200000);
	sink++;
}

static bool in(uint64_t addr, const char *start, const char *stop)
{
	return addr >= (uintptr_t)start && addr < (uintptr_t)stop;
}

FIXTURE(sampling) {
	int fd;
	struct sonde_info info;
	struct test_ring *rings;
	int nr_rings;
};

FIXTURE_SETUP(sampling)
{
	self->fd = dev_open();
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, dev_info(self->fd, &self->info));
	self->nr_rings = self->info.nr_cpu_ids;
	self->rings = calloc(self->nr_rings, sizeof(*self->rings));
	ASSERT_NE(NULL, self->rings);
}

FIXTURE_TEARDOWN(sampling)
{
	for (int i = 0; i < self->nr_rings; i++)
		ring_unmap(&self->rings[i]);
	free(self->rings);
	close(self->fd);
}

/*
 * How often the timer can run at @period_ns: the kernel's hrtimer
 * resolution (clock_getres() reports it) stretches shorter periods.
 * Without high-resolution timers, as on a guest whose TSC was found
 * unstable and whose only other clocksource is jiffies, that is a tick.
 */
static uint64_t timer_period(uint64_t period_ns)
{
	struct timespec res;
	uint64_t res_ns;

	if (clock_getres(CLOCK_MONOTONIC, &res))
		return period_ns;
	res_ns = res.tv_sec * 1000000000ull + res.tv_nsec;
	return res_ns > period_ns ? res_ns : period_ns;
}

/* Tests whose premise is a timer that runs at their period. */
#define SKIP_UNLESS_HIGH_RES(period_ns)					\
	do {								\
		if (timer_period(period_ns) != (period_ns))		\
			SKIP(return, "the kernel's timer resolution is %llu ns, coarser than %llu ns: no high-resolution timers",	\
			     (unsigned long long)timer_period(period_ns),	\
			     (unsigned long long)(period_ns));		\
	} while (0)

static int map_all(int fd, const struct sonde_info *info,
		   struct test_ring *rings, uint32_t pages)
{
	for (unsigned int cpu = 0; cpu < info->nr_cpu_ids; cpu++) {
		int ret = ring_map(fd, info, cpu, pages, &rings[cpu]);

		if (ret)
			return ret;
	}
	return 0;
}

static void drain_all(struct test_ring *rings, int nr,
		      struct drain_counts *c, sample_fn fn, void *arg)
{
	for (int cpu = 0; cpu < nr; cpu++)
		ring_drain(&rings[cpu], &c[cpu], fn, arg);
}

struct times {
	uint64_t t[4096];
	unsigned int n;
	uint64_t stood;		/* 1 ms periods the samples stand for */
	uint64_t odd;		/* periods not a multiple of 1 ms */
};

static void keep_time(const struct sonde_sample *s, void *arg)
{
	const struct sonde_sample_event *ev = sample_event_of(s);
	struct times *t = arg;

	if (t->n < ARRAY_SIZE(t->t))
		t->t[t->n++] = s->time_ns;
	if (!(s->flags & SONDE_SAMPLE_EVENT)) {
		t->stood++;
		return;
	}
	if (!ev || ev->event != SONDE_EVENT_TIMER || ev->period % 1000000)
		t->odd++;
	else
		t->stood += ev->period / 1000000;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Every CPU, idle or not, is sampled at the configured period.  Checked
 * three ways per CPU: the median interval between samples is the period;
 * samples plus the periods the timer reports as missed add up to the
 * span covered; and, as a floor, most periods do yield a sample.  An
 * emulated CPU that the host does not run for a while misses periods,
 * which is why the second check counts them; the sample after missed
 * periods stands for them, so the periods the samples say they stand
 * for are exactly the samples plus the missed periods.  A kernel without
 * high-resolution timers runs the timer once a tick at most: the
 * interval is then the tick, and the periods in between count as missed.
 */
TEST_F(sampling, rate_and_cpu)
{
	struct drain_counts *c = calloc(self->nr_rings, sizeof(*c));
	struct sonde_cpu_stats *st = calloc(self->nr_rings, sizeof(*st));
	struct times *t = calloc(self->nr_rings, sizeof(*t));
	double interval_ms = timer_period(1000000) / 1e6;
	struct sonde_config cfg;

	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, st);
	ASSERT_NE(NULL, t);
	if (interval_ms != 1.0)
		ksft_print_msg("no high-resolution timers: the timer runs every %.3f ms at most\n",
			       interval_ms);
	config_init(&cfg, 1000, PAGES);
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, map_all(self->fd, &self->info, self->rings, PAGES));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (int i = 0; i < 20; i++) {
		usleep(50000);
		for (int cpu = 0; cpu < self->nr_rings; cpu++)
			ring_drain(&self->rings[cpu], &c[cpu], keep_time,
				   &t[cpu]);
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	for (int cpu = 0; cpu < self->nr_rings; cpu++)
		ring_drain(&self->rings[cpu], &c[cpu], keep_time, &t[cpu]);
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, st));

	for (int cpu = 0; cpu < nr_online_cpus(); cpu++) {
		struct times *ct = &t[cpu];
		uint64_t gaps[4096], span, periods;
		double median_ms, accounted, sampled;

		ASSERT_GE(ct->n, 100) TH_LOG("cpu%d: %u samples", cpu, ct->n);
		for (unsigned int i = 1; i < ct->n; i++)
			gaps[i - 1] = ct->t[i] - ct->t[i - 1];
		qsort(gaps, ct->n - 1, sizeof(gaps[0]), cmp_u64);
		median_ms = gaps[(ct->n - 1) / 2] / 1e6;
		span = ct->t[ct->n - 1] - ct->t[0];
		periods = (span + 500000) / 1000000 + 1;
		accounted = (double)(c[cpu].samples + st[cpu].timer_missed) /
			    periods;
		sampled = (double)c[cpu].samples * interval_ms / periods;
		ksft_print_msg("cpu%d: %llu samples, %llu missed periods, over %llu periods: median interval %.3f ms, accounted %.3f, sampled %.3f\n",
			       cpu, (unsigned long long)c[cpu].samples,
			       (unsigned long long)st[cpu].timer_missed,
			       (unsigned long long)periods, median_ms,
			       accounted, sampled);
		EXPECT_EQ(0, c[cpu].bad_cpu);
		EXPECT_EQ(0, c[cpu].bad_records);
		EXPECT_EQ(0, c[cpu].lost);
		EXPECT_EQ(st[cpu].samples, c[cpu].samples);
		EXPECT_EQ(0, ct->odd);
		/* Missed periods a run without registers found stay unsaid. */
		if (!st[cpu].timer_no_regs)
			EXPECT_EQ(c[cpu].samples + st[cpu].timer_missed,
				  ct->stood);
		/* Tolerances for the emulated guest: see tests/README.md. */
		EXPECT_GE(median_ms, 0.95 * interval_ms);
		EXPECT_LE(median_ms, 1.05 * interval_ms);
		EXPECT_GE(accounted, 0.97);
		EXPECT_LE(accounted, 1.03);
		EXPECT_GE(sampled, 0.5);
	}
	free(t);
	free(st);
	free(c);
}

struct hot_counts {
	pid_t pid;
	uint64_t start_stack;	/* /proc/self/stat's startstack */
	uint64_t total, user, leaf, leaf_chain, leaf_main, leaf_stack, wrong_pid;
	uint64_t bad_short;	/* STACK_SHORT disagrees with the size */
	uint64_t want;		/* bytes of stack asked for */
	uint64_t to_top;	/* copies that stopped at start_stack */
};

/* Field 28 of /proc/self/stat: the top of the main thread's stack. */
static uint64_t self_start_stack(void)
{
	char buf[1024], *p;
	unsigned long long v = 0;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the comm's closing parenthesis, the state is field 3. */
	p = strrchr(buf, ')');
	for (int field = 2; p && field < 28; field++)
		p = strchr(p + 1, ' ');
	if (p)
		sscanf(p + 1, "%llu", &v);
	return v;
}

static void count_hot(const struct sonde_sample *s, void *arg)
{
	struct hot_counts *h = arg;
	const __u64 *user = s->frames + s->nr_kernel;

	h->total++;
	if ((pid_t)s->pid != h->pid)
		h->wrong_pid++;
	/* A copy stops at the main thread's start_stack, unflagged. */
	if (s->flags & SONDE_SAMPLE_USER_REGS) {
		uint64_t want = h->want;

		if (s->user_sp < h->start_stack &&
		    h->start_stack - s->user_sp < want) {
			want = h->start_stack - s->user_sp;
			h->to_top++;
		}
		if (!(s->flags & SONDE_SAMPLE_USER_STACK_SHORT) !=
		    (s->user_stack_size == want))
			h->bad_short++;
	}
	if (s->user_stack_size > h->want)
		h->bad_short++;
	if (s->context != SONDE_CTX_USER)
		return;
	h->user++;
	if (!in(s->ip, __start_sonde_leaf, __stop_sonde_leaf))
		return;
	h->leaf++;
	if (s->nr_user >= 3 && user[0] == s->ip &&
	    in(user[1], __start_sonde_mid, __stop_sonde_mid) &&
	    in(user[2], __start_sonde_top, __stop_sonde_top))
		h->leaf_chain++;
	/* ... and on through the harness down to main(). */
	for (int i = 3; i < s->nr_user; i++) {
		if (in(user[i], __start_sonde_main, __stop_sonde_main)) {
			h->leaf_main++;
			break;
		}
	}
	/* The return address into hot_mid sits on the copied stack. */
	if (s->nr_user >= 2 && s->user_stack_size >= 64) {
		const __u64 *stack = user + s->nr_user;

		for (uint32_t i = 0; i < s->user_stack_size / 8; i++) {
			if (stack[i] == user[1]) {
				h->leaf_stack++;
				break;
			}
		}
	}
}

/*
 * Only this process is sampled, with @stack_bytes of user stack per
 * sample: its hot function dominates, and user chains read leaf -> mid
 * -> top -> ... -> main.
 */
static void run_hot(FIXTURE_DATA(sampling) * self,
		    struct __test_metadata *_metadata, uint32_t stack_bytes,
		    struct hot_counts *h)
{
	struct drain_counts *c = calloc(self->nr_rings, sizeof(*c));
	struct sonde_cpu_stats *st = calloc(self->nr_rings, sizeof(*st));
	uint32_t tgid = getpid();
	struct sonde_config cfg;
	uint64_t filtered = 0;

	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, st);
	h->pid = getpid();
	h->want = stack_bytes;
	h->start_stack = self_start_stack();
	ASSERT_NE(0, h->start_stack);
	config_init(&cfg, 1000, PAGES);
	cfg.capture |= SONDE_CAPTURE_USER_STACK;
	cfg.user_stack_bytes = stack_bytes;
	cfg.nr_tgids = 1;
	cfg.tgids_ptr = (uintptr_t)&tgid;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, map_all(self->fd, &self->info, self->rings, PAGES));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (int i = 0; i < 10; i++) {
		hot_top(100);
		drain_all(self->rings, self->nr_rings, c, count_hot, h);
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	drain_all(self->rings, self->nr_rings, c, count_hot, h);
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, st));
	for (int cpu = 0; cpu < self->nr_rings; cpu++)
		filtered += st[cpu].filtered;

	ksft_print_msg("%u bytes of stack, start_stack %#llx: %llu copies stopped there\n",
		       stack_bytes, (unsigned long long)h->start_stack,
		       (unsigned long long)h->to_top);
	ksft_print_msg("samples %llu, user %llu, in hot_leaf %llu, leaf-mid-top %llu, down to main %llu, ret addr on stack %llu, filtered %llu\n",
		       (unsigned long long)h->total, (unsigned long long)h->user,
		       (unsigned long long)h->leaf,
		       (unsigned long long)h->leaf_chain,
		       (unsigned long long)h->leaf_main,
		       (unsigned long long)h->leaf_stack,
		       (unsigned long long)filtered);
	EXPECT_EQ(0, h->wrong_pid);
	EXPECT_EQ(0, h->bad_short) TH_LOG("USER_STACK_SHORT must flag short copies");
	/* With a second CPU, its idle task is sampled and filtered out. */
	if (nr_online_cpus() > 1)
		EXPECT_GT(filtered, 0) TH_LOG("other tasks (idle) were not filtered");
	ASSERT_GE(h->total, 300 * 1000000 / timer_period(1000000));
	EXPECT_GE(h->leaf * 100, h->total * 70) TH_LOG("hot_leaf should dominate");
	EXPECT_GE(h->leaf_chain * 100, h->leaf * 90);
	EXPECT_GE(h->leaf_main * 100, h->leaf * 90);
	EXPECT_GE(h->leaf_stack * 100, h->leaf * 90);
	free(st);
	free(c);
}

TEST_F(sampling, hot_function_and_user_chain)
{
	struct hot_counts h = { 0 };

	run_hot(self, _metadata, 1024, &h);
}

/*
 * dwarf mode's 8 KiB: from this test's frames the main thread's stack
 * ends nearer (this harness runs each test in a child's main thread), so
 * each copy stops at mm->start_stack, unflagged, and still holds the
 * frames.
 */
TEST_F(sampling, stack_copy_stops_at_start_stack)
{
	struct hot_counts h = { 0 };

	run_hot(self, _metadata, 8192, &h);
	EXPECT_GE(h.to_top * 100, h.user * 90);
}

struct syscall_counts {
	const struct ksyms *ks;
	uint64_t kernel, with_entry, with_read, hidden;
};

static void count_syscall(const struct sonde_sample *s, void *arg)
{
	struct syscall_counts *sc = arg;
	bool entry = false, read = false;

	if (s->context != SONDE_CTX_KERNEL)
		return;
	sc->kernel++;
	if (s->flags & SONDE_SAMPLE_KERNEL_HIDDEN)
		sc->hidden++;
	for (int i = 0; i < s->nr_kernel; i++) {
		const char *name = ksyms_name(sc->ks, s->frames[i]);

		if (!name)
			continue;
		if (!strcmp(name, "do_syscall_64"))
			entry = true;
		if (!strcmp(name, "ksys_read") || !strcmp(name, "vfs_read"))
			read = true;
	}
	sc->with_entry += entry;
	sc->with_read += read;
}

/* A read()-heavy loop yields kernel chains through the syscall entry. */
TEST_F(sampling, kernel_chain)
{
	struct drain_counts *c = calloc(self->nr_rings, sizeof(*c));
	struct syscall_counts sc = { 0 };
	uint32_t tgid = getpid();
	struct sonde_config cfg;
	static char buf[65536];
	int zero;

	ASSERT_NE(NULL, c);
	sc.ks = ksyms_load();
	ASSERT_NE(NULL, sc.ks);
	ASSERT_NE(0, ksyms_addr(sc.ks, "do_syscall_64"))
		TH_LOG("/proc/kallsyms shows no addresses");
	zero = open("/dev/zero", O_RDONLY);
	ASSERT_GE(zero, 0);
	config_init(&cfg, 1000, PAGES);
	cfg.nr_tgids = 1;
	cfg.tgids_ptr = (uintptr_t)&tgid;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, map_all(self->fd, &self->info, self->rings, PAGES));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (int i = 0; i < 10; i++) {
		uint64_t end = mono_ns() + 100000000ull;

		while (mono_ns() < end)
			ASSERT_EQ(sizeof(buf), read(zero, buf, sizeof(buf)));
		drain_all(self->rings, self->nr_rings, c, count_syscall, &sc);
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	drain_all(self->rings, self->nr_rings, c, count_syscall, &sc);
	ksft_print_msg("kernel samples %llu, through do_syscall_64 %llu, through ksys_read/vfs_read %llu\n",
		       (unsigned long long)sc.kernel,
		       (unsigned long long)sc.with_entry,
		       (unsigned long long)sc.with_read);
	EXPECT_EQ(0, sc.hidden);
	ASSERT_GE(sc.kernel, 100);
	EXPECT_GE(sc.with_entry * 100, sc.kernel * 80);
	EXPECT_GE(sc.with_read * 100, sc.kernel * 50);
	close(zero);
	ksyms_free((struct ksyms *)sc.ks);
	free(c);
}

#define MAX_CPU_PERCENT	"/sys/module/sonde/parameters/max_cpu_percent"

static int write_param(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EINVAL;
}

/* Every record of every ring, through @fn. */
static void walk_rings(struct test_ring *rings, int nr, record_fn fn,
		       void *arg)
{
	for (int cpu = 0; cpu < nr; cpu++)
		ring_walk(&rings[cpu], fn, arg);
}

/* Burn this CPU for @tenths of a second, the rings read every tenth. */
static void burn_and_walk(struct test_ring *rings, int nr, int tenths,
			  record_fn fn, void *arg)
{
	for (int i = 0; i < tenths; i++) {
		burn_cpu_ms(100);
		walk_rings(rings, nr, fn, arg);
	}
}

struct throttle_seen {
	uint64_t base_ns;
	uint64_t throttles, unthrottles, bad;
	uint64_t last_period_ns;	/* of the last record of either kind */
	uint64_t max_period_ns;
	uint64_t samples;
	uint32_t want_limit;	/* max_overhead the records must say; 0: any */
	uint64_t other_limit;
};

static void see_throttle(const struct sonde_record_header *h, void *arg)
{
	struct throttle_seen *t = arg;
	const struct sonde_throttle *r = (const void *)h;

	if (h->type == SONDE_RECORD_SAMPLE)
		t->samples++;
	if (h->type != SONDE_RECORD_THROTTLE &&
	    h->type != SONDE_RECORD_UNTHROTTLE)
		return;
	if (h->size != sizeof(*r) || r->period_ns < t->base_ns ||
	    !r->window_ns || !r->max_overhead || r->max_overhead > 10000) {
		t->bad++;
		return;
	}
	if (t->want_limit && r->max_overhead != t->want_limit)
		t->other_limit++;
	if (h->type == SONDE_RECORD_THROTTLE)
		t->throttles++;
	else
		t->unthrottles++;
	t->last_period_ns = r->period_ns;
	if (r->period_ns > t->max_period_ns)
		t->max_period_ns = r->period_ns;
}

/*
 * The overhead limit (uapi/sonde.h, struct sonde_throttle): at
 * max_cpu_percent=1, 10 kHz with 16 KiB stack copies on a busy CPU takes
 * more than 1% of it in the handler, so the period must be lengthened,
 * each time with a THROTTLE record; back at 100, it must come back down
 * with UNTHROTTLE records.  Every record is accounted for and the
 * handler-time histogram counts every handler run.
 */
TEST_F(sampling, throttle)
{
	uint64_t produced = 0, records, lost = 0, hist = 0, nested = 0;
	uint64_t throttle_events = 0, throttled_ns = 0;
	struct throttle_seen t = { 0 };
	struct sonde_cpu_stats *st;
	struct sonde_config cfg;
	int cpu, err;

	SKIP_UNLESS_HIGH_RES(100000);
	st = calloc(self->nr_rings, sizeof(*st));
	ASSERT_NE(NULL, st);
	ASSERT_TRUE(self->info.features & SONDE_FEAT_THROTTLE);
	config_init(&cfg, 10000, 256);
	cfg.capture |= SONDE_CAPTURE_USER_STACK;
	cfg.user_stack_bytes = 16384;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, map_all(self->fd, &self->info, self->rings, 256));
	t.base_ns = 1000000000ull / 10000;

	err = write_param(MAX_CPU_PERCENT, "1");
	ASSERT_EQ(0, err);
	/* Out of range: refused, the old value stays. */
	EXPECT_NE(0, write_param(MAX_CPU_PERCENT, "0"));
	EXPECT_NE(0, write_param(MAX_CPU_PERCENT, "101"));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	burn_and_walk(self->rings, self->nr_rings, 15, see_throttle, &t);
	ksft_print_msg("at 1%%: %llu THROTTLE, %llu UNTHROTTLE records, longest period %llu ns\n",
		       (unsigned long long)t.throttles,
		       (unsigned long long)t.unthrottles,
		       (unsigned long long)t.max_period_ns);
	EXPECT_LE(1, t.throttles);
	EXPECT_LT(t.base_ns, t.max_period_ns);

	/* The limit lifted: the period halves back, window by window. */
	EXPECT_EQ(0, write_param(MAX_CPU_PERCENT, "100"));
	t.throttles = t.unthrottles = 0;
	for (int i = 0; i < 20 && t.last_period_ns != t.base_ns; i++) {
		burn_cpu_ms(100);
		walk_rings(self->rings, self->nr_rings, see_throttle, &t);
	}
	EXPECT_EQ(0, write_param(MAX_CPU_PERCENT, "25"));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	walk_rings(self->rings, self->nr_rings, see_throttle, &t);
	ksft_print_msg("at 100%%: %llu UNTHROTTLE records, last period %llu ns\n",
		       (unsigned long long)t.unthrottles,
		       (unsigned long long)t.last_period_ns);
	EXPECT_LE(1, t.unthrottles);
	EXPECT_EQ(0, t.bad);

	ASSERT_EQ(0, dev_stats(self->fd, &self->info, st));
	for (cpu = 0; cpu < self->nr_rings; cpu++) {
		produced += stats_produced(&st[cpu]);
		lost += stats_lost(&st[cpu]);
		nested += st[cpu].lost[SONDE_LOST_NESTED];
		for (int i = 0; i < SONDE_HANDLER_HIST_BUCKETS; i++)
			hist += st[cpu].handler_hist[i];
		throttle_events += st[cpu].throttle_events;
		throttled_ns += st[cpu].throttled_ns;
		records = st[cpu].records;
		produced -= records;
	}
	/* samples + task + map + throttle events == records + lost */
	EXPECT_EQ(lost, produced);
	EXPECT_LE(t.throttles + t.unthrottles, throttle_events);
	EXPECT_LT(0, throttled_ns);
	/* Every handler run that got in is in the histogram. */
	{
		uint64_t samples = 0;

		for (cpu = 0; cpu < self->nr_rings; cpu++)
			samples += st[cpu].samples;
		EXPECT_EQ(samples - nested, hist);
	}
	free(st);
}

/*
 * A session's own budget (sonde_config.max_overhead), below the module's
 * 25%: 0.1% of a CPU at 10 kHz with stack copies must throttle, and the
 * records say which limit held.
 */
TEST_F(sampling, session_budget)
{
	struct throttle_seen t = { 0 };
	struct sonde_config cfg;

	SKIP_UNLESS_HIGH_RES(100000);
	config_init(&cfg, 10000, 256);
	cfg.capture |= SONDE_CAPTURE_USER_STACK;
	cfg.user_stack_bytes = 16384;
	cfg.max_overhead = 10;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, map_all(self->fd, &self->info, self->rings, 256));
	t.base_ns = 1000000000ull / 10000;
	t.want_limit = 10;
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	burn_and_walk(self->rings, self->nr_rings, 10, see_throttle, &t);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	walk_rings(self->rings, self->nr_rings, see_throttle, &t);
	ksft_print_msg("at 0.1%%: %llu THROTTLE records, longest period %llu ns, %llu of another limit\n",
		       (unsigned long long)t.throttles,
		       (unsigned long long)t.max_period_ns,
		       (unsigned long long)t.other_limit);
	EXPECT_LE(1, t.throttles);
	EXPECT_EQ(0, t.other_limit);
	EXPECT_EQ(0, t.bad);
}

struct jitter_seen {
	uint64_t last_ns[64];
	uint64_t min_period, max_period, n, bad;
	uint64_t long_periods;	/* above 1.2 ms: after missed periods */
	int64_t err[8192];	/* interval - period, per sample after the first */
	unsigned int nerr;
};

static void see_jitter(const struct sonde_record_header *h, void *arg)
{
	struct jitter_seen *j = arg;
	const struct sonde_sample *s = (const void *)h;
	const struct sonde_sample_event *ev;
	size_t off;

	if (h->type != SONDE_RECORD_SAMPLE)
		return;
	off = sizeof(*s) + 8 * ((size_t)s->nr_kernel + s->nr_user) +
	      s->user_stack_size;
	off = (off + 7) & ~7ul;
	if (!(s->flags & SONDE_SAMPLE_EVENT) ||
	    off + sizeof(*ev) > h->size) {
		j->bad++;
		return;
	}
	ev = (const void *)((const char *)s + off);
	if (ev->event != SONDE_EVENT_TIMER) {
		j->bad++;
		return;
	}
	j->n++;
	if (!j->min_period || ev->period < j->min_period)
		j->min_period = ev->period;
	if (ev->period > 1200000)
		j->long_periods++;
	else if (ev->period > j->max_period)
		j->max_period = ev->period;
	if (s->cpu < 64 && j->last_ns[s->cpu] && j->nerr < 8192)
		j->err[j->nerr++] = (int64_t)(s->time_ns - j->last_ns[s->cpu]) -
				    (int64_t)ev->period;
	if (s->cpu < 64)
		j->last_ns[s->cpu] = s->time_ns;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * --jitter: the timer's intervals vary within +-20% of 1 ms, each sample
 * says the interval before it, and that is the time since the CPU's
 * previous sample (the median error well under the 200 us spread).
 */
TEST_F(sampling, jitter)
{
	struct sonde_cpu_stats *st;
	struct jitter_seen *j;
	uint64_t missed = 0;
	struct sonde_config cfg;

	/* +-20% of 1 ms: the shortest interval is 800 us. */
	SKIP_UNLESS_HIGH_RES(800000);
	j = calloc(1, sizeof(*j));
	st = calloc(self->nr_rings, sizeof(*st));
	ASSERT_NE(NULL, j);
	ASSERT_NE(NULL, st);
	config_init(&cfg, 1000, 64);
	cfg.jitter = 20;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, map_all(self->fd, &self->info, self->rings, 64));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	burn_and_walk(self->rings, self->nr_rings, 6, see_jitter, j);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	walk_rings(self->rings, self->nr_rings, see_jitter, j);
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, st));
	for (int cpu = 0; cpu < self->nr_rings; cpu++)
		missed += st[cpu].timer_missed;
	qsort(j->err, j->nerr, sizeof(j->err[0]), cmp_i64);
	ksft_print_msg("%llu timer samples, periods %llu to %llu ns and %llu longer (%llu missed periods), interval - period median %lld ns\n",
		       (unsigned long long)j->n,
		       (unsigned long long)j->min_period,
		       (unsigned long long)j->max_period,
		       (unsigned long long)j->long_periods,
		       (unsigned long long)missed,
		       j->nerr ? (long long)j->err[j->nerr / 2] : 0LL);
	EXPECT_EQ(0, j->bad);
	/* Only a sample after missed periods stands for more. */
	EXPECT_GE(missed, j->long_periods);
	ASSERT_LE(200, j->n);
	EXPECT_LE(800000, j->min_period);
	EXPECT_GE(1200000, j->max_period);
	/* Varied: more than a quarter of the allowed spread used. */
	EXPECT_LE(100000, j->max_period - j->min_period);
	ASSERT_LT(0, j->nerr);
	EXPECT_GT(100000, llabs(j->err[j->nerr / 2]));
	free(st);
	free(j);
}

/* TEST_HARNESS_MAIN, but in a section: user chains must reach main(). */
__attribute__((section("sonde_main"), noinline))
int main(int argc, char **argv)
{
	return test_harness_run(argc, argv);
}
