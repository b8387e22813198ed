// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: turn one interrupted context into one SAMPLE record.
 *
 * Runs in the context of the source: hard irq for the timer (an NMI for a
 * PMU source later), on the CPU whose ring receives the record, with the
 * interrupted task as current.  It never sleeps, allocates or spins: the
 * record is built in place in the ring, reserved at its largest possible
 * size (the data pages are mapped twice, so the reservation is contiguous),
 * then committed at its real size.  User memory is read only through
 * copy_from_user_nofault(), which fails instead of faulting.
 *
 * Order of work is cheapest first: the tgid filter runs before anything
 * touches the ring, so that tasks outside the session cost a lookup only.
 */
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>
#include <linux/nospec.h>
#include <linux/timekeeping.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <asm/unwind.h>
#include <asm/ptrace.h>
#include "session.h"
#include "ring.h"
#include "throttle.h"
#include "compat.h"

/**
 * sonde_sample_max_record - largest SAMPLE record for the given limits
 * @kernel_depth: kernel frames at most
 * @user_depth: user frames at most
 * @user_stack_bytes: bytes of user stack (a multiple of 8)
 * @events: perf counters sample too (struct sonde_sample_event)
 */
u32 sonde_sample_max_record(u32 kernel_depth, u32 user_depth,
			    u32 user_stack_bytes, bool events)
{
	return sizeof(struct sonde_sample) +
	       (kernel_depth + user_depth) * sizeof(u64) + user_stack_bytes +
	       (events ? sizeof(struct sonde_sample_event) : 0);
}

/*
 * Does the session sample @task?  Its thread group is compared by struct
 * pid (tgids.c).  A group leader being reaped may already have a NULL
 * here; it matches nothing.
 */
bool sonde_tgid_wanted(const struct sonde_sampler *sp, struct task_struct *task)
{
	return !sp->tgids ||
	       sonde_tgids_contains(sp->tgids,
				    READ_ONCE(task->signal->pids[PIDTYPE_TGID]));
}

/*
 * pid and tid as the opener's pid namespace sees them (perf reports them
 * the same way); 0 and SONDE_SAMPLE_PID_OUTSIDE for a task that namespace
 * cannot see.  The initial namespace is the common case and needs no
 * lookup.  Also for offcpu.c, whose @task is not current.
 */
u16 sonde_sample_pids(const struct sonde_sampler *sp, struct task_struct *task,
		      struct sonde_sample *rec)
{
	if (is_idle_task(task)) {
		rec->pid = 0;
		rec->tid = 0;
		return 0;
	}
	if (sp->pid_ns == &init_pid_ns) {
		rec->pid = task->tgid;
		rec->tid = task->pid;
		return 0;
	}
	rec->pid = task_tgid_nr_ns(task, sp->pid_ns);
	rec->tid = task_pid_nr_ns(task, sp->pid_ns);
	return rec->pid && rec->tid ? 0 : SONDE_SAMPLE_PID_OUTSIDE;
}

/*
 * The kernel call chain through the ORC unwinder, starting at the
 * interrupted IP.  Given regs, __unwind_start() already steps past the
 * interrupted frame, so the first address it yields is its caller's.
 * Registers a software counter made with perf_fetch_caller_regs() (the
 * context switch's) are the caller's own frame, whose return address the
 * unwinder yields first: that copy of the IP is dropped.
 */
u32 sonde_kernel_chain(u64 *frames, u32 max, struct pt_regs *regs,
		       bool *truncated)
{
	struct unwind_state state;
	u32 n = 0;

	if (!max)
		return 0;
	frames[n++] = regs->ip;
	for (unwind_start(&state, current, regs, NULL); !unwind_done(&state);
	     unwind_next_frame(&state)) {
		unsigned long addr = unwind_get_return_address(&state);

		if (!addr)
			break;
		if (n == 1 && addr == regs->ip)
			continue;
		if (n >= max) {
			*truncated = true;
			break;
		}
		frames[n++] = addr;
	}
	return n;
}

/*
 * The user call chain by frame pointers: each frame is {saved rbp, return
 * address} at rbp.  Frames must lie above the user SP and grow upward, so
 * the walk ends on garbage instead of looping; a frame that cannot be read
 * without faulting ends it too.
 *
 * The first frame is read with copy_from_user_nofault(), which also checks
 * that current's mm is the one loaded (nmi_uaccess_okay(), which modules
 * cannot call); that cannot change while this interrupt runs.  Every later
 * frame lies between that one and the end of the user address space, so
 * one user-access window (one access_ok(), one STAC, one speculation
 * barrier, one CLAC) covers them all, and each frame costs two plain loads
 * with page faults disabled.  A frame pointer is clamped to the window
 * with array_index_nospec() before it is loaded through: the bounds check
 * before it is a branch, which the CPU could otherwise speculate past.
 */
