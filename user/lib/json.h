/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lib layer: JSON string literals for the JSON exporters (speedscope,
 * Chrome's Trace Event Format).
 *
 * JSON's grammar is RFC 8259 (ECMA-404): a string is UTF-8 between double
 * quotes in which '"', '\\' and U+0000-U+001F must be escaped.  Names from
 * a recording are bytes, not necessarily UTF-8: each ill-formed part
 * (lib/utf8.h: overlong forms, surrogates, above U+10FFFF, truncated) is
 * written as U+FFFD, the replacement character, one per maximal subpart,
 * so the output is always valid UTF-8 and valid JSON.  The quote, the backslash,
 * backspace, form feed, newline, carriage return and tab are written as
 * their two-character escapes (\b, \f, \n, \r, \t), other control
 * characters (and DEL) as \u00XX.  Everything else (';', spaces, '<',
 * '&' and '>' included) is written as it is: JSON needs no more.
 */
#ifndef SONDE_JSON_H
#define SONDE_JSON_H

#include <stdio.h>

/*
 * json__write_str - @s (NUL-terminated) to @out as a JSON string literal,
 * quotes included.  Returns 0 or the -errno of the failing write.
 */
int json__write_str(FILE *out, const char *s);
/* json__write_str2 - @s then @suffix (NULL: none) as one string literal. */
int json__write_str2(FILE *out, const char *s, const char *suffix);

#endif /* SONDE_JSON_H */
