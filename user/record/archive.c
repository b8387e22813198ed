// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: keeping the binaries a recording needs (archive.h).
 *
 * Where a copy is read from, in order: /proc/PID/map_files/START-END (the
 * mapped file itself; needs CAP_SYS_ADMIN, as perf's equivalent does),
 * then the recorded path under /proc/PID/root (the process's view, a
 * container's file).  Either way the copy must carry the recorded
 * build-id, which buildcache__add() checks: a file without one cannot be
 * told from its replacement and is not archived.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lib/buildcache.h"
#include "lib/buildid.h"
#include "lib/hmap.h"
#include "lib/untrusted.h"
#include "lib/util.h"
#include "record/archive.h"

#define DELETED_SUFFIX	" (deleted)"

struct archive {
	char dir[PATH_MAX];
	bool has_dir;
	bool all;
	struct hmap seen;	/* build-ids handled, as hex strings */
	struct hmap seen_files;	/* files without one: "dev:ino" */
	struct buf files;	/* their struct srec_file entries */
	__u32 nr_files;
	unsigned int copied;
	unsigned int failed;
};

int archive__new(struct archive **ap, bool all)
{
	struct archive *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->all = all;
	a->has_dir = !buildcache__dir(a->dir, sizeof(a->dir));
	hmap__init(&a->seen, hmap_str_eq);
	hmap__init(&a->seen_files, hmap_str_eq);
	*ap = a;
	return 0;
}

void archive__free(struct archive *a)
{
	struct hmap_entry *e;

	if (!a)
		return;
	hmap__for_each(&a->seen, e)
		free(e->val);
	hmap__free(&a->seen);
	hmap__for_each(&a->seen_files, e)
		free(e->val);
	hmap__free(&a->seen_files);
	buf__free(&a->files);
	free(a);
}

void archive__summary(const struct archive *a, unsigned int *copied,
		      unsigned int *failed)
{
	*copied = a->copied;
	*failed = a->failed;
}

/*
 * Whether the file at @path (as @pid sees it) is no longer the one
 * mapped: deleted, or another inode there now.
 */
static bool at_risk(__u32 pid, const char *path, size_t len, __u64 ino,
		    __u32 dev)
{
	char where[PATH_MAX + 32];
	struct stat st;

	if (len > strlen(DELETED_SUFFIX) &&
	    !strcmp(path + len - strlen(DELETED_SUFFIX), DELETED_SUFFIX))
		return true;
	if (snprintf(where, sizeof(where), "/proc/%u/root%s", pid, path) >=
	    (int)sizeof(where))
		return false;
	if (stat(where, &st) && stat(path, &st))
		return true;
	return st.st_ino != ino || (__u32)st.st_dev != dev;
}

static int copy_mapped(struct archive *a, const struct sonde_mmap_event *ev,
		       const char *path)
{
	char where[PATH_MAX + 64];
	int fd, err;

	snprintf(where, sizeof(where), "/proc/%u/map_files/%llx-%llx",
		 ev->pid, (unsigned long long)ev->start,
		 (unsigned long long)ev->end);
	fd = open_regular(where);
	if (fd < 0 && snprintf(where, sizeof(where), "/proc/%u/root%s",
			       ev->pid, path) < (int)sizeof(where))
		fd = open_regular(where);
	if (fd < 0)
		return fd;
	err = buildcache__add(a->dir, ev->build_id, ev->build_id_size,
			      BUILDCACHE_ELF, fd);
	close(fd);
	return err;
}

/*
 * The identity of the file without a build-id that @ev maps, taken from
 * the mapped file itself (map_files), else from its path when that is
 * still the same inode.
 */
static int note_identity(struct archive *a, const struct sonde_mmap_event *ev,
			 const char *path, size_t len)
{
	struct srec_file f = { 0 };
	char where[PATH_MAX + 64], *key;
	struct stat st;
	int err;

	if (asprintf(&key, "%u:%llu", ev->dev,
		     (unsigned long long)ev->ino) < 0)
		return -ENOMEM;
	if (hmap__find(&a->seen_files, hash_str(key), key)) {
		free(key);
		return 0;
	}
	if (hmap__insert(&a->seen_files, hash_str(key), key, key)) {
		free(key);
		return -ENOMEM;
	}
	snprintf(where, sizeof(where), "/proc/%u/map_files/%llx-%llx",
		 ev->pid, (unsigned long long)ev->start,
		 (unsigned long long)ev->end);
	if (stat(where, &st) &&
	    (snprintf(where, sizeof(where), "/proc/%u/root%s", ev->pid,
		      path) >= (int)sizeof(where) || stat(where, &st)))
		return 0;
	if (st.st_ino != ev->ino || (__u32)st.st_dev != ev->dev)
		return 0;	/* not the mapped file any more */
	f.ino = st.st_ino;
	f.dev = ev->dev;
	f.size = st.st_size;
	f.mtime_sec = st.st_mtim.tv_sec;
	f.mtime_nsec = st.st_mtim.tv_nsec;
	f.path_len = len;
	err = buf__append(&a->files, &f, sizeof(f)) ?:
	      buf__append(&a->files, path, len + 1) ?:
	      buf__pad8(&a->files);
	if (!err)
		a->nr_files++;
	return err;
}

int archive__write_files(struct archive *a, struct rec_writer *w)
{
	struct srec_files hdr = {
		.nr_files = a->nr_files,
		.entry_size = sizeof(struct srec_file),
	};
	struct buf b = { 0 };
	int err;

	if (!a->nr_files)
		return 0;
	err = buf__append(&b, &hdr, sizeof(hdr)) ?:
	      buf__append(&b, a->files.data, a->files.len);
	if (!err)
		err = rec_writer__add_section(w, SREC_SEC_FILES, 0, b.data,
					      b.len);
	buf__free(&b);
	return err;
}

int archive__note_mmap(struct archive *a, const struct sonde_mmap_event *ev,
		       __u32 size)
{
	char hex[2 * SONDE_BUILD_ID_MAX + 1], *key;
	const char *path;
	size_t len;
	__u64 h;
	int err;

	if (size < sizeof(*ev) || (ev->flags & SONDE_MMAP_ANON) ||
	    ev->build_id_size > SONDE_BUILD_ID_MAX ||
	    ev->path_size > size - sizeof(*ev) || !ev->path_size)
		return 0;
	path = ev->path;
	len = strnlen(path, ev->path_size);
	if (len == ev->path_size || path[0] != '/')
		return 0;
	if (!ev->build_id_size)
		return note_identity(a, ev, path, len);
	if (!a->has_dir)
		return 0;
	buildid__to_hex(ev->build_id, ev->build_id_size, hex);
	h = hash_str(hex);
	if (hmap__find(&a->seen, h, hex))
		return 0;
	if (!a->all && !at_risk(ev->pid, path, len, ev->ino, ev->dev))
		return 0;	/* looked at again by its next MMAP record */
	key = strdup(hex);
	if (!key || hmap__insert(&a->seen, h, key, key)) {
		free(key);
		return -ENOMEM;
	}
	err = copy_mapped(a, ev, path);
	if (!err)
		a->copied++;
	else if (err != -EEXIST)
		a->failed++;
	return 0;
}
