// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "rtnl_msg.h"

#ifndef IFA_PROTO
#define IFA_PROTO 11
#endif

static struct nlmsghdr *msg_start(void *buf, size_t len, uint32_t seq, uint16_t type,
				  uint16_t flags, size_t hdrlen, void **hdr)
{
	struct nlmsghdr *nlh;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen))
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	*hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

static bool put_ip(struct nlmsghdr *nlh, size_t len, uint16_t type, const struct enid_ip *ip)
{
	return mnl_attr_put_check(nlh, len, type, enid_ip_len(ip->family), ip->bytes);
}

struct nlmsghdr *rtnl_build_setlink(void *buf, size_t len, uint32_t seq, int ifindex, bool up,
				    unsigned int mtu)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh =
		msg_start(buf, len, seq, RTM_NEWLINK, NLM_F_ACK, sizeof(*ifi), (void **)&ifi);

	if (!nlh)
		return NULL;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (up) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = IFF_UP;
	}
	if (mtu && !mnl_attr_put_u32_check(nlh, len, IFLA_MTU, mtu))
		return NULL;
	return nlh;
}

struct nlmsghdr *rtnl_build_addr(void *buf, size_t len, uint32_t seq, uint16_t type, int ifindex,
				 const struct plan_addr *a)
{
	uint16_t flags = NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;

	if (a->ip.family != AF_INET && a->ip.family != AF_INET6)
		return NULL;
	nlh = msg_start(buf, len, seq, type, flags, sizeof(*ifa), (void **)&ifa);
	if (!nlh)
		return NULL;
	ifa->ifa_family = (uint8_t)a->ip.family;
	ifa->ifa_prefixlen = (uint8_t)a->ip.prefixlen;
	ifa->ifa_flags = (uint8_t)a->flags; /* the full set goes in IFA_FLAGS */
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	if (!put_ip(nlh, len, IFA_LOCAL, &a->ip) || !put_ip(nlh, len, IFA_ADDRESS, &a->ip))
		return NULL;
	if (type == RTM_NEWADDR) {
		if (!mnl_attr_put_u32_check(nlh, len, IFA_FLAGS, a->flags) ||
		    !mnl_attr_put_u8_check(nlh, len, IFA_PROTO, ENID_RTPROT))
			return NULL;
	}
	return nlh;
}

static struct nlmsghdr *route_msg(void *buf, size_t len, uint32_t seq, uint16_t type,
				  const struct plan_route *r, uint8_t rtype, uint8_t scope,
				  uint8_t tos)
{
	uint16_t flags = NLM_F_ACK | (type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0);
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (r->family != AF_INET && r->family != AF_INET6)
		return NULL;
	nlh = msg_start(buf, len, seq, type, flags, sizeof(*rtm), (void **)&rtm);
	if (!nlh)
		return NULL;
	rtm->rtm_family = (uint8_t)r->family;
	rtm->rtm_dst_len = (uint8_t)r->dst.prefixlen;
	rtm->rtm_tos = tos;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_scope = scope;
	rtm->rtm_type = rtype;
	if (!mnl_attr_put_u32_check(nlh, len, RTA_TABLE, r->table))
		return NULL;
	if (r->dst.prefixlen && !put_ip(nlh, len, RTA_DST, &r->dst))
		return NULL;
	if (r->gateway.family && !put_ip(nlh, len, RTA_GATEWAY, &r->gateway))
		return NULL;
	if (r->prefsrc.family && !put_ip(nlh, len, RTA_PREFSRC, &r->prefsrc))
		return NULL;
	if (r->metric && !mnl_attr_put_u32_check(nlh, len, RTA_PRIORITY, r->metric))
		return NULL;
	if (r->oif > 0 && !mnl_attr_put_u32_check(nlh, len, RTA_OIF, (uint32_t)r->oif))
		return NULL;
	return nlh;
}

struct nlmsghdr *rtnl_build_route(void *buf, size_t len, uint32_t seq, uint16_t type,
				  const struct plan_route *r)
{
	/* deletes match any scope: the kernel compares it unless it is NOWHERE */
	uint8_t scope = type == RTM_NEWROUTE ? r->scope : RT_SCOPE_NOWHERE;

	return route_msg(buf, len, seq, type, r, RTN_UNICAST, scope, 0);
}

