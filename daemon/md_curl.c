// SPDX-License-Identifier: GPL-2.0-or-later
/* The libcurl loop: curl multi in enid's epoll loop (see md_curl.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include <curl/curl.h>

#include "curl_dl.h"
#include "log.h"
#include "loop.h"
#include "md_curl.h"
#include "metadata.h"
#include "util.h"

/* One socket libcurl asked us to watch. Let go ones wait for md_curl_idle(): the
 * current epoll batch may still hold an event for them. */
struct md_sock {
	struct watch w;
	struct md_curl *h;
	struct md_sock *next_dead;
};

struct md_curl {
	struct loop *loop;
	CURLM *multi;
	struct watch timer_w; /* timerfd for CURLMOPT_TIMERFUNCTION */
	struct md_curl_req *reqs;
	struct md_sock *dead;
	md_curl_done_fn *done;
	void *ctx;
};

static void drain(struct md_curl *h);

/* ---- libcurl's sockets and timer in the epoll loop ---- */

static void on_sock(struct watch *w, uint32_t events)
{
	struct md_sock *ms = w->data;
	struct md_curl *h = ms->h;
	int flags = 0, running;

	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_api.multi_socket_action(h->multi, w->fd, flags, &running);
	drain(h);
}

static void on_dead_sock(struct watch *w, uint32_t events)
{
	(void)w;
	(void)events;
}

static int sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct md_curl *h = userp;
	struct md_sock *ms = socketp;
	uint32_t ev = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (ms) {
			loop_del(h->loop, &ms->w);
			ms->w.fn = on_dead_sock;
			ms->next_dead = h->dead;
			h->dead = ms;
			curl_api.multi_assign(h->multi, fd, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	if (ms)
		return loop_mod(h->loop, &ms->w, ev) < 0 ? -1 : 0;
	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return -1;
	ms->h = h;
	ms->w.fd = fd;
	ms->w.fn = on_sock;
	ms->w.data = ms;
	if (loop_add(h->loop, &ms->w, ev) < 0) {
		free(ms);
		return -1;
	}
	curl_api.multi_assign(h->multi, fd, ms);
	return 0;
}

static void timerfd_set(int fd, uint64_t sec, long nsec)
{
	struct itimerspec its = {0};

	its.it_value.tv_sec = (time_t)sec;
	its.it_value.tv_nsec = nsec;
	timerfd_settime(fd, 0, &its, NULL);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct md_curl *h = userp;

	(void)multi;
	if (timeout_ms < 0)
		timerfd_set(h->timer_w.fd, 0, 0); /* disarm */
	else if (timeout_ms == 0)
		timerfd_set(h->timer_w.fd, 0, 1); /* as soon as possible, from the loop */
	else
		timerfd_set(h->timer_w.fd, (uint64_t)timeout_ms / 1000,
			    timeout_ms % 1000 * 1000000L);
	return 0;
}

static void on_timer(struct watch *w, uint32_t events)
{
	struct md_curl *h = w->data;
	uint64_t ticks;
	int running;

	(void)events;
	if (read(w->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_debug("metadata timerfd: %m");
	curl_api.multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(h);
}

/* ---- requests ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct md_curl_req *r = userp;
	size_t n = size * nmemb, room = MD_MAX_BODY + 1 - r->len, take = n < room ? n : room;

	if (r->len + take > r->cap) {
		size_t cap = r->cap ? r->cap : 512;
		char *p;

		while (cap < r->len + take)
			cap *= 2;
		if (cap > MD_MAX_BODY + 1)
			cap = MD_MAX_BODY + 1;
		p = realloc(r->body, cap);
		if (!p)
			return 0; /* a transport error */
		r->body = p;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, take);
	r->len += take;
	if (take < n) {
		r->oversize = true; /* refused anyway: stop reading it */
		return 0;
	}
	return n;
}

static size_t no_upload(char *buf, size_t size, size_t nmemb, void *userp)
{
	(void)buf;
	(void)size;
	(void)nmemb;
	(void)userp;
	return 0;
}

static void req_free(struct md_curl_req *r)
{
	if (r->easy) {
		curl_api.multi_remove_handle(r->h->multi, r->easy);
		curl_api.easy_cleanup(r->easy);
	}
	curl_api.slist_free_all(r->hdrs);
	free(r->body);
	free(r);
}

static void req_unlink(struct md_curl *h, struct md_curl_req *r)
{
	for (struct md_curl_req **pp = &h->reqs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
}

void md_curl_cancel(struct md_curl *h, struct md_curl_req *r)
{
	req_unlink(h, r);
	req_free(r);
}

void md_curl_cancel_owner(struct md_curl *h, const void *owner)
{
	for (struct md_curl_req *r = h->reqs, *next; r; r = next) {
		next = r->next;
		if (!owner || r->owner == owner)
			md_curl_cancel(h, r);
	}
}

struct md_curl_req *md_curl_start(struct md_curl *h, const char *url, bool put, const char *header,
				  long timeout_ms, const char *user_agent)
{
	struct md_curl_req *r = calloc(1, sizeof(*r));
	CURL *e;

	if (!r)
		return NULL;
	r->h = h;
	r->sent_us = now_us();
	r->easy = e = curl_api.easy_init();
	if (!e)
		goto fail;
	if (header) {
		r->hdrs = curl_api.slist_append(NULL, header);
		if (!r->hdrs)
			goto fail;
	}
	if (put) {
		curl_api.easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_api.easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)0);
		curl_api.easy_setopt(e, CURLOPT_READFUNCTION, no_upload);
	}
	curl_api.easy_setopt(e, CURLOPT_URL, url);
	curl_api.easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_api.easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_api.easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_api.easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_api.easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_api.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* the service is on the instance's own network: never through $http_proxy */
	curl_api.easy_setopt(e, CURLOPT_PROXY, "");
	curl_api.easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_api.easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_api.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
#endif
	curl_api.easy_setopt(e, CURLOPT_USERAGENT, user_agent);
	if (curl_api.multi_add_handle(h->multi, e) != CURLM_OK)
		goto fail;
	r->next = h->reqs;
	h->reqs = r;
	return r;
fail:
	if (r->easy)
		curl_api.easy_cleanup(r->easy);
	r->easy = NULL;
	req_free(r);
	return NULL;
}

