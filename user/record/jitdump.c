// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: finding and reading jitdumps (record/jitdump.h).
 *
 * /proc/PID/maps is text the kernel writes, but the paths in it are names
 * the process chose: only a last component of exactly jit-NSPID.dump is
 * taken, and the path must be absolute and fit PATH_MAX.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "record/jitdump.h"
#include "record/jitmaps.h"
#include "recording/recording.h"

/* The path of a maps line: after five fields, spaces skipped. */
static const char *maps_path(const char *line)
{
	const char *p = line;
	int i;

	for (i = 0; i < 5; i++) {
		p = strchr(p, ' ');
		if (!p)
			return NULL;
		while (*p == ' ')
			p++;
	}
	return *p == '/' ? p : NULL;
}

int jitdump_file__find(const char *proc_root, __u32 pid, __u32 ns_pid,
		       char *path, size_t size)
{
	char maps[PATH_MAX], name[32], *line = NULL;
	size_t cap = 0, nlen;
	bool found = false;
	ssize_t n;
	FILE *f;

	nlen = snprintf(name, sizeof(name), "/jit-%u.dump", ns_pid);
	snprintf(maps, sizeof(maps), "%s/%u/maps", proc_root, pid);
	f = fopen(maps, "re");
	while (f && (n = getline(&line, &cap, f)) > 0) {
		const char *p;
		size_t len;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		p = maps_path(line);
		len = p ? strlen(p) : 0;
		if (len < nlen || strcmp(p + len - nlen, name) ||
		    len >= size)
			continue;
		memcpy(path, p, len + 1);
		found = true;
		break;
	}
	free(line);
	if (f)
		fclose(f);
	if (found)
		return 0;
	if (snprintf(path, size, "/tmp%s", name) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int jitdump_file__open(const char *proc_root, __u32 pid, const char *path)
{
	/* Relative to the process's root, which stands for /. */
	while (*path == '/')
		path++;
	return jit_file__open(proc_root, pid, path);
}

int jitdump_file__read(int fd, __u32 pid, __u32 ns_pid, const char *path,
		       struct buf *out)
{
	struct srec_jitdump h = { .pid = pid, .ns_pid = ns_pid };
	size_t start, data;
	struct stat st;
	bool cut;
	int err;

	h.time_ns = now_ns(CLOCK_MONOTONIC);
	h.path_size = (strlen(path) + 1 + 7) & ~7UL;
	start = out->len;
	err = buf__append(out, &h, sizeof(h)) ?:
	      buf__append(out, path, strlen(path) + 1) ?: buf__pad8(out);
	if (err)
		return err;
	data = out->len;
	err = buf__append_fd(out, fd, SREC_JITDUMP_MAX, &cut);
	if (err)
		return err;
	h.file_size = !fstat(fd, &st) ? (__u64)st.st_size : out->len - data;
	/* A cut last record is parsed as one the JIT was still writing. */
	if (cut)
		h.flags |= SREC_JITDUMP_CUT;
	memcpy(out->data + start, &h, sizeof(h));
	return 0;
}
