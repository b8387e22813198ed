// SPDX-License-Identifier: GPL-2.0
/*
 * The DWARF unwinder on this process's own stack.  unwind-target.c's
 * frameless code (-O2 -fomit-frame-pointer) captures its registers and
 * stack as the module would, under a comparator that libc's qsort()
 * calls; this process's executable mappings, read from /proc/self/maps
 * as the recorder reads them, are the snapshot.  The test binary is
 * linked -no-pie and libc is a shared object, so one unwind crosses an
 * ET_EXEC and an ET_DYN module; the vDSO is handed over as a memfd copy,
 * as the recorded image would be.  Frames are named with dladdr()
 * (-rdynamic).  Also: stack copies cut short, garbage registers, stacks
 * and mappings, the frame-pointer fallback, splicing with a frame-pointer
 * chain walked as the kernel walks it, and the per-snapshot cache.
 *
 * SONDE_UNWIND_BENCH=1 also times warm-cache unwinds (bench).
 */
#include <dlfcn.h>
#include <sys/mman.h>
#include <time.h>

#include "kselftest_harness.h"

#include "helpers.h"
#include "lib/buildid.h"
#include "lib/untrusted.h"
#include "recording/addrspace.h"
#include "unwind/dwarf.h"
#include "unwind/splice.h"
#include "unwind-target.h"

#define MAX_FRAMES	128
#define LEAF_REPAIR	512	/* the leaf-repair mode's stack copy */

int test_unwind_caller(struct capture *c, size_t want, uintptr_t end);
int test_unwind_caller_fp(struct capture *c, size_t want, uintptr_t end);

/* The test's frame under the fixture's: global for dladdr(). */
__attribute__((noinline)) int test_unwind_caller(struct capture *c,
						 size_t want, uintptr_t end)
{
	return unwind_target_run(c, want, end) + 1;
}

__attribute__((noinline)) int test_unwind_caller_fp(struct capture *c,
						    size_t want,
						    uintptr_t end)
{
	return unwind_target_run_fp(c, want, end) + 1;
}

/* What the file ops see: the test's stand-in for --symfs and the vDSO. */
struct files {
	int vdso_fd;		/* a memfd copy of the vDSO, or -1 */
	const char *refuse;	/* a path to refuse, or NULL */
	unsigned int opens;
};

static int open_file(void *ctx, __u32 pid, const struct map *m)
{
	struct files *f = ctx;
	int fd;

	if (f->refuse && !strcmp(m->path, f->refuse))
		return -ENOENT;
	f->opens++;
	if (!strcmp(m->path, "[vdso]")) {
		fd = f->vdso_fd >= 0 ? dup(f->vdso_fd) : -1;
		return fd < 0 ? -ENOENT : fd;
	}
	return open_regular(m->path);
}

/* One mapping to add to @snap; @path is copied (free_proc() frees it). */
static int add_map(struct snapshot *snap, __u64 start, __u64 end,
		   __u64 pgoff, const char *path)
{
	struct map *m = reallocarray(snap->maps, snap->nr_maps + 1,
				     sizeof(*m));

	if (!m)
		return -ENOMEM;
	snap->maps = m;
	m += snap->nr_maps++;
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->path = strdup(path);
	return m->path ? 0 : -ENOMEM;
}

static void free_proc(struct proc *p)
{
	unsigned int g, i;

	if (!p)
		return;
	for (g = 0; g < p->nr_snaps; g++)
		for (i = 0; i < p->snaps[g].nr_maps; i++)
			free((char *)p->snaps[g].maps[i].path);
	proc__free(p);
}

/*
 * This process's executable file mappings and the vDSO, as
 * record/procmap.c keeps them; *@stack_end is the end of the mapping that
 * holds this function's frame (the stack, even under valgrind, whose
 * client stack is not [stack]), and the vDSO's bytes go to a memfd in
 * *@vdso_fd.
 */
