/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde: the state of the one open /dev/sonde file, and the immutable
 * sampling parameters its sources read while armed.
 */
#ifndef _SONDE_SESSION_H
#define _SONDE_SESSION_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/cpumask.h>
#include <linux/wait.h>
#include <linux/path.h>
#include "../uapi/sonde.h"

struct pt_regs;
struct file;
struct pid;
struct pid_namespace;
struct task_struct;
struct sonde_ring;
struct sonde_buffers;
struct sonde_tgids;
struct sonde_map_events;
struct sonde_offcpu;

/* Limits reported by GET_INFO. */
#define SONDE_MAX_FREQUENCY	20000
#define SONDE_MIN_PERIOD_NS	(NSEC_PER_SEC / SONDE_MAX_FREQUENCY)
#define SONDE_MAX_PERIOD_NS	(10 * NSEC_PER_SEC)
#define SONDE_MAX_KERNEL_DEPTH	128
#define SONDE_MAX_USER_DEPTH	128
#define SONDE_MAX_USER_STACK	65528
#define SONDE_MAX_TGIDS		256
/* Processes a session following forks can hold (see tgids.c). */
#define SONDE_MAX_FOLLOWED	16384
#define SONDE_MIN_RING_PAGES	2
#define SONDE_MAX_RING_PAGES	4096
#define SONDE_DEFAULT_RING_PAGES 64
/* Largest task event record: the struct and the longest EXEC path. */
#define SONDE_MAX_TASK_EVENT_RECORD \
	(sizeof(struct sonde_task_event) + SONDE_MAX_EXEC_PATH)
/* Largest MMAP record: the struct and the longest path. */
#define SONDE_MAX_MMAP_RECORD \
	(sizeof(struct sonde_mmap_event) + SONDE_MAX_EXEC_PATH)

/* Offsets of a CPU's mappings inside its range of the device's offsets. */
#define SONDE_MMAP_CTRL_OFFSET	0
#define SONDE_MMAP_META_OFFSET	PAGE_SIZE

/**
 * struct sonde_sampler - what a source needs; fixed from START to STOP
 * @period_ns: sampling period
 * @capture: SONDE_CAPTURE_* bits
 * @kernel_depth: kernel frames per sample at most
 * @user_depth: user frames per sample at most
 * @user_stack_bytes: bytes of user stack to copy (0: none)
 * @max_record: largest record these settings can produce (SAMPLE, or a
 *	task event when they are captured)
 * @kernel_allowed: the opener may see kernel addresses
 * @pid_ns: the opener's pid namespace: records carry pids as seen there
 * @follow_forks: the FORK probe adds new processes of members to @tgids
 * @tgids: the thread groups to sample (tgids.c); NULL samples every task
 * @map_events: where MMAP lookups go, set from START to STOP when
 *	SONDE_CAPTURE_MMAP is on (map_events.c)
 * @max_overhead: the session's limit on the handler's share of a CPU, in
 *	hundredths of a percent; 0: the module's alone (throttle.c)
 * @jitter: the timer's intervals vary by up to this percent either way
 * @timer: the timer source samples (SONDE_SOURCE_TIMER)
 * @nr_events: perf counters that sample too (pmu.c), in @events
 * @offcpu: the table of blocked threads when off-CPU samples are on
 *	(SONDE_CONFIG_OFFCPU, offcpu.c); NULL otherwise
 */
struct sonde_sampler {
	u64 period_ns;
	u32 capture;
	u32 kernel_depth;
	u32 user_depth;
	u32 user_stack_bytes;
	u32 max_record;
	bool kernel_allowed;
	struct pid_namespace *pid_ns;
	bool follow_forks;
	struct sonde_tgids *tgids;
	struct sonde_map_events *map_events;
	u32 max_overhead;
	u32 jitter;
	bool timer;
	u32 nr_events;
	struct sonde_event events[SONDE_MAX_EVENTS];
	struct sonde_offcpu *offcpu;
};

/**
 * struct sonde_session - one open /dev/sonde
 * @lock: serializes changes of state (the CONFIGURE swap, START, STOP)
 *	and poll's look at the rings.  Never held while touching user
 *	memory: ->mmap() runs under the mmap lock, which a user fault takes
 *	too, so ->mmap() must not wait for @lock and @lock holders must not
 *	fault.
 * @map_lock: leaf lock over @bufs and @ring_file for ->mmap()
 * @running: between START and STOP
 * @sampler: the parameters, immutable while @running
 * @cpus: CPUs to sample
 * @bufs: the rings (the session's own reference); NULL until the first
 *	successful CONFIGURE
 * @ring_file: anon file that mappings of @bufs point at
 * @wq: pollers of the device file
 * @hp_state: dynamic CPU hotplug state while @running
 * @pid_ns: the opener's pid namespace, one reference
 * @root: the opener's root directory, one reference: MMAP and EXEC
 *	records say when a task's root is another
 */
