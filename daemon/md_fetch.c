// SPDX-License-Identifier: GPL-2.0-or-later
/* The metadata fetcher: libcurl multi in enid's epoll loop (see md_fetch.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include <curl/curl.h>

#include "addressing.h"
#include "curl_dl.h"
#include "enid.h"
#include "log.h"
#include "md_fetch.h"
#include "metadata.h"
#include "util.h"

#define AUTH_RETRIES 2 /* 401/403 rounds retried at once (new token); then back off */

enum req_kind { REQ_KEY, REQ_TOKEN, REQ_PROBE };

struct md_req {
	struct md_client *c;
	struct md_req *next;
	enum req_kind kind;
	struct md_job *job; /* REQ_KEY */
	enum md_key key;
	unsigned gen; /* token generation sent with it, 0 = none */
	uint64_t sent_us;
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	size_t len, cap;
	bool oversize; /* more than MD_MAX_BODY: cut, refused by the parsers */
};

/* One socket libcurl asked us to watch. Let go ones wait for md_idle(): the current
 * epoll batch may still hold an event for them. */
struct md_sock {
	struct watch w;
	struct md_client *c;
	struct md_sock *next_dead;
};

enum tok_state {
	TOK_NONE,      /* none: PUT when a request needs one */
	TOK_PUTTING,   /* the first PUT is in flight */
	TOK_VALID,     /* token in c->token (a renewal PUT may be in flight) */
	TOK_WAIT,      /* a PUT failed: next one at tok_retry_at */
	TOK_TOKENLESS, /* off, or auto after "not supported" */
};

struct md_job {
	struct md_job *next;
	struct md_client *c;
	int ifindex;
	uint8_t mac[6];
	struct md_fetch f;
	bool active; /* a fetch is not complete yet */
	bool dead;   /* md_job_free()d: freed at md_idle() */
	bool notify; /* tell addressing at md_idle() */
	uint64_t retry_at;
	uint64_t started; /* this fetch */
	uint64_t first;	  /* first fetch, for the deadline */
	bool overdue;
	unsigned gen;	     /* token generation of this round's requests */
	unsigned auth_fails; /* consecutive 401/403 rounds */
	bool have_good;
	struct addressing good;
	unsigned requests_before; /* requests of earlier fetches */
	unsigned last_requests;
	char why[MD_WHY_LEN];
	char logged[MD_WHY_LEN]; /* last reason logged: each is logged once */
};

struct md_client {
	struct enid *d;
	CURLM *multi;
	struct watch curl_w;  /* timerfd for CURLMOPT_TIMERFUNCTION */
	struct watch sched_w; /* timerfd: retries, token renewal and retry, refresh */
	uint64_t sched_at;
	char base[ENID_MD_URL_LEN]; /* metadata_url minus ENID_MD_URL_SUFFIX */
	struct md_req *reqs;
	struct md_job *jobs;
	struct md_sock *dead;
	/* settings in use, to see what a reload changed */
	enum md_token_mode mode;
	enum enid_addressing_mode addressing;
	unsigned refresh_s;
	/* token */
	enum tok_state tok;
	struct md_req *tok_req; /* PUT in flight */
	bool no_tokenless;	/* a 403: tokenless is never tried again */
	bool off_403_logged;
	char token[MD_TOKEN_MAX + 1];
	unsigned gen;
	uint64_t renew_at, expires_at, tok_retry_at;
	unsigned tok_attempt;
	char tok_why[MD_WHY_LEN];
	/* the instance mac */
	enum md_instance inst;
	bool inst_notify;
	struct md_req *inst_req;
	uint8_t inst_mac[6];
	uint64_t inst_started, inst_retry_at;
	unsigned inst_attempt, inst_auth_fails;
	bool inst_late_logged;
	char inst_why[MD_WHY_LEN];
	/* metadata_refresh_interval */
	uint64_t refresh_at;
};

static void sched_rearm(struct md_client *c);
static void job_round(struct md_client *c, struct md_job *j);
static void probe_step(struct md_client *c);

static enum md_token_mode mode(const struct md_client *c)
{
	return c->d->cfg.metadata_token;
}

static uint64_t deadline_us(const struct md_client *c)
{
	return (uint64_t)c->d->cfg.metadata_deadline_s * 1000000u;
}

static uint64_t backoff(unsigned attempt, uint64_t cap_us)
{
	return metadata_backoff_us(attempt, MD_BACKOFF_BASE_US, cap_us, (uint32_t)random());
}

static const char *mac_str(const uint8_t *mac, char buf[18])
{
	return mac_format(mac, buf);
}

