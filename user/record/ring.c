// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: consume one CPU's ring as uapi/sonde.h "Ring ordering"
 * says: load-acquire of meta->data_head (C), read [tail, head), store-
 * release of ctrl->data_tail (D).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "recording/recording.h"
#include "record/ring.h"

struct sonde_ring {
	__u32 cpu;
	struct sonde_ring_ctrl *ctrl;	/* one page, read-write */
	const struct sonde_ring_meta *meta;
	size_t ctrl_len;
	size_t meta_len;
	const unsigned char *data;	/* mapped twice back to back */
	__u64 data_size;
	__u64 tail;			/* our own copy of ctrl->data_tail */
	bool mapped;			/* the mappings are ours to undo */
};

static int ring_init(struct sonde_ring *r, __u64 data_size)
{
	/* Trust the meta page for the layout, but only inside the mapping. */
	if (r->meta->data_size != data_size || !data_size ||
	    (data_size & (data_size - 1)) ||
	    r->meta->data_offset + 2 * data_size > r->meta_len)
		return -EPROTO;
	r->data = (const unsigned char *)r->meta + r->meta->data_offset;
	r->data_size = data_size;
	r->tail = r->ctrl->data_tail;
	return 0;
}

int sonde_ring__wrap(struct sonde_ring **rp, struct sonde_ring_ctrl *ctrl,
		     const struct sonde_ring_meta *meta, __u32 cpu)
{
	struct sonde_ring *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->cpu = cpu;
	r->ctrl = ctrl;
	r->meta = meta;
	r->meta_len = meta->data_offset + 2 * meta->data_size;
	err = ring_init(r, meta->data_size);
	if (err) {
		free(r);
		return err;
	}
	*rp = r;
	return 0;
}

int sonde_ring__map(struct sonde_ring **rp, int fd,
		    const struct sonde_info *info, __u32 cpu,
		    __u32 ring_pages)
{
	__u64 data_size = (__u64)ring_pages * info->page_size;
	__u64 base = cpu * info->mmap_cpu_stride;
	struct sonde_ring *r;
	void *p;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cpu = cpu;
	r->ctrl_len = info->page_size;
	r->meta_len = info->page_size + 2 * data_size;
	p = mmap(NULL, r->ctrl_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 base + info->mmap_ctrl_offset);
	if (p == MAP_FAILED) {
		err = -errno;
		goto err_free;
	}
	r->ctrl = p;
	p = mmap(NULL, r->meta_len, PROT_READ, MAP_SHARED, fd,
		 base + info->mmap_meta_offset);
	if (p == MAP_FAILED) {
		err = -errno;
		goto err_unmap_ctrl;
	}
	r->meta = p;
	r->mapped = true;
	err = ring_init(r, data_size);
	if (err)
		goto err_unmap_meta;
	*rp = r;
	return 0;

err_unmap_meta:
	munmap((void *)r->meta, r->meta_len);
err_unmap_ctrl:
	munmap(r->ctrl, r->ctrl_len);
err_free:
	free(r);
	return err;
}

void sonde_ring__unmap(struct sonde_ring *r)
{
	if (!r)
		return;
	if (r->mapped) {
		munmap((void *)r->meta, r->meta_len);
		munmap(r->ctrl, r->ctrl_len);
	}
	free(r);
}

__u32 sonde_ring__cpu(const struct sonde_ring *r)
{
	return r->cpu;
}

long sonde_ring__consume(struct sonde_ring *r, rec_record_cb_t cb,
			 void *ctx, __u64 *errors)
{
	__u64 head, pos;

	/*
	 * (C) pairs with the producer's store-release of data_head (B): the
	 * bytes of every record below head are visible once head is.
	 */
	head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	if (head - r->tail > r->data_size) {
		/* Cannot happen with a sane producer: resync at head. */
		(*errors)++;
		r->tail = head;
	}
	for (pos = r->tail; pos < head;) {
		const void *rec = r->data + (pos & (r->data_size - 1));
		bool bad;
		long size = sonde_record__check(rec, head - pos, &bad);
		int ret;

		if (size < 0 || (__u64)size > r->data_size) {
			/*
			 * No way to find the next record boundary inside
			 * the window; head is one, so drop up to it.
			 */
			(*errors)++;
			break;
		}
		if (bad) {
			(*errors)++;
		} else {
			ret = cb(rec, ctx);
			if (ret < 0)
				return ret;
		}
		pos += size;
	}
	pos = head - r->tail;
	r->tail = head;
	/*
	 * (D) pairs with the producer's load-acquire of data_tail (A): we
	 * are done reading [old tail, head) before it may be overwritten.
	 */
	__atomic_store_n(&r->ctrl->data_tail, head, __ATOMIC_RELEASE);
	return pos;
}
