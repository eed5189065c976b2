/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DHCPv4 messages (RFC 2131, 2132, 3442): what enid's client sends and what it reads
 * from a server, the IPv4/UDP framing a packet socket needs (the ENI has no address
 * yet), and the RFC 5227 ARP probe. Pure: bytes in, structs out; no I/O.
 *
 * Read from a reply: message type (53), subnet mask (1), router (3, the first), lease
 * time (51), T1 (58), T2 (59), interface MTU (26), server identifier (54), classless
 * static routes (121), option overload (52: options continue in `file`, then `sname`),
 * pad and end. Options split in several instances are joined (RFC 3396). Nothing of
 * DNS is read: enid does not touch resolv.conf. A reply that is malformed (short,
 * not a BOOTREPLY, an option running past its field, a wrong length) is refused with
 * a reason naming the option and its offset.
 */
#ifndef ENID_DHCP_MSG_H
#define ENID_DHCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED_LEN	 236 /* op .. file */
#define DHCP_MIN_LEN	 300 /* what we send at least (BOOTP's size) */
#define DHCP_MAX_LEN	 576 /* what we send at most, and announce (option 57) */
#define DHCP_FRAME_HDR	 28  /* IPv4 header (no options) + UDP header */
#define DHCP_MAX_ROUTES	 16  /* option 121 routes kept */
#define DHCP_WHY_LEN	 96
#define DHCP_ARP_LEN	 28

enum dhcp_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
};

struct dhcp_route {
	struct in_addr dst; /* network address (host bits zero) */
	uint8_t prefixlen;  /* 0..32; 0 = default */
	struct in_addr gw;  /* 0.0.0.0 = on-link */
};

/* A server's reply, as read. Absent options read as 0. */
struct dhcp_reply {
	enum dhcp_type type;
	uint32_t xid;
	uint8_t chaddr[6];
	struct in_addr yiaddr;
	struct in_addr server_id; /* option 54 */
	uint8_t prefixlen;	  /* option 1 as a prefix length; 0 = absent */
	struct in_addr router;	  /* option 3's first */
	uint32_t lease_s, t1_s, t2_s;
	uint16_t mtu;	   /* option 26 */
	bool has_routes;   /* option 121 present (it then overrides option 3) */
	unsigned n_routes; /* routes past DHCP_MAX_ROUTES are dropped */
	struct dhcp_route routes[DHCP_MAX_ROUTES];
};

/* What the client sends. */
struct dhcp_request {
	enum dhcp_type type; /* DISCOVER, REQUEST, DECLINE or RELEASE */
	uint32_t xid;
	uint16_t secs;
	uint8_t mac[6];		  /* chaddr and client identifier (61: type 1 + MAC) */
	bool broadcast;		  /* flags: ask the server to broadcast its reply */
	struct in_addr ciaddr;	  /* RENEWING, REBINDING, RELEASE */
	struct in_addr requested; /* option 50: SELECTING, INIT-REBOOT, DECLINE */
	struct in_addr server_id; /* option 54: SELECTING, DECLINE, RELEASE */
};

/* The BOOTP/DHCP payload into buf; returns its length, or 0 when len is too small. */
size_t dhcp_msg_build(uint8_t *buf, size_t len, const struct dhcp_request *r);

/* Reads a BOOTREPLY; 0, or -EBADMSG with why set. out is zeroed first. */
int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_reply *out, char *why,
		   size_t why_len);

/* IPv4 + UDP (68 -> 67) around payload, into buf; returns the frame's length or 0. */
size_t dhcp_frame_build(uint8_t *buf, size_t len, struct in_addr src, struct in_addr dst,
			const uint8_t *payload, size_t plen);

/*
 * An IPv4 packet from a packet socket: 0 with *payload and *plen the UDP payload when it is
 * an unfragmented UDP datagram from port 67 to 68 with a good IPv4 header checksum;
 * -EBADMSG (why set) otherwise. The UDP checksum is not checked: a packet socket sees
 * locally generated packets before the NIC (or veth) fills it in.
 */
int dhcp_frame_parse(const uint8_t *buf, size_t len, const uint8_t **payload, size_t *plen,
		     char *why, size_t why_len);

/* RFC 5227 probe for ip: ARP request, sender IP 0.0.0.0, target ip. Returns DHCP_ARP_LEN. */
size_t dhcp_arp_probe_build(uint8_t *buf, size_t len, const uint8_t mac[6], struct in_addr ip);

/* True when an ARP packet shows another host using ip (its sender IP is ip), or probing
 * for it too (sender 0.0.0.0, target ip), from a MAC other than ours. */
bool dhcp_arp_conflict(const uint8_t *buf, size_t len, const uint8_t mac[6], struct in_addr ip);

const char *dhcp_type_name(enum dhcp_type t);

#endif /* ENID_DHCP_MSG_H */
