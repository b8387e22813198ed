// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON exporters (speedscope, Chrome's Trace Event Format, and lib/json.h's string literals they
 * share) over a profile model built here by hand: names with ';',
 * spaces, newlines, quotes, '<&>', control characters and invalid UTF-8,
 * kernel and inlined frames, three threads of two processes, interleaved
 * samples.  Each output is parsed back by Python's json module (strict:
 * the bytes must decode as UTF-8, no raw control character in a string),
 * which prints a summary the tests compare.
 */
#include "kselftest_harness.h"

#include "export/chrome.h"
#include "export/speedscope.h"
#include "lib/json.h"
#include "lib/util.h"
#include "profile/profile.h"
#include "sonde-version.h"

#define PERIOD	1000000ULL

enum {
	STR_EMPTY, STR_MAIN, STR_WEIRD, STR_CTL, STR_BAD, STR_OK, STR_APP,
	STR_KALLSYMS, STR_KFN, STR_INL, STR_COMM1, STR_COMM2, STR_SRC,
	NR_STRS
};

static const char *strs[NR_STRS] = {
	[STR_EMPTY] = "",
	[STR_MAIN] = "main",
	[STR_WEIRD] = "a;b c\nd\"e'<&>\\f/",
	[STR_CTL] = "ctl\x01\x1f\x7f\b\r\t",
	/* a stray continuation, an overlong NUL, a surrogate, a truncation */
	[STR_BAD] = "bad\xff\x80\xc0\x80\xed\xa0\x80 \xe2\x82",
	[STR_OK] = "ok\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
	[STR_APP] = "/bin/app",
	[STR_KALLSYMS] = "[kernel.kallsyms]",
	[STR_KFN] = "kfn",
	[STR_INL] = "inl",
	[STR_COMM1] = "comm one",
	[STR_COMM2] = "two\ttab",
	[STR_SRC] = "app.c",
};

enum { FN_MAIN, FN_WEIRD, FN_CTL, FN_BAD, FN_OK, FN_KFN, FN_INL, NR_FNS };

static struct profile_function fns[NR_FNS] = {
	[FN_MAIN] = { .name = STR_MAIN, .filename = STR_SRC, .dso = STR_APP },
	[FN_WEIRD] = { .name = STR_WEIRD, .dso = STR_APP },
	[FN_CTL] = { .name = STR_CTL, .dso = STR_APP },
	[FN_BAD] = { .name = STR_BAD, .dso = STR_APP },
	[FN_OK] = { .name = STR_OK, .dso = STR_APP },
	[FN_KFN] = { .name = STR_KFN, .dso = STR_KALLSYMS, .kernel = true },
	[FN_INL] = { .name = STR_INL, .dso = STR_APP },
};

static struct profile_line lines[] = { { .function = FN_INL } };

/* Location i is function i; FN_WEIRD has FN_INL inlined into it. */
static struct profile_location locs[NR_FNS - 1] = {
	{ .function = FN_MAIN },
	{ .function = FN_WEIRD, .inlined = 0, .nr_inlined = 1 },
	{ .function = FN_CTL },
	{ .function = FN_BAD },
	{ .function = FN_OK },
	{ .function = FN_KFN, .kernel = true },
};

/* Leaf first. */
static const __u32 st0[] = { FN_WEIRD, FN_MAIN };
static const __u32 st1[] = { FN_KFN, FN_CTL, FN_MAIN };
static const __u32 st2[] = { FN_BAD, FN_MAIN };
static const __u32 st3[] = { FN_OK, FN_MAIN };

static struct profile_stack stacks[] = {
	{ st0, 2, 3 }, { st1, 3, 3 }, { st2, 2, 1 }, { st3, 2, 1 },
};

static struct profile_process procs[] = {
	{ .pid = 10, .comm = STR_COMM1 }, { .pid = 20, .comm = STR_MAIN },
};

static struct profile_thread threads[] = {
	{ .pid = 10, .tid = 10, .comm = STR_COMM1, .process = 0, .count = 4 },
	{ .pid = 10, .tid = 11, .comm = STR_COMM2, .process = 0, .count = 2 },
	{ .pid = 20, .tid = 20, .comm = STR_MAIN, .process = 1, .count = 2 },
};

