// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: sonde test: the self-check a user runs on a new host, as
 * perf test is.  A numbered table of checks, each printing one line,
 * "NN: DESCRIPTION ... ok", "skip (REASON)" or "FAIL (REASON)"; -v adds
 * what each found.  The probes are record/selfcheck.h's.  Exits 1 when a
 * check failed, else 0 (skips included): whether sampling works here.
 *
 * The checks run in table order on this thread.  The module admits one
 * opener: the probes' host keeps /dev/sonde open between probes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "lib/util.h"
#include "record/selfcheck.h"
#include "sonde-version.h"

typedef int (*probe_fn)(struct selfcheck_host *h, struct selfcheck_result *r);

/*
 * struct test_check - one line of sonde test: @name (what a selection
 * matches besides the description), and the @probe of the host.
 */
struct test_check {
	const char *name;
	const char *desc;
	probe_fn probe;
};

static const struct test_check checks[] = {
	{ "module", "sonde module loaded", selfcheck__module },
	{ "version", "module version is the tool's", selfcheck__version },
	{ "access", "/dev/sonde opens for this user", selfcheck__access },
	{ "abi", "module ABI is the tool's", selfcheck__abi },
	{ "timer", "module timer source samples", selfcheck__timer },
	{ "sw-events", "module software events (task-clock, page-faults)",
	  selfcheck__sw_events },
	{ "hw-cycles", "hardware cycles event", selfcheck__hw_cycles },
	{ "perf", "perf_event_open fallback", selfcheck__perf },
	{ "kallsyms", "kernel symbols readable", selfcheck__kallsyms },
	{ "io_uring", "io_uring usable", selfcheck__io_uring },
};

struct test_args {
	bool verbose;
	bool list;
	bool selected[ARRAY_SIZE(checks)];
	bool any_selected;
};

void help_test(FILE *f)
{
	fprintf(f,
"usage: sonde test [-v] [--list] [CHECK...]\n"
"\n"
"Check that sampling works on this host: the module and its sources, the\n"
"perf_event_open fallback, kernel symbols, io_uring.\n"
"\n"
"  CHECK           a check's number, or part of its name or description\n"
"                  (default: every check)\n"
"  -v, --verbose   say what each check found\n"
"      --list      list the checks, and run none\n"
"  -h, --help      this help\n"
"\n"
"Each check prints one line: \"NN: DESCRIPTION ... ok\", \"skip (REASON)\"\n"
"when this host lacks something sampling can do without (the module while\n"
"perf_event_open works, a hardware PMU), or \"FAIL (REASON)\".\n"
"Exit status: 0 when no check failed (sampling works), 1 when one did.\n");
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int select_checks(struct test_args *a, const char *sel)
{
	bool found = false;
	unsigned int i;
	__u32 n;

	a->any_selected = true;
	if (all_digits(sel)) {
		if (parse_u32(sel, &n) || !n || n > ARRAY_SIZE(checks))
			return usage_error("test: no check %s (1 to %zu: sonde test --list)",
					   sel, ARRAY_SIZE(checks));
		a->selected[n - 1] = true;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(checks); i++) {
		if (strcasestr(checks[i].name, sel) ||
		    strcasestr(checks[i].desc, sel)) {
			a->selected[i] = true;
			found = true;
		}
	}
	if (!found)
		return usage_error("test: no check matches '%s' (sonde test --list)",
				   sel);
	return 0;
}

static int parse_args(int argc, char **argv, struct test_args *a)
{
	enum { OPT_LIST = 0x100 };
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			a->verbose = true;
			break;
		case OPT_LIST:
			a->list = true;
			break;
		case 'h':
			help_test(stdout);
			return 1;
		default:
			return opt_error("test", c, argv, longopts);
		}
	}
	for (; optind < argc; optind++) {
		err = select_checks(a, argv[optind]);
		if (err)
			return err;
	}
	return 0;
}

static const char *const status_words[] = {
	[SELFCHECK_OK] = "ok",
	[SELFCHECK_SKIP] = "skip",
	[SELFCHECK_FAIL] = "FAIL",
};

/* The result line, then with -v the detail lines, indented. */
static void print_result(unsigned int nr, const struct test_check *c,
			 const struct selfcheck_result *r, bool verbose)
{
	const char *p = r->detail, *nl;

	printf("%2u: %s ... %s", nr, c->desc, status_words[r->status]);
	if (r->reason[0])
		printf(" (%s)", r->reason);
	putchar('\n');
	if (!verbose)
		return;
	for (; *p; p = nl + 1) {
		nl = strchrnul(p, '\n');
		printf("    %.*s\n", (int)(nl - p), p);
		if (!*nl)
			break;
	}
}

static int run_checks(const struct test_args *a)
{
	struct selfcheck_host host;
	struct selfcheck_result *r;
	bool failed = false;
	unsigned int i;
	int err = 0;

	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	selfcheck_host__init(&host, SONDE_VERSION);
	for (i = 0; i < ARRAY_SIZE(checks) && !err; i++) {
		const struct test_check *c = &checks[i];

		if (a->any_selected && !a->selected[i])
			continue;
		memset(r, 0, sizeof(*r));
		err = c->probe(&host, r);
		if (err)
			break;
		print_result(i + 1, c, r, a->verbose);
		fflush(stdout);
		failed |= r->status == SELFCHECK_FAIL;
	}
	selfcheck_host__close(&host);
	free(r);
	if (err) {
		pr_err("test: %s: %s", checks[i].name, strerror(-err));
		return err;
	}
	return failed ? 1 : 0;
}

int cmd_test(int argc, char **argv)
{
	struct test_args a = { 0 };
	unsigned int i;
	int err;

	err = parse_args(argc, argv, &a);
	if (err)
		return err < 0 ? err : 0;
	if (a.list) {
		for (i = 0; i < ARRAY_SIZE(checks); i++)
			printf("%2u: %s [%s]\n", i + 1, checks[i].desc,
			       checks[i].name);
		return 0;
	}
	return run_checks(&a);
}
