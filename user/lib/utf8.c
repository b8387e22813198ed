// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: well-formed UTF-8 (utf8.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"

/*
 * The range of the second byte after lead byte @c (table 3-7); the later
 * bytes are 80..BF.  Returns the sequence's length, 0 for a byte that
 * cannot lead one.
 */
static size_t lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c == 0xe0)
		*lo = 0xa0;		/* no overlong forms */
	else if (c == 0xed)
		*hi = 0x9f;		/* no surrogates */
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c == 0xf0)
		*lo = 0x90;
	else if (c == 0xf4)
		*hi = 0x8f;		/* nothing beyond U+10FFFF */
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

size_t utf8__char_len(const unsigned char *s, size_t n, unsigned int *cp,
		      size_t *bad)
{
	unsigned char lo, hi;
	size_t len, i;

	*bad = 1;
	if (!n)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	len = lead(s[0], &lo, &hi);
	if (!len)
		return 0;
	*cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		*cp = *cp << 6 | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

bool utf8__valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), len, bad;
	unsigned int cp;

	for (; n; s += len, n -= len) {
		len = utf8__char_len(s, n, &cp, &bad);
		if (!len)
			return false;
	}
	return true;
}

char *utf8__repair(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), len, bad;
	unsigned int cp;
	/* A replacement (3 bytes) stands for at least one byte. */
	char *out = malloc(3 * n + 1), *o = out;

	if (!out)
		return NULL;
	while (n) {
		len = utf8__char_len(s, n, &cp, &bad);
		if (len) {
			memcpy(o, s, len);
			o += len;
		} else {
			memcpy(o, UTF8_REPLACEMENT, 3);
			o += 3;
			len = bad;
		}
		s += len;
		n -= len;
	}
	*o = '\0';
	return out;
}
