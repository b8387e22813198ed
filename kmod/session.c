// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: the session behind the one open /dev/sonde, and its ioctls.
 *
 * Everything here runs in process context.  User memory is copied in and
 * out without s->lock held (see struct sonde_session for why); the lock
 * covers only the state changes themselves.  Validation comes before any
 * allocation, and a CONFIGURE that fails leaves the previous configuration
 * in place, so that a refused ioctl leaves nothing allocated.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/file.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/timekeeping.h>
#include <linux/lockdep.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/fs_struct.h>
#include "session.h"
#include "ring.h"
#include "compat.h"

/**
 * sonde_mmap_cpu_stride - distance between two CPUs' mmap offsets
 */
u64 sonde_mmap_cpu_stride(void)
{
	/* ctrl page, meta page, the largest data area mapped twice */
	return (u64)(2 + 2 * SONDE_MAX_RING_PAGES) << PAGE_SHIFT;
}

struct sonde_session *sonde_session_create(void)
{
	struct sonde_session *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	if (!zalloc_cpumask_var(&s->cpus, GFP_KERNEL)) {
		kfree(s);
		return NULL;
	}
	mutex_init(&s->lock);
	spin_lock_init(&s->map_lock);
	init_waitqueue_head(&s->wq);
	/* The opener's view of pids, as perf_event_alloc() keeps event->ns. */
	s->pid_ns = get_pid_ns(task_active_pid_ns(current));
	s->sampler.pid_ns = s->pid_ns;
	get_fs_root(current->fs, &s->root);
	return s;
}

/**
 * sonde_other_root - is current's root directory another than @root (the
 *	opener's: then current is in a container, or a chroot)?
 * @root: the opener's root directory
 *
 * Context: process, in the task concerned; takes the task's fs spinlock.
 */
bool sonde_other_root(const struct path *root)
{
	struct fs_struct *fs = current->fs;
	bool other;

	if (!fs)
		return true;
	spin_lock(&fs->lock);
	other = !path_equal(&fs->root, root);
	spin_unlock(&fs->lock);
	return other;
}

/* What a CONFIGURE replaces, released after the locks are dropped. */
struct session_old {
	struct file *ring_file;
	struct sonde_buffers *bufs;
	struct sonde_tgids *tgids;
	struct sonde_offcpu *offcpu;
};

static void session_release_old(struct session_old *old)
{
	if (old->ring_file)
		fput(old->ring_file);
	sonde_buffers_put(old->bufs);
	sonde_tgids_free(old->tgids);
	sonde_offcpu_free(old->offcpu);
}

/* Safe on a session in any state, including never configured. */
void sonde_session_destroy(struct sonde_session *s)
{
	struct session_old old;

	if (!s)
		return;
	mutex_lock(&s->lock);
	sonde_session_stop_locked(s);
	mutex_unlock(&s->lock);
	/* The file is being released: no ioctl or mmap can reach us now. */
	old.ring_file = s->ring_file;
	old.bufs = s->bufs;
	old.tgids = s->sampler.tgids;
	old.offcpu = s->sampler.offcpu;
	session_release_old(&old);
	put_pid_ns(s->pid_ns);
	path_put(&s->root);
	free_cpumask_var(s->cpus);
	kfree(s);
}

/*
 * The size rule every ioctl struct follows (uapi/sonde.h, "General ioctl
 * format"): the caller's size, at least version 0's, at most a page.
 */
static int ioctl_usize(void __user *uarg, u32 size_ver0, u32 *usize)
{
	if (get_user(*usize, (u32 __user *)uarg))
		return -EFAULT;
	if (*usize < size_ver0)
		return -EINVAL;
	if (*usize > PAGE_SIZE)
		return -E2BIG;
	return 0;
}

/**
 * sonde_ioctl_copy_in - copy an ioctl struct in with
 *	copy_struct_from_user() semantics (uapi: "General ioctl format")
 * @dst: the kernel's struct, @ksize bytes
 * @ksize: sizeof() it
 * @size_ver0: the struct's _SIZE_VER0
 * @uarg: the caller's struct
 * @usize: out: its size as the caller gave it
 */