/* ---- libcurl's sockets and timer in the epoll loop ---- */

static void drain(struct md_client *c);

static void on_sock(struct watch *w, uint32_t events)
{
	struct md_sock *ms = w->data;
	struct md_client *c = ms->c;
	int flags = 0, running;

	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_api.multi_socket_action(c->multi, w->fd, flags, &running);
	drain(c);
}

static void on_dead_sock(struct watch *w, uint32_t events)
{
	(void)w;
	(void)events;
}

static int sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct md_client *c = userp;
	struct md_sock *ms = socketp;
	uint32_t ev = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (ms) {
			loop_del(&c->d->loop, &ms->w);
			ms->w.fn = on_dead_sock;
			ms->next_dead = c->dead;
			c->dead = ms;
			curl_api.multi_assign(c->multi, fd, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	if (ms)
		return loop_mod(&c->d->loop, &ms->w, ev) < 0 ? -1 : 0;
	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return -1;
	ms->c = c;
	ms->w.fd = fd;
	ms->w.fn = on_sock;
	ms->w.data = ms;
	if (loop_add(&c->d->loop, &ms->w, ev) < 0) {
		free(ms);
		return -1;
	}
	curl_api.multi_assign(c->multi, fd, ms);
	return 0;
}

static void timerfd_set(int fd, uint64_t sec, long nsec, int flags)
{
	struct itimerspec its = {0};

	its.it_value.tv_sec = (time_t)sec;
	its.it_value.tv_nsec = nsec;
	timerfd_settime(fd, flags, &its, NULL);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct md_client *c = userp;

	(void)multi;
	if (timeout_ms < 0)
		timerfd_set(c->curl_w.fd, 0, 0, 0); /* disarm */
	else if (timeout_ms == 0)
		timerfd_set(c->curl_w.fd, 0, 1, 0); /* as soon as possible, from the loop */
	else
		timerfd_set(c->curl_w.fd, (uint64_t)timeout_ms / 1000, timeout_ms % 1000 * 1000000L,
			    0);
	return 0;
}

static void on_curl_timer(struct watch *w, uint32_t events)
{
	struct md_client *c = w->data;
	uint64_t ticks;
	int running;

	(void)events;
	if (read(w->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_debug("metadata timerfd: %m");
	curl_api.multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(c);
}

/* ---- requests ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct md_req *r = userp;
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

static void req_free(struct md_req *r)
{
	if (r->easy) {
		curl_api.multi_remove_handle(r->c->multi, r->easy);
		curl_api.easy_cleanup(r->easy);
	}
	curl_api.slist_free_all(r->hdrs);
	free(r->body);
	free(r);
}

static void req_unlink(struct md_client *c, struct md_req *r)
{
	for (struct md_req **pp = &c->reqs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
}

static void req_cancel(struct md_client *c, struct md_req *r)
{
	req_unlink(c, r);
	req_free(r);
}

static void token_put(struct md_client *c);

/* A token can go with a request now (renewed in the background when due). */
static bool token_usable(struct md_client *c)
{
	uint64_t now;

	if (c->tok == TOK_TOKENLESS)
		return true;
	if (c->tok != TOK_VALID)
		return false;
	now = now_us();
	if (now >= c->expires_at) {
		c->tok = TOK_NONE;
		return false;
	}
	if (now >= c->renew_at)
		token_put(c);
	return true;
}

/* Starts one request; NULL when libcurl or memory says no. */
static struct md_req *req_start(struct md_client *c, enum req_kind kind, struct md_job *j,
				enum md_key key, const char *path)
{
	char url[ENID_MD_URL_LEN + MD_PATH_LEN], hdr[sizeof(MD_HDR_TOKEN) + MD_TOKEN_MAX + 4];
	struct md_req *r = calloc(1, sizeof(*r));
	CURL *e;

	if (!r)
		return NULL;
	r->c = c;
	r->kind = kind;
	r->job = j;
	r->key = key;
	r->sent_us = now_us();
	r->easy = e = curl_api.easy_init();
	if (!e)
		goto fail;
	snprintf(url, sizeof(url), "%s%s", c->base, path);
	if (kind == REQ_TOKEN) {
		snprintf(hdr, sizeof(hdr), "%s: %u", MD_HDR_TOKEN_TTL,
			 c->d->cfg.metadata_token_ttl);
		r->hdrs = curl_api.slist_append(NULL, hdr);
		if (!r->hdrs)
			goto fail;
		curl_api.easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_api.easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)0);
		curl_api.easy_setopt(e, CURLOPT_READFUNCTION, no_upload);
	} else if (c->tok == TOK_VALID) {
		snprintf(hdr, sizeof(hdr), "%s: %s", MD_HDR_TOKEN, c->token);
		r->hdrs = curl_api.slist_append(NULL, hdr);
		if (!r->hdrs)
			goto fail;
		r->gen = c->gen;
	}
	curl_api.easy_setopt(e, CURLOPT_URL, url);
	curl_api.easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_api.easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_api.easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_api.easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_api.easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->d->cfg.metadata_timeout_ms);
	curl_api.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* the service is on the instance's own network: never through $http_proxy */
	curl_api.easy_setopt(e, CURLOPT_PROXY, "");
	curl_api.easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_api.easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_api.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
#endif
	curl_api.easy_setopt(e, CURLOPT_USERAGENT, "enid/" ENID_VERSION);
	if (curl_api.multi_add_handle(c->multi, e) != CURLM_OK)
		goto fail;
	r->next = c->reqs;
	c->reqs = r;
	return r;
fail:
	if (r->easy)
		curl_api.easy_cleanup(r->easy);
	r->easy = NULL;
	req_free(r);
	return NULL;
}

