/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recording layer: the task and MMAP records of a recording (its EVENTS
 * sections, uapi/sonde.h), loaded with the metadata: when each process
 * exec'ed, what each thread was called when, and the executable mappings
 * the module reported, grouped by process and exec "epoch" (the stretch
 * of a process's life between two execs).
 *
 * The module writes these as things happen, in the task concerned, so
 * they are right for processes that lived a few milliseconds, and they
 * tell two images at the same addresses apart where /proc snapshots,
 * taken later, cannot.  Records come from an untrusted file: each is
 * checked, and a bad one is skipped and counted.
 *
 * Single-threaded.  Built by task_events__load() on every EVENTS section,
 * then task_events__finish(); read-only afterwards.
 */
#ifndef SONDE_EVENTS_H
#define SONDE_EVENTS_H

#include <stdbool.h>
#include <linux/types.h>

#include "lib/hmap.h"
#include "recording/addrspace.h"

struct task_events;

int task_events__new(struct task_events **te, struct hmap *strings);
void task_events__free(struct task_events *te);

/*
 * task_events__load - take the records of one EVENTS payload (@data,
 * @size bytes: struct srec_records then ring records).  @data must stay
 * valid until task_events__free(): paths point into it.  Returns 0 or
 * -ENOMEM; malformed records are counted (task_events__nr_bad()).
 */
int task_events__load(struct task_events *te, const void *data, __u64 size);
/* Sort what was loaded by time; call once, after the last load. */
void task_events__finish(struct task_events *te);
__u64 task_events__nr_bad(const struct task_events *te);

/*
 * task_events__epoch - how many times process @pid exec'ed up to
 * @time_ns (CLOCK_MONOTONIC, like every record): its epoch then.
 */
unsigned int task_events__epoch(const struct task_events *te, __u32 pid,
				__u64 time_ns);

/*
 * task_events__epoch_end - the time epoch @epoch of @pid ended (the next
 * EXEC's, minus 1 ns), or UINT64_MAX for its last epoch.
 */
__u64 task_events__epoch_end(const struct task_events *te, __u32 pid,
			     unsigned int epoch);

/*
 * task_events__exec_comm - the name @pid took at the exec that began
 * @epoch (interned), or NULL (epoch 0, or no EXEC record).
 */
const char *task_events__exec_comm(const struct task_events *te, __u32 pid,
				   unsigned int epoch);

/*
 * task_events__thread_comm - what thread @tid was called at @time_ns:
 * the name of its last FORK (as the child), EXEC or COMM record at or
 * before then (interned), or NULL when none is.
 */
const char *task_events__thread_comm(const struct task_events *te,
				     __u32 tid, __u64 time_ns);

/*
 * task_events__period - the sampling period (ns) of CPU @cpu at @time_ns
 * that the last THROTTLE or UNTHROTTLE record at or before then set, in
 * *@period_ns; false when none did (the configured period holds).
 */
bool task_events__period(const struct task_events *te, __u32 cpu,
			 __u64 time_ns, __u64 *period_ns);
/* How many THROTTLE and UNTHROTTLE records were loaded. */
size_t task_events__nr_periods(const struct task_events *te);

/*
 * task_events__snapshots - call @add once per process and epoch that
 * has MMAP records, with a snapshot of every distinct mapping reported
 * in that epoch: @snap->time_ns is the epoch's end, @snap->epoch set,
 * @snap->comm NULL, @snap->maps allocated (the callee owns it, as
 * proc__add_snapshot() does).  Stops at, and returns, the first non-zero
 * value of @add; or -ENOMEM.
 */
int task_events__snapshots(struct task_events *te,
			   int (*add)(void *ctx, __u32 pid,
				      struct snapshot *snap),
			   void *ctx);

#endif /* SONDE_EVENTS_H */
