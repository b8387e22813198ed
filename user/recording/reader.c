// SPDX-License-Identifier: GPL-2.0
/*
 * Recording layer: reads the sonde recording format
 * (recording.h, docs/recording-format.md).
 *
 * The reader never trusts a size it has not bounded by the bytes actually
 * present.  It reads the file rather than mapping it: a file that shrinks
 * while mapped kills the reader with SIGBUS, and a recording is untrusted
 * input.  What the reads return is what the file holds for this reader,
 * even if it changes meanwhile.
 *
 * Nor does it hold the whole file: RECORDS sections are nearly all of a
 * recording (hundreds of MB for a million samples).  rec_reader__open()
 * walks the section headers with pread() and keeps, for the reader's
 * lifetime, a copy of the file without the RECORDS payloads (@meta: every
 * section header, and the payload of every other section).  Each walk
 * then reads one RECORDS payload at a time into one buffer (@rbuf), whose
 * contents the callback sees only until it returns.  A read that comes
 * back short, or a RECORDS header that is no longer the one read at open,
 * is the end of the file as this reader sees it: the walk stops there as
 * it would on a file cut at that byte.  Single-threaded; nothing here is
 * global.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "recording/recording.h"
#include "lib/untrusted.h"
#include "lib/util.h"

struct rec_reader {
	const char *path;
	int fd;			/* open until rec_reader__close() */
	__u64 size;		/* file bytes seen: lowered by a short read */
	__u64 walked;		/* @size when the walk at open ended */
	__u64 header_size;	/* where sections start */
	__u64 complete_end;
	bool has_end;
	bool header_cut;
	/*
	 * Every section header as read at open, in file order, each but a
	 * RECORDS one followed by its payload (as much of it as @walked
	 * holds) padded to 8: the file without its RECORDS payloads.
	 */
	unsigned char *meta;
	size_t meta_len;
	/*
	 * The srec_records.cpu of each RECORDS section, in file order, as
	 * read at open (UINT32_MAX: too short to hold one).
	 */
	__u32 *records_cpu;
	size_t nr_records;
	/* The RECORDS section being walked: its header, then its payload. */
	unsigned char *rbuf;
	size_t rbuf_cap;
};

/* Read-ahead of the walk at open: many sections are small. */
#define WALK_WINDOW	(16U << 10)

/*
 * @rbuf grows in steps of 64 KiB to the largest RECORDS section walked.
 * The writer keeps a RECORDS section inside one of its chunks (1 MiB for
 * sonde record and rec_writer__new_fd()): rec_writer__append_records()
 * starts a new section when the chunk has no room left, so header and
 * payload stay within the chunk size, unless one single append is larger
 * than a chunk (record appends one ring record at a time).  For files
 * sonde wrote, @rbuf stays at about 1 MiB.  A hostile file may name a
 * larger section; it is bounded by the bytes present, as the whole file
 * once was.
 */
#define RBUF_STEP	(64U << 10)

/*
 * pread() @len bytes at @off, again after EINTR and short reads.  Returns
 * the bytes read, fewer only where the file ends, or -errno.
 */
static ssize_t pread_full(int fd, void *buf, size_t len, __u64 off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		done += n;
	}
	return done;
}

struct walk {
	int fd;
	__u64 end;		/* read nothing at or past it */
	unsigned char *win;	/* WALK_WINDOW bytes */
	__u64 win_off;		/* file offset of win[0] */
	size_t win_len;
};

/*
 * walk_read - @len bytes at @off (@off + @len <= @w->end) from the window,
 * refilled from @off when they are not all in it; a large read bypasses
 * it.  Returns the bytes read, fewer where the file ends, or -errno.
 */
