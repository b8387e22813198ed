// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: the fallback sampling source (perfsource.h): events
 * opened with perf_event_open(2), their ring buffers mapped and read, and
 * each perf record converted into the ring record sonde's module writes.
 *
 * The ring protocol follows the kernel's description of struct
 * perf_event_mmap_page: the first page is the control page, data_size
 * bytes of records follow at data_offset; data_head is read with acquire
 * semantics, data_tail written with release semantics once the records
 * before it are read.  Records are 8-byte aligned but may wrap the end of
 * the data area: such a record is copied out first.  Side records
 * (MMAP2, COMM, FORK, EXIT) are asked for on one event per ring and task,
 * so that each is written once, and converted by
 * perfsource-side-records.c.
 *
 * Single-threaded: a perfsource belongs to the recorder's thread.
 * perfsource__convert() keeps no state and is unit-tested on
 * hand-built records (tests/user/test-perfsource.c).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <asm/perf_regs.h>

#include "lib/util.h"
#include "record/perfsource.h"
#include "sonde.h"

#define MAX_FRAMES	512	/* per side of a chain, like perf's cap */

struct pring {
	struct perf_event_mmap_page *pg;
	size_t map_len;
	__u32 cpu;
};

struct perfsource {
	int *fds;
	unsigned int nr_fds, cap_fds;
	struct pring *rings;
	unsigned int nr_rings;
	size_t page_size;
	struct perfsource_fmt fmt;
	struct perfsource_side *side;
	struct buf wrap;	/* a record that wraps the ring's end */
	struct buf rec;		/* the records one perf record became */
};

/* ---- conversion ---- */

struct cursor {
	const __u8 *p, *end;
};

static int take(struct cursor *c, void *dst, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return -EINVAL;
	if (dst)
		memcpy(dst, c->p, n);
	c->p += n;
	return 0;
}

static __u32 event_index(const struct perfsource_fmt *f, __u64 id)
{
	unsigned int i;

	for (i = 0; i < f->nr_ids; i++)
		if (f->ids[i] == id)
			return f->idx[i];
	return f->default_idx;
}

static int convert_lost(const struct perf_event_header *h, size_t len,
			__u32 cpu, struct buf *out)
{
	struct sonde_lost l = {
		.hdr = { SONDE_RECORD_LOST, sizeof(l) },
		.cpu = cpu,
	};
	struct cursor c = { (const __u8 *)(h + 1), (const __u8 *)h + len };
	__u64 id, n;

	if (take(&c, &id, 8) || take(&c, &n, 8))
		return -EINVAL;
	l.time_ns = now_ns(CLOCK_MONOTONIC);
	l.nr_lost = n;
	l.by_reason[SONDE_LOST_RING_FULL] = n;
	return buf__append(out, &l, sizeof(l)) ?: 1;
}

/* Index of register @reg among those @mask asks for. */
static int reg_slot(__u64 mask, unsigned int reg)
{
	if (!(mask & (1ULL << reg)))
		return -1;
	return __builtin_popcountll(mask & ((1ULL << reg) - 1));
}

static int convert_sample(const struct perf_event_header *h, size_t len,
			  const struct perfsource_fmt *f, __u32 cpu,
			  struct buf *out)
{
	static const __u64 known = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP |
		PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
		PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN |
		PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	struct cursor c = { (const __u8 *)(h + 1), (const __u8 *)h + len };
	__u64 st = f->sample_type, id = 0, period = 0, nr = 0, abi = 0;
	__u64 kframes[MAX_FRAMES], uframes[MAX_FRAMES], regs[64];
	const __u8 *stack = NULL;
	__u64 stack_size = 0, dyn_size = 0;
	unsigned int nk = 0, nu = 0, nregs = 0, i;
	struct sonde_sample s = { .hdr.type = SONDE_RECORD_SAMPLE };
	struct sonde_sample_event ev = { 0 };
	__u32 pidtid[2] = { 0, 0 }, cpures[2] = { cpu, 0 };
	__u64 mode = 0, cpumode, idx;
	size_t start = out->len, pad;
	int err;

