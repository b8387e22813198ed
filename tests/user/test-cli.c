// SPDX-License-Identifier: GPL-2.0
/*
 * The command line of the sonde binary: bad arguments exit
 * with status 2 and exactly one line on stderr, help and version work for
 * every command, and record without the module fails cleanly, leaving no
 * file behind.
 */
#include <dirent.h>
#include <pthread.h>

#include "kselftest_harness.h"

#include "helpers.h"
#include "record/recorder.h"
#include "sonde-version.h"

static const char *const bad[][8] = {
	{ "sonde", NULL },
	{ "sonde", "frobnicate", NULL },
	{ "sonde", "--bogus", NULL },
	{ "sonde", "help", "frobnicate", NULL },
	{ "sonde", "record", NULL },
	{ "sonde", "record", "-a", "-p", "1", NULL },
	{ "sonde", "record", "-p", "1", "--", "true", NULL },
	{ "sonde", "record", "-t", "0", NULL },
	{ "sonde", "record", "-t", "x", NULL },
	{ "sonde", "record", "-t", "1", "-p", "1", NULL },
	{ "sonde", "record", "-t", "1", "-a", NULL },
	{ "sonde", "record", "-t", "999999999", NULL },
	{ "sonde", "record", "--call-graph", "lbr", "-a", NULL },
	{ "sonde", "record", "--call-graph", "dwarf,12", "-a", NULL },
	{ "sonde", "record", "--call-graph", "dwarf,0", "-a", NULL },
	{ "sonde", "record", "--call-graph", "dwarf,65536", "-a", NULL },
	{ "sonde", "record", "--call-graph", "fp,x", "-a", NULL },
	{ "sonde", "record", "--call-graph", "frame", "-a", NULL },
	{ "sonde", "record", "--call-graph", "none,8", "-a", NULL },
	{ "sonde", "record", "--call-graph", "-a", NULL },
	{ "sonde", "record", "-F", "0", "-a", NULL },
	{ "sonde", "record", "-F", "fast", "-a", NULL },
	{ "sonde", "record", "-p", "12,x", NULL },
	{ "sonde", "record", "-p", "0", NULL },
	{ "sonde", "record", "-m", "3", "-a", NULL },
	{ "sonde", "record", "-d", "-1", "-a", NULL },
	{ "sonde", "record", "-a", "-o", NULL },
	{ "sonde", "record", "--nope", "-a", NULL },
	{ "sonde", "report", "--sort", "size", NULL },
	{ "sonde", "report", "--limit", "0", NULL },
	{ "sonde", "report", "--pid", "abc", NULL },
	{ "sonde", "report", "extra", NULL },
	{ "sonde", "report", "-i", NULL },
	{ "sonde", "script", "-x", NULL },
	{ "sonde", "script", "a", "b", NULL },
	{ "sonde", "export", "-f", "bogus", NULL },
	{ "sonde", "export", "-z", NULL },
	/* Issue 7 item 16: strict decimal numbers, long options as typed. */
	{ "sonde", "report", "--children=yes", NULL },
	{ "sonde", "report", "--limit", " -5", NULL },
	{ "sonde", "report", "--limit", "+5", NULL },
	{ "sonde", "report", "--pid", "0x10", NULL },
	{ "sonde", "record", "-d", "inf", "-a", NULL },
	{ "sonde", "record", "-d", " 1", "-a", NULL },
	{ "sonde", "record", "-F", "0x10", "-a", NULL },
	{ "sonde", "record", "-p", " 12", NULL },
	{ "sonde", "export", "-o", "", NULL },
	{ "sonde", "script", "--input", NULL },
	{ "sonde", "report", "--bogus=1", NULL },
	/* --symfs must name a directory: a typo left every frame unresolved. */
	{ "sonde", "report", "--symfs", "/nonexistent/sonde-symfs", NULL },
	{ "sonde", "export", "--symfs", "/etc/passwd", NULL },
	{ "sonde", "script", "--symfs", "", NULL },
	{ "sonde", "stat", NULL },
	{ "sonde", "stat", "-e", "bogus", "--", "true", NULL },
	{ "sonde", "stat", "-e", "", "--", "true", NULL },
	{ "sonde", "stat", "-e", "cs,", "--", "true", NULL },
	{ "sonde", "stat", "-e", "r12345678901234567", "-a", NULL },
	{ "sonde", "stat", "-I", "9", "--", "true", NULL },
	{ "sonde", "stat", "-I", "x", "--", "true", NULL },
	{ "sonde", "stat", "-p", "0", NULL },
	{ "sonde", "stat", "-p", "1", "-a", NULL },
	{ "sonde", "stat", "-p", "1", "--", "true", NULL },
	{ "sonde", "stat", "-p", "999999999", NULL },
	{ "sonde", "stat", "-o", "", "-a", NULL },
	{ "sonde", "stat", "--json=1", "-a", NULL },
	{ "sonde", "stacks", NULL },
	{ "sonde", "stacks", "-p", "x", NULL },
	{ "sonde", "stacks", "-p", "0", NULL },
	{ "sonde", "stacks", "-p", "1", "--stack-bytes", "7", NULL },
	{ "sonde", "stacks", "-p", "1", "--max-threads", "0", NULL },
	{ "sonde", "stacks", "-p", "1", "extra", NULL },
};

