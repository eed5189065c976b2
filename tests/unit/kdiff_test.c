// SPDX-License-Identifier: GPL-2.0
/* kdiff (daemon/kdiff.c): the exact requests, their order, and what enid may delete. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fib_rules.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "kselftest_harness.h"
#include "unit_util.h"
#include "kdiff.h"

/* One ENI (ifindex 7, slot 2): two v4 addresses and one v6, a v4 gateway. */
static void make_plan(struct enid_config *cfg, struct plan *p)
{
	struct link_facts f = {.ifindex = 7, .ifname = "eni1", .mac = {2, 0, 0, 0, 0, 0x0a}};
	struct addressing a = {.n_addrs = 3, .nodad = true};

	config_defaults(cfg);
	a.addrs[0] = ip("10.0.0.10/24");
	a.addrs[1] = ip("10.0.0.11/24");
	a.addrs[2] = ip("2001:db8::10/64");
	a.gateway4 = ip("10.0.0.253");
	if (link_plan(cfg, &f, &a, 2, p))
		abort();
}

static int count(const struct kreqs *q, enum kreq_op op)
{
	int n = 0;

	for (size_t i = 0; i < q->n; i++)
		n += q->v[i].op == op;
	return n;
}

/* An address is never usable before its rules and table routes: the order of a batch. */
TEST(apply_order_rules_table_addresses_main)
{
	struct enid_config cfg;
	static struct plan p;
	struct kreqs q = {0};
	static struct owned own;
	size_t last_rule = 0, last_table = 0, first_addr = SIZE_MAX, last_addr = 0;
	size_t first_main = SIZE_MAX;

	make_plan(&cfg, &p);
	kdiff_apply(&cfg, &p, NULL, &own, &q);
	ASSERT_FALSE(q.oom);
	ASSERT_EQ(KREQ_SETLINK, q.v[0].op);
	EXPECT_EQ(7, q.v[0].ifindex);
	EXPECT_TRUE(q.v[0].up);
	EXPECT_EQ((int)p.n_rules, count(&q, KREQ_NEWRULE));
	EXPECT_EQ((int)p.n_routes, count(&q, KREQ_NEWROUTE));
	EXPECT_EQ((int)p.n_addrs, count(&q, KREQ_NEWADDR));
	EXPECT_EQ(0, count(&q, KREQ_DELRULE) + count(&q, KREQ_DELROUTE) + count(&q, KREQ_DELADDR));
	for (size_t i = 0; i < q.n; i++) {
		const struct kreq *r = &q.v[i];

		if (r->op == KREQ_NEWRULE)
			last_rule = i;
		if (r->op == KREQ_NEWROUTE && r->route.table != RT_TABLE_MAIN)
			last_table = i;
		if (r->op == KREQ_NEWROUTE && r->route.table == RT_TABLE_MAIN && i < first_main)
			first_main = i;
		if (r->op == KREQ_NEWADDR) {
			if (i < first_addr)
				first_addr = i;
			last_addr = i;
			/* no table route names an address: it may go in first */
		}
		if (r->op == KREQ_NEWROUTE && r->route.table != RT_TABLE_MAIN)
			EXPECT_EQ(0, r->route.prefsrc.family);
	}
	EXPECT_LT(last_rule, first_addr);
	EXPECT_LT(last_table, first_addr);
	EXPECT_LT(last_addr, first_main);
	kreqs_free(&q);
	config_free(&cfg);
}

