// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: sonde serve: parse the command line, read the token file,
 * and run the HTTP server (serve/server.h) in the foreground until
 * SIGINT or SIGTERM.  Runs on the main thread, before any other exists.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmds.h"
#include "lib/util.h"
#include "serve/server.h"

/* Shorter than this, a token is a password someone could guess. */
#define SERVE_MIN_TOKEN	16

void help_serve(FILE *f)
{
	fprintf(f,
"usage: sonde serve [-l ADDR[:PORT]] [--token-file FILE] [--max-seconds N]\n"
"                   [--max-connections N] [--max-per-ip N] [--timeout SECS]\n"
"                   [--source SOURCE]\n"
"\n"
"Serve profiles over HTTP, in the foreground, until SIGINT or SIGTERM:\n"
"  GET  /debug/pprof/profile?seconds=N  gzip pprof of every task, as Go's\n"
"                         net/http/pprof (go tool pprof http://HOST:PORT/...)\n"
"  GET  /flamegraph?seconds=N  an interactive SVG flame graph\n"
"  GET  /metrics          Prometheus metrics of the module and the server\n"
"  GET  /stacks?pid=PID   every thread's stack now (needs the module)\n"
"  GET  /counters         the counters and their last minutes (and .json)\n"
"  GET  /                 an index page\n"
"  POST /profile/start    start a profile, answers its ID\n"
"  POST /profile/stop?id=ID[&format=FMT]  stop it and send it\n"
"Profiles take pid=, comm=, event= and hz= filters; one runs at a time.\n"
"\n"
"  -l, --listen ADDR[:PORT]  where to listen (default 127.0.0.1:%d);\n"
"                         [ADDR6]:PORT for IPv6, port 0 for any free one\n"
"      --token-file FILE  require Authorization: Bearer TOKEN, TOKEN being\n"
"                         FILE's first line (%d bytes or more); needed to\n"
"                         listen on an address other than loopback\n"
"      --max-seconds N    longest profile served (default %d)\n"
"      --max-connections N  connections at once (default %d)\n"
"      --max-per-ip N     connections at once from one address (default %d)\n"
"      --timeout SECS     close a connection idle this long (default %d)\n"
"      --source SOURCE    record's --source: sonde (the module, or answer\n"
"                         503 while it is absent) or perf; default: the\n"
"                         module, perf_event_open without it\n"
"  -h, --help             this help\n",
		SERVE_DEFAULT_PORT, SERVE_MIN_TOKEN, SERVE_DEFAULT_MAX_SECONDS,
		SERVE_DEFAULT_MAX_CONNECTIONS, SERVE_DEFAULT_MAX_PER_IP,
		SERVE_DEFAULT_TIMEOUT);
}

/* The token: the file's first line, printable ASCII without spaces. */
static int read_token(const char *path, char **token, size_t *len)
{
	size_t size, i;
	char *text;
	int err;

	err = read_file(path, &text, &size);
	if (err) {
		pr_err("serve: cannot read the token file %s: %s", path,
		       strerror(-err));
		return err;
	}
	*len = strcspn(text, "\r\n");
	text[*len] = 0;
	for (i = 0; i < *len; i++)
		if (text[i] <= ' ' || text[i] > '~')
			break;
	if (i < *len || *len < SERVE_MIN_TOKEN) {
		free(text);
		return usage_error("serve: the token in %s must be at least %d printable characters without spaces, on its first line",
				   path, SERVE_MIN_TOKEN);
	}
	*token = text;
	return 0;
}

static int parse_count(const char *opt, const char *arg, unsigned int *out,
		       unsigned int max)
{
	__u32 v;

	if (parse_u32(arg, &v) || !v || v > max)
		return usage_error("serve: %s needs a number from 1 to %u, not '%s'",
				   opt, max, arg);
	*out = v;
	return 0;
}

static int parse_serve_args(int argc, char **argv, struct serve_opts *o,
			    const char **token_file)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "token-file", required_argument, NULL, 'T' },
		{ "max-seconds", required_argument, NULL, 'M' },
		{ "max-connections", required_argument, NULL, 'C' },
		{ "max-per-ip", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 'O' },
		{ "source", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	bool loopback = true;
	int c, err;

	o->listen = "127.0.0.1";
	o->max_seconds = SERVE_DEFAULT_MAX_SECONDS;
	o->max_connections = SERVE_DEFAULT_MAX_CONNECTIONS;
	o->max_per_ip = SERVE_DEFAULT_MAX_PER_IP;
	o->timeout = SERVE_DEFAULT_TIMEOUT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:h", longopts, NULL)) != -1) {
		err = 0;
		switch (c) {
		case 'l':
			o->listen = optarg;
			break;
		case 'T':
			*token_file = optarg;
			break;
		case 'M':
			/* A day: longer belongs to sonde record. */
			err = parse_count("--max-seconds", optarg,
					  &o->max_seconds, 86400);
			break;
		case 'C':
			err = parse_count("--max-connections", optarg,
					  &o->max_connections, 65536);
			break;
		case 'P':
			err = parse_count("--max-per-ip", optarg,
					  &o->max_per_ip, 65536);
			break;
		case 'O':
			err = parse_count("--timeout", optarg, &o->timeout,
					  86400);
			break;
		case 'S':
			if (strcmp(optarg, "sonde") && strcmp(optarg, "perf"))
				return usage_error("serve: --source needs sonde or perf, not '%s'",
						   optarg);
			o->source = optarg;
			break;
		case 'h':
			help_serve(stdout);
			return 1;
		default:
			return opt_error("serve", c, argv, longopts);
		}
		if (err)
			return err;
	}
	if (optind < argc)
		return usage_error("serve: unexpected argument '%s'",
				   argv[optind]);
	if (serve_addr__parse(o->listen, o, &loopback))
		return usage_error("serve: --listen needs ADDR[:PORT] with a numeric address such as 127.0.0.1:%d or [::1]:%d, not '%s'",
				   SERVE_DEFAULT_PORT, SERVE_DEFAULT_PORT,
				   o->listen);
	/* Profiles show every process's code: not to the network, unasked. */
	if (!loopback && !*token_file)
		return usage_error("serve: listening on %s, beyond this machine, needs --token-file",
				   o->listen);
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o = { 0 };
	const char *token_file = NULL;
	char *token = NULL;
	int err;

	err = parse_serve_args(argc, argv, &o, &token_file);
	if (err)
		return err > 0 ? 0 : err;
	if (token_file) {
		err = read_token(token_file, &token, &o.token_len);
		if (err)
			return err;
		o.token = token;
	}
	err = server__run(&o);
	free(token);
	return err;
}
