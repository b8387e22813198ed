// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: source lines and inline frames from DWARF
 * (symbolize/srcline.c over libdw).  The input is an ELF file with
 * DWARF, handed over by path (a memfd); afterwards 64 addresses across
 * the file's size are looked up with inline frames, and one from the
 * input's last 8 bytes.  No debug directory is searched: debug_root is
 * an empty directory that does not exist; no build-id cache is read or
 * written.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "symbolize/srcline.h"

#define NO_DEBUG_ROOT	"/nonexistent/sonde-fuzz"

static void look(struct srcline *sl, __u64 vaddr)
{
	struct srcline_frame f[8];
	unsigned int n, i;

	/* The low bit picks a lookup without lines, as report makes. */
	n = srcline__lookup(sl, vaddr, true, !(vaddr & 1), f, 8);
	if (n > 8)
		abort();
	for (i = 0; i < n; i++)
		fuzz_sink = (f[i].name ? strlen(f[i].name) : 0) +
			    (f[i].file ? strlen(f[i].file) : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srcline *sl = NULL;
	unsigned int i;
	char path[32];
	int fd;

	fd = fuzz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (!srcline__open(&sl, path, NULL, NULL, 0, NO_DEBUG_ROOT, NULL)) {
		for (i = 0; i < 64; i++)
			look(sl, 0x1000 + (size / 64) * i);
		look(sl, fuzz_tail64(data, size));
		srcline__free(sl);
	}
	close(fd);
	return 0;
}
