// SPDX-License-Identifier: GPL-2.0
/*
 * The view options that report, script and export share or that some
 * formats take (issue 10): --kernel-only and --user-only keep one side
 * of each stack and drop the samples left empty; --per-thread roots
 * folded stacks at "comm-PID/TID" and gives report a table per thread;
 * report --call-graph prints each entry's callers as a tree.  Checked on
 * the regression recording (tests/regress/split-6.12.sonde) with user
 * frames unresolved under an empty --symfs, as tests/regress/run reads
 * it, and on a recording made here of one process with two threads.
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

/* Sum of the counts of the folded lines of @text whose root is @root. */
static unsigned long long root_count(const char *text, const char *root)
{
	unsigned long long n = 0;
	size_t len = strlen(root);
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');

		if (!nl)
			nl = line + strlen(line);
		if (!strncmp(line, root, len) && line[len] == ';') {
			const char *sp = nl;

			while (sp > line && sp[-1] != ' ')
				sp--;
			n += strtoull(sp, NULL, 10);
		}
		line = *nl ? nl + 1 : nl;
	}
	return n;
}

/*
 * A recording at DIR/marks.sonde: one process, 1 sample whose kernel
 * chain was cut (a "[truncated]" marker after its kernel frames) above
 * 2 user frames, and 1 with user frames only.
 */
static int write_marks_rec(const char *dir, char *path, size_t size)
{
	__u64 k[2] = { 0xffffffff81000100ULL, 0xffffffff81000200ULL };
	__u64 u[2] = { 0x401000, 0x401100 };
	unsigned char rec[256];
	struct rec_writer *w;
	size_t len;
	int fd, err;

	snprintf(path, size, "%s/marks.sonde", dir);
	err = rec_file_create(path, &w, &fd);
	if (err)
		return err;
	len = make_sample(rec, 1000, 0, 100, 100, SONDE_CTX_KERNEL,
			  SONDE_SAMPLE_KERNEL_TRUNCATED, k, 2, u, 2);
	err = rec_writer__append_records(w, 0, rec, len);
	len = make_sample(rec, 1001, 0, 100, 100, SONDE_CTX_USER, 0, NULL, 0,
			  u, 2);
	if (!err)
		err = rec_writer__append_records(w, 0, rec, len);
	if (!err)
		err = add_process(w, 100, "marks", 2000, "/bin/true",
				  0x400000, 0x500000, 0, NULL, 0);
	return rec_file_finish(w, fd, 2, err);
}

/* A marker goes with the part it marks: "[truncated]" here kernel's. */
TEST_F(views, markers_follow_their_part)
{
	char path[300];
	char *all[] = { "sonde", "export", "-i", path, NULL };
	char *kern[] = { "sonde", "export", "-i", path, "--kernel-only",
			 NULL };
	char *user[] = { "sonde", "export", "-i", path, "--user-only", NULL };
	char *rk[] = { "sonde", "report", "-i", path, "--kernel-only", NULL };
	char *ru[] = { "sonde", "report", "-i", path, "--user-only", NULL };

	ASSERT_EQ(0, write_marks_rec(self->dir, path, sizeof(path)));
	ASSERT_EQ(0, run_sonde(all, NULL, &self->out, &self->err))
		TH_LOG("%s", self->err.data);
	/* Root first: the marker stands above the kernel frames. */
	EXPECT_NE(NULL, strstr(self->out.data, ";[truncated];[unknown]_[k];"))
		TH_LOG("%s", self->out.data);
	ASSERT_EQ(0, run_sonde(kern, NULL, &self->out, &self->err));
	/* One line: the marker, then the kernel frames. */
	EXPECT_EQ(1, count_lines(self->out.data)) TH_LOG("%s", self->out.data);
	EXPECT_STREQ("marks;[truncated];[unknown]_[k];[unknown]_[k] 1\n",
		     self->out.data);
	ASSERT_EQ(0, run_sonde(user, NULL, &self->out, &self->err));
	EXPECT_EQ(NULL, strstr(self->out.data, "[truncated]"));
	EXPECT_EQ(NULL, strstr(self->out.data, "_[k]"));
	EXPECT_EQ(2, root_count(self->out.data, "marks"))
		TH_LOG("%s", self->out.data);
	ASSERT_EQ(0, run_sonde(rk, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->out.data, "# truncated: 1 stacks"));
	EXPECT_NE(NULL, strstr(self->out.data, "# shown: 1 samples after filters"));
	ASSERT_EQ(0, run_sonde(ru, NULL, &self->out, &self->err));
	EXPECT_EQ(NULL, strstr(self->out.data, "# truncated:"));
	EXPECT_EQ(NULL, strstr(self->out.data, "# shown:"));
}

