// SPDX-License-Identifier: GPL-2.0
/*
 * Planner, table-driven: each variant is a config, a link and a slot, and the
 * whole plan it must give, rendered one line per object in iproute2 words.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>

#include <linux/fib_rules.h>

#include "kselftest_harness.h"
#include "unit_util.h"
#include "config.h"
#include "plan.h"

#define MAX_LINES	(1 + PLAN_MAX_ADDRS + PLAN_MAX_RULES + PLAN_MAX_ROUTES + PLAN_MAX_SYSCTLS)
#define LINE_LEN	400

static const char *table_name(uint32_t table, char *buf)
{
	if (table == RT_TABLE_MAIN)
		return "main";
	sprintf(buf, "%u", table);
	return buf;
}

/* The plan as lines; returns how many. */
static unsigned render(const struct plan *p, char lines[][LINE_LEN])
{
	char a[ENID_IP_STRLEN], b[ENID_IP_STRLEN], t[32];
	unsigned n = 0;

	snprintf(lines[n++], LINE_LEN, "link %d %s slot %u table %u prefs %u %u mtu %u%s",
		 p->ifindex, p->ifname, p->slot, p->table, p->pref_addr, p->pref_chain, p->mtu,
		 p->up ? " up" : "");
	for (unsigned i = 0; i < p->n_addrs; i++)
		snprintf(lines[n++], LINE_LEN, "addr %s%s%s",
			 enid_ip_format(&p->addrs[i].ip, true, a, sizeof(a)),
			 p->addrs[i].flags & IFA_F_NOPREFIXROUTE ? " noprefixroute" : "",
			 p->addrs[i].flags & IFA_F_NODAD ? " nodad" : "");
	for (unsigned i = 0; i < p->n_rules; i++) {
		const struct plan_rule *r = &p->rules[i];

		if (r->action == FR_ACT_GOTO)
			snprintf(t, sizeof(t), "goto %u", r->goto_pref);
		else
			snprintf(t, sizeof(t), "lookup %.16s", table_name(r->table, b));
		snprintf(lines[n++], LINE_LEN, "rule%s pref %u from %s %s%s proto %u",
			 r->family == AF_INET6 ? " -6" : "", r->pref,
			 r->src.family ? enid_ip_format(&r->src, true, a, sizeof(a)) : "all", t,
			 r->suppress_prefixlength == 0 ? " suppress_prefixlength 0" : "",
			 r->protocol);
	}
	for (unsigned i = 0; i < p->n_routes; i++) {
		const struct plan_route *r = &p->routes[i];
		char via[64] = "", src[64] = "", metric[32] = "";

		if (r->gateway.family)
			snprintf(via, sizeof(via), " via %s",
				 enid_ip_format(&r->gateway, false, b, sizeof(b)));
		if (r->prefsrc.family)
			snprintf(src, sizeof(src), " src %s",
				 enid_ip_format(&r->prefsrc, false, b, sizeof(b)));
		if (r->metric)
			snprintf(metric, sizeof(metric), " metric %u", r->metric);
		snprintf(lines[n++], LINE_LEN, "route%s table %s %s%s dev %d%s%s%s proto %u",
			 r->family == AF_INET6 ? " -6" : "", table_name(r->table, t),
			 r->dst.prefixlen ? enid_ip_format(&r->dst, true, a, sizeof(a)) : "default",
			 via, r->oif, r->scope == RT_SCOPE_LINK ? " scope link" : "", src, metric,
			 r->protocol);
	}
	for (unsigned i = 0; i < p->n_sysctls; i++)
		snprintf(lines[n++], LINE_LEN, "sysctl %s=%s", p->sysctls[i].path,
			 p->sysctls[i].value);
	return n;
}

static void dump_lines(char lines[][LINE_LEN], unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		printf("#   got: \"%s\",\n", lines[i]);
}

static int load(struct __test_metadata *_metadata, const char *text, struct enid_config *cfg)
{
	struct config_errors errs;
	int r = config_load_string("plan.conf", text, cfg, &errs);

	for (unsigned i = 0; i < errs.n; i++)
		TH_LOG("%s", errs.msg[i]);
	config_errors_free(&errs);
	return r;
}

static void facts_for(struct link_facts *f, int ifindex, const char *name, const char *mac)
{
	memset(f, 0, sizeof(*f));
	f->ifindex = ifindex;
	snprintf(f->ifname, sizeof(f->ifname), "%s", name);
	mac_parse(mac, f->mac);
	snprintf(f->driver, sizeof(f->driver), "virtio_net");
	f->mtu = 1500;
}

FIXTURE(plan) {
	struct enid_config cfg;
	struct link_facts facts;
	struct addressing addressing;
	struct plan plan;
	char lines[MAX_LINES][LINE_LEN];
};

FIXTURE_VARIANT(plan) {
	const char *conf;
	const char *ifname;
	const char *mac;
	bool is_primary;	/* the runtime found it carries the default route */
	unsigned slot;
	int addressing_err;	/* addressing_from_config() */
	int err;		/* link_plan() */
	const char *why;
	const char *want[32];	/* NULL-terminated; the whole plan */
};

