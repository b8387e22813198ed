// SPDX-License-Identifier: GPL-2.0
/*
 * Serve layer: the /metrics text (metrics.h).  Pure functions over a
 * snapshot; the caller holds whatever lock the snapshot needs.
 *
 * Exposition format 0.0.4: a "# HELP" and a "# TYPE" line per family,
 * then its samples; counters end in _total, times are in seconds, and a
 * histogram is cumulative _bucket{le} samples ending at +Inf, then _sum
 * and _count.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recording/recording.h"
#include "serve/metrics.h"

/* Far more CPU ids than any machine sonde runs on: a bound on bad input. */
#define METRICS_MAX_CPUS	65536

static const char *const route_paths[SERVE_NR_ROUTES] = {
	[SERVE_ROUTE_INDEX] = "/",
	[SERVE_ROUTE_PROFILE] = "/debug/pprof/profile",
	[SERVE_ROUTE_FLAMEGRAPH] = "/flamegraph",
	[SERVE_ROUTE_METRICS] = "/metrics",
	[SERVE_ROUTE_START] = "/profile/start",
	[SERVE_ROUTE_STOP] = "/profile/stop",
	[SERVE_ROUTE_STACKS] = "/stacks",
	[SERVE_ROUTE_COUNTERS] = "/counters",
	[SERVE_ROUTE_COUNTERS_JSON] = "/counters.json",
	[SERVE_ROUTE_FAVICON] = "/favicon.ico",
	[SERVE_ROUTE_OTHER] = "other",
};

const char *serve_route__path(enum serve_route route)
{
	return route < SERVE_NR_ROUTES ? route_paths[route] : "other";
}

void serve_requests__add(struct serve_requests *r, enum serve_route route,
			 unsigned int code)
{
	struct serve_code_count *c;
	unsigned int i;

	if (route >= SERVE_NR_ROUTES)
		route = SERVE_ROUTE_OTHER;
	c = r->by_route[route];
	for (i = 0; i < SERVE_CODES_PER_ROUTE - 1; i++)
		if (!c[i].code || c[i].code == code)
			break;
	c[i].code = code;
	c[i].count++;
}

__u64 serve_requests__total(const struct serve_requests *r)
{
	unsigned int i, j;
	__u64 n = 0;

	for (i = 0; i < SERVE_NR_ROUTES; i++)
		for (j = 0; j < SERVE_CODES_PER_ROUTE; j++)
			n = sat_add_u64(n, r->by_route[i][j].count);
	return n;
}

static const char *const outcome_names[SERVE_NR_OUTCOMES] = {
	[SERVE_OUTCOME_OK] = "ok",
	[SERVE_OUTCOME_FAILED] = "failed",
	[SERVE_OUTCOME_ABORTED] = "aborted",
	[SERVE_OUTCOME_EXPIRED] = "expired",
};

const char *serve_outcome__name(enum serve_outcome outcome)
{
	return outcome < SERVE_NR_OUTCOMES ? outcome_names[outcome] : "?";
}

void metrics__emit(struct buf *out, int *err, const char *fmt, ...)
{
	va_list ap;

	if (*err)
		return;
	va_start(ap, fmt);
	*err = buf__vprintf(out, fmt, ap);
	va_end(ap);
}

static void family(struct buf *out, int *err, const char *name,
		   const char *type, const char *help)
{
	metrics__emit(out, err, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		      type);
}

/* One counter sample per CPU, of the field @off bytes into the stats. */
static void per_cpu(struct buf *out, int *err, const struct serve_metrics *m,
		    const char *name, const char *help, size_t off,
		    double scale)
{
	unsigned int cpu;

	family(out, err, name, "counter", help);
	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		__u64 v;

		memcpy(&v, (const char *)&m->cpu[cpu] + off, sizeof(v));
		if (scale == 1)
			metrics__emit(out, err, "%s{cpu=\"%u\"} %llu\n", name, cpu,
				      (unsigned long long)v);
		else
			metrics__emit(out, err, "%s{cpu=\"%u\"} %.9g\n", name, cpu,
				      v * scale);
	}
}

