// SPDX-License-Identifier: GPL-2.0-or-later
/* The metadata token of hardened mode, driven by md_policy.h's rules: the PUT, its
 * answer, and telling the jobs that wait for it why (see md_client.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "md_client.h"
#include "util.h"

bool md_token_ready(struct md_client *c)
{
	switch (md_token_use(&c->tok, now_us())) {
	case MD_TOKEN_USE_NO:
		return false;
	case MD_TOKEN_USE_RENEW:
		md_token_put(c);
		return true;
	default:
		return true;
	}
}

/* Every job waiting for the token shows why. */
static void token_trouble(struct md_client *c)
{
	for (struct md_job *j = c->jobs; j; j = j->next) {
		if (j->dead || !j->active || j->retry_at || j->f.outstanding)
			continue;
		snprintf(j->why, sizeof(j->why), "waiting: metadata %.140s", c->tok.why);
		j->notify = true;
	}
	if (c->inst == MD_INSTANCE_PROBING)
		snprintf(c->inst_why, sizeof(c->inst_why), "waiting: metadata %.140s", c->tok.why);
}

static void token_failed(struct md_client *c, const char *why)
{
	bool fresh = strcmp(why, c->tok.why);
	uint64_t delay = md_token_failed(&c->tok, why, now_us(), (uint32_t)random());

	if (fresh)
		log_warn("metadata: %s; asking again in %llu ms", why,
			 (unsigned long long)(delay / 1000));
	if (c->tok.state == MD_TOK_WAIT)
		token_trouble(c);
	md_sched_rearm(c);
}

void md_token_put(struct md_client *c)
{
	struct http_req *r;

	if (!md_token_may_put(&c->tok, c->tok_req))
		return;
	r = md_request(c, MD_REQ_TOKEN, NULL, 0, MD_PATH_TOKEN);
	if (!r) {
		token_failed(c, "token: cannot start the request (out of memory)");
		return;
	}
	c->tok_req = r;
	md_token_putting(&c->tok);
}

void md_token_done(struct md_client *c, struct http_req *r, long http, const char *err)
{
	unsigned ttl = c->cfg->metadata_token_ttl;
	char why[MD_WHY_LEN];

	c->tok_req = NULL;
	switch (md_token_put_done(&c->tok, c->cfg->metadata_token, http, err, r->body, r->len,
				  r->sent_us, ttl, why, sizeof(why))) {
	case MD_TOKEN_STEP_USE:
		if (c->tok.why[0])
			log_info("metadata: got a token again");
		c->tok.why[0] = '\0';
		log_debug("metadata: token %u for %u s", c->tok.gen, ttl);
		md_kick_waiting(c);
		md_sched_rearm(c);
		return;
	case MD_TOKEN_STEP_TOKENLESS:
		log_info("metadata: the token call is not supported (HTTP %ld): asking without "
			 "a token",
			 http);
		c->tok.why[0] = '\0';
		md_kick_waiting(c);
		return;
	default:
		md_instance_reach(c, http, true, why);
		token_failed(c, why);
	}
}

void md_token_401(struct md_client *c, unsigned gen)
{
	if (!md_token_rejected(&c->tok, gen))
		return;
	log_info("metadata: token rejected (401): asking for a new one");
	md_token_put(c);
}

bool md_token_403(struct md_client *c)
{
	bool say, use = md_token_after_403(&c->tok, c->cfg->metadata_token, &say);

	if (say && !use)
		log_warn("metadata: 403 without a token: the instance requires one, "
			 "but metadata_token = off");
	else if (say)
		log_info("metadata: 403 without a token: using a token from now on");
	return use;
}
