// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolize layer: ELF symbol tables with libelf.
 *
 * A sampled address becomes an ELF virtual address in two steps: the
 * mapping gives the file offset (addr - start + pgoff), the PT_LOAD that
 * holds that offset gives the vaddr (offset - p_offset + p_vaddr).  This is
 * right for executables, PIE and shared objects alike, wherever the loader
 * put them.  Function symbols of .symtab and .dynsym are then searched,
 * and those of the separate debug file of a stripped binary
 * (debuginfo.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libiberty/demangle.h>

#include "lib/buildid.h"
#include "symbolize/debuginfo.h"
#include "symbolize/dso.h"
#include "lib/untrusted.h"

#define MAX_LOADS	16

struct sym {
	__u64 addr;
	__u64 size;
	const char *name;
};

struct load {
	__u64 offset;
	__u64 vaddr;
	__u64 filesz;
};

struct dso {
	struct load loads[MAX_LOADS];
	unsigned int nr_loads;
	struct sym *syms;
	size_t nr_syms;
	char **names;		/* owned strings */
	size_t nr_names;
	void *image;		/* owned copy for in-memory images */
};

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Among aliases prefer a sized one, then the longer size. */
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

static const char *own_name(struct dso *d, const char *raw)
{
	char *s = NULL, **n;

	/* Demangle C++ names; keep libiberty's recursion limit. */
	if (raw[0] == '_' && raw[1] == 'Z')
		s = cplus_demangle(raw, DMGL_PARAMS | DMGL_ANSI);
	if (!s)
		s = strdup(raw);
	if (!s)
		return NULL;
	n = realloc(d->names, (d->nr_names + 1) * sizeof(*n));
	if (!n) {
		free(s);
		return NULL;
	}
	d->names = n;
	d->names[d->nr_names++] = s;
	return s;
}

static int read_symtab(struct dso *d, Elf *elf, Elf_Scn *scn,
		       const GElf_Shdr *sh, size_t *cap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n;

	if (!data || !sh->sh_entsize)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		GElf_Sym s;
		const char *name;
		int type;

		if (!gelf_getsym(data, i, &s))
			break;
		type = GELF_ST_TYPE(s.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		if (d->nr_syms == *cap) {
			struct sym *p;

			*cap = *cap ? *cap * 2 : 256;
			p = realloc(d->syms, *cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			d->syms = p;
		}
		name = own_name(d, name);
		if (!name)
			return -ENOMEM;
		d->syms[d->nr_syms].addr = s.st_value;
		d->syms[d->nr_syms].size = s.st_size;
		d->syms[d->nr_syms].name = name;
		d->nr_syms++;
	}
	return 0;
}

/*
 * The symbols of @elf's .symtab and .dynsym into @d; *@has_symtab says
 * whether there was a .symtab (a stripped file has none).
 */
static int load_syms(struct dso *d, Elf *elf, size_t *cap, bool *has_symtab)
{
	Elf_Scn *scn = NULL;
	int err;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
			continue;
		if (sh.sh_type == SHT_SYMTAB && has_symtab)
			*has_symtab = true;
		err = read_symtab(d, elf, scn, &sh, cap);
		if (err)
			return err;
	}
	return 0;
}

/*
 * load_elf - segments of @elf and symbols of @elf and, when it is
 * stripped and @debug_fd is not NULL, of its separate debug file (whose
 * descriptor goes to *@debug_fd, -1 when none).  Addresses in a debug
 * file are those of the binary, so its segments are the binary's.
 */
static int load_elf(struct dso *d, Elf *elf, const char *path,
		    const char *symfs, const unsigned char *build_id,
		    size_t build_id_size, const char *debug_root)
{
	size_t i, nphdr, cap = 0, out;
	bool has_symtab = false;
	int err;

	if (elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &nphdr))
		return -ENOEXEC;
	for (i = 0; i < nphdr && d->nr_loads < MAX_LOADS; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		d->loads[d->nr_loads].offset = ph.p_offset;
		d->loads[d->nr_loads].vaddr = ph.p_vaddr;
		d->loads[d->nr_loads].filesz = ph.p_filesz;
		d->nr_loads++;
	}
	err = load_syms(d, elf, &cap, &has_symtab);
	if (err)
		return err;
	if (!has_symtab && path) {
		int fd = debuginfo__open(elf, path, symfs, build_id,
					 build_id_size, debug_root);
		Elf *dbg;

		if (fd >= 0) {
			dbg = elf_begin(fd, ELF_C_READ_MMAP, NULL);
			err = dbg && elf_kind(dbg) == ELF_K_ELF ?
			      load_syms(d, dbg, &cap, NULL) : 0;
			if (dbg)
				elf_end(dbg);
			close(fd);
			if (err)
				return err;
		}
	}
	if (!d->nr_syms)
		return 0;
	qsort(d->syms, d->nr_syms, sizeof(*d->syms), cmp_sym);
	/* .symtab and .dynsym repeat each other: keep one per address. */
	for (i = 1, out = 1; i < d->nr_syms; i++)
		if (d->syms[i].addr != d->syms[out - 1].addr)
			d->syms[out++] = d->syms[i];
	d->nr_syms = out;
	return 0;
}

