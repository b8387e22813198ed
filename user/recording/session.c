// SPDX-License-Identifier: GPL-2.0
/*
 * Recording layer: load a recording's metadata and walk its records
 * (session.h).
 *
 * Metadata sections may come after the samples they describe (a process
 * is snapshotted only once its first samples were drained), so opening
 * walks the file once for metadata, and each walk over records is a
 * second pass.  A process's snapshots are sorted by time once all are
 * loaded; addrspace.h picks among them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/untrusted.h"
#include "lib/util.h"
#include "recording/events.h"
#include "recording/session.h"
#include "recording/session-internal.h"


/* ---- loading ---- */

static struct proc *proc_get(struct session *s, __u32 pid)
{
	struct proc *proc = hmap__find(&s->procs, hash_u64(pid),
				       (void *)(unsigned long)pid);

	if (proc)
		return proc;
	proc = calloc(1, sizeof(*proc));
	if (proc && hmap__insert(&s->procs, hash_u64(pid),
				 (void *)(unsigned long)pid, proc)) {
		free(proc);
		return NULL;
	}
	if (proc)
		proc->pid = pid;
	return proc;
}

static int load_process(struct session *s, const struct rec_section *sec)
{
	struct snapshot snap;
	struct proc *proc;
	char comm[SNAPSHOT_COMM_LEN];
	__u32 pid;
	int err;

	err = snapshot__parse(&snap, sec->data, sec->size, &pid, comm);
	if (err)
		return err;
	snap.comm = hmap__intern_str(&s->comms, comm);
	proc = snap.comm ? proc_get(s, pid) : NULL;
	if (!proc) {
		free(snap.maps);
		return -ENOMEM;
	}
	/* Appended in file order (amortized), sorted once all are in. */
	return proc__add_snapshot(proc, &snap);
}

/*
 * Sum the module's per-CPU statistics.  Entries are as long as the
 * recording's module made them: read only the fields both know.
 */
static void load_stats(struct session *s, const struct rec_section *sec)
{
	const struct srec_stats *h = sec->data;
	size_t entry, known;
	const __u8 *p;
	__u32 i;

	if (sec->size < sizeof(*h) || h->stats_size < 8)
		return;
	entry = 8 + (size_t)h->stats_size;
	if ((sec->size - sizeof(*h)) / entry < h->nr_cpus)
		return;
	known = min_t(size_t, h->stats_size, sizeof(struct sonde_cpu_stats));
	p = (const __u8 *)(h + 1);
	for (i = 0; i < h->nr_cpus; i++, p += entry) {
		struct sonde_cpu_stats st = { 0 };

		memcpy(&st, p + 8, known);
		s->counts.timer_missed = sat_add_u64(s->counts.timer_missed,
						     st.timer_missed);
		s->counts.handler_samples =
			sat_add_u64(s->counts.handler_samples, st.samples);
		s->counts.handler_ns_total =
			sat_add_u64(s->counts.handler_ns_total,
				    st.handler_ns_total);
		s->counts.ring_records = sat_add_u64(s->counts.ring_records,
						     st.records);
		s->counts.ring_bytes = sat_add_u64(s->counts.ring_bytes,
						   st.bytes);
		if (st.handler_ns_max > s->counts.handler_ns_max)
			s->counts.handler_ns_max = st.handler_ns_max;
	}
	s->counts.has_stats = true;
}

/*
 * A FILES section's entries into s->files, by path; an entry that does
 * not fit in the section ends it.  The first entry of a path is the
 * one found.
 */
