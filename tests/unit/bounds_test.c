// SPDX-License-Identifier: GPL-2.0
/* Sanity bounds on an addressing (bounds.h): every rule, its accept and reject edges. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "kselftest_harness.h"
#include "bounds.h"

static const struct enid_prefix_limits defaults = {
	.v4_min = ENID_DEF_PREFIX4_MIN,
	.v4_max = ENID_DEF_PREFIX4_MAX,
	.v6_min = ENID_DEF_PREFIX6_MIN,
	.v6_max = ENID_DEF_PREFIX6_MAX,
};

/* A host like the netns tier's: prim0 10.99.0.2/24, 2001:db8:99::2/64, fe80::2/64;
 * another ENI holds 172.16.1.20. */
static struct enid_ip prim[3], other[1];
static const struct bounds_host host = {prim, 3, other, 1};

static struct enid_ip ipp(const char *s)
{
	struct enid_ip ip;

	if (!enid_ip_parse(s, strchr(s, '/') != NULL, &ip)) {
		fprintf(stderr, "bad test address %s\n", s);
		abort();
	}
	return ip;
}

static void host_init(void)
{
	prim[0] = ipp("10.99.0.2/24");
	prim[1] = ipp("2001:db8:99::2/64");
	prim[2] = ipp("fe80::2/64");
	other[0] = ipp("172.16.1.20");
}

/*
 * "172.16.1.21/24 172.16.1.22/24 gw 172.16.1.253 gw6 fe80::1": addresses with their
 * prefixes, then optional "gw X" and "gw6 Y".
 */
static struct addressing addressing(const char *text)
{
	struct addressing a;
	char buf[1024], *save = NULL, *tok;
	int gw = 0;

	memset(&a, 0, sizeof(a));
	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "gw"))
			gw = 4;
		else if (!strcmp(tok, "gw6"))
			gw = 6;
		else if (gw == 4)
			a.gateway4 = ipp(tok), gw = 0;
		else if (gw == 6)
			a.gateway6 = ipp(tok), gw = 0;
		else
			a.addrs[a.n_addrs++] = ipp(tok);
	}
	return a;
}

static int check(const char *text, const struct enid_prefix_limits *lim, struct bounds_verdict *v)
{
	struct addressing a = addressing(text);

	host_init();
	return bounds_check(&a, lim ? lim : &defaults, &host, v);
}

static void expect_ok(struct __test_metadata *_metadata, const char *text,
		      const struct enid_prefix_limits *lim)
{
	struct bounds_verdict v;
	int r = check(text, lim, &v);

	EXPECT_EQ(0, r) TH_LOG("%s: %s %s %s", text, bounds_attr_name(v.attr), v.value, v.reason);
}

static void expect_bad(struct __test_metadata *_metadata, const char *text,
		       const struct enid_prefix_limits *lim, int err, enum bounds_attr attr,
		       unsigned index, const char *value, const char *reason)
{
	struct bounds_verdict v;
	int r = check(text, lim, &v);

	EXPECT_EQ(err, r) TH_LOG("%s: %s %s %s", text, bounds_attr_name(v.attr), v.value, v.reason);
	EXPECT_EQ(attr, v.attr);
	EXPECT_EQ(index, v.index);
	EXPECT_STREQ(value, v.value);
	EXPECT_STREQ(reason, v.reason);
}

/* ---- rule 1: prefix lengths ---- */

TEST(prefix_v4_edges_8_and_30_accepted)
{
	expect_ok(_metadata, "11.1.2.3/8 gw 11.255.255.253", NULL);
	expect_ok(_metadata, "172.16.1.5/30 gw 172.16.1.6", NULL);
}

TEST(prefix_v4_7_rejected)
{
	expect_bad(_metadata, "10.1.2.3/7 gw 10.1.2.1", NULL, -ERANGE, BOUNDS_SUBNET, 0,
		   "10.0.0.0/7", "has a prefix length /7 outside the IPv4 limits /8../30");
}

TEST(prefix_v4_31_rejected)
{
	expect_bad(_metadata, "172.16.1.21/24 172.16.5.4/31", NULL, -ERANGE, BOUNDS_SUBNET, 1,
		   "172.16.5.4/31", "has a prefix length /31 outside the IPv4 limits /8../30");
}

TEST(prefix_v4_0_0_0_0_slash_1_rejected)
{
	expect_bad(_metadata, "10.1.2.3/1 gw 10.0.0.253", NULL, -ERANGE, BOUNDS_SUBNET, 0,
		   "0.0.0.0/1", "has a prefix length /1 outside the IPv4 limits /8../30");
}

