// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: the module under stress.  CPU 1 taken offline and
 * back fifty times while every CPU samples and a thread reads; readers
 * killed with SIGKILL mid-stream, session after session; a reader
 * stopped with SIGSTOP while the producers run at the highest rate.
 * What must hold throughout: each ring holds only its own CPU's records,
 * the producers never wait for a consumer, every sample is either read
 * or counted lost (GET_STATS and the stream agree), the device opens
 * again at once after its owner dies, and the module's memory goes back
 * to what it was.
 *
 * Relies on: root, a CPU 1 that can go offline, /proc/meminfo,
 * /proc/vmallocinfo, /proc/sys/vm/drop_caches and /sys/kernel/slab
 * (scripts/vm-run's guests have them all); timings are bounded waits,
 * never assertions, so that a busy host only makes the test slower.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "helpers.h"

#define STORM_ROUNDS	50
#define STORM_HZ	1000
/* 1 MiB a ring: a leak of one ring a round is 50 MiB over the storm */
#define STORM_PAGES	256
#define KILL_CYCLES	20
/* 8 MiB a ring: a leak of one ring per cycle is 160 MiB over the cycles */
#define KILL_PAGES	2048
#define STOP_PAGES	16

static bool can_hotplug_cpu1(void)
{
	return geteuid() == 0 && nr_online_cpus() >= 2 &&
	       !access("/sys/devices/system/cpu/cpu1/online", W_OK);
}

/*
 * The memory a session's rings use, seen from outside the module.  Ring
 * pages come from alloc_pages() and are vmap()ed: VmallocUsed counts only
 * pages vmalloc() itself allocated (nr_vmalloc_pages in mm/vmalloc.c), so
 * it does not see them, and neither does Slab.  They show in MemFree,
 * and each ring's vmap() area in /proc/vmallocinfo names its caller in
 * sonde.ko ("[sonde]").  VmallocUsed and SUnreclaim see the rest (the
 * kvmalloc()ed ring and page arrays, the tgid set, the session): they
 * moved by under 50 kB around a test in the guests, so 2 MiB is a leak
 * of 100 kB a kill cycle, or 40 kB a hotplug round, far above noise.
 */
#define SMALL_LEAK_KB	2048
struct mem_use {
	long mem_free_kb;
	long vmalloc_used_kb;
	long slab_unreclaimable_kb;
	long sonde_vmaps;	/* /proc/vmallocinfo areas allocated by sonde */
};

static long meminfo_kb(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	size_t len = strlen(field);
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static long sonde_vmap_areas(void)
{
	FILE *f = fopen("/proc/vmallocinfo", "r");
	char line[512];
	long n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[sonde]"))
			n++;
	fclose(f);
	return n;
}

/*
 * Shrink every slab cache (mm/slub.c's shrink_store: kmem_cache_shrink()).
 * Under KASAN that also empties the cache's quarantine
 * (kasan_cache_shrink()), whose freed objects keep their slabs counted
 * in SUnreclaim: after three test programs, the debug guest's SUnreclaim
 * fell from 52 to 20 MiB on shrinking, and a CI run once read 3 MiB
 * more after a storm than before it without any leak.
 */
static void slab_shrink_all(void)
{
	DIR *dir = opendir("/sys/kernel/slab");
	struct dirent *de;
	char path[300];
	FILE *f;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 de->d_name);
		f = fopen(path, "w");
		if (!f)
			continue;
		fputs("1\n", f);
		fclose(f);
	}
	closedir(dir);
}

static void mem_measure(struct mem_use *m)
{
	FILE *f;

	/* Page cache and freeable slab would blur MemFree: drop them. */
	sync();
	f = fopen("/proc/sys/vm/drop_caches", "w");
	if (f) {
		fputs("3\n", f);
		fclose(f);
	}
	slab_shrink_all();
	m->mem_free_kb = meminfo_kb("MemFree");
	m->vmalloc_used_kb = meminfo_kb("VmallocUsed");
	m->slab_unreclaimable_kb = meminfo_kb("SUnreclaim");
	m->sonde_vmaps = sonde_vmap_areas();
}

