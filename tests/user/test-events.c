// SPDX-License-Identifier: GPL-2.0
/*
 * Task and MMAP records (EVENTS sections) in synthetic recordings whose
 * samples point into the test's PIE (fixture.c): an exec starts an epoch
 * whose image is the only one its samples resolve in (two images at the
 * same addresses, a missed epoch left unresolved, not given another
 * one's); renamed threads show their names; a range mapped again by
 * another file gives each sample the file mapped at its time; the module
 * records a mapping as the sampled task reported it, so even a process
 * with no /proc snapshot resolves.
 */
#include "kselftest_harness.h"

#include "fixture-syms.h"
#include "helpers.h"

#include <sys/stat.h>

#define BASE		0x555555554000ULL
#define MAP_START	(BASE + TEXT_VADDR)
#define MAP_END		(MAP_START + 0x10000)
#define USER(sym, off)	(MAP_START + (SYM_##sym - TEXT_VADDR) + (off))
#define OTHER_BIN	"/nonexistent/other-image"

static size_t make_task(void *buf, __u32 type, __u64 time_ns, __u32 pid,
			__u32 tid, __u32 child_tid, const char *comm)
{
	struct sonde_task_event *e = buf;

	memset(e, 0, sizeof(*e));
	e->hdr.type = type;
	e->hdr.size = sizeof(*e);
	e->time_ns = time_ns;
	e->pid = pid;
	e->tid = tid;
	e->child_pid = child_tid ? pid : 0;
	e->child_tid = child_tid;
	snprintf(e->comm, sizeof(e->comm), "%s", comm);
	return sizeof(*e);
}

struct sample_spec {
	__u64 time_ns;
	__u32 pid, tid;
	__u64 ip;
};

/* A recording of @samples and the event records in @ev. */
static int write_rec(const char *path, const struct sample_spec *samples,
		     unsigned int nr, const struct buf *ev)
{
	unsigned char rec[1024];
	struct rec_writer *w;
	unsigned int i;
	int fd, err;

	err = rec_file_create(path, &w, &fd);
	if (err)
		return err;
	for (i = 0; !err && i < nr; i++) {
		size_t len = make_sample(rec, samples[i].time_ns, 0,
					 samples[i].pid, samples[i].tid,
					 SONDE_CTX_USER, SONDE_SAMPLE_USER_REGS,
					 NULL, 0, &samples[i].ip, 1);

		err = rec_writer__append_records(w, 0, rec, len);
	}
	if (!err)
		err = add_events_section(w, ev);
	return rec_file_finish(w, fd, nr, err);
}

static void ev_add(struct buf *ev, const void *rec, size_t len)
{
	buf__append(ev, rec, len);
}

FIXTURE(ev) {
	char *dir;
	char path[256];
	struct buf ev, out, err;
};

