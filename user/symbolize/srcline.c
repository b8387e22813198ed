// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolize layer: source lines and inline frames from DWARF (srcline.h).
 *
 * The compilation unit of an address comes from .debug_aranges
 * (dwarf_addrdie()), or, for a producer that emits none, from the units'
 * own ranges.  Within the unit the concrete tree of DIEs is walked down to
 * the innermost DW_TAG_inlined_subroutine holding the address; each level
 * gives the frame above it its line (DW_AT_call_file, DW_AT_call_line).
 * dwarf_getscopes() is not used for that: past the first inlined instance
 * it continues in the abstract origin's scopes, not in the function the
 * code was inlined into.
 *
 * The files are untrusted: libdw checks the DWARF it decodes; the walk is
 * bounded in depth, and names and paths are cleaned by the caller.
 *
 * Single-threaded, like the symbolizer that owns it.
 */
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elfutils/libdw.h>

#include "lib/buildid.h"
#include "lib/untrusted.h"
#include "symbolize/debuginfo.h"
#include "symbolize/srcline.h"

/* Nesting of scopes a hostile file could make unbounded. */
#define MAX_SCOPE_DEPTH		64

struct srcline {
	Dwarf *dwarf;
	Elf *elf;		/* the binary */
	Elf *debug_elf;		/* its separate debug file, or NULL */
	int fd;
	int debug_fd;
	/* Units in file order, for producers without .debug_aranges. */
	Dwarf_Die *units;
	size_t nr_units;
	bool units_read;
};

/* A Dwarf of @elf if it has at least one compilation unit. */
static Dwarf *dwarf_with_units(Elf *elf)
{
	Dwarf *dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (dw && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL)) {
		dwarf_end(dw);
		return NULL;
	}
	return dw;
}

