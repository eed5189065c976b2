/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where each ENI's addressing comes from: the config, or the metadata client (md_fetch.h),
 * checked against bounds.h with the host as it is. It reads the links (link.h) and tells
 * the link manager what changed through addressing_ops; it owns the metadata client, a
 * dump socket and its cache of the primary's addresses.
 *
 * addressing = static    the config's [MAC] section
 *            = metadata  the metadata service, by MAC (a [MAC] section may still
 *                        say unmanaged = yes, or set mtu)
 *            = dhcp      DHCPv4 on the ENI (dhcp_client.h), also per [MAC] section
 *            = auto      static when the config has a section for the MAC, else
 *                        metadata once the service answered the instance `mac`
 *                        (asked at start-up), with one DHCP exchange per ENI whose
 *                        offer must agree with the metadata's primary address
 *                        (dhcp_client_check); else DHCP as soon as the service is
 *                        known unreachable or disabled (md_service_unreachable: its
 *                        first answer, not metadata_deadline_s later; a 404 waits),
 *                        or the metadata fetcher cannot start
 * A metadata fetch starts as soon as the kernel event arrives, in parallel with udev.
 * The instance `mac` is the primary: never managed. Until it is known, metadata
 * links wait (so the primary cannot be configured by mistake).
 */
#ifndef ENID_ADDRESSING_H
#define ENID_ADDRESSING_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "dhcp_client.h"
#include "link.h"
#include "loop.h"
#include "md_fetch.h"
#include "plan.h"

struct md_client;
struct md_job;
struct mnl_socket;
struct sbuf;

/* What addressing tells the link manager. */
struct addressing_ops {
	/* l's addressing is ready (or changed): take it */
	void (*advance)(void *ctx, struct link *l);
	/* l's metadata is overdue (metadata_deadline_s): report it failed, still asking */
	void (*late)(void *ctx, struct link *l);
	/* the instance question was answered: every link is decided again */
	void (*reevaluate)(void *ctx);
};

#define PRIMARY_MAX_IFS	  4
#define PRIMARY_MAX_ADDRS 128

struct addr_sources {
	const struct enid_config *cfg; /* the daemon's; a reload replaces its contents */
	struct loop *loop;
	const struct link_table *lt; /* every link: other ENIs' and the primary's facts */
	const int *primary_ifindex;  /* the link manager's finding (main default route) */
	const struct addressing_ops *ops;
	void *ctx;

	struct md_client *md;	   /* NULL but with addressing auto or metadata */
	struct md_ops md_ops;	   /* what md tells: addressing's own functions */
	struct dhcp_clients dhcp;  /* one per ENI addressed by DHCP */
	const char *run_dir;	   /* the DHCP leases file lives there */
	struct mnl_socket *rtdump; /* the primary's addresses, opened when first needed */
	uint32_t seq;
	struct { /* the primary's addresses, until an address event */
		bool valid;
		int ifs[PRIMARY_MAX_IFS];
		unsigned n_ifs, n;
		struct enid_ip ip[PRIMARY_MAX_IFS * PRIMARY_MAX_ADDRS];
	} primary;
};

enum addr_source {
	ADDR_SRC_NONE,	   /* not resolved yet, or nothing to resolve it with */
	ADDR_SRC_STATIC,   /* [MAC] section */
	ADDR_SRC_METADATA, /* metadata service */
	ADDR_SRC_DHCP,	   /* DHCPv4 lease */
};

const char *addr_source_name(enum addr_source s);

/* enid start-up / teardown / reload / end of a loop turn. */
int addressing_open(struct addr_sources *a);
void addressing_close(struct addr_sources *a);
void addressing_reconfigure(struct addr_sources *a);
void addressing_idle(struct addr_sources *a);

/* The DHCP clients' earliest timer (0 = none), and running the ones due. */
uint64_t addressing_next_timer(const struct addr_sources *a);
void addressing_timer(struct addr_sources *a, uint64_t now);

/* A new managed link (its kernel event): starts its metadata fetch now when
 * metadata will address it, so the answer is usually there before udev is done. */
void addressing_link_new(struct addr_sources *a, struct link *l);
/* The link went away or changed MAC: its fetch is cancelled. */
void addressing_link_gone(struct addr_sources *a, struct link *l);

/*
 * The link's addressing now. 0 and *out filled; or
 *   -EPERM       its [MAC] section says unmanaged = yes
 *   -ENOENT      no source for it (l->why says why): leave it alone
 *   -EINPROGRESS metadata not complete yet (l->why says why): wait
 *   -ETIMEDOUT   the same, past metadata_deadline_s: report it failed, still waiting
 *   -ENOMEM
 * Never an empty addressing for a metadata error: a link keeps its last good one.
 */
int addressing_resolve(struct addr_sources *a, struct link *l, struct addressing *out);

/* The primary's addresses with their prefix lengths (read once, then kept until an address
 * event names one of its links): the count, at most PRIMARY_MAX_IFS * PRIMARY_MAX_ADDRS. */
unsigned addressing_primary_addrs(struct addr_sources *a, struct enid_ip *out);

/* True when mac is the instance's (the primary's) per the metadata service. */
bool addressing_is_primary(struct addr_sources *a, const uint8_t mac[6]);

/*
 * enictl refresh [IFNAME|MAC]: reads the metadata again for that link (NULL or ""
 * = every metadata link; also asks for the instance mac again when it had given up)
 * and applies only the difference once the answer is complete. One line per link
 * into out. Returns the number of links refreshed, or -ENOENT (no such managed
 * link) / -EINVAL (it is not addressed from metadata), with the reason in out.
 */
int addressing_refresh(struct addr_sources *a, const char *what, struct sbuf *out);

/* kwatch's op: an address of link ifindex came or went (the primary's are kept). */
void addressing_addr_changed(void *ctx, int ifindex); /* ctx = the addr_sources */

/* Same addresses, gateways, mtu and nodad. */
bool addressing_equal(const struct addressing *a, const struct addressing *b);

#endif /* ENID_ADDRESSING_H */
