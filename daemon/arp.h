/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ARP on the host's side of the ENIs:
 * - arp_announce_idle(): one ARP announcement (arp_msg.h) per IPv4 address of each link
 *   configured since (config gratuitous_arp), through an AF_PACKET socket that binds
 *   to no protocol and so never receives (no wakeups), and one unsolicited neighbour
 *   advertisement (ndisc_msg.h) per IPv6 address added without DAD, through a raw
 *   ICMPv6 socket whose filter blocks every type. As RFC 5227 (ANNOUNCE_NUM,
 *   ANNOUNCE_INTERVAL) has it, the round is sent twice, 2 s apart: the first frame can
 *   be lost while the far end's switch port comes up (a Linux bridge enables a port
 *   only when linkwatch reports its carrier, up to 1 s later); It waits until no request is
 *   in flight and no link waits to be applied: a broadcast costs every receiver on
 *   the L2 segment a route lookup, the host's other ENIs included, and in a burst
 *   that work must not delay the next link's configuration;
 * - host_arp_filter_sync(): while at least one ENI holds a slot, keeps
 *   net.ipv4.conf.all.arp_filter = 1 (config host_arp_filter) so that an interface
 *   answers ARP only when its reply would be routed out of it: with the ENIs' policy
 *   rules the primary stops answering for ENI addresses (ARP flux), everything else
 *   is answered as before. The value found is kept in <run_dir>/arp_filter.saved
 *   (it survives a crash or restart of enid) and written back, and the file removed,
 *   once no ENI holds a slot or the option is turned off.
 */
#ifndef ENID_ARP_H
#define ENID_ARP_H

struct enid;
struct link;

#define ARP_ANNOUNCE_NUM	 2	    /* rounds per configured link */
#define ARP_ANNOUNCE_INTERVAL_US 2000000ULL /* between them */

/* The link is configured: announce its addresses once the burst's requests are answered. */
void arp_announce_link(struct link *l);
void arp_announce_idle(struct enid *d);
void host_arp_filter_sync(struct enid *d);
void arp_close(struct enid *d);

#endif /* ENID_ARP_H */