/* ---- the token ---- */

static void kick_waiting(struct md_client *c)
{
	for (struct md_job *j = c->jobs; j; j = j->next)
		if (!j->dead && j->active && !j->retry_at)
			job_round(c, j);
	probe_step(c);
}

/* Every job waiting for the token shows why. */
static void token_trouble(struct md_client *c)
{
	for (struct md_job *j = c->jobs; j; j = j->next) {
		if (j->dead || !j->active || j->retry_at || j->f.outstanding)
			continue;
		snprintf(j->why, sizeof(j->why), "waiting: metadata %.140s", c->tok_why);
		j->notify = true;
	}
	if (c->inst == MD_INSTANCE_PROBING)
		snprintf(c->inst_why, sizeof(c->inst_why), "waiting: metadata %.140s", c->tok_why);
}

static void token_failed(struct md_client *c, const char *why)
{
	uint64_t now = now_us(), delay = backoff(c->tok_attempt++, MD_BACKOFF_CAP_US);

	if (strcmp(why, c->tok_why))
		log_warn("metadata: %s; asking again in %llu ms", why,
			 (unsigned long long)(delay / 1000));
	snprintf(c->tok_why, sizeof(c->tok_why), "%s", why);
	if (c->tok == TOK_VALID && now + delay < c->expires_at) {
		c->renew_at = now + delay; /* the current token still works meanwhile */
	} else {
		c->tok = TOK_WAIT;
		c->tok_retry_at = now + delay;
		token_trouble(c);
	}
	sched_rearm(c);
}

static void token_put(struct md_client *c)
{
	struct md_req *r;

	if (c->tok_req || c->tok == TOK_TOKENLESS || c->tok == TOK_WAIT)
		return;
	r = req_start(c, REQ_TOKEN, NULL, 0, MD_PATH_TOKEN);
	if (!r) {
		token_failed(c, "token: cannot start the request (out of memory)");
		return;
	}
	c->tok_req = r;
	if (c->tok != TOK_VALID)
		c->tok = TOK_PUTTING;
}

static void token_done(struct md_client *c, struct md_req *r, long http, const char *err)
{
	enum md_token_step step = metadata_token_after_put(mode(c), http);
	unsigned ttl = c->d->cfg.metadata_token_ttl;
	char why[MD_WHY_LEN];

	c->tok_req = NULL;
	if (step == MD_TOKEN_STEP_TOKENLESS && c->no_tokenless)
		step = MD_TOKEN_STEP_RETRY; /* a 403 said tokens are required */
	if (step == MD_TOKEN_STEP_USE) {
		if (!metadata_token_parse(r->body ? r->body : "", r->len, c->token,
					  sizeof(c->token), why, sizeof(why))) {
			c->tok = TOK_VALID;
			c->gen++;
			c->renew_at = metadata_token_renew_at(r->sent_us, ttl);
			c->expires_at = r->sent_us + (uint64_t)ttl * 1000000u;
			c->tok_attempt = 0;
			if (c->tok_why[0])
				log_info("metadata: got a token again");
			c->tok_why[0] = '\0';
			log_debug("metadata: token %u for %u s", c->gen, ttl);
			kick_waiting(c);
			sched_rearm(c);
			return;
		}
		token_failed(c, why);
		return;
	}
	if (step == MD_TOKEN_STEP_TOKENLESS) {
		log_info("metadata: the token call is not supported (HTTP %ld): asking without "
			 "a token",
			 http);
		c->tok = TOK_TOKENLESS;
		c->tok_why[0] = '\0';
		kick_waiting(c);
		return;
	}
	if (http)
		snprintf(why, sizeof(why), "token: HTTP %ld", http);
	else
		snprintf(why, sizeof(why), "token: %s", err);
	token_failed(c, why);
}

