/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sonde: the ABI between sonde.ko and userspace.
 *
 * This header is the only thing the module and the tool share.  It is
 * included by the kernel module, by the sonde tool and by the tests.
 *
 * DOC: General ioctl format
 *
 * The device is the misc character device /dev/sonde.  open() requires
 * CAP_PERFMON or CAP_SYS_ADMIN, and CAP_SYS_ADMIN where perf_event_open()
 * does: kernels with Debian's CONFIG_SECURITY_PERF_EVENTS_RESTRICT at
 * perf_event_paranoid 3 (or when the module cannot read that sysctl);
 * later decisions (may kernel addresses and
 * kernel call chains be emitted?  which pid namespace do records use?)
 * are taken from the opener at open() time, never from the caller of a
 * later ioctl.  On kernels that export perf_allow_kernel() (6.12) the
 * kernel-address decision follows perf_event_paranoid and the LSM's perf
 * hook for kernel data, as perf's does; on 6.1, which does not export
 * it, the capability checked at open is the whole check.  Only one file
 * may be open at a time.  mmap() of the rings needs the file opened
 * O_RDWR (the control page is a shared writable mapping).
 *
 * DOC: Security model
 *
 * The capability lives in the file: whoever holds the descriptor (passed
 * over a unix socket, inherited, duplicated) may reconfigure, start and
 * stop sampling and read the rings with the opener's rights.  Hand it
 * only to whom you would give CAP_PERFMON.
 *
 * The LSM is not consulted for opening the device or for CPU-wide
 * sampling, on either kernel: security_perf_event_open(), the entry point
 * of the LSM's perf_event hooks (PERF_SECURITY_OPEN, _CPU, _KERNEL), is
 * not exported to modules.  6.12 consults it only through
 * perf_allow_kernel(), for kernel addresses.  A policy author restricts
 * sonde through the device node instead: its owner, group and mode
 * (0600 root by default; a udev rule can change them), the LSM's file
 * and ioctl permissions on /dev/sonde, and CAP_PERFMON, which open()
 * demands.
 *
 * pids: records carry pid and tid as seen from the opener's pid
 * namespace (as perf reports them); a task that namespace cannot see is
 * reported with pid and tid 0 and SONDE_SAMPLE_PID_OUTSIDE.  The tgids a
 * CONFIGURE names are looked up in the caller's active pid namespace (as
 * perf_event_open() looks up its pid).
 *
 * Every ioctl argument is a struct that starts with a __u32 @size field
 * holding sizeof() of the struct as the caller knows it.  The kernel
 * applies copy_struct_from_user() semantics: a shorter struct (down to the
 * _SIZE_VER0 of that struct) is zero-extended, a longer one is accepted
 * only when all bytes the kernel does not know are zero, and a struct
 * longer than a page is refused (E2BIG).  A field added later means "old
 * behaviour" when zero.  Reserved fields must be zero.
 *
 * The errno vocabulary, the same for every command:
 *   ENOTTY     unknown command
 *   E2BIG      the struct is longer than the kernel knows and its tail is
 *              not zero, or a caller-supplied array is too small
 *   EINVAL     a field is invalid: non-zero reserved field, unknown flag,
 *              value out of range, struct shorter than _SIZE_VER0; or
 *              START or mmap() before any successful CONFIGURE
 *   EOPNOTSUPP a field is understood but its value is not supported by
 *              this kernel or machine (e.g. the PMU source without a PMU)
 *   EBUSY      wrong state: the device is already open, CONFIGURE or
 *              START while sampling, START twice; or START found no free
 *              CPU hotplug state to arm the source with
 *   EACCES     the opener lacks CAP_PERFMON and CAP_SYS_ADMIN, or
 *              CAP_SYS_ADMIN at Debian's perf_event_paranoid 3
 *   ENOMEM     the rings could not be allocated, or the rings alive in
 *              the module (of every session, and of earlier CONFIGUREs
 *              still mapped) would take more than a quarter of RAM
 *   ESRCH      a tgid names no thread group in the caller's pid
 *              namespace (no such process, or a thread that is not its
 *              group's leader)
 *   EFAULT     a user pointer could not be read or written
 *
 * DOC: Session life cycle
 *
 *   open -> GET_INFO -> CONFIGURE -> mmap rings -> START -> ... -> STOP
 *        -> (CONFIGURE again | START again | close)
 *
 * CONFIGURE allocates the per-CPU rings; START arms the sampling source on
 * every CPU of the mask that is online, and on any such CPU that comes
 * online later.  STOP disarms it and waits until no sampling handler runs;
 * after STOP returns, no SAMPLE record is written until the next START,
 * and the only record that may still appear is the LOST record GET_STATS
 * writes (see "Records").  Closing the file stops sampling.  The rings
 * live on while any mapping of them exists, even after close(); a later
 * CONFIGURE gives the session fresh rings and leaves old mappings
 * pointing at the old ones (their memory still counts against the
 * module-wide cap, see ENOMEM).
 *
 * DOC: mmap layout
 *
 * Each CPU of the mask has its own ring.  Its mmap offsets are computed from
 * struct sonde_info, never hard-coded:
 *
 *   base(cpu) = cpu * info.mmap_cpu_stride
 *   control page: offset base(cpu) + info.mmap_ctrl_offset, length
 *                 info.page_size, PROT_READ | PROT_WRITE, MAP_SHARED.
 *                 Holds struct sonde_ring_ctrl: the consumer's position.
 *   meta + data:  offset base(cpu) + info.mmap_meta_offset, length
 *                 info.page_size + 2 * data_size, PROT_READ only,
 *                 MAP_SHARED.  The first page holds struct
 *                 sonde_ring_meta; data_offset bytes later come the data
 *                 pages, mapped twice back to back so that a record that
 *                 wraps the end of the ring is contiguous in memory.
 *
 * Mappings must cover exactly those ranges.  Writable or executable data
 * mappings, MAP_PRIVATE, other offsets or lengths and partial munmap()
 * are refused (EINVAL), and so are mprotect() upgrades (EACCES) and
 * mremap() (EINVAL, or EFAULT for growing).  The mappings are not dumped
 * into core files and not inherited by fork() (VM_DONTCOPY, which
 * madvise(MADV_DOFORK) can undo: the child then shares the rings, which
 * is safe but is the caller's choice).  Every byte the kernel has not
 * written reads as zero.
 *
 * DOC: Ring ordering
 *
 * One producer per ring (the sampling handler on that CPU, or the CPU's
 * hotplug teardown once its source is disarmed) and one consumer.
 * Positions are free-running byte counters; the offset in the data area
 * is (pos & (data_size - 1)).
 *
 *   kernel (producer)                  user (consumer)
 *   tail = load_acquire(ctrl->tail)    head = load_acquire(meta->head)  (C)
 *                                (A)   read records in [tail, head)
 *   if (head - tail + len > size)      store_release(ctrl->tail, head)  (D)
 *           count as lost
 *   write record at head
 *   store_release(meta->head,
 *                 head + len)    (B)
 *
 * A pairs with D: the consumer has finished reading a record before the
 * producer may overwrite it.  B pairs with C: a record's bytes are visible
 * before the head that covers them.  The kernel reads ctrl->tail twice per
 * record, for room before writing it and for the poll watermark after
 * publishing it, and clamps it into [head - data_size, head] each time: a
 * bogus tail can only lose that consumer's own data.  The tail is one 64-bit value: a
 * 32-bit consumer must store it in one 64-bit write (e.g. an atomic
 * 64-bit store), or the producer may read a torn position.
 *
 * DOC: Records
 *
 * Every record starts with struct sonde_record_header; @size counts the
 * header and is a multiple of 8.  Readers skip types they do not know.
 * Each ring holds only records of its own CPU.  A LOST record is written
 * before the next record that fits after one or more samples could not be
 * written.  Once the session is stopped, GET_STATS satisfies, for every
 * ring,
 *
 *   samples + task_events + map_events == records + sum of lost[]
 *
 * (while sampling runs, a handler may be between its counts) and the
 * stream agrees with it: GET_STATS after STOP first writes the LOST record
 * still pending when it fits, and wakes pollers, so that after STOP,
 * drain, GET_STATS, drain, the SAMPLE records read and the LOST records'
 * nr_lost add up to the same counts.
 */
#ifndef _UAPI_SONDE_H
#define _UAPI_SONDE_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define SONDE_DEVICE		"/dev/sonde"
#define SONDE_ABI_VERSION	1

/* Feature bits of sonde_info.features. */
#define SONDE_FEAT_TIMER	(1ULL << 0)	/* hrtimer source */
#define SONDE_FEAT_PMU		(1ULL << 1)	/* perf counter overflow source */
#define SONDE_FEAT_KERNEL_CHAIN	(1ULL << 2)	/* ORC kernel call chains */
#define SONDE_FEAT_USER_CHAIN	(1ULL << 3)	/* frame-pointer user chains */
#define SONDE_FEAT_USER_STACK	(1ULL << 4)	/* user stack copies */
#define SONDE_FEAT_KERNEL_ALLOWED (1ULL << 5)	/* this opener may see kernel addresses */
#define SONDE_FEAT_TASK_EVENTS	(1ULL << 6)	/* FORK, EXEC, EXIT, COMM records */
#define SONDE_FEAT_MMAP_EVENTS	(1ULL << 7)	/* MMAP records */
#define SONDE_FEAT_FOLLOW_FORKS	(1ULL << 8)	/* SONDE_CONFIG_FOLLOW_FORKS */
/* the overhead limit: THROTTLE records, handler-time histogram in stats */
#define SONDE_FEAT_THROTTLE	(1ULL << 9)
/* SONDE_IOC_SNAPSHOT: every thread of a process, where it is now */
#define SONDE_FEAT_SNAPSHOT	(1ULL << 10)
/* SONDE_CONFIG_OFFCPU: off-CPU samples from the sched_switch tracepoint */
#define SONDE_FEAT_OFFCPU	(1ULL << 11)

/**
 * struct sonde_info - what the running module supports and how to map it
 * @size: in: sizeof() as the caller knows it; out: bytes the kernel wrote
 * @abi_version: SONDE_ABI_VERSION of the module
 * @features: SONDE_FEAT_* bits
 * @nr_cpu_ids: number of possible CPU ids; rings are indexed below it
 * @page_size: the kernel's page size
 * @min_ring_pages: smallest data size per CPU, in pages (power of two)
 * @max_ring_pages: largest data size per CPU, in pages (power of two)
 * @max_frequency: highest sampling frequency in Hz
 * @min_period_ns: shortest sampling period in ns
 * @max_kernel_depth: deepest kernel call chain a sample can hold
 * @max_user_depth: deepest user call chain a sample can hold
 * @max_user_stack: largest user stack copy in bytes
 * @max_tgids: most thread-group ids a session can filter on
 * @__reserved0: zero
 * @mmap_cpu_stride: distance between two CPUs' mmap offsets, in bytes
 * @mmap_ctrl_offset: offset of the control page inside a CPU's range
 * @mmap_meta_offset: offset of the meta + data mapping inside it
 * @max_period_ns: longest sampling period in ns (since SIZE_VER1; a
 *	kernel that returns a shorter @size has the same limit, 10 s)
 */
struct sonde_info {
	__u32 size;
	__u32 abi_version;
	__aligned_u64 features;
	__u32 nr_cpu_ids;
	__u32 page_size;
	__u32 min_ring_pages;
	__u32 max_ring_pages;
	__u32 max_frequency;
	__u32 min_period_ns;
	__u32 max_kernel_depth;
	__u32 max_user_depth;
	__u32 max_user_stack;
	__u32 max_tgids;
	__u32 __reserved0;
	__u32 __reserved1;
	__aligned_u64 mmap_cpu_stride;
	__aligned_u64 mmap_ctrl_offset;
	__aligned_u64 mmap_meta_offset;
	__aligned_u64 max_period_ns;
};
#define SONDE_INFO_SIZE_VER0	88
#define SONDE_INFO_SIZE_VER1	96	/* max_period_ns */

/* sonde_config.source */
#define SONDE_SOURCE_TIMER	0	/* pinned per-CPU hrtimer, hard irq */
#define SONDE_SOURCE_PMU	1	/* perf counters only (sonde_config.events_ptr) */

/*
 * struct sonde_event - a perf counter sampled on (sonde_config.events_ptr):
 * every CPU of the session gets one, created in the kernel (no
 * perf_event_open() file), whose overflow writes a SAMPLE record like the
 * timer's, with SONDE_SAMPLE_EVENT and a struct sonde_sample_event.
 * @type: perf_event_attr.type: PERF_TYPE_HARDWARE, PERF_TYPE_SOFTWARE,
 *	PERF_TYPE_HW_CACHE or PERF_TYPE_RAW (software: only cpu-clock,
 *	task-clock, page-faults, context-switches, cpu-migrations,
 *	minor-faults and major-faults)
 * @flags: zero
 * @config: perf_event_attr.config
 * @period: events per sample (perf's -c); exactly one of @period and
 *	@frequency is non-zero
 * @frequency: samples per second per CPU (perf's -F; the kernel adjusts
 *	the period), at most info.max_frequency
 * @__reserved: zero
 *
 * CONFIGURE creates and frees one such counter to see that the machine
 * has it: EOPNOTSUPP when it does not (a hardware event without a
 * hardware PMU, as in most virtual machines).
 */
struct sonde_event {
	__u32 type;
	__u32 flags;
	__aligned_u64 config;
	__aligned_u64 period;
	__u32 frequency;
	__u32 __reserved;
};
#define SONDE_MAX_EVENTS	8

/* sonde_config.capture */
#define SONDE_CAPTURE_KERNEL_CHAIN	(1U << 0)
#define SONDE_CAPTURE_USER_CHAIN	(1U << 1)
#define SONDE_CAPTURE_USER_REGS		(1U << 2)
#define SONDE_CAPTURE_USER_STACK	(1U << 3)
/* task life-cycle records (EOPNOTSUPP without SONDE_FEAT_TASK_EVENTS) */
#define SONDE_CAPTURE_TASK_EVENTS	(1U << 4)
/* MMAP records (struct sonde_mmap_event) for the mappings samples hit */
#define SONDE_CAPTURE_MMAP		(1U << 5)
#define SONDE_CAPTURE_ALL		0x3fU

/* sonde_config.flags */
/*
 * The tgid filter grows: a process that a followed process forks is
 * followed too, from its first instruction (perf's inherit).  Needs
 * SONDE_CAPTURE_TASK_EVENTS (the FORK tracepoint) and a tgid filter.  A
 * session follows at most 16384 processes in all (exited ones count);
 * the FORK record of one it cannot follow says SONDE_TASK_NOT_FOLLOWED.
 */
#define SONDE_CONFIG_FOLLOW_FORKS	(1U << 0)
/*
 * Off-CPU samples: a thread of the session that leaves its CPU blocked
 * (not preempted) has its call chains taken there (the kernel's by ORC,
 * the user's by frame pointers, at the session's depths, and a copy of
 * the top of its user stack, see SONDE_OFFCPU_MAX_STACK),
 * and when it is switched back in, a SAMPLE record is written into that
 * CPU's ring with SONDE_SAMPLE_EVENT, a struct sonde_sample_event whose
 * @event is SONDE_EVENT_OFFCPU and whose @period is the time it was off
 * the CPU in ns, and @time_ns the time it left.  Waits shorter than
 * sonde_config.offcpu_min_ns write nothing.  A thread that finds no free
 * slot among the SONDE_OFFCPU_SLOTS the session keeps for blocked
 * threads counts in lost[SONDE_LOST_OFFCPU_FULL].  Needs
 * SONDE_FEAT_OFFCPU; since SONDE_CONFIG_SIZE_VER2.
 */
#define SONDE_CONFIG_OFFCPU		(1U << 1)
#define SONDE_OFFCPU_SLOTS		4096
/*
 * With SONDE_CAPTURE_USER_STACK, an off-CPU sample copies the first
 * min(user_stack_bytes, SONDE_OFFCPU_MAX_STACK) bytes of the thread's
 * user stack as it blocks (enough for the unwinder to get out of the
 * C library's syscall wrapper); its frame-pointer chain goes on from
 * there.  The bound keeps the table of blocked threads at a few MiB.
 */
#define SONDE_OFFCPU_MAX_STACK		1024

/**
 * struct sonde_config - argument of SONDE_IOC_CONFIGURE
 * @size: sizeof() as the caller knows it
 * @source: SONDE_SOURCE_*
 * @frequency: samples per second per CPU; exactly one of @frequency and
 *	@period_ns is non-zero
 * @capture: SONDE_CAPTURE_* bits; SONDE_CAPTURE_USER_STACK needs
 *	SONDE_CAPTURE_USER_REGS (the copy starts at the reported user SP)
 * @period_ns: sampling period in ns
 * @max_kernel_depth: kernel frames per sample (0: info.max_kernel_depth)
 * @max_user_depth: user frames per sample (0: info.max_user_depth)
 * @user_stack_bytes: bytes of user stack copied from the user SP when
 *	SONDE_CAPTURE_USER_STACK is set; a multiple of 8, at most
 *	info.max_user_stack (0 with the flag set: info.max_user_stack)
 * @ring_pages: data pages per CPU ring; a power of two in
 *	[info.min_ring_pages, info.max_ring_pages]
 * @wakeup_bytes: poll() reports a ring readable when it holds at least
 *	this many bytes (0: a quarter of the ring), or any bytes while
 *	samples are being lost, or any bytes once stopped.  At most
 *	ring size - largest SAMPLE record - sizeof(struct sonde_lost), the
 *	fill the producer is sure to reach (EINVAL above it); the largest
 *	SAMPLE record is sizeof(struct sonde_sample) + 8 * (kernel depth +
 *	user depth) + stack bytes, with the depths as resolved below, +
 *	sizeof(struct sonde_sample_event) for the timer source or with
 *	perf counters (and at least an off-CPU sample's size, see
 *	SONDE_CONFIG_OFFCPU).
 * @nr_tgids: number of entries at @tgids_ptr; 0 samples every task
 * @cpumask_bytes: size of the bitmap at @cpumask_ptr, a non-zero multiple
 *	of 8 and at most 8 * ceil(info.nr_cpu_ids / 64)
 * @tgids_ptr: user pointer to __u32[@nr_tgids]: thread-group ids, as the
 *	caller's pid namespace numbers them, whose threads are sampled;
 *	others are dropped before any unwinding.  Each must name a live
 *	thread group there (ESRCH otherwise); the session follows that
 *	process, not the number, so a reused pid never matches
 * @cpumask_ptr: user pointer to a bitmap of CPUs (bit n of the little
 *	endian __u64 word n / 64); 0 means every possible CPU.  The bitmap
 *	must not be empty and must name only possible CPUs.
 * @events_ptr: user pointer to struct sonde_event[@nr_events], perf
 *	counters sampled on as well as the timer (SONDE_SOURCE_TIMER), or
 *	instead of it (SONDE_SOURCE_PMU: then @frequency and @period_ns are
 *	zero, and @nr_events is not); a sample's sonde_sample_event.event
 *	is its index here.  Needs SONDE_FEAT_PMU.
 * @nr_events: entries at @events_ptr, at most SONDE_MAX_EVENTS
 * @jitter: the timer's intervals vary at random by up to this percent of
 *	the period either way (0 to 50; 0: none), so that sampling does not
 *	run in lock-step with periodic work; each timer sample then ends
 *	with a struct sonde_sample_event whose @event is
 *	SONDE_EVENT_TIMER and whose @period is the interval before it, in
 *	ns.  Needs SONDE_FEAT_THROTTLE.
 * @flags: SONDE_CONFIG_* bits (since SIZE_VER1)
 * @max_overhead: the most of each CPU the timer's handler may take in
 *	this session, in hundredths of a percent (50: 0.5%), at most 10000;
 *	0: only the module's max_cpu_percent.  The lower of the two holds
 *	(see struct sonde_throttle).  Since SIZE_VER1; needs
 *	SONDE_FEAT_THROTTLE.
 * @offcpu_min_ns: with SONDE_CONFIG_OFFCPU, the shortest wait that makes
 *	an off-CPU sample, at most SONDE_MAX_PERIOD_NS; zero otherwise.
 *	Since SIZE_VER2.
 */
struct sonde_config {
	__u32 size;
	__u32 source;
	__u32 frequency;
	__u32 capture;
	__aligned_u64 period_ns;
	__u16 max_kernel_depth;
	__u16 max_user_depth;
	__u32 user_stack_bytes;
	__u32 ring_pages;
	__u32 wakeup_bytes;
	__u32 nr_tgids;
	__u32 cpumask_bytes;
	__aligned_u64 tgids_ptr;
	__aligned_u64 cpumask_ptr;
	__aligned_u64 events_ptr;
	__u32 nr_events;
	__u32 jitter;
	__u32 flags;
	__u32 max_overhead;
	__aligned_u64 offcpu_min_ns;
};
#define SONDE_CONFIG_SIZE_VER0	80
#define SONDE_CONFIG_SIZE_VER1	88	/* flags */
#define SONDE_CONFIG_SIZE_VER2	96	/* offcpu_min_ns */

/*
 * Why a record (a sample or a task event) was not written; index of
 * sonde_cpu_stats.lost[].
 */
#define SONDE_LOST_RING_FULL	0	/* the consumer was too slow */
#define SONDE_LOST_NESTED	1	/* a source interrupted another one */
#define SONDE_LOST_OFFCPU_FULL	2	/* no slot for a blocked thread */
#define SONDE_LOST_NR_REASONS	4	/* room for more */

/*
 * Handler-time histogram buckets (sonde_cpu_stats.handler_hist): bucket 0
 * counts runs under 256 ns, bucket n (1 to 14) runs in [128 << n,
 * 256 << n) ns, bucket 15 runs of 2^22 ns (4.2 ms) or more.
 */
#define SONDE_HANDLER_HIST_BUCKETS	16

/**
 * struct sonde_cpu_stats - counters of one CPU for the current session
 * @samples: handler runs that passed the tgid filter (samples produced)
 * @records: records written other than LOST: SAMPLE, task events, MMAP
 * @bytes: bytes of records written, LOST records included
 * @lost: samples and task events not written, by SONDE_LOST_* reason
 * @filtered: handler runs dropped by the tgid filter
 * @handler_ns_total: time spent in the handler, summed
 * @handler_ns_max: longest handler run
 * @timer_missed: timer periods that passed without a timer run because the
 *	timer ran late (long interrupt-disabled sections, or a virtual CPU
 *	that was not running) or cannot run that often (a period shorter
 *	than the kernel's timer resolution, clock_getres(CLOCK_MONOTONIC):
 *	a tick without high-resolution timers); the timer sample that
 *	follows them stands for them too (its struct sonde_sample_event,
 *	SONDE_EVENT_TIMER)
 * @timer_no_regs: timer runs that found no interrupted context to sample;
 *	samples + filtered + timer_no_regs + timer_missed counts the timer
 *	source's periods
 * @task_events: task events (FORK, EXEC, EXIT, COMM) that passed the
 *	filters on this CPU, written or lost
 * @map_events: MMAP records this CPU wrote or lost
 * @map_missed: user-mode samples (and EXECs) on this CPU whose mapping
 *	(image) could not be looked up: every lookup slot of the CPU was
 *	busy, or the task was exiting; they may have no MMAP record
 * @handler_hist: sampling handler runs by duration (writers and lost
 *	samples alike; filtered ones not), SONDE_HANDLER_HIST_BUCKETS
 * @throttle_events: THROTTLE and UNTHROTTLE records this CPU wrote or
 *	lost.  samples + task_events + map_events + throttle_events ==
 *	records + sum(lost) once the session stopped.
 * @throttled_ns: time this CPU sampled at a period lengthened by the
 *	overhead limit (see struct sonde_throttle), up to now
 * (@handler_hist to @throttled_ns: since SONDE_CPU_STATS_SIZE_VER1)
 */
struct sonde_cpu_stats {
	__aligned_u64 samples;
	__aligned_u64 records;
	__aligned_u64 bytes;
	__aligned_u64 lost[SONDE_LOST_NR_REASONS];
	__aligned_u64 filtered;
	__aligned_u64 handler_ns_total;
	__aligned_u64 handler_ns_max;
	__aligned_u64 timer_missed;
	__aligned_u64 timer_no_regs;
	__aligned_u64 task_events;
	__aligned_u64 map_events;
	__aligned_u64 map_missed;
	__aligned_u64 handler_hist[SONDE_HANDLER_HIST_BUCKETS];
	__aligned_u64 throttle_events;
	__aligned_u64 throttled_ns;
};
#define SONDE_CPU_STATS_SIZE_VER0	120
#define SONDE_CPU_STATS_SIZE_VER1	264	/* handler_hist, throttle_* */

/**
 * struct sonde_stats - argument of SONDE_IOC_GET_STATS
 * @size: sizeof() as the caller knows it
 * @nr_cpus: in: entries at @cpu_stats_ptr; out: info.nr_cpu_ids.  E2BIG
 *	when the array is too small (@nr_cpus then tells the size needed).
 * @stats_size: in: sizeof(struct sonde_cpu_stats) as the caller knows it,
 *	a non-zero multiple of 8 up to a page (EINVAL otherwise); entry n
 *	starts at n * @stats_size, and the kernel fills min(@stats_size, its
 *	own size) bytes of it and zeroes the rest
 * @__reserved: zero
 * @cpu_stats_ptr: user pointer to the array, indexed by CPU id
 */
struct sonde_stats {
	__u32 size;
	__u32 nr_cpus;
	__u32 stats_size;
	__u32 __reserved;
	__aligned_u64 cpu_stats_ptr;
};
#define SONDE_STATS_SIZE_VER0	24

#define SONDE_IOC_MAGIC		0xb5
#define SONDE_IOC_GET_INFO	_IO(SONDE_IOC_MAGIC, 0x00) /* struct sonde_info */
#define SONDE_IOC_CONFIGURE	_IO(SONDE_IOC_MAGIC, 0x01) /* struct sonde_config */
#define SONDE_IOC_START		_IO(SONDE_IOC_MAGIC, 0x02) /* no argument */
#define SONDE_IOC_STOP		_IO(SONDE_IOC_MAGIC, 0x03) /* no argument */
#define SONDE_IOC_GET_STATS	_IO(SONDE_IOC_MAGIC, 0x04) /* struct sonde_stats */
#define SONDE_IOC_SNAPSHOT	_IO(SONDE_IOC_MAGIC, 0x05) /* struct sonde_snapshot */

/*
 * DOC: Thread snapshots
 *
 * SNAPSHOT reports every thread of one process where it is at the time
 * of the call, without stopping, signalling or tracing it, in any state
 * of the session (no CONFIGURE needed; sampling may be running).  Per
 * thread: its scheduler state, how long it has been off the CPU, its
 * kernel call chain (ORC; only for an opener that may see kernel
 * addresses), the user registers it entered the kernel with (or was
 * interrupted at), the system call it is in and that call's first three
 * arguments (a futex address, a file descriptor), its frame-pointer user
 * call chain and a copy of its user stack for CFI unwinding.
 *
 * A thread on a CPU is captured there, by a cross-CPU call that reads it
 * as a sample would; any other thread is read from its saved state, and
 * its user memory through its mm (access_process_vm(), which honours
 * the pages' protections), in the caller's context.  Reading another
 * process's stack this way needs the rights perf's user stack samples
 * need: the device's CAP_PERFMON.  A thread that ran, or changed state,
 * while it was read is reported as read and marked
 * SONDE_THREAD_CHANGED.  Threads are reported in the process's thread
 * list order, each at most once; the cost is bounded by @max_threads and
 * the per-thread limits, and a pending signal ends the call early with
 * what was read (SONDE_SNAPSHOT_INTERRUPTED).
 */

/* sonde_snapshot.flags: what to capture per thread */
#define SONDE_SNAPSHOT_KERNEL_CHAIN	(1U << 0)	/* needs KERNEL_ALLOWED */
#define SONDE_SNAPSHOT_USER_CHAIN	(1U << 1)	/* frame pointers */
#define SONDE_SNAPSHOT_ALL_FLAGS	(SONDE_SNAPSHOT_KERNEL_CHAIN | \
					 SONDE_SNAPSHOT_USER_CHAIN)

/* sonde_snapshot.out_flags */
#define SONDE_SNAPSHOT_PARTIAL		(1U << 0)	/* not every thread was
							 * reported: @max_threads
							 * or @buf_size ran out
							 */
#define SONDE_SNAPSHOT_INTERRUPTED	(1U << 1)	/* a signal ended it */

#define SONDE_SNAPSHOT_MAX_THREADS	65536

/**
 * struct sonde_snapshot - argument of SONDE_IOC_SNAPSHOT
 * @size: sizeof() as the caller knows it
 * @pid: the process: a thread-group id in the caller's pid namespace
 *	(ESRCH: none, or a thread that is not its group's leader)
 * @flags: SONDE_SNAPSHOT_* capture flags (EINVAL for others)
 * @max_threads: threads to report at most, 1 to SONDE_SNAPSHOT_MAX_THREADS
 * @kernel_depth: kernel frames per thread at most (<= info.max_kernel_depth)
 * @user_depth: user frames per thread at most (<= info.max_user_depth)
 * @user_stack_bytes: bytes of user stack to copy per thread, a multiple
 *	of 8 (<= info.max_user_stack)
 * @__reserved0: zero
 * @buf_ptr: user buffer that receives the struct sonde_thread_snapshot
 *	records, back to back
 * @buf_size: its size in bytes; E2BIG when not even one thread's record
 *	(at the limits asked for) fits
 * @time_ns: out: CLOCK_MONOTONIC time the snapshot began
 * @buf_used: out: bytes of records written
 * @nr_threads: out: records written
 * @nr_threads_total: out: threads the process had when it began
 * @out_flags: out: SONDE_SNAPSHOT_PARTIAL, SONDE_SNAPSHOT_INTERRUPTED
 * @__reserved1: zero
 */
struct sonde_snapshot {
	__u32 size;
	__u32 pid;
	__u32 flags;
	__u32 max_threads;
	__u32 kernel_depth;
	__u32 user_depth;
	__u32 user_stack_bytes;
	__u32 __reserved0;
	__aligned_u64 buf_ptr;
	__aligned_u64 buf_size;
	__aligned_u64 time_ns;
	__aligned_u64 buf_used;
	__u32 nr_threads;
	__u32 nr_threads_total;
	__u32 out_flags;
	__u32 __reserved1;
};
#define SONDE_SNAPSHOT_SIZE_VER0	80

/* sonde_thread_snapshot.state: the scheduler's (ps's letter) */
enum sonde_thread_state {
	SONDE_THREAD_RUNNING = 0,	/* on a CPU (@cpu) */
	SONDE_THREAD_RUNNABLE,		/* R, waiting for a CPU */
	SONDE_THREAD_SLEEPING,		/* S, interruptible wait */
	SONDE_THREAD_DISK,		/* D, uninterruptible wait */
	SONDE_THREAD_STOPPED,		/* T */
	SONDE_THREAD_TRACED,		/* t */
	SONDE_THREAD_DEAD,		/* X or Z, exiting */
	SONDE_THREAD_PARKED,		/* P */
	SONDE_THREAD_IDLE,		/* I, an idle kernel thread */
	SONDE_THREAD_NR_STATES,
};

/* sonde_thread_snapshot.flags */
#define SONDE_THREAD_CHANGED		(1U << 0)	/* ran or changed state
							 * while it was read
							 */
#define SONDE_THREAD_ON_CPU		(1U << 1)	/* captured on its CPU */
#define SONDE_THREAD_USER_REGS		(1U << 2)	/* @user_* are valid */
#define SONDE_THREAD_SYSCALL		(1U << 3)	/* @syscall_* are valid */
#define SONDE_THREAD_OFF_CPU_TIME	(1U << 4)	/* @off_cpu_ns is valid */
#define SONDE_THREAD_KERNEL_HIDDEN	(1U << 5)	/* opener may not see
							 * kernel addresses
							 */
#define SONDE_THREAD_KERNEL_TRUNCATED	(1U << 6)
#define SONDE_THREAD_USER_TRUNCATED	(1U << 7)
#define SONDE_THREAD_USER_STACK_SHORT	(1U << 8)	/* copy ended at a hole */
#define SONDE_THREAD_KTHREAD		(1U << 9)	/* no user side */

/**
 * struct sonde_thread_snapshot - one thread in SNAPSHOT's buffer
 * @size: bytes of this record, a multiple of 8; the next follows
 * @tid: thread id in the opener's pid namespace
 * @state: enum sonde_thread_state
 * @__reserved0: zero
 * @flags: SONDE_THREAD_* bits
 * @cpu: the CPU it runs on (RUNNING) or last ran on
 * @off_cpu_ns: with SONDE_THREAD_OFF_CPU_TIME: nanoseconds since it last
 *	left a CPU (how long it has slept, or waited to run)
 * @user_ip: with SONDE_THREAD_USER_REGS: the user IP, SP and frame
 * @user_sp:	pointer it entered the kernel with, or was interrupted at
 * @user_bp:	on its CPU
 * @syscall_nr: with SONDE_THREAD_SYSCALL: the system call it is in
 *	(the task's own ABI's number)
 * @syscall_args: its first three arguments
 * @comm: its name, NUL-terminated
 * @nr_kernel: kernel frames in @frames, innermost first
 * @nr_user: user frames after them, innermost first, from @user_ip
 * @user_stack_size: bytes of user stack copied from @user_sp, after
 *	the frames
 * @frames: @nr_kernel + @nr_user addresses, then @user_stack_size bytes,
 *	then zero padding to a multiple of 8
 */
struct sonde_thread_snapshot {
	__u32 size;
	__u32 tid;
	__u8 state;
	__u8 __reserved0;
	__u16 flags;
	__u32 cpu;
	__aligned_u64 off_cpu_ns;
	__aligned_u64 user_ip;
	__aligned_u64 user_sp;
	__aligned_u64 user_bp;
	__aligned_u64 syscall_nr;
	__aligned_u64 syscall_args[3];
	char comm[16];
	__u16 nr_kernel;
	__u16 nr_user;
	__u32 user_stack_size;
	__aligned_u64 frames[];
};

/**
 * struct sonde_ring_meta - first page of a CPU's read-only mapping
 * @size: sizeof() of this struct as the kernel knows it
 * @version: SONDE_ABI_VERSION
 * @cpu: the CPU this ring belongs to
 * @__reserved0: zero
 * @data_offset: offset of the data pages from the start of the mapping
 * @data_size: bytes of data, a power of two (mapped twice from
 *	@data_offset)
 * @__pad: keeps @data_head on its own cache line
 * @data_head: producer position; read it with a load-acquire (C)
 */
struct sonde_ring_meta {
	__u32 size;
	__u32 version;
	__u32 cpu;
	__u32 __reserved0;
	__aligned_u64 data_offset;
	__aligned_u64 data_size;
	__aligned_u64 __pad[4];
	__aligned_u64 data_head;
};

/**
 * struct sonde_ring_ctrl - the control page, the only writable mapping
 * @data_tail: consumer position; write it with a store-release (D)
 */
struct sonde_ring_ctrl {
	__aligned_u64 data_tail;
};

/* sonde_record_header.type */
#define SONDE_RECORD_SAMPLE	1
#define SONDE_RECORD_LOST	2
#define SONDE_RECORD_FORK	3	/* struct sonde_task_event */
#define SONDE_RECORD_EXEC	4	/* struct sonde_task_event */
#define SONDE_RECORD_EXIT	5	/* struct sonde_task_event */
#define SONDE_RECORD_COMM	6	/* struct sonde_task_event */
#define SONDE_RECORD_MMAP	7	/* struct sonde_mmap_event */
#define SONDE_RECORD_THROTTLE	8	/* struct sonde_throttle */
#define SONDE_RECORD_UNTHROTTLE	9	/* struct sonde_throttle */

/**
 * struct sonde_record_header - starts every record in a ring
 * @type: SONDE_RECORD_*
 * @size: bytes of the whole record, header included; a multiple of 8
 */
struct sonde_record_header {
	__u32 type;
	__u32 size;
};

/* sonde_sample.context */
#define SONDE_CTX_USER		0
#define SONDE_CTX_KERNEL	1
#define SONDE_CTX_IDLE		2

/* sonde_sample.flags */
#define SONDE_SAMPLE_KERNEL_TRUNCATED	(1U << 0) /* kernel chain hit max depth */
#define SONDE_SAMPLE_USER_TRUNCATED	(1U << 1) /* user chain hit max depth */
#define SONDE_SAMPLE_KERNEL_HIDDEN	(1U << 2) /* kernel addresses withheld */
#define SONDE_SAMPLE_USER_REGS		(1U << 3) /* user_sp/bp are valid */
/* no user side: a kernel thread, or an io_uring or vhost worker */
#define SONDE_SAMPLE_KTHREAD		(1U << 4)
/* the task is outside the opener's pid namespace: pid and tid are 0 */
#define SONDE_SAMPLE_PID_OUTSIDE	(1U << 5)
/*
 * fewer bytes of user stack than configured were copied (the stack ends,
 * or a page could not be read without faulting): user_stack_size says
 * how many.  Not set when the copy stopped at the top of the main
 * thread's stack (mm->start_stack: argc, argv, the environment and the
 * auxiliary vector are above it, no frame), which it always does there.
 */
#define SONDE_SAMPLE_USER_STACK_SHORT	(1U << 6)
/*
 * taken by a perf counter (struct sonde_event): a struct
 * sonde_sample_event ends the record, at the first multiple of 8 after
 * the stack bytes
 */
#define SONDE_SAMPLE_EVENT		(1U << 7)

/**
 * struct sonde_sample_event - the end of a SAMPLE record with
 * SONDE_SAMPLE_EVENT
 * @event: index of the counter in sonde_config.events_ptr, or
 *	SONDE_EVENT_TIMER for a timer sample that does not stand for one
 *	configured period: jittered (sonde_config.jitter), or the first
 *	after periods the timer missed (sonde_cpu_stats.timer_missed, a
 *	period below the timer resolution included), its @period then the
 *	ns since the timer's previous expiry; or
 *	SONDE_EVENT_OFFCPU for an off-CPU sample (its @period: ns off CPU)
 * @__reserved: zero
 * @period: events this sample stands for (the counter's period then)
 */
#define SONDE_EVENT_TIMER	0xffffffffU
#define SONDE_EVENT_OFFCPU	0xfffffffeU	/* SONDE_CONFIG_OFFCPU */

struct sonde_sample_event {
	__u32 event;
	__u32 __reserved;
	__aligned_u64 period;
};

/**
 * struct sonde_sample - SONDE_RECORD_SAMPLE
 * @hdr: type SONDE_RECORD_SAMPLE
 * @time_ns: CLOCK_MONOTONIC time of the sample
 * @cpu: the CPU the sample was taken on, as the handler measured it
 *	(always the ring's CPU; anything else is a module bug)
 * @pid: thread-group id of the interrupted task, in the opener's pid
 *	namespace; 0 for the idle task and for tasks outside that namespace
 * @tid: thread id of the interrupted task, likewise
 * @context: SONDE_CTX_*: where the CPU was when interrupted
 * @flags: SONDE_SAMPLE_* bits
 * @ip: interrupted instruction pointer (0 when kernel-hidden)
 * @user_ip: user IP of the task (the interrupted one, or where it entered
 *	the kernel); 0 when the task has no user side
 * @user_sp: user stack pointer (with SONDE_SAMPLE_USER_REGS, else 0)
 * @user_bp: user frame pointer (with SONDE_SAMPLE_USER_REGS, else 0)
 * @nr_kernel: kernel frames in @frames, innermost first, starting with @ip
 * @nr_user: user frames after them, innermost first, starting with @user_ip
 * @user_stack_size: bytes of user stack copied from @user_sp, after the
 *	frames
 * @frames: @nr_kernel + @nr_user return addresses, then @user_stack_size
 *	bytes of stack, then zero padding to a multiple of 8
 */
struct sonde_sample {
	struct sonde_record_header hdr;
	__aligned_u64 time_ns;
	__u32 cpu;
	__u32 pid;
	__u32 tid;
	__u16 context;
	__u16 flags;
	__aligned_u64 ip;
	__aligned_u64 user_ip;
	__aligned_u64 user_sp;
	__aligned_u64 user_bp;
	__u16 nr_kernel;
	__u16 nr_user;
	__u32 user_stack_size;
	__aligned_u64 frames[];
};

/**
 * struct sonde_lost - SONDE_RECORD_LOST
 * @hdr: type SONDE_RECORD_LOST
 * @time_ns: CLOCK_MONOTONIC time the record was written
 * @cpu: the ring's CPU
 * @__reserved: zero
 * @nr_lost: records (samples, task events) lost since the previous LOST
 *	record
 * @by_reason: the same, split by SONDE_LOST_* reason
 */
struct sonde_lost {
	struct sonde_record_header hdr;
	__aligned_u64 time_ns;
	__u32 cpu;
	__u32 __reserved;
	__aligned_u64 nr_lost;
	__aligned_u64 by_reason[SONDE_LOST_NR_REASONS];
};

/* sonde_task_event.flags */
#define SONDE_TASK_THREAD		(1U << 0) /* FORK made a thread */
#define SONDE_TASK_PATH_TRUNCATED	(1U << 1) /* EXEC path too long */
/* FORK: the child is not followed (the followed set is full) */
#define SONDE_TASK_NOT_FOLLOWED		(1U << 2)
/* EXEC: the task's root is not the opener's (see sonde_mmap_event) */
#define SONDE_TASK_OTHER_ROOT		(1U << 3)

/* Longest EXEC path, NUL included. */
#define SONDE_MAX_EXEC_PATH	1024

/**
 * struct sonde_task_event - SONDE_RECORD_FORK, _EXEC, _EXIT and _COMM
 * @hdr: type SONDE_RECORD_FORK, _EXEC, _EXIT or _COMM
 * @time_ns: CLOCK_MONOTONIC time of the event
 * @cpu: the CPU it happened on (that of the ring)
 * @pid: thread-group id of the task, in the opener's pid namespace
 * @tid: thread id of the task, likewise.  FORK: the parent (the task
 *	that called fork or clone); EXEC: the task after the exec (a
 *	thread that execs takes its group leader's tid); EXIT: the thread
 *	that exits (one record per thread); COMM: the renamed thread
 * @child_pid: FORK: the new task's thread-group id (@pid for a thread)
 * @child_tid: FORK: the new task's thread id
 * @flags: SONDE_TASK_* bits
 * @path_size: EXEC: bytes of @path, NUL included; 0 otherwise
 * @comm: the task's name after the event, NUL-padded (FORK: the
 *	child's, which it inherits)
 * @path: EXEC: absolute path of the new executable as d_path() gives
 *	it, at most SONDE_MAX_EXEC_PATH bytes; then zero padding to a
 *	multiple of 8
 *
 * Written when CONFIGURE asked for SONDE_CAPTURE_TASK_EVENTS, for tasks
 * the tgid filter wants (FORK: whose parent it wants) and the opener's
 * pid namespace can see, into the ring of the CPU the event happened on;
 * events on CPUs outside the session's mask are not recorded.
 */
struct sonde_task_event {
	struct sonde_record_header hdr;
	__aligned_u64 time_ns;
	__u32 cpu;
	__u32 pid;
	__u32 tid;
	__u32 child_pid;
	__u32 child_tid;
	__u16 flags;
	__u16 path_size;
	char comm[16];
	char path[];
};

/* sonde_mmap_event.flags */
#define SONDE_MMAP_ANON			(1U << 0) /* no file: JIT code */
#define SONDE_MMAP_OTHER_ROOT		(1U << 1) /* see @path */
#define SONDE_MMAP_PATH_TRUNCATED	(1U << 2) /* @path is empty */
#define SONDE_MMAP_EXEC			(1U << 3) /* written at EXEC */

#define SONDE_BUILD_ID_MAX	20

/**
 * struct sonde_mmap_event - SONDE_RECORD_MMAP
 * @hdr: type SONDE_RECORD_MMAP
 * @time_ns: CLOCK_MONOTONIC time the mapping was looked up, after the
 *	sample that asked for it (by microseconds: before the task ran
 *	user code again), so the mapping held at that sample's time
 * @cpu: the CPU it was written on (that of the ring)
 * @pid: thread-group id of the task, in the opener's pid namespace
 * @tid: thread id of the task, likewise
 * @ns_pid: thread-group id as the task's own pid namespace numbers it:
 *	what /proc/PID means inside its container
 * @start: first address of the mapping
 * @end: first address after it
 * @pgoff: file offset of @start, in bytes
 * @ino: inode number of the file (0: SONDE_MMAP_ANON)
 * @dev: device of the file, as stat(2)'s st_dev encodes it
 * @flags: SONDE_MMAP_* bits
 * @path_size: bytes of @path, NUL included; 0 for anonymous memory
 * @build_id_size: bytes of @build_id (0: the file has no GNU build-id
 *	note, or it could not be read)
 * @__reserved: zero
 * @build_id: the file's NT_GNU_BUILD_ID, read when the record was written
 * @path: the file's path as the task saw it (d_path() from the task's
 *	root, " (deleted)" appended to an unlinked file), at most
 *	SONDE_MAX_EXEC_PATH bytes; then zero padding to a multiple of 8.
 *	With SONDE_MMAP_OTHER_ROOT the task's root directory is not the
 *	opener's (a container, a chroot): the file is at /proc/PID/root
 *	followed by @path, with the opener's PID, while the task lives
 *
 * Written with SONDE_CAPTURE_MMAP for each executable mapping a user-mode
 * sample's IP falls in, once per mapping and address space (again after
 * the mapping changed), and with SONDE_CAPTURE_TASK_EVENTS too, for every
 * executable mapping of a new image at EXEC (SONDE_MMAP_EXEC).  The
 * lookup runs in the sampled task as it returns to user mode, so the
 * record is right even for a process that exits right after; a sample
 * whose lookup could not be started is counted in
 * sonde_cpu_stats.map_missed.  Samples taken in the kernel start no
 * lookup (their task may sleep there indefinitely).
 */
struct sonde_mmap_event {
	struct sonde_record_header hdr;
	__aligned_u64 time_ns;
	__u32 cpu;
	__u32 pid;
	__u32 tid;
	__u32 ns_pid;
	__aligned_u64 start;
	__aligned_u64 end;
	__aligned_u64 pgoff;
	__aligned_u64 ino;
	__u32 dev;
	__u16 flags;
	__u16 path_size;
	__u8 build_id_size;
	__u8 __reserved[3];
	__u8 build_id[SONDE_BUILD_ID_MAX];
	char path[];
};

/**
 * struct sonde_throttle - SONDE_RECORD_THROTTLE, SONDE_RECORD_UNTHROTTLE
 * @hdr: type THROTTLE (the period was lengthened) or UNTHROTTLE (it was
 *	shortened again, towards the configured one)
 * @time_ns: CLOCK_MONOTONIC time of the change
 * @cpu: the ring's CPU, whose sampling period changed
 * @max_overhead: the limit in force, in hundredths of a percent: the
 *	module parameter max_cpu_percent, or the session's
 *	sonde_config.max_overhead when lower
 * @period_ns: the period from now on: each later sample of this CPU (in
 *	ring order) stands for @period_ns, until the next such record
 * @handler_ns: handler time spent on this CPU in the window that decided
 * @window_ns: that window's length
 *
 * The overhead limit, like perf's perf_cpu_time_max_percent, is always
 * on: when the sampling handler took more than max_cpu_percent (module
 * parameter, 1 to 100, default 25), or the session's lower
 * sonde_config.max_overhead, of a CPU over a window of about 100 ms, that CPU's period is doubled (up to info.max_period_ns) and a
 * THROTTLE record says so; once a window's handler time would stay under
 * half the limit at half the period, the period is halved (down to the
 * configured one) and an UNTHROTTLE record says so.
 */
struct sonde_throttle {
	struct sonde_record_header hdr;
	__aligned_u64 time_ns;
	__u32 cpu;
	__u32 max_overhead;
	__aligned_u64 period_ns;
	__aligned_u64 handler_ns;
	__aligned_u64 window_ns;
};

#endif /* _UAPI_SONDE_H */
