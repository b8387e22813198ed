// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: JSON string literals (json.h), escaped as RFC 8259 requires,
 * with bytes that are not well-formed UTF-8 (RFC 3629) replaced by U+FFFD.
 * No allocation: the string is written as it is read.
 */
#include <errno.h>
#include <string.h>

#include "lib/json.h"
#include "lib/utf8.h"

/* @str's characters, escaped, without quotes. */
static int write_chars(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t left = strlen(str), n, bad;
	unsigned int cp;

	while (left) {
		int err = 0;

		n = utf8__char_len(s, left, &cp, &bad);
		if (!n) {
			err = fputs(UTF8_REPLACEMENT, out) == EOF;
			n = bad;
		} else if (n > 1) {
			err = fwrite(s, 1, n, out) != n;
		} else if (*s == '"' || *s == '\\') {
			err = putc('\\', out) == EOF || putc(*s, out) == EOF;
		} else if (*s >= 0x20 && *s != 0x7f) {
			err = putc(*s, out) == EOF;
		} else {
			switch (*s) {
			case '\b':
				err = fputs("\\b", out) == EOF;
				break;
			case '\f':
				err = fputs("\\f", out) == EOF;
				break;
			case '\n':
				err = fputs("\\n", out) == EOF;
				break;
			case '\r':
				err = fputs("\\r", out) == EOF;
				break;
			case '\t':
				err = fputs("\\t", out) == EOF;
				break;
			default:
				err = fprintf(out, "\\u%04x", *s) < 0;
			}
		}
		if (err)
			return -errno;
		s += n;
		left -= n;
	}
	return 0;
}

int json__write_str2(FILE *out, const char *s, const char *suffix)
{
	int err;

	if (putc('"', out) == EOF)
		return -errno;
	err = write_chars(out, s);
	if (!err && suffix)
		err = write_chars(out, suffix);
	if (err)
		return err;
	return putc('"', out) == EOF ? -errno : 0;
}

int json__write_str(FILE *out, const char *s)
{
	return json__write_str2(out, s, NULL);
}