/* A 401 on a request that carried token generation gen. */
static void token_rejected(struct md_client *c, unsigned gen)
{
	if (!gen || gen != c->gen || c->tok != TOK_VALID)
		return; /* an older token: the current one is newer already */
	log_info("metadata: token rejected (401): asking for a new one");
	c->tok = TOK_NONE;
	token_put(c);
}

/* A 403 on a tokenless request: true when a token should be tried (auto). */
static bool token_required(struct md_client *c)
{
	if (!metadata_token_after_403(mode(c))) {
		if (!c->off_403_logged)
			log_warn("metadata: 403 without a token: the instance requires one, "
				 "but metadata_token = off");
		c->off_403_logged = true;
		return false;
	}
	if (!c->no_tokenless)
		log_info("metadata: 403 without a token: using a token from now on");
	c->no_tokenless = true;
	if (c->tok == TOK_TOKENLESS)
		c->tok = TOK_NONE;
	return true;
}

/* ---- the instance mac ---- */

static void probe_give_up(struct md_client *c)
{
	char base[ENID_MD_URL_LEN];

	snprintf(base, sizeof(base), "%s", c->base);
	c->inst = MD_INSTANCE_ABSENT;
	c->inst_retry_at = 0;
	c->inst_notify = true;
	log_warn("metadata: no answer from %s in %u s (%s): addressing auto uses the [MAC] "
		 "sections only ('enictl refresh' asks again)",
		 base, c->d->cfg.metadata_deadline_s, c->inst_why);
}

static void probe_backoff(struct md_client *c, const char *why)
{
	uint64_t now = now_us(), delay;

	if (strcmp(why, c->inst_why))
		log_info("metadata: instance mac: %s", why);
	snprintf(c->inst_why, sizeof(c->inst_why), "%s", why);
	if (c->addressing == ENID_ADDRESSING_AUTO && now >= c->inst_started + deadline_us(c)) {
		probe_give_up(c);
		return;
	}
	if (!c->inst_late_logged && now >= c->inst_started + deadline_us(c)) {
		log_warn("metadata: still no instance mac after %u s (%s); asking on",
			 c->d->cfg.metadata_deadline_s, why);
		c->inst_late_logged = true;
	}
	delay = backoff(c->inst_attempt++, MD_BACKOFF_CAP_US);
	c->inst_retry_at = now + delay;
	sched_rearm(c);
}

static void probe_step(struct md_client *c)
{
	if (c->inst != MD_INSTANCE_PROBING || c->inst_req || c->inst_retry_at)
		return;
	if (!token_usable(c)) {
		token_put(c);
		if (!c->tok_why[0])
			snprintf(c->inst_why, sizeof(c->inst_why), "waiting: metadata token");
		return;
	}
	c->inst_req = req_start(c, REQ_PROBE, NULL, 0, MD_PATH_MAC);
	if (!c->inst_req)
		probe_backoff(c, "cannot start the request (out of memory)");
}

static void probe_done(struct md_client *c, struct md_req *r, long http, const char *err)
{
	char why[MD_WHY_LEN], mac[18];

	c->inst_req = NULL;
	switch (metadata_http_class(http)) {
	case MD_HTTP_OK:
		if (!metadata_parse_mac(r->body ? r->body : "", r->len, c->inst_mac, why,
					sizeof(why))) {
			c->inst = MD_INSTANCE_KNOWN;
			c->inst_notify = true;
			c->inst_why[0] = '\0';
			log_info("metadata: instance mac %s (the primary: never managed)",
				 mac_str(c->inst_mac, mac));
			sched_rearm(c);
			return;
		}
		break;
	case MD_HTTP_TOKEN_EXPIRED:
		token_rejected(c, r->gen);
		if (++c->inst_auth_fails <= AUTH_RETRIES) {
			probe_step(c);
			return;
		}
		snprintf(why, sizeof(why), "HTTP 401 (token rejected)");
		break;
	case MD_HTTP_TOKEN_NEEDED:
		if (!r->gen && token_required(c) && ++c->inst_auth_fails <= AUTH_RETRIES) {
			probe_step(c);
			return;
		}
		snprintf(why, sizeof(why), "HTTP 403 (token required)");
		break;
	default:
		if (http)
			snprintf(why, sizeof(why), "HTTP %ld", http);
		else
			snprintf(why, sizeof(why), "%s", err);
	}
	c->inst_auth_fails = 0;
	probe_backoff(c, why);
}

