// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The links, keyed by ifindex (names change): what happens to them goes through
 * link_event(), which steps the pure state machine (link_fsm.c) and carries out the
 * actions it returns. Nothing else changes a link's state.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "links.h"
#include "log.h"
#include "util.h"

#define RETRY_BASE_US	100000ULL   /* first retry after 50..100 ms */
#define RETRY_MAX_US	30000000ULL /* never wait more than 30 s */
#define UDEV_TIMEOUT_US 30000000ULL /* udevd stuck or gone: configure anyway */

struct link *links_find(struct links *d, int ifindex)
{
	return link_table_find(&d->lt, ifindex);
}

static struct link *link_new(struct links *d, int ifindex)
{
	struct link *l;

	if (d->lt.n == d->lt.cap) {
		unsigned int ncap = d->lt.cap ? d->lt.cap * 2 : 16;
		struct link **p = realloc(d->lt.v, ncap * sizeof(*p));

		if (!p)
			return NULL;
		d->lt.v = p;
		d->lt.cap = ncap;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->facts.ifindex = ifindex;
	d->lt.v[d->lt.n++] = l;
	return l;
}

static void link_destroy(struct links *d, struct link *l)
{
	for (unsigned int i = 0; i < d->lt.n; i++) {
		if (d->lt.v[i] != l)
			continue;
		d->lt.v[i] = d->lt.v[--d->lt.n];
		break;
	}
	addressing_link_gone(d->addr, l);
	free(l->addr);
	free(l);
}

void links_free_all(struct links *d)
{
	while (d->lt.n)
		link_destroy(d, d->lt.v[0]);
	free(d->lt.v);
	d->lt.v = NULL;
	d->lt.cap = 0;
}

static uint64_t backoff_us(unsigned int attempts)
{
	uint64_t delay = RETRY_BASE_US;

	while (--attempts && delay < RETRY_MAX_US)
		delay *= 2;
	if (delay > RETRY_MAX_US)
		delay = RETRY_MAX_US;
	/* jitter: anywhere in the upper half, so failing links do not retry in step */
	return delay / 2 + (uint64_t)random() % (delay / 2 + 1);
}

static void link_gate(struct links *d, struct link *l);
static void link_resolve(struct links *d, struct link *l);

static void link_configured(struct links *d, struct link *l)
{
	l->attempts = 0;
	l->dirty = false;
	l->verify = false;
	l->why[0] = '\0';
	if (!l->t_conf) {
		l->t_conf = now_us();
		log_info("%s: configured: slot %u table %u, %u addresses, in %llu us",
			 l->facts.ifname, l->slot, table_for_slot(d->cfg, l->slot),
			 l->addr ? l->addr->n_addrs : 0,
			 (unsigned long long)(l->t_conf - l->t_event));
	} else {
		log_info("%s: reconfigured (%u requests)", l->facts.ifname, l->verify_sent);
	}
}

void link_event(struct links *d, struct link *l, enum link_ev ev)
{
	enum link_state was = l->sm.state;
	unsigned int act;

	l->sm.has_slot = l->slot != 0;
	act = link_step(&l->sm, ev);
	if (l->sm.state != was)
		log_debug("%s: %s -> %s (%s)", l->facts.ifname, link_state_name(was),
			  link_state_name(l->sm.state), link_ev_name(ev));
	if (act & LACT_DESTROY) {
		link_destroy(d, l);
		return;
	}
	if (act & LACT_CLEANUP) {
		l->cleanup = true;
		l->pending = false;
	}
	if (act & LACT_ARM_UDEV) {
		log_debug("%s: waiting for udev", l->facts.ifname);
		l->udev_deadline = now_us() + UDEV_TIMEOUT_US;
		d->timer_changed(d->ctx);
	}
	if (act & LACT_APPLY)
		l->pending = true;
	if (act & LACT_VERIFY)
		l->verify = true;
	if (act & LACT_ARM_RETRY) {
		uint64_t delay = backoff_us(++l->attempts);

		l->retry_at = now_us() + delay;
		l->pending = false;
		l->dirty = true;
		log_warn("%s: %s; retry %u in %llu ms", l->facts.ifname, l->why, l->attempts,
			 (unsigned long long)(delay / 1000));
		d->timer_changed(d->ctx);
	}
	if (act & LACT_CONFIGURED)
		link_configured(d, l);
	if (act & LACT_ANNOUNCE) {
		/* sent by links_announce_idle() once the burst's requests are answered */
		l->announce_left = ARP_ANNOUNCE_NUM;
		l->announce_at = 0;
	}
	if (act & LACT_GATE)
		link_gate(d, l);
	if (act & LACT_RESOLVE)
		link_resolve(d, l);
}

void link_failed(struct links *d, struct link *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->why, sizeof(l->why), fmt, ap);
	va_end(ap);
	if (l->sm.state == LINK_REMOVED) {
		/* its cleanup failed: again later */
		l->attempts++;
		l->retry_at = now_us() + backoff_us(l->attempts);
		log_warn("%s: %s; retry %u", l->facts.ifname, l->why, l->attempts);
		d->timer_changed(d->ctx);
		return;
	}
	link_event(d, l, LEV_FAILED);
}

