// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: XML 1.0 character data from untrusted bytes (xml.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "lib/xml.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD in UTF-8 */

/*
 * The range of the second byte after lead byte @c (Unicode's table 3-7,
 * "Well-Formed UTF-8 Byte Sequences"); the later bytes are 80..BF.
 * Returns the sequence's length, 0 for a byte that cannot lead one.
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

size_t xml__utf8_len(const unsigned char *s, size_t n, unsigned int *cp,
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

static bool allowed(unsigned int cp)
{
	return !(cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		 cp == 0xfffe || cp == 0xffff);
}

int xml__escape(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), len, bad;
	unsigned int cp;

	while (n) {
		len = xml__utf8_len(s, n, &cp, &bad);
		if (!len || !allowed(cp)) {
			fputs(REPLACEMENT, out);
			len = len ?: bad;
		} else if (cp == '&') {
			fputs("&amp;", out);
		} else if (cp == '<') {
			fputs("&lt;", out);
		} else if (cp == '>') {
			fputs("&gt;", out);
		} else if (cp == '"') {
			fputs("&quot;", out);
		} else if (cp == '\'') {
			fputs("&apos;", out);
		} else {
			fwrite(s, 1, len, out);
		}
		s += len;
		n -= len;
	}
	return ferror(out) ? -EIO : 0;
}
