// SPDX-License-Identifier: GPL-2.0
/*
 * The perf fallback of sonde record (record/perfsource.h).
 *
 * Unit tests: perfsource__convert() on hand-built perf records (no
 * perf_event_open): a user sample with its frame-pointer chain and user
 * registers, a kernel sample with both chains, an idle one, a user stack
 * copy shorter than asked for, a counter's event trailer, PERF_RECORD_LOST,
 * a record type it skips, and truncated records; the ring reader over a
 * ring built in memory (perfsource__wrap()): records wrapping the end,
 * a malformed one.
 *
 * End to end (needs perf_event_open with software events, as root here;
 * skipped when refused): record --source perf -F 999 -g of
 * tests/workloads/split 2; report gives three_quarters 75% +-5 points of
 * the workload's samples and says the source, and script shows chains
 * down to main.
 */
#include <asm/perf_regs.h>
#include <linux/perf_event.h>

#include "kselftest_harness.h"

#include "helpers.h"
#include "record/perfsource.h"

#ifndef SPLIT_BIN
#define SPLIT_BIN	"../build/workloads/split"
#endif

#define ST_BASE	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | \
		 PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD)
#define REGS	((1ULL << PERF_REG_X86_BP) | (1ULL << PERF_REG_X86_SP) | \
		 (1ULL << PERF_REG_X86_IP))

/* A perf record under construction: header, then u64 words. */
struct prec {
	__u64 w[256];
	unsigned int n;
};

static void put(struct prec *p, __u64 v)
{
	p->w[p->n++] = v;
}

static struct perf_event_header *finish(struct prec *p, __u32 type,
					__u16 misc)
{
	struct perf_event_header *h = (void *)p->w;

	h->type = type;
	h->misc = misc;
	h->size = p->n * 8;
	return h;
}

/* The fixed start: id, ip, pid/tid, time, cpu, period. */
static void start(struct prec *p, __u64 id, __u64 ip, __u32 pid, __u32 tid,
		  __u64 time, __u32 cpu)
{
	p->n = 1;	/* the header */
	put(p, id);
	put(p, ip);
	put(p, (__u64)tid << 32 | pid);
	put(p, time);
	put(p, cpu);
	put(p, 1001001);
}

static struct perfsource_fmt *fmt(__u64 extra, __u32 stack)
{
	static struct perfsource_fmt f;

	memset(&f, 0, sizeof(f));
	f.sample_type = ST_BASE | extra;
	f.regs_mask = REGS;
	f.stack_bytes = stack;
	f.default_idx = PERFSOURCE_EV_TIMER;
	return &f;
}