FIXTURE_SETUP(ev)
{
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	snprintf(self->path, sizeof(self->path), "%s/e.sonde", self->dir);
	memset(&self->ev, 0, sizeof(self->ev));
	memset(&self->out, 0, sizeof(self->out));
	memset(&self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(ev)
{
	buf__free(&self->ev);
	buf__free(&self->out);
	buf__free(&self->err);
	remove_tree(self->dir);
	free(self->dir);
}

/* sonde script of the recording at @path into @out and @err. */
static int script(const char *path, struct buf *out, struct buf *err)
{
	char *argv[] = { "sonde", "script", "-i", (char *)path, NULL };

	out->len = 0;
	err->len = 0;
	return run_sonde(argv, NULL, out, err);
}

/* The script block (header and frames) of the sample at @time_ns. */
static const char *block_at(const char *out, unsigned int time_ns)
{
	char needle[32];

	/* script prints seconds.microseconds since the start (0 here). */
	snprintf(needle, sizeof(needle), " 0.%06u: ", time_ns / 1000);
	return strstr(out, needle);
}

/* Does the block at @time_ns name @what before the next blank line? */
static bool block_has(const char *out, unsigned int time_ns,
		      const char *what)
{
	const char *b = block_at(out, time_ns), *end, *hit;

	if (!b)
		return false;
	end = strstr(b, "\n\n");
	hit = strstr(b, what);
	return hit && (!end || hit < end);
}

/* The comm at the start of the line holding the sample at @time_ns. */
static bool comm_is(const char *out, unsigned int time_ns, const char *comm)
{
	const char *b = block_at(out, time_ns), *line;

	if (!b)
		return false;
	for (line = b; line > out && line[-1] != '\n'; line--)
		;
	return !strncmp(line, comm, strlen(comm)) &&
	       line[strlen(comm)] == ' ';
}

/*
 * pid 100: image 1 (the fixture) mapped, samples; EXEC at 100 us to
 * another file at the same addresses, samples; EXEC at 200 us whose
 * mapping was never reported, a sample: it must stay unresolved.
 */
TEST_F(ev, exec_epochs_keep_their_images)
{
	struct sample_spec s[] = {
		{ 50000, 100, 100, USER(fixture_leaf, 5) },
		{ 150000, 100, 100, USER(fixture_leaf, 5) },
		{ 250000, 100, 100, USER(fixture_leaf, 5) },
	};
	unsigned char r[2048];

	ev_add(&self->ev, r, make_mmap(r, 51000, 100, MAP_START, MAP_END,
				       TEXT_OFFSET, FIXTURE_BIN, 0));
	ev_add(&self->ev, r, make_task(r, SONDE_RECORD_EXEC, 100000, 100, 100,
				       0, "second"));
	ev_add(&self->ev, r, make_mmap(r, 100500, 100, MAP_START, MAP_END,
				       TEXT_OFFSET, OTHER_BIN,
				       SONDE_MMAP_EXEC));
	ev_add(&self->ev, r, make_task(r, SONDE_RECORD_EXEC, 200000, 100, 100,
				       0, "third"));
	ASSERT_EQ(0, write_rec(self->path, s, ARRAY_SIZE(s), &self->ev));
	ASSERT_EQ(0, script(self->path, &self->out, &self->err)) TH_LOG("%s", self->err.data);
	EXPECT_TRUE(block_has(self->out.data, 50000, "fixture_leaf+0x5"))
		TH_LOG("%s", self->out.data);
	EXPECT_TRUE(block_has(self->out.data, 150000, "(" OTHER_BIN ")"))
		TH_LOG("%s", self->out.data);
	EXPECT_FALSE(block_has(self->out.data, 150000, "fixture_leaf"));
	EXPECT_FALSE(block_has(self->out.data, 250000, "fixture_leaf"))
		TH_LOG("a missed epoch took another image: %s", self->out.data);
	EXPECT_FALSE(block_has(self->out.data, 250000, OTHER_BIN));
	EXPECT_TRUE(comm_is(self->out.data, 150000, "second"));
	EXPECT_TRUE(comm_is(self->out.data, 250000, "third"));
}

/* Threads named by FORK (inherited) and COMM (renamed) records. */
TEST_F(ev, threads_keep_their_names)
{
	struct sample_spec s[] = {
		{ 10000, 100, 101, USER(fixture_mid, 3) },
		{ 30000, 100, 101, USER(fixture_mid, 3) },
		{ 31000, 100, 100, USER(fixture_top, 2) },
	};
	unsigned char r[2048];

	ev_add(&self->ev, r, make_mmap(r, 1000, 100, MAP_START, MAP_END,
				       TEXT_OFFSET, FIXTURE_BIN, 0));
	ev_add(&self->ev, r, make_task(r, SONDE_RECORD_COMM, 2000, 100, 100,
				       0, "main-thread"));
	ev_add(&self->ev, r, make_task(r, SONDE_RECORD_FORK, 5000, 100, 100,
				       101, "main-thread"));
	ev_add(&self->ev, r, make_task(r, SONDE_RECORD_COMM, 20000, 100, 101,
				       0, "worker-A"));
	ASSERT_EQ(0, write_rec(self->path, s, ARRAY_SIZE(s), &self->ev));
	ASSERT_EQ(0, script(self->path, &self->out, &self->err)) TH_LOG("%s", self->err.data);
	EXPECT_TRUE(comm_is(self->out.data, 10000, "main-thread"))
		TH_LOG("%s", self->out.data);
	EXPECT_TRUE(comm_is(self->out.data, 30000, "worker-A"))
		TH_LOG("%s", self->out.data);
	EXPECT_TRUE(comm_is(self->out.data, 31000, "main-thread"));
	EXPECT_TRUE(block_has(self->out.data, 30000, "fixture_mid+0x3"));
}

/* One range, mapped by one file then by another (dlclose, dlopen). */
TEST_F(ev, a_range_mapped_again)
{
	struct sample_spec s[] = {
		{ 30000, 100, 100, USER(fixture_leaf, 5) },
		{ 70000, 100, 100, USER(fixture_leaf, 5) },
	};
	unsigned char r[2048];

	ev_add(&self->ev, r, make_mmap(r, 10000, 100, MAP_START, MAP_END,
				       TEXT_OFFSET, OTHER_BIN, 0));
	ev_add(&self->ev, r, make_mmap(r, 60000, 100, MAP_START, MAP_END,
				       TEXT_OFFSET, FIXTURE_BIN, 0));
	ASSERT_EQ(0, write_rec(self->path, s, ARRAY_SIZE(s), &self->ev));
	ASSERT_EQ(0, script(self->path, &self->out, &self->err)) TH_LOG("%s", self->err.data);
	EXPECT_TRUE(block_has(self->out.data, 30000, "(" OTHER_BIN ")"))
		TH_LOG("%s", self->out.data);
	EXPECT_TRUE(block_has(self->out.data, 70000, "fixture_leaf+0x5"))
		TH_LOG("%s", self->out.data);
}

/* How often @what occurs in @text. */
static unsigned int count_of(const char *text, const char *what)
{
	unsigned int n = 0;

	for (; (text = strstr(text, what)); text += strlen(what))
		n++;
	return n;
}

/*
 * The same range mapped again and again, by one file then the other:
 * 4,000 snapshots (fewer than events.c's MAX_SPLIT_RECORDS), so that
 * some share a slot of the profile builder's cache of frame locations
 * (65,536 slots: about 120 pairs do), and a sample in each must still
 * get the file mapped at its time, not the one an earlier snapshot left
 * in its slot.
 */
TEST_F(ev, many_epochs_of_one_range)
{
	enum { EPOCHS = 4000 };
	struct sample_spec *s = calloc(EPOCHS, sizeof(*s));
	unsigned char r[2048];
	unsigned int i;

	ASSERT_NE(NULL, s);
	for (i = 0; i < EPOCHS; i++) {
		ev_add(&self->ev, r,
		       make_mmap(r, 1000 + i * 10000ULL, 100, MAP_START,
				 MAP_END, TEXT_OFFSET,
				 i % 2 ? FIXTURE_BIN : OTHER_BIN, 0));
		s[i] = (struct sample_spec){ 5000 + i * 10000ULL, 100, 100,
					     USER(fixture_leaf, 5) };
	}
	ASSERT_EQ(0, write_rec(self->path, s, EPOCHS, &self->ev));
	free(s);
	ASSERT_EQ(0, script(self->path, &self->out, &self->err)) TH_LOG("%s", self->err.data);
	buf__append(&self->out, "", 1);
	EXPECT_EQ(EPOCHS / 2, count_of(self->out.data, "fixture_leaf+0x5"));
	EXPECT_EQ(EPOCHS / 2, count_of(self->out.data, "(" OTHER_BIN ")"));
	/* Each sample's own epoch: sample i at 5000 + i * 10000 ns. */
	EXPECT_TRUE(block_has(self->out.data, 5000, "(" OTHER_BIN ")"));
	EXPECT_TRUE(block_has(self->out.data, 15000, "fixture_leaf+0x5"));
}

/* Hostile records are skipped and counted, never trusted. */
TEST_F(ev, bad_records_are_skipped)
{
	struct sample_spec s[] = {
		{ 30000, 100, 100, USER(fixture_leaf, 5) },
	};
	unsigned char r[2048];
	struct sonde_mmap_event *m = (void *)r;
	size_t len;

	/* start >= end, path without NUL, build-id too long. */
	ev_add(&self->ev, r, make_mmap(r, 1000, 100, MAP_END, MAP_START,
				       TEXT_OFFSET, FIXTURE_BIN, 0));
	len = make_mmap(r, 1000, 100, MAP_START, MAP_END, TEXT_OFFSET,
			FIXTURE_BIN, 0);
	m->path[m->path_size - 1] = 'x';
	ev_add(&self->ev, r, len);
	len = make_mmap(r, 1000, 100, MAP_START, MAP_END, TEXT_OFFSET,
			FIXTURE_BIN, 0);
	m->build_id_size = 21;
	ev_add(&self->ev, r, len);
	ev_add(&self->ev, r, make_mmap(r, 2000, 100, MAP_START, MAP_END,
				       TEXT_OFFSET, FIXTURE_BIN, 0));
	ASSERT_EQ(0, write_rec(self->path, s, ARRAY_SIZE(s), &self->ev));
	ASSERT_EQ(0, script(self->path, &self->out, &self->err)) TH_LOG("%s", self->err.data);
	EXPECT_TRUE(block_has(self->out.data, 30000, "fixture_leaf+0x5"))
		TH_LOG("%s", self->out.data);
	EXPECT_NE(NULL, strstr(self->err.data, "bad task or mapping records"))
		TH_LOG("stderr: %s", self->err.data);
}

static size_t make_throttle(void *buf, __u32 type, __u64 time_ns, __u32 cpu,
			    __u64 period_ns)
{
	struct sonde_throttle *t = buf;

	memset(t, 0, sizeof(*t));
	t->hdr.type = type;
	t->hdr.size = sizeof(*t);
	t->time_ns = time_ns;
	t->cpu = cpu;
	t->max_overhead = 2500;
	t->period_ns = period_ns;
	t->handler_ns = 30000000;
	t->window_ns = 100000000;
	return sizeof(*t);
}

/* Does the header line of the sample at @time_ns say @period? */
static bool period_is(const char *out, unsigned int time_ns,
		      unsigned long long period)
{
	const char *b = block_at(out, time_ns);
	char want[48];

	snprintf(want, sizeof(want), "%10llu cpu-clock:", period);
	return b && !strncmp(b + strlen(" 0.000000: "), want, strlen(want));
}

/*
 * The overhead limit's records set the period the later samples of their
 * CPU stand for: CPU 0 at 4 ms from 150 us, back to the configured 1 ms
 * at 250 us; CPU 1's record changes nothing on CPU 0.
 */
TEST_F(ev, throttle_sets_the_period)
{
	const struct sample_spec s[] = {
		{ 100000, 100, 100, USER(fixture_leaf, 5) },
		{ 200000, 100, 100, USER(fixture_leaf, 5) },
		{ 300000, 100, 100, USER(fixture_leaf, 5) },
	};
	unsigned char rec[256];

	ev_add(&self->ev, rec, make_throttle(rec, SONDE_RECORD_THROTTLE,
					     150000, 0, 4000000));
	ev_add(&self->ev, rec, make_throttle(rec, SONDE_RECORD_THROTTLE,
					     50000, 1, 8000000));
	ev_add(&self->ev, rec, make_throttle(rec, SONDE_RECORD_UNTHROTTLE,
					     250000, 0, 1000000));
	ASSERT_EQ(0, write_rec(self->path, s, ARRAY_SIZE(s), &self->ev));
	ASSERT_EQ(0, script(self->path, &self->out, &self->err));
	EXPECT_TRUE(period_is(self->out.data, 100000, 1000000))
		TH_LOG("%s", self->out.data);
	EXPECT_TRUE(period_is(self->out.data, 200000, 4000000));
	EXPECT_TRUE(period_is(self->out.data, 300000, 1000000));
	EXPECT_EQ(0, self->err.len) TH_LOG("%s", self->err.data);
}

/*
 * report's percentages are of the periods samples stand for, as perf
 * report's overhead: one sample of fixture_mid at the configured 1 ms
 * and one of fixture_top at the throttled 4 ms are 20% and 80%, each
 * one sample; per thread, the thread with the heavier sample first.
 */
TEST_F(ev, report_weighs_periods)
{
	const struct sample_spec s[] = {
		{ 100000, 100, 100, USER(fixture_mid, 3) },
		{ 200000, 100, 101, USER(fixture_top, 2) },
	};
	char *rep[] = { "sonde", "report", "-i", self->path, NULL };
	char *thr[] = { "sonde", "report", "-i", self->path, "--per-thread",
			NULL };
	const char *mid, *top;
	unsigned char r[2048];

	ev_add(&self->ev, r, make_mmap(r, 1000, 100, MAP_START, MAP_END,
				       TEXT_OFFSET, FIXTURE_BIN, 0));
	ev_add(&self->ev, r, make_throttle(r, SONDE_RECORD_THROTTLE,
					   150000, 0, 4000000));
	ASSERT_EQ(0, write_rec(self->path, s, ARRAY_SIZE(s), &self->ev));
	ASSERT_EQ(0, run_sonde(rep, NULL, &self->out, &self->err))
		TH_LOG("%s", self->err.data);
	top = strstr(self->out.data, "  80.00%   80.00%         1  [.] fixture_top");
	mid = strstr(self->out.data, "  20.00%   20.00%         1  [.] fixture_mid");
	EXPECT_TRUE(top && mid && top < mid) TH_LOG("%s", self->out.data);
	self->out.len = 0;
	ASSERT_EQ(0, run_sonde(thr, NULL, &self->out, &self->err))
		TH_LOG("%s", self->err.data);
	top = strstr(self->out.data, "/101: 1 samples, 80.00%");
	mid = strstr(self->out.data, "/100: 1 samples, 20.00%");
	EXPECT_TRUE(top && mid && top < mid) TH_LOG("%s", self->out.data);
}

/*
 * The timer and two counters (page-faults as "page-faults", context
 * switches recorded as "cs"): 3 timer samples, 5 page-fault samples of
 * period 1, 2 context-switch samples of period 10, and one sample naming
 * a counter the recording does not list.
 */
static int write_counters(const char *path)
{
	struct srec_sample_event evs[2] = {
		{ .type = 1, .config = 2, .period = 1, .name = "page-faults" },
		{ .type = 1, .config = 3, .period = 10, .name = "cs" },
	};
	unsigned char rec[512];
	struct rec_writer *w;
	__u64 t = 100000, ip = USER(fixture_leaf, 5);
	int fd, err, i;

	err = rec_file_create(path, &w, &fd);
	if (err)
		return err;
	err = rec_writer__add_section(w, SREC_SEC_SAMPLE_EVENTS, 0, evs,
				      sizeof(evs));
	for (i = 0; !err && i < 3; i++, t += 1000)
		err = rec_writer__append_records(w, 0, rec,
				make_sample(rec, t, 0, 100, 100, SONDE_CTX_USER,
					    SONDE_SAMPLE_USER_REGS, NULL, 0,
					    &ip, 1));
	for (i = 0; !err && i < 5; i++, t += 1000)
		err = rec_writer__append_records(w, 0, rec,
				make_event_sample(rec, t, 100, 100, ip, 0, 1));
	for (i = 0; !err && i < 2; i++, t += 1000)
		err = rec_writer__append_records(w, 0, rec,
				make_event_sample(rec, t, 100, 100, ip, 1, 10));
	if (!err)
		err = rec_writer__append_records(w, 0, rec,
				make_event_sample(rec, t, 100, 100, ip, 7, 1));
	/* A jittered timer sample: the interval before it, 1.234567 ms. */
	t += 1000;
	if (!err)
		err = rec_writer__append_records(w, 0, rec,
				make_event_sample(rec, t, 100, 100, ip,
						    SONDE_EVENT_TIMER, 1234567));
	return rec_file_finish(w, fd, 12, err);
}

static unsigned int count_str(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

TEST_F(ev, counters_apart)
{
	char *scr[] = { "sonde", "script", "-i", self->path, NULL };
	char *rep[] = { "sonde", "report", "-i", self->path, NULL };
	char *pf[] = { "sonde", "report", "-i", self->path, "--event",
		       "page-faults", NULL };
	char *cs[] = { "sonde", "report", "-i", self->path, "--event",
		       "context-switches", NULL };
	char *bad[] = { "sonde", "report", "-i", self->path, "--event",
			"cycles", NULL };

	ASSERT_EQ(0, write_counters(self->path));
	/* script: every sample under its own event, with its period. */
	ASSERT_EQ(0, run_sonde(scr, NULL, &self->out, &self->err));
	EXPECT_EQ(4, count_str(self->out.data, " cpu-clock: "))
		TH_LOG("%s", self->out.data);
	EXPECT_EQ(1, count_str(self->out.data, "    1234567 cpu-clock: "));
	EXPECT_EQ(5, count_str(self->out.data, "          1 page-faults: "));
	EXPECT_EQ(2, count_str(self->out.data, "         10 cs: "));
	EXPECT_NE(NULL, strstr(self->err.data, "1 samples name a counter"))
		TH_LOG("%s", self->err.data);
	/* report: one event at a time, cpu-clock first, and it says so. */
	ASSERT_EQ(0, run_sonde(rep, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->err.data,
			       "report: cpu-clock samples only, of cpu-clock, page-faults, cs"))
		TH_LOG("%s", self->err.data);
	EXPECT_NE(NULL, strstr(self->out.data, "# event: cpu-clock (4 of"))
		TH_LOG("%s", self->out.data);
	ASSERT_EQ(0, run_sonde(pf, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->out.data, "# event: page-faults (5 of"))
		TH_LOG("%s", self->out.data);
	/* A counter by another of its names. */
	ASSERT_EQ(0, run_sonde(cs, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->out.data, "# event: cs (2 of"))
		TH_LOG("%s", self->out.data);
	EXPECT_EQ(2, run_sonde(bad, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->err.data, "--event cycles: the recording was not sampled on it"))
		TH_LOG("%s", self->err.data);
}

TEST_HARNESS_MAIN
