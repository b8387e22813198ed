// SPDX-License-Identifier: GPL-2.0
/*
 * Load a recording and resolve its samples.
 *
 * Metadata sections may come after the samples they describe (a process
 * is snapshotted only once its first samples were drained), so loading
 * walks the file once for metadata and then once per pass over records.
 *
 * A process can have several snapshots (before and after the exec of
 * -- COMMAND, first seen, at the end).  A sample uses the first snapshot
 * taken at or after its time, else the last one: that is the image the
 * process ran when sampled, as long as it did not exec in between.  Around
 * an exec, time alone cannot tell the two images apart (record only sees
 * the exec once it is over), so when the sample's user address is not
 * mapped in that snapshot, the nearest snapshot in time that maps it wins.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recording/addrspace.h"
#include "lib/hmap.h"
#include "symbolize/kallsyms.h"
#include "recording/session.h"
#include "symbolize/dso.h"
#include "lib/untrusted.h"
#include "lib/util.h"

#define KERNEL_DSO	"[kernel.kallsyms]"
/* What the zlib sections of one recording may inflate to, together. */
#define MAX_INFLATED_TOTAL	(1ULL << 30)
#define UNKNOWN		"[unknown]"
/* Files whose symbols could not be read that are named one by one. */
#define MAX_FILE_WARNINGS	5

/* The "file" of kernel addresses in the symbol cache. */
static const char kernel_file;

struct dso_ent {
	const char *path;
	const unsigned char *build_id;
	__u8 build_id_size;
	struct dso *dso;	/* NULL: could not be loaded */
	bool tried;
};

/*
 * struct cache_key - what a frame resolves by: a user address by the file
 * mapped there and the offset in that file, however many processes and
 * snapshots map it; a kernel address by itself (@file == &kernel_file).
 */
struct cache_key {
	__u64 off;
	const void *file;	/* struct dso_ent, or &kernel_file */
};

struct cache_ent {
	struct cache_key key;
	const struct frame_id *id;
	__u64 off;
};

struct session {
	struct rec_reader *reader;
	struct srec_session info;
	bool has_info;
	struct srec_end end;
	bool has_end;
	struct kallsyms *ksyms;
	bool kallsyms_restricted;
	bool kallsyms_missing;
	const void *vdso;
	size_t vdso_size;
	struct hmap procs;	/* pid -> struct proc */
	struct hmap dsos;	/* struct dso_ent (path, build-id) */
	struct hmap strings;	/* interned strings */
	struct hmap frame_ids;	/* struct frame_id by value */
	struct hmap cache;	/* struct cache_key -> struct cache_ent */
	unsigned int nr_frame_ids;
	const struct frame_id *unknown_user;	/* user address mapped nowhere */
	const char *debug_root;	/* separate debug files; NULL: the default */
	struct session_counts counts;
	__u64 inflate_budget;	/* bytes all zlib sections may still take */
	unsigned int bad_process, bad_kallsyms;	/* sections skipped */
	unsigned int bad_files;	/* mapped files that could not be used */
	struct frame *frames;	/* scratch for resolve */
	size_t frames_cap;
};

static bool str_eq(const void *a, const void *b)
{
	return !strcmp(a, b);
}

static bool dso_ent_eq(const void *a, const void *b)
{
	const struct dso_ent *x = a, *y = b;

	return !strcmp(x->path, y->path) &&
	       x->build_id_size == y->build_id_size &&
	       !memcmp(x->build_id, y->build_id, x->build_id_size);
}

static bool frame_id_eq(const void *a, const void *b)
{
	const struct frame_id *x = a, *y = b;

	return x->kernel == y->kernel && x->dso == y->dso &&
	       !strcmp(x->name, y->name);
}

static bool cache_key_eq(const void *a, const void *b)
{
	return !memcmp(a, b, sizeof(struct cache_key));
}

static const char *intern(struct session *s, const char *str)
{
	__u64 h = hash_str(str);
	char *p = hmap__find(&s->strings, h, str);

	if (p)
		return p;
	p = strdup(str);
	if (!p || hmap__insert(&s->strings, h, p, p)) {
		free(p);
		return NULL;
	}
	return p;
}

