// SPDX-License-Identifier: GPL-2.0
/*
 * The SVG flame graph writer (export/svg.c) over profiles built by hand:
 * xmllint accepts what it writes for hostile names (';', spaces,
 * newlines, quotes, <&>, control characters, invalid UTF-8), for an
 * empty profile (which says "no samples") and for one sample; widths are
 * proportional to counts; --reverse puts the leaf in the root row; the
 * kinds (user, kernel, JIT, inlined) get their own classes and colours;
 * frames too narrow are pruned and counted.  Also `sonde export -f svg`
 * on the kept e2e recording, and --reverse refused for other formats.
 */
#include "kselftest_harness.h"

#include "export/svg.h"
#include "helpers.h"

#define MAX 64

#define EXPECT_NEAR(want, got, eps) do {				\
	double w_ = (want), g_ = (got);					\
	EXPECT_TRUE(w_ - g_ <= (eps) && g_ - w_ <= (eps))		\
		TH_LOG("want %f, got %f", w_, g_);			\
} while (0)

/* A profile built by hand: one location per function (same ids). */
struct fake {
	struct profile p;
	const char *strings[MAX];
	struct profile_function fns[MAX];
	struct profile_location locs[MAX];
	struct profile_line lines[MAX];
	struct profile_stack stacks[MAX];
	__u32 frames[MAX][16];
	struct profile_thread threads[1];
	struct profile_sample samples[MAX];
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->p.strings = f->strings;
	f->p.functions = f->fns;
	f->p.locations = f->locs;
	f->p.lines = f->lines;
	f->p.stacks = f->stacks;
	f->p.threads = f->threads;
	f->p.samples = f->samples;
	f->strings[f->p.nr_strings++] = "";
	f->strings[f->p.nr_strings++] = "prog";
	f->threads[0].comm = 1;
	f->p.nr_threads = 1;
}

/* A function named @name and its location; returns the id of both. */
static __u32 fake_fn(struct fake *f, const char *name, bool kernel, bool jit)
{
	__u32 id = f->p.nr_functions++;

	f->strings[f->p.nr_strings] = name;
	f->fns[id].name = f->p.nr_strings++;
	f->fns[id].kernel = kernel;
	f->fns[id].jit = jit;
	f->locs[id].function = id;
	f->locs[id].kernel = kernel;
	f->p.nr_locations = f->p.nr_functions;
	return id;
}

/* @fn inlined into location @loc (innermost first). */
static void fake_inline(struct fake *f, __u32 loc, __u32 fn)
{
	if (!f->locs[loc].nr_inlined)
		f->locs[loc].inlined = f->p.nr_lines;
	f->lines[f->p.nr_lines++].function = fn;
	f->locs[loc].nr_inlined++;
}

/* One sample of @count on the stack @fns (leaf first, @n frames). */
static void fake_sample(struct fake *f, const __u32 *fns, unsigned int n,
			__u32 count)
{
	__u32 id = f->p.nr_stacks++;

	memcpy(f->frames[id], fns, n * sizeof(*fns));
	f->stacks[id].locs = f->frames[id];
	f->stacks[id].nr = n;
	f->stacks[id].count = count;
	f->samples[f->p.nr_samples].stack = id;
	f->samples[f->p.nr_samples++].count = count;
}

/* The SVG of @f, NUL-terminated (the caller frees it); NULL on error. */
static char *svg_of(struct fake *f, const struct svg_opts *o, int *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return NULL;
	*err = svg__write(&f->p, o, m);
	fclose(m);
	return text;
}

/* xmllint --noout's exit status on @text. */
static int xmllint(const char *text)
{
	char path[] = "/tmp/sonde-svg.XXXXXX", cmd[128];
	int fd = mkstemp(path), status;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s", path);
	status = system(cmd);
	unlink(path);
	return status;
}

struct frame {
	char kind;
	double x, y, w;
	int r, g, b;
};

