/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon-wide address and MAC types: struct enid_ip (an IPv4 or IPv6 address
 * with a prefix length) and the MAC text form. Pure: no I/O, no state.
 */
#ifndef ENID_ADDR_H
#define ENID_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* An IPv4 or IPv6 address with a prefix length. family 0 = none/unset.
 * For a gateway or a route source, prefixlen is the full length (32/128). */
struct enid_ip {
	int family; /* AF_INET, AF_INET6, or 0 */
	unsigned prefixlen;
	union {
		uint8_t bytes[16]; /* network order; v4 uses the first 4 */
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* Parses "aa:bb:cc:dd:ee:ff" (any case). */
/* A decimal in [lo, hi]: digits only, no sign, no blanks, at most 10 of them. */
bool decimal_parse(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);
bool mac_parse(const char *s, uint8_t mac[6]);
/* Writes "aa:bb:cc:dd:ee:ff" (lower case) into buf (>= 18 bytes); returns buf. */
char *mac_format(const uint8_t *mac, char *buf);

/* What enid_ip_parse_why() found wrong, for messages that say which part. */
enum enid_ip_parse_result {
	ENID_IP_OK,
	ENID_IP_BAD_ADDR,   /* not an IPv4 or IPv6 address */
	ENID_IP_NO_PREFIX,  /* "/N" wanted, absent */
	ENID_IP_BAD_PREFIX, /* "/N" not in 1..32 (v4) or 1..128 (v6) */
	ENID_IP_HAS_PREFIX, /* "/N" given, not wanted */
};

/* Parses "10.0.0.1", "10.0.0.1/24", "2001:db8::1/64". With want_prefix the
 * "/N" is required and checked against the family (v4 1..32, v6 1..128);
 * without it, "/N" is rejected and prefixlen is set to the full length.
 * *out is written only on ENID_IP_OK. */
enum enid_ip_parse_result enid_ip_parse_why(const char *s, bool want_prefix, struct enid_ip *out);
bool enid_ip_parse(const char *s, bool want_prefix, struct enid_ip *out);
/* "10.0.0.1/24" (with_prefix) or "10.0.0.1" into buf; returns buf. */
#define ENID_IP_STRLEN (INET6_ADDRSTRLEN + 4)
char *enid_ip_format(const struct enid_ip *ip, bool with_prefix, char *buf, size_t len);
/* The prefix's network address (host bits cleared), same prefixlen. */
struct enid_ip enid_ip_network(const struct enid_ip *ip);
/* True when addr lies inside net (same family, first net->prefixlen bits equal). */
bool enid_ip_in_subnet(const struct enid_ip *addr, const struct enid_ip *net);
/* Same family and address bytes (prefix lengths ignored). */
bool enid_ip_same_addr(const struct enid_ip *a, const struct enid_ip *b);
/* Not unspecified, loopback or multicast (IPv4: not 0/8, 127/8, 224/3). */
bool enid_ip_is_unicast(const struct enid_ip *ip);
/* 4 for AF_INET, 16 for AF_INET6, 0 otherwise. */
unsigned enid_ip_len(int family);

#endif /* ENID_ADDR_H */
