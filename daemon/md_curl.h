/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libcurl loop: one curl multi handle inside enid's epoll loop
 * (CURLMOPT_SOCKETFUNCTION watches, CURLMOPT_TIMERFUNCTION on a timerfd; no
 * blocking call, no thread). It knows URLs, one optional header and bodies, nothing
 * of the metadata service: the metadata client (md_client.h) says what to ask and
 * reads the answers in its done callback.
 */
#ifndef ENID_MD_CURL_H
#define ENID_MD_CURL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct md_curl;

struct md_curl_req {
	/* the caller's, set after md_curl_start(); never read here */
	void *owner;
	int kind, key;
	unsigned gen;
	/* the answer: at most MD_MAX_BODY + 1 bytes (longer is cut, refused by the parsers) */
	char *body; /* NULL when empty; not NUL-terminated */
	size_t len;
	uint64_t sent_us; /* when it was started (now_us()) */
	/* the loop's */
	struct md_curl *h;
	struct md_curl_req *next;
	void *easy;
	struct curl_slist *hdrs;
	size_t cap;
	bool oversize;
};

/* A finished request: http is the status, 0 for a timeout or a transport error,
 * which err names ("timeout", libcurl's text). r is freed when this returns. */
typedef void md_curl_done_fn(void *ctx, struct md_curl_req *r, long http, const char *err);

/* Loads libcurl (curl_dl.h), creates the multi handle and its timerfd in loop.
 * 0, -ENOPKG (why says what dlopen() said), -ENOMEM, or -errno. */
int md_curl_open(struct md_curl **out, struct loop *loop, unsigned max_conns, md_curl_done_fn *done,
		 void *ctx, char *why, size_t whylen);
/* Cancels every request; h is freed. */
void md_curl_close(struct md_curl *h);

/*
 * Starts a GET of url, or with put an empty PUT, with header ("Name: value", may be
 * NULL), timeout_ms and user_agent. Never through a proxy, never a redirect, http only.
 * NULL when libcurl or memory says no.
 */
struct md_curl_req *md_curl_start(struct md_curl *h, const char *url, bool put, const char *header,
				  long timeout_ms, const char *user_agent);
/* Stops r and frees it; its done callback is never called. */
void md_curl_cancel(struct md_curl *h, struct md_curl_req *r);
/* Every request of owner (every request when owner is NULL). */
void md_curl_cancel_owner(struct md_curl *h, const void *owner);
/* End of a loop turn: frees the sockets libcurl let go (the turn's epoll batch may
 * still have held an event for them). */
void md_curl_idle(struct md_curl *h);

#endif /* ENID_MD_CURL_H */
