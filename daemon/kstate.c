// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>

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

int kstate_add_rule(struct kstate *ks, const struct enid_config *cfg, const struct krule *r)
{
	if (r->r.protocol != ENID_RTPROT && !slot_for_pref(cfg, r->r.pref))
		return 0;
	if (grow((void **)&ks->rules, &ks->cap_rules, ks->n_rules, sizeof(*r)))
		return -ENOMEM;
	ks->rules[ks->n_rules++] = *r;
	return 0;
}

int kstate_add_route(struct kstate *ks, const struct enid_config *cfg, const struct kroute *r)
{
	if (r->r.protocol != ENID_RTPROT && !slot_for_table(cfg, r->r.table))
		return 0;
	if (grow((void **)&ks->routes, &ks->cap_routes, ks->n_routes, sizeof(*r)))
		return -ENOMEM;
	ks->routes[ks->n_routes++] = *r;
	return 0;
}

int kstate_add_addr(struct kstate *ks, const struct kaddr *a)
{
	if (grow((void **)&ks->addrs, &ks->cap_addrs, ks->n_addrs, sizeof(*a)))
		return -ENOMEM;
	ks->addrs[ks->n_addrs++] = *a;
	return 0;
}

bool kstate_slot_foreign(const struct kstate *ks, const struct enid_config *cfg, unsigned int slot,
			 char *why, size_t len)
{
	uint32_t table = table_for_slot(cfg, slot);
	char ip[ENID_IP_STRLEN];

	for (size_t i = 0; i < ks->n_rules; i++) {
		const struct krule *r = &ks->rules[i];

		if (r->r.protocol == ENID_RTPROT || slot_for_pref(cfg, r->r.pref) != slot)
			continue;
		snprintf(why, len, "rule pref %u (protocol %u) is not ours", r->r.pref,
			 r->r.protocol);
		return true;
	}
	for (size_t i = 0; i < ks->n_routes; i++) {
		const struct kroute *r = &ks->routes[i];

		if (r->r.protocol == ENID_RTPROT || r->r.table != table)
			continue;
		snprintf(why, len, "table %u holds %s (protocol %u), not ours", table,
			 r->r.dst.prefixlen ? enid_ip_format(&r->r.dst, true, ip, sizeof(ip))
					    : "a default route",
			 r->r.protocol);
		return true;
	}
	return false;
}

static bool ip_eq_or_any(const struct enid_ip *a, const struct enid_ip *b);

static bool route_key_same(const struct plan_route *a, const struct plan_route *b)
{
	struct enid_ip ad = a->dst, bd = b->dst;

	ad.family = bd.family = a->family;
	return a->family == b->family && a->table == b->table && a->metric == b->metric &&
	       ip_eq_or_any(&ad, &bd);
}

int kstate_foreign_rule(struct kstate *ks, const struct enid_config *cfg, const struct krule *r,
			bool present)
{
	size_t i;

	if (r->r.protocol == ENID_RTPROT || !slot_for_pref(cfg, r->r.pref))
		return 0;
	for (i = 0; i < ks->n_rules && !rule_same(&ks->rules[i].r, &r->r); i++)
		;
	if (!present) {
		if (i < ks->n_rules)
			ks->rules[i] = ks->rules[--ks->n_rules];
		return 0;
	}
	return i < ks->n_rules ? 0 : kstate_add_rule(ks, cfg, r);
}

int kstate_foreign_route(struct kstate *ks, const struct enid_config *cfg, const struct kroute *r,
			 bool present)
{
	size_t i;

	if (!slot_for_table(cfg, r->r.table))
		return 0;
	for (i = 0; i < ks->n_routes && !route_key_same(&ks->routes[i].r, &r->r); i++)
		;
	if (i < ks->n_routes && (!present || r->r.protocol == ENID_RTPROT)) {
		ks->routes[i] = ks->routes[--ks->n_routes]; /* gone, or replaced by ours */
		return 0;
	}
	if (!present || r->r.protocol == ENID_RTPROT)
		return 0;
	if (i < ks->n_routes) {
		ks->routes[i] = *r;
		return 0;
	}
	return kstate_add_route(ks, cfg, r);
}

