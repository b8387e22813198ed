// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: the ioctl ABI.  Struct layout, size-versioned
 * copy-in, the errno vocabulary, state errors, and that refused requests
 * leave nothing behind (no rings to map).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <grp.h>
#include <stdio.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/capability.h>
#include "kselftest_harness.h"
#include "helpers.h"

_Static_assert(sizeof(struct sonde_info) == SONDE_INFO_SIZE_VER1, "info");
_Static_assert(offsetof(struct sonde_info, max_period_ns) == SONDE_INFO_SIZE_VER0,
	       "info v1 appends");
_Static_assert(sizeof(struct sonde_config) == SONDE_CONFIG_SIZE_VER1, "cfg");
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
_Static_assert(sizeof(struct sonde_config) == 88, "config");
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

/* Descriptor passing over a unix socket (SCM_RIGHTS). */
static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -EPROTO;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Kernel addresses live in the upper half on x86-64. */
static bool is_kernel_addr(uint64_t a)
{
	return a >= 0xffff800000000000ull;
}

/* What a session's samples say about kernel addresses. */
struct kview {
	uint64_t samples;	/* SAMPLE records */
	uint64_t kctx;		/* of them in kernel or idle context */
	uint64_t hidden;	/* ... with SONDE_SAMPLE_KERNEL_HIDDEN */
	uint64_t ip_zero;	/* ... with ip 0 */
	uint64_t with_chain;	/* ... with a kernel chain starting at ip */
	uint64_t kframes;	/* kernel frames over all samples */
	uint64_t kaddrs;	/* kernel addresses anywhere in any sample */
	uint64_t user_hidden;	/* user-context samples flagged hidden */
	pid_t pid;		/* the process sampled on purpose */
};

static void view_sample(const struct sonde_sample *s, void *arg)
{
	struct kview *v = arg;

	/*
	 * User frames past the first are whatever a frame-pointer walk
	 * found on a user stack: only ours (built with frame pointers) are
	 * known to be return addresses, others may hold any value.
	 */
	unsigned int nr = s->nr_kernel + (s->nr_user ? 1 : 0);

	if (s->pid == (uint32_t)v->pid)
		nr = s->nr_kernel + s->nr_user;
	v->samples++;
	v->kframes += s->nr_kernel;
	if (is_kernel_addr(s->ip) || is_kernel_addr(s->user_ip))
		v->kaddrs++;
	for (unsigned int i = 0; i < nr; i++)
		if (is_kernel_addr(s->frames[i]))
			v->kaddrs++;
	if (s->context == SONDE_CTX_USER) {
		if (s->flags & SONDE_SAMPLE_KERNEL_HIDDEN)
			v->user_hidden++;
		return;
	}
	v->kctx++;
	if (s->flags & SONDE_SAMPLE_KERNEL_HIDDEN)
		v->hidden++;
	if (!s->ip)
		v->ip_zero++;
	if (s->nr_kernel && s->frames[0] == s->ip && is_kernel_addr(s->ip))
		v->with_chain++;
}

/* Kernel work for the sampler to find: clear_user() into a buffer. */
static void burn_kernel_ms(unsigned int ms)
{
	static char buf[1 << 20];
	uint64_t end = mono_ns() + ms * 1000000ull;
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (mono_ns() < end)
		if (read(fd, buf, sizeof(buf)) < 0)
			break;
	close(fd);
}

/* The outcome of one session run by run_session(). */
struct session_result {
	int err;		/* first failure, as -errno; 0 if none */
	int step;		/* where it failed */
	uint64_t features;
	struct kview v;
	uint64_t bad_records, bad_cpu;
};

/*
 * CONFIGURE with kernel chains, map every online CPU's ring, sample for
 * a while with kernel work running, STOP and read everything back.
 */
