/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lib layer: text as XML 1.0 character data (the XML 1.0 specification,
 * section 2.2 "Characters" and 2.4 "Character Data and Markup"), for the
 * XML writers of export/.
 *
 * xml__escape() writes any byte string so that the result is well-formed
 * both as element content and as an attribute value quoted with ' or ":
 * - & < > " ' become &amp; &lt; &gt; &quot; &apos;
 * - well-formed UTF-8 is copied, except characters XML 1.0 forbids and
 *   control characters: U+0000-U+001F (tab, newline and carriage return
 *   included: an attribute value's parser would turn them into spaces),
 *   U+007F-U+009F, U+FFFE and U+FFFF, each of which becomes U+FFFD
 *   (the replacement character, in UTF-8);
 * - ill-formed UTF-8 (a stray continuation byte, a sequence cut short,
 *   an overlong form, a surrogate, beyond U+10FFFF) becomes U+FFFD, one
 *   per maximal subpart (lib/utf8.h).
 * The output is therefore always valid UTF-8.
 */
#ifndef SONDE_LIB_XML_H
#define SONDE_LIB_XML_H

#include <stddef.h>
#include <stdio.h>

/*
 * xml__escape - @s (NUL-terminated) to @out, escaped as above.  Returns 0,
 * or -EIO when @out has an error set (the caller's ferror()/fflush()
 * gives errno).
 */
int xml__escape(FILE *out, const char *s);

#endif /* SONDE_LIB_XML_H */
