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
#include <sys/inotify.h>
#include <sys/stat.h>

#include "lib/buildcache.h"
#include "lib/buildid.h"
#include "lib/hmap.h"
#include "lib/untrusted.h"
#include "lib/util.h"
#include "record/archive.h"

#define DELETED_SUFFIX	" (deleted)"

/*
 * What inotify says of a watched file that may have left its path: its
 * link count changed (unlinked, or renamed over: fsnotify_link_count()),
 * it was renamed, or it is gone.  Anything else about it (a chmod) only
 * costs one needless check.
 */
#define WATCH_MASK	(IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)

/*
 * inotify does not see a file's path change when a parent directory is
 * renamed or another file system is mounted over it: every file is still
 * looked at this often.
 */
#define FULL_RECHECK_NS	(10 * 1000000000ULL)

/*
 * A mapped file with a build-id: where a live process maps it, so that
 * it can be copied if its path stops leading to it.
 */
struct watch {
	char hex[2 * SONDE_BUILD_ID_MAX + 1];	/* the key */
	unsigned char build_id[SONDE_BUILD_ID_MAX];
	__u8 build_id_size;
	bool done;		/* copied, or tried */
	__u32 pid;
	__u32 dev;
	__u64 start, end;
	__u64 ino;
	char *path;
	int wd;			/* its inotify watch, or -1: polled */
	bool changed;		/* inotify said something of it */
};

struct archive {
	char dir[PATH_MAX];
	bool has_dir;
	bool all;
	struct hmap seen;	/* hex build-id -> struct watch */
	int inotify_fd;		/* -1 without inotify: every file polled */
	struct hmap by_wd;	/* inotify watch descriptor -> struct watch */
	__u64 last_full_ns;
	unsigned int checks;	/* paths stat()ed by rechecks */
	struct hmap seen_files;	/* files without one: "dev:ino" */
	struct buf files;	/* their struct srec_file entries */
	__u32 nr_files;
	unsigned int copied;
	unsigned int failed;
	char first_failure[PATH_MAX + 64];
};

int archive__new(struct archive **ap, bool all)
{
	struct archive *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->all = all;
	a->has_dir = !buildcache__dir(a->dir, sizeof(a->dir));
	hmap__init(&a->seen, hmap_str_eq);
	hmap__init(&a->by_wd, NULL);
	a->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	hmap__init(&a->seen_files, hmap_str_eq);
	*ap = a;
	return 0;
}

void archive__free(struct archive *a)
{
	struct hmap_entry *e;

	if (!a)
		return;
	hmap__for_each(&a->seen, e) {
		struct watch *w = e->val;

		free(w->path);
		free(w);
	}
	hmap__free(&a->seen);
	hmap__free(&a->by_wd);
	if (a->inotify_fd >= 0)
		close(a->inotify_fd);
	hmap__for_each(&a->seen_files, e)
		free(e->val);
	hmap__free(&a->seen_files);
	buf__free(&a->files);
	free(a);
}

const char *archive__summary(const struct archive *a, unsigned int *copied,
			     unsigned int *failed)
{
	*copied = a->copied;
	*failed = a->failed;
	return a->failed ? a->first_failure : NULL;
}

/*
 * Whether the file at @path (as @pid sees it) is no longer the one
 * mapped: deleted, or another inode there now.
 */
static bool at_risk(const char *path, size_t len, __u64 ino, __u32 dev)
{
	struct stat st;

	if (len > strlen(DELETED_SUFFIX) &&
	    !strcmp(path + len - strlen(DELETED_SUFFIX), DELETED_SUFFIX))
		return true;
	/*
	 * Reports open the path as this process sees it: a container's
	 * file (another mount namespace) is at risk as much as a deleted
	 * one, since it is only reachable while its process lives.
	 */
	if (stat(path, &st))
		return true;
	return st.st_ino != ino || (__u32)st.st_dev != dev;
}

