// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: sonde test's recorded checks (cli/selftest.h): the built-in
 * workloads a copy of the tool runs, and the check that records one
 * (record/recorder.h) and reads it back (cli/input.h, the profile that
 * report reads) to find the workload's known frames by name.
 *
 * Runs on the calling thread; the recorder forks and execs the workload
 * and blocks until it exits.  The verdict never depends on how many
 * samples a loaded host gave, only on their share: at least half of the
 * samples in the leaf must carry the whole chain.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cli/input.h"
#include "cli/selftest.h"
#include "lib/util.h"

/* Each workload's CPU time: a few hundred samples at record's 999 Hz. */
#define WORKLOAD_CPU_NS		300000000ULL
#define LEAF_SPINS		(1UL << 18)
#define JIT_SPINS		200000
#define JIT_NAME		"sonde_selftest_jit"
#define STDERR_KEEP		1024	/* bytes of the recorder's messages shown */
#define STACKS_SHOWN		3
#define FRAMES_SHOWN		8

/*
 * The frame pointer is kept or omitted by attribute, not by the build's
 * flags (the sanitizer build keeps it everywhere): the CFI chain must not
 * be walkable by frame pointers, and the FP chain must be.
 */
#define SELFTEST_FP	__attribute__((noipa, optimize("no-omit-frame-pointer")))
#define SELFTEST_CFI	__attribute__((noipa, optimize("omit-frame-pointer")))

static __u64 thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * The accumulator lives in a stack slot (volatile): gcc sets up no frame
 * pointer in a leaf that uses no stack, even when told to keep them.
 */
SELFTEST_FP unsigned long sonde_selftest_fp_leaf(unsigned long n)
{
	volatile unsigned long acc = 0;
	unsigned long i;

	for (i = 0; i < n; i++)
		acc = acc * 33 + i;
	return acc;
}

/* Uses the leaf's result after the call: a tail call would hide this frame. */
SELFTEST_FP unsigned long sonde_selftest_fp_middle(unsigned long n)
{
	return sonde_selftest_fp_leaf(n) ^ n;
}

SELFTEST_FP unsigned long sonde_selftest_fp_outer(unsigned long n,
						  __u64 cpu_ns)
{
	__u64 end = thread_cpu_ns() + cpu_ns;
	unsigned long acc = 0;

	while (thread_cpu_ns() < end)
		acc += sonde_selftest_fp_middle(n);
	return acc;
}

/* The empty asm keeps the compiler from folding the loop into a formula. */
SELFTEST_CFI unsigned long sonde_selftest_cfi_leaf(unsigned long n)
{
	unsigned long i, acc = 0;

	for (i = 0; i < n; i++) {
		acc = acc * 31 + i;
		__asm__ volatile("" : "+r"(acc));
	}
	return acc;
}

SELFTEST_CFI unsigned long sonde_selftest_cfi_middle(unsigned long n)
{
	return sonde_selftest_cfi_leaf(n) ^ n;
}

SELFTEST_CFI unsigned long sonde_selftest_cfi_outer(unsigned long n,
						    __u64 cpu_ns)
{
	__u64 end = thread_cpu_ns() + cpu_ns;
	unsigned long acc = 0;

	while (thread_cpu_ns() < end)
		acc += sonde_selftest_cfi_middle(n);
	return acc;
}

/*
 * The JIT's code: a loop of its first argument's count, then return.
 * Only for the architectures below; elsewhere the jit check skips.
 */
#if defined(__x86_64__)
#define SELFTEST_HAVE_JIT	1
static const unsigned char jit_code[] = {
	0x89, 0xf8,		/* mov eax, edi */
	0xff, 0xc8,		/* 1: dec eax */
	0x75, 0xfc,		/* jnz 1b */
	0xc3,			/* ret */
};
#elif defined(__aarch64__)
#define SELFTEST_HAVE_JIT	1
static const unsigned int jit_code[] = {
	0x71000400,		/* 1: subs w0, w0, #1 */
	0x54ffffe1,		/* b.ne 1b */
	0xd65f03c0,		/* ret */
};
#endif

