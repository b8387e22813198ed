// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: sonde script: parse options, build the profile, print every
 * sample in perf script's layout (export/script.h).
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cmds.h"
#include "cli/input.h"
#include "export/script.h"
#include "lib/util.h"

void help_script(FILE *f)
{
	fprintf(f,
"usage: sonde script [-i FILE] [FILTERS]\n"
"\n"
"Print every sample with its call chain, in the text layout of perf script.\n"
"\n"
"  -i, --input FILE   recording to read (default sonde.data)\n"
INPUT_HELP
"  -h, --help         this help\n");
}

int cmd_script(int argc, char **argv)
{
	static const struct option own[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct input in;
	int opt, err = 0;

	err = input__init(&in, own);
	in.cmd = "script";
	in.all_events = true;
	opterr = 0;
	while (!err && (opt = getopt_long(argc, argv, ":i:h", in.longopts,
					  NULL)) != -1) {
		switch (opt) {
		case 'i':
			in.path = optarg;
			break;
		case INPUT_OPT_PID ... INPUT_OPT_END - 1:
			err = input__parse_opt(&in, "script", opt, optarg);
			break;
		case 'h':
			help_script(stdout);
			input__close(&in);
			return 0;
		default:
			err = opt_error("script", opt, argv, in.longopts);
		}
	}
	if (!err && optind < argc)
		err = usage_error("script: unexpected argument '%s'",
				  argv[optind]);
	if (!err) {
		/* Printed while the recording is read, in time order. */
		in.keep = PROFILE_KEEP_NONE;
		in.sink = script__sample;
		in.sink_ctx = stdout;
		err = input__open(&in);
		if (!err)
			err = script__end(stdout);
		/* A failed read was said by input__open(). */
		if (err && (ferror(stdout) || err == in.sink_err))
			err = input__write_error(&in, err, stdout,
						 "standard output", true);
		if (!err && in.profile && in.profile->late)
			pr_warn("%s: %llu samples came after later ones and are printed out of time order",
				in.path, (unsigned long long)in.profile->late);
	}
	input__close(&in);
	return err;
}
