/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One network link as the daemon tracks it: its kernel facts, its state machine
 * (link_fsm.h), slot, addressing and timeline. The link manager (links.h) owns the
 * table; addressing (addressing.h) and status (status.h) read it.
 */
#ifndef ENID_LINK_H
#define ENID_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "heal.h"
#include "link_fsm.h"
#include "plan.h"

struct md_job;

struct link {
	struct link_facts facts;
	char bus_info[32];
	struct link_sm sm;   /* state, managed (a matching driver, not the primary, not
			      * unmanaged = yes): changed only through link_event() */
	unsigned char claim; /* enum claim_why (claim.h): why it is managed or not */
	unsigned int slot;   /* 0 = none */
	/* the families its slot's rules may have in the kernel (PLAN_FAM_*), 0 = unknown
	 * (held from before a restart): the dispatch keeps their barrier and END */
	unsigned char rule_fams;
	bool udev_ready;
	bool pending; /* apply at the end of this loop turn */
	bool dirty;   /* diff against a kernel dump first (not a fresh slot) */
	bool cleanup; /* delete the slot's rules/routes, then free the slot */
	bool cleanup_inflight;
	bool waiting_addr; /* its addressing source has not answered yet */
	bool verify;	   /* an add met EEXIST: compare the kernel's objects with the plan */
	bool staged;	   /* planned, sysctls written, in the record: to be sent (apply.c) */
	unsigned int verify_sent;    /* the requests of the batch being verified */
	unsigned char announce_left; /* announcement rounds still to send (arp.c) */
	uint64_t announce_at;	     /* the next one, CLOCK_MONOTONIC us (0 = at once) */
	uint32_t gen;		     /* resync generation that last saw it */
	struct addressing *addr;     /* NULL until resolved */
	unsigned int addr_gen;	     /* +1 each time addr changes */
	unsigned char addr_src;	     /* enum addr_source (addressing.h) */
	struct md_job *md;	     /* its metadata fetch, NULL when none */
	/* timeline, CLOCK_MONOTONIC us, 0 = not reached */
	uint64_t t_event, t_udev, t_addr, t_conf;
	unsigned int attempts;	/* consecutive failures */
	uint64_t retry_at;	/* failure backoff or delayed heal, 0 = none */
	uint64_t udev_deadline; /* configure anyway then, 0 = not waiting */
	char why[160];		/* last problem, for status */
	char slot_note[160];	/* why a slot was passed over, for status */
	struct heal heal;	/* its state undone by others and applied again (kwatch.c) */
	bool heal_queued;	/* a heal counted, its apply not sent yet */
	char refused[160];	/* why the newest addressing was refused (bounds.h), "" = none */
	uint32_t cleanup_pass, apply_pass; /* the apply pass that last queued it (apply.c) */
};

struct link_table {
	struct link **v;
	unsigned int n, cap;
};

/* The link with ifindex, or NULL. */
struct link *link_table_find(const struct link_table *t, int ifindex);
/* Configured, failed, or waiting on nothing enid can hurry: what READY=1 waits for. */
bool link_settled(const struct link *l);

#endif /* ENID_LINK_H */
