// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: SONDE_IOC_SNAPSHOT, every thread of a process where
 * it is now.  A child process runs nine threads in known places: two
 * spin (counting their progress in shared memory), three sleep in
 * nanosleep, two are deadlocked on two mutexes taken in opposite order,
 * one blocks in read() on a pipe, and the main thread in pause().  Each
 * must be reported in its state, in its system call (with the futex or
 * the descriptor as its first argument), in the kernel function it waits
 * in, with its user side (registers, a stack copy holding its own
 * function's return address), and nothing may stop it: the spinners keep
 * counting and nothing traces the child.  Bounds, errors and a process
 * whose threads come and go are covered too.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include "kselftest_harness.h"
#include "helpers.h"

#define NR_SPIN		2
#define NR_SLEEP	3
#define NR_THREADS	(NR_SPIN + NR_SLEEP + 2 + 1 + 1)
#define BUF_SIZE	(4 << 20)
#define STACK_BYTES	4096

/* Shared with the child: what its threads have reached. */
struct child_state {
	atomic_ulong spins[NR_SPIN];
	atomic_int blocked;	/* threads about to block */
	int pipe_fd;
};

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold_one;
static struct child_state *shared;

__attribute__((noinline)) static void *spin_main(void *arg)
{
	atomic_ulong *progress = arg;

	for (;;)
		atomic_fetch_add_explicit(progress, 1, memory_order_relaxed);
	return NULL;
}

__attribute__((noinline)) static void *sleep_main(void *arg)
{
	struct timespec ts = { 1000, 0 };

	atomic_fetch_add(&shared->blocked, 1);
	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

__attribute__((noinline)) static void *lock_ab_main(void *arg)
{
	pthread_mutex_lock(&lock_a);
	pthread_barrier_wait(&both_hold_one);
	atomic_fetch_add(&shared->blocked, 1);
	pthread_mutex_lock(&lock_b);
	return NULL;
}

__attribute__((noinline)) static void *lock_ba_main(void *arg)
{
	pthread_mutex_lock(&lock_b);
	pthread_barrier_wait(&both_hold_one);
	atomic_fetch_add(&shared->blocked, 1);
	pthread_mutex_lock(&lock_a);
	return NULL;
}

__attribute__((noinline)) static void *read_main(void *arg)
{
	char c;

	atomic_fetch_add(&shared->blocked, 1);
	while (read(shared->pipe_fd, &c, 1) != 0)
		;
	return NULL;
}

static void start(void *(*fn)(void *), void *arg, const char *name)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, arg))
		_exit(3);
	pthread_setname_np(t, name);
}

/* The child: nine threads in known places, until killed. */
static void run_child(int pipe_fd)
{
	char name[16];

	shared->pipe_fd = pipe_fd;
	pthread_barrier_init(&both_hold_one, NULL, 2);
	for (int i = 0; i < NR_SPIN; i++) {
		snprintf(name, sizeof(name), "spin%d", i);
		start(spin_main, &shared->spins[i], name);
	}
	for (int i = 0; i < NR_SLEEP; i++) {
		snprintf(name, sizeof(name), "sleep%d", i);
		start(sleep_main, NULL, name);
	}
	start(lock_ab_main, NULL, "lock_ab");
	start(lock_ba_main, NULL, "lock_ba");
	start(read_main, NULL, "reader");
	for (;;)
		pause();
}

FIXTURE(snap) {
	int fd;
	pid_t child;
	int pipe[2];
	struct ksyms *ksyms;
	void *buf;
	struct sonde_snapshot req;
};

