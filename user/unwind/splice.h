/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unwind layer: one call chain from two partial ones of the same sample:
 * the frames a CFI unwind of a short stack copy found, and the
 * frame-pointer chain the module walked.
 *
 * Each misses what the other has.  A frame-pointer walk skips the caller
 * of every function that keeps no frame pointer (the return address such
 * a function's caller pushed is on the stack, but no saved rbp leads to
 * it), most often the caller of a frameless leaf; a CFI unwind finds
 * every frame but only as far as the stack copy reaches.  In "leaf
 * repair" mode the copy is small (~512 bytes) and only fixes the top of
 * the chain; in dwarf mode a deep stack can outrun the copy, and the
 * frame-pointer chain (when the module walked one) goes on from there.
 *
 * Pure and single-threaded.
 */
#ifndef SONDE_UNWIND_SPLICE_H
#define SONDE_UNWIND_SPLICE_H

#include <linux/types.h>

/*
 * unwind_splice - @cfi[0..@ncfi) (a CFI unwind, leaf first) joined with
 * @fp[0..@nfp) (the frame-pointer chain, leaf first): written into @out
 * (room for @max), returns the number written.  @out may not overlap the
 * inputs.
 *
 * Both start with the sampled ip; @cfi[0] is kept, @fp[0] never compared.
 * The return addresses are aligned in order: a frame-pointer frame is a
 * frame of the true chain, so, going up @cfi, the next unmatched @fp frame
 * either is the current @cfi frame or comes later in the chain.  The
 * result is all of @cfi, then the @fp frames after the last one that
 * matched, or after @fp[0] when none did: the @fp chain started above the
 * frames the copy held (its first saved rbp belongs to a frame the CFI
 * unwind did not reach), and it goes on from where they end.  The CFI
 * frames past the last match are kept: they are callers of frameless
 * functions, which the walk skipped.
 *
 * A return address that recurs (recursion) is matched where it first
 * occurs; the frames' stack addresses would tell the occurrences apart,
 * but are not known here.  The caller decides whether joining makes
 * sense: when the CFI unwind ended at the outermost frame, @fp has
 * nothing to add but garbage.  With one side empty the result is the
 * other.  O(@ncfi + @nfp).
 */
unsigned int unwind_splice(const __u64 *cfi, unsigned int ncfi,
			   const __u64 *fp, unsigned int nfp, __u64 *out,
			   unsigned int max);

#endif /* SONDE_UNWIND_SPLICE_H */
