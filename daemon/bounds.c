// SPDX-License-Identifier: GPL-2.0-or-later
/* Sanity bounds on an ENI's addressing before planning (see bounds.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "bounds.h"

struct reserved {
	int family;
	uint8_t bytes[16];
	unsigned prefixlen;
	const char *name;
};

static const struct reserved reserved[] = {
	{AF_INET, {0}, 8, "\"this network\""},
	{AF_INET, {127}, 8, "loopback"},
	{AF_INET, {169, 254}, 16, "link-local"},
	{AF_INET, {100, 100, 100, 200}, 32, "the metadata service"},
	{AF_INET, {224}, 4, "multicast"},
	{AF_INET, {240}, 4, "reserved"},
	{AF_INET6, {0}, 128, "the unspecified address"},
	{AF_INET6, {[15] = 1}, 128, "loopback"},
	{AF_INET6, {[10] = 0xff, [11] = 0xff}, 96, "IPv4-mapped"},
	{AF_INET6, {0xfe, 0x80}, 10, "link-local"},
	{AF_INET6, {0xff}, 8, "multicast"},
};

#define N_RESERVED (sizeof(reserved) / sizeof(reserved[0]))

const char *bounds_attr_name(enum bounds_attr attr)
{
	switch (attr) {
	case BOUNDS_ADDR:
		return "address";
	case BOUNDS_SUBNET:
		return "subnet";
	case BOUNDS_GATEWAY4:
		return "gateway";
	case BOUNDS_GATEWAY6:
		return "gateway6";
	}
	return "?";
}

static unsigned full_len(int family)
{
	return enid_ip_len(family) * 8;
}

bool bounds_overlap(const struct enid_ip *a, const struct enid_ip *b)
{
	struct enid_ip x = *a, y = *b;
	unsigned m = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen;

	if (a->family != b->family || !enid_ip_len(a->family))
		return false;
	x.prefixlen = m;
	y.prefixlen = m;
	return enid_ip_in_subnet(&x, &y);
}

static struct enid_ip reserved_net(const struct reserved *r)
{
	struct enid_ip ip = {.family = r->family, .prefixlen = r->prefixlen};

	memcpy(ip.bytes, r->bytes, sizeof(ip.bytes));
	return ip;
}

/* The reserved block that ip (as a prefix of its own length) overlaps, or NULL. */
static const struct reserved *reserved_hit(const struct enid_ip *ip, bool allow_link_local)
{
	for (unsigned i = 0; i < N_RESERVED; i++) {
		struct enid_ip net = reserved_net(&reserved[i]);

		if (allow_link_local && !strcmp(reserved[i].name, "link-local"))
			continue;
		if (bounds_overlap(ip, &net))
			return &reserved[i];
	}
	return NULL;
}

/* A subnet (not a host-length address): its prefix is below the family's length. */
static bool has_subnet(const struct enid_ip *ip)
{
	return ip->prefixlen < full_len(ip->family);
}

/* IPv4 up to /30 has a broadcast address; host bits all ones. */
static bool is_broadcast4(const struct enid_ip *ip, const struct enid_ip *net)
{
	uint32_t a, mask;

	if (ip->family != AF_INET || net->prefixlen > 30)
		return false;
	memcpy(&a, ip->bytes, 4);
	a = ntohl(a);
	mask = net->prefixlen ? ~0u << (32 - net->prefixlen) : 0;
	return (a & ~mask) == ~mask;
}

/* The network address itself (IPv4 up to /30, IPv6 up to /126: not a host). */
static bool is_network(const struct enid_ip *ip, const struct enid_ip *net)
{
	struct enid_ip n = enid_ip_network(net);
	unsigned max = ip->family == AF_INET ? 30 : 126;

	return net->prefixlen <= max && enid_ip_same_addr(ip, &n);
}

