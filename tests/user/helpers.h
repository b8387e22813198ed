/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the host tests share: building ring records and
 * synthetic recordings with the real writer, running the sonde binary and
 * capturing its output.
 */
#ifndef SONDE_TEST_HELPERS_H
#define SONDE_TEST_HELPERS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recording/recording.h"
#include "lib/util.h"

/*
 * The harness's 30 s per test guards against hangs; the sanitized
 * builds of the tests that run sonde many times took longer than that
 * on a two-core machine busy with other work (mutated_recordings: 3 s of
 * CPU unsanitized, ten times that under ASan).  Each TEST() expands
 * TEST_TIMEOUT_DEFAULT where it is used, so this applies to every test
 * that includes this file after the harness.
 */
#ifdef TEST_TIMEOUT_DEFAULT
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 600
#endif

/* Build a SAMPLE record in @buf (room for 1024 frames); returns its size. */
static inline size_t make_sample(void *buf, __u64 time_ns, __u32 cpu,
				 __u32 pid, __u32 tid, __u16 context,
				 __u16 flags, const __u64 *kframes,
				 unsigned int nk, const __u64 *uframes,
				 unsigned int nu)
{
	struct sonde_sample *s = buf;
	size_t size = sizeof(*s) + (nk + nu) * sizeof(__u64);

	memset(s, 0, size);
	s->hdr.type = SONDE_RECORD_SAMPLE;
	s->hdr.size = size;
	s->time_ns = time_ns;
	s->cpu = cpu;
	s->pid = pid;
	s->tid = tid;
	s->context = context;
	s->flags = flags;
	s->ip = nk ? kframes[0] : nu ? uframes[0] : 0;
	s->user_ip = nu ? uframes[0] : 0;
	s->nr_kernel = nk;
	s->nr_user = nu;
	if (nk)
		memcpy(s->frames, kframes, nk * sizeof(__u64));
	if (nu)
		memcpy(s->frames + nk, uframes, nu * sizeof(__u64));
	return size;
}

static inline size_t make_lost(void *buf, __u64 time_ns, __u32 cpu,
			       __u64 nr)
{
	struct sonde_lost *l = buf;

	memset(l, 0, sizeof(*l));
	l->hdr.type = SONDE_RECORD_LOST;
	l->hdr.size = sizeof(*l);
	l->time_ns = time_ns;
	l->cpu = cpu;
	l->nr_lost = nr;
	l->by_reason[SONDE_LOST_RING_FULL] = nr;
	return sizeof(*l);
}

/*
 * A sample of @nr_user user frames (leaf first) taken by event @event
 * (a counter's index, SONDE_EVENT_TIMER or SONDE_EVENT_OFFCPU) with
 * @period: a struct sonde_sample_event after the frames.
 */
static inline size_t make_event_sample(void *buf, __u64 time_ns, __u32 pid,
				       __u32 tid, __u64 ip, __u32 event,
				       __u64 period)
{
	size_t len = make_sample(buf, time_ns, 0, pid, tid, SONDE_CTX_USER,
				 SONDE_SAMPLE_USER_REGS, NULL, 0, &ip, 1);
	struct sonde_sample *s = buf;
	struct sonde_sample_event *ev;

	len = (len + 7) & ~(size_t)7;
	ev = (void *)((char *)buf + len);
	memset(ev, 0, sizeof(*ev));
	ev->event = event;
	ev->period = period;
	s->flags |= SONDE_SAMPLE_EVENT;
	s->hdr.size = len + sizeof(*ev);
	return s->hdr.size;
}

/* An MMAP record of @pid: @path (NULL: anonymous) at [@start, @end). */
static inline size_t make_mmap(void *buf, __u64 time_ns, __u32 pid,
			       __u64 start, __u64 end, __u64 pgoff,
			       const char *path, __u16 flags)
{
	struct sonde_mmap_event *m = buf;
	size_t plen = path ? strlen(path) + 1 : 0;
	size_t size = (sizeof(*m) + plen + 7) & ~7UL;

	memset(m, 0, size);
	m->hdr.type = SONDE_RECORD_MMAP;
	m->hdr.size = size;
	m->time_ns = time_ns;
	m->pid = pid;
	m->tid = pid;
	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->flags = flags;
	m->path_size = plen;
	if (plen)
		memcpy(m->path, path, plen);
	return size;
}