struct nlmsghdr *rtnl_build_delroute_k(void *buf, size_t len, uint32_t seq, const struct kroute *k)
{
	return route_msg(buf, len, seq, RTM_DELROUTE, &k->r, k->type, RT_SCOPE_NOWHERE, k->tos);
}

struct nlmsghdr *rtnl_build_rule(void *buf, size_t len, uint32_t seq, uint16_t type,
				 const struct plan_rule *r)
{
	uint16_t flags = NLM_F_ACK | (type == RTM_NEWRULE ? NLM_F_CREATE | NLM_F_EXCL : 0);
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh;

	if (r->family != AF_INET && r->family != AF_INET6)
		return NULL;
	nlh = msg_start(buf, len, seq, type, flags, sizeof(*frh), (void **)&frh);
	if (!nlh)
		return NULL;
	frh->family = (uint8_t)r->family;
	frh->src_len = r->src.family ? (uint8_t)r->src.prefixlen : 0;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	frh->action = r->action ? r->action : FR_ACT_TO_TBL;
	if (!mnl_attr_put_u32_check(nlh, len, FRA_PRIORITY, r->pref) ||
	    (r->table && !mnl_attr_put_u32_check(nlh, len, FRA_TABLE, r->table)) ||
	    (frh->action == FR_ACT_GOTO &&
	     !mnl_attr_put_u32_check(nlh, len, FRA_GOTO, r->goto_pref)) ||
	    !mnl_attr_put_u8_check(nlh, len, FRA_PROTOCOL, r->protocol))
		return NULL;
	if (r->src.family && r->src.prefixlen && !put_ip(nlh, len, FRA_SRC, &r->src))
		return NULL;
	if (r->iif_lo && !mnl_attr_put_strz_check(nlh, len, FRA_IIFNAME, "lo"))
		return NULL;
	if (r->suppress_prefixlength >= 0 &&
	    !mnl_attr_put_u32_check(nlh, len, FRA_SUPPRESS_PREFIXLEN,
				    (uint32_t)r->suppress_prefixlength))
		return NULL;
	return nlh;
}

struct nlmsghdr *rtnl_build_dump_links(void *buf, size_t len, uint32_t seq)
{
	struct ifinfomsg *ifi;

	return msg_start(buf, len, seq, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi), (void **)&ifi);
}

struct nlmsghdr *rtnl_build_dump_addrs(void *buf, size_t len, uint32_t seq, int family, int ifindex)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh =
		msg_start(buf, len, seq, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa), (void **)&ifa);

	if (!nlh)
		return NULL;
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_index = (uint32_t)ifindex;
	return nlh;
}

struct nlmsghdr *rtnl_build_dump_routes(void *buf, size_t len, uint32_t seq, int family,
					uint32_t table, uint8_t protocol)
{
	struct rtmsg *rtm;
	struct nlmsghdr *nlh =
		msg_start(buf, len, seq, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm), (void **)&rtm);

	if (!nlh)
		return NULL;
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_protocol = protocol;
	if (table && !mnl_attr_put_u32_check(nlh, len, RTA_TABLE, table))
		return NULL;
	return nlh;
}

struct nlmsghdr *rtnl_build_dump_rules(void *buf, size_t len, uint32_t seq, int family)
{
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh =
		msg_start(buf, len, seq, RTM_GETRULE, NLM_F_DUMP, sizeof(*frh), (void **)&frh);

	if (!nlh)
		return NULL;
	frh->family = (uint8_t)family;
	return nlh;
}

const char *rtnl_type_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK:
		return "set link";
	case RTM_NEWADDR:
		return "add address";
	case RTM_DELADDR:
		return "delete address";
	case RTM_NEWROUTE:
		return "add route";
	case RTM_DELROUTE:
		return "delete route";
	case RTM_NEWRULE:
		return "add rule";
	case RTM_DELRULE:
		return "delete rule";
	default:
		return "request";
	}
}

/* Parsing. */

