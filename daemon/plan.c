// SPDX-License-Identifier: GPL-2.0-or-later
/* The pure planner: see plan.h for the routing scheme. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>

#include "plan.h"

#define V6_DEFAULT_METRIC 1024 /* the kernel's metric for a v6 route given 0 */

uint32_t table_for_slot(const struct enid_config *cfg, unsigned slot)
{
	return cfg->table_base + slot;
}

uint32_t addr_pref_for_slot(const struct enid_config *cfg, unsigned slot)
{
	return cfg->rule_pref_base + 2 + slot;
}

uint32_t chain_pref_for_slot(const struct enid_config *cfg, unsigned slot)
{
	return host_pref_barrier(cfg) + 1 + PLAN_CHAIN_LEN * (slot - 1);
}

uint32_t metric_for_slot(const struct enid_config *cfg, unsigned slot)
{
	return cfg->metric_base + slot;
}

unsigned slot_for_table(const struct enid_config *cfg, uint32_t table)
{
	if (table <= cfg->table_base || table - cfg->table_base > ENID_MAX_SLOTS)
		return 0;
	return table - cfg->table_base;
}

unsigned slot_for_metric(const struct enid_config *cfg, uint32_t metric)
{
	if (metric <= cfg->metric_base || metric - cfg->metric_base > ENID_MAX_SLOTS)
		return 0;
	return metric - cfg->metric_base;
}

unsigned slot_for_pref(const struct enid_config *cfg, uint32_t pref)
{
	uint32_t addr1 = addr_pref_for_slot(cfg, 1), chain1 = chain_pref_for_slot(cfg, 1);

	if (pref >= addr1 && pref < addr1 + ENID_MAX_SLOTS)
		return pref - addr1 + 1;
	if (pref >= chain1 && pref < host_pref_end(cfg))
		return (pref - chain1) / PLAN_CHAIN_LEN + 1;
	return 0;
}

int addressing_from_config(const struct enid_config *cfg, const uint8_t mac[6],
			   struct addressing *out)
{
	const struct enid_eni_config *eni = config_find_mac(cfg, mac);

	memset(out, 0, sizeof(*out));
	if (!eni)
		return -ENOENT;
	if (eni->unmanaged)
		return -EPERM;
	memcpy(out->addrs, eni->addrs, eni->n_addrs * sizeof(eni->addrs[0]));
	out->n_addrs = eni->n_addrs;
	out->gateway4 = eni->gateway4;
	out->gateway6 = eni->gateway6;
	out->mtu = eni->mtu;
	out->nodad = true; /* the administrator wrote them down: no DAD wait */
	return 0;
}

static int refuse(struct plan *out, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct plan *out, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
	return err;
}

static bool addr_valid(const struct enid_ip *ip)
{
	unsigned bits = enid_ip_len(ip->family) * 8;

	return bits && ip->prefixlen >= 1 && ip->prefixlen <= bits;
}

static bool has_family(const struct addressing *a, int family)
{
	for (unsigned i = 0; i < a->n_addrs; i++)
		if (a->addrs[i].family == family)
			return true;
	return false;
}

static bool gateway_reachable(const struct addressing *a, const struct enid_ip *gw)
{
	for (unsigned i = 0; i < a->n_addrs; i++)
		if (enid_ip_in_subnet(gw, &a->addrs[i]))
			return true;
	return false;
}

/* True when an earlier address already gave this subnet its routes. */
static bool subnet_planned(const struct addressing *a, unsigned i)
{
	struct enid_ip net = enid_ip_network(&a->addrs[i]);

	for (unsigned j = 0; j < i; j++) {
		struct enid_ip other = enid_ip_network(&a->addrs[j]);

		if (other.prefixlen == net.prefixlen && enid_ip_same_addr(&other, &net))
			return true;
	}
	return false;
}

static struct plan_rule *add_rule(struct plan *out, int family, uint32_t pref, uint8_t action,
				  uint32_t table, int suppress)
{
	struct plan_rule *r = &out->rules[out->n_rules++];

	memset(r, 0, sizeof(*r));
	r->action = action;
	r->family = family;
	r->pref = pref;
	r->table = table;
	r->suppress_prefixlength = suppress;
	r->protocol = ENID_RTPROT;
	return r;
}

/* "from A goto <the slot's chain>" for address A. */
static void add_addr_rule(struct plan *out, const struct enid_ip *addr)
{
	struct plan_rule *r = add_rule(out, addr->family, out->pref_addr, FR_ACT_GOTO, 0, -1);

	r->src = *addr;
	r->src.prefixlen = enid_ip_len(addr->family) * 8;
	r->goto_pref = out->pref_chain;
}

/* The slot's chain for one family, reached only from its addresses' rules. Planned end
 * first and before the address rules (the applier keeps plan order): a goto that resolves
 * finds the whole chain, its goto END included, never a part of it. */
