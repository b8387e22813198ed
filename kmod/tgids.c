// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: the set of thread groups a session samples, by struct pid.
 *
 * Comparing struct pid pointers, not numbers, cannot be fooled by another
 * namespace's numbers or by a reused pid: the set holds a reference on
 * each member, so its address stays taken until the session ends.
 *
 * An open-addressing hash set that only grows: filled at CONFIGURE from
 * the caller's list, then, with SONDE_CONFIG_FOLLOW_FORKS, by the FORK
 * probe when a member forks a new process.  Members never leave while
 * the session lives (an exited process's pid matches no running task).
 *
 * Contexts: sonde_tgids_contains() from hard irq or NMI (the sampling
 * path) and from probes; sonde_tgids_add() from process context (at
 * CONFIGURE) and from the FORK tracepoint (preemption off), on any CPU,
 * concurrently.  Neither sleeps, allocates or spins.
 *
 * Ordering: an adder takes its reference, then publishes the pointer with
 * cmpxchg() (a full barrier) into an empty slot; readers load slots with
 * READ_ONCE() and only compare the pointers, never dereference them.  The
 * FORK probe publishes the child before wake_up_new_task() lets it run,
 * and the wakeup orders that store before any of the child's samples.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/atomic.h>
#include "session.h"

/**
 * struct sonde_tgids - the set
 * @nr: members, and adders that reserved room for one
 * @max: most members: a quarter of the slots stay empty, so a probe
 *	sequence always ends on one
 * @bits: log2 of the number of slots
 * @slot: members, NULL for an empty slot
 */
struct sonde_tgids {
	atomic_t nr;
	u32 max;
	u32 bits;
	struct pid *slot[];
};

/**
 * sonde_tgids_alloc - an empty set for @max members
 * @max: at least 1
 *
 * Context: process.  Returns the set or NULL without memory.
 */
struct sonde_tgids *sonde_tgids_alloc(u32 max)
{
	u32 bits = order_base_2(max + max / 3 + 1);
	struct sonde_tgids *t;

	t = kvzalloc(struct_size(t, slot, 1UL << bits), GFP_KERNEL);
	if (!t)
		return NULL;
	t->max = max;
	t->bits = bits;
	return t;
}

/**
 * sonde_tgids_add - make @pid a member
 * @t: the set
 * @pid: a thread-group pid; the set takes its own reference
 *
 * Returns true when @pid is a member now (or already was), false when
 * the set is full.
 */
bool sonde_tgids_add(struct sonde_tgids *t, struct pid *pid)
{
	u32 mask = (1U << t->bits) - 1, i = hash_ptr(pid, t->bits);
	struct pid *old;

	if (atomic_inc_return(&t->nr) > t->max) {
		atomic_dec(&t->nr);
		return sonde_tgids_contains(t, pid);
	}
	get_pid(pid);
	for (;; i = (i + 1) & mask) {
		old = READ_ONCE(t->slot[i]);
		/* Full barrier; partner: READ_ONCE() in _contains(). */
		if (!old)
			old = cmpxchg(&t->slot[i], NULL, pid);
		if (!old)
			return true;
		if (old == pid)
			break;
	}
	/* Already a member: give back the room and the reference. */
	atomic_dec(&t->nr);
	put_pid(pid);
	return true;
}

/**
 * sonde_tgids_contains - is @pid a member of @t
 * @t: the set
 * @pid: compared by address; may be NULL (a group leader being reaped)
 */
bool sonde_tgids_contains(const struct sonde_tgids *t, const struct pid *pid)
{
	u32 mask = (1U << t->bits) - 1, i;
	const struct pid *p;

	if (!pid)
		return false;
	for (i = hash_ptr((void *)pid, t->bits);; i = (i + 1) & mask) {
		p = READ_ONCE(t->slot[i]);
		if (p == pid)
			return true;
		if (!p)
			return false;
	}
}

/**
 * sonde_tgids_free - drop every member's reference, and the set
 * @t: the set, NULL allowed; no reader or adder may run any more
 */
void sonde_tgids_free(struct sonde_tgids *t)
{
	u32 i;

	if (!t)
		return;
	for (i = 0; i < 1U << t->bits; i++)
		put_pid(t->slot[i]);
	kvfree(t);
}