#define SMP(t, st, th, cpu, n) { (t), PERIOD, (st), (th), (cpu), (n) }
static struct profile_sample samples[] = {
	SMP(1000000000, 0, 0, 0, 1),
	SMP(1001000000, 0, 0, 0, 1),
	SMP(1001500000, 2, 1, 1, 1),
	SMP(1002000000, 1, 0, 0, 1),
	SMP(1002500000, 3, 1, 1, 1),
	SMP(1003000000, 0, 0, 1, 1),
	SMP(1004000000, 1, 2, 0, 2),
};

static void model(struct profile *p, bool empty)
{
	memset(p, 0, sizeof(*p));
	p->strings = strs;
	p->nr_strings = NR_STRS;
	p->functions = fns;
	p->nr_functions = NR_FNS;
	p->locations = locs;
	p->nr_locations = ARRAY_SIZE(locs);
	p->lines = lines;
	p->nr_lines = ARRAY_SIZE(lines);
	p->period_ns = PERIOD;
	p->start_ns = 1000000000;
	p->duration_ns = 5000000;
	if (empty)
		return;
	p->stacks = stacks;
	p->nr_stacks = ARRAY_SIZE(stacks);
	p->processes = procs;
	p->nr_processes = ARRAY_SIZE(procs);
	p->threads = threads;
	p->nr_threads = ARRAY_SIZE(threads);
	p->samples = samples;
	p->nr_samples = ARRAY_SIZE(samples);
}

/*
 * Write with @write into a file, parse it back with Python's json module
 * and run @script on the result (as `d`); @script's output, or NULL.
 */
static char *parse_back(int (*write)(const struct profile *, FILE *),
			const struct profile *p, const char *script)
{
	char path[] = "/tmp/sonde-json.XXXXXX", cmd[8192];
	struct buf b = { 0 };
	char chunk[4096];
	FILE *f, *py;
	size_t n;
	int fd, err;

	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	err = write(p, f);
	fclose(f);
	if (err) {
		unlink(path);
		return NULL;
	}
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json, sys\n"
		 "raw = open(sys.argv[1], \"rb\").read()\n"
		 "d = json.loads(raw.decode(\"utf-8\"))\n"
		 "def s(x): return json.dumps(x)\n"
		 "%s' %s", script, path);
	py = popen(cmd, "r");
	if (!py) {
		unlink(path);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), py)) > 0)
		buf__append(&b, chunk, n);
	buf__append(&b, "", 1);
	err = pclose(py);
	unlink(path);
	if (err) {
		fprintf(stderr, "python3 failed (%d) on:\n%s\n", err, b.data);
		buf__free(&b);
		return NULL;
	}
	return b.data;
}

/*
 * Every profile: its name, values and stacks as frame names, root first.
 * Asserted on the way, what speedscope's importer reads beyond the
 * schema: the file's name (else the first profile's), and
 * activeProfileIndex, which must name a profile, so none without one.
 */
static const char speedscope_summary[] =
	"assert d[\"$schema\"] == "
		"\"https://www.speedscope.app/file-format-schema.json\"\n"
	"assert d[\"name\"]\n"
	"if d[\"profiles\"]:\n"
	"  assert d[\"activeProfileIndex\"] in range(len(d[\"profiles\"]))\n"
	"else:\n"
	"  assert \"activeProfileIndex\" not in d\n"
	"print(d[\"exporter\"])\n"
	"fr = d[\"shared\"][\"frames\"]\n"
	"for p in d[\"profiles\"]:\n"
	"  assert len(p[\"samples\"]) == len(p[\"weights\"])\n"
	"  print(s(p[\"name\"]), p[\"type\"], p[\"unit\"], p[\"startValue\"],"
		" p[\"endValue\"], sum(p[\"weights\"]))\n"
	"  for st, w in zip(p[\"samples\"], p[\"weights\"]):\n"
	"    print(\" \", w, \";\".join(s(fr[i][\"name\"]) for i in st))\n"
	"print(\"files\" + \"\".join(\" \" + x for x in"
		" sorted(set(s(f[\"file\"]) for f in fr))))\n";

