// SPDX-License-Identifier: GPL-2.0
/* rtnetlink requests the applier sends and dump replies it reads (daemon/rtnl_msg.c). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "kselftest_harness.h"
#include "rtnl_msg.h"

#define BUFSZ 1024

#ifndef IFA_PROTO
#define IFA_PROTO 11
#endif

/* "a.b.c.d", "a.b.c.d/n" or a default "0.0.0.0/0" / "::/0" (the parser wants n >= 1). */
static struct enid_ip ip(const char *s)
{
	const char *slash = strchr(s, '/');
	struct enid_ip out;
	char addr[64];

	memset(&out, 0, sizeof(out));
	if (slash && !strcmp(slash, "/0")) {
		snprintf(addr, sizeof(addr), "%.*s", (int)(slash - s), s);
		if (!enid_ip_parse(addr, false, &out))
			abort();
		out.prefixlen = 0;
		return out;
	}
	if (!enid_ip_parse(s, slash != NULL, &out))
		abort();
	return out;
}

/* The attribute of that type after a fixed header of hdrlen, or NULL. */
static const struct nlattr *find_attr(const struct nlmsghdr *nlh, size_t hdrlen, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, hdrlen) if (mnl_attr_get_type(a) == type) return a;
	return NULL;
}

static uint32_t attr_u32_or(const struct nlmsghdr *nlh, size_t hdrlen, uint16_t type, uint32_t dflt)
{
	const struct nlattr *a = find_attr(nlh, hdrlen, type);

	return a ? mnl_attr_get_u32(a) : dflt;
}

static struct plan_route route(int family, uint32_t table, const char *dst, const char *gw,
			       const char *src, uint32_t metric, uint8_t scope)
{
	struct plan_route r;

	memset(&r, 0, sizeof(r));
	r.family = family;
	r.table = table;
	r.dst = ip(dst);
	if (gw)
		r.gateway = ip(gw);
	if (src)
		r.prefsrc = ip(src);
	r.metric = metric;
	r.scope = scope;
	r.protocol = ENID_RTPROT;
	r.oif = 7;
	return r;
}

static struct plan_rule rule(const char *src, uint32_t pref, uint32_t table, int suppress)
{
	struct plan_rule r;

	memset(&r, 0, sizeof(r));
	r.src = ip(src);
	r.family = r.src.family;
	r.pref = pref;
	r.table = table;
	r.suppress_prefixlength = suppress;
	r.protocol = ENID_RTPROT;
	return r;
}

TEST(setlink_up_and_mtu)
{
	uint64_t buf[BUFSZ / 8];
	struct nlmsghdr *nlh = rtnl_build_setlink(buf, sizeof(buf), 5, 7, true, 9000);
	const struct ifinfomsg *ifi;

	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(RTM_NEWLINK, nlh->nlmsg_type);
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_ACK, nlh->nlmsg_flags);
	EXPECT_EQ(5, nlh->nlmsg_seq);
	ifi = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(7, ifi->ifi_index);
	EXPECT_EQ(IFF_UP, ifi->ifi_change);
	EXPECT_EQ(IFF_UP, ifi->ifi_flags);
	EXPECT_EQ(9000, attr_u32_or(nlh, sizeof(*ifi), IFLA_MTU, 0));

	/* mtu 0 = keep: no IFLA_MTU at all */
	nlh = rtnl_build_setlink(buf, sizeof(buf), 6, 7, true, 0);
	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(NULL, find_attr(nlh, sizeof(*ifi), IFLA_MTU));
}

