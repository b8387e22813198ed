// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: XML 1.0 character data from untrusted bytes (xml.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "lib/utf8.h"
#include "lib/xml.h"

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
		len = utf8__char_len(s, n, &cp, &bad);
		if (!len || !allowed(cp)) {
			fputs(UTF8_REPLACEMENT, out);
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
