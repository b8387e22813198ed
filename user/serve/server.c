// SPDX-License-Identifier: GPL-2.0
/*
 * Serve layer: the daemon (server.h): its start and clean stop, the
 * routing of each request, authentication, and the responses that need
 * no recording (the index page, /metrics, errors).  profile.c serves the
 * rest.
 *
 * Threads: libmicrohttpd calls handle() and request_done() on the
 * connection's own thread (MHD_USE_THREAD_PER_CONNECTION); reaper()
 * runs in its own thread; server__run()'s thread only starts, waits for
 * SIGINT/SIGTERM and stops.  Shared state is struct server, behind its
 * lock (server-internal.h).  Ordering at stop: the stop eventfd is
 * written first, so handlers waiting on a child give up, then the daemon
 * is stopped (it joins the connection threads), then the reaper, then
 * the temporary directory goes.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "serve/server-internal.h"

/* Stack of a connection thread: handlers keep their buffers on the heap. */
#define SERVE_THREAD_STACK	(256 * 1024)
/* No route reads a body: more than this is a connection to close. */
#define SERVE_MAX_BODY		(64 * 1024)

int serve_addr__parse(const char *s, struct serve_opts *o, bool *loopback)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&o->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&o->addr;
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *end;
	__u32 p = SERVE_DEFAULT_PORT;
	size_t len;

	memset(&o->addr, 0, sizeof(o->addr));
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		len = end - s - 1;
		s++;
		if (end[1])
			port = end + 2;
	} else {
		end = strrchr(s, ':');
		/* Two colons and no brackets: an IPv6 address, no port. */
		if (end && strchr(s, ':') != end)
			end = NULL;
		len = end ? (size_t)(end - s) : strlen(s);
		if (end)
			port = end + 1;
	}
	if (len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = 0;
	if (!len)
		strcpy(host, "127.0.0.1");
	if (port && (parse_u32(port, &p) || p > 65535))
		return -EINVAL;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(p);
		o->addr_len = sizeof(*in4);
		*loopback = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(p);
		o->addr_len = sizeof(*in6);
		*loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
		return 0;
	}
	return -EINVAL;
}

void server__count(struct server *s, enum serve_route route,
		   unsigned int code)
{
	pthread_mutex_lock(&s->lock);
	serve_requests__add(&s->requests, route, code);
	pthread_mutex_unlock(&s->lock);
}

/* The device node comes and goes with the module (devtmpfs). */
bool server__module_up(struct server *s __always_unused)
{
	struct stat st;

	return !stat(SONDE_DEVICE, &st) && S_ISCHR(st.st_mode);
}

enum MHD_Result server__queue(struct server *s, struct MHD_Connection *conn,
			      struct serve_request *req, unsigned int code,
			      struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES) {
		req->code = code;
		server__count(s, req->route, code);
	}
	return ret;
}

enum MHD_Result server__respond_text_hdr(struct server *s,
					 struct MHD_Connection *conn,
					 struct serve_request *req,
					 unsigned int code, const char *text,
					 const char *header, const char *value)
{
	struct MHD_Response *resp;
	char *body;
	int n;

	n = asprintf(&body, "%s\n", text);
	if (n < 0)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	if (header)
		MHD_add_response_header(resp, header, value);
	return server__queue(s, conn, req, code, resp);
}

enum MHD_Result server__respond_text(struct server *s,
				     struct MHD_Connection *conn,
				     struct serve_request *req,
				     unsigned int code, const char *text)
{
	if (code == MHD_HTTP_UNAUTHORIZED)
		return server__respond_text_hdr(s, conn, req, code, text,
						MHD_HTTP_HEADER_WWW_AUTHENTICATE,
						"Bearer realm=\"sonde\"");
	return server__respond_text_hdr(s, conn, req, code, text, NULL, NULL);
}

enum MHD_Result server__respond_buf(struct server *s,
				    struct MHD_Connection *conn,
				    struct serve_request *req, const char *type,
				    char *data, size_t len)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, data,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	return server__queue(s, conn, req, MHD_HTTP_OK, resp);
}

void server__device(struct server *s, struct serve_device *d)
{
	bool ours;

	memset(d, 0, sizeof(*d));
	if (!server__module_up(s)) {
		d->state = SERVE_DEVICE_ABSENT;
		return;
	}
	pthread_mutex_lock(&s->lock);
	/* A recording through perf_event_open leaves the device free. */
	ours = s->busy == SERVE_SLOT_STACKS ||
	       (s->busy == SERVE_SLOT_PROFILE &&
		!(s->o->source && !strcmp(s->o->source, "perf")));
	if (ours)
		d->state = SERVE_DEVICE_SERVER;
	else
		serve_device__probe(d);
	pthread_mutex_unlock(&s->lock);
}