TEST(newaddr_v4_roundtrip)
{
	uint64_t buf[BUFSZ / 8];
	struct plan_addr a = {.ip = ip("10.0.0.10/24"), .flags = IFA_F_NOPREFIXROUTE};
	struct nlmsghdr *nlh = rtnl_build_addr(buf, sizeof(buf), 9, RTM_NEWADDR, 7, &a);
	const struct ifaddrmsg *ifa;
	const struct nlattr *local;
	struct kaddr k;

	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(RTM_NEWADDR, nlh->nlmsg_type);
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, nlh->nlmsg_flags);
	ifa = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(AF_INET, ifa->ifa_family);
	EXPECT_EQ(24, ifa->ifa_prefixlen);
	EXPECT_EQ(7, ifa->ifa_index);
	local = find_attr(nlh, sizeof(*ifa), IFA_LOCAL);
	ASSERT_NE(NULL, local);
	EXPECT_EQ(4, mnl_attr_get_payload_len(local));
	EXPECT_EQ(0, memcmp(a.ip.bytes, mnl_attr_get_payload(local), 4));
	EXPECT_NE(NULL, find_attr(nlh, sizeof(*ifa), IFA_ADDRESS));
	EXPECT_EQ(IFA_F_NOPREFIXROUTE, attr_u32_or(nlh, sizeof(*ifa), IFA_FLAGS, 0));
	ASSERT_NE(NULL, find_attr(nlh, sizeof(*ifa), IFA_PROTO));
	EXPECT_EQ(ENID_RTPROT, mnl_attr_get_u8(find_attr(nlh, sizeof(*ifa), IFA_PROTO)));

	/* what a dump of it would read back */
	ASSERT_EQ(0, rtnl_parse_addr(nlh, &k));
	EXPECT_EQ(7, k.ifindex);
	EXPECT_EQ(ENID_RTPROT, k.proto);
	EXPECT_EQ(IFA_F_NOPREFIXROUTE, k.a.flags);
	EXPECT_EQ(AF_INET, k.a.ip.family);
	EXPECT_EQ(24, k.a.ip.prefixlen);
	EXPECT_TRUE(enid_ip_same_addr(&a.ip, &k.a.ip));
}

TEST(newaddr_v6_nodad_and_deladdr)
{
	uint64_t buf[BUFSZ / 8];
	struct plan_addr a = {.ip = ip("2001:db8::10/64"),
			      .flags = IFA_F_NOPREFIXROUTE | IFA_F_NODAD};
	struct nlmsghdr *nlh = rtnl_build_addr(buf, sizeof(buf), 1, RTM_NEWADDR, 3, &a);
	const struct ifaddrmsg *ifa;
	struct kaddr k;

	ASSERT_NE(NULL, nlh);
	ifa = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(AF_INET6, ifa->ifa_family);
	EXPECT_EQ(64, ifa->ifa_prefixlen);
	EXPECT_EQ(IFA_F_NOPREFIXROUTE | IFA_F_NODAD, attr_u32_or(nlh, sizeof(*ifa), IFA_FLAGS, 0));
	ASSERT_EQ(0, rtnl_parse_addr(nlh, &k));
	EXPECT_EQ(16, enid_ip_len(k.a.ip.family));
	EXPECT_TRUE(enid_ip_same_addr(&a.ip, &k.a.ip));

	/* a delete names the address only: no create flags, flags or protocol */
	nlh = rtnl_build_addr(buf, sizeof(buf), 2, RTM_DELADDR, 3, &a);
	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(RTM_DELADDR, nlh->nlmsg_type);
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_ACK, nlh->nlmsg_flags);
	EXPECT_EQ(NULL, find_attr(nlh, sizeof(*ifa), IFA_FLAGS));
	EXPECT_EQ(NULL, find_attr(nlh, sizeof(*ifa), IFA_PROTO));
	EXPECT_NE(NULL, find_attr(nlh, sizeof(*ifa), IFA_LOCAL));
}

