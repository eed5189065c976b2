/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-link state machine, pure: link_step(link, event) -> actions. Every state change
 * goes through link_set_state(); the caller (links.c) carries the actions out.
 *
 *   NEW ──managed──> WAIT_UDEV ──udev ready / timeout──> RESOLVING ──addressing──> PENDING
 *   PENDING ──queued──> CONFIGURING ──answered──> CONFIGURED      (EEXIST: VERIFY first)
 *   CONFIGURING / PENDING ──failed──> FAILED ──retry──> PENDING
 *   CONFIGURED ──addresses changed / healed──> PENDING;  resync, reload ──> RESOLVING
 *   anything ──gone──> REMOVED ──cleaned──> (destroyed)
 */
#ifndef ENID_LINK_FSM_H
#define ENID_LINK_FSM_H

#include <stdbool.h>

enum link_state {
	LINK_NEW,	  /* seen; not (yet) managed, or starting over */
	LINK_WAIT_UDEV,	  /* udev has not finished with it (its final name) */
	LINK_RESOLVING,	  /* waiting for its addressing (metadata, config) */
	LINK_PENDING,	  /* resolved: the applier sends its plan next */
	LINK_CONFIGURING, /* requests sent, answers outstanding */
	LINK_CONFIGURED,
	LINK_FAILED,  /* retried with backoff */
	LINK_REMOVED, /* gone: its slot is cleaned, then it is freed */
};

enum link_ev {
	LEV_MANAGED,	  /* found managed (first sight, config change, MAC change) */
	LEV_UNMANAGED,	  /* found not managed: primary, unmanaged = yes, driver */
	LEV_UDEV_WAIT,	  /* udev has not initialized it */
	LEV_UDEV_READY,	  /* udev is done with it */
	LEV_UDEV_TIMEOUT, /* udev did not finish in time: go on anyway */
	LEV_ADDR_WAIT,	  /* the addressing source has not answered yet */
	LEV_ADDR_LATE,	  /* ... and is past its deadline (it keeps asking) */
	LEV_ADDR_NONE,	  /* no addressing (no section, refused): nothing of it applied */
	LEV_ADDR_READY,	  /* addressing known or changed: apply */
	LEV_QUEUED,	  /* the applier sent the plan */
	LEV_APPLIED,	  /* every request answered, what exists compared as ours */
	LEV_EEXIST,	  /* answered, but something existed: compare first */
	LEV_FAILED,	  /* a request, a sysctl, a snapshot failed */
	LEV_RETRY,	  /* the failure backoff is over */
	LEV_REAPPLY,	  /* resync, reload, config change: resolve and apply again */
	LEV_HEAL,	  /* someone deleted our state: apply the same plan again */
	LEV_MOVE,	  /* its slot holds another tool's entries: clean, start over */
	LEV_GONE,	  /* the link went away */
	LEV_BACK,	  /* seen again before its cleanup ran */
	LEV_CLEANED,	  /* its slot's state is deleted */
	LEV__COUNT,
};

enum link_act {
	LACT_NONE = 0,
	LACT_GATE = 1 << 0,	  /* check udev: LEV_UDEV_WAIT or LEV_UDEV_READY follows */
	LACT_ARM_UDEV = 1 << 1,	  /* start the udev timeout */
	LACT_RESOLVE = 1 << 2,	  /* ask the addressing source */
	LACT_APPLY = 1 << 3,	  /* hand the plan to the applier */
	LACT_VERIFY = 1 << 4,	  /* compare the kernel's objects with the plan */
	LACT_CLEANUP = 1 << 5,	  /* delete the slot's state (when it has one) */
	LACT_ARM_RETRY = 1 << 6,  /* back off, then LEV_RETRY */
	LACT_ANNOUNCE = 1 << 7,	  /* gratuitous ARP / unsolicited NA */
	LACT_DESTROY = 1 << 8,	  /* forget the link */
	LACT_CONFIGURED = 1 << 9, /* first time or again: log, timeline, reset attempts */
};

struct link_sm {
	enum link_state state;
	bool managed;
	bool has_slot; /* kept by the caller: cleanup only when there is a slot */
};

/* The one place a state changes. */
void link_set_state(struct link_sm *sm, enum link_state s);
/* Applies one event; returns the actions (enum link_act bits) for the caller. */
unsigned int link_step(struct link_sm *sm, enum link_ev ev);
const char *link_state_name(enum link_state s);
const char *link_ev_name(enum link_ev ev);
/* Configured, failed, or waiting on nothing enid can hurry: what READY=1 waits for. */
bool link_sm_settled(const struct link_sm *sm, bool waiting_addr);

#endif
