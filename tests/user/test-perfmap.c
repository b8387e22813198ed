// SPDX-License-Identifier: GPL-2.0
/*
 * JIT names from perf maps: the parser against hostile text, the checks
 * record makes before it reads a process's map, and report and folded
 * output of a synthetic recording that holds PERFMAP sections.
 */
#include "kselftest_harness.h"

#include "helpers.h"
#include "lib/untrusted.h"
#include "record/jitmaps.h"
#include "symbolize/perfmap.h"

#include <sys/stat.h>

static struct perfmap *parse(const char *text, size_t len,
			     struct perfmap_stats *st)
{
	struct perfmap *pm = NULL;

	if (perfmap__parse(&pm, text, len, st))
		return NULL;
	return pm;
}

/* The name @pm gives @addr, or NULL; *@start when found. */
static const char *name_at(const struct perfmap *pm, __u64 addr,
			   __u64 *start)
{
	const char *name;
	__u64 s;

	if (!perfmap__lookup(pm, addr, &name, &s))
		return NULL;
	if (start)
		*start = s;
	return name;
}

TEST(parse_bare_and_0x_hex)
{
	static const char text[] =
		"1000 10 plain\n"
		"0x2000 0x20 with 0x and spaces in the name\n"
		"0X3000\t8\ttabs\n"
		"4000 8 crlf\r\n";
	struct perfmap_stats st;
	struct perfmap *pm = parse(text, strlen(text), &st);
	__u64 start;

	ASSERT_NE(NULL, pm);
	EXPECT_EQ(4, st.lines);
	EXPECT_EQ(4, st.entries);
	EXPECT_EQ(0, st.bad + st.too_long + st.overlapped);
	EXPECT_STREQ("plain", name_at(pm, 0x1000, &start));
	EXPECT_EQ(0x1000, start);
	EXPECT_STREQ("plain", name_at(pm, 0x100f, NULL));
	EXPECT_EQ(NULL, name_at(pm, 0x1010, NULL));
	EXPECT_EQ(NULL, name_at(pm, 0xfff, NULL));
	EXPECT_STREQ("with 0x and spaces in the name",
		     name_at(pm, 0x201f, &start));
	EXPECT_EQ(0x2000, start);
	EXPECT_STREQ("tabs", name_at(pm, 0x3004, NULL));
	EXPECT_STREQ("crlf", name_at(pm, 0x4000, NULL));
	EXPECT_EQ(NULL, name_at(pm, 0, NULL));
	EXPECT_EQ(NULL, name_at(pm, ~0ULL, NULL));
	perfmap__free(pm);
}

TEST(parse_empty_and_no_trailing_newline)
{
	struct perfmap_stats st;
	struct perfmap *pm;

	pm = parse("", 0, &st);
	ASSERT_NE(NULL, pm);
	EXPECT_EQ(0, st.lines);
	EXPECT_EQ(0, perfmap__nr_ranges(pm));
	EXPECT_EQ(NULL, name_at(pm, 0x1000, NULL));
	perfmap__free(pm);

	pm = parse("\n\n\r\n", 4, &st);
	ASSERT_NE(NULL, pm);
	EXPECT_EQ(0, st.lines);
	EXPECT_EQ(0, st.bad);
	perfmap__free(pm);

	pm = parse("1000 10 first\n2000 10 last",
		   strlen("1000 10 first\n2000 10 last"), &st);
	ASSERT_NE(NULL, pm);
	EXPECT_EQ(2, st.entries);
	EXPECT_STREQ("last", name_at(pm, 0x2008, NULL));
	perfmap__free(pm);
}

TEST(parse_garbage_and_nul)
{
	static const char text[] =
		"garbage\n"			/* not a number */
		"1000\n"			/* no size */
		"1000 10\n"			/* no name */
		"1000 10\t\n"			/* blank name */
		"0x 10 nodigits\n"
		"1000 0 empty\n"		/* size 0 */
		"ffffffffffffff00 200 wraps\n"
		"10000000000000000 1 toobig\n"	/* 17 digits */
		"1000 10 na\0me\n"		/* a NUL */
		"-1000 10 negative\n"
		"1000,10 comma\n"
		"5000 10 good\n";
	struct perfmap_stats st;
	struct perfmap *pm = parse(text, sizeof(text) - 1, &st);

	ASSERT_NE(NULL, pm);
	EXPECT_EQ(12, st.lines);
	EXPECT_EQ(11, st.bad);
	EXPECT_EQ(1, st.entries);
	EXPECT_STREQ("good", name_at(pm, 0x5000, NULL));
	EXPECT_EQ(NULL, name_at(pm, 0x1000, NULL));
	EXPECT_EQ(1, perfmap__nr_ranges(pm));
	perfmap__free(pm);
}