#ifdef SELFTEST_HAVE_JIT
/* The caller of the JIT code: a frame with a name under it. */
SELFTEST_FP unsigned long sonde_selftest_jit_caller(int (*fn)(int),
						    __u64 cpu_ns)
{
	__u64 end = thread_cpu_ns() + cpu_ns;
	unsigned long acc = 0;

	while (thread_cpu_ns() < end)
		acc += fn(JIT_SPINS);
	return acc;
}

static int jit_workload(void)
{
	size_t len = sysconf(_SC_PAGESIZE);
	char path[64];
	FILE *f;
	void *mem;
	int err = 0;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	memcpy(mem, jit_code, sizeof(jit_code));
	__builtin___clear_cache((char *)mem, (char *)mem + sizeof(jit_code));
	/* Written, then made executable: no page is both (W^X). */
	if (mprotect(mem, len, PROT_READ | PROT_EXEC)) {
		err = -errno;
		goto out;
	}
	/* The perf map line, as perf's jit-interface.txt has it. */
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	f = fopen(path, "w");
	if (!f) {
		err = -errno;
		goto out;
	}
	fprintf(f, "%lx %zx %s\n", (unsigned long)mem, sizeof(jit_code),
		JIT_NAME);
	if (fclose(f)) {
		err = -errno;
		goto out;
	}
	sonde_selftest_jit_caller((int (*)(int))mem, WORKLOAD_CPU_NS);
out:
	munmap(mem, len);
	return err;
}
#else
static int jit_workload(void)
{
	return -EOPNOTSUPP;
}
#endif

int selftest__workload(const char *name)
{
	if (!strcmp(name, "fp"))
		sonde_selftest_fp_outer(LEAF_SPINS, WORKLOAD_CPU_NS);
	else if (!strcmp(name, "dwarf"))
		sonde_selftest_cfi_outer(LEAF_SPINS, WORKLOAD_CPU_NS);
	else if (!strcmp(name, "jit"))
		return jit_workload();
	else
		return -EINVAL;
	return 0;
}

/* Whether @path is an ELF file with a symbol table (not stripped). */
static bool has_symtab(const char *path)
{
	Elf_Scn *scn = NULL;
	bool found = false;
	GElf_Shdr sh;
	Elf *elf;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && !found && (scn = elf_nextscn(elf, scn)))
		found = gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB;
	elf_end(elf);
	close(fd);
	return found;
}

/*
 * struct capture - stderr redirected into a file while the recorder
 * runs, so that its status lines become the check's detail, not noise
 * between the result lines.
 */
struct capture {
	char path[PATH_MAX + 16];
	int saved;
};

static int capture__start(struct capture *c, const char *dir)
{
	int fd;

	snprintf(c->path, sizeof(c->path), "%s/stderr", dir);
	fflush(stderr);
	fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	c->saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (c->saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
		int err = -errno;

		if (c->saved >= 0)
			close(c->saved);
		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

/* Put stderr back, and keep what was said in @r's detail. */
static void capture__end(struct capture *c, struct selfcheck_result *r)
{
	char text[STDERR_KEEP + 1];
	ssize_t n = 0;
	int fd;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, text, STDERR_KEEP);
		close(fd);
	}
	unlink(c->path);
	if (n <= 0)
		return;
	text[n] = '\0';
	selfcheck__detail(r, "record said:\n%s%s", text,
			  text[n - 1] == '\n' ? "" : "\n");
}

/* The first line of the messages kept, for a one-line reason. */
static const char *first_message(const struct selfcheck_result *r)
{
	static const char head[] = "record said:\n";
	const char *p = strstr(r->detail, head);

	return p ? p + sizeof(head) - 1 : "";
}

/*
 * Where @e->chain starts in @stack at frame @i or later: the frame index
 * of its leaf, or -1.  Sets *@whole when the callers above it follow.
 */
