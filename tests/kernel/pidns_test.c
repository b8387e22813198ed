// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: pid namespaces (issue 7, item 1: a security fault
 * class).  The tgids a CONFIGURE names are the caller's numbers, looked up
 * in its pid namespace; a number that exists only outside that namespace,
 * or names a thread rather than a thread group, is refused with ESRCH;
 * records carry pids as the opener's namespace sees them, and tasks it
 * cannot see are reported as pid 0 with SONDE_SAMPLE_PID_OUTSIDE.
 *
 * The namespaced side runs in a grandchild: unshare(CLONE_NEWPID) moves
 * only the caller's future children into the new namespace.  It reports
 * what it saw through a pipe, and the test asserts here.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "helpers.h"

#define RING_PAGES	64

/* What the process inside the namespace saw. */
struct ns_result {
	int setup_err;		/* 0, or -errno of the step that failed */
	int outside_pid_err;	/* CONFIGURE naming the outside pid */
	int filtered_err;	/* CONFIGURE naming the worker */
	pid_t worker_ns_pid;
	uint64_t filtered_samples;	/* samples with the worker filter */
	uint64_t filtered_foreign;	/* ... whose pid/tid is not the worker */
	uint64_t all_samples;		/* samples without a filter */
	uint64_t all_worker;		/* ... of the worker, by ns pid */
	uint64_t all_outside;		/* ... flagged PID_OUTSIDE */
	uint64_t outside_bad;		/* ... flagged but with a non-zero pid */
	uint64_t bad_records;
};

static pid_t spawn_burner(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			burn_cpu_ms(100);
	}
	return pid;
}

struct tally {
	pid_t worker;
	struct ns_result *r;
	bool filtered;
};

static void count_sample(const struct sonde_sample *s, void *arg)
{
	struct tally *t = arg;

	if (t->filtered) {
		t->r->filtered_samples++;
		if (s->pid != (uint32_t)t->worker ||
		    s->tid != (uint32_t)t->worker)
			t->r->filtered_foreign++;
		return;
	}
	t->r->all_samples++;
	if (s->pid == (uint32_t)t->worker)
		t->r->all_worker++;
	if (s->flags & SONDE_SAMPLE_PID_OUTSIDE) {
		t->r->all_outside++;
		if (s->pid || s->tid)
			t->r->outside_bad++;
	}
}

/* Sample for @ms with @cfg, drain every ring into @t. */
static int sample_once(int fd, const struct sonde_info *info,
		       struct sonde_config *cfg, unsigned int ms,
		       struct tally *t)
{
	struct test_ring *rings;
	struct drain_counts c = {};
	int ret;

	rings = calloc(info->nr_cpu_ids, sizeof(*rings));
	if (!rings)
		return -ENOMEM;
	ret = dev_configure(fd, cfg);
	for (unsigned int cpu = 0; !ret && cpu < info->nr_cpu_ids; cpu++)
		ret = ring_map(fd, info, cpu, RING_PAGES, &rings[cpu]);
	if (!ret && ioctl(fd, SONDE_IOC_START, 0))
		ret = -errno;
	if (!ret) {
		/* Drain as we go: a full ring would only lose samples. */
		for (unsigned int i = 0; i < ms / 50; i++) {
			usleep(50000);
			for (unsigned int cpu = 0; cpu < info->nr_cpu_ids; cpu++)
				ring_drain(&rings[cpu], &c, count_sample, t);
		}
		if (ioctl(fd, SONDE_IOC_STOP, 0))
			ret = -errno;
		for (unsigned int cpu = 0; cpu < info->nr_cpu_ids; cpu++)
			ring_drain(&rings[cpu], &c, count_sample, t);
	}
	t->r->bad_records += c.bad_records + c.bad_cpu;
	for (unsigned int cpu = 0; cpu < info->nr_cpu_ids; cpu++)
		ring_unmap(&rings[cpu]);
	free(rings);
	return ret;
}

static pid_t thread_tid;

