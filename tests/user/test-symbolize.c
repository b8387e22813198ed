// SPDX-License-Identifier: GPL-2.0
/*
 * Report, script and export of a synthetic recording
 * whose sample addresses point into a real PIE built for the test
 * (fixture.c) through a fake mapping, plus fake kernel symbols.  Expected
 * outputs are computed from the same table the samples are built from.
 */
#include "kselftest_harness.h"

#include "lib/buildid.h"
#include "fixture-syms.h"
#include "helpers.h"

#include <stdarg.h>
#include <sys/stat.h>

static double fabs_diff(double a, double b)
{
	return a > b ? a - b : b - a;
}

#define MAP_START	(0x555555554000ULL + TEXT_VADDR)
#define MAP_END		(MAP_START + 0x10000)
#define USER(sym, off)	(MAP_START + (SYM_##sym - TEXT_VADDR) + (off))
/* A return address: inside the caller, past its first byte. */
#define RET(sym)	USER(sym, SIZE_##sym / 2)
#define KBASE		0xffffffff81000000ULL

static const char kallsyms_text[] =
	"ffffffff81000000 T kfn_a\n"
	"ffffffff81000100 T kfn_b\n"
	"ffffffff81000200 t kidle\n"
	"ffffffff81000300 T kend\n";

struct spec {
	__u32 pid, tid, cpu;
	__u16 context, flags;
	unsigned int count;
	__u64 k[4];
	unsigned int nk;
	__u64 u[4];
	unsigned int nu;
	const char *folded;	/* expected line, without the count */
};

static const struct spec specs[] = {
	{ 100, 100, 0, SONDE_CTX_USER, SONDE_SAMPLE_USER_REGS, 5, {}, 0,
	  { USER(fixture_leaf, 5), RET(fixture_mid), RET(fixture_top),
	    RET(main) }, 4,
	  "fixture;main;fixture_top;fixture_mid;fixture_leaf" },
	{ 100, 101, 1, SONDE_CTX_KERNEL, SONDE_SAMPLE_USER_REGS, 3,
	  { KBASE + 0x110, KBASE + 0x20 }, 2,
	  { USER(fixture_mid, 8), RET(fixture_top), RET(main) }, 3,
	  "fixture;main;fixture_top;fixture_mid;kfn_a_[k];kfn_b_[k]" },
	{ 0, 0, 1, SONDE_CTX_IDLE, SONDE_SAMPLE_KTHREAD, 2,
	  { KBASE + 0x204, KBASE + 0x30 }, 2, {}, 0,
	  "swapper;kfn_a_[k];kidle_[k]" },
	{ 100, 100, 0, SONDE_CTX_KERNEL,
	  SONDE_SAMPLE_KERNEL_HIDDEN | SONDE_SAMPLE_USER_REGS, 1, {}, 0,
	  { USER(fixture_top, 2), RET(main) }, 2,
	  "fixture;main;fixture_top" },
	{ 200, 200, 0, SONDE_CTX_USER, SONDE_SAMPLE_USER_REGS, 1, {}, 0,
	  { 0x1234 }, 1, ":200;[unknown]" },
};

#define NR_LOST		4

static unsigned int total_samples(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(specs); i++)
		n += specs[i].count;
	return n;
}