/* The boot rule's primary when there is no default route (claim.h): the lowest ifindex
 * of a listed driver without a [MAC] section, among the links present. */
static int first_listed(const struct links *d)
{
	int first = 0;

	for (unsigned int i = 0; i < d->lt.n; i++) {
		const struct link *x = d->lt.v[i];

		if (x->sm.state != LINK_REMOVED && (!first || x->facts.ifindex < first) &&
		    claim_primary_candidate(d->cfg, x->facts.driver, x->facts.mac))
			first = x->facts.ifindex;
	}
	return first;
}

/* claim.h's decision for l; l->claim keeps it for status, facts.is_primary the
 * runtime's own finding of the primary (route or boot rule). */
static bool link_is_managed(struct links *d, struct link *l)
{
	struct claim_facts f = {
		.ifindex = l->facts.ifindex,
		.ifname = l->facts.ifname,
		.mac = l->facts.mac,
		.driver = l->facts.driver,
		.route_primary = d->primary_ifindex,
		.md_primary = false,
	};
	enum claim_why why;

	if (config_driver_managed(d->cfg, l->facts.driver)) {
		f.first_listed = d->primary_ifindex ? 0 : first_listed(d);
		f.md_primary = addressing_is_primary(d->addr, l->facts.mac);
	}
	why = claim_decide(d->cfg, &f);
	l->facts.is_primary = why == CLAIM_PRIMARY_ROUTE || why == CLAIM_PRIMARY_FIRST;
	if (why != l->claim && why != CLAIM_MANAGED && why != CLAIM_DRIVER) {
		char text[160];

		log_info("%s: %s", l->facts.ifname,
			 claim_describe(d->cfg, &f, why, text, sizeof(text)));
	}
	l->claim = (unsigned char)why;
	return why == CLAIM_MANAGED;
}

/* Acts once udev has finished with the link (its final name), where udevd runs. */
static void link_gate(struct links *d, struct link *l)
{
	char name[IFNAMSIZ];

	if (d->udev_gate && !l->udev_ready) {
		if (!udev_link_initialized(d->udev, l->facts.ifindex, name)) {
			link_event(d, l, LEV_UDEV_WAIT);
			return;
		}
		l->udev_ready = true;
		l->t_udev = now_us();
		if (strcmp(name, l->facts.ifname)) {
			snprintf(l->facts.ifname, sizeof(l->facts.ifname), "%s", name);
			if (!link_is_managed(d, l)) { /* ignore_names: on the final name */
				addressing_link_gone(d->addr, l);
				link_event(d, l, LEV_UNMANAGED);
				return;
			}
		}
	}
	l->udev_deadline = 0;
	link_event(d, l, LEV_UDEV_READY);
}