/* A re-apply against a snapshot deletes only what is ours in the slot and unplanned. */
TEST(stale_only_ours)
{
	struct enid_config cfg;
	static struct plan p;
	static struct owned own;
	struct kstate ks = {0};
	struct kreqs q = {0};
	/* slot 2's address rule: "from A goto its chain" */
	struct krule r = {.r = {.family = AF_INET, .pref = 10004, .action = FR_ACT_GOTO,
				.goto_pref = 10263, .suppress_prefixlength = -1,
				.protocol = ENID_RTPROT}};
	struct kroute rt = {.r = {.family = AF_INET, .table = RT_TABLE_MAIN, .oif = 7,
				  .metric = 100, .protocol = ENID_RTPROT}};
	struct kaddr stale_a = {.ifindex = 7, .a = {.ip = ip("10.0.0.99/24")}};
	struct kaddr user_a = {.ifindex = 7, .a = {.ip = ip("10.0.0.77/24")}};

	make_plan(&cfg, &p);
	r.r.src = ip("10.0.0.99/32"); /* ours, no longer planned */
	ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &r));
	r.r.src = ip("10.0.0.98/32");
	r.r.protocol = RTPROT_BOOT; /* someone else's at our pref */
	ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &r));
	ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &(struct krule){.r = p.rules[0]})); /* planned */
	rt.r.dst = ip("192.0.2.0/24"); /* protocol 222 on the link, another metric: not ours */
	ASSERT_EQ(0, kstate_add_route(&ks, &cfg, &rt));
	ASSERT_EQ(0, kstate_add_addr(&ks, &stale_a));
	ASSERT_EQ(0, kstate_add_addr(&ks, &user_a)); /* added by hand: not in the record */
	ASSERT_EQ(0, owned_add(&own, 2, &stale_a.a.ip));

	kdiff_apply(&cfg, &p, &ks, &own, &q);
	EXPECT_EQ(1, count(&q, KREQ_DELRULE));
	EXPECT_EQ(0, count(&q, KREQ_DELROUTE));
	EXPECT_EQ(1, count(&q, KREQ_DELADDR));
	for (size_t i = 0; i < q.n; i++) {
		if (q.v[i].op == KREQ_DELRULE)
			EXPECT_TRUE(enid_ip_same_addr(&q.v[i].rule.src, &stale_a.a.ip));
		if (q.v[i].op == KREQ_DELADDR)
			EXPECT_TRUE(enid_ip_same_addr(&q.v[i].addr.ip, &stale_a.a.ip));
	}
	/* deletes come after every add (make-before-break), the address first */
	EXPECT_EQ(KREQ_SETLINK, q.v[0].op);
	EXPECT_EQ(KREQ_DELADDR, q.v[q.n - 2].op);
	EXPECT_EQ(KREQ_DELRULE, q.v[q.n - 1].op);
	kreqs_free(&q);
	kstate_free(&ks);
	owned_free(&own);
	config_free(&cfg);
}

/*
 * A changed address (a DHCP server or the metadata moved it, same subnet and another):
 * the new one and everything naming it go in first; routes whose key stays are replaced
 * in one request (the main subnet route's prefsrc moves, the default via a new gateway);
 * then the old address, then its rules and the routes nobody replaces. The table below is
 * the whole batch, in order.
 */
static void kreq_line(const struct kreq *r, char *buf, size_t len)
{
	char a[ENID_IP_STRLEN], b[ENID_IP_STRLEN];

	switch (r->op) {
	case KREQ_NEWADDR:
	case KREQ_DELADDR:
		snprintf(buf, len, "%s %s", kreq_op_name(r->op),
			 enid_ip_format(&r->addr.ip, true, a, sizeof(a)));
		break;
	case KREQ_NEWRULE:
	case KREQ_DELRULE:
		snprintf(buf, len, "%s from %s", kreq_op_name(r->op),
			 r->rule.src.family ? enid_ip_format(&r->rule.src, false, a, sizeof(a))
					    : "all");
		break;
	case KREQ_NEWROUTE:
		snprintf(buf, len, "%s%s %u %s%s%s", kreq_op_name(r->op),
			 r->replace ? " (replace)" : "", r->route.table,
			 enid_ip_format(&r->route.dst, true, a, sizeof(a)),
			 r->route.prefsrc.family ? " src " : r->route.gateway.family ? " via " : "",
			 r->route.prefsrc.family ? enid_ip_format(&r->route.prefsrc, false, b, sizeof(b))
			 : r->route.gateway.family
				 ? enid_ip_format(&r->route.gateway, false, b, sizeof(b))
				 : "");
		break;
	case KREQ_DELROUTE:
		snprintf(buf, len, "%s %u %s", kreq_op_name(r->op), r->kroute.r.table,
			 enid_ip_format(&r->kroute.r.dst, true, a, sizeof(a)));
		break;
	default:
		snprintf(buf, len, "%s", kreq_op_name(r->op));
	}
}

