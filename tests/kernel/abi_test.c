// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: the ioctl ABI.  Struct layout, size-versioned
 * copy-in, the errno vocabulary, state errors, and that refused requests
 * leave nothing behind (no rings to map), and output structs that carry
 * no byte the kernel did not mean to write.  Who may open the device and
 * what the opener sees is privilege_test.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <stdio.h>
#include "kselftest_harness.h"
#include "helpers.h"

_Static_assert(sizeof(struct sonde_info) == SONDE_INFO_SIZE_VER1, "info");
_Static_assert(offsetof(struct sonde_info, max_period_ns) == SONDE_INFO_SIZE_VER0,
	       "info v1 appends");
_Static_assert(sizeof(struct sonde_config) == SONDE_CONFIG_SIZE_VER2, "cfg");
_Static_assert(offsetof(struct sonde_config, flags) == SONDE_CONFIG_SIZE_VER0,
	       "cfg v1 appends");
_Static_assert(sizeof(struct sonde_mmap_event) == 96, "mmap");
_Static_assert(offsetof(struct sonde_mmap_event, path) == 96, "mmap path");
_Static_assert(sizeof(struct sonde_stats) == SONDE_STATS_SIZE_VER0, "stats");
_Static_assert(sizeof(struct sonde_record_header) == 8, "hdr");
_Static_assert(sizeof(struct sonde_sample) == 72, "sample");
_Static_assert(offsetof(struct sonde_sample, frames) == 72, "frames");
_Static_assert(offsetof(struct sonde_sample, ip) == 32, "ip");
_Static_assert(sizeof(struct sonde_lost) == 64, "lost");
_Static_assert(offsetof(struct sonde_ring_meta, data_head) == 64, "head");
_Static_assert(offsetof(struct sonde_config, period_ns) == 16, "period");
_Static_assert(offsetof(struct sonde_config, tgids_ptr) == 48, "tgids");
_Static_assert(offsetof(struct sonde_config, events_ptr) == 64, "events");
_Static_assert(offsetof(struct sonde_config, jitter) == 76, "jitter");
_Static_assert(offsetof(struct sonde_config, offcpu_min_ns) == 88, "offcpu");
_Static_assert(sizeof(struct sonde_config) == 96, "config");
_Static_assert(sizeof(struct sonde_event) == 32, "event");
_Static_assert(sizeof(struct sonde_sample_event) == 16, "sample event");
_Static_assert(sizeof(struct sonde_throttle) == 48, "throttle");
_Static_assert(sizeof(struct sonde_cpu_stats) == SONDE_CPU_STATS_SIZE_VER1,
	       "stats");
_Static_assert(offsetof(struct sonde_info, mmap_cpu_stride) == 64, "stride");

FIXTURE(dev) {
	int fd;
	struct sonde_info info;
};

FIXTURE_SETUP(dev)
{
	self->fd = dev_open();
	ASSERT_GE(self->fd, 0) TH_LOG("open %s: %s", SONDE_DEVICE,
				      strerror(-self->fd));
	ASSERT_EQ(0, dev_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

/* No rings may exist after a refused CONFIGURE on a fresh session. */
static bool rings_exist(int fd, const struct sonde_info *info)
{
	void *p = mmap(NULL, info->page_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, ring_offset(info, 0, true));

	if (p == MAP_FAILED)
		return false;
	munmap(p, info->page_size);
	return true;
}

TEST_F(dev, get_info)
{
	struct sonde_info *i = &self->info;

	EXPECT_EQ(SONDE_ABI_VERSION, i->abi_version);
	EXPECT_EQ(sizeof(*i), i->size);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), i->page_size);
	EXPECT_GE(i->max_period_ns, 1000000000ull);
	EXPECT_GE(i->nr_cpu_ids, (unsigned int)nr_online_cpus());
	EXPECT_TRUE(i->features & SONDE_FEAT_TIMER);
	EXPECT_TRUE(i->features & SONDE_FEAT_PMU);
	EXPECT_TRUE(i->features & SONDE_FEAT_THROTTLE);
	EXPECT_EQ(0, i->max_ring_pages & (i->max_ring_pages - 1));
	EXPECT_EQ(0, i->min_ring_pages & (i->min_ring_pages - 1));
	EXPECT_GE(i->mmap_cpu_stride,
		  (2 + 2 * (uint64_t)i->max_ring_pages) * i->page_size);
	EXPECT_NE(i->mmap_ctrl_offset, i->mmap_meta_offset);
	EXPECT_EQ(0, i->__reserved0);
	EXPECT_EQ(0, i->__reserved1);
}

