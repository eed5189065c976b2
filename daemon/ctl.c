// SPDX-License-Identifier: GPL-2.0-or-later
/* The control socket (ctl.h, ctl_proto.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "log.h"
#include "rundir.h"
#include "util.h"

#define STR_(x) #x
#define STR(x)	STR_(x)

struct ctl_client {
	struct watch w;
	struct ctl *d;
	struct ctl_client *next;
	char in[CTL_MAX_REQ];
	size_t in_len;
	struct sbuf out;
	size_t out_off;
	bool answering;
	bool root; /* uid 0: may change things (reload, resync, refresh, flush) */
};

/* More clients at once than anyone asks for; enictl holds one for one request. */
#define CTL_MAX_CLIENTS 32

static bool at_cap_logged;

static void client_free(struct ctl *d, struct ctl_client *c)
{
	struct ctl_client **pp;

	for (pp = &d->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	loop_del(d->loop, &c->w);
	close(c->w.fd);
	sbuf_free(&c->out);
	free(c);
}

static void answer(struct ctl_client *c, const char *req)
{
	const struct ctl_ops *ops = c->d->ops;
	char *msgs = NULL;

	if (!c->root && strcmp(req, "status") && strcmp(req, "status json")) {
		sbuf_printf(&c->out,
			    "error\npermission denied: \"%.64s\" needs root (status is "
			    "open to every user)\n",
			    req);
		return;
	}
	if (!strcmp(req, "status") || !strcmp(req, "status json")) {
		sbuf_printf(&c->out, "ok\n");
		ops->status(ops->ctx, !strcmp(req, "status json"), &c->out);
	} else if (!strcmp(req, "reload")) {
		if (ops->reload(ops->ctx, &msgs) == 0)
			sbuf_printf(&c->out, "ok\nconfig reloaded\n");
		else
			sbuf_printf(&c->out, "error\n%s", msgs ? msgs : "reload failed\n");
		free(msgs);
	} else if (!strcmp(req, "refresh") || !strncmp(req, "refresh ", 8)) {
		struct sbuf msg = {0};
		int r = ops->refresh(ops->ctx, req[7] ? req + 8 : NULL, &msg);

		sbuf_printf(&c->out, "%s\n%s", r < 0 ? "error" : "ok", msg.s ? msg.s : "");
		sbuf_free(&msg);
	} else if (!strcmp(req, "flush")) {
		struct sbuf msg = {0};
		int r = ops->flush(ops->ctx, &msg);

		sbuf_printf(&c->out, "%s\n%s", r ? "error" : "ok", msg.s ? msg.s : "");
		sbuf_free(&msg);
	} else if (!strcmp(req, "resync")) {
		ops->resync(ops->ctx, "requested over the control socket");
		sbuf_printf(&c->out, "ok\nresync started\n");
	} else {
		sbuf_printf(&c->out, "error\nunknown request \"%.64s\"\n", req);
	}
}

static void client_io(struct watch *w, uint32_t events)
{
	struct ctl_client *c = w->data;
	struct ctl *d = c->d;

	if (!c->answering && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		for (;;) {
			ssize_t n = read(w->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);
			char *nl;

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return;
			if (n < 0) {
				client_free(d, c);
				return;
			}
			c->in_len += (size_t)n;
			c->in[c->in_len] = '\0';
			nl = strchr(c->in, '\n');
			if (nl)
				*nl = '\0';
			if (nl || n == 0 || c->in_len == sizeof(c->in) - 1) {
				if (!nl && !c->in_len) { /* hung up without asking */
					client_free(d, c);
					return;
				}
				break;
			}
		}
		c->answering = true;
		answer(c, c->in);
		if (c->out.oom) {
			client_free(d, c);
			return;
		}
		loop_mod(d->loop, w, EPOLLOUT);
	}
	if (!c->answering)
		return;
	while (c->out_off < c->out.len) {
		ssize_t n =
			send(w->fd, c->out.s + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			break;
		c->out_off += (size_t)n;
	}
	client_free(d, c);
}

static unsigned int clients_count(const struct ctl *d)
{
	unsigned int n = 0;

	for (const struct ctl_client *c = d->clients; c; c = c->next)
		n++;
	return n;
}

/* Over the cap: a one-line answer and close, as systemd's MaxConnections= does. */
static void refuse_busy(int fd)
{
	static const char msg[] =
		"error\ntoo many control clients (" STR(CTL_MAX_CLIENTS) " at once); try again\n";
	char junk[4 * CTL_MAX_REQ];

	if (!at_cap_logged) {
		log_warn("control: %d clients connected; refusing more until one leaves",
			 CTL_MAX_CLIENTS);
		at_cap_logged = true;
	}
	/* take what the client sent: closing on unread data would reset the connection */
	if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) < 0 && errno != EAGAIN)
		log_debug("control: reading a refused client: %m");
	if (send(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("control: telling a refused client: %m");
	close(fd);
}

static void ctl_accept(struct watch *w, uint32_t events)
{
	struct ctl *d = w->data;
	struct ctl_client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	(void)events;
	for (;;) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("control socket: accept: %m");
			return;
		}
		if (clients_count(d) >= CTL_MAX_CLIENTS) {
			refuse_busy(fd);
			continue;
		}
		at_cap_logged = false;
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		/* any user may ask for the status; the other requests check c->root */
		len = sizeof(cred);
		c->root =
			getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == 0;
		c->d = d;
		c->next = d->clients;
		d->clients = c;
		if (loop_watch(d->loop, &c->w, fd, client_io, c) < 0)
			client_free(d, c);
	}
}

int ctl_open(struct ctl *d, struct loop *loop, const char *run_dir, const struct ctl_ops *ops)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd, err;

	d->ops = ops;
	d->loop = loop;
	d->run_dir = run_dir;
	d->fd = -1;
	err = run_dir_prepare(d->run_dir);
	if (err)
		return err;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", d->run_dir,
			     ENID_SOCK_NAME) >= sizeof(sa.sun_path)) {
		log_err("run dir %s: path too long for a unix socket", d->run_dir);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* a live socket means another enid owns this run dir */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN) {
		log_err("%s: another enid is running", sa.sun_path);
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* the socket file takes the open socket's mode at bind: never a chmod by path;
	 * every user may connect (status), requests that change things need uid 0 */
	if (fchmod(fd, 0666) < 0) {
		err = -errno;
		log_err("%s: fchmod: %s", sa.sun_path, strerror(-err));
		close(fd);
		return err;
	}
	old = umask(0111); /* and the umask, for kernels that ignore the socket's mode */
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err < 0 || listen(fd, 16) < 0) {
		err = -errno;
		log_err("%s: %s", sa.sun_path, strerror(-err));
		close(fd);
		return err;
	}
	d->fd = fd;
	return loop_watch(d->loop, &d->w, fd, ctl_accept, d);
}

void ctl_close(struct ctl *d)
{
	char path[PATH_MAX + 16];

	while (d->clients)
		client_free(d, d->clients);
	if (d->fd < 0)
		return;
	loop_del(d->loop, &d->w);
	close(d->fd);
	d->fd = -1;
	snprintf(path, sizeof(path), "%s/%s", d->run_dir, ENID_SOCK_NAME);
	unlink(path);
}
