// SPDX-License-Identifier: GPL-2.0
/*
 * The perf fallback's side records (record/perfsource.h,
 * perfsource_side__convert()): hand-built PERF_RECORD_MMAP2, COMM, FORK
 * and EXIT records, with the sample_id trailer the recorder asks for,
 * become the module's MMAP, EXEC, COMM, FORK and EXIT records, which the
 * recording's own checks (sonde_record__check()) accept:
 *
 * - a file mapping keeps range, offset, device and inode, and takes the
 *   time and CPU of its trailer; anonymous code, the vDSO and a path
 *   perf lost are told apart as the module tells them; data mappings
 *   are dropped;
 * - an exec's COMM record is held until the process maps a file, whose
 *   path it takes; perfsource_side__flush() releases one without;
 * - a rename is a COMM record, and FORK and EXIT records carry the name
 *   last seen for the thread (or /proc's, for a thread not seen yet);
 * - the build-id of a mapped file is read through procmap;
 * - records whose sizes do not hold together append nothing;
 * - the ring reader hands every converted record on, in order, and the
 *   EXEC records still held at the end of its window last.
 *
 * No perf_event_open: tests/user/test-perfsource.c runs the fallback end
 * to end.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

#include "kselftest_harness.h"

#include "helpers.h"
#include "lib/buildid.h"
#include "record/perfsource.h"
#include "record/procmap.h"

/* What the recorder asks for: the trailer is pid/tid, time, cpu, id. */
#define ST	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | \
		 PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD)
#define RX	(PROT_READ | PROT_EXEC)

/* A perf record under construction, in u64 words after the header. */
struct prec {
	__u64 w[256];
	size_t len;		/* bytes written, header included */
};

static void begin(struct prec *p)
{
	memset(p, 0, sizeof(*p));
	p->len = sizeof(struct perf_event_header);
}

static void put_bytes(struct prec *p, const void *src, size_t n)
{
	memcpy((char *)p->w + p->len, src, n);
	p->len += n;
}

static void put32(struct prec *p, __u32 a, __u32 b)
{
	put_bytes(p, &a, 4);
	put_bytes(p, &b, 4);
}

static void put64(struct prec *p, __u64 v)
{
	put_bytes(p, &v, 8);
}

/* A NUL-terminated string padded to 8 bytes, as perf writes names. */
static void put_str(struct prec *p, const char *s)
{
	put_bytes(p, s, strlen(s) + 1);
	p->len = ALIGN8(p->len);
}

/* The sample_id trailer of ST, and the header. */
static struct perf_event_header *end(struct prec *p, __u32 type, __u16 misc,
				     __u32 pid, __u32 tid, __u64 time,
				     __u32 cpu)
{
	struct perf_event_header *h = (void *)p->w;

	put32(p, pid, tid);
	put64(p, time);
	put32(p, cpu, 0);
	put64(p, 77);		/* identifier */
	h->type = type;
	h->misc = misc;
	h->size = p->len;
	return h;
}

static struct perf_event_header *mmap2(struct prec *p, __u32 pid, __u32 tid,
				       __u64 addr, __u64 len, __u64 pgoff,
				       __u32 prot, const char *name,
				       __u64 time, __u32 cpu)
{
	begin(p);
	put32(p, pid, tid);
	put64(p, addr);
	put64(p, len);
	put64(p, pgoff);
	put32(p, 8, 0x123);	/* maj, min */
	put64(p, 4242);		/* ino */
	put64(p, 1);		/* ino_generation */
	put32(p, prot, MAP_PRIVATE);
	put_str(p, name);
	return end(p, PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER, pid, tid, time,
		   cpu);
}

static struct perf_event_header *comm(struct prec *p, __u32 pid, __u32 tid,
				      const char *name, bool exec, __u64 time)
{
	begin(p);
	put32(p, pid, tid);
	put_str(p, name);
	return end(p, PERF_RECORD_COMM, exec ? PERF_RECORD_MISC_COMM_EXEC : 0,
		   pid, tid, time, 1);
}

/* FORK (@exit false) or EXIT of @pid/@tid, whose parent is @ppid/@ptid. */
static struct perf_event_header *task(struct prec *p, bool exit, __u32 pid,
				      __u32 ppid, __u32 tid, __u32 ptid,
				      __u64 time)
{
	begin(p);
	put32(p, pid, ppid);
	put32(p, tid, ptid);
	put64(p, time);
	return end(p, exit ? PERF_RECORD_EXIT : PERF_RECORD_FORK, 0, pid, tid,
		   time, 2);
}

