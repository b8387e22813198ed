// SPDX-License-Identifier: GPL-2.0
/*
 * The command line of the sonde binary: bad arguments exit
 * with status 2 and exactly one line on stderr, help and version work for
 * every command, and record without the module fails cleanly, leaving no
 * file behind.
 */
#include <dirent.h>

#include "kselftest_harness.h"

#include "helpers.h"

static const char *const bad[][8] = {
	{ "sonde", NULL },
	{ "sonde", "frobnicate", NULL },
	{ "sonde", "--bogus", NULL },
	{ "sonde", "help", "frobnicate", NULL },
	{ "sonde", "record", NULL },
	{ "sonde", "record", "-a", "-p", "1", NULL },
	{ "sonde", "record", "-a", "--", "true", NULL },
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
	{ "sonde", "export", "-f", "pprof", NULL },
	{ "sonde", "export", "-z", NULL },
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
					    "export" };
	char *version[] = { "sonde", "--version", NULL };
	char *help[] = { "sonde", "--help", NULL };
	struct buf out = { 0 }, err = { 0 };
	char usage[64];
	unsigned int i;

	ASSERT_EQ(0, run_sonde(version, "/", &out, &err));
	EXPECT_STREQ("sonde 0.1.0\n", out.data);
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

TEST(record_without_module)
{
	char *argv[] = { "sonde", "record", "-a", "-d", "1", "-o", "out.data",
			 NULL };
	char *cmd[] = { "sonde", "record", "-o", "out.data", "--", "true",
			NULL };
	struct buf out = { 0 }, err = { 0 };
	char *dir;

	if (!access(SONDE_DEVICE, F_OK))
		SKIP(return, "%s exists here", SONDE_DEVICE);
	dir = make_tmpdir();
	ASSERT_NE(NULL, dir);
	EXPECT_EQ(1, run_sonde(argv, dir, &out, &err));
	EXPECT_NE(NULL, strstr(err.data, "insmod")) TH_LOG("%s", err.data);
	EXPECT_EQ(1, count_lines(err.data));
	EXPECT_EQ(0, dir_entries(dir));
	EXPECT_EQ(1, run_sonde(cmd, dir, &out, &err));
	EXPECT_EQ(1, count_lines(err.data));
	EXPECT_EQ(0, dir_entries(dir));
	EXPECT_EQ(0, out.len);
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

TEST_HARNESS_MAIN