static struct proc *self_proc(uintptr_t *stack_end, int *vdso_fd,
			      unsigned int *nr_files)
{
	uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
	struct snapshot snap = { 0 };
	struct proc *p = calloc(1, sizeof(*p));
	char *maps, *line, *save;
	size_t len;

	*vdso_fd = -1;
	*nr_files = 0;
	if (!p || read_file("/proc/self/maps", &maps, &len)) {
		free(p);
		return NULL;
	}
	p->pid = getpid();
	for (line = strtok_r(maps, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start, end, pgoff, ino;
		char perms[8], *path;
		int n = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %llu %n", &start,
			   &end, perms, &pgoff, &ino, &n) < 5 || !n)
			continue;
		path = line + n;
		if (start <= frame && frame < end)
			*stack_end = end;
		if (perms[2] != 'x' || (*path != '/' && strcmp(path, "[vdso]")))
			continue;
		if (!strcmp(path, "[vdso]")) {
			*vdso_fd = memfd_create("vdso", MFD_CLOEXEC);
			if (*vdso_fd < 0 ||
			    write(*vdso_fd, (void *)(uintptr_t)start,
				  end - start) != (ssize_t)(end - start))
				break;
		}
		if (add_map(&snap, start, end, pgoff, path))
			break;
		(*nr_files)++;
	}
	free(maps);
	if (proc__add_snapshot(p, &snap)) {
		free(p);
		return NULL;
	}
	proc__finish(p);
	return p;
}

/* The function holding @pc (a return address: look at @pc - 1). */
static const char *fn_name(__u64 pc, bool ret)
{
	Dl_info info;

	if (!dladdr((void *)(uintptr_t)(pc - ret), &info) || !info.dli_sname)
		return "?";
	return info.dli_sname;
}

static bool in_libc(__u64 pc)
{
	Dl_info info;

	return dladdr((void *)(uintptr_t)(pc - 1), &info) && info.dli_fname &&
	       strstr(info.dli_fname, "/libc.so");
}

static bool in_exe(__u64 pc)
{
	Dl_info info;
	Dl_info self;

	return dladdr((void *)(uintptr_t)(pc - 1), &info) &&
	       dladdr((void *)test_unwind_caller, &self) &&
	       info.dli_fbase == self.dli_fbase;
}

/* The first frame from @from on that is in function @name, or -1. */
static int find_fn(const __u64 *pcs, int n, int from, const char *name)
{
	for (; from < n; from++)
		if (!strcmp(fn_name(pcs[from], from > 0), name))
			return from;
	return -1;
}

/* The frame-pointer chain as the kernel walks it, over the stack copy. */
static unsigned int fp_walk(const struct capture *c, __u64 *out,
			    unsigned int max)
{
	__u64 bp = c->bp, ra, next;
	unsigned int n = 0;

	out[n++] = c->ip;
	while (n < max && bp >= c->sp && !(bp & 7) &&
	       bp - c->sp <= c->size - 16 && c->size >= 16) {
		memcpy(&ra, c->stack + (bp - c->sp) + 8, 8);
		memcpy(&next, c->stack + (bp - c->sp), 8);
		if (!ra)
			break;
		out[n++] = ra;
		if (next <= bp)
			break;
		bp = next;
	}
	return n;
}

static void log_chain(struct __test_metadata *_metadata, const __u64 *pcs,
		      int n)
{
	int i;

	for (i = 0; i < n; i++)
		TH_LOG("  #%-2d %#llx %s%s", i, (unsigned long long)pcs[i],
		       fn_name(pcs[i], i > 0),
		       in_libc(pcs[i]) ? " (libc)" : "");
}

FIXTURE(unwind) {
	struct proc *proc;
	struct files files;
	unsigned int nr_files;
	uintptr_t stack_end;
	struct dwarf_unwinder *u;
	struct dwarf_unwinder *ref;	/* libdwfl alone */
	struct capture *cap;
	struct unwind_regs regs;
	__u64 pcs[MAX_FRAMES];
};

/*
 * Unwind @gen of @proc with @u, from @r through @size bytes of @stack;
 * then, unless @ref is NULL, the same with @ref, which unwinds with
 * libdwfl alone: whatever @u's cached CFI rules (unwind/cfirules.h) took
 * must come out as libdwfl gives it, frames and stop reason.
 */
