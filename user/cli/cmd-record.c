// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: sonde record: parse the command line and run the recorder
 * (record/recorder.h), which writes the recording.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmds.h"
#include "lib/evspec.h"
#include "lib/util.h"
#include "record/recorder.h"
#include "record/target.h"

void help_record(FILE *f)
{
	fprintf(f,
"usage: sonde record [OPTIONS] (-a | -p PID[,PID...] | -t TID[,TID...] |\n"
"                                [-a] [--] COMMAND [ARGS...])\n"
"\n"
"Sample CPUs through /dev/sonde (through perf_event_open without it) and\n"
"write a recording.\n"
"\n"
"  -F, --freq HZ          samples per second per CPU (default %d)\n"
"  -e, --event EVENT[,EVENT...]  what to sample on (repeatable): cpu-clock\n"
"                         (the timer, the default), or perf counters the\n"
"                         module creates: task-clock, page-faults,\n"
"                         context-switches, cpu-migrations, minor-faults,\n"
"                         major-faults, and where the CPU has a PMU cycles,\n"
"                         instructions, ... (sonde stat's names), rNNNN\n"
"  -c, --count N          a sample every N events (every N ns for\n"
"                         cpu-clock) instead of -F\n"
"      --jitter PCT       vary the timer's intervals at random by up to\n"
"                         PCT percent (0-50) so sampling cannot run in\n"
"                         lock-step with periodic work; each sample\n"
"                         stands for its real interval\n"
"      --max-overhead PCT the most of each CPU the timer's handler may\n"
"                         take (0.5 for production hosts); above it the\n"
"                         CPU's rate halves, and the samples say so\n"
"                         (the module's max_cpu_percent, 25, always holds)\n"
"  -g                     capture call chains (--call-graph fp)\n"
"      --call-graph MODE  fp[,SIZE]: frame pointers, and SIZE bytes of stack\n"
"                         (default %d, 0: none) to repair frameless leaves;\n"
"                         dwarf[,SIZE]: SIZE bytes of stack (default %d, at\n"
"                         most 65528) unwound with the binaries' CFI; none\n"
"  -a, --all              sample every task (with COMMAND: while it runs)\n"
"  -p, --pid PID[,PID]    sample these processes (thread-group ids)\n"
"  -t, --tid TID[,TID]    sample these threads only\n"
"  -C, --cpu LIST         sample only these CPUs, e.g. 0,2-3\n"
"  -d, --duration SECS    stop after this many seconds\n"
"  -m, --mmap-pages N     ring data pages per CPU, a power of two (default %d;\n"
"                         %d with more than %d bytes of stack a sample)\n"
"  -o, --output FILE      recording to write (default sonde.data)\n"
"  -q, --quiet            no status line and no summary\n"
"      --no-io-uring      use poll() and write() instead of io_uring\n"
"      --source SOURCE    sonde (the module, /dev/sonde, or fail) or perf\n"
"                         (perf_event_open, higher overhead); default:\n"
"                         sonde, perf when /dev/sonde is absent\n"
"      --archive          keep every mapped binary in the build-id cache\n"
"                         ($SONDE_ARCHIVE_DIR, else ~/.cache/sonde), so\n"
"                         reports still name its functions once it is gone\n"
"                         (binaries deleted or replaced while they ran are\n"
"                         always kept)\n"
"      --off-cpu          off-CPU samples too: where the sampled threads\n"
"                         blocked (sleeps, locks, I/O), each weighted by\n"
"                         its wait, as event offcpu-time\n"
"      --off-cpu-min-us N only waits of at least N microseconds (default\n"
"                         0: every one)\n"
"      --thread-time      off-CPU samples, and reports default to the\n"
"                         wall-clock view: each thread's on-CPU samples\n"
"                         plus its waits add up to its wall-clock time\n"
"  -h, --help             this help\n"
"\n"
"Recording ends after -d, when COMMAND exits, or on SIGINT/SIGTERM; the\n"
"file is complete in every case.  COMMAND's children are followed.\n",
	RECORDER_DEFAULT_FREQ, RECORDER_LEAF_STACK, RECORDER_DWARF_STACK,
	RECORDER_DEFAULT_PAGES, RECORDER_DWARF_PAGES, RECORDER_LEAF_STACK);
}