FIXTURE_SETUP(plan)
{
	ASSERT_EQ(0, load(_metadata, variant->conf, &self->cfg));
	facts_for(&self->facts, 7, variant->ifname, variant->mac);
	self->facts.is_primary = variant->is_primary;
}

FIXTURE_TEARDOWN(plan)
{
	config_free(&self->cfg);
}

TEST_F(plan, matches)
{
	unsigned n_want = 0, n;
	int r;

	r = addressing_from_config(&self->cfg, self->facts.mac, &self->addressing);
	EXPECT_EQ(variant->addressing_err, r);
	r = link_plan(&self->cfg, &self->facts, &self->addressing, variant->slot, &self->plan);
	ASSERT_EQ(variant->err, r) TH_LOG("why: %s", self->plan.why);
	if (r) {
		EXPECT_STREQ(variant->why, self->plan.why);
		return;
	}
	n = render(&self->plan, self->lines);
	while (variant->want[n_want])
		n_want++;
	EXPECT_EQ(n_want, n) dump_lines(self->lines, n);
	for (unsigned i = 0; i < n && i < n_want; i++)
		EXPECT_STREQ(variant->want[i], self->lines[i]) dump_lines(self->lines, n);
}

#define ENI1 "[00:16:3e:00:00:01]\n"

FIXTURE_VARIANT_ADD(plan, one_eni_one_ip) {
	.conf = ENI1 "address = 10.0.0.10/24\ngateway = 10.0.0.253\n",
	.ifname = "eth1", .mac = "00:16:3e:00:00:01", .slot = 1,
	.want = {
		"link 7 eth1 slot 1 table 1001 prefs 10003 10259 mtu 0 up",
		"addr 10.0.0.10/24 noprefixroute",
		"rule pref 10262 from all goto 11279 proto 222",
		"rule pref 10261 from all lookup 1001 proto 222",
		"rule pref 10260 from all lookup main suppress_prefixlength 0 proto 222",
		"rule pref 10259 from all lookup 1001 suppress_prefixlength 0 proto 222",
		"rule pref 10003 from 10.0.0.10/32 goto 10259 proto 222",
		"route table 1001 10.0.0.0/24 dev 7 scope link proto 222",
		"route table main 10.0.0.0/24 dev 7 scope link src 10.0.0.10 metric 2001 proto 222",
		"route table 1001 default via 10.0.0.253 dev 7 proto 222",
		"sysctl net/ipv4/conf/eth1/arp_ignore=1",
		"sysctl net/ipv4/conf/eth1/arp_announce=2",
		"sysctl net/ipv4/conf/eth1/promote_secondaries=1",
		NULL,
	},
};

/* ECS: the ENI sits in the primary's vSwitch. Nothing about the primary is
 * planned, and the main route's metric stays above any primary's (0/100/1024). */
FIXTURE_VARIANT_ADD(plan, same_subnet_as_primary) {
	.conf = "[global]\nprimary = eth0\n"
		ENI1 "address = 172.16.0.20/24\naddress = 172.16.0.21/24\ngateway = 172.16.0.253\n",
	.ifname = "eth1", .mac = "00:16:3e:00:00:01", .slot = 2,
	.want = {
		"link 7 eth1 slot 2 table 1002 prefs 10004 10263 mtu 0 up",
		"addr 172.16.0.20/24 noprefixroute",
		"addr 172.16.0.21/24 noprefixroute",
		"rule pref 10266 from all goto 11279 proto 222",
		"rule pref 10265 from all lookup 1002 proto 222",
		"rule pref 10264 from all lookup main suppress_prefixlength 0 proto 222",
		"rule pref 10263 from all lookup 1002 suppress_prefixlength 0 proto 222",
		"rule pref 10004 from 172.16.0.20/32 goto 10263 proto 222",
		"rule pref 10004 from 172.16.0.21/32 goto 10263 proto 222",
		"route table 1002 172.16.0.0/24 dev 7 scope link proto 222",
		"route table main 172.16.0.0/24 dev 7 scope link src 172.16.0.20 metric 2002 proto 222",
		"route table 1002 default via 172.16.0.253 dev 7 proto 222",
		"sysctl net/ipv4/conf/eth1/arp_ignore=1",
		"sysctl net/ipv4/conf/eth1/arp_announce=2",
		"sysctl net/ipv4/conf/eth1/promote_secondaries=1",
		NULL,
	},
};

