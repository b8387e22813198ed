// SPDX-License-Identifier: GPL-2.0
/*
 * `sonde export -f perf-script` is `sonde script`: the same writer
 * (export/script.c) registered in export's format table, so the same
 * recording and filters give byte-identical output.  Checked on the
 * regression recording (tests/regress/split-6.12.sonde) with user frames
 * unresolved under an empty --symfs, as tests/regress/run reads it.
 */
#include "kselftest_harness.h"

#include "helpers.h"

FIXTURE(ps) {
	char *dir;
	struct buf script, export, err;
};

FIXTURE_SETUP(ps)
{
	memset(&self->script, 0, sizeof(self->script));
	memset(&self->export, 0, sizeof(self->export));
	memset(&self->err, 0, sizeof(self->err));
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
}

FIXTURE_TEARDOWN(ps)
{
	remove_tree(self->dir);
	free(self->dir);
	buf__free(&self->script);
	buf__free(&self->export);
	buf__free(&self->err);
}

/* @script_out, @export_out: what script and export -f perf-script print. */
static void same_bytes(struct __test_metadata *_metadata, char *dir,
		       struct buf *script_out, struct buf *export_out,
		       struct buf *err, char *const filter[])
{
	char *script[16] = { "sonde", "script", "-i", REGRESS_REC,
			     "--symfs", dir };
	char *export[16] = { "sonde", "export", "-f", "perf-script",
			     "-i", REGRESS_REC, "--symfs", dir };
	unsigned int i;

	for (i = 0; filter && filter[i]; i++) {
		script[6 + i] = filter[i];
		export[8 + i] = filter[i];
	}
	ASSERT_EQ(0, run_sonde(script, NULL, script_out, err))
		TH_LOG("%s", err->data);
	ASSERT_EQ(0, run_sonde(export, NULL, export_out, err))
		TH_LOG("%s", err->data);
	ASSERT_LT(0, script_out->len);
	EXPECT_EQ(script_out->len, export_out->len);
	EXPECT_EQ(0, memcmp(script_out->data, export_out->data,
			    script_out->len));
	/* perf script's sample header, which importers match on. */
	EXPECT_NE(NULL, strstr(export_out->data, " cpu-clock:"));
}

TEST_F(ps, identical_to_script)
{
	same_bytes(_metadata, self->dir, &self->script, &self->export,
		   &self->err, NULL);
}

TEST_F(ps, identical_filtered)
{
	char *filter[] = { "--cpu", "1", "--time", "1,3", NULL };

	same_bytes(_metadata, self->dir, &self->script, &self->export,
		   &self->err, filter);
}

/* -o: the file holds the same bytes as standard output did. */
TEST_F(ps, to_file)
{
	char path[320];
	char *export[] = { "sonde", "export", "-f", "perf-script", "-i",
			   REGRESS_REC, "--symfs", self->dir, "-o", path,
			   NULL };
	char *text;
	size_t len;

	same_bytes(_metadata, self->dir, &self->script, &self->export,
		   &self->err, NULL);
	snprintf(path, sizeof(path), "%s/out.txt", self->dir);
	ASSERT_EQ(0, run_sonde(export, NULL, &self->export, &self->err));
	ASSERT_EQ(0, read_file(path, &text, &len));
	EXPECT_EQ(self->script.len, len);
	EXPECT_EQ(0, memcmp(self->script.data, text, len));
	free(text);
}

/* An unknown format names the known ones, perf-script among them. */
TEST_F(ps, unknown_format_lists_it)
{
	char *export[] = { "sonde", "export", "-f", "bogus", "-i",
			   REGRESS_REC, NULL };

	EXPECT_NE(0, run_sonde(export, NULL, &self->export, &self->err));
	EXPECT_NE(NULL, strstr(self->err.data, "perf-script"))
		TH_LOG("%s", self->err.data);
}

TEST_HARNESS_MAIN