TEST(newroute_table_above_255_roundtrip)
{
	uint64_t buf[BUFSZ / 8];
	struct plan_route r =
		route(AF_INET, 1001, "10.0.0.0/24", NULL, "10.0.0.10", 0, RT_SCOPE_LINK);
	struct nlmsghdr *nlh = rtnl_build_route(buf, sizeof(buf), 3, RTM_NEWROUTE, &r);
	const struct rtmsg *rtm;
	struct kroute k;

	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(RTM_NEWROUTE, nlh->nlmsg_type);
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, nlh->nlmsg_flags);
	rtm = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(RT_TABLE_UNSPEC, rtm->rtm_table); /* u8: the real table is RTA_TABLE */
	EXPECT_EQ(1001, attr_u32_or(nlh, sizeof(*rtm), RTA_TABLE, 0));
	EXPECT_EQ(ENID_RTPROT, rtm->rtm_protocol);
	EXPECT_EQ(RT_SCOPE_LINK, rtm->rtm_scope);
	EXPECT_EQ(RTN_UNICAST, rtm->rtm_type);
	EXPECT_EQ(24, rtm->rtm_dst_len);
	EXPECT_EQ(NULL, find_attr(nlh, sizeof(*rtm), RTA_PRIORITY)); /* metric 0: not sent */
	EXPECT_EQ(NULL, find_attr(nlh, sizeof(*rtm), RTA_GATEWAY));
	EXPECT_EQ(7, attr_u32_or(nlh, sizeof(*rtm), RTA_OIF, 0));

	ASSERT_EQ(0, rtnl_parse_route(nlh, &k));
	EXPECT_EQ(AF_INET, k.r.family);
	EXPECT_EQ(1001, k.r.table);
	EXPECT_EQ(24, k.r.dst.prefixlen);
	EXPECT_TRUE(enid_ip_same_addr(&r.dst, &k.r.dst));
	EXPECT_TRUE(enid_ip_same_addr(&r.prefsrc, &k.r.prefsrc));
	EXPECT_EQ(0, k.r.gateway.family);
	EXPECT_EQ(7, k.r.oif);
	EXPECT_EQ(ENID_RTPROT, k.r.protocol);
	EXPECT_EQ(RT_SCOPE_LINK, k.r.scope);
	EXPECT_EQ(RTN_UNICAST, k.type);
}

TEST(main_table_metric_and_v6_default)
{
	uint64_t buf[BUFSZ / 8];
	struct plan_route r = route(AF_INET, RT_TABLE_MAIN, "10.0.0.0/24", NULL, "10.0.0.10", 2001,
				    RT_SCOPE_LINK);
	struct nlmsghdr *nlh = rtnl_build_route(buf, sizeof(buf), 3, RTM_NEWROUTE, &r);
	const struct rtmsg *rtm;
	struct kroute k;

	ASSERT_NE(NULL, nlh);
	rtm = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(RT_TABLE_MAIN, rtm->rtm_table);
	EXPECT_EQ(2001, attr_u32_or(nlh, sizeof(*rtm), RTA_PRIORITY, 0));

	r = route(AF_INET6, 1002, "::/0", "fe80::1", NULL, 1024, RT_SCOPE_UNIVERSE);
	nlh = rtnl_build_route(buf, sizeof(buf), 4, RTM_NEWROUTE, &r);
	ASSERT_NE(NULL, nlh);
	rtm = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(AF_INET6, rtm->rtm_family);
	EXPECT_EQ(0, rtm->rtm_dst_len);
	EXPECT_EQ(NULL, find_attr(nlh, sizeof(*rtm), RTA_DST)); /* default: no RTA_DST */
	EXPECT_EQ(NULL, find_attr(nlh, sizeof(*rtm), RTA_PREFSRC));
	ASSERT_EQ(0, rtnl_parse_route(nlh, &k));
	EXPECT_EQ(AF_INET6, k.r.gateway.family);
	EXPECT_EQ(128, k.r.gateway.prefixlen);
	EXPECT_TRUE(enid_ip_same_addr(&r.gateway, &k.r.gateway));
	EXPECT_EQ(0, k.r.dst.prefixlen);
	EXPECT_EQ(1024, k.r.metric);
}

TEST(delroute_matches_any_scope)
{
	uint64_t buf[BUFSZ / 8];
	struct plan_route r =
		route(AF_INET, 1001, "0.0.0.0/0", "10.0.0.253", NULL, 0, RT_SCOPE_UNIVERSE);
	struct nlmsghdr *nlh = rtnl_build_route(buf, sizeof(buf), 8, RTM_DELROUTE, &r);
	struct kroute k = {.r = r, .type = RTN_UNICAST};
	const struct rtmsg *rtm;

	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(RTM_DELROUTE, nlh->nlmsg_type);
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_ACK, nlh->nlmsg_flags);
	rtm = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(RT_SCOPE_NOWHERE, rtm->rtm_scope);
	EXPECT_EQ(ENID_RTPROT, rtm->rtm_protocol); /* only ever deletes our own */

	k.r.table = 1001;
	nlh = rtnl_build_delroute_k(buf, sizeof(buf), 9, &k);
	ASSERT_NE(NULL, nlh);
	rtm = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(RT_SCOPE_NOWHERE, rtm->rtm_scope);
	EXPECT_EQ(RTN_UNICAST, rtm->rtm_type);
	EXPECT_EQ(1001, attr_u32_or(nlh, sizeof(*rtm), RTA_TABLE, 0));
	EXPECT_NE(NULL, find_attr(nlh, sizeof(*rtm), RTA_GATEWAY));
}