static const struct perfsource_fmt *fmt(void)
{
	static struct perfsource_fmt f;

	memset(&f, 0, sizeof(f));
	f.sample_type = ST;
	f.default_idx = PERFSOURCE_EV_TIMER;
	f.sample_id_all = true;
	return &f;
}

/* The @i-th record of @out, which must be one the reader accepts. */
static const void *nth(struct __test_metadata *_metadata,
		       const struct buf *out, unsigned int i)
{
	size_t off = 0;
	bool bad = true;
	long size;

	for (;;) {
		size = sonde_record__check(out->data + off, out->len - off,
					   &bad);
		EXPECT_LT(0, size);
		EXPECT_FALSE(bad);
		if (size <= 0 || bad)
			return NULL;
		if (!i--)
			return out->data + off;
		off += size;
	}
}

struct side {
	struct perfsource_side *s;
	struct buf out;
	struct prec p;
};

FIXTURE(side) {
	struct side t;
};

FIXTURE_SETUP(side)
{
	memset(&self->t, 0, sizeof(self->t));
	ASSERT_EQ(0, perfsource_side__new(&self->t.s, NULL));
}

FIXTURE_TEARDOWN(side)
{
	perfsource_side__free(self->t.s);
	buf__free(&self->t.out);
}

static int convert(struct side *t, const struct perf_event_header *h)
{
	return perfsource_side__convert(t->s, h, h->size, fmt(), 0, &t->out);
}

TEST_F(side, file_mapping)
{
	struct side *t = &self->t;
	const struct sonde_mmap_event *m;

	ASSERT_EQ(1, convert(t, mmap2(&t->p, 300, 301, 0x7f0000001000ULL,
				      0x2000, 0x1000, RX,
				      "/usr/lib/libfoo.so.1", 5000, 3)));
	m = nth(_metadata, &t->out, 0);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(SONDE_RECORD_MMAP, m->hdr.type);
	EXPECT_EQ(t->out.len, m->hdr.size);
	EXPECT_EQ(0, m->hdr.size % 8);
	EXPECT_EQ(5000, m->time_ns);
	EXPECT_EQ(3, m->cpu);
	EXPECT_EQ(300, m->pid);
	EXPECT_EQ(301, m->tid);
	EXPECT_EQ(0, m->ns_pid);
	EXPECT_EQ(0x7f0000001000ULL, m->start);
	EXPECT_EQ(0x7f0000003000ULL, m->end);
	EXPECT_EQ(0x1000, m->pgoff);
	EXPECT_EQ(4242, m->ino);
	/* What stat(2) says of device 8:0x123, as the module writes it. */
	EXPECT_EQ((__u32)makedev(8, 0x123), m->dev);
	EXPECT_EQ(0, m->flags);
	EXPECT_EQ(0, m->build_id_size);
	ASSERT_EQ(sizeof("/usr/lib/libfoo.so.1"), m->path_size);
	EXPECT_STREQ("/usr/lib/libfoo.so.1", m->path);
}

TEST_F(side, code_without_a_file)
{
	struct side *t = &self->t;
	const struct sonde_mmap_event *m;

	ASSERT_EQ(1, convert(t, mmap2(&t->p, 300, 300, 0x10000, 0x1000, 0x10,
				      RX | PROT_WRITE, "//anon", 1, 0)));
	ASSERT_EQ(1, convert(t, mmap2(&t->p, 300, 300, 0x20000, 0x2000, 0,
				      RX, "[vdso]", 2, 0)));
	ASSERT_EQ(1, convert(t, mmap2(&t->p, 300, 300, 0x30000, 0x1000, 0x40,
				      RX, "//toolong", 3, 0)));
	/* Data: the recorder never asks for it (attr.mmap_data). */
	ASSERT_EQ(0, convert(t, mmap2(&t->p, 300, 300, 0x40000, 0x1000, 0,
				      PROT_READ, "/etc/passwd", 4, 0)));

	m = nth(_metadata, &t->out, 0);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(SONDE_MMAP_ANON, m->flags);
	EXPECT_EQ(0, m->path_size);
	EXPECT_EQ(0, m->pgoff);
	EXPECT_EQ(0, m->ino);
	m = nth(_metadata, &t->out, 1);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(SONDE_MMAP_ANON, m->flags);
	ASSERT_EQ(sizeof("[vdso]"), m->path_size);
	EXPECT_STREQ("[vdso]", m->path);
	m = nth(_metadata, &t->out, 2);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(SONDE_MMAP_PATH_TRUNCATED, m->flags);
	ASSERT_EQ(1, m->path_size);
	EXPECT_STREQ("", m->path);
	EXPECT_EQ(0x40, m->pgoff);
	EXPECT_EQ(t->out.len, (const char *)m + m->hdr.size - t->out.data);
}

