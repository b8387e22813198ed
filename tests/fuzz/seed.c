// SPDX-License-Identifier: GPL-2.0
/*
 * The program the elf and srcline seeds are built from (make-seeds.sh):
 * a few functions, one that the compiler inlines, and a call through the
 * PLT, so that the seeds hold .symtab, .dynsym, PLT entries and DWARF
 * inline scopes.
 */
#include <stdio.h>
#include <stdlib.h>

static inline int seed_square(int x)
{
	return x * x;
}

__attribute__((noinline)) int seed_sum(int n)
{
	int i, s = 0;

	for (i = 0; i < n; i++)
		s += seed_square(i);
	return s;
}

int main(int argc, char **argv)
{
	printf("%d\n", seed_sum(argc > 1 ? atoi(argv[1]) : 10));
	return 0;
}
