/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTP client inside enid's epoll loop, the I/O half of http_msg.h (which says why
 * it is hand-written and what it does not do). Non-blocking connects to an IP literal,
 * at most max_conns connections (more requests queue, first come first served), one
 * request at a time per connection, kept alive between requests to the same server (a
 * burst of requests costs one connect per connection) and closed at the end of the loop
 * turn that leaves no request (an idle enid holds no socket and gets no wakeup from
 * them), or after HTTP_IDLE_MS unused while other requests run. A request that a
 * kept-alive connection drops before any byte of its answer (the server closed it
 * meanwhile) is sent once more on a new connection. Timeouts run on one timerfd; no
 * blocking call, no thread, no name resolution. It knows URLs, one optional header and
 * bodies, nothing of the metadata service: the metadata client (md_client.h) says what
 * to ask and reads the answers in its done callback.
 */
#ifndef ENID_HTTP_CLIENT_H
#define ENID_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct http_client;
struct http_conn;

#define HTTP_IDLE_MS 5000 /* an unused kept-alive connection is closed after this */

struct http_req {
	/* the caller's, set after http_client_start(); never read here */
	void *owner;
	int kind, key;
	unsigned gen;
	/* the answer: at most body_max + 1 bytes (longer is cut, refused by the caller) */
	char *body; /* NULL when empty; not NUL-terminated */
	size_t len;
	uint64_t sent_us; /* when it was started (now_us()) */
	/* the client's */
	struct http_req *next;
	struct http_conn *conn; /* serving it; NULL while it waits for one */
	uint64_t deadline_us;
	bool retried;	       /* sent again after a kept-alive connection dropped it */
	const char *fail_what; /* fails at the next timer tick (set where no callback may run) */
	int fail_errno;
	size_t msg_len;
	char *msg; /* the request's bytes, after url in the same allocation */
	char url[];
};

/* A finished request: http is the status, 0 for a timeout or a transport error, which
 * err names ("timeout", or the URL and what went wrong). r is freed when this returns. */
typedef void http_done_fn(void *ctx, struct http_req *r, long http, const char *err);

/* Creates the client and its timerfd in loop. 0, -ENOMEM or -errno. */
int http_client_open(struct http_client **out, struct loop *loop, unsigned max_conns,
		     size_t body_max, http_done_fn *done, void *ctx);
/* Cancels every request, closes every connection; h is freed. */
void http_client_close(struct http_client *h);

/*
 * Starts a GET of url (http://IP[:PORT]/PATH, http_msg.h), or with put an empty PUT,
 * with header ("Name: value", may be NULL), timeout_ms (from now, waiting for a
 * connection included) and user_agent. Never through a proxy, never a redirect. Its
 * done callback is never called from inside this call. NULL when out of memory or when
 * an argument is refused (logged, naming the URL).
 */
struct http_req *http_client_start(struct http_client *h, const char *url, bool put,
				   const char *header, long timeout_ms, const char *user_agent);
/* Stops r and frees it; its done callback is never called. */
void http_client_cancel(struct http_client *h, struct http_req *r);
/* Every request of owner (every request when owner is NULL). */
void http_client_cancel_owner(struct http_client *h, const void *owner);
/* End of a loop turn: closes every connection when no request is left, frees those
 * closed during the turn (its epoll batch may still have held an event for them). */
void http_client_idle(struct http_client *h);

#endif /* ENID_HTTP_CLIENT_H */
