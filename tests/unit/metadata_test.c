// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata addressing: answers -> struct addressing (good shapes, every bad-answer
 * class with its exact message), netmask, macs listing, the per-MAC fetch plan
 * (requests per ENI, retries), backoff bounds, token rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "config.h"
#include "plan.h"
#include "metadata.h"

#define NF "!404" /* an answer that is a 404 */

static const uint8_t mac1[6] = {0x00, 0x16, 0x3e, 0xaa, 0xbb, 0xcc};

/* IPv4 + IPv6 ENI, primary in the middle of private-ipv4s. */
static void base_answers(const char *v[MD_KEY_COUNT])
{
	memset(v, 0, sizeof(*v) * MD_KEY_COUNT);
	v[MD_KEY_PRIVATE_IPV4S] = "[\"10.0.0.11\",\"10.0.0.10\",\"10.0.0.12\"]";
	v[MD_KEY_PRIMARY_IP] = "10.0.0.10";
	v[MD_KEY_VSWITCH_CIDR] = "10.0.0.0/24";
	v[MD_KEY_GATEWAY] = "10.0.0.253";
	v[MD_KEY_IPV6S] = "[2001:db8:0:1::10,2001:db8:0:1::11]";
	v[MD_KEY_VSWITCH_IPV6_CIDR] = "2001:db8:0:1::/64";
	v[MD_KEY_IPV6_GATEWAY] = "2001:db8:0:1::fffd";
}

/* A one-address IPv4-only ENI. */
static void base_v4(const char *v[MD_KEY_COUNT])
{
	memset(v, 0, sizeof(*v) * MD_KEY_COUNT);
	v[MD_KEY_PRIVATE_IPV4S] = "[\"172.16.5.20\"]";
	v[MD_KEY_PRIMARY_IP] = "172.16.5.20";
	v[MD_KEY_VSWITCH_CIDR] = "172.16.0.0/20";
	v[MD_KEY_GATEWAY] = "172.16.15.253";
	v[MD_KEY_IPV6S] = NF;
}

static void to_answers(const char *const v[MD_KEY_COUNT], const size_t *lens,
		       struct md_answer ans[MD_KEY_COUNT])
{
	for (unsigned k = 0; k < MD_KEY_COUNT; k++) {
		ans[k].body = NULL;
		ans[k].len = 0;
		if (!v[k]) {
			ans[k].status = MD_ANS_NONE;
		} else if (!strcmp(v[k], NF)) {
			ans[k].status = MD_ANS_NOT_FOUND;
		} else {
			ans[k].status = MD_ANS_OK;
			ans[k].body = v[k];
			ans[k].len = lens && lens[k] ? lens[k] : strlen(v[k]);
		}
	}
}

static int build(const char *const v[MD_KEY_COUNT], struct addressing *out, char *why)
{
	struct md_answer ans[MD_KEY_COUNT];

	to_answers(v, NULL, ans);
	return metadata_build(ans, out, why, MD_WHY_LEN);
}

/* The addressing as "10.0.0.10/24 10.0.0.12/24 gw 10.0.0.253 gw6 - nodad". */
static const char *render(const struct addressing *a, char *buf, size_t len)
{
	char s[ENID_IP_STRLEN];
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < a->n_addrs; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s ",
				      enid_ip_format(&a->addrs[i], true, s, sizeof(s)));
	n += (size_t)snprintf(buf + n, len - n, "gw %s ",
			      a->gateway4.family ? enid_ip_format(&a->gateway4, false, s, sizeof(s))
						 : "-");
	n += (size_t)snprintf(buf + n, len - n, "gw6 %s",
			      a->gateway6.family ? enid_ip_format(&a->gateway6, false, s, sizeof(s))
						 : "-");
	snprintf(buf + n, len - n, "%s mtu %u", a->nodad ? " nodad" : "", a->mtu);
	return buf;
}

static void expect_good(struct __test_metadata *_metadata, const char *const v[MD_KEY_COUNT],
			const char *want)
{
	struct addressing out;
	char why[MD_WHY_LEN] = "", got[2048];
	int r;

	memset(&out, 0x5a, sizeof(out));
	r = build(v, &out, why);
	ASSERT_EQ(0, r) TH_LOG("why: %s", why);
	EXPECT_STREQ(want, render(&out, got, sizeof(got)));
	EXPECT_STREQ("", why);
}

/* An error, its exact reason, and *out untouched. */
static void expect_bad(struct __test_metadata *_metadata, const char *const v[MD_KEY_COUNT],
		       const size_t *lens, int err, const char *want)
{
	struct md_answer ans[MD_KEY_COUNT];
	struct addressing out, sentinel;
	char why[MD_WHY_LEN] = "";
	int r;

	memset(&out, 0x5a, sizeof(out));
	memset(&sentinel, 0x5a, sizeof(sentinel));
	to_answers(v, lens, ans);
	r = metadata_build(ans, &out, why, sizeof(why));
	EXPECT_EQ(err, r) TH_LOG("why: %s", why);
	EXPECT_STREQ(want, why);
	EXPECT_EQ(NULL, strchr(why, '\n'));
	EXPECT_EQ(0, memcmp(&out, &sentinel, sizeof(out)));
}

/* "[\"10.0.x.y\",...]" with n addresses from 10.0.0.1, in a /16. */
static char *v4_array(unsigned n)
{
	char *s = malloc(20 * (size_t)n + 4);
	size_t len = 0;

	s[len++] = '[';
	for (unsigned i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%s\"10.0.%u.%u\"", i ? "," : "", (i + 1) / 250,
				       (i + 1) % 250 + 1);
	strcpy(s + len, "]");
	return s;
}

/* ---- good answers ---- */

TEST(good_primary_in_middle_and_v6_bare)
{
	const char *v[MD_KEY_COUNT];

	base_answers(v);
	expect_good(
		_metadata, v,
		"10.0.0.10/24 10.0.0.11/24 10.0.0.12/24 2001:db8:0:1::10/64 2001:db8:0:1::11/64 "
		"gw 10.0.0.253 gw6 2001:db8:0:1::fffd nodad mtu 0");
}

TEST(good_primary_last)
{
	const char *v[MD_KEY_COUNT];

	base_v4(v);
	v[MD_KEY_PRIVATE_IPV4S] = "[\"172.16.5.22\",\"172.16.5.21\",\"172.16.5.20\"]";
	expect_good(_metadata, v,
		    "172.16.5.20/20 172.16.5.22/20 172.16.5.21/20 gw 172.16.15.253 gw6 - nodad "
		    "mtu 0");
}

TEST(good_one_ip)
{
	const char *v[MD_KEY_COUNT];

	base_v4(v);
	expect_good(_metadata, v, "172.16.5.20/20 gw 172.16.15.253 gw6 - nodad mtu 0");
}

TEST(good_ten_ips_with_whitespace)
{
	const char *v[MD_KEY_COUNT];

	base_v4(v);
	v[MD_KEY_PRIVATE_IPV4S] = "[ \"172.16.5.21\", \"172.16.5.22\", \"172.16.5.23\",\n"
				  "\"172.16.5.24\",\"172.16.5.25\",\"172.16.5.26\",\"172.16.5.27\","
				  "\"172.16.5.28\",\"172.16.5.29\",\"172.16.5.20\" ]\n";
	v[MD_KEY_PRIMARY_IP] = "172.16.5.20\n";
	v[MD_KEY_GATEWAY] = "172.16.15.253\r\n";
	expect_good(_metadata, v,
		    "172.16.5.20/20 172.16.5.21/20 172.16.5.22/20 172.16.5.23/20 172.16.5.24/20 "
		    "172.16.5.25/20 172.16.5.26/20 172.16.5.27/20 172.16.5.28/20 172.16.5.29/20 "
		    "gw 172.16.15.253 gw6 - nodad mtu 0");
}

