// SPDX-License-Identifier: GPL-2.0
/*
 * Known lower bounds for sonde stat's software events: "stat-target
 * N_PAGES N_SWITCHES [DELAY_MS]" waits DELAY_MS milliseconds (time for
 * stat -p to attach), then touches N_PAGES new anonymous pages (one
 * page fault each: huge pages are refused with MADV_NOHUGEPAGE, and
 * anonymous memory has no fault-around), then sleeps N_SWITCHES times
 * for 100 microseconds (each nanosleep blocks, one voluntary context
 * switch each, however busy the machine), and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t = { 0, 100000 };
	long pages, switches, delay = 0, i, psize = sysconf(_SC_PAGESIZE);
	volatile char *mem;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: stat-target N_PAGES N_SWITCHES [DELAY_MS]\n");
		return 2;
	}
	pages = atol(argv[1]);
	switches = atol(argv[2]);
	if (argc == 4)
		delay = atol(argv[3]);
	if (delay > 0)
		usleep(delay * 1000);
	if (pages > 0) {
		mem = mmap(NULL, pages * psize, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		madvise((void *)mem, pages * psize, MADV_NOHUGEPAGE);
		for (i = 0; i < pages; i++)
			mem[i * psize] = 1;
	}
	for (i = 0; i < switches; i++)
		nanosleep(&t, NULL);
	return 0;
}
