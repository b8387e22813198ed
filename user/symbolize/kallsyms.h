/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbolize layer: kernel text symbols, parsed from a recording's
 * KALLSYMS section (record/kallsyms.h captured them) and looked up by
 * address.
 */
#ifndef SONDE_SYMBOLIZE_KALLSYMS_H
#define SONDE_SYMBOLIZE_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct kallsyms;

/*
 * kallsyms__parse - index the text symbols of @len bytes of captured
 * /proc/kallsyms @text into *@ks.  Zero addresses are never indexed.
 * Returns 0 or -ENOMEM.
 */
int kallsyms__parse(struct kallsyms **ks, const char *text, size_t len);
/*
 * kallsyms__parse_owned - the same, taking @text, a malloc()ed buffer,
 * which *@ks then owns and writes into (or which is freed on error):
 * a recording's inflated section is not copied again.
 */
int kallsyms__parse_owned(struct kallsyms **ks, char *text, size_t len);
void kallsyms__free(struct kallsyms *ks);

/*
 * kallsyms__lookup - the symbol containing @addr: its name, start and
 * module ("" for the core kernel).  Returns false when none does.
 */
bool kallsyms__lookup(const struct kallsyms *ks, __u64 addr,
		      const char **name, __u64 *start, const char **module);

#endif /* SONDE_SYMBOLIZE_KALLSYMS_H */