TEST(parse_huge_lines)
{
	size_t big = 3 * PERFMAP_MAX_LINE, len;
	char *text = malloc(big + 100);
	struct perfmap_stats st;
	struct perfmap *pm;

	ASSERT_NE(NULL, text);
	/* A line just at the limit is used; one byte longer is not. */
	len = sprintf(text, "1000 10 ");
	memset(text + len, 'a', PERFMAP_MAX_LINE - len);
	len = PERFMAP_MAX_LINE;
	text[len++] = '\n';
	len += sprintf(text + len, "2000 10 ");
	memset(text + len, 'b', PERFMAP_MAX_LINE - 7);
	len += PERFMAP_MAX_LINE - 7;
	text[len++] = '\n';
	len += sprintf(text + len, "3000 10 after\n");
	pm = parse(text, len, &st);
	ASSERT_NE(NULL, pm);
	EXPECT_EQ(3, st.lines);
	EXPECT_EQ(1, st.too_long);
	EXPECT_EQ(2, st.entries);
	EXPECT_EQ(PERFMAP_MAX_LINE - 8, strlen(name_at(pm, 0x1000, NULL)));
	EXPECT_EQ(NULL, name_at(pm, 0x2000, NULL));
	EXPECT_STREQ("after", name_at(pm, 0x3000, NULL));
	perfmap__free(pm);
	free(text);
}

TEST(parse_overlaps_later_wins)
{
	static const char text[] =
		"1000 100 A\n"		/* keeps 1000-1050 */
		"1050 100 B\n"		/* keeps 1050-1100 and 1120-1150 */
		"1100 20 C\n"		/* all its own */
		"2000 10 old\n"		/* replaced whole */
		"2000 10 new\n"
		"3000 10 inner\n"	/* inside a later, larger entry */
		"2ff0 100 outer\n";
	struct perfmap_stats st;
	struct perfmap *pm = parse(text, strlen(text), &st);
	__u64 start;

	ASSERT_NE(NULL, pm);
	EXPECT_EQ(7, st.entries);
	EXPECT_EQ(4, st.overlapped);
	EXPECT_STREQ("A", name_at(pm, 0x104f, &start));
	EXPECT_EQ(0x1000, start);
	EXPECT_STREQ("B", name_at(pm, 0x1050, &start));
	EXPECT_EQ(0x1050, start);
	EXPECT_STREQ("C", name_at(pm, 0x1100, NULL));
	EXPECT_STREQ("C", name_at(pm, 0x111f, NULL));
	EXPECT_STREQ("B", name_at(pm, 0x1120, &start));
	EXPECT_EQ(0x1050, start);
	EXPECT_EQ(NULL, name_at(pm, 0x1150, NULL));
	EXPECT_STREQ("new", name_at(pm, 0x2000, NULL));
	EXPECT_STREQ("outer", name_at(pm, 0x3000, &start));
	EXPECT_EQ(0x2ff0, start);
	perfmap__free(pm);
}

/* Many entries over one range, in both orders: no quadratic blow-up. */
TEST(parse_many_overlaps)
{
	unsigned int i, n = 200000;
	struct buf b = { 0 };
	struct perfmap_stats st;
	struct perfmap *pm;
	char line[64];

	for (i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line), "%x %x f%u\n",
				   0x100000 + (i % 2 ? i : n - i), 0x1000, i);

		ASSERT_EQ(0, buf__append(&b, line, len));
	}
	pm = parse(b.data, b.len, &st);
	ASSERT_NE(NULL, pm);
	EXPECT_EQ(n, st.entries);
	EXPECT_STREQ("f199999", name_at(pm, 0x100000 + 199999, NULL));
	perfmap__free(pm);
	buf__free(&b);
}

