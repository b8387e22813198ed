// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile inputs (issue 7): paths named by the command line or
 * a recording that are not regular files, and recordings whose text,
 * layout or sizes are built to break the reader.  Each test names the
 * item of issue 7 whose class it covers.
 */
#include <sys/stat.h>

#include "kselftest_harness.h"

#include "helpers.h"

FIXTURE(hostile) {
	char *dir;
	char path[256];
	struct buf out, err;
};

FIXTURE_SETUP(hostile)
{
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	snprintf(self->path, sizeof(self->path), "%s/rec.data", self->dir);
	memset(&self->out, 0, sizeof(self->out));
	memset(&self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(hostile)
{
	remove_tree(self->dir);
	free(self->dir);
	buf__free(&self->out);
	buf__free(&self->err);
}

/*
 * Item 10: -i naming a FIFO (or a directory, or a device) is refused at
 * once instead of blocking in open().
 */
TEST_F(hostile, item10_input_not_regular)
{
	const char *cmds[] = { "report", "script", "export" };
	char fifo[300];
	unsigned int i;

	snprintf(fifo, sizeof(fifo), "%s/fifo", self->dir);
	ASSERT_EQ(0, mkfifo(fifo, 0600));
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		const char *inputs[] = { fifo, self->dir, "/dev/null" };
		unsigned int j;

		for (j = 0; j < ARRAY_SIZE(inputs); j++) {
			char *argv[] = { "sonde", (char *)cmds[i], "-i",
					 (char *)inputs[j], NULL };

			EXPECT_EQ(1, run_sonde(argv, self->dir, &self->out,
					       &self->err))
				TH_LOG("%s -i %s", cmds[i], inputs[j]);
			EXPECT_EQ(1, count_lines(self->err.data))
				TH_LOG("%s", self->err.data);
			EXPECT_TRUE(strstr(self->err.data, "regular file") ||
				    strstr(self->err.data, "directory"))
				TH_LOG("%s", self->err.data);
		}
	}
}

/*
 * Item 10: a mapping whose path names a FIFO or a device (R02) leaves its
 * frames unresolved, without blocking report, script or export.
 */
TEST_F(hostile, item10_map_path_not_regular)
{
	const char *cmds[] = { "report", "script", "export" };
	const char *targets[] = { "fifo", "/dev/zero", "dir" };
	char target[300];
	unsigned int i, j;

	snprintf(target, sizeof(target), "%s/fifo", self->dir);
	ASSERT_EQ(0, mkfifo(target, 0600));
	snprintf(target, sizeof(target), "%s/dir", self->dir);
	ASSERT_EQ(0, mkdir(target, 0700));
	for (j = 0; j < ARRAY_SIZE(targets); j++) {
		if (targets[j][0] == '/')
			snprintf(target, sizeof(target), "%s", targets[j]);
		else
			snprintf(target, sizeof(target), "%s/%s", self->dir,
				 targets[j]);
		ASSERT_EQ(0, write_one_map(self->path, 42, "victim", target,
					   3));
		for (i = 0; i < ARRAY_SIZE(cmds); i++) {
			char *argv[] = { "sonde", (char *)cmds[i], "-i",
					 self->path, NULL };

			EXPECT_EQ(0, run_sonde(argv, self->dir, &self->out,
					       &self->err))
				TH_LOG("%s with %s: %s", cmds[i], target,
				       self->err.data);
			EXPECT_NE(NULL, strstr(self->out.data,
					       strrchr(target, '/') + 1))
				TH_LOG("%s", self->out.data);
			EXPECT_TRUE(strstr(self->err.data, "regular file") ||
				    strstr(self->err.data, "directory"))
				TH_LOG("%s", self->err.data);
		}
	}
}

TEST_HARNESS_MAIN