void md_instance_probe(struct enid *d)
{
	struct md_client *c = d->md;

	if (!c || c->inst == MD_INSTANCE_KNOWN || c->inst == MD_INSTANCE_PROBING)
		return;
	c->inst = MD_INSTANCE_PROBING;
	c->inst_started = now_us();
	c->inst_retry_at = 0;
	c->inst_attempt = c->inst_auth_fails = 0;
	c->inst_late_logged = false;
	snprintf(c->inst_why, sizeof(c->inst_why), "asking for the instance mac");
	probe_step(c);
}

enum md_instance md_instance_state(const struct enid *d)
{
	return d->md ? d->md->inst : MD_INSTANCE_OFF;
}

bool md_instance_mac(const struct enid *d, uint8_t mac[6])
{
	if (!d->md || d->md->inst != MD_INSTANCE_KNOWN)
		return false;
	memcpy(mac, d->md->inst_mac, 6);
	return true;
}

const char *md_instance_why(const struct enid *d)
{
	return d->md ? d->md->inst_why : "";
}

/* ---- per-ENI jobs ---- */

static void job_log(struct md_job *j, int r, uint64_t delay)
{
	char mac[18];

	if (!strcmp(j->why, j->logged))
		return;
	snprintf(j->logged, sizeof(j->logged), "%s", j->why);
	mac_str(j->mac, mac);
	if (r == -EAGAIN || r == -EKEYEXPIRED || r == -EACCES)
		log_info("metadata %s: %s; asking again in %llu ms", mac, j->why,
			 (unsigned long long)(delay / 1000));
	else
		log_warn("metadata %s: bad answer, nothing applied: %s; asking again in %llu ms",
			 mac, j->why, (unsigned long long)(delay / 1000));
}

static void job_backoff(struct md_client *c, struct md_job *j, int r)
{
	uint64_t now = now_us(), delay;

	if (!j->overdue && !j->have_good && now >= j->first + deadline_us(c))
		j->overdue = true;
	/* a lagging service is polled briskly until the deadline, anything else backs off */
	delay = backoff(j->f.attempt, j->f.lag && !j->overdue ? MD_LAG_CAP_US : MD_BACKOFF_CAP_US);
	snprintf(j->why, sizeof(j->why), "%s", j->f.why);
	job_log(j, r, delay);
	j->retry_at = now + delay;
	j->notify = true;
	sched_rearm(c);
}

static void job_result(struct md_client *c, struct md_job *j)
{
	struct addressing a;
	char mac[18];
	int r = metadata_fetch_result(&j->f, &a);

	switch (r) {
	case -EINPROGRESS:
		return;
	case 0:
		j->good = a;
		j->have_good = true;
		j->active = false;
		j->overdue = false;
		j->auth_fails = 0;
		j->last_requests = j->f.requests;
		if (j->logged[0])
			log_info("metadata %s: complete after %u requests in %llu ms",
				 mac_str(j->mac, mac), j->f.requests,
				 (unsigned long long)((now_us() - j->started) / 1000));
		j->why[0] = j->logged[0] = '\0';
		j->notify = true;
		return;
	case -EKEYEXPIRED:
		token_rejected(c, j->gen);
		if (++j->auth_fails <= AUTH_RETRIES) {
			metadata_fetch_retry(&j->f);
			job_round(c, j);
			return;
		}
		break;
	case -EACCES:
		if (!j->gen && token_required(c) && ++j->auth_fails <= AUTH_RETRIES) {
			metadata_fetch_retry(&j->f);
			job_round(c, j);
			return;
		}
		break;
	default:
		j->auth_fails = 0;
		break;
	}
	job_backoff(c, j, r);
}

static bool job_wants(const struct md_job *j)
{
	for (unsigned k = 0; k < MD_KEY_COUNT; k++)
		if (j->f.key[k].state == MD_KS_WANT)
			return true;
	return false;
}

