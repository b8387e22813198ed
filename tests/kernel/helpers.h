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
int nr_online_cpus(void);
void burn_cpu_ms(unsigned int ms);
uint64_t mono_ns(void);

/* Kernel symbols from /proc/kallsyms, for naming kernel frames. */
struct ksyms;
struct ksyms *ksyms_load(void);
const char *ksyms_name(const struct ksyms *k, uint64_t addr);
uint64_t ksyms_addr(const struct ksyms *k, const char *name);
void ksyms_free(struct ksyms *k);

#endif