static void plan_one(struct enid_config *cfg, const char *addr, const char *gw, struct plan *p)
{
	struct link_facts f = {.ifindex = 7, .ifname = "eni1", .mac = {2, 0, 0, 0, 0, 0x0a}};
	struct addressing a = {.n_addrs = 1};

	a.addrs[0] = ip(addr);
	a.gateway4 = ip(gw);
	if (link_plan(cfg, &f, &a, 2, p))
		abort();
}

/* The kernel as the plan for (addr, gw) left it, with the address in the record. */
static void applied(struct enid_config *cfg, const char *addr, const char *gw, struct kstate *ks,
		    struct owned *own)
{
	static struct plan p;

	plan_one(cfg, addr, gw, &p);
	for (unsigned int i = 0; i < p.n_rules; i++)
		if (kstate_add_rule(ks, cfg, &(struct krule){.r = p.rules[i]}))
			abort();
	for (unsigned int i = 0; i < p.n_routes; i++)
		if (kstate_add_route(ks, cfg, &(struct kroute){.r = p.routes[i]}))
			abort();
	if (kstate_add_addr(ks, &(struct kaddr){.ifindex = 7, .a = p.addrs[0]}) ||
	    owned_add(own, 2, &p.addrs[0].ip))
		abort();
}

TEST(changed_address_make_before_break)
{
	static const struct {
		const char *from, *from_gw, *to, *to_gw;
		const char *want[24];
	} cases[] = {
		{"10.0.0.41/24", "10.0.0.253", "10.0.0.43/24", "10.0.0.253", {
			"set link",
			"add rule from all", /* the chain, before the address rules */
			"add rule from 10.0.0.43",
			"add route 1002 10.0.0.0/24",
			"add route 1002 0.0.0.0/0 via 10.0.0.253",
			"add address 10.0.0.43/24",
			"add route (replace) 254 10.0.0.0/24 src 10.0.0.43",
			"delete address 10.0.0.41/24",
			"delete rule from 10.0.0.41",
			NULL}},
		{"10.0.0.41/24", "10.0.0.253", "10.1.0.7/24", "10.1.0.1", {
			"set link",
			"add rule from all",
			"add rule from 10.1.0.7",
			"add route 1002 10.1.0.0/24",
			"add route (replace) 1002 0.0.0.0/0 via 10.1.0.1",
			"add address 10.1.0.7/24",
			"add route 254 10.1.0.0/24 src 10.1.0.7",
			"delete address 10.0.0.41/24",
			"delete rule from 10.0.0.41",
			"delete route 1002 10.0.0.0/24",
			"delete route 254 10.0.0.0/24",
			NULL}},
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct enid_config cfg;
		static struct plan p;
		static struct owned own;
		struct kstate ks = {0};
		struct kreqs q = {0};
		size_t n_want = 0, n = 0;
		char line[160], got[48][160];

		config_defaults(&cfg);
		applied(&cfg, cases[c].from, cases[c].from_gw, &ks, &own);
		plan_one(&cfg, cases[c].to, cases[c].to_gw, &p);
		kdiff_apply(&cfg, &p, &ks, &own, &q);
		ASSERT_FALSE(q.oom);
		while (cases[c].want[n_want])
			n_want++;
		/* a run of like lines counts once: the rules per address are the plan's business */
		for (size_t i = 0; i < q.n; i++) {
			kreq_line(&q.v[i], line, sizeof(line));
			if (n && !strcmp(got[n - 1], line))
				continue;
			snprintf(got[n++], sizeof(got[0]), "%s", line);
		}
		EXPECT_EQ(n_want, n);
		for (size_t i = 0; i < n; i++) {
			EXPECT_STREQ(i < n_want ? cases[c].want[i] : "(none)", got[i]);
		}
		kreqs_free(&q);
		kstate_free(&ks);
		owned_free(&own);
		config_free(&cfg);
	}
}

