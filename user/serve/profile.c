// SPDX-License-Identifier: GPL-2.0
/*
 * Serve layer: the requests that record (server-internal.h): GET
 * /debug/pprof/profile and /flamegraph, POST /profile/start and
 * /profile/stop.
 *
 * A profile is two children (child.h): `sonde record -q -g -d SECS -o
 * ID.data ...`, then `sonde export -f FORMAT -i ID.data -o ID.out`, in
 * the server's private directory; the handler's thread waits for each,
 * watching the client's socket: a client that leaves stops the child and
 * the files go.  The export is opened and unlinked before it is sent, so
 * nothing stays on disk once a request ends, whichever way it ends.
 *
 * One profile at a time (the slot of job.c, s->busy, taken and given
 * back under s->lock): two recordings would sample each other and share
 * the module's one session, and a thread snapshot (stacks.c) needs the
 * device as a recording does.  A second one is refused with 409 Conflict, not Go's 500 (Go
 * answers a second StartCPUProfile with a 500): a client can tell "busy,
 * retry" from "broken".  The POST pair holds s->busy from start to stop;
 * the reaper thread (profile__reap()) discards a start never stopped
 * once its record child ended at the server's limit.
 *
 * Threads: the handlers run on their connection's thread, blocking
 * there while their children run (no lock held); profile__reap() on the
 * reaper thread; profile__shutdown() on the main thread once the daemon
 * and the reaper are stopped.  A started session belongs to s->session
 * (under s->lock) until a stop takes it out: only its holder waits for
 * its child, so a child is reaped once.
 *
 * "The client left" is its end of the connection closing (POLLRDHUP): a
 * client that shuts down its sending side after the request, which HTTP
 * clients do not do, would be taken as gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/util.h"
#include "recording/recording.h"
#include "serve/server-internal.h"

/* A child's message shown to the client: its last line, this long. */
#define CHILD_MSG_MAX	512
/* How long POST /profile/start waits to see record fail at once. */
#define START_CHECK_MS	300

static const char *arg(void *ctx, const char *key)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

/* Take the one slot for a profile; false when it is taken. */
static bool busy_take(struct server *s, unsigned long long *id,
		      enum serve_slot *holder)
{
	return serve_slot__take(s, SERVE_SLOT_PROFILE, id, holder);
}

static void busy_give(struct server *s, enum serve_outcome outcome)
{
	pthread_mutex_lock(&s->lock);
	s->busy = SERVE_SLOT_FREE;
	s->profiles[outcome]++;
	pthread_mutex_unlock(&s->lock);
}

/*
 * How a child's failure is answered: exit status 2 is a bad command
 * line, so a bad parameter (400); a failure while the module is needed
 * and gone is the service being unavailable (503); anything else is a
 * 500.  The message is the child's own.
 */
static enum MHD_Result child_failed(struct server *s,
				    struct MHD_Connection *conn,
				    struct serve_request *req,
				    const struct serve_paths *p, const char *what,
				    int status)
{
	char msg[CHILD_MSG_MAX], text[CHILD_MSG_MAX + 64];
	unsigned int code = MHD_HTTP_INTERNAL_SERVER_ERROR;

	serve_paths__message(p, msg, sizeof(msg));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		code = MHD_HTTP_BAD_REQUEST;
	else if (s->o->source && !strcmp(s->o->source, "sonde") &&
		 !server__module_up(s))
		code = MHD_HTTP_SERVICE_UNAVAILABLE;
	if (WIFSIGNALED(status))
		snprintf(text, sizeof(text), "%s failed: killed by signal %d",
			 what, WTERMSIG(status));
	else
		snprintf(text, sizeof(text), "%s failed: %s", what, msg);
	return server__respond_text(s, conn, req, code, text);
}

/*
 * record's command line for @q: every task (-a) unless pid= names
 * processes, call graphs (-g), @seconds long.  Values go as --opt=VALUE,
 * one word each: a value starting with '-' stays a value.
 * @words holds the strings made here; NULL-ended into @argv.
 */
