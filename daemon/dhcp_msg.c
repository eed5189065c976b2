// SPDX-License-Identifier: GPL-2.0-or-later
/* DHCPv4 message codec (dhcp_msg.h). Pure. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dhcp_msg.h"

#define OFF_OP	   0
#define OFF_FLAGS  10
#define OFF_CIADDR 12
#define OFF_YIADDR 16
#define OFF_CHADDR 28
#define OFF_SNAME  44
#define OFF_FILE   108
#define OFF_COOKIE 236
#define OFF_OPTS   240

static const uint8_t cookie[4] = {99, 130, 83, 99};

/* The options read, by code; each joined over its instances (RFC 3396). */
enum {
	OPT_MASK,
	OPT_ROUTER,
	OPT_LEASE,
	OPT_TYPE,
	OPT_SERVER,
	OPT_T1,
	OPT_T2,
	OPT_MTU,
	OPT_CSR,
	OPT__COUNT
};
static const uint8_t opt_code[OPT__COUNT] = {1, 3, 51, 53, 54, 58, 59, 26, 121};
#define OPT_JOINED_MAX 1024

struct opts {
	uint8_t v[OPT__COUNT][OPT_JOINED_MAX];
	size_t n[OPT__COUNT];
	bool seen[OPT__COUNT];
	int overload; /* option 52: 1 file, 2 sname, 3 both */
};

