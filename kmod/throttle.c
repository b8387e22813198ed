// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: the overhead limit, perf's perf_cpu_time_max_percent for sonde's
 * sources.  A source reports each handler run's duration; per CPU, over
 * windows of SONDE_THROTTLE_WINDOW_NS, the handler's share of the CPU is
 * compared with the module parameter max_cpu_percent.  Over it, the CPU's
 * period doubles (up to SONDE_MAX_PERIOD_NS) and a THROTTLE record says
 * so in the CPU's ring; while a window's share would stay under half the
 * limit at half the period, the period halves back towards the configured
 * one, with an UNTHROTTLE record.  Each record carries the period in force
 * after it, so every later sample of that CPU (in ring order) stands for a
 * known time and profiles stay unbiased.  The record format and the rules
 * are documented with struct sonde_throttle in uapi/sonde.h.
 *
 * Contexts: sonde_throttle_account() in the source's handler on the
 * ring's CPU (hard irq for the timer), as the only writer of that CPU's
 * throttle state and statistics; the parameter is read with READ_ONCE()
 * and may change at any time (sysfs, process context).
 * sonde_throttle_stop() on the ring's CPU once its source is stopped.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/timekeeping.h>
#include "session.h"
#include "ring.h"
#include "throttle.h"

static unsigned int sonde_max_cpu_percent = 25;

static int max_cpu_percent_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	if (v < 1 || v > 100)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops max_cpu_percent_ops = {
	.set = max_cpu_percent_set,
	.get = param_get_uint,
};
module_param_cb(max_cpu_percent, &max_cpu_percent_ops,
		&sonde_max_cpu_percent, 0644);
MODULE_PARM_DESC(max_cpu_percent,
		 "most of a CPU the sampling handler may take, in percent (1-100, default 25); above it the CPU's rate is lowered");

/**
 * sonde_handler_hist_bucket - a handler run's histogram bucket
 * @ns: the run's duration
 *
 * Returns its index in sonde_cpu_stats.handler_hist (see
 * SONDE_HANDLER_HIST_BUCKETS).
 */
unsigned int sonde_handler_hist_bucket(u64 ns)
{
	if (ns < 256)
		return 0;
	return min_t(unsigned int, fls64(ns) - 8,
		     SONDE_HANDLER_HIST_BUCKETS - 1);
}

/**
 * sonde_throttle_start - a CPU's source starts at @period_ns
 * @t: its throttle state
 * @period_ns: the configured period
 */
void sonde_throttle_start(struct sonde_throttle_state *t, u64 period_ns)
{
	t->window_start = ktime_get_mono_fast_ns();
	t->used_ns = 0;
	t->period_ns = period_ns;
}

static void throttle_record(struct sonde_ring *ring, u32 type, u64 now,
			    u32 limit,
			    const struct sonde_throttle_state *t, u64 window)
{
	struct sonde_throttle *rec;

	/* Written or lost, it counts (the accounting identity's term). */
	WRITE_ONCE(ring->throttle_events, ring->throttle_events + 1);
	rec = sonde_ring_begin(ring, sizeof(*rec), now);
	if (!rec)
		return;
	memset(rec, 0, sizeof(*rec));
	rec->hdr.type = type;
	rec->hdr.size = sizeof(*rec);
	rec->time_ns = now;
	rec->cpu = ring->cpu;
	rec->max_overhead = limit;
	rec->period_ns = t->period_ns;
	rec->handler_ns = t->used_ns;
	rec->window_ns = window;
	sonde_ring_end(ring, sizeof(*rec));
}

/**
 * sonde_throttle_account - count one handler run and apply the limit
 * @t: the CPU's throttle state
 * @ring: the CPU's ring (its records and statistics)
 * @base_period_ns: the configured period, the shortest allowed
 * @max_overhead: the session's limit in hundredths of a percent (0: none
 *	but the module's)
 * @spent_ns: the run's duration
 *
 * Context: the source's handler on the ring's CPU, interrupts off.
 * Returns the period in force from now on.
 */
u64 sonde_throttle_account(struct sonde_throttle_state *t,
			   struct sonde_ring *ring, u64 base_period_ns,
			   u32 max_overhead, u64 spent_ns)
{
	/* Hundredths of a percent: the module's limit, or the session's. */
	u32 limit_cpct = READ_ONCE(sonde_max_cpu_percent) * 100;
	u64 now = ktime_get_mono_fast_ns();
	u64 window, limit;
	u32 type = 0;

	t->used_ns += spent_ns;
	/* The fast clock may step back a little across an update. */
	if ((s64)(now - t->window_start) < (s64)SONDE_THROTTLE_WINDOW_NS)
		return t->period_ns;
	window = now - t->window_start;
	if (max_overhead && max_overhead < limit_cpct)
		limit_cpct = max_overhead;
	limit = div_u64(window * limit_cpct, 10000);
	if (t->used_ns > limit && t->period_ns < SONDE_MAX_PERIOD_NS) {
		t->period_ns = min_t(u64, t->period_ns * 2, SONDE_MAX_PERIOD_NS);
		type = SONDE_RECORD_THROTTLE;
		if (!ring->throttled_since)
			WRITE_ONCE(ring->throttled_since, now);
	} else if (t->period_ns > base_period_ns && t->used_ns < limit / 4) {
		/* At half the period, twice the share: under half the limit. */
		t->period_ns = max_t(u64, t->period_ns / 2, base_period_ns);
		type = SONDE_RECORD_UNTHROTTLE;
		if (t->period_ns == base_period_ns)
			sonde_throttle_stop(ring, now);
	}
	if (type)
		throttle_record(ring, type, now, limit_cpct, t, window);
	t->window_start = now;
	t->used_ns = 0;
	return t->period_ns;
}

/**
 * sonde_throttle_stop - close the ring's throttled time at @now
 * @ring: a ring whose source stopped, or is back at its configured period
 * @now: ktime_get_mono_fast_ns()
 */
void sonde_throttle_stop(struct sonde_ring *ring, u64 now)
{
	u64 since = ring->throttled_since;

	if (!since)
		return;
	if (now > since)
		WRITE_ONCE(ring->throttled_ns, ring->throttled_ns + now - since);
	WRITE_ONCE(ring->throttled_since, 0);
}