FIXTURE_VARIANT_ADD(plan, v6_only) {
	.conf = ENI1 "address = 2001:db8:0:1::10/64\ngateway6 = fe80::1\nmtu = 9000\n",
	.ifname = "ens6", .mac = "00:16:3e:00:00:01", .slot = 1,
	.want = {
		"link 7 ens6 slot 1 table 1001 prefs 10003 10259 mtu 9000 up",
		"addr 2001:db8:0:1::10/64 noprefixroute nodad",
		"rule -6 pref 10262 from all goto 11279 proto 222",
		"rule -6 pref 10261 from all lookup 1001 proto 222",
		"rule -6 pref 10260 from all lookup main suppress_prefixlength 0 proto 222",
		"rule -6 pref 10259 from all lookup 1001 suppress_prefixlength 0 proto 222",
		"rule -6 pref 10003 from 2001:db8:0:1::10/128 goto 10259 proto 222",
		"route -6 table 1001 2001:db8:0:1::/64 dev 7 metric 1024 proto 222",
		"route -6 table main 2001:db8:0:1::/64 dev 7 metric 2001 proto 222",
		"route -6 table 1001 default via fe80::1 dev 7 metric 1024 proto 222",
		"sysctl net/ipv4/conf/ens6/arp_ignore=1",
		"sysctl net/ipv4/conf/ens6/arp_announce=2",
		"sysctl net/ipv4/conf/ens6/promote_secondaries=1",
		NULL,
	},
};

/* Dual stack, default_route = yes (per ENI), custom bases and sysctls, two v4 subnets. */
FIXTURE_VARIANT_ADD(plan, dual_stack_default_route_custom_bases) {
	.conf = "[global]\ntable_base = 5000\nrule_pref_base = 20000\nmetric_base = 3000\n"
		"arp_ignore = 2\narp_announce = 1\n"
		ENI1 "address = 10.0.0.10/24\naddress = 2001:db8::10/64\naddress = 10.9.0.10/16\n"
		"gateway = 10.0.0.1\ngateway6 = 2001:db8::1\ndefault_route = yes\n",
	.ifname = "eth3", .mac = "00:16:3E:00:00:01", .slot = 3,
	.want = {
		"link 7 eth3 slot 3 table 5003 prefs 20005 20267 mtu 0 up",
		"addr 10.0.0.10/24 noprefixroute",
		"addr 2001:db8::10/64 noprefixroute nodad",
		"addr 10.9.0.10/16 noprefixroute",
		"rule pref 20270 from all goto 21279 proto 222",
		"rule pref 20269 from all lookup 5003 proto 222",
		"rule pref 20268 from all lookup main suppress_prefixlength 0 proto 222",
		"rule pref 20267 from all lookup 5003 suppress_prefixlength 0 proto 222",
		"rule -6 pref 20270 from all goto 21279 proto 222",
		"rule -6 pref 20269 from all lookup 5003 proto 222",
		"rule -6 pref 20268 from all lookup main suppress_prefixlength 0 proto 222",
		"rule -6 pref 20267 from all lookup 5003 suppress_prefixlength 0 proto 222",
		"rule pref 20005 from 10.0.0.10/32 goto 20267 proto 222",
		"rule -6 pref 20005 from 2001:db8::10/128 goto 20267 proto 222",
		"rule pref 20005 from 10.9.0.10/32 goto 20267 proto 222",
		"route table 5003 10.0.0.0/24 dev 7 scope link proto 222",
		"route table main 10.0.0.0/24 dev 7 scope link src 10.0.0.10 metric 3003 proto 222",
		"route -6 table 5003 2001:db8::/64 dev 7 metric 1024 proto 222",
		"route -6 table main 2001:db8::/64 dev 7 metric 3003 proto 222",
		"route table 5003 10.9.0.0/16 dev 7 scope link proto 222",
		"route table main 10.9.0.0/16 dev 7 scope link src 10.9.0.10 metric 3003 proto 222",
		"route table 5003 default via 10.0.0.1 dev 7 proto 222",
		"route table main default via 10.0.0.1 dev 7 metric 3003 proto 222",
		"route -6 table 5003 default via 2001:db8::1 dev 7 metric 1024 proto 222",
		"route -6 table main default via 2001:db8::1 dev 7 metric 3003 proto 222",
		"sysctl net/ipv4/conf/eth3/arp_ignore=2",
		"sysctl net/ipv4/conf/eth3/arp_announce=1",
		"sysctl net/ipv4/conf/eth3/promote_secondaries=1",
		NULL,
	},
};

/* No gateway: no default routes; a /32 address has no subnet route. */
FIXTURE_VARIANT_ADD(plan, no_gateway_and_host_address) {
	.conf = ENI1 "address = 10.0.0.10/32\n",
	.ifname = "eth1", .mac = "00:16:3e:00:00:01", .slot = 255,
	.want = {
		"link 7 eth1 slot 255 table 1255 prefs 10257 11275 mtu 0 up",
		"addr 10.0.0.10/32 noprefixroute",
		"rule pref 11278 from all goto 11279 proto 222",
		"rule pref 11277 from all lookup 1255 proto 222",
		"rule pref 11276 from all lookup main suppress_prefixlength 0 proto 222",
		"rule pref 11275 from all lookup 1255 suppress_prefixlength 0 proto 222",
		"rule pref 10257 from 10.0.0.10/32 goto 11275 proto 222",
		"sysctl net/ipv4/conf/eth1/arp_ignore=1",
		"sysctl net/ipv4/conf/eth1/arp_announce=2",
		"sysctl net/ipv4/conf/eth1/promote_secondaries=1",
		NULL,
	},
};

