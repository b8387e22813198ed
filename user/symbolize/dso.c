// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolize layer: ELF symbol tables with libelf.
 *
 * A sampled address becomes an ELF virtual address in two steps: the
 * mapping gives the file offset (addr - start + pgoff), the PT_LOAD that
 * holds that offset gives the vaddr (offset - p_offset + p_vaddr).  This is
 * right for executables, PIE and shared objects alike, wherever the loader
 * put them.  Function symbols are then searched: those of .symtab and
 * .dynsym, of a stripped binary's MiniDebugInfo (minidebug.h) and
 * separate debug file (debuginfo.h), and one made up for each PLT entry.
 * Each is bounded by the executable section holding it.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libiberty/demangle.h>

#include "lib/buildid.h"
#include "symbolize/debuginfo.h"
#include "symbolize/dso.h"
#include "symbolize/minidebug.h"
#include "lib/untrusted.h"

#define MAX_LOADS	16

struct sym {
	__u64 addr;
	__u64 size;
	char *name;		/* owned */
	bool ifunc;		/* STT_GNU_IFUNC: @addr is the resolver */
};

struct load {
	__u64 offset;
	__u64 vaddr;
	__u64 filesz;
};

/* Addresses [start, end) of an executable section. */
struct text {
	__u64 start;
	__u64 end;
};

struct dso {
	struct load loads[MAX_LOADS];
	unsigned int nr_loads;
	struct text *texts;	/* sorted by start */
	size_t nr_texts;
	struct sym *syms;
	size_t nr_syms, cap_syms;
	bool demangle;
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

static int cmp_text(const void *a, const void *b)
{
	const struct text *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

char *dso__demangle(const char *raw)
{
	if (raw[0] != '_' || (raw[1] != 'Z' && raw[1] != 'R') ||
	    strnlen(raw, DSO_DEMANGLE_MAX + 1) > DSO_DEMANGLE_MAX)
		return NULL;
	/*
	 * The auto style tries Rust (legacy and v0) before C++; without
	 * DMGL_NO_RECURSE_LIMIT, libiberty gives up on deep nesting.
	 */
	return cplus_demangle(raw, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}

/*
 * add_sym - a function [@addr, @addr + @size) named @raw (demangled
 * unless told not to) followed by @suffix.
 */
static int add_sym(struct dso *d, __u64 addr, __u64 size, const char *raw,
		   const char *suffix)
{
	char *dem = d->demangle ? dso__demangle(raw) : NULL;
	char *s;
	int n;

	n = asprintf(&s, "%s%s", dem ? dem : raw, suffix);
	free(dem);
	if (n < 0)
		return -ENOMEM;
	if (d->nr_syms == d->cap_syms) {
		size_t cap = d->cap_syms ? d->cap_syms * 2 : 256;
		struct sym *p = reallocarray(d->syms, cap, sizeof(*p));

		if (!p) {
			free(s);
			return -ENOMEM;
		}
		d->syms = p;
		d->cap_syms = cap;
	}
	d->syms[d->nr_syms].addr = addr;
	d->syms[d->nr_syms].size = size;
	d->syms[d->nr_syms].name = s;
	d->syms[d->nr_syms].ifunc = false;
	d->nr_syms++;
	return 0;
}

static int read_symtab(struct dso *d, Elf *elf, Elf_Scn *scn,
		       const GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n;
	int err;

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
		err = add_sym(d, s.st_value, s.st_size, name, "");
		if (err)
			return err;
		d->syms[d->nr_syms - 1].ifunc = type == STT_GNU_IFUNC;
	}
	return 0;
}

/*
 * The symbols of @elf's .symtab and .dynsym into @d; *@has_symtab (when
 * not NULL) says whether there was a .symtab (a stripped file has none).
 */
static int load_syms(struct dso *d, Elf *elf, bool *has_symtab)
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
		err = read_symtab(d, elf, scn, &sh);
		if (err)
			return err;
	}
	return 0;
}

