/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sanity bounds on one ENI's addressing, checked before it is planned. The metadata
 * service is plain HTTP on the link, and a wrong [MAC] section does as much harm:
 * a subnet of 0.0.0.0/1 would beat the primary's default route for half of IPv4, an
 * address of 100.100.100.200 would cut the host off from the service, an address of
 * the primary's would send the primary's replies out of the ENI. Pure: the caller
 * gathers the primary's addresses and the other ENIs' (addressing.c), or passes no
 * host at all (config.c, at load time).
 *
 * Rules, checked in this order, the first violation reported:
 *  1. prefix: every address's prefix length (its subnet's) within the family's limits
 *     (ipv4_prefix_min..max, ipv6_prefix_min..max). A host-length address (/32,
 *     /128) has no subnet (no subnet route is planned for it) and is exempt.
 *  2. reserved: no address inside "this network" 0.0.0.0/8, loopback 127.0.0.0/8,
 *     link-local 169.254.0.0/16, the metadata service 100.100.100.200/32, multicast
 *     224.0.0.0/4, reserved 240.0.0.0/4; for IPv6 ::/128, ::1/128, v4-mapped
 *     ::ffff:0:0/96, link-local fe80::/10, multicast ff00::/8.
 *  3. inside its subnet as a host: not the subnet's network address (IPv4 up to
 *     /30, IPv6 up to /126), nor (IPv4 up to /30) its broadcast address. Then, once
 *     every address passed 2 and 3: no subnet overlapping a block of rule 2.
 *  4. host: no address equal to one of the primary's or another ENI's; no subnet
 *     overlapping one of the primary's subnets unless equal to it (on ECS an ENI may
 *     sit in the primary's vSwitch; a strict sub- or supernet would steal part of
 *     the primary's routes). The primary's host-length addresses are addresses only.
 *  5. gateways: gateway4 inside one of the ENI's IPv4 subnets and neither its
 *     network nor its broadcast address; gateway6 link-local or inside one of the
 *     ENI's IPv6 subnets; neither one an address of the ENI, the primary or another
 *     ENI, nor reserved (rule 2; IPv6 link-local excepted).
 */
#ifndef ENID_BOUNDS_H
#define ENID_BOUNDS_H

#include <stdbool.h>

#include "config.h"
#include "plan.h"

#define BOUNDS_WHY_LEN 112

/* What a host looks like to the checker; any pointer may be NULL with its count 0. */
struct bounds_host {
	const struct enid_ip *primary; /* the primary's addresses with their prefix lengths */
	unsigned n_primary;
	const struct enid_ip *others; /* other ENIs' addresses (prefix lengths ignored) */
	unsigned n_others;
};

/* Which part of the addressing was refused. */
enum bounds_attr {
	BOUNDS_ADDR,	 /* addrs[index] */
	BOUNDS_SUBNET,	 /* the subnet of addrs[index] (its prefix length) */
	BOUNDS_GATEWAY4, /* gateway4 */
	BOUNDS_GATEWAY6, /* gateway6 */
};

struct bounds_verdict {
	enum bounds_attr attr;
	unsigned index;		     /* addrs[] index for BOUNDS_ADDR and BOUNDS_SUBNET */
	char value[ENID_IP_STRLEN];  /* the refused value: "10.0.0.0/24", "100.100.100.200" */
	char reason[BOUNDS_WHY_LEN]; /* "has a prefix length /1 outside ..." */
};

/*
 * Checks a against the rules above. Returns 0, or with *v filled:
 *   -ERANGE        a prefix length outside the limits (rule 1)
 *   -EADDRNOTAVAIL a reserved address or subnet, a network or broadcast address (2, 3)
 *   -EADDRINUSE    the primary's or another ENI's address or subnet (rule 4)
 *   -EINVAL        a gateway that breaks rule 5
 */
int bounds_check(const struct addressing *a, const struct enid_prefix_limits *lim,
		 const struct bounds_host *host, struct bounds_verdict *v);

/* "address", "subnet", "gateway", "gateway6": the attribute in words. */
const char *bounds_attr_name(enum bounds_attr attr);

/* True when a and b share their first min(prefix lengths) bits (same family). */
bool bounds_overlap(const struct enid_ip *a, const struct enid_ip *b);

#endif /* ENID_BOUNDS_H */