static int write_recording(const char *path, bool wrong_build_id)
{
	unsigned char bid[BUILD_ID_MAX], rec[1024];
	struct rec_writer *w;
	unsigned int i, j;
	__u64 t = 1000000;
	int fd, n, err;

	fd = open(FIXTURE_BIN, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = buildid__from_fd(fd, bid, sizeof(bid));
	close(fd);
	if (n <= 0)
		return -ENOEXEC;
	if (wrong_build_id)
		bid[0] ^= 0xff;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	err = rec_writer__new_fd(&w, fd);
	if (err)
		return err;
	err = add_session(w, 1000);
	for (i = 0; !err && i < ARRAY_SIZE(specs); i++) {
		const struct spec *s = &specs[i];

		for (j = 0; !err && j < s->count; j++) {
			size_t len = make_sample(rec, t += 1000, s->cpu, s->pid,
						 s->tid, s->context, s->flags,
						 s->k, s->nk, s->u, s->nu);

			err = rec_writer__append_records(w, s->cpu, rec, len);
		}
	}
	if (!err)
		err = rec_writer__append_records(w, 0, rec,
						 make_lost(rec, t, 0, NR_LOST));
	/* Snapshot after the samples, as record does. */
	if (!err)
		err = add_process(w, 100, "fixture", t + 1, FIXTURE_BIN,
				  MAP_START, MAP_END, TEXT_OFFSET, bid, n);
	if (!err)
		err = rec_writer__add_section_z(w, SREC_SEC_KALLSYMS, 0,
						kallsyms_text,
						sizeof(kallsyms_text) - 1);
	if (!err)
		err = add_end(w, total_samples(), NR_LOST);
	if (!err)
		err = rec_writer__finish(w);
	rec_writer__free(w);
	close(fd);
	return err;
}

FIXTURE(rec) {
	char *dir;
	char path[256];
	struct buf out, err;
};

FIXTURE_SETUP(rec)
{
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	snprintf(self->path, sizeof(self->path), "%s/rec.data", self->dir);
	ASSERT_EQ(0, write_recording(self->path, false));
	memset(&self->out, 0, sizeof(self->out));
	memset(&self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(rec)
{
	remove_tree(self->dir);
	free(self->dir);
	buf__free(&self->out);
	buf__free(&self->err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/* The expected folded output, from specs[] alone. */
static char *expected_folded(void)
{
	char *lines[ARRAY_SIZE(specs)], *all;
	struct buf b = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(specs); i++)
		if (asprintf(&lines[i], "%s %u\n", specs[i].folded,
			     specs[i].count) < 0)
			return NULL;
	qsort(lines, ARRAY_SIZE(specs), sizeof(lines[0]), cmp_str);
	for (i = 0; i < ARRAY_SIZE(specs); i++) {
		buf__append(&b, lines[i], strlen(lines[i]));
		free(lines[i]);
	}
	buf__append(&b, "", 1);
	all = b.data;
	return all;
}

static unsigned long long sum_folded(const char *text)
{
	unsigned long long sum = 0;
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		const char *sp = memrchr(line, ' ', nl ? (size_t)(nl - line) :
					 strlen(line));

		if (sp)
			sum += strtoull(sp + 1, NULL, 10);
		line = nl ? nl + 1 : NULL;
	}
	return sum;
}

TEST_F(rec, folded_golden)
{
	char *argv[] = { "sonde", "export", "-i", self->path, "-f", "folded",
			 NULL };
	char *expect = expected_folded();

	ASSERT_NE(NULL, expect);
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err))
		TH_LOG("stderr: %s", self->err.data);
	EXPECT_STREQ(expect, self->out.data);
	EXPECT_EQ(total_samples(), sum_folded(self->out.data));
	free(expect);
}

TEST_F(rec, folded_to_file)
{
	char out[300], *text;
	char *argv[] = { "sonde", "export", "-i", self->path, "-o", out,
			 NULL };
	size_t len;

	snprintf(out, sizeof(out), "%s/out.folded", self->dir);
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_EQ(0, self->out.len);
	ASSERT_EQ(0, read_file(out, &text, &len));
	EXPECT_EQ(total_samples(), sum_folded(text));
	free(text);
}

/* The row of @report containing @needle, or NULL. */
static const char *row(const char *report, const char *needle)
{
	const char *p = strstr(report, needle);

	while (p && p > report && p[-1] != '\n')
		p--;
	return p;
}

/* The total%, self% and sample count a report row starts with. */
static bool parse_row(const char *r, double *total, double *selfp,
		      unsigned long long *n)
{
	return r && sscanf(r, " %lf%% %lf%% %llu", total, selfp, n) == 3;
}

TEST_F(rec, report_table)
{
	char *argv[] = { "sonde", "report", "-i", self->path, NULL };
	char expect[64];
	const char *r;
	unsigned long long self_n;
	double total, selfp;

	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err))
		TH_LOG("stderr: %s", self->err.data);
	snprintf(expect, sizeof(expect), "# samples: %u\n", total_samples());
	EXPECT_NE(NULL, strstr(self->out.data, expect));
	EXPECT_NE(NULL, strstr(self->out.data, "# lost: 4\n"));
	EXPECT_NE(NULL, strstr(self->out.data, self->path));

	r = row(self->out.data, "[.] fixture_leaf");
	ASSERT_NE(NULL, r) TH_LOG("%s", self->out.data);
	ASSERT_TRUE(parse_row(r, &total, &selfp, &self_n));
	EXPECT_EQ(specs[0].count, self_n);
	EXPECT_NE(NULL, strstr(r, FIXTURE_BIN));

	r = row(self->out.data, "[k] kfn_b");
	ASSERT_NE(NULL, r);
	ASSERT_TRUE(parse_row(r, &total, &selfp, &self_n));
	EXPECT_EQ(specs[1].count, self_n);
	EXPECT_NE(NULL, strstr(r, "[kernel.kallsyms]"));

	/* fixture_top is never a leaf but for spec 3: self 1, total 9. */
	r = row(self->out.data, "[.] fixture_top");
	ASSERT_NE(NULL, r);
	ASSERT_TRUE(parse_row(r, &total, &selfp, &self_n));
	EXPECT_EQ(1, self_n);
	EXPECT_LT(fabs_diff(total, 100.0 * 9 / total_samples()), 0.01);
}