int sonde_ioctl_copy_in(void *dst, size_t ksize, u32 size_ver0,
			void __user *uarg, u32 *usize)
{
	int ret = ioctl_usize(uarg, size_ver0, usize);

	return ret ?: copy_struct_from_user(dst, ksize, uarg, *usize);
}

static int ioctl_copy_in(void *dst, size_t ksize, u32 size_ver0,
			 void __user *uarg)
{
	u32 usize;

	return sonde_ioctl_copy_in(dst, ksize, size_ver0, uarg, &usize);
}

long sonde_session_get_info(struct sonde_session *s, void __user *uarg)
{
	struct sonde_info info = {};
	u32 usize;
	int ret;

	ret = ioctl_usize(uarg, SONDE_INFO_SIZE_VER0, &usize);
	if (ret)
		return ret;

	info.size = min_t(u32, usize, sizeof(info));
	info.abi_version = SONDE_ABI_VERSION;
	info.features = SONDE_FEAT_TIMER | SONDE_FEAT_PMU | SONDE_FEAT_THROTTLE |
			SONDE_FEAT_SNAPSHOT |
			SONDE_FEAT_KERNEL_CHAIN |
			SONDE_FEAT_USER_CHAIN | SONDE_FEAT_USER_STACK;
	if (sonde_have_task_events)
		info.features |= SONDE_FEAT_TASK_EVENTS |
				 SONDE_FEAT_FOLLOW_FORKS;
	if (sonde_have_map_events)
		info.features |= SONDE_FEAT_MMAP_EVENTS;
	if (sonde_have_offcpu)
		info.features |= SONDE_FEAT_OFFCPU;
	if (s->sampler.kernel_allowed)
		info.features |= SONDE_FEAT_KERNEL_ALLOWED;
	info.nr_cpu_ids = nr_cpu_ids;
	info.page_size = PAGE_SIZE;
	info.min_ring_pages = SONDE_MIN_RING_PAGES;
	info.max_ring_pages = SONDE_MAX_RING_PAGES;
	info.max_frequency = SONDE_MAX_FREQUENCY;
	info.min_period_ns = SONDE_MIN_PERIOD_NS;
	info.max_kernel_depth = SONDE_MAX_KERNEL_DEPTH;
	info.max_user_depth = SONDE_MAX_USER_DEPTH;
	info.max_user_stack = SONDE_MAX_USER_STACK;
	info.max_tgids = SONDE_MAX_TGIDS;
	info.mmap_cpu_stride = sonde_mmap_cpu_stride();
	info.mmap_ctrl_offset = SONDE_MMAP_CTRL_OFFSET;
	info.mmap_meta_offset = SONDE_MMAP_META_OFFSET;
	info.max_period_ns = SONDE_MAX_PERIOD_NS;

	/* A caller newer than us gets zeros past what we know. */
	if (usize > sizeof(info) &&
	    clear_user(uarg + sizeof(info), usize - sizeof(info)))
		return -EFAULT;
	if (copy_to_user(uarg, &info, info.size))
		return -EFAULT;
	return 0;
}

static int copy_cpumask(struct cpumask *dst, const struct sonde_config *cfg)
{
	unsigned int nbits = cfg->cpumask_bytes * BITS_PER_BYTE;
	unsigned long *bits;
	unsigned int bit;
	u64 *words;
	int ret = 0;

	if (!cfg->cpumask_ptr) {
		if (cfg->cpumask_bytes)
			return -EINVAL;
		cpumask_copy(dst, cpu_possible_mask);
		return 0;
	}
	if (!cfg->cpumask_bytes || cfg->cpumask_bytes % sizeof(u64) ||
	    cfg->cpumask_bytes > DIV_ROUND_UP(nr_cpu_ids, 64) * sizeof(u64))
		return -EINVAL;
	words = memdup_user(u64_to_user_ptr(cfg->cpumask_ptr),
			    cfg->cpumask_bytes);
	if (IS_ERR(words))
		return PTR_ERR(words);
	bits = bitmap_alloc(nbits, GFP_KERNEL);
	if (!bits) {
		ret = -ENOMEM;
		goto out_free_words;
	}
	/* The ABI bitmap is little-endian __u64 words, as arr64 reads. */
	bitmap_from_arr64(bits, words, nbits);
	cpumask_clear(dst);
	for_each_set_bit(bit, bits, nbits) {
		if (bit >= nr_cpu_ids || !cpu_possible(bit)) {
			ret = -EINVAL;
			goto out_free_bits;
		}
		cpumask_set_cpu(bit, dst);
	}
	if (cpumask_empty(dst))
		ret = -EINVAL;
out_free_bits:
	bitmap_free(bits);
out_free_words:
	kfree(words);
	return ret;
}

