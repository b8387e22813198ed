// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: the wait-for graph of a thread snapshot (waits.h).
 *
 * The snapshot says which futex each thread waits on; the owners are
 * read from the process afterwards, so a lock released meanwhile can name
 * an owner that no longer holds it: the output calls owners and cycles
 * likely, never certain.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/futex.h>

#include "record/waits.h"

/* Offset of glibc's __owner in struct __pthread_mutex_s (x86-64). */
#define GLIBC_MUTEX_OWNER_OFFSET	8

static bool read_u32(__u32 pid, __u64 addr, __u32 *val)
{
	struct iovec local = { val, sizeof(*val) };
	struct iovec remote = { (void *)(unsigned long)addr, sizeof(*val) };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) ==
	       sizeof(*val);
}

static __u32 thread_index(const struct threadsnap *s, __u32 tid)
{
	__u32 i;

	for (i = 0; tid && i < s->nr; i++)
		if (s->threads[i]->tid == tid)
			return i + 1;
	return 0;
}

static void find_owner(struct wait_edge *e, const struct threadsnap *s,
		       __u32 pid, __u64 op)
{
	__u32 cmd = op & FUTEX_CMD_MASK, word, owner;

	if (!read_u32(pid, e->futex, &word))
		return;
	if (cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2 ||
	    cmd == FUTEX_WAIT_REQUEUE_PI) {
		e->owner = thread_index(s, word & FUTEX_TID_MASK);
		e->pi = true;
		return;
	}
	if ((cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && word &&
	    read_u32(pid, e->futex + GLIBC_MUTEX_OWNER_OFFSET, &owner))
		e->owner = thread_index(s, owner);
}

/* Mark the cycle through @start, if its waits lead back to it. */
static void mark_cycle(struct waits *w, __u32 nr, __u32 start)
{
	__u32 at = start, steps;

	for (steps = 0; steps <= nr; steps++) {
		at = w->edges[at].owner;
		if (!at)
			return;
		at--;
		if (w->edges[at].cycle)
			return;
		if (at == start)
			break;
	}
	if (at != start)
		return;
	w->nr_cycles++;
	do {
		w->edges[at].cycle = w->nr_cycles;
		at = w->edges[at].owner - 1;
	} while (at != start);
}

int waits__analyze(struct waits *w, const struct threadsnap *s, __u32 pid)
{
	__u32 i;

	w->nr_cycles = 0;
	w->edges = calloc(s->nr + 1, sizeof(*w->edges));
	if (!w->edges)
		return -ENOMEM;
	for (i = 0; i < s->nr; i++) {
		const struct sonde_thread_snapshot *t = s->threads[i];

		if (!(t->flags & SONDE_THREAD_SYSCALL) ||
		    t->syscall_nr != SYS_futex ||
		    t->state == SONDE_THREAD_RUNNING)
			continue;
		w->edges[i].futex = t->syscall_args[0];
		find_owner(&w->edges[i], s, pid, t->syscall_args[1]);
		/* Waiting on itself is no information. */
		if (w->edges[i].owner == i + 1)
			w->edges[i].owner = 0;
	}
	for (i = 0; i < s->nr; i++)
		if (!w->edges[i].cycle)
			mark_cycle(w, s->nr, i);
	return 0;
}

void waits__free(struct waits *w)
{
	free(w->edges);
	w->edges = NULL;
}
