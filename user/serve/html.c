// SPDX-License-Identifier: GPL-2.0
/*
 * Serve layer: HTML escaping (html.h).  Runs of plain bytes are copied
 * in one append: a snapshot's text is mostly plain.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/html.h"

/* The reference for byte @c, or NULL when it is copied as it is. */
static const char *html_ref(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	case '\t':
	case '\n':
	case '\r':
		return NULL;
	default:
		return c < 0x20 || c == 0x7f ? "\xef\xbf\xbd" : NULL;
	}
}

/* Appends of nothing skipped: @out may have no storage yet. */
static int append(struct buf *out, const char *s, size_t len)
{
	return len ? buf__append(out, s, len) : 0;
}

int html__escape(struct buf *out, const char *s, size_t len)
{
	size_t i, run = 0;
	const char *ref;
	int err;

	for (i = 0; i < len; i++) {
		ref = html_ref(s[i]);
		if (!ref)
			continue;
		err = append(out, s + run, i - run) ?:
		      append(out, ref, strlen(ref));
		if (err)
			return err;
		run = i + 1;
	}
	return append(out, s + run, len - run);
}

int html__escape_str(struct buf *out, const char *s)
{
	return html__escape(out, s, strlen(s));
}

int html__raw(struct buf *out, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = buf__vprintf(out, fmt, ap);
	va_end(ap);
	return err;
}
