// SPDX-License-Identifier: GPL-2.0
/*
 * A workload with a known split: three quarters of its CPU time in
 * three_quarters(), one quarter in one_quarter(), measured with the
 * thread's own CPU clock so that preemption does not skew it.
 *
 * Usage: split [SECONDS]   (default 2)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Inlined, so that the time counts as self time of its caller. */
static inline __attribute__((always_inline)) void spin_for(uint64_t ns)
{
	uint64_t end = cpu_ns() + ns;

	while (cpu_ns() < end)
		for (int i = 0; i < 20000; i++)
			sink += i;
}

__attribute__((noinline)) void three_quarters(void)
{
	spin_for(3000000);
}

__attribute__((noinline)) void one_quarter(void)
{
	spin_for(1000000);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2;
	uint64_t end;

	if (secs <= 0 || secs > 3600) {
		fprintf(stderr, "split: SECONDS must be in (0, 3600]\n");
		return 2;
	}
	end = cpu_ns() + (uint64_t)(secs * 1e9);
	while (cpu_ns() < end) {
		three_quarters();
		one_quarter();
	}
	return 0;
}