TEST(user_sample_with_chain_and_regs)
{
	struct perfsource_fmt *f = fmt(PERF_SAMPLE_CALLCHAIN |
				       PERF_SAMPLE_REGS_USER, 0);
	struct prec p;
	struct buf out = { 0 };
	const struct sonde_sample *s;
	struct perf_event_header *h;

	start(&p, 7, 0x401000, 100, 101, 123456789, 1);
	put(&p, 4);
	put(&p, (__u64)PERF_CONTEXT_USER);
	put(&p, 0x401000);
	put(&p, 0x402000);
	put(&p, 0x403000);
	put(&p, PERF_SAMPLE_REGS_ABI_64);
	put(&p, 0x7ffd0010);	/* bp */
	put(&p, 0x7ffd0000);	/* sp */
	put(&p, 0x401000);	/* ip */
	h = finish(&p, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	ASSERT_EQ(1, perfsource__convert(h, h->size, f, 0, &out));
	s = (const void *)out.data;
	ASSERT_EQ(out.len, s->hdr.size);
	EXPECT_EQ(SONDE_RECORD_SAMPLE, s->hdr.type);
	EXPECT_EQ(sizeof(*s) + 3 * 8, s->hdr.size);
	EXPECT_EQ(123456789, s->time_ns);
	EXPECT_EQ(1, s->cpu);
	EXPECT_EQ(100, s->pid);
	EXPECT_EQ(101, s->tid);
	EXPECT_EQ(SONDE_CTX_USER, s->context);
	EXPECT_EQ(SONDE_SAMPLE_USER_REGS, s->flags);
	EXPECT_EQ(0x401000, s->ip);
	EXPECT_EQ(0x401000, s->user_ip);
	EXPECT_EQ(0x7ffd0000, s->user_sp);
	EXPECT_EQ(0x7ffd0010, s->user_bp);
	EXPECT_EQ(0, s->nr_kernel);
	EXPECT_EQ(3, s->nr_user);
	EXPECT_EQ(0, s->user_stack_size);
	EXPECT_EQ(0x401000, s->frames[0]);
	EXPECT_EQ(0x402000, s->frames[1]);
	EXPECT_EQ(0x403000, s->frames[2]);
	buf__free(&out);
}

TEST(kernel_sample_with_both_chains)
{
	struct perfsource_fmt *f = fmt(PERF_SAMPLE_CALLCHAIN |
				       PERF_SAMPLE_REGS_USER, 0);
	struct prec p;
	struct buf out = { 0 };
	const struct sonde_sample *s;
	struct perf_event_header *h;

	start(&p, 7, 0xffffffff81000100ULL, 200, 202, 5, 0);
	put(&p, 6);
	put(&p, (__u64)PERF_CONTEXT_KERNEL);
	put(&p, 0xffffffff81000100ULL);
	put(&p, 0xffffffff81000200ULL);
	put(&p, (__u64)PERF_CONTEXT_USER);
	put(&p, 0x501000);
	put(&p, 0x502000);
	put(&p, PERF_SAMPLE_REGS_ABI_64);
	put(&p, 0x10);
	put(&p, 0x20);
	put(&p, 0x501000);
	h = finish(&p, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL);
	ASSERT_EQ(1, perfsource__convert(h, h->size, f, 0, &out));
	s = (const void *)out.data;
	EXPECT_EQ(SONDE_CTX_KERNEL, s->context);
	EXPECT_EQ(2, s->nr_kernel);
	EXPECT_EQ(2, s->nr_user);
	EXPECT_EQ(0xffffffff81000100ULL, s->ip);
	EXPECT_EQ(0x501000, s->user_ip);
	EXPECT_EQ(0xffffffff81000100ULL, s->frames[0]);
	EXPECT_EQ(0xffffffff81000200ULL, s->frames[1]);
	EXPECT_EQ(0x501000, s->frames[2]);
	EXPECT_EQ(0x502000, s->frames[3]);
	buf__free(&out);
}

TEST(idle_and_kernel_thread)
{
	struct perfsource_fmt *f = fmt(PERF_SAMPLE_REGS_USER, 0);
	struct prec p;
	struct buf out = { 0 };
	const struct sonde_sample *s;
	struct perf_event_header *h;

	start(&p, 7, 0xffffffff81000100ULL, 0, 0, 5, 1);
	put(&p, PERF_SAMPLE_REGS_ABI_NONE);
	h = finish(&p, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL);
	ASSERT_EQ(1, perfsource__convert(h, h->size, f, 1, &out));
	s = (const void *)out.data;
	EXPECT_EQ(SONDE_CTX_IDLE, s->context);
	EXPECT_EQ(0, s->user_ip);

	out.len = 0;
	start(&p, 7, 0xffffffff81000100ULL, 9, 9, 5, 1);
	put(&p, PERF_SAMPLE_REGS_ABI_NONE);
	h = finish(&p, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL);
	ASSERT_EQ(1, perfsource__convert(h, h->size, f, 1, &out));
	s = (const void *)out.data;
	EXPECT_EQ(SONDE_CTX_KERNEL, s->context);
	EXPECT_EQ(SONDE_SAMPLE_KTHREAD, s->flags);
	buf__free(&out);
}

TEST(short_user_stack_copy)
{
	struct perfsource_fmt *f = fmt(PERF_SAMPLE_REGS_USER |
				       PERF_SAMPLE_STACK_USER, 24);
	struct prec p;
	struct buf out = { 0 };
	const struct sonde_sample *s;
	struct perf_event_header *h;

	start(&p, 7, 0x401000, 100, 100, 5, 0);
	put(&p, PERF_SAMPLE_REGS_ABI_64);
	put(&p, 0x10);
	put(&p, 0x20);
	put(&p, 0x401000);
	put(&p, 24);		/* size */
	put(&p, 0x1111);
	put(&p, 0x2222);
	put(&p, 0x3333);
	put(&p, 16);		/* dyn_size */
	h = finish(&p, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	ASSERT_EQ(1, perfsource__convert(h, h->size, f, 0, &out));
	s = (const void *)out.data;
	EXPECT_EQ(16, s->user_stack_size);
	EXPECT_EQ(SONDE_SAMPLE_USER_REGS | SONDE_SAMPLE_USER_STACK_SHORT,
		  s->flags);
	EXPECT_EQ(sizeof(*s) + 16, s->hdr.size);
	EXPECT_EQ(0x1111, s->frames[0]);
	EXPECT_EQ(0x2222, s->frames[1]);
	buf__free(&out);
}

TEST(counter_trailer)
{
	struct perfsource_fmt *f = fmt(0, 0);
	struct prec p;
	struct buf out = { 0 };
	const struct sonde_sample *s;
	const struct sonde_sample_event *ev;
	struct perf_event_header *h;

	f->nr_ids = 2;
	f->ids[0] = 41;
	f->idx[0] = PERFSOURCE_EV_TIMER;
	f->ids[1] = 42;
	f->idx[1] = 1;
	start(&p, 42, 0x401000, 100, 100, 5, 0);
	h = finish(&p, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	ASSERT_EQ(1, perfsource__convert(h, h->size, f, 0, &out));
	s = (const void *)out.data;
	EXPECT_EQ(SONDE_SAMPLE_EVENT, s->flags);
	ASSERT_EQ(sizeof(*s) + sizeof(*ev), s->hdr.size);
	ev = (const void *)(out.data + sizeof(*s));
	EXPECT_EQ(1, ev->event);
	EXPECT_EQ(1001001, ev->period);

	out.len = 0;
	start(&p, 41, 0x401000, 100, 100, 5, 0);
	h = finish(&p, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	ASSERT_EQ(1, perfsource__convert(h, h->size, f, 0, &out));
	s = (const void *)out.data;
	EXPECT_EQ(0, s->flags);
	EXPECT_EQ(sizeof(*s), s->hdr.size);
	buf__free(&out);
}

TEST(lost_skipped_and_truncated)
{
	struct perfsource_fmt *f = fmt(PERF_SAMPLE_CALLCHAIN, 0);
	struct prec p;
	struct buf out = { 0 };
	const struct sonde_lost *l;
	struct perf_event_header *h;

	p.n = 1;
	put(&p, 7);
	put(&p, 33);
	h = finish(&p, PERF_RECORD_LOST, 0);
	ASSERT_EQ(1, perfsource__convert(h, h->size, f, 3, &out));
	l = (const void *)out.data;
	EXPECT_EQ(SONDE_RECORD_LOST, l->hdr.type);
	EXPECT_EQ(sizeof(*l), l->hdr.size);
	EXPECT_EQ(3, l->cpu);
	EXPECT_EQ(33, l->nr_lost);
	EXPECT_EQ(33, l->by_reason[SONDE_LOST_RING_FULL]);

	out.len = 0;
	p.n = 1;
	put(&p, 0);
	h = finish(&p, PERF_RECORD_MMAP2, 0);
	EXPECT_EQ(0, perfsource__convert(h, h->size, f, 0, &out));
	EXPECT_EQ(0, out.len);

	/* A chain that claims more frames than the record holds. */
	start(&p, 7, 0x401000, 100, 100, 5, 0);
	put(&p, 1000);
	put(&p, (__u64)PERF_CONTEXT_USER);
	h = finish(&p, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	EXPECT_EQ(-EINVAL, perfsource__convert(h, h->size, f, 0, &out));
	/* Cut inside the fixed fields. */
	start(&p, 7, 0x401000, 100, 100, 5, 0);
	p.n = 4;
	h = finish(&p, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	EXPECT_EQ(-EINVAL, perfsource__convert(h, h->size, f, 0, &out));
	/* A header bigger than the bytes given. */
	EXPECT_EQ(-EINVAL, perfsource__convert(h, h->size - 8, f, 0, &out));
	EXPECT_EQ(0, out.len);
	buf__free(&out);
}

/* Copy @len bytes to free-running position @pos of a ring of @size. */
static void ring_put(__u8 *data, __u64 size, __u64 pos, const void *src,
		     size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		data[(pos + i) & (size - 1)] = ((const __u8 *)src)[i];
}

struct seen {
	unsigned int n;
	__u64 ips[8];
	__u32 cpus[8];
};

static int note(const struct sonde_record_header *h, void *ctx)
{
	struct seen *sn = ctx;
	const struct sonde_sample *s = (const void *)h;

	if (h->type == SONDE_RECORD_SAMPLE && sn->n < 8) {
		sn->cpus[sn->n] = s->cpu;
		sn->ips[sn->n++] = s->ip;
	}
	return 0;
}

/*
 * The ring reader: a record that wraps the end of the data area is read
 * whole, every record is handed on once, data_tail moves to data_head; a
 * record of impossible size drops the rest of the window and counts.
 */
TEST(ring_records_wrapping_the_end)
{
	const size_t page = 4096, size = 4096;
	struct perfsource_fmt *f = fmt(PERF_SAMPLE_CALLCHAIN, 0);
	struct perf_event_mmap_page *pg;
	struct perfsource *ps;
	struct seen sn = { 0 };
	struct prec p;
	struct perf_event_header *h;
	__u64 errors = 0, pos, start_pos = 3 * size - 40;
	__u8 *data;
	unsigned int i;

	pg = aligned_alloc(page, page + size);
	ASSERT_NE(NULL, pg);
	memset(pg, 0, page + size);
	pg->data_offset = page;
	pg->data_size = size;
	data = (__u8 *)pg + page;
	pos = start_pos;
	pg->data_tail = pos;
	for (i = 0; i < 3; i++) {
		start(&p, 7, 0x401000 + i, 100, 100, 5 + i, 1);
		put(&p, 2);
		put(&p, (__u64)PERF_CONTEXT_USER);
		put(&p, 0x401000 + i);
		h = finish(&p, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
		ring_put(data, size, pos, h, h->size);
		pos += h->size;
	}
	pg->data_head = pos;
	ASSERT_EQ(0, perfsource__wrap(&ps, pg, f, 1));
	EXPECT_EQ(pos - start_pos,
		  perfsource__consume(ps, 0, note, &sn, &errors));
	EXPECT_EQ(0, errors);
	ASSERT_EQ(3, sn.n);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0x401000 + i, sn.ips[i]);
		EXPECT_EQ(1, sn.cpus[i]);
	}
	EXPECT_EQ(pos, pg->data_tail);

	/* Nothing new: nothing handed on. */
	EXPECT_EQ(0, perfsource__consume(ps, 0, note, &sn, &errors));
	EXPECT_EQ(3, sn.n);

	/* A header whose size is not a multiple of 8. */
	p.n = 1;
	put(&p, 0);
	h = finish(&p, PERF_RECORD_SAMPLE, 0);
	h->size = 12;
	ring_put(data, size, pos, h, 16);
	pg->data_head = pos + 16;
	perfsource__consume(ps, 0, note, &sn, &errors);
	EXPECT_EQ(1, errors);
	EXPECT_EQ(3, sn.n);
	EXPECT_EQ(pos + 16, pg->data_tail);
	perfsource__close(ps);
	free(pg);
}

/* The Children percentage on @sym's row of a report, or -1. */
static double children_pct(const char *report, const char *sym)
{
	const char *line = report;

	while (line && *line) {
		double children, self;
		unsigned long n;
		char name[128];

		if (*line != '#' &&
		    sscanf(line, " %lf%% %lf%% %lu [.] %127s", &children, &self,
			   &n, name) == 4 && !strcmp(name, sym))
			return children;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

TEST(record_split_through_perf)
{
	char dir[] = "/tmp/sonde-perfsource.XXXXXX";
	char rec[64], *record[] = { "sonde", "record", "--source", "perf",
		"-F", "999", "-g", "-q", "-o", rec, "--", SPLIT_BIN, "2", NULL };
	char *report[] = { "sonde", "report", "-i", rec, "--no-inline",
		"--comm", "split", NULL };
	char *script[] = { "sonde", "script", "-i", rec, NULL };
	struct buf out = { 0 }, err = { 0 };
	double tq, oq;

	ASSERT_EQ(0, access(SPLIT_BIN, X_OK))
		TH_LOG("build tests/workloads first");
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(rec, sizeof(rec), "%s/split.sonde", dir);
	if (run_sonde(record, NULL, &out, &err)) {
		if (strstr(err.data, "permission denied"))
			SKIP(goto out, "perf_event_open refused: %s", err.data);
		ASSERT_TRUE(false) TH_LOG("record failed: %s", err.data);
	}
	ASSERT_EQ(0, run_sonde(report, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(out.data,
			       "# sampled through: perf_event_open"));
	tq = children_pct(out.data, "three_quarters");
	oq = children_pct(out.data, "one_quarter");
	TH_LOG("three_quarters %.2f%%, one_quarter %.2f%%", tq, oq);
	EXPECT_GE(tq, 70.0) TH_LOG("%s", out.data);
	EXPECT_LE(tq, 80.0) TH_LOG("%s", out.data);
	EXPECT_GE(oq, 15.0);
	ASSERT_EQ(0, run_sonde(script, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(out.data, " three_quarters+"));
	EXPECT_NE(NULL, strstr(out.data, " main+"));
	EXPECT_NE(NULL, strstr(out.data, " __libc_start_call_main+"));
out:
	unlink(rec);
	rmdir(dir);
	buf__free(&out);
	buf__free(&err);
}

TEST(fallback_is_said_once)
{
	char dir[] = "/tmp/sonde-perfsource.XXXXXX";
	char rec[64], *record[] = { "sonde", "record", "--source", "perf",
		"-F", "99", "-o", rec, "--", "/bin/true", NULL };
	struct buf out = { 0 }, err = { 0 };
	const char *first;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(rec, sizeof(rec), "%s/true.sonde", dir);
	if (run_sonde(record, NULL, &out, &err)) {
		if (strstr(err.data, "permission denied"))
			SKIP(goto out, "perf_event_open refused: %s", err.data);
		ASSERT_TRUE(false) TH_LOG("record failed: %s", err.data);
	}
	first = strstr(err.data, "sampling through perf_event_open");
	ASSERT_NE(NULL, first) TH_LOG("%s", err.data);
	EXPECT_EQ(NULL, strstr(first + 1, "sampling through perf_event_open"));
out:
	unlink(rec);
	rmdir(dir);
	buf__free(&out);
	buf__free(&err);
}

/* A counter beside cpu-clock: one ring per CPU takes both (SET_OUTPUT). */
TEST(counter_beside_the_timer)
{
	char dir[] = "/tmp/sonde-perfsource.XXXXXX";
	char rec[64], *record[] = { "sonde", "record", "--source", "perf",
		"-q", "-e", "task-clock,cpu-clock", "-F", "499", "-o", rec,
		"--", SPLIT_BIN, "0.5", NULL };
	char *report[] = { "sonde", "report", "-i", rec, "--no-inline",
		"--event", "task-clock", NULL };
	struct buf out = { 0 }, err = { 0 };

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(rec, sizeof(rec), "%s/two.sonde", dir);
	if (run_sonde(record, NULL, &out, &err)) {
		if (strstr(err.data, "permission denied"))
			SKIP(goto out, "perf_event_open refused: %s", err.data);
		ASSERT_TRUE(false) TH_LOG("record failed: %s", err.data);
	}
	ASSERT_EQ(0, run_sonde(report, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(out.data, "# event: task-clock ("))
		TH_LOG("%s", out.data);
	EXPECT_NE(NULL, strstr(out.data, "three_quarters"));
out:
	unlink(rec);
	rmdir(dir);
	buf__free(&out);
	buf__free(&err);
}

TEST_HARNESS_MAIN
