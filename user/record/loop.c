// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: sonde record's event loop, on io_uring or poll().
 *
 * With io_uring, three requests are kept armed: a POLLIN poll on the device
 * (readable when a ring passed its wakeup watermark), a POLLIN poll on the
 * signalfd, and a timeout for the periodic tick.  Chunk writes of the
 * recording are submitted as they fill and completed whenever the ring is
 * reaped, so the only syscall of a steady state is io_uring_enter().
 *
 * The signalfd is polled, not read through io_uring: a read punted to an
 * io-wq worker would look at the worker's signals, not ours.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>

#include "record/loop.h"
#include "lib/util.h"

enum { TAG_DEV = 1, TAG_SIG, TAG_TICK, TAG_MAX };

struct write_req {
	char *buf;
	size_t len;
	size_t done;
	__u64 off;
};

struct sonde_loop {
	bool uring;
	struct io_uring ring;
	int dev_fd;
	int sig_fd;
	int out_fd;
	unsigned int tick_ms;
	struct __kernel_timespec tick_ts;
	bool dev_armed, sig_armed, tick_armed;
	unsigned int pending;	/* events seen while waiting for writes */
	struct signalfd_siginfo si;
	__u64 next_tick_ns;	/* poll() backend */
	struct rec_sink sink;
	struct rec_writer *writer;
};

static int uring_submit(void *ctx, void *buf, size_t len, __u64 off);
static int uring_wait(void *ctx);
static int sync_submit(void *ctx, void *buf, size_t len, __u64 off);
static int sync_wait(void *ctx);

int loop__new(struct sonde_loop **lp, int dev_fd, int sig_fd, int out_fd,
	      unsigned int tick_ms, bool no_uring)
{
	struct sonde_loop *l = calloc(1, sizeof(*l));
	int err = -EOPNOTSUPP;	/* not tried */

	if (!l)
		return -ENOMEM;
	l->dev_fd = dev_fd;
	l->sig_fd = sig_fd;
	l->out_fd = out_fd;
	l->tick_ms = tick_ms;
	l->tick_ts.tv_sec = tick_ms / 1000;
	l->tick_ts.tv_nsec = (tick_ms % 1000) * 1000000LL;
	if (!no_uring)
		err = io_uring_queue_init(64, &l->ring, 0);
	if (!err) {
		l->uring = true;
		l->sink = (struct rec_sink){ uring_submit, uring_wait, l };
	} else {
		/*
		 * ENOSYS (old kernel), EPERM (kernel.io_uring_disabled or
		 * seccomp): everything still works, only less efficiently.
		 */
		if (!no_uring)
			pr_warn("io_uring unavailable (%s): using poll() and write()",
				strerror(-err));
		l->sink = (struct rec_sink){ sync_submit, sync_wait, l };
		l->next_tick_ns = now_ns(CLOCK_MONOTONIC) +
				  tick_ms * 1000000ULL;
	}
	*lp = l;
	return 0;
}

void loop__free(struct sonde_loop *l)
{
	if (!l)
		return;
	if (l->uring)
		io_uring_queue_exit(&l->ring);
	free(l);
}

bool loop__uses_uring(const struct sonde_loop *l)
{
	return l->uring;
}

const struct rec_sink *loop__sink(struct sonde_loop *l)
{
	return &l->sink;
}

void loop__set_writer(struct sonde_loop *l, struct rec_writer *w)
{
	l->writer = w;
}

/* ---- io_uring backend ---- */

static struct io_uring_sqe *get_sqe(struct sonde_loop *l)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);

	if (!sqe) {
		/* The SQ is full: push it to the kernel and try again. */
		io_uring_submit(&l->ring);
		sqe = io_uring_get_sqe(&l->ring);
	}
	return sqe;
}

static int queue_write(struct sonde_loop *l, struct write_req *req)
{
	struct io_uring_sqe *sqe = get_sqe(l);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_write(sqe, l->out_fd, req->buf + req->done,
			    req->len - req->done, req->off + req->done);
	io_uring_sqe_set_data(sqe, req);
	return 0;
}

static int uring_submit(void *ctx, void *buf, size_t len, __u64 off)
{
	struct sonde_loop *l = ctx;
	struct write_req *req = calloc(1, sizeof(*req));
	int err;

	if (!req)
		return -ENOMEM;
	req->buf = buf;
	req->len = len;
	req->off = off;
	err = queue_write(l, req);
	if (err) {
		free(req);
		return err;
	}
	/* Submit now: the write proceeds while we drain rings. */
	err = io_uring_submit(&l->ring);
	return err < 0 ? err : 0;
}

