// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: the perf counter source.  For each struct sonde_event of the
 * session and each CPU it samples, a CPU-bound counter created in the
 * kernel (perf_event_create_kernel_counter(), as the hard lockup detector
 * does; no perf_event_open() file), whose overflow handler writes a
 * SAMPLE record into that CPU's ring, ended by a struct
 * sonde_sample_event naming the counter and the period the sample
 * stands for.
 *
 * Contexts: sonde_pmu_check() in process context (CONFIGURE).
 * sonde_pmu_cpu_start/stop() in the CPU's hotplug thread, from the
 * session's hotplug state (timer.c), like the timer: counters follow
 * CPUs that come and go.  They only say what the CPU should have and
 * queue its work item; the counters are created and released by that
 * work, in process context, never in a hotplug callback: creating or
 * releasing a software counter behind a static key (page-faults,
 * context-switches, ...) takes cpus_read_lock() through
 * static_key_slow_inc/dec(), which a hotplug callback, running under
 * the hotplug lock held for writing, would wait on forever.  The work
 * reconciles what the CPU has with what it should have, so transitions
 * queued while it is pending or running are never lost.
 * sonde_pmu_flush() (START, STOP) waits for every CPU's work.
 *
 * The overflow handler runs where the counter overflows, on its CPU:
 * hard irq for the hrtimer-driven software clocks, the faulting task for
 * page faults (preemption off, interrupts on), the scheduler for context
 * switches, NMI for hardware counters.  It turns interrupts off around
 * the sample so that every writer of a ring runs as the timer does; a
 * sample nested in another writer of the ring is counted lost
 * (SONDE_LOST_NESTED), as the ring's nesting guard does.  A counter may
 * outlive its CPU's stop until the work releases it (or the perf core
 * removes it as the CPU goes down): the handler writes only while the
 * CPU's @live flag, set by start and cleared by stop on that CPU, says
 * so; it reads the flag with interrupts off on the same CPU, so stop's
 * store and the ring flush after it are never interleaved with a sample.
 */
#include <linux/perf_event.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include <linux/irqflags.h>
#include <linux/err.h>
#include "session.h"
#include "ring.h"

/**
 * struct sonde_pmu_counter - one counter of one CPU
 * @event: the kernel counter, NULL when none
 * @ring: the CPU's ring
 * @sampler: the session's parameters
 * @index: the counter's index in sonde_config.events_ptr
 */
struct sonde_pmu_counter {
	struct perf_event *event;
	struct sonde_ring *ring;
	const struct sonde_sampler *sampler;
	u32 index;
};

/**
 * struct sonde_pmu_cpu - the counters of one CPU
 * @counters: the counters, @nr of them with an event
 * @session: the armed session whose counters the CPU should have, NULL:
 *	none (written by start and stop, read by @work)
 * @live: the handler may write into the ring
 * @work: creates and releases @counters to match @session
 * @cpu: the CPU
 */
struct sonde_pmu_cpu {
	struct sonde_pmu_counter counters[SONDE_MAX_EVENTS];
	struct sonde_session *session;
	bool live;
	struct work_struct work;
	unsigned int cpu;
};

static DEFINE_PER_CPU(struct sonde_pmu_cpu, sonde_pmu_cpus);

/* The first error of creating counters since the last flush. */
static atomic_t sonde_pmu_error = ATOMIC_INIT(0);

static void event_attr(struct perf_event_attr *attr,
		       const struct sonde_event *ev, bool disabled)
{
	memset(attr, 0, sizeof(*attr));
	attr->type = ev->type;
	attr->size = sizeof(*attr);
	attr->config = ev->config;
	if (ev->frequency) {
		attr->freq = 1;
		attr->sample_freq = ev->frequency;
	} else {
		attr->sample_period = ev->period;
	}
	attr->pinned = 1;
	attr->disabled = disabled;
}

/* The software counters a sampler can use: those that count work. */
static bool software_allowed(u64 config)
{
	switch (config) {
	case PERF_COUNT_SW_CPU_CLOCK:
	case PERF_COUNT_SW_TASK_CLOCK:
	case PERF_COUNT_SW_PAGE_FAULTS:
	case PERF_COUNT_SW_CONTEXT_SWITCHES:
	case PERF_COUNT_SW_CPU_MIGRATIONS:
	case PERF_COUNT_SW_PAGE_FAULTS_MIN:
	case PERF_COUNT_SW_PAGE_FAULTS_MAJ:
		return true;
	}
	return false;
}

/**
 * sonde_pmu_check - is @ev well-formed, and can this machine count it?
 * @ev: from CONFIGURE, copied in
 *
 * Creates and frees a disabled counter on the current CPU.  Returns 0,
 * -EINVAL (malformed), -EOPNOTSUPP (no such counter here: a hardware
 * event without a hardware PMU) or -ENOMEM.
 */
