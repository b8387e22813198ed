// SPDX-License-Identifier: GPL-2.0
/*
 * The folded export (export/folded.c) over the hand-built profile of
 * hand-profile.h: what its syntax needs escaped is (';', newline, tab
 * made '_'), ill-formed UTF-8 comes out as U+FFFD (one per maximal
 * subpart: inferno's reader refuses a line that is not UTF-8), the
 * suffixes mark kernel, JIT and inlined frames, and an empty profile
 * writes nothing.
 */
#include "kselftest_harness.h"

#include "export/folded.h"
#include "hand-profile.h"
#include "helpers.h"
#include "lib/utf8.h"

#define FFFD "\xef\xbf\xbd"

/* The folded lines of @p, in a malloc'd string. */
static char *folded_of(const struct profile *p, const struct folded_opts *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	if (folded__write_opts(p, o, f)) {
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	return text;
}

TEST(hostile_names)
{
	/*
	 * Stack 0, root first: main with its two inlined functions, the four
	 * odd names, the JIT frame, then the kernel's; "bad\xff\xc3(\xe0\x80":
	 * 0xff, then 0xc3 cut by '(', then 0xe0 0x80 (0x80 cannot follow
	 * 0xe0) as two.
	 */
	static const char expect[] =
		"[unknown];main;inl_middle_[i];inl_inner_[i];[truncated] 2\n"
		"comm <&> \"x\";main;inl_middle_[i];inl_inner_[i] 3\n"
		"comm <&> \"x\";main;inl_middle_[i];inl_inner_[i];"
		"h\xc3\xa9llo;bad" FFFD FFFD "(" FFFD FFFD ";ctl\x01\x1f\x7f;"
		"a_b c_d\"e'f<g&h>i;jitted<fn>_[j];nvme_irq_[k];kfunc_[k] 2\n";
	struct profile p;
	char *out;

	hand_profile(&p);
	out = folded_of(&p, NULL);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ(expect, out);
	EXPECT_TRUE(utf8__valid(out));
	free(out);
}

/* Per thread, the roots are comm-PID/TID, spaces made '_'. */
TEST(per_thread_roots)
{
	struct folded_opts o = { .per_thread = true };
	struct profile p;
	char *out;

	hand_profile(&p);
	out = folded_of(&p, &o);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, strncmp(out, "[unknown]-200/200;main;", 23))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\ncomm_<&>_\"x\"-100/101;main;inl_middle_[i];inl_inner_[i] 3\n"))
		TH_LOG("%s", out);
	EXPECT_TRUE(utf8__valid(out));
	free(out);
}

TEST(empty_profile)
{
	struct profile p;
	char *out;

	hand_profile(&p);
	p.nr_samples = 0;
	p.nr_threads = 0;
	p.nr_processes = 0;
	out = folded_of(&p, NULL);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("", out);
	free(out);
}

TEST_HARNESS_MAIN
