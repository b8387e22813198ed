// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolize layer: DWARF inflated once (inflated.h).
 *
 * The copy is written through libelf: a new ELF of the same class and
 * encoding whose sections take the original's headers and data, each
 * compressed one inflated by elf_compress() first, and whose layout
 * libelf computes.  Section numbers, and so every sh_link and sh_info,
 * stay the same.
 *
 * Single-threaded, like the symbolizer that calls it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>

#include "lib/buildcache.h"
#include "lib/buildid.h"
#include "symbolize/inflated.h"

/* What a section asks of the copy: nothing, inflating, or giving up. */
enum section_kind { SECTION_PLAIN, SECTION_COMPRESSED, SECTION_UNCOPIED };

static enum section_kind section_kind(Elf *elf, Elf_Scn *scn,
				      size_t shstrndx)
{
	const char *name;
	GElf_Shdr sh;

	if (!gelf_getshdr(scn, &sh))
		return SECTION_UNCOPIED;
	/* GNU's older compression is told by the name alone. */
	name = elf_strptr(elf, shstrndx, sh.sh_name);
	if (name && !strncmp(name, ".zdebug", 7))
		return SECTION_UNCOPIED;
	return sh.sh_flags & SHF_COMPRESSED ? SECTION_COMPRESSED :
					      SECTION_PLAIN;
}

/*
 * The copy's sections come from the original by number, so numbering
 * that spills into section 0's fields (SHN_LORESERVE and above) is left
 * alone.
 */
static int section_counts(Elf *elf, size_t *shnum, size_t *shstrndx)
{
	if (elf_kind(elf) != ELF_K_ELF || elf_getshdrnum(elf, shnum) ||
	    elf_getshdrstrndx(elf, shstrndx))
		return -EINVAL;
	if (*shnum >= SHN_LORESERVE || *shstrndx >= SHN_LORESERVE)
		return -EOPNOTSUPP;
	return 0;
}

bool inflated__needed(Elf *elf)
{
	size_t shnum, shstrndx, i;

	if (section_counts(elf, &shnum, &shstrndx))
		return false;
	for (i = 1; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);

		if (scn && section_kind(elf, scn, shstrndx) ==
			   SECTION_COMPRESSED)
			return true;
	}
	return false;
}

Elf *inflated__open(const char *dir, const unsigned char *id,
		    size_t id_size, int *fd)
{
	unsigned char own[BUILD_ID_MAX];
	size_t shnum, shstrndx, i;
	Elf *e;
	int f, n;

	f = buildcache__open(dir, id, id_size, BUILDCACHE_DWARF);
	if (f < 0)
		return NULL;
	e = elf_begin(f, ELF_C_READ_MMAP, NULL);
	if (!e || section_counts(e, &shnum, &shstrndx))
		goto out_unusable;
	n = buildid__from_elf(e, own, sizeof(own));
	if (n != (int)id_size || memcmp(own, id, n))
		goto out_unusable;
	for (i = 1; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(e, i);

		if (!scn || section_kind(e, scn, shstrndx) != SECTION_PLAIN)
			goto out_unusable;
	}
	*fd = f;
	return e;

out_unusable:
	if (e)
		elf_end(e);
	close(f);
	return NULL;
}

/* One section of @in into @out, inflated. */
static int copy_section(Elf *in, Elf_Scn *scn, size_t shstrndx, Elf *out,
			__u64 *total)
{
	Elf_Scn *oscn = elf_newscn(out);
	Elf_Data *d = NULL, *od;
	GElf_Shdr sh;

	switch (section_kind(in, scn, shstrndx)) {
	case SECTION_UNCOPIED:
		return -EOPNOTSUPP;
	case SECTION_COMPRESSED:
		if (elf_compress(scn, 0, 0) < 0)
			return -EINVAL;
		break;
	case SECTION_PLAIN:
		break;
	}
	if (!oscn || !gelf_getshdr(scn, &sh))
		return -EINVAL;
	if (sh.sh_type != SHT_NOBITS) {
		*total += sh.sh_size;
		if (*total > BUILDCACHE_MAX_FILE)
			return -EFBIG;
	}
	while ((d = elf_getdata(scn, d))) {
		od = elf_newdata(oscn);
		if (!od)
			return -ENOMEM;
		*od = *d;
	}
	return gelf_update_shdr(oscn, &sh) ? 0 : -EINVAL;
}

/* buildcache__add_written()'s writer: the copy of the Elf @arg into @fd. */
static int write_inflated(int fd, void *arg)
{
	size_t shnum, shstrndx, i;
	Elf *in = arg, *out;
	__u64 total = 0;
	GElf_Ehdr eh;
	int err;

	err = section_counts(in, &shnum, &shstrndx);
	if (err)
		return err;
	if (!gelf_getehdr(in, &eh))
		return -EINVAL;
	out = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!out)
		return -ENOMEM;
	err = -EINVAL;
	if (!gelf_newehdr(out, gelf_getclass(in)))
		goto out_end;
	/* No program headers; libelf lays the sections out. */
	eh.e_phoff = 0;
	eh.e_phnum = 0;
	eh.e_shoff = 0;
	eh.e_shstrndx = shstrndx;
	if (!gelf_update_ehdr(out, &eh))
		goto out_end;
	for (i = 1; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(in, i);

		err = scn ? copy_section(in, scn, shstrndx, out, &total) :
			    -EINVAL;
		if (err)
			goto out_end;
	}
	err = elf_update(out, ELF_C_WRITE) < 0 ? -EIO : 0;
out_end:
	elf_end(out);
	return err;
}

int inflated__add(const char *dir, Elf *elf, const unsigned char *id,
		  size_t id_size)
{
	return buildcache__add_written(dir, id, id_size, BUILDCACHE_DWARF,
				       write_inflated, elf);
}
