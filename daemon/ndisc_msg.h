/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unsolicited IPv6 neighbour advertisements (RFC 4861 sections 4.4 and 7.2.6): the
 * IPv6 counterpart of an ARP announcement. Sent to all-nodes (ff02::1) with the
 * override flag and the target link-layer address option, it completes a peer's
 * INCOMPLETE entry for the address (and corrects a stale one) at once. Pure: builds
 * the ICMPv6 message only; a raw ICMPv6 socket fills in the checksum, and the hop
 * limit must be 255.
 */
#ifndef ENID_NDISC_MSG_H
#define ENID_NDISC_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define NDISC_NA_LEN 32 /* advertisement (24) + target link-layer address option (8) */

/* Writes the advertisement into buf; returns NDISC_NA_LEN, or 0 when len is too small. */
size_t ndisc_na_build(uint8_t *buf, size_t len, const uint8_t mac[6],
		      const struct in6_addr *target);

#endif /* ENID_NDISC_MSG_H */
