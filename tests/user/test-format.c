// SPDX-License-Identifier: GPL-2.0
/*
 * The recording format: writer/reader round trip of every
 * section and record type, chunked asynchronous writes, files cut at every
 * byte offset, and corrupt records.
 */
#include "kselftest_harness.h"

#include "helpers.h"
#include "recording/session.h"

struct seen {
	unsigned int sections[16];
	__u64 samples, lost, tid_sum;
	__u64 last_time;
	bool order_ok;
};

static int count_record(const struct sonde_record_header *h, void *ctx)
{
	struct seen *s = ctx;

	if (h->type == SONDE_RECORD_SAMPLE) {
		const struct sonde_sample *sm = (const void *)h;

		s->samples++;
		s->tid_sum += sm->tid;
		if (sm->time_ns < s->last_time)
			s->order_ok = false;
		s->last_time = sm->time_ns;
	} else {
		s->lost += ((const struct sonde_lost *)h)->nr_lost;
	}
	return 0;
}

static int count_section(const struct rec_section *sec, void *ctx)
{
	struct seen *s = ctx;
	struct rec_record_stats st = { 0 };

	if (sec->type < 16)
		s->sections[sec->type]++;
	if (sec->type == SREC_SEC_RECORDS && !sec->truncated)
		rec_records__iter((const char *)sec->data + 8,
				      sec->size - 8, count_record, s, &st);
	return 0;
}

/* Writes N samples over 2 CPUs plus every other section type. */
/*
 * A recording of @n samples and one of every other section; with
 * @prefault_every, rec_writer__prefault() after every that many samples
 * (chunks in flight, one filling).
 */
static int write_full(struct rec_writer *w, unsigned int n,
		      unsigned int prefault_every)
{
	__u64 k[3] = { 0xffffffff81000010, 0xffffffff81000120, 0 };
	__u64 u[2] = { 0x400100, 0x400200 };
	static const char ksyms[] = "ffffffff81000000 T kfunc\n";
	struct srec_stats st = { 1, sizeof(struct sonde_cpu_stats) };
	unsigned char rec[1024], stats[8 + 8 + sizeof(struct sonde_cpu_stats)];
	unsigned int i;
	int err;

	err = add_session(w, 999);
	for (i = 0; !err && i < n; i++) {
		size_t len = make_sample(rec, 1000 + i, i % 2, 10, i, 0, 0, k,
					 i % 3, u, 2);

		err = rec_writer__append_records(w, i % 2, rec, len);
		if (prefault_every && i % prefault_every == 0)
			rec_writer__prefault(w);
	}
	if (!err)
		err = rec_writer__append_records(w, 1, rec,
						 make_lost(rec, 5000, 1, 7));
	if (!err)
		err = add_process(w, 10, "proc", 2000, "/bin/true", 0x400000,
				  0x401000, 0, NULL, 0);
	if (!err)
		err = rec_writer__add_section_z(w, SREC_SEC_KALLSYMS, 0, ksyms,
						sizeof(ksyms) - 1);
	if (!err)
		err = rec_writer__add_section(w, SREC_SEC_MODULES, 0, "m 1\n",
					      4);
	memset(stats, 0, sizeof(stats));
	memcpy(stats, &st, sizeof(st));
	if (!err)
		err = rec_writer__add_section(w, SREC_SEC_STATS, 0, stats,
					      sizeof(stats));
	if (!err)
		err = rec_writer__add_section(w, 99, 0, "future", 6);
	if (!err)
		err = add_end(w, n, 7);
	return err;
}

TEST(round_trip)
{
	char path[] = "/tmp/sonde-fmt.XXXXXX";
	struct rec_writer *w;
	struct rec_reader *r;
	struct seen s = { .order_ok = true };
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, rec_writer__new_fd(&w, fd));
	ASSERT_EQ(0, write_full(w, 100, 0));
	ASSERT_EQ(0, rec_writer__finish(w));
	rec_writer__free(w);
	close(fd);

	ASSERT_EQ(0, rec_reader__open(&r, path));
	ASSERT_EQ(0, rec_reader__iter_sections(r, count_section, &s));
	EXPECT_TRUE(rec_reader__has_end(r));
	EXPECT_EQ(rec_reader__size(r), rec_reader__complete_end(r));
	EXPECT_EQ(1, s.sections[SREC_SEC_SESSION]);
	EXPECT_EQ(1, s.sections[SREC_SEC_PROCESS]);
	EXPECT_EQ(1, s.sections[SREC_SEC_KALLSYMS]);
	EXPECT_EQ(1, s.sections[SREC_SEC_MODULES]);
	EXPECT_EQ(1, s.sections[SREC_SEC_STATS]);
	EXPECT_EQ(1, s.sections[SREC_SEC_END]);
	/* Alternating CPUs: one RECORDS section per switch (LOST joins). */
	EXPECT_EQ(100, s.sections[SREC_SEC_RECORDS]);
	EXPECT_EQ(100, s.samples);
	EXPECT_EQ(7, s.lost);
	EXPECT_EQ(99 * 100 / 2, s.tid_sum);
	EXPECT_TRUE(s.order_ok);
	rec_reader__close(r);
	unlink(path);
}

