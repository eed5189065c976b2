// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the DHCPv4 codec: the input is read as a server's reply
 * (dhcp_msg_parse, the option walker with overload and joined options), as an IPv4
 * packet from the packet socket (dhcp_frame_parse, whose payload is parsed again) and
 * as an ARP packet (dhcp_arp_conflict). The results must keep the API's promises
 * (checked below, abort() otherwise).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "dhcp_msg.h"
#include "fuzz.h"

static void check_why(const char *why, bool empty)
{
	check_reason(why, DHCP_WHY_LEN, empty);
}

static void parse_one(const uint8_t *data, size_t size)
{
	struct dhcp_reply m;
	char why[DHCP_WHY_LEN] = "";
	int r = dhcp_msg_parse(data, size, &m, why, sizeof(why));

	if (r) {
		check(r == -EBADMSG);
		check_why(why, false);
		return;
	}
	check_why(why, true);
	check(m.type == DHCP_OFFER || m.type == DHCP_ACK || m.type == DHCP_NAK);
	if (m.type == DHCP_NAK)
		return;
	check(m.prefixlen >= 1 && m.prefixlen <= 32);
	check(m.yiaddr.s_addr && m.server_id.s_addr);
	check(!m.mtu || m.mtu >= 68);
	check(m.n_routes <= DHCP_MAX_ROUTES && (m.has_routes || !m.n_routes));
	for (unsigned i = 0; i < m.n_routes; i++) {
		uint8_t w = m.routes[i].prefixlen;
		uint32_t mask = w ? 0xffffffffu << (32 - w) : 0;

		check(w <= 32);
		check(!(ntohl(m.routes[i].dst.s_addr) & ~mask));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 1, 2, 3};
	char why[DHCP_WHY_LEN] = "";
	const uint8_t *p = NULL;
	size_t n = 0;
	struct in_addr a = {htonl(0x0a580015)};
	int r;

	parse_one(data, size);
	r = dhcp_frame_parse(data, size, &p, &n, why, sizeof(why));
	check(r == 0 || r == -EBADMSG);
	check_why(why, r == 0);
	if (!r) {
		check(p >= data + DHCP_FRAME_HDR && p + n <= data + size);
		parse_one(p, n);
	}
	(void)dhcp_arp_conflict(data, size, mac, a);
	return 0;
}