static bool small_back(const struct mem_use *before,
		       const struct mem_use *after)
{
	return after->vmalloc_used_kb - before->vmalloc_used_kb <
	       SMALL_LEAK_KB &&
	       after->slab_unreclaimable_kb - before->slab_unreclaimable_kb <
	       SMALL_LEAK_KB;
}

/* VmallocUsed and SUnreclaim back to where they were, within the noise. */
static void expect_small_back(struct __test_metadata *_metadata,
			      const struct mem_use *before,
			      const struct mem_use *after)
{
	EXPECT_GT(SMALL_LEAK_KB,
		  after->vmalloc_used_kb - before->vmalloc_used_kb);
	EXPECT_GT(SMALL_LEAK_KB,
		  after->slab_unreclaimable_kb - before->slab_unreclaimable_kb);
}

static void mem_print(const char *when, const struct mem_use *m)
{
	ksft_print_msg("%s: MemFree %ld kB, VmallocUsed %ld kB, SUnreclaim %ld kB, sonde vmap areas %ld\n",
		       when, m->mem_free_kb, m->vmalloc_used_kb,
		       m->slab_unreclaimable_kb, m->sonde_vmaps);
}

/*
 * The reading after a test, taken again for up to SETTLE_TRIES seconds
 * while it is above the bound: frees deferred past an RCU grace period
 * (kfree_rcu() batches them for a while first) land late on a loaded
 * host.  A leak stays; only a bounded wait is added, never a looser
 * bound.
 */
#define SETTLE_TRIES	10
static void mem_measure_after(const char *when, const struct mem_use *before,
			      struct mem_use *after)
{
	mem_measure(after);
	mem_print(when, after);
	for (int i = 0; i < SETTLE_TRIES && !small_back(before, after); i++) {
		sleep(1);
		mem_measure(after);
		mem_print("  a second later", after);
	}
}

/* Open the device, retrying while a dying owner still holds it. */
static int open_when_free(unsigned int max_ms, unsigned int *waited_ms)
{
	int fd = dev_open();

	for (*waited_ms = 0; fd == -EBUSY && *waited_ms < max_ms;
	     *waited_ms += 10) {
		usleep(10000);
		fd = dev_open();
	}
	return fd;
}

/* Map every online CPU's ring; @r has info.nr_cpu_ids entries. */
static int map_rings(int fd, const struct sonde_info *info, uint32_t pages,
		     struct test_ring *r)
{
	int nr = nr_online_cpus(), ret;

	for (int cpu = 0; cpu < nr; cpu++) {
		ret = ring_map(fd, info, cpu, pages, &r[cpu]);
		if (ret)
			return ret;
	}
	return 0;
}

static void unmap_rings(const struct sonde_info *info, struct test_ring *r)
{
	for (unsigned int cpu = 0; cpu < info->nr_cpu_ids; cpu++)
		ring_unmap(&r[cpu]);
}

/*
 * Per CPU: what GET_STATS says was produced is what was written plus
 * what was lost, and what was read matches both.  Task and MMAP events
 * are not captured by these tests: records are SAMPLE and THROTTLE.
 */
static void accounting_closes(struct __test_metadata *_metadata,
			      const struct sonde_cpu_stats *st,
			      const struct drain_counts *c, int cpu)
{
	uint64_t produced = st->samples + st->task_events + st->map_events +
			    st->throttle_events;

	ksft_print_msg("cpu%d: samples %llu throttle %llu records %llu lost %llu; read %llu samples, %llu throttle, %llu lost in %llu LOST records\n",
		       cpu, (unsigned long long)st->samples,
		       (unsigned long long)st->throttle_events,
		       (unsigned long long)st->records,
		       (unsigned long long)stats_lost(st),
		       (unsigned long long)c->samples,
		       (unsigned long long)c->throttles,
		       (unsigned long long)c->lost,
		       (unsigned long long)c->lost_records);
	EXPECT_EQ(produced, st->records + stats_lost(st))
		TH_LOG("cpu%d: GET_STATS does not close", cpu);
	EXPECT_EQ(st->records, c->samples + c->throttles)
		TH_LOG("cpu%d: records written and read differ", cpu);
	EXPECT_EQ(stats_lost(st), c->lost)
		TH_LOG("cpu%d: lost counted and LOST records differ", cpu);
	EXPECT_EQ(0, c->bad_cpu) TH_LOG("cpu%d: another CPU's record", cpu);
	EXPECT_EQ(0, c->bad_records) TH_LOG("cpu%d: a broken record", cpu);
}

