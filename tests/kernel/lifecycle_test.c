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

struct hammer {
	int fd;
	int which;
	volatile bool *stop;
	unsigned long calls;
};

static void *hammer_thread(void *p)
{
	struct hammer *h = p;
	struct sonde_config cfg;
	struct sonde_info info;

	config_init(&cfg, 2000, 4);
	dev_info(h->fd, &info);
	while (!*h->stop) {
		struct sonde_cpu_stats st[64];

		switch (h->which % 4) {
		case 0:
			ioctl(h->fd, SONDE_IOC_START, 0);
			break;
		case 1:
			ioctl(h->fd, SONDE_IOC_STOP, 0);
			break;
		case 2:
			dev_configure(h->fd, &cfg);
			break;
		case 3:
			if (info.nr_cpu_ids <= 64)
				dev_stats(h->fd, &info, st);
			break;
		}
		h->calls++;
	}
	return NULL;
}

/*
 * START, STOP, CONFIGURE and GET_STATS from eight threads at once, then
 * close while sampling may be on: no deadlock, no double start, and the
 * device opens again at once.
 */
TEST(concurrent_control)
{
	struct hammer h[8];
	pthread_t t[8];
	volatile bool stop = false;
	unsigned long calls = 0;
	struct sonde_config cfg;
	int fd = dev_open();

	ASSERT_GE(fd, 0);
	config_init(&cfg, 2000, 4);
	ASSERT_EQ(0, dev_configure(fd, &cfg));
	for (int i = 0; i < 8; i++) {
		h[i] = (struct hammer){ .fd = fd, .which = i, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, hammer_thread, &h[i]));
	}
	usleep(1500000);
	stop = true;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		calls += h[i].calls;
	}
	ksft_print_msg("%lu ioctls from 8 threads\n", calls);
	EXPECT_GT(calls, 100);
	close(fd);
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

static int set_online(int cpu, int on)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, on ? "1" : "0", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
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

TEST(cpu_hotplug_during_sampling)
{
	struct drain_counts c[2] = { 0 };
	struct window w = { 0 };
	struct sonde_info info;
	struct sonde_config cfg;
	struct test_ring r[2];
	int fd;

	if (geteuid() != 0 || nr_online_cpus() < 2 ||
	    access("/sys/devices/system/cpu/cpu1/online", W_OK))
		SKIP(return, "needs root and a CPU 1 that can go offline");
	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	config_init(&cfg, 1000, 64);
	ASSERT_EQ(0, dev_configure(fd, &cfg));
	ASSERT_EQ(0, ring_map(fd, &info, 0, 64, &r[0]));
	ASSERT_EQ(0, ring_map(fd, &info, 1, 64, &r[1]));
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_START, 0));
	usleep(100000);
	ASSERT_EQ(0, set_online(1, 0));
	w.off_ns = mono_ns();
	usleep(200000);
	ring_drain(&r[0], &c[0], NULL, NULL);
	w.on_ns = mono_ns();
	ASSERT_EQ(0, set_online(1, 1));
	usleep(200000);
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_STOP, 0));
	ring_drain(&r[0], &c[0], NULL, NULL);
	ring_drain(&r[1], &c[1], count_cpu1, &w);
	ksft_print_msg("cpu1 samples: %llu before offline, %llu while offline, %llu after online\n",
		       (unsigned long long)w.before,
		       (unsigned long long)w.during,
		       (unsigned long long)w.after);
	EXPECT_EQ(0, c[0].bad_cpu);
	EXPECT_EQ(0, c[1].bad_cpu);
	EXPECT_EQ(0, c[0].bad_records);
	EXPECT_EQ(0, c[1].bad_records);
	EXPECT_GT(w.before, 0);
	EXPECT_EQ(0, w.during);
	EXPECT_GT(w.after, 0);
	EXPECT_GT(c[0].samples, 0);
	ring_unmap(&r[0]);
	ring_unmap(&r[1]);
	close(fd);
	set_online(1, 1);
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
	ASSERT_EQ(0, set_online(1, 0));
	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	config_init(&cfg, 1000, 64);
	ASSERT_EQ(0, dev_configure(fd, &cfg));
	ASSERT_EQ(0, ring_map(fd, &info, 1, 64, &r));
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_START, 0));
	usleep(100000);
	EXPECT_EQ(0, r.meta->data_head);
	ASSERT_EQ(0, set_online(1, 1));
	usleep(200000);
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_STOP, 0));
	ring_drain(&r, &c, NULL, NULL);
	EXPECT_GT(c.samples, 0);
	EXPECT_EQ(0, c.bad_cpu);
	ring_unmap(&r);
	close(fd);
}

TEST_HARNESS_MAIN
