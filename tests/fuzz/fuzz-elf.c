// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: ELF symbol loading from memory (dso__load_image() in
 * symbolize/dso.c: program headers, .symtab and .dynsym, PLT naming and
 * MiniDebugInfo from symbolize/minidebug.c), as the recorded vDSO image
 * goes through it.  The input is the image; afterwards it is looked up as
 * if mapped whole at 0x400000, at 64 offsets across it and at one from
 * the input's last 8 bytes.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "symbolize/dso.h"

#define MAP_START	0x400000ULL

static void look(const struct dso *d, __u64 addr)
{
	__u64 off, vaddr;
	const char *name;

	if (!dso__lookup(d, MAP_START, 0, addr, &name, &off, &vaddr))
		return;
	if (off > vaddr)
		abort();
	fuzz_sink = strlen(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dso *d = NULL;
	unsigned int i;

	if (dso__load_image(&d, data, size))
		return 0;
	for (i = 0; i < 64; i++)
		look(d, MAP_START + size / 64 * i);
	look(d, MAP_START + fuzz_tail64(data, size));
	look(d, 0);
	look(d, ~0ULL);
	dso__free(d);
	return 0;
}