/* Asks the addressing source (static or metadata, addressing.c) and steps on its answer. */
static void link_resolve(struct links *d, struct link *l)
{
	struct addressing a;
	int err;

	err = addressing_resolve(d->addr, l, &a);
	l->waiting_addr = err == -EINPROGRESS;
	if (err == -EPERM) {
		link_event(d, l, LEV_UNMANAGED);
		return;
	}
	if (err == -EINPROGRESS || err == -ETIMEDOUT) {
		/* not complete: wait, keeping whatever is applied; l->why says why */
		link_event(d, l, err == -ETIMEDOUT ? LEV_ADDR_LATE : LEV_ADDR_WAIT);
		return;
	}
	if (err == -ENOMEM) {
		link_failed(d, l, "out of memory");
		return;
	}
	if (err) {
		if (l->sm.state != LINK_RESOLVING)
			log_info("%s: %s: leaving it alone", l->facts.ifname, l->why);
		free(l->addr);
		l->addr = NULL;
		link_event(d, l, LEV_ADDR_NONE);
		return;
	}
	if (!l->addr) {
		l->addr = calloc(1, sizeof(*l->addr));
		if (!l->addr) {
			link_failed(d, l, "out of memory");
			return;
		}
	}
	if (memcmp(l->addr, &a, sizeof(a)))
		l->addr_gen++;
	*l->addr = a;
	if (!l->t_addr)
		l->t_addr = now_us();
	l->why[0] = '\0';
	link_event(d, l, LEV_ADDR_READY);
}

void link_advance(struct links *d, struct link *l)
{
	if (!l->sm.managed || l->sm.state == LINK_REMOVED)
		return;
	if (l->sm.state == LINK_NEW || l->sm.state == LINK_WAIT_UDEV)
		link_gate(d, l);
	else
		link_resolve(d, l);
}

void links_seen(struct links *d, const struct link_facts *f, const char *bus_info,
		uint64_t event_us)
{
	struct link *l = links_find(d, f->ifindex);
	char mac[18];

	if (!l) {
		l = link_new(d, f->ifindex);
		if (!l) {
			log_err("%s: out of memory", f->ifname);
			return;
		}
		l->facts = *f;
		snprintf(l->bus_info, sizeof(l->bus_info), "%s", bus_info ? bus_info : "");
		l->t_event = event_us;
		l->gen = d->gen;
		if (!link_is_managed(d, l))
			return;
		/* a slot from before a restart: the kernel may hold its state, diff first */
		l->slot = slots_find(&d->slots, l->facts.mac);
		l->dirty = l->slot != 0;
		log_info("%s: new link ifindex %d mac %s driver %s%s%s", l->facts.ifname,
			 l->facts.ifindex, mac_format(l->facts.mac, mac), l->facts.driver,
			 l->bus_info[0] ? " bus " : "", l->bus_info);
		addressing_link_new(d->addr, l); /* metadata: ask now, in parallel with udev */
		link_event(d, l, LEV_MANAGED);
		return;
	}
	l->gen = d->gen;
	if (l->sm.state == LINK_REMOVED) {
		/* back before its cleanup ran (netns round trip, missed events) */
		l->cleanup = false;
		l->dirty = true;
		link_event(d, l, LEV_BACK);
	}
	if (memcmp(l->facts.mac, f->mac, 6)) {
		log_warn("%s: MAC changed to %s: starting over", l->facts.ifname,
			 mac_format(f->mac, mac));
		memcpy(l->facts.mac, f->mac, 6);
		addressing_link_gone(d->addr, l);
		snprintf(l->facts.ifname, sizeof(l->facts.ifname), "%s", f->ifname);
		/* the old slot is cleaned (no apply waits less); the new MAC starts over */
		link_event(d, l, LEV_UNMANAGED);
		if (link_is_managed(d, l))
			link_event(d, l, LEV_MANAGED);
		return;
	}
	l->facts.mtu = f->mtu;
	if (strcmp(l->facts.ifname, f->ifname)) {
		log_info("%s: renamed to %s", l->facts.ifname, f->ifname);
		snprintf(l->facts.ifname, sizeof(l->facts.ifname), "%s", f->ifname);
		if (l->sm.managed && !link_is_managed(d, l)) { /* ignore_names */
			addressing_link_gone(d->addr, l);
			link_event(d, l, LEV_UNMANAGED);
			return;
		}
		/* sysctls live under the name */
		if (l->sm.managed &&
		    (l->sm.state == LINK_CONFIGURED || l->sm.state == LINK_CONFIGURING))
			link_event(d, l, LEV_HEAL);
	}
	if (!l->sm.managed && link_is_managed(d, l))
		link_event(d, l, LEV_MANAGED);
	else if (l->sm.managed && l->sm.state == LINK_NEW && !l->cleanup)
		link_gate(d, l);
}

