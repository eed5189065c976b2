// SPDX-License-Identifier: GPL-2.0-or-later
/* Unsolicited neighbour advertisements; see ndisc_msg.h. */
#include <string.h>
#include <netinet/icmp6.h>

#include "ndisc_msg.h"

size_t ndisc_na_build(uint8_t *buf, size_t len, const uint8_t mac[6], const struct in6_addr *target)
{
	struct nd_neighbor_advert na;
	struct nd_opt_hdr opt = {
		.nd_opt_type = ND_OPT_TARGET_LINKADDR, .nd_opt_len = 1, /* in units of 8 bytes */
	};

	if (len < NDISC_NA_LEN)
		return 0;
	memset(&na, 0, sizeof(na));
	na.nd_na_type = ND_NEIGHBOR_ADVERT;
	na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE; /* not solicited, not a router */
	na.nd_na_target = *target;
	memcpy(buf, &na, sizeof(na));
	memcpy(buf + sizeof(na), &opt, sizeof(opt));
	memcpy(buf + sizeof(na) + sizeof(opt), mac, 6);
	return NDISC_NA_LEN;
}