TEST(good_64_addresses)
{
	const char *v[MD_KEY_COUNT];
	struct addressing out;
	char why[MD_WHY_LEN];
	char *arr = v4_array(64);

	base_v4(v);
	v[MD_KEY_PRIVATE_IPV4S] = arr;
	v[MD_KEY_PRIMARY_IP] = "10.0.0.5";
	v[MD_KEY_VSWITCH_CIDR] = "10.0.0.0/16";
	v[MD_KEY_GATEWAY] = "10.0.255.253";
	ASSERT_EQ(0, build(v, &out, why)) TH_LOG("why: %s", why);
	EXPECT_EQ(64, out.n_addrs);
	EXPECT_EQ(5, out.addrs[0].bytes[3]);
	EXPECT_EQ(16, out.addrs[63].prefixlen);
	free(arr);
}

TEST(good_v6_bare_with_spaces)
{
	const char *v[MD_KEY_COUNT];

	base_answers(v);
	v[MD_KEY_IPV6S] = "[ 2001:db8:0:1::10 , 2001:db8:0:1::11 ]";
	v[MD_KEY_IPV6_GATEWAY] = "fe80::1";
	expect_good(
		_metadata, v,
		"10.0.0.10/24 10.0.0.11/24 10.0.0.12/24 2001:db8:0:1::10/64 2001:db8:0:1::11/64 "
		"gw 10.0.0.253 gw6 fe80::1 nodad mtu 0");
}

TEST(good_v6_json)
{
	const char *v[MD_KEY_COUNT];

	base_answers(v);
	v[MD_KEY_IPV6S] = "[\"2001:db8:0:1::11\"]";
	expect_good(_metadata, v,
		    "10.0.0.10/24 10.0.0.11/24 10.0.0.12/24 2001:db8:0:1::11/64 gw 10.0.0.253 gw6 "
		    "2001:db8:0:1::fffd nodad mtu 0");
}

TEST(good_v6_404_means_none)
{
	const char *v[MD_KEY_COUNT];

	base_answers(v);
	v[MD_KEY_IPV6S] = NF;
	v[MD_KEY_VSWITCH_IPV6_CIDR] = NF;
	v[MD_KEY_IPV6_GATEWAY] = NF;
	expect_good(_metadata, v,
		    "10.0.0.10/24 10.0.0.11/24 10.0.0.12/24 gw 10.0.0.253 gw6 - nodad mtu 0");
}

TEST(good_v6_empty_list)
{
	const char *v[MD_KEY_COUNT];

	base_answers(v);
	v[MD_KEY_IPV6S] = "[]";
	v[MD_KEY_VSWITCH_IPV6_CIDR] = NULL;
	v[MD_KEY_IPV6_GATEWAY] = NULL;
	expect_good(_metadata, v,
		    "10.0.0.10/24 10.0.0.11/24 10.0.0.12/24 gw 10.0.0.253 gw6 - nodad mtu 0");
}

TEST(good_netmask_stands_in_for_vswitch_block)
{
	const char *v[MD_KEY_COUNT];

	base_v4(v);
	v[MD_KEY_VSWITCH_CIDR] = NF;
	v[MD_KEY_NETMASK] = "255.255.240.0";
	expect_good(_metadata, v, "172.16.5.20/20 gw 172.16.15.253 gw6 - nodad mtu 0");
	v[MD_KEY_VSWITCH_CIDR] = "172.16.0.0/20";
	expect_good(_metadata, v, "172.16.5.20/20 gw 172.16.15.253 gw6 - nodad mtu 0");
}

TEST(good_cidr_host_bits_cleared)
{
	const char *v[MD_KEY_COUNT];

	base_v4(v);
	v[MD_KEY_VSWITCH_CIDR] = "172.16.3.1/20";
	expect_good(_metadata, v, "172.16.5.20/20 gw 172.16.15.253 gw6 - nodad mtu 0");
}

/* ---- missing answers: -EAGAIN, never "no addresses" ---- */

/* ---- the answers of issue 9 against bounds.h, and the key each verdict names ---- */

static const struct enid_prefix_limits md_limits = {8, 30, 48, 128};

/* Builds v (must succeed: the parser alone lets these through), then bounds-checks it
 * with the primary at 172.16.5.2/20 and another ENI at 172.16.5.30. */
static void expect_refused(struct __test_metadata *_metadata, const char *const v[MD_KEY_COUNT],
			   int err, enum md_key key, const char *value, const char *reason)
{
	struct enid_ip prim, other;
	struct bounds_host host = {&prim, 1, &other, 1};
	struct bounds_verdict vd;
	struct addressing a;
	char why[MD_WHY_LEN] = "";

	ASSERT_TRUE(enid_ip_parse("172.16.5.2/20", true, &prim));
	ASSERT_TRUE(enid_ip_parse("172.16.5.30", false, &other));
	ASSERT_EQ(0, build(v, &a, why)) TH_LOG("why: %s", why);
	EXPECT_EQ(err, bounds_check(&a, &md_limits, &host, &vd));
	EXPECT_STREQ(metadata_key_name(key), metadata_key_name(metadata_bounds_key(&a, &vd)));
	EXPECT_STREQ(value, vd.value);
	EXPECT_STREQ(reason, vd.reason);
}

TEST(bounds_vswitch_block_0_0_0_0_slash_1_refused)
{
	const char *v[MD_KEY_COUNT];

	base_v4(v);
	v[MD_KEY_PRIVATE_IPV4S] = "[\"10.0.5.20\"]";
	v[MD_KEY_PRIMARY_IP] = "10.0.5.20";
	v[MD_KEY_GATEWAY] = "10.0.15.253";
	v[MD_KEY_VSWITCH_CIDR] = "0.0.0.0/1";
	expect_refused(_metadata, v, -ERANGE, MD_KEY_VSWITCH_CIDR, "0.0.0.0/1",
		       "has a prefix length /1 outside the IPv4 limits /8../30");
}

TEST(bounds_vswitch_block_edges)
{
	const char *v[MD_KEY_COUNT];
	struct bounds_verdict vd;
	struct addressing a;
	char why[MD_WHY_LEN] = "";

	base_v4(v);
	v[MD_KEY_VSWITCH_CIDR] = "172.0.0.0/8";
	ASSERT_EQ(0, build(v, &a, why));
	EXPECT_EQ(0, bounds_check(&a, &md_limits, NULL, &vd)) TH_LOG("%s", vd.reason);
	v[MD_KEY_VSWITCH_CIDR] = "172.16.15.252/30";
	v[MD_KEY_PRIVATE_IPV4S] = "[\"172.16.15.254\"]";
	v[MD_KEY_PRIMARY_IP] = "172.16.15.254";
	ASSERT_EQ(0, build(v, &a, why));
	EXPECT_EQ(0, bounds_check(&a, &md_limits, NULL, &vd)) TH_LOG("%s", vd.reason);
	v[MD_KEY_VSWITCH_CIDR] = "172.16.15.252/31";
	v[MD_KEY_PRIVATE_IPV4S] = "[\"172.16.15.252\"]";
	v[MD_KEY_PRIMARY_IP] = "172.16.15.252";
	v[MD_KEY_GATEWAY] = "172.16.15.253";
	expect_refused(_metadata, v, -ERANGE, MD_KEY_VSWITCH_CIDR, "172.16.15.252/31",
		       "has a prefix length /31 outside the IPv4 limits /8../30");
	base_v4(v);
	v[MD_KEY_VSWITCH_CIDR] = "172.0.0.0/7";
	expect_refused(_metadata, v, -ERANGE, MD_KEY_VSWITCH_CIDR, "172.0.0.0/7",
		       "has a prefix length /7 outside the IPv4 limits /8../30");
}

