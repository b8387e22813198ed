/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Serve layer: sonde serve's HTTP server (libmicrohttpd): profiles in
 * Go's net/http/pprof shape, a flame graph, Prometheus metrics and an
 * index page, for as long as the process runs.
 *
 * Threads: server__run() blocks SIGINT and SIGTERM, starts the daemon
 * (one thread per connection, so a handler may block for a profile's
 * whole duration without stalling other clients, plus libmicrohttpd's
 * listening thread and the server's reaper of unstopped profiles), and
 * waits for one of the signals in the calling thread.  Every piece of
 * shared state lives in one struct server behind one mutex.
 */
#ifndef SONDE_SERVE_SERVER_H
#define SONDE_SERVE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define SERVE_DEFAULT_PORT		6060	/* Go programs' usual pprof port */
#define SERVE_DEFAULT_MAX_SECONDS	300
#define SERVE_DEFAULT_MAX_CONNECTIONS	512
#define SERVE_DEFAULT_MAX_PER_IP	256
#define SERVE_DEFAULT_TIMEOUT		30	/* s of idleness per connection */

/*
 * struct serve_opts - how to serve; read, never written or kept past
 * server__run().
 * @addr, @addr_len: where to listen (IPv4 or IPv6)
 * @listen: the address as the user wrote it, for messages
 * @token: the bearer token every request must carry; NULL: none
 * @token_len: its bytes
 * @max_seconds: longest profile served (a longer one is a 400)
 * @max_connections, @max_per_ip: concurrent connections, in all and per
 *	client address (libmicrohttpd refuses the connection beyond them)
 * @timeout: seconds a connection may stay idle
 * @source: record's --source for every recording: "sonde", "perf", or
 *	NULL (record's default: the module, perf_event_open without it)
 */
struct serve_opts {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	const char *listen;
	const char *token;
	size_t token_len;
	unsigned int max_seconds;
	unsigned int max_connections;
	unsigned int max_per_ip;
	unsigned int timeout;
	const char *source;
};

/*
 * serve_addr__parse - "ADDR:PORT", "[ADDR6]:PORT", ":PORT" (127.0.0.1)
 * or "ADDR" (port SERVE_DEFAULT_PORT) into @o->addr; addresses are
 * numeric, no host names.  *@loopback says whether it is 127.0.0.0/8
 * or ::1.  Returns 0 or -EINVAL.
 */
int serve_addr__parse(const char *s, struct serve_opts *o, bool *loopback);

/*
 * server__run - serve as @o says until SIGINT or SIGTERM.  Logs each
 * request and each failure to stderr, one line each.  Returns 0 after a
 * clean stop (children stopped, temporary files removed) or a negative
 * errno when the server could not start (the reason printed).
 */
int server__run(const struct serve_opts *o);

#endif /* SONDE_SERVE_SERVER_H */
