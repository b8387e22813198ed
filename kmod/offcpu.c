// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: off-CPU samples (SONDE_CONFIG_OFFCPU): where a thread of the
 * session waited, and for how long.
 *
 * When a thread leaves its CPU blocked (sched_switch with a prev_state
 * other than TASK_RUNNING: a preempted thread still wants to run), its
 * call chains are taken there, as it leaves: the kernel's by ORC, the
 * user's by frame pointers, and with SONDE_CAPTURE_USER_STACK the top of
 * its user stack (at most SONDE_OFFCPU_MAX_STACK bytes), from which the
 * tool unwinds out of a C library built without frame pointers.  They wait in a slot of the session's table
 * of blocked threads, keyed by the thread's id.  When the scheduler
 * switches the thread back in, one SAMPLE record is written into that
 * CPU's ring if the wait was at least the session's threshold: its event
 * is SONDE_EVENT_OFFCPU and its period the wait in ns.  The chains are
 * taken at every block, because only the thread itself can read its user
 * stack (its mm is loaded only while it runs); the record waits for the
 * return, because only then is the wait's length known.
 *
 * Contexts: both ends run in the sched_switch tracepoint, inside
 * __schedule() with the run queue locked and interrupts off, on the CPU
 * doing the switch: leaving as prev, which is current (its own stack and
 * mm: user memory is read only through copy_from_user_nofault() and
 * unsafe_get_user() with page faults off), returning for next, which does
 * not run yet.  Nothing here sleeps, allocates or spins.
 *
 * Ordering of a slot: the leaving thread claims it with cmpxchg() on its
 * key (0 to its tid), which orders the claim before the stores that fill
 * it.  The thread then sleeps; whoever wakes it goes through
 * try_to_wake_up() and the run-queue locks, which order everything the
 * thread did before it blocked before its next switch-in, on whatever
 * CPU (the scheduler's own guarantee, on which any state a task writes
 * before sleeping relies).  The switch-in reads the slot, writes the
 * record, then frees the slot with smp_store_release() of key 0, which
 * pairs with the cmpxchg() of the next claim.
 *
 * Bounds: SONDE_OFFCPU_SLOTS slots, each thread's looked for among
 * OFFCPU_PROBES from its hash; a thread that finds none free is counted
 * in lost[SONDE_LOST_OFFCPU_FULL] and not sampled.  A thread still
 * blocked at STOP keeps its slot until the next START clears them all.
 * Kernel threads and io_uring/vhost workers, which have no user context,
 * are left out.
 *
 * Lifetime: the table belongs to the session's configuration (freed with
 * it, as the tgid filter is); the probe is registered from START to STOP,
 * which waits until no probe runs (tracepoint_synchronize_unregister()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/tracepoint.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/stacktrace.h>
#include <linux/module.h>
#include <linux/hash.h>
#include <linux/vmalloc.h>
#include <linux/timekeeping.h>
#include <trace/events/sched.h>
#include "session.h"
#include "ring.h"
#include "compat.h"

/* Slots looked at from a thread's hash before it counts as lost. */
#define OFFCPU_PROBES		32
/*
 * The kernel chain is taken from inside this module's probe: room for
 * the probe's own frames, which are dropped.
 */
#define OFFCPU_OWN_FRAMES	4

/**
 * struct offcpu_slot - a blocked thread's chains, waiting for its return
 * @key: the thread's id (global pid number); 0: free
 * @nr_kernel: kernel frames at @frames
 * @nr_user: user frames after them
 * @flags: SONDE_SAMPLE_* bits for the record
 * @stack_size: bytes of user stack copied after @frames' room
 * @__pad: zero
 * @time_ns: when it left its CPU (CLOCK_MONOTONIC)
 * @user_ip: its user registers: instruction pointer,
 * @user_sp: stack pointer,
 * @user_bp: frame pointer (these two with SONDE_CAPTURE_USER_REGS)
 * @frames: kernel frames, then user frames; after the room for them
 *	(struct sonde_offcpu.frames_room), the user stack copy
 */
struct offcpu_slot {
	u32 key;
	u16 nr_kernel;
	u16 nr_user;
	u16 flags;
	u16 stack_size;
	u16 __pad[2];
	u64 time_ns;
	u64 user_ip;
	u64 user_sp;
	u64 user_bp;
	u64 frames[];
};

/**
 * struct sonde_offcpu - a session's table of blocked threads
 * @min_ns: shortest wait that makes a sample
 * @kernel_depth: kernel frames per sample at most (0: none)
 * @user_depth: user frames per sample at most
 * @stack_bytes: user stack copied per sample at most
 * @frames_room: slots of @frames in a slot, the stack copy after them
 * @stride: bytes per slot
 * @slots: SONDE_OFFCPU_SLOTS of them
 */
struct sonde_offcpu {
	u64 min_ns;
	u32 kernel_depth;
	u32 user_depth;
	u32 stack_bytes;
	u32 frames_room;
	u32 stride;
	u8 slots[] __aligned(8);
};

static struct tracepoint *tp_switch;
/* The session whose probe is registered. */
static struct sonde_session *offcpu_session;

static struct offcpu_slot *slot_at(struct sonde_offcpu *oc, u32 i)
{
	return (struct offcpu_slot *)(oc->slots +
				      (size_t)(i % SONDE_OFFCPU_SLOTS) *
				      oc->stride);
}

static struct offcpu_slot *slot_claim(struct sonde_offcpu *oc, u32 tid)
{
	u32 h = hash_32(tid, 32), i;

	for (i = 0; i < OFFCPU_PROBES; i++) {
		struct offcpu_slot *slot = slot_at(oc, h + i);

		if (!READ_ONCE(slot->key) && !cmpxchg(&slot->key, 0, tid))
			return slot;
	}
	return NULL;
}

static struct offcpu_slot *slot_find(struct sonde_offcpu *oc, u32 tid)
{
	u32 h = hash_32(tid, 32), i;

	for (i = 0; i < OFFCPU_PROBES; i++) {
		struct offcpu_slot *slot = slot_at(oc, h + i);

		if (READ_ONCE(slot->key) == tid)
			return slot;
	}
	return NULL;
}

/* The kernel chain of current from here, without this module's frames. */
static u16 leave_kernel_chain(struct sonde_offcpu *oc, u64 *frames,
			      u16 *flags)
{
	unsigned long *entries = (unsigned long *)frames;
	unsigned int n, skip = 0;

	BUILD_BUG_ON(sizeof(unsigned long) != sizeof(u64));
	n = stack_trace_save(entries, oc->kernel_depth + OFFCPU_OWN_FRAMES,
			     0);
	while (skip < n && within_module(entries[skip], THIS_MODULE))
		skip++;
	n -= skip;
	if (n > oc->kernel_depth) {
		n = oc->kernel_depth;
		*flags |= SONDE_SAMPLE_KERNEL_TRUNCATED;
	}
	memmove(entries, entries + skip, n * sizeof(*entries));
	return n;
}

/* @prev (current) blocks: take its chains into a slot. */
static void offcpu_leave(struct sonde_session *s, struct task_struct *prev)
{
	const struct sonde_sampler *sp = &s->sampler;
	struct sonde_offcpu *oc = sp->offcpu;
	struct offcpu_slot *slot;
	struct pt_regs *uregs;
	bool trunc = false;
	u16 flags = 0, nk = 0;

	if ((prev->flags & (SONDE_PF_NO_USER | PF_EXITING)) || !prev->mm ||
	    !sonde_tgid_wanted(sp, prev))
		return;
	slot = slot_claim(oc, prev->pid);
	if (!slot) {
		struct sonde_ring *ring = s->bufs->rings[smp_processor_id()];

		if (ring)
			sonde_ring_lose(ring, SONDE_LOST_OFFCPU_FULL);
		return;
	}
	slot->time_ns = ktime_get_mono_fast_ns();
	if (!sp->kernel_allowed)
		flags |= SONDE_SAMPLE_KERNEL_HIDDEN;
	else if (oc->kernel_depth)
		nk = leave_kernel_chain(oc, slot->frames, &flags);
	uregs = task_pt_regs(prev);
	slot->user_ip = uregs->ip;
	slot->user_sp = 0;
	slot->user_bp = 0;
	if (sp->capture & SONDE_CAPTURE_USER_REGS) {
		flags |= SONDE_SAMPLE_USER_REGS;
		slot->user_sp = uregs->sp;
		slot->user_bp = uregs->bp;
	}
	slot->nr_user = sonde_user_chain(slot->frames + nk, oc->user_depth,
					 uregs, &trunc);
	slot->stack_size = 0;
	if (oc->stack_bytes && (flags & SONDE_SAMPLE_USER_REGS)) {
		u32 want = sonde_user_stack_want(uregs->sp, oc->stack_bytes);

		slot->stack_size = sonde_user_stack((u8 *)(slot->frames +
							   oc->frames_room),
						    uregs->sp, want);
		if (slot->stack_size < want)
			flags |= SONDE_SAMPLE_USER_STACK_SHORT;
	}
	if (trunc)
		flags |= SONDE_SAMPLE_USER_TRUNCATED;
	slot->nr_kernel = nk;
	slot->flags = flags;
}

/* @next comes back after @slot's wait of @wait_ns: write its sample. */
static void offcpu_write(struct sonde_session *s, struct task_struct *next,
			 const struct offcpu_slot *slot, u64 now, u64 wait_ns)
{
	const struct sonde_sampler *sp = &s->sampler;
	const struct sonde_offcpu *oc = sp->offcpu;
	struct sonde_sample_event ev = {
		.event = SONDE_EVENT_OFFCPU,
		.period = wait_ns,
	};
	u32 nframes = slot->nr_kernel + slot->nr_user, len;
	struct sonde_sample *rec;
	struct sonde_ring *ring;

	ring = s->bufs->rings[smp_processor_id()];
	if (!ring)
		return;
	local64_inc(&ring->samples);
	rec = sonde_ring_begin(ring, sp->max_record, now);
	if (!rec)
		return;
	rec->hdr.type = SONDE_RECORD_SAMPLE;
	rec->time_ns = now;
	rec->cpu = smp_processor_id();
	rec->context = SONDE_CTX_KERNEL;
	rec->flags = slot->flags | SONDE_SAMPLE_EVENT |
		     sonde_sample_pids(sp, next, rec);
	rec->ip = slot->nr_kernel ? slot->frames[0] : 0;
	rec->user_ip = slot->user_ip;
	rec->user_sp = slot->user_sp;
	rec->user_bp = slot->user_bp;
	rec->nr_kernel = slot->nr_kernel;
	rec->nr_user = slot->nr_user;
	rec->user_stack_size = slot->stack_size;
	memcpy(rec->frames, slot->frames, nframes * sizeof(u64));
	len = sizeof(*rec) + nframes * sizeof(u64);
	memcpy((u8 *)rec + len, slot->frames + oc->frames_room,
	       slot->stack_size);
	len += slot->stack_size;
	/* Padding must read as zero: the ring may hold older bytes here. */
	memset((u8 *)rec + len, 0, ALIGN(len, 8) - len);
	len = ALIGN(len, 8);
	memcpy((u8 *)rec + len, &ev, sizeof(ev));
	len += sizeof(ev);
	rec->hdr.size = len;
	sonde_ring_end(ring, len);
}

/* @next is switched in: if it waited in a slot, sample the wait. */
static void offcpu_return(struct sonde_session *s, struct task_struct *next)
{
	struct sonde_offcpu *oc = s->sampler.offcpu;
	struct offcpu_slot *slot;
	u64 now, wait_ns;

	if (!next->pid)
		return;
	slot = slot_find(oc, next->pid);
	if (!slot)
		return;
	now = ktime_get_mono_fast_ns();
	/* The fast clock read in NMI may step back: no negative wait. */
	wait_ns = now > slot->time_ns ? now - slot->time_ns : 0;
	if (wait_ns >= oc->min_ns)
		offcpu_write(s, next, slot, now, wait_ns);
	/* Pairs with the cmpxchg() of the next claim: see the file comment. */
	smp_store_release(&slot->key, 0);
}

static void probe_switch(void *data, bool preempt, struct task_struct *prev,
			 struct task_struct *next, unsigned int prev_state)
{
	struct sonde_session *s = READ_ONCE(offcpu_session);

	if (!s)
		return;
	if (!preempt && prev_state != TASK_RUNNING)
		offcpu_leave(s, prev);
	offcpu_return(s, next);
}

/*
 * Never called, so never emitted: makes the compiler check the probe
 * against the tracepoint's prototype in the headers being built against.
 */
static void __maybe_unused offcpu_typecheck(void)
{
	register_trace_sched_switch(probe_switch, NULL);
}

static void find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_switch"))
		tp_switch = tp;
}

