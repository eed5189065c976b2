// SPDX-License-Identifier: GPL-2.0-or-later
/* Address and MAC types: parsing, formatting, subnet arithmetic (see addr.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "addr.h"

unsigned enid_ip_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* "/N": decimal, at most 10 digits (leading zeros allowed), 1..max. */
bool decimal_parse(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	unsigned long long v = 0;

	if (!*s || strlen(s) > 10)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool prefix_parse(const char *s, unsigned max, unsigned *out)
{
	uint32_t v;

	if (!decimal_parse(s, 1, max, &v))
		return false;
	*out = v;
	return true;
}

bool mac_parse(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++, s++) {
			if (!isxdigit((unsigned char)*s))
				return false;
			v = v * 16 + (unsigned)(isdigit((unsigned char)*s)
							? *s - '0'
							: tolower((unsigned char)*s) - 'a' + 10);
		}
		mac[i] = (uint8_t)v;
		if (*s != (i < 5 ? ':' : '\0'))
			return false;
		s++;
	}
	return true;
}

char *mac_format(const uint8_t *mac, char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

enum enid_ip_parse_result enid_ip_parse_why(const char *s, bool want_prefix, struct enid_ip *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct enid_ip ip = {0};
	unsigned plen;

	if (n >= sizeof(addr))
		return ENID_IP_BAD_ADDR;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, ip.bytes) == 1)
		ip.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, ip.bytes) == 1)
		ip.family = AF_INET6;
	else
		return ENID_IP_BAD_ADDR;
	ip.prefixlen = enid_ip_len(ip.family) * 8;
	if (slash && !want_prefix)
		return ENID_IP_HAS_PREFIX;
	if (!slash && want_prefix)
		return ENID_IP_NO_PREFIX;
	if (slash) {
		if (!prefix_parse(slash + 1, enid_ip_len(ip.family) * 8, &plen))
			return ENID_IP_BAD_PREFIX;
		ip.prefixlen = plen;
	}
	*out = ip;
	return ENID_IP_OK;
}

bool enid_ip_parse(const char *s, bool want_prefix, struct enid_ip *out)
{
	return enid_ip_parse_why(s, want_prefix, out) == ENID_IP_OK;
}

char *enid_ip_format(const struct enid_ip *ip, bool with_prefix, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(ip->family, ip->bytes, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (with_prefix)
		snprintf(buf, len, "%s/%u", a, ip->prefixlen);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

struct enid_ip enid_ip_network(const struct enid_ip *ip)
{
	struct enid_ip net = *ip;
	unsigned len = enid_ip_len(ip->family);

	if (ip->family == AF_INET) { /* one mask: the dispatch asks this of every address */
		uint32_t host = ip->prefixlen >= 32 ? 0 : 0xffffffffu >> ip->prefixlen;

		net.v4.s_addr &= htonl(~host);
		return net;
	}
	for (unsigned i = 0; i < len; i++) {
		unsigned bits = ip->prefixlen > i * 8 ? ip->prefixlen - i * 8 : 0;

		if (bits < 8)
			net.bytes[i] &= (uint8_t)(0xff00 >> bits);
	}
	return net;
}

bool enid_ip_in_subnet(const struct enid_ip *addr, const struct enid_ip *net)
{
	struct enid_ip a = *addr, n = enid_ip_network(net);

	if (addr->family != net->family || !enid_ip_len(net->family))
		return false;
	a.prefixlen = net->prefixlen;
	a = enid_ip_network(&a);
	return !memcmp(a.bytes, n.bytes, enid_ip_len(net->family));
}

bool enid_ip_same_addr(const struct enid_ip *a, const struct enid_ip *b)
{
	/* a fixed-size compare each: the bounds and the record ask this of every pair */
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return a->family == AF_INET6 && !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

bool enid_ip_is_unicast(const struct enid_ip *ip)
{
	static const uint8_t zero[16];

	if (ip->family == AF_INET)
		return ip->bytes[0] != 0 && ip->bytes[0] != 127 && ip->bytes[0] < 224;
	/* v6: not ::, ::1, ff00::/8 */
	if (!memcmp(ip->bytes, zero, 16) || ip->bytes[0] == 0xff)
		return false;
	return memcmp(ip->bytes, zero, 15) || ip->bytes[15] != 1;
}
