/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: the kernel's text symbols, captured from /proc/kallsyms
 * while recording (symbolize/kallsyms.h reads them back).
 */
#ifndef SONDE_RECORD_KALLSYMS_H
#define SONDE_RECORD_KALLSYMS_H

#include <stdbool.h>

#include "lib/util.h"

/*
 * kallsyms__capture - the text-symbol lines of @path into @out.  Sets
 * *@restricted when every address reads as zero (kptr_restrict).
 * Returns 0 or -errno.
 */
int kallsyms__capture(const char *path, struct buf *out, bool *restricted);

#endif /* SONDE_RECORD_KALLSYMS_H */