TEST(newrule_suppress_and_tables)
{
	uint64_t buf[BUFSZ / 8];
	struct plan_rule r = rule("10.0.0.10", 10003, 1001, 0);
	struct nlmsghdr *nlh = rtnl_build_rule(buf, sizeof(buf), 11, RTM_NEWRULE, &r);
	const struct fib_rule_hdr *frh;
	struct krule k;

	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(RTM_NEWRULE, nlh->nlmsg_type);
	/* EXCL: without it the kernel adds a duplicate rule */
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, nlh->nlmsg_flags);
	frh = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(AF_INET, frh->family);
	EXPECT_EQ(32, frh->src_len);
	EXPECT_EQ(FR_ACT_TO_TBL, frh->action);
	EXPECT_EQ(RT_TABLE_UNSPEC, frh->table);
	EXPECT_EQ(1001, attr_u32_or(nlh, sizeof(*frh), FRA_TABLE, 0));
	EXPECT_EQ(10003, attr_u32_or(nlh, sizeof(*frh), FRA_PRIORITY, 0));
	EXPECT_EQ(0, attr_u32_or(nlh, sizeof(*frh), FRA_SUPPRESS_PREFIXLEN, 99));
	ASSERT_NE(NULL, find_attr(nlh, sizeof(*frh), FRA_PROTOCOL));
	EXPECT_EQ(ENID_RTPROT, mnl_attr_get_u8(find_attr(nlh, sizeof(*frh), FRA_PROTOCOL)));

	ASSERT_EQ(0, rtnl_parse_rule(nlh, &k));
	EXPECT_EQ(10003, k.r.pref);
	EXPECT_EQ(1001, k.r.table);
	EXPECT_EQ(0, k.r.suppress_prefixlength);
	EXPECT_EQ(ENID_RTPROT, k.r.protocol);
	EXPECT_EQ(32, k.r.src.prefixlen);
	EXPECT_TRUE(enid_ip_same_addr(&r.src, &k.r.src));
	EXPECT_FALSE(k.other_selectors);

	/* k=2: no suppress attribute; the guard rule looks up main (fits the u8) */
	r = rule("2001:db8::10", 10005, 1001, -1);
	nlh = rtnl_build_rule(buf, sizeof(buf), 12, RTM_NEWRULE, &r);
	ASSERT_NE(NULL, nlh);
	frh = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(AF_INET6, frh->family);
	EXPECT_EQ(128, frh->src_len);
	EXPECT_EQ(NULL, find_attr(nlh, sizeof(*frh), FRA_SUPPRESS_PREFIXLEN));
	EXPECT_EQ(NULL, find_attr(nlh, sizeof(*frh), FRA_IIFNAME));
	ASSERT_EQ(0, rtnl_parse_rule(nlh, &k));
	EXPECT_EQ(-1, k.r.suppress_prefixlength);
	EXPECT_FALSE(k.r.iif_lo);

	/* the dispatch's "from <subnet> iif lo goto START" */
	r = rule("10.0.0.0", 10000, 0, -1);
	r.src.prefixlen = 24;
	r.action = FR_ACT_GOTO;
	r.goto_pref = 10002;
	r.iif_lo = true;
	nlh = rtnl_build_rule(buf, sizeof(buf), 14, RTM_NEWRULE, &r);
	ASSERT_NE(NULL, nlh);
	ASSERT_NE(NULL, find_attr(nlh, sizeof(struct fib_rule_hdr), FRA_IIFNAME));
	EXPECT_STREQ("lo", mnl_attr_get_str(find_attr(nlh, sizeof(struct fib_rule_hdr),
						       FRA_IIFNAME)));
	ASSERT_EQ(0, rtnl_parse_rule(nlh, &k));
	EXPECT_TRUE(k.r.iif_lo);
	EXPECT_FALSE(k.other_selectors);

	r = rule("10.0.0.10", 10004, RT_TABLE_MAIN, 0);
	nlh = rtnl_build_rule(buf, sizeof(buf), 13, RTM_DELRULE, &r);
	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(RTM_DELRULE, nlh->nlmsg_type);
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_ACK, nlh->nlmsg_flags);
	frh = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(RT_TABLE_MAIN, frh->table);
}

