/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Serve layer: GET /metrics as Prometheus text exposition format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats): the module's
 * counters and the service's own.  metrics__format() is a pure function
 * of a snapshot the server takes under its lock; it keeps no state.
 *
 * The module keeps its counters per session (struct sonde_cpu_stats, read
 * by GET_STATS on the session's own file), and only one file may be open
 * at a time: while nothing records, there are no counters to read, and
 * while a recording runs its child holds the device.  So the module's
 * counters here are those of the sessions this server ran, added up from
 * each recording's STATS section as it ends (record writes GET_STATS
 * there at STOP), plus whether the device is there now.
 */
#ifndef SONDE_SERVE_METRICS_H
#define SONDE_SERVE_METRICS_H

#include <stdbool.h>
#include <linux/types.h>

#include "lib/util.h"
#include "serve/device.h"
#include "sonde.h"

/* The request counters' paths: the routes, and "other" for the rest. */
enum serve_route {
	SERVE_ROUTE_INDEX,
	SERVE_ROUTE_PROFILE,
	SERVE_ROUTE_FLAMEGRAPH,
	SERVE_ROUTE_METRICS,
	SERVE_ROUTE_START,
	SERVE_ROUTE_STOP,
	SERVE_ROUTE_STACKS,
	SERVE_ROUTE_COUNTERS,
	SERVE_ROUTE_COUNTERS_JSON,
	SERVE_ROUTE_FAVICON,
	SERVE_ROUTE_OTHER,
	SERVE_NR_ROUTES
};

/* The path a route is served at, "other" for SERVE_ROUTE_OTHER. */
const char *serve_route__path(enum serve_route route);

/* Distinct status codes counted per route; more share the last slot. */
#define SERVE_CODES_PER_ROUTE	12

/* struct serve_code_count - responses of one status code on one route */
struct serve_code_count {
	unsigned int code;	/* 0: slot unused */
	__u64 count;
};

/*
 * struct serve_requests - responses sent, by route and status code:
 * bounded, whatever paths clients ask for (label cardinality).
 */
struct serve_requests {
	struct serve_code_count by_route[SERVE_NR_ROUTES][SERVE_CODES_PER_ROUTE];
};

/* Count one response of @code on @route. */
void serve_requests__add(struct serve_requests *r, enum serve_route route,
			 unsigned int code);
/* Responses sent on every route, whatever their code. */
__u64 serve_requests__total(const struct serve_requests *r);

/* How profiles (GET profile, flamegraph, POST start) ended. */
enum serve_outcome {
	SERVE_OUTCOME_OK,	/* sent */
	SERVE_OUTCOME_FAILED,	/* the recording or export failed */
	SERVE_OUTCOME_ABORTED,	/* the client left, or the server stopped */
	SERVE_OUTCOME_EXPIRED,	/* started, never stopped: discarded */
	SERVE_NR_OUTCOMES
};

/* The outcome's name as /metrics labels it ("ok"). */
const char *serve_outcome__name(enum serve_outcome outcome);

/*
 * struct serve_metrics - one snapshot of everything /metrics shows.
 * @module_up: /dev/sonde is there (1) or not (0)
 * @cpu: the module's counters by CPU id, summed over @sessions
 *	recordings; @nr_cpus entries (0: none yet)
 * @device_probed: whether @device is filled in
 * @device: who holds /dev/sonde now (device.h)
 * @profiles_running: 0 or 1: one profile at a time
 * @stacks_running: 0 or 1: a thread snapshot is being taken
 * @profiles: profiles by how they ended
 * @requests: responses by route and code
 * @start_time: the server's start, seconds since the epoch
 */
struct serve_metrics {
	bool module_up;
	const struct sonde_cpu_stats *cpu;
	unsigned int nr_cpus;
	__u64 sessions;
	bool device_probed;
	struct serve_device device;
	unsigned int profiles_running;
	unsigned int stacks_running;
	__u64 profiles[SERVE_NR_OUTCOMES];
	const struct serve_requests *requests;
	double start_time;
};

/*
 * metrics__format - @m as exposition text, appended to @out.  Module
 * counters are written only when @m->module_up and @m->nr_cpus: a gauge
 * sonde_module_up says which; the device's holder, a state set
 * sonde_module_device{state}, when @m->device_probed.  Returns 0 or
 * -ENOMEM.
 */
int metrics__format(const struct serve_metrics *m, struct buf *out);

/*
 * metrics__emit - printf appended to @out, for the text and JSON pages;
 * the first error sticks in *@err (nothing more is written after it),
 * so a writer checks once at the end.
 */
void metrics__emit(struct buf *out, int *err, const char *fmt, ...)
	__printf(3, 4);

/*
 * metrics__add_stats - add a STATS section's payload (struct srec_stats
 * and its entries, recording.h) to *@cpu (*@nr_cpus entries, grown as
 * needed).  Entries as long as the recording's module made them: the
 * fields both know are read.  Returns 0, -EINVAL for a malformed
 * section, -ENOMEM.
 */
int metrics__add_stats(struct sonde_cpu_stats **cpu, unsigned int *nr_cpus,
		       const void *data, size_t size);

#endif /* SONDE_SERVE_METRICS_H */
