// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: MMAP records and following forks.  A grandchild
 * that a followed process forks, and that execs this very binary and
 * burns CPU for a few tens of milliseconds, is sampled (following), and
 * its samples' IPs fall in MMAP records written for it, which name this
 * binary by path, inode and build-id (read here from the loaded image's
 * notes, not from the file); without following its samples are absent;
 * code in an anonymous executable mapping gets an anonymous MMAP record;
 * and samples + task_events + map_events + throttle_events == records +
 * lost closes.
 */
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "helpers.h"

#define RING_PAGES	64
#define MAX_MAPS	4096
#define MAX_SAMPLES	65536
#define BURN_ENV	"SONDE_MAP_TEST_BURN_MS"

/* Exec'ed as the grandchild: burn CPU in user mode, then exit. */
__attribute__((constructor)) static void burn_if_asked(void)
{
	const char *ms = getenv(BURN_ENV);

	if (ms) {
		burn_cpu_ms(atoi(ms));
		_exit(0);
	}
}

struct map_rec {
	struct sonde_mmap_event ev;
	char path[SONDE_MAX_EXEC_PATH];
};

struct sample_rec {
	uint32_t pid;
	uint16_t context;
	uint64_t ip;
};

struct seen {
	struct map_rec *maps;
	unsigned int nr_maps;
	struct sample_rec *samples;
	unsigned int nr_samples;
	uint64_t records;	/* samples, task events, MMAP: for the sum */
	uint64_t lost;
	uint64_t bad;
};

struct collect {
	struct test_ring *ring;
	struct seen *out;
};

static void collect_record(const struct sonde_record_header *h, void *arg)
{
	struct collect *c = arg;
	struct seen *out = c->out;

	if (h->type == SONDE_RECORD_LOST) {
		out->lost += ((const struct sonde_lost *)h)->nr_lost;
		return;
	}
	out->records++;
	if (h->type == SONDE_RECORD_MMAP) {
		const struct sonde_mmap_event *m = (const void *)h;

		if (h->size < sizeof(*m) ||
		    sizeof(*m) + m->path_size > h->size ||
		    m->cpu != c->ring->cpu || m->start >= m->end ||
		    m->build_id_size > SONDE_BUILD_ID_MAX ||
		    (m->path_size && m->path[m->path_size - 1])) {
			out->bad++;
		} else if (out->nr_maps < MAX_MAPS) {
			struct map_rec *d = &out->maps[out->nr_maps++];

			d->ev = *m;
			memcpy(d->path, m->path, m->path_size);
		}
	} else if (h->type == SONDE_RECORD_SAMPLE) {
		const struct sonde_sample *s = (const void *)h;

		if (out->nr_samples < MAX_SAMPLES)
			out->samples[out->nr_samples++] =
				(struct sample_rec){ s->pid, s->context, s->ip };
	}
}

static void collect(struct test_ring *ring, struct seen *out)
{
	struct collect c = { ring, out };

	out->bad += ring_walk(ring, collect_record, &c);
}

struct session {
	int fd;
	struct sonde_info info;
	struct test_ring *rings;
	struct seen seen;
};

static int session_start(struct session *s, uint32_t tgid, uint32_t flags)
{
	struct sonde_config cfg;
	int ret;

	memset(s, 0, sizeof(*s));
	s->fd = dev_open();
	if (s->fd < 0)
		return s->fd;
	ret = dev_info(s->fd, &s->info);
	if (ret)
		return ret;
	if (!(s->info.features & SONDE_FEAT_MMAP_EVENTS) ||
	    !(s->info.features & SONDE_FEAT_FOLLOW_FORKS))
		return -EOPNOTSUPP;
	s->rings = calloc(s->info.nr_cpu_ids, sizeof(*s->rings));
	s->seen.maps = calloc(MAX_MAPS, sizeof(*s->seen.maps));
	s->seen.samples = calloc(MAX_SAMPLES, sizeof(*s->seen.samples));
	if (!s->rings || !s->seen.maps || !s->seen.samples)
		return -ENOMEM;
	config_init(&cfg, 2000, RING_PAGES);
	cfg.size = sizeof(cfg);
	cfg.capture |= SONDE_CAPTURE_TASK_EVENTS | SONDE_CAPTURE_MMAP;
	cfg.flags = flags;
	cfg.nr_tgids = 1;
	cfg.tgids_ptr = (uintptr_t)&tgid;
	ret = dev_configure(s->fd, &cfg);
	for (unsigned int cpu = 0; !ret && cpu < s->info.nr_cpu_ids; cpu++)
		ret = ring_map(s->fd, &s->info, cpu, RING_PAGES, &s->rings[cpu]);
	if (!ret && ioctl(s->fd, SONDE_IOC_START, 0))
		ret = -errno;
	return ret;
}

static void session_drain(struct session *s)
{
	for (unsigned int cpu = 0; cpu < s->info.nr_cpu_ids; cpu++)
		collect(&s->rings[cpu], &s->seen);
}