int kstate_foreign_copy(struct kstate *ks, const struct enid_config *cfg, const struct kstate *from)
{
	kstate_reset(ks);
	for (size_t i = 0; i < from->n_rules; i++)
		if (kstate_foreign_rule(ks, cfg, &from->rules[i], true))
			return -ENOMEM;
	for (size_t i = 0; i < from->n_routes; i++)
		if (kstate_foreign_route(ks, cfg, &from->routes[i], true))
			return -ENOMEM;
	return 0;
}

enum kroute_class kroute_classify(const struct enid_config *cfg, const struct kroute *r,
				  unsigned int *slot)
{
	*slot = 0;
	if (r->r.protocol != ENID_RTPROT)
		return KR_FOREIGN;
	if (r->r.table == RT_TABLE_MAIN) {
		*slot = slot_for_metric(cfg, r->r.metric);
		return *slot ? KR_MAIN : KR_FOREIGN;
	}
	*slot = slot_for_table(cfg, r->r.table);
	return *slot ? KR_TABLE : KR_FOREIGN;
}

unsigned int krule_slot(const struct enid_config *cfg, const struct krule *r)
{
	return r->r.protocol == ENID_RTPROT && !r->other_selectors ? slot_for_pref(cfg, r->r.pref)
								   : 0;
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

static uint8_t rule_action(const struct plan_rule *r)
{
	return r->action ? r->action : FR_ACT_TO_TBL;
}

bool rule_key_same(const struct plan_rule *a, const struct plan_rule *b)
{
	return rule_action(a) == rule_action(b) && a->family == b->family && a->pref == b->pref &&
	       a->table == b->table && a->suppress_prefixlength == b->suppress_prefixlength &&
	       a->protocol == b->protocol && a->iif_lo == b->iif_lo &&
	       ip_eq_or_any(&a->src, &b->src);
}

bool rule_same(const struct plan_rule *a, const struct plan_rule *b)
{
	return rule_key_same(a, b) &&
	       (rule_action(a) != FR_ACT_GOTO || a->goto_pref == b->goto_pref);
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
	/* one with selectors enid never sets: a delete built from it would lack them, and the
	 * kernel's rule_find() could take one of ours instead */
	return r->r.protocol == ENID_RTPROT && !r->other_selectors &&
	       slot_for_pref(cfg, r->r.pref) == slot;
}

bool kroute_of_link(const struct enid_config *cfg, const struct kroute *r, unsigned int slot,
		    int ifindex)
{
	if (r->r.protocol != ENID_RTPROT)
		return false;
	if (r->r.table == table_for_slot(cfg, slot))
		return true;
	return r->r.table == RT_TABLE_MAIN && ifindex > 0 && r->r.oif == ifindex &&
	       r->r.metric == metric_for_slot(cfg, slot);
}

bool kstate_has_plan(const struct kstate *ks, const struct plan *p, char *why, size_t len)
{
	char ip[ENID_IP_STRLEN];
	size_t k;

	for (unsigned int i = 0; i < p->n_rules; i++) {
		for (k = 0; k < ks->n_rules && !rule_same(&ks->rules[k].r, &p->rules[i]); k++)
			;
		if (k == ks->n_rules) {
			snprintf(why, len, "rule pref %u from %s is not ours", p->rules[i].pref,
				 enid_ip_format(&p->rules[i].src, false, ip, sizeof(ip)));
			return false;
		}
	}
	for (unsigned int i = 0; i < p->n_routes; i++) {
		const struct plan_route *r = &p->routes[i];

		for (k = 0; k < ks->n_routes && !route_same(&ks->routes[k].r, r); k++)
			;
		if (k == ks->n_routes) {
			snprintf(why, len, "route %s in table %u is not ours",
				 r->dst.prefixlen ? enid_ip_format(&r->dst, true, ip, sizeof(ip))
						  : "default",
				 r->table);
			return false;
		}
	}
	for (unsigned int i = 0; i < p->n_addrs; i++) {
		for (k = 0; k < ks->n_addrs; k++)
			if (ks->addrs[k].ifindex == p->ifindex &&
			    addr_same(&ks->addrs[k].a, &p->addrs[i]))
				break;
		if (k == ks->n_addrs) {
			snprintf(why, len, "address %s is missing",
				 enid_ip_format(&p->addrs[i].ip, true, ip, sizeof(ip)));
			return false;
		}
	}
	return true;
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
