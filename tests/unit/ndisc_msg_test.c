// SPDX-License-Identifier: GPL-2.0-or-later
/* Unsolicited neighbour advertisement: every byte as RFC 4861 section 4.4 lays it out. */
#include <arpa/inet.h>
#include <string.h>

#include "kselftest_harness.h"
#include "ndisc_msg.h"

TEST(na_bytes)
{
	static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x0a, 0x0b, 0x0c};
	static const uint8_t want[NDISC_NA_LEN] = {
		136, 0,		    /* type: neighbour advertisement, code 0 */
		0,   0,		    /* checksum: the kernel's */
		0x20, 0, 0, 0,	    /* R=0 S=0 O=1, reserved */
		0x20, 0x01, 0x0d, 0xb8, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x30, /* target */
		2,   1,		    /* option: target link-layer address, 8 bytes */
		0x00, 0x16, 0x3e, 0x0a, 0x0b, 0x0c,
	};
	struct in6_addr target;
	uint8_t buf[64];

	memset(buf, 0xaa, sizeof(buf));
	ASSERT_EQ(1, inet_pton(AF_INET6, "2001:db8:99::30", &target));
	ASSERT_EQ(NDISC_NA_LEN, ndisc_na_build(buf, sizeof(buf), mac, &target));
	EXPECT_EQ(0, memcmp(buf, want, sizeof(want)));
	EXPECT_EQ(0xaa, buf[NDISC_NA_LEN]);
}

TEST(na_short_buffer)
{
	static const uint8_t mac[6] = {0};
	struct in6_addr target = IN6ADDR_ANY_INIT;
	uint8_t buf[NDISC_NA_LEN - 1];

	memset(buf, 0x55, sizeof(buf));
	EXPECT_EQ(0, ndisc_na_build(buf, sizeof(buf), mac, &target));
	EXPECT_EQ(0x55, buf[0]);
}

TEST_HARNESS_MAIN