	if (st & ~known)
		return -EINVAL;
	if ((st & PERF_SAMPLE_IDENTIFIER) && take(&c, &id, 8))
		return -EINVAL;
	if ((st & PERF_SAMPLE_IP) && take(&c, &s.ip, 8))
		return -EINVAL;
	if ((st & PERF_SAMPLE_TID) && take(&c, pidtid, 8))
		return -EINVAL;
	if ((st & PERF_SAMPLE_TIME) && take(&c, &s.time_ns, 8))
		return -EINVAL;
	if ((st & PERF_SAMPLE_CPU) && take(&c, cpures, 8))
		return -EINVAL;
	if ((st & PERF_SAMPLE_PERIOD) && take(&c, &period, 8))
		return -EINVAL;
	if (st & PERF_SAMPLE_CALLCHAIN) {
		if (take(&c, &nr, 8) || nr > (size_t)(c.end - c.p) / 8)
			return -EINVAL;
		for (i = 0; i < nr; i++) {
			__u64 a = 0;

			take(&c, &a, 8);
			if (a >= (__u64)PERF_CONTEXT_MAX) {
				mode = a;
				continue;
			}
			if (mode == (__u64)PERF_CONTEXT_KERNEL) {
				if (nk < MAX_FRAMES)
					kframes[nk++] = a;
				else
					s.flags |= SONDE_SAMPLE_KERNEL_TRUNCATED;
			} else if (mode == (__u64)PERF_CONTEXT_USER) {
				if (nu < MAX_FRAMES)
					uframes[nu++] = a;
				else
					s.flags |= SONDE_SAMPLE_USER_TRUNCATED;
			}
		}
	}
	if (st & PERF_SAMPLE_REGS_USER) {
		if (take(&c, &abi, 8))
			return -EINVAL;
		if (abi != PERF_SAMPLE_REGS_ABI_NONE) {
			nregs = __builtin_popcountll(f->regs_mask);
			if (take(&c, regs, nregs * 8))
				return -EINVAL;
		}
	}
	if (st & PERF_SAMPLE_STACK_USER) {
		if (take(&c, &stack_size, 8) ||
		    stack_size > (size_t)(c.end - c.p))
			return -EINVAL;
		stack = c.p;
		c.p += stack_size;
		if (stack_size && take(&c, &dyn_size, 8))
			return -EINVAL;
		if (dyn_size > stack_size)
			dyn_size = stack_size;
	}

	s.cpu = cpures[0];
	s.pid = pidtid[0];
	s.tid = pidtid[1];
	cpumode = h->misc & PERF_RECORD_MISC_CPUMODE_MASK;
	if (cpumode == PERF_RECORD_MISC_USER)
		s.context = SONDE_CTX_USER;
	else if (!s.pid && !s.tid)
		s.context = SONDE_CTX_IDLE;
	else
		s.context = SONDE_CTX_KERNEL;
	if (abi != PERF_SAMPLE_REGS_ABI_NONE && nregs) {
		int sp = reg_slot(f->regs_mask, PERF_REG_X86_SP);
		int bp = reg_slot(f->regs_mask, PERF_REG_X86_BP);
		int ip = reg_slot(f->regs_mask, PERF_REG_X86_IP);

		s.flags |= SONDE_SAMPLE_USER_REGS;
		s.user_sp = sp >= 0 ? regs[sp] : 0;
		s.user_bp = bp >= 0 ? regs[bp] : 0;
		s.user_ip = ip >= 0 ? regs[ip] : 0;
	} else if (s.context != SONDE_CTX_USER && s.context != SONDE_CTX_IDLE &&
		   (st & PERF_SAMPLE_REGS_USER) && !nu) {
		s.flags |= SONDE_SAMPLE_KTHREAD;
	}
	if (nu)
		s.user_ip = uframes[0];
	else if (!s.user_ip && s.context == SONDE_CTX_USER)
		s.user_ip = s.ip;
	if (s.context == SONDE_CTX_USER)
		nk = 0;
	s.nr_kernel = nk;
	s.nr_user = nu;
	if (stack && dyn_size) {
		s.user_stack_size = dyn_size;
		if (!(s.flags & SONDE_SAMPLE_USER_REGS))
			s.user_stack_size = 0;
	}
	if ((st & PERF_SAMPLE_STACK_USER) && s.user_stack_size < f->stack_bytes)
		s.flags |= SONDE_SAMPLE_USER_STACK_SHORT;
	idx = event_index(f, id);
	if (idx != PERFSOURCE_EV_TIMER) {
		s.flags |= SONDE_SAMPLE_EVENT;
		ev.event = idx;
		ev.period = period;
	}

