/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lib layer: the build-id keyed cache of binaries (sonde's archive), where
 * `sonde record` keeps the ELF files a recording needs when they may not
 * be on disk at report time (deleted or replaced while they ran, or every
 * file with --archive), and where the symbolizer finds them again.
 *
 * Layout, as perf's ~/.debug: DIR/.build-id/xx/yyyy.../elf for the binary
 * whose build-id is xxyyyy... in hex, .../debug for its separate debug
 * file, and .../dwarf for the one of the two that holds its DWARF, stored
 * with every compressed section inflated (symbolize/inflated.h).  DIR is
 * $SONDE_ARCHIVE_DIR, else $XDG_CACHE_HOME/sonde, else $HOME/.cache/sonde.
 * A file is only ever added whole (written to a temporary name, then
 * renamed), so readers never see half of one.
 */
#ifndef SONDE_BUILDCACHE_H
#define SONDE_BUILDCACHE_H

#include <stdbool.h>
#include <stddef.h>

#define BUILDCACHE_ELF		"elf"
#define BUILDCACHE_DEBUG	"debug"
/* The file with DWARF, its compressed sections stored inflated (inflated.h). */
#define BUILDCACHE_DWARF	"dwarf"

/* Files larger than this are not archived (bytes). */
#define BUILDCACHE_MAX_FILE	(1ULL << 30)

/*
 * buildcache__dir - the cache directory into @out (@size bytes), as the
 * environment says.  Returns 0, -ENOENT when no variable names one, or
 * -ENAMETOOLONG.
 */
int buildcache__dir(char *out, size_t size);

/*
 * buildcache__path - the path of @kind (BUILDCACHE_ELF or _DEBUG) of the
 * file with build-id @id (@id_size bytes, not 0) under @dir into @out.
 * Returns 0 or -ENAMETOOLONG / -EINVAL.
 */
int buildcache__path(const char *dir, const unsigned char *id,
		     size_t id_size, const char *kind, char *out,
		     size_t size);

/*
 * buildcache__add - copy the ELF file open at @fd (from its start), which
 * must carry build-id @id, into @dir as @kind.  An entry already there is
 * kept (same build-id: same file).  Returns 0, -EEXIST when it was there,
 * -ESTALE when @fd's build-id is not @id, -EFBIG above BUILDCACHE_MAX_FILE,
 * or the -errno of reading or writing.
 */
int buildcache__add(const char *dir, const unsigned char *id,
		    size_t id_size, const char *kind, int fd);

/*
 * buildcache__add_written - add @kind of build-id @id under @dir (NULL:
 * buildcache__dir()) as @write_file writes it into the descriptor it is
 * given (open for reading and writing, empty); @write_file returns 0 or
 * a -errno.  The entry is kept only if it then carries build-id @id.
 * Returns 0, -EEXIST when an entry was there, -ESTALE, or a -errno of
 * @write_file, of creating directories or of writing.
 */
int buildcache__add_written(const char *dir, const unsigned char *id,
			    size_t id_size, const char *kind,
			    int (*write_file)(int fd, void *arg), void *arg);

/*
 * buildcache__open - open the cached @kind of build-id @id under @dir (NULL:
 * buildcache__dir()) for reading.  Returns a descriptor, or -ENOENT.
 */
int buildcache__open(const char *dir, const unsigned char *id,
		     size_t id_size, const char *kind);

/*
 * Entries keyed by content rather than by build-id, for what has none:
 * DIR/KIND/KEY, KIND a directory name (BUILDCACHE_KALLSYMS), KEY a file
 * name the caller derives from the content (no '/', not starting with
 * '.').  The key only finds an entry: a reader must check that the entry
 * is for its content (two contents can share a key), and must not trust
 * the entry's bytes (any process of the user can write them).
 */
#define BUILDCACHE_KALLSYMS	"kallsyms"

/*
 * buildcache__add_keyed - add KIND/KEY under @dir as @write_file writes
 * it, as buildcache__add_written() does but with no build-id to check.
 * Returns 0, -EEXIST, -EINVAL (a bad @key), or a -errno of @write_file,
 * of creating directories or of writing.
 */
int buildcache__add_keyed(const char *dir, const char *kind,
			  const char *key,
			  int (*write_file)(int fd, void *arg), void *arg);

/*
 * buildcache__open_keyed - open KIND/KEY under @dir for reading (a regular
 * file, not a symlink; an entry that is a symlink, a FIFO or a device is
 * removed, never what it names, so that it can be written again).
 * Returns a descriptor, or -ENOENT.  A reader that finds the entry is its
 * content's marks it used with futimens() (its mtime is what
 * buildcache__trim_keyed() goes by), and removes one that is not sound
 * (buildcache__remove_keyed()), so that it can be written again.
 */
int buildcache__open_keyed(const char *dir, const char *kind,
			   const char *key);

/* buildcache__remove_keyed - remove KIND/KEY under @dir; 0 or -errno. */
int buildcache__remove_keyed(const char *dir, const char *kind,
			     const char *key);

/*
 * buildcache__trim_keyed - keep the @keep entries of KIND under @dir used
 * (or added) last, and remove the others: keyed entries are per content
 * (per boot, for kallsyms), and would otherwise pile up.  Temporary files
 * a day old (their writer was killed) go too.  Returns 0 or -errno.
 */
int buildcache__trim_keyed(const char *dir, const char *kind,
			   unsigned int keep);

#endif /* SONDE_BUILDCACHE_H */
