// SPDX-License-Identifier: GPL-2.0
/*
 * sonde export: convert a recording for other tools.
 * Formats: folded (collapsed stacks).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "export/folded.h"
#include "lib/outfile.h"
#include "recording/session.h"
#include "lib/util.h"

void help_export(FILE *f)
{
	fprintf(f,
"usage: sonde export [-i FILE] [-f folded] [-o OUT]\n"
"\n"
"Convert a recording.  Formats:\n"
"  folded   one line per distinct stack: comm;root;...;leaf COUNT,\n"
"           kernel frames suffixed _[k] (flamegraph.pl, speedscope)\n"
"\n"
"  -i, --input FILE    recording to read (default sonde.data)\n"
"  -f, --format FMT    output format (default folded)\n"
"  -o, --output OUT    write there instead of standard output (-: stdout);\n"
"                      a regular OUT is replaced only once complete\n"
"  -h, --help          this help\n");
}

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *input = "sonde.data", *output = "-";
	struct outfile of;
	struct session *s;
	FILE *out;
	int opt, err;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":i:f:o:h", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'i':
			input = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "folded"))
				return usage_error("export: unknown format '%s' (known: folded)",
						   optarg);
			break;
		case 'o':
			if (!*optarg)
				return usage_error("export: -o needs a file name (or - for standard output)");
			output = optarg;
			break;
		case 'h':
			help_export(stdout);
			return 0;
		default:
			return opt_error("export", opt, argv, longopts);
		}
	}
	if (optind < argc)
		return usage_error("export: unexpected argument '%s'",
				   argv[optind]);
	err = session__open_verbose(&s, input);
	if (err)
		return err;
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
	err = export_folded(s, out);
	if (err) {
		/* ferror() tells a failed write from a failed read. */
		bool wrote = ferror(out);

		outfile__abort(&of);
		/* The reader went away (sonde export | head): no failure. */
		if (err == -EPIPE && of.is_stdout)
			err = 0;
		else if (wrote)
			pr_err("writing %s: %s", outfile__name(&of),
			       strerror(-err));
		else
			pr_err("reading %s: %s", input, strerror(-err));
		goto out_close;
	}
	err = outfile__commit(&of);
	if (err == -EPIPE && of.is_stdout)
		err = 0;
	else if (err)
		pr_err("writing %s: %s", outfile__name(&of), strerror(-err));
out_close:
	session__close(s);
	return err;
}