static void run_session(int fd, struct session_result *r)
{
	int nr = nr_online_cpus();
	struct test_ring rings[nr];
	struct drain_counts c = { 0 };
	struct sonde_config cfg;
	struct sonde_info info;
	int i;

	memset(r, 0, sizeof(*r));
	memset(rings, 0, sizeof(rings));
	r->v.pid = getpid();
	r->step = 1;
	r->err = dev_info(fd, &info);
	if (r->err)
		return;
	r->features = info.features;
	r->step = 2;
	config_init(&cfg, 1000, 32);
	r->err = dev_configure(fd, &cfg);
	r->step = 3;
	for (i = 0; !r->err && i < nr; i++)
		r->err = ring_map(fd, &info, i, 32, &rings[i]);
	r->step = 4;
	if (!r->err && ioctl(fd, SONDE_IOC_START, 0))
		r->err = -errno;
	if (!r->err) {
		for (int n = 0; n < 10; n++) {
			burn_kernel_ms(20);
			burn_cpu_ms(10);
			for (int cpu = 0; cpu < nr; cpu++)
				ring_drain(&rings[cpu], &c, view_sample,
					   &r->v);
		}
		r->step = 5;
		if (ioctl(fd, SONDE_IOC_STOP, 0))
			r->err = -errno;
	}
	for (int cpu = 0; cpu < nr; cpu++) {
		if (rings[cpu].meta)
			ring_drain(&rings[cpu], &c, view_sample, &r->v);
		ring_unmap(&rings[cpu]);
	}
	r->bad_records = c.bad_records;
	r->bad_cpu = c.bad_cpu;
}

/*
 * An opener with every right, passing the descriptor to a process with
 * none: that process cannot open the device itself, yet the descriptor
 * works for it (the capability lives in the file), and what it records
 * follows the opener's rights: kernel addresses and chains included.
 */
