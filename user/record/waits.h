/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: who waits for whom in a thread snapshot (threadsnap.h).
 *
 * A thread blocked in futex(2) waits on the futex word its first argument
 * names.  Where the word's owner can be known, the thread waits for that
 * owner:
 * - a PI futex (FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_WAIT_REQUEUE_PI):
 *   the kernel's protocol puts the owner's tid in the word's low bits
 *   (FUTEX_TID_MASK, linux/futex.h);
 * - a glibc mutex (FUTEX_WAIT on a word): glibc keeps the owner's tid in
 *   the int that follows the lock word and its count (struct
 *   __pthread_mutex_s: __lock, __count, __owner on x86-64), read from the
 *   process; it counts only when it names a thread of the process and
 *   the lock word says locked, so a condition variable or a semaphore
 *   is not taken for a mutex (a "likely" owner, as the output says).
 * A cycle of waits is a likely deadlock.
 *
 * Reading the process's memory needs the rights of process_vm_readv(2)
 * (ptrace access); without them owners stay unknown.  Single-threaded;
 * nothing here is global.
 */
#ifndef SONDE_WAITS_H
#define SONDE_WAITS_H

#include <stdbool.h>
#include <linux/types.h>

#include "record/threadsnap.h"

/* Per thread of the snapshot, in its order. */
struct wait_edge {
	__u64 futex;		/* the futex word it waits on, 0: none */
	__u32 owner;		/* index + 1 of the thread that holds it */
	bool pi;		/* the owner came from a PI futex word */
	__u32 cycle;		/* 1 + the cycle it is in, 0: none */
};

struct waits {
	struct wait_edge *edges;	/* snapshot->nr entries */
	__u32 nr_cycles;
};

/*
 * waits__analyze - the wait-for graph of @s, a snapshot of process @pid.
 * Returns 0 or -ENOMEM; owners that cannot be read stay unknown.
 */
int waits__analyze(struct waits *w, const struct threadsnap *s, __u32 pid);
void waits__free(struct waits *w);

#endif /* SONDE_WAITS_H */
