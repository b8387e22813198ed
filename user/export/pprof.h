/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: the profile as pprof's perftools.profiles.Profile
 * (profile.proto, as Debian's golang-github-google-pprof-dev ships it),
 * encoded by protobuf-c from C generated at build time and gzip
 * compressed, as `go tool pprof`, Pyroscope and Parca read it.
 *
 * The translation is direct: the model is pprof's.  Ids are the model's
 * plus one (pprof's 0 means none); string 0 is "".  sample_type is
 * [samples/count, cpu/nanoseconds] and period_type cpu/nanoseconds with
 * the recording's period.  Samples of one stack, thread and CPU are
 * merged (their counts and times summed) and carry the labels pid, tid
 * and cpu (numbers, each with its key as its unit so that 0 survives
 * pprof's reader) and comm (a string; none for a thread without a
 * name).  Locations list one line, their function; a kernel or unmapped location's mapping is a pseudo mapping
 * named "[kernel.kallsyms]", "[MODULE]" or "[unknown]" that spans every
 * address.  The first mapping, pprof's main binary, is the program that
 * ran the most samples (pprof.c says how it is told); the other files
 * follow in the order met, the pseudo mappings last.
 * Strings are UTF-8, as proto3 requires: a name that is not is written
 * with each ill-formed part replaced by U+FFFD (lib/utf8.h).
 */
#ifndef SONDE_EXPORT_PPROF_H
#define SONDE_EXPORT_PPROF_H

#include <stdio.h>

#include "profile/profile.h"

/*
 * pprof__write - @p as a gzip-compressed pprof profile to @out.  Returns
 * 0, -ENOMEM, or the -errno of the failing write (-EPIPE: the reader
 * went away).
 */
int pprof__write(const struct profile *p, FILE *out);

#endif /* SONDE_EXPORT_PPROF_H */
