// SPDX-License-Identifier: GPL-2.0
/*
 * churn [SECONDS]: the churn of a busy host, for make soak.  Each round:
 * a child that execs /bin/true (a process created and gone), a thread
 * started, renamed and joined, liblate.so (next to this binary)
 * dlopen()ed, run and dlclose()d (a library mapped and unmapped), the
 * main thread renamed, and a few milliseconds of CPU.  Runs SECONDS (0
 * or none: until SIGTERM or SIGINT); prints the rounds it made at the
 * end.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile unsigned long sink;
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

__attribute__((noinline)) static void churn_burn(double ms)
{
	double end = now_s() + ms / 1e3;

	while (now_s() < end)
		sink++;
}

static void *renamed_thread(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "churn-t%lu", (unsigned long)arg % 1000);
	prctl(PR_SET_NAME, name);
	churn_burn(1);
	return NULL;
}

static int spawn_true(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	return waitpid(pid, &status, 0) == pid ? 0 : -1;
}

static int map_library(const char *path)
{
	void (*burn)(double ms);
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (!lib)
		return -1;
	burn = (void (*)(double ms))dlsym(lib, "lib_burn");
	if (burn)
		burn(1);
	return dlclose(lib) || !burn ? -1 : 0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 0, end;
	char dir[PATH_MAX], lib[PATH_MAX + 16], name[16];
	unsigned long rounds = 0, failures = 0;
	ssize_t len;
	pthread_t t;

	len = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (len <= 0)
		return 1;
	dir[len] = '\0';
	*strrchr(dir, '/') = '\0';
	snprintf(lib, sizeof(lib), "%s/liblate.so", dir);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	end = now_s() + seconds;
	while (!stop && (!seconds || now_s() < end)) {
		if (spawn_true())
			failures++;
		if (pthread_create(&t, NULL, renamed_thread, (void *)rounds) ||
		    pthread_join(t, NULL))
			failures++;
		if (map_library(lib))
			failures++;
		snprintf(name, sizeof(name), "churn-%lu", rounds % 100);
		prctl(PR_SET_NAME, name);
		churn_burn(3);
		rounds++;
	}
	printf("churn: %lu rounds, %lu failures\n", rounds, failures);
	return failures ? 1 : 0;
}