TEST(passed_descriptor_keeps_openers_rights)
{
	struct session_result r;
	int sv[2], fd, status;
	char ack = 'a';
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fd = dev_open();
	ASSERT_GE(fd, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int cfd;

		close(fd);
		memset(&r, 0, sizeof(r));
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
			r.err = -errno;
		} else {
			/* No rights of its own left. */
			cfd = dev_open();
			if (cfd >= 0 || (cfd != -EACCES && cfd != -EPERM)) {
				r.err = cfd >= 0 ? -EEXIST : cfd;
			} else {
				cfd = recv_fd(sv[1]);
				if (cfd < 0)
					r.err = cfd;
				else
					run_session(cfd, &r);
			}
		}
		if (write(sv[1], &r, sizeof(r)) != sizeof(r) ||
		    read(sv[1], &ack, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(0, send_fd(sv[0], fd));
	close(fd);
	ASSERT_EQ(sizeof(r), read(sv[0], &r, sizeof(r)));
	/* The receiver's copy holds the session: the device stays busy. */
	EXPECT_EQ(-EBUSY, dev_open());
	ASSERT_EQ(1, write(sv[0], &ack, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ksft_print_msg("receiver: %llu samples, %llu in kernel or idle, %llu with a kernel chain\n",
		       (unsigned long long)r.v.samples,
		       (unsigned long long)r.v.kctx,
		       (unsigned long long)r.v.with_chain);
	ASSERT_EQ(0, r.err) TH_LOG("receiver failed at step %d: %s", r.step,
				   strerror(-r.err));
	EXPECT_TRUE(r.features & SONDE_FEAT_KERNEL_ALLOWED);
	EXPECT_GT(r.v.kctx, 0);
	EXPECT_EQ(0, r.v.hidden);
	EXPECT_EQ(0, r.v.ip_zero);
	EXPECT_EQ(r.v.kctx, r.v.with_chain);
	EXPECT_GT(r.v.kaddrs, 0);
	EXPECT_EQ(0, r.bad_records);
	EXPECT_EQ(0, r.bad_cpu);
	/* Gone with the receiver's exit: the device opens again. */
	fd = dev_open();
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		close(fd);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Does the running kernel have a global, exported perf_allow_kernel()?
 * 6.12 does; on 6.1 it is a static inline over unexported symbols, so
 * the module cannot consult it there.
 */
static bool kernel_exports(const char *sym)
{
	char line[512], want[256], type;
	unsigned long long addr;
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return false;
	snprintf(want, sizeof(want), "__ksymtab_%s", sym);
	while (!found && fgets(line, sizeof(line), f)) {
		char name[256];

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
		    !strcmp(name, want))
			found = true;
	}
	fclose(f);
	return found;
}

/* The BTF type id of a FUNC in vmlinux, and its number of arguments. */
static int btf_func(const char *name, uint32_t *id, uint32_t *nargs)
{
	const struct btf_header *h;
	const uint8_t *types, *end;
	const char *strs;
	uint32_t *offs = NULL, n = 0, cap = 0;
	size_t len = 0, got;
	uint8_t *buf = NULL;
	int ret = -ENOENT;
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "r");

	if (!f)
		return -errno;
	do {
		buf = realloc(buf, len + (1 << 20));
		if (!buf) {
			fclose(f);
			return -ENOMEM;
		}
		got = fread(buf + len, 1, 1 << 20, f);
		len += got;
	} while (got);
	fclose(f);
	h = (const void *)buf;
	if (len < sizeof(*h) || h->magic != BTF_MAGIC ||
	    h->hdr_len + (uint64_t)h->str_off + h->str_len > len) {
		free(buf);
		return -EINVAL;
	}
	types = buf + h->hdr_len + h->type_off;
	end = types + h->type_len;
	strs = (const char *)buf + h->hdr_len + h->str_off;
	/* Type ids start at 1; keep each type's offset to follow links. */
	while (types < end) {
		const struct btf_type *t = (const void *)types;
		uint32_t vlen = BTF_INFO_VLEN(t->info);
		size_t extra = 0;

		if (n + 2 > cap) {
			cap = cap ? 2 * cap : 65536;
			offs = realloc(offs, cap * sizeof(*offs));
			if (!offs) {
				free(buf);
				return -ENOMEM;
			}
		}
		offs[++n] = types - buf;
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_INT:
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
			extra = 4;
			break;
		case BTF_KIND_ARRAY:
			extra = sizeof(struct btf_array);
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			extra = vlen * sizeof(struct btf_member);
			break;
		case BTF_KIND_ENUM:
			extra = vlen * sizeof(struct btf_enum);
			break;
		case BTF_KIND_FUNC_PROTO:
			extra = vlen * sizeof(struct btf_param);
			break;
		case BTF_KIND_DATASEC:
			extra = vlen * sizeof(struct btf_var_secinfo);
			break;
		case 19:	/* BTF_KIND_ENUM64 */
			extra = vlen * 12;
			break;
		default:
			break;
		}
		types += sizeof(*t) + extra;
		if (BTF_INFO_KIND(t->info) == BTF_KIND_FUNC &&
		    t->name_off < h->str_len &&
		    !strcmp(strs + t->name_off, name))
			*id = n;
	}
	if (*id && *id <= n) {
		const struct btf_type *fn = (const void *)(buf + offs[*id]);

		if (fn->type && fn->type <= n) {
			const struct btf_type *proto =
				(const void *)(buf + offs[fn->type]);

			*nargs = BTF_INFO_VLEN(proto->info);
			ret = 0;
		}
	}
	free(offs);
	free(buf);
	return ret;
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
	.src_reg = (s), .off = (o), .imm = (i) })

/*
 * A BPF LSM program on the perf_event_open hook that refuses kernel
 * access (PERF_SECURITY_KERNEL, 2) to one thread group and allows
 * everything else: the policy perf_allow_kernel() consults after the
 * capability.  Returns the attachment's fd (closing it detaches the
 * program) or -errno, with the reason in @why.
 */
static int deny_kernel_to(pid_t tgid, char *why, size_t whylen)
{
	static char log[65536];
	uint32_t id = 0, nargs = 0;
	union bpf_attr attr;
	int prog, link, ret;

	ret = btf_func("bpf_lsm_perf_event_open", &id, &nargs);
	if (ret || !nargs) {
		snprintf(why, whylen, "no BTF for bpf_lsm_perf_event_open: %s",
			 strerror(ret ? -ret : EINVAL));
		return ret ?: -EINVAL;
	}
	/* The hook's last argument is the type: its u64 slot in ctx. */
	struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),	/* r6 = ctx */
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_pid_tgid),
		INSN(BPF_ALU64 | BPF_RSH | BPF_K, 0, 0, 0, 32),	/* r0 = tgid */
		INSN(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 4, tgid),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, 6, 8 * (nargs - 1), 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 2, 2),	/* KERNEL? */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -EACCES),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_LSM;
	attr.expected_attach_type = BPF_LSM_MAC;
	attr.attach_btf_id = id;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = ARRAY_SIZE(insns);
	attr.license = (uintptr_t)"GPL";
	attr.log_buf = (uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	prog = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog < 0) {
		ret = -errno;
		snprintf(why, whylen, "BPF_PROG_LOAD: %s; %.300s",
			 strerror(errno), log);
		return ret;
	}
	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.prog_fd = prog;
	link = syscall(SYS_bpf, BPF_RAW_TRACEPOINT_OPEN, &attr, sizeof(attr));
	ret = link < 0 ? -errno : link;
	if (link < 0)
		snprintf(why, whylen, "attaching the LSM program: %s",
			 strerror(errno));
	close(prog);
	return ret;
}

