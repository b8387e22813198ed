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
 * A format written while the recording is read (PROFILE_KEEP_NONE):
 * @begin writes the start and makes the writer's context, @sample is
 * the profile's sink, @end writes the rest from the whole profile, and
 * @free (NULL: nothing to free) frees the context.
 */
struct stream_ops {
	int (*begin)(void **ctx, FILE *out);
	profile_sink_t sample;
	int (*end)(void *ctx, const struct profile *p, FILE *out);
	void (*free)(void *ctx);
};

static int script_begin(void **ctx, FILE *out)
{
	*ctx = out;
	return 0;
}

static int script_end(void *ctx __always_unused,
		      const struct profile *p __always_unused, FILE *out)
{
	return script__end(out);
}

static const struct stream_ops script_stream = {
	script_begin, script__sample, script_end, NULL,
};

static int chrome_begin(void **ctx, FILE *out)
{
	return chrome__new((struct chrome **)ctx, out);
}

static int chrome_end(void *ctx, const struct profile *p,
		      FILE *out __always_unused)
{
	return chrome__end(ctx, p);
}

static void chrome_free(void *ctx)
{
	chrome__free(ctx);
}

static const struct stream_ops chrome_stream = {
	chrome_begin, chrome__sample, chrome_end, chrome_free,
};

/*
 * The formats, each a writer in export/ over the profile; folded's and
 * svg's take their options too.  @keep: what of the samples the writer
 * needs: those that need neither each sample's time nor their order read
 * merged samples, and those written in time order are streamed.
 */
struct format {
	const char *name;
	enum profile_keep keep;
	const struct stream_ops *stream;
	int (*write)(const struct profile *p, FILE *out);
	int (*write_folded)(const struct profile *p,
			    const struct folded_opts *o, FILE *out);
	int (*write_svg)(const struct profile *p, const struct svg_opts *o,
			 FILE *out);
	bool lines;	/* it writes source files and lines */
	bool all_events;	/* it tells events apart (input.h) */
	/*
	 * --per-thread: it has no notion of threads (it is refused), it
	 * already shows each thread apart (it changes nothing), or it does
	 * on request (folded).
	 */
	enum { THREADS_NONE, THREADS_APART, THREADS_OPTION } threads;
};

static const struct format formats[] = {
	{ .name = "folded", .write_folded = folded__write_opts,
	  .keep = PROFILE_KEEP_MERGED, .threads = THREADS_OPTION },
	{ .name = "pprof", .write = pprof__write, .lines = true,
	  .keep = PROFILE_KEEP_MERGED, .threads = THREADS_APART,
	  .all_events = true },
	{ .name = "perf-script", .stream = &script_stream,
	  .keep = PROFILE_KEEP_NONE, .threads = THREADS_APART,
	  .all_events = true },
	{ .name = "perfview", .write = perfview__write,
	  .threads = THREADS_APART },
	{ .name = "speedscope", .write = speedscope__write, .lines = true,
	  .threads = THREADS_APART },
	{ .name = "chrome", .stream = &chrome_stream,
	  .keep = PROFILE_KEEP_NONE, .threads = THREADS_APART,
	  .all_events = true },
	{ .name = "svg", .write_svg = svg__write,
	  .keep = PROFILE_KEEP_MERGED },
	{ }
};

/* Open @output as @of (saying why not). */
static FILE *open_output(struct outfile *of, const char *output, int *err)
{
	FILE *out;

	*err = outfile__open(of, output, 0666, false);
	out = *err ? NULL : outfile__stream(of);
	if (!*err && !out)
		*err = -errno;
	if (*err) {
		pr_err("cannot create %s: %s",
		       of->tmp ? of->tmp : outfile__name(of), strerror(-*err));
		outfile__abort(of);
		return NULL;
	}
	return out;
}

/* Put the file in place; a reader of standard output that left is fine. */
static int commit_output(struct outfile *of)
{
	int err = outfile__commit(of);

	if (err == -EPIPE && of->is_stdout)
		return 0;
	if (err)
		pr_err("writing %s: %s", outfile__name(of), strerror(-err));
	return err;
}

static void warn_late(const struct input *in)
{
	if (in->profile && in->profile->late)
		pr_warn("%s: %llu samples came after later ones and are written out of time order",
			in->path, (unsigned long long)in->profile->late);
}

/* A format written from the whole profile, once it is built. */
static int export_built(struct input *in, const struct format *format,
			const struct svg_opts *svg_opts,
			const struct folded_opts *folded_opts,
			const char *output)
{
	struct outfile of;
	FILE *out;
	int err;

	/* Nothing is created for a recording that cannot be read. */
	err = input__open(in);
	if (err)
		return err;
	out = open_output(&of, output, &err);
	if (!out)
		return err;
	if (format->write_svg)
		err = format->write_svg(in->profile, svg_opts, out);
	else if (format->write_folded)
		err = format->write_folded(in->profile, folded_opts, out);
	else
		err = format->write(in->profile, out);
	if (err) {
		err = input__write_error(in, err, out, outfile__name(&of),
					 of.is_stdout);
		outfile__abort(&of);
		return err;
	}
	return commit_output(&of);
}

/*
 * A format written while the recording is read.  A file is made under
 * a temporary name and renamed when complete: nothing is left at @output
 * for a recording that cannot be read.
 */
static int export_streamed(struct input *in, const struct stream_ops *ops,
			   const char *output)
{
	struct outfile of;
	void *ctx = NULL;
	FILE *out;
	int err;

	out = open_output(&of, output, &err);
	if (!out)
		return err;
	err = ops->begin(&ctx, out);
	if (!err) {
		in->sink = ops->sample;
		in->sink_ctx = ctx;
		err = input__open(in);
		/* A read that failed was said; a write is said below. */
		if (err && err != in->sink_err) {
			if (ops->free)
				ops->free(ctx);
			outfile__abort(&of);
			return err;
		}
	}
	if (!err)
		err = ops->end(ctx, in->profile, out);
	if (ops->free)
		ops->free(ctx);
	if (err) {
		err = input__write_error(in, err, out, outfile__name(&of),
					 of.is_stdout);
		outfile__abort(&of);
		return err;
	}
	warn_late(in);
	return commit_output(&of);
}

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
	struct input in;
	int opt, err;

	err = input__init(&in, own);
	if (err)
		goto out_close;
	in.cmd = "export";
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
	in.keep = format->keep;
	in.all_events = format->all_events;
	err = format->stream ? export_streamed(&in, format->stream, output) :
			       export_built(&in, format, &svg_opts,
					    &folded_opts, output);
out_close:
	input__close(&in);
	return err;
}
