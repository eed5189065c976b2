// SPDX-License-Identifier: GPL-2.0-or-later
/* Where each ENI's addressing comes from: the config or the metadata service (addressing.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addressing.h"
#include "enid.h"
#include "log.h"
#include "md_fetch.h"
#include "util.h"

const char *addr_source_name(enum addr_source s)
{
	switch (s) {
	case ADDR_SRC_STATIC:
		return "static";
	case ADDR_SRC_METADATA:
		return "metadata";
	default:
		return "none";
	}
}

/* The metadata fetcher (and with it libcurl) exists only while addressing is not static. */
int addressing_open(struct enid *d)
{
	int err;

	if (d->md || d->cfg.addressing == ENID_ADDRESSING_STATIC)
		return 0;
	err = md_open(d);
	if (!err)
		return 0;
	if (d->cfg.addressing == ENID_ADDRESSING_METADATA) {
		log_err("addressing = metadata: the metadata fetcher cannot start: %s",
			strerror(-err));
		return err;
	}
	log_warn("addressing = auto: no metadata service access (%s); ENIs need a [MAC] "
		 "section",
		 strerror(-err));
	return 0;
}

void addressing_close(struct enid *d)
{
	md_close(d);
}

void addressing_reconfigure(struct enid *d)
{
	if (d->md)
		md_reconfigure(d);
	else
		addressing_open(d);
}

void addressing_idle(struct enid *d)
{
	md_idle(d);
}

enum pick { PICK_STATIC, PICK_METADATA, PICK_WAIT_INSTANCE, PICK_NONE };

static enum pick pick(struct enid *d, const struct link *l)
{
	if (d->cfg.addressing == ENID_ADDRESSING_STATIC)
		return PICK_STATIC;
	if (d->cfg.addressing == ENID_ADDRESSING_METADATA)
		return PICK_METADATA;
	if (config_find_mac(&d->cfg, l->facts.mac))
		return PICK_STATIC;
	switch (md_instance_state(d)) {
	case MD_INSTANCE_KNOWN:
		return PICK_METADATA;
	case MD_INSTANCE_PROBING:
		return PICK_WAIT_INSTANCE;
	default:
		return PICK_NONE;
	}
}

void addressing_link_new(struct enid *d, struct link *l)
{
	if (l->md || pick(d, l) != PICK_METADATA)
		return;
	l->addr_src = ADDR_SRC_METADATA;
	l->md = md_job_start(d, l->facts.ifindex, l->facts.mac);
}

void addressing_link_gone(struct enid *d, struct link *l)
{
	if (!l->md)
		return;
	md_job_free(d, l->md);
	l->md = NULL;
}

bool addressing_is_primary(struct enid *d, const uint8_t mac[6])
{
	uint8_t inst[6];

	return md_instance_mac(d, inst) && !memcmp(inst, mac, 6);
}

int addressing_resolve(struct enid *d, struct link *l, struct addressing *out)
{
	const struct enid_eni_config *eni = config_find_mac(&d->cfg, l->facts.mac);
	const struct addressing *good;
	enum pick p = pick(d, l);
	char mac[18];
	int err;

	mac_format(l->facts.mac, mac);
	if (p != PICK_METADATA)
		addressing_link_gone(d, l);
	switch (p) {
	case PICK_STATIC:
		l->addr_src = ADDR_SRC_STATIC;
		err = addressing_from_config(&d->cfg, l->facts.mac, out);
		if (err == -ENOENT)
			snprintf(l->why, sizeof(l->why), "no [%s] section in the config", mac);
		return err;
	case PICK_NONE:
		l->addr_src = ADDR_SRC_NONE;
		snprintf(l->why, sizeof(l->why),
			 "no [%s] section in the config and no metadata service", mac);
		return -ENOENT;
	case PICK_WAIT_INSTANCE:
		l->addr_src = ADDR_SRC_NONE;
		snprintf(l->why, sizeof(l->why), "no [%s] section; metadata service? %s", mac,
			 md_instance_why(d));
		return -EINPROGRESS;
	case PICK_METADATA:
		break;
	}
	if (eni && eni->unmanaged)
		return -EPERM;
	l->addr_src = ADDR_SRC_METADATA;
	if (!l->md) {
		l->md = md_job_start(d, l->facts.ifindex, l->facts.mac);
		if (!l->md)
			return -ENOMEM;
	}
	if (md_instance_state(d) != MD_INSTANCE_KNOWN) {
		/* the primary could be this very MAC: nothing before the service names it */
		snprintf(l->why, sizeof(l->why), "waiting: the instance mac (primary): %s",
			 md_instance_why(d));
		return -EINPROGRESS;
	}
	good = md_job_good(l->md);
	if (good) {
		*out = *good;
		if (eni && eni->mtu)
			out->mtu = eni->mtu;
		return 0;
	}
	snprintf(l->why, sizeof(l->why), "metadata: %s (%u requests)", md_job_why(l->md),
		 md_job_requests(l->md));
	return md_job_overdue(l->md) ? -ETIMEDOUT : -EINPROGRESS;
}