static bool get_ip(const struct nlattr *a, int family, unsigned int prefixlen, struct enid_ip *ip)
{
	unsigned int alen = enid_ip_len(family);

	if (!alen || mnl_attr_get_payload_len(a) != alen)
		return false;
	memset(ip, 0, sizeof(*ip));
	ip->family = family;
	ip->prefixlen = prefixlen;
	memcpy(ip->bytes, mnl_attr_get_payload(a), alen);
	return true;
}

static bool attr_u32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

static void copy_str(char *dst, size_t dlen, const struct nlattr *a)
{
	size_t n = mnl_attr_get_payload_len(a);
	const char *s = mnl_attr_get_payload(a);

	if (n >= dlen)
		n = dlen - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	dst[strnlen(dst, n)] = '\0';
}

int rtnl_parse_link(const struct nlmsghdr *nlh, struct klink *out)
{
	const struct ifinfomsg *ifi;
	const struct nlattr *a, *li;
	uint32_t v;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -ENOENT;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	/* AF_BRIDGE messages are about bridge ports: RTM_DELLINK there is a port leaving */
	if (ifi->ifi_family != AF_UNSPEC)
		return -ENOENT;
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	mnl_attr_for_each(a, nlh, sizeof(*ifi))
	{
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			copy_str(out->ifname, sizeof(out->ifname), a);
			break;
		case IFLA_ADDRESS:
			if (mnl_attr_get_payload_len(a) > sizeof(out->mac))
				break; /* not Ethernet: no MAC we can match */
			out->mac_len = mnl_attr_get_payload_len(a);
			memcpy(out->mac, mnl_attr_get_payload(a), out->mac_len);
			break;
		case IFLA_MTU:
			if (!attr_u32(a, &v))
				return -EINVAL;
			out->mtu = v;
			break;
		case IFLA_LINKINFO:
			mnl_attr_for_each_nested(li, a)
			{
				if (mnl_attr_get_type(li) == IFLA_INFO_KIND)
					copy_str(out->kind, sizeof(out->kind), li);
			}
			break;
		}
	}
	return out->ifindex > 0 ? 0 : -EINVAL;
}

int rtnl_parse_addr(const struct nlmsghdr *nlh, struct kaddr *out)
{
	const struct nlattr *a, *local = NULL, *address = NULL;
	const struct ifaddrmsg *ifa;
	uint32_t v;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -ENOENT;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return -EINVAL;
	ifa = mnl_nlmsg_get_payload(nlh);
	out->ifindex = (int)ifa->ifa_index;
	out->a.flags = ifa->ifa_flags;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		switch (mnl_attr_get_type(a)) {
		case IFA_LOCAL:
			local = a;
			break;
		case IFA_ADDRESS:
			address = a;
			break;
		case IFA_FLAGS:
			if (!attr_u32(a, &v))
				return -EINVAL;
			out->a.flags = v;
			break;
		case IFA_PROTO:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				return -EINVAL;
			out->proto = mnl_attr_get_u8(a);
			break;
		}
	}
	/* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links */
	if (!local)
		local = address;
	if (!local || !get_ip(local, ifa->ifa_family, ifa->ifa_prefixlen, &out->a.ip))
		return -EINVAL;
	return 0;
}

static void parse_multipath_first(const struct nlattr *a, int family, struct plan_route *r)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);
	const struct nlattr *na;

	if (len < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > len)
		return;
	r->oif = nh->rtnh_ifindex;
	for (na = (const struct nlattr *)((const char *)nh + RTNH_LENGTH(0));
	     mnl_attr_ok(na, (int)((const char *)nh + nh->rtnh_len - (const char *)na));
	     na = mnl_attr_next(na)) {
		if (mnl_attr_get_type(na) == RTA_GATEWAY)
			get_ip(na, family, enid_ip_len(family) * 8, &r->gateway);
	}
}

