/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the three event sources (src_genl.c, src_rtnl.c, src_udev.c) report. Each source
 * owns its socket and state and knows nothing else of the daemon: it turns what it reads
 * into these calls, which enid.c wires to the link manager (links.h).
 */
#ifndef ENID_SRC_H
#define ENID_SRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "plan.h"

struct mnl_socket;

struct src_ops {
	/* A link was seen (event or dump): added or changed. event_us = kernel event time. */
	void (*seen)(void *ctx, const struct link_facts *f, const char *bus_info,
		     uint64_t event_us);
	void (*gone)(void *ctx, int ifindex);
	/* A full dump starts (a new generation) / finished: with sweep, links it did not
	 * report are gone. */
	void (*dump_begin)(void *ctx);
	void (*dump_done)(void *ctx, bool sweep);
	/* Events were lost: every link needs a fresh dump. */
	void (*resync)(void *ctx, const char *why);
	/* genl: the eni_notify family came (up) or went. */
	void (*family)(void *ctx, bool up);
	/* rtnl: the driver already known for ifindex; false when the link is new. */
	bool (*known_driver)(void *ctx, int ifindex, char *driver, size_t len);
	/* udev finished with the link (renamed, initialized). */
	void (*udev_ready)(void *ctx, int ifindex, const char *ifname);
	/* A source's timer changed (rtnl_source_next_timer). */
	void (*timer_changed)(void *ctx);
	void *ctx;
};

/* What both netlink sources hold: the event socket, its dumps and their retries. */
struct src_sock {
	const struct src_ops *ops;
	struct loop *loop;
	bool active; /* the daemon's event source: events and dumps go to ops */
	struct mnl_socket *sock;
	struct watch w;
	uint32_t seq;		 /* this socket's request sequence numbers */
	uint32_t dump_seq;	 /* 0 = no dump running */
	unsigned int dump_fails; /* failed dumps in a row */
	bool lost;		 /* ENOBUFS: resync once the socket is drained */
};

/* After fails failed dumps in a row: 50 ms doubling up to 5 s, anywhere in the upper half
 * so daemons that failed together do not retry in step. */
uint64_t src_retry_delay_us(unsigned int fails);
/* Starts a dump: a new sequence number (never 0) in s->dump_seq, returned. */
uint32_t src_dump_seq(struct src_sock *s);

#endif /* ENID_SRC_H */
