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
 * CPUs that come and go.  The overflow handler runs where the counter
 * overflows, on its CPU: hard irq for the hrtimer-driven software clocks,
 * the faulting task for page faults (preemption off, interrupts on), the
 * scheduler for context switches, NMI for hardware counters.  It turns
 * interrupts off around the sample so that every writer of a ring runs
 * as the timer does; a sample nested in another writer of the ring is
 * counted lost (SONDE_LOST_NESTED), as the ring's nesting guard does.
 * A counter is released on its own CPU by the hotplug thread, which a
 * handler of that CPU-bound counter cannot be running under (it runs
 * with preemption off on that CPU), so none runs once stop returned.
 */
#include <linux/perf_event.h>
#include <linux/percpu.h>
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

static DEFINE_PER_CPU(struct sonde_pmu_counter[SONDE_MAX_EVENTS],
		      sonde_pmu_counters);

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
	sonde_sample(c->sampler, c->ring, regs, &ev);
	local_irq_restore(flags);
}

/**
 * sonde_pmu_cpu_stop - release the counters of @cpu
 * @cpu: the CPU, whose hotplug thread this runs in
 */
void sonde_pmu_cpu_stop(unsigned int cpu)
{
	struct sonde_pmu_counter *c = *per_cpu_ptr(&sonde_pmu_counters, cpu);
	unsigned int i;

	for (i = 0; i < SONDE_MAX_EVENTS; i++) {
		if (!c[i].event)
			continue;
		perf_event_release_kernel(c[i].event);
		c[i].event = NULL;
	}
}

/**
 * sonde_pmu_cpu_start - create the session's counters on @cpu
 * @s: the armed session
 * @cpu: the CPU, whose hotplug thread this runs in
 *
 * Returns 0, or the counter's creation error (none is left then).
 */
int sonde_pmu_cpu_start(struct sonde_session *s, unsigned int cpu)
{
	struct sonde_pmu_counter *c = *per_cpu_ptr(&sonde_pmu_counters, cpu);
	struct perf_event_attr attr;
	unsigned int i;

	for (i = 0; i < s->sampler.nr_events; i++) {
		struct perf_event *event;

		c[i].ring = s->bufs->rings[cpu];
		c[i].sampler = &s->sampler;
		c[i].index = i;
		event_attr(&attr, &s->sampler.events[i], false);
		event = perf_event_create_kernel_counter(&attr, cpu, NULL,
							 pmu_overflow, &c[i]);
		if (IS_ERR(event)) {
			sonde_pmu_cpu_stop(cpu);
			return PTR_ERR(event);
		}
		c[i].event = event;
	}
	return 0;
}
