/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Profile layer, private: the state of building a profile, shared by
 * build.c (samples, stacks, locations) and tables.c (strings, mappings,
 * functions, threads and processes).  Not for other layers.
 */
#ifndef SONDE_PROFILE_BUILDER_H
#define SONDE_PROFILE_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "lib/hmap.h"
#include "lib/idtable.h"
#include "profile/order.h"
#include "profile/profile.h"
#include "unwind/callchain.h"
#include "unwind/dwarf.h"

struct func_key {
	const char *name;	/* interned by the symbolizer */
	const char *dso;
	bool kernel;
	__u32 id;
};

/* Hashed up to @id: no padding before it. */
/*
 * A mapping by what the symbolizer tells files apart by: the path and
 * build-id as recorded (a pseudo mapping: its name), and where it is.
 */
struct map_key {
	__u64 start, limit, offset;
	const char *raw_path;
	const unsigned char *build_id;
	__u32 build_id_size;
	__u32 kernel;
	__u32 id;
};

struct thread_key {
	__u32 pid, tid, comm;
	__u32 id;
};

struct profile_arena {
	struct profile_arena *next;
	size_t used;
	size_t cap;
	__u32 words[];
};

struct builder {
	struct profile *p;
	struct session *s;
	struct symbolizer *sym;
	const struct profile_filter *f;
	enum profile_keep keep;
	bool throttled;		/* some CPU's period changed (THROTTLE) */
	struct idtable merged;	/* PROFILE_KEEP_MERGED: samples by key */
	struct order order;	/* PROFILE_KEEP_NONE */
	struct callchain cc;
	struct dwarf_unwinder *unwinder;	/* NULL: no user stack copies */
	struct hmap strings;	/* string -> id + 1 */
	struct hmap str_by_ptr;	/* symbolizer's string -> id + 1 */
	struct idtable locations;	/* by struct loc_key */
	__u32 *loc_mapping;	/* per location: its loc_key.mapping */
	__u32 *loc_code;	/* per location: its loc_key.jit_code */
	struct hmap functions;	/* struct func_key */
	__u32 *fn_by_symbol;	/* struct symbol.id -> function id + 1 */
	size_t cap_fn_by_symbol;
	struct hmap mappings;	/* struct map_key */
	struct hmap map_by_ptr;	/* struct map -> mapping id + 1 */
	struct idtable stacks;	/* by [nr, location ids...] */
	/* Mappings by pointer, direct-mapped: frames revisit few of them. */
	struct {
		const struct map *map;
		__u32 mapping;
	} map_cache[256];
	/*
	 * Locations of frames by all that decides them but time: process,
	 * snapshot, address, kernel, return (kernel frames under process
	 * NULL), direct-mapped.  Frames that asked for JIT code, whose
	 * location also depends on when, are not kept.  .id is the id + 1.
	 * 2 MiB: a system-wide profile's processes each look up the
	 * same libraries' addresses.
	 */
	struct frame_slot {
		const struct proc *proc;
		__u64 addr;
		unsigned int gen;
		__u16 kernel;
		__u16 is_return;
		__u32 id;
	} frame_cache[65536];
	/* Process names by stable pointer, direct-mapped. */
	struct {
		const char *comm;
		__u32 id;
	} comm_cache[64];
	struct idtable threads;		/* by struct thread_key */
	struct idtable processes;	/* by struct thread_key, tid 0 */
	__u32 *scratch;		/* [nr, locs...] of the sample at hand */
	size_t scratch_cap;
	size_t cap_strings, cap_mappings, cap_functions, cap_locations;
	size_t cap_loc_mapping, cap_loc_code, cap_lines;
	size_t cap_stacks, cap_processes, cap_threads, cap_samples;
	/* Threads by (pid, tid), direct-mapped; .id is the id + 1. */
	struct thread_key thread_cache[1024];
	__u64 last_time_ns;	/* of any sample read, filtered or not */
	__u64 *time_carry;	/* per thread: ns not counted yet */
	size_t cap_time_carry;
};

/* Set up, and free, what tables.c keeps in @b (not the profile). */
void builder__init_tables(struct builder *b);
void builder__release_tables(struct builder *b);
/*
 * builder__grow - room for one more element in *@arr (@nr used of *@cap,
 * each @size bytes), doubling.  0 or -ENOMEM.
 */
int builder__grow(void *arr, size_t *cap, size_t nr, size_t size);
/* The id of the string @str, added when new.  0 or -ENOMEM. */
int builder__intern(struct builder *b, const char *str, __u32 *id);
/* The same for a string the symbolizer interned (looked up by pointer). */
int builder__intern_sym(struct builder *b, const char *str, __u32 *id);
/* The mapping of @m (equal mappings are one).  0 or -ENOMEM. */
int builder__find_mapping(struct builder *b, const struct map *m, __u32 *id);
/* The pseudo mapping ("[kernel.kallsyms]"...) of @sym.  0 or -ENOMEM. */
int builder__pseudo_mapping(struct builder *b, const struct symbol *sym,
			    __u32 *id);
/* The function of @sym.  0 or -ENOMEM. */
int builder__function(struct builder *b, const struct symbol *sym,
		      __u32 *id);
/* The thread (@pid, @tid, @comm), and its process.  0 or -ENOMEM. */
int builder__thread(struct builder *b, __u32 pid, __u32 tid, __u32 comm,
		    __u32 *id);

/* events.c: profile.events, and the event of each sample. */
/* Fill profile.events (and offcpu_event, offcpu_unit_ns).  0 or -ENOMEM. */
int builder__add_events(struct builder *b);
/*
 * builder__sample_event - the event that took @raw (an index in
 * profile.events) and the period it stands for: the timer's (the
 * interval before it when jittered), a counter's, or an off-CPU wait in
 * ns, from the record's struct sonde_sample_event.  False for an event
 * the recording does not list.
 */
bool builder__sample_event(const struct builder *b,
			   const struct sonde_sample *raw, __u32 *event,
			   __u64 *period);
/*
 * builder__time_units - the count of a sample of thread @thread that
 * stands for @ns (an off-CPU wait, or in the wall-clock view a timer
 * sample's period): whole profile.offcpu_unit_ns, with what is left of
 * them carried to the thread's next such sample.  0 or -ENOMEM.
 */
int builder__time_units(struct builder *b, __u32 thread, __u64 ns,
			  __u32 *units);

#endif /* SONDE_PROFILE_BUILDER_H */
