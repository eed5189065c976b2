// SPDX-License-Identifier: GPL-2.0-or-later
/* The start-up question for the instance `mac` (the primary's, never managed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "md_client.h"
#include "util.h"

static void probe_give_up(struct md_client *c)
{
	char base[ENID_MD_URL_LEN];

	snprintf(base, sizeof(base), "%s", c->base);
	c->inst = MD_INSTANCE_ABSENT;
	c->inst_retry_at = 0;
	c->inst_notify = !c->inst_unreachable; /* already told: DHCP since then */
	c->inst_unreachable = false;
	log_warn("metadata: no answer from %s in %u s (%s): addressing auto uses the [MAC] "
		 "sections, else DHCP ('enictl refresh' asks again)",
		 base, c->cfg->metadata_deadline_s, c->inst_why);
}

void md_instance_reach(struct md_client *c, long http, bool put, const char *why)
{
	if (c->inst != MD_INSTANCE_PROBING || c->inst_unreachable ||
	    c->addressing != ENID_ADDRESSING_AUTO ||
	    !md_service_unreachable(c->cfg->metadata_token, http, put))
		return;
	c->inst_unreachable = true;
	c->inst_notify = true;
	log_warn("metadata: %s: %s: addressing auto uses the [MAC] sections, else DHCP, now "
		 "(asked again until %u s have passed)",
		 c->base, why, c->cfg->metadata_deadline_s);
}

static void probe_backoff(struct md_client *c, const char *why)
{
	uint64_t now = now_us(), delay;
	bool late = md_deadline_passed(now, c->inst_started, c->cfg->metadata_deadline_s);

	if (strcmp(why, c->inst_why))
		log_info("metadata: instance mac: %s", why);
	snprintf(c->inst_why, sizeof(c->inst_why), "%s", why);
	if (c->addressing == ENID_ADDRESSING_AUTO && late) {
		probe_give_up(c);
		return;
	}
	if (!c->inst_late_logged && late) {
		log_warn("metadata: still no instance mac after %u s (%s); asking on",
			 c->cfg->metadata_deadline_s, why);
		c->inst_late_logged = true;
	}
	delay = metadata_backoff_us(c->inst_attempt++, MD_BACKOFF_BASE_US, MD_BACKOFF_CAP_US,
				    (uint32_t)random());
	c->inst_retry_at = now + delay;
	md_sched_rearm(c);
}

void md_instance_step(struct md_client *c)
{
	if (c->inst != MD_INSTANCE_PROBING || c->inst_req || c->inst_retry_at)
		return;
	if (!md_token_ready(c)) {
		md_token_put(c);
		if (!c->tok.why[0])
			snprintf(c->inst_why, sizeof(c->inst_why), "waiting: metadata token");
		return;
	}
	c->inst_req = md_request(c, MD_REQ_PROBE, NULL, 0, MD_PATH_MAC);
	if (!c->inst_req)
		probe_backoff(c, "cannot start the request (out of memory)");
}

void md_instance_done(struct md_client *c, struct http_req *r, long http, const char *err)
{
	char why[MD_WHY_LEN], mac[18];

	c->inst_req = NULL;
	switch (metadata_http_class(http)) {
	case MD_HTTP_OK:
		if (!metadata_parse_mac(r->body ? r->body : "", r->len, c->inst_mac, why,
					sizeof(why))) {
			c->inst = MD_INSTANCE_KNOWN;
			c->inst_unreachable = false;
			c->inst_notify = true;
			c->inst_why[0] = '\0';
			log_info("metadata: instance mac %s (the primary: never managed)",
				 mac_format(c->inst_mac, mac));
			md_sched_rearm(c);
			return;
		}
		break;
	case MD_HTTP_TOKEN_EXPIRED:
		md_token_401(c, r->gen);
		if (md_auth_retry(&c->inst_auth_fails)) {
			md_instance_step(c);
			return;
		}
		snprintf(why, sizeof(why), "HTTP 401 (token rejected)");
		break;
	case MD_HTTP_TOKEN_NEEDED:
		if (!r->gen && md_token_403(c) && md_auth_retry(&c->inst_auth_fails)) {
			md_instance_step(c);
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
	md_instance_reach(c, http, false, why);
	probe_backoff(c, why);
}

void md_instance_tick(struct md_client *c, uint64_t now)
{
	if (c->inst != MD_INSTANCE_PROBING)
		return;
	if (c->inst_retry_at && c->inst_retry_at <= now) {
		c->inst_retry_at = 0;
		md_instance_step(c);
	} else if (c->addressing == ENID_ADDRESSING_AUTO && !c->inst_req &&
		   md_deadline_passed(now, c->inst_started, c->cfg->metadata_deadline_s)) {
		probe_give_up(c);
	}
}

void md_instance_probe(struct md_client *c)
{

	if (!c || c->inst == MD_INSTANCE_KNOWN || c->inst == MD_INSTANCE_PROBING)
		return;
	c->inst = MD_INSTANCE_PROBING;
	c->inst_started = now_us();
	c->inst_retry_at = 0;
	c->inst_attempt = c->inst_auth_fails = 0;
	c->inst_late_logged = c->inst_unreachable = false;
	snprintf(c->inst_why, sizeof(c->inst_why), "asking for the instance mac");
	md_instance_step(c);
}

enum md_instance md_instance_state(const struct md_client *c)
{
	if (c && c->inst == MD_INSTANCE_PROBING && c->inst_unreachable)
		return MD_INSTANCE_UNREACHABLE;
	return c ? c->inst : MD_INSTANCE_OFF;
}

bool md_instance_mac(const struct md_client *c, uint8_t mac[6])
{
	if (!c || c->inst != MD_INSTANCE_KNOWN)
		return false;
	memcpy(mac, c->inst_mac, 6);
	return true;
}

const char *md_instance_why(const struct md_client *c)
{
	return c ? c->inst_why : "";
}
