// SPDX-License-Identifier: GPL-2.0
/*
 * The second executable of tests/workloads/late.c: "late-burn MS" burns
 * MS milliseconds of CPU time in exec_burn() and exits 0.
 */
#include <stdlib.h>
#include <time.h>

static double cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

__attribute__((noinline)) static void exec_burn(double ms)
{
	double end = cpu_ms() + ms;
	volatile unsigned long x = 0;

	while (cpu_ms() < end)
		for (int i = 0; i < 20000; i++)
			x += i;
}

int main(int argc, char **argv)
{
	exec_burn(argc > 1 ? atof(argv[1]) : 300);
	return 0;
}
