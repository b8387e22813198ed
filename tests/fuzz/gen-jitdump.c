// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seeds of the jitdump fuzz target (make-seeds.sh runs it):
 * small valid jitdumps, written as a JIT writes them with the test
 * helpers of ../user/jitdump-writer.h, one per kind of record and case
 * the parser and its lookups tell apart:
 *
 *   load       two loads, a record of an unknown id, CODE_CLOSE
 *   move       a load moved away, another load where it was
 *   debug      debug info with several lines (two files, "\xff" for the
 *              previous one's, out of address order) for the next load,
 *              and some for an address no load follows
 *   unwind     a load and its unwinding info
 *   truncated  a load with debug info, then a load cut short
 *   reuse      code loaded at one address at two times, each with lines
 *
 * Usage: gen-jitdump OUTDIR
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jitdump-writer.h"

static const struct jd_entry lines_a[] = {
	{ 0x1010, 12, "/app/a.js" },
	{ 0x1000, 10, "/app/a.js" },
	{ 0x1008, 11, NULL },
	{ 0x1020, 3, "/app/b.js" },
};

static const struct jd_entry lines_b[] = {
	{ 0x1000, 40, "/app/c.js" },
	{ 0x1018, 41, NULL },
};

/* A record of @id with no body (jd_record() would append NULL). */
static void jd_empty(struct buf *b, __u32 id, __u64 t)
{
	put32(b, id);
	put32(b, 16);
	put64(b, t);
}

static void seed_load(struct buf *b)
{
	jd_load(b, 100, 0x1000, NULL, 0x20, 1, "LazyCompile:~main /app/a.js:1");
	jd_load(b, 110, 0x1020, NULL, 0x10, 2, "Function:foo");
	jd_empty(b, 99, 120);
	jd_empty(b, JITDUMP_CODE_CLOSE, 130);
}

static void seed_move(struct buf *b)
{
	jd_load(b, 100, 0x1000, NULL, 0x20, 1, "mover");
	jd_move(b, 120, 1, 0x1000, 0x3000, 0x20);
	jd_load(b, 130, 0x1000, NULL, 0x10, 2, "after");
}

static void seed_debug(struct buf *b)
{
	jd_debug(b, 99, 0x1000, lines_a, ARRAY_SIZE(lines_a));
	jd_load(b, 100, 0x1000, NULL, 0x30, 1, "lines");
	jd_debug(b, 101, 0x9000, lines_b, ARRAY_SIZE(lines_b));
	jd_load(b, 102, 0x2000, NULL, 0x10, 2, "none");
}

static void seed_unwind(struct buf *b)
{
	jd_load(b, 100, 0x1000, NULL, 0x20, 1, "unwound");
	jd_unwinding(b, 101, 16, 8, 16);
}

static void seed_truncated(struct buf *b)
{
	jd_debug(b, 99, 0x1000, lines_b, ARRAY_SIZE(lines_b));
	jd_load(b, 100, 0x1000, NULL, 0x20, 1, "whole");
	jd_load(b, 110, 0x2000, NULL, 0x20, 2, "cut");
	/* The JIT was still writing it: its code is missing. */
	b->len -= 0x18;
}

static void seed_reuse(struct buf *b)
{
	jd_debug(b, 99, 0x1000, lines_a, ARRAY_SIZE(lines_a));
	jd_load(b, 100, 0x1000, NULL, 0x30, 1, "old");
	jd_debug(b, 199, 0x1000, lines_b, ARRAY_SIZE(lines_b));
	jd_load(b, 200, 0x1000, NULL, 0x20, 2, "new");
}

static int write_seed(const char *dir, const char *name,
		      void (*fill)(struct buf *b))
{
	struct buf b = { 0 };
	char path[4096];
	FILE *f;
	int err = 0;

	jd_header(&b, JITDUMP_MAGIC, JITDUMP_VERSION, 0);
	fill(&b);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(b.data, 1, b.len, f) != b.len)
		err = -errno ?: -EIO;
	if (f && fclose(f) && !err)
		err = -errno;
	buf__free(&b);
	return err;
}

int main(int argc, char **argv)
{
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-jitdump OUTDIR\n");
		return 2;
	}
	err = write_seed(argv[1], "load", seed_load) ?:
	      write_seed(argv[1], "move", seed_move) ?:
	      write_seed(argv[1], "debug", seed_debug) ?:
	      write_seed(argv[1], "unwind", seed_unwind) ?:
	      write_seed(argv[1], "truncated", seed_truncated) ?:
	      write_seed(argv[1], "reuse", seed_reuse);
	if (err) {
		fprintf(stderr, "gen-jitdump: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