/* The reader thread of the hotplug storm: drains until told to stop. */
struct reader {
	struct test_ring *rings;
	struct drain_counts *counts;
	uint64_t *counter_samples;	/* per CPU: SONDE_SAMPLE_EVENT ones */
	int nr;
	volatile bool stop;
	uint64_t passes;
};

static void count_counter_sample(const struct sonde_sample *s, void *arg)
{
	const struct sonde_sample_event *ev = sample_event_of(s);
	uint64_t *n = arg;

	/* Not a timer sample that stands for missed periods. */
	if ((s->flags & SONDE_SAMPLE_EVENT) && ev &&
	    ev->event != SONDE_EVENT_TIMER)
		(*n)++;
}

static void reader_pass(struct reader *rd)
{
	for (int cpu = 0; cpu < rd->nr; cpu++)
		ring_drain(&rd->rings[cpu], &rd->counts[cpu],
			   count_counter_sample, &rd->counter_samples[cpu]);
}

static void *reader_thread(void *arg)
{
	struct reader *rd = arg;

	while (!rd->stop) {
		reader_pass(rd);
		rd->passes++;
		usleep(1000);
	}
	return NULL;
}

FIXTURE(storm) {
	int fd;
	struct sonde_info info;
	struct test_ring *rings;
	struct drain_counts *counts;
	struct sonde_cpu_stats *st;
};

/* Software counters that sample along with the timer, if any. */
FIXTURE_VARIANT(storm) {
	struct sonde_event event;
	/* Why the variant cannot run by default: a known module bug. */
	const char *known_bug;
};

FIXTURE_VARIANT_ADD(storm, timer) {
};

/* cpu-clock: an hrtimer inside perf, on every CPU, idle or not. */
FIXTURE_VARIANT_ADD(storm, timer_and_cpu_clock) {
	.event = { .type = PERF_TYPE_SOFTWARE,
		   .config = PERF_COUNT_SW_CPU_CLOCK, .frequency = STORM_HZ },
};

/*
 * context-switches: a software event behind a static key, which perf
 * turns on and off under cpus_read_lock() as such counters come and go:
 * the module once released it from its hotplug callback, under the
 * hotplug lock, and the first offline deadlocked (pmu.c now leaves
 * that to process context).
 */
FIXTURE_VARIANT_ADD(storm, timer_and_context_switches) {
	.event = { .type = PERF_TYPE_SOFTWARE,
		   .config = PERF_COUNT_SW_CONTEXT_SWITCHES, .period = 1 },
};

FIXTURE_SETUP(storm)
{
	self->fd = -1;
	if (!can_hotplug_cpu1())
		SKIP(return, "needs root and a CPU 1 that can go offline");
	if (variant->known_bug && !getenv("SONDE_TEST_KNOWN_BUGS"))
		SKIP(return, "%s", variant->known_bug);
	self->fd = dev_open();
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, dev_info(self->fd, &self->info));
	self->rings = calloc(self->info.nr_cpu_ids, sizeof(*self->rings));
	self->counts = calloc(self->info.nr_cpu_ids, sizeof(*self->counts));
	self->st = calloc(self->info.nr_cpu_ids, sizeof(*self->st));
	ASSERT_TRUE(self->rings && self->counts && self->st);
}

FIXTURE_TEARDOWN(storm)
{
	if (self->fd < 0)
		return;
	unmap_rings(&self->info, self->rings);
	close(self->fd);
	free(self->rings);
	free(self->counts);
	free(self->st);
	cpu_set_online(1, true);
}