static ssize_t walk_read(struct walk *w, void *dst, size_t len, __u64 off)
{
	ssize_t n;

	if (!len)
		return 0;
	if (off >= w->win_off && off - w->win_off <= w->win_len &&
	    w->win_len - (off - w->win_off) >= len) {
		memcpy(dst, w->win + (off - w->win_off), len);
		return len;
	}
	if (len > WALK_WINDOW / 2)
		return pread_full(w->fd, dst, len, off);
	n = pread_full(w->fd, w->win, min_t(__u64, WALK_WINDOW, w->end - off),
		       off);
	if (n < 0)
		return n;
	w->win_off = off;
	w->win_len = n;
	n = min_t(size_t, n, len);
	memcpy(dst, w->win, n);
	return n;
}

/*
 * note_records_cpu - append to r->records_cpu the CPU of the RECORDS
 * section at @off, of which @len payload bytes are present.  0 or -errno.
 */
static int note_records_cpu(struct rec_reader *r, struct walk *w, __u64 off,
			    __u64 len)
{
	struct srec_records rh = { .cpu = UINT32_MAX };
	__u32 *cpus;
	ssize_t n;

	if (len >= sizeof(rh)) {
		n = walk_read(w, &rh, sizeof(rh),
			      off + sizeof(struct srec_section_header));
		if (n < 0)
			return n;
		if ((size_t)n < sizeof(rh))
			rh.cpu = UINT32_MAX;
	}
	if (!(r->nr_records & (r->nr_records + 1))) {
		cpus = reallocarray(r->records_cpu, 2 * r->nr_records + 1,
				    sizeof(*cpus));
		if (!cpus)
			return -ENOMEM;
		r->records_cpu = cpus;
	}
	r->records_cpu[r->nr_records++] = rh.cpu;
	return 0;
}

/*
 * walk_sections - fill r->meta: the loop of rec_reader__iter_sections(),
 * reading headers and payloads instead of handing them out, and skipping
 * RECORDS payloads.  A read that comes back short lowers r->size to where
 * the file ended.  Returns 0 or -errno.
 */
static int walk_sections(struct rec_reader *r)
{
	struct walk w = { .fd = r->fd, .end = r->size };
	struct buf meta = { 0 };
	__u64 off = r->header_size;
	int err = 0;

	w.win = malloc(WALK_WINDOW);
	if (!w.win)
		return -ENOMEM;
	while (off < r->size) {
		struct srec_section_header sh;
		__u64 avail, len;
		ssize_t n;

		if (r->size - off < sizeof(sh))
			break;	/* cut inside a section header */
		n = walk_read(&w, &sh, sizeof(sh), off);
		if (n < 0) {
			err = n;
			break;
		}
		if ((size_t)n < sizeof(sh)) {
			r->size = off + n;	/* it shrank */
			break;
		}
		err = buf__append(&meta, &sh, sizeof(sh));
		if (err)
			break;
		avail = r->size - off - sizeof(sh);
		len = min_t(__u64, sh.size, avail);
		if (sh.type == SREC_SEC_RECORDS) {
			err = note_records_cpu(r, &w, off, len);
			if (err)
				break;
		} else {
			if (len > SIZE_MAX - 8 - meta.len) {
				err = -EFBIG;
				break;
			}
			err = buf__reserve(&meta, ALIGN8(len));
			if (err)
				break;
			n = walk_read(&w, meta.data + meta.len, len,
				      off + sizeof(sh));
			if (n < 0) {
				err = n;
				break;
			}
			if ((__u64)n < len) {
				r->size = off + sizeof(sh) + n;
				len = n;
			}
			memset(meta.data + meta.len + len, 0,
			       ALIGN8(len) - len);
			meta.len += ALIGN8(len);
		}
		if (len < sh.size)
			break;	/* truncated: the last section */
		off += sizeof(sh) + ALIGN8(sh.size);
	}
	free(w.win);
	if (err) {
		buf__free(&meta);
		return err;
	}
	/* Give back what doubling reserved beyond the last section. */
	if (meta.len && meta.len < meta.cap) {
		char *p = realloc(meta.data, meta.len);

		if (p)
			meta.data = p;
	}
	r->meta = (unsigned char *)meta.data;
	r->meta_len = meta.len;
	r->walked = r->size;
	return 0;
}

