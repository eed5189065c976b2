// SPDX-License-Identifier: GPL-2.0
/* The DHCPv4 codec (daemon/dhcp_msg.c): what is sent byte by byte, every option read,
 * pad/end/overload, and malformed replies refused with a reason. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "dhcp_msg.h"

static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x88, 0x00, 0x21};

/* A BOOTREPLY: fixed part, cookie, then opts (n bytes) as given (no end added). */
static size_t reply(uint8_t *buf, const uint8_t *opts, size_t n)
{
	memset(buf, 0, 240);
	buf[0] = 2;
	buf[1] = 1;
	buf[2] = 6;
	buf[4] = 0x12, buf[5] = 0x34, buf[6] = 0x56, buf[7] = 0x78;
	buf[16] = 10, buf[17] = 88, buf[18] = 0, buf[19] = 21; /* yiaddr */
	memcpy(buf + 28, mac, 6);
	buf[236] = 99, buf[237] = 130, buf[238] = 83, buf[239] = 99;
	memcpy(buf + 240, opts, n);
	return 240 + n;
}

#define ACK_BASE 53, 1, 5, 54, 4, 10, 88, 0, 253, 51, 4, 0, 0, 0, 120, 1, 4, 255, 255, 255, 0

static const char *ip(struct in_addr a)
{
	static char s[4][16];
	static int i;

	i = (i + 1) % 4;
	return inet_ntop(AF_INET, &a, s[i], sizeof(s[i]));
}

TEST(discover_bytes)
{
	struct dhcp_request r = {.type = DHCP_DISCOVER, .xid = 0xdeadbeef, .secs = 3,
				 .broadcast = true};
	static const uint8_t want_opts[] = {53, 1, 1, 61, 7, 1, 0x00, 0x16, 0x3e, 0x88, 0x00, 0x21,
					    57, 2, 2, 64, 55, 7, 1, 3, 51, 58, 59, 26, 121, 255};
	uint8_t buf[DHCP_MAX_LEN];

	memcpy(r.mac, mac, 6);
	memset(buf, 0xaa, sizeof(buf));
	ASSERT_EQ(DHCP_MIN_LEN, dhcp_msg_build(buf, sizeof(buf), &r));
	EXPECT_EQ(1, buf[0]);
	EXPECT_EQ(1, buf[1]);
	EXPECT_EQ(6, buf[2]);
	EXPECT_EQ(0, memcmp(buf + 4, "\xde\xad\xbe\xef\x00\x03\x80\x00", 8));
	EXPECT_EQ(0, memcmp(buf + 28, mac, 6));
	EXPECT_EQ(0, memcmp(buf + 236, "\x63\x82\x53\x63", 4));
	EXPECT_EQ(0, memcmp(buf + 240, want_opts, sizeof(want_opts)));
	EXPECT_EQ(0, buf[DHCP_MIN_LEN - 1]); /* padded with zeros */
	EXPECT_EQ(0xaa, buf[DHCP_MIN_LEN]);
	EXPECT_EQ(0, dhcp_msg_build(buf, DHCP_MIN_LEN - 1, &r));
}

TEST(request_selecting_and_renewing)
{
	struct dhcp_request r = {.type = DHCP_REQUEST, .xid = 1};
	uint8_t buf[DHCP_MAX_LEN];

	memcpy(r.mac, mac, 6);
	inet_pton(AF_INET, "10.88.0.21", &r.requested);
	inet_pton(AF_INET, "10.88.0.253", &r.server_id);
	ASSERT_EQ(DHCP_MIN_LEN, dhcp_msg_build(buf, sizeof(buf), &r));
	EXPECT_EQ(0, memcmp(buf + 240 + 12, "\x32\x04\x0a\x58\x00\x15\x36\x04\x0a\x58\x00\xfd", 12));
	EXPECT_EQ(0, memcmp(buf + 12, "\0\0\0\0", 4));

	/* RENEWING: ciaddr, neither 50 nor 54 */
	r.requested.s_addr = r.server_id.s_addr = 0;
	inet_pton(AF_INET, "10.88.0.21", &r.ciaddr);
	ASSERT_EQ(DHCP_MIN_LEN, dhcp_msg_build(buf, sizeof(buf), &r));
	EXPECT_EQ(0, memcmp(buf + 12, "\x0a\x58\x00\x15", 4));
	EXPECT_EQ(57, buf[240 + 12]);

	/* DECLINE: 50 and 54, no parameter list */
	r.type = DHCP_DECLINE;
	r.ciaddr.s_addr = 0;
	inet_pton(AF_INET, "10.88.0.21", &r.requested);
	inet_pton(AF_INET, "10.88.0.253", &r.server_id);
	ASSERT_EQ(DHCP_MIN_LEN, dhcp_msg_build(buf, sizeof(buf), &r));
	EXPECT_EQ(4, buf[242]);
	EXPECT_EQ(255, buf[240 + 24]);
}

