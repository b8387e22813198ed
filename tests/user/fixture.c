// SPDX-License-Identifier: GPL-2.0
/*
 * A small PIE whose functions the symbolization test points
 * sample addresses into.  Never run; only its symbols matter.
 */
#include <stdio.h>

int fixture_leaf(int x);
int fixture_mid(int x);
int fixture_top(int x);

__attribute__((noinline)) int fixture_leaf(int x)
{
	int i, s = 0;

	for (i = 0; i < x; i++)
		s += i * x;
	return s;
}

__attribute__((noinline)) int fixture_mid(int x)
{
	return fixture_leaf(x) + fixture_leaf(x + 1);
}

__attribute__((noinline)) int fixture_top(int x)
{
	return fixture_mid(x) * 2;
}

int main(int argc, char **argv)
{
	(void)argv;
	printf("%d\n", fixture_top(argc));
	return 0;
}
