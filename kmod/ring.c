// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: per-CPU ring buffers that userspace maps.
 *
 * Each CPU of a session has one ring: a producer on that CPU (the sampling
 * handler in hard irq context; a PMU source would run in NMI context and
 * nest inside it) and one consumer in userspace.  Memory per ring:
 *
 *   ctrl page   writable by userspace: the consumer's data_tail only
 *   meta page   read-only: layout and the producer's data_head
 *   data pages  read-only: records, vmap()ed twice back to back, in the
 *               kernel and in every user mapping, so that a record that
 *               crosses the end of the ring is contiguous in both
 *
 * The producer never blocks.  When a record does not fit, the sample is
 * counted in pending_lost; the next record that fits is preceded by a LOST
 * record carrying the counts, so that for every ring
 * samples == SAMPLE records + sum(LOST.nr_lost) once the session stopped.
 *
 * Ordering (the same table is in uapi/sonde.h, "Ring ordering"):
 *
 *   producer (sonde_ring_reserve/commit)   consumer (userspace)
 *   tail = load_acquire(ctrl->tail)  (A)   head = load_acquire(meta->head) (C)
 *   if no room: count lost                  read records in [tail, head)
 *   write record at head                    store_release(ctrl->tail, head) (D)
 *   store_release(meta->head, new)   (B)
 *
 * A pairs with D: userspace finished reading bytes before it gave them
 * back, so the producer never overwrites a record being read.  B pairs
 * with C: every byte of a record is visible before the head covering it.
 * See Documentation/core-api/circular-buffers.rst for the pattern.
 *
 * The ctrl page is written by userspace at any time: the producer reads
 * data_tail twice per record (room before, watermark after publishing)
 * and clamps it into [head - size, head] each time, so a
 * hostile value can only make the producer overwrite or drop that
 * consumer's own data.
 *
 * Contexts: sonde_buffers_alloc/put in process context; reserve, commit
 * and lose on the ring's CPU with preemption disabled, by the outermost
 * writer (see sonde_ring_enter()) except sonde_ring_lose(), which any
 * nesting level may call; flush_lost on the ring's CPU or, once the
 * session is stopped, on any CPU, under the nesting guard too;
 * readable() and lost_pending() from any context.
 */
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <linux/sched/signal.h>
#include <linux/err.h>
#include <linux/poll.h>
#include <linux/cpumask.h>
#include <linux/topology.h>
#include "ring.h"

/*
 * Pages held by every sonde_buffers alive, whichever session or mapping
 * holds them: old rings live on while mapped, so a cap per CONFIGURE
 * alone would let configure-map-configure pin memory without bound.
 */
static atomic_long_t sonde_live_pages = ATOMIC_LONG_INIT(0);

static void ring_wakeup_fn(struct irq_work *work)
{
	struct sonde_ring *ring = container_of(work, struct sonde_ring,
					       wakeup_work);
	wait_queue_head_t *wq = READ_ONCE(ring->wq);

	if (wq)
		wake_up_interruptible_poll(wq, EPOLLIN | EPOLLRDNORM);
}

static void ring_free(struct sonde_ring *ring)
{
	unsigned int i;

	if (!ring)
		return;
	irq_work_sync(&ring->wakeup_work);
	if (ring->data)
		vunmap(ring->data);
	if (ring->map_pages) {
		/* map_pages[0] is meta, then data pages twice: free once. */
		for (i = 0; i <= ring->nr_data_pages; i++)
			if (ring->map_pages[i])
				__free_page(ring->map_pages[i]);
		kvfree(ring->map_pages);
	}
	if (ring->ctrl_page)
		__free_page(ring->ctrl_page);
	kfree(ring);
}

static struct sonde_ring *ring_alloc(unsigned int cpu,
				     unsigned int nr_data_pages,
				     u64 wakeup_bytes)
{
	/* Fail with ENOMEM rather than wake the OOM killer for a profiler. */
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN |
			  __GFP_RETRY_MAYFAIL;
	int node = cpu_to_node(cpu);
	struct sonde_ring *ring;
	unsigned int i;

	ring = kzalloc_node(sizeof(*ring), GFP_KERNEL_ACCOUNT, node);
	if (!ring)
		return NULL;
	ring->cpu = cpu;
	ring->nr_data_pages = nr_data_pages;
	ring->size = (u64)nr_data_pages << PAGE_SHIFT;
	ring->wakeup_bytes = wakeup_bytes;
	init_irq_work(&ring->wakeup_work, ring_wakeup_fn);

	ring->ctrl_page = alloc_pages_node(node, gfp, 0);
	if (!ring->ctrl_page)
		goto err_free_ring;
	ring->map_pages = kvcalloc(1 + 2 * nr_data_pages,
				   sizeof(*ring->map_pages), GFP_KERNEL_ACCOUNT);
	if (!ring->map_pages)
		goto err_free_ring;
	for (i = 0; i <= nr_data_pages; i++) {
		if (fatal_signal_pending(current))
			goto err_free_ring;
		ring->map_pages[i] = alloc_pages_node(node, gfp, 0);
		if (!ring->map_pages[i])
			goto err_free_ring;
	}
	for (i = 0; i < nr_data_pages; i++)
		ring->map_pages[1 + nr_data_pages + i] = ring->map_pages[1 + i];

	ring->data = vmap(&ring->map_pages[1], 2 * nr_data_pages, VM_MAP,
			  PAGE_KERNEL);
	if (!ring->data)
		goto err_free_ring;

	ring->ctrl = page_address(ring->ctrl_page);
	ring->meta = page_address(ring->map_pages[0]);
	ring->meta->size = sizeof(*ring->meta);
	ring->meta->version = SONDE_ABI_VERSION;
	ring->meta->cpu = cpu;
	ring->meta->data_offset = PAGE_SIZE;
	ring->meta->data_size = ring->size;
	return ring;

err_free_ring:
	ring_free(ring);
	return NULL;
}