/* An EVENTS section (CPU 0) of the task and MMAP records in @recs. */
static inline int add_events_section(struct rec_writer *w,
				     const struct buf *recs)
{
	struct srec_records hdr = { .cpu = 0 };
	struct buf b = { 0 };
	int err;

	err = buf__append(&b, &hdr, sizeof(hdr)) ?:
	      buf__append(&b, recs->data, recs->len) ?:
	      rec_writer__add_section(w, SREC_SEC_EVENTS, 0, b.data, b.len);
	buf__free(&b);
	return err;
}

/* A SESSION section: @freq Hz, SREC_SESSION_* @flags. */
static inline int add_session_flags(struct rec_writer *w, __u32 freq,
				    __u32 flags)
{
	struct srec_session ss = {
		.size = sizeof(ss), .frequency = freq, .flags = flags,
	};

	strcpy(ss.sysname, "Linux");
	strcpy(ss.nodename, "testhost");
	strcpy(ss.release, "6.12.0-test");
	return rec_writer__add_section(w, SREC_SEC_SESSION, 0, &ss,
				       sizeof(ss));
}

static inline int add_session(struct rec_writer *w, __u32 freq)
{
	return add_session_flags(w, freq, 0);
}

/*
 * One process snapshot with SREC_PROC_* @flags and at most one mapping
 * (path NULL: none).
 */
static inline int add_process_flags(struct rec_writer *w, __u32 pid,
				    const char *comm, __u64 time_ns,
				    __u32 flags, const char *path,
				    __u64 start, __u64 end, __u64 pgoff,
				    const unsigned char *bid,
				    unsigned int bid_size)
{
	struct srec_process ph = {
		.pid = pid, .time_ns = time_ns, .flags = flags,
	};
	struct srec_map m = { .start = start, .end = end, .pgoff = pgoff };
	struct buf b = { 0 };
	int err;

	snprintf(ph.comm, sizeof(ph.comm), "%s", comm);
	ph.nr_maps = path ? 1 : 0;
	err = buf__append(&b, &ph, sizeof(ph));
	if (path && !err) {
		m.path_len = strlen(path);
		m.build_id_size = bid_size;
		if (bid_size)
			memcpy(m.build_id, bid, bid_size);
		err = buf__append(&b, &m, sizeof(m));
		if (!err)
			err = buf__append(&b, path, m.path_len + 1);
		if (!err)
			err = buf__pad8(&b);
	}
	if (!err)
		err = rec_writer__add_section(w, SREC_SEC_PROCESS, 0, b.data,
					      b.len);
	buf__free(&b);
	return err;
}

static inline int add_process(struct rec_writer *w, __u32 pid,
			      const char *comm, __u64 time_ns,
			      const char *path, __u64 start, __u64 end,
			      __u64 pgoff, const unsigned char *bid,
			      unsigned int bid_size)
{
	return add_process_flags(w, pid, comm, time_ns, 0, path, start, end,
				 pgoff, bid, bid_size);
}

static inline int add_end(struct rec_writer *w, __u64 samples, __u64 lost)
{
	struct srec_end e = { .nr_samples = samples, .nr_lost = lost };

	return rec_writer__add_section(w, SREC_SEC_END, 0, &e, sizeof(e));
}

/* A fresh empty directory under /tmp; the caller removes it. */
static inline char *make_tmpdir(void)
{
	char *d = strdup("/tmp/sonde-test.XXXXXX");

	return d && mkdtemp(d) ? d : NULL;
}

static inline void remove_tree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

static inline void drain_fd(int fd, struct buf *b)
{
	char tmp[4096];
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf__append(b, tmp, n);
}

/*
 * run_sonde - run the sonde binary with @argv (argv[0] ignored) in @cwd,
 * capturing stdout and stderr (NUL-terminated).  Returns the exit status,
 * or -1 when it died of a signal.
 */
static inline int run_sonde(char *const argv[], const char *cwd,
			    struct buf *out, struct buf *err)
{
	char *ofile, *efile;
	int status, ofd, efd;
	pid_t pid;

