// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "rtstate.h"
#include "util.h"

#define FOREIGN_TABLE 555
#define FOREIGN_PREF 555

/* ---- lines ---- */

int lines_add(struct lines *l, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 32;
		char **v = realloc(l->v, (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	l->v[l->n++] = s;
	return 0;
}

void lines_free(struct lines *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void appendf(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	*off += (size_t)vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
}

int lines_diff(struct lines *want, struct lines *have, char *why, size_t len)
{
	size_t off = 0;
	int i = 0, j = 0, bad = 0;

	qsort(want->v, (size_t)want->n, sizeof(char *), cmp_str);
	qsort(have->v, (size_t)have->n, sizeof(char *), cmp_str);
	why[0] = '\0';
	while (i < want->n || j < have->n) {
		int c = i == want->n ? 1 : j == have->n ? -1 :
			strcmp(want->v[i], have->v[j]);

		if (!c) {
			i++;
			j++;
			continue;
		}
		bad++;
		if (c < 0)
			appendf(why, len, &off, "%smissing: %s", off ? "; " : "",
				want->v[i++]);
		else
			appendf(why, len, &off, "%sextra: %s", off ? "; " : "",
				have->v[j++]);
	}
	return bad ? -1 : 0;
}

/* ---- expectations ---- */

static int subnet_of(const char *addr, unsigned int plen, char *out, size_t len)
{
	struct in_addr a;
	uint32_t mask = plen ? ~0u << (32 - plen) : 0;

	if (inet_pton(AF_INET, addr, &a) != 1)
		return -EINVAL;
	a.s_addr = htonl(ntohl(a.s_addr) & mask);
	if (!inet_ntop(AF_INET, &a, out, (socklen_t)len))
		return -errno;
	return 0;
}

static unsigned int scheme_table_of(enum scheme_table t, unsigned int slot)
{
	return t == SCHEME_TABLE_MAIN ? RT_TABLE_MAIN : ENID_TABLE_BASE + slot;
}

/* The scheme of tests/lib/scheme.ini (compiled in as scheme.h), for one v4 subnet. */
int eni_expected(const struct eni_want *e, struct lines *out)
{
	unsigned int chain = ENID_DISPATCH_BARRIER + 1 + ENID_CHAIN_LEN * (e->slot - 1);
	char net[INET_ADDRSTRLEN], sup[24], src[INET_ADDRSTRLEN + 8];
	int err = 0;

	for (int i = 0; i < e->n_addrs && !err; i++)
		err |= lines_add(out, "rule4 pref %u from %s/32 table 0 goto %u",
				 ENID_PREF_BASE + 2 + e->slot, e->addrs[i], chain);
	if (err || !e->n_addrs)
		return err;
	for (size_t r = 0; r < sizeof(scheme_chain) / sizeof(scheme_chain[0]); r++) {
		const struct scheme_rule *sr = &scheme_chain[r];

		if (sr->end) {
			err |= lines_add(out, "rule4 pref %u from all/0 table 0 goto %u",
					 chain + sr->k, ENID_DISPATCH_END);
			continue;
		}
		sup[0] = 0;
		if (sr->suppress >= 0)
			snprintf(sup, sizeof(sup), " suppress %d", sr->suppress);
		err |= lines_add(out, "rule4 pref %u from all/0 table %u%s", chain + sr->k,
				 scheme_table_of(sr->table, e->slot), sup);
	}
	if (err)
		return err;
	err = subnet_of(e->addrs[0], e->prefixlen, net, sizeof(net));
	if (err)
		return err;
	for (size_t r = 0; r < sizeof(scheme_subnet_routes) / sizeof(scheme_subnet_routes[0]);
	     r++) {
		const struct scheme_subnet *ss = &scheme_subnet_routes[r];

		src[0] = 0;
		if (ss->src_p)
			snprintf(src, sizeof(src), " src %s", e->addrs[0]);
		err |= lines_add(out, "route4 table %u %s/%u dev %s scope link%s metric %u",
				 scheme_table_of(ss->table, e->slot), net, e->prefixlen, e->ifname,
				 src, ss->metric ? ENID_METRIC_BASE + e->slot : 0);
	}
	for (size_t r = 0; e->gateway &&
	     r < sizeof(scheme_default_routes) / sizeof(scheme_default_routes[0]); r++)
		err |= lines_add(out, "route4 table %u 0.0.0.0/0 via %s dev %s scope global metric 0",
				 scheme_table_of(scheme_default_routes[r], e->slot), e->gateway,
				 e->ifname);
	return err;
}

/* ---- rtnetlink dumps ---- */

struct dump_ctx {
	unsigned int proto;
	int ifindex;		/* addresses: of this link */
	struct lines *out;
	int rules, routes;
	int err;
	/* rt_flush: copies of the matching messages, to send back as deletes */
	bool keep;
	struct nlmsghdr **msgs;
	int nmsgs;
};

static void keep_msg(const struct nlmsghdr *nlh, struct dump_ctx *c)
{
	struct nlmsghdr **v, *m;

	if (c->nmsgs < 0)
		return;
	v = realloc(c->msgs, (size_t)(c->nmsgs + 1) * sizeof(*v));
	m = malloc(nlh->nlmsg_len);
	if (!v || !m) {
		free(m);
		if (v)
			c->msgs = v;
		c->nmsgs = -1;
		return;
	}
	memcpy(m, nlh, nlh->nlmsg_len);
	c->msgs = v;
	c->msgs[c->nmsgs++] = m;
}

typedef int (*dump_cb)(const struct nlmsghdr *nlh, struct dump_ctx *c);

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type < 64)
		tb[type] = a;
	return MNL_CB_OK;
}

static const char *ntop(int family, const struct nlattr *a, char *buf, size_t len)
{
	if (!a || !inet_ntop(family, mnl_attr_get_payload(a), buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static const char *ifname_of(const struct nlattr *a, char *buf)
{
	if (!a || !if_indextoname(mnl_attr_get_u32(a), buf))
		snprintf(buf, IFNAMSIZ, "%s", a ? "?" : "-");
	return buf;
}

static int rule_line(const struct nlmsghdr *nlh, struct dump_ctx *c)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64] = { NULL };
	unsigned int table, proto;
	char src[INET6_ADDRSTRLEN], sup[24] = "", act[24] = "", iif[24] = "";
	int fam = frh->family;

	mnl_attr_parse(nlh, sizeof(*frh), attr_cb, tb);
	proto = tb[FRA_PROTOCOL] ? mnl_attr_get_u8(tb[FRA_PROTOCOL]) : 0;
	if (proto != c->proto)
		return 0;
	c->rules++;
	if (c->keep)
		keep_msg(nlh, c);
	if (!c->out)
		return 0;
	table = tb[FRA_TABLE] ? mnl_attr_get_u32(tb[FRA_TABLE]) : frh->table;
	if (tb[FRA_SRC])
		ntop(fam, tb[FRA_SRC], src, sizeof(src));
	else
		snprintf(src, sizeof(src), "all");
	if (tb[FRA_IIFNAME])
		snprintf(iif, sizeof(iif), " iif %.16s", mnl_attr_get_str(tb[FRA_IIFNAME]));
	if (tb[FRA_SUPPRESS_PREFIXLEN] &&
	    mnl_attr_get_u32(tb[FRA_SUPPRESS_PREFIXLEN]) != UINT32_MAX)
		snprintf(sup, sizeof(sup), " suppress %u",
			 mnl_attr_get_u32(tb[FRA_SUPPRESS_PREFIXLEN]));
	if (frh->action == FR_ACT_GOTO)
		snprintf(act, sizeof(act), " goto %u",
			 tb[FRA_GOTO] ? mnl_attr_get_u32(tb[FRA_GOTO]) : 0);
	else if (frh->action == FR_ACT_NOP)
		snprintf(act, sizeof(act), " nop");
	return lines_add(c->out, "rule%c pref %u from %s/%u%s table %u%s%s",
			 fam == AF_INET ? '4' : '6',
			 tb[FRA_PRIORITY] ? mnl_attr_get_u32(tb[FRA_PRIORITY]) : 0,
			 src, frh->src_len, iif, table, sup, act);
}

static const char *scope_name(unsigned int s)
{
	switch (s) {
	case RT_SCOPE_UNIVERSE:
		return "global";
	case RT_SCOPE_LINK:
		return "link";
	case RT_SCOPE_HOST:
		return "host";
	default:
		return "other";
	}
}

static int route_line(const struct nlmsghdr *nlh, struct dump_ctx *c)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64] = { NULL };
	char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN + 8] = "";
	char src[INET6_ADDRSTRLEN + 8] = "", dev[IFNAMSIZ];
	int fam = rtm->rtm_family;

	if (rtm->rtm_protocol != c->proto)
		return 0;
	c->routes++;
	if (c->keep)
		keep_msg(nlh, c);
	if (!c->out)
		return 0;
	mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, tb);
	if (tb[RTA_DST])
		ntop(fam, tb[RTA_DST], dst, sizeof(dst));
	else
		snprintf(dst, sizeof(dst), "%s", fam == AF_INET ? "0.0.0.0" : "::");
	if (tb[RTA_GATEWAY]) {
		char a[INET6_ADDRSTRLEN];

		snprintf(gw, sizeof(gw), " via %s", ntop(fam, tb[RTA_GATEWAY], a, sizeof(a)));
	}
	if (tb[RTA_PREFSRC]) {
		char a[INET6_ADDRSTRLEN];

		snprintf(src, sizeof(src), " src %s", ntop(fam, tb[RTA_PREFSRC], a, sizeof(a)));
	}
	return lines_add(c->out, "route%c table %u %s/%u%s dev %s scope %s%s metric %u",
			 fam == AF_INET ? '4' : '6',
			 tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table,
			 dst, rtm->rtm_dst_len, gw, ifname_of(tb[RTA_OIF], dev),
			 scope_name(rtm->rtm_scope), src,
			 tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0);
}