u32 sonde_user_chain(u64 *frames, u32 max, struct pt_regs *uregs,
		     bool *truncated)
{
	const unsigned long __user *ufp;
	unsigned long fp = uregs->bp;
	unsigned long frame[2];
	/* The highest address a frame can start at. */
	const unsigned long last = TASK_SIZE_MAX - sizeof(frame);
	u32 n = 0;

	if (!max)
		return 0;
	frames[n++] = uregs->ip;
	if (!user_64bit_mode(uregs) || !fp || (fp & (sizeof(long) - 1)) ||
	    fp < uregs->sp || fp > last)
		return n;
	if (copy_from_user_nofault(frame, (const void __user *)fp,
				   sizeof(frame)))
		return n;

	pagefault_disable();
	if (!user_read_access_begin((const void __user *)fp,
				    TASK_SIZE_MAX - fp)) {
		pagefault_enable();
		return n;
	}
	while (frame[1]) {
		if (n >= max) {
			*truncated = true;
			break;
		}
		frames[n++] = frame[1];
		if (frame[0] <= fp || (frame[0] & (sizeof(long) - 1)) ||
		    frame[0] > last)
			break;
		fp = array_index_nospec(frame[0], last + 1);
		ufp = (const unsigned long __user *)fp;
		unsafe_get_user(frame[0], ufp, out_fault);
		unsafe_get_user(frame[1], ufp + 1, out_fault);
	}
out_fault:
	user_read_access_end();
	pagefault_enable();
	return n;
}

/**
 * sonde_user_stack_want - bytes of current's user stack worth copying
 * @sp: the user stack pointer
 * @want: bytes asked for
 *
 * On the main thread's stack nothing above mm->start_stack (where argc
 * lies, then argv, the environment and the auxiliary vector) can hold a
 * frame: the copy stops there, which for a shallow stack is most of it.
 * A thread stack is never that close below it (the stack's guard gap).
 * Context: current's, in any context (one read of its mm).
 */
u32 sonde_user_stack_want(unsigned long sp, u32 want)
{
	const struct mm_struct *mm = current->mm;
	unsigned long top = mm ? READ_ONCE(mm->start_stack) : 0;

	if (sp < top && top - sp < want)
		return top - sp;
	return want;
}

/* Copy up to @want bytes from @sp, page by page, stopping at a hole. */
u32 sonde_user_stack(u8 *dst, unsigned long sp, u32 want)
{
	u32 done = 0;

	while (done < want) {
		u32 chunk = min_t(u32, want - done,
				  PAGE_SIZE - offset_in_page(sp + done));

		if (copy_from_user_nofault(dst + done,
					   (const void __user *)(sp + done),
					   chunk))
			break;
		done += chunk;
	}
	return done;
}

/*
 * Returns the record's size, which the caller commits.  @ev: the counter
 * that took it (its index and period), NULL for the timer.
 */
