// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: thread snapshots (threadsnap.h).
 *
 * The kernel writes the records, but they are still checked before use:
 * each must hold its frames and stack copy and end inside what the
 * kernel said it wrote.  A snapshot becomes a recording of one SAMPLE
 * per thread: struct sonde_thread_snapshot ends exactly as a SAMPLE does
 * (frame counts, stack size, frames, stack bytes), so the frames are
 * copied as they are, and report's unwinder (frame pointers, then CFI
 * over the stack copy) and symbolizers read them like any sample.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"
#include "recording/recording.h"
#include "record/dev.h"
#include "record/kallsyms.h"
#include "record/procmap.h"
#include "record/threadsnap.h"

#define THREADSNAP_MAX_BUF	(256ULL << 20)

/* Threads of @pid by /proc/PID/status; 0 when it cannot be read. */
/* Check the records the kernel wrote and index them. */
static int index_threads(struct threadsnap *s)
{
	const char *p = s->buf, *end = p + s->req.buf_used;
	__u32 i;

	s->threads = calloc(s->req.nr_threads + 1, sizeof(*s->threads));
	if (!s->threads)
		return -ENOMEM;
	for (i = 0; i < s->req.nr_threads; i++) {
		const struct sonde_thread_snapshot *t = (const void *)p;

		if ((size_t)(end - p) < sizeof(*t) || t->size % 8 ||
		    t->size < sizeof(*t) || t->size > (size_t)(end - p) ||
		    sizeof(*t) + 8ULL * (t->nr_kernel + t->nr_user) +
		    t->user_stack_size > t->size ||
		    t->state >= SONDE_THREAD_NR_STATES)
			return -EPROTO;
		s->threads[s->nr++] = t;
		p += t->size;
	}
	return 0;
}

int threadsnap__take(int dev_fd, __u32 pid, const struct threadsnap_opts *o,
		     struct threadsnap **out)
{
	struct threadsnap *s = calloc(1, sizeof(*s));
	__u64 per_thread, want, size;
	__u32 n = 0;
	int err;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	/* Unknown (0) makes room for a few: the ioctl says what it missed. */
	proc_status_u32(pid, "Threads", &n);
	per_thread = sizeof(struct sonde_thread_snapshot) +
		     8ULL * (o->kernel_depth + o->user_depth) + o->stack_bytes;
	/* Threads started since /proc was read: some room for them. */
	want = (__u64)(n ? n : 1) + 16;
	if (want > o->max_threads)
		want = o->max_threads;
	size = want * per_thread;
	if (size > THREADSNAP_MAX_BUF)
		size = THREADSNAP_MAX_BUF / per_thread * per_thread;
	s->buf = malloc(size);
	if (!s->buf) {
		free(s);
		return -ENOMEM;
	}
	s->req = (struct sonde_snapshot){
		.pid = pid,
		.flags = SONDE_SNAPSHOT_KERNEL_CHAIN |
			 SONDE_SNAPSHOT_USER_CHAIN,
		.max_threads = o->max_threads,
		.kernel_depth = o->kernel_depth,
		.user_depth = o->user_depth,
		.user_stack_bytes = o->stack_bytes,
		.buf_ptr = (__u64)(unsigned long)s->buf,
		.buf_size = size,
	};
	err = sonde_dev_snapshot(dev_fd, &s->req);
	if (err == -ENOTTY)
		err = -EOPNOTSUPP;
	if (!err && s->req.buf_used > size)
		err = -EPROTO;
	if (!err)
		err = index_threads(s);
	if (err) {
		threadsnap__free(s);
		return err;
	}
	*out = s;
	return 0;
}

void threadsnap__free(struct threadsnap *s)
{
	if (!s)
		return;
	free(s->threads);
	free(s->buf);
	free(s);
}

static int write_session(struct rec_writer *w, const struct threadsnap *s,
			 __u32 pid, const struct sonde_info *info)
{
	struct srec_session ss = { .size = sizeof(ss) };
	struct buf b = { 0 };
	int err;

	ss.info_size = sizeof(*info);
	ss.start_mono_ns = s->req.time_ns;
	ss.start_real_ns = now_ns(CLOCK_REALTIME);
	ss.source = SONDE_SOURCE_TIMER;
	ss.capture = SONDE_CAPTURE_KERNEL_CHAIN | SONDE_CAPTURE_USER_CHAIN |
		     SONDE_CAPTURE_USER_REGS |
		     (s->req.user_stack_bytes ? SONDE_CAPTURE_USER_STACK : 0);
	ss.nr_tgids = 1;
	srec_session__set_host(&ss);
	snprintf(ss.command, sizeof(ss.command), "sonde stacks -p %u", pid);
	err = buf__append(&b, &ss, sizeof(ss)) ?:
	      buf__append(&b, info, sizeof(*info)) ?:
	      rec_writer__add_section(w, SREC_SEC_SESSION, 0, b.data, b.len);
	buf__free(&b);
	return err;
}

