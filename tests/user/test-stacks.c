// SPDX-License-Identifier: GPL-2.0
/*
 * sonde stacks without the module: snapshot records built by hand for
 * real threads.  A child process deadlocks two threads on two glibc
 * mutexes; records saying each waits in futex(2) on the mutex the other
 * holds must give owners read from the child and one cycle.  Records of
 * this process's own threads, pointing into this test's functions,
 * written as a recording and read back through the profile model, must
 * come out grouped by stack, waits longest first, with their names.
 * The /proc status fields the snapshot and record's targets read.
 */
#include "kselftest_harness.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <linux/futex.h>

#include "helpers.h"
#include "export/stacks.h"
#include "lib/util.h"
#include "profile/profile.h"
#include "record/threadsnap.h"
#include "record/waits.h"
#include "recording/session.h"
#include "symbolize/symbolizer.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold_one;
static int tid_pipe = -1;

/* Holders of lock_a say their tid, holders of lock_b its negation. */
static void say_tid(bool holds_a)
{
	pid_t tid = holds_a ? gettid() : -gettid();

	if (write(tid_pipe, &tid, sizeof(tid)) != sizeof(tid))
		_exit(3);
}

static void *lock_ab(void *arg)
{
	pthread_mutex_lock(&lock_a);
	say_tid(true);
	pthread_barrier_wait(&both_hold_one);
	pthread_mutex_lock(&lock_b);
	return arg;
}

static void *lock_ba(void *arg)
{
	pthread_mutex_lock(&lock_b);
	say_tid(false);
	pthread_barrier_wait(&both_hold_one);
	pthread_mutex_lock(&lock_a);
	return arg;
}

/* One snapshot record of thread @tid waiting in futex(@word, @op). */
static void add_waiter(struct buf *b, __u32 tid, const void *word, __u64 op)
{
	struct sonde_thread_snapshot t = {
		.size = sizeof(t), .tid = tid,
		.state = SONDE_THREAD_SLEEPING,
		.flags = SONDE_THREAD_SYSCALL,
		.syscall_nr = SYS_futex,
		.syscall_args = { (uintptr_t)word, op },
	};

	buf__append(b, &t, sizeof(t));
}

/* Point @s's thread index at the records in @b. */
static int index_records(struct threadsnap *s, struct buf *b, __u32 nr)
{
	const char *p = b->data;
	__u32 i;

	s->buf = b->data;
	s->req.nr_threads = nr;
	s->req.nr_threads_total = nr;
	s->req.buf_used = b->len;
	s->threads = calloc(nr + 1, sizeof(*s->threads));
	if (!s->threads)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		s->threads[i] = (const void *)p;
		p += s->threads[i]->size;
	}
	s->nr = nr;
	return 0;
}

TEST(deadlock_from_mutex_owners)
{
	struct threadsnap s = { 0 };
	struct waits w = { 0 };
	struct buf b = { 0 };
	pid_t tids[2], holds_a, holds_b, child;
	int p[2], free_word = 0;

	ASSERT_EQ(0, pipe(p));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		pthread_t t1, t2;

		tid_pipe = p[1];
		pthread_barrier_init(&both_hold_one, NULL, 2);
		pthread_create(&t1, NULL, lock_ab, NULL);
		pthread_create(&t2, NULL, lock_ba, NULL);
		pthread_join(t1, NULL);
		_exit(0);
	}
	ASSERT_EQ(sizeof(tids[0]), read(p[0], &tids[0], sizeof(tids[0])));
	ASSERT_EQ(sizeof(tids[1]), read(p[0], &tids[1], sizeof(tids[1])));
	/* Each holds its first lock once it said its tid. */
	usleep(100000);
	holds_a = tids[0] > 0 ? tids[0] : tids[1];
	holds_b = -(tids[0] > 0 ? tids[1] : tids[0]);
	ASSERT_LT(0, holds_a);
	ASSERT_LT(0, holds_b);
	add_waiter(&b, holds_a, &lock_b, FUTEX_WAIT_PRIVATE);
	add_waiter(&b, holds_b, &lock_a, FUTEX_WAIT_PRIVATE);
	/* A word nobody holds: no owner. */
	add_waiter(&b, child, &free_word, FUTEX_WAIT_PRIVATE);
	ASSERT_EQ(0, index_records(&s, &b, 3));
	ASSERT_EQ(0, waits__analyze(&w, &s, child));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	EXPECT_EQ((uintptr_t)&lock_b, w.edges[0].futex);
	EXPECT_EQ(1, w.nr_cycles);
	EXPECT_EQ(2, w.edges[0].owner);
	EXPECT_EQ(1, w.edges[1].owner);
	EXPECT_EQ(1, w.edges[0].cycle);
	EXPECT_EQ(1, w.edges[1].cycle);
	EXPECT_EQ(0, w.edges[2].owner);
	EXPECT_EQ(0, w.edges[2].cycle);
	waits__free(&w);
	free(s.threads);
	buf__free(&b);
	close(p[0]);
	close(p[1]);
}