	err = buf__append(out, &s, sizeof(s));
	if (!err)
		err = buf__append(out, kframes, nk * 8);
	if (!err)
		err = buf__append(out, uframes, nu * 8);
	if (!err && s.user_stack_size)
		err = buf__append(out, stack, s.user_stack_size);
	if (!err)
		err = buf__pad8(out);
	if (!err && (s.flags & SONDE_SAMPLE_EVENT))
		err = buf__append(out, &ev, sizeof(ev));
	if (err) {
		out->len = start;
		return err;
	}
	pad = out->len - start;
	((struct sonde_sample *)(out->data + start))->hdr.size = pad;
	return 1;
}

int perfsource__convert(const struct perf_event_header *h, size_t len,
			const struct perfsource_fmt *f, __u32 cpu,
			struct buf *out)
{
	if (len < sizeof(*h) || h->size > len)
		return -EINVAL;
	len = h->size;
	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		return convert_sample(h, len, f, cpu, out);
	case PERF_RECORD_LOST:
		return convert_lost(h, len, cpu, out);
	}
	return 0;
}

/* ---- opening and mapping ---- */

static int sys_perf_event_open(struct perf_event_attr *a, pid_t pid, int cpu,
			       int group, unsigned long flags)
{
	int fd = syscall(SYS_perf_event_open, a, pid, cpu, group, flags);

	return fd < 0 ? -errno : fd;
}

static int add_fd(struct perfsource *ps, int fd)
{
	if (ps->nr_fds == ps->cap_fds) {
		unsigned int cap = ps->cap_fds ? 2 * ps->cap_fds : 16;
		int *n = realloc(ps->fds, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ps->fds = n;
		ps->cap_fds = cap;
	}
	ps->fds[ps->nr_fds++] = fd;
	return 0;
}

/* The threads of @pid now (-p): each gets its own inherited event. */
static int list_threads(__u32 pid, __u32 **tids, unsigned int *nr)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%u/task", pid);
	dir = opendir(path);
	if (!dir)
		return -ESRCH;
	while ((d = readdir(dir))) {
		__u32 *n;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		n = realloc(*tids, (*nr + 1) * sizeof(*n));
		if (!n) {
			closedir(dir);
			return -ENOMEM;
		}
		*tids = n;
		n[(*nr)++] = strtoul(d->d_name, NULL, 10);
	}
	closedir(dir);
	return 0;
}

static int map_ring(struct perfsource *ps, int fd, __u32 cpu, __u32 pages)
{
	struct pring *r = &ps->rings[ps->nr_rings];
	void *p;

	r->map_len = (pages + 1) * ps->page_size;
	p = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	r->pg = p;
	r->cpu = cpu;
	ps->nr_rings++;
	return 0;
}

/*
 * One event: the first of a CPU has the CPU's ring mapped, the others
 * write into it (SET_OUTPUT needs the target mapped already).  @side:
 * this one asks for the side records.
 */
static int open_one(struct perfsource *ps, struct perf_event_attr *a,
		    pid_t pid, __u32 cpu, __u32 pages, int *leader, __u32 idx,
		    bool side, bool *kernel_hidden)
{
	__u64 id = 0;
	int fd, err;

	/*
	 * mmap2 chooses the record's layout; mmap is what the kernel counts
	 * to write mapping records at all.
	 */
	a->mmap = side;
	a->mmap2 = side;
	a->comm = side;
	a->comm_exec = side;
	a->task = side;

	fd = sys_perf_event_open(a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if ((fd == -EACCES || fd == -EPERM) && !a->exclude_kernel) {
		a->exclude_kernel = 1;
		*kernel_hidden = true;
		fd = sys_perf_event_open(a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	}
	if (fd < 0)
		return fd;
	err = add_fd(ps, fd);
	if (err) {
		close(fd);
		return err;
	}
	if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0)
		return -errno;
	if (ps->fmt.nr_ids < PERFSOURCE_MAX_IDS) {
		ps->fmt.ids[ps->fmt.nr_ids] = id;
		ps->fmt.idx[ps->fmt.nr_ids++] = idx;
	}
	if (*leader < 0) {
		*leader = fd;
		return map_ring(ps, fd, cpu, pages);
	}
	if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, *leader) < 0)
		return -errno;
	return 0;
}

