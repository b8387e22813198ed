// SPDX-License-Identifier: GPL-2.0
/*
 * Unwind layer: cached CFI rules and the walk that uses them
 * (cfirules.h).
 *
 * The cache is direct mapped: a (file, pc) has one slot, and a pc that
 * lands on a slot another holds takes it over.  No allocation after
 * cfi_rules__new(), no eviction policy to keep; a profile's hot pcs are
 * a few thousand, well under the slots.  An entry records a pc whose
 * rules are not simple too, so that the walk gives up on it without
 * asking libdw again.
 *
 * What handle_cfi() does with a register's rule (libdwfl 0.188), and so
 * what an entry must know (dwarf_frame_register() gives the rule):
 *   undefined      the register is lost; for the return address
 *                  register, the walk ends (outermost frame)
 *   same value     copied from this frame, if known here
 *   offset(N)      read from the stack at CFA + N; a failed read leaves
 *                  it unknown and marks the walk as stopped by the stack
 *   val_offset(N)  the value CFA + N (the ABI's rule for rsp: N = 0)
 *   others         registers and DWARF expressions: not cached
 * The return address is rip's (register 16): 0 ends the walk too.  A
 * frame whose CIE is a signal frame's has its caller's rules looked up
 * at the return address itself, any other at the address before it (the
 * call, not what follows it).
 */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unwind/cfirules.h"

/*
 * Farthest a cached rule reads from its CFA.  Offsets come from the
 * files, anything up to 2^63: with them bounded, the lowest and highest
 * read both in the stack copy put every read between them in it.
 * Compiled code saves registers within a few hundred bytes.
 */
#define MAX_READ_OFFSET	(1LL << 20)
/* Slots of the cache: 1.25 MiB. */
#define RULES_BITS	14
#define NR_RULES	(1U << RULES_BITS)
/* x86-64 DWARF register numbers (psABI, figure 3.36). */
#define DWARF_RBP	6
#define DWARF_RSP	7
#define DWARF_RIP	16
/* Registers libdwfl unwinds on x86-64 (ebl_frame_nregs()). */
#define NR_REGS		17

enum rule_kind {
	RULE_UNDEFINED,
	RULE_SAME,
	RULE_OFFSET,
	RULE_VAL_OFFSET,
	RULE_REGISTER,
	RULE_OTHER,
};

struct rule {
	__u64 rel;		/* the pc looked up, in the file's addresses */
	unsigned int file_id;	/* 0: an empty slot */
	bool simple;		/* false: the walk gives up at this pc */
	bool signal;		/* the caller's rules are at its return address */
	bool reads;		/* some register is read from the stack */
	__u8 cfa_reg;		/* DWARF_RSP or DWARF_RBP */
	__u8 ra;		/* enum rule_kind of rip: undefined or offset */
	__u8 bp;		/* of rbp: undefined, same, offset, val_offset */
	__s64 cfa_off;
	__s64 ra_off;
	__s64 bp_off;
	__s64 sp_off;		/* rsp is CFA + sp_off */
	__s64 min_read;		/* the lowest and highest CFA offsets read */
	__s64 max_read;
};

struct cfi_rules {
	struct rule rules[NR_RULES];
	struct dwarf_unwinder_stats *stats;
};

int cfi_rules__new(struct cfi_rules **c, struct dwarf_unwinder_stats *stats)
{
	*c = calloc(1, sizeof(**c));
	if (!*c)
		return -ENOMEM;
	(*c)->stats = stats;
	return 0;
}

void cfi_rules__free(struct cfi_rules *c)
{
	free(c);
}

/*
 * The rule of @regno in @frame, the way handle_cfi() reads the operations
 * dwarf_frame_register() gives (libdw/dwarf_frame_register.c): none for
 * undefined (in ops_mem) and same value (NULL); DW_OP_call_frame_cfa,
 * DW_OP_plus_uconst N when N is not 0, and DW_OP_stack_value after them
 * for val_offset; DW_OP_regx for a register.
 */
static enum rule_kind rule_of(Dwarf_Frame *frame, int regno, __s64 *off)
{
	Dwarf_Op mem[3], *ops;
	size_t nops, i = 1;

	if (dwarf_frame_register(frame, regno, mem, &ops, &nops))
		return RULE_OTHER;
	if (!nops)
		return ops == mem ? RULE_UNDEFINED : ops ? RULE_OTHER : RULE_SAME;
	if (nops == 1 && ops[0].atom == DW_OP_regx)
		return RULE_REGISTER;
	if (ops[0].atom != DW_OP_call_frame_cfa)
		return RULE_OTHER;
	*off = 0;
	if (i < nops && ops[i].atom == DW_OP_plus_uconst)
		*off = (__s64)ops[i++].number;
	if (i == nops)
		return RULE_OFFSET;
	if (i + 1 == nops && ops[i].atom == DW_OP_stack_value)
		return RULE_VAL_OFFSET;
	return RULE_OTHER;
}