static void add_chain(struct plan *out, int family)
{
	uint32_t c = out->pref_chain;

	add_rule(out, family, c + 3, FR_ACT_GOTO, 0, -1)->goto_pref = out->pref_end;
	add_rule(out, family, c + 2, FR_ACT_TO_TBL, out->table, -1);
	add_rule(out, family, c + 1, FR_ACT_TO_TBL, RT_TABLE_MAIN, 0);
	add_rule(out, family, c, FR_ACT_TO_TBL, out->table, 0);
}

unsigned plan_families(const struct plan *p)
{
	unsigned fams = 0;

	for (unsigned i = 0; i < p->n_rules; i++)
		fams |= p->rules[i].family == AF_INET6 ? PLAN_FAM_V6 : PLAN_FAM_V4;
	return fams;
}

static struct plan_route *add_route(struct plan *out, int family, uint32_t table, uint32_t metric)
{
	struct plan_route *r = &out->routes[out->n_routes++];

	r->family = family;
	r->table = table;
	r->dst.family = family;
	r->metric = metric;
	if (family == AF_INET6 && !metric)
		r->metric = V6_DEFAULT_METRIC;
	r->scope = RT_SCOPE_UNIVERSE;
	r->protocol = ENID_RTPROT;
	r->oif = out->ifindex;
	return r;
}

/*
 * Table T's subnet route has no prefsrc: only rules "from <ENI address>" lead into T, so
 * the source is chosen already, and without one the route can go in before the address
 * exists (the applier adds rules and T first, so an address is never answered from main).
 */
static void add_subnet_routes(struct plan *out, const struct enid_ip *addr, uint32_t main_metric)
{
	uint32_t tables[2] = {out->table, RT_TABLE_MAIN};
	uint32_t metrics[2] = {0, main_metric};

	for (int t = 0; t < 2; t++) {
		struct plan_route *r = add_route(out, addr->family, tables[t], metrics[t]);

		r->dst = enid_ip_network(addr);
		if (addr->family == AF_INET) {
			r->scope = RT_SCOPE_LINK;
			if (tables[t] == RT_TABLE_MAIN) {
				r->prefsrc = *addr;
				r->prefsrc.prefixlen = 32;
			}
		}
	}
}

static void add_default_routes(struct plan *out, const struct enid_ip *gw, bool in_main,
			       uint32_t main_metric)
{
	struct plan_route *r = add_route(out, gw->family, out->table, 0);

	r->gateway = *gw;
	if (in_main) {
		r = add_route(out, gw->family, RT_TABLE_MAIN, main_metric);
		r->gateway = *gw;
	}
}

/* DHCP option 121's routes: table T only, never main (RFC 3442 routes are the ENI's). */
static void add_extra_route(struct plan *out, const struct enid_route *x)
{
	struct plan_route *r = add_route(out, AF_INET, out->table, 0);

	r->dst = x->dst;
	if (x->gw.family)
		r->gateway = x->gw;
	else
		r->scope = RT_SCOPE_LINK;
}

static void add_sysctl(struct plan *out, const char *ifname, const char *name, int value)
{
	struct plan_sysctl *s = &out->sysctls[out->n_sysctls++];

	snprintf(s->path, sizeof(s->path), "net/ipv4/conf/%s/%s", ifname, name);
	snprintf(s->value, sizeof(s->value), "%d", value);
}

