/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: a command to run under measurement (stat -- COMMAND):
 * forked at once, but held before execve() until the counters are set
 * up, so that nothing of it runs unmeasured.
 *
 * The child waits on a pipe for one byte; a second pipe, close-on-exec,
 * tells the parent whether execve() succeeded (EOF) or failed (the
 * errno).  The child gets the default signal mask and SIGPIPE back (sonde
 * blocks and ignores signals the command must not inherit).
 */
#ifndef SONDE_WORKLOAD_H
#define SONDE_WORKLOAD_H

#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

struct workload {
	pid_t pid;		/* the child, -1 when none */
	int go_fd;		/* write end of the hold pipe, -1 when used */
	int exec_fd;		/* read end of the exec report, -1 when used */
};

/*
 * workload__start - fork the child for @argv (argv[0] is looked up in
 * PATH, as execvp() does); it waits for workload__go().  Returns 0 or
 * the -errno of pipe2() or fork(); @w is then left with pid -1.
 */
int workload__start(struct workload *w, char *const argv[]);

/*
 * workload__go - let the child exec and wait until it has: returns 0
 * once execve() succeeded, or the child's -errno when it failed (the
 * child then exits with status 127; workload__wait() reaps it).
 */
int workload__go(struct workload *w);

/*
 * workload__wait - reap the child: @block waits for it, else returns
 * -EAGAIN when it is still running.  *@status gets its wait status,
 * *@ru its resource usage (user and system time, from wait4()).  Returns
 * 0 or -errno.
 */
int workload__wait(struct workload *w, int *status, struct rusage *ru,
		   bool block);

/*
 * workload__kill - end the child: one held before exec is released
 * without exec (it exits 127), one running is sent @sig.  Does not reap.
 */
void workload__kill(struct workload *w, int sig);

/* workload__close - close the pipes; the child is not touched. */
void workload__close(struct workload *w);

#endif /* SONDE_WORKLOAD_H */
