// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: the end of a recording (recorder-internal.h): the
 * sections written once sampling stopped, END last, and the summary line
 * said when it is complete.
 *
 * In order: a last snapshot of every process seen that still lives (its
 * maps may have grown, dlopen()), the archive's last copies and its FILES
 * section, the perf maps and jitdumps of the JITs still alive, the text
 * symbols of /proc/kallsyms (empty when kptr_restrict hides them),
 * /proc/modules, the module's per-CPU statistics, and END with the
 * recording's counts.  Unreadable kallsyms or statistics are warned about
 * and left out; a writer error ends it.
 *
 * Runs once on recorder__run()'s thread, after STOP and the last drain
 * (recorder.c): every record is in the recording by then, so END's counts
 * are final.  recorder.c renames the file into place only once END is on
 * disk.  Nothing here is global.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"
#include "recording/recording.h"
#include "record/archive.h"
#include "record/dev.h"
#include "record/jitmaps.h"
#include "record/kallsyms.h"
#include "record/recorder-internal.h"
#include "record/ring.h"
#include "record/seen.h"

/* Add the counters of @st that add up across CPUs to @sum. */
static void sum_stats(struct sonde_cpu_stats *sum,
		      const struct sonde_cpu_stats *st)
{
	unsigned int i;

	for (i = 0; i < SONDE_LOST_NR_REASONS; i++)
		sum->lost[i] += st->lost[i];
	for (i = 0; i < SONDE_HANDLER_HIST_BUCKETS; i++)
		sum->handler_hist[i] += st->handler_hist[i];
	sum->samples += st->samples;
	sum->throttle_events += st->throttle_events;
	sum->throttled_ns += st->throttled_ns;
}

int recorder__write_final(struct recorder *r)
{
	struct srec_end end = { 0 };
	struct sonde_cpu_stats *stats;
	struct buf b = { 0 };
	bool restricted = false;
	__u32 nr = r->info.nr_cpu_ids;
	unsigned int i;
	int err;

	/* The snapshots asked for, then the final ones. */
	err = recorder__finish_jobs(r);
	archive__finish(r->archive);
	if (!err)
		err = archive__write_files(r->archive, r->writer);
	if (!err)
		err = jitmaps__write(r->jitmaps, r->writer);
	if (err)
		return err;
	err = kallsyms__capture("/proc/kallsyms", &b, &restricted);
	if (!err && restricted) {
		pr_warn("/proc/kallsyms shows no addresses (kptr_restrict): kernel frames will stay unresolved");
		b.len = 0;
	}
	if (!err)
		err = rec_writer__add_section_z(r->writer, SREC_SEC_KALLSYMS,
						restricted ? SREC_SF_RESTRICTED : 0,
						b.data, b.len);
	else
		pr_warn("cannot read /proc/kallsyms: %s", strerror(-err));
	buf__free(&b);
	if (!read_file("/proc/modules", &b.data, &b.len)) {
		err = rec_writer__add_section(r->writer, SREC_SEC_MODULES, 0,
					      b.data, b.len);
		buf__free(&b);
		if (err)
			return err;
	}

	stats = calloc(nr, sizeof(*stats));
	if (!stats)
		return -ENOMEM;
	err = r->perf_mode ? 0 : sonde_dev_get_stats(r->dev_fd, stats, &nr);
	if (r->perf_mode) {
		/* perf_event_open keeps no statistics of the module's kind. */
	} else if (!err) {
		struct srec_stats sh = { r->nr_rings, sizeof(*stats) };

		err = buf__append(&b, &sh, sizeof(sh));
		for (i = 0; !err && i < r->nr_rings; i++) {
			__u32 cpu[2] = { sonde_ring__cpu(r->rings[i]), 0 };

			err = buf__append(&b, cpu, sizeof(cpu));
			if (!err && cpu[0] < nr)
				err = buf__append(&b, &stats[cpu[0]],
						  sizeof(*stats));
		}
		if (!err)
			err = rec_writer__add_section(r->writer,
						      SREC_SEC_STATS, 0,
						      b.data, b.len);
		for (i = 0; i < r->nr_rings; i++) {
			__u32 cpu = sonde_ring__cpu(r->rings[i]);

			if (cpu < nr)
				sum_stats(&r->totals, &stats[cpu]);
		}
		r->has_totals = true;
	} else {
		pr_warn("cannot read the module's statistics: %s",
			strerror(-err));
		err = 0;
	}
	free(stats);
	buf__free(&b);
	if (err)
		return err;

	end.time_ns = now_ns(CLOCK_MONOTONIC);
	end.nr_samples = r->samples;
	end.nr_lost = r->lost;
	end.nr_errors = r->errors;
	return rec_writer__add_section(r->writer, SREC_SEC_END, 0, &end,
				       sizeof(end));
}