TEST(speedscope)
{
	static const char expect[] =
		"sonde " SONDE_VERSION "\n"
		"\"comm one (pid 10, tid 10)\" sampled nanoseconds 0 4000000 4000000\n"
		"  2000000 \"main\";\"a;b c\\nd\\\"e'<&>\\\\f/\";\"inl (inlined)\"\n"
		"  1000000 \"main\";\"ctl\\u0001\\u001f\\u007f\\b\\r\\t\";\"kfn\"\n"
		"  1000000 \"main\";\"a;b c\\nd\\\"e'<&>\\\\f/\";\"inl (inlined)\"\n"
		"\"two\\ttab (pid 10, tid 11)\" sampled nanoseconds 0 2000000 2000000\n"
		"  1000000 \"main\";\"bad\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd \\ufffd\"\n"
		"  1000000 \"main\";\"ok\\u00e9\\u20ac\\ud83d\\ude00\"\n"
		"\"main (pid 20, tid 20)\" sampled nanoseconds 0 2000000 2000000\n"
		"  2000000 \"main\";\"ctl\\u0001\\u001f\\u007f\\b\\r\\t\";\"kfn\"\n"
		"files \"/bin/app\" \"[kernel.kallsyms]\" \"app.c\"\n";
	struct profile p;
	char *out;

	model(&p, false);
	out = parse_back(speedscope__write, &p, speedscope_summary);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ(expect, out);
	free(out);
}

TEST(speedscope_empty)
{
	struct profile p;
	char *out;

	model(&p, true);
	out = parse_back(speedscope__write, &p, speedscope_summary);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("sonde " SONDE_VERSION "\nfiles\n", out);
	free(out);
}

/* One sample: one profile, one stack, its weight the period. */
TEST(speedscope_one_sample)
{
	struct profile p;
	char *out;

	model(&p, false);
	p.nr_samples = 1;
	out = parse_back(speedscope__write, &p, speedscope_summary);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("sonde " SONDE_VERSION "\n"
		     "\"comm one (pid 10, tid 10)\" sampled nanoseconds 0 1000000 1000000\n"
		     "  1000000 \"main\";\"a;b c\\nd\\\"e'<&>\\\\f/\";\"inl (inlined)\"\n"
		     "files \"/bin/app\" \"app.c\"\n", out);
	free(out);
}

/*
 * Many threads, their samples interleaved: a profile per thread, its
 * weights summing to its samples times the period.  Then a large
 * profile (1M samples, 4096 threads) written to /dev/null: linear, not
 * threads times samples.
 */
TEST(speedscope_many_threads)
{
	enum { NR_THREADS = 4096, NR_SMALL = 64 * 101, NR_LARGE = 1000000 };
	struct profile_thread *th = calloc(NR_THREADS, sizeof(*th));
	struct profile_sample *sm = calloc(NR_LARGE, sizeof(*sm));
	struct profile p;
	char *out;
	size_t i;
	FILE *f;

	ASSERT_NE(NULL, th);
	ASSERT_NE(NULL, sm);
	for (i = 0; i < NR_THREADS; i++) {
		th[i].pid = 1000 + i / 4;
		th[i].tid = 1000 + i;
		th[i].comm = STR_MAIN;
	}
	for (i = 0; i < NR_LARGE; i++) {
		sm[i].time_ns = 1000000000 + i * 1000;
		sm[i].period_ns = PERIOD;
		sm[i].stack = i * 7 / 3 % 4;
		sm[i].thread = i % (i < NR_SMALL ? 64 : NR_THREADS);
		sm[i].count = 1;
	}
	model(&p, false);
	p.threads = th;
	p.nr_threads = NR_THREADS;
	p.samples = sm;
	p.nr_samples = NR_SMALL;
	out = parse_back(speedscope__write, &p,
		"n = 0\n"
		"for x in d[\"profiles\"]:\n"
		"  w = x[\"weights\"]\n"
		"  assert sum(w) == x[\"endValue\"], x[\"name\"]\n"
		"  assert len(x[\"samples\"]) == len(w)\n"
		"  n += sum(w) // 1000000\n"
		"print(len(d[\"profiles\"]), n)\n");
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("64 6464\n", out);
	free(out);

	p.nr_samples = NR_LARGE;
	f = fopen("/dev/null", "w");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0, speedscope__write(&p, f));
	EXPECT_EQ(0, chrome__write(&p, f));
	fclose(f);
	free(th);
	free(sm);
}

