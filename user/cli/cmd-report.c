// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: sonde report: parse options, build the profile, write the
 * report table (export/report.h).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmds.h"
#include "cli/input.h"
#include "export/report.h"
#include "lib/util.h"

void help_report(FILE *f)
{
	fprintf(f,
"usage: sonde report [-i FILE] [--sort sym|dso|comm|pid|tid] [--children]\n"
"                    [--limit N] [--per-thread] [-g|--call-graph[=PCT]]\n"
"                    [FILTERS]\n"
"\n"
"Print the hottest entries of a recording, with self and total (children)\n"
"percentages.  Kernel symbols are marked [k], JIT-compiled code [j],\n"
"user ones [.].\n"
"\n"
"  -i, --input FILE   recording to read (default sonde.data)\n"
"  -s, --sort KEY     sym (default), dso, comm, pid or tid\n"
"      --children     order by total instead of self, and list entries\n"
"                     that only appear as callers\n"
"  -n, --limit N      print at most N entries\n"
"      --per-thread   a table per thread (sym and dso sorts)\n"
"  -g, --call-graph[=PCT]  under each symbol, the tree of its callers,\n"
"                     leaving out those under PCT%% of the samples\n"
"                     (default 0.5)\n"
INPUT_HELP
"  -h, --help         this help\n");
}

static const struct option report_longopts[] = {
	{ "input", required_argument, NULL, 'i' },
	{ "sort", required_argument, NULL, 's' },
	{ "children", no_argument, NULL, 'c' },
	{ "limit", required_argument, NULL, 'n' },
	{ "per-thread", no_argument, NULL, 'T' },
	{ "call-graph", optional_argument, NULL, 'g' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

/*
 * Whether getopt stopped at a value glued to -g ("-g=5", "-g5", as
 * --call-graph=5 is written): the element it was in, then, for the
 * message.  When the value was the element's last character getopt has
 * moved past it, else not yet.
 */
static const char *glued_g_value(int argc, char **argv)
{
	char pat[3] = { 'g', (char)optopt, 0 };
	int i;

	if (optopt != '=' && optopt != '.' && (optopt < '0' || optopt > '9'))
		return NULL;
	for (i = optind; i >= optind - 1 && i > 0; i--)
		if (i < argc && argv[i][0] == '-' && argv[i][1] != '-' &&
		    strstr(argv[i], pat))
			return argv[i];
	return NULL;
}

/* --limit N: a count of entries, "0" and words refused. */
static int parse_limit(const char *arg, __u64 *limit)
{
	if (!parse_u64(arg, limit) && *limit)
		return 0;
	/* Digits only, and still refused: more than a __u64 holds. */
	if (arg[0] && strspn(arg, "0123456789") == strlen(arg) &&
	    strspn(arg, "0") != strlen(arg))
		return usage_error("report: --limit takes at most %llu entries, not '%s'",
				   (unsigned long long)UINT64_MAX, arg);
	return usage_error("report: --limit needs a positive number, not '%s'",
			   arg);
}

static int parse_report_args(int argc, char **argv, struct input *in,
			     struct report_opts *o)
{
	unsigned int i;
	int c, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:s:n:gh", in->longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'i':
			in->path = optarg;
			break;
		case 's':
			for (i = 0; i < REPORT_NR_SORTS; i++)
				if (!strcmp(optarg, report_sort_names[i]))
					break;
			if (i == REPORT_NR_SORTS)
				return usage_error("report: --sort takes sym, dso, comm, pid or tid, not '%s'",
						   optarg);
			o->sort = i;
			break;
		case 'c':
			o->children = true;
			break;
		case 'T':
			o->per_thread = true;
			break;
		case 'g':
			o->call_graph = true;
			if (optarg && (parse_double(optarg, &o->cg_percent) ||
				       !(o->cg_percent >= 0 &&
					 o->cg_percent <= 100)))
				return usage_error("report: --call-graph takes a percentage from 0 to 100, not '%s'",
						   optarg);
			break;
		case 'n':
			err = parse_limit(optarg, &o->limit);
			if (err)
				return err;
			break;
		case INPUT_OPT_PID ... INPUT_OPT_END - 1:
			err = input__parse_opt(in, "report", c, optarg);
			if (err)
				return err;
			break;
		case 'h':
			help_report(stdout);
			return 1;
		default:
			if (c == '?' && glued_g_value(argc, argv))
				return usage_error("report: -g takes no value: the threshold is --call-graph=PCT, not '%s'",
						   glued_g_value(argc, argv));
			return opt_error("report", c, argv, in->longopts);
		}
	}
	if (optind < argc)
		return usage_error("report: unexpected argument '%s'",
				   argv[optind]);
	if (o->per_thread && o->sort != REPORT_SORT_SYM &&
	    o->sort != REPORT_SORT_DSO)
		return usage_error("report: --per-thread is for --sort sym or dso (--sort %s shows threads apart already)",
				   report_sort_names[o->sort]);
	if (o->call_graph && o->sort != REPORT_SORT_SYM)
		return usage_error("report: --call-graph is for --sort sym");
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = { .cg_percent = 0.5 };
	struct input in;
	int err;

	err = input__init(&in, report_longopts);
	in.cmd = "report";
	if (!err)
		err = parse_report_args(argc, argv, &in, &o);
	/* Reports sum samples: each (stack, thread, CPU) is kept once. */
	in.keep = PROFILE_KEEP_MERGED;
	if (!err)
		err = input__open(&in);
	if (!err) {
		err = report__write(in.profile, in.session, &o, stdout);
		if (err)
			err = input__write_error(&in, err, stdout,
						 "standard output", true);
	}
	input__close(&in);
	/* 1: the help was asked for, and printed. */
	return err > 0 ? 0 : err;
}
