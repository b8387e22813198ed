/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CLI layer: sonde test's checks that record: the tool records a copy of
 * itself running a built-in workload (sonde test --workload NAME, a
 * hidden mode) and reads the recording back through the profile layer,
 * as report would, to see that the workload's known call chain, or its
 * JIT code named by a perf map, comes out.  It needs both the record and
 * the profile layers, which only cli/ may join.
 *
 * Single-threaded.  Each check makes its own directory under $TMPDIR (or
 * /tmp) and removes it; stderr is redirected into a file there while the
 * recorder runs, and restored.  Nothing here is global.
 */
#ifndef SONDE_CLI_SELFTEST_H
#define SONDE_CLI_SELFTEST_H

#include "record/recorder.h"
#include "record/selfcheck.h"

/*
 * The workloads' functions, leaf first, that the checks look for by
 * name: not static, not inlined nor cloned (noipa), so that the symbol
 * table names each one as it is here.  sonde_selftest_fp_*() keep a
 * frame pointer and sonde_selftest_cfi_*() do not, whatever the build's
 * flags: the chain of the latter comes out only through DWARF CFI.
 * Each leaf spins through @n iterations and returns a value derived from
 * them; each outer loops until @cpu_ns of the thread's CPU time passed.
 */
unsigned long sonde_selftest_fp_leaf(unsigned long n);
unsigned long sonde_selftest_fp_middle(unsigned long n);
unsigned long sonde_selftest_fp_outer(unsigned long n, __u64 cpu_ns);
unsigned long sonde_selftest_cfi_leaf(unsigned long n);
unsigned long sonde_selftest_cfi_middle(unsigned long n);
unsigned long sonde_selftest_cfi_outer(unsigned long n, __u64 cpu_ns);
/* Calls the JIT code @fn (where there is one) until @cpu_ns passed. */
unsigned long sonde_selftest_jit_caller(int (*fn)(int), __u64 cpu_ns);

/*
 * selftest__workload - run workload @name ("fp", "dwarf" or "jit") for a
 * fixed amount of this thread's CPU time.  "jit" copies a loop into
 * anonymous executable memory, names it "sonde_selftest_jit" in
 * /tmp/perf-PID.map and calls it; that file stays for the recording to
 * read (the caller of the jit check removes it).  Returns 0, -EINVAL for
 * an unknown @name, -EOPNOTSUPP for "jit" on an architecture it has no
 * code for, or the -errno of mapping the code or writing the map.
 */
int selftest__workload(const char *name);

/*
 * struct selftest_expect - a recorded check: run @workload under
 * @callgraph and look in the samples of its process for @chain (@nr
 * function names, leaf first, one caller after the other).  With @jit
 * the leaf must also be JIT code named by the process's perf map.
 */
struct selftest_expect {
	const char *workload;
	enum recorder_callgraph callgraph;
	const char *const *chain;
	unsigned int nr;
	bool jit;
};

/*
 * selftest__recorded - record @exe (this sonde: its path) running
 * @e->workload, read the recording back, and judge into @r: ok when
 * at least half of the samples in @e->chain[0] have the whole chain
 * above them; skip when @exe has no symbol table (stripped) or, for the
 * JIT, this architecture has no code.  The recorder's messages go into
 * @r's detail.  Returns 0 or -ENOMEM (which is not a verdict).
 */
int selftest__recorded(const char *exe, const struct selftest_expect *e,
		       struct selfcheck_result *r);

#endif /* SONDE_CLI_SELFTEST_H */