FIXTURE_VARIANT_ADD(plan, unmanaged_mac) {
	.conf = ENI1 "address = 10.0.0.10/24\nunmanaged = yes\n",
	.ifname = "eth1", .mac = "00:16:3e:00:00:01", .slot = 1,
	.addressing_err = -EPERM, .err = -EPERM,
	.why = "eth1 (00:16:3e:00:00:01) is unmanaged",
};

FIXTURE_VARIANT_ADD(plan, mac_without_section) {
	.conf = ENI1 "address = 10.0.0.10/24\n",
	.ifname = "eth2", .mac = "00:16:3e:00:00:02", .slot = 1,
	.addressing_err = -ENOENT, .err = -ENODATA,
	.why = "no addresses for eth2 (00:16:3e:00:00:02)",
};

FIXTURE_VARIANT_ADD(plan, section_without_addresses) {
	.conf = ENI1 "mtu = 1500\n",
	.ifname = "eth1", .mac = "00:16:3e:00:00:01", .slot = 1,
	.err = -ENODATA, .why = "no addresses for eth1 (00:16:3e:00:00:01)",
};

FIXTURE_VARIANT_ADD(plan, primary_found_by_runtime) {
	.conf = ENI1 "address = 10.0.0.10/24\n",
	.ifname = "eth0", .mac = "00:16:3e:00:00:01", .is_primary = true, .slot = 1,
	.err = -EPERM, .why = "eth0 (00:16:3e:00:00:01) is the primary interface",
};

FIXTURE_VARIANT_ADD(plan, primary_by_config_name) {
	.conf = "[global]\nprimary = eth0\n" ENI1 "address = 10.0.0.10/24\n",
	.ifname = "eth0", .mac = "00:16:3e:00:00:01", .slot = 1,
	.err = -EPERM, .why = "eth0 (00:16:3e:00:00:01) is the primary interface",
};

FIXTURE_VARIANT_ADD(plan, primary_by_config_mac) {
	.conf = "[global]\nprimary = 00:16:3E:00:00:01\n" ENI1 "address = 10.0.0.10/24\n",
	.ifname = "ens5", .mac = "00:16:3e:00:00:01", .slot = 1,
	.err = -EPERM, .why = "ens5 (00:16:3e:00:00:01) is the primary interface",
};

FIXTURE_VARIANT_ADD(plan, slot_zero) {
	.conf = ENI1 "address = 10.0.0.10/24\n",
	.ifname = "eth1", .mac = "00:16:3e:00:00:01", .slot = 0,
	.err = -ERANGE, .why = "slot 0 is not in 1..255",
};

FIXTURE_VARIANT_ADD(plan, slot_too_big) {
	.conf = ENI1 "address = 10.0.0.10/24\n",
	.ifname = "eth1", .mac = "00:16:3e:00:00:01", .slot = 256,
	.err = -ERANGE, .why = "slot 256 is not in 1..255",
};

TEST(dual_stack_sysctls_follow_config)
{
	struct enid_config cfg;
	struct link_facts f;
	struct addressing a;
	static struct plan p;

	ASSERT_EQ(0, load(_metadata, "[global]\narp_ignore = 2\narp_announce = 1\n"
			  ENI1 "address = 10.0.0.10/24\n", &cfg));
	facts_for(&f, 3, "eth3", "00:16:3e:00:00:01");
	ASSERT_EQ(0, addressing_from_config(&cfg, f.mac, &a));
	ASSERT_EQ(0, link_plan(&cfg, &f, &a, 1, &p));
	ASSERT_EQ(3, p.n_sysctls);
	EXPECT_STREQ("net/ipv4/conf/eth3/arp_ignore", p.sysctls[0].path);
	EXPECT_STREQ("2", p.sysctls[0].value);
	EXPECT_STREQ("net/ipv4/conf/eth3/arp_announce", p.sysctls[1].path);
	EXPECT_STREQ("1", p.sysctls[1].value);
	config_free(&cfg);
}

