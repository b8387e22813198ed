// SPDX-License-Identifier: GPL-2.0
/*
 * Recording layer: reads the sonde recording format
 * (recording.h, docs/recording-format.md).
 *
 * The reader never trusts a size it has not bounded by the bytes actually
 * present.  It reads the whole file into memory rather than mapping it
 * (see read_whole()).  Single-threaded; nothing here is global.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "recording/recording.h"
#include "lib/untrusted.h"
#include "lib/util.h"

struct rec_reader {
	const char *path;
	unsigned char *map;	/* the whole file, read into memory */
	__u64 size;
	__u64 header_size;	/* where sections start */
	__u64 complete_end;
	bool has_end;
	bool header_cut;
};

/*
 * The file is read, not mapped: a file that shrinks while mapped kills
 * the reader with SIGBUS, and a recording is untrusted input.  What the
 * reads return is what the file holds for this reader, even if it
 * changes meanwhile.
 */
static int read_whole(int fd, __u64 size, unsigned char **out, __u64 *got)
{
	unsigned char *p;
	__u64 done = 0;

	if (size > SIZE_MAX - 1)
		return -EFBIG;
	p = malloc(size + 1);
	if (!p)
		return -ENOMEM;
	/* Recordings run to gigabytes: fault them in 2 MiB at a time. */
	if (size >= (4U << 20))
		madvise((void *)((unsigned long)p & ~4095UL), size,
			MADV_HUGEPAGE);
	while (done < size) {
		ssize_t n = read(fd, p + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(p);
			return err;
		}
		if (!n)
			break;	/* it shrank: what was read is the file */
		done += n;
	}
	*out = p;
	*got = done;
	return 0;
}

int rec_reader__open(struct rec_reader **rp, const char *path)
{
	struct srec_file_header fh = { 0 };
	struct rec_reader *r;
	struct stat st;
	int fd, err;

	fd = open_regular(path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return -ENOMEM;
	}
	r->path = path;
	err = read_whole(fd, st.st_size, &r->map, &r->size);
	close(fd);
	if (err) {
		free(r);
		return err;
	}
	memcpy(&fh, r->map, min_t(__u64, r->size, sizeof(fh)));
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
	*rp = r;
	return 0;

err_free:
	free(r->map);
	free(r);
	return err;
}

void rec_reader__close(struct rec_reader *r)
{
	if (!r)
		return;
	free(r->map);
	free(r);
}

int rec_reader__iter_sections(struct rec_reader *r, rec_section_cb_t cb,
				 void *ctx)
{
	__u64 off = r->header_size;

	r->has_end = false;
	while (off < r->size) {
		const struct srec_section_header *sh;
		struct rec_section s = { 0 };
		__u64 avail;
		int ret;

		if (r->size - off < sizeof(*sh))
			break;
		sh = (const void *)(r->map + off);
		avail = r->size - off - sizeof(*sh);
		s.type = sh->type;
		s.flags = sh->flags;
		s.data = sh + 1;
		s.offset = off;
		s.size = sh->size;
		if (sh->size > avail) {
			s.size = avail;
			s.truncated = true;
		}
		if (!s.truncated) {
			/* Only padding may be missing after the last one. */
			off += sizeof(*sh) + ALIGN8(sh->size);
			r->complete_end = off < r->size ? off : r->size;
			if (s.type == SREC_SEC_END)
				r->has_end = true;
		}
		ret = cb(&s, ctx);
		if (ret)
			return ret;
		if (s.truncated)
			break;
	}
	return 0;
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

int rec_section__payload(const struct rec_section *s, char **out,
			 size_t *len, __u64 *budget)
{
	const unsigned char *src = s->data;
	uLongf dlen;
	__u64 raw;
	char *dst;

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
	if (s->size < sizeof(raw))
		return -EBADMSG;
	memcpy(&raw, src, sizeof(raw));
	if (raw > MAX_INFLATED ||
	    raw / MAX_RATIO > s->size - sizeof(raw) + 1)
		return -EBADMSG;
	if (budget && raw > *budget)
		return -EFBIG;
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
		if (h->type != SONDE_RECORD_SAMPLE &&
		    h->type != SONDE_RECORD_LOST) {
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