int server__snapshot(struct server *s, struct serve_metrics *m, bool probe)
{
	struct serve_requests *req = malloc(sizeof(*req));
	struct sonde_cpu_stats *cpu = NULL;

	if (!req)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	if (probe) {
		server__device(s, &m->device);
		m->device_probed = true;
	}
	m->module_up = server__module_up(s);
	pthread_mutex_lock(&s->lock);
	if (s->nr_cpus) {
		cpu = calloc(s->nr_cpus, sizeof(*cpu));
		if (cpu) {
			memcpy(cpu, s->cpu, s->nr_cpus * sizeof(*cpu));
			m->nr_cpus = s->nr_cpus;
		}
	}
	m->cpu = cpu;
	m->sessions = s->sessions;
	m->profiles_running = s->busy == SERVE_SLOT_PROFILE;
	m->stacks_running = s->busy == SERVE_SLOT_STACKS;
	memcpy(m->profiles, s->profiles, sizeof(m->profiles));
	*req = s->requests;
	pthread_mutex_unlock(&s->lock);
	m->requests = req;
	m->start_time = s->start_time;
	if (s->nr_cpus && !cpu) {
		free(req);
		return -ENOMEM;
	}
	return 0;
}

void server__snapshot_free(struct serve_metrics *m)
{
	free((void *)m->cpu);
	free((void *)m->requests);
}

static enum MHD_Result serve_metrics(struct server *s,
				     struct MHD_Connection *conn,
				     struct serve_request *req)
{
	struct serve_metrics m;
	struct buf b = { 0 };
	int err;

	err = server__snapshot(s, &m, true);
	if (err)
		return MHD_NO;
	/* This response is counted once sent: the snapshot is before it. */
	err = metrics__format(&m, &b);
	server__snapshot_free(&m);
	if (err) {
		buf__free(&b);
		return MHD_NO;
	}
	return server__respond_buf(s, conn, req,
			   "text/plain; version=0.0.4; charset=utf-8",
			   b.data, b.len);
}

static enum MHD_Result serve_counters_page(struct server *s,
					   struct MHD_Connection *conn,
					   struct serve_request *req)
{
	struct buf b = { 0 };

	if (counters__page(&b)) {
		buf__free(&b);
		return MHD_NO;
	}
	return server__respond_buf(s, conn, req, "text/html; charset=utf-8",
				   b.data, b.len);
}

/* The history is copied under the lock, formatted out of it. */
static enum MHD_Result serve_counters_json(struct server *s,
					   struct MHD_Connection *conn,
					   struct serve_request *req)
{
	struct serve_history *h = malloc(sizeof(*h));
	struct serve_metrics m;
	struct buf b = { 0 };
	int err;

	if (!h)
		return MHD_NO;
	err = server__snapshot(s, &m, true);
	if (err) {
		free(h);
		return MHD_NO;
	}
	pthread_mutex_lock(&s->lock);
	*h = s->history;
	pthread_mutex_unlock(&s->lock);
	err = counters__json(&m, now_ns(CLOCK_REALTIME) * 1e-9, h, &b);
	server__snapshot_free(&m);
	free(h);
	if (err) {
		buf__free(&b);
		return MHD_NO;
	}
	return server__respond_buf(s, conn, req, "application/json",
				   b.data, b.len);
}

/* A point of the history, as of now (the ticker thread). */
static void history_tick(struct server *s)
{
	struct serve_metrics m;
	struct serve_point p;

	if (server__snapshot(s, &m, false))
		return;
	serve_point__from(&p, &m, now_ns(CLOCK_REALTIME) * 1e-9);
	server__snapshot_free(&m);
	pthread_mutex_lock(&s->lock);
	serve_history__add(&s->history, &p);
	pthread_mutex_unlock(&s->lock);
}

/* The index page: links, and the counters as of now (it reloads). */
static enum MHD_Result serve_index(struct server *s,
				   struct MHD_Connection *conn,
				   struct serve_request *req)
{
	struct serve_metrics m;
	char *page;
	int n;