int perfsource__open(struct perfsource **psp, const struct perfsource_config *c,
		     bool *kernel_hidden)
{
	struct perf_event_attr a = { .size = sizeof(a) };
	__u32 *tids = NULL, self = (__u32)-1;
	unsigned int nr_tids = 0, i, e, t, counter;
	struct perfsource *ps;
	int err = 0;

	*kernel_hidden = false;
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->page_size = sysconf(_SC_PAGESIZE);
	ps->rings = calloc(c->nr_cpus, sizeof(*ps->rings));
	if (!ps->rings || perfsource_side__new(&ps->side, c->procmap)) {
		free(ps->rings);
		free(ps);
		return -ENOMEM;
	}
	ps->fmt.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP |
		PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
		PERF_SAMPLE_PERIOD | PERF_SAMPLE_REGS_USER;
	if (c->callchain)
		ps->fmt.sample_type |= PERF_SAMPLE_CALLCHAIN;
	if (c->stack_bytes)
		ps->fmt.sample_type |= PERF_SAMPLE_STACK_USER;
	ps->fmt.regs_mask = (1ULL << PERF_REG_X86_BP) |
			    (1ULL << PERF_REG_X86_SP) |
			    (1ULL << PERF_REG_X86_IP);
	ps->fmt.stack_bytes = c->stack_bytes;
	ps->fmt.default_idx = PERFSOURCE_EV_TIMER;
	ps->fmt.sample_id_all = true;

	for (i = 0; !err && i < c->nr_pids; i++)
		err = list_threads(c->pids[i], &tids, &nr_tids);
	if (err)
		goto fail;
	if (!c->nr_pids) {
		tids = &self;
		nr_tids = 1;
	}

	a.sample_type = ps->fmt.sample_type;
	a.sample_regs_user = ps->fmt.regs_mask;
	a.sample_stack_user = c->stack_bytes;
	a.sample_id_all = ps->fmt.sample_id_all;
	a.disabled = 1;
	a.inherit = c->nr_pids > 0;
	a.exclude_hv = 1;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	if (c->period) {
		a.sample_period = c->period;
	} else {
		a.freq = 1;
		a.sample_freq = c->freq;
	}
	for (i = 0; i < c->nr_cpus; i++) {
		int leader = -1;

		for (e = 0, counter = 0; e < c->nr_events; e++) {
			__u32 idx = c->is_timer[e] ? PERFSOURCE_EV_TIMER :
						     counter++;

			a.type = c->types[e];
			a.config = c->configs[e];
			for (t = 0; t < nr_tids; t++) {
				pid_t pid = tids[t] == self ? -1 :
							      (pid_t)tids[t];

				/*
				 * Every event that asks gets a task's side
				 * records: only the first -e event of each
				 * task and CPU does.
				 */
				err = open_one(ps, &a, pid, c->cpus[i],
					       c->pages, &leader, idx, e == 0,
					       kernel_hidden);
				if (err == -ESRCH)
					err = 0;	/* a thread ended */
				if (err == -ENODEV || err == -ENXIO) {
					err = 0;	/* an offline CPU */
					break;
				}
				if (err)
					goto fail;
			}
		}
	}
	if (!ps->nr_rings) {
		err = -ESRCH;
		goto fail;
	}
	if (tids != &self)
		free(tids);
	*psp = ps;
	return 0;
fail:
	if (tids != &self)
		free(tids);
	perfsource__close(ps);
	return err;
}

int perfsource__wrap(struct perfsource **psp, struct perf_event_mmap_page *pg,
		     const struct perfsource_fmt *f, __u32 cpu)
{
	struct perfsource *ps = calloc(1, sizeof(*ps));

	if (ps)
		ps->rings = calloc(1, sizeof(*ps->rings));
	if (!ps || !ps->rings || perfsource_side__new(&ps->side, NULL)) {
		if (ps)
			free(ps->rings);
		free(ps);
		return -ENOMEM;
	}
	ps->page_size = sysconf(_SC_PAGESIZE);
	ps->fmt = *f;
	ps->rings[0] = (struct pring){ .pg = pg, .map_len = 0, .cpu = cpu };
	ps->nr_rings = 1;
	*psp = ps;
	return 0;
}

static int ioctl_all(struct perfsource *ps, unsigned long req)
{
	unsigned int i;

	for (i = 0; i < ps->nr_fds; i++)
		if (ioctl(ps->fds[i], req, 0) < 0)
			return -errno;
	return 0;
}

