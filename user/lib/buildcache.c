// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: the build-id keyed cache of binaries (buildcache.h).
 *
 * Several recorders may add the same file at once: each writes its own
 * temporary file and renames it into place; the last rename wins, with
 * identical content.
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

int buildcache__add_written(const char *dir, const unsigned char *id,
			    size_t id_size, const char *kind,
			    int (*write_file)(int fd, void *arg), void *arg)
{
	char own[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 32];
	int out, err;

	if (!dir) {
		if (buildcache__dir(own, sizeof(own)))
			return -ENOENT;
		dir = own;
	}
	err = buildcache__path(dir, id, id_size, kind, path, sizeof(path));
	if (err)
		return err;
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
	if (!err && !has_build_id(tmp, id, id_size))
		err = -ESTALE;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
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
