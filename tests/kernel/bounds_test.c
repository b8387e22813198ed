// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: bounds the module keeps whatever userspace does
 * (issue 7, items 2 and 3).
 *
 * - Ring memory: rings outlive their session while mapped, so the cap
 *   on ring memory must hold across CONFIGUREs and sessions, not per
 *   CONFIGURE (class: unbounded kernel memory pinned by userspace).
 * - poll(): a watermark the producer can never reach is refused, and a
 *   LOST record written by GET_STATS after STOP wakes a waiting poller
 *   (class: a poller asleep for ever).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "helpers.h"

static uint64_t mem_total_bytes(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

/* What the module budgets for one CONFIGURE: data, meta and ctrl pages. */
static uint64_t configure_bytes(const struct sonde_info *info, uint32_t pages)
{
	return (uint64_t)nr_online_cpus() * (pages + 2) * info->page_size;
}

struct mapped {
	void *addr;
	size_t len;
};

/*
 * CONFIGURE with the largest rings, map one ring (which keeps them
 * alive), CONFIGURE again, across close and reopen too: the module must
 * say ENOMEM once the live rings reach its cap, and accept again once
 * they are unmapped.
 */
TEST(ring_memory_cap_across_sessions)
{
	struct sonde_info info;
	struct sonde_config cfg;
	struct mapped *maps;
	uint64_t budget, each;
	unsigned int n = 0, max_rounds;
	int fd, ret = 0;

	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	each = configure_bytes(&info, info.max_ring_pages);
	budget = mem_total_bytes() / 4;
	ASSERT_GT(budget, 0);
	/* The cap counts RAM the kernel manages, a little below MemTotal. */
	max_rounds = budget / each + 2;
	maps = calloc(max_rounds + 1, sizeof(*maps));
	ASSERT_NE(NULL, maps);

	while (n <= max_rounds) {
		config_init(&cfg, 1000, info.max_ring_pages);
		ret = dev_configure(fd, &cfg);
		if (ret)
			break;
		/* CPU 0 exists in every mask: keep its ring mapped. */
		maps[n].len = info.page_size * (1 + 2 * (size_t)info.max_ring_pages);
		maps[n].addr = mmap(NULL, maps[n].len, PROT_READ, MAP_SHARED, fd,
				    ring_offset(&info, 0, false));
		ASSERT_NE(MAP_FAILED, maps[n].addr);
		n++;
		/* Every other round in a new session: close does not free. */
		if (n % 2 == 0) {
			close(fd);
			fd = dev_open();
			ASSERT_GE(fd, 0);
		}
	}
	TH_LOG("%u CONFIGUREs of %llu MiB each held before %d (budget %llu MiB)",
	       n, (unsigned long long)(each >> 20), ret,
	       (unsigned long long)(budget >> 20));
	EXPECT_EQ(-ENOMEM, ret);
	EXPECT_LE(n, max_rounds);
	EXPECT_GE(n, 1);

	/* The refusal is about live memory: unmapping gives it back. */
	for (unsigned int i = 0; i < n; i++)
		munmap(maps[i].addr, maps[i].len);
	close(fd);
	fd = dev_open();
	ASSERT_GE(fd, 0);
	config_init(&cfg, 1000, info.max_ring_pages);
	EXPECT_EQ(0, dev_configure(fd, &cfg));
	close(fd);
	free(maps);
}

/*
 * Largest SAMPLE record for the depths config_init() asks for: a timer
 * sample after missed periods ends with a struct sonde_sample_event.
 */
static uint64_t max_record(const struct sonde_info *info, uint32_t stack)
{
	return sizeof(struct sonde_sample) +
	       8ull * (info->max_kernel_depth + info->max_user_depth) + stack +
	       sizeof(struct sonde_sample_event);
}

TEST(watermark_must_be_reachable)
{
	struct sonde_info info;
	struct sonde_config cfg;
	uint64_t size, reach;
	int fd;

	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	size = (uint64_t)info.min_ring_pages * info.page_size;
	reach = size - max_record(&info, 0) - sizeof(struct sonde_lost);

	config_init(&cfg, 1000, info.min_ring_pages);
	cfg.wakeup_bytes = size;	/* was accepted; never reached */
	EXPECT_EQ(-EINVAL, dev_configure(fd, &cfg));
	cfg.wakeup_bytes = reach + 8;
	EXPECT_EQ(-EINVAL, dev_configure(fd, &cfg));
	cfg.wakeup_bytes = reach;
	EXPECT_EQ(0, dev_configure(fd, &cfg));

	/* A stack copy makes the largest record larger. */
	config_init(&cfg, 1000, 4 * info.min_ring_pages);
	cfg.capture |= SONDE_CAPTURE_USER_STACK;
	cfg.user_stack_bytes = 4096;
	size *= 4;
	reach = size - max_record(&info, 4096) - sizeof(struct sonde_lost);
	cfg.wakeup_bytes = reach + 8;
	EXPECT_EQ(-EINVAL, dev_configure(fd, &cfg));
	cfg.wakeup_bytes = reach;
	EXPECT_EQ(0, dev_configure(fd, &cfg));
	close(fd);
}

/*
 * At the highest watermark accepted, a reader that never drains is still
 * woken: the producer fills the ring past it before dropping samples.
 */
TEST(highest_watermark_wakes)
{
	struct sonde_info info;
	struct sonde_config cfg;
	struct test_ring ring;
	struct pollfd p;
	uint64_t size, mask = 1;
	int fd, n;

	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	size = (uint64_t)info.min_ring_pages * info.page_size;
	config_init(&cfg, 2000, info.min_ring_pages);
	cfg.wakeup_bytes = size - max_record(&info, 0) -
			   sizeof(struct sonde_lost);
	/* One CPU, so that only its ring can wake us. */
	cfg.cpumask_bytes = sizeof(mask);
	cfg.cpumask_ptr = (uintptr_t)&mask;
	ASSERT_EQ(0, dev_configure(fd, &cfg));
	ASSERT_EQ(0, ring_map(fd, &info, 0, info.min_ring_pages, &ring));
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_START, 0));
	p.fd = fd;
	p.events = POLLIN;
	n = poll(&p, 1, 20000);
	EXPECT_EQ(1, n);
	EXPECT_EQ(0, ioctl(fd, SONDE_IOC_STOP, 0));
	ring_unmap(&ring);
	close(fd);
}

