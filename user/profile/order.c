// SPDX-License-Identifier: GPL-2.0
/*
 * Profile layer: samples back in time order during the walk (order.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "profile/order.h"

int order__init(struct order *o, unsigned int nr_streams,
		profile_sink_t sink, void *sink_ctx)
{
	*o = (struct order){ .sink = sink, .sink_ctx = sink_ctx,
			     .nr_streams = nr_streams };
	o->streams = calloc(nr_streams + 1, sizeof(*o->streams));
	return o->streams ? 0 : -ENOMEM;
}

void order__free(struct order *o)
{
	free(o->heap);
	free(o->streams);
	o->heap = NULL;
	o->streams = NULL;
}

static bool before(const struct order_entry *a, const struct order_entry *b)
{
	if (a->s.time_ns != b->s.time_ns)
		return a->s.time_ns < b->s.time_ns;
	if (a->s.cpu != b->s.cpu)
		return a->s.cpu < b->s.cpu;
	return a->seq < b->seq;
}

static void swap(struct order_entry *a, struct order_entry *b)
{
	struct order_entry t = *a;

	*a = *b;
	*b = t;
}

int order__push(struct order *o, const struct profile_sample *s)
{
	size_t i;

	if (o->nr == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 1024;
		struct order_entry *h = reallocarray(o->heap, cap, sizeof(*h));

		if (!h)
			return -ENOMEM;
		o->heap = h;
		o->cap = cap;
	}
	i = o->nr++;
	o->heap[i].s = *s;
	o->heap[i].seq = o->seq++;
	for (; i && before(&o->heap[i], &o->heap[(i - 1) / 2]); i = (i - 1) / 2)
		swap(&o->heap[i], &o->heap[(i - 1) / 2]);
	if (o->nr > o->held_max)
		o->held_max = o->nr;
	return 0;
}

/* Remove the oldest sample and hand it to the sink. */
static int write_oldest(struct order *o, const struct profile *p)
{
	struct profile_sample s = o->heap[0].s;
	size_t i = 0, c;

	o->heap[0] = o->heap[--o->nr];
	for (;;) {
		c = 2 * i + 1;
		if (c >= o->nr)
			break;
		if (c + 1 < o->nr && before(&o->heap[c + 1], &o->heap[c]))
			c++;
		if (!before(&o->heap[c], &o->heap[i]))
			break;
		swap(&o->heap[c], &o->heap[i]);
		i = c;
	}
	if (o->written_any && s.time_ns < o->written_ns)
		o->late++;
	else
		o->written_ns = s.time_ns;
	o->written_any = true;
	return o->sink(p, &s, o->sink_ctx);
}

/* Write every held sample older than every stream still to come allows. */
static int write_ready(struct order *o, const struct profile *p)
{
	__u64 frontier = UINT64_MAX;
	unsigned int i;
	int err;

	for (i = 0; i < o->nr_streams; i++)
		if (!o->streams[i].done && o->streams[i].newest_ns < frontier)
			frontier = o->streams[i].newest_ns;
	if (frontier != UINT64_MAX)
		frontier = frontier > ORDER_SLACK_NS ?
			   frontier - ORDER_SLACK_NS : 0;
	while (o->nr && o->heap[0].s.time_ns < frontier) {
		err = write_oldest(o, p);
		if (err)
			return err;
	}
	return 0;
}

/* The section being walked ended. */
static void end_section(struct order *o)
{
	if (o->in_section && o->cur_last && o->cur < o->nr_streams)
		o->streams[o->cur].done = true;
	o->in_section = false;
}

int order__section(struct order *o, const struct profile *p,
		   unsigned int stream, bool last)
{
	end_section(o);
	o->cur = stream;
	o->cur_last = last;
	o->in_section = true;
	return write_ready(o, p);
}

void order__saw(struct order *o, __u64 time_ns)
{
	/* Samples of a section the open walk did not see count nowhere. */
	if (o->in_section && o->cur < o->nr_streams &&
	    time_ns > o->streams[o->cur].newest_ns)
		o->streams[o->cur].newest_ns = time_ns;
}

int order__flush(struct order *o, const struct profile *p)
{
	int err;

	end_section(o);
	while (o->nr) {
		err = write_oldest(o, p);
		if (err)
			return err;
	}
	return 0;
}
