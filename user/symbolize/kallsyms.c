// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolize layer: kernel text symbols, parsed from the KALLSYMS section
 * of a recording and looked up by address.
 *
 * Only text symbols (t, T, w, W) can hold a sampled address, so only those
 * are kept; that halves the section.  /proc/kallsyms lists no sizes: a
 * symbol is taken to end where the next one starts, and the last one (and
 * any address over MAX_SYM_SPAN past a start) is not trusted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recording/recording.h"
#include "symbolize/kallsyms.h"

#define MAX_SYM_SPAN	(1ULL << 20)

struct ksym {
	__u64 addr;
	const char *name;
	const char *module;
};

struct kallsyms {
	struct ksym *syms;
	size_t nr;
	char *text;		/* our copy; names point into it */
};

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Stable among aliases: prefer the one listed first. */
	return x < y ? -1 : 1;
}

int kallsyms__parse(struct kallsyms **ksp, const char *text, size_t len)
{
	struct kallsyms *ks;
	size_t cap = 0;
	char *line, *save;

	ks = calloc(1, sizeof(*ks));
	if (!ks)
		return -ENOMEM;
	ks->text = malloc(len + 1);
	if (!ks->text)
		goto err_nomem;
	memcpy(ks->text, text, len);
	ks->text[len] = '\0';
	for (line = strtok_r(ks->text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *end, *name, *mod;
		unsigned long long addr = strtoull(line, &end, 16);

		if (end == line || end[0] != ' ' || !srec_kallsyms_type_is_text(end[1]) ||
		    end[2] != ' ' || !addr)
			continue;
		name = end + 3;
		mod = strchr(name, '\t');
		if (mod) {
			*mod++ = '\0';
			if (*mod == '[')
				mod++;
			mod[strcspn(mod, "]")] = '\0';
		}
		if (ks->nr == cap) {
			struct ksym *s;

			cap = cap ? cap * 2 : 4096;
			s = realloc(ks->syms, cap * sizeof(*s));
			if (!s)
				goto err_nomem;
			ks->syms = s;
		}
		ks->syms[ks->nr].addr = addr;
		ks->syms[ks->nr].name = name;
		ks->syms[ks->nr].module = mod ? mod : "";
		ks->nr++;
	}
	if (ks->nr)
		qsort(ks->syms, ks->nr, sizeof(*ks->syms), cmp_ksym);
	*ksp = ks;
	return 0;

err_nomem:
	kallsyms__free(ks);
	return -ENOMEM;
}

void kallsyms__free(struct kallsyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->text);
	free(ks);
}

bool kallsyms__lookup(const struct kallsyms *ks, __u64 addr,
		      const char **name, __u64 *start, const char **module)
{
	size_t lo = 0, hi, i;

	if (!ks || !ks->nr || addr < ks->syms[0].addr)
		return false;
	hi = ks->nr;
	/* The last symbol whose address is <= @addr. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	i = lo;
	while (i > 0 && ks->syms[i - 1].addr == ks->syms[i].addr)
		i--;
	if (lo + 1 >= ks->nr || addr - ks->syms[i].addr > MAX_SYM_SPAN)
		return false;
	*name = ks->syms[i].name;
	*start = ks->syms[i].addr;
	*module = ks->syms[i].module;
	return true;
}
