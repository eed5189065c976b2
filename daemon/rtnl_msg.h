/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtnetlink messages for the applier. Pure: builders write one message into a caller's
 * buffer (NULL when it does not fit); parsers read one dump reply into a small struct.
 * Every request is NLM_F_REQUEST | NLM_F_ACK; adds of routes and rules are
 * NLM_F_CREATE | NLM_F_EXCL (EEXIST = already there), adds of addresses
 * NLM_F_CREATE | NLM_F_REPLACE (flags converge). Routes, rules and addresses we add
 * carry protocol ENID_RTPROT (addresses through IFA_PROTO, ignored by kernels < 6.0).
 */
#ifndef ENID_RTNL_MSG_H
#define ENID_RTNL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/netlink.h>

#include "plan.h"

/* Room for any single message built here. */
#define RTNL_MSG_MAX 256

/* A link as RTM_NEWLINK / RTM_DELLINK describes it. */
struct klink {
	int ifindex;
	char ifname[IFNAMSIZ];
	uint8_t mac[6];
	unsigned int mac_len;
	unsigned int mtu;
	unsigned int flags; /* IFF_* */
	char kind[32];	    /* IFLA_INFO_KIND, "" if none */
};

/* An address as RTM_NEWADDR dumps it. */
struct kaddr {
	int ifindex;
	struct plan_addr a;
	uint8_t proto; /* IFA_PROTO, 0 when absent */
};

/* A route as RTM_NEWROUTE dumps it (first nexthop when multipath). */
struct kroute {
	struct plan_route r;
	uint8_t type; /* RTN_* */
	uint8_t tos;
};

/* A rule as RTM_NEWRULE dumps it. */
struct krule {
	struct plan_rule r;   /* r.action: FR_ACT_* as dumped */
	bool other_selectors; /* dst, iif, oif, fwmark, ...: not a shape we add */
};

/* "add route", "delete rule", ... for an RTM_* request type (logs). */
const char *rtnl_type_name(uint16_t type);

/* Requests. */
struct nlmsghdr *rtnl_build_setlink(void *buf, size_t len, uint32_t seq, int ifindex, bool up,
				    unsigned int mtu);
struct nlmsghdr *rtnl_build_addr(void *buf, size_t len, uint32_t seq, uint16_t type, int ifindex,
				 const struct plan_addr *a);
struct nlmsghdr *rtnl_build_route(void *buf, size_t len, uint32_t seq, uint16_t type,
				  const struct plan_route *r);
/* Deletes exactly the route a dump returned (type and scope as read). */
struct nlmsghdr *rtnl_build_delroute_k(void *buf, size_t len, uint32_t seq, const struct kroute *k);
struct nlmsghdr *rtnl_build_rule(void *buf, size_t len, uint32_t seq, uint16_t type,
				 const struct plan_rule *r);

/* Dumps (NLM_F_DUMP; headers kept as strict-checking kernels require). */
struct nlmsghdr *rtnl_build_dump_links(void *buf, size_t len, uint32_t seq);
struct nlmsghdr *rtnl_build_dump_addrs(void *buf, size_t len, uint32_t seq, int family,
				       int ifindex);
/* table 0 = every table; protocol 0 = every protocol. */
struct nlmsghdr *rtnl_build_dump_routes(void *buf, size_t len, uint32_t seq, int family,
					uint32_t table, uint8_t protocol);
struct nlmsghdr *rtnl_build_dump_rules(void *buf, size_t len, uint32_t seq, int family);

/* Parsers: 0, -EINVAL (malformed), -ENOENT (a message of another kind: skip it). */
int rtnl_parse_link(const struct nlmsghdr *nlh, struct klink *out);
int rtnl_parse_addr(const struct nlmsghdr *nlh, struct kaddr *out);
int rtnl_parse_route(const struct nlmsghdr *nlh, struct kroute *out);
int rtnl_parse_rule(const struct nlmsghdr *nlh, struct krule *out);

#endif