static void lost(struct buf *out, int *err, const struct serve_metrics *m)
{
	static const char *const reasons[] = { "ring_full", "nested",
					       "offcpu_full" };
	unsigned int cpu, i;

	family(out, err, "sonde_module_lost_total", "counter",
	       "Samples and task events the module could not write, by reason.");
	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		__u64 other = 0;

		for (i = 0; i < ARRAY_SIZE(reasons); i++)
			metrics__emit(out, err,
				      "sonde_module_lost_total{cpu=\"%u\",reason=\"%s\"} %llu\n",
				      cpu, reasons[i],
				      (unsigned long long)m->cpu[cpu].lost[i]);
		/* Reasons a later module may add, without a name yet. */
		for (; i < SONDE_LOST_NR_REASONS; i++)
			other = sat_add_u64(other, m->cpu[cpu].lost[i]);
		if (other)
			metrics__emit(out, err,
				      "sonde_module_lost_total{cpu=\"%u\",reason=\"other\"} %llu\n",
				      cpu, (unsigned long long)other);
	}
}

/*
 * The handler-time histogram, all CPUs together.  The module's bucket 0
 * is under 256 ns and bucket n (1 to 14) under 256 << n ns: upper bounds
 * exclusive where Prometheus's are inclusive, one nanosecond apart, which
 * no bound here can tell.  Bucket 15 (4.2 ms and more) has no bound: it
 * is only in +Inf.
 */
static void handler_hist(struct buf *out, int *err,
			 const struct serve_metrics *m)
{
	static const char name[] = "sonde_module_handler_duration_seconds";
	__u64 hist[SONDE_HANDLER_HIST_BUCKETS] = { 0 }, cum = 0, ns = 0;
	unsigned int cpu, b;

	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		for (b = 0; b < SONDE_HANDLER_HIST_BUCKETS; b++)
			hist[b] = sat_add_u64(hist[b],
					      m->cpu[cpu].handler_hist[b]);
		ns = sat_add_u64(ns, m->cpu[cpu].handler_ns_total);
	}
	family(out, err, name, "histogram",
	       "Time the module's sampling handler took per run (filtered runs are in the sum, not the buckets).");
	for (b = 0; b < SONDE_HANDLER_HIST_BUCKETS - 1; b++) {
		cum = sat_add_u64(cum, hist[b]);
		metrics__emit(out, err, "%s_bucket{le=\"%.9g\"} %llu\n", name,
			      (256ULL << b) * 1e-9, (unsigned long long)cum);
	}
	cum = sat_add_u64(cum, hist[b]);
	metrics__emit(out, err, "%s_bucket{le=\"+Inf\"} %llu\n", name,
		      (unsigned long long)cum);
	metrics__emit(out, err, "%s_sum %.9g\n", name, ns * 1e-9);
	metrics__emit(out, err, "%s_count %llu\n", name, (unsigned long long)cum);
}

/*
 * The device's holder as a state set: one sample per state, 1 for the
 * one that holds.  Read now, whereas the module's counters are those of
 * finished recordings: a recording's live counters are its holder's
 * (device.h).
 */
static void device(struct buf *out, int *err, const struct serve_metrics *m)
{
	unsigned int i;

	family(out, err, "sonde_module_device", "gauge",
	       "Who holds /dev/sonde now (the module admits one user): 1 for the current state.");
	for (i = 0; i < SERVE_NR_DEVICE_STATES; i++)
		metrics__emit(out, err, "sonde_module_device{state=\"%s\"} %d\n",
			      serve_device__name(i), m->device.state == i);
}

static void module(struct buf *out, int *err, const struct serve_metrics *m)
{
	family(out, err, "sonde_module_sessions_total", "counter",
	       "Recordings of this server whose module counters are added up here.");
	metrics__emit(out, err, "sonde_module_sessions_total %llu\n",
		      (unsigned long long)m->sessions);
	per_cpu(out, err, m, "sonde_module_samples_total",
		"Samples the module produced (handler runs that passed the filter).",
		offsetof(struct sonde_cpu_stats, samples), 1);
	lost(out, err, m);
	per_cpu(out, err, m, "sonde_module_filtered_total",
		"Handler runs dropped by the process filter.",
		offsetof(struct sonde_cpu_stats, filtered), 1);
	per_cpu(out, err, m, "sonde_module_timer_missed_total",
		"Timer periods that passed without a timer run.",
		offsetof(struct sonde_cpu_stats, timer_missed), 1);
	per_cpu(out, err, m, "sonde_module_records_total",
		"Records written to the rings, other than LOST.",
		offsetof(struct sonde_cpu_stats, records), 1);
	per_cpu(out, err, m, "sonde_module_ring_bytes_total",
		"Bytes of records written to the rings.",
		offsetof(struct sonde_cpu_stats, bytes), 1);
	per_cpu(out, err, m, "sonde_module_throttled_seconds_total",
		"Time the CPU sampled at a period lengthened by the overhead limit.",
		offsetof(struct sonde_cpu_stats, throttled_ns), 1e-9);
	handler_hist(out, err, m);
}