static int unwind(struct __test_metadata *_metadata,
		  struct dwarf_unwinder *ref, struct dwarf_unwinder *u,
		  struct proc *proc, unsigned int gen,
		  const struct unwind_regs *r, const void *stack, __u64 size,
		  __u64 *pcs, unsigned int max, enum unwind_stop *stop)
{
	__u64 ref_pcs[MAX_FRAMES];
	enum unwind_stop ref_stop;
	int n, ref_n;

	n = dwarf_unwinder__unwind(u, proc, gen, r, stack, size, pcs, max,
				   stop);
	if (!ref || n <= 0)
		return n;
	ref_n = dwarf_unwinder__unwind(ref, proc, gen, r, stack, size,
				       ref_pcs, max, &ref_stop);
	EXPECT_EQ(ref_n, n);
	EXPECT_EQ(ref_stop, *stop);
	if (ref_n == n)
		EXPECT_EQ(0, memcmp(ref_pcs, pcs, n * sizeof(*pcs)));
	return n;
}

FIXTURE_SETUP(unwind)
{
	struct unwind_file_ops ops = { open_file, &self->files };

	self->proc = self_proc(&self->stack_end, &self->files.vdso_fd,
			       &self->nr_files);
	ASSERT_NE(NULL, self->proc);
	ASSERT_NE(0, self->stack_end);
	ASSERT_EQ(0, dwarf_unwinder__new(&self->u, &ops));
	ASSERT_EQ(0, dwarf_unwinder__new(&self->ref, &ops));
	dwarf_unwinder__libdwfl_only(self->ref);
	self->cap = calloc(1, sizeof(*self->cap));
	ASSERT_NE(NULL, self->cap);
}

FIXTURE_TEARDOWN(unwind)
{
	dwarf_unwinder__free(self->u);
	dwarf_unwinder__free(self->ref);
	free_proc(self->proc);
	free(self->cap);
	if (self->files.vdso_fd >= 0)
		close(self->files.vdso_fd);
}

/*
 * The sample: unwind-target.c's qsort() chain, or its frame-pointer chain
 * (@fp), with @want bytes of stack; its registers into @r.
 */
static void capture(struct capture *c, struct unwind_regs *r, size_t want,
		    uintptr_t stack_end, bool fp)
{
	if (fp)
		test_unwind_caller_fp(c, want, stack_end);
	else
		test_unwind_caller(c, want, stack_end);
	r->ip = c->ip;
	r->sp = c->sp;
	r->bp = c->bp;
}

/* 1. With 8 KiB of stack: comparator, libc's qsort, b, a, the test. */
TEST_F(unwind, through_libc)
{
	enum unwind_stop stop;
	int n, i, b;

	capture(self->cap, &self->regs, CAPTURE_MAX, self->stack_end, false);
	ASSERT_LT(64, self->cap->size);
	n = unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs, self->cap->stack,
		   self->cap->size, self->pcs, MAX_FRAMES, &stop);
	TH_LOG("%d frames, stop %d, %llu bytes of stack", n, stop,
	       (unsigned long long)self->cap->size);
	log_chain(_metadata, self->pcs, n);
	ASSERT_LE(6, n);
	EXPECT_EQ(self->cap->ip, self->pcs[0]);
	EXPECT_STREQ("unwind_target_capture", fn_name(self->pcs[0], false));
	EXPECT_STREQ("unwind_target_cmp", fn_name(self->pcs[1], true));
	b = find_fn(self->pcs, n, 2, "unwind_target_b");
	ASSERT_LE(3, b);
	/* Between the comparator and b: libc's (and ASan's) frames only. */
	for (i = 2; i < b; i++)
		EXPECT_FALSE(in_exe(self->pcs[i]));
	for (i = 2; i < b && !in_libc(self->pcs[i]); i++)
		;
	EXPECT_LT(i, b);
	ASSERT_LE(b + 4, n);
	EXPECT_STREQ("unwind_target_a", fn_name(self->pcs[b + 1], true));
	EXPECT_STREQ("unwind_target_run", fn_name(self->pcs[b + 2], true));
	EXPECT_STREQ("test_unwind_caller", fn_name(self->pcs[b + 3], true));
	EXPECT_TRUE(stop == UNWIND_STOP_END || stop == UNWIND_STOP_STACK);
	/* Every mapped file (the test, libc, ld.so, the vDSO) is a module. */
	EXPECT_EQ(self->nr_files, dwarf_unwinder__stats(self->u)->modules);
	/* Compiled code's CFI is all simple rules: no libdwfl walk. */
	EXPECT_EQ(1, dwarf_unwinder__stats(self->u)->rule_unwinds);
}

