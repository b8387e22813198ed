/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Profile layer: the one model of a recording that every output reads.
 *
 * It is pprof's data model (profile.proto): interned strings, mappings,
 * functions, locations, and samples whose stacks are lists of location
 * ids, plus what a profiler of processes needs beside it: the processes
 * and threads that ran, and per sample its thread, CPU and time.  Built
 * once from a recording, with the filters every reader shares applied;
 * report, script and the exporters read it and never walk raw records.
 *
 * Ids are dense indexes into the arrays below, in the order things were
 * first met while building (file order).  String 0 is "", as in pprof.
 * Every string is printable (control characters replaced when the names
 * were read from the recording's untrusted files).
 *
 * Identity, as the reports need it:
 * - a function is a (name, DSO, kernel) triple, as perf's report entries
 *   are: two libraries' "init" stay apart;
 * - a location is an address in a mapping, as a leaf or as a return
 *   address (resolved at address - 1, so possibly another function);
 * - a thread is a (pid, tid, comm) as sampled and a process a (pid, comm):
 *   a pid reused by another program, or renamed by exec, is a new entry,
 *   so a process's names over time are its entries in first-seen order.
 *
 * Memory: per sample kept 40 bytes (struct profile_sample: see enum
 * profile_keep for what is kept); per distinct stack
 * 24 bytes plus 4 per frame, and while building an 8-byte hash slot at
 * most twice over (lib/idtable.h); per location 40 bytes (and 4 plus two
 * slots while building); strings once each.  The sample records
 * themselves are not kept.  Building is linear in the number of samples
 * and frames: per frame one lookup among the locations, per sample one
 * among the stacks and (when the thread changed) one among the threads.
 *
 * Single-threaded; read-only once built (a sink sees it being built).
 */
#ifndef SONDE_PROFILE_H
#define SONDE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "recording/session.h"
#include "symbolize/symbolizer.h"

/*
 * struct profile_mapping - a file mapped into processes, or a pseudo file
 * ("[kernel.kallsyms]", "[MODULE]", "[unknown]") with every field but
 * @path zero.
 * @start, @limit: [start, limit) in the process; @offset: file offset of
 *	@start (pprof's memory_start, memory_limit, file_offset)
 * @build_id: hex string id, 0 when none was recorded
 */
struct profile_mapping {
	__u64 start;
	__u64 limit;
	__u64 offset;
	__u32 path;
	__u32 build_id;
	bool kernel;
};

/*
 * struct profile_function
 * @name: the symbol as reports show it; @system_name: as found in the
 *	symbol table (the same until demangling lands); @filename: source
 *	file (DWARF's, of the first location met), 0 when unknown; @dso:
 *	the DSO's path or pseudo name
 * @known: @name is a real symbol, not "FILE+0xVADDR" or "[unknown]"
 * @jit: JIT-compiled code named by its process's perf map; @dso is the map
 */
struct profile_function {
	__u32 name;
	__u32 system_name;
	__u32 filename;
	__u32 dso;
	bool kernel;
	bool known;
	bool jit;
};

/*
 * struct profile_line - a function inlined at a location (pprof's Line):
 * @function, and @line in its source (0: unknown).
 */
struct profile_line {
	__u32 function;
	__u32 line;
};

/*
 * struct profile_location
 * @address: as sampled; @sym_off: bytes from @function's start to
 *	@address (0 unless the function is known)
 * @is_return: a return address, resolved at @address - 1
 * @function: the function whose code this is (from the symbol table);
 *	@line: its source line there (0: unknown)
 * @inlined: index in profile.lines of the first of @nr_inlined functions
 *	inlined into @function at this address, innermost first.  As a
 *	frame, a location is these functions, then @function: pprof's
 *	Location.line is the same list (the last entry is the caller).
 */
struct profile_location {
	__u64 address;
	__u64 sym_off;
	__u32 mapping;
	__u32 function;
	__u32 line;
	__u32 inlined;
	__u32 nr_inlined;
	bool is_return;
	bool kernel;
};

/*
 * struct profile_stack - @nr location ids at @locs, leaf first; @count:
 * the samples on it (the sum of their counts)
 */
struct profile_stack {
	const __u32 *locs;
	__u32 nr;
	__u64 count;
};

struct profile_process {
	__u32 pid;
	__u32 comm;
};

/* struct profile_thread - @count: the samples it ran */
struct profile_thread {
	__u32 pid;
	__u32 tid;
	__u32 comm;
	__u32 process;
	__u64 count;
};

/*
 * struct profile_sample - one SAMPLE record that passed the filters, or
 * (PROFILE_KEEP_MERGED) all those of one stack, thread, CPU and period.
 * @time_ns: CLOCK_MONOTONIC (merged: the first one's)
 * @period_ns: the time each of them stands for
 * @count: samples it stands for (1 for a record)
 * @event: what took it (profile.events): 0 the timer (cpu-clock), else a
 *	perf counter; @period_ns is then that counter's period, in events
 *	(in ns when the event's @nsec)
 *
 * An off-CPU sample (its event's @offcpu) is one wait: @period_ns is how
 * long the thread was off the CPU, @time_ns when it left, and @count
 * the wait in units of profile.offcpu_unit_ns, so that outputs that sum
 * counts weigh waits and on-CPU samples alike.  With the filter's
 * @mark_offcpu (the wall-clock view) a timer sample's @count is likewise
 * its @period_ns in those units (a sample after missed periods stands
 * for them all), so that every thread's counts add up to its time.  Each thread's units are
 * its waits' sum rounded down, the remainder carried to its next wait:
 * a thread's count is within one unit of its waits' total, and a wait
 * shorter than a unit may have a count of 0.  Off-CPU samples are never
 * merged (PROFILE_KEEP_MERGED keeps each one).  profile__sample_ns()
 * is the time any sample stands for.
 */
struct profile_sample {
	__u64 time_ns;
	__u64 period_ns;
	__u32 stack;
	__u32 thread;
	__u32 cpu;
	__u32 count;
	__u32 event;
};

/*
 * struct profile_event - what samples were taken on: @name (a string id:
 * "cpu-clock" for the timer, "offcpu-time" for off-CPU waits, else the
 * name the counter was recorded under), @nsec: its periods are
 * nanoseconds; @offcpu: its samples are off-CPU waits (record
 * --off-cpu, SREC_SESSION_OFF_CPU), see struct profile_sample.
 */
struct profile_event {
	__u32 name;
	bool nsec;
	bool offcpu;
};

/*
 * struct profile_filter - which samples a profile keeps; a zero filter
 * keeps all.  Each list, when not empty, must contain the sample's value.
 * @comm: the sample's process name must equal it (NULL: any)
 * @cpus: bitmap of @nr_cpu_bits CPUs (little-endian __u64 words)
 * @time_start_ns, @time_end_ns: [start, end) from the recording's start
 *	(its SESSION section's start_mono_ns; 0 when it has none), with
 *	@has_time
 * @events: with @has_event, only the samples of these events: bit i
 *	stands for profile.events[i] (0 the timer, i + 1 the recording's
 *	counter i, then off-CPU waits when recorded; PROFILE_MAX_EVENTS)
 * @mark_offcpu: an off-CPU sample's stack gets an "[off-cpu]" marker
 *	frame above its leaf, so that a view mixing on- and off-CPU
 *	samples (--weight wall) shows which stacks waited
 * @frames: which frames of each stack to keep (a view filter, as perf's
 *	--all-kernel and --all-user are for recording): PROFILE_FRAMES_KERNEL
 *	keeps the kernel ones, PROFILE_FRAMES_USER the user ones (JIT code
 *	included).  A marker ("[truncated]", "[stack scan]") goes with the
 *	frame before it (leaf first), that is with the part it marks.  A
 *	sample left with no frame is dropped like a filtered one: no stack,
 *	thread or count has it.
 */
enum profile_frames {
	PROFILE_FRAMES_ALL,
	PROFILE_FRAMES_KERNEL,
	PROFILE_FRAMES_USER,
};

struct profile_filter {
	const __u32 *pids;
	unsigned int nr_pids;
	const __u32 *tids;
	unsigned int nr_tids;
	const char *comm;
	const __u64 *cpus;
	unsigned int nr_cpu_bits;
	bool has_time;
	__u64 time_start_ns;
	__u64 time_end_ns;
	bool has_event;
	__u64 events;
	bool mark_offcpu;
	enum profile_frames frames;
};

/* The timer, SONDE_MAX_EVENTS counters, off-CPU waits: a filter's bits. */
#define PROFILE_MAX_EVENTS	(SONDE_MAX_EVENTS + 2)
#define PROFILE_EVENT_BIT(i)	(1ULL << (i))

/*
 * What a profile keeps of its samples (profile.samples):
 * PROFILE_KEEP_ALL - each one, in file order: 40 bytes per sample.
 * PROFILE_KEEP_MERGED - one entry per (stack, thread, CPU, period), their
 *	count summed (a new entry past UINT32_MAX), in the order first met:
 *	memory grows with the distinct entries, not with the samples.
 * PROFILE_KEEP_NONE - none: each is handed to a sink in time order while
 *	the recording is walked, as soon as no record still to come can be
 *	older (profile/order.h); memory holds about one drain of the
 *	recorder's rings, not the recording.  The stacks, threads and their
 *	counts are built as with the others.
 */
enum profile_keep {
	PROFILE_KEEP_ALL,
	PROFILE_KEEP_MERGED,
	PROFILE_KEEP_NONE,
};

struct profile;

/*
 * profile_sink_t - takes sample @s of @p, whose tables hold everything @s
 * refers to (and grow while the walk goes on: keep ids, not pointers
 * into them).  Returns 0, or an -errno that ends the build with it.
 */
typedef int (*profile_sink_t)(const struct profile *p,
			      const struct profile_sample *s, void *ctx);

/*
 * struct profile_options - @filter (NULL: keep all), what to @keep, and
 * for PROFILE_KEEP_NONE the @sink (with @sink_ctx) that gets the samples.
 */
struct profile_options {
	const struct profile_filter *filter;
	enum profile_keep keep;
	profile_sink_t sink;
	void *sink_ctx;
};

struct profile {
	const char **strings;
	__u32 nr_strings;
	struct profile_mapping *mappings;
	__u32 nr_mappings;
	struct profile_function *functions;
	__u32 nr_functions;
	struct profile_location *locations;
	__u32 nr_locations;
	struct profile_line *lines;	/* inlined functions of locations */
	__u32 nr_lines;
	struct profile_stack *stacks;
	__u32 nr_stacks;
	struct profile_process *processes;
	__u32 nr_processes;
	struct profile_thread *threads;
	__u32 nr_threads;
	struct profile_sample *samples;	/* file order */
	size_t nr_samples;
	/*
	 * [0] the timer, then the recording's counters (session__events),
	 * then off-CPU waits when the recording has them
	 */
	struct profile_event *events;
	__u32 nr_events;
	__u32 offcpu_event;	/* index in @events; 0: none recorded */
	/*
	 * What one count of an off-CPU sample stands for, in ns: the
	 * timer's period, so that a wait weighs as many samples as the
	 * timer would have taken in that time (1 ms without the timer)
	 */
	__u64 offcpu_unit_ns;
	/*
	 * Built with profile_filter.mark_offcpu (the wall-clock view):
	 * every sample's count is its time in offcpu_unit_ns
	 */
	bool time_counts;
	__u64 period_ns;	/* of the recording's sampling source */
	__u64 start_ns;		/* the recording's start, CLOCK_MONOTONIC */
	__u64 start_real_ns;	/* the same, CLOCK_REALTIME; 0: unknown */
	__u64 duration_ns;	/* to STOP, else to the last sample read */
	/*
	 * In-kernel samples (all of them, filtered or not) without kernel
	 * frames because kernel addresses were withheld from the recorder.
	 */
	__u64 kernel_hidden;
	/*
	 * Samples kept whose stacks miss frames (a depth limit, an unwinder
	 * that gave up): their stacks hold a "[truncated]" frame there.
	 */
	__u64 truncated;
	/*
	 * PROFILE_KEEP_NONE: samples that came after a later one had been
	 * handed to the sink (a recording whose CPUs' samples are not each
	 * in time order), and the most samples held at once.
	 */
	__u64 late;
	size_t held_max;
	/*
	 * Samples dropped because they name a counter the recording does
	 * not list (a corrupt record, or a recording without its
	 * SAMPLE_EVENTS section).
	 */
	__u64 bad_event;
	struct profile_arena *arena;	/* private: the stacks' frames */
};

/*
 * profile__build - resolve every sample of @s that passes @f (NULL: all)
 * through @sym into a new profile.  Walks the records once; the
 * session's counts describe that walk afterwards.  Returns 0, -ENOMEM,
 * or the -errno of reading the recording.
 */
int profile__build(struct profile **p, struct session *s,
		   struct symbolizer *sym, const struct profile_filter *f);
/*
 * profile__build_opts - profile__build() as @o says (see enum
 * profile_keep); -EINVAL for PROFILE_KEEP_NONE without a sink.  A sink's
 * error ends the walk and is returned (no profile then).
 */
int profile__build_opts(struct profile **p, struct session *s,
			struct symbolizer *sym,
			const struct profile_options *o);
void profile__free(struct profile *p);

/*
 * profile__offcpu_event_of - the index in profile.events that off-CPU
 * waits will have in a profile of @s (after the timer and the
 * counters), 0 when @s has none: for filters made before the build.
 */
__u32 profile__offcpu_event_of(const struct session *s);

/*
 * profile__sample_ns - the time sample @s stands for, in ns: in the
 * wall-clock view (@time_counts) @count units; else an off-CPU sample's
 * wait, or @count periods (saturated; in events, not ns, for a counter
 * whose periods are not nanoseconds).
 */
static inline __u64 profile__sample_ns(const struct profile *p,
				       const struct profile_sample *s)
{
	if (p->time_counts)
		return s->count > UINT64_MAX / p->offcpu_unit_ns ? UINT64_MAX :
		       s->count * p->offcpu_unit_ns;
	if (p->offcpu_event && s->event == p->offcpu_event)
		return s->period_ns;
	if (s->count && s->period_ns > UINT64_MAX / s->count)
		return UINT64_MAX;
	return s->period_ns * s->count;
}

static inline const char *profile__str(const struct profile *p, __u32 id)
{
	return p->strings[id];
}

/* The function of the @i-th frame (leaf first) of @stack. */
static inline const struct profile_function *
profile__frame_function(const struct profile *p, __u32 stack, __u32 i)
{
	__u32 loc = p->stacks[stack].locs[i];

	return &p->functions[p->locations[loc].function];
}

#endif /* SONDE_PROFILE_H */