TEST_F(dev, info_sizes)
{
	uint8_t buf[256];
	struct sonde_info *i = (void *)buf;

	/* Longer than the kernel knows: the tail is zeroed. */
	memset(buf, 0xa5, sizeof(buf));
	i->size = sizeof(buf);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_GET_INFO, buf));
	EXPECT_EQ(sizeof(struct sonde_info), i->size);
	for (size_t n = sizeof(struct sonde_info); n < sizeof(buf); n++)
		ASSERT_EQ(0, buf[n]);
	/* Shorter than version 0. */
	i->size = SONDE_INFO_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_GET_INFO, buf));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_GET_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/* Bad argument pointers fault cleanly, whatever they point at. */
TEST_F(dev, bad_pointers)
{
	static const unsigned long bad[] = {
		0, 8, 0xffffffff81000000ul, 0xffff888000000000ul, ~0ul,
	};
	static const unsigned long cmds[] = {
		SONDE_IOC_GET_INFO, SONDE_IOC_CONFIGURE, SONDE_IOC_GET_STATS,
	};

	for (size_t c = 0; c < ARRAY_SIZE(cmds); c++) {
		for (size_t b = 0; b < ARRAY_SIZE(bad); b++) {
			EXPECT_EQ(-1, ioctl(self->fd, cmds[c], bad[b]));
			EXPECT_EQ(EFAULT, errno)
				TH_LOG("cmd %#lx arg %#lx", cmds[c], bad[b]);
		}
	}
}

TEST_F(dev, stats_tail_zeroed)
{
	size_t big = sizeof(struct sonde_cpu_stats) + 64, n;
	uint8_t *buf = malloc(big * self->info.nr_cpu_ids);
	struct sonde_stats req = {
		.size = sizeof(req),
		.nr_cpus = self->info.nr_cpu_ids,
		.stats_size = big,
	};

	ASSERT_NE(NULL, buf);
	memset(buf, 0xaa, big * self->info.nr_cpu_ids);
	req.cpu_stats_ptr = (uintptr_t)buf;
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_GET_STATS, &req));
	/* No session yet: every byte, known or not, reads zero. */
	for (n = 0; n < big * self->info.nr_cpu_ids; n++)
		ASSERT_EQ(0, buf[n]) TH_LOG("byte %zu", n);
	free(buf);
}

/*
 * The bytes of an output struct that carry something: its named fields,
 * reserved ones left out.  Whatever else the kernel hands back (holes
 * the compiler left, reserved fields, a tail the kernel does not know)
 * must read zero, whatever the caller's buffer held before: a non-zero
 * byte there is a byte of kernel memory, or a value nobody defined.
 */
struct out_field {
	size_t off, len;
};

#define OUT_FIELD(type, member) \
	{ offsetof(type, member), sizeof(((type *)0)->member) }

static const struct out_field info_fields[] = {
	OUT_FIELD(struct sonde_info, size),
	OUT_FIELD(struct sonde_info, abi_version),
	OUT_FIELD(struct sonde_info, features),
	OUT_FIELD(struct sonde_info, nr_cpu_ids),
	OUT_FIELD(struct sonde_info, page_size),
	OUT_FIELD(struct sonde_info, min_ring_pages),
	OUT_FIELD(struct sonde_info, max_ring_pages),
	OUT_FIELD(struct sonde_info, max_frequency),
	OUT_FIELD(struct sonde_info, min_period_ns),
	OUT_FIELD(struct sonde_info, max_kernel_depth),
	OUT_FIELD(struct sonde_info, max_user_depth),
	OUT_FIELD(struct sonde_info, max_user_stack),
	OUT_FIELD(struct sonde_info, max_tgids),
	OUT_FIELD(struct sonde_info, mmap_cpu_stride),
	OUT_FIELD(struct sonde_info, mmap_ctrl_offset),
	OUT_FIELD(struct sonde_info, mmap_meta_offset),
	OUT_FIELD(struct sonde_info, max_period_ns),
};

