// SPDX-License-Identifier: GPL-2.0
/*
 * JIT code: "jit fp|nofp SECS [map|map-rm]" copies a small loop into an
 * anonymous executable mapping and calls it from jit_caller() for SECS
 * seconds.  With "fp" the code keeps a frame pointer (push rbp; mov rbp,
 * rsp), as JVMs with -XX:+PreserveFramePointer, V8 and .NET emit it; with
 * "nofp" it does not.  A profiler should show jit_caller above the JIT
 * frame.  With "map" the code is named "jitted_loop [fp]" (or [nofp]) in
 * /tmp/perf-PID.map, as JITs tell perf; "map-rm" removes that file
 * before exiting, as a JIT that cleans up after itself does.
 *
 * With "dump" it keeps a jitdump instead (./jit-PID.dump, mapped
 * executable as a marker, as V8's --perf-prof and perf's JVMTI agent do;
 * format: the Linux kernel's tools/perf/Documentation/jitdump-
 * specification.txt) and runs three phases of SECS / 3 each: the loop
 * loaded at page A as "jit_alpha", with source lines in jit_alpha.js;
 * the same code moved to page B (CODE_MOVE); then "jit_beta", lines in
 * jit_beta.js, loaded at page A again.  A profiler that names JIT code by
 * time shows jit_alpha at both pages and jit_beta at A, each about a
 * third of the time; the loop itself (dec ecx; jnz) is line 12 of
 * jit_alpha.js and line 22 of jit_beta.js.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

/* push rbp; mov rbp, rsp; mov ecx, 200000; 1: dec ecx; jnz 1b; pop rbp; ret */
static const unsigned char code_fp[] = {
	0x55, 0x48, 0x89, 0xe5, 0xb9, 0x40, 0x0d, 0x03, 0x00,
	0xff, 0xc9, 0x75, 0xfc, 0x5d, 0xc3,
};
/* mov ecx, 200000; 1: dec ecx; jnz 1b; ret */
static const unsigned char code_nofp[] = {
	0xb9, 0x40, 0x0d, 0x03, 0x00, 0xff, 0xc9, 0x75, 0xfc, 0xc3,
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) void jit_caller(void (*fn)(void), double end)
{
	while (now_s() < end)
		fn();
}

/* The perf map line of the code at @mem, as jit-interface.txt has it. */
static int write_perf_map(const char *path, void *mem, size_t len,
			  const char *mode)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%lx %zx jitted_loop [%s]\n", (unsigned long)mem, len,
		mode);
	return fclose(f);
}

#define JITDUMP_MAGIC		0x4A695444U
#define JIT_CODE_LOAD		0
#define JIT_CODE_MOVE		1
#define JIT_CODE_DEBUG_INFO	2

struct jitdump {
	int fd;
	uint64_t index;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static int put(struct jitdump *jd, const void *p, size_t len)
{
	return write(jd->fd, p, len) == (ssize_t)len ? 0 : -1;
}

/* A record's prefix: id, total size, timestamp. */
static int put_prefix(struct jitdump *jd, uint32_t id, size_t size)
{
	struct {
		uint32_t id, size;
		uint64_t time_ns;
	} prefix = { id, 16 + size, now_ns() };

	return put(jd, &prefix, sizeof(prefix));
}

/* The header, then the file mapped executable: perf's marker. */
static int jitdump_open(struct jitdump *jd)
{
	struct {
		uint32_t magic, version, total_size, elf_mach, pad1, pid;
		uint64_t timestamp, flags;
	} hdr = { JITDUMP_MAGIC, 1, sizeof(hdr), 62 /* EM_X86_64 */, 0,
		  (uint32_t)getpid(), now_ns(), 0 };
	char path[64];

	snprintf(path, sizeof(path), "jit-%d.dump", (int)getpid());
	jd->fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (jd->fd < 0 || put(jd, &hdr, sizeof(hdr)))
		return -1;
	return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, jd->fd,
		    0) == MAP_FAILED ? -1 : 0;
}

/*
 * CODE_DEBUG_INFO for the code about to load at @mem: offsets 0, 4, 9
 * and 13 (the prologue, mov, the loop, the epilogue) are lines @line0 to
 * @line0 + 3 of @file.
 */