struct check {
	char **out;
	size_t *len;
};

static int payload_cb(const struct rec_section *sec, void *ctx)
{
	struct check *cc = ctx;

	if (sec->type == SREC_SEC_KALLSYMS)
		return rec_section__payload(sec, cc->out, cc->len, NULL) ?: 1;
	return 0;
}

TEST(zlib_payload)
{
	char path[] = "/tmp/sonde-fmt.XXXXXX";
	struct rec_writer *w;
	struct rec_reader *r;
	char *big = malloc(3 << 20), *out = NULL;
	size_t len = 0, i;
	int fd = mkstemp(path);

	struct check c = { &out, &len };

	ASSERT_NE(NULL, big);
	for (i = 0; i < (3 << 20); i++)
		big[i] = "0123456789abcdef T sym\n"[i % 23];
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, rec_writer__new_fd(&w, fd));
	/* Bigger than a chunk even compressed? No: but bigger raw. */
	ASSERT_EQ(0, rec_writer__add_section_z(w, SREC_SEC_KALLSYMS, 0, big,
					       3 << 20));
	ASSERT_EQ(0, rec_writer__add_section(w, SREC_SEC_MODULES, 0, big,
					     (2 << 20) + 3));
	ASSERT_EQ(0, add_end(w, 0, 0));
	ASSERT_EQ(0, rec_writer__finish(w));
	rec_writer__free(w);
	close(fd);
	ASSERT_EQ(0, rec_reader__open(&r, path));
	ASSERT_EQ(1, rec_reader__iter_sections(r, payload_cb, &c));
	ASSERT_EQ(3 << 20, len);
	EXPECT_EQ(0, memcmp(out, big, len));
	free(out);
	free(big);
	rec_reader__close(r);
	unlink(path);
}

/*
 * A sink that completes writes late, out of order, into a memory image:
 * the writer must never reuse a buffer before its write is done.
 */
struct lazy_sink {
	struct rec_writer *w;
	char *image;
	size_t size;
	struct { void *buf; size_t len; __u64 off; } q[8];
	unsigned int nr;
};

static void lazy_complete(struct lazy_sink *ls, unsigned int i)
{
	void *buf = ls->q[i].buf;

	memcpy(ls->image + ls->q[i].off, buf, ls->q[i].len);
	if (ls->q[i].off + ls->q[i].len > ls->size)
		ls->size = ls->q[i].off + ls->q[i].len;
	/* Scribble over the buffer: a reuse-before-done would show. */
	memset(buf, 0xaa, ls->q[i].len);
	ls->q[i] = ls->q[--ls->nr];
	rec_writer__done(ls->w, buf, 0);
}

static int lazy_submit(void *ctx, void *buf, size_t len, __u64 off)
{
	struct lazy_sink *ls = ctx;

	ls->q[ls->nr].buf = buf;
	ls->q[ls->nr].len = len;
	ls->q[ls->nr].off = off;
	ls->nr++;
	return 0;
}

static int lazy_wait(void *ctx)
{
	struct lazy_sink *ls = ctx;

	if (!ls->nr)
		return -EINVAL;
	/* Complete the newest first: out of submission order. */
	lazy_complete(ls, ls->nr - 1);
	return 0;
}

/*
 * The chunked writer against a sink that completes late and out of
 * order; with @prefault_every, rec_writer__prefault() on the way (it
 * must leave the file header, in-flight chunks and the filling one's
 * bytes alone).
 */
static void write_chunked_async(struct __test_metadata *_metadata,
				unsigned int prefault_every)
{
	struct lazy_sink ls = { .image = calloc(1, 8 << 20) };
	struct rec_sink sink = { lazy_submit, lazy_wait, &ls };
	char path[] = "/tmp/sonde-fmt.XXXXXX";
	struct seen s = { .order_ok = true };
	struct rec_reader *r;
	int fd;

	ASSERT_NE(NULL, ls.image);
	ASSERT_EQ(0, rec_writer__new(&ls.w, &sink, 4096, 3));
	if (prefault_every)
		rec_writer__prefault(ls.w);
	ASSERT_EQ(0, write_full(ls.w, 2000, prefault_every));
	ASSERT_EQ(0, rec_writer__finish(ls.w));
	EXPECT_EQ(0, ls.nr);
	EXPECT_EQ(ls.size, rec_writer__bytes(ls.w));
	rec_writer__free(ls.w);

	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)ls.size, write(fd, ls.image, ls.size));
	close(fd);
	ASSERT_EQ(0, rec_reader__open(&r, path));
	ASSERT_EQ(0, rec_reader__iter_sections(r, count_section, &s));
	EXPECT_TRUE(rec_reader__has_end(r));
	EXPECT_EQ(2000, s.samples);
	EXPECT_EQ(7, s.lost);
	EXPECT_EQ(1999 * 2000 / 2, s.tid_sum);
	rec_reader__close(r);
	unlink(path);
	free(ls.image);
}