static int add_text(struct dso *d, size_t *cap, __u64 start, __u64 size)
{
	struct text *t;

	/* An empty or wrapping range bounds nothing. */
	if (!size || start + size < start)
		return 0;
	if (d->nr_texts == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		t = reallocarray(d->texts, *cap, sizeof(*t));
		if (!t)
			return -ENOMEM;
		d->texts = t;
	}
	d->texts[d->nr_texts].start = start;
	d->texts[d->nr_texts].end = start + size;
	d->nr_texts++;
	return 0;
}

/*
 * load_texts - the bounds of @elf's executable sections (SHF_ALLOC and
 * SHF_EXECINSTR; a debug file's NOBITS copies have the same addresses),
 * or, in a file without any, of its executable segments.  Symbols are
 * never stretched past them (dso__lookup()).
 */
static int load_texts(struct dso *d, Elf *elf)
{
	const unsigned long want = SHF_ALLOC | SHF_EXECINSTR;
	Elf_Scn *scn = NULL;
	size_t i, nphdr, cap = 0;
	int err = 0;

	while (!err && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && (sh.sh_flags & want) == want)
			err = add_text(d, &cap, sh.sh_addr, sh.sh_size);
	}
	if (!d->nr_texts && !elf_getphdrnum(elf, &nphdr)) {
		for (i = 0; !err && i < nphdr; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, i, &ph) &&
			    ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
				err = add_text(d, &cap, ph.p_vaddr,
					       ph.p_memsz);
		}
	}
	if (!err && d->nr_texts)
		qsort(d->texts, d->nr_texts, sizeof(*d->texts), cmp_text);
	return err;
}

/*
 * x86-64 PLT entries (x86-64 psABI, "Procedure Linkage Table"; the IBT
 * layouts of .plt.sec from the x86-64 psABI's CET supplement).  Each
 * entry either jumps through a GOT slot, "jmp *disp32(%rip)" (ff 25),
 * whose dynamic relocation (R_X86_64_JUMP_SLOT in .rela.plt, or
 * R_X86_64_GLOB_DAT in .rela.dyn for .plt.got) names the function; or,
 * a lazy stub of the IBT or MPX layouts, pushes the index of its
 * .rela.plt relocation, "push imm32" (68).  Either may come after an
 * endbr64 (f3 0f 1e fa) and a bnd prefix (f2).  The first 16 bytes of
 * .plt are PLT0, which calls the dynamic linker and belongs to no
 * function.  Reading the jump target rather than trusting the order of
 * .rela.plt names the entries of every layout alike.
 *
 * An R_X86_64_IRELATIVE relocation (a call to an IFUNC of the same
 * file) has no symbol: its addend is the IFUNC's resolver, whose symbol
 * names the function (memcpy); without one, the entry is named as
 * objdump names it, "*ABS*+0xADDEND@plt".
 */
#define PLT0_SIZE		16
#define R_GLOB_DAT		6	/* R_X86_64_GLOB_DAT */
#define R_JUMP_SLOT		7	/* R_X86_64_JUMP_SLOT */
#define R_IRELATIVE		37	/* R_X86_64_IRELATIVE */

/* What a GOT slot (or a .rela.plt entry) holds: a symbol or an IFUNC. */
struct got_slot {
	__u64 got;		/* the slot's address */
	__u64 addend;		/* the resolver, when !sym */
	__u32 sym;		/* its .dynsym index, 0: an IFUNC */
};

struct plt_ctx {
	Elf *elf;
	size_t dynstr;		/* section index of .dynsym's strings */
	Elf_Data *dynsym;
	struct got_slot *slots;	/* sorted by got */
	size_t nr_slots;
	Elf_Data *rela_plt;	/* .rela.plt, for the push form */
	size_t nr_rela_plt;
	size_t nr_named;	/* d->syms[] sorted, before any PLT entry */
};