/* @path opened if it is the file (@ino, @dev) still, else -ENOENT. */
static int open_same(const char *path, __u64 ino, __u32 dev)
{
	struct stat st;
	int fd = open_regular(path);

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || st.st_ino != ino || (__u32)st.st_dev != dev) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/*
 * The separate debug file of @w where distributions install it (Debian's
 * -dbg packages: /usr/lib/debug/.build-id/xx/yyyy.debug), as its process
 * sees it, then as this one does.  Best effort: most binaries have none.
 */
static void copy_debug(struct archive *a, struct watch *w)
{
	char where[PATH_MAX + 64];
	int fd, i;

	for (i = 0; i < 2; i++) {
		if (i == 0)
			snprintf(where, sizeof(where),
				 "/proc/%u/root/usr/lib/debug/.build-id/%.2s/%s.debug",
				 w->pid, w->hex, w->hex + 2);
		else
			snprintf(where, sizeof(where),
				 "/usr/lib/debug/.build-id/%.2s/%s.debug",
				 w->hex, w->hex + 2);
		fd = open_regular(where);
		if (fd < 0)
			continue;
		buildcache__add(a->dir, w->build_id, w->build_id_size,
				BUILDCACHE_DEBUG, fd);
		close(fd);
		return;
	}
}

/* Copy @w's file into the cache, once, and count how that went. */
static void copy_mapped(struct archive *a, struct watch *w)
{
	char where[PATH_MAX + 64];
	int fd, err;

	w->done = true;
	snprintf(where, sizeof(where), "/proc/%u/map_files/%llx-%llx",
		 w->pid, (unsigned long long)w->start,
		 (unsigned long long)w->end);
	fd = open_regular(where);
	if (fd < 0 && snprintf(where, sizeof(where), "/proc/%u/root%s",
			       w->pid, w->path) < (int)sizeof(where))
		fd = open_regular(where);
	/* The process is gone: the path, if it still leads to the file. */
	if (fd < 0)
		fd = open_same(w->path, w->ino, w->dev);
	err = fd;
	if (fd >= 0) {
		err = buildcache__add(a->dir, w->build_id, w->build_id_size,
				      BUILDCACHE_ELF, fd);
		close(fd);
	}
	if (!err || err == -EEXIST)
		copy_debug(a, w);
	if (!err) {
		a->copied++;
	} else if (err != -EEXIST) {
		/* The first failure is the one said: the rest are alike. */
		if (!a->failed++)
			snprintf(a->first_failure, sizeof(a->first_failure),
				 "%s: %s", w->path, strerror(-err));
	}
}

/*
 * Watch @w's path with inotify, so that rechecks need not stat() it.  A
 * file that cannot be watched (no inotify, fs.inotify.max_user_watches
 * reached) is polled at every recheck instead.
 */
static void watch_file(struct archive *a, struct watch *w)
{
	int wd;

	if (a->inotify_fd < 0 || w->wd >= 0)
		return;
	wd = inotify_add_watch(a->inotify_fd, w->path, WATCH_MASK);
	/* Another build-id at the same inode: polled, not shadowed. */
	if (wd < 0 || hmap__find(&a->by_wd, hash_u64(wd), (void *)(long)wd))
		return;
	if (hmap__insert(&a->by_wd, hash_u64(wd), (void *)(long)wd, w))
		return;
	w->wd = wd;
}

static void unwatch_file(struct archive *a, struct watch *w)
{
	if (w->wd < 0)
		return;
	hmap__remove(&a->by_wd, hash_u64(w->wd), (void *)(long)w->wd);
	inotify_rm_watch(a->inotify_fd, w->wd);
	w->wd = -1;
}

/*
 * Mark the watches inotify has news of.  Returns true when its queue
 * overflowed, so that news may have been lost.
 */
static bool read_events(struct archive *a)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool overflow = false;
	ssize_t n;

	while ((n = read(a->inotify_fd, buf, sizeof(buf))) > 0) {
		const struct inotify_event *ev;
		ssize_t at;

		for (at = 0; at + (ssize_t)sizeof(*ev) <= n;
		     at += sizeof(*ev) + ev->len) {
			struct watch *w;

			ev = (const void *)(buf + at);
			if (ev->mask & IN_Q_OVERFLOW)
				overflow = true;
			w = hmap__find(&a->by_wd, hash_u64(ev->wd),
				       (void *)(long)ev->wd);
			if (!w)
				continue;
			w->changed = true;
			/* The watch is gone (file freed, unmounted): poll. */
			if (ev->mask & IN_IGNORED) {
				hmap__remove(&a->by_wd, hash_u64(ev->wd),
					     (void *)(long)ev->wd);
				w->wd = -1;
			}
		}
	}
	return overflow;
}

