// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolize layer: names for a recording's addresses (symbolizer.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "lib/buildcache.h"
#include "lib/hmap.h"
#include "lib/untrusted.h"
#include "lib/util.h"
#include "symbolize/dso.h"
#include "symbolize/kallsyms.h"
#include "symbolize/jitdump.h"
#include "symbolize/perfmap.h"
#include "symbolize/srcline.h"
#include "symbolize/symbolizer.h"

/* Files whose symbols could not be read that are named one by one. */
#define MAX_FILE_WARNINGS	5
/* Inlined functions kept per address: the innermost ones. */
#define MAX_INLINED		16

/* The "file" of kernel addresses in the cache. */
static const char kernel_file;

/* A mapped file: its path and build-id as recorded, loaded once. */
struct sym_file {
	const char *path;
	const unsigned char *build_id;
	__u8 build_id_size;
	struct dso *dso;	/* NULL: could not be loaded */
	/* The build-id cache's copy, when the recorded path is not it. */
	char *archived;
	struct srcline *srcline;	/* NULL: no DWARF (or not yet) */
	bool srcline_tried;
};

/*
 * A user address by its file and file offset; a kernel one by itself; a
 * JIT's by its perf map or jitdump, its address and, in a jitdump, which
 * code (1 + its index) was there.  Compared whole: no padding.
 */
struct cache_key {
	__u64 off;
	const void *file;	/* struct sym_file, &kernel_file, or a JIT's */
	__u32 code;
	__u32 __pad;
};

struct cache_ent {
	struct cache_key key;
	struct symbol sym;
};

struct symbolizer {
	struct session *session;
	char *debug_root;	/* NULL: the default */
	char *cache_dir;	/* the build-id cache, NULL: none */
	char *symfs;		/* NULL: none */
	bool no_inline;
	bool no_lines;
	struct kallsyms *ksyms;
	bool ksyms_loaded;	/* tried, whatever came of it */
	bool demangle;
	struct hmap files;	/* struct sym_file by (path, build-id) */
	struct hmap file_by_map;	/* struct map -> its struct sym_file */
	struct hmap strings;	/* interned printable strings */
	struct hmap cache;	/* struct cache_key -> struct cache_ent */
	struct perfmaps *jit;	/* JIT names, parsed on first use */
	struct jitdumps *jitdumps;	/* the same */
	bool jit_loaded;
	__u32 nr_ids;		/* symbol ids handed out */
	unsigned int bad_files;	/* mapped files that could not be used */
};

static bool file_eq(const void *a, const void *b)
{
	const struct sym_file *x = a, *y = b;

	return !strcmp(x->path, y->path) &&
	       x->build_id_size == y->build_id_size &&
	       !memcmp(x->build_id, y->build_id, x->build_id_size);
}

static bool cache_key_eq(const void *a, const void *b)
{
	return !memcmp(a, b, sizeof(struct cache_key));
}

int symbolizer__new(struct symbolizer **symp, struct session *s,
		    const struct symbolizer_opts *o)
{
	struct symbolizer *sym = calloc(1, sizeof(*sym));
	bool has_symfs = o && o->symfs && *o->symfs;
	char dir[4096];
	int n = 0;

	if (!sym)
		return -ENOMEM;
	sym->session = s;
	sym->no_inline = o && o->no_inline;
	sym->no_lines = o && o->no_lines;
	sym->demangle = !(o && o->no_demangle);
	if (has_symfs)
		sym->symfs = strdup(o->symfs);
	if (o && o->debug_root && *o->debug_root)
		sym->debug_root = strdup(o->debug_root);
	else if (has_symfs)
		n = asprintf(&sym->debug_root, "%s/usr/lib/debug", o->symfs);
	if ((has_symfs && !sym->symfs) || n < 0 ||
	    (o && o->debug_root && *o->debug_root && !sym->debug_root)) {
		if (n < 0)
			sym->debug_root = NULL;
		free(sym->symfs);
		free(sym->debug_root);
		free(sym);
		return -ENOMEM;
	}
	/* Only a shortcut (srcline.h): without it, no inflated DWARF kept. */
	if (!buildcache__dir(dir, sizeof(dir)))
		sym->cache_dir = strdup(dir);
	hmap__init(&sym->files, file_eq);
	hmap__init(&sym->file_by_map, NULL);
	hmap__init(&sym->strings, hmap_str_eq);
	hmap__init(&sym->cache, cache_key_eq);
	*symp = sym;
	return 0;
}

