// SPDX-License-Identifier: GPL-2.0
/*
 * Serve layer: what every request that runs children shares
 * (server-internal.h): the one slot for users of /dev/sonde, the files
 * of a request's children in the server's private directory, and the run
 * of one child while its client is watched.
 *
 * One slot, not one per kind: the module admits one opener at a time,
 * so a recording (profile.c) and a thread snapshot (stacks.c) exclude
 * each other as two recordings do.  The slot says who holds it, so that
 * a refusal can say what it waits for.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "serve/server-internal.h"

const char *serve_slot__name(enum serve_slot slot)
{
	switch (slot) {
	case SERVE_SLOT_PROFILE:
		return "a profile";
	case SERVE_SLOT_STACKS:
		return "a thread snapshot (GET /stacks)";
	default:
		return "nothing";
	}
}

bool serve_slot__take(struct server *s, enum serve_slot what,
		      unsigned long long *id, enum serve_slot *holder)
{
	bool got;

	pthread_mutex_lock(&s->lock);
	got = !s->busy;
	if (got) {
		s->busy = what;
		*id = ++s->next_id;
	} else if (holder) {
		*holder = s->busy;
	}
	pthread_mutex_unlock(&s->lock);
	return got;
}

void serve_slot__give(struct server *s)
{
	pthread_mutex_lock(&s->lock);
	s->busy = SERVE_SLOT_FREE;
	pthread_mutex_unlock(&s->lock);
}

void serve_paths__init(struct serve_paths *p, const struct server *s,
		       unsigned long long id)
{
	p->dir = s->tmpdir;
	snprintf(p->data, sizeof(p->data), "%s/%llu.data", s->tmpdir, id);
	snprintf(p->out, sizeof(p->out), "%s/%llu.out", s->tmpdir, id);
	snprintf(p->err, sizeof(p->err), "%s/%llu.err", s->tmpdir, id);
}

/*
 * Whatever else the children made there goes too: a record or export
 * stopped before its end leaves its temporary (ID.data.tmp-PID,
 * lib/outfile.h).
 */
void serve_paths__remove(const struct serve_paths *p)
{
	const char *base = strrchr(p->err, '/') + 1;
	size_t len = strchr(base, '.') - base + 1;	/* "ID." */
	struct dirent *de;
	DIR *d;

	unlink(p->data);
	unlink(p->out);
	unlink(p->err);
	d = opendir(p->dir);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, base, len))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

void serve_paths__message(const struct serve_paths *p, char *msg,
			  size_t size)
{
	char *text = NULL, *line, *save, *last = NULL;
	size_t len;

	snprintf(msg, size, "no message");
	if (read_file(p->err, &text, &len))
		return;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		fprintf(stderr, "sonde: serve: child: %s\n", line);
		last = line;
	}
	if (last) {
		if (!strncmp(last, "sonde: ", 7))
			last += 7;
		snprintf(msg, size, "%s", last);
	}
	free(text);
}

int server__conn_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci ? ci->connect_fd : -1;
}

int server__run_child(struct server *s, struct MHD_Connection *conn,
		      char *const argv[], const char *out_path,
		      const struct serve_paths *p, int *status)
{
	struct serve_child c;
	int err;

	err = serve_child__spawn(&c, "/proc/self/exe", argv, out_path, p->err);
	if (err) {
		pr_err("serve: cannot start sonde %s: %s", argv[1],
		       strerror(-err));
		return err;
	}
	return serve_child__wait(&c, server__conn_fd(conn), s->stop_fd,
				 status);
}
