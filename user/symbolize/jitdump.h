/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbolize layer: jitdumps, the binary log a JIT compiler keeps of the
 * code it writes (names, moves and source lines, each with the time it
 * happened), and a recording's jitdumps by process.
 *
 * The format is the one of the Linux kernel's
 * tools/perf/Documentation/jitdump-specification.txt: a header (magic
 * "JiTD" 0x4A695444 in the writer's byte order, version 1, its own size,
 * ELF machine, pid, timestamp, flags), then records, each with an id, its
 * total size and a timestamp:
 *
 *   CODE_LOAD (0)        pid, tid, vma, code address, size, index, name,
 *                        then the code itself
 *   CODE_MOVE (1)        pid, tid, vma, old and new address, size, index
 *   CODE_DEBUG_INFO (2)  code address, entries (address, line, column
 *                        discriminator, file name; "\xff" for the previous
 *                        one's), for the next CODE_LOAD of that address
 *   CODE_CLOSE (3)       the end
 *   CODE_UNWINDING_INFO (4) .eh_frame data: skipped
 *
 * Timestamps are the JIT's reading of CLOCK_MONOTONIC, the clock sonde
 * samples with, so a sample is named by the code that was at its address
 * at its time: the code loaded there last before the sample and not moved
 * away since.  Dumps with JITDUMP_FLAGS_ARCH_TIMESTAMP (TSC) are refused.
 *
 * The data is untrusted (the process being profiled wrote it): every size
 * is checked against the record and the record against the data; a last
 * record cut short (the JIT was still writing it) ends parsing cleanly;
 * any other record whose sizes do not fit is skipped and counted.
 *
 * Single-threaded; nothing here is global.
 */
#ifndef SONDE_JITDUMP_H
#define SONDE_JITDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "recording/session.h"

#define JITDUMP_MAGIC		0x4A695444U
#define JITDUMP_VERSION		1
#define JITDUMP_FLAGS_ARCH_TIMESTAMP	(1ULL << 0)

enum jitdump_record_id {
	JITDUMP_CODE_LOAD = 0,
	JITDUMP_CODE_MOVE = 1,
	JITDUMP_CODE_DEBUG_INFO = 2,
	JITDUMP_CODE_CLOSE = 3,
	JITDUMP_CODE_UNWINDING_INFO = 4,
};

/*
 * Code placements that start below an address and still cover it, looked
 * at per lookup: a hostile dump cannot make a lookup cost more.
 */
#define JITDUMP_MAX_SCAN	4096

/*
 * struct jitdump_stats - what parsing one dump found.
 * @loads, @moves, @debug_infos, @unwinding_infos: records used
 * @unknown: records of another id, skipped (later versions add some)
 * @bad: records whose sizes do not fit, or a move of unknown code
 * @truncated: the last record was cut short
 */
struct jitdump_stats {
	__u64 loads;
	__u64 moves;
	__u64 debug_infos;
	__u64 unwinding_infos;
	__u64 unknown;
	__u64 bad;
	bool truncated;
};

/*
 * struct jitdump_hit - what a lookup found.
 * @name: the code's name (NUL-terminated, not yet made printable)
 * @start: where that code was at the time looked up
 * @code: which load it is, from 0, in dump order: code loaded twice at
 *	one address is two codes
 * @file, @line: source line from CODE_DEBUG_INFO; NULL and 0 if none
 */
struct jitdump_hit {
	const char *name;
	__u64 start;
	__u32 code;
	const char *file;
	__u32 line;
};

struct jitdump;

/*
 * jitdump__parse - the dump in @data (@len bytes) into *@jd, what was
 * skipped into @st.  Returns 0, -EBADMSG (not a jitdump: bad magic, or a
 * header too short), -EPROTONOSUPPORT (another version or byte order),
 * -EOPNOTSUPP (TSC timestamps), or -ENOMEM.  Bad records are no error.
 */
int jitdump__parse(struct jitdump **jd, const void *data, size_t len,
		   struct jitdump_stats *st);
void jitdump__free(struct jitdump *jd);

/*
 * jitdump__lookup - the code at @addr at time @time_ns: the latest loaded
 * there before it, not moved away since; when none was yet, the first
 * loaded there after (the record may be written after the code first
 * ran).  False when no code ever covered @addr.
 */
bool jitdump__lookup(const struct jitdump *jd, __u64 addr, __u64 time_ns,
		     struct jitdump_hit *hit);

/* Code loads the dump holds (for tests and statistics). */
size_t jitdump__nr_codes(const struct jitdump *jd);

/*
 * A recording's jitdumps (SREC_SEC_JITDUMP) by process, each parsed once;
 * a process with several keeps the last.
 */
struct jitdumps;

/*
 * jitdumps__load - parse every jitdump of @s.  A dump refused or with
 * skipped records is named in one line on stderr.  0 or -ENOMEM.
 */
int jitdumps__load(struct jitdumps **jds, struct session *s);
void jitdumps__free(struct jitdumps *jds);

/*
 * jitdumps__find - the jitdump of process @pid and in *@path the file it
 * was read from, valid as long as @jds; NULL when @pid has none.
 */
const struct jitdump *jitdumps__find(const struct jitdumps *jds, __u32 pid,
				     const char **path);

#endif /* SONDE_JITDUMP_H */