static int fail(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Options in buf[off, end); `field` names where, for the reason. */
static int walk(const uint8_t *buf, size_t off, size_t end, const char *field, bool main,
		struct opts *o, char *why, size_t why_len)
{
	while (off < end) {
		uint8_t code = buf[off], l;
		int k;

		if (code == 0) { /* pad */
			off++;
			continue;
		}
		if (code == 255)
			return 0;
		if (off + 1 >= end)
			return fail(why, why_len,
				    "option %u at offset %zu (%s): truncated, no length", code, off,
				    field);
		l = buf[off + 1];
		if (off + 2 + l > end)
			return fail(
				why, why_len,
				"option %u at offset %zu (%s): length %u runs past the end (%zu)",
				code, off, field, l, end);
		if (code == 52) {
			if (!main || l != 1 || buf[off + 2] < 1 || buf[off + 2] > 3)
				return fail(why, why_len,
					    "option 52 (overload) at offset %zu (%s): %s", off,
					    field,
					    main ? "want one byte 1..3" : "not allowed here");
			o->overload = buf[off + 2];
		}
		for (k = 0; k < OPT__COUNT && opt_code[k] != code; k++)
			;
		if (k < OPT__COUNT) {
			if (o->n[k] + l > OPT_JOINED_MAX)
				return fail(why, why_len,
					    "option %u at offset %zu: overlong (%zu bytes)", code,
					    off, o->n[k] + l);
			memcpy(o->v[k] + o->n[k], buf + off + 2, l);
			o->n[k] += l;
			o->seen[k] = true;
		}
		off += 2u + l;
	}
	/* the main options must end in 255; file and sname may simply be full */
	return main ? fail(why, why_len, "options: no end option (255) before offset %zu", end) : 0;
}

static int want_len(const struct opts *o, int k, size_t want, char *why, size_t why_len)
{
	if (o->n[k] != want)
		return fail(why, why_len, "option %u: length %zu, want %zu", opt_code[k], o->n[k],
			    want);
	return 0;
}

static int read_mask(const uint8_t *p, uint8_t *prefixlen, char *why, size_t why_len)
{
	uint32_t m = get32(p);
	uint8_t n = 0;

	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	if (!n || (n < 32 && (m << n)))
		return fail(why, why_len, "option 1 (subnet mask): %u.%u.%u.%u is not a netmask",
			    p[0], p[1], p[2], p[3]);
	*prefixlen = n;
	return 0;
}

/* RFC 3442: width, the significant octets of the destination, the router. */
static int read_routes(const uint8_t *p, size_t n, struct dhcp_reply *out, char *why,
		       size_t why_len)
{
	size_t off = 0;

	while (off < n) {
		uint8_t w = p[off];
		size_t sig = (w + 7u) / 8u;
		uint8_t d[4] = {0};

		if (w > 32)
			return fail(why, why_len, "option 121: route at byte %zu: width %u > 32",
				    off, w);
		if (off + 1 + sig + 4 > n)
			return fail(why, why_len, "option 121: route at byte %zu truncated", off);
		memcpy(d, p + off + 1, sig);
		if (out->n_routes < DHCP_MAX_ROUTES) {
			struct dhcp_route *r = &out->routes[out->n_routes++];
			uint32_t mask = w ? 0xffffffffu << (32 - w) : 0;

			r->dst.s_addr = htonl(get32(d) & mask); /* host bits ignored */
			r->prefixlen = w;
			memcpy(&r->gw, p + off + 1 + sig, 4);
		}
		off += 1 + sig + 4;
	}
	if (!n)
		return fail(why, why_len, "option 121: empty");
	out->has_routes = true;
	return 0;
}

int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_reply *out, char *why,
		   size_t why_len)
{
	static struct opts zero;
	struct opts o = zero;
	int err;

	memset(out, 0, sizeof(*out));
	if (len < OFF_OPTS)
		return fail(why, why_len, "message of %zu bytes, shorter than %u", len, OFF_OPTS);
	if (buf[OFF_OP] != 2 || buf[1] != 1 || buf[2] != 6)
		return fail(why, why_len, "not an Ethernet BOOTREPLY (op %u htype %u hlen %u)",
			    buf[OFF_OP], buf[1], buf[2]);
	if (memcmp(buf + OFF_COOKIE, cookie, 4))
		return fail(why, why_len, "no DHCP magic cookie at offset %u", OFF_COOKIE);
	err = walk(buf, OFF_OPTS, len, "options", true, &o, why, why_len);
	if (!err && (o.overload & 1))
		err = walk(buf, OFF_FILE, OFF_COOKIE, "file", false, &o, why, why_len);
	if (!err && (o.overload & 2))
		err = walk(buf, OFF_SNAME, OFF_FILE, "sname", false, &o, why, why_len);
	if (err)
		return err;

	if (!o.seen[OPT_TYPE])
		return fail(why, why_len, "no message type (option 53)");
	if ((err = want_len(&o, OPT_TYPE, 1, why, why_len)))
		return err;
	out->type = (enum dhcp_type)o.v[OPT_TYPE][0];
	if (out->type != DHCP_OFFER && out->type != DHCP_ACK && out->type != DHCP_NAK)
		return fail(why, why_len, "option 53: type %u is not a server's reply", out->type);
	out->xid = get32(buf + 4);
	memcpy(out->chaddr, buf + OFF_CHADDR, 6);
	memcpy(&out->yiaddr, buf + OFF_YIADDR, 4);
	if (o.seen[OPT_SERVER]) {
		if ((err = want_len(&o, OPT_SERVER, 4, why, why_len)))
			return err;
		memcpy(&out->server_id, o.v[OPT_SERVER], 4);
	}
	if (out->type == DHCP_NAK)
		return 0; /* nothing else in a NAK matters */
	if (!out->server_id.s_addr)
		return fail(why, why_len, "%s without a server identifier (option 54)",
			    dhcp_type_name(out->type));
	if (!out->yiaddr.s_addr)
		return fail(why, why_len, "%s without an address (yiaddr 0.0.0.0)",
			    dhcp_type_name(out->type));
	if (!o.seen[OPT_LEASE])
		return fail(why, why_len, "%s without a lease time (option 51)",
			    dhcp_type_name(out->type));
	if (!o.seen[OPT_MASK])
		return fail(why, why_len, "%s without a subnet mask (option 1)",
			    dhcp_type_name(out->type));
	if ((err = want_len(&o, OPT_LEASE, 4, why, why_len)) ||
	    (err = want_len(&o, OPT_MASK, 4, why, why_len)) ||
	    (err = read_mask(o.v[OPT_MASK], &out->prefixlen, why, why_len)))
		return err;
	out->lease_s = get32(o.v[OPT_LEASE]);
	if (o.seen[OPT_T1]) {
		if ((err = want_len(&o, OPT_T1, 4, why, why_len)))
			return err;
		out->t1_s = get32(o.v[OPT_T1]);
	}
	if (o.seen[OPT_T2]) {
		if ((err = want_len(&o, OPT_T2, 4, why, why_len)))
			return err;
		out->t2_s = get32(o.v[OPT_T2]);
	}
	if (o.seen[OPT_ROUTER]) {
		if (!o.n[OPT_ROUTER] || o.n[OPT_ROUTER] % 4)
			return fail(why, why_len, "option 3 (router): length %zu, want 4*n",
				    o.n[OPT_ROUTER]);
		memcpy(&out->router, o.v[OPT_ROUTER], 4);
	}
	if (o.seen[OPT_MTU]) {
		if ((err = want_len(&o, OPT_MTU, 2, why, why_len)))
			return err;
		out->mtu = (uint16_t)(o.v[OPT_MTU][0] << 8 | o.v[OPT_MTU][1]);
		if (out->mtu < 68)
			return fail(why, why_len, "option 26 (MTU): %u < 68", out->mtu);
	}
	if (o.seen[OPT_CSR])
		return read_routes(o.v[OPT_CSR], o.n[OPT_CSR], out, why, why_len);
	return 0;
}