/* ---- loading ---- */

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
	snap.comm = intern(s, comm);
	proc = hmap__find(&s->procs, hash_u64(pid), (void *)(unsigned long)pid);
	if (!proc && snap.comm) {
		proc = calloc(1, sizeof(*proc));
		if (proc && hmap__insert(&s->procs, hash_u64(pid),
					 (void *)(unsigned long)pid, proc)) {
			free(proc);
			proc = NULL;
		}
		if (proc)
			proc->pid = pid;
	}
	if (!proc || !snap.comm) {
		free(snap.maps);
		return -ENOMEM;
	}
	/* Appended in file order (amortized), sorted once all are in. */
	return proc__add_snapshot(proc, &snap);
}

static void sort_snapshots(struct session *s)
{
	struct hmap_entry *e;

	hmap__for_each(&s->procs, e)
		proc__finish(e->val);
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
		if (st.handler_ns_max > s->counts.handler_ns_max)
			s->counts.handler_ns_max = st.handler_ns_max;
	}
	s->counts.has_stats = true;
}

static int load_kallsyms(struct session *s, const struct rec_section *sec)
{
	char *text;
	size_t len;
	int err;

	if (sec->flags & SREC_SF_RESTRICTED) {
		s->kallsyms_restricted = true;
		return 0;
	}
	err = rec_section__payload(sec, &text, &len, &s->inflate_budget);
	if (err)
		return err;
	kallsyms__free(s->ksyms);
	s->ksyms = NULL;
	err = kallsyms__parse(&s->ksyms, text, len);
	free(text);
	return err;
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
		err = load_kallsyms(s, sec);
		if (err == -EBADMSG || err == -EFBIG) {
			if (!s->bad_kallsyms++)
				pr_warn("%s: %s kallsyms section at byte %llu: skipped",
					rec_reader__path(s->reader),
					err == -EFBIG ? "one inflated section too many (over 1 GiB in all):" : "bad",
					(unsigned long long)sec->offset);
			err = 0;
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
	case SREC_SEC_END:
		memcpy(&s->end, sec->data,
		       min_t(size_t, sec->size, sizeof(s->end)));
		s->has_end = true;
		break;
	}
	return err;
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
	hmap__init(&s->dsos, dso_ent_eq);
	hmap__init(&s->strings, str_eq);
	hmap__init(&s->frame_ids, frame_id_eq);
	hmap__init(&s->cache, cache_key_eq);
	s->inflate_budget = MAX_INFLATED_TOTAL;
	err = rec_reader__open(&s->reader, path);
	if (err)
		goto err_free;
	err = rec_reader__iter_sections(s->reader, load_cb, s);
	if (err)
		goto err_free;
	sort_snapshots(s);
	if (s->bad_process > 1)
		pr_warn("%s: %u bad process sections skipped in all", path,
			s->bad_process);
	if (s->bad_kallsyms > 1)
		pr_warn("%s: %u kallsyms sections skipped in all", path,
			s->bad_kallsyms);
	s->kallsyms_missing = !s->ksyms && !s->kallsyms_restricted;
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

void session__set_debug_root(struct session *s, const char *root)
{
	s->debug_root = root && *root ? root : NULL;
}

int session__open_verbose(struct session **s, const char *path)
{
	int err = session__open(s, path);

	if (!err)
		session__set_debug_root(*s, getenv("SONDE_DEBUG_ROOT"));
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
	if (s->bad_files > MAX_FILE_WARNINGS)
		pr_warn("%s: %u more mapped files could not be used for symbols",
			session__path(s), s->bad_files - MAX_FILE_WARNINGS);
	hmap__for_each(&s->procs, e)
		proc__free(e->val);
	hmap__for_each(&s->dsos, e) {
		struct dso_ent *d = e->val;

		dso__free(d->dso);
		free(d);
	}
	hmap__for_each(&s->strings, e)
		free(e->val);
	hmap__for_each(&s->frame_ids, e)
		free(e->val);
	hmap__for_each(&s->cache, e)
		free(e->val);
	hmap__free(&s->procs);
	hmap__free(&s->dsos);
	hmap__free(&s->strings);
	hmap__free(&s->frame_ids);
	hmap__free(&s->cache);
	kallsyms__free(s->ksyms);
	rec_reader__close(s->reader);
	free(s->frames);
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

const struct session_counts *session__counts(const struct session *s)
{
	return &s->counts;
}

/* ---- records ---- */

struct walk {
	struct session *s;
	rec_record_cb_t cb;
	void *ctx;
};

static int record_cb(const struct sonde_record_header *h, void *ctx)
{
	struct walk *w = ctx;

	if (h->type == SONDE_RECORD_SAMPLE)
		w->s->counts.samples++;
	else if (h->type == SONDE_RECORD_LOST)
		w->s->counts.lost = sat_add_u64(w->s->counts.lost,
				((const struct sonde_lost *)h)->nr_lost);
	return w->cb(h, w->ctx);
}

static int section_cb(const struct rec_section *sec, void *ctx)
{
	struct walk *w = ctx;
	struct rec_record_stats st = { 0 };
	int ret;

	if (sec->type != SREC_SEC_RECORDS ||
	    sec->size < sizeof(struct srec_records))
		return 0;
	ret = rec_records__iter((const char *)sec->data +
				    sizeof(struct srec_records),
				    sec->size - sizeof(struct srec_records),
				    record_cb, w, &st);
	w->s->counts.bad += st.bad;
	w->s->counts.unknown += st.unknown;
	/* A record cut by the end of a truncated file is expected. */
	if (st.stopped_at >= 0 && !sec->truncated) {
		if (!w->s->counts.corrupt_sections)
			pr_warn("%s: corrupt record at byte %llu: skipping the rest of its section",
				session__path(w->s),
				(unsigned long long)(sec->offset +
				sizeof(struct srec_section_header) +
				sizeof(struct srec_records) + st.stopped_at));
		w->s->counts.corrupt_sections++;
	}
	return ret;
}

int session__iter_records(struct session *s, rec_record_cb_t cb,
			     void *ctx)
{
	struct walk w = { s, cb, ctx };

	/* A new walk recounts the records; the module's stats stay. */
	s->counts.samples = 0;
	s->counts.lost = 0;
	s->counts.bad = 0;
	s->counts.unknown = 0;
	s->counts.corrupt_sections = 0;
	s->counts.kernel_hidden = 0;
	return rec_reader__iter_sections(s->reader, section_cb, &w);
}

/* ---- symbolization ---- */

/* Interned copy of @str made printable (text_clean()). */
static const char *intern_clean(struct session *s, const char *str)
{
	const char *ret;
	char *copy;

	if (text_is_clean(str))
		return intern(s, str);
	copy = strdup(str);
	if (!copy)
		return NULL;
	text_clean(copy, strlen(copy) + 1, str, strlen(str));
	ret = intern(s, copy);
	free(copy);
	return ret;
}

/*
 * The frame id of (@name, @dso): both come from files (symbol tables,
 * recorded paths) and are made printable here, once, for every output.
 */
static const struct frame_id *get_frame_id(struct session *s,
					   const char *name, const char *dso,
					   bool kernel, bool known)
{
	struct frame_id key = { .kernel = kernel };
	struct frame_id *id;
	__u64 h;

	key.dso = intern_clean(s, dso);
	key.name = intern_clean(s, name);
	if (!key.dso || !key.name)
		return NULL;
	name = key.name;
	h = hash_str(name) ^ hash_u64((unsigned long)key.dso + kernel);
	id = hmap__find(&s->frame_ids, h, &key);
	if (id)
		return id;
	id = calloc(1, sizeof(*id));
	if (!id)
		return NULL;
	id->name = key.name;
	id->dso = key.dso;
	id->kernel = kernel;
	id->known = known;
	id->idx = s->nr_frame_ids;
	if (hmap__insert(&s->frame_ids, h, id, id)) {
		free(id);
		return NULL;
	}
	s->nr_frame_ids++;
	return id;
}

static const struct frame_id *resolve_kernel(struct session *s, __u64 addr,
					     __u64 *off)
{
	const char *name, *mod;
	char dso[80];
	__u64 start;

	if (!kallsyms__lookup(s->ksyms, addr, &name, &start, &mod))
		return get_frame_id(s, UNKNOWN, KERNEL_DSO, true, false);
	*off = addr - start;
	if (*mod) {
		snprintf(dso, sizeof(dso), "[%s]", mod);
		return get_frame_id(s, name, dso, true, true);
	}
	return get_frame_id(s, name, KERNEL_DSO, true, true);
}

/* The file of @m, loaded on first use and remembered in @m. */
static struct dso_ent *get_dso(struct session *s, struct map *m)
{
	struct dso_ent key = {
		.path = m->path,
		.build_id = m->build_id,
		.build_id_size = m->build_id_size,
	};
	__u64 h;
	struct dso_ent *d = m->dso;
	int err;

	if (d)
		return d;
	h = hash_str(m->path);
	d = hmap__find(&s->dsos, h, &key);
	if (d) {
		m->dso = d;
		return d;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	*d = key;
	if (hmap__insert(&s->dsos, h, d, d)) {
		free(d);
		return NULL;
	}
	m->dso = d;
	if (!strcmp(m->path, "[vdso]")) {
		err = s->vdso ? dso__load_image(&d->dso, s->vdso, s->vdso_size)
			      : -ENOENT;
		if (err)
			d->dso = NULL;
		return d;
	}
	err = dso__load(&d->dso, m->path, m->build_id, m->build_id_size,
			s->debug_root);
	/* A few files are named; the rest are counted (session__close()). */
	if (err && err != -ENOENT && ++s->bad_files <= MAX_FILE_WARNINGS) {
		if (err == -ESTALE)
			pr_warn("%s: build-id differs from the recorded one: not the binary that ran, its frames stay unresolved",
				m->path);
		else
			pr_warn("%s: cannot read symbols: %s", m->path,
				sonde_strerror(err));
	}
	if (err)
		d->dso = NULL;
	return d;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* The frame of @addr in mapping @m of file @d. */
static const struct frame_id *resolve_user(struct session *s,
					   const struct map *m,
					   const struct dso_ent *d, __u64 addr,
					   __u64 *off)
{
	const char *name;
	char buf[300];
	__u64 vaddr;

	if (d->dso && dso__lookup(d->dso, m->start, m->pgoff, addr, &name,
				  off, &vaddr))
		return get_frame_id(s, name, m->path, false, true);
	if (!d->dso)
		vaddr = addr - m->start + m->pgoff;
	snprintf(buf, sizeof(buf), "%s+0x%llx", base_name(m->path),
		 (unsigned long long)vaddr);
	return get_frame_id(s, buf, m->path, false, false);
}

/*
 * find_proc - the process of a sample and, in *@gen, the snapshot that
 * describes it at @time_ns (see the top of this file).  @user_addr, the
 * sample's innermost user address (0: none), settles the choice when the
 * snapshot picked by time does not map it.
 */
static struct proc *find_proc(struct session *s, __u32 pid, __u64 time_ns,
			      __u64 user_addr, unsigned int *gen)
{
	struct proc *p = hmap__find(&s->procs, hash_u64(pid),
				    (void *)(unsigned long)pid);
	unsigned int i;

	*gen = 0;
	if (!p || !p->nr_snaps)
		return p;
	*gen = proc__snapshot_at(p, time_ns);
	/* Mapped nowhere: the choice by time stands. */
	if (user_addr && proc__find_map(p, *gen, user_addr, &i))
		*gen = i;
	return p;
}

static int resolve_frame(struct session *s, struct proc *p, unsigned int gen,
			 __u64 addr, bool kernel, bool is_return,
			 struct frame *f)
{
	/*
	 * A return address points after its call, which may be the first
	 * byte of the next function: look up the call itself, as perf does.
	 */
	__u64 look = is_return && addr ? addr - 1 : addr;
	struct cache_key key = { look, &kernel_file };
	struct dso_ent *d = NULL;
	struct cache_ent *c;
	struct map *m = NULL;
	unsigned int found;
	__u64 h, off = 0;

	f->addr = addr;
	if (!kernel) {
		if (p && p->nr_snaps)
			m = proc__find_map(p, gen, look, &found);
		if (!m) {
			if (!s->unknown_user)
				s->unknown_user = get_frame_id(s, UNKNOWN,
							       UNKNOWN, false,
							       false);
			f->id = s->unknown_user;
			f->off = 0;
			return f->id ? 0 : -ENOMEM;
		}
		d = get_dso(s, m);
		if (!d)
			return -ENOMEM;
		key.off = look - m->start + m->pgoff;
		key.file = d;
	}
	h = hash_bytes(&key, sizeof(key), 0);
	c = hmap__find(&s->cache, h, &key);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->key = key;
		c->id = kernel ? resolve_kernel(s, look, &off)
			       : resolve_user(s, m, d, look, &off);
		c->off = off;
		if (!c->id || hmap__insert(&s->cache, h, &c->key, c)) {
			free(c);
			return -ENOMEM;
		}
	}
	f->id = c->id;
	f->off = c->id->known ? c->off + (addr - look) : 0;
	return 0;
}

int session__resolve(struct session *s, const struct sonde_sample *raw,
		     struct sample_view *v)
{
	bool khidden = raw->flags & SONDE_SAMPLE_KERNEL_HIDDEN;
	unsigned int nk = khidden ? 0 : raw->nr_kernel, nu = raw->nr_user;
	unsigned int gen, n = 0, i;
	struct proc *p;
	__u64 user_leaf = 0;
	char comm[40];
	int err;

	/* Without call chains the interrupted IPs are the only frames. */
	if (!nk && !khidden && raw->context != SONDE_CTX_USER && raw->ip)
		nk = 1;
	if (!nu && !(raw->flags & SONDE_SAMPLE_KTHREAD) && raw->pid) {
		if (raw->flags & SONDE_SAMPLE_USER_REGS)
			user_leaf = raw->user_ip;
		else if (raw->context == SONDE_CTX_USER)
			user_leaf = raw->ip;
	}
	if (s->frames_cap < nk + nu + 1) {
		struct frame *f = realloc(s->frames,
					  (nk + nu + 1) * sizeof(*f));

		if (!f)
			return -ENOMEM;
		s->frames = f;
		s->frames_cap = nk + nu + 1;
	}
	p = find_proc(s, raw->pid, raw->time_ns,
		      nu ? raw->frames[raw->nr_kernel] : user_leaf, &gen);
	for (i = 0; i < nk; i++) {
		__u64 a = raw->nr_kernel ? raw->frames[i] : raw->ip;

		err = resolve_frame(s, p, gen, a, true, i > 0,
				    &s->frames[n++]);
		if (err)
			return err;
	}
	for (i = 0; i < nu; i++) {
		err = resolve_frame(s, p, gen, raw->frames[raw->nr_kernel + i],
				    false, i > 0, &s->frames[n++]);
		if (err)
			return err;
	}
	if (user_leaf) {
		err = resolve_frame(s, p, gen, user_leaf, false, false,
				    &s->frames[n++]);
		if (err)
			return err;
	}
	if (khidden && raw->context != SONDE_CTX_USER)
		s->counts.kernel_hidden++;
	if (!raw->pid && raw->context == SONDE_CTX_IDLE) {
		v->comm = intern(s, "swapper");
	} else if (raw->flags & SONDE_SAMPLE_PID_OUTSIDE) {
		/* A task the recorder's pid namespace cannot see. */
		v->comm = intern(s, "[outside pid namespace]");
	} else if (p && p->nr_snaps) {
		v->comm = p->snaps[gen].comm;
	} else {
		snprintf(comm, sizeof(comm), raw->pid ? ":%u" : "swapper",
			 raw->pid);
		v->comm = intern(s, comm);
	}
	if (!v->comm)
		return -ENOMEM;
	v->raw = raw;
	v->frames = s->frames;
	v->nr_frames = n;
	v->nr_kernel = nk;
	return 0;
}

struct sample_walk {
	struct session *s;
	sample_cb_t cb;
	void *ctx;
};

static int sample_record_cb(const struct sonde_record_header *h, void *ctx)
{
	struct sample_walk *w = ctx;
	struct sample_view v;
	int err;

	if (h->type != SONDE_RECORD_SAMPLE)
		return 0;
	err = session__resolve(w->s, (const void *)h, &v);
	if (err)
		return err;
	return w->cb(&v, w->ctx);
}

int session__iter_samples(struct session *s, sample_cb_t cb, void *ctx)
{
	struct sample_walk w = { s, cb, ctx };

	return session__iter_records(s, sample_record_cb, &w);
}
