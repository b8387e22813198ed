/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lib layer: reading the GNU build-id note of ELF files, the identity that
 * ties a recorded mapping to the exact binary that was run.
 */
#ifndef SONDE_BUILDID_H
#define SONDE_BUILDID_H

#include <stdbool.h>
#include <stddef.h>
#include <gelf.h>

#define BUILD_ID_MAX	20

/* Returns the build-id size (> 0), 0 when there is none, or -errno. */
int buildid__from_elf(Elf *elf, unsigned char *out, size_t max);
int buildid__from_fd(int fd, unsigned char *out, size_t max);
void buildid__to_hex(const unsigned char *id, size_t len, char *hex);
/*
 * buildid__fd_matches - whether the ELF file open at @fd carries build-id
 * @id (@size bytes, not 0).  Leaves @fd's offset at 0.
 */
bool buildid__fd_matches(int fd, const unsigned char *id, size_t size);

#endif /* SONDE_BUILDID_H */
