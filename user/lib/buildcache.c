// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: the build-id keyed cache of binaries (buildcache.h).
 *
 * Several recorders may add the same file at once: each writes its own
 * temporary file and renames it into place; the last rename wins, with
 * identical content.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lib/buildcache.h"
#include "lib/buildid.h"
#include "lib/untrusted.h"

int buildcache__dir(char *out, size_t size)
{
	const char *archive = getenv("SONDE_ARCHIVE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (archive && *archive)
		n = snprintf(out, size, "%s", archive);
	else if (xdg && *xdg)
		n = snprintf(out, size, "%s/sonde", xdg);
	else if (home && *home)
		n = snprintf(out, size, "%s/.cache/sonde", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int buildcache__path(const char *dir, const unsigned char *id,
		     size_t id_size, const char *kind, char *out,
		     size_t size)
{
	char hex[2 * BUILD_ID_MAX + 1];
	int n;

	if (!id_size || id_size > BUILD_ID_MAX)
		return -EINVAL;
	buildid__to_hex(id, id_size, hex);
	n = snprintf(out, size, "%s/.build-id/%.2s/%s/%s", dir, hex, hex + 2,
		     kind);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool has_build_id(const char *path, const unsigned char *id,
			 size_t id_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool same;

	if (fd < 0)
		return false;
	same = buildid__fd_matches(fd, id, id_size);
	close(fd);
	return same;
}

/* mkdir -p of @path's parent directories. */
static int make_parents(char *path)
{
	char *slash;

	for (slash = strchr(path + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			int err = -errno;

			*slash = '/';
			return err;
		}
		*slash = '/';
	}
	return 0;
}

static int copy_fd(int in, int out, __u64 *copied)
{
	char buf[1 << 16];
	ssize_t n, w, done;

	*copied = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		*copied += n;
		if (*copied > BUILDCACHE_MAX_FILE)
			return -EFBIG;
		for (done = 0; done < n; done += w) {
			w = write(out, buf + done, n - done);
			if (w < 0)
				return -errno;
		}
	}
	return n < 0 ? -errno : 0;
}

/* buildcache__add()'s source: the whole file @arg, if it has the id. */
struct whole_file {
	int fd;
	const unsigned char *id;
	size_t id_size;
};

static int copy_whole(int out, void *arg)
{
	const struct whole_file *w = arg;
	int in = w->fd;
	struct stat st;
	__u64 copied;

	if (!buildid__fd_matches(in, w->id, w->id_size))
		return -ESTALE;
	if (fstat(in, &st))
		return -errno;
	if ((__u64)st.st_size > BUILDCACHE_MAX_FILE)
		return -EFBIG;
	if (lseek(in, 0, SEEK_SET))
		return -errno;
	return copy_fd(in, out, &copied);
}

int buildcache__add(const char *dir, const unsigned char *id,
		    size_t id_size, const char *kind, int fd)
{
	struct whole_file w = { fd, id, id_size };

	return buildcache__add_written(dir, id, id_size, kind, copy_whole, &w);
}

/*
 * Write @path through @write_file into a temporary file beside it, and
 * rename that into place; with @id, only if it then carries that
 * build-id.
 */
static int add_at(char *path, const unsigned char *id, size_t id_size,
		  int (*write_file)(int fd, void *arg), void *arg)
{
	char tmp[PATH_MAX + 32];
	int out, err;

	if (!access(path, F_OK))
		return -EEXIST;
	err = make_parents(path);
	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
	out = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return -errno;
	err = write_file(out, arg);
	if (close(out) && !err)
		err = -errno;
	/*
	 * What was read must be what was checked: a file rewritten in
	 * place meanwhile, or a network file system that reads another
	 * file than it maps (9p), would put a wrong binary under this id.
	 */
	if (!err && id && !has_build_id(tmp, id, id_size))
		err = -ESTALE;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int buildcache__add_written(const char *dir, const unsigned char *id,
			    size_t id_size, const char *kind,
			    int (*write_file)(int fd, void *arg), void *arg)
{
	char own[PATH_MAX], path[PATH_MAX];
	int err;

	if (!dir) {
		if (buildcache__dir(own, sizeof(own)))
			return -ENOENT;
		dir = own;
	}
	err = buildcache__path(dir, id, id_size, kind, path, sizeof(path));
	return err ?: add_at(path, id, id_size, write_file, arg);
}

/* DIR/KIND/KEY into @out; @key is a file name. */
static int keyed_path(const char *dir, const char *kind, const char *key,
		      char *out, size_t size)
{
	int n;

	if (!*key || strchr(key, '/') || key[0] == '.')
		return -EINVAL;
	n = snprintf(out, size, "%s/%s/%s", dir, kind, key);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int buildcache__add_keyed(const char *dir, const char *kind,
			  const char *key,
			  int (*write_file)(int fd, void *arg), void *arg)
{
	char path[PATH_MAX];
	int err = keyed_path(dir, kind, key, path, sizeof(path));

	return err ?: add_at(path, NULL, 0, write_file, arg);
}

int buildcache__open_keyed(const char *dir, const char *kind,
			   const char *key)
{
	char path[PATH_MAX];
	int fd;

	if (keyed_path(dir, kind, key, path, sizeof(path)))
		return -ENOENT;
	/*
	 * Not through a symlink: the reader marks what it opened as used
	 * (futimens()), which must not reach a file outside the cache.
	 * Such an entry (or a FIFO, a device) is removed, the link and not
	 * what it names, so that buildcache__add_keyed() can write a real
	 * one in its place.
	 */
	fd = open_regular_nofollow(path);
	if (fd == -ELOOP || fd == -SONDE_ENOTREG)
		unlink(path);
	return fd < 0 ? -ENOENT : fd;
}

int buildcache__remove_keyed(const char *dir, const char *kind,
			     const char *key)
{
	char path[PATH_MAX];

	if (keyed_path(dir, kind, key, path, sizeof(path)))
		return -ENOENT;
	return unlink(path) ? -errno : 0;
}

/* Age of a temporary file whose writer is surely gone. */
#define STALE_TMP_SECONDS	(24 * 3600)

struct entry_age {
	struct timespec mtime;
	char name[NAME_MAX + 1];
};

static int older_first(const void *a, const void *b)
{
	const struct timespec *x = &((const struct entry_age *)a)->mtime;
	const struct timespec *y = &((const struct entry_age *)b)->mtime;

	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? -1 : 1;
	return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

int buildcache__trim_keyed(const char *dir, const char *kind,
			   unsigned int keep)
{
	struct entry_age *ages = NULL;
	size_t nr = 0, cap = 0, i;
	char path[PATH_MAX];
	struct dirent *de;
	int n, err = 0;
	DIR *d;

	n = snprintf(path, sizeof(path), "%s/%s", dir, kind);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		/*
		 * Another writer's file, unless a day old: the writer was
		 * killed before it could rename or remove it.
		 */
		if (strstr(de->d_name, ".tmp-")) {
			if (st.st_mtim.tv_sec < time(NULL) - STALE_TMP_SECONDS)
				unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (nr == cap) {
			struct entry_age *p;

			cap = cap ? 2 * cap : 16;
			p = reallocarray(ages, cap, sizeof(*p));
			if (!p) {
				err = -ENOMEM;
				break;
			}
			ages = p;
		}
		ages[nr].mtime = st.st_mtim;
		snprintf(ages[nr].name, sizeof(ages[nr].name), "%s",
			 de->d_name);
		nr++;
	}
	if (!err && nr > keep) {
		qsort(ages, nr, sizeof(*ages), older_first);
		for (i = 0; i < nr - keep; i++)
			unlinkat(dirfd(d), ages[i].name, 0);
	}
	closedir(d);
	free(ages);
	return err;
}

int buildcache__open(const char *dir, const unsigned char *id,
		     size_t id_size, const char *kind)
{
	char own[PATH_MAX], path[PATH_MAX];

	if (!dir) {
		if (buildcache__dir(own, sizeof(own)))
			return -ENOENT;
		dir = own;
	}
	if (buildcache__path(dir, id, id_size, kind, path, sizeof(path)))
		return -ENOENT;
	return open_regular(path);
}
