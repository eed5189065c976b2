// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enid.conf parser on libinih. The text is fed to inih through our own line
 * reader, which numbers lines, strips leading blanks (so an indented line is
 * never an inih continuation line), blanks lines that are syntax errors (to
 * collect every one of them: inih reports only the first per pass), and sees
 * section headers even when a section is empty.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <net/if.h>
#include <ini.h>

#include "bounds.h"
#include "config.h"

_Static_assert(ENID_IFNAMSIZ == IFNAMSIZ, "ENID_IFNAMSIZ");

#define CONFIG_MAX_SIZE (1 << 20)
#define MAX_KEYS	24

enum section_kind { SEC_NONE, SEC_GLOBAL, SEC_ENI, SEC_SKIP };

struct parser {
	const char *name; /* file name in messages */
	const char *text;
	size_t pos;
	unsigned line;	 /* line last handed to inih */
	bool collect;	 /* final pass: sections and keys count */
	unsigned *blank; /* syntax-error lines, fed to inih as empty */
	unsigned n_blank;
	struct enid_config *cfg;
	struct config_errors *errs;
	unsigned *err_line; /* line of each error, to sort them */
	unsigned dropped;   /* errors beyond ENID_MAX_ERRORS */
	bool oom;
	enum section_kind sec;
	char sec_name[64]; /* for messages: "global" or the lower-case MAC */
	unsigned global_line;
	int eni;		 /* index in cfg->enis of the current [MAC] */
	unsigned seen[MAX_KEYS]; /* line where each single-valued key was set */
	unsigned gw4_line;
	unsigned prefix_line[4]; /* ipv4_prefix_min, _max, ipv6_prefix_min, _max */
};

struct key {
	const char *name;
	bool (*parse)(struct parser *p, const char *key, const char *value);
	bool repeatable;
};

