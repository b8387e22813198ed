/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Profile layer, private: samples put back in time order while the
 * recording is walked, so that a writer can print them as they come
 * (PROFILE_KEEP_NONE), as perf's ordered_events do for `perf script`.
 *
 * Facts it relies on (recording/session.h, "Streams"): the samples of one
 * CPU come in the order they were taken, and the walk says where each
 * RECORDS section starts, which CPU (stream) it belongs to and whether it
 * is that CPU's last.  Every CPU still to come has samples no older than
 * the newest it gave so far: a held sample older than the oldest of those
 * (less a slack, for a ring written out of order by a nested writer) can
 * be written.  Held samples therefore span about one drain of the
 * recorder over all CPUs, not the recording; all of them are written when
 * the walk ends.  A sample that still comes older than one already
 * written (a file not written by sonde record, or a clock gone back) is
 * written when found, counted as late.
 *
 * Single-threaded.
 */
#ifndef SONDE_PROFILE_ORDER_H
#define SONDE_PROFILE_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "profile/profile.h"

/* How much older than its CPU's newest a sample may come: 10 ms. */
#define ORDER_SLACK_NS	10000000ULL

struct order_entry {
	struct profile_sample s;
	__u64 seq;		/* file order, for equal (time, CPU) */
};

struct order_stream {
	__u64 newest_ns;	/* of the samples read so far; 0: none */
	bool done;		/* its last section was walked */
};

struct order {
	struct order_entry *heap;	/* a binary min-heap */
	size_t nr, cap;
	__u64 seq;
	struct order_stream *streams;
	unsigned int nr_streams;
	unsigned int cur;		/* the stream being walked */
	bool cur_last;			/* ... in its last section */
	bool in_section;
	bool written_any;
	__u64 written_ns;		/* time of the last sample written */
	__u64 late;
	size_t held_max;
	profile_sink_t sink;
	void *sink_ctx;
};

/* 0 or -ENOMEM; order__free() either way. */
int order__init(struct order *o, unsigned int nr_streams,
		profile_sink_t sink, void *sink_ctx);
void order__free(struct order *o);
/*
 * order__section - a RECORDS section of @stream starts (@last: its
 * stream's last): writes what the sections walked so far allow.  Returns
 * 0 or what the sink returned.
 */
int order__section(struct order *o, const struct profile *p,
		   unsigned int stream, bool last);
/* A SAMPLE record of the current section was taken at @time_ns. */
void order__saw(struct order *o, __u64 time_ns);
/* Hold the sample @s (built from the record just seen).  0 or -ENOMEM. */
int order__push(struct order *o, const struct profile_sample *s);
/* The walk ended: write every sample held.  0 or what the sink returned. */
int order__flush(struct order *o, const struct profile *p);

#endif /* SONDE_PROFILE_ORDER_H */
