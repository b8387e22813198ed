/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A profile model built by hand for the exporters' tests (test-perfview,
 * test-pprof-valid): names a recording's cleaned names never hold
 * (newline, control characters, ill-formed UTF-8) besides ; spaces
 * quotes and <&>, a DSO with '!', kernel, kernel-module and JIT frames,
 * two functions inlined into main, a "[truncated]" mark, an unnamed
 * process, and samples out of time order with weights above 1.  It has
 * no arena: never profile__free() it.
 *
 * Stacks (leaf first): 0 kfunc, nvme_irq, jitted<fn>, the four oddly
 * named functions, main (with inl_inner and inl_middle inlined); 1 main;
 * 2 [truncated], main.  Samples: 1.5 ms stack 0 thread 100 (weight 1),
 * 0.0005 ms stack 1 thread 101 (3), 2 ms stack 2 thread 200 (2), 1.5 ms
 * stack 0 thread 101 (1); times from the start at 1 s.
 */
#ifndef SONDE_TESTS_HAND_PROFILE_H
#define SONDE_TESTS_HAND_PROFILE_H

#include <string.h>

#include "lib/util.h"
#include "profile/profile.h"

enum {
	S_EMPTY, S_MAIN, S_WEIRD, S_CTL, S_BAD, S_UTF8, S_KDSO, S_KFN,
	S_MOD, S_MODFN, S_JITMAP, S_JITFN, S_INNER, S_MIDDLE, S_COMM,
	S_PROG, S_TRUNC, NR_STR
};

static const char *hp_strings[NR_STR] = {
	[S_EMPTY] = "",
	[S_MAIN] = "main",
	[S_WEIRD] = "a;b c\nd\"e'f<g&h>i",
	[S_CTL] = "ctl\x01\x1f\x7f",
	[S_BAD] = "bad\xff\xc3(\xe0\x80",
	[S_UTF8] = "h\xc3\xa9llo",
	[S_KDSO] = "[kernel.kallsyms]",
	[S_KFN] = "kfunc",
	[S_MOD] = "[nvme]",
	[S_MODFN] = "nvme_irq",
	[S_JITMAP] = "/tmp/perf-42.map",
	[S_JITFN] = "jitted<fn>",
	[S_INNER] = "inl_inner",
	[S_MIDDLE] = "inl_middle",
	[S_COMM] = "comm <&> \"x\"",
	[S_PROG] = "/usr/lib/lib!weird.so",
	[S_TRUNC] = "[truncated]",
};

#define FN(n, d, k, j) { .name = (n), .system_name = (n), .dso = (d), \
			  .kernel = (k), .known = true, .jit = (j) }
enum {
	F_MAIN, F_WEIRD, F_CTL, F_BAD, F_UTF8, F_K, F_MOD, F_JIT, F_INNER,
	F_MIDDLE, F_TRUNC, NR_FN
};
static struct profile_function hp_functions[NR_FN] = {
	[F_MAIN] = FN(S_MAIN, S_PROG, false, false),
	[F_WEIRD] = FN(S_WEIRD, S_PROG, false, false),
	[F_CTL] = FN(S_CTL, S_PROG, false, false),
	[F_BAD] = FN(S_BAD, S_PROG, false, false),
	[F_UTF8] = FN(S_UTF8, S_PROG, false, false),
	[F_K] = FN(S_KFN, S_KDSO, true, false),
	[F_MOD] = FN(S_MODFN, S_MOD, true, false),
	[F_JIT] = FN(S_JITFN, S_JITMAP, false, true),
	[F_INNER] = FN(S_INNER, S_PROG, false, false),
	[F_MIDDLE] = FN(S_MIDDLE, S_PROG, false, false),
	[F_TRUNC] = FN(S_TRUNC, S_TRUNC, false, false),
};

/* inl_inner and inl_middle inlined into main, innermost first. */
static struct profile_line hp_lines[] = {
	{ F_INNER, 3 }, { F_MIDDLE, 7 },
};

/* The files, then pseudo mappings spanning every address. */
enum { M_PROG, M_JIT, M_KERNEL, M_MOD, NR_MAP };
static struct profile_mapping hp_mappings[NR_MAP] = {
	[M_PROG] = { 0x1000, 0x100000, 0, S_PROG, 0, false },
	[M_JIT] = { 0x200000, 0x300000, 0, S_JITMAP, 0, false },
	[M_KERNEL] = { 0, 0, 0, S_KDSO, 0, true },
	[M_MOD] = { 0, 0, 0, S_MOD, 0, true },
};

/* Location i is function i; location 0 has the two inlined functions. */
static struct profile_location hp_locations[NR_FN];

/* Leaf first. */
static const __u32 hp_deep[] = { F_K, F_MOD, F_JIT, F_WEIRD, F_CTL, F_BAD,
			      F_UTF8, F_MAIN };
static const __u32 hp_just_main[] = { F_MAIN };
static const __u32 hp_cut[] = { F_TRUNC, F_MAIN };
static struct profile_stack hp_stacks[] = {
	{ hp_deep, ARRAY_SIZE(hp_deep), 2 },
	{ hp_just_main, 1, 3 },
	{ hp_cut, 2, 2 },
};

static struct profile_process hp_processes[] = {
	{ 100, S_COMM }, { 200, S_EMPTY },
};

static struct profile_thread hp_threads[] = {
	{ 100, 100, S_COMM, 0, 2 },
	{ 100, 101, S_COMM, 0, 3 },
	{ 200, 200, S_EMPTY, 1, 2 },
};

#define START 1000000000ULL
/* Out of time order, as CPUs' rings interleave. */
static struct profile_sample hp_samples[] = {
	{ START + 1500000, 1000000, 0, 0, 0, 1 },
	{ START + 500, 1000000, 1, 1, 1, 3 },
	{ START + 2000000, 1000000, 2, 2, 0, 2 },
	{ START + 1500000, 1000000, 0, 1, 1, 1 },
};

static inline void hand_profile(struct profile *p)
{
	unsigned int i;

	for (i = 0; i < NR_FN; i++)
		hp_locations[i] = (struct profile_location){
			.address = 0x1000 + i, .function = i,
			.kernel = hp_functions[i].kernel,
			.mapping = i == F_K ? M_KERNEL : i == F_MOD ? M_MOD :
				   i == F_JIT ? M_JIT : M_PROG };
	hp_locations[F_MAIN].inlined = 0;
	hp_locations[F_MAIN].nr_inlined = 2;
	memset(p, 0, sizeof(*p));
	p->strings = hp_strings;
	p->mappings = hp_mappings;
	p->nr_mappings = NR_MAP;
	p->nr_strings = NR_STR;
	p->functions = hp_functions;
	p->nr_functions = NR_FN;
	p->locations = hp_locations;
	p->nr_locations = NR_FN;
	p->lines = hp_lines;
	p->nr_lines = ARRAY_SIZE(hp_lines);
	p->stacks = hp_stacks;
	p->nr_stacks = ARRAY_SIZE(hp_stacks);
	p->processes = hp_processes;
	p->nr_processes = ARRAY_SIZE(hp_processes);
	p->threads = hp_threads;
	p->nr_threads = ARRAY_SIZE(hp_threads);
	p->samples = hp_samples;
	p->nr_samples = ARRAY_SIZE(hp_samples);
	p->period_ns = 1000000;
	p->start_ns = START;
}

#endif /* SONDE_TESTS_HAND_PROFILE_H */