TEST(bounds_metadata_service_address_refused)
{
	const char *v[MD_KEY_COUNT];

	base_v4(v);
	v[MD_KEY_PRIVATE_IPV4S] = "[\"100.100.100.201\",\"100.100.100.200\"]";
	v[MD_KEY_PRIMARY_IP] = "100.100.100.201";
	v[MD_KEY_VSWITCH_CIDR] = "100.100.100.200/29";
	v[MD_KEY_GATEWAY] = "100.100.100.206";
	expect_refused(_metadata, v, -EADDRNOTAVAIL, MD_KEY_PRIVATE_IPV4S, "100.100.100.200",
		       "is the metadata service (100.100.100.200/32)");
}

TEST(bounds_primary_address_refused)
{
	const char *v[MD_KEY_COUNT];

	base_v4(v);
	v[MD_KEY_PRIVATE_IPV4S] = "[\"172.16.5.2\"]";
	v[MD_KEY_PRIMARY_IP] = "172.16.5.2";
	expect_refused(_metadata, v, -EADDRINUSE, MD_KEY_PRIMARY_IP, "172.16.5.2",
		       "is an address of the primary interface (172.16.5.2/20)");
	v[MD_KEY_PRIVATE_IPV4S] = "[\"172.16.5.20\",\"172.16.5.30\"]";
	v[MD_KEY_PRIMARY_IP] = "172.16.5.20";
	expect_refused(_metadata, v, -EADDRINUSE, MD_KEY_PRIVATE_IPV4S, "172.16.5.30",
		       "is an address of another ENI");
}

TEST(bounds_network_broadcast_and_gateways_refused)
{
	const char *v[MD_KEY_COUNT];

	base_v4(v);
	v[MD_KEY_PRIVATE_IPV4S] = "[\"172.16.5.20\",\"172.16.15.255\"]";
	expect_refused(_metadata, v, -EADDRNOTAVAIL, MD_KEY_PRIVATE_IPV4S, "172.16.15.255",
		       "is the broadcast address of 172.16.0.0/20");
	base_v4(v);
	v[MD_KEY_GATEWAY] = "172.16.0.0";
	expect_refused(_metadata, v, -EINVAL, MD_KEY_GATEWAY, "172.16.0.0",
		       "is the network address of 172.16.0.0/20");
	v[MD_KEY_GATEWAY] = "172.16.15.255";
	expect_refused(_metadata, v, -EINVAL, MD_KEY_GATEWAY, "172.16.15.255",
		       "is the broadcast address of 172.16.0.0/20");
	v[MD_KEY_GATEWAY] = "172.16.5.2";
	expect_refused(_metadata, v, -EINVAL, MD_KEY_GATEWAY, "172.16.5.2",
		       "is an address of the primary interface");
}

TEST(bounds_ipv6_keys)
{
	const char *v[MD_KEY_COUNT];

	base_answers(v);
	v[MD_KEY_VSWITCH_IPV6_CIDR] = "2001:db8::/47";
	v[MD_KEY_PRIVATE_IPV4S] = "[\"172.16.5.20\"]";
	v[MD_KEY_PRIMARY_IP] = "172.16.5.20";
	v[MD_KEY_VSWITCH_CIDR] = "172.16.0.0/20";
	v[MD_KEY_GATEWAY] = "172.16.15.253";
	expect_refused(_metadata, v, -ERANGE, MD_KEY_VSWITCH_IPV6_CIDR, "2001:db8::/47",
		       "has a prefix length /47 outside the IPv6 limits /48../128");
	v[MD_KEY_VSWITCH_IPV6_CIDR] = "2001:db8:0:1::/64";
	v[MD_KEY_IPV6S] = "[2001:db8:0:1::10,2001:db8:0:1::]";
	expect_refused(_metadata, v, -EADDRNOTAVAIL, MD_KEY_IPV6S, "2001:db8:0:1::",
		       "is the network address of 2001:db8:0:1::/64");
	v[MD_KEY_IPV6S] = "[2001:db8:0:1::10]";
	v[MD_KEY_IPV6_GATEWAY] = "2001:db8:0:1::10";
	/* the parser already refuses a gateway that is an ENI address */
	{
		struct addressing a;
		char why[MD_WHY_LEN] = "";

		EXPECT_EQ(-EINVAL, build(v, &a, why));
	}
}

TEST(bounds_good_answers_pass)
{
	const char *v[MD_KEY_COUNT];
	struct bounds_verdict vd;
	struct addressing a;
	char why[MD_WHY_LEN] = "";

	base_answers(v);
	ASSERT_EQ(0, build(v, &a, why));
	EXPECT_EQ(0, bounds_check(&a, &md_limits, NULL, &vd)) TH_LOG("%s", vd.reason);
	base_v4(v);
	ASSERT_EQ(0, build(v, &a, why));
	EXPECT_EQ(0, bounds_check(&a, &md_limits, NULL, &vd)) TH_LOG("%s", vd.reason);
}

TEST(missing_required_keys)
{
	static const struct {
		enum md_key key;
		const char *val;
		const char *why;
	} cases[] = {
		{MD_KEY_PRIVATE_IPV4S, NF, "private-ipv4s: 404 (not there yet)"},
		{MD_KEY_PRIVATE_IPV4S, NULL, "private-ipv4s: no answer"},
		{MD_KEY_PRIMARY_IP, NF, "primary-ip-address: 404 (not there yet)"},
		{MD_KEY_GATEWAY, NF, "gateway: 404 (not there yet)"},
		{MD_KEY_VSWITCH_CIDR, NF, "vswitch-cidr-block: 404 (not there yet)"},
		{MD_KEY_VSWITCH_IPV6_CIDR, NF, "vswitch-ipv6-cidr-block: 404 (not there yet)"},
		{MD_KEY_IPV6_GATEWAY, NF, "ipv6-gateway: 404 (not there yet)"},
		{MD_KEY_IPV6_GATEWAY, NULL, "ipv6-gateway: no answer"},
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *v[MD_KEY_COUNT];

		base_answers(v);
		v[cases[i].key] = cases[i].val;
		expect_bad(_metadata, v, NULL, -EAGAIN, cases[i].why);
	}
}

/* ---- bad answers: one variant per class, exact message ---- */

FIXTURE(bad)
{
	char *big;
};

FIXTURE_VARIANT(bad)
{
	enum md_key key;
	const char *body;
	size_t len; /* 0 = strlen */
	int err;
	const char *why;
};

FIXTURE_SETUP(bad)
{
	self->big = NULL;
}

FIXTURE_TEARDOWN(bad)
{
	free(self->big);
}

FIXTURE_VARIANT_ADD(bad, html_ipv4s){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
	.err = -EBADMSG,
	.why = "private-ipv4s: HTML instead of an answer: '<html><head><title>502 Bad "
	       "Gateway</titl...'",
};

FIXTURE_VARIANT_ADD(bad, html_gateway){
	.key = MD_KEY_GATEWAY,
	.body = "\n<!DOCTYPE html>\n<html>",
	.err = -EBADMSG,
	.why = "gateway: HTML instead of an answer: '<!DOCTYPE html>?<html>'",
};

