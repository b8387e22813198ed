// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: read /proc/PID/{comm,maps} into SREC_SEC_PROCESS payloads.
 *
 * Only executable file mappings and the vDSO matter: sampled instruction
 * pointers and return addresses only point there.  Build-ids are cached
 * per (device, inode, mtime) because every process maps the same libc.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buildid.h"
#include "lib/hmap.h"
#include "record/procmap.h"
#include "recording/recording.h"
#include "lib/untrusted.h"

struct file_key {
	__u64 dev;
	__u64 ino;
	__s64 mtime_ns;
};

struct file_id {
	struct file_key key;
	int size;		/* build-id bytes, 0 none, <0 unreadable */
	unsigned char id[BUILD_ID_MAX];
};

struct procmap {
	const char *proc_root;
	struct hmap ids;	/* struct file_key -> struct file_id */
};

static bool file_key_eq(const void *a, const void *b)
{
	return !memcmp(a, b, sizeof(struct file_key));
}

int procmap__new(struct procmap **pmp, const char *proc_root)
{
	struct procmap *pm = calloc(1, sizeof(*pm));

	if (!pm)
		return -ENOMEM;
	pm->proc_root = proc_root;
	hmap__init(&pm->ids, file_key_eq);
	*pmp = pm;
	return 0;
}

void procmap__free(struct procmap *pm)
{
	struct hmap_entry *e;

	if (!pm)
		return;
	hmap__for_each(&pm->ids, e)
		free(e->val);
	hmap__free(&pm->ids);
	free(pm);
}

/*
 * Open the mapped file itself: /proc/PID/map_files/START-END (root only)
 * names it whatever became of its path.  Else the path as the process sees
 * it, through /proc/PID/root first so a process in another mount namespace
 * (a container) gets its own files; then the path here.  A file found by
 * path must be the mapped inode (@ino, from the maps line): a binary
 * replaced since it was mapped would give the replacement's build-id,
 * and with it confident wrong names.
 */
static int open_mapped(struct procmap *pm, __u32 pid, const char *path,
		       __u64 start, __u64 end, __u64 ino, struct stat *st)
{
	char p[PATH_MAX + 64];
	int fd, i;

	for (i = 0; i < 3; i++) {
		if (i == 0)
			snprintf(p, sizeof(p), "%s/%u/map_files/%llx-%llx",
				 pm->proc_root, pid, (unsigned long long)start,
				 (unsigned long long)end);
		else if (i == 1)
			snprintf(p, sizeof(p), "%s/%u/root%s", pm->proc_root,
				 pid, path);
		else
			snprintf(p, sizeof(p), "%s", path);
		fd = open_regular(p);
		if (fd < 0)
			continue;
		if (!fstat(fd, st) && st->st_ino == ino)
			return fd;
		close(fd);
	}
	return -ENOENT;
}

static const struct file_id *lookup_id(struct procmap *pm, __u32 pid,
				       const char *path, __u64 start,
				       __u64 end, __u64 ino)
{
	struct file_id *fid;
	struct stat st;
	int fd;

	fd = open_mapped(pm, pid, path, start, end, ino, &st);
	if (fd < 0)
		return NULL;
	fid = calloc(1, sizeof(*fid));
	if (!fid) {
		close(fd);
		return NULL;
	}
	fid->key.dev = st.st_dev;
	fid->key.ino = st.st_ino;
	fid->key.mtime_ns = st.st_mtim.tv_sec * 1000000000LL +
			    st.st_mtim.tv_nsec;
	{
		__u64 h = hash_bytes(&fid->key, sizeof(fid->key), 0);
		struct file_id *old = hmap__find(&pm->ids, h, &fid->key);

		if (old) {
			free(fid);
			close(fd);
			return old;
		}
		fid->size = buildid__from_fd(fd, fid->id, sizeof(fid->id));
		close(fd);
		if (hmap__insert(&pm->ids, h, &fid->key, fid)) {
			free(fid);
			return NULL;
		}
	}
	return fid;
}

static void read_comm(struct procmap *pm, __u32 pid, char *comm, size_t len)
{
	char path[64], *buf;
	size_t n;

	snprintf(path, sizeof(path), "%s/%u/comm", pm->proc_root, pid);
	if (read_file(path, &buf, &n))
		return;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(comm, len, "%s", buf);
	free(buf);
}

int procmap__build_id(struct procmap *pm, __u32 pid, const char *path,
		      __u64 start, __u64 end, __u64 ino, unsigned char *id,
		      size_t cap)
{
	const struct file_id *fid = lookup_id(pm, pid, path, start, end, ino);

	if (!fid)
		return -ENOENT;
	if (fid->size <= 0)
		return 0;
	memcpy(id, fid->id, min_t(size_t, fid->size, cap));
	return min_t(size_t, fid->size, cap);
}

int procmap__thread_comm(struct procmap *pm, __u32 pid, __u32 tid,
			 char *comm, size_t len)
{
	char path[96], *buf;
	size_t n;

	snprintf(path, sizeof(path), "%s/%u/task/%u/comm", pm->proc_root, pid,
		 tid);
	if (read_file(path, &buf, &n))
		return -ESRCH;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(comm, len, "%s", buf);
	free(buf);
	return 0;
}

static int add_map(struct procmap *pm, __u32 pid, struct buf *out,
		   __u64 start, __u64 end, __u64 pgoff, __u64 ino,
		   const char *path)
{
	struct srec_map m = { 0 };
	int err;

	m.start = start;
	m.end = end;
	m.pgoff = pgoff;
	m.path_len = strlen(path);
	if (path[0] == '/') {
		const struct file_id *fid = lookup_id(pm, pid, path, start,
						      end, ino);

		if (fid && fid->size > 0) {
			m.build_id_size = fid->size;
			memcpy(m.build_id, fid->id, fid->size);
		}
	}
	err = buf__append(out, &m, sizeof(m));
	if (!err)
		err = buf__append(out, path, m.path_len + 1);
	if (!err)
		err = buf__pad8(out);
	return err;
}

int procmap__snapshot(struct procmap *pm, __u32 pid, __u32 flags,
		      __u64 time_ns, struct buf *out)
{
	struct srec_process ph = { .pid = pid, .time_ns = time_ns };
	char path[64], *maps, *line, *save;
	size_t base = out->len, len;
	int err;

	ph.flags = flags;
	snprintf(path, sizeof(path), "%s/%u/maps", pm->proc_root, pid);
	err = read_file(path, &maps, &len);
	if (err == -ENOENT || err == -ESRCH)
		return -ESRCH;
	if (err) {
		/* Not ours to read (another user's process): comm only. */
		maps = NULL;
		ph.flags |= SREC_PROC_NO_MAPS;
	}
	read_comm(pm, pid, ph.comm, sizeof(ph.comm));
	err = buf__append(out, &ph, sizeof(ph));
	for (line = maps ? strtok_r(maps, "\n", &save) : NULL; line && !err;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start, end, pgoff, ino;
		char perms[8];
		int n = 0;
		char *p;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %llu %n", &start,
			   &end, perms, &pgoff, &ino, &n) < 5 || !n)
			continue;
		if (perms[2] != 'x')
			continue;
		p = line + n;
		if (*p != '/' && strcmp(p, "[vdso]"))
			continue;
		err = add_map(pm, pid, out, start, end, pgoff, ino, p);
		if (!err)
			((struct srec_process *)(out->data + base))->nr_maps++;
	}
	free(maps);
	if (err)
		out->len = base;
	return err;
}