TEST_F(rec, report_children_and_filters)
{
	char *argv[] = { "sonde", "report", "-i", self->path, "--children",
			 "--pid", "100", NULL };
	char *argv2[] = { "sonde", "report", "-i", self->path, "--sort",
			  "comm", NULL };
	unsigned long long n;
	double total, selfp;
	const char *r;

	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->out.data, "# shown: 9 samples"));
	/* main is only a caller: listed with --children, at 100%. */
	r = row(self->out.data, "[.] main");
	ASSERT_NE(NULL, r) TH_LOG("%s", self->out.data);
	ASSERT_TRUE(parse_row(r, &total, &selfp, &n));
	EXPECT_EQ(0, n);
	EXPECT_LT(fabs_diff(total, 100.0), 0.01);

	ASSERT_EQ(0, run_sonde(argv2, NULL, &self->out, &self->err));
	r = row(self->out.data, "fixture\n");
	ASSERT_NE(NULL, r) TH_LOG("%s", self->out.data);
	ASSERT_TRUE(parse_row(r, &total, &selfp, &n));
	EXPECT_EQ(9, n);
	r = row(self->out.data, "swapper\n");
	ASSERT_NE(NULL, r);
	ASSERT_TRUE(parse_row(r, &total, &selfp, &n));
	EXPECT_EQ(2, n);
}

TEST_F(rec, script_layout)
{
	char *argv[] = { "sonde", "script", "-i", self->path, NULL };
	char needle[512];
	unsigned int headers = 0, frames = 0;
	const char *line;

	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err))
		TH_LOG("stderr: %s", self->err.data);
	for (line = self->out.data; line && *line;) {
		const char *nl = strchr(line, '\n');

		if (*line == '\t')
			frames++;
		else if (*line != '\n')
			headers++;
		line = nl ? nl + 1 : NULL;
	}
	EXPECT_EQ(total_samples(), headers);
	EXPECT_EQ(5 * 4 + 3 * 5 + 2 * 2 + 1 * 2 + 1, frames);
	/*
	 * perf script's layout, which stackcollapse-perf.pl parses,
	 * including the space between "cpu-clock:" and the newline.
	 */
	snprintf(needle, sizeof(needle),
		 "fixture   100/100   [000]     0.001001:    1000000 cpu-clock:%c\n",
		 ' ');
	EXPECT_NE(NULL, strstr(self->out.data, needle))
		TH_LOG("%s", self->out.data);
	snprintf(needle, sizeof(needle), "\t%16llx fixture_leaf+0x5 (%s)\n",
		 USER(fixture_leaf, 5), FIXTURE_BIN);
	EXPECT_NE(NULL, strstr(self->out.data, needle));
	snprintf(needle, sizeof(needle), "\t%16llx kfn_b+0x10 ([kernel.kallsyms])\n",
		 KBASE + 0x110);
	EXPECT_NE(NULL, strstr(self->out.data, needle));
	EXPECT_NE(NULL, strstr(self->out.data, "swapper     0/0     [001]"));
	EXPECT_NE(NULL, strstr(self->out.data, "[unknown] ([unknown])"));
}