/*
 * CPU 1 offline and online STORM_ROUNDS times while every CPU samples at
 * 1 kHz (and, in the counter variants, a software counter samples too),
 * a thread reading all rings the whole time.  Each offlining cancels CPU 1's timer and releases its
 * counters; a timer the kernel migrated instead (hrtimers_cpu_dying())
 * would write CPU 0's samples into ring 1, which the reader would see.
 * Afterwards CPU 1 samples again, the accounting closes on every CPU,
 * and once closed the session leaves no memory behind.
 */
TEST_F_TIMEOUT(storm, cpu1_offline_online, 600)
{
	struct sonde_event ev = variant->event;
	long leak_kb = STORM_ROUNDS * STORM_PAGES * 4L;
	int nr = nr_online_cpus();
	bool counters = ev.frequency || ev.period;
	uint64_t counter_samples[nr];
	struct reader rd = {
		.rings = self->rings, .counts = self->counts,
		.counter_samples = counter_samples, .nr = nr,
	};
	struct mem_use before, after;
	struct sonde_config cfg;
	uint64_t t0, cpu1_seen, cpu1_counted;
	pthread_t thread;
	int round;

	/* What a first hotplug round allocates for good is not a leak. */
	ASSERT_EQ(0, cpu_set_online(1, false));
	ASSERT_EQ(0, cpu_set_online(1, true));
	mem_measure(&before);
	mem_print("before", &before);
	config_init(&cfg, STORM_HZ, STORM_PAGES);
	memset(counter_samples, 0, sizeof(counter_samples));
	if (counters) {
		cfg.events_ptr = (uintptr_t)&ev;
		cfg.nr_events = 1;
	}
	ASSERT_EQ(0, dev_configure(self->fd, &cfg));
	ASSERT_EQ(0, map_rings(self->fd, &self->info, STORM_PAGES,
			       self->rings));
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_START, 0));
	ASSERT_EQ(0, pthread_create(&thread, NULL, reader_thread, &rd));

	t0 = mono_ns();
	for (round = 0; round < STORM_ROUNDS; round++) {
		int off = cpu_set_online(1, false);
		int on;

		/* Vary how long CPU 1 stays away: 0 to 9 ms. */
		usleep((round % 10) * 1000);
		on = cpu_set_online(1, true);
		ASSERT_EQ(0, off) TH_LOG("round %d: offline: %s", round,
					 strerror(-off));
		ASSERT_EQ(0, on) TH_LOG("round %d: online: %s", round,
					strerror(-on));
		burn_cpu_ms(round % 5);
	}
	ksft_print_msg("%d offline/online rounds of CPU 1 in %llu ms\n",
		       STORM_ROUNDS,
		       (unsigned long long)((mono_ns() - t0) / 1000000));

	/* CPU 1 samples again: wait (bounded) for its ring to move. */
	cpu1_seen = self->counts[1].samples;
	cpu1_counted = counter_samples[1];
	for (int i = 0; i < 500; i++) {
		if (self->counts[1].samples > cpu1_seen &&
		    (!counters || counter_samples[1] > cpu1_counted))
			break;
		usleep(10000);
	}
	EXPECT_LT(cpu1_seen, self->counts[1].samples)
		TH_LOG("CPU 1 took no sample after the storm");
	if (counters) {
		EXPECT_LT(cpu1_counted, counter_samples[1])
			TH_LOG("CPU 1's counter was not created again");
	}

	rd.stop = true;
	pthread_join(thread, NULL);
	ASSERT_EQ(0, ioctl(self->fd, SONDE_IOC_STOP, 0));
	reader_pass(&rd);
	/* GET_STATS writes a LOST record still pending: read it too. */
	ASSERT_EQ(0, dev_stats(self->fd, &self->info, self->st));
	reader_pass(&rd);
	for (int cpu = 0; cpu < nr; cpu++) {
		accounting_closes(_metadata, &self->st[cpu],
				  &self->counts[cpu], cpu);
		EXPECT_LT(0, self->counts[cpu].samples) TH_LOG("cpu%d", cpu);
		if (counters)
			EXPECT_LT(0, counter_samples[cpu]) TH_LOG("cpu%d", cpu);
	}
	ksft_print_msg("the reader made %llu passes\n",
		       (unsigned long long)rd.passes);
	EXPECT_LT(0, rd.passes);

	unmap_rings(&self->info, self->rings);
	close(self->fd);
	self->fd = -1;
	mem_measure_after("after close", &before, &after);
	EXPECT_EQ(before.sonde_vmaps, after.sonde_vmaps);
	EXPECT_EQ(0, after.sonde_vmaps);
	expect_small_back(_metadata, &before, &after);
	/*
	 * Half of what a ring leaked each round would take: the guest's
	 * own noise (per-CPU page lists refilled, which MemFree does not
	 * count) was up to 15 MiB in a fresh guest.
	 */
	EXPECT_LT(before.mem_free_kb - after.mem_free_kb, leak_kb / 2)
		TH_LOG("MemFree fell by %ld kB; a ring a round is %ld kB",
		       before.mem_free_kb - after.mem_free_kb, leak_kb);
	free(self->rings);
	free(self->counts);
	free(self->st);
}

