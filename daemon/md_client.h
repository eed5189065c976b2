/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The metadata client's own state, shared by its four files and no one else
 * (the daemon sees md_fetch.h): md_client.c (set-up, reload, the schedule timerfd,
 * requests and their answers), md_token.c (the token PUT and its answers),
 * md_instance.c (the start-up question for the instance `mac`), md_job.c (one job
 * per ENI). The rules they follow are md_policy.h's and metadata.h's (pure); the
 * transfers are http_client.h's.
 */
#ifndef ENID_MD_CLIENT_H
#define ENID_MD_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"
#include "md_fetch.h"
#include "http_client.h"
#include "md_policy.h"
#include "metadata.h"

enum md_req_kind { MD_REQ_KEY, MD_REQ_TOKEN, MD_REQ_PROBE };

struct md_job {
	struct md_job *next;
	struct md_client *c;
	int ifindex;
	uint8_t mac[6];
	struct md_fetch f;
	bool active;   /* a fetch is not complete yet */
	bool dead;     /* md_job_free()d: freed at md_idle() */
	bool notify;   /* tell ops at md_idle() */
	unsigned told; /* the md_idle() turn that last told it */
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
	const struct enid_config *cfg;
	const struct md_ops *ops;
	struct loop *loop;
	struct http_client *http;
	struct watch sched_w; /* timerfd: retries, token renewal and retry, refresh */
	uint64_t sched_at;
	char base[ENID_MD_URL_LEN]; /* metadata_url minus ENID_MD_URL_SUFFIX */
	struct md_job *jobs;
	/* settings in use, to see what a reload changed */
	enum md_token_mode mode;
	enum enid_addressing_mode addressing;
	unsigned refresh_s;
	/* token */
	struct md_token tok;
	struct http_req *tok_req; /* PUT in flight */
	/* the instance mac */
	enum md_instance inst;
	bool inst_notify;
	struct http_req *inst_req;
	uint8_t inst_mac[6];
	uint64_t inst_started, inst_retry_at;
	unsigned inst_attempt, inst_auth_fails;
	bool inst_late_logged;
	bool inst_unreachable; /* auto: falls back to DHCP already (MD_INSTANCE_UNREACHABLE) */
	char inst_why[MD_WHY_LEN];
	unsigned idle_turn; /* md_idle() calls */
	/* metadata_refresh_interval */
	uint64_t refresh_at;
};

/* md_client.c */
void md_sched_rearm(struct md_client *c);
/* Starts a request of kind for path under the base URL, with the token when one is
 * valid (the TTL header for the PUT). NULL when memory says no. */
struct http_req *md_request(struct md_client *c, enum md_req_kind kind, struct md_job *j,
			    enum md_key key, const char *path);
/* Every job and the instance question that wait for the token try again. */
void md_kick_waiting(struct md_client *c);

/* md_token.c */
/* A token can go with a request now (renewed in the background when due). */
bool md_token_ready(struct md_client *c);
void md_token_put(struct md_client *c);
void md_token_done(struct md_client *c, struct http_req *r, long http, const char *err);
/* A 401 on a request that carried token generation gen. */
void md_token_401(struct md_client *c, unsigned gen);
/* A 403 on a tokenless request: true when a token should be tried (auto). */
bool md_token_403(struct md_client *c);

/* md_instance.c */
void md_instance_step(struct md_client *c);
void md_instance_done(struct md_client *c, struct http_req *r, long http, const char *err);
/* The schedule fired at now: retry, or give up in auto after the deadline. */
void md_instance_tick(struct md_client *c, uint64_t now);
/* An answer (http, 0 = none; put: to the token PUT) while the instance question runs:
 * auto falls back to DHCP at once when it says unreachable or disabled. */
void md_instance_reach(struct md_client *c, long http, bool put, const char *why);

/* md_job.c */
void md_job_round(struct md_client *c, struct md_job *j);
void md_job_done(struct md_client *c, struct http_req *r, long http);
/* The schedule fired at now: retries due, deadlines passed. */
void md_jobs_tick(struct md_client *c, uint64_t now);
/* Frees the jobs md_job_free() let go. */
void md_jobs_reap(struct md_client *c);

#endif /* ENID_MD_CLIENT_H */
