/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lib layer: small helpers every sonde command shares: diagnostics, the
 * usage-error convention, number and list parsing, growable buffers.
 *
 * Error convention: every function returns 0 (or a count) on success and a
 * negative errno on failure.  A bad command line is reported with
 * usage_error(), which prints one line and returns -SONDE_EUSAGE; only
 * main() turns these values into exit codes (2 for usage, 1 otherwise).
 */
#ifndef SONDE_UTIL_H
#define SONDE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

/* Not an errno value: the command line was wrong (exit status 2). */
#define SONDE_EUSAGE	4096

/* Named as in the kernel, so format checking reads the same. */
#define __printf(a, b)	__attribute__((format(printf, a, b)))
/* A parameter a callback's type has and this callback does not need. */
#define __always_unused	__attribute__((unused))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define ALIGN8(x)	(((x) + 7) & ~(__u64)7)
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))

void pr_err(const char *fmt, ...) __printf(1, 2);
void pr_warn(const char *fmt, ...) __printf(1, 2);
int usage_error(const char *fmt, ...) __printf(1, 2);

/*
 * parse_u64, parse_u32 - a whole string of decimal digits (no spaces, no
 * sign, no 0x; leading zeros are decimal).  -EINVAL or -ERANGE.
 */
int parse_u64(const char *s, __u64 *out);
int parse_u32(const char *s, __u32 *out);
/* parse_double - decimal ("2", "0.5", "1e3"): no spaces, inf, nan, hex. */
int parse_double(const char *s, double *out);

/*
 * parse_cpu_list - "0,2-3" into a bitmap of @nbits bits (little endian
 * __u64 words, the layout of sonde_config.cpumask_ptr).
 */
int parse_cpu_list(const char *s, __u64 *mask, unsigned int nbits);

/* parse_pid_list - "12,34" into a newly allocated array; 0 is refused. */
int parse_pid_list(const char *s, __u32 **pids, unsigned int *nr);
/*
 * parse_id_list - the same with 0 allowed: a filter's "0" selects what
 * samples report as pid 0 (idle, and tasks outside the pid namespace).
 */
int parse_id_list(const char *s, __u32 **ids, unsigned int *nr);

/* pwrite_all - all of @len at @off, retrying short writes; 0 or -errno. */
int pwrite_all(int fd, const void *buf, size_t len, __u64 off);

/*
 * read_file - whole file (procfs too: size is not trusted) into memory,
 * NUL-terminated.  Only a regular file is read (open_regular()).
 */
int read_file(const char *path, char **buf, size_t *len);

/*
 * proc_status_u32 - the number after "@field:" (say "Tgid", "Threads")
 * in /proc/@pid/status, proc(5)'s format.  0, -ENOENT (no such process
 * or field), -ERANGE (above UINT32_MAX) or read_file()'s -errno.
 */
int proc_status_u32(__u32 pid, const char *field, __u32 *val);

/*
 * struct buf - a growable byte buffer; used to build sections whose size is
 * only known at the end.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

int buf__reserve(struct buf *b, size_t extra);
int buf__append(struct buf *b, const void *p, size_t len);
int buf__pad8(struct buf *b);
void buf__free(struct buf *b);
/* buf__printf - printf appended to @b (no NUL); 0 or -ENOMEM. */
int buf__printf(struct buf *b, const char *fmt, ...) __printf(2, 3);
int buf__vprintf(struct buf *b, const char *fmt, va_list ap) __printf(2, 0);

/*
 * buf__append_fd - the content of @fd from offset 0 to its end, at most
 * @cap bytes of it, appended to @b; *@cut tells whether there was more.
 * For files a live process may still be writing: the size is not
 * trusted, reading stops at the end of file it sees.  Returns 0, -ENOMEM
 * or the -errno of lseek/read.
 */
int buf__append_fd(struct buf *b, int fd, size_t cap, bool *cut);

__u64 now_ns(int clock);

/*
 * advise_huge - @p (@size bytes of heap) is a large array about to be
 * filled: ask for transparent huge pages, so it faults in 2 MiB at a
 * time rather than 4 KiB (page faults were a fifth of building a
 * profile).  Below 4 MiB, and where THP is off, it does nothing.
 */
void advise_huge(void *p, size_t size);

/* @a + @b, or UINT64_MAX when the sum does not fit: counts never wrap. */
static inline __u64 sat_add_u64(__u64 a, __u64 b)
{
	__u64 sum;

	return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

struct option;

/*
 * opt_error - the usage error for getopt_long()'s '?' or ':' result (run
 * with a ':' optstring prefix and opterr = 0, so getopt prints nothing).
 * @longopts is the table given to getopt_long(), to name long options as
 * typed ("--children=yes" takes no value, "--chil" is ambiguous...).
 */
int opt_error(const char *cmd, int c, char **argv,
	      const struct option *longopts);

#endif /* SONDE_UTIL_H */
