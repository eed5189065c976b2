// SPDX-License-Identifier: GPL-2.0-or-later
/* Alibaba Cloud ECS metadata addressing: the pure half (see metadata.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <json-c/json.h>

#include "metadata.h"

#define QUOTE_MAX  40 /* offending text shown in a reason, then "..." */
#define QUOTE_LEN  (QUOTE_MAX + 4)
#define SCALAR_MAX 64 /* longest scalar answer read as text */
#define JSON_DEPTH 4

static const char *const key_names[MD_KEY_COUNT] = {
	[MD_KEY_PRIVATE_IPV4S] = "private-ipv4s",
	[MD_KEY_PRIMARY_IP] = "primary-ip-address",
	[MD_KEY_VSWITCH_CIDR] = "vswitch-cidr-block",
	[MD_KEY_GATEWAY] = "gateway",
	[MD_KEY_IPV6S] = "ipv6s",
	[MD_KEY_VSWITCH_IPV6_CIDR] = "vswitch-ipv6-cidr-block",
	[MD_KEY_IPV6_GATEWAY] = "ipv6-gateway",
	[MD_KEY_NETMASK] = "netmask",
};

#define REQUIRED_KEYS                                                                              \
	(1u << MD_KEY_PRIVATE_IPV4S | 1u << MD_KEY_PRIMARY_IP | 1u << MD_KEY_VSWITCH_CIDR |        \
	 1u << MD_KEY_GATEWAY)
#define V6_KEYS (1u << MD_KEY_VSWITCH_IPV6_CIDR | 1u << MD_KEY_IPV6_GATEWAY)

const char *metadata_key_name(enum md_key key)
{
	return (unsigned)key < MD_KEY_COUNT ? key_names[key] : "?";
}

