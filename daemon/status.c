// SPDX-License-Identifier: GPL-2.0-or-later
/* `enictl status`: per managed link, its state, slot, addresses and timeline; the JSON
 * form through json-c, names made valid UTF-8 first (json_out.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "dhcp_client.h"
#include "json_out.h"
#include "md_fetch.h"
#include "status.h"
#include "util.h"
#include "version.h"

/* Timeline points are relative to the kernel event; -1 = not reached. */
static long long rel(const struct link *l, uint64_t t)
{
	if (!t)
		return -1;
	return t >= l->t_event ? (long long)(t - l->t_event) : 0;
}

/* One timeline point in text: " key v" / " key -". */
static void put_rel(struct sbuf *b, const char *key, long long v)
{
	if (v < 0)
		sbuf_printf(b, " %s -", key);
	else
		sbuf_printf(b, " %s %lld", key, v);
}

/* The timeline relative to the kernel event. */
static void put_timeline(struct sbuf *b, const struct link *l)
{
	put_rel(b, "udev_us", rel(l, l->t_udev));
	put_rel(b, "addressing_us", rel(l, l->t_addr));
	put_rel(b, "configured_us", rel(l, l->t_conf));
}

/* The same in JSON: a number, or null when not reached. */
static void add_rel(struct json_object *o, const char *key, long long v, int *err)
{
	if (v < 0)
		json_out_add_null(o, key, err);
	else
		json_out_add_int(o, key, v, err);
}

bool status_unconfigured(const struct links *d, const struct link *l, const char **why)
{
	static const char reason[] = "addressing = static and no [MAC] section for it in the "
				     "configuration";

	if (!l->sm.managed || l->sm.state != LINK_RESOLVING ||
	    d->cfg->addressing != ENID_ADDRESSING_STATIC || config_find_mac(d->cfg, l->facts.mac))
		return false;
	if (why)
		*why = reason;
	return true;
}

/* A link of a listed driver that the configuration tells enid to leave (claim.h). */
static bool excluded(const struct link *l)
{
	return !l->sm.managed && l->claim != CLAIM_MANAGED && l->claim != CLAIM_DRIVER &&
	       l->claim != CLAIM_PRIMARY_ROUTE && l->claim != CLAIM_PRIMARY_FIRST &&
	       l->claim != CLAIM_PRIMARY_CONFIG && l->claim != CLAIM_PRIMARY_METADATA;
}

/* Why an excluded link is not managed ("not managed: name matches ignore_names ..."). */
static const char *exclusion(const struct links *d, const struct link *l, char *buf, size_t len)
{
	struct claim_facts f = {
		.ifindex = l->facts.ifindex,
		.ifname = l->facts.ifname,
		.mac = l->facts.mac,
		.driver = l->facts.driver,
	};

	return claim_describe(d->cfg, &f, (enum claim_why)l->claim, buf, len);
}

static const char *state_name(const struct links *d, const struct link *l)
{
	if (excluded(l))
		return "not-managed";
	return status_unconfigured(d, l, NULL) ? "unconfigured" : link_state_name(l->sm.state);
}

/* The link's problem: the current one, else why its newest addressing was refused
 * (it keeps the last good one meanwhile); for an unconfigured link, why. */
static const char *link_error(const struct links *d, const struct link *l)
{
	const char *why;

	if (status_unconfigured(d, l, &why))
		return why;
	return l->why[0] ? l->why : l->refused;
}

/* The DHCP client's state and lease, "" when the link has none. */
static const char *dhcp_text(const struct links *d, const struct link *l, char *buf, size_t len)
{
	if (dhcp_client_describe(&d->addr->dhcp, l->facts.ifindex, now_us(), buf, len))
		buf[0] = '\0';
	return buf;
}