TEST(ack_every_option)
{
	static const uint8_t opts[] = {
		ACK_BASE,
		3, 8, 10, 88, 0, 253, 10, 88, 0, 254, /* router: the first */
		58, 4, 0, 0, 0, 30,		       /* T1 */
		59, 4, 0, 0, 0, 60,		       /* T2 */
		26, 2, 0x05, 0xdc,		       /* MTU 1500 */
		121, 19, 0, 10, 88, 0, 1,	       /* default via 10.88.0.1 */
		24, 192, 168, 7, 0, 0, 0, 0,	       /* 192.168.7.0/24 on-link */
		8, 172, 10, 88, 0, 2,		       /* 172.0.0.0/8 via .2 */
		0, 0, 6, 4, 1, 2, 3, 4,		       /* pad, pad, DNS: skipped */
		255};
	uint8_t buf[600];
	struct dhcp_reply m;
	char why[DHCP_WHY_LEN] = "";

	ASSERT_EQ(0, dhcp_msg_parse(buf, reply(buf, opts, sizeof(opts)), &m, why, sizeof(why)))
	TH_LOG("%s", why);
	EXPECT_EQ(DHCP_ACK, m.type);
	EXPECT_EQ(0x12345678u, m.xid);
	EXPECT_EQ(0, memcmp(m.chaddr, mac, 6));
	EXPECT_STREQ("10.88.0.21", ip(m.yiaddr));
	EXPECT_STREQ("10.88.0.253", ip(m.server_id));
	EXPECT_STREQ("10.88.0.253", ip(m.router));
	EXPECT_EQ(24, m.prefixlen);
	EXPECT_EQ(120u, m.lease_s);
	EXPECT_EQ(30u, m.t1_s);
	EXPECT_EQ(60u, m.t2_s);
	EXPECT_EQ(1500, m.mtu);
	ASSERT_TRUE(m.has_routes);
	ASSERT_EQ(3u, m.n_routes);
	EXPECT_EQ(0, m.routes[0].prefixlen);
	EXPECT_STREQ("0.0.0.0", ip(m.routes[0].dst));
	EXPECT_STREQ("10.88.0.1", ip(m.routes[0].gw));
	EXPECT_EQ(24, m.routes[1].prefixlen);
	EXPECT_STREQ("192.168.7.0", ip(m.routes[1].dst));
	EXPECT_STREQ("0.0.0.0", ip(m.routes[1].gw));
	EXPECT_EQ(8, m.routes[2].prefixlen);
	EXPECT_STREQ("172.0.0.0", ip(m.routes[2].dst));
	EXPECT_STREQ("10.88.0.2", ip(m.routes[2].gw));
}

/* RFC 3396: an option in two instances is one value; a fixed one grows too long. */
TEST(split_options_joined)
{
	static const uint8_t opts[] = {ACK_BASE, 121, 3, 24, 192, 168, 121, 5, 7, 10, 88, 0, 1, 255};
	static const uint8_t twice[] = {ACK_BASE, 51, 4, 0, 0, 0, 60, 255};
	uint8_t buf[600];
	struct dhcp_reply m;
	char why[DHCP_WHY_LEN] = "";

	ASSERT_EQ(0, dhcp_msg_parse(buf, reply(buf, opts, sizeof(opts)), &m, why, sizeof(why)));
	ASSERT_EQ(1u, m.n_routes);
	EXPECT_STREQ("192.168.7.0", ip(m.routes[0].dst));
	EXPECT_EQ(-EBADMSG, dhcp_msg_parse(buf, reply(buf, twice, sizeof(twice)), &m, why,
					    sizeof(why)));
	EXPECT_STREQ("option 51: length 8, want 4", why);
}

/* Options after the end option are not read; a missing end is refused. */
TEST(pad_and_end)
{
	static const uint8_t opts[] = {0, 0, ACK_BASE, 255, 26, 2, 0, 10};
	static const uint8_t no_end[] = {ACK_BASE, 0, 0};
	uint8_t buf[600];
	struct dhcp_reply m;
	char why[DHCP_WHY_LEN] = "";

	ASSERT_EQ(0, dhcp_msg_parse(buf, reply(buf, opts, sizeof(opts)), &m, why, sizeof(why)));
	EXPECT_EQ(0, m.mtu);
	EXPECT_EQ(-EBADMSG, dhcp_msg_parse(buf, reply(buf, no_end, sizeof(no_end)), &m, why,
					    sizeof(why)));
	EXPECT_STREQ("options: no end option (255) before offset 263", why);
}