TEST(one_eni_ten_ips)
{
	struct enid_config cfg;
	struct link_facts f;
	struct addressing a;
	static struct plan p;
	char text[1024], ip[ENID_IP_STRLEN];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), ENI1 "gateway = 10.0.0.253\n");
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "address = 10.0.0.%d/24\n", 10 + i);
	ASSERT_EQ(0, load(_metadata, text, &cfg));
	facts_for(&f, 9, "eth1", "00:16:3e:00:00:01");
	ASSERT_EQ(0, addressing_from_config(&cfg, f.mac, &a));
	ASSERT_EQ(10, a.n_addrs);
	ASSERT_EQ(0, link_plan(&cfg, &f, &a, 4, &p));

	ASSERT_EQ(10, p.n_addrs);
	ASSERT_EQ(10 + PLAN_CHAIN_LEN, p.n_rules); /* one per address, the v4 chain */
	/* one subnet: its route in T and in main, plus T's default route */
	ASSERT_EQ(3, p.n_routes);
	for (unsigned i = 0; i < 10; i++) {
		char want[16];

		snprintf(want, sizeof(want), "10.0.0.%u", 10 + i);
		EXPECT_STREQ(want, enid_ip_format(&p.addrs[i].ip, false, ip, sizeof(ip)));
		EXPECT_EQ(24, p.addrs[i].ip.prefixlen);
		EXPECT_EQ(IFA_F_NOPREFIXROUTE, p.addrs[i].flags);
		const struct plan_rule *r = &p.rules[PLAN_CHAIN_LEN + i];

		EXPECT_STREQ(want, enid_ip_format(&r->src, false, ip, sizeof(ip)));
		EXPECT_EQ(32, r->src.prefixlen);
		EXPECT_EQ(10000 + 2 + 4, r->pref);
		EXPECT_EQ(FR_ACT_GOTO, r->action);
		EXPECT_EQ(10259 + 4 * 3, r->goto_pref);
		EXPECT_EQ(ENID_RTPROT, r->protocol);
	}
	/* the chain first, its end first: no selector; T without defaults, main without
	 * defaults, T, END */
	for (unsigned k = 0; k < PLAN_CHAIN_LEN; k++) {
		const struct plan_rule *r = &p.rules[PLAN_CHAIN_LEN - 1 - k];

		EXPECT_EQ(0, r->src.family);
		EXPECT_EQ(10259 + 4 * 3 + k, r->pref);
		EXPECT_EQ(k == 3 ? FR_ACT_GOTO : FR_ACT_TO_TBL, r->action);
		EXPECT_EQ(k == 3 ? 0 : k == 1 ? RT_TABLE_MAIN : 1004, r->table);
		EXPECT_EQ(k < 2 ? 0 : -1, r->suppress_prefixlength);
		EXPECT_EQ(ENID_RTPROT, r->protocol);
	}
	EXPECT_EQ(host_pref_end(&cfg), p.rules[0].goto_pref);
	for (unsigned i = 0; i < p.n_routes; i++) {
		/* src of the subnet routes is the primary (first) address */
		if (p.routes[i].prefsrc.family)
			EXPECT_STREQ("10.0.0.10",
				     enid_ip_format(&p.routes[i].prefsrc, false, ip, sizeof(ip)));
		EXPECT_EQ(9, p.routes[i].oif);
	}
	config_free(&cfg);
}

/* Eight ENIs: distinct slots, tables, rule prefs and metrics; none overlaps. */
TEST(eight_enis)
{
	struct enid_config cfg;
	static struct plan p[8];
	char text[2048];
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[00:16:3e:00:01:%02x]\naddress = 10.0.%d.10/24\n"
				      "address = 10.0.%d.11/24\ngateway = 10.0.%d.253\n",
				      i, i, i, i);
	ASSERT_EQ(0, load(_metadata, text, &cfg));
	for (unsigned i = 0; i < 8; i++) {
		struct link_facts f;
		struct addressing a;
		char mac[18], name[16];

		snprintf(mac, sizeof(mac), "00:16:3e:00:01:%02x", i);
		snprintf(name, sizeof(name), "eth%u", i + 1);
		facts_for(&f, (int)(10 + i), name, mac);
		ASSERT_EQ(0, addressing_from_config(&cfg, f.mac, &a));
		ASSERT_EQ(0, link_plan(&cfg, &f, &a, i + 1, &p[i]));
		EXPECT_EQ(i + 1, p[i].slot);
		EXPECT_EQ(1001 + i, p[i].table);
		EXPECT_EQ(10003 + i, p[i].pref_addr);
		EXPECT_EQ(10259 + 4 * i, p[i].pref_chain);
		EXPECT_EQ(2 + PLAN_CHAIN_LEN, p[i].n_rules);
		EXPECT_EQ(3, p[i].n_routes);
	}
	for (unsigned i = 0; i < 8; i++) {
		for (unsigned r = 0; r < p[i].n_rules; r++) {
			uint32_t pref = p[i].rules[r].pref;

			EXPECT_TRUE(pref == p[i].pref_addr ||
				    (pref >= p[i].pref_chain && pref < p[i].pref_chain + PLAN_CHAIN_LEN));
			EXPECT_EQ(i + 1, slot_for_pref(&cfg, p[i].rules[r].pref));
			EXPECT_LT(p[i].rules[r].pref, 32766);
		}
		for (unsigned r = 0; r < p[i].n_routes; r++) {
			const struct plan_route *rt = &p[i].routes[r];

			EXPECT_EQ(10 + (int)i, rt->oif);
			if (rt->table == RT_TABLE_MAIN) {
				EXPECT_EQ(2001 + i, rt->metric);
				EXPECT_NE(0, rt->dst.prefixlen);	/* no main default */
			} else {
				EXPECT_EQ(p[i].table, rt->table);
				EXPECT_EQ(i + 1, slot_for_table(&cfg, rt->table));
			}
		}
		for (unsigned j = 0; j < i; j++) {
			EXPECT_NE(p[i].table, p[j].table);
			EXPECT_NE(p[i].pref_addr, p[j].pref_addr);
			EXPECT_TRUE(p[i].pref_chain >= p[j].pref_chain + PLAN_CHAIN_LEN ||
				    p[j].pref_chain >= p[i].pref_chain + PLAN_CHAIN_LEN);
			EXPECT_NE(metric_for_slot(&cfg, i + 1), metric_for_slot(&cfg, j + 1));
		}
	}
	config_free(&cfg);
}

