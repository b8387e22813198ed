// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe, compiled by kmod/Kbuild against the target kernel's
 * headers; never linked.  Defines SONDE_HAVE_PERF_ALLOW_KERNEL_VOID when
 * it compiles.
 *
 * perf_allow_kernel() lost its struct perf_event_attr argument upstream
 * after 6.12 was released, and the change was backported to 6.12.y
 * (Debian's 6.12.117 headers declare "int perf_allow_kernel(void)");
 * 6.12 headers from before the backport, and older releases, take the
 * attr.  Whether the function is exported at all (6.1 has only a static
 * inline over unexported symbols) is a separate probe, on Module.symvers.
 */
#include <linux/perf_event.h>

int sonde_probe(void);
int sonde_probe(void)
{
	return perf_allow_kernel();
}