FIXTURE_SETUP(snap)
{
	struct sonde_info info = { .size = sizeof(info) };

	self->fd = dev_open();
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, dev_info(self->fd, &info));
	ASSERT_TRUE(info.features & SONDE_FEAT_SNAPSHOT);
	self->ksyms = ksyms_load();
	ASSERT_NE(NULL, self->ksyms);
	self->buf = malloc(BUF_SIZE);
	ASSERT_NE(NULL, self->buf);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	memset(shared, 0, sizeof(*shared));
	ASSERT_EQ(0, pipe(self->pipe));
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child)
		run_child(self->pipe[0]);
	/* Everyone at its place, and every spinner running. */
	for (int i = 0; i < 1000; i++) {
		if (atomic_load(&shared->blocked) == NR_SLEEP + 3 &&
		    atomic_load(&shared->spins[0]) &&
		    atomic_load(&shared->spins[1]))
			break;
		usleep(10000);
	}
	ASSERT_EQ(NR_SLEEP + 3, atomic_load(&shared->blocked));
	/* Time for the blocking threads to get into the kernel. */
	usleep(300000);
	memset(&self->req, 0, sizeof(self->req));
	self->req.size = sizeof(self->req);
	self->req.pid = self->child;
	self->req.flags = SONDE_SNAPSHOT_KERNEL_CHAIN |
			  SONDE_SNAPSHOT_USER_CHAIN;
	self->req.max_threads = 64;
	self->req.kernel_depth = 64;
	self->req.user_depth = 64;
	self->req.user_stack_bytes = STACK_BYTES;
	self->req.buf_ptr = (uintptr_t)self->buf;
	self->req.buf_size = BUF_SIZE;
}

FIXTURE_TEARDOWN(snap)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	close(self->pipe[0]);
	close(self->pipe[1]);
	munmap(shared, sizeof(*shared));
	ksyms_free(self->ksyms);
	free(self->buf);
	close(self->fd);
}

static const struct sonde_thread_snapshot *
find_thread(const struct sonde_snapshot *req, const void *buf,
	    const char *comm)
{
	const char *p = buf;

	for (uint32_t i = 0; i < req->nr_threads; i++) {
		const struct sonde_thread_snapshot *t = (const void *)p;

		if (!strcmp(t->comm, comm))
			return t;
		p += t->size;
	}
	return NULL;
}

/* Does @t's kernel chain pass through the kernel function @fn? */
static bool in_kernel_fn(const struct ksyms *k,
			 const struct sonde_thread_snapshot *t, const char *fn)
{
	for (unsigned int i = 0; i < t->nr_kernel; i++) {
		/* Return addresses: the call is the byte before. */
		const char *name = ksyms_name(k, t->frames[i] - 1);

		if (name && strstr(name, fn))
			return true;
	}
	return false;
}

/* Does @t's stack copy hold a return address into @fn's first bytes? */
static bool stack_has(const struct sonde_thread_snapshot *t, void *fn)
{
	const __u64 *w = &t->frames[t->nr_kernel + t->nr_user];
	uint64_t lo = (uintptr_t)fn;

	for (uint32_t i = 0; i < t->user_stack_size / 8; i++)
		if (w[i] > lo && w[i] < lo + 256)
			return true;
	return false;
}

static void dump(const struct sonde_snapshot *req, const void *buf,
		 const struct ksyms *k)
{
	const char *p = buf;

	for (uint32_t i = 0; i < req->nr_threads; i++) {
		const struct sonde_thread_snapshot *t = (const void *)p;

		ksft_print_msg("%-8s tid %u state %u flags %#x cpu %u off %llu us sys %lld (%#llx) kernel %u user %u stack %u: %s %s %s\n",
			       t->comm, t->tid, t->state, t->flags, t->cpu,
			       (unsigned long long)t->off_cpu_ns / 1000,
			       (long long)t->syscall_nr,
			       (unsigned long long)t->syscall_args[0],
			       t->nr_kernel, t->nr_user, t->user_stack_size,
			       t->nr_kernel ? ksyms_name(k, t->frames[0] - 1) : "",
			       t->nr_kernel > 1 ? ksyms_name(k, t->frames[1] - 1) : "",
			       t->nr_kernel > 2 ? ksyms_name(k, t->frames[2] - 1) : "");
		p += t->size;
	}
}

