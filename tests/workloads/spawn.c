// SPDX-License-Identifier: GPL-2.0
/*
 * Short-lived processes: "spawn N MS" runs itself N times one after
 * another (fork, exec, wait), each child burning MS milliseconds in
 * child_burn() and exiting, like a build running compilers.  Every
 * child's samples belong in child_burn() of this executable.
 *
 * "spawn --reexec MS" burns MS milliseconds in before_exec(), then execs
 * itself (a position-independent executable lands elsewhere) and burns
 * as long in after_exec(): one process, two images of one file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

__attribute__((noinline)) static void child_burn(double ms)
{
	double end = now_ms() + ms;
	volatile unsigned long x = 0;

	while (now_ms() < end)
		for (int i = 0; i < 20000; i++)
			x += i;
}

/* noipa: identical bodies must stay two functions (no code folding). */
__attribute__((noipa)) static void before_exec(double ms)
{
	child_burn(ms);
}

__attribute__((noipa)) static void after_exec(double ms)
{
	child_burn(ms);
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t len;
	int n;

	if (argc == 3 && !strcmp(argv[1], "--child")) {
		child_burn(atof(argv[2]));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--after")) {
		after_exec(atof(argv[2]));
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: spawn N MS\n");
		return 2;
	}
	/* Exec'ing /proc/self/exe would name every child "exe". */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return 1;
	self[len] = '\0';
	if (!strcmp(argv[1], "--reexec")) {
		before_exec(atof(argv[2]));
		execl(self, "spawn", "--after", argv[2], (char *)NULL);
		return 127;
	}
	n = atoi(argv[1]);
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		int status;

		if (p == 0) {
			execl(self, "spawn", "--child", argv[2], (char *)NULL);
			_exit(127);
		}
		if (p < 0 || waitpid(p, &status, 0) != p || status)
			return 1;
	}
	return 0;
}
