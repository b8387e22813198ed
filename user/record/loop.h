/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: the event loop of sonde record: waits for the device to
 * become readable, for a signal (signalfd: SIGINT, SIGTERM, SIGCHLD) and
 * for the periodic tick, and writes the recording asynchronously.
 * io_uring does all of it; poll() and pwrite() stand in where io_uring is
 * unavailable.
 */
#ifndef SONDE_LOOP_H
#define SONDE_LOOP_H

#include <stdbool.h>
#include <sys/signalfd.h>

#include "recording/recording.h"

#define LOOP_EV_DEV	(1U << 0)
#define LOOP_EV_SIGNAL	(1U << 1)
#define LOOP_EV_TICK	(1U << 2)

struct sonde_loop;

/*
 * loop__new - @tick_ms is the period of LOOP_EV_TICK.  With @no_uring (or
 * when io_uring_queue_init() fails, which warns once) the poll() backend
 * is used.
 */
int loop__new(struct sonde_loop **l, int dev_fd, int sig_fd, int out_fd,
	      unsigned int tick_ms, bool no_uring);
void loop__free(struct sonde_loop *l);
bool loop__uses_uring(const struct sonde_loop *l);

/* The sink for rec_writer__new(); call loop__set_writer() right after. */
const struct rec_sink *loop__sink(struct sonde_loop *l);
void loop__set_writer(struct sonde_loop *l, struct rec_writer *w);

/*
 * loop__wait - block until something happens.  Returns LOOP_EV_* bits or a
 * negative errno.  With LOOP_EV_SIGNAL, *@si holds the signal read.
 */
int loop__wait(struct sonde_loop *l, struct signalfd_siginfo *si);

#endif /* SONDE_LOOP_H */
