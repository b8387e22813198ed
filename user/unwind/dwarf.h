/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unwind layer: DWARF unwinding of a sample's user stack copy.
 *
 * In dwarf mode the module copies the user registers (ip, sp, bp) and
 * some bytes of user stack from sp upward; the call chain is rebuilt
 * later, here, from each mapped file's call frame information (.eh_frame,
 * else .debug_frame), because code built without frame pointers (most of
 * a distribution) hides its callers from a frame-pointer walk.  elfutils'
 * libdwfl does the unwinding; this feeds it one process snapshot's
 * mappings as modules, the copied stack as the only readable memory, and
 * keeps the per-snapshot and per-file state it builds so that a sample
 * costs only its frames.
 *
 * x86-64 only.  Single-threaded: one unwinder serves one session's
 * samples one at a time (libdwfl's callbacks find the sample through it).
 */
#ifndef SONDE_UNWIND_DWARF_H
#define SONDE_UNWIND_DWARF_H

#include <linux/types.h>

struct dwarf_unwinder;
struct proc;
struct map;

/*
 * struct unwind_file_ops - how the unwinder gets at the mapped files
 * @open: open the ELF file behind mapping @m of process @pid for reading:
 *	the caller resolves paths (--symfs, a container's root, the recorded
 *	vDSO image for "[vdso]"...).  Returns a descriptor the unwinder then
 *	owns (and closes), or -errno: the mapping's code is then unwound
 *	without CFI, by frame pointer.  Called for every mapping whose path
 *	is not anonymous memory ("", "//anon", "[...]" other than "[vdso]"),
 *	once per snapshot the unwinder builds state for.  The file is refused when it is not an
 *	x86-64 executable or shared object, when @m's build-id is recorded
 *	and differs from the file's, or when @m's offset is not in one of its
 *	loadable segments.
 * @ctx: passed to @open
 */
struct unwind_file_ops {
	int (*open)(void *ctx, __u32 pid, const struct map *m);
	void *ctx;
};

/*
 * dwarf_unwinder__new - an unwinder reading files through @ops (copied).
 * Returns 0, -EINVAL (no @ops->open) or -ENOMEM.
 */
int dwarf_unwinder__new(struct dwarf_unwinder **u,
			const struct unwind_file_ops *ops);
void dwarf_unwinder__free(struct dwarf_unwinder *u);

/* A sample's user registers, as the module recorded them. */
struct unwind_regs {
	__u64 ip;
	__u64 sp;
	__u64 bp;
};

/*
 * enum unwind_stop - why an unwind ended
 * @UNWIND_STOP_END: the outermost frame was reached (its CFI leaves the
 *	return address undefined, as _start's and clone's do, or it is 0)
 * @UNWIND_STOP_STACK: the next return address lies above the end of the
 *	stack copy (within 8 MiB of it): a longer copy would have gone on
 * @UNWIND_STOP_NO_INFO: no way further: no CFI for the pc that libdw
 *	could use and no usable frame pointer, or memory below the copy or
 *	far above it was needed
 * @UNWIND_STOP_MAX: @max pcs were written (more may have followed)
 * @UNWIND_STOP_ERROR: the unwind went wrong: a frame whose stack pointer
 *	was not above the previous one's (a loop, or garbage; the frame is
 *	dropped), or libdwfl failed before the first frame (out of memory:
 *	pcs[0] is then regs->ip alone)
 */
enum unwind_stop {
	UNWIND_STOP_END,
	UNWIND_STOP_STACK,
	UNWIND_STOP_NO_INFO,
	UNWIND_STOP_MAX,
	UNWIND_STOP_ERROR,
};

/*
 * dwarf_unwinder__unwind - the call chain of one sample of @proc, taken
 * while snapshot @gen described it: its mappings are
 * proc->snaps[@gen].maps (executable ones, sorted by start).  Unwinds from
 * @regs through @stack: the @stack_size bytes that were at regs->sp (NULL
 * with 0).  Registers, stack bytes, mappings and files may all be
 * garbage; the result is then short, never a crash.
 *
 * Writes at most @max pcs into @pcs, leaf first: pcs[0] is regs->ip, the
 * others are return addresses as found on the stack (to look up at - 1).
 * Returns how many were written (>= 1) and sets *@stop, or returns
 * -EINVAL (@gen out of range, @max 0) or -ENOMEM.
 *
 * The state built for (@proc, @gen) is kept for later samples (a few
 * dozen snapshots, least recently used out first): @proc must stay
 * allocated and its snapshots unchanged while @u lives.
 */
int dwarf_unwinder__unwind(struct dwarf_unwinder *u, struct proc *proc,
			   unsigned int gen, const struct unwind_regs *regs,
			   const void *stack, __u64 stack_size, __u64 *pcs,
			   unsigned int max, enum unwind_stop *stop);

/*
 * struct dwarf_unwinder_stats - what an unwinder did, since it was made
 * @unwinds: dwarf_unwinder__unwind() calls that unwound
 * @frames: pcs they wrote
 * @dwfl_hits: unwinds that found their snapshot's state cached
 * @dwfl_builds: snapshots whose state was built (the other unwinds)
 * @dwfl_evictions: states dropped to make room
 * @modules: modules reported to libdwfl, over all builds
 * @file_opens: descriptors ops->open gave
 * @files_loaded: distinct files read (the other opens found theirs
 *	already read, for another mapping or process)
 * @files_live: files held now, shared by the cached states
 * @rule_unwinds: unwinds done with the cached CFI rules alone (the
 *	others went through libdwfl)
 * @rule_lookups: frames that looked their rules up in the cache
 * @rule_misses: of those, the ones whose rules were read from libdw
 */
struct dwarf_unwinder_stats {
	__u64 unwinds;
	__u64 frames;
	__u64 dwfl_hits;
	__u64 dwfl_builds;
	__u64 dwfl_evictions;
	__u64 modules;
	__u64 file_opens;
	__u64 files_loaded;
	__u64 files_live;
	__u64 rule_unwinds;
	__u64 rule_lookups;
	__u64 rule_misses;
};

const struct dwarf_unwinder_stats *
dwarf_unwinder__stats(const struct dwarf_unwinder *u);

/*
 * dwarf_unwinder__libdwfl_only - from now on, unwind every sample with
 * libdwfl alone, without the cached CFI rules (unwind/cfirules.h) that
 * otherwise take the samples they can: the same result, more slowly
 * (tests compare the two; benchmarks time them).
 */
void dwarf_unwinder__libdwfl_only(struct dwarf_unwinder *u);

/*
 * dwarf_unwinder__scan - the caller of a frame that neither CFI nor a
 * frame pointer describes (JIT code without frame pointers): the first
 * 8-byte word of @stack (@size bytes, at most the first 4 KiB looked
 * at) that is an address in a file of snapshot @gen of @proc and comes
 * right after a call instruction there (the x86-64 calling-convention
 * scan).  *@ret gets that return address, *@after the offset in @stack
 * just past it (the caller's stack pointer).  A guess: an old return
 * address left in a frame passes too.  Returns 0, -ENOENT (none found),
 * -EINVAL (bad @gen) or -ENOMEM.
 */
int dwarf_unwinder__scan(struct dwarf_unwinder *u, struct proc *proc,
			 unsigned int gen, const void *stack, __u64 size,
			 __u64 *ret, __u64 *after);

#endif /* SONDE_UNWIND_DWARF_H */