/*
 * The reader of the kill and stop tests: a child process that drains
 * every online CPU's ring as fast as it can.  Its counts live in shared
 * memory for the parent to read once the child is done.
 */
struct shared_reader {
	volatile int ready;	/* the child configured, mapped, started */
	volatile int finish;	/* parent: drain once more, then report */
	volatile int done;
	volatile int err;	/* why the child gave up: -errno */
	volatile uint64_t read;	/* records read so far, for progress */
	struct drain_counts counts[];
};

static void drain_until_told(int fd, const struct sonde_info *info,
			     uint32_t pages, struct shared_reader *sh,
			     bool start)
{
	int nr = nr_online_cpus();
	struct test_ring rings[nr];
	uint64_t n;

	memset(rings, 0, sizeof(rings));
	for (int cpu = 0; cpu < nr; cpu++) {
		sh->err = ring_map(fd, info, cpu, pages, &rings[cpu]);
		if (sh->err)
			_exit(1);
	}
	if (start && ioctl(fd, SONDE_IOC_START, 0)) {
		sh->err = -errno;
		_exit(1);
	}
	__atomic_store_n(&sh->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&sh->finish, __ATOMIC_ACQUIRE)) {
		n = 0;
		for (int cpu = 0; cpu < nr; cpu++) {
			ring_drain(&rings[cpu], &sh->counts[cpu], NULL, NULL);
			n += sh->counts[cpu].samples;
		}
		sh->read = n;
	}
	/* The parent stopped sampling and wrote the pending LOST records. */
	for (int cpu = 0; cpu < nr; cpu++)
		ring_drain(&rings[cpu], &sh->counts[cpu], NULL, NULL);
	__atomic_store_n(&sh->done, 1, __ATOMIC_RELEASE);
	_exit(0);
}

