// SPDX-License-Identifier: GPL-2.0
/*
 * JIT names from jitdumps (format: the Linux kernel's
 * tools/perf/Documentation/jitdump-specification.txt): the parser against
 * hostile dumps, lookups by time, and a test that acts as a JIT (code
 * copied to anonymous executable memory, a jitdump of it with a move,
 * source lines and a second load at a reused address) whose synthetic
 * recording must name every sample by its time.
 */
#include "kselftest_harness.h"

#include "helpers.h"
#include "jitdump-writer.h"
#include "profile/profile.h"
#include "record/jitdump.h"
#include "symbolize/jitdump.h"
#include "symbolize/symbolizer.h"

#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

static struct jitdump *parse(const struct buf *b, struct jitdump_stats *st,
			     int *err)
{
	struct jitdump *jd = NULL;

	*err = jitdump__parse(&jd, b->data, b->len, st);
	return jd;
}

/* The name of the code at @addr at @t, or NULL. */
static const char *name_at(const struct jitdump *jd, __u64 addr, __u64 t,
			   struct jitdump_hit *hit)
{
	struct jitdump_hit h;

	if (!hit)
		hit = &h;
	return jitdump__lookup(jd, addr, t, hit) ? hit->name : NULL;
}

/* ---- the parser ---- */

TEST(parse_load_move_reuse)
{
	struct jitdump_stats st;
	struct jitdump_hit hit;
	struct buf b = { 0 };
	struct jitdump *jd;
	int err;

	jd_header(&b, JITDUMP_MAGIC, 1, 0);
	jd_load(&b, 100, 0x1000, NULL, 0x40, 1, "first");
	jd_load(&b, 110, 0x2000, NULL, 0x40, 2, "mover");
	jd_move(&b, 120, 2, 0x2000, 0x3000, 0x40);
	jd_load(&b, 130, 0x1000, NULL, 0x20, 3, "second");
	jd = parse(&b, &st, &err);
	ASSERT_EQ(0, err);
	ASSERT_NE(NULL, jd);
	EXPECT_EQ(3, st.loads);
	EXPECT_EQ(1, st.moves);
	EXPECT_EQ(0, st.bad);
	EXPECT_FALSE(st.truncated);
	EXPECT_EQ(3, jitdump__nr_codes(jd));
	EXPECT_STREQ("first", name_at(jd, 0x1010, 105, &hit));
	EXPECT_EQ(0x1000, hit.start);
	EXPECT_EQ(0, hit.code);
	/* Reused: the later load wins from its time on... */
	EXPECT_STREQ("second", name_at(jd, 0x1010, 130, &hit));
	EXPECT_EQ(2, hit.code);
	/* ...but only where it covers: the rest is still the first's. */
	EXPECT_STREQ("first", name_at(jd, 0x1030, 200, NULL));
	/* Before any load: the first loaded there. */
	EXPECT_STREQ("first", name_at(jd, 0x1000, 1, NULL));
	/* Moved away: the old place is nobody's after the move. */
	EXPECT_STREQ("mover", name_at(jd, 0x2000, 115, NULL));
	EXPECT_EQ(NULL, name_at(jd, 0x2000, 121, NULL));
	EXPECT_STREQ("mover", name_at(jd, 0x3004, 121, &hit));
	EXPECT_EQ(0x3000, hit.start);
	EXPECT_EQ(1, hit.code);
	EXPECT_EQ(NULL, name_at(jd, 0x5000, 121, NULL));
	jitdump__free(jd);
	buf__free(&b);
}

