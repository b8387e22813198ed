/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Serve layer: the sonde commands a request runs as child processes
 * (record, then export), and the wait for them that gives up when the
 * client leaves or the server stops.
 *
 * Why children: the server is multi-threaded (libmicrohttpd's threads),
 * and record and export are single-threaded code that blocks signals,
 * installs a signalfd and may exit the process on a fatal error; each
 * runs best as its own process.  The child is this very executable
 * (/proc/self/exe), started with posix_spawn() (vfork and exec: no copy
 * of a multi-threaded address space runs library code), in its own
 * process group, so a ^C at the server's terminal reaches only the
 * server, which then stops its children itself.
 *
 * Called from connection threads, one child at a time per thread;
 * nothing here is global.
 */
#ifndef SONDE_SERVE_CHILD_H
#define SONDE_SERVE_CHILD_H

#include <sys/types.h>

/* How long a child has to finish after SIGTERM before SIGKILL. */
#define SERVE_CHILD_GRACE_MS	2000

/*
 * struct serve_child - one running child.
 * @pid: its process id
 * @pidfd: pidfd_open() of @pid: readable once it exited (no SIGCHLD
 *	handler, no race with another thread's wait)
 */
struct serve_child {
	pid_t pid;
	int pidfd;
};

/*
 * serve_child__spawn - start @exe with @argv (NULL-ended; argv[0] is
 * what ps shows), stdin on /dev/null, stdout on @out_path (created 0600,
 * truncated; NULL: /dev/null), stderr appended to @err_path (created
 * 0600), signal mask and dispositions reset.  Returns 0 or -errno.
 */
int serve_child__spawn(struct serve_child *c, const char *exe,
		       char *const argv[], const char *out_path,
		       const char *err_path);

/*
 * serve_child__wait - wait until the child exits, the peer of socket
 * @sock_fd (-1: none) hangs up, or @stop_fd (-1: none) becomes readable.
 * On exit: 0 with the waitpid() status in *@status; the child is reaped.
 * Otherwise the child is stopped (serve_child__kill()) and the return is
 * -ECONNRESET (the client left) or -ECANCELED (@stop_fd).
 */
int serve_child__wait(struct serve_child *c, int sock_fd, int stop_fd,
		      int *status);

/*
 * serve_child__signal - send @sig to the child (record ends its file on
 * SIGINT, as at a ^C).  Returns 0 or -errno.
 */
int serve_child__signal(struct serve_child *c, int sig);

/*
 * serve_child__kill - SIGTERM, SERVE_CHILD_GRACE_MS for it to exit, then
 * SIGKILL; reaps it and closes the pidfd.  Safe on a child already
 * reaped.
 */
void serve_child__kill(struct serve_child *c);

#endif /* SONDE_SERVE_CHILD_H */
