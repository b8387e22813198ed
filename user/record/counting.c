// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: a counting run (counting.h): set up, start, the wait
 * loop over a signalfd (and the -p processes' pidfds) with the interval
 * as timeout, and the final read.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "lib/util.h"
#include "record/counter.h"
#include "record/counting.h"
#include "record/target.h"
#include "record/workload.h"

#define PARANOID_PATH	"/proc/sys/kernel/perf_event_paranoid"
/* How often -p processes are checked when some have no pidfd. */
#define ALIVE_CHECK_MS	200

struct counting {
	const struct counting_opts *o;
	struct counting_result *r;
	struct counters *cs;
	struct workload w;
	int sig_fd;
	int *pidfds;
	struct evcount *prev, *now, *delta;
	__u64 start_ns;
	__u64 last_ns;		/* end of the previous interval */
};

static void say_open_error(const struct counting *c, int err)
{
	char buf[16] = "";
	FILE *f;

	if (err == -EACCES || err == -EPERM) {
		f = fopen(PARANOID_PATH, "re");
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = '\0';
			fclose(f);
		}
		buf[strcspn(buf, "\n")] = '\0';
		pr_err("stat: perf_event_open: %s: counting needs CAP_PERFMON (or root), or %s at most 1 for kernel and user events of your own processes (it is %s)",
		       strerror(-err), PARANOID_PATH, buf[0] ? buf : "unreadable");
	} else if (err == -ESRCH && c->o->nr_pids) {
		pr_err("stat: the process to count exited before counting could start");
	} else {
		pr_err("stat: perf_event_open: %s", strerror(-err));
	}
}

static int open_counters(struct counting *c)
{
	const struct counting_opts *o = c->o;
	unsigned int i;
	int err = 0;

	if (o->all)
		err = counters__open_cpus(c->cs, &c->r->nr_cpus);
	else if (o->command)
		err = counters__open_task(c->cs, c->w.pid, true);
	for (i = 0; !err && i < o->nr_pids; i++)
		err = counters__open_process(c->cs, (pid_t)o->pids[i]);
	if (err)
		say_open_error(c, err);
	return err;
}

/* Reap the command if it has ended; true when it has. */
static bool reap(struct counting *c, bool block)
{
	struct counting_result *r = c->r;

	if (c->w.pid <= 0)
		return true;
	if (workload__wait(&c->w, &r->status, &r->ru, block))
		return false;
	r->reaped = true;
	return true;
}

static int do_interval(struct counting *c, __u64 now_ns)
{
	const struct counting_opts *o = c->o;
	struct evcount *t;
	unsigned int i;
	int err;

	err = counters__read(c->cs, c->now);
	if (err)
		return err;
	for (i = 0; i < o->nr; i++)
		evcount__delta(&c->now[i], &c->prev[i], &c->delta[i]);
	err = o->interval(o->ctx, now_ns - c->start_ns, now_ns - c->last_ns,
			  c->delta);
	c->last_ns = now_ns;
	t = c->prev;
	c->prev = c->now;
	c->now = t;
	return err;
}

/*
 * Until the command ends (or, without one, until every -p process has,
 * or forever with -a), or a SIGINT/SIGTERM: then a command still running
 * gets the same signal and is reaped.
 */