/* The frame whose tooltip starts with "@name (": 0, or -1 if none. */
static int find_frame(const char *svg, const char *name, struct frame *fr)
{
	char key[256];
	const char *t, *g;

	snprintf(key, sizeof(key), "<title>%s (", name);
	t = strstr(svg, key);
	if (!t)
		return -1;
	for (g = t; g > svg && strncmp(g, "<g class=\"f ", 12); g--)
		;
	fr->kind = g[12];
	t = strstr(t, "<rect ");
	if (!t || sscanf(t, "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\"",
			 &fr->x, &fr->y, &fr->w) != 3)
		return -1;
	t = strstr(t, "fill=\"rgb(");
	if (!t || sscanf(t, "fill=\"rgb(%d,%d,%d)", &fr->r, &fr->g,
			 &fr->b) != 3)
		return -1;
	return 0;
}

TEST(hostile_names_are_valid_xml)
{
	static const char *const names[] = {
		"a;b", "with space", "new\nline", "q\"uote's", "<&>",
		"ctl\x01\x1f\x7f", "bad\xff\xfe utf8", "cut\xc3", "sur\xed\xa0\x80",
		"over\xc0\xaf", "c1\xc2\x85", "ok \xc3\xa9\xe2\x82\xac",
		"nonchar\xef\xbf\xbf", "]]>--",
	};
	struct fake f;
	__u32 stack[2];
	unsigned int i;
	char *svg;
	int err;

	fake_init(&f);
	stack[1] = fake_fn(&f, "main", false, false);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		stack[0] = fake_fn(&f, names[i], false, false);
		fake_sample(&f, stack, 2, 1000);
	}
	svg = svg_of(&f, NULL, &err);
	ASSERT_EQ(0, err);
	ASSERT_NE(NULL, svg);
	EXPECT_EQ(0, xmllint(svg));
	EXPECT_NE(NULL, strstr(svg, "<title>&lt;&amp;&gt; ("));
	EXPECT_NE(NULL, strstr(svg, "<title>q&quot;uote&#39;s ("));
	EXPECT_NE(NULL, strstr(svg, "<title>ctl??? ("));
	EXPECT_NE(NULL, strstr(svg, "<title>new?line ("));
	EXPECT_NE(NULL, strstr(svg, "<title>bad\xef\xbf\xbd\xef\xbf\xbd utf8 ("));
	EXPECT_NE(NULL, strstr(svg, "<title>c1? ("));
	EXPECT_NE(NULL, strstr(svg, "<title>ok \xc3\xa9\xe2\x82\xac ("));
	EXPECT_NE(NULL, strstr(svg, "<title>a;b ("));
	EXPECT_EQ(NULL, strchr(svg, '\x01'));
	EXPECT_EQ(NULL, strstr(svg, "\xff"));
	free(svg);
}

TEST(empty_profile_says_no_samples)
{
	struct svg_opts o = { .reverse = true };
	struct fake f;
	char *svg;
	int err;

	fake_init(&f);
	svg = svg_of(&f, NULL, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, xmllint(svg));
	EXPECT_NE(NULL, strstr(svg, "no samples"));
	EXPECT_EQ(NULL, strstr(svg, "<g class=\"f"));
	EXPECT_NE(NULL, strstr(svg, "0 samples; 0 frames drawn (\"all\" aside); 0 pruned"));
	free(svg);
	svg = svg_of(&f, &o, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, xmllint(svg));
	EXPECT_NE(NULL, strstr(svg, "no samples"));
	free(svg);
}

TEST(one_sample)
{
	struct frame all, fr;
	struct fake f;
	__u32 stack[1];
	char *svg;
	int err;

	fake_init(&f);
	stack[0] = fake_fn(&f, "main", false, false);
	fake_sample(&f, stack, 1, 1);
	svg = svg_of(&f, NULL, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, xmllint(svg));
	EXPECT_NE(NULL, strstr(svg, "<title>main (1 sample, 100.00%)</title>"));
	ASSERT_EQ(0, find_frame(svg, "all", &all));
	ASSERT_EQ(0, find_frame(svg, "prog", &fr));
	EXPECT_EQ(all.w, fr.w);
	EXPECT_EQ(all.y - 16, fr.y);
	/* The script is there, in CDATA. */
	EXPECT_NE(NULL, strstr(svg, "<script type=\"text/ecmascript\"><![CDATA["));
	free(svg);
}