TEST(bad_arguments_exit_2)
{
	struct buf out = { 0 }, err = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int rc = run_sonde((char *const *)bad[i], "/", &out, &err);

		EXPECT_EQ(2, rc) TH_LOG("case %u (%s %s): %s", i, bad[i][1],
					 bad[i][2], err.data);
		EXPECT_EQ(1, count_lines(err.data))
			TH_LOG("case %u: '%s'", i, err.data);
		EXPECT_EQ(0, strncmp(err.data, "sonde: ", 7));
		EXPECT_EQ(0, out.len) TH_LOG("case %u: '%s'", i, out.data);
	}
	buf__free(&out);
	buf__free(&err);
}

TEST(version_and_help)
{
	static const char *const cmds[] = { "record", "report", "script",
					    "export", "stat", "stacks",
					    "test" };
	char *version[] = { "sonde", "--version", NULL };
	char *help[] = { "sonde", "--help", NULL };
	struct buf out = { 0 }, err = { 0 };
	char usage[64];
	unsigned int i;

	ASSERT_EQ(0, run_sonde(version, "/", &out, &err));
	EXPECT_STREQ("sonde " SONDE_VERSION "\n", out.data);
	ASSERT_EQ(0, run_sonde(help, "/", &out, &err));
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		char *h1[] = { "sonde", "help", (char *)cmds[i], NULL };
		char *h2[] = { "sonde", (char *)cmds[i], "--help", NULL };

		EXPECT_NE(NULL, strstr(out.data, cmds[i]));
		snprintf(usage, sizeof(usage), "usage: sonde %s", cmds[i]);
		ASSERT_EQ(0, run_sonde(h1, "/", &out, &err));
		EXPECT_EQ(0, strncmp(out.data, usage, strlen(usage)));
		EXPECT_EQ(0, err.len);
		ASSERT_EQ(0, run_sonde(h2, "/", &out, &err));
		EXPECT_EQ(0, strncmp(out.data, usage, strlen(usage)));
		ASSERT_EQ(0, run_sonde(help, "/", &out, &err));
	}
	buf__free(&out);
	buf__free(&err);
}

