/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Serve layer: the state the server's files share (server.c: the daemon,
 * routing and plain responses; profile.c: the requests that record).
 *
 * Locking: @lock guards every field marked "locked"; the others are set
 * before the daemon starts and only read afterwards.  No lock is held
 * while a child runs or while a response is written.
 */
#ifndef SONDE_SERVE_SERVER_INTERNAL_H
#define SONDE_SERVE_SERVER_INTERNAL_H

#include <pthread.h>
#include <microhttpd.h>

#include "serve/child.h"
#include "serve/metrics.h"
#include "serve/query.h"
#include "serve/server.h"

/*
 * struct serve_session - a profile started by POST /profile/start: its
 * record child, recording until stopped or until the server's limit.
 */
struct serve_session {
	unsigned long long id;
	struct serve_child child;
	char *comm;		/* export's --comm, or NULL */
};

struct server {
	const struct serve_opts *o;
	char tmpdir[64];	/* private, mkdtemp(); removed at exit */
	int stop_fd;		/* eventfd: readable once the server stops */
	double start_time;
	pthread_mutex_t lock;
	/* locked: */
	bool busy;		/* a profile records or exports */
	unsigned long long next_id;
	struct serve_session *session;	/* started, not yet stopped */
	struct serve_requests requests;
	__u64 profiles[SERVE_NR_OUTCOMES];
	struct sonde_cpu_stats *cpu;	/* module counters, metrics.h */
	unsigned int nr_cpus;
	__u64 sessions;
};

/*
 * struct serve_request - one request's state, libmicrohttpd's req_cls:
 * made at its first call, freed when the request completes.
 */
struct serve_request {
	enum serve_route route;
	char *method;		/* copies, for the access log */
	char *url;
	unsigned int code;	/* the status sent; 0: none yet */
	size_t body;		/* bytes of body read and dropped */
};

/*
 * server__respond_text - send @code with @text (a line; "\n" is added)
 * as text/plain, counted on @req's route.  Returns MHD_YES/MHD_NO for the
 * handler to return.
 */
enum MHD_Result server__respond_text(struct server *s,
				     struct MHD_Connection *conn,
				     struct serve_request *req,
				     unsigned int code, const char *text);
/*
 * server__respond_text_hdr - the same, with one more header @header:
 * @value (@header NULL: none).
 */
enum MHD_Result server__respond_text_hdr(struct server *s,
					 struct MHD_Connection *conn,
					 struct serve_request *req,
					 unsigned int code, const char *text,
					 const char *header, const char *value);
/*
 * server__queue - send @resp (NULL: MHD_NO) with status @code, with the
 * headers every answer has, counted on @req's route; drops our
 * reference to @resp.
 */
enum MHD_Result server__queue(struct server *s, struct MHD_Connection *conn,
			      struct serve_request *req, unsigned int code,
			      struct MHD_Response *resp);
/* Count a response of @code on @route (takes the lock). */
void server__count(struct server *s, enum serve_route route,
		   unsigned int code);

/*
 * profile__get - GET /debug/pprof/profile (@format "pprof") and GET
 * /flamegraph ("svg"): record, export, send.
 */
enum MHD_Result profile__get(struct server *s, struct MHD_Connection *conn,
			     struct serve_request *req, const char *format);
/* POST /profile/start and POST /profile/stop?id=. */
enum MHD_Result profile__start(struct server *s, struct MHD_Connection *conn,
			       struct serve_request *req);
enum MHD_Result profile__stop(struct server *s, struct MHD_Connection *conn,
			      struct serve_request *req);
/*
 * profile__reap - discard a started profile whose record child ended at
 * the server's limit (the reaper thread, every second).
 */
void profile__reap(struct server *s);
/* profile__shutdown - stop and discard a started profile at exit. */
void profile__shutdown(struct server *s);

/* Whether /dev/sonde is there (locked: see metrics.h). */
bool server__module_up(struct server *s);

#endif /* SONDE_SERVE_SERVER_INTERNAL_H */
