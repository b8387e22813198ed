// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: task life-cycle records (FORK, EXEC, EXIT, COMM) from the
 * scheduler and task tracepoints, so that a reader knows which process ran
 * which executable under which name at any time, even for processes that
 * start and exit between two reads of the rings.
 *
 * The tracepoints have no register_trace_* export for modules: they are
 * found by name with for_each_kernel_tracepoint() at module load, and
 * their prototypes are checked at compile time against the headers (see
 * task_events_typecheck()).  Probes are registered at START when the
 * session asked for SONDE_CAPTURE_TASK_EVENTS and unregistered at STOP,
 * which then waits until no probe runs (tracepoint_synchronize_unregister()).
 *
 * Contexts: the probes run in the context of the task concerned (process
 * context; the tracepoint disables preemption), on any CPU.  A record goes
 * into the ring of the CPU the probe runs on, with interrupts disabled so
 * that this CPU's timer sample cannot nest into the ring meanwhile; a CPU
 * outside the session's mask has no ring, and its task events are not
 * recorded.  Arm and disarm run in process context under the session lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/tracepoint.h>
#include <linux/binfmts.h>
#include <linux/dcache.h>
#include <linux/sched.h>
#include <linux/pid_namespace.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/fs_struct.h>
#include <linux/path.h>
#include <trace/events/sched.h>
#include <trace/events/task.h>
#include "session.h"
#include "ring.h"

static struct tracepoint *tp_fork, *tp_exec, *tp_exit, *tp_rename;
/* The session whose probes are registered; see the file comment. */
static struct sonde_session *events_session;

/**
 * struct task_ids - a task as the opener's pid namespace numbers it
 * @pid: thread-group id
 * @tid: thread id
 */
struct task_ids {
	u32 pid;
	u32 tid;
};

/* False when the opener's namespace cannot see @task: record nothing. */
static bool task_ids_get(const struct sonde_sampler *sp,
			 struct task_struct *task, struct task_ids *ids)
{
	if (sp->pid_ns == &init_pid_ns) {
		ids->pid = task->tgid;
		ids->tid = task->pid;
	} else {
		ids->pid = task_tgid_nr_ns(task, sp->pid_ns);
		ids->tid = task_pid_nr_ns(task, sp->pid_ns);
	}
	return ids->pid && ids->tid;
}

/*
 * The path of an EXEC record: absolute, NUL-terminated, bounded; returns
 * its size, NUL included.  A longer path is left empty and flagged.
 */
static u32 exec_path(char *dst, const struct linux_binprm *bprm, u16 *flags)
{
	char *p = d_path(&bprm->file->f_path, dst, SONDE_MAX_EXEC_PATH);
	u32 len;

	if (IS_ERR(p)) {
		*flags |= SONDE_TASK_PATH_TRUNCATED;
		dst[0] = '\0';
		return 1;
	}
	/* d_path() builds the name at the end of the buffer. */
	len = strlen(p) + 1;
	memmove(dst, p, len);
	return len;
}

/*
 * Write one task event into this CPU's ring.  @other: the child of a
 * FORK; @bprm: the binary of an EXEC; @comm: the new name of a COMM.
 */
static void task_event(u32 type, struct task_struct *task,
		       struct task_struct *other,
		       const struct linux_binprm *bprm, const char *comm,
		       u16 flags)
{
	struct sonde_session *s = READ_ONCE(events_session);
	const struct sonde_sampler *sp;
	struct sonde_task_event *rec;
	struct task_ids ids, kid;
	struct sonde_ring *ring;
	unsigned long irqs;
	u32 len;
	u64 now;

	if (!s)
		return;
	sp = &s->sampler;
	if (!sonde_tgid_wanted(sp, task))
		return;
	if (!task_ids_get(sp, task, &ids))
		return;
	if (other && !task_ids_get(sp, other, &kid))
		return;

	local_irq_save(irqs);
	ring = s->bufs->rings[smp_processor_id()];
	if (!ring)
		goto out_irqs;
	local64_inc(&ring->task_events);
	now = ktime_get_mono_fast_ns();
	rec = sonde_ring_begin(ring, SONDE_MAX_TASK_EVENT_RECORD, now);
	if (!rec)
		goto out_irqs;
	rec->hdr.type = type;
	rec->time_ns = now;
	rec->cpu = smp_processor_id();
	rec->pid = ids.pid;
	rec->tid = ids.tid;
	rec->child_pid = other ? kid.pid : 0;
	rec->child_tid = other ? kid.tid : 0;
	if (other && other->tgid == task->tgid)
		flags |= SONDE_TASK_THREAD;
	memset(rec->comm, 0, sizeof(rec->comm));
	strscpy(rec->comm, comm ?: (other ? other->comm : task->comm),
		sizeof(rec->comm));
	len = bprm ? exec_path(rec->path, bprm, &flags) : 0;
	rec->path_size = len;
	rec->flags = flags;
	len = ALIGN(sizeof(*rec) + len, 8);
	/* Padding must read as zero: the ring may hold older bytes here. */
	memset(rec->path + rec->path_size, 0,
	       len - sizeof(*rec) - rec->path_size);
	rec->hdr.size = len;
	sonde_ring_end(ring, len);
out_irqs:
	local_irq_restore(irqs);
}