struct record_argv {
	char *argv[16];
	char secs[16];
	char hz[32];
	char pid[SERVE_MAX_ARG + 16];
	char event[SERVE_MAX_ARG + 16];
	char source[32];
	char output[160];
};

static void record_argv(struct record_argv *a, const struct server *s,
			const struct serve_query *q, unsigned int seconds,
			const struct serve_paths *p)
{
	unsigned int n = 0;

	snprintf(a->secs, sizeof(a->secs), "%u", seconds);
	snprintf(a->output, sizeof(a->output), "--output=%s", p->data);
	a->argv[n++] = "sonde";
	a->argv[n++] = "record";
	a->argv[n++] = "-q";
	a->argv[n++] = "-g";
	a->argv[n++] = "-d";
	a->argv[n++] = a->secs;
	a->argv[n++] = a->output;
	if (q->pid) {
		snprintf(a->pid, sizeof(a->pid), "--pid=%s", q->pid);
		a->argv[n++] = a->pid;
	} else {
		a->argv[n++] = "-a";
	}
	if (q->hz) {
		snprintf(a->hz, sizeof(a->hz), "--freq=%u", q->hz);
		a->argv[n++] = a->hz;
	}
	if (q->event) {
		snprintf(a->event, sizeof(a->event), "--event=%s", q->event);
		a->argv[n++] = a->event;
	}
	/* Waits to weigh: off-CPU samples too. */
	if (q->weight && strcmp(q->weight, "cpu"))
		a->argv[n++] = "--off-cpu";
	if (s->o->source) {
		snprintf(a->source, sizeof(a->source), "--source=%s",
			 s->o->source);
		a->argv[n++] = a->source;
	}
	a->argv[n] = NULL;
}

static int stats_section(const struct rec_section *sec, void *ctx)
{
	struct server *s = ctx;
	int err;

	if (sec->type != SREC_SEC_STATS || sec->truncated)
		return 0;
	pthread_mutex_lock(&s->lock);
	err = metrics__add_stats(&s->cpu, &s->nr_cpus, sec->data, sec->size);
	if (!err)
		s->sessions++;
	pthread_mutex_unlock(&s->lock);
	return 1;
}

/*
 * The module's counters of a finished recording into the server's
 * (metrics.h); a recording through perf_event_open has none.
 */
static void add_stats(struct server *s, const struct serve_paths *p)
{
	struct rec_reader *r;

	if (rec_reader__open(&r, p->data))
		return;
	rec_reader__iter_meta(r, stats_section, s);
	rec_reader__close(r);
}

