// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: diagnostics, parsing and buffer helpers shared by every
 * command. Nothing here keeps state between calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/untrusted.h"
#include "lib/util.h"

/*
 * Messages quote paths and names from recordings: one message, one line,
 * whatever they hold (text_clean()).
 */
static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	char *msg, *p;

	if (vasprintf(&msg, fmt, ap) < 0) {
		fprintf(stderr, "sonde: %s(out of memory)\n", prefix);
		return;
	}
	for (p = msg; *p; p++)
		*p = text_char(*p);
	fprintf(stderr, "sonde: %s%s\n", prefix, msg);
	free(msg);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	return -SONDE_EUSAGE;
}

int parse_u64(const char *s, __u64 *out)
{
	unsigned long long v;
	char *end;

	/* strtoull() alone takes spaces, signs, 0x and octal 0144. */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_u32(const char *s, __u32 *out)
{
	__u64 v;
	int err = parse_u64(s, &v);

	if (err)
		return err;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	/* Plain decimal: no spaces, signs, hex, inf or nan. */
	if (!s || !*s || strspn(s, "0123456789.eE+-") != strlen(s) ||
	    !((*s >= '0' && *s <= '9') || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || v != v)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_cpu_list(const char *s, __u64 *mask, unsigned int nbits)
{
	const char *p = s;

	if (!*p)
		return -EINVAL;
	while (*p) {
		unsigned long lo, hi;
		char *end;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		lo = strtoul(p, &end, 10);
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			hi = strtoul(p, &end, 10);
		}
		if (hi < lo || hi >= nbits)
			return -ERANGE;
		for (; lo <= hi; lo++)
			mask[lo / 64] |= 1ULL << (lo % 64);
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return -EINVAL;
	}
	return 0;
}

static int parse_list(const char *s, __u32 **pids, unsigned int *nr,
		      bool allow_zero)
{
	unsigned int n = 1, i = 0;
	const char *p;
	char *copy, *tok, *save;
	__u32 *arr;

	for (p = s; *p; p++)
		n += *p == ',';
	arr = calloc(n, sizeof(*arr));
	copy = strdup(s);
	if (!arr || !copy) {
		free(arr);
		free(copy);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (parse_u32(tok, &arr[i]) || (arr[i] == 0 && !allow_zero))
			goto err_inval;
		i++;
	}
	if (i != n)
		goto err_inval;
	free(copy);
	*pids = arr;
	*nr = n;
	return 0;

err_inval:
	free(copy);
	free(arr);
	return -EINVAL;
}

int parse_pid_list(const char *s, __u32 **pids, unsigned int *nr)
{
	return parse_list(s, pids, nr, false);
}

int parse_id_list(const char *s, __u32 **ids, unsigned int *nr)
{
	return parse_list(s, ids, nr, true);
}

int read_file(const char *path, char **out, size_t *out_len)
{
	struct buf b = { 0 };
	int fd, err = 0;

	fd = open_regular(path);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n;

		err = buf__reserve(&b, 65536 + 1);
		if (err)
			break;
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		b.len += n;
	}
	close(fd);
	if (err) {
		buf__free(&b);
		return err;
	}
	if (!b.data && buf__reserve(&b, 1))
		return -ENOMEM;
	/* NUL-terminate so text files can be parsed with string functions. */
	b.data[b.len] = '\0';
	*out = b.data;
	*out_len = b.len;
	return 0;
}

int proc_status_u32(__u32 pid, const char *field, __u32 *val)
{
	char path[64], key[64], *text, *line, *end;
	unsigned long long n;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	if (snprintf(key, sizeof(key), "\n%s:", field) >= (int)sizeof(key))
		return -ENOENT;
	err = read_file(path, &text, &len);
	if (err)
		return err;
	line = strstr(text, key);
	err = -ENOENT;
	if (line) {
		errno = 0;
		n = strtoull(line + strlen(key), &end, 10);
		if (end == line + strlen(key))
			err = -ENOENT;
		else if (errno || n > UINT32_MAX)
			err = -ERANGE;
		else
			err = 0;
		if (!err)
			*val = n;
	}
	free(text);
	return err;
}

int buf__reserve(struct buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->len + extra <= b->cap)
		return 0;
	while (cap < b->len + extra)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf__append(struct buf *b, const void *p, size_t len)
{
	int err = buf__reserve(b, len);

	if (err)
		return err;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	return 0;
}

int buf__vprintf(struct buf *b, const char *fmt, va_list ap)
{
	char *s;
	int n, err;

	n = vasprintf(&s, fmt, ap);
	if (n < 0)
		return -ENOMEM;
	err = buf__append(b, s, n);
	free(s);
	return err;
}

int buf__printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = buf__vprintf(b, fmt, ap);
	va_end(ap);
	return err;
}

