// SPDX-License-Identifier: GPL-2.0
/*
 * The view options that report, script and export share or that some
 * formats take (issue 10): --kernel-only and --user-only keep one side
 * of each stack and drop the samples left empty.  Checked on the
 * regression recording (tests/regress/split-6.12.sonde) with user frames
 * unresolved under an empty --symfs, as tests/regress/run reads it.
 */
#include "kselftest_harness.h"

#include "helpers.h"

FIXTURE(views) {
	char *dir;
	struct buf out, err;
};

FIXTURE_SETUP(views)
{
	memset(&self->out, 0, sizeof(self->out));
	memset(&self->err, 0, sizeof(self->err));
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
}

FIXTURE_TEARDOWN(views)
{
	remove_tree(self->dir);
	free(self->dir);
	buf__free(&self->out);
	buf__free(&self->err);
}

/*
 * Run `sonde CMD ARGS... -i REC --symfs DIR` (@args NULL-terminated, at
 * most 8); returns the exit status.
 */
static int run_on_rec(const char *dir, const char *cmd, char *const args[],
		      struct buf *out, struct buf *err)
{
	char *argv[16] = { "sonde", (char *)cmd };
	unsigned int n = 2, i;

	for (i = 0; args && args[i] && i < 8; i++)
		argv[n++] = args[i];
	argv[n++] = "-i";
	argv[n++] = REGRESS_REC;
	argv[n++] = "--symfs";
	argv[n++] = (char *)dir;
	argv[n] = NULL;
	return run_sonde(argv, NULL, out, err);
}

static bool is_kernel_frame(const char *f, size_t len)
{
	return len >= 4 && !memcmp(f + len - 4, "_[k]", 4);
}

/*
 * Over the folded lines of @text: the sum of counts, and the counts of
 * the lines with at least one kernel frame (@with_k), at least one other
 * frame (@with_u), and any frame at all (@with_any).  The root (the
 * first field) is the command, not a frame.
 */
struct folded_sums {
	unsigned long long total, with_k, with_u, with_any, lines;
};

static void folded_sum(const char *text, struct folded_sums *s)
{
	const char *line = text;

	memset(s, 0, sizeof(*s));
	while (*line) {
		const char *nl = strchr(line, '\n');
		const char *sp, *f, *end;
		unsigned long long n;
		bool k = false, u = false;

		if (!nl)
			nl = line + strlen(line);
		sp = nl;
		while (sp > line && sp[-1] != ' ')
			sp--;
		n = strtoull(sp, NULL, 10);
		f = memchr(line, ';', sp - line);
		while (f && f < sp - 1) {
			f++;
			end = memchr(f, ';', sp - 1 - f);
			if (!end)
				end = sp - 1;
			if (is_kernel_frame(f, end - f))
				k = true;
			else
				u = true;
			f = end;
		}
		s->total += n;
		s->lines++;
		s->with_k += k ? n : 0;
		s->with_u += u ? n : 0;
		s->with_any += (k || u) ? n : 0;
		line = *nl ? nl + 1 : nl;
	}
}

TEST_F(views, kernel_only_folded)
{
	char *all[] = { "-f", "folded", NULL };
	char *kern[] = { "-f", "folded", "--kernel-only", NULL };
	struct folded_sums a, k;

	ASSERT_EQ(0, run_on_rec(self->dir, "export", all, &self->out,
				&self->err)) TH_LOG("%s", self->err.data);
	folded_sum(self->out.data, &a);
	ASSERT_LT(0, a.with_k);
	ASSERT_LT(a.with_k, a.total);
	ASSERT_EQ(0, run_on_rec(self->dir, "export", kern, &self->out,
				&self->err)) TH_LOG("%s", self->err.data);
	folded_sum(self->out.data, &k);
	/* Every frame kernel; every sample with a kernel frame, only they. */
	EXPECT_EQ(0, k.with_u);
	EXPECT_EQ(k.total, k.with_k);
	EXPECT_EQ(a.with_k, k.total);
}

TEST_F(views, user_only_folded)
{
	char *all[] = { "-f", "folded", NULL };
	char *user[] = { "-f", "folded", "--user-only", NULL };
	struct folded_sums a, u;

	ASSERT_EQ(0, run_on_rec(self->dir, "export", all, &self->out,
				&self->err)) TH_LOG("%s", self->err.data);
	folded_sum(self->out.data, &a);
	ASSERT_LT(0, a.with_u);
	ASSERT_LT(a.with_u, a.total);
	ASSERT_EQ(0, run_on_rec(self->dir, "export", user, &self->out,
				&self->err)) TH_LOG("%s", self->err.data);
	folded_sum(self->out.data, &u);
	EXPECT_EQ(0, u.with_k);
	EXPECT_EQ(u.total, u.with_u);
	EXPECT_EQ(a.with_u, u.total);
}

/* Report and script honour it too: it is the profile's. */
TEST_F(views, kernel_only_report_and_script)
{
	char *all[] = { "-f", "folded", NULL };
	char *rep[] = { "--kernel-only", NULL };
	char *scr[] = { "--user-only", NULL };
	unsigned long long shown = 0, blocks = 0;
	struct folded_sums a;
	const char *p;
	char want[64];

	ASSERT_EQ(0, run_on_rec(self->dir, "export", all, &self->out,
				&self->err));
	folded_sum(self->out.data, &a);
	ASSERT_EQ(0, run_on_rec(self->dir, "report", rep, &self->out,
				&self->err)) TH_LOG("%s", self->err.data);
	snprintf(want, sizeof(want), "# shown: %llu samples", a.with_k);
	EXPECT_NE(NULL, strstr(self->out.data, want)) TH_LOG("%s", want);
	/* Only [k] rows. */
	for (p = strstr(self->out.data, "\n  "); p; p = strstr(p + 1, "\n  ")) {
		const char *nl = strchr(p + 1, '\n');
		const char *br = strchr(p + 1, '[');

		ASSERT_NE(NULL, br);
		if (nl)
			ASSERT_LT(br, nl);
		EXPECT_EQ(0, strncmp(br, "[k] ", 4));
		shown++;
	}
	EXPECT_LT(0, shown);
	ASSERT_EQ(0, run_on_rec(self->dir, "script", scr, &self->out,
				&self->err)) TH_LOG("%s", self->err.data);
	EXPECT_EQ(NULL, strstr(self->out.data, "[kernel.kallsyms]"));
	for (p = self->out.data; (p = strstr(p, " cpu-clock:")); p++)
		blocks++;
	EXPECT_EQ(a.with_u, blocks);
}

TEST_F(views, kernel_and_user_only_exclude)
{
	static const char *const cmds[] = { "report", "script", "export" };
	char *both[] = { "--kernel-only", "--user-only", NULL };
	char *again[] = { "--kernel-only", "--kernel-only", NULL };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(2, run_on_rec(self->dir, cmds[i], both, &self->out,
					&self->err));
		EXPECT_EQ(1, count_lines(self->err.data))
			TH_LOG("%s", self->err.data);
		EXPECT_EQ(0, self->out.len);
		EXPECT_NE(NULL, strstr(self->err.data, "exclude each other"));
	}
	/* The same one twice is no conflict. */
	EXPECT_EQ(0, run_on_rec(self->dir, "report", again, &self->out,
				&self->err));
}

TEST_HARNESS_MAIN
