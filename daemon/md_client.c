// SPDX-License-Identifier: GPL-2.0-or-later
/* The metadata client: set-up, reload, the schedule timerfd, requests and where
 * their answers go, end-of-turn notifications (see md_fetch.h, md_client.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>

#include "addressing.h"
#include "version.h"
#include "log.h"
#include "md_client.h"
#include "util.h"

/* ---- requests ---- */

struct http_req *md_request(struct md_client *c, enum md_req_kind kind, struct md_job *j,
			    enum md_key key, const char *path)
{
	char url[ENID_MD_URL_LEN + MD_PATH_LEN], hdr[sizeof(MD_HDR_TOKEN) + MD_TOKEN_MAX + 4];
	const char *header = NULL;
	struct http_req *r;
	unsigned gen = 0;

	snprintf(url, sizeof(url), "%s%s", c->base, path);
	if (kind == MD_REQ_TOKEN) {
		snprintf(hdr, sizeof(hdr), "%s: %u", MD_HDR_TOKEN_TTL, c->cfg->metadata_token_ttl);
		header = hdr;
	} else if (c->tok.state == MD_TOK_VALID) {
		snprintf(hdr, sizeof(hdr), "%s: %s", MD_HDR_TOKEN, c->tok.token);
		header = hdr;
		gen = c->tok.gen;
	}
	r = http_client_start(c->http, url, kind == MD_REQ_TOKEN, header,
			      (long)c->cfg->metadata_timeout_ms, "enid/" ENID_VERSION);
	if (!r)
		return NULL;
	r->owner = j;
	r->kind = kind;
	r->key = key;
	r->gen = gen;
	return r;
}

static void on_done(void *ctx, struct http_req *r, long http, const char *err)
{
	struct md_client *c = ctx;

	switch (r->kind) {
	case MD_REQ_TOKEN:
		md_token_done(c, r, http, err);
		break;
	case MD_REQ_PROBE:
		md_instance_done(c, r, http, err);
		break;
	case MD_REQ_KEY:
		if (!http)
			log_debug("metadata: %s: %s", metadata_key_name((enum md_key)r->key), err);
		md_job_done(c, r, http);
		break;
	}
}

void md_kick_waiting(struct md_client *c)
{
	for (struct md_job *j = c->jobs; j; j = j->next)
		if (!j->dead && j->active && !j->retry_at)
			md_job_round(c, j);
	md_instance_step(c);
}

/* ---- the schedule timerfd ---- */

static void consider(uint64_t *at, uint64_t t)
{
	if (t && (!*at || t < *at))
		*at = t;
}

void md_sched_rearm(struct md_client *c)
{
	uint64_t at = 0, deadline = (uint64_t)c->cfg->metadata_deadline_s * 1000000u;

	for (struct md_job *j = c->jobs; j; j = j->next) {
		if (j->dead || !j->active)
			continue;
		consider(&at, j->retry_at);
		if (!j->overdue && !j->have_good)
			consider(&at, j->first + deadline);
	}
	if (c->tok.state == MD_TOK_WAIT)
		consider(&at, c->tok.retry_at);
	if (c->tok.state == MD_TOK_VALID && !c->tok_req && c->refresh_s)
		consider(&at, c->tok.renew_at); /* else renewed when next needed */
	if (c->inst == MD_INSTANCE_PROBING) {
		consider(&at, c->inst_retry_at);
		if (c->addressing == ENID_ADDRESSING_AUTO)
			consider(&at, c->inst_started + deadline);
	}
	consider(&at, c->refresh_at);
	timerfd_arm_at(c->sched_w.fd, &c->sched_at, at);
}

