/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: what record -p and -t name: checking that each value is
 * a process (a thread) of the caller's pid namespace before anything is
 * configured.
 */
#ifndef SONDE_TARGET_H
#define SONDE_TARGET_H

#include <stdbool.h>
#include <linux/types.h>

/*
 * target__check_pid - @pid must be a process (a thread-group leader) as
 * the caller's pid namespace numbers them.  Returns 0, -ESRCH when there
 * is no such process, or -EINVAL when @pid is a thread of another process
 * (*@tgid is then that process, or 0 when it cannot be told).
 */
int target__check_pid(__u32 pid, __u32 *tgid);

/*
 * target__check_pids - target__check_pid() for every one of @pids; on the
 * first failure prints the usage error (one line) and returns
 * -SONDE_EUSAGE.
 */
int target__check_pids(const __u32 *pids, unsigned int nr);

/*
 * target__tids_to_pids - the processes of the threads @tids (record -t),
 * each once, in *@pids (allocated, the caller frees) and *@nr_pids.  A
 * value that names no thread is a usage error (one line, -SONDE_EUSAGE);
 * else 0 or -ENOMEM.
 */
int target__tids_to_pids(const __u32 *tids, unsigned int nr, __u32 **pids,
			 unsigned int *nr_pids);

/*
 * target__watch_open - a pidfd per process of @pids, for telling when
 * they have ended: kill(pid, 0) succeeds on a zombie and on a reused
 * pid, a pidfd does not.  *@fds gets @nr descriptors, -1 where none
 * could be opened (the process already gone, or no pidfd_open()).
 * Returns 0 or -ENOMEM.
 */
int target__watch_open(const __u32 *pids, unsigned int nr, int **fds);

/*
 * target__any_alive - has any of the @nr watched processes not ended?
 * A pidfd reads ready once its process has exited, reaped or not; where
 * @fds holds -1, kill(2) on the pid decides.
 */
bool target__any_alive(const __u32 *pids, const int *fds, unsigned int nr);

/* target__watch_close - close and free what target__watch_open() made. */
void target__watch_close(int *fds, unsigned int nr);

#endif /* SONDE_TARGET_H */
