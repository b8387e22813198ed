// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolize layer: MiniDebugInfo (minidebug.h): finding .gnu_debugdata
 * and decoding its xz stream with liblzma, within a memory budget, since
 * the stream comes from a file sonde does not control.
 */
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/minidebug.h"

/* The first output buffer: xz shrinks a symbol table about fourfold. */
#define FIRST_OUT_SIZE	(256UL << 10)

int minidebug__decompress(const void *xz, size_t xz_size, size_t cap,
			  void **out, size_t *out_size)
{
	lzma_stream strm = LZMA_STREAM_INIT;
	/* One byte past @cap tells "exactly @cap" from "more than @cap". */
	size_t limit = cap + 1, size = 0;
	unsigned char *buf = NULL, *p;
	lzma_ret ret;
	int err = 0;

	if (lzma_stream_decoder(&strm, MINIDEBUG_MEMLIMIT, 0) != LZMA_OK)
		return -ENOMEM;
	strm.next_in = xz;
	strm.avail_in = xz_size;
	do {
		if (!strm.avail_out) {
			size_t grow = size ? size * 2 : FIRST_OUT_SIZE;

			if (size == limit) {
				err = -EFBIG;
				break;
			}
			if (grow > limit)
				grow = limit;
			p = realloc(buf, grow);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			buf = p;
			strm.next_out = buf + size;
			strm.avail_out = grow - size;
			size = grow;
		}
		ret = lzma_code(&strm, LZMA_FINISH);
	} while (ret == LZMA_OK);
	if (!err && ret != LZMA_STREAM_END)
		err = ret == LZMA_MEM_ERROR ? -ENOMEM :
		      ret == LZMA_MEMLIMIT_ERROR ? -EFBIG : -EINVAL;
	if (!err && strm.total_out > cap)
		err = -EFBIG;
	if (!err) {
		*out_size = strm.total_out;
		*out = buf;
	} else {
		free(buf);
	}
	lzma_end(&strm);
	return err;
}

int minidebug__read(Elf *elf, void **image, size_t *size)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf_Data *data;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return -ENOENT;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".gnu_debugdata"))
			continue;
		/* libelf has checked that the data lies within the file. */
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf || !data->d_size)
			return -EINVAL;
		return minidebug__decompress(data->d_buf, data->d_size,
					     MINIDEBUG_MAX_SIZE, image, size);
	}
	return -ENOENT;
}
