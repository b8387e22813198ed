/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbolize layer: perf maps, the names a JIT compiler gives the code it
 * writes into anonymous memory, and a recording's perf maps by process.
 *
 * The format is the one of the Linux kernel's
 * tools/perf/Documentation/jit-interface.txt: the JIT appends to
 * /tmp/perf-PID.map (PID in its own pid namespace) one line per piece of
 * code,
 *
 *   START SIZE symbolname
 *
 * START and SIZE hex numbers without 0x (some JITs write one: accepted),
 * symbolname the rest of the line, spaces included.  Code that is freed
 * and its memory reused gets a later line for the same addresses: for
 * each address the last line that covers it wins, as in perf.
 *
 * The text is untrusted (the process being profiled wrote it): lines
 * longer than PERFMAP_MAX_LINE, lines holding a NUL, lines that are not
 * START SIZE name, and empty or wrapping ranges are skipped and counted;
 * an entry that a later one covers, wholly or in part, keeps only the
 * addresses no later entry claims, and is counted too.  Parsing is
 * O(n log n) in the lines, whatever their order.
 *
 * Single-threaded; nothing here is global.
 */
#ifndef SONDE_PERFMAP_H
#define SONDE_PERFMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "recording/session.h"

/* Longest line used, newline excluded: longer ones are skipped. */
#define PERFMAP_MAX_LINE	4096

/*
 * struct perfmap_stats - what parsing one file found.
 * @lines: lines read, empty ones excluded
 * @entries: lines used
 * @bad: lines skipped: not START SIZE name, a NUL byte, SIZE 0, or a
 *	range past the end of the address space
 * @too_long: lines skipped for being longer than PERFMAP_MAX_LINE
 * @overlapped: entries a later entry overlaps: those addresses are the
 *	later one's
 */
struct perfmap_stats {
	__u64 lines;
	__u64 entries;
	__u64 bad;
	__u64 too_long;
	__u64 overlapped;
};

struct perfmap;

/*
 * perfmap__parse - the perf map in @text (@len bytes, NUL bytes allowed;
 * the last line may lack its newline) into *@pm, and what was skipped
 * into @st.  Returns 0 or -ENOMEM; garbage is never an error.
 */
int perfmap__parse(struct perfmap **pm, const char *text, size_t len,
		   struct perfmap_stats *st);
void perfmap__free(struct perfmap *pm);

/*
 * perfmap__lookup - the entry covering @addr: its name (NUL-terminated,
 * not yet made printable) and start; false when none does.  O(log n).
 */
bool perfmap__lookup(const struct perfmap *pm, __u64 addr,
		     const char **name, __u64 *start);

/* Disjoint address ranges the map names (for tests and statistics). */
size_t perfmap__nr_ranges(const struct perfmap *pm);

/*
 * A recording's perf maps (SREC_SEC_PERFMAP) by process, each parsed
 * once; a process with several keeps the last.
 */
struct perfmaps;

/*
 * perfmaps__load - parse every perf map of @s.  A file with skipped
 * lines is named in one line on stderr with the counts.  Returns 0 or
 * -ENOMEM.
 */
int perfmaps__load(struct perfmaps **pms, struct session *s);
void perfmaps__free(struct perfmaps *pms);

/*
 * perfmaps__find - the perf map of process @pid (as samples name it) and
 * in *@path the file it was read from ("/tmp/perf-NSPID.map", under
 * "/proc/PID/root" when the process's pid namespace was not the
 * recorder's), valid as long as @pms; NULL when @pid has none.
 */
const struct perfmap *perfmaps__find(const struct perfmaps *pms, __u32 pid,
				     const char **path);

#endif /* SONDE_PERFMAP_H */
