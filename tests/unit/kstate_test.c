// SPDX-License-Identifier: GPL-2.0
/* The applier's pure diff helpers (daemon/kstate.c): sameness, ownership by slot. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "kselftest_harness.h"
#include "unit_util.h"
#include "kstate.h"

/* A real plan: one ENI, two v4 addresses and one v6, slot 2. */
static void make_plan(struct enid_config *cfg, struct plan *p)
{
	struct link_facts f = {.ifindex = 7,
			       .ifname = "eni1",
			       .driver = "virtio_net",
			       .mac = {0x02, 0, 0, 0, 0, 0x0a}};
	struct addressing a = {.n_addrs = 3, .nodad = true};

	config_defaults(cfg);
	a.addrs[0] = ip("10.0.0.10/24");
	a.addrs[1] = ip("10.0.0.11/24");
	a.addrs[2] = ip("2001:db8::10/64");
	a.gateway4 = ip("10.0.0.253");
	if (link_plan(cfg, &f, &a, 2, p))
		abort();
}

TEST(plan_items_are_found_and_changes_are_not)
{
	static struct plan p;
	struct enid_config cfg;
	struct plan_rule r;
	struct plan_route rt;
	struct plan_addr a;

	make_plan(&cfg, &p);
	ASSERT_GT(p.n_rules, 0);
	for (unsigned i = 0; i < p.n_rules; i++)
		EXPECT_TRUE(plan_has_rule(&p, &p.rules[i]));
	for (unsigned i = 0; i < p.n_routes; i++)
		EXPECT_TRUE(plan_has_route(&p, &p.routes[i]));
	for (unsigned i = 0; i < p.n_addrs; i++)
		EXPECT_TRUE(plan_has_addr(&p, &p.addrs[i]));

	r = p.rules[0];
	r.goto_pref++; /* an address rule into another chain */
	EXPECT_FALSE(plan_has_rule(&p, &r));
	r = p.rules[p.n_rules - 4]; /* the chain's lookup of T without defaults */
	ASSERT_EQ(0, r.suppress_prefixlength);
	r.suppress_prefixlength = -1;
	EXPECT_FALSE(plan_has_rule(&p, &r));
	r = p.rules[0];
	r.src = ip("10.0.0.99");
	EXPECT_FALSE(plan_has_rule(&p, &r));
	r = p.rules[0];
	r.table = 1003;
	EXPECT_FALSE(plan_has_rule(&p, &r));

	rt = p.routes[0];
	rt.metric += 1;
	EXPECT_FALSE(plan_has_route(&p, &rt));
	rt = p.routes[0];
	rt.prefsrc = ip("10.0.0.99");
	EXPECT_FALSE(plan_has_route(&p, &rt));
	rt = p.routes[0];
	rt.oif = 8;
	EXPECT_FALSE(plan_has_route(&p, &rt));

	a = p.addrs[0];
	a.ip.prefixlen = 25;
	EXPECT_FALSE(plan_has_addr(&p, &a));
	a = p.addrs[0];
	a.flags = 0; /* flags are not identity: the add converges them */
	EXPECT_TRUE(plan_has_addr(&p, &a));
	config_free(&cfg);
}

TEST(route_dump_shapes_match_the_plan)
{
	struct plan_route a = {.family = AF_INET,
			       .table = 1001,
			       .dst = ip("0.0.0.0"),
			       .gateway = ip("10.0.0.253"),
			       .scope = RT_SCOPE_UNIVERSE,
			       .protocol = ENID_RTPROT,
			       .oif = 7};
	struct plan_route b = a;

	/* a dump's default route: family set, no address bytes, prefix 0 */
	a.dst.prefixlen = 0;
	memset(&b.dst, 0, sizeof(b.dst));
	b.dst.family = AF_INET;
	EXPECT_TRUE(route_same(&a, &b));
	b.dst.family = 0;
	EXPECT_TRUE(route_same(&a, &b));
	/* v6 scope is not compared (the kernel stores universe) */
	a.family = b.family = AF_INET6;
	a.gateway = b.gateway = ip("fe80::1");
	a.scope = RT_SCOPE_LINK;
	EXPECT_TRUE(route_same(&a, &b));
	a.family = b.family = AF_INET;
	a.gateway = b.gateway = ip("10.0.0.253");
	EXPECT_FALSE(route_same(&a, &b)); /* v4 scope is */
}

