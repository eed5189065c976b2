// SPDX-License-Identifier: GPL-2.0-or-later
/* One metadata job per ENI: drives metadata.h's md_fetch, retrying as md_policy.h
 * says, and keeps the last good answer (see md_fetch.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "md_client.h"
#include "util.h"

static void job_log(struct md_job *j, int r, uint64_t delay)
{
	char mac[18];

	if (!strcmp(j->why, j->logged))
		return;
	snprintf(j->logged, sizeof(j->logged), "%s", j->why);
	mac_format(j->mac, mac);
	if (!md_result_refused(r))
		log_info("metadata %s: %s; asking again in %llu ms", mac, j->why,
			 (unsigned long long)(delay / 1000));
	else
		log_warn("metadata %s: bad answer, nothing applied: %s; asking again in %llu ms",
			 mac, j->why, (unsigned long long)(delay / 1000));
}

static void job_backoff(struct md_client *c, struct md_job *j, int r)
{
	uint64_t now = now_us(), delay;

	if (!j->overdue && !j->have_good &&
	    md_deadline_passed(now, j->first, c->cfg->metadata_deadline_s))
		j->overdue = true;
	delay = md_retry_delay(j->f.attempt, j->f.lag, j->overdue, (uint32_t)random());
	snprintf(j->why, sizeof(j->why), "%s", j->f.why);
	job_log(j, r, delay);
	j->retry_at = now + delay;
	j->notify = true;
	md_sched_rearm(c);
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
				 mac_format(j->mac, mac), j->f.requests,
				 (unsigned long long)((now_us() - j->started) / 1000));
		j->why[0] = j->logged[0] = '\0';
		j->notify = true;
		return;
	case -EKEYEXPIRED:
		md_token_401(c, j->gen);
		if (md_auth_retry(&j->auth_fails)) {
			metadata_fetch_retry(&j->f);
			md_job_round(c, j);
			return;
		}
		break;
	case -EACCES:
		if (!j->gen && md_token_403(c) && md_auth_retry(&j->auth_fails)) {
			metadata_fetch_retry(&j->f);
			md_job_round(c, j);
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
void md_job_round(struct md_client *c, struct md_job *j)
{
	char path[MD_PATH_LEN];
	int k;

	if (j->dead || !j->active || j->retry_at)
		return;
	if (job_wants(j) && !md_token_ready(c)) {
		md_token_put(c);
		snprintf(j->why, sizeof(j->why), "waiting: metadata %.140s",
			 c->tok.why[0] ? c->tok.why : "token");
		j->notify = true;
		return;
	}
	while ((k = metadata_fetch_next(&j->f)) >= 0) {
		j->gen = md_token_gen(&c->tok);
		if (metadata_key_path((enum md_key)k, j->mac, path, sizeof(path)) < 0 ||
		    !md_request(c, MD_REQ_KEY, j, (enum md_key)k, path))
			metadata_fetch_answer(&j->f, (enum md_key)k, 0, NULL, 0);
	}
	if (!j->f.outstanding) {
		job_result(c, j);
	} else if (!j->f.attempt && !j->f.why[0]) {
		snprintf(j->why, sizeof(j->why), "waiting for %u answers", j->f.outstanding);
		j->notify = true;
	}
}

void md_job_done(struct md_client *c, struct http_req *r, long http)
{
	struct md_job *j = r->owner;
	enum md_key key = (enum md_key)r->key;

	if (j->dead)
		return;
	if (metadata_fetch_answer(&j->f, key, http, r->body ? r->body : "", r->len) == -ENOMEM)
		metadata_fetch_answer(&j->f, key, 0, NULL, 0); /* still in flight: a failure */
	md_job_round(c, j);
}

void md_jobs_tick(struct md_client *c, uint64_t now)
{
	for (struct md_job *j = c->jobs; j; j = j->next) {
		if (j->dead || !j->active)
			continue;
		if (j->retry_at && j->retry_at <= now) {
			j->retry_at = 0;
			metadata_fetch_retry(&j->f);
			md_job_round(c, j);
		} else if (!j->overdue && !j->have_good &&
			   md_deadline_passed(now, j->first, c->cfg->metadata_deadline_s)) {
			j->overdue = true;
			j->notify = true;
		}
	}
}

void md_jobs_reap(struct md_client *c)
{
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

struct md_job *md_job_start(struct md_client *c, int ifindex, const uint8_t mac[6])
{
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
	md_job_round(c, j);
	return j;
}

void md_job_refresh(struct md_client *c, struct md_job *j)
{

	if (!c || !j || j->dead)
		return;
	if (j->active) {
		if (j->retry_at) {
			j->retry_at = now_us(); /* the next round at once */
			md_sched_rearm(c);
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
	md_job_round(c, j);
}

void md_job_free(struct md_client *c, struct md_job *j)
{

	if (!c || !j || j->dead)
		return;
	http_client_cancel_owner(c->http, j);
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