TEST(prefix_host_length_exempt)
{
	/* no subnet, no subnet route: nothing to bound */
	expect_ok(_metadata, "172.16.1.21/32", NULL);
	expect_ok(_metadata, "2001:db8:5::1/128", NULL);
}

TEST(prefix_v6_edges_48_and_128_accepted)
{
	expect_ok(_metadata, "172.16.1.21/24 2001:db8:5::1/48 gw6 fe80::1", NULL);
	expect_ok(_metadata, "172.16.1.21/24 2001:db8:5::1/127 gw6 fe80::1", NULL);
}

TEST(prefix_v6_47_rejected)
{
	expect_bad(_metadata, "172.16.1.21/24 2001:db8:4::1/47", NULL, -ERANGE, BOUNDS_SUBNET, 1,
		   "2001:db8:4::/47", "has a prefix length /47 outside the IPv6 limits /48../128");
}

TEST(prefix_limits_configurable)
{
	const struct enid_prefix_limits narrow = {16, 24, 64, 64};
	const struct enid_prefix_limits wide = {1, 32, 1, 128};

	expect_bad(_metadata, "10.1.2.3/8", &narrow, -ERANGE, BOUNDS_SUBNET, 0, "10.0.0.0/8",
		   "has a prefix length /8 outside the IPv4 limits /16../24");
	expect_ok(_metadata, "10.1.2.3/16 10.2.2.3/24", &narrow);
	expect_bad(_metadata, "10.1.2.3/25", &narrow, -ERANGE, BOUNDS_SUBNET, 0, "10.1.2.0/25",
		   "has a prefix length /25 outside the IPv4 limits /16../24");
	expect_bad(_metadata, "10.1.2.3/24 2001:db8:5::1/65", &narrow, -ERANGE, BOUNDS_SUBNET, 1,
		   "2001:db8:5::/65", "has a prefix length /65 outside the IPv6 limits /64../64");
	expect_ok(_metadata, "172.16.1.5/31", &wide);
}

/* ---- rule 2: every address a host of its subnet ---- */

TEST(addr_inside_subnet_edges)
{
	expect_ok(_metadata, "172.16.1.1/24 172.16.1.254/24 gw 172.16.1.253", NULL);
	expect_bad(_metadata, "172.16.1.21/24 172.16.1.0/24", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR, 1,
		   "172.16.1.0", "is the network address of 172.16.1.0/24");
	expect_bad(_metadata, "172.16.1.255/24", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR, 0,
		   "172.16.1.255", "is the broadcast address of 172.16.1.0/24");
	expect_bad(_metadata, "172.16.1.21/24 2001:db8:5::/64", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR,
		   1, "2001:db8:5::", "is the network address of 2001:db8:5::/64");
	expect_ok(_metadata, "172.16.1.21/24 2001:db8:5::ffff:ffff:ffff:ffff/64", NULL);
}

/* ---- rule 3: reserved ranges ---- */

TEST(reserved_metadata_service)
{
	expect_bad(_metadata, "100.100.100.200/24 gw 100.100.100.253", NULL, -EADDRNOTAVAIL,
		   BOUNDS_ADDR, 0, "100.100.100.200",
		   "is the metadata service (100.100.100.200/32)");
	expect_bad(_metadata, "100.100.1.5/16", NULL, -EADDRNOTAVAIL, BOUNDS_SUBNET, 0,
		   "100.100.0.0/16", "overlaps the metadata service 100.100.100.200/32");
	/* next door is fine */
	expect_ok(_metadata, "100.100.100.198/30 gw 100.100.100.197", NULL);
	expect_ok(_metadata, "100.100.100.201/32", NULL);
}

