// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: a seeded fuzzer of the device's ioctls, mappings and
 * life cycle.  Random commands, sizes, flags and values in random orders,
 * interleaved with fork, close and reopen, munmap, mremap, mprotect and
 * threads racing START/STOP/GET_STATS against close().  What it checks:
 *
 * - every ioctl fails only with an errno of the ABI's vocabulary;
 * - every record read from any ring mapped at any time is well formed
 *   (size, type, CPU) and every byte of an output struct past what the
 *   kernel knows reads zero;
 * - afterwards a plain session still works;
 * - and, through scripts/vm-run, that the kernel log holds no splat.
 *
 * The seed is printed first; SONDE_FUZZ_SEED=N replays a run, and
 * SONDE_FUZZ_OPS=N sets its length (default 100000 operations).  A
 * failure prints the last operations before it; progress is printed
 * every 10000 operations, so that a run the kernel hangs or crashes
 * says how far it got; SONDE_FUZZ_TRACE=1 prints every operation as it
 * starts (for a replay).
 */
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "helpers.h"

#define MAX_MAPS	32
#define NR_LAST		16	/* operations a failure prints */

struct fuzz {
	uint64_t rng;
	int fd;
	struct sonde_info info;
	struct test_ring maps[MAX_MAPS];	/* meta set: a live mapping */
	bool hostile_tail[MAX_MAPS];	/* garbage may be its tail */
	uint64_t class_ns[3], class_ops[3];
	uint64_t ops, ioctl_ok, ioctl_err, records, bad_errno, bad_record;
	uint64_t bad_leak;
	int last_bad_errno;
	unsigned long last_bad_cmd;
	bool trace;
	struct {
		uint64_t op;
		char what[96];
	} last[NR_LAST];
};

/* Remember what operation f->ops did, for dump_last(). */
static void __attribute__((format(printf, 2, 3)))
fuzz_log(struct fuzz *f, const char *fmt, ...)
{
	unsigned int slot = f->ops % NR_LAST;
	va_list ap;

	f->last[slot].op = f->ops;
	va_start(ap, fmt);
	vsnprintf(f->last[slot].what, sizeof(f->last[slot].what), fmt, ap);
	va_end(ap);
	if (f->trace) {
		printf("# op %llu: %s\n", (unsigned long long)f->ops,
		       f->last[slot].what);
		fflush(stdout);
	}
}

static void dump_last(const struct fuzz *f)
{
	ksft_print_msg("the last operations before operation %llu:\n",
		       (unsigned long long)f->ops);
	for (uint64_t i = f->ops >= NR_LAST ? f->ops - NR_LAST + 1 : 0;
	     i <= f->ops; i++) {
		unsigned int slot = i % NR_LAST;

		if (f->last[slot].op == i && f->last[slot].what[0])
			ksft_print_msg("  op %llu: %s\n",
				       (unsigned long long)i,
				       f->last[slot].what);
	}
}

/* xorshift64*: small, and the same sequence for the same seed. */
static uint64_t rnd(struct fuzz *f)
{
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545f4914f6cdd1dull;
}

static uint64_t below(struct fuzz *f, uint64_t n)
{
	return n ? rnd(f) % n : 0;
}

/* Values that sit on the edges of every field's range. */
static uint64_t edgy(struct fuzz *f)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 63, 64, 100, 999, 1000, 4095, 4096, 4097,
		8192, 16384, 16385, 20000, 20001, 65535, 65536, 1u << 20,
		0x7fffffff, 0x80000000, 0xffffffff, 1ull << 32, 1ull << 63,
		~0ull, 50000, 10000000000ull,
	};

	return below(f, 4) ? v[below(f, ARRAY_SIZE(v))] : rnd(f);
}

static bool errno_in_vocabulary(int e)
{
	switch (e) {
	case ENOTTY:
	case E2BIG:
	case EINVAL:
	case EOPNOTSUPP:
	case EBUSY:
	case EACCES:
	case ENOMEM:
	case EFAULT:
	case ESRCH:
		return true;
	}
	return false;
}