static u32 fill_sample(const struct sonde_sampler *sp, struct sonde_ring *ring,
		       struct sonde_sample *rec, struct pt_regs *regs, u64 now,
		       const struct sonde_sample_event *ev)
{
	struct task_struct *task = current;
	struct pt_regs *uregs = NULL;
	bool ktrunc = false, utrunc = false;
	u32 nk = 0, nu = 0, stack = 0, len;
	u16 flags = 0;

	rec->hdr.type = SONDE_RECORD_SAMPLE;
	rec->time_ns = now;
	/*
	 * Measured, not copied from the ring: a record from another CPU in
	 * this ring would mean a second producer on a single-producer ring.
	 */
	rec->cpu = smp_processor_id();
	WARN_ON_ONCE(rec->cpu != ring->cpu);
	flags |= sonde_sample_pids(sp, task, rec);

	if (user_mode(regs)) {
		rec->context = SONDE_CTX_USER;
		uregs = regs;
	} else {
		rec->context = is_idle_task(task) ? SONDE_CTX_IDLE :
						    SONDE_CTX_KERNEL;
		if (!(task->flags & SONDE_PF_NO_USER) && task->mm)
			uregs = task_pt_regs(task);
	}
	if (task->flags & SONDE_PF_NO_USER)
		flags |= SONDE_SAMPLE_KTHREAD;

	rec->ip = regs->ip;
	if (rec->context != SONDE_CTX_USER) {
		if (!sp->kernel_allowed) {
			rec->ip = 0;
			flags |= SONDE_SAMPLE_KERNEL_HIDDEN;
		} else if (sp->capture & SONDE_CAPTURE_KERNEL_CHAIN) {
			nk = sonde_kernel_chain(rec->frames, sp->kernel_depth,
						regs, &ktrunc);
		}
	}

	rec->user_ip = 0;
	rec->user_sp = 0;
	rec->user_bp = 0;
	if (uregs) {
		rec->user_ip = uregs->ip;
		if (sp->capture & SONDE_CAPTURE_USER_REGS) {
			flags |= SONDE_SAMPLE_USER_REGS;
			rec->user_sp = uregs->sp;
			rec->user_bp = uregs->bp;
		}
		if (sp->capture & SONDE_CAPTURE_USER_CHAIN)
			nu = sonde_user_chain(rec->frames + nk, sp->user_depth,
					      uregs, &utrunc);
		if (sp->user_stack_bytes) {
			u32 want = sonde_user_stack_want(uregs->sp,
							 sp->user_stack_bytes);

			stack = sonde_user_stack((u8 *)(rec->frames + nk + nu),
						 uregs->sp, want);
			if (stack < want)
				flags |= SONDE_SAMPLE_USER_STACK_SHORT;
		}
	}
	if (ktrunc)
		flags |= SONDE_SAMPLE_KERNEL_TRUNCATED;
	if (utrunc)
		flags |= SONDE_SAMPLE_USER_TRUNCATED;

	if (ev)
		flags |= SONDE_SAMPLE_EVENT;

	rec->flags = flags;
	rec->nr_kernel = nk;
	rec->nr_user = nu;
	rec->user_stack_size = stack;

	len = sizeof(*rec) + (nk + nu) * sizeof(u64) + stack;
	/* Padding must read as zero: the ring may hold older bytes here. */
	memset((u8 *)rec + len, 0, ALIGN(len, 8) - len);
	len = ALIGN(len, 8);
	if (ev) {
		memcpy((u8 *)rec + len, ev, sizeof(*ev));
		len += sizeof(*ev);
	}
	rec->hdr.size = len;
	return len;
}

/**
 * sonde_sample - record the context interrupted on this CPU
 * @sp: the session's sampling parameters
 * @ring: this CPU's ring
 * @regs: the interrupted registers
 * @ev: the perf counter that overflowed (its index and the period the
 *	sample stands for), NULL for the timer
 *
 * Context: hard irq (or NMI) on the ring's CPU, or a counter's overflow
 * with interrupts off (pmu.c).
 * Returns the nanoseconds it took (0 for a filtered or nested run), for
 * the source's overhead limit (throttle.c).
 */
u64 sonde_sample(const struct sonde_sampler *sp, struct sonde_ring *ring,
		 struct pt_regs *regs, const struct sonde_sample_event *ev)
{
	u64 now = ktime_get_mono_fast_ns();
	struct sonde_sample *rec;
	unsigned int bucket;
	u64 spent;

	if (!sonde_tgid_wanted(sp, current)) {
		local64_inc(&ring->filtered);
		return 0;
	}
	local64_inc(&ring->samples);
	if (!sonde_ring_enter(ring)) {
		sonde_ring_lose(ring, SONDE_LOST_NESTED);
		return 0;
	}

	rec = sonde_ring_reserve(ring, sp->max_record, now);
	if (rec)
		/* The size from our own stack, not read back from the ring. */
		sonde_ring_commit(ring, fill_sample(sp, ring, rec, regs, now,
						    ev));
	else
		sonde_ring_lose(ring, SONDE_LOST_RING_FULL);
	/* Even for a lost sample: later ones of this mapping need it. */
	if (sp->map_events && user_mode(regs))
		sonde_map_events_sample(sp->map_events, ring, regs->ip, now);

	/*
	 * The fast clock may step back across a timekeeping update when read
	 * from NMI (see ktime_get_mono_fast_ns()): count such a run as 0 ns.
	 */
	spent = max_t(s64, ktime_get_mono_fast_ns() - now, 0);
	WRITE_ONCE(ring->handler_ns_total, ring->handler_ns_total + spent);
	if (spent > ring->handler_ns_max)
		WRITE_ONCE(ring->handler_ns_max, spent);
	bucket = sonde_handler_hist_bucket(spent);
	WRITE_ONCE(ring->handler_hist[bucket], ring->handler_hist[bucket] + 1);
	sonde_ring_exit(ring);
	return spent;
}