struct sonde_session {
	struct mutex lock;
	spinlock_t map_lock;
	bool running;
	struct sonde_sampler sampler;
	cpumask_var_t cpus;
	struct sonde_buffers *bufs;
	struct file *ring_file;
	wait_queue_head_t wq;
	int hp_state;
	struct pid_namespace *pid_ns;
	struct path root;
};

struct sonde_session *sonde_session_create(void);
void sonde_session_destroy(struct sonde_session *s);
long sonde_session_get_info(struct sonde_session *s, void __user *uarg);
long sonde_session_configure(struct sonde_session *s, void __user *uarg);
long sonde_session_start(struct sonde_session *s);
long sonde_session_stop(struct sonde_session *s);
void sonde_session_stop_locked(struct sonde_session *s);
long sonde_session_get_stats(struct sonde_session *s, void __user *uarg);
u64 sonde_mmap_cpu_stride(void);
bool sonde_other_root(const struct path *root);

/* dev.c: the scheduler tracepoints were found at load (task events). */
extern bool sonde_have_task_events;

/* offcpu.c: off-CPU samples from the sched_switch tracepoint. */
extern bool sonde_have_offcpu;
bool sonde_offcpu_init(void);
struct sonde_offcpu *sonde_offcpu_alloc(u64 min_ns, u32 kernel_depth,
					u32 user_depth, u32 stack_bytes);
void sonde_offcpu_free(struct sonde_offcpu *oc);
int sonde_offcpu_arm(struct sonde_session *s);
void sonde_offcpu_disarm(struct sonde_session *s);

/* pmu.c: the perf counter source. */
int sonde_pmu_check(const struct sonde_event *ev);
int sonde_pmu_cpu_start(struct sonde_session *s, unsigned int cpu);
void sonde_pmu_cpu_stop(unsigned int cpu);
int sonde_pmu_flush(void);
void sonde_pmu_init(void);

/* sample.c: build one sample from interrupted registers. */
u64 sonde_sample(const struct sonde_sampler *sp, struct sonde_ring *ring,
		 struct pt_regs *regs, const struct sonde_sample_event *ev);
bool sonde_tgid_wanted(const struct sonde_sampler *sp,
		       struct task_struct *task);
u16 sonde_sample_pids(const struct sonde_sampler *sp, struct task_struct *task,
		      struct sonde_sample *rec);
u32 sonde_sample_max_record(u32 kernel_depth, u32 user_depth,
			    u32 user_stack_bytes, bool events);
/*
 * The chains and stack copy of the task interrupted on this CPU (current),
 * for the samples and for a snapshot's cross-CPU call; interrupts off.
 */
u32 sonde_kernel_chain(u64 *frames, u32 max, struct pt_regs *regs,
		       bool *truncated);
u32 sonde_user_chain(u64 *frames, u32 max, struct pt_regs *uregs,
		     bool *truncated);
u32 sonde_user_stack_want(unsigned long sp, u32 want);
u32 sonde_user_stack(u8 *dst, unsigned long sp, u32 want);

int sonde_ioctl_copy_in(void *dst, size_t ksize, u32 size_ver0,
			void __user *uarg, u32 *usize);

/* snapshot.c: every thread of a process, where it is now. */
long sonde_snapshot(struct sonde_session *s, void __user *uarg);

/*
 * The highest poll() watermark a ring of @size bytes is sure to reach
 * with records of at most @max_record bytes (uapi: sonde_config).
 */
static inline u64 sonde_max_wakeup_bytes(u64 size, u32 max_record)
{
	return size - max_record - sizeof(struct sonde_lost);
}

/* tgids.c: the set of thread groups to sample. */
struct sonde_tgids *sonde_tgids_alloc(u32 max);
bool sonde_tgids_add(struct sonde_tgids *t, struct pid *pid);
bool sonde_tgids_contains(const struct sonde_tgids *t, const struct pid *pid);
void sonde_tgids_free(struct sonde_tgids *t);

/* map_events.c: MMAP records, looked up from task work. */
extern bool sonde_have_map_events;
int sonde_map_events_arm(struct sonde_session *s);
void sonde_map_events_stop(struct sonde_session *s);
void sonde_map_events_release(struct sonde_session *s);
void sonde_map_events_sample(struct sonde_map_events *me,
			     struct sonde_ring *ring, unsigned long ip,
			     u64 now);
void sonde_map_events_exec(struct sonde_map_events *me);
void sonde_map_events_exit(void);

/* task_events.c: FORK, EXEC, EXIT and COMM records. */
bool sonde_task_events_init(void);
int sonde_task_events_arm(struct sonde_session *s);
void sonde_task_events_disarm(struct sonde_session *s);

/* timer.c: the hrtimer source, armed on the session's CPUs. */
int sonde_timer_arm(struct sonde_session *s);
void sonde_timer_disarm(struct sonde_session *s);

/* dev.c: the anon file behind ring mappings. */
struct file *sonde_ring_file_create(struct sonde_buffers *bufs);

#endif /* _SONDE_SESSION_H */