static struct shared_reader *shared_reader_alloc(unsigned int nr_cpu_ids,
						 size_t *len)
{
	void *p;

	*len = sizeof(struct shared_reader) +
	       nr_cpu_ids * sizeof(struct drain_counts);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* The reader tests need longer than the harness's default 30 s. */
FIXTURE(reader) {
};

FIXTURE_SETUP(reader)
{
}

FIXTURE_TEARDOWN(reader)
{
}

/*
 * Wait for the reader child to say it started: 0, or why not: the
 * child's error when it gave up, -ETIMEDOUT if it said nothing.
 */
static int wait_reader(struct shared_reader *sh, pid_t pid)
{
	int status;

	for (unsigned int ms = 0; ms < 60000; ms++) {
		if (__atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return sh->err ?: -ECHILD;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static bool wait_flag(volatile int *flag, unsigned int max_ms)
{
	for (unsigned int ms = 0; ms < max_ms; ms++) {
		if (__atomic_load_n(flag, __ATOMIC_ACQUIRE))
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * A reader that opened, configured, mapped and started a session with
 * big rings at the highest frequency, draining it as fast as it can,
 * killed with SIGKILL: KILL_CYCLES times over.  After each, the next
 * session opens, configures and starts at once (bounded retry), and
 * after the last, the module's memory is back to what it was before the
 * first: no sonde vmap area left in /proc/vmallocinfo, and MemFree within
 * half of what a leak of one ring per cycle would take (20 x 8 MiB; the
 * guest's noise with caches dropped was up to 22 MiB, mostly pages held
 * in per-CPU free lists, which MemFree does not count).  A leak of the
 * rings' accounting alone would show too: CONFIGURE refuses with ENOMEM
 * once live rings exceed a quarter of RAM, which 20 leaked sessions of
 * two 8 MiB rings pass in a 1 GiB guest.
 */
TEST_F_TIMEOUT(reader, killed_leaves_nothing, 600)
{
	long leak_kb = KILL_CYCLES * (KILL_PAGES + 2L) * 4;
	unsigned int waited_ms, max_waited_ms = 0;
	struct mem_use before, after;
	struct shared_reader *sh;
	struct sonde_info info;
	struct sonde_config cfg;
	size_t sh_len;
	int fd;

	if (geteuid() != 0)
		SKIP(return, "needs root to read /proc/vmallocinfo and drop caches");
	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	close(fd);
	ASSERT_LE(KILL_PAGES, info.max_ring_pages);
	sh = shared_reader_alloc(info.nr_cpu_ids, &sh_len);
	ASSERT_NE(NULL, sh);

	/* One session first: whatever the first use allocates for good. */
	fd = dev_open();
	ASSERT_GE(fd, 0);
	config_init(&cfg, info.max_frequency, KILL_PAGES);
	ASSERT_EQ(0, dev_configure(fd, &cfg));
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_START, 0));
	close(fd);
	mem_measure(&before);
	mem_print("before", &before);

	for (int cycle = 0; cycle < KILL_CYCLES; cycle++) {
		int status, ret;
		pid_t pid;

		memset(sh, 0, sh_len);
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			int cfd = dev_open();

			config_init(&cfg, info.max_frequency, KILL_PAGES);
			sh->err = cfd < 0 ? cfd : dev_configure(cfd, &cfg);
			if (sh->err)
				_exit(1);
			drain_until_told(cfd, &info, KILL_PAGES, sh, true);
		}
		ret = wait_reader(sh, pid);
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: the reader did not start: %s",
					 cycle, strerror(-ret));
		/* Killed at a different point of its stream each time. */
		usleep(20000 + 7000 * (cycle % 8));
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("cycle %d: the reader ended by itself (status %#x)",
			       cycle, status);

		fd = open_when_free(10000, &waited_ms);
		ASSERT_GE(fd, 0) TH_LOG("cycle %d: open after the kill: %s",
					cycle, strerror(-fd));
		if (waited_ms > max_waited_ms)
			max_waited_ms = waited_ms;
		config_init(&cfg, info.max_frequency, KILL_PAGES);
		ret = dev_configure(fd, &cfg);
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: CONFIGURE: %s", cycle,
					 strerror(-ret));
		ASSERT_EQ(0, ioctl(fd, SONDE_IOC_START, 0))
			TH_LOG("cycle %d: START: %s", cycle, strerror(errno));
		close(fd);
	}
	ksft_print_msg("%d readers killed; the device was free again after at most %u ms\n",
		       KILL_CYCLES, max_waited_ms);
	mem_measure_after("after", &before, &after);
	EXPECT_EQ(before.sonde_vmaps, after.sonde_vmaps);
	EXPECT_EQ(0, after.sonde_vmaps);
	expect_small_back(_metadata, &before, &after);
	EXPECT_LT(before.mem_free_kb - after.mem_free_kb, leak_kb / 2)
		TH_LOG("MemFree fell by %ld kB; one ring a cycle is %ld kB",
		       before.mem_free_kb - after.mem_free_kb, leak_kb);
	munmap(sh, sh_len);
}

/*
 * A reader stopped with SIGSTOP while every CPU samples at the highest
 * frequency into small rings.  The producers never wait for it: seen
 * from the parent, which holds the same file, GET_STATS keeps counting
 * samples, and counting them lost, while the reader cannot run.  After
 * SIGCONT, STOP, GET_STATS and the reader's last drain, every sample
 * produced was read or counted lost, exactly, per CPU.
 */
TEST_F_TIMEOUT(reader, stopped_never_blocks_producers, 300)
{
	int nr = nr_online_cpus(), fd, status;
	uint64_t lost_stopped = 0, samples_stopped = 0;
	struct sonde_cpu_stats *st, *st0;
	struct shared_reader *sh;
	struct sonde_info info;
	struct sonde_config cfg;
	uint64_t read_before;
	size_t sh_len;
	pid_t pid;

	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	st = calloc(info.nr_cpu_ids, sizeof(*st));
	st0 = calloc(info.nr_cpu_ids, sizeof(*st0));
	ASSERT_TRUE(st && st0);
	sh = shared_reader_alloc(info.nr_cpu_ids, &sh_len);
	ASSERT_NE(NULL, sh);
	config_init(&cfg, info.max_frequency, STOP_PAGES);
	ASSERT_EQ(0, dev_configure(fd, &cfg));

	/* The child inherits the file: one session, two processes. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		drain_until_told(fd, &info, STOP_PAGES, sh, true);
	status = wait_reader(sh, pid);
	ASSERT_EQ(0, status) TH_LOG("the reader did not start: %s",
				    strerror(-status));
	for (int i = 0; i < 3000 && !sh->read; i++)
		usleep(10000);
	ASSERT_LT(0, sh->read) TH_LOG("the reader read nothing");

	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	read_before = sh->read;
	ASSERT_EQ(0, dev_stats(fd, &info, st0));
	/*
	 * Lost must grow on every CPU: a bounded wait (30 s), as a virtual
	 * CPU may be starved, and the overhead limit may lengthen the period.
	 */
	for (int i = 0; i < 1500; i++) {
		bool all = true;

		burn_cpu_ms(20);
		ASSERT_EQ(0, dev_stats(fd, &info, st));
		for (int cpu = 0; cpu < nr; cpu++)
			if (stats_lost(&st[cpu]) <= stats_lost(&st0[cpu]))
				all = false;
		if (all)
			break;
	}
	for (int cpu = 0; cpu < nr; cpu++) {
		lost_stopped += stats_lost(&st[cpu]) - stats_lost(&st0[cpu]);
		samples_stopped += st[cpu].samples - st0[cpu].samples;
		EXPECT_LT(stats_lost(&st0[cpu]), stats_lost(&st[cpu]))
			TH_LOG("cpu%d lost nothing while its reader was stopped",
			       cpu);
	}
	ksft_print_msg("while the reader was stopped: %llu samples taken, %llu lost\n",
		       (unsigned long long)samples_stopped,
		       (unsigned long long)lost_stopped);
	EXPECT_EQ(read_before, sh->read) TH_LOG("a stopped reader read");

	ASSERT_EQ(0, kill(pid, SIGCONT));
	for (int i = 0; i < 3000 && sh->read == read_before; i++)
		usleep(10000);
	EXPECT_LT(read_before, sh->read) TH_LOG("no reading after SIGCONT");
	ASSERT_EQ(0, ioctl(fd, SONDE_IOC_STOP, 0));
	/* Writes the LOST records still pending, for the last drain. */
	ASSERT_EQ(0, dev_stats(fd, &info, st));
	__atomic_store_n(&sh->finish, 1, __ATOMIC_RELEASE);
	EXPECT_TRUE(wait_flag(&sh->done, 60000));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("reader status %#x", status);
	for (int cpu = 0; cpu < nr; cpu++)
		accounting_closes(_metadata, &st[cpu], &sh->counts[cpu], cpu);
	close(fd);
	munmap(sh, sh_len);
	free(st);
	free(st0);
}

TEST_HARNESS_MAIN
