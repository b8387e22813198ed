// SPDX-License-Identifier: GPL-2.0
/*
 * Serve layer: /counters and /counters.json (counters.h).  Pure
 * functions over a snapshot and a history the caller copied under the
 * server's lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/counters.h"

void serve_point__from(struct serve_point *p, const struct serve_metrics *m,
		       double time)
{
	unsigned int cpu, i;

	memset(p, 0, sizeof(*p));
	p->time = time;
	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		const struct sonde_cpu_stats *c = &m->cpu[cpu];

		p->samples = sat_add_u64(p->samples, c->samples);
		for (i = 0; i < SONDE_LOST_NR_REASONS; i++)
			p->lost = sat_add_u64(p->lost, c->lost[i]);
		p->throttled_ns = sat_add_u64(p->throttled_ns,
					      c->throttled_ns);
	}
	p->requests = serve_requests__total(m->requests);
	p->profiles = m->profiles[SERVE_OUTCOME_OK];
	p->module_up = m->module_up;
	p->busy = m->profiles_running || m->stacks_running;
}

void serve_history__add(struct serve_history *h, const struct serve_point *p)
{
	if (h->nr < SERVE_HISTORY_POINTS) {
		h->points[(h->first + h->nr++) % SERVE_HISTORY_POINTS] = *p;
		return;
	}
	h->points[h->first] = *p;
	h->first = (h->first + 1) % SERVE_HISTORY_POINTS;
}

const struct serve_point *serve_history__at(const struct serve_history *h,
					    unsigned int i)
{
	return &h->points[(h->first + i) % SERVE_HISTORY_POINTS];
}

static unsigned long long ull(__u64 v)
{
	return v;
}

/* The module's counters over every CPU. */
static void module_json(struct buf *out, int *err,
			const struct serve_metrics *m)
{
	__u64 lost[SONDE_LOST_NR_REASONS] = { 0 }, other = 0, samples = 0;
	__u64 filtered = 0, missed = 0, throttled = 0, runs = 0, ns = 0;
	unsigned int cpu, i;

	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		const struct sonde_cpu_stats *c = &m->cpu[cpu];

		samples = sat_add_u64(samples, c->samples);
		for (i = 0; i < SONDE_LOST_NR_REASONS; i++)
			lost[i] = sat_add_u64(lost[i], c->lost[i]);
		filtered = sat_add_u64(filtered, c->filtered);
		missed = sat_add_u64(missed, c->timer_missed);
		throttled = sat_add_u64(throttled, c->throttled_ns);
		for (i = 0; i < SONDE_HANDLER_HIST_BUCKETS; i++)
			runs = sat_add_u64(runs, c->handler_hist[i]);
		ns = sat_add_u64(ns, c->handler_ns_total);
	}
	/* ring_full and nested by name; the others (offcpu_full too) are "other". */
	for (i = 2; i < SONDE_LOST_NR_REASONS; i++)
		other = sat_add_u64(other, lost[i]);
	metrics__emit(out, err, "\"module\":{\"up\":%s,", m->module_up ? "true" : "false");
	if (m->device_probed)
		metrics__emit(out, err, "\"device\":\"%s\",",
			      serve_device__name(m->device.state));
	else
		metrics__emit(out, err, "\"device\":null,");
	metrics__emit(out, err,
		      "\"sessions\":%llu,\"samples\":%llu,\"lost\":{\"ring_full\":%llu,\"nested\":%llu,\"other\":%llu},"
		      "\"filtered\":%llu,\"timer_missed\":%llu,\"throttled_seconds\":%.9g,"
		      "\"handler_runs\":%llu,\"handler_seconds\":%.9g},",
		      ull(m->sessions), ull(samples), ull(lost[0]), ull(lost[1]),
		      ull(other), ull(filtered), ull(missed), throttled * 1e-9,
		      ull(runs), ns * 1e-9);
}

