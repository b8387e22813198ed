// SPDX-License-Identifier: GPL-2.0
/*
 * The recording reader keeps only metadata in memory: RECORDS payloads
 * are read from the file at each walk into one reused buffer.  Walks
 * repeat identically, a file that shrinks or changes after the open reads
 * as a file cut there, and no section size is trusted beyond the bytes
 * present.
 */
#include "kselftest_harness.h"

#include "helpers.h"

#define MAX_SECS	64

struct sec_log {
	__u32 type;
	__u64 offset;
	__u64 size;
	__u64 hash;
	__u64 records;
	bool truncated;
};

struct walk_log {
	struct sec_log s[MAX_SECS];
	unsigned int nr;
	const struct buf *image;	/* what the file held at open */
	bool data_ok;			/* every payload matched @image */
	bool aligned;
	const void *session;		/* ->data of the SESSION section */
};

static int count_rec(const struct sonde_record_header *h, void *ctx)
{
	(*(__u64 *)ctx)++;
	return 0;
}

static __u64 fnv(const void *p, __u64 len)
{
	const unsigned char *c = p;
	__u64 h = 0xcbf29ce484222325ULL;

	while (len--)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

static int log_cb(const struct rec_section *sec, void *ctx)
{
	struct walk_log *l = ctx;
	struct sec_log *e;

	if (l->nr == MAX_SECS)
		return -E2BIG;
	e = &l->s[l->nr++];
	e->type = sec->type;
	e->offset = sec->offset;
	e->size = sec->size;
	e->truncated = sec->truncated;
	e->hash = fnv(sec->data, sec->size);
	if ((unsigned long)sec->data % 8)
		l->aligned = false;
	if (l->image &&
	    (sec->offset + sizeof(struct srec_section_header) + sec->size >
	     l->image->len ||
	     memcmp(sec->data, l->image->data + sec->offset +
		    sizeof(struct srec_section_header), sec->size)))
		l->data_ok = false;
	if (sec->type == SREC_SEC_RECORDS &&
	    sec->size >= sizeof(struct srec_records)) {
		struct rec_record_stats st = { 0 };

		rec_records__iter((const char *)sec->data +
				  sizeof(struct srec_records),
				  sec->size - sizeof(struct srec_records),
				  count_rec, &e->records, &st);
	}
	if (sec->type == SREC_SEC_SESSION)
		l->session = sec->data;
	return 0;
}

static void log_init(struct walk_log *l, const struct buf *image)
{
	memset(l, 0, sizeof(*l));
	l->image = image;
	l->data_ok = true;
	l->aligned = true;
}

static bool sec_equal(const struct sec_log *x, const struct sec_log *y)
{
	return x->type == y->type && x->offset == y->offset &&
	       x->size == y->size && x->hash == y->hash &&
	       x->records == y->records && x->truncated == y->truncated;
}

static bool logs_equal(const struct walk_log *a, const struct walk_log *b)
{
	unsigned int i;

	if (a->nr != b->nr)
		return false;
	for (i = 0; i < a->nr; i++)
		if (!sec_equal(&a->s[i], &b->s[i]))
			return false;
	return true;
}

/* A section with @size in its header and @len payload bytes, padded. */
static void put_section_sized(struct buf *b, __u32 type, __u64 size,
			      const void *p, size_t len)
{
	struct srec_section_header sh = { .type = type, .size = size };

	buf__append(b, &sh, sizeof(sh));
	buf__append(b, p, len);
	buf__pad8(b);
}

static void put_section(struct buf *b, __u32 type, const void *p,
			size_t len)
{
	put_section_sized(b, type, len, p, len);
}

static void put_file_header(struct buf *b)
{
	struct srec_file_header fh = { .version = SREC_VERSION,
				       .header_size = sizeof(fh) };

	memcpy(fh.magic, SREC_MAGIC, sizeof(fh.magic));
	buf__append(b, &fh, sizeof(fh));
}

/* A RECORDS section of @cpu holding @n samples numbered from @first. */
static void put_records(struct buf *b, __u32 cpu, unsigned int first,
			unsigned int n)
{
	__u64 k[2] = { 0xffffffff81000010, 0xffffffff81000120 };
	struct srec_records rh = { .cpu = cpu };
	struct buf p = { 0 };
	unsigned char rec[256];
	unsigned int i;

	buf__append(&p, &rh, sizeof(rh));
	for (i = first; i < first + n; i++)
		buf__append(&p, rec, make_sample(rec, 1000 + i, cpu, 7, i, 0,
						 0, k, 1 + i % 2, NULL, 0));
	put_section(b, SREC_SEC_RECORDS, p.data, p.len);
	buf__free(&p);
}

/*
 * Metadata and RECORDS sections interleaved, RECORDS of very different
 * sizes (one of @big samples, several MiB when @big is large, so that the
 * reader's buffer grows and then serves small sections again), an empty
 * one, an unknown section type and END.
 */
static void build_image(struct buf *b, unsigned int big)
{
	struct srec_session ss = { .size = sizeof(ss), .frequency = 99 };
	struct srec_end e = { .nr_samples = 61 + big };
	struct srec_process ph = { .pid = 7, .comm = "seven" };
	struct srec_records empty = { .cpu = 2 };

	put_file_header(b);
	put_section(b, SREC_SEC_SESSION, &ss, sizeof(ss));
	put_records(b, 0, 0, 50);
	put_section(b, SREC_SEC_PROCESS, &ph, sizeof(ph));
	put_records(b, 1, 50, big);
	put_records(b, 0, 50 + big, 1);
	put_section(b, SREC_SEC_RECORDS, &empty, sizeof(empty));
	put_section(b, SREC_SEC_MODULES, "m 1 2\n", 6);
	put_records(b, 1, 51 + big, 10);
	put_section(b, 99, "future", 6);
	put_section(b, SREC_SEC_END, &e, sizeof(e));
}

FIXTURE(reader) {
	char *dir;
	char path[256];
	struct buf image;
};

FIXTURE_SETUP(reader)
{
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	snprintf(self->path, sizeof(self->path), "%s/rec.data", self->dir);
	memset(&self->image, 0, sizeof(self->image));
}

FIXTURE_TEARDOWN(reader)
{
	remove_tree(self->dir);
	free(self->dir);
	buf__free(&self->image);
}

/* @path holds @b exactly; returns an open read-write descriptor. */
static int put_file(const char *path, const struct buf *b)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -errno;
	if (pwrite_all(fd, b->data, b->len, 0)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/*
 * Two walks hand out the same sections and records, every payload as the
 * file holds it; metadata stays valid across (and after) walks.
 */
TEST_F(reader, same_records_twice)
{
	struct walk_log a, b;
	struct rec_reader *r;
	unsigned int i;
	__u64 samples = 0;
	int fd;

	/* About 4 MiB of samples in one section: bigger than a chunk. */
	build_image(&self->image, 40000);
	fd = put_file(self->path, &self->image);
	ASSERT_LE(0, fd);
	close(fd);

	ASSERT_EQ(0, rec_reader__open(&r, self->path));
	log_init(&a, &self->image);
	log_init(&b, &self->image);
	ASSERT_EQ(0, rec_reader__iter_sections(r, log_cb, &a));
	EXPECT_TRUE(rec_reader__has_end(r));
	EXPECT_EQ(self->image.len, rec_reader__size(r));
	EXPECT_EQ(self->image.len, rec_reader__complete_end(r));
	ASSERT_EQ(0, rec_reader__iter_sections(r, log_cb, &b));
	EXPECT_TRUE(rec_reader__has_end(r));
	EXPECT_EQ(self->image.len, rec_reader__complete_end(r));
	EXPECT_TRUE(a.data_ok);
	EXPECT_TRUE(a.aligned);
	EXPECT_TRUE(logs_equal(&a, &b));
	ASSERT_EQ(10, a.nr);
	for (i = 0; i < a.nr; i++) {
		EXPECT_FALSE(a.s[i].truncated);
		samples += a.s[i].records;
	}
	EXPECT_EQ(61 + 40000, samples);
	EXPECT_EQ(40000, a.s[3].records);
	EXPECT_EQ(sizeof(struct srec_records), a.s[5].size);
	/* Metadata: the same bytes each walk, valid until close. */
	EXPECT_EQ(a.session, b.session);
	ASSERT_NE(NULL, a.session);
	EXPECT_EQ(0, memcmp(a.session, self->image.data + a.s[0].offset +
			    sizeof(struct srec_section_header),
			    a.s[0].size));
	rec_reader__close(r);
}

/* The index of the RECORDS section whose header or payload holds @len. */
static int records_at(const struct walk_log *full, __u64 len)
{
	unsigned int i;

	for (i = 0; i < full->nr; i++) {
		const struct sec_log *e = &full->s[i];

		if (e->type == SREC_SEC_RECORDS && len >= e->offset &&
		    len < e->offset + sizeof(struct srec_section_header) +
			  e->size)
			return i;
	}
	return -1;
}

/*
 * The file is cut at every byte after the reader opened it.  The walk
 * never fails and hands out what the file held; cut inside a RECORDS
 * section, it is the walk of a file cut there from the start (metadata
 * was read at open, so a cut inside one only shows at the next RECORDS
 * section).
 */
TEST_F(reader, shrunk_after_open)
{
	struct walk_log full, l, l2;
	struct rec_reader *r, *r2;
	__u64 len;
	int fd;

	build_image(&self->image, 20);
	fd = put_file(self->path, &self->image);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rec_reader__open(&r, self->path));
	log_init(&full, &self->image);
	ASSERT_EQ(0, rec_reader__iter_sections(r, log_cb, &full));
	rec_reader__close(r);
	ASSERT_EQ(10, full.nr);

	for (len = 0; len <= self->image.len; len++) {
		unsigned int i;
		int k;

		ASSERT_EQ(0, pwrite_all(fd, self->image.data,
					self->image.len, 0));
		ASSERT_EQ(0, rec_reader__open(&r, self->path));
		ASSERT_EQ(0, ftruncate(fd, len));
		log_init(&l, &self->image);
		ASSERT_EQ(0, rec_reader__iter_sections(r, log_cb, &l))
			TH_LOG("cut at %llu", (unsigned long long)len);
		EXPECT_TRUE(l.data_ok) TH_LOG("cut at %llu",
					      (unsigned long long)len);
		EXPECT_LE(rec_reader__complete_end(r), rec_reader__size(r));
		ASSERT_LE(l.nr, full.nr);
		/* A prefix of the full walk; only a RECORDS one is cut. */
		for (i = 0; i < l.nr; i++) {
			if (l.s[i].truncated) {
				EXPECT_EQ(SREC_SEC_RECORDS, l.s[i].type);
				EXPECT_EQ(i + 1, l.nr);
				EXPECT_EQ(full.s[i].offset, l.s[i].offset);
				EXPECT_LT(l.s[i].size, full.s[i].size);
				continue;
			}
			EXPECT_TRUE(sec_equal(&full.s[i], &l.s[i]))
				TH_LOG("cut at %llu, section %u",
				       (unsigned long long)len, i);
		}
		/* A second walk of the shrunk file agrees with the first. */
		log_init(&l2, &self->image);
		ASSERT_EQ(0, rec_reader__iter_sections(r, log_cb, &l2));
		EXPECT_TRUE(logs_equal(&l, &l2)) TH_LOG("cut at %llu",
							(unsigned long long)len);

		k = records_at(&full, len);
		if (k >= 0) {
			EXPECT_EQ(len, rec_reader__size(r));
			EXPECT_EQ(full.s[k].offset, rec_reader__complete_end(r));
			EXPECT_FALSE(rec_reader__has_end(r));
			/* The same as a file that was this size all along. */
			ASSERT_EQ(0, rec_reader__open(&r2, self->path));
			log_init(&l2, &self->image);
			ASSERT_EQ(0, rec_reader__iter_sections(r2, log_cb,
							       &l2));
			EXPECT_TRUE(logs_equal(&l, &l2))
				TH_LOG("cut at %llu", (unsigned long long)len);
			EXPECT_EQ(rec_reader__size(r2), rec_reader__size(r));
			EXPECT_EQ(rec_reader__complete_end(r2),
				  rec_reader__complete_end(r));
			EXPECT_EQ(rec_reader__has_end(r2),
				  rec_reader__has_end(r));
			rec_reader__close(r2);
		}
		rec_reader__close(r);
	}
	close(fd);
}

/*
 * A RECORDS section header rewritten after the open: the walk ends before
 * that section, as at a cut there, and goes on again once the header is
 * back.  Bytes appended after the open are not read.
 */
TEST_F(reader, changed_after_open)
{
	static const char zeros[4096];
	struct srec_section_header sh, bad;
	struct walk_log full, l;
	struct rec_reader *r;
	__u64 off;
	int fd;

	build_image(&self->image, 20);
	fd = put_file(self->path, &self->image);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rec_reader__open(&r, self->path));
	log_init(&full, &self->image);
	ASSERT_EQ(0, rec_reader__iter_sections(r, log_cb, &full));
	ASSERT_EQ(SREC_SEC_RECORDS, full.s[3].type);
	off = full.s[3].offset;
	ASSERT_EQ(sizeof(sh), pread(fd, &sh, sizeof(sh), off));

	bad = sh;
	bad.size = sh.size - 8;
	ASSERT_EQ(sizeof(bad), pwrite(fd, &bad, sizeof(bad), off));
	log_init(&l, &self->image);
	ASSERT_EQ(0, rec_reader__iter_sections(r, log_cb, &l));
	ASSERT_EQ(3, l.nr);
	EXPECT_EQ(off, rec_reader__complete_end(r));
	EXPECT_EQ(self->image.len, rec_reader__size(r));
	EXPECT_FALSE(rec_reader__has_end(r));

	bad = sh;
	bad.type = SREC_SEC_MODULES;
	ASSERT_EQ(sizeof(bad), pwrite(fd, &bad, sizeof(bad), off));
	log_init(&l, &self->image);
	ASSERT_EQ(0, rec_reader__iter_sections(r, log_cb, &l));
	ASSERT_EQ(3, l.nr);
	EXPECT_EQ(off, rec_reader__complete_end(r));

	ASSERT_EQ(sizeof(sh), pwrite(fd, &sh, sizeof(sh), off));
	ASSERT_EQ(sizeof(zeros), pwrite(fd, zeros, sizeof(zeros),
					self->image.len));
	log_init(&l, &self->image);
	ASSERT_EQ(0, rec_reader__iter_sections(r, log_cb, &l));
	EXPECT_TRUE(logs_equal(&full, &l));
	EXPECT_TRUE(rec_reader__has_end(r));
	EXPECT_EQ(self->image.len, rec_reader__size(r));
	EXPECT_EQ(self->image.len, rec_reader__complete_end(r));
	rec_reader__close(r);
	close(fd);
}

