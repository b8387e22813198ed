/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde: every difference between the kernel releases sonde builds
 * against, and nothing else.  The .c files call only the sonde_ names
 * below and never test LINUX_VERSION_CODE themselves.
 *
 * Supported: 6.1 LTS and 6.12 LTS (Debian's 6.1.0-* and 6.12.*+deb12).
 */
#ifndef _SONDE_COMPAT_H
#define _SONDE_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/perf_event.h>
#include <linux/capability.h>
#include <linux/sched.h>

/*
 * v6.3 made vm_area_struct.vm_flags const and added vm_flags_set() /
 * vm_flags_clear() (commit bc292ab00f6c, "mm: introduce vma->vm_flags
 * wrapper functions"); before that the field was written directly.
 * Both run with the mmap lock held for writing, as ->mmap() does.
 */
static inline void sonde_vm_flags_set(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void sonde_vm_flags_clear(struct vm_area_struct *vma,
					vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/*
 * May the opener see kernel addresses and kernel call chains?  Called at
 * open(), so current is the opener.
 *
 * 6.12 exports perf_allow_kernel(void): perf_event_paranoid > 1 needs
 * CAP_PERFMON, then the LSM's perf_event_open hook decides.  In 6.1,
 * perf_allow_kernel(attr) is a static inline over
 * sysctl_perf_event_paranoid and security_perf_event_open(), neither of
 * them exported, so a module cannot call it (modpost fails).  There the
 * only check left is the capability that open() already demands
 * (perfmon_capable()), so the LSM hook is not consulted on 6.1; the ABI
 * documentation says so.
 */
static inline bool sonde_perf_allow_kernel(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return perf_allow_kernel() == 0;
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

#endif /* _SONDE_COMPAT_H */
