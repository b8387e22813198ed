/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lib layer: input sonde does not control: files named by a recording or
 * the command line, and text read from them.  Such a file is opened
 * without blocking and used only if it is a regular file; such text is
 * bounded and made printable before it reaches any output.
 */
#ifndef SONDE_UNTRUSTED_H
#define SONDE_UNTRUSTED_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Not an errno value: a path named something other than a regular file
 * (a FIFO, a device, a directory, a socket).  sonde_strerror() names it.
 */
#define SONDE_ENOTREG	4097

/*
 * open_regular - open @path read-only for reading its contents.  The open
 * never blocks (a FIFO without writer, a tape device), and the descriptor
 * is handed out only for a regular file.  Symbolic links are followed.
 * Returns the descriptor (O_CLOEXEC, blocking again), or -errno, or
 * -SONDE_ENOTREG.
 */
int open_regular(const char *path);

/*
 * open_regular_nofollow - open_regular(), except that a symbolic link as
 * @path's last component is refused (-ELOOP), for a caller that changes
 * what it opened (its times) and must not reach a file elsewhere.
 */
int open_regular_nofollow(const char *path);

/* strerror() for -@err, including sonde's own SONDE_E* values. */
const char *sonde_strerror(int err);

/*
 * text_clean - copy at most @max bytes of @src (stopping at a NUL) into
 * @dst of @cap bytes (> 0), NUL-terminated, every control character
 * (bytes 0x01-0x1f and 0x7f) replaced by '?' so that it cannot start a
 * line, move the cursor or forge output.  Returns the length written.
 */
size_t text_clean(char *dst, size_t cap, const char *src, size_t max);

/* Whether @s holds a byte text_clean() would replace. */
bool text_is_clean(const char *s);

/* The character text_clean() prints for @c. */
static inline char text_char(char c)
{
	return ((unsigned char)c < 0x20 || c == 0x7f) ? '?' : c;
}

#endif /* SONDE_UNTRUSTED_H */