/*
 * An opener whose policy withholds kernel addresses: GET_INFO says so,
 * and every sample in kernel or idle context has ip 0, the hidden flag
 * and no kernel frames; no kernel address appears anywhere.  The
 * decision is the opener's, taken at open(): the policy is gone and a
 * fully privileged process drives the session through the passed
 * descriptor, and the addresses stay withheld.
 *
 * Open requires CAP_PERFMON (or CAP_SYS_ADMIN), and with it
 * perf_event_paranoid no longer restricts kernel access, so the only
 * opener that can be refused kernel addresses is one an LSM refuses: a
 * BPF LSM program on perf_event_open plays that policy here.
 */
TEST(kernel_addresses_withheld)
{
	struct session_result r;
	int sv[2], go[2], fd, link, status, err = 0;
	char why[512] = "", c = 'g';
	pid_t pid;
	FILE *lsm;
	char lsms[256] = "";
	bool mounted;

	if (geteuid() != 0)
		SKIP(return, "needs root to load a BPF LSM program");
	if (!kernel_exports("perf_allow_kernel"))
		SKIP(return, "this kernel does not export perf_allow_kernel(): the capability checked at open is the whole decision, so every opener may see kernel addresses and nothing can be withheld");
	/* The guest may not have securityfs mounted: look, then leave. */
	mounted = access("/sys/kernel/security/lsm", R_OK) &&
		  !mount("securityfs", "/sys/kernel/security", "securityfs", 0,
			 NULL);
	lsm = fopen("/sys/kernel/security/lsm", "r");
	if (lsm) {
		if (!fgets(lsms, sizeof(lsms), lsm))
			lsms[0] = 0;
		fclose(lsm);
	}
	if (mounted)
		umount("/sys/kernel/security");
	if (!strstr(lsms, "bpf"))
		SKIP(return, "the BPF LSM is not active (lsm: %s): no policy to withhold kernel addresses with", lsms);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* The opener: waits for the policy, opens, hands the fd on. */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		fd = dev_open();
		if (fd < 0) {
			if (write(sv[1], &fd, sizeof(fd)) != sizeof(fd))
				_exit(1);
			_exit(2);
		}
		if (write(sv[1], &err, sizeof(err)) != sizeof(err) ||
		    send_fd(sv[1], fd))
			_exit(1);
		close(fd);
		_exit(0);
	}
	link = deny_kernel_to(pid, why, sizeof(why));
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(sizeof(err), read(sv[0], &err, sizeof(err)));
	fd = err ? err : recv_fd(sv[0]);
	if (link >= 0)
		close(link);	/* the policy goes; the decision stays */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (link < 0) {
		if (fd >= 0)
			close(fd);
		SKIP(return, "cannot install a BPF LSM policy: %s", why);
	}
	ASSERT_GE(fd, 0) TH_LOG("the opener could not open: %s",
				strerror(-fd));

	run_session(fd, &r);
	close(fd);
	ksft_print_msg("%llu samples, %llu in kernel or idle context, %llu hidden\n",
		       (unsigned long long)r.v.samples,
		       (unsigned long long)r.v.kctx,
		       (unsigned long long)r.v.hidden);
	ASSERT_EQ(0, r.err) TH_LOG("failed at step %d: %s", r.step,
				   strerror(-r.err));
	EXPECT_FALSE(r.features & SONDE_FEAT_KERNEL_ALLOWED);
	EXPECT_GT(r.v.samples, 0);
	EXPECT_GT(r.v.kctx, 0);
	EXPECT_EQ(r.v.kctx, r.v.hidden);
	EXPECT_EQ(r.v.kctx, r.v.ip_zero);
	EXPECT_EQ(0, r.v.kframes);
	EXPECT_EQ(0, r.v.kaddrs);
	EXPECT_EQ(0, r.v.user_hidden);
	EXPECT_EQ(0, r.bad_records);
	EXPECT_EQ(0, r.bad_cpu);

	/* The same session by an opener the policy never named. */
	fd = dev_open();
	ASSERT_GE(fd, 0);
	run_session(fd, &r);
	close(fd);
	ASSERT_EQ(0, r.err);
	EXPECT_TRUE(r.features & SONDE_FEAT_KERNEL_ALLOWED);
	EXPECT_EQ(0, r.v.hidden);
	EXPECT_GT(r.v.with_chain, 0);
}

