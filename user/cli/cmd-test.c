// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: sonde test: the self-check a user runs on a new host, as
 * perf test is.  A numbered table of checks, each printing one line,
 * "NN: DESCRIPTION ... ok", "skip (REASON)" or "FAIL (REASON)"; -v adds
 * what each found.  The probes are record/selfcheck.h's; the checks that
 * record a built-in workload are cli/selftest.h's.  Exits 1 when a check
 * failed, else 0 (skips included): whether sampling works here.
 *
 * The checks run in table order on this thread.  The module admits one
 * opener: the probes' host keeps /dev/sonde open between probes and
 * closes it before a check that records, whose recorder opens it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "cli/selftest.h"
#include "lib/util.h"
#include "record/selfcheck.h"
#include "sonde-version.h"

typedef int (*probe_fn)(struct selfcheck_host *h, struct selfcheck_result *r);

/*
 * struct test_check - one line of sonde test: @name (what a selection
 * matches besides the description), and either a @probe of the host or
 * an @expect for a recorded workload.
 */
struct test_check {
	const char *name;
	const char *desc;
	probe_fn probe;
	const struct selftest_expect *expect;
};

static const char *const fp_chain[] = {
	"sonde_selftest_fp_leaf", "sonde_selftest_fp_middle",
	"sonde_selftest_fp_outer",
};
static const char *const cfi_chain[] = {
	"sonde_selftest_cfi_leaf", "sonde_selftest_cfi_middle",
	"sonde_selftest_cfi_outer",
};
static const char *const jit_chain[] = { "sonde_selftest_jit" };

static const struct selftest_expect fp_expect = {
	.workload = "fp", .callgraph = RECORDER_CG_FP,
	.chain = fp_chain, .nr = ARRAY_SIZE(fp_chain),
};
static const struct selftest_expect dwarf_expect = {
	.workload = "dwarf", .callgraph = RECORDER_CG_DWARF,
	.chain = cfi_chain, .nr = ARRAY_SIZE(cfi_chain),
};
static const struct selftest_expect jit_expect = {
	.workload = "jit", .callgraph = RECORDER_CG_FP,
	.chain = jit_chain, .nr = ARRAY_SIZE(jit_chain), .jit = true,
};

static const struct test_check checks[] = {
	{ "module", "sonde module loaded", selfcheck__module, NULL },
	{ "version", "module version is the tool's", selfcheck__version, NULL },
	{ "access", "/dev/sonde opens for this user", selfcheck__access, NULL },
	{ "abi", "module ABI is the tool's", selfcheck__abi, NULL },
	{ "timer", "module timer source samples", selfcheck__timer, NULL },
	{ "sw-events", "module software events (task-clock, page-faults)",
	  selfcheck__sw_events, NULL },
	{ "hw-cycles", "hardware cycles event", selfcheck__hw_cycles, NULL },
	{ "perf", "perf_event_open fallback", selfcheck__perf, NULL },
	{ "kallsyms", "kernel symbols readable", selfcheck__kallsyms, NULL },
	{ "io_uring", "io_uring usable", selfcheck__io_uring, NULL },
	{ "unwind-fp", "frame-pointer unwinding of a recorded workload",
	  NULL, &fp_expect },
	{ "unwind-dwarf", "DWARF unwinding of a recorded workload",
	  NULL, &dwarf_expect },
	{ "jit-map", "JIT code named by its perf map", NULL, &jit_expect },
};

struct test_args {
	bool verbose;
	bool list;
	const char *workload;
	bool selected[ARRAY_SIZE(checks)];
	bool any_selected;
};

void help_test(FILE *f)
{
	fprintf(f,
"usage: sonde test [-v] [--list] [CHECK...]\n"
"\n"
"Check that sampling works on this host: the module and its sources, the\n"
"perf_event_open fallback, kernel symbols, io_uring, and unwinding of a\n"
"built-in workload that sonde records and reads back.\n"
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
	enum { OPT_LIST = 0x100, OPT_WORKLOAD };
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "workload", required_argument, NULL, OPT_WORKLOAD },
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
		case OPT_WORKLOAD:
			a->workload = optarg;
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
	char exe[PATH_MAX];
	bool failed = false;
	unsigned int i;
	ssize_t n;
	int err = 0;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		err = -errno;
		pr_err("test: /proc/self/exe: %s", strerror(-err));
		return err;
	}
	exe[n] = '\0';
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	selfcheck_host__init(&host, SONDE_VERSION);
	for (i = 0; i < ARRAY_SIZE(checks) && !err; i++) {
		const struct test_check *c = &checks[i];

		if (a->any_selected && !a->selected[i])
			continue;
		memset(r, 0, sizeof(*r));
		if (c->probe) {
			err = c->probe(&host, r);
		} else {
			/* The recorder opens /dev/sonde itself. */
			selfcheck_host__close(&host);
			fflush(stdout);
			err = selftest__recorded(exe, c->expect, r);
		}
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
	if (a.workload) {
		err = selftest__workload(a.workload);
		if (err == -EINVAL)
			return usage_error("test: no workload '%s'", a.workload);
		if (err)
			pr_err("test: workload %s: %s", a.workload,
			       strerror(-err));
		return err;
	}
	if (a.list) {
		for (i = 0; i < ARRAY_SIZE(checks); i++)
			printf("%2u: %s [%s]\n", i + 1, checks[i].desc,
			       checks[i].name);
		return 0;
	}
	return run_checks(&a);
}