/* STOP, drain, GET_STATS, drain; the accounting must close. */
static void session_stop(struct session *s, struct __test_metadata *_metadata,
			 uint64_t *map_missed)
{
	struct sonde_cpu_stats *st = calloc(s->info.nr_cpu_ids, sizeof(*st));
	uint64_t produced = 0;

	ASSERT_NE(NULL, st);
	EXPECT_EQ(0, ioctl(s->fd, SONDE_IOC_STOP, 0));
	session_drain(s);
	EXPECT_EQ(0, dev_stats(s->fd, &s->info, st));
	session_drain(s);
	*map_missed = 0;
	for (unsigned int cpu = 0; cpu < s->info.nr_cpu_ids; cpu++) {
		produced += stats_produced(&st[cpu]);
		*map_missed += st[cpu].map_missed;
	}
	EXPECT_EQ(produced, s->seen.records + s->seen.lost);
	EXPECT_EQ(0, s->seen.bad);
	free(st);
}

static void session_end(struct session *s)
{
	for (unsigned int cpu = 0; s->rings && cpu < s->info.nr_cpu_ids; cpu++)
		ring_unmap(&s->rings[cpu]);
	free(s->rings);
	free(s->seen.maps);
	free(s->seen.samples);
	if (s->fd >= 0)
		close(s->fd);
}

static const struct map_rec *map_of(const struct seen *s, uint32_t pid,
				    uint64_t ip)
{
	for (unsigned int i = 0; i < s->nr_maps; i++)
		if (s->maps[i].ev.pid == pid && ip >= s->maps[i].ev.start &&
		    ip < s->maps[i].ev.end)
			return &s->maps[i];
	return NULL;
}

/* The main program's GNU build-id, from its loaded PT_NOTE segments. */
struct build_id {
	uint8_t id[SONDE_BUILD_ID_MAX];
	unsigned int size;
};

static int note_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct build_id *b = arg;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const Elf64_Phdr *ph = &info->dlpi_phdr[i];
		const uint8_t *p = (const void *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *n = (const void *)p;
			size_t name = (n->n_namesz + 3) & ~3u;
			size_t desc = (n->n_descsz + 3) & ~3u;

			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(n + 1, "GNU", 4) &&
			    n->n_descsz <= sizeof(b->id)) {
				b->size = n->n_descsz;
				memcpy(b->id, p + sizeof(*n) + name, b->size);
				return 1;
			}
			p += sizeof(*n) + name + desc;
		}
	}
	return 1;	/* the first object is the main program */
}

/* Fork a child that forks a grandchild execing this binary to burn. */
static pid_t run_grandchild(unsigned int ms)
{
	pid_t child = fork();

	if (child == 0) {
		pid_t gc = fork();
		char env[64];
		int status;

		if (gc == 0) {
			snprintf(env, sizeof(env), "%u", ms);
			setenv(BURN_ENV, env, 1);
			execl("/proc/self/exe", "map-burner", NULL);
			_exit(127);
		}
		/* The grandchild's pid, for the parent to look for. */
		waitpid(gc, &status, 0);
		_exit(WIFEXITED(status) && !WEXITSTATUS(status) ?
		      (gc & 0x7f) : 255);
	}
	return child;
}

TEST(follow_forks_and_map_records)
{
	char self[PATH_MAX];
	const struct map_rec *m, *exec_map = NULL;
	struct build_id bid = { 0 };
	unsigned int gc_samples = 0, gc_user = 0, covered = 0;
	uint64_t missed;
	struct session s;
	struct stat st;
	pid_t child;
	int ret, status;

	ASSERT_NE(NULL, realpath("/proc/self/exe", self));
	ASSERT_EQ(0, stat(self, &st));
	dl_iterate_phdr(note_cb, &bid);
	ret = session_start(&s, getpid(), SONDE_CONFIG_FOLLOW_FORKS);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "this kernel offers no MMAP records");
	ASSERT_EQ(0, ret);

	child = run_grandchild(300);
	ASSERT_GT(child, 0);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_NE(255, WEXITSTATUS(status));
	session_stop(&s, _metadata, &missed);

	/* The grandchild: a process with samples and an EXEC-time mapping. */
	for (unsigned int i = 0; i < s.seen.nr_maps && !exec_map; i++) {
		m = &s.seen.maps[i];
		if (m->ev.pid != (uint32_t)getpid() &&
		    m->ev.pid != (uint32_t)child &&
		    (m->ev.flags & SONDE_MMAP_EXEC) && !strcmp(m->path, self))
			exec_map = m;
	}
	ASSERT_NE(NULL, exec_map);
	TH_LOG("grandchild %u: %u MMAP records in all, %llu lookups missed",
	       exec_map->ev.pid, s.seen.nr_maps, (unsigned long long)missed);
	EXPECT_EQ(exec_map->ev.pid & 0x7f, (uint32_t)WEXITSTATUS(status));
	EXPECT_EQ(exec_map->ev.pid, exec_map->ev.ns_pid);
	EXPECT_EQ((uint64_t)st.st_ino, exec_map->ev.ino);
	EXPECT_EQ((uint32_t)st.st_dev, exec_map->ev.dev);
	EXPECT_EQ(0, exec_map->ev.flags &
		  (SONDE_MMAP_ANON | SONDE_MMAP_OTHER_ROOT));
	ASSERT_NE(0, bid.size);
	ASSERT_EQ(bid.size, exec_map->ev.build_id_size);
	EXPECT_EQ(0, memcmp(bid.id, exec_map->ev.build_id, bid.size));

	for (unsigned int i = 0; i < s.seen.nr_samples; i++) {
		const struct sample_rec *r = &s.seen.samples[i];

		if (r->pid != exec_map->ev.pid)
			continue;
		gc_samples++;
		if (r->context != SONDE_CTX_USER)
			continue;
		gc_user++;
		m = map_of(&s.seen, r->pid, r->ip);
		if (m && (m->ev.flags & SONDE_MMAP_ANON ?
			  !strcmp(m->path, "[vdso]") : m->path[0] == '/'))
			covered++;
	}
	TH_LOG("grandchild samples %u, in user mode %u, with a mapping %u",
	       gc_samples, gc_user, covered);
	/* 300 ms at 2 kHz on a busy 2-CPU guest: a few tens at least. */
	EXPECT_GE(gc_user, 20);
	EXPECT_GE(covered + missed, gc_user);
	session_end(&s);
}

