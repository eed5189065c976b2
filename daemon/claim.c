// SPDX-License-Identifier: GPL-2.0-or-later
/* Whether enid manages a link (see claim.h). */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "claim.h"

bool claim_primary_candidate(const struct enid_config *cfg, const char *driver,
			     const uint8_t mac[6])
{
	return config_driver_managed(cfg, driver) && !config_find_mac(cfg, mac);
}

static bool is_primary(const struct enid_config *cfg, const struct claim_facts *f,
		       enum claim_why *why)
{
	if (f->md_primary) {
		*why = CLAIM_PRIMARY_METADATA;
		return true;
	}
	if (cfg->primary_ifname[0] || cfg->has_primary_mac) {
		*why = CLAIM_PRIMARY_CONFIG;
		return config_names_primary(cfg, f->ifname, f->mac);
	}
	if (f->route_primary) {
		*why = CLAIM_PRIMARY_ROUTE;
		return f->route_primary == f->ifindex;
	}
	*why = CLAIM_PRIMARY_FIRST;
	return f->first_listed == f->ifindex && claim_primary_candidate(cfg, f->driver, f->mac);
}

/* Index of the first ignore_names pattern matching name, or -1. */
static int ignored_name(const struct enid_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_ignore_names; i++)
		if (!fnmatch(cfg->ignore_names[i], name, 0))
			return (int)i;
	return -1;
}

static bool ignored_mac(const struct enid_config *cfg, const uint8_t mac[6])
{
	for (unsigned i = 0; i < cfg->n_ignore_macs; i++)
		if (!memcmp(cfg->ignore_macs[i], mac, 6))
			return true;
	return false;
}

enum claim_why claim_decide(const struct enid_config *cfg, const struct claim_facts *f)
{
	const struct enid_eni_config *eni;
	enum claim_why why;

	if (!config_driver_managed(cfg, f->driver))
		return CLAIM_DRIVER;
	if (is_primary(cfg, f, &why))
		return why;
	eni = config_find_mac(cfg, f->mac);
	if (eni && eni->unmanaged)
		return CLAIM_UNMANAGED;
	if (ignored_mac(cfg, f->mac))
		return CLAIM_IGNORE_MAC;
	if (ignored_name(cfg, f->ifname) >= 0)
		return CLAIM_IGNORE_NAME;
	if (cfg->manage_listed && !eni)
		return CLAIM_NOT_LISTED;
	return CLAIM_MANAGED;
}

const char *claim_token(enum claim_why why)
{
	static const char *const tok[] = {
		[CLAIM_MANAGED] = "managed",	       [CLAIM_DRIVER] = "driver",
		[CLAIM_PRIMARY_CONFIG] = "primary",    [CLAIM_PRIMARY_ROUTE] = "primary",
		[CLAIM_PRIMARY_FIRST] = "primary",     [CLAIM_PRIMARY_METADATA] = "primary",
		[CLAIM_UNMANAGED] = "unmanaged",       [CLAIM_IGNORE_MAC] = "ignore-macs",
		[CLAIM_IGNORE_NAME] = "ignore-names",  [CLAIM_NOT_LISTED] = "not-listed",
		[CLAIM_BAD_CONFIG] = "invalid-config",
	};

	return (unsigned)why < sizeof(tok) / sizeof(tok[0]) ? tok[why] : "unknown";
}

const char *claim_describe(const struct enid_config *cfg, const struct claim_facts *f,
			   enum claim_why why, char *buf, size_t len)
{
	char mac[18];
	int i;

	switch (why) {
	case CLAIM_MANAGED:
		snprintf(buf, len, "managed");
		break;
	case CLAIM_DRIVER:
		snprintf(buf, len, "not managed: driver %s is not in drivers",
			 f->driver[0] ? f->driver : "(none)");
		break;
	case CLAIM_PRIMARY_CONFIG:
		snprintf(buf, len, "not managed: the primary (primary = in the configuration)");
		break;
	case CLAIM_PRIMARY_ROUTE:
		snprintf(buf, len, "not managed: the primary (it has the main default route)");
		break;
	case CLAIM_PRIMARY_FIRST:
		snprintf(buf, len,
			 "not managed: the primary (no default route: the first link of a listed "
			 "driver)");
		break;
	case CLAIM_PRIMARY_METADATA:
		snprintf(buf, len,
			 "not managed: the primary (the metadata service's instance mac)");
		break;
	case CLAIM_UNMANAGED:
		snprintf(buf, len, "not managed: unmanaged = yes in [%s]", mac_format(f->mac, mac));
		break;
	case CLAIM_IGNORE_MAC:
		snprintf(buf, len, "not managed: MAC %s is in ignore_macs",
			 mac_format(f->mac, mac));
		break;
	case CLAIM_IGNORE_NAME:
		i = ignored_name(cfg, f->ifname);
		snprintf(buf, len, "not managed: name matches ignore_names '%s'",
			 i >= 0 ? cfg->ignore_names[i] : "?");
		break;
	case CLAIM_NOT_LISTED:
		snprintf(buf, len, "not managed: manage = listed and no [%s] section",
			 mac_format(f->mac, mac));
		break;
	default:
		snprintf(buf, len, "not managed: the configuration has errors");
		break;
	}
	return buf;
}