/* 2. A copy cut short: a prefix of the frames, and the reason. */
TEST_F(unwind, cut_stack)
{
	__u64 cut[MAX_FRAMES];
	enum unwind_stop stop;
	int n, full, last = 0;
	__u64 size;

	capture(self->cap, &self->regs, CAPTURE_MAX, self->stack_end, false);
	full = unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs, self->cap->stack,
		      self->cap->size, self->pcs, MAX_FRAMES, &stop);
	ASSERT_LE(6, full);

	n = unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs, self->cap->stack, 64,
		   cut, MAX_FRAMES, &stop);
	TH_LOG("64 bytes: %d of %d frames", n, full);
	EXPECT_EQ(UNWIND_STOP_STACK, stop);
	EXPECT_LE(1, n);
	EXPECT_GT(full, n);

	for (size = 0; size <= self->cap->size; size += size < 512 ? 8 : 256) {
		n = unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs,
			   self->cap->stack, size, cut, MAX_FRAMES, &stop);
		ASSERT_LE(1, n);
		ASSERT_GE(full, n);
		/* A longer copy never finds fewer frames. */
		EXPECT_LE(last, n);
		last = n;
		EXPECT_EQ(0, memcmp(cut, self->pcs, n * sizeof(*cut)));
		if (n < full)
			EXPECT_EQ(UNWIND_STOP_STACK, stop);
	}
	/* No stack at all: the leaf alone. */
	n = unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs, NULL, 0, cut,
		   MAX_FRAMES, &stop);
	EXPECT_EQ(1, n);
	EXPECT_EQ(UNWIND_STOP_STACK, stop);
	/* @max honoured. */
	n = unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs, self->cap->stack,
		   self->cap->size, cut, 3, &stop);
	EXPECT_EQ(3, n);
	EXPECT_EQ(UNWIND_STOP_MAX, stop);
	EXPECT_EQ(-EINVAL, unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs,
				  self->cap->stack, 64, cut, 0, &stop));
	EXPECT_EQ(-EINVAL, unwind(_metadata, self->ref, self->u, self->proc, 1, &self->regs,
				  self->cap->stack, 64, cut, 1, &stop));
}

static __u64 rand64(unsigned int *seed)
{
	return (__u64)rand_r(seed) << 42 ^ (__u64)rand_r(seed) << 21 ^
	       rand_r(seed);
}

/* An address in a random executable mapping of @snap. */
static __u64 rand_code(const struct snapshot *snap, unsigned int *seed)
{
	const struct map *m = &snap->maps[rand_r(seed) % snap->nr_maps];

	return m->start + rand64(seed) % (m->end - m->start);
}

/*
 * 3. Garbage registers and stacks, from wholly random to the real sample
 * with a few bytes changed, over this process's mappings and over
 * mangled ones: never a crash, always the leaf, never more than @max.
 */
