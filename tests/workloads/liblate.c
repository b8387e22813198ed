// SPDX-License-Identifier: GPL-2.0
/*
 * The library tests/workloads/late.c dlopen()s after it started:
 * lib_burn(MS) burns MS milliseconds of CPU time, in itself.
 */
#include <time.h>

void lib_burn(double ms);

static double cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

__attribute__((noinline)) void lib_burn(double ms)
{
	double end = cpu_ms() + ms;
	volatile unsigned long x = 0;

	while (cpu_ms() < end)
		for (int i = 0; i < 20000; i++)
			x += i;
}