/* Random bytes and random near-valid lines: never a crash (ASan build). */
TEST(parse_random)
{
	static const char alphabet[] = "0123456789abcdefxX \t\n\r\0zz";
	size_t len = 1 << 20, i;
	char *text = malloc(len);
	struct perfmap_stats st;
	struct perfmap *pm;
	unsigned int round;

	ASSERT_NE(NULL, text);
	srand(9);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < len; i++)
			text[i] = round % 2 ? rand() :
				  alphabet[rand() % (sizeof(alphabet) - 1)];
		pm = parse(text, len, &st);
		ASSERT_NE(NULL, pm);
		EXPECT_EQ(st.lines, st.entries + st.bad + st.too_long);
		name_at(pm, 0x1000, NULL);
		perfmap__free(pm);
	}
	free(text);
}

/* ---- the checks record makes before reading a map ---- */

FIXTURE(proc) {
	char *dir;
	char proc[300];
	char tmp[340];
};

FIXTURE_SETUP(proc)
{
	char path[600];

	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	/* A fake /proc: proc/1234/root/tmp, the process's root a directory. */
	snprintf(self->proc, sizeof(self->proc), "%s/proc", self->dir);
	snprintf(path, sizeof(path), "%s/1234/root", self->proc);
	snprintf(self->tmp, sizeof(self->tmp), "%s/1234/root/tmp", self->proc);
	ASSERT_EQ(0, mkdir(self->proc, 0755));
	snprintf(path, sizeof(path), "%s/1234", self->proc);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/1234/root", self->proc);
	ASSERT_EQ(0, mkdir(path, 0755));
	ASSERT_EQ(0, mkdir(self->tmp, 01777));
}

FIXTURE_TEARDOWN(proc)
{
	remove_tree(self->dir);
	free(self->dir);
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static void map_path(char *buf, size_t size, const char *tmp, __u32 ns_pid)
{
	snprintf(buf, size, "%s/perf-%u.map", tmp, ns_pid);
}

TEST_F(proc, open_regular_file)
{
	struct srec_perfmap h;
	struct buf b = { 0 };
	char path[600];
	int fd;

	map_path(path, sizeof(path), self->tmp, 77);
	ASSERT_EQ(0, write_text(path, "1000 10 jitted\n2000 10 half"));
	fd = perfmap_file__open(self->proc, 1234, 77);
	ASSERT_LE(0, fd);
	/* Still running: the unfinished last line is left out. */
	ASSERT_EQ(0, perfmap_file__read(fd, 1234, 77, true, &b));
	memcpy(&h, b.data, sizeof(h));
	EXPECT_EQ(1234, h.pid);
	EXPECT_EQ(77, h.ns_pid);
	EXPECT_EQ(0, h.flags);
	EXPECT_EQ(27, h.file_size);
	EXPECT_EQ(sizeof(h) + 15, b.len);
	/* Exited: the file is whole. */
	b.len = 0;
	ASSERT_EQ(0, perfmap_file__read(fd, 1234, 77, false, &b));
	EXPECT_EQ(sizeof(h) + 27, b.len);
	close(fd);
	buf__free(&b);
	EXPECT_EQ(-ENOENT, perfmap_file__open(self->proc, 1234, 78));
	EXPECT_EQ(-ENOENT, perfmap_file__open(self->proc, 999, 77));
}

TEST_F(proc, symlink_refused)
{
	char path[600], target[400];

	snprintf(target, sizeof(target), "%s/elsewhere", self->dir);
	ASSERT_EQ(0, write_text(target, "1000 10 secret\n"));
	map_path(path, sizeof(path), self->tmp, 77);
	ASSERT_EQ(0, symlink(target, path));
	EXPECT_EQ(-ELOOP, perfmap_file__open(self->proc, 1234, 77));
}

TEST_F(proc, fifo_and_directory_refused)
{
	char path[600];

	map_path(path, sizeof(path), self->tmp, 77);
	ASSERT_EQ(0, mkfifo(path, 0644));
	/* Opening does not block waiting for a writer. */
	EXPECT_EQ(-SONDE_ENOTREG, perfmap_file__open(self->proc, 1234, 77));
	map_path(path, sizeof(path), self->tmp, 78);
	ASSERT_EQ(0, mkdir(path, 0755));
	EXPECT_EQ(-SONDE_ENOTREG, perfmap_file__open(self->proc, 1234, 78));
}

/* A symlinked /tmp inside the process's root resolves inside that root. */
TEST_F(proc, tmp_symlink_stays_in_root)
{
	char path[600], link[400], outside[400];
	int fd;

	snprintf(outside, sizeof(outside), "%s/out", self->dir);
	ASSERT_EQ(0, mkdir(outside, 0755));
	map_path(path, sizeof(path), outside, 77);
	ASSERT_EQ(0, write_text(path, "1000 10 outside\n"));
	snprintf(link, sizeof(link), "%s/1234/root/tmp", self->proc);
	remove_tree(link);
	/*
	 * Absolute: inside the process's root it leads back to its /tmp, the
	 * link itself (a loop), never to the file outside.
	 */
	ASSERT_EQ(0, symlink(outside, link));
	fd = perfmap_file__open(self->proc, 1234, 77);
	EXPECT_TRUE(fd == -ENOENT || fd == -ELOOP)
		TH_LOG("got %d", fd);
}

TEST_F(proc, owner_checked)
{
	char path[600], dir[400];
	int fd;

	if (geteuid())
		SKIP(return, "needs root to chown");
	snprintf(dir, sizeof(dir), "%s/1234", self->proc);
	ASSERT_EQ(0, chown(dir, 1000, 1000));
	map_path(path, sizeof(path), self->tmp, 77);
	ASSERT_EQ(0, write_text(path, "1000 10 jitted\n"));
	/* Another user's file, in the process's /tmp: refused. */
	ASSERT_EQ(0, chown(path, 2000, 2000));
	EXPECT_EQ(-EPERM, perfmap_file__open(self->proc, 1234, 77));
	/* The process's user's, or root's: used. */
	ASSERT_EQ(0, chown(path, 1000, 1000));
	fd = perfmap_file__open(self->proc, 1234, 77);
	EXPECT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, chown(path, 0, 0));
	fd = perfmap_file__open(self->proc, 1234, 77);
	EXPECT_LE(0, fd);
	close(fd);
}