TEST(slot_arithmetic)
{
	struct enid_config cfg;

	config_defaults(&cfg);
	EXPECT_EQ(1001, table_for_slot(&cfg, 1));
	EXPECT_EQ(2001, metric_for_slot(&cfg, 1));
	EXPECT_EQ(10003, addr_pref_for_slot(&cfg, 1));
	EXPECT_EQ(10257, addr_pref_for_slot(&cfg, ENID_MAX_SLOTS));
	EXPECT_EQ(10258, host_pref_barrier(&cfg));
	EXPECT_EQ(10259, chain_pref_for_slot(&cfg, 1));
	EXPECT_EQ(11275, chain_pref_for_slot(&cfg, ENID_MAX_SLOTS));
	EXPECT_EQ(11279, host_pref_end(&cfg));
	EXPECT_EQ(0, slot_for_table(&cfg, 1000));
	EXPECT_EQ(1, slot_for_table(&cfg, 1001));
	EXPECT_EQ(255, slot_for_table(&cfg, 1255));
	EXPECT_EQ(0, slot_for_table(&cfg, 1256));
	EXPECT_EQ(0, slot_for_table(&cfg, RT_TABLE_MAIN));
	EXPECT_EQ(0, slot_for_pref(&cfg, 10002));
	EXPECT_EQ(1, slot_for_pref(&cfg, 10003));
	EXPECT_EQ(2, slot_for_pref(&cfg, 10004));
	EXPECT_EQ(255, slot_for_pref(&cfg, 10257));
	EXPECT_EQ(0, slot_for_pref(&cfg, 10258)); /* the barrier: the dispatch's */
	EXPECT_EQ(1, slot_for_pref(&cfg, 10259));
	EXPECT_EQ(1, slot_for_pref(&cfg, 10262));
	EXPECT_EQ(2, slot_for_pref(&cfg, 10263));
	EXPECT_EQ(255, slot_for_pref(&cfg, 11278));
	EXPECT_EQ(0, slot_for_pref(&cfg, 11279));
	EXPECT_EQ(0, slot_for_pref(&cfg, 32766));
	/* every pref of the range is a slot's or the dispatch's, never both */
	for (uint32_t pr = host_pref(&cfg, 0); pr <= host_pref_end(&cfg); pr++)
		EXPECT_EQ(!slot_for_pref(&cfg, pr), host_pref_is(&cfg, pr));
	/* the highest configurable bases still keep every slot and the dispatch's END in range */
	cfg.rule_pref_base = ENID_PREF_BASE_MAX;
	EXPECT_EQ(32764, chain_pref_for_slot(&cfg, ENID_MAX_SLOTS) + PLAN_CHAIN_LEN - 1);
	EXPECT_EQ(32765, host_pref_end(&cfg));
	cfg.rule_pref_base = ENID_PREF_BASE_MIN;
	EXPECT_EQ(1, host_pref(&cfg, 0)); /* after the local rule at 0 */
	cfg.table_base = ENID_TABLE_BASE_MAX;
	EXPECT_EQ(0xFFFFFFFFU, table_for_slot(&cfg, ENID_MAX_SLOTS));
	cfg.table_base = ENID_TABLE_BASE_MIN;
	EXPECT_EQ(256, table_for_slot(&cfg, 1));
}

/* The dispatch: per family an ENI uses; subnets once; the primary's addresses skip. */
TEST(host_dispatch_per_family)
{
	static struct host_plan hp;
	struct enid_config cfg;
	struct enid_ip nets[3], prim[2];
	unsigned int gotos_end = 0, gotos_start = 0, nops = 0, v6 = 0;

	config_defaults(&cfg);
	nets[0] = ip("10.0.0.10/24");
	nets[1] = ip("10.0.0.11/24");
	nets[2] = ip("2001:db8::5/64");
	prim[0] = ip("10.0.0.2/24"); /* in an ENI subnet (ECS): skipped by its own rule */
	prim[1] = ip("fe80::1/64");  /* outside every ENI subnet: base+1 sends it to END */
	ASSERT_EQ(0, host_plan(&cfg, nets, 3, prim, 2, 0, &hp));
	ASSERT_EQ(13, hp.n_rules);
	for (unsigned int i = 0; i < hp.n_rules; i++) {
		const struct plan_rule *r = &hp.rules[i];

		EXPECT_EQ(ENID_RTPROT, r->protocol);
		EXPECT_TRUE(host_pref_is(&cfg, r->pref));
		EXPECT_EQ(0, slot_for_pref(&cfg, r->pref)); /* never in a slot's range */
		v6 += r->family == AF_INET6;
		if (r->action == FR_ACT_NOP) {
			nops++;
			EXPECT_EQ(0, r->src.family);
		} else if (r->goto_pref == host_pref_end(&cfg)) {
			gotos_end++;
		} else {
			EXPECT_EQ(host_pref(&cfg, 3), r->goto_pref);
			EXPECT_EQ(host_pref(&cfg, 1), r->pref);
			gotos_start++;
		}
		/* only the host's own lookups enter the slots: forwarded packets never do */
		EXPECT_EQ(r->goto_pref == host_pref(&cfg, 3), r->iif_lo);
	}
	EXPECT_EQ(6, v6);
	EXPECT_EQ(4, nops);	   /* START and END per family */
	EXPECT_EQ(2, gotos_start); /* 10.0.0.0/24 and 2001:db8::/64 */
	EXPECT_EQ(7, gotos_end);   /* unset, rest, barrier per family; 10.0.0.2 */
	EXPECT_EQ(9999, host_pref(&cfg, 0));
	EXPECT_EQ(11279, host_pref_end(&cfg));
	/* v4 ENIs only: no v6 dispatch, although the primary has a v6 address */
	ASSERT_EQ(0, host_plan(&cfg, nets, 2, prim, 2, 0, &hp));
	EXPECT_EQ(7, hp.n_rules);
	for (unsigned int i = 0; i < hp.n_rules; i++)
		EXPECT_EQ(AF_INET, hp.rules[i].family);
	ASSERT_EQ(0, host_plan(&cfg, NULL, 0, prim, 2, 0, &hp));
	EXPECT_EQ(0, hp.n_rules);
}

