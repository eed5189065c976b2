// SPDX-License-Identifier: GPL-2.0-or-later
/* `enictl status`: per managed link, its state, slot, addresses and timeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addressing.h"
#include "enid.h"
#include "md_fetch.h"
#include "util.h"

/* Timeline points are relative to the kernel event; -1 = not reached. */
static long long rel(const struct link *l, uint64_t t)
{
	if (!t)
		return -1;
	return t >= l->t_event ? (long long)(t - l->t_event) : 0;
}

/* One timeline point: ,"key":v / ,"key":null in JSON; " key v" / " key -" in text. */
static void put_rel(struct sbuf *b, bool json, const char *key, long long v)
{
	if (json && v < 0)
		sbuf_printf(b, ",\"%s\":null", key);
	else if (json)
		sbuf_printf(b, ",\"%s\":%lld", key, v);
	else if (v < 0)
		sbuf_printf(b, " %s -", key);
	else
		sbuf_printf(b, " %s %lld", key, v);
}

/* The timeline relative to the kernel event. */
static void put_timeline(struct sbuf *b, bool json, const struct link *l)
{
	put_rel(b, json, "udev_us", rel(l, l->t_udev));
	put_rel(b, json, "addressing_us", rel(l, l->t_addr));
	put_rel(b, json, "configured_us", rel(l, l->t_conf));
}

/* The link's problem: the current one, else why its newest addressing was refused
 * (it keeps the last good one meanwhile). */
static const char *link_error(const struct link *l)
{
	return l->why[0] ? l->why : l->refused;
}

static void link_json(struct enid *d, const struct link *l, struct sbuf *b)
{
	char mac[18], ip[ENID_IP_STRLEN];

	sbuf_printf(b, "{\"ifindex\":%d,\"ifname\":", l->facts.ifindex);
	sbuf_json_str(b, l->facts.ifname);
	sbuf_printf(b, ",\"mac\":\"%s\",\"driver\":", mac_format(l->facts.mac, mac));
	sbuf_json_str(b, l->facts.driver);
	sbuf_printf(b, ",\"state\":\"%s\"", link_state_name(l->sm.state));
	if (l->slot)
		sbuf_printf(b, ",\"slot\":%u,\"table\":%u", l->slot,
			    table_for_slot(&d->cfg, l->slot));
	else
		sbuf_printf(b, ",\"slot\":null,\"table\":null");
	sbuf_printf(b, ",\"addresses\":[");
	for (unsigned int i = 0; l->addr && i < l->addr->n_addrs; i++) {
		sbuf_printf(b, "%s", i ? "," : "");
		sbuf_json_str(b, enid_ip_format(&l->addr->addrs[i], true, ip, sizeof(ip)));
	}
	sbuf_printf(b, "],\"event_us\":%llu", (unsigned long long)l->t_event);
	put_timeline(b, true, l);
	sbuf_printf(b, ",\"attempts\":%u,\"addressing\":\"%s\",\"metadata_requests\":%u",
		    l->attempts, addr_source_name((enum addr_source)l->addr_src),
		    l->md ? md_job_requests(l->md) : 0);
	sbuf_printf(b, ",\"error\":");
	if (link_error(l)[0])
		sbuf_json_str(b, link_error(l));
	else
		sbuf_printf(b, "null");
	sbuf_printf(b, ",\"heals\":%u,\"undone_by\":", l->heal.total);
	if (l->heal.by[0])
		sbuf_json_str(b, l->heal.by);
	else
		sbuf_printf(b, "null");
	sbuf_printf(b, ",\"slot_note\":");
	if (l->slot_note[0])
		sbuf_json_str(b, l->slot_note);
	else
		sbuf_printf(b, "null");
	sbuf_printf(b, "}");
}

static void link_text(struct enid *d, const struct link *l, struct sbuf *b)
{
	char mac[18], ip[ENID_IP_STRLEN];

	sbuf_printf(b, "%s ifindex %d mac %s driver %s state %s", l->facts.ifname, l->facts.ifindex,
		    mac_format(l->facts.mac, mac), l->facts.driver, link_state_name(l->sm.state));
	if (l->slot)
		sbuf_printf(b, " slot %u table %u", l->slot, table_for_slot(&d->cfg, l->slot));
	else
		sbuf_printf(b, " slot - table -");
	sbuf_printf(b, " addresses ");
	for (unsigned int i = 0; l->addr && i < l->addr->n_addrs; i++)
		sbuf_printf(b, "%s%s", i ? "," : "",
			    enid_ip_format(&l->addr->addrs[i], true, ip, sizeof(ip)));
	if (!l->addr || !l->addr->n_addrs)
		sbuf_printf(b, "-");
	sbuf_printf(b, " event_us %llu", (unsigned long long)l->t_event);
	put_timeline(b, false, l);
	sbuf_printf(b, " addressing %s", addr_source_name((enum addr_source)l->addr_src));
	if (l->md)
		sbuf_printf(b, " requests %u", md_job_requests(l->md));
	if (link_error(l)[0])
		sbuf_printf(b, " error \"%s\"", link_error(l));
	if (l->slot_note[0])
		sbuf_printf(b, " slot_note \"%s\"", l->slot_note);
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

void status_format(struct enid *d, bool json, struct sbuf *b)
{
	struct link **sorted = NULL;
	unsigned int n = 0;
	bool first = true;

	if (d->n_links) {
		sorted = malloc(d->n_links * sizeof(*sorted));
		if (!sorted) {
			b->oom = 1;
			return;
		}
		for (unsigned int i = 0; i < d->n_links; i++)
			if (d->links[i]->sm.managed || d->links[i]->slot)
				sorted[n++] = d->links[i];
		qsort(sorted, n, sizeof(*sorted), by_ifindex);
	}

	if (json) {
		sbuf_printf(b, "{\"version\":\"%s\",\"source\":\"%s\",\"synced\":%s,\"links\":[",
			    ENID_VERSION, enid_mode_name(d->mode), d->synced ? "true" : "false");
	} else {
		sbuf_printf(b, "# source %s%s, %s\n", enid_mode_name(d->mode),
			    d->mode == MODE_RTNL ? " (degraded)" : "",
			    d->synced ? "synced" : "syncing");
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct link *l = sorted[i];

		if (json) {
			sbuf_printf(b, "%s", first ? "" : ",");
			link_json(d, l, b);
		} else {
			link_text(d, l, b);
		}
		first = false;
	}
	if (json)
		sbuf_printf(b, "]}\n");
	free(sorted);
}