/*
 * The thread groups to sample, named by the caller's numbers: each is
 * looked up in the caller's active pid namespace (as perf_event_open()
 * looks up its pid argument) and must be a thread-group id there: a
 * number that names no process, or only a thread, is refused with ESRCH.
 * A set that follows forks has room for SONDE_MAX_FOLLOWED processes.
 */
static int copy_tgids(struct sonde_sampler *sp, const struct sonde_config *cfg)
{
	struct sonde_tgids *tgids;
	struct pid *pid;
	u32 *nrs, i;
	int ret = 0;

	if (!cfg->nr_tgids)
		return cfg->tgids_ptr ? -EINVAL : 0;
	if (cfg->nr_tgids > SONDE_MAX_TGIDS || !cfg->tgids_ptr)
		return -EINVAL;
	nrs = memdup_user(u64_to_user_ptr(cfg->tgids_ptr),
			  cfg->nr_tgids * sizeof(u32));
	if (IS_ERR(nrs))
		return PTR_ERR(nrs);
	tgids = sonde_tgids_alloc(sp->follow_forks ? SONDE_MAX_FOLLOWED :
						     cfg->nr_tgids);
	if (!tgids) {
		ret = -ENOMEM;
		goto out_free_nrs;
	}
	for (i = 0; i < cfg->nr_tgids && !ret; i++) {
		if (!nrs[i] || nrs[i] > PID_MAX_LIMIT) {
			ret = -EINVAL;
			break;
		}
		rcu_read_lock();
		pid = find_vpid(nrs[i]);
		if (!pid || !pid_task(pid, PIDTYPE_TGID))
			ret = -ESRCH;
		/* Cannot be full: there is room for every entry. */
		else if (!sonde_tgids_add(tgids, pid))
			ret = -EINVAL;
		rcu_read_unlock();
	}
	if (ret) {
		sonde_tgids_free(tgids);
		goto out_free_nrs;
	}
	sp->tgids = tgids;
out_free_nrs:
	kfree(nrs);
	return ret;
}

/* Checks that need no allocation; fills @sp's scalar fields. */
/*
 * The perf counters to sample on, copied in and each checked against
 * what this machine has (pmu.c): -EOPNOTSUPP for one it cannot count.
 */
static int copy_events(struct sonde_sampler *sp, const struct sonde_config *cfg)
{
	u32 i;
	int ret;

	sp->nr_events = 0;
	if (!cfg->nr_events)
		return 0;
	if (copy_from_user(sp->events, u64_to_user_ptr(cfg->events_ptr),
			   cfg->nr_events * sizeof(sp->events[0])))
		return -EFAULT;
	for (i = 0; i < cfg->nr_events; i++) {
		ret = sonde_pmu_check(&sp->events[i]);
		if (ret)
			return ret;
	}
	sp->nr_events = cfg->nr_events;
	return 0;
}

/*
 * The depths of off-CPU chains: the samples' kernel depth (none without
 * SONDE_CAPTURE_KERNEL_CHAIN); frame-pointer user chains even when the
 * samples copy stacks instead, since only a bounded part of a blocked
 * thread's stack is kept until it returns.
 */
static u32 offcpu_kernel_depth(const struct sonde_config *cfg,
			       const struct sonde_sampler *sp)
{
	return cfg->capture & SONDE_CAPTURE_KERNEL_CHAIN ? sp->kernel_depth : 0;
}

static u32 offcpu_user_depth(const struct sonde_config *cfg)
{
	return cfg->max_user_depth ?: SONDE_MAX_USER_DEPTH;
}

/* The samples' stack copy, bounded: every blocked thread keeps one. */
static u32 offcpu_stack_bytes(const struct sonde_sampler *sp)
{
	return min_t(u32, sp->user_stack_bytes, SONDE_OFFCPU_MAX_STACK);
}

