/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbolize layer: MiniDebugInfo, the symbols a stripped binary carries
 * inside itself: a .gnu_debugdata section holding an xz-compressed ELF
 * file whose .symtab names the functions .dynsym does not (Fedora builds
 * its binaries so; gdb's manual, "MiniDebugInfo", describes the format).
 */
#ifndef SONDE_SYMBOLIZE_MINIDEBUG_H
#define SONDE_SYMBOLIZE_MINIDEBUG_H

#include <stddef.h>
#include <gelf.h>

/*
 * The largest decompressed image taken, in bytes.  Real ones hold a
 * symbol table only: a few MiB for the largest binaries (libLLVM).
 */
#define MINIDEBUG_MAX_SIZE	(64UL << 20)

/*
 * The most memory the xz decoder may use, in bytes: xz -9 needs 65 MiB.
 * A stream asking for more (a huge dictionary) is refused, not decoded.
 */
#define MINIDEBUG_MEMLIMIT	(80ULL << 20)

/*
 * minidebug__decompress - decode the .xz stream @xz (@xz_size bytes)
 * into a new buffer *@out of *@out_size bytes (free() it), at most @cap
 * bytes.  The input is untrusted: a stream that decodes to more than
 * @cap bytes or needs more than MINIDEBUG_MEMLIMIT of decoder memory is
 * refused with -EFBIG, a corrupt or truncated one with -EINVAL; -ENOMEM.
 */
int minidebug__decompress(const void *xz, size_t xz_size, size_t cap,
			  void **out, size_t *out_size);

/*
 * minidebug__read - the ELF image in @elf's .gnu_debugdata section,
 * decompressed (at most MINIDEBUG_MAX_SIZE bytes) into *@image of
 * *@size bytes (free() it).  Returns 0, -ENOENT when @elf has no such
 * section, or minidebug__decompress()'s errors.  The image is as
 * untrusted as @elf: open it with elf_memory() and read it with care.
 */
int minidebug__read(Elf *elf, void **image, size_t *size);

#endif /* SONDE_SYMBOLIZE_MINIDEBUG_H */
