/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recording opened for analysis: its metadata (processes,
 * kernel symbols, stats) and its samples, resolved into symbolized frames.
 * report, script and export all read recordings through this.
 */
#ifndef SONDE_SESSION_H
#define SONDE_SESSION_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "recording/recording.h"

/*
 * struct frame_id - one distinct frame, interned: two frames with equal
 * pointers are the same function (or the same unresolved address).
 */
struct frame_id {
	const char *name;	/* symbol, "file+0xOFF" or "[unknown]" */
	const char *dso;	/* interned; "[kernel.kallsyms]", a path */
	bool kernel;
	bool known;		/* @name is a real symbol */
	unsigned int idx;	/* dense, from 0 */
};

struct frame {
	__u64 addr;
	__u64 off;		/* from the symbol's start, if known */
	const struct frame_id *id;
};

/* struct sample_view - a sample resolved; valid until the next resolve. */
struct sample_view {
	const struct sonde_sample *raw;
	const char *comm;	/* interned */
	const struct frame *frames;	/* leaf first */
	unsigned int nr_frames;
	unsigned int nr_kernel;	/* the first @nr_kernel frames */
};

struct session_counts {
	__u64 samples;		/* SAMPLE records read */
	__u64 lost;		/* sum of LOST.nr_lost, UINT64_MAX at most */
	__u64 bad;		/* records skipped as inconsistent */
	__u64 unknown;		/* records of unknown type */
	__u64 corrupt_sections;	/* sections whose walk hit a bad size */
	__u64 kernel_hidden;	/* in-kernel samples without kernel frames */
	/* From the module's per-CPU statistics (the STATS section): */
	bool has_stats;
	__u64 timer_missed;	/* timer periods that passed unsampled */
	__u64 handler_samples;	/* handler runs that produced a sample */
	__u64 handler_ns_total;
	__u64 handler_ns_max;
};

struct session;

typedef int (*sample_cb_t)(const struct sample_view *v, void *ctx);

/* Open @path and load its metadata; warns (one line) if cut short. */
int session__open(struct session **s, const char *path);
/*
 * session__open_verbose - session__open() for the commands: says on
 * stderr why a recording cannot be read, and takes the root of separate
 * debug files from the environment: SONDE_DEBUG_ROOT, when set and not
 * empty, replaces /usr/lib/debug (ROOT/.build-id/xx/yyyy.debug, and
 * ROOT/DIR/NAME for a .gnu_debuglink NAME of a binary in DIR).
 */
int session__open_verbose(struct session **s, const char *path);
/* Where separate debug files are looked for; NULL: /usr/lib/debug. */
void session__set_debug_root(struct session *s, const char *root);
void session__close(struct session *s);

const char *session__path(const struct session *s);
/* NULL when the recording has no (complete) SESSION section. */
const struct srec_session *session__info(const struct session *s);
const struct srec_end *session__end(const struct session *s);

/*
 * session__iter_records - call @cb for every SAMPLE and LOST record in
 * file order.  The counts are final once it returned 0.
 */
int session__iter_records(struct session *s, rec_record_cb_t cb,
			     void *ctx);
const struct session_counts *session__counts(const struct session *s);

int session__resolve(struct session *s, const struct sonde_sample *raw,
		     struct sample_view *view);

/* Resolve every sample in file order. */
int session__iter_samples(struct session *s, sample_cb_t cb, void *ctx);

#endif /* SONDE_SESSION_H */