/*
 * The table of blocked threads, when off-CPU samples are asked for;
 * after check_config().
 */
static int alloc_offcpu(struct sonde_sampler *sp, const struct sonde_config *cfg)
{
	if (!(cfg->flags & SONDE_CONFIG_OFFCPU))
		return 0;
	sp->offcpu = sonde_offcpu_alloc(cfg->offcpu_min_ns,
					offcpu_kernel_depth(cfg, sp),
					offcpu_user_depth(cfg),
					offcpu_stack_bytes(sp));
	return sp->offcpu ? 0 : -ENOMEM;
}

static int check_config(const struct sonde_config *cfg,
			struct sonde_sampler *sp, u32 *ring_pages,
			u64 *wakeup_bytes)
{
	u32 kdepth, udepth, stack;
	u64 size;

	if (cfg->max_overhead > 10000 || cfg->jitter > 50)
		return -EINVAL;
	sp->max_overhead = cfg->max_overhead;
	sp->jitter = cfg->jitter;
	if (cfg->nr_events > SONDE_MAX_EVENTS ||
	    (!cfg->nr_events && cfg->events_ptr))
		return -EINVAL;
	if (cfg->flags & ~(SONDE_CONFIG_FOLLOW_FORKS | SONDE_CONFIG_OFFCPU))
		return -EINVAL;
	if (cfg->flags & SONDE_CONFIG_OFFCPU) {
		if (!sonde_have_offcpu)
			return -EOPNOTSUPP;
		if (cfg->offcpu_min_ns > SONDE_MAX_PERIOD_NS)
			return -EINVAL;
	} else if (cfg->offcpu_min_ns) {
		return -EINVAL;
	}
	/* Following needs the FORK probe, and something to follow. */
	if ((cfg->flags & SONDE_CONFIG_FOLLOW_FORKS) &&
	    (!(cfg->capture & SONDE_CAPTURE_TASK_EVENTS) || !cfg->nr_tgids))
		return -EINVAL;
	sp->follow_forks = cfg->flags & SONDE_CONFIG_FOLLOW_FORKS;
	if (cfg->source != SONDE_SOURCE_TIMER && cfg->source != SONDE_SOURCE_PMU)
		return -EINVAL;
	if (cfg->capture & ~SONDE_CAPTURE_ALL)
		return -EINVAL;
	if ((cfg->capture & SONDE_CAPTURE_TASK_EVENTS) && !sonde_have_task_events)
		return -EOPNOTSUPP;
	if ((cfg->capture & SONDE_CAPTURE_MMAP) && !sonde_have_map_events)
		return -EOPNOTSUPP;

	sp->timer = cfg->source == SONDE_SOURCE_TIMER;
	if (!sp->timer) {
		/* Counters alone: they say how often. */
		if (cfg->frequency || cfg->period_ns || !cfg->nr_events ||
		    cfg->jitter)
			return -EINVAL;
		/* The throttle and the THROTTLE records read it: unused. */
		sp->period_ns = NSEC_PER_SEC;
	} else if (!!cfg->frequency == !!cfg->period_ns) {
		return -EINVAL;
	} else if (cfg->frequency) {
		if (cfg->frequency > SONDE_MAX_FREQUENCY)
			return -EINVAL;
		sp->period_ns = NSEC_PER_SEC / cfg->frequency;
	} else {
		if (cfg->period_ns < SONDE_MIN_PERIOD_NS ||
		    cfg->period_ns > SONDE_MAX_PERIOD_NS)
			return -EINVAL;
		sp->period_ns = cfg->period_ns;
	}

	kdepth = cfg->max_kernel_depth ?: SONDE_MAX_KERNEL_DEPTH;
	udepth = cfg->max_user_depth ?: SONDE_MAX_USER_DEPTH;
	if (kdepth > SONDE_MAX_KERNEL_DEPTH || udepth > SONDE_MAX_USER_DEPTH)
		return -EINVAL;
	if (!(cfg->capture & SONDE_CAPTURE_KERNEL_CHAIN))
		kdepth = 1;	/* the IP alone */
	if (!(cfg->capture & SONDE_CAPTURE_USER_CHAIN))
		udepth = 0;

	stack = 0;
	if (cfg->capture & SONDE_CAPTURE_USER_STACK) {
		/* A stack copy is useless without the SP it starts at. */
		if (!(cfg->capture & SONDE_CAPTURE_USER_REGS))
			return -EINVAL;
		stack = cfg->user_stack_bytes ?: SONDE_MAX_USER_STACK;
		if (stack % 8 || stack > SONDE_MAX_USER_STACK)
			return -EINVAL;
	} else if (cfg->user_stack_bytes) {
		return -EINVAL;
	}

	*ring_pages = cfg->ring_pages ?: SONDE_DEFAULT_RING_PAGES;
	if (!is_power_of_2(*ring_pages) ||
	    *ring_pages < SONDE_MIN_RING_PAGES ||
	    *ring_pages > SONDE_MAX_RING_PAGES)
		return -EINVAL;
	size = (u64)*ring_pages << PAGE_SHIFT;

	sp->capture = cfg->capture;
	sp->kernel_depth = kdepth;
	sp->user_depth = udepth;
	sp->user_stack_bytes = stack;
	sp->max_record = sonde_sample_max_record(kdepth, udepth, stack,
						 cfg->nr_events ||
						 cfg->source == SONDE_SOURCE_TIMER);
	if (cfg->capture & SONDE_CAPTURE_TASK_EVENTS)
		sp->max_record = max_t(u32, sp->max_record,
				       SONDE_MAX_TASK_EVENT_RECORD);
	if (cfg->capture & SONDE_CAPTURE_MMAP)
		sp->max_record = max_t(u32, sp->max_record,
				       SONDE_MAX_MMAP_RECORD);
	if (cfg->flags & SONDE_CONFIG_OFFCPU)
		sp->max_record = max_t(u32, sp->max_record,
				       sizeof(struct sonde_sample) +
				       (offcpu_kernel_depth(cfg, sp) +
					offcpu_user_depth(cfg)) * sizeof(u64) +
				       offcpu_stack_bytes(sp) +
				       sizeof(struct sonde_sample_event));
	/* Room for a largest sample and the LOST record before it, twice. */
	if (2 * ((u64)sp->max_record + sizeof(struct sonde_lost)) > size)
		return -EINVAL;

	/*
	 * The producer gives up while a largest record and a LOST record do
	 * not fit, so the fill is only sure to pass size - that much: a
	 * watermark above it could leave a poller asleep for ever.
	 */
	*wakeup_bytes = cfg->wakeup_bytes ?: size / 4;
	if (*wakeup_bytes > sonde_max_wakeup_bytes(size, sp->max_record))
		return -EINVAL;
	return 0;
}

