// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: life cycle.  Close without STOP, module reloads in
 * between, rmmod refused while rings are mapped, CPU hotplug during a
 * session.  Needs root and $SONDE_KO (scripts/vm-run sets it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <signal.h>
#include <pthread.h>
#include "kselftest_harness.h"
#include "helpers.h"

static int run(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Reloads from a copy in /tmp: reading the .ko over 9p is slow. */
static int reload_module(void)
{
	static const char *copy = "/tmp/sonde-lifecycle.ko";
	char cmd[4096];

	if (access(copy, R_OK)) {
		snprintf(cmd, sizeof(cmd), "cp '%s' %s", getenv("SONDE_KO"),
			 copy);
		if (run(cmd))
			return -1;
	}
	if (run("rmmod sonde 2>/dev/null"))
		return -1;
	snprintf(cmd, sizeof(cmd), "insmod %s", copy);
	return run(cmd) ? -1 : 0;
}

FIXTURE(reload) {
};

FIXTURE_SETUP(reload)
{
}

FIXTURE_TEARDOWN(reload)
{
}

#define NEED_MODULE_CONTROL() do { \
	if (geteuid() != 0 || !getenv("SONDE_KO")) \
		SKIP(return, "needs root and SONDE_KO"); \
} while (0)

/* 20 module reloads take a while in an emulated guest. */
TEST_F_TIMEOUT(reload, close_without_stop_and_reload, 300)
{
	NEED_MODULE_CONTROL();
	for (int i = 0; i < 20; i++) {
		struct sonde_info info;
		struct sonde_config cfg;
		struct test_ring r;
		int fd = dev_open();

		ASSERT_GE(fd, 0) TH_LOG("iteration %d", i);
		ASSERT_EQ(0, dev_info(fd, &info));
		config_init(&cfg, 2000, 8);
		ASSERT_EQ(0, dev_configure(fd, &cfg));
		ASSERT_EQ(0, ring_map(fd, &info, 0, 8, &r));
		ASSERT_EQ(0, ioctl(fd, SONDE_IOC_START, 0));
		burn_cpu_ms(10);
		if (i % 2)
			ring_unmap(&r);		/* before close, or after */
		close(fd);
		ring_unmap(&r);
		ASSERT_EQ(0, reload_module()) TH_LOG("iteration %d", i);
	}
}

TEST(rmmod_refused_while_mapped)
{
	struct sonde_info info;
	struct sonde_config cfg;
	struct test_ring r;
	int fd;

	NEED_MODULE_CONTROL();
	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	config_init(&cfg, 100, 4);
	ASSERT_EQ(0, dev_configure(fd, &cfg));
	ASSERT_EQ(0, ring_map(fd, &info, 0, 4, &r));
	close(fd);
	EXPECT_NE(0, run("rmmod sonde 2>/dev/null"));
	/* Still readable after the refused rmmod. */
	EXPECT_EQ(4 * info.page_size, r.meta->data_size);
	ring_unmap(&r);
	EXPECT_EQ(0, reload_module());
}

/* Lines of the CPU hotplug state table that name sonde's timer source. */
static int sonde_hp_states(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/hotplug/states", "r");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "sonde"))
			n++;
	fclose(f);
	return n;
}

struct hammer {
	int fd;
	int which;
	volatile bool *stop;
	unsigned long calls;
	unsigned long starts;
	unsigned long bad;	/* an errno outside what the state allows */
	int bad_cmd, bad_errno;
};

static void hammer_check(struct hammer *h, int cmd, int ret, int ok_errno)
{
	if (!ret || errno == ok_errno)
		return;
	h->bad++;
	h->bad_cmd = cmd;
	h->bad_errno = errno;
}

static void *hammer_thread(void *p)
{
	struct hammer *h = p;
	struct sonde_config cfg;
	struct sonde_info info;
	int ret;

	config_init(&cfg, 2000, 4);
	dev_info(h->fd, &info);
	while (!*h->stop) {
		struct sonde_cpu_stats st[64];

		switch (h->which % 4) {
		case 0:
			/* Configured before the threads start: 0 or EBUSY. */
			ret = ioctl(h->fd, SONDE_IOC_START, 0);
			if (!ret)
				h->starts++;
			hammer_check(h, 0, ret, EBUSY);
			break;
		case 1:
			ret = ioctl(h->fd, SONDE_IOC_STOP, 0);
			hammer_check(h, 1, ret, 0);
			break;
		case 2:
			ret = ioctl(h->fd, SONDE_IOC_CONFIGURE, &cfg);
			hammer_check(h, 2, ret, EBUSY);
			break;
		case 3:
			if (info.nr_cpu_ids <= 64) {
				ret = dev_stats(h->fd, &info, st);
				hammer_check(h, 3, ret ? (errno = -ret, -1) : 0,
					     0);
			}
			break;
		}
		h->calls++;
	}
	return NULL;
}

/*
 * START, STOP, CONFIGURE and GET_STATS from eight threads at once, then
 * close while sampling is on: no deadlock, only the errnos each state
 * allows, never two starts at once (a second START would register a
 * second CPU hotplug state, and the first would be leaked), nothing left
 * armed after close (no hotplug state, no ring head still moving), and
 * the device opens again at once.
 */
TEST(concurrent_control)
{
	int nr = nr_online_cpus();
	struct hammer h[8];
	struct test_ring r[nr];
	uint64_t heads[nr], moved = 0;
	pthread_t t[8];
	volatile bool stop = false;
	unsigned long calls = 0, starts = 0, bad = 0;
	int states, max_states = 0;
	struct sonde_info info;
	struct sonde_config cfg;
	uint64_t end;
	int fd = dev_open();

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	states = sonde_hp_states();
	if (states > 0)
		TH_LOG("sonde hotplug states left by an earlier test: %d",
		       states);
	EXPECT_LE(states, 0);
	config_init(&cfg, 2000, 4);
	ASSERT_EQ(0, dev_configure(fd, &cfg));
	for (int i = 0; i < 8; i++) {
		h[i] = (struct hammer){ .fd = fd, .which = i, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, hammer_thread, &h[i]));
	}
	/* Watch the hotplug state table meanwhile: one state at most. */
	end = mono_ns() + 1500000000ull;
	while (mono_ns() < end) {
		states = sonde_hp_states();
		if (states > max_states)
			max_states = states;
		usleep(1000);
	}
	stop = true;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		calls += h[i].calls;
		starts += h[i].starts;
		bad += h[i].bad;
		if (h[i].bad)
			TH_LOG("thread %d: command %d failed with %s", i,
			       h[i].bad_cmd, strerror(h[i].bad_errno));
	}
	ksft_print_msg("%lu ioctls from 8 threads, %lu successful STARTs, at most %d hotplug states at once\n",
		       calls, starts, max_states);
	EXPECT_GT(calls, 100);
	EXPECT_EQ(0, bad);
	EXPECT_LE(max_states, 1);

	/*
	 * Sampling on, on rings we can see: then close.  Whatever the
	 * hammer left armed, close must disarm it all.
	 */
	EXPECT_EQ(0, ioctl(fd, SONDE_IOC_STOP, 0));
	if (sonde_hp_states() >= 0)
		EXPECT_EQ(0, sonde_hp_states()) TH_LOG("armed after STOP");
	ASSERT_EQ(0, dev_configure(fd, &cfg));
	memset(r, 0, sizeof(r));
	for (int cpu = 0; cpu < nr; cpu++)
		ASSERT_EQ(0, ring_map(fd, &info, cpu, 4, &r[cpu]));
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_START, 0));
	if (sonde_hp_states() >= 0)
		EXPECT_EQ(1, sonde_hp_states());
	for (int i = 0; i < 200 && !moved; i++) {
		burn_cpu_ms(10);
		for (int cpu = 0; cpu < nr; cpu++)
			moved += r[cpu].meta->data_head;
	}
	ASSERT_GT(moved, 0) TH_LOG("not sampling before close");
	close(fd);
	if (sonde_hp_states() >= 0)
		EXPECT_EQ(0, sonde_hp_states()) TH_LOG("armed after close");
	for (int cpu = 0; cpu < nr; cpu++)
		heads[cpu] = __atomic_load_n(&r[cpu].meta->data_head,
					     __ATOMIC_ACQUIRE);
	/* Many periods of 0.5 ms, on a CPU kept busy and the others idle. */
	burn_cpu_ms(100);
	usleep(100000);
	for (int cpu = 0; cpu < nr; cpu++) {
		EXPECT_EQ(heads[cpu], __atomic_load_n(&r[cpu].meta->data_head,
						      __ATOMIC_ACQUIRE))
			TH_LOG("cpu%d: still written after close", cpu);
		ring_unmap(&r[cpu]);
	}
	fd = dev_open();
	EXPECT_GE(fd, 0);
	close(fd);
}

