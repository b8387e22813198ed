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

/*
 * The address at the start of a line: 1 to 16 hex digits, then a space.
 * Returns the space, or NULL when the line does not start so.
 */
static const char *parse_addr(const char *p, const char *end, __u64 *addr)
{
	const char *start = p;
	__u64 v = 0;

	for (; p < end && p - start <= 16; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
			d = (*p | 0x20) - 'a' + 10;
		else
			break;
		v = v << 4 | d;
	}
	if (p == start || p - start > 16 || p == end || *p != ' ')
		return NULL;
	*addr = v;
	return p;
}

/*
 * Sort by address, aliases in the order listed.  /proc/kallsyms lists
 * the core kernel's symbols by address, then each module's: so sort only
 * what follows the longest sorted prefix, then merge the two runs (a
 * tie goes to the prefix, which was listed first).
 */
static int sort_ksyms(struct kallsyms *ks)
{
	size_t sorted = 1, i, j, k, nr_tail;
	struct ksym *tail;

	while (sorted < ks->nr &&
	       ks->syms[sorted - 1].addr <= ks->syms[sorted].addr)
		sorted++;
	if (sorted >= ks->nr)
		return 0;
	nr_tail = ks->nr - sorted;
	qsort(ks->syms + sorted, nr_tail, sizeof(*ks->syms), cmp_ksym);
	if (ks->syms[sorted - 1].addr <= ks->syms[sorted].addr)
		return 0;
	tail = malloc(nr_tail * sizeof(*tail));
	if (!tail)
		return -ENOMEM;
	memcpy(tail, ks->syms + sorted, nr_tail * sizeof(*tail));
	/* Merge from the back, into the space the tail took. */
	i = sorted;
	j = nr_tail;
	k = ks->nr;
	while (j) {
		if (i && ks->syms[i - 1].addr > tail[j - 1].addr)
			ks->syms[--k] = ks->syms[--i];
		else
			ks->syms[--k] = tail[--j];
	}
	free(tail);
	return 0;
}

int kallsyms__parse(struct kallsyms **ksp, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	return kallsyms__parse_owned(ksp, copy, len);
}

int kallsyms__parse_owned(struct kallsyms **ksp, char *text, size_t len)
{
	struct kallsyms *ks;
	size_t cap = 0;
	char *line, *text_end, *bigger;

	ks = calloc(1, sizeof(*ks));
	if (!ks) {
		free(text);
		return -ENOMEM;
	}
	ks->text = text;
	/* Room for the last line's NUL (usually in place: no copy). */
	bigger = realloc(ks->text, len + 1);
	if (!bigger)
		goto err_nomem;
	ks->text = bigger;
	ks->text[len] = '\0';
	text_end = ks->text + len;
	for (line = ks->text; line < text_end; ) {
		char *eol = memchr(line, '\n', text_end - line);
		char *name, *mod;
		const char *sp;
		__u64 addr;

		if (!eol)
			eol = text_end;
		*eol = '\0';
		sp = parse_addr(line, eol, &addr);
		line = eol + 1;
		if (!sp || eol - sp < 3 || !srec_kallsyms_type_is_text(sp[1]) ||
		    sp[2] != ' ' || !addr)
			continue;
		name = (char *)sp + 3;
		mod = memchr(name, '\t', eol - name);
		if (mod) {
			char *close;

			*mod++ = '\0';
			if (*mod == '[')
				mod++;
			close = memchr(mod, ']', eol - mod);
			if (close)
				*close = '\0';
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
	if (sort_ksyms(ks))
		goto err_nomem;
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