/* No period known: weights count samples, in unit "none". */
TEST(speedscope_no_period)
{
	struct profile p;
	char *out;

	model(&p, false);
	p.period_ns = 0;
	p.nr_samples = 2;
	samples[0].period_ns = samples[1].period_ns = 0;
	out = parse_back(speedscope__write, &p, speedscope_summary);
	samples[0].period_ns = samples[1].period_ns = PERIOD;
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("sonde " SONDE_VERSION "\n"
		     "\"comm one (pid 10, tid 10)\" sampled none 0 2 2\n"
		     "  2 \"main\";\"a;b c\\nd\\\"e'<&>\\\\f/\";\"inl (inlined)\"\n"
		     "files \"/bin/app\" \"app.c\"\n", out);
	free(out);
}

/* A write error is reported, not swallowed. */
TEST(speedscope_write_error)
{
	struct profile p;
	FILE *f = fopen("/dev/full", "w");

	ASSERT_NE(NULL, f);
	model(&p, false);
	EXPECT_EQ(-ENOSPC, speedscope__write(&p, f));
	fclose(f);
}

/*
 * The metadata events, then per sample its fields and its stack, root
 * first, followed up the stackFrames' parents.
 */
static const char chrome_summary[] =
	"print(d[\"otherData\"][\"exporter\"], d[\"displayTimeUnit\"])\n"
	"for e in d[\"traceEvents\"]:\n"
	"  print(e[\"ph\"], e[\"name\"], e[\"pid\"], e[\"tid\"],"
		" s(e[\"args\"][\"name\"]))\n"
	"fr = d[\"stackFrames\"]\n"
	"for x in d[\"samples\"]:\n"
	"  st, f = [], x.get(\"sf\")\n"
	"  while f is not None:\n"
	"    st.insert(0, s(fr[str(f)][\"name\"]) + \"@\" +"
		" fr[str(f)][\"category\"])\n"
	"    f = fr[str(f)].get(\"parent\")\n"
	"  print(x[\"cpu\"], x[\"pid\"], x[\"tid\"], \"%.3f\" % x[\"ts\"], x[\"name\"],"
		" x[\"weight\"], \";\".join(st) or \"-\")\n"
	"print(len(fr), \"frames\")\n";

TEST(chrome)
{
	static const char weird[] =
		"\"main\"@/bin/app;\"a;b c\\nd\\\"e'<&>\\\\f/\"@/bin/app;"
		"\"inl (inlined)\"@/bin/app";
	static const char ctl[] =
		"\"main\"@/bin/app;"
		"\"ctl\\u0001\\u001f\\u007f\\b\\r\\t\"@/bin/app;"
		"\"kfn\"@[kernel.kallsyms]";
	char expect[4096];
	struct profile p;
	char *out;

	snprintf(expect, sizeof(expect),
		 "sonde " SONDE_VERSION " ns\n"
		 "M process_name 10 10 \"comm one\"\n"
		 "M process_name 20 20 \"main\"\n"
		 "M thread_name 10 10 \"comm one\"\n"
		 "M thread_name 10 11 \"two\\ttab\"\n"
		 "M thread_name 20 20 \"main\"\n"
		 "0 10 10 0.000 sample 1 %s\n"
		 "0 10 10 1000.000 sample 1 %s\n"
		 "1 10 11 1500.000 sample 1 \"main\"@/bin/app;"
		 "\"bad\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd \\ufffd\"@/bin/app\n"
		 "0 10 10 2000.000 sample 1 %s\n"
		 "1 10 11 2500.000 sample 1 \"main\"@/bin/app;"
		 "\"ok\\u00e9\\u20ac\\ud83d\\ude00\"@/bin/app\n"
		 "1 10 10 3000.000 sample 1 %s\n"
		 "0 20 20 4000.000 sample 2 %s\n"
		 "7 frames\n", weird, weird, ctl, weird, ctl);
	model(&p, false);
	out = parse_back(chrome__write, &p, chrome_summary);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ(expect, out);
	free(out);
}

/*
 * One name per pid and per (pid, tid): after an exec (or a rename) the
 * model has an entry per name, a trace viewer one track.  The name run
 * under the most samples wins, the later one on a tie.  (It gave two
 * process_name events for one pid, "sonde" then "split".)
 */
