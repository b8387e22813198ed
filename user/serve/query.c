// SPDX-License-Identifier: GPL-2.0
/*
 * Serve layer: a profile request's query parameters and the bearer-token
 * check (query.h).  No state: called from every connection thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"
#include "serve/query.h"

/*
 * Go reads seconds with strconv.ParseInt(s, 10, 64): an optional sign,
 * then decimal digits and nothing else.  A value that does not parse or
 * is not above 0 becomes the default; one that parses but is too large
 * for an int64 fails to parse there too, so it becomes the default here
 * as well.
 */
int serve_seconds__parse(const char *arg, unsigned int max,
			 unsigned int *seconds)
{
	const char *p = arg;
	__u64 v = 0;
	bool neg = false;

	*seconds = SERVE_DEFAULT_SECONDS;
	if (p && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (p && *p) {
		for (; *p >= '0' && *p <= '9'; p++) {
			if (v > (INT64_MAX - 9) / 10) {
				v = 0;	/* out of int64's range */
				break;
			}
			v = v * 10 + (*p - '0');
		}
		if (!*p && !neg && v > 0)
			*seconds = v > UINT32_MAX ? UINT32_MAX : v;
	}
	return *seconds > max ? -E2BIG : 0;
}

static const struct serve_format formats[] = {
	/* Go's net/http/pprof sends a profile as this download. */
	{ "pprof", "application/octet-stream", "profile" },
	{ "svg", "image/svg+xml", NULL },
	{ "folded", "text/plain; charset=utf-8", NULL },
	{ "perf-script", "text/plain; charset=utf-8", NULL },
	{ "perfview", "application/xml", "profile.perfView.xml" },
	{ "speedscope", "application/json", "profile.speedscope.json" },
	{ "chrome", "application/json", "profile.trace.json" },
};

const struct serve_format *serve_format__find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(formats); i++)
		if (!strcmp(formats[i].name, name))
			return &formats[i];
	return NULL;
}

/* A value that is empty or too long is refused rather than passed on. */
static bool arg_ok(const char *v)
{
	return v && *v && strlen(v) <= SERVE_MAX_ARG;
}

int serve_query__parse(struct serve_query *q, serve_arg_fn get, void *ctx,
		       unsigned int max_seconds, const char **why)
{
	const char *v;
	__u32 *pids;
	unsigned int nr;

	memset(q, 0, sizeof(*q));
	*why = NULL;
	v = get(ctx, "hz");
	if (v && (parse_u32(v, &q->hz) || !q->hz)) {
		*why = "hz needs a frequency in Hz above 0";
		return -EINVAL;
	}
	q->pid = get(ctx, "pid");
	if (q->pid) {
		if (!arg_ok(q->pid) || parse_pid_list(q->pid, &pids, &nr)) {
			*why = "pid needs a list of process ids like 12,34";
			return -EINVAL;
		}
		free(pids);
	}
	q->comm = get(ctx, "comm");
	if (q->comm && !arg_ok(q->comm)) {
		*why = "comm needs a process name";
		return -EINVAL;
	}
	q->event = get(ctx, "event");
	if (q->event && !arg_ok(q->event)) {
		*why = "event needs an event name such as cpu-clock";
		return -EINVAL;
	}
	v = get(ctx, "weight");
	if (v) {
		static const char *const weights[] = { "cpu", "off", "wall" };
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(weights); i++)
			if (!strcmp(v, weights[i]))
				q->weight = weights[i];
		if (!q->weight) {
			*why = "weight needs cpu, off or wall";
			return -EINVAL;
		}
	}
	q->format = get(ctx, "format");
	if (!q->format)
		q->format = "pprof";
	if (!serve_format__find(q->format)) {
		*why = "format needs one of pprof, svg, folded, perf-script, perfview, speedscope, chrome";
		return -EINVAL;
	}
	return serve_seconds__parse(get(ctx, "seconds"), max_seconds,
				    &q->seconds);
}

bool serve_token__equal(const char *given, size_t given_len,
			const char *token, size_t token_len)
{
	/* Any length difference is a difference, found without a branch. */
	unsigned int diff = given_len != token_len;
	size_t i;

	if (!token_len)
		return false;
	for (i = 0; i < given_len; i++)
		diff |= (unsigned char)given[i] ^
			(unsigned char)token[i % token_len];
	return !diff;
}

bool serve_token__check(const char *authorization, const char *token,
			size_t token_len)
{
	static const char scheme[] = "Bearer ";
	const char *given;

	if (!authorization ||
	    strncasecmp(authorization, scheme, sizeof(scheme) - 1))
		return false;
	given = authorization + sizeof(scheme) - 1;
	while (*given == ' ')
		given++;
	return serve_token__equal(given, strlen(given), token, token_len);
}