/* Asks every wanted key; evaluates once nothing is in flight. */
static void job_round(struct md_client *c, struct md_job *j)
{
	char path[MD_PATH_LEN];
	int k;

	if (j->dead || !j->active || j->retry_at)
		return;
	if (job_wants(j) && !token_usable(c)) {
		token_put(c);
		snprintf(j->why, sizeof(j->why), "waiting: metadata %.140s",
			 c->tok_why[0] ? c->tok_why : "token");
		j->notify = true;
		return;
	}
	while ((k = metadata_fetch_next(&j->f)) >= 0) {
		j->gen = c->tok == TOK_VALID ? c->gen : 0;
		if (metadata_key_path((enum md_key)k, j->mac, path, sizeof(path)) < 0 ||
		    !req_start(c, REQ_KEY, j, (enum md_key)k, path))
			metadata_fetch_answer(&j->f, (enum md_key)k, 0, NULL, 0);
	}
	if (!j->f.outstanding) {
		job_result(c, j);
	} else if (!j->f.attempt && !j->f.why[0]) {
		snprintf(j->why, sizeof(j->why), "waiting for %u answers", j->f.outstanding);
		j->notify = true;
	}
}

static void key_done(struct md_client *c, struct md_req *r, long http)
{
	struct md_job *j = r->job;

	if (j->dead)
		return;
	if (metadata_fetch_answer(&j->f, r->key, http, r->body ? r->body : "", r->len) == -ENOMEM)
		metadata_fetch_answer(&j->f, r->key, 0, NULL, 0); /* still in flight: a failure */
	job_round(c, j);
}

struct md_job *md_job_start(struct enid *d, int ifindex, const uint8_t mac[6])
{
	struct md_client *c = d->md;
	struct md_job *j;

	if (!c)
		return NULL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->c = c;
	j->ifindex = ifindex;
	memcpy(j->mac, mac, 6);
	metadata_fetch_init(&j->f, mac);
	j->active = true;
	j->started = j->first = now_us();
	snprintf(j->why, sizeof(j->why), "fetching");
	j->next = c->jobs;
	c->jobs = j;
	job_round(c, j);
	return j;
}

void md_job_refresh(struct enid *d, struct md_job *j)
{
	struct md_client *c = d->md;

	if (!c || !j || j->dead)
		return;
	if (j->active) {
		if (j->retry_at) {
			j->retry_at = now_us(); /* the next round at once */
			sched_rearm(c);
		}
		return;
	}
	j->requests_before += j->f.requests;
	metadata_fetch_free(&j->f);
	metadata_fetch_init(&j->f, j->mac);
	j->active = true;
	j->started = now_us();
	j->auth_fails = 0;
	snprintf(j->why, sizeof(j->why), "fetching");
	job_round(c, j);
}

void md_job_free(struct enid *d, struct md_job *j)
{
	struct md_client *c = d->md;

	if (!c || !j || j->dead)
		return;
	for (struct md_req *r = c->reqs, *next; r; r = next) {
		next = r->next;
		if (r->job == j)
			req_cancel(c, r);
	}
	j->dead = true;
	j->active = false;
	j->retry_at = 0;
}

int md_job_ifindex(const struct md_job *j)
{
	return j->ifindex;
}

const struct addressing *md_job_good(const struct md_job *j)
{
	return j->have_good ? &j->good : NULL;
}

bool md_job_busy(const struct md_job *j)
{
	return j->active;
}

bool md_job_overdue(const struct md_job *j)
{
	return j->overdue;
}

const char *md_job_why(const struct md_job *j)
{
	return j->active ? j->why : "";
}

unsigned md_job_requests(const struct md_job *j)
{
	return j->requests_before + j->f.requests;
}

unsigned md_job_last_requests(const struct md_job *j)
{
	return j->last_requests;
}

/* ---- completions ---- */

static void req_done(struct md_client *c, struct md_req *r, CURLcode res)
{
	const char *err = curl_api.easy_strerror(res);
	long http = 0;

	if (res == CURLE_OK || (r->oversize && res == CURLE_WRITE_ERROR))
		curl_api.easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &http);
	if (res == CURLE_OPERATION_TIMEDOUT)
		err = "timeout";
	req_unlink(c, r);
	switch (r->kind) {
	case REQ_TOKEN:
		token_done(c, r, http, err);
		break;
	case REQ_PROBE:
		probe_done(c, r, http, err);
		break;
	case REQ_KEY:
		if (!http)
			log_debug("metadata: %s: %s", metadata_key_name(r->key), err);
		key_done(c, r, http);
		break;
	}
	req_free(r);
}

static void drain(struct md_client *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_api.multi_info_read(c->multi, &left))) {
		CURLcode res = m->data.result;
		char *priv = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_api.easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		if (priv)
			req_done(c, (struct md_req *)priv, res);
	}
}

/* ---- the schedule timerfd ---- */

