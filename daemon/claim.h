/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether enid manages a link: the one decision the daemon (links.c) and the udev rule's
 * helper (`enid --udev-claim`, udev_claim.h) both take, so they cannot disagree. The
 * order, first match wins:
 *   1. the driver is not in drivers =                       not managed ("driver")
 *   2. the primary: the metadata service names it (daemon only); else primary = names
 *      it; else, when primary = is unset, it carries the main default route (IPv4, else
 *      IPv6); else, with no default route at all, it is the lowest-ifindex link of a
 *      listed driver without a [MAC] section (the boot NIC, the first PCI function on
 *      ECS)                                                  ("primary")
 *   3. its [MAC] section says unmanaged = yes               ("unmanaged")
 *   4. ignore_macs = lists its MAC                          ("ignore-macs")
 *   5. ignore_names = has a pattern matching its final name ("ignore-names")
 *   6. manage = listed and it has no [MAC] section          ("not-listed")
 *   otherwise enid manages it.
 * Pure: no I/O.
 */
#ifndef ENID_CLAIM_H
#define ENID_CLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum claim_why {
	CLAIM_MANAGED,
	CLAIM_DRIVER,
	CLAIM_PRIMARY_CONFIG,	/* primary = names it */
	CLAIM_PRIMARY_ROUTE,	/* it carries the main default route */
	CLAIM_PRIMARY_FIRST,	/* no default route: the first link of a listed driver */
	CLAIM_PRIMARY_METADATA, /* the metadata service's instance mac */
	CLAIM_UNMANAGED,
	CLAIM_IGNORE_MAC,
	CLAIM_IGNORE_NAME,
	CLAIM_NOT_LISTED,
	CLAIM_BAD_CONFIG, /* the helper only: the configuration has errors, enid claims nothing */
};

/* What the decision looks at, gathered by the caller. */
struct claim_facts {
	int ifindex;
	const char *ifname; /* the final name (after udev's rename) */
	const uint8_t *mac;
	const char *driver;
	int route_primary; /* ifindex with the main default route, 0 = none */
	int first_listed;  /* the lowest ifindex of a listed driver without a [MAC] section */
	bool md_primary;   /* the metadata service names this MAC as the instance's */
};

enum claim_why claim_decide(const struct enid_config *cfg, const struct claim_facts *f);

/* True when the link with this driver and MAC may be the boot rule's primary (a listed
 * driver, no [MAC] section): what first_listed is the lowest ifindex of. */
bool claim_primary_candidate(const struct enid_config *cfg, const char *driver,
			     const uint8_t mac[6]);

/* The short token for udev's ENID_REASON ("primary", "ignore-names", ...). */
const char *claim_token(enum claim_why why);

/* One line for logs and `enictl status`: "not managed: name matches ignore_names
 * 'eth9*'". Returns buf. */
const char *claim_describe(const struct enid_config *cfg, const struct claim_facts *f,
			   enum claim_why why, char *buf, size_t len);

#endif /* ENID_CLAIM_H */