static void note_ioctl(struct fuzz *f, unsigned long cmd, int ret)
{
	if (!ret) {
		f->ioctl_ok++;
		return;
	}
	f->ioctl_err++;
	/* EBADF: a racing thread closed the descriptor. */
	if (!errno_in_vocabulary(errno) && errno != EBADF) {
		f->bad_errno++;
		f->last_bad_errno = errno;
		f->last_bad_cmd = cmd;
	}
}

static void fuzz_config(struct fuzz *f, struct sonde_config *cfg,
			uint32_t *tgids, uint64_t *mask)
{
	config_init(cfg, 1000, 2u << below(f, 3));
	switch (below(f, 3)) {
	case 0:		/* mostly valid, one field off */
		switch (below(f, 12)) {
		case 0:
			cfg->frequency = edgy(f);
			break;
		case 1:
			cfg->period_ns = edgy(f);
			break;
		case 2:
			cfg->capture = edgy(f);
			break;
		case 3:
			cfg->ring_pages = edgy(f);
			break;
		case 4:
			cfg->wakeup_bytes = edgy(f);
			break;
		case 5:
			cfg->user_stack_bytes = edgy(f);
			cfg->capture |= SONDE_CAPTURE_USER_STACK;
			break;
		case 6:
			cfg->max_kernel_depth = edgy(f);
			break;
		case 7:
			cfg->max_user_depth = edgy(f);
			break;
		case 8:
			cfg->source = edgy(f);
			break;
		case 9:
			cfg->jitter = edgy(f);
			break;
		default:
			break;
		}
		break;
	case 1:		/* valid, with options */
		cfg->capture = below(f, SONDE_CAPTURE_ALL + 1);
		if (cfg->capture & SONDE_CAPTURE_USER_STACK) {
			cfg->capture |= SONDE_CAPTURE_USER_REGS;
			cfg->user_stack_bytes = 8 * below(f, 512);
		}
		cfg->frequency = 1 + below(f, 5000);
		break;
	default:	/* anything */
		for (size_t i = 0; i < sizeof(*cfg) / 8; i++)
			((uint64_t *)cfg)[i] = below(f, 2) ? edgy(f) : 0;
		cfg->size = sizeof(*cfg);
		break;
	}
	if (!below(f, 4)) {
		int n = below(f, 4);

		for (int i = 0; i < n; i++)
			tgids[i] = below(f, 2) ? (uint32_t)getpid() : edgy(f);
		cfg->nr_tgids = below(f, 8) ? n : edgy(f);
		cfg->tgids_ptr = below(f, 8) ? (uintptr_t)tgids : edgy(f);
	}
	if (!below(f, 4)) {
		*mask = below(f, 4) ? 1 + below(f, 3) : edgy(f);
		cfg->cpumask_bytes = below(f, 8) ? 8 : edgy(f);
		cfg->cpumask_ptr = below(f, 8) ? (uintptr_t)mask : edgy(f);
	}
}