/* ---- completions ---- */

static void req_done(struct md_curl *h, struct md_curl_req *r, CURLcode res)
{
	const char *err = curl_api.easy_strerror(res);
	long http = 0;

	if (res == CURLE_OK || (r->oversize && res == CURLE_WRITE_ERROR))
		curl_api.easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &http);
	if (res == CURLE_OPERATION_TIMEDOUT)
		err = "timeout";
	req_unlink(h, r);
	h->done(h->ctx, r, http, err);
	req_free(r);
}

static void drain(struct md_curl *h)
{
	CURLMsg *m;
	int left;

	while ((m = curl_api.multi_info_read(h->multi, &left))) {
		CURLcode res = m->data.result;
		char *priv = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_api.easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		if (priv)
			req_done(h, (struct md_curl_req *)priv, res);
	}
}

/* ---- set-up ---- */

int md_curl_open(struct md_curl **out, struct loop *loop, unsigned max_conns, md_curl_done_fn *done,
		 void *ctx, char *why, size_t whylen)
{
	struct md_curl *h;
	int fd, err;

	err = curl_dl_load(why, whylen);
	if (err)
		return err;
	if (curl_api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -ENOMEM;
	h = calloc(1, sizeof(*h));
	if (!h) {
		curl_api.global_cleanup();
		return -ENOMEM;
	}
	h->loop = loop;
	h->done = done;
	h->ctx = ctx;
	h->timer_w.fd = -1;
	h->multi = curl_api.multi_init();
	if (!h->multi) {
		err = -ENOMEM;
		goto fail;
	}
	curl_api.multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_api.multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_api.multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_api.multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_api.multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_conns);
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	err = loop_watch(loop, &h->timer_w, fd, on_timer, h);
	if (err)
		goto fail;
	*out = h;
	return 0;
fail:
	md_curl_close(h);
	return err;
}

void md_curl_idle(struct md_curl *h)
{
	while (h->dead) {
		struct md_sock *ms = h->dead;

		h->dead = ms->next_dead;
		free(ms);
	}
}

void md_curl_close(struct md_curl *h)
{
	if (!h)
		return;
	md_curl_cancel_owner(h, NULL);
	if (h->multi)
		curl_api.multi_cleanup(h->multi); /* REMOVEs its sockets: onto the dead list */
	md_curl_idle(h);
	if (h->timer_w.fd >= 0) {
		loop_del(h->loop, &h->timer_w);
		close(h->timer_w.fd);
	}
	free(h);
	curl_api.global_cleanup();
}
