// SPDX-License-Identifier: GPL-2.0
/*
 * Threads in known places, for sonde stacks: "waiters READY_FILE" starts
 * eight threads, two spinning (spin_worker), three sleeping in nanosleep
 * (sleep_worker), two deadlocked on two mutexes taken in opposite order
 * (lock_ab_worker, lock_ba_worker), one blocked in read() on a pipe
 * nobody writes (pipe_reader), then creates READY_FILE and waits in
 * pause() until killed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold_one;
static int pipe_fds[2];
static volatile unsigned long spins[2];

__attribute__((noinline)) void *spin_worker(void *arg)
{
	volatile unsigned long *n = arg;

	for (;;)
		(*n)++;
	return NULL;
}

__attribute__((noinline)) void *sleep_worker(void *arg __attribute__((unused)))
{
	struct timespec ts = { 1000, 0 };

	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

__attribute__((noinline)) void *lock_ab_worker(void *arg __attribute__((unused)))
{
	pthread_mutex_lock(&lock_a);
	pthread_barrier_wait(&both_hold_one);
	pthread_mutex_lock(&lock_b);
	return NULL;
}

__attribute__((noinline)) void *lock_ba_worker(void *arg __attribute__((unused)))
{
	pthread_mutex_lock(&lock_b);
	pthread_barrier_wait(&both_hold_one);
	pthread_mutex_lock(&lock_a);
	return NULL;
}

__attribute__((noinline)) void *pipe_reader(void *arg __attribute__((unused)))
{
	char c;

	while (read(pipe_fds[0], &c, 1) > 0)
		;
	return NULL;
}

static void start(void *(*fn)(void *), void *arg, const char *name)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, arg)) {
		perror("pthread_create");
		exit(1);
	}
	pthread_setname_np(t, name);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: waiters READY_FILE\n");
		return 2;
	}
	if (pipe(pipe_fds) || pthread_barrier_init(&both_hold_one, NULL, 2))
		return 1;
	start(spin_worker, (void *)&spins[0], "spinner-0");
	start(spin_worker, (void *)&spins[1], "spinner-1");
	start(sleep_worker, NULL, "sleeper-0");
	start(sleep_worker, NULL, "sleeper-1");
	start(sleep_worker, NULL, "sleeper-2");
	start(lock_ab_worker, NULL, "locker-ab");
	start(lock_ba_worker, NULL, "locker-ba");
	start(pipe_reader, NULL, "reader");
	/* Time for the blocking threads to block. */
	usleep(300000);
	fd = open(argv[1], O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return 1;
	close(fd);
	for (;;)
		pause();
}