	if (server__snapshot(s, &m, false))
		return MHD_NO;
	n = asprintf(&page,
"<!DOCTYPE html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sonde serve</title>\n"
"<link rel=\"icon\" href=\"data:,\">\n"
"<meta http-equiv=\"refresh\" content=\"5\"></head><body>\n"
"<h1>sonde serve</h1>\n"
"<ul>\n"
"<li><a href=\"/debug/pprof/profile?seconds=30\">/debug/pprof/profile?seconds=30</a>:"
" a CPU profile of every task, gzip-compressed pprof (go tool pprof URL)</li>\n"
"<li><a href=\"/flamegraph?seconds=10\">/flamegraph?seconds=10</a>:"
" an interactive flame graph (SVG)</li>\n"
"<li><a href=\"/metrics\">/metrics</a>: Prometheus metrics</li>\n"
"<li><a href=\"/counters\">/counters</a>: the counters and their last minutes"
" (<a href=\"/counters.json\">JSON</a>)</li>\n"
"<li>/stacks?pid=PID: where every thread of process PID is now"
" (needs the module; format=text or json for those)</li>\n"
"<li>POST /profile/start, POST /profile/stop?id=ID&amp;format=FORMAT:"
" a profile as long as you want, up to %u s</li>\n"
"</ul>\n"
"<p>Parameters: seconds, hz, pid, comm, event, weight (see sonde-serve(1)); at most"
" %u s, one profile at a time.</p>\n"
"<table>\n"
"<tr><td>module (/dev/sonde)</td><td>%s</td></tr>\n"
"<tr><td>profiles running</td><td>%u</td></tr>\n"
"<tr><td>profiles sent</td><td>%llu</td></tr>\n"
"<tr><td>requests served</td><td>%llu</td></tr>\n"
"</table>\n"
"</body></html>\n",
		     s->o->max_seconds, s->o->max_seconds,
		     m.module_up ? "loaded" : "absent (recording through perf_event_open)",
		     m.profiles_running,
		     (unsigned long long)m.profiles[SERVE_OUTCOME_OK],
		     (unsigned long long)serve_requests__total(m.requests));
	server__snapshot_free(&m);
	if (n < 0)
		return MHD_NO;
	return server__respond_buf(s, conn, req, "text/html; charset=utf-8", page, n);
}

/* Each route's methods: GET (HEAD too where nothing records) or POST. */
static const struct {
	const char *path;
	enum serve_route route;
	const char *allow;
} routes[] = {
	{ "/", SERVE_ROUTE_INDEX, "GET, HEAD" },
	{ "/debug/pprof/profile", SERVE_ROUTE_PROFILE, "GET" },
	{ "/flamegraph", SERVE_ROUTE_FLAMEGRAPH, "GET" },
	{ "/metrics", SERVE_ROUTE_METRICS, "GET, HEAD" },
	{ "/profile/start", SERVE_ROUTE_START, "POST" },
	{ "/profile/stop", SERVE_ROUTE_STOP, "POST" },
	{ "/stacks", SERVE_ROUTE_STACKS, "GET" },
	{ "/counters", SERVE_ROUTE_COUNTERS, "GET, HEAD" },
	{ "/counters.json", SERVE_ROUTE_COUNTERS_JSON, "GET, HEAD" },
	{ "/favicon.ico", SERVE_ROUTE_FAVICON, "GET, HEAD" },
};

static int route_index(const char *url)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(routes); i++)
		if (!strcmp(url, routes[i].path))
			return i;
	return -1;
}