static uint8_t *opt(uint8_t *p, uint8_t code, uint8_t len, const void *v)
{
	p[0] = code;
	p[1] = len;
	memcpy(p + 2, v, len);
	return p + 2 + len;
}

size_t dhcp_msg_build(uint8_t *buf, size_t len, const struct dhcp_request *r)
{
	static const uint8_t params[] = {1, 3, 51, 58, 59, 26, 121};
	uint8_t *p, type = (uint8_t)r->type, cid[7] = {1}, maxsz[2];

	if (len < DHCP_MIN_LEN)
		return 0;
	memset(buf, 0, DHCP_MIN_LEN);
	buf[OFF_OP] = 1; /* BOOTREQUEST */
	buf[1] = 1;
	buf[2] = 6;
	put32(buf + 4, r->xid);
	put16(buf + 8, r->secs);
	put16(buf + OFF_FLAGS, r->broadcast ? 0x8000 : 0);
	memcpy(buf + OFF_CIADDR, &r->ciaddr, 4);
	memcpy(buf + OFF_CHADDR, r->mac, 6);
	memcpy(buf + OFF_COOKIE, cookie, 4);
	p = opt(buf + OFF_OPTS, 53, 1, &type);
	memcpy(cid + 1, r->mac, 6);
	p = opt(p, 61, sizeof(cid), cid);
	if (r->requested.s_addr)
		p = opt(p, 50, 4, &r->requested);
	if (r->server_id.s_addr)
		p = opt(p, 54, 4, &r->server_id);
	if (r->type == DHCP_DISCOVER || r->type == DHCP_REQUEST) {
		put16(maxsz, DHCP_MAX_LEN);
		p = opt(p, 57, 2, maxsz);
		p = opt(p, 55, sizeof(params), params);
	}
	*p = 255;
	return DHCP_MIN_LEN; /* the options above take 42 bytes at most */
}

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t dhcp_frame_build(uint8_t *buf, size_t len, struct in_addr src, struct in_addr dst,
			const uint8_t *payload, size_t plen)
{
	size_t total = DHCP_FRAME_HDR + plen;
	uint8_t *udp = buf + 20;
	uint32_t pseudo;

	if (len < total || total > 0xffff)
		return 0;
	memset(buf, 0, DHCP_FRAME_HDR);
	buf[0] = 0x45;
	buf[1] = 0x10; /* TOS: low delay, as other clients send */
	put16(buf + 2, (uint16_t)total);
	buf[8] = 64; /* TTL */
	buf[9] = IPPROTO_UDP;
	memcpy(buf + 12, &src, 4);
	memcpy(buf + 16, &dst, 4);
	put16(buf + 10, csum(buf, 20, 0));
	put16(udp, DHCP_CLIENT_PORT);
	put16(udp + 2, DHCP_SERVER_PORT);
	put16(udp + 4, (uint16_t)(8 + plen));
	memcpy(udp + 8, payload, plen);
	/* pseudo header: addresses, protocol, UDP length */
	pseudo = IPPROTO_UDP + (uint32_t)(8 + plen);
	for (int i = 12; i < 20; i += 2)
		pseudo += (uint32_t)buf[i] << 8 | buf[i + 1];
	put16(udp + 6, csum(udp, 8 + plen, pseudo) ?: 0xffff);
	return total;
}