int rec_reader__open(struct rec_reader **rp, const char *path)
{
	struct srec_file_header fh = { 0 };
	struct rec_reader *r;
	struct stat st;
	size_t want;
	ssize_t n;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->path = path;
	r->fd = open_regular(path);
	if (r->fd < 0) {
		err = r->fd;
		free(r);
		return err;
	}
	if (fstat(r->fd, &st)) {
		err = -errno;
		goto err_free;
	}
	r->size = st.st_size;
	want = min_t(__u64, r->size, sizeof(fh));
	n = pread_full(r->fd, &fh, want, 0);
	if (n < 0) {
		err = n;
		goto err_free;
	}
	if ((size_t)n < want)
		r->size = n;	/* it shrank: what was read is the file */
	err = -EBADMSG;
	if (r->size < sizeof(fh)) {
		/*
		 * Cut inside the file header: a recording if what is there
		 * starts like one; it holds no section.
		 */
		if (memcmp(fh.magic, SREC_MAGIC,
			   min_t(__u64, r->size, sizeof(fh.magic))))
			goto err_free;
		r->header_cut = true;
		r->header_size = r->size;
		r->complete_end = r->size;
		r->walked = r->size;
		*rp = r;
		return 0;
	}
	/*
	 * Sections are read in place and hold 64-bit fields: a header size
	 * that is not a multiple of 8 would misalign every one of them.
	 */
	if (memcmp(fh.magic, SREC_MAGIC, sizeof(fh.magic)) ||
	    fh.header_size < sizeof(fh) || fh.header_size > r->size ||
	    fh.header_size % 8)
		goto err_free;
	if (fh.version != SREC_VERSION) {
		err = -EPROTONOSUPPORT;
		goto err_free;
	}
	r->header_size = fh.header_size;
	r->complete_end = fh.header_size;
	err = walk_sections(r);
	if (err)
		goto err_free;
	*rp = r;
	return 0;

err_free:
	rec_reader__close(r);
	return err;
}

void rec_reader__close(struct rec_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->meta);
	free(r->records_cpu);
	free(r->rbuf);
	free(r);
}

const __u32 *rec_reader__records_cpus(const struct rec_reader *r, size_t *nr)
{
	*nr = r->nr_records;
	return r->records_cpu;
}

static int rbuf_reserve(struct rec_reader *r, size_t need)
{
	size_t cap = need;

	if (need <= r->rbuf_cap)
		return 0;
	if (need <= SIZE_MAX - RBUF_STEP)
		cap = (need + RBUF_STEP - 1) / RBUF_STEP * RBUF_STEP;
	/* Nothing in it is kept from one section to the next. */
	free(r->rbuf);
	r->rbuf_cap = 0;
	r->rbuf = malloc(cap);
	if (!r->rbuf)
		return -ENOMEM;
	r->rbuf_cap = cap;
	return 0;
}

/*
 * read_records - read the RECORDS section @s, whose header @sh is as the
 * walk at open read it, into r->rbuf and point s->data there.  A short
 * read is where the file now ends: r->size is lowered to it and @s is
 * truncated there.  Returns 0; 1 when the header is no longer there, or
 * no longer @sh (the walk ends before it); or -errno.
 */
static int read_records(struct rec_reader *r,
			const struct srec_section_header *sh,
			struct rec_section *s)
{
	size_t need;
	ssize_t n;
	int err;

	if (s->size > SIZE_MAX - sizeof(*sh))
		return -EFBIG;
	need = sizeof(*sh) + s->size;
	err = rbuf_reserve(r, need);
	if (err)
		return err;
	n = pread_full(r->fd, r->rbuf, need, s->offset);
	if (n < 0)
		return n;
	if ((size_t)n < sizeof(*sh)) {
		r->size = s->offset + n;
		return 1;
	}
	if (memcmp(r->rbuf, sh, sizeof(*sh)))
		return 1;
	s->data = r->rbuf + sizeof(*sh);
	if ((size_t)n < need) {
		r->size = s->offset + n;
		s->size = n - sizeof(*sh);
		s->truncated = true;
	}
	return 0;
}

