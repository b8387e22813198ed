/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: the consumer side of one CPU's sonde ring: mapping it as
 * struct sonde_info describes, and draining records in order.
 */
#ifndef SONDE_RING_H
#define SONDE_RING_H

#include <stdbool.h>
#include <linux/types.h>

#include "recording/recording.h"

struct sonde_ring;

/* Map the ring of @cpu; @ring_pages as configured. */
int sonde_ring__map(struct sonde_ring **ring, int fd,
		    const struct sonde_info *info, __u32 cpu,
		    __u32 ring_pages);
/*
 * sonde_ring__wrap - a consumer over a ring mapped by someone else (tests
 * build one in a memfd): @meta is the meta page, its data follows at
 * meta->data_offset, mapped twice.  sonde_ring__unmap() then only frees.
 */
int sonde_ring__wrap(struct sonde_ring **ring, struct sonde_ring_ctrl *ctrl,
		     const struct sonde_ring_meta *meta, __u32 cpu);
void sonde_ring__unmap(struct sonde_ring *ring);
__u32 sonde_ring__cpu(const struct sonde_ring *ring);

/*
 * sonde_ring__consume - hand every complete record to @cb, then release
 * them to the producer.  @cb sees each record exactly once and must copy
 * what it keeps.  Returns the bytes consumed, or the first negative value
 * of @cb (nothing is released then).  A record with an impossible size is
 * corruption: the rest of the window is dropped, *@errors counts it.
 */
long sonde_ring__consume(struct sonde_ring *ring, rec_record_cb_t cb,
			 void *ctx, __u64 *errors);

#endif /* SONDE_RING_H */
