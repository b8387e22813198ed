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
 * confident but wrong names, so it is refused (-ESTALE).  A stripped
 * file's symbols are taken from its separate debug file, looked for
 * under @debug_root (NULL: /usr/lib/debug) as debuginfo__open() says.
 */
int dso__load(struct dso **dso, const char *path, const char *symfs,
	      const unsigned char *build_id, size_t build_id_size,
	      const char *debug_root);
/* The same from an ELF image in memory (copied). */
int dso__load_image(struct dso **dso, const void *image, size_t size);
void dso__free(struct dso *dso);

/*
 * dso__lookup - @addr lies in a mapping of this file that starts at
 * @map_start with file offset @pgoff.  Returns the symbol name and the
 * offset from its start, or false (*@vaddr still set: the ELF address).
 */
bool dso__lookup(const struct dso *dso, __u64 map_start, __u64 pgoff,
		 __u64 addr, const char **name, __u64 *sym_off,
		 __u64 *vaddr);

#endif /* SONDE_SYMBOLIZE_H */
