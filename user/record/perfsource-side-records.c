// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: perf's side records, converted into the module's task and
 * MMAP records (perfsource.h): PERF_RECORD_MMAP2 into struct
 * sonde_mmap_event, PERF_RECORD_COMM, FORK and EXIT into struct
 * sonde_task_event, so that a recording made through perf_event_open
 * tells readers the same about processes that exec, fork, rename threads
 * or map libraries after the start as one made by the module.
 *
 * The layouts are those perf_event.h documents; records come from the
 * kernel but every size is checked all the same.  What the module's
 * records say and perf's do not is made up for here:
 * - a FORK or EXIT record does not name the task (the module's do): each
 *   thread's name is remembered from the COMM and FORK records
 *   converted, with its time, else read from /proc once (struct
 *   perfsource_side);
 * - the COMM record of an exec has no path (the module's EXEC record
 *   has the executable's): the kernel maps the new executable right
 *   after the exec's COMM record is written, so the EXEC record is held
 *   until that process's next file mapping and takes its path;
 * - an MMAP2 record has no build-id (unless attr.build_id, which would
 *   drop the inode the archive checks files against): it is read when
 *   the record is converted (procmap.h), as the module reads it when it
 *   writes the record.
 *
 * Ordering: records of one ring arrive in the order the kernel wrote
 * them, which is what ties an exec's COMM record to the mapping that
 * follows.  Rings are read one after another, so a thread's records
 * from two CPUs may be converted out of time order: a name is only
 * replaced by a later one (a child's FORK, read after its EXEC from
 * another ring, must not give it back its parent's name).  A held EXEC
 * record whose mapping never comes (on another CPU's ring, or after the
 * window) is released by perfsource_side__flush() without a path:
 * readers need its time and name, not its path.
 *
 * Single-threaded: a perfsource_side is used by the thread that reads the
 * rings.  Nothing here is global.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lib/hmap.h"
#include "lib/util.h"
#include "record/perfsource.h"
#include "record/procmap.h"
#include "sonde.h"

#define COMM_LEN	16	/* the kernel's TASK_COMM_LEN, as in the records */
/* Thread names remembered before starting over (forgotten ones: /proc). */
#define MAX_NAMES	65536
/* EXEC records held at once: one per process between exec and mapping. */
#define MAX_HELD	16

/* The sample_id fields a side record ends with (perf_event.h). */
#define ID_FIELDS	(PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | \
			 PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU |	     \
			 PERF_SAMPLE_IDENTIFIER)

/* struct mmap2 - PERF_RECORD_MMAP2 up to its filename (perf_event.h). */
struct mmap2 {
	struct perf_event_header h;
	__u32 pid, tid;
	__u64 addr, len, pgoff;
	union {
		struct {
			__u32 maj, min;
			__u64 ino, ino_generation;
		};
		struct {
			__u8 build_id_size;
			__u8 reserved1;
			__u16 reserved2;
			__u8 build_id[20];
		};
	};
	__u32 prot, flags;
};
_Static_assert(sizeof(struct mmap2) == 72, "MMAP2's filename is at byte 72");

/* struct task_rec - PERF_RECORD_FORK and EXIT (perf_event.h). */
struct task_rec {
	struct perf_event_header h;
	__u32 pid, ppid, tid, ptid;
	__u64 time;
};

/* struct comm_rec - PERF_RECORD_COMM up to its name (perf_event.h). */
struct comm_rec {
	struct perf_event_header h;
	__u32 pid, tid;
};

_Static_assert(sizeof(((struct sonde_task_event *)0)->comm) == COMM_LEN,
	       "a remembered name is a record's comm");

struct name {
	char comm[COMM_LEN];
	__u64 time_ns;		/* of the record that gave it */
};

struct perfsource_side {
	struct procmap *pm;
	struct hmap names;	/* tid -> struct name */
	struct sonde_task_event held[MAX_HELD];
	unsigned int nr_held;
};

/* Where and when a side record happened: its sample_id, else defaults. */
struct side_id {
	__u64 time_ns;
	__u32 cpu;
	bool has_time;
};

int perfsource_side__new(struct perfsource_side **sp, struct procmap *pm)
{
	struct perfsource_side *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->pm = pm;
	hmap__init(&s->names, NULL);
	*sp = s;
	return 0;
}

static void names_clear(struct perfsource_side *s)
{
	struct hmap_entry *e;

	hmap__for_each(&s->names, e)
		free(e->val);
	hmap__free(&s->names);
	hmap__init(&s->names, NULL);
}

void perfsource_side__free(struct perfsource_side *s)
{
	if (!s)
		return;
	names_clear(s);
	free(s);
}

/* ---- thread names ---- */

/* @src, cut to a comm and zero-padded, as the module's records hold it. */
static void comm_copy(char dst[COMM_LEN], const char *src)
{
	memset(dst, 0, COMM_LEN);
	memcpy(dst, src, strnlen(src, COMM_LEN - 1));
}

static struct name *name_find(struct perfsource_side *s, __u32 tid)
{
	return hmap__find(&s->names, hash_u64(tid), (void *)(unsigned long)tid);
}

/* Thread @tid is called @comm from @time_ns on (0: now, from /proc). */
static int name_set(struct perfsource_side *s, __u32 tid, const char *comm,
		    __u64 time_ns)
{
	struct name *n = name_find(s, tid);

	if (n && n->time_ns > time_ns)
		return 0;
	if (!n) {
		/* -a for days meets more threads than are worth keeping. */
		if (s->names.nr >= MAX_NAMES)
			names_clear(s);
		n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		if (hmap__insert(&s->names, hash_u64(tid),
				 (void *)(unsigned long)tid, n)) {
			free(n);
			return -ENOMEM;
		}
	}
	comm_copy(n->comm, comm);
	n->time_ns = time_ns;
	return 0;
}

/*
 * The name of thread @tid of @pid into @comm (zero-padded): the one last
 * converted, else what /proc says now (and then remembered), else "".
 */
static int name_get(struct perfsource_side *s, __u32 pid, __u32 tid,
		    char comm[COMM_LEN])
{
	const struct name *n = name_find(s, tid);

	memset(comm, 0, COMM_LEN);
	if (n) {
		memcpy(comm, n->comm, COMM_LEN);
		return 0;
	}
	if (!s->pm || procmap__thread_comm(s->pm, pid, tid, comm, COMM_LEN))
		return 0;
	/* Any record converted later knows better than /proc now. */
	return name_set(s, tid, comm, 0);
}

/* ---- parsing ---- */

/*
 * The sample_id trailer of @h (@len bytes) into @id; returns the length
 * of the record before it, or -EINVAL when the record cannot hold it.
 */
static long side_id_parse(const struct perf_event_header *h, size_t len,
			  const struct perfsource_fmt *f, __u32 cpu,
			  struct side_id *id)
{
	__u64 st = f->sample_type;
	const __u8 *p;
	size_t n;

	*id = (struct side_id){ .cpu = cpu };
	if (!f->sample_id_all)
		return len;
	n = 8 * __builtin_popcountll(st & ID_FIELDS);
	if (len < sizeof(*h) + n)
		return -EINVAL;
	p = (const __u8 *)h + len - n;
	if (st & PERF_SAMPLE_TID)
		p += 8;
	if (st & PERF_SAMPLE_TIME) {
		memcpy(&id->time_ns, p, 8);
		id->has_time = true;
		p += 8;
	}
	if (st & PERF_SAMPLE_ID)
		p += 8;
	if (st & PERF_SAMPLE_STREAM_ID)
		p += 8;
	if (st & PERF_SAMPLE_CPU)
		memcpy(&id->cpu, p, 4);
	return len - n;
}

static __u64 side_time(const struct side_id *id)
{
	return id->has_time ? id->time_ns : now_ns(CLOCK_MONOTONIC);
}

/*
 * The NUL-terminated string at @off of a record body of @body bytes, or
 * NULL when it is not terminated inside the body.
 */
static const char *body_str(const struct perf_event_header *h, size_t body,
			    size_t off)
{
	const char *p = (const char *)h + off;

	if (body <= off || !memchr(p, '\0', body - off))
		return NULL;
	return p;
}

/* ---- task records ---- */

static int task_append(struct buf *out, const struct sonde_task_event *te,
		       const char *path, size_t path_size)
{
	size_t start = out->len;
	int err;

	err = buf__append(out, te, sizeof(*te));
	if (!err && path_size)
		err = buf__append(out, path, path_size);
	if (!err)
		err = buf__pad8(out);
	if (err) {
		out->len = start;
		return err;
	}
	((struct sonde_task_event *)(out->data + start))->hdr.size =
		out->len - start;
	((struct sonde_task_event *)(out->data + start))->path_size =
		path_size;
	return 1;
}

/* Append held EXEC record @i with @path (NULL: not known), and drop it. */
static int held_release(struct perfsource_side *s, unsigned int i,
			const char *path, struct buf *out)
{
	struct sonde_task_event te = s->held[i];
	size_t size = path ? strlen(path) + 1 : 1;

	if (!path || size > SONDE_MAX_EXEC_PATH) {
		te.flags |= SONDE_TASK_PATH_TRUNCATED;
		path = "";
		size = 1;
	}
	s->held[i] = s->held[--s->nr_held];
	return task_append(out, &te, path, size);
}

static int convert_comm(struct perfsource_side *s,
			const struct perf_event_header *h, size_t body,
			const struct side_id *id, struct buf *out)
{
	const struct comm_rec *c = (const void *)h;
	struct sonde_task_event te = { 0 };
	const char *comm = body_str(h, body, sizeof(*c));
	int err, n = 0;

	if (!comm)
		return -EINVAL;
	te.hdr.type = h->misc & PERF_RECORD_MISC_COMM_EXEC ?
		      SONDE_RECORD_EXEC : SONDE_RECORD_COMM;
	te.time_ns = side_time(id);
	te.cpu = id->cpu;
	te.pid = c->pid;
	te.tid = c->tid;
	comm_copy(te.comm, comm);
	err = name_set(s, c->tid, te.comm, te.time_ns);
	if (err)
		return err;
	if (te.hdr.type == SONDE_RECORD_COMM)
		return task_append(out, &te, NULL, 0);
	/* Its path comes with the mapping that follows. */
	if (s->nr_held == MAX_HELD) {
		n = held_release(s, 0, NULL, out);
		if (n < 0)
			return n;
	}
	s->held[s->nr_held++] = te;
	return n;
}

static int convert_task(struct perfsource_side *s,
			const struct perf_event_header *h, size_t body,
			const struct side_id *id, struct buf *out)
{
	const struct task_rec *t = (const void *)h;
	struct sonde_task_event te = { 0 };
	int err;

	if (body < sizeof(*t))
		return -EINVAL;
	te.time_ns = t->time;
	te.cpu = id->cpu;
	if (h->type == PERF_RECORD_FORK) {
		/* The module's FORK is the parent's, and names the child. */
		te.hdr.type = SONDE_RECORD_FORK;
		te.pid = t->ppid;
		te.tid = t->ptid;
		te.child_pid = t->pid;
		te.child_tid = t->tid;
		if (t->pid == t->ppid)
			te.flags |= SONDE_TASK_THREAD;
		err = name_get(s, t->ppid, t->ptid, te.comm);
		/* A parent gone already: the child still has its name. */
		if (!err && !te.comm[0])
			err = name_get(s, t->pid, t->tid, te.comm);
		if (!err)
			err = name_set(s, t->tid, te.comm, te.time_ns);
	} else {
		te.hdr.type = SONDE_RECORD_EXIT;
		te.pid = t->pid;
		te.tid = t->tid;
		err = name_get(s, t->pid, t->tid, te.comm);
	}
	return err ?: task_append(out, &te, NULL, 0);
}

/* ---- mappings ---- */

/* The kernel's new_encode_dev(): what stat(2)'s st_dev holds, 32 bits. */
static __u32 encode_dev(__u32 maj, __u32 min)
{
	return (min & 0xff) | (maj << 8) | ((min & ~0xffU) << 12);
}

static int convert_mmap2(struct perfsource_side *s,
			 const struct perf_event_header *h, size_t body,
			 const struct side_id *id, struct buf *out)
{
	const struct mmap2 *m = (const void *)h;
	const char *name = body_str(h, body, sizeof(*m));
	struct sonde_mmap_event me = { .hdr.type = SONDE_RECORD_MMAP };
	const char *path = NULL;
	size_t start = out->len;
	bool file = false;
	unsigned int i;
	int err, n = 0;

	if (!name || !m->len || m->addr + m->len < m->addr)
		return -EINVAL;
	if (!(m->prot & PROT_EXEC))
		return 0;	/* data: never asked for (attr.mmap_data) */
	me.time_ns = side_time(id);
	me.cpu = id->cpu;
	me.pid = m->pid;
	me.tid = m->tid;
	me.start = m->addr;
	me.end = m->addr + m->len;
	/* perf's names for what has no file: see perf_event_mmap_event(). */
	if (!strcmp(name, "[vdso]")) {
		me.flags = SONDE_MMAP_ANON;
		path = name;
	} else if (name[0] == '[' || !strcmp(name, "//anon")) {
		me.flags = SONDE_MMAP_ANON;
	} else if (name[0] == '/' && name[1] != '/' &&
		   strlen(name) < SONDE_MAX_EXEC_PATH) {
		file = true;
		path = name;
		me.pgoff = m->pgoff;
	} else {
		/* "//toolong", "//enomem": a file whose path perf lost. */
		me.flags = SONDE_MMAP_PATH_TRUNCATED;
		me.pgoff = m->pgoff;
		path = "";
	}
	if (file && (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID)) {
		if (m->build_id_size > SONDE_BUILD_ID_MAX)
			return -EINVAL;
		me.build_id_size = m->build_id_size;
		memcpy(me.build_id, m->build_id, m->build_id_size);
	} else if (file) {
		me.ino = m->ino;
		me.dev = encode_dev(m->maj, m->min);
		if (s->pm) {
			err = procmap__build_id(s->pm, m->pid, path, me.start,
						me.end, me.ino, me.build_id,
						sizeof(me.build_id));
			me.build_id_size = err > 0 ? err : 0;
		}
	}
	/* The exec's first file mapping: its executable. */
	for (i = 0; file && i < s->nr_held; i++) {
		if (s->held[i].pid != m->pid)
			continue;
		n = held_release(s, i, path, out);
		if (n < 0)
			return n;
		break;
	}
	me.path_size = path ? strlen(path) + 1 : 0;
	me.hdr.size = ALIGN8(sizeof(me) + me.path_size);
	err = buf__append(out, &me, sizeof(me));
	if (!err && me.path_size)
		err = buf__append(out, path, me.path_size);
	if (!err)
		err = buf__pad8(out);
	if (err) {
		out->len = start;
		return err;
	}
	return n + 1;
}

int perfsource_side__convert(struct perfsource_side *s,
			     const struct perf_event_header *h, size_t len,
			     const struct perfsource_fmt *f, __u32 cpu,
			     struct buf *out)
{
	struct side_id id;
	long body;

	if (len < sizeof(*h) || h->size > len || h->size < sizeof(*h))
		return -EINVAL;
	len = h->size;
	switch (h->type) {
	case PERF_RECORD_MMAP2:
	case PERF_RECORD_COMM:
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		break;
	default:
		return 0;
	}
	body = side_id_parse(h, len, f, cpu, &id);
	if (body < 0)
		return body;
	switch (h->type) {
	case PERF_RECORD_MMAP2:
		return convert_mmap2(s, h, body, &id, out);
	case PERF_RECORD_COMM:
		return convert_comm(s, h, body, &id, out);
	}
	return convert_task(s, h, body, &id, out);
}

int perfsource_side__flush(struct perfsource_side *s, struct buf *out)
{
	int n = 0, err;

	while (s->nr_held) {
		err = held_release(s, 0, NULL, out);
		if (err < 0)
			return err;
		n += err;
	}
	return n;
}
