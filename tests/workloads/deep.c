// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark workload W1 ("deep"): a CPU-bound xorshift leaf under a
 * recursion of a chosen depth, so that every sample carries that many
 * frame-pointer frames.
 *
 * Usage: deep DEPTH SECONDS
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void leaf(double end)
{
	uint64_t x = 88172645463325252ull;

	while (now() < end) {
		for (int i = 0; i < 100000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		sink = x;
	}
}

__attribute__((noinline)) void recurse(int depth, double end)
{
	if (depth <= 1)
		leaf(end);
	else
		recurse(depth - 1, end);
	sink++;	/* keeps the call from becoming a tail call */
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 30;
	double secs = argc > 2 ? atof(argv[2]) : 2;

	if (depth < 1 || depth > 1000 || secs <= 0 || secs > 3600) {
		fprintf(stderr, "usage: deep DEPTH(1..1000) SECONDS\n");
		return 2;
	}
	recurse(depth, now() + secs);
	return 0;
}
