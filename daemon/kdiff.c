// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "kdiff.h"

void kreqs_reset(struct kreqs *q)
{
	q->n = 0;
	q->oom = false;
}

void kreqs_free(struct kreqs *q)
{
	free(q->v);
	memset(q, 0, sizeof(*q));
}

static struct kreq *push(struct kreqs *q, enum kreq_op op)
{
	struct kreq *r;

	if (q->n == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 64;
		struct kreq *v = realloc(q->v, ncap * sizeof(*v));

		if (!v) {
			q->oom = true;
			return NULL;
		}
		q->v = v;
		q->cap = ncap;
	}
	r = &q->v[q->n++];
	memset(r, 0, sizeof(*r));
	r->op = op;
	return r;
}

static void push_rule(struct kreqs *q, enum kreq_op op, const struct plan_rule *rule)
{
	struct kreq *r = push(q, op);

	if (r)
		r->rule = *rule;
}

static void push_delroute(struct kreqs *q, const struct kroute *k)
{
	struct kreq *r = push(q, KREQ_DELROUTE);

	if (r)
		r->kroute = *k;
}

static void push_addr(struct kreqs *q, enum kreq_op op, int ifindex, const struct plan_addr *a)
{
	struct kreq *r = push(q, op);

	if (r) {
		r->ifindex = ifindex;
		r->addr = *a;
	}
}

/* The order the dispatch's rules are added in: END, the barrier, START, base-1, base+0,
 * base+1 (the catch-all last); deleted in the reverse order. */
#define HOST_RANKS 6
static int host_rank(const struct enid_config *cfg, uint32_t pref)
{
	if (pref == host_pref_end(cfg))
		return 0;
	if (pref == host_pref_barrier(cfg))
		return 1;
	if (pref == host_pref(cfg, 3))
		return 2;
	return 3 + (int)(pref - host_pref(cfg, 0));
}

/* Of ours at a dispatch pref, and not wanted as it is; *retarget: a wanted one differs
 * from it only in the goto's target. */
static bool host_unwanted(const struct enid_config *cfg, const struct host_plan *hp,
			  const struct krule *kr, bool *retarget)
{
	bool wanted = false;

	*retarget = false;
	/* other selectors: never a shape of ours, and a delete would lack them (krule_of_slot) */
	if (kr->r.protocol != ENID_RTPROT || kr->other_selectors || !host_pref_is(cfg, kr->r.pref))
		return false;
	for (unsigned int i = 0; i < hp->n_rules && !wanted; i++) {
		wanted = rule_same(&kr->r, &hp->rules[i]);
		*retarget |= rule_key_same(&kr->r, &hp->rules[i]);
	}
	return !wanted;
}

void kdiff_host(const struct enid_config *cfg, const struct host_plan *hp, const struct kstate *ks,
		struct kreqs *out)
{
	bool retarget;

	/* a rule whose goto moves (END moved: an earlier layout, another rule_pref_base) goes
	 * first: the kernel would refuse the new one as a duplicate, or delete it instead */
	for (size_t k = 0; k < ks->n_rules; k++)
		if (host_unwanted(cfg, hp, &ks->rules[k], &retarget) && retarget)
			push_rule(out, KREQ_DELRULE, &ks->rules[k].r);
	for (int rank = 0; rank < HOST_RANKS; rank++) {
		for (unsigned int i = 0; i < hp->n_rules; i++) {
			const struct plan_rule *r = &hp->rules[i];
			bool have = false;

			if (host_rank(cfg, r->pref) != rank)
				continue;
			for (size_t k = 0; k < ks->n_rules && !have; k++)
				have = !ks->rules[k].other_selectors &&
				       rule_same(&ks->rules[k].r, r);
			if (!have)
				push_rule(out, KREQ_NEWRULE, r);
		}
	}
	for (int rank = HOST_RANKS - 1; rank >= 0; rank--) {
		for (size_t k = 0; k < ks->n_rules; k++) {
			const struct krule *kr = &ks->rules[k];

			if (host_rank(cfg, kr->r.pref) == rank &&
			    host_unwanted(cfg, hp, kr, &retarget) && !retarget)
				push_rule(out, KREQ_DELRULE, &kr->r);
		}
	}
}

/* The kernel's key of a route (family, table, destination, metric): a planned route
 * with the key of a stale one of ours replaces it in one request. */
static bool route_key_eq(const struct plan_route *a, const struct plan_route *b)
{
	struct enid_ip ad = a->dst, bd = b->dst;

	ad.family = bd.family = a->family;
	return a->family == b->family && a->table == b->table && a->metric == b->metric &&
	       ad.prefixlen == bd.prefixlen && enid_ip_same_addr(&ad, &bd);
}

static bool plan_has_route_key(const struct plan *p, const struct plan_route *r)
{
	for (unsigned int i = 0; i < p->n_routes; i++)
		if (route_key_eq(&p->routes[i], r))
			return true;
	return false;
}

static bool kroute_stale(const struct enid_config *cfg, const struct kroute *r,
			 const struct plan *p)
{
	return kroute_of_link(cfg, r, p->slot, p->ifindex) && !plan_has_route(p, &r->r);
}

/* A stale route of ours that r takes the place of (its prefsrc moves to a new address). */
static bool replaces_stale(const struct enid_config *cfg, const struct kstate *ks,
			   const struct plan *p, const struct plan_route *r)
{
	for (size_t i = 0; ks && i < ks->n_routes; i++)
		if (route_key_eq(&ks->routes[i].r, r) && kroute_stale(cfg, &ks->routes[i], p))
			return true;
	return false;
}

/*
 * Ours in the slot (or on its link) and not planned (p NULL: nothing is planned).
 * Addresses first: an address never outlives its rules. A stale route that a planned one
 * replaces (same key) is not deleted.
 */