int link_plan(const struct enid_config *cfg, const struct link_facts *facts,
	      const struct addressing *a, unsigned slot, struct plan *out)
{
	const struct enid_eni_config *eni = config_find_mac(cfg, facts->mac);
	char mac[18], ip[ENID_IP_STRLEN];
	uint32_t metric;
	bool main_default;

	memset(out, 0, sizeof(*out));
	out->ifindex = facts->ifindex;
	snprintf(out->ifname, sizeof(out->ifname), "%s", facts->ifname);
	out->slot = slot;
	mac_format(facts->mac, mac);

	if (facts->is_primary || config_names_primary(cfg, facts->ifname, facts->mac))
		return refuse(out, -EPERM, "%s (%s) is the primary interface", facts->ifname, mac);
	if (eni && eni->unmanaged)
		return refuse(out, -EPERM, "%s (%s) is unmanaged", facts->ifname, mac);
	if (slot < 1 || slot > ENID_MAX_SLOTS)
		return refuse(out, -ERANGE, "slot %u is not in 1..%d", slot, ENID_MAX_SLOTS);
	if (!a || !a->n_addrs)
		return refuse(out, -ENODATA, "no addresses for %s (%s)", facts->ifname, mac);
	if (a->n_addrs > ENID_MAX_ADDRS)
		return refuse(out, -E2BIG, "%u addresses, at most %d", a->n_addrs, ENID_MAX_ADDRS);
	for (unsigned i = 0; i < a->n_addrs; i++)
		if (!addr_valid(&a->addrs[i]))
			return refuse(out, -EINVAL, "address %u: bad family or prefix length", i);
	if (a->gateway4.family && a->gateway4.family != AF_INET)
		return refuse(out, -EINVAL, "gateway4 is not IPv4");
	if (a->gateway6.family && a->gateway6.family != AF_INET6)
		return refuse(out, -EINVAL, "gateway6 is not IPv6");
	if (a->gateway4.family && !gateway_reachable(a, &a->gateway4))
		return refuse(out, -EINVAL, "gateway %s is outside every IPv4 subnet",
			      enid_ip_format(&a->gateway4, false, ip, sizeof(ip)));

	out->table = table_for_slot(cfg, slot);
	out->pref_addr = addr_pref_for_slot(cfg, slot);
	out->pref_chain = chain_pref_for_slot(cfg, slot);
	out->pref_end = host_pref_end(cfg);
	metric = metric_for_slot(cfg, slot);
	out->mtu = a->mtu;
	out->up = true;
	main_default = config_default_route(cfg, facts->mac);

	if (has_family(a, AF_INET))
		add_chain(out, AF_INET);
	if (has_family(a, AF_INET6))
		add_chain(out, AF_INET6);
	for (unsigned i = 0; i < a->n_addrs; i++) {
		const struct enid_ip *addr = &a->addrs[i];
		struct plan_addr *pa = &out->addrs[out->n_addrs++];

		pa->ip = *addr;
		pa->flags = IFA_F_NOPREFIXROUTE;
		if (addr->family == AF_INET6 && a->nodad)
			pa->flags |= IFA_F_NODAD;

		add_addr_rule(out, addr);

		/* A host-length prefix has no subnet to route. */
		if (addr->prefixlen < enid_ip_len(addr->family) * 8 && !subnet_planned(a, i))
			add_subnet_routes(out, addr, metric);
	}
	if (a->gateway4.family && has_family(a, AF_INET))
		add_default_routes(out, &a->gateway4, main_default, metric);
	if (a->gateway6.family && has_family(a, AF_INET6))
		add_default_routes(out, &a->gateway6, main_default, metric);
	for (unsigned i = 0; i < a->n_routes && i < ENID_MAX_ROUTES && has_family(a, AF_INET); i++)
		add_extra_route(out, &a->routes[i]);

	add_sysctl(out, facts->ifname, "arp_ignore", cfg->arp_ignore);
	add_sysctl(out, facts->ifname, "arp_announce", cfg->arp_announce);
	/* the primary address of a subnet deleted takes its secondaries along without it */
	add_sysctl(out, facts->ifname, "promote_secondaries", 1);
	return 0;
}

uint32_t host_pref(const struct enid_config *cfg, unsigned k)
{
	return cfg->rule_pref_base - 1 + k;
}

uint32_t host_pref_barrier(const struct enid_config *cfg)
{
	return addr_pref_for_slot(cfg, ENID_MAX_SLOTS) + 1;
}

uint32_t host_pref_end(const struct enid_config *cfg)
{
	return host_pref_barrier(cfg) + 1 + PLAN_CHAIN_LEN * ENID_MAX_SLOTS;
}

bool host_pref_is(const struct enid_config *cfg, uint32_t pref)
{
	return (pref >= host_pref(cfg, 0) && pref <= host_pref(cfg, 3)) ||
	       pref == host_pref_barrier(cfg) || pref == host_pref_end(cfg);
}

static void host_rule(struct host_plan *out, int family, uint32_t pref, const struct enid_ip *src,
		      uint8_t action, uint32_t target)
{
	struct plan_rule *r = &out->rules[out->n_rules++];

	memset(r, 0, sizeof(*r));
	r->family = family;
	r->pref = pref;
	if (src)
		r->src = *src;
	r->suppress_prefixlength = -1;
	r->protocol = ENID_RTPROT;
	r->action = action;
	r->goto_pref = target;
}

static bool ip_listed(const struct enid_ip *list, unsigned n, const struct enid_ip *ip)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i].prefixlen == ip->prefixlen && enid_ip_same_addr(&list[i], ip))
			return true;
	return false;
}

#define HOST_MAX_PRIMARY 16 /* per family */

/* inner lies wholly inside outer */
static bool net_covers(const struct enid_ip *outer, const struct enid_ip *inner)
{
	return outer->prefixlen <= inner->prefixlen && enid_ip_in_subnet(inner, outer);
}