/**
 * sonde_offcpu_init - find the sched_switch tracepoint, at module load
 *
 * Returns true when it exists (SONDE_FEAT_OFFCPU).
 */
bool sonde_offcpu_init(void)
{
	for_each_kernel_tracepoint(find_tracepoint, NULL);
	if (!tp_switch)
		pr_info("sched_switch tracepoint not found: no off-CPU samples\n");
	return tp_switch;
}

/**
 * sonde_offcpu_alloc - a table of blocked threads, at CONFIGURE
 * @min_ns: shortest wait that makes a sample
 * @kernel_depth: kernel frames per sample (0: none)
 * @user_depth: user frames per sample
 * @stack_bytes: user stack copied per sample, a multiple of 8 at most
 *	SONDE_OFFCPU_MAX_STACK (0: none)
 *
 * Returns the table or NULL (no memory).  Process context.
 */
struct sonde_offcpu *sonde_offcpu_alloc(u64 min_ns, u32 kernel_depth,
					u32 user_depth, u32 stack_bytes)
{
	u32 room = kernel_depth + OFFCPU_OWN_FRAMES + user_depth;
	u32 stride = sizeof(struct offcpu_slot) + room * sizeof(u64) +
		     stack_bytes;
	struct sonde_offcpu *oc;

	oc = vzalloc(sizeof(*oc) + (size_t)SONDE_OFFCPU_SLOTS * stride);
	if (!oc)
		return NULL;
	oc->min_ns = min_ns;
	oc->kernel_depth = kernel_depth;
	oc->user_depth = user_depth;
	oc->stack_bytes = stack_bytes;
	oc->frames_room = room;
	oc->stride = stride;
	return oc;
}

