// SPDX-License-Identifier: GPL-2.0-or-later
/* The metadata fetch policy: token rules and retry timing (see md_policy.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "md_policy.h"

void md_token_reset(struct md_token *t, enum md_token_mode mode)
{
	t->state = mode == MD_TOKEN_OFF ? MD_TOK_TOKENLESS : MD_TOK_NONE;
	t->gen++;
	t->no_tokenless = false;
	t->off_403_logged = false;
	t->attempt = 0;
	t->why[0] = '\0';
}

enum md_token_use md_token_use(struct md_token *t, uint64_t now)
{
	if (t->state == MD_TOK_TOKENLESS)
		return MD_TOKEN_USE_OK;
	if (t->state != MD_TOK_VALID)
		return MD_TOKEN_USE_NO;
	if (now >= t->expires_at) {
		t->state = MD_TOK_NONE;
		return MD_TOKEN_USE_NO;
	}
	return now >= t->renew_at ? MD_TOKEN_USE_RENEW : MD_TOKEN_USE_OK;
}

bool md_token_may_put(const struct md_token *t, bool in_flight)
{
	return !in_flight && t->state != MD_TOK_TOKENLESS && t->state != MD_TOK_WAIT;
}

void md_token_putting(struct md_token *t)
{
	if (t->state != MD_TOK_VALID)
		t->state = MD_TOK_PUTTING;
}

unsigned md_token_gen(const struct md_token *t)
{
	return t->state == MD_TOK_VALID ? t->gen : 0;
}

enum md_token_step md_token_put_done(struct md_token *t, enum md_token_mode mode, long http,
				     const char *err, const char *body, size_t len,
				     uint64_t sent_us, unsigned ttl, char *why, size_t whylen)
{
	enum md_token_step step = metadata_token_after_put(mode, http);

	if (step == MD_TOKEN_STEP_TOKENLESS && t->no_tokenless)
		step = MD_TOKEN_STEP_RETRY; /* a 403 said tokens are required */
	switch (step) {
	case MD_TOKEN_STEP_USE:
		if (metadata_token_parse(body ? body : "", len, t->token, sizeof(t->token), why,
					 whylen))
			return MD_TOKEN_STEP_RETRY;
		t->state = MD_TOK_VALID;
		t->gen++;
		t->renew_at = metadata_token_renew_at(sent_us, ttl);
		t->expires_at = sent_us + (uint64_t)ttl * 1000000u;
		t->attempt = 0;
		return MD_TOKEN_STEP_USE;
	case MD_TOKEN_STEP_TOKENLESS:
		t->state = MD_TOK_TOKENLESS;
		return MD_TOKEN_STEP_TOKENLESS;
	default:
		if (http)
			snprintf(why, whylen, "token: HTTP %ld", http);
		else
			snprintf(why, whylen, "token: %s", err);
		return MD_TOKEN_STEP_RETRY;
	}
}

uint64_t md_token_failed(struct md_token *t, const char *why, uint64_t now, uint32_t rnd)
{
	uint64_t delay =
		metadata_backoff_us(t->attempt++, MD_BACKOFF_BASE_US, MD_BACKOFF_CAP_US, rnd);

	if (why != t->why)
		snprintf(t->why, sizeof(t->why), "%s", why);
	if (t->state == MD_TOK_VALID && now + delay < t->expires_at) {
		t->renew_at = now + delay; /* the current token still works meanwhile */
	} else {
		t->state = MD_TOK_WAIT;
		t->retry_at = now + delay;
	}
	return delay;
}

bool md_token_retry_due(struct md_token *t, uint64_t now)
{
	if (t->state != MD_TOK_WAIT || t->retry_at > now)
		return false;
	t->state = MD_TOK_NONE;
	t->retry_at = 0;
	return true;
}

bool md_token_rejected(struct md_token *t, unsigned gen)
{
	if (!gen || gen != t->gen || t->state != MD_TOK_VALID)
		return false; /* an older token: the current one is newer already */
	t->state = MD_TOK_NONE;
	return true;
}

bool md_token_after_403(struct md_token *t, enum md_token_mode mode, bool *say)
{
	if (!metadata_token_after_403(mode)) {
		*say = !t->off_403_logged;
		t->off_403_logged = true;
		return false;
	}
	*say = !t->no_tokenless;
	t->no_tokenless = true;
	if (t->state == MD_TOK_TOKENLESS)
		t->state = MD_TOK_NONE;
	return true;
}

uint64_t md_retry_delay(unsigned attempt, bool lag, bool overdue, uint32_t rnd)
{
	/* a lagging service is polled briskly until the deadline, anything else backs off */
	return metadata_backoff_us(attempt, MD_BACKOFF_BASE_US,
				   lag && !overdue ? MD_LAG_CAP_US : MD_BACKOFF_CAP_US, rnd);
}

bool md_deadline_passed(uint64_t now, uint64_t first, unsigned deadline_s)
{
	return now >= first + (uint64_t)deadline_s * 1000000u;
}

bool md_auth_retry(unsigned *fails)
{
	return ++*fails <= MD_AUTH_RETRIES;
}

bool md_service_unreachable(enum md_token_mode mode, long http, bool put)
{
	if (!http)
		return true;
	if (http != 403)
		return false;
	return put || mode == MD_TOKEN_OFF;
}

bool md_result_refused(int r)
{
	return r != -EAGAIN && r != -EKEYEXPIRED && r != -EACCES;
}