/* Thread @t of @pid as the SAMPLE it would have been, into @b. */
static int append_sample(struct buf *b, const struct threadsnap *s,
			 const struct sonde_thread_snapshot *t, __u32 pid)
{
	size_t tail = t->size - sizeof(*t);
	struct sonde_sample rec = {
		.hdr.type = SONDE_RECORD_SAMPLE,
		.hdr.size = sizeof(rec) + tail,
		.time_ns = s->req.time_ns,
		.cpu = t->cpu,
		.pid = pid,
		.tid = t->tid,
		.user_ip = t->user_ip,
		.nr_kernel = t->nr_kernel,
		.nr_user = t->nr_user,
		.user_stack_size = t->user_stack_size,
	};

	if (t->nr_kernel) {
		rec.context = SONDE_CTX_KERNEL;
		rec.ip = t->frames[0];
	} else {
		rec.context = SONDE_CTX_USER;
		rec.ip = t->user_ip;
	}
	if (t->flags & SONDE_THREAD_USER_REGS) {
		rec.flags |= SONDE_SAMPLE_USER_REGS;
		rec.user_sp = t->user_sp;
		rec.user_bp = t->user_bp;
	}
	if (t->flags & SONDE_THREAD_KERNEL_HIDDEN)
		rec.flags |= SONDE_SAMPLE_KERNEL_HIDDEN;
	if (t->flags & SONDE_THREAD_KERNEL_TRUNCATED)
		rec.flags |= SONDE_SAMPLE_KERNEL_TRUNCATED;
	if (t->flags & SONDE_THREAD_USER_TRUNCATED)
		rec.flags |= SONDE_SAMPLE_USER_TRUNCATED;
	if (t->flags & SONDE_THREAD_USER_STACK_SHORT)
		rec.flags |= SONDE_SAMPLE_USER_STACK_SHORT;
	if (t->flags & SONDE_THREAD_KTHREAD)
		rec.flags |= SONDE_SAMPLE_KTHREAD;
	return buf__append(b, &rec, sizeof(rec)) ?:
	       buf__append(b, t->frames, tail);
}

int threadsnap__write_recording(const struct threadsnap *s, __u32 pid,
				const struct sonde_info *info, int fd)
{
	struct srec_end end = { 0 };
	struct procmap *pm = NULL;
	struct rec_writer *w;
	struct buf b = { 0 };
	bool restricted = false;
	__u32 i;
	int err;

	err = rec_writer__new_fd(&w, fd);
	if (err)
		return err;
	err = write_session(w, s, pid, info) ?: procmap__new(&pm, "/proc");
	if (!err)
		err = procmap__snapshot(pm, pid, 0, s->req.time_ns, &b);
	if (!err)
		err = rec_writer__add_section(w, SREC_SEC_PROCESS, 0, b.data,
					      b.len);
	for (i = 0; !err && i < s->nr; i++) {
		b.len = 0;
		err = append_sample(&b, s, s->threads[i], pid) ?:
		      rec_writer__append_records(w, s->threads[i]->cpu,
						 b.data, b.len);
	}
	b.len = 0;
	if (!err && !kallsyms__capture("/proc/kallsyms", &b, &restricted))
		err = rec_writer__add_section_z(w, SREC_SEC_KALLSYMS,
						restricted ?
						SREC_SF_RESTRICTED : 0,
						restricted ? NULL : b.data,
						restricted ? 0 : b.len);
	if (!err) {
		end.time_ns = s->req.time_ns;
		end.nr_samples = s->nr;
		err = rec_writer__add_section(w, SREC_SEC_END, 0, &end,
					      sizeof(end)) ?:
		      rec_writer__finish(w);
	}
	procmap__free(pm);
	rec_writer__free(w);
	buf__free(&b);
	return err;
}