static int find_chain(const struct profile *p, __u32 stack,
		      const struct selftest_expect *e, bool *whole)
{
	const struct profile_stack *s = &p->stacks[stack];
	const struct profile_function *f;
	unsigned int i, k;

	*whole = false;
	for (i = 0; i < s->nr; i++) {
		f = profile__frame_function(p, stack, i);
		if (strcmp(profile__str(p, f->name), e->chain[0]) ||
		    (e->jit && !f->jit))
			continue;
		for (k = 1; k < e->nr && i + k < s->nr; k++) {
			f = profile__frame_function(p, stack, i + k);
			if (strcmp(profile__str(p, f->name), e->chain[k]))
				break;
		}
		*whole = k == e->nr;
		return i;
	}
	return -1;
}

/* The stacks with the most samples, leaf first, into @r's detail. */
static void show_stacks(const struct profile *p, struct selfcheck_result *r)
{
	__u32 best[STACKS_SHOWN] = { 0 }, n = 0, s, i, j;

	for (s = 0; s < p->nr_stacks; s++) {
		for (i = 0; i < n && p->stacks[best[i]].count >= p->stacks[s].count; i++)
			;
		if (i >= STACKS_SHOWN)
			continue;
		if (n < STACKS_SHOWN)
			n++;
		for (j = n - 1; j > i; j--)
			best[j] = best[j - 1];
		best[i] = s;
	}
	for (i = 0; i < n; i++) {
		const struct profile_stack *st = &p->stacks[best[i]];

		selfcheck__detail(r, "  %llu:", (unsigned long long)st->count);
		for (j = 0; j < st->nr && j < FRAMES_SHOWN; j++)
			selfcheck__detail(r, " %s%s",
					  j ? "<- " : "",
					  profile__str(p, profile__frame_function(p, best[i], j)->name));
		selfcheck__detail(r, "%s\n", st->nr > FRAMES_SHOWN ? " ..." : "");
	}
}

/*
 * @perf_source: the recording came from perf_event_open, whose mapping
 * records the recorder converts too, so a JIT's perf map is read either
 * way: it says only which source ran.
 */
static void judge(const struct profile *p, const struct selftest_expect *e,
		  bool perf_source, struct selfcheck_result *r)
{
	__u64 total = 0, in_leaf = 0, chained = 0;
	bool whole;
	__u32 s;

	for (s = 0; s < p->nr_stacks; s++) {
		total += p->stacks[s].count;
		if (find_chain(p, s, e, &whole) < 0)
			continue;
		in_leaf += p->stacks[s].count;
		if (whole)
			chained += p->stacks[s].count;
	}
	selfcheck__detail(r, "sampled through %s\n", perf_source ?
			  "perf_event_open (the fallback)" : "the module");
	selfcheck__detail(r, "%llu samples; %llu in %s%s, %llu of them with the whole chain\n",
			  (unsigned long long)total,
			  (unsigned long long)in_leaf, e->chain[0],
			  e->jit ? " (named by the perf map)" : "",
			  (unsigned long long)chained);
	selfcheck__detail(r, "the most sampled stacks:\n");
	show_stacks(p, r);
	if (!total)
		selfcheck__say(r, SELFCHECK_FAIL, "the workload was not sampled");
	else if (!in_leaf)
		selfcheck__say(r, SELFCHECK_FAIL, "none of %llu samples is in %s",
			       (unsigned long long)total, e->chain[0]);
	else if (2 * chained < in_leaf)
		selfcheck__say(r, SELFCHECK_FAIL,
			       "only %llu of %llu samples in %s unwound to %s",
			       (unsigned long long)chained,
			       (unsigned long long)in_leaf, e->chain[0],
			       e->chain[e->nr - 1]);
	else
		selfcheck__say(r, SELFCHECK_OK, "%s", "");
}

