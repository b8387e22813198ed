/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde: the per-CPU ring buffer, a library of its own.  See ring.c for the
 * design and the ordering table.
 */
#ifndef _SONDE_RING_H
#define _SONDE_RING_H

#include <linux/types.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/wait.h>
#include <asm/local64.h>
#include "../uapi/sonde.h"

struct page;
struct file;

/**
 * struct sonde_ring - one CPU's single-producer, single-consumer ring
 * @meta: first page of the read-only mapping (producer state)
 * @ctrl: the writable control page (consumer state, untrusted)
 * @data: the data pages, mapped twice back to back in the kernel too
 * @size: bytes of data, a power of two
 * @head: the producer's private position; meta->data_head publishes it,
 *	and between reserve and commit it is where the reserved record starts
 * @wakeup_bytes: poll() watermark
 * @wq: woken from @wakeup_work; set while a source may run
 * @wakeup_work: moves the wakeup out of hard irq / NMI context
 * @nest: nesting guard; only the outermost writer may touch the ring
 * @pending_lost: samples lost since the last LOST record, by reason
 * @samples: stats, see struct sonde_cpu_stats
 * @lost: stats, see struct sonde_cpu_stats
 * @filtered: stats, see struct sonde_cpu_stats
 * @task_events: stats, see struct sonde_cpu_stats
 * @map_events: stats, see struct sonde_cpu_stats
 * @map_missed: stats, see struct sonde_cpu_stats
 * @records: stats, written by the outermost writer only
 * @bytes: stats, written by the outermost writer only
 * @handler_ns_total: stats, written by the outermost writer only
 * @handler_ns_max: stats, written by the outermost writer only
 * @timer_missed: stats, written by the timer source of this CPU only
 * @timer_no_regs: stats, written by the timer source of this CPU only
 * @handler_hist: stats, written by the outermost writer only
 * @throttle_events: stats, written by the source of this CPU only
 * @throttled_ns: stats (the closed throttled spans), likewise
 * @throttled_since: when the current throttled span began, 0: none;
 *	likewise (throttle.c)
 * @cpu: the CPU whose ring this is
 * @nr_data_pages: pages of data
 * @ctrl_page: the page behind @ctrl
 * @map_pages: meta page then the data pages twice: what userspace maps
 */
struct sonde_ring {
	struct sonde_ring_meta *meta;
	struct sonde_ring_ctrl *ctrl;
	void *data;
	u64 size;
	u64 head;
	u64 wakeup_bytes;
	wait_queue_head_t *wq;
	struct irq_work wakeup_work;

	local_t nest;
	local64_t pending_lost[SONDE_LOST_NR_REASONS];
	local64_t samples;
	local64_t lost[SONDE_LOST_NR_REASONS];
	local64_t filtered;
	local64_t task_events;
	local64_t map_events;
	local64_t map_missed;
	u64 records;
	u64 bytes;
	u64 handler_ns_total;
	u64 handler_ns_max;
	u64 timer_missed;
	u64 timer_no_regs;
	u64 handler_hist[SONDE_HANDLER_HIST_BUCKETS];
	u64 throttle_events;
	u64 throttled_ns;
	u64 throttled_since;

	unsigned int cpu;
	unsigned int nr_data_pages;
	struct page *ctrl_page;
	struct page **map_pages;
};

/**
 * struct sonde_buffers - the rings of one configured session
 * @ref: one reference for the session, one for the anon file that
 *	ring mappings point at
 * @nr_pages: pages these rings hold, counted in the module-wide total
 * @nr_rings: nr_cpu_ids
 * @rings: one per CPU of the session's mask, NULL for the others
 */
struct sonde_buffers {
	struct kref ref;
	unsigned long nr_pages;
	unsigned int nr_rings;
	struct sonde_ring *rings[];
};

struct sonde_buffers *sonde_buffers_alloc(const struct cpumask *cpus,
					  unsigned int nr_data_pages,
					  u64 wakeup_bytes);
void sonde_buffers_put(struct sonde_buffers *bufs);

void *sonde_ring_reserve(struct sonde_ring *ring, u32 max_len, u64 now);
void sonde_ring_commit(struct sonde_ring *ring, u32 len);
void sonde_ring_lose(struct sonde_ring *ring, unsigned int reason);
bool sonde_ring_flush_lost(struct sonde_ring *ring, u64 now);
u64 sonde_ring_readable(const struct sonde_ring *ring);
bool sonde_ring_lost_pending(struct sonde_ring *ring);

/* Nesting guard: true when this is the outermost writer on the CPU. */
static inline bool sonde_ring_enter(struct sonde_ring *ring)
{
	if (local_inc_return(&ring->nest) != 1) {
		local_dec(&ring->nest);
		return false;
	}
	return true;
}

static inline void sonde_ring_exit(struct sonde_ring *ring)
{
	local_dec(&ring->nest);
}

/*
 * One record written outside the sampling path (task events, MMAP):
 * begin enters and reserves, counting a loss (nested, full) and leaving
 * again on failure; end commits @len bytes and leaves.  The ring's CPU,
 * interrupts off.
 */
static inline void *sonde_ring_begin(struct sonde_ring *ring, u32 max_len,
				     u64 now)
{
	void *rec;

	if (!sonde_ring_enter(ring)) {
		sonde_ring_lose(ring, SONDE_LOST_NESTED);
		return NULL;
	}
	rec = sonde_ring_reserve(ring, max_len, now);
	if (!rec) {
		sonde_ring_lose(ring, SONDE_LOST_RING_FULL);
		sonde_ring_exit(ring);
	}
	return rec;
}

static inline void sonde_ring_end(struct sonde_ring *ring, u32 len)
{
	sonde_ring_commit(ring, len);
	sonde_ring_exit(ring);
}

#endif /* _SONDE_RING_H */