/* The owner killed mid-recording: release runs, the device opens again. */
TEST(owner_killed)
{
	int ready[2], status, fd;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct sonde_info info;
		struct sonde_config cfg;
		struct test_ring r;
		int cfd = dev_open();

		if (cfd < 0 || dev_info(cfd, &info))
			_exit(1);
		config_init(&cfg, 2000, 8);
		if (dev_configure(cfd, &cfg) ||
		    ring_map(cfd, &info, 0, 8, &r) ||
		    ioctl(cfd, SONDE_IOC_START, 0))
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			burn_cpu_ms(100);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	usleep(100000);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	fd = dev_open();
	EXPECT_GE(fd, 0) TH_LOG("the killed owner's session was not released");
	if (fd >= 0)
		close(fd);
	close(ready[0]);
}

struct window {
	uint64_t off_ns, on_ns;
	uint64_t before, during, after;
};

static void count_cpu1(const struct sonde_sample *s, void *arg)
{
	struct window *w = arg;

	if (s->time_ns < w->off_ns)
		w->before++;
	else if (s->time_ns < w->on_ns)
		w->during++;
	else
		w->after++;
}

static uint64_t lost_sum(const struct sonde_cpu_stats *st)
{
	uint64_t n = 0;

	for (int i = 0; i < SONDE_LOST_NR_REASONS; i++)
		n += st->lost[i];
	return n;
}