static unsigned int dir_entries(const char *dir)
{
	struct dirent *de;
	unsigned int n = 0;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/*
 * No /dev/sonde: record falls back on perf_event_open, says so in one
 * line that names the module, and writes the recording; where
 * perf_event_open is refused too, one more line says so and nothing is
 * written.  With --source sonde, one line and nothing written.
 */
TEST(record_without_module)
{
	char *argv[] = { "sonde", "record", "-a", "-d", "1", "-o", "out.data",
			 NULL };
	char *cmd[] = { "sonde", "record", "-o", "out.data", "--", "true",
			NULL };
	char *strict[] = { "sonde", "record", "--source", "sonde", "-a", "-o",
			   "out.data", NULL };
	struct buf out = { 0 }, err = { 0 };
	char *dir;
	int rc;

	if (!access(SONDE_DEVICE, F_OK))
		SKIP(return, "%s exists here", SONDE_DEVICE);
	dir = make_tmpdir();
	ASSERT_NE(NULL, dir);
	rc = run_sonde(argv, dir, &out, &err);
	EXPECT_NE(NULL, strstr(err.data, "/dev/sonde not found: sampling through perf_event_open"))
		TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(err.data, "insmod")) TH_LOG("%s", err.data);
	if (rc && strstr(err.data, "permission denied")) {
		EXPECT_EQ(1, rc);
		EXPECT_EQ(2, count_lines(err.data));
		EXPECT_EQ(0, dir_entries(dir));
	} else {
		EXPECT_EQ(0, rc) TH_LOG("%s", err.data);
		EXPECT_EQ(1, dir_entries(dir));
	}
	remove_tree(dir);
	free(dir);
	dir = make_tmpdir();
	ASSERT_NE(NULL, dir);
	rc = run_sonde(cmd, dir, &out, &err);
	if (rc && strstr(err.data, "permission denied")) {
		EXPECT_EQ(1, rc);
		EXPECT_EQ(0, dir_entries(dir));
	} else {
		EXPECT_EQ(0, rc) TH_LOG("%s", err.data);
		EXPECT_EQ(1, dir_entries(dir));
	}
	EXPECT_EQ(0, out.len);
	remove_tree(dir);
	free(dir);
	/* --source sonde: the module or nothing. */
	dir = make_tmpdir();
	ASSERT_NE(NULL, dir);
	EXPECT_EQ(1, run_sonde(strict, dir, &out, &err));
	EXPECT_NE(NULL, strstr(err.data, "insmod")) TH_LOG("%s", err.data);
	EXPECT_EQ(1, count_lines(err.data));
	EXPECT_EQ(0, dir_entries(dir));
	remove_tree(dir);
	free(dir);
	buf__free(&out);
	buf__free(&err);
}

TEST(unreadable_input)
{
	char *missing[] = { "sonde", "report", "-i", "/nonexistent/x.data",
			    NULL };
	char *garbage[] = { "sonde", "script", "-i", "/etc/hostname", NULL };
	struct buf out = { 0 }, err = { 0 };

	EXPECT_EQ(1, run_sonde(missing, "/", &out, &err));
	EXPECT_EQ(1, count_lines(err.data));
	EXPECT_NE(NULL, strstr(err.data, "No such file"));
	EXPECT_EQ(1, run_sonde(garbage, "/", &out, &err));
	EXPECT_NE(NULL, strstr(err.data, "not a sonde recording"))
		TH_LOG("%s", err.data);
	buf__free(&out);
	buf__free(&err);
}

/* Issue 7 item 16: a long option is named as typed, not by its letter. */
TEST(item16_long_option_messages)
{
	char *children[] = { "sonde", "report", "--children=yes", NULL };
	char *needs[] = { "sonde", "script", "--input", NULL };
	struct buf out = { 0 }, err = { 0 };

	EXPECT_EQ(2, run_sonde(children, "/", &out, &err));
	EXPECT_NE(NULL, strstr(err.data, "'--children' takes no value"))
		TH_LOG("%s", err.data);
	EXPECT_EQ(2, run_sonde(needs, "/", &out, &err));
	EXPECT_NE(NULL, strstr(err.data, "'--input' needs a value"))
		TH_LOG("%s", err.data);
	buf__free(&out);
	buf__free(&err);
}

/*
 * Issue 10: a value glued to -g, which takes none, is named with where
 * the threshold goes (getopt saw an unknown option '-='), and a --limit
 * past 2^64 - 1 says so (it said "needs a positive number").
 */
TEST(report_value_messages)
{
	static const struct {
		const char *arg, *opt, *says;
	} cases[] = {
		{ "-g=5", NULL, "-g takes no value: the threshold is --call-graph=PCT, not '-g=5'" },
		{ "-g5", NULL, "-g takes no value: the threshold is --call-graph=PCT, not '-g5'" },
		{ "--limit", "18446744073709551616", "--limit takes at most 18446744073709551615 entries" },
		{ "--limit", "0", "--limit needs a positive number, not '0'" },
		{ "-gx", NULL, "unknown option '-x'" },
	};
	struct buf out = { 0 }, err = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *argv[] = { "sonde", "report", (char *)cases[i].arg,
				 (char *)cases[i].opt, NULL };

		EXPECT_EQ(2, run_sonde(argv, "/", &out, &err));
		EXPECT_EQ(1, count_lines(err.data)) TH_LOG("%s", err.data);
		EXPECT_NE(NULL, strstr(err.data, cases[i].says))
			TH_LOG("%s: %s", cases[i].arg, err.data);
	}
	buf__free(&out);
	buf__free(&err);
}

