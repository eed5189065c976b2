// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enidstat.h"

/* The string value of "key" within [p, end): 0 or -ENOENT ("" for null). */
static int get_str(const char *p, const char *end, const char *key, char *out,
		   size_t len)
{
	char pat[48];
	const char *v, *q;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	v = strstr(p, pat);
	if (!v || v >= end)
		return -ENOENT;
	v += strlen(pat);
	if (!strncmp(v, "null", 4)) {
		out[0] = '\0';
		return 0;
	}
	if (*v != '"')
		return -ENOENT;
	q = strchr(++v, '"');
	if (!q || q > end)
		return -ENOENT;
	snprintf(out, len, "%.*s", (int)(q - v), v);
	return 0;
}

/* The number value of "key" within [p, end); -1 for null or absent. */
static long long get_num(const char *p, const char *end, const char *key)
{
	char pat[48];
	const char *v;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	v = strstr(p, pat);
	if (!v || v >= end)
		return -1;
	v += strlen(pat);
	if (*v < '0' || *v > '9')
		return -1;
	return strtoll(v, NULL, 10);
}

int st_source(const char *json, char *out, size_t len)
{
	return get_str(json, json + strlen(json), "source", out, len);
}

bool st_synced(const char *json)
{
	return strstr(json, "\"synced\":true") != NULL;
}

int st_link_count(const char *json)
{
	int n = 0;

	for (const char *p = json; (p = strstr(p, "{\"ifindex\":")); p++)
		n++;
	return n;
}

int st_slotted_count(const char *json)
{
	int n = 0;

	for (const char *p = json; (p = strstr(p, "\"slot\":")); p++)
		n += p[7] >= '0' && p[7] <= '9';
	return n;
}

int st_link_by_mac(const char *json, const char *mac, struct st_link *out)
{
	char pat[48];
	const char *hit, *start, *end;
	long long v;

	memset(out, 0, sizeof(*out));
	snprintf(pat, sizeof(pat), "\"mac\":\"%s\"", mac);
	hit = strstr(json, pat);
	if (!hit)
		return -ENOENT;
	for (start = hit; start > json && *start != '{'; start--)
		;
	end = strchr(hit, '}');
	if (!end)
		end = json + strlen(json);
	out->ifindex = (int)get_num(start, end, "ifindex");
	get_str(start, end, "ifname", out->ifname, sizeof(out->ifname));
	get_str(start, end, "state", out->state, sizeof(out->state));
	get_str(start, end, "driver", out->driver, sizeof(out->driver));
	v = get_num(start, end, "slot");
	out->slot = v > 0 ? (unsigned int)v : 0;
	v = get_num(start, end, "table");
	out->table = v > 0 ? (unsigned int)v : 0;
	out->event_us = get_num(start, end, "event_us");
	out->udev_us = get_num(start, end, "udev_us");
	out->addressing_us = get_num(start, end, "addressing_us");
	out->configured_us = get_num(start, end, "configured_us");
	return 0;
}

int mon_find(const char *text, size_t *pos, const char *event, const char *mac,
	     struct mon_event *out)
{
	const char *p = text + *pos;

	for (;;) {
		const char *nl = strchr(p, '\n');
		long long v;

		if (!nl)
			return -ENOENT;
		memset(out, 0, sizeof(*out));
		get_str(p, nl, "event", out->event, sizeof(out->event));
		get_str(p, nl, "mac", out->mac, sizeof(out->mac));
		if (!strcmp(out->event, event) && !strcmp(out->mac, mac)) {
			get_str(p, nl, "ifname", out->ifname, sizeof(out->ifname));
			get_str(p, nl, "bus_info", out->bus_info, sizeof(out->bus_info));
			get_str(p, nl, "driver", out->driver, sizeof(out->driver));
			get_str(p, nl, "origin", out->origin, sizeof(out->origin));
			v = get_num(p, nl, "seq");
			out->seq = v > 0 ? (unsigned long long)v : 0;
			v = get_num(p, nl, "time_ns");
			out->time_ns = v > 0 ? (unsigned long long)v : 0;
			*pos = (size_t)(nl + 1 - text);
			return 0;
		}
		p = nl + 1;
	}
}
