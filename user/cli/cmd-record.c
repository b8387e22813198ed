// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: sonde record: parse the command line and run the recorder
 * (record/recorder.h), which writes the recording.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cmds.h"
#include "lib/util.h"
#include "record/recorder.h"
#include "record/target.h"

void help_record(FILE *f)
{
	fprintf(f,
"usage: sonde record [OPTIONS] (-a | -p PID[,PID...] | [--] COMMAND [ARGS...])\n"
"\n"
"Sample CPUs through /dev/sonde and write a recording.\n"
"\n"
"  -F, --freq HZ          samples per second per CPU (default %d)\n"
"  -g, --call-graph       capture kernel and user call chains\n"
"  -a, --all              sample every task\n"
"  -p, --pid PID[,PID]    sample these processes (thread-group ids)\n"
"  -C, --cpu LIST         sample only these CPUs, e.g. 0,2-3\n"
"  -d, --duration SECS    stop after this many seconds\n"
"  -m, --mmap-pages N     ring data pages per CPU, a power of two (default %d)\n"
"  -o, --output FILE      recording to write (default sonde.data)\n"
"  -q, --quiet            no status line and no summary\n"
"      --no-io-uring      use poll() and write() instead of io_uring\n"
"  -h, --help             this help\n"
"\n"
"Recording ends after -d, when COMMAND exits, or on SIGINT/SIGTERM; the\n"
"file is complete in every case.\n", RECORDER_DEFAULT_FREQ,
	RECORDER_DEFAULT_PAGES);
}

static int parse_record_args(int argc, char **argv, struct recorder_opts *o)
{
	static const struct option longopts[] = {
		{ "freq", required_argument, NULL, 'F' },
		{ "call-graph", no_argument, NULL, 'g' },
		{ "all", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "duration", required_argument, NULL, 'd' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-io-uring", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c, scopes;

	o->freq = RECORDER_DEFAULT_FREQ;
	o->output = "sonde.data";
	opterr = 0;
	/* '+': the first non-option starts COMMAND, its options are its own. */
	while ((c = getopt_long(argc, argv, "+:F:gap:C:d:m:o:qh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'F':
			if (parse_u32(optarg, &o->freq) || !o->freq)
				return usage_error("record: -F needs a frequency in Hz above 0, not '%s'",
						   optarg);
			break;
		case 'g':
			o->callgraph = true;
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
		case 'h':
			help_record(stdout);
			return 1;
		default:
			return opt_error("record", c, argv, longopts);
		}
	}
	if (optind < argc)
		o->command = argv + optind;
	scopes = o->all + !!o->nr_pids + !!o->command;
	if (scopes == 0)
		return usage_error("record: say what to sample: -a, -p PID or a command (try 'sonde record --help')");
	if (scopes > 1)
		return usage_error("record: -a, -p and a command exclude each other");
	return target__check_pids(o->pids, o->nr_pids);
}

int cmd_record(int argc, char **argv)
{
	struct recorder_opts o = { 0 };
	int err;

	err = parse_record_args(argc, argv, &o);
	if (err) {
		free(o.pids);
		return err > 0 ? 0 : err;
	}
	err = recorder__run(&o);
	free(o.pids);
	return err;
}