TEST_F(rec, commands_agree)
{
	char *rep[] = { "sonde", "report", "-i", self->path, "--sort", "pid",
			NULL };
	char *exp[] = { "sonde", "export", "-i", self->path, NULL };
	char *scr[] = { "sonde", "script", "-i", self->path, NULL };
	unsigned long long folded, n, sum = 0;
	unsigned int headers = 0;
	const char *line;
	double a, b;

	ASSERT_EQ(0, run_sonde(exp, NULL, &self->out, &self->err));
	folded = sum_folded(self->out.data);
	ASSERT_EQ(0, run_sonde(scr, NULL, &self->out, &self->err));
	for (line = self->out.data; line && *line;) {
		const char *nl = strchr(line, '\n');

		headers += *line != '\t' && *line != '\n';
		line = nl ? nl + 1 : NULL;
	}
	ASSERT_EQ(0, run_sonde(rep, NULL, &self->out, &self->err));
	for (line = self->out.data; line && *line;) {
		const char *nl = strchr(line, '\n');

		if (*line != '#' && sscanf(line, " %lf%% %lf%% %llu", &a, &b,
					   &n) == 3)
			sum += n;
		line = nl ? nl + 1 : NULL;
	}
	EXPECT_EQ(total_samples(), folded);
	EXPECT_EQ(total_samples(), headers);
	EXPECT_EQ(total_samples(), sum);
}

TEST_F(rec, build_id_mismatch)
{
	char *argv[] = { "sonde", "export", "-i", self->path, NULL };

	ASSERT_EQ(0, write_recording(self->path, true));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	/* Refused, not guessed: the file offsets show instead of names. */
	EXPECT_EQ(NULL, strstr(self->out.data, "fixture_leaf"));
	EXPECT_NE(NULL, strstr(self->out.data, ";fixture+0x"));
	EXPECT_NE(NULL, strstr(self->err.data, "build-id"));
	EXPECT_EQ(total_samples(), sum_folded(self->out.data));
}

TEST_F(rec, cut_short)
{
	char *argv[] = { "sonde", "report", "-i", self->path, NULL };
	struct stat st;

	ASSERT_EQ(0, stat(self->path, &st));
	/* Cut inside the kallsyms section: every sample is before it. */
	ASSERT_EQ(0, truncate(self->path, st.st_size - 60));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_EQ(1, count_lines(self->err.data)) TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->err.data, "truncated at byte"));
	EXPECT_NE(NULL, strstr(self->out.data, "# samples: 12\n"));
}

/* Many distinct unknown processes: far more output than stdio buffers. */
static int write_many(const char *path, unsigned int nr)
{
	unsigned char rec[1024];
	struct rec_writer *w;
	__u64 addr = 0x1234;
	unsigned int i;
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	err = rec_writer__new_fd(&w, fd);
	if (err)
		return err;
	err = add_session(w, 1000);
	for (i = 0; !err && i < nr; i++)
		err = rec_writer__append_records(w, 0, rec,
				make_sample(rec, 1000 + i, 0, 1000 + i,
					    1000 + i, SONDE_CTX_USER,
					    SONDE_SAMPLE_USER_REGS, NULL, 0,
					    &addr, 1));
	if (!err)
		err = add_end(w, nr, 0);
	if (!err)
		err = rec_writer__finish(w);
	rec_writer__free(w);
	close(fd);
	return err;
}

/* `sonde script | head`: the reader leaving early is not an error. */
TEST_F(rec, closed_stdout_is_quiet)
{
	char *scr[] = { "sonde", "script", "-i", self->path, NULL };
	char *exp[] = { "sonde", "export", "-i", self->path, NULL };

	/* Over 64 KiB of output either way: writes fail before exit. */
	ASSERT_EQ(0, write_many(self->path, 4000));
	EXPECT_EQ(0, run_sonde_closed_stdout(scr, &self->err));
	EXPECT_EQ(0, self->err.len) TH_LOG("script: %s", self->err.data);
	EXPECT_EQ(0, run_sonde_closed_stdout(exp, &self->err));
	EXPECT_EQ(0, self->err.len) TH_LOG("export: %s", self->err.data);
}

/*
 * Which snapshot a sample uses.  pid 300 runs as record's -- COMMAND
 * does: a copy of sonde (PRE_EXEC snapshot at 2000) execs the command
 * (EXEC snapshot at 5000, the image mapped elsewhere; FINAL at 9000).
 * pid 301 keeps one mapping under two comms, so only the time can
 * tell its snapshots apart.
 */
