// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolize layer: kernel text symbols, parsed from the KALLSYMS section
 * of a recording and looked up by address.
 *
 * Only text symbols (t, T, w, W) can hold a sampled address, so only those
 * are kept; that halves the section.  /proc/kallsyms lists no sizes: a
 * symbol is taken to end where the next one starts, and the last one (and
 * any address over MAX_SYM_SPAN past a start) is not trusted.
 *
 * Inflating and parsing the section is most of a small report's time
 * (a few MB of text per boot), and every report of the same boot's
 * recordings would repeat it; so the sorted table is kept in the build
 * cache, keyed by the section's CRC-32, size and flags.  An entry holds:
 *
 *	struct cache_head
 *	the section's payload, as recorded (compressed)
 *	zero padding to 8 bytes
 *	struct cache_sym[nr], sorted by address
 *	strings_size bytes of NUL-terminated names; offset 0 is ""
 *
 * A key is not proof: an entry is used only when the payload it holds is
 * byte for byte the recording's, and only after every offset and the
 * order are checked (the cache is anyone's of the user's to write).  An
 * entry is a few MB and every boot has its own (KASLR, modules): only
 * the KALLSYMS_CACHE_KEEP used last are kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>

#include "lib/buildcache.h"
#include "lib/util.h"
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
	char *text;		/* parsed: names point into it */
	char *entry;		/* from the cache: names point into it */
	size_t entry_size;
};

#define CACHE_MAGIC	"sondeKS1"
/* Entries kept: the boots whose recordings were reported last. */
#define KALLSYMS_CACHE_KEEP	8
/* Larger entries are not read: a section inflates to 1 GiB at most. */
#define MAX_ENTRY_SIZE		(1ULL << 30)

struct cache_head {
	char magic[8];
	__u32 flags;		/* the section's SREC_SF_* */
	__u32 reserved;		/* 0 */
	__u64 payload_size;
	__u64 nr;
	__u64 strings_size;
};

struct cache_sym {
	__u64 addr;
	__u32 name;		/* offsets into the strings */
	__u32 module;
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
	free(ks->entry);
	free(ks);
}

/* The cache key of a section: its payload's CRC-32 and size, its flags. */
static void cache_key(char *key, size_t n, __u32 flags, const void *payload,
		      size_t size)
{
	snprintf(key, n, "%08lx-%zx-%x", crc32_z(0, payload, size), size,
		 flags);
}

/* Whether @off starts a string of @strings (@size bytes, NUL-ended). */
static bool in_strings(__u32 off, __u64 size)
{
	return off < size;
}

/*
 * The table of the cache entry read into ks->entry, if it is sound and
 * made from this section.  Returns 0, -ENOENT or -ENOMEM.
 */
static int cache_read(struct kallsyms *ks, __u32 flags, const void *payload,
		      size_t payload_size)
{
	const struct cache_head *h = (const void *)ks->entry;
	const struct cache_sym *cs;
	const char *strings;
	__u64 syms_at, strings_at;
	size_t i;

	if (ks->entry_size < sizeof(*h) ||
	    memcmp(h->magic, CACHE_MAGIC, sizeof(h->magic)) ||
	    h->flags != flags || h->reserved ||
	    h->payload_size != payload_size)
		return -ENOENT;
	syms_at = sizeof(*h) + ((payload_size + 7) & ~7ULL);
	if (syms_at > ks->entry_size ||
	    h->nr > (ks->entry_size - syms_at) / sizeof(*cs))
		return -ENOENT;
	strings_at = syms_at + h->nr * sizeof(*cs);
	if (h->strings_size != ks->entry_size - strings_at || !h->strings_size)
		return -ENOENT;
	strings = ks->entry + strings_at;
	if (strings[h->strings_size - 1] ||
	    memcmp(ks->entry + sizeof(*h), payload, payload_size))
		return -ENOENT;
	cs = (const void *)(ks->entry + syms_at);
	ks->syms = calloc(h->nr ?: 1, sizeof(*ks->syms));
	if (!ks->syms)
		return -ENOMEM;
	for (i = 0; i < h->nr; i++) {
		if (!cs[i].addr || (i && cs[i].addr < cs[i - 1].addr) ||
		    !in_strings(cs[i].name, h->strings_size) ||
		    !in_strings(cs[i].module, h->strings_size))
			return -ENOENT;
		ks->syms[i].addr = cs[i].addr;
		ks->syms[i].name = strings + cs[i].name;
		ks->syms[i].module = strings + cs[i].module;
	}
	ks->nr = h->nr;
	return 0;
}

