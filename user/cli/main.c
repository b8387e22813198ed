// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: the sonde command table: global options, dispatch to a
 * subcommand, and the one place where errors become exit statuses (0
 * success, 1 failure, 2 bad command line; a command's positive return is
 * its exit status: stat's COMMAND's, test's 1 for a failed check).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "lib/util.h"
#include "sonde-version.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *f);
	const char *summary;
};

static const struct command commands[] = {
	{ "record", cmd_record, help_record, "sample CPUs into a recording" },
	{ "report", cmd_report, help_report, "table of the hottest functions" },
	{ "script", cmd_script, help_script, "every sample as text (perf script layout)" },
	{ "export", cmd_export, help_export, "convert a recording (folded, pprof, svg, speedscope, ...)" },
	{ "stat", cmd_stat, help_stat, "count events (perf stat; no module needed)" },
	{ "stacks", cmd_stacks, help_stacks, "where every thread of a process is now" },
	{ "test", cmd_test, help_test, "check that sampling works on this host" },
	{ "serve", cmd_serve, help_serve, "serve profiles and metrics over HTTP (pprof, Prometheus)" },
};

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: sonde [--version] [--help] COMMAND [ARGS]\n\n");
	fprintf(f, "commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "   %-8s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "   %-8s %s\n", "help", "show the help of a command");
	fprintf(f, "\nsee 'sonde help COMMAND' or 'sonde COMMAND --help'\n");
}

static const struct command *find_command(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int run(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2)
		return usage_error("no command given (try 'sonde --help')");
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("sonde %s\n", SONDE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return 0;
		}
		cmd = find_command(argv[2]);
		if (!cmd)
			return usage_error("unknown command '%s'", argv[2]);
		cmd->help(stdout);
		return 0;
	}
	if (argv[1][0] == '-')
		return usage_error("unknown option '%s' (try 'sonde --help')",
				   argv[1]);
	cmd = find_command(argv[1]);
	if (!cmd)
		return usage_error("unknown command '%s' (try 'sonde --help')",
				   argv[1]);
	return cmd->run(argc - 1, argv + 1);
}

/*
 * Started with stdin, stdout or stderr closed (2>&-), the first file sonde
 * opens would take that number, and a warning would land in it: hold each
 * closed one with /dev/null first.
 */
static int open_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		n = open("/dev/null", O_RDWR);
		if (n != fd) {
			if (n >= 0)
				close(n);
			return -EBADF;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	if (open_std_fds())
		return 1;

	/* A closed stdout (sonde script | head) is an error, not a death. */
	signal(SIGPIPE, SIG_IGN);
	ret = run(argc, argv);
	if (fflush(stdout) && !ret && errno != EPIPE) {
		int err = errno;

		pr_err("writing standard output: %s", strerror(err));
		ret = -err;
	}
	if (ret == -SONDE_EUSAGE)
		return 2;
	if (ret > 0 && ret < 256)
		return ret;
	return ret ? 1 : 0;
}
