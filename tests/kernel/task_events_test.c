// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: task life-cycle records.  A child forked, renamed,
 * exec'd and exited while sampling appears as FORK, COMM, EXEC (with the
 * executable's absolute path) and EXIT records with the right ids; a
 * thread's creation is flagged as such; the tgid filter keeps out the
 * events of processes it does not want; and the accounting
 * samples + task_events == records + lost closes exactly.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "helpers.h"

#define RING_PAGES	64
#define MAX_EVENTS	4096

struct event {
	uint32_t type;
	struct sonde_task_event ev;
	char path[SONDE_MAX_EXEC_PATH];
};

struct events {
	struct event *ev;
	unsigned int n;
	uint64_t bad;		/* malformed task event records */
};

/* Read the records the helpers' drain does not look at. */
static void collect(struct test_ring *ring, struct events *out,
		    struct drain_counts *c)
{
	uint64_t head, tail;

	/* C, pairs with B in sonde_ring_commit() */
	head = __atomic_load_n(&ring->meta->data_head, __ATOMIC_ACQUIRE);
	tail = ring->ctrl->data_tail;
	while (tail < head) {
		const struct sonde_record_header *h =
			(const void *)(ring->data + (tail & (ring->size - 1)));

		if (h->size < sizeof(*h) || h->size % 8 ||
		    h->size > head - tail) {
			c->bad_records++;
			break;
		}
		if (h->type == SONDE_RECORD_SAMPLE) {
			c->samples++;
		} else if (h->type == SONDE_RECORD_LOST) {
			c->lost += ((const struct sonde_lost *)h)->nr_lost;
		} else if (h->type >= SONDE_RECORD_FORK &&
			   h->type <= SONDE_RECORD_COMM) {
			const struct sonde_task_event *e = (const void *)h;

			if (h->size < sizeof(*e) ||
			    sizeof(*e) + e->path_size > h->size ||
			    e->cpu != ring->cpu ||
			    (h->type == SONDE_RECORD_EXEC) != !!e->path_size ||
			    (e->path_size && e->path[e->path_size - 1])) {
				out->bad++;
			} else if (out->n < MAX_EVENTS) {
				struct event *d = &out->ev[out->n++];

				d->type = h->type;
				d->ev = *e;
				memcpy(d->path, e->path, e->path_size);
			}
			c->samples++;	/* a record, for the accounting */
		} else if (h->type == SONDE_RECORD_THROTTLE ||
			   h->type == SONDE_RECORD_UNTHROTTLE) {
			c->samples++;	/* likewise */
		}
		tail += h->size;
	}
	/* D, pairs with A in sonde_ring_reserve() */
	__atomic_store_n(&ring->ctrl->data_tail, head, __ATOMIC_RELEASE);
}

struct session {
	int fd;
	struct sonde_info info;
	struct test_ring *rings;
	struct drain_counts c;
	struct events events;
};

static int session_start(struct session *s, uint32_t tgid)
{
	struct sonde_config cfg;
	int ret;

	memset(s, 0, sizeof(*s));
	s->fd = dev_open();
	if (s->fd < 0)
		return s->fd;
	ret = dev_info(s->fd, &s->info);
	if (ret)
		return ret;
	if (!(s->info.features & SONDE_FEAT_TASK_EVENTS))
		return -EOPNOTSUPP;
	s->rings = calloc(s->info.nr_cpu_ids, sizeof(*s->rings));
	s->events.ev = calloc(MAX_EVENTS, sizeof(*s->events.ev));
	if (!s->rings || !s->events.ev)
		return -ENOMEM;
	/*
	 * Few samples: the rings are drained only at the end, and a slow
	 * guest must not fill them with samples and lose the events.
	 */
	config_init(&cfg, 50, RING_PAGES);
	cfg.capture |= SONDE_CAPTURE_TASK_EVENTS;
	if (tgid) {
		cfg.nr_tgids = 1;
		cfg.tgids_ptr = (uintptr_t)&tgid;
	}
	ret = dev_configure(s->fd, &cfg);
	for (unsigned int cpu = 0; !ret && cpu < s->info.nr_cpu_ids; cpu++)
		ret = ring_map(s->fd, &s->info, cpu, RING_PAGES, &s->rings[cpu]);
	if (!ret && ioctl(s->fd, SONDE_IOC_START, 0))
		ret = -errno;
	return ret;
}

static void session_drain(struct session *s)
{
	for (unsigned int cpu = 0; cpu < s->info.nr_cpu_ids; cpu++)
		collect(&s->rings[cpu], &s->events, &s->c);
}

/* STOP, drain, GET_STATS, drain; then check the accounting closes. */
static int session_stop(struct session *s, struct __test_metadata *_metadata)
{
	struct sonde_cpu_stats *st;
	uint64_t produced = 0, accounted;

	st = calloc(s->info.nr_cpu_ids, sizeof(*st));
	if (!st)
		return -ENOMEM;
	EXPECT_EQ(0, ioctl(s->fd, SONDE_IOC_STOP, 0));
	session_drain(s);
	EXPECT_EQ(0, dev_stats(s->fd, &s->info, st));
	session_drain(s);
	for (unsigned int cpu = 0; cpu < s->info.nr_cpu_ids; cpu++)
		produced += st[cpu].samples + st[cpu].task_events +
			    st[cpu].throttle_events;
	accounted = s->c.samples + s->c.lost;
	EXPECT_EQ(produced, accounted);
	EXPECT_EQ(0, s->c.bad_records);
	EXPECT_EQ(0, s->events.bad);
	free(st);
	return 0;
}

static void session_end(struct session *s)
{
	for (unsigned int cpu = 0; s->rings && cpu < s->info.nr_cpu_ids; cpu++)
		ring_unmap(&s->rings[cpu]);
	free(s->rings);
	free(s->events.ev);
	if (s->fd >= 0)
		close(s->fd);
}

