// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the rtnetlink dump readers: one input is one datagram of a
 * link, address, route or rule dump (seeds: real dumps, tests/fuzz/capture.sh). It is
 * walked with nl_walk_next as enid's receive loops do; each message goes to its
 * rtnl_parse_*() and what parses goes into a kstate snapshot (kstate_add_*, the
 * foreign-occupant tracking, the ownership classifiers) under the default config, as
 * the applier and kwatch use them. Promises checked (abort() otherwise): names end
 * inside their fields, MACs fit, a parsed route can be deleted exactly as read (the
 * request fits RTNL_MSG_MAX) and the request parses back to the same route.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "kstate.h"
#include "nl_msg.h"
#include "fuzz.h"

static void one(const struct nlmsghdr *nlh, struct kstate *ks, const struct enid_config *cfg)
{
	char req[RTNL_MSG_MAX], why[128];
	const struct nlmsghdr *del;
	struct klink l;
	struct kaddr a;
	struct kroute r, r2;
	struct krule u;
	unsigned int slot;
	bool add;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (rtnl_parse_link(nlh, &l) == 0) {
			check(l.ifindex > 0);
			check(memchr(l.ifname, '\0', sizeof(l.ifname)) != NULL);
			check(memchr(l.kind, '\0', sizeof(l.kind)) != NULL);
			check(l.mac_len <= sizeof(l.mac));
		}
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (rtnl_parse_addr(nlh, &a) == 0) {
			(void)kstate_add_addr(ks, &a);
		}
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (rtnl_parse_route(nlh, &r) != 0)
			break;
		add = nlh->nlmsg_type == RTM_NEWROUTE;
		(void)kstate_add_route(ks, cfg, &r);
		(void)kstate_foreign_route(ks, cfg, &r, add);
		(void)kroute_classify(cfg, &r, &slot);
		(void)kroute_of_link(cfg, &r, 1, r.r.oif);
		del = rtnl_build_delroute_k(req, sizeof(req), 1, &r);
		check(del != NULL);
		check(rtnl_parse_route(del, &r2) == 0);
		check(r2.type == r.type && r2.tos == r.tos && r2.r.family == r.r.family &&
		      r2.r.table == r.r.table && r2.r.metric == r.r.metric &&
		      r2.r.protocol == r.r.protocol);
		break;
	case RTM_NEWRULE:
	case RTM_DELRULE:
		if (rtnl_parse_rule(nlh, &u) != 0)
			break;
		add = nlh->nlmsg_type == RTM_NEWRULE;
		(void)kstate_add_rule(ks, cfg, &u);
		(void)kstate_foreign_rule(ks, cfg, &u, add);
		(void)krule_slot(cfg, &u);
		(void)krule_of_slot(cfg, &u, 1);
		(void)kstate_slot_foreign(ks, cfg, 1, why, sizeof(why));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size), why[128];
	struct kstate ks = {0}, copy = {0};
	const struct nlmsghdr *nlh;
	struct enid_config cfg;
	struct nl_walk w;

	if (!buf)
		return 0;
	config_defaults(&cfg);
	nl_walk_init(&w, buf, size);
	while ((nlh = nl_walk_next(&w)))
		one(nlh, &ks, &cfg);
	(void)kstate_foreign_copy(&copy, &cfg, &ks);
	for (unsigned int s = 1; s <= 3; s++)
		(void)kstate_slot_foreign(&copy, &cfg, s, why, sizeof(why));
	kstate_reset(&ks);
	kstate_free(&ks);
	kstate_free(&copy);
	free(buf);
	return 0;
}