/* lost[] beyond the reasons defined so far is reserved ("room for more"). */
#define LOST_DEFINED	(SONDE_LOST_NESTED + 1)

static const struct out_field cpu_stats_fields[] = {
	OUT_FIELD(struct sonde_cpu_stats, samples),
	OUT_FIELD(struct sonde_cpu_stats, records),
	OUT_FIELD(struct sonde_cpu_stats, bytes),
	{ offsetof(struct sonde_cpu_stats, lost), LOST_DEFINED * 8 },
	OUT_FIELD(struct sonde_cpu_stats, filtered),
	OUT_FIELD(struct sonde_cpu_stats, handler_ns_total),
	OUT_FIELD(struct sonde_cpu_stats, handler_ns_max),
	OUT_FIELD(struct sonde_cpu_stats, timer_missed),
	OUT_FIELD(struct sonde_cpu_stats, timer_no_regs),
	OUT_FIELD(struct sonde_cpu_stats, task_events),
	OUT_FIELD(struct sonde_cpu_stats, map_events),
	OUT_FIELD(struct sonde_cpu_stats, map_missed),
	OUT_FIELD(struct sonde_cpu_stats, handler_hist),
	OUT_FIELD(struct sonde_cpu_stats, throttle_events),
	OUT_FIELD(struct sonde_cpu_stats, throttled_ns),
};

/* The struct sonde_stats fields the kernel writes back: nr_cpus only. */
static const struct out_field stats_fields[] = {
	OUT_FIELD(struct sonde_stats, size),
	OUT_FIELD(struct sonde_stats, nr_cpus),
	OUT_FIELD(struct sonde_stats, stats_size),
	OUT_FIELD(struct sonde_stats, cpu_stats_ptr),
};

/*
 * The first byte of @buf[0, @len) outside every one of @f that is not
 * zero, or -1.  The fields' bytes must cover the struct's own size less
 * its reserved fields: computed, not trusted, by the caller.
 */
static long stray_byte(const uint8_t *buf, size_t len,
		       const struct out_field *f, size_t nr)
{
	for (size_t n = 0; n < len; n++) {
		bool named = false;

		for (size_t i = 0; i < nr && !named; i++)
			named = n >= f[i].off && n < f[i].off + f[i].len;
		if (!named && buf[n])
			return n;
	}
	return -1;
}

/* Bytes of a struct of @size that @f names: the rest is padding. */
static size_t named_bytes(const struct out_field *f, size_t nr)
{
	size_t n = 0;

	for (size_t i = 0; i < nr; i++)
		n += f[i].len;
	return n;
}

/*
 * GET_INFO into a buffer full of 0xa5, at the kernel's own size, at
 * version 0's and longer than the kernel knows: every byte that no field
 * names reads zero, and nothing is written past the caller's size.
 */
TEST_F(dev, info_padding_zeroed)
{
	const size_t sizes[] = {
		sizeof(struct sonde_info), SONDE_INFO_SIZE_VER0,
		sizeof(struct sonde_info) + 40,
	};
	uint8_t buf[sizeof(struct sonde_info) + 64];
	struct sonde_info *i = (void *)buf;
	size_t n;

	/* Two reserved u32s: what this test must find zeroed. */
	EXPECT_EQ(sizeof(struct sonde_info) - 8,
		  named_bytes(info_fields, ARRAY_SIZE(info_fields)));
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		long stray;

		memset(buf, 0xa5, sizeof(buf));
		i->size = sizes[s];
		ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_GET_INFO, buf));
		stray = stray_byte(buf, sizes[s], info_fields,
				   ARRAY_SIZE(info_fields));
		EXPECT_EQ(-1, stray) TH_LOG("size %zu: byte %ld is %#x", sizes[s],
					    stray, stray >= 0 ? buf[stray] : 0);
		n = first_byte_not(buf, sizes[s], sizeof(buf), 0xa5);
		EXPECT_EQ(sizeof(buf), n) TH_LOG("size %zu: byte %zu written",
						 sizes[s], n);
	}
}

/*
 * GET_STATS of a session that sampled, into entries full of 0xa5 with a
 * stride longer than the kernel's struct: reserved lost[] reasons and
 * each entry's tail read zero, the request's reserved field stays zero,
 * and entries past nr_cpu_ids are not touched.
 */
