// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: find NT_GNU_BUILD_ID in an ELF file, through its section
 * headers or, for stripped images such as the vDSO, its PT_NOTE segments.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/buildid.h"

static int scan_notes(Elf_Data *data, unsigned char *out, size_t max)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while (data && (off = gelf_getnote(data, off, &nh, &name_off,
					   &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp((char *)data->d_buf + name_off, "GNU", 4) &&
		    nh.n_descsz > 0) {
			size_t n = nh.n_descsz < max ? nh.n_descsz : max;

			memcpy(out, (char *)data->d_buf + desc_off, n);
			return n;
		}
	}
	return 0;
}

int buildid__from_elf(Elf *elf, unsigned char *out, size_t max)
{
	Elf_Scn *scn = NULL;
	size_t i, nphdr;
	int n;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		n = scan_notes(elf_getdata(scn, NULL), out, max);
		if (n)
			return n;
	}
	if (elf_getphdrnum(elf, &nphdr))
		return 0;
	for (i = 0; i < nphdr; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_NOTE)
			continue;
		n = scan_notes(elf_getdata_rawchunk(elf, ph.p_offset,
						    ph.p_filesz, ELF_T_NHDR),
			       out, max);
		if (n)
			return n;
	}
	return 0;
}

static void buildid__elf_init(void)
{
	elf_version(EV_CURRENT);
}

int buildid__from_fd(int fd, unsigned char *out, size_t max)
{
	/*
	 * Once: elf_version() writes libelf's global state, and the
	 * recorder reads build-ids on two threads (record/fsworker.h).
	 */
	static pthread_once_t elf_init = PTHREAD_ONCE_INIT;
	Elf *elf;
	int n;

	pthread_once(&elf_init, buildid__elf_init);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return -ENOEXEC;
	n = elf_kind(elf) == ELF_K_ELF ? buildid__from_elf(elf, out, max) :
					 -ENOEXEC;
	elf_end(elf);
	return n;
}

bool buildid__fd_matches(int fd, const unsigned char *id, size_t size)
{
	unsigned char got[BUILD_ID_MAX];
	int n = buildid__from_fd(fd, got, sizeof(got));

	lseek(fd, 0, SEEK_SET);
	return size && n > 0 && (size_t)n == size && !memcmp(got, id, size);
}

void buildid__to_hex(const unsigned char *id, size_t len, char *hex)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", id[i]);
	hex[2 * len] = '\0';
}