int perfsource__enable(struct perfsource *ps)
{
	return ioctl_all(ps, PERF_EVENT_IOC_ENABLE);
}

int perfsource__disable(struct perfsource *ps)
{
	return ioctl_all(ps, PERF_EVENT_IOC_DISABLE);
}

void perfsource__close(struct perfsource *ps)
{
	unsigned int i;

	if (!ps)
		return;
	for (i = 0; i < ps->nr_rings; i++)
		if (ps->rings[i].map_len)	/* not perfsource__wrap()'s */
			munmap(ps->rings[i].pg, ps->rings[i].map_len);
	for (i = 0; i < ps->nr_fds; i++)
		close(ps->fds[i]);
	free(ps->fds);
	free(ps->rings);
	perfsource_side__free(ps->side);
	buf__free(&ps->wrap);
	buf__free(&ps->rec);
	free(ps);
}

unsigned int perfsource__nr_rings(const struct perfsource *ps)
{
	return ps->nr_rings;
}

__u32 perfsource__cpu(const struct perfsource *ps, unsigned int ring)
{
	return ps->rings[ring].cpu;
}

/* ---- reading ---- */

/* Hand each of the @n records ps->rec holds to @cb, in order. */
static int hand_on(struct perfsource *ps, int n, rec_record_cb_t cb,
		   void *ctx)
{
	size_t off = 0;
	int err;

	while (n-- > 0) {
		const struct sonde_record_header *rh =
			(const void *)(ps->rec.data + off);

		err = cb(rh, ctx);
		if (err < 0)
			return err;
		off += rh->size;
	}
	return 0;
}

/* The sonde records for perf record @h (@len bytes) in ps->rec. */
static int convert_any(struct perfsource *ps, const struct perf_event_header *h,
		       size_t len, __u32 cpu)
{
	ps->rec.len = 0;
	switch (h->type) {
	case PERF_RECORD_MMAP2:
	case PERF_RECORD_COMM:
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		return perfsource_side__convert(ps->side, h, len, &ps->fmt,
						cpu, &ps->rec);
	}
	return perfsource__convert(h, len, &ps->fmt, cpu, &ps->rec);
}

long perfsource__consume(struct perfsource *ps, unsigned int ring,
			 rec_record_cb_t cb, void *ctx, __u64 *errors)
{
	struct pring *r = &ps->rings[ring];
	struct perf_event_mmap_page *pg = r->pg;
	__u64 size = pg->data_size, head, tail, pos;
	const __u8 *data = (const __u8 *)pg + pg->data_offset;
	long done;
	int err;

	head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	tail = pg->data_tail;
	for (pos = tail; pos < head;) {
		struct perf_event_header hh;
		__u64 off = pos & (size - 1);
		const struct perf_event_header *h;
		size_t first;

		if (head - pos < sizeof(hh))
			break;
		first = size - off;
		if (first >= sizeof(hh)) {
			memcpy(&hh, data + off, sizeof(hh));
		} else {
			memcpy(&hh, data + off, first);
			memcpy((__u8 *)&hh + first, data, sizeof(hh) - first);
		}
		if (hh.size < sizeof(hh) || hh.size % 8 || hh.size > head - pos ||
		    hh.size > size) {
			(*errors)++;
			pos = head;
			break;
		}
		if (first >= hh.size) {
			h = (const void *)(data + off);
		} else {
			ps->wrap.len = 0;
			if (buf__append(&ps->wrap, data + off, first) ||
			    buf__append(&ps->wrap, data, hh.size - first))
				return -ENOMEM;
			h = (const void *)ps->wrap.data;
		}
		err = convert_any(ps, h, hh.size, r->cpu);
		if (err == -ENOMEM)
			return err;
		if (err < 0) {
			(*errors)++;
		} else {
			err = hand_on(ps, err, cb, ctx);
			if (err < 0)
				return err;
		}
		pos += hh.size;
	}
	done = pos - tail;
	__atomic_store_n(&pg->data_tail, pos, __ATOMIC_RELEASE);
	ps->rec.len = 0;
	err = perfsource_side__flush(ps->side, &ps->rec);
	if (err > 0)
		err = hand_on(ps, err, cb, ctx);
	return err < 0 ? err : done;
}
