// SPDX-License-Identifier: GPL-2.0
/*
 * Sanitizer defaults for the ASan/UBSan build of the tool and of the host
 * tests (issue 7 item 14).  A sanitizer finding must fail the test that
 * ran into it: sonde's own failures exit 1 or 2, so ASan exits 99, and
 * UBSan, built without recovery, aborts.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "exitcode=99:detect_leaks=1:abort_on_error=0";
}

const char *__ubsan_default_options(void)
{
	return "print_stacktrace=1:halt_on_error=1";
}
