// SPDX-License-Identifier: GPL-2.0
/*
 * What a profiler learns about only after it started: "late [MS [N]]"
 * does three things in turn, each burning MS milliseconds of CPU in all
 * (default 300) in a function of its own:
 *
 *  1. N times (default 10) forks a child that execs late-burn (next to
 *     this executable), which burns MS/N ms in exec_burn() under the
 *     name "late-burn" and exits;
 *  2. starts a thread that renames itself "late-renamed"
 *     (prctl(PR_SET_NAME)) and burns MS ms in renamed_burn();
 *  3. N times forks a child that dlopen()s liblate.so (next to this
 *     executable), burns MS/N ms in its lib_burn(), dlclose()s it and
 *     exits.
 *
 * The children are short-lived on purpose: most are gone before a
 * recorder that reads /proc a few times a second looks at them, so only
 * task and mapping records can say what they ran.  CPU time, not wall
 * time, is what is burnt: on a busy machine each step still gets about
 * MS samples at 1 kHz.  Exits 0 when all of it ran, 1 otherwise (with a
 * message).
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

__attribute__((noinline)) static void renamed_burn(double ms)
{
	double end = cpu_ms() + ms;
	volatile unsigned long x = 0;

	while (cpu_ms() < end)
		for (int i = 0; i < 20000; i++)
			x += i;
}

static void *renamed_thread(void *arg)
{
	prctl(PR_SET_NAME, "late-renamed", 0, 0, 0);
	renamed_burn(*(double *)arg);
	return NULL;
}

/* Wait for child @p, which ran @what; 0 when it exited 0. */
static int reap(pid_t p, const char *what)
{
	int status;

	if (p < 0 || waitpid(p, &status, 0) != p || status) {
		fprintf(stderr, "late: %s failed\n", what);
		return 1;
	}
	return 0;
}

static int run_child(const char *dir, double ms)
{
	char path[PATH_MAX + 16], arg[32];
	pid_t p;

	snprintf(path, sizeof(path), "%s/late-burn", dir);
	snprintf(arg, sizeof(arg), "%f", ms);
	p = fork();
	if (p == 0) {
		execl(path, "late-burn", arg, (char *)NULL);
		_exit(127);
	}
	return reap(p, path);
}

/* In a child: the library, mapped, burnt in and unmapped. */
static int run_library(const char *dir, double ms)
{
	char path[PATH_MAX + 16];
	void (*burn)(double ms);
	void *lib;
	pid_t p;

	snprintf(path, sizeof(path), "%s/liblate.so", dir);
	p = fork();
	if (p)
		return reap(p, path);
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "late: %s\n", dlerror());
		_exit(1);
	}
	*(void **)&burn = dlsym(lib, "lib_burn");
	if (!burn) {
		fprintf(stderr, "late: %s\n", dlerror());
		_exit(1);
	}
	burn(ms);
	dlclose(lib);
	_exit(0);
}

int main(int argc, char **argv)
{
	double ms = argc > 1 ? atof(argv[1]) : 300;
	int i, n = argc > 2 ? atoi(argv[2]) : 10;
	char dir[PATH_MAX];
	pthread_t t;
	ssize_t len;
	char *slash;

	if (n < 1)
		n = 1;
	len = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (len <= 0)
		return 1;
	dir[len] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		return 1;
	*slash = '\0';
	for (i = 0; i < n; i++)
		if (run_child(dir, ms / n))
			return 1;
	if (pthread_create(&t, NULL, renamed_thread, &ms) ||
	    pthread_join(t, NULL))
		return 1;
	for (i = 0; i < n; i++)
		if (run_library(dir, ms / n))
			return 1;
	return 0;
}
