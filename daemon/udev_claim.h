/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `enid --udev-claim KERNEL [NAME]`: the helper of the udev rule 81-enid.rules. For the
 * link udev is processing (KERNEL its current name, NAME the one udev will give it), it
 * prints udev properties, one per line:
 *   ENID_MANAGED=1, NM_UNMANAGED=1          enid manages it (claim.h said so)
 *   ENID_MANAGED=0, ENID_REASON=<token>     it does not: driver, primary, unmanaged,
 *                                           ignore-macs, ignore-names, not-listed,
 *                                           invalid-config, no-link, netlink
 * It takes the same decision as the daemon (claim_decide) from the same configuration,
 * the links and the main default route read from rtnetlink at once: no metadata, no
 * waiting. It never fails the udev event: every error ends in ENID_MANAGED=0.
 */
#ifndef ENID_UDEV_CLAIM_H
#define ENID_UDEV_CLAIM_H

#include <stdio.h>

#include "config.h"

/* cfg NULL: the configuration has errors (enid claims nothing). name NULL or "": kernel.
 * Returns 0 (always: the answer is on out). */
int udev_claim_print(const struct enid_config *cfg, const char *kernel, const char *name,
		     FILE *out);

#endif /* ENID_UDEV_CLAIM_H */