TEST(too_small_buffer_is_null)
{
	uint64_t buf[BUFSZ / 8];
	struct plan_rule r = rule("2001:db8::10", 10005, 1001, 0);
	struct plan_route rt =
		route(AF_INET6, 1001, "2001:db8::/64", "fe80::1", NULL, 1024, RT_SCOPE_UNIVERSE);
	struct plan_addr a = {.ip = ip("2001:db8::10/64")};

	EXPECT_EQ(NULL, rtnl_build_rule(buf, 40, 1, RTM_NEWRULE, &r));
	EXPECT_EQ(NULL, rtnl_build_route(buf, 48, 1, RTM_NEWROUTE, &rt));
	EXPECT_EQ(NULL, rtnl_build_addr(buf, 40, 1, RTM_NEWADDR, 1, &a));
	EXPECT_EQ(NULL, rtnl_build_setlink(buf, 8, 1, 1, true, 0));
	/* every builder fits RTNL_MSG_MAX, the room the applier gives each */
	EXPECT_NE(NULL, rtnl_build_rule(buf, RTNL_MSG_MAX, 1, RTM_NEWRULE, &r));
	EXPECT_NE(NULL, rtnl_build_route(buf, RTNL_MSG_MAX, 1, RTM_NEWROUTE, &rt));
	EXPECT_NE(NULL, rtnl_build_addr(buf, RTNL_MSG_MAX, 1, RTM_NEWADDR, 1, &a));
}

TEST(bad_family_is_refused)
{
	uint64_t buf[BUFSZ / 8];
	struct plan_rule r = rule("10.0.0.1", 1, 1, -1);
	struct plan_route rt = route(AF_INET, 1, "10.0.0.0/8", NULL, NULL, 0, 0);
	struct plan_addr a = {.ip = ip("10.0.0.1/8")};

	r.family = AF_PACKET;
	rt.family = 0;
	a.ip.family = AF_UNIX;
	EXPECT_EQ(NULL, rtnl_build_rule(buf, sizeof(buf), 1, RTM_NEWRULE, &r));
	EXPECT_EQ(NULL, rtnl_build_route(buf, sizeof(buf), 1, RTM_NEWROUTE, &rt));
	EXPECT_EQ(NULL, rtnl_build_addr(buf, sizeof(buf), 1, RTM_NEWADDR, 1, &a));
}

TEST(dump_requests_as_strict_kernels_want)
{
	uint64_t buf[BUFSZ / 8];
	struct nlmsghdr *nlh;
	const struct rtmsg *rtm;
	const struct fib_rule_hdr *frh;
	const struct ifaddrmsg *ifa;

	nlh = rtnl_build_dump_routes(buf, sizeof(buf), 1, AF_INET6, 1001, ENID_RTPROT);
	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(RTM_GETROUTE, nlh->nlmsg_type);
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_DUMP, nlh->nlmsg_flags);
	rtm = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(AF_INET6, rtm->rtm_family);
	EXPECT_EQ(ENID_RTPROT, rtm->rtm_protocol);
	EXPECT_EQ(0, rtm->rtm_dst_len + rtm->rtm_src_len + rtm->rtm_tos + rtm->rtm_scope);
	EXPECT_EQ(1001, attr_u32_or(nlh, sizeof(*rtm), RTA_TABLE, 0));
	nlh = rtnl_build_dump_routes(buf, sizeof(buf), 1, AF_INET, 0, 0);
	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(NULL, find_attr(nlh, sizeof(*rtm), RTA_TABLE));

	nlh = rtnl_build_dump_rules(buf, sizeof(buf), 2, AF_UNSPEC);
	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(RTM_GETRULE, nlh->nlmsg_type);
	frh = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(0, frh->table + frh->action + frh->src_len + frh->dst_len + frh->flags);
	EXPECT_EQ(mnl_nlmsg_size(sizeof(*frh)), nlh->nlmsg_len); /* no attributes */

	nlh = rtnl_build_dump_addrs(buf, sizeof(buf), 3, AF_INET, 7);
	ASSERT_NE(NULL, nlh);
	ifa = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(7, ifa->ifa_index);
	EXPECT_EQ(0, ifa->ifa_prefixlen + ifa->ifa_flags + ifa->ifa_scope);

	nlh = rtnl_build_dump_links(buf, sizeof(buf), 4);
	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(RTM_GETLINK, nlh->nlmsg_type);
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_DUMP, nlh->nlmsg_flags);
}