TEST(chunked_async_writer)
{
	write_chunked_async(_metadata, 0);
}

TEST(chunked_async_writer_prefaulted)
{
	write_chunked_async(_metadata, 7);
}

/* Where every record of a file ends, in file order. */
struct ends {
	__u64 off[4096];
	unsigned int nr;
	__u64 base;
};

static int end_record(const struct sonde_record_header *h, void *ctx)
{
	struct ends *e = ctx;

	e->off[e->nr++] = (const char *)h - (const char *)e->base + h->size;
	return 0;
}

static int end_section(const struct rec_section *sec, void *ctx)
{
	struct rec_record_stats st = { 0 };

	/* RECORDS data is valid in the callback only: file offset base. */
	((struct ends *)ctx)->base = (__u64)(unsigned long)sec->data -
				     sec->offset -
				     sizeof(struct srec_section_header);
	if (sec->type == SREC_SEC_RECORDS)
		rec_records__iter((const char *)sec->data + 8,
				      sec->size - 8, end_record, ctx, &st);
	return 0;
}

static int count_only(const struct sonde_record_header *h, void *ctx)
{
	(*(__u64 *)ctx)++;
	return 0;
}

TEST(truncated_at_every_byte)
{
	char path[] = "/tmp/sonde-fmt.XXXXXX", cut[64];
	struct rec_writer *w;
	struct rec_reader *r;
	struct ends ends = { 0 };
	char *image;
	size_t size, len;
	int fd, saved_err, null;

	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, rec_writer__new_fd(&w, fd));
	ASSERT_EQ(0, write_full(w, 24, 0));
	ASSERT_EQ(0, rec_writer__finish(w));
	rec_writer__free(w);
	close(fd);
	ASSERT_EQ(0, read_file(path, &image, &size));

	ASSERT_EQ(0, rec_reader__open(&r, path));
	rec_reader__iter_sections(r, end_section, &ends);
	rec_reader__close(r);
	ASSERT_EQ(25, ends.nr);

	snprintf(cut, sizeof(cut), "%s.cut", path);
	saved_err = dup(2);
	null = open("/dev/null", O_WRONLY);
	for (len = 0; len <= size; len++) {
		struct session *s;
		unsigned int expect = 0, i;
		__u64 got = 0;
		int err;

		fd = open(cut, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ASSERT_EQ((ssize_t)len, write(fd, image, len));
		close(fd);
		for (i = 0; i < ends.nr; i++)
			expect += ends.off[i] <= len;
		dup2(null, 2);	/* one truncation warning per cut */
		err = session__open(&s, cut);
		if (!err) {
			err = session__iter_records(s, count_only, &got);
			session__close(s);
		}
		dup2(saved_err, 2);
		/*
		 * Issue 7 item 16: even a cut inside the file header (R16)
		 * is a recording, with nothing in it.
		 */
		ASSERT_EQ(0, err) TH_LOG("cut at %zu", len);
		ASSERT_EQ(expect, got) TH_LOG("cut at %zu", len);
	}
	close(null);
	close(saved_err);
	unlink(cut);
	unlink(path);
	free(image);
}

struct walk_result {
	__u64 seen;
};

static int seen_cb(const struct sonde_record_header *h, void *ctx)
{
	((struct walk_result *)ctx)->seen++;
	return 0;
}

