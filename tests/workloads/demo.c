// SPDX-License-Identifier: GPL-2.0
/*
 * The demo workload: known hot user functions and some kernel work, so a
 * profile of it has an expected shape.
 *
 *   main thread:   hot_primes() (about 2/3 of its CPU time), hot_hash()
 *   second thread: syscall_copy(): read() from /dev/zero and write() to
 *                  /dev/null, so kernel frames (the copy routines under
 *                  ksys_read/ksys_write) show up
 *
 * Usage: demo [SECONDS]   (default 3)
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline, noclone)) uint64_t hot_primes(uint64_t limit)
{
	uint64_t count = 0;

	for (uint64_t n = 2; n < limit; n++) {
		uint64_t d;

		for (d = 2; d * d <= n; d++)
			if (n % d == 0)
				break;
		count += d * d > n;
	}
	return count;
}

__attribute__((noinline, noclone)) uint64_t hot_hash(uint64_t rounds)
{
	uint64_t h = 1469598103934665603ull;

	for (uint64_t i = 0; i < rounds; i++)
		h = (h ^ (i & 0xff)) * 1099511628211ull;
	return h;
}

__attribute__((noinline, noclone)) void cpu_work(double end)
{
	while (now() < end) {
		sink += hot_primes(60000);
		sink += hot_hash(1500000);
	}
}

__attribute__((noinline, noclone)) void syscall_copy(double end)
{
	static char buf[1 << 16];
	int in = open("/dev/zero", O_RDONLY);
	int out = open("/dev/null", O_WRONLY);

	if (in < 0 || out < 0) {
		perror("demo: open");
		exit(1);
	}
	while (now() < end) {
		if (read(in, buf, sizeof(buf)) < 0 ||
		    write(out, buf, sizeof(buf)) < 0) {
			perror("demo: copy");
			exit(1);
		}
	}
	close(in);
	close(out);
}

static void *syscall_thread(void *arg)
{
	syscall_copy(*(double *)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3;
	double end = now() + secs;
	pthread_t t;

	if (secs <= 0 || secs > 3600) {
		fprintf(stderr, "demo: SECONDS must be in (0, 3600]\n");
		return 2;
	}
	if (pthread_create(&t, NULL, syscall_thread, &end)) {
		fprintf(stderr, "demo: cannot create a thread\n");
		return 1;
	}
	cpu_work(end);
	pthread_join(t, NULL);
	return 0;
}