TEST(ownership_by_slot)
{
	struct enid_config cfg;
	struct krule r = {.r = {.family = AF_INET, .protocol = ENID_RTPROT}};
	struct kroute rt = {.r = {.family = AF_INET, .protocol = ENID_RTPROT}};
	uint32_t lo, hi;

	config_defaults(&cfg);
	/* slot 2: its address rules at 10004, its chain at 10263..10266 */
	EXPECT_EQ(10004, addr_pref_for_slot(&cfg, 2));
	lo = chain_pref_for_slot(&cfg, 2);
	hi = lo + PLAN_CHAIN_LEN - 1;
	EXPECT_EQ(10263, lo);
	for (uint32_t pref = 10002; pref <= 10006; pref++) {
		r.r.pref = pref;
		EXPECT_EQ(pref == 10004, krule_of_slot(&cfg, &r, 2));
	}
	for (uint32_t pref = lo - 1; pref <= hi + 1; pref++) {
		r.r.pref = pref;
		EXPECT_EQ(pref >= lo && pref <= hi, krule_of_slot(&cfg, &r, 2));
	}
	r.r.pref = lo;
	r.r.protocol = RTPROT_BOOT; /* someone else's rule at our priority */
	EXPECT_FALSE(krule_of_slot(&cfg, &r, 2));

	rt.r.table = 1002;
	EXPECT_TRUE(kroute_of_link(&cfg, &rt, 2, 7));
	EXPECT_TRUE(kroute_of_link(&cfg, &rt, 2, 0)); /* unplugged: table only */
	EXPECT_FALSE(kroute_of_link(&cfg, &rt, 3, 7));
	rt.r.table = RT_TABLE_MAIN;
	rt.r.oif = 7;
	EXPECT_FALSE(kroute_of_link(&cfg, &rt, 2, 7)); /* not slot 2's metric */
	rt.r.metric = 2002;
	EXPECT_TRUE(kroute_of_link(&cfg, &rt, 2, 7));
	EXPECT_FALSE(kroute_of_link(&cfg, &rt, 2, 0));
	EXPECT_FALSE(kroute_of_link(&cfg, &rt, 2, 8));
	rt.r.protocol = RTPROT_KERNEL;
	EXPECT_FALSE(kroute_of_link(&cfg, &rt, 2, 7));
	config_free(&cfg);
}

/* Ours by protocol; anyone's inside our ranges (foreign occupants); every address. */
TEST(snapshot_keeps_ours_and_occupants)
{
	struct enid_config cfg;
	struct kstate ks = {0};
	struct krule r = {.r = {.family = AF_INET, .pref = 10003, .protocol = ENID_RTPROT}};
	struct kroute rt = {.r = {.family = AF_INET, .table = 1001, .protocol = RTPROT_STATIC}};
	struct kaddr a = {.ifindex = 3, .proto = 0};

	config_defaults(&cfg);
	for (int i = 0; i < 200; i++) /* grows past the first allocation */
		ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &r));
	ASSERT_EQ(0, kstate_add_route(&ks, &cfg, &rt)); /* foreign, in table 1001 */
	ASSERT_EQ(0, kstate_add_addr(&ks, &a));	       /* no IFA_PROTO (5.10) */
	EXPECT_EQ(200, ks.n_rules);
	EXPECT_EQ(1, ks.n_routes);
	EXPECT_EQ(1, ks.n_addrs);
	rt.r.table = 5; /* foreign, outside: dropped */
	r.r.protocol = RTPROT_BOOT;
	r.r.pref = 500;
	ASSERT_EQ(0, kstate_add_route(&ks, &cfg, &rt));
	ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &r));
	EXPECT_EQ(1, ks.n_routes);
	EXPECT_EQ(200, ks.n_rules);
	rt.r.protocol = ENID_RTPROT; /* ours anywhere is kept; the sweep decides */
	ASSERT_EQ(0, kstate_add_route(&ks, &cfg, &rt));
	EXPECT_EQ(2, ks.n_routes);
	kstate_reset(&ks);
	EXPECT_EQ(0, ks.n_rules + ks.n_routes + ks.n_addrs);
	kstate_free(&ks);
	config_free(&cfg);
}

