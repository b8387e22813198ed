// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: sonde stacks: every thread of a running process where it is
 * now, without stopping it.  The module's snapshot (record/threadsnap.h)
 * becomes a recording in an unlinked temporary file, read back through
 * the shared input path (cli/input.h) so that its stacks are unwound
 * and symbolized exactly as report's; record/waits.h finds who waits for
 * whom, export/stacks.h prints the groups.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "cli/input.h"
#include "export/stacks.h"
#include "lib/util.h"
#include "record/dev.h"
#include "record/modload.h"
#include "record/threadsnap.h"
#include "record/waits.h"

#define STACKS_DEFAULT_STACK	8192

void help_stacks(FILE *f)
{
	fprintf(f,
"usage: sonde stacks -p PID [--json] [OPTIONS]\n"
"\n"
"Show where every thread of a process is now: threads grouped by stack\n"
"(kernel, native and JIT frames), with their states, time off the CPU and\n"
"system calls, the longest waits first; futexes several threads wait on,\n"
"and likely deadlocks.  The process is not stopped, signalled or traced.\n"
"Needs /dev/sonde.\n"
"\n"
"  -p, --pid PID          the process\n"
"      --json             one JSON object instead of text\n"
"      --stack-bytes N    user stack copied per thread for CFI unwinding\n"
"                         (default 8192, 0: frame pointers only)\n"
"      --max-threads N    read at most N threads (default 65536)\n"
"      --no-inline        no frames for inlined functions\n"
"      --no-demangle      keep C++ and Rust symbol names as mangled\n"
"  -h, --help             this help\n");
}

enum { OPT_JSON = INPUT_OPT_END, OPT_STACK_BYTES, OPT_MAX_THREADS };

static int say_dev_error(int err)
{
	char why[256];

	switch (err) {
	case -ENOENT:
		if (modload__refusal("", why, sizeof(why)))
			pr_err("stacks: /dev/sonde is missing, and %s", why);
		else
			pr_err("stacks: /dev/sonde is missing: load the module (insmod sonde.ko)");
		break;
	case -EACCES:
	case -EPERM:
		pr_err("stacks: /dev/sonde: permission denied (needs CAP_PERFMON or root)");
		break;
	case -EBUSY:
		pr_err("stacks: /dev/sonde is in use (one sonde at a time)");
		break;
	default:
		pr_err("stacks: cannot open /dev/sonde: %s", strerror(-err));
	}
	return err;
}

static int snapshot_to_file(__u32 pid, const struct threadsnap_opts *o,
			    struct threadsnap **snap, int *fd_out)
{
	struct sonde_info info;
	char tmpl[] = "/tmp/sonde-stacks.XXXXXX";
	int dev, fd, err;

	dev = sonde_dev_open();
	if (dev < 0)
		return say_dev_error(dev);
	err = sonde_dev_get_info(dev, &info) ?:
	      threadsnap__take(dev, pid, o, snap);
	close(dev);
	if (err == -ESRCH)
		pr_err("stacks: no process %u", pid);
	else if (err == -EOPNOTSUPP)
		pr_err("stacks: this sonde module has no thread snapshots (load this version's)");
	else if (err)
		pr_err("stacks: snapshot of %u failed: %s", pid, strerror(-err));
	if (err)
		return err;
	fd = mkstemp(tmpl);
	if (fd < 0) {
		err = -errno;
		pr_err("stacks: cannot create a temporary file: %s",
		       strerror(-err));
		return err;
	}
	unlink(tmpl);
	err = threadsnap__write_recording(*snap, pid, &info, fd);
	if (err) {
		pr_err("stacks: cannot write the snapshot: %s", strerror(-err));
		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

/* What the snapshot and the wait graph tell export/stacks.h. */
static int stacks_input(struct stacks_input *si, const struct threadsnap *s,
			const struct waits *w, __u32 pid)
{
	struct stacks_thread *t = calloc(s->nr + 1, sizeof(*t));
	__u32 i;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < s->nr; i++)
		t[i] = (struct stacks_thread){
			.snap = s->threads[i],
			.futex = w->edges[i].futex,
			.owner = w->edges[i].owner,
			.cycle = w->edges[i].cycle,
		};
	*si = (struct stacks_input){
		.req = &s->req, .pid = pid, .threads = t, .nr = s->nr,
		.nr_cycles = w->nr_cycles,
	};
	return 0;
}

int cmd_stacks(int argc, char **argv)
{
	static const struct option own[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "stack-bytes", required_argument, NULL, OPT_STACK_BYTES },
		{ "max-threads", required_argument, NULL, OPT_MAX_THREADS },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct threadsnap_opts o = {
		.max_threads = SONDE_SNAPSHOT_MAX_THREADS,
		.kernel_depth = 64,
		.user_depth = 127,
		.stack_bytes = STACKS_DEFAULT_STACK,
	};
	struct threadsnap *snap = NULL;
	struct waits w = { 0 };
	struct stacks_input si = { 0 };
	char path[64];
	struct input in;
	bool json = false;
	__u32 pid = 0;
	int opt, fd = -1, err;

	err = input__init(&in, own);
	in.cmd = "stacks";
	in.keep = PROFILE_KEEP_ALL;
	opterr = 0;
	while (!err && (opt = getopt_long(argc, argv, ":p:h", in.longopts,
					  NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (parse_u32(optarg, &pid) || !pid)
				err = usage_error("stacks: -p needs a process id, not '%s'",
						  optarg);
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_STACK_BYTES:
			if (parse_u32(optarg, &o.stack_bytes) ||
			    o.stack_bytes % 8 || o.stack_bytes > 65528)
				err = usage_error("stacks: --stack-bytes needs a multiple of 8 up to 65528, not '%s'",
						  optarg);
			break;
		case OPT_MAX_THREADS:
			if (parse_u32(optarg, &o.max_threads) ||
			    !o.max_threads ||
			    o.max_threads > SONDE_SNAPSHOT_MAX_THREADS)
				err = usage_error("stacks: --max-threads needs 1 to %u, not '%s'",
						  SONDE_SNAPSHOT_MAX_THREADS,
						  optarg);
			break;
		case INPUT_OPT_PID ... INPUT_OPT_END - 1:
			err = input__parse_opt(&in, "stacks", opt, optarg);
			break;
		case 'h':
			help_stacks(stdout);
			input__close(&in);
			return 0;
		default:
			err = opt_error("stacks", opt, argv, in.longopts);
		}
	}
	if (!err && optind < argc)
		err = usage_error("stacks: unexpected argument '%s'",
				  argv[optind]);
	if (!err && !pid)
		err = usage_error("stacks: -p PID is needed");
	if (!err)
		err = snapshot_to_file(pid, &o, &snap, &fd);
	if (!err) {
		/* The unlinked file, reopened by name through our own fd. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		in.path = path;
		err = input__open(&in);
	}
	if (!err) {
		err = waits__analyze(&w, snap, pid) ?:
		      stacks_input(&si, snap, &w, pid);
		if (!err)
			err = stacks__write(in.profile, &si, json, stdout);
		if (err)
			err = input__write_error(&in, err, stdout, "stdout",
						 true);
	}
	free((void *)si.threads);
	waits__free(&w);
	threadsnap__free(snap);
	if (fd >= 0)
		close(fd);
	input__close(&in);
	return err;
}
