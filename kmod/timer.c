// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: the timer source, a pinned per-CPU hrtimer, and CPU hotplug of
 * a session's sources: the timer and the perf counters (pmu.c).
 *
 * Arming registers a dynamic CPU hotplug state: its startup callback runs
 * on each online CPU (in that CPU's hotplug thread) and starts the CPU's
 * timer pinned, in hard irq mode; it runs again on any CPU that comes
 * online while the state is registered.  Its teardown callback runs on
 * the CPU before it goes offline and cancels the timer there: an hrtimer
 * left on a dying CPU is migrated to another CPU by hrtimers_cpu_dying()
 * and would become a second writer on a single-producer ring.  Disarming
 * removes the state, which runs the teardown on every online CPU and
 * returns once no timer callback runs anywhere.
 *
 * Contexts: sonde_timer_arm/disarm in process context under the session
 * lock; hotplug callbacks in the CPU's hotplug thread; sonde_timer_fn in hard
 * irq on its CPU.  Only one session exists (open is exclusive), so the
 * armed session lives in one static pointer, written before the state is
 * registered and cleared after it is removed; cpuhp's own locking orders
 * those writes against the callbacks.
 */
#include <linux/hrtimer.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/timekeeping.h>
#include <linux/random.h>
#include <asm/irq_regs.h>
#include "session.h"
#include "ring.h"
#include "throttle.h"

/**
 * struct sonde_cpu_timer - the timer source of one CPU
 * @timer: pinned, hard irq hrtimer
 * @ring: this CPU's ring
 * @sampler: the armed session's parameters
 * @throttle: the overhead limit's state: the period in force here
 * @interval_ns: with jitter, the interval the timer was last set to run
 *	after: what its next sample stands for
 * @counting: the CPU's sources were started (the timer, when the session
 *	has it, and its perf counters), and not yet stopped
 * @armed: @timer was started and not yet cancelled
 */
struct sonde_cpu_timer {
	struct hrtimer timer;
	struct sonde_ring *ring;
	const struct sonde_sampler *sampler;
	struct sonde_throttle_state throttle;
	u64 interval_ns;
	bool armed;
	bool counting;
};

static DEFINE_PER_CPU(struct sonde_cpu_timer, sonde_cpu_timers);
static struct sonde_session *armed_session;

/* @period varied at random by up to @pct percent either way. */
static u64 jittered(u64 period, u32 pct)
{
	u64 span = div_u64(period * pct, 100);

	if (!span)
		return period;
	return period - span + get_random_u32() % (u32)min_t(u64, 2 * span + 1,
							     U32_MAX);
}

static enum hrtimer_restart sonde_timer_fn(struct hrtimer *timer)
{
	struct sonde_cpu_timer *ct = container_of(timer, struct sonde_cpu_timer,
						  timer);
	const struct sonde_sampler *sp = ct->sampler;
	struct pt_regs *regs = get_irq_regs();
	u64 interval = ct->interval_ns, stood, periods, spent = 0, next;
	struct sonde_sample_event ev = { .event = SONDE_EVENT_TIMER };
	ktime_t expired = hrtimer_get_expires(timer);

	/*
	 * The time this run stands for is how far the expiry moves: whole
	 * intervals up to now, each at least hrtimer_resolution long.
	 * Without high-resolution timers (no one-shot clock event device,
	 * or a jiffies clocksource) that is a tick, 4 ms at HZ=250, and a
	 * shorter interval is stretched to it by hrtimer_forward().
	 */
	hrtimer_forward_now(timer, ns_to_ktime(interval));
	stood = ktime_to_ns(ktime_sub(hrtimer_get_expires(timer), expired));
	/* More than one interval passed: count the ones nobody sampled. */
	periods = div64_u64(stood, interval);
	if (periods > 1)
		WRITE_ONCE(ct->ring->timer_missed,
			   ct->ring->timer_missed + periods - 1);
	/*
	 * No interrupted context (e.g. run from a softirq): nothing to take.
	 * A sample after missed periods stands for all of them, as the task
	 * it finds ran through them on this CPU as far as the kernel's own
	 * accounting goes: profiles by time then add up to the time that
	 * passed, and a thread's wall-clock view (on-CPU samples plus
	 * off-CPU waits) does not lose what a late timer skipped.
	 */
	if (regs) {
		ev.period = stood;
		spent = sonde_sample(sp, ct->ring, regs,
				     sp->jitter || stood != interval ?
				     &ev : NULL);
	} else {
		WRITE_ONCE(ct->ring->timer_no_regs, ct->ring->timer_no_regs + 1);
	}
	next = sonde_throttle_account(&ct->throttle, ct->ring,
				      sp->period_ns, sp->max_overhead, spent);
	if (sp->jitter)
		next = jittered(next, sp->jitter);
	/* A new interval counts from this run: the next sample stands for it. */
	if (next != interval) {
		hrtimer_set_expires(timer,
				    ktime_add_ns(ktime_sub_ns(hrtimer_get_expires(timer),
							      interval), next));
		ct->interval_ns = next;
	}
	return HRTIMER_RESTART;
}

static int timer_cpu_online(unsigned int cpu)
{
	struct sonde_session *s = armed_session;
	struct sonde_cpu_timer *ct = per_cpu_ptr(&sonde_cpu_timers, cpu);

	int ret;

	if (!s || !cpumask_test_cpu(cpu, s->cpus))
		return 0;
	/* Pinned timers start on the CPU they are started from. */
	if (WARN_ON_ONCE(cpu != raw_smp_processor_id()))
		return 0;
	ct->ring = s->bufs->rings[cpu];
	ct->sampler = &s->sampler;
	WRITE_ONCE(ct->ring->wq, &s->wq);
	/* The perf counters of the CPU (pmu.c), which may not exist here. */
	ret = sonde_pmu_cpu_start(s, cpu);
	if (ret)
		return ret;
	ct->counting = true;
	if (!s->sampler.timer)
		return 0;
	sonde_throttle_start(&ct->throttle, s->sampler.period_ns);
	ct->interval_ns = s->sampler.period_ns;
	hrtimer_init(&ct->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	ct->timer.function = sonde_timer_fn;
	hrtimer_start(&ct->timer, ns_to_ktime(s->sampler.period_ns),
		      HRTIMER_MODE_REL_PINNED_HARD);
	ct->armed = true;
	return 0;
}

static int timer_cpu_offline(unsigned int cpu)
{
	struct sonde_cpu_timer *ct = per_cpu_ptr(&sonde_cpu_timers, cpu);

	if (!ct->counting)
		return 0;
	if (ct->armed)
		hrtimer_cancel(&ct->timer);
	ct->armed = false;
	sonde_pmu_cpu_stop(cpu);
	ct->counting = false;
	/* No writer is left on the ring: close its loss accounting. */
	preempt_disable();
	sonde_throttle_stop(ct->ring, ktime_get_mono_fast_ns());
	sonde_ring_flush_lost(ct->ring, ktime_get_mono_fast_ns());
	preempt_enable();
	return 0;
}

/**
 * sonde_timer_arm - start sampling on the session's CPUs
 * @s: the session, configured, with its lock held
 *
 * Returns 0, -ENOSPC (no dynamic hotplug state left), or the error of
 * creating a CPU's perf counters (pmu.c).
 */
int sonde_timer_arm(struct sonde_session *s)
{
	int state, ret;

	armed_session = s;
	state = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "sonde:timer",
				  timer_cpu_online, timer_cpu_offline);
	if (state < 0) {
		armed_session = NULL;
		return state;
	}
	s->hp_state = state;
	/* The counters are created by work the online callbacks queued. */
	ret = sonde_pmu_flush();
	if (ret)
		sonde_timer_disarm(s);
	return ret;
}

/**
 * sonde_timer_disarm - stop sampling and wait for running handlers
 * @s: the session, with its lock held
 */
void sonde_timer_disarm(struct sonde_session *s)
{
	cpuhp_remove_state(s->hp_state);
	s->hp_state = 0;
	armed_session = NULL;
	/* The offline callbacks queued the counters' release: wait for it. */
	sonde_pmu_flush();
}