TEST(corrupt_records)
{
	__u64 k[1] = { 0xffffffff81000000 };
	unsigned char buf[4096];
	struct sonde_record_header *h;
	struct rec_record_stats st;
	struct walk_result wr;
	size_t len, a;

	/* Good, size 0, good: the walk stops at the bad one, no hang. */
	len = make_sample(buf, 1, 0, 1, 1, 1, 0, k, 1, NULL, 0);
	a = len;
	h = (void *)(buf + len);
	h->type = SONDE_RECORD_SAMPLE;
	h->size = 0;
	len += 8;
	len += make_sample(buf + len, 2, 0, 1, 1, 1, 0, k, 1, NULL, 0);
	memset(&st, 0, sizeof(st));
	memset(&wr, 0, sizeof(wr));
	EXPECT_EQ(0, rec_records__iter(buf, len, seen_cb, &wr, &st));
	EXPECT_EQ(1, wr.seen);
	EXPECT_EQ((__s64)a, st.stopped_at);

	/* Misaligned size. */
	h->size = 12;
	memset(&st, 0, sizeof(st));
	memset(&wr, 0, sizeof(wr));
	rec_records__iter(buf, len, seen_cb, &wr, &st);
	EXPECT_EQ(1, wr.seen);
	EXPECT_EQ((__s64)a, st.stopped_at);

	/* Size past the end. */
	h->size = 4096;
	memset(&st, 0, sizeof(st));
	memset(&wr, 0, sizeof(wr));
	rec_records__iter(buf, len, seen_cb, &wr, &st);
	EXPECT_EQ(1, wr.seen);
	EXPECT_EQ((__s64)a, st.stopped_at);

	/* Unknown type of a sane size: skipped, the walk goes on. */
	h->type = 77;
	h->size = 8;
	memset(&st, 0, sizeof(st));
	memset(&wr, 0, sizeof(wr));
	rec_records__iter(buf, len, seen_cb, &wr, &st);
	EXPECT_EQ(2, wr.seen);
	EXPECT_EQ(1, st.unknown);
	EXPECT_EQ(-1, st.stopped_at);

	/* A sample whose frame counts overflow its size: skipped as bad. */
	((struct sonde_sample *)buf)->nr_user = 1000;
	memset(&st, 0, sizeof(st));
	memset(&wr, 0, sizeof(wr));
	rec_records__iter(buf, len, seen_cb, &wr, &st);
	EXPECT_EQ(1, wr.seen);
	EXPECT_EQ(1, st.bad);

	/* A LOST record shorter than struct sonde_lost. */
	h->type = SONDE_RECORD_LOST;
	h->size = 8;
	memset(&st, 0, sizeof(st));
	memset(&wr, 0, sizeof(wr));
	rec_records__iter(buf + a, len - a, seen_cb, &wr, &st);
	EXPECT_EQ(1, wr.seen);
	EXPECT_EQ(1, st.bad);
}

/* A corrupt section does not hide the good sections after it. */
TEST(corrupt_section_then_good)
{
	__u64 k[1] = { 0xffffffff81000000 };
	char path[] = "/tmp/sonde-fmt.XXXXXX";
	unsigned char rec[512];
	struct rec_writer *w;
	struct session *s;
	__u64 got = 0;
	size_t len;
	int fd = mkstemp(path), saved, null;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, rec_writer__new_fd(&w, fd));
	len = make_sample(rec, 1, 0, 1, 1, 1, 0, k, 1, NULL, 0);
	ASSERT_EQ(0, rec_writer__append_records(w, 0, rec, len));
	((struct sonde_record_header *)rec)->size = 0;	/* corrupt */
	ASSERT_EQ(0, rec_writer__append_records(w, 0, rec, len));
	len = make_sample(rec, 2, 1, 1, 1, 1, 0, k, 1, NULL, 0);
	ASSERT_EQ(0, rec_writer__append_records(w, 1, rec, len));
	ASSERT_EQ(0, add_end(w, 2, 0));
	ASSERT_EQ(0, rec_writer__finish(w));
	rec_writer__free(w);
	close(fd);

	saved = dup(2);
	null = open("/dev/null", O_WRONLY);
	dup2(null, 2);
	ASSERT_EQ(0, session__open(&s, path));
	ASSERT_EQ(0, session__iter_records(s, count_only, &got));
	dup2(saved, 2);
	EXPECT_EQ(2, got);
	EXPECT_EQ(1, session__counts(s)->corrupt_sections);
	session__close(s);
	close(null);
	close(saved);
	unlink(path);
}

TEST(not_a_recording)
{
	char path[] = "/tmp/sonde-fmt.XXXXXX";
	struct rec_reader *r;
	int fd = mkstemp(path);
	struct srec_file_header fh = { .version = 2, .header_size = 32 };

	ASSERT_GE(fd, 0);
	/* Empty: a recording cut at byte 0 (issue 7 item 16). */
	ASSERT_EQ(0, rec_reader__open(&r, path));
	EXPECT_TRUE(rec_reader__header_cut(r));
	rec_reader__close(r);
	ASSERT_EQ(1, write(fd, "N", 1));
	ASSERT_EQ(-EBADMSG, rec_reader__open(&r, path));
	ASSERT_EQ(0, ftruncate(fd, 0));
	ASSERT_EQ(9, pwrite(fd, "NOTSONDE!", 9, 0));
	ASSERT_EQ(-EBADMSG, rec_reader__open(&r, path));
	ASSERT_EQ(0, ftruncate(fd, 0));
	memcpy(fh.magic, SREC_MAGIC, 8);
	ASSERT_EQ((ssize_t)sizeof(fh), pwrite(fd, &fh, sizeof(fh), 0));
	ASSERT_EQ(-EPROTONOSUPPORT, rec_reader__open(&r, path));
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