static void recheck(struct archive *a, bool all)
{
	struct hmap_entry *e;

	hmap__for_each(&a->seen, e) {
		struct watch *w = e->val;

		if (w->done || !(all || w->changed || w->wd < 0))
			continue;
		w->changed = false;
		a->checks++;
		if (at_risk(w->path, strlen(w->path), w->ino, w->dev)) {
			unwatch_file(a, w);
			copy_mapped(a, w);
		}
	}
}

void archive__recheck(struct archive *a, __u64 now_ns)
{
	bool all = false;

	if (a->inotify_fd >= 0)
		all = read_events(a);
	if (now_ns - a->last_full_ns >= FULL_RECHECK_NS) {
		all = true;
		a->last_full_ns = now_ns;
	}
	recheck(a, all);
}

unsigned int archive__checks(const struct archive *a)
{
	return a->checks;
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
	/*
	 * The mapped file itself, else its path as the process sees it, else
	 * its path here (the process may be gone by the time the file
	 * system worker looks); only the mapped inode counts.  A file not
	 * found is not marked seen: another process's MMAP of it may find it.
	 */
	snprintf(where, sizeof(where), "/proc/%u/map_files/%llx-%llx",
		 ev->pid, (unsigned long long)ev->start,
		 (unsigned long long)ev->end);
	if (stat(where, &st) &&
	    (snprintf(where, sizeof(where), "/proc/%u/root%s", ev->pid,
		      path) >= (int)sizeof(where) || stat(where, &st)) &&
	    stat(path, &st))
		goto out_free_key;
	if (st.st_ino != ev->ino || (__u32)st.st_dev != ev->dev)
		goto out_free_key;	/* not the mapped file any more */
	if (hmap__insert(&a->seen_files, hash_str(key), key, key)) {
		free(key);
		return -ENOMEM;
	}
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

out_free_key:
	free(key);
	return 0;
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
	char hex[2 * SONDE_BUILD_ID_MAX + 1];
	const char *path;
	struct watch *w;
	size_t len;
	__u64 h;

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
	w = hmap__find(&a->seen, h, hex);
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return -ENOMEM;
		memcpy(w->hex, hex, sizeof(hex));
		w->wd = -1;
		memcpy(w->build_id, ev->build_id, ev->build_id_size);
		w->build_id_size = ev->build_id_size;
		w->path = strndup(path, len);
		if (!w->path || hmap__insert(&a->seen, h, w->hex, w)) {
			free(w->path);
			free(w);
			return -ENOMEM;
		}
	} else if (w->done) {
		return 0;
	} else if (w->wd >= 0 && !w->changed && w->ino == ev->ino &&
		   w->dev == ev->dev && !strcmp(w->path, path)) {
		/* Watched, and inotify has said nothing: still at its path. */
		w->pid = ev->pid;
		w->start = ev->start;
		w->end = ev->end;
		return 0;
	}
	/* The latest process to map it is the likeliest to still live. */
	w->pid = ev->pid;
	w->start = ev->start;
	w->end = ev->end;
	w->ino = ev->ino;
	w->dev = ev->dev;
	/*
	 * Watched before it is looked at, so that a change after the look
	 * is seen.  The rest of --archive waits for the end: copies stall
	 * the file system worker, and the snapshots behind them.
	 */
	watch_file(a, w);
	if (at_risk(path, len, ev->ino, ev->dev)) {
		unwatch_file(a, w);
		copy_mapped(a, w);
	}
	return 0;
}

void archive__finish(struct archive *a)
{
	struct hmap_entry *e;

	recheck(a, true);
	if (!a->all)
		return;
	hmap__for_each(&a->seen, e) {
		struct watch *w = e->val;

		if (!w->done)
			copy_mapped(a, w);
	}
}