TEST(parse_debug_info_lines)
{
	static const struct jd_entry e[] = {
		{ 0x1000, 10, "hot.js" },
		{ 0x1008, 11, NULL },
		{ 0x1010, 20, "other.js" },
	};
	struct jitdump_stats st;
	struct jitdump_hit hit;
	struct buf b = { 0 };
	struct jitdump *jd;
	int err;

	jd_header(&b, JITDUMP_MAGIC, 1, 0);
	jd_debug(&b, 99, 0x1000, e, 3);
	jd_load(&b, 100, 0x1000, NULL, 0x40, 1, "hot");
	jd_unwinding(&b, 101, 16, 8, 16);
	/* Debug info of another address does not go to the next load. */
	jd_debug(&b, 102, 0x9000, e, 1);
	jd_load(&b, 103, 0x2000, NULL, 0x40, 2, "plain");
	jd_move(&b, 104, 1, 0x1000, 0x4000, 0x40);
	jd = parse(&b, &st, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(2, st.debug_infos);
	EXPECT_EQ(1, st.unwinding_infos);
	EXPECT_EQ(0, st.bad);
	ASSERT_STREQ("hot", name_at(jd, 0x1009, 100, &hit));
	EXPECT_STREQ("hot.js", hit.file);
	EXPECT_EQ(11, hit.line);
	ASSERT_STREQ("hot", name_at(jd, 0x1020, 100, &hit));
	EXPECT_STREQ("other.js", hit.file);
	EXPECT_EQ(20, hit.line);
	/* Moved code keeps its lines, relative to its start. */
	ASSERT_STREQ("hot", name_at(jd, 0x4008, 105, &hit));
	EXPECT_STREQ("hot.js", hit.file);
	EXPECT_EQ(11, hit.line);
	ASSERT_STREQ("plain", name_at(jd, 0x2000, 105, &hit));
	EXPECT_EQ(NULL, hit.file);
	EXPECT_EQ(0, hit.line);
	jitdump__free(jd);
	buf__free(&b);
}

/* Debug info with no entries, before any with some: code without lines. */
TEST(debug_info_without_entries)
{
	static const struct jd_entry e[] = { { 0x2000, 7, "late.js" } };
	struct jitdump_stats st;
	struct jitdump_hit hit;
	struct buf b = { 0 };
	struct jitdump *jd;
	int err;

	jd_header(&b, JITDUMP_MAGIC, 1, 0);
	jd_debug(&b, 99, 0x1000, NULL, 0);
	jd_load(&b, 100, 0x1000, NULL, 0x40, 1, "bare");
	jd_debug(&b, 101, 0x2000, e, 1);
	jd_debug(&b, 102, 0x2000, NULL, 0);
	jd_load(&b, 103, 0x2000, NULL, 0x40, 2, "bare too");
	jd = parse(&b, &st, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(3, st.debug_infos);
	EXPECT_EQ(0, st.bad);
	ASSERT_STREQ("bare", name_at(jd, 0x1008, 100, &hit));
	EXPECT_EQ(NULL, hit.file);
	EXPECT_EQ(0, hit.line);
	/* The last debug info before a load is the one it gets. */
	ASSERT_STREQ("bare too", name_at(jd, 0x2008, 103, &hit));
	EXPECT_EQ(NULL, hit.file);
	jitdump__free(jd);
	buf__free(&b);
}

TEST(refused_headers)
{
	struct jitdump_stats st;
	struct buf b = { 0 };
	int err;

	jd_header(&b, 0x12345678, 1, 0);
	EXPECT_EQ(NULL, parse(&b, &st, &err));
	EXPECT_EQ(-EBADMSG, err);
	b.len = 0;
	jd_header(&b, __builtin_bswap32(JITDUMP_MAGIC), 1, 0);
	parse(&b, &st, &err);
	EXPECT_EQ(-EPROTONOSUPPORT, err);
	b.len = 0;
	jd_header(&b, JITDUMP_MAGIC, 2, 0);
	parse(&b, &st, &err);
	EXPECT_EQ(-EPROTONOSUPPORT, err);
	b.len = 0;
	jd_header(&b, JITDUMP_MAGIC, 1, JITDUMP_FLAGS_ARCH_TIMESTAMP);
	parse(&b, &st, &err);
	EXPECT_EQ(-EOPNOTSUPP, err);
	/* Too short for a header, and a header larger than the file. */
	b.len = 0;
	jd_header(&b, JITDUMP_MAGIC, 1, 0);
	b.len = 39;
	parse(&b, &st, &err);
	EXPECT_EQ(-EBADMSG, err);
	b.len = 40;
	((__u32 *)b.data)[2] = 4096;
	parse(&b, &st, &err);
	EXPECT_EQ(-EBADMSG, err);
	buf__free(&b);
}

/* A header alone is an empty dump; a larger header is skipped whole. */
TEST(header_sizes)
{
	struct jitdump_stats st;
	struct buf b = { 0 };
	struct jitdump *jd;
	int err;

	jd_header(&b, JITDUMP_MAGIC, 1, 0);
	jd = parse(&b, &st, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, jitdump__nr_codes(jd));
	EXPECT_EQ(NULL, name_at(jd, 0, 0, NULL));
	jitdump__free(jd);
	((__u32 *)b.data)[2] = 48;
	put64(&b, 0xdeadbeef);
	jd_load(&b, 1, 0x1000, NULL, 8, 1, "f");
	jd = parse(&b, &st, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(1, st.loads);
	jitdump__free(jd);
	buf__free(&b);
}

/* The JIT was writing its last record: every cut ends parsing cleanly. */
TEST(truncated_last_record)
{
	struct jitdump_stats st;
	struct buf b = { 0 };
	struct jitdump *jd;
	size_t full, cut;
	int err;

	jd_header(&b, JITDUMP_MAGIC, 1, 0);
	jd_load(&b, 100, 0x1000, NULL, 0x40, 1, "whole");
	full = b.len;
	jd_load(&b, 110, 0x2000, NULL, 0x40, 2, "cut");
	for (cut = full + 1; cut < b.len; cut++) {
		struct buf c = { 0 };

		buf__append(&c, b.data, cut);
		jd = parse(&c, &st, &err);
		ASSERT_EQ(0, err);
		EXPECT_TRUE(st.truncated);
		EXPECT_EQ(1, st.loads);
		EXPECT_EQ(0, st.bad);
		EXPECT_STREQ("whole", name_at(jd, 0x1000, 200, NULL));
		EXPECT_EQ(NULL, name_at(jd, 0x2000, 200, NULL));
		jitdump__free(jd);
		buf__free(&c);
	}
	buf__free(&b);
}

/* Sizes that lie are records skipped, never reads out of bounds. */
TEST(hostile_records)
{
	struct jitdump_stats st;
	struct buf b = { 0 }, r = { 0 };
	struct jitdump *jd;
	__u32 size;
	size_t at;
	int err;

	jd_header(&b, JITDUMP_MAGIC, 1, 0);
	/* Code that wraps the address space; code larger than its record. */
	jd_load(&b, 1, UINT64_MAX - 8, NULL, 0x40, 1, "wraps");
	at = b.len;
	jd_load(&b, 2, 0x1000, NULL, 8, 2, "short");
	memcpy(&size, b.data + at + 4, sizeof(size));
	size -= 4;
	memcpy(b.data + at + 4, &size, sizeof(size));
	b.len -= 4;
	/* A name without its NUL. */
	put32(&r, 1);
	put32(&r, 1);
	put64(&r, 0x3000);
	put64(&r, 0x3000);
	put64(&r, 8);
	put64(&r, 3);
	buf__append(&r, "noNUL", 5);
	jd_record(&b, JITDUMP_CODE_LOAD, 3, &r);
	/* A huge count of debug entries, an unknown move, huge unwinding. */
	r.len = 0;
	put64(&r, 0x1000);
	put64(&r, UINT64_MAX / 2);
	put64(&r, 0x1000);
	put32(&r, 1);
	put32(&r, 0);
	buf__append(&r, "f.js", 5);
	jd_record(&b, JITDUMP_CODE_DEBUG_INFO, 4, &r);
	jd_move(&b, 5, 77, 0x1000, 0x2000, 8);
	jd_unwinding(&b, 6, UINT64_MAX, 8, 16);
	jd_unwinding(&b, 6, 16, 32, 16);
	/* Records too short for their fixed part, and unknown ids. */
	r.len = 0;
	put64(&r, 1);
	jd_record(&b, JITDUMP_CODE_LOAD, 7, &r);
	jd_record(&b, JITDUMP_CODE_MOVE, 7, &r);
	jd_record(&b, JITDUMP_CODE_DEBUG_INFO, 7, &r);
	jd_record(&b, JITDUMP_CODE_UNWINDING_INFO, 7, &r);
	jd_record(&b, 99, 7, &r);
	jd_load(&b, 8, 0x5000, NULL, 8, 5, "good");
	jd = parse(&b, &st, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(1, st.loads);
	EXPECT_EQ(11, st.bad);
	EXPECT_EQ(1, st.unknown);
	EXPECT_FALSE(st.truncated);
	EXPECT_STREQ("good", name_at(jd, 0x5000, 9, NULL));
	EXPECT_EQ(NULL, name_at(jd, 0x1000, 9, NULL));
	jitdump__free(jd);
	/* A record smaller than its own header: nothing after it is read. */
	r.len = 0;
	b.len = 40;
	put32(&b, JITDUMP_CODE_LOAD);
	put32(&b, 8);
	put64(&b, 0);
	jd_load(&b, 8, 0x5000, NULL, 8, 5, "after");
	jd = parse(&b, &st, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(1, st.bad);
	EXPECT_EQ(0, st.loads);
	jitdump__free(jd);
	/* CODE_CLOSE ends the dump. */
	b.len = 40;
	jd_record(&b, JITDUMP_CODE_CLOSE, 9, &r);
	jd_load(&b, 10, 0x5000, NULL, 8, 5, "closed");
	jd = parse(&b, &st, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, st.loads);
	jitdump__free(jd);
	buf__free(&r);
	buf__free(&b);
}

/* Random bytes after a good header: no crash, whatever comes out. */
TEST(random_records)
{
	struct jitdump_stats st;
	struct buf b = { 0 };
	unsigned int seed = 1, i, round;
	struct jitdump *jd;
	int err;

	for (round = 0; round < 200; round++) {
		b.len = 0;
		jd_header(&b, JITDUMP_MAGIC, 1, 0);
		for (i = 0; i < 64; i++) {
			__u32 v = rand_r(&seed);

			/* Mostly small ids and sizes, to reach the parsers. */
			if (i % 8 == 0)
				v %= 5;
			else if (i % 8 == 1)
				v = 16 + v % 80;
			put32(&b, v);
		}
		jd = parse(&b, &st, &err);
		ASSERT_EQ(0, err);
		name_at(jd, rand_r(&seed), rand_r(&seed), NULL);
		jitdump__free(jd);
	}
	buf__free(&b);
}

/*
 * Many loads at one address: the latest before a time wins, among the
 * last JITDUMP_MAX_SCAN loads there (lookups stay bounded).
 */
TEST(many_reloads)
{
	struct jitdump_stats st;
	struct buf b = { 0 };
	struct jitdump *jd;
	char name[32];
	int err, i;

	jd_header(&b, JITDUMP_MAGIC, 1, 0);
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		jd_load(&b, 100 + i, 0x1000, NULL, 0x10, i, name);
	}
	jd = parse(&b, &st, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(20000, st.loads);
	EXPECT_STREQ("f19999", name_at(jd, 0x1008, 1000000, NULL));
	EXPECT_STREQ("f19000", name_at(jd, 0x1008, 100 + 19000, NULL));
	EXPECT_NE(NULL, name_at(jd, 0x1008, 105, NULL));
	jitdump__free(jd);
	buf__free(&b);
}

/* ---- a JIT and its recording ---- */

#define PID		400

/* Two functions, x86-64: return 1, return 2. */
static const unsigned char fn_one[] = { 0xb8, 1, 0, 0, 0, 0xc3 };
static const unsigned char fn_two[] = { 0xb8, 2, 0, 0, 0, 0xc3 };

/*
 * struct jit - what the JIT did: its code page at @base, its dump, and
 * when (CLOCK_MONOTONIC, strictly increasing) it loaded "hot" with
 * lines (@t[0]), loaded "cold" (@t[1]), moved "cold" (@t[2]) and loaded
 * "reborn" where "hot" was (@t[3]).
 */
struct jit {
	unsigned char *mem;
	__u64 base;
	__u64 t[4];
	struct buf dump;
};

static __u64 mono_after(__u64 prev)
{
	struct timespec ts;
	__u64 now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	return now > prev + 1000 ? now : prev + 1000;
}

/* Copy @code to @off in the JIT's page, executable again after. */
static int jit_emit(struct jit *j, size_t off, const void *code,
		    size_t len)
{
	if (mprotect(j->mem, 4096, PROT_READ | PROT_WRITE))
		return -errno;
	memcpy(j->mem + off, code, len);
	return mprotect(j->mem, 4096, PROT_READ | PROT_EXEC) ? -errno : 0;
}

/* Run the code at @off: what it returns (x86-64 only; else @expect). */
static int jit_call(struct jit *j, size_t off, int expect)
{
#ifdef __x86_64__
	int (*fn)(void) = (int (*)(void))(j->mem + off);

	return fn();
#else
	return expect;
#endif
}

static int jit_run(struct __test_metadata *_metadata, struct jit *j)
{
	static const struct jd_entry lines[] = {
		{ 0, 10, "hot.js" },
		{ 5, 11, NULL },
	};
	struct jd_entry e[2];

	j->mem = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (j->mem == MAP_FAILED)
		return -errno;
	j->base = (uintptr_t)j->mem;
	memset(&j->dump, 0, sizeof(j->dump));
	jd_header(&j->dump, JITDUMP_MAGIC, 1, 0);

	j->t[0] = mono_after(0);
	EXPECT_EQ(0, jit_emit(j, 0, fn_one, sizeof(fn_one)));
	e[0] = lines[0];
	e[1] = lines[1];
	e[0].addr += j->base;
	e[1].addr += j->base;
	jd_debug(&j->dump, j->t[0], j->base, e, 2);
	jd_load(&j->dump, j->t[0], j->base, fn_one, sizeof(fn_one), 1, "hot");
	EXPECT_EQ(1, jit_call(j, 0, 1));

	j->t[1] = mono_after(j->t[0]);
	EXPECT_EQ(0, jit_emit(j, 0x100, fn_two, sizeof(fn_two)));
	jd_load(&j->dump, j->t[1], j->base + 0x100, fn_two, sizeof(fn_two),
		2, "cold");
	EXPECT_EQ(2, jit_call(j, 0x100, 2));

	j->t[2] = mono_after(j->t[1]);
	EXPECT_EQ(0, jit_emit(j, 0x200, fn_two, sizeof(fn_two)));
	jd_move(&j->dump, j->t[2], 2, j->base + 0x100, j->base + 0x200,
		sizeof(fn_two));
	EXPECT_EQ(2, jit_call(j, 0x200, 2));

	/* "hot" is freed, and its memory reused. */
	j->t[3] = mono_after(j->t[2]);
	EXPECT_EQ(0, jit_emit(j, 0, fn_two, sizeof(fn_two)));
	jd_load(&j->dump, j->t[3], j->base, fn_two, sizeof(fn_two), 3,
		"reborn");
	EXPECT_EQ(2, jit_call(j, 0, 2));
	return 0;
}

static int add_jitdump(struct rec_writer *w, __u32 pid, __u32 ns_pid,
		       const char *path, const struct buf *dump)
{
	struct srec_jitdump h = {
		.pid = pid, .ns_pid = ns_pid, .file_size = dump->len,
	};
	struct buf b = { 0 };
	int err;

	h.path_size = (strlen(path) + 1 + 7) & ~7UL;
	err = buf__append(&b, &h, sizeof(h)) ?:
	      buf__append(&b, path, strlen(path) + 1) ?: buf__pad8(&b) ?:
	      buf__append(&b, dump->data, dump->len) ?:
	      rec_writer__add_section_z(w, SREC_SEC_JITDUMP, 0, b.data, b.len);
	buf__free(&b);
	return err;
}

static int add_samples(struct rec_writer *w, __u64 t, __u64 addr,
		       unsigned int n)
{
	unsigned char rec[256];
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < n; i++) {
		size_t len = make_sample(rec, t + i, 0, PID, PID,
					 SONDE_CTX_USER,
					 SONDE_SAMPLE_USER_REGS, NULL, 0,
					 &addr, 1);

		err = rec_writer__append_records(w, 0, rec, len);
	}
	return err;
}

/*
 * Samples of every piece of code at its time: hot (4, 3 of them at line
 * 10, 1 at 11), cold before and after its move (2 + 3), cold's old place
 * after the move (1: nobody's), reborn where hot was (6).
 */
static int write_recording(const char *path, const struct jit *j)
{
	__u64 b = j->base;
	struct rec_writer *w;
	int fd, err;

	err = rec_file_create(path, &w, &fd);
	if (err)
		return err;
	err = add_samples(w, j->t[0] + 10, b + 1, 3) ?:
	      add_samples(w, j->t[0] + 20, b + 5, 1) ?:
	      add_samples(w, j->t[1] + 10, b + 0x101, 2) ?:
	      add_samples(w, j->t[2] + 10, b + 0x201, 3) ?:
	      add_samples(w, j->t[2] + 20, b + 0x101, 1) ?:
	      add_samples(w, j->t[3] + 10, b + 1, 6) ?:
	      add_process(w, PID, "jit", j->t[0], "//anon", b, b + 4096, 0,
			  NULL, 0) ?:
	      add_jitdump(w, PID, PID, "/tmp/jit-400.dump", &j->dump);
	return rec_file_finish(w, fd, 16, err);
}

FIXTURE(jitrec) {
	char *dir;
	char path[256];
	struct jit jit;
	struct buf out, err;
};

FIXTURE_SETUP(jitrec)
{
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	snprintf(self->path, sizeof(self->path), "%s/jit.data", self->dir);
	ASSERT_EQ(0, jit_run(_metadata, &self->jit));
	ASSERT_EQ(0, write_recording(self->path, &self->jit));
	memset(&self->out, 0, sizeof(self->out));
	memset(&self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(jitrec)
{
	munmap(self->jit.mem, 4096);
	buf__free(&self->jit.dump);
	remove_tree(self->dir);
	free(self->dir);
	buf__free(&self->out);
	buf__free(&self->err);
}

TEST_F(jitrec, folded_names_by_time)
{
	char *argv[] = { "sonde", "export", "-i", self->path, "-f", "folded",
			 NULL };

	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err))
		TH_LOG("stderr: %s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data, "jit;hot_[j] 4\n"))
		TH_LOG("folded: %s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data, "jit;cold_[j] 5\n"));
	EXPECT_NE(NULL, strstr(self->out.data, "jit;reborn_[j] 6\n"));
	/* Cold's old place after the move is nobody's. */
	EXPECT_NE(NULL, strstr(self->out.data, "jit;[unknown] 1\n"));
	EXPECT_EQ(4, count_lines(self->out.data));
	EXPECT_EQ(0, self->err.len) TH_LOG("stderr: %s", self->err.data);
}

TEST_F(jitrec, report_and_script)
{
	char *report[] = { "sonde", "report", "-i", self->path, NULL };
	char *script[] = { "sonde", "script", "-i", self->path, NULL };

	ASSERT_EQ(0, run_sonde(report, NULL, &self->out, &self->err))
		TH_LOG("stderr: %s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data,
			       "[j] reborn  /tmp/jit-400.dump\n"))
		TH_LOG("report: %s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data, "[j] hot  /tmp/jit-400.dump\n"));
	ASSERT_EQ(0, run_sonde(script, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->out.data, " hot+0x5 (/tmp/jit-400.dump)\n"))
		TH_LOG("script: %s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data, " reborn+0x1 (/tmp/jit-400.dump)\n"));
	EXPECT_NE(NULL, strstr(self->out.data, " cold+0x1 (/tmp/jit-400.dump)\n"));
}

/* The model: one location per code at a reused address, with lines. */
TEST_F(jitrec, model_lines)
{
	const struct profile_function *fn;
	struct symbolizer *sym;
	struct session *s;
	struct profile *p;
	unsigned int i, seen = 0;

	ASSERT_EQ(0, session__open(&s, self->path));
	ASSERT_EQ(0, symbolizer__new(&sym, s, NULL));
	ASSERT_EQ(0, profile__build(&p, s, sym, NULL));
	for (i = 0; i < p->nr_locations; i++) {
		const struct profile_location *loc = &p->locations[i];
		const char *name;

		fn = &p->functions[loc->function];
		name = profile__str(p, fn->name);
		if (loc->address == self->jit.base + 1 && !strcmp(name, "hot")) {
			EXPECT_EQ(10, loc->line);
			EXPECT_STREQ("hot.js", profile__str(p, fn->filename));
			seen |= 1;
		} else if (loc->address == self->jit.base + 5) {
			EXPECT_STREQ("hot", name);
			EXPECT_EQ(11, loc->line);
			seen |= 2;
		} else if (loc->address == self->jit.base + 1) {
			EXPECT_STREQ("reborn", name);
			EXPECT_EQ(0, loc->line);
			seen |= 4;
		}
	}
	EXPECT_EQ(7, seen);
	profile__free(p);
	symbolizer__free(sym);
	session__close(s);
}

/* TSC timestamps cannot be matched to samples: said, and not used. */
TEST_F(jitrec, tsc_refused)
{
	char *argv[] = { "sonde", "export", "-i", self->path, NULL };
	struct {
		struct srec_jitdump h;
		char p[8];
	} bad;
	struct buf dump = { 0 };
	struct rec_writer *w;
	int fd;

	jd_header(&dump, JITDUMP_MAGIC, 1, JITDUMP_FLAGS_ARCH_TIMESTAMP);
	jd_load(&dump, 5, self->jit.base, NULL, 8, 1, "tsc");
	ASSERT_EQ(0, rec_file_create(self->path, &w, &fd));
	ASSERT_EQ(0, add_samples(w, 10, self->jit.base, 1));
	ASSERT_EQ(0, add_process(w, PID, "jit", 1, "//anon", self->jit.base,
				 self->jit.base + 4096, 0, NULL, 0));
	ASSERT_EQ(0, add_jitdump(w, PID, PID, "/tmp/jit-400.dump", &dump));
	/* Too short, and a path without its NUL. */
	ASSERT_EQ(0, rec_writer__add_section(w, SREC_SEC_JITDUMP, 0, "ab", 2));
	memset(&bad, 0, sizeof(bad));
	bad.h.pid = PID;
	bad.h.path_size = sizeof(bad.p);
	memset(bad.p, 'x', sizeof(bad.p));
	ASSERT_EQ(0, rec_writer__add_section(w, SREC_SEC_JITDUMP, 0, &bad,
					     sizeof(bad)));
	ASSERT_EQ(0, rec_file_finish(w, fd, 1, 0));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err))
		TH_LOG("stderr: %s", self->err.data);
	EXPECT_EQ(NULL, strstr(self->out.data, "tsc"));
	EXPECT_NE(NULL, strstr(self->err.data, "TSC timestamps"))
		TH_LOG("stderr: %s", self->err.data);
	EXPECT_NE(NULL, strstr(self->err.data, "bad jitdump section at byte"));
	EXPECT_EQ(3, count_lines(self->err.data));
	buf__free(&dump);
}

/*
 * The JIT maps its dump executable, as JITs do for perf: record finds it
 * through that marker in /proc/PID/maps, wherever it is.
 */
TEST_F(jitrec, marker_found_in_proc)
{
	char dump[300], found[PATH_MAX];
	void *marker;
	int fd;

	snprintf(dump, sizeof(dump), "%s/jit-%d.dump", self->dir, getpid());
	fd = open(dump, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(self->jit.dump.len, (size_t)write(fd, self->jit.dump.data,
						    self->jit.dump.len));
	marker = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	if (marker == MAP_FAILED)
		SKIP(return, "%s: no executable mapping here (noexec)", dump);
	ASSERT_EQ(0, jitdump_file__find("/proc", getpid(), getpid(), found,
					sizeof(found)));
	munmap(marker, 4096);
	EXPECT_STREQ(dump, found);
	fd = jitdump_file__open("/proc", getpid(), found);
	EXPECT_LE(0, fd);
	close(fd);
}

TEST_HARNESS_MAIN