static void on_sched(struct watch *w, uint32_t events)
{
	struct md_client *c = w->data;
	uint64_t now = now_us();

	(void)events;
	timerfd_drain(w->fd);
	c->sched_at = 0;
	if (md_token_retry_due(&c->tok, now))
		md_token_put(c);
	if (c->tok.state == MD_TOK_VALID && !c->tok_req && c->refresh_s && c->tok.renew_at <= now)
		md_token_put(c); /* renewal; the current token serves meanwhile */
	md_instance_tick(c, now);
	md_jobs_tick(c, now);
	if (c->refresh_at && c->refresh_at <= now) {
		c->refresh_at = now + (uint64_t)c->refresh_s * 1000000u;
		for (struct md_job *j = c->jobs; j; j = j->next)
			if (!j->dead && !j->active && j->have_good)
				md_job_refresh(c, j);
	}
	md_sched_rearm(c);
}

/* ---- set-up, reload, idle ---- */

static void apply_settings(struct md_client *c)
{
	const struct enid_config *cfg = c->cfg;
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
		http_client_cancel(c->http, c->tok_req);
		c->tok_req = NULL;
	}
	md_token_reset(&c->tok, c->cfg->metadata_token);
}

int md_open(struct md_client **out, struct loop *loop, const struct enid_config *cfg,
	    const struct md_ops *ops)
{
	struct md_client *c;
	int fd, err;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = cfg;
	c->ops = ops;
	c->loop = loop;
	c->sched_w.fd = -1;
	err = http_client_open(&c->http, loop, MD_MAX_CONNS, MD_MAX_BODY, on_done, c);
	if (err) {
		free(c);
		return err;
	}
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	err = loop_watch(loop, &c->sched_w, fd, on_sched, c);
	if (err)
		goto fail;
	apply_settings(c);
	token_reset(c);
	if (c->addressing != ENID_ADDRESSING_STATIC)
		md_instance_probe(c);
	md_sched_rearm(c);
	*out = c;
	return 0;
fail:
	md_close(c);
	return err;
}

void md_close(struct md_client *c)
{

	if (!c)
		return;
	for (struct md_job *j = c->jobs; j; j = j->next)
		j->dead = true;
	http_client_close(c->http); /* cancels every request */
	md_jobs_reap(c);
	if (c->sched_w.fd >= 0) {
		loop_del(c->loop, &c->sched_w);
		close(c->sched_w.fd);
	}
	free(c);
}

void md_reconfigure(struct md_client *c)
{
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
		http_client_cancel_owner(c->http, NULL);
		c->inst_req = NULL;
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
		md_kick_waiting(c);
	}
	if (c->addressing != ENID_ADDRESSING_STATIC &&
	    (c->inst == MD_INSTANCE_OFF || c->inst == MD_INSTANCE_ABSENT))
		md_instance_probe(c);
	if (c->addressing == ENID_ADDRESSING_STATIC && c->inst == MD_INSTANCE_PROBING) {
		if (c->inst_req)
			http_client_cancel(c->http, c->inst_req);
		c->inst_req = NULL;
		c->inst = MD_INSTANCE_OFF; /* static needs no service */
	}
	md_sched_rearm(c);
}

void md_idle(struct md_client *c)
{

	if (!c)
		return;
	/*
	 * A notification may cause another (a link that starts its fetch): pass again while
	 * one was given, but tell each job and the instance once per call; what changes
	 * again is told at the next loop turn.
	 */
	unsigned turn = ++c->idle_turn;
	bool inst_told = false;

	for (bool more = true; more;) {
		more = false;
		if (c->inst_notify && !inst_told) {
			c->inst_notify = false;
			inst_told = more = true;
			c->ops->instance_changed(c->ops->ctx);
		}
		for (struct md_job *j = c->jobs; j; j = j->next) {
			if (j->dead || !j->notify || j->told == turn)
				continue;
			j->notify = false;
			j->told = turn;
			more = true;
			c->ops->job_changed(c->ops->ctx, j);
		}
	}
	for (struct md_job *j = c->jobs; j && !c->loop->again; j = j->next)
		if (!j->dead && j->notify)
			loop_again(c->loop);
	if (c->inst_notify)
		loop_again(c->loop);
	http_client_idle(c->http);
	md_jobs_reap(c);
}
