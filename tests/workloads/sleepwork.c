// SPDX-License-Identifier: GPL-2.0
/*
 * Workload for off-CPU and thread-time profiles: ROUNDS times (default
 * 10), sleep MS milliseconds in nanosleep (sleep_half), then run MS
 * milliseconds of CPU-bound work (work_half, which spins until the
 * monotonic clock has advanced that much).  Half its wall-clock time is
 * under sleep_half, off the CPU, and half under work_half, on it.
 *
 * Usage: sleepwork [ROUNDS [MS]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

__attribute__((noinline)) void sleep_half(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) unsigned long work_half(unsigned int ms)
{
	unsigned long long end = now_ns() + ms * 1000000ULL;
	volatile unsigned long x = 0;

	while (now_ns() < end)
		for (int i = 0; i < 1000; i++)
			x += i;
	return x;
}

int main(int argc, char **argv)
{
	unsigned int rounds = argc > 1 ? atoi(argv[1]) : 10;
	unsigned int ms = argc > 2 ? atoi(argv[2]) : 100;
	unsigned long sum = 0;

	for (unsigned int i = 0; i < rounds; i++) {
		sleep_half(ms);
		sum += work_half(ms);
	}
	printf("%lu\n", sum);
	return 0;
}