TEST(reserved_loopback_link_local_multicast)
{
	expect_bad(_metadata, "127.0.0.5/8", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR, 0, "127.0.0.5",
		   "is loopback (127.0.0.0/8)");
	expect_bad(_metadata, "169.254.3.4/24", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR, 0, "169.254.3.4",
		   "is link-local (169.254.0.0/16)");
	expect_bad(_metadata, "169.253.3.4/8", NULL, -EADDRNOTAVAIL, BOUNDS_SUBNET, 0,
		   "169.0.0.0/8", "overlaps link-local 169.254.0.0/16");
	expect_bad(_metadata, "224.0.0.5/24", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR, 0, "224.0.0.5",
		   "is multicast (224.0.0.0/4)");
	expect_bad(_metadata, "250.1.1.1/24", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR, 0, "250.1.1.1",
		   "is reserved (240.0.0.0/4)");
	expect_bad(_metadata, "0.1.1.1/24", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR, 0, "0.1.1.1",
		   "is \"this network\" (0.0.0.0/8)");
	expect_bad(_metadata, "10.0.0.5/24 ::1/128", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR, 1, "::1",
		   "is loopback (::1/128)");
	expect_bad(_metadata, "10.0.0.5/24 fe80::5/64", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR, 1,
		   "fe80::5", "is link-local (fe80::/10)");
	expect_bad(_metadata, "10.0.0.5/24 ff05::5/64", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR, 1,
		   "ff05::5", "is multicast (ff00::/8)");
	expect_bad(_metadata, "10.0.0.5/24 ::ffff:10.0.0.6/120", NULL, -EADDRNOTAVAIL, BOUNDS_ADDR,
		   1, "::ffff:10.0.0.6", "is IPv4-mapped (::ffff:0.0.0.0/96)");
	/* the edges around them */
	expect_ok(_metadata, "126.255.255.5/24 128.0.0.5/24 169.255.0.5/24 223.255.255.5/24", NULL);
	expect_ok(_metadata, "10.0.0.5/24 fec0::5/64 fe7f::5/64", NULL);
}

/* ---- rule 4: the primary and the other ENIs ---- */

TEST(host_primary_address_rejected)
{
	expect_bad(_metadata, "10.99.0.2/24 gw 10.99.0.253", NULL, -EADDRINUSE, BOUNDS_ADDR, 0,
		   "10.99.0.2", "is an address of the primary interface (10.99.0.2/24)");
	expect_bad(_metadata, "10.99.0.9/24 2001:db8:99::2/64", NULL, -EADDRINUSE, BOUNDS_ADDR, 1,
		   "2001:db8:99::2", "is an address of the primary interface (2001:db8:99::2/64)");
}

TEST(host_primary_subnet_shared_accepted)
{
	/* ECS: an ENI in the primary's vSwitch */
	expect_ok(_metadata, "10.99.0.3/24 2001:db8:99::3/64 gw 10.99.0.253 gw6 fe80::1", NULL);
}

TEST(host_primary_subnet_overlap_rejected)
{
	expect_bad(_metadata, "10.99.1.3/16 gw 10.99.1.253", NULL, -EADDRINUSE, BOUNDS_SUBNET, 0,
		   "10.99.0.0/16", "overlaps the primary interface's subnet 10.99.0.0/24");
	expect_bad(_metadata, "10.99.0.130/25 gw 10.99.0.253", NULL, -EADDRINUSE, BOUNDS_SUBNET, 0,
		   "10.99.0.128/25", "overlaps the primary interface's subnet 10.99.0.0/24");
	expect_bad(_metadata, "10.0.0.5/24 2001:db8:99::3/80", NULL, -EADDRINUSE, BOUNDS_SUBNET, 1,
		   "2001:db8:99::/80", "overlaps the primary interface's subnet 2001:db8:99::/64");
	/* next door */
	expect_ok(_metadata, "10.99.1.3/24 10.98.0.3/24 10.100.0.3/16", NULL);
}

TEST(host_primary_host_address_is_no_subnet)
{
	static struct enid_ip p32[1];
	const struct bounds_host h = {p32, 1, NULL, 0};
	struct addressing a = addressing("10.5.0.6/24 gw 10.5.0.253");
	struct bounds_verdict v;

	p32[0] = ipp("10.5.0.5/32");
	EXPECT_EQ(0, bounds_check(&a, &defaults, &h, &v)) TH_LOG("%s", v.reason);
	a = addressing("10.5.0.5/24");
	EXPECT_EQ(-EADDRINUSE, bounds_check(&a, &defaults, &h, &v));
}

TEST(host_other_eni_address_rejected)
{
	expect_bad(_metadata, "172.16.1.21/24 172.16.1.20/24", NULL, -EADDRINUSE, BOUNDS_ADDR, 1,
		   "172.16.1.20", "is an address of another ENI");
	/* its subnet is no one's: shared is fine */
	expect_ok(_metadata, "172.16.1.21/24 gw 172.16.1.253", NULL);
}

TEST(no_host_at_load_time)
{
	struct addressing a = addressing("10.99.0.2/24 gw 10.99.0.253");
	struct bounds_verdict v;

	EXPECT_EQ(0, bounds_check(&a, &defaults, NULL, &v));
}

