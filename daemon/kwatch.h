/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Watching what enid applied: a socket on the rtnetlink rule, route and address groups.
 * It reports, through ops->undone, every deletion by another process of a protocol-222
 * rule or route inside enid's ranges and of any address (the caller decides which are
 * its own), and keeps a mirror of the foreign occupants of enid's ranges, so a fresh
 * slot is chosen without a dump. Notifications caused by enid's own requests (its port)
 * and by the kernel itself (port 0: a device going down or away) are not reported.
 */
#ifndef ENID_KWATCH_H
#define ENID_KWATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "kstate.h"
#include "loop.h"

struct mnl_socket;

enum kwatch_what { KW_RULE, KW_ROUTE, KW_ADDR };

struct kwatch_undone {
	enum kwatch_what what;
	unsigned int slot;   /* rules and routes: the slot whose range holds it */
	bool host;	     /* rules: one of the dispatch in front of the slots (plan.h) */
	int ifindex;	     /* main-table routes: their link; addresses: theirs; else 0 */
	struct enid_ip ip;   /* addresses: the address */
	struct krule rule;   /* rules: as deleted */
	struct kroute route; /* routes: as deleted */
	const char *who;     /* "pid 123 (systemd-network)", "netlink port 77" */
};

struct kwatch_ops {
	void (*undone)(void *ctx, const struct kwatch_undone *u);
	void (*lost)(void *ctx);		      /* notifications lost: assume anything went */
	void (*addr_changed)(void *ctx, int ifindex); /* anyone's address came or went */
};

struct kwatch {
	struct mnl_socket *nl;
	struct watch w;
	struct loop *loop;
	const struct enid_config *cfg; /* the ranges (the daemon's, reloaded in place) */
	uint32_t own_portid;	       /* enid's request socket */
	const struct kwatch_ops *ops;
	void *ctx;
	unsigned long long events; /* deletions reported */
	/* anyone else's rules and routes inside our ranges */
	struct kstate foreign;
	bool stale; /* notifications lost: rebuild foreign from the next full snapshot */
};

int kwatch_open(struct kwatch *kw, struct loop *loop, const struct enid_config *cfg,
		uint32_t own_portid, const struct kwatch_ops *ops, void *ctx);
void kwatch_close(struct kwatch *kw);
/* After a full snapshot: the foreign occupants as the kernel has them. */
void kwatch_sync(struct kwatch *kw, const struct kstate *ks);

#endif