TEST(widths_follow_counts)
{
	struct frame a, b, m, all;
	struct fake f;
	__u32 stack[2];
	char *svg;
	int err;

	fake_init(&f);
	stack[1] = fake_fn(&f, "main", false, false);
	stack[0] = fake_fn(&f, "aaa", false, false);
	fake_sample(&f, stack, 2, 3);
	stack[0] = fake_fn(&f, "bbb", false, false);
	fake_sample(&f, stack, 2, 1);
	svg = svg_of(&f, NULL, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, xmllint(svg));
	ASSERT_EQ(0, find_frame(svg, "aaa", &a));
	ASSERT_EQ(0, find_frame(svg, "bbb", &b));
	ASSERT_EQ(0, find_frame(svg, "main", &m));
	ASSERT_EQ(0, find_frame(svg, "all", &all));
	EXPECT_NEAR(3.0, a.w / b.w, 0.001);
	EXPECT_NEAR(a.w + b.w, m.w, 0.02);
	EXPECT_NEAR(1180.0, all.w, 0.001);
	/* siblings by name, side by side; children above their parent */
	EXPECT_NEAR(a.x + a.w, b.x, 0.02);
	EXPECT_EQ(a.y, b.y);
	EXPECT_EQ(m.y - 16, a.y);
	EXPECT_NE(NULL, strstr(svg, "<title>aaa (3 samples, 75.00%)</title>"));
	free(svg);
}

TEST(reverse_puts_the_leaf_at_the_root)
{
	struct svg_opts o = { .reverse = true };
	struct frame all, leaf, mid, root, comm;
	struct fake f;
	__u32 stack[3];
	char *svg;
	int err;

	fake_init(&f);
	stack[2] = fake_fn(&f, "main", false, false);
	stack[1] = fake_fn(&f, "middle", false, false);
	stack[0] = fake_fn(&f, "leaf", false, false);
	fake_sample(&f, stack, 3, 5);
	/* Flame graph: all, prog, main, middle, leaf from the bottom up. */
	svg = svg_of(&f, NULL, &err);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, find_frame(svg, "all", &all));
	ASSERT_EQ(0, find_frame(svg, "leaf", &leaf));
	ASSERT_EQ(0, find_frame(svg, "prog", &comm));
	EXPECT_EQ(all.y - 16, comm.y);
	EXPECT_EQ(all.y - 4 * 16, leaf.y);
	EXPECT_NE(NULL, strstr(svg, "data-reverse=\"0\""));
	free(svg);
	/* Icicle of callers: all, leaf, middle, main, prog from the top. */
	svg = svg_of(&f, &o, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, xmllint(svg));
	ASSERT_EQ(0, find_frame(svg, "all", &all));
	ASSERT_EQ(0, find_frame(svg, "leaf", &leaf));
	ASSERT_EQ(0, find_frame(svg, "middle", &mid));
	ASSERT_EQ(0, find_frame(svg, "main", &root));
	ASSERT_EQ(0, find_frame(svg, "prog", &comm));
	EXPECT_EQ(all.y + 16, leaf.y);
	EXPECT_EQ(leaf.y + 16, mid.y);
	EXPECT_EQ(mid.y + 16, root.y);
	EXPECT_EQ(root.y + 16, comm.y);
	EXPECT_NE(NULL, strstr(svg, "data-reverse=\"1\""));
	EXPECT_NE(NULL, strstr(svg, "Icicle"));
	free(svg);
}

/* Two leaves under one caller merge into one root-row frame, reversed. */
TEST(reverse_merges_leaves)
{
	struct svg_opts o = { .reverse = true };
	struct frame leaf, a, b;
	struct fake f;
	__u32 stack[2], l;
	char *svg;
	int err;

	fake_init(&f);
	l = fake_fn(&f, "memcpy", false, false);
	stack[0] = l;
	stack[1] = fake_fn(&f, "callera", false, false);
	fake_sample(&f, stack, 2, 2);
	stack[1] = fake_fn(&f, "callerb", false, false);
	fake_sample(&f, stack, 2, 6);
	svg = svg_of(&f, &o, &err);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, find_frame(svg, "memcpy", &leaf));
	ASSERT_EQ(0, find_frame(svg, "callera", &a));
	ASSERT_EQ(0, find_frame(svg, "callerb", &b));
	EXPECT_NEAR(1180.0, leaf.w, 0.001);
	EXPECT_NEAR(3.0, b.w / a.w, 0.001);
	EXPECT_EQ(leaf.y + 16, a.y);
	EXPECT_NE(NULL, strstr(svg, "<title>memcpy (8 samples, 100.00%)"));
	free(svg);
}