TEST_F(unwind, garbage)
{
	static const char *const paths[] = {
		"[vdso]", "", "[heap]", "//anon", "/proc/self/maps",
		"/dev/zero", "/etc/passwd", "/nonexistent", "/proc/self/exe",
	};
	const struct snapshot *snap = &self->proc->snaps[0];
	unsigned char *stack = malloc(CAPTURE_MAX);
	struct proc *bad = calloc(1, sizeof(*bad));
	unsigned int seed = 20240611, iter, g, i;
	const struct dwarf_unwinder_stats *st;
	enum unwind_stop stop;

	ASSERT_NE(NULL, stack);
	ASSERT_NE(NULL, bad);
	capture(self->cap, &self->regs, CAPTURE_MAX, self->stack_end, false);
	/* Mangled snapshots: real files at wrong places and offsets. */
	bad->pid = getpid();
	for (g = 0; g < 80; g++) {
		struct snapshot s = { 0 };
		unsigned int nr = rand_r(&seed) % 12;

		for (i = 0; i < nr; i++) {
			const struct map *m =
				&snap->maps[rand_r(&seed) % snap->nr_maps];
			__u64 start = rand_r(&seed) % 3 ? m->start :
				      rand64(&seed) & ~4095ULL;
			__u64 len = rand_r(&seed) % 2 ? m->end - m->start :
				    (rand64(&seed) % 64 + 1) << 12;
			__u64 pgoff = rand_r(&seed) % 3 ? m->pgoff :
				      (rand64(&seed) % 4096) << 12;
			const char *path = rand_r(&seed) % 2 ? m->path :
				paths[rand_r(&seed) % ARRAY_SIZE(paths)];

			if (start + len > start)
				ASSERT_EQ(0, add_map(&s, start, start + len,
						     pgoff, path));
		}
		ASSERT_EQ(0, proc__add_snapshot(bad, &s));
	}
	for (iter = 0; iter < 4000; iter++) {
		struct proc *p = iter % 2 ? bad : self->proc;
		unsigned int gen = iter % 2 ? rand_r(&seed) % bad->nr_snaps : 0;
		unsigned int max = rand_r(&seed) % MAX_FRAMES + 1;
		struct unwind_regs r = self->regs;
		__u64 size = rand_r(&seed) % (CAPTURE_MAX + 1);
		int n, k = rand_r(&seed) % 4;

		if (k == 0) {
			r.ip = rand64(&seed);
			r.sp = rand64(&seed);
			r.bp = rand64(&seed);
		} else if (k == 1) {
			r.ip = rand_code(snap, &seed);
			r.bp = r.sp + rand_r(&seed) % CAPTURE_MAX;
		}
		if (k < 2 || rand_r(&seed) % 2) {
			for (i = 0; i < CAPTURE_MAX; i++)
				stack[i] = rand_r(&seed);
		} else {
			memcpy(stack, self->cap->stack, self->cap->size);
			for (i = rand_r(&seed) % 8; i; i--)
				stack[rand_r(&seed) % self->cap->size] =
					rand_r(&seed);
			size = self->cap->size;
		}
		n = unwind(_metadata, self->ref, self->u, p, gen, &r, stack, size, self->pcs, max,
			   &stop);
		ASSERT_LE(1, n);
		ASSERT_GE(max, n);
		ASSERT_EQ(r.ip, self->pcs[0]);
		ASSERT_GE(UNWIND_STOP_ERROR, stop);
	}
	st = dwarf_unwinder__stats(self->u);
	TH_LOG("%llu files opened, %llu loaded, %llu held",
	       (unsigned long long)st->file_opens,
	       (unsigned long long)st->files_loaded,
	       (unsigned long long)st->files_live);
	/* Both ways were taken, and compared with libdwfl (unwind()). */
	TH_LOG("%llu of %llu unwinds by the cached rules alone, %llu rule lookups, %llu misses",
	       (unsigned long long)st->rule_unwinds,
	       (unsigned long long)st->unwinds,
	       (unsigned long long)st->rule_lookups,
	       (unsigned long long)st->rule_misses);
	EXPECT_LT(st->unwinds / 10, st->rule_unwinds);
	EXPECT_GT(st->unwinds, st->rule_unwinds);
	free_proc(bad);
	free(stack);
}

/*
 * Without the test binary's CFI, its frames unwind by frame pointer
 * (elfutils' x86-64 fallback), and, as the kernel's walk does, miss the
 * caller of the frameless leaf.
 */
TEST_F(unwind, frame_pointer_fallback)
{
	__u64 fp[MAX_FRAMES];
	enum unwind_stop stop;
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int n, nfp, i;

	ASSERT_LT(0, len);
	exe[len] = '\0';
	self->files.refuse = exe;
	capture(self->cap, &self->regs, CAPTURE_MAX, self->stack_end, true);
	n = unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs, self->cap->stack,
		   self->cap->size, self->pcs, MAX_FRAMES, &stop);
	log_chain(_metadata, self->pcs, n);
	ASSERT_LE(5, n);
	EXPECT_STREQ("unwind_target_capture", fn_name(self->pcs[0], false));
	EXPECT_STREQ("unwind_target_fp_b", fn_name(self->pcs[1], true));
	EXPECT_STREQ("unwind_target_fp_a", fn_name(self->pcs[2], true));
	EXPECT_STREQ("unwind_target_run_fp", fn_name(self->pcs[3], true));
	EXPECT_STREQ("test_unwind_caller_fp", fn_name(self->pcs[4], true));
	nfp = fp_walk(self->cap, fp, MAX_FRAMES);
	ASSERT_LE(5, nfp);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(fp[i], self->pcs[i]);
}

/*
 * A recorded build-id must be the file's: the CFI of another build of
 * libc would be confident garbage, so that libc gets no module.
 */
