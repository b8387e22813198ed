// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: counting perf events (counter.h): perf_event_open(2)
 * with read_format TOTAL_TIME_ENABLED | TOTAL_TIME_RUNNING, so a count
 * can be scaled when the PMU multiplexed it, and sums over the counters
 * of each event.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "lib/util.h"
#include "record/counter.h"

/* Enough for any machine's CPU numbers (the kernel's NR_CPUS is 8192). */
#define COUNTER_MAX_CPUS	8192

struct counter_event {
	struct evspec spec;
	int *fds;
	unsigned int nr_fds;
	unsigned int cap;
	int err;		/* unsupported: no counter is opened */
};

struct counters {
	struct counter_event *ev;
	unsigned int nr;
};

int counters__new(struct counters **cs, const struct evspec *specs,
		  unsigned int nr)
{
	struct counters *c = calloc(1, sizeof(*c));
	unsigned int i;

	if (!c)
		return -ENOMEM;
	c->ev = calloc(nr ? nr : 1, sizeof(*c->ev));
	if (!c->ev) {
		free(c);
		return -ENOMEM;
	}
	c->nr = nr;
	for (i = 0; i < nr; i++)
		c->ev[i].spec = specs[i];
	*cs = c;
	return 0;
}

void counters__free(struct counters *cs)
{
	unsigned int i, j;

	if (!cs)
		return;
	for (i = 0; i < cs->nr; i++) {
		for (j = 0; j < cs->ev[i].nr_fds; j++)
			close(cs->ev[i].fds[j]);
		free(cs->ev[i].fds);
	}
	free(cs->ev);
	free(cs);
}

/* What perf stat, too, shows as <not supported> rather than failing. */
static bool unsupported(int err)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case EOPNOTSUPP:
	case EINVAL:
	case ENOSYS:
		return true;
	}
	return false;
}

static int add_fd(struct counter_event *ev, int fd)
{
	if (ev->nr_fds == ev->cap) {
		unsigned int cap = ev->cap ? ev->cap * 2 : 4;
		int *fds = realloc(ev->fds, cap * sizeof(*fds));

		if (!fds)
			return -ENOMEM;
		ev->fds = fds;
		ev->cap = cap;
	}
	ev->fds[ev->nr_fds++] = fd;
	return 0;
}

/* Drop an event's counters: it turned out unsupported on a later one. */
static void mark_unsupported(struct counter_event *ev, int err)
{
	unsigned int j;

	for (j = 0; j < ev->nr_fds; j++)
		close(ev->fds[j]);
	ev->nr_fds = 0;
	ev->err = err;
}

/*
 * Every event's counter on (@pid, @cpu).  -ESRCH and permission errors
 * are returned at once; unsupported events are marked and skipped.
 */
static int open_all(struct counters *cs, pid_t pid, int cpu, bool inherit,
		    bool on_exec)
{
	unsigned int i;
	int err;

	for (i = 0; i < cs->nr; i++) {
		struct counter_event *ev = &cs->ev[i];
		struct perf_event_attr attr;
		int fd;

		if (ev->err)
			continue;
		memset(&attr, 0, sizeof(attr));
		attr.size = sizeof(attr);
		attr.type = ev->spec.type;
		attr.config = ev->spec.config;
		attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
				   PERF_FORMAT_TOTAL_TIME_RUNNING;
		attr.disabled = 1;
		attr.inherit = inherit;
		attr.enable_on_exec = on_exec;
		fd = syscall(SYS_perf_event_open, &attr, pid, cpu, -1,
			     PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			err = errno;
			if (unsupported(err)) {
				mark_unsupported(ev, -err);
				continue;
			}
			return -err;
		}
		err = add_fd(ev, fd);
		if (err) {
			close(fd);
			return err;
		}
	}
	return 0;
}

int counters__open_task(struct counters *cs, pid_t pid, bool on_exec)
{
	return open_all(cs, pid, -1, true, on_exec);
}

int counters__open_process(struct counters *cs, pid_t pid)
{
	char path[64];
	struct dirent *d;
	unsigned int counted = 0;
	int err = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!err && (d = readdir(dir))) {
		__u32 tid;

		if (parse_u32(d->d_name, &tid) || !tid)
			continue;
		err = open_all(cs, (pid_t)tid, -1, true, false);
		if (err == -ESRCH)
			err = 0;
		else if (!err)
			counted++;
	}
	closedir(dir);
	if (!err && !counted)
		err = -ESRCH;
	return err;
}

int counters__open_cpus(struct counters *cs, unsigned int *nr_cpus)
{
	__u64 mask[COUNTER_MAX_CPUS / 64] = { 0 };
	unsigned int cpu, n = 0;
	size_t len;
	char *s;
	int err;

	err = read_file("/sys/devices/system/cpu/online", &s, &len);
	if (err)
		return err;
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	err = parse_cpu_list(s, mask, COUNTER_MAX_CPUS);
	free(s);
	if (err)
		return -EINVAL;
	for (cpu = 0; !err && cpu < COUNTER_MAX_CPUS; cpu++) {
		if (!(mask[cpu / 64] & (1ULL << (cpu % 64))))
			continue;
		err = open_all(cs, -1, cpu, false, false);
		n++;
	}
	if (nr_cpus)
		*nr_cpus = n;
	return err;
}

static int ioctl_all(struct counters *cs, unsigned long req)
{
	unsigned int i, j;

	for (i = 0; i < cs->nr; i++)
		for (j = 0; j < cs->ev[i].nr_fds; j++)
			if (ioctl(cs->ev[i].fds[j], req, 0))
				return -errno;
	return 0;
}

int counters__enable(struct counters *cs)
{
	return ioctl_all(cs, PERF_EVENT_IOC_ENABLE);
}

int counters__disable(struct counters *cs)
{
	return ioctl_all(cs, PERF_EVENT_IOC_DISABLE);
}

int counters__read(const struct counters *cs, struct evcount *out)
{
	unsigned int i, j;

	for (i = 0; i < cs->nr; i++) {
		const struct counter_event *ev = &cs->ev[i];
		struct evcount *c = &out[i];

		memset(c, 0, sizeof(*c));
		c->err = ev->err;
		for (j = 0; j < ev->nr_fds; j++) {
			__u64 v[3];
			ssize_t n = read(ev->fds[j], v, sizeof(v));

			if (n < 0)
				return -errno;
			if (n != sizeof(v))
				return -EIO;
			c->value = sat_add_u64(c->value, v[0]);
			c->enabled = sat_add_u64(c->enabled, v[1]);
			c->running = sat_add_u64(c->running, v[2]);
		}
	}
	return 0;
}
