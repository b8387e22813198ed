// SPDX-License-Identifier: GPL-2.0
/*
 * Off-CPU samples (record --off-cpu, --thread-time) in synthetic
 * recordings: each wait counts as the timer samples its length would
 * be, remainders carried per thread; --weight cpu, off and wall choose
 * which samples a view weighs, wall by default for --thread-time, with
 * waits under an [off-cpu] frame; script lists every wait with its
 * length; bad --weight and --event combinations are refused.
 *
 * The recording: process 100 at 1000 Hz (1 ms periods), its image the
 * test's fixture PIE.  Thread 100 runs 10 timer samples in fixture_top,
 * and an 11th that stands for 3 ms (after two missed periods): 13 ms;
 * and waits 4.5 + 3.2 + 2.3 ms in fixture_mid: 10 ms, 10 units.
 * Thread 101 waits 0.4 + 0.4 + 0.3 ms in fixture_leaf: 1.1 ms, one unit
 * (given at its third wait, when the carried remainder reaches 1 ms).
 */
#include "kselftest_harness.h"

#include "fixture-syms.h"
#include "helpers.h"

#define BASE		0x555555554000ULL
#define MAP_START	(BASE + TEXT_VADDR)
#define MAP_END		(MAP_START + 0x10000)
#define USER(sym, off)	(MAP_START + (SYM_##sym - TEXT_VADDR) + (off))

static int write_offcpu(const char *path, __u32 session_flags)
{
	static const struct {
		__u32 tid;
		__u64 wait_ns;
		__u64 ip;
	} waits[] = {
		{ 100, 4500000, USER(fixture_mid, 4) },
		{ 101, 400000, USER(fixture_leaf, 4) },
		{ 100, 3200000, USER(fixture_mid, 4) },
		{ 101, 400000, USER(fixture_leaf, 4) },
		{ 100, 2300000, USER(fixture_mid, 4) },
		{ 101, 300000, USER(fixture_leaf, 4) },
	};
	unsigned char rec[1024];
	struct buf ev = { 0 };
	struct rec_writer *w;
	__u64 t = 1000000, ip = USER(fixture_top, 4);
	unsigned int i;
	int fd, err;

	err = rec_file_create_flags(path, &w, &fd, session_flags);
	if (err)
		return err;
	for (i = 0; !err && i < 10; i++, t += 1000000)
		err = rec_writer__append_records(w, 0, rec,
				make_sample(rec, t, 0, 100, 100, SONDE_CTX_USER,
					    SONDE_SAMPLE_USER_REGS, NULL, 0,
					    &ip, 1));
	if (!err)
		err = rec_writer__append_records(w, 0, rec,
				make_event_sample(rec, t, 100, 100, ip,
						  SONDE_EVENT_TIMER, 3000000));
	t += 3000000;
	for (i = 0; !err && i < ARRAY_SIZE(waits); i++, t += 1000000)
		err = rec_writer__append_records(w, 0, rec,
				make_event_sample(rec, t, 100, waits[i].tid,
						  waits[i].ip,
						  SONDE_EVENT_OFFCPU,
						  waits[i].wait_ns));
	if (!err)
		err = buf__append(&ev, rec,
				  make_mmap(rec, 1, 100, MAP_START, MAP_END,
					    TEXT_OFFSET, FIXTURE_BIN, 0));
	if (!err)
		err = add_events_section(w, &ev);
	buf__free(&ev);
	return rec_file_finish(w, fd, 17, err);
}

FIXTURE(off) {
	char *dir;
	char path[256], plain[256], tt[256];
	struct buf out, err;
};

FIXTURE_SETUP(off)
{
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	snprintf(self->path, sizeof(self->path), "%s/o.sonde", self->dir);
	snprintf(self->plain, sizeof(self->plain), "%s/p.sonde", self->dir);
	snprintf(self->tt, sizeof(self->tt), "%s/t.sonde", self->dir);
	memset(&self->out, 0, sizeof(self->out));
	memset(&self->err, 0, sizeof(self->err));
	ASSERT_EQ(0, write_offcpu(self->path, SREC_SESSION_OFF_CPU));
	ASSERT_EQ(0, write_offcpu(self->tt, SREC_SESSION_OFF_CPU |
				  SREC_SESSION_THREAD_TIME));
	/* The same records, from a recorder that did not ask for waits. */
	ASSERT_EQ(0, write_offcpu(self->plain, 0));
}