int buf__pad8(struct buf *b)
{
	static const char zero[8];

	return buf__append(b, zero, ALIGN8(b->len) - b->len);
}

#define READ_CHUNK	(256 * 1024)

int buf__append_fd(struct buf *b, int fd, size_t cap, bool *cut)
{
	size_t start = b->len, want;
	ssize_t n;
	int err;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		/* One byte past the cap tells a cut file from a full one. */
		want = min_t(size_t, READ_CHUNK, cap + 1 - (b->len - start));
		if (!want)
			break;
		err = buf__reserve(b, want);
		if (err)
			return err;
		n = read(fd, b->data + b->len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		b->len += n;
	}
	*cut = b->len - start > cap;
	if (*cut)
		b->len = start + cap;
	return 0;
}

void buf__free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

__u64 now_ns(int clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * The long option @arg ("--name" or "--name=value") names in @longopts:
 * exactly, or as the only one it abbreviates.  *@nr counts candidates.
 */
static const struct option *find_long(const struct option *longopts,
				      const char *arg, unsigned int *nr)
{
	size_t len = strcspn(arg + 2, "=");
	const struct option *o, *hit = NULL;

	*nr = 0;
	for (o = longopts; o && o->name; o++) {
		if (strncmp(o->name, arg + 2, len))
			continue;
		if (strlen(o->name) == len) {
			*nr = 1;
			return o;
		}
		hit = o;
		(*nr)++;
	}
	return *nr == 1 ? hit : NULL;
}

int opt_error(const char *cmd, int c, char **argv,
	      const struct option *longopts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const struct option *o;
	unsigned int nr;

	/*
	 * getopt_long() reports a long option given a value it does not
	 * take by the option's short letter; name what was typed instead.
	 */
	if (arg && !strncmp(arg, "--", 2) && arg[2]) {
		size_t len = strcspn(arg + 2, "=");

		o = find_long(longopts, arg, &nr);
		if (nr > 1)
			return usage_error("%s: option '--%.*s' is ambiguous (try 'sonde %s --help')",
					   cmd, (int)len, arg + 2, cmd);
		if (!o)
			return usage_error("%s: unknown option '--%.*s' (try 'sonde %s --help')",
					   cmd, (int)len, arg + 2, cmd);
		if (arg[2 + len] == '=' && o->has_arg == no_argument)
			return usage_error("%s: option '--%s' takes no value (try 'sonde %s --help')",
					   cmd, o->name, cmd);
		if (c == ':')
			return usage_error("%s: option '--%s' needs a value (try 'sonde %s --help')",
					   cmd, o->name, cmd);
	}
	if (c == ':')
		return usage_error("%s: option '-%c' needs a value (try 'sonde %s --help')",
				   cmd, optopt, cmd);
	if (optopt && optopt != '?')
		return usage_error("%s: unknown option '-%c' (try 'sonde %s --help')",
				   cmd, optopt, cmd);
	return usage_error("%s: unknown option '%s' (try 'sonde %s --help')",
			   cmd, arg, cmd);
}

int pwrite_all(int fd, const void *buf, size_t len, __u64 off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return 0;
}

void advise_huge(void *p, size_t size)
{
	unsigned long start = ((unsigned long)p + 4095) & ~4095UL;
	unsigned long end = ((unsigned long)p + size) & ~4095UL;

	if (size >= (4U << 20) && end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
}
