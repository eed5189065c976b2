/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ARP announcements (RFC 5227 section 2.3): an ARP request whose sender and target
 * protocol addresses are both the announced address, target hardware address zero,
 * sent to the broadcast address. A peer with an entry for the address (even an
 * incomplete one, waiting for an answer) updates it to the sender's MAC and sends
 * what it had queued. Pure: builds the 28-byte ARP payload only (an AF_PACKET
 * SOCK_DGRAM socket adds the Ethernet header).
 */
#ifndef ENID_ARP_MSG_H
#define ENID_ARP_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define ARP_MSG_LEN 28 /* Ethernet/IPv4 ARP payload */

/* Writes the announcement into buf; returns ARP_MSG_LEN, or 0 when len is too small. */
size_t arp_announce_build(uint8_t *buf, size_t len, const uint8_t mac[6], struct in_addr ip);

#endif /* ENID_ARP_MSG_H */
