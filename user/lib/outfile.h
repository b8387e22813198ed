/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lib layer: output files named on the command line (record -o, export
 * -o).
 *
 * An OUT that is absent or a regular file is written beside, as
 * OUT.tmp-PID (created exclusively: a planted file or symlink of that name
 * makes the open fail instead of being followed), and renamed over OUT
 * only when complete, so OUT is either the old file or the whole new one.
 * Anything else (a symlink such as /dev/stdout, a device, a FIFO) is
 * written in place, as a shell redirection would: renaming over it would
 * replace the link or node with a regular file.  "-" is standard output.
 */
#ifndef SONDE_OUTFILE_H
#define SONDE_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct outfile {
	const char *path;	/* as given; "-" for standard output */
	char *tmp;		/* written beside and renamed; NULL in place */
	bool tmp_created;	/* @tmp is ours to remove */
	int fd;			/* -1 when not open */
	FILE *f;		/* outfile__stream(), or NULL */
	bool is_stdout;		/* fd is 1: not ours to close */
};

/*
 * outfile__open - open @path for writing as the rules above say, new
 * files with @mode.  With @need_seek the output must take writes at
 * offsets (a recording): a pipe or terminal is refused with -ESPIPE.
 * Prints nothing; returns 0 or -errno (-EISDIR for a directory).  Call
 * outfile__abort() on failure too: ->tmp then names the temporary that
 * could not be created, if that was the failure.
 */
int outfile__open(struct outfile *o, const char *path, mode_t mode,
		  bool need_seek);

/*
 * outfile__stream - a stdio stream on the output, owned by @o (closed by
 * commit or abort); NULL with errno set when fdopen() fails.
 */
FILE *outfile__stream(struct outfile *o);

/* The name to put in messages: @path, or "standard output". */
const char *outfile__name(const struct outfile *o);

/*
 * outfile__commit - the output is complete: the stream is flushed, a file
 * written beside is synced and renamed over OUT.  Closes the descriptor (not standard
 * output).  On failure the temporary is removed.  Returns 0 or -errno.
 */
int outfile__commit(struct outfile *o);

/* Give up: close, and remove the temporary if there is one. */
void outfile__abort(struct outfile *o);

#endif /* SONDE_OUTFILE_H */