struct poller {
	int fd;
	int ret;
	uint64_t waited_ns;
};

static void *poll_thread(void *arg)
{
	struct poller *pl = arg;
	struct pollfd p = { .fd = pl->fd, .events = POLLIN };
	uint64_t t0 = mono_ns();

	pl->ret = poll(&p, 1, 10000);
	pl->waited_ns = mono_ns() - t0;
	return NULL;
}

/*
 * Stalled reader, STOP with the ring full (the LOST record cannot be
 * written), drain, and wait in poll(): the GET_STATS that finally writes
 * the LOST record must wake the poller, who otherwise sleeps on an empty,
 * stopped ring.
 */
TEST(lost_record_from_get_stats_wakes_poller)
{
	struct sonde_cpu_stats *st;
	struct drain_counts c = {};
	struct sonde_info info;
	struct sonde_config cfg;
	struct poller pl = {};
	struct test_ring ring;
	pthread_t thread;
	uint64_t mask = 1;
	int fd, attempt;

	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	st = calloc(info.nr_cpu_ids, sizeof(*st));
	ASSERT_NE(NULL, st);
	/*
	 * Records of 72 or 80 bytes: the producer gives up with less than
	 * that room left, and most of the time that is less than the 64 a
	 * LOST record needs.  Try until STOP found no room for it.
	 */
	for (attempt = 0; attempt < 10; attempt++) {
		memset(&c, 0, sizeof(c));
		config_init(&cfg, 2000, info.min_ring_pages);
		cfg.capture = 0;
		cfg.cpumask_bytes = sizeof(mask);
		cfg.cpumask_ptr = (uintptr_t)&mask;
		ASSERT_EQ(0, dev_configure(fd, &cfg));
		ASSERT_EQ(0, ring_map(fd, &info, 0, info.min_ring_pages,
				      &ring));
		ASSERT_EQ(0, ioctl(fd, SONDE_IOC_START, 0));
		/* Until the ring is full and samples are being lost. */
		for (int i = 0; i < 200; i++) {
			usleep(20000);
			ASSERT_EQ(0, dev_stats(fd, &info, st));
			if (st[0].lost[SONDE_LOST_RING_FULL] > 10)
				break;
		}
		ASSERT_GT(st[0].lost[SONDE_LOST_RING_FULL], 10);
		ASSERT_EQ(0, ioctl(fd, SONDE_IOC_STOP, 0));
		ring_drain(&ring, &c, NULL, NULL);
		ASSERT_EQ(0, c.bad_records);
		/* STOP found no room: nothing said the losses yet. */
		if (c.lost < st[0].lost[SONDE_LOST_RING_FULL])
			break;
		ring_unmap(&ring);
	}
	TH_LOG("the LOST record found no room at STOP on attempt %d",
	       attempt + 1);
	ASSERT_LT(attempt, 10);

	pl.fd = fd;
	ASSERT_EQ(0, pthread_create(&thread, NULL, poll_thread, &pl));
	usleep(300000);		/* the poller is asleep on an empty ring */
	ASSERT_EQ(0, dev_stats(fd, &info, st));
	pthread_join(thread, NULL);
	TH_LOG("poll returned %d after %llu ms", pl.ret,
	       (unsigned long long)(pl.waited_ns / 1000000));
	EXPECT_EQ(1, pl.ret);
	EXPECT_LT(pl.waited_ns, 5000000000ull);

	/* And the stream closes the account. */
	ring_drain(&ring, &c, NULL, NULL);
	EXPECT_EQ(st[0].samples, c.samples + c.lost);
	ring_unmap(&ring);
	free(st);
	close(fd);
}

TEST_HARNESS_MAIN