TEST_F(proc, size_capped)
{
	struct srec_perfmap h;
	struct buf b = { 0 };
	char path[600];
	int fd;

	map_path(path, sizeof(path), self->tmp, 77);
	ASSERT_EQ(0, write_text(path, "1000 10 first\n"));
	/* Sparse past the cap: NULs with no newline after the first line. */
	ASSERT_EQ(0, truncate(path, SREC_PERFMAP_MAX + 4096));
	fd = perfmap_file__open(self->proc, 1234, 77);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, perfmap_file__read(fd, 1234, 77, false, &b));
	close(fd);
	memcpy(&h, b.data, sizeof(h));
	EXPECT_EQ(SREC_PERFMAP_CUT, h.flags);
	EXPECT_EQ(SREC_PERFMAP_MAX + 4096, h.file_size);
	/* Cut back to the last whole line. */
	EXPECT_EQ(sizeof(h) + 14, b.len);
	buf__free(&b);
}

/* An MMAP record of @pid's anonymous memory (or of its vDSO at exec). */
static size_t make_anon_mmap(void *buf, __u32 pid, bool vdso)
{
	struct sonde_mmap_event *ev = buf;
	size_t size = sizeof(*ev) + (vdso ? 8 : 0);

	memset(ev, 0, size);
	ev->hdr.type = SONDE_RECORD_MMAP;
	ev->hdr.size = size;
	ev->pid = ev->tid = ev->ns_pid = pid;
	ev->start = 0x7f0000000000ULL;
	ev->end = ev->start + 0x1000;
	ev->flags = SONDE_MMAP_ANON | (vdso ? SONDE_MMAP_EXEC : 0);
	if (vdso) {
		ev->path_size = 7;
		strcpy(ev->path, "[vdso]");
	}
	return size;
}

static int find_perfmap(const struct rec_section *sec, void *ctx)
{
	char **text = ctx;
	size_t len;

	if (sec->type != SREC_SEC_PERFMAP || *text)
		return 0;
	return rec_section__payload(sec, text, &len, NULL);
}

/* The first PERFMAP section of recording @rec into *@text (NULL: none). */
static int read_perfmap(const char *rec, char **text)
{
	struct rec_reader *r;
	int err;

	*text = NULL;
	err = rec_reader__open(&r, rec);
	if (err)
		return err;
	err = rec_reader__iter_meta(r, find_perfmap, text);
	rec_reader__close(r);
	return err;
}

