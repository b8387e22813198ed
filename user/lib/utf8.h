/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lib layer: UTF-8 as Unicode defines it well-formed (chapter 3, table
 * 3-7 "Well-Formed UTF-8 Byte Sequences": no overlong forms, no
 * surrogates, nothing beyond U+10FFFF), for outputs whose readers demand
 * it: XML (lib/xml.h) and proto3 `string` fields (export/pprof.c, which
 * protoc refuses to decode otherwise).  Names from a recording are
 * whatever bytes a program or a symbol table held (a comm cut at 15
 * bytes inside a character, a Latin-1 symbol).
 *
 * Repair replaces each maximal subpart of an ill-formed sequence (its
 * lead byte and the continuation bytes still valid after it, or one
 * stray byte) with U+FFFD, as Unicode recommends ("U+FFFD Substitution
 * of Maximal Subparts").
 */
#ifndef SONDE_LIB_UTF8_H
#define SONDE_LIB_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#define UTF8_REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

/*
 * utf8__char_len - the length (1 to 4) of the well-formed character at
 * @s (@n bytes available), its code point in @cp; or 0 when ill-formed
 * (or @n is 0), with the length of its maximal subpart in @bad (1 to 3).
 */
size_t utf8__char_len(const unsigned char *s, size_t n, unsigned int *cp,
		      size_t *bad);

/* Whether @s (NUL-terminated) is well-formed UTF-8. */
bool utf8__valid(const char *s);

/*
 * utf8__repair - a malloc'd copy of @s with each ill-formed part replaced
 * by U+FFFD as above; NULL when out of memory.
 */
char *utf8__repair(const char *s);

#endif /* SONDE_LIB_UTF8_H */
