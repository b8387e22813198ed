// SPDX-License-Identifier: GPL-2.0
/*
 * sonde record's event loop on io_uring and on poll():
 * device readiness (an eventfd stands in for /dev/sonde), signals through
 * signalfd, the periodic tick, and the recording written through it.
 */
#include <signal.h>
#include <sys/eventfd.h>
#include <time.h>

#include "kselftest_harness.h"

#include "helpers.h"
#include "record/loop.h"
#include "recording/session.h"

FIXTURE(loop) {
	int ev_fd, sig_fd, out_fd;
	char path[64];
};

FIXTURE_VARIANT(loop) {
	bool no_uring;
};

FIXTURE_VARIANT_ADD(loop, io_uring) { .no_uring = false };
FIXTURE_VARIANT_ADD(loop, poll) { .no_uring = true };

FIXTURE_SETUP(loop)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &mask, NULL));
	self->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	ASSERT_GE(self->sig_fd, 0);
	self->ev_fd = eventfd(0, EFD_NONBLOCK);
	ASSERT_GE(self->ev_fd, 0);
	strcpy(self->path, "/tmp/sonde-loop.XXXXXX");
	self->out_fd = mkstemp(self->path);
	ASSERT_GE(self->out_fd, 0);
}

FIXTURE_TEARDOWN(loop)
{
	close(self->sig_fd);
	close(self->ev_fd);
	close(self->out_fd);
	unlink(self->path);
}

static struct sonde_loop *new_loop(struct _test_data_loop *self,
				   const struct _fixture_variant_loop *v)
{
	struct sonde_loop *l = NULL;

	if (loop__new(&l, self->ev_fd, self->sig_fd, self->out_fd, 50,
		      v->no_uring))
		return NULL;
	return l;
}

TEST_F(loop, events)
{
	struct sonde_loop *l = new_loop(self, variant);
	struct signalfd_siginfo si;
	__u64 one = 1, t0;
	int ev;

	ASSERT_NE(NULL, l);
	if (!variant->no_uring && !loop__uses_uring(l))
		SKIP(loop__free(l); return, "io_uring unavailable here");

	t0 = now_ns(CLOCK_MONOTONIC);
	ev = loop__wait(l, &si);
	ASSERT_GE(ev, 0);
	EXPECT_TRUE(ev & LOOP_EV_TICK);
	EXPECT_FALSE(ev & (LOOP_EV_DEV | LOOP_EV_SIGNAL));
	EXPECT_GE(now_ns(CLOCK_MONOTONIC) - t0, 40000000ULL);

	ASSERT_EQ(8, write(self->ev_fd, &one, 8));
	ev = loop__wait(l, &si);
	ASSERT_GE(ev, 0);
	EXPECT_TRUE(ev & LOOP_EV_DEV);
	ASSERT_EQ(8, read(self->ev_fd, &one, 8));

	kill(getpid(), SIGUSR1);
	do {
		ev = loop__wait(l, &si);
		ASSERT_GE(ev, 0);
	} while (!(ev & LOOP_EV_SIGNAL));
	EXPECT_EQ(SIGUSR1, si.ssi_signo);
	loop__free(l);
}

static int count_cb(const struct sonde_record_header *h, void *ctx)
{
	(*(__u64 *)ctx) += ((const struct sonde_sample *)h)->tid;
	return 0;
}

TEST_F(loop, writes_recording)
{
	struct sonde_loop *l = new_loop(self, variant);
	__u64 u[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, sum = 0;
	unsigned char rec[256];
	struct rec_writer *w;
	struct session *s;
	unsigned int i;

	ASSERT_NE(NULL, l);
	/* Small chunks: many writes in flight, buffers recycled. */
	ASSERT_EQ(0, rec_writer__new(&w, loop__sink(l), 4096, 3));
	loop__set_writer(l, w);
	ASSERT_EQ(0, add_session(w, 99));
	for (i = 1; i <= 5000; i++) {
		size_t len = make_sample(rec, i, i % 4, 1, i, 0, 0, NULL, 0, u,
					 i % 8);

		ASSERT_EQ(0, rec_writer__append_records(w, i % 4, rec, len));
		if (i % 1000 == 0)
			ASSERT_EQ(0, rec_writer__flush(w));
	}
	ASSERT_EQ(0, add_end(w, 5000, 0));
	ASSERT_EQ(0, rec_writer__finish(w));
	rec_writer__free(w);
	loop__free(l);

	ASSERT_EQ(0, session__open(&s, self->path));
	ASSERT_EQ(0, session__iter_records(s, count_cb, &sum));
	EXPECT_EQ(5000, session__counts(s)->samples);
	EXPECT_EQ(5000ULL * 5001 / 2, sum);
	EXPECT_NE(NULL, session__end(s));
	session__close(s);
}

TEST_HARNESS_MAIN
