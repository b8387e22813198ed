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
 * The first level of that walk, the unit's own children, is where the
 * time goes: a unit of thousands of functions (an amalgamated source, a
 * generated file) would make every lookup read thousands of DIEs.  So each
 * unit's top-level code scopes and their ranges are read once, on the
 * first lookup in the unit, into an index sorted by address; a lookup
 * finds its function there and walks only that function's tree.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elfutils/libdw.h>

#include "lib/buildid.h"
#include "lib/hmap.h"
#include "lib/untrusted.h"
#include "symbolize/debuginfo.h"
#include "symbolize/inflated.h"
#include "symbolize/srcline.h"

/* Nesting of scopes a hostile file could make unbounded. */
#define MAX_SCOPE_DEPTH		64

struct srcline {
	Dwarf *dwarf;
	Elf *elf;		/* the binary */
	Elf *debug_elf;		/* its separate debug file, or NULL */
	Elf *inflated_elf;	/* the cache's inflated copy, or NULL */
	int fd;
	int debug_fd;
	int inflated_fd;
	/* Units in file order, for producers without .debug_aranges. */
	Dwarf_Die *units;
	size_t nr_units;
	bool units_read;
	struct hmap indexes;	/* unit DIE offset -> struct unit_index */
};

/* One address range of a code scope among a unit's top-level DIEs. */
struct scope_range {
	__u64 low, high;	/* [low, high) */
	__u64 reach;		/* highest @high of this and the ranges below */
	Dwarf_Die die;
	unsigned int order;	/* of @die in the walk of the unit's tree */
	unsigned int nesting;	/* walk_scopes()'s at @die's parent */
};

/* The code scopes of a unit's first level (in containers too), by address. */
struct unit_index {
	struct scope_range *ranges;
	size_t nr;
	size_t cap;
	unsigned int nr_dies;
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

/*
 * The DWARF of @elf, from the cache's inflated copy of it when its
 * sections are compressed; the first such open leaves that copy there
 * (inflated.h).  The cache is only ever a shortcut: when it cannot be
 * read or written, @elf itself serves.
 */
static Dwarf *dwarf_of(struct srcline *sl, Elf *elf, const char *cache_dir)
{
	unsigned char id[BUILD_ID_MAX];
	Dwarf *dw;
	int n;

	if (!cache_dir || !inflated__needed(elf))
		return dwarf_with_units(elf);
	n = buildid__from_elf(elf, id, sizeof(id));
	if (n <= 0)
		return dwarf_with_units(elf);
	sl->inflated_elf = inflated__open(cache_dir, id, n, &sl->inflated_fd);
	if (sl->inflated_elf) {
		dw = dwarf_with_units(sl->inflated_elf);
		if (dw)
			return dw;
		elf_end(sl->inflated_elf);
		sl->inflated_elf = NULL;
		close(sl->inflated_fd);
		sl->inflated_fd = -1;
	}
	dw = dwarf_with_units(elf);
	if (dw)
		inflated__add(cache_dir, elf, id, n);
	return dw;
}

int srcline__open(struct srcline **slp, const char *path, const char *symfs,
		  const unsigned char *build_id, size_t build_id_size,
		  const char *debug_root, const char *cache_dir)
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
	sl->inflated_fd = -1;
	hmap__init(&sl->indexes, NULL);
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
	sl->dwarf = dwarf_of(sl, sl->elf, cache_dir);
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
		sl->dwarf = dwarf_of(sl, sl->debug_elf, cache_dir);
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
	struct hmap_entry *e;

	if (!sl)
		return;
	hmap__for_each(&sl->indexes, e) {
		struct unit_index *ui = e->val;

		free(ui->ranges);
		free(ui);
	}
	hmap__free(&sl->indexes);
	if (sl->dwarf)
		dwarf_end(sl->dwarf);
	if (sl->inflated_elf)
		elf_end(sl->inflated_elf);
	if (sl->inflated_fd >= 0)
		close(sl->inflated_fd);
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

static int add_ranges(struct unit_index *ui, Dwarf_Die *die,
		      unsigned int nesting)
{
	Dwarf_Addr base, low, high;
	struct scope_range *grown;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &low, &high)) > 0) {
		if (low >= high)
			continue;
		if (ui->nr == ui->cap) {
			ui->cap = ui->cap ? 2 * ui->cap : 64;
			grown = realloc(ui->ranges,
					ui->cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			ui->ranges = grown;
		}
		ui->ranges[ui->nr++] = (struct scope_range) {
			.low = low, .high = high, .die = *die,
			.order = ui->nr_dies, .nesting = nesting,
		};
	}
	ui->nr_dies++;
	return 0;
}

