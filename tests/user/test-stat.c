// SPDX-License-Identifier: GPL-2.0
/*
 * sonde stat end to end, on the host (no module: it counts through
 * perf_event_open): the counts of tests/workloads/stat-target, which
 * makes known page faults and context switches, are at least those;
 * task-clock is above 0 and below elapsed time times CPUs; --json parses
 * (python3) and says what the text says; -I prints intervals; an event
 * the machine lacks is <not supported> and not a failure; bad events,
 * missing commands and refused permissions fail with one line; -p
 * counts a running process; the command's exit status is stat's.
 *
 * Only lower bounds and loose upper ones: the machine may be busy.
 */
#include <math.h>
#include <signal.h>
#include <grp.h>
#include <sys/stat.h>

#include "kselftest_harness.h"

#include "helpers.h"

#ifndef STAT_TARGET
#define STAT_TARGET	"../build/workloads/stat-target"
#endif

#define PAGES		"2000"
#define SWITCHES	"100"

/* The number before @name on its row of stat's text, or -1. */
static double text_count(const char *out, const char *name)
{
	const char *p = out;
	size_t len = strlen(name);

	while ((p = strstr(p, name))) {
		const char *line = p;

		while (line > out && line[-1] != '\n')
			line--;
		if ((p[len] == '\n' || p[len] == ' ') && p[-1] == ' ') {
			double v;
			char unit[8];

			if (sscanf(line, "%lf msec", &v) == 1 ||
			    sscanf(line, "%lf %7s", &v, unit) >= 1)
				return v;
			return -1;
		}
		p += len;
	}
	return -1;
}

static double text_elapsed(const char *out)
{
	const char *p = strstr(out, " seconds time elapsed");

	while (p && p > out && p[-1] != '\n')
		p--;
	return p ? strtod(p, NULL) : -1;
}

static long nr_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

TEST(counts_of_a_command)
{
	char *argv[] = { "sonde", "stat", "-e",
			 "task-clock,page-faults,context-switches", "--",
			 STAT_TARGET, PAGES, SWITCHES, NULL };
	struct buf out = { 0 }, err = { 0 };
	double clock, elapsed;

	ASSERT_EQ(0, access(STAT_TARGET, X_OK))
		TH_LOG("build tests/workloads first");
	ASSERT_EQ(0, run_sonde(argv, NULL, &out, &err)) TH_LOG("%s", err.data);
	/* perf stat's place for its counts: standard error. */
	EXPECT_EQ(0, out.len);
	EXPECT_NE(NULL, strstr(err.data, "Performance counter stats for '"
			       STAT_TARGET " " PAGES " " SWITCHES "':"))
		TH_LOG("%s", err.data);
	EXPECT_LE(atof(PAGES), text_count(err.data, "page-faults"))
		TH_LOG("%s", err.data);
	EXPECT_LE(atof(SWITCHES), text_count(err.data, "context-switches"))
		TH_LOG("%s", err.data);
	clock = text_count(err.data, "task-clock");
	elapsed = text_elapsed(err.data);
	EXPECT_LT(0, clock) TH_LOG("%s", err.data);
	EXPECT_LT(0, elapsed);
	EXPECT_LT(clock / 1e3, elapsed * nr_cpus()) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(err.data, "CPUs utilized"));
	EXPECT_NE(NULL, strstr(err.data, " seconds user\n"));
	EXPECT_NE(NULL, strstr(err.data, " seconds sys\n"));
	buf__free(&out);
	buf__free(&err);
}

/*
 * python3 over @path: one line per event (or per event of each line of
 * JSON lines): "name count raw enabled running metric", with
 * consistency checks of its own (exit 1 on a failed one).
 */
static const char json_check[] =
	"import json, sys\n"
	"objs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]\n"
	"for o in objs:\n"
	"    for e in o['events']:\n"
	"        if e['counted'] and e['running_ns'] == e['enabled_ns']:\n"
	"            want = e['raw_count'] / (1e6 if e['unit'] == 'msec' else 1)\n"
	"            assert abs(e['count'] - want) <= 1e-6 * max(1, want), e\n"
	"        m = e.get('metric', {}).get('value', -1)\n"
	"        print(e['event'], e['count'] if e['count'] is not None else -1,\n"
	"              e['raw_count'], e['enabled_ns'], e['running_ns'], m)\n"
	"    print('elapsed', o.get('elapsed_ns', o.get('interval_ns')),\n"
	"          o.get('exit_status', -1), 0, 0, 0)\n";

