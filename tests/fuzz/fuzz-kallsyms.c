// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the kallsyms parser (symbolize/kallsyms.c), on the text a
 * recording's KALLSYMS section holds.  The input is the whole text;
 * afterwards the addresses of its first lines are looked up, each a byte
 * either side too, and so is an address from the input's last 8 bytes.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "symbolize/kallsyms.h"

static void look(const struct kallsyms *ks, __u64 addr)
{
	const char *name, *module;
	__u64 start;

	if (!kallsyms__lookup(ks, addr, &name, &start, &module))
		return;
	if (start > addr)
		abort();
	fuzz_sink = strlen(name) + strlen(module);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct kallsyms *ks = NULL;
	unsigned int nr = 0;
	size_t at = 0;

	if (kallsyms__parse(&ks, text, size))
		return 0;
	look(ks, 0);
	look(ks, ~0ULL);
	look(ks, fuzz_tail64(data, size));
	while (at < size && nr++ < 256) {
		const char *nl = memchr(text + at, '\n', size - at);
		size_t end = nl ? (size_t)(nl - text) : size;
		unsigned long long addr;
		char line[32], *stop;

		snprintf(line, sizeof(line), "%.*s",
			 (int)(end - at < 31 ? end - at : 31), text + at);
		addr = strtoull(line, &stop, 16);
		if (stop != line) {
			look(ks, addr - 1);
			look(ks, addr);
			look(ks, addr + 1);
		}
		at = end + 1;
	}
	kallsyms__free(ks);
	return 0;
}
