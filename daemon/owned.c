// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "owned.h"
#include "util.h"

static bool ip_equal(const struct enid_ip *a, const struct enid_ip *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen && enid_ip_same_addr(a, b);
}

void owned_load(struct owned *o, const char *run_dir)
{
	char line[128], ips[80];
	unsigned int lineno = 0, slot;
	struct enid_ip ip;
	FILE *f;

	owned_free(o);
	snprintf(o->path, sizeof(o->path), "%s/addresses", run_dir);
	f = fopen(o->path, "re");
	if (!f) {
		if (errno != ENOENT)
			log_warn("%s: %m", o->path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (sscanf(line, "%u %79s", &slot, ips) != 2 || !slot || slot > ENID_MAX_SLOTS ||
		    !enid_ip_parse(ips, true, &ip) || owned_add(o, slot, &ip)) {
			log_warn("%s:%u: ignoring bad address line", o->path, lineno);
			continue;
		}
	}
	fclose(f);
	o->dirty = false;
}

void owned_free(struct owned *o)
{
	for (unsigned int s = 0; s <= ENID_MAX_SLOTS; s++)
		free(o->s[s].ips);
	memset(o->s, 0, sizeof(o->s));
}

bool owned_has(const struct owned *o, unsigned int slot, const struct enid_ip *ip)
{
	if (!slot || slot > ENID_MAX_SLOTS)
		return false;
	for (unsigned int i = 0; i < o->s[slot].n; i++)
		if (ip_equal(&o->s[slot].ips[i], ip))
			return true;
	return false;
}

int owned_add(struct owned *o, unsigned int slot, const struct enid_ip *ip)
{
	typeof(o->s[0]) *s;

	if (!slot || slot > ENID_MAX_SLOTS)
		return -ERANGE;
	if (owned_has(o, slot, ip))
		return 0;
	s = &o->s[slot];
	if (s->n == s->cap) {
		unsigned int ncap = s->cap ? s->cap * 2 : 8;
		struct enid_ip *p = realloc(s->ips, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->ips = p;
		s->cap = ncap;
	}
	s->ips[s->n++] = *ip;
	o->dirty = true;
	return 0;
}

void owned_filter(struct owned *o, unsigned int slot,
		  bool (*keep)(const struct enid_ip *ip, const void *ctx), const void *ctx)
{
	unsigned int j = 0;

	if (!slot || slot > ENID_MAX_SLOTS)
		return;
	for (unsigned int i = 0; i < o->s[slot].n; i++)
		if (keep(&o->s[slot].ips[i], ctx))
			o->s[slot].ips[j++] = o->s[slot].ips[i];
	if (j != o->s[slot].n)
		o->dirty = true;
	o->s[slot].n = j;
}

void owned_clear(struct owned *o, unsigned int slot)
{
	if (!slot || slot > ENID_MAX_SLOTS || !o->s[slot].n)
		return;
	o->s[slot].n = 0;
	o->dirty = true;
}

int owned_sync(struct owned *o)
{
	char ip[ENID_IP_STRLEN];
	struct sbuf b = {0};
	int err;

	if (!o->dirty || !o->path[0])
		return 0;
	for (unsigned int s = 1; s <= ENID_MAX_SLOTS; s++)
		for (unsigned int i = 0; i < o->s[s].n; i++)
			sbuf_printf(&b, "%u %s\n", s,
				    enid_ip_format(&o->s[s].ips[i], true, ip, sizeof(ip)));
	err = b.oom ? -ENOMEM : file_replace(o->path, b.s ? b.s : "", b.len);
	sbuf_free(&b);
	if (err) {
		log_err("saving the address record to %s: %s", o->path, strerror(-err));
		return err;
	}
	o->dirty = false;
	return 0;
}
