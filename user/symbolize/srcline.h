/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbolize layer: source lines and inline frames from DWARF (libdw).
 *
 * An ELF address of a binary compiled with -g names its source file and
 * line, and, where the compiler inlined functions there, the chain of
 * inlined calls: the DW_TAG_inlined_subroutine scopes that contain the
 * address, each with the file and line it was called from (DWARF 5,
 * section 3.3.8).  The DWARF comes from the binary itself or from its
 * separate debug file (debuginfo.h).
 */
#ifndef SONDE_SRCLINE_H
#define SONDE_SRCLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct srcline;

/*
 * struct srcline_frame - one function at an address, as pprof's Line.
 * @name: the function (DW_AT_name through its abstract origin); NULL when
 *	DWARF does not name it
 * @file: source file path as DWARF gives it; NULL when unknown
 * @line: 1-based source line; 0 when unknown
 */
struct srcline_frame {
	const char *name;
	const char *file;
	__u32 line;
};

/*
 * srcline__open - the DWARF of the binary recorded at @path (opened at
 * @symfs@path; @symfs NULL: at @path) that has build-id @build_id
 * (@build_id_size bytes; 0: not checked), or of its separate debug file
 * under @debug_root (NULL: /usr/lib/debug).  With @cache_dir, a build-id
 * cache (lib/buildcache.h), DWARF stored compressed is read from the
 * inflated copy kept there, made on first use (inflated.h); NULL: none
 * is read or made.  Returns 0, -ENOENT when
 * neither has DWARF, -ESTALE on a build-id mismatch, -ENOMEM, or the
 * -errno of opening the file.
 */
int srcline__open(struct srcline **sl, const char *path, const char *symfs,
		  const unsigned char *build_id, size_t build_id_size,
		  const char *debug_root, const char *cache_dir);
void srcline__free(struct srcline *sl);

/*
 * srcline__lookup - the functions at ELF address @vaddr, innermost first:
 * inlined callees (only with @inlines), then the function they were
 * inlined into, whose @line is where the address (or its outermost
 * inlined call) sits in it.  At most @max frames; a deeper chain keeps
 * its innermost @max - 1 frames and the outer function.  Without
 * @lines, every @file is NULL and @line 0, and the unit's line table is
 * never decoded (the larger part of a first lookup's cost).
 *
 * Returns the number of frames written, 0 when no compilation unit
 * covers @vaddr.  Strings point into the DWARF and live as long as @sl.
 */
unsigned int srcline__lookup(struct srcline *sl, __u64 vaddr, bool inlines,
			     bool lines, struct srcline_frame *frames,
			     unsigned int max);

#endif /* SONDE_SRCLINE_H */