static void *idle_thread(void *arg)
{
	__atomic_store_n(&thread_tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	pause();
	return NULL;
}

/* pid 1 of the new namespace: the opener and caller of CONFIGURE. */
static void ns_main(pid_t outside_pid, struct ns_result *r)
{
	struct sonde_config cfg;
	struct sonde_info info;
	struct tally t = { .r = r };
	uint32_t tgid;
	int fd;

	r->worker_ns_pid = spawn_burner();
	if (r->worker_ns_pid < 0) {
		r->setup_err = -errno;
		return;
	}
	t.worker = r->worker_ns_pid;
	fd = dev_open();
	if (fd < 0 || dev_info(fd, &info)) {
		r->setup_err = fd < 0 ? fd : -EIO;
		goto out_kill;
	}

	/* A number that exists only outside (the host's view of a burner). */
	config_init(&cfg, 1000, RING_PAGES);
	tgid = outside_pid;
	cfg.nr_tgids = 1;
	cfg.tgids_ptr = (uintptr_t)&tgid;
	r->outside_pid_err = dev_configure(fd, &cfg);

	/* The worker, by the number this namespace gives it. */
	config_init(&cfg, 1000, RING_PAGES);
	tgid = r->worker_ns_pid;
	cfg.nr_tgids = 1;
	cfg.tgids_ptr = (uintptr_t)&tgid;
	t.filtered = true;
	r->filtered_err = sample_once(fd, &info, &cfg, 1000, &t);

	/* Every task: ours by our numbers, the host's as PID_OUTSIDE. */
	config_init(&cfg, 1000, RING_PAGES);
	t.filtered = false;
	if (!r->filtered_err)
		r->filtered_err = sample_once(fd, &info, &cfg, 1000, &t);
	close(fd);
out_kill:
	kill(r->worker_ns_pid, SIGKILL);
	waitpid(r->worker_ns_pid, NULL, 0);
}

TEST(pid_namespace)
{
	struct ns_result r = {};
	pid_t outside, child;
	int pfd[2], status;

	if (geteuid())
		SKIP(return, "needs root to unshare a pid namespace");
	outside = spawn_burner();
	ASSERT_GT(outside, 0);
	ASSERT_EQ(0, pipe(pfd));

	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		pid_t init;

		close(pfd[0]);
		if (unshare(CLONE_NEWPID)) {
			r.setup_err = -errno;
			write(pfd[1], &r, sizeof(r));
			_exit(0);
		}
		init = fork();
		if (init == 0) {
			ns_main(outside, &r);
			write(pfd[1], &r, sizeof(r));
			_exit(0);
		}
		waitpid(init, NULL, 0);
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(sizeof(r), read(pfd[0], &r, sizeof(r)));
	close(pfd[0]);
	waitpid(child, &status, 0);
	kill(outside, SIGKILL);
	waitpid(outside, NULL, 0);

	ASSERT_EQ(0, r.setup_err);
	TH_LOG("outside pid %d refused with %d; worker ns pid %d: %llu filtered samples (%llu foreign); unfiltered %llu: worker %llu, outside %llu",
	       outside, r.outside_pid_err, r.worker_ns_pid,
	       (unsigned long long)r.filtered_samples,
	       (unsigned long long)r.filtered_foreign,
	       (unsigned long long)r.all_samples,
	       (unsigned long long)r.all_worker,
	       (unsigned long long)r.all_outside);
	/* The host's number means nothing in there. */
	EXPECT_EQ(-ESRCH, r.outside_pid_err);
	ASSERT_EQ(0, r.filtered_err);
	/* pid 1 forked the worker first: the namespace numbers it 2. */
	EXPECT_EQ(2, r.worker_ns_pid);
	/* Every filtered sample is the worker's, under its namespace pid. */
	EXPECT_GT(r.filtered_samples, 20);
	EXPECT_EQ(0, r.filtered_foreign);
	/* Unfiltered: the worker by its ns pid, the host burner as outside. */
	EXPECT_GT(r.all_worker, 20);
	EXPECT_GT(r.all_outside, 20);
	EXPECT_EQ(0, r.outside_bad);
	EXPECT_EQ(0, r.bad_records);
}

static int configure_tgid(int fd, uint32_t tgid)
{
	struct sonde_config cfg;

	config_init(&cfg, 1000, RING_PAGES);
	cfg.nr_tgids = 1;
	cfg.tgids_ptr = (uintptr_t)&tgid;
	return dev_configure(fd, &cfg);
}

/* Only live thread-group ids of the caller's namespace are accepted. */
TEST(tgid_must_name_a_thread_group)
{
	pthread_t thread;
	pid_t gone;
	int fd;

	fd = dev_open();
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, configure_tgid(fd, getpid()));

	ASSERT_EQ(0, pthread_create(&thread, NULL, idle_thread, NULL));
	while (!__atomic_load_n(&thread_tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	ASSERT_NE(getpid(), thread_tid);
	EXPECT_EQ(-ESRCH, configure_tgid(fd, thread_tid));

	/* A process that has been reaped (its number not yet reused). */
	gone = fork();
	ASSERT_GE(gone, 0);
	if (gone == 0)
		_exit(0);
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));
	EXPECT_EQ(-ESRCH, configure_tgid(fd, gone));

	/* A refused CONFIGURE left the accepted one in place. */
	EXPECT_EQ(0, ioctl(fd, SONDE_IOC_START, 0));
	EXPECT_EQ(0, ioctl(fd, SONDE_IOC_STOP, 0));
	pthread_cancel(thread);
	pthread_join(thread, NULL);
	close(fd);
}

TEST_HARNESS_MAIN
