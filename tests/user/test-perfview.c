// SPDX-License-Identifier: GPL-2.0
/*
 * The PerfView XML export (export/perfview.c) and its escaper
 * (lib/xml.c).  Profiles are built here by hand, so that names can hold
 * what a recording's names never do after cleaning (newlines, control
 * characters, ill-formed UTF-8) besides ; spaces quotes and <&>; and the
 * regression recording is exported through `sonde export -f perfview`.
 * Each output must be well-formed XML (xmllint --noout), its Count
 * attributes must match its lists, every sample's chain must climb
 * through its thread's and process's pseudo-frames to a root, and the
 * samples and their Metric sum must be the profile's.
 */
#include "kselftest_harness.h"

#include "export/perfview.h"
#include "hand-profile.h"
#include "helpers.h"
#include "lib/xml.h"
#include "profile/profile.h"

#define FFFD "\xef\xbf\xbd"

/* One output, parsed back (the writer puts one element per line). */
struct px {
	char *frames[256];
	unsigned int nr_frames, frames_count;
	int caller[1024];
	unsigned int frame_of[1024];
	unsigned int nr_stacks, stacks_count;
	double time[8192];
	unsigned int stack[8192];
	unsigned long long metric_sum;
	unsigned int nr_samples, samples_count;
	bool sorted;
};

static void px_free(struct px *x)
{
	unsigned int i;

	for (i = 0; i < x->nr_frames; i++)
		free(x->frames[i]);
}

static int parse(const char *xml, struct px *x)
{
	const char *line = xml, *end;
	unsigned int id, a, m;
	double t;
	int c;

	memset(x, 0, sizeof(*x));
	x->sorted = true;
	for (; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		if (sscanf(line, "<Frames Count=\"%u\">", &a) == 1) {
			x->frames_count = a;
		} else if (sscanf(line, "<Stacks Count=\"%u\">", &a) == 1) {
			x->stacks_count = a;
		} else if (sscanf(line, "<Samples Count=\"%u\">", &a) == 1) {
			x->samples_count = a;
		} else if (sscanf(line, "<Frame ID=\"%u\">", &id) == 1) {
			const char *s = strchr(line, '>') + 1;
			const char *e = strstr(s, "</Frame>");

			if (id != x->nr_frames || !e || id >= 256)
				return -1;
			x->frames[x->nr_frames++] = strndup(s, e - s);
		} else if (sscanf(line, "<Stack ID=\"%u\" CallerID=\"%d\" FrameID=\"%u\"/>",
				  &id, &c, &a) == 3) {
			if (id != x->nr_stacks || id >= 1024 || c >= (int)id)
				return -1;
			x->caller[id] = c;
			x->frame_of[id] = a;
			x->nr_stacks++;
		} else if (sscanf(line, "<Sample ID=\"%u\" Time=\"%lf\" StackID=\"%u\" Metric=\"%u\"/>",
				  &id, &t, &a, &m) == 4) {
			if (id != x->nr_samples || id >= 8192)
				return -1;
			if (id && t < x->time[id - 1])
				x->sorted = false;
			x->time[id] = t;
			x->stack[id] = a;
			x->metric_sum += m;
			x->nr_samples++;
		}
	}
	return 0;
}

/*
 * The structure every output must have; @chain[i] the frames of sample
 * i's chain, leaf first, when the caller wants them (depth limit 64).
 */
static void check_structure(struct __test_metadata *_metadata,
			    const struct px *x)
{
	unsigned int i, depth, s;

	EXPECT_EQ(x->frames_count, x->nr_frames);
	EXPECT_EQ(x->stacks_count, x->nr_stacks);
	EXPECT_EQ(x->samples_count, x->nr_samples);
	EXPECT_TRUE(x->sorted);
	for (i = 0; i < x->nr_stacks; i++)
		ASSERT_GT(x->nr_frames, x->frame_of[i]);
	for (i = 0; i < x->nr_samples; i++) {
		ASSERT_GT(x->nr_stacks, x->stack[i]);
		/* Up to the root: the process, below it the thread. */
		for (s = x->stack[i], depth = 0; x->caller[s] != -1;
		     s = x->caller[s], depth++) {
			ASSERT_GT(1000, depth);
			if (x->caller[x->caller[s]] == -1)
				EXPECT_EQ(0, strncmp(x->frames[x->frame_of[s]],
						     "Thread (", 8))
					TH_LOG("%s", x->frames[x->frame_of[s]]);
		}
		EXPECT_LE(1, depth);
		EXPECT_EQ(0, strncmp(x->frames[x->frame_of[s]], "Process ", 8))
			TH_LOG("%s", x->frames[x->frame_of[s]]);
	}
}

static int xmllint_ok(const char *xml)
{
	char path[] = "/tmp/sonde-perfview.XXXXXX", cmd[128];
	int fd = mkstemp(path), ret;

	if (fd < 0 || write(fd, xml, strlen(xml)) != (ssize_t)strlen(xml))
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s", path);
	ret = system(cmd);
	unlink(path);
	return ret;
}