static void buffers_release(struct kref *ref)
{
	struct sonde_buffers *bufs = container_of(ref, struct sonde_buffers,
						  ref);
	unsigned int cpu;

	for (cpu = 0; cpu < bufs->nr_rings; cpu++)
		ring_free(bufs->rings[cpu]);
	atomic_long_sub(bufs->nr_pages, &sonde_live_pages);
	kvfree(bufs);
}

/**
 * sonde_buffers_alloc - allocate zeroed rings for every CPU in @cpus
 * @cpus: possible CPUs that get a ring
 * @nr_data_pages: data pages per ring, a power of two
 * @wakeup_bytes: poll() watermark
 *
 * The pages are charged to the caller's memory cgroup, and all rings alive
 * in the module, of this session, of earlier sessions and of earlier
 * CONFIGUREs still mapped, together may take at most a quarter of RAM.
 *
 * Context: process.  Returns the buffers with one reference, or
 * ERR_PTR(-ENOMEM).
 */
struct sonde_buffers *sonde_buffers_alloc(const struct cpumask *cpus,
					  unsigned int nr_data_pages,
					  u64 wakeup_bytes)
{
	unsigned long pages = cpumask_weight(cpus) * (nr_data_pages + 2UL);
	struct sonde_buffers *bufs;
	unsigned int cpu;

	if (atomic_long_add_return(pages, &sonde_live_pages) >
	    totalram_pages() / 4) {
		atomic_long_sub(pages, &sonde_live_pages);
		return ERR_PTR(-ENOMEM);
	}
	bufs = kvzalloc(struct_size(bufs, rings, nr_cpu_ids),
			GFP_KERNEL_ACCOUNT);
	if (!bufs) {
		atomic_long_sub(pages, &sonde_live_pages);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&bufs->ref);
	bufs->nr_pages = pages;
	bufs->nr_rings = nr_cpu_ids;
	for_each_cpu(cpu, cpus) {
		bufs->rings[cpu] = ring_alloc(cpu, nr_data_pages, wakeup_bytes);
		if (!bufs->rings[cpu])
			goto err_put_buffers;
	}
	return bufs;

err_put_buffers:
	sonde_buffers_put(bufs);
	return ERR_PTR(-ENOMEM);
}

void sonde_buffers_put(struct sonde_buffers *bufs)
{
	if (bufs)
		kref_put(&bufs->ref, buffers_release);
}

/* The consumer's position, read once and clamped: it is untrusted. */
static u64 ring_tail(const struct sonde_ring *ring, u64 head)
{
	u64 tail;

	/* A, pairs with D in the consumer: its reads are done before this */
	tail = smp_load_acquire(&ring->ctrl->data_tail);

	if ((s64)(head - tail) < 0)
		return head;
	if (head - tail > ring->size)
		return head - ring->size;
	return tail;
}

/**
 * sonde_ring_readable - bytes the consumer has not yet given back
 * @ring: the ring
 *
 * Context: any; the result may be stale by the time it is used.
 */
u64 sonde_ring_readable(const struct sonde_ring *ring)
{
	u64 head;

	/* Pairs with B: a head at least as new as the records counted */
	head = smp_load_acquire(&ring->meta->data_head);
	return head - ring_tail(ring, head);
}

/* Bytes the producer may write at its head now. */
static u64 ring_room(const struct sonde_ring *ring)
{
	return ring->size - (ring->head - ring_tail(ring, ring->head));
}

static u64 take_pending_lost(struct sonde_ring *ring, u64 *by_reason)
{
	u64 total = 0;
	int i;

	for (i = 0; i < SONDE_LOST_NR_REASONS; i++) {
		/* xchg, not read + set: a nested writer may add meanwhile. */
		by_reason[i] = local64_xchg(&ring->pending_lost[i], 0);
		total += by_reason[i];
	}
	return total;
}

static u64 peek_pending_lost(const struct sonde_ring *ring)
{
	u64 total = 0;
	int i;

	for (i = 0; i < SONDE_LOST_NR_REASONS; i++)
		total += local64_read(&ring->pending_lost[i]);
	return total;
}