static struct json_object *link_json(const struct links *d, const struct link *l, int *err)
{
	char lease[256], why[160];
	struct json_object *o = json_object_new_object(), *addrs;
	char mac[18], ip[ENID_IP_STRLEN];

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	json_out_add_int(o, "ifindex", l->facts.ifindex, err);
	json_out_add_str(o, "ifname", l->facts.ifname, err);
	json_out_add_str(o, "mac", mac_format(l->facts.mac, mac), err);
	json_out_add_str(o, "driver", l->facts.driver, err);
	json_out_add_str(o, "state", state_name(d, l), err);
	if (l->slot) {
		struct json_object *prefs = json_object_new_array();
		uint32_t chain = chain_pref_for_slot(d->cfg, l->slot);

		json_out_add_uint(o, "slot", l->slot, err);
		json_out_add_uint(o, "table", table_for_slot(d->cfg, l->slot), err);
		json_out_append(prefs,
				prefs ? json_object_new_int64(addr_pref_for_slot(d->cfg, l->slot))
				      : NULL,
				err);
		json_out_append(prefs, prefs ? json_object_new_int64(chain) : NULL, err);
		json_out_append(prefs,
				prefs ? json_object_new_int64(chain + PLAN_CHAIN_LEN - 1) : NULL,
				err);
		json_out_add(o, "rule_prefs", prefs, err);
	} else {
		json_out_add_null(o, "slot", err);
		json_out_add_null(o, "table", err);
		json_out_add_null(o, "rule_prefs", err);
	}
	addrs = *err ? NULL : json_object_new_array();
	for (unsigned int i = 0; addrs && l->addr && i < l->addr->n_addrs; i++)
		json_out_append(
			addrs,
			json_out_string(enid_ip_format(&l->addr->addrs[i], true, ip, sizeof(ip))),
			err);
	json_out_add(o, "addresses", addrs, err);
	json_out_add_uint(o, "event_us", l->t_event, err);
	add_rel(o, "udev_us", rel(l, l->t_udev), err);
	add_rel(o, "addressing_us", rel(l, l->t_addr), err);
	add_rel(o, "configured_us", rel(l, l->t_conf), err);
	json_out_add_uint(o, "attempts", l->attempts, err);
	json_out_add_str(o, "addressing", addr_source_name((enum addr_source)l->addr_src), err);
	json_out_add_uint(o, "metadata_requests", l->md ? md_job_requests(l->md) : 0, err);
	json_out_add_str_or_null(o, "error", link_error(d, l), err);
	json_out_add_uint(o, "heals", l->heal.total, err);
	json_out_add_str_or_null(o, "undone_by", l->heal.by, err);
	json_out_add_str_or_null(o, "slot_note", l->slot_note, err);
	json_out_add_str_or_null(o, "dhcp", dhcp_text(d, l, lease, sizeof(lease)), err);
	json_out_add_str_or_null(o, "reason",
				 excluded(l) ? exclusion(d, l, why, sizeof(why)) : NULL, err);
	if (*err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void link_text(const struct links *d, const struct link *l, struct sbuf *b)
{
	char mac[18], ip[ENID_IP_STRLEN], lease[256], why[160];

	sbuf_printf(b, "%s ifindex %d mac %s driver %s state %s", l->facts.ifname, l->facts.ifindex,
		    mac_format(l->facts.mac, mac), l->facts.driver, state_name(d, l));
	if (l->slot)
		sbuf_printf(b, " slot %u table %u", l->slot, table_for_slot(d->cfg, l->slot));
	else
		sbuf_printf(b, " slot - table -");
	sbuf_printf(b, " addresses ");
	for (unsigned int i = 0; l->addr && i < l->addr->n_addrs; i++)
		sbuf_printf(b, "%s%s", i ? "," : "",
			    enid_ip_format(&l->addr->addrs[i], true, ip, sizeof(ip)));
	if (!l->addr || !l->addr->n_addrs)
		sbuf_printf(b, "-");
	sbuf_printf(b, " event_us %llu", (unsigned long long)l->t_event);
	put_timeline(b, l);
	sbuf_printf(b, " addressing %s", addr_source_name((enum addr_source)l->addr_src));
	if (l->md)
		sbuf_printf(b, " requests %u", md_job_requests(l->md));
	if (link_error(d, l)[0])
		sbuf_printf(b, " error \"%s\"", link_error(d, l));
	if (excluded(l))
		sbuf_printf(b, " reason \"%s\"", exclusion(d, l, why, sizeof(why)));
	if (l->slot_note[0])
		sbuf_printf(b, " slot_note \"%s\"", l->slot_note);
	if (dhcp_text(d, l, lease, sizeof(lease))[0])
		sbuf_printf(b, " dhcp \"%s\"", lease);
	if (l->heal.total)
		sbuf_printf(b, " heals %u undone_by \"%s\"", l->heal.total, l->heal.by);
	sbuf_printf(b, "\n");
}

static int by_ifindex(const void *a, const void *b)
{
	const struct link *la = *(const struct link *const *)a;
	const struct link *lb = *(const struct link *const *)b;

	return (la->facts.ifindex > lb->facts.ifindex) - (la->facts.ifindex < lb->facts.ifindex);
}

/* {"version","source","synced","links":[...]}: one line, built with json-c. */
static void status_json(const struct links *d, const char *source, struct link **links,
			unsigned int n, struct sbuf *b)
{
	struct json_object *doc = json_object_new_object(), *arr;
	const char *text = NULL;
	int err = doc ? 0 : -ENOMEM;

	json_out_add_str(doc, "version", ENID_VERSION, &err);
	json_out_add_str(doc, "source", source, &err);
	json_out_add_bool(doc, "synced", d->synced, &err);
	arr = err ? NULL : json_object_new_array();
	for (unsigned int i = 0; arr && i < n; i++)
		json_out_append(arr, err ? NULL : link_json(d, links[i], &err), &err);
	json_out_add(doc, "links", arr, &err);
	if (!err)
		text = json_out_text(doc);
	if (text)
		sbuf_printf(b, "%s\n", text);
	else
		b->oom = 1;
	json_object_put(doc);
}

void status_format(const struct links *d, const char *source, bool degraded, bool json,
		   struct sbuf *b)
{
	struct link **sorted = NULL;
	unsigned int n = 0;

	if (d->lt.n) {
		sorted = malloc(d->lt.n * sizeof(*sorted));
		if (!sorted) {
			b->oom = 1;
			return;
		}
		for (unsigned int i = 0; i < d->lt.n; i++)
			if (d->lt.v[i]->sm.managed || d->lt.v[i]->slot || excluded(d->lt.v[i]))
				sorted[n++] = d->lt.v[i];
		qsort(sorted, n, sizeof(*sorted), by_ifindex);
	}

	if (json) {
		status_json(d, source, sorted, n, b);
	} else {
		sbuf_printf(b, "# source %s%s, %s\n", source, degraded ? " (degraded)" : "",
			    d->synced ? "synced" : "syncing");
		for (unsigned int i = 0; i < n; i++)
			link_text(d, sorted[i], b);
	}
	free(sorted);
}
