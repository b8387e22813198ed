// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: sonde stacks' output (stacks.h).
 *
 * Groups are the profile's stacks: threads whose frames resolved to the
 * same locations share one.  A group's weight is the longest time off
 * the CPU among its threads; running threads (no such time) come last.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "export/stacks.h"
#include "lib/json.h"
#include "lib/util.h"

/* One thread of the snapshot with its stack in the profile. */
struct member {
	__u32 idx;		/* in the snapshot */
	__u32 stack;		/* profile stack id */
	__u64 wait_ns;		/* off the CPU, 0: running or unknown */
};

struct group {
	__u32 first, nr;	/* members[first .. first + nr) */
	__u64 wait_ns;		/* the longest of its members */
};

static const char *const state_names[SONDE_THREAD_NR_STATES] = {
	[SONDE_THREAD_RUNNING] = "running",
	[SONDE_THREAD_RUNNABLE] = "runnable",
	[SONDE_THREAD_SLEEPING] = "sleeping",
	[SONDE_THREAD_DISK] = "disk-wait",
	[SONDE_THREAD_STOPPED] = "stopped",
	[SONDE_THREAD_TRACED] = "traced",
	[SONDE_THREAD_DEAD] = "exiting",
	[SONDE_THREAD_PARKED] = "parked",
	[SONDE_THREAD_IDLE] = "idle",
};