/* A replacing route goes out with NLM_F_REPLACE instead of NLM_F_EXCL. */
TEST(replace_flag_built)
{
	char buf[RTNL_MSG_MAX] __attribute__((aligned(8)));
	struct kreq r = {.op = KREQ_NEWROUTE};
	struct nlmsghdr *nlh;

	r.route = (struct plan_route){.family = AF_INET, .table = 1002, .dst = ip("10.9.0.0/16"),
				      .gateway = ip("10.0.0.1"), .protocol = ENID_RTPROT};
	nlh = kreq_build(buf, sizeof(buf), 1, &r);
	ASSERT_NE(NULL, nlh);
	EXPECT_TRUE(nlh->nlmsg_flags & NLM_F_EXCL);
	EXPECT_FALSE(nlh->nlmsg_flags & NLM_F_REPLACE);
	r.replace = true;
	nlh = kreq_build(buf, sizeof(buf), 1, &r);
	ASSERT_NE(NULL, nlh);
	EXPECT_FALSE(nlh->nlmsg_flags & NLM_F_EXCL);
	EXPECT_TRUE(nlh->nlmsg_flags & NLM_F_REPLACE);
	EXPECT_TRUE(nlh->nlmsg_flags & NLM_F_CREATE);
}

/* Cleanup: the slot's rules and table, and recorded addresses on a live link. */
TEST(cleanup_live_and_gone)
{
	struct enid_config cfg;
	static struct plan p;
	static struct owned own;
	struct kstate ks = {0};
	struct kreqs q = {0};
	struct krule other = {.r = {.family = AF_INET, .pref = 10009, .table = 1003,
				    .protocol = ENID_RTPROT}};

	make_plan(&cfg, &p);
	for (unsigned int i = 0; i < p.n_rules; i++)
		ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &(struct krule){.r = p.rules[i]}));
	for (unsigned int i = 0; i < p.n_routes; i++)
		ASSERT_EQ(0, kstate_add_route(&ks, &cfg, &(struct kroute){.r = p.routes[i]}));
	for (unsigned int i = 0; i < p.n_addrs; i++) {
		ASSERT_EQ(0, kstate_add_addr(&ks, &(struct kaddr){.ifindex = 7, .a = p.addrs[i]}));
		if (i) /* the first address is not in the record */
			ASSERT_EQ(0, owned_add(&own, 2, &p.addrs[i].ip));
	}
	other.r.src = ip("10.0.0.50/32"); /* slot 3's */
	ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &other));

	kdiff_cleanup(&cfg, &ks, 2, 7, &own, &q);
	EXPECT_EQ((int)p.n_rules, count(&q, KREQ_DELRULE));
	EXPECT_EQ((int)p.n_routes, count(&q, KREQ_DELROUTE));
	EXPECT_EQ((int)p.n_addrs - 1, count(&q, KREQ_DELADDR));
	kreqs_reset(&q);
	/* the link is gone: its addresses and main routes went with it */
	kdiff_cleanup(&cfg, &ks, 2, 0, &own, &q);
	EXPECT_EQ((int)p.n_rules, count(&q, KREQ_DELRULE));
	EXPECT_EQ(0, count(&q, KREQ_DELADDR));
	for (size_t i = 0; i < q.n; i++)
		if (q.v[i].op == KREQ_DELROUTE)
			EXPECT_EQ(1002, q.v[i].kroute.r.table);
	kreqs_free(&q);
	kstate_free(&ks);
	owned_free(&own);
	config_free(&cfg);
}

static bool had_slot_9_on_7(int oif, unsigned int slot, const void *ctx)
{
	(void)ctx;
	return oif == 7 && slot == 9;
}