static int tracer_pid(pid_t pid)
{
	char path[64], line[256];
	int tracer = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &tracer) == 1)
			break;
	fclose(f);
	return tracer;
}

TEST_F(snap, every_thread_where_it_waits)
{
	const struct sonde_thread_snapshot *t;
	unsigned long spins_before[NR_SPIN];
	char name[16];

	for (int i = 0; i < NR_SPIN; i++)
		spins_before[i] = atomic_load(&shared->spins[i]);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &self->req));
	dump(&self->req, self->buf, self->ksyms);
	EXPECT_EQ(NR_THREADS, self->req.nr_threads);
	EXPECT_EQ(NR_THREADS, self->req.nr_threads_total);
	EXPECT_EQ(0, self->req.out_flags);
	EXPECT_NE(0, self->req.time_ns);

	for (int i = 0; i < NR_SLEEP; i++) {
		snprintf(name, sizeof(name), "sleep%d", i);
		t = find_thread(&self->req, self->buf, name);
		ASSERT_NE(NULL, t);
		EXPECT_EQ(SONDE_THREAD_SLEEPING, t->state);
		EXPECT_TRUE(t->flags & SONDE_THREAD_SYSCALL);
		EXPECT_TRUE(t->syscall_nr == SYS_clock_nanosleep ||
			    t->syscall_nr == SYS_nanosleep);
		EXPECT_TRUE(in_kernel_fn(self->ksyms, t, "nanosleep"));
		EXPECT_TRUE(t->flags & SONDE_THREAD_OFF_CPU_TIME);
		/* Asleep since before the 300 ms wait of the setup. */
		EXPECT_LT(100000000ull, t->off_cpu_ns);
		EXPECT_TRUE(t->flags & SONDE_THREAD_USER_REGS);
		EXPECT_LE(1, t->nr_user);
		EXPECT_TRUE(stack_has(t, sleep_main));
	}
	t = find_thread(&self->req, self->buf, "lock_ab");
	ASSERT_NE(NULL, t);
	EXPECT_EQ(SONDE_THREAD_SLEEPING, t->state);
	EXPECT_EQ(SYS_futex, t->syscall_nr);
	EXPECT_EQ((uintptr_t)&lock_b, t->syscall_args[0]);
	EXPECT_TRUE(in_kernel_fn(self->ksyms, t, "futex_wait"));
	EXPECT_TRUE(stack_has(t, lock_ab_main));
	t = find_thread(&self->req, self->buf, "lock_ba");
	ASSERT_NE(NULL, t);
	EXPECT_EQ(SONDE_THREAD_SLEEPING, t->state);
	EXPECT_EQ(SYS_futex, t->syscall_nr);
	EXPECT_EQ((uintptr_t)&lock_a, t->syscall_args[0]);
	EXPECT_TRUE(stack_has(t, lock_ba_main));
	t = find_thread(&self->req, self->buf, "reader");
	ASSERT_NE(NULL, t);
	EXPECT_EQ(SONDE_THREAD_SLEEPING, t->state);
	EXPECT_EQ(SYS_read, t->syscall_nr);
	EXPECT_EQ(self->pipe[0], (int)t->syscall_args[0]);
	EXPECT_TRUE(in_kernel_fn(self->ksyms, t, "pipe_read"));
	EXPECT_TRUE(stack_has(t, read_main));
	for (int i = 0; i < NR_SPIN; i++) {
		snprintf(name, sizeof(name), "spin%d", i);
		t = find_thread(&self->req, self->buf, name);
		ASSERT_NE(NULL, t);
		EXPECT_TRUE(t->state == SONDE_THREAD_RUNNING ||
			    t->state == SONDE_THREAD_RUNNABLE);
		EXPECT_TRUE(t->flags & SONDE_THREAD_USER_REGS);
		/* Interrupted in its loop, on its CPU or preempted there. */
		EXPECT_LE((uintptr_t)spin_main, t->user_ip);
		EXPECT_GT((uintptr_t)spin_main + 256, t->user_ip);
	}
	/* Nothing stopped or traced the child. */
	usleep(100000);
	for (int i = 0; i < NR_SPIN; i++)
		EXPECT_LT(spins_before[i], atomic_load(&shared->spins[i]));
	EXPECT_EQ(0, tracer_pid(self->child));
}

