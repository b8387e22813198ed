// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: sonde export: parse options, build the profile, write it in
 * the format asked for (one writer per format in export/) to a file
 * that is replaced only once complete (lib/outfile.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "cli/input.h"
#include "export/chrome.h"
#include "export/folded.h"
#include "export/perfview.h"
#include "export/pprof.h"
#include "export/script.h"
#include "export/speedscope.h"
#include "export/svg.h"
#include "lib/outfile.h"
#include "lib/util.h"

void help_export(FILE *f)
{
	fprintf(f,
"usage: sonde export [-i FILE] [-f FORMAT] [--reverse] [--per-thread]\n"
"                    [-o OUT] [FILTERS]\n"
"\n"
"Convert a recording.  Formats:\n"
"  folded   one line per distinct stack: comm;root;...;leaf COUNT,\n"
"           kernel frames suffixed _[k] (flamegraph.pl, speedscope)\n"
"  pprof    gzip-compressed perftools.profiles.Profile (go tool pprof,\n"
"           Pyroscope, Parca)\n"
"  perf-script  the text of sonde script (speedscope, Firefox Profiler)\n"
"  perfview PerfView's XML stacks (open as NAME.perfView.xml)\n"
"  speedscope  speedscope's JSON file format: one sampled profile per\n"
"           thread, weights in nanoseconds\n"
"  chrome   Trace Event Format JSON: samples, stackFrames, thread names\n"
"           (chrome://tracing, catapult's Trace-Viewer)\n"
"  svg      an interactive flame graph for any browser, readable without\n"
"           JavaScript\n"
"\n"
"  -i, --input FILE    recording to read (default sonde.data)\n"
"  -f, --format FMT    output format (default folded)\n"
"      --reverse       svg: an icicle of callers, leaf functions on top\n"
"      --per-thread    folded: a root per thread, comm-PID/TID (as\n"
"                      stackcollapse-perf.pl --tid); accepted and\n"
"                      needless for formats that show threads apart\n"
"                      (all but svg, which refuses it)\n"
"  -o, --output OUT    write there instead of standard output (-: stdout);\n"
"                      a regular OUT is replaced only once complete\n"
INPUT_HELP
"  -h, --help          this help\n");
}

/*
 * The formats, each a writer in export/ over the profile; folded's and
 * svg's take their options too.
 */
struct format {
	const char *name;
	int (*write)(const struct profile *p, FILE *out);
	int (*write_folded)(const struct profile *p,
			    const struct folded_opts *o, FILE *out);
	int (*write_svg)(const struct profile *p, const struct svg_opts *o,
			 FILE *out);
	bool lines;	/* it writes source files and lines */
	/*
	 * --per-thread: it has no notion of threads (it is refused), it
	 * already shows each thread apart (it changes nothing), or it does
	 * on request (folded).
	 */
	enum { THREADS_NONE, THREADS_APART, THREADS_OPTION } threads;
};

static const struct format formats[] = {
	{ .name = "folded", .write_folded = folded__write_opts,
	  .threads = THREADS_OPTION },
	{ .name = "pprof", .write = pprof__write, .lines = true,
	  .threads = THREADS_APART },
	{ .name = "perf-script", .write = script__write,
	  .threads = THREADS_APART },
	{ .name = "perfview", .write = perfview__write,
	  .threads = THREADS_APART },
	{ .name = "speedscope", .write = speedscope__write, .lines = true,
	  .threads = THREADS_APART },
	{ .name = "chrome", .write = chrome__write, .threads = THREADS_APART },
	{ .name = "svg", .write_svg = svg__write },
	{ }
};

int cmd_export(int argc, char **argv)
{
	static const struct option own[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "reverse", no_argument, NULL, 'R' },
		{ "per-thread", no_argument, NULL, 'T' },
		{ }
	};
	const struct format *format = &formats[0], *fmt;
	const char *output = "-";
	struct svg_opts svg_opts = { 0 };
	struct folded_opts folded_opts = { 0 };
	struct outfile of;
	struct input in;
	FILE *out;
	int opt, err;

	err = input__init(&in, own);
	if (err)
		goto out_close;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":i:f:o:h", in.longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'i':
			in.path = optarg;
			break;
		case INPUT_OPT_PID ... INPUT_OPT_END - 1:
			err = input__parse_opt(&in, "export", opt, optarg);
			if (err)
				goto out_close;
			break;
		case 'f':
			for (fmt = formats; fmt->name; fmt++)
				if (!strcmp(optarg, fmt->name))
					break;
			if (!fmt->name) {
				err = usage_error("export: unknown format '%s' (known: folded, pprof, perf-script, perfview, speedscope, chrome, svg)",
						  optarg);
				goto out_close;
			}
			format = fmt;
			break;
		case 'o':
			if (!*optarg) {
				err = usage_error("export: -o needs a file name (or - for standard output)");
				goto out_close;
			}
			output = optarg;
			break;
		case 'R':
			svg_opts.reverse = true;
			break;
		case 'T':
			folded_opts.per_thread = true;
			break;
		case 'h':
			help_export(stdout);
			err = 0;
			goto out_close;
		default:
			err = opt_error("export", opt, argv, in.longopts);
			goto out_close;
		}
	}
	if (optind < argc) {
		err = usage_error("export: unexpected argument '%s'",
				  argv[optind]);
		goto out_close;
	}
	if (svg_opts.reverse && !format->write_svg) {
		err = usage_error("export: --reverse is for -f svg only");
		goto out_close;
	}
	if (folded_opts.per_thread && format->threads == THREADS_NONE) {
		err = usage_error("export: --per-thread has no meaning for -f %s (it changes -f folded; pprof, perf-script, perfview, speedscope and chrome show threads apart already)",
				  format->name);
		goto out_close;
	}
	in.lines = format->lines;
	/* Nothing is created for a recording that cannot be read. */
	err = input__open(&in);
	if (err)
		goto out_close;
	err = outfile__open(&of, output, 0666, false);
	out = err ? NULL : outfile__stream(&of);
	if (!err && !out)
		err = -errno;
	if (err) {
		pr_err("cannot create %s: %s",
		       of.tmp ? of.tmp : outfile__name(&of), strerror(-err));
		outfile__abort(&of);
		goto out_close;
	}
	if (format->write_svg)
		err = format->write_svg(in.profile, &svg_opts, out);
	else if (format->write_folded)
		err = format->write_folded(in.profile, &folded_opts, out);
	else
		err = format->write(in.profile, out);
	if (err) {
		err = input__write_error(&in, err, out, outfile__name(&of),
					 of.is_stdout);
		outfile__abort(&of);
		goto out_close;
	}
	err = outfile__commit(&of);
	if (err == -EPIPE && of.is_stdout)
		err = 0;
	else if (err)
		pr_err("writing %s: %s", outfile__name(&of), strerror(-err));
out_close:
	input__close(&in);
	return err;
}