static bool have_xmllint(void)
{
	return !system("command -v xmllint >/dev/null 2>&1");
}

static char *export_mem(struct __test_metadata *_metadata,
			const struct profile *p)
{
	char *xml = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&xml, &len);

	if (!out)
		return NULL;
	EXPECT_EQ(0, perfview__write(p, out));
	fclose(out);
	return xml;
}

static int frame_named(const struct px *x, const char *text)
{
	unsigned int i;

	for (i = 0; i < x->nr_frames; i++)
		if (!strcmp(x->frames[i], text))
			return i;
	return -1;
}

TEST(escape)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "", "" },
		{ "plain ;text", "plain ;text" },
		{ "<&>\"'", "&lt;&amp;&gt;&quot;&apos;" },
		{ "a\nb\tc\rd", "a" FFFD "b" FFFD "c" FFFD "d" },
		{ "\x01\x7f\xc2\x85", FFFD FFFD FFFD },	/* C0, DEL, C1 */
		{ "\xef\xbf\xbe\xef\xbf\xbf", FFFD FFFD },	/* U+FFFE/F */
		{ "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		  "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "\xff", FFFD },
		{ "\x80x", FFFD "x" },			/* stray continuation */
		{ "\xc0\xaf", FFFD FFFD },		/* overlong '/' */
		{ "\xe0\x80\xaf", FFFD FFFD FFFD },	/* overlong */
		{ "\xed\xa0\x80", FFFD FFFD FFFD },	/* surrogate */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD }, /* > U+10FFFF */
		{ "\xe2\x82", FFFD },			/* cut short: one */
		{ "\xf0\x9f\x98x", FFFD "x" },		/* maximal subpart */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *s = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&s, &len);

		ASSERT_NE(NULL, out);
		EXPECT_EQ(0, xml__escape(out, cases[i].in));
		fclose(out);
		EXPECT_STREQ(cases[i].out, s) TH_LOG("case %u", i);
		free(s);
	}
}

TEST(hand_built)
{
	static const char *const expect[] = {
		"Process comm &lt;&amp;&gt; &quot;x&quot; (100)",
		"Process [unknown] (200)",
		"Thread (100)", "Thread (101)", "Thread (200)",
		"lib_weird.so!a;b c" FFFD "d&quot;e&apos;f&lt;g&amp;h&gt;i",
		"lib_weird.so!ctl" FFFD FFFD FFFD,
		"lib_weird.so!bad" FFFD FFFD "(" FFFD FFFD,
		"lib_weird.so!h\xc3\xa9llo",
		"kernel!kfunc", "nvme!nvme_irq", "perf-42.map!jitted&lt;fn&gt;",
		"lib_weird.so!main", "lib_weird.so!inl_middle",
		"lib_weird.so!inl_inner", "[truncated]",
	};
	/* Sample 1's chain (Time 1.5, thread 100), leaf to root. */
	static const char *const chain[] = {
		"kernel!kfunc", "nvme!nvme_irq", "perf-42.map!jitted&lt;fn&gt;",
		"lib_weird.so!a;b c" FFFD "d&quot;e&apos;f&lt;g&amp;h&gt;i",
		"lib_weird.so!ctl" FFFD FFFD FFFD,
		"lib_weird.so!bad" FFFD FFFD "(" FFFD FFFD,
		"lib_weird.so!h\xc3\xa9llo",
		"lib_weird.so!inl_inner", "lib_weird.so!inl_middle",
		"lib_weird.so!main", "Thread (100)",
		"Process comm &lt;&amp;&gt; &quot;x&quot; (100)",
	};
	struct profile p;
	struct px x;
	unsigned int i, s;
	char *xml;

	hand_profile(&p);
	xml = export_mem(_metadata, &p);
	ASSERT_NE(NULL, xml);
	if (have_xmllint())
		EXPECT_EQ(0, xmllint_ok(xml)) TH_LOG("%s", xml);
	ASSERT_EQ(0, parse(xml, &x)) TH_LOG("%s", xml);
	check_structure(_metadata, &x);
	EXPECT_EQ(ARRAY_SIZE(expect), x.nr_frames);
	for (i = 0; i < ARRAY_SIZE(expect); i++)
		EXPECT_LE(0, frame_named(&x, expect[i]))
			TH_LOG("no frame %u", i);
	EXPECT_EQ(4, x.nr_samples);
	EXPECT_EQ(7, x.metric_sum);
	EXPECT_EQ(0.0005, x.time[0]);
	EXPECT_EQ(1.5, x.time[1]);
	EXPECT_EQ(2.0, x.time[3]);
	/* Both Time 1.5 samples are stack 0 under threads 100 then 101. */
	for (s = x.stack[1], i = 0; s != (unsigned int)-1 && i < 20;
	     s = x.caller[s], i++) {
		ASSERT_GT(ARRAY_SIZE(chain), i);
		EXPECT_STREQ(chain[i], x.frames[x.frame_of[s]]);
	}
	EXPECT_EQ(ARRAY_SIZE(chain), i);
	EXPECT_NE(x.stack[1], x.stack[2]);
	EXPECT_EQ(x.frame_of[x.stack[1]], x.frame_of[x.stack[2]]);
	px_free(&x);
	free(xml);
}

