// SPDX-License-Identifier: GPL-2.0
/*
 * Recording jitdumps (record/jitdump.h): the marker in /proc/PID/maps,
 * the checks before a process's dump is read, and the JITDUMP section a
 * JIT process gets when it exits, against a fake /proc.
 */
#include "kselftest_harness.h"

#include "helpers.h"
#include "jitdump-writer.h"
#include "lib/untrusted.h"
#include "record/jitdump.h"
#include "record/jitmaps.h"

#include <sys/stat.h>

/* ---- finding and reading a process's jitdump ---- */

FIXTURE(proc) {
	char *dir;
	char proc[300];
	char root[340];
};

/* A fake /proc: proc/1234/root (a directory) and proc/1234/maps. */
FIXTURE_SETUP(proc)
{
	char path[600];

	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	snprintf(self->proc, sizeof(self->proc), "%s/proc", self->dir);
	snprintf(self->root, sizeof(self->root), "%s/1234/root", self->proc);
	ASSERT_EQ(0, mkdir(self->proc, 0755));
	snprintf(path, sizeof(path), "%s/1234", self->proc);
	ASSERT_EQ(0, mkdir(path, 0755));
	ASSERT_EQ(0, mkdir(self->root, 0755));
	snprintf(path, sizeof(path), "%s/tmp", self->root);
	ASSERT_EQ(0, mkdir(path, 01777));
	snprintf(path, sizeof(path), "%s/jit", self->root);
	ASSERT_EQ(0, mkdir(path, 0755));
}

FIXTURE_TEARDOWN(proc)
{
	remove_tree(self->dir);
	free(self->dir);
}

static int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static int write_maps(const char *proc, const char *text)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/1234/maps", proc);
	return write_file(path, text, strlen(text));
}

/* The marker in maps wins; without one, /tmp/jit-NSPID.dump. */
TEST_F(proc, find_marker)
{
	char path[PATH_MAX];

	ASSERT_EQ(0, jitdump_file__find(self->proc, 1234, 77, path,
					sizeof(path)));
	EXPECT_STREQ("/tmp/jit-77.dump", path);
	ASSERT_EQ(0, write_maps(self->proc,
		"7f00-7f01 r-xp 00000000 08:01 12 /usr/bin/node\n"
		"7f01-7f02 r-xp 00000000 08:01 13 /jit/jit-78.dump\n"
		"7f02-7f03 rwxp 00000000 00:00 0\n"
		"7f03-7f04 r-xp 00000000 08:01 14 /jit/not-jit-77.dumpx\n"
		"7f04-7f05 r-xp 00000000 08:01 15 /jit/with space/jit-77.dump\n"));
	ASSERT_EQ(0, jitdump_file__find(self->proc, 1234, 77, path,
					sizeof(path)));
	EXPECT_STREQ("/jit/with space/jit-77.dump", path);
	/* No room for the marker's path: /tmp's is tried. */
	ASSERT_EQ(0, jitdump_file__find(self->proc, 1234, 77, path, 20));
	EXPECT_STREQ("/tmp/jit-77.dump", path);
}

TEST_F(proc, open_and_read)
{
	struct srec_jitdump h;
	struct buf b = { 0 }, dump = { 0 };
	char path[700];
	int fd;

	jd_header(&dump, JITDUMP_MAGIC, 1, 0);
	jd_load(&dump, 5, 0x1000, NULL, 8, 1, "f");
	snprintf(path, sizeof(path), "%s/jit/jit-77.dump", self->root);
	ASSERT_EQ(0, write_file(path, dump.data, dump.len));
	fd = jitdump_file__open(self->proc, 1234, "/jit/jit-77.dump");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jitdump_file__read(fd, 1234, 77, "/jit/jit-77.dump",
					&b));
	close(fd);
	memcpy(&h, b.data, sizeof(h));
	EXPECT_EQ(1234, h.pid);
	EXPECT_EQ(77, h.ns_pid);
	EXPECT_EQ(0, h.flags);
	EXPECT_EQ(dump.len, h.file_size);
	EXPECT_EQ(24, h.path_size);
	EXPECT_STREQ("/jit/jit-77.dump", b.data + sizeof(h));
	ASSERT_EQ(sizeof(h) + 24 + dump.len, b.len);
	EXPECT_EQ(0, memcmp(dump.data, b.data + sizeof(h) + 24, dump.len));
	EXPECT_EQ(-ENOENT, jitdump_file__open(self->proc, 1234,
					      "/tmp/jit-77.dump"));
	buf__free(&b);
	buf__free(&dump);
}