/* ---- rule 5: gateways ---- */

TEST(gateway4_edges)
{
	expect_ok(_metadata, "172.16.1.21/24 gw 172.16.1.1", NULL);
	expect_ok(_metadata, "172.16.1.21/24 gw 172.16.1.254", NULL);
	expect_bad(_metadata, "172.16.1.21/24 gw 172.16.1.0", NULL, -EINVAL, BOUNDS_GATEWAY4, 0,
		   "172.16.1.0", "is the network address of 172.16.1.0/24");
	expect_bad(_metadata, "172.16.1.21/24 gw 172.16.1.255", NULL, -EINVAL, BOUNDS_GATEWAY4, 0,
		   "172.16.1.255", "is the broadcast address of 172.16.1.0/24");
	expect_bad(_metadata, "172.16.1.21/24 gw 172.16.2.1", NULL, -EINVAL, BOUNDS_GATEWAY4, 0,
		   "172.16.2.1", "is not inside any IPv4 subnet of the ENI");
	expect_bad(_metadata, "172.16.1.21/24 gw 172.16.1.21", NULL, -EINVAL, BOUNDS_GATEWAY4, 0,
		   "172.16.1.21", "is an address of the ENI");
	expect_bad(_metadata, "10.99.0.3/24 gw 10.99.0.2", NULL, -EINVAL, BOUNDS_GATEWAY4, 0,
		   "10.99.0.2", "is an address of the primary interface");
	expect_bad(_metadata, "172.16.1.21/24 gw 172.16.1.20", NULL, -EINVAL, BOUNDS_GATEWAY4, 0,
		   "172.16.1.20", "is an address of another ENI");
	expect_bad(_metadata, "10.0.0.5/24 gw 127.0.0.1", NULL, -EINVAL, BOUNDS_GATEWAY4, 0,
		   "127.0.0.1", "is loopback (127.0.0.0/8)");
	expect_bad(_metadata, "10.0.0.5/24 gw 100.100.100.200", NULL, -EINVAL, BOUNDS_GATEWAY4, 0,
		   "100.100.100.200", "is the metadata service (100.100.100.200/32)");
	/* /30: .4 network, .7 broadcast, .5 and .6 hosts */
	expect_ok(_metadata, "172.16.1.5/30 gw 172.16.1.6", NULL);
	expect_bad(_metadata, "172.16.1.5/30 gw 172.16.1.7", NULL, -EINVAL, BOUNDS_GATEWAY4, 0,
		   "172.16.1.7", "is the broadcast address of 172.16.1.4/30");
}

TEST(gateway6_edges)
{
	expect_ok(_metadata, "10.0.0.5/24 2001:db8:5::5/64 gw6 fe80::1", NULL);
	expect_ok(_metadata, "10.0.0.5/24 2001:db8:5::5/64 gw6 2001:db8:5::fffd", NULL);
	expect_bad(_metadata, "10.0.0.5/24 2001:db8:5::5/64 gw6 2001:db8:6::1", NULL, -EINVAL,
		   BOUNDS_GATEWAY6, 0, "2001:db8:6::1",
		   "is neither link-local nor inside any IPv6 subnet of the ENI");
	expect_bad(_metadata, "10.0.0.5/24 2001:db8:5::5/64 gw6 ff02::1", NULL, -EINVAL,
		   BOUNDS_GATEWAY6, 0, "ff02::1", "is multicast (ff00::/8)");
	expect_bad(_metadata, "10.0.0.5/24 2001:db8:5::5/64 gw6 2001:db8:5::5", NULL, -EINVAL,
		   BOUNDS_GATEWAY6, 0, "2001:db8:5::5", "is an address of the ENI");
	expect_bad(_metadata, "10.0.0.5/24 2001:db8:99::5/64 gw6 fe80::2", NULL, -EINVAL,
		   BOUNDS_GATEWAY6, 0, "fe80::2", "is an address of the primary interface");
}

TEST(overlap_helper)
{
	struct enid_ip a = ipp("10.0.0.0/8"), b = ipp("10.1.0.0/16"), c = ipp("11.0.0.0/8");
	struct enid_ip d = ipp("2001:db8::/32");

	EXPECT_TRUE(bounds_overlap(&a, &b));
	EXPECT_TRUE(bounds_overlap(&b, &a));
	EXPECT_FALSE(bounds_overlap(&a, &c));
	EXPECT_FALSE(bounds_overlap(&a, &d));
}

TEST_HARNESS_MAIN