/* The walk of both iterators; @records: read and hand out RECORDS too. */
static int iter(struct rec_reader *r, rec_section_cb_t cb, void *ctx,
		bool records)
{
	__u64 off = r->header_size;
	size_t pos = 0;

	r->has_end = false;
	r->complete_end = r->header_size;
	while (pos < r->meta_len && off < r->size) {
		const struct srec_section_header *sh;
		struct rec_section s = { 0 };
		__u64 avail;
		int ret;

		if (r->size - off < sizeof(*sh))
			break;
		sh = (const void *)(r->meta + pos);
		pos += sizeof(*sh);
		avail = r->size - off - sizeof(*sh);
		s.type = sh->type;
		s.flags = sh->flags;
		s.offset = off;
		s.size = sh->size;
		if (sh->size > avail) {
			s.size = avail;
			s.truncated = true;
		}
		if (sh->type == SREC_SEC_RECORDS && records) {
			ret = read_records(r, sh, &s);
			if (ret < 0)
				return ret;
			if (ret)
				break;
		} else if (sh->type != SREC_SEC_RECORDS) {
			/* r->size <= r->walked: s.size is within @meta. */
			s.data = sh + 1;
			pos += ALIGN8(min_t(__u64, sh->size,
					    r->walked - off - sizeof(*sh)));
		}
		if (!s.truncated) {
			/* Only padding may be missing after the last one. */
			off += sizeof(*sh) + ALIGN8(sh->size);
			r->complete_end = off < r->size ? off : r->size;
			if (s.type == SREC_SEC_END)
				r->has_end = true;
		}
		ret = s.type == SREC_SEC_RECORDS && !records ? 0 : cb(&s, ctx);
		if (ret)
			return ret;
		if (s.truncated)
			break;
	}
	return 0;
}

int rec_reader__iter_sections(struct rec_reader *r, rec_section_cb_t cb,
			      void *ctx)
{
	return iter(r, cb, ctx, true);
}

int rec_reader__iter_meta(struct rec_reader *r, rec_section_cb_t cb,
			  void *ctx)
{
	return iter(r, cb, ctx, false);
}

__u64 rec_reader__size(const struct rec_reader *r)
{
	return r->size;
}

__u64 rec_reader__complete_end(const struct rec_reader *r)
{
	return r->complete_end;
}

bool rec_reader__has_end(const struct rec_reader *r)
{
	return r->has_end;
}

bool rec_reader__header_cut(const struct rec_reader *r)
{
	return r->header_cut;
}

const char *rec_reader__path(const struct rec_reader *r)
{
	return r->path;
}

/*
 * Bounds on inflated sections, so that a corrupt or hostile raw size
 * cannot exhaust memory: per section, and (through the caller's budget)
 * for all the sections of a file together.  deflate cannot compress
 * better than about 1032:1, so a raw size beyond that is a lie.
 */
#define MAX_INFLATED	(1ULL << 30)
#define MAX_RATIO	1032

/*
 * The raw size a SREC_SF_ZLIB section claims, once it is checked against
 * the bounds above (-EBADMSG) and what is left of @budget (-EFBIG).
 */
static int zlib_raw_size(const struct rec_section *s, const __u64 *budget,
			 __u64 *raw)
{
	if (s->size < sizeof(*raw))
		return -EBADMSG;
	memcpy(raw, s->data, sizeof(*raw));
	if (*raw > MAX_INFLATED ||
	    *raw / MAX_RATIO > s->size - sizeof(*raw) + 1)
		return -EBADMSG;
	if (budget && *raw > *budget)
		return -EFBIG;
	return 0;
}