static int cmp_slot(const void *a, const void *b)
{
	const struct got_slot *x = a, *y = b;

	if (x->got != y->got)
		return x->got < y->got ? -1 : 1;
	return 0;
}

static __u32 le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (__u32)p[3] << 24;
}

/* The slot a relocation fills, unless it is none a PLT entry uses. */
static bool slot_of(const GElf_Rela *r, struct got_slot *slot)
{
	__u32 type = GELF_R_TYPE(r->r_info);

	slot->got = r->r_offset;
	slot->sym = GELF_R_SYM(r->r_info);
	slot->addend = r->r_addend;
	if (type == R_IRELATIVE)
		return !slot->sym && slot->addend;
	return (type == R_JUMP_SLOT || type == R_GLOB_DAT) && slot->sym;
}

/*
 * What the PLT entry @p (@len bytes, at @addr) leads to, into *@out;
 * false when it is none of the forms above.
 */
static bool plt_entry_target(const struct plt_ctx *c, const unsigned char *p,
			     size_t len, __u64 addr, struct got_slot *out)
{
	static const unsigned char endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	const struct got_slot *hit;
	size_t i = 0;
	GElf_Rela r;
	__u32 idx;

	if (len >= sizeof(endbr64) && !memcmp(p, endbr64, sizeof(endbr64)))
		i = sizeof(endbr64);
	if (i < len && p[i] == 0xf2)
		i++;
	if (i + 6 <= len && p[i] == 0xff && p[i + 1] == 0x25) {
		if (!c->nr_slots)
			return false;
		/* The displacement counts from the next instruction. */
		out->got = addr + i + 6 + (__s64)(__s32)le32(p + i + 2);
		hit = bsearch(out, c->slots, c->nr_slots, sizeof(*out),
			      cmp_slot);
		if (hit)
			*out = *hit;
		return hit;
	}
	if (i + 5 <= len && p[i] == 0x68) {
		idx = le32(p + i + 1);
		return c->rela_plt && idx < c->nr_rela_plt &&
		       gelf_getrela(c->rela_plt, idx, &r) && slot_of(&r, out);
	}
	return false;
}

/*
 * The name of the function an IFUNC resolver at @addr stands for: the
 * IFUNC symbol there (the resolver's own symbol may share its address).
 */
static const char *ifunc_name(const struct dso *d, const struct plt_ctx *c,
			      __u64 addr)
{
	size_t lo = 0, hi = c->nr_named, i;

	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->syms[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < c->nr_named && d->syms[i].addr == addr; i++)
		if (d->syms[i].ifunc)
			return d->syms[i].name;
	return lo < c->nr_named && d->syms[lo].addr == addr ?
	       d->syms[lo].name : NULL;
}

/* Name each entry of the PLT section @scn (@sh, called @name) FUNC@plt. */
static int plt_section(struct dso *d, const struct plt_ctx *c,
		       Elf_Scn *scn, const GElf_Shdr *sh, const char *name)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t ent = sh->sh_entsize, off = 0;
	struct got_slot t;
	char abs[40];
	const char *fn;
	GElf_Sym s;
	int err;

	if (!data || !data->d_buf || sh->sh_type != SHT_PROGBITS)
		return 0;
	/* binutils and lld set 16, or 8 for the short .plt.got entries. */
	if (ent != 8 && ent != 16)
		ent = 16;
	if (!strcmp(name, ".plt"))
		off = PLT0_SIZE;
	for (; off + ent <= data->d_size; off += ent) {
		if (!plt_entry_target(c, (const unsigned char *)data->d_buf +
				      off, ent, sh->sh_addr + off, &t))
			continue;
		if (t.sym) {
			fn = gelf_getsym(c->dynsym, t.sym, &s) ?
			     elf_strptr(c->elf, c->dynstr, s.st_name) : NULL;
		} else {
			fn = ifunc_name(d, c, t.addend);
			if (!fn) {
				snprintf(abs, sizeof(abs), "*ABS*+0x%llx",
					 (unsigned long long)t.addend);
				fn = abs;
			}
		}
		if (!fn || !*fn)
			continue;
		/* An IFUNC's name is already demangled: add_sym() leaves it. */
		err = add_sym(d, sh->sh_addr + off, ent, fn, "@plt");
		if (err)
			return err;
	}
	return 0;
}

