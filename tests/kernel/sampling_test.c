// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: what the timer source samples.  Rate per CPU, the
 * CPU of every record, the tgid filter, a hot function's share, user
 * frame-pointer chains, user stack copies and kernel ORC chains.
 *
 * The workload functions live in their own sections so that the test
 * knows their address ranges (__start_/__stop_ symbols) without any
 * symbolizer; built with frame pointers and without inlining.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "helpers.h"

#define PAGES 64

extern const char __start_sonde_leaf[], __stop_sonde_leaf[];
extern const char __start_sonde_mid[], __stop_sonde_mid[];
extern const char __start_sonde_top[], __stop_sonde_top[];

static volatile uint64_t sink;

/*
 * GCC 12 sets up no frame in a leaf that needs no stack, even with
 * -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer; a frame-pointer
 * walk from such a leaf skips its caller.  O0 keeps the frame, so the
 * test checks the walk, not the compiler.
 */
__attribute__((noinline, section("sonde_leaf"), optimize("O0")))
void hot_leaf(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		sink += i * i;
}

__attribute__((noinline, section("sonde_mid")))
void hot_mid(uint64_t n)
{
	hot_leaf(n);
	sink++;
}

/* Calls the chain until @ms of CLOCK_MONOTONIC time have passed. */
__attribute__((noinline, section("sonde_top")))
void hot_top(unsigned int ms)
{
	uint64_t end = mono_ns() + ms * 1000000ull;

	while (mono_ns() < end)
		hot_mid(200000);
	sink++;
}

static bool in(uint64_t addr, const char *start, const char *stop)
{
	return addr >= (uintptr_t)start && addr < (uintptr_t)stop;
}

FIXTURE(sampling) {
	int fd;
	struct sonde_info info;
	struct test_ring *rings;
	int nr_rings;
};

FIXTURE_SETUP(sampling)
{
	self->fd = dev_open();
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, dev_info(self->fd, &self->info));
	self->nr_rings = self->info.nr_cpu_ids;
	self->rings = calloc(self->nr_rings, sizeof(*self->rings));
	ASSERT_NE(NULL, self->rings);
}

FIXTURE_TEARDOWN(sampling)
{
	for (int i = 0; i < self->nr_rings; i++)
		ring_unmap(&self->rings[i]);
	free(self->rings);
	close(self->fd);
}

static int map_all(int fd, const struct sonde_info *info,
		   struct test_ring *rings, uint32_t pages)
{
	for (unsigned int cpu = 0; cpu < info->nr_cpu_ids; cpu++) {
		int ret = ring_map(fd, info, cpu, pages, &rings[cpu]);

		if (ret)
			return ret;
	}
	return 0;
}

static void drain_all(struct test_ring *rings, int nr,
		      struct drain_counts *c, sample_fn fn, void *arg)
{
	for (int cpu = 0; cpu < nr; cpu++)
		ring_drain(&rings[cpu], &c[cpu], fn, arg);
}

/* Every CPU, idle or not, is sampled at the configured rate. */
TEST_F(sampling, rate_and_cpu)
{
	struct drain_counts *c = calloc(self->nr_rings, sizeof(*c));
	struct sonde_config cfg;
	uint64_t t0, t1;
	double secs;

	ASSERT_NE(NULL, c);
	config_init(&cfg, 1000, PAGES);
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, map_all(self->fd, &self->info, self->rings, PAGES));
	t0 = mono_ns();
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (int i = 0; i < 20; i++) {
		usleep(50000);
		drain_all(self->rings, self->nr_rings, c, NULL, NULL);
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	t1 = mono_ns();
	drain_all(self->rings, self->nr_rings, c, NULL, NULL);
	secs = (t1 - t0) / 1e9;

	for (int cpu = 0; cpu < nr_online_cpus(); cpu++) {
		double ratio = (c[cpu].samples + c[cpu].lost) / (secs * 1000);

		ksft_print_msg("cpu%d: %llu samples in %.3f s, %.3f of 1 kHz\n",
			       cpu, (unsigned long long)c[cpu].samples, secs,
			       ratio);
		EXPECT_EQ(0, c[cpu].bad_cpu);
		EXPECT_EQ(0, c[cpu].bad_records);
		EXPECT_EQ(0, c[cpu].lost);
		/* Tolerance for the emulated guest: see tests/README.md. */
		EXPECT_GE(ratio, 0.80);
		EXPECT_LE(ratio, 1.05);
	}
	free(c);
}

struct hot_counts {
	pid_t pid;
	uint64_t total, user, leaf, leaf_chain, leaf_stack, wrong_pid;
};

static void count_hot(const struct sonde_sample *s, void *arg)
{
	struct hot_counts *h = arg;
	const __u64 *user = s->frames + s->nr_kernel;

	h->total++;
	if ((pid_t)s->pid != h->pid)
		h->wrong_pid++;
	if (s->context != SONDE_CTX_USER)
		return;
	h->user++;
	if (!in(s->ip, __start_sonde_leaf, __stop_sonde_leaf))
		return;
	h->leaf++;
	if (s->nr_user >= 3 && user[0] == s->ip &&
	    in(user[1], __start_sonde_mid, __stop_sonde_mid) &&
	    in(user[2], __start_sonde_top, __stop_sonde_top))
		h->leaf_chain++;
	/* The return address into hot_mid sits on the copied stack. */
	if (s->nr_user >= 2 && s->user_stack_size >= 64) {
		const __u64 *stack = user + s->nr_user;

		for (uint32_t i = 0; i < s->user_stack_size / 8; i++) {
			if (stack[i] == user[1]) {
				h->leaf_stack++;
				break;
			}
		}
	}
}

