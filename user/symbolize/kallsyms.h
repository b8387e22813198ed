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
 * kallsyms__from_cache - the symbols parsed from a KALLSYMS section with
 * @flags (SREC_SF_*) whose payload, as recorded (compressed or not), is
 * the @size bytes at @payload, read from the build cache under @dir
 * (lib/buildcache.h) into *@ks when an entry there was made from that
 * same section.  An entry that is another section's, or not sound, is
 * removed.  Returns 0, -ENOENT (none, or that one) or -ENOMEM.
 */
int kallsyms__from_cache(struct kallsyms **ks, const char *dir,
			 __u32 flags, const void *payload, size_t size);

/*
 * kallsyms__to_cache - keep @ks, parsed from the KALLSYMS section with
 * @flags and payload @payload (@size bytes), in the build cache under
 * @dir for kallsyms__from_cache().  Returns 0, -EEXIST (there already),
 * or the -errno of writing it.
 */
int kallsyms__to_cache(const struct kallsyms *ks, const char *dir,
		       __u32 flags, const void *payload, size_t size);

/*
 * kallsyms__lookup - the symbol containing @addr: its name, start and
 * module ("" for the core kernel).  Returns false when none does.
 */
bool kallsyms__lookup(const struct kallsyms *ks, __u64 addr,
		      const char **name, __u64 *start, const char **module);

#endif /* SONDE_SYMBOLIZE_KALLSYMS_H */
