/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unwind layer: the call frame information of each pc, read from libdw
 * once and kept as a few numbers, and a walk that uses only those.
 *
 * libdwfl's unwinder (dwfl_getthread_frames()) asks libdw for the rules
 * of every frame anew: it finds the FDE, runs its CFA program, allocates
 * the resulting Dwarf_Frame and a new register state, and evaluates a
 * DWARF expression for each of x86-64's 17 registers.  A profile unwinds
 * the same few thousand pcs again and again, so here the rules of a
 * (file, pc) are asked of libdw the first time and cached: where the CFA
 * is (rsp or rbp plus an offset), where the return address and rbp were
 * saved, and how far the other saved registers lie from the CFA.  The
 * walk then costs a module lookup, a cache probe and two stack reads per
 * frame.
 *
 * It is a fast path, not a second unwinder: it follows exactly what
 * libdwfl 0.188 does (libdwfl/frame_unwind.c: __libdwfl_frame_unwind()
 * and handle_cfi()) for the frames whose rules are that simple, which is
 * nearly all compiled code, and it gives up (-EAGAIN) on anything else so
 * that the caller unwinds the whole sample with libdwfl instead: a pc in
 * no module or with no .eh_frame FDE (libdwfl would try .debug_frame,
 * then the frame pointer), a rule that is an expression or another
 * register, a CFA based on rbp when rbp is unknown, a saved register
 * outside the stack copy (libdwfl's failed read decides how the walk
 * stops).  Given the same modules and sample, a walk that does not give
 * up writes the same pcs and the same stop reason as libdwfl would; the
 * unwind tests compare the two on captured and on random stacks.
 *
 * Single-threaded, like the unwinder that owns it.
 */
#ifndef SONDE_UNWIND_CFIRULES_H
#define SONDE_UNWIND_CFIRULES_H

#include <linux/types.h>

#include "unwind/dwarf.h"

struct Dwfl_Module;
struct cfi_rules;

/*
 * struct unwind_module - one module of a snapshot, as libdwfl has it
 * @low: its first address, where it was reported
 * @high: one past its last
 * @bias: what libdwfl subtracts from an address to look it up in the
 *	file's CFI (@low minus the file's first PT_LOAD's aligned vaddr)
 * @file_id: the file's number in its unwinder, never reused: the key of
 *	the file's rules in the cache
 * @mod: libdwfl's module, to ask for its CFI on a cache miss
 */
struct unwind_module {
	__u64 low;
	__u64 high;
	__u64 bias;
	unsigned int file_id;
	struct Dwfl_Module *mod;
};

/*
 * cfi_rules__new - an empty cache in *@c, counting its probes into
 * @stats->rule_lookups and ->rule_misses (its owner's statistics, which
 * must outlive it).  Returns 0 or -ENOMEM.
 */
int cfi_rules__new(struct cfi_rules **c, struct dwarf_unwinder_stats *stats);
void cfi_rules__free(struct cfi_rules *c);

/*
 * cfi_rules__walk - unwind one sample through @mods (@nr_mods modules,
 * sorted by @low, not overlapping) from @regs, reading only @stack (the
 * @size bytes that were at regs->sp).  Writes at most @max (>= 1) pcs to
 * @pcs as dwarf_unwinder__unwind() does and returns how many, with
 * *@stop; or returns -EAGAIN when some frame needs libdwfl (then @pcs
 * holds garbage and the sample must be unwound by libdwfl from the
 * start).
 */
int cfi_rules__walk(struct cfi_rules *c, const struct unwind_module *mods,
		    unsigned int nr_mods, const struct unwind_regs *regs,
		    const unsigned char *stack, __u64 size, __u64 *pcs,
		    unsigned int max, enum unwind_stop *stop);

#endif /* SONDE_UNWIND_CFIRULES_H */