void symbolizer__free(struct symbolizer *sym)
{
	struct hmap_entry *e;

	if (!sym)
		return;
	if (sym->bad_files > MAX_FILE_WARNINGS)
		pr_warn("%s: %u more mapped files could not be used for symbols",
			session__path(sym->session),
			sym->bad_files - MAX_FILE_WARNINGS);
	hmap__for_each(&sym->files, e) {
		struct sym_file *f = e->val;

		dso__free(f->dso);
		srcline__free(f->srcline);
		free(f->archived);
		free(f);
	}
	hmap__for_each(&sym->strings, e)
		free(e->val);
	hmap__for_each(&sym->cache, e) {
		struct cache_ent *c = e->val;

		free((void *)c->sym.inlined);
		free(c);
	}
	hmap__free(&sym->files);
	hmap__free(&sym->file_by_map);
	hmap__free(&sym->strings);
	hmap__free(&sym->cache);
	kallsyms__free(sym->ksyms);
	perfmaps__free(sym->jit);
	jitdumps__free(sym->jitdumps);
	free(sym->symfs);
	free(sym->debug_root);
	free(sym->cache_dir);
	free(sym);
}

/* Interned copy of @str made printable (text_clean()). */
static const char *intern_clean(struct symbolizer *sym, const char *str)
{
	const char *ret;
	char *copy;

	if (text_is_clean(str))
		return hmap__intern_str(&sym->strings, str);
	copy = strdup(str);
	if (!copy)
		return NULL;
	text_clean(copy, strlen(copy) + 1, str, strlen(str));
	ret = hmap__intern_str(&sym->strings, copy);
	free(copy);
	return ret;
}

static int set_symbol(struct symbolizer *sym, struct symbol *out,
		      const char *name, const char *dso, bool kernel,
		      bool known, __u64 sym_off)
{
	out->name = intern_clean(sym, name);
	out->dso = intern_clean(sym, dso);
	out->kernel = kernel;
	out->known = known;
	out->jit = false;
	out->jit_code = 0;
	out->sym_off = known ? sym_off : 0;
	out->file = NULL;
	out->line = 0;
	out->inlined = NULL;
	out->nr_inlined = 0;
	out->id = SYMBOL_NO_ID;
	return out->name && out->dso ? 0 : -ENOMEM;
}

static void load_kallsyms(struct symbolizer *sym)
{
	const void *payload = NULL, *parsed = NULL;
	size_t len, payload_size;
	__u32 flags;
	char *text;

	sym->ksyms_loaded = true;
	if (session__kallsyms(sym->session) == SESSION_KALLSYMS_RESTRICTED)
		pr_warn("%s: kernel addresses were hidden when it was recorded (kptr_restrict): kernel frames show as %s",
			session__path(sym->session), SYMBOL_KERNEL);
	/*
	 * The table parsed from the same payload by an earlier run.  It
	 * pays the inflate budget as the text would, so that a warm cache
	 * cannot let a recording pass that a cold one refuses.
	 */
	if (sym->cache_dir &&
	    !session__kallsyms_payload(sym->session, &flags, &payload,
				       &payload_size) &&
	    !kallsyms__from_cache(&sym->ksyms, sym->cache_dir, flags, payload,
				  payload_size)) {
		if (!session__kallsyms_charge(sym->session))
			return;
		kallsyms__free(sym->ksyms);
		sym->ksyms = NULL;
	}
	if (session__kallsyms_text(sym->session, &text, &len, &parsed))
		return;
	/* Unparseable text is a recording without kernel symbols. */
	if (kallsyms__parse_owned(&sym->ksyms, text, len)) {
		sym->ksyms = NULL;
		return;
	}
	/*
	 * Kept for the next run, when it came from that payload (the last
	 * section, not a bad one's predecessor).  No cache is no error.
	 */
	if (payload && parsed == payload)
		kallsyms__to_cache(sym->ksyms, sym->cache_dir, flags, payload,
				   payload_size);
}

static int resolve_kernel(struct symbolizer *sym, __u64 addr,
			  struct symbol *out)
{
	const char *name, *mod;
	char dso[80];
	__u64 start;

