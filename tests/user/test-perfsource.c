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
 * down to main.  And what the side records tell (perfsource-side-records.c,
 * unit-tested in test-perfsource-side.c), with tests/workloads/late: a
 * child that execs a second executable is reported under that one's
 * name with its hot function, a thread renamed with prctl() under its
 * new name, and a library dlopen()ed late, then dlclose()d, symbolized,
 * and kept by record --archive although no process maps it at the end.
 */
#include <asm/perf_regs.h>
#include <linux/perf_event.h>

#include "kselftest_harness.h"

#include "helpers.h"
#include "lib/buildcache.h"
#include "lib/buildid.h"
#include "record/perfsource.h"

#ifndef SPLIT_BIN
#define SPLIT_BIN	"../build/workloads/split"
#endif
#ifndef LATE_BIN
#define LATE_BIN	"../build/workloads/late"
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

/*
 * The rows of @sym in @report: its Children percentage, and the DSO
 * column in @dso (@len bytes); -1 when there is none.
 */
static double sym_row(const char *report, const char *sym, char *dso,
		      size_t len)
{
	const char *line = report;

	while (line && *line) {
		double children, self;
		unsigned long n;
		char name[128], file[4096];

		if (*line != '#' &&
		    sscanf(line, " %lf%% %lf%% %lu [.] %127s %4095s", &children,
			   &self, &n, name, file) == 5 && !strcmp(name, sym)) {
			snprintf(dso, len, "%s", file);
			return children;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

/*
 * The path of the workload's file @name (next to LATE_BIN) in @out, as
 * the kernel names it (no symbolic links): what reports show.
 */
static void late_file(char *out, size_t len, const char *name)
{
	char dir[PATH_MAX], *slash;

	snprintf(out, len, "%s", LATE_BIN);
	slash = strrchr(out, '/');
	*slash = '\0';
	if (!realpath(out, dir))
		snprintf(dir, sizeof(dir), "%s", out);
	snprintf(out, len, "%s/%s", dir, name);
}

/*
 * After the start: children exec late-burn, a thread renames itself,
 * children dlopen() a library (tests/workloads/late.c).  Each step burns
 * 300 ms of CPU: at 999 Hz, hundreds of samples even on a busy machine,
 * of which the hot function takes most (the rest: its clock_gettime()).
 * The children live 30 ms each, so most are gone before the recorder
 * reads /proc: only the task and MMAP records name and resolve them.
 */
TEST(late_processes_names_and_libraries)
{
	char dir[] = "/tmp/sonde-perfsource.XXXXXX";
	char rec[64], *record[] = { "sonde", "record", "--source", "perf",
		"-F", "999", "-g", "-q", "-o", rec, "--", LATE_BIN, "300",
		NULL };
	char comm[32], *report[] = { "sonde", "report", "-i", rec,
		"--no-inline", "--comm", comm, NULL };
	char *all[] = { "sonde", "report", "-i", rec, "--no-inline", NULL };
	char dso[4096], want[4096];
	struct buf out = { 0 }, err = { 0 };
	double pct;

	ASSERT_EQ(0, access(LATE_BIN, X_OK))
		TH_LOG("build tests/workloads first");
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(rec, sizeof(rec), "%s/late.sonde", dir);
	if (run_sonde(record, NULL, &out, &err)) {
		if (strstr(err.data, "permission denied"))
			SKIP(goto out, "perf_event_open refused: %s", err.data);
		ASSERT_TRUE(false) TH_LOG("record failed: %s", err.data);
	}

	/* The exec'ed child: its name, its executable, its function. */
	snprintf(comm, sizeof(comm), "late-burn");
	ASSERT_EQ(0, run_sonde(report, NULL, &out, &err)) TH_LOG("%s", err.data);
	pct = sym_row(out.data, "exec_burn", dso, sizeof(dso));
	EXPECT_GE(pct, 50.0) TH_LOG("%s", out.data);
	late_file(want, sizeof(want), "late-burn");
	EXPECT_STREQ(want, dso);

	/* The renamed thread, under its new name only. */
	snprintf(comm, sizeof(comm), "late-renamed");
	ASSERT_EQ(0, run_sonde(report, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_GE(sym_row(out.data, "renamed_burn", dso, sizeof(dso)), 50.0)
		TH_LOG("%s", out.data);
	snprintf(comm, sizeof(comm), "late");
	ASSERT_EQ(0, run_sonde(report, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_LT(sym_row(out.data, "renamed_burn", dso, sizeof(dso)), 5.0)
		TH_LOG("%s", out.data);

	/*
	 * The library: mapped after the start, by children that fork (their
	 * name stays the parent's) and unmap it before they exit.  Their
	 * dlopen() runs in mappings inherited from the parent, which no
	 * record describes: some of their samples stay unresolved.
	 */
	EXPECT_GE(sym_row(out.data, "lib_burn", dso, sizeof(dso)), 40.0)
		TH_LOG("%s", out.data);
	late_file(want, sizeof(want), "liblate.so");
	EXPECT_STREQ(want, dso);

	/*
	 * Of every sample, a third each: short-lived children that /proc
	 * snapshots mostly miss count too.
	 */
	ASSERT_EQ(0, run_sonde(all, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_EQ(NULL, strstr(err.data, "bad task or mapping records"))
		TH_LOG("%s", err.data);
	EXPECT_GE(sym_row(out.data, "exec_burn", dso, sizeof(dso)), 15.0)
		TH_LOG("%s", out.data);
	EXPECT_GE(sym_row(out.data, "lib_burn", dso, sizeof(dso)), 15.0)
		TH_LOG("%s", out.data);
out:
	unlink(rec);
	rmdir(dir);
	buf__free(&out);
	buf__free(&err);
}

/*
 * The archive learns of late mappings from the MMAP records: with
 * --archive, liblate.so, mapped only by children that are gone at the
 * end, is kept by build-id (copied from its path, still its inode).
 */
TEST(late_library_is_archived)
{
	char dir[] = "/tmp/sonde-perfsource.XXXXXX";
	char rec[64], cache[64], lib[4096], *record[] = { "sonde", "record",
		"--source", "perf", "--archive", "-F", "99", "-q", "-o", rec,
		"--", LATE_BIN, "30", "2", NULL };
	unsigned char id[BUILD_ID_MAX];
	struct buf out = { 0 }, err = { 0 };
	int fd, n;

	ASSERT_EQ(0, access(LATE_BIN, X_OK))
		TH_LOG("build tests/workloads first");
	late_file(lib, sizeof(lib), "liblate.so");
	fd = open(lib, O_RDONLY);
	ASSERT_LE(0, fd);
	n = buildid__from_fd(fd, id, sizeof(id));
	close(fd);
	ASSERT_LT(0, n) TH_LOG("%s has no build-id", lib);
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(rec, sizeof(rec), "%s/late.sonde", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	setenv("SONDE_ARCHIVE_DIR", cache, 1);
	if (run_sonde(record, NULL, &out, &err)) {
		if (strstr(err.data, "permission denied"))
			SKIP(goto out, "perf_event_open refused: %s", err.data);
		ASSERT_TRUE(false) TH_LOG("record failed: %s", err.data);
	}
	fd = buildcache__open(cache, id, n, BUILDCACHE_ELF);
	EXPECT_LE(0, fd) TH_LOG("liblate.so not in %s", cache);
	if (fd >= 0)
		close(fd);
out:
	unsetenv("SONDE_ARCHIVE_DIR");
	remove_tree(dir);
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
