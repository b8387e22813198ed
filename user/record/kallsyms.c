// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: capture the text symbols of /proc/kallsyms for the
 * KALLSYMS section (recording.h says which types are kept).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "record/kallsyms.h"
#include "recording/recording.h"

int kallsyms__capture(const char *path, struct buf *out, bool *restricted)
{
	char *text, *line, *next, *sp;
	size_t len;
	bool nonzero = false;
	int err;

	err = read_file(path, &text, &len);
	if (err)
		return err;
	for (line = text; line && *line; line = next) {
		size_t n;
		char type;

		next = strchr(line, '\n');
		n = next ? (size_t)(next - line) + 1 : strlen(line);
		if (next)
			next++;
		/* "ffffffff81000000 T _stext\n": the type is at 17 on 64 bit. */
		/*
		 * Not sscanf(): glibc's sscanf() takes strlen() of its whole
		 * input, which here is the rest of a multi-megabyte file, and
		 * that made this loop quadratic (minutes in a guest).
		 */
		sp = memchr(line, ' ', n);
		if (!sp || sp + 1 >= line + n)
			continue;
		type = sp[1];
		if (!srec_kallsyms_type_is_text(type))
			continue;
		if (strspn(line, "0") < strcspn(line, " "))
			nonzero = true;
		err = buf__append(out, line, n);
		if (err)
			break;
	}
	free(text);
	*restricted = !nonzero;
	return err;
}