/* The orphan sweep: protocol 222 inside an unheld slot's ranges, and nothing else. */
TEST(orphans_exactly)
{
	struct enid_config cfg;
	struct kstate ks = {0};
	struct kreqs q = {0};
	bool held[ENID_MAX_SLOTS + 1] = {false};
	static const struct {
		uint32_t pref;
		uint8_t proto;
		bool deleted;
	} rules[] = {
		{500, ENID_RTPROT, false},   /* outside the range */
		{10003, ENID_RTPROT, false}, /* slot 1: held */
		{10027, ENID_RTPROT, true},  /* slot 8: nobody's */
		{10028, RTPROT_BOOT, false}, /* someone else's in slot 9's range */
	};
	static const struct {
		uint32_t table, metric;
		int oif;
		uint8_t proto;
		bool deleted;
	} routes[] = {
		{5, 0, 3, ENID_RTPROT, false},		       /* table outside the range */
		{1009, 0, 3, ENID_RTPROT, true},	       /* slot 9's table */
		{1001, 0, 3, ENID_RTPROT, false},	       /* held */
		{1009, 0, 3, RTPROT_STATIC, false},	       /* someone else's in our table */
		{RT_TABLE_MAIN, 2009, 7, ENID_RTPROT, true},   /* slot 9's link */
		{RT_TABLE_MAIN, 2009, 8, ENID_RTPROT, false},  /* never slot 9's link */
		{RT_TABLE_MAIN, 0, 7, ENID_RTPROT, false},     /* metric outside the range */
		{RT_TABLE_MAIN, 2001, 7, ENID_RTPROT, false},  /* held */
	};
	int want_rules = 0, want_routes = 0;

	config_defaults(&cfg);
	held[1] = true;
	for (unsigned int i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct krule r = {.r = {.family = AF_INET, .pref = rules[i].pref, .table = 1,
					.protocol = rules[i].proto, .suppress_prefixlength = -1}};

		ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &r));
		want_rules += rules[i].deleted;
	}
	for (unsigned int i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		struct kroute r = {.r = {.family = AF_INET, .table = routes[i].table,
					 .metric = routes[i].metric, .oif = routes[i].oif,
					 .protocol = routes[i].proto}};

		r.r.dst = ip("198.51.100.0/24");
		r.r.dst.prefixlen = 20 + i; /* tell them apart */
		ASSERT_EQ(0, kstate_add_route(&ks, &cfg, &r));
		want_routes += routes[i].deleted;
	}
	kdiff_orphans(&cfg, &ks, held, had_slot_9_on_7, NULL, &q);
	EXPECT_EQ(want_rules, count(&q, KREQ_DELRULE));
	EXPECT_EQ(want_routes, count(&q, KREQ_DELROUTE));
	for (size_t i = 0; i < q.n; i++) {
		if (q.v[i].op == KREQ_DELRULE)
			EXPECT_EQ(10027, q.v[i].rule.pref);
		if (q.v[i].op == KREQ_DELROUTE) {
			unsigned int k = q.v[i].kroute.r.dst.prefixlen - 20;

			EXPECT_TRUE(routes[k].deleted) TH_LOG("route %u deleted", k);
		}
	}
	EXPECT_EQ(0, count(&q, KREQ_NEWRULE) + count(&q, KREQ_NEWROUTE));
	kreqs_free(&q);
	kstate_free(&ks);
	config_free(&cfg);
}