/*
 * perf's --call-graph argument: MODE[,SIZE].  "lbr" is x86 hardware that
 * this sampler cannot program.
 */
static int parse_callgraph(const char *arg, struct recorder_opts *o)
{
	const char *comma = strchr(arg, ',');
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
	__u32 size;

	if (len == 4 && !strncmp(arg, "none", 4) && !comma) {
		o->callgraph = RECORDER_CG_NONE;
		o->stack_bytes = 0;
		return 0;
	}
	if (len == 3 && !strncmp(arg, "lbr", 3))
		return usage_error("record: --call-graph lbr needs the CPU's last branch records, which sonde's timer sampling cannot read; use fp or dwarf");
	if (len == 2 && !strncmp(arg, "fp", 2)) {
		o->callgraph = RECORDER_CG_FP;
		size = RECORDER_LEAF_STACK;
	} else if (len == 5 && !strncmp(arg, "dwarf", 5)) {
		o->callgraph = RECORDER_CG_DWARF;
		size = RECORDER_DWARF_STACK;
	} else {
		return usage_error("record: --call-graph needs fp[,SIZE], dwarf[,SIZE] or none, not '%s'",
				   arg);
	}
	if (comma && (parse_u32(comma + 1, &size) || size % 8 ||
		      size > 65528 ||
		      (o->callgraph == RECORDER_CG_DWARF && !size)))
		return usage_error("record: --call-graph %.*s,SIZE needs a multiple of 8 bytes up to 65528%s, not '%s'",
				   (int)len, arg,
				   o->callgraph == RECORDER_CG_DWARF ?
				   ", above 0" : "", comma + 1);
	o->stack_bytes = size;
	return 0;
}

