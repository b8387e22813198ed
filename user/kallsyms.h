/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel text symbols: captured from /proc/kallsyms while
 * recording, looked up by address while reporting.
 */
#ifndef SONDE_KALLSYMS_H
#define SONDE_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "util.h"

/*
 * kallsyms__capture - the text-symbol lines of @path into @out.  Sets
 * *@restricted when every address reads as zero (kptr_restrict).
 */
int kallsyms__capture(const char *path, struct buf *out, bool *restricted);

struct kallsyms;

/* Parse captured text.  Zero addresses are never indexed. */
int kallsyms__parse(struct kallsyms **ks, const char *text, size_t len);
void kallsyms__free(struct kallsyms *ks);

/*
 * kallsyms__lookup - the symbol containing @addr: its name, start and
 * module ("" for the core kernel).  Returns false when none does.
 */
bool kallsyms__lookup(const struct kallsyms *ks, __u64 addr,
		      const char **name, __u64 *start, const char **module);

#endif /* SONDE_KALLSYMS_H */