static void errorf(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errorf(struct parser *p, unsigned line, const char *fmt, ...)
{
	struct config_errors *e = p->errs;
	char msg[512], *s, **msgs;
	unsigned *lines;
	va_list ap;
	int n;

	if (e->n >= ENID_MAX_ERRORS && line) {
		p->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		n = asprintf(&s, "%s:%u: %s", p->name, line, msg);
	else
		n = asprintf(&s, "%s: %s", p->name, msg);
	msgs = realloc(e->msg, (e->n + 1) * sizeof(*msgs));
	if (msgs)
		e->msg = msgs;
	lines = realloc(p->err_line, (e->n + 1) * sizeof(*lines));
	if (lines)
		p->err_line = lines;
	if (n < 0 || !msgs || !lines) {
		if (n >= 0)
			free(s);
		p->oom = true;
		return;
	}
	e->msg[e->n] = s;
	p->err_line[e->n] = line;
	e->n++;
}

/* Stable insertion sort by line: syntax errors are found before the rest. */
static void sort_errors(struct parser *p)
{
	struct config_errors *e = p->errs;

	for (unsigned i = 1; i < e->n; i++) {
		unsigned line = p->err_line[i];
		char *msg = e->msg[i];
		unsigned j = i;

		for (; j > 0 && p->err_line[j - 1] > line; j--) {
			p->err_line[j] = p->err_line[j - 1];
			e->msg[j] = e->msg[j - 1];
		}
		p->err_line[j] = line;
		e->msg[j] = msg;
	}
}

/* ---- small value parsers ---- */

static bool parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v = 0;

	if (!*s || strlen(s) > 10)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_u32_range(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint32_t v;

	if (!parse_u32(s, &v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (unsigned i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}

static bool driver_name_valid(const char *s, size_t n)
{
	if (!n || n >= ENID_DRIVER_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.", s[i]))
			return false;
	return true;
}

/* ---- [global] keys ---- */

static bool parse_source(struct parser *p, const char *key, const char *v)
{
	static const char *const names[] = {"auto", "genl", "rtnl"};

	for (unsigned i = 0; i < 3; i++)
		if (!strcasecmp(v, names[i])) {
			p->cfg->source = (enum enid_source)i;
			return true;
		}
	errorf(p, p->line, "%s: \"%s\" is not one of auto, genl, rtnl", key, v);
	return false;
}

static bool parse_addressing(struct parser *p, const char *key, const char *v)
{
	if (!strcasecmp(v, "auto"))
		p->cfg->addressing = ENID_ADDRESSING_AUTO;
	else if (!strcasecmp(v, "static"))
		p->cfg->addressing = ENID_ADDRESSING_STATIC;
	else if (!strcasecmp(v, "metadata"))
		p->cfg->addressing = ENID_ADDRESSING_METADATA;
	else {
		errorf(p, p->line, "%s: \"%s\" is not one of auto, static, metadata", key, v);
		return false;
	}
	return true;
}

static bool parse_drivers(struct parser *p, const char *key, const char *v)
{
	struct enid_config *cfg = p->cfg;
	const char *s = v;
	unsigned n = 0;
	char list[ENID_MAX_DRIVERS][ENID_DRIVER_LEN];

	for (;;) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);

		while (len && isspace((unsigned char)*s)) {
			s++;
			len--;
		}
		while (len && isspace((unsigned char)s[len - 1]))
			len--;
		if (!len) {
			errorf(p, p->line, "%s: \"%s\" has an empty entry", key, v);
			return false;
		}
		if (!driver_name_valid(s, len)) {
			errorf(p, p->line, "%s: \"%.*s\" is not a driver name", key, (int)len, s);
			return false;
		}
		if (n == ENID_MAX_DRIVERS) {
			errorf(p, p->line, "%s: more than %d drivers", key, ENID_MAX_DRIVERS);
			return false;
		}
		memcpy(list[n], s, len);
		list[n++][len] = '\0';
		if (!end)
			break;
		s = end + 1;
	}
	memcpy(cfg->drivers, list, sizeof(list));
	cfg->n_drivers = n;
	return true;
}

static bool parse_table_base(struct parser *p, const char *key, const char *v)
{
	if (parse_u32_range(v, ENID_TABLE_BASE_MIN, ENID_TABLE_BASE_MAX, &p->cfg->table_base))
		return true;
	errorf(p, p->line, "%s: \"%s\" is not in %u..%u", key, v, ENID_TABLE_BASE_MIN,
	       ENID_TABLE_BASE_MAX);
	return false;
}

static bool parse_rule_pref_base(struct parser *p, const char *key, const char *v)
{
	if (parse_u32_range(v, ENID_PREF_BASE_MIN, ENID_PREF_BASE_MAX, &p->cfg->rule_pref_base))
		return true;
	errorf(p, p->line, "%s: \"%s\" is not in %u..%u", key, v, ENID_PREF_BASE_MIN,
	       ENID_PREF_BASE_MAX);
	return false;
}

static bool parse_metric_base(struct parser *p, const char *key, const char *v)
{
	if (parse_u32_range(v, 0, ENID_METRIC_BASE_MAX, &p->cfg->metric_base))
		return true;
	errorf(p, p->line, "%s: \"%s\" is not in 0..%u", key, v, ENID_METRIC_BASE_MAX);
	return false;
}

static bool parse_primary(struct parser *p, const char *key, const char *v)
{
	struct enid_config *cfg = p->cfg;

	cfg->primary_ifname[0] = '\0';
	cfg->has_primary_mac = false;
	if (!*v)
		return true;
	if (mac_parse(v, cfg->primary_mac)) {
		cfg->has_primary_mac = true;
		return true;
	}
	if (ifname_valid(v)) {
		snprintf(cfg->primary_ifname, sizeof(cfg->primary_ifname), "%s", v);
		return true;
	}
	errorf(p, p->line, "%s: \"%s\" is not an interface name or a MAC address", key, v);
	return false;
}

static bool parse_arp_ignore(struct parser *p, const char *key, const char *v)
{
	uint32_t n;

	if (parse_u32_range(v, 0, 8, &n) && (n <= 3 || n == 8)) {
		p->cfg->arp_ignore = (int)n;
		return true;
	}
	errorf(p, p->line, "%s: \"%s\" is not one of 0, 1, 2, 3, 8", key, v);
	return false;
}

static bool parse_arp_announce(struct parser *p, const char *key, const char *v)
{
	uint32_t n;

	if (parse_u32_range(v, 0, 2, &n)) {
		p->cfg->arp_announce = (int)n;
		return true;
	}
	errorf(p, p->line, "%s: \"%s\" is not in 0..2", key, v);
	return false;
}

static bool parse_global_default_route(struct parser *p, const char *key, const char *v)
{
	if (parse_bool(v, &p->cfg->default_route))
		return true;
	errorf(p, p->line, "%s: \"%s\" is not yes or no", key, v);
	return false;
}

static bool parse_gratuitous_arp(struct parser *p, const char *key, const char *v)
{
	if (parse_bool(v, &p->cfg->gratuitous_arp))
		return true;
	errorf(p, p->line, "%s: \"%s\" is not yes or no", key, v);
	return false;
}

static bool parse_host_arp_filter(struct parser *p, const char *key, const char *v)
{
	if (parse_bool(v, &p->cfg->host_arp_filter))
		return true;
	errorf(p, p->line, "%s: \"%s\" is not yes or no", key, v);
	return false;
}

static bool parse_udev(struct parser *p, const char *key, const char *v)
{
	static const char *const names[] = {"auto", "yes", "no"};

	for (unsigned i = 0; i < 3; i++)
		if (!strcasecmp(v, names[i])) {
			p->cfg->udev = (enum enid_udev_mode)i;
			return true;
		}
	errorf(p, p->line, "%s: \"%s\" is not one of auto, yes, no", key, v);
	return false;
}

/* http://HOST[:PORT][/PATH]/latest/meta-data/ (the last '/' optional), printable ASCII. */
static bool parse_metadata_url(struct parser *p, const char *key, const char *v)
{
	static const char suffix[] = ENID_MD_URL_SUFFIX;
	const size_t sl = sizeof(suffix) - 1;
	char url[ENID_MD_URL_LEN];
	bool ok = !strncasecmp(v, "http://", 7) && v[7] && v[7] != '/';
	size_t n = strlen(v);

	for (const char *c = v; ok && *c; c++)
		ok = (unsigned char)*c > 0x20 && (unsigned char)*c < 0x7f && !strchr("?#\"\\", *c);
	if (ok && n < sizeof(url) - 1) {
		n = (size_t)snprintf(url, sizeof(url), "%s%s", v, v[n - 1] == '/' ? "" : "/");
		ok = n >= 7 + 1 + sl && !strcmp(url + n - sl, suffix);
	} else {
		ok = false;
	}
	if (ok) {
		memcpy(p->cfg->metadata_url, url, n + 1);
		return true;
	}
	errorf(p, p->line, "%s: \"%s\" is not an http:// URL ending in %s", key, v, suffix);
	return false;
}

static bool parse_metadata_timeout_ms(struct parser *p, const char *key, const char *v)
{
	if (parse_u32_range(v, 100, 60000, &p->cfg->metadata_timeout_ms))
		return true;
	errorf(p, p->line, "%s: \"%s\" is not in 100..60000", key, v);
	return false;
}

static bool parse_metadata_deadline_s(struct parser *p, const char *key, const char *v)
{
	if (parse_u32_range(v, 1, 86400, &p->cfg->metadata_deadline_s))
		return true;
	errorf(p, p->line, "%s: \"%s\" is not in 1..86400", key, v);
	return false;
}

static bool parse_metadata_token(struct parser *p, const char *key, const char *v)
{
	static const char *const names[] = {"auto", "required", "off"};

	for (unsigned i = 0; i < 3; i++)
		if (!strcasecmp(v, names[i])) {
			p->cfg->metadata_token = (enum md_token_mode)i;
			return true;
		}
	errorf(p, p->line, "%s: \"%s\" is not one of auto, required, off", key, v);
	return false;
}

static bool parse_metadata_token_ttl(struct parser *p, const char *key, const char *v)
{
	if (parse_u32_range(v, 1, 21600, &p->cfg->metadata_token_ttl))
		return true;
	errorf(p, p->line, "%s: \"%s\" is not in 1..21600", key, v);
	return false;
}

static bool parse_metadata_refresh_interval(struct parser *p, const char *key, const char *v)
{
	uint32_t n;

	if (parse_u32_range(v, 0, 604800, &n) && (n == 0 || n >= 10)) {
		p->cfg->metadata_refresh_interval = n;
		return true;
	}
	errorf(p, p->line, "%s: \"%s\" is not 0 (off) or in 10..604800", key, v);
	return false;
}

/* ipv4_prefix_min/max (1..32), ipv6_prefix_min/max (1..128); min <= max is checked
 * once the file is read (check_prefix_limits). */
static bool parse_prefix_limit(struct parser *p, const char *key, const char *v, unsigned which)
{
	struct enid_prefix_limits *l = &p->cfg->prefix;
	unsigned *field[4] = {&l->v4_min, &l->v4_max, &l->v6_min, &l->v6_max};
	uint32_t hi = which < 2 ? 32 : 128, n;

	if (!parse_u32_range(v, 1, hi, &n)) {
		errorf(p, p->line, "%s: \"%s\" is not in 1..%u", key, v, hi);
		return false;
	}
	*field[which] = n;
	p->prefix_line[which] = p->line;
	return true;
}

static bool parse_ipv4_prefix_min(struct parser *p, const char *key, const char *v)
{
	return parse_prefix_limit(p, key, v, 0);
}

static bool parse_ipv4_prefix_max(struct parser *p, const char *key, const char *v)
{
	return parse_prefix_limit(p, key, v, 1);
}

static bool parse_ipv6_prefix_min(struct parser *p, const char *key, const char *v)
{
	return parse_prefix_limit(p, key, v, 2);
}

static bool parse_ipv6_prefix_max(struct parser *p, const char *key, const char *v)
{
	return parse_prefix_limit(p, key, v, 3);
}

/* ---- [MAC] keys ---- */

static struct enid_eni_config *cur_eni(struct parser *p)
{
	return &p->cfg->enis[p->eni];
}

/* Line of an earlier address equal to ip (in any section), or 0. */
static unsigned address_seen(const struct enid_config *cfg, const struct enid_ip *ip)
{
	for (unsigned e = 0; e < cfg->n_enis; e++)
		for (unsigned i = 0; i < cfg->enis[e].n_addrs; i++)
			if (enid_ip_same_addr(&cfg->enis[e].addrs[i], ip))
				return cfg->enis[e].addr_line[i];
	return 0;
}

static bool parse_address(struct parser *p, const char *key, const char *v)
{
	struct enid_eni_config *eni = cur_eni(p);
	struct enid_ip ip;
	unsigned dup;

	switch (enid_ip_parse_why(v, true, &ip)) {
	case ENID_IP_OK:
		break;
	case ENID_IP_NO_PREFIX:
		errorf(p, p->line, "%s: \"%s\" has no /prefix", key, v);
		return false;
	case ENID_IP_BAD_PREFIX:
		errorf(p, p->line, "%s: \"%s\" prefix is not in 1..%u", key, v,
		       strchr(v, ':') ? 128 : 32);
		return false;
	default:
		errorf(p, p->line, "%s: \"%s\" is not an IPv4 or IPv6 address", key, v);
		return false;
	}
	if (!enid_ip_is_unicast(&ip)) {
		errorf(p, p->line, "%s: \"%s\" is not a unicast address", key, v);
		return false;
	}
	dup = address_seen(p->cfg, &ip);
	if (dup) {
		errorf(p, p->line, "%s: \"%s\" duplicates line %u", key, v, dup);
		return false;
	}
	if (eni->n_addrs == ENID_MAX_ADDRS) {
		errorf(p, p->line, "%s: more than %d addresses", key, ENID_MAX_ADDRS);
		return false;
	}
	eni->addr_line[eni->n_addrs] = p->line;
	eni->addrs[eni->n_addrs++] = ip;
	return true;
}

static bool parse_gateway(struct parser *p, const char *key, const char *v)
{
	struct enid_ip ip;

	if (!enid_ip_parse(v, false, &ip) || ip.family != AF_INET) {
		errorf(p, p->line, "%s: \"%s\" is not an IPv4 address", key, v);
		return false;
	}
	cur_eni(p)->gateway4 = ip;
	cur_eni(p)->gw4_line = p->line;
	p->gw4_line = p->line; /* subnet checked when the section ends */
	return true;
}

static bool parse_gateway6(struct parser *p, const char *key, const char *v)
{
	struct enid_ip ip;

	if (!enid_ip_parse(v, false, &ip) || ip.family != AF_INET6 || !enid_ip_is_unicast(&ip)) {
		errorf(p, p->line, "%s: \"%s\" is not an IPv6 address", key, v);
		return false;
	}
	cur_eni(p)->gateway6 = ip;
	cur_eni(p)->gw6_line = p->line;
	return true;
}

static bool parse_mtu(struct parser *p, const char *key, const char *v)
{
	uint32_t mtu;

	if (!parse_u32_range(v, 68, 65535, &mtu)) {
		errorf(p, p->line, "%s: \"%s\" is not in 68..65535", key, v);
		return false;
	}
	cur_eni(p)->mtu = mtu;
	return true;
}

static bool parse_unmanaged(struct parser *p, const char *key, const char *v)
{
	if (parse_bool(v, &cur_eni(p)->unmanaged))
		return true;
	errorf(p, p->line, "%s: \"%s\" is not yes or no", key, v);
	return false;
}

static bool parse_eni_default_route(struct parser *p, const char *key, const char *v)
{
	bool b;

	if (!parse_bool(v, &b)) {
		errorf(p, p->line, "%s: \"%s\" is not yes or no", key, v);
		return false;
	}
	cur_eni(p)->default_route = b;
	return true;
}

static const struct key global_keys[] = {
	{"source", parse_source, false},
	{"addressing", parse_addressing, false},
	{"drivers", parse_drivers, false},
	{"table_base", parse_table_base, false},
	{"rule_pref_base", parse_rule_pref_base, false},
	{"metric_base", parse_metric_base, false},
	{"primary", parse_primary, false},
	{"arp_ignore", parse_arp_ignore, false},
	{"arp_announce", parse_arp_announce, false},
	{"gratuitous_arp", parse_gratuitous_arp, false},
	{"host_arp_filter", parse_host_arp_filter, false},
	{"default_route", parse_global_default_route, false},
	{"udev", parse_udev, false},
	{"metadata_url", parse_metadata_url, false},
	{"metadata_timeout_ms", parse_metadata_timeout_ms, false},
	{"metadata_deadline_s", parse_metadata_deadline_s, false},
	{"metadata_token", parse_metadata_token, false},
	{"metadata_token_ttl", parse_metadata_token_ttl, false},
	{"metadata_refresh_interval", parse_metadata_refresh_interval, false},
	{"ipv4_prefix_min", parse_ipv4_prefix_min, false},
	{"ipv4_prefix_max", parse_ipv4_prefix_max, false},
	{"ipv6_prefix_min", parse_ipv6_prefix_min, false},
	{"ipv6_prefix_max", parse_ipv6_prefix_max, false},
	{NULL, NULL, false},
};

static const struct key eni_keys[] = {
	{"address", parse_address, true},
	{"gateway", parse_gateway, false},
	{"gateway6", parse_gateway6, false},
	{"mtu", parse_mtu, false},
	{"unmanaged", parse_unmanaged, false},
	{"default_route", parse_eni_default_route, false},
	{NULL, NULL, false},
};

/* ---- sections ---- */

static void section_end(struct parser *p)
{
	struct enid_eni_config *eni;
	char gw[ENID_IP_STRLEN];
	bool inside = false;

	if (p->sec != SEC_ENI)
		return;
	eni = cur_eni(p);
	if (eni->gateway4.family) {
		for (unsigned i = 0; i < eni->n_addrs; i++)
			inside |= enid_ip_in_subnet(&eni->gateway4, &eni->addrs[i]);
		if (!inside)
			errorf(p, p->gw4_line,
			       "gateway: \"%s\" is not inside any IPv4 subnet of [%s]",
			       enid_ip_format(&eni->gateway4, false, gw, sizeof(gw)), p->sec_name);
	}
}

static void section_begin(struct parser *p, const char *name, size_t len)
{
	struct enid_config *cfg = p->cfg;
	struct enid_eni_config *enis;
	char buf[64];
	uint8_t mac[6];

	section_end(p);
	memset(p->seen, 0, sizeof(p->seen));
	p->gw4_line = 0;
	p->sec = SEC_SKIP;
	while (len && isspace((unsigned char)*name)) {
		name++;
		len--;
	}
	while (len && isspace((unsigned char)name[len - 1]))
		len--;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
	snprintf(p->sec_name, sizeof(p->sec_name), "%s", buf);

	if (!strcasecmp(buf, "global")) {
		if (p->global_line) {
			errorf(p, p->line, "duplicate section [%s] (first at line %u)", buf,
			       p->global_line);
			return;
		}
		p->global_line = p->line;
		snprintf(p->sec_name, sizeof(p->sec_name), "global");
		p->sec = SEC_GLOBAL;
		return;
	}
	if (!mac_parse(buf, mac)) {
		errorf(p, p->line, "unknown section [%s]: expected [global] or [<MAC address>]",
		       buf);
		return;
	}
	mac_format(mac, p->sec_name);
	for (unsigned i = 0; i < cfg->n_enis; i++)
		if (!memcmp(cfg->enis[i].mac, mac, 6)) {
			errorf(p, p->line, "duplicate section [%s] (first at line %u)", p->sec_name,
			       cfg->enis[i].line);
			return;
		}
	enis = realloc(cfg->enis, (cfg->n_enis + 1) * sizeof(*enis));
	if (!enis) {
		p->oom = true;
		return;
	}
	cfg->enis = enis;
	p->eni = (int)cfg->n_enis++;
	memset(&enis[p->eni], 0, sizeof(enis[0]));
	memcpy(enis[p->eni].mac, mac, 6);
	enis[p->eni].line = p->line;
	enis[p->eni].default_route = -1;
	p->sec = SEC_ENI;
}

static int handle_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	const struct key *keys;
	unsigned i;

	(void)section; /* tracked by the reader, untruncated */
	if (!p->collect)
		return 1;
	switch (p->sec) {
	case SEC_NONE:
		errorf(p, p->line, "key \"%s\" is outside any section", name);
		return 1;
	case SEC_SKIP:
		return 1;
	case SEC_GLOBAL:
		keys = global_keys;
		break;
	default:
		keys = eni_keys;
		break;
	}
	for (i = 0; keys[i].name; i++)
		if (!strcasecmp(keys[i].name, name))
			break;
	if (!keys[i].name) {
		errorf(p, p->line, "unknown key \"%s\" in [%s]", name, p->sec_name);
		return 1;
	}
	if (!keys[i].repeatable) {
		if (p->seen[i]) {
			errorf(p, p->line, "%s: already set at line %u", keys[i].name, p->seen[i]);
			return 1;
		}
		p->seen[i] = p->line;
	}
	keys[i].parse(p, keys[i].name, value);
	return 1;
}

static bool line_blanked(const struct parser *p, unsigned line)
{
	for (unsigned i = 0; i < p->n_blank; i++)
		if (p->blank[i] == line)
			return true;
	return false;
}

/* inih's line source (fgets-like). */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *s = p->text + p->pos, *nl;
	size_t n;

	if (!*s)
		return NULL;
	nl = strchr(s, '\n');
	n = nl ? (size_t)(nl - s) : strlen(s);
	p->pos += n + (nl ? 1 : 0);
	p->line++;
	if (n && s[n - 1] == '\r')
		n--;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	if (line_blanked(p, p->line))
		n = 0;
	if (n > (size_t)num - 1) {
		if (p->collect)
			errorf(p, p->line, "line is longer than %d characters", num - 1);
		n = 0;
	}
	if (p->collect && n && s[0] == '[') {
		const char *end = memchr(s, ']', n);

		if (end)
			section_begin(p, s + 1, (size_t)(end - s - 1));
	}
	memcpy(str, s, n);
	str[n] = '\0';
	return str;
}

/* min <= max per family; false (with an error at the later key's line) when not. */
static bool check_prefix_limits(struct parser *p)
{
	const struct enid_prefix_limits *l = &p->cfg->prefix;
	static const char *const names[4] = {"ipv4_prefix_min", "ipv4_prefix_max",
					     "ipv6_prefix_min", "ipv6_prefix_max"};
	unsigned min[2] = {l->v4_min, l->v6_min}, max[2] = {l->v4_max, l->v6_max};
	bool ok = true;

	for (unsigned f = 0; f < 2; f++) {
		unsigned lo = p->prefix_line[2 * f], hi = p->prefix_line[2 * f + 1];

		if (min[f] <= max[f])
			continue;
		ok = false;
		errorf(p, lo > hi ? lo : hi, "%s = %u is above %s = %u", names[2 * f], min[f],
		       names[2 * f + 1], max[f]);
	}
	return ok;
}

/*
 * One [MAC] section against bounds.h (no runtime facts: no host). Every violation is
 * reported at the line of its address or gateway: the offending item is dropped and
 * the rest checked again. A gateway outside every subnet was reported by section_end().
 */
static void check_eni_bounds(struct parser *p, const struct enid_eni_config *eni)
{
	unsigned line[ENID_MAX_ADDRS];
	struct bounds_verdict v;
	struct addressing a;
	char ip[ENID_IP_STRLEN];
	bool inside = false;

	memset(&a, 0, sizeof(a));
	memcpy(a.addrs, eni->addrs, eni->n_addrs * sizeof(eni->addrs[0]));
	memcpy(line, eni->addr_line, eni->n_addrs * sizeof(line[0]));
	a.n_addrs = eni->n_addrs;
	a.gateway4 = eni->gateway4;
	a.gateway6 = eni->gateway6;
	for (unsigned i = 0; i < a.n_addrs; i++)
		inside |= enid_ip_in_subnet(&a.gateway4, &a.addrs[i]);
	if (!inside)
		a.gateway4.family = 0;
	while (bounds_check(&a, &p->cfg->prefix, NULL, &v)) {
		switch (v.attr) {
		case BOUNDS_ADDR:
		case BOUNDS_SUBNET:
			enid_ip_format(&a.addrs[v.index], true, ip, sizeof(ip));
			if (v.attr == BOUNDS_ADDR)
				errorf(p, line[v.index], "address: \"%s\" %s", ip, v.reason);
			else
				errorf(p, line[v.index], "address: \"%s\": subnet %s %s", ip,
				       v.value, v.reason);
			a.n_addrs--;
			memmove(&a.addrs[v.index], &a.addrs[v.index + 1],
				(a.n_addrs - v.index) * sizeof(a.addrs[0]));
			memmove(&line[v.index], &line[v.index + 1],
				(a.n_addrs - v.index) * sizeof(line[0]));
			break;
		case BOUNDS_GATEWAY4:
			errorf(p, eni->gw4_line, "gateway: \"%s\" %s", v.value, v.reason);
			a.gateway4.family = 0;
			break;
		case BOUNDS_GATEWAY6:
			errorf(p, eni->gw6_line, "gateway6: \"%s\" %s", v.value, v.reason);
			a.gateway6.family = 0;
			break;
		}
	}
}

static void check_enis(struct parser *p)
{
	if (!check_prefix_limits(p))
		return;
	for (unsigned e = 0; e < p->cfg->n_enis; e++)
		if (!p->cfg->enis[e].unmanaged)
			check_eni_bounds(p, &p->cfg->enis[e]);
}

static void parser_rewind(struct parser *p)
{
	p->pos = 0;
	p->line = 0;
}

static int parse_text(struct parser *p)
{
	int r;

	/* Pass 1..n: find every syntax error; inih gives the first per pass. */
	for (;;) {
		unsigned *blank;

		parser_rewind(p);
		r = ini_parse_stream(read_line, p, handle_key, p);
		if (r == 0)
			break;
		if (r < 0 || p->n_blank >= ENID_MAX_ERRORS)
			return -ENOMEM;
		blank = realloc(p->blank, (p->n_blank + 1) * sizeof(*blank));
		if (!blank)
			return -ENOMEM;
		p->blank = blank;
		p->blank[p->n_blank++] = (unsigned)r;
		errorf(p, (unsigned)r, "expected \"[section]\" or \"key = value\"");
	}
	/* Final pass: sections and keys. */
	parser_rewind(p);
	p->collect = true;
	r = ini_parse_stream(read_line, p, handle_key, p);
	section_end(p);
	if (r >= 0 && !p->oom)
		check_enis(p);
	if (r < 0 || p->oom)
		return -ENOMEM;
	return 0;
}

void config_defaults(struct enid_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->source = ENID_SOURCE_AUTO;
	cfg->addressing = ENID_ADDRESSING_AUTO;
	snprintf(cfg->drivers[0], ENID_DRIVER_LEN, "%s", ENID_DEF_DRIVERS);
	cfg->n_drivers = 1;
	cfg->table_base = ENID_DEF_TABLE_BASE;
	cfg->rule_pref_base = ENID_DEF_PREF_BASE;
	cfg->metric_base = ENID_DEF_METRIC_BASE;
	cfg->arp_ignore = ENID_DEF_ARP_IGNORE;
	cfg->arp_announce = ENID_DEF_ARP_ANNOUNCE;
	cfg->gratuitous_arp = true;
	cfg->host_arp_filter = true;
	cfg->default_route = false;
	cfg->udev = ENID_UDEV_AUTO;
	snprintf(cfg->metadata_url, sizeof(cfg->metadata_url), "%s", ENID_DEF_MD_URL);
	cfg->metadata_timeout_ms = ENID_DEF_MD_TIMEOUT_MS;
	cfg->metadata_deadline_s = ENID_DEF_MD_DEADLINE_S;
	cfg->metadata_token = MD_TOKEN_AUTO;
	cfg->metadata_token_ttl = ENID_DEF_MD_TOKEN_TTL;
	cfg->metadata_refresh_interval = 0;
	cfg->prefix.v4_min = ENID_DEF_PREFIX4_MIN;
	cfg->prefix.v4_max = ENID_DEF_PREFIX4_MAX;
	cfg->prefix.v6_min = ENID_DEF_PREFIX6_MIN;
	cfg->prefix.v6_max = ENID_DEF_PREFIX6_MAX;
}

int config_load_string(const char *name, const char *text, struct enid_config *cfg,
		       struct config_errors *errs)
{
	struct enid_config tmp;
	struct parser p = {
		.name = name,
		.text = text,
		.cfg = &tmp,
		.errs = errs,
		.sec = SEC_NONE,
	};
	int r;

	errs->msg = NULL;
	errs->n = 0;
	config_defaults(&tmp);
	r = parse_text(&p);
	if (r == -ENOMEM && !errs->n)
		errorf(&p, 0, "out of memory");
	sort_errors(&p);
	if (p.dropped)
		errorf(&p, 0, "%u more errors", p.dropped);
	free(p.blank);
	free(p.err_line);
	if (!r && errs->n)
		r = -EINVAL;
	if (r) {
		config_free(&tmp);
		return r;
	}
	*cfg = tmp;
	return 0;
}

int config_load(const char *path, struct enid_config *cfg, struct config_errors *errs)
{
	struct parser p = {.name = path, .errs = errs};
	char *text = NULL;
	size_t n = 0;
	FILE *f;
	int r = 0;

	errs->msg = NULL;
	errs->n = 0;
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
	} else {
		text = malloc(CONFIG_MAX_SIZE + 1);
		if (!text)
			r = -ENOMEM;
		errno = 0;
		if (text)
			n = fread(text, 1, CONFIG_MAX_SIZE + 1, f);
		if (!r && ferror(f))
			r = errno ? -errno : -EIO; /* EISDIR for a directory */
		else if (!r && n > CONFIG_MAX_SIZE)
			r = -EFBIG;
		fclose(f);
	}
	if (!r && memchr(text, '\0', n))
		r = -EINVAL;
	if (r) {
		free(text);
		if (r == -EINVAL)
			errorf(&p, 0, "contains a NUL byte");
		else
			errorf(&p, 0, "%s", strerror(-r));
		free(p.err_line);
		return r;
	}
	text[n] = '\0';
	r = config_load_string(path, text, cfg, errs);
	free(text);
	return r;
}

void config_free(struct enid_config *cfg)
{
	free(cfg->enis);
	cfg->enis = NULL;
	cfg->n_enis = 0;
}

void config_errors_free(struct config_errors *errs)
{
	for (unsigned i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->n = 0;
}

const struct enid_eni_config *config_find_mac(const struct enid_config *cfg, const uint8_t mac[6])
{
	for (unsigned i = 0; i < cfg->n_enis; i++)
		if (!memcmp(cfg->enis[i].mac, mac, 6))
			return &cfg->enis[i];
	return NULL;
}

bool config_driver_managed(const struct enid_config *cfg, const char *driver)
{
	for (unsigned i = 0; i < cfg->n_drivers; i++)
		if (!strcmp(cfg->drivers[i], driver))
			return true;
	return false;
}

bool config_names_primary(const struct enid_config *cfg, const char *ifname, const uint8_t mac[6])
{
	if (cfg->has_primary_mac && mac && !memcmp(cfg->primary_mac, mac, 6))
		return true;
	return cfg->primary_ifname[0] && ifname && !strcmp(cfg->primary_ifname, ifname);
}

bool config_default_route(const struct enid_config *cfg, const uint8_t mac[6])
{
	const struct enid_eni_config *eni = config_find_mac(cfg, mac);

	if (eni && eni->default_route >= 0)
		return eni->default_route;
	return cfg->default_route;
}