	if (asprintf(&ofile, "/tmp/sonde-out.%d", (int)getpid()) < 0 ||
	    asprintf(&efile, "/tmp/sonde-err.%d", (int)getpid()) < 0)
		return -1;
	ofd = open(ofile, O_RDWR | O_CREAT | O_TRUNC, 0600);
	efd = open(efile, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unlink(ofile);
	unlink(efile);
	free(ofile);
	free(efile);
	pid = fork();
	if (pid == 0) {
		dup2(ofd, 1);
		dup2(efd, 2);
		if (cwd && chdir(cwd))
			_exit(126);
		/* A sonde that blocks (the class of issue 7 item 10) dies. */
		alarm(20);
		execv(SONDE_BIN, argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	out->len = 0;
	err->len = 0;
	lseek(ofd, 0, SEEK_SET);
	lseek(efd, 0, SEEK_SET);
	drain_fd(ofd, out);
	drain_fd(efd, err);
	buf__append(out, "", 1);
	buf__append(err, "", 1);
	out->len--;
	err->len--;
	close(ofd);
	close(efd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * run_sonde_closed_stdout - like run_sonde(), in the working directory, but
 * with stdout a pipe nobody reads (as in `sonde script | head`, once head
 * has exited).  Captures stderr; returns the exit status or -1.
 */
static inline int run_sonde_closed_stdout(char *const argv[], struct buf *err)
{
	char *efile;
	int status, efd, p[2];
	pid_t pid;

	if (asprintf(&efile, "/tmp/sonde-err.%d", (int)getpid()) < 0)
		return -1;
	efd = open(efile, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unlink(efile);
	free(efile);
	if (efd < 0 || pipe(p))
		return -1;
	close(p[0]);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(efd, 2);
		execv(SONDE_BIN, argv);
		_exit(127);
	}
	close(p[1]);
	waitpid(pid, &status, 0);
	err->len = 0;
	lseek(efd, 0, SEEK_SET);
	drain_fd(efd, err);
	buf__append(err, "", 1);
	err->len--;
	close(efd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Entries of directory @dir, "." and ".." not counted; -1 on error. */
static inline int dir_count(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	if (!dp)
		return -1;
	while ((d = readdir(dp)))
		n += strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
	closedir(dp);
	return n;
}

static inline unsigned int count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/*
 * A writer to a new recording at @path, its SESSION section written (1000
 * Hz, SREC_SESSION_* @flags); on failure nothing is left open.
 */
static inline int rec_file_create_flags(const char *path,
					struct rec_writer **w, int *fd,
					__u32 flags)
{
	int err;

	*fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (*fd < 0)
		return -errno;
	err = rec_writer__new_fd(w, *fd);
	if (!err) {
		err = add_session_flags(*w, 1000, flags);
		if (err)
			rec_writer__free(*w);
	}
	if (err)
		close(*fd);
	return err;
}

static inline int rec_file_create(const char *path, struct rec_writer **w,
				  int *fd)
{
	return rec_file_create_flags(path, w, fd, 0);
}

/*
 * Unless @err, the END section (@samples) and the rest of the file; then
 * the writer and the file are closed.  Returns the first error.
 */
static inline int rec_file_finish(struct rec_writer *w, int fd,
				  __u64 samples, int err)
{
	if (!err)
		err = add_end(w, samples, 0);
	if (!err)
		err = rec_writer__finish(w);
	rec_writer__free(w);
	close(fd);
	return err;
}

/*
 * write_one_map - a complete recording at @path: one process @pid named
 * @comm mapping @map_path at 0x400000-0x500000, and @n user samples at
 * 0x401000.  For tests of what the tool does with hostile metadata.
 */
static inline int write_one_map(const char *path, __u32 pid,
				const char *comm, const char *map_path,
				unsigned int n)
{
	__u64 u[1] = { 0x401000 };
	unsigned char rec[256];
	struct rec_writer *w;
	unsigned int i;
	int fd, err;

	err = rec_file_create(path, &w, &fd);
	if (err)
		return err;
	for (i = 0; !err && i < n; i++) {
		size_t len = make_sample(rec, 1000 + i, 0, pid, pid,
					 SONDE_CTX_USER,
					 SONDE_SAMPLE_USER_REGS, NULL, 0, u,
					 1);

		err = rec_writer__append_records(w, 0, rec, len);
	}
	if (!err)
		err = add_process(w, pid, comm, 2000, map_path, 0x400000,
				  0x500000, 0, NULL, 0);
	return rec_file_finish(w, fd, n, err);
}

#endif /* SONDE_TEST_HELPERS_H */
