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
/* Append copies; items without ENID_RTPROT are dropped here. 0 or -ENOMEM. */
int kstate_add_rule(struct kstate *ks, const struct krule *r);
int kstate_add_route(struct kstate *ks, const struct kroute *r);
int kstate_add_addr(struct kstate *ks, const struct kaddr *a);

/* Same rule / route / address (what the kernel compares to call it a duplicate). */
bool rule_same(const struct plan_rule *a, const struct plan_rule *b);
bool route_same(const struct plan_route *a, const struct plan_route *b);
bool addr_same(const struct plan_addr *a, const struct plan_addr *b);

/* Ownership by slot: a rule in the slot's pref range; a route in its table or, in main,
 * through its link. */
bool krule_of_slot(const struct enid_config *cfg, const struct krule *r, unsigned int slot);
bool kroute_of_link(const struct enid_config *cfg, const struct kroute *r, unsigned int slot,
		    int ifindex);

bool plan_has_rule(const struct plan *p, const struct plan_rule *r);
bool plan_has_route(const struct plan *p, const struct plan_route *r);
bool plan_has_addr(const struct plan *p, const struct plan_addr *a);

#endif
