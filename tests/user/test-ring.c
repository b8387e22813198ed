// SPDX-License-Identifier: GPL-2.0
/*
 * The ring consumer against a ring laid out as the module
 * lays it out (meta page, then the data pages mapped twice, in a memfd),
 * with a producer played by the test: wrap-around, corruption, errors.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"

#include "helpers.h"
#include "record/ring.h"

#define DATA_SIZE	4096UL

FIXTURE(ring) {
	long page;
	char *area;
	struct sonde_ring_meta *meta;
	struct sonde_ring_ctrl ctrl;
	unsigned char *data;
	struct sonde_ring *ring;
	__u64 head;
};

FIXTURE_SETUP(ring)
{
	int fd = memfd_create("ring", 0);
	size_t len;

	self->page = sysconf(_SC_PAGESIZE);
	len = self->page + 2 * DATA_SIZE;
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ftruncate(fd, self->page + DATA_SIZE));
	self->area = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	ASSERT_NE(MAP_FAILED, self->area);
	ASSERT_NE(MAP_FAILED, mmap(self->area, self->page + DATA_SIZE,
				   PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_FIXED, fd, 0));
	ASSERT_NE(MAP_FAILED, mmap(self->area + self->page + DATA_SIZE,
				   DATA_SIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_FIXED, fd, self->page));
	close(fd);
	self->meta = (void *)self->area;
	self->meta->data_offset = self->page;
	self->meta->data_size = DATA_SIZE;
	self->data = (unsigned char *)self->area + self->page;
	self->ctrl.data_tail = 0;
	self->head = 0;
	ASSERT_EQ(0, sonde_ring__wrap(&self->ring, &self->ctrl, self->meta,
				      3));
}

FIXTURE_TEARDOWN(ring)
{
	sonde_ring__unmap(self->ring);
	munmap(self->area, self->page + 2 * DATA_SIZE);
}

/* The producer: a sample whose tid is @seq and with @nu user frames. */
static void produce(struct _test_data_ring *self, __u32 seq, unsigned int nu)
{
	__u64 u[64];
	unsigned int i;
	size_t len;

	for (i = 0; i < nu; i++)
		u[i] = seq * 1000 + i;
	/* The double mapping makes the wrapped record contiguous. */
	len = make_sample(self->data + (self->head & (DATA_SIZE - 1)), seq, 3,
			  1, seq, 0, 0, NULL, 0, u, nu);
	__atomic_store_n(&self->meta->data_head, self->head + len,
			 __ATOMIC_RELEASE);
	self->head += len;
}

struct got {
	__u32 next;
	bool ok;
	unsigned int n;
	int fail_at;
};

static int check_cb(const struct sonde_record_header *h, void *ctx)
{
	const struct sonde_sample *s = (const void *)h;
	struct got *g = ctx;
	unsigned int i;

	if (g->fail_at >= 0 && g->n == (unsigned int)g->fail_at)
		return -ENOSPC;
	g->n++;
	if (s->tid != g->next++)
		g->ok = false;
	for (i = 0; i < s->nr_user; i++)
		if (s->frames[i] != s->tid * 1000ULL + i)
			g->ok = false;
	return 0;
}

TEST_F(ring, wraps_around)
{
	struct got g = { .ok = true, .fail_at = -1 };
	__u64 errors = 0, bytes = 0;
	__u32 seq = 0;
	unsigned int round, i;

	/* 19 and 23-frame samples: sizes that do not divide the ring. */
	for (round = 0; round < 200; round++) {
		long n;

		for (i = 0; i < 5; i++, seq++)
			produce(self, seq, seq % 2 ? 19 : 23);
		n = sonde_ring__consume(self->ring, check_cb, &g, &errors);
		ASSERT_GT(n, 0);
		bytes += n;
		ASSERT_EQ(self->head, self->ctrl.data_tail);
	}
	EXPECT_TRUE(g.ok);
	EXPECT_EQ(seq, g.n);
	EXPECT_EQ(0, errors);
	EXPECT_EQ(self->head, bytes);
	EXPECT_GT(self->head, 50 * DATA_SIZE);
	/* Nothing new: nothing consumed. */
	EXPECT_EQ(0, sonde_ring__consume(self->ring, check_cb, &g, &errors));
}

TEST_F(ring, size_zero_drops_window)
{
	struct got g = { .ok = true, .fail_at = -1 };
	struct sonde_record_header *h;
	__u64 errors = 0;

	produce(self, 0, 2);
	h = (void *)(self->data + self->head);
	h->type = SONDE_RECORD_SAMPLE;
	h->size = 0;
	self->head += 64;
	__atomic_store_n(&self->meta->data_head, self->head, __ATOMIC_RELEASE);
	EXPECT_EQ((long)self->head,
		  sonde_ring__consume(self->ring, check_cb, &g, &errors));
	EXPECT_EQ(1, g.n);
	EXPECT_EQ(1, errors);
	EXPECT_EQ(self->head, self->ctrl.data_tail);
	/* The stream goes on after the dropped window. */
	produce(self, 1, 3);
	sonde_ring__consume(self->ring, check_cb, &g, &errors);
	EXPECT_EQ(2, g.n);
	EXPECT_TRUE(g.ok);
}

TEST_F(ring, oversized_and_misaligned)
{
	struct got g = { .ok = true, .fail_at = -1 };
	struct sonde_record_header *h = (void *)self->data;
	__u64 errors = 0;

	h->type = SONDE_RECORD_SAMPLE;
	h->size = 2 * DATA_SIZE;
	self->head = 128;
	__atomic_store_n(&self->meta->data_head, self->head, __ATOMIC_RELEASE);
	sonde_ring__consume(self->ring, check_cb, &g, &errors);
	EXPECT_EQ(1, errors);
	EXPECT_EQ(0, g.n);
	h = (void *)(self->data + 128);
	h->size = 20;
	self->head = 256;
	__atomic_store_n(&self->meta->data_head, self->head, __ATOMIC_RELEASE);
	sonde_ring__consume(self->ring, check_cb, &g, &errors);
	EXPECT_EQ(2, errors);
	EXPECT_EQ(256, self->ctrl.data_tail);
}

TEST_F(ring, callback_error_keeps_data)
{
	struct got g = { .ok = true, .fail_at = 1 };
	__u64 errors = 0;

	produce(self, 0, 1);
	produce(self, 1, 1);
	EXPECT_EQ(-ENOSPC,
		  sonde_ring__consume(self->ring, check_cb, &g, &errors));
	/* Nothing released: the producer may not overwrite it. */
	EXPECT_EQ(0, self->ctrl.data_tail);
}

TEST_HARNESS_MAIN