	if (!sym->ksyms_loaded)
		load_kallsyms(sym);
	/*
	 * Addresses hidden from the recorder (kptr_restrict): one name for
	 * every kernel frame, never a guess from a table of zeros.
	 */
	if (!sym->ksyms &&
	    session__kallsyms(sym->session) == SESSION_KALLSYMS_RESTRICTED)
		return set_symbol(sym, out, SYMBOL_KERNEL, SYMBOL_KERNEL_DSO,
				  true, true, 0);
	if (!kallsyms__lookup(sym->ksyms, addr, &name, &start, &mod))
		return set_symbol(sym, out, SYMBOL_UNKNOWN, SYMBOL_KERNEL_DSO,
				  true, false, 0);
	if (*mod) {
		snprintf(dso, sizeof(dso), "[%s]", mod);
		return set_symbol(sym, out, name, dso, true, true,
				  addr - start);
	}
	return set_symbol(sym, out, name, SYMBOL_KERNEL_DSO, true, true,
			  addr - start);
}

/*
 * The copy of @f in the build-id cache (record/archive.h): a binary
 * deleted or replaced since it ran.  Returns 0, or @err (the recorded
 * path's) when the cache has no usable copy.
 */
static int load_archived(struct symbolizer *sym, struct sym_file *f,
			 int err)
{
	char path[4096];

	if (!sym->cache_dir ||
	    buildcache__path(sym->cache_dir, f->build_id, f->build_id_size,
			     BUILDCACHE_ELF, path, sizeof(path)) ||
	    dso__load(&f->dso, path, NULL, f->build_id, f->build_id_size,
		      sym->debug_root, sym->demangle))
		return err;
	f->archived = strdup(path);
	return f->archived ? 0 : -ENOMEM;
}

/*
 * Whether the file at @path is not the one recorded without a build-id:
 * its recorded identity (FILES section) differs from what is there now.
 * Without a recorded identity, nothing says it changed.
 */
static bool changed_since(const struct symbolizer *sym, const char *path)
{
	const struct srec_file *id;
	struct stat st;

	if (sym->symfs || path[0] != '/')
		return false;	/* copies elsewhere: other times */
	id = session__file_identity(sym->session, path);
	if (!id || stat(path, &st))
		return false;
	return st.st_ino != id->ino || (__u64)st.st_size != id->size ||
	       st.st_mtim.tv_sec != id->mtime_sec ||
	       (__u32)st.st_mtim.tv_nsec != id->mtime_nsec;
}

/* The file of @m, loaded on first use and found again by @m. */
static struct sym_file *get_file(struct symbolizer *sym, struct map *m)
{
	struct sym_file key = {
		.path = m->path,
		.build_id = m->build_id,
		.build_id_size = m->build_id_size,
	};
	__u64 by_map = hash_u64((unsigned long)m);
	struct sym_file *f = hmap__find(&sym->file_by_map, by_map, m);
	const void *vdso;
	size_t vdso_size;
	__u64 h;
	int err;

	if (f)
		return f;
	h = hash_str(m->path);
	f = hmap__find(&sym->files, h, &key);
	if (f)
		return hmap__insert(&sym->file_by_map, by_map, m, f) ? NULL : f;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	*f = key;
	if (hmap__insert(&sym->files, h, f, f)) {
		free(f);
		return NULL;
	}
	if (hmap__insert(&sym->file_by_map, by_map, m, f))
		return NULL;
	if (!strcmp(m->path, "[vdso]")) {
		vdso = session__vdso(sym->session, &vdso_size);
		err = vdso ? dso__load_image(&f->dso, vdso, vdso_size)
			   : -ENOENT;
		if (err)
			f->dso = NULL;
		return f;
	}
	if (!m->build_id_size && changed_since(sym, m->path)) {
		if (++sym->bad_files <= MAX_FILE_WARNINGS)
			pr_warn("%s: changed since it was recorded (no build-id to check it by): its frames stay unresolved",
				m->path);
		f->dso = NULL;
		return f;
	}
	err = dso__load(&f->dso, m->path, sym->symfs, m->build_id,
			m->build_id_size, sym->debug_root, sym->demangle);
	if ((err == -ENOENT || err == -ESTALE) && m->build_id_size)
		err = load_archived(sym, f, err);
	/* A few files are named; the rest are counted (symbolizer__free()). */
	if (err && err != -ENOENT && ++sym->bad_files <= MAX_FILE_WARNINGS) {
		if (err == -ESTALE)
			pr_warn("%s: build-id differs from the recorded one: not the binary that ran, its frames stay unresolved",
				m->path);
		else
			pr_warn("%s: cannot read symbols: %s", m->path,
				sonde_strerror(err));
	}
	if (err)
		f->dso = NULL;
	return f;
}

