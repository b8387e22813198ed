/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbolize layer: user-space symbols: an ELF file (or in-memory image
 * such as the recorded vDSO) loaded once, looked up by mapped address.
 */
#ifndef SONDE_SYMBOLIZE_H
#define SONDE_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct dso;

/*
 * dso__load - symbols of the file recorded at @path, opened at
 * @symfs@path (@symfs NULL: at @path).  With @build_id_size > 0, it must
 * carry that build-id: a different binary at the same path would give
 * confident but wrong names, so it is refused (-ESTALE).
 *
 * Function symbols come from .symtab and .dynsym; a stripped file's
 * (no .symtab) also from its MiniDebugInfo (minidebug.h) and its
 * separate debug file, looked for under @debug_root (NULL:
 * /usr/lib/debug) as debuginfo__open() says.  x86-64 PLT entries are
 * named "FUNC@plt" as perf and objdump name them.  With @demangle, C++
 * and Rust names are demangled (dso__demangle()); without, kept raw.
 */
int dso__load(struct dso **dso, const char *path, const char *symfs,
	      const unsigned char *build_id, size_t build_id_size,
	      const char *debug_root, bool demangle);
/* The same from an ELF image in memory (copied). */
int dso__load_image(struct dso **dso, const void *image, size_t size);
void dso__free(struct dso *dso);

/*
 * dso__demangle - the readable form of the symbol name @raw: C++ (Itanium
 * ABI, "_Z"), Rust legacy ("_ZN...17h<hash>E", the hash dropped) and Rust
 * v0 ("_R") names, with parameter types, as libiberty's cplus_demangle()
 * prints them.  Returns a string to free(), or NULL when @raw is no
 * mangled name, is malformed, nests deeper than libiberty's recursion
 * limit or is longer than DSO_DEMANGLE_MAX (its demangler takes stack in
 * proportion to the length).
 */
char *dso__demangle(const char *raw);

#define DSO_DEMANGLE_MAX	16384

/*
 * dso__lookup - @addr lies in a mapping of this file that starts at
 * @map_start with file offset @pgoff.  Returns the symbol name and the
 * offset from its start, or false (*@vaddr still set: the ELF address).
 * A symbol covers its size; one without size (hand-written assembly)
 * covers up to the next symbol.  Neither covers past the end of the
 * executable section holding its start.
 */
bool dso__lookup(const struct dso *dso, __u64 map_start, __u64 pgoff,
		 __u64 addr, const char **name, __u64 *sym_off,
		 __u64 *vaddr);

#endif /* SONDE_SYMBOLIZE_H */