void links_gone(struct links *d, int ifindex)
{
	struct link *l = links_find(d, ifindex);

	if (!l || l->sm.state == LINK_REMOVED)
		return;
	if (l->sm.managed)
		log_info("%s: removed", l->facts.ifname);
	addressing_link_gone(d->addr, l);
	l->pending = false;
	l->retry_at = 0;
	l->udev_deadline = 0;
	l->attempts = 0;
	link_event(d, l, LEV_GONE);
}

void links_udev_ready(struct links *d, int ifindex, const char *ifname)
{
	struct link *l = links_find(d, ifindex);

	if (!l || l->udev_ready)
		return;
	l->udev_ready = true;
	l->t_udev = now_us();
	if (ifname && ifname[0] && strcmp(ifname, l->facts.ifname)) {
		snprintf(l->facts.ifname, sizeof(l->facts.ifname), "%s", ifname);
		if (l->sm.managed && !link_is_managed(d, l)) { /* ignore_names: the final name */
			addressing_link_gone(d->addr, l);
			l->udev_deadline = 0;
			link_event(d, l, LEV_UNMANAGED);
			return;
		}
	}
	if (l->sm.state == LINK_WAIT_UDEV) {
		log_debug("%s: udev is done with it", l->facts.ifname);
		l->udev_deadline = 0;
		link_event(d, l, LEV_UDEV_READY);
	}
}

void links_dump_begin(struct links *d)
{
	d->gen++;
}

void links_dump_done(struct links *d, bool sweep)
{
	for (unsigned int i = 0; sweep && i < d->lt.n;) {
		struct link *l = d->lt.v[i];
		unsigned int before = d->lt.n;

		if (l->gen != d->gen && l->sm.state != LINK_REMOVED)
			links_gone(d, l->facts.ifindex);
		if (d->lt.n == before)
			i++;
	}
	if (!d->synced) {
		d->synced = true;
		d->orphans_pending = true;
	}
}

void links_reevaluate(struct links *d)
{
	for (unsigned int i = 0; i < d->lt.n; i++) {
		struct link *l = d->lt.v[i];
		bool was = l->sm.managed;

		if (l->sm.state == LINK_REMOVED)
			continue;
		l->attempts = 0;
		l->retry_at = 0;
		if (!link_is_managed(d, l)) {
			if (was) {
				log_info("%s: no longer managed", l->facts.ifname);
				link_event(d, l, LEV_UNMANAGED);
			}
			continue;
		}
		l->dirty = true;
		if (!was) {
			if (!l->slot)
				l->slot = slots_find(&d->slots, l->facts.mac);
			link_event(d, l, LEV_MANAGED);
			continue;
		}
		if (l->sm.state == LINK_NEW || l->sm.state == LINK_WAIT_UDEV)
			link_gate(d, l);
		else
			link_event(d, l, LEV_REAPPLY);
	}
	d->orphans_pending = true;
}

static void earliest(uint64_t *at, uint64_t t)
{
	if (t && (!*at || t < *at))
		*at = t;
}

uint64_t links_next_timer(const struct links *d)
{
	uint64_t at = 0;

	for (unsigned int i = 0; i < d->lt.n; i++) {
		const struct link *l = d->lt.v[i];

		earliest(&at, l->retry_at);
		earliest(&at, l->udev_deadline);
		earliest(&at, l->announce_left ? l->announce_at : 0);
	}
	return at;
}

void links_timer(struct links *d, uint64_t now)
{
	for (unsigned int i = 0; i < d->lt.n; i++) {
		struct link *l = d->lt.v[i];

		if (l->udev_deadline && l->udev_deadline <= now) {
			l->udev_deadline = 0;
			log_warn("%s: udev has not initialized it in %llu s; configuring it anyway",
				 l->facts.ifname, UDEV_TIMEOUT_US / 1000000ULL);
			l->udev_ready = true;
			link_event(d, l, LEV_UDEV_TIMEOUT);
		}
		if (!l->retry_at || l->retry_at > now)
			continue;
		l->retry_at = 0;
		if (!l->cleanup && l->sm.managed && l->sm.state == LINK_FAILED) {
			l->dirty = true;
			link_event(d, l, LEV_RETRY);
		}
	}
}

