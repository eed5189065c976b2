/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The link manager: every link the event sources report, its state machine
 * (link_fsm.h) carried out, and what enid owns in the kernel for it: slots (slots.h),
 * the address record (owned.h), the requests (rtreq.h), the watch on what others undo
 * (kwatch.h) and announcements (arp.h). links.c takes the events; apply.c (apply.h)
 * turns the links that are due into requests once per loop turn.
 */
#ifndef ENID_LINKS_H
#define ENID_LINKS_H

#include <stdbool.h>
#include <stdint.h>

#include "addressing.h"
#include "arp.h"
#include "config.h"
#include "kstate.h"
#include "kwatch.h"
#include "link.h"
#include "loop.h"
#include "owned.h"
#include "rtreq.h"
#include "slots.h"
#include "src_udev.h"

struct mnl_socket;

struct links {
	const struct enid_config *cfg; /* the daemon's; a reload replaces its contents */
	struct loop *loop;
	struct addr_sources *addr;	  /* where each link's addresses come from */
	struct udev_src *udev;		  /* for the gate: has udev initialized a link? */
	bool udev_gate;			  /* wait for udev before configuring */
	void (*timer_changed)(void *ctx); /* links_next_timer() moved */
	void *ctx;

	struct link_table lt;
	struct slots slots;
	struct owned owned;   /* the addresses each slot put on its ENI */
	int primary_ifindex;  /* 0 = none found */
	struct announcer ann; /* gratuitous ARP, unsolicited NA, host arp_filter (arp.c) */

	/* rtnetlink: requests and ACKs (rtreq.c), a dump socket for snapshots (apply.c) */
	struct rtreq rtreq;
	struct watch rtreq_w;
	struct mnl_socket *rtdump;
	uint32_t dump_seq;
	struct kstate ks;
	struct kwatch kwatch; /* rules, routes, addresses of ours that others delete */

	bool synced;	       /* the first dump of the event source completed */
	bool orphans_pending;  /* sweep untracked tagged rules/routes at the next pass */
	uint32_t gen;	       /* the running dump's generation */
	uint32_t pass;	       /* apply passes, so each link is queued once per pass */
	struct host_plan host; /* the dispatch as last sent (apply.c) */
	bool host_stale;       /* compare the dispatch with a snapshot at the next pass */
};

struct link *links_find(struct links *d, int ifindex);
/* A link was seen (event or dump): added or changed. event_us = kernel event time. */
void links_seen(struct links *d, const struct link_facts *f, const char *bus_info,
		uint64_t event_us);
void links_gone(struct links *d, int ifindex);
void links_udev_ready(struct links *d, int ifindex, const char *ifname);
/* A source's full dump starts (a new generation) / finished: with sweep, links it did
 * not report are gone. */
void links_dump_begin(struct links *d);
void links_dump_done(struct links *d, bool sweep);
/* Re-evaluate every link after a config change or a resync; marks them dirty. */
void links_reevaluate(struct links *d);
void links_free_all(struct links *d);
/* The earliest link timer (failure backoff, udev wait, announcement), 0 = none; and
 * running the ones due. */
uint64_t links_next_timer(const struct links *d);
void links_timer(struct links *d, uint64_t now);
void link_failed(struct links *d, struct link *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Moves a managed link on: udev gate, then its addressing. */
void link_advance(struct links *d, struct link *l);
/* Steps the link's state machine (link_fsm.c) and carries out its actions. */
void link_event(struct links *d, struct link *l, enum link_ev ev);
/* Announcement rounds due for configured links, once no request is in flight. */
void links_announce_idle(struct links *d);
/* net.ipv4.conf.all.arp_filter while an ENI holds a slot (config host_arp_filter). */
void links_arp_filter_sync(struct links *d);
/* kwatch's ops: another process deleted something; notifications were lost. */
void links_undone(void *ctx, const struct kwatch_undone *u);
void links_undone_lost(void *ctx);
/* addressing's ops (addressing.h). */
extern const struct addressing_ops links_addressing_ops;

#endif /* ENID_LINKS_H */
