// SPDX-License-Identifier: GPL-2.0
/*
 * A workload with a known split: three quarters of its CPU time in
 * three_quarters(), one quarter in one_quarter(), measured with the
 * thread's own CPU clock so that preemption does not skew it.  At exit it
 * prints the share it measured itself for three_quarters() (e.g. 0.751)
 * on stdout, which a profile of it must match.
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

/* Three calls of the same spin as one_quarter: equal overheads per ms. */
__attribute__((noinline)) void three_quarters(void)
{
	spin_for(1000000);
	spin_for(1000000);
	spin_for(1000000);
}

__attribute__((noinline)) void one_quarter(void)
{
	spin_for(1000000);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2;
	uint64_t end, in_three = 0, in_one = 0;

	if (secs <= 0 || secs > 3600) {
		fprintf(stderr, "split: SECONDS must be in (0, 3600]\n");
		return 2;
	}
	end = cpu_ns() + (uint64_t)(secs * 1e9);
	while (cpu_ns() < end) {
		uint64_t t0 = cpu_ns(), t1, t2;

		three_quarters();
		t1 = cpu_ns();
		one_quarter();
		t2 = cpu_ns();
		in_three += t1 - t0;
		in_one += t2 - t1;
	}
	printf("%.3f\n", (double)in_three / (in_three + in_one));
	return 0;
}