/*
 * The vDSO's MMAP record at exec has no file either: it does not make a
 * JIT, whose map is only written later, look like a process without one.
 */
TEST_F(proc, map_written_after_exec)
{
	char path[600], rec[600], ev[256], *text = NULL;
	struct rec_writer *w;
	struct jitmaps *jm;
	int fd;

	ASSERT_EQ(0, jitmaps__new(&jm, self->proc));
	make_anon_mmap(ev, 1234, true);
	ASSERT_EQ(0, jitmaps__note_mmap(jm, (void *)ev, sizeof(ev)));
	map_path(path, sizeof(path), self->tmp, 1234);
	ASSERT_EQ(0, write_text(path, "7f0000000000 10 compiled\n"));
	make_anon_mmap(ev, 1234, false);
	ASSERT_EQ(0, jitmaps__note_mmap(jm, (void *)ev, sizeof(ev)));
	/* Read through the descriptor: the file may be gone by then. */
	ASSERT_EQ(0, unlink(path));
	snprintf(rec, sizeof(rec), "%s/rec.data", self->dir);
	ASSERT_EQ(0, rec_file_create(rec, &w, &fd));
	ASSERT_EQ(0, jitmaps__note_exit(jm, 1234, w));
	ASSERT_EQ(0, rec_file_finish(w, fd, 0, 0));
	jitmaps__free(jm);
	ASSERT_EQ(0, read_perfmap(rec, &text));
	ASSERT_NE(NULL, text);
	EXPECT_EQ(1234, ((struct srec_perfmap *)text)->pid);
	EXPECT_STREQ("7f0000000000 10 compiled\n",
		     text + sizeof(struct srec_perfmap));
	free(text);
}

/*
 * The map is written after the process's only anonymous mapping, and
 * the process is gone (no /proc/PID) when its EXIT record is read: the
 * root opened at the mapping still finds it.
 */
TEST_F(proc, map_found_after_the_process_is_gone)
{
	char path[600], gone[600], rec[600], ev[256], *text = NULL;
	struct rec_writer *w;
	struct jitmaps *jm;
	int fd;

	ASSERT_EQ(0, jitmaps__new(&jm, self->proc));
	make_anon_mmap(ev, 1234, false);
	ASSERT_EQ(0, jitmaps__note_mmap(jm, (void *)ev, sizeof(ev)));
	map_path(path, sizeof(path), self->tmp, 1234);
	ASSERT_EQ(0, write_text(path, "7f0000001000 20 late\n"));
	snprintf(path, sizeof(path), "%s/1234", self->proc);
	snprintf(gone, sizeof(gone), "%s/gone", self->dir);
	ASSERT_EQ(0, rename(path, gone));
	snprintf(rec, sizeof(rec), "%s/rec.data", self->dir);
	ASSERT_EQ(0, rec_file_create(rec, &w, &fd));
	ASSERT_EQ(0, jitmaps__note_exit(jm, 1234, w));
	ASSERT_EQ(0, rec_file_finish(w, fd, 0, 0));
	jitmaps__free(jm);
	ASSERT_EQ(0, read_perfmap(rec, &text));
	ASSERT_NE(NULL, text);
	EXPECT_STREQ("7f0000001000 20 late\n",
		     text + sizeof(struct srec_perfmap));
	free(text);
}

/*
 * The command record runs is noted at its exec; it writes its map, runs
 * its JIT code and exits before the MMAP record of that code is read:
 * the map is still found.  A process noted that never turns out to be
 * a JIT gets nothing written, even with a (stale) map in its /tmp.
 */