static int jitdump_debug(struct jitdump *jd, void *mem, const char *file,
			 uint32_t line0)
{
	static const unsigned int offsets[] = { 0, 4, 9, 13 };
	uint64_t head[2] = { (uintptr_t)mem, 4 };
	size_t flen = strlen(file) + 1, size = sizeof(head);
	unsigned int i;

	size += 4 * (16 + flen);
	if (put_prefix(jd, JIT_CODE_DEBUG_INFO, size) ||
	    put(jd, head, sizeof(head)))
		return -1;
	for (i = 0; i < 4; i++) {
		struct {
			uint64_t addr;
			uint32_t line, discrim;
		} e = { (uintptr_t)mem + offsets[i], line0 + i, 0 };

		if (put(jd, &e, sizeof(e)) || put(jd, file, flen))
			return -1;
	}
	return 0;
}

static int jitdump_load(struct jitdump *jd, void *mem, size_t len,
			const char *name)
{
	struct {
		uint32_t pid, tid;
		uint64_t vma, code_addr, code_size, code_index;
	} load = { getpid(), getpid(), (uintptr_t)mem, (uintptr_t)mem, len,
		   ++jd->index };
	size_t nlen = strlen(name) + 1;

	if (put_prefix(jd, JIT_CODE_LOAD, sizeof(load) + nlen + len) ||
	    put(jd, &load, sizeof(load)) || put(jd, name, nlen))
		return -1;
	return put(jd, mem, len);
}

static int jitdump_move(struct jitdump *jd, void *from, void *to, size_t len)
{
	struct {
		uint32_t pid, tid;
		uint64_t vma, old_addr, new_addr, code_size, code_index;
	} move = { getpid(), getpid(), (uintptr_t)to, (uintptr_t)from,
		   (uintptr_t)to, len, jd->index };

	if (put_prefix(jd, JIT_CODE_MOVE, sizeof(move)))
		return -1;
	return put(jd, &move, sizeof(move));
}

/* @code into @page (RW, then RX again), where it is run from. */
static int place(void *page, const unsigned char *code, size_t len)
{
	if (mprotect(page, 4096, PROT_READ | PROT_WRITE))
		return -1;
	memcpy(page, code, len);
	return mprotect(page, 4096, PROT_READ | PROT_EXEC);
}

static int run_dump(const unsigned char *code, size_t len, double secs)
{
	struct jitdump jd = { -1, 0 };
	char *pages;

	pages = mmap(NULL, 2 * 4096, PROT_READ | PROT_EXEC,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || jitdump_open(&jd))
		return 1;
	/* Phase 1: jit_alpha at A. */
	if (place(pages, code, len) ||
	    jitdump_debug(&jd, pages, "jit_alpha.js", 10) ||
	    jitdump_load(&jd, pages, len, "jit_alpha"))
		return 1;
	jit_caller((void (*)(void))pages, now_s() + secs / 3);
	/* Phase 2: moved to B. */
	if (place(pages + 4096, code, len) ||
	    jitdump_move(&jd, pages, pages + 4096, len))
		return 1;
	jit_caller((void (*)(void))(pages + 4096), now_s() + secs / 3);
	/* Phase 3: jit_beta at A. */
	if (place(pages, code, len) ||
	    jitdump_debug(&jd, pages, "jit_beta.js", 20) ||
	    jitdump_load(&jd, pages, len, "jit_beta"))
		return 1;
	jit_caller((void (*)(void))pages, now_s() + secs / 3);
	return close(jd.fd) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *map = argc == 4 ? argv[3] : "";
	const unsigned char *code;
	char path[64];
	size_t len;
	void *mem;

	if (argc < 3 || argc > 4 ||
	    (strcmp(argv[1], "fp") && strcmp(argv[1], "nofp")) ||
	    (argc == 4 && strcmp(map, "map") && strcmp(map, "map-rm") &&
	     strcmp(map, "dump"))) {
		fprintf(stderr, "usage: jit fp|nofp SECS [map|map-rm|dump]\n");
		return 2;
	}
	code = strcmp(argv[1], "fp") ? code_nofp : code_fp;
	len = strcmp(argv[1], "fp") ? sizeof(code_nofp) : sizeof(code_fp);
	if (!strcmp(map, "dump"))
		return run_dump(code, len, atof(argv[2]));
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	memcpy(mem, code, len);
	if (mprotect(mem, 4096, PROT_READ | PROT_EXEC))
		return 1;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	if (!strncmp(map, "map", 3) && write_perf_map(path, mem, len, argv[1]))
		return 1;
	jit_caller((void (*)(void))mem, now_s() + atof(argv[2]));
	if (!strcmp(map, "map-rm"))
		unlink(path);
	return 0;
}
