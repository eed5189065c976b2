// SPDX-License-Identifier: GPL-2.0-or-later
/* The per-link state machine, keyed by ifindex (names change). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addressing.h"
#include "enid.h"
#include "log.h"
#include "util.h"

#define RETRY_BASE_US	100000ULL   /* first retry after 50..100 ms */
#define RETRY_MAX_US	30000000ULL /* never wait more than 30 s */
#define UDEV_TIMEOUT_US 30000000ULL /* udevd stuck or gone: configure anyway */

const char *link_state_name(enum link_state s)
{
	static const char *const names[] = {
		[LINK_NEW] = "new",
		[LINK_WAIT_UDEV] = "wait-udev",
		[LINK_RESOLVING] = "resolving",
		[LINK_CONFIGURING] = "configuring",
		[LINK_CONFIGURED] = "configured",
		[LINK_FAILED] = "failed",
		[LINK_REMOVED] = "removed",
	};

	return s <= LINK_REMOVED ? names[s] : "?";
}

bool link_settled(const struct link *l)
{
	if (!l->managed)
		return true;
	switch (l->state) {
	case LINK_CONFIGURED:
	case LINK_FAILED:
	case LINK_REMOVED:
		return true;
	case LINK_RESOLVING:
		return !l->pending && !l->waiting_addr;
	default:
		return false;
	}
}

struct link *links_find(struct enid *d, int ifindex)
{
	for (unsigned int i = 0; i < d->n_links; i++)
		if (d->links[i]->facts.ifindex == ifindex)
			return d->links[i];
	return NULL;
}

static struct link *link_new(struct enid *d, int ifindex)
{
	struct link *l;