int sonde_pmu_check(const struct sonde_event *ev)
{
	struct perf_event_attr attr;
	struct perf_event *event;

	if (ev->flags || ev->__reserved || !!ev->period == !!ev->frequency ||
	    ev->frequency > SONDE_MAX_FREQUENCY || (s64)ev->period < 0)
		return -EINVAL;
	switch (ev->type) {
	case PERF_TYPE_SOFTWARE:
		if (!software_allowed(ev->config))
			return -EINVAL;
		break;
	case PERF_TYPE_HARDWARE:
	case PERF_TYPE_HW_CACHE:
	case PERF_TYPE_RAW:
		break;
	default:
		return -EINVAL;
	}
	event_attr(&attr, ev, true);
	event = perf_event_create_kernel_counter(&attr, raw_smp_processor_id(),
						 NULL, NULL, NULL);
	if (IS_ERR(event))
		return PTR_ERR(event) == -ENOMEM ? -ENOMEM : -EOPNOTSUPP;
	perf_event_release_kernel(event);
	return 0;
}

static void pmu_overflow(struct perf_event *event,
			 struct perf_sample_data *data, struct pt_regs *regs)
{
	struct sonde_pmu_counter *c = event->overflow_handler_context;
	struct sonde_sample_event ev = {
		.event = c->index,
		.period = data->period,
	};
	unsigned long flags;

	local_irq_save(flags);
	/* Partner: the store in sonde_pmu_cpu_stop(), on this CPU. */
	if (READ_ONCE(this_cpu_ptr(&sonde_pmu_cpus)->live))
		sonde_sample(c->sampler, c->ring, regs, &ev);
	local_irq_restore(flags);
}

static void release_counters(struct sonde_pmu_cpu *pc)
{
	unsigned int i;

	for (i = 0; i < SONDE_MAX_EVENTS; i++) {
		if (!pc->counters[i].event)
			continue;
		perf_event_release_kernel(pc->counters[i].event);
		pc->counters[i].event = NULL;
	}
}

static void create_counters(struct sonde_pmu_cpu *pc, struct sonde_session *s,
			    unsigned int cpu)
{
	struct perf_event_attr attr;
	unsigned int i;

	for (i = 0; i < s->sampler.nr_events; i++) {
		struct sonde_pmu_counter *c = &pc->counters[i];
		struct perf_event *event;

		c->ring = s->bufs->rings[cpu];
		c->sampler = &s->sampler;
		c->index = i;
		event_attr(&attr, &s->sampler.events[i], false);
		event = perf_event_create_kernel_counter(&attr, cpu, NULL,
							 pmu_overflow, c);
		if (IS_ERR(event)) {
			/* Gone offline meanwhile: its stop queued us again. */
			if (PTR_ERR(event) != -ENODEV)
				atomic_cmpxchg(&sonde_pmu_error, 0,
					       PTR_ERR(event));
			release_counters(pc);
			return;
		}
		c->event = event;
	}
}

/* Process context: make the CPU's counters what its session asks for. */
static void pmu_cpu_work(struct work_struct *work)
{
	struct sonde_pmu_cpu *pc = container_of(work, struct sonde_pmu_cpu,
						work);
	struct sonde_session *s = READ_ONCE(pc->session);

	/* Recreated from scratch: the CPU may have gone and come back. */
	release_counters(pc);
	if (s)
		create_counters(pc, s, pc->cpu);
}

/**
 * sonde_pmu_cpu_stop - stop the counters of @cpu writing, and have them
 *	released
 * @cpu: the CPU, whose hotplug thread this runs in
 */
void sonde_pmu_cpu_stop(unsigned int cpu)
{
	struct sonde_pmu_cpu *pc = per_cpu_ptr(&sonde_pmu_cpus, cpu);

	/* Partner: the load in pmu_overflow(), on this CPU. */
	local_irq_disable();
	WRITE_ONCE(pc->live, false);
	local_irq_enable();
	WRITE_ONCE(pc->session, NULL);
	queue_work(system_unbound_wq, &pc->work);
}

/**
 * sonde_pmu_cpu_start - have the session's counters created on @cpu
 * @s: the armed session
 * @cpu: the CPU, whose hotplug thread this runs in
 *
 * Returns 0; creation errors are kept for sonde_pmu_flush().
 */
int sonde_pmu_cpu_start(struct sonde_session *s, unsigned int cpu)
{
	struct sonde_pmu_cpu *pc = per_cpu_ptr(&sonde_pmu_cpus, cpu);

	if (!s->sampler.nr_events)
		return 0;
	WRITE_ONCE(pc->session, s);
	WRITE_ONCE(pc->live, true);
	queue_work(system_unbound_wq, &pc->work);
	return 0;
}

/**
 * sonde_pmu_flush - wait until every CPU has the counters its last start
 *	or stop asked for
 *
 * Context: process context, not under the hotplug lock (the work takes
 * it).  Returns 0, or the first error of creating a counter since the
 * last flush.
 */
int sonde_pmu_flush(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(&sonde_pmu_cpus, cpu)->work);
	return atomic_xchg(&sonde_pmu_error, 0);
}

/* Module init: each CPU's work item. */
void sonde_pmu_init(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct sonde_pmu_cpu *pc = per_cpu_ptr(&sonde_pmu_cpus, cpu);

		pc->cpu = cpu;
		INIT_WORK(&pc->work, pmu_cpu_work);
	}
}