int kallsyms__from_cache(struct kallsyms **ksp, const char *dir,
			 __u32 flags, const void *payload, size_t size)
{
	struct buf entry = { 0 };
	struct kallsyms *ks;
	bool cut = false;
	char key[48];
	int fd, err;

	cache_key(key, sizeof(key), flags, payload, size);
	fd = buildcache__open_keyed(dir, BUILDCACHE_KALLSYMS, key);
	if (fd < 0)
		return -ENOENT;
	ks = calloc(1, sizeof(*ks));
	/*
	 * Read, not mapped: the file could change under a mapping after
	 * it was checked (another writer, a copy over it).
	 */
	err = ks ? buf__append_fd(&entry, fd, MAX_ENTRY_SIZE, &cut) : -ENOMEM;
	if (!err && cut)
		err = -ENOENT;
	if (!err) {
		ks->entry = entry.data;
		ks->entry_size = entry.len;
		err = cache_read(ks, flags, payload, size);
	} else {
		buf__free(&entry);
	}
	if (!err)
		futimens(fd, NULL);	/* used: trimmed last */
	close(fd);
	/* Another section's, or not sound: gone, so that it is made again. */
	if (err == -ENOENT)
		buildcache__remove_keyed(dir, BUILDCACHE_KALLSYMS, key);
	if (err) {
		kallsyms__free(ks);
		return err;
	}
	*ksp = ks;
	return 0;
}

struct cache_src {
	const struct kallsyms *ks;
	__u32 flags;
	const void *payload;
	size_t size;
};

/* buildcache__add_keyed()'s writer: the entry, as described above. */
static int cache_write(int fd, void *arg)
{
	const struct cache_src *c = arg;
	const struct kallsyms *ks = c->ks;
	struct cache_head head = {
		.flags = c->flags,
		.payload_size = c->size,
		.nr = ks->nr,
	};
	struct buf out = { 0 }, strings = { 0 };
	const char *last_module = "";
	__u32 last_module_at = 0;
	size_t i, done;
	int err;

	memcpy(head.magic, CACHE_MAGIC, sizeof(head.magic));
	err = buf__append(&out, &head, sizeof(head)) ?:
	      buf__append(&out, c->payload, c->size) ?: buf__pad8(&out) ?:
	      buf__append(&strings, "", 1);
	for (i = 0; !err && i < ks->nr; i++) {
		const struct ksym *k = &ks->syms[i];
		struct cache_sym cs = { .addr = k->addr };

		if (strings.len > UINT32_MAX / 2) {
			err = -EFBIG;
			break;
		}
		cs.name = strings.len;
		err = buf__append(&strings, k->name, strlen(k->name) + 1);
		if (!err && strcmp(k->module, last_module)) {
			last_module = k->module;
			last_module_at = strings.len;
			err = buf__append(&strings, k->module,
					  strlen(k->module) + 1);
		}
		cs.module = *k->module ? last_module_at : 0;
		err = err ?: buf__append(&out, &cs, sizeof(cs));
	}
	if (!err) {
		((struct cache_head *)out.data)->strings_size = strings.len;
		err = buf__append(&out, strings.data, strings.len);
	}
	for (done = 0; !err && done < out.len;) {
		ssize_t n = write(fd, out.data + done, out.len - done);

		if (n < 0)
			err = -errno;
		else
			done += n;
	}
	buf__free(&out);
	buf__free(&strings);
	return err;
}

int kallsyms__to_cache(const struct kallsyms *ks, const char *dir,
		       __u32 flags, const void *payload, size_t size)
{
	struct cache_src c = { ks, flags, payload, size };
	char key[48];
	int err;

	cache_key(key, sizeof(key), flags, payload, size);
	err = buildcache__add_keyed(dir, BUILDCACHE_KALLSYMS, key,
				    cache_write, &c);
	if (!err)
		buildcache__trim_keyed(dir, BUILDCACHE_KALLSYMS,
				       KALLSYMS_CACHE_KEEP);
	return err;
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
