/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unwind layer: the call chain of one sample, as addresses to resolve.
 *
 * Frame-pointer chains are walked by the module while sampling; this
 * turns a SAMPLE record into the list every later stage reads: its
 * kernel frames, then its user frames, leaf first, each marked with
 * whether it is a return address (looked up at address - 1, because a
 * call's return address may be the first byte of the next function).
 * Without call chains the interrupted IPs are the only frames.  DWARF
 * unwinding of user-stack copies lands here next.
 *
 * Single-threaded; a struct callchain is reused from sample to sample.
 */
#ifndef SONDE_CALLCHAIN_H
#define SONDE_CALLCHAIN_H

#include <stdbool.h>
#include <linux/types.h>

#include "sonde.h"

struct dwarf_unwinder;
struct proc;

/*
 * struct callchain_entry - one frame
 * @addr: as sampled
 * @kernel: a kernel address
 * @is_return: a return address: resolve addr - 1
 * @mark: not a frame but a marker (CALLCHAIN_MARK_*), which reports
 *	show as a pseudo frame; CALLCHAIN_MARK_NONE for a frame
 */
struct callchain_entry {
	__u64 addr;
	bool kernel;
	bool is_return;
	__u8 mark;
};

/* callchain_entry.mark */
enum callchain_mark {
	CALLCHAIN_MARK_NONE,
	/* the frames beyond here are missing: a depth limit cut the chain */
	CALLCHAIN_MARK_TRUNCATED,
	/*
	 * the frame below (a JIT frame without frame pointer or CFI) was
	 * left by a scan of the stack for a return address: a guess
	 */
	CALLCHAIN_MARK_SCAN,
	/*
	 * not from an unwinder: the profile layer puts it above the leaf
	 * of an off-CPU wait's stack in views that mix them with on-CPU
	 * samples (profile_filter.mark_offcpu)
	 */
	CALLCHAIN_MARK_OFFCPU,
};

/*
 * struct callchain - @entries[0..@nr_kernel) are kernel frames, the rest
 * user frames; leaf first in each.
 * @user_addr: the innermost user address the sample ran at (0: none), the
 *	one that tells which image of the process was running
 * @kernel_hidden: the sample was taken in the kernel but the module
 *	withheld kernel addresses from the recording user
 * @truncated: some entry is a truncation marker
 */
struct callchain {
	struct callchain_entry *entries;
	unsigned int nr;
	unsigned int nr_kernel;
	unsigned int cap;
	__u64 user_addr;
	bool kernel_hidden;
	bool truncated;
};

/*
 * callchain__from_sample - fill @cc with the frames of @raw (a SAMPLE
 * record that passed sonde_record__check()).  Returns 0 or -ENOMEM.
 */
int callchain__from_sample(struct callchain *cc,
			   const struct sonde_sample *raw);
/*
 * callchain__unwind_user - replace the user frames of @cc (filled from
 * @raw by callchain__from_sample()) with the ones @u unwinds from @raw's
 * user stack copy and registers, as process @proc's snapshot @gen maps
 * its files; then, where the copy ran out, the module's frame-pointer
 * chain beyond the last frame both agree on (leaf repair, and dwarf mode
 * past a short copy).  Does nothing for a sample without a copy.  A
 * chain cut by its depth ends in a truncation marker (one that the copy
 * cut short does not: like a broken frame-pointer chain, it just ends).
 * Returns 0 or -ENOMEM.
 */
int callchain__unwind_user(struct callchain *cc,
			   const struct sonde_sample *raw,
			   struct dwarf_unwinder *u, struct proc *proc,
			   unsigned int gen);
void callchain__free(struct callchain *cc);

#endif /* SONDE_CALLCHAIN_H */
