// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: stat's counts as text or JSON (counts.h).  The metrics
 * are computed once per row, for both formats.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <linux/perf_event.h>

#include "export/counts.h"
#include "lib/json.h"

/* A row's derived metric: @value in @unit; a @rate is per second. */
struct metric {
	bool valid;
	double value;
	const char *unit;
	bool rate;
};

static bool counted(const struct evcount *c)
{
	return !c->err && c->running;
}

/* The scaled count of the first counted event of @type/@config. */
static bool find(const struct counts_view *v, __u32 type, __u64 config,
		 double *val)
{
	unsigned int i;

	for (i = 0; i < v->nr; i++) {
		if (evspec__is(&v->specs[i], type, config) &&
		    counted(&v->counts[i])) {
			*val = evcount__scaled(&v->counts[i]);
			return true;
		}
	}
	return false;
}

/* Nanoseconds of task-clock, else cpu-clock, else of wall time. */
static double clock_ns(const struct counts_view *v)
{
	double ns;

	if (find(v, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, &ns) && ns)
		return ns;
	if (find(v, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, &ns) && ns)
		return ns;
	return (double)v->elapsed_ns;
}

static void ratio(struct metric *m, double num, double den, double mul,
		  const char *unit)
{
	if (den <= 0 || !isfinite(num / den))
		return;
	m->valid = true;
	m->value = num / den * mul;
	m->unit = unit;
}

static void metric_of(const struct counts_view *v, unsigned int i,
		      struct metric *m)
{
	const struct evspec *s = &v->specs[i];
	double val, other;

	memset(m, 0, sizeof(*m));
	if (!counted(&v->counts[i]))
		return;
	val = evcount__scaled(&v->counts[i]);
	if (s->flags & EVSPEC_NSEC) {
		ratio(m, val, (double)v->elapsed_ns, 1, "CPUs utilized");
		return;
	}
	if (s->type == PERF_TYPE_HARDWARE) {
		switch (s->config) {
		case PERF_COUNT_HW_CPU_CYCLES:
			if (find(v, PERF_TYPE_SOFTWARE,
				 PERF_COUNT_SW_TASK_CLOCK, &other) ||
			    find(v, PERF_TYPE_SOFTWARE,
				 PERF_COUNT_SW_CPU_CLOCK, &other))
				ratio(m, val, other, 1, "GHz");
			return;
		case PERF_COUNT_HW_INSTRUCTIONS:
			if (find(v, PERF_TYPE_HARDWARE,
				 PERF_COUNT_HW_CPU_CYCLES, &other))
				ratio(m, val, other, 1, "insn per cycle");
			return;
		case PERF_COUNT_HW_CACHE_MISSES:
			if (find(v, PERF_TYPE_HARDWARE,
				 PERF_COUNT_HW_CACHE_REFERENCES, &other))
				ratio(m, val, other, 100,
				      "% of all cache refs");
			return;
		case PERF_COUNT_HW_BRANCH_MISSES:
			if (find(v, PERF_TYPE_HARDWARE,
				 PERF_COUNT_HW_BRANCH_INSTRUCTIONS, &other))
				ratio(m, val, other, 100, "% of all branches");
			return;
		}
	}
	ratio(m, val, clock_ns(v), 1e9, "/sec");
	m->rate = m->valid;
}

static int write_error(FILE *out)
{
	return ferror(out) ? -(errno ? errno : EIO) : 0;
}

/* One event's row of text (after the interval's timestamp, if any). */
static void text_row(FILE *out, const struct counts_view *v, unsigned int i)
{
	const struct evspec *s = &v->specs[i];
	const struct evcount *c = &v->counts[i];
	const char *unit = s->flags & EVSPEC_NSEC ? "msec" : "";
	bool scaled = c->running && c->running < c->enabled;
	struct metric m;
	double val;

	metric_of(v, i, &m);
	if (c->err || !c->running) {
		fprintf(out, "%18s %-4s %s\n",
			c->err ? "<not supported>" : "<not counted>", unit,
			s->name);
		return;
	}
	val = evcount__scaled(c);
	if (s->flags & EVSPEC_NSEC)
		fprintf(out, "%18.2f %-4s ", val / 1e6, unit);
	else
		fprintf(out, "%18.0f %-4s ", val, unit);
	/* Padded only when something follows: no trailing spaces. */
	fprintf(out, m.valid || scaled ? "%-32s" : "%s", s->name);
	if (m.rate) {
		const char *prefix = "";
		double r = m.value;

		if (r >= 1e9) {
			r /= 1e9;
			prefix = "G";
		} else if (r >= 1e6) {
			r /= 1e6;
			prefix = "M";
		} else if (r >= 1e3) {
			r /= 1e3;
			prefix = "K";
		}
		fprintf(out, " # %8.3f %s/sec", r, prefix);
	} else if (m.valid) {
		fprintf(out, " # %8.3f %s", m.value, m.unit);
	}
	if (scaled)
		fprintf(out, "  (%.2f%%)", 100.0 * c->running / c->enabled);
	fputc('\n', out);
}

