/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbolize layer: separate debug files: where the symbols of a stripped
 * binary went, found the way gdb and addr2line find them.
 */
#ifndef SONDE_DEBUGINFO_H
#define SONDE_DEBUGINFO_H

#include <stddef.h>
#include <gelf.h>

/* Where distributions install debug files, unless told otherwise. */
#define DEBUGINFO_ROOT	"/usr/lib/debug"

/*
 * debuginfo__open - open the separate debug file of @elf, the binary
 * recorded at @path (and opened at @symfs@path, @symfs NULL: ""), with the
 * build-id @build_id (@build_id_size bytes, 0: take it from @elf).
 * Looked for, in this order:
 *
 *   ROOT/.build-id/xx/yyyy.debug      by build-id, which must match
 *   the archive's debug copy           by build-id (lib/buildcache.h)
 *   SYMFS/DIR/NAME, SYMFS/DIR/.debug/NAME, ROOT/DIR/NAME
 *                                     by .gnu_debuglink (NAME, CRC32),
 *                                     whose CRC must match
 *
 * where DIR is @path's directory and ROOT is @root (NULL: DEBUGINFO_ROOT).
 * Every candidate is opened with open_regular().  Returns a descriptor or
 * -ENOENT.
 */
int debuginfo__open(Elf *elf, const char *path, const char *symfs,
		    const unsigned char *build_id, size_t build_id_size,
		    const char *root);

#endif /* SONDE_DEBUGINFO_H */
