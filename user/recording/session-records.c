// SPDX-License-Identifier: GPL-2.0
/*
 * Recording layer: the walks over a recording's ring records
 * (session.h): each RECORDS section read in turn (recording/reader.c),
 * its records checked and counted, and the streams a section belongs to
 * (a CPU's ring, in order) told to the caller.  Single-threaded.
 */
#include <errno.h>
#include <stdlib.h>

#include "lib/util.h"
#include "recording/session-internal.h"

/* ---- streams ---- */

struct cpu_section {
	__u32 cpu;
	__u32 index;
};

static int cmp_cpu_section(const void *a, const void *b)
{
	const struct cpu_section *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Number the CPUs that have RECORDS sections (streams, in CPU order) and
 * find each one's last section.  A count above 2^31 sections cannot be
 * in a file (each takes 24 bytes at least) but is refused anyway.
 */
int session__find_streams(struct session *s)
{
	const __u32 *cpus = rec_reader__records_cpus(s->reader,
						     &s->nr_sections);
	struct cpu_section *cs;
	size_t i;

	if (!s->nr_sections)
		return 0;
	if (s->nr_sections >= STREAM_LAST)
		return -EFBIG;
	cs = calloc(s->nr_sections, sizeof(*cs));
	s->section_stream = calloc(s->nr_sections,
				   sizeof(*s->section_stream));
	if (!cs || !s->section_stream) {
		free(cs);
		return -ENOMEM;
	}
	for (i = 0; i < s->nr_sections; i++)
		cs[i] = (struct cpu_section){ cpus[i], i };
	qsort(cs, s->nr_sections, sizeof(*cs), cmp_cpu_section);
	for (i = 0; i < s->nr_sections; i++) {
		bool last = i + 1 == s->nr_sections || cs[i + 1].cpu != cs[i].cpu;

		s->section_stream[cs[i].index] = s->nr_streams |
						 (last ? STREAM_LAST : 0);
		if (last)
			s->nr_streams++;
	}
	free(cs);
	return 0;
}

/* ---- records ---- */

struct walk {
	struct session *s;
	rec_record_cb_t cb;
	session_section_cb_t section;
	void *ctx;
	size_t nr_sections;	/* RECORDS sections met */
};

static int record_cb(const struct sonde_record_header *h, void *ctx)
{
	struct walk *w = ctx;

	if (h->type == SONDE_RECORD_SAMPLE)
		w->s->counts.samples++;
	else if (h->type == SONDE_RECORD_LOST)
		w->s->counts.lost = sat_add_u64(w->s->counts.lost,
				((const struct sonde_lost *)h)->nr_lost);
	return w->cb(h, w->ctx);
}

static int section_cb(const struct rec_section *sec, void *ctx)
{
	struct walk *w = ctx;
	struct rec_record_stats st = { 0 };
	int ret;

	if (sec->type != SREC_SEC_RECORDS)
		return 0;
	/* The open walk saw this section too, unless the file grew since. */
	if (w->section && w->nr_sections < w->s->nr_sections) {
		__u32 stream = w->s->section_stream[w->nr_sections];

		ret = w->section(stream & ~STREAM_LAST, stream & STREAM_LAST,
				 w->ctx);
		if (ret)
			return ret;
	}
	w->nr_sections++;
	if (sec->size < sizeof(struct srec_records))
		return 0;
	ret = rec_records__iter((const char *)sec->data +
				    sizeof(struct srec_records),
				    sec->size - sizeof(struct srec_records),
				    record_cb, w, &st);
	w->s->counts.bad += st.bad;
	w->s->counts.unknown += st.unknown;
	/* A record cut by the end of a truncated file is expected. */
	if (st.stopped_at >= 0 && !sec->truncated) {
		if (!w->s->counts.corrupt_sections)
			pr_warn("%s: corrupt record at byte %llu: skipping the rest of its section",
				session__path(w->s),
				(unsigned long long)(sec->offset +
				sizeof(struct srec_section_header) +
				sizeof(struct srec_records) + st.stopped_at));
		w->s->counts.corrupt_sections++;
	}
	return ret;
}

int session__iter_records(struct session *s, rec_record_cb_t cb, void *ctx)
{
	return session__walk_records(s, cb, NULL, ctx);
}

unsigned int session__nr_streams(const struct session *s)
{
	return s->nr_streams;
}

int session__walk_records(struct session *s, rec_record_cb_t cb,
			  session_section_cb_t section, void *ctx)
{
	struct walk w = { s, cb, section, ctx, 0 };

	/* A new walk recounts the records; the module's stats stay. */
	s->counts.samples = 0;
	s->counts.lost = 0;
	s->counts.bad = 0;
	s->counts.unknown = 0;
	s->counts.corrupt_sections = 0;
	return rec_reader__iter_sections(s->reader, section_cb, &w);
}
