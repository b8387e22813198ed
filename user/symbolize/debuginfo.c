// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolize layer: finding the separate debug file of a stripped binary
 * (debuginfo.h): by build-id under the debug root, then by .gnu_debuglink
 * next to the binary, in its .debug directory and under the debug root.
 * The paths come from a recording, so every candidate must be a regular
 * file, and it must prove it belongs to the binary (build-id or CRC32).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <linux/types.h>

#include "lib/buildcache.h"
#include "lib/buildid.h"
#include "symbolize/debuginfo.h"
#include "lib/untrusted.h"

static bool crc_matches(int fd, __u32 want)
{
	unsigned char buf[65536];
	uLong crc = crc32(0, NULL, 0);
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, n);
	lseek(fd, 0, SEEK_SET);
	return n == 0 && crc == want;
}

/* .gnu_debuglink: a file name, NUL, padding to 4, a CRC32 of the file. */
static const char *read_debuglink(Elf *elf, __u32 *crc)
{
	size_t shstrndx, len;
	Elf_Scn *scn = NULL;
	const char *name;
	Elf_Data *d;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".gnu_debuglink"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || d->d_size < 8)
			return NULL;
		len = strnlen(d->d_buf, d->d_size);
		/* A plain name, and room for the CRC after its padding. */
		if (!len || (len + 4) / 4 * 4 + 4 > d->d_size ||
		    memchr(d->d_buf, '/', len))
			return NULL;
		memcpy(crc, (char *)d->d_buf + (len + 4) / 4 * 4, 4);
		return d->d_buf;
	}
	return NULL;
}

int debuginfo__open(Elf *elf, const char *path, const char *symfs,
		    const unsigned char *build_id, size_t build_id_size,
		    const char *root)
{
	unsigned char own[BUILD_ID_MAX];
	char cand[PATH_MAX], dir[PATH_MAX], hex[2 * BUILD_ID_MAX + 1];
	char self[PATH_MAX];
	const char *link, *slash;
	int fd, n, i;
	__u32 crc = 0;

	if (!root)
		root = DEBUGINFO_ROOT;
	if (!build_id_size) {
		n = buildid__from_elf(elf, own, sizeof(own));
		if (n > 0) {
			build_id = own;
			build_id_size = n;
		}
	}
	if (build_id_size > 1) {
		buildid__to_hex(build_id, build_id_size, hex);
		n = snprintf(cand, sizeof(cand), "%s/.build-id/%.2s/%s.debug",
			     root, hex, hex + 2);
		fd = n < (int)sizeof(cand) ? open_regular(cand) : -ENAMETOOLONG;
		if (fd >= 0 && buildid__fd_matches(fd, build_id, build_id_size))
			return fd;
		if (fd >= 0)
			close(fd);
		/* The copy `sonde record` archived (lib/buildcache.h). */
		fd = buildcache__open(NULL, build_id, build_id_size,
				      BUILDCACHE_DEBUG);
		if (fd >= 0 && buildid__fd_matches(fd, build_id, build_id_size))
			return fd;
		if (fd >= 0)
			close(fd);
	}
	if (!symfs)
		symfs = "";
	link = read_debuglink(elf, &crc);
	slash = strrchr(path, '/');
	if (!link || !slash || slash - path >= (long)sizeof(dir) ||
	    snprintf(self, sizeof(self), "%s%s", symfs, path) >=
	    (int)sizeof(self))
		return -ENOENT;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	for (i = 0; i < 3; i++) {
		if (i == 0)
			n = snprintf(cand, sizeof(cand), "%s%s/%s", symfs, dir,
				     link);
		else if (i == 1)
			n = snprintf(cand, sizeof(cand), "%s%s/.debug/%s",
				     symfs, dir, link);
		else
			n = snprintf(cand, sizeof(cand), "%s%s/%s", root, dir,
				     link);
		/* Too long, or the binary itself (naming itself). */
		if (n >= (int)sizeof(cand) || !strcmp(cand, self))
			continue;
		fd = open_regular(cand);
		if (fd < 0)
			continue;
		if (crc_matches(fd, crc))
			return fd;
		close(fd);
	}
	return -ENOENT;
}
