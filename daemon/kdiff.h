/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdiff: the exact rtnetlink requests that take the kernel from what it holds (a kstate
 * snapshot) to what a plan wants, and what enid may delete when a slot goes. Pure: every
 * decision about ownership is made here, from the snapshot, the config's ranges and the
 * address record; the applier only sends what it is given.
 *
 * Ownership (README "What it owns"): protocol-ENID_RTPROT rules in a slot's pref range and
 * routes in its table; main-table routes of ENID_RTPROT with the slot's metric on the
 * slot's link; addresses the record (owned.h) names for the slot. Nothing else.
 */
#ifndef ENID_KDIFF_H
#define ENID_KDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstate.h"
#include "owned.h"
#include "plan.h"

enum kreq_op {
	KREQ_SETLINK,
	KREQ_NEWADDR,
	KREQ_DELADDR,
	KREQ_NEWROUTE,
	KREQ_DELROUTE,
	KREQ_NEWRULE,
	KREQ_DELRULE,
};

/* One request. */
struct kreq {
	enum kreq_op op;
	int ifindex;  /* SETLINK, NEWADDR, DELADDR */
	bool up;      /* SETLINK */
	bool replace; /* NEWROUTE: takes the place of a stale route of ours with its key */
	unsigned int mtu;
	union {
		struct plan_addr addr;	 /* NEWADDR, DELADDR */
		struct plan_route route; /* NEWROUTE */
		struct kroute kroute;	 /* DELROUTE: as the kernel showed it */
		struct plan_rule rule;	 /* NEWRULE, DELRULE */
	};
};

struct kreqs {
	struct kreq *v;
	size_t n, cap;
	bool oom; /* a request could not be kept: the list is incomplete */
};

void kreqs_reset(struct kreqs *q);
void kreqs_free(struct kreqs *q);

/*
 * A link's plan, in the order that never lets an address answer through the primary:
 * link settings; rules; table routes (subnet before default); addresses; main routes
 * (they name an address as prefsrc); then, with a snapshot (ks, NULL for a fresh slot),
 * deletes of what is ours in the slot but not planned, addresses first. A changed address
 * is so replaced make-before-break: the new one is usable (rules, routes) before the old
 * one goes, and a route whose key stays (the main subnet route, whose prefsrc moves; a
 * default route via a new gateway) is replaced in one request, never deleted first.
 */
void kdiff_apply(const struct enid_config *cfg, const struct plan *p, const struct kstate *ks,
		 const struct owned *own, struct kreqs *out);

/* What the slot holds of ours, to delete; ifindex 0: the link is gone (the kernel took
 * its addresses and main routes with it). */
void kdiff_cleanup(const struct enid_config *cfg, const struct kstate *ks, unsigned int slot,
		   int ifindex, const struct owned *own, struct kreqs *out);

/*
 * Ours, held by no link: rules and table routes of slots not in held[], and main routes
 * with such a slot's metric on a link that had that slot (had_slot(oif, slot, ctx)).
 */
void kdiff_orphans(const struct enid_config *cfg, const struct kstate *ks,
		   const bool held[ENID_MAX_SLOTS + 1],
		   bool (*had_slot)(int oif, unsigned int slot, const void *ctx), const void *ctx,
		   struct kreqs *out);

/*
 * The dispatch in front of the slots (host_plan(), plan.h): adds of what hp wants and ks
 * lacks, END first and the catch-all last (a goto's target exists before the goto, and
 * no lookup is sent past the slots before its subnet's dispatch is in); then deletes of
 * the protocol-ENID_RTPROT rules at the dispatch's prefs that hp does not want, the
 * catch-all first. hp empty: the dispatch goes.
 */
void kdiff_host(const struct enid_config *cfg, const struct host_plan *hp, const struct kstate *ks,
		struct kreqs *out);

/* The request as a netlink message in buf, or NULL when it does not fit. */
struct nlmsghdr *kreq_build(void *buf, size_t len, uint32_t seq, const struct kreq *r);
/* "add route", "delete rule", ... for logs. */
const char *kreq_op_name(enum kreq_op op);
bool kreq_is_delete(enum kreq_op op);

#endif
