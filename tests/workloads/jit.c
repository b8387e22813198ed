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
 */
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

int main(int argc, char **argv)
{
	const char *map = argc == 4 ? argv[3] : "";
	const unsigned char *code;
	char path[64];
	size_t len;
	void *mem;

	if (argc < 3 || argc > 4 ||
	    (strcmp(argv[1], "fp") && strcmp(argv[1], "nofp")) ||
	    (argc == 4 && strcmp(map, "map") && strcmp(map, "map-rm"))) {
		fprintf(stderr, "usage: jit fp|nofp SECS [map|map-rm]\n");
		return 2;
	}
	code = strcmp(argv[1], "fp") ? code_nofp : code_fp;
	len = strcmp(argv[1], "fp") ? sizeof(code_nofp) : sizeof(code_fp);
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	memcpy(mem, code, len);
	if (mprotect(mem, 4096, PROT_READ | PROT_EXEC))
		return 1;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	if (*map && write_perf_map(path, mem, len, argv[1]))
		return 1;
	jit_caller((void (*)(void))mem, now_s() + atof(argv[2]));
	if (!strcmp(map, "map-rm"))
		unlink(path);
	return 0;
}