int counts__write_text(FILE *out, const struct counts_view *v,
		       const struct counts_run *run)
{
	unsigned int i;

	fprintf(out, "\n Performance counter stats for %s'%s':\n\n",
		run->pids ? "process id " : "", run->target);
	for (i = 0; i < v->nr; i++)
		text_row(out, v, i);
	fprintf(out, "\n%18.9f seconds time elapsed\n", v->elapsed_ns / 1e9);
	if (run->has_command)
		fprintf(out, "\n%18.9f seconds user\n%18.9f seconds sys\n",
			run->user_ns / 1e9, run->sys_ns / 1e9);
	fputc('\n', out);
	return write_error(out);
}

int counts__write_interval_text(FILE *out, __u64 time_ns,
				const struct counts_view *v, bool header)
{
	unsigned int i;

	if (header)
		fprintf(out, "#%15s %18s %-4s %s\n", "time", "counts", "unit",
			"events");
	for (i = 0; i < v->nr; i++) {
		fprintf(out, "%16.9f ", time_ns / 1e9);
		text_row(out, v, i);
	}
	return write_error(out);
}

static int json_events(FILE *out, const struct counts_view *v)
{
	unsigned int i;
	int err = 0;

	fputs("\"events\":[", out);
	for (i = 0; !err && i < v->nr; i++) {
		const struct evspec *s = &v->specs[i];
		const struct evcount *c = &v->counts[i];
		bool nsec = s->flags & EVSPEC_NSEC;
		struct metric m;

		fputs(i ? ",{\"event\":" : "{\"event\":", out);
		err = json__write_str(out, s->name);
		if (err)
			break;
		if (counted(c) && nsec)
			fprintf(out, ",\"count\":%.6f",
				evcount__scaled(c) / 1e6);
		else if (counted(c))
			fprintf(out, ",\"count\":%.0f", evcount__scaled(c));
		else
			fputs(",\"count\":null", out);
		fprintf(out, ",\"unit\":\"%s\"", nsec ? "msec" : "");
		fprintf(out, ",\"raw_count\":%llu,\"enabled_ns\":%llu,\"running_ns\":%llu",
			(unsigned long long)c->value,
			(unsigned long long)c->enabled,
			(unsigned long long)c->running);
		if (c->enabled)
			fprintf(out, ",\"running_pct\":%.2f",
				100.0 * c->running / c->enabled);
		else
			fputs(",\"running_pct\":null", out);
		fprintf(out, ",\"supported\":%s,\"counted\":%s",
			c->err ? "false" : "true",
			counted(c) ? "true" : "false");
		if (c->err) {
			fputs(",\"error\":", out);
			err = json__write_str(out, strerror(-c->err));
			if (err)
				break;
		}
		metric_of(v, i, &m);
		if (m.valid)
			fprintf(out, ",\"metric\":{\"value\":%.9g,\"unit\":\"%s\"}",
				m.value, m.rate ? "/sec" : m.unit);
		fputc('}', out);
	}
	fputc(']', out);
	return err ? err : write_error(out);
}

int counts__write_json(FILE *out, const struct counts_view *v,
		       const struct counts_run *run)
{
	int err;

	fputs("{\"target\":", out);
	err = json__write_str2(out, run->pids ? "process id " : "",
			       run->target);
	if (err)
		return err;
	fprintf(out, ",\"elapsed_ns\":%llu",
		(unsigned long long)v->elapsed_ns);
	if (run->has_command)
		fprintf(out, ",\"user_ns\":%llu,\"sys_ns\":%llu,\"exit_status\":%d",
			(unsigned long long)run->user_ns,
			(unsigned long long)run->sys_ns, run->exit_status);
	fputc(',', out);
	err = json_events(out, v);
	if (err)
		return err;
	fputs("}\n", out);
	return write_error(out);
}

int counts__write_interval_json(FILE *out, __u64 time_ns,
				const struct counts_view *v)
{
	int err;

	fprintf(out, "{\"time_ns\":%llu,\"interval_ns\":%llu,",
		(unsigned long long)time_ns,
		(unsigned long long)v->elapsed_ns);
	err = json_events(out, v);
	if (err)
		return err;
	fputs("}\n", out);
	return write_error(out);
}
