/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Serve layer: GET /counters and /counters.json: the counters of
 * /metrics as of now, and a short history of them kept in memory.
 *
 * The history is a ring of SERVE_HISTORY_POINTS points inside struct
 * server (no global), one taken every SERVE_HISTORY_INTERVAL seconds by
 * the server's ticker thread: six minutes, whatever the uptime, in a
 * few kilobytes.  A point holds running totals; rates are differences
 * of two points, left to the reader (the page's script does them).
 * The module's totals grow when a recording ends (metrics.h), so a
 * recording shows as a step at its end, not as a slope while it runs.
 *
 * The page is static markup and a script that fetches /counters.json
 * every SERVE_HISTORY_INTERVAL seconds and updates the page in place
 * (text only, through textContent: nothing the JSON holds is parsed as
 * markup).  The JSON holds numbers and the server's own names only.
 */
#ifndef SONDE_SERVE_COUNTERS_H
#define SONDE_SERVE_COUNTERS_H

#include <linux/types.h>

#include "lib/util.h"
#include "serve/metrics.h"

#define SERVE_HISTORY_INTERVAL	5	/* seconds between points */
#define SERVE_HISTORY_POINTS	72	/* 6 minutes of them */

/*
 * struct serve_point - the counters at one time, all running totals but
 * @module_up and @busy.
 * @time: seconds since the epoch
 * @samples, @lost, @throttled_ns: the module's, over every CPU
 * @requests: responses sent
 * @profiles: profiles sent (outcome ok)
 * @module_up: /dev/sonde was there
 * @busy: a profile or snapshot of this server was running
 */
struct serve_point {
	double time;
	__u64 samples;
	__u64 lost;
	__u64 throttled_ns;
	__u64 requests;
	__u64 profiles;
	__u8 module_up;
	__u8 busy;
};

/* struct serve_history - the last @nr points, oldest at @first. */
struct serve_history {
	struct serve_point points[SERVE_HISTORY_POINTS];
	unsigned int first;
	unsigned int nr;
};

/* serve_point__from - the point of snapshot @m, taken at @time. */
void serve_point__from(struct serve_point *p, const struct serve_metrics *m,
		       double time);

/* serve_history__add - append @p, dropping the oldest when full. */
void serve_history__add(struct serve_history *h, const struct serve_point *p);

/* serve_history__at - the @i-th point, 0 the oldest; @i < @h->nr. */
const struct serve_point *serve_history__at(const struct serve_history *h,
					    unsigned int i);

/*
 * counters__json - snapshot @m taken at @time and history @h as the JSON
 * of /counters.json (RFC 8259), appended to @out:
 *   { "time", "start_time", "interval_seconds",
 *     "module": { "up", "device", "sessions", "samples",
 *                 "lost": { "ring_full", "nested", "other" }, "filtered",
 *                 "timer_missed", "throttled_seconds", "handler_runs",
 *                 "handler_seconds" },
 *     "server": { "busy" ("profile", "stacks" or null),
 *                 "requests", "profiles": { OUTCOME: n } },
 *     "history": [ { "time", "samples", "lost", "throttled_seconds",
 *                    "requests", "profiles", "module_up", "busy" } ] }
 * with "device" null when @m was taken without a probe.  Returns 0 or
 * -ENOMEM.
 */
int counters__json(const struct serve_metrics *m, double time,
		   const struct serve_history *h, struct buf *out);

/* counters__page - the /counters page, appended to @out. */
int counters__page(struct buf *out);

#endif /* SONDE_SERVE_COUNTERS_H */
