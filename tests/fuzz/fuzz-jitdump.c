// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the jitdump parser (symbolize/jitdump.c), on the bytes a
 * JIT wrote, as a report hands them over from a JITDUMP section.  The
 * input is the whole dump.  Afterwards the code its first records place
 * (CODE_LOAD, CODE_MOVE) and the lines they describe (CODE_DEBUG_INFO)
 * are looked up at their edges, each just before, at and just after the
 * record's time, and so is an address from the input's last 8 bytes:
 * every hit must cover its address and name strings that end.
 */
#include <errno.h>
#include <stdlib.h>

#include "fuzz.h"
#include "symbolize/jitdump.h"

#define HEADER_SIZE	40
#define RECORD_SIZE	16

static __u64 get64(const uint8_t *p)
{
	__u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static __u32 get32(const uint8_t *p)
{
	__u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void look(const struct jitdump *jd, __u64 addr, __u64 time_ns)
{
	struct jitdump_hit hit;

	if (!jitdump__lookup(jd, addr, time_ns, &hit))
		return;
	if (hit.start > addr || hit.code >= jitdump__nr_codes(jd) ||
	    (!hit.file && hit.line))
		abort();
	fuzz_sink = strlen(hit.name) + (hit.file ? strlen(hit.file) : 0);
}

/* Around @start and @start + @size, at @t - 1, @t and @t + 1. */
static void look_range(const struct jitdump *jd, __u64 start, __u64 size,
		       __u64 t)
{
	const __u64 addrs[] = { start - 1, start, start + size - 1,
				start + size };
	unsigned int i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 3; j++)
			look(jd, addrs[i], t - 1 + j);
}

/* The records as the parser would walk them, the first 256 of them. */
static void look_records(const struct jitdump *jd, const uint8_t *p,
			 size_t len)
{
	size_t off = get32(p + 8);
	unsigned int nr = 0;

	while (off < len && len - off >= RECORD_SIZE && nr++ < 256) {
		const uint8_t *r = p + off + RECORD_SIZE;
		__u32 id = get32(p + off), size = get32(p + off + 4);
		__u64 t = get64(p + off + 8);

		if (size < RECORD_SIZE || size > len - off)
			break;
		if (id == JITDUMP_CODE_LOAD && size >= RECORD_SIZE + 32)
			look_range(jd, get64(r + 16), get64(r + 24), t);
		else if (id == JITDUMP_CODE_MOVE && size >= RECORD_SIZE + 40)
			look_range(jd, get64(r + 24), get64(r + 32), t);
		else if (id == JITDUMP_CODE_DEBUG_INFO &&
			 size >= RECORD_SIZE + 24)
			/* The code's address and the first entry's. */
			look_range(jd, get64(r), get64(r + 16) - get64(r), t);
		off += size;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jitdump_stats st;
	struct jitdump *jd = NULL;
	int err;

	err = jitdump__parse(&jd, data, size, &st);
	if (err) {
		if (jd || err == -ENOMEM)
			abort();
		return 0;
	}
	if (st.loads != jitdump__nr_codes(jd))
		abort();
	look(jd, 0, 0);
	look(jd, ~0ULL, ~0ULL);
	look(jd, fuzz_tail64(data, size), 0);
	look(jd, fuzz_tail64(data, size), ~0ULL);
	if (size >= HEADER_SIZE)
		look_records(jd, data, size);
	jitdump__free(jd);
	return 0;
}