/* xmllint decodes the escaped names back to what was meant. */
TEST(round_trip)
{
	char path[] = "/tmp/sonde-perfview.XXXXXX", cmd[256];
	struct profile p;
	char *xml, line[256];
	FILE *f;
	int fd;

	if (!have_xmllint())
		SKIP(return, "xmllint is not installed");
	hand_profile(&p);
	xml = export_mem(_metadata, &p);
	ASSERT_NE(NULL, xml);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ(strlen(xml), write(fd, xml, strlen(xml)));
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "xmllint --xpath \"string(//Frame[starts-with(., 'Process comm')])\" %s",
		 path);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	pclose(f);
	EXPECT_EQ(0, strncmp(line, "Process comm <&> \"x\" (100)", 26))
		TH_LOG("%s", line);
	unlink(path);
	free(xml);
}

TEST(empty_profile)
{
	struct profile p = { .strings = hp_strings, .nr_strings = 1 };
	struct px x;
	char *xml = export_mem(_metadata, &p);

	ASSERT_NE(NULL, xml);
	if (have_xmllint())
		EXPECT_EQ(0, xmllint_ok(xml)) TH_LOG("%s", xml);
	ASSERT_EQ(0, parse(&xml[0], &x));
	check_structure(_metadata, &x);
	EXPECT_NE(NULL, strstr(xml, "<Frames Count=\"0\">"));
	EXPECT_NE(NULL, strstr(xml, "<Samples Count=\"0\">"));
	EXPECT_EQ(0, x.nr_samples);
	free(xml);
}

TEST(one_sample)
{
	struct profile p;
	struct px x;
	char *xml;

	hand_profile(&p);
	p.samples = &hp_samples[1];
	p.nr_samples = 1;
	xml = export_mem(_metadata, &p);
	ASSERT_NE(NULL, xml);
	if (have_xmllint())
		EXPECT_EQ(0, xmllint_ok(xml)) TH_LOG("%s", xml);
	ASSERT_EQ(0, parse(xml, &x));
	check_structure(_metadata, &x);
	/* Process, thread, main, inl_middle, inl_inner. */
	EXPECT_EQ(5, x.nr_frames);
	EXPECT_EQ(5, x.nr_stacks);
	EXPECT_EQ(1, x.nr_samples);
	EXPECT_EQ(3, x.metric_sum);
	EXPECT_STREQ("lib_weird.so!inl_inner",
		     x.frames[x.frame_of[x.stack[0]]]);
	px_free(&x);
	free(xml);
}

/* A write error is returned, not lost. */
TEST(write_error)
{
	FILE *full = fopen("/dev/full", "w");
	struct profile p;

	ASSERT_NE(NULL, full);
	hand_profile(&p);
	EXPECT_EQ(-ENOSPC, perfview__write(&p, full));
	fclose(full);
}

/* The regression recording through the CLI: as many samples as script. */
TEST(regress_recording)
{
	char *dir = make_tmpdir(), path[320];
	char *exp[] = { "sonde", "export", "-f", "perfview", "-i",
			REGRESS_REC, "--symfs", dir, "-o", path, NULL };
	char *script[] = { "sonde", "script", "-i", REGRESS_REC, "--symfs",
			   dir, NULL };
	struct buf out = { 0 }, err = { 0 };
	unsigned int n = 0;
	struct px *x = malloc(sizeof(*x));
	const char *c;
	char *xml;
	size_t len;

	ASSERT_NE(NULL, dir);
	ASSERT_NE(NULL, x);
	snprintf(path, sizeof(path), "%s/r.perfView.xml", dir);
	ASSERT_EQ(0, run_sonde(exp, NULL, &out, &err)) TH_LOG("%s", err.data);
	ASSERT_EQ(0, read_file(path, &xml, &len));
	if (have_xmllint())
		EXPECT_EQ(0, xmllint_ok(xml));
	ASSERT_EQ(0, parse(xml, x));
	check_structure(_metadata, x);
	ASSERT_EQ(0, run_sonde(script, NULL, &out, &err));
	for (c = out.data; (c = strstr(c, " cpu-clock:")); c++)
		n++;
	EXPECT_LT(0, n);
	EXPECT_EQ(n, x->nr_samples);
	EXPECT_EQ(n, x->metric_sum);
	EXPECT_LE(0, frame_named(x, "kernel!entry_SYSCALL_64_after_hwframe"));
	px_free(x);
	free(x);
	free(xml);
	buf__free(&out);
	buf__free(&err);
	remove_tree(dir);
	free(dir);
}

TEST_HARNESS_MAIN
