// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: device, ring and symbol helpers.  See helpers.h.
 * Ring reads follow the ordering table in uapi/sonde.h: load-acquire of
 * data_head (C, pairs with B in kmod/ring.c), store-release of data_tail
 * (D, pairs with A in kmod/ring.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "helpers.h"

int dev_open(void)
{
	int fd = open(SONDE_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int dev_info(int fd, struct sonde_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, SONDE_IOC_GET_INFO, info) ? -errno : 0;
}

void config_init(struct sonde_config *cfg, uint32_t freq, uint32_t pages)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	cfg->source = SONDE_SOURCE_TIMER;
	cfg->frequency = freq;
	cfg->capture = SONDE_CAPTURE_KERNEL_CHAIN | SONDE_CAPTURE_USER_CHAIN |
		       SONDE_CAPTURE_USER_REGS;
	cfg->ring_pages = pages;
}

int dev_configure(int fd, struct sonde_config *cfg)
{
	return ioctl(fd, SONDE_IOC_CONFIGURE, cfg) ? -errno : 0;
}

int dev_stats(int fd, const struct sonde_info *info,
	      struct sonde_cpu_stats *stats)
{
	struct sonde_stats req = {
		.size = sizeof(req),
		.nr_cpus = info->nr_cpu_ids,
		.stats_size = sizeof(*stats),
		.cpu_stats_ptr = (uintptr_t)stats,
	};

	return ioctl(fd, SONDE_IOC_GET_STATS, &req) ? -errno : 0;
}

off_t ring_offset(const struct sonde_info *info, unsigned int cpu, bool ctrl)
{
	return cpu * info->mmap_cpu_stride +
	       (ctrl ? info->mmap_ctrl_offset : info->mmap_meta_offset);
}

int ring_map(int fd, const struct sonde_info *info, unsigned int cpu,
	     uint32_t ring_pages, struct test_ring *ring)
{
	size_t psz = info->page_size;
	void *p;

	memset(ring, 0, sizeof(*ring));
	ring->cpu = cpu;
	ring->meta_len = psz + 2 * (size_t)ring_pages * psz;
	p = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 ring_offset(info, cpu, true));
	if (p == MAP_FAILED)
		return -errno;
	ring->ctrl = p;
	p = mmap(NULL, ring->meta_len, PROT_READ, MAP_SHARED, fd,
		 ring_offset(info, cpu, false));
	if (p == MAP_FAILED) {
		int err = -errno;

		munmap(ring->ctrl, psz);
		ring->ctrl = NULL;
		return err;
	}
	ring->meta = p;
	ring->data = (const uint8_t *)p + ring->meta->data_offset;
	ring->size = ring->meta->data_size;
	return 0;
}

void ring_unmap(struct test_ring *ring)
{
	if (ring->meta)
		munmap(ring->meta, ring->meta_len);
	if (ring->ctrl)
		munmap(ring->ctrl, sysconf(_SC_PAGESIZE));
	ring->meta = NULL;
	ring->ctrl = NULL;
}

int ring_walk(struct test_ring *ring, record_fn fn, void *arg)
{
	uint64_t head, tail;
	int bad = 0;

	/* C, pairs with B in sonde_ring_commit() */
	head = __atomic_load_n(&ring->meta->data_head, __ATOMIC_ACQUIRE);
	tail = ring->ctrl->data_tail;
	while (tail < head) {
		const struct sonde_record_header *h =
			(const void *)(ring->data + (tail & (ring->size - 1)));

		if (h->size < sizeof(*h) || h->size % 8 ||
		    h->size > head - tail) {
			bad = 1;
			tail = head;
			break;
		}
		fn(h, arg);
		tail += h->size;
	}
	/* D, pairs with A in sonde_ring_reserve() */
	__atomic_store_n(&ring->ctrl->data_tail, tail, __ATOMIC_RELEASE);
	return bad;
}

struct drain_walk {
	struct test_ring *ring;
	struct drain_counts *c;
	sample_fn fn;
	void *arg;
};