/* Keep only @caps (bit n: capability n) in the effective and permitted sets. */
static int keep_only_caps(uint64_t caps)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { 0 };

	for (int i = 0; i < 2; i++)
		d[i].effective = d[i].permitted = caps >> (32 * i);
	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

static int read_int(const char *path, int *v)
{
	FILE *f = fopen(path, "r");
	int ret = f && fscanf(f, "%d", v) == 1 ? 0 : -1;

	if (f)
		fclose(f);
	return ret;
}

static int write_int(const char *path, int v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%d\n", v) > 0 ? 0 : -1;
	return fclose(f) ? -1 : ret;
}

/*
 * The capability rule, with perf_event_paranoid at 2 (kernel profiling
 * for privileged users only): CAP_PERFMON alone, without CAP_SYS_ADMIN,
 * opens the device and may see kernel addresses, as it may with perf;
 * CAP_SYS_ADMIN alone too; a uid-0 process with neither is refused by the
 * module itself (the node's owner bits let it through).  This is also why
 * the paranoid setting cannot withhold kernel addresses from anyone who
 * can open the device.
 */
TEST(capability_rule)
{
	static const struct {
		const char *what;
		uint64_t caps;
		int err;
	} cases[] = {
		{ "CAP_PERFMON alone", 1ull << CAP_PERFMON, 0 },
		{ "CAP_SYS_ADMIN alone", 1ull << CAP_SYS_ADMIN, 0 },
		{ "no capability", 0, EACCES },
	};
	const char *sysctl = "/proc/sys/kernel/perf_event_paranoid";
	int paranoid = 0;
	bool restore;

	if (geteuid() != 0)
		SKIP(return, "needs root to change capabilities");
	restore = !read_int(sysctl, &paranoid);
	EXPECT_EQ(0, write_int(sysctl, 2));
	for (size_t n = 0; n < ARRAY_SIZE(cases); n++) {
		struct session_result r = { 0 };
		int sv[2], status;
		pid_t pid;

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
					sv));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			int fd;

			r.step = 0;
			r.err = keep_only_caps(cases[n].caps);
			/* Proof CAP_SYS_ADMIN is gone where it should be. */
			if (!r.err && !(cases[n].caps & (1ull << CAP_SYS_ADMIN)) &&
			    !sethostname("sonde", 5))
				r.err = -EEXIST;
			if (!r.err) {
				r.step = 1;
				fd = dev_open();
				if (fd < 0) {
					r.err = fd;
				} else {
					run_session(fd, &r);
					close(fd);
				}
			}
			_exit(write(sv[1], &r, sizeof(r)) != sizeof(r));
		}
		ASSERT_EQ(sizeof(r), read(sv[0], &r, sizeof(r)));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		close(sv[0]);
		close(sv[1]);
		if (!cases[n].err) {
			EXPECT_EQ(0, r.err) TH_LOG("%s: step %d: %s",
						   cases[n].what, r.step,
						   strerror(-r.err));
			EXPECT_TRUE(r.features & SONDE_FEAT_KERNEL_ALLOWED)
				TH_LOG("%s", cases[n].what);
			EXPECT_EQ(0, r.v.hidden) TH_LOG("%s", cases[n].what);
			EXPECT_GT(r.v.with_chain, 0) TH_LOG("%s", cases[n].what);
		} else {
			EXPECT_EQ(1, r.step) TH_LOG("%s: setup failed: %s",
						    cases[n].what,
						    strerror(-r.err));
			EXPECT_EQ(-cases[n].err, r.err)
				TH_LOG("%s", cases[n].what);
		}
	}
	if (restore)
		write_int(sysctl, paranoid);
}

/* Open needs CAP_PERFMON or CAP_SYS_ADMIN, whatever the node's mode. */
TEST(unprivileged_open_refused)
{
	struct stat st;
	pid_t pid;
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");
	ASSERT_EQ(0, stat(SONDE_DEVICE, &st));
	ASSERT_EQ(0, chmod(SONDE_DEVICE, 0666));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open(SONDE_DEVICE, O_RDWR);
		_exit(fd < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	chmod(SONDE_DEVICE, st.st_mode & 07777);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
