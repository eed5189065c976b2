/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The metadata fetch policy, pure (no I/O, no clock, no globals: time and the
 * jitter's random number come in as arguments): the token's state rules of hardened
 * mode, how long a job or the instance question waits before asking again, when it
 * is overdue, how often a 401/403 is retried at once. metadata.h holds the rest of
 * the pure half (which keys per MAC, answers -> addressing); md_client.h drives both.
 *
 * Token rules: auto and required PUT /latest/api/token first and send the token with
 * every request; it is renewed before it expires (metadata_token_renew_at) and at
 * once on a 401. auto goes tokenless only when the PUT says the call is not supported
 * (404, 405, 501), never after a 403; a 403 to a tokenless request in auto means
 * "token from now on". off never PUTs. Requests wait while no token is usable; a
 * failed PUT is retried with backoff.
 */
#ifndef ENID_MD_POLICY_H
#define ENID_MD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "metadata.h"

#define MD_AUTH_RETRIES 2 /* 401/403 rounds retried at once (new token); then back off */

enum md_tok_state {
	MD_TOK_NONE,	  /* none: PUT when a request needs one */
	MD_TOK_PUTTING,	  /* the first PUT is in flight */
	MD_TOK_VALID,	  /* token in .token (a renewal PUT may be in flight) */
	MD_TOK_WAIT,	  /* a PUT failed: next one at .retry_at */
	MD_TOK_TOKENLESS, /* off, or auto after "not supported" */
};

struct md_token {
	enum md_tok_state state;
	bool no_tokenless;   /* a 403: tokenless is never tried again */
	bool off_403_logged; /* off and a 403: said once */
	char token[MD_TOKEN_MAX + 1];
	unsigned gen; /* changes with every token (and reset): 0 is never current */
	uint64_t renew_at, expires_at, retry_at;
	unsigned attempt; /* failed PUTs in a row */
	char why[MD_WHY_LEN];
};

/* Forgets the token (a new mode or URL); off starts tokenless. */
void md_token_reset(struct md_token *t, enum md_token_mode mode);

enum md_token_use {
	MD_TOKEN_USE_NO,    /* nothing usable: PUT (md_token_may_put) and wait */
	MD_TOKEN_USE_OK,    /* send it (or go tokenless) */
	MD_TOKEN_USE_RENEW, /* send it, and PUT for the next one meanwhile */
};
/* Can a request go now? An expired token is dropped (state NONE). */
enum md_token_use md_token_use(struct md_token *t, uint64_t now);
/* A PUT may start: none in flight, not tokenless, not waiting to retry. */
bool md_token_may_put(const struct md_token *t, bool in_flight);
/* A PUT started: PUTTING unless a valid token serves meanwhile. */
void md_token_putting(struct md_token *t);
/* The generation a request sent now carries (0 = none). */
unsigned md_token_gen(const struct md_token *t);

/*
 * The PUT (sent at sent_us) answered http (0: err says why). Returns
 *   MD_TOKEN_STEP_USE        the token is in t (VALID, renew_at, expires_at, new gen)
 *   MD_TOKEN_STEP_TOKENLESS  auto and "not supported": t is TOKENLESS
 *   MD_TOKEN_STEP_RETRY      why says what failed ("token: HTTP 503", "token: timeout",
 *                            the token parser's text): call md_token_failed()
 * t->why is left to the caller (it says whether a trouble ended).
 */
enum md_token_step md_token_put_done(struct md_token *t, enum md_token_mode mode, long http,
				     const char *err, const char *body, size_t len,
				     uint64_t sent_us, unsigned ttl, char *why, size_t whylen);

/*
 * A PUT failed for why at now: the next one after a capped backoff (returned, in us).
 * A valid token with time left keeps serving (renew_at moves); else t goes WAIT
 * (retry_at) and requests wait. why is copied to t->why.
 */
uint64_t md_token_failed(struct md_token *t, const char *why, uint64_t now, uint32_t rnd);
/* WAIT and retry_at reached: back to NONE (true: PUT now). */
bool md_token_retry_due(struct md_token *t, uint64_t now);

/* A 401 to a request that carried generation gen: true when that is the current
 * token, now dropped (PUT for a new one); false for an older token or none. */
bool md_token_rejected(struct md_token *t, unsigned gen);

/*
 * A 403 to a request sent without a token. auto/required: true, a token from now on
 * (tokenless never again); off: false, go on without. *say is set when this is the
 * first time it is worth a log line.
 */
bool md_token_after_403(struct md_token *t, enum md_token_mode mode, bool *say);

/* ---- retries ---- */

/*
 * Delay before the next round of a job at retry round attempt: metadata_backoff_us
 * with MD_BACKOFF_BASE_US, capped at MD_LAG_CAP_US while the service only lags (every
 * missing key 404) and the job is not overdue, else at MD_BACKOFF_CAP_US (5xx,
 * timeouts, bad answers, overdue).
 */
uint64_t md_retry_delay(unsigned attempt, bool lag, bool overdue, uint32_t rnd);
/* now is at or past first + deadline_s. */
bool md_deadline_passed(uint64_t now, uint64_t first, unsigned deadline_s);
/* One more 401/403 round: true while it may be retried at once (MD_AUTH_RETRIES). */
bool md_auth_retry(unsigned *fails);
/* A fetch result (metadata_fetch_result) that is a refused answer, not a wait. */
bool md_result_refused(int r);

/*
 * An answer to the instance question (or to its token PUT: put) that says the service is
 * unreachable or disabled, so addressing = auto falls back to DHCP at once: no HTTP answer
 * at all (connection refused, no route, timeout: http 0), or 403 to a tokenless request
 * with metadata_token = off, or 403 to the token PUT. Anything else (404: the service is
 * eventually consistent; 5xx; 401) means wait.
 */
bool md_service_unreachable(enum md_token_mode mode, long http, bool put);

#endif /* ENID_MD_POLICY_H */