int metadata_key_path(enum md_key key, const uint8_t mac[6], char *buf, size_t len)
{
	char m[18];
	int n;

	if ((unsigned)key >= MD_KEY_COUNT)
		return -EINVAL;
	n = snprintf(buf, len, "%s%s/%s", MD_PATH_MACS, mac_format(mac, m), key_names[key]);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

enum md_key metadata_bounds_key(const struct addressing *a, const struct bounds_verdict *v)
{
	bool v6 = v->index < a->n_addrs && a->addrs[v->index].family == AF_INET6;

	switch (v->attr) {
	case BOUNDS_GATEWAY4:
		return MD_KEY_GATEWAY;
	case BOUNDS_GATEWAY6:
		return MD_KEY_IPV6_GATEWAY;
	case BOUNDS_SUBNET:
		return v6 ? MD_KEY_VSWITCH_IPV6_CIDR : MD_KEY_VSWITCH_CIDR;
	case BOUNDS_ADDR:
		break;
	}
	if (v6)
		return MD_KEY_IPV6S;
	return v->index ? MD_KEY_PRIVATE_IPV4S : MD_KEY_PRIMARY_IP;
}

/* ---- reasons ---- */

static int fail(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* The offending text, printable and short: at most QUOTE_MAX bytes, then "...". */
static const char *shorten(const char *s, size_t n, char buf[QUOTE_LEN])
{
	size_t i, k = n > QUOTE_MAX ? QUOTE_MAX : n;

	for (i = 0; i < k; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	strcpy(buf + k, n > QUOTE_MAX ? "..." : "");
	return buf;
}

/* ---- text ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Checks an answer body and trims surrounding whitespace into (*p, *n):
 * refuses bodies over MD_MAX_BODY, NUL bytes, empty answers and HTML.
 */
static int body_text(const char *key, const char *body, size_t len, const char **p, size_t *n,
		     char *why, size_t whylen)
{
	char q[QUOTE_LEN];

	if (len > MD_MAX_BODY)
		return fail(why, whylen, -EBADMSG, "%s: answer over 64 KiB (%zu bytes)", key, len);
	if (len && memchr(body, '\0', len))
		return fail(why, whylen, -EBADMSG, "%s: NUL byte in answer", key);
	while (len && is_space(*body)) {
		body++;
		len--;
	}
	while (len && is_space(body[len - 1]))
		len--;
	if (!len)
		return fail(why, whylen, -EBADMSG, "%s: empty answer", key);
	if (body[0] == '<')
		return fail(why, whylen, -EBADMSG, "%s: HTML instead of an answer: '%s'", key,
			    shorten(body, len, q));
	*p = body;
	*n = len;
	return 0;
}

/* A trimmed scalar answer as a C string in buf[SCALAR_MAX + 1]; false when longer. */
static bool scalar_copy(const char *p, size_t n, char buf[SCALAR_MAX + 1])
{
	if (n > SCALAR_MAX)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

/* ---- addresses ---- */

static bool unicast(const struct enid_ip *ip, bool allow_link_local)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *b = ip->bytes;

	if (ip->family == AF_INET)
		return b[0] != 0 && b[0] != 127 && b[0] < 224;
	if (!memcmp(b, zero, 16) || b[0] == 0xff || !memcmp(b, mapped, 12))
		return false;
	if (!memcmp(b, zero, 15) && b[15] == 1)
		return false;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return allow_link_local;
	return true;
}

static bool link_local6(const struct enid_ip *ip)
{
	return ip->family == AF_INET6 && ip->bytes[0] == 0xfe && (ip->bytes[1] & 0xc0) == 0x80;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* One address of family (no prefix), unicast. */
static int parse_addr(const char *key, int family, const char *p, size_t n, bool link_local_ok,
		      struct enid_ip *out, char *why, size_t whylen)
{
	char s[SCALAR_MAX + 1], q[QUOTE_LEN];
	struct enid_ip ip;

	if (memchr(p, '\0', n) || !scalar_copy(p, n, s) || !enid_ip_parse(s, false, &ip) ||
	    ip.family != family)
		return fail(why, whylen, -EBADMSG, "%s: invalid %s address: '%s'", key,
			    family_name(family), shorten(p, n, q));
	if (!unicast(&ip, link_local_ok))
		return fail(why, whylen, -EBADMSG, "%s: not a unicast address: '%s'", key,
			    shorten(p, n, q));
	*out = ip;
	return 0;
}

static int scalar_addr(const char *key, int family, const char *body, size_t len,
		       bool link_local_ok, struct enid_ip *out, char *why, size_t whylen)
{
	const char *p;
	size_t n;
	int r = body_text(key, body, len, &p, &n, why, whylen);

	return r ? r : parse_addr(key, family, p, n, link_local_ok, out, why, whylen);
}

/* A CIDR block of family; host bits are cleared. */
static int scalar_cidr(const char *key, int family, const char *body, size_t len,
		       struct enid_ip *out, char *why, size_t whylen)
{
	char s[SCALAR_MAX + 1], q[QUOTE_LEN];
	struct enid_ip ip;
	const char *p;
	size_t n;
	int r = body_text(key, body, len, &p, &n, why, whylen);

	if (r)
		return r;
	if (!scalar_copy(p, n, s) || !enid_ip_parse(s, true, &ip) || ip.family != family)
		return fail(why, whylen, -EBADMSG, "%s: invalid %s CIDR block: '%s'", key,
			    family_name(family), shorten(p, n, q));
	*out = enid_ip_network(&ip);
	return 0;
}

int metadata_parse_netmask(const char *body, size_t len, unsigned *prefix, char *why, size_t whylen)
{
	const char *key = key_names[MD_KEY_NETMASK];
	char s[SCALAR_MAX + 1], q[QUOTE_LEN];
	struct in_addr a;
	uint32_t m, inv;
	const char *p;
	size_t n;
	int r = body_text(key, body, len, &p, &n, why, whylen);

	if (r)
		return r;
	if (!scalar_copy(p, n, s) || inet_pton(AF_INET, s, &a) != 1 || !a.s_addr)
		return fail(why, whylen, -EBADMSG, "%s: invalid netmask: '%s'", key,
			    shorten(p, n, q));
	m = ntohl(a.s_addr);
	inv = ~m;
	if (inv & (inv + 1))
		return fail(why, whylen, -EBADMSG, "%s: non-contiguous netmask: '%s'", key,
			    shorten(p, n, q));
	*prefix = (unsigned)__builtin_popcount(m);
	return 0;
}

/* ---- address lists ---- */

struct ip_list {
	struct enid_ip ip[ENID_MAX_ADDRS];
	unsigned n;
};

static int list_add(const char *key, int family, const char *p, size_t n, struct ip_list *l,
		    char *why, size_t whylen)
{
	char q[QUOTE_LEN];
	struct enid_ip ip;
	int r = parse_addr(key, family, p, n, false, &ip, why, whylen);

	if (r)
		return r;
	for (unsigned i = 0; i < l->n; i++)
		if (enid_ip_same_addr(&l->ip[i], &ip))
			return fail(why, whylen, -EBADMSG, "%s: duplicate address: '%s'", key,
				    shorten(p, n, q));
	l->ip[l->n++] = ip;
	return 0;
}

static int too_many(const char *key, size_t count, char *why, size_t whylen)
{
	return fail(why, whylen, -E2BIG, "%s: %zu addresses, at most %u", key, count,
		    ENID_MAX_ADDRS);
}

/* A JSON array of address strings. */
static int json_list(const char *key, int family, const char *p, size_t n, struct ip_list *l,
		     char *why, size_t whylen)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	struct json_object *obj;
	char q[QUOTE_LEN];
	size_t count;
	int r = 0;

	if (!tok)
		return fail(why, whylen, -ENOMEM, "%s: out of memory", key);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, p, (int)n);
	if (!obj) {
		bool more = json_tokener_get_error(tok) == json_tokener_continue;

		r = fail(why, whylen, -EBADMSG, "%s: %s JSON: '%s'", key,
			 more ? "truncated" : "invalid", shorten(p, n, q));
	} else if (json_tokener_get_parse_end(tok) != n) {
		r = fail(why, whylen, -EBADMSG, "%s: invalid JSON: '%s'", key, shorten(p, n, q));
	} else if (!json_object_is_type(obj, json_type_array)) {
		r = fail(why, whylen, -EBADMSG, "%s: not a JSON array: '%s'", key,
			 shorten(p, n, q));
	} else if ((count = json_object_array_length(obj)) > ENID_MAX_ADDRS) {
		r = too_many(key, count, why, whylen);
	} else {
		for (size_t i = 0; i < count && !r; i++) {
			struct json_object *e = json_object_array_get_idx(obj, i);

			if (!json_object_is_type(e, json_type_string)) {
				const char *t = json_object_to_json_string(e);

				r = fail(why, whylen, -EBADMSG,
					 "%s: element %zu is not a string: '%s'", key, i + 1,
					 shorten(t, strlen(t), q));
				break;
			}
			r = list_add(key, family, json_object_get_string(e),
				     (size_t)json_object_get_string_len(e), l, why, whylen);
		}
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return r;
}

/* The unquoted "[a,b]" form of ipv6s (spaces around commas allowed). */
static int bare_list(const char *key, int family, const char *p, size_t n, struct ip_list *l,
		     char *why, size_t whylen)
{
	char q[QUOTE_LEN];
	size_t count = 1, i;
	const char *s, *end;

	if (p[n - 1] != ']')
		return fail(why, whylen, -EBADMSG, "%s: truncated list: '%s'", key,
			    shorten(p, n, q));
	for (i = 1; i < n - 1; i++)
		count += p[i] == ',';
	if (count > ENID_MAX_ADDRS)
		return too_many(key, count, why, whylen);
	s = p + 1;
	end = p + n - 1;
	while (s <= end) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		const char *e = c ? c : end;
		const char *a = s, *b = e;
		int r;

		while (a < b && is_space(*a))
			a++;
		while (b > a && is_space(b[-1]))
			b--;
		if (a == b)
			return fail(why, whylen, -EBADMSG, "%s: empty list element: '%s'", key,
				    shorten(p, n, q));
		r = list_add(key, family, a, (size_t)(b - a), l, why, whylen);
		if (r)
			return r;
		s = e + 1;
	}
	return 0;
}

/* private-ipv4s (JSON only) or ipv6s (JSON or the bare form). "[]" is an empty list. */
static int parse_list(enum md_key k, const char *body, size_t len, struct ip_list *l, char *why,
		      size_t whylen)
{
	const char *key = key_names[k], *p;
	int family = k == MD_KEY_IPV6S ? AF_INET6 : AF_INET;
	char q[QUOTE_LEN];
	size_t n, i;
	int r;

	l->n = 0;
	r = body_text(key, body, len, &p, &n, why, whylen);
	if (r)
		return r;
	if (p[0] != '[')
		return fail(why, whylen, -EBADMSG, "%s: not a JSON array: '%s'", key,
			    shorten(p, n, q));
	if (family == AF_INET6) {
		for (i = 1; i < n && is_space(p[i]); i++)
			;
		if (i < n && p[i] != '"' && p[i] != ']')
			return bare_list(key, family, p, n, l, why, whylen);
	}
	return json_list(key, family, p, n, l, why, whylen);
}

/* ---- build ---- */

static bool answered(const struct md_answer *a)
{
	return a->status == MD_ANS_OK;
}

static int missing(const struct md_answer ans[MD_KEY_COUNT], enum md_key k, char *why,
		   size_t whylen)
{
	return fail(why, whylen, -EAGAIN, "%s: %s", key_names[k],
		    ans[k].status == MD_ANS_NOT_FOUND ? "404 (not there yet)" : "no answer");
}

static int outside(const char *key, const struct enid_ip *ip, const char *what,
		   const struct enid_ip *net, char *why, size_t whylen)
{
	char a[ENID_IP_STRLEN], b[ENID_IP_STRLEN];

	return fail(why, whylen, -EINVAL, "%s: '%s' outside %s %s", key,
		    enid_ip_format(ip, false, a, sizeof(a)), what,
		    enid_ip_format(net, true, b, sizeof(b)));
}

/* The IPv4 subnet: vswitch-cidr-block, else netmask around the primary. */
static int v4_subnet(const struct md_answer ans[MD_KEY_COUNT], const struct enid_ip *primary,
		     struct enid_ip *net, char *why, size_t whylen)
{
	const struct md_answer *c = &ans[MD_KEY_VSWITCH_CIDR], *m = &ans[MD_KEY_NETMASK];
	unsigned prefix;
	int r;

	if (answered(c)) {
		r = scalar_cidr(key_names[MD_KEY_VSWITCH_CIDR], AF_INET, c->body, c->len, net, why,
				whylen);
		if (r)
			return r;
		if (!answered(m))
			return 0;
		r = metadata_parse_netmask(m->body, m->len, &prefix, why, whylen);
		if (r)
			return r;
		if (prefix != net->prefixlen) {
			char b[ENID_IP_STRLEN], q[QUOTE_LEN];
			const char *p;
			size_t n;

			body_text("", m->body, m->len, &p, &n, NULL, 0);
			return fail(why, whylen, -EINVAL,
				    "netmask: '%s' (/%u) disagrees with vswitch-cidr-block %s",
				    shorten(p, n, q), prefix,
				    enid_ip_format(net, true, b, sizeof(b)));
		}
		return 0;
	}
	if (!answered(m))
		return missing(ans, MD_KEY_VSWITCH_CIDR, why, whylen);
	r = metadata_parse_netmask(m->body, m->len, &prefix, why, whylen);
	if (r)
		return r;
	*net = *primary;
	net->prefixlen = prefix;
	*net = enid_ip_network(net);
	return 0;
}

static int build_v4(const struct md_answer ans[MD_KEY_COUNT], struct addressing *a, char *why,
		    size_t whylen)
{
	const char *kp = key_names[MD_KEY_PRIMARY_IP], *kl = key_names[MD_KEY_PRIVATE_IPV4S];
	const char *kg = key_names[MD_KEY_GATEWAY], *kc = key_names[MD_KEY_VSWITCH_CIDR];
	const struct md_answer *ap = &ans[MD_KEY_PRIMARY_IP];
	const struct md_answer *ag = &ans[MD_KEY_GATEWAY];
	struct enid_ip primary, gw, net;
	struct ip_list l;
	char b[ENID_IP_STRLEN];
	unsigned i, at = ENID_MAX_ADDRS;
	int r;

	r = parse_list(MD_KEY_PRIVATE_IPV4S, ans[MD_KEY_PRIVATE_IPV4S].body,
		       ans[MD_KEY_PRIVATE_IPV4S].len, &l, why, whylen);
	if (r)
		return r;
	r = scalar_addr(kp, AF_INET, ap->body, ap->len, false, &primary, why, whylen);
	if (r)
		return r;
	r = scalar_addr(kg, AF_INET, ag->body, ag->len, false, &gw, why, whylen);
	if (r)
		return r;
	r = v4_subnet(ans, &primary, &net, why, whylen);
	if (r)
		return r;
	if (!enid_ip_in_subnet(&primary, &net))
		return outside(kp, &primary, answered(&ans[MD_KEY_VSWITCH_CIDR]) ? kc : "netmask",
			       &net, why, whylen);
	for (i = 0; i < l.n; i++)
		if (enid_ip_same_addr(&l.ip[i], &primary))
			at = i;
	if (at == ENID_MAX_ADDRS)
		return fail(why, whylen, -EINVAL, "%s: '%s' not in %s", kp,
			    enid_ip_format(&primary, false, b, sizeof(b)), kl);
	for (i = 0; i < l.n; i++)
		if (!enid_ip_in_subnet(&l.ip[i], &net))
			return outside(kl, &l.ip[i], kc, &net, why, whylen);
	if (!enid_ip_in_subnet(&gw, &net))
		return outside(kg, &gw, kc, &net, why, whylen);
	for (i = 0; i < l.n; i++)
		if (enid_ip_same_addr(&l.ip[i], &gw))
			return fail(why, whylen, -EINVAL, "%s: '%s' is an address of the ENI", kg,
				    enid_ip_format(&gw, false, b, sizeof(b)));

	a->addrs[a->n_addrs] = primary;
	a->addrs[a->n_addrs++].prefixlen = net.prefixlen;
	for (i = 0; i < l.n; i++) {
		if (i == at)
			continue;
		a->addrs[a->n_addrs] = l.ip[i];
		a->addrs[a->n_addrs++].prefixlen = net.prefixlen;
	}
	a->gateway4 = gw;
	return 0;
}

static int build_v6(const struct md_answer ans[MD_KEY_COUNT], struct addressing *a, char *why,
		    size_t whylen)
{
	const char *kl = key_names[MD_KEY_IPV6S], *kg = key_names[MD_KEY_IPV6_GATEWAY];
	const char *kc = key_names[MD_KEY_VSWITCH_IPV6_CIDR];
	const struct md_answer *ac = &ans[MD_KEY_VSWITCH_IPV6_CIDR];
	const struct md_answer *ag = &ans[MD_KEY_IPV6_GATEWAY];
	struct enid_ip gw, net;
	struct ip_list l;
	char b[ENID_IP_STRLEN], c[ENID_IP_STRLEN];
	unsigned i;
	int r;

	if (!answered(&ans[MD_KEY_IPV6S]))
		return 0; /* 404: no IPv6 */
	r = parse_list(MD_KEY_IPV6S, ans[MD_KEY_IPV6S].body, ans[MD_KEY_IPV6S].len, &l, why,
		       whylen);
	if (r)
		return r;
	if (!l.n)
		return 0;
	if (a->n_addrs + l.n > ENID_MAX_ADDRS)
		return fail(why, whylen, -E2BIG, "private-ipv4s + ipv6s: %u addresses, at most %u",
			    a->n_addrs + l.n, ENID_MAX_ADDRS);
	if (!answered(ac))
		return missing(ans, MD_KEY_VSWITCH_IPV6_CIDR, why, whylen);
	if (!answered(ag))
		return missing(ans, MD_KEY_IPV6_GATEWAY, why, whylen);
	r = scalar_cidr(kc, AF_INET6, ac->body, ac->len, &net, why, whylen);
	if (r)
		return r;
	r = scalar_addr(kg, AF_INET6, ag->body, ag->len, true, &gw, why, whylen);
	if (r)
		return r;
	for (i = 0; i < l.n; i++)
		if (!enid_ip_in_subnet(&l.ip[i], &net))
			return outside(kl, &l.ip[i], kc, &net, why, whylen);
	if (!link_local6(&gw) && !enid_ip_in_subnet(&gw, &net))
		return fail(why, whylen, -EINVAL, "%s: '%s' neither link-local nor inside %s %s",
			    kg, enid_ip_format(&gw, false, b, sizeof(b)), kc,
			    enid_ip_format(&net, true, c, sizeof(c)));
	for (i = 0; i < l.n; i++)
		if (enid_ip_same_addr(&l.ip[i], &gw))
			return fail(why, whylen, -EINVAL, "%s: '%s' is an address of the ENI", kg,
				    enid_ip_format(&gw, false, b, sizeof(b)));
	for (i = 0; i < l.n; i++) {
		a->addrs[a->n_addrs] = l.ip[i];
		a->addrs[a->n_addrs++].prefixlen = net.prefixlen;
	}
	a->gateway6 = gw;
	return 0;
}

int metadata_build(const struct md_answer ans[MD_KEY_COUNT], struct addressing *out, char *why,
		   size_t whylen)
{
	static const enum md_key required[] = {MD_KEY_PRIVATE_IPV4S, MD_KEY_PRIMARY_IP,
					       MD_KEY_GATEWAY};
	struct addressing a;
	int r;

	for (unsigned i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!answered(&ans[required[i]]))
			return missing(ans, required[i], why, whylen);
	if (!answered(&ans[MD_KEY_VSWITCH_CIDR]) && !answered(&ans[MD_KEY_NETMASK]))
		return missing(ans, MD_KEY_VSWITCH_CIDR, why, whylen);
	memset(&a, 0, sizeof(a));
	r = build_v4(ans, &a, why, whylen);
	if (!r)
		r = build_v6(ans, &a, why, whylen);
	if (r)
		return r;
	a.nodad = true;
	*out = a;
	if (why && whylen)
		why[0] = '\0';
	return 0;
}

/* ---- instance mac, macs/ listing ---- */

int metadata_parse_mac(const char *body, size_t len, uint8_t mac[6], char *why, size_t whylen)
{
	char s[SCALAR_MAX + 1], q[QUOTE_LEN];
	const char *p;
	size_t n;
	int r = body_text("mac", body, len, &p, &n, why, whylen);

	if (r)
		return r;
	if (!scalar_copy(p, n, s) || !mac_parse(s, mac))
		return fail(why, whylen, -EBADMSG, "mac: invalid MAC: '%s'", shorten(p, n, q));
	return 0;
}

/* ---- one MAC's fetch ---- */

enum md_http metadata_http_class(long status)
{
	switch (status) {
	case 200:
		return MD_HTTP_OK;
	case 404:
		return MD_HTTP_NOT_FOUND;
	case 401:
		return MD_HTTP_TOKEN_EXPIRED;
	case 403:
		return MD_HTTP_TOKEN_NEEDED;
	default:
		return MD_HTTP_RETRY;
	}
}

static void slot_clear(struct md_key_slot *s, enum md_key_state state)
{
	free(s->body);
	s->body = NULL;
	s->len = 0;
	s->http = 0;
	s->state = state;
}

void metadata_fetch_init(struct md_fetch *f, const uint8_t mac[6])
{
	memset(f, 0, sizeof(*f));
	memcpy(f->mac, mac, 6);
	for (unsigned k = 0; k < MD_KEY_COUNT; k++)
		if (REQUIRED_KEYS >> k & 1 || k == MD_KEY_IPV6S)
			f->key[k].state = MD_KS_WANT;
}

void metadata_fetch_free(struct md_fetch *f)
{
	for (unsigned k = 0; k < MD_KEY_COUNT; k++)
		slot_clear(&f->key[k], MD_KS_IDLE);
	f->outstanding = 0;
}

/* ipv6s answered 200 with a readable, non-empty list: the IPv6 keys are needed. */
static bool ipv6s_listed(const struct md_fetch *f)
{
	const struct md_key_slot *s = &f->key[MD_KEY_IPV6S];
	struct ip_list l;

	return s->state == MD_KS_OK && !parse_list(MD_KEY_IPV6S, s->body, s->len, &l, NULL, 0) &&
	       l.n;
}

static void want_v6_keys(struct md_fetch *f)
{
	if (!ipv6s_listed(f))
		return;
	for (unsigned k = 0; k < MD_KEY_COUNT; k++)
		if (V6_KEYS >> k & 1 && f->key[k].state == MD_KS_IDLE)
			f->key[k].state = MD_KS_WANT;
}

int metadata_fetch_next(struct md_fetch *f)
{
	for (unsigned k = 0; k < MD_KEY_COUNT; k++) {
		if (f->key[k].state != MD_KS_WANT)
			continue;
		f->key[k].state = MD_KS_ASKED;
		f->outstanding++;
		f->requests++;
		return (int)k;
	}
	return -1;
}

int metadata_fetch_answer(struct md_fetch *f, enum md_key key, long http, const char *body,
			  size_t len)
{
	struct md_key_slot *s;

	if ((unsigned)key >= MD_KEY_COUNT || f->key[key].state != MD_KS_ASKED)
		return -EINVAL;
	s = &f->key[key];
	if (http == 200) {
		char *copy = malloc(len ? len : 1);

		if (!copy)
			return -ENOMEM;
		if (len)
			memcpy(copy, body, len);
		slot_clear(s, MD_KS_OK);
		s->body = copy;
		s->len = len;
	} else {
		slot_clear(s, http == 404 ? MD_KS_ABSENT : MD_KS_FAILED);
	}
	s->http = http;
	f->outstanding--;
	if (key == MD_KEY_PRIVATE_IPV4S && f->probing && http == 200) {
		f->probing = false; /* the MAC is there: ask the rest */
		for (unsigned k = 0; k < MD_KEY_COUNT; k++)
			if ((REQUIRED_KEYS >> k & 1 || k == MD_KEY_IPV6S) &&
			    f->key[k].state == MD_KS_IDLE)
				f->key[k].state = MD_KS_WANT;
	}
	if (key == MD_KEY_IPV6S)
		want_v6_keys(f);
	return 0;
}

/* "waiting: gateway 404, ipv6s HTTP 503" over the keys not answered 200 that matter. */
static int waiting(struct md_fetch *f, uint32_t needed)
{
	size_t used = (size_t)snprintf(f->why, sizeof(f->why), "waiting:");
	bool all404 = true;

	f->lag = true;

	for (unsigned k = 0; k < MD_KEY_COUNT; k++) {
		const struct md_key_slot *s = &f->key[k];
		char what[16];

		if (s->state != MD_KS_ABSENT && s->state != MD_KS_IDLE)
			all404 = false;
		if (s->state == MD_KS_OK || s->state == MD_KS_IDLE)
			continue;
		if (!(needed >> k & 1))
			continue;
		if (s->state != MD_KS_ABSENT)
			f->lag = false;
		if (s->state == MD_KS_ABSENT)
			snprintf(what, sizeof(what), "404");
		else if (s->http)
			snprintf(what, sizeof(what), "HTTP %ld", s->http);
		else
			snprintf(what, sizeof(what), "timeout");
		if (used < sizeof(f->why))
			used += (size_t)snprintf(f->why + used, sizeof(f->why) - used, "%s %s %s",
						 used > 8 ? "," : "", key_names[k], what);
	}
	if (all404)
		snprintf(f->why, sizeof(f->why),
			 "waiting: MAC not in metadata yet (every key 404)");
	return -EAGAIN;
}

int metadata_fetch_result(struct md_fetch *f, struct addressing *out)
{
	struct md_answer ans[MD_KEY_COUNT];
	uint32_t needed = REQUIRED_KEYS;
	int r;

	f->bad = false;
	f->lag = false;
	for (unsigned k = 0; k < MD_KEY_COUNT; k++)
		if (f->key[k].state == MD_KS_WANT || f->key[k].state == MD_KS_ASKED)
			return fail(f->why, sizeof(f->why), -EINPROGRESS, "fetching");
	for (unsigned k = 0; k < MD_KEY_COUNT; k++) {
		if (f->key[k].http == 401 && f->key[k].state == MD_KS_FAILED)
			return fail(f->why, sizeof(f->why), -EKEYEXPIRED,
				    "waiting: token expired (401)");
	}
	for (unsigned k = 0; k < MD_KEY_COUNT; k++) {
		if (f->key[k].http == 403 && f->key[k].state == MD_KS_FAILED)
			return fail(f->why, sizeof(f->why), -EACCES,
				    "waiting: metadata token required (403)");
	}
	if (ipv6s_listed(f))
		needed |= V6_KEYS;
	if (f->key[MD_KEY_IPV6S].state == MD_KS_FAILED)
		needed |= 1u << MD_KEY_IPV6S; /* a 5xx is not "no IPv6" */
	for (unsigned k = 0; k < MD_KEY_COUNT; k++)
		if (needed >> k & 1 && f->key[k].state != MD_KS_OK)
			return waiting(f, needed);
	for (unsigned k = 0; k < MD_KEY_COUNT; k++) {
		const struct md_key_slot *s = &f->key[k];

		ans[k].status = s->state == MD_KS_OK	   ? MD_ANS_OK
				: s->state == MD_KS_ABSENT ? MD_ANS_NOT_FOUND
							   : MD_ANS_NONE;
		ans[k].body = s->body;
		ans[k].len = s->len;
	}
	r = metadata_build(ans, out, f->why, sizeof(f->why));
	f->bad = r && r != -EAGAIN;
	return r;
}

/* Every key asked answered 404 and none 200: the MAC is not in the metadata yet. */
static bool mac_unknown(const struct md_fetch *f)
{
	bool any = false;

	for (unsigned k = 0; k < MD_KEY_COUNT; k++) {
		if (f->key[k].state == MD_KS_ABSENT)
			any = true;
		else if (f->key[k].state != MD_KS_IDLE)
			return false;
	}
	return any;
}

void metadata_fetch_retry(struct md_fetch *f)
{
	bool all = f->bad;

	f->attempt++;
	f->bad = false;
	if (!all && mac_unknown(f)) {
		/* one probe per round until the MAC shows up, not a request per key */
		f->probing = true;
		for (unsigned k = 0; k < MD_KEY_COUNT; k++)
			slot_clear(&f->key[k], k == MD_KEY_PRIVATE_IPV4S ? MD_KS_WANT : MD_KS_IDLE);
		return;
	}
	for (unsigned k = 0; k < MD_KEY_COUNT; k++) {
		struct md_key_slot *s = &f->key[k];

		if (s->state == MD_KS_IDLE || s->state == MD_KS_ASKED)
			continue;
		if (all || s->state != MD_KS_OK)
			slot_clear(s, MD_KS_WANT);
	}
	/* after a full restart the IPv6 keys wait for ipv6s again */
	if (all)
		for (unsigned k = 0; k < MD_KEY_COUNT; k++)
			if (V6_KEYS >> k & 1 && f->key[k].state == MD_KS_WANT)
				f->key[k].state = MD_KS_IDLE;
}

uint64_t metadata_backoff_us(unsigned attempt, uint64_t base_us, uint64_t cap_us, uint32_t rnd)
{
	uint64_t d = base_us ? base_us : 1;

	for (unsigned i = 0; i < attempt && d < cap_us; i++)
		d *= 2;
	if (d > cap_us)
		d = cap_us;
	return d / 2 + (uint64_t)rnd % (d - d / 2 + 1);
}

/* ---- token ---- */

uint64_t metadata_token_renew_at(uint64_t sent_us, unsigned ttl)
{
	uint64_t life = (uint64_t)ttl * 1000000;

	return sent_us + (ttl >= 120 ? life - 60000000 : life / 2);
}

int metadata_token_parse(const char *body, size_t len, char *out, size_t outlen, char *why,
			 size_t whylen)
{
	char q[QUOTE_LEN];
	const char *p;
	size_t n;
	int r = body_text("token", body, len, &p, &n, why, whylen);

	if (r)
		return r;
	if (n > MD_TOKEN_MAX || n >= outlen)
		return fail(why, whylen, -EBADMSG, "token: longer than %u bytes", MD_TOKEN_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return fail(why, whylen, -EBADMSG, "token: invalid character in '%s'",
				    shorten(p, n, q));
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

enum md_token_step metadata_token_after_put(enum md_token_mode mode, long status)
{
	if (status == 200)
		return MD_TOKEN_STEP_USE;
	if ((status == 404 || status == 405 || status == 501) && mode == MD_TOKEN_AUTO)
		return MD_TOKEN_STEP_TOKENLESS;
	return MD_TOKEN_STEP_RETRY;
}

bool metadata_token_after_403(enum md_token_mode mode)
{
	return mode != MD_TOKEN_OFF;
}
