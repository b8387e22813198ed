// SPDX-License-Identifier: GPL-2.0
/*
 * The build-id cache (lib/buildcache.h), the recorder's archive of mapped
 * binaries (record/archive.h) and the symbolizer's use of it: a binary
 * deleted or replaced after it ran still names its functions from the
 * copy kept under its build-id; a copy is only ever made of a file that
 * carries the recorded build-id.
 */
#include "kselftest_harness.h"

#include "fixture-syms.h"
#include "helpers.h"
#include "lib/buildcache.h"
#include "lib/buildid.h"
#include "record/archive.h"
#include "record/procmap.h"
#include "recording/session.h"

#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define MAP_START	(0x555555554000ULL + TEXT_VADDR)
#define LEAF_IP		(MAP_START + (SYM_fixture_leaf - TEXT_VADDR) + 5)

static int __attribute__((format(printf, 1, 2))) sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int file_build_id(const char *path, unsigned char *bid)
{
	int fd = open(path, O_RDONLY), n;

	if (fd < 0)
		return -errno;
	n = buildid__from_fd(fd, bid, BUILD_ID_MAX);
	close(fd);
	return n;
}

/* Three samples in fixture_leaf of @map_path, which has build-id @bid. */
static int write_recording(const char *path, const char *map_path,
			   const unsigned char *bid, int bid_size)
{
	__u64 u[1] = { LEAF_IP };
	unsigned char rec[256];
	struct rec_writer *w;
	int fd, err, i;

	err = rec_file_create(path, &w, &fd);
	if (err)
		return err;
	for (i = 0; !err && i < 3; i++) {
		size_t len = make_sample(rec, 1000 + i, 0, 100, 100,
					 SONDE_CTX_USER,
					 SONDE_SAMPLE_USER_REGS, NULL, 0, u, 1);

		err = rec_writer__append_records(w, 0, rec, len);
	}
	if (!err)
		err = add_process(w, 100, "fixture", 5000, map_path,
				  MAP_START, MAP_START + 0x10000, TEXT_OFFSET,
				  bid, bid_size);
	return rec_file_finish(w, fd, 3, err);
}

FIXTURE(arc) {
	char *dir;
	char cache[300];
	char rec[300];
	unsigned char bid[BUILD_ID_MAX];
	int bid_size;
	struct buf out, err;
};