TEST_F(proc, symlink_and_fifo_refused)
{
	char path[700], target[400];

	snprintf(target, sizeof(target), "%s/secret", self->dir);
	ASSERT_EQ(0, write_file(target, "JiTD", 4));
	snprintf(path, sizeof(path), "%s/tmp/jit-77.dump", self->root);
	ASSERT_EQ(0, symlink(target, path));
	EXPECT_EQ(-ELOOP, jitdump_file__open(self->proc, 1234,
					     "/tmp/jit-77.dump"));
	snprintf(path, sizeof(path), "%s/jit/jit-77.dump", self->root);
	ASSERT_EQ(0, mkfifo(path, 0644));
	EXPECT_EQ(-SONDE_ENOTREG, jitdump_file__open(self->proc, 1234,
						     "/jit/jit-77.dump"));
}

static int find_jitdump(const struct rec_section *sec, void *ctx)
{
	char **text = ctx;
	size_t len;

	if (sec->type != SREC_SEC_JITDUMP || *text)
		return 0;
	return rec_section__payload(sec, text, &len, NULL);
}

/*
 * A JIT process (an MMAP record of anonymous memory) whose marker maps
 * its jitdump: the dump goes into the recording when it exits, read
 * through the descriptor opened while it ran.
 */
TEST_F(proc, recorded_at_exit)
{
	struct sonde_mmap_event ev = { 0 };
	char path[700], rec[600], *text = NULL;
	struct buf dump = { 0 };
	struct rec_reader *r;
	struct rec_writer *w;
	struct jitmaps *jm;
	int fd;

	jd_header(&dump, JITDUMP_MAGIC, 1, 0);
	jd_load(&dump, 5, 0x1000, NULL, 8, 1, "f");
	snprintf(path, sizeof(path), "%s/jit/jit-1234.dump", self->root);
	ASSERT_EQ(0, write_file(path, dump.data, dump.len));
	ASSERT_EQ(0, write_maps(self->proc,
		"7f01-7f02 r-xp 00000000 08:01 13 /jit/jit-1234.dump\n"));
	ASSERT_EQ(0, jitmaps__new(&jm, self->proc));
	ev.hdr.type = SONDE_RECORD_MMAP;
	ev.hdr.size = sizeof(ev);
	ev.pid = ev.tid = ev.ns_pid = 1234;
	ev.start = 0x7f0000000000ULL;
	ev.end = ev.start + 0x1000;
	ev.flags = SONDE_MMAP_ANON;
	ASSERT_EQ(0, jitmaps__note_mmap(jm, &ev, sizeof(ev)));
	ASSERT_EQ(0, unlink(path));
	snprintf(rec, sizeof(rec), "%s/rec.data", self->dir);
	ASSERT_EQ(0, rec_file_create(rec, &w, &fd));
	ASSERT_EQ(0, jitmaps__note_exit(jm, 1234, w));
	ASSERT_EQ(0, rec_file_finish(w, fd, 0, 0));
	jitmaps__free(jm);
	ASSERT_EQ(0, rec_reader__open(&r, rec));
	ASSERT_EQ(0, rec_reader__iter_meta(r, find_jitdump, &text));
	rec_reader__close(r);
	ASSERT_NE(NULL, text);
	EXPECT_EQ(1234, ((struct srec_jitdump *)text)->pid);
	EXPECT_STREQ("/jit/jit-1234.dump", text + sizeof(struct srec_jitdump));
	EXPECT_EQ(0, memcmp(dump.data,
			    text + sizeof(struct srec_jitdump) + 24, dump.len));
	free(text);
	buf__free(&dump);
}

TEST_HARNESS_MAIN
