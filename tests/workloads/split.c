// SPDX-License-Identifier: GPL-2.0
/*
 * A workload with a known split: three quarters of its CPU time in
 * three_quarters(), one quarter in one_quarter(), timed with the thread's
 * own CPU clock so that preemption in the guest does not skew it.  At exit
 * it prints the share of its work done in three_quarters() (e.g. 0.751)
 * on stdout, which a profile of it must match.  The share counts fixed
 * chunks of work, not nanoseconds: under emulation the CPU clock also
 * runs while the host has descheduled the virtual CPU, and such a gap
 * charged to one spin skewed a measurement in time by 7 points (67.6%),
 * while it holds no work and at most one sample.
 *
 * A test that opens a recording window on it must know that it is
 * running (its exec may take seconds on a loaded host), and may need it
 * to keep running until the window is demonstrably open:
 *
 *   -r FILE  create FILE once the first round is done: it is burning
 *   -u       burn until SIGUSR1 arrives, then SECONDS more of CPU time
 *
 * Usage: split [-r FILE] [-u] [SECONDS]   (default 2)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;
static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Inlined, so that the time counts as self time of its caller.  Returns
 * the chunks of work done.
 */
static inline __attribute__((always_inline)) uint64_t spin_for(uint64_t ns)
{
	uint64_t end = cpu_ns() + ns, chunks = 0;

	while (cpu_ns() < end) {
		for (int i = 0; i < 20000; i++)
			sink += i;
		chunks++;
	}
	return chunks;
}

/* Three calls of the same spin as one_quarter: equal overheads per ms. */
__attribute__((noinline)) uint64_t three_quarters(void)
{
	uint64_t chunks = spin_for(1000000);

	chunks += spin_for(1000000);
	chunks += spin_for(1000000);
	return chunks;
}

__attribute__((noinline)) uint64_t one_quarter(void)
{
	return spin_for(1000000);
}

/* Say that the workload is burning: FILE appears, empty. */
static int announce(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		perror("split: ready file");
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *ready = NULL;
	bool until_signal = false;
	uint64_t budget, end = 0, in_three = 0, in_one = 0;
	struct sigaction sa = { .sa_handler = on_usr1 };
	double secs = 2;
	int c;

	while ((c = getopt(argc, argv, "r:u")) != -1) {
		switch (c) {
		case 'r':
			ready = optarg;
			break;
		case 'u':
			until_signal = true;
			break;
		default:
			fprintf(stderr, "usage: split [-r FILE] [-u] [SECONDS]\n");
			return 2;
		}
	}
	if (optind < argc)
		secs = atof(argv[optind]);
	if (secs <= 0 || secs > 3600) {
		fprintf(stderr, "split: SECONDS must be in (0, 3600]\n");
		return 2;
	}
	budget = (uint64_t)(secs * 1e9);
	/* Before the ready file: a SIGUSR1 after it must not kill us. */
	if (until_signal && sigaction(SIGUSR1, &sa, NULL)) {
		perror("split: sigaction");
		return 1;
	}
	if (!until_signal)
		end = cpu_ns() + budget;
	while (!end || cpu_ns() < end) {
		in_three += three_quarters();
		in_one += one_quarter();
		if (ready) {
			if (announce(ready))
				return 1;
			ready = NULL;
		}
		if (!end && go)
			end = cpu_ns() + budget;
	}
	printf("%.3f\n", (double)in_three / (in_three + in_one));
	return 0;
}
