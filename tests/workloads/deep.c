// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark workload W1 ("deep"): a CPU-bound xorshift leaf under a
 * recursion of a chosen depth, so that every sample carries that many
 * frame-pointer frames.
 *
 * Usage: deep DEPTH SECONDS
 *        deep DEPTH -n BLOCKS
 *
 * The second form does a fixed amount of work, BLOCKS blocks of 100,000
 * xorshift steps, and prints "deep: BLOCKS blocks in NS ns" (monotonic
 * time): in a guest whose clock counts instructions (QEMU -icount), what
 * a profiler running beside it costs the workload (tests/bench).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void leaf(double end, long blocks)
{
	uint64_t x = 88172645463325252ull;

	while (blocks-- > 0 && now() < end) {
		for (int i = 0; i < 100000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		sink = x;
	}
}

__attribute__((noinline)) void recurse(int depth, double end, long blocks)
{
	if (depth <= 1)
		leaf(end, blocks);
	else
		recurse(depth - 1, end, blocks);
	sink++;	/* keeps the call from becoming a tail call */
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 30;
	double secs = argc > 2 ? atof(argv[2]) : 2;
	long blocks = 0;
	double start;

	if (argc > 3 && !strcmp(argv[2], "-n")) {
		blocks = atol(argv[3]);
		secs = 1e9;
	}
	if (depth < 1 || depth > 1000 || secs <= 0 ||
	    (!blocks && secs > 3600) || blocks < 0) {
		fprintf(stderr, "usage: deep DEPTH(1..1000) SECONDS | deep DEPTH -n BLOCKS\n");
		return 2;
	}
	start = now();
	recurse(depth, start + secs, blocks ? blocks : LONG_MAX);
	if (blocks)
		printf("deep: %ld blocks in %.0f ns\n", blocks,
		       (now() - start) * 1e9);
	return 0;
}
