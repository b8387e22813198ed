// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: JSON string literals (json.h), escaped as RFC 8259 requires,
 * with bytes that are not well-formed UTF-8 (RFC 3629) replaced by U+FFFD.
 * No allocation: the string is written as it is read.
 */
#include <errno.h>

#include "lib/json.h"

/*
 * The length of the well-formed UTF-8 sequence at @s, or 0 when its first
 * byte starts none (RFC 3629, section 4: the second byte's range depends
 * on the first, which excludes overlong forms, surrogates and code points
 * above U+10FFFF; the NUL that ends @s is never a continuation byte).
 */
static unsigned int utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	unsigned int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* @str's characters, escaped, without quotes. */
static int write_chars(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned int n;

	while (*s) {
		int err = 0;

		n = utf8_len(s);
		if (!n) {
			err = fputs("\xef\xbf\xbd", out) == EOF;	/* U+FFFD */
			n = 1;
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