#define EXEC_BASE	(MAP_START + 0x1000000)
#define EXEC_USER(sym)	(EXEC_BASE + (SYM_##sym - TEXT_VADDR) + 5)

static const struct {
	__u32 pid;
	__u64 time_ns;
	__u64 addr;
	unsigned int count;
} timed[] = {
	/* Before the pre-exec snapshot: it is the first one after. */
	{ 300, 1500, USER(fixture_leaf, 5), 1 },
	/* Between the two: by time the EXEC one, by address the old image. */
	{ 300, 3000, USER(fixture_mid, 5), 2 },
	{ 300, 4000, EXEC_USER(fixture_leaf), 4 },
	{ 300, 6000, EXEC_USER(fixture_top), 3 },
	{ 301, 1000, USER(fixture_leaf, 5), 5 },
	{ 301, 4000, USER(fixture_leaf, 5), 6 },
	/* After every snapshot: the last one. */
	{ 301, 7000, USER(fixture_leaf, 5), 7 },
};

static const char timed_folded[] =
	"fixture;fixture_leaf 4\n"
	"fixture;fixture_top 3\n"
	"new;fixture_leaf 13\n"
	"old;fixture_leaf 5\n"
	"sonde;fixture_leaf 1\n"
	"sonde;fixture_mid 2\n";

static int write_timed(const char *path)
{
	unsigned char rec[1024];
	struct rec_writer *w;
	unsigned int i, j, n = 0;
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	err = rec_writer__new_fd(&w, fd);
	if (err)
		return err;
	err = add_session(w, 1000);
	for (i = 0; !err && i < ARRAY_SIZE(timed); i++) {
		for (j = 0; !err && j < timed[i].count; j++) {
			size_t len = make_sample(rec, timed[i].time_ns + j, 0,
						 timed[i].pid, timed[i].pid,
						 SONDE_CTX_USER,
						 SONDE_SAMPLE_USER_REGS, NULL,
						 0, &timed[i].addr, 1);

			err = rec_writer__append_records(w, 0, rec, len);
			n++;
		}
	}
	/* In the order record writes them: EXEC and FINAL after samples. */
	if (!err)
		err = add_process_flags(w, 300, "sonde", 2000,
					SREC_PROC_PRE_EXEC, FIXTURE_BIN,
					MAP_START, MAP_END, TEXT_OFFSET,
					NULL, 0);
	if (!err)
		err = add_process_flags(w, 300, "fixture", 5000,
					SREC_PROC_EXEC, FIXTURE_BIN, EXEC_BASE,
					EXEC_BASE + 0x10000, TEXT_OFFSET,
					NULL, 0);
	if (!err)
		err = add_process_flags(w, 300, "fixture", 9000,
					SREC_PROC_FINAL, FIXTURE_BIN,
					EXEC_BASE, EXEC_BASE + 0x10000,
					TEXT_OFFSET, NULL, 0);
	if (!err)
		err = add_process_flags(w, 301, "new", 5000, SREC_PROC_FINAL,
					FIXTURE_BIN, MAP_START, MAP_END,
					TEXT_OFFSET, NULL, 0);
	if (!err)
		err = add_process_flags(w, 301, "old", 2000, 0, FIXTURE_BIN,
					MAP_START, MAP_END, TEXT_OFFSET,
					NULL, 0);
	if (!err)
		err = add_end(w, n, 0);
	if (!err)
		err = rec_writer__finish(w);
	rec_writer__free(w);
	close(fd);
	return err;
}

TEST_F(rec, snapshot_by_time)
{
	char *argv[] = { "sonde", "export", "-i", self->path, NULL };

	ASSERT_EQ(0, write_timed(self->path));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err))
		TH_LOG("stderr: %s", self->err.data);
	EXPECT_STREQ(timed_folded, self->out.data);
	EXPECT_EQ(0, self->err.len) TH_LOG("%s", self->err.data);
}

/*
 * Issue 7 item 17: one process with 2,000 snapshots of 32 mappings each;
 * 100,000 samples at an address no snapshot maps and 1,000 at one only
 * the first snapshot maps (the near search has to find it from the last).
 * Scanning every snapshot per sample took minutes; the 20 s alarm of
 * run_sonde() fails such a run.
 */