TEST(no_follow_without_the_flag)
{
	unsigned int others = 0;
	uint64_t missed;
	struct session s;
	pid_t child;
	int ret, status;

	ret = session_start(&s, getpid(), 0);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "this kernel offers no MMAP records");
	ASSERT_EQ(0, ret);
	child = run_grandchild(100);
	ASSERT_GT(child, 0);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	session_stop(&s, _metadata, &missed);
	for (unsigned int i = 0; i < s.seen.nr_samples; i++)
		if (s.seen.samples[i].pid != (uint32_t)getpid())
			others++;
	EXPECT_EQ(0, others);
	session_end(&s);
}

TEST(follow_needs_task_events_and_a_filter)
{
	struct sonde_config cfg;
	uint32_t tgid = getpid();
	int fd = dev_open();

	ASSERT_GE(fd, 0);
	config_init(&cfg, 1000, RING_PAGES);
	cfg.size = sizeof(cfg);
	cfg.flags = SONDE_CONFIG_FOLLOW_FORKS;
	cfg.nr_tgids = 1;
	cfg.tgids_ptr = (uintptr_t)&tgid;
	EXPECT_EQ(-EINVAL, dev_configure(fd, &cfg));
	cfg.capture |= SONDE_CAPTURE_TASK_EVENTS;
	cfg.nr_tgids = 0;
	cfg.tgids_ptr = 0;
	EXPECT_EQ(-EINVAL, dev_configure(fd, &cfg));
	cfg.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, dev_configure(fd, &cfg));
	cfg.flags = 0;
	cfg.max_overhead = 10001;	/* above 100% */
	EXPECT_EQ(-EINVAL, dev_configure(fd, &cfg));
	close(fd);
}

/* mov ecx, 2000000; 1: dec ecx; jnz 1b; ret */
static const uint8_t jit_loop[] = {
	0xb9, 0x80, 0x84, 0x1e, 0x00, 0xff, 0xc9, 0x75, 0xfc, 0xc3,
};

TEST(anonymous_executable_memory)
{
	const struct map_rec *m;
	unsigned int in_jit = 0, covered = 0;
	uint64_t missed, t0;
	struct session s;
	uint8_t *code;
	int ret;

	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, code);
	memcpy(code, jit_loop, sizeof(jit_loop));
	ASSERT_EQ(0, mprotect(code, 4096, PROT_READ | PROT_EXEC));
	ret = session_start(&s, getpid(), 0);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "this kernel offers no MMAP records");
	ASSERT_EQ(0, ret);
	for (t0 = mono_ns(); mono_ns() - t0 < 300000000ull;)
		((void (*)(void))code)();
	session_stop(&s, _metadata, &missed);
	for (unsigned int i = 0; i < s.seen.nr_samples; i++) {
		uint64_t ip = s.seen.samples[i].ip;

		if (ip < (uintptr_t)code || ip >= (uintptr_t)code + 4096)
			continue;
		in_jit++;
		m = map_of(&s.seen, getpid(), ip);
		if (m && (m->ev.flags & SONDE_MMAP_ANON) && !m->ev.ino &&
		    !m->ev.path_size && m->ev.start == (uintptr_t)code)
			covered++;
	}
	TH_LOG("%u samples in the JIT page, %u with its anonymous record",
	       in_jit, covered);
	EXPECT_GE(in_jit, 20);
	EXPECT_GE(covered + missed, in_jit);
	munmap(code, 4096);
	session_end(&s);
}

TEST_HARNESS_MAIN