/*
 * The perf maps the JIT workload wrote: the recorded processes' maps
 * that name its code (a pid reused since keeps its own).
 */
static void remove_perf_maps(const struct profile *p)
{
	char path[64], *text;
	size_t len;
	__u32 i;

	for (i = 0; i < p->nr_processes; i++) {
		snprintf(path, sizeof(path), "/tmp/perf-%u.map",
			 p->processes[i].pid);
		if (read_file(path, &text, &len))
			continue;
		if (strstr(text, " " JIT_NAME "\n"))
			unlink(path);
		free(text);
	}
}

int selftest__recorded(const char *exe, const struct selftest_expect *e,
		       struct selfcheck_result *r)
{
	static const struct option no_opts[] = { { NULL, 0, NULL, 0 } };
	char *argv[] = { (char *)exe, "test", "--workload",
			 (char *)e->workload, NULL };
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], rec[PATH_MAX + 16];
	struct recorder_opts o = {
		.freq = RECORDER_DEFAULT_FREQ,
		.callgraph = e->callgraph,
		/*
		 * Frame pointers alone, without record -g's CFI repair of
		 * the leaf: each check proves one unwinder.
		 */
		.stack_bytes = e->callgraph == RECORDER_CG_DWARF ?
			       RECORDER_DWARF_STACK : 0,
		.command = argv,
		.output = rec,
		.quiet = true,
	};
	struct capture cap;
	struct input in;
	sigset_t mask;
	int err;

#ifndef SELFTEST_HAVE_JIT
	if (e->jit) {
		selfcheck__say(r, SELFCHECK_SKIP, "no JIT code for this architecture");
		return 0;
	}
#endif
	if (!has_symtab(exe)) {
		selfcheck__say(r, SELFCHECK_SKIP,
			       "%s has no symbol table (stripped): its workload's functions have no names",
			       exe);
		return 0;
	}
	if (snprintf(dir, sizeof(dir), "%s/sonde-test-XXXXXX",
		     tmp && *tmp ? tmp : "/tmp") >= (int)sizeof(dir))
		strcpy(dir, "/tmp/sonde-test-XXXXXX");
	if (!mkdtemp(dir)) {
		selfcheck__say(r, SELFCHECK_FAIL, "mkdtemp %s: %s", dir,
			       strerror(errno));
		return 0;
	}
	snprintf(rec, sizeof(rec), "%s/test.sonde", dir);
	err = capture__start(&cap, dir);
	if (err) {
		selfcheck__say(r, SELFCHECK_FAIL, "%s/stderr: %s", dir,
			       strerror(-err));
		rmdir(dir);
		return 0;
	}
	sigprocmask(SIG_SETMASK, NULL, &mask);
	err = input__init(&in, no_opts);
	if (!err)
		err = recorder__run(&o);
	if (!err) {
		in.path = rec;
		in.cmd = "test";
		in.keep = PROFILE_KEEP_MERGED;
		err = input__open(&in);
	}
	capture__end(&cap, r);
	/*
	 * The recorder leaves SIGINT, SIGTERM and SIGCHLD blocked: unblock
	 * them, so that one still pending ends sonde test as it would have.
	 */
	sigprocmask(SIG_SETMASK, &mask, NULL);
	if (err == -ENOMEM) {
		input__close(&in);
		goto out;
	}
	if (err) {
		const char *msg = first_message(r);

		if (*msg)
			selfcheck__say(r, SELFCHECK_FAIL, "recording the workload: %.*s",
				       (int)strcspn(msg, "\n"), msg);
		else
			selfcheck__say(r, SELFCHECK_FAIL, "recording the workload: %s",
				       strerror(-err));
		err = 0;
	} else {
		judge(in.profile, e, session__info(in.session)->flags &
		      SREC_SESSION_PERF_SOURCE, r);
		if (e->jit)
			remove_perf_maps(in.profile);
	}
	input__close(&in);
out:
	unlink(rec);
	rmdir(dir);
	return err;
}
