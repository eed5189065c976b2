/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The metadata fetcher's public face, the I/O half of metadata addressing. Its parts:
 * http_client.c (HTTP/1.1 inside enid's epoll loop, keep-alive, timeouts on a timerfd;
 * no blocking call, no thread; http_msg.h says why it is not libcurl), md_client.c
 * (set-up, reload, the schedule timerfd), md_token.c (the token of hardened mode),
 * md_instance.c (the start-up question for the instance `mac`), md_job.c (one job
 * per ENI that drives metadata.h's md_fetch, retrying with capped exponential
 * backoff and jitter); the rules they follow are pure, in md_policy.h and metadata.h.
 *
 * Token (metadata_token): auto and required PUT /latest/api/token with the TTL
 * header first and send the token with every request; it is renewed before it
 * expires (metadata_token_renew_at) and at once on a 401. auto goes tokenless only
 * when the PUT says the call is not supported (404, 405, 501), never after a 403;
 * a 403 to a tokenless request in auto means "token from now on". off never PUTs.
 * Requests wait while no token is usable; a failed PUT is retried with backoff.
 *
 * Per ENI: every wanted key is asked at once (so 1 round trip, 2 with IPv6); an
 * incomplete or bad answer is asked again after metadata_backoff_us(); an error
 * never becomes "no addresses": a job keeps its last good answer until a complete
 * new one replaces it. After metadata_deadline_s without any complete answer a job
 * is "overdue" (the link is reported failed) and goes on retrying at the cap.
 *
 * Jobs and the instance state report changes through md_ops, called from md_idle() at
 * the end of a loop turn, never from inside the fetcher's own calls (no re-entrancy into
 * the link state machine); md_idle() tells each job and the instance at most once.
 */
#ifndef ENID_MD_FETCH_H
#define ENID_MD_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "plan.h"

struct md_client;
struct md_job;

/* What the client reports, from md_idle(). */
struct md_ops {
	void (*job_changed)(void *ctx, struct md_job *j); /* its state or answer changed */
	void (*instance_changed)(void *ctx);		  /* the instance question's */
	void *ctx;
};

#define MD_MAX_CONNS 16 /* connections to the service at once; more transfers queue */

enum md_instance {
	MD_INSTANCE_OFF,     /* not asked (addressing = static) */
	MD_INSTANCE_PROBING, /* asking for the instance mac */
	MD_INSTANCE_KNOWN,   /* answered: the primary's MAC */
	MD_INSTANCE_ABSENT,  /* addressing = auto: no answer within metadata_deadline_s */
	/* addressing = auto: the first answers said the service is unreachable or disabled
	 * (md_service_unreachable): DHCP now; still asked until metadata_deadline_s */
	MD_INSTANCE_UNREACHABLE,
};

/* Creates the HTTP client and the schedule timerfd in loop; asks for the instance
 * mac when addressing is auto or metadata. cfg stays the daemon's (a reload replaces its
 * contents, then calls md_reconfigure). 0 and *out, or -errno. */
int md_open(struct md_client **out, struct loop *loop, const struct enid_config *cfg,
	    const struct md_ops *ops);
/* Every function takes NULL as "no client": static addressing. */
void md_close(struct md_client *c);
/* After a reload: a new URL or token mode restarts the token and every running
 * fetch; a new addressing mode may start the instance question. */
void md_reconfigure(struct md_client *c);
/* End of a loop turn: deliver notifications, free what was let go. */
void md_idle(struct md_client *c);

/* (Re)starts the instance question unless it is answered or running. */
void md_instance_probe(struct md_client *c);
enum md_instance md_instance_state(const struct md_client *c);
/* The instance mac when known. */
bool md_instance_mac(const struct md_client *c, uint8_t mac[6]);
/* Why the instance question is not answered yet ("" when it is). */
const char *md_instance_why(const struct md_client *c);

/* Starts fetching mac's addressing for ifindex. NULL when out of memory. */
struct md_job *md_job_start(struct md_client *c, int ifindex, const uint8_t mac[6]);
/* Reads the metadata again: a new fetch when the last one is complete (the good
 * answer stays until a complete new one replaces it), else the next retry at once. */
void md_job_refresh(struct md_client *c, struct md_job *j);
/* Cancels its requests; freed at the next md_idle(). */
void md_job_free(struct md_client *c, struct md_job *j);

int md_job_ifindex(const struct md_job *j);
/* The last complete, valid answer, or NULL. */
const struct addressing *md_job_good(const struct md_job *j);
/* A fetch is running or waiting to retry. */
bool md_job_busy(const struct md_job *j);
/* No complete answer within metadata_deadline_s of the first fetch. */
bool md_job_overdue(const struct md_job *j);
/* Why the running fetch is not complete ("" when it is). */
const char *md_job_why(const struct md_job *j);
/* Requests sent for this ENI so far (token and instance requests not counted),
 * and those of its last complete fetch. */
unsigned md_job_requests(const struct md_job *j);
unsigned md_job_last_requests(const struct md_job *j);

#endif /* ENID_MD_FETCH_H */
