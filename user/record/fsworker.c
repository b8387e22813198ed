// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: the recorder's file system worker (fsworker.h).
 *
 * Jobs wait in two queues, the urgent one taken first, each an array
 * consumed from its head; results in another array, appended by the
 * worker and emptied by fs_worker__collect().  All live under @lock.
 * The worker takes one job out, drops the lock to run it (the part that
 * does file I/O), and takes it again to append the result; @running
 * says one is out, so that fs_worker__wait() does not return between
 * the two.  @work wakes the worker (a job, or @stop); @idle
 * wakes waiters once nothing is queued or running.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"
#include "record/fsworker.h"

/* Jobs to run: [head, nr) of @jobs. */
struct fs_queue {
	struct fs_job *jobs;
	unsigned int head, nr, cap;
};

struct fs_worker {
	pthread_t thread;
	fs_run_fn run;
	void *ctx;

	pthread_mutex_t lock;
	pthread_cond_t work;	/* worker: a job came, or @stop */
	pthread_cond_t idle;	/* waiters: nothing queued or running */
	struct fs_queue queue[2];	/* FS_URGENT's first, then the rest */
	struct fs_result *results;	/* finished, not yet collected */
	unsigned int nr_results, cap_results;
	bool running;		/* the worker has a job out */
	bool stop;
	int err;		/* a result the worker could not keep */
};

static unsigned int fs_worker__queued(const struct fs_worker *w)
{
	return w->queue[0].nr - w->queue[0].head +
	       w->queue[1].nr - w->queue[1].head;
}

static bool fs_worker__busy(const struct fs_worker *w)
{
	return w->running || fs_worker__queued(w);
}

/* Keep @res; on -ENOMEM it is freed and the error kept for collect(). */
static void fs_worker__keep(struct fs_worker *w, struct fs_result *res)
{
	if (w->nr_results == w->cap_results) {
		unsigned int cap = w->cap_results ? 2 * w->cap_results : 16;
		struct fs_result *p;

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

/* The next job, urgent ones first; false when none is queued. */
static bool fs_worker__take(struct fs_worker *w, struct fs_job *job)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(w->queue); i++) {
		struct fs_queue *q = &w->queue[i];

		if (q->head == q->nr)
			continue;
		*job = q->jobs[q->head++];
		if (q->head == q->nr)
			q->head = q->nr = 0;
		return true;
	}
	return false;
}

static void *fs_worker__main(void *arg)
{
	struct fs_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct fs_result res = { 0 };
		struct fs_job job;

		while (!w->stop && !fs_worker__queued(w))
			pthread_cond_wait(&w->work, &w->lock);
		if (w->stop || !fs_worker__take(w, &job))
			break;
		w->running = true;
		pthread_mutex_unlock(&w->lock);

		res.kind = job.kind;
		res.pid = job.pid;
		res.flags = job.flags;
		res.time_ns = now_ns(CLOCK_MONOTONIC);
		res.err = w->run(&job, res.time_ns, &res.payload, w->ctx);
		free(job.data);

		pthread_mutex_lock(&w->lock);
		w->running = false;
		fs_worker__keep(w, &res);
		if (!fs_worker__queued(w))
			pthread_cond_broadcast(&w->idle);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int fs_worker__new(struct fs_worker **wp, fs_run_fn run, void *ctx)
{
	struct fs_worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int err;

	if (!w)
		return -ENOMEM;
	w->run = run;
	w->ctx = ctx;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->idle, NULL);
	/*
	 * The thread inherits this mask: no signal is delivered to it but
	 * those its own faults raise, which must stay deliverable (a fault
	 * with its signal blocked kills the process without a word, and the
	 * sanitizers' reports with it).
	 */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGTRAP);
	sigdelset(&all, SIGABRT);
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->thread, NULL, fs_worker__main, w);
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

/* Room for one more job at the end of @q: 0 or -ENOMEM. */
static int fs_queue__reserve(struct fs_queue *q)
{
	unsigned int cap = q->cap ? 2 * q->cap : 64;
	struct fs_job *p;

	if (q->nr < q->cap)
		return 0;
	if (q->head) {
		/* The slots of the jobs taken since the queue last emptied. */
		memmove(q->jobs, q->jobs + q->head,
			(q->nr - q->head) * sizeof(*q->jobs));
		q->nr -= q->head;
		q->head = 0;
		return 0;
	}
	p = reallocarray(q->jobs, cap, sizeof(*p));
	if (!p)
		return -ENOMEM;
	q->jobs = p;
	q->cap = cap;
	return 0;
}

int fs_worker__submit(struct fs_worker *w, __u32 kind, __u32 pid,
		      __u32 flags, const void *data, size_t len)
{
	struct fs_job job = { kind, pid, flags & ~FS_URGENT, len, NULL };
	struct fs_queue *q = &w->queue[flags & FS_URGENT ? 0 : 1];
	int err;

	if (len != job.len)
		return -EOVERFLOW;
	if (len) {
		job.data = malloc(len);
		if (!job.data)
			return -ENOMEM;
		memcpy(job.data, data, len);
	}
	pthread_mutex_lock(&w->lock);
	err = fs_queue__reserve(q);
	if (!err) {
		q->jobs[q->nr++] = job;
		job.data = NULL;
		pthread_cond_signal(&w->work);
	}
	pthread_mutex_unlock(&w->lock);
	free(job.data);
	return err;
}

unsigned int fs_worker__drop(struct fs_worker *w, __u32 kind)
{
	unsigned int i, j, q, dropped = 0;

	pthread_mutex_lock(&w->lock);
	for (q = 0; q < ARRAY_SIZE(w->queue); q++) {
		struct fs_queue *fq = &w->queue[q];

		for (i = j = fq->head; i < fq->nr; i++) {
			if (fq->jobs[i].kind == kind) {
				free(fq->jobs[i].data);
				dropped++;
			} else {
				fq->jobs[j++] = fq->jobs[i];
			}
		}
		fq->nr = j;
		if (fq->head == fq->nr)
			fq->head = fq->nr = 0;
	}
	if (!fs_worker__busy(w))
		pthread_cond_broadcast(&w->idle);
	pthread_mutex_unlock(&w->lock);
	return dropped;
}

int fs_worker__collect(struct fs_worker *w, fs_done_fn done, void *ctx)
{
	struct fs_result *results;
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

void fs_worker__wait(struct fs_worker *w)
{
	pthread_mutex_lock(&w->lock);
	while (fs_worker__busy(w))
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

unsigned int fs_worker__nr_pending(struct fs_worker *w)
{
	unsigned int n;

	pthread_mutex_lock(&w->lock);
	n = fs_worker__queued(w) + w->running;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void fs_worker__free(struct fs_worker *w)
{
	unsigned int i, q;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	/* The jobs not started are dropped: only the running one is left. */
	for (q = 0; q < ARRAY_SIZE(w->queue); q++) {
		for (i = w->queue[q].head; i < w->queue[q].nr; i++)
			free(w->queue[q].jobs[i].data);
		w->queue[q].head = w->queue[q].nr = 0;
	}
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);

	for (i = 0; i < w->nr_results; i++)
		buf__free(&w->results[i].payload);
	free(w->results);
	for (q = 0; q < ARRAY_SIZE(w->queue); q++)
		free(w->queue[q].jobs);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
