// SPDX-License-Identifier: GPL-2.0
/* The applier's pure diff helpers (daemon/kstate.c): sameness, ownership by slot. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "kselftest_harness.h"
#include "kstate.h"

static struct enid_ip ip(const char *s)
{
	struct enid_ip out;

	memset(&out, 0, sizeof(out));
	if (!enid_ip_parse(s, strchr(s, '/') != NULL, &out))
		abort();
	return out;
}

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
	pref_range_for_slot(&cfg, 2, &lo, &hi);
	EXPECT_EQ(10006, lo);
	EXPECT_EQ(10008, hi);
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
	EXPECT_TRUE(kroute_of_link(&cfg, &rt, 2, 7));
	EXPECT_FALSE(kroute_of_link(&cfg, &rt, 2, 0));
	EXPECT_FALSE(kroute_of_link(&cfg, &rt, 2, 8));
	rt.r.protocol = RTPROT_KERNEL;
	EXPECT_FALSE(kroute_of_link(&cfg, &rt, 2, 7));
	config_free(&cfg);
}

TEST(snapshot_keeps_only_our_protocol)
{
	struct kstate ks = {0};
	struct krule r = {.r = {.family = AF_INET, .pref = 10003, .protocol = ENID_RTPROT}};
	struct kroute rt = {.r = {.family = AF_INET, .table = 1001, .protocol = RTPROT_STATIC}};
	struct kaddr a = {.ifindex = 3, .proto = 0};

	for (int i = 0; i < 200; i++) /* grows past the first allocation */
		ASSERT_EQ(0, kstate_add_rule(&ks, &r));
	ASSERT_EQ(0, kstate_add_route(&ks, &rt));
	ASSERT_EQ(0, kstate_add_addr(&ks, &a));
	EXPECT_EQ(200, ks.n_rules);
	EXPECT_EQ(0, ks.n_routes);
	EXPECT_EQ(0, ks.n_addrs);
	rt.r.protocol = ENID_RTPROT;
	a.proto = ENID_RTPROT;
	ASSERT_EQ(0, kstate_add_route(&ks, &rt));
	ASSERT_EQ(0, kstate_add_addr(&ks, &a));
	EXPECT_EQ(1, ks.n_routes);
	EXPECT_EQ(1, ks.n_addrs);
	kstate_reset(&ks);
	EXPECT_EQ(0, ks.n_rules + ks.n_routes + ks.n_addrs);
	kstate_free(&ks);
}

TEST_HARNESS_MAIN
