// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: opening untrusted paths and cleaning untrusted text
 * (untrusted.h).
 *
 * O_NONBLOCK makes open() return at once for FIFOs and devices that would
 * wait for a peer; fstat() on the descriptor (not stat() on the path, which
 * could be swapped in between) then decides.  Regular files ignore
 * O_NONBLOCK, but it is cleared anyway so that reads behave as usual.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/untrusted.h"

static int open_regular_flags(const char *path, int extra)
{
	struct stat st;
	int fd, fl;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | extra);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -SONDE_ENOTREG;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int open_regular(const char *path)
{
	return open_regular_flags(path, 0);
}

int open_regular_nofollow(const char *path)
{
	return open_regular_flags(path, O_NOFOLLOW);
}

const char *sonde_strerror(int err)
{
	if (err == -SONDE_ENOTREG)
		return "not a regular file";
	return strerror(-err);
}

size_t text_clean(char *dst, size_t cap, const char *src, size_t max)
{
	size_t i;

	for (i = 0; i < max && i + 1 < cap && src[i]; i++)
		dst[i] = text_char(src[i]);
	dst[i] = '\0';
	return i;
}

bool text_is_clean(const char *s)
{
	for (; *s; s++)
		if (text_char(*s) != *s)
			return false;
	return true;
}