/* One NLM_F_DUMP request of type for family, every reply to cb. */
static int dump(uint16_t type, int family, dump_cb cb, struct dump_ctx *c)
{
	char buf[65536] __attribute__((aligned(8)));
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)mono_ns(), portid;
	int err = 0;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	/* fib_rule_hdr, rtmsg and ifaddrmsg all start with the family byte */
	*(uint8_t *)mnl_nlmsg_put_extra_header(nlh, type == RTM_GETRULE ?
					       sizeof(struct fib_rule_hdr) :
					       type == RTM_GETADDR ? sizeof(struct ifaddrmsg) :
					       sizeof(struct rtmsg)) = (uint8_t)family;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int left = (int)n;

		if (n < 0) {
			err = -errno;
			goto out;
		}
		for (; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != portid)
				continue;
			if (m->nlmsg_type == NLMSG_DONE)
				goto out;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				err = e->error;
				goto out;
			}
			if (!err)
				err = cb(m, c);
		}
	}
out:
	mnl_socket_close(nl);
	return err;
}

static int snapshot(unsigned int proto, struct lines *out, int *rules, int *routes)
{
	struct dump_ctx c = { .proto = proto, .out = out };
	static const int fams[] = { AF_INET, AF_INET6 };
	int err = 0;

	for (int i = 0; i < 2 && !err; i++)
		err = dump(RTM_GETRULE, fams[i], rule_line, &c);
	for (int i = 0; i < 2 && !err; i++)
		err = dump(RTM_GETROUTE, fams[i], route_line, &c);
	if (rules)
		*rules = c.rules;
	if (routes)
		*routes = c.routes;
	return err;
}

