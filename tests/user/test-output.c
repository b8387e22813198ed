// SPDX-License-Identifier: GPL-2.0
/*
 * What the tool writes (issue 7): output files named with -o
 * (item 11) and the correctness of report and export output (item 13).
 * Each test names the item whose class it covers.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"

#include "helpers.h"
#include "lib/outfile.h"

FIXTURE(out) {
	char *dir;
	char path[256];
	char file[300];
	struct buf out, err;
};

FIXTURE_SETUP(out)
{
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	snprintf(self->path, sizeof(self->path), "%s/rec.data", self->dir);
	/* A regular file that is not ELF: loading it warns, late. */
	ASSERT_EQ(0, write_one_map(self->path, 42, "worker", self->path, 3));
	snprintf(self->file, sizeof(self->file), "%s/out.folded", self->dir);
	memset(&self->out, 0, sizeof(self->out));
	memset(&self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(out)
{
	remove_tree(self->dir);
	free(self->dir);
	buf__free(&self->out);
	buf__free(&self->err);
}

static int read_all(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	b->len = 0;
	drain_fd(fd, b);
	buf__append(b, "", 1);
	b->len--;
	close(fd);
	return 0;
}

/*
 * Run sonde in @cwd with its stdout and stderr in @out, after closing
 * descriptor @close_fd (-1: none) and, with @plant, planting a symlink
 * named @plant.tmp-PID (the temporary sonde would use) to @victim.
 */
static int run_special(char *const argv[], const char *cwd, int close_fd,
		       const char *plant, const char *victim, struct buf *out)
{
	char name[400];
	int status, fd;
	pid_t pid;

	fd = open(cwd, O_TMPFILE | O_RDWR, 0600);
	if (fd < 0)
		return -2;
	pid = fork();
	if (pid == 0) {
		if (plant) {
			snprintf(name, sizeof(name), "%s.tmp-%d", plant,
				 (int)getpid());
			if (symlink(victim, name))
				_exit(126);
		}
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		if (chdir(cwd))
			_exit(126);
		if (close_fd >= 0)
			close(close_fd);
		alarm(20);
		execv(SONDE_BIN, argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	out->len = 0;
	lseek(fd, 0, SEEK_SET);
	drain_fd(fd, out);
	buf__append(out, "", 1);
	out->len--;
	close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Item 11: a regular OUT is replaced whole; no temporary is left. */
TEST_F(out, item11_regular_file_replaced)
{
	char *argv[] = { "sonde", "export", "-i", self->path, "-o",
			 self->file, NULL };
	struct buf b = { 0 };

	ASSERT_EQ(0, read_all(self->path, &b));
	ASSERT_EQ(0, run_sonde(argv, self->dir, &self->out, &self->err));
	ASSERT_EQ(0, read_all(self->file, &b));
	EXPECT_NE(NULL, strstr(b.data, "worker;")) TH_LOG("%s", b.data);
	EXPECT_EQ(0, self->out.len);
	ASSERT_EQ(0, run_sonde(argv, self->dir, &self->out, &self->err));
	EXPECT_EQ(2, dir_count(self->dir));
	buf__free(&b);
}

/* Item 11: a symlink given as OUT stays a symlink; its target is written. */
TEST_F(out, item11_symlink_written_through)
{
	char link[300];
	char *argv[] = { "sonde", "export", "-i", self->path, "-o", link,
			 NULL };
	struct buf b = { 0 };
	struct stat st;

	snprintf(link, sizeof(link), "%s/link", self->dir);
	ASSERT_EQ(0, symlink(self->file, link));
	ASSERT_EQ(0, run_sonde(argv, self->dir, &self->out, &self->err))
		TH_LOG("%s", self->err.data);
	ASSERT_EQ(0, lstat(link, &st));
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	ASSERT_EQ(0, read_all(self->file, &b));
	EXPECT_NE(NULL, strstr(b.data, "worker;"));
	buf__free(&b);
}

/*
 * Item 11: /dev/stdout (a symlink to a descriptor), "-" and a device node
 * are written in place: nothing named "-" or "OUT.tmp-*" appears, and the
 * output reaches the descriptor.  The device is a node of our own (as
 * root a broken fix must not replace the system's /dev/null).
 */
TEST_F(out, item11_stdout_and_devices_in_place)
{
	char null[300];
	const char *outs[] = { "/dev/stdout", "-", null };
	unsigned int i, n = ARRAY_SIZE(outs), entries = 1;

	snprintf(null, sizeof(null), "%s/null", self->dir);
	if (mknod(null, S_IFCHR | 0600, makedev(1, 3)))
		n--;	/* not root: no device node of our own */
	else
		entries++;
	for (i = 0; i < n; i++) {
		char *argv[] = { "sonde", "export", "-i", self->path, "-o",
				 (char *)outs[i], NULL };
		struct stat st;

		ASSERT_EQ(0, run_sonde(argv, self->dir, &self->out,
				       &self->err))
			TH_LOG("-o %s: %s", outs[i], self->err.data);
		if (outs[i] != null)
			EXPECT_NE(NULL, strstr(self->out.data, "worker;"))
				TH_LOG("-o %s: %s", outs[i], self->out.data);
		EXPECT_EQ(entries, dir_count(self->dir))
			TH_LOG("-o %s", outs[i]);
		if (outs[i] == null) {
			ASSERT_EQ(0, stat(null, &st));
			EXPECT_TRUE(S_ISCHR(st.st_mode));
		}
	}
}

/*
 * Item 10/11: an output that must seek (a recording) refuses a FIFO at
 * once, instead of waiting in open() for a reader that never comes.
 */
TEST_F(out, item11_fifo_refused_without_blocking)
{
	char fifo[300];
	struct outfile o;

	snprintf(fifo, sizeof(fifo), "%s/fifo", self->dir);
	ASSERT_EQ(0, mkfifo(fifo, 0600));
	alarm(10);	/* a blocking open() fails the test, not the run */
	EXPECT_EQ(-ESPIPE, outfile__open(&o, fifo, 0600, true));
	alarm(0);
	EXPECT_EQ(-1, o.fd);
}

/* Item 11: a symlink planted where the temporary goes is not followed. */
TEST_F(out, item11_planted_temporary_not_followed)
{
	char victim[300];
	char *argv[] = { "sonde", "export", "-i", self->path, "-o",
			 self->file, NULL };
	struct buf b = { 0 };

	snprintf(victim, sizeof(victim), "%s/victim", self->dir);
	ASSERT_EQ(0, write_one_map(victim, 1, "x", "/x", 0));
	ASSERT_EQ(0, read_all(victim, &self->err));
	EXPECT_EQ(1, run_special(argv, self->dir, -1, self->file, victim,
				 &self->out));
	EXPECT_NE(NULL, strstr(self->out.data, ".tmp-"))
		TH_LOG("%s", self->out.data);
	ASSERT_EQ(0, read_all(victim, &b));
	EXPECT_EQ(self->err.len, b.len);
	EXPECT_EQ(0, memcmp(self->err.data, b.data, b.len));
	EXPECT_NE(0, access(self->file, F_OK));
	buf__free(&b);
}

/* Item 11 (R05): with stderr closed, warnings do not land in OUT. */
TEST_F(out, item11_closed_stderr_keeps_output_clean)
{
	char *argv[] = { "sonde", "export", "-i", self->path, "-o",
			 self->file, NULL };
	struct buf b = { 0 };

	ASSERT_EQ(0, run_special(argv, self->dir, 2, NULL, NULL,
				 &self->out));
	ASSERT_EQ(0, read_all(self->file, &b));
	EXPECT_EQ(NULL, strstr(b.data, "sonde:")) TH_LOG("%s", b.data);
	EXPECT_NE(NULL, strstr(b.data, "worker;"));
	buf__free(&b);
}

/*
 * A recording of two processes: (@pid1, @comm1) mapping @path1 and
 * (@pid2, @comm2) mapping @path2, at the same address, @n samples each
 * at 0x401000; the second snapshot is later, and so are its samples.
 * @lost1 and @lost2 are written as LOST records.
 */
static int write_two(const char *path, __u32 pid1, const char *comm1,
		     const char *path1, __u32 pid2, const char *comm2,
		     const char *path2, unsigned int n, __u64 lost1,
		     __u64 lost2)
{
	__u64 u[1] = { 0x401000 };
	unsigned char rec[256];
	struct rec_writer *w;
	unsigned int i;
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	err = rec_writer__new_fd(&w, fd);
	if (!err)
		err = add_session(w, 1000);
	for (i = 0; !err && i < 2 * n; i++)
		err = rec_writer__append_records(w, 0, rec,
			make_sample(rec, i < n ? 1000 + i : 3000 + i, 0,
				    i < n ? pid1 : pid2, i < n ? pid1 : pid2,
				    SONDE_CTX_USER, SONDE_SAMPLE_USER_REGS,
				    NULL, 0, u, 1));
	if (!err && lost1)
		err = rec_writer__append_records(w, 0, rec,
						 make_lost(rec, 4000, 0, lost1));
	if (!err && lost2)
		err = rec_writer__append_records(w, 1, rec,
						 make_lost(rec, 4001, 1, lost2));
	if (!err)
		err = add_process(w, pid1, comm1, 2000, path1, 0x400000,
				  0x500000, 0, NULL, 0);
	if (!err)
		err = add_process(w, pid2, comm2, 5000, path2, 0x400000,
				  0x500000, 0, NULL, 0);
	if (!err)
		err = add_end(w, 2 * n, 0);
	if (!err)
		err = rec_writer__finish(w);
	rec_writer__free(w);
	close(fd);
	return err;
}

/*
 * Item 13 (R06): --sort pid|tid gives a reused pid one row per command,
 * each with its own samples.
 */
TEST_F(out, item13_sort_pid_reused_pid)
{
	const char *keys[] = { "pid", "tid" };
	unsigned int i;

	ASSERT_EQ(0, write_two(self->path, 100, "old", "/nonexistent/a",
			       100, "new", "/nonexistent/b", 3, 0, 0));
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		char *argv[] = { "sonde", "report", "-s", (char *)keys[i],
				 "-i", self->path, NULL };

		ASSERT_EQ(0, run_sonde(argv, self->dir, &self->out,
				       &self->err));
		EXPECT_NE(NULL, strstr(self->out.data,
				       "50.00%         3      100 old\n"))
			TH_LOG("%s", self->out.data);
		EXPECT_NE(NULL, strstr(self->out.data,
				       "50.00%         3      100 new\n"))
			TH_LOG("%s", self->out.data);
	}
}

/*
 * Item 13 (R07): two different frames that format the same (a library
 * of the same name in two directories) make one folded line, counted
 * once for all their samples.
 */
TEST_F(out, item13_folded_merges_equal_lines)
{
	char *argv[] = { "sonde", "export", "-i", self->path, NULL };

	ASSERT_EQ(0, write_two(self->path, 100, "app", "/nonexistent/a/lib.so",
			       200, "app", "/nonexistent/b/lib.so", 3, 0, 0));
	ASSERT_EQ(0, run_sonde(argv, self->dir, &self->out, &self->err));
	EXPECT_STREQ("app;lib.so+0x1000 6\n", self->out.data);
}

/* Item 13 (R15): a lost count that passes 2^64 saturates. */
TEST_F(out, item13_lost_count_saturates)
{
	char *argv[] = { "sonde", "report", "-i", self->path, NULL };

	ASSERT_EQ(0, write_two(self->path, 100, "a", "/x", 200, "b", "/y", 1,
			       UINT64_MAX - 1, 6));
	ASSERT_EQ(0, run_sonde(argv, self->dir, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->out.data,
			       "# lost: 18446744073709551615 (or more"))
		TH_LOG("%s", self->out.data);
}

/* Build @dir/@name, a shared library defining same(); its address. */
static __u64 build_lib(const char *dir, const char *name, int value)
{
	char cmd[1024], line[64];
	unsigned long long addr = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "cd %s && printf 'int same(void) { return %d; }\\n' > %s.c && "
		 "cc -O0 -shared -fPIC -o %s %s.c && nm -D %s", dir, value,
		 name, name, name, name);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p))
		if (strstr(line, " T same\n"))
			addr = strtoull(line, NULL, 16);
	pclose(p);
	return addr;
}