int counters__json(const struct serve_metrics *m, double time,
		   const struct serve_history *h, struct buf *out)
{
	unsigned int i;
	int err = 0;

	metrics__emit(out, &err, "{\"time\":%.3f,\"start_time\":%.3f,\"interval_seconds\":%d,",
		      time, m->start_time, SERVE_HISTORY_INTERVAL);
	module_json(out, &err, m);
	metrics__emit(out, &err, "\"server\":{\"busy\":%s,\"requests\":%llu,\"profiles\":{",
		      m->profiles_running ? "\"profile\"" :
		      m->stacks_running ? "\"stacks\"" : "null",
		      ull(serve_requests__total(m->requests)));
	for (i = 0; i < SERVE_NR_OUTCOMES; i++)
		metrics__emit(out, &err, "%s\"%s\":%llu", i ? "," : "",
			      serve_outcome__name(i), ull(m->profiles[i]));
	metrics__emit(out, &err, "}},\"history\":[");
	for (i = 0; i < h->nr; i++) {
		const struct serve_point *p = serve_history__at(h, i);

		metrics__emit(out, &err,
			      "%s{\"time\":%.3f,\"samples\":%llu,\"lost\":%llu,\"throttled_seconds\":%.9g,"
			      "\"requests\":%llu,\"profiles\":%llu,\"module_up\":%s,\"busy\":%s}",
			      i ? "," : "", p->time, ull(p->samples), ull(p->lost),
			      p->throttled_ns * 1e-9, ull(p->requests),
			      ull(p->profiles), p->module_up ? "true" : "false",
			      p->busy ? "true" : "false");
	}
	metrics__emit(out, &err, "]}\n");
	return err;
}

/*
 * The page: markup with empty cells, and the script that fills them from
 * /counters.json at load and every interval.  Rates are per second
 * between consecutive points.  Nothing from the JSON reaches innerHTML.
 */