/*
 * A recording at DIR/threads.sonde: process 100 named "two words" with
 * threads 100 (3 samples) and 101 (2), each sample a user leaf and its
 * caller in /bin/true.
 */
static int write_threads_rec(const char *dir, char *path, size_t size)
{
	__u64 u[2] = { 0x401000, 0x401100 };
	unsigned char rec[256];
	struct rec_writer *w;
	unsigned int i;
	int fd, err;

	snprintf(path, size, "%s/threads.sonde", dir);
	err = rec_file_create(path, &w, &fd);
	if (err)
		return err;
	for (i = 0; !err && i < 5; i++) {
		size_t len = make_sample(rec, 1000 + i, 0, 100,
					 i < 3 ? 100 : 101, SONDE_CTX_USER, 0,
					 NULL, 0, u, 2);

		err = rec_writer__append_records(w, 0, rec, len);
	}
	if (!err)
		err = add_process(w, 100, "two words", 2000, "/bin/true",
				  0x400000, 0x500000, 0, NULL, 0);
	return rec_file_finish(w, fd, 5, err);
}

TEST_F(views, per_thread_folded)
{
	char path[300];
	char *pt[] = { "sonde", "export", "-i", path, "--per-thread", NULL };
	char *plain[] = { "sonde", "export", "-i", path, NULL };

	ASSERT_EQ(0, write_threads_rec(self->dir, path, sizeof(path)));
	ASSERT_EQ(0, run_sonde(pt, NULL, &self->out, &self->err))
		TH_LOG("%s", self->err.data);
	/* stackcollapse-perf.pl --tid: comm-PID/TID, spaces made '_'. */
	EXPECT_EQ(3, root_count(self->out.data, "two_words-100/100"))
		TH_LOG("%s", self->out.data);
	EXPECT_EQ(2, root_count(self->out.data, "two_words-100/101"));
	EXPECT_EQ(2, count_lines(self->out.data));
	ASSERT_EQ(0, run_sonde(plain, NULL, &self->out, &self->err));
	EXPECT_EQ(5, root_count(self->out.data, "two words"));
	EXPECT_EQ(1, count_lines(self->out.data));
}

TEST_F(views, per_thread_formats)
{
	static const char *const apart[] = { "pprof", "perf-script",
		"perfview", "speedscope", "chrome" };
	char path[300], out[320], fmt[16];
	char *svg[] = { "sonde", "export", "-i", path, "-f", "svg",
			"--per-thread", NULL };
	char *ok[] = { "sonde", "export", "-i", path, "-f", fmt,
		       "--per-thread", "-o", out, NULL };
	unsigned int i;

	ASSERT_EQ(0, write_threads_rec(self->dir, path, sizeof(path)));
	snprintf(out, sizeof(out), "%s/out", self->dir);
	EXPECT_EQ(2, run_sonde(svg, NULL, &self->out, &self->err));
	EXPECT_EQ(1, count_lines(self->err.data));
	EXPECT_EQ(0, self->out.len);
	/* Formats that show threads apart already take it, unchanged. */
	for (i = 0; i < ARRAY_SIZE(apart); i++) {
		snprintf(fmt, sizeof(fmt), "%s", apart[i]);
		EXPECT_EQ(0, run_sonde(ok, NULL, &self->out, &self->err))
			TH_LOG("%s: %s", fmt, self->err.data);
	}
}