/* Every request builds into the message its op names. */
TEST(build_each_op)
{
	static const uint16_t type[] = {
		[KREQ_SETLINK] = RTM_NEWLINK,	[KREQ_NEWADDR] = RTM_NEWADDR,
		[KREQ_DELADDR] = RTM_DELADDR,	[KREQ_NEWROUTE] = RTM_NEWROUTE,
		[KREQ_DELROUTE] = RTM_DELROUTE, [KREQ_NEWRULE] = RTM_NEWRULE,
		[KREQ_DELRULE] = RTM_DELRULE,
	};
	struct enid_config cfg;
	static struct plan p;
	char buf[RTNL_MSG_MAX] __attribute__((aligned(8)));

	make_plan(&cfg, &p);
	for (int op = KREQ_SETLINK; op <= KREQ_DELRULE; op++) {
		struct kreq r = {.op = (enum kreq_op)op, .ifindex = 7, .up = true};
		struct nlmsghdr *nlh;

		if (op == KREQ_NEWADDR || op == KREQ_DELADDR)
			r.addr = p.addrs[0];
		else if (op == KREQ_NEWROUTE)
			r.route = p.routes[0];
		else if (op == KREQ_DELROUTE)
			r.kroute.r = p.routes[0];
		else if (op == KREQ_NEWRULE || op == KREQ_DELRULE)
			r.rule = p.rules[0];
		nlh = kreq_build(buf, sizeof(buf), 42, &r);
		ASSERT_NE(NULL, nlh) TH_LOG("%s", kreq_op_name(r.op));
		EXPECT_EQ(type[op], nlh->nlmsg_type);
		EXPECT_EQ(42, nlh->nlmsg_seq);
		EXPECT_EQ(kreq_is_delete(r.op), op == KREQ_DELADDR || op == KREQ_DELROUTE ||
							op == KREQ_DELRULE);
	}
	config_free(&cfg);
}

/* The dispatch: built END first and the catch-all last; only our stale ones deleted. */
TEST(host_dispatch_order_and_ownership)
{
	static struct host_plan hp, old;
	struct enid_config cfg;
	struct enid_ip nets[2], prim = ip("10.0.0.2/24");
	struct kstate ks = {0};
	struct kreqs q = {0};
	struct krule k;
	int last_rank = -1;

	config_defaults(&cfg);
	nets[0] = ip("10.0.0.10/24");
	nets[1] = ip("10.0.0.11/24"); /* the same subnet: one dispatch rule */
	ASSERT_EQ(0, host_plan(&cfg, nets, 2, &prim, 1, 0, &hp));
	/* unset, primary, subnet, rest, START, barrier, END: v4 only */
	ASSERT_EQ(7, hp.n_rules);
	kdiff_host(&cfg, &hp, &ks, &q);
	ASSERT_EQ(7, (int)q.n);
	for (size_t i = 0; i < q.n; i++) {
		uint32_t pref = q.v[i].rule.pref;
		int rank = pref == host_pref_end(&cfg)	    ? 0
			   : pref == host_pref_barrier(&cfg) ? 1
			   : pref == host_pref(&cfg, 3)	    ? 2
							    : 3 + (int)(pref - host_pref(&cfg, 0));

		EXPECT_EQ(KREQ_NEWRULE, q.v[i].op);
		EXPECT_LE(last_rank, rank);
		last_rank = rank;
	}
	EXPECT_EQ(host_pref(&cfg, 2), q.v[q.n - 1].rule.pref); /* the catch-all last */
	/* the kernel holds it all, plus an old subnet's dispatch and a foreign rule there */
	for (unsigned int i = 0; i < hp.n_rules; i++) {
		memset(&k, 0, sizeof(k));
		k.r = hp.rules[i];
		k.r.action = hp.rules[i].action;
		ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &k));
	}
	nets[1] = ip("10.5.0.10/16");
	ASSERT_EQ(0, host_plan(&cfg, nets + 1, 1, &prim, 1, 0, &old));
	for (unsigned int i = 0; i < old.n_rules; i++) {
		if (old.rules[i].pref != host_pref(&cfg, 1))
			continue;
		memset(&k, 0, sizeof(k));
		k.r = old.rules[i];
		ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &k)); /* ours, stale */
		k.r.protocol = RTPROT_STATIC;
		ASSERT_EQ(0, kstate_add_rule(&ks, &cfg, &k)); /* another tool's: kept */
	}
	kreqs_reset(&q);
	kdiff_host(&cfg, &hp, &ks, &q);
	ASSERT_EQ(1, (int)q.n);
	EXPECT_EQ(KREQ_DELRULE, q.v[0].op);
	EXPECT_EQ(ENID_RTPROT, q.v[0].rule.protocol);
	EXPECT_EQ(16, q.v[0].rule.src.prefixlen);
	/* no ENI: the whole dispatch goes, the catch-all first; the foreign rule stays */
	ASSERT_EQ(0, host_plan(&cfg, NULL, 0, &prim, 1, 0, &old));
	EXPECT_EQ(0, old.n_rules);
	kreqs_reset(&q);
	kdiff_host(&cfg, &old, &ks, &q);
	ASSERT_EQ(8, (int)q.n);
	EXPECT_EQ(host_pref(&cfg, 2), q.v[0].rule.pref);
	for (size_t i = 0; i < q.n; i++) {
		EXPECT_EQ(KREQ_DELRULE, q.v[i].op);
		EXPECT_EQ(ENID_RTPROT, q.v[i].rule.protocol);
	}
	kreqs_free(&q);
	kstate_free(&ks);
}

