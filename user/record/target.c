// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: checking record -p values (target.h).
 *
 * pidfd_open() answers both questions at once, in the caller's pid
 * namespace: ESRCH when no task has that number there, EINVAL when the
 * task is not a thread-group leader.  Kernels before 5.3 lack it; then
 * kill(pid, 0) says whether the number exists and /proc/PID/status
 * whether it is a process.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "record/target.h"
#include "lib/util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif

/* The Tgid: line of /proc/@pid/status; 0 when unreadable. */
/* The process of thread @pid, 0 if unknown. */
static __u32 read_tgid(__u32 pid)
{
	__u32 tgid = 0;

	proc_status_u32(pid, "Tgid", &tgid);
	return tgid;
}

int target__check_pid(__u32 pid, __u32 *tgid)
{
	long fd;

	*tgid = 0;
	if (!pid || pid > INT_MAX)
		return -ESRCH;
	fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == ESRCH)
		return -ESRCH;
	if (errno == EINVAL) {
		*tgid = read_tgid(pid);
		return -EINVAL;
	}
	/* No pidfd_open() (ENOSYS), or refused by a seccomp filter. */
	if (kill(pid, 0) && errno == ESRCH)
		return -ESRCH;
	*tgid = read_tgid(pid);
	return *tgid && *tgid != pid ? -EINVAL : 0;
}

int target__check_pids(const __u32 *pids, unsigned int nr)
{
	unsigned int i;
	__u32 tgid;

	for (i = 0; i < nr; i++) {
		int err = target__check_pid(pids[i], &tgid);

		if (err == -ESRCH)
			return usage_error("record: -p %u: no such process",
					   pids[i]);
		if (err == -EINVAL && tgid)
			return usage_error("record: -p %u is a thread of process %u: give -p %u (sonde samples whole processes)",
					   pids[i], tgid, tgid);
		if (err == -EINVAL)
			return usage_error("record: -p %u is a thread, not a process: give its process id",
					   pids[i]);
	}
	return 0;
}

int target__tids_to_pids(const __u32 *tids, unsigned int nr, __u32 **pids,
			 unsigned int *nr_pids)
{
	unsigned int i, j, n = 0;
	__u32 *out, tgid;

	out = calloc(nr, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		tgid = tids[i] && tids[i] <= INT_MAX ? read_tgid(tids[i]) : 0;
		if (!tgid) {
			free(out);
			return usage_error("record: -t %u: no such thread",
					   tids[i]);
		}
		for (j = 0; j < n && out[j] != tgid; j++)
			;
		if (j == n)
			out[n++] = tgid;
	}
	*pids = out;
	*nr_pids = n;
	return 0;
}

int target__watch_open(const __u32 *pids, unsigned int nr, int **fds)
{
	unsigned int i;

	*fds = calloc(nr ? nr : 1, sizeof(**fds));
	if (!*fds)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		(*fds)[i] = syscall(SYS_pidfd_open, (pid_t)pids[i], 0);
	return 0;
}

bool target__any_alive(const __u32 *pids, const int *fds, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (fds[i] >= 0) {
			struct pollfd p = { .fd = fds[i], .events = POLLIN };

			if (poll(&p, 1, 0) == 0)
				return true;
		} else if (!kill(pids[i], 0) || errno != ESRCH) {
			return true;
		}
	}
	return false;
}

void target__watch_close(int *fds, unsigned int nr)
{
	unsigned int i;

	for (i = 0; fds && i < nr; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}
