// SPDX-License-Identifier: GPL-2.0-or-later
/* What each enid.conf key accepts (see config_keys.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <net/if.h>

#include "config_keys.h"

_Static_assert(ENID_IFNAMSIZ == IFNAMSIZ, "ENID_IFNAMSIZ");

/* ---- small value parsers ---- */

static bool parse_u32_range(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint32_t v;

	if (!decimal_parse(s, lo, hi, &v))
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

static bool parse_source(struct config_reader *p, const char *key, const char *v)
{
	static const char *const names[] = {"auto", "genl", "rtnl"};

	for (unsigned i = 0; i < 3; i++)
		if (!strcasecmp(v, names[i])) {
			p->cfg->source = (enum enid_source)i;
			return true;
		}
	config_reader_error(p, p->line, "%s: \"%s\" is not one of auto, genl, rtnl", key, v);
	return false;
}

static bool addressing_mode(struct config_reader *p, const char *key, const char *v,
			    enum enid_addressing_mode *out)
{
	static const char *const names[] = {"auto", "static", "metadata", "dhcp"};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(v, names[i])) {
			*out = (enum enid_addressing_mode)i;
			return true;
		}
	}
	config_reader_error(p, p->line, "%s: \"%s\" is not one of auto, static, metadata, dhcp",
			    key, v);
	return false;
}

static bool parse_addressing(struct config_reader *p, const char *key, const char *v)
{
	return addressing_mode(p, key, v, &p->cfg->addressing);
}

static bool parse_drivers(struct config_reader *p, const char *key, const char *v)
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
			config_reader_error(p, p->line, "%s: \"%s\" has an empty entry", key, v);
			return false;
		}
		if (!driver_name_valid(s, len)) {
			config_reader_error(p, p->line, "%s: \"%.*s\" is not a driver name", key,
					    (int)len, s);
			return false;
		}
		if (n == ENID_MAX_DRIVERS) {
			config_reader_error(p, p->line, "%s: more than %d drivers", key,
					    ENID_MAX_DRIVERS);
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

static bool parse_table_base(struct config_reader *p, const char *key, const char *v)
{
	if (parse_u32_range(v, ENID_TABLE_BASE_MIN, ENID_TABLE_BASE_MAX, &p->cfg->table_base))
		return true;
	config_reader_error(p, p->line, "%s: \"%s\" is not in %u..%u", key, v, ENID_TABLE_BASE_MIN,
			    ENID_TABLE_BASE_MAX);
	return false;
}

static bool parse_rule_pref_base(struct config_reader *p, const char *key, const char *v)
{
	if (parse_u32_range(v, ENID_PREF_BASE_MIN, ENID_PREF_BASE_MAX, &p->cfg->rule_pref_base))
		return true;
	config_reader_error(p, p->line, "%s: \"%s\" is not in %u..%u", key, v, ENID_PREF_BASE_MIN,
			    ENID_PREF_BASE_MAX);
	return false;
}

static bool parse_metric_base(struct config_reader *p, const char *key, const char *v)
{
	if (parse_u32_range(v, 0, ENID_METRIC_BASE_MAX, &p->cfg->metric_base))
		return true;
	config_reader_error(p, p->line, "%s: \"%s\" is not in 0..%u", key, v, ENID_METRIC_BASE_MAX);
	return false;
}

static bool parse_primary(struct config_reader *p, const char *key, const char *v)
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
	config_reader_error(p, p->line, "%s: \"%s\" is not an interface name or a MAC address", key,
			    v);
	return false;
}

static bool parse_arp_ignore(struct config_reader *p, const char *key, const char *v)
{
	uint32_t n;

	if (parse_u32_range(v, 0, 8, &n) && (n <= 3 || n == 8)) {
		p->cfg->arp_ignore = (int)n;
		return true;
	}
	config_reader_error(p, p->line, "%s: \"%s\" is not one of 0, 1, 2, 3, 8", key, v);
	return false;
}

static bool parse_arp_announce(struct config_reader *p, const char *key, const char *v)
{
	uint32_t n;

	if (parse_u32_range(v, 0, 2, &n)) {
		p->cfg->arp_announce = (int)n;
		return true;
	}
	config_reader_error(p, p->line, "%s: \"%s\" is not in 0..2", key, v);
	return false;
}

