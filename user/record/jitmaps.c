// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: reading the perf maps of JIT processes (jitmaps.h).
 *
 * Open descriptors are bounded (MAX_OPEN): a JIT seen beyond that is
 * opened by path when it exits or at the end, which still works while
 * the process lives.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "lib/hmap.h"
#include "lib/untrusted.h"
#include "record/jitdump.h"
#include "record/jitmaps.h"

#define MAX_OPEN	256
/*
 * Looks for a jitdump per process before its exit: each reads its
 * /proc/PID/maps, and most JITs write none.
 */
#define MAX_DUMP_TRIES	8
struct jit_proc {
	__u32 pid;
	__u32 ns_pid;
	bool jit;	/* an anonymous mapping was sampled */
	int fd;		/* -1: not open */
	int err;	/* why the last open failed, 0 if it did not */
	bool written;
	/* The same for its jitdump, at @dump_path in its root. */
	int dump_fd;
	int dump_err;
	unsigned int dump_tries;
	char *dump_path;
	/*
	 * The process's root directory, opened at its first anonymous
	 * mapping: files written later are still found through it after
	 * the process has exited (a task that passed exit_fs() has no
	 * /proc/PID/root any more, and its EXIT record is read later).
	 */
	int root_fd;	/* -1: not open */
	uid_t owner;	/* of /proc/PID when @root_fd was opened */
};

struct jitmaps {
	char *proc_root;
	struct hmap procs;	/* pid -> struct jit_proc */
	unsigned int nr_open;
};

/*
 * @name inside the directory @root_fd stands for, every symlink on the way
 * resolved as if @root_fd were /: a container's own /tmp, never ours.
 * Kernels before 5.6 have no openat2(): their openat() follows absolute
 * symlinks out of it, as perf does.
 */
static int open_in_root(int root_fd, const char *name, int flags)
{
	struct open_how how = {
		.flags = flags,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root_fd, name, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS)
		fd = openat(root_fd, name, flags);
	return fd < 0 ? -errno : (int)fd;
}