TEST_F(proc, short_lived_jit_noted_at_exec)
{
	char path[600], gone[600], rec[600], ev[256], *text = NULL;
	struct rec_writer *w;
	struct jitmaps *jm;
	int fd;

	ASSERT_EQ(0, jitmaps__new(&jm, self->proc));
	ASSERT_EQ(0, jitmaps__note_process(jm, 1234));
	map_path(path, sizeof(path), self->tmp, 1234);
	ASSERT_EQ(0, write_text(path, "7f0000002000 30 short\n"));
	snprintf(path, sizeof(path), "%s/1234", self->proc);
	snprintf(gone, sizeof(gone), "%s/gone", self->dir);
	ASSERT_EQ(0, rename(path, gone));
	/* Its EXIT record first (another CPU's ring), then its MMAP. */
	snprintf(rec, sizeof(rec), "%s/rec.data", self->dir);
	ASSERT_EQ(0, rec_file_create(rec, &w, &fd));
	ASSERT_EQ(0, jitmaps__note_exit(jm, 1234, w));
	make_anon_mmap(ev, 1234, false);
	ASSERT_EQ(0, jitmaps__note_mmap(jm, (void *)ev, sizeof(ev)));
	ASSERT_EQ(0, jitmaps__write(jm, w));
	ASSERT_EQ(0, rec_file_finish(w, fd, 0, 0));
	jitmaps__free(jm);
	ASSERT_EQ(0, read_perfmap(rec, &text));
	ASSERT_NE(NULL, text);
	EXPECT_STREQ("7f0000002000 30 short\n",
		     text + sizeof(struct srec_perfmap));
	free(text);
	text = NULL;

	/* Back in place, noted, never a JIT: no PERFMAP section. */
	ASSERT_EQ(0, rename(gone, path));
	ASSERT_EQ(0, jitmaps__new(&jm, self->proc));
	ASSERT_EQ(0, jitmaps__note_process(jm, 1234));
	ASSERT_EQ(0, rec_file_create(rec, &w, &fd));
	ASSERT_EQ(0, jitmaps__note_exit(jm, 1234, w));
	ASSERT_EQ(0, jitmaps__write(jm, w));
	ASSERT_EQ(0, rec_file_finish(w, fd, 0, 0));
	jitmaps__free(jm);
	ASSERT_EQ(0, read_perfmap(rec, &text));
	EXPECT_EQ(NULL, text);
	free(text);
}

/* ---- a recording with perf maps ---- */

#define ANON_START	0x7f0000000000ULL
#define ANON_END	(ANON_START + 0x10000)

static int add_perfmap(struct rec_writer *w, __u32 pid, __u32 ns_pid,
		       const char *text)
{
	struct srec_perfmap h = {
		.pid = pid, .ns_pid = ns_pid, .file_size = strlen(text),
	};
	struct buf b = { 0 };
	int err;

	err = buf__append(&b, &h, sizeof(h)) ?:
	      buf__append(&b, text, strlen(text)) ?:
	      rec_writer__add_section_z(w, SREC_SEC_PERFMAP, 0, b.data, b.len);
	buf__free(&b);
	return err;
}

static int add_samples(struct rec_writer *w, __u32 pid, const __u64 *u,
		       unsigned int nu, unsigned int n)
{
	unsigned char rec[256];
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < n; i++) {
		size_t len = make_sample(rec, 1000 + i, 0, pid, pid,
					 SONDE_CTX_USER,
					 SONDE_SAMPLE_USER_REGS, NULL, 0, u,
					 nu);

		err = rec_writer__append_records(w, 0, rec, len);
	}
	return err;
}

/*
 * Three processes run code at the same anonymous addresses: 300 and 301
 * (in its own pid namespace, as 5) name it in perf maps, 302 does not.
 * 300 also has JIT code in no recorded mapping, and an older map whose
 * names a later one replaces.
 */
static int write_jit_recording(const char *path)
{
	__u64 jit[2] = { ANON_START + 0x14, ANON_START + 0x108 };
	__u64 unmapped[1] = { 0x50000010 };
	struct rec_writer *w;
	int fd, err;

	err = rec_file_create(path, &w, &fd);
	if (err)
		return err;
	err = add_samples(w, 300, jit, 2, 5) ?:
	      add_samples(w, 300, unmapped, 1, 2) ?:
	      add_samples(w, 301, jit, 2, 3) ?:
	      add_samples(w, 302, jit, 2, 1) ?:
	      add_process(w, 300, "node", 2000, "//anon", ANON_START,
			  ANON_END, 0, NULL, 0) ?:
	      add_process(w, 301, "java", 2000, "//anon", ANON_START,
			  ANON_END, 0, NULL, 0) ?:
	      add_process(w, 302, "nomap", 2000, "//anon", ANON_START,
			  ANON_END, 0, NULL, 0) ?:
	      add_perfmap(w, 300, 300, "7f0000000000 40 stale\n") ?:
	      add_perfmap(w, 300, 300,
			  "7f0000000000 40 LazyCompile:*hot /app.js:1\n"
			  "0x7f0000000100 0x40 caller; with a semicolon\n"
			  "50000000 100 Builtin:Unmapped\n"
			  "not a line\n") ?:
	      add_perfmap(w, 301, 5,
			  "7f0000000000 40 Interpreter\n"
			  "7f0000000100 40 java.lang.Thread.run\n");
	return rec_file_finish(w, fd, 11, err);
}