static bool parse_global_default_route(struct config_reader *p, const char *key, const char *v)
{
	if (parse_bool(v, &p->cfg->default_route))
		return true;
	config_reader_error(p, p->line, "%s: \"%s\" is not yes or no", key, v);
	return false;
}

static bool parse_gratuitous_arp(struct config_reader *p, const char *key, const char *v)
{
	if (parse_bool(v, &p->cfg->gratuitous_arp))
		return true;
	config_reader_error(p, p->line, "%s: \"%s\" is not yes or no", key, v);
	return false;
}

static bool parse_host_arp_filter(struct config_reader *p, const char *key, const char *v)
{
	if (parse_bool(v, &p->cfg->host_arp_filter))
		return true;
	config_reader_error(p, p->line, "%s: \"%s\" is not yes or no", key, v);
	return false;
}

static bool parse_udev(struct config_reader *p, const char *key, const char *v)
{
	static const char *const names[] = {"auto", "yes", "no"};

	for (unsigned i = 0; i < 3; i++)
		if (!strcasecmp(v, names[i])) {
			p->cfg->udev = (enum enid_udev_mode)i;
			return true;
		}
	config_reader_error(p, p->line, "%s: \"%s\" is not one of auto, yes, no", key, v);
	return false;
}

/* http://HOST[:PORT][/PATH]/latest/meta-data/ (the last '/' optional), printable ASCII. */
static bool parse_metadata_url(struct config_reader *p, const char *key, const char *v)
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
	config_reader_error(p, p->line, "%s: \"%s\" is not an http:// URL ending in %s", key, v,
			    suffix);
	return false;
}

static bool parse_metadata_timeout_ms(struct config_reader *p, const char *key, const char *v)
{
	if (parse_u32_range(v, 100, 60000, &p->cfg->metadata_timeout_ms))
		return true;
	config_reader_error(p, p->line, "%s: \"%s\" is not in 100..60000", key, v);
	return false;
}

static bool parse_metadata_deadline_s(struct config_reader *p, const char *key, const char *v)
{
	if (parse_u32_range(v, 1, 86400, &p->cfg->metadata_deadline_s))
		return true;
	config_reader_error(p, p->line, "%s: \"%s\" is not in 1..86400", key, v);
	return false;
}

static bool parse_metadata_token(struct config_reader *p, const char *key, const char *v)
{
	static const char *const names[] = {"auto", "required", "off"};

	for (unsigned i = 0; i < 3; i++)
		if (!strcasecmp(v, names[i])) {
			p->cfg->metadata_token = (enum md_token_mode)i;
			return true;
		}
	config_reader_error(p, p->line, "%s: \"%s\" is not one of auto, required, off", key, v);
	return false;
}

static bool parse_metadata_token_ttl(struct config_reader *p, const char *key, const char *v)
{
	if (parse_u32_range(v, 1, 21600, &p->cfg->metadata_token_ttl))
		return true;
	config_reader_error(p, p->line, "%s: \"%s\" is not in 1..21600", key, v);
	return false;
}

static bool parse_metadata_refresh_interval(struct config_reader *p, const char *key, const char *v)
{
	uint32_t n;

	if (parse_u32_range(v, 0, 604800, &n) && (n == 0 || n >= 10)) {
		p->cfg->metadata_refresh_interval = n;
		return true;
	}
	config_reader_error(p, p->line, "%s: \"%s\" is not 0 (off) or in 10..604800", key, v);
	return false;
}

static bool parse_dhcp_lease_max(struct config_reader *p, const char *key, const char *v)
{
	uint32_t n;

	if (parse_u32_range(v, 0, 4294967294u, &n) && (n == 0 || n >= 10)) {
		p->cfg->dhcp_lease_max = n;
		return true;
	}
	config_reader_error(p, p->line, "%s: \"%s\" is not 0 (off) or in 10..4294967294", key, v);
	return false;
}

/* ipv4_prefix_min/max (1..32), ipv6_prefix_min/max (1..128); min <= max is checked
 * once the file is read (check_prefix_limits). */
static bool parse_prefix_limit(struct config_reader *p, const char *key, const char *v,
			       unsigned which)
{
	struct enid_prefix_limits *l = &p->cfg->prefix;
	unsigned *field[4] = {&l->v4_min, &l->v4_max, &l->v6_min, &l->v6_max};
	uint32_t hi = which < 2 ? 32 : 128, n;

	if (!parse_u32_range(v, 1, hi, &n)) {
		config_reader_error(p, p->line, "%s: \"%s\" is not in 1..%u", key, v, hi);
		return false;
	}
	*field[which] = n;
	p->prefix_line[which] = p->line;
	p->prefix_file[which] = p->file;
	return true;
}