int srcline__open(struct srcline **slp, const char *path, const char *symfs,
		  const unsigned char *build_id, size_t build_id_size,
		  const char *debug_root)
{
	unsigned char id[BUILD_ID_MAX];
	char opened[PATH_MAX];
	struct srcline *sl;
	int err, n;

	elf_version(EV_CURRENT);
	if (snprintf(opened, sizeof(opened), "%s%s", symfs ? symfs : "",
		     path) >= (int)sizeof(opened))
		return -ENAMETOOLONG;
	sl = calloc(1, sizeof(*sl));
	if (!sl)
		return -ENOMEM;
	sl->debug_fd = -1;
	sl->fd = open_regular(opened);
	if (sl->fd < 0) {
		err = sl->fd;
		goto out_free;
	}
	sl->elf = elf_begin(sl->fd, ELF_C_READ_MMAP, NULL);
	if (!sl->elf || elf_kind(sl->elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto out_close;
	}
	if (build_id_size) {
		n = buildid__from_elf(sl->elf, id, sizeof(id));
		if (n != (int)build_id_size || memcmp(id, build_id, n)) {
			err = -ESTALE;
			goto out_close;
		}
	}
	sl->dwarf = dwarf_with_units(sl->elf);
	if (sl->dwarf) {
		*slp = sl;
		return 0;
	}
	sl->debug_fd = debuginfo__open(sl->elf, path, symfs, build_id,
				       build_id_size, debug_root);
	if (sl->debug_fd < 0) {
		err = -ENOENT;
		goto out_close;
	}
	sl->debug_elf = elf_begin(sl->debug_fd, ELF_C_READ_MMAP, NULL);
	if (sl->debug_elf && elf_kind(sl->debug_elf) == ELF_K_ELF)
		sl->dwarf = dwarf_with_units(sl->debug_elf);
	if (!sl->dwarf) {
		err = -ENOENT;
		goto out_close;
	}
	*slp = sl;
	return 0;

out_close:
	srcline__free(sl);
	return err;
out_free:
	free(sl);
	return err;
}

void srcline__free(struct srcline *sl)
{
	if (!sl)
		return;
	if (sl->dwarf)
		dwarf_end(sl->dwarf);
	if (sl->debug_elf)
		elf_end(sl->debug_elf);
	if (sl->elf)
		elf_end(sl->elf);
	if (sl->debug_fd >= 0)
		close(sl->debug_fd);
	if (sl->fd >= 0)
		close(sl->fd);
	free(sl->units);
	free(sl);
}

static void read_units(struct srcline *sl)
{
	Dwarf_Off off = 0, next;
	size_t hsize, cap = 0;
	Dwarf_Die *grown;

	sl->units_read = true;
	while (!dwarf_nextcu(sl->dwarf, off, &next, &hsize, NULL, NULL,
			     NULL)) {
		if (sl->nr_units == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(sl->units, cap * sizeof(*grown));
			if (!grown)
				return;	/* the units read so far serve */
			sl->units = grown;
		}
		if (dwarf_offdie(sl->dwarf, off + hsize,
				 &sl->units[sl->nr_units]))
			sl->nr_units++;
		off = next;
	}
}

/* The unit whose code holds @pc. */
static bool find_unit(struct srcline *sl, __u64 pc, Dwarf_Die *cu)
{
	size_t i;

	if (dwarf_addrdie(sl->dwarf, pc, cu))
		return true;
	if (!sl->units_read)
		read_units(sl);
	for (i = 0; i < sl->nr_units; i++) {
		if (dwarf_haspc(&sl->units[i], pc) == 1) {
			*cu = sl->units[i];
			return true;
		}
	}
	return false;
}

/* DIEs without code of their own that may hold functions (C++). */
static bool is_container(int tag)
{
	switch (tag) {
	case DW_TAG_namespace:
	case DW_TAG_module:
	case DW_TAG_class_type:
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
		return true;
	}
	return false;
}

static bool is_code_scope(int tag)
{
	switch (tag) {
	case DW_TAG_subprogram:
	case DW_TAG_inlined_subroutine:
	case DW_TAG_lexical_block:
	case DW_TAG_try_block:
	case DW_TAG_catch_block:
		return true;
	}
	return false;
}

/*
 * The functions holding @pc below @parent into @chain (outermost first),
 * at most MAX_SCOPE_DEPTH.  Returns how many.
 */
static unsigned int walk_scopes(Dwarf_Die *parent, __u64 pc,
				Dwarf_Die *chain, unsigned int depth,
				unsigned int nesting)
{
	Dwarf_Die child;
	int tag;

	if (nesting >= MAX_SCOPE_DEPTH || dwarf_child(parent, &child))
		return depth;
	do {
		tag = dwarf_tag(&child);
		if (is_container(tag)) {
			unsigned int found = walk_scopes(&child, pc, chain,
							 depth, nesting + 1);

			if (found > depth)
				return found;
			continue;
		}
		if (!is_code_scope(tag) || dwarf_haspc(&child, pc) != 1)
			continue;
		if ((tag == DW_TAG_subprogram ||
		     tag == DW_TAG_inlined_subroutine) &&
		    depth < MAX_SCOPE_DEPTH)
			chain[depth++] = child;
		return walk_scopes(&child, pc, chain, depth, nesting + 1);
	} while (dwarf_siblingof(&child, &child) == 0);
	return depth;
}

/* File @index of @cu's line table, or NULL. */
static const char *unit_file(Dwarf_Die *cu, Dwarf_Word index)
{
	Dwarf_Files *files;
	size_t nr;

	if (dwarf_getsrcfiles(cu, &files, &nr) || index >= nr)
		return NULL;
	return dwarf_filesrc(files, index, NULL, NULL);
}

/* The function @die names, through its abstract origin or declaration. */
static const char *scope_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;

	return dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
}

unsigned int srcline__lookup(struct srcline *sl, __u64 vaddr, bool inlines,
			     struct srcline_frame *frames, unsigned int max)
{
	Dwarf_Die cu, chain[MAX_SCOPE_DEPTH];
	const char *file = NULL;
	unsigned int depth, i, n = 0;
	Dwarf_Attribute attr;
	Dwarf_Word word;
	Dwarf_Line *line;
	int lineno = 0;

	if (!max || !find_unit(sl, vaddr, &cu))
		return 0;
	line = dwarf_getsrc_die(&cu, vaddr);
	if (line) {
		file = dwarf_linesrc(line, NULL, NULL);
		if (dwarf_lineno(line, &lineno) || lineno < 0)
			lineno = 0;
	}
	depth = walk_scopes(&cu, vaddr, chain, 0, 0);
	/*
	 * From the innermost scope out: each inlined instance is a frame
	 * at the current line, and its call site is the line of the frame
	 * that contains it.
	 */
	for (i = depth; i-- > 1;) {
		if (dwarf_tag(&chain[i]) != DW_TAG_inlined_subroutine)
			break;
		if (inlines && n + 1 < max) {
			frames[n].name = scope_name(&chain[i]);
			frames[n].file = file;
			frames[n].line = lineno;
			n++;
		}
		file = NULL;
		lineno = 0;
		if (!dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_file,
						&attr), &word))
			file = unit_file(&cu, word);
		if (!dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_line,
						&attr), &word) &&
		    word <= INT_MAX)
			lineno = word;
	}
	frames[n].name = depth ? scope_name(&chain[i]) : NULL;
	frames[n].file = file;
	frames[n].line = lineno;
	return n + 1;
}