static int write_many_snapshots(const char *path)
{
	const unsigned int nsnaps = 2000, nmaps = 32;
	__u64 miss = 0x1000, hit = USER(fixture_leaf, 5);
	unsigned char rec[256];
	struct rec_writer *w;
	unsigned int i, j;
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	err = rec_writer__new_fd(&w, fd);
	if (err)
		return err;
	err = add_session(w, 1000);
	for (i = 0; !err && i < 101000; i++)
		err = rec_writer__append_records(w, 0, rec,
			make_sample(rec, 1000000000ULL + i, 0, 500, 500,
				    SONDE_CTX_USER, SONDE_SAMPLE_USER_REGS,
				    NULL, 0, i < 100000 ? &miss : &hit, 1));
	for (i = 0; !err && i < nsnaps; i++) {
		struct srec_process ph = { .pid = 500, .time_ns = i,
					   .nr_maps = nmaps };
		struct buf b = { 0 };
		char name[64];

		snprintf(ph.comm, sizeof(ph.comm), "fixture");
		err = buf__append(&b, &ph, sizeof(ph));
		for (j = 0; !err && j < nmaps; j++) {
			struct srec_map m = {
				.start = 0x7f0000000000ULL + j * 0x100000,
				.end = 0x7f0000000000ULL + j * 0x100000 +
				       0x10000,
			};
			const char *mp = name;

			snprintf(name, sizeof(name), "/nonexistent/%u.so", j);
			if (i == 0 && j == 0) {
				m.start = MAP_START;
				m.end = MAP_END;
				m.pgoff = TEXT_OFFSET;
				mp = FIXTURE_BIN;
			}
			m.path_len = strlen(mp);
			err = buf__append(&b, &m, sizeof(m));
			if (!err)
				err = buf__append(&b, mp, m.path_len + 1);
			if (!err)
				err = buf__pad8(&b);
		}
		if (!err)
			err = rec_writer__add_section(w, SREC_SEC_PROCESS, 0,
						      b.data, b.len);
		buf__free(&b);
	}
	if (!err)
		err = add_end(w, 101000, 0);
	if (!err)
		err = rec_writer__finish(w);
	rec_writer__free(w);
	close(fd);
	return err;
}

TEST_F(rec, item17_unmapped_ips_many_snapshots)
{
	char *argv[] = { "sonde", "export", "-i", self->path, NULL };

	ASSERT_EQ(0, write_many_snapshots(self->path));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err))
		TH_LOG("stderr: %s", self->err.data);
	EXPECT_STREQ("fixture;[unknown] 100000\nfixture;fixture_leaf 1000\n",
		     self->out.data);
}

/* One process mapping @bin like the fixture, 3 samples in fixture_leaf. */
static int write_mapping(const char *path, const char *bin)
{
	__u64 u[1] = { USER(fixture_leaf, 5) };
	unsigned char rec[256];
	struct rec_writer *w;
	int fd, err, i;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	err = rec_writer__new_fd(&w, fd);
	if (err)
		return err;
	err = add_session(w, 1000);
	for (i = 0; !err && i < 3; i++)
		err = rec_writer__append_records(w, 0, rec,
			make_sample(rec, 1000 + i, 0, 600, 600, SONDE_CTX_USER,
				    SONDE_SAMPLE_USER_REGS, NULL, 0, u, 1));
	if (!err)
		err = add_process(w, 600, "fixture", 2000, bin, MAP_START,
				  MAP_END, TEXT_OFFSET, NULL, 0);
	if (!err)
		err = add_end(w, 3, 0);
	if (!err)
		err = rec_writer__finish(w);
	rec_writer__free(w);
	close(fd);
	return err;
}

static int __attribute__((format(printf, 1, 2))) sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/*
 * Issue 7 item 18: a stripped binary's symbols come from its separate
 * debug file, found through .gnu_debuglink (next to it, in .debug/) or by
 * build-id under the debug root (SONDE_DEBUG_ROOT here, /usr/lib/debug by
 * default); a debug file whose CRC does not match is not used.
 */
