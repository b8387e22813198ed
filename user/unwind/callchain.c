// SPDX-License-Identifier: GPL-2.0
/*
 * Unwind layer: a SAMPLE record's frames (callchain.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "recording/addrspace.h"
#include "unwind/callchain.h"
#include "unwind/dwarf.h"
#include "unwind/splice.h"

/* Deepest user chain an unwind makes, as deep as the module's. */
#define UNWIND_MAX_FRAMES	128

static void push(struct callchain *cc, __u64 addr, bool kernel,
		 bool is_return)
{
	struct callchain_entry *e = &cc->entries[cc->nr++];

	e->addr = addr;
	e->kernel = kernel;
	e->is_return = is_return;
	e->mark = CALLCHAIN_MARK_NONE;
}

/* Room for @n entries in all; 0 or -ENOMEM. */
static int reserve(struct callchain *cc, unsigned int n)
{
	struct callchain_entry *p;

	if (cc->cap >= n)
		return 0;
	p = reallocarray(cc->entries, n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	cc->entries = p;
	cc->cap = n;
	return 0;
}

static void push_mark(struct callchain *cc, enum callchain_mark mark)
{
	push(cc, 0, false, false);
	cc->entries[cc->nr - 1].mark = mark;
}

/* The frames beyond here are missing: say so where they would be. */
static void push_truncated(struct callchain *cc)
{
	push_mark(cc, CALLCHAIN_MARK_TRUNCATED);
	cc->truncated = true;
}

int callchain__from_sample(struct callchain *cc,
			   const struct sonde_sample *raw)
{
	bool khidden = raw->flags & SONDE_SAMPLE_KERNEL_HIDDEN;
	unsigned int nk = khidden ? 0 : raw->nr_kernel, nu = raw->nr_user;
	__u64 user_leaf = 0;
	unsigned int i;

	/* Without call chains the interrupted IPs are the only frames. */
	if (!nk && !khidden && raw->context != SONDE_CTX_USER && raw->ip)
		nk = 1;
	if (!nu && !(raw->flags & SONDE_SAMPLE_KTHREAD) && raw->pid) {
		if (raw->flags & SONDE_SAMPLE_USER_REGS)
			user_leaf = raw->user_ip;
		else if (raw->context == SONDE_CTX_USER)
			user_leaf = raw->ip;
	}
	/* Room for a marker after the kernel part and one at the root. */
	if (reserve(cc, nk + nu + 3))
		return -ENOMEM;
	cc->nr = 0;
	cc->truncated = false;
	for (i = 0; i < nk; i++)
		push(cc, raw->nr_kernel ? raw->frames[i] : raw->ip, true,
		     i > 0);
	if (nk && (raw->flags & SONDE_SAMPLE_KERNEL_TRUNCATED))
		push_truncated(cc);
	for (i = 0; i < nu; i++)
		push(cc, raw->frames[raw->nr_kernel + i], false, i > 0);
	if (user_leaf)
		push(cc, user_leaf, false, false);
	/* A kernel chain cut above a user part is marked between them. */
	if (nu && (raw->flags & SONDE_SAMPLE_USER_TRUNCATED))
		push_truncated(cc);
	cc->nr_kernel = nk;
	cc->user_addr = nu ? raw->frames[raw->nr_kernel] : user_leaf;
	cc->kernel_hidden = khidden && raw->context != SONDE_CTX_USER;
	return 0;
}

/*
 * Whether unwind_splice() joins the chains: its merge starts at the
 * frame-pointer chain's first caller, so they meet when the CFI frames
 * after the leaf hold that one.
 */
static bool chains_meet(const __u64 *cfi, unsigned int ncfi, const __u64 *fp,
			unsigned int nfp)
{
	unsigned int i;

	for (i = 1; i < ncfi && nfp > 1; i++)
		if (cfi[i] == fp[1])
			return true;
	return false;
}

/*
 * A leaf in anonymous memory (JIT code) has no CFI, and a frame-pointer
 * walk from it is wrong when the JIT omits frame pointers: it skips the
 * caller.  The stack is scanned for the first return address into a
 * mapped file; found below the slot the frame pointer names (bp + 8),
 * it belongs to a caller the frame pointer skips, and the unwind goes on
 * from there: pcs[0] is the leaf, pcs[1..] the caller's unwind.  Found
 * at that slot or above it (a JIT frame with a frame pointer, maybe
 * called from more JIT code), the frame pointer stands.  Returns how
 * many pcs, or 0 when the leaf is not JIT code, the frame pointer
 * stands, or the scan found nothing (-ENOMEM).
 */
static int jit_leaf(struct dwarf_unwinder *u, struct proc *proc,
		    unsigned int gen, const struct unwind_regs *regs,
		    const __u8 *stack, __u64 size, __u64 *pcs,
		    enum unwind_stop *stop, bool *scanned)
{
	struct unwind_regs caller = *regs;
	unsigned int found;
	__u64 after;
	struct map *m;
	int ret;

	m = proc__find_map(proc, gen, regs->ip, &found);
	if (!m || !map__is_anon(m))
		return 0;
	ret = dwarf_unwinder__scan(u, proc, gen, stack, size, &caller.ip,
				   &after);
	if (ret)
		return ret == -ENOMEM ? ret : 0;
	/* The frame pointer's return slot, when it lies in the copy. */
	if (regs->bp >= regs->sp && regs->bp - regs->sp < size &&
	    after - 8 >= regs->bp - regs->sp + 8)
		return 0;
	caller.sp = regs->sp + after;
	pcs[0] = regs->ip;
	ret = dwarf_unwinder__unwind(u, proc, gen, &caller, stack + after,
				     size - after, pcs + 1,
				     UNWIND_MAX_FRAMES - 1, stop);
	if (ret <= 0)
		return ret == -ENOMEM ? ret : 0;
	*scanned = true;
	return ret + 1;
}

int callchain__unwind_user(struct callchain *cc,
			   const struct sonde_sample *raw,
			   struct dwarf_unwinder *u, struct proc *proc,
			   unsigned int gen)
{
	__u64 pcs[UNWIND_MAX_FRAMES], out[UNWIND_MAX_FRAMES];
	const __u64 *fp = raw->frames + raw->nr_kernel;
	unsigned int nfp = raw->nr_user, first, i, n;
	bool cut, scanned = false;
	struct unwind_regs regs;
	enum unwind_stop stop;
	const __u8 *stack;
	int ret;

	if (!u || !proc || !proc->nr_snaps || !raw->user_stack_size ||
	    !(raw->flags & SONDE_SAMPLE_USER_REGS) || !raw->user_ip)
		return 0;
	regs.ip = raw->user_ip;
	regs.sp = raw->user_sp;
	regs.bp = raw->user_bp;
	stack = (const __u8 *)(fp + raw->nr_user);
	ret = jit_leaf(u, proc, gen, &regs, stack, raw->user_stack_size, pcs,
		       &stop, &scanned);
	if (!ret)
		ret = dwarf_unwinder__unwind(u, proc, gen, &regs, stack,
					     raw->user_stack_size, pcs,
					     UNWIND_MAX_FRAMES, &stop);
	if (ret == -ENOMEM)
		return ret;
	if (ret <= 0)
		return 0;	/* the module's chain stands */
	n = ret;
	cut = stop == UNWIND_STOP_MAX;
	/*
	 * Where CFI could not go on, the frame-pointer chain may: joined
	 * where the two agree.  Without a common frame a chain of another
	 * kind of code (no frame pointers: garbage) is not appended.
	 */
	if (stop != UNWIND_STOP_END && stop != UNWIND_STOP_MAX && nfp > 1) {
		if (chains_meet(pcs, n, fp, nfp)) {
			n = unwind_splice(pcs, n, fp, nfp, out,
					  UNWIND_MAX_FRAMES);
			memcpy(pcs, out, n * sizeof(*pcs));
			cut = raw->flags & SONDE_SAMPLE_USER_TRUNCATED;
		} else if (nfp > n) {
			return 0;	/* the longer, module's chain stands */
		}
	}
	/*
	 * A copy that ran out is not marked: like a broken frame-pointer
	 * chain, it ends a stack early; only depth limits are marked.
	 */

	/* Drop the user part (and its marker), keep the kernel part. */
	first = cc->nr_kernel;
	if (first < cc->nr && cc->entries[first].mark)
		first++;
	cc->truncated = first > cc->nr_kernel;
	/* Room for the frames, a scan marker and a truncation marker. */
	if (reserve(cc, first + n + 2))
		return -ENOMEM;
	cc->nr = first;
	for (i = 0; i < n; i++) {
		push(cc, pcs[i], false, i > 0);
		/* The frame above the JIT leaf was found by the scan. */
		if (i == 0 && scanned && n > 1)
			push_mark(cc, CALLCHAIN_MARK_SCAN);
	}
	if (cut)
		push_truncated(cc);
	cc->user_addr = pcs[0];
	return 0;
}

void callchain__free(struct callchain *cc)
{
	free(cc->entries);
	cc->entries = NULL;
	cc->cap = cc->nr = 0;
}
