// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: sonde stat: parse the command line, count the events
 * (record/counting.h) and write the counts (export/counts.h) to standard
 * error, as perf stat does, or to -o FILE.  Exits with COMMAND's status.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli/cmds.h"
#include "export/counts.h"
#include "lib/evspec.h"
#include "lib/outfile.h"
#include "lib/util.h"
#include "record/counting.h"
#include "record/target.h"

/* Below perf's own minimum the counting itself would be the load. */
#define STAT_MIN_INTERVAL_MS	10

struct stat_args {
	struct evspec *specs;
	unsigned int nr;
	bool all;
	__u32 *pids;
	unsigned int nr_pids;
	char **command;
	unsigned int interval_ms;
	bool json;
	const char *output;
	FILE *out;
	bool header_done;
	int write_err;		/* what print_interval() failed with */
};

void help_stat(FILE *f)
{
	fprintf(f,
"usage: sonde stat [-e EVENT[,EVENT...]]... [-I MS] [--json] [-o FILE]\n"
"                  (-a [[--] COMMAND [ARGS...]] | -p PID[,PID...] |\n"
"                   [--] COMMAND [ARGS...])\n"
"\n"
"Count events with perf_event_open(2), as perf stat does (no module needed).\n"
"\n"
"  -e, --event LIST        events to count, comma-separated; may be repeated\n"
"                          (default: task-clock, context-switches,\n"
"                          cpu-migrations, page-faults, cycles, instructions,\n"
"                          branches, branch-misses)\n"
"  -a, --all-cpus          count every online CPU (with COMMAND: while it runs)\n"
"  -p, --pid PID[,PID]     count these processes, all their threads\n"
"  -I, --interval-print MS print the counts of every MS milliseconds (>= %d)\n"
"      --json              JSON instead of text (JSON lines with -I)\n"
"  -o, --output FILE       write the counts to FILE, - for standard output\n"
"                          (default: standard error)\n"
"  -h, --help              this help\n"
"\n"
"Events: task-clock cpu-clock page-faults (faults) minor-faults major-faults\n"
"context-switches (cs) cpu-migrations (migrations) cycles instructions\n"
"ref-cycles cache-references cache-misses branches branch-misses, and rNNNN\n"
"(a raw PMU config in hex).  Events the machine lacks print <not supported>.\n"
"\n"
"Counting ends when COMMAND exits, when every -p process has, or on\n"
"SIGINT/SIGTERM.  With COMMAND, stat exits with its status.\n",
	STAT_MIN_INTERVAL_MS);
}

static int parse_events(struct stat_args *a, const char *list)
{
	const char *bad = list;
	size_t len = 0;
	int err;

	err = evspec__parse_list(list, &a->specs, &a->nr, &bad, &len);
	if (err == -ENOMEM)
		return err;
	if (err == -ERANGE)
		return usage_error("stat: raw event '%.*s' has more than 16 hex digits",
				   (int)len, bad);
	if (err)
		return usage_error("stat: unknown event '%.*s' (try 'sonde stat --help')",
				   (int)len, bad);
	return 0;
}