static void consider(uint64_t *at, uint64_t t)
{
	if (t && (!*at || t < *at))
		*at = t;
}

static void sched_rearm(struct md_client *c)
{
	uint64_t at = 0;

	for (struct md_job *j = c->jobs; j; j = j->next) {
		if (j->dead || !j->active)
			continue;
		consider(&at, j->retry_at);
		if (!j->overdue && !j->have_good)
			consider(&at, j->first + deadline_us(c));
	}
	if (c->tok == TOK_WAIT)
		consider(&at, c->tok_retry_at);
	if (c->tok == TOK_VALID && !c->tok_req && c->refresh_s)
		consider(&at, c->renew_at); /* else renewed when next needed */
	if (c->inst == MD_INSTANCE_PROBING) {
		consider(&at, c->inst_retry_at);
		if (c->addressing == ENID_ADDRESSING_AUTO)
			consider(&at, c->inst_started + deadline_us(c));
	}
	consider(&at, c->refresh_at);
	if (at == c->sched_at)
		return;
	c->sched_at = at;
	timerfd_set(c->sched_w.fd, at / 1000000u, (long)(at % 1000000u) * 1000,
		    TFD_TIMER_ABSTIME); /* 0: disarmed */
}

static void on_sched(struct watch *w, uint32_t events)
{
	struct md_client *c = w->data;
	uint64_t ticks, now = now_us();

	(void)events;
	if (read(w->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_debug("metadata timerfd: %m");
	c->sched_at = 0;
	if (c->tok == TOK_WAIT && c->tok_retry_at <= now) {
		c->tok = TOK_NONE;
		c->tok_retry_at = 0;
		token_put(c);
	}
	if (c->tok == TOK_VALID && !c->tok_req && c->refresh_s && c->renew_at <= now)
		token_put(c); /* renewal; the current token serves meanwhile */
	if (c->inst == MD_INSTANCE_PROBING) {
		if (c->inst_retry_at && c->inst_retry_at <= now) {
			c->inst_retry_at = 0;
			probe_step(c);
		} else if (c->addressing == ENID_ADDRESSING_AUTO && !c->inst_req &&
			   now >= c->inst_started + deadline_us(c)) {
			probe_give_up(c);
		}
	}
	for (struct md_job *j = c->jobs; j; j = j->next) {
		if (j->dead || !j->active)
			continue;
		if (j->retry_at && j->retry_at <= now) {
			j->retry_at = 0;
			metadata_fetch_retry(&j->f);
			job_round(c, j);
		} else if (!j->overdue && !j->have_good && now >= j->first + deadline_us(c)) {
			j->overdue = true;
			j->notify = true;
		}
	}
	if (c->refresh_at && c->refresh_at <= now) {
		c->refresh_at = now + (uint64_t)c->refresh_s * 1000000u;
		for (struct md_job *j = c->jobs; j; j = j->next)
			if (!j->dead && !j->active && j->have_good)
				md_job_refresh(c->d, j);
	}
	sched_rearm(c);
}

/* ---- set-up, reload, idle ---- */

static void apply_settings(struct md_client *c)
{
	const struct enid_config *cfg = &c->d->cfg;
	size_t n = strlen(cfg->metadata_url), sl = strlen(ENID_MD_URL_SUFFIX);

	snprintf(c->base, sizeof(c->base), "%.*s", (int)(n >= sl ? n - sl : 0), cfg->metadata_url);
	c->mode = cfg->metadata_token;
	c->addressing = cfg->addressing;
	c->refresh_s = cfg->metadata_refresh_interval;
	c->refresh_at = c->refresh_s ? now_us() + (uint64_t)c->refresh_s * 1000000u : 0;
}

static void token_reset(struct md_client *c)
{
	if (c->tok_req) {
		req_cancel(c, c->tok_req);
		c->tok_req = NULL;
	}
	c->tok = mode(c) == MD_TOKEN_OFF ? TOK_TOKENLESS : TOK_NONE;
	c->gen++;
	c->no_tokenless = false;
	c->off_403_logged = false;
	c->tok_attempt = 0;
	c->tok_why[0] = '\0';
}

int md_open(struct enid *d)
{
	struct md_client *c;
	int fd, err;

	char why[300];

	if (curl_dl_load(why, sizeof(why)) < 0) {
		log_err("metadata: cannot load libcurl: %s", why);
		return -ENOPKG;
	}
	if (curl_api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->d = d;
	c->curl_w.fd = c->sched_w.fd = -1;
	d->md = c;
	c->multi = curl_api.multi_init();
	if (!c->multi) {
		err = -ENOMEM;
		goto fail;
	}
	curl_api.multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_api.multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_api.multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_api.multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_api.multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MD_MAX_CONNS);
	for (int i = 0; i < 2; i++) {
		struct watch *w = i ? &c->sched_w : &c->curl_w;

		fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (fd < 0) {
			err = -errno;
			goto fail;
		}
		err = loop_watch(&d->loop, w, fd, i ? on_sched : on_curl_timer, c);
		if (err)
			goto fail;
	}
	apply_settings(c);
	token_reset(c);
	if (c->addressing != ENID_ADDRESSING_STATIC)
		md_instance_probe(d);
	sched_rearm(c);
	return 0;
fail:
	md_close(d);
	return err;
}

static void free_dead(struct md_client *c)
{
	while (c->dead) {
		struct md_sock *ms = c->dead;

		c->dead = ms->next_dead;
		free(ms);
	}
	for (struct md_job **pp = &c->jobs; *pp;) {
		struct md_job *j = *pp;

		if (!j->dead) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		metadata_fetch_free(&j->f);
		free(j);
	}
}

void md_close(struct enid *d)
{
	struct md_client *c = d->md;

	if (!c)
		return;
	while (c->reqs)
		req_cancel(c, c->reqs);
	for (struct md_job *j = c->jobs; j; j = j->next)
		j->dead = true;
	if (c->multi)
		curl_api.multi_cleanup(c->multi); /* REMOVEs its sockets: onto the dead list */
	free_dead(c);
	for (int i = 0; i < 2; i++) {
		struct watch *w = i ? &c->sched_w : &c->curl_w;

		if (w->fd >= 0) {
			loop_del(&d->loop, w);
			close(w->fd);
		}
	}
	free(c);
	d->md = NULL;
	curl_api.global_cleanup();
}

void md_reconfigure(struct enid *d)
{
	struct md_client *c = d->md;
	char old_base[ENID_MD_URL_LEN];
	enum md_token_mode old_mode;
	unsigned old_refresh;

	if (!c)
		return;
	snprintf(old_base, sizeof(old_base), "%s", c->base);
	old_mode = c->mode;
	old_refresh = c->refresh_s;
	apply_settings(c);
	if (old_refresh != c->refresh_s)
		log_info("metadata: refresh every %u s%s", c->refresh_s,
			 c->refresh_s ? "" : " (off)");
	if (strcmp(old_base, c->base) || old_mode != c->mode) {
		log_info("metadata: new service settings: token and running fetches start over");
		for (struct md_req *r = c->reqs, *next; r; r = next) {
			next = r->next;
			if (r->kind == REQ_PROBE)
				c->inst_req = NULL;
			req_cancel(c, r);
		}
		c->tok_req = NULL;
		token_reset(c);
		for (struct md_job *j = c->jobs; j; j = j->next) {
			if (j->dead || !j->active)
				continue;
			metadata_fetch_free(&j->f);
			metadata_fetch_init(&j->f, j->mac);
			j->retry_at = 0;
		}
		if (c->inst == MD_INSTANCE_PROBING) {
			c->inst_retry_at = 0;
			c->inst_started = now_us();
		}
		if (strcmp(old_base, c->base) && c->inst != MD_INSTANCE_PROBING)
			c->inst = MD_INSTANCE_OFF; /* another service: ask it */
		kick_waiting(c);
	}
	if (c->addressing != ENID_ADDRESSING_STATIC &&
	    (c->inst == MD_INSTANCE_OFF || c->inst == MD_INSTANCE_ABSENT))
		md_instance_probe(d);
	if (c->addressing == ENID_ADDRESSING_STATIC && c->inst == MD_INSTANCE_PROBING) {
		if (c->inst_req)
			req_cancel(c, c->inst_req);
		c->inst_req = NULL;
		c->inst = MD_INSTANCE_OFF; /* static needs no service */
	}
	sched_rearm(c);
}

void md_idle(struct enid *d)
{
	struct md_client *c = d->md;

	if (!c)
		return;
	/* a notification may cause another (a link that starts its fetch): a few passes */
	for (int pass = 0, more = 1; more && pass < 4; pass++) {
		more = 0;
		if (c->inst_notify) {
			c->inst_notify = false;
			addressing_md_instance(d);
			more = 1;
		}
		for (struct md_job *j = c->jobs; j; j = j->next) {
			if (j->dead || !j->notify)
				continue;
			j->notify = false;
			addressing_md_update(d, j);
			more = 1;
		}
	}
	free_dead(c);
}
