/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where each ENI's addressing comes from, and the glue between the link state
 * machine (links.c) and the metadata fetcher (md_fetch.c).
 *
 * addressing = static    the config's [MAC] section
 *            = metadata  the metadata service, by MAC (a [MAC] section may still
 *                        say unmanaged = yes, or set mtu)
 *            = auto      static when the config has a section for the MAC, else
 *                        metadata once the service answered the instance `mac`
 *                        (asked at start-up), else nothing (the link is left alone)
 * A metadata fetch starts as soon as the kernel event arrives, in parallel with udev.
 * The instance `mac` is the primary: never managed. Until it is known, metadata
 * links wait (so the primary cannot be configured by mistake).
 */
#ifndef ENID_ADDRESSING_H
#define ENID_ADDRESSING_H

#include <stdbool.h>
#include <stdint.h>

#include "plan.h"

struct enid;
struct link;
struct md_job;
struct sbuf;

enum addr_source {
	ADDR_SRC_NONE,	   /* not resolved yet, or nothing to resolve it with */
	ADDR_SRC_STATIC,   /* [MAC] section */
	ADDR_SRC_METADATA, /* metadata service */
};

const char *addr_source_name(enum addr_source s);

/* enid start-up / teardown / reload / end of a loop turn. */
int addressing_open(struct enid *d);
void addressing_close(struct enid *d);
void addressing_reconfigure(struct enid *d);
void addressing_idle(struct enid *d);

/* A new managed link (its kernel event): starts its metadata fetch now when
 * metadata will address it, so the answer is usually there before udev is done. */
void addressing_link_new(struct enid *d, struct link *l);
/* The link went away or changed MAC: its fetch is cancelled. */
void addressing_link_gone(struct enid *d, struct link *l);

/*
 * The link's addressing now. 0 and *out filled; or
 *   -EPERM       its [MAC] section says unmanaged = yes
 *   -ENOENT      no source for it (l->why says why): leave it alone
 *   -EINPROGRESS metadata not complete yet (l->why says why): wait
 *   -ETIMEDOUT   the same, past metadata_deadline_s: report it failed, still waiting
 *   -ENOMEM
 * Never an empty addressing for a metadata error: a link keeps its last good one.
 */
int addressing_resolve(struct enid *d, struct link *l, struct addressing *out);

/* True when mac is the instance's (the primary's) per the metadata service. */
bool addressing_is_primary(struct enid *d, const uint8_t mac[6]);

/*
 * enictl refresh [IFNAME|MAC]: reads the metadata again for that link (NULL or ""
 * = every metadata link; also asks for the instance mac again when it had given up)
 * and applies only the difference once the answer is complete. One line per link
 * into out. Returns the number of links refreshed, or -ENOENT (no such managed
 * link) / -EINVAL (it is not addressed from metadata), with the reason in out.
 */
int addressing_refresh(struct enid *d, const char *what, struct sbuf *out);

/* Called by md_fetch.c from md_idle(): a job's state changed / the instance's. */
void addressing_md_update(struct enid *d, struct md_job *j);
void addressing_md_instance(struct enid *d);

/* kwatch's op: an address of link ifindex came or went (the primary's are kept). */
void addressing_addr_changed(void *ctx, int ifindex);

/* Same addresses, gateways, mtu and nodad. */
bool addressing_equal(const struct addressing *a, const struct addressing *b);

#endif /* ENID_ADDRESSING_H */