static int loop(struct counting *c)
{
	const struct counting_opts *o = c->o;
	struct pollfd pfd[1 + 64];
	__u64 interval_ns = (__u64)o->interval_ms * 1000000;
	__u64 next = c->start_ns + interval_ns;
	unsigned int i, n;
	bool check_alive = false;

	pfd[0].fd = c->sig_fd;
	pfd[0].events = POLLIN;
	n = 1;
	for (i = 0; i < o->nr_pids; i++) {
		if (c->pidfds[i] >= 0 && n < ARRAY_SIZE(pfd)) {
			pfd[n].fd = c->pidfds[i];
			pfd[n++].events = POLLIN;
		} else {
			check_alive = true;
		}
	}
	for (;;) {
		int timeout = -1, ret, err;
		__u64 now = now_ns(CLOCK_MONOTONIC);

		if (o->interval_ms) {
			if (now >= next) {
				err = do_interval(c, now);
				if (err)
					return err;
				/* Late (a busy machine): skip, do not bunch. */
				while (next <= now)
					next += interval_ns;
			}
			timeout = (next - now + 999999) / 1000000;
		}
		if (check_alive && (timeout < 0 || timeout > ALIVE_CHECK_MS))
			timeout = ALIVE_CHECK_MS;
		ret = poll(pfd, n, timeout);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret > 0 && (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			while (read(c->sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGINT ||
				    si.ssi_signo == SIGTERM) {
					workload__kill(&c->w, si.ssi_signo);
					reap(c, true);
					return 0;
				}
			}
		}
		if (o->command && reap(c, false))
			return 0;
		if (o->nr_pids && !target__any_alive(o->pids, c->pidfds,
						     o->nr_pids))
			return 0;
	}
}

static int run(struct counting *c)
{
	const struct counting_opts *o = c->o;
	struct counting_result *r = c->r;
	__u64 end;
	int err;

	err = counters__new(&c->cs, o->specs, o->nr);
	if (err)
		return err;
	c->prev = calloc(o->nr + 1, sizeof(*c->prev));
	c->now = calloc(o->nr + 1, sizeof(*c->now));
	c->delta = calloc(o->nr + 1, sizeof(*c->delta));
	if (!c->prev || !c->now || !c->delta)
		return -ENOMEM;
	if (o->nr_pids) {
		err = target__watch_open(o->pids, o->nr_pids, &c->pidfds);
		if (err)
			return err;
	}
	if (o->command) {
		err = workload__start(&c->w, o->command);
		if (err) {
			pr_err("stat: cannot fork: %s", strerror(-err));
			return err;
		}
	}
	err = open_counters(c);
	if (err)
		return err;
	/* The command's own counters start at its exec. */
	if (o->all || o->nr_pids) {
		err = counters__enable(c->cs);
		if (err) {
			pr_err("stat: cannot enable the counters: %s",
			       strerror(-err));
			return err;
		}
	}
	c->start_ns = now_ns(CLOCK_MONOTONIC);
	c->last_ns = c->start_ns;
	if (o->command) {
		err = workload__go(&c->w);
		if (err) {
			pr_err("stat: cannot run '%s': %s", o->command[0],
			       strerror(-err));
			r->exec_err = err;
			reap(c, true);
			return err;
		}
	}
	err = loop(c);
	end = now_ns(CLOCK_MONOTONIC);
	if (!err)
		err = counters__disable(c->cs);
	if (!err && o->interval_ms && end > c->last_ns)
		err = do_interval(c, end);
	if (!err)
		err = counters__read(c->cs, r->counts);
	r->elapsed_ns = end - c->start_ns;
	return err;
}

int counting__run(const struct counting_opts *o, struct counting_result *r)
{
	struct counting c = {
		.o = o, .r = r, .sig_fd = -1,
		.w = { .pid = -1, .go_fd = -1, .exec_fd = -1 },
	};
	sigset_t mask, old;
	int err;

	memset(r->counts, 0, o->nr * sizeof(*r->counts));
	r->elapsed_ns = 0;
	r->nr_cpus = 0;
	r->reaped = false;
	r->status = 0;
	r->exec_err = 0;
	memset(&r->ru, 0, sizeof(r->ru));
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, &old))
		return -errno;
	c.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (c.sig_fd < 0)
		err = -errno;
	else
		err = run(&c);
	/* A command left running by an error is not left behind. */
	if (c.w.pid > 0) {
		workload__kill(&c.w, SIGTERM);
		reap(&c, true);
	}
	workload__close(&c.w);
	counters__free(c.cs);
	if (c.pidfds)
		target__watch_close(c.pidfds, o->nr_pids);
	free(c.prev);
	free(c.now);
	free(c.delta);
	if (c.sig_fd >= 0)
		close(c.sig_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err;
}