/* Issue 7 item 16: --pid 0144 is pid 144, not octal 100. */
TEST(item16_decimal_with_leading_zero)
{
	char path[] = "/tmp/sonde-cli.XXXXXX";
	char *argv[] = { "sonde", "report", "-s", "pid", "--pid", "0144",
			 "-i", path, NULL };
	struct buf out = { 0 }, err = { 0 };
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, write_one_map(path, 144, "p144", "/x", 2));
	ASSERT_EQ(0, run_sonde(argv, "/", &out, &err)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(out.data, "    144 p144\n")) TH_LOG("%s", out.data);
	unlink(path);
	buf__free(&out);
	buf__free(&err);
}

/* Run sonde with standard output on /dev/full; stderr into @err. */
static int run_to_full(char *const argv[], struct buf *err)
{
	int status, efd, full;
	pid_t pid;

	efd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	full = open("/dev/full", O_WRONLY);
	if (efd < 0 || full < 0)
		return -2;
	pid = fork();
	if (pid == 0) {
		dup2(full, 1);
		dup2(efd, 2);
		alarm(20);
		execv(SONDE_BIN, argv);
		_exit(127);
	}
	close(full);
	waitpid(pid, &status, 0);
	lseek(efd, 0, SEEK_SET);
	err->len = 0;
	drain_fd(efd, err);
	buf__append(err, "", 1);
	err->len--;
	close(efd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Issue 7 item 16: a failed write names the output, not the input, and
 * keeps its errno.
 */
TEST(item16_write_errors_name_the_output)
{
	char path[] = "/tmp/sonde-cli.XXXXXX";
	char *script[] = { "sonde", "script", "-i", path, NULL };
	char *report[] = { "sonde", "report", "-i", path, NULL };
	char *export[] = { "sonde", "export", "-i", path, NULL };
	char *export_o[] = { "sonde", "export", "-i", path, "-o", "/dev/full",
			     NULL };
	char *const *cmds[] = { script, report, export, export_o };
	struct buf err = { 0 };
	unsigned int i;
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	close(fd);
	/* Enough output to fill stdio's buffer more than once. */
	ASSERT_EQ(0, write_one_map(path, 7, "w", "/x", 2000));
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(1, run_to_full(cmds[i], &err)) TH_LOG("%u", i);
		EXPECT_EQ(1, count_lines(err.data)) TH_LOG("%s", err.data);
		EXPECT_NE(NULL, strstr(err.data, "No space left on device"))
			TH_LOG("%u: %s", i, err.data);
		EXPECT_NE(NULL, strstr(err.data, i == 3 ? "writing /dev/full" :
				       "writing standard output"))
			TH_LOG("%u: %s", i, err.data);
	}
	unlink(path);
	buf__free(&err);
}

/*
 * Issue 7 item 16 (R16): a file cut inside its 32-byte header is a
 * recording cut short, as documented: an empty profile and one warning.
 */
TEST(item16_cut_inside_file_header)
{
	char path[] = "/tmp/sonde-cli.XXXXXX";
	const char *cmds[] = { "report", "script", "export" };
	struct srec_file_header fh = { .version = SREC_VERSION,
				       .header_size = sizeof(fh) };
	struct buf out = { 0 }, err = { 0 };
	unsigned int i, len;
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	memcpy(fh.magic, SREC_MAGIC, sizeof(fh.magic));
	for (len = 1; len < sizeof(fh); len += 7) {
		ASSERT_EQ(0, ftruncate(fd, 0));
		ASSERT_EQ(len, pwrite(fd, &fh, len, 0));
		for (i = 0; i < ARRAY_SIZE(cmds); i++) {
			char *argv[] = { "sonde", (char *)cmds[i], "-i", path,
					 NULL };

			EXPECT_EQ(0, run_sonde(argv, "/", &out, &err))
				TH_LOG("%u bytes, %s: %s", len, cmds[i],
				       err.data);
			EXPECT_EQ(1, count_lines(err.data));
			EXPECT_NE(NULL, strstr(err.data, "inside the file header"))
				TH_LOG("%s", err.data);
		}
	}
	close(fd);
	unlink(path);
	buf__free(&out);
	buf__free(&err);
}

static void *sleeper(void *arg)
{
	pid_t *tid = arg;

	*tid = gettid();
	pause();
	return NULL;
}

/*
 * Issue 7 item 19: -p with a pid that does not exist, or with a thread id,
 * is a command-line error (exit 2, one line) before the device is opened;
 * a live process gets past the check (to the device: exit 1 without the
 * module, or it records).
 */
TEST(item19_pid_checked)
{
	char arg[32], arg2[64];
	char *argv[] = { "sonde", "record", "-q", "-d", "0.1", "-p", arg,
			 "-o", "/dev/null", NULL };
	struct buf out = { 0 }, err = { 0 };
	pthread_t th;
	pid_t dead, tid = 0;
	int rc;

	/* A pid that just died (and that nothing reuses this quickly). */
	dead = fork();
	if (dead == 0)
		_exit(0);
	ASSERT_EQ(dead, waitpid(dead, NULL, 0));
	snprintf(arg, sizeof(arg), "%d", (int)dead);
	EXPECT_EQ(2, run_sonde(argv, "/", &out, &err));
	EXPECT_EQ(1, count_lines(err.data));
	EXPECT_NE(NULL, strstr(err.data, "no such process")) TH_LOG("%s", err.data);
	/* The same inside a list. */
	snprintf(arg2, sizeof(arg2), "%d,%d", (int)getpid(), (int)dead);
	argv[6] = arg2;
	EXPECT_EQ(2, run_sonde(argv, "/", &out, &err));
	EXPECT_NE(NULL, strstr(err.data, "no such process")) TH_LOG("%s", err.data);
	argv[6] = arg;

	ASSERT_EQ(0, pthread_create(&th, NULL, sleeper, &tid));
	while (!__atomic_load_n(&tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	snprintf(arg, sizeof(arg), "%d", (int)tid);
	EXPECT_EQ(2, run_sonde(argv, "/", &out, &err));
	EXPECT_EQ(1, count_lines(err.data));
	snprintf(arg2, sizeof(arg2), "is a thread of process %d",
		 (int)getpid());
	EXPECT_NE(NULL, strstr(err.data, arg2)) TH_LOG("%s", err.data);
	pthread_cancel(th);
	pthread_join(th, NULL);

	snprintf(arg, sizeof(arg), "%d", (int)getpid());
	rc = run_sonde(argv, "/", &out, &err);
	EXPECT_NE(2, rc) TH_LOG("%s", err.data);
	buf__free(&out);
	buf__free(&err);
}

/*
 * -m's default: 128 pages (perf's 512 KiB), and 256 once a sample copies
 * more than the leaf-repair 512 bytes of stack (dwarf mode), where 64
 * pages lost 3 to 13% of samples at 10 and 20 kHz in the benchmark's
 * ramp; always within the module's limits.
 */
TEST(default_ring_pages)
{
	struct recorder_opts o = { 0 };

	EXPECT_EQ(RECORDER_DEFAULT_PAGES, recorder__default_pages(&o, 1, 4096));
	o.stack_bytes = RECORDER_LEAF_STACK;
	EXPECT_EQ(128, recorder__default_pages(&o, 1, 4096));
	EXPECT_EQ(64, recorder__default_pages(&o, 1, 64));
	o.stack_bytes = RECORDER_DWARF_STACK;
	EXPECT_EQ(256, recorder__default_pages(&o, 1, 4096));
	o.stack_bytes = 4096;
	EXPECT_EQ(256, recorder__default_pages(&o, 1, 4096));
	EXPECT_EQ(128, recorder__default_pages(&o, 1, 128));
	o.stack_bytes = 0;
	EXPECT_EQ(512, recorder__default_pages(&o, 512, 4096));
}

TEST_HARNESS_MAIN