/*
 * The code scopes below @parent into @ui, as walk_scopes() examines them
 * at @nesting: the first level, and through containers.
 */
static int index_scopes(struct unit_index *ui, Dwarf_Die *parent,
			unsigned int nesting)
{
	Dwarf_Die child;
	int tag, err;

	if (nesting >= MAX_SCOPE_DEPTH || dwarf_child(parent, &child))
		return 0;
	do {
		tag = dwarf_tag(&child);
		if (is_container(tag))
			err = index_scopes(ui, &child, nesting + 1);
		else if (is_code_scope(tag))
			err = add_ranges(ui, &child, nesting);
		else
			err = 0;
		if (err)
			return err;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct scope_range *x = a, *y = b;

	if (x->low != y->low)
		return x->low < y->low ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* @cu's index, read on first use; NULL when out of memory. */
static struct unit_index *unit_index(struct srcline *sl, Dwarf_Die *cu)
{
	Dwarf_Off off = dwarf_dieoffset(cu);
	const void *key = (const void *)(uintptr_t)off;
	__u64 h = hash_u64(off);
	struct unit_index *ui = hmap__find(&sl->indexes, h, key);
	__u64 reach = 0;
	size_t i;

	if (ui)
		return ui;
	ui = calloc(1, sizeof(*ui));
	if (!ui)
		return NULL;
	if (index_scopes(ui, cu, 0) ||
	    hmap__insert(&sl->indexes, h, key, ui)) {
		free(ui->ranges);
		free(ui);
		return NULL;
	}
	qsort(ui->ranges, ui->nr, sizeof(*ui->ranges), cmp_range);
	for (i = 0; i < ui->nr; i++) {
		if (ui->ranges[i].high > reach)
			reach = ui->ranges[i].high;
		ui->ranges[i].reach = reach;
	}
	return ui;
}

/*
 * walk_scopes() from @cu through its index: of the first-level scopes
 * holding @pc, the first in the tree's order, then down its own tree.  A
 * scope inside a container that yields no function gives way to the
 * next one, as in the walk.
 */
static unsigned int walk_indexed(struct unit_index *ui, __u64 pc,
				 Dwarf_Die *chain)
{
	size_t lo = 0, hi = ui->nr, i;
	unsigned int after = 0, depth;
	bool first = true;

	/* The ranges from 0 to lo - 1 start at or below @pc. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ui->ranges[mid].low <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (;;) {
		struct scope_range *best = NULL;
		int tag;

		for (i = lo; i-- > 0 && ui->ranges[i].reach > pc;) {
			struct scope_range *r = &ui->ranges[i];

			if (pc < r->high && (first || r->order > after) &&
			    (!best || r->order < best->order))
				best = r;
		}
		if (!best)
			return 0;
		depth = 0;
		tag = dwarf_tag(&best->die);
		if (tag == DW_TAG_subprogram ||
		    tag == DW_TAG_inlined_subroutine)
			chain[depth++] = best->die;
		depth = walk_scopes(&best->die, pc, chain, depth,
				    best->nesting + 1);
		if (depth || !best->nesting)
			return depth;
		first = false;
		after = best->order;
	}
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
			     bool lines, struct srcline_frame *frames,
			     unsigned int max)
{
	Dwarf_Die cu, chain[MAX_SCOPE_DEPTH];
	struct unit_index *ui;
	const char *file = NULL;
	unsigned int depth, i, n = 0;
	Dwarf_Attribute attr;
	Dwarf_Word word;
	Dwarf_Line *line;
	int lineno = 0;

	if (!max || !find_unit(sl, vaddr, &cu))
		return 0;
	line = lines ? dwarf_getsrc_die(&cu, vaddr) : NULL;
	if (line) {
		file = dwarf_linesrc(line, NULL, NULL);
		if (dwarf_lineno(line, &lineno) || lineno < 0)
			lineno = 0;
	}
	ui = unit_index(sl, &cu);
	depth = ui ? walk_indexed(ui, vaddr, chain) :
		     walk_scopes(&cu, vaddr, chain, 0, 0);
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
		if (!lines)
			continue;
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
