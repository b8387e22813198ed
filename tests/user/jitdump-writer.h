/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers: writing jitdumps as a JIT does (format: the Linux
 * kernel's tools/perf/Documentation/jitdump-specification.txt).
 */
#ifndef SONDE_TEST_JITDUMP_WRITER_H
#define SONDE_TEST_JITDUMP_WRITER_H

#include "lib/util.h"
#include "symbolize/jitdump.h"

static inline void put32(struct buf *b, __u32 v)
{
	buf__append(b, &v, sizeof(v));
}

static inline void put64(struct buf *b, __u64 v)
{
	buf__append(b, &v, sizeof(v));
}

static inline void jd_header(struct buf *b, __u32 magic, __u32 version,
		      __u64 flags)
{
	put32(b, magic);
	put32(b, version);
	put32(b, 40);		/* total_size */
	put32(b, 62);		/* EM_X86_64 */
	put32(b, 0);
	put32(b, 1234);
	put64(b, 1);
	put64(b, flags);
}

/* A record of @id at @t whose body is @body. */
static inline void jd_record(struct buf *b, __u32 id, __u64 t,
		      const struct buf *body)
{
	put32(b, id);
	put32(b, 16 + body->len);
	put64(b, t);
	buf__append(b, body->data, body->len);
}

static inline void jd_load(struct buf *b, __u64 t, __u64 addr, const void *code,
		    __u64 size, __u64 index, const char *name)
{
	struct buf r = { 0 };

	put32(&r, 1234);
	put32(&r, 1234);
	put64(&r, addr);
	put64(&r, addr);
	put64(&r, size);
	put64(&r, index);
	buf__append(&r, name, strlen(name) + 1);
	if (code) {
		buf__append(&r, code, size);
	} else {
		buf__reserve(&r, size);
		memset(r.data + r.len, 0x90, size);
		r.len += size;
	}
	jd_record(b, JITDUMP_CODE_LOAD, t, &r);
	buf__free(&r);
}

static inline void jd_move(struct buf *b, __u64 t, __u64 index, __u64 from,
		    __u64 to, __u64 size)
{
	struct buf r = { 0 };

	put32(&r, 1234);
	put32(&r, 1234);
	put64(&r, to);
	put64(&r, from);
	put64(&r, to);
	put64(&r, size);
	put64(&r, index);
	jd_record(b, JITDUMP_CODE_MOVE, t, &r);
	buf__free(&r);
}

struct jd_entry {
	__u64 addr;
	__u32 line;
	const char *file;	/* NULL: "\xff", the previous one's */
};

static inline void jd_debug(struct buf *b, __u64 t, __u64 addr,
		     const struct jd_entry *e, unsigned int n)
{
	struct buf r = { 0 };
	unsigned int i;

	put64(&r, addr);
	put64(&r, n);
	for (i = 0; i < n; i++) {
		put64(&r, e[i].addr);
		put32(&r, e[i].line);
		put32(&r, 0);
		if (e[i].file)
			buf__append(&r, e[i].file, strlen(e[i].file) + 1);
		else
			buf__append(&r, "\xff", 2);
	}
	jd_record(b, JITDUMP_CODE_DEBUG_INFO, t, &r);
	buf__free(&r);
}

static inline void jd_unwinding(struct buf *b, __u64 t, __u64 size, __u64 hdr,
			 size_t data)
{
	struct buf r = { 0 };

	put64(&r, size);
	put64(&r, hdr);
	put64(&r, size);
	buf__reserve(&r, data);
	memset(r.data + r.len, 0, data);
	r.len += data;
	jd_record(b, JITDUMP_CODE_UNWINDING_INFO, t, &r);
	buf__free(&r);
}

#endif /* SONDE_TEST_JITDUMP_WRITER_H */
