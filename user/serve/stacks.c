// SPDX-License-Identifier: GPL-2.0
/*
 * Serve layer: GET /stacks?pid=PID[&format=html|text|json]: where every
 * thread of a process is now, from a child `sonde stacks --pid=PID
 * [--json]` (cli/cmd-stacks.c; the module's SONDE_IOC_SNAPSHOT), as a
 * page, as its text, or as its JSON (export/stacks.h).
 *
 * The snapshot needs /dev/sonde, which admits one opener at a time: it
 * takes the server's one slot (job.c) as a profile does, and is refused
 * 409 while a profile of this server holds it (a conflict with another
 * request here: retry once it is done), and 503 with Retry-After while
 * another program does (the service is unavailable for now, whatever
 * this server does).  Without the module it is a 503, as profiles with
 * --source sonde are.  The process is looked up first, so that a pid
 * that names nothing is a 404 and not the child's failure.
 *
 * Everything the page shows of the snapshot (thread and process names,
 * function and file names) is HTML-escaped (html.h), and the page is
 * sent with a Content-Security-Policy that allows no script at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "serve/html.h"
#include "serve/server-internal.h"

/* The most of a snapshot's text sent: 65536 threads fit in far less. */
#define STACKS_MAX_BYTES	(16u << 20)
/* Seconds a client is told to wait while another program holds it. */
#define STACKS_RETRY_AFTER	"5"

enum stacks_format { STACKS_HTML, STACKS_TEXT, STACKS_JSON };

static const char *arg(struct MHD_Connection *conn, const char *key)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

/*
 * The thread group of task @pid, from /proc: 0 with *@tgid, or -ENOENT
 * when there is no such task.
 */
static int proc_tgid(__u32 pid, __u32 *tgid)
{
	char path[64], *text, *line;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	err = read_file(path, &text, &len);
	if (err)
		return -ENOENT;
	line = strstr(text, "\nTgid:");
	err = line && sscanf(line + 6, "%u", tgid) == 1 ? 0 : -ENOENT;
	free(text);
	return err;
}

/* The process's name for the page's title; "?" when it is gone. */
static void proc_comm(__u32 pid, char *comm, size_t size)
{
	char path[64], *text;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	if (read_file(path, &text, &len)) {
		snprintf(comm, size, "?");
		return;
	}
	text[strcspn(text, "\n")] = 0;
	snprintf(comm, size, "%s", text);
	free(text);
}

static enum MHD_Result refuse_other_holder(struct server *s,
					   struct MHD_Connection *conn,
					   struct serve_request *req)
{
	return server__respond_text_hdr(s, conn, req,
					MHD_HTTP_SERVICE_UNAVAILABLE,
					"another program holds " SONDE_DEVICE " (the module admits one user at a time, and it is not this server): try again once it is done",
					MHD_HTTP_HEADER_RETRY_AFTER,
					STACKS_RETRY_AFTER);
}

/*
 * Why the child failed, as a status: the module gone, the process gone,
 * the device taken by another program in between, or something else
 * (500, with the child's own message).
 */
static enum MHD_Result child_failed(struct server *s,
				    struct MHD_Connection *conn,
				    struct serve_request *req,
				    const struct serve_paths *p, __u32 pid,
				    int status)
{
	char msg[512], text[600];
	struct serve_device d;
	__u32 tgid;

	serve_paths__message(p, msg, sizeof(msg));
	if (!server__module_up(s))
		return server__respond_text(s, conn, req,
					    MHD_HTTP_SERVICE_UNAVAILABLE,
					    "the sonde module went away during the snapshot");
	if (proc_tgid(pid, &tgid)) {
		snprintf(text, sizeof(text),
			 "process %u exited during the snapshot", pid);
		return server__respond_text(s, conn, req, MHD_HTTP_NOT_FOUND,
					    text);
	}
	serve_device__probe(&d);
	if (d.state == SERVE_DEVICE_OTHER)
		return refuse_other_holder(s, conn, req);
	if (WIFSIGNALED(status))
		snprintf(text, sizeof(text),
			 "sonde stacks failed: killed by signal %d",
			 WTERMSIG(status));
	else
		snprintf(text, sizeof(text), "sonde stacks failed: %s", msg);
	return server__respond_text(s, conn, req,
				    MHD_HTTP_INTERNAL_SERVER_ERROR, text);
}

/* The page's head and style: the server's own, nothing to escape. */
#define STACKS_HEAD \
"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n" \
"<link rel=\"icon\" href=\"data:,\">\n" \
"<style>body{font-family:sans-serif;margin:1em}" \
"pre{font-size:13px;line-height:1.3;background:#f6f6f6;padding:.5em;" \
"overflow-x:auto}</style>\n"

/* The page around the snapshot's text @t (escaped here). */
static int stacks_page(struct buf *page, __u32 pid, const struct buf *t,
		       bool cut)
{
	char comm[64], when[64];
	time_t now = time(NULL);
	struct tm tm;

	proc_comm(pid, comm, sizeof(comm));
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
		 gmtime_r(&now, &tm));
	return html__raw(page, STACKS_HEAD "<title>sonde: threads of %u (",
			 pid) ?:
	       html__escape_str(page, comm) ?:
	       html__raw(page, ")</title></head><body>\n"
			 "<h1>Threads of process %u (<code>", pid) ?:
	       html__escape_str(page, comm) ?:
	       html__raw(page,
			 "</code>)</h1>\n<p>Where each thread was at %s, grouped by stack, the longest waits first"
			 " (<code>sonde stacks -p %u</code>). <a href=\"/stacks?pid=%u\">Again</a> &middot;"
			 " <a href=\"/stacks?pid=%u&amp;format=text\">text</a> &middot;"
			 " <a href=\"/stacks?pid=%u&amp;format=json\">JSON</a> &middot;"
			 " <a href=\"/\">index</a></p>\n<pre id=\"stacks\">",
			 when, pid, pid, pid, pid) ?:
	       html__escape(page, t->data ?: "", t->len) ?:
	       html__raw(page, "%s</pre>\n</body></html>\n",
			 cut ? "\n[cut: the snapshot's text is longer than the server sends]" : "");
}