TEST_F(views, per_thread_report)
{
	char path[300];
	char *rep[] = { "sonde", "report", "-i", path, "--per-thread", NULL };
	char *tid[] = { "sonde", "report", "-i", path, "--per-thread",
			"--sort", "tid", NULL };
	const char *a, *b;

	ASSERT_EQ(0, write_threads_rec(self->dir, path, sizeof(path)));
	ASSERT_EQ(0, run_sonde(rep, NULL, &self->out, &self->err))
		TH_LOG("%s", self->err.data);
	/* The busier thread first; percentages of all samples. */
	a = strstr(self->out.data,
		   "# thread: two words 100/100: 3 samples, 60.00%\n");
	b = strstr(self->out.data,
		   "# thread: two words 100/101: 2 samples, 40.00%\n");
	ASSERT_NE(NULL, a) TH_LOG("%s", self->out.data);
	ASSERT_NE(NULL, b);
	EXPECT_LT(a, b);
	/* Each section's leaf: 3 then 2 samples. */
	EXPECT_NE(NULL, strstr(a, "  60.00%   60.00%         3  [.] "));
	EXPECT_NE(NULL, strstr(b, "  40.00%   40.00%         2  [.] "));
	EXPECT_EQ(2, run_sonde(tid, NULL, &self->out, &self->err));
	EXPECT_EQ(1, count_lines(self->err.data));
}

/*
 * Tree levels from @from on are complete: none may have had exactly one
 * caller with its whole share, which is a straight chain's next link
 * and must be printed as one (a line without a share).  Level 0 is the
 * entry's table row, not a tree node.
 */
static void check_folded(struct __test_metadata *_metadata,
			 const double *pct, const double *kid_pct,
			 unsigned int *kids, unsigned int from)
{
	unsigned int d;

	for (d = from > 0 ? from : 1; d < 256; d++) {
		EXPECT_FALSE(kids[d] == 1 && kid_pct[d] + 0.005 >= pct[d])
			TH_LOG("a caller with all of %.2f%% is not folded",
			       pct[d]);
		kids[d] = 0;
	}
}

/*
 * Check the trees of a report --call-graph: every caller has at most
 * the share of what it called (the entry: its self, or total with
 * --children), the callers of one node add up to at most it, and
 * straight chains are folded: a line without a share (the next link of
 * one) follows a tree line, and no node has just one caller with all
 * of its share.  Returns the number of tree lines; @links, if not
 * NULL, the number of links folded.
 */
static unsigned int check_tree(struct __test_metadata *_metadata,
			       const char *text, bool children,
			       unsigned int *links)
{
	double pct[256], sum[256], kid_pct[256];
	unsigned int kids[256] = { 0 };
	unsigned int lines = 0, depth, d, folded = 0;
	const char *line = text;
	bool in_table = false, in_tree = false;

	while (*line) {
		const char *nl = strchr(line, '\n');
		unsigned int sp = strspn(line, " ");
		double self, total;

		if (!nl)
			nl = line + strlen(line);
		if (!strncmp(line, "# Children", 10))
			in_table = true;
		if (in_table && sp >= 2 && sp <= 5 &&
		    sscanf(line, " %lf%% %lf%%", &total, &self) == 2) {
			check_folded(_metadata, pct, kid_pct, kids, 0);
			pct[0] = children ? total : self;
			sum[0] = 0;
			in_tree = false;
		} else if (in_table && sp >= 14 && line[sp] == '[') {
			EXPECT_TRUE(in_tree) TH_LOG("%.*s", (int)(nl - line),
						    line);
			folded++;
		} else if (in_table && sp >= 14 && line[sp] != '\n') {
			depth = (sp - 14) / 2;
			/* "%6.2f" pads below 10%: one more space. */
			if (line[sp + 1] == '.')
				depth = (sp - 15) / 2;
			ASSERT_LT(depth + 1, 256);
			pct[depth + 1] = strtod(line + sp, NULL);
			check_folded(_metadata, pct, kid_pct, kids, depth + 1);
			kids[depth]++;
			kid_pct[depth] = pct[depth + 1];
			in_tree = true;
			/* The harness compares integers: these are doubles. */
			EXPECT_TRUE(pct[depth] + 0.005 >= pct[depth + 1])
				TH_LOG("%.*s", (int)(nl - line), line);
			sum[depth] += pct[depth + 1];
			EXPECT_TRUE(pct[depth] + 0.01 * 64 >= sum[depth])
				TH_LOG("%.*s", (int)(nl - line), line);
			for (d = depth + 1; d < 256; d++)
				sum[d] = 0;
			lines++;
		}
		line = *nl ? nl + 1 : nl;
	}
	check_folded(_metadata, pct, kid_pct, kids, 0);
	if (links)
		*links = folded;
	return lines;
}