static void op_ioctl(struct fuzz *f)
{
	uint8_t buf[8192];
	struct sonde_config *cfg = (void *)buf;
	struct sonde_stats *req = (void *)buf;
	struct sonde_cpu_stats st[8];
	uint32_t tgids[4];
	uint64_t mask = 0;
	unsigned long cmd;
	uint32_t usize;
	int ret;

	memset(buf, 0, sizeof(buf));
	/*
	 * START and STOP register and remove a CPU hotplug state, slow
	 * under emulation: rarer than the rest, still thousands per run.
	 */
	switch (below(f, 16)) {
	case 0: case 1:
		cmd = SONDE_IOC_GET_INFO;
		/* Prefill: what the caller sized past our struct reads zero. */
		memset(buf, 0xa5, sizeof(buf));
		usize = below(f, 2) ? sizeof(struct sonde_info) + 8 * below(f, 8) :
				      edgy(f);
		((struct sonde_info *)buf)->size = usize;
		ret = ioctl(f->fd, cmd, buf);
		for (uint32_t i = sizeof(struct sonde_info);
		     !ret && i < usize && i < sizeof(buf); i++)
			if (buf[i])
				f->bad_leak++;
		break;
	case 2: case 3: case 4: case 5:
		cmd = SONDE_IOC_CONFIGURE;
		fuzz_config(f, cfg, tgids, &mask);
		if (!below(f, 8))
			cfg->size = edgy(f) % sizeof(buf);
		ret = ioctl(f->fd, cmd, buf);
		break;
	case 6:
		cmd = SONDE_IOC_START;
		ret = ioctl(f->fd, cmd, below(f, 16) ? 0 : edgy(f));
		break;
	case 7:
		cmd = SONDE_IOC_STOP;
		ret = ioctl(f->fd, cmd, below(f, 16) ? 0 : edgy(f));
		break;
	case 8: case 9: case 10:
		cmd = SONDE_IOC_GET_STATS;
		req->size = below(f, 4) ? sizeof(*req) : edgy(f);
		req->nr_cpus = below(f, 2) ? f->info.nr_cpu_ids : edgy(f);
		if (req->nr_cpus > 8 && below(f, 2))
			req->nr_cpus = 8;
		req->stats_size = below(f, 2) ? sizeof(st[0]) : edgy(f);
		if (req->stats_size > sizeof(st[0]) && below(f, 2))
			req->stats_size = sizeof(st[0]);
		req->cpu_stats_ptr = below(f, 8) ? (uintptr_t)st : edgy(f);
		ret = ioctl(f->fd, cmd, buf);
		break;
	case 11: case 12:
		cmd = _IO(SONDE_IOC_MAGIC, below(f, 32));
		ret = ioctl(f->fd, cmd, below(f, 2) ? (unsigned long)buf : edgy(f));
		break;
	default:
		cmd = edgy(f);
		ret = ioctl(f->fd, cmd, buf);
		break;
	}
	note_ioctl(f, cmd, ret);
	fuzz_log(f, "ioctl %#lx: %s", cmd, ret ? strerror(errno) : "ok");
}

/*
 * Read a mapped ring as a consumer would, checking every record.  After a
 * hostile tail the producer may have overwritten anything behind it, so
 * the reader skips to the head once and trusts the ring again.
 */
static void read_ring(struct fuzz *f, struct test_ring *r, bool *hostile)
{
	uint64_t head, tail;
	unsigned int n = 0;

	head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	tail = r->ctrl->data_tail;
	if (*hostile) {
		*hostile = false;
		tail = head;
	}
	while (tail < head && n++ < 4096) {
		const struct sonde_record_header *h =
			(const void *)(r->data + (tail & (r->size - 1)));

		if (h->size < sizeof(*h) || h->size % 8 || h->size > r->size) {
			f->bad_record++;
			break;
		}
		if (h->type == SONDE_RECORD_SAMPLE &&
		    ((const struct sonde_sample *)h)->cpu != r->cpu)
			f->bad_record++;
		f->records++;
		tail += h->size;
	}
	__atomic_store_n(&r->ctrl->data_tail, head, __ATOMIC_RELEASE);
}

static void op_map(struct fuzz *f)
{
	unsigned int slot = below(f, MAX_MAPS);
	struct test_ring *r = &f->maps[slot];
	bool *hostile = &f->hostile_tail[slot];
	unsigned int cpu = below(f, f->info.nr_cpu_ids + 1);
	size_t psz = f->info.page_size;
	int what = below(f, 6);
	void *p;

	fuzz_log(f, "map: case %d, slot %u (%s), cpu %u", what, slot,
		 r->meta ? "mapped" : "empty", cpu);
	switch (what) {
	case 0:		/* a ring, the right way, at a guessed size */
		if (r->meta)
			ring_unmap(r);
		/*
		 * The ring may be one whose tail another slot made hostile
		 * and no read has set right yet: while any slot may still
		 * see a hostile tail, so may a new mapping.
		 */
		*hostile = false;
		for (int i = 0; i < MAX_MAPS; i++)
			*hostile |= f->hostile_tail[i];
		ring_map(f->fd, &f->info, cpu, 2u << below(f, 3), r);
		break;
	case 1:		/* anything */
		p = mmap(NULL, psz * (1 + below(f, 64)),
			 below(f, 2) ? PROT_READ : PROT_READ | PROT_WRITE | (below(f, 4) ? 0 : PROT_EXEC),
			 below(f, 4) ? MAP_SHARED : MAP_PRIVATE, f->fd,
			 below(f, 2) ? ring_offset(&f->info, cpu, below(f, 2)) :
				       (off_t)(psz * below(f, 1 << 20)));
		if (p != MAP_FAILED)
			munmap(p, psz);	/* may be refused: partial */
		break;
	case 2:
		if (r->meta) {
			read_ring(f, r, hostile);
			/*
			 * A hostile consumer position, sometimes.  Other slots
			 * may map the same ring, whose control page this is:
			 * none of them may trust its position now.
			 */
			if (!below(f, 8)) {
				r->ctrl->data_tail = edgy(f);
				for (int i = 0; i < MAX_MAPS; i++)
					f->hostile_tail[i] = true;
			}
		}
		break;
	case 3:
		if (r->meta) {
			munmap((uint8_t *)r->meta + psz * below(f, 3), psz);
			mprotect(r->meta, psz, PROT_READ | PROT_WRITE);
			p = mremap(r->meta, r->meta_len, r->meta_len + psz,
				   MREMAP_MAYMOVE);
			if (p != MAP_FAILED)
				r->meta = p;
		}
		break;
	case 4:
		if (r->meta)
			madvise(r->meta, psz, below(f, 2) ? MADV_DOFORK : MADV_DONTFORK);
		break;
	default:
		if (r->meta)
			ring_unmap(r);
		break;
	}
}

