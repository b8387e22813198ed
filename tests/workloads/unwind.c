// SPDX-License-Identifier: GPL-2.0
/*
 * Call chains to unwind: "unwind qsort SECS" sorts arrays through
 * main -> a -> b -> qsort() -> cmp, the comparator being the hot spot,
 * for SECS seconds; "unwind leaf SECS" runs main -> a -> b -> leaf, leaf
 * a frameless function (no frame pointer set up, whatever the build
 * flags): a frame-pointer walk from it skips b.  Built twice: without
 * frame pointers (unwind-nofp, for DWARF unwinding) and with them
 * (unwind-fp, for leaf repair).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile unsigned long sink;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) int cmp(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	for (int i = 0; i < 300; i++)
		sink += i;
	return (a > b) - (a < b);
}

__attribute__((noinline, optimize("omit-frame-pointer")))
unsigned long leaf(unsigned long n)
{
	unsigned long s = 0;

	for (unsigned long i = 0; i < n; i++)
		s += i * i ^ (s >> 3);
	return s;
}

__attribute__((noinline)) void b(int *v, int n, int sort)
{
	if (sort)
		qsort(v, n, sizeof(*v), cmp);
	else
		sink += leaf(n * 1000UL);
	sink++;
}

__attribute__((noinline)) void a(int *v, int n, int sort)
{
	b(v, n, sort);
	sink++;
}

int main(int argc, char **argv)
{
	int n = 2000, *v = malloc(n * sizeof(*v));
	double end;
	int sort;

	if (argc != 3 || !v || (strcmp(argv[1], "qsort") && strcmp(argv[1], "leaf"))) {
		fprintf(stderr, "usage: unwind qsort|leaf SECS\n");
		return 2;
	}
	sort = !strcmp(argv[1], "qsort");
	end = now_s() + atof(argv[2]);
	srand(1);
	while (now_s() < end) {
		for (int i = 0; i < n; i++)
			v[i] = rand();
		a(v, n, sort);
	}
	return 0;
}
