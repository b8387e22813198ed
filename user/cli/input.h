/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CLI layer: what report, script and export share: the input recording,
 * the sample filters (--pid, --tid, --comm, --cpu, --time), the frame
 * filters (--kernel-only, --user-only), where
 * symbols come from, and building the profile they all read.
 */
#ifndef SONDE_CLI_INPUT_H
#define SONDE_CLI_INPUT_H

#include <getopt.h>
#include <stdio.h>

#include "profile/profile.h"
#include "recording/session.h"
#include "symbolize/symbolizer.h"

/* Long-option values of the shared options (no short forms). */
enum {
	INPUT_OPT_PID = 0x100,
	INPUT_OPT_TID,
	INPUT_OPT_COMM,
	INPUT_OPT_CPU,
	INPUT_OPT_TIME,
	INPUT_OPT_SYMFS,
	INPUT_OPT_INLINE,
	INPUT_OPT_NO_INLINE,
	INPUT_OPT_NO_DEMANGLE,
	INPUT_OPT_KERNEL_ONLY,
	INPUT_OPT_USER_ONLY,
	INPUT_OPT_EVENT,
	INPUT_OPT_WEIGHT,
	INPUT_OPT_END,		/* commands pass PID ... END - 1 on */
};

/* Their help lines. */
#define INPUT_HELP							\
"      --pid PID[,PID...]  only samples of these processes\n"		\
"      --tid TID[,TID...]  only samples of these threads\n"		\
"      --comm NAME        only samples of processes named NAME\n"	\
"      --cpu CPUS         only samples taken on these CPUs (0,2-3)\n"	\
"      --time START,END   only samples between these seconds from the\n"	\
"                         start of the recording (either may be empty)\n"	\
"      --event NAME       only samples of this event (cpu-clock, or a\n"	\
"                         counter given to record -e); outputs that sum\n"	\
"                         samples show one event: cpu-clock by default\n"	\
"      --weight VIEW      with off-CPU samples (record's off-CPU and\n"	\
"                         thread-time modes): cpu, the on-CPU samples;\n"	\
"                         off, the waits, each weighted by its length;\n"	\
"                         wall, both, so each thread adds up to its\n"	\
"                         wall-clock time, waits under an [off-cpu]\n"	\
"                         frame (default: wall for thread-time\n"		\
"                         recordings, else cpu)\n"				\
"      --kernel-only      only the kernel frames of each stack (samples\n"	\
"                         with none are dropped)\n"				\
"      --user-only        only the user frames (JIT code too), likewise\n"	\
"      --symfs DIR        open the recorded files under DIR, as if it\n"	\
"                         were / (a copy of the recording host's files)\n"	\
"      --no-inline        no frames for inlined functions (DWARF's);\n"	\
"                         --inline (the default) shows them\n"	\
"      --no-demangle      keep C++ and Rust symbol names as mangled\n"

#define INPUT_MAX_CPUS	4096

/* --weight: which samples a profile weighs (see INPUT_HELP). */
enum input_weight {
	INPUT_WEIGHT_DEFAULT,
	INPUT_WEIGHT_CPU,
	INPUT_WEIGHT_OFF,
	INPUT_WEIGHT_WALL,
};

struct input {
	const char *path;		/* default sonde.data */
	const char *symfs;		/* NULL: none */
	bool no_inline;
	bool no_demangle;
	bool lines;			/* the output shows source lines */
	/*
	 * The output tells the samples of each event apart (script, pprof,
	 * chrome): without --event it shows them all.  Otherwise it shows
	 * one event, the timer's (cpu-clock) unless the recording has
	 * counters only, and says so when the recording has others.
	 */
	bool all_events;
	const char *cmd;		/* for messages: "report" */
	const char *event;		/* --event NAME, NULL: none */
	enum input_weight weight;	/* --weight; after input__open(): the
					 * view chosen
					 */
	struct profile_filter filter;
	/*
	 * What the profile keeps of its samples, and for PROFILE_KEEP_NONE
	 * the writer's sink; an error of the sink is a write error (see
	 * input__open()).
	 */
	enum profile_keep keep;
	profile_sink_t sink;
	void *sink_ctx;
	int sink_err;
	__u32 *pids, *tids;
	__u64 cpus[INPUT_MAX_CPUS / 64];
	struct session *session;
	struct symbolizer *symbolizer;
	struct profile *profile;
	struct option *longopts;	/* the command's, then the shared ones */
};

/*
 * input__init - empty @in, and make in->longopts, the getopt_long() table
 * of a command: @own (ending with a zeroed entry), then the shared
 * options.  Returns 0 or -ENOMEM; input__close() frees it either way.
 */
int input__init(struct input *in, const struct option *own);
/*
 * input__parse_opt - take the shared option @opt (an INPUT_OPT_* value)
 * with argument @arg for command @cmd.  Returns 0, or -SONDE_EUSAGE after
 * saying what is wrong in one line.
 */
int input__parse_opt(struct input *in, const char *cmd, int opt,
		     const char *arg);
/*
 * input__open - open in->path and build its profile: says on stderr why
 * when it cannot (one line), unless in->sink failed: then in->sink_err
 * is its error, returned for the caller to report as a write error
 * (input__write_error()).  Takes the root of separate debug files from
 * the environment: SONDE_DEBUG_ROOT, when set and not empty, replaces
 * /usr/lib/debug.  Returns 0 or -errno.
 */
int input__open(struct input *in);
void input__close(struct input *in);

/*
 * input__write_error - the one-line message for @err, returned by an
 * output writer to @name (ferror(@out) tells a failed write from a
 * failed read).  -EPIPE on standard output (the reader went away, as in
 * `sonde script | head`) is no failure: returns 0 for it, else @err.
 */
int input__write_error(const struct input *in, int err, FILE *out,
		       const char *name, bool is_stdout);

#endif /* SONDE_CLI_INPUT_H */