/* Limits: a partial answer when threads or room run out; errors. */
TEST_F(snap, bounds_and_errors)
{
	struct sonde_snapshot req = self->req;
	pid_t tid;

	req.max_threads = 3;
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req));
	EXPECT_EQ(3, req.nr_threads);
	EXPECT_EQ(NR_THREADS, req.nr_threads_total);
	EXPECT_TRUE(req.out_flags & SONDE_SNAPSHOT_PARTIAL);

	/* Room for two records at the limits asked for. */
	req = self->req;
	req.buf_size = 2 * (sizeof(struct sonde_thread_snapshot) +
			    (64 + 64) * 8 + STACK_BYTES);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req));
	EXPECT_LE(2, req.nr_threads);
	EXPECT_GT(NR_THREADS, req.nr_threads);
	EXPECT_GE(req.buf_size, req.buf_used);
	EXPECT_TRUE(req.out_flags & SONDE_SNAPSHOT_PARTIAL);

	req = self->req;
	req.buf_size = 100;
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req));
	EXPECT_EQ(E2BIG, errno);
	req = self->req;
	req.flags = 1u << 7;
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req));
	EXPECT_EQ(EINVAL, errno);
	req = self->req;
	req.max_threads = 0;
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req));
	EXPECT_EQ(EINVAL, errno);
	req = self->req;
	req.user_stack_bytes = 12;
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req));
	EXPECT_EQ(EINVAL, errno);
	req = self->req;
	req.__reserved1 = 1;
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req));
	EXPECT_EQ(EINVAL, errno);
	/* A thread that is not its group's leader names no process. */
	req = self->req;
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req));
	tid = find_thread(&req, self->buf, "reader")->tid;
	req.pid = tid;
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req));
	EXPECT_EQ(ESRCH, errno);
	req = self->req;
	req.pid = 0x3fffffff;
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req));
	EXPECT_EQ(ESRCH, errno);
	/* Without chains or stack: registers, states and calls still. */
	req = self->req;
	req.flags = 0;
	req.user_stack_bytes = 0;
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req));
	EXPECT_EQ(NR_THREADS, req.nr_threads);
	EXPECT_EQ(SYS_read, find_thread(&req, self->buf, "reader")->syscall_nr);
	EXPECT_EQ(0, find_thread(&req, self->buf, "reader")->nr_kernel);
}

__attribute__((noinline)) static void *short_lived(void *arg)
{
	return NULL;
}

/*
 * Threads that come and go while snapshots run: every answer is
 * consistent, and the kernel log stays clean (the harness fails on a
 * splat).  The child keeps at most 9 threads alive, but a joined thread
 * is still in the thread list until its exit finishes, after pthread_join()
 * returned (the tid is cleared in mm_release(), before exit_notify()): up
 * to 8 of those while the next 8 start, so a walk may count 17.
 */
