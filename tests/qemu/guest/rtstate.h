/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel holds of enid's routing (the scheme of daemon/plan.h, as
 * tests/lib/scheme.ini states it for the tests), read back over rtnetlink and
 * compared, as text lines, with what an ENI must get:
 *   rule4 pref 10003 from 10.0.0.10/32 table 0 goto 10259
 *   rule4 pref 10259 from all/0 table 1001 suppress 0
 *   route4 table 254 10.0.0.0/24 dev enit-c0 scope link src 10.0.0.10 metric 2001
 */
#ifndef ENI_GUEST_RTSTATE_H
#define ENI_GUEST_RTSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>

/* ENID_PROTO, ENID_TABLE_BASE, ENID_PREF_BASE, ENID_METRIC_BASE and the rule and
 * route lists: generated at build time from tests/lib/scheme.ini (Makefile). */
#include "scheme.h"

/* A multiset of one-line descriptions. */
struct lines {
	char **v;
	int n, cap;
};

int lines_add(struct lines *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lines_free(struct lines *l);
/* Pure: 0 when want and have hold the same lines as many times each; else
 * -1 with why listing (some of) what is missing and what is extra. */
int lines_diff(struct lines *want, struct lines *have, char *why, size_t len);

/* One ENI as configured: IPv4 addresses in one subnet, first is primary. */
struct eni_want {
	char ifname[IFNAMSIZ];
	unsigned int slot;
	const char *addrs[4];
	int n_addrs;
	unsigned int prefixlen;
	const char *gateway;	/* NULL: no default route */
};

/* Pure: the rules and routes the ENI must have, appended to out. */
int eni_expected(const struct eni_want *e, struct lines *out);

/* Every rule and route (IPv4 and IPv6, every table) of protocol proto. */
int rt_snapshot(unsigned int proto, struct lines *out);
/* Deletes them all: how many, or -errno. */
int rt_flush(unsigned int proto);
/* Counts of those rules and routes. */
int rt_count(unsigned int proto, int *rules, int *routes);

/*
 * The kernel's rules and routes of protocol 222 are exactly those of enis[n]
 * (nothing missing, nothing extra, nothing twice). 0, or -1 with why.
 */
int routing_exact(const struct eni_want *enis, int n, char *why, size_t len);

/* The link itself: up, exactly the ENI's IPv4 addresses (each noprefixroute),
 * arp_ignore 1, arp_announce 2. 0, or -1 with why. */
int eni_link_check(const struct eni_want *e, char *why, size_t len);

/* A foreign rule (pref 555, from 192.0.2.55 lookup 555, protocol static) and
 * route (192.0.2.0/24 dev lo table 555, protocol static): added, and looked up
 * (1 each, 0 if gone). */
int foreign_add(void);
int foreign_count(int *rules, int *routes);
void foreign_del(void);

#endif
