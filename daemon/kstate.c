// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kstate.h"

void kstate_reset(struct kstate *ks)
{
	ks->n_rules = ks->n_routes = ks->n_addrs = 0;
}

void kstate_free(struct kstate *ks)
{
	free(ks->rules);
	free(ks->routes);
	free(ks->addrs);
	memset(ks, 0, sizeof(*ks));
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int kstate_add_rule(struct kstate *ks, const struct krule *r)
{
	if (r->r.protocol != ENID_RTPROT)
		return 0;
	if (grow((void **)&ks->rules, &ks->cap_rules, ks->n_rules, sizeof(*r)))
		return -ENOMEM;
	ks->rules[ks->n_rules++] = *r;
	return 0;
}

int kstate_add_route(struct kstate *ks, const struct kroute *r)
{
	if (r->r.protocol != ENID_RTPROT)
		return 0;
	if (grow((void **)&ks->routes, &ks->cap_routes, ks->n_routes, sizeof(*r)))
		return -ENOMEM;
	ks->routes[ks->n_routes++] = *r;
	return 0;
}

int kstate_add_addr(struct kstate *ks, const struct kaddr *a)
{
	if (a->proto != ENID_RTPROT)
		return 0;
	if (grow((void **)&ks->addrs, &ks->cap_addrs, ks->n_addrs, sizeof(*a)))
		return -ENOMEM;
	ks->addrs[ks->n_addrs++] = *a;
	return 0;
}

static bool ip_eq(const struct enid_ip *a, const struct enid_ip *b)
{
	if (a->family != b->family)
		return false;
	if (!a->family)
		return true;
	return a->prefixlen == b->prefixlen && enid_ip_same_addr(a, b);
}

/* Absent and all-zero mean the same to the kernel (0/0, no src). */
static bool ip_eq_or_any(const struct enid_ip *a, const struct enid_ip *b)
{
	bool a_any = !a->family || !a->prefixlen, b_any = !b->family || !b->prefixlen;

	if (a_any || b_any)
		return a_any == b_any;
	return ip_eq(a, b);
}

bool rule_same(const struct plan_rule *a, const struct plan_rule *b)
{
	return a->family == b->family && a->pref == b->pref && a->table == b->table &&
	       a->suppress_prefixlength == b->suppress_prefixlength && a->protocol == b->protocol &&
	       ip_eq_or_any(&a->src, &b->src);
}

bool route_same(const struct plan_route *a, const struct plan_route *b)
{
	struct enid_ip ad = a->dst, bd = b->dst;

	/* plans write 0/0 with family set; dumps may too: only the prefix matters */
	ad.family = bd.family = a->family;
	return a->family == b->family && a->table == b->table && a->metric == b->metric &&
	       a->oif == b->oif && a->protocol == b->protocol && ip_eq_or_any(&ad, &bd) &&
	       ip_eq(&a->gateway, &b->gateway) && ip_eq(&a->prefsrc, &b->prefsrc) &&
	       (a->family == AF_INET6 || a->scope == b->scope);
}

bool addr_same(const struct plan_addr *a, const struct plan_addr *b)
{
	return ip_eq(&a->ip, &b->ip);
}

bool krule_of_slot(const struct enid_config *cfg, const struct krule *r, unsigned int slot)
{
	uint32_t lo, hi;

	pref_range_for_slot(cfg, slot, &lo, &hi);
	return r->r.protocol == ENID_RTPROT && r->r.pref >= lo && r->r.pref <= hi;
}

bool kroute_of_link(const struct enid_config *cfg, const struct kroute *r, unsigned int slot,
		    int ifindex)
{
	if (r->r.protocol != ENID_RTPROT)
		return false;
	if (r->r.table == table_for_slot(cfg, slot))
		return true;
	return r->r.table == RT_TABLE_MAIN && ifindex > 0 && r->r.oif == ifindex;
}

bool plan_has_rule(const struct plan *p, const struct plan_rule *r)
{
	for (unsigned int i = 0; i < p->n_rules; i++)
		if (rule_same(&p->rules[i], r))
			return true;
	return false;
}

bool plan_has_route(const struct plan *p, const struct plan_route *r)
{
	for (unsigned int i = 0; i < p->n_routes; i++)
		if (route_same(&p->routes[i], r))
			return true;
	return false;
}

bool plan_has_addr(const struct plan *p, const struct plan_addr *a)
{
	for (unsigned int i = 0; i < p->n_addrs; i++)
		if (addr_same(&p->addrs[i], a))
			return true;
	return false;
}
