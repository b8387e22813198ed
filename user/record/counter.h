/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: perf events in counting mode (perf_event_open(2), no
 * sampling, no ring): one counter per event and per task or per CPU,
 * read back as sums (lib/evspec.h's struct evcount).  This is what
 * `sonde stat` counts with; it needs no kernel module.
 *
 * Every counter is opened disabled.  An event the machine lacks
 * (perf_event_open fails with ENOENT, ENODEV, ENXIO, EOPNOTSUPP, EINVAL
 * or ENOSYS: no PMU, a raw config the PMU refuses) is not a failure: the
 * event is marked unsupported (its evcount's err) and the others are
 * counted.  Single-threaded use only; nothing is global.
 */
#ifndef SONDE_COUNTER_H
#define SONDE_COUNTER_H

#include <stdbool.h>
#include <sys/types.h>

#include "lib/evspec.h"

struct counters;

/*
 * counters__new - counters for the @nr events of @specs (copied), none
 * opened yet.  Returns 0 or -ENOMEM.
 */
int counters__new(struct counters **cs, const struct evspec *specs,
		  unsigned int nr);

/* counters__free - close every counter and free @cs (NULL is fine). */
void counters__free(struct counters *cs);

/*
 * counters__open_task - one counter per event on task @pid, inherited by
 * the threads and processes it creates from then on.  With @on_exec the
 * counters start by themselves when @pid calls execve() (enable_on_exec:
 * a forked command is counted from its exec on, not from sonde's fork);
 * else counters__enable() starts them.  Returns 0, -ESRCH when @pid is
 * gone, -EACCES or -EPERM when the kernel refuses (perf_event_paranoid,
 * no CAP_PERFMON), or another -errno of perf_event_open.
 */
int counters__open_task(struct counters *cs, pid_t pid, bool on_exec);

/*
 * counters__open_process - counters__open_task() on every thread process
 * @pid has now (/proc/PID/task), as inheritance covers only the threads
 * created after the counter: perf stat -p does the same.  A thread that
 * ends while the list is walked is skipped.  Returns 0, -ESRCH when no
 * thread at all could be counted, or an error of counters__open_task().
 */
int counters__open_process(struct counters *cs, pid_t pid);

/*
 * counters__open_cpus - one counter per event on every online CPU
 * (/sys/devices/system/cpu/online), every task on it counted (pid -1).
 * *@nr_cpus (when not NULL) gets the number of CPUs.  Returns 0 or an
 * error as counters__open_task().
 */
int counters__open_cpus(struct counters *cs, unsigned int *nr_cpus);

/*
 * counters__enable, counters__disable - start or stop every counter
 * opened (PERF_EVENT_IOC_ENABLE / _DISABLE).  Returns 0 or the first
 * -errno of ioctl().
 */
int counters__enable(struct counters *cs);
int counters__disable(struct counters *cs);

/*
 * counters__read - the current totals, one struct evcount per event in
 * @out (@nr events of counters__new()): value, enabled and running
 * nanoseconds summed over the event's counters; err is the -errno that
 * made the event unsupported, or 0.  Returns 0 or the -errno of read().
 */
int counters__read(const struct counters *cs, struct evcount *out);

#endif /* SONDE_COUNTER_H */