/* @ns as a short duration: "850 ns", "4.1 us", "2.0 ms", "1.50 s". */
static void format_ns(char *buf, size_t size, double ns)
{
	if (ns < 1000)
		snprintf(buf, size, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, size, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, size, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.2f s", ns / 1e9);
}

/*
 * The bound under which a @pct share of the handler runs fall: the upper
 * edge of the histogram bucket (uapi/sonde.h, SONDE_HANDLER_HIST_BUCKETS)
 * that share is reached in; 0 for no run, UINT64_MAX for the last bucket.
 */
static __u64 hist_bound(const struct sonde_cpu_stats *st, unsigned int pct)
{
	__u64 total = 0, seen = 0;
	unsigned int i;

	for (i = 0; i < SONDE_HANDLER_HIST_BUCKETS; i++)
		total += st->handler_hist[i];
	if (!total)
		return 0;
	for (i = 0; i < SONDE_HANDLER_HIST_BUCKETS - 1; i++) {
		seen += st->handler_hist[i];
		if (seen * 100 >= total * pct)
			return 256ULL << i;
	}
	return UINT64_MAX;
}

/*
 * One line when the recording is complete: samples, lost by reason,
 * throttled time, the handler's cost (p50 and p99, from the module's
 * histogram), where it went.
 */
void recorder__say_summary(const struct recorder *r)
{
	const struct sonde_cpu_stats *t = &r->totals;
	char lost[96] = "", cost[64] = "", thr[64] = "", a[16], b[16];
	__u64 p50, p99;

	if (r->lost && r->has_totals)
		snprintf(lost, sizeof(lost), " (%llu ring full, %llu nested%s%.0llu%s)",
			 (unsigned long long)t->lost[SONDE_LOST_RING_FULL],
			 (unsigned long long)t->lost[SONDE_LOST_NESTED],
			 t->lost[SONDE_LOST_OFFCPU_FULL] ? ", " : "",
			 (unsigned long long)t->lost[SONDE_LOST_OFFCPU_FULL],
			 t->lost[SONDE_LOST_OFFCPU_FULL] ?
			 " waits past the off-CPU table" : "");
	p50 = r->has_totals ? hist_bound(t, 50) : 0;
	p99 = r->has_totals ? hist_bound(t, 99) : 0;
	if (p50) {
		format_ns(a, sizeof(a), p50);
		format_ns(b, sizeof(b), p99);
		snprintf(cost, sizeof(cost), ", handler p50 < %s, p99 %s %s",
			 a, p99 == UINT64_MAX ? ">=" : "<",
			 p99 == UINT64_MAX ? "4.2 ms" : b);
	}
	if (r->has_totals && t->throttle_events) {
		format_ns(a, sizeof(a), t->throttled_ns);
		snprintf(thr, sizeof(thr), ", throttled %s (summed over CPUs)",
			 a);
	}
	fprintf(stderr, "sonde: %llu samples, %llu lost%s%s%s, written to %s (%.1f MiB)\n",
		(unsigned long long)r->samples, (unsigned long long)r->lost,
		lost, thr, cost, r->o->output,
		rec_writer__bytes(r->writer) / 1048576.0);
}
