// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the perf map parser (symbolize/perfmap.c), on text a
 * profiled process wrote.  The input is the whole file.  Afterwards the
 * edges of the ranges its first lines claim are looked up, and so is an
 * address taken from the input's last 8 bytes: every name found must be
 * a NUL-terminated string that starts at or below the address.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "symbolize/perfmap.h"

static void look(const struct perfmap *pm, __u64 addr)
{
	const char *name;
	__u64 start;

	if (!perfmap__lookup(pm, addr, &name, &start))
		return;
	if (start > addr)
		abort();
	fuzz_sink = strlen(name);
}

/* Look up around START and START + SIZE of the first 256 lines. */
static void look_lines(const struct perfmap *pm, const char *text,
		       size_t len)
{
	unsigned int nr = 0;
	size_t at = 0;

	while (at < len && nr++ < 256) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len;
		unsigned long long start, size;
		char line[64];

		snprintf(line, sizeof(line), "%.*s",
			 (int)(end - at < 63 ? end - at : 63), text + at);
		if (sscanf(line, "%llx %llx", &start, &size) == 2) {
			look(pm, start - 1);
			look(pm, start);
			look(pm, start + size - 1);
			look(pm, start + size);
		}
		at = end + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perfmap_stats st;
	struct perfmap *pm = NULL;

	if (perfmap__parse(&pm, (const char *)data, size, &st))
		return 0;
	if (st.entries + st.bad + st.too_long > st.lines ||
	    st.overlapped > st.entries)
		abort();
	look(pm, 0);
	look(pm, ~0ULL);
	look(pm, fuzz_tail64(data, size));
	look_lines(pm, (const char *)data, size);
	perfmap__nr_ranges(pm);
	perfmap__free(pm);
	return 0;
}
