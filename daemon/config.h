/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enid configuration: /etc/enid/enid.conf (INI, read by config_ini.c: no library).
 *
 *   [global]
 *   source = auto|genl|rtnl          event source (auto: genl when the family exists)
 *   addressing = auto|static|metadata|dhcp  where an ENI's addresses come from (auto:
 *                                    static with a [MAC] section, else metadata when
 *                                    the service answered the instance mac at start,
 *                                    else DHCP when it is unreachable or disabled)
 *   drivers = virtio_net             comma list of managed drivers
 *   table_base = 1000                table of slot s = table_base + s
 *   rule_pref_base = 10000           slot s: its addresses' rules at base+2+s, its chain
 *                                    at base+259+4(s-1)..+3; the dispatch at base-1..
 *                                    base+2, base+258 and base+1279 (plan.h)
 *   metric_base = 2000               main-table metric of slot s = base + s
 *   primary =                        ifname or MAC of the primary (empty = auto)
 *   arp_ignore = 1                   net.ipv4.conf.<eni>.arp_ignore
 *   arp_announce = 2                 net.ipv4.conf.<eni>.arp_announce
 *   gratuitous_arp = yes             announce each ENI address when configured and 2 s later (ARP;
 *                                    IPv6 added without DAD: unsolicited NA)
 *   host_arp_filter = yes            net.ipv4.conf.all.arp_filter = 1 while an ENI
 *                                    is configured (the primary stops answering
 *                                    ARP for ENI addresses); restored after the last ENI
 *   default_route = no               main-table default route via each ENI
 *   udev = auto|yes|no               wait for udev before configuring
 *   metadata_url = http://100.100.100.200/latest/meta-data/   (token: ../api/token)
 *   metadata_timeout_ms = 5000       one request (100..60000)
 *   metadata_deadline_s = 60         a link without a complete answer by then is
 *                                    reported failed; retries go on (1..86400)
 *   metadata_token = auto|required|off   hardened mode (token PUT)
 *   metadata_token_ttl = 21600       seconds, 1..21600
 *   metadata_refresh_interval = 0    s between metadata re-reads (0 = off, 10..604800)
 *   dhcp_lease_max = 0               s: a longer DHCP lease counts as this long (0 = off,
 *                                    10..4294967294; for tests, dnsmasq's minimum is 120)
 *   ipv4_prefix_min = 8              subnet prefix lengths accepted from the metadata
 *   ipv4_prefix_max = 30             service or a [MAC] section (1..32; min <= max)
 *   ipv6_prefix_min = 48             likewise for IPv6 (1..128); a host-length
 *   ipv6_prefix_max = 128            address (/32, /128) has no subnet: exempt
 *   manage = all                     all: every link of a listed driver but the primary;
 *                                    listed: only MACs with a [MAC] section
 *   ignore_names =                   fnmatch patterns on the link's final name (after
 *                                    udev's rename), blank or comma separated: never touched
 *   ignore_macs =                    MAC addresses, blank or comma separated: never touched
 *                                    (claim.h decides, for the daemon and the udev rule)
 *
 *   [00:16:3e:aa:bb:cc]              one section per ENI MAC (any case)
 *   address = 10.0.0.10/24           repeatable; first = primary address
 *   gateway = 10.0.0.253             IPv4 gateway, inside one of the v4 subnets
 *   gateway6 = fe80::1               IPv6 gateway
 *   mtu = 1500                       68..65535 (absent = keep)
 *   unmanaged = no                   yes: enid never touches this MAC
 *   default_route = no               overrides [global] default_route
 *
 * The model and its lookups (config.c); config_load() reads the file line by line
 * (config_ini.c) into the reader (config_read.c: sections, checks; config_keys.c: one
 * parser per key). Pure but for config_load() reading the file. Every problem is
 * collected as "file:line: message" (all of them, not just the first).
 * Each [MAC] section's addressing also passes bounds.h's checks that need no
 * runtime facts (prefix limits, network/broadcast, reserved ranges, gateways),
 * reported at the line of the offending address or gateway.
 */
#ifndef ENID_CONFIG_H
#define ENID_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "addr.h" /* struct enid_ip, mac_parse(): every user of config.h has them */

#ifndef ENID_CONFIG_PATH /* daemon/Makefile passes $(SYSCONFDIR)/enid/enid.conf */
#define ENID_CONFIG_PATH "/etc/enid/enid.conf"
#endif

/* IFNAMSIZ, without <net/if.h> (it clashes with <linux/if.h> in users' files). */
#define ENID_IFNAMSIZ 16

#define ENID_MAX_ADDRS	 64  /* addresses per ENI (v4 + v6) */
#define ENID_MAX_DRIVERS 8   /* entries in drivers = */
#define ENID_DRIVER_LEN	 32  /* driver name, NUL included */
#define ENID_MAX_SLOTS	 255 /* slots are 1..ENID_MAX_SLOTS */
#define ENID_MAX_ERRORS	 100 /* collected errors kept (then "too many") */
#define ENID_MAX_IGNORE	 32  /* entries in ignore_names = and in ignore_macs = */
#define ENID_PATTERN_LEN 32  /* an ignore_names pattern, NUL included */

/* Valid ranges (checked by the parser; chosen so no slot reaches a reserved
 * table 253..255 or the main rule at pref 32766, and nothing overflows). */
#define ENID_TABLE_BASE_MIN  255U
#define ENID_TABLE_BASE_MAX  0xFFFFFF00U
#define ENID_PREF_BASE_MIN   2U /* the dispatch starts at base-1; pref 0 is the local rule */
#define ENID_PREF_BASE_MAX   (32765U - 5U * ENID_MAX_SLOTS - 4U) /* 31486: END fits */
#define ENID_METRIC_BASE_MAX 0xFFFFFF00U

/* Defaults. */
#define ENID_DEF_TABLE_BASE   1000U
#define ENID_DEF_PREF_BASE    10000U
#define ENID_DEF_METRIC_BASE  2000U
#define ENID_DEF_ARP_IGNORE   1
#define ENID_DEF_ARP_ANNOUNCE 2
#define ENID_DEF_DRIVERS      "virtio_net"

/* The metadata service (addressing = metadata | auto). */
#define ENID_DEF_MD_URL	       "http://100.100.100.200/latest/meta-data/"
#define ENID_MD_URL_SUFFIX     "/latest/meta-data/" /* metadata_url ends so; stripped: base */
#define ENID_MD_URL_LEN	       256
#define ENID_DEF_MD_TIMEOUT_MS 5000U
#define ENID_DEF_MD_DEADLINE_S 60U
#define ENID_DEF_MD_TOKEN_TTL  21600U

/* Prefix lengths an ENI's subnets may have (bounds.h): a metadata answer or a [MAC]
 * section outside them is refused. */
#define ENID_DEF_PREFIX4_MIN 8U
#define ENID_DEF_PREFIX4_MAX 30U
#define ENID_DEF_PREFIX6_MIN 48U
#define ENID_DEF_PREFIX6_MAX 128U

enum enid_source {
	ENID_SOURCE_AUTO, /* genl when the eni_notify family exists, else rtnl */
	ENID_SOURCE_GENL,
	ENID_SOURCE_RTNL,
};

enum enid_addressing_mode {
	ENID_ADDRESSING_AUTO, /* static with a [MAC] section, else metadata when it answered */
	ENID_ADDRESSING_STATIC,
	ENID_ADDRESSING_METADATA,
	ENID_ADDRESSING_DHCP, /* DHCPv4 on the ENI (dhcp_client.h) */
};

/* metadata_token = (hardened mode); metadata.h's token rules take it */
enum md_token_mode {
	MD_TOKEN_AUTO,	   /* use a token; tokenless only when the token call is not supported */
	MD_TOKEN_REQUIRED, /* always a token */
	MD_TOKEN_OFF,	   /* never a token */
};

enum enid_udev_mode {
	ENID_UDEV_AUTO, /* wait for udev when udevd runs in this netns */
	ENID_UDEV_YES,
	ENID_UDEV_NO,
};

/* ipv4_prefix_min.. / ipv6_prefix_min..: the subnet prefix lengths accepted. */
struct enid_prefix_limits {
	unsigned v4_min, v4_max; /* 1..32 */
	unsigned v6_min, v6_max; /* 1..128 */
};

/* One [MAC] section. */
struct enid_eni_config {
	uint8_t mac[6];
	unsigned line;			      /* line of the [MAC] header */
	struct enid_ip addrs[ENID_MAX_ADDRS]; /* in file order; [0] primary */
	unsigned addr_line[ENID_MAX_ADDRS];   /* line of each address = */
	unsigned n_addrs;
	struct enid_ip gateway4;     /* family 0 = none */
	struct enid_ip gateway6;     /* family 0 = none */
	unsigned gw4_line, gw6_line; /* lines of gateway = / gateway6 = (0 = absent) */
	unsigned mtu;		     /* 0 = keep the link's MTU */
	bool unmanaged;
	int default_route;		      /* -1 = as [global], 0 = no, 1 = yes */
	enum enid_addressing_mode addressing; /* AUTO = as [global] */
};

struct enid_config {
	enum enid_source source;
	enum enid_addressing_mode addressing;
	char drivers[ENID_MAX_DRIVERS][ENID_DRIVER_LEN];
	unsigned n_drivers;
	uint32_t table_base;
	uint32_t rule_pref_base;
	uint32_t metric_base;
	char primary_ifname[ENID_IFNAMSIZ]; /* "" unless primary = <ifname> */
	uint8_t primary_mac[6];
	bool has_primary_mac; /* primary = <MAC> */
	int arp_ignore;	      /* 0..3 or 8 */
	int arp_announce;     /* 0..2 */
	bool gratuitous_arp;
	bool host_arp_filter;
	bool default_route;
	enum enid_udev_mode udev;
	char metadata_url[ENID_MD_URL_LEN]; /* ends in ENID_MD_URL_SUFFIX */
	unsigned metadata_timeout_ms;
	unsigned metadata_deadline_s;
	enum md_token_mode metadata_token;
	unsigned metadata_token_ttl;
	unsigned metadata_refresh_interval; /* s, 0 = off */
	unsigned dhcp_lease_max;	    /* s, 0 = off */
	struct enid_prefix_limits prefix;   /* subnet prefix lengths accepted */
	bool manage_listed;		    /* manage = listed */
	char ignore_names[ENID_MAX_IGNORE][ENID_PATTERN_LEN];
	unsigned n_ignore_names;
	uint8_t ignore_macs[ENID_MAX_IGNORE][6];
	unsigned n_ignore_macs;
	struct enid_eni_config *enis; /* malloc'd; config_free() */
	unsigned n_enis;
};

/* Collected errors, each a malloc'd "file:line: message" string. */
struct config_errors {
	char **msg;
	unsigned n;
};

/* Fills *cfg with the defaults (no ENI sections). Never fails. */
void config_defaults(struct enid_config *cfg);

/*
 * Parses the file at path. Returns 0 and fills *cfg (caller frees with
 * config_free), or -EINVAL when the file has errors (every one in *errs, each
 * "path:line: message"), or -errno when it cannot be read (one message in
 * *errs: "path: strerror"). *cfg is written only on success, so a reload can
 * parse into a scratch config and keep the old one on failure. *errs is always
 * initialised; free it with config_errors_free().
 */
int config_load(const char *path, struct enid_config *cfg, struct config_errors *errs);

/* Same, from a NUL-terminated string; name is used in messages ("name:line: ..."). */
int config_load_string(const char *name, const char *text, struct enid_config *cfg,
		       struct config_errors *errs);

void config_free(struct enid_config *cfg);
void config_errors_free(struct config_errors *errs);

/* The [MAC] section for mac, or NULL. */
const struct enid_eni_config *config_find_mac(const struct enid_config *cfg, const uint8_t mac[6]);

/* True when driver is listed in drivers =. */
bool config_driver_managed(const struct enid_config *cfg, const char *driver);

/* True when primary = names this link (by ifname or MAC). */
bool config_names_primary(const struct enid_config *cfg, const char *ifname, const uint8_t mac[6]);

/* Effective default_route for an ENI (section override, else [global]). */
bool config_default_route(const struct enid_config *cfg, const uint8_t mac[6]);

#endif /* ENID_CONFIG_H */