int jit_root__open(const char *proc_root, __u32 pid, uid_t *owner)
{
	char path[PATH_MAX];
	struct stat st;
	int dir_fd, root_fd;

	if (snprintf(path, sizeof(path), "%s/%u", proc_root, pid) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	dir_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	/* /proc/PID belongs to the process's user, as it is now. */
	if (fstat(dir_fd, &st)) {
		root_fd = -errno;
		close(dir_fd);
		return root_fd;
	}
	root_fd = openat(dir_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		root_fd = -errno;
	close(dir_fd);
	if (root_fd >= 0)
		*owner = st.st_uid;
	return root_fd;
}

int jit_file__open_in(int root_fd, uid_t owner, const char *name)
{
	struct stat st;
	int fd, fl;

	fd = open_in_root(root_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			  O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode) || (st.st_uid != owner && st.st_uid != 0)) {
		close(fd);
		return S_ISREG(st.st_mode) ? -EPERM : -SONDE_ENOTREG;
	}
	/* Reads of a regular file never block: back to the usual mode. */
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int jit_file__open(const char *proc_root, __u32 pid, const char *name)
{
	uid_t owner;
	int root_fd, fd;

	root_fd = jit_root__open(proc_root, pid, &owner);
	if (root_fd < 0)
		return root_fd;
	fd = jit_file__open_in(root_fd, owner, name);
	close(root_fd);
	return fd;
}

int perfmap_file__open(const char *proc_root, __u32 pid, __u32 ns_pid)
{
	char name[32];

	snprintf(name, sizeof(name), "tmp/perf-%u.map", ns_pid);
	return jit_file__open(proc_root, pid, name);
}

int perfmap_file__read(int fd, __u32 pid, __u32 ns_pid, bool live,
		       struct buf *out)
{
	struct srec_perfmap h = { .pid = pid, .ns_pid = ns_pid };
	size_t start, text;
	struct stat st;
	bool cut;
	char *nl;
	int err;

	h.time_ns = now_ns(CLOCK_MONOTONIC);
	start = out->len;
	err = buf__append(out, &h, sizeof(h));
	if (err)
		return err;
	text = out->len;
	err = buf__append_fd(out, fd, SREC_PERFMAP_MAX, &cut);
	if (err)
		return err;
	h.file_size = !fstat(fd, &st) ? (__u64)st.st_size : out->len - text;
	if (cut)
		h.flags |= SREC_PERFMAP_CUT;
	/* A cut file, or a live writer, leaves a line unfinished. */
	if ((live || (h.flags & SREC_PERFMAP_CUT)) && out->len > text &&
	    out->data[out->len - 1] != '\n') {
		nl = memrchr(out->data + text, '\n', out->len - text);
		out->len = nl ? (size_t)(nl + 1 - out->data) : text;
	}
	memcpy(out->data + start, &h, sizeof(h));
	return 0;
}

int jitmaps__new(struct jitmaps **jmp, const char *proc_root)
{
	struct jitmaps *jm = calloc(1, sizeof(*jm));

	if (jm)
		jm->proc_root = strdup(proc_root);
	if (!jm || !jm->proc_root) {
		free(jm);
		return -ENOMEM;
	}
	hmap__init(&jm->procs, NULL);
	*jmp = jm;
	return 0;
}

void jitmaps__free(struct jitmaps *jm)
{
	struct hmap_entry *e;

	if (!jm)
		return;
	hmap__for_each(&jm->procs, e) {
		struct jit_proc *jp = e->val;

		if (jp->fd >= 0)
			close(jp->fd);
		if (jp->dump_fd >= 0)
			close(jp->dump_fd);
		if (jp->root_fd >= 0)
			close(jp->root_fd);
		free(jp->dump_path);
		free(jp);
	}
	hmap__free(&jm->procs);
	free(jm->proc_root);
	free(jm);
}

/* The jitdump, found (its marker is mapped by now, if ever) and opened. */
static void try_open_dump(struct jitmaps *jm, struct jit_proc *jp)
{
	char path[PATH_MAX];
	int fd;

	if (jp->dump_fd >= 0 || jp->dump_tries >= MAX_DUMP_TRIES)
		return;
	jp->dump_tries++;
	if (jitdump_file__find(jm->proc_root, jp->pid, jp->ns_pid, path,
			       sizeof(path)))
		return;
	fd = jit_file__open_in(jp->root_fd, jp->owner, path + strspn(path, "/"));
	if (fd < 0) {
		if (fd != -ENOENT || !jp->dump_err)
			jp->dump_err = fd;
		if (!jp->dump_path)
			jp->dump_path = strdup(path);
		return;
	}
	free(jp->dump_path);
	jp->dump_path = strdup(path);
	if (!jp->dump_path) {
		close(fd);
		return;
	}
	jp->dump_fd = fd;
	jm->nr_open++;
}

static void try_open(struct jitmaps *jm, struct jit_proc *jp)
{
	char name[32];
	int fd;

	if (jp->root_fd < 0) {
		fd = jit_root__open(jm->proc_root, jp->pid, &jp->owner);
		if (fd < 0) {
			if (fd != -ENOENT || !jp->err)
				jp->err = fd;
			return;
		}
		jp->root_fd = fd;
		jm->nr_open++;
	}
	try_open_dump(jm, jp);
	if (jp->fd >= 0)
		return;
	snprintf(name, sizeof(name), "tmp/perf-%u.map", jp->ns_pid);
	fd = jit_file__open_in(jp->root_fd, jp->owner, name);
	if (fd < 0) {
		/* A refusal is kept: the process may be gone at the end. */
		if (fd != -ENOENT || !jp->err)
			jp->err = fd;
		return;
	}
	jp->fd = fd;
	jm->nr_open++;
}

/* @pid's entry, made if there is none (-ENOMEM). */
static int find_or_add(struct jitmaps *jm, __u32 pid, __u32 ns_pid,
		       struct jit_proc **jpp)
{
	void *key = (void *)(unsigned long)pid;
	struct jit_proc *jp;

	jp = hmap__find(&jm->procs, hash_u64(pid), key);
	if (!jp) {
		jp = calloc(1, sizeof(*jp));
		if (!jp || hmap__insert(&jm->procs, hash_u64(pid), key, jp)) {
			free(jp);
			return -ENOMEM;
		}
		jp->pid = pid;
		jp->ns_pid = ns_pid;
		jp->fd = -1;
		jp->dump_fd = -1;
		jp->root_fd = -1;
	}
	*jpp = jp;
	return 0;
}

int jitmaps__note_process(struct jitmaps *jm, __u32 pid)
{
	struct jit_proc *jp;
	int fd, err;

	err = find_or_add(jm, pid, pid, &jp);
	if (err || jp->root_fd >= 0 || jm->nr_open >= MAX_OPEN)
		return err;
	fd = jit_root__open(jm->proc_root, pid, &jp->owner);
	if (fd >= 0) {
		jp->root_fd = fd;
		jm->nr_open++;
	}
	return 0;
}

int jitmaps__note_mmap(struct jitmaps *jm,
		       const struct sonde_mmap_event *ev, size_t len)
{
	struct jit_proc *jp;
	int err;

	/*
	 * The vDSO has no file either, but a name, and is mapped at EXEC,
	 * before any JIT could have written a map.
	 */
	if (len < sizeof(*ev) || !(ev->flags & SONDE_MMAP_ANON) ||
	    (ev->flags & SONDE_MMAP_EXEC) || !ev->pid ||
	    ev->path_size > len - sizeof(*ev) ||
	    (ev->path_size && ev->path[0]))
		return 0;
	/* 0: the module could not tell; the same namespace is likeliest. */
	err = find_or_add(jm, ev->pid, ev->ns_pid ? ev->ns_pid : ev->pid, &jp);
	if (err)
		return err;
	if (!jp->jit) {
		jp->jit = true;
		if (ev->ns_pid)
			jp->ns_pid = ev->ns_pid;
		if (jm->nr_open < MAX_OPEN)
			try_open(jm, jp);
		return 0;
	}
	/* New JIT code: maybe the map was not there for the first. */
	if ((jp->fd < 0 ||
	     (jp->dump_fd < 0 && jp->dump_tries < MAX_DUMP_TRIES)) &&
	    !jp->written && jm->nr_open < MAX_OPEN)
		try_open(jm, jp);
	return 0;
}

static bool is_live(const struct jitmaps *jm, __u32 pid)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%u", jm->proc_root, pid);
	return !stat(path, &st);
}

static const char *refusal(int err)
{
	return err == -EPERM ? "owned by neither the process's user nor root" :
	       err == -ELOOP ? "a symbolic link" : sonde_strerror(err);
}

/* The jitdump of @jp, if it has one, into a JITDUMP section. */
static int write_dump(struct jitmaps *jm, struct jit_proc *jp,
		      struct rec_writer *w)
{
	struct buf b = { 0 };
	int err;

	if (jp->dump_fd < 0) {
		if (jp->dump_err && jp->dump_err != -ENOENT)
			pr_warn("%s/%u/root%s: not used for JIT names: %s",
				jm->proc_root, jp->pid,
				jp->dump_path ? jp->dump_path : "",
				refusal(jp->dump_err));
		return 0;
	}
	err = jitdump_file__read(jp->dump_fd, jp->pid, jp->ns_pid,
				 jp->dump_path, &b);
	close(jp->dump_fd);
	jp->dump_fd = -1;
	jm->nr_open--;
	if (err) {
		pr_warn("cannot read the jitdump of pid %u: %s", jp->pid,
			strerror(-err));
		buf__free(&b);
		return 0;
	}
	err = rec_writer__add_section_z(w, SREC_SEC_JITDUMP, 0, b.data, b.len);
	buf__free(&b);
	return err;
}

static int write_one(struct jitmaps *jm, struct jit_proc *jp,
		     struct rec_writer *w, bool exited)
{
	char path[PATH_MAX];
	struct buf b = { 0 };
	int err;

	jp->written = true;
	/* The last chance: the dump may have come after the tries. */
	jp->dump_tries = 0;
	if (jp->fd < 0 || jp->dump_fd < 0)
		try_open(jm, jp);
	if (jp->root_fd >= 0) {
		close(jp->root_fd);
		jp->root_fd = -1;
		jm->nr_open--;
	}
	err = write_dump(jm, jp, w);
	if (err)
		return err;
	if (jp->fd < 0) {
		/* No such file: the process is no JIT that writes one. */
		if (jp->err != -ENOENT) {
			snprintf(path, sizeof(path),
				 "%s/%u/root/tmp/perf-%u.map", jm->proc_root,
				 jp->pid, jp->ns_pid);
			pr_warn("%s: not used for JIT names: %s", path,
				refusal(jp->err));
		}
		return 0;
	}
	err = perfmap_file__read(jp->fd, jp->pid, jp->ns_pid,
				 !exited && is_live(jm, jp->pid), &b);
	close(jp->fd);
	jp->fd = -1;
	jm->nr_open--;
	if (err) {
		pr_warn("cannot read the perf map of pid %u: %s", jp->pid,
			strerror(-err));
		buf__free(&b);
		return 0;
	}
	if (b.len > sizeof(struct srec_perfmap))
		err = rec_writer__add_section_z(w, SREC_SEC_PERFMAP, 0, b.data,
						b.len);
	buf__free(&b);
	return err;
}

int jitmaps__note_exit(struct jitmaps *jm, __u32 pid, struct rec_writer *w)
{
	struct jit_proc *jp;

	jp = hmap__find(&jm->procs, hash_u64(pid), (void *)(unsigned long)pid);
	if (!jp || !jp->jit || jp->written)
		return 0;
	return write_one(jm, jp, w, true);
}

int jitmaps__write(struct jitmaps *jm, struct rec_writer *w)
{
	struct hmap_entry *e;
	int err;

	hmap__for_each(&jm->procs, e) {
		struct jit_proc *jp = e->val;

		if (!jp->jit || jp->written)
			continue;
		err = write_one(jm, jp, w, false);
		if (err)
			return err;
	}
	return 0;
}