static void write_lost(struct sonde_ring *ring, u64 now)
{
	struct sonde_lost *rec = ring->data + (ring->head & (ring->size - 1));
	u64 by_reason[SONDE_LOST_NR_REASONS];
	int i;

	rec->nr_lost = take_pending_lost(ring, by_reason);
	rec->hdr.type = SONDE_RECORD_LOST;
	rec->hdr.size = sizeof(*rec);
	rec->time_ns = now;
	rec->cpu = ring->cpu;
	rec->__reserved = 0;
	for (i = 0; i < SONDE_LOST_NR_REASONS; i++)
		rec->by_reason[i] = by_reason[i];
	ring->head += sizeof(*rec);
	ring->bytes += sizeof(*rec);
}

/**
 * sonde_ring_reserve - room for one record of at most @max_len bytes
 * @ring: the ring of this CPU
 * @max_len: the largest size the record may have, a multiple of 8
 * @now: CLOCK_MONOTONIC time, for a LOST record written first
 *
 * Writes a LOST record first when samples were lost since the last one.
 * Context: the outermost writer on the ring's CPU.  Returns where to
 * write the record (contiguous even across the end of the ring), or NULL
 * when it does not fit; the caller then calls sonde_ring_lose().
 */
void *sonde_ring_reserve(struct sonde_ring *ring, u32 max_len, u64 now)
{
	bool lost = peek_pending_lost(ring) != 0;

	if (max_len + (lost ? sizeof(struct sonde_lost) : 0) > ring_room(ring))
		return NULL;
	if (lost)
		write_lost(ring, now);
	return ring->data + (ring->head & (ring->size - 1));
}

static void publish(struct sonde_ring *ring, u64 old_head)
{
	u64 tail;

	/* B, pairs with C in the consumer: the record before the head */
	smp_store_release(&ring->meta->data_head, ring->head);

	/*
	 * Wake the reader when this record made the ring cross the
	 * watermark, judged against the tail as it is now, not as reserve
	 * saw it: meanwhile the consumer may have drained, looked at the old
	 * head in sonde_poll() and gone to sleep below the watermark.  The
	 * full barrier orders the head store before this tail load (a store
	 * then a load); it pairs with the wait-queue locking between the
	 * consumer's tail store and its look at the head in sonde_poll().
	 */
	smp_mb();
	tail = ring_tail(ring, ring->head);
	if (old_head - tail < ring->wakeup_bytes &&
	    ring->head - tail >= ring->wakeup_bytes)
		irq_work_queue(&ring->wakeup_work);
}

/**
 * sonde_ring_commit - publish the record reserved last
 * @ring: the ring
 * @len: its final size, a multiple of 8, at most what was reserved
 *
 * Context: the outermost writer on the ring's CPU.
 */
void sonde_ring_commit(struct sonde_ring *ring, u32 len)
{
	/*
	 * The last published head, which only this producer writes: a LOST
	 * record written by the reserve is published only now, and the
	 * watermark crossing may be its doing.
	 */
	u64 old_head = READ_ONCE(ring->meta->data_head);

	ring->head += len;
	ring->records++;
	ring->bytes += len;
	publish(ring, old_head);
}

/**
 * sonde_ring_lose - count one sample that could not be written
 * @ring: the ring of this CPU
 * @reason: SONDE_LOST_*
 *
 * The first loss since the last LOST record wakes the reader, whatever
 * the watermark: a reader waiting for a level the ring cannot reach while
 * records are dropped would otherwise sleep through the loss.
 *
 * Context: any writer on the ring's CPU, nested or not (local64 ops are
 * atomic against interrupts and NMIs on the same CPU; irq_work_queue() is
 * NMI-safe).
 */
void sonde_ring_lose(struct sonde_ring *ring, unsigned int reason)
{
	local64_inc(&ring->lost[reason]);
	if (local64_inc_return(&ring->pending_lost[reason]) == 1 &&
	    peek_pending_lost(ring) == 1)
		irq_work_queue(&ring->wakeup_work);
}

/**
 * sonde_ring_lost_pending - samples were lost and no LOST record says so yet
 * @ring: the ring
 *
 * Context: any.
 */
bool sonde_ring_lost_pending(struct sonde_ring *ring)
{
	return peek_pending_lost(ring) != 0;
}

/**
 * sonde_ring_flush_lost - write the pending LOST record, if there is room
 * @ring: the ring
 * @now: CLOCK_MONOTONIC time
 *
 * Called once the CPU's source is disarmed so that the accounting closes
 * exactly.  It still takes the nesting guard, so that a source that has
 * not quite let go of the ring (an NMI) loses its sample instead of
 * racing this writer.
 *
 * Context: process, preemption disabled on the ring's CPU, or any CPU once
 * the session is stopped.  Returns true when a LOST record was written.
 */
bool sonde_ring_flush_lost(struct sonde_ring *ring, u64 now)
{
	u64 head = ring->head;
	bool written = false;

	if (!sonde_ring_enter(ring))
		return false;
	if (peek_pending_lost(ring) &&
	    ring_room(ring) >= sizeof(struct sonde_lost)) {
		write_lost(ring, now);
		publish(ring, head);
		written = true;
	}
	sonde_ring_exit(ring);
	return written;
}
