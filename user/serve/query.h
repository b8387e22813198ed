/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Serve layer: what a profile request asks for, read from its query
 * string, and the bearer-token check; pure functions with no state, safe
 * from any of the server's connection threads.
 *
 * The seconds rule is Go's net/http/pprof (pprof.Profile): a value that
 * is missing, not a base-10 integer, or not above 0 means 30 seconds,
 * and a duration the server would not wait for is a 400.  The other
 * parameters are sonde's own and, unlike seconds, refused when invalid:
 * a filter silently dropped would return a profile of something else.
 */
#ifndef SONDE_SERVE_QUERY_H
#define SONDE_SERVE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define SERVE_DEFAULT_SECONDS	30	/* Go's, for a missing seconds */
#define SERVE_MAX_ARG		256	/* bytes of a pid/comm/event value */

/*
 * Looks up query parameter @key of a request; NULL when absent.  The
 * string stays valid for as long as the request (MHD's storage).
 */
typedef const char *(*serve_arg_fn)(void *ctx, const char *key);

/*
 * struct serve_query - a profile request's parameters.  The strings point
 * into the request (see serve_arg_fn) and are only read by the child
 * that records: they are passed as one argv word each, never through a
 * shell.
 * @seconds: how long to record, 1 to the server's limit
 * @hz: samples per second per CPU; 0: record's default
 * @pid: a list of process ids ("12,34"), checked; NULL: every task (-a)
 * @comm: keep the samples of processes of this name; NULL: all
 * @event: record's -e list, checked by record itself; NULL: cpu-clock
 * @format: the export format's name (serve_format__find()); "pprof"
 *	when absent
 * @weight: export's --weight, "cpu", "off" or "wall" (static strings;
 *	off and wall record with --off-cpu); NULL: export's default
 */
struct serve_query {
	unsigned int seconds;
	__u32 hz;
	const char *pid;
	const char *comm;
	const char *event;
	const char *format;
	const char *weight;
};

/*
 * serve_seconds__parse - Go's seconds: @arg (NULL when absent) as above
 * into *@seconds.  Returns 0, or -E2BIG when the duration (30 for an
 * invalid one) is above @max: *@seconds then holds it, for the message.
 */
int serve_seconds__parse(const char *arg, unsigned int max,
			 unsigned int *seconds);

/*
 * serve_query__parse - every parameter of @q from @get.  Returns 0 or
 * -EINVAL with *@why set to a one-line reason for the client (a static
 * string naming the parameter), -E2BIG for seconds above @max_seconds
 * (see serve_seconds__parse()).
 */
int serve_query__parse(struct serve_query *q, serve_arg_fn get, void *ctx,
		       unsigned int max_seconds, const char **why);

/*
 * struct serve_format - an export format as served: sonde export's -f
 * name, the Content-Type it is sent with, and the file name suggested by
 * Content-Disposition (NULL: shown inline, not downloaded).
 */
struct serve_format {
	const char *name;
	const char *content_type;
	const char *filename;
};

/* The format named @name (sonde export -f's names), or NULL. */
const struct serve_format *serve_format__find(const char *name);

/*
 * serve_token__equal - whether @given (@given_len bytes) is @token
 * (@token_len bytes), in a time that depends on @given_len alone: how
 * much of a guess is right does not show in how long the answer takes.
 */
bool serve_token__equal(const char *given, size_t given_len,
			const char *token, size_t token_len);

/*
 * serve_token__check - whether the value of an Authorization header
 * (NULL when absent) is "Bearer " and @token (RFC 6750; the scheme's
 * case does not matter, RFC 7235).
 */
bool serve_token__check(const char *authorization, const char *token,
			size_t token_len);

#endif /* SONDE_SERVE_QUERY_H */