static bool parse_ipv4_prefix_min(struct config_reader *p, const char *key, const char *v)
{
	return parse_prefix_limit(p, key, v, 0);
}

static bool parse_ipv4_prefix_max(struct config_reader *p, const char *key, const char *v)
{
	return parse_prefix_limit(p, key, v, 1);
}

static bool parse_ipv6_prefix_min(struct config_reader *p, const char *key, const char *v)
{
	return parse_prefix_limit(p, key, v, 2);
}

static bool parse_ipv6_prefix_max(struct config_reader *p, const char *key, const char *v)
{
	return parse_prefix_limit(p, key, v, 3);
}

/* The next entry of a list separated by blanks or commas: its start and length, or NULL
 * at the end. */
static const char *list_next(const char **s, size_t *len)
{
	const char *start = *s + strspn(*s, " \t,");

	*len = strcspn(start, " \t,");
	*s = start + *len;
	return *len ? start : NULL;
}

static bool parse_manage(struct config_reader *p, const char *key, const char *v)
{
	if (!strcasecmp(v, "all") || !strcasecmp(v, "listed")) {
		p->cfg->manage_listed = !strcasecmp(v, "listed");
		return true;
	}
	config_reader_error(p, p->line, "%s: \"%s\" is not one of all, listed", key, v);
	return false;
}

/* fnmatch patterns on interface names: printable, no '/' (never in a name). */
static bool parse_ignore_names(struct config_reader *p, const char *key, const char *v)
{
	char list[ENID_MAX_IGNORE][ENID_PATTERN_LEN];
	const char *s = v, *e;
	unsigned n = 0;
	size_t len;

	while ((e = list_next(&s, &len))) {
		bool ok = len < ENID_PATTERN_LEN;

		for (size_t i = 0; ok && i < len; i++)
			ok = (unsigned char)e[i] > 0x20 && (unsigned char)e[i] < 0x7f &&
			     e[i] != '/';
		if (!ok) {
			config_reader_error(p, p->line,
					    "%s: \"%.*s\" is not an interface name pattern", key,
					    (int)len, e);
			return false;
		}
		if (n == ENID_MAX_IGNORE) {
			config_reader_error(p, p->line, "%s: more than %d patterns", key,
					    ENID_MAX_IGNORE);
			return false;
		}
		memcpy(list[n], e, len);
		list[n++][len] = '\0';
	}
	memcpy(p->cfg->ignore_names, list, sizeof(list));
	p->cfg->n_ignore_names = n;
	return true;
}

static bool parse_ignore_macs(struct config_reader *p, const char *key, const char *v)
{
	uint8_t list[ENID_MAX_IGNORE][6];
	const char *s = v, *e;
	unsigned n = 0;
	size_t len;

	while ((e = list_next(&s, &len))) {
		char one[24];
		uint8_t mac[6];

		snprintf(one, sizeof(one), "%.*s", (int)(len < 23 ? len : 23), e);
		if (len > 17 || !mac_parse(one, mac)) {
			config_reader_error(p, p->line, "%s: \"%.*s\" is not a MAC address", key,
					    (int)len, e);
			return false;
		}
		if (n == ENID_MAX_IGNORE) {
			config_reader_error(p, p->line, "%s: more than %d MAC addresses", key,
					    ENID_MAX_IGNORE);
			return false;
		}
		memcpy(list[n++], mac, 6);
	}
	memcpy(p->cfg->ignore_macs, list, sizeof(list));
	p->cfg->n_ignore_macs = n;
	return true;
}

/* ---- [MAC] keys ---- */

static struct enid_eni_config *cur_eni(struct config_reader *p)
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