FIXTURE(jitrec) {
	char *dir;
	char path[256];
	struct buf out, err;
};

FIXTURE_SETUP(jitrec)
{
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	snprintf(self->path, sizeof(self->path), "%s/jit.data", self->dir);
	ASSERT_EQ(0, write_jit_recording(self->path));
	memset(&self->out, 0, sizeof(self->out));
	memset(&self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(jitrec)
{
	remove_tree(self->dir);
	free(self->dir);
	buf__free(&self->out);
	buf__free(&self->err);
}

TEST_F(jitrec, folded_marks_jit_frames)
{
	char *argv[] = { "sonde", "export", "-i", self->path, "-f", "folded",
			 NULL };

	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err))
		TH_LOG("stderr: %s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data,
			       "node;caller_ with a semicolon_[j];LazyCompile:*hot /app.js:1_[j] 5\n"))
		TH_LOG("folded: %s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data,
			       "node;Builtin:Unmapped_[j] 2\n"));
	EXPECT_NE(NULL, strstr(self->out.data,
			       "java;java.lang.Thread.run_[j];Interpreter_[j] 3\n"));
	EXPECT_EQ(NULL, strstr(self->out.data, "stale"));
	/* No perf map: no JIT names, and none of the others' either. */
	EXPECT_NE(NULL, strstr(self->out.data, "\nnomap;"));
	EXPECT_EQ(NULL, strstr(self->out.data, "nomap;java"));
	EXPECT_EQ(NULL, strstr(self->out.data, "nomap;caller"));
	EXPECT_EQ(4, count_lines(self->out.data));
	/* One line for the one unparsable line of pid 300's map. */
	EXPECT_NE(NULL, strstr(self->err.data,
			       "perf map /tmp/perf-300.map of pid 300: 1 of 4 lines skipped"))
		TH_LOG("stderr: %s", self->err.data);
	EXPECT_EQ(1, count_lines(self->err.data));
}

TEST_F(jitrec, report_names_jit_frames)
{
	char *argv[] = { "sonde", "report", "-i", self->path, NULL };

	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err))
		TH_LOG("stderr: %s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data,
			       "[j] LazyCompile:*hot /app.js:1  /tmp/perf-300.map\n"))
		TH_LOG("report: %s", self->out.data);
	/* Another pid namespace: the map is named where record found it. */
	EXPECT_NE(NULL, strstr(self->out.data,
			       "[j] Interpreter  /proc/301/root/tmp/perf-5.map\n"));
}

TEST_F(jitrec, bad_section_skipped)
{
	char *argv[] = { "sonde", "report", "-i", self->path, NULL };
	struct rec_writer *w;
	int fd;

	/* A PERFMAP section too short for its header, and one not zlib. */
	ASSERT_EQ(0, rec_file_create(self->path, &w, &fd));
	ASSERT_EQ(0, rec_writer__add_section(w, SREC_SEC_PERFMAP, 0, "ab", 2));
	ASSERT_EQ(0, rec_writer__add_section(w, SREC_SEC_PERFMAP,
					     SREC_SF_ZLIB, "12345678zz", 10));
	ASSERT_EQ(0, add_samples(w, 300, (__u64[]){ ANON_START }, 1, 1));
	ASSERT_EQ(0, add_process(w, 300, "node", 2000, "//anon", ANON_START,
				 ANON_END, 0, NULL, 0));
	ASSERT_EQ(0, rec_file_finish(w, fd, 1, 0));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err))
		TH_LOG("stderr: %s", self->err.data);
	EXPECT_EQ(2, count_lines(self->err.data));
	EXPECT_NE(NULL, strstr(self->err.data, "bad perf map section at byte"))
		TH_LOG("stderr: %s", self->err.data);
}

TEST_HARNESS_MAIN