int rec_section__payload(const struct rec_section *s, char **out,
			 size_t *len, __u64 *budget)
{
	const unsigned char *src = s->data;
	uLongf dlen;
	__u64 raw;
	char *dst;
	int err;

	if (!(s->flags & SREC_SF_ZLIB)) {
		dst = malloc(s->size + 1);
		if (!dst)
			return -ENOMEM;
		memcpy(dst, src, s->size);
		dst[s->size] = '\0';
		*out = dst;
		*len = s->size;
		return 0;
	}
	err = zlib_raw_size(s, budget, &raw);
	if (err)
		return err;
	dst = malloc(raw + 1);
	if (!dst)
		return -ENOMEM;
	dlen = raw;
	if (uncompress((Bytef *)dst, &dlen, src + sizeof(raw),
		       s->size - sizeof(raw)) != Z_OK || dlen != raw) {
		free(dst);
		return -EBADMSG;
	}
	if (budget)
		*budget -= raw;
	dst[raw] = '\0';
	*out = dst;
	*len = raw;
	return 0;
}

int rec_section__charge(const struct rec_section *s, __u64 *budget)
{
	__u64 raw;
	int err;

	if (!(s->flags & SREC_SF_ZLIB))
		return 0;
	err = zlib_raw_size(s, budget, &raw);
	if (!err)
		*budget -= raw;
	return err;
}

long sonde_record__check(const void *p, __u64 avail, bool *bad)
{
	const struct sonde_record_header *h = p;
	const struct sonde_sample *s = p;
	__u64 payload;

	*bad = false;
	if (avail < sizeof(*h))
		return -EBADMSG;
	if (h->size < sizeof(*h) || h->size % 8 || h->size > avail)
		return -EBADMSG;
	switch (h->type) {
	case SONDE_RECORD_SAMPLE:
		if (h->size < sizeof(*s)) {
			*bad = true;
			break;
		}
		payload = ((__u64)s->nr_kernel + s->nr_user) * 8 +
			  s->user_stack_size;
		if (payload > h->size - sizeof(*s))
			*bad = true;
		break;
	case SONDE_RECORD_LOST:
		if (h->size < sizeof(struct sonde_lost))
			*bad = true;
		break;
	case SONDE_RECORD_FORK:
	case SONDE_RECORD_EXEC:
	case SONDE_RECORD_EXIT:
	case SONDE_RECORD_COMM: {
		const struct sonde_task_event *e = p;

		if (h->size < sizeof(*e) ||
		    e->path_size > h->size - sizeof(*e))
			*bad = true;
		break;
	}
	case SONDE_RECORD_THROTTLE:
	case SONDE_RECORD_UNTHROTTLE:
		if (h->size < sizeof(struct sonde_throttle))
			*bad = true;
		break;
	case SONDE_RECORD_MMAP: {
		const struct sonde_mmap_event *m = p;

		if (h->size < sizeof(*m) ||
		    m->path_size > h->size - sizeof(*m) ||
		    m->build_id_size > SONDE_BUILD_ID_MAX)
			*bad = true;
		break;
	}
	}
	return h->size;
}

int rec_records__iter(const void *data, size_t len, rec_record_cb_t cb,
			  void *ctx, struct rec_record_stats *st)
{
	const char *p = data;
	size_t pos = 0;

	st->stopped_at = -1;
	while (pos < len) {
		const struct sonde_record_header *h = (const void *)(p + pos);
		bool bad;
		long size = sonde_record__check(h, len - pos, &bad);
		int ret;

		if (size < 0) {
			st->stopped_at = pos;
			break;
		}
		pos += size;
		if (bad) {
			st->bad++;
			continue;
		}
		if (h->type < SONDE_RECORD_SAMPLE ||
		    h->type > SONDE_RECORD_UNTHROTTLE) {
			st->unknown++;
			continue;
		}
		st->records++;
		ret = cb(h, ctx);
		if (ret)
			return ret;
	}
	return 0;
}