/* The one-subnet dispatch (10.0.0.10/24, primary 10.0.0.2) planned into *hp and put in ks
 * as the kernel would hold it, each rule passed through edit first (an earlier shape). */
static void host_held(struct enid_config *cfg, struct host_plan *hp, struct kstate *ks,
		      void (*edit)(const struct enid_config *, struct plan_rule *))
{
	struct enid_ip net = ip("10.0.0.10/24"), prim = ip("10.0.0.2/24");

	config_defaults(cfg);
	if (host_plan(cfg, &net, 1, &prim, 1, 0, hp))
		abort();
	for (unsigned int i = 0; i < hp->n_rules; i++) {
		struct krule k = {.r = hp->rules[i]};

		edit(cfg, &k.r);
		if (kstate_add_rule(ks, cfg, &k))
			abort();
	}
}

static void drop_iif_lo(const struct enid_config *cfg, struct plan_rule *r)
{
	(void)cfg;
	r->iif_lo = false;
}

/* An earlier enid's "from <subnet> goto START" without iif lo is replaced: new, then old out. */
TEST(host_dispatch_iif_lo_upgrade)
{
	static struct host_plan hp;
	struct enid_config cfg;
	struct kstate ks = {0};
	struct kreqs q = {0};

	host_held(&cfg, &hp, &ks, drop_iif_lo);
	kdiff_host(&cfg, &hp, &ks, &q);
	ASSERT_EQ(2, (int)q.n);
	EXPECT_EQ(KREQ_NEWRULE, q.v[0].op);
	EXPECT_TRUE(q.v[0].rule.iif_lo);
	EXPECT_EQ(host_pref(&cfg, 1), q.v[0].rule.pref);
	EXPECT_EQ(KREQ_DELRULE, q.v[1].op);
	EXPECT_FALSE(q.v[1].rule.iif_lo);
	EXPECT_EQ(24, q.v[1].rule.src.prefixlen);
	kreqs_free(&q);
	kstate_free(&ks);
}

static void old_end(const struct enid_config *cfg, struct plan_rule *r)
{
	if (r->action == FR_ACT_GOTO && r->goto_pref == host_pref_end(cfg))
		r->goto_pref = 10768; /* the three-per-address layout's END */
}

/* A dispatch rule whose goto target moved (an earlier layout's END): the kernel calls the
 * old and the new duplicates, so the old goes first, then the new is added. */
TEST(host_dispatch_retarget_deletes_first)
{
	static struct host_plan hp;
	struct enid_config cfg;
	struct kstate ks = {0};
	struct kreqs q = {0};
	size_t first_new = 0, moved = 0;

	host_held(&cfg, &hp, &ks, old_end);
	kdiff_host(&cfg, &hp, &ks, &q);
	while (first_new < q.n && q.v[first_new].op == KREQ_DELRULE) {
		EXPECT_EQ(10768, q.v[first_new].rule.goto_pref);
		first_new++;
	}
	/* unset, primary, rest, barrier: each deleted, then added with the new END */
	EXPECT_EQ(4, first_new);
	for (size_t i = first_new; i < q.n; i++) {
		EXPECT_EQ(KREQ_NEWRULE, q.v[i].op);
		EXPECT_EQ(host_pref_end(&cfg), q.v[i].rule.goto_pref);
		moved++;
	}
	EXPECT_EQ(4, moved);
	kreqs_free(&q);
	kstate_free(&ks);
}

TEST_HARNESS_MAIN