/*
 * Healing. One heal per apply: what one process deletes in a burst (networkd flushing
 * its foreign rules, an ip -batch) is counted and answered once. The plan is sent again
 * as it is; what still exists answers EEXIST and is compared after, so nothing waits for
 * a dump before the missing pieces go back. heal.c caps the rate.
 */
/* Puts back at once exactly what was deleted, before the full apply compares the rest. */
static void link_repair(struct links *d, struct link *l, const struct kwatch_undone *u)
{
	struct kreqs q = {0};
	struct kreq r = {.op = u->what == KW_RULE ? KREQ_NEWRULE : KREQ_NEWROUTE};

	if (u->what == KW_RULE)
		r.rule = u->rule.r;
	else
		r.route = u->route.r;
	q.v = &r;
	q.n = q.cap = 1;
	if (rtreq_submit(&d->rtreq, BATCH_REPAIR, l->facts.ifindex, 0, &q) == 0)
		rtreq_flush(&d->rtreq);
}

/* Which object went, for heal.c to tell a burst of deletions from a fight (FNV-1a). */
static uint32_t heal_key(const struct kwatch_undone *u)
{
	const void *obj = &u->ip;
	size_t len = sizeof(u->ip);
	uint32_t h = 2166136261u;
	uint8_t head[9];

	if (u->what == KW_RULE) {
		obj = &u->rule.r.src;
		len = sizeof(u->rule.r.src);
	} else if (u->what == KW_ROUTE) {
		obj = &u->route.r.dst;
		len = sizeof(u->route.r.dst);
	}
	memcpy(head, &u->what, 4);
	memcpy(head + 4, u->what == KW_RULE ? &u->rule.r.pref : &u->route.r.table, 4);
	/* a chain's rules have no source: the v4 and v6 ones at a pref are two objects */
	head[8] = (uint8_t)(u->what == KW_RULE	  ? u->rule.r.family
			    : u->what == KW_ROUTE ? u->route.r.family
						  : u->ip.family);
	for (size_t i = 0; i < sizeof(head); i++)
		h = (h ^ head[i]) * 16777619u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ ((const uint8_t *)obj)[i]) * 16777619u;
	return h;
}

static void link_heal(struct links *d, struct link *l, const char *what,
		      const struct kwatch_undone *u)
{
	uint64_t now = now_us(), delay = 0;
	bool counted = l->heal_queued;

	if (l->sm.state != LINK_CONFIGURED && l->sm.state != LINK_CONFIGURING &&
	    l->sm.state != LINK_PENDING)
		return;
	snprintf(l->heal.by, sizeof(l->heal.by), "%s", u->who);
	if (!counted) {
		l->heal_queued = true;
		delay = heal_delay(&l->heal, now, heal_key(u));
	} else if (l->retry_at > now) {
		delay = l->retry_at - now;
	}
	/* answered at once: put back exactly what went, before the full apply */
	if (!delay && u->what != KW_ADDR)
		link_repair(d, l, u);
	if (counted)
		return;
	link_event(d, l, LEV_HEAL);
	if (!delay) {
		log_info("%s: %s deleted by %s: applying again", l->facts.ifname, what, u->who);
		return;
	}
	log_warn("%s: %s deleted by %s again (%u times in %llu s): applying again in %llu ms",
		 l->facts.ifname, what, u->who, l->heal.in_window, HEAL_WINDOW_US / 1000000ULL,
		 (unsigned long long)(delay / 1000));
	l->retry_at = now + delay;
	d->timer_changed(d->ctx);
}

static struct link *link_of_slot(struct links *d, unsigned int slot)
{
	for (unsigned int i = 0; slot && i < d->lt.n; i++)
		if (d->lt.v[i]->slot == slot && d->lt.v[i]->sm.managed && !d->lt.v[i]->cleanup)
			return d->lt.v[i];
	return NULL;
}

static bool addr_planned(const struct link *l, const struct enid_ip *ip)
{
	for (unsigned int i = 0; l->addr && i < l->addr->n_addrs; i++)
		if (l->addr->addrs[i].family == ip->family &&
		    l->addr->addrs[i].prefixlen == ip->prefixlen &&
		    enid_ip_same_addr(&l->addr->addrs[i], ip))
			return true;
	return false;
}