static bool ip_equal(const struct enid_ip *a, const struct enid_ip *b)
{
	if (a->family != b->family)
		return false;
	return !a->family || (a->prefixlen == b->prefixlen && enid_ip_same_addr(a, b));
}

bool addressing_equal(const struct addressing *a, const struct addressing *b)
{
	if (a->n_addrs != b->n_addrs || a->mtu != b->mtu || a->nodad != b->nodad ||
	    !ip_equal(&a->gateway4, &b->gateway4) || !ip_equal(&a->gateway6, &b->gateway6))
		return false;
	for (unsigned i = 0; i < a->n_addrs; i++)
		if (!ip_equal(&a->addrs[i], &b->addrs[i]))
			return false;
	return true;
}

void addressing_md_update(struct enid *d, struct md_job *j)
{
	struct link *l = links_find(d, md_job_ifindex(j));
	const struct addressing *good = md_job_good(j);
	struct addressing now;

	if (!l || l->md != j)
		return;
	if (!l->managed || l->state == LINK_REMOVED) {
		addressing_link_gone(d, l);
		return;
	}
	if (md_job_busy(j)) {
		if (good) { /* a refresh in trouble: what is applied stays */
			snprintf(l->why, sizeof(l->why),
				 "refresh: %s; keeping the last good answer", md_job_why(j));
			return;
		}
		snprintf(l->why, sizeof(l->why), "metadata: %s (%u requests)", md_job_why(j),
			 md_job_requests(j));
		if (md_job_overdue(j) && l->state == LINK_RESOLVING) {
			l->state = LINK_FAILED;
			log_warn("%s: no complete metadata answer in %u s: %s; still asking",
				 l->facts.ifname, d->cfg.metadata_deadline_s, l->why);
		}
		return;
	}
	if (!good)
		return;
	switch (l->state) {
	case LINK_NEW:
	case LINK_WAIT_UDEV:
		return; /* taken when udev is done with the link */
	case LINK_RESOLVING:
	case LINK_FAILED:
		link_advance(d, l);
		return;
	default:
		break;
	}
	/* configured (or being configured) and read again: apply only what changed */
	if (addressing_resolve(d, l, &now) || !l->addr || addressing_equal(&now, l->addr)) {
		if (!strncmp(l->why, "refresh: ", 9))
			l->why[0] = '\0';
		log_debug("%s: metadata unchanged", l->facts.ifname);
		return;
	}
	log_info("%s: metadata changed (%u -> %u addresses): applying the difference",
		 l->facts.ifname, l->addr->n_addrs, now.n_addrs);
	l->dirty = true;
	link_advance(d, l);
}

void addressing_md_instance(struct enid *d)
{
	enum md_instance s = md_instance_state(d);

	if (s == MD_INSTANCE_KNOWN || s == MD_INSTANCE_ABSENT)
		links_reevaluate(d);
}

static bool link_matches(const struct link *l, const char *what)
{
	uint8_t mac[6];

	if (mac_parse(what, mac))
		return !memcmp(mac, l->facts.mac, 6);
	return !strcmp(what, l->facts.ifname);
}

int addressing_refresh(struct enid *d, const char *what, struct sbuf *out)
{
	bool all = !what || !*what, matched = false;
	int n = 0;

	if (all && d->cfg.addressing != ENID_ADDRESSING_STATIC &&
	    (md_instance_state(d) == MD_INSTANCE_ABSENT ||
	     md_instance_state(d) == MD_INSTANCE_OFF)) {
		md_instance_probe(d);
		sbuf_printf(out, "asking the metadata service for the instance mac again\n");
	}
	for (unsigned i = 0; i < d->n_links; i++) {
		struct link *l = d->links[i];

		if (!l->managed || l->state == LINK_REMOVED || (!all && !link_matches(l, what)))
			continue;
		matched = true;
		if (!l->md) {
			if (all)
				continue;
			sbuf_printf(out, "%s: addressing %s: nothing to read again\n",
				    l->facts.ifname,
				    addr_source_name((enum addr_source)l->addr_src));
			return -EINVAL;
		}
		md_job_refresh(d, l->md);
		sbuf_printf(out, "%s: reading the metadata again\n", l->facts.ifname);
		n++;
	}
	if (!all && !matched) {
		sbuf_printf(out, "no managed link %s\n", what);
		return -ENOENT;
	}
	if (all && !n)
		sbuf_printf(out, "no link is addressed from metadata\n");
	return n;
}