/* a and b are the two halves of one prefix (*parent); never merged into a /0 */
static bool net_halves(const struct enid_ip *a, const struct enid_ip *b, struct enid_ip *parent)
{
	if (a->prefixlen != b->prefixlen || a->prefixlen < 2 || enid_ip_same_addr(a, b))
		return false;
	*parent = *a;
	parent->prefixlen--;
	*parent = enid_ip_network(parent);
	return enid_ip_in_subnet(b, parent);
}

/*
 * The fewest prefixes that hold exactly the sources of nets[0..n): covered ones go, halves
 * of one prefix become that prefix. Each is a rule every forwarded packet walks twice (the
 * lookup, then the reverse one of the source check). Returns the new count.
 */
static unsigned nets_collapse(struct enid_ip *nets, unsigned n)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (unsigned i = 0; i < n && !changed; i++) {
			for (unsigned j = 0; j < n && !changed; j++) {
				struct enid_ip parent;

				if (i == j)
					continue;
				if (net_halves(&nets[i], &nets[j], &parent))
					nets[i] = parent;
				else if (!net_covers(&nets[i], &nets[j]))
					continue;
				nets[j] = nets[--n];
				changed = true;
			}
		}
	}
	return n;
}

static bool in_any(const struct enid_ip *nets, unsigned n, const struct enid_ip *ip)
{
	for (unsigned i = 0; i < n; i++)
		if (enid_ip_in_subnet(ip, &nets[i]))
			return true;
	return false;
}

/* The barrier and END alone for a family (its chains guarded, no subnet to dispatch). */
static void host_guard(const struct enid_config *cfg, int family, struct host_plan *out)
{
	host_rule(out, family, host_pref_barrier(cfg), NULL, FR_ACT_GOTO, host_pref_end(cfg));
	host_rule(out, family, host_pref_end(cfg), NULL, FR_ACT_NOP, 0);
}

/* Too many subnets for the dispatch: every lookup walks the address rules, but never
 * falls into the chains (they have no selector): the barrier and END alone, both
 * families. */
static int host_plan_walk_all(const struct enid_config *cfg, struct host_plan *out)
{
	static const int fams[2] = {AF_INET, AF_INET6};

	out->n_rules = 0;
	for (int f = 0; f < 2; f++)
		host_guard(cfg, fams[f], out);
	return -ENOSPC;
}

int host_plan(const struct enid_config *cfg, const struct enid_ip *subnets, unsigned n_subnets,
	      const struct enid_ip *primary, unsigned n_primary, unsigned guard,
	      struct host_plan *out)
{
	static const int fams[2] = {AF_INET, AF_INET6};
	uint32_t end = host_pref_end(cfg), start = host_pref(cfg, 3);
	struct enid_ip seen[2 * ENID_MAX_SLOTS];
	unsigned n_seen = 0;

	out->n_rules = 0;
	for (int f = 0; f < 2; f++) {
		unsigned n_nets = 0, n_prim = 0, from = n_seen;
		struct enid_ip unset = {.family = fams[f]};

		for (unsigned i = 0; i < n_subnets; i++) {
			struct enid_ip net;

			if (subnets[i].family != fams[f])
				continue;
			net = enid_ip_network(&subnets[i]);
			if (ip_listed(seen + from, n_seen - from, &net))
				continue;
			if (n_seen == sizeof(seen) / sizeof(seen[0]))
				return host_plan_walk_all(cfg, out);
			seen[n_seen++] = net;
			n_nets++;
		}
		if (!n_nets) {
			if (guard & (fams[f] == AF_INET ? PLAN_FAM_V4 : PLAN_FAM_V6))
				host_guard(cfg, fams[f], out);
			continue;
		}
		n_seen = from + nets_collapse(seen + from, n_seen - from);
		unset.prefixlen = enid_ip_len(fams[f]) * 8;
		host_rule(out, fams[f], host_pref(cfg, 0), &unset, FR_ACT_GOTO, end);
		/* a primary address outside every ENI subnet goes to END at base+1 anyway */
		for (unsigned i = 0; i < n_primary && n_prim < HOST_MAX_PRIMARY; i++) {
			struct enid_ip p = primary[i];

			if (p.family != fams[f] || !in_any(seen + from, n_seen - from, &p))
				continue;
			p.prefixlen = enid_ip_len(p.family) * 8;
			host_rule(out, fams[f], host_pref(cfg, 0), &p, FR_ACT_GOTO, end);
			n_prim++;
		}
		for (unsigned i = from; i < n_seen; i++) {
			host_rule(out, fams[f], host_pref(cfg, 1), &seen[i], FR_ACT_GOTO, start);
			out->rules[out->n_rules - 1].iif_lo = true;
		}
		host_rule(out, fams[f], host_pref(cfg, 2), NULL, FR_ACT_GOTO, end);
		host_rule(out, fams[f], start, NULL, FR_ACT_NOP, 0);
		host_guard(cfg, fams[f], out);
	}
	return 0;
}
