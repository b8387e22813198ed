// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: why a module load would be refused (modload.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "record/modload.h"

/* The first line of @root@path, or NULL. */
static char *first_line(const char *root, const char *path)
{
	char full[4096], *text;
	size_t len;

	snprintf(full, sizeof(full), "%s%s", root, path);
	if (read_file(full, &text, &len))
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	return text;
}

int modload__refusal(const char *root, char *buf, size_t size)
{
	char *v;
	int found = 0;

	v = first_line(root, "/proc/sys/kernel/modules_disabled");
	if (v && !strcmp(v, "1")) {
		snprintf(buf, size,
			 "this kernel loads no modules until reboot (kernel.modules_disabled=1)");
		found = 1;
	}
	free(v);
	if (found)
		return 1;
	v = first_line(root, "/sys/kernel/security/lockdown");
	if (v && (strstr(v, "[integrity]") || strstr(v, "[confidentiality]"))) {
		snprintf(buf, size,
			 "this kernel is locked down (%s, Secure Boot?) and loads only signed modules: sign sonde.ko with an enrolled key (docs/install.md, Secure Boot)",
			 strstr(v, "[integrity]") ? "integrity" : "confidentiality");
		found = 1;
	}
	free(v);
	if (found)
		return 1;
	v = first_line(root, "/sys/module/module/parameters/sig_enforce");
	if (v && !strcmp(v, "Y")) {
		snprintf(buf, size,
			 "this kernel loads only signed modules (module.sig_enforce): sign sonde.ko with an enrolled key (docs/install.md, Secure Boot)");
		found = 1;
	}
	free(v);
	return found;
}
