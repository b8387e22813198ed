/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: a snapshot of every thread of one process, where it is
 * now (SONDE_IOC_SNAPSHOT, uapi "Thread snapshots"), checked record by
 * record, and written as a recording of one sample per thread so that
 * the profile model unwinds and symbolizes it like any other recording.
 *
 * Single-threaded; nothing here is global.
 */
#ifndef SONDE_THREADSNAP_H
#define SONDE_THREADSNAP_H

#include <linux/types.h>

#include "sonde.h"

struct threadsnap_opts {
	__u32 max_threads;	/* 1 .. SONDE_SNAPSHOT_MAX_THREADS */
	__u32 kernel_depth;	/* frames, <= info.max_kernel_depth */
	__u32 user_depth;	/* frames, <= info.max_user_depth */
	__u32 stack_bytes;	/* user stack per thread, a multiple of 8 */
};

/*
 * struct threadsnap - what the kernel answered: @req its counts and
 * flags, @threads its @nr records (in @buf), each checked to fit its
 * size and the buffer.
 */
struct threadsnap {
	struct sonde_snapshot req;
	void *buf;
	const struct sonde_thread_snapshot **threads;
	__u32 nr;
};

/*
 * threadsnap__take - snapshot process @pid (in our pid namespace) through
 * the open device @dev_fd.  The buffer is sized from the process's thread
 * count (/proc/PID/status), up to @o->max_threads threads and 256 MiB;
 * req.out_flags says when not every thread fit.
 * Returns 0, or -errno: -ESRCH (no such process), -EOPNOTSUPP (the module
 * has no SNAPSHOT), -EPROTO (a record that does not fit its size), the
 * ioctl's errors.
 */
int threadsnap__take(int dev_fd, __u32 pid, const struct threadsnap_opts *o,
		     struct threadsnap **out);
void threadsnap__free(struct threadsnap *s);

/*
 * threadsnap__write_recording - @s as a recording in @fd: a SESSION
 * (capture: chains and stack copies, @info after it), the process's maps
 * (record/procmap.h), one SAMPLE per thread at the snapshot's time, in the
 * RECORDS of the CPU it ran on, with its frames and stack copy (the
 * thread's tid is the sample's), the kernel's symbols, and END.
 * Returns 0 or -errno.
 */
int threadsnap__write_recording(const struct threadsnap *s, __u32 pid,
				const struct sonde_info *info, int fd);

#endif /* SONDE_THREADSNAP_H */