TEST_F(views, call_graph)
{
	char *cg[] = { "--kernel-only", "--call-graph=0", NULL };
	char *ch[] = { "--children", "--call-graph", NULL };
	char *cg2[] = { "--call-graph=2", "-n", "5", NULL };
	char *bad[] = { "--call-graph=101", NULL };
	char *dso[] = { "--call-graph", "--sort", "dso", NULL };
	struct buf again = { 0 };
	unsigned int links;
	const char *row;

	ASSERT_EQ(0, run_on_rec(self->dir, "report", cg, &self->out,
				&self->err)) TH_LOG("%s", self->err.data);
	EXPECT_LT(20, check_tree(_metadata, self->out.data, false, &links));
	/* Issue 10: straight chains are folded, as perf report does. */
	EXPECT_LT(100, links);
	EXPECT_NE(NULL, strstr(self->out.data,
			       "46.04%  [k] task_sched_runtime  [kernel.kallsyms]\n"
			       "                       [k] cpu_clock_sample  [kernel.kallsyms]\n"
			       "                       [k] posix_cpu_clock_get  [kernel.kallsyms]\n"))
		TH_LOG("%s", self->out.data);
	/* The syscall entry calls do_syscall_64, whose self is all its. */
	row = strstr(self->out.data,
		     "   16.23%        43  [k] do_syscall_64  [kernel.kallsyms]\n");
	ASSERT_NE(NULL, row) TH_LOG("%s", self->out.data);
	row = strchr(row, '\n') + 1;
	EXPECT_EQ(0, strncmp(row, "               16.23%  [k] entry_SYSCALL_64_after_hwframe  [kernel.kallsyms]\n", 77));
	/* So does every tree that reaches a system call. */
	EXPECT_NE(NULL, strstr(self->out.data,
			       "  [k] __x64_sys_clock_gettime  [kernel.kallsyms]\n"));
	/* The same bytes twice. */
	ASSERT_EQ(0, run_on_rec(self->dir, "report", cg, &again, &self->err));
	EXPECT_EQ(self->out.len, again.len);
	EXPECT_EQ(0, memcmp(self->out.data, again.data, again.len));
	buf__free(&again);

	ASSERT_EQ(0, run_on_rec(self->dir, "report", ch, &self->out,
				&self->err));
	EXPECT_LT(0, check_tree(_metadata, self->out.data, true, NULL));
	EXPECT_NE(NULL, strstr(self->out.data, "# call graph: callers of each entry, 0.50% and more\n"));

	/* The split workload's leaves, called from its other functions. */
	ASSERT_EQ(0, run_on_rec(self->dir, "report", cg2, &self->out,
				&self->err));
	EXPECT_LT(0, check_tree(_metadata, self->out.data, false, NULL));
	row = strstr(self->out.data, "[.] split+0x1600  ");
	ASSERT_NE(NULL, row);
	row = strchr(row, '\n') + 1;
	EXPECT_NE(NULL, strstr(row, "[.] split+0x1215  ")) TH_LOG("%s", row);

	EXPECT_EQ(2, run_on_rec(self->dir, "report", bad, &self->out,
				&self->err));
	EXPECT_EQ(1, count_lines(self->err.data));
	EXPECT_EQ(2, run_on_rec(self->dir, "report", dso, &self->out,
				&self->err));
	EXPECT_EQ(1, count_lines(self->err.data));
}

TEST_HARNESS_MAIN
