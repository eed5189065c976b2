/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A snapshot of what the kernel holds that carries our protocol (rules, routes,
 * addresses), and the pure comparisons the applier diffs a plan with.
 */
#ifndef ENID_KSTATE_H
#define ENID_KSTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"
#include "rtnl_msg.h"

struct kstate {
	struct krule *rules;
	size_t n_rules, cap_rules;
	struct kroute *routes;
	size_t n_routes, cap_routes;
	struct kaddr *addrs;
	size_t n_addrs, cap_addrs;
};

void kstate_reset(struct kstate *ks); /* empties, keeps the memory */
void kstate_free(struct kstate *ks);
/*
 * Append copies. Kept: rules and routes with ENID_RTPROT, and anyone's rules whose pref
 * lies in a slot's range and routes in a slot's table (to see foreign occupants); every
 * address (ownership of addresses is by record, not by IFA_PROTO, which kernels before
 * 5.18 drop). 0 or -ENOMEM.
 */
int kstate_add_rule(struct kstate *ks, const struct enid_config *cfg, const struct krule *r);
int kstate_add_route(struct kstate *ks, const struct enid_config *cfg, const struct kroute *r);
int kstate_add_addr(struct kstate *ks, const struct kaddr *a);

/*
 * The foreign occupants of our ranges, kept up to date from notifications (kwatch.c):
 * a rule by all it is; a route by family, table, destination and metric, as the kernel
 * tells routes apart (a replace overwrites). Only what another protocol holds inside a
 * slot's pref range or table is kept; the rest is ignored. 0 or -ENOMEM.
 */
int kstate_foreign_rule(struct kstate *ks, const struct enid_config *cfg, const struct krule *r,
			bool present);
int kstate_foreign_route(struct kstate *ks, const struct enid_config *cfg, const struct kroute *r,
			 bool present);
/* Copies the foreign occupants of from into ks (after a full snapshot). 0 or -ENOMEM. */
int kstate_foreign_copy(struct kstate *ks, const struct enid_config *cfg,
			const struct kstate *from);

/*
 * True when the slot's table or rule prefs hold something that is not ours (another
 * protocol): the slot is not used; why names the first such entry.
 */
bool kstate_slot_foreign(const struct kstate *ks, const struct enid_config *cfg, unsigned int slot,
			 char *why, size_t len);

/* Where a protocol-ENID_RTPROT route sits in our ranges (others are KR_FOREIGN). */
enum kroute_class {
	KR_FOREIGN, /* not ours: another protocol, or outside every range */
	KR_TABLE,   /* in the table of *slot */
	KR_MAIN,    /* main table, metric of *slot (ours only on a link that had that slot) */
};
enum kroute_class kroute_classify(const struct enid_config *cfg, const struct kroute *r,
				  unsigned int *slot);
/* The slot whose pref range holds this protocol-ENID_RTPROT rule, else 0 (not ours). */
unsigned int krule_slot(const struct enid_config *cfg, const struct krule *r);

/* Same rule / route / address. */
bool rule_same(const struct plan_rule *a, const struct plan_rule *b);
/* Same but for a goto's target: the kernel calls them duplicates (its rule_exists() and
 * rule_find() never look at the target), so one cannot be added while the other is there,
 * and a delete of one may take the other. */
bool rule_key_same(const struct plan_rule *a, const struct plan_rule *b);
bool route_same(const struct plan_route *a, const struct plan_route *b);
bool addr_same(const struct plan_addr *a, const struct plan_addr *b);

/* Ownership by slot: a rule in the slot's pref range; a route in its table or, in main,
 * through its link with the slot's metric. */
bool krule_of_slot(const struct enid_config *cfg, const struct krule *r, unsigned int slot);
bool kroute_of_link(const struct enid_config *cfg, const struct kroute *r, unsigned int slot,
		    int ifindex);

/*
 * True when the kernel holds every rule and route of the plan as ours (same object,
 * protocol ENID_RTPROT) and every address on the plan's link; else why names the first
 * missing one. An EEXIST answer is "done" only when this holds.
 */
bool kstate_has_plan(const struct kstate *ks, const struct plan *p, char *why, size_t len);

bool plan_has_rule(const struct plan *p, const struct plan_rule *r);
bool plan_has_route(const struct plan *p, const struct plan_route *r);
bool plan_has_addr(const struct plan *p, const struct plan_addr *a);

#endif