int dso__load(struct dso **dp, const char *path, const char *symfs,
	      const unsigned char *build_id, size_t build_id_size,
	      const char *debug_root)
{
	unsigned char id[BUILD_ID_MAX];
	char opened[PATH_MAX];
	struct dso *d;
	Elf *elf;
	int fd, err, n;

	elf_version(EV_CURRENT);
	if (snprintf(opened, sizeof(opened), "%s%s", symfs ? symfs : "",
		     path) >= (int)sizeof(opened))
		return -ENAMETOOLONG;
	fd = open_regular(opened);
	if (fd < 0)
		return fd;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		close(fd);
		return -ENOEXEC;
	}
	if (build_id_size) {
		n = buildid__from_elf(elf, id, sizeof(id));
		if (n != (int)build_id_size || memcmp(id, build_id, n)) {
			err = -ESTALE;
			goto out_end;
		}
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		err = -ENOMEM;
		goto out_end;
	}
	err = load_elf(d, elf, path, symfs, build_id, build_id_size,
		       debug_root);
	if (err)
		dso__free(d);
	else
		*dp = d;
out_end:
	elf_end(elf);
	close(fd);
	return err;
}

int dso__load_image(struct dso **dp, const void *image, size_t size)
{
	struct dso *d;
	Elf *elf;
	int err;

	elf_version(EV_CURRENT);
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->image = malloc(size);
	if (!d->image) {
		free(d);
		return -ENOMEM;
	}
	memcpy(d->image, image, size);
	elf = elf_memory(d->image, size);
	if (!elf) {
		dso__free(d);
		return -ENOEXEC;
	}
	err = load_elf(d, elf, NULL, NULL, NULL, 0, NULL);
	elf_end(elf);
	if (err) {
		dso__free(d);
		return err;
	}
	*dp = d;
	return 0;
}

void dso__free(struct dso *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nr_names; i++)
		free(d->names[i]);
	free(d->names);
	free(d->syms);
	free(d->image);
	free(d);
}

bool dso__lookup(const struct dso *d, __u64 map_start, __u64 pgoff,
		 __u64 addr, const char **name, __u64 *sym_off,
		 __u64 *vaddr)
{
	__u64 off = addr - map_start + pgoff;
	size_t lo = 0, hi = d->nr_syms;
	const struct sym *s;
	unsigned int i;

	*vaddr = off;
	for (i = 0; i < d->nr_loads; i++) {
		const struct load *l = &d->loads[i];

		if (off >= l->offset && off - l->offset < l->filesz) {
			*vaddr = off - l->offset + l->vaddr;
			break;
		}
	}
	if (!d->nr_syms || *vaddr < d->syms[0].addr)
		return false;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->syms[mid].addr <= *vaddr)
			lo = mid;
		else
			hi = mid;
	}
	s = &d->syms[lo];
	/*
	 * Sized symbols must contain the address.  An unsized one (hand
	 * written assembly) is trusted up to the next symbol only.
	 */
	if (s->size ? *vaddr - s->addr >= s->size : lo + 1 == d->nr_syms)
		return false;
	*name = s->name;
	*sym_off = *vaddr - s->addr;
	return true;
}