/*
 * Following forks: a new process of a member joins the set before
 * wake_up_new_task() lets it run (see tgids.c), so its first sample
 * already passes the filter.
 */
static void probe_fork(void *data, struct task_struct *parent,
		       struct task_struct *child)
{
	struct sonde_session *s = READ_ONCE(events_session);
	u16 flags = 0;

	if (s && s->sampler.follow_forks && child->tgid != parent->tgid &&
	    sonde_tgid_wanted(&s->sampler, parent) &&
	    !sonde_tgids_add(s->sampler.tgids, task_tgid(child)))
		flags |= SONDE_TASK_NOT_FOLLOWED;
	task_event(SONDE_RECORD_FORK, parent, child, NULL, NULL, flags);
}

/* The new image's mappings are looked up as it returns to user mode. */
static void probe_exec(void *data, struct task_struct *task, pid_t old_pid,
		       struct linux_binprm *bprm)
{
	struct sonde_session *s = READ_ONCE(events_session);
	u16 flags = 0;

	if (!s || !sonde_tgid_wanted(&s->sampler, task))
		return;
	if (sonde_other_root(&s->root))
		flags |= SONDE_TASK_OTHER_ROOT;
	task_event(SONDE_RECORD_EXEC, task, NULL, bprm, NULL, flags);
	if (s->sampler.map_events)
		sonde_map_events_exec(s->sampler.map_events);
}

static void probe_exit(void *data, struct task_struct *task)
{
	task_event(SONDE_RECORD_EXIT, task, NULL, NULL, NULL, 0);
}

static void probe_rename(void *data, struct task_struct *task,
			 const char *comm)
{
	task_event(SONDE_RECORD_COMM, task, NULL, NULL, comm, 0);
}

/*
 * Never called, so never emitted: makes the compiler check each probe
 * against the tracepoint's prototype in the headers being built against,
 * without referencing the unexported tracepoints themselves.
 */
static void __maybe_unused task_events_typecheck(void)
{
	register_trace_sched_process_fork(probe_fork, NULL);
	register_trace_sched_process_exec(probe_exec, NULL);
	register_trace_sched_process_exit(probe_exit, NULL);
	register_trace_task_rename(probe_rename, NULL);
}

static void find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_fork"))
		tp_fork = tp;
	else if (!strcmp(tp->name, "sched_process_exec"))
		tp_exec = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		tp_exit = tp;
	else if (!strcmp(tp->name, "task_rename"))
		tp_rename = tp;
}

/**
 * sonde_task_events_init - find the tracepoints, at module load
 *
 * Returns true when all of them exist (SONDE_FEAT_TASK_EVENTS).
 */
bool sonde_task_events_init(void)
{
	/*
	 * d_path() runs with interrupts off here; on PREEMPT_RT its seqlock
	 * retry path takes sleeping spinlocks.  No task events there.
	 */
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		pr_info("PREEMPT_RT: no task events\n");
		return false;
	}
	for_each_kernel_tracepoint(find_tracepoint, NULL);
	if (!tp_fork || !tp_exec || !tp_exit || !tp_rename) {
		pr_info("scheduler tracepoints not found: no task events\n");
		return false;
	}
	return true;
}

/**
 * sonde_task_events_arm - start writing task events for @s
 * @s: the session, configured, with its lock held
 *
 * Returns 0 or the -errno of tracepoint_probe_register(), with nothing
 * left registered.
 */
int sonde_task_events_arm(struct sonde_session *s)
{
	int ret;

	WRITE_ONCE(events_session, s);
	ret = tracepoint_probe_register(tp_fork, probe_fork, NULL);
	if (ret)
		goto out_clear;
	ret = tracepoint_probe_register(tp_exec, probe_exec, NULL);
	if (ret)
		goto out_unregister_fork;
	ret = tracepoint_probe_register(tp_exit, probe_exit, NULL);
	if (ret)
		goto out_unregister_exec;
	ret = tracepoint_probe_register(tp_rename, probe_rename, NULL);
	if (ret)
		goto out_unregister_exit;
	return 0;

out_unregister_exit:
	tracepoint_probe_unregister(tp_exit, probe_exit, NULL);
out_unregister_exec:
	tracepoint_probe_unregister(tp_exec, probe_exec, NULL);
out_unregister_fork:
	tracepoint_probe_unregister(tp_fork, probe_fork, NULL);
	tracepoint_synchronize_unregister();
out_clear:
	WRITE_ONCE(events_session, NULL);
	return ret;
}

/**
 * sonde_task_events_disarm - stop, and wait until no probe runs
 * @s: the session, with its lock held
 */
void sonde_task_events_disarm(struct sonde_session *s)
{
	tracepoint_probe_unregister(tp_rename, probe_rename, NULL);
	tracepoint_probe_unregister(tp_exit, probe_exit, NULL);
	tracepoint_probe_unregister(tp_exec, probe_exec, NULL);
	tracepoint_probe_unregister(tp_fork, probe_fork, NULL);
	/* After this no probe runs, and none will see events_session. */
	tracepoint_synchronize_unregister();
	WRITE_ONCE(events_session, NULL);
}