/* Keep @sec (its data stays mapped) at the end of *@secs. */
static int keep_section(struct rec_section **secs, unsigned int *nr,
			const struct rec_section *sec)
{
	struct rec_section *n = reallocarray(*secs, *nr + 1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n[(*nr)++] = *sec;
	*secs = n;
	return 0;
}

static int load_files(struct session *s, const struct rec_section *sec)
{
	const struct srec_files *hdr = sec->data;
	const unsigned char *p, *end = (const unsigned char *)sec->data +
				       sec->size;
	__u32 i;

	if ((sec->flags & SREC_SF_ZLIB) || sec->size < sizeof(*hdr) ||
	    hdr->entry_size < sizeof(struct srec_file) ||
	    hdr->entry_size % 8)
		return 0;
	p = (const unsigned char *)(hdr + 1);
	for (i = 0; i < hdr->nr_files; i++) {
		const struct srec_file *f = (const void *)p;
		const char *path = (const char *)p + hdr->entry_size;
		size_t room;

		if ((size_t)(end - p) < hdr->entry_size)
			break;
		room = end - (const unsigned char *)path;
		if (f->path_len >= room || path[f->path_len] ||
		    strlen(path) != f->path_len)
			break;
		if (!hmap__find(&s->files, hash_str(path), path) &&
		    hmap__insert(&s->files, hash_str(path), path, (void *)f))
			return -ENOMEM;
		p = (const unsigned char *)path +
		    ((f->path_len + 1 + 7) & ~(size_t)7);
		if (p > end)
			break;
	}
	return 0;
}

/*
 * The counters a recording sampled on: the last complete section wins;
 * one of a bad size, or naming more counters than a session can have,
 * is skipped with a warning.
 */
static int load_sample_events(struct session *s, const struct rec_section *sec)
{
	const struct srec_sample_event *e = sec->data;
	size_t n = sec->size / sizeof(*e), i;
	struct session_event *ev;

	if (sec->truncated)
		return 0;
	if (sec->size % sizeof(*e) || !n || n > SONDE_MAX_EVENTS) {
		pr_warn("%s: bad sample events section (%llu bytes): counter samples are skipped",
			rec_reader__path(s->reader),
			(unsigned long long)sec->size);
		return 0;
	}
	ev = calloc(n, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		text_clean(ev[i].name, sizeof(ev[i].name), e[i].name,
			   sizeof(e[i].name));
		if (!ev[i].name[0])
			snprintf(ev[i].name, sizeof(ev[i].name), "event%zu", i);
		ev[i].nsec = e[i].flags & SREC_EVENT_NSEC;
		ev[i].type = e[i].type;
		ev[i].config = e[i].config;
		ev[i].period = e[i].period;
		ev[i].frequency = e[i].frequency;
	}
	free(s->sample_events);
	s->sample_events = ev;
	s->nr_sample_events = n;
	return 0;
}

static int load_cb(const struct rec_section *sec, void *ctx)
{
	struct session *s = ctx;
	int err = 0;

	if (sec->truncated)
		return 0;
	switch (sec->type) {
	case SREC_SEC_SESSION:
		memset(&s->info, 0, sizeof(s->info));
		memcpy(&s->info, sec->data,
		       min_t(size_t, sec->size, sizeof(s->info)));
		s->has_info = true;
		break;
	case SREC_SEC_PROCESS:
		err = load_process(s, sec);
		if (err == -EBADMSG) {
			/* The first one is named, the others summed up. */
			if (!s->bad_process++)
				pr_warn("%s: bad process section at byte %llu: skipped",
					rec_reader__path(s->reader),
					(unsigned long long)sec->offset);
			err = 0;
		}
		break;
	case SREC_SEC_KALLSYMS:
		/* The last one wins; it is parsed when symbols are needed. */
		if (sec->flags & SREC_SF_RESTRICTED) {
			s->kallsyms_restricted = true;
		} else {
			struct rec_section *k;

			k = reallocarray(s->kallsyms, s->nr_kallsyms + 1,
					 sizeof(*k));
			if (!k)
				return -ENOMEM;
			k[s->nr_kallsyms++] = *sec;
			s->kallsyms = k;
			s->kallsyms_restricted = false;
		}
		break;
	case SREC_SEC_VDSO:
		if (!(sec->flags & SREC_SF_ZLIB)) {
			s->vdso = sec->data;
			s->vdso_size = sec->size;
		}
		break;
	case SREC_SEC_STATS:
		load_stats(s, sec);
		break;
	case SREC_SEC_EVENTS:
		err = task_events__load(s->events, sec->data, sec->size);
		break;
	case SREC_SEC_FILES:
		err = load_files(s, sec);
		break;
	case SREC_SEC_PERFMAP:
		err = keep_section(&s->perfmaps, &s->nr_perfmaps, sec);
		break;
	case SREC_SEC_JITDUMP:
		err = keep_section(&s->jitdumps, &s->nr_jitdumps, sec);
		break;
	case SREC_SEC_SAMPLE_EVENTS:
		err = load_sample_events(s, sec);
		break;
	case SREC_SEC_END:
		memcpy(&s->end, sec->data,
		       min_t(size_t, sec->size, sizeof(s->end)));
		s->has_end = true;
		break;
	}
	return err;
}

const struct session_event *session__events(const struct session *s,
					    unsigned int *nr)
{
	*nr = s->nr_sample_events;
	return s->sample_events;
}

bool session__has_timer(const struct session *s)
{
	return !s->has_info || s->info.source != SONDE_SOURCE_PMU;
}

static int add_event_snapshot(void *ctx, __u32 pid, struct snapshot *snap)
{
	struct session *s = ctx;
	struct proc *proc = proc_get(s, pid);

	if (!proc) {
		free(snap->maps);
		return -ENOMEM;
	}
	snap->comm = task_events__exec_comm(s->events, pid, snap->epoch);
	return proc__add_snapshot(proc, snap);
}

/*
 * A name for every snapshot: the nearest one's of the same epoch, else
 * the process's main thread's as the records tell it, else its pid.
 */
static int name_snapshots(struct session *s, struct proc *p)
{
	unsigned int i, j;
	char buf[16];

	for (i = 0; i < p->nr_snaps; i++) {
		struct snapshot *sn = &p->snaps[i];

		if (sn->comm)
			continue;
		for (j = 1; !sn->comm && j < p->nr_snaps; j++) {
			if (i >= j && p->snaps[i - j].comm &&
			    p->snaps[i - j].epoch == sn->epoch)
				sn->comm = p->snaps[i - j].comm;
			else if (i + j < p->nr_snaps && p->snaps[i + j].comm &&
				 p->snaps[i + j].epoch == sn->epoch)
				sn->comm = p->snaps[i + j].comm;
		}
		if (!sn->comm)
			sn->comm = task_events__thread_comm(s->events, p->pid,
							    sn->time_ns);
		if (!sn->comm) {
			snprintf(buf, sizeof(buf), ":%u", p->pid);
			sn->comm = hmap__intern_str(&s->comms, buf);
			if (!sn->comm)
				return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Every process's snapshots, those read from /proc and those the MMAP
 * records make, each in its exec epoch, sorted by time and named.
 */
static int finish_snapshots(struct session *s)
{
	struct hmap_entry *e;
	unsigned int i;
	int err;

	task_events__finish(s->events);
	hmap__for_each(&s->procs, e) {
		struct proc *p = e->val;

		for (i = 0; i < p->nr_snaps; i++)
			p->snaps[i].epoch = task_events__epoch(s->events, p->pid,
							p->snaps[i].time_ns);
	}
	err = task_events__snapshots(s->events, add_event_snapshot, s);
	if (err)
		return err;
	hmap__for_each(&s->procs, e) {
		proc__finish(e->val);
		err = name_snapshots(s, e->val);
		if (err)
			return err;
	}
	if (task_events__nr_bad(s->events))
		pr_warn("%s: %llu bad task or mapping records skipped",
			rec_reader__path(s->reader),
			(unsigned long long)task_events__nr_bad(s->events));
	return 0;
}

int session__open(struct session **sp, const char *path)
{
	struct session *s;
	__u64 size, end;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	hmap__init(&s->procs, NULL);
	hmap__init(&s->comms, hmap_str_eq);
	hmap__init(&s->files, hmap_str_eq);
	s->inflate_budget = MAX_INFLATED_TOTAL;
	err = task_events__new(&s->events, &s->comms);
	if (err)
		goto err_free;
	err = rec_reader__open(&s->reader, path);
	if (err)
		goto err_free;
	err = rec_reader__iter_meta(s->reader, load_cb, s);
	if (!err)
		err = finish_snapshots(s);
	if (!err)
		err = session__find_streams(s);
	if (err)
		goto err_free;
	if (s->bad_process > 1)
		pr_warn("%s: %u bad process sections skipped in all", path,
			s->bad_process);
	size = rec_reader__size(s->reader);
	end = rec_reader__complete_end(s->reader);
	if (rec_reader__header_cut(s->reader))
		pr_warn("%s: cut short at byte %llu, inside the file header: it holds no records",
			path, (unsigned long long)size);
	else if (end < size)
		pr_warn("%s: truncated at byte %llu (section at byte %llu is incomplete): using the complete records before it",
			path, (unsigned long long)size,
			(unsigned long long)end);
	else if (!rec_reader__has_end(s->reader))
		pr_warn("%s: cut short at byte %llu (no END section): using every record up to there",
			path, (unsigned long long)size);
	*sp = s;
	return 0;

err_free:
	session__close(s);
	return err;
}

int session__open_verbose(struct session **s, const char *path)
{
	int err = session__open(s, path);

	if (err)
		pr_err("cannot read %s: %s", path,
		       err == -EBADMSG ?
		       "not a sonde recording (or its file header is corrupt)" :
		       sonde_strerror(err));
	return err;
}

void session__close(struct session *s)
{
	struct hmap_entry *e;

	if (!s)
		return;
	hmap__for_each(&s->procs, e)
		proc__free(e->val);
	hmap__for_each(&s->comms, e)
		free(e->val);
	hmap__free(&s->procs);
	task_events__free(s->events);
	hmap__free(&s->comms);
	hmap__free(&s->files);
	free(s->kallsyms);
	free(s->perfmaps);
	free(s->jitdumps);
	free(s->section_stream);
	free(s->sample_events);
	rec_reader__close(s->reader);
	free(s);
}

const char *session__path(const struct session *s)
{
	return rec_reader__path(s->reader);
}

const struct srec_session *session__info(const struct session *s)
{
	return s->has_info ? &s->info : NULL;
}

const struct srec_end *session__end(const struct session *s)
{
	return s->has_end ? &s->end : NULL;
}

__u64 session__period_ns(const struct session *s)
{
	if (!s->has_info)
		return 0;
	if (s->info.frequency)
		return 1000000000ULL / s->info.frequency;
	return s->info.period_ns;
}

__u64 session__nr_samples_hint(const struct session *s)
{
	__u64 most = rec_reader__size(s->reader) / sizeof(struct sonde_sample);

	return s->has_end ? min_t(__u64, s->end.nr_samples, most) : 0;
}

const struct session_counts *session__counts(const struct session *s)
{
	return &s->counts;
}

enum session_kallsyms session__kallsyms(const struct session *s)
{
	if (s->nr_kallsyms)
		return SESSION_KALLSYMS_PRESENT;
	return s->kallsyms_restricted ? SESSION_KALLSYMS_RESTRICTED :
					SESSION_KALLSYMS_MISSING;
}

int session__kallsyms_text(struct session *s, char **text, size_t *len,
			   const void **payload)
{
	const struct rec_section *sec;
	unsigned int i;
	int err = -ENOENT;

	/* The last one that inflates wins. */
	for (i = s->nr_kallsyms; i-- > 0;) {
		sec = &s->kallsyms[i];
		err = rec_section__payload(sec, text, len, &s->inflate_budget);
		if (!err && payload)
			*payload = sec->data;
		if (err != -EBADMSG && err != -EFBIG)
			return err;
		pr_warn("%s: %s kallsyms section at byte %llu: skipped",
			session__path(s),
			err == -EFBIG ? "one inflated section too many (over 1 GiB in all):" : "bad",
			(unsigned long long)sec->offset);
	}
	return err;
}

int session__kallsyms_payload(const struct session *s, __u32 *flags,
			      const void **data, size_t *size)
{
	const struct rec_section *sec;

	if (!s->nr_kallsyms)
		return -ENOENT;
	sec = &s->kallsyms[s->nr_kallsyms - 1];
	*flags = sec->flags;
	*data = sec->data;
	*size = sec->size;
	return 0;
}

int session__kallsyms_charge(struct session *s)
{
	if (!s->nr_kallsyms)
		return -ENOENT;
	return rec_section__charge(&s->kallsyms[s->nr_kallsyms - 1],
				   &s->inflate_budget);
}

const struct srec_file *session__file_identity(const struct session *s,
					       const char *path)
{
	return hmap__find(&s->files, hash_str(path), path);
}

/*
 * The payload of JIT section @sec (@what for messages), at least @min
 * bytes: 0, 1 when it was named as bad and is to be skipped, or -ENOMEM.
 */
static int jit_payload(struct session *s, const struct rec_section *sec,
		       const char *what, size_t min, char **text, size_t *len)
{
	int err = rec_section__payload(sec, text, len, &s->inflate_budget);

	if (err == -ENOMEM)
		return err;
	if (!err && *len < min) {
		free(*text);
		err = -EBADMSG;
	}
	if (!err)
		return 0;
	pr_warn("%s: %s %s section at byte %llu: skipped", session__path(s),
		err == -EFBIG ? "one inflated section too many (over 1 GiB in all):" : "bad",
		what, (unsigned long long)sec->offset);
	return 1;
}

int session__iter_perfmaps(struct session *s, session_perfmap_cb_t cb,
			   void *ctx)
{
	struct session_perfmap pm;
	unsigned int i;
	char *text;
	size_t len;
	int err;

	for (i = 0; i < s->nr_perfmaps; i++) {
		err = jit_payload(s, &s->perfmaps[i], "perf map",
				  sizeof(pm.hdr), &text, &len);
		if (err < 0)
			return err;
		if (err)
			continue;
		memcpy(&pm.hdr, text, sizeof(pm.hdr));
		pm.text = text + sizeof(pm.hdr);
		pm.len = len - sizeof(pm.hdr);
		err = cb(&pm, ctx);
		free(text);
		if (err)
			return err;
	}
	return 0;
}

int session__iter_jitdumps(struct session *s, session_jitdump_cb_t cb,
			   void *ctx)
{
	struct session_jitdump jd;
	unsigned int i;
	char *text;
	size_t len;
	int err;

	for (i = 0; i < s->nr_jitdumps; i++) {
		err = jit_payload(s, &s->jitdumps[i], "jitdump",
				  sizeof(jd.hdr), &text, &len);
		if (err < 0)
			return err;
		if (err)
			continue;
		memcpy(&jd.hdr, text, sizeof(jd.hdr));
		/* The path must end inside the section, NUL-terminated. */
		if (!jd.hdr.path_size ||
		    jd.hdr.path_size > len - sizeof(jd.hdr) ||
		    !memchr(text + sizeof(jd.hdr), '\0', jd.hdr.path_size)) {
			pr_warn("%s: bad jitdump section at byte %llu: skipped",
				session__path(s),
				(unsigned long long)s->jitdumps[i].offset);
			free(text);
			continue;
		}
		jd.path = text + sizeof(jd.hdr);
		jd.data = jd.path + jd.hdr.path_size;
		jd.len = len - sizeof(jd.hdr) - jd.hdr.path_size;
		err = cb(&jd, ctx);
		free(text);
		if (err)
			return err;
	}
	return 0;
}

const void *session__vdso(const struct session *s, size_t *size)
{
	*size = s->vdso_size;
	return s->vdso;
}

struct proc *session__find_proc(struct session *s, __u32 pid, __u64 time_ns,
				__u64 user_addr, unsigned int *gen)
{
	unsigned int i, epoch, first, last;
	struct proc *p;

	i = pid % ARRAY_SIZE(s->proc_cache);
	if (s->proc_cache[i].proc && s->proc_cache[i].pid == pid) {
		p = s->proc_cache[i].proc;
	} else {
		p = hmap__find(&s->procs, hash_u64(pid),
			       (void *)(unsigned long)pid);
		s->proc_cache[i].pid = pid;
		s->proc_cache[i].proc = p;
	}
	*gen = 0;
	if (!p || !p->nr_snaps)
		return p;
	*gen = proc__snapshot_at(p, time_ns);
	/*
	 * The image that ran is the one of the sample's exec epoch: with
	 * no snapshot of it (its lookups were missed), none is used.
	 */
	epoch = task_events__epoch(s->events, pid, time_ns);
	if (p->snaps[*gen].epoch != epoch) {
		if (!proc__epoch_range(p, epoch, &first, &last)) {
			*gen = 0;
			return NULL;
		}
		*gen = *gen < first ? first : last;
	}
	/* Mapped nowhere: the choice by time stands. */
	if (user_addr && proc__find_map(p, *gen, user_addr, &i))
		*gen = i;
	return p;
}

__u64 session__period_at(const struct session *s, __u32 cpu, __u64 time_ns)
{
	__u64 period;

	if (task_events__period(s->events, cpu, time_ns, &period))
		return period;
	return session__period_ns(s);
}

size_t session__nr_throttles(const struct session *s)
{
	return task_events__nr_periods(s->events);
}

const char *session__thread_comm(const struct session *s, __u32 tid,
				 __u64 time_ns)
{
	return task_events__thread_comm(s->events, tid, time_ns);
}
