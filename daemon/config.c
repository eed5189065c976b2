// SPDX-License-Identifier: GPL-2.0-or-later
/* The configuration model: defaults and lookups (see config.h). Read by
 * config_ini.c (the file and its drop-ins, as lines) and config_read.c (keys, checks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

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
	cfg->dhcp_lease_max = 0;
	cfg->prefix.v4_min = ENID_DEF_PREFIX4_MIN;
	cfg->prefix.v4_max = ENID_DEF_PREFIX4_MAX;
	cfg->prefix.v6_min = ENID_DEF_PREFIX6_MIN;
	cfg->prefix.v6_max = ENID_DEF_PREFIX6_MAX;
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