/* Send the export at @p->out as @fmt; the files are gone after. */
static enum MHD_Result send_export(struct server *s,
				   struct MHD_Connection *conn,
				   struct serve_request *req,
				   const struct serve_paths *p,
				   const struct serve_format *fmt)
{
	struct MHD_Response *resp;
	char disposition[128];
	struct stat st;
	int fd;

	fd = open(p->out, O_RDONLY | O_CLOEXEC);
	serve_paths__remove(p);
	if (fd < 0 || fstat(fd, &st)) {
		pr_err("serve: %s: %s", p->out, strerror(errno));
		if (fd >= 0)
			close(fd);
		return server__respond_text(s, conn, req,
					    MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "export failed: its output is gone");
	}
	/* libmicrohttpd closes @fd when the response is done with. */
	resp = MHD_create_response_from_fd(st.st_size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				fmt->content_type);
	if (fmt->filename) {
		snprintf(disposition, sizeof(disposition),
			 "attachment; filename=\"%s\"", fmt->filename);
		MHD_add_response_header(resp,
					MHD_HTTP_HEADER_CONTENT_DISPOSITION,
					disposition);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	return server__queue(s, conn, req, MHD_HTTP_OK, resp);
}

/*
 * Export the recording at @p->data as @fmt (with export's --comm=@comm
 * and --weight=@weight when not NULL) and send it.  *@outcome says how
 * it went.
 */
static enum MHD_Result export_and_send(struct server *s,
				       struct MHD_Connection *conn,
				       struct serve_request *req,
				       const struct serve_paths *p,
				       const struct serve_format *fmt,
				       const char *comm, const char *weight,
				       enum serve_outcome *outcome)
{
	char input[160], output[160], format[64], comm_arg[SERVE_MAX_ARG + 16];
	char weight_arg[32];
	char *argv[8] = { "sonde", "export", format, input, output };
	unsigned int n = 5;
	int err, status;

	snprintf(format, sizeof(format), "--format=%s", fmt->name);
	snprintf(input, sizeof(input), "--input=%s", p->data);
	snprintf(output, sizeof(output), "--output=%s", p->out);
	if (comm) {
		snprintf(comm_arg, sizeof(comm_arg), "--comm=%s", comm);
		argv[n++] = comm_arg;
	}
	if (weight) {
		snprintf(weight_arg, sizeof(weight_arg), "--weight=%s", weight);
		argv[n++] = weight_arg;
	}
	argv[n] = NULL;
	add_stats(s, p);
	err = server__run_child(s, conn, argv, NULL, p, &status);
	*outcome = SERVE_OUTCOME_ABORTED;
	if (err == -ECONNRESET || err == -ECANCELED) {
		serve_paths__remove(p);
		return MHD_NO;
	}
	*outcome = SERVE_OUTCOME_FAILED;
	if (err) {
		serve_paths__remove(p);
		return server__respond_text(s, conn, req,
					    MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "cannot start the export");
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		enum MHD_Result ret = child_failed(s, conn, req, p, "export",
						   status);

		serve_paths__remove(p);
		return ret;
	}
	*outcome = SERVE_OUTCOME_OK;
	return send_export(s, conn, req, p, fmt);
}

/* Refusals before anything runs: a bad query, no module, busy. */
static enum MHD_Result refuse_query(struct server *s,
				    struct MHD_Connection *conn,
				    struct serve_request *req, int err,
				    const char *why, unsigned int seconds)
{
	char text[160];

	if (err == -E2BIG) {
		snprintf(text, sizeof(text),
			 "profile duration %u s exceeds the server's limit of %u s (--max-seconds)",
			 seconds, s->o->max_seconds);
		return server__respond_text(s, conn, req,
					    MHD_HTTP_BAD_REQUEST, text);
	}
	return server__respond_text(s, conn, req, MHD_HTTP_BAD_REQUEST, why);
}

static bool module_needed_and_absent(struct server *s)
{
	return s->o->source && !strcmp(s->o->source, "sonde") &&
	       !server__module_up(s);
}

static enum MHD_Result refuse_no_module(struct server *s,
					struct MHD_Connection *conn,
					struct serve_request *req)
{
	return server__respond_text(s, conn, req,
				    MHD_HTTP_SERVICE_UNAVAILABLE,
				    "the sonde module is not loaded (" SONDE_DEVICE " is absent); profiles work again once it is back");
}

static enum MHD_Result refuse_busy(struct server *s,
				   struct MHD_Connection *conn,
				   struct serve_request *req,
				   enum serve_slot holder)
{
	char text[192];

	snprintf(text, sizeof(text),
		 "%s is already running (one user of the device at a time); try again once it is done",
		 serve_slot__name(holder));
	return server__respond_text(s, conn, req, MHD_HTTP_CONFLICT, text);
}

enum MHD_Result profile__get(struct server *s, struct MHD_Connection *conn,
			     struct serve_request *req, const char *format)
{
	enum serve_outcome outcome = SERVE_OUTCOME_FAILED;
	enum serve_slot holder;
	struct record_argv a;
	struct serve_query q;
	unsigned long long id;
	enum MHD_Result ret;
	struct serve_paths p;
	const char *why;
	int err, status;

	err = serve_query__parse(&q, arg, conn, s->o->max_seconds, &why);
	if (err)
		return refuse_query(s, conn, req, err, why, q.seconds);
	if (module_needed_and_absent(s))
		return refuse_no_module(s, conn, req);
	if (!busy_take(s, &id, &holder))
		return refuse_busy(s, conn, req, holder);
	serve_paths__init(&p, s, id);
	record_argv(&a, s, &q, q.seconds, &p);
	err = server__run_child(s, conn, a.argv, NULL, &p, &status);
	if (err == -ECONNRESET || err == -ECANCELED) {
		serve_paths__remove(&p);
		busy_give(s, SERVE_OUTCOME_ABORTED);
		return MHD_NO;
	}
	if (err) {
		ret = server__respond_text(s, conn, req,
					   MHD_HTTP_INTERNAL_SERVER_ERROR,
					   "cannot start the recording");
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ret = child_failed(s, conn, req, &p, "record", status);
	} else {
		ret = export_and_send(s, conn, req, &p,
				      serve_format__find(format), q.comm,
				      q.weight, &outcome);
	}
	serve_paths__remove(&p);
	busy_give(s, outcome);
	return ret;
}

static void session_free(struct serve_session *ss)
{
	free(ss->comm);
	free(ss);
}

/*
 * POST /profile/start: record until stopped, or the server's limit.  The
 * answer is the id to stop it with, as text.
 */
enum MHD_Result profile__start(struct server *s, struct MHD_Connection *conn,
			       struct serve_request *req)
{
	struct pollfd pfd = { .events = POLLIN };
	enum serve_slot holder;
	struct serve_session *ss;
	struct record_argv a;
	struct serve_query q;
	char text[64];
	struct serve_paths p;
	const char *why;
	int err, status;

	/* seconds means nothing here: the limit is the server's. */
	err = serve_query__parse(&q, arg, conn, UINT32_MAX, &why);
	if (err)
		return refuse_query(s, conn, req, err, why, q.seconds);
	if (module_needed_and_absent(s))
		return refuse_no_module(s, conn, req);
	ss = calloc(1, sizeof(*ss));
	if (!ss)
		return MHD_NO;
	ss->weight = q.weight;
	if (q.comm) {
		ss->comm = strdup(q.comm);
		if (!ss->comm) {
			free(ss);
			return MHD_NO;
		}
	}
	if (!busy_take(s, &ss->id, &holder)) {
		session_free(ss);
		return refuse_busy(s, conn, req, holder);
	}
	serve_paths__init(&p, s, ss->id);
	record_argv(&a, s, &q, s->o->max_seconds, &p);
	err = serve_child__spawn(&ss->child, "/proc/self/exe", a.argv, NULL,
				 p.err);
	if (err) {
		pr_err("serve: cannot start sonde record: %s", strerror(-err));
		session_free(ss);
		busy_give(s, SERVE_OUTCOME_FAILED);
		return server__respond_text(s, conn, req,
					    MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "cannot start the recording");
	}
	/* A bad event or pid fails at once: say so now, not at stop. */
	pfd.fd = ss->child.pidfd;
	if (poll(&pfd, 1, START_CHECK_MS) > 0) {
		enum MHD_Result ret;

		waitpid(ss->child.pid, &status, 0);
		close(ss->child.pidfd);
		ret = child_failed(s, conn, req, &p, "record", status);
		serve_paths__remove(&p);
		session_free(ss);
		busy_give(s, SERVE_OUTCOME_FAILED);
		return ret;
	}
	pthread_mutex_lock(&s->lock);
	s->session = ss;
	pthread_mutex_unlock(&s->lock);
	snprintf(text, sizeof(text), "%llu", ss->id);
	return server__respond_text(s, conn, req, MHD_HTTP_OK, text);
}

enum MHD_Result profile__stop(struct server *s, struct MHD_Connection *conn,
			      struct serve_request *req)
{
	enum serve_outcome outcome = SERVE_OUTCOME_FAILED;
	const struct serve_format *fmt;
	const char *id_arg, *format;
	struct serve_session *ss;
	enum MHD_Result ret;
	struct serve_paths p;
	int err, status;
	__u64 id;

	id_arg = arg(conn, "id");
	if (!id_arg || parse_u64(id_arg, &id))
		return server__respond_text(s, conn, req, MHD_HTTP_BAD_REQUEST,
					    "id needs the number POST /profile/start answered");
	format = arg(conn, "format");
	fmt = serve_format__find(format ? format : "pprof");
	if (!fmt)
		return server__respond_text(s, conn, req, MHD_HTTP_BAD_REQUEST,
					    "format needs one of pprof, svg, folded, perf-script, perfview, speedscope, chrome");
	pthread_mutex_lock(&s->lock);
	ss = s->session;
	if (ss && ss->id == id)
		s->session = NULL;	/* ours now: the reaper lets it be */
	else
		ss = NULL;
	pthread_mutex_unlock(&s->lock);
	if (!ss)
		return server__respond_text(s, conn, req, MHD_HTTP_NOT_FOUND,
					    "no profile of that id is running (never started, already stopped, or past the server's limit)");
	serve_paths__init(&p, s, ss->id);
	/* record ends its file at SIGINT, as at a ^C. */
	serve_child__signal(&ss->child, SIGINT);
	err = serve_child__wait(&ss->child, server__conn_fd(conn), s->stop_fd,
				&status);
	if (err) {
		serve_paths__remove(&p);
		session_free(ss);
		busy_give(s, SERVE_OUTCOME_ABORTED);
		return MHD_NO;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		ret = child_failed(s, conn, req, &p, "record", status);
	else
		ret = export_and_send(s, conn, req, &p, fmt, ss->comm,
				      ss->weight, &outcome);
	serve_paths__remove(&p);
	session_free(ss);
	busy_give(s, outcome);
	return ret;
}

/* Under s->lock: end @s->session's files and slot. */
static void session_discard(struct server *s, enum serve_outcome outcome)
{
	struct serve_session *ss = s->session;
	struct serve_paths p;

	serve_paths__init(&p, s, ss->id);
	serve_paths__remove(&p);
	s->session = NULL;
	session_free(ss);
	s->busy = SERVE_SLOT_FREE;
	s->profiles[outcome]++;
}

void profile__reap(struct server *s)
{
	enum serve_outcome outcome = SERVE_OUTCOME_FAILED;
	char msg[CHILD_MSG_MAX];
	struct serve_paths p;
	int status;

	pthread_mutex_lock(&s->lock);
	/*
	 * Only a session still in s->session is waited for here; a stop
	 * takes it out under this lock before it waits itself.
	 */
	if (s->session &&
	    waitpid(s->session->child.pid, &status, WNOHANG) ==
	    s->session->child.pid) {
		close(s->session->child.pidfd);
		/* A record that failed after the start's check says why. */
		if (WIFEXITED(status) && !WEXITSTATUS(status)) {
			fprintf(stderr,
				"sonde: serve: profile %llu was not stopped within %u s: discarded\n",
				s->session->id, s->o->max_seconds);
			outcome = SERVE_OUTCOME_EXPIRED;
		} else {
			serve_paths__init(&p, s, s->session->id);
			serve_paths__message(&p, msg, sizeof(msg));
			fprintf(stderr,
				"sonde: serve: profile %llu: its recording failed before a stop (%s): discarded\n",
				s->session->id, msg);
		}
		session_discard(s, outcome);
	}
	pthread_mutex_unlock(&s->lock);
}

void profile__shutdown(struct server *s)
{
	pthread_mutex_lock(&s->lock);
	if (s->session) {
		serve_child__kill(&s->session->child);
		session_discard(s, SERVE_OUTCOME_ABORTED);
	}
	pthread_mutex_unlock(&s->lock);
}