TEST_F(dev, stats_padding_zeroed)
{
	size_t stride = sizeof(struct sonde_cpu_stats) + 64;
	unsigned int nr = self->info.nr_cpu_ids + 1;
	struct sonde_stats req;
	struct sonde_config cfg;
	uint8_t *buf;
	long stray;
	size_t n;

	EXPECT_EQ(sizeof(struct sonde_cpu_stats) -
		  8 * (SONDE_LOST_NR_REASONS - LOST_DEFINED),
		  named_bytes(cpu_stats_fields, ARRAY_SIZE(cpu_stats_fields)));
	EXPECT_EQ(sizeof(struct sonde_stats) - 4,
		  named_bytes(stats_fields, ARRAY_SIZE(stats_fields)));
	buf = malloc(stride * nr);
	ASSERT_NE(NULL, buf);
	config_init(&cfg, 1000, 4);
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	burn_cpu_ms(50);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));

	memset(buf, 0xa5, stride * nr);
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.nr_cpus = nr;
	req.stats_size = stride;
	req.cpu_stats_ptr = (uintptr_t)buf;
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_GET_STATS, &req));
	stray = stray_byte((const uint8_t *)&req, sizeof(req), stats_fields,
			   ARRAY_SIZE(stats_fields));
	EXPECT_EQ(-1, stray) TH_LOG("request byte %ld", stray);
	for (unsigned int cpu = 0; cpu < self->info.nr_cpu_ids; cpu++) {
		const uint8_t *e = buf + cpu * stride;

		stray = stray_byte(e, stride, cpu_stats_fields,
				   ARRAY_SIZE(cpu_stats_fields));
		EXPECT_EQ(-1, stray) TH_LOG("cpu%u: byte %ld is %#x", cpu, stray,
					    stray >= 0 ? e[stray] : 0);
	}
	EXPECT_LT(0, ((struct sonde_cpu_stats *)buf)->samples);
	n = first_byte_not(buf, self->info.nr_cpu_ids * stride, nr * stride,
			   0xa5);
	EXPECT_EQ(nr * stride, n) TH_LOG("byte %zu past the last CPU", n);
	free(buf);
}

TEST_F(dev, unknown_commands)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(SONDE_IOC_MAGIC, 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO('T', 0x01), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_START, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, configure_short_and_long)
{
	uint8_t buf[sizeof(struct sonde_config) + 64];
	struct sonde_config *cfg = (void *)buf;

	memset(buf, 0, sizeof(buf));
	config_init(cfg, 100, 4);

	/* Exactly version 0. */
	EXPECT_EQ(0, dev_configure(self->fd, cfg));
	/* Longer with a zero tail: accepted. */
	cfg->size = sizeof(buf);
	EXPECT_EQ(0, dev_configure(self->fd, cfg));
	/* Longer with a non-zero tail: E2BIG. */
	buf[sizeof(buf) - 1] = 1;
	EXPECT_EQ(-E2BIG, dev_configure(self->fd, cfg));
	buf[sizeof(buf) - 1] = 0;
	/* Shorter than version 0: EINVAL. */
	cfg->size = SONDE_CONFIG_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, dev_configure(self->fd, cfg));
	cfg->size = 8192;
	EXPECT_EQ(-E2BIG, dev_configure(self->fd, cfg));
}

struct bad_config {
	const char *what;
	void (*mutate)(struct sonde_config *cfg, const struct sonde_info *i);
	int err;
};

static uint64_t empty_mask;
static uint64_t impossible_mask[1024 / 64];
static uint32_t zero_tgid;

static struct sonde_event bad_events[2] = {
	/* A software counter that counts nothing a profile wants. */
	{ .type = 1 /* PERF_TYPE_SOFTWARE */, .config = 9 /* DUMMY */,
	  .period = 1 },
	/* Both a period and a frequency. */
	{ .type = 1, .config = 2 /* PAGE_FAULTS */, .period = 1,
	  .frequency = 100 },
};