/* The child's output at @p->out as @fmt; the files are gone after. */
static enum MHD_Result send_snapshot(struct server *s,
				     struct MHD_Connection *conn,
				     struct serve_request *req,
				     const struct serve_paths *p, __u32 pid,
				     enum stacks_format fmt)
{
	struct buf t = { 0 }, page = { 0 };
	struct MHD_Response *resp;
	bool cut = false;
	int fd, err;

	fd = open(p->out, O_RDONLY | O_CLOEXEC);
	serve_paths__remove(p);
	if (fd < 0)
		return server__respond_text(s, conn, req,
					    MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "sonde stacks left no output");
	err = buf__append_fd(&t, fd, STACKS_MAX_BYTES, &cut);
	close(fd);
	if (!err && fmt == STACKS_JSON && cut) {
		buf__free(&t);
		return server__respond_text(s, conn, req,
					    MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "the snapshot's JSON is longer than the server sends (16 MiB): ask for format=text");
	}
	if (!err && fmt == STACKS_HTML) {
		err = stacks_page(&page, pid, &t, cut);
		buf__free(&t);
		t = page;
	}
	if (err) {
		buf__free(&t);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(t.len, t.data,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		buf__free(&t);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				fmt == STACKS_HTML ? "text/html; charset=utf-8" :
				fmt == STACKS_JSON ? "application/json" :
				"text/plain; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	/* Names in the page are the traced program's: no script may run. */
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'none'; style-src 'unsafe-inline'; img-src data:");
	return server__queue(s, conn, req, MHD_HTTP_OK, resp);
}

/* The request's pid and format; a message for the 400 otherwise. */
static const char *stacks_query(struct MHD_Connection *conn, __u32 *pid,
				enum stacks_format *fmt)
{
	const char *p = arg(conn, "pid"), *f = arg(conn, "format");

	if (!p || parse_u32(p, pid) || !*pid)
		return "pid needs a process id: GET /stacks?pid=PID";
	if (!f || !strcmp(f, "html"))
		*fmt = STACKS_HTML;
	else if (!strcmp(f, "text"))
		*fmt = STACKS_TEXT;
	else if (!strcmp(f, "json"))
		*fmt = STACKS_JSON;
	else
		return "format needs html, text or json";
	return NULL;
}

enum MHD_Result stacks__get(struct server *s, struct MHD_Connection *conn,
			    struct serve_request *req)
{
	char pid_arg[32], text[192];
	char *argv[] = { "sonde", "stacks", pid_arg, NULL, NULL };
	enum stacks_format fmt;
	struct serve_device d;
	enum serve_slot holder;
	struct serve_paths p;
	unsigned long long id;
	enum MHD_Result ret;
	const char *why;
	__u32 pid, tgid;
	int err, status;

	why = stacks_query(conn, &pid, &fmt);
	if (why)
		return server__respond_text(s, conn, req, MHD_HTTP_BAD_REQUEST,
					    why);
	if (!server__module_up(s))
		return server__respond_text(s, conn, req,
					    MHD_HTTP_SERVICE_UNAVAILABLE,
					    "the sonde module is not loaded (" SONDE_DEVICE " is absent): thread snapshots need it");
	err = proc_tgid(pid, &tgid);
	if (err || tgid != pid) {
		if (err)
			snprintf(text, sizeof(text), "no process %u", pid);
		else
			snprintf(text, sizeof(text),
				 "%u is a thread of process %u, not a process: ask for pid=%u",
				 pid, tgid, tgid);
		return server__respond_text(s, conn, req, MHD_HTTP_NOT_FOUND,
					    text);
	}
	if (!serve_slot__take(s, SERVE_SLOT_STACKS, &id, &holder)) {
		snprintf(text, sizeof(text),
			 "%s is running and holds " SONDE_DEVICE " (the module admits one user at a time): try again once it is done",
			 serve_slot__name(holder));
		return server__respond_text(s, conn, req, MHD_HTTP_CONFLICT,
					    text);
	}
	/* Said apart from a failure of the child's: it is not one. */
	serve_device__probe(&d);
	if (d.state == SERVE_DEVICE_OTHER) {
		serve_slot__give(s);
		return refuse_other_holder(s, conn, req);
	}
	serve_paths__init(&p, s, id);
	snprintf(pid_arg, sizeof(pid_arg), "--pid=%u", pid);
	if (fmt == STACKS_JSON)
		argv[3] = "--json";
	err = server__run_child(s, conn, argv, p.out, &p, &status);
	if (err == -ECONNRESET || err == -ECANCELED)
		ret = MHD_NO;
	else if (err)
		ret = server__respond_text(s, conn, req,
					   MHD_HTTP_INTERNAL_SERVER_ERROR,
					   "cannot start sonde stacks");
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		ret = child_failed(s, conn, req, &p, pid, status);
	else
		ret = send_snapshot(s, conn, req, &p, pid, fmt);
	serve_paths__remove(&p);
	serve_slot__give(s);
	return ret;
}