int rtnl_parse_route(const struct nlmsghdr *nlh, struct kroute *out)
{
	const struct rtmsg *rtm;
	const struct nlattr *a;
	unsigned int full;
	uint32_t v;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -ENOENT;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return -EINVAL;
	rtm = mnl_nlmsg_get_payload(nlh);
	full = enid_ip_len(rtm->rtm_family) * 8;
	if (!full)
		return -ENOENT;
	out->r.family = rtm->rtm_family;
	out->r.table = rtm->rtm_table;
	out->r.scope = rtm->rtm_scope;
	out->r.protocol = rtm->rtm_protocol;
	out->type = rtm->rtm_type;
	out->tos = rtm->rtm_tos;
	/* a default route has no RTA_DST: 0/0 of the family */
	out->r.dst.family = rtm->rtm_family;
	out->r.dst.prefixlen = rtm->rtm_dst_len;
	mnl_attr_for_each(a, nlh, sizeof(*rtm))
	{
		switch (mnl_attr_get_type(a)) {
		case RTA_TABLE:
			if (!attr_u32(a, &v))
				return -EINVAL;
			out->r.table = v;
			break;
		case RTA_DST:
			if (!get_ip(a, rtm->rtm_family, rtm->rtm_dst_len, &out->r.dst))
				return -EINVAL;
			break;
		case RTA_GATEWAY:
			if (!get_ip(a, rtm->rtm_family, full, &out->r.gateway))
				return -EINVAL;
			break;
		case RTA_PREFSRC:
			if (!get_ip(a, rtm->rtm_family, full, &out->r.prefsrc))
				return -EINVAL;
			break;
		case RTA_PRIORITY:
			if (!attr_u32(a, &v))
				return -EINVAL;
			out->r.metric = v;
			break;
		case RTA_OIF:
			if (!attr_u32(a, &v))
				return -EINVAL;
			out->r.oif = (int)v;
			break;
		case RTA_MULTIPATH:
			parse_multipath_first(a, rtm->rtm_family, &out->r);
			break;
		}
	}
	return 0;
}

int rtnl_parse_rule(const struct nlmsghdr *nlh, struct krule *out)
{
	const struct fib_rule_hdr *frh;
	const struct nlattr *a;
	uint32_t v;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWRULE && nlh->nlmsg_type != RTM_DELRULE)
		return -ENOENT;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*frh))
		return -EINVAL;
	frh = mnl_nlmsg_get_payload(nlh);
	if (!enid_ip_len(frh->family))
		return -ENOENT;
	out->r.family = frh->family;
	out->r.table = frh->table;
	out->r.suppress_prefixlength = -1;
	out->r.action = frh->action;
	if (frh->dst_len || frh->tos || (frh->flags & FIB_RULE_INVERT))
		out->other_selectors = true;
	mnl_attr_for_each(a, nlh, sizeof(*frh))
	{
		switch (mnl_attr_get_type(a)) {
		case FRA_PRIORITY:
			if (!attr_u32(a, &v))
				return -EINVAL;
			out->r.pref = v;
			break;
		case FRA_TABLE:
			if (!attr_u32(a, &v))
				return -EINVAL;
			out->r.table = v;
			break;
		case FRA_SRC:
			if (!get_ip(a, frh->family, frh->src_len, &out->r.src))
				return -EINVAL;
			break;
		case FRA_SUPPRESS_PREFIXLEN:
			if (!attr_u32(a, &v))
				return -EINVAL;
			out->r.suppress_prefixlength = (int)v;
			break;
		case FRA_GOTO:
			if (!attr_u32(a, &v))
				return -EINVAL;
			out->r.goto_pref = v;
			break;
		case FRA_PROTOCOL:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				return -EINVAL;
			out->r.protocol = mnl_attr_get_u8(a);
			break;
		case FRA_IIFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return -EINVAL;
			if (strcmp(mnl_attr_get_str(a), "lo") == 0)
				out->r.iif_lo = true;
			else
				out->other_selectors = true;
			break;
		case FRA_DST:
		case FRA_OIFNAME:
		case FRA_FWMARK:
		case FRA_FWMASK:
		case FRA_UID_RANGE:
		case FRA_IP_PROTO:
		case FRA_SPORT_RANGE:
		case FRA_DPORT_RANGE:
		case FRA_L3MDEV:
		case FRA_TUN_ID:
			out->other_selectors = true;
			break;
		}
	}
	return 0;
}