int symbolizer__open_mapped(struct symbolizer *sym, __u32 pid,
			    const struct map *m)
{
	char path[4096];
	const void *vdso;
	size_t size;
	int fd;

	if (!strcmp(m->path, "[vdso]")) {
		vdso = session__vdso(sym->session, &size);
		if (!vdso)
			return -ENOENT;
		fd = memfd_create("sonde-vdso", MFD_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (write(fd, vdso, size) != (ssize_t)size) {
			close(fd);
			return -EIO;
		}
		return fd;
	}
	if (m->path[0] != '/')
		return -ENOENT;
	if (snprintf(path, sizeof(path), "%s%s", sym->symfs ? sym->symfs : "",
		     m->path) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open_regular(path);
	/* A container's file, while the process lives; build-ids decide. */
	if (fd == -ENOENT && !sym->symfs && pid &&
	    snprintf(path, sizeof(path), "/proc/%u/root%s", pid, m->path) <
	    (int)sizeof(path))
		fd = open_regular(path);
	/* Deleted since it ran: the copy the recorder kept, if any. */
	if (fd == -ENOENT && m->build_id_size)
		fd = buildcache__open(NULL, m->build_id, m->build_id_size,
				      BUILDCACHE_ELF);
	return fd;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/*
 * Source line and inline frames of ELF address @vaddr of @f into @out,
 * from the file's DWARF (opened on first use; without DWARF, nothing).
 */
static int add_srcline(struct symbolizer *sym, struct sym_file *f,
		       __u64 vaddr, struct symbol *out)
{
	struct srcline_frame frames[MAX_INLINED + 1];
	struct symbol_line *lines;
	unsigned int n, i;

	if (sym->no_inline && sym->no_lines)
		return 0;
	if (!f->srcline_tried) {
		f->srcline_tried = true;
		/* The symbol table said the file is not the one recorded. */
		if (!f->dso || f->path[0] != '/' ||
		    srcline__open(&f->srcline, f->archived ?: f->path,
				  f->archived ? NULL : sym->symfs,
				  f->build_id, f->build_id_size,
				  sym->debug_root, sym->cache_dir))
			f->srcline = NULL;
	}
	if (!f->srcline)
		return 0;
	n = srcline__lookup(f->srcline, vaddr, !sym->no_inline, !sym->no_lines,
			    frames, ARRAY_SIZE(frames));
	if (!n)
		return 0;
	n--;
	if (frames[n].file) {
		out->file = intern_clean(sym, frames[n].file);
		if (!out->file)
			return -ENOMEM;
	}
	out->line = frames[n].line;
	if (!n)
		return 0;
	lines = calloc(n, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	out->inlined = lines;
	out->nr_inlined = n;
	for (i = 0; i < n; i++) {
		lines[i].name = intern_clean(sym, frames[i].name ?: "[inlined]");
		lines[i].file = frames[i].file ?
				intern_clean(sym, frames[i].file) : NULL;
		lines[i].line = frames[i].line;
		if (!lines[i].name || (frames[i].file && !lines[i].file))
			return -ENOMEM;
	}
	return 0;
}

static int resolve_user(struct symbolizer *sym, const struct map *m,
			struct sym_file *f, __u64 addr, struct symbol *out)
{
	const char *name;
	char buf[300];
	__u64 vaddr, off;

	if (f->dso && dso__lookup(f->dso, m->start, m->pgoff, addr, &name,
				  &off, &vaddr))
		return set_symbol(sym, out, name, m->path, false, true, off) ?:
		       add_srcline(sym, f, vaddr, out);
	if (!f->dso)
		vaddr = addr - m->start + m->pgoff;
	snprintf(buf, sizeof(buf), "%s+0x%llx", base_name(m->path),
		 (unsigned long long)vaddr);
	return set_symbol(sym, out, buf, m->path, false, false, 0);
}

static int lookup(struct symbolizer *sym, struct map *m, __u64 addr,
		  bool kernel, struct symbol *out)
{
	struct cache_key key = { addr, &kernel_file, 0, 0 };
	struct sym_file *f = NULL;
	struct cache_ent *c;
	__u64 h;
	int err;

	if (!kernel) {
		f = get_file(sym, m);
		if (!f)
			return -ENOMEM;
		key.off = addr - m->start + m->pgoff;
		key.file = f;
	}
	h = hash_bytes(&key, sizeof(key), 0);
	c = hmap__find(&sym->cache, h, &key);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->key = key;
		err = kernel ? resolve_kernel(sym, addr, &c->sym)
			     : resolve_user(sym, m, f, addr, &c->sym);
		if (err || hmap__insert(&sym->cache, h, &c->key, c)) {
			free((void *)c->sym.inlined);
			free(c);
			return -ENOMEM;
		}
		c->sym.id = sym->nr_ids++;
	}
	*out = c->sym;
	return 0;
}

int symbolizer__kernel(struct symbolizer *sym, __u64 addr,
		       struct symbol *out)
{
	return lookup(sym, NULL, addr, true, out);
}

int symbolizer__user(struct symbolizer *sym, struct map *m, __u64 addr,
		     struct symbol *out)
{
	if (!m)
		return set_symbol(sym, out, SYMBOL_UNKNOWN, SYMBOL_UNKNOWN,
				  false, false, 0);
	return lookup(sym, m, addr, false, out);
}

/* The entry of @key, made empty (id SYMBOL_NO_ID) if new; NULL: -ENOMEM. */
static struct cache_ent *jit_cached(struct symbolizer *sym,
				    const struct cache_key *key)
{
	__u64 h = hash_bytes(key, sizeof(*key), 0);
	struct cache_ent *c = hmap__find(&sym->cache, h, key);

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = *key;
	if (hmap__insert(&sym->cache, h, &c->key, c)) {
		free(c);
		return NULL;
	}
	/* Marks an entry not filled in yet. */
	c->sym.id = SYMBOL_NO_ID;
	return c;
}

static int jit_load(struct symbolizer *sym)
{
	int err;

	if (sym->jit_loaded)
		return 0;
	err = perfmaps__load(&sym->jit, sym->session) ?:
	      jitdumps__load(&sym->jitdumps, sym->session);
	if (!err)
		sym->jit_loaded = true;
	return err;
}

/*
 * Cached by (perf map or jitdump, address, code): each belongs to one
 * process.  The jitdump's code at that time wins, then the perf map's.
 */
int symbolizer__jit(struct symbolizer *sym, __u32 pid, __u64 addr,
		    __u64 time_ns, struct symbol *out)
{
	const char *path = NULL, *dpath = NULL, *name;
	const struct jitdump *jd;
	const struct perfmap *pm;
	struct jitdump_hit hit;
	struct cache_key key;
	struct cache_ent *c;
	__u64 start;
	int err;

	err = jit_load(sym);
	if (err)
		return err;
	jd = jitdumps__find(sym->jitdumps, pid, &dpath);
	pm = perfmaps__find(sym->jit, pid, &path);
	if (!jd && !pm)
		return -ENOENT;
	if (jd && jitdump__lookup(jd, addr, time_ns, &hit)) {
		key = (struct cache_key){ addr, jd, hit.code + 1, 0 };
		c = jit_cached(sym, &key);
		if (!c)
			return -ENOMEM;
		if (c->sym.id == SYMBOL_NO_ID) {
			err = set_symbol(sym, &c->sym, hit.name, dpath, false,
					 true, addr - hit.start);
			if (!err && hit.file) {
				c->sym.file = intern_clean(sym, hit.file);
				c->sym.line = hit.line;
				err = c->sym.file ? 0 : -ENOMEM;
			}
			if (err)
				return err;
			c->sym.jit = true;
			c->sym.jit_code = hit.code + 1;
			c->sym.id = sym->nr_ids++;
		}
		*out = c->sym;
		return 0;
	}
	key = (struct cache_key){ addr, pm ? (const void *)pm : jd, 0, 0 };
	c = jit_cached(sym, &key);
	if (!c)
		return -ENOMEM;
	if (c->sym.id == SYMBOL_NO_ID) {
		if (pm && perfmap__lookup(pm, addr, &name, &start)) {
			err = set_symbol(sym, &c->sym, name, path, false, true,
					 addr - start);
			c->sym.jit = true;
		} else {
			err = set_symbol(sym, &c->sym, SYMBOL_UNKNOWN,
					 pm ? path : dpath, false, false, 0);
		}
		if (err)
			return err;
		c->sym.id = sym->nr_ids++;
	}
	*out = c->sym;
	return 0;
}
