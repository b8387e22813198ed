// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: the snapshot worker (snapworker.h).
 *
 * Requests are an array consumed from @head; results another, appended by
 * the worker and emptied by snap_worker__collect().  Both live under
 * @lock.  The worker takes one request out, drops the lock for the take
 * function (the part that does file I/O), and takes it again to append
 * the result; @running says one is out, so that snap_worker__wait() does
 * not return between the two.  @work wakes the worker (a request, or
 * @stop); @idle wakes waiters once nothing is queued or running.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"
#include "record/snapworker.h"

struct snap_request {
	__u32 pid;
	__u32 flags;
};

struct snap_worker {
	pthread_t thread;
	snap_take_fn take;
	void *ctx;

	pthread_mutex_t lock;
	pthread_cond_t work;	/* worker: a request came, or @stop */
	pthread_cond_t idle;	/* waiters: nothing queued or running */
	struct snap_request *reqs;	/* [head, nr_reqs) to do */
	unsigned int head, nr_reqs, cap_reqs;
	struct snap_result *results;	/* finished, not yet collected */
	unsigned int nr_results, cap_results;
	bool running;		/* the worker has a request out */
	bool stop;
	int err;		/* a result the worker could not keep */
};

static bool snap_worker__busy(const struct snap_worker *w)
{
	return w->running || w->head < w->nr_reqs;
}

/* Keep @res; on -ENOMEM it is freed and the error kept for collect(). */
static void snap_worker__keep(struct snap_worker *w, struct snap_result *res)
{
	if (w->nr_results == w->cap_results) {
		unsigned int cap = w->cap_results ? 2 * w->cap_results : 16;
		struct snap_result *p;

		p = reallocarray(w->results, cap, sizeof(*p));
		if (!p) {
			buf__free(&res->payload);
			w->err = -ENOMEM;
			return;
		}
		w->results = p;
		w->cap_results = cap;
	}
	w->results[w->nr_results++] = *res;
}

static void *snap_worker__main(void *arg)
{
	struct snap_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct snap_result res = { 0 };

		while (!w->stop && w->head == w->nr_reqs)
			pthread_cond_wait(&w->work, &w->lock);
		if (w->stop)
			break;
		res.pid = w->reqs[w->head].pid;
		res.flags = w->reqs[w->head].flags;
		w->head++;
		w->running = true;
		pthread_mutex_unlock(&w->lock);

		res.time_ns = now_ns(CLOCK_MONOTONIC);
		res.err = w->take(res.pid, res.flags, res.time_ns,
				  &res.payload, w->ctx);

		pthread_mutex_lock(&w->lock);
		w->running = false;
		snap_worker__keep(w, &res);
		if (w->head == w->nr_reqs) {
			w->head = 0;
			w->nr_reqs = 0;
			pthread_cond_broadcast(&w->idle);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int snap_worker__new(struct snap_worker **wp, snap_take_fn take, void *ctx)
{
	struct snap_worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int err;

	if (!w)
		return -ENOMEM;
	w->take = take;
	w->ctx = ctx;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->idle, NULL);
	/* The thread inherits this mask: no signal is ever delivered to it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->thread, NULL, snap_worker__main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_cond_destroy(&w->idle);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -err;
	}
	*wp = w;
	return 0;
}

int snap_worker__request(struct snap_worker *w, __u32 pid, __u32 flags)
{
	int err = 0;

	pthread_mutex_lock(&w->lock);
	if (w->nr_reqs == w->cap_reqs) {
		unsigned int cap = w->cap_reqs ? 2 * w->cap_reqs : 64;
		struct snap_request *p;

		p = reallocarray(w->reqs, cap, sizeof(*p));
		if (!p) {
			err = -ENOMEM;
			goto out_unlock;
		}
		w->reqs = p;
		w->cap_reqs = cap;
	}
	w->reqs[w->nr_reqs].pid = pid;
	w->reqs[w->nr_reqs].flags = flags;
	w->nr_reqs++;
	pthread_cond_signal(&w->work);
out_unlock:
	pthread_mutex_unlock(&w->lock);
	return err;
}

int snap_worker__collect(struct snap_worker *w, snap_done_fn done, void *ctx)
{
	struct snap_result *results;
	unsigned int nr, cap, i;
	int err;

	/*
	 * Take the results out and give the worker an empty array: @done
	 * writes into the recording, and the worker need not wait for it.
	 */
	pthread_mutex_lock(&w->lock);
	results = w->results;
	nr = w->nr_results;
	cap = w->cap_results;
	w->results = NULL;
	w->nr_results = 0;
	w->cap_results = 0;
	err = w->err;
	w->err = 0;
	pthread_mutex_unlock(&w->lock);

	for (i = 0; i < nr; i++) {
		if (!err)
			err = done(&results[i], ctx);
		buf__free(&results[i].payload);
	}
	/* Hand the array back for reuse unless the worker made a new one. */
	pthread_mutex_lock(&w->lock);
	if (!w->results && cap) {
		w->results = results;
		w->cap_results = cap;
		results = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	free(results);
	return err;
}

void snap_worker__wait(struct snap_worker *w)
{
	pthread_mutex_lock(&w->lock);
	while (snap_worker__busy(w))
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

unsigned int snap_worker__nr_pending(struct snap_worker *w)
{
	unsigned int n;

	pthread_mutex_lock(&w->lock);
	n = w->nr_reqs - w->head + w->running;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void snap_worker__free(struct snap_worker *w)
{
	unsigned int i;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	w->head = w->nr_reqs;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);

	for (i = 0; i < w->nr_results; i++)
		buf__free(&w->results[i].payload);
	free(w->results);
	free(w->reqs);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