static void drain_record(const struct sonde_record_header *h, void *arg)
{
	struct drain_walk *w = arg;

	if (h->type == SONDE_RECORD_SAMPLE) {
		const struct sonde_sample *s = (const void *)h;

		w->c->samples++;
		if (s->cpu != w->ring->cpu)
			w->c->bad_cpu++;
		if (w->fn)
			w->fn(s, w->arg);
	} else if (h->type == SONDE_RECORD_LOST) {
		const struct sonde_lost *l = (const void *)h;

		w->c->lost_records++;
		w->c->lost += l->nr_lost;
		if (l->cpu != w->ring->cpu)
			w->c->bad_cpu++;
	} else if (h->type == SONDE_RECORD_THROTTLE ||
		   h->type == SONDE_RECORD_UNTHROTTLE) {
		const struct sonde_throttle *t = (const void *)h;

		w->c->throttles++;
		if (t->cpu != w->ring->cpu)
			w->c->bad_cpu++;
	}
}

void ring_drain(struct test_ring *ring, struct drain_counts *c,
		sample_fn fn, void *arg)
{
	struct drain_walk w = { ring, c, fn, arg };

	c->bad_records += ring_walk(ring, drain_record, &w);
}

size_t first_byte_not(const void *p, size_t from, size_t to, uint8_t v)
{
	const uint8_t *b = p;

	while (from < to && b[from] == v)
		from++;
	return from;
}

int nr_online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

int cpu_set_online(int cpu, bool on)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, on ? "1" : "0", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

uint64_t stats_lost(const struct sonde_cpu_stats *st)
{
	uint64_t n = 0;

	for (int i = 0; i < SONDE_LOST_NR_REASONS; i++)
		n += st->lost[i];
	return n;
}

uint64_t stats_produced(const struct sonde_cpu_stats *st)
{
	return st->samples + st->task_events + st->map_events +
	       st->throttle_events;
}

const struct sonde_sample_event *sample_event_of(const struct sonde_sample *s)
{
	size_t off = sizeof(*s) + 8 * ((size_t)s->nr_kernel + s->nr_user) +
		     s->user_stack_size;

	off = (off + 7) & ~7ul;
	if (off + sizeof(struct sonde_sample_event) > s->hdr.size)
		return NULL;
	return (const void *)((const char *)s + off);
}

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void burn_cpu_ms(unsigned int ms)
{
	uint64_t end = mono_ns() + ms * 1000000ull;
	volatile uint64_t x = 0;

	while (mono_ns() < end)
		for (int i = 0; i < 1000; i++)
			x += i;
}

/* Kernel addresses live in the upper half on x86-64. */
bool is_kernel_addr(uint64_t a)
{
	return a >= 0xffff800000000000ull;
}

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
void burn_kernel_ms(unsigned int ms)
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

void run_session(int fd, struct session_result *r)
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

struct ksym {
	uint64_t addr;
	char *name;
};

struct ksyms {
	struct ksym *syms;
	size_t nr;
};

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct ksyms *ksyms_load(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	struct ksyms *k;
	char line[512];
	size_t cap = 0;

	if (!f)
		return NULL;
	k = calloc(1, sizeof(*k));
	while (k && fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256];

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		if (k->nr == cap) {
			cap = cap ? cap * 2 : 65536;
			k->syms = realloc(k->syms, cap * sizeof(*k->syms));
			if (!k->syms)
				break;
		}
		k->syms[k->nr].addr = addr;
		k->syms[k->nr].name = strdup(name);
		k->nr++;
	}
	fclose(f);
	if (k && k->syms)
		qsort(k->syms, k->nr, sizeof(*k->syms), cmp_ksym);
	return k;
}

const char *ksyms_name(const struct ksyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->nr;

	if (!k->nr || addr < k->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return k->syms[lo].name;
}

uint64_t ksyms_addr(const struct ksyms *k, const char *name)
{
	for (size_t i = 0; i < k->nr; i++)
		if (k->syms[i].addr && !strcmp(k->syms[i].name, name))
			return k->syms[i].addr;
	return 0;
}

void ksyms_free(struct ksyms *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->nr; i++)
		free(k->syms[i].name);
	free(k->syms);
	free(k);
}
