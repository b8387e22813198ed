// SPDX-License-Identifier: GPL-2.0
/*
 * Recording layer: writes the sonde recording format
 * (recording.h, docs/recording-format.md).
 *
 * The writer gathers sections in large chunks and hands full chunks to a
 * sink (io_uring writes during a recording, pwrite() elsewhere), so the
 * steady state costs one write per chunk rather than one per sample.
 * Single-threaded: the sink's completions come back through
 * rec_writer__done() on the caller's thread.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "recording/recording.h"
#include "lib/untrusted.h"
#include "lib/util.h"

enum chunk_state { CHUNK_FREE, CHUNK_FILLING, CHUNK_INFLIGHT };

struct chunk {
	char *data;
	size_t len;
	size_t cap;
	enum chunk_state state;
};

struct rec_writer {
	struct rec_sink sink;
	struct chunk *chunks;
	unsigned int nr_chunks;
	size_t chunk_size;
	struct chunk *cur;	/* being filled, or NULL */
	struct chunk big;	/* a section larger than a chunk */
	/* The open RECORDS section in @cur: its header offset and CPU. */
	size_t rec_hdr_off;
	__u32 rec_cpu;
	bool rec_open;
	__u64 off;		/* file offset of the next submitted byte */
	unsigned int inflight;
	int err;		/* first write error: sticky */
	int fd;			/* for the synchronous sink */
};

static int fd_submit(void *ctx, void *buf, size_t len, __u64 off)
{
	struct rec_writer *w = ctx;
	int res = pwrite_all(w->fd, buf, len, off);

	rec_writer__done(w, buf, res);
	return 0;
}

static int fd_wait(void *ctx)
{
	(void)ctx;
	return 0;
}

static void close_records(struct rec_writer *w)
{
	struct srec_section_header *sh;

	if (!w->rec_open)
		return;
	sh = (void *)(w->cur->data + w->rec_hdr_off);
	sh->size = w->cur->len - w->rec_hdr_off - sizeof(*sh);
	w->rec_open = false;
}

static int submit_cur(struct rec_writer *w)
{
	struct chunk *c = w->cur;
	__u64 off = w->off;
	int err;

	if (!c)
		return 0;
	close_records(w);
	w->cur = NULL;
	if (!c->len) {
		c->state = CHUNK_FREE;
		return 0;
	}
	c->state = CHUNK_INFLIGHT;
	w->off += c->len;
	w->inflight++;
	err = w->sink.submit(w->sink.ctx, c->data, c->len, off);
	if (err && !w->err)
		w->err = err;
	return err;
}

static struct chunk *find_free(struct rec_writer *w)
{
	unsigned int i;

	for (i = 0; i < w->nr_chunks; i++)
		if (w->chunks[i].state == CHUNK_FREE)
			return &w->chunks[i];
	return NULL;
}

/* Make @need bytes available at the end of w->cur. */
static int get_room(struct rec_writer *w, size_t need)
{
	struct chunk *c;
	int err;

	if (w->err)
		return w->err;
	if (w->cur && w->cur->cap - w->cur->len >= need)
		return 0;
	err = submit_cur(w);
	if (err)
		return err;
	if (need > w->chunk_size) {
		/* Rare and big (kallsyms): wait for the previous one. */
		while (w->big.state == CHUNK_INFLIGHT) {
			err = w->sink.wait(w->sink.ctx);
			if (err)
				return err;
		}
		free(w->big.data);
		w->big.data = malloc(need);
		if (!w->big.data)
			return -ENOMEM;
		w->big.cap = need;
		c = &w->big;
	} else {
		while (!(c = find_free(w))) {
			err = w->sink.wait(w->sink.ctx);
			if (err)
				return err;
			if (w->err)
				return w->err;
		}
	}
	c->len = 0;
	c->state = CHUNK_FILLING;
	w->cur = c;
	return 0;
}

static void put(struct rec_writer *w, const void *p, size_t len)
{
	memcpy(w->cur->data + w->cur->len, p, len);
	w->cur->len += len;
}

static void put_pad(struct rec_writer *w)
{
	size_t pad = ALIGN8(w->cur->len) - w->cur->len;

	memset(w->cur->data + w->cur->len, 0, pad);
	w->cur->len += pad;
}

void rec_writer__done(struct rec_writer *w, void *buf, int res)
{
	unsigned int i;

	if (res < 0 && !w->err)
		w->err = res;
	w->inflight--;
	if (buf == w->big.data) {
		w->big.state = CHUNK_FREE;
		return;
	}
	for (i = 0; i < w->nr_chunks; i++) {
		if (w->chunks[i].data == buf) {
			w->chunks[i].state = CHUNK_FREE;
			w->chunks[i].len = 0;
		}
	}
}

