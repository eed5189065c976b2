/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Planning: (config, link facts, addressing, slot) -> the desired kernel
 * state for one ENI. Pure: no I/O, no globals; the applier diffs it against
 * what the kernel has.
 *
 * Routing scheme (slot s = 1..255, base = rule_pref_base):
 *   table T = table_base + s
 *   for each address A (v4 and v6), at pref base+2+s:  from A goto C
 *   the slot's chain, per family it has addresses of, at C = base+259 + 4*(s-1):
 *     C+0  lookup T    suppress_prefixlength 0   (ENI subnet routes)
 *     C+1  lookup main suppress_prefixlength 0   (guard: specific main routes win)
 *     C+2  lookup T                              (the ENI's default route)
 *     C+3  goto END                              (no match: on as if no rule was here)
 *   The chain has no selector: only the address rules' gotos lead into it (the dispatch's
 *   barrier at base+258 keeps every other lookup out). One rule per address plus four per
 *   ENI and family, where three per address would do the same: fewer rules for the kernel
 *   to scan on every insert (fib_newrule) and for an ENI's own lookups to walk.
 *   table T: <subnet> dev ENI scope link; default via <gw> dev ENI;
 *            the addressing's extra routes (DHCP option 121): <dst> [via <gw>] dev ENI
 *   main:    <subnet> dev ENI scope link src <P> metric metric_base + s (after the addresses)
 *            default via <gw> dev ENI metric metric_base + s   (default_route only)
 *   addresses carry IFA_F_NOPREFIXROUTE (v6 also IFA_F_NODAD when the source vouches)
 * <subnet> is each distinct subnet among the addresses; <P> is the first address
 * (file order) of that subnet, i.e. the primary address when it is in it.
 * v6 routes have scope universe and no src (the kernel refuses a tentative
 * v6 prefsrc), and table-T v6 routes carry metric 1024 (what the kernel
 * stores for 0), so the plan equals what a dump reads back.
 * Every route and rule carries protocol ENID_RTPROT.
 *
 * In front of the slots, the dispatch (host_plan(), per family that an ENI uses), so that
 * a lookup whose source is no ENI's walks a few rules, not one per ENI address:
 *   base-1  from 0.0.0.0/32 (::/128) goto END   no source chosen yet (unbound sockets)
 *           from <P>/32 (/128) goto END         each primary address inside an ENI subnet
 *   base+0  from <N> iif lo goto START          each prefix N of the ENI subnets collapsed:
 *                                               covered ones dropped, halves merged (never
 *                                               into /0), so exactly their sources match;
 *                                               iif lo: only the host's own lookups (output,
 *                                               and the source check of received packets)
 *   base+1  goto END                            everything else (forwarded, containers)
 *   base+2  nop (START)
 *   base+3 .. base+257                          the slots' address rules, as above
 *   base+258  goto END                          the barrier: a source in an ENI subnet that
 *                                               is no ENI address goes on at END
 *   base+259 .. base+1278                       the slots' chains, as above
 *   END = base+1279  nop
 * A source in an ENI subnet reaches the slots; the primary's traffic and everyone else's
 * pays a few rules and goes on at END, where other software's rules and main follow as
 * before. A forwarded packet walks the base+0 rules twice (its lookup, then the reverse one
 * of the kernel's source check, which takes the rules' path once any rule exists): hence
 * the collapse. It never enters the slots, even from a source inside an ENI subnet (a
 * container on a bridge sharing the vSwitch's prefix): its lookup has the incoming device
 * as iif, and the slots' rules only match the ENIs' own addresses, which a forwarded
 * packet never carries as source. The dispatch exists while an ENI holds addresses.
 * What no layout removes (bench/routeprice, "lone nop"): once a namespace has held any
 * rule, every lookup goes through fib_rules_lookup and looks up local and main apart.
 */
#ifndef ENID_PLAN_H
#define ENID_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/rtnetlink.h>

#include "config.h"

#define ENID_RTPROT 222 /* rtm_protocol / FRA_PROTOCOL of all we add */

#define PLAN_MAX_ADDRS	 ENID_MAX_ADDRS
#define PLAN_CHAIN_LEN	 4 /* rules of a slot's chain, per family */
#define PLAN_MAX_RULES	 (ENID_MAX_ADDRS + 2 * PLAN_CHAIN_LEN)
#define PLAN_MAX_ROUTES	 (2 * ENID_MAX_ADDRS + 4 + ENID_MAX_ROUTES) /* + option 121's */
#define PLAN_MAX_SYSCTLS 4
#define PLAN_WHY_LEN	 128

/* What the runtime knows about a link. */
struct link_facts {
	int ifindex;
	char ifname[ENID_IFNAMSIZ];
	uint8_t mac[6];
	char driver[ENID_DRIVER_LEN];
	unsigned mtu;
	bool is_primary; /* runtime's own finding (main default route at start) */
};

#define ENID_MAX_ROUTES 16 /* extra IPv4 routes per ENI (DHCP option 121) */

/* An extra route of the ENI's: in table T only (the ENI's rules lead there). */
struct enid_route {
	struct enid_ip dst; /* network + prefixlen, not 0/0 (that is gateway4) */
	struct enid_ip gw;  /* family 0 = on-link */
};

/* What an addressing source (static, metadata, dhcp) produces. */
struct addressing {
	struct enid_ip addrs[ENID_MAX_ADDRS]; /* [0] = primary; v4 and v6 mixed */
	unsigned n_addrs;
	struct enid_ip gateway4; /* family 0 = none */
	struct enid_ip gateway6; /* family 0 = none */
	unsigned mtu;		 /* 0 = keep */
	bool nodad;		 /* source vouches for v6: IFA_F_NODAD */
	/* extra IPv4 routes (DHCP option 121), table T only */
	struct enid_route routes[ENID_MAX_ROUTES];
	unsigned n_routes;
};

struct plan_addr {
	struct enid_ip ip; /* address and prefixlen */
	uint32_t flags;	   /* IFA_F_NOPREFIXROUTE [| IFA_F_NODAD] */
};

struct plan_route {
	int family;
	uint32_t table;		/* T or RT_TABLE_MAIN */
	struct enid_ip dst;	/* network address + prefixlen (0/0 = default) */
	struct enid_ip gateway; /* family 0 = none (on-link) */
	struct enid_ip prefsrc; /* family 0 = none */
	uint32_t metric;	/* 0 = none (RTA_PRIORITY not sent) */
	uint8_t scope;		/* RT_SCOPE_LINK or RT_SCOPE_UNIVERSE */
	uint8_t protocol;	/* ENID_RTPROT */
	int oif;		/* the ENI's ifindex */
};

struct plan_rule {
	int family;
	uint32_t pref;
	struct enid_ip src;	   /* the address, prefixlen 32 / 128; family 0 = from all */
	uint32_t table;		   /* T or RT_TABLE_MAIN; 0 for goto and nop */
	int suppress_prefixlength; /* -1 = none, else 0 */
	uint8_t protocol;	   /* ENID_RTPROT */
	uint8_t action;		   /* FR_ACT_TO_TBL (0 means the same), FR_ACT_GOTO, FR_ACT_NOP */
	uint32_t goto_pref;	   /* FR_ACT_GOTO: the target */
	bool iif_lo;		   /* iif lo: only locally generated lookups */
};

#define HOST_MAX_RULES (2 * (2 + 16) + 2 * ENID_MAX_SLOTS + 8)

/* The dispatch in front of the slots (see the scheme above). */
struct host_plan {
	struct plan_rule rules[HOST_MAX_RULES];
	unsigned n_rules;
};

struct plan_sysctl {
	char path[96]; /* under /proc/sys/, e.g. "net/ipv4/conf/eth1/arp_ignore" */
	char value[16];
};

struct plan {
	int ifindex;
	char ifname[ENID_IFNAMSIZ];
	unsigned slot;
	uint32_t table;
	uint32_t pref_addr;  /* its addresses' rules */
	uint32_t pref_chain; /* its chain: pref_chain .. + PLAN_CHAIN_LEN - 1 */
	uint32_t pref_end;   /* END, where the chain goes on when nothing matched */
	unsigned mtu;	     /* 0 = keep */
	bool up;	     /* set the link up */
	struct plan_addr addrs[PLAN_MAX_ADDRS];
	unsigned n_addrs;
	struct plan_route routes[PLAN_MAX_ROUTES];
	unsigned n_routes;
	struct plan_rule rules[PLAN_MAX_RULES];
	unsigned n_rules;
	struct plan_sysctl sysctls[PLAN_MAX_SYSCTLS];
	unsigned n_sysctls;
	char why[PLAN_WHY_LEN]; /* reason when link_plan() refuses */
};

/*
 * Plans one ENI. Returns 0 with *out filled, or -errno with out->why set:
 *   -EPERM   the link is the primary (facts->is_primary or config primary =)
 *   -EPERM   its MAC is unmanaged = yes
 *   -ENODATA no addresses
 *   -ERANGE  slot not in 1..ENID_MAX_SLOTS
 *   -EINVAL  bad addressing: bad family or prefix length, a gateway of the wrong
 *            family, or an IPv4 gateway outside every IPv4 subnet
 * Routes are only ever planned in table T and main; rules only for ENI addresses.
 * Host-length addresses (/32, /128) get no subnet route. Default routes are
 * planned only when the ENI has an address of the gateway's family.
 */
int link_plan(const struct enid_config *cfg, const struct link_facts *facts,
	      const struct addressing *addressing, unsigned slot, struct plan *out);

/*
 * The dispatch for the ENI subnets (network addresses with their prefix lengths, any
 * order, duplicates allowed) and the primary's addresses (at most 16 per family are
 * used): rules only for the families the subnets have; none when there is no subnet.
 * guard (PLAN_FAM_*): families whose barrier and END must stand even without a subnet
 * (a slot's chain of that family may be in the kernel: no lookup may fall into it).
 * -ENOSPC when there are more distinct subnets than fit (then *out holds only the barrier
 * and END of both families: every lookup walks the address rules, none the chains).
 */
int host_plan(const struct enid_config *cfg, const struct enid_ip *subnets, unsigned n_subnets,
	      const struct enid_ip *primary, unsigned n_primary, unsigned guard,
	      struct host_plan *out);
/* The dispatch's prefs: host_pref(cfg, 0) = base-1 .. 3 = base+2 (START), the barrier
 * after the address rules, and END. */
uint32_t host_pref(const struct enid_config *cfg, unsigned k);
uint32_t host_pref_barrier(const struct enid_config *cfg);
uint32_t host_pref_end(const struct enid_config *cfg);
/* A pref of the dispatch (ours when the rule has protocol ENID_RTPROT). */
bool host_pref_is(const struct enid_config *cfg, uint32_t pref);

#define PLAN_FAM_V4 1u
#define PLAN_FAM_V6 2u
/* The families of a plan's rules (PLAN_FAM_*). */
unsigned plan_families(const struct plan *p);

/* Slot arithmetic; slot must be 1..ENID_MAX_SLOTS. */
uint32_t table_for_slot(const struct enid_config *cfg, unsigned slot);
uint32_t addr_pref_for_slot(const struct enid_config *cfg, unsigned slot);
uint32_t chain_pref_for_slot(const struct enid_config *cfg, unsigned slot);
uint32_t metric_for_slot(const struct enid_config *cfg, unsigned slot);
/* Slot owning a table / rule pref, or 0 when it is none of ours (for orphan cleanup). */
unsigned slot_for_table(const struct enid_config *cfg, uint32_t table);
unsigned slot_for_pref(const struct enid_config *cfg, uint32_t pref);
unsigned slot_for_metric(const struct enid_config *cfg, uint32_t metric);

/*
 * Static addressing source: fills *out from the [MAC] section (addresses,
 * gateways, mtu, nodad = true). Returns 0, -ENOENT when there is no section,
 * -EPERM when it is unmanaged = yes.
 */
int addressing_from_config(const struct enid_config *cfg, const uint8_t mac[6],
			   struct addressing *out);

#endif /* ENID_PLAN_H */