void links_undone(void *ctx, const struct kwatch_undone *u)
{
	struct links *d = ctx;
	struct link *l;

	if (u->what == KW_RULE && u->host) {
		if (!d->host_stale)
			log_warn("a dispatch rule (pref %u) was deleted by %s: adding it again",
				 u->rule.r.pref, u->who ? u->who : "another process");
		d->host_stale = true; /* the next pass compares the dispatch with the kernel */
		return;
	}
	if (u->what == KW_ADDR) {
		l = links_find(d, u->ifindex);
		if (l && l->sm.managed && addr_planned(l, &u->ip))
			link_heal(d, l, "an address", u);
		return;
	}
	l = link_of_slot(d, u->slot);
	if (!l || (u->ifindex && u->ifindex != l->facts.ifindex))
		return;
	link_heal(d, l, u->what == KW_RULE ? "a rule" : "a route", u);
}

void links_undone_lost(void *ctx)
{
	struct links *d = ctx;

	log_warn("rule/route/address notifications lost (ENOBUFS): applying every ENI again");
	d->host_stale = true;
	for (unsigned int i = 0; i < d->lt.n; i++) {
		struct link *l = d->lt.v[i];

		if (l->sm.managed && l->sm.state == LINK_CONFIGURED) {
			l->dirty = true;
			link_event(d, l, LEV_HEAL);
		}
	}
}

/* Without carrier an announcement is lost (the link was only just set up): the first round
 * waits for it, looking every 20 ms for at most a second after the link was configured. */
#define CARRIER_POLL_US 20000ULL
#define CARRIER_WAIT_US 1000000ULL

static bool carrier_up(const struct link *l)
{
	char path[64], v[8];

	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", l->facts.ifname);
	return file_read_line(path, v, sizeof(v)) || strcmp(v, "0"); /* unknown: go on */
}

void links_announce_idle(struct links *d)
{
	bool later = false, sent = false;
	uint64_t now;

	if (rtreq_busy(&d->rtreq))
		return;
	for (unsigned int i = 0; i < d->lt.n; i++)
		if (d->lt.v[i]->pending && d->lt.v[i]->sm.managed)
			return;
	now = now_us();
	for (unsigned int i = 0; i < d->lt.n; i++) {
		struct link *l = d->lt.v[i];
		struct announce_link a = {l->facts.ifindex, l->facts.ifname, l->facts.mac, l->addr};

		if (!l->announce_left || l->announce_at > now)
			continue;
		if (!d->cfg->gratuitous_arp || l->sm.state != LINK_CONFIGURED) {
			l->announce_left = 0;
			continue;
		}
		if (l->announce_left == ARP_ANNOUNCE_NUM && !carrier_up(l) &&
		    now < l->t_conf + CARRIER_WAIT_US) {
			l->announce_at = now + CARRIER_POLL_US;
			later = true;
			continue;
		}
		if (sent) {
			/* one link's round per loop turn: a link event that came meanwhile (a
			 * burst) is configured before the next link is announced */
			loop_again(d->loop);
			break;
		}
		announce_addrs(&d->ann, &a);
		sent = true;
		if (--l->announce_left) {
			l->announce_at = now + ARP_ANNOUNCE_INTERVAL_US;
			later = true;
		}
	}
	if (later)
		d->timer_changed(d->ctx);
}

void links_arp_filter_sync(struct links *d)
{
	bool any = false;

	for (unsigned int i = 0; i < d->lt.n && !any; i++)
		any = d->lt.v[i]->slot != 0;
	arp_filter_sync(&d->ann, d->cfg->host_arp_filter && any);
}

/* addressing_ops: what addressing (addressing.h) tells the link manager */
static void addr_advance(void *ctx, struct link *l)
{
	link_advance(ctx, l);
}

static void addr_late(void *ctx, struct link *l)
{
	link_event(ctx, l, LEV_ADDR_LATE);
}

static void addr_reevaluate(void *ctx)
{
	links_reevaluate(ctx);
}

const struct addressing_ops links_addressing_ops = {
	.advance = addr_advance,
	.late = addr_late,
	.reevaluate = addr_reevaluate,
};