FIXTURE_TEARDOWN(off)
{
	buf__free(&self->out);
	buf__free(&self->err);
	remove_tree(self->dir);
	free(self->dir);
}

static int sonde(FIXTURE_DATA(off) * self, char **argv)
{
	self->out.len = 0;
	self->err.len = 0;
	if (self->out.data)
		self->out.data[0] = '\0';
	if (self->err.data)
		self->err.data[0] = '\0';
	return run_sonde(argv, NULL, &self->out, &self->err);
}

/* The sum of the counts ending the folded lines that contain @what. */
static unsigned long folded_sum(const char *out, const char *what)
{
	unsigned long sum = 0;
	const char *line = out;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *sp;
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *l = strndup(line, len);

		sp = l ? strrchr(l, ' ') : NULL;
		if (sp && (!what || strstr(l, what)))
			sum += strtoul(sp + 1, NULL, 10);
		free(l);
		line = end ? end + 1 : NULL;
	}
	return sum;
}

TEST_F(off, cpu_view_by_default)
{
	char *rep[] = { "sonde", "report", "-i", self->path, NULL };
	char *cpu[] = { "sonde", "report", "-i", self->path, "--weight",
			"cpu", NULL };

	ASSERT_EQ(0, sonde(self, rep)) TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->err.data,
			       "report: cpu-clock samples only, of cpu-clock, offcpu-time (--event NAME for another, --weight off|wall)"))
		TH_LOG("%s", self->err.data);
	/* Samples, not time: the one after missed periods counts once. */
	EXPECT_NE(NULL, strstr(self->out.data, "# event: cpu-clock (11 of"))
		TH_LOG("%s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data, " 100.00%        11  [.] fixture_top"))
		TH_LOG("%s", self->out.data);
	EXPECT_EQ(NULL, strstr(self->out.data, "fixture_mid"));
	ASSERT_EQ(0, sonde(self, cpu)) TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data, " 100.00%        11  [.] fixture_top"))
		TH_LOG("%s", self->out.data);
}

/* Waits alone: weighed by their length; 1.1 ms of waits is one unit. */
TEST_F(off, off_view_weighs_waits)
{
	char *rep[] = { "sonde", "report", "-i", self->path, "--weight",
			"off", NULL };
	char *ev[] = { "sonde", "report", "-i", self->path, "--event",
		       "offcpu-time", NULL };
	char *fold[] = { "sonde", "export", "-i", self->path, "--format",
			 "folded", "--weight", "off", NULL };

	ASSERT_EQ(0, sonde(self, rep)) TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data,
			       "# event: offcpu-time (6 waits, 0.011 s in all; Samples: 1.000 ms each)"))
		TH_LOG("%s", self->out.data);
	/* By time: 10 ms of 11.1 in fixture_mid, 1.1 in fixture_leaf. */
	EXPECT_NE(NULL, strstr(self->out.data, "  90.09%   90.09%        10  [.] fixture_mid"))
		TH_LOG("%s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data, "   9.91%    9.91%         1  [.] fixture_leaf"))
		TH_LOG("%s", self->out.data);
	EXPECT_EQ(NULL, strstr(self->out.data, "fixture_top"));
	EXPECT_EQ(NULL, strstr(self->out.data, "[off-cpu]"));
	ASSERT_EQ(0, sonde(self, ev)) TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data, "  90.09%   90.09%        10  [.] fixture_mid"))
		TH_LOG("%s", self->out.data);
	ASSERT_EQ(0, sonde(self, fold)) TH_LOG("%s", self->err.data);
	EXPECT_EQ(10, folded_sum(self->out.data, "fixture_mid"))
		TH_LOG("%s", self->out.data);
	EXPECT_EQ(1, folded_sum(self->out.data, "fixture_leaf"))
		TH_LOG("%s", self->out.data);
}

/*
 * Both, by time: each thread's samples and waits add up, the sample
 * after missed periods counting for all three.
 */
