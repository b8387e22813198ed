/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbolize layer: DWARF inflated once.  Debug files are often shipped
 * with their .debug_* sections compressed (SHF_COMPRESSED, zlib: Debian's
 * -dbg packages, gcc -gz).  libdw inflates every one of them each time it
 * opens the file (dwarf_begin_elf(), elfutils 0.188): for libc6-dbg's
 * libc, some 12 MB, which was 40% of a small report's time.  So the first
 * report that opens such a file keeps a copy with those sections stored
 * inflated in the build-id cache (lib/buildcache.h, kind BUILDCACHE_DWARF),
 * and later ones map that copy instead.
 *
 * The copy has the same sections, in the same order, with the same
 * headers but for the compression flag, size and file offset, and no
 * program headers (nothing reads them from a debug file).  It is found
 * by the build-id of the file it was made from, and used only if it
 * still carries that build-id and has no compressed section left.
 */
#ifndef SONDE_SYMBOLIZE_INFLATED_H
#define SONDE_SYMBOLIZE_INFLATED_H

#include <stdbool.h>
#include <stddef.h>
#include <gelf.h>

/*
 * inflated__open - the inflated copy under the build-id cache @dir of the
 * file with build-id @id (@id_size bytes), checked as said above: its
 * ELF, and its descriptor into *@fd.  Returns NULL when there is none or
 * it is not usable.
 */
struct Elf *inflated__open(const char *dir, const unsigned char *id,
			   size_t id_size, int *fd);

/*
 * inflated__add - write @elf, the file with build-id @id, into the
 * build-id cache @dir with every compressed section inflated.  Sections
 * libdw has inflated already are written from its memory.  Returns 0,
 * -EEXIST, -EOPNOTSUPP (a layout it does not copy: a GNU .zdebug
 * section, extended section numbering), -EFBIG (over
 * BUILDCACHE_MAX_FILE), or the -errno of writing.
 */
int inflated__add(const char *dir, struct Elf *elf, const unsigned char *id,
		  size_t id_size);

/* Whether @elf has a section stored compressed (SHF_COMPRESSED). */
bool inflated__needed(struct Elf *elf);

#endif /* SONDE_SYMBOLIZE_INFLATED_H */