/* Dump replies made by hand, as the kernel writes them. */
static struct nlmsghdr *reply(void *buf, uint16_t type, size_t hdrlen, void **hdr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	*hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

TEST(parse_link_with_kind_and_unknown_attrs)
{
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x0a};
	uint64_t buf[BUFSZ / 8];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = reply(buf, RTM_NEWLINK, sizeof(*ifi), (void **)&ifi);
	struct nlattr *li;
	struct klink k;

	ifi->ifi_index = 9;
	ifi->ifi_flags = IFF_UP | IFF_BROADCAST;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eni1");
	mnl_attr_put_u32(nlh, 999, 1); /* from a newer kernel: skipped */
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	mnl_attr_nest_end(nlh, li);
	ASSERT_EQ(0, rtnl_parse_link(nlh, &k));
	EXPECT_EQ(9, k.ifindex);
	EXPECT_STREQ("eni1", k.ifname);
	EXPECT_EQ(6, k.mac_len);
	EXPECT_EQ(0, memcmp(mac, k.mac, 6));
	EXPECT_EQ(1500, k.mtu);
	EXPECT_STREQ("veth", k.kind);
	EXPECT_TRUE(k.flags & IFF_UP);

	nlh->nlmsg_type = RTM_DELLINK;
	ASSERT_EQ(0, rtnl_parse_link(nlh, &k));
	/* a bridge port leaving its bridge, not the link going away */
	ifi->ifi_family = AF_BRIDGE;
	EXPECT_EQ(-ENOENT, rtnl_parse_link(nlh, &k));
	ifi->ifi_family = AF_UNSPEC;
	nlh->nlmsg_type = RTM_NEWADDR;
	EXPECT_EQ(-ENOENT, rtnl_parse_link(nlh, &k));
}

TEST(parse_long_hw_address_is_not_a_mac)
{
	uint8_t ib[20] = {1};
	uint64_t buf[BUFSZ / 8];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = reply(buf, RTM_NEWLINK, sizeof(*ifi), (void **)&ifi);
	struct klink k;

	ifi->ifi_index = 4;
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(ib), ib);
	ASSERT_EQ(0, rtnl_parse_link(nlh, &k));
	EXPECT_EQ(0, k.mac_len);
}

TEST(parse_truncated_headers)
{
	uint64_t buf[BUFSZ / 8];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct klink l;
	struct kaddr a;
	struct kroute r;
	struct krule u;

	/* a header with no room for the family header after it */
	nlh->nlmsg_type = RTM_NEWLINK;
	EXPECT_EQ(-EINVAL, rtnl_parse_link(nlh, &l));
	nlh->nlmsg_type = RTM_NEWADDR;
	EXPECT_EQ(-EINVAL, rtnl_parse_addr(nlh, &a));
	nlh->nlmsg_type = RTM_NEWROUTE;
	EXPECT_EQ(-EINVAL, rtnl_parse_route(nlh, &r));
	nlh->nlmsg_type = RTM_NEWRULE;
	EXPECT_EQ(-EINVAL, rtnl_parse_rule(nlh, &u));
}

TEST(parse_bad_attribute_lengths)
{
	uint64_t buf[BUFSZ / 8];
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = reply(buf, RTM_NEWROUTE, sizeof(*rtm), (void **)&rtm);
	struct ifaddrmsg *ifa;
	struct kroute r;
	struct kaddr a;
	uint16_t short_table = 5;
	uint8_t v6[16] = {0};

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 24;
	mnl_attr_put(nlh, RTA_TABLE, sizeof(short_table), &short_table);
	EXPECT_EQ(-EINVAL, rtnl_parse_route(nlh, &r));

	nlh = reply(buf, RTM_NEWROUTE, sizeof(*rtm), (void **)&rtm);
	rtm->rtm_family = AF_INET;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(v6), v6); /* v6 bytes in a v4 route */
	EXPECT_EQ(-EINVAL, rtnl_parse_route(nlh, &r));

	/* an address message without any address */
	nlh = reply(buf, RTM_NEWADDR, sizeof(*ifa), (void **)&ifa);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	EXPECT_EQ(-EINVAL, rtnl_parse_addr(nlh, &a));

	/* families we do not route are skipped, not errors */
	nlh = reply(buf, RTM_NEWROUTE, sizeof(*rtm), (void **)&rtm);
	rtm->rtm_family = AF_BRIDGE;
	EXPECT_EQ(-ENOENT, rtnl_parse_route(nlh, &r));
}

