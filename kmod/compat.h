/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde: every difference between the kernel releases sonde builds
 * against, and nothing else.  The .c files call only the sonde_ names
 * below.  Each difference is decided by a feature probe that kmod/Kbuild
 * compiles against the target headers (kmod/probes/, SONDE_HAVE_*), or by
 * a macro the kernel itself defines, never by LINUX_VERSION_CODE:
 * distributions backport interface changes into older series.
 *
 * Supported: 6.1 LTS and 6.12 LTS (Debian's 6.1.0-* and 6.12.*+deb12).
 */
#ifndef _SONDE_COMPAT_H
#define _SONDE_COMPAT_H

#include <linux/mm.h>
#include <linux/perf_event.h>
#include <linux/capability.h>
#include <linux/sched.h>

/*
 * v6.3 made vm_area_struct.vm_flags const and added vm_flags_set() /
 * vm_flags_clear() (commit bc292ab00f6c, "mm: introduce vma->vm_flags
 * wrapper functions"); before that the field was written directly.
 * Probe: probes/vm_flags_set.c.  Both run with the mmap lock held for
 * writing, as ->mmap() does.
 */
static inline void sonde_vm_flags_set(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#ifdef SONDE_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void sonde_vm_flags_clear(struct vm_area_struct *vma,
					vm_flags_t flags)
{
#ifdef SONDE_HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/*
 * Debian's CONFIG_SECURITY_PERF_EVENTS_RESTRICT (a Debian patch, in its
 * 6.1 and 6.12 alike; not upstream) adds perf_event_paranoid 3, where
 * perf_event_open() refuses everyone without CAP_SYS_ADMIN
 * (perf_paranoid_any() in include/linux/perf_event.h).  Its variable,
 * sysctl_perf_event_paranoid, is not exported: dev.c reads the sysctl.
 */
#ifdef CONFIG_SECURITY_PERF_EVENTS_RESTRICT
#define SONDE_PERF_EVENTS_RESTRICT	1
#else
#define SONDE_PERF_EVENTS_RESTRICT	0
#endif

/*
 * May the opener see kernel addresses and kernel call chains?  Called at
 * open(), so current is the opener.
 *
 * Where perf_allow_kernel() is exported (6.12), it decides as it does for
 * perf: perf_event_paranoid > 1 needs CAP_PERFMON, then the LSM's
 * perf_event_open hook (PERF_SECURITY_KERNEL) has the last word.  Its
 * argument went away after 6.12 was released and the change was
 * backported into 6.12.y (probes/perf_allow_kernel_void.c); the older
 * form takes an attr that the hook may inspect, so it gets a zeroed one.
 * In 6.1, perf_allow_kernel(attr) is a static inline over
 * sysctl_perf_event_paranoid and security_perf_event_open(), neither of
 * them exported, so a module cannot call it (modpost fails; the probe
 * reads Module.symvers).  There the only check left is the capability
 * that open() already demands (perfmon_capable()), so the LSM hook is not
 * consulted; the ABI documentation says so.
 */
static inline bool sonde_perf_allow_kernel(void)
{
#if defined(SONDE_HAVE_EXPORT_PERF_ALLOW_KERNEL) && \
	defined(SONDE_HAVE_PERF_ALLOW_KERNEL_VOID)
	return perf_allow_kernel() == 0;
#elif defined(SONDE_HAVE_EXPORT_PERF_ALLOW_KERNEL)
	struct perf_event_attr attr = {};

	return perf_allow_kernel(&attr) == 0;
#else
	return perfmon_capable();
#endif
}

/*
 * Tasks whose pt_regs hold no user context although they have an mm:
 * kernel threads, and the user workers io_uring (io-wq, SQPOLL) and vhost
 * create.  Their copied regs have ip = sp = 0 (copy_thread()).  v6.4
 * generalized PF_IO_WORKER into PF_USER_WORKER (commit 54e6842d0775,
 * "fork/vm: Move common PF_IO_WORKER behavior to new flag"); 6.1 has only
 * PF_IO_WORKER.
 */
#ifdef PF_USER_WORKER
#define SONDE_PF_NO_USER	(PF_KTHREAD | PF_USER_WORKER)
#else
#define SONDE_PF_NO_USER	(PF_KTHREAD | PF_IO_WORKER)
#endif

/*
 * Is a task's se.exec_start (the run queue's clock_task when it last
 * stopped running) on local_clock()'s scale?  clock_task is the run
 * queue's sched_clock_cpu() clock minus the time spent in interrupts and
 * stolen by the hypervisor, when the kernel accounts those (a config
 * choice, not a release's: Debian's 6.1 and 6.12 do neither); then the
 * difference would count all interrupt time since boot, and a snapshot
 * leaves its off-CPU time out.
 */
#define SONDE_EXEC_START_IS_SCHED_CLOCK					\
	(!IS_ENABLED(CONFIG_IRQ_TIME_ACCOUNTING) &&			\
	 !IS_ENABLED(CONFIG_PARAVIRT_TIME_ACCOUNTING))

#endif /* _SONDE_COMPAT_H */
