// SPDX-License-Identifier: GPL-2.0-or-later
/* ARP announcement payloads; see arp_msg.h. */
#include <string.h>
#include <arpa/inet.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>

#include "arp_msg.h"

size_t arp_announce_build(uint8_t *buf, size_t len, const uint8_t mac[6], struct in_addr ip)
{
	struct arphdr h = {
		.ar_hrd = htons(ARPHRD_ETHER),
		.ar_pro = htons(ETH_P_IP),
		.ar_hln = ETH_ALEN,
		.ar_pln = 4,
		.ar_op = htons(ARPOP_REQUEST),
	};
	uint8_t *p = buf;

	if (len < ARP_MSG_LEN)
		return 0;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	memcpy(p, mac, ETH_ALEN); /* sender hardware address */
	p += ETH_ALEN;
	memcpy(p, &ip, 4); /* sender protocol address */
	p += 4;
	memset(p, 0, ETH_ALEN); /* target hardware address: unknown */
	p += ETH_ALEN;
	memcpy(p, &ip, 4); /* target protocol address: the same */
	return ARP_MSG_LEN;
}