/*
 * Item 13 (R07), as reported: two shared libraries that both define
 * same(), both mapped by one process and both sampled, give one folded
 * line with every sample.
 */
TEST_F(out, item13_two_libraries_same_function)
{
	char *argv[] = { "sonde", "export", "-i", self->path, NULL };
	char lib1[300], lib2[300];
	struct srec_process ph = { .pid = 9, .time_ns = 5000, .nr_maps = 2 };
	__u64 a1, a2, base1 = 0x7f0000000000ULL, base2 = 0x7f1000000000ULL;
	unsigned char rec[256];
	struct rec_writer *w;
	struct buf b = { 0 };
	int fd, i;

	a1 = build_lib(self->dir, "liba.so", 1);
	a2 = build_lib(self->dir, "libb.so", 2);
	ASSERT_NE(0, a1);
	ASSERT_NE(0, a2);
	snprintf(lib1, sizeof(lib1), "%s/liba.so", self->dir);
	snprintf(lib2, sizeof(lib2), "%s/libb.so", self->dir);
	snprintf(ph.comm, sizeof(ph.comm), "app");
	buf__append(&b, &ph, sizeof(ph));
	for (i = 0; i < 2; i++) {
		struct srec_map m = { .start = i ? base2 : base1 };
		const char *path = i ? lib2 : lib1;

		m.end = m.start + 0x100000;
		m.path_len = strlen(path);
		buf__append(&b, &m, sizeof(m));
		buf__append(&b, path, m.path_len + 1);
		buf__pad8(&b);
	}
	fd = open(self->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rec_writer__new_fd(&w, fd));
	ASSERT_EQ(0, add_session(w, 1000));
	for (i = 0; i < 6; i++) {
		__u64 u = (i % 2 ? base2 + a2 : base1 + a1) + 1;

		ASSERT_EQ(0, rec_writer__append_records(w, 0, rec,
			make_sample(rec, 1000 + i, 0, 9, 9, SONDE_CTX_USER,
				    SONDE_SAMPLE_USER_REGS, NULL, 0, &u, 1)));
	}
	ASSERT_EQ(0, rec_writer__add_section(w, SREC_SEC_PROCESS, 0, b.data,
					     b.len));
	ASSERT_EQ(0, add_end(w, 6, 0));
	ASSERT_EQ(0, rec_writer__finish(w));
	rec_writer__free(w);
	close(fd);
	buf__free(&b);
	ASSERT_EQ(0, run_sonde(argv, self->dir, &self->out, &self->err))
		TH_LOG("%s", self->err.data);
	EXPECT_STREQ("app;same 6\n", self->out.data);
}

TEST_HARNESS_MAIN