TEST_F(unwind, build_id)
{
	struct unwind_file_ops ops = { open_file, &self->files };
	struct snapshot *snap = &self->proc->snaps[0];
	unsigned char id[BUILD_ID_MAX], wrong[BUILD_ID_MAX];
	enum unwind_stop stop;
	struct map *libc = NULL;
	unsigned int i;
	int fd, size, n;

	for (i = 0; i < snap->nr_maps; i++)
		if (strstr(snap->maps[i].path, "/libc.so"))
			libc = &snap->maps[i];
	ASSERT_NE(NULL, libc);
	fd = open_regular(libc->path);
	ASSERT_LE(0, fd);
	size = buildid__from_fd(fd, id, sizeof(id));
	close(fd);
	ASSERT_LT(0, size);
	capture(self->cap, &self->regs, CAPTURE_MAX, self->stack_end, false);

	libc->build_id = id;
	libc->build_id_size = size;
	n = unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs, self->cap->stack,
		   self->cap->size, self->pcs, MAX_FRAMES, &stop);
	EXPECT_EQ(self->nr_files, dwarf_unwinder__stats(self->u)->modules);
	EXPECT_LE(0, find_fn(self->pcs, n, 2, "unwind_target_b"));

	memcpy(wrong, id, size);
	wrong[0] ^= 0xff;
	libc->build_id = wrong;
	dwarf_unwinder__free(self->u);
	ASSERT_EQ(0, dwarf_unwinder__new(&self->u, &ops));
	dwarf_unwinder__free(self->ref);
	ASSERT_EQ(0, dwarf_unwinder__new(&self->ref, &ops));
	dwarf_unwinder__libdwfl_only(self->ref);
	n = unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs, self->cap->stack,
		   self->cap->size, self->pcs, MAX_FRAMES, &stop);
	ASSERT_LE(2, n);
	EXPECT_EQ(self->nr_files - 1,
		  dwarf_unwinder__stats(self->u)->modules);
	EXPECT_STREQ("unwind_target_cmp", fn_name(self->pcs[1], true));
	libc->build_id = NULL;
	libc->build_id_size = 0;
}

/* 4. Splicing: handmade chains, then a leaf repair of a real sample. */
TEST(splice_handmade)
{
	enum { IP = 1, M = 10, A, B, C, X, R, Q, T };
	const __u64 cfi[] = { IP, C, B, A }, fp[] = { IP, B, A, M, T };
	const __u64 full[] = { IP, C, B, A, M, T };
	const __u64 cfi_short[] = { IP, C }, fp_far[] = { IP, B, A };
	const __u64 cfi_more[] = { IP, C, B, X };
	const __u64 rec_cfi[] = { IP, R, Q, R };
	const __u64 rec_fp[] = { IP, R, Q, R, Q, R, T };
	__u64 out[16];
	unsigned int n;

	/* The fp chain misses C, the frameless leaf's caller. */
	n = unwind_splice(cfi, 4, fp, 5, out, 16);
	ASSERT_EQ(6, n);
	EXPECT_EQ(0, memcmp(full, out, sizeof(full)));
	/* No common return address: the fp chain starts above the copy. */
	n = unwind_splice(cfi_short, 2, fp_far, 3, out, 16);
	ASSERT_EQ(4, n);
	EXPECT_EQ(C, out[1]);
	EXPECT_EQ(B, out[2]);
	EXPECT_EQ(A, out[3]);
	/* CFI frames past the last match stay, then the fp chain goes on. */
	n = unwind_splice(cfi_more, 4, fp_far, 3, out, 16);
	ASSERT_EQ(5, n);
	EXPECT_EQ(X, out[3]);
	EXPECT_EQ(A, out[4]);
	/* Recursion: matched in order. */
	n = unwind_splice(rec_cfi, 4, rec_fp, 7, out, 16);
	ASSERT_EQ(7, n);
	EXPECT_EQ(0, memcmp(rec_fp, out, sizeof(rec_fp)));
	/* Empty inputs. */
	EXPECT_EQ(0, unwind_splice(NULL, 0, NULL, 0, out, 16));
	n = unwind_splice(NULL, 0, fp, 5, out, 16);
	ASSERT_EQ(5, n);
	EXPECT_EQ(0, memcmp(fp, out, sizeof(fp)));
	n = unwind_splice(cfi, 4, NULL, 0, out, 16);
	ASSERT_EQ(4, n);
	EXPECT_EQ(0, memcmp(cfi, out, sizeof(cfi)));
	/* @max honoured, on either side of the join. */
	EXPECT_EQ(0, unwind_splice(cfi, 4, fp, 5, out, 0));
	out[3] = 0;
	EXPECT_EQ(3, unwind_splice(cfi, 4, fp, 5, out, 3));
	EXPECT_EQ(0, out[3]);
	EXPECT_EQ(5, unwind_splice(cfi, 4, fp, 5, out, 5));
	EXPECT_EQ(M, out[4]);
}