TEST(chrome_one_name_per_track)
{
	static struct profile_process ex_procs[] = {
		{ .pid = 20, .comm = STR_COMM1 }, { .pid = 20, .comm = STR_MAIN },
		{ .pid = 30, .comm = STR_COMM1 }, { .pid = 30, .comm = STR_COMM2 },
		{ .pid = 40, .comm = STR_MAIN }, { .pid = 40, .comm = STR_COMM1 },
	};
	static struct profile_thread ex_threads[] = {
		{ .pid = 20, .tid = 20, .comm = STR_COMM1, .process = 0, .count = 1 },
		{ .pid = 20, .tid = 20, .comm = STR_MAIN, .process = 1, .count = 3 },
		{ .pid = 30, .tid = 30, .comm = STR_COMM1, .process = 2, .count = 2 },
		{ .pid = 30, .tid = 30, .comm = STR_COMM2, .process = 3, .count = 2 },
		{ .pid = 40, .tid = 40, .comm = STR_MAIN, .process = 4, .count = 5 },
		{ .pid = 40, .tid = 41, .comm = STR_COMM1, .process = 5, .count = 1 },
		{ .pid = 40, .tid = 42, .comm = STR_COMM1, .process = 5, .count = 1 },
	};
	struct profile p;
	char *out;

	model(&p, false);
	p.processes = ex_procs;
	p.nr_processes = ARRAY_SIZE(ex_procs);
	p.threads = ex_threads;
	p.nr_threads = ARRAY_SIZE(ex_threads);
	p.nr_samples = 0;
	out = parse_back(chrome__write, &p, chrome_summary);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("sonde " SONDE_VERSION " ns\n"
		     "M process_name 20 20 \"main\"\n"
		     "M process_name 30 30 \"two\\ttab\"\n"
		     "M process_name 40 40 \"main\"\n"
		     "M thread_name 20 20 \"main\"\n"
		     "M thread_name 30 30 \"two\\ttab\"\n"
		     "M thread_name 40 40 \"main\"\n"
		     "M thread_name 40 41 \"comm one\"\n"
		     "M thread_name 40 42 \"comm one\"\n"
		     "0 frames\n", out);
	free(out);
}

TEST(chrome_empty)
{
	struct profile p;
	char *out;

	model(&p, true);
	out = parse_back(chrome__write, &p, chrome_summary);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("sonde " SONDE_VERSION " ns\n0 frames\n", out);
	free(out);
}

/* A sample with no frame: no "sf"; nanoseconds kept in "ts". */
TEST(chrome_no_frame)
{
	static const struct profile_stack empty[] = { { NULL, 0, 1 } };
	static const struct profile_sample one[] = {
		SMP(1000001234, 0, 2, 3, 1),
	};
	struct profile p;
	char *out;

	model(&p, false);
	p.stacks = (struct profile_stack *)empty;
	p.nr_stacks = 1;
	p.samples = (struct profile_sample *)one;
	p.nr_samples = 1;
	out = parse_back(chrome__write, &p, chrome_summary);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, "\n3 20 20 1.234 sample 1 -\n0 frames\n"));
	free(out);
}

TEST(chrome_write_error)
{
	struct profile p;
	FILE *f = fopen("/dev/full", "w");

	ASSERT_NE(NULL, f);
	model(&p, false);
	EXPECT_EQ(-ENOSPC, chrome__write(&p, f));
	fclose(f);
}

/* lib/json.h on its own: the exact bytes. */
TEST(json_str)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "", "\"\"" },
		{ "plain; <&> 'x'", "\"plain; <&> 'x'\"" },
		{ "q\"b\\n\n", "\"q\\\"b\\\\n\\n\"" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
		{ "\xc3\xa9\xf4\x8f\xbf\xbf", "\"\xc3\xa9\xf4\x8f\xbf\xbf\"" },
		{ "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xe0\x9f\xbf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "a\xc3", "\"a\xef\xbf\xbd\"" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		ASSERT_NE(NULL, f);
		EXPECT_EQ(0, json__write_str(f, cases[i].in));
		fclose(f);
		EXPECT_STREQ(cases[i].out, text);
		free(text);
	}
}

TEST_HARNESS_MAIN