TEST_F(rec, item18_separate_debug_files)
{
	char *argv[] = { "sonde", "export", "-i", self->path, NULL };
	char bin[300], root[300], hex[2 * BUILD_ID_MAX + 1];
	const char *d = self->dir;
	unsigned char bid[BUILD_ID_MAX];
	int fd, n;

	snprintf(bin, sizeof(bin), "%s/bin/prog", d);
	snprintf(root, sizeof(root), "%s/root", d);
	/* prog: the fixture stripped, linked to prog.debug. */
	ASSERT_EQ(0, sh("mkdir -p %s/bin && cd %s/bin && "
			"objcopy --only-keep-debug %s prog.debug && "
			"objcopy --strip-all --add-gnu-debuglink=prog.debug %s prog && "
			"mv prog.debug ../saved.debug", d, d, FIXTURE_BIN,
			FIXTURE_BIN));
	ASSERT_EQ(0, write_mapping(self->path, bin));

	/* Stripped, no debug file anywhere: unresolved. */
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_EQ(0, strncmp(self->out.data, "fixture;prog+0x", 15))
		TH_LOG("%s", self->out.data);

	/* .gnu_debuglink, next to the binary. */
	ASSERT_EQ(0, sh("cp %s/saved.debug %s/bin/prog.debug", d, d));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_STREQ("fixture;fixture_leaf 3\n", self->out.data)
		TH_LOG("%s", self->err.data);

	/* ... in .debug/ next to it. */
	ASSERT_EQ(0, sh("mkdir %s/bin/.debug && mv %s/bin/prog.debug %s/bin/.debug/",
			d, d, d));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_STREQ("fixture;fixture_leaf 3\n", self->out.data);

	/* A file of that name whose CRC differs is not it. */
	ASSERT_EQ(0, sh("cp %s/bin/prog %s/bin/.debug/prog.debug", d, d));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_EQ(0, strncmp(self->out.data, "fixture;prog+0x", 15))
		TH_LOG("%s", self->out.data);

	/* By build-id under the debug root. */
	fd = open(FIXTURE_BIN, O_RDONLY);
	ASSERT_LE(0, fd);
	n = buildid__from_fd(fd, bid, sizeof(bid));
	close(fd);
	ASSERT_LT(1, n);
	buildid__to_hex(bid, n, hex);
	ASSERT_EQ(0, sh("mkdir -p %s/.build-id/%.2s && cp %s/saved.debug %s/.build-id/%.2s/%s.debug",
			root, hex, d, root, hex, hex + 2));
	setenv("SONDE_DEBUG_ROOT", root, 1);
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	unsetenv("SONDE_DEBUG_ROOT");
	EXPECT_STREQ("fixture;fixture_leaf 3\n", self->out.data)
		TH_LOG("%s", self->err.data);
}

/*
 * Kernel addresses hidden at record time (kptr_restrict zeroes them in
 * /proc/kallsyms): every kernel frame is "[kernel]", said once, never
 * the first symbol of a table of zeros.
 */
TEST_F(rec, restricted_kallsyms)
{
	static const char zeros[] = "0000000000000000 T _stext\n"
				    "0000000000000000 T kfn_a\n";
	char *argv[] = { "sonde", "export", "-i", self->path, NULL };
	__u64 k[2] = { KBASE + 0x110, KBASE + 0x20 };
	unsigned char rec[256];
	struct rec_writer *w;
	int fd, err;

	ASSERT_EQ(0, rec_file_create(self->path, &w, &fd));
	err = rec_writer__append_records(w, 0, rec,
		make_sample(rec, 1000, 0, 0, 0, SONDE_CTX_IDLE,
			    SONDE_SAMPLE_KTHREAD, k, 2, NULL, 0));
	if (!err)
		err = rec_writer__add_section(w, SREC_SEC_KALLSYMS,
					      SREC_SF_RESTRICTED, zeros,
					      sizeof(zeros) - 1);
	ASSERT_EQ(0, rec_file_finish(w, fd, 1, err));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_STREQ("swapper;[kernel]_[k];[kernel]_[k] 1\n", self->out.data);
	EXPECT_NE(NULL, strstr(self->err.data, "kptr_restrict"))
		TH_LOG("%s", self->err.data);
	EXPECT_EQ(1, count_lines(self->err.data));
}

TEST_HARNESS_MAIN