/*
 * Section sizes beyond the end of the file, up to UINT64_MAX, for a
 * RECORDS and a metadata section: one truncated section of the bytes
 * present, no allocation of what the header claims, on every walk.
 */
TEST_F(reader, sizes_bounded_by_file)
{
	static const __u32 types[] = { SREC_SEC_RECORDS, SREC_SEC_MODULES };
	/* 0 stands for one byte more than the payload present. */
	const __u64 sizes[] = { 0, 1ULL << 40, UINT64_MAX - 7, UINT64_MAX };
	struct srec_session ss = { .size = sizeof(ss) };
	struct srec_records rh = { .cpu = 3 };
	__u64 k[1] = { 0xffffffff81000010 };
	unsigned char rec[256], payload[1024];
	size_t plen, n;
	unsigned int t, i, walk;

	memcpy(payload, &rh, sizeof(rh));
	plen = sizeof(rh);
	for (i = 0; i < 3; i++) {
		n = make_sample(rec, 1 + i, 3, 7, 7, 0, 0, k, 1, NULL, 0);
		memcpy(payload + plen, rec, n);
		plen += n;
	}
	for (t = 0; t < ARRAY_SIZE(types); t++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			struct buf b = { 0 };
			struct rec_reader *r;
			struct walk_log l;
			__u64 off;
			int fd;

			put_file_header(&b);
			put_section(&b, SREC_SEC_SESSION, &ss, sizeof(ss));
			off = b.len;
			put_section_sized(&b, types[t],
					  sizes[i] ? sizes[i] : plen + 1,
					  payload, plen);
			fd = put_file(self->path, &b);
			ASSERT_LE(0, fd);
			close(fd);
			ASSERT_EQ(0, rec_reader__open(&r, self->path));
			for (walk = 0; walk < 2; walk++) {
				log_init(&l, &b);
				ASSERT_EQ(0, rec_reader__iter_sections(r,
								       log_cb,
								       &l));
				ASSERT_EQ(2, l.nr);
				EXPECT_TRUE(l.data_ok);
				EXPECT_TRUE(l.s[1].truncated);
				EXPECT_EQ(off, l.s[1].offset);
				EXPECT_EQ(b.len - off -
					  sizeof(struct srec_section_header),
					  l.s[1].size);
				if (types[t] == SREC_SEC_RECORDS)
					EXPECT_EQ(3, l.s[1].records);
				EXPECT_EQ(off, rec_reader__complete_end(r));
				EXPECT_EQ(b.len, rec_reader__size(r));
				EXPECT_FALSE(rec_reader__has_end(r));
			}
			rec_reader__close(r);
			buf__free(&b);
		}
	}
}

TEST_HARNESS_MAIN