static void drain_both(struct test_ring *r, struct drain_counts *c,
		       struct window *w)
{
	ring_drain(&r[0], &c[0], NULL, NULL);
	ring_drain(&r[1], &c[1], count_cpu1, w);
}

/*
 * CPU 1 goes offline with its ring full and losses pending, then comes
 * back: no sample is taken while it is away, sampling resumes after, and
 * the accounting holds across it: samples == records + lost in GET_STATS,
 * and the stream read agrees with both.
 */
TEST(cpu_hotplug_during_sampling)
{
	struct drain_counts c[2] = { 0 };
	struct window w = { 0 };
	struct sonde_cpu_stats *st;
	struct sonde_info info;
	struct sonde_config cfg;
	struct test_ring r[2];
	uint32_t pages;
	int fd;

	if (geteuid() != 0 || nr_online_cpus() < 2 ||
	    access("/sys/devices/system/cpu/cpu1/online", W_OK))
		SKIP(return, "needs root and a CPU 1 that can go offline");
	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	st = calloc(info.nr_cpu_ids, sizeof(*st));
	ASSERT_NE(NULL, st);
	/* The smallest ring: a few dozen samples fill it. */
	pages = info.min_ring_pages;
	config_init(&cfg, 1000, pages);
	ASSERT_EQ(0, dev_configure(fd, &cfg));
	ASSERT_EQ(0, ring_map(fd, &info, 0, pages, &r[0]));
	ASSERT_EQ(0, ring_map(fd, &info, 1, pages, &r[1]));
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_START, 0));
	/*
	 * No reader: both rings fill and lose.  Wait for CPU 1's first
	 * loss rather than a fixed time: a starved virtual CPU samples
	 * slowly.
	 */
	for (int i = 0; i < 200; i++) {
		usleep(50000);
		ASSERT_EQ(0, dev_stats(fd, &info, st));
		if (lost_sum(&st[1]))
			break;
	}
	ASSERT_EQ(0, cpu_set_online(1, false));
	w.off_ns = mono_ns();
	usleep(200000);
	drain_both(r, c, &w);	/* room again while CPU 1 is away */
	w.on_ns = mono_ns();
	ASSERT_EQ(0, cpu_set_online(1, true));
	for (int i = 0; i < 30; i++) {
		usleep(10000);
		drain_both(r, c, &w);
	}
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_STOP, 0));
	drain_both(r, c, &w);
	/* GET_STATS writes a LOST record still pending; read it too. */
	ASSERT_EQ(0, dev_stats(fd, &info, st));
	drain_both(r, c, &w);
	ksft_print_msg("cpu1 samples: %llu before offline, %llu while offline, %llu after online\n",
		       (unsigned long long)w.before,
		       (unsigned long long)w.during,
		       (unsigned long long)w.after);
	for (int cpu = 0; cpu < 2; cpu++) {
		ksft_print_msg("cpu%d: samples %llu records %llu lost %llu; read %llu records, %llu lost in %llu LOST records\n",
			       cpu, (unsigned long long)st[cpu].samples,
			       (unsigned long long)st[cpu].records,
			       (unsigned long long)lost_sum(&st[cpu]),
			       (unsigned long long)c[cpu].samples,
			       (unsigned long long)c[cpu].lost,
			       (unsigned long long)c[cpu].lost_records);
		EXPECT_EQ(st[cpu].samples + st[cpu].throttle_events,
			  st[cpu].records + lost_sum(&st[cpu]));
		EXPECT_EQ(st[cpu].records, c[cpu].samples + c[cpu].throttles);
		EXPECT_EQ(lost_sum(&st[cpu]), c[cpu].lost);
		EXPECT_EQ(0, c[cpu].bad_cpu);
		EXPECT_EQ(0, c[cpu].bad_records);
	}
	EXPECT_GT(lost_sum(&st[1]), 0) TH_LOG("CPU 1 never lost: the test proved nothing");
	EXPECT_GT(w.before, 0);
	EXPECT_EQ(0, w.during);
	EXPECT_GT(w.after, 0);
	EXPECT_GT(c[0].samples, 0);
	ring_unmap(&r[0]);
	ring_unmap(&r[1]);
	close(fd);
	free(st);
	cpu_set_online(1, true);
}

/* A CPU that is offline when sampling starts joins when it comes back. */
TEST(cpu_online_after_start)
{
	struct drain_counts c = { 0 };
	struct sonde_info info;
	struct sonde_config cfg;
	struct test_ring r;
	int fd;

	if (geteuid() != 0 || nr_online_cpus() < 2 ||
	    access("/sys/devices/system/cpu/cpu1/online", W_OK))
		SKIP(return, "needs root and a CPU 1 that can go offline");
	ASSERT_EQ(0, cpu_set_online(1, false));
	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	config_init(&cfg, 1000, 64);
	ASSERT_EQ(0, dev_configure(fd, &cfg));
	ASSERT_EQ(0, ring_map(fd, &info, 1, 64, &r));
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_START, 0));
	usleep(100000);
	EXPECT_EQ(0, r.meta->data_head);
	ASSERT_EQ(0, cpu_set_online(1, true));
	usleep(200000);
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_STOP, 0));
	ring_drain(&r, &c, NULL, NULL);
	EXPECT_GT(c.samples, 0);
	EXPECT_EQ(0, c.bad_cpu);
	ring_unmap(&r);
	close(fd);
}

TEST_HARNESS_MAIN