/* True when some rule of hp at pref "from <N> goto START" holds src. */
static bool dispatched(const struct host_plan *hp, const struct enid_config *cfg,
		       const struct enid_ip *src)
{
	for (unsigned int i = 0; i < hp->n_rules; i++)
		if (hp->rules[i].pref == host_pref(cfg, 1) &&
		    enid_ip_in_subnet(src, &hp->rules[i].src))
			return true;
	return false;
}

/* Slots held whose addressing is not known (a restart) or being cleaned up: their chains
 * may be in the kernel, so their families keep the barrier and END without any subnet. */
TEST(host_dispatch_guard_without_subnets)
{
	static struct host_plan hp;
	struct enid_config cfg;
	struct enid_ip net = ip("10.0.0.10/24");

	config_defaults(&cfg);
	ASSERT_EQ(0, host_plan(&cfg, NULL, 0, NULL, 0, PLAN_FAM_V6, &hp));
	ASSERT_EQ(2, hp.n_rules);
	EXPECT_EQ(AF_INET6, hp.rules[0].family);
	EXPECT_EQ(host_pref_barrier(&cfg), hp.rules[0].pref);
	EXPECT_EQ(host_pref_end(&cfg), hp.rules[0].goto_pref);
	EXPECT_EQ(host_pref_end(&cfg), hp.rules[1].pref);
	EXPECT_EQ(FR_ACT_NOP, hp.rules[1].action);
	ASSERT_EQ(0, host_plan(&cfg, NULL, 0, NULL, 0, PLAN_FAM_V4 | PLAN_FAM_V6, &hp));
	EXPECT_EQ(4, hp.n_rules);
	/* a v4 subnet and both guarded: the v4 dispatch (which has its barrier and END), and
	 * the v6 barrier and END alone */
	ASSERT_EQ(0, host_plan(&cfg, &net, 1, NULL, 0, PLAN_FAM_V4 | PLAN_FAM_V6, &hp));
	EXPECT_EQ(6 + 2, hp.n_rules);
	ASSERT_EQ(0, host_plan(&cfg, NULL, 0, NULL, 0, 0, &hp));
	EXPECT_EQ(0, hp.n_rules);
}

/* More subnets than the dispatch holds: no dispatch, but the barrier and END stay, so no
 * lookup falls into a chain (they have no selector of their own). */
TEST(host_dispatch_too_many_subnets)
{
	static struct host_plan hp;
	static struct enid_ip nets[2 * ENID_MAX_SLOTS + 1];
	struct enid_config cfg;
	unsigned int barriers = 0, ends = 0;
	char s[64];

	config_defaults(&cfg);
	for (unsigned int i = 0; i < 2 * ENID_MAX_SLOTS + 1; i++) { /* counted before collapsing */
		snprintf(s, sizeof(s), "10.%u.%u.1/30", 100 + i / 64, (i % 64) * 4);
		nets[i] = ip(s);
	}
	ASSERT_EQ(-ENOSPC, host_plan(&cfg, nets, 2 * ENID_MAX_SLOTS + 1, NULL, 0, 0, &hp));
	ASSERT_EQ(4, hp.n_rules);
	for (unsigned int i = 0; i < hp.n_rules; i++) {
		if (hp.rules[i].pref == host_pref_barrier(&cfg)) {
			EXPECT_EQ(FR_ACT_GOTO, hp.rules[i].action);
			EXPECT_EQ(host_pref_end(&cfg), hp.rules[i].goto_pref);
			barriers++;
		} else {
			EXPECT_EQ(host_pref_end(&cfg), hp.rules[i].pref);
			EXPECT_EQ(FR_ACT_NOP, hp.rules[i].action);
			ends++;
		}
	}
	EXPECT_EQ(2, barriers);
	EXPECT_EQ(2, ends);
}

