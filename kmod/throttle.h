/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde: the overhead limit of a sampling source (throttle.c).
 */
#ifndef _SONDE_THROTTLE_H
#define _SONDE_THROTTLE_H

#include <linux/types.h>

struct sonde_ring;

/* How long the handler's share of a CPU is measured over. */
#define SONDE_THROTTLE_WINDOW_NS	(100 * NSEC_PER_MSEC)

/**
 * struct sonde_throttle_state - the overhead limit's view of one CPU
 * @window_start: when the current window began (ktime_get_mono_fast_ns)
 * @used_ns: handler time spent in it
 * @period_ns: the sampling period in force on this CPU
 */
struct sonde_throttle_state {
	u64 window_start;
	u64 used_ns;
	u64 period_ns;
};

void sonde_throttle_start(struct sonde_throttle_state *t, u64 period_ns);
u64 sonde_throttle_account(struct sonde_throttle_state *t,
			   struct sonde_ring *ring, u64 base_period_ns,
			   u32 max_overhead, u64 spent_ns);
void sonde_throttle_stop(struct sonde_ring *ring, u64 now);
unsigned int sonde_handler_hist_bucket(u64 ns);

#endif /* _SONDE_THROTTLE_H */
