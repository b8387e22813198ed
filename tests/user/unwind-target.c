// SPDX-License-Identifier: GPL-2.0
/*
 * The code test-unwind.c unwinds, built as distributions build theirs
 * (-O2 -fomit-frame-pointer, asynchronous unwind tables): only CFI can
 * find its callers.  A second chain keeps frame pointers (but not in its
 * leaf), for the frame-pointer fallback and for splicing.  The functions
 * are global and noinline so that the test names frames with dladdr();
 * work after each call keeps it from becoming a jump.
 */
#include <stdlib.h>

#include "unwind-target.h"

#define noinline	__attribute__((noinline, noclone))
#define with_fp		__attribute__((optimize("no-omit-frame-pointer")))

/* qsort() passes its comparator no context. */
static struct capture *cap;
static size_t cap_want;
static uintptr_t cap_end;

int unwind_target_capture(void);
int unwind_target_cmp(const void *x, const void *y);
int unwind_target_a(int *v, size_t n);
int unwind_target_b(int *v, size_t n);
int unwind_target_fp_leaf(void);
int unwind_target_fp_b(void);
int unwind_target_fp_a(void);

/*
 * The registers as the sampling interrupt would see them, and the stack
 * from sp up, at every call: the last comparison qsort() makes is the one
 * kept, made from libc's sort even under ASan, whose qsort() first calls
 * the comparator itself on each pair.  rep movsb, not memcpy(): ASan's
 * memcpy() would check the callers' stack redzones it reads.
 */
noinline int unwind_target_capture(void)
{
	uint64_t ip, sp, bp;
	size_t n;
	void *dst;
	const void *src;

	if (!cap)
		return 0;
	__asm__ volatile("lea 0(%%rip), %0\n\t"
			 "mov %%rsp, %1\n\t"
			 "mov %%rbp, %2"
			 : "=r" (ip), "=r" (sp), "=r" (bp));
	n = cap_want < CAPTURE_MAX ? cap_want : CAPTURE_MAX;
	if (n > cap_end - sp)
		n = cap_end - sp;
	dst = cap->stack;
	src = (const void *)sp;
	cap->ip = ip;
	cap->sp = sp;
	cap->bp = bp;
	cap->size = n;
	__asm__ volatile("rep movsb"
			 : "+D" (dst), "+S" (src), "+c" (n) : : "memory");
	return 1;
}

noinline int unwind_target_cmp(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return unwind_target_capture() + (a > b) - (a < b) - 1;
}

noinline int unwind_target_b(int *v, size_t n)
{
	qsort(v, n, sizeof(*v), unwind_target_cmp);
	return v[0] + 1;
}

noinline int unwind_target_a(int *v, size_t n)
{
	return unwind_target_b(v, n) * 3;
}

noinline int unwind_target_run(struct capture *c, size_t want,
			       uintptr_t stack_end)
{
	int v[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	int r;

	cap = c;
	cap_want = want;
	cap_end = stack_end;
	r = unwind_target_a(v, 8) - 3 * (v[0] + 1);
	cap = NULL;
	return r;
}

with_fp noinline int unwind_target_fp_leaf(void)
{
	return unwind_target_capture() * 5;
}

with_fp noinline int unwind_target_fp_b(void)
{
	return unwind_target_fp_leaf() * 7;
}

with_fp noinline int unwind_target_fp_a(void)
{
	return unwind_target_fp_b() * 11;
}

with_fp noinline int unwind_target_run_fp(struct capture *c, size_t want,
					  uintptr_t stack_end)
{
	int r;

	cap = c;
	cap_want = want;
	cap_end = stack_end;
	r = unwind_target_fp_a() - 5 * 7 * 11;
	cap = NULL;
	return r;
}