	if (d->n_links == d->cap_links) {
		unsigned int ncap = d->cap_links ? d->cap_links * 2 : 16;
		struct link **p = realloc(d->links, ncap * sizeof(*p));

		if (!p)
			return NULL;
		d->links = p;
		d->cap_links = ncap;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->facts.ifindex = ifindex;
	d->links[d->n_links++] = l;
	return l;
}

void link_destroy(struct enid *d, struct link *l)
{
	for (unsigned int i = 0; i < d->n_links; i++) {
		if (d->links[i] != l)
			continue;
		d->links[i] = d->links[--d->n_links];
		break;
	}
	addressing_link_gone(d, l);
	free(l->addr);
	free(l);
}

void links_free_all(struct enid *d)
{
	while (d->n_links)
		link_destroy(d, d->links[0]);
	free(d->links);
	d->links = NULL;
	d->cap_links = 0;
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

void link_failed(struct enid *d, struct link *l, const char *fmt, ...)
{
	uint64_t delay;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->why, sizeof(l->why), fmt, ap);
	va_end(ap);
	l->attempts++;
	delay = backoff_us(l->attempts);
	l->retry_at = now_us() + delay;
	l->pending = false;
	l->dirty = true;
	if (l->state != LINK_REMOVED)
		l->state = LINK_FAILED;
	log_warn("%s: %s; retry %u in %llu ms", l->facts.ifname, l->why, l->attempts,
		 (unsigned long long)(delay / 1000));
	enid_timer_rearm(d);
}

static void refresh_primary(struct enid *d, struct link *l)
{
	bool cfg_names_one = d->cfg.primary_ifname[0] || d->cfg.has_primary_mac;

	l->facts.is_primary = !cfg_names_one && d->primary_ifindex == l->facts.ifindex;
}

static bool link_is_managed(struct enid *d, struct link *l)
{
	const struct enid_eni_config *eni;

	if (!config_driver_managed(&d->cfg, l->facts.driver))
		return false;
	refresh_primary(d, l);
	if (l->facts.is_primary || config_names_primary(&d->cfg, l->facts.ifname, l->facts.mac) ||
	    addressing_is_primary(d, l->facts.mac))
		return false;
	eni = config_find_mac(&d->cfg, l->facts.mac);
	return !(eni && eni->unmanaged);
}

/* Forget the slot's kernel state: the applier deletes it, then frees the slot. */
static void link_schedule_cleanup(struct link *l)
{
	if (l->slot)
		l->cleanup = true;
	l->pending = false;
}

static void link_resolve(struct enid *d, struct link *l)
{
	struct addressing a;
	int err;

	/* static ([MAC] section) or metadata, per addressing = (addressing.c) */
	err = addressing_resolve(d, l, &a);
	l->waiting_addr = err == -EINPROGRESS;
	if (err == -EPERM) {
		l->managed = false;
		link_schedule_cleanup(l);
		return;
	}
	if (err == -EINPROGRESS || err == -ETIMEDOUT) {
		/* metadata not complete: wait, keeping whatever is applied; l->why says why */
		l->state = err == -ETIMEDOUT ? LINK_FAILED : LINK_RESOLVING;
		return;
	}
	if (err == -ENOMEM) {
		link_failed(d, l, "out of memory");
		return;
	}
	if (err) {
		if (l->state != LINK_RESOLVING)
			log_info("%s: %s: leaving it alone", l->facts.ifname, l->why);
		l->state = LINK_RESOLVING;
		free(l->addr);
		l->addr = NULL;
		link_schedule_cleanup(l);
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
	l->state = LINK_RESOLVING;
	l->pending = true;
}

void link_advance(struct enid *d, struct link *l)
{
	char name[IFNAMSIZ];

	if (!l->managed || l->state == LINK_REMOVED)
		return;
	if (l->state == LINK_NEW || l->state == LINK_WAIT_UDEV) {
		if (d->udev_gate && !l->udev_ready) {
			if (!udev_link_initialized(d, l->facts.ifindex, name)) {
				if (l->state != LINK_WAIT_UDEV) {
					log_debug("%s: waiting for udev", l->facts.ifname);
					l->retry_at = now_us() + UDEV_TIMEOUT_US;
					enid_timer_rearm(d);
				}
				l->state = LINK_WAIT_UDEV;
				return;
			}
			l->retry_at = 0;
			l->udev_ready = true;
			l->t_udev = now_us();
			if (strcmp(name, l->facts.ifname))
				snprintf(l->facts.ifname, sizeof(l->facts.ifname), "%s", name);
		}
		l->state = LINK_RESOLVING;
	}
	link_resolve(d, l);
}

void links_seen(struct enid *d, const struct link_facts *f, const char *bus_info, uint64_t event_us)
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
		l->state = LINK_NEW;
		l->managed = link_is_managed(d, l);
		if (!l->managed)
			return;
		/* a slot from before a restart: the kernel may hold its state, diff first */
		l->slot = slots_find(&d->slots, l->facts.mac);
		l->dirty = l->slot != 0;
		log_info("%s: new link ifindex %d mac %s driver %s%s%s", l->facts.ifname,
			 l->facts.ifindex, mac_format(l->facts.mac, mac), l->facts.driver,
			 l->bus_info[0] ? " bus " : "", l->bus_info);
		addressing_link_new(d, l); /* metadata: ask now, in parallel with udev */
		link_advance(d, l);
		return;
	}
	l->gen = d->gen;
	if (l->state == LINK_REMOVED) {
		/* back before its cleanup ran (netns round trip, missed events) */
		l->state = LINK_NEW;
		l->cleanup = false;
		l->dirty = true;
	}
	if (memcmp(l->facts.mac, f->mac, 6)) {
		log_warn("%s: MAC changed to %s: starting over", l->facts.ifname,
			 mac_format(f->mac, mac));
		memcpy(l->facts.mac, f->mac, 6);
		addressing_link_gone(d, l);
		snprintf(l->facts.ifname, sizeof(l->facts.ifname), "%s", f->ifname);
		link_schedule_cleanup(l);
		l->state = LINK_NEW;
		l->managed = link_is_managed(d, l);
		if (!l->cleanup)
			link_advance(d, l);
		return;
	}
	l->facts.mtu = f->mtu;
	if (strcmp(l->facts.ifname, f->ifname)) {
		log_info("%s: renamed to %s", l->facts.ifname, f->ifname);
		snprintf(l->facts.ifname, sizeof(l->facts.ifname), "%s", f->ifname);
		/* sysctls live under the name */
		if (l->managed && (l->state == LINK_CONFIGURED || l->state == LINK_CONFIGURING))
			l->pending = true;
	}
	if (!l->managed && link_is_managed(d, l)) {
		l->managed = true;
		l->state = LINK_NEW;
		link_advance(d, l);
	} else if (l->managed && l->state == LINK_NEW) {
		link_advance(d, l);
	}
}