FIXTURE_SETUP(arc)
{
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	snprintf(self->cache, sizeof(self->cache), "%s/cache", self->dir);
	snprintf(self->rec, sizeof(self->rec), "%s/rec.data", self->dir);
	self->bid_size = file_build_id(FIXTURE_BIN, self->bid);
	ASSERT_LT(1, self->bid_size);
	setenv("SONDE_ARCHIVE_DIR", self->cache, 1);
	memset(&self->out, 0, sizeof(self->out));
	memset(&self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(arc)
{
	unsetenv("SONDE_ARCHIVE_DIR");
	remove_tree(self->dir);
	free(self->dir);
	buf__free(&self->out);
	buf__free(&self->err);
}

TEST_F(arc, cache_add_and_open)
{
	unsigned char other[BUILD_ID_MAX], got[BUILD_ID_MAX];
	char dir[300], path[400];
	int fd;

	ASSERT_EQ(0, buildcache__dir(dir, sizeof(dir)));
	EXPECT_STREQ(self->cache, dir);
	ASSERT_EQ(0, buildcache__path(dir, self->bid, self->bid_size,
				      BUILDCACHE_ELF, path, sizeof(path)));
	EXPECT_EQ(0, strncmp(path, self->cache, strlen(self->cache)));
	EXPECT_NE(NULL, strstr(path, "/.build-id/"));
	EXPECT_EQ(-ENOENT, buildcache__open(NULL, self->bid, self->bid_size,
					    BUILDCACHE_ELF));

	/* A file whose build-id is not the one asked for is refused. */
	memcpy(other, self->bid, self->bid_size);
	other[0] ^= 0xff;
	fd = open(FIXTURE_BIN, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ESTALE, buildcache__add(dir, other, self->bid_size,
					   BUILDCACHE_ELF, fd));
	EXPECT_EQ(0, buildcache__add(dir, self->bid, self->bid_size,
				     BUILDCACHE_ELF, fd));
	EXPECT_EQ(-EEXIST, buildcache__add(dir, self->bid, self->bid_size,
					   BUILDCACHE_ELF, fd));
	close(fd);
	fd = buildcache__open(NULL, self->bid, self->bid_size,
			      BUILDCACHE_ELF);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->bid_size, buildid__from_fd(fd, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, self->bid, self->bid_size));
	close(fd);
	EXPECT_EQ(-EINVAL, buildcache__path(dir, self->bid, 0,
					    BUILDCACHE_ELF, path,
					    sizeof(path)));
}

/*
 * A mapping recorded as "PATH (deleted)": unresolved until the cache
 * holds its build-id, then named.  A replaced file (another build-id at
 * the path) falls back to the cache the same way.
 */
TEST_F(arc, deleted_and_replaced_binaries)
{
	char *argv[] = { "sonde", "export", "-i", self->rec, NULL };
	char mapped[400], dir[300];
	int fd;

	snprintf(mapped, sizeof(mapped), "%s/prog (deleted)", self->dir);
	ASSERT_EQ(0, write_recording(self->rec, mapped, self->bid,
				     self->bid_size));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_EQ(0, strncmp(self->out.data, "fixture;prog (deleted)+0x", 25))
		TH_LOG("%s", self->out.data);

	ASSERT_EQ(0, buildcache__dir(dir, sizeof(dir)));
	fd = open(FIXTURE_BIN, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, buildcache__add(dir, self->bid, self->bid_size,
				     BUILDCACHE_ELF, fd));
	close(fd);
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_STREQ("fixture;fixture_leaf 3\n", self->out.data)
		TH_LOG("%s", self->err.data);

	/* Replaced: /bin/true now sits where the fixture was. */
	snprintf(mapped, sizeof(mapped), "%s/prog", self->dir);
	ASSERT_EQ(0, sh("cp /bin/true '%s'", mapped));
	ASSERT_EQ(0, write_recording(self->rec, mapped, self->bid,
				     self->bid_size));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_STREQ("fixture;fixture_leaf 3\n", self->out.data)
		TH_LOG("%s", self->err.data);
}

/* A stripped binary whose debug file is only in the archive. */
TEST_F(arc, debug_file_from_the_archive)
{
	char *argv[] = { "sonde", "export", "-i", self->rec, NULL };
	char prog[400], dir[300];
	int fd;

	snprintf(prog, sizeof(prog), "%s/prog", self->dir);
	ASSERT_EQ(0, sh("objcopy --strip-all %s '%s'", FIXTURE_BIN, prog));
	ASSERT_EQ(0, write_recording(self->rec, prog, self->bid,
				     self->bid_size));
	setenv("SONDE_DEBUG_ROOT", self->dir, 1);	/* nothing there */
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_EQ(0, strncmp(self->out.data, "fixture;prog+0x", 15))
		TH_LOG("%s", self->out.data);
	ASSERT_EQ(0, buildcache__dir(dir, sizeof(dir)));
	fd = open(FIXTURE_BIN, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, buildcache__add(dir, self->bid, self->bid_size,
				     BUILDCACHE_DEBUG, fd));
	close(fd);
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	unsetenv("SONDE_DEBUG_ROOT");
	EXPECT_STREQ("fixture;fixture_leaf 3\n", self->out.data)
		TH_LOG("%s", self->err.data);
}

/* The executable mapping of this test's own binary, from /proc/self/maps. */
static int own_text(__u64 *start, __u64 *end, char *path, size_t size)
{
	char line[600], exe[300];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f;
	int ret = -ENOENT;

	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	f = fopen("/proc/self/maps", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		char perms[8];
		int off = 0;

		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &s, &e, perms,
			   &off) < 3 || !off || perms[2] != 'x')
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line + off, exe))
			continue;
		*start = s;
		*end = e;
		snprintf(path, size, "%s", exe);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/*
 * An MMAP record of [@start, @end) of @path by this process, with the
 * file's identity and build-id as they are now.  0 or -errno.
 */
static int mmap_record(struct sonde_mmap_event *ev, const char *path,
		       __u64 start, __u64 end)
{
	struct stat st;

	memset(ev, 0, sizeof(*ev));
	if (stat(path, &st))
		return -errno;
	ev->hdr.type = SONDE_RECORD_MMAP;
	ev->pid = ev->tid = getpid();
	ev->start = start;
	ev->end = end;
	ev->ino = st.st_ino;
	ev->dev = st.st_dev;
	ev->build_id_size = file_build_id(path, ev->build_id);
	ev->path_size = strlen(path) + 1;
	memcpy(ev->path, path, ev->path_size);
	ev->hdr.size = sizeof(*ev) + ((ev->path_size + 7) & ~7);
	return 0;
}