static int parse_record_args(int argc, char **argv, struct recorder_opts *o)
{
	static const struct option longopts[] = {
		{ "freq", required_argument, NULL, 'F' },
		{ "event", required_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'c' },
		{ "max-overhead", required_argument, NULL, 'O' },
		{ "jitter", required_argument, NULL, 'J' },
		{ "call-graph", required_argument, NULL, 'G' },
		{ "all", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "tid", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "duration", required_argument, NULL, 'd' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-io-uring", no_argument, NULL, 'U' },
		{ "source", required_argument, NULL, 'S' },
		{ "archive", no_argument, NULL, 'A' },
		{ "off-cpu", no_argument, NULL, 'W' },
		{ "off-cpu-min-us", required_argument, NULL, 'M' },
		{ "thread-time", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	bool min_given = false;
	int c, scopes;

	o->freq = RECORDER_DEFAULT_FREQ;
	o->output = "sonde.data";
	opterr = 0;
	/* '+': the first non-option starts COMMAND, its options are its own. */
	while ((c = getopt_long(argc, argv, "+:F:e:c:gap:t:C:d:m:o:qh",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'e': {
			struct evspec *evs = (struct evspec *)o->events;
			const char *bad;
			size_t bad_len;
			int err = evspec__parse_list(optarg, &evs,
						     &o->nr_events, &bad,
						     &bad_len);

			o->events = evs;
			if (err == -ENOMEM)
				return err;
			if (err)
				return usage_error("record: -e: unknown event '%.*s' (known: cpu-clock, task-clock, page-faults, minor-faults, major-faults, context-switches, cpu-migrations, cycles, instructions, ref-cycles, cache-references, cache-misses, branches, branch-misses, rNNNN)",
						   (int)bad_len, bad);
			break;
		}
		case 'J':
			if (parse_u32(optarg, &o->jitter) || o->jitter > 50)
				return usage_error("record: --jitter needs a percentage from 0 to 50, not '%s'",
						   optarg);
			break;
		case 'O': {
			double pct;

			if (parse_double(optarg, &pct) || pct < 0.01 ||
			    pct > 100)
				return usage_error("record: --max-overhead needs a percentage of a CPU from 0.01 to 100, not '%s'",
						   optarg);
			o->max_overhead = (__u32)(pct * 100 + 0.5);
			break;
		}
		case 'c':
			if (parse_u64(optarg, &o->count) || !o->count)
				return usage_error("record: -c needs a number of events above 0, not '%s'",
						   optarg);
			break;
		case 'F':
			if (parse_u32(optarg, &o->freq) || !o->freq)
				return usage_error("record: -F needs a frequency in Hz above 0, not '%s'",
						   optarg);
			break;
		case 'g':
			if (parse_callgraph("fp", o))
				return -SONDE_EUSAGE;
			break;
		case 'G':
			if (parse_callgraph(optarg, o))
				return -SONDE_EUSAGE;
			break;
		case 'a':
			o->all = true;
			break;
		case 'p':
			free(o->pids);
			if (parse_pid_list(optarg, &o->pids, &o->nr_pids))
				return usage_error("record: -p needs a list of process ids like 12,34, not '%s'",
						   optarg);
			break;
		case 't':
			free(o->tids);
			if (parse_pid_list(optarg, &o->tids, &o->nr_tids))
				return usage_error("record: -t needs a list of thread ids like 12,34, not '%s'",
						   optarg);
			break;
		case 'C':
			o->cpus = optarg;
			break;
		case 'd':
			if (parse_double(optarg, &o->duration) ||
			    o->duration <= 0 || o->duration > 1e9)
				return usage_error("record: -d needs a positive number of seconds, not '%s'",
						   optarg);
			break;
		case 'm':
			if (parse_u32(optarg, &o->pages) || !o->pages ||
			    (o->pages & (o->pages - 1)))
				return usage_error("record: -m needs a power of two of pages, not '%s'",
						   optarg);
			break;
		case 'o':
			if (!*optarg)
				return usage_error("record: -o needs a file name");
			o->output = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'U':
			o->no_uring = true;
			break;
		case 'S':
			if (!strcmp(optarg, "perf"))
				o->source = RECORDER_SOURCE_PERF;
			else if (!strcmp(optarg, "sonde"))
				o->source = RECORDER_SOURCE_SONDE;
			else
				return usage_error("record: --source needs sonde or perf, not '%s'",
						   optarg);
			break;
		case 'A':
			o->archive = true;
			break;
		case 'T':
			o->thread_time = true;
			/* fall through */
		case 'W':
			o->off_cpu = true;
			break;
		case 'M': {
			__u64 us;

			/* The module's limit (max_period_ns) is checked later. */
			if (parse_u64(optarg, &us) || us > UINT64_MAX / 1000)
				return usage_error("record: --off-cpu-min-us needs a number of microseconds, not '%s'",
						   optarg);
			o->off_cpu_min_ns = us * 1000;
			min_given = true;
			break;
		}
		case 'h':
			help_record(stdout);
			return 1;
		default:
			return opt_error("record", c, argv, longopts);
		}
	}
	if (optind < argc)
		o->command = argv + optind;
	if (min_given && !o->off_cpu)
		return usage_error("record: --off-cpu-min-us needs --off-cpu or --thread-time");
	/* -a -- COMMAND: every task, for as long as COMMAND runs (perf's). */
	scopes = (o->all || o->command) + !!o->nr_pids + !!o->nr_tids;
	if (scopes == 0)
		return usage_error("record: say what to sample: -a, -p PID, -t TID or a command (try 'sonde record --help')");
	if (scopes > 1)
		return usage_error("record: -p and -t exclude each other, -a and a command");
	/* -t: the module samples the threads' processes, record keeps them. */
	if (o->nr_tids)
		return target__tids_to_pids(o->tids, o->nr_tids, &o->pids,
					    &o->nr_pids);
	return target__check_pids(o->pids, o->nr_pids);
}

int cmd_record(int argc, char **argv)
{
	struct recorder_opts o = { 0 };
	int err;

	err = parse_record_args(argc, argv, &o);
	if (!err)
		err = recorder__run(&o);
	free(o.pids);
	free(o.tids);
	free((struct evspec *)o.events);
	return err > 0 ? 0 : err;
}