long sonde_session_configure(struct sonde_session *s, void __user *uarg)
{
	/* kernel_allowed and pid_ns are fixed at open() */
	struct sonde_sampler sp = {
		.kernel_allowed = s->sampler.kernel_allowed,
		.pid_ns = s->pid_ns,
	};
	struct session_old old = {};
	struct sonde_buffers *bufs;
	struct sonde_config cfg;
	cpumask_var_t cpus;
	struct file *file;
	u64 wakeup_bytes;
	u32 ring_pages;
	int ret;

	ret = ioctl_copy_in(&cfg, sizeof(cfg), SONDE_CONFIG_SIZE_VER0, uarg);
	if (ret)
		return ret;

	ret = check_config(&cfg, &sp, &ring_pages, &wakeup_bytes);
	if (ret)
		return ret;
	if (READ_ONCE(s->running))	/* rechecked under the lock */
		return -EBUSY;
	if (!zalloc_cpumask_var(&cpus, GFP_KERNEL))
		return -ENOMEM;
	ret = copy_cpumask(cpus, &cfg);
	if (ret)
		goto out_free_cpus;
	ret = copy_events(&sp, &cfg);
	if (ret)
		goto out_free_cpus;
	ret = copy_tgids(&sp, &cfg);
	if (ret)
		goto out_free_cpus;
	ret = alloc_offcpu(&sp, &cfg);
	if (ret)
		goto out_free_tgids;

	bufs = sonde_buffers_alloc(cpus, ring_pages, wakeup_bytes);
	if (IS_ERR(bufs)) {
		ret = PTR_ERR(bufs);
		goto out_free_offcpu;
	}
	file = sonde_ring_file_create(bufs);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out_put_buffers;
	}

	mutex_lock(&s->lock);
	if (s->running) {
		mutex_unlock(&s->lock);
		ret = -EBUSY;
		goto out_put_file;
	}
	old.ring_file = s->ring_file;
	old.bufs = s->bufs;
	old.tgids = s->sampler.tgids;
	old.offcpu = s->sampler.offcpu;
	spin_lock(&s->map_lock);
	s->bufs = bufs;
	s->ring_file = file;
	spin_unlock(&s->map_lock);
	s->sampler = sp;
	cpumask_copy(s->cpus, cpus);
	mutex_unlock(&s->lock);

	session_release_old(&old);
	free_cpumask_var(cpus);
	return 0;