static void m_reserved0(struct sonde_config *c, const struct sonde_info *i)
{
	c->jitter = 51;
}
static void m_reserved1(struct sonde_config *c, const struct sonde_info *i)
{
	c->events_ptr = (uintptr_t)bad_events;	/* with nr_events 0 */
}
static void m_events_max(struct sonde_config *c, const struct sonde_info *i)
{
	c->events_ptr = (uintptr_t)bad_events;
	c->nr_events = SONDE_MAX_EVENTS + 1;
}
static void m_event_dummy(struct sonde_config *c, const struct sonde_info *i)
{
	c->events_ptr = (uintptr_t)&bad_events[0];
	c->nr_events = 1;
}
static void m_event_both(struct sonde_config *c, const struct sonde_info *i)
{
	c->events_ptr = (uintptr_t)&bad_events[1];
	c->nr_events = 1;
}
static void m_event_fault(struct sonde_config *c, const struct sonde_info *i)
{
	c->events_ptr = 8;
	c->nr_events = 1;
}
static void m_capture(struct sonde_config *c, const struct sonde_info *i)
{
	c->capture |= 1u << 31;
}
static void m_source(struct sonde_config *c, const struct sonde_info *i)
{
	c->source = 7;
}
static void m_pmu(struct sonde_config *c, const struct sonde_info *i)
{
	c->source = SONDE_SOURCE_PMU;
}
static void m_freq0(struct sonde_config *c, const struct sonde_info *i)
{
	c->frequency = 0;
}
static void m_freq_big(struct sonde_config *c, const struct sonde_info *i)
{
	c->frequency = i->max_frequency + 1;
}
static void m_both(struct sonde_config *c, const struct sonde_info *i)
{
	c->period_ns = 1000000;
}
static void m_period_small(struct sonde_config *c, const struct sonde_info *i)
{
	c->frequency = 0;
	c->period_ns = i->min_period_ns - 1;
}
static void m_period_huge(struct sonde_config *c, const struct sonde_info *i)
{
	c->frequency = 0;
	c->period_ns = 1ull << 63;
}
static void m_period_long(struct sonde_config *c, const struct sonde_info *i)
{
	c->frequency = 0;
	c->period_ns = i->max_period_ns + 1;
}

static void m_pages_npot(struct sonde_config *c, const struct sonde_info *i)
{
	c->ring_pages = 3 * i->min_ring_pages;
}
static void m_pages_big(struct sonde_config *c, const struct sonde_info *i)
{
	c->ring_pages = i->max_ring_pages * 2;
}
static void m_pages_small(struct sonde_config *c, const struct sonde_info *i)
{
	c->ring_pages = i->min_ring_pages / 2;
}
static void m_kdepth(struct sonde_config *c, const struct sonde_info *i)
{
	c->max_kernel_depth = i->max_kernel_depth + 1;
}
static void m_udepth(struct sonde_config *c, const struct sonde_info *i)
{
	c->max_user_depth = i->max_user_depth + 1;
}
static void m_stack_noflag(struct sonde_config *c, const struct sonde_info *i)
{
	c->user_stack_bytes = 64;
}
static void m_stack_odd(struct sonde_config *c, const struct sonde_info *i)
{
	c->capture |= SONDE_CAPTURE_USER_STACK;
	c->user_stack_bytes = 12;
}
static void m_stack_noregs(struct sonde_config *c, const struct sonde_info *i)
{
	c->capture = SONDE_CAPTURE_USER_STACK;
	c->user_stack_bytes = 64;
}