static void requests(struct buf *out, int *err, const struct serve_metrics *m)
{
	unsigned int r, i;

	family(out, err, "sonde_serve_requests_total", "counter",
	       "HTTP responses sent, by path (other: any unknown path) and status code.");
	for (r = 0; r < SERVE_NR_ROUTES; r++)
		for (i = 0; i < SERVE_CODES_PER_ROUTE; i++) {
			const struct serve_code_count *c =
				&m->requests->by_route[r][i];

			if (!c->code)
				break;
			metrics__emit(out, err,
				      "sonde_serve_requests_total{path=\"%s\",code=\"%u\"} %llu\n",
				      route_paths[r], c->code,
				      (unsigned long long)c->count);
		}
}

int metrics__format(const struct serve_metrics *m, struct buf *out)
{
	unsigned int i;
	int err = 0;

	family(out, &err, "sonde_module_up", "gauge",
	       "Whether /dev/sonde is present (1) or not (0).");
	metrics__emit(out, &err, "sonde_module_up %d\n", m->module_up ? 1 : 0);
	if (m->device_probed)
		device(out, &err, m);
	if (m->module_up && m->nr_cpus)
		module(out, &err, m);
	family(out, &err, "sonde_serve_profiles_running", "gauge",
	       "Profiles being recorded now (at most one).");
	metrics__emit(out, &err, "sonde_serve_profiles_running %u\n",
		      m->profiles_running);
	family(out, &err, "sonde_serve_profiles_total", "counter",
	       "Profiles asked for, by how they ended.");
	for (i = 0; i < SERVE_NR_OUTCOMES; i++)
		metrics__emit(out, &err, "sonde_serve_profiles_total{outcome=\"%s\"} %llu\n",
			      outcome_names[i], (unsigned long long)m->profiles[i]);
	requests(out, &err, m);
	family(out, &err, "sonde_serve_start_time_seconds", "gauge",
	       "When the server started, in seconds since the epoch.");
	metrics__emit(out, &err, "sonde_serve_start_time_seconds %.3f\n", m->start_time);
	return err;
}

int metrics__add_stats(struct sonde_cpu_stats **cpu, unsigned int *nr_cpus,
		       const void *data, size_t size)
{
	const struct srec_stats *h = data;
	size_t entry, known;
	const __u8 *p;
	__u32 i, id;

	if (size < sizeof(*h) || h->stats_size < 8 || h->stats_size % 8)
		return -EINVAL;
	entry = 8 + (size_t)h->stats_size;
	if ((size - sizeof(*h)) / entry < h->nr_cpus)
		return -EINVAL;
	known = min_t(size_t, h->stats_size, sizeof(struct sonde_cpu_stats));
	p = (const __u8 *)(h + 1);
	for (i = 0; i < h->nr_cpus; i++, p += entry) {
		struct sonde_cpu_stats st = { 0 }, *d;
		unsigned int b;

		memcpy(&id, p, sizeof(id));
		if (id >= METRICS_MAX_CPUS)
			return -EINVAL;
		if (id >= *nr_cpus) {
			d = reallocarray(*cpu, id + 1, sizeof(*d));
			if (!d)
				return -ENOMEM;
			memset(d + *nr_cpus, 0,
			       (id + 1 - *nr_cpus) * sizeof(*d));
			*cpu = d;
			*nr_cpus = id + 1;
		}
		memcpy(&st, p + 8, known);
		d = &(*cpu)[id];
		d->samples = sat_add_u64(d->samples, st.samples);
		d->records = sat_add_u64(d->records, st.records);
		d->bytes = sat_add_u64(d->bytes, st.bytes);
		for (b = 0; b < SONDE_LOST_NR_REASONS; b++)
			d->lost[b] = sat_add_u64(d->lost[b], st.lost[b]);
		d->filtered = sat_add_u64(d->filtered, st.filtered);
		d->handler_ns_total = sat_add_u64(d->handler_ns_total,
						  st.handler_ns_total);
		if (st.handler_ns_max > d->handler_ns_max)
			d->handler_ns_max = st.handler_ns_max;
		d->timer_missed = sat_add_u64(d->timer_missed,
					      st.timer_missed);
		for (b = 0; b < SONDE_HANDLER_HIST_BUCKETS; b++)
			d->handler_hist[b] = sat_add_u64(d->handler_hist[b],
							 st.handler_hist[b]);
		d->throttled_ns = sat_add_u64(d->throttled_ns,
					      st.throttled_ns);
	}
	return 0;
}
