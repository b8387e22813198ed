// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: the mmap permission model and ring memory contents.
 * Data is read-only, only the control page is writable, mappings are
 * all-or-nothing, not inherited, and everything unwritten reads as zero.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <poll.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include "kselftest_harness.h"
#include "helpers.h"

#define PAGES 4

FIXTURE(rings) {
	int fd;
	struct sonde_info info;
	size_t psz;
	size_t meta_len;
};

FIXTURE_SETUP(rings)
{
	struct sonde_config cfg;

	self->fd = dev_open();
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, dev_info(self->fd, &self->info));
	self->psz = self->info.page_size;
	self->meta_len = self->psz * (1 + 2 * PAGES);
	config_init(&cfg, 100, PAGES);
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
}

FIXTURE_TEARDOWN(rings)
{
	close(self->fd);
}

static void *map(int fd, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

TEST_F(rings, refused_mappings)
{
	off_t ctrl = ring_offset(&self->info, 0, true);
	off_t meta = ring_offset(&self->info, 0, false);
	int fd = self->fd;
	void *p;

	/* Data and meta are never writable or executable. */
	p = map(fd, self->meta_len, PROT_READ | PROT_WRITE, MAP_SHARED, meta);
	EXPECT_EQ(MAP_FAILED, p);
	p = map(fd, self->meta_len, PROT_READ | PROT_EXEC, MAP_SHARED, meta);
	EXPECT_EQ(MAP_FAILED, p);
	p = map(fd, self->psz, PROT_READ | PROT_EXEC, MAP_SHARED, ctrl);
	EXPECT_EQ(MAP_FAILED, p);
	/* Private mappings. */
	p = map(fd, self->meta_len, PROT_READ, MAP_PRIVATE, meta);
	EXPECT_EQ(MAP_FAILED, p);
	p = map(fd, self->psz, PROT_READ | PROT_WRITE, MAP_PRIVATE, ctrl);
	EXPECT_EQ(MAP_FAILED, p);
	/* Wrong lengths. */
	p = map(fd, self->meta_len - self->psz, PROT_READ, MAP_SHARED, meta);
	EXPECT_EQ(MAP_FAILED, p);
	p = map(fd, self->meta_len + self->psz, PROT_READ, MAP_SHARED, meta);
	EXPECT_EQ(MAP_FAILED, p);
	p = map(fd, 2 * self->psz, PROT_READ, MAP_SHARED, ctrl);
	EXPECT_EQ(MAP_FAILED, p);
	/* Offsets inside a CPU's range that name nothing, or past the end. */
	p = map(fd, self->psz, PROT_READ, MAP_SHARED, meta + self->psz);
	EXPECT_EQ(MAP_FAILED, p);
	p = map(fd, self->psz, PROT_READ, MAP_SHARED,
		ring_offset(&self->info, self->info.nr_cpu_ids, true));
	EXPECT_EQ(MAP_FAILED, p);
	p = map(fd, self->psz, PROT_READ, MAP_SHARED,
		ring_offset(&self->info, self->info.nr_cpu_ids + 100, true));
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(rings, no_upgrade_split_or_move)
{
	off_t meta = ring_offset(&self->info, 0, false);
	void *p, *q, *hole;

	p = map(self->fd, self->meta_len, PROT_READ, MAP_SHARED, meta);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, self->psz, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(p, self->meta_len, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	/*
	 * Partial munmap would split the mapping: refused by ->may_split,
	 * whose errno must come back, at the end as at the start.
	 */
	errno = 0;
	EXPECT_EQ(-1, munmap((char *)p + self->psz, self->psz));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, munmap(p, self->psz));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, munmap((char *)p + self->meta_len - self->psz,
			     self->psz));
	EXPECT_EQ(EINVAL, errno);
	/*
	 * Neither shrink (a split: EINVAL), grow (VM_DONTEXPAND: EFAULT)
	 * nor move (->mremap: EINVAL).
	 */
	errno = 0;
	q = mremap(p, self->meta_len, self->meta_len - self->psz, 0);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	q = mremap(p, self->meta_len, self->meta_len + self->psz,
		   MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	/*
	 * MREMAP_FIXED unmaps whatever lies at the target first: move into
	 * a hole reserved for the purpose, never onto an address that may
	 * hold something of ours.
	 */
	hole = mmap(NULL, self->meta_len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	errno = 0;
	q = mremap(p, self->meta_len, self->meta_len, MREMAP_MAYMOVE |
		   MREMAP_FIXED, hole);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EINVAL, errno);
	munmap(hole, self->meta_len);
	/* Still whole and readable, first page and last. */
	EXPECT_EQ(0, ((struct sonde_ring_meta *)p)->data_head);
	EXPECT_EQ(PAGES * self->psz,
		  ((struct sonde_ring_meta *)p)->data_size);
	EXPECT_EQ(0, ((volatile uint8_t *)p)[self->meta_len - 1]);
	EXPECT_EQ(0, munmap(p, self->meta_len));
}

/*
 * Every byte of a ring the kernel has not written reads zero before
 * START: the control page, the meta page past its named fields (its
 * reserved words, the pad before data_head and the rest of the page) and
 * all data.  Checked on every online CPU's ring, first of a fresh
 * session, then of rings made by a CONFIGURE of another size after a
 * session filled its rings with samples and was closed: the new rings
 * may get the old rings' pages, which must not carry those samples.
 */
static void expect_ring_zero(struct __test_metadata *_metadata,
			     FIXTURE_DATA(rings) * self, unsigned int cpu,
			     uint32_t pages)
{
	struct test_ring r;
	const uint8_t *bytes;
	size_t head = offsetof(struct sonde_ring_meta, data_head), n;

	ASSERT_EQ(0, ring_map(self->fd, &self->info, cpu, pages, &r));
	EXPECT_EQ(sizeof(struct sonde_ring_meta), r.meta->size);
	EXPECT_EQ(SONDE_ABI_VERSION, r.meta->version);
	EXPECT_EQ(cpu, r.meta->cpu);
	EXPECT_EQ(self->psz, r.meta->data_offset);
	EXPECT_EQ(pages * self->psz, r.meta->data_size);
	EXPECT_EQ(0, r.meta->data_head);
	EXPECT_EQ(0, r.meta->__reserved0);
	bytes = (const uint8_t *)r.meta;
	/* From the pad to the page's end, data_head aside. */
	n = first_byte_not(bytes, offsetof(struct sonde_ring_meta, __pad),
			   head, 0);
	EXPECT_EQ(head, n) TH_LOG("cpu%u meta byte %zu", cpu, n);
	n = first_byte_not(bytes, head + 8, self->psz, 0);
	EXPECT_EQ(self->psz, n) TH_LOG("cpu%u meta byte %zu", cpu, n);
	n = first_byte_not(r.data, 0, 2 * r.size, 0);
	EXPECT_EQ(2 * r.size, n) TH_LOG("cpu%u data byte %zu", cpu, n);
	n = first_byte_not(r.ctrl, 0, self->psz, 0);
	EXPECT_EQ(self->psz, n) TH_LOG("cpu%u ctrl byte %zu", cpu, n);
	/* The ctrl page is writable and the write is harmless. */
	r.ctrl->data_tail = 12345;
	ring_unmap(&r);
}

TEST_F(rings, fresh_memory_is_zero)
{
	int nr = nr_online_cpus(), full;
	struct sonde_cpu_stats *st;
	struct sonde_config cfg;

	for (int cpu = 0; cpu < nr; cpu++)
		expect_ring_zero(_metadata, self, cpu, PAGES);

	/* Fill every ring with samples until it loses, no reader; close. */
	st = calloc(self->info.nr_cpu_ids, sizeof(*st));
	ASSERT_NE(NULL, st);
	config_init(&cfg, 2000, PAGES);
	cfg.capture |= SONDE_CAPTURE_USER_STACK;
	cfg.user_stack_bytes = 512;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (int i = 0; i < 500; i++) {
		bool all_full = true;

		burn_cpu_ms(20);
		ASSERT_EQ(0, dev_stats(self->fd, &self->info, st));
		for (int cpu = 0; cpu < nr; cpu++)
			if (!stats_lost(&st[cpu]))
				all_full = false;
		if (all_full)
			break;
	}
	for (full = 0; full < nr && stats_lost(&st[full]); full++)
		;
	EXPECT_EQ(nr, full) TH_LOG("ring %d never filled", full);
	free(st);
	close(self->fd);
	self->fd = dev_open();
	ASSERT_GE(self->fd, 0);
	config_init(&cfg, 100, 2 * PAGES);
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	for (int cpu = 0; cpu < nr; cpu++)
		expect_ring_zero(_metadata, self, cpu, 2 * PAGES);
}

/* What data_is_mapped_twice saw of the records that wrap the ring's end. */
struct crossing {
	const struct test_ring *ring;
	pid_t pid;
	uint64_t samples, crossed, bad;
};

/*
 * A record that starts near the end of the data area and runs past it
 * must read as one piece: the bytes past the end are the second mapping
 * of the data pages, the same as the first bytes of the ring.
 */
static void check_crossing(const struct sonde_sample *s, void *arg)
{
	struct crossing *x = arg;
	const uint8_t *start = (const uint8_t *)s;
	uint64_t off = start - x->ring->data, first, len;

	x->samples++;
	if (off + s->hdr.size <= x->ring->size)
		return;
	x->crossed++;
	first = x->ring->size - off;
	/* The wrapped part, seen through both mappings. */
	if (memcmp(start + first, x->ring->data, s->hdr.size - first))
		x->bad++;
	/* The record is whole: its own fields account for its size. */
	len = sizeof(*s) + 8ull * (s->nr_kernel + s->nr_user) +
	      s->user_stack_size;
	len = (len + 7) & ~7ull;
	/* A timer sample after missed periods says how many (uapi). */
	if (s->flags & SONDE_SAMPLE_EVENT)
		len += sizeof(struct sonde_sample_event);
	if (s->hdr.type != SONDE_RECORD_SAMPLE ||
	    s->hdr.size != len || s->cpu != x->ring->cpu)
		x->bad++;
	/* Ours, in user context: the user chain starts at the sampled IP. */
	if (s->pid == (uint32_t)x->pid && s->context == SONDE_CTX_USER &&
	    (!s->nr_user || s->frames[s->nr_kernel] != s->ip))
		x->bad++;
}

TEST_F(rings, data_is_mapped_twice)
{
	struct drain_counts c = { 0 };
	struct crossing x = { .pid = getpid() };
	struct sonde_config cfg;
	struct test_ring r;
	cpu_set_t cpus;

	/* Sample ourselves on CPU 0: records of varying chain depths. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	config_init(&cfg, 1000, PAGES);
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, ring_map(self->fd, &self->info, 0, PAGES, &r));
	x.ring = &r;
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	/*
	 * Run until records have wrapped a 16 KiB ring a few times and at
	 * least one record straddled its end; bounded for a slow guest.
	 */
	for (int i = 0; i < 400 && (x.crossed < 2 || i < 40); i++) {
		burn_cpu_ms(25);
		ring_drain(&r, &c, check_crossing, &x);
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	ring_drain(&r, &c, check_crossing, &x);
	ksft_print_msg("%llu samples, %llu bytes, %llu crossed the end\n",
		       (unsigned long long)x.samples,
		       (unsigned long long)r.meta->data_head,
		       (unsigned long long)x.crossed);
	EXPECT_GT(r.meta->data_head, 2 * r.size);
	EXPECT_EQ(0, memcmp(r.data, r.data + r.size, r.size));
	EXPECT_GT(x.crossed, 0) TH_LOG("no record wrapped the end");
	EXPECT_EQ(0, x.bad);
	EXPECT_EQ(0, c.bad_records);
	EXPECT_EQ(0, c.bad_cpu);
	EXPECT_GT(c.samples, 0);
	ring_unmap(&r);
	CPU_ZERO(&cpus);
	for (int cpu = 0; cpu < nr_online_cpus(); cpu++)
		CPU_SET(cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
}

/* Two mappings of one ring show the same bytes. */
TEST_F(rings, mapped_twice_by_one_process)
{
	struct test_ring a, b;

	ASSERT_EQ(0, ring_map(self->fd, &self->info, 0, PAGES, &a));
	ASSERT_EQ(0, ring_map(self->fd, &self->info, 0, PAGES, &b));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	/* Until CPU 0 sampled, however long a busy host makes that. */
	for (int i = 0; i < 200 && !a.meta->data_head; i++)
		burn_cpu_ms(50);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	EXPECT_NE(0, a.meta->data_head);
	EXPECT_EQ(a.meta->data_head, b.meta->data_head);
	EXPECT_EQ(0, memcmp(a.data, b.data, a.size));
	a.ctrl->data_tail = 64;
	EXPECT_EQ(64, b.ctrl->data_tail);
	ring_unmap(&a);
	ring_unmap(&b);
}

static sigjmp_buf segv_jmp;

static void on_segv(int sig)
{
	siglongjmp(segv_jmp, 1);
}

TEST_F(rings, not_inherited_by_fork)
{
	struct test_ring r;
	pid_t pid;
	int status;

	ASSERT_EQ(0, ring_map(self->fd, &self->info, 0, PAGES, &r));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		volatile uint64_t v;

		signal(SIGSEGV, on_segv);
		if (sigsetjmp(segv_jmp, 1))
			_exit(0);	/* the page is gone: expected */
		v = r.meta->data_size;
		(void)v;
		_exit(1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ring_unmap(&r);
}

/* Mappings outlive the fd; closing it frees the device for a new open. */
TEST_F(rings, mapping_outlives_close)
{
	struct test_ring r;
	int fd2;

	ASSERT_EQ(0, ring_map(self->fd, &self->info, 0, PAGES, &r));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	burn_cpu_ms(30);
	close(self->fd);
	fd2 = dev_open();
	EXPECT_GE(fd2, 0) TH_LOG("close did not release the session");
	EXPECT_EQ(PAGES * self->psz, r.meta->data_size);
	{
		uint64_t head = r.meta->data_head;

		burn_cpu_ms(30);
		EXPECT_EQ(head, r.meta->data_head) TH_LOG("still sampling");
	}
	ring_unmap(&r);
	self->fd = fd2;
}

struct faulting_configure {
	int fd;
	void *arg;
	long ret;
};

static void *configure_thread(void *p)
{
	struct faulting_configure *fc = p;

	fc->ret = ioctl(fc->fd, SONDE_IOC_CONFIGURE, fc->arg);
	return NULL;
}

struct mapper {
	int fd;
	off_t off;
	size_t len;
	void *addr;
};

static void *mmap_thread(void *p)
{
	struct mapper *m = p;

	m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       m->fd, m->off);
	return NULL;
}

/*
 * CONFIGURE parked in a page fault on its own argument (userfaultfd) must
 * not hold anything mmap() of a ring waits for: ->mmap() runs under the
 * mmap lock, which the fault needs.  Both complete once the fault is
 * resolved; a lock inversion would leave them stuck.
 */
TEST_F(rings, mmap_while_configure_faults)
{
	struct faulting_configure fc = { .fd = self->fd };
	struct mapper m = { .fd = self->fd, .len = self->psz,
			    .off = ring_offset(&self->info, 0, true) };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffdio_copy copy;
	struct pollfd pfd;
	struct uffd_msg msg;
	struct sonde_config cfg;
	pthread_t a, b;
	void *page, *src;
	int uffd;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	page = mmap(NULL, self->psz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	reg.range.start = (uintptr_t)page;
	reg.range.len = self->psz;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	fc.arg = page;
	ASSERT_EQ(0, pthread_create(&a, NULL, configure_thread, &fc));
	pfd.fd = uffd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 5000));
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	/* CONFIGURE now waits in the fault. */
	ASSERT_EQ(0, pthread_create(&b, NULL, mmap_thread, &m));
	usleep(200000);

	config_init(&cfg, 100, PAGES);
	src = aligned_alloc(self->psz, self->psz);
	ASSERT_NE(NULL, src);
	memset(src, 0, self->psz);
	memcpy(src, &cfg, sizeof(cfg));
	copy.dst = (uintptr_t)page;
	copy.src = (uintptr_t)src;
	copy.len = self->psz;
	copy.mode = 0;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	EXPECT_EQ(0, fc.ret);
	EXPECT_NE(MAP_FAILED, m.addr);
	if (m.addr != MAP_FAILED)
		munmap(m.addr, self->psz);
	free(src);
	munmap(page, self->psz);
	close(uffd);
}

TEST_HARNESS_MAIN
