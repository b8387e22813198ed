// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: SONDE_IOC_SNAPSHOT, every thread of one process where it is now,
 * without stopping it (uapi: "Thread snapshots").
 *
 * Contexts: the ioctl runs in the caller's process context and may sleep.
 * A thread on a CPU is captured there by a cross-CPU call, in hard irq with
 * that thread as current, exactly as a sample reads it (sample.c's
 * helpers); every other thread is read from here, from its saved state.
 *
 * What it relies on:
 * - Threads are pinned by a task reference taken under RCU while the
 *   thread list is walked.  That keeps the task_struct, not its kernel
 *   stack, which an exiting thread releases on its last put_task_stack();
 *   modules cannot call that (it is not exported), so the stack is not
 *   pinned but read under rcu_read_lock() once stack_refcount was seen
 *   non-zero: since v5.18 ("fork: Only cache the VMAP stack in
 *   finish_task_switch()") a released stack is either freed through
 *   call_rcu() (thread_stack_delayed_free()), so not before we leave the
 *   read-side section, or parked in a per-CPU cache where it stays
 *   mapped; cpus_read_lock() keeps CPU hotplug from freeing that cache
 *   meanwhile.  A stack reused meanwhile reads as garbage, which the ORC
 *   unwinder stops on, as it does for /proc/PID/stack of a thread that
 *   runs while it is read.
 * - A thread's off-CPU time is the scheduler's se.exec_start, the run
 *   queue's task clock when it last stopped running; without IRQ or
 *   paravirt time accounting (compat.h) that clock is sched_clock_cpu(),
 *   which local_clock() reads too.
 * - Its user memory is read through access_process_vm(), which takes the
 *   target's mmap lock (killably) and honours page protections.
 */
#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/syscall.h>
#include <asm/unwind.h>
#include "session.h"
#include "compat.h"

/* One thread being read: where its record is built, and how. */
struct snap_thread {
	struct task_struct *task;
	const struct sonde_snapshot *req;
	bool kernel_allowed;
	struct sonde_thread_snapshot *rec;
	bool on_cpu_done;	/* the cross-CPU call found it running */
};

/* The scheduler's state letter (task_state_index()) as the ABI's. */
static u8 thread_state(struct task_struct *t)
{
	static const u8 by_index[] = {
		SONDE_THREAD_RUNNABLE, SONDE_THREAD_SLEEPING,
		SONDE_THREAD_DISK, SONDE_THREAD_STOPPED,
		SONDE_THREAD_TRACED, SONDE_THREAD_DEAD, SONDE_THREAD_DEAD,
		SONDE_THREAD_PARKED, SONDE_THREAD_IDLE,
	};
	unsigned int i = task_state_index(t);

	return i < ARRAY_SIZE(by_index) ? by_index[i] : SONDE_THREAD_DEAD;
}

static bool has_user_side(struct task_struct *t)
{
	return !(t->flags & SONDE_PF_NO_USER) && READ_ONCE(t->mm);
}

/* The system call @uregs entered, as /proc/PID/syscall tells it. */
static void fill_syscall(struct sonde_thread_snapshot *rec,
			 struct task_struct *t, struct pt_regs *uregs)
{
	unsigned long args[6];
	long nr = syscall_get_nr(t, uregs);

	if (nr < 0)
		return;
	syscall_get_arguments(t, uregs, args);
	rec->syscall_nr = nr;
	rec->syscall_args[0] = args[0];
	rec->syscall_args[1] = args[1];
	rec->syscall_args[2] = args[2];
	rec->flags |= SONDE_THREAD_SYSCALL;
}

/*
 * Cross-CPU call: if the thread still runs here, read it as a sample
 * would.  The interrupted registers are not available to modules
 * (irq_regs is not exported): the unwinder finds them as the entry frame
 * it crosses, and the user ones are at the top of the thread's stack.
 */
static void snap_on_cpu(void *arg)
{
	struct snap_thread *st = arg;
	const struct sonde_snapshot *req = st->req;
	struct sonde_thread_snapshot *rec = st->rec;
	struct pt_regs *regs = NULL, *uregs;
	struct unwind_state state;
	bool trunc = false;
	u32 nk = 0, nu = 0;

	if (current != st->task)
		return;
	st->on_cpu_done = true;
	rec->state = SONDE_THREAD_RUNNING;
	rec->flags |= SONDE_THREAD_ON_CPU;
	if ((req->flags & SONDE_SNAPSHOT_KERNEL_CHAIN) && st->kernel_allowed) {
		for (unwind_start(&state, current, NULL, NULL);
		     !unwind_done(&state); unwind_next_frame(&state)) {
			regs = unwind_get_entry_regs(&state, NULL);
			if (regs)
				break;
		}
		if (regs && !user_mode(regs))
			nk = sonde_kernel_chain(rec->frames, req->kernel_depth,
						regs, &trunc);
		if (trunc)
			rec->flags |= SONDE_THREAD_KERNEL_TRUNCATED;
	}
	rec->nr_kernel = nk;
	if (!has_user_side(current))
		return;
	uregs = task_pt_regs(current);
	rec->user_ip = uregs->ip;
	rec->user_sp = uregs->sp;
	rec->user_bp = uregs->bp;
	rec->flags |= SONDE_THREAD_USER_REGS;
	fill_syscall(rec, current, uregs);
	trunc = false;
	if (req->flags & SONDE_SNAPSHOT_USER_CHAIN)
		nu = sonde_user_chain(rec->frames + nk, req->user_depth, uregs,
				      &trunc);
	if (trunc)
		rec->flags |= SONDE_THREAD_USER_TRUNCATED;
	rec->nr_user = nu;
	if (req->user_stack_bytes) {
		rec->user_stack_size =
			sonde_user_stack((u8 *)(rec->frames + nk + nu),
					 uregs->sp, req->user_stack_bytes);
		if (rec->user_stack_size < req->user_stack_bytes)
			rec->flags |= SONDE_THREAD_USER_STACK_SHORT;
	}
}

/*
 * A thread off its CPU: its kernel chain from where it switched out, and
 * its user registers, both from its kernel stack (see the top of the
 * file for why reading it here is safe).  Returns false when the stack
 * was already gone (an exited thread): nothing was read.
 */
static bool snap_saved_state(struct snap_thread *st, struct pt_regs *uregs)
{
	struct task_struct *t = st->task;
	struct sonde_thread_snapshot *rec = st->rec;
	struct unwind_state state;
	unsigned long addr;
	bool live;
	u32 nk = 0;

	cpus_read_lock();
	rcu_read_lock();
	live = refcount_read(&t->stack_refcount) && READ_ONCE(t->stack);
	if (live && (st->req->flags & SONDE_SNAPSHOT_KERNEL_CHAIN) &&
	    st->kernel_allowed && st->req->kernel_depth) {
		for (unwind_start(&state, t, NULL, NULL); !unwind_done(&state);
		     unwind_next_frame(&state)) {
			addr = unwind_get_return_address(&state);
			if (!addr)
				break;
			if (nk >= st->req->kernel_depth) {
				rec->flags |= SONDE_THREAD_KERNEL_TRUNCATED;
				break;
			}
			rec->frames[nk++] = addr;
		}
	}
	if (live && has_user_side(t))
		*uregs = *task_pt_regs(t);
	rcu_read_unlock();
	cpus_read_unlock();
	rec->nr_kernel = nk;
	return live;
}

/* The frame-pointer chain of @t's user side, read through its mm. */
static u32 remote_user_chain(struct task_struct *t, u64 *frames, u32 max,
			     const struct pt_regs *uregs, bool *truncated)
{
	unsigned long fp = uregs->bp, frame[2];
	u32 n = 0;

	if (!max)
		return 0;
	frames[n++] = uregs->ip;
	if (!user_64bit_mode((struct pt_regs *)uregs) || !fp ||
	    (fp & (sizeof(long) - 1)) || fp < uregs->sp)
		return n;
	for (;;) {
		if (access_process_vm(t, fp, frame, sizeof(frame), 0) !=
		    sizeof(frame) || !frame[1])
			break;
		if (n >= max) {
			*truncated = true;
			break;
		}
		frames[n++] = frame[1];
		if (frame[0] <= fp || (frame[0] & (sizeof(long) - 1)))
			break;
		fp = frame[0];
	}
	return n;
}

static void snap_off_cpu(struct snap_thread *st)
{
	const struct sonde_snapshot *req = st->req;
	struct sonde_thread_snapshot *rec = st->rec;
	struct task_struct *t = st->task;
	struct pt_regs uregs = {};
	bool trunc = false;
	u64 left, now;
	u32 nu = 0;
	int got;

	/*
	 * exec_start was stamped by the clock of the CPU the task last ran
	 * on; another CPU's sched_clock can be behind it (an unstable TSC,
	 * an emulated machine), which would hide the wait.
	 */
	left = READ_ONCE(t->se.exec_start);
	now = cpu_clock(task_cpu(t));
	if (SONDE_EXEC_START_IS_SCHED_CLOCK && left && now > left) {
		rec->off_cpu_ns = now - left;
		rec->flags |= SONDE_THREAD_OFF_CPU_TIME;
	}
	if (!snap_saved_state(st, &uregs) || !has_user_side(t))
		return;
	rec->user_ip = uregs.ip;
	rec->user_sp = uregs.sp;
	rec->user_bp = uregs.bp;
	rec->flags |= SONDE_THREAD_USER_REGS;
	fill_syscall(rec, t, &uregs);
	if (req->flags & SONDE_SNAPSHOT_USER_CHAIN)
		nu = remote_user_chain(t, rec->frames + rec->nr_kernel,
				       req->user_depth, &uregs, &trunc);
	if (trunc)
		rec->flags |= SONDE_THREAD_USER_TRUNCATED;
	rec->nr_user = nu;
	if (req->user_stack_bytes) {
		got = access_process_vm(t, uregs.sp,
					rec->frames + rec->nr_kernel + nu,
					req->user_stack_bytes, 0);
		rec->user_stack_size = max(got, 0);
		if (rec->user_stack_size < req->user_stack_bytes)
			rec->flags |= SONDE_THREAD_USER_STACK_SHORT;
	}
}

/* Build @st's record; returns its size. */
static u32 snap_thread(struct sonde_session *s, struct snap_thread *st)
{
	struct sonde_thread_snapshot *rec = st->rec;
	struct task_struct *t = st->task;
	unsigned long switches;
	u32 len, cpu;
	u8 state;

	memset(rec, 0, sizeof(*rec));
	rec->tid = task_pid_nr_ns(t, s->pid_ns);
	__get_task_comm(rec->comm, sizeof(rec->comm), t);
	if (!has_user_side(t))
		rec->flags |= SONDE_THREAD_KTHREAD;
	if (!st->kernel_allowed)
		rec->flags |= SONDE_THREAD_KERNEL_HIDDEN;
	state = thread_state(t);
	switches = READ_ONCE(t->nvcsw) + READ_ONCE(t->nivcsw);
	cpu = task_cpu(t);
	rec->cpu = cpu;
	rec->state = state;
	st->on_cpu_done = false;
	/* Itself: read from here, where it runs. */
	if (t == current) {
		rec->state = SONDE_THREAD_RUNNING;
		rec->cpu = raw_smp_processor_id();
		snap_off_cpu(st);
		rec->flags &= ~SONDE_THREAD_OFF_CPU_TIME;
	} else {
		if (READ_ONCE(t->on_cpu))
			smp_call_function_single(cpu, snap_on_cpu, st, 1);
		if (!st->on_cpu_done)
			snap_off_cpu(st);
		if (!st->on_cpu_done && READ_ONCE(t->on_cpu))
			rec->flags |= SONDE_THREAD_CHANGED;
		if (thread_state(t) != state || task_cpu(t) != cpu ||
		    READ_ONCE(t->nvcsw) + READ_ONCE(t->nivcsw) != switches)
			rec->flags |= SONDE_THREAD_CHANGED;
	}
	len = sizeof(*rec) + (rec->nr_kernel + rec->nr_user) * sizeof(u64) +
	      rec->user_stack_size;
	memset((u8 *)rec + len, 0, ALIGN(len, 8) - len);
	rec->size = ALIGN(len, 8);
	return rec->size;
}

static int snap_check(const struct sonde_snapshot *req, u32 *max_rec)
{
	if (req->flags & ~SONDE_SNAPSHOT_ALL_FLAGS || req->__reserved0 ||
	    req->__reserved1 || !req->max_threads ||
	    req->max_threads > SONDE_SNAPSHOT_MAX_THREADS ||
	    req->kernel_depth > SONDE_MAX_KERNEL_DEPTH ||
	    req->user_depth > SONDE_MAX_USER_DEPTH ||
	    req->user_stack_bytes > SONDE_MAX_USER_STACK ||
	    req->user_stack_bytes % 8)
		return -EINVAL;
	*max_rec = sizeof(struct sonde_thread_snapshot) +
		   (req->kernel_depth + req->user_depth) * sizeof(u64) +
		   req->user_stack_bytes;
	return req->buf_size < *max_rec ? -E2BIG : 0;
}

/*
 * The process's threads, pinned, in its thread list's order: at most
 * @max into @tasks.  Returns how many, or -ESRCH; *@total is how many it
 * had.
 */
static long snap_threads(u32 pid, struct task_struct **tasks, u32 max,
			 u32 *total)
{
	struct task_struct *leader, *t;
	u32 n = 0;

	rcu_read_lock();
	leader = pid_task(find_vpid(pid), PIDTYPE_TGID);
	if (!leader) {
		rcu_read_unlock();
		return -ESRCH;
	}
	*total = 0;
	for_each_thread(leader, t) {
		(*total)++;
		if (n < max) {
			get_task_struct(t);
			tasks[n++] = t;
		}
	}
	rcu_read_unlock();
	return n;
}

/**
 * sonde_snapshot - SONDE_IOC_SNAPSHOT
 * @s: the session of the file it came through: its opener's rights and
 *	pid namespace (no session state is read or changed)
 * @uarg: struct sonde_snapshot
 *
 * Context: process context; sleeps.
 * Returns 0, or -EINVAL, -E2BIG, -ESRCH, -ENOMEM, -EFAULT (uapi).
 */
long sonde_snapshot(struct sonde_session *s, void __user *uarg)
{
	struct sonde_snapshot req;
	struct snap_thread st = { .req = &req };
	struct task_struct **tasks;
	u8 __user *out;
	u32 usize, max_rec, i;
	long nr;
	int ret;

	ret = sonde_ioctl_copy_in(&req, sizeof(req), SONDE_SNAPSHOT_SIZE_VER0,
				  uarg, &usize);
	if (ret)
		return ret;
	ret = snap_check(&req, &max_rec);
	if (ret)
		return ret;
	/* What the caller had in the out fields means nothing. */
	req.time_ns = 0;
	req.buf_used = 0;
	req.nr_threads = 0;
	req.nr_threads_total = 0;
	req.out_flags = 0;
	tasks = kvcalloc(req.max_threads, sizeof(*tasks), GFP_KERNEL);
	st.rec = kvmalloc(ALIGN(max_rec, 8), GFP_KERNEL);
	if (!tasks || !st.rec) {
		ret = -ENOMEM;
		goto out_free;
	}
	st.kernel_allowed = s->sampler.kernel_allowed;
	req.time_ns = ktime_get_ns();
	nr = snap_threads(req.pid, tasks, req.max_threads,
			  &req.nr_threads_total);
	if (nr < 0) {
		ret = nr;
		goto out_free;
	}
	if (nr < req.nr_threads_total)
		req.out_flags |= SONDE_SNAPSHOT_PARTIAL;
	out = u64_to_user_ptr(req.buf_ptr);
	for (i = 0; i < nr; i++) {
		u32 len;

		if (signal_pending(current)) {
			req.out_flags |= SONDE_SNAPSHOT_INTERRUPTED;
			break;
		}
		st.task = tasks[i];
		len = snap_thread(s, &st);
		if (req.buf_used + len > req.buf_size) {
			req.out_flags |= SONDE_SNAPSHOT_PARTIAL;
			break;
		}
		if (copy_to_user(out + req.buf_used, st.rec, len)) {
			ret = -EFAULT;
			break;
		}
		req.buf_used += len;
		req.nr_threads++;
		cond_resched();
	}
	for (i = 0; i < nr; i++)
		put_task_struct(tasks[i]);
	if (!ret && copy_to_user(uarg, &req, min_t(u32, usize, sizeof(req))))
		ret = -EFAULT;
out_free:
	kvfree(st.rec);
	kvfree(tasks);
	return ret;
}