static void m_stack_big(struct sonde_config *c, const struct sonde_info *i)
{
	c->capture |= SONDE_CAPTURE_USER_STACK;
	c->user_stack_bytes = i->max_user_stack + 8;
}
static void m_wakeup(struct sonde_config *c, const struct sonde_info *i)
{
	c->wakeup_bytes = c->ring_pages * i->page_size + 1;
}
static void m_mask_empty(struct sonde_config *c, const struct sonde_info *i)
{
	c->cpumask_ptr = (uintptr_t)&empty_mask;
	c->cpumask_bytes = 8;
}
static void m_mask_impossible(struct sonde_config *c, const struct sonde_info *i)
{
	memset(impossible_mask, 0, sizeof(impossible_mask));
	impossible_mask[i->nr_cpu_ids / 64] |= 1ull << (i->nr_cpu_ids % 64);
	c->cpumask_ptr = (uintptr_t)impossible_mask;
	c->cpumask_bytes = (i->nr_cpu_ids / 64 + 1) * 8;
}
static void m_mask_len(struct sonde_config *c, const struct sonde_info *i)
{
	c->cpumask_ptr = (uintptr_t)impossible_mask;
	c->cpumask_bytes = 4;
}
static void m_mask_noptr(struct sonde_config *c, const struct sonde_info *i)
{
	c->cpumask_bytes = 8;
}
static void m_mask_fault(struct sonde_config *c, const struct sonde_info *i)
{
	c->cpumask_ptr = 8;
	c->cpumask_bytes = 8;
}
static void m_tgids_many(struct sonde_config *c, const struct sonde_info *i)
{
	c->nr_tgids = i->max_tgids + 1;
	c->tgids_ptr = (uintptr_t)impossible_mask;
}
static void m_tgid_zero(struct sonde_config *c, const struct sonde_info *i)
{
	c->nr_tgids = 1;
	c->tgids_ptr = (uintptr_t)&zero_tgid;
}
static void m_tgids_noptr(struct sonde_config *c, const struct sonde_info *i)
{
	c->nr_tgids = 1;
}
/* The largest record must fit twice: deep stacks need a bigger ring. */
static void m_record_too_big(struct sonde_config *c, const struct sonde_info *i)
{
	c->capture |= SONDE_CAPTURE_USER_STACK;
	c->user_stack_bytes = i->max_user_stack;
	c->ring_pages = i->min_ring_pages;
}

static const struct bad_config bad_configs[] = {
	{ "jitter above 50%", m_reserved0, EINVAL },
	{ "events_ptr without nr_events", m_reserved1, EINVAL },
	{ "more than SONDE_MAX_EVENTS", m_events_max, EINVAL },
	{ "a software counter sampling cannot use", m_event_dummy, EINVAL },
	{ "a counter with period and frequency", m_event_both, EINVAL },
	{ "events_ptr unreadable", m_event_fault, EFAULT },
	{ "unknown capture flag", m_capture, EINVAL },
	{ "unknown source", m_source, EINVAL },
	{ "pmu source without counters", m_pmu, EINVAL },
	{ "frequency 0", m_freq0, EINVAL },
	{ "frequency above cap", m_freq_big, EINVAL },
	{ "frequency and period", m_both, EINVAL },
	{ "period below min", m_period_small, EINVAL },
	{ "period with bit 63", m_period_huge, EINVAL },
	{ "period above info.max_period_ns", m_period_long, EINVAL },
	{ "ring pages not pow2", m_pages_npot, EINVAL },
	{ "ring pages above cap", m_pages_big, EINVAL },
	{ "ring pages below min", m_pages_small, EINVAL },
	{ "kernel depth above cap", m_kdepth, EINVAL },
	{ "user depth above cap", m_udepth, EINVAL },
	{ "stack bytes without flag", m_stack_noflag, EINVAL },
	{ "stack bytes not multiple of 8", m_stack_odd, EINVAL },
	{ "stack copy without user regs", m_stack_noregs, EINVAL },
	{ "stack bytes above cap", m_stack_big, EINVAL },
	{ "wakeup above ring size", m_wakeup, EINVAL },
	{ "empty cpu mask", m_mask_empty, EINVAL },
	{ "impossible cpu in mask", m_mask_impossible, EINVAL },
	{ "mask length not multiple of 8", m_mask_len, EINVAL },
	{ "mask length without pointer", m_mask_noptr, EINVAL },
	{ "mask pointer faults", m_mask_fault, EFAULT },
	{ "too many tgids", m_tgids_many, EINVAL },
	{ "tgid zero", m_tgid_zero, EINVAL },
	{ "tgids without pointer", m_tgids_noptr, EINVAL },
	{ "record larger than half the ring", m_record_too_big, EINVAL },
};

TEST_F(dev, bad_configs_leave_nothing)
{
	for (size_t n = 0; n < ARRAY_SIZE(bad_configs); n++) {
		const struct bad_config *b = &bad_configs[n];
		struct sonde_config cfg;

		config_init(&cfg, 100, 4);
		b->mutate(&cfg, &self->info);
		EXPECT_EQ(-b->err, dev_configure(self->fd, &cfg))
			TH_LOG("case '%s'", b->what);
		EXPECT_FALSE(rings_exist(self->fd, &self->info))
			TH_LOG("case '%s' left rings", b->what);
	}
	/* And the device is still usable. */
	{
		struct sonde_config cfg;

		config_init(&cfg, 100, 4);
		EXPECT_EQ(0, dev_configure(self->fd, &cfg));
		EXPECT_TRUE(rings_exist(self->fd, &self->info));
	}
}