struct racer {
	int fd;
	unsigned int rounds;
};

static void *race_control(void *arg)
{
	struct racer *rc = arg;
	struct sonde_cpu_stats st[64];
	struct sonde_stats req = {
		.size = sizeof(req), .nr_cpus = 64, .stats_size = sizeof(st[0]),
		.cpu_stats_ptr = (uintptr_t)st,
	};

	for (unsigned int i = 0; i < rc->rounds; i++) {
		ioctl(rc->fd, SONDE_IOC_START, 0);
		ioctl(rc->fd, SONDE_IOC_GET_STATS, &req);
		ioctl(rc->fd, SONDE_IOC_STOP, 0);
	}
	return NULL;
}

/*
 * The last reference of a file closed while another thread was in an
 * ioctl is dropped by that thread's task work, which runs in do_exit()
 * after pthread_join() has already been woken (exit_mm() wakes it), and
 * can take long on a loaded emulated host: wait up to 10 s for it.
 */
static void reopen(struct fuzz *f)
{
	for (int i = 0; i < 10000; i++) {
		f->fd = dev_open();
		if (f->fd != -EBUSY)
			return;
		usleep(1000);
	}
}

static void op_life(struct fuzz *f)
{
	struct racer rc = { .fd = f->fd, .rounds = 1 + below(f, 20) };
	int what = below(f, 4);
	pthread_t t[2];
	pid_t pid;

	fuzz_log(f, "life: case %d, %u racing rounds", what, rc.rounds);
	switch (what) {
	case 0:		/* close and reopen, mappings kept */
		close(f->fd);
		reopen(f);
		break;
	case 1:		/* threads racing the control ioctls, then close */
		pthread_create(&t[0], NULL, race_control, &rc);
		pthread_create(&t[1], NULL, race_control, &rc);
		if (below(f, 2)) {
			usleep(below(f, 2000));
			close(f->fd);
			pthread_join(t[0], NULL);
			pthread_join(t[1], NULL);
			reopen(f);
		} else {
			pthread_join(t[0], NULL);
			pthread_join(t[1], NULL);
		}
		break;
	case 2:		/* a child that shares the file, and exits */
		pid = fork();
		if (pid == 0) {
			struct sonde_info info = { .size = sizeof(info) };

			ioctl(f->fd, SONDE_IOC_GET_INFO, &info);
			ioctl(f->fd, below(f, 2) ? SONDE_IOC_STOP :
				     SONDE_IOC_START, 0);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
		break;
	default: {
		struct pollfd p = { .fd = f->fd, .events = POLLIN };

		poll(&p, 1, 0);
		break;
	}
	}
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

FIXTURE(fuzz) {};
FIXTURE_SETUP(fuzz) {}
FIXTURE_TEARDOWN(fuzz) {}

TEST_F_TIMEOUT(fuzz, ioctl_mmap_lifecycle, 900)
{
	struct fuzz *f = calloc(1, sizeof(*f));
	uint64_t seed, nr_ops, start = mono_ns();
	bool dumped = false;
	struct sonde_config cfg;
	struct sonde_info info;
	int fd;

	ASSERT_NE(NULL, f);
	seed = env_u64("SONDE_FUZZ_SEED", (uint64_t)time(NULL) ^ getpid());
	nr_ops = env_u64("SONDE_FUZZ_OPS", 100000);
	/* Printed first, so that a run that dies can still be replayed. */
	printf("# seed %llu (SONDE_FUZZ_SEED=%llu replays it), %llu operations\n",
	       (unsigned long long)seed, (unsigned long long)seed,
	       (unsigned long long)nr_ops);
	fflush(stdout);
	f->rng = seed ?: 1;
	f->trace = env_u64("SONDE_FUZZ_TRACE", 0);
	signal(SIGPIPE, SIG_IGN);
	f->fd = dev_open();
	ASSERT_GE(f->fd, 0);
	ASSERT_EQ(0, dev_info(f->fd, &f->info));

	for (f->ops = 0; f->ops < nr_ops; f->ops++) {
		uint64_t pick = below(f, 1000), t0 = mono_ns();
		int class;

		if (f->fd < 0)
			reopen(f);
		if (f->fd < 0)
			dump_last(f);
		ASSERT_GE(f->fd, 0)
			TH_LOG("reopen after operation %llu: %d",
			       (unsigned long long)f->ops, f->fd);
		if (pick < 700) {
			class = 0;
			op_ioctl(f);
		} else if (pick < 995) {
			class = 1;
			op_map(f);
		} else {
			class = 2;
			op_life(f);
		}
		f->class_ns[class] += mono_ns() - t0;
		f->class_ops[class]++;
		if (f->bad_errno + f->bad_record + f->bad_leak && !dumped) {
			dump_last(f);
			dumped = true;
		}
		if ((f->ops + 1) % 10000 == 0) {
			printf("# %llu operations done, %llu s\n",
			       (unsigned long long)f->ops + 1,
			       (unsigned long long)((mono_ns() - start) /
						    1000000000ull));
			fflush(stdout);
		}
	}
	for (int i = 0; i < MAX_MAPS; i++)
		if (f->maps[i].meta) {
			read_ring(f, &f->maps[i], &f->hostile_tail[i]);
			ring_unmap(&f->maps[i]);
		}
	close(f->fd);
	TH_LOG("%llu operations: %llu ioctls succeeded, %llu failed; %llu records read",
	       (unsigned long long)f->ops, (unsigned long long)f->ioctl_ok,
	       (unsigned long long)f->ioctl_err,
	       (unsigned long long)f->records);
	TH_LOG("time: ioctl %llu ops %llu ms, mmap %llu ops %llu ms, life %llu ops %llu ms",
	       (unsigned long long)f->class_ops[0],
	       (unsigned long long)(f->class_ns[0] / 1000000),
	       (unsigned long long)f->class_ops[1],
	       (unsigned long long)(f->class_ns[1] / 1000000),
	       (unsigned long long)f->class_ops[2],
	       (unsigned long long)(f->class_ns[2] / 1000000));
	if (f->bad_errno)
		TH_LOG("errno %d outside the vocabulary, last from command %#lx",
		       f->last_bad_errno, f->last_bad_cmd);
	if (f->bad_errno + f->bad_record + f->bad_leak)
		TH_LOG("replay with SONDE_FUZZ_SEED=%llu SONDE_FUZZ_OPS=%llu",
		       (unsigned long long)seed, (unsigned long long)nr_ops);
	EXPECT_EQ(0, f->bad_errno);
	EXPECT_EQ(0, f->bad_record);
	EXPECT_EQ(0, f->bad_leak);

	/* After all that, a plain session works. */
	fd = dev_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, dev_info(fd, &info));
	config_init(&cfg, 1000, 8);
	EXPECT_EQ(0, dev_configure(fd, &cfg));
	EXPECT_EQ(0, ioctl(fd, SONDE_IOC_START, 0));
	EXPECT_EQ(0, ioctl(fd, SONDE_IOC_STOP, 0));
	close(fd);
	free(f);
}

TEST_HARNESS_MAIN