/* What the orphan sweep may call ours: protocol 222 inside a range, nothing else. */
TEST(orphan_classes)
{
	struct enid_config cfg;
	struct krule r = {.r = {.family = AF_INET, .protocol = ENID_RTPROT}};
	struct kroute rt = {.r = {.family = AF_INET, .protocol = ENID_RTPROT}};
	unsigned int s;

	config_defaults(&cfg);
	r.r.pref = 500; /* outside every slot range */
	EXPECT_EQ(0, krule_slot(&cfg, &r));
	r.r.pref = 10002; /* just below slot 1 */
	EXPECT_EQ(0, krule_slot(&cfg, &r));
	r.r.pref = 10003;
	EXPECT_EQ(1, krule_slot(&cfg, &r));
	r.r.pref = 10257; /* slot 255's address rules */
	EXPECT_EQ(255, krule_slot(&cfg, &r));
	r.r.pref = 10258; /* the dispatch's barrier */
	EXPECT_EQ(0, krule_slot(&cfg, &r));
	r.r.pref = 10262; /* slot 1's chain */
	EXPECT_EQ(1, krule_slot(&cfg, &r));
	r.r.pref = 11278;
	EXPECT_EQ(255, krule_slot(&cfg, &r));
	r.r.pref = 11279; /* END */
	EXPECT_EQ(0, krule_slot(&cfg, &r));
	r.r.pref = 10003;
	r.r.protocol = RTPROT_BOOT;
	EXPECT_EQ(0, krule_slot(&cfg, &r));

	rt.r.table = 5;
	EXPECT_EQ(KR_FOREIGN, kroute_classify(&cfg, &rt, &s));
	rt.r.table = 1000; /* the base itself is no slot's */
	EXPECT_EQ(KR_FOREIGN, kroute_classify(&cfg, &rt, &s));
	rt.r.table = 1007;
	EXPECT_EQ(KR_TABLE, kroute_classify(&cfg, &rt, &s));
	EXPECT_EQ(7, s);
	rt.r.table = 1256;
	EXPECT_EQ(KR_FOREIGN, kroute_classify(&cfg, &rt, &s));
	rt.r.table = RT_TABLE_MAIN;
	rt.r.metric = 0;
	EXPECT_EQ(KR_FOREIGN, kroute_classify(&cfg, &rt, &s));
	rt.r.metric = 100;
	EXPECT_EQ(KR_FOREIGN, kroute_classify(&cfg, &rt, &s));
	rt.r.metric = 2003;
	EXPECT_EQ(KR_MAIN, kroute_classify(&cfg, &rt, &s));
	EXPECT_EQ(3, s);
	rt.r.protocol = RTPROT_STATIC;
	EXPECT_EQ(KR_FOREIGN, kroute_classify(&cfg, &rt, &s));
	config_free(&cfg);
}

/* A slot whose table or prefs hold another protocol's entries is not to be used. */
TEST(slot_foreign)
{
	struct enid_config cfg;
	struct kstate ks = {0};
	struct krule r = {.r = {.family = AF_INET, .pref = 10264, .protocol = ENID_RTPROT}};
	struct kroute rt = {.r = {.family = AF_INET, .table = 1003, .protocol = ENID_RTPROT}};
	char why[160];

	config_defaults(&cfg);
	ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &r));
	ASSERT_EQ(0, kstate_add_route(&ks, &cfg, &rt));
	for (unsigned int s = 1; s <= 4; s++) /* our own entries are no obstacle */
		EXPECT_FALSE(kstate_slot_foreign(&ks, &cfg, s, why, sizeof(why)));
	r.r.protocol = RTPROT_BOOT; /* at a pref of slot 2's chain */
	ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &r));
	EXPECT_TRUE(kstate_slot_foreign(&ks, &cfg, 2, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "10264"));
	EXPECT_FALSE(kstate_slot_foreign(&ks, &cfg, 3, why, sizeof(why)));
	rt.r.protocol = RTPROT_KERNEL; /* in slot 3's table */
	rt.r.dst = ip("192.0.2.0/24");
	ASSERT_EQ(0, kstate_add_route(&ks, &cfg, &rt));
	EXPECT_TRUE(kstate_slot_foreign(&ks, &cfg, 3, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "table 1003"));
	EXPECT_FALSE(kstate_slot_foreign(&ks, &cfg, 1, why, sizeof(why)));
	kstate_free(&ks);
	config_free(&cfg);
}

/* EEXIST is done only when the kernel holds the very objects of the plan, as ours. */
TEST(has_plan)
{
	struct enid_config cfg;
	struct kstate ks = {0};
	static struct plan p;
	char why[160];

	make_plan(&cfg, &p);
	for (unsigned int i = 0; i < p.n_rules; i++)
		ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &(struct krule){.r = p.rules[i]}));
	for (unsigned int i = 0; i < p.n_addrs; i++)
		ASSERT_EQ(0, kstate_add_addr(&ks, &(struct kaddr){.ifindex = 7, .a = p.addrs[i]}));
	for (unsigned int i = 1; i < p.n_routes; i++)
		ASSERT_EQ(0, kstate_add_route(&ks, &cfg, &(struct kroute){.r = p.routes[i]}));
	/* the first route is held by another protocol */
	{
		struct kroute other = {.r = p.routes[0]};

		other.r.protocol = RTPROT_BOOT;
		ASSERT_EQ(0, kstate_add_route(&ks, &cfg, &other));
	}
	EXPECT_FALSE(kstate_has_plan(&ks, &p, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "not ours")) TH_LOG("%s", why);
	ASSERT_EQ(0, kstate_add_route(&ks, &cfg, &(struct kroute){.r = p.routes[0]}));
	EXPECT_TRUE(kstate_has_plan(&ks, &p, why, sizeof(why))) TH_LOG("%s", why);
	/* an address on another link is not this plan's */
	ks.addrs[0].ifindex = 8;
	EXPECT_FALSE(kstate_has_plan(&ks, &p, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "address")) TH_LOG("%s", why);
	kstate_free(&ks);
	config_free(&cfg);
}

TEST_HARNESS_MAIN