/* The GOT slots of the dynamic relocations of section @scn (@sh). */
static int plt_relocs(struct plt_ctx *c, Elf_Scn *scn, const GElf_Shdr *sh,
		      size_t *cap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	struct got_slot slot, *p;
	size_t i, n;
	GElf_Rela r;

	if (!data || !sh->sh_entsize)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n && gelf_getrela(data, i, &r); i++) {
		if (!slot_of(&r, &slot))
			continue;
		if (c->nr_slots == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			p = reallocarray(c->slots, *cap, sizeof(*p));
			if (!p)
				return -ENOMEM;
			c->slots = p;
		}
		c->slots[c->nr_slots++] = slot;
	}
	return 0;
}

/*
 * load_plt - a symbol "FUNC@plt" for each entry of @elf's .plt,
 * .plt.sec, .plt.got and .plt.bnd (x86-64 only), as perf and objdump
 * name them: a PLT has no symbols of its own.
 */
static int load_plt(struct dso *d, Elf *elf)
{
	struct plt_ctx c = { .elf = elf };
	Elf_Scn *scn = NULL, *dynsym = NULL;
	size_t shstrndx, cap = 0;
	const char *name;
	GElf_Ehdr eh;
	GElf_Shdr sh, dsh;
	int err = 0;

	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNSYM)
			break;
	dynsym = scn;
	if (!dynsym || !gelf_getshdr(dynsym, &dsh))
		return 0;
	c.dynsym = elf_getdata(dynsym, NULL);
	c.dynstr = dsh.sh_link;
	if (!c.dynsym)
		return 0;
	/* The relocations against .dynsym: .rela.dyn and .rela.plt. */
	for (scn = NULL; !err && (scn = elf_nextscn(elf, scn));) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    sh.sh_link != elf_ndxscn(dynsym))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".rela.plt") && sh.sh_entsize) {
			c.rela_plt = elf_getdata(scn, NULL);
			c.nr_rela_plt = sh.sh_size / sh.sh_entsize;
		}
		err = plt_relocs(&c, scn, &sh, &cap);
	}
	if (!err && c.nr_slots)
		qsort(c.slots, c.nr_slots, sizeof(*c.slots), cmp_slot);
	/* For ifunc_name(). */
	if (d->nr_syms)
		qsort(d->syms, d->nr_syms, sizeof(*d->syms), cmp_sym);
	c.nr_named = d->nr_syms;
	for (scn = NULL; !err && (scn = elf_nextscn(elf, scn));) {
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".plt") ||
			     !strcmp(name, ".plt.sec") ||
			     !strcmp(name, ".plt.got") ||
			     !strcmp(name, ".plt.bnd")))
			err = plt_section(d, &c, scn, &sh, name);
	}
	free(c.slots);
	return err;
}

/*
 * The symbols of @elf's MiniDebugInfo.  A file whose .gnu_debugdata
 * cannot be used (corrupt, too large) keeps its other symbols.
 */
static int load_minidebug(struct dso *d, Elf *elf)
{
	void *image;
	size_t size;
	Elf *mini;
	int err = minidebug__read(elf, &image, &size);

	if (err)
		return err == -ENOMEM ? err : 0;
	mini = elf_memory(image, size);
	if (mini && elf_kind(mini) == ELF_K_ELF)
		err = load_syms(d, mini, NULL);
	if (mini)
		elf_end(mini);
	free(image);
	return err;
}