/*
 * Leaf repair on a real sample: the kernel's frame-pointer chain misses
 * unwind_target_fp_leaf(); CFI over the first bytes of the stack finds
 * it, and the splice gives the chain a full CFI unwind gives.
 */
TEST_F(unwind, splice_leaf_repair)
{
	static const unsigned int cuts[] = { 8, 16, 24, 64, LEAF_REPAIR };
	__u64 fp[MAX_FRAMES], cfi[MAX_FRAMES], out[MAX_FRAMES];
	enum unwind_stop stop;
	unsigned int i, nfp, n;
	int full, ncfi;

	capture(self->cap, &self->regs, CAPTURE_MAX, self->stack_end, true);
	full = unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs, self->cap->stack,
		      self->cap->size, self->pcs, MAX_FRAMES, &stop);
	ASSERT_LE(6, full);
	EXPECT_STREQ("unwind_target_fp_leaf", fn_name(self->pcs[1], true));
	EXPECT_STREQ("test_unwind_caller_fp", fn_name(self->pcs[5], true));
	nfp = fp_walk(self->cap, fp, MAX_FRAMES);
	ASSERT_LE(5, nfp);
	EXPECT_EQ(self->pcs[2], fp[1]);
	for (i = 0; i < ARRAY_SIZE(cuts); i++) {
		ncfi = unwind(_metadata, self->ref, self->u, self->proc, 0, &self->regs,
			      self->cap->stack, cuts[i], cfi, MAX_FRAMES,
			      &stop);
		ASSERT_LE(2, ncfi);
		n = unwind_splice(cfi, ncfi, fp, nfp, out, MAX_FRAMES);
		TH_LOG("%u bytes: %d CFI frames, %u fp, %u spliced", cuts[i],
		       ncfi, nfp, n);
		ASSERT_LE(6, n);
		EXPECT_EQ(0, memcmp(self->pcs, out, 6 * sizeof(*out)));
	}
}