static int refuse(struct bounds_verdict *v, int err, enum bounds_attr attr, unsigned index,
		  const struct enid_ip *value, bool with_prefix, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static int refuse(struct bounds_verdict *v, int err, enum bounds_attr attr, unsigned index,
		  const struct enid_ip *value, bool with_prefix, const char *fmt, ...)
{
	va_list ap;

	v->attr = attr;
	v->index = index;
	enid_ip_format(value, with_prefix, v->value, sizeof(v->value));
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	return err;
}

static const char *fmt_ip(const struct enid_ip *ip, bool with_prefix, char *buf)
{
	return enid_ip_format(ip, with_prefix, buf, ENID_IP_STRLEN);
}

/* The subnet of an address: network address, same prefix length. */
static struct enid_ip subnet_of(const struct enid_ip *ip)
{
	return enid_ip_network(ip);
}

/* Rule 1. */
static int check_prefixes(const struct addressing *a, const struct enid_prefix_limits *lim,
			  struct bounds_verdict *v)
{
	for (unsigned i = 0; i < a->n_addrs; i++) {
		const struct enid_ip *ip = &a->addrs[i];
		bool v4 = ip->family == AF_INET;
		unsigned lo = v4 ? lim->v4_min : lim->v6_min, hi = v4 ? lim->v4_max : lim->v6_max;
		struct enid_ip net = subnet_of(ip);

		if (ip->family != AF_INET && ip->family != AF_INET6)
			return refuse(v, -EADDRNOTAVAIL, BOUNDS_ADDR, i, ip, true,
				      "is not an IPv4 or IPv6 address");
		if (!has_subnet(ip))
			continue;
		if (ip->prefixlen < lo || ip->prefixlen > hi)
			return refuse(v, -ERANGE, BOUNDS_SUBNET, i, &net, true,
				      "has a prefix length /%u outside the %s limits /%u../%u",
				      ip->prefixlen, v4 ? "IPv4" : "IPv6", lo, hi);
	}
	return 0;
}

/* Rules 2 and 3 for the addresses and their subnets. */
static int check_addrs(const struct addressing *a, struct bounds_verdict *v)
{
	char b[ENID_IP_STRLEN];

	for (unsigned i = 0; i < a->n_addrs; i++) {
		const struct enid_ip *ip = &a->addrs[i];
		struct enid_ip net = subnet_of(ip), host = *ip;
		const struct reserved *r;

		host.prefixlen = full_len(ip->family);
		r = reserved_hit(&host, false);
		if (r) {
			struct enid_ip rn = reserved_net(r);

			return refuse(v, -EADDRNOTAVAIL, BOUNDS_ADDR, i, ip, false, "is %s (%s)",
				      r->name, fmt_ip(&rn, true, b));
		}
		if (is_network(ip, &net))
			return refuse(v, -EADDRNOTAVAIL, BOUNDS_ADDR, i, ip, false,
				      "is the network address of %s", fmt_ip(&net, true, b));
		if (is_broadcast4(ip, &net))
			return refuse(v, -EADDRNOTAVAIL, BOUNDS_ADDR, i, ip, false,
				      "is the broadcast address of %s", fmt_ip(&net, true, b));
	}
	/* then the subnets: an address is the more precise finding */
	for (unsigned i = 0; i < a->n_addrs; i++) {
		const struct enid_ip *ip = &a->addrs[i];
		struct enid_ip net = subnet_of(ip);
		const struct reserved *r = has_subnet(ip) ? reserved_hit(&net, false) : NULL;

		if (r) {
			struct enid_ip rn = reserved_net(r);

			return refuse(v, -EADDRNOTAVAIL, BOUNDS_SUBNET, i, &net, true,
				      "overlaps %s %s", r->name, fmt_ip(&rn, true, b));
		}
	}
	return 0;
}

/* Is ip one of the list's addresses? Its index, or -1. */
static int find_addr(const struct enid_ip *list, unsigned n, const struct enid_ip *ip)
{
	for (unsigned i = 0; i < n; i++)
		if (enid_ip_same_addr(&list[i], ip))
			return (int)i;
	return -1;
}

/* Rule 4. */
static int check_host(const struct addressing *a, const struct bounds_host *h,
		      struct bounds_verdict *v)
{
	char b[ENID_IP_STRLEN];

	for (unsigned i = 0; i < a->n_addrs; i++) {
		const struct enid_ip *ip = &a->addrs[i];
		struct enid_ip net = subnet_of(ip);
		int k = find_addr(h->primary, h->n_primary, ip);

		if (k >= 0)
			return refuse(v, -EADDRINUSE, BOUNDS_ADDR, i, ip, false,
				      "is an address of the primary interface (%s)",
				      fmt_ip(&h->primary[k], true, b));
		if (find_addr(h->others, h->n_others, ip) >= 0)
			return refuse(v, -EADDRINUSE, BOUNDS_ADDR, i, ip, false,
				      "is an address of another ENI");
		if (!has_subnet(ip))
			continue;
		for (unsigned j = 0; j < h->n_primary; j++) {
			const struct enid_ip *p = &h->primary[j];
			struct enid_ip pnet = subnet_of(p);

			if (!has_subnet(p) || !bounds_overlap(&net, &pnet) ||
			    p->prefixlen == ip->prefixlen)
				continue;
			return refuse(v, -EADDRINUSE, BOUNDS_SUBNET, i, &net, true,
				      "overlaps the primary interface's subnet %s",
				      fmt_ip(&pnet, true, b));
		}
	}
	return 0;
}

/* An address of the ENI, the primary or another ENI: the reason, or NULL. */
static const char *gateway_taken(const struct addressing *a, const struct bounds_host *h,
				 const struct enid_ip *gw)
{
	if (find_addr(a->addrs, a->n_addrs, gw) >= 0)
		return "is an address of the ENI";
	if (find_addr(h->primary, h->n_primary, gw) >= 0)
		return "is an address of the primary interface";
	if (find_addr(h->others, h->n_others, gw) >= 0)
		return "is an address of another ENI";
	return NULL;
}

static int check_gateway4(const struct addressing *a, const struct bounds_host *h,
			  struct bounds_verdict *v)
{
	const struct enid_ip *gw = &a->gateway4;
	char b[ENID_IP_STRLEN];
	const struct reserved *r;
	const char *taken;
	bool inside = false;

	if (!gw->family)
		return 0;
	if (gw->family != AF_INET)
		return refuse(v, -EINVAL, BOUNDS_GATEWAY4, 0, gw, false, "is not IPv4");
	r = reserved_hit(gw, false);
	if (r) {
		struct enid_ip rn = reserved_net(r);

		return refuse(v, -EINVAL, BOUNDS_GATEWAY4, 0, gw, false, "is %s (%s)", r->name,
			      fmt_ip(&rn, true, b));
	}
	for (unsigned i = 0; i < a->n_addrs; i++) {
		const struct enid_ip *ip = &a->addrs[i];
		struct enid_ip net = subnet_of(ip);

		if (ip->family != AF_INET || !has_subnet(ip) || !enid_ip_in_subnet(gw, &net))
			continue;
		inside = true;
		if (is_network(gw, &net))
			return refuse(v, -EINVAL, BOUNDS_GATEWAY4, 0, gw, false,
				      "is the network address of %s", fmt_ip(&net, true, b));
		if (is_broadcast4(gw, &net))
			return refuse(v, -EINVAL, BOUNDS_GATEWAY4, 0, gw, false,
				      "is the broadcast address of %s", fmt_ip(&net, true, b));
	}
	if (!inside)
		return refuse(v, -EINVAL, BOUNDS_GATEWAY4, 0, gw, false,
			      "is not inside any IPv4 subnet of the ENI");
	taken = gateway_taken(a, h, gw);
	if (taken)
		return refuse(v, -EINVAL, BOUNDS_GATEWAY4, 0, gw, false, "%s", taken);
	return 0;
}

static int check_gateway6(const struct addressing *a, const struct bounds_host *h,
			  struct bounds_verdict *v)
{
	static const struct enid_ip ll = {
		.family = AF_INET6, .prefixlen = 10, .bytes = {0xfe, 0x80}};
	const struct enid_ip *gw = &a->gateway6;
	char b[ENID_IP_STRLEN];
	const struct reserved *r;
	const char *taken;
	bool inside = enid_ip_in_subnet(gw, &ll);

	if (!gw->family)
		return 0;
	if (gw->family != AF_INET6)
		return refuse(v, -EINVAL, BOUNDS_GATEWAY6, 0, gw, false, "is not IPv6");
	r = reserved_hit(gw, true);
	if (r) {
		struct enid_ip rn = reserved_net(r);

		return refuse(v, -EINVAL, BOUNDS_GATEWAY6, 0, gw, false, "is %s (%s)", r->name,
			      fmt_ip(&rn, true, b));
	}
	for (unsigned i = 0; i < a->n_addrs && !inside; i++) {
		struct enid_ip net = subnet_of(&a->addrs[i]);

		inside = a->addrs[i].family == AF_INET6 && has_subnet(&net) &&
			 enid_ip_in_subnet(gw, &net);
	}
	if (!inside)
		return refuse(v, -EINVAL, BOUNDS_GATEWAY6, 0, gw, false,
			      "is neither link-local nor inside any IPv6 subnet of the ENI");
	taken = gateway_taken(a, h, gw);
	if (taken)
		return refuse(v, -EINVAL, BOUNDS_GATEWAY6, 0, gw, false, "%s", taken);
	return 0;
}

int bounds_check(const struct addressing *a, const struct enid_prefix_limits *lim,
		 const struct bounds_host *host, struct bounds_verdict *v)
{
	static const struct bounds_host none;
	const struct bounds_host *h = host ? host : &none;
	int r;

	memset(v, 0, sizeof(*v));
	r = check_prefixes(a, lim, v);
	if (!r)
		r = check_addrs(a, v);
	if (!r)
		r = check_host(a, h, v);
	if (!r)
		r = check_gateway4(a, h, v);
	if (!r)
		r = check_gateway6(a, h, v);
	return r;
}