/* Run json_check on @path into @res; its exit status. */
static int check_json(const char *path, struct buf *res)
{
	char *dir = make_tmpdir(), script[512], cmd[1200];
	FILE *f, *p;
	char line[512];
	int status;

	if (!dir)
		return -1;
	snprintf(script, sizeof(script), "%s/check.py", dir);
	f = fopen(script, "w");
	if (!f)
		return -1;
	fputs(json_check, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 %s %s", script, path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	res->len = 0;
	while (fgets(line, sizeof(line), p))
		buf__append(res, line, strlen(line));
	buf__append(res, "", 1);
	status = pclose(p);
	remove_tree(dir);
	free(dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The count and metric of @name in check_json()'s lines. */
static bool json_row(const char *res, const char *name, double *count,
		     double *raw, double *metric)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "%s ", name);
	for (p = res; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		double e, r;

		if (strncmp(p, key, strlen(key)))
			continue;
		return sscanf(p + strlen(key), "%lf %lf %lf %lf %lf", count,
			      raw, &e, &r, metric) == 5;
	}
	return false;
}

TEST(json_agrees)
{
	char *dir = make_tmpdir(), path[512];
	char *argv[] = { "sonde", "stat", "--json", "-o", path, "-e",
			 "task-clock,page-faults,cs,cycles", "--", STAT_TARGET,
			 PAGES, SWITCHES, NULL };
	struct buf out = { 0 }, err = { 0 }, res = { 0 };
	double clock, raw, cpus, faults, cs, rate, elapsed, status, x;

	ASSERT_NE(NULL, dir);
	snprintf(path, sizeof(path), "%s/stat.json", dir);
	ASSERT_EQ(0, run_sonde(argv, NULL, &out, &err)) TH_LOG("%s", err.data);
	/* -o: the counts went to the file, nothing to stdout or stderr. */
	EXPECT_EQ(0, out.len);
	EXPECT_EQ(0, err.len) TH_LOG("%s", err.data);
	ASSERT_EQ(0, check_json(path, &res)) TH_LOG("%s", res.data);
	ASSERT_TRUE(json_row(res.data, "task-clock", &clock, &raw, &cpus));
	ASSERT_TRUE(json_row(res.data, "page-faults", &faults, &raw, &x));
	ASSERT_TRUE(json_row(res.data, "cs", &cs, &raw, &rate));
	ASSERT_TRUE(json_row(res.data, "elapsed", &elapsed, &status, &x));
	EXPECT_LE(atof(PAGES), faults);
	EXPECT_LE(atof(SWITCHES), cs);
	EXPECT_LT(0, clock);
	EXPECT_LT(clock * 1e6, elapsed * nr_cpus());
	EXPECT_EQ(0, status);
	/* The metrics are those of the text: CPUs utilized, a rate per
	 * second of task-clock.
	 */
	EXPECT_LT(fabs(cpus - clock * 1e6 / elapsed), 1e-6 + cpus * 1e-6);
	EXPECT_LT(fabs(rate - cs / (clock / 1e3)), rate * 1e-6 + 1e-6);
	/* cycles: not here (no PMU) or counted, never a failure. */
	ASSERT_TRUE(json_row(res.data, "cycles", &x, &raw, &x));
	remove_tree(dir);
	free(dir);
	buf__free(&out);
	buf__free(&err);
	buf__free(&res);
}

/* Lines of @s starting with a timestamp ("   0.100123456 "), distinct. */
static unsigned int intervals(const char *s)
{
	unsigned int n = 0;
	double last = -1, t;
	const char *p;

	for (p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (*p == '#' || sscanf(p, "%lf", &t) != 1)
			continue;
		if (t != last)
			n++;
		last = t;
	}
	return n;
}

TEST(intervals_of_a_command)
{
	char *argv[] = { "sonde", "stat", "-I", "100", "-e", "task-clock,cs",
			 "--", STAT_TARGET, "0", "0", "500", NULL };
	char *dir = make_tmpdir(), path[512];
	char *json[] = { "sonde", "stat", "-I", "100", "--json", "-o", path,
			 "-e", "task-clock", "--", STAT_TARGET, "0", "0",
			 "500", NULL };
	struct buf out = { 0 }, err = { 0 }, res = { 0 };

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, run_sonde(argv, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_LE(3, intervals(err.data)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(err.data, "time"));
	/* Only intervals: no total at the end, as perf stat -I. */
	EXPECT_EQ(NULL, strstr(err.data, "time elapsed"));
	snprintf(path, sizeof(path), "%s/i.json", dir);
	ASSERT_EQ(0, run_sonde(json, NULL, &out, &err)) TH_LOG("%s", err.data);
	ASSERT_EQ(0, check_json(path, &res)) TH_LOG("%s", res.data);
	EXPECT_LE(3, (unsigned int)(strstr(res.data, "elapsed") ?
				     count_lines(res.data) / 2 : 0))
		TH_LOG("%s", res.data);
	remove_tree(dir);
	free(dir);
	buf__free(&out);
	buf__free(&err);
	buf__free(&res);
}

TEST(cycles_not_supported)
{
	char *argv[] = { "sonde", "stat", "-e", "cycles,task-clock", "--",
			 "true", NULL };
	struct buf out = { 0 }, err = { 0 };

	if (!access("/sys/bus/event_source/devices/cpu", F_OK))
		SKIP(return, "this machine has a CPU PMU: cycles count here");
	ASSERT_EQ(0, run_sonde(argv, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(err.data, "<not supported>      cycles\n"))
		TH_LOG("%s", err.data);
	EXPECT_LT(0, text_count(err.data, "task-clock"));
	buf__free(&out);
	buf__free(&err);
}

TEST(one_line_failures)
{
	char *unknown[] = { "sonde", "stat", "-e", "task-clock,bogus", "--",
			    "true", NULL };
	char *missing[] = { "sonde", "stat", "--", "/nonexistent/sonde-cmd",
			    NULL };
	char *noexec[] = { "sonde", "stat", "--", "/", NULL };
	struct buf out = { 0 }, err = { 0 };

	EXPECT_EQ(2, run_sonde(unknown, NULL, &out, &err));
	EXPECT_EQ(1, count_lines(err.data)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(err.data, "'bogus'"));
	/* A command that cannot run: the shell's 127 and 126. */
	EXPECT_EQ(127, run_sonde(missing, NULL, &out, &err));
	EXPECT_EQ(1, count_lines(err.data)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(err.data, "No such file"));
	EXPECT_EQ(126, run_sonde(noexec, NULL, &out, &err));
	EXPECT_EQ(1, count_lines(err.data)) TH_LOG("%s", err.data);
	EXPECT_EQ(0, out.len);
	buf__free(&out);
	buf__free(&err);
}

TEST(exit_status_is_the_commands)
{
	char *three[] = { "sonde", "stat", "-e", "task-clock", "--", "sh",
			  "-c", "exit 3", NULL };
	char *killed[] = { "sonde", "stat", "-e", "task-clock", "--", "sh",
			   "-c", "kill -TERM $$", NULL };
	struct buf out = { 0 }, err = { 0 };

	EXPECT_EQ(3, run_sonde(three, NULL, &out, &err));
	EXPECT_LT(0, text_count(err.data, "task-clock"));
	EXPECT_EQ(128 + SIGTERM, run_sonde(killed, NULL, &out, &err));
	buf__free(&out);
	buf__free(&err);
}

TEST(attach_to_a_process)
{
	char pid[16];
	char *argv[] = { "sonde", "stat", "-e",
			 "task-clock,page-faults,cs", "-p", pid, NULL };
	struct buf out = { 0 }, err = { 0 };
	pid_t child;

	/* It waits a second before its work: stat attaches meanwhile. */
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		execl(STAT_TARGET, "stat-target", PAGES, SWITCHES, "1000",
		      (char *)NULL);
		_exit(127);
	}
	snprintf(pid, sizeof(pid), "%d", (int)child);
	EXPECT_EQ(0, run_sonde(argv, NULL, &out, &err)) TH_LOG("%s", err.data);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	EXPECT_NE(NULL, strstr(err.data, "for process id '"))
		TH_LOG("%s", err.data);
	EXPECT_LT(0, text_count(err.data, "task-clock")) TH_LOG("%s", err.data);
	EXPECT_LE(atof(PAGES), text_count(err.data, "page-faults"))
		TH_LOG("%s", err.data);
	EXPECT_LE(atof(SWITCHES), text_count(err.data, "cs"))
		TH_LOG("%s", err.data);
	buf__free(&out);
	buf__free(&err);
}

/* perf_event_paranoid 2 refuses an unprivileged user: one line naming it. */
TEST(permission_refused)
{
	char buf[16] = "";
	int status, efd;
	struct buf err = { 0 };
	FILE *f;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root, to run sonde as nobody");
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	if (!f || !fgets(buf, sizeof(buf), f) || atoi(buf) < 2)
		SKIP(return, "perf_event_paranoid lets users count here");
	fclose(f);
	efd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	ASSERT_LE(0, efd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dup2(efd, 2);
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(125);
		alarm(20);
		execl(SONDE_BIN, "sonde", "stat", "-e", "task-clock", "--",
		      "true", (char *)NULL);
		_exit(124);
	}
	waitpid(pid, &status, 0);
	lseek(efd, 0, SEEK_SET);
	drain_fd(efd, &err);
	buf__append(&err, "", 1);
	close(efd);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(1, WEXITSTATUS(status)) TH_LOG("%s", err.data);
	EXPECT_EQ(1, count_lines(err.data)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(err.data,
			       "/proc/sys/kernel/perf_event_paranoid"));
	buf__free(&err);
}

TEST_HARNESS_MAIN