TEST(parse_route_multipath_first_hop)
{
	uint64_t buf[BUFSZ / 8];
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = reply(buf, RTM_NEWROUTE, sizeof(*rtm), (void **)&rtm);
	struct enid_ip gw = ip("10.0.0.253");
	struct nlattr *mp, *gwa;
	struct rtnexthop *nh;
	struct kroute r;

	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = ENID_RTPROT;
	rtm->rtm_type = RTN_UNICAST;
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	nh = mnl_nlmsg_get_payload_tail(nlh);
	memset(nh, 0, sizeof(*nh));
	nh->rtnh_ifindex = 12;
	nlh->nlmsg_len += RTNH_ALIGN(sizeof(*nh));
	gwa = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, RTA_GATEWAY, 4, gw.bytes);
	nh->rtnh_len = (unsigned short)(RTNH_ALIGN(sizeof(*nh)) + mnl_attr_get_len(gwa));
	mnl_attr_nest_end(nlh, mp);
	ASSERT_EQ(0, rtnl_parse_route(nlh, &r));
	EXPECT_EQ(12, r.r.oif);
	EXPECT_EQ(AF_INET, r.r.gateway.family);
	EXPECT_TRUE(enid_ip_same_addr(&gw, &r.r.gateway));
	EXPECT_EQ(RT_TABLE_MAIN, r.r.table);
	EXPECT_EQ(0, r.r.dst.prefixlen);
}

TEST(parse_rule_other_selectors_and_from_all)
{
	uint64_t buf[BUFSZ / 8];
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh = reply(buf, RTM_NEWRULE, sizeof(*frh), (void **)&frh);
	struct krule k;

	frh->family = AF_INET;
	frh->action = FR_ACT_TO_TBL;
	frh->table = RT_TABLE_MAIN;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, 32766);
	mnl_attr_put_u32(nlh, FRA_TABLE, RT_TABLE_MAIN);
	ASSERT_EQ(0, rtnl_parse_rule(nlh, &k));
	EXPECT_EQ(32766, k.r.pref);
	EXPECT_EQ(0, k.r.src.family); /* from all */
	EXPECT_EQ(0, k.r.protocol);
	EXPECT_EQ(-1, k.r.suppress_prefixlength);
	EXPECT_FALSE(k.other_selectors);

	mnl_attr_put_u32(nlh, FRA_FWMARK, 0x10);
	ASSERT_EQ(0, rtnl_parse_rule(nlh, &k));
	EXPECT_TRUE(k.other_selectors);

	/* iif lo is a shape enid adds (the dispatch); any other iif is not */
	nlh = reply(buf, RTM_NEWRULE, sizeof(*frh), (void **)&frh);
	frh->family = AF_INET;
	frh->action = FR_ACT_GOTO;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, 10000);
	mnl_attr_put_u32(nlh, FRA_GOTO, 10002);
	mnl_attr_put_strz(nlh, FRA_IIFNAME, "lo");
	ASSERT_EQ(0, rtnl_parse_rule(nlh, &k));
	EXPECT_TRUE(k.r.iif_lo);
	EXPECT_FALSE(k.other_selectors);
	nlh = reply(buf, RTM_NEWRULE, sizeof(*frh), (void **)&frh);
	frh->family = AF_INET;
	mnl_attr_put_strz(nlh, FRA_IIFNAME, "eth0");
	ASSERT_EQ(0, rtnl_parse_rule(nlh, &k));
	EXPECT_FALSE(k.r.iif_lo);
	EXPECT_TRUE(k.other_selectors);

	/* ipmr / ip6mr rules share the dump: skipped */
	frh->family = RTNL_FAMILY_IPMR;
	EXPECT_EQ(-ENOENT, rtnl_parse_rule(nlh, &k));
}

TEST_HARNESS_MAIN