/*
 * The recorder's archive, given MMAP records of this very process: a file
 * still at its path is left alone by default, and copied with --archive;
 * one whose path says " (deleted)" is copied through map_files (root
 * only) or the path; a record whose build-id the file does not carry is
 * not archived.
 */
TEST_F(arc, archive_from_mmap_records)
{
	union {
		struct sonde_mmap_event ev;
		unsigned char raw[sizeof(struct sonde_mmap_event) + 512];
	} u = { 0 };
	struct sonde_mmap_event *ev = &u.ev;
	unsigned int copied, failed;
	struct archive *a;
	const char *why;
	char path[300];
	__u64 start, end;
	int fd;

	ASSERT_EQ(0, own_text(&start, &end, path, sizeof(path)));
	ASSERT_EQ(0, mmap_record(ev, path, start, end));
	ASSERT_LT(1, ev->build_id_size);

	/* At its path: not at risk. */
	ASSERT_EQ(0, archive__new(&a, false));
	EXPECT_EQ(0, archive__note_mmap(a, ev, ev->hdr.size));
	archive__summary(a, &copied, &failed);
	EXPECT_EQ(0, copied);
	EXPECT_EQ(-ENOENT, buildcache__open(NULL, ev->build_id,
					    ev->build_id_size,
					    BUILDCACHE_ELF));
	/* A lying size is ignored. */
	EXPECT_EQ(0, archive__note_mmap(a, ev, sizeof(*ev) - 8));
	archive__free(a);

	/* The same file recorded as deleted: copied. */
	snprintf(ev->path, 400, "%s (deleted)", path);
	ev->path_size = strlen(ev->path) + 1;
	ev->hdr.size = sizeof(*ev) + ((ev->path_size + 7) & ~7);
	ASSERT_EQ(0, archive__new(&a, false));
	EXPECT_EQ(0, archive__note_mmap(a, ev, ev->hdr.size));
	archive__summary(a, &copied, &failed);
	EXPECT_EQ(getuid() == 0 ? 1 : 0, copied);
	archive__free(a);
	if (getuid() == 0) {
		fd = buildcache__open(NULL, ev->build_id, ev->build_id_size,
				      BUILDCACHE_ELF);
		EXPECT_LE(0, fd);
		if (fd >= 0)
			close(fd);
	}

	/*
	 * --archive copies at the end; a record whose build-id the file
	 * does not have is refused, and the reason is kept.
	 */
	memcpy(ev->path, path, strlen(path) + 1);
	ev->path_size = strlen(path) + 1;
	ev->build_id[0] ^= 0xff;
	ASSERT_EQ(0, archive__new(&a, true));
	EXPECT_EQ(0, archive__note_mmap(a, ev, ev->hdr.size));
	EXPECT_EQ(NULL, archive__summary(a, &copied, &failed));
	EXPECT_EQ(0, failed);
	archive__finish(a);
	why = archive__summary(a, &copied, &failed);
	EXPECT_EQ(0, copied);
	EXPECT_EQ(1, failed);
	ASSERT_NE(NULL, why);
	EXPECT_NE(NULL, strstr(why, path));
	archive__free(a);
}

/* A FILES section with the identity of @path as it is now. */
static int add_identity(struct rec_writer *w, const char *path)
{
	struct {
		struct srec_files hdr;
		struct srec_file f;
		char path[256];
	} sec = { { 1, sizeof(struct srec_file) } };
	struct stat st;

	if (stat(path, &st) || strlen(path) >= sizeof(sec.path))
		return -EINVAL;
	sec.f.ino = st.st_ino;
	sec.f.dev = st.st_dev;
	sec.f.size = st.st_size;
	sec.f.mtime_sec = st.st_mtim.tv_sec;
	sec.f.mtime_nsec = st.st_mtim.tv_nsec;
	sec.f.path_len = strlen(path);
	strcpy(sec.path, path);
	return rec_writer__add_section(w, SREC_SEC_FILES, 0, &sec,
				       sizeof(sec.hdr) + sizeof(sec.f) +
				       ((sec.f.path_len + 8) & ~7));
}

/*
 * A binary without a build-id: named while the file at its path is the
 * recorded one, unresolved (and said so) once it was rewritten in place
 * (same inode: `cp` over it), as the deleted_binary field case does.
 */