out_put_file:
	fput(file);
out_put_buffers:
	sonde_buffers_put(bufs);
out_free_offcpu:
	sonde_offcpu_free(sp.offcpu);
out_free_tgids:
	sonde_tgids_free(sp.tgids);
out_free_cpus:
	free_cpumask_var(cpus);
	return ret;
}

/*
 * Arm every source the configuration asks for, or none.  MMAP lookups
 * first: the EXEC probe and the timer queue them.
 */
static int session_arm(struct sonde_session *s)
{
	u32 capture = s->sampler.capture;
	int ret;

	if (capture & SONDE_CAPTURE_MMAP) {
		ret = sonde_map_events_arm(s);
		if (ret)
			return ret;
	}
	if (capture & SONDE_CAPTURE_TASK_EVENTS) {
		ret = sonde_task_events_arm(s);
		/* Only failure: the tracepoint core ran out of memory. */
		if (ret) {
			ret = -ENOMEM;
			goto out_release_map_events;
		}
	}
	if (s->sampler.offcpu) {
		ret = sonde_offcpu_arm(s);
		/* Likewise. */
		if (ret) {
			ret = -ENOMEM;
			goto out_disarm_task_events;
		}
	}
	ret = sonde_timer_arm(s);
	if (ret) {
		/*
		 * No dynamic hotplug state left, or a CPU's perf counter
		 * could not be created (checked at CONFIGURE: memory).
		 */
		if (ret == -ENOSPC)
			ret = -EBUSY;
		else if (ret != -ENOMEM)
			ret = -EOPNOTSUPP;
		goto out_disarm_offcpu;
	}
	return 0;

out_disarm_offcpu:
	if (s->sampler.offcpu)
		sonde_offcpu_disarm(s);
out_disarm_task_events:
	if (capture & SONDE_CAPTURE_TASK_EVENTS)
		sonde_task_events_disarm(s);
out_release_map_events:
	if (capture & SONDE_CAPTURE_MMAP) {
		sonde_map_events_stop(s);
		sonde_map_events_release(s);
	}
	return ret;
}

long sonde_session_start(struct sonde_session *s)
{
	int ret;

	mutex_lock(&s->lock);
	if (!s->bufs) {
		ret = -EINVAL;
	} else if (s->running) {
		ret = -EBUSY;
	} else {
		ret = session_arm(s);
		if (!ret)
			s->running = true;
	}
	mutex_unlock(&s->lock);
	return ret;
}

void sonde_session_stop_locked(struct sonde_session *s)
{
	unsigned int cpu;

	lockdep_assert_held(&s->lock);
	if (!s->running)
		return;
	/*
	 * Task events and MMAP records first: the timer's CPU teardown
	 * closes each ring.  The MMAP state lives until the timer, which
	 * queues lookups on it, is gone.
	 */
	if (s->sampler.offcpu)
		sonde_offcpu_disarm(s);
	if (s->sampler.capture & SONDE_CAPTURE_TASK_EVENTS)
		sonde_task_events_disarm(s);
	if (s->sampler.capture & SONDE_CAPTURE_MMAP)
		sonde_map_events_stop(s);
	sonde_timer_disarm(s);
	if (s->sampler.capture & SONDE_CAPTURE_MMAP)
		sonde_map_events_release(s);
	WRITE_ONCE(s->running, false);
	/* No source runs any more: retire pending wakeups, then wake all. */
	for (cpu = 0; cpu < s->bufs->nr_rings; cpu++) {
		struct sonde_ring *ring = s->bufs->rings[cpu];

		if (!ring)
			continue;
		WRITE_ONCE(ring->wq, NULL);
		irq_work_sync(&ring->wakeup_work);
	}
	wake_up_all(&s->wq);
}

