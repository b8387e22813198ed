/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde kernel tests: helpers shared by the tests that drive /dev/sonde.
 * A minimal, independent ring consumer (the tool has its own), so that a
 * bug in one cannot hide the same bug in the other.
 */
#ifndef SONDE_TEST_HELPERS_H
#define SONDE_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "sonde.h"

struct test_ring {
	unsigned int cpu;
	struct sonde_ring_meta *meta;
	struct sonde_ring_ctrl *ctrl;
	const uint8_t *data;
	uint64_t size;
	size_t meta_len;
};

/* What a drain saw, per ring. */
struct drain_counts {
	uint64_t samples;
	uint64_t lost_records;
	uint64_t lost;
	uint64_t bad_cpu;
	uint64_t bad_records;
	uint64_t throttles;	/* THROTTLE and UNTHROTTLE records */
};

typedef void (*sample_fn)(const struct sonde_sample *s, void *arg);
typedef void (*record_fn)(const struct sonde_record_header *h, void *arg);

int dev_open(void);
int dev_info(int fd, struct sonde_info *info);
void config_init(struct sonde_config *cfg, uint32_t freq, uint32_t pages);
int dev_configure(int fd, struct sonde_config *cfg);
int dev_stats(int fd, const struct sonde_info *info,
	      struct sonde_cpu_stats *stats);
off_t ring_offset(const struct sonde_info *info, unsigned int cpu,
		  bool ctrl);
int ring_map(int fd, const struct sonde_info *info, unsigned int cpu,
	     uint32_t ring_pages, struct test_ring *ring);
void ring_unmap(struct test_ring *ring);
/*
 * ring_walk - call @fn for every record between the ring's tail and
 * head, then give them back.  Returns 1 when a record header was
 * unusable (the rest is skipped), else 0.
 */
int ring_walk(struct test_ring *ring, record_fn fn, void *arg);
void ring_drain(struct test_ring *ring, struct drain_counts *c,
		sample_fn fn, void *arg);
/* The first byte of @p in [@from, @to) that is not @v, or @to. */
size_t first_byte_not(const void *p, size_t from, size_t to, uint8_t v);
int nr_online_cpus(void);
/* Write @on to CPU @cpu's sysfs "online" file; 0 or -errno. */
int cpu_set_online(int cpu, bool on);
/* sum of @st->lost[]: what a CPU could not write, for every reason */
uint64_t stats_lost(const struct sonde_cpu_stats *st);
/*
 * what a CPU tried to write: samples, task, MMAP and THROTTLE records;
 * each either is in its ring (@st->records) or counted lost
 */
uint64_t stats_produced(const struct sonde_cpu_stats *st);
/*
 * The struct sonde_sample_event ending a SAMPLE record with
 * SONDE_SAMPLE_EVENT, after its frames and stack copy; NULL when the
 * record is too short to hold one.
 */
const struct sonde_sample_event *sample_event_of(const struct sonde_sample *s);
void burn_cpu_ms(unsigned int ms);
uint64_t mono_ns(void);

/*
 * A sampling session seen for what it says about kernel addresses: who
 * may see them is the opener's right (privilege_test.c).
 */
/* What a session's samples say about kernel addresses. */
struct kview {
	uint64_t samples;	/* SAMPLE records */
	uint64_t kctx;		/* of them in kernel or idle context */
	uint64_t hidden;	/* ... with SONDE_SAMPLE_KERNEL_HIDDEN */
	uint64_t ip_zero;	/* ... with ip 0 */
	uint64_t with_chain;	/* ... with a kernel chain starting at ip */
	uint64_t kframes;	/* kernel frames over all samples */
	uint64_t kaddrs;	/* kernel addresses anywhere in any sample */
	uint64_t user_hidden;	/* user-context samples flagged hidden */
	pid_t pid;		/* the process sampled on purpose */
};

/* The outcome of one session run by run_session(). */
struct session_result {
	int err;		/* first failure, as -errno; 0 if none */
	int step;		/* where it failed */
	uint64_t features;
	struct kview v;
	uint64_t bad_records, bad_cpu;
};

bool is_kernel_addr(uint64_t a);
void burn_kernel_ms(unsigned int ms);
/*
 * run_session - CONFIGURE with kernel chains, map every online CPU's
 * ring, sample for a while with kernel work running, STOP and read
 * everything back into @r.
 */
void run_session(int fd, struct session_result *r);

/* Kernel symbols from /proc/kallsyms, for naming kernel frames. */
struct ksyms;
struct ksyms *ksyms_load(void);
const char *ksyms_name(const struct ksyms *k, uint64_t addr);
uint64_t ksyms_addr(const struct ksyms *k, const char *name);
void ksyms_free(struct ksyms *k);

#endif