static void stale(const struct enid_config *cfg, const struct kstate *ks, unsigned int slot,
		  int ifindex, const struct owned *own, const struct plan *p, struct kreqs *out)
{
	for (size_t i = 0; ifindex && i < ks->n_addrs; i++) {
		const struct kaddr *a = &ks->addrs[i];

		if (a->ifindex == ifindex && owned_has(own, slot, &a->a.ip) &&
		    !(p && plan_has_addr(p, &a->a)))
			push_addr(out, KREQ_DELADDR, ifindex, &a->a);
	}
	for (size_t i = 0; i < ks->n_rules; i++) {
		const struct krule *r = &ks->rules[i];

		if (krule_of_slot(cfg, r, slot) && !(p && plan_has_rule(p, &r->r)))
			push_rule(out, KREQ_DELRULE, &r->r);
	}
	for (size_t i = 0; i < ks->n_routes; i++) {
		const struct kroute *r = &ks->routes[i];

		/* planned as it is, or replaced by a planned one with its key: kept */
		if (kroute_of_link(cfg, r, slot, ifindex) && !(p && plan_has_route_key(p, &r->r)))
			push_delroute(out, r);
	}
}

void kdiff_apply(const struct enid_config *cfg, const struct plan *p, const struct kstate *ks,
		 const struct owned *own, struct kreqs *out)
{
	struct kreq *r = push(out, KREQ_SETLINK);

	if (r) {
		r->ifindex = p->ifindex;
		r->up = p->up;
		r->mtu = p->mtu;
	}
	for (unsigned int i = 0; i < p->n_rules; i++)
		push_rule(out, KREQ_NEWRULE, &p->rules[i]);
	for (int main_pass = 0; main_pass < 2; main_pass++) {
		for (unsigned int i = 0; i < p->n_routes; i++) {
			if ((p->routes[i].table == RT_TABLE_MAIN) != main_pass)
				continue;
			r = push(out, KREQ_NEWROUTE);
			if (r) {
				r->route = p->routes[i];
				r->replace = replaces_stale(cfg, ks, p, &p->routes[i]);
			}
		}
		for (unsigned int i = 0; !main_pass && i < p->n_addrs; i++)
			push_addr(out, KREQ_NEWADDR, p->ifindex, &p->addrs[i]);
	}
	/* make-before-break: what goes, once what comes is in (a changed address) */
	if (ks)
		stale(cfg, ks, p->slot, p->ifindex, own, p, out);
}

void kdiff_cleanup(const struct enid_config *cfg, const struct kstate *ks, unsigned int slot,
		   int ifindex, const struct owned *own, struct kreqs *out)
{
	stale(cfg, ks, slot, ifindex, own, NULL, out);
}

void kdiff_orphans(const struct enid_config *cfg, const struct kstate *ks,
		   const bool held[ENID_MAX_SLOTS + 1],
		   bool (*had_slot)(int oif, unsigned int slot, const void *ctx), const void *ctx,
		   struct kreqs *out)
{
	unsigned int s;

	for (size_t i = 0; i < ks->n_rules; i++) {
		s = krule_slot(cfg, &ks->rules[i]);
		if (s && !held[s])
			push_rule(out, KREQ_DELRULE, &ks->rules[i].r);
	}
	for (size_t i = 0; i < ks->n_routes; i++) {
		const struct kroute *r = &ks->routes[i];
		enum kroute_class c = kroute_classify(cfg, r, &s);

		if (c == KR_FOREIGN || held[s])
			continue;
		if (c == KR_MAIN && !had_slot(r->r.oif, s, ctx))
			continue;
		push_delroute(out, r);
	}
}

struct nlmsghdr *kreq_build(void *buf, size_t len, uint32_t seq, const struct kreq *r)
{
	struct nlmsghdr *nlh;

	switch (r->op) {
	case KREQ_SETLINK:
		return rtnl_build_setlink(buf, len, seq, r->ifindex, r->up, r->mtu);
	case KREQ_NEWADDR:
		return rtnl_build_addr(buf, len, seq, RTM_NEWADDR, r->ifindex, &r->addr);
	case KREQ_DELADDR:
		return rtnl_build_addr(buf, len, seq, RTM_DELADDR, r->ifindex, &r->addr);
	case KREQ_NEWROUTE:
		nlh = rtnl_build_route(buf, len, seq, RTM_NEWROUTE, &r->route);
		if (nlh && r->replace)
			nlh->nlmsg_flags = (nlh->nlmsg_flags & ~NLM_F_EXCL) | NLM_F_REPLACE;
		return nlh;
	case KREQ_DELROUTE:
		return rtnl_build_delroute_k(buf, len, seq, &r->kroute);
	case KREQ_NEWRULE:
		return rtnl_build_rule(buf, len, seq, RTM_NEWRULE, &r->rule);
	case KREQ_DELRULE:
		return rtnl_build_rule(buf, len, seq, RTM_DELRULE, &r->rule);
	}
	return NULL;
}

const char *kreq_op_name(enum kreq_op op)
{
	static const char *const names[] = {
		[KREQ_SETLINK] = "set link",	   [KREQ_NEWADDR] = "add address",
		[KREQ_DELADDR] = "delete address", [KREQ_NEWROUTE] = "add route",
		[KREQ_DELROUTE] = "delete route",  [KREQ_NEWRULE] = "add rule",
		[KREQ_DELRULE] = "delete rule",
	};

	return op <= KREQ_DELRULE ? names[op] : "request";
}

bool kreq_is_delete(enum kreq_op op)
{
	return op == KREQ_DELADDR || op == KREQ_DELROUTE || op == KREQ_DELRULE;
}