/* Whether the rules of @frame are ones the walk follows, into @r. */
static bool rule_read(struct rule *r, Dwarf_Frame *frame)
{
	Dwarf_Op *ops;
	size_t nops;
	bool signal;
	int regno;

	if (dwarf_frame_info(frame, NULL, NULL, &signal) != DWARF_RIP)
		return false;
	r->signal = signal;
	if (dwarf_frame_cfa(frame, &ops, &nops) || nops != 1 ||
	    ops[0].atom != DW_OP_bregx ||
	    (ops[0].number != DWARF_RSP && ops[0].number != DWARF_RBP))
		return false;
	r->cfa_reg = ops[0].number;
	r->cfa_off = (__s64)ops[0].number2;
	for (regno = 0; regno < NR_REGS; regno++) {
		enum rule_kind kind;
		__s64 off = 0;

		kind = rule_of(frame, regno, &off);
		if (kind == RULE_OTHER)
			return false;
		if (kind == RULE_OFFSET) {
			if (off < -MAX_READ_OFFSET || off > MAX_READ_OFFSET)
				return false;
			if (!r->reads || off < r->min_read)
				r->min_read = off;
			if (!r->reads || off > r->max_read)
				r->max_read = off;
			r->reads = true;
		}
		switch (regno) {
		case DWARF_RIP:
			if (kind != RULE_UNDEFINED && kind != RULE_OFFSET)
				return false;
			r->ra = kind;
			r->ra_off = off;
			break;
		case DWARF_RSP:
			if (kind != RULE_VAL_OFFSET)
				return false;
			r->sp_off = off;
			break;
		case DWARF_RBP:
			if (kind == RULE_REGISTER)
				return false;
			r->bp = kind;
			r->bp_off = off;
			break;
		}
	}
	return true;
}

/* Ask libdw for the rules at @rel of @m's file, as handle_cfi() would. */
static void rule_fill(struct rule *r, const struct unwind_module *m,
		      __u64 rel)
{
	Dwarf_Frame *frame;
	Dwarf_Addr bias;
	Dwarf_CFI *cfi;

	memset(r, 0, sizeof(*r));
	r->rel = rel;
	r->file_id = m->file_id;
	/*
	 * .eh_frame only: where it has no FDE, libdwfl goes on to
	 * .debug_frame and then the frame pointer, which the walk leaves
	 * to it.  A bias other than ours would mean another lookup address.
	 */
	cfi = dwfl_module_eh_cfi(m->mod, &bias);
	if (!cfi || bias != m->bias || dwarf_cfi_addrframe(cfi, rel, &frame))
		return;
	r->simple = rule_read(r, frame);
	free(frame);
}

static const struct rule *rule_get(struct cfi_rules *c,
				   const struct unwind_module *m, __u64 rel)
{
	__u64 h = (rel ^ ((__u64)m->file_id << 40)) * 0x9e3779b97f4a7c15ULL;
	struct rule *r = &c->rules[h >> (64 - RULES_BITS)];

	c->stats->rule_lookups++;
	if (r->file_id != m->file_id || r->rel != rel) {
		c->stats->rule_misses++;
		rule_fill(r, m, rel);
	}
	return r;
}

static const struct unwind_module *module_find(const struct unwind_module *mods,
					       unsigned int nr, __u64 addr)
{
	unsigned int lo = 0, hi = nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (mods[mid].low <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && addr < mods[lo - 1].high ? &mods[lo - 1] : NULL;
}

/* Whether the 8 bytes at @addr are all in the copy of @size at @sp. */
static bool in_copy(__u64 sp, __u64 size, __u64 addr)
{
	__u64 off = addr - sp;

	return off < size && size - off >= 8;
}

static __u64 word_at(const unsigned char *stack, __u64 sp, __u64 addr)
{
	__u64 v;

	memcpy(&v, stack + (addr - sp), sizeof(v));
	return v;
}

int cfi_rules__walk(struct cfi_rules *c, const struct unwind_module *mods,
		    unsigned int nr_mods, const struct unwind_regs *regs,
		    const unsigned char *stack, __u64 size, __u64 *pcs,
		    unsigned int max, enum unwind_stop *stop)
{
	__u64 pc = regs->ip, sp = regs->sp, bp = regs->bp, last_sp = 0;
	bool bp_known = true, activation = true;
	unsigned int n = 0;

	if (!stack)
		size = 0;
	for (;;) {
		const struct unwind_module *m;
		const struct rule *r;
		__u64 at, cfa;

		/* What the unwinder's frame callback checks, in its order. */
		if (n && sp <= last_sp) {
			*stop = UNWIND_STOP_ERROR;
			return n;
		}
		last_sp = sp;
		pcs[n++] = pc;
		if (n == max) {
			*stop = UNWIND_STOP_MAX;
			return n;
		}

		at = activation ? pc : pc - 1;
		m = module_find(mods, nr_mods, at);
		if (!m)
			break;
		r = rule_get(c, m, at - m->bias);
		if (!r->simple || (r->cfa_reg == DWARF_RBP && !bp_known))
			break;
		cfa = (r->cfa_reg == DWARF_RBP ? bp : sp) + r->cfa_off;
		if (r->reads && (!in_copy(regs->sp, size, cfa + r->min_read) ||
				 !in_copy(regs->sp, size, cfa + r->max_read)))
			break;
		if (r->ra == RULE_UNDEFINED) {
			*stop = UNWIND_STOP_END;
			return n;
		}
		/* Implied by the bounds above; checked where it is read. */
		if (!in_copy(regs->sp, size, cfa + r->ra_off) ||
		    (r->bp == RULE_OFFSET &&
		     !in_copy(regs->sp, size, cfa + r->bp_off)))
			break;
		pc = word_at(stack, regs->sp, cfa + r->ra_off);
		if (!pc) {
			*stop = UNWIND_STOP_END;
			return n;
		}
		switch (r->bp) {
		case RULE_UNDEFINED:
			bp_known = false;
			break;
		case RULE_OFFSET:
			bp = word_at(stack, regs->sp, cfa + r->bp_off);
			bp_known = true;
			break;
		case RULE_VAL_OFFSET:
			bp = cfa + r->bp_off;
			bp_known = true;
			break;
		}
		sp = cfa + r->sp_off;
		activation = r->signal;
	}
	return -EAGAIN;
}