/*
 * Only this process is sampled; its hot function dominates, and user
 * chains read leaf -> mid -> top.
 */
TEST_F(sampling, hot_function_and_user_chain)
{
	struct drain_counts *c = calloc(self->nr_rings, sizeof(*c));
	struct sonde_cpu_stats *st = calloc(self->nr_rings, sizeof(*st));
	struct hot_counts h = { .pid = getpid() };
	uint32_t tgid = getpid();
	struct sonde_config cfg;
	uint64_t filtered = 0;

	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, st);
	config_init(&cfg, 1000, PAGES);
	cfg.capture |= SONDE_CAPTURE_USER_STACK;
	cfg.user_stack_bytes = 1024;
	cfg.nr_tgids = 1;
	cfg.tgids_ptr = (uintptr_t)&tgid;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, map_all(self->fd, &self->info, self->rings, PAGES));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (int i = 0; i < 10; i++) {
		hot_top(100);
		drain_all(self->rings, self->nr_rings, c, count_hot, &h);
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	drain_all(self->rings, self->nr_rings, c, count_hot, &h);
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, st));
	for (int cpu = 0; cpu < self->nr_rings; cpu++)
		filtered += st[cpu].filtered;

	ksft_print_msg("samples %llu, user %llu, in hot_leaf %llu, full chain %llu, ret addr on stack %llu, filtered %llu\n",
		       (unsigned long long)h.total, (unsigned long long)h.user,
		       (unsigned long long)h.leaf,
		       (unsigned long long)h.leaf_chain,
		       (unsigned long long)h.leaf_stack,
		       (unsigned long long)filtered);
	EXPECT_EQ(0, h.wrong_pid);
	EXPECT_GT(filtered, 0) TH_LOG("other tasks (idle) were not filtered");
	ASSERT_GE(h.total, 300);
	EXPECT_GE(h.leaf * 100, h.total * 70) TH_LOG("hot_leaf should dominate");
	EXPECT_GE(h.leaf_chain * 100, h.leaf * 90);
	EXPECT_GE(h.leaf_stack * 100, h.leaf * 90);
	free(st);
	free(c);
}

struct syscall_counts {
	const struct ksyms *ks;
	uint64_t kernel, with_entry, with_read, hidden;
};

static void count_syscall(const struct sonde_sample *s, void *arg)
{
	struct syscall_counts *sc = arg;
	bool entry = false, read = false;

	if (s->context != SONDE_CTX_KERNEL)
		return;
	sc->kernel++;
	if (s->flags & SONDE_SAMPLE_KERNEL_HIDDEN)
		sc->hidden++;
	for (int i = 0; i < s->nr_kernel; i++) {
		const char *name = ksyms_name(sc->ks, s->frames[i]);

		if (!name)
			continue;
		if (!strcmp(name, "do_syscall_64"))
			entry = true;
		if (!strcmp(name, "ksys_read") || !strcmp(name, "vfs_read"))
			read = true;
	}
	sc->with_entry += entry;
	sc->with_read += read;
}

/* A read()-heavy loop yields kernel chains through the syscall entry. */
TEST_F(sampling, kernel_chain)
{
	struct drain_counts *c = calloc(self->nr_rings, sizeof(*c));
	struct syscall_counts sc = { 0 };
	uint32_t tgid = getpid();
	struct sonde_config cfg;
	static char buf[65536];
	int zero;

	ASSERT_NE(NULL, c);
	sc.ks = ksyms_load();
	ASSERT_NE(NULL, sc.ks);
	ASSERT_NE(0, ksyms_addr(sc.ks, "do_syscall_64"))
		TH_LOG("/proc/kallsyms shows no addresses");
	zero = open("/dev/zero", O_RDONLY);
	ASSERT_GE(zero, 0);
	config_init(&cfg, 1000, PAGES);
	cfg.nr_tgids = 1;
	cfg.tgids_ptr = (uintptr_t)&tgid;
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, map_all(self->fd, &self->info, self->rings, PAGES));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (int i = 0; i < 10; i++) {
		uint64_t end = mono_ns() + 100000000ull;

		while (mono_ns() < end)
			ASSERT_EQ(sizeof(buf), read(zero, buf, sizeof(buf)));
		drain_all(self->rings, self->nr_rings, c, count_syscall, &sc);
	}
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	drain_all(self->rings, self->nr_rings, c, count_syscall, &sc);
	ksft_print_msg("kernel samples %llu, through do_syscall_64 %llu, through ksys_read/vfs_read %llu\n",
		       (unsigned long long)sc.kernel,
		       (unsigned long long)sc.with_entry,
		       (unsigned long long)sc.with_read);
	EXPECT_EQ(0, sc.hidden);
	ASSERT_GE(sc.kernel, 100);
	EXPECT_GE(sc.with_entry * 100, sc.kernel * 80);
	EXPECT_GE(sc.with_read * 100, sc.kernel * 50);
	close(zero);
	ksyms_free((struct ksyms *)sc.ks);
	free(c);
}

TEST_HARNESS_MAIN