void sonde_offcpu_free(struct sonde_offcpu *oc)
{
	vfree(oc);
}

/**
 * sonde_offcpu_arm - start sampling waits for @s
 * @s: the session, configured with a table, its lock held
 *
 * Slots left by threads blocked at an earlier STOP are cleared first, so
 * that none returns with an old time.  Returns 0 or the -errno of
 * tracepoint_probe_register(), with nothing registered.
 */
int sonde_offcpu_arm(struct sonde_session *s)
{
	struct sonde_offcpu *oc = s->sampler.offcpu;
	int ret;

	memset(oc->slots, 0, (size_t)SONDE_OFFCPU_SLOTS * oc->stride);
	WRITE_ONCE(offcpu_session, s);
	ret = tracepoint_probe_register(tp_switch, probe_switch, NULL);
	if (ret)
		WRITE_ONCE(offcpu_session, NULL);
	return ret;
}

/**
 * sonde_offcpu_disarm - stop, and wait until no probe runs
 * @s: the session, with its lock held
 */
void sonde_offcpu_disarm(struct sonde_session *s)
{
	tracepoint_probe_unregister(tp_switch, probe_switch, NULL);
	/* After this no probe runs, and none will see offcpu_session. */
	tracepoint_synchronize_unregister();
	WRITE_ONCE(offcpu_session, NULL);
}