/* Option 52: options continue in `file` (1), `sname` (2), or both (3: file first). */
TEST(overload)
{
	static const uint8_t opts[] = {53, 1, 5, 52, 1, 3, 255};
	uint8_t buf[600];
	struct dhcp_reply m;
	char why[DHCP_WHY_LEN] = "";
	size_t n = reply(buf, opts, sizeof(opts));
	static const uint8_t file[] = {54, 4, 10, 88, 0, 253, 51, 4, 0, 0, 1, 0, 255};
	static const uint8_t sname[] = {1, 4, 255, 255, 0, 0, 26, 2, 0x23, 0x28, 255};

	memcpy(buf + 108, file, sizeof(file));
	memcpy(buf + 44, sname, sizeof(sname));
	ASSERT_EQ(0, dhcp_msg_parse(buf, n, &m, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(256u, m.lease_s);
	EXPECT_EQ(16, m.prefixlen);
	EXPECT_EQ(9000, m.mtu);
	EXPECT_STREQ("10.88.0.253", ip(m.server_id));

	/* only file: sname is not read */
	buf[245] = 1;
	ASSERT_EQ(-EBADMSG, dhcp_msg_parse(buf, n, &m, why, sizeof(why)));
	EXPECT_STREQ("ACK without a subnet mask (option 1)", why);

	/* overload inside an overloaded field, or a bad value */
	buf[245] = 3;
	buf[108 + 12] = 52, buf[108 + 13] = 1, buf[108 + 14] = 2, buf[108 + 15] = 255;
	EXPECT_EQ(-EBADMSG, dhcp_msg_parse(buf, n, &m, why, sizeof(why)));
	EXPECT_STREQ("option 52 (overload) at offset 120 (file): not allowed here", why);
	buf[245] = 4;
	EXPECT_EQ(-EBADMSG, dhcp_msg_parse(buf, n, &m, why, sizeof(why)));
	EXPECT_STREQ("option 52 (overload) at offset 243 (options): want one byte 1..3", why);
}

/* An option running out of its field is truncated; a wrong fixed length overlong or short. */
TEST(truncated_and_overlong)
{
	static const struct {
		uint8_t opts[40];
		size_t n;
		const char *why;
	} cases[] = {
		{{ACK_BASE, 26}, 22, "option 26 at offset 261 (options): truncated, no length"},
		{{ACK_BASE, 26, 2, 5}, 24,
		 "option 26 at offset 261 (options): length 2 runs past the end (264)"},
		{{ACK_BASE, 26, 3, 5, 0, 0, 255}, 27, "option 26: length 3, want 2"},
		{{ACK_BASE, 58, 2, 0, 0, 255}, 26, "option 58: length 2, want 4"},
		{{ACK_BASE, 3, 5, 1, 2, 3, 4, 5, 255}, 29, "option 3 (router): length 5, want 4*n"},
		{{ACK_BASE, 121, 5, 33, 0, 0, 0, 0, 255}, 29,
		 "option 121: route at byte 0: width 33 > 32"},
		{{ACK_BASE, 121, 5, 24, 10, 0, 0, 1, 255}, 29,
		 "option 121: route at byte 0 truncated"},
		{{ACK_BASE, 26, 2, 0, 67, 255}, 26, "option 26 (MTU): 67 < 68"},
		{{53, 1, 5, 54, 4, 10, 88, 0, 253, 1, 4, 255, 0, 255, 0, 51, 4, 0, 0, 0, 1, 255}, 22,
		 "option 1 (subnet mask): 255.0.255.0 is not a netmask"},
		{{53, 1, 5, 54, 4, 10, 88, 0, 253, 1, 4, 255, 255, 255, 0, 255}, 16,
		 "ACK without a lease time (option 51)"},
		{{53, 1, 5, 51, 4, 0, 0, 0, 1, 255}, 10, "ACK without a server identifier (option 54)"},
		{{53, 1, 3, 255}, 4, "option 53: type 3 is not a server's reply"},
		{{53, 2, 5, 5, 255}, 5, "option 53: length 2, want 1"},
		{{54, 4, 1, 2, 3, 4, 255}, 7, "no message type (option 53)"},
	};
	uint8_t buf[600];
	struct dhcp_reply m;
	char why[DHCP_WHY_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		EXPECT_EQ(-EBADMSG, dhcp_msg_parse(buf, reply(buf, cases[i].opts, cases[i].n), &m,
						    why, sizeof(why)))
		TH_LOG("case %zu accepted", i);
		EXPECT_STREQ(cases[i].why, why);
	}
}

TEST(nak_and_header)
{
	static const uint8_t nak[] = {53, 1, 6, 54, 4, 10, 88, 0, 253, 255};
	uint8_t buf[600];
	struct dhcp_reply m;
	char why[DHCP_WHY_LEN];
	size_t n = reply(buf, nak, sizeof(nak));

	ASSERT_EQ(0, dhcp_msg_parse(buf, n, &m, why, sizeof(why)));
	EXPECT_EQ(DHCP_NAK, m.type);
	EXPECT_STREQ("10.88.0.253", ip(m.server_id));
	EXPECT_EQ(-EBADMSG, dhcp_msg_parse(buf, 239, &m, why, sizeof(why)));
	EXPECT_STREQ("message of 239 bytes, shorter than 240", why);
	buf[236] = 0;
	EXPECT_EQ(-EBADMSG, dhcp_msg_parse(buf, n, &m, why, sizeof(why)));
	EXPECT_STREQ("no DHCP magic cookie at offset 236", why);
	buf[0] = 1;
	EXPECT_EQ(-EBADMSG, dhcp_msg_parse(buf, n, &m, why, sizeof(why)));
	EXPECT_STREQ("not an Ethernet BOOTREPLY (op 1 htype 1 hlen 6)", why);
}

/* IPv4/UDP framing: what is built parses back; a bad checksum, a fragment or other ports
 * are refused. */
TEST(frame_round_trip)
{
	uint8_t frame[400], payload[300];
	const uint8_t *p;
	size_t n, plen;
	struct in_addr any = {0}, bcast = {INADDR_BROADCAST};
	char why[DHCP_WHY_LEN];

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	n = dhcp_frame_build(frame, sizeof(frame), any, bcast, payload, sizeof(payload));
	ASSERT_EQ(DHCP_FRAME_HDR + sizeof(payload), n);
	EXPECT_EQ(0x45, frame[0]);
	EXPECT_EQ(0, memcmp(frame + 16, "\xff\xff\xff\xff", 4));
	EXPECT_EQ(0, memcmp(frame + 20, "\x00\x44\x00\x43", 4));
	/* swap the ports to read it as a server's */
	frame[21] = 67, frame[23] = 68;
	ASSERT_EQ(0, dhcp_frame_parse(frame, n, &p, &plen, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(sizeof(payload), plen);
	EXPECT_EQ(0, memcmp(p, payload, plen));
	frame[23] = 69;
	EXPECT_EQ(-EBADMSG, dhcp_frame_parse(frame, n, &p, &plen, why, sizeof(why)));
	EXPECT_STREQ("UDP ports not 67 -> 68", why);
	frame[23] = 68;
	frame[6] = 0x20; /* more fragments */
	EXPECT_EQ(-EBADMSG, dhcp_frame_parse(frame, n, &p, &plen, why, sizeof(why)));
	EXPECT_STREQ("IPv4 header checksum wrong", why);
	EXPECT_EQ(-EBADMSG, dhcp_frame_parse(frame, n - 1, &p, &plen, why, sizeof(why)));
	EXPECT_EQ(0u, dhcp_frame_build(frame, 100, any, bcast, payload, sizeof(payload)));
}

TEST(arp_probe_and_conflict)
{
	static const uint8_t other[6] = {2, 0, 0, 0, 0, 9};
	uint8_t buf[64], theirs[DHCP_ARP_LEN];
	struct in_addr a, b;

	inet_pton(AF_INET, "10.88.0.21", &a);
	inet_pton(AF_INET, "10.88.0.22", &b);
	ASSERT_EQ(DHCP_ARP_LEN, dhcp_arp_probe_build(buf, sizeof(buf), mac, a));
	EXPECT_EQ(0, memcmp(buf, "\0\x01\x08\0\x06\x04\0\x01", 8));
	EXPECT_EQ(0, memcmp(buf + 14, "\0\0\0\0\0\0\0\0\0\0", 10));
	EXPECT_EQ(0, memcmp(buf + 24, &a, 4));
	EXPECT_FALSE(dhcp_arp_conflict(buf, DHCP_ARP_LEN, mac, a)); /* our own */
	/* another host probing for it */
	dhcp_arp_probe_build(theirs, sizeof(theirs), other, a);
	EXPECT_TRUE(dhcp_arp_conflict(theirs, DHCP_ARP_LEN, mac, a));
	EXPECT_FALSE(dhcp_arp_conflict(theirs, DHCP_ARP_LEN, mac, b));
	/* another host's reply: sender IP is the address */
	theirs[7] = 2;
	memcpy(theirs + 14, &a, 4);
	EXPECT_TRUE(dhcp_arp_conflict(theirs, DHCP_ARP_LEN, mac, a));
	EXPECT_FALSE(dhcp_arp_conflict(theirs, DHCP_ARP_LEN - 1, mac, a));
	EXPECT_EQ(0u, dhcp_arp_probe_build(buf, DHCP_ARP_LEN - 1, mac, a));
}

TEST_HARNESS_MAIN
