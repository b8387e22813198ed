/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: one-to-one wrappers of the /dev/sonde ioctls
 * (uapi/sonde.h). Each returns 0 or a negative errno, never prints.
 */
#ifndef SONDE_DEV_H
#define SONDE_DEV_H

#include "sonde.h"

int sonde_dev_open(void);
int sonde_dev_get_info(int fd, struct sonde_info *info);
int sonde_dev_configure(int fd, const struct sonde_config *cfg);
int sonde_dev_start(int fd);
int sonde_dev_stop(int fd);
/* @stats has room for @nr_cpus entries; *@nr_cpus is updated. */
int sonde_dev_get_stats(int fd, struct sonde_cpu_stats *stats,
			__u32 *nr_cpus);
/* @req is filled by the caller but for its size; the kernel's answer too. */
int sonde_dev_snapshot(int fd, struct sonde_snapshot *req);

#endif /* SONDE_DEV_H */