/* The subnets' rules: the fewest prefixes holding exactly the ENI subnets' sources. */
TEST(host_dispatch_collapsed)
{
	static struct host_plan hp;
	struct enid_config cfg;
	struct enid_ip nets[70], prim = ip("10.70.0.2/16");
	unsigned int n = 0, subnet_rules = 0;
	char s[64];

	config_defaults(&cfg);
	for (int i = 1; i <= 64; i++) { /* 10.80.1.0/24 .. 10.80.64.0/24 */
		snprintf(s, sizeof(s), "10.80.%d.10/24", i);
		nets[n++] = ip(s);
	}
	nets[n++] = ip("10.80.3.77/25"); /* inside 10.80.3.0/24: nothing more */
	nets[n++] = ip("2001:db8:0:2::5/64");
	nets[n++] = ip("2001:db8:0:3::5/64"); /* the other half of 2001:db8:0:2::/63 */
	ASSERT_EQ(0, host_plan(&cfg, nets, n, &prim, 1, 0, &hp));
	for (unsigned int i = 0; i < hp.n_rules; i++)
		subnet_rules += hp.rules[i].pref == host_pref(&cfg, 1);
	/* 1/24 2/23 4/22 8/21 16/20 32/19 64/24, and 2001:db8:0:2::/63 */
	EXPECT_EQ(8, subnet_rules);
	/* exactly the same sources: every address of 10.80.0.0/16 and the v6 edges */
	for (int b = 0; b < 256; b++) {
		for (int h = 0; h < 256; h += 51) {
			struct enid_ip a;
			bool want = false;

			snprintf(s, sizeof(s), "10.80.%d.%d/32", b, h);
			a = ip(s);
			for (unsigned int k = 0; k < n; k++)
				want |= enid_ip_in_subnet(&a, &nets[k]);
			EXPECT_EQ(want, dispatched(&hp, &cfg, &a)) TH_LOG("%s", s);
		}
	}
	prim = ip("2001:db8:0:4::1/128");
	EXPECT_FALSE(dispatched(&hp, &cfg, &prim));
	prim = ip("2001:db8:0:3:ffff::1/128");
	EXPECT_TRUE(dispatched(&hp, &cfg, &prim));
	/* the primary 10.70.0.2 lies in no ENI subnet: no rule of its own */
	for (unsigned int i = 0; i < hp.n_rules; i++)
		EXPECT_FALSE(hp.rules[i].src.family == AF_INET && hp.rules[i].src.bytes[1] == 70);
}

/* Addressing from another source (metadata later) is checked, not trusted. */
TEST(bad_addressing_refused)
{
	struct enid_config cfg;
	struct link_facts f;
	struct addressing a;
	static struct plan p;

	config_defaults(&cfg);
	facts_for(&f, 4, "eth1", "00:16:3e:00:00:09");
	memset(&a, 0, sizeof(a));
	ASSERT_TRUE(enid_ip_parse("10.0.0.10/24", true, &a.addrs[0]));
	a.n_addrs = 1;
	ASSERT_TRUE(enid_ip_parse("10.1.0.1", false, &a.gateway4));
	EXPECT_EQ(-EINVAL, link_plan(&cfg, &f, &a, 1, &p));
	EXPECT_STREQ("gateway 10.1.0.1 is outside every IPv4 subnet", p.why);

	ASSERT_TRUE(enid_ip_parse("fe80::1", false, &a.gateway4));
	EXPECT_EQ(-EINVAL, link_plan(&cfg, &f, &a, 1, &p));
	EXPECT_STREQ("gateway4 is not IPv4", p.why);
	a.gateway4.family = 0;

	ASSERT_TRUE(enid_ip_parse("10.0.0.1", false, &a.gateway6));
	EXPECT_EQ(-EINVAL, link_plan(&cfg, &f, &a, 1, &p));
	EXPECT_STREQ("gateway6 is not IPv6", p.why);
	a.gateway6.family = 0;

	a.addrs[0].prefixlen = 33;
	EXPECT_EQ(-EINVAL, link_plan(&cfg, &f, &a, 1, &p));
	EXPECT_STREQ("address 0: bad family or prefix length", p.why);
	a.addrs[0].prefixlen = 24;

	a.n_addrs = ENID_MAX_ADDRS + 1;
	EXPECT_EQ(-E2BIG, link_plan(&cfg, &f, &a, 1, &p));
	a.n_addrs = 1;

	/* a v6 gateway without any v6 address plans no v6 route */
	ASSERT_TRUE(enid_ip_parse("fe80::1", false, &a.gateway6));
	ASSERT_EQ(0, link_plan(&cfg, &f, &a, 1, &p));
	EXPECT_EQ(2, p.n_routes);
	for (unsigned i = 0; i < p.n_routes; i++)
		EXPECT_EQ(AF_INET, p.routes[i].family);
	/* no nodad unless the source vouches; no v4 nodad ever */
	EXPECT_EQ(IFA_F_NOPREFIXROUTE, p.addrs[0].flags);
}

TEST_HARNESS_MAIN