TEST_F(side, exec_takes_the_path_of_its_first_file_mapping)
{
	struct side *t = &self->t;
	const struct sonde_task_event *e;
	const struct sonde_mmap_event *m;

	/* Held: nothing yet, and a vDSO or another process's map is not it. */
	ASSERT_EQ(0, convert(t, comm(&t->p, 500, 500, "late-burn", true, 100)));
	EXPECT_EQ(0, t->out.len);
	ASSERT_EQ(1, convert(t, mmap2(&t->p, 500, 500, 0x7000, 0x1000, 0, RX,
				      "[vdso]", 105, 0)));
	ASSERT_EQ(1, convert(t, mmap2(&t->p, 600, 600, 0x9000, 0x1000, 0, RX,
				      "/bin/other", 106, 0)));
	t->out.len = 0;
	ASSERT_EQ(2, convert(t, mmap2(&t->p, 500, 500, 0x401000, 0x1000,
				      0x1000, RX, "/opt/late-burn", 110, 0)));
	e = nth(_metadata, &t->out, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(SONDE_RECORD_EXEC, e->hdr.type);
	EXPECT_EQ(100, e->time_ns);
	EXPECT_EQ(1, e->cpu);
	EXPECT_EQ(500, e->pid);
	EXPECT_EQ(500, e->tid);
	EXPECT_EQ(0, e->flags);
	EXPECT_STREQ("late-burn", e->comm);
	ASSERT_EQ(sizeof("/opt/late-burn"), e->path_size);
	EXPECT_STREQ("/opt/late-burn", e->path);
	m = nth(_metadata, &t->out, 1);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(SONDE_RECORD_MMAP, m->hdr.type);
	EXPECT_EQ(110, m->time_ns);

	/* Released once: the next mapping is only a mapping. */
	t->out.len = 0;
	ASSERT_EQ(1, convert(t, mmap2(&t->p, 500, 500, 0x7f0000000000ULL,
				      0x1000, 0, RX, "/lib/libc.so.6", 120,
				      0)));

	/* No mapping came: flushed without a path. */
	t->out.len = 0;
	ASSERT_EQ(0, convert(t, comm(&t->p, 700, 700, "sh", true, 200)));
	EXPECT_EQ(1, perfsource_side__flush(t->s, &t->out));
	e = nth(_metadata, &t->out, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(SONDE_RECORD_EXEC, e->hdr.type);
	EXPECT_EQ(700, e->pid);
	EXPECT_EQ(SONDE_TASK_PATH_TRUNCATED, e->flags);
	EXPECT_EQ(1, e->path_size);
	EXPECT_STREQ("sh", e->comm);
	EXPECT_EQ(0, perfsource_side__flush(t->s, &t->out));
}

TEST_F(side, names_follow_renames_forks_and_exits)
{
	struct side *t = &self->t;
	const struct sonde_task_event *e;

	ASSERT_EQ(0, convert(t, comm(&t->p, 800, 800, "late", true, 10)));
	EXPECT_EQ(1, perfsource_side__flush(t->s, &t->out));
	/* A thread of 800 is born with its parent's name, then renamed. */
	t->out.len = 0;
	ASSERT_EQ(1, convert(t, task(&t->p, false, 800, 800, 801, 800, 20)));
	e = nth(_metadata, &t->out, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(SONDE_RECORD_FORK, e->hdr.type);
	EXPECT_EQ(20, e->time_ns);
	EXPECT_EQ(2, e->cpu);
	EXPECT_EQ(800, e->pid);
	EXPECT_EQ(800, e->tid);
	EXPECT_EQ(800, e->child_pid);
	EXPECT_EQ(801, e->child_tid);
	EXPECT_EQ(SONDE_TASK_THREAD, e->flags);
	EXPECT_STREQ("late", e->comm);
	EXPECT_EQ(0, e->path_size);

	t->out.len = 0;
	ASSERT_EQ(1, convert(t, comm(&t->p, 800, 801, "late-renamed", false,
				     30)));
	e = nth(_metadata, &t->out, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(SONDE_RECORD_COMM, e->hdr.type);
	EXPECT_EQ(30, e->time_ns);
	EXPECT_EQ(800, e->pid);
	EXPECT_EQ(801, e->tid);
	EXPECT_STREQ("late-renamed", e->comm);

	/* The renamed thread forks a process: the child has its name. */
	t->out.len = 0;
	ASSERT_EQ(1, convert(t, task(&t->p, false, 900, 800, 900, 801, 40)));
	e = nth(_metadata, &t->out, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(800, e->pid);
	EXPECT_EQ(801, e->tid);
	EXPECT_EQ(900, e->child_pid);
	EXPECT_EQ(900, e->child_tid);
	EXPECT_EQ(0, e->flags);
	EXPECT_STREQ("late-renamed", e->comm);

	/* Exits name the thread that ends. */
	t->out.len = 0;
	ASSERT_EQ(1, convert(t, task(&t->p, true, 900, 800, 900, 800, 50)));
	ASSERT_EQ(1, convert(t, task(&t->p, true, 800, 1, 801, 1, 60)));
	e = nth(_metadata, &t->out, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(SONDE_RECORD_EXIT, e->hdr.type);
	EXPECT_EQ(50, e->time_ns);
	EXPECT_EQ(900, e->pid);
	EXPECT_EQ(900, e->tid);
	EXPECT_EQ(0, e->child_tid);
	EXPECT_STREQ("late-renamed", e->comm);
	e = nth(_metadata, &t->out, 1);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(801, e->tid);
	EXPECT_STREQ("late-renamed", e->comm);

	/*
	 * Rings are read one after another: a child's EXEC (t=90) may be
	 * converted before the FORK that made it (t=80, another CPU).  Its
	 * exit still has the name it exec'ed to.
	 */
	ASSERT_EQ(0, convert(t, comm(&t->p, 950, 950, "late-burn", true, 90)));
	ASSERT_EQ(1, perfsource_side__flush(t->s, &t->out));
	ASSERT_EQ(1, convert(t, task(&t->p, false, 950, 800, 950, 800, 80)));
	t->out.len = 0;
	ASSERT_EQ(1, convert(t, task(&t->p, true, 950, 800, 950, 800, 95)));
	e = nth(_metadata, &t->out, 0);
	ASSERT_NE(NULL, e);
	EXPECT_STREQ("late-burn", e->comm);

	/* Without /proc, a thread never named has no name. */
	t->out.len = 0;
	ASSERT_EQ(1, convert(t, task(&t->p, false, 1000, 999, 1000, 999, 70)));
	e = nth(_metadata, &t->out, 0);
	ASSERT_NE(NULL, e);
	EXPECT_STREQ("", e->comm);
}

/* Record @h cut or lying about its sizes: refused, nothing appended. */
static void expect_refused(struct __test_metadata *_metadata, struct side *t,
			   struct perf_event_header *h, size_t len)
{
	size_t before = t->out.len;

	EXPECT_EQ(-EINVAL, perfsource_side__convert(t->s, h, len, fmt(), 0,
						    &t->out));
	EXPECT_EQ(before, t->out.len);
}

TEST_F(side, hostile_sizes)
{
	struct side *t = &self->t;
	struct perf_event_header *h;
	__u8 *name;

	/* A header that claims more than was given, or less than itself. */
	h = mmap2(&t->p, 1, 1, 0x1000, 0x1000, 0, RX, "/bin/x", 1, 0);
	expect_refused(_metadata, t, h, h->size - 8);
	h->size = 4;
	expect_refused(_metadata, t, h, 64);
	expect_refused(_metadata, t, h, 2);

	/* A trailer that does not fit: the record is only its header. */
	h = comm(&t->p, 1, 1, "x", false, 1);
	h->size = 16;
	expect_refused(_metadata, t, h, 16);

	/* A name without its NUL inside the record. */
	h = comm(&t->p, 1, 1, "abcdefg", false, 1);
	name = (__u8 *)h + 16;
	memset(name, 'a', 8);
	expect_refused(_metadata, t, h, h->size);
	h = mmap2(&t->p, 1, 1, 0x1000, 0x1000, 0, RX, "/bin/abc", 1, 0);
	memset((__u8 *)h + 72, 'b', 16);
	expect_refused(_metadata, t, h, h->size);

	/* Cut inside the fixed fields: only the trailer left. */
	h = mmap2(&t->p, 1, 1, 0x1000, 0x1000, 0, RX, "/bin/x", 1, 0);
	memmove((__u8 *)h + 48, (__u8 *)h + h->size - 32, 32);
	h->size = 80;
	expect_refused(_metadata, t, h, h->size);
	h = task(&t->p, false, 2, 1, 2, 1, 5);
	memmove((__u8 *)h + 16, (__u8 *)h + h->size - 32, 32);
	h->size = 48;
	expect_refused(_metadata, t, h, h->size);

	/* An empty range, and one that wraps the address space. */
	expect_refused(_metadata, t, mmap2(&t->p, 1, 1, 0x1000, 0, 0, RX,
					   "/bin/x", 1, 0), t->p.len);
	expect_refused(_metadata, t, mmap2(&t->p, 1, 1, ~0ULL - 0xfff, 0x2000,
					   0, RX, "/bin/x", 1, 0), t->p.len);

	/* A build-id longer than any. */
	h = mmap2(&t->p, 1, 1, 0x1000, 0x1000, 0, RX, "/bin/x", 1, 0);
	h->misc |= PERF_RECORD_MISC_MMAP_BUILD_ID;
	((__u8 *)h)[40] = SONDE_BUILD_ID_MAX + 1;
	expect_refused(_metadata, t, h, h->size);
	EXPECT_EQ(0, t->out.len);

	/* Types it does not convert: skipped, not refused. */
	h = task(&t->p, false, 2, 1, 2, 1, 5);
	h->type = PERF_RECORD_THROTTLE;
	EXPECT_EQ(0, convert(t, h));
	EXPECT_EQ(0, t->out.len);
}

/* This test's own text mapping, as /proc/self/maps shows it. */
static int own_text(__u64 *start, __u64 *end, __u64 *pgoff, __u64 *ino,
		    char *path, size_t len)
{
	unsigned long long s, e, off, inode;
	char line[4096 + 128], perms[8], file[4096];
	FILE *f = fopen("/proc/self/maps", "r");
	void *here = (void *)own_text;
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %7s %llx %*s %llu %4095s", &s, &e,
			   perms, &off, &inode, file) != 6 ||
		    perms[2] != 'x' || (void *)(unsigned long)s > here ||
		    (void *)(unsigned long)e <= here)
			continue;
		*start = s;
		*end = e;
		*pgoff = off;
		*ino = inode;
		snprintf(path, len, "%s", file);
		err = 0;
	}
	fclose(f);
	return err;
}

/* With /proc: build-ids of mapped files, names of threads not met yet. */
TEST(side_reads_what_perf_does_not_say)
{
	unsigned char want[SONDE_BUILD_ID_MAX];
	const struct sonde_mmap_event *m;
	const struct sonde_task_event *e;
	struct perfsource_side *s;
	struct procmap *pm;
	struct buf out = { 0 };
	struct prec p;
	__u64 start, end, pgoff, ino;
	char path[4096], comm[32] = "", *text;
	int fd, n;
	size_t len;

	ASSERT_EQ(0, own_text(&start, &end, &pgoff, &ino, path, sizeof(path)));
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	n = buildid__from_fd(fd, want, sizeof(want));
	close(fd);
	ASSERT_LT(0, n) TH_LOG("%s has no build-id", path);
	ASSERT_EQ(0, procmap__new(&pm, "/proc"));
	ASSERT_EQ(0, perfsource_side__new(&s, pm));

	mmap2(&p, getpid(), getpid(), start, end - start, pgoff, RX, path, 1,
	      0);
	/* The record's inode is the file's: the build-id is trusted. */
	memcpy((__u8 *)p.w + 48, &ino, 8);
	ASSERT_EQ(1, perfsource_side__convert(s, (void *)p.w, p.len, fmt(), 0,
					      &out));
	m = (const void *)out.data;
	ASSERT_EQ(n, m->build_id_size);
	EXPECT_EQ(0, memcmp(want, m->build_id, n));

	/* Another inode at that path: no build-id is better than its. */
	out.len = 0;
	ino++;
	memcpy((__u8 *)p.w + 48, &ino, 8);
	ASSERT_EQ(1, perfsource_side__convert(s, (void *)p.w, p.len, fmt(), 0,
					      &out));
	m = (const void *)out.data;
	EXPECT_EQ(0, m->build_id_size);

	/* This thread forks: its name is read from /proc. */
	ASSERT_EQ(0, read_file("/proc/thread-self/comm", &text, &len));
	text[strcspn(text, "\n")] = '\0';
	snprintf(comm, sizeof(comm), "%s", text);
	free(text);
	out.len = 0;
	task(&p, false, 999999, getpid(), 999999, syscall(SYS_gettid), 5);
	ASSERT_EQ(1, perfsource_side__convert(s, (void *)p.w, p.len, fmt(), 0,
					      &out));
	e = (const void *)out.data;
	EXPECT_STREQ(comm, e->comm);
	EXPECT_NE(0, comm[0]);

	perfsource_side__free(s);
	procmap__free(pm);
	buf__free(&out);
}

struct seen {
	unsigned int n;
	__u32 types[8];
};

static int note(const struct sonde_record_header *h, void *ctx)
{
	struct seen *sn = ctx;

	if (sn->n < 8)
		sn->types[sn->n] = h->type;
	sn->n++;
	return 0;
}

/*
 * The ring reader with side records: an exec, its mapping, a sample and
 * another exec whose mapping is not in this window; then a record whose
 * contents do not hold together is counted and skipped, and the next
 * one still read.
 */
TEST(ring_hands_on_side_records)
{
	const size_t page = 4096, size = 4096;
	struct perf_event_mmap_page *pg;
	struct perfsource *ps;
	struct seen sn = { 0 };
	struct prec p;
	struct perf_event_header *h;
	__u64 errors = 0, pos = 0;
	__u8 *data;

	pg = aligned_alloc(page, page + size);
	ASSERT_NE(NULL, pg);
	memset(pg, 0, page + size);
	pg->data_offset = page;
	pg->data_size = size;
	data = (__u8 *)pg + page;
#define RING_PUT(hdr) do {						\
		memcpy(data + pos, (hdr), (hdr)->size);			\
		pos += (hdr)->size;					\
	} while (0)
	RING_PUT(comm(&p, 10, 10, "a", true, 1));
	RING_PUT(mmap2(&p, 10, 10, 0x1000, 0x1000, 0, RX, "/bin/a", 2, 0));
	/* A sample: id, ip, pid/tid, time, cpu, period. */
	begin(&p);
	put64(&p, 77);
	put64(&p, 0x1010);
	put32(&p, 10, 10);
	put64(&p, 3);
	put32(&p, 0, 0);
	put64(&p, 1);
	h = (void *)p.w;
	h->type = PERF_RECORD_SAMPLE;
	h->misc = PERF_RECORD_MISC_USER;
	h->size = p.len;
	RING_PUT(h);
	RING_PUT(comm(&p, 11, 11, "b", true, 4));
	pg->data_head = pos;
	ASSERT_EQ(0, perfsource__wrap(&ps, pg, fmt(), 0));
	EXPECT_EQ(pos, perfsource__consume(ps, 0, note, &sn, &errors));
	EXPECT_EQ(0, errors);
	ASSERT_EQ(4, sn.n);
	EXPECT_EQ(SONDE_RECORD_EXEC, sn.types[0]);
	EXPECT_EQ(SONDE_RECORD_MMAP, sn.types[1]);
	EXPECT_EQ(SONDE_RECORD_SAMPLE, sn.types[2]);
	EXPECT_EQ(SONDE_RECORD_EXEC, sn.types[3]);
	EXPECT_EQ(pos, pg->data_tail);

	sn.n = 0;
	h = comm(&p, 12, 12, "c", false, 5);
	memset((__u8 *)h + 16, 'c', 8);	/* no NUL */
	RING_PUT(h);
	RING_PUT(task(&p, true, 12, 1, 12, 1, 6));
	pg->data_head = pos;
	EXPECT_LT(0, perfsource__consume(ps, 0, note, &sn, &errors));
	EXPECT_EQ(1, errors);
	ASSERT_EQ(1, sn.n);
	EXPECT_EQ(SONDE_RECORD_EXIT, sn.types[0]);
	EXPECT_EQ(pos, pg->data_tail);
#undef RING_PUT
	perfsource__close(ps);
	free(pg);
}

TEST_HARNESS_MAIN
