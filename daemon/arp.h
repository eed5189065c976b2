/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ARP on the host's side of the ENIs:
 * - announce_addrs(): one ARP announcement (arp_msg.h) per IPv4 address of a link
 *   (config gratuitous_arp), through an AF_PACKET socket that binds
 *   to no protocol and so never receives (no wakeups), and one unsolicited neighbour
 *   advertisement (ndisc_msg.h) per IPv6 address added without DAD, through a raw
 *   ICMPv6 socket whose filter blocks every type. As RFC 5227 (ANNOUNCE_NUM,
 *   ANNOUNCE_INTERVAL) has it, the round is sent twice, 2 s apart: the first frame can
 *   be lost while the far end's switch port comes up (a Linux bridge enables a port
 *   only when linkwatch reports its carrier, up to 1 s later). The links (links.c) send
 *   the rounds once no request is in flight and no link waits to be applied, one link's
 *   round per loop turn (a link event read meanwhile goes first): a broadcast costs
 *   every receiver on the L2 segment a route lookup, the host's other ENIs included,
 *   and in a burst that work must not delay the next link's configuration;
 * - arp_filter_sync(): while wanted (at least one ENI holds a slot), keeps
 *   net.ipv4.conf.all.arp_filter = 1 (config host_arp_filter) so that an interface
 *   answers ARP only when its reply would be routed out of it: with the ENIs' policy
 *   rules the primary stops answering for ENI addresses (ARP flux), everything else
 *   is answered as before. The value found is kept in <run_dir>/arp_filter.saved
 *   (it survives a crash or restart of enid) and written back, and the file removed,
 *   once no ENI holds a slot or the option is turned off.
 */
#ifndef ENID_ARP_H
#define ENID_ARP_H

#include <limits.h>
#include <stdint.h>

#include "plan.h"

#define ARP_ANNOUNCE_NUM	 2	    /* rounds per configured link */
#define ARP_ANNOUNCE_INTERVAL_US 2000000ULL /* between them */

struct announcer {
	int arp_fd, na_fd;    /* -1 until first used */
	int filter_held;      /* -1 unknown, 0 no, 1 arp_filter set by us */
	char saved[PATH_MAX]; /* <run_dir>/arp_filter.saved */
};

/* What a round announces for one link. */
struct announce_link {
	int ifindex;
	const char *ifname;
	const uint8_t *mac;
	const struct addressing *addr;
};

void announcer_init(struct announcer *a, const char *run_dir);
void announcer_close(struct announcer *a);
void announce_addrs(struct announcer *a, const struct announce_link *l);
void arp_filter_sync(struct announcer *a, bool want);

#endif /* ENID_ARP_H */
