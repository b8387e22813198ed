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

#include "cmds.h"
#include "export-folded.h"
#include "session.h"
#include "util.h"

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
"  -o, --output OUT    write there instead of standard output\n"
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
	const char *input = "sonde.data", *output = NULL;
	char *tmp = NULL;
	struct session *s;
	FILE *out = stdout;
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
			output = optarg;
			break;
		case 'h':
			help_export(stdout);
			return 0;
		default:
			return opt_error("export", opt, argv);
		}
	}
	if (optind < argc)
		return usage_error("export: unexpected argument '%s'",
				   argv[optind]);
	err = session__open_verbose(&s, input);
	if (err)
		return err;
	if (output) {
		/* Written aside and renamed: OUT is complete or absent. */
		if (asprintf(&tmp, "%s.tmp-%d", output, (int)getpid()) < 0) {
			err = -ENOMEM;
			goto out_close;
		}
		out = fopen(tmp, "w");
		if (!out) {
			err = -errno;
			pr_err("cannot create %s: %s", tmp, strerror(-err));
			goto out_free;
		}
	}
	err = export_folded(s, out);
	if (output) {
		if (fclose(out) && !err)
			err = -errno;
		if (!err && rename(tmp, output))
			err = -errno;
		if (err)
			unlink(tmp);
	}
	/* The reader went away (sonde export | head): not our failure. */
	if (err == -EPIPE && !output)
		err = 0;
	else if (err)
		pr_err("exporting %s: %s", input, strerror(-err));
out_free:
	free(tmp);
out_close:
	session__close(s);
	return err;
}
