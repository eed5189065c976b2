// SPDX-License-Identifier: GPL-2.0-or-later
/* The HTTP client in enid's epoll loop (see http_client.h, http_msg.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "http_client.h"
#include "http_msg.h"
#include "log.h"
#include "loop.h"
#include "util.h"

/* One connection to a server. Closed ones wait for http_client_idle() on h->dead. */
struct http_conn {
	struct watch w;
	struct http_client *h;
	struct http_conn *next;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool connecting;
	struct http_req *req; /* the request it serves; NULL when idle */
	size_t sent;	      /* bytes of req->msg written */
	unsigned served;      /* answers read on it */
	uint64_t idle_until;  /* closed then, when idle */
	struct http_resp resp;
};

struct http_client {
	struct loop *loop;
	unsigned max_conns, nconns;
	size_t body_max;
	struct http_conn *conns, *dead;
	struct http_req *reqs; /* in start order: the queue */
	struct watch timer_w;
	uint64_t timer_at;
	http_done_fn *done;
	void *ctx;
};

static void dispatch(struct http_client *h);
static void timer_rearm(struct http_client *h);

/* ---- connections ---- */

static void on_dead(struct watch *w, uint32_t events)
{
	(void)w;
	(void)events;
}

static void conn_close(struct http_conn *c)
{
	struct http_client *h = c->h;

	for (struct http_conn **pp = &h->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	h->nconns--;
	if (c->req)
		c->req->conn = NULL;
	loop_del(h->loop, &c->w);
	close(c->w.fd);
	http_resp_free(&c->resp);
	c->w.fn = on_dead;
	c->next = h->dead;
	h->dead = c;
}

static bool same_server(const struct http_conn *c, const struct http_url *u)
{
	return c->addrlen == u->addrlen && !memcmp(&c->addr, &u->addr, u->addrlen);
}

/* ---- requests ---- */

static void req_unlink(struct http_client *h, struct http_req *r)
{
	for (struct http_req **pp = &h->reqs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
}

/* r is over: its connection is kept (when the answer allows) or closed, then the
 * caller is told and r freed. */
static void finish(struct http_client *h, struct http_req *r, long http, const char *err)
{
	struct http_conn *c = r->conn;

	if (c) {
		c->req = NULL;
		r->conn = NULL;
		if (http && c->resp.keep_alive) {
			c->served++;
			c->idle_until = now_us() + HTTP_IDLE_MS * 1000ULL;
			http_resp_free(&c->resp);
			loop_mod(h->loop, &c->w, EPOLLIN); /* a close by the server */
		} else {
			conn_close(c);
		}
	}
	req_unlink(h, r);
	h->done(h->ctx, r, http, err);
	free(r->body);
	free(r);
}

static void finish_err(struct http_client *h, struct http_req *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void finish_err(struct http_client *h, struct http_req *r, const char *fmt, ...)
{
	char err[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, sizeof(err), fmt, ap);
	va_end(ap);
	finish(h, r, 0, err);
}

/* Retry r on a new connection: every idle one to its server is as stale as c was. */
static void conn_dropped(struct http_client *h, struct http_conn *c)
{
	struct http_req *r = c->req;

	r->retried = true;
	conn_close(c);
	for (struct http_conn *o = h->conns, *next; o; o = next) {
		next = o->next;
		if (!o->req && o->addrlen == c->addrlen && !memcmp(&o->addr, &c->addr, c->addrlen))
			conn_close(o);
	}
}

static void conn_send(struct http_conn *c)
{
	struct http_req *r = c->req;
	ssize_t n;

	while (c->sent < r->msg_len) {
		n = send(c->w.fd, r->msg + c->sent, r->msg_len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			loop_mod(c->h->loop, &c->w, EPOLLOUT);
			return;
		}
		if (n < 0) {
			int e = errno;

			if (c->served && !r->retried && (e == EPIPE || e == ECONNRESET)) {
				conn_dropped(c->h, c); /* the server closed it meanwhile */
				return;
			}
			r->fail_what = "send"; /* told from the timer: this may run in dispatch() */
			r->fail_errno = e;
			conn_close(c);
			return;
		}
		c->sent += (size_t)n;
	}
	loop_mod(c->h->loop, &c->w, EPOLLIN);
}

static void conn_assign(struct http_conn *c, struct http_req *r)
{
	c->req = r;
	c->sent = 0;
	r->conn = c;
	http_resp_init(&c->resp, c->h->body_max);
	if (!c->connecting)
		conn_send(c);
}

static void conn_read(struct http_client *h, struct http_conn *c)
{
	char buf[4096];

	for (;;) {
		struct http_req *r = c->req;
		ssize_t n = recv(c->w.fd, buf, sizeof(buf), 0);
		size_t used = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (!r) { /* idle: the server closed it, or sent what nobody asked */
			conn_close(c);
			return;
		}
		if (n <= 0 && c->served && !r->retried && !http_resp_started(&c->resp) &&
		    (n == 0 || errno == ECONNRESET)) {
			conn_dropped(h, c);
			return;
		}
		if (n < 0) {
			finish_err(h, r, "%s: receive: %s", r->url, strerror(errno));
			return;
		}
		if ((n ? http_resp_feed(&c->resp, buf, (size_t)n, &used)
		       : http_resp_eof(&c->resp)) == HTTP_DONE) {
			if (used < (size_t)n)
				c->resp.keep_alive = false; /* bytes nobody asked for: not reused */
			r->body = c->resp.body;
			r->len = c->resp.len;
			c->resp.body = NULL;
			finish(h, r, c->resp.status, NULL);
			return;
		}
		if (c->resp.st == HTTP_ERROR) {
			finish_err(h, r, "%s: %s", r->url, c->resp.err);
			return;
		}
		if (!n)
			return; /* not reached: eof is done or an error */
	}
}

static void conn_connected(struct http_client *h, struct http_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->w.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		struct http_req *r = c->req;

		finish_err(h, r, "%s: connect: %s", r->url, strerror(err));
		return;
	}
	c->connecting = false;
	conn_send(c);
}

static void on_conn(struct watch *w, uint32_t events)
{
	struct http_conn *c = w->data;
	struct http_client *h = c->h;

	if (c->connecting)
		conn_connected(h, c);
	else if (c->req && c->sent < c->req->msg_len && (events & EPOLLOUT))
		conn_send(c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(h, c);
	dispatch(h);
	timer_rearm(h);
}

/* A new connection for r. */
static void conn_open(struct http_client *h, struct http_req *r, const struct http_url *u)
{
	struct http_conn *c = calloc(1, sizeof(*c));
	int fd, one = 1;

	if (!c) {
		r->fail_what = "out of memory";
		return;
	}
	fd = socket(u->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		r->fail_what = "socket";
		r->fail_errno = errno;
		free(c);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->h = h;
	c->w.fd = fd;
	c->w.fn = on_conn;
	c->w.data = c;
	c->addr = u->addr;
	c->addrlen = u->addrlen;
	c->connecting = true;
	if (connect(fd, (const struct sockaddr *)&u->addr, u->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		r->fail_what = "connect"; /* e.g. no route: told from the timer */
		r->fail_errno = errno;
		close(fd);
		free(c);
		return;
	}
	if (loop_add(h->loop, &c->w, EPOLLOUT) < 0) {
		r->fail_what = "cannot watch the socket";
		close(fd);
		free(c);
		return;
	}
	c->next = h->conns;
	h->conns = c;
	h->nconns++;
	conn_assign(c, r);
}

/* Gives waiting requests a connection: an idle one to their server, a new one while
 * fewer than max_conns are open (an idle one to another server is closed for it). */
static void dispatch(struct http_client *h)
{
	for (struct http_req *r = h->reqs; r; r = r->next) {
		struct http_conn *idle = NULL, *other = NULL;
		struct http_url u;
		char why[80];

		if (r->conn || r->fail_what)
			continue;
		if (!http_url_parse(r->url, &u, why, sizeof(why))) {
			r->fail_what = "bad URL"; /* refused at start: not reached */
			continue;
		}
		for (struct http_conn *c = h->conns; c; c = c->next) {
			if (c->req)
				continue;
			if (same_server(c, &u))
				idle = c;
			else
				other = c;
		}
		if (idle) {
			conn_assign(idle, r);
			continue;
		}
		if (h->nconns >= h->max_conns && other)
			conn_close(other);
		if (h->nconns >= h->max_conns)
			break; /* first come, first served */
		conn_open(h, r, &u);
	}
}

/* ---- the timer: deadlines, idle connections, deferred failures ---- */

static void timer_rearm(struct http_client *h)
{
	uint64_t at = 0;

	bool free_slot = h->nconns < h->max_conns;

	for (struct http_conn *c = h->conns; c; c = c->next)
		free_slot |= !c->req;
	for (struct http_req *r = h->reqs; r; r = r->next) {
		/* failed, or waiting while a connection could be had: at once, from the loop */
		uint64_t t = r->fail_what || (!r->conn && free_slot) ? 1 : r->deadline_us;

		if (!at || t < at)
			at = t;
	}
	for (struct http_conn *c = h->conns; c; c = c->next)
		if (!c->req && (!at || c->idle_until < at))
			at = c->idle_until;
	timerfd_arm_at(h->timer_w.fd, &h->timer_at, at);
}

static void on_timer(struct watch *w, uint32_t events)
{
	struct http_client *h = w->data;
	uint64_t now = now_us();
	bool again = true;

	(void)events;
	timerfd_drain(w->fd);
	h->timer_at = 0;
	while (again) { /* a callback may start or cancel requests: walk again */
		again = false;
		for (struct http_req *r = h->reqs; r; r = r->next) {
			if (r->fail_what) {
				finish_err(h, r, "%s: %s%s%s", r->url, r->fail_what,
					   r->fail_errno ? ": " : "",
					   r->fail_errno ? strerror(r->fail_errno) : "");
			} else if (r->deadline_us <= now) {
				finish(h, r, 0, "timeout");
			} else {
				continue;
			}
			again = true;
			break;
		}
	}
	for (struct http_conn *c = h->conns, *next; c; c = next) {
		next = c->next;
		if (!c->req && c->idle_until <= now)
			conn_close(c);
	}
	dispatch(h);
	timer_rearm(h);
}

/* ---- the public face ---- */

struct http_req *http_client_start(struct http_client *h, const char *url, bool put,
				   const char *header, long timeout_ms, const char *user_agent)
{
	size_t ul = strlen(url) + 1, ml = ul + 256 + (header ? strlen(header) : 0) +
					  (user_agent ? strlen(user_agent) : 0);
	struct http_req *r;
	struct http_url u;
	char why[80];
	int n;

	if (!http_url_parse(url, &u, why, sizeof(why))) {
		log_err("metadata: %s: %s", url, why);
		return NULL;
	}
	r = calloc(1, sizeof(*r) + ul + ml);
	if (!r)
		return NULL;
	memcpy(r->url, url, ul);
	r->msg = r->url + ul;
	http_url_parse(r->url, &u, why, sizeof(why)); /* path into r's copy */
	n = http_request_build(r->msg, ml, put, &u, header, user_agent);
	if (n < 0) {
		log_err("metadata: %s: a header holds a control character", url);
		free(r);
		return NULL;
	}
	r->msg_len = (size_t)n;
	r->sent_us = now_us();
	r->deadline_us = r->sent_us + (uint64_t)(timeout_ms > 0 ? timeout_ms : 1) * 1000u;
	/* at the queue's tail: first come, first served */
	struct http_req **pp = &h->reqs;

	while (*pp)
		pp = &(*pp)->next;
	*pp = r;
	dispatch(h);
	timer_rearm(h);
	return r;
}

void http_client_cancel(struct http_client *h, struct http_req *r)
{
	if (r->conn)
		conn_close(r->conn); /* its answer is half read: not reusable */
	req_unlink(h, r);
	free(r->body);
	free(r);
	dispatch(h);
	timer_rearm(h);
}

void http_client_cancel_owner(struct http_client *h, const void *owner)
{
	for (struct http_req *r = h->reqs, *next; r; r = next) {
		next = r->next;
		if (!owner || r->owner == owner) {
			if (r->conn)
				conn_close(r->conn);
			req_unlink(h, r);
			free(r->body);
			free(r);
		}
	}
	dispatch(h);
	timer_rearm(h);
}

void http_client_idle(struct http_client *h)
{
	/* nothing left to ask: no fd and no wakeup stays behind for an idle daemon */
	if (!h->reqs && h->conns) {
		while (h->conns)
			conn_close(h->conns);
		timer_rearm(h); /* disarmed */
	}
	while (h->dead) {
		struct http_conn *c = h->dead;

		h->dead = c->next;
		free(c);
	}
}

int http_client_open(struct http_client **out, struct loop *loop, unsigned max_conns,
		     size_t body_max, http_done_fn *done, void *ctx)
{
	struct http_client *h = calloc(1, sizeof(*h));
	int fd, err;

	if (!h)
		return -ENOMEM;
	h->loop = loop;
	h->max_conns = max_conns ? max_conns : 1;
	h->body_max = body_max;
	h->done = done;
	h->ctx = ctx;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		free(h);
		return err;
	}
	err = loop_watch(loop, &h->timer_w, fd, on_timer, h);
	if (err) {
		close(fd);
		free(h);
		return err;
	}
	*out = h;
	return 0;
}

void http_client_close(struct http_client *h)
{
	if (!h)
		return;
	for (struct http_req *r = h->reqs, *next; r; r = next) {
		next = r->next;
		free(r->body);
		free(r);
	}
	h->reqs = NULL;
	while (h->conns) {
		h->conns->req = NULL;
		conn_close(h->conns);
	}
	http_client_idle(h);
	loop_del(h->loop, &h->timer_w);
	close(h->timer_w.fd);
	free(h);
}