/*
 * The earliest such event by time: events are collected ring by ring,
 * and a task that migrated has them in several rings.
 */
static const struct event *find(const struct events *e, uint32_t type,
				uint32_t pid, uint32_t tid)
{
	const struct event *first = NULL;

	for (unsigned int i = 0; i < e->n; i++)
		if (e->ev[i].type == type && e->ev[i].ev.pid == pid &&
		    (!tid || e->ev[i].ev.tid == tid) &&
		    (!first || e->ev[i].ev.time_ns < first->ev.time_ns))
			first = &e->ev[i];
	return first;
}

static void *thread_fn(void *arg)
{
	*(pid_t *)arg = syscall(SYS_gettid);
	return NULL;
}

TEST(fork_comm_exec_exit)
{
	char truepath[PATH_MAX];
	const struct event *e;
	struct session s;
	pthread_t thread;
	pid_t child, tid = 0;
	int ret, status;

	if (!realpath("/bin/true", truepath))
		SKIP(return, "no /bin/true");
	ret = session_start(&s, 0);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "this kernel offers no task events");
	ASSERT_EQ(0, ret);

	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		prctl(PR_SET_NAME, "sonde-renamed");
		execl("/bin/true", "true", NULL);
		_exit(127);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, pthread_create(&thread, NULL, thread_fn, &tid));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	/*
	 * pthread_join() returns once the kernel cleared the thread's tid,
	 * before it reaches the exit tracepoint: wait for its /proc entry to
	 * go (release_task(), after the tracepoint) before stopping.
	 */
	for (int i = 0; i < 500; i++) {
		char task[64];

		snprintf(task, sizeof(task), "/proc/self/task/%d", tid);
		if (access(task, F_OK))
			break;
		usleep(10000);
	}
	ASSERT_EQ(0, session_stop(&s, _metadata));
	TH_LOG("%u task events", s.events.n);
	for (unsigned int i = 0; i < s.events.n; i++)
		TH_LOG("type %u pid %u tid %u child %u/%u comm %s path %s",
		       s.events.ev[i].type, s.events.ev[i].ev.pid,
		       s.events.ev[i].ev.tid, s.events.ev[i].ev.child_pid,
		       s.events.ev[i].ev.child_tid, s.events.ev[i].ev.comm,
		       s.events.ev[i].path);

	e = find(&s.events, SONDE_RECORD_FORK, getpid(), gettid());
	ASSERT_NE(NULL, e);
	e = NULL;
	for (unsigned int i = 0; i < s.events.n; i++)
		if (s.events.ev[i].type == SONDE_RECORD_FORK &&
		    s.events.ev[i].ev.child_pid == (uint32_t)child)
			e = &s.events.ev[i];
	ASSERT_NE(NULL, e);
	EXPECT_EQ((uint32_t)getpid(), e->ev.pid);
	EXPECT_EQ((uint32_t)child, e->ev.child_tid);
	EXPECT_EQ(0, e->ev.flags & SONDE_TASK_THREAD);

	e = find(&s.events, SONDE_RECORD_COMM, child, child);
	ASSERT_NE(NULL, e);
	EXPECT_STREQ("sonde-renamed", e->ev.comm);

	e = find(&s.events, SONDE_RECORD_EXEC, child, child);
	ASSERT_NE(NULL, e);
	EXPECT_STREQ(truepath, e->path);
	EXPECT_STREQ("true", e->ev.comm);

	e = find(&s.events, SONDE_RECORD_EXIT, child, child);
	ASSERT_NE(NULL, e);

	/* The thread: a FORK flagged THREAD, then its EXIT. */
	e = NULL;
	for (unsigned int i = 0; i < s.events.n; i++)
		if (s.events.ev[i].type == SONDE_RECORD_FORK &&
		    s.events.ev[i].ev.child_tid == (uint32_t)tid)
			e = &s.events.ev[i];
	ASSERT_NE(NULL, e);
	EXPECT_EQ((uint32_t)getpid(), e->ev.child_pid);
	EXPECT_NE(0, e->ev.flags & SONDE_TASK_THREAD);
	EXPECT_NE(NULL, find(&s.events, SONDE_RECORD_EXIT, getpid(), tid));
	session_end(&s);
}

/* With a tgid filter, a grandchild's life is not ours to record. */
TEST(filter_keeps_others_out)
{
	struct session s;
	pid_t child, grandchild = 0;
	int ret, pfd[2];

	ASSERT_EQ(0, pipe(pfd));
	ret = session_start(&s, getpid());
	if (ret == -EOPNOTSUPP)
		SKIP(return, "this kernel offers no task events");
	ASSERT_EQ(0, ret);

	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		pid_t g = fork();

		if (g == 0) {
			prctl(PR_SET_NAME, "grandchild");
			_exit(0);
		}
		write(pfd[1], &g, sizeof(g));
		waitpid(g, NULL, 0);
		_exit(0);
	}
	ASSERT_EQ(sizeof(grandchild), read(pfd[0], &grandchild, sizeof(grandchild)));
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	ASSERT_EQ(0, session_stop(&s, _metadata));

	/* Our fork of the child is ours; nothing the child did is. */
	EXPECT_NE(NULL, find(&s.events, SONDE_RECORD_FORK, getpid(), 0));
	for (unsigned int i = 0; i < s.events.n; i++) {
		EXPECT_EQ((uint32_t)getpid(), s.events.ev[i].ev.pid);
		EXPECT_NE((uint32_t)grandchild, s.events.ev[i].ev.child_pid);
	}
	session_end(&s);
	close(pfd[0]);
	close(pfd[1]);
}

TEST_HARNESS_MAIN