int rec_writer__new(struct rec_writer **wp, const struct rec_sink *sink,
		    size_t chunk_size, unsigned int nr_chunks)
{
	struct srec_file_header fh = {
		.version = SREC_VERSION,
		.header_size = sizeof(fh),
	};
	struct rec_writer *w;
	unsigned int i;
	int err;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->sink = *sink;
	w->chunk_size = chunk_size;
	w->chunks = calloc(nr_chunks, sizeof(*w->chunks));
	if (!w->chunks)
		goto err_nomem;
	w->nr_chunks = nr_chunks;
	for (i = 0; i < nr_chunks; i++) {
		w->chunks[i].data = malloc(chunk_size);
		if (!w->chunks[i].data)
			goto err_nomem;
		w->chunks[i].cap = chunk_size;
	}
	/*
	 * The file header goes first.  A reader learns that a recording is
	 * complete from its END section, and record writes it under a
	 * temporary name renamed only at the end.
	 */
	memcpy(fh.magic, SREC_MAGIC, sizeof(fh.magic));
	err = get_room(w, sizeof(fh));
	if (err) {
		rec_writer__free(w);
		return err;
	}
	put(w, &fh, sizeof(fh));
	*wp = w;
	return 0;

err_nomem:
	rec_writer__free(w);
	return -ENOMEM;
}

void rec_writer__prefault(struct rec_writer *w)
{
	unsigned int i;

	/*
	 * In flight, a chunk is the sink's; filling, its first @len bytes
	 * are the recording's (the file header, at first).
	 */
	for (i = 0; i < w->nr_chunks; i++) {
		struct chunk *c = &w->chunks[i];

		if (c->state != CHUNK_INFLIGHT)
			memset(c->data + c->len, 0, c->cap - c->len);
	}
}

int rec_writer__new_fd(struct rec_writer **wp, int fd)
{
	struct rec_sink sink = { fd_submit, fd_wait, NULL };
	int err;

	err = rec_writer__new(wp, &sink, 1 << 20, 1);
	if (err)
		return err;
	(*wp)->fd = fd;
	(*wp)->sink.ctx = *wp;
	return 0;
}

void rec_writer__free(struct rec_writer *w)
{
	unsigned int i;

	if (!w)
		return;
	for (i = 0; w->chunks && i < w->nr_chunks; i++)
		free(w->chunks[i].data);
	free(w->chunks);
	free(w->big.data);
	free(w);
}

int rec_writer__add_section(struct rec_writer *w, __u32 type, __u32 flags,
			    const void *payload, size_t len)
{
	struct srec_section_header sh = { type, flags, len };
	int err;

	err = get_room(w, sizeof(sh) + ALIGN8(len));
	if (err)
		return err;
	close_records(w);
	put(w, &sh, sizeof(sh));
	put(w, payload, len);
	put_pad(w);
	return 0;
}

int rec_writer__add_section_z(struct rec_writer *w, __u32 type, __u32 flags,
			      const void *payload, size_t len)
{
	uLongf zlen = compressBound(len);
	char *z;
	int err;

	z = malloc(sizeof(__u64) + zlen);
	if (!z)
		return -ENOMEM;
	*(__u64 *)z = len;
	/* Speed over size: this runs while the user waits for the end. */
	if (compress2((Bytef *)z + sizeof(__u64), &zlen, payload, len,
		      Z_BEST_SPEED) != Z_OK) {
		free(z);
		return -EIO;
	}
	err = rec_writer__add_section(w, type, flags | SREC_SF_ZLIB, z,
				      sizeof(__u64) + zlen);
	free(z);
	return err;
}

int rec_writer__append_records(struct rec_writer *w, __u32 cpu,
			       const void *data, size_t len)
{
	struct srec_section_header sh = { SREC_SEC_RECORDS, 0, 0 };
	struct srec_records rh = { .cpu = cpu };
	int err;

	if (w->err)
		return w->err;
	if (w->rec_open && w->rec_cpu == cpu &&
	    w->cur->cap - w->cur->len >= len) {
		put(w, data, len);
		return 0;
	}
	err = get_room(w, sizeof(sh) + sizeof(rh) + ALIGN8(len));
	if (err)
		return err;
	close_records(w);
	w->rec_hdr_off = w->cur->len;
	w->rec_cpu = cpu;
	w->rec_open = true;
	put(w, &sh, sizeof(sh));
	put(w, &rh, sizeof(rh));
	put(w, data, len);
	/* Ring records are multiples of 8; keep the section aligned anyway. */
	put_pad(w);
	return 0;
}

int rec_writer__flush(struct rec_writer *w)
{
	if (w->err)
		return w->err;
	return submit_cur(w);
}

int rec_writer__finish(struct rec_writer *w)
{
	int err = submit_cur(w);

	while (w->inflight) {
		int werr = w->sink.wait(w->sink.ctx);

		if (werr) {
			err = err ? err : werr;
			break;
		}
	}
	return err ? err : w->err;
}

__u64 rec_writer__bytes(const struct rec_writer *w)
{
	return w->off + (w->cur ? w->cur->len : 0);
}

void srec_session__set_host(struct srec_session *ss)
{
	struct utsname u;

	if (uname(&u))
		return;
	snprintf(ss->sysname, sizeof(ss->sysname), "%s", u.sysname);
	snprintf(ss->nodename, sizeof(ss->nodename), "%s", u.nodename);
	snprintf(ss->release, sizeof(ss->release), "%s", u.release);
	snprintf(ss->version, sizeof(ss->version), "%s", u.version);
	snprintf(ss->machine, sizeof(ss->machine), "%s", u.machine);
}
