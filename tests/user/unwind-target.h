/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The call chains test-unwind.c unwinds (unwind-target.c), and the
 * registers and stack they leave, as the module records them.
 */
#ifndef SONDE_TEST_UNWIND_TARGET_H
#define SONDE_TEST_UNWIND_TARGET_H

#include <stddef.h>
#include <stdint.h>

#define CAPTURE_MAX	8192

struct capture {
	uint64_t ip, sp, bp;
	uint64_t size;			/* bytes of @stack, from @sp up */
	unsigned char stack[CAPTURE_MAX];
};

/*
 * unwind_target_run - fill @c in unwind_target_capture(), reached through
 * unwind_target_run() -> _a() -> _b() -> qsort() -> _cmp() (frameless
 * code, CFI only), copying @want bytes of stack (at most CAPTURE_MAX, and
 * not past @stack_end).  Returns 0.
 */
int unwind_target_run(struct capture *c, size_t want, uintptr_t stack_end);

/*
 * unwind_target_run_fp - the same through unwind_target_run_fp() ->
 * _fp_a() -> _fp_b() -> _fp_leaf(), all with frame pointers, but the
 * capturing leaf without: the frame-pointer chain misses _fp_leaf().
 */
int unwind_target_run_fp(struct capture *c, size_t want,
			 uintptr_t stack_end);

#endif /* SONDE_TEST_UNWIND_TARGET_H */
