/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: snapshots of a process as report needs it later: its comm
 * and its executable mappings, each with the build-id of the mapped file.
 */
#ifndef SONDE_PROCMAP_H
#define SONDE_PROCMAP_H

#include <linux/types.h>

#include "lib/util.h"

struct procmap;

/* @proc_root is "/proc" except in tests. */
int procmap__new(struct procmap **pm, const char *proc_root);
void procmap__free(struct procmap *pm);

/*
 * procmap__snapshot - append a SREC_SEC_PROCESS payload for @pid to @out.
 * Returns -ESRCH when the process is gone (nothing appended).
 */
int procmap__snapshot(struct procmap *pm, __u32 pid, __u32 flags,
		      __u64 time_ns, struct buf *out);

#endif /* SONDE_PROCMAP_H */
