/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: the recorder behind sonde record.  It configures
 * /dev/sonde, drains its per-CPU rings into a recording, and captures
 * what report needs to symbolize the samples later, here or on another
 * machine.
 *
 * recorder__run() blocks the calling thread until the recording ends,
 * and blocks SIGINT, SIGTERM and SIGCHLD in it (they are read through a
 * signalfd); it runs one thread of its own meanwhile, for file work
 * (record/fsworker.h), with every signal blocked but those of faults.
 * Nothing here is global.
 */
#ifndef SONDE_RECORDER_H
#define SONDE_RECORDER_H

#include <stdbool.h>
#include <linux/types.h>

#define RECORDER_DEFAULT_FREQ	999	/* Hz, per CPU */

struct evspec;
/* Bytes of user stack: a dwarf-mode copy, and a leaf-repair copy. */
#define RECORDER_DWARF_STACK	8192
#define RECORDER_LEAF_STACK	512
/*
 * Ring data pages per CPU: 512 KiB, perf record's own default.  With
 * 64, an fp recording of 30 frames at 20 kHz per CPU lost samples in 2
 * of 12 runs in a one-CPU -icount guest (the ring held 33 ms), with 128
 * in none (BENCHMARKS.md, the ramp notes).
 */
#define RECORDER_DEFAULT_PAGES	128
/*
 * With a dwarf-mode stack copy: each reservation is the largest record
 * (about 10 KiB at 8 KiB of stack), and records arrive several times
 * faster in bytes.  In a one-CPU -icount guest (BENCHMARKS.md, the
 * ramp) 64 pages lost 3 to 13% of samples at 10 and 20 kHz, 256 none
 * at 10 kHz and at most 0.2% at 20 kHz (none since 00818c6).
 */
#define RECORDER_DWARF_PAGES	256

/* How user call chains are captured (perf's --call-graph modes). */
enum recorder_callgraph {
	RECORDER_CG_NONE,	/* the sampled IPs only */
	RECORDER_CG_FP,		/* frame-pointer chains, with @stack_bytes
				 * of stack to repair frameless leaves by CFI
				 * (0: plain frame pointers)
				 */
	RECORDER_CG_DWARF,	/* @stack_bytes of stack unwound by CFI,
				 * the frame-pointer chain beyond it
				 */
};

/* Where samples come from (--source). */
enum recorder_source {
	RECORDER_SOURCE_AUTO,	/* the module; perf_event_open without it */
	RECORDER_SOURCE_SONDE,	/* the module, or fail */
	RECORDER_SOURCE_PERF,	/* perf_event_open even with the module */
};

/*
 * struct recorder_opts - what to record, and how.  @nr_pids, @command
 * and @all say what is sampled: exactly one of them, or @all with
 * @command (every task, for as long as the command runs); the caller
 * checks that.
 * The recorder reads these and never writes them or keeps them past
 * recorder__run().
 */
struct recorder_opts {
	__u32 freq;		/* samples per second per CPU, in Hz, above 0 */
	/*
	 * -e: what to sample on (lib/evspec.h); none: the timer alone.
	 * cpu-clock is the timer; the others are perf counters the module
	 * creates (SONDE_FEAT_PMU), each sampling at @freq, or every
	 * @count events (every @count ns for the timer) when not 0.
	 */
	const struct evspec *events;
	unsigned int nr_events;
	__u64 count;
	/*
	 * --max-overhead: the most of each CPU the timer's handler may
	 * take, in hundredths of a percent; 0: the module's limit alone
	 */
	__u32 max_overhead;
	__u32 jitter;		/* --jitter: percent, 0 to 50 */
	enum recorder_callgraph callgraph;
	__u32 stack_bytes;	/* user stack copied per sample, a multiple
				 * of 8 (see enum recorder_callgraph)
				 */
	bool all;		/* sample every task */
	__u32 *pids;		/* sample these thread-group ids ... */
	unsigned int nr_pids;	/* ... this many of them (0: not -p) */
	__u32 *tids;		/* -t: of those processes, keep only the
				 * samples of these threads ...
				 */
	unsigned int nr_tids;	/* ... this many (0: every thread) */
	char **command;		/* run and sample this argv (NULL-ended);
				 * NULL: no command
				 */
	const char *cpus;	/* CPU list such as "0,2-3"; NULL: every
				 * possible CPU
				 */
	double duration;	/* stop after this many seconds; 0: no limit */
	__u32 pages;		/* ring data pages per CPU, a power of two;
				 * 0: RECORDER_DEFAULT_PAGES (with more
				 * than RECORDER_LEAF_STACK bytes of stack,
				 * RECORDER_DWARF_PAGES) within the
				 * module's limits
				 */
	const char *output;	/* path of the recording to write */
	bool quiet;		/* no status line and no summary on stderr */
	enum recorder_source source;	/* --source */
	bool no_uring;		/* poll() and write() instead of io_uring */
	bool archive;		/* keep every mapped binary by build-id
				 * (record/archive.h), not only those
				 * deleted or replaced while they ran
				 */
	/*
	 * --off-cpu: off-CPU samples too (SONDE_CONFIG_OFFCPU): where the
	 * sampled threads blocked, weighted by how long, for waits of at
	 * least @off_cpu_min_ns.  --thread-time: the same, and the
	 * recording says that its reports should default to the
	 * wall-clock view (SREC_SESSION_THREAD_TIME).
	 */
	bool off_cpu;
	bool thread_time;
	__u64 off_cpu_min_ns;
};

/*
 * recorder__run - record as @o says until @o->duration has passed, the
 * command exited, every -p process ended, or SIGINT/SIGTERM came.
 *
 * The recording is written as FILE.tmp-PID and renamed to FILE
 * (@o->output) only once its END section is on disk, so a FILE that
 * exists is always complete; a crash leaves the temporary, which the
 * reader still reads up to where it stops, and a failure removes it.  A
 * FILE that is a symlink or a device is written in place (lib/outfile.h).
 * Unless @o->quiet, a status line is kept on a terminal's stderr and a
 * summary is printed at the end.
 *
 * Prints its own diagnostics.  Returns 0 or a negative errno
 * (-SONDE_EUSAGE when @o does not fit the module or the machine).
 */
int recorder__run(const struct recorder_opts *o);

/*
 * recorder__default_pages - ring data pages per CPU when -m is not given:
 * RECORDER_DEFAULT_PAGES, or RECORDER_DWARF_PAGES for more than
 * RECORDER_LEAF_STACK bytes of stack a sample, clamped into the module's
 * [@min_pages, @max_pages].
 */
__u32 recorder__default_pages(const struct recorder_opts *o, __u32 min_pages,
			      __u32 max_pages);

#endif /* SONDE_RECORDER_H */