int rt_snapshot(unsigned int proto, struct lines *out)
{
	return snapshot(proto, out, NULL, NULL);
}

int rt_count(unsigned int proto, int *rules, int *routes)
{
	return snapshot(proto, NULL, rules, routes);
}

/* A v4 prefix in host order. */
struct net4 {
	uint32_t addr;
	unsigned int plen;
};

static uint32_t mask4(unsigned int plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

/* The fewest prefixes holding exactly the same addresses (covered ones go, halves merge
 * into their parent, never into /0), as the dispatch lays its subnet rules (plan.c). */
static int collapse4(struct net4 *v, int n)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (int i = 0; i < n && !changed; i++) {
			for (int j = 0; j < n && !changed; j++) {
				uint32_t pm = mask4(v[i].plen - 1);

				if (i == j)
					continue;
				if (v[i].plen == v[j].plen && v[i].plen >= 2 && v[i].addr != v[j].addr &&
				    (v[i].addr & pm) == (v[j].addr & pm)) {
					v[i].plen--;
					v[i].addr &= pm;
				} else if (!(v[i].plen <= v[j].plen &&
					     (v[j].addr & mask4(v[i].plen)) == v[i].addr)) {
					continue;
				}
				v[j] = v[--n];
				changed = true;
			}
		}
	}
	return n;
}