void links_gone(struct enid *d, int ifindex)
{
	struct link *l = links_find(d, ifindex);

	if (!l || l->state == LINK_REMOVED)
		return;
	if (l->managed)
		log_info("%s: removed", l->facts.ifname);
	addressing_link_gone(d, l);
	if (!l->slot) {
		link_destroy(d, l);
		return;
	}
	l->state = LINK_REMOVED;
	l->pending = false;
	l->cleanup = true;
	l->retry_at = 0;
	l->attempts = 0;
}

void links_udev_ready(struct enid *d, int ifindex, const char *ifname)
{
	struct link *l = links_find(d, ifindex);

	if (!l || l->udev_ready)
		return;
	l->udev_ready = true;
	l->t_udev = now_us();
	if (l->state == LINK_WAIT_UDEV)
		l->retry_at = 0;
	if (ifname && ifname[0] && strcmp(ifname, l->facts.ifname))
		snprintf(l->facts.ifname, sizeof(l->facts.ifname), "%s", ifname);
	if (l->state == LINK_WAIT_UDEV) {
		log_debug("%s: udev is done with it", l->facts.ifname);
		link_advance(d, l);
	}
}

void links_dump_done(struct enid *d, bool sweep)
{
	for (unsigned int i = 0; sweep && i < d->n_links;) {
		struct link *l = d->links[i];
		unsigned int before = d->n_links;

		if (l->gen != d->gen && l->state != LINK_REMOVED)
			links_gone(d, l->facts.ifindex);
		if (d->n_links == before)
			i++;
	}
	if (!d->synced) {
		d->synced = true;
		d->orphans_pending = true;
	}
}

void links_reevaluate(struct enid *d)
{
	for (unsigned int i = 0; i < d->n_links; i++) {
		struct link *l = d->links[i];
		bool was = l->managed;

		if (l->state == LINK_REMOVED)
			continue;
		l->managed = link_is_managed(d, l);
		if (l->state != LINK_WAIT_UDEV) { /* keep its udev timeout */
			l->attempts = 0;
			l->retry_at = 0;
		}
		if (!l->managed) {
			if (was) {
				log_info("%s: no longer managed", l->facts.ifname);
				link_schedule_cleanup(l);
				l->state = LINK_NEW;
			}
			continue;
		}
		l->dirty = true;
		if (!was) {
			l->state = LINK_NEW;
			if (!l->slot)
				l->slot = slots_find(&d->slots, l->facts.mac);
		}
		if (l->state == LINK_FAILED || l->state == LINK_CONFIGURED ||
		    l->state == LINK_CONFIGURING)
			l->state = LINK_RESOLVING;
		link_advance(d, l);
	}
	d->orphans_pending = true;
}

void links_timer(struct enid *d, uint64_t now)
{
	for (unsigned int i = 0; i < d->n_links; i++) {
		struct link *l = d->links[i];

		if (!l->retry_at || l->retry_at > now)
			continue;
		l->retry_at = 0;
		if (l->state == LINK_WAIT_UDEV) {
			log_warn("%s: udev has not initialized it in %llu s; configuring it anyway",
				 l->facts.ifname, UDEV_TIMEOUT_US / 1000000ULL);
			l->udev_ready = true;
			link_advance(d, l);
		} else if (!l->cleanup && l->managed && l->state == LINK_FAILED) {
			l->pending = true;
			l->dirty = true;
		}
	}
}