/* The symbols of the separate debug file of @elf, when there is one. */
static int load_debuginfo(struct dso *d, Elf *elf, const char *path,
			  const char *symfs, const unsigned char *build_id,
			  size_t build_id_size, const char *debug_root)
{
	int fd = debuginfo__open(elf, path, symfs, build_id, build_id_size,
				 debug_root);
	Elf *dbg;
	int err = 0;

	if (fd < 0)
		return 0;
	dbg = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (dbg && elf_kind(dbg) == ELF_K_ELF) {
		err = load_syms(d, dbg, NULL);
		if (!err && !d->nr_texts)
			err = load_texts(d, dbg);
	}
	if (dbg)
		elf_end(dbg);
	close(fd);
	return err;
}

/*
 * load_elf - segments, executable sections and symbols of @elf and, when
 * it is stripped, of its MiniDebugInfo and (with a @path) its separate
 * debug file.  Addresses in either are those of the binary, so its
 * segments are the binary's.
 */
static int load_elf(struct dso *d, Elf *elf, const char *path,
		    const char *symfs, const unsigned char *build_id,
		    size_t build_id_size, const char *debug_root)
{
	size_t i, nphdr, out;
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
	err = load_texts(d, elf);
	if (!err)
		err = load_syms(d, elf, &has_symtab);
	if (!err)
		err = load_plt(d, elf);
	if (!err && !has_symtab)
		err = load_minidebug(d, elf);
	if (!err && !has_symtab && path)
		err = load_debuginfo(d, elf, path, symfs, build_id,
				     build_id_size, debug_root);
	if (err || !d->nr_syms)
		return err;
	qsort(d->syms, d->nr_syms, sizeof(*d->syms), cmp_sym);
	/* .symtab, .dynsym and the others repeat each other: keep one. */
	for (i = 1, out = 1; i < d->nr_syms; i++) {
		if (d->syms[i].addr != d->syms[out - 1].addr)
			d->syms[out++] = d->syms[i];
		else
			free(d->syms[i].name);
	}
	d->nr_syms = out;
	return 0;
}

int dso__load(struct dso **dp, const char *path, const char *symfs,
	      const unsigned char *build_id, size_t build_id_size,
	      const char *debug_root, bool demangle)
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
	d->demangle = demangle;
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
	d->demangle = true;
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
	for (i = 0; i < d->nr_syms; i++)
		free(d->syms[i].name);
	free(d->syms);
	free(d->texts);
	free(d->image);
	free(d);
}

/* The executable section holding @addr, or NULL. */
static const struct text *text_of(const struct dso *d, __u64 addr)
{
	size_t lo = 0, hi = d->nr_texts;

	/* The last section starting at or below @addr. */
	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->texts[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= d->texts[lo - 1].end)
		return NULL;
	return &d->texts[lo - 1];
}

bool dso__lookup(const struct dso *d, __u64 map_start, __u64 pgoff,
		 __u64 addr, const char **name, __u64 *sym_off,
		 __u64 *vaddr)
{
	__u64 off = addr - map_start + pgoff, end;
	size_t lo = 0, hi = d->nr_syms;
	const struct text *sec;
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
	 * A sized symbol ends where its size says; an unsized one (hand
	 * written assembly) at the next symbol.  Neither runs past its
	 * section: the next symbol may be sections away (_init in .init,
	 * then .plt, then .text), and past the last symbol, the section
	 * end is the only bound there is (_fini).
	 */
	sec = text_of(d, s->addr);
	if (s->size)
		end = s->addr + s->size < s->addr ? ~0ULL : s->addr + s->size;
	else
		end = lo + 1 < d->nr_syms ? d->syms[lo + 1].addr :
		      sec ? sec->end : s->addr;
	if (sec && end > sec->end)
		end = sec->end;
	if (*vaddr >= end)
		return false;
	*name = s->name;
	*sym_off = *vaddr - s->addr;
	return true;
}
