// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "owned.h"

static bool ip_equal(const struct enid_ip *a, const struct enid_ip *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen && enid_ip_same_addr(a, b);
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
