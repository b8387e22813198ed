/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Serve layer: text made safe for the HTML pages the server writes.
 * What goes into a page may come from anywhere (thread and process names
 * are chosen by whoever runs the process, paths by whoever asks): every
 * such string passes through html__escape() before it is appended, in
 * element content and in quoted attribute values alike.  Pure functions,
 * no state.
 */
#ifndef SONDE_SERVE_HTML_H
#define SONDE_SERVE_HTML_H

#include <stddef.h>

#include "lib/util.h"

/*
 * html__escape - @len bytes at @s appended to @out with &, <, >, " and '
 * as character references, and NUL, DEL and the C0 controls other
 * than tab, newline and carriage return as U+FFFD (HTML forbids them as
 * text).  Other bytes are copied: the page says UTF-8, and a browser
 * shows an invalid sequence as U+FFFD, which cannot end a tag or an
 * attribute.  Returns 0 or -ENOMEM.
 */
int html__escape(struct buf *out, const char *s, size_t len);

/* html__escape() of a NUL-terminated @s. */
int html__escape_str(struct buf *out, const char *s);

/*
 * html__raw - printf into @out with nothing escaped: for the server's own
 * markup and numbers only, never for a string from outside (those go
 * through html__escape()).  Returns 0 or -ENOMEM.
 */
int __printf(2, 3) html__raw(struct buf *out, const char *fmt, ...);

#endif /* SONDE_SERVE_HTML_H */
