// SPDX-License-Identifier: GPL-2.0-or-later
/* ARP announcement payload: every byte as RFC 5227 section 2.3 and RFC 826 lay it out. */
#include <arpa/inet.h>
#include <string.h>

#include "kselftest_harness.h"
#include "arp_msg.h"

TEST(announce_bytes)
{
	static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x01, 0x02, 0x03};
	static const uint8_t want[ARP_MSG_LEN] = {
		0x00, 0x01,			    /* hardware: Ethernet */
		0x08, 0x00,			    /* protocol: IPv4 */
		6,    4,			    /* lengths */
		0x00, 0x01,			    /* op: request */
		0x00, 0x16, 0x3e, 0x01, 0x02, 0x03, /* sender MAC */
		10,   0,    1,	  20,		    /* sender IP */
		0,    0,    0,	  0,	0,    0,    /* target MAC: zero */
		10,   0,    1,	  20,		    /* target IP = sender IP */
	};
	uint8_t buf[64];
	struct in_addr ip;

	memset(buf, 0xaa, sizeof(buf));
	ASSERT_EQ(1, inet_pton(AF_INET, "10.0.1.20", &ip));
	ASSERT_EQ(ARP_MSG_LEN, arp_announce_build(buf, sizeof(buf), mac, ip));
	EXPECT_EQ(0, memcmp(buf, want, sizeof(want)));
	EXPECT_EQ(0xaa, buf[ARP_MSG_LEN]); /* nothing written past the payload */
}

TEST(announce_short_buffer)
{
	static const uint8_t mac[6] = {0};
	uint8_t buf[ARP_MSG_LEN - 1];
	struct in_addr ip = {0};

	memset(buf, 0x55, sizeof(buf));
	EXPECT_EQ(0, arp_announce_build(buf, sizeof(buf), mac, ip));
	EXPECT_EQ(0x55, buf[0]);
}

TEST_HARNESS_MAIN