static const char page[] =
"<!DOCTYPE html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
"<link rel=\"icon\" href=\"data:,\">\n"
"<title>sonde serve: counters</title>\n"
"<style>body{font-family:sans-serif;margin:1em}td,th{padding:2px 8px;text-align:right}"
"th{text-align:left}td:first-child{text-align:left}svg{background:#f6f6f6}"
"polyline{fill:none;stroke:#c33;stroke-width:1.5}#status{color:#a00}</style>\n"
"</head><body>\n"
"<h1>sonde serve: counters</h1>\n"
"<p>As of <span id=\"updated\">-</span>, refreshed every <span id=\"interval\">-</span> s"
" (<a href=\"/counters.json\">JSON</a>, <a href=\"/metrics\">metrics</a>, <a href=\"/\">index</a>)."
" <span id=\"status\"></span></p>\n"
"<noscript><p>This page fills itself with a script: see <a href=\"/counters.json\">/counters.json</a>.</p></noscript>\n"
"<table id=\"now\">\n"
"<tr><td>module (/dev/sonde)</td><td id=\"module-up\">-</td></tr>\n"
"<tr><td>device held by</td><td id=\"device\">-</td></tr>\n"
"<tr><td>recordings counted</td><td id=\"sessions\">-</td></tr>\n"
"<tr><td>samples</td><td id=\"samples\">-</td></tr>\n"
"<tr><td>lost: ring full</td><td id=\"lost-ring_full\">-</td></tr>\n"
"<tr><td>lost: nested</td><td id=\"lost-nested\">-</td></tr>\n"
"<tr><td>lost: other</td><td id=\"lost-other\">-</td></tr>\n"
"<tr><td>filtered</td><td id=\"filtered\">-</td></tr>\n"
"<tr><td>timer periods missed</td><td id=\"timer_missed\">-</td></tr>\n"
"<tr><td>throttled (s)</td><td id=\"throttled_seconds\">-</td></tr>\n"
"<tr><td>handler runs</td><td id=\"handler_runs\">-</td></tr>\n"
"<tr><td>running now</td><td id=\"busy\">-</td></tr>\n"
"<tr><td>requests served</td><td id=\"requests\">-</td></tr>\n"
"<tr><td>profiles sent</td><td id=\"profiles-ok\">-</td></tr>\n"
"<tr><td>profiles failed / aborted / expired</td><td id=\"profiles-bad\">-</td></tr>\n"
"</table>\n"
"<h2>Last minutes</h2>\n"
"<p>Samples per second (the module's counts arrive as each recording ends):"
" peak <span id=\"samples-peak\">-</span></p>\n"
"<svg id=\"samples-chart\" width=\"360\" height=\"48\" viewBox=\"0 0 360 48\"><polyline points=\"\"/></svg>\n"
"<p>Requests per second: peak <span id=\"requests-peak\">-</span></p>\n"
"<svg id=\"requests-chart\" width=\"360\" height=\"48\" viewBox=\"0 0 360 48\"><polyline points=\"\"/></svg>\n"
"<table><thead><tr><th>time (UTC)</th><th>samples/s</th><th>lost</th><th>requests/s</th><th>profiles</th><th>module</th><th>busy</th></tr></thead>\n"
"<tbody id=\"history\"></tbody></table>\n"
"<script>\n"
"'use strict';\n"
"const $ = (id) => document.getElementById(id);\n"
"const num = (v) => typeof v !== 'number' ? (v === null ? '-' : String(v)) :\n"
"\tNumber.isInteger(v) ? v.toLocaleString('en') : v.toFixed(3);\n"
"const set = (id, v) => { $(id).textContent = num(v); };\n"
"function rates(h, key) {\n"
"\tconst r = [];\n"
"\tfor (let i = 1; i < h.length; i++) {\n"
"\t\tconst dt = h[i].time - h[i - 1].time;\n"
"\t\tr.push(dt > 0 ? Math.max(0, (h[i][key] - h[i - 1][key]) / dt) : 0);\n"
"\t}\n"
"\treturn r;\n"
"}\n"
"function chart(id, r) {\n"
"\tconst peak = Math.max(0, ...r), top = peak || 1, w = 360, h = 48;\n"
"\tconst step = r.length > 1 ? w / (r.length - 1) : 0;\n"
"\t$(id + '-chart').querySelector('polyline').setAttribute('points',\n"
"\t\tr.map((v, i) => (i * step).toFixed(1) + ',' + (h - 1 - v / top * (h - 2)).toFixed(1)).join(' '));\n"
"\tset(id + '-peak', Math.round(peak * 10) / 10);\n"
"\treturn r;\n"
"}\n"
"function show(d) {\n"
"\tconst m = d.module, s = d.server, h = d.history;\n"
"\tset('updated', new Date(d.time * 1000).toISOString().replace('T', ' ').slice(0, 19));\n"
"\tset('interval', d.interval_seconds);\n"
"\tset('module-up', m.up ? 'loaded' : 'absent');\n"
"\tset('device', m.device === null ? '-' : m.device);\n"
"\tfor (const k of ['sessions', 'samples', 'filtered', 'timer_missed', 'throttled_seconds', 'handler_runs'])\n"
"\t\tset(k, m[k]);\n"
"\tfor (const k of ['ring_full', 'nested', 'other'])\n"
"\t\tset('lost-' + k, m.lost[k]);\n"
"\tset('busy', s.busy === null ? 'nothing' : s.busy);\n"
"\tset('requests', s.requests);\n"
"\tset('profiles-ok', s.profiles.ok);\n"
"\tset('profiles-bad', [s.profiles.failed, s.profiles.aborted, s.profiles.expired].join(' / '));\n"
"\tconst sr = chart('samples', rates(h, 'samples')), rr = chart('requests', rates(h, 'requests'));\n"
"\tconst body = document.createElement('tbody');\n"
"\tbody.id = 'history';\n"
"\tfor (let i = h.length - 1; i >= 0; i--) {\n"
"\t\tconst p = h[i], tr = body.insertRow();\n"
"\t\tfor (const v of [new Date(p.time * 1000).toISOString().slice(11, 19),\n"
"\t\t\t\ti ? Math.round(sr[i - 1]) : '-', p.lost, i ? Math.round(rr[i - 1] * 10) / 10 : '-',\n"
"\t\t\t\tp.profiles, p.module_up ? 'loaded' : 'absent', p.busy ? 'yes' : 'no'])\n"
"\t\t\ttr.insertCell().textContent = num(v);\n"
"\t}\n"
"\t$('history').replaceWith(body);\n"
"}\n"
"async function refresh() {\n"
"\ttry {\n"
"\t\tconst res = await fetch('/counters.json', { cache: 'no-store' });\n"
"\t\tif (!res.ok)\n"
"\t\t\tthrow new Error('HTTP ' + res.status);\n"
"\t\tshow(await res.json());\n"
"\t\t$('status').textContent = '';\n"
"\t} catch (e) {\n"
"\t\t$('status').textContent = 'cannot refresh: ' + e.message;\n"
"\t}\n"
"}\n"
"refresh();\n"
"setInterval(refresh, %d);\n"
"</script>\n"
"</body></html>\n";

int counters__page(struct buf *out)
{
	int err = 0;

	/* The one parameter: the interval, the server's own number. */
	metrics__emit(out, &err, page, SERVE_HISTORY_INTERVAL * 1000);
	return err;
}