TEST_F(off, wall_view_adds_up)
{
	char *rep[] = { "sonde", "report", "-i", self->path, "--weight",
			"wall", "--sort", "tid", NULL };
	char *dflt[] = { "sonde", "report", "-i", self->tt, NULL };
	char *fold[] = { "sonde", "export", "-i", self->tt, "--format",
			 "folded", NULL };

	ASSERT_EQ(0, sonde(self, rep)) TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data,
			       "# event: cpu-clock and offcpu-time, by time"))
		TH_LOG("%s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data, "# off-CPU: 6 waits, 0.011 s in all"))
		TH_LOG("%s", self->out.data);
	/*
	 * 23 ms are thread 100's, 1.1 thread 101's: 1 counted (the rest is
	 * carried), and shares are of counts.
	 */
	EXPECT_NE(NULL, strstr(self->out.data, "  95.83%   95.83%        23      100"))
		TH_LOG("%s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data, "   4.17%    4.17%         1      101"))
		TH_LOG("%s", self->out.data);
	/* --thread-time recordings are shown as wall by default. */
	ASSERT_EQ(0, sonde(self, dflt)) TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data, "[off-cpu]"))
		TH_LOG("%s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data, "  54.17%   54.17%        13  [.] fixture_top"))
		TH_LOG("%s", self->out.data);
	ASSERT_EQ(0, sonde(self, fold)) TH_LOG("%s", self->err.data);
	EXPECT_EQ(24, folded_sum(self->out.data, NULL)) TH_LOG("%s", self->out.data);
	EXPECT_EQ(10, folded_sum(self->out.data, "fixture_mid;[off-cpu] "))
		TH_LOG("%s", self->out.data);
	EXPECT_EQ(13, folded_sum(self->out.data, "fixture_top "))
		TH_LOG("%s", self->out.data);
}

/* script: each wait once, with its length in ns. */
TEST_F(off, script_lists_waits)
{
	char *scr[] = { "sonde", "script", "-i", self->path, NULL };
	char *off[] = { "sonde", "script", "-i", self->path, "--weight",
			"off", NULL };

	ASSERT_EQ(0, sonde(self, scr)) TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data, "    4500000 offcpu-time: "))
		TH_LOG("%s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data, "     300000 offcpu-time: "))
		TH_LOG("%s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data, " cpu-clock: "));
	ASSERT_EQ(0, sonde(self, off)) TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data, "    2300000 offcpu-time: "));
	EXPECT_EQ(NULL, strstr(self->out.data, " cpu-clock: "))
		TH_LOG("%s", self->out.data);
}

TEST_F(off, bad_views_refused)
{
	char *noff[] = { "sonde", "report", "-i", self->plain, "--weight",
			 "off", NULL };
	char *nwall[] = { "sonde", "report", "-i", self->plain, "--weight",
			  "wall", NULL };
	char *both[] = { "sonde", "report", "-i", self->path, "--weight",
			 "wall", "--event", "cpu-clock", NULL };
	char *bad[] = { "sonde", "report", "-i", self->path, "--weight",
			"idle", NULL };
	char *plain[] = { "sonde", "report", "-i", self->plain, NULL };

	EXPECT_EQ(2, sonde(self, noff));
	EXPECT_NE(NULL, strstr(self->err.data,
			       "report: --weight off: ")) TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->err.data,
			       "has no off-CPU samples (record with --off-cpu or --thread-time)"));
	EXPECT_EQ(2, sonde(self, nwall));
	EXPECT_EQ(2, sonde(self, both));
	EXPECT_NE(NULL, strstr(self->err.data, "--event and --weight exclude each other"))
		TH_LOG("%s", self->err.data);
	EXPECT_EQ(2, sonde(self, bad));
	EXPECT_NE(NULL, strstr(self->err.data, "--weight needs cpu, off or wall, not 'idle'"))
		TH_LOG("%s", self->err.data);
	/* Waits in a recording that does not say it has them: not counted. */
	ASSERT_EQ(0, sonde(self, plain)) TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->err.data, "6 samples name a counter the recording does not list"))
		TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data, " 100.00%        11  [.] fixture_top"))
		TH_LOG("%s", self->out.data);
}

TEST_HARNESS_MAIN