static int check_pids(const struct stat_args *a)
{
	unsigned int i;
	__u32 tgid;

	for (i = 0; i < a->nr_pids; i++) {
		int err = target__check_pid(a->pids[i], &tgid);

		if (err == -ESRCH)
			return usage_error("stat: -p %u: no such process",
					   a->pids[i]);
		if (err == -EINVAL && tgid)
			return usage_error("stat: -p %u is a thread of process %u: give -p %u",
					   a->pids[i], tgid, tgid);
		if (err == -EINVAL)
			return usage_error("stat: -p %u is a thread, not a process: give its process id",
					   a->pids[i]);
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct stat_args *a)
{
	static const struct option longopts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "all-cpus", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "interval-print", required_argument, NULL, 'I' },
		{ "json", no_argument, NULL, 'J' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c, err;

	opterr = 0;
	/* '+': the first non-option starts COMMAND, its options are its own. */
	while ((c = getopt_long(argc, argv, "+:e:ap:I:o:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'e':
			err = parse_events(a, optarg);
			if (err)
				return err;
			break;
		case 'a':
			a->all = true;
			break;
		case 'p':
			free(a->pids);
			a->pids = NULL;
			if (parse_pid_list(optarg, &a->pids, &a->nr_pids))
				return usage_error("stat: -p needs a list of process ids like 12,34, not '%s'",
						   optarg);
			break;
		case 'I':
			if (parse_u32(optarg, &a->interval_ms) ||
			    a->interval_ms < STAT_MIN_INTERVAL_MS)
				return usage_error("stat: -I needs a number of milliseconds, at least %d, not '%s'",
						   STAT_MIN_INTERVAL_MS, optarg);
			break;
		case 'J':
			a->json = true;
			break;
		case 'o':
			if (!*optarg)
				return usage_error("stat: -o needs a file name (or - for standard output)");
			a->output = optarg;
			break;
		case 'h':
			help_stat(stdout);
			return 1;
		default:
			return opt_error("stat", c, argv, longopts);
		}
	}
	if (optind < argc)
		a->command = argv + optind;
	if (!a->all && !a->nr_pids && !a->command)
		return usage_error("stat: say what to count: -a, -p PID or a command (try 'sonde stat --help')");
	if (a->nr_pids && (a->all || a->command))
		return usage_error("stat: -p goes with neither -a nor a command");
	if (!a->nr) {
		err = evspec__defaults(&a->specs, &a->nr);
		if (err)
			return err;
	}
	return check_pids(a);
}

static int print_interval(void *ctx, __u64 time_ns, __u64 len_ns,
			  const struct evcount *delta)
{
	struct stat_args *a = ctx;
	struct counts_view v = {
		.specs = a->specs, .counts = delta, .nr = a->nr,
		.elapsed_ns = len_ns,
	};
	int err;

	if (a->json) {
		err = counts__write_interval_json(a->out, time_ns, &v);
	} else {
		err = counts__write_interval_text(a->out, time_ns, &v,
						  !a->header_done);
		a->header_done = true;
	}
	if (!err && fflush(a->out))
		err = -errno;
	a->write_err = err;
	return err;
}

/* The words of COMMAND, joined by spaces, as perf names it. */
static char *join_command(char **argv)
{
	struct buf b = { 0 };
	int i;

	for (i = 0; argv[i]; i++) {
		if ((i && buf__append(&b, " ", 1)) ||
		    buf__append(&b, argv[i], strlen(argv[i]))) {
			buf__free(&b);
			return NULL;
		}
	}
	if (buf__append(&b, "", 1)) {
		buf__free(&b);
		return NULL;
	}
	return b.data;
}

static char *describe_target(const struct stat_args *a)
{
	struct buf b = { 0 };
	char num[16];
	unsigned int i;

	if (a->command && !a->all)
		return join_command(a->command);
	if (a->all)
		return strdup("system wide");
	for (i = 0; i < a->nr_pids; i++) {
		snprintf(num, sizeof(num), i ? ",%u" : "%u", a->pids[i]);
		if (buf__append(&b, num, strlen(num))) {
			buf__free(&b);
			return NULL;
		}
	}
	if (buf__append(&b, "", 1)) {
		buf__free(&b);
		return NULL;
	}
	return b.data;
}

/* stat's exit status for the command's wait @status (a shell's rule). */
static int command_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static int write_totals(struct stat_args *a, const struct counting_result *r)
{
	struct counts_view v = {
		.specs = a->specs, .counts = r->counts, .nr = a->nr,
		.elapsed_ns = r->elapsed_ns,
	};
	struct counts_run run = { 0 };
	int err;

	run.target = describe_target(a);
	run.pids = a->nr_pids;
	if (!run.target)
		return -ENOMEM;
	if (r->reaped) {
		run.has_command = true;
		run.user_ns = r->ru.ru_utime.tv_sec * 1000000000ULL +
			      r->ru.ru_utime.tv_usec * 1000ULL;
		run.sys_ns = r->ru.ru_stime.tv_sec * 1000000000ULL +
			     r->ru.ru_stime.tv_usec * 1000ULL;
		run.exit_status = command_status(r->status);
	}
	if (a->json)
		err = counts__write_json(a->out, &v, &run);
	else
		err = counts__write_text(a->out, &v, &run);
	free((char *)run.target);
	return err;
}

static const char *out_name(const struct stat_args *a,
			    const struct outfile *of)
{
	return a->output ? outfile__name(of) : "standard error";
}

static int run_stat(struct stat_args *a)
{
	struct counting_opts o = {
		.specs = a->specs, .nr = a->nr, .all = a->all,
		.pids = a->pids, .nr_pids = a->nr_pids,
		.command = a->command, .interval_ms = a->interval_ms,
		.interval = print_interval, .ctx = a,
	};
	struct counting_result r = { 0 };
	struct outfile of = { .fd = -1 };
	int err;

	r.counts = calloc(a->nr, sizeof(*r.counts));
	if (!r.counts)
		return -ENOMEM;
	a->out = stderr;
	if (a->output) {
		err = outfile__open(&of, a->output, 0666, false);
		a->out = err ? NULL : outfile__stream(&of);
		if (!err && !a->out)
			err = -errno;
		if (err) {
			pr_err("cannot create %s: %s",
			       of.tmp ? of.tmp : outfile__name(&of),
			       strerror(-err));
			outfile__abort(&of);
			free(r.counts);
			return err;
		}
	}
	err = counting__run(&o, &r);
	/* counting__run() said why it failed, unless writing did. */
	if (err && a->write_err == err)
		pr_err("writing %s: %s", out_name(a, &of), strerror(-err));
	if (!err && !a->interval_ms) {
		err = write_totals(a, &r);
		if (err)
			pr_err("writing %s: %s", out_name(a, &of),
			       strerror(-err));
	}
	if (!a->output) {
		if (fflush(stderr) && !err)
			err = -errno;
	} else if (err) {
		outfile__abort(&of);
	} else {
		err = outfile__commit(&of);
		if (err)
			pr_err("writing %s: %s", outfile__name(&of),
			       strerror(-err));
	}
	free(r.counts);
	/* A command that could not run: the shell's 127 and 126. */
	if (r.exec_err)
		return r.exec_err == -ENOENT ? 127 : 126;
	if (err)
		return err;
	return r.reaped ? command_status(r.status) : 0;
}

int cmd_stat(int argc, char **argv)
{
	struct stat_args a = { 0 };
	int err;

	/* 1: the help was printed. */
	err = parse_args(argc, argv, &a);
	if (err > 0)
		err = 0;
	else if (!err)
		err = run_stat(&a);
	free(a.specs);
	free(a.pids);
	return err;
}