TEST(kinds_have_their_colours)
{
	struct frame u, k, j, i;
	struct fake f;
	__u32 stack[4];
	char *svg;
	int err;

	fake_init(&f);
	stack[3] = fake_fn(&f, "user_main", false, false);
	stack[2] = fake_fn(&f, "jitted_loop", false, true);
	stack[1] = fake_fn(&f, "caller", false, false);
	fake_inline(&f, stack[1], fake_fn(&f, "inlined_helper", false, false));
	stack[0] = fake_fn(&f, "kernel_fn", true, false);
	fake_sample(&f, stack, 4, 10);
	svg = svg_of(&f, NULL, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, xmllint(svg));
	ASSERT_EQ(0, find_frame(svg, "user_main", &u));
	ASSERT_EQ(0, find_frame(svg, "kernel_fn", &k));
	ASSERT_EQ(0, find_frame(svg, "jitted_loop", &j));
	ASSERT_EQ(0, find_frame(svg, "inlined_helper", &i));
	EXPECT_EQ('u', u.kind);
	EXPECT_EQ('k', k.kind);
	EXPECT_EQ('j', j.kind);
	EXPECT_EQ('i', i.kind);
	EXPECT_GT(u.r, u.b);	/* warm */
	EXPECT_GT(k.b, k.r);	/* blue */
	EXPECT_GT(j.g, j.r);	/* green */
	EXPECT_GT(j.g, j.b);
	EXPECT_GT(i.b, i.r);	/* aqua */
	EXPECT_GT(i.g, i.r);
	/* the inlined function sits above its caller, the kernel on top */
	ASSERT_EQ(0, find_frame(svg, "caller", &u));
	EXPECT_EQ(u.y - 16, i.y);
	EXPECT_EQ(i.y - 16, k.y);
	free(svg);
}

/* Inlined functions stand above their caller, innermost on top; reversed,
 * innermost first.
 */
TEST(inline_order)
{
	struct svg_opts o = { .reverse = true };
	struct frame all, outer, mid, inner, leaf, comm;
	struct fake f;
	__u32 stack[2];
	char *svg;
	int err;

	fake_init(&f);
	stack[1] = fake_fn(&f, "outer", false, false);
	fake_inline(&f, stack[1], fake_fn(&f, "inner", false, false));
	fake_inline(&f, stack[1], fake_fn(&f, "mid", false, false));
	stack[0] = fake_fn(&f, "leaf", true, false);
	fake_sample(&f, stack, 2, 7);
	svg = svg_of(&f, NULL, &err);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, find_frame(svg, "all", &all));
	ASSERT_EQ(0, find_frame(svg, "prog", &comm));
	ASSERT_EQ(0, find_frame(svg, "outer", &outer));
	ASSERT_EQ(0, find_frame(svg, "mid", &mid));
	ASSERT_EQ(0, find_frame(svg, "inner", &inner));
	ASSERT_EQ(0, find_frame(svg, "leaf", &leaf));
	EXPECT_EQ(all.y - 16, comm.y);
	EXPECT_EQ(comm.y - 16, outer.y);
	EXPECT_EQ(outer.y - 16, mid.y);
	EXPECT_EQ(mid.y - 16, inner.y);
	EXPECT_EQ(inner.y - 16, leaf.y);
	EXPECT_EQ('u', outer.kind);
	EXPECT_EQ('i', mid.kind);
	EXPECT_EQ('i', inner.kind);
	EXPECT_EQ('k', leaf.kind);
	free(svg);
	svg = svg_of(&f, &o, &err);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, find_frame(svg, "all", &all));
	ASSERT_EQ(0, find_frame(svg, "prog", &comm));
	ASSERT_EQ(0, find_frame(svg, "outer", &outer));
	ASSERT_EQ(0, find_frame(svg, "mid", &mid));
	ASSERT_EQ(0, find_frame(svg, "inner", &inner));
	ASSERT_EQ(0, find_frame(svg, "leaf", &leaf));
	EXPECT_EQ(all.y + 16, leaf.y);
	EXPECT_EQ(leaf.y + 16, inner.y);
	EXPECT_EQ(inner.y + 16, mid.y);
	EXPECT_EQ(mid.y + 16, outer.y);
	EXPECT_EQ(outer.y + 16, comm.y);
	free(svg);
}

