// SPDX-License-Identifier: GPL-2.0
/*
 * Profile layer: what samples were taken on (profile.events), which of
 * them a SAMPLE record is, and the weight of off-CPU waits.
 *
 * The events are the timer ("cpu-clock"), the recording's counters in
 * their SAMPLE_EVENTS order, then, when record --off-cpu wrote them,
 * off-CPU waits ("offcpu-time", perf's name for the same thing).  An
 * off-CPU sample's count is its wait in units of the timer's period,
 * so that every output that sums counts (report, folded, flame graphs)
 * weighs a thread's waits as the samples the timer would have taken had
 * the thread run: on- and off-CPU together then add up to wall-clock
 * time, as in async-profiler's wall mode.  The remainder of each wait is
 * carried to the thread's next one, so that many short waits count as
 * much as one long wait of their total.  In the wall-clock view the
 * timer's samples count the same way, by the time each stands for (more
 * than one period after periods the timer missed).
 *
 * Called by build.c while it walks the records, single-threaded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "profile/builder.h"

/* Without the timer, an off-CPU count stands for a millisecond. */
#define OFFCPU_UNIT_NO_TIMER_NS	1000000ULL

__u32 profile__offcpu_event_of(const struct session *s)
{
	const struct srec_session *info = session__info(s);
	unsigned int nr;

	session__events(s, &nr);
	return info && (info->flags & SREC_SESSION_OFF_CPU) ? nr + 1 : 0;
}

int builder__add_events(struct builder *b)
{
	struct profile *p = b->p;
	const struct session_event *ev = session__events(b->s, &p->nr_events);
	bool offcpu = profile__offcpu_event_of(b->s) != 0;
	__u32 i;
	int err;

	p->nr_events++;
	p->events = calloc(p->nr_events + offcpu, sizeof(*p->events));
	if (!p->events)
		return -ENOMEM;
	p->events[0].nsec = true;
	err = builder__intern(b, "cpu-clock", &p->events[0].name);
	for (i = 1; !err && i < p->nr_events; i++) {
		p->events[i].nsec = ev[i - 1].nsec;
		err = builder__intern(b, ev[i - 1].name, &p->events[i].name);
	}
	if (err || !offcpu)
		return err;
	p->offcpu_event = p->nr_events++;
	p->events[p->offcpu_event].nsec = true;
	p->events[p->offcpu_event].offcpu = true;
	p->offcpu_unit_ns = p->period_ns ? p->period_ns :
					   OFFCPU_UNIT_NO_TIMER_NS;
	return builder__intern(b, "offcpu-time",
			       &p->events[p->offcpu_event].name);
}

bool builder__sample_event(const struct builder *b,
			   const struct sonde_sample *raw, __u32 *event,
			   __u64 *period)
{
	const struct sonde_sample_event *ev;
	size_t off;

	if (!(raw->flags & SONDE_SAMPLE_EVENT)) {
		*event = 0;
		*period = b->throttled ?
			  session__period_at(b->s, raw->cpu, raw->time_ns) :
			  b->p->period_ns;
		return true;
	}
	/* The reader checked that frames and stack fit in the record. */
	off = sizeof(*raw) + 8 * ((size_t)raw->nr_kernel + raw->nr_user) +
	      raw->user_stack_size;
	off = ALIGN8(off);
	if (off > raw->hdr.size || raw->hdr.size - off < sizeof(*ev))
		return false;
	ev = (const void *)((const char *)raw + off);
	*period = ev->period;
	/* A jittered timer sample: the interval before it. */
	if (ev->event == SONDE_EVENT_TIMER) {
		*event = 0;
		return true;
	}
	if (ev->event == SONDE_EVENT_OFFCPU) {
		*event = b->p->offcpu_event;
		return b->p->offcpu_event != 0;
	}
	/* Counters are events 1 to nr_counters; off-CPU comes after. */
	if (ev->event >= b->p->nr_events - 1 - !!b->p->offcpu_event)
		return false;
	*event = ev->event + 1;
	return true;
}

int builder__time_units(struct builder *b, __u32 thread, __u64 ns,
			  __u32 *units)
{
	__u64 unit = b->p->offcpu_unit_ns, total, n;

	if (thread >= b->cap_time_carry) {
		size_t cap = max_t(size_t, 64, (size_t)thread * 2);
		__u64 *c = reallocarray(b->time_carry, cap, sizeof(*c));

		if (!c)
			return -ENOMEM;
		memset(c + b->cap_time_carry, 0,
		       (cap - b->cap_time_carry) * sizeof(*c));
		b->time_carry = c;
		b->cap_time_carry = cap;
	}
	/* A recording's wait is untrusted: sums saturate. */
	total = sat_add_u64(b->time_carry[thread], ns);
	n = total / unit;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	b->time_carry[thread] = total - n * unit;
	*units = n;
	return 0;
}