/* The x86-64 system calls threads are usually found blocked in. */
static const char *syscall_name(__u64 nr)
{
	static const struct { long nr; const char *name; } names[] = {
		{ SYS_read, "read" }, { SYS_write, "write" },
		{ SYS_poll, "poll" }, { SYS_select, "select" },
		{ SYS_nanosleep, "nanosleep" }, { SYS_pause, "pause" },
		{ SYS_accept, "accept" }, { SYS_accept4, "accept4" },
		{ SYS_connect, "connect" }, { SYS_recvfrom, "recvfrom" },
		{ SYS_recvmsg, "recvmsg" }, { SYS_sendto, "sendto" },
		{ SYS_sendmsg, "sendmsg" }, { SYS_wait4, "wait4" },
		{ SYS_waitid, "waitid" }, { SYS_futex, "futex" },
		{ SYS_epoll_wait, "epoll_wait" },
		{ SYS_epoll_pwait, "epoll_pwait" },
		{ SYS_clock_nanosleep, "clock_nanosleep" },
		{ SYS_ppoll, "ppoll" }, { SYS_pselect6, "pselect6" },
		{ SYS_io_getevents, "io_getevents" },
		{ SYS_io_uring_enter, "io_uring_enter" },
		{ SYS_rt_sigtimedwait, "rt_sigtimedwait" },
		{ SYS_rt_sigsuspend, "rt_sigsuspend" },
		{ SYS_flock, "flock" }, { SYS_fcntl, "fcntl" },
		{ SYS_fsync, "fsync" }, { SYS_fdatasync, "fdatasync" },
		{ SYS_openat, "openat" }, { SYS_msgrcv, "msgrcv" },
		{ SYS_semop, "semop" }, { SYS_semtimedop, "semtimedop" },
		{ SYS_sched_yield, "sched_yield" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if ((__u64)names[i].nr == nr)
			return names[i].name;
	return NULL;
}

static void format_ns(char *buf, size_t size, __u64 ns)
{
	if (ns < 1000000)
		snprintf(buf, size, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.2f s", ns / 1e9);
}

static int cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	if (x->wait_ns != y->wait_ns)
		return x->wait_ns > y->wait_ns ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_group(const void *a, const void *b, void *ctx)
{
	const struct group *x = a, *y = b;
	const struct member *m = ctx;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns > y->wait_ns ? -1 : 1;
	if (x->nr != y->nr)
		return x->nr > y->nr ? -1 : 1;
	return m[x->first].idx < m[y->first].idx ? -1 : 1;
}

struct tid_index {
	__u32 tid, idx;
};

static int cmp_tid(const void *a, const void *b)
{
	const struct tid_index *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* The profile's samples as members, grouped; returns the group count. */
static long make_groups(const struct profile *p, const struct stacks_input *s,
			struct member **mp, struct group **gp)
{
	struct member *m = calloc(p->nr_samples + 1, sizeof(*m));
	struct group *g = calloc(p->nr_samples + 1, sizeof(*g));
	struct tid_index *by_tid;
	size_t i, n = 0, ng = 0;
	__u32 j;

	if (!m || !g) {
		free(m);
		free(g);
		return -ENOMEM;
	}
	by_tid = calloc(s->nr + 1, sizeof(*by_tid));
	if (!by_tid) {
		free(m);
		free(g);
		return -ENOMEM;
	}
	for (j = 0; j < s->nr; j++)
		by_tid[j] = (struct tid_index){ s->threads[j].snap->tid, j };
	qsort(by_tid, s->nr, sizeof(*by_tid), cmp_tid);
	for (i = 0; i < p->nr_samples; i++) {
		struct tid_index key = {
			.tid = p->threads[p->samples[i].thread].tid,
		};
		const struct tid_index *hit = bsearch(&key, by_tid, s->nr,
						      sizeof(*by_tid), cmp_tid);

		if (!hit)
			continue;
		j = hit->idx;
		m[n].idx = j;
		m[n].stack = p->samples[i].stack;
		if (s->threads[j].snap->flags & SONDE_THREAD_OFF_CPU_TIME)
			m[n].wait_ns = s->threads[j].snap->off_cpu_ns;
		n++;
	}
	qsort(m, n, sizeof(*m), cmp_member);
	for (i = 0; i < n; i++) {
		if (!ng || m[i].stack != m[g[ng - 1].first].stack) {
			g[ng].first = i;
			g[ng].wait_ns = m[i].wait_ns;
			ng++;
		}
		g[ng - 1].nr++;
	}
	qsort_r(g, ng, sizeof(*g), cmp_group, m);
	free(by_tid);
	*mp = m;
	*gp = g;
	return ng;
}

static char frame_kind(const struct profile_function *fn)
{
	return fn->kernel ? 'k' : fn->jit ? 'j' : '.';
}

typedef int (*frame_fn)(const struct profile *p, __u32 function, void *ctx);

/* Call @fn for every frame of @stack, innermost first, inlined too. */
static int visit_frames(const struct profile *p, __u32 stack, frame_fn fn,
			  void *ctx)
{
	const struct profile_stack *st = &p->stacks[stack];
	__u32 j, k;
	int err = 0;

	for (j = 0; !err && j < st->nr; j++) {
		const struct profile_location *loc = &p->locations[st->locs[j]];

		for (k = 0; !err && k < loc->nr_inlined; k++)
			err = fn(p, p->lines[loc->inlined + k].function, ctx);
		if (!err)
			err = fn(p, loc->function, ctx);
	}
	return err;
}

static int text_frame(const struct profile *p, __u32 f, void *ctx)
{
	const struct profile_function *fn = &p->functions[f];

	fprintf(ctx, "      [%c] %s  %s\n", frame_kind(fn),
		profile__str(p, fn->name), profile__str(p, fn->dso));
	return 0;
}

static void text_thread(FILE *out, const struct stacks_input *s, __u32 i)
{
	const struct sonde_thread_snapshot *t = s->threads[i].snap;
	const struct stacks_thread *e = &s->threads[i];
	const char *call = syscall_name(t->syscall_nr);
	char when[32];

	fprintf(out, "  %-16s %7u  %s", t->comm, t->tid,
		state_names[t->state]);
	if (t->state == SONDE_THREAD_RUNNING)
		fprintf(out, " on CPU %u", t->cpu);
	if (t->flags & SONDE_THREAD_OFF_CPU_TIME) {
		format_ns(when, sizeof(when), t->off_cpu_ns);
		fprintf(out, " for %s", when);
	}
	if (t->flags & SONDE_THREAD_SYSCALL) {
		if (call)
			fprintf(out, " in %s", call);
		else
			fprintf(out, " in syscall %llu",
				(unsigned long long)t->syscall_nr);
	}
	if (e->futex)
		fprintf(out, " on futex %#llx", (unsigned long long)e->futex);
	if (e->owner)
		fprintf(out, " held by %u", s->threads[e->owner - 1].snap->tid);
	if (t->flags & SONDE_THREAD_CHANGED)
		fprintf(out, " (changed while read)");
	fputc('\n', out);
}

static void text_deadlocks(FILE *out, const struct stacks_input *s)
{
	const char *sep;
	__u32 c, i, at;

	for (c = 1; c <= s->nr_cycles; c++) {
		for (i = 0; i < s->nr && s->threads[i].cycle != c; i++)
			;
		fprintf(out, "# likely deadlock:");
		at = i;
		sep = "";
		do {
			const struct sonde_thread_snapshot *o =
				s->threads[s->threads[at].owner - 1].snap;

			const struct sonde_thread_snapshot *t =
				s->threads[at].snap;

			fprintf(out, "%s %s %u waits for %s %u (futex %#llx)",
				sep, t->comm, t->tid, o->comm, o->tid,
				(unsigned long long)s->threads[at].futex);
			sep = ",";
			at = s->threads[at].owner - 1;
		} while (at != i);
		fputc('\n', out);
	}
}

/* Futexes more than one thread waits on. */
static void text_shared_futexes(FILE *out, const struct stacks_input *s)
{
	__u32 i, j, n;

	for (i = 0; i < s->nr; i++) {
		if (!s->threads[i].futex)
			continue;
		for (j = 0; j < i && s->threads[j].futex != s->threads[i].futex;
		     j++)
			;
		if (j < i)
			continue;	/* said with its first waiter */
		for (n = 0, j = i; j < s->nr; j++)
			n += s->threads[j].futex == s->threads[i].futex;
		if (n < 2)
			continue;
		fprintf(out, "# futex %#llx: %u waiters:",
			(unsigned long long)s->threads[i].futex, n);
		for (j = i; j < s->nr; j++)
			if (s->threads[j].futex == s->threads[i].futex)
				fprintf(out, " %s %u", s->threads[j].snap->comm,
					s->threads[j].snap->tid);
		fputc('\n', out);
	}
}

static void write_text(FILE *out, const struct profile *p,
		       const struct stacks_input *s,
		       const struct member *m,
		       const struct group *g, size_t ng)
{
	size_t i, k;

	fprintf(out, "# sonde stacks: process %u, %u threads%s\n", s->pid,
		s->req->nr_threads_total,
		s->req->out_flags ? " (partial: not every thread was read)" :
				   "");
	text_deadlocks(out, s);
	text_shared_futexes(out, s);
	for (i = 0; i < ng; i++) {
		fprintf(out, "\n%u thread%s:\n", g[i].nr,
			g[i].nr == 1 ? "" : "s");
		for (k = 0; k < g[i].nr; k++)
			text_thread(out, s, m[g[i].first + k].idx);
		visit_frames(p, m[g[i].first].stack, text_frame, out);
	}
}

/* ---- JSON ---- */

struct json_ctx {
	FILE *out;
	bool first;
};

static int json_frame(const struct profile *p, __u32 f, void *ctx)
{
	const struct profile_function *fn = &p->functions[f];
	struct json_ctx *c = ctx;

	fprintf(c->out, "%s{\"function\":", c->first ? "" : ",");
	c->first = false;
	json__write_str(c->out, profile__str(p, fn->name));
	fprintf(c->out, ",\"dso\":");
	json__write_str(c->out, profile__str(p, fn->dso));
	fprintf(c->out, ",\"kind\":\"%s\"}",
		fn->kernel ? "kernel" : fn->jit ? "jit" : "user");
	return 0;
}

static void json_thread(FILE *out, const struct stacks_input *s, __u32 i)
{
	const struct sonde_thread_snapshot *t = s->threads[i].snap;
	const struct stacks_thread *e = &s->threads[i];
	const char *call = syscall_name(t->syscall_nr);

	fprintf(out, "{\"tid\":%u,\"comm\":", t->tid);
	json__write_str(out, t->comm);
	fprintf(out, ",\"state\":\"%s\",\"cpu\":%u,\"off_cpu_ns\":",
		state_names[t->state], t->cpu);
	if (t->flags & SONDE_THREAD_OFF_CPU_TIME)
		fprintf(out, "%llu", (unsigned long long)t->off_cpu_ns);
	else
		fprintf(out, "null");
	fprintf(out, ",\"syscall\":");
	if (!(t->flags & SONDE_THREAD_SYSCALL))
		fprintf(out, "null");
	else if (call)
		fprintf(out, "\"%s\"", call);
	else
		fprintf(out, "\"%llu\"", (unsigned long long)t->syscall_nr);
	if (e->futex)
		fprintf(out, ",\"futex\":%llu", (unsigned long long)e->futex);
	else
		fprintf(out, ",\"futex\":null");
	if (e->owner)
		fprintf(out, ",\"waits_for\":%u", s->threads[e->owner - 1].snap->tid);
	else
		fprintf(out, ",\"waits_for\":null");
	fprintf(out, ",\"changed\":%s}",
		t->flags & SONDE_THREAD_CHANGED ? "true" : "false");
}

static void write_json(FILE *out, const struct profile *p,
		       const struct stacks_input *s,
		       const struct member *m,
		       const struct group *g, size_t ng)
{
	struct json_ctx c = { .out = out };
	__u32 cyc, i, at;
	size_t k;

	fprintf(out, "{\"pid\":%u,\"time_ns\":%llu,\"threads_total\":%u,\"partial\":%s,\"groups\":[",
		s->pid, (unsigned long long)s->req->time_ns,
		s->req->nr_threads_total, s->req->out_flags ? "true" : "false");
	for (k = 0; k < ng; k++) {
		fprintf(out, "%s{\"threads\":[", k ? "," : "");
		for (i = 0; i < g[k].nr; i++) {
			if (i)
				fputc(',', out);
			json_thread(out, s, m[g[k].first + i].idx);
		}
		fprintf(out, "],\"frames\":[");
		c.first = true;
		visit_frames(p, m[g[k].first].stack, json_frame, &c);
		fprintf(out, "]}");
	}
	fprintf(out, "],\"deadlocks\":[");
	for (cyc = 1; cyc <= s->nr_cycles; cyc++) {
		for (i = 0; i < s->nr && s->threads[i].cycle != cyc; i++)
			;
		fprintf(out, "%s[", cyc > 1 ? "," : "");
		at = i;
		do {
			fprintf(out, "%s%u", at == i ? "" : ",",
				s->threads[at].snap->tid);
			at = s->threads[at].owner - 1;
		} while (at != i);
		fputc(']', out);
	}
	fprintf(out, "]}\n");
}

int stacks__write(const struct profile *p, const struct stacks_input *s,
		  bool json, FILE *out)
{
	struct member *m;
	struct group *g;
	long ng = make_groups(p, s, &m, &g);

	if (ng < 0)
		return ng;
	errno = 0;
	if (json)
		write_json(out, p, s, m, g, ng);
	else
		write_text(out, p, s, m, g, ng);
	free(m);
	free(g);
	if (fflush(out) || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}