/*
 * The dispatch in front of the slots (scheme.ini) for these v4 ENIs: skip the unset
 * source, each prefix of the collapsed ENI subnets (the host's own lookups: iif lo) to START, the rest to END, and the two
 * nops. The primary's addresses ("from P/32 goto END" at the first pref, only those in an
 * ENI subnet) are not known here: dispatch_skip() drops them from what the kernel holds.
 */
static int dispatch_expected(const struct eni_want *enis, int n, struct lines *out)
{
	struct net4 nets[64];
	char net[INET_ADDRSTRLEN];
	int n_nets = 0, err = 0;

	for (int i = 0; i < n && n_nets < 64; i++) {
		struct in_addr a;

		if (!enis[i].n_addrs)
			continue;
		if (inet_pton(AF_INET, enis[i].addrs[0], &a) != 1)
			return -EINVAL;
		nets[n_nets].plen = enis[i].prefixlen;
		nets[n_nets].addr = ntohl(a.s_addr) & mask4(enis[i].prefixlen);
		n_nets++;
	}
	n_nets = collapse4(nets, n_nets);
	if (!n_nets)
		return 0;
	err |= lines_add(out, "rule4 pref %u from 0.0.0.0/32 table 0 goto %u", ENID_DISPATCH_SKIP,
			 ENID_DISPATCH_END);
	for (int k = 0; k < n_nets; k++) {
		struct in_addr a = { .s_addr = htonl(nets[k].addr) };

		inet_ntop(AF_INET, &a, net, sizeof(net));
		err |= lines_add(out, "rule4 pref %u from %s/%u iif lo table 0 goto %u",
				 ENID_DISPATCH_SUBNET, net, nets[k].plen, ENID_DISPATCH_START);
	}
	err |= lines_add(out, "rule4 pref %u from all/0 table 0 goto %u", ENID_DISPATCH_REST,
			 ENID_DISPATCH_END);
	err |= lines_add(out, "rule4 pref %u from all/0 table 0 nop", ENID_DISPATCH_START);
	err |= lines_add(out, "rule4 pref %u from all/0 table 0 goto %u", ENID_DISPATCH_BARRIER,
			 ENID_DISPATCH_END);
	err |= lines_add(out, "rule4 pref %u from all/0 table 0 nop", ENID_DISPATCH_END);
	return err;
}