TEST_F(arc, file_without_build_id_checked_by_identity)
{
	char *argv[] = { "sonde", "export", "-i", self->rec, NULL };
	__u64 u[1] = { LEAF_IP };
	unsigned char rec[256];
	struct rec_writer *w;
	char prog[400];
	int fd, err, i;

	snprintf(prog, sizeof(prog), "%s/prog", self->dir);
	ASSERT_EQ(0, sh("cp %s '%s'", FIXTURE_BIN, prog));
	ASSERT_EQ(0, rec_file_create(self->rec, &w, &fd));
	for (err = 0, i = 0; !err && i < 3; i++)
		err = rec_writer__append_records(w, 0, rec,
			make_sample(rec, 1000 + i, 0, 100, 100, SONDE_CTX_USER,
				    SONDE_SAMPLE_USER_REGS, NULL, 0, u, 1));
	if (!err)
		err = add_process(w, 100, "fixture", 5000, prog, MAP_START,
				  MAP_START + 0x10000, TEXT_OFFSET, NULL, 0);
	if (!err)
		err = add_identity(w, prog);
	ASSERT_EQ(0, rec_file_finish(w, fd, 3, err));

	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_STREQ("fixture;fixture_leaf 3\n", self->out.data)
		TH_LOG("%s", self->err.data);
	/* Rewritten in place, a moment later. */
	usleep(20000);
	ASSERT_EQ(0, sh("cp /bin/true '%s'", prog));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_EQ(0, strncmp(self->out.data, "fixture;prog+0x", 15))
		TH_LOG("%s", self->out.data);
	EXPECT_NE(NULL, strstr(self->err.data, "changed since it was recorded"))
		TH_LOG("%s", self->err.data);
}

/* The recorder's side: an MMAP record without build-id gives an entry. */
TEST_F(arc, identity_from_mmap_record)
{
	union {
		struct sonde_mmap_event ev;
		unsigned char raw[sizeof(struct sonde_mmap_event) + 512];
	} u = { 0 };
	struct sonde_mmap_event *ev = &u.ev;
	const struct srec_file *id;
	struct rec_writer *w;
	struct session *s;
	struct archive *a;
	char path[300];
	__u64 start, end;
	struct stat st;
	int fd;

	ASSERT_EQ(0, own_text(&start, &end, path, sizeof(path)));
	ASSERT_EQ(0, mmap_record(ev, path, start, end));
	ev->build_id_size = 0;	/* as for a file without one */
	ASSERT_EQ(0, stat(path, &st));

	ASSERT_EQ(0, archive__new(&a, false));
	EXPECT_EQ(0, archive__note_mmap(a, ev, ev->hdr.size));
	EXPECT_EQ(0, archive__note_mmap(a, ev, ev->hdr.size));	/* once */
	ASSERT_EQ(0, rec_file_create(self->rec, &w, &fd));
	ASSERT_EQ(0, rec_file_finish(w, fd, 0, archive__write_files(a, w)));
	archive__free(a);

	ASSERT_EQ(0, session__open(&s, self->rec));
	id = session__file_identity(s, path);
	ASSERT_NE(NULL, id);
	EXPECT_EQ(st.st_ino, id->ino);
	EXPECT_EQ((__u64)st.st_size, id->size);
	EXPECT_EQ(st.st_mtim.tv_sec, id->mtime_sec);
	EXPECT_EQ(NULL, session__file_identity(s, "/nonexistent"));
	session__close(s);
}

/*
 * A /proc snapshot of a mapping whose file was replaced by rename since it
 * was mapped: its build-id is the mapped file's (read through map_files,
 * as root) or none, never the replacement's.
 */
TEST_F(arc, snapshot_of_a_replaced_file)
{
	char mapped[400], other[400];
	unsigned char other_bid[BUILD_ID_MAX];
	struct procmap *pm;
	struct buf b = { 0 };
	const struct srec_process *ph;
	const unsigned char *p;
	bool found = false;
	void *addr;
	__u32 i;
	int fd;

	snprintf(mapped, sizeof(mapped), "%s/lib.so", self->dir);
	snprintf(other, sizeof(other), "%s/other.so", self->dir);
	ASSERT_EQ(0, sh("cp %s '%s' && cp /bin/true '%s'", FIXTURE_BIN,
			mapped, other));
	ASSERT_LT(1, file_build_id(other, other_bid));
	fd = open(mapped, O_RDONLY);
	ASSERT_LE(0, fd);
	addr = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, addr);
	ASSERT_EQ(0, rename(other, mapped));

	ASSERT_EQ(0, procmap__new(&pm, "/proc"));
	ASSERT_EQ(0, procmap__snapshot(pm, getpid(), 0, 1, &b));
	ph = (const void *)b.data;
	p = (const unsigned char *)(ph + 1);
	for (i = 0; i < ph->nr_maps; i++) {
		const struct srec_map *m = (const void *)p;
		const char *path = (const char *)(m + 1);

		if (m->start == (unsigned long)addr) {
			found = true;
			EXPECT_NE(NULL, strstr(path, "lib.so"));
			if (m->build_id_size) {
				EXPECT_EQ(self->bid_size, m->build_id_size);
				EXPECT_EQ(0, memcmp(m->build_id, self->bid,
						    self->bid_size));
			}
			EXPECT_TRUE(getuid() != 0 || m->build_id_size);
		}
		p = (const unsigned char *)path +
		    ((m->path_len + 1 + 7) & ~7U);
	}
	EXPECT_TRUE(found);
	procmap__free(pm);
	buf__free(&b);
	munmap(addr, 4096);
}

