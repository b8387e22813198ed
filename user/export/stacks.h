/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: sonde stacks' view of a thread snapshot: threads grouped
 * by identical stack (like jstack or py-spy dump, native, kernel and JIT
 * frames alike), each group with its threads' names, states, time off
 * the CPU and system call, the groups that waited longest first; then
 * the futexes more than one thread waits on, and the likely deadlocks
 * (record/waits.h finds them; the caller passes them in).
 *
 * The profile (profile/profile.h) is the snapshot's recording
 * (record/threadsnap.h) built with every sample kept: one sample per
 * thread, whose tid names its entry in the snapshot.  Text for people,
 * or JSON (RFC 8259) for machines:
 *   { "pid", "time_ns", "threads_total", "partial",
 *     "groups": [ { "threads": [ { "tid", "comm", "state", "cpu",
 *                   "off_cpu_ns" (or null), "syscall" (name, or null),
 *                   "futex" (or null), "waits_for" (tid, or null),
 *                   "changed" } ],
 *                   "frames": [ { "function", "dso", "kind" } ] } ],
 *     "deadlocks": [ [ tid, ... ] ] }
 * with frames innermost first and kind "kernel", "user" or "jit".
 */
#ifndef SONDE_EXPORT_STACKS_H
#define SONDE_EXPORT_STACKS_H

#include <stdbool.h>
#include <stdio.h>

#include "profile/profile.h"
#include "sonde.h"

/*
 * struct stacks_thread - one thread of the snapshot: its record @snap,
 * the futex word it waits on (@futex, 0: none), the thread holding it
 * (@owner: index + 1 in the same array, 0: unknown) and the wait cycle it
 * is in (@cycle: 1 + its number, 0: none).
 */
struct stacks_thread {
	const struct sonde_thread_snapshot *snap;
	__u64 futex;
	__u32 owner;
	__u32 cycle;
};

/* struct stacks_input - the snapshot @req of process @pid, its threads. */
struct stacks_input {
	const struct sonde_snapshot *req;
	__u32 pid;
	const struct stacks_thread *threads;
	__u32 nr;
	__u32 nr_cycles;
};

/*
 * stacks__write - the groups of @p (the recording of snapshot @in) to
 * @out, as JSON when @json.  Returns 0, -ENOMEM, or the -errno of the
 * failing write.
 */
int stacks__write(const struct profile *p, const struct stacks_input *in,
		  bool json, FILE *out);

#endif /* SONDE_EXPORT_STACKS_H */