long sonde_session_stop(struct sonde_session *s)
{
	mutex_lock(&s->lock);
	sonde_session_stop_locked(s);
	mutex_unlock(&s->lock);
	return 0;
}

static void ring_stats(const struct sonde_ring *ring, struct sonde_cpu_stats *st)
{
	u64 since, now;
	int i;

	memset(st, 0, sizeof(*st));
	if (!ring)
		return;
	st->samples = local64_read(&ring->samples);
	st->records = READ_ONCE(ring->records);
	st->bytes = READ_ONCE(ring->bytes);
	for (i = 0; i < SONDE_LOST_NR_REASONS; i++)
		st->lost[i] = local64_read(&ring->lost[i]);
	st->filtered = local64_read(&ring->filtered);
	st->task_events = local64_read(&ring->task_events);
	st->map_events = local64_read(&ring->map_events);
	st->map_missed = local64_read(&ring->map_missed);
	st->handler_ns_total = READ_ONCE(ring->handler_ns_total);
	st->handler_ns_max = READ_ONCE(ring->handler_ns_max);
	st->timer_missed = READ_ONCE(ring->timer_missed);
	st->timer_no_regs = READ_ONCE(ring->timer_no_regs);
	for (i = 0; i < SONDE_HANDLER_HIST_BUCKETS; i++)
		st->handler_hist[i] = READ_ONCE(ring->handler_hist[i]);
	st->throttle_events = READ_ONCE(ring->throttle_events);
	/* A span still open counts up to now. */
	since = READ_ONCE(ring->throttled_since);
	now = ktime_get_mono_fast_ns();
	st->throttled_ns = READ_ONCE(ring->throttled_ns) +
			   (since && now > since ? now - since : 0);
}

long sonde_session_get_stats(struct sonde_session *s, void __user *uarg)
{
	struct sonde_cpu_stats *st;
	struct sonde_stats req;
	bool flushed = false;
	u32 cpu, n;
	void __user *dst;
	int ret;

	ret = ioctl_copy_in(&req, sizeof(req), SONDE_STATS_SIZE_VER0, uarg);
	if (ret)
		return ret;
	if (req.__reserved || !req.stats_size || req.stats_size % 8 ||
	    req.stats_size > PAGE_SIZE)
		return -EINVAL;
	if (req.nr_cpus < nr_cpu_ids) {
		if (put_user((u32)nr_cpu_ids,
			     &((struct sonde_stats __user *)uarg)->nr_cpus))
			return -EFAULT;
		return -E2BIG;
	}

	st = kvcalloc(nr_cpu_ids, sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	mutex_lock(&s->lock);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct sonde_ring *ring = s->bufs ? s->bufs->rings[cpu] : NULL;

		/*
		 * Stopped, nothing else writes the rings: a LOST record that
		 * found no room at STOP may fit now that the reader drained.
		 */
		if (ring && !s->running &&
		    sonde_ring_flush_lost(ring, ktime_get_mono_fast_ns()))
			flushed = true;
		ring_stats(ring, &st[cpu]);
	}
	mutex_unlock(&s->lock);
	/* The stopped rings wake no poller themselves: a record appeared. */
	if (flushed)
		wake_up_all(&s->wq);

	n = min_t(u32, req.stats_size, sizeof(*st));
	dst = u64_to_user_ptr(req.cpu_stats_ptr);
	ret = 0;
	for (cpu = 0; cpu < nr_cpu_ids && !ret; cpu++) {
		if (copy_to_user(dst, &st[cpu], n) ||
		    (req.stats_size > n &&
		     clear_user(dst + n, req.stats_size - n)))
			ret = -EFAULT;
		dst += req.stats_size;
	}
	if (!ret && put_user((u32)nr_cpu_ids,
			     &((struct sonde_stats __user *)uarg)->nr_cpus))
		ret = -EFAULT;
	kvfree(st);
	return ret;
}