static void write_done(struct sonde_loop *l, struct write_req *req, int res)
{
	if (res > 0 && req->done + res < req->len) {
		/* A short write (disk nearly full?): write the rest. */
		req->done += res;
		if (!queue_write(l, req) && io_uring_submit(&l->ring) >= 0)
			return;
		res = -EIO;
	} else if (res == 0) {
		res = -EIO;
	}
	rec_writer__done(l->writer, req->buf, res < 0 ? res : 0);
	free(req);
}

static void handle_cqe(struct sonde_loop *l, struct io_uring_cqe *cqe)
{
	__u64 tag = cqe->user_data;

	switch (tag) {
	case TAG_DEV:
		l->dev_armed = false;
		l->pending |= LOOP_EV_DEV;
		break;
	case TAG_SIG:
		l->sig_armed = false;
		if (read(l->sig_fd, &l->si, sizeof(l->si)) == sizeof(l->si))
			l->pending |= LOOP_EV_SIGNAL;
		break;
	case TAG_TICK:
		l->tick_armed = false;
		l->pending |= LOOP_EV_TICK;
		break;
	default:
		write_done(l, (void *)(unsigned long)tag, cqe->res);
		break;
	}
}

static int reap(struct sonde_loop *l, bool wait)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;
	int err;

	if (wait) {
		err = io_uring_submit_and_wait(&l->ring, 1);
		if (err < 0 && err != -EINTR && err != -ETIME)
			return err;
	}
	io_uring_for_each_cqe(&l->ring, head, cqe) {
		handle_cqe(l, cqe);
		n++;
	}
	io_uring_cq_advance(&l->ring, n);
	return 0;
}

static int uring_wait(void *ctx)
{
	return reap(ctx, true);
}

static int arm(struct sonde_loop *l)
{
	struct io_uring_sqe *sqe;

	if (!l->dev_armed) {
		sqe = get_sqe(l);
		if (!sqe)
			return -EBUSY;
		io_uring_prep_poll_add(sqe, l->dev_fd, POLLIN);
		io_uring_sqe_set_data64(sqe, TAG_DEV);
		l->dev_armed = true;
	}
	if (!l->sig_armed) {
		sqe = get_sqe(l);
		if (!sqe)
			return -EBUSY;
		io_uring_prep_poll_add(sqe, l->sig_fd, POLLIN);
		io_uring_sqe_set_data64(sqe, TAG_SIG);
		l->sig_armed = true;
	}
	if (!l->tick_armed) {
		sqe = get_sqe(l);
		if (!sqe)
			return -EBUSY;
		io_uring_prep_timeout(sqe, &l->tick_ts, 0, 0);
		io_uring_sqe_set_data64(sqe, TAG_TICK);
		l->tick_armed = true;
	}
	return 0;
}

/* ---- poll() backend ---- */

static int sync_submit(void *ctx, void *buf, size_t len, __u64 off)
{
	struct sonde_loop *l = ctx;
	int res = pwrite_all(l->out_fd, buf, len, off);

	rec_writer__done(l->writer, buf, res);
	return 0;
}

static int sync_wait(void *ctx)
{
	(void)ctx;
	return 0;
}

static int poll_wait(struct sonde_loop *l, struct signalfd_siginfo *si)
{
	struct pollfd pfd[2] = {
		{ .fd = l->dev_fd, .events = POLLIN },
		{ .fd = l->sig_fd, .events = POLLIN },
	};
	__u64 now = now_ns(CLOCK_MONOTONIC);
	unsigned int ev = 0;
	int timeout = 0;

	if (now < l->next_tick_ns)
		timeout = (l->next_tick_ns - now + 999999) / 1000000;
	if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
		return -errno;
	if (pfd[0].revents & POLLIN)
		ev |= LOOP_EV_DEV;
	if ((pfd[1].revents & POLLIN) &&
	    read(l->sig_fd, si, sizeof(*si)) == sizeof(*si))
		ev |= LOOP_EV_SIGNAL;
	now = now_ns(CLOCK_MONOTONIC);
	if (now >= l->next_tick_ns) {
		ev |= LOOP_EV_TICK;
		l->next_tick_ns = now + l->tick_ms * 1000000ULL;
	}
	return ev;
}

int loop__wait(struct sonde_loop *l, struct signalfd_siginfo *si)
{
	unsigned int ev;
	int err;

	if (!l->uring)
		return poll_wait(l, si);
	while (!l->pending) {
		err = arm(l);
		if (!err)
			err = reap(l, true);
		if (err)
			return err;
	}
	ev = l->pending;
	l->pending = 0;
	if (ev & LOOP_EV_SIGNAL)
		*si = l->si;
	return ev;
}