/* Drops the dispatch's "from <primary address> goto END" lines. */
static void dispatch_skip(struct lines *have)
{
	char head[48], tail[32];

	snprintf(head, sizeof(head), "rule4 pref %u from ", ENID_DISPATCH_SKIP);
	snprintf(tail, sizeof(tail), "/32 table 0 goto %u", ENID_DISPATCH_END);
	for (int i = 0; i < have->n;) {
		const char *l = have->v[i];
		size_t n = strlen(l), t = strlen(tail);

		if (!strncmp(l, head, strlen(head)) && n > t && !strcmp(l + n - t, tail) &&
		    strncmp(l + strlen(head), "0.0.0.0/", 8)) {
			free(have->v[i]);
			have->v[i] = have->v[--have->n];
			continue;
		}
		i++;
	}
}

int routing_exact(const struct eni_want *enis, int n, char *why, size_t len)
{
	struct lines want = { 0 }, have = { 0 };
	int err = 0;

	for (int i = 0; i < n && !err; i++)
		err = eni_expected(&enis[i], &want);
	if (!err)
		err = dispatch_expected(enis, n, &want);
	if (!err)
		err = rt_snapshot(ENID_PROTO, &have);
	if (!err)
		dispatch_skip(&have);
	if (err)
		snprintf(why, len, "reading the kernel's rules and routes: %s",
			 strerror(-err));
	else
		err = lines_diff(&want, &have, why, len);
	lines_free(&want);
	lines_free(&have);
	return err ? -1 : 0;
}

/* ---- the link itself ---- */

static int addr_line(const struct nlmsghdr *nlh, struct dump_ctx *c)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64] = { NULL };
	char a[INET6_ADDRSTRLEN];
	uint32_t flags;

	if ((int)ifa->ifa_index != c->ifindex || ifa->ifa_family != AF_INET)
		return 0;
	mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, tb);
	flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	return lines_add(c->out, "addr %s/%u%s", ntop(AF_INET, tb[IFA_LOCAL] ?
			 tb[IFA_LOCAL] : tb[IFA_ADDRESS], a, sizeof(a)),
			 ifa->ifa_prefixlen,
			 flags & IFA_F_NOPREFIXROUTE ? " noprefixroute" : "");
}

static int addr_dump(int ifindex, struct lines *out)
{
	struct dump_ctx c = { .ifindex = ifindex, .out = out };

	return dump(RTM_GETADDR, AF_INET, addr_line, &c);
}

static int sysfs_int(const char *fmt, const char *ifname, long *v)
{
	char path[128], text[64];
	int err;

	snprintf(path, sizeof(path), fmt, ifname);
	err = read_text_file(path, text, sizeof(text));
	if (err)
		return err;
	*v = strtol(text, NULL, 0);
	return 0;
}

int eni_link_check(const struct eni_want *e, char *why, size_t len)
{
	struct lines want = { 0 }, have = { 0 };
	int ifindex = (int)if_nametoindex(e->ifname);
	long flags = 0, ign = -1, ann = -1;
	int err;

	if (!ifindex) {
		snprintf(why, len, "%s: no such link", e->ifname);
		return -1;
	}
	if (sysfs_int("/sys/class/net/%s/flags", e->ifname, &flags) ||
	    !(flags & 1)) {
		snprintf(why, len, "%s is not up", e->ifname);
		return -1;
	}
	if (sysfs_int("/proc/sys/net/ipv4/conf/%s/arp_ignore", e->ifname, &ign) ||
	    sysfs_int("/proc/sys/net/ipv4/conf/%s/arp_announce", e->ifname, &ann) ||
	    ign != 1 || ann != 2) {
		snprintf(why, len, "%s: arp_ignore %ld arp_announce %ld, want 1 and 2",
			 e->ifname, ign, ann);
		return -1;
	}
	for (int i = 0; i < e->n_addrs; i++)
		lines_add(&want, "addr %s/%u noprefixroute", e->addrs[i], e->prefixlen);
	err = addr_dump(ifindex, &have);
	if (err) {
		snprintf(why, len, "%s: reading addresses: %s", e->ifname, strerror(-err));
		err = -1;
	} else if (lines_diff(&want, &have, why, len)) {
		err = -1;
	}
	lines_free(&want);
	lines_free(&have);
	return err;
}