TEST(narrow_frames_are_pruned)
{
	struct svg_opts all = { .min_width = -1 };
	struct fake f;
	__u32 stack[3];
	char name[10][8], *svg;
	unsigned int i;
	int err;

	fake_init(&f);
	stack[2] = fake_fn(&f, "main", false, false);
	stack[1] = fake_fn(&f, "big", false, false);
	fake_sample(&f, stack + 1, 2, 100000);
	/* main -> tinyN -> deep: tinyN is pruned with deep, not counted */
	stack[0] = fake_fn(&f, "deep", false, false);
	for (i = 0; i < 10; i++) {
		snprintf(name[i], sizeof(name[i]), "tiny%u", i);
		stack[1] = fake_fn(&f, name[i], false, false);
		fake_sample(&f, stack, 3, 1);
	}
	svg = svg_of(&f, NULL, &err);
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, xmllint(svg));
	EXPECT_EQ(NULL, strstr(svg, "<title>tiny"));
	EXPECT_EQ(NULL, strstr(svg, "<title>deep"));
	EXPECT_NE(NULL, strstr(svg, "<title>big ("));
	EXPECT_NE(NULL, strstr(svg, "100010 samples; 3 frames drawn (\"all\" aside); 10 pruned, narrower\n     than 0.10 px"));
	EXPECT_NE(NULL, strstr(svg, "10 frames narrower than 0.10 px not drawn"));
	free(svg);
	svg = svg_of(&f, &all, &err);
	ASSERT_EQ(0, err);
	EXPECT_NE(NULL, strstr(svg, "<title>tiny9 (1 sample, 0.00%)"));
	EXPECT_NE(NULL, strstr(svg, "<title>deep (1 sample, 0.00%)"));
	EXPECT_NE(NULL, strstr(svg, "0 frames narrower than"));
	free(svg);
}

TEST(write_error)
{
	struct fake f;
	__u32 stack[1];
	FILE *full = fopen("/dev/full", "w");

	ASSERT_NE(NULL, full);
	fake_init(&f);
	stack[0] = fake_fn(&f, "main", false, false);
	fake_sample(&f, stack, 1, 1);
	EXPECT_EQ(-ENOSPC, svg__write(&f.p, NULL, full));
	fclose(full);
}

TEST(cli_regress_recording)
{
	char *dir = make_tmpdir(), out[256];
	char *argv[] = { "sonde", "export", "-f", "svg", "-i", REGRESS_REC,
			 "--symfs", dir, "-o", out, NULL };
	char *rev[] = { "sonde", "export", "-f", "svg", "--reverse", "-i",
			REGRESS_REC, "--symfs", dir, "-o", out, NULL };
	char *bad[] = { "sonde", "export", "-f", "folded", "--reverse", "-i",
			REGRESS_REC, NULL };
	struct buf o = { 0 }, e = { 0 };
	char cmd[300];

	ASSERT_NE(NULL, dir);
	snprintf(out, sizeof(out), "%s/out.svg", dir);
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s", out);
	EXPECT_EQ(0, run_sonde(argv, NULL, &o, &e));
	EXPECT_EQ(0, system(cmd));
	EXPECT_EQ(0, run_sonde(rev, NULL, &o, &e));
	EXPECT_EQ(0, system(cmd));
	EXPECT_EQ(2, run_sonde(bad, NULL, &o, &e));
	EXPECT_NE(NULL, strstr(e.data, "--reverse"));
	EXPECT_EQ(1, count_lines(e.data));
	buf__free(&o);
	buf__free(&e);
	remove_tree(dir);
	free(dir);
}

TEST_HARNESS_MAIN