/* Where the "threads" of the next test are: a few dozen bytes each. */
__attribute__((noinline)) int stacks_fixture_waiter(volatile int *x)
{
	int sum = 0;

	for (int i = 0; i < *x; i++)
		sum += i * *x;
	return sum;
}

__attribute__((noinline)) int stacks_fixture_runner(volatile int *x)
{
	int sum = 0;

	for (int i = 0; i < *x; i++)
		sum ^= i + *x;
	return sum;
}

/* A record of thread @tid at @ip, off the CPU for @wait_ns (0: running). */
static void add_at(struct buf *b, __u32 tid, const char *comm, void *ip,
		   __u64 wait_ns)
{
	struct sonde_thread_snapshot t = {
		.size = sizeof(t) + 8, .tid = tid,
		.state = wait_ns ? SONDE_THREAD_SLEEPING : SONDE_THREAD_RUNNING,
		.flags = SONDE_THREAD_USER_REGS |
			 (wait_ns ? SONDE_THREAD_OFF_CPU_TIME : 0),
		.off_cpu_ns = wait_ns,
		.user_ip = (uintptr_t)ip + 4,
		.nr_user = 1,
	};
	__u64 frame = t.user_ip;

	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	buf__append(b, &t, sizeof(t));
	buf__append(b, &frame, sizeof(frame));
}

TEST(groups_by_stack_longest_wait_first)
{
	struct stacks_thread st[3] = { 0 };
	struct stacks_input in = { 0 };
	struct symbolizer *sym = NULL;
	struct threadsnap s = { 0 };
	struct session *ses = NULL;
	struct profile *prof = NULL;
	struct sonde_info info = { .size = sizeof(info) };
	struct buf b = { 0 };
	char path[] = "/tmp/sonde-test-stacks.XXXXXX";
	char *text = NULL, *waiters, *runner;
	size_t len = 0;
	FILE *out;
	int fd;

	add_at(&b, getpid(), "waiter-1", stacks_fixture_waiter, 2000000000);
	add_at(&b, getpid() + 1, "waiter-2", stacks_fixture_waiter, 1000000);
	add_at(&b, getpid() + 2, "runner", stacks_fixture_runner, 0);
	ASSERT_EQ(0, index_records(&s, &b, 3));
	s.req.time_ns = now_ns(CLOCK_MONOTONIC);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, threadsnap__write_recording(&s, getpid(), &info, fd));
	ASSERT_EQ(0, session__open(&ses, path));
	ASSERT_EQ(0, symbolizer__new(&sym, ses, NULL));
	ASSERT_EQ(0, profile__build(&prof, ses, sym, NULL));
	for (int i = 0; i < 3; i++)
		st[i].snap = s.threads[i];
	in = (struct stacks_input){ .req = &s.req, .pid = getpid(),
				    .threads = st, .nr = 3 };
	out = open_memstream(&text, &len);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, stacks__write(prof, &in, false, out));
	fclose(out);
	waiters = strstr(text, "2 threads:\n  waiter-1 ");
	runner = strstr(text, "1 thread:\n  runner ");
	EXPECT_TRUE(waiters && runner && waiters < runner) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "sleeping for 2.00 s"));
	EXPECT_NE(NULL, strstr(text, "[.] stacks_fixture_waiter ")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "[.] stacks_fixture_runner "));
	profile__free(prof);
	symbolizer__free(sym);
	session__close(ses);
	free(text);
	free(s.threads);
	buf__free(&b);
	close(fd);
	unlink(path);
}

static void *park(void *arg)
{
	int *fds = arg;
	char c;

	return read(fds[0], &c, 1) == 1 ? NULL : arg;
}

TEST(proc_status_fields)
{
	__u32 tgid = 0, before = 0, during = 0, val = 7;
	pthread_t t;
	int fds[2];

	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(0, proc_status_u32(getpid(), "Tgid", &tgid));
	EXPECT_EQ((__u32)getpid(), tgid);
	ASSERT_EQ(0, proc_status_u32(getpid(), "Threads", &before));
	ASSERT_EQ(0, pthread_create(&t, NULL, park, fds));
	EXPECT_EQ(0, proc_status_u32(getpid(), "Threads", &during));
	EXPECT_EQ(before + 1, during);
	ASSERT_EQ(1, write(fds[1], "x", 1));
	pthread_join(t, NULL);
	/* "Name" is text: no number follows it. */
	EXPECT_EQ(-ENOENT, proc_status_u32(getpid(), "Name", &val));
	EXPECT_EQ(-ENOENT, proc_status_u32(getpid(), "NoSuchField", &val));
	EXPECT_EQ(-ENOENT, proc_status_u32(0x7ffffff0, "Tgid", &val));
	EXPECT_EQ(7, val);
	close(fds[0]);
	close(fds[1]);
}

TEST_HARNESS_MAIN
