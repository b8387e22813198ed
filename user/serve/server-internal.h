/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Serve layer: the state the server's files share (server.c: the daemon,
 * routing and plain responses; job.c: the device slot and the children;
 * profile.c: the requests that record; stacks.c: thread snapshots).
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
#include "serve/counters.h"
#include "serve/device.h"
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
	const char *weight;	/* serve_query.weight */
};

/* Who holds /dev/sonde among this server's requests (job.c). */
enum serve_slot {
	SERVE_SLOT_FREE,
	SERVE_SLOT_PROFILE,	/* a recording: GET profile, POST start */
	SERVE_SLOT_STACKS,	/* a thread snapshot: GET /stacks */
};

struct server {
	const struct serve_opts *o;
	char tmpdir[64];	/* private, mkdtemp(); removed at exit */
	int stop_fd;		/* eventfd: readable once the server stops */
	double start_time;
	pthread_mutex_t lock;
	/* locked: */
	enum serve_slot busy;	/* who uses the device, or records */
	unsigned long long next_id;
	struct serve_session *session;	/* started, not yet stopped */
	struct serve_requests requests;
	__u64 profiles[SERVE_NR_OUTCOMES];
	struct sonde_cpu_stats *cpu;	/* module counters, metrics.h */
	unsigned int nr_cpus;
	__u64 sessions;
	struct serve_history history;	/* counters.h */
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
/*
 * server__respond_buf - send 200 with @len bytes at @data (malloc'ed;
 * ours from now on) as Content-Type @type, not to be cached.
 */
enum MHD_Result server__respond_buf(struct server *s,
				    struct MHD_Connection *conn,
				    struct serve_request *req, const char *type,
				    char *data, size_t len);
/*
 * server__snapshot - the counters as of now into @m, taken under the
 * lock; @m's arrays are copies to free with server__snapshot_free().
 * With @probe, @m->device is the device's state (server__device()).
 * Returns 0 or -ENOMEM.
 */
int server__snapshot(struct server *s, struct serve_metrics *m, bool probe);
void server__snapshot_free(struct serve_metrics *m);
/*
 * server__device - who holds /dev/sonde: this server when one of its
 * requests uses it (no probe then: the probe would take it from the
 * child), otherwise what serve_device__probe() finds, under the lock so
 * that none of this server's children opens it meanwhile.
 */
void server__device(struct server *s, struct serve_device *d);
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
 * stacks__get - GET /stacks?pid=PID: every thread's stack now, from a
 * `sonde stacks` child (stacks.c).
 */
enum MHD_Result stacks__get(struct server *s, struct MHD_Connection *conn,
			    struct serve_request *req);
/*
 * profile__reap - discard a started profile whose record child ended at
 * the server's limit (the reaper thread, every second).
 */
void profile__reap(struct server *s);
/* profile__shutdown - stop and discard a started profile at exit. */
void profile__shutdown(struct server *s);

/*
 * serve_slot__take - take the one slot for @what; false when it is taken
 * (*@holder then says by what, when @holder is not NULL).  *@id is a
 * fresh number for the request's files.
 */
bool serve_slot__take(struct server *s, enum serve_slot what,
		      unsigned long long *id, enum serve_slot *holder);
void serve_slot__give(struct server *s);
/* What holds a slot, as a message says it ("a profile"). */
const char *serve_slot__name(enum serve_slot slot);

/* The files of request @id's children in the server's directory. */
struct serve_paths {
	const char *dir;
	char data[128];		/* a recording */
	char out[128];		/* an export, a snapshot's text */
	char err[128];		/* the children's stderr */
};

void serve_paths__init(struct serve_paths *p, const struct server *s,
		       unsigned long long id);
/* Remove @p's files and whatever else of its id is in the directory. */
void serve_paths__remove(const struct serve_paths *p);
/*
 * serve_paths__message - the children's stderr: every line to the
 * server's log, the last one (without sonde's "sonde: " prefix) into
 * @msg for the client.
 */
void serve_paths__message(const struct serve_paths *p, char *msg,
			  size_t size);

/* The socket of @conn, for serve_child__wait(); -1 when unknown. */
int server__conn_fd(struct MHD_Connection *conn);
/*
 * server__run_child - start `sonde @argv` (stdout to @out_path, NULL:
 * nowhere; stderr to @p->err) and wait for it as serve_child__wait()
 * says.  Returns 0 with *@status, -ECONNRESET, -ECANCELED, or a spawn's
 * -errno (said in the log).
 */
int server__run_child(struct server *s, struct MHD_Connection *conn,
		      char *const argv[], const char *out_path,
		      const struct serve_paths *p, int *status);

/* Whether /dev/sonde is there (locked: see metrics.h). */
bool server__module_up(struct server *s);

#endif /* SONDE_SERVE_SERVER_INTERNAL_H */