/* ---- a rule and a route that are not ours ---- */

static int request(struct nlmsghdr *nlh)
{
	char buf[4096] __attribute__((aligned(8)));
	struct mnl_socket *nl;
	int err = 0;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)mono_ns();
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
	} else {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;

		if (n < 0)
			err = -errno;
		else if (m->nlmsg_type == NLMSG_ERROR)
			err = ((const struct nlmsgerr *)mnl_nlmsg_get_payload(m))->error;
	}
	mnl_socket_close(nl);
	return err;
}

static int foreign_rule(uint16_t type, uint16_t flags)
{
	char buf[512] __attribute__((aligned(8))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fib_rule_hdr *h;
	struct in_addr a;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	h = mnl_nlmsg_put_extra_header(nlh, sizeof(*h));
	h->family = AF_INET;
	h->src_len = 32;
	h->action = FR_ACT_TO_TBL;
	inet_pton(AF_INET, "192.0.2.55", &a);
	mnl_attr_put(nlh, FRA_SRC, sizeof(a), &a);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, FOREIGN_PREF);
	mnl_attr_put_u32(nlh, FRA_TABLE, FOREIGN_TABLE);
	mnl_attr_put_u8(nlh, FRA_PROTOCOL, RTPROT_STATIC);
	return request(nlh);
}

static int foreign_route(uint16_t type, uint16_t flags)
{
	char buf[512] __attribute__((aligned(8))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *r;
	struct in_addr a;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->rtm_family = AF_INET;
	r->rtm_dst_len = 24;
	r->rtm_table = RT_TABLE_UNSPEC;
	r->rtm_protocol = RTPROT_STATIC;
	r->rtm_scope = RT_SCOPE_LINK;
	r->rtm_type = RTN_UNICAST;
	inet_pton(AF_INET, "192.0.2.0", &a);
	mnl_attr_put(nlh, RTA_DST, sizeof(a), &a);
	mnl_attr_put_u32(nlh, RTA_TABLE, FOREIGN_TABLE);
	mnl_attr_put_u32(nlh, RTA_OIF, if_nametoindex("lo"));
	return request(nlh);
}

int foreign_add(void)
{
	int err;

	foreign_del();
	err = foreign_rule(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL);
	if (!err)
		err = foreign_route(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	return err;
}

int foreign_count(int *rules, int *routes)
{
	struct lines have = { 0 };
	int err = rt_snapshot(RTPROT_STATIC, &have);

	*rules = *routes = 0;
	for (int i = 0; !err && i < have.n; i++) {
		if (strstr(have.v[i], "rule4 pref 555 from 192.0.2.55/32 table 555"))
			(*rules)++;
		if (strstr(have.v[i], "route4 table 555 192.0.2.0/24 dev lo"))
			(*routes)++;
	}
	lines_free(&have);
	return err;
}

void foreign_del(void)
{
	while (!foreign_rule(RTM_DELRULE, 0))
		;
	while (!foreign_route(RTM_DELROUTE, 0))
		;
}

int rt_flush(unsigned int proto)
{
	struct dump_ctx c = { .proto = proto, .keep = true };
	static const int fams[] = { AF_INET, AF_INET6 };
	int err = 0, done = 0;

	for (int i = 0; i < 2 && !err; i++)
		err = dump(RTM_GETRULE, fams[i], rule_line, &c);
	for (int i = 0; i < 2 && !err; i++)
		err = dump(RTM_GETROUTE, fams[i], route_line, &c);
	if (!err && c.nmsgs < 0)
		err = -ENOMEM;
	for (int i = 0; i < c.nmsgs; i++) {
		struct nlmsghdr *m = c.msgs[i];

		m->nlmsg_type = m->nlmsg_type == RTM_NEWRULE ? RTM_DELRULE : RTM_DELROUTE;
		m->nlmsg_flags = 0;
		if (!err && !request(m))
			done++;
		free(m);
	}
	free(c.msgs);
	return err ? err : done;
}