static void *map_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	void *addr;

	if (fd < 0)
		return MAP_FAILED;
	addr = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	return addr;
}

/*
 * Rechecks look only at what inotify has news of: a file left alone is
 * not stat()ed again, one renamed over is, at the next recheck, and
 * copied; a file whose directory was renamed (which inotify does not
 * report) is found by the full recheck, every 10 s.
 */
TEST_F(arc, rechecks_follow_inotify)
{
	union {
		struct sonde_mmap_event ev;
		unsigned char raw[sizeof(struct sonde_mmap_event) + 512];
	} u;
	char lib[400], other[400], dir[400], moved[400], lib2[420];
	const __u64 t0 = 1000000000000ULL, s = 1000000000ULL;
	unsigned int copied, failed;
	void *addr, *addr2;
	struct archive *a;

	snprintf(lib, sizeof(lib), "%s/lib.so", self->dir);
	snprintf(other, sizeof(other), "%s/other.so", self->dir);
	snprintf(dir, sizeof(dir), "%s/d", self->dir);
	snprintf(moved, sizeof(moved), "%s/d.old", self->dir);
	snprintf(lib2, sizeof(lib2), "%s/lib2.so", dir);
	ASSERT_EQ(0, sh("cp %s '%s' && cp /bin/true '%s' && mkdir '%s' && cp /bin/false '%s'",
			FIXTURE_BIN, lib, other, dir, lib2));
	addr = map_file(lib);
	ASSERT_NE(MAP_FAILED, addr);
	addr2 = map_file(lib2);
	ASSERT_NE(MAP_FAILED, addr2);

	ASSERT_EQ(0, archive__new(&a, false));
	ASSERT_EQ(0, mmap_record(&u.ev, lib, (unsigned long)addr,
				 (unsigned long)addr + 4096));
	ASSERT_LT(1, u.ev.build_id_size);
	EXPECT_EQ(0, archive__note_mmap(a, &u.ev, u.ev.hdr.size));
	/* Mapped again by another process: still watched, no new look. */
	EXPECT_EQ(0, archive__note_mmap(a, &u.ev, u.ev.hdr.size));
	ASSERT_EQ(0, mmap_record(&u.ev, lib2, (unsigned long)addr2,
				 (unsigned long)addr2 + 4096));
	ASSERT_LT(1, u.ev.build_id_size);
	EXPECT_EQ(0, archive__note_mmap(a, &u.ev, u.ev.hdr.size));

	archive__recheck(a, t0);	/* the first is a full one */
	EXPECT_EQ(2, archive__checks(a));
	archive__recheck(a, t0 + s);
	archive__recheck(a, t0 + 2 * s);
	EXPECT_EQ(2, archive__checks(a));

	ASSERT_EQ(0, rename(other, lib));
	archive__recheck(a, t0 + 3 * s);
	EXPECT_EQ(3, archive__checks(a));
	archive__summary(a, &copied, &failed);
	/* Through map_files as root; the path leads to the wrong file. */
	EXPECT_EQ(getuid() == 0 ? 1 : 0, copied);
	EXPECT_EQ(getuid() == 0 ? 0 : 1, failed);

	ASSERT_EQ(0, rename(dir, moved));
	archive__recheck(a, t0 + 4 * s);
	EXPECT_EQ(3, archive__checks(a));
	archive__recheck(a, t0 + 10 * s);
	EXPECT_EQ(4, archive__checks(a));
	archive__summary(a, &copied, &failed);
	EXPECT_EQ(2, copied + failed);
	EXPECT_EQ(getuid() == 0 ? 2 : 0, copied);
	/* Copied files are not looked at again, even in full rechecks. */
	archive__recheck(a, t0 + 20 * s);
	EXPECT_EQ(4, archive__checks(a));
	archive__free(a);
	munmap(addr, 4096);
	munmap(addr2, 4096);
}

TEST_HARNESS_MAIN