int dhcp_frame_parse(const uint8_t *buf, size_t len, const uint8_t **payload, size_t *plen,
		     char *why, size_t why_len)
{
	size_t ihl, total, ulen;
	const uint8_t *udp;

	if (len < DHCP_FRAME_HDR || (buf[0] >> 4) != 4)
		return fail(why, why_len, "not an IPv4 packet (%zu bytes)", len);
	ihl = (buf[0] & 15u) * 4u;
	total = (size_t)buf[2] << 8 | buf[3];
	if (ihl < 20 || total < ihl + 8 || total > len)
		return fail(why, why_len, "IPv4 header: ihl %zu, total length %zu of %zu", ihl,
			    total, len);
	if (csum(buf, ihl, 0))
		return fail(why, why_len, "IPv4 header checksum wrong");
	if (buf[9] != IPPROTO_UDP)
		return fail(why, why_len, "IP protocol %u, not UDP", buf[9]);
	if ((buf[6] & 0x3f) || buf[7])
		return fail(why, why_len, "a fragment");
	udp = buf + ihl;
	ulen = (size_t)udp[4] << 8 | udp[5];
	if ((((size_t)udp[0] << 8) | udp[1]) != DHCP_SERVER_PORT ||
	    (((size_t)udp[2] << 8) | udp[3]) != DHCP_CLIENT_PORT)
		return fail(why, why_len, "UDP ports not 67 -> 68");
	if (ulen < 8 || ihl + ulen > total)
		return fail(why, why_len, "UDP length %zu in %zu bytes", ulen, total - ihl);
	*payload = udp + 8;
	*plen = ulen - 8;
	return 0;
}

static size_t arp_build(uint8_t *buf, size_t len, const uint8_t mac[6], struct in_addr sip,
			struct in_addr tip)
{
	static const uint8_t head[8] = {0, 1, 8, 0, 6, 4, 0, 1}; /* Ethernet, IPv4, request */

	if (len < DHCP_ARP_LEN)
		return 0;
	memcpy(buf, head, 8);
	memcpy(buf + 8, mac, 6);
	memcpy(buf + 14, &sip, 4);
	memset(buf + 18, 0, 6);
	memcpy(buf + 24, &tip, 4);
	return DHCP_ARP_LEN;
}

size_t dhcp_arp_probe_build(uint8_t *buf, size_t len, const uint8_t mac[6], struct in_addr ip)
{
	return arp_build(buf, len, mac, (struct in_addr){0}, ip);
}

bool dhcp_arp_conflict(const uint8_t *buf, size_t len, const uint8_t mac[6], struct in_addr ip)
{
	static const uint8_t head[6] = {0, 1, 8, 0, 6, 4};
	static const uint8_t zero[4];

	if (len < DHCP_ARP_LEN || memcmp(buf, head, 6) || !memcmp(buf + 8, mac, 6))
		return false;
	if (!memcmp(buf + 14, &ip, 4))
		return true;
	/* another host probing for the same address (RFC 5227 2.1.1): requests only */
	return buf[7] == 1 && !memcmp(buf + 14, zero, 4) && !memcmp(buf + 24, &ip, 4);
}

const char *dhcp_type_name(enum dhcp_type t)
{
	static const char *const names[] = {"?",       "DISCOVER", "OFFER", "REQUEST",
					    "DECLINE", "ACK",	   "NAK",   "RELEASE"};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}