/*
 * A refused CONFIGURE, whether refused by validation or after it started
 * copying (a faulting cpumask, an impossible CPU), must leave the session
 * on the rings it had: mapped before, they are the ones a new mmap()
 * returns, and the ones the next START writes.
 */
TEST_F(dev, refused_reconfigure_keeps_old_rings)
{
	struct drain_counts c = { 0 };
	struct sonde_config cfg;
	struct test_ring old, again;

	config_init(&cfg, 1000, 4);
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, ring_map(self->fd, &self->info, 0, 4, &old));
	/* A mark on the old control page, to recognize it later. */
	old.ctrl->data_tail = 0x5a5a0;

	cfg.ring_pages = 8;
	cfg.wakeup_bytes = 3;			/* fine */
	cfg.jitter = 99;			/* refused by validation */
	EXPECT_EQ(-EINVAL, dev_configure(self->fd, &cfg));
	cfg.jitter = 0;
	m_mask_fault(&cfg, &self->info);	/* refused while copying */
	EXPECT_EQ(-EFAULT, dev_configure(self->fd, &cfg));
	m_mask_impossible(&cfg, &self->info);
	EXPECT_EQ(-EINVAL, dev_configure(self->fd, &cfg));
	m_tgid_zero(&cfg, &self->info);
	cfg.cpumask_ptr = 0;
	cfg.cpumask_bytes = 0;
	EXPECT_EQ(-EINVAL, dev_configure(self->fd, &cfg));

	/* A fresh mapping shows the old ring: same size, same mark. */
	ASSERT_EQ(0, ring_map(self->fd, &self->info, 0, 4, &again));
	EXPECT_EQ(4 * self->info.page_size, again.meta->data_size);
	EXPECT_EQ(0x5a5a0, again.ctrl->data_tail);
	EXPECT_EQ(0, again.meta->data_head);
	/* An 8-page mapping would fit only rings of the refused size. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, (1 + 2 * 8) * self->info.page_size,
				   PROT_READ, MAP_SHARED, self->fd,
				   ring_offset(&self->info, 0, false)));
	ring_unmap(&again);

	/* The session still writes the old ring. */
	old.ctrl->data_tail = 0;
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	for (int i = 0; i < 200 && !old.meta->data_head; i++)
		burn_cpu_ms(10);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	ring_drain(&old, &c, NULL, NULL);
	EXPECT_GT(c.samples, 0);
	EXPECT_EQ(0, c.bad_records);
	EXPECT_EQ(0, c.bad_cpu);
	ring_unmap(&old);
}

TEST_F(dev, state_errors)
{
	struct sonde_config cfg;

	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_START, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));

	config_init(&cfg, 100, 4);
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_START, 0));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-EBUSY, dev_configure(self->fd, &cfg));
	EXPECT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	EXPECT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	EXPECT_EQ(0, dev_configure(self->fd, &cfg));
	EXPECT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
}

TEST_F(dev, exclusive_open)
{
	int fd2 = dev_open();

	EXPECT_EQ(-EBUSY, fd2);
	if (fd2 >= 0)
		close(fd2);
}

TEST_F(dev, stats_sizes)
{
	struct sonde_cpu_stats *st = calloc(self->info.nr_cpu_ids, sizeof(*st));
	struct sonde_stats req = {
		.size = sizeof(req),
		.nr_cpus = 0,
		.stats_size = sizeof(*st),
		.cpu_stats_ptr = (uintptr_t)st,
	};

	ASSERT_NE(NULL, st);
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_GET_STATS, &req));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(self->info.nr_cpu_ids, req.nr_cpus);
	req.stats_size = 0;
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_GET_STATS, &req));
	EXPECT_EQ(EINVAL, errno);
	req.stats_size = sizeof(*st);
	req.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, SONDE_IOC_GET_STATS, &req));
	EXPECT_EQ(EINVAL, errno);
	req.__reserved = 0;
	EXPECT_EQ(0, ioctl(self->fd, SONDE_IOC_GET_STATS, &req));
	free(st);
}

TEST_HARNESS_MAIN
