// SPDX-License-Identifier: GPL-2.0
/*
 * Serve layer: children and their waits (child.h).  Each call works on
 * the struct serve_child it is given; the calling thread owns it.
 *
 * A child is reaped by waitpid() on its own pid, by the thread that
 * spawned it: no SIGCHLD handler, so children of other threads are never
 * reaped by mistake.  The pidfd (Linux 5.3) turns the exit into a
 * pollable event, next to the client's socket and the server's stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "serve/child.h"

static int pidfd_open_(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

int serve_child__spawn(struct serve_child *c, const char *exe,
		       char *const argv[], const char *out_path,
		       const char *err_path)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int err;

	c->pid = -1;
	c->pidfd = -1;
	sigemptyset(&none);
	sigfillset(&all);
	err = posix_spawn_file_actions_init(&fa);
	if (err)
		return -err;
	err = posix_spawnattr_init(&attr);
	if (err) {
		posix_spawn_file_actions_destroy(&fa);
		return -err;
	}
	err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = out_path ?
		      posix_spawn_file_actions_addopen(&fa, 1, out_path,
						       O_WRONLY | O_CREAT |
						       O_TRUNC, 0600) :
		      posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
						       O_WRONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 2, err_path,
						       O_WRONLY | O_CREAT |
						       O_APPEND, 0600);
	/*
	 * The server blocks SIGINT and SIGTERM in every thread and ignores
	 * SIGPIPE: a child must get them as any command would.
	 */
	if (!err)
		err = posix_spawnattr_setsigmask(&attr, &none);
	if (!err)
		err = posix_spawnattr_setsigdefault(&attr, &all);
	if (!err)
		err = posix_spawnattr_setpgroup(&attr, 0);
	if (!err)
		err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF |
					       POSIX_SPAWN_SETPGROUP);
	if (!err)
		err = posix_spawn(&c->pid, exe, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		c->pid = -1;
		return -err;
	}
	c->pidfd = pidfd_open_(c->pid);
	if (c->pidfd < 0) {
		err = -errno;
		serve_child__kill(c);
		return err;
	}
	return 0;
}

static void close_pidfd(struct serve_child *c)
{
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
}

int serve_child__wait(struct serve_child *c, int sock_fd, int stop_fd,
		      int *status)
{
	struct pollfd fds[3] = {
		{ .fd = c->pidfd, .events = POLLIN },
		/* The peer's FIN; a pipelined request (POLLIN) is not one. */
		{ .fd = sock_fd, .events = POLLRDHUP },
		{ .fd = stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			serve_child__kill(c);
			return -ECANCELED;
		}
		if (fds[0].revents) {
			if (waitpid(c->pid, status, 0) < 0) {
				int err = -errno;

				close_pidfd(c);
				c->pid = -1;
				return err;
			}
			close_pidfd(c);
			c->pid = -1;
			return 0;
		}
		if (fds[1].revents) {
			serve_child__kill(c);
			return -ECONNRESET;
		}
		if (fds[2].revents) {
			serve_child__kill(c);
			return -ECANCELED;
		}
	}
}

int serve_child__signal(struct serve_child *c, int sig)
{
	if (c->pid <= 0)
		return -ESRCH;
	return kill(c->pid, sig) ? -errno : 0;
}

void serve_child__kill(struct serve_child *c)
{
	struct pollfd pfd = { .fd = c->pidfd, .events = POLLIN };

	if (c->pid <= 0) {
		close_pidfd(c);
		return;
	}
	kill(c->pid, SIGTERM);
	if (c->pidfd < 0 || poll(&pfd, 1, SERVE_CHILD_GRACE_MS) <= 0)
		kill(c->pid, SIGKILL);
	while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
		;
	close_pidfd(c);
	c->pid = -1;
}