static bool parse_address(struct config_reader *p, const char *key, const char *v)
{
	struct enid_eni_config *eni = cur_eni(p);
	struct enid_ip ip;
	unsigned dup;

	switch (enid_ip_parse_why(v, true, &ip)) {
	case ENID_IP_OK:
		break;
	case ENID_IP_NO_PREFIX:
		config_reader_error(p, p->line, "%s: \"%s\" has no /prefix", key, v);
		return false;
	case ENID_IP_BAD_PREFIX:
		config_reader_error(p, p->line, "%s: \"%s\" prefix is not in 1..%u", key, v,
				    strchr(v, ':') ? 128 : 32);
		return false;
	default:
		config_reader_error(p, p->line, "%s: \"%s\" is not an IPv4 or IPv6 address", key,
				    v);
		return false;
	}
	if (!enid_ip_is_unicast(&ip)) {
		config_reader_error(p, p->line, "%s: \"%s\" is not a unicast address", key, v);
		return false;
	}
	dup = address_seen(p->cfg, &ip);
	if (dup) {
		config_reader_error(p, p->line, "%s: \"%s\" duplicates line %u", key, v, dup);
		return false;
	}
	if (eni->n_addrs == ENID_MAX_ADDRS) {
		config_reader_error(p, p->line, "%s: more than %d addresses", key, ENID_MAX_ADDRS);
		return false;
	}
	eni->addr_line[eni->n_addrs] = p->line;
	eni->addrs[eni->n_addrs++] = ip;
	return true;
}

static bool parse_gateway(struct config_reader *p, const char *key, const char *v)
{
	struct enid_ip ip;

	if (!enid_ip_parse(v, false, &ip) || ip.family != AF_INET) {
		config_reader_error(p, p->line, "%s: \"%s\" is not an IPv4 address", key, v);
		return false;
	}
	cur_eni(p)->gateway4 = ip;
	cur_eni(p)->gw4_line = p->line;
	p->gw4_line = p->line; /* subnet checked when the section ends */
	return true;
}

static bool parse_gateway6(struct config_reader *p, const char *key, const char *v)
{
	struct enid_ip ip;

	if (!enid_ip_parse(v, false, &ip) || ip.family != AF_INET6 || !enid_ip_is_unicast(&ip)) {
		config_reader_error(p, p->line, "%s: \"%s\" is not an IPv6 address", key, v);
		return false;
	}
	cur_eni(p)->gateway6 = ip;
	cur_eni(p)->gw6_line = p->line;
	return true;
}

static bool parse_mtu(struct config_reader *p, const char *key, const char *v)
{
	uint32_t mtu;

	if (!parse_u32_range(v, 68, 65535, &mtu)) {
		config_reader_error(p, p->line, "%s: \"%s\" is not in 68..65535", key, v);
		return false;
	}
	cur_eni(p)->mtu = mtu;
	return true;
}

static bool parse_unmanaged(struct config_reader *p, const char *key, const char *v)
{
	if (parse_bool(v, &cur_eni(p)->unmanaged))
		return true;
	config_reader_error(p, p->line, "%s: \"%s\" is not yes or no", key, v);
	return false;
}

static bool parse_eni_default_route(struct config_reader *p, const char *key, const char *v)
{
	bool b;

	if (!parse_bool(v, &b)) {
		config_reader_error(p, p->line, "%s: \"%s\" is not yes or no", key, v);
		return false;
	}
	cur_eni(p)->default_route = b;
	return true;
}

/* [MAC] addressing = dhcp: this ENI from DHCP whatever [global] says (auto = as global). */
static bool parse_eni_addressing(struct config_reader *p, const char *key, const char *v)
{
	return addressing_mode(p, key, v, &cur_eni(p)->addressing);
}

const struct config_key config_global_keys[] = {
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
	{"dhcp_lease_max", parse_dhcp_lease_max, false},
	{"ipv4_prefix_min", parse_ipv4_prefix_min, false},
	{"ipv4_prefix_max", parse_ipv4_prefix_max, false},
	{"ipv6_prefix_min", parse_ipv6_prefix_min, false},
	{"ipv6_prefix_max", parse_ipv6_prefix_max, false},
	{"manage", parse_manage, false},
	{"ignore_names", parse_ignore_names, false},
	{"ignore_macs", parse_ignore_macs, false},
	{NULL, NULL, false},
};

const struct config_key config_eni_keys[] = {
	{"address", parse_address, true},
	{"gateway", parse_gateway, false},
	{"gateway6", parse_gateway6, false},
	{"mtu", parse_mtu, false},
	{"unmanaged", parse_unmanaged, false},
	{"default_route", parse_eni_default_route, false},
	{"addressing", parse_eni_addressing, false},
	{NULL, NULL, false},
};
