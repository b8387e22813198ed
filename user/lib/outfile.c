// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: output files named on the command line: when to write beside
 * and rename, when to write in place (outfile.h).
 *
 * lstat() decides: a symlink must not be replaced by a regular file, so it
 * is written through, as is every node that is not a regular file.  The
 * check and the rename are not atomic against someone changing OUT in
 * between; that someone could change OUT afterwards just as well.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/outfile.h"

static int check_seek(int fd, bool need_seek)
{
	if (need_seek && lseek(fd, 0, SEEK_CUR) < 0)
		return errno == ESPIPE ? -ESPIPE : -errno;
	return 0;
}

int outfile__open(struct outfile *o, const char *path, mode_t mode,
		  bool need_seek)
{
	struct stat st;
	bool absent = false;
	int err;

	memset(o, 0, sizeof(*o));
	o->path = path;
	o->fd = -1;
	if (!strcmp(path, "-")) {
		o->is_stdout = true;
		o->fd = STDOUT_FILENO;
		return check_seek(o->fd, need_seek);
	}
	if (lstat(path, &st)) {
		if (errno != ENOENT)
			return -errno;
		absent = true;
	}
	if (absent || S_ISREG(st.st_mode)) {
		if (asprintf(&o->tmp, "%s.tmp-%d", path, (int)getpid()) < 0) {
			o->tmp = NULL;
			return -ENOMEM;
		}
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			     mode);
		if (o->fd < 0)
			return -errno;
		o->tmp_created = true;
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	/* Opening a FIFO for writing waits for a reader: refuse it first. */
	if (need_seek && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return -ESPIPE;
	o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC,
		     mode);
	if (o->fd < 0)
		return -errno;
	err = check_seek(o->fd, need_seek);
	if (err) {
		close(o->fd);
		o->fd = -1;
	}
	return err;
}

FILE *outfile__stream(struct outfile *o)
{
	if (!o->f)
		o->f = o->is_stdout ? stdout : fdopen(o->fd, "w");
	return o->f;
}

const char *outfile__name(const struct outfile *o)
{
	return o->is_stdout ? "standard output" : o->path;
}

/* Close what is ours: the stream (and its descriptor) or the descriptor. */
static int close_out(struct outfile *o)
{
	int err = 0;

	if (o->is_stdout) {
		if (o->f && fflush(o->f))
			err = -errno;
	} else if (o->f) {
		if (fclose(o->f))
			err = -errno;
	} else if (o->fd >= 0 && close(o->fd)) {
		err = -errno;
	}
	o->f = NULL;
	o->fd = -1;
	return err;
}

int outfile__commit(struct outfile *o)
{
	int err = 0, cerr;

	if (o->f && fflush(o->f))
		err = -errno;
	if (!err && o->tmp && fsync(o->fd))
		err = -errno;
	cerr = close_out(o);
	if (cerr && !err)
		err = cerr;
	if (o->tmp && !err && rename(o->tmp, o->path))
		err = -errno;
	if (err && o->tmp_created)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	o->tmp_created = false;
	return err;
}

void outfile__abort(struct outfile *o)
{
	close_out(o);
	if (o->tmp_created)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	o->tmp_created = false;
}