FIXTURE_VARIANT_ADD(bad, truncated_json){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[\"10.0.0.11\",\"10.0.0.10\",\"10.0",
	.err = -EBADMSG,
	.why = "private-ipv4s: truncated JSON: '[\"10.0.0.11\",\"10.0.0.10\",\"10.0'",
};

FIXTURE_VARIANT_ADD(bad, invalid_json_unquoted){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[10.0.0.10]",
	.err = -EBADMSG,
	.why = "private-ipv4s: invalid JSON: '[10.0.0.10]'",
};

FIXTURE_VARIANT_ADD(bad, invalid_json_trailing){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[\"10.0.0.10\"] x",
	.err = -EBADMSG,
	.why = "private-ipv4s: invalid JSON: '[\"10.0.0.10\"] x'",
};

FIXTURE_VARIANT_ADD(bad, invalid_json_single_quotes){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "['10.0.0.10']",
	.err = -EBADMSG,
	.why = "private-ipv4s: invalid JSON: '['10.0.0.10']'",
};

FIXTURE_VARIANT_ADD(bad, json_not_array){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "{\"ip\":\"10.0.0.10\"}",
	.err = -EBADMSG,
	.why = "private-ipv4s: not a JSON array: '{\"ip\":\"10.0.0.10\"}'",
};

FIXTURE_VARIANT_ADD(bad, bare_string_not_array){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "10.0.0.10",
	.err = -EBADMSG,
	.why = "private-ipv4s: not a JSON array: '10.0.0.10'",
};

FIXTURE_VARIANT_ADD(bad, element_not_string){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[\"10.0.0.10\",[\"10.0.0.11\"]]",
	.err = -EBADMSG,
	.why = "private-ipv4s: element 2 is not a string: '[ \"10.0.0.11\" ]'",
};

FIXTURE_VARIANT_ADD(bad, element_null){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[\"10.0.0.10\",null]",
	.err = -EBADMSG,
	.why = "private-ipv4s: element 2 is not a string: 'null'",
};

FIXTURE_VARIANT_ADD(bad, over_64k){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = NULL, /* built in the test: MD_MAX_BODY + 1 bytes */
	.err = -EBADMSG,
	.why = "private-ipv4s: answer over 64 KiB (65537 bytes)",
};

FIXTURE_VARIANT_ADD(bad, nul_byte){
	.key = MD_KEY_PRIMARY_IP,
	.body = "10.0.0.10\0garbage",
	.len = 17,
	.err = -EBADMSG,
	.why = "primary-ip-address: NUL byte in answer",
};

FIXTURE_VARIANT_ADD(bad, empty_answer){
	.key = MD_KEY_GATEWAY,
	.body = " \n",
	.err = -EBADMSG,
	.why = "gateway: empty answer",
};

FIXTURE_VARIANT_ADD(bad, invalid_ipv4_in_list){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[\"10.0.0.10\",\"10.0.0.256\"]",
	.err = -EBADMSG,
	.why = "private-ipv4s: invalid IPv4 address: '10.0.0.256'",
};

FIXTURE_VARIANT_ADD(bad, json_escaped_nul){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[\"10.0.0.10\\u0000x\"]",
	.err = -EBADMSG,
	.why = "private-ipv4s: invalid IPv4 address: '10.0.0.10?x'",
};

FIXTURE_VARIANT_ADD(bad, ipv6_in_ipv4_list){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[\"10.0.0.10\",\"2001:db8::1\"]",
	.err = -EBADMSG,
	.why = "private-ipv4s: invalid IPv4 address: '2001:db8::1'",
};

FIXTURE_VARIANT_ADD(bad, prefix_in_list){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[\"10.0.0.10/24\"]",
	.err = -EBADMSG,
	.why = "private-ipv4s: invalid IPv4 address: '10.0.0.10/24'",
};

FIXTURE_VARIANT_ADD(bad, invalid_primary){
	.key = MD_KEY_PRIMARY_IP,
	.body = "10.0.0.010",
	.err = -EBADMSG,
	.why = "primary-ip-address: invalid IPv4 address: '10.0.0.010'",
};

FIXTURE_VARIANT_ADD(bad, long_garbage_shortened){
	.key = MD_KEY_GATEWAY,
	.body = "Service Unavailable: the metadata service is being upgraded, retry later",
	.err = -EBADMSG,
	.why = "gateway: invalid IPv4 address: 'Service Unavailable: the metadata servic...'",
};

FIXTURE_VARIANT_ADD(bad, not_unicast){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[\"10.0.0.10\",\"224.0.0.1\"]",
	.err = -EBADMSG,
	.why = "private-ipv4s: not a unicast address: '224.0.0.1'",
};

FIXTURE_VARIANT_ADD(bad, gateway_zero){
	.key = MD_KEY_GATEWAY,
	.body = "0.0.0.0",
	.err = -EBADMSG,
	.why = "gateway: not a unicast address: '0.0.0.0'",
};

FIXTURE_VARIANT_ADD(bad, duplicate_ipv4){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[\"10.0.0.10\",\"10.0.0.11\",\"10.0.0.10\"]",
	.err = -EBADMSG,
	.why = "private-ipv4s: duplicate address: '10.0.0.10'",
};

FIXTURE_VARIANT_ADD(bad, invalid_cidr){
	.key = MD_KEY_VSWITCH_CIDR,
	.body = "10.0.0.0/33",
	.err = -EBADMSG,
	.why = "vswitch-cidr-block: invalid IPv4 CIDR block: '10.0.0.0/33'",
};

FIXTURE_VARIANT_ADD(bad, cidr_without_prefix){
	.key = MD_KEY_VSWITCH_CIDR,
	.body = "10.0.0.0",
	.err = -EBADMSG,
	.why = "vswitch-cidr-block: invalid IPv4 CIDR block: '10.0.0.0'",
};

FIXTURE_VARIANT_ADD(bad, netmask_non_contiguous){
	.key = MD_KEY_NETMASK,
	.body = "255.0.255.0",
	.err = -EBADMSG,
	.why = "netmask: non-contiguous netmask: '255.0.255.0'",
};

FIXTURE_VARIANT_ADD(bad, netmask_disagrees){
	.key = MD_KEY_NETMASK,
	.body = "255.255.0.0",
	.err = -EINVAL,
	.why = "netmask: '255.255.0.0' (/16) disagrees with vswitch-cidr-block 10.0.0.0/24",
};

FIXTURE_VARIANT_ADD(bad, primary_outside_vswitch){
	.key = MD_KEY_VSWITCH_CIDR,
	.body = "10.0.1.0/24",
	.err = -EINVAL,
	.why = "primary-ip-address: '10.0.0.10' outside vswitch-cidr-block 10.0.1.0/24",
};

FIXTURE_VARIANT_ADD(bad, primary_not_listed){
	.key = MD_KEY_PRIMARY_IP,
	.body = "10.0.0.20",
	.err = -EINVAL,
	.why = "primary-ip-address: '10.0.0.20' not in private-ipv4s",
};

FIXTURE_VARIANT_ADD(bad, empty_ipv4_list){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[]",
	.err = -EINVAL,
	.why = "primary-ip-address: '10.0.0.10' not in private-ipv4s",
};

FIXTURE_VARIANT_ADD(bad, secondary_outside){
	.key = MD_KEY_PRIVATE_IPV4S,
	.body = "[\"10.0.0.10\",\"10.0.9.11\"]",
	.err = -EINVAL,
	.why = "private-ipv4s: '10.0.9.11' outside vswitch-cidr-block 10.0.0.0/24",
};

FIXTURE_VARIANT_ADD(bad, gateway_outside){
	.key = MD_KEY_GATEWAY,
	.body = "10.0.1.253",
	.err = -EINVAL,
	.why = "gateway: '10.0.1.253' outside vswitch-cidr-block 10.0.0.0/24",
};

FIXTURE_VARIANT_ADD(bad, gateway_is_eni_address){
	.key = MD_KEY_GATEWAY,
	.body = "10.0.0.12",
	.err = -EINVAL,
	.why = "gateway: '10.0.0.12' is an address of the ENI",
};

FIXTURE_VARIANT_ADD(bad, ipv6s_truncated_bare){
	.key = MD_KEY_IPV6S,
	.body = "[2001:db8:0:1::10,2001:db8",
	.err = -EBADMSG,
	.why = "ipv6s: truncated list: '[2001:db8:0:1::10,2001:db8'",
};

FIXTURE_VARIANT_ADD(bad, ipv6s_truncated_json){
	.key = MD_KEY_IPV6S,
	.body = "[\"2001:db8:0:1::10\",",
	.err = -EBADMSG,
	.why = "ipv6s: truncated JSON: '[\"2001:db8:0:1::10\",'",
};

FIXTURE_VARIANT_ADD(bad, ipv6s_empty_element){
	.key = MD_KEY_IPV6S,
	.body = "[2001:db8:0:1::10,,2001:db8:0:1::11]",
	.err = -EBADMSG,
	.why = "ipv6s: empty list element: '[2001:db8:0:1::10,,2001:db8:0:1::11]'",
};

FIXTURE_VARIANT_ADD(bad, ipv6s_invalid){
	.key = MD_KEY_IPV6S,
	.body = "[2001:db8:0:1::zz]",
	.err = -EBADMSG,
	.why = "ipv6s: invalid IPv6 address: '2001:db8:0:1::zz'",
};

FIXTURE_VARIANT_ADD(bad, ipv6s_ipv4_inside){
	.key = MD_KEY_IPV6S,
	.body = "[10.0.0.10]",
	.err = -EBADMSG,
	.why = "ipv6s: invalid IPv6 address: '10.0.0.10'",
};

FIXTURE_VARIANT_ADD(bad, ipv6s_link_local){
	.key = MD_KEY_IPV6S,
	.body = "[fe80::10]",
	.err = -EBADMSG,
	.why = "ipv6s: not a unicast address: 'fe80::10'",
};

FIXTURE_VARIANT_ADD(bad, ipv6s_duplicate){
	.key = MD_KEY_IPV6S,
	.body = "[2001:db8:0:1::10,2001:db8:0:1:0::10]",
	.err = -EBADMSG,
	.why = "ipv6s: duplicate address: '2001:db8:0:1:0::10'",
};

FIXTURE_VARIANT_ADD(bad, ipv6s_outside){
	.key = MD_KEY_IPV6S,
	.body = "[2001:db8:0:2::10]",
	.err = -EINVAL,
	.why = "ipv6s: '2001:db8:0:2::10' outside vswitch-ipv6-cidr-block 2001:db8:0:1::/64",
};

FIXTURE_VARIANT_ADD(bad, ipv6_gateway_outside){
	.key = MD_KEY_IPV6_GATEWAY,
	.body = "2001:db8:0:2::1",
	.err = -EINVAL,
	.why = "ipv6-gateway: '2001:db8:0:2::1' neither link-local nor inside "
	       "vswitch-ipv6-cidr-block 2001:db8:0:1::/64",
};

FIXTURE_VARIANT_ADD(bad, ipv6_gateway_v4){
	.key = MD_KEY_IPV6_GATEWAY,
	.body = "10.0.0.253",
	.err = -EBADMSG,
	.why = "ipv6-gateway: invalid IPv6 address: '10.0.0.253'",
};

FIXTURE_VARIANT_ADD(bad, ipv6_cidr_invalid){
	.key = MD_KEY_VSWITCH_IPV6_CIDR,
	.body = "2001:db8:0:1::/129",
	.err = -EBADMSG,
	.why = "vswitch-ipv6-cidr-block: invalid IPv6 CIDR block: '2001:db8:0:1::/129'",
};

TEST_F(bad, answer)
{
	const char *v[MD_KEY_COUNT];
	size_t lens[MD_KEY_COUNT] = {0};

	base_answers(v);
	if (variant->body) {
		v[variant->key] = variant->body;
		lens[variant->key] = variant->len;
	} else {
		self->big = malloc(MD_MAX_BODY + 2);
		ASSERT_NE(NULL, self->big);
		memset(self->big, ' ', MD_MAX_BODY + 1);
		self->big[0] = '[';
		self->big[MD_MAX_BODY] = ']';
		self->big[MD_MAX_BODY + 1] = '\0';
		v[variant->key] = self->big;
	}
	expect_bad(_metadata, v, lens, variant->err, variant->why);
}

/* ---- too many addresses: an error, never truncation ---- */

TEST(too_many_ipv4)
{
	const char *v[MD_KEY_COUNT];
	char *arr = v4_array(65);

	base_v4(v);
	v[MD_KEY_PRIVATE_IPV4S] = arr;
	v[MD_KEY_PRIMARY_IP] = "10.0.0.5";
	v[MD_KEY_VSWITCH_CIDR] = "10.0.0.0/16";
	v[MD_KEY_GATEWAY] = "10.0.255.253";
	expect_bad(_metadata, v, NULL, -E2BIG, "private-ipv4s: 65 addresses, at most 64");
	free(arr);
}

TEST(thousands_of_ipv4)
{
	const char *v[MD_KEY_COUNT];
	char *arr = v4_array(3000);

	ASSERT_LT(strlen(arr), (size_t)MD_MAX_BODY);
	base_v4(v);
	v[MD_KEY_PRIVATE_IPV4S] = arr;
	expect_bad(_metadata, v, NULL, -E2BIG, "private-ipv4s: 3000 addresses, at most 64");
	free(arr);
}

TEST(thousands_of_ipv6_bare)
{
	const char *v[MD_KEY_COUNT];
	char *arr = malloc(3000 * 24 + 4);
	size_t len = 0;

	arr[len++] = '[';
	for (unsigned i = 0; i < 3000; i++)
		len += (size_t)sprintf(arr + len, "%s2001:db8:0:1::%x", i ? "," : "", i + 1);
	strcpy(arr + len, "]");
	base_answers(v);
	v[MD_KEY_IPV6S] = arr;
	expect_bad(_metadata, v, NULL, -E2BIG, "ipv6s: 3000 addresses, at most 64");
	free(arr);
}

TEST(too_many_ipv4_plus_ipv6)
{
	const char *v[MD_KEY_COUNT];
	char *arr = v4_array(60);

	base_answers(v);
	v[MD_KEY_PRIVATE_IPV4S] = arr;
	v[MD_KEY_PRIMARY_IP] = "10.0.0.5";
	v[MD_KEY_VSWITCH_CIDR] = "10.0.0.0/16";
	v[MD_KEY_GATEWAY] = "10.0.255.253";
	v[MD_KEY_IPV6S] = "[2001:db8:0:1::1,2001:db8:0:1::2,2001:db8:0:1::3,2001:db8:0:1::4,"
			  "2001:db8:0:1::5]";
	expect_bad(_metadata, v, NULL, -E2BIG, "private-ipv4s + ipv6s: 65 addresses, at most 64");
	free(arr);
}

/* ---- netmask ---- */

TEST(netmask_conversions)
{
	static const struct {
		const char *mask;
		int err;
		unsigned prefix;
		const char *why;
	} cases[] = {
		{"255.255.255.0", 0, 24, ""},
		{"255.255.255.255", 0, 32, ""},
		{"255.255.255.254", 0, 31, ""},
		{"255.255.240.0", 0, 20, ""},
		{"255.255.0.0\n", 0, 16, ""},
		{"255.0.0.0", 0, 8, ""},
		{"128.0.0.0", 0, 1, ""},
		{"255.0.255.0", -EBADMSG, 0, "netmask: non-contiguous netmask: '255.0.255.0'"},
		{"255.255.255.1", -EBADMSG, 0, "netmask: non-contiguous netmask: '255.255.255.1'"},
		{"0.255.255.255", -EBADMSG, 0, "netmask: non-contiguous netmask: '0.255.255.255'"},
		{"0.0.0.0", -EBADMSG, 0, "netmask: invalid netmask: '0.0.0.0'"},
		{"255.255.255.256", -EBADMSG, 0, "netmask: invalid netmask: '255.255.255.256'"},
		{"24", -EBADMSG, 0, "netmask: invalid netmask: '24'"},
		{"255.255.255.0 x", -EBADMSG, 0, "netmask: invalid netmask: '255.255.255.0 x'"},
		{"", -EBADMSG, 0, "netmask: empty answer"},
		{"<html>", -EBADMSG, 0, "netmask: HTML instead of an answer: '<html>'"},
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[MD_WHY_LEN] = "";
		unsigned prefix = 0;
		int r = metadata_parse_netmask(cases[i].mask, strlen(cases[i].mask), &prefix, why,
					       sizeof(why));

		EXPECT_EQ(cases[i].err, r) TH_LOG("mask '%s'", cases[i].mask);
		EXPECT_EQ(cases[i].prefix, prefix) TH_LOG("mask '%s'", cases[i].mask);
		EXPECT_STREQ(cases[i].why, why);
	}
}

/* ---- instance mac and the macs/ listing ---- */

TEST(instance_mac)
{
	char why[MD_WHY_LEN] = "";
	uint8_t mac[6];
	const char *s = "00:16:3E:AA:BB:CC\n";

	ASSERT_EQ(0, metadata_parse_mac(s, strlen(s), mac, why, sizeof(why)));
	EXPECT_EQ(0, memcmp(mac, mac1, 6));
	s = "00:16:3e:aa:bb";
	EXPECT_EQ(-EBADMSG, metadata_parse_mac(s, strlen(s), mac, why, sizeof(why)));
	EXPECT_STREQ("mac: invalid MAC: '00:16:3e:aa:bb'", why);
	s = "<html>404</html>";
	EXPECT_EQ(-EBADMSG, metadata_parse_mac(s, strlen(s), mac, why, sizeof(why)));
	EXPECT_STREQ("mac: HTML instead of an answer: '<html>404</html>'", why);
}

/* ---- paths, HTTP classes ---- */

TEST(key_paths)
{
	char buf[MD_PATH_LEN];

	EXPECT_EQ(78, metadata_key_path(MD_KEY_PRIMARY_IP, mac1, buf, sizeof(buf)));
	EXPECT_STREQ("/latest/meta-data/network/interfaces/macs/00:16:3e:aa:bb:cc/"
		     "primary-ip-address",
		     buf);
	metadata_key_path(MD_KEY_VSWITCH_IPV6_CIDR, mac1, buf, sizeof(buf));
	EXPECT_STREQ("/latest/meta-data/network/interfaces/macs/00:16:3e:aa:bb:cc/"
		     "vswitch-ipv6-cidr-block",
		     buf);
	EXPECT_EQ(-ENOSPC, metadata_key_path(MD_KEY_GATEWAY, mac1, buf, 20));
	EXPECT_EQ(-EINVAL, metadata_key_path(MD_KEY_COUNT, mac1, buf, sizeof(buf)));
	EXPECT_STREQ("ipv6s", metadata_key_name(MD_KEY_IPV6S));
	EXPECT_STREQ("?", metadata_key_name(MD_KEY_COUNT));
}

TEST(http_classes)
{
	EXPECT_EQ(MD_HTTP_OK, metadata_http_class(200));
	EXPECT_EQ(MD_HTTP_NOT_FOUND, metadata_http_class(404));
	EXPECT_EQ(MD_HTTP_TOKEN_EXPIRED, metadata_http_class(401));
	EXPECT_EQ(MD_HTTP_TOKEN_NEEDED, metadata_http_class(403));
	EXPECT_EQ(MD_HTTP_RETRY, metadata_http_class(0));
	EXPECT_EQ(MD_HTTP_RETRY, metadata_http_class(429));
	EXPECT_EQ(MD_HTTP_RETRY, metadata_http_class(503));
	EXPECT_EQ(MD_HTTP_RETRY, metadata_http_class(302));
}

/* ---- the fetch plan: a fake service answers each key the fetch asks ---- */

struct reply {
	long http;
	const char *body;
};

/* Asks until nothing more is wanted; answers from r[]; returns the keys asked (bits). */
static uint32_t run_round(struct __test_metadata *_metadata, struct md_fetch *f,
			  const struct reply r[MD_KEY_COUNT])
{
	uint32_t asked = 0;
	int k;

	while ((k = metadata_fetch_next(f)) >= 0) {
		const char *b = r[k].body ? r[k].body : "";

		EXPECT_EQ(0, asked >> k & 1);
		asked |= 1u << k;
		EXPECT_EQ(0, metadata_fetch_answer(f, (enum md_key)k, r[k].http, b, strlen(b)));
	}
	EXPECT_EQ(0, f->outstanding);
	return asked;
}

static void good_v4_replies(struct reply r[MD_KEY_COUNT])
{
	memset(r, 0, sizeof(*r) * MD_KEY_COUNT);
	r[MD_KEY_PRIVATE_IPV4S] = (struct reply){200, "[\"10.1.0.7\",\"10.1.0.6\"]"};
	r[MD_KEY_PRIMARY_IP] = (struct reply){200, "10.1.0.6"};
	r[MD_KEY_VSWITCH_CIDR] = (struct reply){200, "10.1.0.0/24"};
	r[MD_KEY_GATEWAY] = (struct reply){200, "10.1.0.253"};
	r[MD_KEY_IPV6S] = (struct reply){404, "<html>404</html>"};
	r[MD_KEY_VSWITCH_IPV6_CIDR] = (struct reply){404, NULL};
	r[MD_KEY_IPV6_GATEWAY] = (struct reply){404, NULL};
	r[MD_KEY_NETMASK] = (struct reply){200, "255.255.255.0"};
}

#define V4_KEYS                                                                                    \
	(1u << MD_KEY_PRIVATE_IPV4S | 1u << MD_KEY_PRIMARY_IP | 1u << MD_KEY_VSWITCH_CIDR |        \
	 1u << MD_KEY_GATEWAY | 1u << MD_KEY_IPV6S)
#define V6_EXTRA (1u << MD_KEY_VSWITCH_IPV6_CIDR | 1u << MD_KEY_IPV6_GATEWAY)

TEST(fetch_v4_five_requests)
{
	struct reply r[MD_KEY_COUNT];
	struct addressing out;
	struct md_fetch f;
	char got[512];

	good_v4_replies(r);
	metadata_fetch_init(&f, mac1);
	EXPECT_EQ(-EINPROGRESS, metadata_fetch_result(&f, &out));
	EXPECT_EQ(V4_KEYS, run_round(_metadata, &f, r));
	ASSERT_EQ(0, metadata_fetch_result(&f, &out)) TH_LOG("why: %s", f.why);
	EXPECT_EQ(5, f.requests);
	EXPECT_EQ(0, f.attempt);
	EXPECT_STREQ("10.1.0.6/24 10.1.0.7/24 gw 10.1.0.253 gw6 - nodad mtu 0",
		     render(&out, got, sizeof(got)));
	metadata_fetch_free(&f);
}

TEST(fetch_v6_seven_requests)
{
	struct reply r[MD_KEY_COUNT];
	struct addressing out;
	struct md_fetch f;
	char got[512];
	int k, first[8], n = 0;

	good_v4_replies(r);
	r[MD_KEY_IPV6S] = (struct reply){200, "[2408:4000:1:2::a]"};
	r[MD_KEY_VSWITCH_IPV6_CIDR] = (struct reply){200, "2408:4000:1:2::/64"};
	r[MD_KEY_IPV6_GATEWAY] = (struct reply){200, "2408:4000:1:2:ffff:ffff:ffff:fffd"};
	metadata_fetch_init(&f, mac1);
	/* first round trip: the five keys at once; the IPv6 ones only after ipv6s */
	while ((k = metadata_fetch_next(&f)) >= 0)
		first[n++] = k;
	EXPECT_EQ(5, n);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(0, metadata_fetch_answer(&f, (enum md_key)first[i], r[first[i]].http,
						   r[first[i]].body, strlen(r[first[i]].body)));
	EXPECT_EQ(-EINPROGRESS, metadata_fetch_result(&f, &out));
	EXPECT_EQ(V6_EXTRA, run_round(_metadata, &f, r));
	ASSERT_EQ(0, metadata_fetch_result(&f, &out)) TH_LOG("why: %s", f.why);
	EXPECT_EQ(7, f.requests);
	EXPECT_STREQ("10.1.0.6/24 10.1.0.7/24 2408:4000:1:2::a/64 gw 10.1.0.253 gw6 "
		     "2408:4000:1:2:ffff:ffff:ffff:fffd nodad mtu 0",
		     render(&out, got, sizeof(got)));
	metadata_fetch_free(&f);
}

TEST(fetch_mac_lag_then_present)
{
	struct reply lag[MD_KEY_COUNT], r[MD_KEY_COUNT];
	struct addressing out, sentinel;
	struct md_fetch f;

	for (unsigned k = 0; k < MD_KEY_COUNT; k++)
		lag[k] = (struct reply){404, "Not Found"};
	good_v4_replies(r);
	memset(&out, 0x5a, sizeof(out));
	sentinel = out;
	metadata_fetch_init(&f, mac1);
	EXPECT_EQ(V4_KEYS, run_round(_metadata, &f, lag));
	EXPECT_EQ(-EAGAIN, metadata_fetch_result(&f, &out));
	EXPECT_STREQ("waiting: MAC not in metadata yet (every key 404)", f.why);
	EXPECT_TRUE(f.lag); /* only 404s: a lagging service, brisk retries */
	EXPECT_EQ(0, memcmp(&out, &sentinel, sizeof(out)));
	/* while the MAC is unknown, one probe per round */
	metadata_fetch_retry(&f);
	EXPECT_EQ(1u << MD_KEY_PRIVATE_IPV4S, run_round(_metadata, &f, lag));
	EXPECT_EQ(-EAGAIN, metadata_fetch_result(&f, &out));
	EXPECT_STREQ("waiting: MAC not in metadata yet (every key 404)", f.why);
	EXPECT_TRUE(f.lag); /* only 404s: a lagging service, brisk retries */
	metadata_fetch_retry(&f);
	lag[MD_KEY_PRIVATE_IPV4S] = (struct reply){503, NULL};
	EXPECT_EQ(1u << MD_KEY_PRIVATE_IPV4S, run_round(_metadata, &f, lag));
	EXPECT_EQ(-EAGAIN, metadata_fetch_result(&f, &out));
	EXPECT_STREQ("waiting: private-ipv4s HTTP 503", f.why);
	EXPECT_FALSE(f.lag); /* 5xx or timeout: full backoff */
	/* a 503 is not a 404: the next round asks everything not answered */
	metadata_fetch_retry(&f);
	EXPECT_EQ(1u << MD_KEY_PRIVATE_IPV4S, run_round(_metadata, &f, lag));
	metadata_fetch_retry(&f);
	lag[MD_KEY_PRIVATE_IPV4S] = (struct reply){404, NULL};
	EXPECT_EQ(1u << MD_KEY_PRIVATE_IPV4S, run_round(_metadata, &f, lag));
	EXPECT_EQ(-EAGAIN, metadata_fetch_result(&f, &out));
	/* the probe answers 200: the rest follows in the same round */
	metadata_fetch_retry(&f);
	EXPECT_EQ(V4_KEYS, run_round(_metadata, &f, r));
	ASSERT_EQ(0, metadata_fetch_result(&f, &out)) TH_LOG("why: %s", f.why);
	EXPECT_EQ(5, f.attempt);
	EXPECT_EQ(5 + 4 + 5, f.requests);
	EXPECT_EQ(2, out.n_addrs);
	metadata_fetch_free(&f);
}

TEST(fetch_partial_failure_asks_only_the_rest)
{
	struct reply r[MD_KEY_COUNT];
	struct addressing out;
	struct md_fetch f;

	good_v4_replies(r);
	r[MD_KEY_GATEWAY] = (struct reply){503, "busy"};
	r[MD_KEY_VSWITCH_CIDR] = (struct reply){404, NULL};
	metadata_fetch_init(&f, mac1);
	run_round(_metadata, &f, r);
	EXPECT_EQ(-EAGAIN, metadata_fetch_result(&f, &out));
	EXPECT_STREQ("waiting: vswitch-cidr-block 404, gateway HTTP 503", f.why);
	EXPECT_FALSE(f.lag); /* 5xx or timeout: full backoff */
	metadata_fetch_retry(&f);
	r[MD_KEY_GATEWAY] = (struct reply){0, NULL};
	/* 200s are kept; the 404 of ipv6s is asked again (a lagging MAC 404s everything) */
	EXPECT_EQ(1u << MD_KEY_VSWITCH_CIDR | 1u << MD_KEY_GATEWAY | 1u << MD_KEY_IPV6S,
		  run_round(_metadata, &f, r));
	EXPECT_EQ(-EAGAIN, metadata_fetch_result(&f, &out));
	EXPECT_STREQ("waiting: vswitch-cidr-block 404, gateway timeout", f.why);
	EXPECT_FALSE(f.lag); /* 5xx or timeout: full backoff */
	good_v4_replies(r);
	metadata_fetch_retry(&f);
	EXPECT_EQ(3, __builtin_popcount(run_round(_metadata, &f, r)));
	ASSERT_EQ(0, metadata_fetch_result(&f, &out)) TH_LOG("why: %s", f.why);
	EXPECT_EQ(11, f.requests);
	metadata_fetch_free(&f);
}

TEST(fetch_ipv6s_5xx_is_not_no_ipv6)
{
	struct reply r[MD_KEY_COUNT];
	struct addressing out;
	struct md_fetch f;

	good_v4_replies(r);
	r[MD_KEY_IPV6S] = (struct reply){502, NULL};
	metadata_fetch_init(&f, mac1);
	run_round(_metadata, &f, r);
	EXPECT_EQ(-EAGAIN, metadata_fetch_result(&f, &out));
	EXPECT_STREQ("waiting: ipv6s HTTP 502", f.why);
	EXPECT_FALSE(f.lag); /* 5xx or timeout: full backoff */
	metadata_fetch_free(&f);
}

TEST(fetch_v6_keys_lagging)
{
	struct reply r[MD_KEY_COUNT];
	struct addressing out;
	struct md_fetch f;

	good_v4_replies(r);
	r[MD_KEY_IPV6S] = (struct reply){200, "[2408:4000:1:2::a]"};
	r[MD_KEY_VSWITCH_IPV6_CIDR] = (struct reply){200, "2408:4000:1:2::/64"};
	metadata_fetch_init(&f, mac1);
	run_round(_metadata, &f, r);
	EXPECT_EQ(-EAGAIN, metadata_fetch_result(&f, &out));
	EXPECT_STREQ("waiting: ipv6-gateway 404", f.why);
	EXPECT_TRUE(f.lag); /* only 404s: a lagging service, brisk retries */
	metadata_fetch_retry(&f);
	EXPECT_EQ(1u << MD_KEY_IPV6_GATEWAY, run_round(_metadata, &f, r));
	metadata_fetch_free(&f);
}

TEST(fetch_token_errors)
{
	struct reply r[MD_KEY_COUNT];
	struct addressing out;
	struct md_fetch f;

	good_v4_replies(r);
	r[MD_KEY_PRIMARY_IP] = (struct reply){401, NULL};
	metadata_fetch_init(&f, mac1);
	run_round(_metadata, &f, r);
	EXPECT_EQ(-EKEYEXPIRED, metadata_fetch_result(&f, &out));
	EXPECT_STREQ("waiting: token expired (401)", f.why);
	metadata_fetch_retry(&f);
	r[MD_KEY_PRIMARY_IP] = (struct reply){403, NULL};
	run_round(_metadata, &f, r);
	EXPECT_EQ(-EACCES, metadata_fetch_result(&f, &out));
	EXPECT_STREQ("waiting: metadata token required (403)", f.why);
	metadata_fetch_free(&f);
}

TEST(fetch_bad_answer_asks_everything_again)
{
	struct reply r[MD_KEY_COUNT];
	struct addressing out, sentinel;
	struct md_fetch f;

	good_v4_replies(r);
	r[MD_KEY_PRIVATE_IPV4S] = (struct reply){200, "<html>oops</html>"};
	memset(&out, 0x5a, sizeof(out));
	sentinel = out;
	metadata_fetch_init(&f, mac1);
	run_round(_metadata, &f, r);
	EXPECT_EQ(-EBADMSG, metadata_fetch_result(&f, &out));
	EXPECT_STREQ("private-ipv4s: HTML instead of an answer: '<html>oops</html>'", f.why);
	EXPECT_EQ(0, memcmp(&out, &sentinel, sizeof(out)));
	metadata_fetch_retry(&f);
	good_v4_replies(r);
	EXPECT_EQ(V4_KEYS, run_round(_metadata, &f, r));
	EXPECT_EQ(0, metadata_fetch_result(&f, &out));
	metadata_fetch_free(&f);
}

TEST(fetch_stale_answer_refused)
{
	struct md_fetch f;

	metadata_fetch_init(&f, mac1);
	EXPECT_EQ(-EINVAL, metadata_fetch_answer(&f, MD_KEY_GATEWAY, 200, "x", 1));
	EXPECT_EQ(-EINVAL, metadata_fetch_answer(&f, MD_KEY_NETMASK, 200, "x", 1));
	EXPECT_EQ(MD_KEY_PRIVATE_IPV4S, metadata_fetch_next(&f));
	EXPECT_EQ(0, metadata_fetch_answer(&f, MD_KEY_PRIVATE_IPV4S, 200, "[]", 2));
	EXPECT_EQ(-EINVAL, metadata_fetch_answer(&f, MD_KEY_PRIVATE_IPV4S, 200, "[]", 2));
	metadata_fetch_free(&f);
	/* free, then init again (enictl refresh) */
	metadata_fetch_init(&f, mac1);
	EXPECT_EQ(0, f.requests);
	metadata_fetch_free(&f);
}

/* ---- backoff ---- */

TEST(backoff_bounds)
{
	const uint64_t base = MD_BACKOFF_BASE_US, cap = MD_BACKOFF_CAP_US;
	uint32_t seed = 12345;

	for (unsigned n = 0; n < 200; n++) {
		uint64_t d = n < 40 ? base << n : cap;

		if (d > cap)
			d = cap;
		EXPECT_EQ(d / 2, metadata_backoff_us(n, base, cap, 0)) TH_LOG("attempt %u", n);
		EXPECT_GE(d, metadata_backoff_us(n, base, cap, UINT32_MAX)) TH_LOG("attempt %u", n);
		for (int i = 0; i < 20; i++) {
			uint64_t b;

			seed = seed * 1103515245 + 12345;
			b = metadata_backoff_us(n, base, cap, seed);
			EXPECT_LE(d / 2, b);
			EXPECT_GE(d, b);
		}
	}
	EXPECT_EQ(100000, metadata_backoff_us(0, base, cap, 0));
	EXPECT_EQ(200000, metadata_backoff_us(0, base, cap, 100000));
	EXPECT_EQ(100000, metadata_backoff_us(0, base, cap, 100001)); /* 100001 % 100001 = 0 */
	EXPECT_EQ(15000000, metadata_backoff_us(UINT32_MAX, base, cap, 0));
	EXPECT_EQ(30000000, metadata_backoff_us(UINT32_MAX, base, cap, 15000000));
	/* jitter spreads: not every ENI retries at the same time */
	EXPECT_NE(metadata_backoff_us(3, base, cap, 1), metadata_backoff_us(3, base, cap, 777777));
}

/* ---- token ---- */

TEST(token_renew_time)
{
	/* 60 s before expiry, or half-way for short TTLs; counted from when the PUT was sent */
	EXPECT_EQ(1000000ULL + 21540000000ULL, metadata_token_renew_at(1000000, 21600));
	EXPECT_EQ(5000000ULL + 60000000ULL, metadata_token_renew_at(5000000, 120));
	EXPECT_EQ(59500000ULL, metadata_token_renew_at(0, 119));
	EXPECT_EQ(7000000ULL + 1000000ULL, metadata_token_renew_at(7000000, 2));
	EXPECT_EQ(500000ULL, metadata_token_renew_at(0, 1));
	for (unsigned ttl = MD_TOKEN_TTL_MIN; ttl <= MD_TOKEN_TTL_MAX; ttl++) {
		uint64_t at = metadata_token_renew_at(0, ttl);

		ASSERT_LT(at, (uint64_t)ttl * 1000000);
		ASSERT_GE(at, (uint64_t)ttl * 500000);
	}
}

TEST(token_body)
{
	char tok[MD_TOKEN_MAX + 1], why[MD_WHY_LEN] = "", *big;
	const char *s = "AQAEAHgr0xyzBase64+/=_-\n";

	ASSERT_EQ(0, metadata_token_parse(s, strlen(s), tok, sizeof(tok), why, sizeof(why)));
	EXPECT_STREQ("AQAEAHgr0xyzBase64+/=_-", tok);
	s = "abc\r\nX-Injected: 1";
	EXPECT_EQ(-EBADMSG, metadata_token_parse(s, strlen(s), tok, sizeof(tok), why, sizeof(why)));
	EXPECT_STREQ("token: invalid character in 'abc??X-Injected: 1'", why);
	s = "abc def";
	EXPECT_EQ(-EBADMSG, metadata_token_parse(s, strlen(s), tok, sizeof(tok), why, sizeof(why)));
	EXPECT_STREQ("token: invalid character in 'abc def'", why);
	s = "";
	EXPECT_EQ(-EBADMSG, metadata_token_parse(s, 0, tok, sizeof(tok), why, sizeof(why)));
	EXPECT_STREQ("token: empty answer", why);
	big = malloc(MD_TOKEN_MAX + 2);
	memset(big, 'a', MD_TOKEN_MAX + 1);
	big[MD_TOKEN_MAX + 1] = '\0';
	EXPECT_EQ(-EBADMSG,
		  metadata_token_parse(big, strlen(big), tok, sizeof(tok), why, sizeof(why)));
	EXPECT_STREQ("token: longer than 256 bytes", why);
	EXPECT_EQ(0, metadata_token_parse(big, MD_TOKEN_MAX, tok, sizeof(tok), why, sizeof(why)));
	free(big);
}

TEST(token_decisions)
{
	EXPECT_EQ(MD_TOKEN_STEP_USE, metadata_token_after_put(MD_TOKEN_AUTO, 200));
	EXPECT_EQ(MD_TOKEN_STEP_USE, metadata_token_after_put(MD_TOKEN_REQUIRED, 200));
	/* only "not supported" lets auto go tokenless */
	EXPECT_EQ(MD_TOKEN_STEP_TOKENLESS, metadata_token_after_put(MD_TOKEN_AUTO, 404));
	EXPECT_EQ(MD_TOKEN_STEP_TOKENLESS, metadata_token_after_put(MD_TOKEN_AUTO, 405));
	EXPECT_EQ(MD_TOKEN_STEP_TOKENLESS, metadata_token_after_put(MD_TOKEN_AUTO, 501));
	EXPECT_EQ(MD_TOKEN_STEP_RETRY, metadata_token_after_put(MD_TOKEN_REQUIRED, 404));
	EXPECT_EQ(MD_TOKEN_STEP_RETRY, metadata_token_after_put(MD_TOKEN_AUTO, 403));
	EXPECT_EQ(MD_TOKEN_STEP_RETRY, metadata_token_after_put(MD_TOKEN_AUTO, 401));
	EXPECT_EQ(MD_TOKEN_STEP_RETRY, metadata_token_after_put(MD_TOKEN_AUTO, 400));
	EXPECT_EQ(MD_TOKEN_STEP_RETRY, metadata_token_after_put(MD_TOKEN_AUTO, 503));
	EXPECT_EQ(MD_TOKEN_STEP_RETRY, metadata_token_after_put(MD_TOKEN_AUTO, 0));
	EXPECT_TRUE(metadata_token_after_403(MD_TOKEN_AUTO));
	EXPECT_TRUE(metadata_token_after_403(MD_TOKEN_REQUIRED));
	EXPECT_FALSE(metadata_token_after_403(MD_TOKEN_OFF));
}

TEST_HARNESS_MAIN
