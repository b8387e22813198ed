// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: a command held before exec until measurement is ready
 * (workload.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#include "record/workload.h"

int workload__start(struct workload *w, char *const argv[])
{
	int go[2], ex[2];
	sigset_t empty;
	int err;

	w->pid = -1;
	w->go_fd = -1;
	w->exec_fd = -1;
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(ex, O_CLOEXEC)) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		return err;
	}
	w->pid = fork();
	if (w->pid < 0) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		close(ex[0]);
		close(ex[1]);
		return err;
	}
	if (w->pid == 0) {
		char c;
		int e;

		sigemptyset(&empty);
		sigprocmask(SIG_SETMASK, &empty, NULL);
		signal(SIGPIPE, SIG_DFL);
		close(go[1]);
		close(ex[0]);
		/* EOF without a byte: sonde gave up, do not run. */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		e = errno;
		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	w->go_fd = go[1];
	w->exec_fd = ex[0];
	return 0;
}

int workload__go(struct workload *w)
{
	char c = 1;
	ssize_t n;
	int e = 0;

	if (w->go_fd < 0 || w->exec_fd < 0)
		return -EINVAL;
	n = write(w->go_fd, &c, 1);
	close(w->go_fd);
	w->go_fd = -1;
	if (n != 1)
		return -EPIPE;
	do {
		n = read(w->exec_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(w->exec_fd);
	w->exec_fd = -1;
	if (n == sizeof(e))
		return e > 0 ? -e : -ENOEXEC;
	return n < 0 ? -errno : 0;
}

int workload__wait(struct workload *w, int *status, struct rusage *ru,
		   bool block)
{
	pid_t r;

	if (w->pid <= 0)
		return -ECHILD;
	do {
		r = wait4(w->pid, status, block ? 0 : WNOHANG, ru);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -EAGAIN;
	w->pid = -1;
	return 0;
}

void workload__kill(struct workload *w, int sig)
{
	if (w->go_fd >= 0) {
		close(w->go_fd);
		w->go_fd = -1;
		return;
	}
	if (w->pid > 0)
		kill(w->pid, sig);
}

void workload__close(struct workload *w)
{
	if (w->go_fd >= 0)
		close(w->go_fd);
	if (w->exec_fd >= 0)
		close(w->exec_fd);
	w->go_fd = -1;
	w->exec_fd = -1;
}