/* 5. One Dwfl per snapshot, built once; files shared between them. */
TEST_F(unwind, cache)
{
	const struct dwarf_unwinder_stats *st = dwarf_unwinder__stats(self->u);
	struct proc *procs[70] = { 0 };
	enum unwind_stop stop;
	__u64 modules, loaded;
	unsigned int i;
	int n;

	capture(self->cap, &self->regs, CAPTURE_MAX, self->stack_end, false);
	n = unwind(_metadata, NULL, self->u, self->proc, 0, &self->regs, self->cap->stack,
		   self->cap->size, self->pcs, MAX_FRAMES, &stop);
	ASSERT_LE(6, n);
	EXPECT_EQ(1, st->dwfl_builds);
	EXPECT_EQ(0, st->dwfl_hits);
	modules = st->modules;
	loaded = st->files_loaded;
	EXPECT_LT(0, modules);
	EXPECT_EQ(self->files.opens, st->file_opens);

	n = unwind(_metadata, NULL, self->u, self->proc, 0, &self->regs, self->cap->stack,
		   self->cap->size, self->pcs, MAX_FRAMES, &stop);
	ASSERT_LE(6, n);
	EXPECT_EQ(1, st->dwfl_builds);
	EXPECT_EQ(1, st->dwfl_hits);
	EXPECT_EQ(modules, st->modules);
	EXPECT_EQ(self->files.opens, st->file_opens);

	/*
	 * Other processes mapping the same files: a Dwfl each, the files
	 * read once; more of them than the cache holds: the oldest go.
	 */
	for (i = 0; i < ARRAY_SIZE(procs); i++) {
		const struct snapshot *snap = &self->proc->snaps[0];
		struct snapshot s = { 0 };
		unsigned int j;

		procs[i] = calloc(1, sizeof(*procs[i]));
		ASSERT_NE(NULL, procs[i]);
		procs[i]->pid = 1000 + i;
		for (j = 0; j < snap->nr_maps; j++)
			ASSERT_EQ(0, add_map(&s, snap->maps[j].start,
					     snap->maps[j].end,
					     snap->maps[j].pgoff,
					     snap->maps[j].path));
		ASSERT_EQ(0, proc__add_snapshot(procs[i], &s));
		n = unwind(_metadata, NULL, self->u, procs[i], 0, &self->regs, self->cap->stack,
			   self->cap->size, self->pcs, MAX_FRAMES, &stop);
		ASSERT_LE(6, n);
	}
	EXPECT_EQ(1 + ARRAY_SIZE(procs), st->dwfl_builds);
	EXPECT_EQ((1 + ARRAY_SIZE(procs)) * modules, st->modules);
	EXPECT_EQ(loaded, st->files_loaded);
	EXPECT_EQ(1 + ARRAY_SIZE(procs) - 64, st->dwfl_evictions);
	EXPECT_EQ(loaded, st->files_live);
	TH_LOG("%llu builds, %llu evictions, %llu opens, %llu files read",
	       (unsigned long long)st->dwfl_builds,
	       (unsigned long long)st->dwfl_evictions,
	       (unsigned long long)st->file_opens,
	       (unsigned long long)st->files_loaded);
	/* The first process's Dwfl was the oldest: built again. */
	n = unwind(_metadata, NULL, self->u, self->proc, 0, &self->regs, self->cap->stack,
		   self->cap->size, self->pcs, MAX_FRAMES, &stop);
	ASSERT_LE(6, n);
	EXPECT_EQ(2 + ARRAY_SIZE(procs), st->dwfl_builds);
	/* The processes outlive the unwinder, as dwarf.h asks. */
	dwarf_unwinder__free(self->u);
	self->u = NULL;
	for (i = 0; i < ARRAY_SIZE(procs); i++)
		free_proc(procs[i]);
}

/* Warm-cache ns per unwind and per frame of @u, over 100,000 unwinds. */
static double time_unwinds(struct __test_metadata *_metadata,
			   struct dwarf_unwinder *u, const char *what,
			   struct proc *proc, const struct unwind_regs *regs,
			   const struct capture *cap, __u64 *pcs)
{
	enum unwind_stop stop;
	__u64 t0 = 0, t1, frames = 0;
	unsigned int i;
	int n = 0;

	for (i = 0; i < 100000; i++) {
		if (i == 1000)
			t0 = now_ns(CLOCK_MONOTONIC);
		n = unwind(_metadata, NULL, u, proc, 0, regs, cap->stack,
			   cap->size, pcs, MAX_FRAMES, &stop);
		if (i >= 1000)
			frames += n;
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	TH_LOG("%s: 99000 unwinds of %d frames: %.0f ns per unwind, %.1f ns per frame",
	       what, n, (double)(t1 - t0) / 99000, (double)(t1 - t0) / frames);
	return (double)(t1 - t0) / frames;
}

/*
 * Warm-cache cost, with SONDE_UNWIND_BENCH=1, not an assertion: the
 * cached rules against libdwfl's dwfl_getthread_frames() alone (what
 * perf's util/unwind-libdw.c calls), interleaved A B B A.
 */
TEST_F(unwind, bench)
{
	double rules = 0, libdwfl = 0;
	unsigned int round;

	if (!getenv("SONDE_UNWIND_BENCH"))
		SKIP(return, "set SONDE_UNWIND_BENCH=1 to time unwinds");
	capture(self->cap, &self->regs, CAPTURE_MAX, self->stack_end, false);
	for (round = 0; round < 2; round++) {
		rules += time_unwinds(_metadata, self->u, "rules", self->proc,
				      &self->regs, self->cap, self->pcs);
		libdwfl += time_unwinds(_metadata, self->ref, "libdwfl",
					self->proc, &self->regs, self->cap,
					self->pcs);
		libdwfl += time_unwinds(_metadata, self->ref, "libdwfl",
					self->proc, &self->regs, self->cap,
					self->pcs);
		rules += time_unwinds(_metadata, self->u, "rules", self->proc,
				      &self->regs, self->cap, self->pcs);
	}
	TH_LOG("per frame, libdwfl / rules: %.1f", libdwfl / rules);
}

TEST_HARNESS_MAIN
