/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What record -p names: checking that each value is a process of the
 * caller's pid namespace before anything is configured.
 */
#ifndef SONDE_TARGET_H
#define SONDE_TARGET_H

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

#endif /* SONDE_TARGET_H */