/* Whether @method is one of the comma-separated @allow. */
static bool method_allowed(const char *allow, const char *method)
{
	size_t len = strlen(method);
	const char *p = allow;

	while ((p = strstr(p, method))) {
		if ((p == allow || p[-2] == ',') &&
		    (p[len] == ',' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

static enum MHD_Result not_allowed(struct server *s,
				   struct MHD_Connection *conn,
				   struct serve_request *req, const char *allow)
{
	char text[64];

	snprintf(text, sizeof(text), "method not allowed: use %s", allow);
	return server__respond_text_hdr(s, conn, req,
					MHD_HTTP_METHOD_NOT_ALLOWED, text,
					MHD_HTTP_HEADER_ALLOW, allow);
}

static enum MHD_Result dispatch(struct server *s, struct MHD_Connection *conn,
				struct serve_request *req, int r,
				const char *method)
{
	if (s->o->token &&
	    !serve_token__check(MHD_lookup_connection_value(conn,
				MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
				s->o->token, s->o->token_len))
		return server__respond_text(s, conn, req,
					    MHD_HTTP_UNAUTHORIZED,
					    "unauthorized: send Authorization: Bearer TOKEN (the --token-file's)");
	if (r < 0)
		return server__respond_text(s, conn, req, MHD_HTTP_NOT_FOUND,
					    "not found (see / for what is served)");
	if (!method_allowed(routes[r].allow, method))
		return not_allowed(s, conn, req, routes[r].allow);
	switch (routes[r].route) {
	case SERVE_ROUTE_INDEX:
		return serve_index(s, conn, req);
	case SERVE_ROUTE_METRICS:
		return serve_metrics(s, conn, req);
	case SERVE_ROUTE_PROFILE:
		return profile__get(s, conn, req, "pprof");
	case SERVE_ROUTE_FLAMEGRAPH:
		return profile__get(s, conn, req, "svg");
	case SERVE_ROUTE_START:
		return profile__start(s, conn, req);
	case SERVE_ROUTE_STOP:
		return profile__stop(s, conn, req);
	case SERVE_ROUTE_STACKS:
		return stacks__get(s, conn, req);
	case SERVE_ROUTE_COUNTERS:
		return serve_counters_page(s, conn, req);
	case SERVE_ROUTE_COUNTERS_JSON:
		return serve_counters_json(s, conn, req);
	case SERVE_ROUTE_FAVICON:
		/*
		 * No icon, and no 404 for it either: a browser asks for one
		 * beside a page that names none (the SVG flame graph) and
		 * logs a 404 as an error in its console.
		 */
		return server__queue(s, conn, req, MHD_HTTP_NO_CONTENT,
				     MHD_create_response_from_buffer(0, NULL,
						MHD_RESPMEM_PERSISTENT));
	default:
		return MHD_NO;
	}
}

/*
 * libmicrohttpd's access handler.  It is called once when the headers
 * are in, then for each piece of a body, then once more with none: the
 * answer comes at that last call (a body, unused by every route, is
 * read and dropped, up to SERVE_MAX_BODY: beyond, the connection is
 * closed).
 */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version __always_unused,
			      const char *upload_data __always_unused,
			      size_t *upload_data_size, void **req_cls)
{
	struct server *s = cls;
	struct serve_request *req = *req_cls;
	int r;

	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		r = route_index(url);
		req->route = r < 0 ? SERVE_ROUTE_OTHER : routes[r].route;
		req->method = strdup(method);
		req->url = strdup(url);
		*req_cls = req;
		return req->method && req->url ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size) {
		req->body += *upload_data_size;
		*upload_data_size = 0;
		if (req->body <= SERVE_MAX_BODY)
			return MHD_YES;
		/*
		 * libmicrohttpd 0.9.75 takes no answer before the body's
		 * end: the connection is closed instead.
		 */
		pr_warn("serve: %s %s: a body of more than %d bytes: connection closed",
			req->method, req->url, SERVE_MAX_BODY);
		return MHD_NO;
	}
	return dispatch(s, conn, req, route_index(url), method);
}

static const char *client_addr(struct MHD_Connection *conn, char *buf,
			       size_t size)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	sa = ci ? ci->client_addr : NULL;
	if (sa && sa->sa_family == AF_INET)
		return inet_ntop(AF_INET,
				 &((const struct sockaddr_in *)sa)->sin_addr,
				 buf, size);
	if (sa && sa->sa_family == AF_INET6)
		return inet_ntop(AF_INET6,
				 &((const struct sockaddr_in6 *)sa)->sin6_addr,
				 buf, size);
	return "-";
}

/* The access log, one line per request, and the request's end. */
static void request_done(void *cls __always_unused,
			 struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct serve_request *req = *req_cls;
	char addr[INET6_ADDRSTRLEN];

	if (!req)
		return;
	fprintf(stderr, "sonde: serve: %s %s %s %u%s\n",
		client_addr(conn, addr, sizeof(addr)) ?: "-",
		req->method, req->url, req->code,
		toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
		" (not completed: the client left or the server stopped)");
	free(req->method);
	free(req->url);
	free(req);
	*req_cls = NULL;
}

static void __printf(2, 0) mhd_log(void *cls __always_unused,
				   const char *fmt, va_list ap)
{
	char *msg;
	size_t len;

	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = 0;
	pr_warn("serve: libmicrohttpd: %s", msg);
	free(msg);
}

/*
 * Until the stop, every second: discard profiles started and left to run
 * out; every SERVE_HISTORY_INTERVAL seconds, a point of the history.
 */
static void *reaper(void *arg)
{
	struct server *s = arg;
	struct pollfd pfd = { .fd = s->stop_fd, .events = POLLIN };
	__u64 next = now_ns(CLOCK_MONOTONIC), now;
	int ms;

	do {
		profile__reap(s);
		now = now_ns(CLOCK_MONOTONIC);
		if (now >= next) {
			history_tick(s);
			/* From this tick: a late one does not bunch the next. */
			next = now + SERVE_HISTORY_INTERVAL * 1000000000ULL;
			now = now_ns(CLOCK_MONOTONIC);
		}
		/* Woken at the next tick, not up to a second after it. */
		ms = next > now ?
		     min_t(__u64, 1000, (next - now) / 1000000 + 1) : 0;
	} while (poll(&pfd, 1, ms) == 0 || pfd.revents == 0);
	return NULL;
}

/* Remove what is left in the private directory, then the directory. */
static void tmpdir_remove(struct server *s)
{
	struct dirent *de;
	DIR *d = opendir(s->tmpdir);

	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	if (rmdir(s->tmpdir))
		pr_warn("serve: cannot remove %s: %s", s->tmpdir,
			strerror(errno));
}

static int tmpdir_make(struct server *s)
{
	const char *root = getenv("TMPDIR");
	int n;

	if (!root || !*root)
		root = "/tmp";
	n = snprintf(s->tmpdir, sizeof(s->tmpdir), "%s/sonde-serve.XXXXXX",
		     root);
	if (n < 0 || (size_t)n >= sizeof(s->tmpdir)) {
		pr_err("serve: TMPDIR is too long: %s", root);
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(s->tmpdir)) {
		n = -errno;
		pr_err("serve: cannot create a directory in %s: %s", root,
		       strerror(-n));
		return n;
	}
	return 0;
}

static struct MHD_Daemon *daemon_start(struct server *s)
{
	const struct serve_opts *o = s->o;
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			     MHD_USE_ERROR_LOG;

	if (o->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The logger first: it then gets the other options' complaints. */
	return MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
				MHD_OPTION_SOCK_ADDR, &o->addr,
				MHD_OPTION_CONNECTION_LIMIT,
				o->max_connections,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				o->max_per_ip,
				MHD_OPTION_CONNECTION_TIMEOUT, o->timeout,
				MHD_OPTION_THREAD_STACK_SIZE,
				(size_t)SERVE_THREAD_STACK,
				MHD_OPTION_NOTIFY_COMPLETED, request_done, s,
				MHD_OPTION_END);
}

static void log_listening(struct server *s, struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *di;
	char host[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr_storage *a = &s->o->addr;
	bool v6 = a->ss_family == AF_INET6;

	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	inet_ntop(a->ss_family,
		  v6 ? (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr :
		       (const void *)&((const struct sockaddr_in *)a)->sin_addr,
		  host, sizeof(host));
	fprintf(stderr, "sonde: serve: listening on http://%s%s%s:%u/%s\n",
		v6 ? "[" : "", host, v6 ? "]" : "", di ? di->port : 0,
		s->o->token ? " (bearer token required)" : "");
}

int server__run(const struct serve_opts *o)
{
	struct server s = { .o = o, .stop_fd = -1 };
	struct MHD_Daemon *d;
	pthread_t reaper_thread;
	sigset_t stop, old;
	__u64 one = 1;
	int err, sig;

	pthread_mutex_init(&s.lock, NULL);
	s.start_time = now_ns(CLOCK_REALTIME) * 1e-9;
	err = tmpdir_make(&s);
	if (err)
		return err;
	s.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s.stop_fd < 0) {
		err = -errno;
		pr_err("serve: eventfd: %s", strerror(-err));
		goto out_tmpdir;
	}
	/* Blocked before any thread starts, so every thread inherits it. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	d = daemon_start(&s);
	if (!d) {
		err = -EADDRNOTAVAIL;
		pr_err("serve: cannot listen on %s (in use, or not an address of this machine?)",
		       o->listen);
		goto out_sigmask;
	}
	err = -pthread_create(&reaper_thread, NULL, reaper, &s);
	if (err) {
		pr_err("serve: cannot start a thread: %s", strerror(-err));
		MHD_stop_daemon(d);
		goto out_sigmask;
	}
	log_listening(&s, d);
	while (sigwait(&stop, &sig))
		;
	fprintf(stderr, "sonde: serve: %s: stopping\n", strsignal(sig));
	if (write(s.stop_fd, &one, sizeof(one)) < 0)
		pr_warn("serve: eventfd: %s", strerror(errno));
	MHD_stop_daemon(d);
	pthread_join(reaper_thread, NULL);
	profile__shutdown(&s);
	err = 0;
out_sigmask:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(s.stop_fd);
out_tmpdir:
	tmpdir_remove(&s);
	free(s.cpu);
	pthread_mutex_destroy(&s.lock);
	return err;
}
