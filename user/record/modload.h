/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: why this kernel would refuse to load sonde.ko, when the
 * device is missing.  A refused insmod names its reason only in the
 * kernel log, which an unprivileged user may not read; the kernel's
 * settings say it too:
 * - /proc/sys/kernel/modules_disabled = 1: no module loads until reboot
 *   (Documentation/admin-guide/sysctl/kernel.rst);
 * - /sys/kernel/security/lockdown with [integrity] or [confidentiality]
 *   selected (Secure Boot turns it on): only signed modules load
 *   (security/lockdown/lockdown.c);
 * - /sys/module/module/parameters/sig_enforce = Y (module.sig_enforce=1
 *   or CONFIG_MODULE_SIG_FORCE): only signed modules load.
 * Single-threaded; nothing here is global.
 */
#ifndef SONDE_MODLOAD_H
#define SONDE_MODLOAD_H

#include <stddef.h>

/*
 * modload__refusal - a short reason (for a sentence such as "...; NOTE")
 * why this kernel refuses to load an unsigned sonde.ko, read from the
 * files above under @root ("" for the live system; tests pass a
 * directory), into @buf.  Returns 1 with a reason, 0 when nothing says
 * the module would be refused.
 */
int modload__refusal(const char *root, char *buf, size_t size);

#endif /* SONDE_MODLOAD_H */