TEST_F(snap, threads_come_and_go)
{
	uint64_t bad_ioctl = 0, bad_count = 0, bad_record = 0, max_total = 0;
	pid_t churn = fork();
	const char *p;

	ASSERT_GE(churn, 0);
	if (!churn) {
		/* The device is this test's: the child must not hold it. */
		close(self->fd);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			pthread_t t[8];

			for (int i = 0; i < 8; i++)
				pthread_create(&t[i], NULL, short_lived, NULL);
			for (int i = 0; i < 8; i++)
				pthread_join(t[i], NULL);
		}
	}
	usleep(50000);
	for (int round = 0; round < 300 && !bad_ioctl; round++) {
		struct sonde_snapshot req = self->req;

		req.pid = churn;
		if (ioctl(self->fd, SONDE_IOC_SNAPSHOT, &req)) {
			bad_ioctl++;
			break;
		}
		if (req.nr_threads_total > max_total)
			max_total = req.nr_threads_total;
		if (req.nr_threads < 1 || req.nr_threads_total > 17)
			bad_count++;
		p = self->buf;
		for (uint32_t i = 0; i < req.nr_threads; i++) {
			const struct sonde_thread_snapshot *t = (const void *)p;

			if (t->size % 8 ||
			    t->size < sizeof(*t) + 8 * (t->nr_kernel +
							t->nr_user) +
				      t->user_stack_size ||
			    t->state >= SONDE_THREAD_NR_STATES) {
				bad_record++;
				break;
			}
			p += t->size;
		}
		if (req.buf_used != (uint64_t)(p - (char *)self->buf))
			bad_record++;
	}
	kill(churn, SIGKILL);
	waitpid(churn, NULL, 0);
	ksft_print_msg("at most %llu threads in one snapshot\n",
		       (unsigned long long)max_total);
	EXPECT_EQ(0, bad_ioctl);
	EXPECT_EQ(0, bad_count);
	EXPECT_EQ(0, bad_record);
}

/*
 * A process of 2,000 threads: how long one snapshot takes.  Starting the
 * threads under the debug kernel (KASAN, lockdep) beside another guest
 * took longer than the harness's default 30 s.
 */
TEST_F_TIMEOUT(snap, two_thousand_threads, 180)
{
	int ready[2], n = 2000;
	struct timespec a, b;
	pid_t big;
	char c;

	ASSERT_EQ(0, pipe(ready));
	big = fork();
	ASSERT_GE(big, 0);
	if (!big) {
		pthread_attr_t attr;
		pthread_t t;

		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 64 << 10);
		for (int i = 0; i < n - 1; i++)
			if (pthread_create(&t, &attr, sleep_main, NULL))
				_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	usleep(200000);
	self->req.pid = big;
	self->req.max_threads = SONDE_SNAPSHOT_MAX_THREADS;
	self->req.buf_size = BUF_SIZE;
	clock_gettime(CLOCK_MONOTONIC, &a);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &self->req));
	clock_gettime(CLOCK_MONOTONIC, &b);
	ksft_print_msg("2000 threads: %u reported of %u, %llu bytes, %.0f ms\n",
		       self->req.nr_threads, self->req.nr_threads_total,
		       (unsigned long long)self->req.buf_used,
		       (b.tv_sec - a.tv_sec) * 1e3 +
		       (b.tv_nsec - a.tv_nsec) / 1e6);
	EXPECT_EQ(n, self->req.nr_threads_total);
	/* 4 MiB holds about 460 records at these limits: partial. */
	EXPECT_LT(0, self->req.nr_threads);
	EXPECT_TRUE(self->req.out_flags & SONDE_SNAPSHOT_PARTIAL);
	/* Without the stack copy every thread fits. */
	self->req.user_stack_bytes = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_SNAPSHOT, &self->req));
	clock_gettime(CLOCK_MONOTONIC, &b);
	ksft_print_msg("2000 threads, no stack copies: %u reported, %.0f ms\n",
		       self->req.nr_threads,
		       (b.tv_sec - a.tv_sec) * 1e3 +
		       (b.tv_nsec - a.tv_nsec) / 1e6);
	EXPECT_EQ(n, self->req.nr_threads);
	EXPECT_EQ(0, self->req.out_flags);
	kill(big, SIGKILL);
	waitpid(big, NULL, 0);
	close(ready[0]);
	close(ready[1]);
}

TEST_HARNESS_MAIN
